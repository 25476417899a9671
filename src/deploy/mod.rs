//! Reconcile a commit: changed files -> validate -> revisions; the live registry (swapped
//! atomically); namespace configuration inheritance; `plan`.
//!
//! Data enters as a source revision (a Git commit or a working-tree snapshot, read through
//! `load::Tree`) with the paths that changed since the last applied one, and leaves as flow
//! revisions and sync statuses in the store plus a new [`Registry`] of live flows that triggers
//! and the engine read. [`SyncLoop`] is the loop that fetches and reconciles; [`plan()`] compares
//! a repository with what a database has deployed without changing anything.

mod error;
mod filter;
mod follow;
mod namespaces;
pub mod plan;
mod reconcile;
mod registry;
mod restore;
mod status;
mod sync;

pub use error::DeployError;
pub use filter::NamespaceFilter;
pub use follow::{follow, follow_once};
pub use namespaces::NamespaceSet;
pub use plan::{Plan, PlanEntry, plan};
pub use reconcile::{Changes, ReconcileOptions, ReconcileReport, Reconciler, Revision};
pub use registry::{LiveFlow, LiveRegistry, Registry};
pub use status::{CONDITION_READY, CONDITION_RECONCILING, CONDITION_STALLED};
pub use sync::{SyncHealth, SyncLoop, SyncSource};
