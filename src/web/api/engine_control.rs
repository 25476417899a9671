//! `ExecutionControl` for the in-process `Engine`: every action goes through the engine, which
//! validates inputs against the live revision and drives the execution. Wire it with
//! `WebContext::with_control(Arc::new(engine.clone()))`.

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::control::{ControlError, ExecutionControl};
use crate::engine::{Engine, EngineError, FlowError};
use crate::store::model::{Execution, Label};

impl From<EngineError> for ControlError {
    fn from(err: EngineError) -> Self {
        let message = err.to_string();
        match err {
            EngineError::Input(_) => ControlError::InvalidInput(message),
            EngineError::Flow(FlowError::NotFound { .. } | FlowError::RevisionNotFound { .. })
            | EngineError::ExecutionNotFound(_)
            | EngineError::TaskRunNotFound(_) => ControlError::NotFound(message),
            EngineError::Flow(_) | EngineError::WrongState { .. } => {
                ControlError::WrongState(message)
            }
            EngineError::Stopped => ControlError::Unavailable(message),
            EngineError::Store(e) => ControlError::Store(e),
        }
    }
}

#[async_trait]
impl ExecutionControl for Engine {
    async fn start(
        &self,
        namespace: &str,
        flow_id: &str,
        inputs: Map<String, Value>,
        labels: Vec<Label>,
    ) -> Result<Execution, ControlError> {
        let trigger = serde_json::json!({"type": "api"});
        Ok(self
            .start_execution(namespace, flow_id, inputs, labels, Some(trigger))
            .await?)
    }

    async fn kill(&self, id: &str) -> Result<(), ControlError> {
        Ok(Engine::kill(self, id).await?)
    }

    async fn restart(&self, id: &str) -> Result<Execution, ControlError> {
        Ok(Engine::restart(self, id).await?)
    }

    async fn resume(&self, id: &str, inputs: Map<String, Value>) -> Result<(), ControlError> {
        Ok(Engine::resume(self, id, inputs).await?)
    }

    async fn replay(&self, id: &str, task_run_id: &str) -> Result<Execution, ControlError> {
        Ok(Engine::replay(self, id, task_run_id).await?)
    }
}
