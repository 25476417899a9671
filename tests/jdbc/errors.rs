//! Failures read well: the database's message located in the user's SQL, a refused connection,
//! a cancelled statement.

use std::time::{Duration, Instant};

use baton::tasks::jdbc::JdbcError;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::pg;

#[tokio::test]
async fn bad_sql_reports_the_message_and_its_position() {
    let Some(pg) = pg("errors_syntax").await else {
        return;
    };
    let error = pg.run("Query", json!({"sql": "SELEC 1"})).await.err();
    let message = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.starts_with("syntax error at or near \"SELEC\" (line 1, position 1)"),
        "{message}"
    );
    // In a script, the position is in the user's text, past substituted parameters.
    let error = pg
        .run(
            "Queries",
            json!({
                "sql": "SELECT :long AS a;\nSELECT 1,\n    FROM nowhere",
                "parameters": {"long": "a value much longer than its placeholder"}
            }),
        )
        .await
        .err();
    match error {
        Some(JdbcError::Database(db)) => {
            assert_eq!((db.line, db.position), (Some(3), Some(5)), "{db}");
            assert_eq!(db.code, "42601");
        }
        other => panic!("expected a database error, got {other:?}"),
    }
    pg.cleanup().await;
}

#[tokio::test]
async fn a_refused_connection_says_where_it_tried() {
    let Some(pg) = pg("errors_refused").await else {
        return;
    };
    let error = pg
        .run(
            "Query",
            json!({"sql": "SELECT 1", "url": "jdbc:postgresql://127.0.0.1:1/db"}),
        )
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        error.starts_with("cannot connect to PostgreSQL at 127.0.0.1:1/db"),
        "{error}"
    );
    assert!(error.to_lowercase().contains("refused"), "{error}");
    pg.cleanup().await;
}

#[tokio::test]
async fn a_wrong_password_is_the_server_s_message() {
    let Some(pg) = pg("errors_password").await else {
        return;
    };
    let error = pg
        .run(
            "Query",
            json!({"sql": "SELECT 1", "password": "certainly-wrong"}),
        )
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("password authentication failed"), "{error}");
    assert!(!error.contains("certainly-wrong"), "{error}");
    pg.cleanup().await;
}

#[tokio::test]
async fn cancelling_stops_the_running_statement() {
    let Some(pg) = pg("errors_cancel").await else {
        return;
    };
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let result = pg
        .run_cancellable(
            "Query",
            json!({"sql": "SELECT pg_sleep(30), 'cancel-probe' AS probe"}),
            cancel,
        )
        .await;
    assert!(matches!(result, Err(JdbcError::Cancelled)), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // The server-side statement is gone too, not left sleeping.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let running = pg
        .rows("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE '%cancel-probe%' AND pid <> pg_backend_pid()")
        .await;
    assert_eq!(running, vec![json!({"n": 0})]);
    pg.cleanup().await;
}
