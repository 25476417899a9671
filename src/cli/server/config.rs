//! The daemon's configuration: one struct, loaded from `baton.toml` (or `--config`), then
//! `BATON_*` environment variables, then flags, each later source winning.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

/// Flags of `baton server`; every one can also come from `BATON_<NAME>` or `baton.toml`.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// The repository: a local path or a Git URL (https://, ssh://, file://, git@...).
    #[arg(long, env = "BATON_REPO")]
    pub repo: Option<String>,
    /// The branch to deploy.
    #[arg(long, env = "BATON_BRANCH")]
    pub branch: Option<String>,
    /// How often to fetch (`30s`, `5m`, `250ms`, or ISO 8601 `PT30S`).
    #[arg(long, env = "BATON_POLL_INTERVAL")]
    pub poll_interval: Option<String>,
    /// The store URL.
    #[arg(long, env = "BATON_DATABASE")]
    pub database: Option<String>,
    /// The HTTP address.
    #[arg(long, env = "BATON_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Where remote mirrors and execution files live.
    #[arg(long, env = "BATON_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Deploy the working tree of a local repository as it is edited (dev loop).
    #[arg(long, env = "BATON_FOLLOW_WORKTREE")]
    pub follow_worktree: bool,
    /// Deploy only namespaces matching this glob (`company.prod.**`).
    #[arg(long, env = "BATON_NAMESPACE_FILTER")]
    pub namespace_filter: Option<String>,
    /// Never remove flows whose files were removed.
    #[arg(long, env = "BATON_NO_PRUNE")]
    pub no_prune: bool,
    /// Allow a revision without any flow to prune every flow.
    #[arg(long, env = "BATON_ALLOW_EMPTY")]
    pub allow_empty: bool,
    /// The shared secret of push webhooks (GitHub HMAC key, GitLab token).
    #[arg(long, env = "BATON_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,
    /// A token for fetching an HTTPS remote.
    #[arg(long, env = "BATON_GIT_TOKEN", hide_env_values = true)]
    pub git_token: Option<String>,
    /// Run no worker in this process: task runs are left to `baton worker` processes.
    #[arg(long, env = "BATON_NO_WORKER")]
    pub no_worker: bool,
    /// Task runs the in-process worker executes at once (default: the number of cores).
    #[arg(long, env = "BATON_WORKER_THREADS")]
    pub worker_threads: Option<usize>,
    /// Read access to the status page and read API: `none` (default), `basic:USER:PASS` or
    /// `bearer:TOKEN`.
    #[arg(long, env = "BATON_AUTH", hide_env_values = true)]
    pub auth: Option<String>,
    /// The bearer token write endpoints require (without one, they are refused).
    #[arg(long, env = "BATON_API_TOKEN", hide_env_values = true)]
    pub api_token: Option<String>,
    /// The daemon's own log lines: `text` (default) or `json`.
    #[arg(long, env = "BATON_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// How long the leader lease (scheduler and sync) lasts unrenewed (`6s`): with several
    /// daemons on one database, a dead leader is replaced within about this long.
    #[arg(long, env = "BATON_LEADER_LEASE")]
    pub leader_lease: Option<String>,
    /// The configuration file (default: ./baton.toml when it exists).
    #[arg(long, env = "BATON_CONFIG")]
    pub config: Option<PathBuf>,
}

/// `baton.toml`: the same settings, snake_case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    repo: Option<String>,
    branch: Option<String>,
    poll_interval: Option<String>,
    database: Option<String>,
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    follow_worktree: Option<bool>,
    namespace_filter: Option<String>,
    no_prune: Option<bool>,
    allow_empty: Option<bool>,
    webhook_secret: Option<String>,
    git_token: Option<String>,
    no_worker: Option<bool>,
    worker_threads: Option<usize>,
    auth: Option<String>,
    api_token: Option<String>,
    leader_lease: Option<String>,
}

/// Everything the daemon needs, resolved.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub repo: String,
    pub branch: String,
    pub poll_interval: Duration,
    pub database: String,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub follow_worktree: bool,
    pub namespace_filter: Option<String>,
    pub prune: bool,
    pub allow_empty: bool,
    pub webhook_secret: Option<String>,
    pub git_token: Option<String>,
    /// How long running work may take to finish after a shutdown signal.
    pub grace_period: Duration,
    /// Whether this process runs a worker.
    pub worker: bool,
    /// The in-process worker's concurrency (None: the number of cores).
    pub worker_threads: Option<usize>,
    /// Who may read the pages and API, and the token for writes.
    pub access: crate::web::api::access::Access,
    /// The leader lease's time to live.
    pub leader_lease: Duration,
}

impl ServerConfig {
    /// Defaults for a repository (tests and embedding).
    pub fn for_repo(repo: impl Into<String>) -> ServerConfig {
        ServerConfig {
            repo: repo.into(),
            branch: "main".to_string(),
            poll_interval: Duration::from_secs(30),
            database: "sqlite://baton.db".to_string(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("baton-data"),
            follow_worktree: false,
            namespace_filter: None,
            prune: true,
            leader_lease: crate::trigger::DEFAULT_LEASE_TTL,
            allow_empty: false,
            webhook_secret: None,
            git_token: None,
            grace_period: Duration::from_secs(10),
            worker: true,
            worker_threads: None,
            access: crate::web::api::access::Access::default(),
        }
    }

    /// File, then environment and flags (clap has already put the environment under flags).
    pub fn load(args: Args) -> anyhow::Result<ServerConfig> {
        let file = read_file(args.config.as_deref())?;
        let repo = args
            .repo
            .or(file.repo)
            .context("no repository: pass --repo, set BATON_REPO or `repo` in baton.toml")?;
        let mut config = ServerConfig::for_repo(repo);
        if let Some(b) = args.branch.or(file.branch) {
            config.branch = b;
        }
        if let Some(p) = args.poll_interval.or(file.poll_interval) {
            config.poll_interval = parse_interval(&p)?;
        }
        if let Some(d) = args.database.or(file.database) {
            config.database = d;
        }
        if let Some(l) = args.listen.or(file.listen) {
            config.listen = l;
        }
        if let Some(d) = args.data_dir.or(file.data_dir) {
            config.data_dir = d;
        }
        config.follow_worktree = args.follow_worktree || file.follow_worktree.unwrap_or(false);
        config.namespace_filter = args.namespace_filter.or(file.namespace_filter);
        config.prune = !(args.no_prune || file.no_prune.unwrap_or(false));
        config.allow_empty = args.allow_empty || file.allow_empty.unwrap_or(false);
        config.webhook_secret = args.webhook_secret.or(file.webhook_secret);
        config.git_token = args.git_token.or(file.git_token);
        config.worker = !(args.no_worker || file.no_worker.unwrap_or(false));
        config.worker_threads = args.worker_threads.or(file.worker_threads);
        if let Some(auth) = args.auth.or(file.auth) {
            config.access.read = crate::web::api::access::ReadAccess::parse(&auth)
                .map_err(|e| anyhow::anyhow!("--auth: {e}"))?;
        }
        if let Some(l) = args.leader_lease.or(file.leader_lease) {
            config.leader_lease = parse_interval(&l)?.max(std::time::Duration::from_millis(300));
        }
        config.access.api_token = args.api_token.or(file.api_token).filter(|t| !t.is_empty());
        Ok(config)
    }
}

fn read_file(path: Option<&Path>) -> anyhow::Result<FileConfig> {
    let (path, required) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from("baton.toml"), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(FileConfig::default());
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// `250ms`, `30s`, `5m`, `1h`, or ISO 8601 (`PT30S`).
pub fn parse_interval(text: &str) -> anyhow::Result<Duration> {
    let t = text.trim();
    if t.starts_with('P') {
        let d = crate::spec::Duration::parse(t).map_err(|e| anyhow::anyhow!("{e}"))?;
        return Ok(d.as_std());
    }
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: u64 = number
        .parse()
        .with_context(|| format!("invalid interval `{text}`"))?;
    Ok(match unit {
        "ms" => Duration::from_millis(n),
        "s" | "" => Duration::from_secs(n),
        "m" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        _ => anyhow::bail!("invalid interval `{text}` (use ms, s, m or h)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_parse_in_both_forms() {
        assert_eq!(
            parse_interval("250ms").ok(),
            Some(Duration::from_millis(250))
        );
        assert_eq!(parse_interval("30s").ok(), Some(Duration::from_secs(30)));
        assert_eq!(parse_interval("5m").ok(), Some(Duration::from_secs(300)));
        assert_eq!(parse_interval("PT1M").ok(), Some(Duration::from_secs(60)));
        assert!(parse_interval("soon").is_err());
    }

    #[test]
    fn flags_win_over_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("baton.toml");
        std::fs::write(
            &path,
            "repo = \"/srv/flows\"\nbranch = \"prod\"\npoll_interval = \"10s\"\n",
        )
        .expect("write");
        let args = Args {
            config: Some(path),
            branch: Some("main".into()),
            ..Args::default()
        };
        let config = ServerConfig::load(args).expect("config");
        assert_eq!(config.repo, "/srv/flows");
        assert_eq!(config.branch, "main");
        assert_eq!(config.poll_interval, Duration::from_secs(10));
    }
}

#[cfg(test)]
mod access_tests {
    use super::*;
    use crate::web::api::access::ReadAccess;

    #[test]
    fn auth_and_api_token_flags_set_the_access_policy() {
        let args = Args {
            repo: Some(".".into()),
            auth: Some("basic:ops:s3cret".into()),
            api_token: Some("t0k".into()),
            config: Some(PathBuf::from("/nonexistent/baton.toml")),
            ..Args::default()
        };
        // An explicit --config that does not exist is an error; without it, flags alone load.
        assert!(ServerConfig::load(args).is_err());
        let args = Args {
            repo: Some(".".into()),
            auth: Some("basic:ops:s3cret".into()),
            api_token: Some("t0k".into()),
            ..Args::default()
        };
        let config = ServerConfig::load(args).expect("config");
        assert!(matches!(config.access.read, ReadAccess::Basic { ref user, .. } if user == "ops"));
        assert_eq!(config.access.api_token.as_deref(), Some("t0k"));
        let bad = Args {
            repo: Some(".".into()),
            auth: Some("digest:x".into()),
            ..Args::default()
        };
        assert!(ServerConfig::load(bad).is_err());
    }
}
