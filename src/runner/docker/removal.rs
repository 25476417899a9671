//! Container removal off the task's critical path. Removing a container takes the engine a
//! round trip plus the deletion of its writable layer (~100 ms), which `docker run --rm` waits
//! for and baton does not: a run hands its container here and reports at once. Removal is
//! still guaranteed: retried here, awaited by a stopping worker ([`removals_settled`]), and
//! after a crash swept by label: by the worker's store-judged sweep (`worker::sweep_containers`)
//! for its store's workers' containers, and once old by [`sweep_exited`] for the others.

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

use bollard::Docker;
use bollard::errors::Error as DockerError;
use bollard::query_parameters::{
    InspectContainerOptions, ListContainersOptionsBuilder, RemoveContainerOptionsBuilder,
};
use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::runner::error::RunnerError;
use crate::runner::spec::{DELETE_LABEL, EXECUTION_LABEL, TASKRUN_LABEL};

/// Attempts at removing one container before giving up on it (the worker's periodic sweep
/// takes it then).
const ATTEMPTS: u32 = 3;
/// Pause before the first retry, doubled after each failure.
const FIRST_RETRY: Duration = Duration::from_millis(200);

/// Number of removals started and not yet ended, in this process.
static PENDING: LazyLock<watch::Sender<usize>> = LazyLock::new(|| watch::Sender::new(0));

/// Counts one pending removal for as long as it lives, so an aborted removal task (a runtime
/// shutting down) is not waited for forever.
struct Pending;

impl Pending {
    fn new() -> Pending {
        PENDING.send_modify(|count| *count += 1);
        Pending
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        PENDING.send_modify(|count| *count = count.saturating_sub(1));
    }
}

/// Removes container `id` in a background task of the current runtime (nothing happens
/// outside a runtime: a worker's sweep, at its start and every `container_sweep`, removes it
/// later once its task run has ended). A runtime shut down before the task ends drops it: a
/// caller about to end its runtime awaits [`removals_settled`].
pub(super) fn remove_in_background(docker: Docker, id: String) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let pending = Pending::new();
    runtime.spawn(async move {
        let _pending = pending;
        let mut pause = FIRST_RETRY;
        for attempt in 1..=ATTEMPTS {
            match remove(&docker, &id).await {
                Ok(()) => return,
                Err(error) if attempt == ATTEMPTS => {
                    tracing::warn!(container = %id, %error, "cannot remove a container");
                }
                Err(_) => {
                    tokio::time::sleep(pause).await;
                    pause *= 2;
                }
            }
        }
    });
}

/// Waits until every container removal started in this process has ended.
pub async fn removals_settled() {
    let mut pending = PENDING.subscribe();
    let _ = pending.wait_for(|count| *count == 0).await;
}

/// Removes the container (and its anonymous volumes), whatever its state.
pub(super) async fn remove(docker: &Docker, id: &str) -> Result<(), RunnerError> {
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    match docker.remove_container(id, Some(options)).await {
        Ok(())
        | Err(DockerError::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(()),
        Err(error) => Err(RunnerError::Docker {
            operation: "remove container",
            target: id.to_owned(),
            reason: error.to_string(),
        }),
    }
}

/// Removes baton containers meant to be deleted (`baton.delete=true`) that exited, or were
/// created and never started, at least `min_age` ago: those of a crashed worker. Running ones
/// and younger ones may belong to a live worker sharing the engine, so they are left alone.
/// `execution_id` narrows it to one execution's containers. Returns the ids removed.
pub async fn sweep_exited(
    docker: &Docker,
    min_age: Duration,
    execution_id: Option<&str>,
) -> Result<Vec<String>, RunnerError> {
    let list_error = |error: DockerError| RunnerError::Docker {
        operation: "list containers",
        target: format!("label {TASKRUN_LABEL}"),
        reason: error.to_string(),
    };
    let mut labels = vec![TASKRUN_LABEL.to_owned(), format!("{DELETE_LABEL}=true")];
    if let Some(execution_id) = execution_id {
        labels.push(format!("{EXECUTION_LABEL}={execution_id}"));
    }
    let filters = HashMap::from([
        ("label".to_owned(), labels),
        (
            "status".to_owned(),
            vec!["exited".to_owned(), "created".to_owned(), "dead".to_owned()],
        ),
    ]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    let listed = docker
        .list_containers(Some(options))
        .await
        .map_err(list_error)?;
    let mut removed = Vec::new();
    for id in listed.into_iter().filter_map(|container| container.id) {
        if idle_for(docker, &id)
            .await
            .is_some_and(|idle| idle >= min_age)
        {
            remove(docker, &id).await?;
            removed.push(id);
        }
    }
    Ok(removed)
}

/// How long ago the container stopped (or was created, if it never ran); `None` if unknown.
async fn idle_for(docker: &Docker, id: &str) -> Option<Duration> {
    let inspected = docker
        .inspect_container(id, None::<InspectContainerOptions>)
        .await
        .ok()?;
    let finished = inspected.state.and_then(|state| state.finished_at);
    // The engine writes the zero time for a container that never ran.
    let since = finished
        .filter(|at| !at.starts_with("0001-"))
        .or(inspected.created)?;
    let since: DateTime<Utc> = since.parse().ok()?;
    (Utc::now() - since).to_std().ok().or(Some(Duration::ZERO))
}
