//! The Docker runner against the real engine, with the locally built `baton-test-busybox`
//! image (tests/images/build.sh). Skipped, with the reason printed, only when no engine answers.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use baton::runner::{
    self, CommandSpec, DockerOptions, PullPolicy, RunnerConfig, RunnerError, docker,
};
use bollard::Docker;
use bollard::query_parameters::{InspectContainerOptions, ListContainersOptionsBuilder};
use tokio_util::sync::CancellationToken;

use super::{output_content, run, spec};

pub(super) const IMAGE: &str = "baton-test-busybox:latest";

/// Builds the test image once per test process; the error says why it could not be built.
fn test_image() -> &'static Result<(), String> {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/images/build.sh");
        let output = std::process::Command::new("sh")
            .arg(script)
            .output()
            .map_err(|e| format!("{script}: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    })
}

/// The engine, or `None` (after printing why) when no engine is reachable.
pub(super) async fn engine() -> Option<Docker> {
    let docker = match docker::connect().await {
        Ok(docker) => docker,
        Err(error) => {
            eprintln!("skipped: {error}");
            return None;
        }
    };
    if let Err(reason) = test_image() {
        panic!("the Docker engine answers but {IMAGE} could not be built: {reason}");
    }
    Some(docker)
}

pub(super) fn in_busybox(commands: &[&str]) -> (CommandSpec, String) {
    let execution = uuid::Uuid::new_v4().to_string();
    let mut options = DockerOptions::new(IMAGE);
    options.pull_policy = PullPolicy::Never;
    options.labels = BTreeMap::from([
        (runner::EXECUTION_LABEL.to_owned(), execution.clone()),
        (runner::TASKRUN_LABEL.to_owned(), format!("tr-{execution}")),
    ]);
    (
        CommandSpec {
            runner: RunnerConfig::Docker(options),
            ..spec(commands)
        },
        execution,
    )
}

pub(super) async fn containers_of(docker: &Docker, execution: &str) -> Vec<String> {
    let filters = HashMap::from([(
        "label".to_owned(),
        vec![format!("{}={execution}", runner::EXECUTION_LABEL)],
    )]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    let containers = docker
        .list_containers(Some(options))
        .await
        .expect("list containers");
    containers.into_iter().filter_map(|c| c.id).collect()
}

/// Waits for the background removal of the containers of `execution` (the outcome is reported
/// before it ends); fails with `what` if they are still there after 20 s.
pub(super) async fn removed_soon(docker: &Docker, execution: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !containers_of(docker, execution).await.is_empty() {
        assert!(Instant::now() < deadline, "{what}: still there after 20 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn docker_run_logs_stdout_and_stderr_and_reports_the_exit_code() {
    let Some(engine) = engine().await else { return };
    let (spec, execution) = in_busybox(&["echo hello", "echo oops >&2", "exit 3"]);
    let ran = run(&spec, CancellationToken::new()).await;
    let outcome = ran.outcome();
    assert_eq!(outcome.exit_code, 3);
    assert!(outcome.stderr_seen);
    assert!(
        ran.logs
            .iter()
            .any(|l| l.message == "hello" && l.level == runner::Level::Info)
    );
    assert!(
        ran.logs
            .iter()
            .any(|l| l.message == "oops" && l.level == runner::Level::Warn)
    );
    removed_soon(&engine, &execution, "container removed after the run").await;
}

#[tokio::test]
async fn docker_env_and_work_paths_are_the_in_container_ones() {
    let Some(_engine) = engine().await else {
        return;
    };
    let (mut spec, _) =
        in_busybox(&["echo \"$WORKING_DIR|$OUTPUT_DIR|$(pwd)|$FROM_SPEC|$FROM_DOCKER\""]);
    spec.env.insert("FROM_SPEC".to_owned(), "s".to_owned());
    if let RunnerConfig::Docker(options) = &mut spec.runner {
        options.env.insert("FROM_DOCKER".to_owned(), "d".to_owned());
    }
    let ran = run(&spec, CancellationToken::new()).await;
    let paths = runner::work_paths(&spec.runner, &ran.work_dir);
    assert_eq!(paths.working_dir, "/baton/work/tr-1");
    let expected = format!("{0}|{1}|{0}|s|d", paths.working_dir, paths.output_dir);
    assert_eq!(ran.messages(), [expected.as_str()]);
}

#[tokio::test]
async fn docker_input_files_go_in_and_output_files_come_back() {
    let Some(_engine) = engine().await else {
        return;
    };
    let (mut spec, _) = in_busybox(&[
        "cat in.txt > \"$OUTPUT_DIR/copy.txt\"",
        "echo 1,2 > result.csv",
        "echo no > skip.log",
    ]);
    spec.input_files
        .insert("in.txt".to_owned(), b"from host\n".to_vec());
    spec.output_files = vec!["*.csv".to_owned()];
    let ran = run(&spec, CancellationToken::new()).await;
    let outcome = ran.outcome();
    assert_eq!(outcome.exit_code, 0, "{:?}", ran.messages());
    let names: Vec<&str> = outcome.output_files.keys().map(String::as_str).collect();
    assert_eq!(names, ["copy.txt", "result.csv"]);
    assert_eq!(output_content(outcome, "copy.txt"), "from host\n");
    assert_eq!(output_content(outcome, "result.csv"), "1,2\n");
    assert!(outcome.output_files["copy.txt"].starts_with(&ran.work_dir));
}

#[tokio::test]
async fn docker_non_root_user_can_write_outputs() {
    let Some(_engine) = engine().await else {
        return;
    };
    let (mut spec, _) = in_busybox(&["id -u", "echo mine > \"$OUTPUT_DIR/user.txt\""]);
    if let RunnerConfig::Docker(options) = &mut spec.runner {
        options.user = Some("65534".to_owned());
    }
    let ran = run(&spec, CancellationToken::new()).await;
    assert_eq!(ran.outcome().exit_code, 0, "{:?}", ran.messages());
    assert_eq!(ran.messages(), ["65534"]);
    assert_eq!(output_content(ran.outcome(), "user.txt"), "mine\n");
}

#[tokio::test]
async fn docker_protocol_outputs_and_metrics_are_collected() {
    let Some(_engine) = engine().await else {
        return;
    };
    let (spec, _) = in_busybox(&[
        r#"echo '::{"outputs":{"answer":42}}::'"#,
        r#"echo '::{"metrics":[{"name":"t","type":"timer","value":1.5,"tags":{}}]}::' >&2"#,
    ]);
    let ran = run(&spec, CancellationToken::new()).await;
    let outcome = ran.outcome();
    assert_eq!(outcome.vars.get("answer"), Some(&serde_json::json!(42)));
    assert_eq!(outcome.metrics.first().map(|m| m.value), Some(1.5));
    assert!(
        ran.logs.is_empty(),
        "protocol lines are not logged: {:?}",
        ran.messages()
    );
}

#[tokio::test]
async fn docker_labels_and_hardening_are_present_during_the_run() {
    let Some(engine) = engine().await else { return };
    let (mut spec, execution) = in_busybox(&["sleep 3"]);
    if let RunnerConfig::Docker(options) = &mut spec.runner {
        options.memory = Some("64MB".to_owned());
        options.cpus = Some(0.5);
    }
    let running = tokio::spawn(async move {
        run(&spec, CancellationToken::new())
            .await
            .result
            .map(|o| o.exit_code)
    });
    // Listed right after create, a container can still answer 404 to inspect: poll until running.
    let deadline = Instant::now() + Duration::from_secs(20);
    let inspected = loop {
        if let Some(id) = containers_of(&engine, &execution).await.into_iter().next() {
            match engine
                .inspect_container(&id, None::<InspectContainerOptions>)
                .await
            {
                Ok(inspected) if inspected.state.as_ref().and_then(|s| s.running) == Some(true) => {
                    break inspected;
                }
                _ => {}
            }
        }
        assert!(Instant::now() < deadline, "container never ran");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let labels = inspected.config.and_then(|c| c.labels).unwrap_or_default();
    assert_eq!(labels.get(runner::EXECUTION_LABEL), Some(&execution));
    assert_eq!(
        labels.get(runner::TASKRUN_LABEL),
        Some(&format!("tr-{execution}"))
    );
    let host = inspected.host_config.expect("host config");
    assert_eq!(
        host.security_opt,
        Some(vec!["no-new-privileges".to_owned()])
    );
    assert_ne!(host.privileged, Some(true));
    assert!(host.binds.unwrap_or_default().is_empty());
    assert_eq!(host.memory, Some(64 * 1024 * 1024));
    assert_eq!(host.nano_cpus, Some(500_000_000));
    assert_eq!(running.await.expect("join").expect("run"), 0);
    removed_soon(&engine, &execution, "container removed after the run").await;
}

#[tokio::test]
async fn docker_missing_image_with_never_pull_names_the_image() {
    let Some(_engine) = engine().await else {
        return;
    };
    let (mut spec, _) = in_busybox(&["true"]);
    if let RunnerConfig::Docker(options) = &mut spec.runner {
        options.image = "baton-test-no-such-image:1".to_owned();
    }
    let ran = run(&spec, CancellationToken::new()).await;
    let error = ran.result.expect_err("missing image");
    assert!(matches!(error, RunnerError::ImageMissing { .. }));
    assert!(
        error.to_string().contains("baton-test-no-such-image:1"),
        "{error}"
    );
}

#[tokio::test]
async fn docker_timeout_stops_and_removes_the_container() {
    let Some(engine) = engine().await else { return };
    let (mut spec, execution) = in_busybox(&["echo started", "sleep 100"]);
    spec.timeout = Some(Duration::from_secs(2));
    let started = Instant::now();
    let ran = run(&spec, CancellationToken::new()).await;
    let outcome = ran.outcome();
    assert!(outcome.timed_out);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert_ne!(outcome.exit_code, 0);
    assert!(ran.messages().contains(&"started"));
    removed_soon(&engine, &execution, "container removed after timeout").await;
}

#[tokio::test]
async fn docker_cancel_stops_and_removes_the_container() {
    let Some(engine) = engine().await else { return };
    let (mut spec, execution) = in_busybox(&["sleep 100"]);
    if let RunnerConfig::Docker(options) = &mut spec.runner {
        options.delete = false;
    }
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        trigger.cancel();
    });
    let ran = run(&spec, cancel).await;
    assert!(ran.outcome().cancelled);
    removed_soon(&engine, &execution, "a stopped run is always removed").await;
}

#[tokio::test]
async fn docker_orphans_are_removed_by_label() {
    let Some(engine) = engine().await else { return };
    let (mut spec, execution) = in_busybox(&["true"]);
    if let RunnerConfig::Docker(options) = &mut spec.runner {
        options.delete = false;
    }
    assert_eq!(
        run(&spec, CancellationToken::new())
            .await
            .outcome()
            .exit_code,
        0
    );
    let left = containers_of(&engine, &execution).await;
    assert_eq!(left.len(), 1, "delete: false keeps the container");
    let removed = docker::remove_orphans(&engine, Some(&execution))
        .await
        .expect("remove orphans");
    assert_eq!(removed, left);
    assert!(containers_of(&engine, &execution).await.is_empty());
}

#[tokio::test]
async fn docker_two_hundred_thousand_lines_are_all_received() {
    let Some(_engine) = engine().await else {
        return;
    };
    let (spec, _) = in_busybox(&["seq 1 200000"]);
    let ran = run(&spec, CancellationToken::new()).await;
    assert_eq!(ran.outcome().exit_code, 0);
    assert_eq!(ran.logs.len(), 200_000);
    assert_eq!(ran.logs.last().map(|l| l.message.as_str()), Some("200000"));
}

#[tokio::test]
async fn an_unreachable_engine_is_named_in_the_error() {
    let temp = tempfile::tempdir().expect("temp dir");
    let host = format!("unix://{}/no-docker.sock", temp.path().display());
    let error = docker::connect_to(&host)
        .await
        .expect_err("no engine there");
    assert!(matches!(error, RunnerError::DockerUnreachable { .. }));
    assert!(error.to_string().contains(&host), "{error}");
}

#[tokio::test]
async fn docker_run_dropped_half_way_removes_its_container() {
    let Some(engine) = engine().await else { return };
    let (spec, execution) = in_busybox(&["sleep 100"]);
    let running =
        tokio::spawn(async move { run(&spec, CancellationToken::new()).await.result.is_ok() });
    let deadline = Instant::now() + Duration::from_secs(20);
    while containers_of(&engine, &execution).await.is_empty() {
        assert!(Instant::now() < deadline, "container never appeared");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    running.abort();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !containers_of(&engine, &execution).await.is_empty() {
        assert!(Instant::now() < deadline, "abandoned container still there");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
