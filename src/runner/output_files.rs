//! Collecting output files after a run: the spec's globs, matched relative to the working
//! directory (never escaping it, never following symlinks), plus every file of the output
//! directory, as Kestra's `outputDir` does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::error::RunnerError;
use super::workdir::{OUTPUT_DIR_NAME, is_contained};

/// Parses the patterns into one glob set, rejecting any that could leave the working directory.
pub(crate) fn check_patterns(patterns: &[String]) -> Result<GlobSet, RunnerError> {
    let mut set = GlobSetBuilder::new();
    for pattern in patterns {
        // Globs use `/` whatever the platform; a `..` segment or a leading `/` leaves the dir.
        let escapes = pattern.starts_with('/') || pattern.split('/').any(|part| part == "..");
        if escapes || !is_contained(pattern) {
            return Err(RunnerError::OutputGlobEscapes {
                pattern: pattern.clone(),
            });
        }
        let glob = GlobBuilder::new(pattern.trim_start_matches("./"))
            .literal_separator(true)
            .build()
            .map_err(|error| RunnerError::OutputGlobInvalid {
                pattern: pattern.clone(),
                reason: error.to_string(),
            })?;
        set.add(glob);
    }
    set.build().map_err(|error| RunnerError::OutputGlobInvalid {
        pattern: patterns.join(", "),
        reason: error.to_string(),
    })
}

/// The files of `work_dir` matching `patterns`, and the files of its output directory.
pub(crate) async fn collect(
    work_dir: &Path,
    patterns: &[String],
) -> Result<BTreeMap<String, PathBuf>, RunnerError> {
    let globs = check_patterns(patterns)?;
    let work_dir = work_dir.to_path_buf();
    tokio::task::spawn_blocking(move || collect_blocking(&work_dir, &globs))
        .await
        .map_err(|error| RunnerError::Io {
            path: PathBuf::new(),
            source: std::io::Error::other(error),
        })?
}

fn collect_blocking(
    work_dir: &Path,
    globs: &GlobSet,
) -> Result<BTreeMap<String, PathBuf>, RunnerError> {
    let mut files = BTreeMap::new();
    for relative in regular_files(work_dir)? {
        let name = slash_path(&relative);
        if let Ok(in_outputs) = relative.strip_prefix(OUTPUT_DIR_NAME) {
            files.insert(slash_path(in_outputs), work_dir.join(&relative));
        }
        if globs.is_match(&name) {
            files.insert(name, work_dir.join(&relative));
        }
    }
    Ok(files)
}

/// Regular files under `root`, relative to it; symlinks are neither followed nor listed.
fn regular_files(root: &Path) -> Result<Vec<PathBuf>, RunnerError> {
    let mut files = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let dir = root.join(&relative);
        for entry in std::fs::read_dir(&dir).map_err(RunnerError::io(&dir))? {
            let entry = entry.map_err(RunnerError::io(&dir))?;
            let kind = entry.file_type().map_err(RunnerError::io(entry.path()))?;
            let child = relative.join(entry.file_name());
            if kind.is_dir() {
                pending.push(child);
            } else if kind.is_file() {
                files.push(child);
            }
        }
    }
    Ok(files)
}

fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_leaving_the_work_dir_are_rejected() {
        for pattern in ["../x", "a/../../b", "/etc/*", "**/../*"] {
            let result = check_patterns(&[pattern.to_owned()]);
            assert!(
                matches!(result, Err(RunnerError::OutputGlobEscapes { .. })),
                "{pattern}"
            );
        }
        assert!(check_patterns(&["*.txt".to_owned(), "out/**/*.csv".to_owned()]).is_ok());
    }
}
