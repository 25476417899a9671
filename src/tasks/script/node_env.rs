//! Node.js dependencies of a script task (`dependencies`, `packageManager: NPM`): installed
//! with npm into the working directory's `node_modules` by commands run before the task's
//! own, so `require` finds them from a script there, on the Process and Docker runners alike.
//! Entries are anything `npm install` takes: `name@range`, a tarball or a folder path, a URL.

use super::python_env::shell_words;

/// Checks `packageManager` for a Node task: `NPM` (the default) is the one supported.
pub(crate) fn check_package_manager(text: Option<&str>) -> Result<(), String> {
    match text.map(str::to_ascii_uppercase).as_deref() {
        None | Some("NPM") => Ok(()),
        Some(other) => Err(format!("unknown package manager `{other}` for Node (NPM)")),
    }
}

/// Commands installing `dependencies` (nothing when there are none). `--prefix` keeps npm from
/// installing into an ancestor directory that happens to hold a `package.json`; its output goes
/// to stdout so it does not turn the task into WARNING.
pub(crate) fn install_commands(dependencies: &[String]) -> Vec<String> {
    if dependencies.is_empty() {
        return Vec::new();
    }
    let packages = shell_words(dependencies);
    vec![
        format!(
            "npm install --prefix \"$WORKING_DIR\" --no-save --no-package-lock --no-audit \
             --no-fund --loglevel=error {packages} 2>&1"
        ),
        // Scripts outside the working directory find the packages too.
        "export NODE_PATH=\"$WORKING_DIR/node_modules${NODE_PATH:+:$NODE_PATH}\"".to_owned(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_is_the_only_node_package_manager() {
        assert!(check_package_manager(None).is_ok());
        assert!(check_package_manager(Some("npm")).is_ok());
        assert!(check_package_manager(Some("UV")).is_err());
    }

    #[test]
    fn no_dependencies_means_no_install() {
        assert!(install_commands(&[]).is_empty());
        let commands = install_commands(&["left-pad@1".into()]);
        assert!(commands[0].contains("'left-pad@1'"));
    }
}
