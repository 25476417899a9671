//! Executions in Postgres: versioned writes, reads, search and counts.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgArguments;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};

use super::codec::{state_names, to_json};
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
    let marks: Vec<String> = (1..=FIELDS.len() + 1).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO executions ({}, id) VALUES ({}) ON CONFLICT (id) DO NOTHING",
        FIELDS.join(", "),
        marks.join(", ")
    )
});

static UPDATE: LazyLock<String> = LazyLock::new(|| {
    let sets: Vec<String> = FIELDS
        .iter()
        .enumerate()
        .map(|(i, f)| format!("{f} = ${}", i + 1))
        .collect();
    let n = FIELDS.len();
    format!(
        "UPDATE executions SET {} WHERE id = ${} AND version = ${}",
        sets.join(", "),
        n + 1,
        n + 2
    )
});

/// Writes an execution under optimistic concurrency: version 1 inserts, version `n` updates
/// stored version `n - 1`; anything else is `StoreError::Conflict`. A concurrent writer of
/// the same row waits for this transaction, then finds the version moved on.
pub(super) async fn write(conn: &mut PgConnection, e: &Execution) -> StoreResult<()> {
    let sql = if e.version == 1 { &*INSERT } else { &*UPDATE };
    let query = bind_fields(sqlx::query(sql), e)?.bind(&e.id);
    let query = if e.version == 1 {
        query
    } else {
        query.bind(e.version - 1)
    };
    let done = query.execute(&mut *conn).await?;
    if done.rows_affected() == 0 {
        return Err(conflict(e));
    }
    Ok(())
}

/// Inserts a new execution whatever its version; `Conflict` if the id exists.
pub(super) async fn create(conn: &mut PgConnection, e: &Execution) -> StoreResult<()> {
    let done = bind_fields(sqlx::query(&INSERT), e)?
        .bind(&e.id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Err(conflict(e));
    }
    Ok(())
}

fn conflict(e: &Execution) -> StoreError {
    StoreError::Conflict {
        execution_id: e.id.clone(),
        version: e.version,
    }
}

type Query<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;

fn bind_fields<'q>(query: Query<'q>, e: &'q Execution) -> StoreResult<Query<'q>> {
    Ok(query
        .bind(&e.namespace)
        .bind(&e.flow_id)
        .bind(e.flow_revision)
        .bind(&e.commit)
        .bind(e.state.as_str())
        .bind(to_json(&e.history)?)
        .bind(&e.inputs)
        .bind(&e.outputs)
        .bind(to_json(&e.labels)?)
        .bind(&e.variables)
        .bind(&e.trigger)
        .bind(e.parent.as_ref().map(to_json).transpose()?)
        .bind(&e.original_id)
        .bind(e.created)
        .bind(e.started)
        .bind(e.ended)
        .bind(&e.error)
        .bind(e.version))
}

/// One execution.
pub(super) async fn by_id(pool: &PgPool, id: &str) -> StoreResult<Option<Execution>> {
    let sql = format!("SELECT {} FROM executions WHERE id = $1", *COLUMNS);
    let row = sqlx::query(&sql).bind(id).fetch_optional(pool).await?;
    row.as_ref().map(rows::execution).transpose()
}

/// Executions matching a filter, newest first.
pub(super) async fn search(
    pool: &PgPool,
    filter: &ExecutionFilter,
    page: Page,
) -> StoreResult<Vec<Execution>> {
    let mut query = QueryBuilder::<Postgres>::new(format!("SELECT {} FROM executions", *COLUMNS));
    if page.offset > 0 {
        // Deep pages: skip ids on the index alone (index-only scan), then read the page's rows;
        // skipping whole rows read every skipped execution from the heap.
        query.push(" WHERE id IN (SELECT id FROM executions");
        push_filter(&mut query, filter)?;
        push_page(&mut query, page);
        query.push(") ORDER BY created DESC, id DESC");
    } else {
        push_filter(&mut query, filter)?;
        push_page(&mut query, page);
    }
    let rows = query.build().fetch_all(pool).await?;
    rows.iter().map(rows::execution).collect()
}

fn push_page(query: &mut QueryBuilder<'_, Postgres>, page: Page) {
    query.push(" ORDER BY created DESC, id DESC LIMIT ");
    query.push_bind(page.limit.max(0));
    query.push(" OFFSET ");
    query.push_bind(page.offset.max(0));
}

/// How many executions match a filter.
pub(super) async fn count(pool: &PgPool, filter: &ExecutionFilter) -> StoreResult<i64> {
    let mut query = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM executions");
    push_filter(&mut query, filter)?;
    Ok(query.build().fetch_one(pool).await?.try_get(0)?)
}

/// How many executions match a filter, up to `cap`: the inner LIMIT stops the scan.
pub(super) async fn count_capped(
    pool: &PgPool,
    filter: &ExecutionFilter,
    cap: i64,
) -> StoreResult<i64> {
    let mut query = QueryBuilder::<Postgres>::new("SELECT COUNT(*) FROM (SELECT 1 FROM executions");
    push_filter(&mut query, filter)?;
    query
        .push(" LIMIT ")
        .push_bind(cap.max(0))
        .push(") AS capped");
    Ok(query.build().fetch_one(pool).await?.try_get(0)?)
}

fn push_filter<'a>(
    query: &mut QueryBuilder<'a, Postgres>,
    filter: &'a ExecutionFilter,
) -> StoreResult<()> {
    query.push(" WHERE TRUE");
    if let Some(ns) = &filter.namespace {
        // The namespace itself or a child: `a.b` matches `a.b` and `a.b.c`, not `a.bc`. As one
        // key range [a.b, a.b/) minus the siblings (a.b, a.b.) between (`/` follows `.`, "C"
        // collation), so counts are index-only scans; an OR made PostgreSQL read the heap.
        query.push(" AND namespace >= ").push_bind(ns.as_str());
        query.push(" AND namespace < ").push_bind(format!("{ns}/"));
        query.push(" AND NOT (namespace > ").push_bind(ns.as_str());
        query
            .push(" AND namespace < ")
            .push_bind(format!("{ns}."))
            .push(")");
    }
    if let Some(flow_id) = &filter.flow_id {
        query.push(" AND flow_id = ").push_bind(flow_id.as_str());
    }
    if let [one] = filter.states.as_slice() {
        // Equality (not `= ANY`) lets (state, created, id) serve the order, index-only.
        query.push(" AND state = ").push_bind(one.as_str());
    } else if !filter.states.is_empty() {
        query
            .push(" AND state = ANY(")
            .push_bind(state_names(filter.states.iter().copied()))
            .push(")");
    }
    if let Some(from) = filter.from {
        query.push(" AND created >= ").push_bind(from);
    }
    if let Some(to) = filter.to {
        query.push(" AND created < ").push_bind(to);
    }
    if !filter.labels.is_empty() {
        // Containment: every wanted `{key, value}` is an element of `labels` (GIN-indexed).
        query
            .push(" AND labels @> ")
            .push_bind(to_json(&filter.labels)?);
    }
    Ok(())
}

/// Ids of non-terminal executions, oldest first.
pub(super) async fn to_drive(pool: &PgPool) -> StoreResult<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM executions WHERE state = ANY($1) ORDER BY created, id")
            .bind(state_names(State::non_terminal()))
            .fetch_all(pool)
            .await?,
    )
}

/// Executions created since a time, per state.
pub(super) async fn count_by_state(
    pool: &PgPool,
    since: DateTime<Utc>,
) -> StoreResult<Vec<(State, i64)>> {
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n FROM executions WHERE created >= $1 \
         GROUP BY state ORDER BY state",
    )
    .bind(since)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| Ok((row.state("executions")?, row.int("n")?)))
        .collect()
}
