//! Moving files through the engine's archive API, never through host paths: the working
//! directory goes in before the start; after the exit only what can become an output comes
//! back (the output directory, plus the whole working directory when `outputFiles` globs may
//! match anywhere in it).
//!
//! Each archive call costs the engine a mount of the container's filesystem and a tar process
//! (~100 ms on a fuse-overlayfs engine, a third of a whole `docker run`), so both are skipped
//! when they carry nothing: a working directory holding only the empty output directory is
//! not uploaded (the container makes it, see [`Seeding`]), and an output directory whose
//! modification time is still the sentinel it was created with is not downloaded.

use std::path::Path;

use bollard::Docker;
use bollard::query_parameters::{
    DownloadFromContainerOptionsBuilder, UploadToContainerOptionsBuilder,
};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use super::docker_error;
use super::{archive, stat};
use crate::runner::error::RunnerError;
use crate::runner::spec::{CommandSpec, DockerOptions};
use crate::runner::workdir::{OUTPUT_DIR_NAME, container_work_dir};

/// Modification time given to the output directory before the run (1970-01-02T00:00:00Z, a
/// day in so no time zone makes it negative): any entry created in it moves it to "now".
pub(super) const UNTOUCHED_MTIME: i64 = 86_400;
/// Shell line that makes the output directory with the sentinel time, run before the task's
/// own command when nothing is uploaded. `touch -t` is POSIX (GNU and busybox both have it).
const SEED_COMMAND: &str =
    "mkdir -p \"$1\" && touch -t 197001020000 \"$1\" && shift && exec \"$@\"";

/// How the working directory gets into the container, decided from what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Seeding {
    /// Uploaded through the archive API before the start; when false, the engine creates the
    /// working directory (`WorkingDir`) and a shell line creates the output directory before
    /// it execs the task's command.
    pub upload: bool,
    /// The output directory starts empty, so its modification time tells whether the run
    /// wrote to it (a file rewritten in place would not move it).
    pub outputs_empty: bool,
}

/// No upload when the working directory holds only the empty output directory and the task's
/// interpreter is a shell run as the image's (root) user with no entry point of its own: the
/// shell is then known to exist, and the directories the engine makes as root are writable.
pub(super) async fn seeding(
    spec: &CommandSpec,
    options: &DockerOptions,
    work_dir: &Path,
) -> Result<Seeding, RunnerError> {
    let plain = options.user.is_none()
        && options.entry_point.is_none()
        && spec.interpreter.first().is_some_and(|p| is_shell(p));
    let outputs_empty = entry_names(&work_dir.join(OUTPUT_DIR_NAME))
        .await?
        .is_empty();
    let only_outputs = entry_names(work_dir).await? == [OUTPUT_DIR_NAME];
    Ok(Seeding {
        upload: !(plain && outputs_empty && only_outputs),
        outputs_empty,
    })
}

/// The container command when nothing is uploaded: `SHELL -c SEED_COMMAND sh OUTPUT_DIR COMMAND...`.
pub(super) fn seeded_command(shell: &str, output_dir: &str, command: Vec<String>) -> Vec<String> {
    let mut seeded = vec![
        shell.to_owned(),
        "-c".to_owned(),
        SEED_COMMAND.to_owned(),
        "sh".to_owned(),
        output_dir.to_owned(),
    ];
    seeded.extend(command);
    seeded
}

fn is_shell(program: &str) -> bool {
    let name = program.rsplit('/').next().unwrap_or(program);
    matches!(name, "sh" | "bash" | "ash" | "dash" | "ksh" | "zsh")
}

async fn entry_names(dir: &Path) -> Result<Vec<String>, RunnerError> {
    let mut entries = tokio::fs::read_dir(dir)
        .await
        .map_err(RunnerError::io(dir))?;
    let mut names = Vec::new();
    while let Some(entry) = entries.next_entry().await.map_err(RunnerError::io(dir))? {
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    Ok(names)
}

/// Name of the archive downloaded into the working directory, removed once extracted.
const DOWNLOAD_NAME: &str = ".baton-download.tar";

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

/// What to copy back after the exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CopyBack {
    /// The whole working directory: `outputFiles` globs may match anywhere in it.
    WorkDir,
    /// The output directory.
    Outputs,
    /// The output directory if the run created anything in it (it started empty).
    OutputsIfWritten,
}

/// Copies back what the run may have produced (see [`CopyBack`]).
pub(super) async fn copy_back(
    docker: &Docker,
    host: &str,
    id: &str,
    work_dir: &Path,
    what: CopyBack,
) -> Result<(), RunnerError> {
    let container_dir = container_work_dir(work_dir);
    let outputs = format!("{container_dir}/{OUTPUT_DIR_NAME}");
    let (source, target) = match what {
        CopyBack::WorkDir => (container_dir, work_dir.to_path_buf()),
        CopyBack::OutputsIfWritten if !written(docker, host, id, &outputs).await? => {
            return Ok(());
        }
        CopyBack::Outputs | CopyBack::OutputsIfWritten => (outputs, work_dir.join(OUTPUT_DIR_NAME)),
    };
    let archive_path = work_dir.join(DOWNLOAD_NAME);
    download(docker, id, &source, &archive_path).await?;
    let archive = archive_path.clone();
    let unpacked = tokio::task::spawn_blocking(move || archive::unpack(&archive, &target))
        .await
        .map_err(|error| RunnerError::io(&archive_path)(std::io::Error::other(error)));
    let _ = tokio::fs::remove_file(&archive_path).await;
    unpacked?
}

/// True when the output directory's time moved off the sentinel: an entry was created,
/// renamed or removed in it during the run.
async fn written(
    docker: &Docker,
    host: &str,
    id: &str,
    outputs: &str,
) -> Result<bool, RunnerError> {
    let version = docker.client_version();
    let version = format!("{}.{}", version.major_version, version.minor_version);
    let modified = stat::modified(host, &version, id, outputs).await?;
    // Anything in the first year counts as the sentinel, whatever a clock or zone did to it.
    Ok(modified.timestamp() >= UNTOUCHED_MTIME + 365 * 86_400)
}

/// Streams the archive of `source` (in the container) to the file `archive_path`, not memory.
async fn download(
    docker: &Docker,
    id: &str,
    source: &str,
    archive_path: &Path,
) -> Result<(), RunnerError> {
    let options = DownloadFromContainerOptionsBuilder::new()
        .path(source)
        .build();
    let mut chunks = docker.download_from_container(id, Some(options));
    let mut file = tokio::fs::File::create(archive_path)
        .await
        .map_err(RunnerError::io(archive_path))?;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(docker_error("download working directory from", id))?;
        file.write_all(&chunk)
            .await
            .map_err(RunnerError::io(archive_path))?;
    }
    file.flush().await.map_err(RunnerError::io(archive_path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shells_are_known_by_their_file_name() {
        assert!(is_shell("/bin/sh"));
        assert!(is_shell("bash"));
        assert!(is_shell("/usr/local/bin/zsh"));
        assert!(!is_shell("python3"));
        assert!(!is_shell("/bin/shell-tool"));
    }

    #[test]
    fn the_seeded_command_makes_the_output_directory_then_execs_the_task_command() {
        let command = vec!["/bin/sh".to_owned(), "-c".to_owned(), "echo hi".to_owned()];
        let seeded = seeded_command("/bin/sh", "/baton/work/tr-1/outputs", command);
        assert_eq!(seeded[..2], ["/bin/sh", "-c"]);
        assert_eq!(
            seeded[3..],
            ["sh", "/baton/work/tr-1/outputs", "/bin/sh", "-c", "echo hi"]
        );
        assert!(seeded[2].ends_with("shift && exec \"$@\""));
    }
}
