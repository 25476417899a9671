//! `EngineError`: what can go wrong starting or steering executions.

use crate::engine::inputs::InputError;
use crate::store::StoreError;

/// An error of the engine's API.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Flow(#[from] FlowError),
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("execution `{0}` not found")]
    ExecutionNotFound(String),
    #[error("task run `{0}` not found")]
    TaskRunNotFound(String),
    #[error("execution `{id}` is {state}: {action} is not possible")]
    WrongState {
        id: String,
        state: String,
        action: &'static str,
    },
    #[error("the engine stopped")]
    Stopped,
}

/// Why a flow could not be found or read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FlowError {
    #[error("flow `{namespace}.{id}` not found")]
    NotFound { namespace: String, id: String },
    #[error("flow `{namespace}.{id}` revision {revision} not found")]
    RevisionNotFound {
        namespace: String,
        id: String,
        revision: i64,
    },
    #[error("flow `{namespace}.{id}`: {message}")]
    Invalid {
        namespace: String,
        id: String,
        message: String,
    },
    #[error("flow `{namespace}.{id}`: store: {message}")]
    Store {
        namespace: String,
        id: String,
        message: String,
    },
}
