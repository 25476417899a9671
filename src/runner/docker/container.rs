//! One container's life: create (working directory uploaded, labels, limits, hardened), start,
//! follow logs while waiting for the exit, copy the working directory back, remove.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::errors::Error as DockerError;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, DownloadFromContainerOptionsBuilder, InspectContainerOptions,
    RemoveContainerOptionsBuilder, StopContainerOptionsBuilder, UploadToContainerOptionsBuilder,
    WaitContainerOptions,
};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::archive;
use crate::runner::collector::{self, Collected, Stream, StreamLines};
use crate::runner::error::RunnerError;
use crate::runner::outcome::{CommandOutcome, LogLine};
use crate::runner::output_files;
use crate::runner::size::parse_size;
use crate::runner::spec::{CommandSpec, DockerOptions, TASKRUN_LABEL};
use crate::runner::workdir::{container_work_dir, work_paths};

/// Seconds between SIGTERM and SIGKILL when a container is stopped.
const STOP_GRACE_SECONDS: i32 = 2;
/// How long logs may keep arriving once the container has exited.
const DRAIN_GRACE: Duration = Duration::from_secs(5);
/// Name of the archive downloaded into the working directory, removed once extracted.
const DOWNLOAD_NAME: &str = ".baton-download.tar";

fn docker_error(operation: &'static str, target: &str) -> impl FnOnce(DockerError) -> RunnerError {
    let target = target.to_owned();
    move |error| RunnerError::Docker {
        operation,
        target,
        reason: error.to_string(),
    }
}

/// Creates the container; returns its id.
pub(super) async fn create(
    docker: &Docker,
    spec: &CommandSpec,
    options: &DockerOptions,
    work_dir: &Path,
) -> Result<String, RunnerError> {
    let config = config(spec, options, work_dir)?;
    let created = docker
        .create_container(
            None::<bollard::query_parameters::CreateContainerOptions>,
            config,
        )
        .await
        .map_err(docker_error("create container", &options.image))?;
    Ok(created.id)
}

/// Copies the host working directory into the created container.
pub(super) async fn upload(docker: &Docker, id: &str, work_dir: &Path) -> Result<(), RunnerError> {
    let container_dir = container_work_dir(work_dir);
    let source = work_dir.to_path_buf();
    let tar = tokio::task::spawn_blocking(move || archive::pack(&source, &container_dir))
        .await
        .map_err(|error| RunnerError::io(work_dir)(std::io::Error::other(error)))??;
    let options = UploadToContainerOptionsBuilder::new().path("/").build();
    docker
        .upload_to_container(id, Some(options), bollard::body_full(tar.into()))
        .await
        .map_err(docker_error("upload working directory to", id))
}

/// The container's configuration: the interpreter and script as command, no privileges, no
/// binds, resource limits and labels from the options.
fn config(
    spec: &CommandSpec,
    options: &DockerOptions,
    work_dir: &Path,
) -> Result<ContainerCreateBody, RunnerError> {
    let paths = work_paths(&spec.runner, work_dir);
    let mut env: Vec<String> = spec
        .env
        .iter()
        .chain(&options.env)
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    env.push(format!("WORKING_DIR={}", paths.working_dir));
    env.push(format!("OUTPUT_DIR={}", paths.output_dir));
    let mut labels: HashMap<String, String> = options.labels.clone().into_iter().collect();
    // Orphan clean-up finds baton's containers by this label, so it is always there.
    labels.entry(TASKRUN_LABEL.to_owned()).or_insert_with(|| {
        work_dir
            .file_name()
            .map_or_else(String::new, |name| name.to_string_lossy().into_owned())
    });
    let mut cmd = spec.interpreter.clone();
    cmd.push(spec.script());
    let host_config = HostConfig {
        nano_cpus: options.cpus.map(|cpus| (cpus * 1e9) as i64),
        memory: options
            .memory
            .as_deref()
            .map(|m| parse_size("memory", m))
            .transpose()?,
        shm_size: options
            .shm_size
            .as_deref()
            .map(|s| parse_size("shm_size", s))
            .transpose()?,
        network_mode: options.network_mode.clone(),
        security_opt: Some(vec!["no-new-privileges".to_owned()]),
        privileged: Some(false),
        auto_remove: Some(false),
        ..Default::default()
    };
    Ok(ContainerCreateBody {
        image: Some(options.image.clone()),
        cmd: Some(cmd),
        // Like Kestra, no entry point by default: the interpreter is what runs.
        entrypoint: Some(
            options
                .entry_point
                .clone()
                .unwrap_or_else(|| vec![String::new()]),
        ),
        env: Some(env),
        working_dir: Some(paths.working_dir),
        user: options.user.clone(),
        labels: Some(labels),
        tty: Some(false),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        host_config: Some(host_config),
        ..Default::default()
    })
}

/// Starts the container and sees it through to its outcome (the container is left in place).
pub(super) async fn drive(
    docker: &Docker,
    id: &str,
    spec: &CommandSpec,
    work_dir: &Path,
    logs: mpsc::Sender<LogLine>,
    cancel: CancellationToken,
) -> Result<CommandOutcome, RunnerError> {
    // Attached before the start so no line is missed: a followed `logs` stream can end before
    // the last lines of a fast-exiting container (seen on Docker 20.10), attach does not.
    let options = AttachContainerOptionsBuilder::new()
        .stream(true)
        .stdout(true)
        .stderr(true)
        .build();
    let attached = docker
        .attach_container(id, Some(options))
        .await
        .map_err(docker_error("attach to container", id))?;
    let (sender, collector) = collector::start(logs);
    let follower = tokio::spawn(follow_output(attached.output, sender));
    docker
        .start_container(id, None::<bollard::query_parameters::StartContainerOptions>)
        .await
        .map_err(docker_error("start container", id))?;

    let deadline = async {
        match spec.timeout {
            Some(limit) => tokio::time::sleep(limit).await,
            None => std::future::pending().await,
        }
    };
    let (mut timed_out, mut cancelled) = (false, false);
    let exit_code = tokio::select! {
        code = wait_exit(docker, id) => code?,
        () = deadline => { timed_out = true; stop(docker, id).await? }
        () = cancel.cancelled() => { cancelled = true; stop(docker, id).await? }
    };
    // The log stream usually ends with the container, but it is never what decides the end.
    let abort = follower.abort_handle();
    if tokio::time::timeout(DRAIN_GRACE, follower).await.is_err() {
        abort.abort();
    }
    let Collected {
        vars,
        metrics,
        stderr_seen,
    } = collector.await.unwrap_or_default();
    copy_back(docker, id, work_dir).await?;
    let output_files = output_files::collect(work_dir, &spec.output_files).await?;
    Ok(CommandOutcome {
        exit_code,
        vars,
        metrics,
        output_files,
        timed_out,
        cancelled,
        stderr_seen,
    })
}

/// The exit code from `wait_container`; bollard reports a non-zero exit as an error value.
async fn wait_exit(docker: &Docker, id: &str) -> Result<i32, RunnerError> {
    let mut waits = docker.wait_container(id, None::<WaitContainerOptions>);
    match waits.next().await {
        Some(Ok(response)) => Ok(response.status_code as i32),
        Some(Err(DockerError::DockerContainerWaitError { code, .. })) => Ok(code as i32),
        Some(Err(error)) => Err(docker_error("wait for container", id)(error)),
        None => exit_code_of(docker, id).await,
    }
}

/// Stops a running container (SIGTERM, SIGKILL after a grace) and returns its exit code.
async fn stop(docker: &Docker, id: &str) -> Result<i32, RunnerError> {
    let options = StopContainerOptionsBuilder::new()
        .t(STOP_GRACE_SECONDS)
        .build();
    match docker.stop_container(id, Some(options)).await {
        // 304: it had already stopped on its own.
        Ok(())
        | Err(DockerError::DockerResponseServerError {
            status_code: 304, ..
        }) => {}
        Err(error) => return Err(docker_error("stop container", id)(error)),
    }
    exit_code_of(docker, id).await
}

async fn exit_code_of(docker: &Docker, id: &str) -> Result<i32, RunnerError> {
    let inspected = docker
        .inspect_container(id, None::<InspectContainerOptions>)
        .await
        .map_err(docker_error("inspect container", id))?;
    let code = inspected
        .state
        .and_then(|state| state.exit_code)
        .unwrap_or(-1);
    Ok(code as i32)
}

/// Splits the attached output into stdout and stderr lines until the stream ends.
async fn follow_output(
    mut output: std::pin::Pin<
        Box<dyn futures::Stream<Item = Result<LogOutput, DockerError>> + Send>,
    >,
    sender: mpsc::Sender<(Stream, String)>,
) {
    let mut stdout = StreamLines::new(Stream::Stdout);
    let mut stderr = StreamLines::new(Stream::Stderr);
    while let Some(Ok(chunk)) = output.next().await {
        match chunk {
            LogOutput::StdErr { message } => stderr.push(&message, &sender).await,
            LogOutput::StdOut { message } | LogOutput::Console { message } => {
                stdout.push(&message, &sender).await;
            }
            LogOutput::StdIn { .. } => {}
        }
    }
    stdout.finish(&sender).await;
    stderr.finish(&sender).await;
}

/// Downloads the container's working directory into the host one (outputs written there by
/// the commands), streaming the archive to disk rather than memory.
async fn copy_back(docker: &Docker, id: &str, work_dir: &Path) -> Result<(), RunnerError> {
    let options = DownloadFromContainerOptionsBuilder::new()
        .path(&container_work_dir(work_dir))
        .build();
    let mut chunks = docker.download_from_container(id, Some(options));
    let archive_path = work_dir.join(DOWNLOAD_NAME);
    let mut file = tokio::fs::File::create(&archive_path)
        .await
        .map_err(RunnerError::io(&archive_path))?;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(docker_error("download working directory from", id))?;
        file.write_all(&chunk)
            .await
            .map_err(RunnerError::io(&archive_path))?;
    }
    file.flush().await.map_err(RunnerError::io(&archive_path))?;
    drop(file);
    let (archive, target) = (archive_path.clone(), work_dir.to_path_buf());
    let unpacked = tokio::task::spawn_blocking(move || archive::unpack(&archive, &target))
        .await
        .map_err(|error| RunnerError::io(&archive_path)(std::io::Error::other(error)));
    let _ = tokio::fs::remove_file(&archive_path).await;
    unpacked?
}

/// Removes the container (and its anonymous volumes), whatever its state.
pub(super) async fn remove(docker: &Docker, id: &str) -> Result<(), RunnerError> {
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    match docker.remove_container(id, Some(options)).await {
        Ok(())
        | Err(DockerError::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(()),
        Err(error) => Err(docker_error("remove container", id)(error)),
    }
}
