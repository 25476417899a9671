//! Why a worker task could not be carried out (as opposed to a command that ran and failed,
//! which is a `TaskResult` with `Ending::Failed`).

use std::path::PathBuf;

/// A failure preparing or running a worker task; the message becomes the task run's error.
#[derive(Debug, thiserror::Error)]
pub enum WorkerTaskError {
    /// The task JSON does not parse as a task.
    #[error("task `{task_id}`: {reason}")]
    Invalid {
        /// The task's id.
        task_id: String,
        /// What was wrong.
        reason: String,
    },
    /// The task type is not one a worker runs.
    #[error("task `{task_id}`: type `{type_name}` is not run by workers")]
    NotWorkerTask {
        /// The task's id.
        task_id: String,
        /// Its type.
        type_name: String,
    },
    /// A property did not render.
    #[error("task `{task_id}`: rendering `{property}`: {reason}")]
    Render {
        /// The task's id.
        task_id: String,
        /// The property (or `task` for the whole task).
        property: String,
        /// The template error.
        reason: String,
    },
    /// A property has a value the task cannot use.
    #[error("task `{task_id}`: property `{property}`: {reason}")]
    Property {
        /// The task's id.
        task_id: String,
        /// The property.
        property: String,
        /// What was wrong.
        reason: String,
    },
    /// The runner could not run the command.
    #[error("task `{task_id}`: {source}")]
    Runner {
        /// The task's id.
        task_id: String,
        /// The runner's error.
        source: crate::runner::RunnerError,
    },
    /// A file could not be read from or written to the file store.
    #[error("task `{task_id}`: {source}")]
    Files {
        /// The task's id.
        task_id: String,
        /// The file store's error.
        source: crate::files::FileError,
    },
    /// A namespace file could not be listed or read.
    #[error("namespace `{namespace}` files: {reason}")]
    NamespaceFiles {
        /// The namespace.
        namespace: String,
        /// What went wrong.
        reason: String,
    },
    /// A local file or directory could not be used.
    #[error("task `{task_id}`: I/O error on {path}: {source}")]
    Io {
        /// The task's id.
        task_id: String,
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An HTTP request failed.
    #[error("task `{task_id}`: {method} {uri}: {reason}")]
    Http {
        /// The task's id.
        task_id: String,
        /// The method.
        method: String,
        /// The URI (credentials stripped).
        uri: String,
        /// What went wrong.
        reason: String,
    },
    /// Another error whose message had secrets masked.
    #[error("{message}")]
    Masked {
        /// The masked message.
        message: String,
    },
}
