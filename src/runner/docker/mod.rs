//! The `docker` runner (bollard): the working directory is copied into a fresh container (no
//! host binds, so a remote `DOCKER_HOST` works), logs are followed while `wait_container` decides
//! when the run is over, then the outputs are copied back and collected, and the container is
//! removed in the background (see `removal`).

mod archive;
mod container;
mod copy;
mod image;
mod orphans;
mod removal;
mod seeding;
mod stat;

use std::path::Path;

use bollard::Docker;
use bollard::errors::Error as DockerError;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::error::RunnerError;
use super::outcome::{CommandOutcome, LogLine};
use super::spec::{CommandSpec, DockerOptions};

pub use orphans::{BatonContainer, deletable_containers, remove_container, remove_orphans};
pub use removal::{removals_settled, sweep_exited};

/// Maps a bollard error to a runner error naming the operation and its target.
pub(super) fn docker_error(
    operation: &'static str,
    target: &str,
) -> impl FnOnce(DockerError) -> RunnerError {
    let target = target.to_owned();
    move |error| RunnerError::Docker {
        operation,
        target,
        reason: error.to_string(),
    }
}

/// Where the Docker client connects: `DOCKER_HOST`, or the default local socket.
pub fn docker_host() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".to_owned())
}

/// Seconds a single engine request may take.
const REQUEST_TIMEOUT_SECONDS: u64 = 120;

/// Connects to the engine named by `DOCKER_HOST` (or the default socket).
pub async fn connect() -> Result<Docker, RunnerError> {
    connect_to(&docker_host()).await
}

/// Connects to the engine at `host` (`unix:///path` or `tcp://host:port`) and agrees on an API
/// version with it, which also proves the engine answers.
pub async fn connect_to(host: &str) -> Result<Docker, RunnerError> {
    let unreachable = |reason: String| RunnerError::DockerUnreachable {
        host: host.to_owned(),
        reason,
    };
    let version = bollard::API_DEFAULT_VERSION;
    let docker = if host.starts_with("unix://") {
        Docker::connect_with_unix(host, REQUEST_TIMEOUT_SECONDS, version)
    } else if host.starts_with("tcp://") || host.starts_with("http://") {
        Docker::connect_with_http(host, REQUEST_TIMEOUT_SECONDS, version)
    } else {
        return Err(unreachable(
            "only unix:// and tcp:// engines are supported".to_owned(),
        ));
    };
    let docker = docker.map_err(|error| unreachable(error.to_string()))?;
    // Older engines refuse bollard's default API version, so the version is negotiated.
    docker
        .negotiate_version()
        .await
        .map_err(|error| unreachable(error.to_string()))
}

/// Runs `spec` in a container described by `options`, connecting to the engine first.
pub async fn run(
    spec: &CommandSpec,
    options: &DockerOptions,
    work_dir: &Path,
    logs: mpsc::Sender<LogLine>,
    cancel: CancellationToken,
) -> Result<CommandOutcome, RunnerError> {
    super::workdir::check_spec(spec)?;
    let docker = connect().await?;
    run_with(
        &docker,
        &docker_host(),
        spec,
        options,
        work_dir,
        logs,
        cancel,
    )
    .await
}

/// Runs `spec` in a container on an already connected engine, found at `host`. The outcome is
/// returned as soon as the outputs are back; the container is then removed in the background
/// (always when the run was stopped, else unless `delete` is false): await
/// [`removals_settled`] before ending the runtime.
pub async fn run_with(
    docker: &Docker,
    host: &str,
    spec: &CommandSpec,
    options: &DockerOptions,
    work_dir: &Path,
    logs: mpsc::Sender<LogLine>,
    cancel: CancellationToken,
) -> Result<CommandOutcome, RunnerError> {
    super::workdir::prepare(spec, work_dir).await?;
    let plan = seeding::plan(spec, options, work_dir).await?;
    // The image's user decides the upload; asked while the container is created, not before.
    let root_user =
        async { plan.seeded && seeding::image_runs_as_root(docker, &options.image).await };
    let (id, root_user) = tokio::join!(
        container::create(docker, spec, options, work_dir, plan),
        root_user
    );
    let id = id?;
    let seeding = plan.with_root_user(root_user);
    // Armed until the run is over, so a run dropped half-way (a worker aborting the task) does
    // not leave its container running on.
    let guard = RemoveOnDrop {
        docker: docker.clone(),
        id: Some(id.clone()),
    };
    let created = container::Created {
        docker,
        host,
        id: &id,
        spec,
        work_dir,
        seeding,
    };
    let result = container::drive(&created, logs, cancel).await;
    let stopped = result
        .as_ref()
        .map_or(true, |outcome| outcome.timed_out || outcome.cancelled);
    if !options.delete && !stopped {
        guard.disarm();
    }
    result
}

/// Hands the container to the background removal when dropped, unless disarmed.
struct RemoveOnDrop {
    docker: Docker,
    id: Option<String>,
}

impl RemoveOnDrop {
    fn disarm(mut self) {
        self.id = None;
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            removal::remove_in_background(self.docker.clone(), id);
        }
    }
}
