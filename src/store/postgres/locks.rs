//! Transaction-scoped advisory locks: serialize writers that must read-then-write one logical
//! thing (a flow's revision numbers, a flow's concurrency slots, an execution's log ids)
//! without locking whole tables. Released at commit or rollback.
//!
//! Keys are hashes, so two unrelated things may share a lock: that only serializes them.

use sqlx::PgConnection;

use crate::store::error::StoreResult;

/// What a lock protects; part of the key so that classes do not collide by design.
#[derive(Debug, Clone, Copy)]
pub(super) enum LockClass {
    /// A flow's revision numbering.
    FlowRevisions,
    /// A flow's concurrency slots.
    Slots,
    /// An execution's log ids (so they increase in commit order).
    Logs,
}

impl LockClass {
    fn as_str(self) -> &'static str {
        match self {
            LockClass::FlowRevisions => "flow_revisions",
            LockClass::Slots => "slots",
            LockClass::Logs => "logs",
        }
    }
}

/// Waits for the lock on `(class, first, second)` until the transaction ends.
pub(super) async fn lock(
    conn: &mut PgConnection,
    class: LockClass,
    first: &str,
    second: &str,
) -> StoreResult<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1 || ':' || $2), hashtext($3))")
        .bind(class.as_str())
        .bind(first)
        .bind(second)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
