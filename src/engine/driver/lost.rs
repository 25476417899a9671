//! Task runs of lost workers. A worker that dies (SIGKILL, machine loss) stops renewing its
//! leases; once a lease has expired the worker can neither renew nor report it (the store
//! refuses both), so failing the attempt here cannot race with a late result. The failed
//! task run then follows its retry policy, like any failure: a retry goes back to the queue
//! for another worker.

use chrono::{DateTime, Utc};

use super::drive::Drive;
use super::{Command, Inner};
use crate::engine::error::EngineError;
use crate::store::model::{Dispatch, Level, State};

/// Tells the owner of each execution with an expired worker lease (adopting it if needed).
/// With two daemons both may report the same task run: the execution's version guard lets
/// only one of the resulting steps be stored.
pub(super) async fn report_expired_leases(
    inner: &std::sync::Arc<Inner>,
) -> Result<(), EngineError> {
    let expired = inner.store.expired_leases(Utc::now()).await?;
    for tr in expired {
        let command = Command::WorkerLost {
            task_run_id: tr.id.clone(),
            attempts: tr.attempts.len(),
        };
        inner.command(&tr.execution_id, command);
    }
    Ok(())
}

impl Drive {
    /// Fails (or, while killing, kills) the reported task runs still in the attempt that was
    /// lost; the core then retries them if their policy allows.
    pub(super) fn fail_lost(&mut self, now: DateTime<Utc>) {
        for (id, attempts) in std::mem::take(&mut self.lost) {
            let Some(&i) = self.positions.get(&id) else {
                continue;
            };
            let tr = &self.view.task_runs[i];
            let in_flight = matches!(tr.state, State::Running | State::Killing);
            if tr.dispatch != Dispatch::Worker || !in_flight || tr.attempts.len() != attempts {
                continue;
            }
            let worker = tr
                .attempts
                .last()
                .and_then(|a| a.worker_id.clone())
                .unwrap_or_else(|| "?".into());
            if tr.state == State::Killing {
                self.finish_task_run(&id, State::Killed, None, now);
                continue;
            }
            let message =
                format!("worker lost: worker {worker} stopped renewing its lease on this task run");
            self.log(&id, Level::Error, message.clone(), now);
            self.finish_task_run(&id, State::Failed, Some(message), now);
        }
    }
}
