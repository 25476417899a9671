//! Executions: a pure `next(execution, flow) -> actions` core and the driver that persists each
//! transition before acting on it; flow inputs, the template context of a task run, and how
//! flows are found.
//!
//! Data enters as a start request (`Engine::start_execution`), a kill/restart/replay/resume
//! request or a task run completed by a worker (through the store), and leaves as transitions
//! written to the store and terminal executions broadcast to listeners.

pub mod action;
pub mod core;
pub mod inputs;
pub mod view;

pub use action::{Action, NewTaskRun};
pub use core::next;
pub use view::ExecutionView;
pub mod context;
pub mod driver;
pub mod error;
pub mod resolver;
pub mod services;

pub use driver::{CORRELATION_ID, Engine, EngineConfig, TaskRunEvent};
pub use error::{EngineError, FlowError};
pub use inputs::InputError;
pub use resolver::{
    FlowResolver, NamespaceHooks, ResolvedFlow, StoreFlowResolver, flow_identity, parse_flow,
};
