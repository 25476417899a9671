//! A row the model cannot hold (written behind the store's back) is reported as corrupt with
//! its table and column, on both backends: one shared decoder serves both, and this pins that
//! its errors stay as precise as each backend's own used to be.

use std::sync::Arc;

use baton::store::model::{Dispatch, Execution, Level, TaskRun};
use baton::store::sqlite::SqliteStore;
use baton::store::{LogFilter, Store, StoreError, Transition};
use sqlx::{Connection, PgConnection, SqliteConnection};

use super::schema::{Schema, postgres_url};
use super::{log, now};

#[tokio::test]
async fn corrupt_sqlite_rows_name_their_table_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("baton.db").display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.expect("open"));
    let mut conn = SqliteConnection::connect(&url).await.expect("connect");
    check(store, async |sql: &str| {
        sqlx::query(sql).execute(&mut conn).await.expect(sql);
    })
    .await;
}

#[tokio::test]
async fn corrupt_postgres_rows_name_their_table_and_column() {
    let Some(url) = postgres_url("corrupt postgres rows") else {
        return;
    };
    let schema = Schema::create(&url).await;
    let store: Arc<dyn Store> = Arc::new(schema.store(2).await);
    let mut conn = PgConnection::connect_with(&schema.options())
        .await
        .expect("connect");
    check(store, async |sql: &str| {
        sqlx::query(sql).execute(&mut conn).await.expect(sql);
    })
    .await;
}

/// Stores an execution, a task run and a log line, breaks one column of each with `run_sql`
/// (statements valid on both backends), and reads each back.
async fn check(store: Arc<dyn Store>, mut run_sql: impl AsyncFnMut(&str)) {
    let execution = Execution::new("ns", "flow", 1, now());
    let run = TaskRun::new(&execution.id, "t", Dispatch::Worker, now());
    store
        .apply(&Transition {
            execution: Some(execution.clone()),
            task_runs: vec![run.clone()],
            logs: vec![log(&execution.id, Some(&run), Level::Info, "hi")],
            ..Transition::default()
        })
        .await
        .expect("store");

    run_sql(r#"UPDATE executions SET labels = '{"not": "a list"}'"#).await;
    let err = store.execution(&execution.id).await.expect_err("corrupt");
    assert_corrupt(&err, "executions", "labels");

    run_sql("UPDATE task_runs SET dispatch = 'NOWHERE'").await;
    let err = store.task_run(&run.id).await.expect_err("corrupt");
    assert_corrupt(&err, "task_runs", "dispatch");

    run_sql("UPDATE logs SET level = 9").await;
    let err = store
        .logs(&execution.id, &LogFilter::default())
        .await
        .expect_err("corrupt");
    assert_corrupt(&err, "logs", "level");
}

fn assert_corrupt(err: &StoreError, table: &str, column: &str) {
    assert!(
        matches!(err, StoreError::Corrupt { table: t, column: c, .. } if *t == table && *c == column),
        "expected corrupt {column} in {table}, got {err}"
    );
}
