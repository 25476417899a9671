//! Executions in SQLite: versioned writes, reads, search and counts.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};

use super::codec::{micros, micros_opt, state_list, to_json};
use crate::store::error::{StoreError, StoreResult};
use crate::store::filter::{ExecutionFilter, Page};
use crate::store::model::{Execution, State};
use crate::store::rows::{self, Columns};

/// Every column but `id`, in bind order; `id` is bound last by both writes.
const FIELDS: [&str; 18] = [
    "namespace",
    "flow_id",
    "flow_revision",
    "commit_sha",
    "state",
    "history",
    "inputs",
    "outputs",
    "labels",
    "variables",
    "trigger_info",
    "parent",
    "original_id",
    "created",
    "started",
    "ended",
    "error",
    "version",
];

/// The select list of an execution.
static COLUMNS: LazyLock<String> = LazyLock::new(|| format!("id, {}", FIELDS.join(", ")));

static INSERT: LazyLock<String> = LazyLock::new(|| {
    let marks = vec!["?"; FIELDS.len() + 1].join(", ");
    format!(
        "INSERT INTO executions ({}, id) VALUES ({marks}) ON CONFLICT (id) DO NOTHING",
        FIELDS.join(", ")
    )
});

static UPDATE: LazyLock<String> = LazyLock::new(|| {
    let sets: Vec<String> = FIELDS.iter().map(|f| format!("{f} = ?")).collect();
    format!(
        "UPDATE executions SET {} WHERE id = ? AND version = ?",
        sets.join(", ")
    )
});

/// Writes an execution under optimistic concurrency: version 1 inserts, version `n` updates
/// stored version `n - 1`; anything else is `StoreError::Conflict`.
pub(super) async fn write(conn: &mut SqliteConnection, e: &Execution) -> StoreResult<()> {
    let sql = if e.version == 1 { &*INSERT } else { &*UPDATE };
    let query = bind_fields(sqlx::query(sql), e)?.bind(&e.id);
    let query = if e.version == 1 {
        query
    } else {
        query.bind(e.version - 1)
    };
    let done = query.execute(&mut *conn).await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict {
            execution_id: e.id.clone(),
            version: e.version,
        });
    }
    Ok(())
}

/// Inserts a new execution whatever its version; `Conflict` if the id exists.
pub(super) async fn create(writer: &SqlitePool, e: &Execution) -> StoreResult<()> {
    let done = bind_fields(sqlx::query(&INSERT), e)?
        .bind(&e.id)
        .execute(writer)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict {
            execution_id: e.id.clone(),
            version: e.version,
        });
    }
    Ok(())
}

type Query<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>;

fn bind_fields<'q>(query: Query<'q>, e: &'q Execution) -> StoreResult<Query<'q>> {
    Ok(query
        .bind(&e.namespace)
        .bind(&e.flow_id)
        .bind(e.flow_revision)
        .bind(&e.commit)
        .bind(e.state.as_str())
        .bind(to_json(&e.history)?)
        .bind(to_json(&e.inputs)?)
        .bind(to_json(&e.outputs)?)
        .bind(to_json(&e.labels)?)
        .bind(to_json(&e.variables)?)
        .bind(e.trigger.as_ref().map(to_json).transpose()?)
        .bind(e.parent.as_ref().map(to_json).transpose()?)
        .bind(&e.original_id)
        .bind(micros(e.created))
        .bind(micros_opt(e.started))
        .bind(micros_opt(e.ended))
        .bind(&e.error)
        .bind(e.version))
}

/// One execution.
pub(super) async fn by_id(reader: &SqlitePool, id: &str) -> StoreResult<Option<Execution>> {
    let sql = format!("SELECT {} FROM executions WHERE id = ?", *COLUMNS);
    let row = sqlx::query(&sql).bind(id).fetch_optional(reader).await?;
    row.as_ref().map(rows::execution).transpose()
}

/// Executions matching a filter, newest first.
pub(super) async fn search(
    reader: &SqlitePool,
    filter: &ExecutionFilter,
    page: Page,
) -> StoreResult<Vec<Execution>> {
    let mut query = QueryBuilder::<Sqlite>::new(format!("SELECT {} FROM executions", *COLUMNS));
    push_filter(&mut query, filter, false);
    query.push(" ORDER BY created DESC, id DESC LIMIT ");
    query.push_bind(page.limit.max(0));
    query.push(" OFFSET ");
    query.push_bind(page.offset.max(0));
    let rows = query.build().fetch_all(reader).await?;
    rows.iter().map(rows::execution).collect()
}

/// How many executions match a filter.
pub(super) async fn count(reader: &SqlitePool, filter: &ExecutionFilter) -> StoreResult<i64> {
    let mut query = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM executions");
    push_filter(&mut query, filter, true);
    Ok(query.build().fetch_one(reader).await?.try_get(0)?)
}

/// The WHERE clause of a filter. With `ranged`, a namespace's children are matched as the key
/// range `[ns., ns/)` (`/` follows `.`), which counts from the indexes; a search keeps the
/// `substr` form, so SQLite walks `(created, id)` newest first and stops at the page.
/// How many executions match a filter, up to `cap`: the inner LIMIT stops the scan.
pub(super) async fn count_capped(
    reader: &SqlitePool,
    filter: &ExecutionFilter,
    cap: i64,
) -> StoreResult<i64> {
    let mut query = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM (SELECT 1 FROM executions");
    push_filter(&mut query, filter, true);
    query.push(" LIMIT ").push_bind(cap.max(0)).push(")");
    Ok(query.build().fetch_one(reader).await?.try_get(0)?)
}

fn push_filter<'a>(
    query: &mut QueryBuilder<'a, Sqlite>,
    filter: &'a ExecutionFilter,
    ranged: bool,
) {
    query.push(" WHERE 1 = 1");
    if let Some(ns) = &filter.namespace {
        // The namespace itself or a child: `a.b` matches `a.b` and `a.b.c`, not `a.bc`.
        let child_prefix = format!("{ns}.");
        query.push(" AND (namespace = ").push_bind(ns.as_str());
        if ranged {
            query.push(" OR (namespace >= ").push_bind(child_prefix);
            query
                .push(" AND namespace < ")
                .push_bind(format!("{ns}/"))
                .push("))");
        } else {
            let prefix_chars = child_prefix.chars().count() as i64;
            query
                .push(" OR substr(namespace, 1, ")
                .push_bind(prefix_chars);
            query.push(") = ").push_bind(child_prefix).push(")");
        }
    }
    if let Some(flow_id) = &filter.flow_id {
        query.push(" AND flow_id = ").push_bind(flow_id.as_str());
    }
    if !filter.states.is_empty() {
        query.push(" AND state IN (");
        let mut states = query.separated(", ");
        for s in &filter.states {
            states.push_bind(s.as_str());
        }
        query.push(")");
    }
    if let Some(from) = filter.from {
        query.push(" AND created >= ").push_bind(micros(from));
    }
    if let Some(to) = filter.to {
        query.push(" AND created < ").push_bind(micros(to));
    }
    for label in &filter.labels {
        query.push(
            " AND EXISTS (SELECT 1 FROM json_each(executions.labels) AS l \
             WHERE json_extract(l.value, '$.key') = ",
        );
        query.push_bind(label.key.as_str());
        query.push(" AND json_extract(l.value, '$.value') = ");
        query.push_bind(label.value.as_str()).push(")");
    }
}

/// Ids of non-terminal executions, oldest first.
pub(super) async fn to_drive(reader: &SqlitePool) -> StoreResult<Vec<String>> {
    // `IN` over the non-terminal states (rather than `NOT IN` terminal) uses the state index.
    let sql = format!(
        "SELECT id FROM executions WHERE state IN ({}) ORDER BY created, id",
        state_list(State::non_terminal())
    );
    Ok(sqlx::query_scalar(&sql).fetch_all(reader).await?)
}

/// Executions created since a time, per state.
pub(super) async fn count_by_state(
    reader: &SqlitePool,
    since: DateTime<Utc>,
) -> StoreResult<Vec<(State, i64)>> {
    let rows = sqlx::query(
        // Without statistics SQLite prefers scanning every entry of (state, created, id) for
        // the GROUP BY; the range of (created, state) reads only the window's executions.
        "SELECT state, COUNT(*) AS n FROM executions INDEXED BY executions_created_state \
         WHERE created >= ? GROUP BY state ORDER BY state",
    )
    .bind(micros(since))
    .fetch_all(reader)
    .await?;
    rows.iter()
        .map(|row| Ok((row.state("executions")?, row.int("n")?)))
        .collect()
}
