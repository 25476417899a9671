//! The Docker runner skips the archive round trips that carry nothing: a working directory
//! holding only the empty output directory is not uploaded (a shell line makes the output
//! directory in the container), and an output directory the run did not write to is not
//! downloaded. These tests pin what must still hold on every path.

use std::collections::HashMap;

use baton::runner::RunnerConfig;
use bollard::Docker;
use bollard::query_parameters::EventsOptionsBuilder;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::docker::{engine, in_busybox};
use super::{Ran, output_content, run};

/// Archive calls the engine served for the containers of `execution` during `ran`:
/// (uploads `extract-to-dir`, downloads `archive-path`), read from the engine's event log.
async fn archive_calls(docker: &Docker, execution: &str, since: i64) -> (usize, usize) {
    let until = chrono::Utc::now().timestamp() + 1;
    let filters = HashMap::from([
        ("type".to_owned(), vec!["container".to_owned()]),
        (
            "label".to_owned(),
            vec![format!("{}={execution}", baton::runner::EXECUTION_LABEL)],
        ),
    ]);
    let options = EventsOptionsBuilder::new()
        .since(&since.to_string())
        .until(&until.to_string())
        .filters(&filters)
        .build();
    let actions: Vec<String> = docker
        .events(Some(options))
        .filter_map(|event| async move { event.ok().and_then(|e| e.action) })
        .collect()
        .await;
    let count = |name: &str| actions.iter().filter(|a| a.as_str() == name).count();
    (count("extract-to-dir"), count("archive-path"))
}

/// Runs `commands` (with `input` as an input file if given) and counts its archive calls.
async fn run_counting(
    docker: &Docker,
    commands: &[&str],
    input: Option<&str>,
) -> (Ran, (usize, usize)) {
    let since = chrono::Utc::now().timestamp() - 1;
    let (mut spec, execution) = in_busybox(commands);
    if let Some(name) = input {
        spec.input_files
            .insert(name.to_owned(), b"given\n".to_vec());
    }
    let ran = run(&spec, CancellationToken::new()).await;
    assert_eq!(ran.outcome().exit_code, 0, "{:?}", ran.messages());
    let calls = archive_calls(docker, &execution, since).await;
    (ran, calls)
}

#[tokio::test]
async fn archive_calls_are_made_only_when_they_carry_something() {
    let Some(engine) = engine().await else {
        return;
    };
    let (_, calls) = run_counting(&engine, &["echo hi"], None).await;
    assert_eq!(calls, (0, 0), "nothing to upload, nothing written");
    let (ran, calls) = run_counting(&engine, &["echo out > \"$OUTPUT_DIR/o.txt\""], None).await;
    assert_eq!(calls, (0, 1), "an output was written: one download");
    assert_eq!(output_content(ran.outcome(), "o.txt"), "out\n");
    let (_, calls) = run_counting(&engine, &["cat in.txt"], Some("in.txt")).await;
    assert_eq!(
        calls,
        (1, 0),
        "an input file: one upload, and nothing written"
    );
}

#[tokio::test]
async fn an_image_whose_user_is_not_root_gets_an_uploaded_working_directory() {
    let Some(_engine) = engine().await else {
        return;
    };
    // The engine makes `WorkingDir` as root: user 65534 could not make the output directory
    // in it, so the working directory (world-writable) is uploaded for such an image.
    let (mut spec, _) = in_busybox(&[
        "id -u",
        "echo mine > \"$OUTPUT_DIR/user.txt\"",
        "echo here > local.txt",
    ]);
    if let RunnerConfig::Docker(options) = &mut spec.runner {
        options.image = "baton-test-busybox-nobody:latest".to_owned();
    }
    let ran = run(&spec, CancellationToken::new()).await;
    assert_eq!(ran.outcome().exit_code, 0, "{:?}", ran.messages());
    assert_eq!(ran.messages(), ["65534"]);
    assert_eq!(output_content(ran.outcome(), "user.txt"), "mine\n");
}

#[tokio::test]
async fn a_removed_output_directory_means_no_outputs_not_an_error() {
    let Some(_engine) = engine().await else {
        return;
    };
    let (spec, _) = in_busybox(&["rm -rf \"$OUTPUT_DIR\""]);
    let ran = run(&spec, CancellationToken::new()).await;
    assert_eq!(ran.outcome().exit_code, 0, "{:?}", ran.messages());
    assert!(ran.outcome().output_files.is_empty());
}

#[tokio::test]
async fn an_output_directory_given_an_old_time_by_a_copy_is_still_downloaded() {
    let Some(_engine) = engine().await else {
        return;
    };
    // `cp -a`, `rsync -a` or an epoch-stamped build output can leave the directory's time far
    // in the past: only the exact sentinel counts as untouched.
    let (spec, _) = in_busybox(&[
        "echo copied > \"$OUTPUT_DIR/c.txt\"",
        "TZ=UTC0 touch -t 197001010000 \"$OUTPUT_DIR\"",
    ]);
    let ran = run(&spec, CancellationToken::new()).await;
    assert_eq!(ran.outcome().exit_code, 0, "{:?}", ran.messages());
    assert_eq!(output_content(ran.outcome(), "c.txt"), "copied\n");
}

#[tokio::test]
async fn without_an_upload_the_output_directory_exists_and_what_is_written_comes_back() {
    let Some(_engine) = engine().await else {
        return;
    };
    let (spec, _) = in_busybox(&[
        "test -d \"$OUTPUT_DIR\" && test -w \"$OUTPUT_DIR\"",
        "test \"$(pwd)\" = \"$WORKING_DIR\"",
        "mkdir \"$OUTPUT_DIR/nested\"",
        "echo deep > \"$OUTPUT_DIR/nested/deep.txt\"",
        "echo top > \"$OUTPUT_DIR/top.txt\"",
    ]);
    let ran = run(&spec, CancellationToken::new()).await;
    let outcome = ran.outcome();
    assert_eq!(outcome.exit_code, 0, "{:?}", ran.messages());
    assert_eq!(output_content(outcome, "top.txt"), "top\n");
    assert_eq!(output_content(outcome, "nested/deep.txt"), "deep\n");
}

#[tokio::test]
async fn without_an_upload_the_exit_code_arguments_and_fail_fast_are_the_tasks_own() {
    let Some(_engine) = engine().await else {
        return;
    };
    // The seeding line execs the task's interpreter: no extra shell level stays in between,
    // so the script is PID 1 and its exit code is the container's.
    let (spec, _) = in_busybox(&["echo \"pid $$\"", "false", "echo unreachable"]);
    let ran = run(&spec, CancellationToken::new()).await;
    assert_eq!(ran.outcome().exit_code, 1);
    assert_eq!(ran.messages(), ["pid 1"]);
    assert!(ran.outcome().output_files.is_empty());
}

#[tokio::test]
async fn a_run_writing_no_outputs_collects_none_on_either_path() {
    let Some(_engine) = engine().await else {
        return;
    };
    let (bare, _) = in_busybox(&["echo quiet"]);
    let (mut with_input, _) = in_busybox(&["cat in.txt"]);
    with_input
        .input_files
        .insert("in.txt".to_owned(), b"given\n".to_vec());
    for spec in [bare, with_input] {
        let ran = run(&spec, CancellationToken::new()).await;
        assert_eq!(ran.outcome().exit_code, 0, "{:?}", ran.messages());
        assert!(ran.outcome().output_files.is_empty());
        assert!(ran.work_dir.join("outputs").is_dir());
    }
}

#[tokio::test]
async fn an_input_file_rewritten_in_the_output_directory_comes_back_changed() {
    let Some(_engine) = engine().await else {
        return;
    };
    // Rewriting a file in place does not move its directory's time, so an output directory
    // that did not start empty is always copied back.
    let (mut spec, _) = in_busybox(&["echo rewritten > \"$OUTPUT_DIR/state.txt\""]);
    spec.input_files
        .insert("outputs/state.txt".to_owned(), b"initial\n".to_vec());
    let ran = run(&spec, CancellationToken::new()).await;
    assert_eq!(ran.outcome().exit_code, 0, "{:?}", ran.messages());
    assert_eq!(output_content(ran.outcome(), "state.txt"), "rewritten\n");
}

#[tokio::test]
async fn an_interpreter_not_known_as_a_shell_gets_an_uploaded_working_directory() {
    let Some(_engine) = engine().await else {
        return;
    };
    // `busybox sh -c` is a shell, but its program name does not say so: the working directory
    // is uploaded as before, and the output directory is there all the same.
    let (mut spec, _) = in_busybox(&["echo via-busybox > \"$OUTPUT_DIR/out.txt\""]);
    spec.interpreter = ["/bin/busybox", "sh", "-c"].map(str::to_owned).to_vec();
    let ran = run(&spec, CancellationToken::new()).await;
    assert_eq!(ran.outcome().exit_code, 0, "{:?}", ran.messages());
    assert_eq!(output_content(ran.outcome(), "out.txt"), "via-busybox\n");
}
