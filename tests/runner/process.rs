//! The process runner: real child processes in temp directories.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use baton::runner::{self, Level, RunnerConfig, RunnerError, lines::TRUNCATED_MARKER};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{output_content, run, spec};

#[tokio::test]
async fn stdout_is_logged_as_info_and_stderr_as_warn() {
    let ran = run(
        &spec(&["echo hello", "echo oops >&2"]),
        CancellationToken::new(),
    )
    .await;
    let outcome = ran.outcome();
    assert_eq!(outcome.exit_code, 0);
    assert!(outcome.stderr_seen);
    let hello = ran
        .logs
        .iter()
        .find(|l| l.message == "hello")
        .expect("hello logged");
    assert_eq!(hello.level, Level::Info);
    let oops = ran
        .logs
        .iter()
        .find(|l| l.message == "oops")
        .expect("oops logged");
    assert_eq!(oops.level, Level::Warn);
}

#[tokio::test]
async fn non_zero_exit_is_an_outcome_not_an_error() {
    let ran = run(&spec(&["echo before", "exit 7"]), CancellationToken::new()).await;
    assert_eq!(ran.outcome().exit_code, 7);
    assert!(!ran.outcome().succeeded());
    assert!(!ran.outcome().stderr_seen);
}

#[tokio::test]
async fn fail_fast_stops_at_the_first_failing_command() {
    let ran = run(&spec(&["false", "echo after"]), CancellationToken::new()).await;
    assert_eq!(ran.outcome().exit_code, 1);
    assert!(!ran.messages().contains(&"after"));

    let lenient = runner::CommandSpec {
        fail_fast: false,
        ..spec(&["false", "echo after"])
    };
    let ran = run(&lenient, CancellationToken::new()).await;
    assert_eq!(ran.outcome().exit_code, 0);
    assert!(ran.messages().contains(&"after"));
}

#[tokio::test]
async fn declared_env_is_visible_and_undeclared_host_env_is_not() {
    let mut with_env = spec(&["env"]);
    with_env.env = BTreeMap::from([("GREETING".to_owned(), "hi there".to_owned())]);
    let ran = run(&with_env, CancellationToken::new()).await;
    assert!(
        ran.messages().contains(&"GREETING=hi there"),
        "{:?}",
        ran.messages()
    );
    // Only what baton passes, what the spec declares, and what the shell itself sets.
    let allowed = [
        "PATH",
        "HOME",
        "LANG",
        "GREETING",
        "WORKING_DIR",
        "OUTPUT_DIR",
        "PWD",
        "SHLVL",
        "_",
        "OLDPWD",
    ];
    for message in ran.messages() {
        let name = message.split('=').next().unwrap_or_default();
        assert!(
            allowed.contains(&name),
            "host variable {name} leaked into the task"
        );
    }
    let host_only = std::env::vars()
        .map(|(name, _)| name)
        .find(|name| !allowed.contains(&name.as_str()));
    if let Some(name) = host_only {
        assert!(
            !ran.messages()
                .iter()
                .any(|m| m.starts_with(&format!("{name}=")))
        );
    }
}

#[tokio::test]
async fn working_and_output_dirs_are_set_and_known_before_the_run() {
    let ran = run(
        &spec(&["echo \"$WORKING_DIR\"", "echo \"$OUTPUT_DIR\"", "pwd"]),
        CancellationToken::new(),
    )
    .await;
    let paths = runner::work_paths(&RunnerConfig::Process, &ran.work_dir);
    assert_eq!(
        ran.messages(),
        [
            paths.working_dir.as_str(),
            paths.output_dir.as_str(),
            paths.working_dir.as_str()
        ]
    );
    assert!(ran.work_dir.join("outputs").is_dir());
}

#[tokio::test]
async fn input_files_are_written_and_escaping_names_rejected() {
    let mut with_files = spec(&["cat data/in.txt"]);
    with_files.input_files = BTreeMap::from([("data/in.txt".to_owned(), b"payload\n".to_vec())]);
    let ran = run(&with_files, CancellationToken::new()).await;
    assert_eq!(ran.messages(), ["payload"]);

    for name in ["../evil.txt", "/tmp/evil.txt"] {
        let mut escaping = spec(&["true"]);
        escaping.input_files = BTreeMap::from([(name.to_owned(), b"x".to_vec())]);
        let ran = run(&escaping, CancellationToken::new()).await;
        assert!(
            matches!(ran.result, Err(RunnerError::InputFileEscapes { .. })),
            "{name}"
        );
    }
}

#[tokio::test]
async fn output_globs_and_output_dir_files_are_collected() {
    let mut with_outputs = spec(&[
        "echo a > a.txt",
        "echo b > b.csv",
        "mkdir -p sub && echo c > sub/c.txt",
        "echo '{}' > \"$OUTPUT_DIR/o.json\"",
    ]);
    with_outputs.output_files = vec!["*.txt".to_owned(), "sub/**/*.txt".to_owned()];
    let ran = run(&with_outputs, CancellationToken::new()).await;
    let outcome = ran.outcome();
    let names: Vec<&str> = outcome.output_files.keys().map(String::as_str).collect();
    assert_eq!(names, ["a.txt", "o.json", "sub/c.txt"]);
    assert_eq!(output_content(outcome, "a.txt"), "a\n");
    assert_eq!(output_content(outcome, "o.json"), "{}\n");
}

#[tokio::test]
async fn output_glob_leaving_the_work_dir_is_rejected_before_running() {
    let mut escaping = spec(&["touch ran.marker"]);
    escaping.output_files = vec!["../*".to_owned()];
    let ran = run(&escaping, CancellationToken::new()).await;
    assert!(
        matches!(ran.result, Err(RunnerError::OutputGlobEscapes { ref pattern }) if pattern == "../*")
    );
    assert!(!ran.work_dir.join("ran.marker").exists());
}

#[tokio::test]
async fn protocol_lines_set_outputs_metrics_and_logs_and_are_not_logged() {
    let ran = run(
        &spec(&[
            r#"echo '::{"outputs":{"a":{"x":1},"n":1}}::'"#,
            r#"echo '::{"outputs":{"a":{"y":2}}}::' >&2"#,
            r#"echo '::{"metrics":[{"name":"rows","type":"counter","value":5,"tags":{"t":"x"}}]}::'"#,
            r#"echo '::{"logs":[{"level":"ERROR","message":"from protocol"}]}::'"#,
            "echo '::not json::'",
        ]),
        CancellationToken::new(),
    )
    .await;
    let outcome = ran.outcome();
    assert_eq!(
        serde_json::Value::Object(outcome.vars.clone()),
        serde_json::json!({"a": {"x": 1, "y": 2}, "n": 1})
    );
    assert_eq!(outcome.metrics.len(), 1);
    assert_eq!(
        (outcome.metrics[0].name.as_str(), outcome.metrics[0].value),
        ("rows", 5.0)
    );
    assert_eq!(ran.messages(), ["from protocol", "::not json::"]);
    assert_eq!(ran.logs[0].level, Level::Error);
    assert!(
        !outcome.stderr_seen,
        "a protocol line on stderr is not stderr output"
    );
}

#[tokio::test]
async fn kestra_python_package_outputs_reach_the_outcome() {
    let importable = std::process::Command::new("python3")
        .args(["-c", "import kestra"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !importable {
        eprintln!(
            "skipped: python3 with the `kestra` package (pip install kestra) is not available"
        );
        return;
    }
    let script = "python3 -c 'from kestra import Kestra; Kestra.outputs({\"count\": 42, \"nested\": {\"k\": \"v\"}}); Kestra.counter(\"rows\", 3, {\"table\": \"t\"})'";
    let ran = run(&spec(&[script]), CancellationToken::new()).await;
    let outcome = ran.outcome();
    assert_eq!(outcome.exit_code, 0, "logs: {:?}", ran.messages());
    assert_eq!(outcome.vars.get("count"), Some(&serde_json::json!(42)));
    assert_eq!(
        outcome.vars.get("nested"),
        Some(&serde_json::json!({"k": "v"}))
    );
    assert_eq!(
        outcome
            .metrics
            .first()
            .map(|m| (m.name.as_str(), m.kind.as_str(), m.value)),
        Some(("rows", "counter", 3.0))
    );
    assert_eq!(
        outcome.metrics[0].tags.get("table").map(String::as_str),
        Some("t")
    );
}

/// True while a process with this pid exists and is not a zombie.
fn is_alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .unwrap_or_default()
            .trim_start()
            .starts_with('Z'),
        Err(_) => false,
    }
}

#[tokio::test]
async fn timeout_kills_the_whole_process_group() {
    let mut slow = spec(&["sleep 100 & echo $! > grandchild.pid", "sleep 100"]);
    slow.timeout = Some(Duration::from_secs(1));
    let started = Instant::now();
    let ran = run(&slow, CancellationToken::new()).await;
    let outcome = ran.outcome();
    assert!(outcome.timed_out && !outcome.cancelled);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    let pid: i32 = std::fs::read_to_string(ran.work_dir.join("grandchild.pid"))
        .expect("pid file")
        .trim()
        .parse()
        .expect("pid");
    let deadline = Instant::now() + Duration::from_secs(3);
    while is_alive(pid) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!is_alive(pid), "grandchild {pid} survived the timeout");
}

#[tokio::test]
async fn background_processes_die_when_the_script_exits() {
    let ran = run(
        &spec(&["sleep 100 > /dev/null 2>&1 & echo $! > bg.pid", "echo done"]),
        CancellationToken::new(),
    )
    .await;
    assert_eq!(ran.outcome().exit_code, 0);
    let pid: i32 = std::fs::read_to_string(ran.work_dir.join("bg.pid"))
        .expect("pid file")
        .trim()
        .parse()
        .expect("pid");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!is_alive(pid), "background process {pid} outlived its task");
}

#[tokio::test]
async fn cancel_stops_the_run() {
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let ran = run(&spec(&["echo started", "sleep 100"]), cancel).await;
    let outcome = ran.outcome();
    assert!(outcome.cancelled && !outcome.timed_out);
    assert_ne!(outcome.exit_code, 0);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(ran.messages(), ["started"]);
}

#[tokio::test]
async fn two_hundred_thousand_lines_stream_through_without_buffering() {
    let temp = tempfile::tempdir().expect("temp dir");
    let (sender, mut receiver) = mpsc::channel::<runner::LogLine>(16);
    let counter = tokio::spawn(async move {
        let (mut count, mut last) = (0_usize, String::new());
        while let Some(line) = receiver.recv().await {
            count += 1;
            last = line.message;
        }
        (count, last)
    });
    let many = spec(&["seq 1 200000"]);
    let outcome = runner::run(
        &many,
        &temp.path().join("run"),
        sender,
        CancellationToken::new(),
    )
    .await
    .expect("run");
    let (count, last) = counter.await.expect("counter");
    assert_eq!(outcome.exit_code, 0);
    assert_eq!((count, last.as_str()), (200_000, "200000"));
}

#[tokio::test]
async fn an_over_long_line_is_truncated() {
    let ran = run(
        &spec(&[
            "head -c 3000000 /dev/zero | tr '\\0' a",
            "echo",
            "echo next",
        ]),
        CancellationToken::new(),
    )
    .await;
    let messages = ran.messages();
    assert_eq!(messages.len(), 2, "line count");
    assert!(messages[0].ends_with(TRUNCATED_MARKER));
    assert!(messages[0].len() <= runner::lines::MAX_LINE_BYTES + TRUNCATED_MARKER.len());
    assert_eq!(messages[1], "next");
}

#[tokio::test]
async fn a_missing_interpreter_is_a_spawn_error() {
    let missing = runner::CommandSpec {
        interpreter: vec!["/nonexistent/sh".to_owned(), "-c".to_owned()],
        ..spec(&["true"])
    };
    let ran = run(&missing, CancellationToken::new()).await;
    assert!(
        matches!(ran.result, Err(RunnerError::Spawn { ref program, .. }) if program == "/nonexistent/sh")
    );
}

#[tokio::test]
async fn a_used_work_dir_is_refused() {
    let temp = tempfile::tempdir().expect("temp dir");
    std::fs::write(temp.path().join("leftover"), "x").expect("write");
    let (sender, _receiver) = mpsc::channel(4);
    let result = runner::run(
        &spec(&["true"]),
        temp.path(),
        sender,
        CancellationToken::new(),
    )
    .await;
    assert!(matches!(result, Err(RunnerError::WorkDirNotEmpty { .. })));
}
