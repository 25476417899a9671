//! Benchmark (not a test) of the per-task overhead of script tasks: a `shell.Commands` task
//! running `echo hi` through `tasks::run_worker_task` (render, working directory, spawn, log
//! collection, clean-up) on the Process and Docker runners, next to a plain `sh -c 'echo hi'`
//! and a plain `docker run --rm baton-test-busybox echo hi` measured in the same run.
//!
//! The Docker figures alternate one `docker run` and one task run so both see the same load.
//! The task's time ends when its result is ready; the container is removed after that, in the
//! background (`docker run --rm` waits for the removal): the bench waits for that removal,
//! untimed, before the next sample, and also prints the time including it.
//!
//! Run it with `bench/runner.sh` (release build). `BATON_BENCH_RUNS` sets the iterations.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use baton::files::{FileKey, FileStore};
use baton::tasks::{
    DockerEngine, Ending, Facilities, Invocation, NoNamespaceFiles, run_worker_task,
};
use baton::template::{EnvServices, Renderer};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const IMAGE: &str = "baton-test-busybox:latest";

/// Median and mean of some durations, in milliseconds.
struct Figures {
    median: f64,
    mean: f64,
}

fn figures(mut samples: Vec<Duration>) -> Figures {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = ms(samples[samples.len() / 2]);
    let mean = samples.iter().map(|d| ms(*d)).sum::<f64>() / samples.len() as f64;
    Figures { median, mean }
}

fn print(name: &str, f: &Figures) {
    println!(
        "{name:<44} median {:>8.2} ms   mean {:>8.2} ms",
        f.median, f.mean
    );
}

fn plain(program: &str, args: &[&str]) -> Duration {
    let start = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let elapsed = start.elapsed();
    match status {
        Ok(s) if s.success() => elapsed,
        other => panic!("{program} {args:?} failed: {other:?}"),
    }
}

/// One task run: the time until its result, and the time until its container (if any) is gone.
async fn task_and_removal(
    facilities: &Facilities,
    task_spec: &Value,
    n: usize,
) -> (Duration, Duration) {
    let start = Instant::now();
    let result = task(facilities, task_spec, n).await;
    baton::runner::docker::removals_settled().await;
    (result, start.elapsed())
}

async fn task(facilities: &Facilities, task: &Value, n: usize) -> Duration {
    let key = FileKey {
        namespace: "bench".into(),
        flow_id: "bench".into(),
        execution_id: "bench".into(),
        task_id: "hi".into(),
        task_run_id: format!("bench-{n}-{}", uuid::Uuid::new_v4().simple()),
    };
    let invocation = Invocation {
        task: task.as_object().cloned().unwrap_or_default(),
        vars: json!({"flow": {"namespace": "bench", "id": "bench"}}),
        key,
    };
    let (logs, mut received) = mpsc::channel(64);
    let drain = tokio::spawn(async move { while received.recv().await.is_some() {} });
    let start = Instant::now();
    let result = run_worker_task(&invocation, facilities, logs, CancellationToken::new()).await;
    let elapsed = start.elapsed();
    let _ = drain.await;
    assert_eq!(result.ending, Ending::Success, "{:?}", result.message);
    elapsed
}

async fn series(facilities: &Facilities, spec: &Value, runs: usize) -> Figures {
    for n in 0..3 {
        task(facilities, spec, n).await;
    }
    let mut samples = Vec::with_capacity(runs);
    for n in 0..runs {
        samples.push(task(facilities, spec, n).await);
    }
    figures(samples)
}

fn plain_series(program: &str, args: &[&str], runs: usize) -> Figures {
    for _ in 0..3 {
        plain(program, args);
    }
    figures((0..runs).map(|_| plain(program, args)).collect())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let runs: usize = std::env::var("BATON_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let dir = tempfile::tempdir().expect("temp dir");
    let facilities = Facilities {
        files: FileStore::new(dir.path().join("files")),
        namespace_files: Arc::new(NoNamespaceFiles),
        renderer: Renderer::new(),
        services: Arc::new(EnvServices),
        docker: DockerEngine::default(),
        work_root: dir.path().join("work"),
    };
    let process_task = json!({
        "id": "hi", "type": "io.kestra.plugin.scripts.shell.Commands", "commands": ["echo hi"],
    });
    println!("baton runner benchmark: {runs} runs each (after 3 warm-up runs)\n");
    let sh = plain_series("sh", &["-c", "echo hi"], runs);
    print("plain sh -c 'echo hi'", &sh);
    let process = series(&facilities, &process_task, runs).await;
    print("shell.Commands 'echo hi' (Process runner)", &process);
    println!(
        "  -> Process runner: +{:.2} ms over fork/exec (median), ratio {:.2}x (target: within 5 ms)\n",
        process.median - sh.median,
        process.median / sh.median
    );
    if facilities.docker.client().await.is_err() {
        println!(
            "Docker: skipped, no engine reachable at {}",
            facilities.docker.host()
        );
        return;
    }
    let docker_runs = runs.min(20);
    let mut docker_task = process_task.clone();
    docker_task["containerImage"] = json!(IMAGE);
    docker_task["taskRunner"] = json!({
        "type": "io.kestra.plugin.scripts.runner.docker.Docker", "pullPolicy": "NEVER",
    });
    let docker_run_args = ["run", "--rm", IMAGE, "echo", "hi"];
    for n in 0..3 {
        plain("docker", &docker_run_args);
        task_and_removal(&facilities, &docker_task, n).await;
    }
    let (mut plain_runs, mut results, mut removed) = (Vec::new(), Vec::new(), Vec::new());
    for n in 0..docker_runs {
        plain_runs.push(plain("docker", &docker_run_args));
        let (result, gone) = task_and_removal(&facilities, &docker_task, n).await;
        results.push(result);
        removed.push(gone);
    }
    let docker_run = figures(plain_runs);
    let docker = figures(results);
    print("plain docker run --rm baton-test-busybox", &docker_run);
    print("shell.Commands 'echo hi' (Docker runner)", &docker);
    print(
        "  the same, until its container is removed",
        &figures(removed),
    );
    println!(
        "  -> Docker runner: {:+.2} ms vs docker run (median), ratio {:.2}x (target: <= 1.00x)",
        docker.median - docker_run.median,
        docker.median / docker_run.median
    );
}
