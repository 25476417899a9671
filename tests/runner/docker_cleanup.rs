//! Container clean-up of the Docker runner against the real engine: the run reports before its
//! container is removed, the removal still happens, a missing image is pulled from the create
//! answer, and the start-up sweep removes exited containers of a crashed worker by label.

use std::collections::HashMap;
use std::time::Duration;

use baton::runner::{
    self, DELETE_LABEL, PullPolicy, RunnerConfig, RunnerError, TASKRUN_LABEL, docker,
};
use bollard::Docker;
use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{
    CreateContainerOptions, StartContainerOptions, WaitContainerOptions,
};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::docker::{IMAGE, containers_of, engine, in_busybox, removed_soon};
use super::run;

#[tokio::test]
async fn docker_removal_happens_after_the_outcome_and_settles() {
    let Some(engine) = engine().await else { return };
    let (spec, execution) = in_busybox(&["echo done"]);
    let ran = run(&spec, CancellationToken::new()).await;
    assert_eq!(ran.outcome().exit_code, 0);
    assert_eq!(ran.messages(), ["done"]);
    tokio::time::timeout(Duration::from_secs(30), docker::removals_settled())
        .await
        .expect("removals settle");
    assert!(
        containers_of(&engine, &execution).await.is_empty(),
        "removed once the removals have settled"
    );
}

#[tokio::test]
async fn docker_missing_image_if_not_present_fails_the_pull_naming_the_image() {
    let Some(engine) = engine().await else { return };
    let (mut spec, execution) = in_busybox(&["true"]);
    // A registry on a closed local port: the pull fails at once, no network needed.
    let image = "127.0.0.1:9/baton-test-no-such-image:1";
    if let RunnerConfig::Docker(options) = &mut spec.runner {
        options.image = image.to_owned();
        options.pull_policy = PullPolicy::IfNotPresent;
    }
    let error = run(&spec, CancellationToken::new())
        .await
        .result
        .expect_err("pull fails");
    assert!(matches!(error, RunnerError::PullFailed { .. }), "{error}");
    assert!(error.to_string().contains(image), "{error}");
    assert!(containers_of(&engine, &execution).await.is_empty());
}

/// A container labelled as baton's, as a crashed worker would leave it; started and waited
/// for when `command` is short, left running otherwise.
async fn crashed_workers_container(
    engine: &Docker,
    execution: &str,
    delete: bool,
    command: &str,
) -> String {
    let labels = HashMap::from([
        (TASKRUN_LABEL.to_owned(), format!("tr-{execution}")),
        (runner::EXECUTION_LABEL.to_owned(), execution.to_owned()),
        (DELETE_LABEL.to_owned(), delete.to_string()),
    ]);
    let body = ContainerCreateBody {
        image: Some(IMAGE.to_owned()),
        cmd: Some(vec!["/bin/sh".into(), "-c".into(), command.into()]),
        labels: Some(labels),
        ..Default::default()
    };
    let id = engine
        .create_container(None::<CreateContainerOptions>, body)
        .await
        .expect("create")
        .id;
    engine
        .start_container(&id, None::<StartContainerOptions>)
        .await
        .expect("start");
    if command == "true" {
        let _ = engine
            .wait_container(&id, None::<WaitContainerOptions>)
            .next()
            .await;
    }
    id
}

#[tokio::test]
async fn docker_sweep_removes_exited_containers_but_not_kept_running_or_young_ones() {
    let Some(engine) = engine().await else { return };
    let execution = uuid::Uuid::new_v4().to_string();
    let exited = crashed_workers_container(&engine, &execution, true, "true").await;
    let kept = crashed_workers_container(&engine, &execution, false, "true").await;
    let running = crashed_workers_container(&engine, &execution, true, "sleep 60").await;
    let young = docker::sweep_exited(&engine, Duration::from_secs(3600), Some(&execution))
        .await
        .expect("sweep");
    assert!(young.is_empty(), "too young to be an orphan: {young:?}");
    let removed = docker::sweep_exited(&engine, Duration::ZERO, Some(&execution))
        .await
        .expect("sweep");
    assert_eq!(removed, [exited]);
    let mut left = containers_of(&engine, &execution).await;
    left.sort();
    let mut expected = vec![kept, running];
    expected.sort();
    assert_eq!(left, expected);
    docker::remove_orphans(&engine, Some(&execution))
        .await
        .expect("remove the rest");
    removed_soon(&engine, &execution, "clean-up").await;
}
