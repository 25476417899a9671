//! Triggers toggled at run time by the `trigger.Toggle` task: the store keeps
//! `{"enabled": bool}` under [`toggle_key`], which overrides the trigger's `disabled` property
//! until the next toggle.

use crate::spec::Trigger;
use crate::store::{Store, StoreResult};

/// The store key holding a trigger's toggled state.
pub fn toggle_key(namespace: &str, flow_id: &str, trigger_id: &str) -> String {
    format!(
        "toggle:{}",
        super::trigger_key(namespace, flow_id, trigger_id)
    )
}

/// True when the trigger may fire: its toggled state if any, else `!disabled`.
pub async fn is_enabled(
    store: &dyn Store,
    namespace: &str,
    flow_id: &str,
    trigger: &Trigger,
) -> StoreResult<bool> {
    let toggled = store
        .trigger_state_get(&toggle_key(namespace, flow_id, &trigger.id))
        .await?
        .and_then(|v| v.get("enabled").and_then(|b| b.as_bool()));
    Ok(toggled.unwrap_or(!trigger.disabled))
}
