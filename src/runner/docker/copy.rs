//! Moving files through the engine's archive API, never through host paths: the working
//! directory goes in before the start; after the exit only what can become an output comes
//! back (the output directory, plus the whole working directory when `outputFiles` globs may
//! match anywhere in it).
//!
//! An output directory that started empty and whose modification time is still the sentinel
//! it was created with (see `seeding`) is not downloaded: each archive call costs the engine a
//! mount of the container's filesystem and a tar process (~100 ms on fuse-overlayfs).

use std::path::Path;

use bollard::Docker;
use bollard::query_parameters::{
    DownloadFromContainerOptionsBuilder, UploadToContainerOptionsBuilder,
};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use super::docker_error;
use super::seeding::is_untouched;
use super::{archive, stat};
use crate::runner::error::RunnerError;
use crate::runner::workdir::{OUTPUT_DIR_NAME, container_work_dir};

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

/// True when the output directory's time moved off the sentinel (an entry was created,
/// renamed or removed in it during the run), or it is gone and was replaced; false when it
/// does not exist (the run ended before its seeding line made it).
async fn written(
    docker: &Docker,
    host: &str,
    id: &str,
    outputs: &str,
) -> Result<bool, RunnerError> {
    let version = docker.client_version();
    let version = format!("{}.{}", version.major_version, version.minor_version);
    let modified = stat::modified(host, &version, id, outputs).await?;
    Ok(modified.is_some_and(|time| !is_untouched(time)))
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
