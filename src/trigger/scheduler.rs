//! The scheduler: every `Schedule` trigger of every live flow, evaluated against the injected
//! clock. Each tick fires exactly once even with several daemons on one database (the store's
//! `record_tick` is the arbiter), a tick is skipped while the previous execution of the same
//! trigger still runs (no overlap), and ticks missed during downtime follow
//! `recoverMissedSchedules`. A flow removed or disabled by a commit is simply no longer in the
//! registry, so it stops at once.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::deploy::{LiveFlow, LiveRegistry};
use crate::spec::trigger::Schedule;
use crate::spec::{Trigger, TriggerKind};
use crate::store::Store;
use crate::store::model::{Execution, Label};

use super::conditions::{Facts, holds, render_value};
use super::schedule::{ScheduleSpec, due_ticks, ticks_to_fire};
use super::{Clock, Inputs, Launcher, TriggerError, trigger_key, trigger_record};

/// The longest the loop sleeps without looking at the registry and the clock again.
const MAX_SLEEP: chrono::Duration = chrono::Duration::seconds(60);

/// Fires schedule triggers.
pub struct Scheduler {
    store: Arc<dyn Store>,
    registry: Arc<LiveRegistry>,
    launcher: Arc<dyn Launcher>,
    clock: Arc<dyn Clock>,
}

/// What the scheduler keeps per trigger in the store.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct ScheduleState {
    /// Ticks up to this instant have been dealt with.
    evaluated_until: Option<DateTime<Utc>>,
    /// The last execution this trigger started.
    last_execution: Option<String>,
}

impl Scheduler {
    /// A scheduler over the live registry.
    pub fn new(
        store: Arc<dyn Store>,
        registry: Arc<LiveRegistry>,
        launcher: Arc<dyn Launcher>,
        clock: Arc<dyn Clock>,
    ) -> Scheduler {
        Scheduler {
            store,
            registry,
            launcher,
            clock,
        }
    }

    /// Evaluates every schedule at the clock's now; returns the executions started.
    pub async fn evaluate(&self) -> Result<Vec<Execution>, TriggerError> {
        let registry = self.registry.snapshot();
        let now = self.clock.now();
        let mut started = Vec::new();
        for live in registry.flows().filter(|lf| !lf.flow.disabled) {
            for trigger in &live.flow.triggers {
                if let TriggerKind::Schedule(schedule) = &trigger.kind {
                    // The Toggle task's state, else the trigger's `disabled`.
                    let f = &live.flow;
                    match super::is_enabled(self.store.as_ref(), &f.namespace, &f.id, trigger).await
                    {
                        Ok(true) => {}
                        Ok(false) => {
                            // Ticks while disabled are skipped, not recovered once enabled.
                            if let Err(e) = self.skip_until(f, trigger, now).await {
                                tracing::warn!(flow = %f.uid(), trigger = %trigger.id, error = %e, "trigger state not saved");
                            }
                            continue;
                        }
                        Err(e) => {
                            tracing::warn!(flow = %f.uid(), trigger = %trigger.id, error = %e, "trigger state unreadable");
                            continue;
                        }
                    }
                    match self.evaluate_one(live, trigger, schedule, now).await {
                        Ok(mut fired) => started.append(&mut fired),
                        Err(e) => tracing::warn!(
                            flow = %live.flow.uid(), trigger = %trigger.id, error = %e,
                            "schedule not evaluated"
                        ),
                    }
                }
            }
        }
        Ok(started)
    }

    async fn evaluate_one(
        &self,
        live: &LiveFlow,
        trigger: &Trigger,
        schedule: &Schedule,
        now: DateTime<Utc>,
    ) -> Result<Vec<Execution>, TriggerError> {
        let flow = &live.flow;
        let key = trigger_key(&flow.namespace, &flow.id, &trigger.id);
        let spec =
            ScheduleSpec::from_schedule(schedule).map_err(|message| TriggerError::Render {
                trigger: key.clone(),
                message,
            })?;
        let mut state: ScheduleState = self
            .store
            .trigger_state_get(&key)
            .await?
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        // A trigger seen for the first time starts from now: deploying does not backfill.
        let Some(since) = state.evaluated_until else {
            state.evaluated_until = Some(now);
            self.save(&key, &state).await?;
            return Ok(Vec::new());
        };
        let due = due_ticks(&spec, since, now);
        let mut started = Vec::new();
        // No overlap: while the last execution of this trigger runs, this pass's ticks are
        // skipped; ticks recovered together in one pass all start.
        let blocked = !due.is_empty() && self.previous_still_running(&state).await?;
        if blocked {
            tracing::info!(trigger = %key, ticks = due.len(), "previous execution still running; ticks skipped");
        }
        for tick in ticks_to_fire(&due, now, spec.recover)
            .into_iter()
            .filter(|_| !blocked)
        {
            if let Some(execution) = self
                .fire(live, trigger, schedule, &spec, &key, tick, &mut state)
                .await?
            {
                started.push(execution);
            }
        }
        state.evaluated_until = Some(now.max(since));
        self.save(&key, &state).await?;
        Ok(started)
    }

    #[allow(clippy::too_many_arguments)]
    async fn fire(
        &self,
        live: &LiveFlow,
        trigger: &Trigger,
        schedule: &Schedule,
        spec: &ScheduleSpec,
        key: &str,
        tick: DateTime<Utc>,
        state: &mut ScheduleState,
    ) -> Result<Option<Execution>, TriggerError> {
        let variables = json!({
            "date": tick.to_rfc3339(),
            "next": spec.next_tick(tick).map(|t| t.to_rfc3339()),
            "previous": state.evaluated_until.map(|t| t.to_rfc3339()),
        });
        let vars = json!({ "trigger": variables });
        let facts = Facts {
            date: tick.with_timezone(&spec.zone),
            execution: None,
            vars: &vars,
        };
        if !trigger.conditions.iter().all(|c| holds(c, &facts)) {
            return Ok(None);
        }
        if !self.store.record_tick(key, tick).await? {
            return Ok(None);
        }
        let inputs =
            render_value(&Value::Object(schedule.inputs.clone()), &vars).map_err(|message| {
                TriggerError::Render {
                    trigger: key.to_string(),
                    message,
                }
            })?;
        let inputs = inputs.as_object().cloned().unwrap_or_default();
        let labels = schedule_labels(schedule);
        let record = trigger_record(trigger, &variables);
        let flow = &live.flow;
        let execution = self
            .launcher
            .start(
                &flow.namespace,
                &flow.id,
                Inputs::Checked(inputs),
                labels,
                Some(record),
            )
            .await?;
        state.last_execution = Some(execution.id.clone());
        Ok(Some(execution))
    }

    async fn previous_still_running(&self, state: &ScheduleState) -> Result<bool, TriggerError> {
        let Some(id) = &state.last_execution else {
            return Ok(false);
        };
        Ok(self
            .store
            .execution(id)
            .await?
            .is_some_and(|e| !e.state.is_terminal()))
    }

    /// Marks a disabled schedule as evaluated up to `now`.
    async fn skip_until(
        &self,
        flow: &crate::spec::Flow,
        trigger: &Trigger,
        now: DateTime<Utc>,
    ) -> Result<(), TriggerError> {
        let key = trigger_key(&flow.namespace, &flow.id, &trigger.id);
        let mut state: ScheduleState = self
            .store
            .trigger_state_get(&key)
            .await?
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        state.evaluated_until = Some(now);
        self.save(&key, &state).await
    }

    async fn save(&self, key: &str, state: &ScheduleState) -> Result<(), TriggerError> {
        let value = serde_json::to_value(state).unwrap_or(Value::Null);
        Ok(self.store.trigger_state_set(key, &value).await?)
    }

    /// The next instant any live schedule ticks (at most [`MAX_SLEEP`] away).
    fn next_wake(&self) -> DateTime<Utc> {
        let now = self.clock.now();
        let registry = self.registry.snapshot();
        registry
            .flows()
            .filter(|lf| !lf.flow.disabled)
            .flat_map(|lf| lf.flow.triggers.iter().filter(|t| !t.disabled))
            .filter_map(|t| match &t.kind {
                TriggerKind::Schedule(s) => ScheduleSpec::from_schedule(s).ok()?.next_tick(now),
                _ => None,
            })
            .fold(now + MAX_SLEEP, DateTime::min)
    }

    /// Evaluates at every tick until `cancel` fires; a registry swap re-plans at once.
    pub async fn run(self, cancel: CancellationToken) {
        let mut changes = self.registry.subscribe();
        loop {
            if let Err(e) = self.evaluate().await {
                tracing::warn!(error = %e, "scheduler pass failed");
            }
            let wake = self.next_wake();
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = self.clock.sleep_until(wake) => {}
                changed = changes.changed() => if changed.is_err() { return },
            }
        }
    }
}

fn schedule_labels(schedule: &Schedule) -> Vec<Label> {
    match &schedule.labels {
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| Label::new(k, v.as_str().map_or_else(|| v.to_string(), str::to_string)))
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|i| {
                Some(Label::new(
                    i.get("key")?.as_str()?,
                    i.get("value")?.as_str()?,
                ))
            })
            .collect(),
        _ => Vec::new(),
    }
}
