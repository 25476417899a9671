//! The `process` runner: the script runs as a local child in its own process group, with a
//! cleared environment. A timeout or a cancel terminates the whole group (SIGTERM, then SIGKILL
//! after a grace), so background grandchildren die with it.

use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::collector::{self, Stream, StreamLines};
use super::error::RunnerError;
use super::outcome::{CommandOutcome, LogLine};
use super::output_files;
use super::spec::{CommandSpec, RunnerConfig};
use super::workdir::{self, work_paths};

/// Time between SIGTERM and SIGKILL when a run is stopped.
pub const KILL_GRACE: Duration = Duration::from_secs(2);
/// How long the output readers may keep going once the process group is gone.
const DRAIN_GRACE: Duration = Duration::from_secs(5);
/// Host variables passed through; everything else of the host environment stays out.
const HOST_VARIABLES: [&str; 3] = ["PATH", "HOME", "LANG"];

/// How the wait for the child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Exited,
    TimedOut,
    Cancelled,
}

/// Runs `spec` as a local process in the fresh directory `work_dir`.
pub async fn run(
    spec: &CommandSpec,
    work_dir: &Path,
    logs: mpsc::Sender<LogLine>,
    cancel: CancellationToken,
) -> Result<CommandOutcome, RunnerError> {
    workdir::prepare(spec, work_dir).await?;
    let mut child = spawn(spec, work_dir)?;
    let group = child
        .id()
        .map(|pid| ProcessGroup(Pid::from_raw(pid as i32)));
    let (sender, collector) = collector::start(logs);
    let readers = [
        tokio::spawn(read_stream(
            child.stdout.take(),
            Stream::Stdout,
            sender.clone(),
        )),
        tokio::spawn(read_stream(child.stderr.take(), Stream::Stderr, sender)),
    ];

    let (status, ending) = wait(&mut child, group.as_ref(), spec.timeout, &cancel).await;
    let status = status.map_err(RunnerError::io(work_dir))?;
    // Whatever the script left running in the background ends with it.
    if let Some(group) = &group {
        group.signal(Signal::SIGKILL);
    }
    for reader in readers {
        let abort = reader.abort_handle();
        if tokio::time::timeout(DRAIN_GRACE, reader).await.is_err() {
            abort.abort();
        }
    }
    let collected = collector.await.unwrap_or_default();
    let output_files = output_files::collect(work_dir, &spec.output_files).await?;
    Ok(CommandOutcome {
        exit_code: exit_code(status),
        vars: collected.vars,
        metrics: collected.metrics,
        output_files,
        timed_out: ending == Ending::TimedOut,
        cancelled: ending == Ending::Cancelled,
        stderr_seen: collected.stderr_seen,
    })
}

fn spawn(spec: &CommandSpec, work_dir: &Path) -> Result<Child, RunnerError> {
    let paths = work_paths(&RunnerConfig::Process, work_dir);
    let (program, arguments) = spec
        .interpreter
        .split_first()
        .ok_or(RunnerError::EmptyInterpreter)?;
    let mut command = Command::new(program);
    command
        .args(arguments)
        .arg(spec.script())
        .current_dir(work_dir)
        .env_clear()
        .envs(
            HOST_VARIABLES
                .iter()
                .filter_map(|name| Some((*name, std::env::var(name).ok()?))),
        )
        .envs(&spec.env)
        .env("WORKING_DIR", &paths.working_dir)
        .env("OUTPUT_DIR", &paths.output_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    command.spawn().map_err(|source| RunnerError::Spawn {
        program: program.clone(),
        work_dir: work_dir.to_path_buf(),
        source,
    })
}

/// Waits for the child to exit, stopping its group on timeout or cancel.
async fn wait(
    child: &mut Child,
    group: Option<&ProcessGroup>,
    timeout: Option<Duration>,
    cancel: &CancellationToken,
) -> (std::io::Result<ExitStatus>, Ending) {
    let deadline = async {
        match timeout {
            Some(limit) => tokio::time::sleep(limit).await,
            None => std::future::pending().await,
        }
    };
    let ending = tokio::select! {
        status = child.wait() => return (status, Ending::Exited),
        () = deadline => Ending::TimedOut,
        () = cancel.cancelled() => Ending::Cancelled,
    };
    if let Some(group) = group {
        group.signal(Signal::SIGTERM);
    }
    if let Ok(status) = tokio::time::timeout(KILL_GRACE, child.wait()).await {
        return (status, ending);
    }
    if let Some(group) = group {
        group.signal(Signal::SIGKILL);
    }
    (child.wait().await, ending)
}

async fn read_stream(
    stream: Option<impl AsyncRead + Unpin>,
    kind: Stream,
    sender: mpsc::Sender<(Stream, String)>,
) {
    let Some(mut stream) = stream else { return };
    let mut lines = StreamLines::new(kind);
    let mut buffer = vec![0_u8; 64 * 1024];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => lines.push(&buffer[..read], &sender).await,
        }
    }
    lines.finish(&sender).await;
}

/// Exit code, or 128 + signal number like a shell reports a killed command.
fn exit_code(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .unwrap_or(-1)
}

/// The process group the child leads (it was started with `process_group(0)`).
#[derive(Debug)]
struct ProcessGroup(Pid);

impl ProcessGroup {
    /// Signals every process of the group; a group already gone is fine.
    fn signal(&self, signal: Signal) {
        let _ = killpg(self.0, signal);
    }
}

impl Drop for ProcessGroup {
    /// A run dropped half-way (its future aborted) must not leave processes behind.
    fn drop(&mut self) {
        self.signal(Signal::SIGKILL);
    }
}
