//! Flow revisions in SQLite: numbering, identical-source dedupe, tombstones, live listing.

use sqlx::{SqliteConnection, SqlitePool};

use super::codec::{micros, now};
use crate::store::error::StoreResult;
use crate::store::model::{FlowRevision, NewRevision};
use crate::store::rows;

const COLUMNS: &str =
    "namespace, flow_id, revision, source, commit_sha, path, author, deployed_at, deleted";

/// Stores a revision unless identical to the live one (see `Store::deploy_revision`).
pub(super) async fn deploy_revision(
    writer: &SqlitePool,
    new: NewRevision,
) -> StoreResult<FlowRevision> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
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
    writer: &SqlitePool,
    namespace: &str,
    id: &str,
    commit: Option<&str>,
) -> StoreResult<Option<FlowRevision>> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
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
    reader: &SqlitePool,
    namespace: &str,
    id: &str,
) -> StoreResult<Option<FlowRevision>> {
    let mut conn = reader.acquire().await?;
    Ok(latest(&mut conn, namespace, id)
        .await?
        .filter(|l| !l.deleted))
}

/// The live revision of every flow.
pub(super) async fn live_flows(reader: &SqlitePool) -> StoreResult<Vec<FlowRevision>> {
    let sql = "SELECT f.namespace, f.flow_id, f.revision, f.source, f.commit_sha, f.path, \
               f.author, f.deployed_at, f.deleted \
               FROM flow_revisions f \
               JOIN (SELECT namespace, flow_id, MAX(revision) AS revision \
                     FROM flow_revisions GROUP BY namespace, flow_id) m \
               ON f.namespace = m.namespace AND f.flow_id = m.flow_id AND f.revision = m.revision \
               WHERE f.deleted = 0 ORDER BY f.namespace, f.flow_id";
    let rows = sqlx::query(sql).fetch_all(reader).await?;
    rows.iter().map(rows::flow_revision).collect()
}

/// Every revision of a flow, oldest first.
pub(super) async fn flow_revisions(
    reader: &SqlitePool,
    namespace: &str,
    id: &str,
) -> StoreResult<Vec<FlowRevision>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM flow_revisions WHERE namespace = ? AND flow_id = ? \
         ORDER BY revision"
    );
    let rows = sqlx::query(&sql)
        .bind(namespace)
        .bind(id)
        .fetch_all(reader)
        .await?;
    rows.iter().map(rows::flow_revision).collect()
}

/// One revision of a flow.
pub(super) async fn flow_revision(
    reader: &SqlitePool,
    namespace: &str,
    id: &str,
    revision: i64,
) -> StoreResult<Option<FlowRevision>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM flow_revisions \
         WHERE namespace = ? AND flow_id = ? AND revision = ?"
    );
    let row = sqlx::query(&sql)
        .bind(namespace)
        .bind(id)
        .bind(revision)
        .fetch_optional(reader)
        .await?;
    row.as_ref().map(rows::flow_revision).transpose()
}

async fn latest(
    conn: &mut SqliteConnection,
    namespace: &str,
    id: &str,
) -> StoreResult<Option<FlowRevision>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM flow_revisions WHERE namespace = ? AND flow_id = ? \
         ORDER BY revision DESC LIMIT 1"
    );
    let row = sqlx::query(&sql)
        .bind(namespace)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(rows::flow_revision).transpose()
}

async fn insert(conn: &mut SqliteConnection, r: &FlowRevision) -> StoreResult<()> {
    let sql = format!("INSERT INTO flow_revisions ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    sqlx::query(&sql)
        .bind(&r.namespace)
        .bind(&r.id)
        .bind(r.revision)
        .bind(&r.source)
        .bind(&r.commit)
        .bind(&r.path)
        .bind(&r.author)
        .bind(micros(r.deployed_at))
        .bind(r.deleted)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
