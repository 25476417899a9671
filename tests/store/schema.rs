//! A fresh Postgres schema per test, so tests running in parallel on one database never see
//! each other's rows (or notifications): created on demand, dropped when the guard drops.

use std::str::FromStr;
use std::time::Duration;

use baton::store::postgres::PostgresStore;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

/// The variable naming the test database.
pub(crate) const URL_VAR: &str = "BATON_TEST_POSTGRES_URL";

/// The test database's URL, or `None` (after saying so) when the variable is not set.
pub(crate) fn postgres_url(test: &str) -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("{test}: Postgres part skipped: {URL_VAR} not set");
            None
        }
    }
}

/// A schema of its own in the test database; dropped (with everything in it) on drop.
pub(crate) struct Schema {
    url: String,
    /// The schema's name, `t_<random hex>`; also the stores' `application_name`.
    pub(super) name: String,
}

impl Schema {
    /// Creates a fresh, empty schema.
    pub(crate) async fn create(url: &str) -> Schema {
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(url)
            .await
            .expect("connect to test db");
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&mut conn)
            .await
            .expect("create schema");
        conn.close().await.expect("close");
        Schema {
            url: url.to_string(),
            name,
        }
    }

    /// Connect options whose tables live in this schema.
    pub(super) fn options(&self) -> PgConnectOptions {
        PgConnectOptions::from_str(&self.url)
            .expect("test url")
            .application_name(&self.name)
            .options([("search_path", self.name.as_str())])
    }

    /// A store on this schema with at most `connections` connections.
    pub(crate) async fn store(&self, connections: u32) -> PostgresStore {
        PostgresStore::connect_with(self.options(), connections)
            .await
            .expect("connect postgres store")
    }

    /// A plain connection to the test database (outside any store's pool).
    pub(super) async fn admin(&self) -> PgConnection {
        PgConnection::connect(&self.url)
            .await
            .expect("admin connection")
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot block on itself: use a thread
        // with a runtime of its own. Runs on panic too, so failed tests leave nothing behind.
        let url = self.url.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut conn = PgConnection::connect(&url).await?;
                // Never hang a test run on a lock a dying test still holds.
                sqlx::query("SET lock_timeout = '10s'")
                    .execute(&mut conn)
                    .await?;
                sqlx::query(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                    .execute(&mut conn)
                    .await?;
                conn.close().await?;
                Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test schema {}", self.name);
        }
    }
}

/// Waits up to `timeout` for `check` to hold, polling.
pub(super) async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}
