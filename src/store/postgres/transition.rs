//! `Store::apply` in Postgres: a whole engine transition in one transaction, with its
//! wake-ups sent from inside it (delivered only if it commits).

use sqlx::PgPool;

use super::listen::{ChannelNames, notify};
use super::{executions, logs, slots, task_runs};
use crate::store::error::StoreResult;
use crate::store::notify::wake_ups;
use crate::store::transition::Transition;

/// Writes the execution (version-checked), task runs, logs and slot release, or nothing.
pub(super) async fn apply(pool: &PgPool, names: &ChannelNames, t: &Transition) -> StoreResult<()> {
    let mut tx = pool.begin().await?;
    logs::lock_executions(&mut tx, &t.logs).await?;
    if let Some(execution) = &t.execution {
        // On `Conflict` the transaction is dropped, which rolls it back.
        executions::write(&mut tx, execution).await?;
    }
    task_runs::upsert(&mut tx, &t.task_runs).await?;
    logs::insert(&mut tx, &t.logs).await?;
    if let Some(execution_id) = &t.release_slot {
        slots::release(&mut tx, execution_id).await?;
    }
    for channel in wake_ups(t) {
        notify(&mut tx, names, channel).await?;
    }
    tx.commit().await?;
    Ok(())
}
