//! One container's life: create (labels, limits, hardened; the image pulled only when the
//! engine says it is missing), upload the working directory (if there is anything to upload)
//! while attaching, start, follow logs while waiting for the exit, copy the outputs back (if
//! any were written). Removal is the caller's.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::errors::Error as DockerError;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    AttachContainerOptionsBuilder, CreateContainerOptions, InspectContainerOptions,
    StartContainerOptions, StopContainerOptionsBuilder, WaitContainerOptions,
};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::copy::{self, CopyBack};
use super::seeding::{self, Seeding};
use super::{docker_error, docker_host, image};
use crate::runner::collector::{self, Collected, Stream, StreamLines};
use crate::runner::error::RunnerError;
use crate::runner::outcome::{CommandOutcome, LogLine};
use crate::runner::output_files;
use crate::runner::size::parse_size;
use crate::runner::spec::{CommandSpec, DELETE_LABEL, DockerOptions, PullPolicy, TASKRUN_LABEL};
use crate::runner::workdir::work_paths;

/// Seconds between SIGTERM and SIGKILL when a container is stopped.
const STOP_GRACE_SECONDS: i32 = 2;
/// How long logs may keep arriving once the container has exited.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// Creates the container; returns its id. The create request itself tells whether the image
/// is there (no separate inspect round trip): a missing one is pulled (`IF_NOT_PRESENT`) or
/// reported (`NEVER`); `ALWAYS` pulls first.
pub(super) async fn create(
    docker: &Docker,
    spec: &CommandSpec,
    options: &DockerOptions,
    work_dir: &Path,
    seeding: Seeding,
) -> Result<String, RunnerError> {
    let config = config(spec, options, work_dir, seeding)?;
    if options.pull_policy == PullPolicy::Always {
        image::pull(docker, &options.image).await?;
    }
    let created = match docker
        .create_container(None::<CreateContainerOptions>, config.clone())
        .await
    {
        Err(error) if image::is_missing(&error) => match options.pull_policy {
            PullPolicy::Never => {
                return Err(RunnerError::ImageMissing {
                    image: options.image.clone(),
                    host: docker_host(),
                });
            }
            PullPolicy::IfNotPresent | PullPolicy::Always => {
                image::pull(docker, &options.image).await?;
                docker
                    .create_container(None::<CreateContainerOptions>, config)
                    .await
            }
        },
        other => other,
    };
    Ok(created
        .map_err(docker_error("create container", &options.image))?
        .id)
}

/// The container's configuration: the interpreter and script as command, no privileges, no
/// binds, resource limits and labels from the options.
fn config(
    spec: &CommandSpec,
    options: &DockerOptions,
    work_dir: &Path,
    seeding: Seeding,
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
    labels.insert(DELETE_LABEL.to_owned(), options.delete.to_string());
    let mut cmd = spec.interpreter.clone();
    cmd.push(spec.script());
    if seeding.seeded {
        cmd = seeding::seeded_command(&spec.interpreter[0], &paths.output_dir, cmd);
    }
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

/// A created container and what it runs.
pub(super) struct Created<'a> {
    pub docker: &'a Docker,
    /// Where the engine is, for the requests bollard has no call for.
    pub host: &'a str,
    pub id: &'a str,
    pub spec: &'a CommandSpec,
    pub work_dir: &'a Path,
    pub seeding: Seeding,
}

/// Uploads the working directory, starts the container and sees it through to its outcome
/// (the container is left in place).
pub(super) async fn drive(
    created: &Created<'_>,
    logs: mpsc::Sender<LogLine>,
    cancel: CancellationToken,
) -> Result<CommandOutcome, RunnerError> {
    let &Created {
        docker,
        host,
        id,
        spec,
        work_dir,
        seeding,
    } = created;
    // Attached before the start so no line is missed: a followed `logs` stream can end before
    // the last lines of a fast-exiting container (seen on Docker 20.10), attach does not.
    let options = AttachContainerOptionsBuilder::new()
        .stream(true)
        .stdout(true)
        .stderr(true)
        .build();
    // Both are needed before the start and neither needs the other: one round trip saved.
    let attach = async {
        docker
            .attach_container(id, Some(options))
            .await
            .map_err(docker_error("attach to container", id))
    };
    let upload = async {
        if seeding.upload {
            copy::upload(docker, id, work_dir).await
        } else {
            Ok(())
        }
    };
    let (attached, ()) = tokio::try_join!(attach, upload)?;
    let (sender, collector) = collector::start(logs);
    let follower = tokio::spawn(follow_output(attached.output, sender));
    docker
        .start_container(id, None::<StartContainerOptions>)
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
    let what = if !spec.output_files.is_empty() {
        CopyBack::WorkDir
    } else if seeding.outputs_empty {
        CopyBack::OutputsIfWritten
    } else {
        CopyBack::Outputs
    };
    copy::copy_back(docker, host, id, work_dir, what).await?;
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
