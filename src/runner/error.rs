//! Why a run could not be carried out (as opposed to a command that ran and failed).

use std::path::PathBuf;

/// A failure of the runner itself; a non-zero exit code is not one of these.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The spec has no interpreter to start.
    #[error("the command spec has an empty interpreter")]
    EmptyInterpreter,
    /// An input file name is absolute, empty or contains `..`.
    #[error("input file name {name:?} must be a relative path without `..`")]
    InputFileEscapes {
        /// The rejected name.
        name: String,
    },
    /// An output glob is absolute or contains `..`.
    #[error(
        "output file pattern {pattern:?} must be relative to the working directory, without `..`"
    )]
    OutputGlobEscapes {
        /// The rejected pattern.
        pattern: String,
    },
    /// An output glob does not parse.
    #[error("output file pattern {pattern:?} is not a valid glob: {reason}")]
    OutputGlobInvalid {
        /// The rejected pattern.
        pattern: String,
        /// What the glob parser said.
        reason: String,
    },
    /// The working directory already holds files: each run needs a fresh one.
    #[error("working directory {path} is not empty; each run needs a fresh directory")]
    WorkDirNotEmpty {
        /// The directory.
        path: PathBuf,
    },
    /// A memory or shm size does not parse.
    #[error("{field} {value:?} is not a size like `512MB`, `1g` or a number of bytes")]
    InvalidSize {
        /// `memory` or `shm_size`.
        field: &'static str,
        /// The rejected value.
        value: String,
    },
    /// The interpreter could not be started.
    #[error("cannot start {program:?} in {work_dir}: {source}")]
    Spawn {
        /// The program of the interpreter.
        program: String,
        /// The working directory.
        work_dir: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file of the working directory could not be read or written.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The Docker engine does not answer.
    #[error(
        "Docker engine at {host} is unreachable (set DOCKER_HOST or start the daemon): {reason}"
    )]
    DockerUnreachable {
        /// `DOCKER_HOST` or the default socket.
        host: String,
        /// What the client said.
        reason: String,
    },
    /// The image is missing and the pull policy forbids pulling it.
    #[error(
        "image {image:?} is not present on the Docker engine at {host} and the pull policy is NEVER"
    )]
    ImageMissing {
        /// The image reference.
        image: String,
        /// `DOCKER_HOST` or the default socket.
        host: String,
    },
    /// Pulling the image failed.
    #[error("cannot pull image {image:?}: {reason}")]
    PullFailed {
        /// The image reference.
        image: String,
        /// What the engine said.
        reason: String,
    },
    /// Any other Docker engine call failed.
    #[error("Docker {operation} failed for {target}: {reason}")]
    Docker {
        /// The call, e.g. `create container`.
        operation: &'static str,
        /// The image or container concerned.
        target: String,
        /// What the engine said.
        reason: String,
    },
}

impl RunnerError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}
