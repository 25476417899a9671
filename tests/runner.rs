//! The runner capability: command specs run as local processes and in Docker containers, with
//! logs streamed, Kestra's output protocol applied and output files collected.

mod container_sweep;
mod docker;
mod docker_cleanup;
mod docker_seeding;
mod process;

use std::path::{Path, PathBuf};

use baton::runner::{self, CommandOutcome, CommandSpec, LogLine, RunnerError};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A spec running `commands` with every other field at its default.
pub fn spec(commands: &[&str]) -> CommandSpec {
    CommandSpec {
        commands: commands.iter().map(|c| (*c).to_owned()).collect(),
        ..CommandSpec::default()
    }
}

/// The result of one run and every log line it sent.
pub struct Ran {
    pub result: Result<CommandOutcome, RunnerError>,
    pub logs: Vec<LogLine>,
    pub work_dir: PathBuf,
    _temp: tempfile::TempDir,
}

impl Ran {
    /// The outcome, failing the test with the runner's error if there was one.
    pub fn outcome(&self) -> &CommandOutcome {
        match &self.result {
            Ok(outcome) => outcome,
            Err(error) => panic!("run failed: {error}"),
        }
    }

    /// Messages of the log lines, in order.
    pub fn messages(&self) -> Vec<&str> {
        self.logs.iter().map(|line| line.message.as_str()).collect()
    }
}

/// Runs `spec` in a fresh `<temp>/work/tr-1` directory and collects its log lines.
pub async fn run(spec: &CommandSpec, cancel: CancellationToken) -> Ran {
    let temp = tempfile::tempdir().expect("temp dir");
    let work_dir = temp.path().join("work").join("tr-1");
    let (sender, mut receiver) = mpsc::channel(64);
    let drain = tokio::spawn(async move {
        let mut lines = Vec::new();
        while let Some(line) = receiver.recv().await {
            lines.push(line);
        }
        lines
    });
    let result = runner::run(spec, &work_dir, sender, cancel).await;
    let logs = drain.await.expect("log drain");
    // A container is removed in the background, on this test's runtime, which ends with it.
    runner::docker::removals_settled().await;
    Ran {
        result,
        logs,
        work_dir,
        _temp: temp,
    }
}

/// Content of a collected output file.
pub fn output_content(outcome: &CommandOutcome, name: &str) -> String {
    let path: &Path = outcome
        .output_files
        .get(name)
        .unwrap_or_else(|| panic!("no output file {name}: {:?}", outcome.output_files));
    std::fs::read_to_string(path).expect("read output file")
}
