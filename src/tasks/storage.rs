//! `io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles` on a worker: deletes every file the
//! running execution stored so far (downloads, script output files, query results) and outputs
//! their URIs as `uris`, as Kestra does. Later tasks of the execution may still store new files.

use serde_json::{Map, Value};

use super::error::WorkerTaskError;
use super::invocation::{Facilities, Invocation};
use super::result::{Ending, TaskResult};

/// Purges the files of the invocation's execution.
pub(crate) async fn purge_current_execution_files(
    invocation: &Invocation,
    facilities: &Facilities,
) -> Result<TaskResult, WorkerTaskError> {
    let key = &invocation.key;
    let files_error = |source| WorkerTaskError::Files {
        task_id: key.task_id.clone(),
        source,
    };
    let uris = facilities
        .files
        .execution_files(&key.namespace, &key.flow_id, &key.execution_id)
        .await
        .map_err(files_error)?;
    facilities
        .files
        .delete_execution(&key.namespace, &key.flow_id, &key.execution_id)
        .await
        .map_err(files_error)?;
    let mut outputs = Map::new();
    outputs.insert(
        "uris".to_owned(),
        Value::Array(uris.into_iter().map(Value::String).collect()),
    );
    Ok(TaskResult {
        ending: Ending::Success,
        outputs,
        message: None,
    })
}
