//! Task runs in SQLite: column mapping, bulk upsert, reads.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::codec::{micros, micros_opt, to_json};
use crate::store::error::StoreResult;
use crate::store::model::TaskRun;
use crate::store::rows;

/// The task run columns of the model, in bind order (lease columns excluded).
pub(super) const COLUMNS: &str = "id, execution_id, task_id, parent_task_run_id, iteration_value, \
     iteration, state, history, attempts, outputs, dispatch, worker_group, created, ended, error, payload";

/// On upsert, every model column is replaced; the lease (owner, expiry) is kept.
const UPSERT_TAIL: &str = " ON CONFLICT (id) DO UPDATE SET execution_id = excluded.execution_id, \
     task_id = excluded.task_id, parent_task_run_id = excluded.parent_task_run_id, \
     iteration_value = excluded.iteration_value, iteration = excluded.iteration, \
     state = excluded.state, history = excluded.history, attempts = excluded.attempts, \
     outputs = excluded.outputs, dispatch = excluded.dispatch, \
     worker_group = excluded.worker_group, created = excluded.created, \
     ended = excluded.ended, error = excluded.error, payload = excluded.payload";

/// 16 parameters a row: 200 rows stay far below SQLite's parameter limit.
const ROWS_PER_STATEMENT: usize = 200;

/// A task run with its JSON columns encoded, ready to bind.
struct Encoded<'a> {
    run: &'a TaskRun,
    history: String,
    attempts: String,
    outputs: String,
    payload: Option<String>,
}

impl<'a> Encoded<'a> {
    fn new(run: &'a TaskRun) -> StoreResult<Self> {
        Ok(Encoded {
            run,
            history: to_json(&run.history)?,
            attempts: to_json(&run.attempts)?,
            outputs: to_json(&run.outputs)?,
            payload: run.payload.as_ref().map(to_json).transpose()?,
        })
    }
}

/// Inserts or replaces task runs, one statement per 200 rows.
pub(super) async fn upsert(conn: &mut SqliteConnection, runs: &[TaskRun]) -> StoreResult<()> {
    for chunk in runs.chunks(ROWS_PER_STATEMENT) {
        let encoded = chunk
            .iter()
            .map(Encoded::new)
            .collect::<StoreResult<Vec<_>>>()?;
        let mut query = QueryBuilder::<Sqlite>::new(format!("INSERT INTO task_runs ({COLUMNS}) "));
        query.push_values(encoded, |mut row, e| {
            let r = e.run;
            row.push_bind(r.id.as_str())
                .push_bind(r.execution_id.as_str())
                .push_bind(r.task_id.as_str())
                .push_bind(r.parent_task_run_id.as_deref())
                .push_bind(r.value.as_deref())
                .push_bind(r.iteration)
                .push_bind(r.state.as_str())
                .push_bind(e.history)
                .push_bind(e.attempts)
                .push_bind(e.outputs)
                .push_bind(r.dispatch.as_str())
                .push_bind(r.worker_group.as_deref())
                .push_bind(micros(r.created))
                .push_bind(micros_opt(r.ended))
                .push_bind(r.error.as_deref())
                .push_bind(e.payload);
        });
        query.push(UPSERT_TAIL);
        query.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// The task runs of an execution, in creation order.
pub(super) async fn of_execution(
    reader: &SqlitePool,
    execution_id: &str,
) -> StoreResult<Vec<TaskRun>> {
    let sql =
        format!("SELECT {COLUMNS} FROM task_runs WHERE execution_id = ? ORDER BY created, id");
    let rows = sqlx::query(&sql)
        .bind(execution_id)
        .fetch_all(reader)
        .await?;
    rows.iter().map(rows::task_run).collect()
}

/// One task run.
pub(super) async fn by_id(reader: &SqlitePool, id: &str) -> StoreResult<Option<TaskRun>> {
    let sql = format!("SELECT {COLUMNS} FROM task_runs WHERE id = ?");
    let row = sqlx::query(&sql).bind(id).fetch_optional(reader).await?;
    row.as_ref().map(rows::task_run).transpose()
}
