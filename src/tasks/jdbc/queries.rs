//! `io.kestra.plugin.jdbc.postgresql.Queries`: a script of statements run in one transaction
//! (all or nothing, unless `transaction: false`); each statement that returns rows adds an entry,
//! shaped by `fetchType`, to the `outputs` list, as Kestra does.

use serde_json::{Value, json};
use sqlx::postgres::PgConnection;

use super::connect::{open, time_zone};
use super::error::JdbcError;
use super::failure::from_sqlx;
use super::fetch::run;
use super::script::{Statement, split};
use super::value::Rendering;
use super::{JdbcContext, guarded};
use crate::spec::kinds::jdbc::{FetchType, Queries};

/// Runs the script; outputs `{outputs: [..]}` and the total `size` of fetched rows.
pub async fn execute(task: &Queries, ctx: &JdbcContext<'_>) -> Result<Value, JdbcError> {
    let statements = split(&task.sql, &task.parameters)?;
    let fetch = task.fetch_type.unwrap_or(FetchType::None);
    let rendering = Rendering {
        zone: time_zone(&task.connection)?,
    };
    let transactional = task.transaction.unwrap_or(true);
    let mut session = open(&task.connection, &ctx.cancel).await?;
    let script = Script {
        written: &task.sql,
        statements: &statements,
        fetch,
        rendering,
        transactional,
    };
    let work = script.run(&mut session.conn, ctx);
    guarded(work, &session.canceller, ctx).await
}

struct Script<'a> {
    written: &'a str,
    statements: &'a [Statement],
    fetch: FetchType,
    rendering: Rendering,
    transactional: bool,
}

impl Script<'_> {
    async fn run(
        &self,
        conn: &mut PgConnection,
        ctx: &JdbcContext<'_>,
    ) -> Result<Value, JdbcError> {
        if self.transactional {
            sqlx::raw_sql("BEGIN")
                .execute(&mut *conn)
                .await
                .map_err(|e| from_sqlx(e, None))?;
        }
        match self.statements_in_order(conn, ctx).await {
            Ok(value) => {
                if self.transactional {
                    sqlx::raw_sql("COMMIT")
                        .execute(&mut *conn)
                        .await
                        .map_err(|e| from_sqlx(e, None))?;
                }
                Ok(value)
            }
            Err(error) => {
                if self.transactional {
                    // The failed transaction is aborted anyway; closing the session also rolls back.
                    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
                    ctx.log_warn("statement failed: transaction rolled back");
                }
                Err(error)
            }
        }
    }

    async fn statements_in_order(
        &self,
        conn: &mut PgConnection,
        ctx: &JdbcContext<'_>,
    ) -> Result<Value, JdbcError> {
        let mut outputs = Vec::new();
        let mut total = 0u64;
        for (index, statement) in self.statements.iter().enumerate() {
            let name = format!("rows-{}.jsonl", index + 1);
            let outcome = run(
                conn,
                statement,
                self.written,
                self.fetch,
                &self.rendering,
                ctx,
                &name,
            )
            .await?;
            ctx.log_debug(&format!(
                "statement {}/{} done: {} row(s) affected",
                index + 1,
                self.statements.len(),
                outcome.rows_affected
            ));
            if let Some(output) = outcome.output {
                total += output.get("size").and_then(Value::as_u64).unwrap_or(0);
                outputs.push(Value::Object(output));
            }
        }
        ctx.log_info(&format!("{} statement(s) done", self.statements.len()));
        Ok(json!({ "outputs": outputs, "size": total }))
    }
}
