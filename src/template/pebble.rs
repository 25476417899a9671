//! Rewrites Pebble-only syntax into Jinja before minijinja compiles a template:
//!
//! - `a ?? b` (null coalescing: `a` null or undefined, even deep in a path) and `a ??? b`
//!   (undefined coalescing) become conditionals over the `__kestra_path` function, which walks a
//!   path without failing on missing keys;
//! - `cond ? a : b` becomes `(a if cond else b)`;
//! - `a contains b` becomes `(b in a)`;
//! - `null` becomes `none`;
//! - the operand of `| default(...)` and of `is [not] defined|null|none|empty` is made
//!   path-safe, as Pebble does for these in strict mode.
//!
//! Text outside tags and string literals are never touched.

use super::lexer::{Node, lex, text_of};
use super::segments::{Segment, split};

/// Function that walks `root` through the following keys, undefined when a step is missing.
pub(crate) const PATH_FN: &str = "__kestra_path";
/// Function that tells whether a value is null or undefined.
pub(crate) const ABSENT_FN: &str = "__kestra_absent";

const KEYWORDS: [&str; 22] = [
    "and",
    "or",
    "not",
    "in",
    "is",
    "if",
    "else",
    "elif",
    "for",
    "set",
    "endif",
    "endfor",
    "true",
    "false",
    "none",
    "True",
    "False",
    "None",
    "recursive",
    "with",
    "contains",
    "null",
];

/// How much a tag's code may grow when rewritten: at most this many times its length, or
/// `MIN_LIMIT` bytes if more. `??`, `?:` and `contains` repeat an operand, and an operand that
/// holds an earlier rewrite (a postfix chain after a `??`, a group) repeats it again, so each
/// level can double the code: found by fuzzing, a 200-byte expression took 0.3 s and each
/// further `??` doubled that.
const GROWTH: usize = 16;
const MIN_LIMIT: usize = 64 * 1024;

/// The rewrite of a tag would outgrow its limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Pebble operators (`??`, `? :`, `contains`) nest too deeply: rewriting them for the renderer would take more than {limit} bytes"
)]
pub(crate) struct TooComplex {
    pub limit: usize,
}

/// The template with Pebble syntax turned into Jinja; cheap when there is nothing to do.
pub(crate) fn rewrite(source: &str) -> Result<String, TooComplex> {
    let mut out = String::with_capacity(source.len() + 16);
    for segment in split(source) {
        match segment {
            Segment::Text(text) => out.push_str(text),
            Segment::Code {
                open,
                code,
                close,
                statement,
            } => {
                out.push_str(open);
                out.push_str(&rewrite_code(code, statement)?);
                out.push_str(close);
            }
        }
    }
    Ok(out)
}

/// Rewrites the code of one tag or expression.
pub(crate) fn rewrite_code(code: &str, statement: bool) -> Result<String, TooComplex> {
    if !needs_rewrite(code) {
        return Ok(code.to_string());
    }
    let limit = code.len().saturating_mul(GROWTH).max(MIN_LIMIT);
    rewrite_seq(lex(code), !statement, statement, limit)
        .map(|nodes| text_of(&nodes))
        .ok_or(TooComplex { limit })
}

/// `text` if it fits in `limit` bytes (every rewrite that repeats an operand goes through here).
fn within(text: String, limit: usize) -> Option<String> {
    (text.len() <= limit).then_some(text)
}

fn needs_rewrite(code: &str) -> bool {
    code.contains('?')
        || code.contains("null")
        || code.contains("contains")
        || code.contains("default")
        || code.contains(" is ")
        || code.contains("loop.")
}

/// Rewrites a node sequence: groups first, then per comma-separated segment; `None` once a
/// rewrite outgrows `limit`.
fn rewrite_seq(
    nodes: Vec<Node>,
    ternary: bool,
    statement: bool,
    limit: usize,
) -> Option<Vec<Node>> {
    let nodes: Vec<Node> = nodes
        .into_iter()
        .map(|n| match n {
            Node::Group(open, inner, closed) => Some(Node::Group(
                open,
                rewrite_seq(inner, open != '{', false, limit)?,
                closed,
            )),
            Node::Ident(name) if name == "null" => Some(Node::Ident("none".into())),
            other => Some(other),
        })
        .collect::<Option<_>>()?;
    let nodes = pebble_loop_index(nodes);
    let mut out = Vec::new();
    let mut segment = Vec::new();
    for node in nodes {
        if node.is_punct(",") {
            out.extend(rewrite_segment(
                std::mem::take(&mut segment),
                ternary,
                statement,
                limit,
            )?);
            out.push(node);
        } else {
            segment.push(node);
        }
    }
    out.extend(rewrite_segment(segment, ternary, statement, limit)?);
    Some(out)
}

/// Pebble's `loop.index` counts from 0 (Jinja's `loop.index0`); `loop.revindex` likewise.
fn pebble_loop_index(mut nodes: Vec<Node>) -> Vec<Node> {
    for i in 2..nodes.len() {
        let renamed = match &nodes[i] {
            Node::Ident(name) if name == "index" => "index0",
            Node::Ident(name) if name == "revindex" => "revindex0",
            _ => continue,
        };
        if nodes[i - 1].is_punct(".") && nodes[i - 2].is_ident("loop") {
            nodes[i] = Node::Ident(renamed.into());
        }
    }
    nodes
}

fn rewrite_segment(
    nodes: Vec<Node>,
    ternary: bool,
    statement: bool,
    limit: usize,
) -> Option<Vec<Node>> {
    let question = nodes.iter().position(|n| n.is_punct("?"));
    if (ternary || statement)
        && let Some(q) = question
        && let Some(colon) = matching_colon(&nodes, q)
    {
        let prefix_end = if statement {
            statement_prefix(&nodes[..q])
        } else {
            keyword_argument_prefix(&nodes[..q])
        };
        let mut out = nodes[..prefix_end].to_vec();
        let cond = rewrite_operators(nodes[prefix_end..q].to_vec(), limit)?;
        let then = rewrite_segment(nodes[q + 1..colon].to_vec(), true, false, limit)?;
        let other = rewrite_segment(nodes[colon + 1..].to_vec(), true, false, limit)?;
        let text = format!(
            "(({}) if ({}) else ({}))",
            text_of(&then).trim(),
            text_of(&cond).trim(),
            text_of(&other).trim()
        );
        out.push(Node::Space(" ".into()));
        out.push(Node::Ident(within(text, limit)?));
        return Some(out);
    }
    rewrite_operators(nodes, limit)
}

/// In `name=cond ? a : b` (a keyword argument), where the expression starts.
fn keyword_argument_prefix(nodes: &[Node]) -> usize {
    let solid: Vec<usize> = (0..nodes.len()).filter(|&i| !nodes[i].is_space()).collect();
    match solid.as_slice() {
        [name, eq, ..] if matches!(nodes[*name], Node::Ident(_)) && nodes[*eq].is_punct("=") => {
            eq + 1
        }
        _ => 0,
    }
}

/// In a statement, where the expression starts: after `if`/`elif` or the last `=`.
fn statement_prefix(nodes: &[Node]) -> usize {
    let assign = nodes.iter().rposition(|n| n.is_punct("="));
    if let Some(i) = assign {
        return i + 1;
    }
    nodes
        .iter()
        .position(|n| !n.is_space())
        .filter(|&i| nodes[i].is_ident("if") || nodes[i].is_ident("elif"))
        .map_or(0, |i| i + 1)
}

fn matching_colon(nodes: &[Node], question: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, n) in nodes.iter().enumerate().skip(question + 1) {
        if n.is_punct("?") {
            depth += 1;
        } else if n.is_punct(":") {
            if depth == 0 {
                return Some(i);
            }
            depth -= 1;
        }
    }
    None
}

/// Rewrites `??`, `???`, `contains`, and path-safe `default` / `is` operands in a segment.
fn rewrite_operators(nodes: Vec<Node>, limit: usize) -> Option<Vec<Node>> {
    let mut out: Vec<Node> = Vec::new();
    let mut i = 0;
    while i < nodes.len() {
        let node = &nodes[i];
        if node.is_punct("??") || node.is_punct("???") {
            let (lhs, rest) = take_operand_back(&mut out);
            out.extend(rest);
            let (expr, next) = coalesce_chain(lhs, &nodes, i, limit)?;
            out.push(Node::Ident(expr));
            i = next;
            continue;
        }
        if node.is_ident("contains") {
            let (lhs, rest) = take_operand_back(&mut out);
            out.extend(rest);
            let (rhs, next) = take_operand_forward(&nodes, i + 1);
            let text = format!("(({}) in ({}))", text_of(&rhs).trim(), text_of(&lhs).trim());
            out.push(Node::Ident(within(text, limit)?));
            i = next;
            continue;
        }
        if safe_operand_follows(&nodes, i) {
            let (operand, rest) = take_operand_back(&mut out);
            out.extend(rest);
            out.push(Node::Ident(within(safe_path(&operand), limit)?));
        }
        out.push(node.clone());
        i += 1;
    }
    Some(out)
}

/// Whether `nodes[i]` starts `| default` or `is [not] defined|null|none|empty`.
fn safe_operand_follows(nodes: &[Node], i: usize) -> bool {
    let next = |from: usize| (from..nodes.len()).find(|&j| !nodes[j].is_space());
    if nodes[i].is_punct("|") {
        return next(i + 1).is_some_and(|j| nodes[j].is_ident("default") || nodes[j].is_ident("d"));
    }
    if nodes[i].is_ident("is") {
        let mut j = next(i + 1);
        if let Some(k) = j.filter(|&k| nodes[k].is_ident("not")) {
            j = next(k + 1);
        }
        return j.is_some_and(|k| {
            ["defined", "undefined", "null", "none", "empty"]
                .iter()
                .any(|t| nodes[k].is_ident(t))
        });
    }
    false
}

/// Folds `lhs ?? x ?? y` from the right; returns the expression and the index after it.
fn coalesce_chain(
    lhs: Vec<Node>,
    nodes: &[Node],
    op_index: usize,
    limit: usize,
) -> Option<(String, usize)> {
    let mut operands = vec![lhs];
    let mut ops = Vec::new();
    let mut i = op_index;
    while let Some(op) = nodes
        .get(i)
        .filter(|n| n.is_punct("??") || n.is_punct("???"))
    {
        ops.push(op.text());
        let (rhs, next) = take_operand_forward(nodes, i + 1);
        operands.push(rhs);
        i = next;
        let after = (i..nodes.len()).find(|&j| !nodes[j].is_space());
        match after {
            Some(j) if nodes[j].is_punct("??") || nodes[j].is_punct("???") => i = j,
            _ => break,
        }
    }
    let mut expr = text_of(operands.last().map(Vec::as_slice).unwrap_or_default())
        .trim()
        .to_string();
    for (operand, op) in operands.iter().rev().skip(1).zip(ops.iter().rev()) {
        let path = safe_path(operand);
        expr = within(
            if op == "???" {
                format!("({expr} if ({path}) is undefined else ({path}))")
            } else {
                format!("({expr} if {ABSENT_FN}({path}) else ({path}))")
            },
            limit,
        )?;
    }
    Some((expr, i))
}

/// A path-safe form of an operand: `a.b['c']` becomes `__kestra_path(a, 'b', 'c')`.
fn safe_path(operand: &[Node]) -> String {
    let parts: Vec<&Node> = operand.iter().filter(|n| !n.is_space()).collect();
    // The root is everything up to the last call; only plain lookups after it are made safe.
    let last_call = parts
        .iter()
        .enumerate()
        .rposition(|(k, n)| k > 0 && matches!(n, Node::Group('(', _, _)));
    let root_end = last_call.map_or(1, |k| k + 1);
    if parts.is_empty()
        || !matches!(parts[0], Node::Ident(_) | Node::Group('(', _, _)) && root_end == 1
    {
        return text_of(operand).trim().to_string();
    }
    let root: String = parts[..root_end].iter().map(|n| n.text()).collect();
    let mut args = vec![root];
    let mut k = root_end;
    while k < parts.len() {
        match parts[k] {
            Node::Punct(p) if p == "." => {
                if let Some(key) = parts.get(k + 1) {
                    args.push(match key {
                        Node::Num(n) => n.clone(),
                        other => format!("'{}'", other.text()),
                    });
                }
                k += 2;
            }
            Node::Group('[', inner, _) => {
                args.push(format!("({})", text_of(inner).trim()));
                k += 1;
            }
            _ => return text_of(operand).trim().to_string(),
        }
    }
    format!("{PATH_FN}({})", args.join(", "))
}

/// Pops the operand ending `out` (a postfix chain), returning it and the nodes it displaced.
fn take_operand_back(out: &mut Vec<Node>) -> (Vec<Node>, Vec<Node>) {
    let mut trailing = Vec::new();
    while out.last().is_some_and(Node::is_space) {
        trailing.extend(out.pop());
    }
    let mut operand: Vec<Node> = Vec::new();
    while let Some(last) = out.pop() {
        let chainable = matches!(last, Node::Group('(' | '[', _, _));
        let is_name = matches!(&last, Node::Ident(_) | Node::Num(_));
        operand.insert(0, last);
        let prev = out.iter().rposition(|n| !n.is_space());
        match prev {
            Some(p) if chainable && operand_end(&out[p]) => out.truncate(p + 1),
            Some(p) if is_name && out[p].is_punct(".") => {
                operand.insert(0, Node::Punct(".".into()));
                out.truncate(p);
                if out.is_empty() {
                    break;
                }
            }
            _ => break,
        }
    }
    trailing.reverse();
    // `a | upper ?? b`: the filter chain belongs to the operand.
    if let Some(p) = out
        .iter()
        .rposition(|n| !n.is_space())
        .filter(|&p| out[p].is_punct("|"))
    {
        let mut pipe: Vec<Node> = out.drain(p..).collect();
        let (mut before, spaces) = take_operand_back(out);
        before.extend(spaces);
        before.append(&mut pipe);
        before.append(&mut operand);
        return (before, trailing);
    }
    (operand, trailing)
}

/// Whether a node can end an operand (so a following bracket group is a call or index).
fn operand_end(node: &Node) -> bool {
    match node {
        Node::Ident(name) => !KEYWORDS.contains(&name.as_str()),
        Node::Str(_) | Node::Num(_) | Node::Group(..) => true,
        _ => false,
    }
}

/// Reads the operand starting at `from` (skipping spaces): a primary and its postfix chain.
fn take_operand_forward(nodes: &[Node], from: usize) -> (Vec<Node>, usize) {
    let mut i = from;
    while i < nodes.len() && nodes[i].is_space() {
        i += 1;
    }
    let mut operand = Vec::new();
    if i < nodes.len() && (nodes[i].is_punct("-") || nodes[i].is_ident("not")) {
        operand.push(nodes[i].clone());
        operand.push(Node::Space(" ".into()));
        i += 1;
        while i < nodes.len() && nodes[i].is_space() {
            i += 1;
        }
    }
    if i >= nodes.len() {
        return (operand, i);
    }
    operand.push(nodes[i].clone());
    i += 1;
    loop {
        let mut j = i;
        while j < nodes.len() && nodes[j].is_space() {
            j += 1;
        }
        match nodes.get(j) {
            Some(Node::Group('(' | '[', _, _)) => {
                operand.push(nodes[j].clone());
                i = j + 1;
            }
            Some(n) if n.is_punct(".") => match nodes.get(j + 1) {
                Some(name @ (Node::Ident(_) | Node::Num(_))) => {
                    operand.push(n.clone());
                    operand.push(name.clone());
                    i = j + 2;
                }
                _ => break,
            },
            _ => break,
        }
    }
    (operand, i)
}

#[cfg(test)]
mod tests {
    /// The rewrite with whitespace removed: spacing is not part of the contract.
    fn rewrite(source: &str) -> String {
        super::rewrite(source)
            .expect("rewrites")
            .split_whitespace()
            .collect()
    }

    #[test]
    fn operands_repeated_level_after_level_stop_at_the_growth_limit() {
        // Each `. j ??` makes the previous rewrite part of the next operand, which is then
        // repeated: the code doubles per level (the fuzzer's find, grown to 60 levels).
        let source = format!("{{{{ a{} }}}}", " ?? b. j".repeat(60));
        let started = std::time::Instant::now();
        let error = super::rewrite(&source).expect_err("too complex");
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert!(error.limit >= super::MIN_LIMIT);
        // A long flat chain grows linearly and is rewritten.
        let chain = format!("{{{{ a{} }}}}", " ?? b.c".repeat(200));
        assert!(super::rewrite(&chain).is_ok());
    }

    fn squash(s: &str) -> String {
        s.split_whitespace().collect()
    }

    #[test]
    fn coalescing_becomes_a_path_safe_conditional() {
        assert_eq!(
            rewrite("{{ a.b ?? 'x' }}"),
            squash(
                "{{ ('x' if __kestra_absent(__kestra_path(a, 'b')) else (__kestra_path(a, 'b'))) }}"
            )
        );
        assert_eq!(
            rewrite("{{ o['t-1'].v ??? 1 }}"),
            squash(
                "{{ (1 if (__kestra_path(o, ('t-1'), 'v')) is undefined else (__kestra_path(o, ('t-1'), 'v'))) }}"
            )
        );
    }

    #[test]
    fn chains_fold_from_the_right() {
        let out = rewrite("{{ a ?? b ?? 'c' }}");
        assert_eq!(
            out,
            squash(
                "{{ (('c' if __kestra_absent(__kestra_path(b)) else (__kestra_path(b))) if __kestra_absent(__kestra_path(a)) else (__kestra_path(a))) }}"
            )
        );
    }

    #[test]
    fn ternary_contains_and_null() {
        assert_eq!(
            rewrite("{{ x ? 1 : 2 }}"),
            squash("{{ ((1) if (x) else (2)) }}")
        );
        assert_eq!(
            rewrite("{{ f(k=x ? 1 : 2) }}"),
            squash("{{ f(k= ((1) if (x) else (2))) }}")
        );
        assert_eq!(rewrite("{{ l contains 3 }}"), squash("{{ ((3) in (l)) }}"));
        assert_eq!(rewrite("{{ x == null }}"), squash("{{ x == none }}"));
        assert_eq!(
            rewrite("{% if x ? true : false %}"),
            squash("{% if ((true) if (x) else (false))%}")
        );
    }

    #[test]
    fn text_strings_comments_and_raw_blocks_are_untouched() {
        let source = "a ?? b {{ 'c ?? d' }} {# e ?? f #} {% raw %}{{ g ?? h }}{% endraw %}";
        assert_eq!(super::rewrite(source).as_deref(), Ok(source));
    }

    #[test]
    fn default_and_defined_operands_are_path_safe() {
        assert_eq!(
            rewrite("{{ a.b | default(1) }}"),
            squash("{{ __kestra_path(a, 'b')| default(1) }}")
        );
        assert_eq!(
            rewrite("{{ a.b is not defined }}"),
            squash("{{ __kestra_path(a, 'b')is not defined }}")
        );
        assert_eq!(
            rewrite("{{ a | upper | default(1) }}"),
            squash("{{ a | upper | default(1) }}")
        );
    }
}
