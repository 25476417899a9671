//! From a rendered script task to what runs: the interpreter, the commands (a `script` becomes a
//! file in the working directory run by the language's program), Python and Node dependencies,
//! and the properties every script task shares.

use std::collections::BTreeMap;

use serde_json::Value;

use super::node_env;
use super::python_env::{PackageManager, install_commands, shell_quote};
use crate::spec::kinds::script::{Commands, LegacyPython, Script, ScriptOptions};
use crate::spec::{Task, TaskKind};
use crate::tasks::error::WorkerTaskError;

/// Default program running Python scripts (a venv, when active, provides it too).
const PYTHON: &str = "python3";
/// Default program running Node scripts.
const NODE: &str = "node";

/// What a script task runs, before its files are resolved.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ScriptPlan {
    /// Program and leading arguments; the script is the last argument.
    pub interpreter: Vec<String>,
    /// Dependency installation, then `beforeCommands`.
    pub before_commands: Vec<String>,
    /// The commands proper.
    pub commands: Vec<String>,
    /// `set -e` before the script.
    pub fail_fast: bool,
    /// End in WARNING when something was written to stderr.
    pub warning_on_stderr: bool,
    /// Environment of the commands.
    pub env: BTreeMap<String, String>,
    /// `inputFiles` as written (map, or JSON text of a map).
    pub input_files: Value,
    /// Files generated here: the script file of `*.Script` tasks.
    pub generated_files: BTreeMap<String, Vec<u8>>,
    /// `outputFiles` globs.
    pub output_files: Vec<String>,
    /// `namespaceFiles` as written.
    pub namespace_files: Value,
}

/// The language a script task is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Language {
    /// `shell.*`.
    Shell,
    /// `python.*` and the legacy `scripts.Python`.
    Python,
    /// `node.*`.
    Node,
}

impl Language {
    /// The language of a script task kind, `None` for other tasks.
    pub(crate) fn of(kind: &TaskKind) -> Option<Language> {
        use TaskKind as K;
        match kind {
            K::ShellCommands(_) | K::ShellScript(_) => Some(Language::Shell),
            K::PythonScript(_) | K::PythonCommands(_) | K::LegacyPython(_) => {
                Some(Language::Python)
            }
            K::NodeScript(_) | K::NodeCommands(_) => Some(Language::Node),
            _ => None,
        }
    }

    /// Kestra's default image for the language, used when Docker is asked for without one.
    pub(crate) fn default_image(self) -> &'static str {
        match self {
            Language::Shell => "ubuntu",
            Language::Python => "ghcr.io/kestra-io/pydata:latest",
            Language::Node => "node",
        }
    }
}

/// The plan of a rendered script task; `script_name` names the file a `script` is written to.
pub(crate) fn plan(task: &Task, script_name: &str) -> Result<ScriptPlan, WorkerTaskError> {
    use TaskKind as K;
    let manager = |name: &Option<String>| {
        PackageManager::parse(name.as_deref()).map_err(|reason| WorkerTaskError::Property {
            task_id: task.id.clone(),
            property: "packageManager".to_owned(),
            reason,
        })
    };
    let node_manager = |name: &Option<String>| {
        node_env::check_package_manager(name.as_deref()).map_err(|reason| {
            WorkerTaskError::Property {
                task_id: task.id.clone(),
                property: "packageManager".to_owned(),
                reason,
            }
        })
    };
    Ok(match &task.kind {
        K::ShellCommands(c) => commands_plan(c, Vec::new(), true),
        K::ShellScript(s) => {
            let mut plan = common(&s.options, Vec::new(), false);
            plan.commands = vec![s.script.clone()];
            plan
        }
        K::PythonCommands(c) => {
            let install = install_commands(&c.dependencies, manager(&c.package_manager)?, PYTHON);
            commands_plan(c, install, true)
        }
        K::PythonScript(s) => {
            let install = install_commands(&s.dependencies, manager(&s.package_manager)?, PYTHON);
            script_plan(s, install, PYTHON, &format!("{script_name}.py"))
        }
        K::NodeCommands(c) => {
            node_manager(&c.package_manager)?;
            commands_plan(c, node_env::install_commands(&c.dependencies), true)
        }
        K::NodeScript(s) => {
            node_manager(&s.package_manager)?;
            let install = node_env::install_commands(&s.dependencies);
            script_plan(s, install, NODE, &format!("{script_name}.js"))
        }
        K::LegacyPython(p) => legacy_python_plan(p),
        _ => {
            return Err(WorkerTaskError::NotWorkerTask {
                task_id: task.id.clone(),
                type_name: task.type_name.to_owned(),
            });
        }
    })
}

fn commands_plan(c: &Commands, install: Vec<String>, fail_fast: bool) -> ScriptPlan {
    let mut plan = common(&c.options, install, fail_fast);
    plan.commands = c.commands.clone();
    plan
}

fn script_plan(s: &Script, install: Vec<String>, program: &str, file: &str) -> ScriptPlan {
    let mut plan = common(&s.options, install, false);
    plan.generated_files
        .insert(file.to_owned(), s.script.clone().into_bytes());
    plan.commands = vec![format!("{program} {}", shell_quote(file))];
    plan
}

/// Properties shared by every script task; `install` runs before `beforeCommands`.
fn common(options: &ScriptOptions, install: Vec<String>, fail_fast: bool) -> ScriptPlan {
    let mut before_commands = install;
    before_commands.extend(options.before_commands.iter().cloned());
    ScriptPlan {
        interpreter: options
            .interpreter
            .clone()
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| vec!["/bin/sh".to_owned(), "-c".to_owned()]),
        before_commands,
        commands: Vec::new(),
        fail_fast: options.fail_fast.unwrap_or(fail_fast),
        // Kestra's default: anything on stderr makes the task end in WARNING.
        warning_on_stderr: options.warning_on_std_err.unwrap_or(true),
        env: options.env.clone(),
        input_files: options.input_files.clone(),
        generated_files: BTreeMap::new(),
        output_files: options.output_files.clone(),
        namespace_files: options.namespace_files.clone(),
    }
}

/// `io.kestra.core.tasks.scripts.Python`: `main.py` from `inputFiles`, run with `args`, after
/// installing `requirements`.
fn legacy_python_plan(p: &LegacyPython) -> ScriptPlan {
    let python = p.python_path.clone().unwrap_or_else(|| PYTHON.to_owned());
    let before_commands = install_commands(&p.requirements, PackageManager::Pip, &python);
    // Inside the venv `python` is the venv's interpreter; without one, the configured path.
    let program = if before_commands.is_empty() {
        shell_quote(&python)
    } else {
        "python".to_owned()
    };
    let mut command = format!("{program} main.py");
    for arg in &p.args {
        command.push(' ');
        command.push_str(&shell_quote(arg));
    }
    ScriptPlan {
        interpreter: vec!["/bin/sh".to_owned(), "-c".to_owned()],
        before_commands,
        commands: vec![command],
        fail_fast: true,
        warning_on_stderr: p.warning_on_std_err.unwrap_or(true),
        env: p.env.clone(),
        input_files: p.input_files.clone(),
        generated_files: BTreeMap::new(),
        output_files: p.output_files.clone(),
        namespace_files: Value::Null,
    }
}
