//! `Store::apply` in SQLite: a whole engine transition in one write transaction.

use sqlx::SqlitePool;

use super::{executions, logs, slots, task_runs};
use crate::store::error::StoreResult;
use crate::store::transition::Transition;

/// Writes the execution (version-checked), task runs, logs and slot release, or nothing.
pub(super) async fn apply(writer: &SqlitePool, t: &Transition) -> StoreResult<()> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
    if let Some(execution) = &t.execution {
        // On `Conflict` the transaction is dropped, which rolls it back.
        executions::write(&mut tx, execution).await?;
    }
    task_runs::upsert(&mut tx, &t.task_runs).await?;
    logs::insert(&mut tx, &t.logs).await?;
    if let Some(execution_id) = &t.release_slot {
        slots::release(&mut tx, execution_id).await?;
    }
    tx.commit().await?;
    Ok(())
}
