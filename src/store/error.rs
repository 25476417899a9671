//! `StoreError`: what can go wrong reading or writing the store.

/// An error of a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Optimistic concurrency lost: the stored execution is not at `version - 1`
    /// (or, for a create, already exists).
    #[error("execution {execution_id}: version {version} conflicts with the stored version")]
    Conflict {
        /// The execution written.
        execution_id: String,
        /// The version the write carried.
        version: i64,
    },
    /// Something the operation needs does not exist.
    #[error("{what} `{id}` not found")]
    NotFound {
        /// The kind of thing (`worker`, `execution`...).
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A JSON column could not be encoded or decoded.
    #[error("JSON column error: {0}")]
    Serde(#[from] serde_json::Error),
    /// A schema migration failed at open.
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A stored value has an unexpected shape (unknown state, out-of-range time...).
    #[error("corrupt {column} in {table}: {detail}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The database's directory could not be created.
    #[error("cannot create {path}: {source}")]
    Io {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The store URL names a backend this build cannot open.
    #[error("unsupported store: {0}")]
    Unsupported(String),
}

/// The result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;
