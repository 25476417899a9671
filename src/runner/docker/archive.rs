//! Tar archives moving the working directory into a container and back, so no host path is
//! ever mounted. Extraction refuses anything that could land outside the working directory.

use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Component, Path, PathBuf};

use super::seeding::UNTOUCHED_MTIME;
use crate::runner::error::RunnerError;
use crate::runner::workdir::OUTPUT_DIR_NAME;

/// Builds a tar of `work_dir`'s files placed at `container_dir` (absolute, e.g.
/// `/baton/work/tr-1`), to be uploaded at `/`. Everything is world-writable so a non-root
/// `user` can write its outputs.
pub(super) fn pack(work_dir: &Path, container_dir: &str) -> Result<Vec<u8>, RunnerError> {
    let mut builder = tar::Builder::new(Vec::new());
    let root = PathBuf::from(container_dir.trim_start_matches('/'));
    // Parents first, so the engine creates them with our modes.
    let mut prefix = PathBuf::new();
    for part in root.components() {
        prefix.push(part);
        append_dir(&mut builder, &prefix, mtime_now())?;
    }
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let dir = work_dir.join(&relative);
        for entry in std::fs::read_dir(&dir).map_err(RunnerError::io(&dir))? {
            let entry = entry.map_err(RunnerError::io(&dir))?;
            let kind = entry.file_type().map_err(RunnerError::io(entry.path()))?;
            let child = relative.join(entry.file_name());
            if kind.is_dir() {
                // The output directory carries the sentinel time that tells, after the run,
                // whether anything was written to it (see `copy`).
                let mtime = if child.as_os_str() == OUTPUT_DIR_NAME {
                    UNTOUCHED_MTIME as u64
                } else {
                    mtime_now()
                };
                append_dir(&mut builder, &root.join(&child), mtime)?;
                pending.push(child);
            } else if kind.is_file() {
                append_file(&mut builder, &entry.path(), &root.join(&child))?;
            }
        }
    }
    builder.into_inner().map_err(RunnerError::io(work_dir))
}

fn append_dir(
    builder: &mut tar::Builder<Vec<u8>>,
    path: &Path,
    mtime: u64,
) -> Result<(), RunnerError> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Directory);
    header.set_mode(0o777);
    header.set_size(0);
    header.set_mtime(mtime);
    builder
        .append_data(&mut header, path, std::io::empty())
        .map_err(RunnerError::io(path))
}

fn append_file(
    builder: &mut tar::Builder<Vec<u8>>,
    source: &Path,
    path: &Path,
) -> Result<(), RunnerError> {
    let file = File::open(source).map_err(RunnerError::io(source))?;
    let length = file.metadata().map_err(RunnerError::io(source))?.len();
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_mode(0o666);
    header.set_size(length);
    header.set_mtime(mtime_now());
    builder
        .append_data(&mut header, path, BufReader::new(file))
        .map_err(RunnerError::io(source))
}

fn mtime_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Extracts a tar downloaded from the container into `work_dir`, dropping the archive's
/// top-level directory. Links, devices and paths with `..` or a root are skipped.
pub(super) fn unpack(archive: &Path, work_dir: &Path) -> Result<(), RunnerError> {
    let file = File::open(archive).map_err(RunnerError::io(archive))?;
    let mut reader = tar::Archive::new(BufReader::new(file));
    for entry in reader.entries().map_err(RunnerError::io(archive))? {
        let mut entry = entry.map_err(RunnerError::io(archive))?;
        let path = entry.path().map_err(RunnerError::io(archive))?.into_owned();
        let Some(relative) = below_top_level(&path) else {
            continue;
        };
        let target = work_dir.join(&relative);
        match entry.header().entry_type() {
            tar::EntryType::Directory => {
                std::fs::create_dir_all(&target).map_err(RunnerError::io(&target))?;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(RunnerError::io(parent))?;
                }
                let mut out = File::create(&target).map_err(RunnerError::io(&target))?;
                std::io::copy(&mut entry, &mut out).map_err(RunnerError::io(&target))?;
                out.flush().map_err(RunnerError::io(&target))?;
            }
            // Symlinks and hard links could point anywhere on the host: never recreated.
            _ => {}
        }
    }
    Ok(())
}

/// The entry path without its first component, if what remains is a plain relative path.
fn below_top_level(path: &Path) -> Option<PathBuf> {
    let mut components = path.components();
    components.next()?;
    let rest: PathBuf = components.collect();
    let plain = rest.components().all(|c| matches!(c, Component::Normal(_)));
    (plain && !rest.as_os_str().is_empty()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_escaping_the_work_dir_are_skipped() {
        assert_eq!(
            below_top_level(Path::new("tr-1/outputs/a.txt")),
            Some(PathBuf::from("outputs/a.txt"))
        );
        assert_eq!(below_top_level(Path::new("tr-1")), None);
        assert_eq!(below_top_level(Path::new("tr-1/../../etc/passwd")), None);
    }
}
