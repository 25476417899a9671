//! Postgres benchmark (not a test): an engine in this process on a fresh Postgres database,
//! and 1, 2 or 4 real `baton worker` processes. Prints executions/s of the 3-task Log/Return
//! flow, executions/s and task runs/s of a Parallel of 40 shell tasks per worker count, and
//! the claim latency (task run ready -> started, read from the task runs' history) while a
//! worker is free. Run through `bench/postgres.sh` (release build).

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use baton::engine::{Engine, EngineConfig, StoreFlowResolver, flow_identity};
use baton::store::model::{NewRevision, State};
use baton::store::{Store, open_store};
use baton::template::Renderer;
use serde_json::{Map, Value};
use sqlx::{Connection, PgConnection, Row};

async fn deploy(store: &Arc<dyn Store>, source: String) -> (String, String) {
    let (namespace, id) = flow_identity(&source).expect("identity");
    let revision = NewRevision {
        namespace: namespace.clone(),
        id: id.clone(),
        source,
        commit: None,
        path: None,
        author: None,
    };
    store.deploy_revision(revision).await.expect("deploys");
    (namespace, id)
}

/// Runs `n` executions at once; the wall time.
async fn run_concurrent(engine: &Engine, flow: &(String, String), n: usize) -> Duration {
    let start = Instant::now();
    let handles: Vec<_> = (0..n)
        .map(|_| {
            let (engine, (ns, id)) = (engine.clone(), flow.clone());
            tokio::spawn(async move {
                let e = engine
                    .start_execution(&ns, &id, Map::new(), Vec::new(), None)
                    .await
                    .expect("starts");
                engine.wait_for(&e.id).await.expect("ends").state
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.await.expect("joins"), State::Success);
    }
    start.elapsed()
}

fn spawn_workers(bin: &str, url: &str, dir: &std::path::Path, count: usize) -> Vec<Child> {
    (0..count)
        .map(|i| {
            Command::new(bin)
                .args(["worker", "--database", url, "--threads", "4", "--data-dir"])
                .arg(dir.join(format!("worker{count}-{i}")))
                .env("BATON_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn baton worker")
        })
        .collect()
}

fn stop(workers: Vec<Child>) {
    for mut w in workers {
        let _ = w.kill();
        let _ = w.wait();
    }
}

/// Ready -> started of the worker task runs of `flow_id`, in ms, sorted.
async fn claim_latencies(url: &str, flow_id: &str) -> Vec<f64> {
    let mut conn = PgConnection::connect(url).await.expect("connect");
    let rows = sqlx::query(
        "SELECT t.history FROM task_runs t JOIN executions e ON e.id = t.execution_id \
         WHERE e.flow_id = $1 AND t.dispatch = 'WORKER'",
    )
    .bind(flow_id)
    .fetch_all(&mut conn)
    .await
    .expect("task runs");
    let date = |h: &Value, state: &str| {
        h.as_array()?
            .iter()
            .find(|c| c["state"] == state)
            .and_then(|c| c["date"].as_str())
            .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
    };
    let mut out: Vec<f64> = rows
        .iter()
        .filter_map(|r| {
            let h: Value = r.get("history");
            let ready = date(&h, "CREATED")?;
            let started = date(&h, "RUNNING")?;
            Some((started - ready).num_microseconds()? as f64 / 1000.0)
        })
        .collect();
    out.sort_by(|a, b| a.total_cmp(b));
    out
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let admin = std::env::var("BATON_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("BATON_TEST_POSTGRES_URL"))
        .expect("set BATON_BENCH_POSTGRES_URL (or BATON_TEST_POSTGRES_URL)");
    let bin = std::env::var("BATON_BIN").unwrap_or_else(|_| "target/release/baton".into());
    let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::connect(&admin).await.expect("connect");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    let url = format!("{}/{name}", admin.rsplit_once('/').expect("db in url").0);
    let dir = tempfile::tempdir().expect("tempdir");
    run(&url, &bin, dir.path()).await;
    let drop = format!("DROP DATABASE {name} WITH (FORCE)");
    let _ = sqlx::query(&drop).execute(&mut conn).await;
}

async fn run(url: &str, bin: &str, dir: &std::path::Path) {
    let store = open_store(url).await.expect("store");
    let resolver = Arc::new(StoreFlowResolver::new(Arc::clone(&store)));
    let config = EngineConfig {
        data_dir: dir.join("data"),
        poll_interval: Duration::from_millis(100),
        ..EngineConfig::default()
    };
    let engine = Engine::new(Arc::clone(&store), Renderer::new(), resolver, config);
    let stop_engine = tokio_util::sync::CancellationToken::new();
    let background = engine.clone();
    let token = stop_engine.clone();
    tokio::spawn(async move { background.run(token).await });

    let small = "id: small\nnamespace: bench\ntasks:\n  - {id: a, type: io.kestra.plugin.core.debug.Return, format: a}\n  - {id: b, type: io.kestra.plugin.core.log.Log, message: \"{{ outputs.a.value }}\"}\n  - {id: c, type: io.kestra.plugin.core.debug.Return, format: c}\n";
    let flow = deploy(&store, small.to_string()).await;
    run_concurrent(&engine, &flow, 50).await;
    let n = 2000;
    let t = run_concurrent(&engine, &flow, n).await;
    println!(
        "3-task Log/Return flow, {n} concurrent executions: {:.0} executions/s (engine only: no worker task)",
        n as f64 / t.as_secs_f64()
    );

    let mut latency_flow = String::from(
        "id: one\nnamespace: bench\ntasks:\n  - {id: s, type: io.kestra.plugin.scripts.shell.Commands, commands: [\"true\"]}\n",
    );
    latency_flow.push('\n');
    let one = deploy(&store, latency_flow).await;
    let mut fan = String::from(
        "id: fan\nnamespace: bench\ntasks:\n  - id: p\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n",
    );
    for i in 0..40 {
        fan.push_str(&format!(
            "      - {{id: s{i}, type: io.kestra.plugin.scripts.shell.Commands, commands: [\"true\"]}}\n"
        ));
    }
    let fan = deploy(&store, fan).await;
    let runs: usize = std::env::var("BATON_BENCH_FANOUT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    for workers in [1, 2, 4] {
        let children = spawn_workers(bin, url, dir, workers);
        run_concurrent(&engine, &one, 5).await;
        let t = run_concurrent(&engine, &fan, runs).await;
        println!(
            "Parallel of 40 shell tasks, {workers} worker(s) x 4 threads: {:.1} executions/s, {:.0} task runs/s",
            runs as f64 / t.as_secs_f64(),
            (runs * 40) as f64 / t.as_secs_f64()
        );
        stop(children);
    }

    // Claim latency with a free worker: one execution at a time.
    let children = spawn_workers(bin, url, dir, 1);
    run_concurrent(&engine, &one, 5).await;
    let (ns, id) = one.clone();
    sqlx_reset(url, &id).await;
    for _ in 0..200 {
        let e = engine
            .start_execution(&ns, &id, Map::new(), Vec::new(), None)
            .await
            .expect("starts");
        engine.wait_for(&e.id).await.expect("ends");
    }
    stop(children);
    let lat = claim_latencies(url, &id).await;
    println!(
        "claim latency (task run ready -> started, {} task runs, 1 idle worker): median {:.2} ms, p99 {:.2} ms",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );
    stop_engine.cancel();
}

/// Forgets the warm-up executions of `flow_id`, so the latency figures cover the timed ones.
async fn sqlx_reset(url: &str, flow_id: &str) {
    let mut conn = PgConnection::connect(url).await.expect("connect");
    sqlx::query("DELETE FROM task_runs WHERE execution_id IN (SELECT id FROM executions WHERE flow_id = $1)")
        .bind(flow_id)
        .execute(&mut conn)
        .await
        .expect("reset");
}
