//! `plan`: what merging the repository's current state would change compared with what a
//! database has deployed: flows added, changed (with a short unified YAML diff), removed, and
//! newly invalid. Nothing is written.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::load::{Limits, Tree, load_repo};
use crate::store::Store;
use crate::validate::{Diagnostic, Options, validate_repo};

use super::status::summarize;
use super::{DeployError, NamespaceFilter};

/// How a flow would change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PlanKind {
    /// A new flow would be deployed.
    Added,
    /// The live flow would get a new revision.
    Changed,
    /// The live flow would be pruned.
    Removed,
    /// The file is invalid: a live flow stays at its last good revision, a new one is not
    /// deployed.
    Invalid,
}

/// One flow in a plan.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanEntry {
    pub kind: PlanKind,
    pub namespace: String,
    pub id: String,
    pub path: String,
    /// Unified diff deployed -> repository (changed flows).
    pub diff: Option<String>,
    /// Errors of an invalid file.
    pub diagnostics: Vec<Diagnostic>,
    /// For an invalid file: whether a revision of this flow is live.
    pub live: bool,
}

/// Everything a merge would change.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub entries: Vec<PlanEntry>,
    /// Flows that would not change.
    pub unchanged: usize,
}

/// Compares the flows of `tree` with the live flows of `store`.
pub async fn plan(
    tree: &dyn Tree,
    store: &dyn Store,
    filter: Option<&NamespaceFilter>,
) -> Result<Plan, DeployError> {
    let files = load_repo(tree, &Limits::default());
    let report = validate_repo(&files, &Options::default());
    let deployed: BTreeMap<(String, String), crate::store::model::FlowRevision> = store
        .live_flows()
        .await?
        .into_iter()
        .map(|r| ((r.namespace.clone(), r.id.clone()), r))
        .collect();
    let keep = |ns: &str| filter.is_none_or(|f| f.matches(ns));
    let mut plan = Plan::default();
    let mut in_repo = HashSet::new();
    for (file, validated) in files.flows.iter().zip(&report.flows) {
        let (Some(ns), Some(id)) = (&validated.namespace, &validated.id) else {
            plan.entries.push(invalid_entry(
                &file.path,
                "",
                &file.path,
                &report.diagnostics,
                false,
            ));
            continue;
        };
        if !keep(ns) {
            continue;
        }
        let uid = (ns.clone(), id.clone());
        in_repo.insert(uid.clone());
        let live = deployed.get(&uid);
        if validated.flow.is_none() {
            plan.entries.push(invalid_entry(
                ns,
                id,
                &file.path,
                &report.diagnostics,
                live.is_some(),
            ));
            continue;
        }
        let entry = |kind, diff| PlanEntry {
            kind,
            namespace: ns.clone(),
            id: id.clone(),
            path: file.path.clone(),
            diff,
            diagnostics: Vec::new(),
            live: live.is_some(),
        };
        match live {
            None => plan.entries.push(entry(PlanKind::Added, None)),
            Some(rev) if rev.source == file.text => plan.unchanged += 1,
            Some(rev) => plan.entries.push(entry(
                PlanKind::Changed,
                Some(unified_diff(&rev.source, &file.text)),
            )),
        }
    }
    for ((ns, id), rev) in &deployed {
        if keep(ns) && !in_repo.contains(&(ns.clone(), id.clone())) {
            plan.entries.push(PlanEntry {
                kind: PlanKind::Removed,
                namespace: ns.clone(),
                id: id.clone(),
                path: rev.path.clone().unwrap_or_default(),
                diff: None,
                diagnostics: Vec::new(),
                live: true,
            });
        }
    }
    Ok(plan)
}

fn invalid_entry(ns: &str, id: &str, path: &str, all: &[Diagnostic], live: bool) -> PlanEntry {
    PlanEntry {
        kind: PlanKind::Invalid,
        namespace: ns.to_string(),
        id: id.to_string(),
        path: path.to_string(),
        diff: None,
        diagnostics: all
            .iter()
            .filter(|d| d.file == path && d.is_error())
            .cloned()
            .collect(),
        live,
    }
}

/// A unified diff with two lines of context.
fn unified_diff(deployed: &str, repo: &str) -> String {
    similar::TextDiff::from_lines(deployed, repo)
        .unified_diff()
        .context_radius(2)
        .header("deployed", "repository")
        .to_string()
}

impl Plan {
    /// True when merging would change nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries of one kind.
    pub fn of(&self, kind: PlanKind) -> impl Iterator<Item = &PlanEntry> {
        self.entries.iter().filter(move |e| e.kind == kind)
    }

    /// One line of counts.
    pub fn summary(&self) -> String {
        format!(
            "{} to add, {} to change, {} to remove, {} invalid, {} unchanged",
            self.of(PlanKind::Added).count(),
            self.of(PlanKind::Changed).count(),
            self.of(PlanKind::Removed).count(),
            self.of(PlanKind::Invalid).count(),
            self.unchanged
        )
    }

    /// Plain text for a terminal.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for e in &self.entries {
            let sign = match e.kind {
                PlanKind::Added => "+",
                PlanKind::Changed => "~",
                PlanKind::Removed => "-",
                PlanKind::Invalid => "!",
            };
            let _ = writeln!(out, "{sign} {}.{} ({})", e.namespace, e.id, e.path);
            if let Some(diff) = &e.diff {
                for line in diff.lines() {
                    let _ = writeln!(out, "    {line}");
                }
            }
            if e.kind == PlanKind::Invalid {
                let kept = if e.live {
                    " (the live revision stays)"
                } else {
                    ""
                };
                let _ = writeln!(out, "    invalid{kept}: {}", summarize(&e.diagnostics));
            }
        }
        let _ = writeln!(out, "{}", self.summary());
        out
    }

    /// Markdown for a pull-request comment.
    pub fn render_markdown(&self) -> String {
        let mut out = String::from("### baton plan\n\n");
        let _ = writeln!(out, "{}\n", self.summary());
        let sections = [
            (PlanKind::Added, "Added"),
            (PlanKind::Changed, "Changed"),
            (PlanKind::Removed, "Removed"),
            (PlanKind::Invalid, "Invalid"),
        ];
        for (kind, title) in sections {
            let entries: Vec<&PlanEntry> = self.of(kind).collect();
            if entries.is_empty() {
                continue;
            }
            let _ = writeln!(out, "#### {title}\n");
            for e in entries {
                let _ = writeln!(out, "- `{}.{}` (`{}`)", e.namespace, e.id, e.path);
                if let Some(diff) = &e.diff {
                    let _ = writeln!(out, "\n```diff\n{}```\n", diff);
                }
                for d in &e.diagnostics {
                    let _ = writeln!(
                        out,
                        "  - line {}:{}: {} (`{}`)",
                        d.line, d.column, d.message, d.code
                    );
                }
            }
            out.push('\n');
        }
        out
    }
}
