//! `/readyz` knows the scheduler leader: ready once the first sync is done and a live
//! scheduler lease exists in the store, whoever holds it (this daemon when it leads alone).

use std::sync::Arc;
use std::time::{Duration, Instant};

use baton::deploy::{LiveRegistry, ReconcileOptions, Reconciler, SyncLoop, SyncSource};
use baton::store::Store;
use baton::store::sqlite::SqliteStore;
use baton::trigger::{DEFAULT_LEASE_TTL, Leadership, StoreLauncher};
use baton::web::{AppState, SCHEDULER_LEASE, router};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

const FLOW: &str = "id: hello\nnamespace: demo\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n";

/// A router over a synced worktree (the sync loop runs).
async fn serve() -> (String, Arc<dyn Store>, CancellationToken, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("flows/demo")).expect("mkdir");
    std::fs::write(repo.join("flows/demo/hello.yaml"), FLOW).expect("flow");
    let url = format!("sqlite://{}", dir.path().join("baton.db").display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.expect("open store"));
    let registry = Arc::new(LiveRegistry::new());
    let reconciler = Arc::new(Reconciler::new(
        Arc::clone(&store),
        Arc::clone(&registry),
        ReconcileOptions::new("readiness"),
    ));
    let sync = SyncLoop::new(
        SyncSource::Worktree(repo),
        reconciler,
        Duration::from_millis(200),
    );
    let (wake, health) = (sync.waker(), sync.health());
    let cancel = CancellationToken::new();
    let token = cancel.child_token();
    tokio::spawn(async move { sync.run(token).await });
    let launcher = Arc::new(StoreLauncher::new(
        Arc::clone(&store),
        Arc::clone(&registry),
    ));
    let state = AppState {
        health,
        wake,
        ..AppState::new(Arc::clone(&store), registry, launcher, "readiness")
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router(state)).await });
    (base, store, cancel, dir)
}

async fn readyz(base: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{base}/readyz"))
        .await
        .expect("answer");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

/// Polls `/readyz` until the first sync is done.
async fn after_first_sync(base: &str) -> (u16, Value) {
    let start = Instant::now();
    loop {
        let (status, body) = readyz(base).await;
        if body["firstSyncDone"] == true {
            return (status, body);
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never synced: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn readyz_waits_for_a_scheduler_lease_and_follows_its_holder() {
    let (base, store, cancel, _dir) = serve().await;
    let (status, body) = after_first_sync(&base).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["schedulerLeader"], Value::Null, "{body}");
    let term = store
        .try_acquire_lease(SCHEDULER_LEASE, "node-b", Duration::from_secs(30))
        .await
        .expect("lease");
    assert!(term.is_some());
    let (status, body) = readyz(&base).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["schedulerLeader"], "node-b");
    // The leader steps down: nobody schedules, not ready.
    assert!(
        store
            .release_lease(SCHEDULER_LEASE, "node-b")
            .await
            .expect("release")
    );
    let (status, body) = readyz(&base).await;
    assert_eq!(status, 503, "{body}");
    cancel.cancel();
}

#[tokio::test]
async fn readyz_is_ready_when_this_daemon_leads_alone() {
    let (base, store, cancel, _dir) = serve().await;
    // As the daemon does: take the lease before serving, then keep renewing it.
    let leadership = Arc::new(Leadership::new(
        Arc::clone(&store),
        "this-daemon",
        DEFAULT_LEASE_TTL,
    ));
    assert!(
        leadership.attempt(&mut None).await.is_some(),
        "a free lease"
    );
    let renewing = tokio::spawn(leadership.clone().run(cancel.child_token()));
    let (status, body) = after_first_sync(&base).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["schedulerLeader"], "this-daemon");
    assert_eq!(body["ready"], true);
    // Stopping releases the lease: nobody schedules, not ready.
    cancel.cancel();
    renewing.await.expect("leadership stops");
    let (status, body) = readyz(&base).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["schedulerLeader"], Value::Null, "{body}");
}
