//! Leadership between daemons sharing one database: exactly one of them runs the scheduler and
//! the sync loop. The leader holds the store's lease [`LEADER_LEASE`] and renews it several
//! times per TTL; a daemon that sees the lease free or expired takes it (with a higher term).
//! A leader steps down as soon as the store says someone else holds the lease, or when it could
//! not renew for longer than the TTL minus one renewal period (its lease may have lapsed). A
//! stopping leader releases the lease, so the other daemon takes over at its next attempt.
//! Schedule ticks stay exact across a hand-over because `record_tick` arbitrates each tick.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::store::Store;

pub use crate::store::model::LEADER_LEASE;

/// How long a lease lasts without renewal: a killed leader is replaced within this plus one
/// renewal period.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(6);

/// Contends for and renews the leader lease.
pub struct Leadership {
    store: Arc<dyn Store>,
    holder: String,
    ttl: Duration,
    renew: Duration,
    state: watch::Sender<Option<i64>>,
}

impl Leadership {
    /// A contender named `holder`, renewing every third of `ttl`.
    pub fn new(store: Arc<dyn Store>, holder: impl Into<String>, ttl: Duration) -> Leadership {
        Leadership {
            store,
            holder: holder.into(),
            ttl,
            renew: ttl / 3,
            state: watch::channel(None).0,
        }
    }

    /// A holder name unique to this process: `host:pid:random`.
    pub fn process_holder() -> String {
        let host = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".to_owned());
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        format!("{host}:{}:{}", std::process::id(), &nonce[..8])
    }

    /// This contender's name.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// The term while this process leads, `None` otherwise.
    pub fn subscribe(&self) -> watch::Receiver<Option<i64>> {
        self.state.subscribe()
    }

    /// True while this process leads.
    pub fn is_leader(&self) -> bool {
        self.state.borrow().is_some()
    }

    /// One attempt to take or renew the lease; updates the state and returns it.
    pub async fn attempt(&self, last_renewed: &mut Option<Instant>) -> Option<i64> {
        let was = *self.state.borrow();
        let now = match self
            .store
            .try_acquire_lease(LEADER_LEASE, &self.holder, self.ttl)
            .await
        {
            Ok(Some(term)) => {
                *last_renewed = Some(Instant::now());
                Some(term)
            }
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "cannot renew the leader lease");
                // Keep leading only while the lease surely has not lapsed yet.
                let safe = self.ttl.saturating_sub(self.renew);
                was.filter(|_| last_renewed.is_some_and(|at| at.elapsed() < safe))
            }
        };
        if now != was {
            match now {
                Some(term) => {
                    tracing::info!(holder = %self.holder, term, "leading: scheduler and sync run here")
                }
                None => {
                    tracing::info!(holder = %self.holder, "not leading: scheduler and sync stopped here")
                }
            }
            self.state.send_replace(now);
        }
        now
    }

    /// Contends until `cancel` fires, then releases the lease if held.
    pub async fn run(self: Arc<Self>, cancel: CancellationToken) {
        let mut last_renewed = None;
        loop {
            self.attempt(&mut last_renewed).await;
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tokio::time::sleep(self.renew) => {}
            }
        }
        if self.is_leader() {
            self.state.send_replace(None);
            if let Err(e) = self.store.release_lease(LEADER_LEASE, &self.holder).await {
                tracing::warn!(error = %e, "cannot release the leader lease");
            }
        }
    }
}

/// Runs `work` for each tenure of the leadership watched by `leading`: started when this
/// process becomes leader, cancelled (and awaited) when it steps down, until `cancel` fires.
pub async fn while_leader<F, Fut>(
    mut leading: watch::Receiver<Option<i64>>,
    cancel: CancellationToken,
    mut work: F,
) where
    F: FnMut(CancellationToken) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    loop {
        if leading.borrow_and_update().is_some() {
            let tenure = cancel.child_token();
            let handle = tokio::spawn(work(tenure.clone()));
            loop {
                tokio::select! {
                    _ = cancel.cancelled() => break,
                    changed = leading.changed() => {
                        if changed.is_err() || leading.borrow_and_update().is_none() {
                            break;
                        }
                    }
                }
            }
            tenure.cancel();
            let _ = handle.await;
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            changed = leading.changed() => if changed.is_err() { return },
        }
    }
}
