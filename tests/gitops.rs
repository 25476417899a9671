//! GitOps daemon: real Git repositories made with git2 in temp dirs, the real daemon
//! (`cli::server::run`) on 127.0.0.1:0 with a real SQLite store, driven over HTTP.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use baton::cli::server::{ServerConfig, run};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::oneshot;

/// A Git repository with a working tree, committing on `main`.
pub struct WorkRepo {
    pub dir: tempfile::TempDir,
    pub repo: git2::Repository,
}

impl WorkRepo {
    pub fn new() -> WorkRepo {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut opts = git2::RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = git2::Repository::init_opts(dir.path(), &opts).expect("git init");
        WorkRepo { dir, repo }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes (`Some`) or deletes (`None`) files, then commits them all; returns the sha.
    pub fn commit(&self, files: &[(&str, Option<&str>)], message: &str) -> String {
        for (path, content) in files {
            let full = self.path().join(path);
            match content {
                Some(text) => {
                    std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
                    std::fs::write(&full, text).expect("write");
                }
                None => std::fs::remove_file(&full).expect("rm"),
            }
        }
        let mut index = self.repo.index().expect("index");
        index
            .add_all(["*"].iter(), git2::IndexAddOption::DEFAULT, None)
            .expect("add");
        index.update_all(["*"].iter(), None).expect("update");
        index.write().expect("write index");
        let tree_id = index.write_tree().expect("tree");
        let tree = self.repo.find_tree(tree_id).expect("find tree");
        let sig = git2::Signature::now("Ada Lovelace", "ada@example.com").expect("sig");
        let parent = self.repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        let oid = self
            .repo
            .commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .expect("commit");
        oid.to_string()
    }

    /// Pushes `main` to a bare repository (forced).
    pub fn push_to(&self, bare: &Path) {
        let url = file_url(bare);
        let mut remote = self.repo.remote_anonymous(&url).expect("remote");
        remote
            .push(&["+refs/heads/main:refs/heads/main"], None)
            .expect("push");
    }
}

/// A bare repository to push to, served over `file://`.
pub fn bare_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut opts = git2::RepositoryInitOptions::new();
    opts.bare(true).initial_head("main");
    git2::Repository::init_opts(dir.path(), &opts).expect("init bare");
    dir
}

pub fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A running daemon.
pub struct Daemon {
    pub base: String,
    pub client: reqwest::Client,
    pub data: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Daemon {
    /// Starts a daemon with a fresh database for `repo`; `tune` adjusts the configuration.
    pub async fn start(repo: &str, tune: impl FnOnce(&mut ServerConfig)) -> Daemon {
        let data = tempfile::tempdir().expect("tempdir");
        Daemon::start_in(data, repo, tune).await
    }

    /// Starts a daemon whose database and data dir are in `data` (to restart on one database).
    pub async fn start_in(
        data: tempfile::TempDir,
        repo: &str,
        tune: impl FnOnce(&mut ServerConfig),
    ) -> Daemon {
        let mut config = ServerConfig::for_repo(repo);
        config.database = format!("sqlite://{}", data.path().join("baton.db").display());
        config.data_dir = data.path().join("data");
        config.poll_interval = Duration::from_millis(100);
        config.grace_period = Duration::from_secs(2);
        tune(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(run(config, listener, async move {
            let _ = stopped.await;
        }));
        let daemon = Daemon {
            base,
            client: reqwest::Client::new(),
            data,
            stop: Some(stop),
            task: Some(task),
        };
        daemon.wait_ready().await;
        daemon
    }

    async fn wait_ready(&self) {
        let ok = eventually(Duration::from_secs(30), || async {
            self.client
                .get(format!("{}/readyz", self.base))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        })
        .await;
        assert!(ok, "daemon not ready: {:?}", self.get_json("/readyz").await);
    }

    /// Stops the daemon and returns its data directory.
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let result = tokio::time::timeout(Duration::from_secs(10), task).await;
            assert!(
                matches!(result, Ok(Ok(Ok(())))),
                "daemon did not stop cleanly: {result:?}"
            );
        }
        let data = tempfile::tempdir().expect("tempdir");
        std::mem::replace(&mut self.data, data)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let resp = self.get(path).await;
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// The live revision of a flow, or `None` on 404.
    pub async fn flow(&self, namespace: &str, id: &str) -> Option<Value> {
        let (status, body) = self
            .get_json(&format!("/api/v1/flows/{namespace}/{id}"))
            .await;
        (status == 200).then_some(body)
    }

    /// Waits until the flow is live at `commit`.
    pub async fn wait_flow_at(&self, namespace: &str, id: &str, commit: &str) -> Value {
        let start = Instant::now();
        loop {
            let last = self.flow(namespace, id).await;
            if let Some(flow) = last.as_ref().filter(|f| f["commit"] == commit) {
                return flow.clone();
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{namespace}.{id} not live at {commit}: {last:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn sync_status(&self) -> Value {
        self.get_json("/api/v1/sync/status").await.1
    }

    /// Waits until the repo's sync status has finished attempting `revision`.
    pub async fn wait_attempted(&self, revision: &str) -> Value {
        let start = Instant::now();
        loop {
            let last = self.sync_status().await;
            if last["status"]["lastAttemptedRevision"] == revision
                && last["status"]["condition"] != "Reconciling"
            {
                return last;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "revision {revision} never attempted: {last}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Polls `check` until it is true or `timeout` passes.
pub async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < timeout {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

pub fn github_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub const HELLO_V1: &str = "id: hello
namespace: demo
outputs:
  - id: greeting
    type: STRING
    value: \"{{ outputs.say.value }}\"
tasks:
  - id: say
    type: io.kestra.plugin.core.debug.Return
    format: \"hello {{ trigger.body.name }}\"
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: k3y
    wait: true
    returnOutputs: true
";

const HELLO_V2: &str = "id: hello
namespace: demo
outputs:
  - id: greeting
    type: STRING
    value: \"{{ outputs.say.value }}\"
tasks:
  - id: say
    type: io.kestra.plugin.core.debug.Return
    format: \"bonjour {{ trigger.body.name }}\"
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: k3y
    wait: true
    returnOutputs: true
";

/// Line 7 names a task type that does not exist.
const HELLO_BROKEN: &str = "id: hello
namespace: demo
outputs: []
tasks:
  - id: say
    type: io.kestra.plugin.core.debug.Return
  - id: oops
    type: io.kestra.plugin.core.log.DoesNotExist
";

fn simple_flow(namespace: &str, id: &str) -> String {
    format!(
        "id: {id}\nnamespace: {namespace}\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
    )
}

async fn call_hello(daemon: &Daemon, name: &str) -> (u16, Value) {
    let resp = daemon
        .client
        .post(format!(
            "{}/api/v1/executions/webhook/demo/hello/k3y",
            daemon.base
        ))
        .json(&serde_json::json!({ "name": name }))
        .send()
        .await
        .expect("POST");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_deploys_without_restart_a_broken_one_keeps_the_last_good_and_a_delete_prunes() {
    let repo = WorkRepo::new();
    repo.commit(&[("README.md", Some("flows"))], "init");
    let daemon = Daemon::start(&repo.path().display().to_string(), |_| {}).await;
    assert!(daemon.flow("demo", "hello").await.is_none());

    let v1 = repo.commit(&[("flows/demo/hello.yaml", Some(HELLO_V1))], "add hello");
    let live = daemon.wait_flow_at("demo", "hello", &v1).await;
    assert_eq!(live["revision"], 1);
    assert_eq!(live["path"], "flows/demo/hello.yaml");
    assert_eq!(live["author"], "Ada Lovelace <ada@example.com>");
    assert_eq!(live["source"], HELLO_V1);
    // Runnable at once: the webhook waits for the execution and returns its outputs.
    let (status, outputs) = call_hello(&daemon, "ada").await;
    assert_eq!(status, 200, "{outputs}");
    assert_eq!(outputs["greeting"], "hello ada");

    let v2 = repo.commit(&[("flows/demo/hello.yaml", Some(HELLO_V2))], "bonjour");
    let live = daemon.wait_flow_at("demo", "hello", &v2).await;
    assert_eq!(live["revision"], 2);
    assert_eq!(
        call_hello(&daemon, "ada").await.1["greeting"],
        "bonjour ada"
    );

    let broken = repo.commit(&[("flows/demo/hello.yaml", Some(HELLO_BROKEN))], "break it");
    let status = daemon.wait_attempted(&broken).await;
    let live = daemon.flow("demo", "hello").await.expect("still live");
    assert_eq!(live["commit"], v2, "the last good revision stays live");
    assert_eq!(
        call_hello(&daemon, "bob").await.1["greeting"],
        "bonjour bob"
    );
    let flow_status = status["flows"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["flowId"] == "hello").cloned())
        .expect("flow status");
    assert_eq!(flow_status["condition"], "Stalled", "{flow_status}");
    assert_eq!(flow_status["lastAppliedRevision"], v2);
    assert_eq!(flow_status["lastAttemptedRevision"], broken);
    let diagnostics = flow_status["diagnostics"].as_array().expect("diagnostics");
    assert!(
        diagnostics.iter().any(|d| d["line"] == 8),
        "{diagnostics:?}"
    );
    assert!(
        flow_status["message"]
            .as_str()
            .is_some_and(|m| m.contains("hello.yaml:8:")),
        "{flow_status}"
    );
    assert_eq!(status["status"]["condition"], "Stalled");

    let removed = repo.commit(
        &[
            ("flows/demo/hello.yaml", None),
            ("flows/demo/other.yaml", Some(&simple_flow("demo", "other"))),
        ],
        "rm",
    );
    daemon.wait_flow_at("demo", "other", &removed).await;
    assert!(
        daemon.flow("demo", "hello").await.is_none(),
        "404 once pruned"
    );
    let status = daemon.sync_status().await;
    assert_eq!(status["status"]["condition"], "Ready");
    assert_eq!(status["status"]["lastAppliedRevision"], removed);
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_remote_over_file_url_is_fetched_and_a_signed_push_webhook_syncs_at_once() {
    let work = WorkRepo::new();
    let bare = bare_repo();
    work.commit(
        &[("flows/demo/a.yaml", Some(&simple_flow("demo", "a")))],
        "a",
    );
    work.push_to(bare.path());
    let daemon = Daemon::start(&file_url(bare.path()), |c| {
        c.poll_interval = Duration::from_secs(3600);
        c.webhook_secret = Some("s3cret".to_string());
    })
    .await;
    assert!(
        daemon.flow("demo", "a").await.is_some(),
        "first fetch deploys"
    );

    let sha = work.commit(
        &[("flows/demo/b.yaml", Some(&simple_flow("demo", "b")))],
        "b",
    );
    work.push_to(bare.path());
    let body = serde_json::to_vec(&serde_json::json!({ "ref": "refs/heads/main", "after": sha }))
        .expect("json");
    let url = format!("{}/api/v1/git/webhook", daemon.base);
    let unsigned = daemon
        .client
        .post(&url)
        .body(body.clone())
        .send()
        .await
        .expect("POST");
    assert_eq!(unsigned.status(), 401);
    let forged = daemon
        .client
        .post(&url)
        .header("X-Hub-Signature-256", github_signature("wrong", &body))
        .body(body.clone())
        .send()
        .await
        .expect("POST");
    assert_eq!(forged.status(), 401);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        daemon.flow("demo", "b").await.is_none(),
        "a refused webhook changes nothing"
    );

    let signed = daemon
        .client
        .post(&url)
        .header("X-GitHub-Event", "push")
        .header("X-Hub-Signature-256", github_signature("s3cret", &body))
        .body(body.clone())
        .send()
        .await
        .expect("POST");
    assert_eq!(signed.status(), 202);
    let started = Instant::now();
    daemon.wait_flow_at("demo", "b", &sha).await;
    assert!(started.elapsed() < Duration::from_secs(5));

    // GitLab: the token header.
    let sha = work.commit(
        &[("flows/demo/c.yaml", Some(&simple_flow("demo", "c")))],
        "c",
    );
    work.push_to(bare.path());
    let gitlab = daemon
        .client
        .post(&url)
        .header("X-Gitlab-Token", "s3cret")
        .body(
            serde_json::to_vec(&serde_json::json!({ "ref": "refs/heads/main", "after": sha }))
                .expect("json"),
        )
        .send()
        .await
        .expect("POST");
    assert_eq!(gitlab.status(), 202);
    daemon.wait_flow_at("demo", "c", &sha).await;
    daemon.stop().await;
}

const COMPANY_NS: &str = "variables:\n  team: data\n  env: base\npluginDefaults:\n  - type: io.kestra.plugin.core.log.Log\n    values:\n      message: from company\n";
const DEV_NS: &str = "variables:\n  env: dev\n";
const PROD_NS: &str = "variables:\n  env: prod\n";

/// A Log task without `message`: valid only while a namespace default supplies it.
fn defaulted_flow(namespace: &str, id: &str) -> String {
    format!(
        "id: {id}\nnamespace: {namespace}\noutputs:\n  - id: env\n    type: STRING\n    value: \"{{{{ namespace.env }}}}-{{{{ namespace.team }}}}\"\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\ntriggers:\n  - id: hook\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: k\n    wait: true\n    returnOutputs: true\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespace_variables_are_inherited_and_a_namespace_change_revalidates_its_flows() {
    let repo = WorkRepo::new();
    let first = repo.commit(
        &[
            ("namespaces/company/namespace.yaml", Some(COMPANY_NS)),
            ("namespaces/company.dev/namespace.yaml", Some(DEV_NS)),
            ("namespaces/company.prod/namespace.yaml", Some(PROD_NS)),
            (
                "namespaces/company.dev/files/extract.sh",
                Some("echo dev\n"),
            ),
            (
                "flows/company/dev/job.yaml",
                Some(&defaulted_flow("company.dev", "job")),
            ),
            (
                "flows/company/prod/job.yaml",
                Some(&defaulted_flow("company.prod", "job")),
            ),
        ],
        "company",
    );
    let daemon = Daemon::start(&repo.path().display().to_string(), |_| {}).await;
    daemon.wait_flow_at("company.dev", "job", &first).await;
    for (ns, expected) in [("company.dev", "dev-data"), ("company.prod", "prod-data")] {
        let resp = daemon
            .client
            .post(format!(
                "{}/api/v1/executions/webhook/{ns}/job/k",
                daemon.base
            ))
            .send()
            .await
            .expect("POST");
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["env"], expected, "{ns}: {body}");
    }

    // The parent's default goes away: both flows become invalid but stay live.
    let second = repo.commit(
        &[(
            "namespaces/company/namespace.yaml",
            Some("variables:\n  team: data\n"),
        )],
        "drop default",
    );
    let status = daemon.wait_attempted(&second).await;
    let stalled: Vec<&Value> = status["flows"]
        .as_array()
        .expect("flows")
        .iter()
        .filter(|f| f["condition"] == "Stalled")
        .collect();
    assert_eq!(stalled.len(), 2, "{status}");
    assert_eq!(
        daemon.flow("company.prod", "job").await.expect("live")["commit"],
        first
    );
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_namespace_filter_deploys_only_matching_namespaces() {
    let repo = WorkRepo::new();
    let sha = repo.commit(
        &[
            (
                "flows/company/dev/a.yaml",
                Some(&simple_flow("company.dev", "a")),
            ),
            (
                "flows/company/prod/a.yaml",
                Some(&simple_flow("company.prod", "a")),
            ),
            (
                "flows/company/prod/eu/b.yaml",
                Some(&simple_flow("company.prod.eu", "b")),
            ),
        ],
        "three",
    );
    let daemon = Daemon::start(&repo.path().display().to_string(), |c| {
        c.namespace_filter = Some("company.prod.**".to_string());
    })
    .await;
    daemon.wait_flow_at("company.prod", "a", &sha).await;
    daemon.wait_flow_at("company.prod.eu", "b", &sha).await;
    assert!(daemon.flow("company.dev", "a").await.is_none());
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_restores_the_registry_without_redeploying() {
    let repo = WorkRepo::new();
    let sha = repo.commit(&[("flows/demo/hello.yaml", Some(HELLO_V1))], "hello");
    let repo_path = repo.path().display().to_string();
    let daemon = Daemon::start(&repo_path, |_| {}).await;
    daemon.wait_flow_at("demo", "hello", &sha).await;
    let data = daemon.stop().await;

    let daemon = Daemon::start_in(data, &repo_path, |_| {}).await;
    let live = daemon
        .flow("demo", "hello")
        .await
        .expect("live after restart");
    assert_eq!(live["revision"], 1, "not redeployed");
    assert_eq!(
        call_hello(&daemon, "again").await.1["greeting"],
        "hello again"
    );
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_without_any_flow_does_not_prune_everything_unless_allowed() {
    let repo = WorkRepo::new();
    repo.commit(
        &[("flows/demo/a.yaml", Some(&simple_flow("demo", "a")))],
        "a",
    );
    let repo_path = repo.path().display().to_string();
    let daemon = Daemon::start(&repo_path, |_| {}).await;
    let empty = repo.commit(
        &[("flows/demo/a.yaml", None), ("README.md", Some("moved"))],
        "oops",
    );
    let status = daemon.wait_attempted(&empty).await;
    assert_eq!(status["status"]["reason"], "EmptyRevision", "{status}");
    assert!(daemon.flow("demo", "a").await.is_some());
    daemon.stop().await;

    let daemon = Daemon::start(&repo_path, |c| c.allow_empty = true).await;
    // A fresh database: nothing to prune; deploy then empty again with allow_empty.
    let back = repo.commit(
        &[("flows/demo/a.yaml", Some(&simple_flow("demo", "a")))],
        "back",
    );
    daemon.wait_flow_at("demo", "a", &back).await;
    let empty = repo.commit(&[("flows/demo/a.yaml", None)], "empty on purpose");
    daemon.wait_attempted(&empty).await;
    assert!(daemon.flow("demo", "a").await.is_none());
    daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_the_worktree_deploys_edits_before_any_commit() {
    let repo = WorkRepo::new();
    repo.commit(
        &[("flows/demo/a.yaml", Some(&simple_flow("demo", "a")))],
        "a",
    );
    let daemon = Daemon::start(&repo.path().display().to_string(), |c| {
        c.follow_worktree = true;
        c.poll_interval = Duration::from_secs(3600);
    })
    .await;
    assert!(daemon.flow("demo", "a").await.is_some());
    let path: PathBuf = repo.path().join("flows/demo/b.yaml");
    std::fs::write(&path, simple_flow("demo", "b")).expect("write");
    let ok = eventually(Duration::from_secs(10), || async {
        daemon.flow("demo", "b").await.is_some()
    })
    .await;
    assert!(ok, "worktree edit not deployed");
    let live = daemon.flow("demo", "b").await.expect("b");
    assert!(
        live["commit"]
            .as_str()
            .is_some_and(|c| c.starts_with("worktree:")),
        "{live}"
    );
    daemon.stop().await;
}
