//! The Gantt chart of an execution: one row per task run, one bar per attempt (colored by the
//! attempt's state), on a time axis from the execution's start to its end (or now), as inline SVG.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::html::{duration, esc};
use crate::store::model::{Execution, State, TaskRun};

const WIDTH: f64 = 760.0;
const LABEL_W: f64 = 190.0;
const ROW_H: f64 = 26.0;
const BAR_H: f64 = 16.0;
const AXIS_H: f64 = 22.0;

/// Spans to draw for a task run: its attempts, or its whole life when it had none (flowables).
fn spans(run: &TaskRun, now: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>, State)> {
    if run.attempts.is_empty() {
        return vec![(run.created, run.ended.unwrap_or(now), run.state)];
    }
    run.attempts
        .iter()
        .map(|a| (a.started, a.ended.unwrap_or(now), a.state))
        .collect()
}

/// The chart's SVG.
pub fn svg(execution: &Execution, runs: &[TaskRun]) -> String {
    if runs.is_empty() {
        return "<p class=\"muted\" id=\"gantt\">No task run yet.</p>".into();
    }
    let now = Utc::now();
    let start = runs
        .iter()
        .map(|r| r.created)
        .chain(execution.started)
        .min()
        .unwrap_or(execution.created);
    let end = runs
        .iter()
        .flat_map(|r| spans(r, now))
        .map(|(_, e, _)| e)
        .chain(execution.ended)
        .max()
        .unwrap_or(now);
    let total_ms = (end - start).num_milliseconds().max(1) as f64;
    let scale = (WIDTH - LABEL_W - 10.0) / total_ms;
    let x_of = |t: DateTime<Utc>| LABEL_W + (t - start).num_milliseconds().max(0) as f64 * scale;
    let mut body = String::new();
    for tick in 0..=4 {
        let x = LABEL_W + (WIDTH - LABEL_W - 10.0) * tick as f64 / 4.0;
        let at = start + chrono::Duration::milliseconds((total_ms * tick as f64 / 4.0) as i64);
        let anchor = if tick == 4 { "end" } else { "start" };
        let _ = write!(
            body,
            "<line class=\"axis\" x1=\"{x}\" y1=\"{AXIS_H}\" x2=\"{x}\" y2=\"{}\"/><text class=\"lbl\" x=\"{x}\" y=\"14\" text-anchor=\"{anchor}\">+{}</text>",
            AXIS_H + ROW_H * runs.len() as f64,
            duration(start, at)
        );
    }
    for (i, run) in runs.iter().enumerate() {
        let y = AXIS_H + ROW_H * i as f64;
        let label = match &run.value {
            Some(v) => format!("{} [{}]", run.task_id, v),
            None => run.task_id.clone(),
        };
        let _ = write!(
            body,
            "<g class=\"row\" data-task-run=\"{}\"><text x=\"4\" y=\"{}\">{}</text>",
            esc(&run.id),
            y + 17.0,
            esc(&truncate(&label, 26))
        );
        for (n, (from, to, state)) in spans(run, now).into_iter().enumerate() {
            let x = x_of(from);
            let w = (x_of(to) - x).max(2.0);
            let _ = write!(
                body,
                "<rect class=\"bar s-{}\" x=\"{x:.1}\" y=\"{}\" width=\"{w:.1}\" height=\"{BAR_H}\" rx=\"3\"><title>{} attempt {}: {} ({})</title></rect>",
                state.as_str().to_ascii_lowercase(),
                y + 5.0,
                esc(&run.task_id),
                n + 1,
                state.as_str(),
                duration(from, to)
            );
        }
        body.push_str("</g>");
    }
    let height = AXIS_H + ROW_H * runs.len() as f64 + 4.0;
    format!(
        "<svg id=\"gantt\" role=\"img\" aria-label=\"Task runs over time\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" style=\"max-width:{WIDTH}px\" xmlns=\"http://www.w3.org/2000/svg\">{body}</svg>"
    )
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}
