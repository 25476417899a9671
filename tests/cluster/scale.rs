//! Three `baton worker` processes and one `baton server --no-worker` on one database.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::pg::TestDatabase;
use super::{Cluster, executions, fanout_flow};

/// The attempts' worker ids and messages of a task run.
fn workers_of(attempts: &[serde_json::Value]) -> Vec<String> {
    attempts
        .iter()
        .filter_map(|a| {
            a["workerId"]
                .as_str()
                .or(a["worker_id"].as_str())
                .map(str::to_string)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_run_every_task_run_exactly_once() {
    let Some(db) = TestDatabase::create("cluster exactly once").await else {
        return;
    };
    let n = executions(500);
    let cluster = Cluster::new(&db.url);
    let flow = fanout_flow("fanout", 5, &cluster.ran_file(), "");
    cluster.commit(&[("flows/cluster/fanout.yaml", &flow)]);
    let server = cluster.server("daemon", &[]);
    let _workers: Vec<_> = (0..3)
        .map(|i| cluster.worker(&format!("worker{i}"), 4))
        .collect();
    cluster.wait_ready(&server, Duration::from_secs(60)).await;
    let began = Instant::now();
    cluster
        .start_many(&server, "cluster", "fanout", n, 200)
        .await;
    let states = cluster.wait_finished(n, Duration::from_secs(900)).await;
    let took = began.elapsed();
    eprintln!(
        "{n} executions x 5 shell tasks on 3 workers: {:.1} s, {:.0} executions/s",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
    assert_eq!(states.get("SUCCESS").copied(), Some(n as i64), "{states:?}");
    assert_eq!(states.values().sum::<i64>(), n as i64, "{states:?}");

    let runs = cluster.worker_task_runs().await;
    assert_eq!(runs.len(), 5 * n, "one task run per shell task");
    let ran = cluster.ran_lines();
    let mut workers = HashSet::new();
    for (id, state, attempts) in &runs {
        assert_eq!(state, "SUCCESS", "task run {id}");
        assert_eq!(attempts.len(), 1, "task run {id}: {attempts:?}");
        assert_eq!(ran.get(id).copied(), Some(1), "task run {id} ran once");
        workers.extend(workers_of(attempts));
    }
    assert_eq!(ran.len(), 5 * n, "no line of an unknown task run");
    assert_eq!(workers.len(), 3, "every worker took a share: {workers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkilled_worker_s_task_runs_are_retried_on_the_others() {
    let Some(db) = TestDatabase::create("cluster worker killed").await else {
        return;
    };
    let n = 150;
    let cluster = Cluster::new(&db.url);
    let flow = fanout_flow("slow", 5, &cluster.ran_file(), "sleep 0.2; ");
    cluster.commit(&[("flows/cluster/slow.yaml", &flow)]);
    let server = cluster.server("daemon", &[]);
    let mut workers: Vec<_> = (0..3)
        .map(|i| cluster.worker(&format!("worker{i}"), 4))
        .collect();
    cluster.wait_ready(&server, Duration::from_secs(60)).await;
    let victim = loop {
        if let Some(id) = cluster.worker_id("worker0") {
            break id;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    cluster
        .start_many(&server, "cluster", "slow", n, 2 * n)
        .await;
    // Mid-way: a third of the shell tasks have run.
    while cluster.ran_lines().len() < 5 * n / 3 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    workers[0].kill();
    let states = cluster.wait_finished(n, Duration::from_secs(300)).await;
    assert_eq!(states.get("SUCCESS").copied(), Some(n as i64), "{states:?}");

    let runs = cluster.worker_task_runs().await;
    assert_eq!(runs.len(), 5 * n);
    let ran = cluster.ran_lines();
    let mut retried = 0;
    for (id, state, attempts) in &runs {
        assert_eq!(state, "SUCCESS", "task run {id}");
        let lines = ran.get(id).copied().unwrap_or(0);
        // Each attempt runs the command at most once; the successful one did.
        assert!(
            (1..=attempts.len()).contains(&lines),
            "task run {id}: {lines} lines for {attempts:?}"
        );
        let lost: Vec<_> = attempts
            .iter()
            .filter(|a| {
                a["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("worker lost"))
            })
            .collect();
        if !lost.is_empty() {
            retried += 1;
            let by = workers_of(attempts);
            assert_eq!(
                by.first(),
                Some(&victim),
                "task run {id}: lost by the victim"
            );
            assert_ne!(by.last(), Some(&victim), "task run {id}: retried elsewhere");
        } else {
            assert_eq!(attempts.len(), 1, "task run {id}: {attempts:?}");
            assert_eq!(lines, 1, "task run {id} ran once");
        }
    }
    assert!(retried > 0, "the killed worker held task runs");
    eprintln!("{retried} task runs of the killed worker retried elsewhere");
}
