//! Python dependencies of a script task (`dependencies` + `packageManager`, or the legacy
//! `requirements`): a virtual environment in the working directory, created and filled by
//! commands run before the task's own, so it works the same on the Process and Docker runners.

/// The package manager installing `dependencies`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PackageManager {
    /// `python -m venv` and `pip install`.
    Pip,
    /// `uv venv` and `uv pip install` (`uv` must be on the PATH).
    Uv,
}

impl PackageManager {
    /// `PIP` (default) or `UV`.
    pub(crate) fn parse(text: Option<&str>) -> Result<Self, String> {
        match text.map(str::to_ascii_uppercase).as_deref() {
            None | Some("PIP") => Ok(PackageManager::Pip),
            Some("UV") => Ok(PackageManager::Uv),
            Some(other) => Err(format!("unknown package manager `{other}` (PIP, UV)")),
        }
    }
}

/// Directory of the virtual environment, relative to the working directory.
const VENV: &str = ".venv";

/// Commands creating a venv, activating it, and installing `dependencies` into it (nothing when
/// there are none). Installer output goes to stdout so it does not turn the task into WARNING.
pub(crate) fn install_commands(
    dependencies: &[String],
    manager: PackageManager,
    python: &str,
) -> Vec<String> {
    if dependencies.is_empty() {
        return Vec::new();
    }
    let packages = shell_words(dependencies);
    let venv = format!("\"$WORKING_DIR/{VENV}\"");
    match manager {
        PackageManager::Pip => vec![
            format!("{} -m venv {venv} 2>&1", shell_quote(python)),
            format!(". {venv}/bin/activate"),
            format!("pip install --disable-pip-version-check --no-input -q {packages} 2>&1"),
        ],
        PackageManager::Uv => vec![
            format!("uv venv -q --python {} {venv} 2>&1", shell_quote(python)),
            format!(". {venv}/bin/activate"),
            format!("uv pip install -q {packages} 2>&1"),
        ],
    }
}

/// `text` as one single-quoted shell word.
/// The items single-quoted for a shell and joined by spaces (a package list).
pub(crate) fn shell_words(items: &[String]) -> String {
    items
        .iter()
        .map(|item| shell_quote(item))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_survive_shell_quoting() {
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }

    #[test]
    fn no_dependencies_means_no_venv() {
        assert!(install_commands(&[], PackageManager::Pip, "python3").is_empty());
        let commands = install_commands(&["kestra".into()], PackageManager::Pip, "python3");
        assert!(commands[2].contains("'kestra'"));
    }
}
