//! Script tasks run by a real worker from the real SQLite store, on the Process runner and on a
//! real Docker engine (image `baton-test-busybox`, built locally by tests/images/build.sh; the
//! Docker checks are skipped, with the reason printed, only when no engine answers).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use base64::Engine as _;
use baton::store::model::State;
use serde_json::{Value, json};

use crate::http_tasks::serve;
use crate::worker::{Harness, output, repo_namespace_files, vars_with_outputs, wait_state};

const IMAGE: &str = "baton-test-busybox:latest";
const DOCKER_RUNNER: &str = "io.kestra.plugin.scripts.runner.docker.Docker";
const SECRET_NAME: &str = "BATON_WORKER_TEST_TOKEN";
const SECRET_VALUE: &str = "s3cr3t-t0ken-value";

/// Where a check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Runner {
    Process,
    Docker,
}

/// True when the check may run on `runner` (prints why not otherwise).
async fn available(runner: Runner) -> bool {
    if runner == Runner::Process {
        return true;
    }
    if let Err(error) = baton::runner::docker::connect().await {
        eprintln!("skipped: {error}");
        return false;
    }
    if let Err(reason) = test_image() {
        panic!("the Docker engine answers but {IMAGE} could not be built: {reason}");
    }
    true
}

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

/// A `shell.Commands` task on `runner`.
fn shell(runner: Runner, id: &str, commands: &[&str]) -> Value {
    on(
        runner,
        json!({"id": id, "type": "io.kestra.plugin.scripts.shell.Commands", "commands": commands}),
    )
}

/// `task` with the task runner of `runner`.
fn on(runner: Runner, mut task: Value) -> Value {
    if runner == Runner::Docker {
        task["containerImage"] = json!(IMAGE);
        task["taskRunner"] = json!({"type": DOCKER_RUNNER, "pullPolicy": "NEVER"});
    }
    task
}

/// Sets the test secret once (`SECRET_<NAME>` holds base64, as Kestra's env secret backend).
fn set_secret() {
    static SET: OnceLock<()> = OnceLock::new();
    SET.get_or_init(|| {
        let encoded = base64::engine::general_purpose::STANDARD.encode(SECRET_VALUE);
        // SAFETY: set once, before any worker of this test binary reads it; no other test
        // touches this variable.
        unsafe { std::env::set_var(format!("SECRET_{SECRET_NAME}"), encoded) };
    });
}

/// One `#[tokio::test]` per runner for each check.
macro_rules! on_both_runners {
    ($($check:ident),* $(,)?) => {
        mod process {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $check() {
                    super::$check(super::Runner::Process).await;
                }
            )*
        }
        mod docker {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $check() {
                    if super::available(super::Runner::Docker).await {
                        super::$check(super::Runner::Docker).await;
                    }
                }
            )*
        }
    };
}

on_both_runners!(
    a_non_zero_exit_fails_the_task_with_its_exit_code,
    a_timeout_terminates_the_command_and_fails_the_task,
    a_kill_stops_the_command_and_reports_killed,
    output_files_reach_a_later_task_through_input_files,
    namespace_files_are_copied_into_the_working_directory,
    secrets_never_reach_the_logs,
    stderr_output_ends_in_warning_unless_disabled,
    working_and_output_dirs_are_rendered_and_exported,
);

async fn a_non_zero_exit_fails_the_task_with_its_exit_code(runner: Runner) {
    let h = Harness::start().await;
    let run = h
        .run(
            shell(runner, "fails", &["echo before", "exit 3"]),
            json!({}),
        )
        .await;
    assert_eq!(run.state, State::Failed);
    assert_eq!(output(&run, "/exitCode"), &json!(3));
    assert!(
        run.error
            .as_deref()
            .is_some_and(|e| e.contains("exit code 3")),
        "{:?}",
        run.error
    );
    assert!(h.log_text(&run.id).await.contains("before"));
    h.stop().await;
}

async fn a_timeout_terminates_the_command_and_fails_the_task(runner: Runner) {
    let h = Harness::start().await;
    let mut task = shell(runner, "slow", &["echo started", "sleep 60"]);
    task["timeout"] = json!("PT1S");
    let start = Instant::now();
    let run = h.run(task, json!({})).await;
    assert_eq!(run.state, State::Failed);
    assert!(
        run.error
            .as_deref()
            .is_some_and(|e| e.contains("timed out")),
        "{:?}",
        run.error
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    h.stop().await;
}

async fn a_kill_stops_the_command_and_reports_killed(runner: Runner) {
    let h = Harness::start().await;
    let id = h
        .submit(
            shell(runner, "long", &["echo started", "sleep 60"]),
            json!({}),
        )
        .await;
    let mut running = wait_state(&h, &id, State::Running).await;
    // Let the command start before the kill arrives.
    tokio::time::sleep(Duration::from_millis(500)).await;
    running.state = State::Killing;
    h.insert(running).await;
    let start = Instant::now();
    let run = h.wait_for(&id, Duration::from_secs(30)).await;
    assert_eq!(run.state, State::Killed, "error: {:?}", run.error);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    h.stop().await;
}

async fn output_files_reach_a_later_task_through_input_files(runner: Runner) {
    let h = Harness::start().await;
    let mut first = shell(
        runner,
        "produce",
        &[
            "echo 'rows: 3' > report.txt",
            "echo 'from outputDir' > {{ outputDir }}/extra.txt",
        ],
    );
    first["outputFiles"] = json!(["*.txt"]);
    let first = h.run(first, json!({})).await;
    assert_eq!(first.state, State::Success, "error: {:?}", first.error);
    let report = output(&first, "/outputFiles/report.txt")
        .as_str()
        .expect("uri")
        .to_owned();
    assert!(report.starts_with("kestra://"), "{report}");
    assert!(output(&first, "/outputFiles/extra.txt").is_string());
    let mut second = shell(runner, "consume", &["cat input.txt", "cat extra.txt"]);
    second["inputFiles"] = json!({
        "input.txt": "{{ outputs.produce.outputFiles['report.txt'] }}",
        "extra.txt": "{{ outputs.produce.outputFiles['extra.txt'] }}",
    });
    let vars = vars_with_outputs(json!({"produce": first.outputs}));
    let second = h.run(second, vars).await;
    assert_eq!(second.state, State::Success, "error: {:?}", second.error);
    let logs = h.log_text(&second.id).await;
    assert!(
        logs.contains("rows: 3") && logs.contains("from outputDir"),
        "{logs}"
    );
    h.stop().await;
}

async fn namespace_files_are_copied_into_the_working_directory(runner: Runner) {
    let repo = tempfile::tempdir().expect("repo");
    let files = repo.path().join("namespaces/company.team/files/scripts");
    std::fs::create_dir_all(&files).expect("mkdir");
    std::fs::write(files.join("hello.sh"), "echo hello from namespace files\n").expect("write");
    std::fs::write(files.join("skip.txt"), "not included\n").expect("write");
    let h = Harness::start_with(|_| {}, Some(repo_namespace_files(repo.path()))).await;
    let mut task = shell(runner, "ns", &["sh scripts/hello.sh", "ls scripts"]);
    task["namespaceFiles"] = json!({"enabled": true, "include": ["scripts/*.sh"]});
    let run = h.run(task, json!({})).await;
    assert_eq!(run.state, State::Success, "error: {:?}", run.error);
    let logs = h.log_text(&run.id).await;
    assert!(logs.contains("hello from namespace files"), "{logs}");
    assert!(!logs.contains("skip.txt"), "{logs}");
    h.stop().await;
}

async fn secrets_never_reach_the_logs(runner: Runner) {
    set_secret();
    let h = Harness::start().await;
    let mut task = shell(
        runner,
        "secret",
        &[
            "echo \"token=$TOKEN\"",
            "echo \"inline={{ secret('BATON_WORKER_TEST_TOKEN') }}\" >&2",
        ],
    );
    task["env"] = json!({"TOKEN": format!("{{{{ secret('{SECRET_NAME}') }}}}")});
    task["warningOnStdErr"] = json!(false);
    let run = h.run(task, json!({})).await;
    assert_eq!(run.state, State::Success, "error: {:?}", run.error);
    let logs = h.log_text(&run.id).await;
    assert!(logs.contains("token=******"), "{logs}");
    assert!(logs.contains("inline=******"), "{logs}");
    assert!(!logs.contains(SECRET_VALUE), "{logs}");
    h.stop().await;
}

async fn stderr_output_ends_in_warning_unless_disabled(runner: Runner) {
    let h = Harness::start().await;
    let warned = h
        .run(shell(runner, "warns", &["echo careful >&2"]), json!({}))
        .await;
    assert_eq!(warned.state, State::Warning, "error: {:?}", warned.error);
    let mut quiet = shell(runner, "quiet", &["echo careful >&2"]);
    quiet["warningOnStdErr"] = json!(false);
    let quiet = h.run(quiet, json!({})).await;
    assert_eq!(quiet.state, State::Success, "error: {:?}", quiet.error);
    h.stop().await;
}

async fn working_and_output_dirs_are_rendered_and_exported(runner: Runner) {
    let h = Harness::start().await;
    let run = h
        .run(
            shell(
                runner,
                "dirs",
                &[
                    "test \"{{ workingDir }}\" = \"$WORKING_DIR\"",
                    "test \"{{ outputDir }}\" = \"$OUTPUT_DIR\"",
                    "test \"$(pwd)\" = \"$WORKING_DIR\"",
                    "echo \"::{\\\"outputs\\\":{\\\"dir\\\":\\\"$WORKING_DIR\\\"}}::\"",
                ],
            ),
            json!({}),
        )
        .await;
    assert_eq!(run.state, State::Success, "error: {:?}", run.error);
    let dir = output(&run, "/vars/dir").as_str().expect("dir").to_owned();
    assert!(dir.ends_with(&run.id), "{dir}");
    if runner == Runner::Process {
        assert!(
            !std::path::Path::new(&dir).exists(),
            "the working dir is removed afterwards"
        );
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_missing_image_with_pull_policy_never_fails_clearly() {
    if !available(Runner::Docker).await {
        return;
    }
    let h = Harness::start().await;
    let mut task = shell(Runner::Docker, "missing", &["echo never"]);
    task["containerImage"] = json!("baton-no-such-image:never");
    let run = h.run(task, json!({})).await;
    assert_eq!(run.state, State::Failed);
    let error = run.error.unwrap_or_default();
    assert!(
        error.contains("baton-no-such-image:never") && error.contains("NEVER"),
        "{error}"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn python_dependencies_install_from_pypi_and_kestra_outputs_reach_the_next_task() {
    let h = Harness::start().await;
    let script = json!({
        "id": "py",
        "type": "io.kestra.plugin.scripts.python.Script",
        "dependencies": ["kestra"],
        "warningOnStdErr": false,
        "script": "from kestra import Kestra\nimport sys\nprint(sys.prefix)\nKestra.outputs({'count': 7, 'name': 'baton'})\n",
    });
    let py = h
        .wait_for(&h.submit(script, json!({})).await, Duration::from_secs(180))
        .await;
    assert_eq!(
        py.state,
        State::Success,
        "error: {:?}\n{}",
        py.error,
        h.log_text(&py.id).await
    );
    assert_eq!(output(&py, "/vars/count"), &json!(7));
    // The venv was the interpreter's prefix: the dependency came from the venv, not the host.
    assert!(h.log_text(&py.id).await.contains(".venv"));
    let next = shell(
        Runner::Process,
        "next",
        &["echo 'got {{ outputs.py.vars.count }} from {{ outputs.py.vars.name }}'"],
    );
    let next = h
        .run(next, vars_with_outputs(json!({"py": py.outputs})))
        .await;
    assert_eq!(next.state, State::Success);
    assert!(h.log_text(&next.id).await.contains("got 7 from baton"));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn python_and_node_commands_and_the_legacy_python_task_run() {
    let h = Harness::start().await;
    let legacy = json!({
        "id": "legacy",
        "type": "io.kestra.core.tasks.scripts.Python",
        "args": ["a b", "c"],
        "inputFiles": {
            "main.py": "import sys, json\nprint('::' + json.dumps({'outputs': {'args': sys.argv[1:]}}) + '::')\n"
        },
    });
    let legacy = h.run(legacy, json!({})).await;
    assert_eq!(legacy.state, State::Success, "error: {:?}", legacy.error);
    assert_eq!(output(&legacy, "/vars/args"), &json!(["a b", "c"]));
    let commands = json!({
        "id": "pycmd",
        "type": "io.kestra.plugin.scripts.python.Commands",
        "inputFiles": {"calc.py": "print(6 * 7)"},
        "commands": ["python3 calc.py"],
    });
    let commands = h.run(commands, json!({})).await;
    assert_eq!(
        commands.state,
        State::Success,
        "error: {:?}",
        commands.error
    );
    assert!(h.log_text(&commands.id).await.contains("42"));
    let node = json!({
        "id": "node",
        "type": "io.kestra.plugin.scripts.node.Script",
        "script": "console.log('::' + JSON.stringify({outputs: {sum: 1 + 2}}) + '::')",
    });
    let node = h.run(node, json!({})).await;
    assert_eq!(node.state, State::Success, "error: {:?}", node.error);
    assert_eq!(output(&node, "/vars/sum"), &json!(3));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_collect_stats_tutorial_flow_runs_on_the_process_runner() {
    let status = std::process::Command::new("python3")
        .args(["-c", "import kestra"])
        .status();
    if !status.is_ok_and(|s| s.success()) {
        let installed = std::process::Command::new("python3")
            .args(["-m", "pip", "install", "-q", "kestra"])
            .status();
        assert!(
            installed.is_ok_and(|s| s.success()),
            "pip install kestra failed"
        );
    }
    let router = axum::Router::new().route(
        "/repos/kestra-io/kestra.json",
        axum::routing::get(|| async {
            axum::Json(json!({"full_name": "kestra-io/kestra", "stargazers_count": 12345, "forks_count": 678}))
        }),
    );
    let addr = serve(router).await;
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/flows/tutorial/collect_stats.yaml"
    ))
    .expect("flow file");
    let flow = baton::load::parse_str(&source, &baton::load::Limits::default())
        .expect("flow parses")
        .value;
    let task = flow["tasks"][0].clone();
    let h = Harness::start().await;
    let url = format!("http://{addr}/repos/kestra-io/kestra.json");
    let run = h.run(task, json!({"inputs": {"stats_url": url}})).await;
    assert_eq!(
        run.state,
        State::Success,
        "error: {:?}\n{}",
        run.error,
        h.log_text(&run.id).await
    );
    assert_eq!(output(&run, "/vars/stars"), &json!(12345));
    assert_eq!(output(&run, "/vars/forks"), &json!(678));
    assert!(
        h.log_text(&run.id)
            .await
            .contains("kestra-io/kestra has 12345 stars")
    );
    h.stop().await;
}

const PYTHON_IMAGE: &str = "baton-test-python:latest";

/// Builds the Python test image (tests/images/build-python.sh) once; `None` (reason printed)
/// when there is no Docker engine or the image cannot be built here.
async fn python_image() -> Option<&'static str> {
    if !available(Runner::Docker).await {
        return None;
    }
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/images/build-python.sh");
        let output = std::process::Command::new("sh")
            .arg(script)
            .output()
            .map_err(|e| format!("{script}: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    });
    match built {
        Ok(()) => Some(PYTHON_IMAGE),
        Err(reason) => {
            eprintln!("skipped: {PYTHON_IMAGE} could not be built: {reason}");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kestra_outputs_from_python_in_docker_reach_the_next_task() {
    let Some(image) = python_image().await else {
        return;
    };
    let h = Harness::start().await;
    let script = json!({
        "id": "py",
        "type": "io.kestra.plugin.scripts.python.Script",
        "containerImage": image,
        "taskRunner": {"type": DOCKER_RUNNER, "pullPolicy": "NEVER"},
        "script": "from kestra import Kestra\nKestra.outputs({'rows': 11})\n",
    });
    let py = h.run(script, json!({})).await;
    assert_eq!(
        py.state,
        State::Success,
        "error: {:?}\n{}",
        py.error,
        h.log_text(&py.id).await
    );
    assert_eq!(output(&py, "/vars/rows"), &json!(11));
    let next = shell(
        Runner::Docker,
        "next",
        &["echo 'rows={{ outputs.py.vars.rows }}'"],
    );
    let next = h
        .run(next, vars_with_outputs(json!({"py": py.outputs})))
        .await;
    assert_eq!(next.state, State::Success);
    assert!(h.log_text(&next.id).await.contains("rows=11"));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_collect_stats_tutorial_task_runs_on_the_docker_runner() {
    let Some(image) = python_image().await else {
        return;
    };
    let router = axum::Router::new().route(
        "/repos/kestra-io/kestra.json",
        axum::routing::get(|| async {
            axum::Json(
                json!({"full_name": "kestra-io/kestra", "stargazers_count": 999, "forks_count": 9}),
            )
        }),
    );
    let addr = serve(router).await;
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/flows/tutorial/collect_stats.yaml"
    ))
    .expect("flow file");
    let flow = baton::load::parse_str(&source, &baton::load::Limits::default())
        .expect("flow parses")
        .value;
    let mut task = flow["tasks"][0].clone();
    // Same task on Docker; the host network lets the container reach the 127.0.0.1 server.
    task["containerImage"] = json!(image);
    task["taskRunner"] =
        json!({"type": DOCKER_RUNNER, "pullPolicy": "NEVER", "networkMode": "host"});
    let h = Harness::start().await;
    let url = format!("http://{addr}/repos/kestra-io/kestra.json");
    let run = h.run(task, json!({"inputs": {"stats_url": url}})).await;
    assert_eq!(
        run.state,
        State::Success,
        "error: {:?}\n{}",
        run.error,
        h.log_text(&run.id).await
    );
    assert_eq!(output(&run, "/vars/stars"), &json!(999));
    assert!(
        h.log_text(&run.id)
            .await
            .contains("kestra-io/kestra has 999 stars")
    );
    h.stop().await;
}
