//! `io.kestra.plugin.jdbc.postgresql.Query`: one statement, its rows shaped by `fetchType`.

use serde_json::Value;

use super::connect::{open, time_zone};
use super::error::JdbcError;
use super::fetch::run;
use super::script::split;
use super::value::Rendering;
use super::{JdbcContext, fetch_type, guarded};
use crate::spec::kinds::jdbc::Query;

/// Runs the query; outputs `row`/`rows`/`uri` and `size` (nothing when it returns no rows).
pub async fn execute(task: &Query, ctx: &JdbcContext<'_>) -> Result<Value, JdbcError> {
    let statements = split(&task.sql, &task.parameters)?;
    let statement = match statements.as_slice() {
        [one] => one,
        [] => {
            return Err(JdbcError::Property {
                property: "sql",
                reason: "no SQL statement to run".into(),
            });
        }
        _ => {
            return Err(JdbcError::Property {
                property: "sql",
                reason: format!(
                    "Query runs a single statement but found {}; use io.kestra.plugin.jdbc.postgresql.Queries",
                    statements.len()
                ),
            });
        }
    };
    let fetch = fetch_type(task.fetch_type, task.fetch, task.fetch_one, task.store);
    let rendering = Rendering {
        zone: time_zone(&task.connection)?,
    };
    let mut session = open(&task.connection, &ctx.cancel).await?;
    let work = run(
        &mut session.conn,
        statement,
        &task.sql,
        fetch,
        &rendering,
        ctx,
        "rows.jsonl",
    );
    let outcome = guarded(work, &session.canceller, ctx).await?;
    ctx.log_info(&format!(
        "query done: {} row(s) affected",
        outcome.rows_affected
    ));
    Ok(Value::Object(outcome.output.unwrap_or_default()))
}
