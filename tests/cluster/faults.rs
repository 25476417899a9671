//! Database faults on a private Postgres instance (never the shared cluster): a restart in the
//! middle of a run, then the server unreachable for 30 s (`BATON_CLUSTER_OUTAGE_SECS`) while
//! task runs are in flight. The daemon and workers reconnect, `/readyz` says not-ready during
//! the outage, and every execution ends SUCCESS with every task run accounted for.

use std::time::{Duration, Instant};

use super::pg::PrivatePostgres;
use super::{Cluster, Server, fanout_flow};

/// Every worker task run SUCCESS, and each ran (appended its line) at least once and at most
/// once per attempt.
async fn assert_balanced(cluster: &Cluster) -> usize {
    let runs = cluster.worker_task_runs().await;
    let ran = cluster.ran_lines();
    let mut retried = 0;
    for (id, state, attempts) in &runs {
        assert_eq!(state, "SUCCESS", "task run {id}: {attempts:?}");
        let lines = ran.get(id).copied().unwrap_or(0);
        assert!(
            (1..=attempts.len()).contains(&lines),
            "task run {id}: {lines} lines for {attempts:?}"
        );
        retried += usize::from(attempts.len() > 1);
    }
    assert_eq!(ran.len(), runs.len(), "no line of an unknown task run");
    retried
}

async fn wait_not_ready(cluster: &Cluster, server: &Server, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Some((status, _)) = cluster.readyz(server).await
            && status == 503
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restart_and_a_30_s_outage_lose_nothing() {
    let Some(pg) = PrivatePostgres::start("cluster postgres faults") else {
        return;
    };
    let outage = std::env::var("BATON_CLUSTER_OUTAGE_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30u64);
    let cluster = Cluster::new(&pg.url);
    let fast = fanout_flow("fast", 5, &cluster.ran_file(), "");
    let slow = fanout_flow("slow", 5, &cluster.ran_file(), "sleep 0.5; ");
    cluster.commit(&[
        ("flows/cluster/fast.yaml", &fast),
        ("flows/cluster/slow.yaml", &slow),
    ]);
    let server = cluster.server("daemon", &[]);
    let _workers: Vec<_> = (0..2)
        .map(|i| cluster.worker(&format!("worker{i}"), 4))
        .collect();
    cluster.wait_ready(&server, Duration::from_secs(60)).await;

    // 1. A restart mid-way through 300 executions.
    let n = 300;
    let restart = async {
        while cluster.ran_lines().len() < 5 * n / 3 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        pg.restart();
        eprintln!("postgres restarted");
    };
    let ((), ()) = tokio::join!(
        cluster.start_many(&server, "cluster", "fast", n, 100),
        restart
    );
    let states = cluster.wait_finished(n, Duration::from_secs(300)).await;
    assert_eq!(states.len(), 1, "all SUCCESS: {states:?}");
    assert!(states["SUCCESS"] >= n as i64, "{states:?}");
    let retried = assert_balanced(&cluster).await;
    eprintln!("restart: {states:?}, {retried} task runs retried");
    cluster.wait_ready(&server, Duration::from_secs(30)).await;

    // 2. Unreachable for `outage` seconds with task runs in flight.
    let before = states["SUCCESS"] as usize;
    let m = 40;
    cluster
        .start_many(&server, "cluster", "slow", m, 2 * m)
        .await;
    while cluster.ran_lines().len() < 5 * before + 10 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    pg.stop();
    let stopped = Instant::now();
    assert!(
        wait_not_ready(&cluster, &server, Duration::from_secs(10)).await,
        "/readyz says not-ready while Postgres is down"
    );
    let left = Duration::from_secs(outage).saturating_sub(stopped.elapsed());
    tokio::time::sleep(left).await;
    pg.start_again();
    eprintln!(
        "postgres back after {:.1} s",
        stopped.elapsed().as_secs_f64()
    );
    cluster.wait_ready(&server, Duration::from_secs(30)).await;
    let states = cluster
        .wait_finished(before + m, Duration::from_secs(300))
        .await;
    assert_eq!(states.len(), 1, "all SUCCESS: {states:?}");
    let retried = assert_balanced(&cluster).await;
    eprintln!("outage: {states:?}, {retried} task runs retried in all");
    // Everything works as before: a few more executions.
    cluster.start_many(&server, "cluster", "fast", 10, 20).await;
    let states = cluster
        .wait_finished(before + m + 10, Duration::from_secs(120))
        .await;
    assert_eq!(states.len(), 1, "all SUCCESS: {states:?}");
}
