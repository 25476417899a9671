//! `Reconciler::reconcile`: apply one revision of the repository. Only the flow files that
//! changed since the last applied revision are re-validated, plus the flows whose namespace
//! configuration (their namespace's or a parent's) changed. Each valid changed flow becomes a
//! new store revision; an invalid one stays at its last good revision with its errors recorded;
//! flows whose files were removed are pruned (unless told not to, and never all of them at once
//! unless `allow_empty`). The new set of live flows is swapped in at once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::Mutex;

use crate::load::Tree;
use crate::source::{Change, ChangeKind};
use crate::spec::Flow;
use crate::store::Store;
use crate::store::model::{CommitDetails, FlowRevision, NewRevision, SyncStatus};
use crate::validate::{Diagnostic, validate_flow_source};

use super::namespaces::{is_namespace_config, namespace_entry};
use super::status::{
    CONDITION_READY, CONDITION_RECONCILING, CONDITION_STALLED, FlowKey, flow_ready, flow_stalled,
    repo_status, summarize,
};
use super::{DeployError, LiveFlow, LiveRegistry, NamespaceFilter, NamespaceSet, Registry};

/// One revision of the source: a commit, or a working-tree snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The commit sha, or `worktree:<hash>` for a snapshot.
    pub id: String,
    /// The commit author (`Name <email>`), when known.
    pub author: Option<String>,
    /// Message, author and time of the commit, shown on the overview (none for a worktree).
    pub details: Option<CommitDetails>,
}

impl Revision {
    /// A revision known by its id alone (a working-tree snapshot): no author, no commit
    /// details. A commit sets those fields after.
    pub fn new(id: impl Into<String>) -> Revision {
        Revision {
            id: id.into(),
            author: None,
            details: None,
        }
    }
}

/// A repository status carrying the details of `revision` as attempted (and as applied, when
/// it is the applied one; otherwise the store keeps what it has for the applied sha).
fn with_details(mut status: SyncStatus, revision: &Revision) -> SyncStatus {
    status.last_attempted_commit = revision.details.clone();
    if status.last_applied_revision.as_deref() == Some(revision.id.as_str()) {
        status.last_applied_commit = revision.details.clone();
    }
    status
}

/// What changed since the last applied revision.
#[derive(Debug, Clone)]
pub enum Changes {
    /// Unknown (first sync, history rewritten): every file is looked at.
    All,
    /// These paths changed.
    Paths(Vec<Change>),
}

/// How a daemon reconciles.
#[derive(Debug, Clone)]
pub struct ReconcileOptions {
    /// The repository name used for its sync status (sanitized URL or path).
    pub repo: String,
    /// Remove flows whose file was removed.
    pub prune: bool,
    /// Allow a revision without any flow file to prune every flow.
    pub allow_empty: bool,
    /// Deploy only the namespaces this glob matches.
    pub namespace_filter: Option<NamespaceFilter>,
}

impl ReconcileOptions {
    /// Defaults for `repo`: prune, refuse empty revisions, every namespace.
    pub fn new(repo: impl Into<String>) -> ReconcileOptions {
        ReconcileOptions {
            repo: repo.into(),
            prune: true,
            allow_empty: false,
            namespace_filter: None,
        }
    }

    fn deploys(&self, namespace: &str) -> bool {
        self.namespace_filter
            .as_ref()
            .is_none_or(|f| f.matches(namespace))
    }
}

/// What one reconcile did.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReconcileReport {
    pub revision: String,
    /// `namespace.id` of flows that got a new revision.
    pub deployed: Vec<String>,
    /// Paths of flow files rejected (their last good revision stays live).
    pub invalid: Vec<String>,
    /// `namespace.id` of flows removed.
    pub pruned: Vec<String>,
    /// True when pruning every flow was refused (a revision without flows).
    pub prune_refused: bool,
    /// True when nothing relevant changed and nothing was read.
    pub skipped: bool,
    /// Every diagnostic of the files looked at.
    pub diagnostics: Vec<Diagnostic>,
}

/// One flow file checked by the blocking phase.
struct Checked {
    path: String,
    text: String,
    namespace: Option<String>,
    id: Option<String>,
    flow: Option<Flow>,
    diagnostics: Vec<Diagnostic>,
}

/// What the blocking phase read from the tree.
struct Examined {
    flow_paths: HashSet<String>,
    namespaces: Arc<NamespaceSet>,
    namespaces_changed: bool,
    namespace_diagnostics: Vec<Diagnostic>,
    checked: Vec<Checked>,
    deleted: Vec<String>,
}

/// Applies revisions of one repository to the store and the live registry.
pub struct Reconciler {
    store: Arc<dyn Store>,
    registry: Arc<LiveRegistry>,
    options: ReconcileOptions,
    last_applied: Mutex<Option<String>>,
}

/// The trigger-state key under which the namespace configuration of a repo is kept, so that a
/// restart rebuilds the registry before the first sync.
pub(crate) fn namespaces_state_key(repo: &str) -> String {
    format!("baton.deploy/namespaces/{repo}")
}

fn is_flow_path(path: &str) -> bool {
    path.starts_with("flows/") && (path.ends_with(".yaml") || path.ends_with(".yml"))
}

fn is_relevant(path: &str) -> bool {
    is_flow_path(path) || path.starts_with("namespaces/")
}

impl Reconciler {
    /// A reconciler writing to `store` and swapping `registry`.
    pub fn new(
        store: Arc<dyn Store>,
        registry: Arc<LiveRegistry>,
        options: ReconcileOptions,
    ) -> Reconciler {
        Reconciler {
            store,
            registry,
            options,
            last_applied: Mutex::new(None),
        }
    }

    /// The options.
    pub fn options(&self) -> &ReconcileOptions {
        &self.options
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The live registry.
    pub fn registry(&self) -> &Arc<LiveRegistry> {
        &self.registry
    }

    /// The last revision applied (restored from the store on start).
    pub async fn last_applied(&self) -> Option<String> {
        self.last_applied.lock().await.clone()
    }

    pub(crate) async fn set_last_applied(&self, revision: Option<String>) {
        *self.last_applied.lock().await = revision;
    }

    /// Applies `revision`, whose files are `tree`, given what changed since the last applied one.
    pub async fn reconcile(
        &self,
        tree: Arc<dyn Tree>,
        revision: Revision,
        changes: Changes,
    ) -> Result<ReconcileReport, DeployError> {
        let mut last_applied = self.last_applied.lock().await;
        let current = self.registry.snapshot();
        if let Changes::Paths(paths) = &changes
            && !paths.iter().any(|c| is_relevant(&c.path))
        {
            return self
                .skip_irrelevant(&current, tree, &revision, &mut last_applied)
                .await;
        }
        let reconciling = repo_status(
            &self.options.repo,
            last_applied.clone(),
            &revision.id,
            CONDITION_RECONCILING,
            "Progressing",
            format!("reconciling {}", revision.id),
        );
        self.store
            .put_sync_status(&with_details(reconciling, &revision))
            .await?;
        let examined = {
            let (tree, current, options) = (tree.clone(), current.clone(), self.options.clone());
            tokio::task::spawn_blocking(move || examine(&*tree, &changes, &current, &options))
                .await??
        };
        let report = self.apply(&current, tree, &revision, examined).await?;
        *last_applied = Some(revision.id.clone());
        Ok(report)
    }

    /// A revision that touches neither flows nor namespaces: only the status moves.
    async fn skip_irrelevant(
        &self,
        current: &Registry,
        tree: Arc<dyn Tree>,
        revision: &Revision,
        last_applied: &mut Option<String>,
    ) -> Result<ReconcileReport, DeployError> {
        let next = Registry::new(
            current.flow_map().clone(),
            current.namespaces().clone(),
            Some(tree),
            Some(revision.id.clone()),
        );
        self.registry.swap(next);
        let status = repo_status(
            &self.options.repo,
            Some(revision.id.clone()),
            &revision.id,
            CONDITION_READY,
            "Succeeded",
            "no flow or namespace file changed".to_string(),
        );
        self.store
            .put_sync_status(&with_details(status, revision))
            .await?;
        *last_applied = Some(revision.id.clone());
        Ok(ReconcileReport {
            revision: revision.id.clone(),
            skipped: true,
            ..ReconcileReport::default()
        })
    }

    async fn apply(
        &self,
        current: &Registry,
        tree: Arc<dyn Tree>,
        revision: &Revision,
        examined: Examined,
    ) -> Result<ReconcileReport, DeployError> {
        let mut flows = current.flow_map().clone();
        let by_path: HashMap<String, (String, String)> = flows
            .iter()
            .filter_map(|(uid, lf)| Some((lf.revision.path.clone()?, uid.clone())))
            .collect();
        let mut report = ReconcileReport {
            revision: revision.id.clone(),
            diagnostics: examined.namespace_diagnostics.clone(),
            ..ReconcileReport::default()
        };
        let mut to_prune: Vec<((String, String), String)> = Vec::new();
        let mut seen: HashMap<(String, String), String> = HashMap::new();
        for mut checked in examined.checked {
            if let Some(ns) = &checked.namespace
                && !self.options.deploys(ns)
            {
                continue;
            }
            if let Some(diag) = duplicate_of(
                &checked,
                &seen,
                &flows,
                &examined.flow_paths,
                &examined.deleted,
            ) {
                checked.diagnostics.push(diag);
                checked.flow = None;
            }
            report
                .diagnostics
                .extend(checked.diagnostics.iter().cloned());
            match checked.flow.take() {
                Some(flow) => {
                    let uid = (flow.namespace.clone(), flow.id.clone());
                    seen.insert(uid.clone(), checked.path.clone());
                    let before = flows.get(&uid).map(|lf| lf.revision.revision);
                    let stored = self.deploy(&checked, &flow, revision).await?;
                    if before != Some(stored.revision) {
                        report.deployed.push(format!("{}.{}", uid.0, uid.1));
                    }
                    if let Some(old) = by_path.get(&checked.path)
                        && *old != uid
                    {
                        to_prune.push((old.clone(), checked.path.clone()));
                    }
                    let key = FlowKey {
                        namespace: &uid.0,
                        flow_id: &uid.1,
                        path: &checked.path,
                    };
                    let status = flow_ready(&key, &revision.id, &checked.diagnostics);
                    self.store.put_flow_sync_status(&status).await?;
                    let live = LiveFlow {
                        flow: Arc::new(flow),
                        revision: stored,
                    };
                    flows.insert(uid, Arc::new(live));
                }
                None => {
                    self.record_invalid(&checked, &flows, &by_path, revision)
                        .await?;
                    report.invalid.push(checked.path.clone());
                }
            }
        }
        for path in &examined.deleted {
            if let Some(uid) = by_path.get(path) {
                to_prune.push((uid.clone(), path.clone()));
            }
        }
        let pruning_everything = examined.flow_paths.is_empty() && !flows.is_empty();
        if pruning_everything && !self.options.allow_empty {
            report.prune_refused = true;
        } else if self.options.prune {
            for (uid, path) in to_prune {
                // A flow whose file moved was redeployed from its new path: not a removal.
                let moved = flows
                    .get(&uid)
                    .is_none_or(|lf| lf.revision.path.as_deref() != Some(path.as_str()));
                if moved {
                    continue;
                }
                self.store
                    .delete_flow(&uid.0, &uid.1, Some(&revision.id))
                    .await?;
                self.store.delete_flow_sync_status(&uid.0, &uid.1).await?;
                flows.remove(&uid);
                report.pruned.push(format!("{}.{}", uid.0, uid.1));
            }
        }
        if examined.namespaces_changed {
            let value = serde_json::to_value(&*examined.namespaces).unwrap_or_default();
            let key = namespaces_state_key(&self.options.repo);
            self.store.trigger_state_set(&key, &value).await?;
        }
        let next = Registry::new(
            flows,
            examined.namespaces,
            Some(tree),
            Some(revision.id.clone()),
        );
        self.registry.swap(next);
        self.store
            .put_sync_status(&with_details(self.repo_status_of(&report), revision))
            .await?;
        Ok(report)
    }

    async fn deploy(
        &self,
        checked: &Checked,
        flow: &Flow,
        revision: &Revision,
    ) -> Result<FlowRevision, DeployError> {
        let new = NewRevision {
            namespace: flow.namespace.clone(),
            id: flow.id.clone(),
            source: checked.text.clone(),
            commit: Some(revision.id.clone()),
            path: Some(checked.path.clone()),
            author: revision.author.clone(),
        };
        Ok(self.store.deploy_revision(new).await?)
    }

    async fn record_invalid(
        &self,
        checked: &Checked,
        flows: &BTreeMap<(String, String), Arc<LiveFlow>>,
        by_path: &HashMap<String, (String, String)>,
        revision: &Revision,
    ) -> Result<(), DeployError> {
        let uid = match (&checked.namespace, &checked.id) {
            (Some(ns), Some(id)) => (ns.clone(), id.clone()),
            _ => by_path
                .get(&checked.path)
                .cloned()
                .unwrap_or_else(|| (String::new(), checked.path.clone())),
        };
        let applied = flows.get(&uid).and_then(|lf| lf.revision.commit.clone());
        let key = FlowKey {
            namespace: &uid.0,
            flow_id: &uid.1,
            path: &checked.path,
        };
        let status = flow_stalled(&key, &revision.id, applied, &checked.diagnostics);
        self.store.put_flow_sync_status(&status).await?;
        Ok(())
    }

    fn repo_status_of(&self, report: &ReconcileReport) -> SyncStatus {
        let repo = &self.options.repo;
        let rev = &report.revision;
        if report.prune_refused {
            let message = "the revision has no flow file; refusing to prune every flow (set --allow-empty to allow it)";
            return repo_status(
                repo,
                None,
                rev,
                CONDITION_STALLED,
                "EmptyRevision",
                message.to_string(),
            );
        }
        if report.invalid.is_empty() {
            let message = format!(
                "applied {rev}: {} deployed, {} pruned",
                report.deployed.len(),
                report.pruned.len()
            );
            return repo_status(
                repo,
                Some(rev.clone()),
                rev,
                CONDITION_READY,
                "Succeeded",
                message,
            );
        }
        // Valid files are applied one by one; the rejected ones stay at their last good revision.
        let message = format!(
            "{} flow file(s) rejected, still at their last good revision: {}",
            report.invalid.len(),
            summarize(&report.diagnostics)
        );
        repo_status(
            repo,
            Some(rev.clone()),
            rev,
            CONDITION_STALLED,
            "ValidationFailed",
            message,
        )
    }
}

/// A second file defining a flow id already defined by another live or changed file.
fn duplicate_of(
    checked: &Checked,
    seen: &HashMap<(String, String), String>,
    flows: &BTreeMap<(String, String), Arc<LiveFlow>>,
    flow_paths: &HashSet<String>,
    deleted: &[String],
) -> Option<Diagnostic> {
    let flow = checked.flow.as_ref()?;
    let uid = (flow.namespace.clone(), flow.id.clone());
    let other = seen.get(&uid).cloned().or_else(|| {
        let path = flows.get(&uid)?.revision.path.clone()?;
        let elsewhere =
            path != checked.path && flow_paths.contains(&path) && !deleted.contains(&path);
        elsewhere.then_some(path)
    })?;
    if other == checked.path {
        return None;
    }
    Some(Diagnostic {
        file: checked.path.clone(),
        line: 1,
        column: 1,
        severity: crate::validate::Severity::Error,
        code: "duplicate-flow-id",
        message: format!("flow [{}.{}] is already defined in {other}", uid.0, uid.1),
        pointer: "/id".to_string(),
    })
}

/// The blocking phase: list the tree, read the namespace folders, pick and validate the flow
/// files to look at.
fn examine(
    tree: &dyn Tree,
    changes: &Changes,
    current: &Registry,
    options: &ReconcileOptions,
) -> Result<Examined, DeployError> {
    let listing = tree.list().map_err(|e| DeployError::Tree {
        revision: current.revision().unwrap_or_default().to_string(),
        message: e.to_string(),
    })?;
    let flow_paths: HashSet<String> = listing
        .iter()
        .filter(|p| is_flow_path(p))
        .cloned()
        .collect();
    let namespaces_touched = match changes {
        Changes::All => true,
        Changes::Paths(paths) => paths.iter().any(|c| c.path.starts_with("namespaces/")),
    };
    let (namespaces, namespace_diagnostics) = if namespaces_touched {
        let (set, diags) = NamespaceSet::read(tree, &listing);
        (Arc::new(set), diags)
    } else {
        (current.namespaces().clone(), Vec::new())
    };
    let changed_namespaces = changed_namespaces(current.namespaces(), &namespaces, changes);
    let mut candidates: Vec<String> = match changes {
        Changes::All => flow_paths.iter().cloned().collect(),
        Changes::Paths(paths) => paths
            .iter()
            .filter(|c| c.kind != ChangeKind::Deleted && flow_paths.contains(&c.path))
            .map(|c| c.path.clone())
            .collect(),
    };
    for lf in current.flows() {
        if NamespaceSet::inherits_from_any(&lf.revision.namespace, &changed_namespaces)
            && let Some(path) = &lf.revision.path
            && flow_paths.contains(path)
        {
            candidates.push(path.clone());
        }
    }
    candidates.sort();
    candidates.dedup();
    let live_by_path: HashMap<&str, &LiveFlow> = current
        .flows()
        .filter_map(|lf| Some((lf.revision.path.as_deref()?, &**lf)))
        .collect();
    let checked = check_all(
        tree,
        &candidates,
        &namespaces,
        &live_by_path,
        &changed_namespaces,
        options,
    );
    let deleted = match changes {
        Changes::All => live_by_path
            .keys()
            .filter(|p| !flow_paths.contains(**p))
            .map(|p| p.to_string())
            .collect(),
        Changes::Paths(paths) => paths
            .iter()
            .filter(|c| c.kind == ChangeKind::Deleted && !flow_paths.contains(&c.path))
            .map(|c| c.path.clone())
            .collect(),
    };
    Ok(Examined {
        flow_paths,
        namespaces_changed: namespaces_touched,
        namespaces,
        namespace_diagnostics,
        checked,
        deleted,
    })
}

/// Namespaces whose configuration differs between `before` and `after` (or that a changed
/// path names, when the change is known path by path).
fn changed_namespaces(
    before: &NamespaceSet,
    after: &NamespaceSet,
    changes: &Changes,
) -> Vec<String> {
    let mut names: HashSet<String> = before
        .configs
        .keys()
        .chain(after.configs.keys())
        .cloned()
        .collect();
    names.retain(|ns| before.configs.get(ns) != after.configs.get(ns));
    if let Changes::Paths(paths) = changes {
        for c in paths.iter().filter(|c| is_namespace_config(&c.path)) {
            if let Some((ns, _)) = namespace_entry(&c.path) {
                names.insert(ns.to_string());
            }
        }
    }
    names.into_iter().collect()
}

/// Validates `paths` on every core; a file identical to its live revision, in a namespace whose
/// configuration did not change, is not validated again.
fn check_all(
    tree: &dyn Tree,
    paths: &[String],
    namespaces: &NamespaceSet,
    live_by_path: &HashMap<&str, &LiveFlow>,
    changed_namespaces: &[String],
    options: &ReconcileOptions,
) -> Vec<Checked> {
    let check = |path: &String| -> Option<Checked> {
        let text = match tree.read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                let diag = crate::validate::flow_source::load_diagnostic(path, &e);
                return Some(Checked {
                    path: path.clone(),
                    text: String::new(),
                    namespace: None,
                    id: None,
                    flow: None,
                    diagnostics: vec![diag],
                });
            }
        };
        if let Some(live) = live_by_path.get(path.as_str())
            && live.revision.source == text
            && !NamespaceSet::inherits_from_any(&live.revision.namespace, changed_namespaces)
        {
            return None;
        }
        let (namespace, id) = identity_of(&text);
        if let Some(ns) = &namespace
            && !options.deploys(ns)
        {
            return None;
        }
        let context = namespace
            .as_deref()
            .map(|ns| namespaces.context_for(ns))
            .unwrap_or_default();
        let (flow, diagnostics) = validate_flow_source(path, &text, &context);
        Some(Checked {
            path: path.clone(),
            text,
            namespace,
            id,
            flow,
            diagnostics,
        })
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    if paths.len() < 16 || cores <= 1 {
        return paths.iter().filter_map(check).collect();
    }
    let chunk = paths.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let workers: Vec<_> = paths
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().filter_map(check).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| match w.join() {
                Ok(found) => found,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

/// `namespace` and `id` as written in a flow file, when it parses.
pub(crate) fn identity_of(text: &str) -> (Option<String>, Option<String>) {
    let Ok(doc) = crate::load::parse_str(text, &crate::load::Limits::default()) else {
        return (None, None);
    };
    let field = |name: &str| {
        doc.value
            .get(name)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    (field("namespace"), field("id"))
}
