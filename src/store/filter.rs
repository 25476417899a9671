//! Query parameters: execution search, log filters and paging.

use chrono::{DateTime, Utc};

use crate::store::model::{Label, Level, State};

/// Which executions to search; every field set narrows the result (AND).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExecutionFilter {
    /// The namespace or any of its children (`company` matches `company` and `company.team`).
    pub namespace: Option<String>,
    /// The exact flow id.
    pub flow_id: Option<String>,
    /// Any of these states (empty: any state).
    pub states: Vec<State>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub to: Option<DateTime<Utc>>,
    /// Carrying all of these labels.
    pub labels: Vec<Label>,
}

/// A page of results, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// How many to skip.
    pub offset: i64,
    /// How many at most to return.
    pub limit: i64,
}

impl Page {
    /// The first `limit` results.
    pub fn first(limit: i64) -> Self {
        Page { offset: 0, limit }
    }
}

impl Default for Page {
    fn default() -> Self {
        Page::first(100)
    }
}

/// Which log lines of an execution to read, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Only this task run.
    pub task_run_id: Option<String>,
    /// Only this task.
    pub task_id: Option<String>,
    /// Only at this level or more severe.
    pub min_level: Option<Level>,
    /// Only lines with an id greater than this (a cursor for tailing).
    pub after_id: Option<i64>,
    /// At most this many (`None`: all).
    pub limit: Option<i64>,
}
