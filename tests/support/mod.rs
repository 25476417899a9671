//! Helpers shared by the integration test modules, so that a change to how flows are deployed
//! is made in one place.

use std::path::Path;
use std::sync::Arc;

use baton::deploy::{Changes, LiveRegistry, ReconcileOptions, Reconciler, Revision};
use baton::load::DirTree;
use baton::store::model::{Execution, State};
use baton::store::{ExecutionFilter, Page, Store, Transition};

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

/// The (up to 100) newest executions of a flow.
pub(crate) async fn executions_of(store: &Arc<dyn Store>, flow_id: &str) -> Vec<Execution> {
    let filter = ExecutionFilter {
        flow_id: Some(flow_id.to_string()),
        ..ExecutionFilter::default()
    };
    store
        .search_executions(&filter, Page::first(100))
        .await
        .expect("search")
}

/// Marks executions as ended, as an engine would, so the next tick is not an overlap.
pub(crate) async fn finish(store: &Arc<dyn Store>, executions: &[Execution]) {
    for e in executions {
        let mut done = e.clone();
        done.state = State::Success;
        done.version += 1;
        store
            .apply(&Transition::execution(done))
            .await
            .expect("apply");
    }
}
