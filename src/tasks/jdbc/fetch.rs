//! Running one statement and shaping what it returns by `fetchType`, Kestra's way: `row` (first
//! row or null) for FETCH_ONE, `rows` for FETCH, `uri` of a JSON-lines file for STORE, each with
//! `size`. STORE streams rows to the file as they arrive; nothing holds the whole result.

use futures::TryStreamExt;
use serde_json::{Map, Value, json};
use sqlx::Either;
use sqlx::postgres::PgConnection;
use tokio::io::AsyncWriteExt;

use super::JdbcContext;
use super::error::JdbcError;
use super::failure::{Located, from_sqlx};
use super::script::Statement;
use super::value::Rendering;
use crate::spec::kinds::jdbc::FetchType;

/// What one statement did.
pub struct Outcome {
    /// The fetch output when the statement returned a result set (even an empty one).
    pub output: Option<Map<String, Value>>,
    /// Rows inserted, updated, deleted or returned.
    pub rows_affected: u64,
}

/// Where fetched rows go.
enum Sink {
    Discard,
    First(Option<Map<String, Value>>),
    All(Vec<Value>),
    File(StoreFile),
}

/// Runs `statement` of `written` on `conn` (simple protocol: rows arrive as text).
pub async fn run(
    conn: &mut PgConnection,
    statement: &Statement,
    written: &str,
    fetch_type: FetchType,
    rendering: &Rendering,
    ctx: &JdbcContext<'_>,
    store_name: &str,
) -> Result<Outcome, JdbcError> {
    let mut sink = match fetch_type {
        FetchType::None => Sink::Discard,
        FetchType::FetchOne => Sink::First(None),
        FetchType::Fetch => Sink::All(Vec::new()),
        FetchType::Store => Sink::File(StoreFile::create().await?),
    };
    let mut size = 0u64;
    let mut rows_affected = 0u64;
    let mut saw_rows = false;
    let result = {
        let mut stream = sqlx::raw_sql(&statement.text).fetch_many(&mut *conn);
        loop {
            match stream.try_next().await {
                Ok(Some(Either::Left(done))) => rows_affected += done.rows_affected(),
                Ok(Some(Either::Right(row))) => {
                    saw_rows = true;
                    size += 1;
                    sink.accept(rendering, &row).await?;
                }
                Ok(None) => break Ok(()),
                Err(error) => break Err(error),
            }
        }
    };
    if let Err(error) = result {
        sink.discard().await;
        let map = |sent: usize| Some(statement.written_index(sent));
        return Err(from_sqlx(error, Some(&Located { written, map: &map })));
    }
    let output = if saw_rows || statement.returns_rows() {
        Some(sink.finish(size, ctx, store_name).await?)
    } else {
        sink.discard().await;
        None
    };
    Ok(Outcome {
        output,
        rows_affected,
    })
}

impl Sink {
    async fn accept(
        &mut self,
        rendering: &Rendering,
        row: &sqlx::postgres::PgRow,
    ) -> Result<(), JdbcError> {
        match self {
            Self::Discard => {}
            Self::First(first) => {
                if first.is_none() {
                    *first = Some(rendering.row(row));
                }
            }
            Self::All(rows) => rows.push(Value::Object(rendering.row(row))),
            Self::File(file) => file.write(&Value::Object(rendering.row(row))).await?,
        }
        Ok(())
    }

    async fn finish(
        self,
        size: u64,
        ctx: &JdbcContext<'_>,
        store_name: &str,
    ) -> Result<Map<String, Value>, JdbcError> {
        let output = match self {
            Self::Discard => json!({}),
            Self::First(first) => json!({"row": first, "size": u64::from(first.is_some())}),
            Self::All(rows) => json!({"rows": rows, "size": size}),
            Self::File(file) => json!({"uri": file.store(ctx, store_name).await?, "size": size}),
        };
        Ok(match output {
            Value::Object(map) => map,
            _ => Map::new(),
        })
    }

    async fn discard(self) {
        if let Self::File(file) = self {
            file.remove().await;
        }
    }
}

/// A JSON-lines file being written in the temporary directory, then put into the file store.
pub struct StoreFile {
    path: std::path::PathBuf,
    writer: tokio::io::BufWriter<tokio::fs::File>,
}

impl StoreFile {
    /// Creates an empty temporary file.
    pub async fn create() -> Result<Self, JdbcError> {
        let path = std::env::temp_dir().join(format!("baton-jdbc-{}.part", uuid::Uuid::new_v4()));
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(JdbcError::io(&path))?;
        Ok(Self {
            writer: tokio::io::BufWriter::with_capacity(256 * 1024, file),
            path,
        })
    }

    async fn write(&mut self, value: &Value) -> Result<(), JdbcError> {
        let mut line = value.to_string();
        line.push('\n');
        self.writer
            .write_all(line.as_bytes())
            .await
            .map_err(JdbcError::io(&self.path))
    }

    /// Appends raw bytes.
    pub async fn write_bytes(&mut self, bytes: &[u8]) -> Result<(), JdbcError> {
        self.writer
            .write_all(bytes)
            .await
            .map_err(JdbcError::io(&self.path))
    }

    /// Flushes, stores the file as `name` of the task run, removes the temporary; returns the URI.
    pub async fn store(mut self, ctx: &JdbcContext<'_>, name: &str) -> Result<String, JdbcError> {
        let flushed = self.writer.flush().await.map_err(JdbcError::io(&self.path));
        let stored = match flushed {
            Ok(()) => ctx
                .files
                .put(ctx.file_key, name, &self.path)
                .await
                .map_err(JdbcError::from),
            Err(error) => Err(error),
        };
        let _ = tokio::fs::remove_file(&self.path).await;
        stored
    }

    /// Removes the temporary file.
    pub async fn remove(self) {
        drop(self.writer);
        let _ = tokio::fs::remove_file(&self.path).await;
    }
}
