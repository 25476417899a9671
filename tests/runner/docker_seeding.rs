//! The Docker runner skips the archive round trips that carry nothing: a working directory
//! holding only the empty output directory is not uploaded (a shell line makes the output
//! directory in the container), and an output directory the run did not write to is not
//! downloaded. These tests pin what must still hold on every path.

use tokio_util::sync::CancellationToken;

use super::docker::{engine, in_busybox};
use super::{output_content, run};

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
