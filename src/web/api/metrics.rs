//! `GET /metrics`: a hand-written Prometheus text exposition computed from the store on each
//! scrape, so every replica of the server reports the same numbers and nothing is lost on a
//! restart: executions by state, task-run durations, queue depth, sync and flow health, workers.

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration as Span, Utc};

use super::context::WebContext;
use super::problem::Problem;
use crate::store::model::{Dispatch, State as RunState, TaskRun};
use crate::store::{ExecutionFilter, Page};

/// Bucket bounds of the task-run duration histogram, in seconds.
const BUCKETS: [f64; 10] = [0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0];
/// Bucket bounds of the claim-latency histogram, in seconds.
const CLAIM_BUCKETS: [f64; 10] = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0];
/// Most recent executions whose task runs feed the duration histogram.
const HISTOGRAM_EXECUTIONS: i64 = 100;
/// Most non-terminal executions scanned for the queue depth.
const QUEUE_SCAN: usize = 500;

struct Exposition(String);

impl Exposition {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }
    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        let labels: Vec<String> = labels
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}=\"{}\"",
                    v.replace('\\', "\\\\")
                        .replace('"', "\\\"")
                        .replace('\n', "\\n")
                )
            })
            .collect();
        let joined = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{}}}", labels.join(","))
        };
        let _ = writeln!(self.0, "{name}{joined} {value}");
    }
}

fn seconds(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}

fn durations(task_runs: &[TaskRun]) -> Vec<f64> {
    task_runs
        .iter()
        .flat_map(|t| &t.attempts)
        .filter_map(|a| {
            a.ended
                .map(|end| (end - a.started).num_milliseconds().max(0) as f64 / 1000.0)
        })
        .collect()
}

/// Claim latency of worker task runs: from ready (created) to the first attempt's start.
fn claim_latencies(task_runs: &[TaskRun]) -> Vec<f64> {
    task_runs
        .iter()
        .filter(|t| t.dispatch == Dispatch::Worker)
        .filter_map(|t| t.attempts.first().map(|a| a.started - t.created))
        .map(|d| d.num_microseconds().unwrap_or(0).max(0) as f64 / 1e6)
        .collect()
}

fn histogram(out: &mut Exposition, name: &str, help: &str, bounds: &[f64], samples: &[f64]) {
    out.family(name, "histogram", help);
    for bound in bounds {
        let n = samples.iter().filter(|d| *d <= bound).count();
        out.sample(
            &format!("{name}_bucket"),
            &[("le", &bound.to_string())],
            n as f64,
        );
    }
    out.sample(
        &format!("{name}_bucket"),
        &[("le", "+Inf")],
        samples.len() as f64,
    );
    out.sample(&format!("{name}_sum"), &[], samples.iter().sum());
    out.sample(&format!("{name}_count"), &[], samples.len() as f64);
}

async fn executions(ctx: &WebContext, out: &mut Exposition) -> Result<(), Problem> {
    let err = |e| Problem::store("metrics", &e);
    let all = ctx
        .store
        .count_by_state(DateTime::<Utc>::UNIX_EPOCH)
        .await
        .map_err(err)?;
    out.family(
        "baton_executions",
        "gauge",
        "Executions in the store by state (started = all, ended = terminal states).",
    );
    for (state, n) in &all {
        out.sample("baton_executions", &[("state", state.as_str())], *n as f64);
    }
    let started: i64 = all.iter().map(|(_, n)| n).sum();
    let ended: i64 = all
        .iter()
        .filter(|(s, _)| s.is_terminal())
        .map(|(_, n)| n)
        .sum();
    out.family(
        "baton_executions_started_total",
        "counter",
        "Executions created.",
    );
    out.sample("baton_executions_started_total", &[], started as f64);
    out.family(
        "baton_executions_ended_total",
        "counter",
        "Executions that reached a terminal state.",
    );
    out.sample("baton_executions_ended_total", &[], ended as f64);
    Ok(())
}

async fn task_runs(ctx: &WebContext, out: &mut Exposition) -> Result<(), Problem> {
    let err = |e| Problem::store("metrics", &e);
    let recent = ctx
        .store
        .search_executions(
            &ExecutionFilter::default(),
            Page::first(HISTOGRAM_EXECUTIONS),
        )
        .await
        .map_err(err)?;
    let (mut samples, mut claims) = (Vec::new(), Vec::new());
    for execution in &recent {
        let runs = ctx.store.task_runs(&execution.id).await.map_err(err)?;
        samples.extend(durations(&runs));
        claims.extend(claim_latencies(&runs));
    }
    histogram(
        out,
        "baton_task_run_duration_seconds",
        "Duration of task-run attempts of the most recent executions.",
        &BUCKETS,
        &samples,
    );
    histogram(
        out,
        "baton_claim_latency_seconds",
        "Worker task runs of the most recent executions: ready (created) to claimed (first attempt).",
        &CLAIM_BUCKETS,
        &claims,
    );

    let pending = ctx.store.executions_to_drive().await.map_err(err)?;
    let mut queued = 0usize;
    for id in pending.iter().take(QUEUE_SCAN) {
        queued += ctx
            .store
            .task_runs(id)
            .await
            .map_err(err)?
            .iter()
            .filter(|t| t.dispatch == Dispatch::Worker && t.state == RunState::Created)
            .count();
    }
    out.family(
        "baton_queue_depth",
        "gauge",
        "Task runs waiting for a worker (claimable).",
    );
    out.sample("baton_queue_depth", &[], queued as f64);
    out.family(
        "baton_executions_pending",
        "gauge",
        "Non-terminal executions.",
    );
    out.sample("baton_executions_pending", &[], pending.len() as f64);
    Ok(())
}

async fn flows_and_sync(ctx: &WebContext, out: &mut Exposition) -> Result<(), Problem> {
    let err = |e| Problem::store("metrics", &e);
    let flows = ctx.store.live_flows().await.map_err(err)?;
    let statuses = ctx.store.flow_sync_statuses().await.map_err(err)?;
    out.family("baton_flows_deployed", "gauge", "Live flows.");
    out.sample("baton_flows_deployed", &[], flows.len() as f64);
    out.family(
        "baton_flows_invalid",
        "gauge",
        "Flow files whose latest commit did not apply.",
    );
    let invalid = statuses.iter().filter(|s| s.condition != "Ready").count();
    out.sample("baton_flows_invalid", &[], invalid as f64);
    let mut last_success = ctx.sync_health.as_ref().and_then(|h| h.last_success());
    if let Some(repo) = &ctx.repo
        && let Some(status) = ctx.store.sync_status(&repo.sync_key).await.map_err(err)?
    {
        let ready = status.condition == "Ready";
        out.family(
            "baton_sync_ready",
            "gauge",
            "1 if the last sync applied cleanly.",
        );
        out.sample("baton_sync_ready", &[], if ready { 1.0 } else { 0.0 });
        out.family(
            "baton_sync_last_update_timestamp_seconds",
            "gauge",
            "When the sync status last changed.",
        );
        out.sample(
            "baton_sync_last_update_timestamp_seconds",
            &[],
            seconds(status.updated_at),
        );
        // Without the sync loop's own record, a Ready status is the last success.
        let success = ready.then_some(status.updated_at);
        last_success = last_success.or(success);
    }
    if let Some(t) = last_success {
        out.family(
            "baton_sync_last_success_timestamp_seconds",
            "gauge",
            "When the last successful sync finished.",
        );
        out.sample("baton_sync_last_success_timestamp_seconds", &[], seconds(t));
    }
    if let Some(health) = &ctx.sync_health {
        out.family(
            "baton_sync_duration_seconds",
            "gauge",
            "How long the last sync attempt took (fetch, validate, apply).",
        );
        out.sample(
            "baton_sync_duration_seconds",
            &[],
            health.last_duration().as_secs_f64(),
        );
    }
    Ok(())
}

async fn workers(ctx: &WebContext, out: &mut Exposition) -> Result<(), Problem> {
    let workers = ctx
        .store
        .workers()
        .await
        .map_err(|e| Problem::store("metrics", &e))?;
    let alive_since = Utc::now() - Span::seconds(60);
    out.family(
        "baton_workers_alive",
        "gauge",
        "Workers with a heartbeat in the last minute.",
    );
    let alive = workers
        .iter()
        .filter(|w| w.last_heartbeat >= alive_since)
        .count();
    out.sample("baton_workers_alive", &[], alive as f64);
    out.family(
        "baton_worker_last_heartbeat_timestamp_seconds",
        "gauge",
        "Last heartbeat per worker.",
    );
    for w in &workers {
        out.sample(
            "baton_worker_last_heartbeat_timestamp_seconds",
            &[("worker", &w.id)],
            seconds(w.last_heartbeat),
        );
    }
    Ok(())
}

/// `GET /metrics`.
pub async fn serve(State(ctx): State<WebContext>) -> Result<Response, Problem> {
    let mut out = Exposition(String::new());
    executions(&ctx, &mut out).await?;
    task_runs(&ctx, &mut out).await?;
    flows_and_sync(&ctx, &mut out).await?;
    workers(&ctx, &mut out).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out.0,
    )
        .into_response())
}
