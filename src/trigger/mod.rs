//! Schedules, webhook triggers and flow-completion triggers.
//!
//! Triggers read the live registry (`deploy`), so a flow removed or disabled by a commit stops
//! firing at the next registry swap. They start executions through a [`Launcher`] (the engine
//! in the daemon, which sees the registry through [`RegistryResolver`]) and use the store to
//! fire each schedule tick exactly once across daemons
//! (`record_tick`) and to keep per-trigger state. Time comes from a [`Clock`].

mod clock;
mod conditions;
mod error;
mod flow_trigger;
mod launch;
mod leader;
mod resolver;
mod schedule;
mod scheduler;
mod toggle;
pub mod webhook;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::TriggerError;

pub use crate::engine::inputs::Inputs;
pub use flow_trigger::FlowTriggerListener;
pub use launch::{Launcher, StoreLauncher};
pub use leader::{DEFAULT_LEASE_TTL, LEADER_LEASE, Leadership, while_leader};
pub use resolver::RegistryResolver;
pub use schedule::{LATE_GRACE, ScheduleSpec, due_ticks, ticks_to_fire};
pub use scheduler::Scheduler;
pub use toggle::{is_enabled, toggle_key};

/// The key of a trigger in the store: `namespace.flowId.triggerId`.
pub fn trigger_key(namespace: &str, flow_id: &str, trigger_id: &str) -> String {
    format!("{namespace}.{flow_id}.{trigger_id}")
}

/// The `trigger` an execution records: the trigger's variables (what `{{ trigger.x }}` reads,
/// e.g. `trigger.body`, `trigger.date`, `trigger.executionId`) plus its `id` and `type`.
pub(crate) fn trigger_record(
    trigger: &crate::spec::Trigger,
    variables: &serde_json::Value,
) -> serde_json::Value {
    let mut record = variables.as_object().cloned().unwrap_or_default();
    record.insert("id".into(), serde_json::Value::String(trigger.id.clone()));
    record.insert(
        "type".into(),
        serde_json::Value::String(trigger.type_name.to_string()),
    );
    serde_json::Value::Object(record)
}
