//! The tutorial's data pipelines end to end: the committed flows of `flows/tutorial/` run by the
//! engine and a real worker (Process runner, python3), their connection coming from the committed
//! `namespaces/tutorial/namespace.yaml` (plugin defaults, `{{ secret('POSTGRES_PASSWORD') }}`)
//! with only `namespace.postgres.url` pointed at a database of the test's own on the server named
//! by `BATON_TEST_POSTGRES_URL`. Inputs come from an HTTP server on 127.0.0.1 serving generated
//! fixtures. Without the variable each test prints "skipped: ..." and passes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Once};
use std::time::Duration;

use base64::Engine as _;
use baton::deploy::NamespaceSet;
use baton::engine::{Engine, EngineConfig, NamespaceHooks, StoreFlowResolver, flow_identity};
use baton::files::FileStore;
use baton::load::DirTree;
use baton::spec::PluginDefault;
use baton::store::model::{Execution, NewRevision, TaskRun};
use baton::store::{Store, open_store};
use baton::template::Renderer;
use baton::worker::{Worker, WorkerConfig};
use serde_json::{Map, Value, json};
use sqlx::Connection as _;
use tempfile::TempDir;
use tokio::sync::oneshot;

mod failures;
mod fixtures;
mod products;
mod taxi;

const NAMESPACE_FILE: &str = "namespaces/tutorial/namespace.yaml";

/// The repository root (the committed flows and namespaces).
fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A database of the test's own on the test server.
pub struct Database {
    admin_url: String,
    pub name: String,
    /// `postgres://` URL of the database, for the test's own checks.
    pub url: String,
    /// `jdbc:postgresql://` URL of the database, as the namespace variable holds it.
    pub jdbc_url: String,
}

impl Database {
    /// A fresh database for `test`, or `None` (after printing why) when no server is configured.
    pub async fn create(test: &str) -> Option<Database> {
        let Some(admin_url) = std::env::var("BATON_TEST_POSTGRES_URL")
            .ok()
            .filter(|url| !url.is_empty())
        else {
            println!("skipped: BATON_TEST_POSTGRES_URL is not set");
            return None;
        };
        let (server, _) = admin_url
            .rsplit_once('/')
            .expect("BATON_TEST_POSTGRES_URL is postgres://user:password@host:port/db");
        let name = format!(
            "p_{test}_{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("connect to the test server");
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create database");
        let location = server.split_once('@').expect("user@host in the URL").1;
        set_password_secret(&admin_url);
        Some(Database {
            url: format!("{server}/{name}"),
            jdbc_url: format!("jdbc:postgresql://{location}/{name}"),
            admin_url,
            name,
        })
    }

    /// The rows of `sql` on this database, each as a JSON object.
    pub async fn json_rows(&self, sql: &str) -> Vec<Value> {
        let mut conn = sqlx::PgConnection::connect(&self.url)
            .await
            .expect("connect to the test database");
        let wrapped = format!("SELECT to_json(q)::text FROM ({sql}) AS q");
        let rows: Vec<(String,)> = sqlx::query_as(&wrapped)
            .fetch_all(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        rows.into_iter()
            .map(|(text,)| serde_json::from_str(&text).expect("json row"))
            .collect()
    }

    /// `SELECT count(*) FROM table`.
    pub async fn count(&self, table: &str) -> i64 {
        let rows = self
            .json_rows(&format!("SELECT count(*) AS n FROM {table}"))
            .await;
        rows[0]["n"].as_i64().expect("a count")
    }

    /// Drops the database.
    pub async fn drop(self) {
        let mut admin = sqlx::PgConnection::connect(&self.admin_url)
            .await
            .expect("connect to the test server");
        sqlx::raw_sql(&format!("DROP DATABASE {} WITH (FORCE)", self.name))
            .execute(&mut admin)
            .await
            .expect("drop database");
    }
}

/// `SECRET_POSTGRES_PASSWORD` (base64, as Kestra's environment secrets) from the test server's
/// URL: the committed namespace file reads the password through `secret('POSTGRES_PASSWORD')`.
fn set_password_secret(admin_url: &str) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let userinfo = admin_url
            .split_once("://")
            .and_then(|(_, rest)| rest.split_once('@'))
            .map_or("", |(userinfo, _)| userinfo);
        let password = userinfo.split_once(':').map_or("", |(_, p)| p);
        let encoded = base64::engine::general_purpose::STANDARD.encode(password);
        // SAFETY: set once, before any engine of this module reads it; no other test reads it.
        unsafe { std::env::set_var("SECRET_POSTGRES_PASSWORD", encoded) };
    });
}

/// The committed `tutorial` namespace configuration, with `postgres.url` replaced.
struct TutorialNamespace {
    set: NamespaceSet,
    postgres_url: String,
    username: String,
}

impl NamespaceHooks for TutorialNamespace {
    fn plugin_defaults(&self, namespace: &str) -> Vec<PluginDefault> {
        self.set.context_for(namespace).plugin_defaults
    }

    fn variables(&self, namespace: &str) -> Map<String, Value> {
        let mut vars = match self.set.variables_for(namespace) {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        vars.insert(
            "postgres".to_owned(),
            json!({"url": self.postgres_url, "username": self.username}),
        );
        vars
    }
}

/// The committed namespace file, read as the daemon reads it.
fn tutorial_namespace(postgres_url: &str) -> TutorialNamespace {
    let tree = DirTree::new(repo()).expect("repo tree");
    let (set, diagnostics) = NamespaceSet::read(&tree, &[NAMESPACE_FILE.to_owned()]);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let admin_url = std::env::var("BATON_TEST_POSTGRES_URL").unwrap_or_default();
    let username = admin_url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .map(|(userinfo, _)| userinfo.split(':').next().unwrap_or_default().to_owned())
        .unwrap_or_default();
    TutorialNamespace {
        set,
        postgres_url: postgres_url.to_owned(),
        username,
    }
}

/// An engine and a worker over a SQLite store and one data directory, as `baton server` runs.
pub struct Pipeline {
    pub store: Arc<dyn Store>,
    pub engine: Engine,
    pub files: FileStore,
    shutdown: Option<oneshot::Sender<()>>,
    /// Holds the store and data directory for the pipeline's lifetime.
    _dir: TempDir,
}

impl Pipeline {
    /// Starts an engine and a worker whose tasks reach PostgreSQL at `postgres_url` (JDBC form).
    pub async fn start(postgres_url: &str) -> Pipeline {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = format!("sqlite://{}", dir.path().join("baton.db").display());
        let store = open_store(&db).await.expect("store opens");
        let data_dir = dir.path().join("data");
        let hooks = Arc::new(tutorial_namespace(postgres_url));
        let resolver = Arc::new(StoreFlowResolver::with_hooks(Arc::clone(&store), hooks));
        let config = EngineConfig {
            data_dir: data_dir.clone(),
            poll_interval: Duration::from_millis(20),
            ..EngineConfig::default()
        };
        let engine = Engine::new(Arc::clone(&store), Renderer::new(), resolver, config);
        let files = FileStore::new(&data_dir);
        let worker_config = WorkerConfig {
            threads: 2,
            data_dir,
            poll: Duration::from_millis(20),
            max_poll: Duration::from_millis(100),
            ..WorkerConfig::default()
        };
        let worker = Worker::new(Arc::clone(&store), files.clone(), worker_config);
        let (shutdown, stopped) = oneshot::channel::<()>();
        tokio::spawn(worker.run(async move {
            let _ = stopped.await;
        }));
        Pipeline {
            store,
            engine,
            files,
            shutdown: Some(shutdown),
            _dir: dir,
        }
    }

    /// Deploys the committed flow at `path` (relative to the repository) and runs it with
    /// `inputs` to its end.
    pub async fn run(&self, path: &str, inputs: Value) -> (Execution, Vec<TaskRun>) {
        let source = std::fs::read_to_string(repo().join(path)).expect("flow file reads");
        self.run_source(&source, Some(Path::new(path)), inputs)
            .await
    }

    /// Deploys `source` and runs it with `inputs` to its end.
    pub async fn run_source(
        &self,
        source: &str,
        path: Option<&Path>,
        inputs: Value,
    ) -> (Execution, Vec<TaskRun>) {
        let (namespace, id) = flow_identity(source).expect("flow has an identity");
        self.store
            .deploy_revision(NewRevision {
                namespace: namespace.clone(),
                id: id.clone(),
                source: source.to_owned(),
                commit: None,
                path: path.map(|p| p.display().to_string()),
                author: None,
            })
            .await
            .expect("deploys");
        let inputs = inputs.as_object().cloned().unwrap_or_default();
        let started = self
            .engine
            .start_execution(&namespace, &id, inputs, Vec::new(), None)
            .await
            .expect("starts");
        let done =
            tokio::time::timeout(Duration::from_secs(120), self.engine.wait_for(&started.id))
                .await
                .expect("ends within 2 minutes")
                .expect("ends");
        let runs = self.store.task_runs(&done.id).await.expect("task runs");
        (done, runs)
    }

    /// Stops the worker.
    pub fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// The task run of `task_id` (the last one when it ran several times).
pub fn task_run<'a>(runs: &'a [TaskRun], task_id: &str) -> &'a TaskRun {
    runs.iter()
        .rfind(|t| t.task_id == task_id)
        .unwrap_or_else(|| panic!("no task run of `{task_id}`"))
}

/// A one-line summary of every task run, for assertion messages.
pub fn summary(runs: &[TaskRun]) -> String {
    runs.iter()
        .map(|t| {
            format!(
                "{} {}: {}",
                t.task_id,
                t.state,
                t.error.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
