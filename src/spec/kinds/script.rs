//! Script tasks (shell, Python, Node) and where they run (`taskRunner`). They all become a
//! command spec for the runner; the per-language structs differ only in how the script is given.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where a script task runs: `io.kestra.plugin.core.runner.Process` or
/// `io.kestra.plugin.scripts.runner.docker.Docker` (with its options).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskRunner {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub pull_policy: Option<String>,
    #[serde(default)]
    pub cpu: Option<Value>,
    #[serde(default)]
    pub memory: Option<Value>,
    #[serde(default)]
    pub network_mode: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub entry_point: Option<Vec<String>>,
    #[serde(default)]
    pub shm_size: Option<String>,
    #[serde(default)]
    pub delete: Option<bool>,
    #[serde(default)]
    pub file_handling_strategy: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub env: Option<BTreeMap<String, String>>,
}

/// Properties every script task shares.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScriptOptions {
    #[serde(default)]
    pub before_commands: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub interpreter: Option<Vec<String>>,
    #[serde(default)]
    pub fail_fast: Option<bool>,
    #[serde(default)]
    pub warning_on_std_err: Option<bool>,
    /// File name -> inline content or a `kestra://` URI of an earlier task's output.
    #[serde(default)]
    pub input_files: Value,
    #[serde(default)]
    pub output_files: Vec<String>,
    #[serde(default)]
    pub namespace_files: Value,
    #[serde(default)]
    pub container_image: Option<String>,
    #[serde(default)]
    pub task_runner: Option<TaskRunner>,
    /// Deprecated: Docker options before task runners existed.
    #[serde(default)]
    pub docker: Option<Value>,
    /// Deprecated: `PROCESS` or `DOCKER`.
    #[serde(default)]
    pub runner: Option<String>,
    #[serde(default)]
    pub target_os: Option<String>,
}

/// `shell.Commands`, `python.Commands`, `node.Commands`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Commands {
    pub commands: Vec<String>,
    #[serde(flatten)]
    pub options: ScriptOptions,
    /// Python packages to install first (python.Commands).
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// `PIP` or `UV`.
    #[serde(default)]
    pub package_manager: Option<String>,
}

/// `shell.Script`, `python.Script`, `node.Script`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Script {
    pub script: String,
    #[serde(flatten)]
    pub options: ScriptOptions,
    #[serde(default)]
    pub dependencies: Vec<String>,
    #[serde(default)]
    pub package_manager: Option<String>,
}

/// The legacy `io.kestra.core.tasks.scripts.Python`: `inputFiles` holds `main.py`, `args` are
/// passed to it, `requirements` are pip-installed first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LegacyPython {
    #[serde(default)]
    pub input_files: Value,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub requirements: Vec<String>,
    #[serde(default)]
    pub python_path: Option<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub output_files: Vec<String>,
    #[serde(default)]
    pub runner: Option<String>,
    #[serde(default)]
    pub docker_options: Option<Value>,
    #[serde(default)]
    pub warning_on_std_err: Option<bool>,
}
