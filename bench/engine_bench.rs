//! Engine benchmark (not a test): orchestration overhead per task and executions per second on
//! SQLite. Run through `bench/engine.sh` (release build).

use std::sync::Arc;
use std::time::{Duration, Instant};

use baton::engine::{Engine, EngineConfig, StoreFlowResolver, flow_identity};
use baton::store::model::{NewRevision, State};
use baton::store::{Store, open_store};
use baton::template::Renderer;
use serde_json::Map;

async fn deploy(store: &Arc<dyn Store>, source: String) -> (String, String) {
    let (namespace, id) = flow_identity(&source).expect("identity");
    store
        .deploy_revision(NewRevision {
            namespace: namespace.clone(),
            id: id.clone(),
            source,
            commit: None,
            path: None,
            author: None,
        })
        .await
        .expect("deploys");
    (namespace, id)
}

async fn run_serial(engine: &Engine, ns: &str, id: &str, runs: usize) -> Duration {
    let start = Instant::now();
    for _ in 0..runs {
        let e = engine
            .start_execution(ns, id, Map::new(), Vec::new(), None)
            .await
            .expect("starts");
        let done = engine.wait_for(&e.id).await.expect("ends");
        assert_eq!(done.state, State::Success, "{:?}", done.error);
    }
    start.elapsed()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = open_store(&url).await.expect("store");
    let resolver = Arc::new(StoreFlowResolver::new(Arc::clone(&store)));
    let config = EngineConfig {
        data_dir: dir.path().join("data"),
        poll_interval: Duration::from_millis(100),
        ..EngineConfig::default()
    };
    let engine = Engine::new(Arc::clone(&store), Renderer::new(), resolver, config);

    let mut chain = String::from("id: chain\nnamespace: bench\ntasks:\n");
    for i in 0..10 {
        chain.push_str(&format!("  - {{id: log{i}, type: io.kestra.plugin.core.log.Log, message: \"step {i} of {{{{ execution.id }}}}\"}}\n"));
    }
    let (ns, id) = deploy(&store, chain).await;
    run_serial(&engine, &ns, &id, 5).await;
    let runs = 50;
    let t = run_serial(&engine, &ns, &id, runs).await;
    println!(
        "chain of 10 Log tasks:        {:.3} ms/execution, {:.3} ms/task",
        ms(t) / runs as f64,
        ms(t) / (runs * 10) as f64
    );

    let mut par = String::from(
        "id: fan\nnamespace: bench\ntasks:\n  - id: p\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n",
    );
    for i in 0..40 {
        par.push_str(&format!("      - {{id: r{i}, type: io.kestra.plugin.core.debug.Return, format: \"{{{{ task.id }}}}\"}}\n"));
    }
    par.push_str("  - {id: done, type: io.kestra.plugin.core.log.Log, message: finished}\n");
    let (ns, id) = deploy(&store, par).await;
    run_serial(&engine, &ns, &id, 3).await;
    let runs = 20;
    let t = run_serial(&engine, &ns, &id, runs).await;
    println!(
        "Parallel of 40 Return + Log:  {:.3} ms/execution, {:.3} ms/task (42 task runs)",
        ms(t) / runs as f64,
        ms(t) / (runs * 42) as f64
    );

    let small = "id: small\nnamespace: bench\ntasks:\n  - {id: a, type: io.kestra.plugin.core.debug.Return, format: a}\n  - {id: b, type: io.kestra.plugin.core.log.Log, message: \"{{ outputs.a.value }}\"}\n  - {id: c, type: io.kestra.plugin.core.debug.Return, format: c}\n";
    let (ns, id) = deploy(&store, small.to_string()).await;
    run_serial(&engine, &ns, &id, 5).await;
    let n = 1000;
    let start = Instant::now();
    let mut handles = Vec::with_capacity(n);
    for _ in 0..n {
        let engine = engine.clone();
        let (ns, id) = (ns.clone(), id.clone());
        handles.push(tokio::spawn(async move {
            let e = engine
                .start_execution(&ns, &id, Map::new(), Vec::new(), None)
                .await
                .expect("starts");
            engine.wait_for(&e.id).await.expect("ends").state
        }));
    }
    for h in handles {
        assert_eq!(h.await.expect("joins"), State::Success);
    }
    let t = start.elapsed();
    println!(
        "1000 concurrent 3-task executions: {:.0} ms total, {:.0} executions/s",
        ms(t),
        n as f64 / t.as_secs_f64()
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
