//! The type catalogue: every task, trigger and condition type baton implements, once. The JSON
//! Schema, the validator's "did you mean" and the engine's dispatch all derive from these tables.

use serde_json::{Map, Value};

use super::kinds::{core, flowable, http, jdbc, script};

/// What a task type does in an execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// Runs code (on the engine for light tasks, on a worker for the rest).
    Runnable,
    /// Only decides which child task runs come next.
    Flowable,
}

/// One entry of the task catalogue.
pub struct TaskType {
    /// Canonical Kestra type name.
    pub name: &'static str,
    /// Deprecated names that map to this one.
    pub aliases: &'static [&'static str],
    pub category: Category,
    /// Schema of the type's own properties.
    pub schema: fn(&mut schemars::SchemaGenerator) -> schemars::Schema,
    parse: fn(Value) -> Result<TaskKind, serde_json::Error>,
    parse_map: fn(&Map<String, Value>) -> Result<TaskKind, serde_json::Error>,
}

impl TaskType {
    /// Parses this type's own properties.
    pub fn parse(&self, props: Value) -> Result<TaskKind, serde_json::Error> {
        (self.parse)(props)
    }

    /// Parses this type's own properties from a borrow (no copy of the caller's map).
    pub fn parse_map(&self, props: &Map<String, Value>) -> Result<TaskKind, serde_json::Error> {
        (self.parse_map)(props)
    }
}

macro_rules! task_catalogue {
    ($( $variant:ident($ty:ty) = $name:literal $([$($alias:literal),*])?, $cat:ident; )*) => {
        /// The typed properties of a task, one variant per catalogue entry.
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[serde(untagged)]
        pub enum TaskKind {
            $( $variant(Box<$ty>), )*
        }

        /// Every task type baton implements.
        pub static TASK_TYPES: &[TaskType] = &[
            $( TaskType {
                name: $name,
                aliases: &[$($($alias),*)?],
                category: Category::$cat,
                schema: |g| <$ty as schemars::JsonSchema>::json_schema(g),
                parse: |v| serde_json::from_value::<$ty>(v).map(|t| TaskKind::$variant(Box::new(t))),
                parse_map: |v| <$ty as serde::Deserialize>::deserialize(v).map(|t| TaskKind::$variant(Box::new(t))),
            }, )*
        ];
    };
}

task_catalogue! {
    Log(core::Log) = "io.kestra.plugin.core.log.Log" ["io.kestra.core.tasks.log.Log"], Runnable;
    Echo(core::Echo) = "io.kestra.plugin.core.debug.Echo" ["io.kestra.core.tasks.debugs.Echo"], Runnable;
    Return(core::Return) = "io.kestra.plugin.core.debug.Return" ["io.kestra.core.tasks.debugs.Return"], Runnable;
    Sleep(core::Sleep) = "io.kestra.plugin.core.flow.Sleep" ["io.kestra.core.tasks.flows.Sleep"], Runnable;
    Pause(core::Pause) = "io.kestra.plugin.core.flow.Pause" ["io.kestra.core.tasks.flows.Pause"], Flowable;
    Fail(core::Fail) = "io.kestra.plugin.core.execution.Fail" ["io.kestra.core.tasks.executions.Fail"], Runnable;
    Exit(core::Exit) = "io.kestra.plugin.core.execution.Exit", Runnable;
    OutputValues(core::OutputValues) = "io.kestra.plugin.core.output.OutputValues" ["io.kestra.core.tasks.outputs.OutputValues"], Runnable;
    Labels(core::Labels) = "io.kestra.plugin.core.execution.Labels" ["io.kestra.core.tasks.executions.Labels"], Runnable;
    KvSet(core::KvSet) = "io.kestra.plugin.core.kv.Set", Runnable;
    KvGet(core::KvGet) = "io.kestra.plugin.core.kv.Get", Runnable;
    KvDelete(core::KvDelete) = "io.kestra.plugin.core.kv.Delete", Runnable;
    StateSet(core::StateSet) = "io.kestra.plugin.core.state.Set" ["io.kestra.core.tasks.states.Set"], Runnable;
    StateGet(core::StateGet) = "io.kestra.plugin.core.state.Get" ["io.kestra.core.tasks.states.Get"], Runnable;
    StateDelete(core::StateDelete) = "io.kestra.plugin.core.state.Delete" ["io.kestra.core.tasks.states.Delete"], Runnable;
    LogFetch(core::LogFetch) = "io.kestra.plugin.core.log.Fetch" ["io.kestra.core.tasks.log.Fetch"], Runnable;
    Resume(core::Resume) = "io.kestra.plugin.core.execution.Resume", Runnable;
    Toggle(core::Toggle) = "io.kestra.plugin.core.trigger.Toggle" ["io.kestra.core.tasks.trigger.Toggle"], Runnable;
    LocalFiles(core::LocalFiles) = "io.kestra.plugin.core.storage.LocalFiles" ["io.kestra.core.tasks.storages.LocalFiles"], Runnable;
    PurgeCurrentExecutionFiles(core::PurgeCurrentExecutionFiles) = "io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles" ["io.kestra.plugin.core.storage.PurgeExecution", "io.kestra.core.tasks.storages.PurgeExecution"], Runnable;
    Sequential(flowable::Sequential) = "io.kestra.plugin.core.flow.Sequential" ["io.kestra.core.tasks.flows.Sequential"], Flowable;
    Parallel(flowable::Parallel) = "io.kestra.plugin.core.flow.Parallel" ["io.kestra.core.tasks.flows.Parallel"], Flowable;
    If(flowable::If) = "io.kestra.plugin.core.flow.If" ["io.kestra.core.tasks.flows.If"], Flowable;
    Switch(flowable::Switch) = "io.kestra.plugin.core.flow.Switch" ["io.kestra.core.tasks.flows.Switch"], Flowable;
    ForEach(flowable::ForEach) = "io.kestra.plugin.core.flow.ForEach" ["io.kestra.core.tasks.flows.ForEach"], Flowable;
    EachSequential(flowable::EachSequential) = "io.kestra.plugin.core.flow.EachSequential" ["io.kestra.core.tasks.flows.EachSequential"], Flowable;
    EachParallel(flowable::EachParallel) = "io.kestra.plugin.core.flow.EachParallel" ["io.kestra.core.tasks.flows.EachParallel"], Flowable;
    Dag(flowable::Dag) = "io.kestra.plugin.core.flow.Dag" ["io.kestra.core.tasks.flows.Dag"], Flowable;
    Subflow(flowable::Subflow) = "io.kestra.plugin.core.flow.Subflow" ["io.kestra.core.tasks.flows.Subflow", "io.kestra.core.tasks.flows.Flow", "io.kestra.plugin.core.flow.Flow"], Flowable;
    AllowFailure(flowable::AllowFailure) = "io.kestra.plugin.core.flow.AllowFailure" ["io.kestra.core.tasks.flows.AllowFailure"], Flowable;
    WaitFor(flowable::WaitFor) = "io.kestra.plugin.core.flow.WaitFor", Flowable;
    WorkingDirectory(flowable::WorkingDirectory) = "io.kestra.plugin.core.flow.WorkingDirectory" ["io.kestra.core.tasks.flows.WorkingDirectory"], Flowable;
    HttpRequest(http::Request) = "io.kestra.plugin.core.http.Request" ["io.kestra.plugin.fs.http.Request"], Runnable;
    HttpDownload(http::Download) = "io.kestra.plugin.core.http.Download" ["io.kestra.plugin.fs.http.Download"], Runnable;
    ShellCommands(script::Commands) = "io.kestra.plugin.scripts.shell.Commands" ["io.kestra.core.tasks.scripts.Bash"], Runnable;
    ShellScript(script::Script) = "io.kestra.plugin.scripts.shell.Script", Runnable;
    PythonScript(script::Script) = "io.kestra.plugin.scripts.python.Script", Runnable;
    PythonCommands(script::Commands) = "io.kestra.plugin.scripts.python.Commands", Runnable;
    NodeScript(script::Script) = "io.kestra.plugin.scripts.node.Script", Runnable;
    NodeCommands(script::Commands) = "io.kestra.plugin.scripts.node.Commands", Runnable;
    LegacyPython(script::LegacyPython) = "io.kestra.core.tasks.scripts.Python", Runnable;
    PgQuery(jdbc::Query) = "io.kestra.plugin.jdbc.postgresql.Query", Runnable;
    PgQueries(jdbc::Queries) = "io.kestra.plugin.jdbc.postgresql.Queries", Runnable;
    PgCopyIn(jdbc::CopyIn) = "io.kestra.plugin.jdbc.postgresql.CopyIn", Runnable;
    PgCopyOut(jdbc::CopyOut) = "io.kestra.plugin.jdbc.postgresql.CopyOut", Runnable;
}

/// Looks a task type up by its canonical name or a deprecated alias.
pub fn task_type(name: &str) -> Option<&'static TaskType> {
    TASK_TYPES
        .iter()
        .find(|t| t.name == name || t.aliases.contains(&name))
}

/// Task runner types accepted in `taskRunner.type`.
pub static TASK_RUNNER_TYPES: &[&str] = &[
    "io.kestra.plugin.core.runner.Process",
    "io.kestra.plugin.scripts.runner.docker.Docker",
];

/// One entry of the trigger or condition catalogue: properties are checked by the schema.
pub struct PluginType {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
}

/// Every trigger type baton implements.
pub static TRIGGER_TYPES: &[PluginType] = &[
    PluginType {
        name: "io.kestra.plugin.core.trigger.Schedule",
        aliases: &["io.kestra.core.models.triggers.types.Schedule"],
    },
    PluginType {
        name: "io.kestra.plugin.core.trigger.Webhook",
        aliases: &["io.kestra.core.models.triggers.types.Webhook"],
    },
    PluginType {
        name: "io.kestra.plugin.core.trigger.Flow",
        aliases: &["io.kestra.core.models.triggers.types.Flow"],
    },
    PluginType {
        name: "io.kestra.plugin.core.http.Trigger",
        aliases: &["io.kestra.plugin.fs.http.Trigger"],
    },
];

/// Every condition type baton evaluates.
pub static CONDITION_TYPES: &[PluginType] = &[
    PluginType {
        name: "io.kestra.plugin.core.condition.ExecutionStatus",
        aliases: &[
            "io.kestra.core.models.conditions.types.ExecutionStatusCondition",
            "io.kestra.plugin.core.condition.ExecutionStatusCondition",
        ],
    },
    PluginType {
        name: "io.kestra.plugin.core.condition.ExecutionFlow",
        aliases: &[
            "io.kestra.core.models.conditions.types.ExecutionFlowCondition",
            "io.kestra.plugin.core.condition.ExecutionFlowCondition",
        ],
    },
    PluginType {
        name: "io.kestra.plugin.core.condition.ExecutionNamespace",
        aliases: &[
            "io.kestra.core.models.conditions.types.ExecutionNamespaceCondition",
            "io.kestra.plugin.core.condition.ExecutionNamespaceCondition",
        ],
    },
    PluginType {
        name: "io.kestra.plugin.core.condition.ExecutionLabels",
        aliases: &[],
    },
    PluginType {
        name: "io.kestra.plugin.core.condition.ExecutionOutputs",
        aliases: &[],
    },
    PluginType {
        name: "io.kestra.plugin.core.condition.MultipleCondition",
        aliases: &["io.kestra.core.models.conditions.types.MultipleCondition"],
    },
    PluginType {
        name: "io.kestra.plugin.core.condition.Expression",
        aliases: &[
            "io.kestra.plugin.core.condition.ExpressionCondition",
            "io.kestra.core.models.conditions.types.VariableCondition",
        ],
    },
    PluginType {
        name: "io.kestra.plugin.core.condition.DayWeek",
        aliases: &["io.kestra.plugin.core.condition.DayWeekCondition"],
    },
    PluginType {
        name: "io.kestra.plugin.core.condition.DayWeekInMonth",
        aliases: &["io.kestra.plugin.core.condition.DayWeekInMonthCondition"],
    },
    PluginType {
        name: "io.kestra.plugin.core.condition.DateTimeBetween",
        aliases: &["io.kestra.plugin.core.condition.DateTimeBetweenCondition"],
    },
    PluginType {
        name: "io.kestra.plugin.core.condition.TimeBetween",
        aliases: &["io.kestra.plugin.core.condition.TimeBetweenCondition"],
    },
    PluginType {
        name: "io.kestra.plugin.core.condition.Weekend",
        aliases: &["io.kestra.plugin.core.condition.WeekendCondition"],
    },
    PluginType {
        name: "io.kestra.plugin.core.condition.Not",
        aliases: &["io.kestra.plugin.core.condition.NotCondition"],
    },
    PluginType {
        name: "io.kestra.plugin.core.condition.Or",
        aliases: &["io.kestra.plugin.core.condition.OrCondition"],
    },
    PluginType {
        name: "io.kestra.plugin.core.condition.PublicHoliday",
        aliases: &[],
    },
];

/// Looks a plugin type up in a trigger or condition table.
pub fn plugin_type(table: &'static [PluginType], name: &str) -> Option<&'static PluginType> {
    table
        .iter()
        .find(|t| t.name == name || t.aliases.contains(&name))
}

/// Every task, trigger and condition name and alias: what "did you mean" searches.
pub fn all_type_names() -> impl Iterator<Item = &'static str> {
    let tasks = TASK_TYPES
        .iter()
        .flat_map(|t| std::iter::once(t.name).chain(t.aliases.iter().copied()));
    let plugins = TRIGGER_TYPES
        .iter()
        .chain(CONDITION_TYPES)
        .flat_map(|t| std::iter::once(t.name).chain(t.aliases.iter().copied()));
    tasks
        .chain(plugins)
        .chain(TASK_RUNNER_TYPES.iter().copied())
}

/// The nearest known type names to an unknown one, best first (for "did you mean").
pub fn suggest(unknown: &str, candidates: impl Iterator<Item = &'static str>) -> Vec<&'static str> {
    let short = unknown
        .rsplit('.')
        .next()
        .unwrap_or(unknown)
        .to_ascii_lowercase();
    let mut scored: Vec<(f64, &'static str)> = candidates
        .map(|c| {
            let full = strsim::jaro_winkler(unknown, c);
            let tail = c.rsplit('.').next().unwrap_or(c).to_ascii_lowercase();
            (full.max(strsim::jaro_winkler(&short, &tail)), c)
        })
        .filter(|(s, _)| *s > 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// Task property names that belong to every task, not to its type.
pub const COMMON_TASK_KEYS: &[&str] = &[
    "id",
    "type",
    "description",
    "retry",
    "timeout",
    "disabled",
    "allowFailure",
    "allowWarning",
    "runIf",
    "logLevel",
    "logToFile",
    "workerGroup",
];

/// Splits a task's properties into the common ones and the type's own.
pub fn split_common(map: Map<String, Value>) -> (Map<String, Value>, Map<String, Value>) {
    let mut common = Map::new();
    let mut own = Map::new();
    for (k, v) in map {
        if COMMON_TASK_KEYS.contains(&k.as_str()) {
            common.insert(k, v);
        } else {
            own.insert(k, v);
        }
    }
    (common, own)
}
