//! Finds the variable paths a template reads (`inputs.name`, `outputs.my-task.value` for
//! `outputs['my-task'].value`), for the validator and for naming a missing variable.

use std::collections::HashSet;

use super::lexer::{Node, lex};
use super::segments::{Segment, split};

const NOT_VARIABLES: [&str; 51] = [
    "and",
    "or",
    "not",
    "in",
    "is",
    "if",
    "else",
    "elif",
    "for",
    "endfor",
    "endif",
    "set",
    "endset",
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
    "null",
    "recursive",
    "with",
    "endwith",
    "contains",
    "loop",
    "raw",
    "endraw",
    "filter",
    "endfilter",
    "macro",
    "endmacro",
    "call",
    "endcall",
    "block",
    "endblock",
    "extends",
    "include",
    "import",
    "from",
    "as",
    "ignore",
    "missing",
    "context",
    "without",
    "break",
    "continue",
    "do",
    "autoescape",
    "endautoescape",
    "self",
    "caller",
];

/// Every `root.key.key` path read by `source`, in order of first use, roots not filtered.
pub(crate) fn scan(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for segment in split(source) {
        if let Segment::Code { code, .. } = segment {
            scan_nodes(&lex(code), &mut found);
        }
    }
    let mut seen = HashSet::new();
    found.retain(|p| seen.insert(p.clone()));
    found
}

/// The paths of `source` whose root is one of `roots` (the template's free variables).
pub(crate) fn scan_free(source: &str, roots: &HashSet<String>) -> Vec<String> {
    scan(source)
        .into_iter()
        .filter(|p| roots.contains(p.split('.').next().unwrap_or_default()))
        .collect()
}

fn scan_nodes(nodes: &[Node], found: &mut Vec<String>) {
    let solid: Vec<&Node> = nodes.iter().filter(|n| !n.is_space()).collect();
    for (i, node) in solid.iter().enumerate() {
        if let Node::Group(_, inner, _) = node {
            scan_nodes(inner, found);
        }
        let Node::Ident(name) = node else { continue };
        if NOT_VARIABLES.contains(&name.as_str()) || name.starts_with("__") {
            continue;
        }
        let prev = i.checked_sub(1).map(|p| solid[p]);
        let before_prev = i.checked_sub(2).map(|p| solid[p]);
        let is_name_of_something = prev
            .is_some_and(|p| p.is_punct(".") || p.is_punct("|") || p.is_ident("is"))
            || (prev.is_some_and(|p| p.is_ident("not"))
                && before_prev.is_some_and(|p| p.is_ident("is")));
        let next = solid.get(i + 1);
        let is_call_or_kwarg =
            next.is_some_and(|n| matches!(n, Node::Group('(', _, _)) || n.is_punct("="));
        if is_name_of_something || is_call_or_kwarg {
            continue;
        }
        found.push(path_from(name, &solid[i + 1..]));
    }
}

/// `root` extended with the static keys that follow it.
fn path_from(root: &str, rest: &[&Node]) -> String {
    let mut path = root.to_string();
    let mut k = 0;
    while k < rest.len() {
        match rest[k] {
            Node::Punct(p) if p == "." => match rest.get(k + 1) {
                Some(Node::Ident(key) | Node::Num(key)) => {
                    path.push('.');
                    path.push_str(key);
                    k += 2;
                }
                _ => break,
            },
            Node::Group('[', inner, _) => {
                let solid: Vec<&Node> = inner.iter().filter(|n| !n.is_space()).collect();
                match solid.as_slice() {
                    [Node::Str(s)] => path.push_str(&format!(".{}", unquote(s))),
                    [Node::Num(n)] => path.push_str(&format!(".{n}")),
                    _ => break,
                }
                k += 1;
            }
            _ => break,
        }
    }
    path
}

fn unquote(literal: &str) -> String {
    let inner = literal
        .get(1..literal.len().saturating_sub(1))
        .unwrap_or_default();
    inner.replace("\\'", "'").replace("\\\"", "\"")
}
