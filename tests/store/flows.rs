//! Flow revisions: numbering, identical-source dedupe, tombstones, the live list.

use super::revision;
use baton::store::Store;
use std::sync::Arc;

pub(super) async fn revisions_are_numbered_and_identical_source_is_deduplicated(
    store: Arc<dyn Store>,
) {
    let first = store
        .deploy_revision(revision("company.team", "hello", "id: hello\n", "c1"))
        .await
        .expect("deploy");
    assert_eq!(first.revision, 1);
    assert_eq!(first.commit.as_deref(), Some("c1"));
    assert!(!first.deleted);

    let same = store
        .deploy_revision(revision("company.team", "hello", "id: hello\n", "c2"))
        .await
        .expect("redeploy");
    assert_eq!(
        same, first,
        "identical source returns the live revision unchanged"
    );

    let second = store
        .deploy_revision(revision("company.team", "hello", "id: hello\n# v2\n", "c3"))
        .await
        .expect("deploy v2");
    assert_eq!(second.revision, 2);
    let other = store
        .deploy_revision(revision("company.team", "other", "id: other\n", "c3"))
        .await
        .expect("deploy other");
    assert_eq!(other.revision, 1, "revisions are numbered per flow");

    let all = store
        .flow_revisions("company.team", "hello")
        .await
        .expect("revisions");
    assert_eq!(all.iter().map(|r| r.revision).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(all[0], first);
    assert_eq!(
        store
            .flow_revision("company.team", "hello", 2)
            .await
            .expect("rev 2"),
        Some(second.clone())
    );
    assert_eq!(
        store
            .flow_revision("company.team", "hello", 3)
            .await
            .expect("rev 3"),
        None
    );
    assert_eq!(
        store
            .live_flow("company.team", "hello")
            .await
            .expect("live"),
        Some(second)
    );
}

pub(super) async fn deleted_flows_leave_the_live_list_but_keep_their_history(
    store: Arc<dyn Store>,
) {
    let a = store
        .deploy_revision(revision("ns", "a", "id: a\n", "c1"))
        .await
        .expect("a");
    let b = store
        .deploy_revision(revision("ns", "b", "id: b\n", "c1"))
        .await
        .expect("b");
    let b2 = store
        .deploy_revision(revision("ns", "b", "id: b\n#2\n", "c2"))
        .await
        .expect("b2");
    assert_eq!(
        store.live_flows().await.expect("live"),
        [a.clone(), b2.clone()]
    );

    let tombstone = store
        .delete_flow("ns", "b", Some("c3"))
        .await
        .expect("delete")
        .expect("b was live");
    assert_eq!(tombstone.revision, 3);
    assert!(tombstone.deleted);
    assert_eq!(tombstone.commit.as_deref(), Some("c3"));
    assert_eq!(store.live_flows().await.expect("live"), [a]);
    assert_eq!(store.live_flow("ns", "b").await.expect("live b"), None);
    assert_eq!(
        store
            .delete_flow("ns", "b", None)
            .await
            .expect("delete again"),
        None
    );
    assert_eq!(
        store
            .delete_flow("ns", "missing", None)
            .await
            .expect("missing"),
        None
    );

    let history = store.flow_revisions("ns", "b").await.expect("history");
    assert_eq!(history.len(), 3, "revisions are kept after deletion");
    assert_eq!(history[0], b);

    let back = store
        .deploy_revision(revision("ns", "b", "id: b\n#2\n", "c4"))
        .await
        .expect("back");
    assert_eq!(
        back.revision, 4,
        "re-creating a deleted flow with the same source is a new revision"
    );
    assert_eq!(
        store.live_flow("ns", "b").await.expect("live b"),
        Some(back)
    );
}
