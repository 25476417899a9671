//! `Launcher`: how a trigger starts an execution and waits for it. The daemon hands the engine
//! in (`Engine::start_execution` / `wait_for`); [`StoreLauncher`] only records a `CREATED`
//! execution of the live revision in the store, for a scheduler that runs without an engine in
//! the same process (the engine of another process picks the execution up from the store).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use serde_json::Value;

use crate::deploy::LiveRegistry;
use crate::engine::inputs::Inputs;
use crate::store::Store;
use crate::store::model::{Execution, Label};

use super::TriggerError;

/// Starts executions of live flows.
#[async_trait]
pub trait Launcher: Send + Sync {
    /// Starts an execution of the live revision of `namespace.flow_id`, its inputs checked,
    /// typed and defaulted against the flow's declarations as `inputs` says (every launcher
    /// does, before anything is stored: inputs that do not fit start nothing).
    async fn start(
        &self,
        namespace: &str,
        flow_id: &str,
        inputs: Inputs,
        labels: Vec<Label>,
        trigger: Option<Value>,
    ) -> Result<Execution, TriggerError>;
    /// Waits until the execution is terminal.
    async fn wait_for(&self, execution_id: &str) -> Result<Execution, TriggerError>;
}

/// Records executions in the store for an engine to run.
pub struct StoreLauncher {
    store: Arc<dyn Store>,
    registry: Arc<LiveRegistry>,
}

impl StoreLauncher {
    /// A launcher creating executions of `registry`'s live flows in `store`.
    pub fn new(store: Arc<dyn Store>, registry: Arc<LiveRegistry>) -> StoreLauncher {
        StoreLauncher { store, registry }
    }
}

#[async_trait]
impl Launcher for StoreLauncher {
    /// The inputs are checked here, against the live revision, as the engine does at a start:
    /// the engine that runs the execution works from the stored values as they are.
    async fn start(
        &self,
        namespace: &str,
        flow_id: &str,
        inputs: Inputs,
        labels: Vec<Label>,
        trigger: Option<Value>,
    ) -> Result<Execution, TriggerError> {
        let live =
            self.registry
                .get(namespace, flow_id)
                .ok_or_else(|| TriggerError::FlowNotFound {
                    namespace: namespace.to_string(),
                    flow_id: flow_id.to_string(),
                })?;
        let mut execution = Execution::new(namespace, flow_id, live.revision.revision, Utc::now());
        execution.commit = live.revision.commit.clone();
        execution.inputs = Value::Object(inputs.resolve(&live.flow.inputs)?);
        execution.variables = Value::Object(live.flow.variables.clone());
        execution.labels = labels;
        execution.trigger = trigger;
        self.store.create_execution(&execution).await?;
        Ok(execution)
    }

    async fn wait_for(&self, execution_id: &str) -> Result<Execution, TriggerError> {
        loop {
            let execution = self
                .store
                .execution(execution_id)
                .await?
                .ok_or_else(|| TriggerError::ExecutionNotFound(execution_id.to_string()))?;
            if execution.state.is_terminal() {
                return Ok(execution);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[async_trait]
impl Launcher for crate::engine::Engine {
    async fn start(
        &self,
        namespace: &str,
        flow_id: &str,
        inputs: Inputs,
        labels: Vec<Label>,
        trigger: Option<Value>,
    ) -> Result<Execution, TriggerError> {
        self.start_execution(namespace, flow_id, inputs, labels, trigger)
            .await
            .map_err(engine_error)
    }

    async fn wait_for(&self, execution_id: &str) -> Result<Execution, TriggerError> {
        crate::engine::Engine::wait_for(self, execution_id)
            .await
            .map_err(engine_error)
    }
}

fn engine_error(e: crate::engine::EngineError) -> TriggerError {
    use crate::engine::{EngineError, FlowError};
    match e {
        EngineError::Flow(FlowError::NotFound { namespace, id }) => TriggerError::FlowNotFound {
            namespace,
            flow_id: id,
        },
        EngineError::ExecutionNotFound(id) => TriggerError::ExecutionNotFound(id),
        EngineError::Input(e) => TriggerError::Inputs(e),
        EngineError::Store(e) => TriggerError::Store(e),
        other => TriggerError::Engine(other.to_string()),
    }
}
