//! What the runner and the renderer would refuse at run time, reported before the flow is
//! deployed: `inputFiles` names and `outputFiles` globs that leave the working directory, and
//! template tags that load other templates (`include`, `import`, `from`, `extends`: the
//! renderer has no loader, so they can only fail).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::spec::templated::is_template;
use crate::validate::diagnostic::Finding;
use crate::validate::tree::{TaskNode, child_pointer};

/// A tag loading another template, with or without whitespace control.
static LOADING_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{%-?\s*(include|import|from|extends)\b").expect("valid regex"));

/// Keys whose strings are never rendered (their text may quote template syntax freely).
const NOT_RENDERED: &[&str] = &["description"];

/// True when `name` (a file name or a glob, `/`-separated) stays inside the working directory.
fn stays_inside(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('/') && !name.split('/').any(|part| part == "..")
}

/// Flags escaping `inputFiles` names and `outputFiles` globs of every task.
pub fn check_task_files(nodes: &[TaskNode<'_>]) -> Vec<Finding> {
    let mut out = Vec::new();
    for node in nodes {
        if let Some(Value::Array(globs)) = node.map.get("outputFiles") {
            for (i, glob) in globs.iter().enumerate() {
                if let Some(glob) = glob
                    .as_str()
                    .filter(|g| !is_template(g) && !stays_inside(g))
                {
                    out.push(Finding::error(
                        "output-file-escape",
                        format!("{}/outputFiles/{i}", node.pointer),
                        format!("output file glob `{glob}` leaves the working directory (an absolute path or a `..` segment); the runner refuses it"),
                    ));
                }
            }
        }
        if let Some(Value::Object(files)) = node.map.get("inputFiles") {
            for name in files.keys().filter(|n| !is_template(n) && !stays_inside(n)) {
                out.push(
                    Finding::error(
                        "input-file-escape",
                        child_pointer(&format!("{}/inputFiles", node.pointer), name),
                        format!("input file `{name}` would be written outside the working directory (an absolute path or a `..` segment); the runner refuses it"),
                    )
                    .at_key(),
                );
            }
        }
    }
    out
}

/// Flags every rendered string of the flow that loads another template.
pub fn check_loading_tags(flow: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    walk(flow, &mut Vec::new(), &mut out);
    out
}

/// One step from a parent to a child value.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Visits every string; the pointer is only built for a string that is reported (every flow
/// of a repository is walked, and almost none has a finding).
fn walk<'a>(value: &'a Value, path: &mut Vec<Step<'a>>, out: &mut Vec<Finding>) {
    match value {
        Value::String(text) => {
            if let Some(found) = LOADING_TAG.captures(text) {
                out.push(Finding::error(
                    "template-include",
                    pointer_of(path),
                    format!("`{{% {} %}}` loads another template, which baton's renderer never does (no file or template can be loaded): the render fails", &found[1]),
                ));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                walk(item, path, out);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (key, item) in map
                .iter()
                .filter(|(k, _)| !NOT_RENDERED.contains(&k.as_str()))
            {
                path.push(Step::Key(key));
                walk(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn pointer_of(path: &[Step<'_>]) -> String {
    path.iter().fold(String::new(), |pointer, step| match step {
        Step::Key(key) => child_pointer(&pointer, key),
        Step::Index(i) => format!("{pointer}/{i}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_leaving_the_working_directory_are_found() {
        for inside in ["a.csv", "out/*.csv", "./x", "**/*.json", "a..b"] {
            assert!(stays_inside(inside), "{inside}");
        }
        for outside in ["../x", "a/../../b", "/etc/passwd", ""] {
            assert!(!stays_inside(outside), "{outside}");
        }
    }

    #[test]
    fn loading_tags_are_found_in_rendered_strings_only() {
        let flow = json!({
            "description": "shows {% include 'x' %} as an example",
            "tasks": [
                {"id": "a", "message": "{%- import 'm' as m %}"},
                {"id": "b", "message": "{% if x %}{% endif %} {{ 'include' }}"},
                {"id": "c", "description": "{% extends 'base' %}", "message": "ok"}
            ]
        });
        let found = check_loading_tags(&flow);
        let pointers: Vec<&str> = found.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(pointers, ["/tasks/0/message"]);
        assert_eq!(found[0].code, "template-include");
    }
}
