//! `Diagnostic`: one problem found in one file, with where it is and a stable code.

use serde::Serialize;

use crate::load::Positions;

/// How bad a diagnostic is: errors fail `baton validate`, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The file, as loaded (repo-relative or as given on the command line).
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    pub severity: Severity,
    /// Stable kebab-case code (see `codes::CODES`).
    pub code: &'static str,
    pub message: String,
    /// JSON pointer of the offending node ("" for the whole file).
    pub pointer: String,
}

/// A diagnostic not yet placed in a file: what checks produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub pointer: String,
    /// Point at the key of the entry at `pointer` rather than at its value.
    pub at_key: bool,
}

impl Finding {
    /// An error at `pointer`.
    pub fn error(
        code: &'static str,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            severity: Severity::Error,
            code,
            message: message.into(),
            pointer: pointer.into(),
            at_key: false,
        }
    }

    /// A warning at `pointer`.
    pub fn warning(
        code: &'static str,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(code, pointer, message)
        }
    }

    /// Points the finding at the key rather than the value.
    pub fn at_key(mut self) -> Self {
        self.at_key = true;
        self
    }

    /// Places the finding in `file` using the document's positions.
    pub fn place(self, file: &str, positions: &Positions) -> Diagnostic {
        let pos = if self.at_key {
            positions.locate_key(&self.pointer)
        } else {
            positions.locate(&self.pointer)
        };
        Diagnostic {
            file: file.to_string(),
            line: pos.line,
            column: pos.column,
            severity: self.severity,
            code: self.code,
            message: self.message,
            pointer: self.pointer,
        }
    }
}

impl Diagnostic {
    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
