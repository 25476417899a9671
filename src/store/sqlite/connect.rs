//! Opening a SQLite database: pragmas, pools and embedded migrations.
//!
//! Writes go through a one-connection pool: SQLite serializes writers anyway, and queueing
//! them in-process is fair and fast, whereas several writing connections would wait on
//! SQLite's sleeping busy handler. Reads use a separate pool (WAL lets them run alongside).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::store::error::{StoreError, StoreResult};

/// How long a connection waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Read connections for a file database.
const READERS: u32 = 4;

/// The two pools of a SQLite store.
pub(super) struct Pools {
    /// One connection: every write.
    pub(super) writer: SqlitePool,
    /// Reads.
    pub(super) reader: SqlitePool,
}

/// Opens (creating if missing) and migrates the database at `url`.
pub(super) async fn connect(url: &str) -> StoreResult<Pools> {
    let base = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .busy_timeout(BUSY_TIMEOUT)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true);
    if is_memory(url) {
        // An in-memory database lives as long as its one connection: keep it forever and
        // share it between reads and writes.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(base)
            .await?;
        migrate(&pool).await?;
        return Ok(Pools {
            writer: pool.clone(),
            reader: pool,
        });
    }
    create_parent_dir(base.get_filename()).await?;
    let options = base.journal_mode(SqliteJournalMode::Wal);
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .before_acquire(|conn, _| Box::pin(discard_if_stuck_in_transaction(conn)))
        .connect_with(options.clone())
        .await?;
    migrate(&writer).await?;
    let reader = SqlitePoolOptions::new()
        .max_connections(READERS)
        .connect_with(options)
        .await?;
    Ok(Pools { writer, reader })
}

/// False (the pool closes it and opens another) for a connection sqlx still counts as inside a
/// transaction once its queued rollback has run. When a COMMIT fails with SQLITE_FULL or an I/O
/// error, SQLite rolls the transaction back itself; sqlx's own ROLLBACK then fails and its
/// depth stays at 1, so every later `BEGIN` on that connection fails ("attempted to call
/// begin_with at non-zero transaction depth") even after disk space returns. Found by
/// `bench/faults` (disk_full); pinned by `faults::disk_full`.
async fn discard_if_stuck_in_transaction(conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    // The rollback of a dropped transaction is queued on the connection's worker: a ping
    // returns once it has run.
    conn.ping().await?;
    Ok(!conn.is_in_transaction())
}

/// `create_if_missing` creates the file, not its directory (`sqlite://data/baton.db`).
async fn create_parent_dir(file: &Path) -> StoreResult<()> {
    let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })
}

fn is_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

async fn migrate(pool: &SqlitePool) -> StoreResult<()> {
    sqlx::migrate!("./migrations/sqlite").run(pool).await?;
    Ok(())
}
