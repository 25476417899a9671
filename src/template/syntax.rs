//! `check_syntax`: parse-only validation for the validator, returning the variables read.

use std::collections::HashSet;
use std::sync::LazyLock;

use minijinja::Environment;

use super::{TemplateError, pebble, references};

// Parsing needs no functions or filters: minijinja resolves them at render time.
static PARSER: LazyLock<Environment<'static>> = LazyLock::new(Environment::new);

/// Parses `template` (Pebble syntax accepted) and returns the variable paths it reads, e.g.
/// `inputs.name`, `outputs.my-task.value` for `outputs['my-task'].value`.
pub fn check_syntax(template: &str) -> Result<Vec<String>, TemplateError> {
    if !template.contains("{{") && !template.contains("{%") {
        return Ok(Vec::new());
    }
    let rewritten = pebble::rewrite(template).map_err(|e| TemplateError::Syntax {
        template: template.to_string(),
        line: None,
        message: e.to_string(),
    })?;
    let compiled = PARSER
        .template_from_str(&rewritten)
        .map_err(|e| TemplateError::Syntax {
            template: template.to_string(),
            line: e.line(),
            message: e.detail().unwrap_or("invalid syntax").to_string(),
        })?;
    let roots: HashSet<String> = compiled.undeclared_variables(false);
    Ok(references::scan_free(template, &roots))
}
