//! Helpers shared by the integration test modules, so that a change to how flows are deployed
//! is made in one place.

use std::path::Path;
use std::sync::Arc;

use baton::deploy::{Changes, LiveRegistry, ReconcileOptions, Reconciler, Revision};
use baton::load::DirTree;
use baton::store::Store;

/// Deploys every flow under `root` as revision `revision` into `store` and `registry`, as one
/// sync would (repository name `test`); fails the test if any flow is invalid.
pub(crate) async fn deploy_dir(
    store: &Arc<dyn Store>,
    registry: &Arc<LiveRegistry>,
    root: &Path,
    revision: &str,
) {
    let reconciler = Reconciler::new(
        Arc::clone(store),
        Arc::clone(registry),
        ReconcileOptions::new("test"),
    );
    let tree = Arc::new(DirTree::new(root).expect("tree"));
    let report = reconciler
        .reconcile(tree, Revision::new(revision), Changes::All)
        .await
        .expect("reconcile");
    assert!(report.invalid.is_empty(), "{:?}", report.diagnostics);
}
