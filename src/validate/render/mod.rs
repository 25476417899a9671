//! Rendering diagnostics: `human` (rustc-like, for terminals), `github` (workflow commands that
//! annotate a pull request) and `json` (for tools).

pub mod github;
pub mod human;
pub mod json;

use std::collections::HashMap;

use super::{Diagnostic, Report};

/// An output format of `baton validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Github,
    Json,
}

/// The text of each file, for the source snippets of the human format.
pub type Sources<'a> = HashMap<&'a str, &'a str>;

/// Renders a report in `format`; `color` only affects the human format.
pub fn render(report: &Report, format: Format, sources: &Sources<'_>, color: bool) -> String {
    match format {
        Format::Human => {
            let mut out = human::render(&report.diagnostics, sources, color);
            out.push_str(&summary(report));
            out.push('\n');
            out
        }
        Format::Github => github::render(&report.diagnostics),
        Format::Json => json::render(&report.diagnostics),
    }
}

/// `checked N flows in M files: E errors, W warnings`.
pub fn summary(report: &Report) -> String {
    let plural = |n: usize, one: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    format!(
        "checked {} in {}: {}, {}",
        plural(report.flows.len(), "flow"),
        plural(report.files, "file"),
        plural(report.errors(), "error"),
        plural(report.warnings(), "warning"),
    )
}

/// Renders diagnostics alone (no summary) in `format`.
pub fn render_diagnostics(
    diagnostics: &[Diagnostic],
    format: Format,
    sources: &Sources<'_>,
    color: bool,
) -> String {
    match format {
        Format::Human => human::render(diagnostics, sources, color),
        Format::Github => github::render(diagnostics),
        Format::Json => json::render(diagnostics),
    }
}
