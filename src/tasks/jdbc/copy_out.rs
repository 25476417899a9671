//! `io.kestra.plugin.jdbc.postgresql.CopyOut`: a query's or table's rows streamed with
//! `COPY ... TO STDOUT` into a stored file; outputs `uri` and `rowCount`.

use futures::TryStreamExt;
use serde_json::{Value, json};
use sqlx::postgres::PgConnection;

use super::connect::open;
use super::copy_sql::{Format, target, with_options};
use super::error::JdbcError;
use super::failure::{Located, from_sqlx};
use super::fetch::StoreFile;
use super::row_count::RowCounter;
use super::{JdbcContext, guarded};
use crate::spec::kinds::jdbc::CopyOut;

/// Exports the rows; outputs `{uri, rowCount}`.
pub async fn execute(task: &CopyOut, ctx: &JdbcContext<'_>) -> Result<Value, JdbcError> {
    let format = Format::of(&task.options)?;
    let options = with_options(&task.options, format)?;
    let (sql, query) = match (&task.sql, &task.table) {
        (Some(sql), _) => {
            let query = sql.trim_end().trim_end_matches(';');
            (
                format!("{PREFIX}{query}) TO STDOUT{options}"),
                Some(sql.as_str()),
            )
        }
        (None, Some(table)) => (
            format!(
                "COPY {} TO STDOUT{options}",
                target(table, &task.options.columns)?
            ),
            None,
        ),
        (None, None) => {
            return Err(JdbcError::Property {
                property: "sql",
                reason: "CopyOut needs `sql` (a query) or `table`".into(),
            });
        }
    };
    let counter = counter(task, format);
    let mut session = open(&task.connection, &ctx.cancel).await?;
    ctx.log_debug(&format!("starting {sql}"));
    let name = format!("copy-out.{}", format.extension());
    let work = export(&mut session.conn, &sql, query, counter, ctx, &name);
    let (uri, mut rows) = guarded(work, &session.canceller, ctx).await?;
    if format == Format::Csv && task.options.header == Some(true) {
        rows = rows.saturating_sub(1);
    }
    ctx.log_info(&format!("copied {rows} row(s) to {uri}"));
    Ok(json!({ "uri": uri, "rowCount": rows }))
}

/// What precedes the user's query in the COPY statement (positions are shifted by its length).
const PREFIX: &str = "COPY (";

fn counter(task: &CopyOut, format: Format) -> RowCounter {
    let byte = |value: &Option<String>, default: u8| {
        value
            .as_deref()
            .and_then(|v| v.bytes().next())
            .unwrap_or(default)
    };
    match format {
        Format::Text => RowCounter::text(),
        Format::Binary => RowCounter::binary(),
        Format::Csv => {
            let quote = byte(&task.options.quote, b'"');
            RowCounter::csv(quote, byte(&task.options.escape, quote))
        }
    }
}

async fn export(
    conn: &mut PgConnection,
    sql: &str,
    query: Option<&str>,
    mut counter: RowCounter,
    ctx: &JdbcContext<'_>,
    name: &str,
) -> Result<(String, u64), JdbcError> {
    let prefix = PREFIX.chars().count();
    let map = |sent: usize| sent.checked_sub(prefix + 1);
    let located = query.map(|written| Located { written, map: &map });
    let mut file = StoreFile::create().await?;
    let streamed = async {
        let mut stream = conn
            .copy_out_raw(sql)
            .await
            .map_err(|e| from_sqlx(e, located.as_ref()))?;
        while let Some(chunk) = stream
            .try_next()
            .await
            .map_err(|e| from_sqlx(e, located.as_ref()))?
        {
            counter.feed(&chunk);
            file.write_bytes(&chunk).await?;
        }
        Ok::<_, JdbcError>(())
    }
    .await;
    match streamed {
        Ok(()) => Ok((file.store(ctx, name).await?, counter.rows())),
        Err(error) => {
            file.remove().await;
            Err(error)
        }
    }
}
