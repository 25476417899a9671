//! The PostgreSQL tasks of Kestra's JDBC plugin: `Query`, `Queries`, `CopyIn` and `CopyOut`.
//!
//! Data enters as an already rendered [`TaskKind`] and a [`JdbcContext`] (file store, the task
//! run's file key, a log sink and a cancellation token), and leaves as the task's outputs, shaped
//! like Kestra's. Statements run over the simple query protocol, so rows arrive in text form and
//! every column type maps to JSON (see `docs/jdbc.md`); `:name` parameters are substituted as
//! quoted literals (see [`script`]).

mod array;
mod connect;
mod copy_in;
mod copy_out;
mod copy_sql;
mod error;
mod failure;
mod fetch;
mod queries;
mod query;
mod quote;
mod row_count;
pub mod script;
mod value;

use std::future::Future;

use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tracing::Level;

use crate::files::{FileKey, FileStore};
use crate::spec::TaskKind;
use crate::spec::kinds::jdbc::FetchType;

pub use connect::{connect_options, redact};
pub use copy_in::CHUNK as COPY_IN_CHUNK;
pub use error::{DatabaseError, JdbcError};

/// Where a log line of a task goes.
pub type LogSink<'a> = &'a (dyn Fn(Level, &str) + Send + Sync);

/// What a PostgreSQL task needs from its worker.
pub struct JdbcContext<'a> {
    /// Where `from` files are read and output files stored.
    pub files: &'a FileStore,
    /// The task run that owns output files.
    pub file_key: &'a FileKey,
    /// Receives the task's log lines.
    pub log: LogSink<'a>,
    /// Fires when the task run is killed or times out.
    pub cancel: CancellationToken,
}

impl JdbcContext<'_> {
    fn log_info(&self, message: &str) {
        (self.log)(Level::INFO, message);
    }

    fn log_warn(&self, message: &str) {
        (self.log)(Level::WARN, message);
    }

    fn log_debug(&self, message: &str) {
        (self.log)(Level::DEBUG, message);
    }
}

/// Whether `kind` is one of the tasks this module runs.
pub fn handles(kind: &TaskKind) -> bool {
    matches!(
        kind,
        TaskKind::PgQuery(_)
            | TaskKind::PgQueries(_)
            | TaskKind::PgCopyIn(_)
            | TaskKind::PgCopyOut(_)
    )
}

/// Runs a PostgreSQL task whose properties are already rendered; returns its outputs.
pub async fn execute(kind: &TaskKind, ctx: &JdbcContext<'_>) -> Result<Value, JdbcError> {
    match kind {
        TaskKind::PgQuery(task) => query::execute(task, ctx).await,
        TaskKind::PgQueries(task) => queries::execute(task, ctx).await,
        TaskKind::PgCopyIn(task) => copy_in::execute(task, ctx).await,
        TaskKind::PgCopyOut(task) => copy_out::execute(task, ctx).await,
        _ => Err(JdbcError::NotPostgres),
    }
}

/// Kestra's precedence: the deprecated booleans `fetch`, `fetchOne`, `store` win over
/// `fetchType`, which defaults to NONE.
fn fetch_type(
    fetch_type: Option<FetchType>,
    fetch: Option<bool>,
    fetch_one: Option<bool>,
    store: Option<bool>,
) -> FetchType {
    if fetch == Some(true) {
        FetchType::Fetch
    } else if fetch_one == Some(true) {
        FetchType::FetchOne
    } else if store == Some(true) {
        FetchType::Store
    } else {
        fetch_type.unwrap_or(FetchType::None)
    }
}

/// Runs `work` unless the task is cancelled first; then the server is asked to stop the
/// statement, and the session (dropped by the caller) rolls back what was not committed.
async fn guarded<T>(
    work: impl Future<Output = Result<T, JdbcError>>,
    canceller: &connect::Canceller,
    ctx: &JdbcContext<'_>,
) -> Result<T, JdbcError> {
    tokio::select! {
        result = work => result,
        () = ctx.cancel.cancelled() => {
            canceller.cancel_running().await;
            ctx.log_warn("cancelled: the running statement was stopped");
            Err(JdbcError::Cancelled)
        }
    }
}
