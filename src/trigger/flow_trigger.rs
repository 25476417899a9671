//! Flow triggers: start a flow when upstream executions change state. Listens to the engine's
//! broadcast of execution state changes (`RUNNING`, `PAUSED`, terminal states; each change once)
//! and, for each live flow with a `Flow` trigger, checks `states`, the
//! legacy `conditions` (`ExecutionStatus`, `ExecutionFlow`, `ExecutionNamespace`,
//! `MultipleCondition`...) and `preconditions` (`flows`, `where`), then starts it with `inputs`
//! rendered from the upstream execution (`trigger.executionId`, `trigger.outputs`, and the
//! upstream task `outputs`). The store arbitrates so two daemons start it once per change.
//! As in Kestra, the rendered `inputs` are handed over as they are: a declared input the trigger
//! does not give is left unset rather than refusing the execution; inputs that cannot be
//! rendered start nothing (a warning names the trigger).

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::deploy::{LiveFlow, LiveRegistry};
use crate::spec::trigger::FlowTrigger;
use crate::spec::{Condition, Trigger, TriggerKind};
use crate::store::Store;
use crate::store::model::{Execution, State};

use super::conditions::{Facts, holds, render_value};
use super::{Inputs, Launcher, TriggerError, trigger_key, trigger_record};

const MULTIPLE: &str = "io.kestra.plugin.core.condition.MultipleCondition";

/// Starts flows whose `Flow` trigger matches an execution's state change.
pub struct FlowTriggerListener {
    store: Arc<dyn Store>,
    registry: Arc<LiveRegistry>,
    launcher: Arc<dyn Launcher>,
}

impl FlowTriggerListener {
    /// A listener over the live registry.
    pub fn new(
        store: Arc<dyn Store>,
        registry: Arc<LiveRegistry>,
        launcher: Arc<dyn Launcher>,
    ) -> Self {
        FlowTriggerListener {
            store,
            registry,
            launcher,
        }
    }

    /// Consumes execution state changes (`Engine::subscribe_state_changes`) until `cancel`
    /// fires.
    pub async fn run(self, mut changes: broadcast::Receiver<Execution>, cancel: CancellationToken) {
        loop {
            let received = tokio::select! {
                _ = cancel.cancelled() => return,
                r = changes.recv() => r,
            };
            match received {
                Ok(execution) => {
                    if let Err(e) = self.on_change(&execution).await {
                        tracing::warn!(execution_id = %execution.id, error = %e, "flow triggers failed");
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "flow trigger listener lagged behind the engine");
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    /// Starts every flow whose trigger matches `upstream` in its current state (the last entry
    /// of its history); returns the executions started.
    pub async fn on_change(&self, upstream: &Execution) -> Result<Vec<Execution>, TriggerError> {
        let registry = self.registry.snapshot();
        let mut started = Vec::new();
        for live in registry.flows().filter(|lf| !lf.flow.disabled) {
            // A flow never listens to itself: that would loop forever.
            if live.flow.namespace == upstream.namespace && live.flow.id == upstream.flow_id {
                continue;
            }
            for trigger in &live.flow.triggers {
                let TriggerKind::Flow(spec) = &trigger.kind else {
                    continue;
                };
                let f = &live.flow;
                // The Toggle task's state, else the trigger's `disabled`.
                if !super::is_enabled(self.store.as_ref(), &f.namespace, &f.id, trigger)
                    .await
                    .unwrap_or(!trigger.disabled)
                {
                    continue;
                }
                // One trigger failing (invalid inputs...) must not keep the others from firing.
                match self.consider(live, trigger, spec, upstream).await {
                    Ok(Some(e)) => started.push(e),
                    Ok(None) => {}
                    Err(e) => tracing::warn!(
                        flow = %live.flow.uid(), trigger = %trigger.id, upstream = %upstream.id, error = %e,
                        "flow trigger did not start its flow"
                    ),
                }
            }
        }
        Ok(started)
    }

    async fn consider(
        &self,
        live: &LiveFlow,
        trigger: &Trigger,
        spec: &FlowTrigger,
        upstream: &Execution,
    ) -> Result<Option<Execution>, TriggerError> {
        let flow = &live.flow;
        let key = trigger_key(&flow.namespace, &flow.id, &trigger.id);
        if !states_match(spec, upstream.state) {
            return Ok(None);
        }
        let vars = self.variables(upstream).await?;
        let facts = Facts {
            date: Utc::now().with_timezone(&chrono_tz::UTC),
            execution: Some(upstream),
            vars: &vars,
        };
        let (multiple, simple): (Vec<&Condition>, Vec<&Condition>) = trigger
            .conditions
            .iter()
            .partition(|c| c.type_name == MULTIPLE);
        if !simple.iter().all(|c| holds(c, &facts)) {
            return Ok(None);
        }
        for condition in multiple {
            if !self.multiple_holds(&key, condition, &facts).await? {
                return Ok(None);
            }
        }
        if let Some(pre) = &spec.preconditions
            && !self.preconditions_hold(&key, pre, &facts).await?
        {
            return Ok(None);
        }
        // One firing per state change: an execution is RUNNING again after each Pause.
        let change = upstream.history.len();
        let tick = upstream.history.last().map_or(upstream.created, |c| c.date);
        if !self
            .store
            .record_tick(&format!("{key}/{}/{change}", upstream.id), tick)
            .await?
        {
            return Ok(None);
        }
        let inputs =
            render_value(&Value::Object(spec.inputs.clone()), &vars).map_err(|message| {
                TriggerError::Render {
                    trigger: key.clone(),
                    message,
                }
            })?;
        let record = trigger_record(trigger, &vars["trigger"]);
        let execution = self
            .launcher
            .start(
                &flow.namespace,
                &flow.id,
                Inputs::AsGiven(inputs.as_object().cloned().unwrap_or_default()),
                Vec::new(),
                Some(record),
            )
            .await?;
        Ok(Some(execution))
    }

    /// `trigger.*` and the upstream task `outputs` (Kestra's legacy `{{ outputs.task.value }}`).
    async fn variables(&self, upstream: &Execution) -> Result<Value, TriggerError> {
        let mut outputs = Map::new();
        for run in self.store.task_runs(&upstream.id).await? {
            if run.outputs.as_object().is_some_and(|o| !o.is_empty()) {
                outputs.insert(run.task_id.clone(), run.outputs.clone());
            }
        }
        Ok(json!({
            "trigger": {
                "executionId": upstream.id,
                "namespace": upstream.namespace,
                "flowId": upstream.flow_id,
                "flowRevision": upstream.flow_revision,
                "state": upstream.state.as_str(),
                "outputs": upstream.outputs,
                "labels": upstream.labels,
            },
            "outputs": outputs,
        }))
    }

    /// `MultipleCondition`: every named sub-condition met by some execution within `window`.
    async fn multiple_holds(
        &self,
        key: &str,
        condition: &Condition,
        facts: &Facts<'_>,
    ) -> Result<bool, TriggerError> {
        let id = condition
            .props
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("multiple");
        let Some(Value::Object(named)) = condition.props.get("conditions") else {
            return Ok(true);
        };
        let met: Vec<String> = named
            .iter()
            .filter(|(_, c)| {
                c.as_object()
                    .and_then(|m| Condition::from_map(m).ok())
                    .is_some_and(|c| holds(&c, facts))
            })
            .map(|(name, _)| name.clone())
            .collect();
        let window = window_of(condition.props.get("window"));
        let all: BTreeSet<String> = named.keys().cloned().collect();
        self.accumulate(&format!("{key}/{id}"), &met, &all, window)
            .await
    }

    /// `preconditions`: `where` filters on this execution, then every `flows` entry met within
    /// `timeWindow`.
    async fn preconditions_hold(
        &self,
        key: &str,
        pre: &Value,
        facts: &Facts<'_>,
    ) -> Result<bool, TriggerError> {
        let Some(upstream) = facts.execution else {
            return Ok(false);
        };
        if let Some(Value::Array(wheres)) = pre.get("where")
            && !wheres.iter().all(|w| where_holds(w, upstream))
        {
            return Ok(false);
        }
        let Some(Value::Array(flows)) = pre.get("flows") else {
            return Ok(true);
        };
        let names: Vec<String> = (0..flows.len()).map(|i| i.to_string()).collect();
        let met: Vec<String> = flows
            .iter()
            .enumerate()
            .filter(|(_, f)| flow_entry_matches(f, upstream))
            .map(|(i, _)| i.to_string())
            .collect();
        if met.is_empty() {
            return Ok(false);
        }
        let window = window_of(pre.get("timeWindow").and_then(|t| t.get("window")));
        let all: BTreeSet<String> = names.into_iter().collect();
        self.accumulate(&format!("{key}/preconditions"), &met, &all, window)
            .await
    }

    /// Adds `met` to what was met within `window` (kept in the trigger state); true (and reset)
    /// when everything in `all` is met.
    async fn accumulate(
        &self,
        state_key: &str,
        met: &[String],
        all: &BTreeSet<String>,
        window: chrono::Duration,
    ) -> Result<bool, TriggerError> {
        let now = Utc::now();
        let saved = self.store.trigger_state_get(state_key).await?;
        let start: Option<DateTime<Utc>> = saved
            .as_ref()
            .and_then(|v| v.get("start")?.as_str()?.parse().ok());
        let mut seen: BTreeSet<String> = match start {
            Some(s) if now - s <= window => saved
                .as_ref()
                .and_then(|v| serde_json::from_value(v.get("met")?.clone()).ok())
                .unwrap_or_default(),
            _ => BTreeSet::new(),
        };
        let start = start.filter(|s| now - *s <= window).unwrap_or(now);
        seen.extend(met.iter().cloned());
        let complete = all.is_subset(&seen);
        let next = if complete {
            json!({})
        } else {
            json!({ "start": start.to_rfc3339(), "met": seen })
        };
        self.store.trigger_state_set(state_key, &next).await?;
        Ok(complete)
    }
}

/// `states` (default, as in Kestra: every terminal state and `PAUSED`).
fn states_match(spec: &FlowTrigger, state: State) -> bool {
    if spec.states.is_empty() {
        return state.is_terminal() || state == State::Paused;
    }
    spec.states.iter().any(|s| s == state.as_str())
}

fn window_of(value: Option<&Value>) -> chrono::Duration {
    value
        .and_then(Value::as_str)
        .and_then(|s| crate::spec::Duration::parse(s).ok())
        .and_then(|d| chrono::Duration::from_std(d.as_std()).ok())
        .unwrap_or(chrono::Duration::days(1))
}

/// One `preconditions.flows` entry: `namespace`, `flowId`, `states`.
fn flow_entry_matches(entry: &Value, e: &Execution) -> bool {
    let field = |k: &str| entry.get(k).and_then(Value::as_str);
    let states_ok = match entry.get("states") {
        Some(Value::Array(states)) => states.iter().any(|s| s.as_str() == Some(e.state.as_str())),
        _ => true,
    };
    field("namespace").is_none_or(|ns| ns == e.namespace)
        && field("flowId").is_none_or(|id| id == e.flow_id)
        && states_ok
}

/// One `preconditions.where` entry: every filter (or any, with `operand: OR`) holds.
fn where_holds(entry: &Value, e: &Execution) -> bool {
    let Some(Value::Array(filters)) = entry.get("filters") else {
        return true;
    };
    let results = filters.iter().map(|f| filter_holds(f, e));
    match entry.get("operand").and_then(Value::as_str) {
        Some("OR") => results.into_iter().any(|r| r),
        _ => results.into_iter().all(|r| r),
    }
}

fn filter_holds(filter: &Value, e: &Execution) -> bool {
    let actual = match filter.get("field").and_then(Value::as_str) {
        Some("NAMESPACE") => e.namespace.clone(),
        Some("FLOW_ID") => e.flow_id.clone(),
        Some("STATE") => e.state.as_str().to_string(),
        _ => return true,
    };
    let values: Vec<String> = match filter.get("value").or_else(|| filter.get("values")) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    };
    let first = values.first().cloned().unwrap_or_default();
    match filter
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("EQUAL_TO")
    {
        "EQUAL_TO" => actual == first,
        "NOT_EQUAL_TO" => actual != first,
        "IN" => values.contains(&actual),
        "NOT_IN" => !values.contains(&actual),
        "STARTS_WITH" => actual.starts_with(&first),
        "ENDS_WITH" => actual.ends_with(&first),
        "CONTAINS" => actual.contains(&first),
        "PREFIX" => actual == first || actual.starts_with(&format!("{first}.")),
        _ => true,
    }
}
