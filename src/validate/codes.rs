//! The table of diagnostic codes: stable names users can grep for and CI can match on.

/// Every code `baton validate` can emit, with a one-line meaning.
pub const CODES: &[(&str, &str)] = &[
    // Loading (from `load::LoadError::code`).
    ("yaml-syntax", "the file is not valid YAML"),
    ("duplicate-key", "a mapping has the same key twice"),
    ("multi-document", "more than one YAML document in a file"),
    ("empty", "the file holds no document"),
    ("too-large", "the file is larger than --max-file-size"),
    ("too-deep", "nesting deeper than the limit"),
    ("alias-bomb", "aliases expand to too many nodes"),
    (
        "too-many-path-bytes",
        "the paths to the document's values are too long in total",
    ),
    (
        "recursive-alias",
        "an alias refers to the node containing it",
    ),
    ("binary", "the file contains a NUL byte"),
    ("not-utf8", "the file is not UTF-8"),
    ("unsupported-tag", "a YAML tag other than the core ones"),
    (
        "invalid-tagged-value",
        "a core tag applied to text it cannot describe",
    ),
    ("complex-key", "a mapping key that is not a scalar"),
    ("bad-merge", "a merge key `<<` without a mapping"),
    ("outside-root", "a path outside the repository root"),
    ("io", "the file could not be read"),
    // Shape (JSON Schema and typed parse).
    ("not-a-flow", "the document is not a mapping"),
    (
        "unknown-type",
        "a task, trigger or condition type baton does not know",
    ),
    ("unknown-property", "a property the type does not have"),
    ("missing-property", "a required property is absent"),
    ("invalid-value", "a value of the wrong type or format"),
    (
        "invalid-flow",
        "the flow could not be read into baton's model",
    ),
    // Identity.
    (
        "invalid-id",
        "a flow, task, trigger or input id not matching Kestra's pattern or too long",
    ),
    (
        "invalid-namespace",
        "a namespace not matching ^[a-z0-9][a-z0-9._-]*$ or too long",
    ),
    (
        "namespace-mismatch",
        "the namespace differs from the folder under flows/",
    ),
    (
        "duplicate-flow-id",
        "two files declare the same namespace and id",
    ),
    ("duplicate-task-id", "two tasks of a flow share an id"),
    ("duplicate-trigger-id", "two triggers of a flow share an id"),
    ("duplicate-input-id", "two inputs of a flow share an id"),
    (
        "reserved-label",
        "a label with the reserved `system.` prefix",
    ),
    // Structure.
    ("empty-tasks", "a flow or flowable without tasks"),
    ("dag-cycle", "a Dag whose dependsOn form a cycle"),
    (
        "dag-unknown-dependency",
        "a Dag dependsOn naming no task of the Dag",
    ),
    (
        "switch-no-tasks",
        "a Switch with neither cases nor defaults",
    ),
    (
        "working-directory-child",
        "a flowable task inside a WorkingDirectory",
    ),
    (
        "deprecated-listeners",
        "listeners are deprecated and not run by baton",
    ),
    // Values.
    (
        "invalid-cron",
        "a schedule's cron expression does not parse",
    ),
    (
        "invalid-timezone",
        "a schedule's timezone is not an IANA name",
    ),
    (
        "invalid-input-default",
        "an input default not valid for its type",
    ),
    ("file-input-default", "a FILE input with defaults"),
    ("array-item-type", "an ARRAY input whose itemType is ARRAY"),
    (
        "invalid-validator",
        "an input validator that is not a valid regex",
    ),
    // Expressions.
    ("template-syntax", "an expression that does not parse"),
    (
        "template-include",
        "a template tag loading another template (include, import, from, extends)",
    ),
    (
        "output-file-escape",
        "an outputFiles glob leaving the working directory",
    ),
    (
        "input-file-escape",
        "an inputFiles name leaving the working directory",
    ),
    ("unknown-input", "an expression reading an undeclared input"),
    (
        "unknown-output",
        "an expression reading outputs of a task that does not exist",
    ),
    (
        "output-not-yet-available",
        "an expression reading outputs of a task that has not run yet",
    ),
    (
        "unknown-variable",
        "an expression reading an undeclared variable",
    ),
    // Across the repository.
    (
        "subflow-not-found",
        "a Subflow or Flow trigger naming a flow not in the repo (warning)",
    ),
    (
        "recursive-subflow",
        "a flow that calls itself, directly or through other flows",
    ),
    (
        "invalid-namespace-file",
        "a namespaces/<ns>/namespace.yaml that is not valid",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for (code, _) in CODES {
            assert!(seen.insert(*code), "{code} twice");
            assert!(
                code.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            );
        }
    }
}
