//! The JSON format: an array of `{file, line, column, severity, code, message, pointer}`.

use crate::validate::Diagnostic;

/// Renders the diagnostics as a pretty JSON array, with a final newline.
pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = serde_json::to_string_pretty(diagnostics).unwrap_or_else(|_| "[]".into());
    out.push('\n');
    out
}
