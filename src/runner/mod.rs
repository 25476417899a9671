//! Running a command spec on the `process` or `docker` runner; log streaming and Kestra's
//! `::{json}::` output protocol.
//!
//! Data enters as a [`CommandSpec`] plus a fresh working directory chosen by the caller (e.g.
//! `<data>/work/<task run id>`), and leaves as [`LogLine`]s on a channel while the command runs
//! and a [`CommandOutcome`] once it has ended. Nothing here knows about flows or executions; the
//! caller keeps the working directory (output files point into it) and removes it when done.
//!
//! A worker calls [`work_paths`] to render `{{ workingDir }}`/`{{ outputDir }}` into the
//! commands, then [`run`] while draining the log channel (a full channel slows the command
//! down, it never drops lines), then stores `outcome.output_files` and deletes the directory.
//! A worker sweeps the containers of crashed workers ([`docker::deletable_containers`]).

mod collector;
pub mod docker;
mod error;
pub mod lines;
mod outcome;
mod output_files;
pub mod process;
pub mod protocol;
mod size;
mod spec;
mod workdir;

/// Output-file collection, shared with the engine's `LocalFiles` and `WorkingDirectory`.
pub(crate) use output_files::collect as collect_output_files;

use std::path::Path;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use error::RunnerError;
pub use outcome::{CommandOutcome, Level, LogLine, Metric};
pub use spec::{
    CommandSpec, DELETE_LABEL, DockerOptions, EXECUTION_LABEL, PullPolicy, RunnerConfig,
    TASKRUN_LABEL, WORKER_LABEL,
};
pub use workdir::{CONTAINER_WORK_ROOT, OUTPUT_DIR_NAME, WorkPaths, work_paths};

/// Runs `spec` in the fresh directory `work_dir` on the runner it names, sending log lines to
/// `logs` as they come; `cancel` stops it. A non-zero exit is an outcome, not an error.
pub async fn run(
    spec: &CommandSpec,
    work_dir: &Path,
    logs: mpsc::Sender<LogLine>,
    cancel: CancellationToken,
) -> Result<CommandOutcome, RunnerError> {
    match &spec.runner {
        RunnerConfig::Process => process::run(spec, work_dir, logs, cancel).await,
        RunnerConfig::Docker(options) => docker::run(spec, options, work_dir, logs, cancel).await,
    }
}
