//! What to run: the command spec a caller (the `tasks` module) hands to the runner, free of any
//! engine type so a worker on another machine can build it from a task run alone.

use std::collections::BTreeMap;
use std::time::Duration;

/// One command run: the script, its files, its environment and where it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandSpec {
    /// Program and leading arguments; the joined script is passed as the last argument.
    pub interpreter: Vec<String>,
    /// Commands joined with newlines into one script.
    pub commands: Vec<String>,
    /// Commands run before `commands`, in the same script.
    pub before_commands: Vec<String>,
    /// Prefix the script with `set -e` so the first failing command ends it.
    pub fail_fast: bool,
    /// Environment variables visible to the commands (nothing else of the host's leaks in).
    pub env: BTreeMap<String, String>,
    /// Files written into the working directory before start: relative name -> content.
    pub input_files: BTreeMap<String, Vec<u8>>,
    /// Glob patterns, relative to the working directory, of files collected after exit.
    pub output_files: Vec<String>,
    /// Wall-clock limit; the run is killed when it is reached.
    pub timeout: Option<Duration>,
    /// Carried for the caller: a run that wrote to stderr should end in WARNING.
    pub warning_on_stderr: bool,
    /// Where the commands run.
    pub runner: RunnerConfig,
}

impl Default for CommandSpec {
    fn default() -> Self {
        Self {
            interpreter: vec!["/bin/sh".to_owned(), "-c".to_owned()],
            commands: Vec::new(),
            before_commands: Vec::new(),
            fail_fast: true,
            env: BTreeMap::new(),
            input_files: BTreeMap::new(),
            output_files: Vec::new(),
            timeout: None,
            warning_on_stderr: false,
            runner: RunnerConfig::Process,
        }
    }
}

impl CommandSpec {
    /// The script given to the interpreter: `set -e` (when failing fast), then the before
    /// commands, then the commands, one per line.
    pub fn script(&self) -> String {
        let mut lines: Vec<&str> = Vec::new();
        if self.fail_fast {
            lines.push("set -e");
        }
        lines.extend(self.before_commands.iter().map(String::as_str));
        lines.extend(self.commands.iter().map(String::as_str));
        let mut script = lines.join("\n");
        script.push('\n');
        script
    }
}

/// The runner a command spec runs on.
#[derive(Debug, Clone, PartialEq, Default)]
#[expect(
    clippy::large_enum_variant,
    reason = "one per run; boxing would only burden callers"
)]
pub enum RunnerConfig {
    /// A local child process in its own process group.
    #[default]
    Process,
    /// A Docker container, reached through `DOCKER_HOST` or the local socket.
    Docker(DockerOptions),
}

/// When to pull the image of a Docker run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PullPolicy {
    /// Pull only when the engine does not have the image.
    #[default]
    IfNotPresent,
    /// Pull before every run.
    Always,
    /// Never pull; a missing image is an error.
    Never,
}

/// Options of a Docker run (Kestra's `taskRunner: io.kestra.plugin.scripts.runner.docker.Docker`).
#[derive(Debug, Clone, PartialEq)]
pub struct DockerOptions {
    /// Image reference, e.g. `python:3.12-slim`.
    pub image: String,
    /// When to pull the image.
    pub pull_policy: PullPolicy,
    /// CPU limit in cores (fractions allowed).
    pub cpus: Option<f64>,
    /// Memory limit, Docker style: `512MB`, `1g`, `268435456`.
    pub memory: Option<String>,
    /// Network mode, e.g. `bridge`, `none`, `host`.
    pub network_mode: Option<String>,
    /// User the commands run as inside the container.
    pub user: Option<String>,
    /// Entry point of the container; `None` clears the image's one, as Kestra does, so the
    /// interpreter is what runs.
    pub entry_point: Option<Vec<String>>,
    /// Size of `/dev/shm`, Docker style like `memory`.
    pub shm_size: Option<String>,
    /// Remove the container after the run.
    pub delete: bool,
    /// Extra environment variables for the container.
    pub env: BTreeMap<String, String>,
    /// Labels set on the container, e.g. `baton.execution` and `baton.taskrun`.
    pub labels: BTreeMap<String, String>,
}

impl DockerOptions {
    /// Options for `image` with Kestra's defaults.
    pub fn new(image: impl Into<String>) -> Self {
        Self {
            image: image.into(),
            pull_policy: PullPolicy::IfNotPresent,
            cpus: None,
            memory: None,
            network_mode: None,
            user: None,
            entry_point: None,
            shm_size: None,
            delete: true,
            env: BTreeMap::new(),
            labels: BTreeMap::new(),
        }
    }
}

/// Label carrying the execution id of a baton container.
pub const EXECUTION_LABEL: &str = "baton.execution";
/// Label carrying the task run id of a baton container; its presence marks baton containers.
pub const TASKRUN_LABEL: &str = "baton.taskrun";
/// Label saying whether a baton container is to be removed after its run (`true`/`false`), so
/// the start-up sweep never removes one a flow asked to keep (`delete: false`).
pub const DELETE_LABEL: &str = "baton.delete";
/// Label carrying the id of the worker that started a baton container: its container sweep
/// judges those of its store's workers by the store (task run state and lease).
pub const WORKER_LABEL: &str = "baton.worker";
