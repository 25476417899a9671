//! Crash recovery: containers labelled `baton.taskrun` that no worker is watching any more.
//! Which of them are orphans is the worker's call (it asks its store); this lists them and
//! removes them.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::{ContainerSummary, ContainerSummaryStateEnum as State};
use bollard::query_parameters::ListContainersOptionsBuilder;

use super::removal::remove;
use crate::runner::error::RunnerError;
use crate::runner::spec::{DELETE_LABEL, EXECUTION_LABEL, TASKRUN_LABEL, WORKER_LABEL};

/// A baton container meant to be removed after its run (`baton.delete=true`), as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatonContainer {
    /// The engine's container id.
    pub id: String,
    /// Its `baton.taskrun` label.
    pub task_run_id: String,
    /// Its `baton.worker` label: the worker that started it (`None` for a container started
    /// outside a worker, or by a baton without the label).
    pub worker_id: Option<String>,
    /// True while it runs (or is paused or restarting): removing it stops it.
    pub running: bool,
}

/// Every container (any state) labelled `baton.taskrun` and `baton.delete=true`: one list call.
pub async fn deletable_containers(docker: &Docker) -> Result<Vec<BatonContainer>, RunnerError> {
    let labels = vec![TASKRUN_LABEL.to_owned(), format!("{DELETE_LABEL}=true")];
    let listed = list(docker, labels).await?;
    Ok(listed
        .into_iter()
        .filter_map(|summary| {
            let mut labels = summary.labels.unwrap_or_default();
            let running = matches!(
                summary.state,
                Some(State::RUNNING | State::PAUSED | State::RESTARTING)
            );
            Some(BatonContainer {
                id: summary.id?,
                task_run_id: labels.remove(TASKRUN_LABEL)?,
                worker_id: labels.remove(WORKER_LABEL),
                running,
            })
        })
        .collect())
}

/// Removes (stopping it first if it runs) the container `id`; a missing one is no error.
pub async fn remove_container(docker: &Docker, id: &str) -> Result<(), RunnerError> {
    remove(docker, id).await
}

/// Removes every baton container (running or not, `delete: false` too), or only those of
/// `execution_id`; returns the ids removed. Baton itself never calls it (its workers use the
/// store-judged `worker::sweep_containers`): it is the unconditional clean-up of an execution,
/// kept for the tests, which must also remove what the sweep rightly leaves alone
/// (`delete: false` containers, containers of workers no store knows).
pub async fn remove_orphans(
    docker: &Docker,
    execution_id: Option<&str>,
) -> Result<Vec<String>, RunnerError> {
    let mut labels = vec![TASKRUN_LABEL.to_owned()];
    if let Some(execution_id) = execution_id {
        labels.push(format!("{EXECUTION_LABEL}={execution_id}"));
    }
    let mut removed = Vec::new();
    for id in list(docker, labels).await?.into_iter().filter_map(|c| c.id) {
        remove(docker, &id).await?;
        removed.push(id);
    }
    Ok(removed)
}

/// The containers (any state) carrying all of `labels` (`key` or `key=value`).
async fn list(docker: &Docker, labels: Vec<String>) -> Result<Vec<ContainerSummary>, RunnerError> {
    let filters = HashMap::from([("label".to_owned(), labels)]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    docker
        .list_containers(Some(options))
        .await
        .map_err(|error| RunnerError::Docker {
            operation: "list containers",
            target: format!("label {TASKRUN_LABEL}"),
            reason: error.to_string(),
        })
}
