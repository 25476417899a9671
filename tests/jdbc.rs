//! The PostgreSQL tasks against the real server named by `BATON_TEST_POSTGRES_URL`
//! (e.g. `postgres://baton:baton@127.0.0.1:5432/baton_test`); each test works in its own schema,
//! reached through a `jdbc:postgresql://...?currentSchema=` URL as flows write it. Without the
//! variable each test prints "skipped: ..." and passes.

use std::sync::{Arc, Mutex};

use baton::files::{FileKey, FileStore};
use baton::spec::catalogue::task_type;
use baton::tasks::jdbc::{JdbcContext, JdbcError, execute};
use serde_json::{Value, json};
use sqlx::Connection as _;
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;
use tracing::Level;

mod copy;
mod errors;
mod queries;
mod query;
mod types;

/// A schema of its own on the test server, a file store, and the task logs.
pub struct Pg {
    admin_url: String,
    jdbc_url: String,
    username: String,
    password: String,
    pub schema: String,
    pub files: FileStore,
    pub key: FileKey,
    pub logs: Arc<Mutex<Vec<(Level, String)>>>,
    pub dir: TempDir,
}

/// The harness for `test`, or `None` (after printing why) when no server is configured.
pub async fn pg(test: &str) -> Option<Pg> {
    let Some(admin_url) = std::env::var("BATON_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
    else {
        println!("skipped: BATON_TEST_POSTGRES_URL is not set");
        return None;
    };
    let rest = admin_url
        .split_once("://")
        .map(|(_, r)| r.to_owned())
        .expect("BATON_TEST_POSTGRES_URL is postgres://user:password@host:port/db");
    let (userinfo, location) = rest.split_once('@').expect("user and password in the URL");
    let (username, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let schema = format!(
        "t_{test}_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to the test server");
    sqlx::raw_sql(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .expect("create schema");
    let dir = tempfile::tempdir().expect("temp dir");
    Some(Pg {
        jdbc_url: format!("jdbc:postgresql://{location}?currentSchema={schema}"),
        admin_url: admin_url.clone(),
        username: username.to_owned(),
        password: password.to_owned(),
        schema,
        files: FileStore::new(dir.path().join("storage")),
        key: FileKey {
            namespace: "company.team".into(),
            flow_id: "pg".into(),
            execution_id: "ex1".into(),
            task_id: test.into(),
            task_run_id: "tr1".into(),
        },
        logs: Arc::new(Mutex::new(Vec::new())),
        dir,
    })
}

impl Pg {
    /// Runs task `io.kestra.plugin.jdbc.postgresql.<kind>` with `props` plus the connection.
    pub async fn run(&self, kind: &str, props: Value) -> Result<Value, JdbcError> {
        self.run_cancellable(kind, props, CancellationToken::new())
            .await
    }

    /// Same as [`Pg::run`], with a cancellation token.
    pub async fn run_cancellable(
        &self,
        kind: &str,
        mut props: Value,
        cancel: CancellationToken,
    ) -> Result<Value, JdbcError> {
        let object = props.as_object_mut().expect("props are an object");
        object
            .entry("url")
            .or_insert_with(|| Value::String(self.jdbc_url.clone()));
        object
            .entry("username")
            .or_insert_with(|| Value::String(self.username.clone()));
        object
            .entry("password")
            .or_insert_with(|| Value::String(self.password.clone()));
        let name = format!("io.kestra.plugin.jdbc.postgresql.{kind}");
        let task = task_type(&name)
            .expect("known type")
            .parse(props)
            .expect("valid properties");
        let logs = Arc::clone(&self.logs);
        let log = move |level: Level, line: &str| {
            logs.lock().expect("logs").push((level, line.to_owned()));
        };
        let ctx = JdbcContext {
            files: &self.files,
            file_key: &self.key,
            log: &log,
            cancel,
        };
        execute(&task, &ctx).await
    }

    /// Runs `sql` as a Query with FETCH and returns its rows.
    pub async fn rows(&self, sql: &str) -> Vec<Value> {
        let out = self
            .run("Query", json!({"sql": sql, "fetchType": "FETCH"}))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        out["rows"].as_array().cloned().unwrap_or_default()
    }

    /// Runs `sql` (several statements allowed) as Queries and panics on failure.
    pub async fn exec(&self, sql: &str) {
        self.run("Queries", json!({ "sql": sql }))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The text of a stored file.
    pub async fn stored(&self, uri: &str) -> String {
        let path = self.files.path_of(uri).await.expect("stored file");
        std::fs::read_to_string(path).expect("read stored file")
    }

    /// Drops the schema.
    pub async fn cleanup(self) {
        let mut admin = sqlx::PgConnection::connect(&self.admin_url)
            .await
            .expect("connect to the test server");
        sqlx::raw_sql(&format!("DROP SCHEMA {} CASCADE", self.schema))
            .execute(&mut admin)
            .await
            .expect("drop schema");
    }
}
