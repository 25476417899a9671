//! The flow model: `Flow`, `Task` (typed by the catalogue), `Trigger`, `Input`, `Retry`,
//! `Duration`, `Cron`; the type catalogue and Kestra's aliases. Pure data, no I/O.
//!
//! A flow is read in two steps: `load` turns YAML into a JSON value, then `Flow::from_value`
//! applies nothing but serde. Plugin defaults (`defaults`) are merged into the JSON value before
//! that, because they can supply required properties.

pub mod catalogue;
pub mod cron;
pub mod defaults;
pub mod duration;
pub mod flow;
pub mod input;
pub mod kinds;
pub mod retry;
pub mod schema;
mod schema_patch;
pub mod task;
pub mod templated;
pub mod trigger;

pub use catalogue::{Category, TaskKind};
pub use cron::Cron;
pub use duration::Duration;
pub use flow::{
    Concurrency, ConcurrencyBehavior, Flow, FlowOutput, Label, Labels, NamespaceConfig,
    PluginDefault, Sla,
};
pub use input::{Input, InputType};
pub use retry::Retry;
pub use task::{Branch, Task, TaskCommon};
pub use templated::Templated;
pub use trigger::{Condition, Trigger, TriggerKind};

/// Why a flow's JSON value is not a valid flow, with the JSON pointer of the offending node.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct SpecError {
    pub pointer: String,
    pub message: String,
}

impl Flow {
    /// Parses a flow from its JSON value (plugin defaults already applied).
    pub fn from_value(value: serde_json::Value) -> Result<Flow, SpecError> {
        Flow::from_json(&value)
    }

    /// Parses a flow from a borrowed JSON value (plugin defaults already applied).
    pub fn from_json(value: &serde_json::Value) -> Result<Flow, SpecError> {
        // Tracking the path copies every key on the way: it is only worth it to place an error.
        <Flow as serde::Deserialize>::deserialize(value).or_else(|_| {
            serde_path_to_error::deserialize(value).map_err(|e| {
                let pointer = path_to_pointer(e.path());
                SpecError {
                    pointer,
                    message: e.into_inner().to_string(),
                }
            })
        })
    }
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        out.push('/');
        match seg {
            Segment::Seq { index } => out.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push_str(&key.replace('~', "~0").replace('/', "~1"))
            }
            Segment::Unknown => out.push('?'),
        }
    }
    out
}
