//! Two daemons on one database: one leads (scheduler, sync), the other follows; killing the
//! leader hands the schedules over within seconds and no tick fires twice.

use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection, Row};

use super::pg::TestDatabase;
use super::{Cluster, Server};

const TICKING: &str = "id: tick
namespace: cluster
triggers:
  - id: every-second
    type: io.kestra.plugin.core.trigger.Schedule
    cron: \"* * * * * *\"
    withSeconds: true
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: \"tick {{ trigger.date }}\"
";

/// The leader's holder name, as `/readyz` reports it.
async fn leader_of(cluster: &Cluster, server: &Server) -> String {
    let (_, body) = cluster.readyz(server).await.expect("readyz answers");
    body["leader"]["holder"]
        .as_str()
        .unwrap_or_else(|| panic!("no leader in {body}"))
        .to_string()
}

/// (tick date, executions) of the schedule, and the newest execution's creation time.
async fn ticks(url: &str) -> (Vec<(String, i64)>, Option<chrono::DateTime<chrono::Utc>>) {
    let mut conn = PgConnection::connect(url).await.expect("connect");
    let rows = sqlx::query(
        "SELECT trigger_info->>'date' AS date, count(*) AS n FROM executions \
         WHERE flow_id = 'tick' GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .expect("ticks");
    let newest: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT max(created) FROM executions WHERE flow_id = 'tick'")
            .fetch_one(&mut conn)
            .await
            .expect("newest");
    let ticks = rows.iter().map(|r| (r.get("date"), r.get("n"))).collect();
    (ticks, newest)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_leader_hands_schedules_over_within_10_s_without_double_ticks() {
    let Some(db) = TestDatabase::create("cluster leader failover").await else {
        return;
    };
    let cluster = Cluster::new(&db.url);
    cluster.commit(&[("flows/cluster/tick.yaml", TICKING)]);
    let mut a = cluster.server("daemon-a", &[]);
    cluster.wait_ready(&a, Duration::from_secs(60)).await;
    let mut b = cluster.server("daemon-b", &[]);
    cluster.wait_ready(&b, Duration::from_secs(60)).await;
    let leader = leader_of(&cluster, &a).await;
    assert_eq!(leader, leader_of(&cluster, &b).await, "both see one leader");
    let a_pid = format!(":{}:", a.proc.pid());
    let (victim, survivor) = if leader.contains(&a_pid) {
        (&mut a, &b)
    } else {
        (&mut b, &a)
    };
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (before, _) = ticks(&db.url).await;
    assert!(before.len() >= 2, "the leader fires ticks: {before:?}");

    victim.proc.kill();
    let killed = chrono::Utc::now();
    let began = Instant::now();
    let taken_over = loop {
        let (_, newest) = ticks(&db.url).await;
        if newest.is_some_and(|t| t > killed) {
            break began.elapsed();
        }
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "no tick fired within 10 s of the leader's death"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    eprintln!(
        "schedules taken over {:.1} s after the leader was killed",
        taken_over.as_secs_f64()
    );
    let new_leader = leader_of(&cluster, survivor).await;
    assert_ne!(new_leader, leader, "the survivor leads");
    let status: serde_json::Value = cluster
        .client
        .get(format!("{}/api/v1/sync/status", survivor.base))
        .send()
        .await
        .expect("sync status")
        .json()
        .await
        .expect("json");
    assert_eq!(status["leader"]["holder"], new_leader.as_str(), "{status}");
    tokio::time::sleep(Duration::from_secs(3)).await;

    let (after, _) = ticks(&db.url).await;
    let doubled: Vec<_> = after.iter().filter(|(_, n)| *n > 1).collect();
    assert!(doubled.is_empty(), "ticks fired twice: {doubled:?}");
    assert!(after.len() > before.len() + 2, "ticks go on: {after:?}");
    // Executions the dead leader had started are finished by the survivor.
    let deadline = Instant::now() + Duration::from_secs(30);
    while cluster.unfinished().await.unwrap_or(1) > 0 {
        assert!(Instant::now() < deadline, "executions left unfinished");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
