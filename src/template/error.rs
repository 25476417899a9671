//! `TemplateError`: what can go wrong when parsing or rendering a Kestra expression.
//!
//! Errors carry the template source and, when minijinja knows it, the line; the caller adds the
//! task and property it was rendering.

/// An error raised while parsing or rendering a template.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TemplateError {
    /// The template does not parse.
    #[error("syntax error{}: {message} in `{template}`", line_suffix(*line))]
    Syntax {
        template: String,
        line: Option<usize>,
        message: String,
    },
    /// A variable used by the template does not exist (Kestra's strict variables).
    #[error("Unable to find `{name}` used in the expression `{template}`{}", line_suffix(*line))]
    Undefined {
        template: String,
        name: String,
        line: Option<usize>,
    },
    /// The template used more work than the sandbox allows (e.g. a huge loop).
    #[error("template exceeded its work budget of {fuel} steps in `{template}`")]
    OutOfFuel { template: String, fuel: u64 },
    /// The rendered output grew past the configured limit.
    #[error("template output exceeds {limit} bytes in `{template}`")]
    OutputTooLarge { template: String, limit: usize },
    /// `render()` nested deeper than allowed.
    #[error("render() nested deeper than {limit} levels in `{template}`")]
    RecursionLimit { template: String, limit: usize },
    /// Any other failure while evaluating (bad filter argument, failed secret lookup ...).
    #[error("{message}{} in `{template}`", line_suffix(*line))]
    Render {
        template: String,
        line: Option<usize>,
        message: String,
    },
}

impl TemplateError {
    /// The template source the error is about.
    pub fn template(&self) -> &str {
        match self {
            TemplateError::Syntax { template, .. }
            | TemplateError::Undefined { template, .. }
            | TemplateError::OutOfFuel { template, .. }
            | TemplateError::OutputTooLarge { template, .. }
            | TemplateError::RecursionLimit { template, .. }
            | TemplateError::Render { template, .. } => template,
        }
    }

    /// The 1-based line of the template where the error happened, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            TemplateError::Syntax { line, .. }
            | TemplateError::Undefined { line, .. }
            | TemplateError::Render { line, .. } => *line,
            _ => None,
        }
    }
}

fn line_suffix(line: Option<usize>) -> String {
    line.map(|l| format!(" at line {l}")).unwrap_or_default()
}
