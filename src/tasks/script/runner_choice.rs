//! Which runner a script task uses. baton's rule: the Process runner, unless the task asks for
//! Docker through `taskRunner.type: io.kestra.plugin.scripts.runner.docker.Docker` (or the
//! deprecated `runner: DOCKER`). Kestra defaults script tasks to Docker; baton does not, so a
//! flow runs the same with or without a Docker engine unless it says otherwise.

use serde_json::{Map, Value};

use crate::runner::{DockerOptions, PullPolicy, RunnerConfig};
use crate::spec::kinds::script::TaskRunner;
use crate::tasks::error::WorkerTaskError;

/// `taskRunner.type` of the Process runner.
pub const PROCESS_RUNNER: &str = "io.kestra.plugin.core.runner.Process";
/// `taskRunner.type` of the Docker runner.
pub const DOCKER_RUNNER: &str = "io.kestra.plugin.scripts.runner.docker.Docker";
/// Older name of the Process runner type, still seen in flows.
const LEGACY_PROCESS_RUNNER: &str = "io.kestra.plugin.scripts.runner.Process";

/// The properties deciding the runner; they are rendered before the rest of the task because
/// `workingDir` depends on the runner.
pub(crate) const RUNNER_PROPERTIES: [&str; 5] = [
    "taskRunner",
    "containerImage",
    "runner",
    "docker",
    "dockerOptions",
];

/// The runner of a script task and the Docker engine it names, if any.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunnerChoice {
    /// Process or Docker with its options.
    pub config: RunnerConfig,
    /// `taskRunner.host`: a Docker engine other than the worker's.
    pub host: Option<String>,
}

/// Picks the runner from the rendered `RUNNER_PROPERTIES` of a task; `default_image` is the
/// language's image when Docker is asked for without `containerImage`.
pub(crate) fn choose(
    props: &Map<String, Value>,
    default_image: &str,
    task_id: &str,
) -> Result<RunnerChoice, WorkerTaskError> {
    let property_error = |property: &str, reason: String| WorkerTaskError::Property {
        task_id: task_id.to_owned(),
        property: property.to_owned(),
        reason,
    };
    let container_image = props.get("containerImage").and_then(Value::as_str);
    if let Some(value) = props.get("taskRunner").filter(|v| !v.is_null()) {
        let runner: TaskRunner = serde_json::from_value(value.clone())
            .map_err(|error| property_error("taskRunner", error.to_string()))?;
        return match runner.kind.as_str() {
            PROCESS_RUNNER | LEGACY_PROCESS_RUNNER => Ok(process()),
            DOCKER_RUNNER => {
                let image = container_image.unwrap_or(default_image);
                let options = docker_options(&runner, image)
                    .map_err(|reason| property_error("taskRunner", reason))?;
                Ok(RunnerChoice {
                    config: RunnerConfig::Docker(options),
                    host: runner.host.clone(),
                })
            }
            other => Err(property_error(
                "taskRunner.type",
                format!(
                    "unsupported task runner `{other}` (use {PROCESS_RUNNER} or {DOCKER_RUNNER})"
                ),
            )),
        };
    }
    let legacy_docker = props
        .get("runner")
        .and_then(Value::as_str)
        .is_some_and(|runner| runner.eq_ignore_ascii_case("DOCKER"));
    if !legacy_docker {
        return Ok(process());
    }
    let legacy = props
        .get("docker")
        .or_else(|| props.get("dockerOptions"))
        .and_then(Value::as_object);
    let image = legacy
        .and_then(|d| d.get("image"))
        .and_then(Value::as_str)
        .or(container_image)
        .unwrap_or(default_image);
    let mut options = DockerOptions::new(image);
    if let Some(policy) = legacy
        .and_then(|d| d.get("pullPolicy"))
        .and_then(Value::as_str)
    {
        options.pull_policy =
            pull_policy(policy).map_err(|reason| property_error("docker.pullPolicy", reason))?;
    }
    Ok(RunnerChoice {
        config: RunnerConfig::Docker(options),
        host: None,
    })
}

fn process() -> RunnerChoice {
    RunnerChoice {
        config: RunnerConfig::Process,
        host: None,
    }
}

/// Kestra's Docker task runner options as the runner's.
fn docker_options(runner: &TaskRunner, image: &str) -> Result<DockerOptions, String> {
    let mut options = DockerOptions::new(image);
    if let Some(policy) = &runner.pull_policy {
        options.pull_policy = pull_policy(policy)?;
    }
    options.cpus = runner.cpu.as_ref().map(cpus).transpose()?;
    options.memory = runner.memory.as_ref().map(memory).transpose()?;
    options.network_mode = runner.network_mode.clone();
    options.user = runner.user.clone();
    options.entry_point = runner.entry_point.clone();
    options.shm_size = runner.shm_size.clone();
    options.delete = runner.delete.unwrap_or(true);
    options.env = runner.env.clone().unwrap_or_default();
    Ok(options)
}

/// `IF_NOT_PRESENT`, `ALWAYS` or `NEVER`.
pub(crate) fn pull_policy(text: &str) -> Result<PullPolicy, String> {
    match text.to_ascii_uppercase().as_str() {
        "IF_NOT_PRESENT" => Ok(PullPolicy::IfNotPresent),
        "ALWAYS" => Ok(PullPolicy::Always),
        "NEVER" => Ok(PullPolicy::Never),
        other => Err(format!(
            "unknown pull policy `{other}` (IF_NOT_PRESENT, ALWAYS, NEVER)"
        )),
    }
}

/// `cpu: {cpus: 1.5}` or a bare number.
fn cpus(value: &Value) -> Result<f64, String> {
    let number = value.get("cpus").unwrap_or(value);
    match number {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| format!("cpu {value} is not a number of cores"))
}

/// `memory: {memory: "512MB"}` or a bare size.
fn memory(value: &Value) -> Result<String, String> {
    match value.get("memory").unwrap_or(value) {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(format!("memory {other} is not a size")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn props(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn without_task_runner_the_process_runner_is_used() {
        let choice = choose(&props(json!({"containerImage": "ubuntu"})), "ubuntu", "t");
        assert_eq!(choice.ok().map(|c| c.config), Some(RunnerConfig::Process));
    }

    #[test]
    fn docker_task_runner_uses_the_container_image_and_pull_policy() {
        let choice = choose(
            &props(json!({
                "containerImage": "busybox",
                "taskRunner": {"type": DOCKER_RUNNER, "pullPolicy": "NEVER", "cpu": {"cpus": 1}}
            })),
            "ubuntu",
            "t",
        );
        let Ok(RunnerChoice {
            config: RunnerConfig::Docker(options),
            ..
        }) = choice
        else {
            panic!("expected a Docker runner, got {choice:?}");
        };
        assert_eq!(options.image, "busybox");
        assert_eq!(options.pull_policy, PullPolicy::Never);
        assert_eq!(options.cpus, Some(1.0));
    }

    #[test]
    fn unknown_task_runner_types_are_refused() {
        let choice = choose(
            &props(json!({"taskRunner": {"type": "k8s"}})),
            "ubuntu",
            "t",
        );
        assert!(matches!(choice, Err(WorkerTaskError::Property { .. })));
    }
}
