//! The GitHub format: one workflow command per diagnostic, which GitHub Actions shows as an
//! annotation on the pull request's diff: `::error file=F,line=L,col=C,title=CODE::message`.

use crate::validate::{Diagnostic, Severity};

/// Renders every diagnostic as a workflow command line.
pub fn render(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!(
            "::{level} file={},line={},col={},title={}::{}\n",
            property(&d.file),
            d.line,
            d.column,
            property(d.code),
            data(&d.message)
        ));
    }
    out
}

/// Escapes a message as GitHub's toolkit does (`%`, CR, LF).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (also `:` and `,`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}
