//! Crash recovery: containers labelled `baton.taskrun` that no worker is watching any more.

use std::collections::HashMap;

use bollard::Docker;
use bollard::query_parameters::ListContainersOptionsBuilder;

use super::removal::remove;
use crate::runner::error::RunnerError;
use crate::runner::spec::{EXECUTION_LABEL, TASKRUN_LABEL};

/// Removes every baton container (running or not), or only those of `execution_id`; returns
/// the ids removed. Call it when a worker starts, before it claims work.
pub async fn remove_orphans(
    docker: &Docker,
    execution_id: Option<&str>,
) -> Result<Vec<String>, RunnerError> {
    let mut labels = vec![TASKRUN_LABEL.to_owned()];
    if let Some(execution_id) = execution_id {
        labels.push(format!("{EXECUTION_LABEL}={execution_id}"));
    }
    let filters = HashMap::from([("label".to_owned(), labels)]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    let containers = docker
        .list_containers(Some(options))
        .await
        .map_err(|error| RunnerError::Docker {
            operation: "list containers",
            target: format!("label {TASKRUN_LABEL}"),
            reason: error.to_string(),
        })?;
    let mut removed = Vec::new();
    for id in containers.into_iter().filter_map(|container| container.id) {
        remove(docker, &id).await?;
        removed.push(id);
    }
    Ok(removed)
}
