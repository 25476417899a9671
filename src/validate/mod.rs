//! JSON Schema and semantic checks -> `Diagnostic`s, and their rendering as human, GitHub and
//! JSON output.
//!
//! Data enters as `load::RepoFiles` (a whole repo, for `baton validate` and a deploy) or as one
//! file's text (`validate_flow_source`, for a changed file) and leaves as a `Report`: every
//! diagnostic of every file (checking never stops at the first error) and the typed `Flow` of
//! each valid file. Per file: load errors, plugin defaults, JSON Schema (compiled once, shared),
//! semantic checks, typed parse; then across files: flow ids unique per namespace, references
//! to other flows, Subflow cycles. Files are checked on all cores.

pub mod checks;
pub mod codes;
pub mod diagnostic;
pub mod flow_source;
pub mod namespace;
pub mod references;
pub mod render;
pub mod schema_check;

pub mod tree;

use std::collections::HashMap;

use crate::load::RepoFiles;
use crate::spec::Flow;

pub use codes::CODES;
pub use diagnostic::{Diagnostic, Severity};
pub use flow_source::validate_flow_source;
pub use namespace::{NamespaceConfigs, NamespaceContext, namespace_chain};

use diagnostic::Finding;
use flow_source::{FileOutcome, check_file};

/// How to validate a repo.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Threads to check files on (`None`: every available core).
    pub threads: Option<usize>,
    /// Drop each typed flow as soon as it is parsed (`baton validate` only reports): keeps
    /// memory, and so time, down on big repos. `Report::flows` then holds no `flow`.
    pub check_only: bool,
}

/// One flow file and, when it is valid, its typed flow.
#[derive(Debug, Clone)]
pub struct ValidatedFlow {
    pub path: String,
    /// The flow, when the file has no error.
    pub flow: Option<Flow>,
    pub namespace: Option<String>,
    pub id: Option<String>,
}

/// Everything validating a repo found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every diagnostic, ordered by file then position.
    pub diagnostics: Vec<Diagnostic>,
    /// One entry per flow file, in file order.
    pub flows: Vec<ValidatedFlow>,
    /// Number of files looked at (flows and namespace files).
    pub files: usize,
}

impl Report {
    /// Number of errors.
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Number of warnings.
    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }

    /// True when there is no error (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.errors() == 0
    }
}

/// Validates every flow and namespace file of a loaded repo.
pub fn validate_repo(files: &RepoFiles, options: &Options) -> Report {
    schema_check::warm_up();
    let (configs, mut diagnostics) = NamespaceConfigs::from_repo(files);
    for e in &files.errors {
        diagnostics.push(flow_source::load_diagnostic(&e.path, &e.error));
    }
    let contexts = contexts_by_namespace(files, &configs);
    let empty = NamespaceContext::default();
    let outcomes = map_in_parallel(&files.flows, options.threads, |file| {
        let ns = file
            .doc
            .as_ref()
            .ok()
            .and_then(|d| d.value.get("namespace"))
            .and_then(|v| v.as_str());
        let context = ns.and_then(|ns| contexts.get(ns)).unwrap_or(&empty);
        let mut outcome = check_file(
            &file.path,
            file.folder_namespace.as_deref(),
            file.doc.as_ref(),
            context,
        );
        if options.check_only {
            outcome.flow = None;
        }
        outcome
    });
    diagnostics.extend(duplicate_flow_ids(files, &outcomes));
    let refs: Vec<(&str, Option<String>, &[references::Reference])> = files
        .flows
        .iter()
        .zip(&outcomes)
        .map(|(f, o)| (f.path.as_str(), uid(o), o.references.as_slice()))
        .collect();
    diagnostics.extend(references::check_repo(&refs));
    let mut flows = Vec::with_capacity(outcomes.len());
    for (file, outcome) in files.flows.iter().zip(outcomes) {
        diagnostics.extend(outcome.diagnostics);
        flows.push(ValidatedFlow {
            path: file.path.clone(),
            flow: outcome.flow,
            namespace: outcome.namespace,
            id: outcome.id,
        });
    }
    flow_source::sort(&mut diagnostics);
    // A flow is valid only when no check, including the repo-wide ones, found an error in it.
    let failed: std::collections::HashSet<&str> = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.file.as_str())
        .collect();
    for f in &mut flows {
        if failed.contains(f.path.as_str()) {
            f.flow = None;
        }
    }
    Report {
        diagnostics,
        flows,
        files: files.flows.len() + files.namespaces.len(),
    }
}

fn uid(o: &FileOutcome) -> Option<String> {
    Some(format!("{}.{}", o.namespace.as_ref()?, o.id.as_ref()?))
}

/// One context per namespace used by a flow, shared by its flows.
fn contexts_by_namespace(
    files: &RepoFiles,
    configs: &NamespaceConfigs,
) -> HashMap<String, NamespaceContext> {
    let mut out = HashMap::new();
    for f in &files.flows {
        let Some(ns) = f
            .doc
            .as_ref()
            .ok()
            .and_then(|d| d.value.get("namespace"))
            .and_then(|v| v.as_str())
        else {
            continue;
        };
        if !out.contains_key(ns) {
            out.insert(ns.to_string(), configs.context_for(ns));
        }
    }
    out
}

/// A flow id used twice in one namespace: an error on every file after the first.
fn duplicate_flow_ids(files: &RepoFiles, outcomes: &[FileOutcome]) -> Vec<Diagnostic> {
    let mut first: HashMap<String, &str> = HashMap::new();
    let mut out = Vec::new();
    for (file, outcome) in files.flows.iter().zip(outcomes) {
        let Some(uid) = uid(outcome) else { continue };
        match first.get(&uid) {
            Some(other) => {
                let Ok(doc) = &file.doc else { continue };
                let message = format!("flow [{uid}] is already defined in {other}");
                out.push(
                    Finding::error("duplicate-flow-id", "/id", message)
                        .place(&file.path, &doc.positions),
                );
            }
            None => {
                first.insert(uid, &file.path);
            }
        }
    }
    out
}

/// Applies `f` to every item on `threads` threads (default: all cores), keeping the order.
fn map_in_parallel<T: Sync, R: Send>(
    items: &[T],
    threads: Option<usize>,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let cores =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    // Threads cost more than they save on a handful of small files.
    if cores <= 1 || items.len() < 16 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(cores);
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| match w.join() {
                Ok(results) => results,
                // A panic in a worker is a bug in baton; re-raise it where it can be seen.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}
