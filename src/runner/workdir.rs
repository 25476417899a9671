//! The working directory of one run: a fresh directory chosen by the caller, with an `outputs`
//! sub-directory (`OUTPUT_DIR`) and the spec's input files. Its paths, as the commands see them,
//! are known before the run so `{{ workingDir }}` and `{{ outputDir }}` can be rendered.

use std::path::{Component, Path, PathBuf};

use super::error::RunnerError;
use super::spec::{CommandSpec, RunnerConfig};

/// Where working directories live inside a container; each run uses `<this>/<work dir name>`.
pub const CONTAINER_WORK_ROOT: &str = "/baton/work";
/// Name of the output sub-directory of a working directory.
pub const OUTPUT_DIR_NAME: &str = "outputs";

/// The working and output directories as the commands see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkPaths {
    /// Value of `WORKING_DIR` (`{{ workingDir }}`).
    pub working_dir: String,
    /// Value of `OUTPUT_DIR` (`{{ outputDir }}`).
    pub output_dir: String,
}

/// The paths a run in `work_dir` will see: host paths for a process, in-container paths
/// (`/baton/work/<name of work_dir>`) for Docker. Call it before rendering the commands.
pub fn work_paths(runner: &RunnerConfig, work_dir: &Path) -> WorkPaths {
    let working_dir = match runner {
        RunnerConfig::Process => work_dir.to_string_lossy().into_owned(),
        RunnerConfig::Docker(_) => container_work_dir(work_dir),
    };
    let output_dir = format!("{working_dir}/{OUTPUT_DIR_NAME}");
    WorkPaths {
        working_dir,
        output_dir,
    }
}

/// The in-container working directory of a run whose host directory is `work_dir`.
pub(crate) fn container_work_dir(work_dir: &Path) -> String {
    let name = work_dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "run".to_owned());
    format!("{CONTAINER_WORK_ROOT}/{name}")
}

/// True when `name` is a non-empty relative path made only of normal components.
pub(crate) fn is_contained(name: &str) -> bool {
    let path = Path::new(name);
    !name.is_empty()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Checks the spec's file names and globs before anything runs.
pub(crate) fn check_spec(spec: &CommandSpec) -> Result<(), RunnerError> {
    if spec.interpreter.is_empty() {
        return Err(RunnerError::EmptyInterpreter);
    }
    if let Some(name) = spec.input_files.keys().find(|name| !is_contained(name)) {
        return Err(RunnerError::InputFileEscapes { name: name.clone() });
    }
    super::output_files::check_patterns(&spec.output_files).map(|_| ())
}

/// Creates the fresh working directory with its `outputs` directory and input files.
pub(crate) async fn prepare(spec: &CommandSpec, work_dir: &Path) -> Result<(), RunnerError> {
    check_spec(spec)?;
    tokio::fs::create_dir_all(work_dir)
        .await
        .map_err(RunnerError::io(work_dir))?;
    let mut entries = tokio::fs::read_dir(work_dir)
        .await
        .map_err(RunnerError::io(work_dir))?;
    if entries
        .next_entry()
        .await
        .map_err(RunnerError::io(work_dir))?
        .is_some()
    {
        return Err(RunnerError::WorkDirNotEmpty {
            path: work_dir.to_path_buf(),
        });
    }
    let outputs = work_dir.join(OUTPUT_DIR_NAME);
    tokio::fs::create_dir_all(&outputs)
        .await
        .map_err(RunnerError::io(&outputs))?;
    for (name, content) in &spec.input_files {
        let path: PathBuf = work_dir.join(name);
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(RunnerError::io(parent))?;
        }
        tokio::fs::write(&path, content)
            .await
            .map_err(RunnerError::io(&path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::spec::DockerOptions;

    #[test]
    fn names_with_parent_or_root_components_are_not_contained() {
        assert!(is_contained("a/b.txt"));
        assert!(!is_contained("../a"));
        assert!(!is_contained("a/../../b"));
        assert!(!is_contained("/etc/passwd"));
        assert!(!is_contained(""));
    }

    #[test]
    fn docker_paths_use_the_work_dir_name_under_the_container_root() {
        let docker = RunnerConfig::Docker(DockerOptions::new("busybox"));
        let paths = work_paths(&docker, Path::new("/data/work/tr-1"));
        assert_eq!(paths.working_dir, "/baton/work/tr-1");
        assert_eq!(paths.output_dir, "/baton/work/tr-1/outputs");
        let local = work_paths(&RunnerConfig::Process, Path::new("/data/work/tr-1"));
        assert_eq!(local.output_dir, "/data/work/tr-1/outputs");
    }
}
