//! Opening a Postgres database: the pool and the embedded migrations.
//!
//! Migrations run on a connection of their own, closed afterwards: sqlx's migrator holds a
//! session advisory lock (keyed by the database name) while it works, so two processes that
//! start together apply each migration once, and a failed run cannot leave the lock held by a
//! pooled connection.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

use crate::store::error::StoreResult;

/// Connections in the pool by default: the engine, the workers' claims and log appends, the
/// status page and one held by the wake-up listener.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;

/// How long a call waits for a free (or re-established) connection before failing.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Parses a `postgres://` URL.
pub(super) fn options(url: &str) -> StoreResult<PgConnectOptions> {
    Ok(PgConnectOptions::from_str(url)?.application_name("baton"))
}

/// Migrates the database, then opens a pool of at most `max_connections`.
///
/// The pool checks each connection before handing it out, so a connection the server closed
/// (restart, `pg_terminate_backend`) is replaced on the next call instead of failing it.
pub(super) async fn connect(
    options: PgConnectOptions,
    max_connections: u32,
) -> StoreResult<PgPool> {
    migrate(&options).await?;
    let pool = PgPoolOptions::new()
        .max_connections(max_connections.max(2))
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(true)
        .connect_with(options)
        .await?;
    Ok(pool)
}

async fn migrate(options: &PgConnectOptions) -> StoreResult<()> {
    let mut conn = PgConnection::connect_with(options).await?;
    let migrated = sqlx::migrate!("./migrations/postgres").run(&mut conn).await;
    // Closing ends the session, which frees the advisory lock even if the run failed.
    let closed = conn.close().await;
    migrated?;
    closed?;
    Ok(())
}

/// The schema tables are created in (the first existing one on the `search_path`).
pub(super) async fn current_schema(pool: &PgPool) -> StoreResult<String> {
    let schema: Option<String> = sqlx::query_scalar("SELECT current_schema()")
        .fetch_one(pool)
        .await?;
    Ok(schema.unwrap_or_else(|| "public".to_string()))
}
