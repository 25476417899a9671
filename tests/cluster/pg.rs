//! Databases for the cluster tests: a fresh database on the shared test cluster (dropped
//! afterwards), or a private throwaway Postgres instance (initdb + pg_ctl in a temp dir, run as
//! the `postgres` OS user) for the tests that stop or restart the server. The shared cluster
//! is never stopped.

use std::path::{Path, PathBuf};
use std::process::Command;

use sqlx::{Connection, PgConnection};

const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A database of its own on the shared test cluster; dropped on drop.
pub struct TestDatabase {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    /// `None` (after saying so) without `BATON_TEST_POSTGRES_URL`.
    pub async fn create(test: &str) -> Option<TestDatabase> {
        let admin_url = match std::env::var("BATON_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => url,
            _ => {
                eprintln!("{test}: skipped: BATON_TEST_POSTGRES_URL not set");
                return None;
            }
        };
        let name = format!("cluster_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(&admin_url).await.expect("connect");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create database");
        let base = admin_url.rsplit_once('/').expect("url has a database").0;
        let url = format!("{base}/{name}");
        Some(TestDatabase {
            admin_url,
            name,
            url,
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs outside any runtime the test still drives: use a small one of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Ok(mut conn) = PgConnection::connect(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(&sql).execute(&mut conn).await;
                }
            });
        })
        .join();
    }
}

/// A private Postgres 15 instance on a free port; stopped (immediately) and deleted on drop.
pub struct PrivatePostgres {
    dir: tempfile::TempDir,
    pub port: u16,
    pub url: String,
}

impl PrivatePostgres {
    /// `None` (after saying so) when not root or Postgres 15 binaries are missing.
    pub fn start(test: &str) -> Option<PrivatePostgres> {
        let uid = Command::new("id").arg("-u").output().map(|o| o.stdout);
        let root = uid.is_ok_and(|out| out.trim_ascii() == b"0");
        if !root || !Path::new(BIN).join("initdb").exists() {
            eprintln!("{test}: skipped: needs root and {BIN}/initdb");
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("baton-pg-")
            .tempdir()
            .expect("tempdir");
        run(
            "chown",
            &["postgres:postgres", &dir.path().display().to_string()],
        );
        let port = free_port();
        let data = data_dir(dir.path());
        as_postgres(&[
            "initdb",
            "-D",
            &data.display().to_string(),
            "-U",
            "baton",
            "--auth=trust",
            "--no-sync",
        ]);
        let pg = PrivatePostgres {
            dir,
            port,
            url: format!("postgres://baton@127.0.0.1:{port}/postgres"),
        };
        pg.pg_ctl(&["start"]);
        Some(pg)
    }

    /// Stops the server (fast shutdown: connections are cut).
    pub fn stop(&self) {
        self.pg_ctl(&["stop", "-m", "fast"]);
    }

    /// Starts the server again.
    pub fn start_again(&self) {
        self.pg_ctl(&["start"]);
    }

    /// Restarts the server (fast shutdown, then start).
    pub fn restart(&self) {
        self.pg_ctl(&["restart", "-m", "fast"]);
    }

    fn pg_ctl(&self, action: &[&str]) {
        let data = data_dir(self.dir.path()).display().to_string();
        let log = self.dir.path().join("postgres.log").display().to_string();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let mut args = vec!["pg_ctl", "-D", &data, "-l", &log, "-w", "-o", &options];
        args.extend_from_slice(action);
        as_postgres(&args);
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        let data = data_dir(self.dir.path()).display().to_string();
        let _ = Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(format!("{BIN}/pg_ctl"))
            .args(["-D", &data, "stop", "-m", "immediate", "-w"])
            .output();
    }
}

fn data_dir(dir: &Path) -> PathBuf {
    dir.join("data")
}

fn as_postgres(args: &[&str]) {
    let output = Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(format!("{BIN}/{}", args[0]))
        .args(&args[1..])
        .output()
        .expect("runuser");
    assert!(
        output.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn run(program: &str, args: &[&str]) {
    let status = Command::new(program).args(args).status().expect(program);
    assert!(status.success(), "{program} {args:?}");
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}
