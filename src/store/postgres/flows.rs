//! Flow revisions in Postgres: numbering (under a per-flow lock), identical-source dedupe,
//! tombstones, live listing.

use sqlx::{PgConnection, PgPool};

use super::codec::now;
use super::locks::{LockClass, lock};
use crate::store::error::StoreResult;
use crate::store::model::{FlowRevision, NewRevision};
use crate::store::rows;

const COLUMNS: &str =
    "namespace, flow_id, revision, source, commit_sha, path, author, deployed_at, deleted";

/// Stores a revision unless identical to the live one (see `Store::deploy_revision`).
pub(super) async fn deploy_revision(pool: &PgPool, new: NewRevision) -> StoreResult<FlowRevision> {
    let mut tx = pool.begin().await?;
    lock(&mut tx, LockClass::FlowRevisions, &new.namespace, &new.id).await?;
    let latest = latest(&mut tx, &new.namespace, &new.id).await?;
    if let Some(live) = latest
        .as_ref()
        .filter(|l| !l.deleted && l.source == new.source)
    {
        return Ok(live.clone());
    }
    let revision = FlowRevision {
        revision: latest.map_or(1, |l| l.revision + 1),
        namespace: new.namespace,
        id: new.id,
        source: new.source,
        commit: new.commit,
        path: new.path,
        author: new.author,
        deployed_at: now(),
        deleted: false,
    };
    insert(&mut tx, &revision).await?;
    tx.commit().await?;
    Ok(revision)
}

/// Stores a tombstone revision for a live flow (see `Store::delete_flow`).
pub(super) async fn delete_flow(
    pool: &PgPool,
    namespace: &str,
    id: &str,
    commit: Option<&str>,
) -> StoreResult<Option<FlowRevision>> {
    let mut tx = pool.begin().await?;
    lock(&mut tx, LockClass::FlowRevisions, namespace, id).await?;
    let Some(live) = latest(&mut tx, namespace, id).await?.filter(|l| !l.deleted) else {
        return Ok(None);
    };
    let tombstone = FlowRevision {
        revision: live.revision + 1,
        commit: commit.map(str::to_string),
        author: None,
        deployed_at: now(),
        deleted: true,
        ..live
    };
    insert(&mut tx, &tombstone).await?;
    tx.commit().await?;
    Ok(Some(tombstone))
}

/// The live revision of a flow.
pub(super) async fn live_flow(
    pool: &PgPool,
    namespace: &str,
    id: &str,
) -> StoreResult<Option<FlowRevision>> {
    let mut conn = pool.acquire().await?;
    Ok(latest(&mut conn, namespace, id)
        .await?
        .filter(|l| !l.deleted))
}

/// The live revision of every flow.
pub(super) async fn live_flows(pool: &PgPool) -> StoreResult<Vec<FlowRevision>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM (SELECT DISTINCT ON (namespace, flow_id) {COLUMNS} \
         FROM flow_revisions ORDER BY namespace, flow_id, revision DESC) latest \
         WHERE NOT deleted ORDER BY namespace, flow_id"
    );
    let rows = sqlx::query(&sql).fetch_all(pool).await?;
    rows.iter().map(rows::flow_revision).collect()
}

/// Every revision of a flow, oldest first.
pub(super) async fn flow_revisions(
    pool: &PgPool,
    namespace: &str,
    id: &str,
) -> StoreResult<Vec<FlowRevision>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM flow_revisions WHERE namespace = $1 AND flow_id = $2 \
         ORDER BY revision"
    );
    let rows = sqlx::query(&sql)
        .bind(namespace)
        .bind(id)
        .fetch_all(pool)
        .await?;
    rows.iter().map(rows::flow_revision).collect()
}

/// One revision of a flow.
pub(super) async fn flow_revision(
    pool: &PgPool,
    namespace: &str,
    id: &str,
    revision: i64,
) -> StoreResult<Option<FlowRevision>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM flow_revisions \
         WHERE namespace = $1 AND flow_id = $2 AND revision = $3"
    );
    let row = sqlx::query(&sql)
        .bind(namespace)
        .bind(id)
        .bind(revision)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(rows::flow_revision).transpose()
}

async fn latest(
    conn: &mut PgConnection,
    namespace: &str,
    id: &str,
) -> StoreResult<Option<FlowRevision>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM flow_revisions WHERE namespace = $1 AND flow_id = $2 \
         ORDER BY revision DESC LIMIT 1"
    );
    let row = sqlx::query(&sql)
        .bind(namespace)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(rows::flow_revision).transpose()
}

async fn insert(conn: &mut PgConnection, r: &FlowRevision) -> StoreResult<()> {
    let sql = format!(
        "INSERT INTO flow_revisions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    );
    sqlx::query(&sql)
        .bind(&r.namespace)
        .bind(&r.id)
        .bind(r.revision)
        .bind(&r.source)
        .bind(&r.commit)
        .bind(&r.path)
        .bind(&r.author)
        .bind(r.deployed_at)
        .bind(r.deleted)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
