//! Sync status per repository and per flow.

use super::now;
use baton::store::Store;
use baton::store::model::{FlowSyncStatus, SyncStatus};
use serde_json::json;
use std::sync::Arc;

pub(super) async fn sync_status_is_replaced_per_repo_and_per_flow(store: Arc<dyn Store>) {
    let mut status = SyncStatus {
        repo: "https://git.example.com/flows.git".into(),
        last_applied_revision: None,
        last_attempted_revision: Some("c1".into()),
        condition: "Reconciling".into(),
        reason: "Progressing".into(),
        message: "applying c1".into(),
        updated_at: now(),
        last_applied_commit: None,
        last_attempted_commit: None,
    };
    assert_eq!(store.sync_status(&status.repo).await.expect("get"), None);
    store.put_sync_status(&status).await.expect("put");
    status.last_applied_revision = Some("c1".into());
    status.condition = "Ready".into();
    store.put_sync_status(&status).await.expect("replace");
    assert_eq!(
        store.sync_status(&status.repo).await.expect("get"),
        Some(status)
    );

    let flow = |ns: &str, id: &str, condition: &str| FlowSyncStatus {
        namespace: ns.into(),
        flow_id: id.into(),
        path: format!("flows/{ns}/{id}.yaml"),
        last_applied_revision: Some("c1".into()),
        last_attempted_revision: Some("c2".into()),
        condition: condition.into(),
        reason: "ValidationFailed".into(),
        message: "1 error".into(),
        diagnostics: json!([{"line": 3, "message": "unknown task type"}]),
        updated_at: now(),
    };
    store
        .put_flow_sync_status(&flow("b", "x", "Ready"))
        .await
        .expect("put");
    store
        .put_flow_sync_status(&flow("a", "y", "Ready"))
        .await
        .expect("put");
    store
        .put_flow_sync_status(&flow("a", "y", "Stalled"))
        .await
        .expect("replace");
    let all = store.flow_sync_statuses().await.expect("list");
    assert_eq!(all.len(), 2);
    assert_eq!(
        (all[0].namespace.as_str(), all[0].condition.as_str()),
        ("a", "Stalled")
    );
    assert_eq!(
        all[0].diagnostics,
        json!([{"line": 3, "message": "unknown task type"}])
    );
    assert!(
        store
            .delete_flow_sync_status("a", "y")
            .await
            .expect("delete")
    );
    assert!(
        !store
            .delete_flow_sync_status("a", "y")
            .await
            .expect("delete twice")
    );
    assert_eq!(store.flow_sync_statuses().await.expect("list").len(), 1);
}

pub(super) async fn commit_details_of_the_applied_sha_are_kept(store: Arc<dyn Store>) {
    let details = |message: &str| baton::store::model::CommitDetails {
        message: message.into(),
        author: "Ada <ada@example.com>".into(),
        time: now(),
    };
    let mut status = SyncStatus {
        repo: "details".into(),
        last_applied_revision: Some("c1".into()),
        last_attempted_revision: Some("c1".into()),
        condition: "Ready".into(),
        reason: "Succeeded".into(),
        message: "applied c1".into(),
        updated_at: now(),
        last_applied_commit: Some(details("first")),
        last_attempted_commit: Some(details("first")),
    };
    store.put_sync_status(&status).await.expect("put c1");
    // c2 is attempted and refused: c1 stays applied, its details are not given again.
    status.last_attempted_revision = Some("c2".into());
    status.last_applied_commit = None;
    status.last_attempted_commit = Some(details("broken"));
    status.condition = "Stalled".into();
    store.put_sync_status(&status).await.expect("put c2");
    let read = store
        .sync_status("details")
        .await
        .expect("get")
        .expect("row");
    let applied = read.last_applied_commit.expect("applied details kept");
    assert_eq!(
        (applied.message.as_str(), applied.author.as_str()),
        ("first", "Ada <ada@example.com>")
    );
    assert_eq!(
        read.last_attempted_commit.expect("attempted").message,
        "broken"
    );
    // c3 is attempted without details while c2 becomes applied: c2's attempted details move.
    status.last_applied_revision = Some("c2".into());
    status.last_attempted_revision = Some("c3".into());
    status.last_attempted_commit = None;
    store.put_sync_status(&status).await.expect("put c3");
    let read = store
        .sync_status("details")
        .await
        .expect("get")
        .expect("row");
    assert_eq!(read.last_applied_commit.expect("applied").message, "broken");
    assert_eq!(read.last_attempted_commit, None);
}
