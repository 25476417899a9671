//! The driver: `Engine` owns the executions of this process. Each execution is driven by one
//! tokio task (its owner) that holds the execution in memory, asks the core what comes next,
//! persists the whole step with one `store.apply`, and only then acts (runs inline tasks,
//! creates subflow executions). A background loop (`run`) adopts every non-terminal execution
//! found in the store: at start-up this is crash recovery.

mod apply;
mod commands;
mod drive;
mod engine_tasks;
mod local_files;
mod lost;
mod retries;
mod start;
mod wait_for;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use serde_json::{Map, Value};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::engine::error::EngineError;
use crate::engine::inputs::Inputs;
use crate::engine::resolver::FlowResolver;
use crate::engine::services::StoreServices;
use crate::spec::ConcurrencyBehavior;
use crate::store::model::{Execution, Label, ParentRef, State, StateChange};
use crate::store::{Store, Transition};
use crate::template::Renderer;

/// The label tying an execution to the root of its subflow tree (as in Kestra).
pub const CORRELATION_ID: &str = "system.correlationId";

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Where tasks write files (`kestra:///` URIs).
    pub data_dir: PathBuf,
    /// How often waiting executions look at the store (worker results, queues).
    pub poll_interval: Duration,
    /// How often the engine loop looks for CREATE_NEW_EXECUTION retries left undone (a crash,
    /// or a creation that failed) and creates them; it also does at its start.
    pub retry_recovery: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            data_dir: PathBuf::from("baton-data"),
            poll_interval: Duration::from_millis(100),
            retry_recovery: Duration::from_secs(600),
        }
    }
}

/// A task run's state changed (for live progress).
#[derive(Debug, Clone)]
pub struct TaskRunEvent {
    pub execution_id: String,
    pub task_id: String,
    pub value: Option<String>,
    pub state: State,
    pub date: chrono::DateTime<Utc>,
}

/// Requests sent to an execution's owner.
pub(crate) enum Command {
    Wake,
    /// The worker holding this task run stopped renewing its lease (`attempts`: how many
    /// attempts the task run had then, so a later attempt is never failed by mistake).
    WorkerLost {
        task_run_id: String,
        attempts: usize,
    },
    Kill,
    Resume(Map<String, Value>, oneshot::Sender<Result<(), EngineError>>),
}

/// Runs executions; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub store: Arc<dyn Store>,
    pub renderer: Renderer,
    pub flows: Arc<dyn FlowResolver>,
    pub config: EngineConfig,
    pub services: Arc<StoreServices>,
    pub envs: Value,
    pub terminal: broadcast::Sender<Execution>,
    /// Every persisted change of an execution's state (flow triggers react to `PAUSED`...).
    pub changes: broadcast::Sender<Execution>,
    pub events: broadcast::Sender<TaskRunEvent>,
    pub owners: Mutex<HashMap<String, mpsc::UnboundedSender<Command>>>,
    /// Callers of `wait_for`, by execution id.
    pub waiters: Mutex<HashMap<String, Vec<oneshot::Sender<Execution>>>>,
    pub stopping: CancellationToken,
}

impl Engine {
    /// An engine over a store, a renderer and a flow resolver.
    pub fn new(
        store: Arc<dyn Store>,
        renderer: Renderer,
        flows: Arc<dyn FlowResolver>,
        config: EngineConfig,
    ) -> Engine {
        let services = Arc::new(StoreServices {
            store: Arc::clone(&store),
            data_dir: config.data_dir.clone(),
        });
        let (terminal, _) = broadcast::channel(4096);
        let (events, _) = broadcast::channel(4096);
        let (changes, _) = broadcast::channel(1024);
        Engine {
            inner: Arc::new(Inner {
                store,
                renderer,
                flows,
                config,
                services,
                envs: crate::template::envs_from_process(),
                terminal,
                changes,
                events,
                owners: Mutex::new(HashMap::new()),
                waiters: Mutex::new(HashMap::new()),
                stopping: CancellationToken::new(),
            }),
        }
    }

    /// Executions reaching a terminal state (flow triggers, webhooks, the CLI).
    pub fn subscribe_terminal(&self) -> broadcast::Receiver<Execution> {
        self.inner.terminal.subscribe()
    }

    /// Execution state changes, each once it is persisted (`RUNNING`, `PAUSED`, `RUNNING` again,
    /// then the terminal state); the initial `CREATED` is not a change.
    pub fn subscribe_state_changes(&self) -> broadcast::Receiver<Execution> {
        self.inner.changes.subscribe()
    }

    /// Task-run state changes, as they are persisted.
    pub fn subscribe_events(&self) -> broadcast::Receiver<TaskRunEvent> {
        self.inner.events.subscribe()
    }

    /// The store the engine writes to.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// Checks inputs (a plain map is `Inputs::Checked`), creates an execution of the live
    /// revision of a flow and starts it. Invalid inputs create nothing.
    pub async fn start_execution(
        &self,
        namespace: &str,
        flow_id: &str,
        inputs: impl Into<Inputs>,
        labels: Vec<Label>,
        trigger: Option<Value>,
    ) -> Result<Execution, EngineError> {
        self.inner
            .start(
                namespace,
                flow_id,
                None,
                inputs.into(),
                labels,
                trigger,
                None,
            )
            .await
    }

    /// Waits until an execution is terminal and returns it.
    pub async fn wait_for(&self, id: &str) -> Result<Execution, EngineError> {
        loop {
            // Registered before reading the store, so an end in between is not missed.
            let (tx, rx) = oneshot::channel();
            if let Ok(mut w) = self.inner.waiters.lock() {
                w.entry(id.to_string()).or_default().push(tx);
            }
            let stored = self
                .inner
                .store
                .execution(id)
                .await?
                .ok_or_else(|| EngineError::ExecutionNotFound(id.into()))?;
            if stored.state.is_terminal() {
                return Ok(stored);
            }
            // Another process may end it: look at the store again now and then.
            if let Ok(Ok(e)) = tokio::time::timeout(Duration::from_secs(1), rx).await {
                return Ok(e);
            }
        }
    }

    /// Follows a chain of CREATE_NEW_EXECUTION retries: while `e` ended RETRIED, waits for the
    /// execution that retries it; returns the last one (`on_retry` sees each new one).
    pub async fn follow_retries(
        &self,
        mut e: Execution,
        mut on_retry: impl FnMut(&Execution, &Execution),
    ) -> Result<Execution, EngineError> {
        while e.state == State::Retried {
            let mut next = None;
            // The retry is created just after the RETRIED state is stored.
            for _ in 0..200 {
                next = self.retry_of(&e).await?;
                if next.is_some() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let Some(next) = next else { return Ok(e) };
            on_retry(&e, &next);
            e = self.wait_for(&next.id).await?;
        }
        Ok(e)
    }

    /// The execution retrying RETRIED execution `e`, if it exists yet: read by its recorded id,
    /// or (executions stored before ids were recorded) searched among the flow's executions.
    async fn retry_of(&self, e: &Execution) -> Result<Option<Execution>, EngineError> {
        if let Some(id) = retries::recorded_retry_id(e) {
            return Ok(self.inner.store.execution(id).await?);
        }
        let root = e.original_id.as_deref().unwrap_or(&e.id);
        let filter = crate::store::ExecutionFilter {
            namespace: Some(e.namespace.clone()),
            flow_id: Some(e.flow_id.clone()),
            ..Default::default()
        };
        let found = self
            .inner
            .store
            .search_executions(&filter, crate::store::Page::first(100))
            .await?;
        Ok(found
            .into_iter()
            .filter(|x| x.original_id.as_deref() == Some(root))
            .filter(|x| x.created >= e.created && x.id != e.id)
            .min_by_key(|x| x.created))
    }

    /// Waits until an execution is in one of `states` (polling the store).
    pub async fn wait_for_state(
        &self,
        id: &str,
        states: &[State],
    ) -> Result<Execution, EngineError> {
        loop {
            let e = self
                .inner
                .store
                .execution(id)
                .await?
                .ok_or_else(|| EngineError::ExecutionNotFound(id.into()))?;
            if states.contains(&e.state) {
                return Ok(e);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Kills an execution: running task runs are stopped (children first), then it ends KILLED.
    pub async fn kill(&self, id: &str) -> Result<(), EngineError> {
        let e = self
            .inner
            .store
            .execution(id)
            .await?
            .ok_or_else(|| EngineError::ExecutionNotFound(id.into()))?;
        if e.state.is_terminal() {
            return Err(EngineError::WrongState {
                id: id.into(),
                state: e.state.to_string(),
                action: "kill",
            });
        }
        self.inner.command(id, Command::Kill);
        Ok(())
    }

    /// Resumes a paused execution with the Pause's `onResume` inputs.
    pub async fn resume(&self, id: &str, inputs: Map<String, Value>) -> Result<(), EngineError> {
        let (tx, rx) = oneshot::channel();
        self.inner.command(id, Command::Resume(inputs, tx));
        rx.await.map_err(|_| EngineError::Stopped)?
    }

    /// Restarts a FAILED (or KILLED) execution from its failed task runs.
    pub async fn restart(&self, id: &str) -> Result<Execution, EngineError> {
        commands::restart(&self.inner, id).await
    }

    /// Replays an execution from a task run into a new execution (`originalId` set).
    pub async fn replay(&self, id: &str, task_run_id: &str) -> Result<Execution, EngineError> {
        commands::replay(&self.inner, id, task_run_id).await
    }

    /// Adopts every non-terminal execution of the store not driven yet; returns how many.
    pub async fn drive_pending(&self) -> Result<usize, EngineError> {
        let ids = self.inner.store.executions_to_drive().await?;
        let mut adopted = 0;
        for id in ids {
            if self.inner.adopt(&id) {
                adopted += 1;
            }
        }
        Ok(adopted)
    }

    /// The background loop: adopts pending executions (crash recovery first) until `shutdown`;
    /// creates undone retries at start and every `retry_recovery`.
    pub async fn run(&self, shutdown: CancellationToken) {
        let mut recovered_at = tokio::time::Instant::now();
        self.recover_retries().await;
        loop {
            if recovered_at.elapsed() >= self.inner.config.retry_recovery {
                recovered_at = tokio::time::Instant::now();
                self.recover_retries().await;
            }
            if let Err(e) = self.drive_pending().await {
                tracing::warn!(error = %e, "cannot list executions to drive");
            }
            if let Err(e) = lost::report_expired_leases(&self.inner).await {
                tracing::warn!(error = %e, "cannot look for expired worker leases");
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(self.inner.config.poll_interval.max(Duration::from_millis(50)) * 5) => {}
            }
        }
        self.inner.stopping.cancel();
    }

    /// Creates the CREATE_NEW_EXECUTION retries left undone (logged, never fatal).
    async fn recover_retries(&self) {
        match retries::recover(&self.inner).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "created retries left undone"),
            Err(e) => tracing::warn!(error = %e, "cannot look for undone retries"),
        }
    }
}

impl Inner {
    /// Tells listeners and waiters that an execution is terminal.
    pub fn announce(&self, e: &Execution) {
        if self.terminal.receiver_count() > 0 {
            let _ = self.terminal.send(e.clone());
        }
        let waiting = self.waiters.lock().ok().and_then(|mut w| w.remove(&e.id));
        for tx in waiting.into_iter().flatten() {
            let _ = tx.send(e.clone());
        }
    }

    /// Sends a command to the owner of an execution, adopting it first if needed.
    pub fn command(self: &Arc<Self>, id: &str, command: Command) {
        self.adopt(id);
        let sender = self.owners.lock().ok().and_then(|o| o.get(id).cloned());
        if let Some(tx) = sender
            && let Err(mpsc::error::SendError(cmd)) = tx.send(command)
            && let Command::Resume(_, reply) = cmd
        {
            let _ = reply.send(Err(EngineError::Stopped));
        }
    }

    /// Starts an owner task for an execution unless one exists; true if it started one.
    pub fn adopt(self: &Arc<Self>, id: &str) -> bool {
        self.adopt_with(id, None)
    }

    /// Like `adopt`, handing over an execution just created (no task runs yet) and its flow,
    /// so the owner does not read them back.
    pub fn adopt_with(
        self: &Arc<Self>,
        id: &str,
        fresh: Option<(Execution, Arc<crate::spec::Flow>)>,
    ) -> bool {
        let Ok(mut owners) = self.owners.lock() else {
            return false;
        };
        if owners.contains_key(id) {
            return false;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        owners.insert(id.to_string(), tx);
        drop(owners);
        let inner = Arc::clone(self);
        let id = id.to_string();
        tokio::spawn(async move { drive::own(inner, id, rx, fresh).await });
        true
    }

    /// Creates an execution (optionally as a subflow child with a chosen id) and starts it.
    #[allow(clippy::too_many_arguments)]
    pub async fn start(
        self: &Arc<Self>,
        namespace: &str,
        flow_id: &str,
        revision: Option<i64>,
        inputs: Inputs,
        labels: Vec<Label>,
        trigger: Option<Value>,
        child: Option<(String, ParentRef)>,
    ) -> Result<Execution, EngineError> {
        let resolved = self.flows.resolve(namespace, flow_id, revision).await?;
        let flow = &resolved.flow;
        let inputs = inputs.resolve(&flow.inputs)?;
        let now = Utc::now();
        let mut e = Execution::new(namespace, flow_id, resolved.revision, now);
        if let Some((id, parent)) = child {
            e.id = id;
            e.parent = Some(parent);
        }
        e.commit = resolved.commit.clone();
        e.inputs = Value::Object(inputs);
        e.variables = Value::Object(flow.variables.clone());
        e.trigger = trigger;
        e.labels = flow
            .labels
            .0
            .iter()
            .map(|l| Label::new(&l.key, &l.value))
            .collect();
        for l in labels {
            match e.labels.iter_mut().find(|x| x.key == l.key) {
                Some(x) => x.value = l.value,
                None => e.labels.push(l),
            }
        }
        if !e.labels.iter().any(|l| l.key == CORRELATION_ID) {
            let id = e.id.clone();
            e.labels.push(Label::new(CORRELATION_ID, id));
        }
        self.store.create_execution(&e).await?;
        if let Some(c) = &flow.concurrency
            && !self
                .store
                .acquire_slot(namespace, flow_id, c.limit as i64, &e.id)
                .await?
        {
            let (state, error) = match c.behavior {
                ConcurrencyBehavior::Queue => (State::Queued, None),
                ConcurrencyBehavior::Cancel => (State::Cancelled, None),
                ConcurrencyBehavior::Fail => (
                    State::Failed,
                    Some(format!(
                        "flow `{}` reached its concurrency limit of {}",
                        flow.uid(),
                        c.limit
                    )),
                ),
            };
            e.state = state;
            e.history.push(StateChange { state, date: now });
            e.error = error;
            if state.is_terminal() {
                e.ended = Some(now);
            }
            e.version += 1;
            self.store.apply(&Transition::execution(e.clone())).await?;
            if state.is_terminal() {
                self.announce(&e);
                return Ok(e);
            }
        }
        self.adopt_with(&e.id, Some((e.clone(), Arc::clone(&resolved.flow))));
        Ok(e)
    }
}
