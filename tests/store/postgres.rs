//! What only the Postgres backend must show: claims by separate pools (as separate daemons
//! would), `NOTIFY` across stores, surviving killed connections, concurrent migrations, and
//! (ignored by default, it restarts the shared server) surviving a restart.
//!
//! Each test says "skipped" and passes when `BATON_TEST_POSTGRES_URL` is not set.

use super::schema::{Schema, eventually, postgres_url};
use super::wakeups::wakes;
use super::{execution_with_worker_runs, now};
use baton::store::model::{Dispatch, Execution, Level, TaskRun};
use baton::store::postgres::PostgresStore;
use baton::store::{Channel, LogFilter, Store, StoreError, Transition, open_store};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_claimers_with_their_own_pools_claim_each_of_500_task_runs_once() {
    let Some(url) = postgres_url("postgres claims") else {
        return;
    };
    let schema = Schema::create(&url).await;
    let seed: Arc<dyn Store> = Arc::new(schema.store(2).await);
    let mut all = Vec::new();
    for _ in 0..5 {
        let (_, runs) = execution_with_worker_runs(&seed, "ns", 100).await;
        all.extend(runs.into_iter().map(|r| r.id));
    }
    let mut claimers = Vec::new();
    for w in 0..8 {
        // A pool per claimer: like eight worker processes on one database.
        let store = schema.store(2).await;
        claimers.push(tokio::spawn(async move {
            let worker = format!("worker-{w}");
            let mut mine = Vec::new();
            loop {
                let batch = store
                    .claim_task_runs(&worker, None, 5, Duration::from_secs(60))
                    .await
                    .expect("claim");
                if batch.is_empty() {
                    return (worker, mine);
                }
                mine.extend(batch.into_iter().map(|r| r.id));
            }
        }));
    }
    let mut claims: HashMap<String, Vec<String>> = HashMap::new();
    let mut busy_claimers = 0;
    for claimer in claimers {
        let (worker, ids) = claimer.await.expect("claimer");
        busy_claimers += usize::from(!ids.is_empty());
        for id in ids {
            claims.entry(id).or_default().push(worker.clone());
        }
    }
    assert_eq!(claims.len(), 500, "every task run is claimed");
    for id in &all {
        assert_eq!(claims[id].len(), 1, "{id} claimed by {:?}", claims[id]);
    }
    assert!(busy_claimers > 1, "claimers ran side by side");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_from_one_store_wakes_a_subscriber_of_another_quickly() {
    let Some(url) = postgres_url("postgres notify") else {
        return;
    };
    let schema = Schema::create(&url).await;
    let worker_side = schema.store(2).await;
    let engine_side: Arc<dyn Store> = Arc::new(schema.store(2).await);
    let mut ready = worker_side
        .subscribe(Channel::TaskRunsReady)
        .await
        .expect("subscribe");

    // Another schema's writes are not this store's work.
    let other = Schema::create(&url).await;
    let stranger: Arc<dyn Store> = Arc::new(other.store(2).await);
    execution_with_worker_runs(&stranger, "ns", 1).await;
    assert!(!wakes(&mut ready, Duration::from_millis(300)).await);

    let started = Instant::now();
    execution_with_worker_runs(&engine_side, "ns", 1).await;
    assert!(wakes(&mut ready, Duration::from_secs(2)).await);
    let latency = started.elapsed();
    assert!(latency < Duration::from_secs(1), "woken after {latency:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminated_connections_are_replaced_and_the_listener_comes_back() {
    let Some(url) = postgres_url("postgres terminated connections") else {
        return;
    };
    let schema = Schema::create(&url).await;
    let store = schema.store(3).await;
    let writer: Arc<dyn Store> = Arc::new(schema.store(2).await);
    let mut ready = store
        .subscribe(Channel::TaskRunsReady)
        .await
        .expect("subscribe");
    store.ping().await.expect("ping");

    let mut admin = schema.admin().await;
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&schema.name)
    .fetch_all(&mut admin)
    .await
    .expect("terminate");
    assert!(
        killed.len() >= 3,
        "pool and listener connections were killed"
    );

    // The pool tests each connection before use: the next call just works.
    store.ping().await.expect("ping after terminate");
    let e = Execution::new("ns", "flow", 1, now());
    store
        .create_execution(&e)
        .await
        .expect("write after terminate");

    // The listener reconnects and wakes subscribers once (wake-ups may have been lost)...
    assert!(
        wakes(&mut ready, Duration::from_secs(10)).await,
        "reconnect wake-up"
    );
    // ...and listens again: a new queued run from another store wakes it.
    let run = TaskRun::new(&e.id, "t", Dispatch::Worker, now());
    writer
        .apply(&Transition {
            task_runs: vec![run],
            ..Transition::default()
        })
        .await
        .expect("queue after terminate");
    assert!(
        wakes(&mut ready, Duration::from_secs(2)).await,
        "listening again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stores_starting_together_on_a_fresh_schema_migrate_it_once() {
    let Some(url) = postgres_url("postgres concurrent migrations") else {
        return;
    };
    let schema = Schema::create(&url).await;
    let (a, b, c) = tokio::join!(
        PostgresStore::connect_with(schema.options(), 2),
        PostgresStore::connect_with(schema.options(), 2),
        PostgresStore::connect_with(schema.options(), 2),
    );
    let stores = [
        a.expect("first store"),
        b.expect("second store"),
        c.expect("third store"),
    ];
    let mut admin = schema.admin().await;
    let applied: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM {}._sqlx_migrations WHERE success",
        schema.name
    ))
    .fetch_one(&mut admin)
    .await
    .expect("migrations table");
    let files = std::fs::read_dir("migrations/postgres")
        .expect("migrations dir")
        .count() as i64;
    assert_eq!(applied, files, "each migration applied exactly once");
    for store in &stores {
        store.ping().await.expect("usable");
        assert!(store.workers().await.expect("tables exist").is_empty());
    }
}

#[tokio::test]
async fn open_store_opens_postgres_urls() {
    let Some(url) = postgres_url("open_store postgres") else {
        return;
    };
    let schema = Schema::create(&url).await;
    let separator = if url.contains('?') { '&' } else { '?' };
    let in_schema = format!("{url}{separator}options=-c%20search_path%3D{}", schema.name);
    let store = open_store(&in_schema).await.expect("open postgres");
    store.ping().await.expect("ping");
    let refused = open_store("postgres://baton:wrong@127.0.0.1:1/none").await;
    assert!(matches!(refused, Err(StoreError::Database(_))));
}

#[tokio::test]
async fn nul_characters_in_log_lines_do_not_fail_the_batch() {
    let Some(url) = postgres_url("postgres NUL in logs") else {
        return;
    };
    let schema = Schema::create(&url).await;
    let store: Arc<dyn Store> = Arc::new(schema.store(2).await);
    let e = Execution::new("ns", "flow", 1, now());
    store.create_execution(&e).await.expect("create");
    let lines = [
        super::log(&e.id, None, Level::Info, "binary \0 output"),
        super::log(&e.id, None, Level::Info, "ok"),
    ];
    store.append_logs(&lines).await.expect("append with NUL");
    let stored = store
        .logs(&e.id, &LogFilter::default())
        .await
        .expect("read");
    let messages: Vec<&str> = stored.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(messages, ["binary \u{FFFD} output", "ok"]);
}

/// Restarts the shared cluster: run alone, by hand, as root:
/// `cargo test --test integration restart -- --ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "restarts the shared Postgres cluster; run alone"]
async fn a_store_recovers_after_postgres_restarts() {
    let Some(url) = postgres_url("postgres restart") else {
        return;
    };
    let schema = Schema::create(&url).await;
    let store = schema.store(3).await;
    let mut ready = store
        .subscribe(Channel::TaskRunsReady)
        .await
        .expect("subscribe");
    store.ping().await.expect("ping");
    let restarted = std::process::Command::new("pg_ctlcluster")
        .args(["15", "main", "restart"])
        .status()
        .expect("run pg_ctlcluster");
    assert!(restarted.success(), "cluster restarted");
    // Callers retry with backoff: within a few seconds calls succeed again.
    let mut failures = 0;
    let back = eventually(Duration::from_secs(30), || {
        let store = store.clone();
        async move { store.ping().await.is_ok() }
    })
    .await;
    assert!(back, "store answers after the restart");
    let e = Execution::new("ns", "flow", 1, now());
    while let Err(error) = store.create_execution(&e).await {
        assert!(matches!(error, StoreError::Database(_)), "{error}");
        failures += 1;
        assert!(failures < 20, "still failing: {error}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        wakes(&mut ready, Duration::from_secs(15)).await,
        "listener is back"
    );
}
