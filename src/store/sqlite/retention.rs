//! Retention in SQLite: purging old terminal executions (task runs and logs cascade),
//! old trigger ticks and expired keys.

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::codec::{micros, now, state_list};
use crate::store::error::StoreResult;
use crate::store::model::ALL_STATES;

/// Ids bound per `DELETE ... IN (...)`, far below SQLite's parameter limit.
const IDS_PER_STATEMENT: usize = 500;

/// Deletes up to `batch` terminal executions that ended before `before`; returns how many.
pub(super) async fn purge(
    writer: &SqlitePool,
    before: DateTime<Utc>,
    batch: i64,
) -> StoreResult<i64> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
    let select = format!(
        "SELECT id FROM executions WHERE state IN ({}) AND COALESCE(ended, created) < ? \
         ORDER BY created LIMIT ?",
        state_list(ALL_STATES.into_iter().filter(|s| s.is_terminal()))
    );
    let ids: Vec<String> = sqlx::query_scalar(&select)
        .bind(micros(before))
        .bind(batch.max(0))
        .fetch_all(&mut *tx)
        .await?;
    // Task runs and logs go with their execution (ON DELETE CASCADE); slots have no key to it.
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        for (table, column) in [("concurrency_slots", "execution_id"), ("executions", "id")] {
            let mut delete =
                QueryBuilder::<Sqlite>::new(format!("DELETE FROM {table} WHERE {column} IN ("));
            let mut list = delete.separated(", ");
            for id in chunk {
                list.push_bind(id.as_str());
            }
            delete.push(")");
            delete.build().execute(&mut *tx).await?;
        }
    }
    sqlx::query("DELETE FROM trigger_ticks WHERE tick < ?")
        .bind(micros(before))
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM kv WHERE expires IS NOT NULL AND expires <= ?")
        .bind(micros(now()))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(ids.len() as i64)
}
