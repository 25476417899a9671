//! `io.kestra.plugin.jdbc.postgresql.CopyIn`: streams a stored file into a table with
//! `COPY ... FROM STDIN`, in chunks, never holding the file in memory; outputs `rowCount`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sqlx::postgres::{PgConnection, PgCopyIn};
use tokio::io::AsyncReadExt;

use super::connect::open;
use super::copy_sql::{Format, target, with_options};
use super::error::JdbcError;
use super::failure::from_sqlx;
use super::{JdbcContext, guarded};
use crate::files::URI_SCHEME;
use crate::spec::kinds::jdbc::CopyIn;

/// Bytes sent per COPY data message.
pub const CHUNK: usize = 256 * 1024;

/// Loads the file; outputs `{rowCount}`.
pub async fn execute(task: &CopyIn, ctx: &JdbcContext<'_>) -> Result<Value, JdbcError> {
    let format = Format::of(&task.options)?;
    let sql = format!(
        "COPY {} FROM STDIN{}",
        target(&task.table, &task.options.columns)?,
        with_options(&task.options, format)?
    );
    let file = open_source(&task.from, ctx).await?;
    let mut session = open(&task.connection, &ctx.cancel).await?;
    ctx.log_debug(&format!("starting {sql}"));
    let work = load(&mut session.conn, &sql, file, &task.from);
    let rows = guarded(work, &session.canceller, ctx).await?;
    ctx.log_info(&format!("copied {rows} row(s) into {}", task.table));
    Ok(json!({ "rowCount": rows }))
}

async fn load(
    conn: &mut PgConnection,
    sql: &str,
    mut file: tokio::fs::File,
    from: &str,
) -> Result<u64, JdbcError> {
    let mut copy = conn
        .copy_in_raw(sql)
        .await
        .map_err(|e| from_sqlx(e, None))?;
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let read = match file.read(&mut buffer).await {
            Ok(read) => read,
            Err(source) => {
                let _ = copy.abort("baton could not read the input file").await;
                return Err(JdbcError::Io {
                    path: PathBuf::from(from),
                    source,
                });
            }
        };
        if read == 0 {
            break;
        }
        send(&mut copy, &buffer[..read]).await?;
    }
    copy.finish().await.map_err(|e| from_sqlx(e, None))
}

async fn send(copy: &mut PgCopyIn<&mut PgConnection>, chunk: &[u8]) -> Result<(), JdbcError> {
    copy.send(chunk).await.map_err(|e| from_sqlx(e, None))?;
    Ok(())
}

/// Opens `from`: a `kestra:///` URI of the file store, or a path inside the store's directory.
async fn open_source(from: &str, ctx: &JdbcContext<'_>) -> Result<tokio::fs::File, JdbcError> {
    if from.starts_with(URI_SCHEME) {
        return Ok(ctx.files.open(from).await?);
    }
    let path = inside_root(&ctx.files.root, Path::new(from)).await?;
    tokio::fs::File::open(&path)
        .await
        .map_err(JdbcError::io(path))
}

/// `path` (relative to `root`, or absolute) resolved, symlinks included, refusing to leave `root`.
async fn inside_root(root: &Path, path: &Path) -> Result<PathBuf, JdbcError> {
    let joined = root.join(path);
    let resolved = tokio::fs::canonicalize(&joined)
        .await
        .map_err(JdbcError::io(&joined))?;
    let root = tokio::fs::canonicalize(root)
        .await
        .map_err(JdbcError::io(root))?;
    if resolved.starts_with(&root) {
        Ok(resolved)
    } else {
        Err(JdbcError::Property {
            property: "from",
            reason: format!(
                "{} is outside the data directory {}; give a kestra:/// URI or a path inside it",
                path.display(),
                root.display()
            ),
        })
    }
}
