//! Task runs in SQLite: column mapping, bulk upsert, reads.

use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};

use super::codec::{from_json, micros, micros_opt, state, time, time_opt, to_json};
use crate::store::error::{StoreError, StoreResult};
use crate::store::model::{Dispatch, TaskRun};

/// The task run columns of the model, in bind order (lease columns excluded).
pub(super) const COLUMNS: &str = "id, execution_id, task_id, parent_task_run_id, iteration_value, \
     iteration, state, history, attempts, outputs, dispatch, worker_group, created, ended, error";

/// On upsert, every model column is replaced; the lease (owner, expiry) is kept.
const UPSERT_TAIL: &str = " ON CONFLICT (id) DO UPDATE SET execution_id = excluded.execution_id, \
     task_id = excluded.task_id, parent_task_run_id = excluded.parent_task_run_id, \
     iteration_value = excluded.iteration_value, iteration = excluded.iteration, \
     state = excluded.state, history = excluded.history, attempts = excluded.attempts, \
     outputs = excluded.outputs, dispatch = excluded.dispatch, \
     worker_group = excluded.worker_group, created = excluded.created, \
     ended = excluded.ended, error = excluded.error";

/// 15 parameters a row: 200 rows stay far below SQLite's parameter limit.
const ROWS_PER_STATEMENT: usize = 200;

/// A task run with its JSON columns encoded, ready to bind.
struct Encoded<'a> {
    run: &'a TaskRun,
    history: String,
    attempts: String,
    outputs: String,
}

impl<'a> Encoded<'a> {
    fn new(run: &'a TaskRun) -> StoreResult<Self> {
        Ok(Encoded {
            run,
            history: to_json(&run.history)?,
            attempts: to_json(&run.attempts)?,
            outputs: to_json(&run.outputs)?,
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
                .push_bind(r.error.as_deref());
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
    rows.iter().map(from_row).collect()
}

/// One task run.
pub(super) async fn by_id(reader: &SqlitePool, id: &str) -> StoreResult<Option<TaskRun>> {
    let sql = format!("SELECT {COLUMNS} FROM task_runs WHERE id = ?");
    let row = sqlx::query(&sql).bind(id).fetch_optional(reader).await?;
    row.as_ref().map(from_row).transpose()
}

/// A task run from a row holding at least `COLUMNS`.
pub(super) fn from_row(row: &SqliteRow) -> StoreResult<TaskRun> {
    const T: &str = "task_runs";
    let dispatch: String = row.try_get("dispatch")?;
    Ok(TaskRun {
        id: row.try_get("id")?,
        execution_id: row.try_get("execution_id")?,
        task_id: row.try_get("task_id")?,
        parent_task_run_id: row.try_get("parent_task_run_id")?,
        value: row.try_get("iteration_value")?,
        iteration: row.try_get("iteration")?,
        state: state(T, row.try_get("state")?)?,
        history: from_json(T, "history", row.try_get("history")?)?,
        attempts: from_json(T, "attempts", row.try_get("attempts")?)?,
        outputs: from_json(T, "outputs", row.try_get("outputs")?)?,
        dispatch: Dispatch::parse(&dispatch).ok_or_else(|| StoreError::Corrupt {
            table: T,
            column: "dispatch",
            detail: format!("unknown dispatch `{dispatch}`"),
        })?,
        worker_group: row.try_get("worker_group")?,
        created: time(T, "created", row.try_get("created")?)?,
        ended: time_opt(T, "ended", row.try_get("ended")?)?,
        error: row.try_get("error")?,
    })
}
