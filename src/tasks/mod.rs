//! What each runnable task does (log, return, sleep, http, kv, jdbc, scripts -> command spec).
//!
//! Worker tasks (scripts, HTTP) enter as an `Invocation` (the task JSON and template context the
//! engine stored with the task run) and leave as a `TaskResult`, with log lines streamed on a
//! channel while they run. Nothing here touches the store: the worker does.

mod docker_engine;
mod error;
pub mod http;
mod invocation;
mod masking;
mod namespace_files;
mod rendering;
mod result;
pub mod script;

pub use docker_engine::DockerEngine;
pub use error::TaskError;
pub use invocation::{Facilities, Invocation, is_worker_task, run_worker_task};
pub use namespace_files::{DirNamespaceFiles, NamespaceFiles, NoNamespaceFiles};
pub use result::{Ending, TaskResult};
