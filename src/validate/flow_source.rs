//! The pipeline for one flow file: load errors -> plugin defaults -> JSON Schema -> semantic
//! checks -> typed parse. Every stage runs as far as it can, so one pass reports every problem.

use serde_json::{Map, Value};

use crate::load::{self, Document, LoadError};
use crate::spec::{Flow, PluginDefault, defaults::apply_plugin_defaults};

use super::checks;
use super::diagnostic::{Diagnostic, Finding, Severity};
use super::namespace::NamespaceContext;
use super::references::{self, Reference};
use super::schema_check;
use super::tree::task_nodes;

/// What checking one file found.
#[derive(Debug, Clone, Default)]
pub struct FileOutcome {
    /// The typed flow, when the file has no error.
    pub flow: Option<Flow>,
    pub diagnostics: Vec<Diagnostic>,
    /// `namespace` and `id` as written, when they are strings.
    pub namespace: Option<String>,
    pub id: Option<String>,
    /// Subflows this flow calls and flows its triggers listen to.
    pub references: Vec<Reference>,
}

/// Validates one flow file's text: `path` is repo-relative (`flows/a/b/x.yaml` implies
/// namespace `a.b`), `context` what it inherits from its namespaces and knows of the repo.
pub fn validate_flow_source(
    path: &str,
    text: &str,
    context: &NamespaceContext,
) -> (Option<Flow>, Vec<Diagnostic>) {
    let doc = load::parse_str(text, &load::Limits::default());
    let folder = load::namespace_of_path(path);
    let mut outcome = check_file(path, folder.as_deref(), doc.as_ref(), context);
    if let Some(uid) = outcome
        .namespace
        .as_ref()
        .zip(outcome.id.as_ref())
        .map(|(n, i)| format!("{n}.{i}"))
    {
        let diags = references::check_single(&uid, &outcome.references, context, path);
        outcome.diagnostics.extend(diags);
    }
    if outcome.diagnostics.iter().any(Diagnostic::is_error) {
        outcome.flow = None;
    }
    (outcome.flow, outcome.diagnostics)
}

/// A load error as a diagnostic, positioned when the error has a place.
pub fn load_diagnostic(path: &str, error: &LoadError) -> Diagnostic {
    let pos = error.position().unwrap_or(load::Pos::new(1, 1));
    Diagnostic {
        file: path.to_string(),
        line: pos.line,
        column: pos.column,
        severity: Severity::Error,
        code: error.code(),
        message: error.to_string(),
        pointer: String::new(),
    }
}

/// Checks one loaded file (repo-level reference checks excluded).
pub fn check_file(
    path: &str,
    folder_namespace: Option<&str>,
    doc: Result<&Document, &LoadError>,
    context: &NamespaceContext,
) -> FileOutcome {
    let doc = match doc {
        Ok(doc) => doc,
        Err(e) => {
            return FileOutcome {
                diagnostics: vec![load_diagnostic(path, e)],
                ..FileOutcome::default()
            };
        }
    };
    let place = |f: Finding| f.place(path, &doc.positions);
    let Value::Object(_) = &doc.value else {
        let f = Finding::error(
            "not-a-flow",
            "",
            "a flow file must hold a mapping (id, namespace, tasks...)",
        );
        return FileOutcome {
            diagnostics: vec![place(f)],
            ..FileOutcome::default()
        };
    };
    let namespace = doc
        .value
        .get("namespace")
        .and_then(Value::as_str)
        .map(str::to_string);
    let id = doc
        .value
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut value = doc.value.clone();
    strip_nulls(&mut value);
    apply_plugin_defaults(&mut value, &effective_defaults(&doc.value, context));

    let mut findings = schema_check::check_flow(&value);
    let nodes = task_nodes(&value);
    findings.extend(schema_check::check_tasks(&nodes));
    findings.extend(schema_check::check_triggers(&value));
    findings.extend(checks::check_flow(&value, &nodes, &context.variables));
    findings.extend(namespace_matches_folder(
        namespace.as_deref(),
        folder_namespace,
    ));
    let refs = references::collect(&value, &nodes, &doc.positions);
    if let Some(uid) = namespace
        .as_ref()
        .zip(id.as_ref())
        .map(|(n, i)| format!("{n}.{i}"))
    {
        findings.extend(references::self_calls(&uid, &refs));
    }
    drop(nodes);

    // The typed parse would only restate an error already reported, less precisely.
    let flow = if !findings.iter().any(|f| f.severity == Severity::Error) {
        match Flow::from_value(value) {
            Ok(flow) => Some(flow),
            Err(e) => {
                findings.push(Finding::error("invalid-flow", e.pointer, e.message));
                None
            }
        }
    } else {
        None
    };
    let mut diagnostics: Vec<Diagnostic> = findings.into_iter().map(place).collect();
    sort(&mut diagnostics);
    let flow = flow.filter(|_| !diagnostics.iter().any(Diagnostic::is_error));
    FileOutcome {
        flow,
        diagnostics,
        namespace,
        id,
        references: refs,
    }
}

/// Sorts by position, keeping the order of checks for equal positions.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
}

/// The flow's own defaults first, then its namespaces', nearest first.
fn effective_defaults(flow: &Value, context: &NamespaceContext) -> Vec<PluginDefault> {
    let own = flow.get("pluginDefaults").or(flow.get("taskDefaults"));
    let mut out: Vec<PluginDefault> = own
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    out.extend(context.plugin_defaults.iter().cloned());
    out
}

fn namespace_matches_folder(namespace: Option<&str>, folder: Option<&str>) -> Option<Finding> {
    let (namespace, folder) = (namespace?, folder?);
    (namespace != folder).then(|| {
        Finding::error(
            "namespace-mismatch",
            "/namespace",
            format!("namespace `{namespace}` does not match the folder: a flow under flows/{} must have namespace `{folder}`", folder.replace('.', "/")),
        )
    })
}

/// Kestra reads `key: null` as an absent property; so does baton (inside tasks and triggers).
fn strip_nulls(value: &mut Value) {
    fn within(value: &mut Value, depth: usize) {
        if depth > 128 {
            return;
        }
        match value {
            Value::Array(items) => items.iter_mut().for_each(|v| within(v, depth + 1)),
            Value::Object(map) => {
                if map.contains_key("type") {
                    remove_nulls(map);
                }
                map.values_mut().for_each(|v| within(v, depth + 1));
            }
            _ => {}
        }
    }
    fn remove_nulls(map: &mut Map<String, Value>) {
        map.retain(|_, v| !v.is_null());
    }
    for key in ["tasks", "errors", "finally", "afterExecution", "triggers"] {
        if let Some(v) = value.get_mut(key) {
            within(v, 0);
        }
    }
}
