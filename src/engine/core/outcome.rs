//! How the states of settled children combine into their parent's state.

use crate::spec::Task;
use crate::store::model::State;

/// Where a list of task runs stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Something in it still has to happen.
    Running,
    /// Everything in it is settled, with this merged state.
    Done(State),
}

/// The state a terminal task run counts as for its parent: skipped counts as success, an allowed
/// failure as a warning, an allowed warning as success.
pub fn effective_state(state: State, task: &Task) -> State {
    let state = match state {
        State::Skipped | State::Retried => State::Success,
        State::Failed | State::Cancelled if task.common.allow_failure => State::Warning,
        State::Cancelled => State::Failed,
        other => other,
    };
    if state == State::Warning && task.common.allow_warning {
        State::Success
    } else {
        state
    }
}

/// The worse of two settled states (KILLED > FAILED > WARNING > SUCCESS).
pub fn merge(a: State, b: State) -> State {
    let rank = |s: State| match s {
        State::Killed => 3,
        State::Failed => 2,
        State::Warning => 1,
        _ => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// True for the states that stop a list.
pub fn is_blocking(state: State) -> bool {
    matches!(state, State::Failed | State::Killed)
}
