//! What each runnable task does. The engine runs the light core tasks inline through
//! `execute`; a worker (in this or another process) calls the same entry point for the rest.
//!
//! Data enters as a `TaskContext` (the task, a render context, services for the key-value store
//! and logs) and leaves as a `TaskOutcome` (state, outputs, log lines, and the few effects the
//! engine applies itself: labels, exit, sleep).
//!
//! Worker tasks (scripts, HTTP) enter as an `Invocation` (the task JSON and template context the
//! engine stored with the task run) and leave as a `TaskResult` through `run_worker_task`, with
//! log lines streamed on a channel while they run. Nothing here touches the store.

mod context;
mod control;
mod database;
mod docker_engine;
mod error;
mod fetch;
pub mod http;
mod invocation;
pub mod jdbc;
mod kv;
mod log;
mod masking;
mod namespace_files;
mod output;
mod rendering;
mod result;
pub mod script;
mod storage;

pub use context::{LogLine, TaskContext, TaskError, TaskOutcome, TaskServices, Verdict};
pub use control::truthy as truthy_value;
pub use docker_engine::DockerEngine;
pub use error::WorkerTaskError;
pub use invocation::{Facilities, Invocation, is_worker_task, run_worker_task};
pub use namespace_files::{DirNamespaceFiles, NamespaceFiles, NoNamespaceFiles};
pub use result::{Ending, TaskResult};

use crate::spec::TaskKind;

/// True for the task types the engine runs itself; the others go to workers.
pub fn is_inline(kind: &TaskKind) -> bool {
    use TaskKind as K;
    matches!(
        kind,
        K::Log(_)
            | K::Echo(_)
            | K::Return(_)
            | K::Sleep(_)
            | K::OutputValues(_)
            | K::Labels(_)
            | K::KvSet(_)
            | K::KvGet(_)
            | K::KvDelete(_)
            | K::StateSet(_)
            | K::StateGet(_)
            | K::StateDelete(_)
            | K::LogFetch(_)
            | K::Fail(_)
            | K::Exit(_)
            | K::Resume(_)
            | K::Toggle(_)
            | K::LocalFiles(_)
    )
}

/// True for the inline tasks with no effect outside their execution (no key-value write, no
/// file): running one again after a crash is harmless.
pub fn is_pure(kind: &TaskKind) -> bool {
    use TaskKind as K;
    matches!(
        kind,
        K::Log(_)
            | K::Echo(_)
            | K::Return(_)
            | K::Sleep(_)
            | K::OutputValues(_)
            | K::Labels(_)
            | K::Fail(_)
            | K::Exit(_)
    )
}

/// Runs one attempt of a runnable task.
pub async fn execute(ctx: &TaskContext<'_>) -> Result<TaskOutcome, TaskError> {
    use TaskKind as K;
    match &ctx.task.kind {
        K::Log(t) => log::log(ctx, t),
        K::Echo(t) => log::echo(ctx, t),
        K::Return(t) => output::return_value(ctx, t),
        K::OutputValues(t) => output::output_values(ctx, t),
        K::Sleep(t) => control::sleep(ctx, t),
        K::Fail(t) => control::fail(ctx, t),
        K::Exit(t) => control::exit(ctx, t),
        K::Labels(t) => control::labels(ctx, t),
        K::KvSet(t) => kv::set(ctx, t).await,
        K::KvGet(t) => kv::get(ctx, t).await,
        K::KvDelete(t) => kv::delete(ctx, t).await,
        K::StateSet(t) => kv::state_set(ctx, t).await,
        K::StateGet(t) => kv::state_get(ctx, t).await,
        K::StateDelete(t) => kv::state_delete(ctx, t).await,
        K::LogFetch(t) => fetch::fetch(ctx, t).await,
        _ => Err(TaskError::Unsupported {
            task: ctx.task.id.clone(),
            type_name: ctx.task.type_name.to_string(),
        }),
    }
}
