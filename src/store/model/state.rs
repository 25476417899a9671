//! The lifecycle states shared by executions, task runs and attempts, named as in Kestra.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A state of an execution, task run or attempt; serialized upper-case like Kestra (`"RUNNING"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    /// Created, not started yet.
    Created,
    /// Waiting for a concurrency slot.
    Queued,
    /// Running.
    Running,
    /// Paused (Pause task) until resumed or its delay elapses.
    Paused,
    /// Restarted after a failure; runs again from the failed task runs.
    Restarted,
    /// A kill was requested and is being carried out.
    Killing,
    /// Finished successfully.
    Success,
    /// Finished, with warnings (e.g. `allowFailure`).
    Warning,
    /// Finished with an error.
    Failed,
    /// Finished because it was killed.
    Killed,
    /// Never ran (e.g. dropped by the concurrency `CANCEL` behaviour).
    Cancelled,
    /// Failed, and a retry is scheduled.
    Retrying,
    /// Failed, and a new attempt or execution replaced it.
    Retried,
    /// Not run, by decision (e.g. a skipped branch).
    Skipped,
}

/// Every state, in declaration order.
pub const ALL_STATES: [State; 14] = [
    State::Created,
    State::Queued,
    State::Running,
    State::Paused,
    State::Restarted,
    State::Killing,
    State::Success,
    State::Warning,
    State::Failed,
    State::Killed,
    State::Cancelled,
    State::Retrying,
    State::Retried,
    State::Skipped,
];

impl State {
    /// The upper-case name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Created => "CREATED",
            State::Queued => "QUEUED",
            State::Running => "RUNNING",
            State::Paused => "PAUSED",
            State::Restarted => "RESTARTED",
            State::Killing => "KILLING",
            State::Success => "SUCCESS",
            State::Warning => "WARNING",
            State::Failed => "FAILED",
            State::Killed => "KILLED",
            State::Cancelled => "CANCELLED",
            State::Retrying => "RETRYING",
            State::Retried => "RETRIED",
            State::Skipped => "SKIPPED",
        }
    }

    /// True once nothing more will happen to it (Kestra's `isTerminated`).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            State::Success
                | State::Warning
                | State::Failed
                | State::Killed
                | State::Cancelled
                | State::Retried
                | State::Skipped
        )
    }

    /// True for `FAILED` (Kestra's `isFailed`).
    pub fn is_failed(self) -> bool {
        self == State::Failed
    }

    /// True while work is in progress: `RUNNING` or `KILLING` (Kestra's `isRunning`).
    pub fn is_running(self) -> bool {
        matches!(self, State::Running | State::Killing)
    }

    /// True when waiting to start: `CREATED`, `RESTARTED` or `RETRYING` (Kestra's `isCreated`).
    pub fn is_created(self) -> bool {
        matches!(self, State::Created | State::Restarted | State::Retrying)
    }

    /// True for `PAUSED`.
    pub fn is_paused(self) -> bool {
        self == State::Paused
    }

    /// True for the successful terminal states: `SUCCESS`, `WARNING`, `SKIPPED`.
    pub fn is_successful(self) -> bool {
        matches!(self, State::Success | State::Warning | State::Skipped)
    }

    /// The states that are not terminal, i.e. that the engine still has to drive.
    pub fn non_terminal() -> impl Iterator<Item = State> {
        ALL_STATES.into_iter().filter(|s| !s.is_terminal())
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the upper-case state names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown state `{0}`")]
pub struct UnknownState(pub String);

impl FromStr for State {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL_STATES
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| UnknownState(s.to_string()))
    }
}

/// One entry of a state history: the state entered and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateChange {
    /// The state entered.
    pub state: State,
    /// When it was entered.
    pub date: DateTime<Utc>,
}

/// The ordered list of states something went through.
pub type StateHistory = Vec<StateChange>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_round_trips_through_its_name() {
        for state in ALL_STATES {
            assert_eq!(state.as_str().parse::<State>(), Ok(state));
            let json = serde_json::to_string(&state).expect("state serializes");
            assert_eq!(json, format!("\"{}\"", state.as_str()));
        }
        assert_eq!(
            "running".parse::<State>(),
            Err(UnknownState("running".into()))
        );
    }

    #[test]
    fn terminal_and_running_states_follow_kestra() {
        let terminal: Vec<_> = ALL_STATES.into_iter().filter(|s| s.is_terminal()).collect();
        assert_eq!(
            terminal,
            [
                State::Success,
                State::Warning,
                State::Failed,
                State::Killed,
                State::Cancelled,
                State::Retried,
                State::Skipped
            ]
        );
        assert!(State::Killing.is_running());
        assert!(!State::Paused.is_running());
        assert!(State::Restarted.is_created());
        assert_eq!(State::non_terminal().count(), 7);
    }
}
