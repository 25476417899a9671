//! `TriggerError`: why a trigger could not fire or answer.

use crate::engine::inputs::InputError;
use crate::store::StoreError;

/// A trigger that could not start or follow an execution.
#[derive(Debug, thiserror::Error)]
pub enum TriggerError {
    /// No live flow with this id.
    #[error("flow {namespace}.{flow_id} is not live")]
    FlowNotFound { namespace: String, flow_id: String },
    /// The execution vanished.
    #[error("execution {0} not found")]
    ExecutionNotFound(String),
    /// The inputs do not fit the flow's declarations: nothing started.
    #[error(transparent)]
    Inputs(#[from] InputError),
    /// The engine refused to start or follow the execution.
    #[error("engine: {0}")]
    Engine(String),
    /// A trigger property does not render.
    #[error("trigger {trigger}: {message}")]
    Render { trigger: String, message: String },
    /// The store refused a read or a write.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}
