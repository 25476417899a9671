//! The `docker` runner (bollard): the working directory is copied into a fresh container (no
//! host binds, so a remote `DOCKER_HOST` works), logs are followed while `wait_container` decides
//! when the run is over, then the working directory is copied back and output files collected.

mod archive;
mod container;
mod image;
mod orphans;

use std::path::Path;

use bollard::Docker;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::error::RunnerError;
use super::outcome::{CommandOutcome, LogLine};
use super::spec::{CommandSpec, DockerOptions};

pub use orphans::remove_orphans;

/// Where the Docker client connects: `DOCKER_HOST`, or the default local socket.
pub fn docker_host() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".to_owned())
}

/// Connects to the engine (honouring `DOCKER_HOST`) and agrees on an API version with it.
pub async fn connect() -> Result<Docker, RunnerError> {
    let unreachable = |error: bollard::errors::Error| RunnerError::DockerUnreachable {
        host: docker_host(),
        reason: error.to_string(),
    };
    let docker = Docker::connect_with_local_defaults().map_err(unreachable)?;
    // Older engines refuse bollard's default API version; negotiating also proves the engine answers.
    docker.negotiate_version().await.map_err(unreachable)
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
    run_with(&docker, spec, options, work_dir, logs, cancel).await
}

/// Runs `spec` in a container on an already connected engine.
pub async fn run_with(
    docker: &Docker,
    spec: &CommandSpec,
    options: &DockerOptions,
    work_dir: &Path,
    logs: mpsc::Sender<LogLine>,
    cancel: CancellationToken,
) -> Result<CommandOutcome, RunnerError> {
    super::workdir::prepare(spec, work_dir).await?;
    image::ensure(docker, &options.image, options.pull_policy).await?;
    let id = container::create(docker, spec, options, work_dir).await?;
    let result = container::drive(docker, &id, spec, work_dir, logs, cancel).await;
    let stopped = result
        .as_ref()
        .map_or(true, |outcome| outcome.timed_out || outcome.cancelled);
    if options.delete || stopped {
        let removed = container::remove(docker, &id).await;
        // A failed run reports its own error; a removal failure only surfaces on success.
        if let (Ok(_), Err(error)) = (&result, removed) {
            return Err(error);
        }
    }
    result
}
