//! WaitFor's loop decision (Kestra semantics): after each iteration the `condition` is rendered;
//! true ends the task, false starts another iteration `checkFrequency.interval` later unless
//! `maxIterations` (default 100) or `maxDuration` (default 1 hour, from the task run's
//! creation) is reached, which ends it in SUCCESS, or FAILED with `failOnMaxReached`.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::drive::Drive;
use crate::engine::view::{internal, set_internal};
use crate::spec::TaskKind;
use crate::store::model::{Level, State};
use crate::tasks::truthy_value;

const MAX_ITERATIONS: i64 = 100;
const MAX_DURATION: std::time::Duration = std::time::Duration::from_secs(3600);
const INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

impl Drive {
    /// The children of a WaitFor's current iteration ended in `state` (SUCCESS or WARNING).
    pub(super) fn check_loop(&mut self, id: &str, state: State, now: DateTime<Utc>) {
        let Some(&i) = self.positions.get(id) else {
            return;
        };
        let tr = &self.view.task_runs[i];
        let Some(task) = self.tasks.get(&tr.task_id).cloned() else {
            return;
        };
        let TaskKind::WaitFor(w) = &task.kind else {
            return;
        };
        let n = internal(tr, "loop").and_then(Value::as_i64).unwrap_or(1);
        let created = tr.history.first().map_or(tr.created, |h| h.date);
        let holds = match self.render_typed(id, &task, "condition", &w.condition) {
            Ok(v) => truthy_value(&v),
            Err(message) => {
                self.log(id, Level::Error, message.clone(), now);
                return self.finish_task_run(id, State::Failed, Some(message), now);
            }
        };
        if holds {
            return self.finish_task_run(id, state, None, now);
        }
        let frequency = w.check_frequency.as_ref();
        let max_iterations = frequency
            .and_then(|f| f.max_iterations)
            .map_or(MAX_ITERATIONS, i64::from);
        let max_duration = frequency
            .and_then(|f| f.max_duration.as_ref())
            .map_or(MAX_DURATION, |d| d.as_std());
        let interval = frequency
            .and_then(|f| f.interval.as_ref())
            .map_or(INTERVAL, |d| d.as_std());
        let elapsed = (now - created).to_std().unwrap_or_default();
        let reached = if n >= max_iterations {
            Some("Max iterations reached")
        } else if elapsed > max_duration {
            Some("Max duration reached")
        } else {
            None
        };
        if let Some(why) = reached {
            self.log(id, Level::Warn, why.to_string(), now);
            return if w.fail_on_max_reached {
                let error = format!("task `{}`: {why}", task.id);
                self.finish_task_run(id, State::Failed, Some(error), now)
            } else {
                self.finish_task_run(id, state, None, now)
            };
        }
        let at = now + chrono::Duration::from_std(interval).unwrap_or_default();
        let tr = &mut self.view.task_runs[i];
        if let Some(o) = tr.outputs.as_object_mut() {
            o.insert("iterationCount".into(), json!(n + 1));
        }
        set_internal(tr, "loop", json!(n + 1));
        set_internal(tr, "nextAt", json!(at.to_rfc3339()));
        self.dirty.insert(id.to_string());
        self.wake_at = Some(self.wake_at.map_or(at, |w| w.min(at)));
    }
}
