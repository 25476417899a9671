//! The human format, modelled on rustc:
//!
//! ```text
//! error[unknown-type]: Invalid type: io.kestra.plugin.core.log.Lg; did you mean ...?
//!  --> flows/a/x.yaml:7:11
//!   |
//! 7 |     type: io.kestra.plugin.core.log.Lg
//!   |           ^
//! ```

use std::fmt::Write;

use super::Sources;
use crate::validate::{Diagnostic, Severity};

const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const BLUE: &str = "\x1b[1;34m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Renders every diagnostic, each followed by a blank line.
pub fn render(diagnostics: &[Diagnostic], sources: &Sources<'_>, color: bool) -> String {
    let mut out = String::new();
    for d in diagnostics {
        one(&mut out, d, sources.get(d.file.as_str()).copied(), color);
        out.push('\n');
    }
    out
}

fn one(out: &mut String, d: &Diagnostic, source: Option<&str>, color: bool) {
    let paint = |style: &'static str| if color { style } else { "" };
    let reset = paint(RESET);
    let level = match d.severity {
        Severity::Error => paint(RED),
        Severity::Warning => paint(YELLOW),
    };
    let blue = paint(BLUE);
    let _ = writeln!(
        out,
        "{level}{}[{}]{reset}{}: {}{reset}",
        d.severity.as_str(),
        d.code,
        paint(BOLD),
        d.message
    );
    let line_text = source.and_then(|s| s.lines().nth(d.line.saturating_sub(1) as usize));
    let gutter = d.line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(
        out,
        "{pad}{blue}-->{reset} {}:{}:{}",
        d.file, d.line, d.column
    );
    let Some(text) = line_text else { return };
    let text = text.trim_end_matches('\r');
    let caret_pad: String = text
        .chars()
        .take(d.column.saturating_sub(1) as usize)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let _ = writeln!(out, "{pad} {blue}|{reset}");
    let _ = writeln!(out, "{blue}{}{reset} {blue}|{reset} {text}", d.line);
    let _ = writeln!(out, "{pad} {blue}|{reset} {caret_pad}{level}^{reset}");
}
