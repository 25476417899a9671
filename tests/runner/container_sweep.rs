//! The worker's container sweep against the real engine and a real SQLite store: containers
//! of this store's workers are judged by their task run (state, lease holder and expiry), others
//! are left alone; a running worker sweeps at start and again as soon as a kept container's
//! lease expires; the containers a worker starts carry its id.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use baton::files::FileStore;
use baton::runner::{DELETE_LABEL, EXECUTION_LABEL, TASKRUN_LABEL, WORKER_LABEL};
use baton::store::model::{Dispatch, Execution, State, TaskRun, WorkerInfo};
use baton::store::sqlite::SqliteStore;
use baton::store::{Store, Transition};
use baton::worker::{Worker, WorkerConfig, sweep_containers};
use bollard::Docker;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    CreateContainerOptions, InspectContainerOptions, StartContainerOptions, WaitContainerOptions,
};
use chrono::{TimeDelta, Utc};
use futures::StreamExt;
use serde_json::json;
use tempfile::TempDir;

use super::docker::{IMAGE, containers_of, engine};
use crate::worker::Harness;

/// A store with one execution; the containers of a test carry its id as `baton.execution`.
struct World {
    store: Arc<dyn Store>,
    execution: Execution,
    _dir: TempDir,
}

impl World {
    async fn new() -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("baton.db").display());
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.expect("store"));
        let execution = Execution::new("ns", "flow", 1, Utc::now());
        store.create_execution(&execution).await.expect("execution");
        World {
            store,
            execution,
            _dir: dir,
        }
    }

    /// Registers worker `id` whose last heartbeat was `ago`.
    async fn worker(&self, id: &str, ago: TimeDelta) {
        let beat = Utc::now() - ago;
        let info = WorkerInfo {
            id: id.to_owned(),
            host: "test".to_owned(),
            version: "test".to_owned(),
            group: None,
            started: beat,
            last_heartbeat: beat,
            running: 0,
        };
        self.store.register_worker(&info).await.expect("register");
    }

    /// A worker task run in `state`, not claimed.
    async fn task_run(&self, state: State) -> String {
        let mut run = TaskRun::new(&self.execution.id, "step", Dispatch::Worker, Utc::now());
        run.state = state;
        let id = run.id.clone();
        self.store
            .apply(&Transition {
                task_runs: vec![run],
                ..Transition::default()
            })
            .await
            .expect("task run");
        id
    }

    /// A task run claimed by `worker` under a lease of `lease`.
    async fn claimed(&self, worker: &str, lease: Duration) -> String {
        let id = self.task_run(State::Created).await;
        let claimed = self
            .store
            .claim_task_runs(worker, None, 1, lease)
            .await
            .expect("claim");
        assert_eq!(claimed.iter().map(|r| &r.id).collect::<Vec<_>>(), [&id]);
        id
    }

    /// A container of task run `task_run`, as worker `worker` starts it; exited when
    /// `command` is `true`, running otherwise.
    async fn container(
        &self,
        docker: &Docker,
        task_run: &str,
        worker: Option<&str>,
        delete: bool,
        command: &str,
    ) -> String {
        let mut labels = HashMap::from([
            (TASKRUN_LABEL.to_owned(), task_run.to_owned()),
            (EXECUTION_LABEL.to_owned(), self.execution.id.clone()),
            (DELETE_LABEL.to_owned(), delete.to_string()),
        ]);
        if let Some(worker) = worker {
            labels.insert(WORKER_LABEL.to_owned(), worker.to_owned());
        }
        let body = ContainerCreateBody {
            image: Some(IMAGE.to_owned()),
            cmd: Some(vec!["/bin/sh".into(), "-c".into(), command.into()]),
            labels: Some(labels),
            ..Default::default()
        };
        let id = docker
            .create_container(None::<CreateContainerOptions>, body)
            .await
            .expect("create")
            .id;
        docker
            .start_container(&id, None::<StartContainerOptions>)
            .await
            .expect("start");
        if command == "true" {
            let _ = docker
                .wait_container(&id, None::<WaitContainerOptions>)
                .next()
                .await;
        }
        id
    }

    /// The containers of this world still on the engine, sorted.
    async fn left(&self, docker: &Docker) -> Vec<String> {
        let mut left = containers_of(docker, &self.execution.id).await;
        left.sort();
        left
    }

    /// Removes whatever the test left.
    async fn clean(&self, docker: &Docker) {
        baton::runner::docker::remove_orphans(docker, Some(&self.execution.id))
            .await
            .expect("clean up");
    }
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// A worker id no other test uses: other tests' stores share the engine, and one registering
/// the same id would judge this test's containers.
fn unique(name: &str) -> String {
    format!("{name}-{}", uuid::Uuid::new_v4())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweep_removes_containers_whose_task_run_has_no_live_owner() {
    let Some(docker) = engine().await else { return };
    let w = World::new().await;
    let (live, dead, theirs) = (unique("live"), unique("dead"), unique("theirs"));
    w.worker(&live, TimeDelta::zero()).await;
    w.worker(&dead, TimeDelta::minutes(10)).await;
    let (live, dead) = (Some(live.as_str()), Some(dead.as_str()));
    // To be removed: (a) exited, its task run ended; (b) running, its lease expired; its task
    // run unknown to the store; an earlier attempt's, its task run claimed since by another
    // worker.
    let run = w.task_run(State::Success).await;
    let ended = w.container(&docker, &run, live, true, "true").await;
    let run = w.claimed(live.unwrap(), Duration::from_millis(1)).await;
    let expired = w.container(&docker, &run, live, true, "sleep 60").await;
    let unknown = w
        .container(&docker, "no-such-run", live, true, "true")
        .await;
    let run = w.claimed(live.unwrap(), Duration::from_secs(60)).await;
    let reclaimed = w.container(&docker, &run, dead, true, "sleep 60").await;
    // To be kept: (c) running under a live lease; the same with its worker silent for 10
    // minutes (the lease, not the heartbeat, is the contract: the worker may be cut off from
    // the store and come back); (d) `delete: false`; another store's worker's; one not
    // started by a worker (no worker label).
    let silent_run = w.claimed(dead.unwrap(), Duration::from_secs(60)).await;
    let silent = w
        .container(&docker, &silent_run, dead, true, "sleep 60")
        .await;
    let live_run = w.claimed(live.unwrap(), Duration::from_secs(60)).await;
    let leased = w
        .container(&docker, &live_run, live, true, "sleep 60")
        .await;
    let run = w.task_run(State::Failed).await;
    let kept = w.container(&docker, &run, live, false, "true").await;
    let foreign = w
        .container(&docker, "their-run", Some(&theirs), true, "true")
        .await;
    let unlabelled = w.container(&docker, &run, None, true, "true").await;
    tokio::time::sleep(Duration::from_millis(20)).await;

    let sweep = sweep_containers(w.store.as_ref(), &docker)
        .await
        .expect("sweep");
    assert_eq!(
        sorted(sweep.removed.clone()),
        sorted(vec![ended, expired, unknown, reclaimed]),
        "{sweep:?}"
    );
    assert_eq!(
        w.left(&docker).await,
        sorted(vec![leased, silent, kept, foreign, unlabelled])
    );
    assert_eq!((sweep.kept, sweep.failed), (2, 0), "{sweep:?}");
    let expiry = |run: String| {
        let store = Arc::clone(&w.store);
        async move {
            let lease = store.task_run_lease(&run).await.expect("lease");
            lease.and_then(|l| l.holder).map(|h| h.expires)
        }
    };
    let first = expiry(silent_run).await.min(expiry(live_run).await);
    assert_eq!(
        sweep.next_expiry, first,
        "the next sweep is due when the first kept container's lease expires"
    );
    w.clean(&docker).await;
}

/// Waits until container `id` is gone (at most `limit`); returns when it went.
async fn gone(docker: &Docker, id: &str, limit: Duration) -> Instant {
    let start = Instant::now();
    loop {
        let inspected = docker
            .inspect_container(id, None::<InspectContainerOptions>)
            .await;
        if inspected.is_err() {
            return Instant::now();
        }
        assert!(start.elapsed() < limit, "{id} still there after {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_sweeps_at_start_and_again_when_a_kept_lease_expires() {
    let Some(docker) = engine().await else { return };
    let w = World::new().await;
    let (crashed, other) = (unique("crashed"), unique("other"));
    w.worker(&crashed, TimeDelta::minutes(10)).await;
    w.worker(&other, TimeDelta::zero()).await;
    let run = w.claimed(&crashed, Duration::from_millis(1)).await;
    let orphan = w
        .container(&docker, &run, Some(&crashed), true, "sleep 60")
        .await;
    let lease = Duration::from_secs(4);
    let before_claim = Instant::now();
    let run = w.claimed(&other, lease).await;
    let after_claim = Instant::now();
    let leased = w
        .container(&docker, &run, Some(&other), true, "sleep 60")
        .await;
    // The other worker never renews (it is not running): its lease lapses in 4 s, long
    // before the 60 s sweep period.
    let dir = tempfile::tempdir().expect("temp dir");
    let config = WorkerConfig {
        data_dir: dir.path().to_owned(),
        container_sweep: Duration::from_secs(60),
        ..WorkerConfig::default()
    };
    let worker = Worker::new(Arc::clone(&w.store), FileStore::new(dir.path()), config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run(async move {
        let _ = stopped.await;
    }));

    gone(&docker, &orphan, Duration::from_secs(10)).await;
    let went = gone(&docker, &leased, Duration::from_secs(30)).await;
    assert!(
        went >= before_claim + lease,
        "removed before its lease expired"
    );
    // Generous: on a loaded machine the sweep's wake-up and the removal can lag; the 60 s
    // period is what this must beat.
    assert!(
        went < after_claim + lease + Duration::from_secs(15),
        "removed {:?} after its lease expired, not at the next sweep",
        went - (after_claim + lease)
    );
    let _ = stop.send(());
    running.await.expect("worker task").expect("worker run");
    w.clean(&docker).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn containers_a_worker_starts_carry_its_id() {
    let Some(docker) = engine().await else { return };
    let h = Harness::start().await;
    let task = json!({
        "id": "nap",
        "type": "io.kestra.plugin.scripts.shell.Commands",
        "commands": ["sleep 2"],
        "containerImage": IMAGE,
        "taskRunner": {"type": "io.kestra.plugin.scripts.runner.docker.Docker", "pullPolicy": "NEVER"},
    });
    let id = h.submit(task, json!({})).await;
    let start = Instant::now();
    let labels = loop {
        let found = containers_of(&docker, &h.execution.id).await;
        // The engine may not answer an inspection of a container still being created.
        if let Some(container) = found.first()
            && let Ok(inspected) = docker
                .inspect_container(container, None::<InspectContainerOptions>)
                .await
        {
            break inspected.config.and_then(|c| c.labels).unwrap_or_default();
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no container");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(labels.get(TASKRUN_LABEL), Some(&id));
    assert_eq!(labels.get(WORKER_LABEL), Some(&h.worker_id));
    assert_eq!(
        h.wait_for(&id, Duration::from_secs(30)).await.state,
        State::Success
    );
    h.stop().await;
}
