//! Restart and replay: rewrite a terminal execution's stored state (or copy it into a new
//! execution), persist it in one transition, then hand it to an owner.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::Utc;

use super::Inner;
use crate::engine::error::EngineError;
use crate::spec::Category;
use crate::store::Transition;
use crate::store::model::{Execution, State, StateChange, TaskRun};

/// Restarts a FAILED or KILLED execution: failed and killed task runs get a new attempt,
/// their flowable parents run again; the execution goes RESTARTED, then RUNNING.
pub(super) async fn restart(inner: &Arc<Inner>, id: &str) -> Result<Execution, EngineError> {
    let store = &inner.store;
    let mut e = store
        .execution(id)
        .await?
        .ok_or_else(|| EngineError::ExecutionNotFound(id.into()))?;
    if !matches!(e.state, State::Failed | State::Killed) {
        return Err(EngineError::WrongState {
            id: id.into(),
            state: e.state.to_string(),
            action: "restart",
        });
    }
    let flow = inner
        .flows
        .resolve(&e.namespace, &e.flow_id, Some(e.flow_revision))
        .await?
        .flow;
    let mut task_runs = store.task_runs(id).await?;
    let now = Utc::now();
    let with_children: HashSet<String> = task_runs
        .iter()
        .filter_map(|t| t.parent_task_run_id.clone())
        .collect();
    let mut changed = Vec::new();
    for tr in &mut task_runs {
        if !matches!(tr.state, State::Failed | State::Killed) {
            continue;
        }
        let flowable = flow
            .find_task(&tr.task_id)
            .is_some_and(|t| t.category() == Category::Flowable);
        let state = if flowable && with_children.contains(&tr.id) {
            State::Running
        } else {
            State::Restarted
        };
        tr.state = state;
        tr.history.push(StateChange { state, date: now });
        tr.ended = None;
        tr.error = None;
        changed.push(tr.clone());
    }
    e.state = State::Restarted;
    e.history.push(StateChange {
        state: State::Restarted,
        date: now,
    });
    e.ended = None;
    e.error = None;
    e.version += 1;
    if let Some(c) = &flow.concurrency {
        // The restarted execution competes for a slot again; over the limit it still runs.
        let _ = store
            .acquire_slot(&e.namespace, &e.flow_id, c.limit as i64, &e.id)
            .await?;
    }
    store
        .apply(&Transition {
            execution: Some(e.clone()),
            task_runs: changed,
            logs: Vec::new(),
            release_slot: None,
        })
        .await?;
    inner.adopt(id);
    Ok(e)
}

/// Copies an execution into a new one that starts again at `task_run_id`: task runs created
/// before it are copied (its ancestors as RUNNING), it and later ones run again.
pub(super) async fn replay(
    inner: &Arc<Inner>,
    id: &str,
    task_run_id: &str,
) -> Result<Execution, EngineError> {
    let store = &inner.store;
    let old = store
        .execution(id)
        .await?
        .ok_or_else(|| EngineError::ExecutionNotFound(id.into()))?;
    let task_runs = store.task_runs(id).await?;
    let pos = task_runs
        .iter()
        .position(|t| t.id == task_run_id)
        .ok_or_else(|| EngineError::TaskRunNotFound(task_run_id.into()))?;
    let by_id: HashMap<&str, &TaskRun> = task_runs.iter().map(|t| (t.id.as_str(), t)).collect();
    let mut ancestors = HashSet::new();
    let mut cursor = task_runs[pos].parent_task_run_id.as_deref();
    while let Some(p) = cursor {
        ancestors.insert(p.to_string());
        cursor = by_id.get(p).and_then(|t| t.parent_task_run_id.as_deref());
    }
    let now = Utc::now();
    let mut e = Execution::new(&old.namespace, &old.flow_id, old.flow_revision, now);
    e.commit = old.commit.clone();
    e.inputs = old.inputs.clone();
    e.labels = old.labels.clone();
    e.variables = old.variables.clone();
    e.trigger = old.trigger.clone();
    e.original_id = Some(old.original_id.clone().unwrap_or(old.id.clone()));
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut copies = Vec::new();
    for tr in &task_runs[..pos] {
        let mut c = tr.clone();
        c.id = uuid::Uuid::now_v7().to_string();
        ids.insert(tr.id.clone(), c.id.clone());
        c.execution_id = e.id.clone();
        c.parent_task_run_id = tr
            .parent_task_run_id
            .as_ref()
            .and_then(|p| ids.get(p).cloned());
        if ancestors.contains(&tr.id) {
            c.state = State::Running;
            c.history.push(StateChange {
                state: State::Running,
                date: now,
            });
            c.ended = None;
            c.error = None;
        }
        copies.push(c);
    }
    store.create_execution(&e).await?;
    e.version += 1;
    store
        .apply(&Transition {
            execution: Some(e.clone()),
            task_runs: copies,
            logs: Vec::new(),
            release_slot: None,
        })
        .await?;
    inner.adopt(&e.id);
    Ok(e)
}

/// Creates the execution that retries `old` (ended RETRIED by a CREATE_NEW_EXECUTION policy),
/// under the id recorded when `old` ended (see `retries`): same revision, inputs, labels and
/// trigger; the attempt number and the first execution's creation carry over in its
/// bookkeeping. It queues if the flow's concurrency limit is reached. Creating it twice is
/// harmless: the second call returns the first one's execution.
pub(super) async fn retry_as_new(
    inner: &Arc<Inner>,
    old: &Execution,
) -> Result<Execution, EngineError> {
    use crate::engine::core::retry_meta;
    use serde_json::{Value, json};
    let now = Utc::now();
    let mut e = Execution::new(&old.namespace, &old.flow_id, old.flow_revision, now);
    if let Some(id) = super::retries::recorded_retry_id(old) {
        e.id = id.to_owned();
    }
    e.commit = old.commit.clone();
    e.inputs = old.inputs.clone();
    e.labels = old.labels.clone();
    e.trigger = old.trigger.clone();
    e.original_id = Some(old.original_id.clone().unwrap_or(old.id.clone()));
    let attempt = retry_meta(old, "attemptNumber")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    let first = retry_meta(old, "originalCreated")
        .cloned()
        .unwrap_or_else(|| json!(old.created.to_rfc3339()));
    let mut variables = old.variables.as_object().cloned().unwrap_or_default();
    variables.insert(
        crate::engine::view::INTERNAL.into(),
        json!({"attemptNumber": attempt + 1, "originalCreated": first}),
    );
    e.variables = Value::Object(variables);
    match inner.store.create_execution(&e).await {
        // Another engine (or this one, before a restart) created it already: it is driven.
        Err(crate::store::StoreError::Conflict { .. }) => {
            return Ok(inner.store.execution(&e.id).await?.unwrap_or(e));
        }
        other => other?,
    }
    let flow = inner
        .flows
        .resolve(&e.namespace, &e.flow_id, Some(e.flow_revision))
        .await?
        .flow;
    if let Some(c) = &flow.concurrency
        && !inner
            .store
            .acquire_slot(&e.namespace, &e.flow_id, c.limit as i64, &e.id)
            .await?
    {
        e.state = State::Queued;
        e.history.push(StateChange {
            state: State::Queued,
            date: now,
        });
        e.version += 1;
        inner.store.apply(&Transition::execution(e.clone())).await?;
    }
    inner.adopt(&e.id);
    Ok(e)
}
