//! Several real `baton` processes on one Postgres database: `baton worker` processes and
//! `baton server --no-worker` daemons spawned from the built binary, executions started over
//! the HTTP API, results checked from the database and from a file every shell attempt
//! appends its task run id to. Skipped without `BATON_TEST_POSTGRES_URL` (and, for the
//! private-instance tests, without root and Postgres 15 binaries).
//!
//! Sizes scale with `BATON_CLUSTER_EXECUTIONS` (the exactly-once run; default 500; the acceptance run is 2,000).

mod faults;
mod leader;
mod pg;
mod scale;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::{Connection, PgConnection, Row};

use crate::gitops::WorkRepo;

const TOKEN: &str = "cluster-test-token";

/// A spawned `baton` process, SIGKILLed on drop if still running.
pub struct Proc {
    pub name: String,
    child: Child,
}

impl Proc {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no clean-up, leases left to expire.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A spawned daemon and its HTTP address.
pub struct Server {
    pub proc: Proc,
    pub base: String,
}

/// A Git repository of flows, a database, and a directory for process logs and task output.
pub struct Cluster {
    pub database: String,
    pub dir: tempfile::TempDir,
    pub repo: WorkRepo,
    pub client: reqwest::Client,
}

impl Cluster {
    /// A cluster on `database` with an empty repository (see [`Cluster::commit`]).
    pub fn new(database: &str) -> Cluster {
        let repo = WorkRepo::new();
        Cluster {
            database: database.to_string(),
            dir: tempfile::tempdir().expect("tempdir"),
            repo,
            client: reqwest::Client::new(),
        }
    }

    /// Commits `flows` (path, YAML).
    pub fn commit(&self, flows: &[(&str, &str)]) {
        let files: Vec<(&str, Option<&str>)> = flows.iter().map(|(p, y)| (*p, Some(*y))).collect();
        self.repo.commit(&files, "flows");
    }

    /// The worker id a `baton worker` process printed at start.
    pub fn worker_id(&self, name: &str) -> Option<String> {
        self.log(name).lines().find_map(|l| {
            l.strip_prefix("worker ")?
                .strip_suffix(" started")
                .map(str::to_string)
        })
    }

    /// The file shell tasks append `<task run id> <attempt>` lines to.
    pub fn ran_file(&self) -> PathBuf {
        self.dir.path().join("ran.txt")
    }

    fn log_file(&self, name: &str) -> std::fs::File {
        std::fs::File::create(self.dir.path().join(format!("{name}.log"))).expect("log file")
    }

    fn spawn(&self, name: &str, args: &[String]) -> Proc {
        let log = self.log_file(name);
        let child = Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(args)
            .env("BATON_LOG", "info,sqlx=warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn baton");
        Proc {
            name: name.to_string(),
            child,
        }
    }

    /// `baton server --no-worker` on a free port (not waited for).
    pub fn server(&self, name: &str, extra: &[&str]) -> Server {
        let port = pg::free_port();
        let mut args: Vec<String> = [
            "server",
            "--no-worker",
            "--repo",
            &self.repo.path().display().to_string(),
            "--database",
            &self.database,
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
            &self.dir.path().join(name).display().to_string(),
            "--poll-interval",
            "1s",
            "--api-token",
            TOKEN,
            "--leader-lease",
            "3s",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        Server {
            proc: self.spawn(name, &args),
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// `baton worker` with `threads` slots and a 3 s lease.
    pub fn worker(&self, name: &str, threads: usize) -> Proc {
        let args: Vec<String> = [
            "worker",
            "--database",
            &self.database,
            "--data-dir",
            &self.dir.path().join(name).display().to_string(),
            "--threads",
            &threads.to_string(),
            "--lease",
            "3s",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        self.spawn(name, &args)
    }

    /// The `/readyz` answer (status, body), or `None` if the daemon does not answer.
    pub async fn readyz(&self, server: &Server) -> Option<(u16, Value)> {
        let response = self
            .client
            .get(format!("{}/readyz", server.base))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .ok()?;
        let status = response.status().as_u16();
        Some((status, response.json().await.ok()?))
    }

    /// Waits until `/readyz` says 200.
    pub async fn wait_ready(&self, server: &Server, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let answer = self.readyz(server).await;
            if answer.as_ref().is_some_and(|(s, _)| *s == 200) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{} not ready: {answer:?}\n{}",
                server.proc.name,
                self.log(&server.proc.name)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A process's log so far.
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("{name}.log"))).unwrap_or_default()
    }

    /// Starts an execution of `namespace.flow` through the API; its id.
    pub async fn start(
        &self,
        server: &Server,
        namespace: &str,
        flow: &str,
    ) -> Result<String, String> {
        let response = self
            .client
            .post(format!(
                "{}/api/v1/executions/{namespace}/{flow}",
                server.base
            ))
            .bearer_auth(TOKEN)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.status().as_u16() != 201 {
            return Err(format!(
                "{}: {}",
                response.status(),
                response.text().await.unwrap_or_default()
            ));
        }
        let body: Value = response.json().await.map_err(|e| e.to_string())?;
        Ok(body["id"].as_str().expect("execution id").to_string())
    }

    /// Starts `n` executions, at most `window` unfinished at a time (so the daemon polls a
    /// bounded set), retrying refused starts (e.g. while Postgres restarts).
    pub async fn start_many(
        &self,
        server: &Server,
        namespace: &str,
        flow: &str,
        n: usize,
        window: usize,
    ) {
        let mut started = 0;
        while started < n {
            let batch = (n - started).min(window.div_ceil(2).max(1));
            let starts = (0..batch).map(|_| self.start(server, namespace, flow));
            let results = futures::future::join_all(starts).await;
            started += results.iter().filter(|r| r.is_ok()).count();
            if results.iter().any(|r| r.is_err()) {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            while self.unfinished().await.unwrap_or(usize::MAX) > window / 2 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    async fn connect(&self) -> Result<PgConnection, sqlx::Error> {
        PgConnection::connect(&self.database).await
    }

    /// Executions not terminal yet (`Err` while the database is unreachable).
    pub async fn unfinished(&self) -> Result<usize, sqlx::Error> {
        let mut conn = self.connect().await?;
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM executions WHERE state NOT IN \
             ('SUCCESS', 'WARNING', 'FAILED', 'KILLED', 'CANCELLED', 'SKIPPED')",
        )
        .fetch_one(&mut conn)
        .await?;
        Ok(n as usize)
    }

    /// Waits until `n` executions exist and all are terminal; their count by state.
    pub async fn wait_finished(&self, n: usize, within: Duration) -> HashMap<String, i64> {
        let deadline = Instant::now() + within;
        loop {
            if let Ok(states) = self.executions_by_state().await {
                let total: i64 = states.values().sum();
                // Counted again once none is unfinished: `states` may predate the last ending.
                if total as usize >= n
                    && self.unfinished().await.ok() == Some(0)
                    && let Ok(states) = self.executions_by_state().await
                {
                    return states;
                }
                assert!(
                    Instant::now() < deadline,
                    "not finished in time: {states:?}"
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Executions by state.
    pub async fn executions_by_state(&self) -> Result<HashMap<String, i64>, sqlx::Error> {
        let mut conn = self.connect().await?;
        let rows = sqlx::query("SELECT state, count(*) AS n FROM executions GROUP BY state")
            .fetch_all(&mut conn)
            .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<String, _>("state"), r.get::<i64, _>("n")))
            .collect())
    }

    /// Every worker task run: (id, state, attempts).
    pub async fn worker_task_runs(&self) -> Vec<(String, String, Vec<Value>)> {
        let mut conn = self.connect().await.expect("connect");
        let rows =
            sqlx::query("SELECT id, state, attempts FROM task_runs WHERE dispatch = 'WORKER'")
                .fetch_all(&mut conn)
                .await
                .expect("task runs");
        rows.iter()
            .map(|r| {
                let attempts: Value = r.get("attempts");
                (
                    r.get("id"),
                    r.get("state"),
                    attempts.as_array().cloned().unwrap_or_default(),
                )
            })
            .collect()
    }

    /// How many lines of the ran file each task run id has (one per attempt that got to run
    /// its command).
    pub fn ran_lines(&self) -> HashMap<String, usize> {
        read_ran(&self.ran_file())
    }
}

fn read_ran(path: &Path) -> HashMap<String, usize> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines = HashMap::new();
    for line in text.lines() {
        let mut parts = line.split_whitespace();
        let (Some(id), Some("ran")) = (parts.next(), parts.next()) else {
            panic!("torn line in the ran file: {line:?}");
        };
        *lines.entry(id.to_string()).or_insert(0) += 1;
    }
    lines
}

/// A flow with a Parallel of `width` shell tasks, each appending `<task run id> ran` to `ran` (after `pause`), retried on failure (a lost worker) up to 3 attempts.
pub fn fanout_flow(id: &str, width: usize, ran: &Path, pause: &str) -> String {
    let mut yaml = format!(
        "id: {id}\nnamespace: cluster\ntasks:\n  - id: parallel\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n"
    );
    for i in 0..width {
        yaml.push_str(&format!(
            "      - id: shell{i}\n        type: io.kestra.plugin.scripts.shell.Commands\n        retry:\n          type: constant\n          interval: PT0.5S\n          maxAttempts: 3\n        commands:\n          - {pause}echo \"{{{{ taskrun.id }}}} ran\" >> {}\n",
            ran.display()
        ));
    }
    yaml
}

/// The number of executions of the exactly-once run.
pub fn executions(default: usize) -> usize {
    std::env::var("BATON_CLUSTER_EXECUTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
