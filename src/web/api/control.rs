//! `ExecutionControl`: the execution actions the write API exposes (start, kill, restart,
//! resume, replay), as a trait so the web layer does not depend on how the engine drives them.
//! `StoreControl` implements start and kill through the store alone (the engine loop adopts
//! every non-terminal execution it finds); restart, resume and replay need the engine and
//! answer `Unavailable` until one is attached.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use serde_json::{Map, Value};

use crate::engine::inputs::resolve_inputs;
use crate::load::{Limits, parse_str};
use crate::spec::Flow;
use crate::store::model::{Execution, Label, State};
use crate::store::{Store, StoreError, Transition};

/// Why an execution action was refused.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The flow or execution does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The inputs do not match the flow's declarations.
    #[error("{0}")]
    InvalidInput(String),
    /// The execution's state does not allow the action.
    #[error("{0}")]
    WrongState(String),
    /// No engine can perform this action here.
    #[error("{0}")]
    Unavailable(String),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// The execution actions of the write API.
#[async_trait]
pub trait ExecutionControl: Send + Sync {
    /// Creates (and starts) an execution of the live revision of a flow.
    async fn start(
        &self,
        namespace: &str,
        flow_id: &str,
        inputs: Map<String, Value>,
        labels: Vec<Label>,
    ) -> Result<Execution, ControlError>;
    /// Kills a non-terminal execution.
    async fn kill(&self, id: &str) -> Result<(), ControlError>;
    /// Restarts a failed execution; returns it.
    async fn restart(&self, id: &str) -> Result<Execution, ControlError>;
    /// Resumes a paused execution with inputs.
    async fn resume(&self, id: &str, inputs: Map<String, Value>) -> Result<(), ControlError>;
    /// Replays an execution from a task run into a new execution.
    async fn replay(&self, id: &str, task_run_id: &str) -> Result<Execution, ControlError>;
}

/// Execution actions performed directly on the store (no engine attached).
pub struct StoreControl {
    store: Arc<dyn Store>,
}

impl StoreControl {
    /// Actions on `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        StoreControl { store }
    }

    async fn existing(&self, id: &str) -> Result<Execution, ControlError> {
        self.store
            .execution(id)
            .await?
            .ok_or_else(|| ControlError::NotFound(format!("execution `{id}` not found")))
    }
}

/// Parses a stored flow source into the model.
pub fn parse_flow(source: &str) -> Result<Flow, String> {
    let document = parse_str(source, &Limits::default()).map_err(|e| e.to_string())?;
    Flow::from_value(document.value).map_err(|e| e.to_string())
}

fn engine_needed(action: &str) -> ControlError {
    ControlError::Unavailable(format!(
        "{action} needs the execution engine, which is not attached to this server"
    ))
}

#[async_trait]
impl ExecutionControl for StoreControl {
    async fn start(
        &self,
        namespace: &str,
        flow_id: &str,
        inputs: Map<String, Value>,
        labels: Vec<Label>,
    ) -> Result<Execution, ControlError> {
        let revision = self
            .store
            .live_flow(namespace, flow_id)
            .await?
            .ok_or_else(|| {
                ControlError::NotFound(format!("flow `{namespace}.{flow_id}` not found"))
            })?;
        let flow = parse_flow(&revision.source).map_err(|m| {
            ControlError::WrongState(format!("flow `{namespace}.{flow_id}` cannot be read: {m}"))
        })?;
        if flow.disabled {
            return Err(ControlError::WrongState(format!(
                "flow `{namespace}.{flow_id}` is disabled"
            )));
        }
        let inputs = resolve_inputs(&flow.inputs, &inputs)
            .map_err(|e| ControlError::InvalidInput(e.to_string()))?;
        let mut execution = Execution::new(namespace, flow_id, revision.revision, Utc::now());
        execution.commit = revision.commit.clone();
        execution.inputs = Value::Object(inputs);
        execution.labels = labels;
        self.store.create_execution(&execution).await?;
        Ok(execution)
    }

    async fn kill(&self, id: &str) -> Result<(), ControlError> {
        let mut execution = self.existing(id).await?;
        if execution.state.is_terminal() {
            return Err(ControlError::WrongState(format!(
                "execution `{id}` is {}: kill is not possible",
                execution.state
            )));
        }
        // The engine finishes the kill (stops task runs, ends KILLED) when it sees KILLING.
        let now = Utc::now();
        execution.state = State::Killing;
        execution.history.push(crate::store::model::StateChange {
            state: State::Killing,
            date: now,
        });
        execution.version += 1;
        self.store.apply(&Transition::execution(execution)).await?;
        Ok(())
    }

    async fn restart(&self, id: &str) -> Result<Execution, ControlError> {
        self.existing(id).await?;
        Err(engine_needed("restart"))
    }

    async fn resume(&self, id: &str, _inputs: Map<String, Value>) -> Result<(), ControlError> {
        self.existing(id).await?;
        Err(engine_needed("resume"))
    }

    async fn replay(&self, id: &str, _task_run_id: &str) -> Result<Execution, ControlError> {
        self.existing(id).await?;
        Err(engine_needed("replay"))
    }
}
