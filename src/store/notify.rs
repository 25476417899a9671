//! Wake-ups: a store tells subscribers that work may be available, so they poll now rather
//! than at their next interval.
//!
//! A wake-up carries no data and may be spurious or lost (Postgres drops notifications sent
//! while a listener is reconnecting), so subscribers must keep polling as the safety net.
//! Backends publish into a `Hub` after (SQLite) or from (Postgres `LISTEN`) the commit of the
//! write that made the work available.

use tokio::sync::broadcast;

use crate::store::model::{Dispatch, State};
use crate::store::transition::Transition;

/// What a wake-up is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Worker task runs were queued (or re-queued): workers should claim.
    TaskRunsReady,
    /// An execution was created or changed, or a worker completed a task run: the engine
    /// should drive.
    ExecutionsChanged,
}

/// Every channel.
pub const ALL_CHANNELS: [Channel; 2] = [Channel::TaskRunsReady, Channel::ExecutionsChanged];

impl Channel {
    /// A short snake_case name (used in Postgres channel names).
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::TaskRunsReady => "task_runs_ready",
            Channel::ExecutionsChanged => "executions_changed",
        }
    }
}

/// A subscription to one channel's wake-ups.
#[derive(Debug)]
pub struct Subscription {
    receiver: broadcast::Receiver<()>,
}

impl Subscription {
    /// Waits for the next wake-up; several wake-ups since the last call count as one.
    /// Returns false once the store is gone (no wake-up will ever come).
    pub async fn notified(&mut self) -> bool {
        // A lag means missed wake-ups: they coalesce into this one.
        if let Err(broadcast::error::RecvError::Closed) = self.receiver.recv().await {
            return false;
        }
        // Drain what queued up meanwhile, so one burst of writes wakes the caller once.
        while let Ok(()) | Err(broadcast::error::TryRecvError::Lagged(_)) = self.receiver.try_recv()
        {
        }
        true
    }
}

/// How many undelivered wake-ups a subscriber may lag behind (more coalesce).
const BACKLOG: usize = 16;

/// The in-process fan-out of wake-ups, one broadcast per channel.
#[derive(Debug, Clone)]
pub struct Hub {
    task_runs_ready: broadcast::Sender<()>,
    executions_changed: broadcast::Sender<()>,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            task_runs_ready: broadcast::channel(BACKLOG).0,
            executions_changed: broadcast::channel(BACKLOG).0,
        }
    }
}

impl Hub {
    fn sender(&self, channel: Channel) -> &broadcast::Sender<()> {
        match channel {
            Channel::TaskRunsReady => &self.task_runs_ready,
            Channel::ExecutionsChanged => &self.executions_changed,
        }
    }

    /// A new subscription to `channel`.
    pub fn subscribe(&self, channel: Channel) -> Subscription {
        Subscription {
            receiver: self.sender(channel).subscribe(),
        }
    }

    /// Wakes every subscriber of `channel` (none listening is fine).
    pub fn publish(&self, channel: Channel) {
        // An error only means nobody subscribes right now.
        let _ = self.sender(channel).send(());
    }
}

/// The channels a committed transition wakes: `ExecutionsChanged` if it wrote an execution or
/// freed a concurrency slot, `TaskRunsReady` if it queued a worker task run.
pub(crate) fn wake_ups(transition: &Transition) -> Vec<Channel> {
    let mut channels = Vec::new();
    if transition.execution.is_some() || transition.release_slot.is_some() {
        channels.push(Channel::ExecutionsChanged);
    }
    let queues_work = transition
        .task_runs
        .iter()
        .any(|r| r.state == State::Created && r.dispatch == Dispatch::Worker);
    if queues_work {
        channels.push(Channel::TaskRunsReady);
    }
    channels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_burst_of_wake_ups_wakes_a_subscriber_once() {
        let hub = Hub::default();
        let mut sub = hub.subscribe(Channel::TaskRunsReady);
        let mut other = hub.subscribe(Channel::ExecutionsChanged);
        for _ in 0..100 {
            hub.publish(Channel::TaskRunsReady);
        }
        assert!(sub.notified().await);
        let again = tokio::time::timeout(std::time::Duration::from_millis(50), sub.notified());
        assert!(again.await.is_err(), "the burst was coalesced");
        let quiet = tokio::time::timeout(std::time::Duration::from_millis(50), other.notified());
        assert!(quiet.await.is_err(), "channels are separate");
        drop(hub);
        assert!(!sub.notified().await, "a dropped hub ends the subscription");
    }
}
