//! `validate`: the Kestra compatibility corpus, every semantic check, the output formats and
//! hostile input, through the library API on real files in temporary directories.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use baton::load::{self, DirTree, FlowFile, Limits, RepoFiles, load_paths, load_repo};
use baton::validate::render::{self, Format, Sources};
use baton::validate::{
    Diagnostic, NamespaceContext, Options, Report, Severity, namespace_chain, validate_flow_source,
    validate_repo,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Writes `files` (repo-relative path, content) into a temp dir and validates it as a repo.
fn repo(files: &[(&str, &str)]) -> Report {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    }
    let tree = DirTree::new(dir.path()).expect("tree");
    validate_repo(&load_repo(&tree, &Limits::default()), &Options::default())
}

/// Validates one flow as `flows/<ns path>/<id>.yaml` of an otherwise empty repo.
fn flow(yaml: &str) -> Vec<Diagnostic> {
    repo(&[("flows/company/team/flow.yaml", yaml)]).diagnostics
}

fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code).collect()
}

fn errors(diags: &[Diagnostic]) -> Vec<&Diagnostic> {
    diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

fn has(diags: &[Diagnostic], code: &str, phrase: &str) -> bool {
    diags
        .iter()
        .any(|d| d.code == code && d.message.contains(phrase))
}

const HEAD: &str = "id: flow\nnamespace: company.team\n";

fn with_head(rest: &str) -> String {
    format!("{HEAD}{rest}")
}

const LOG: &str = "io.kestra.plugin.core.log.Log";

// ---- Kestra compatibility corpus -------------------------------------------------------------

/// Loads the files of one corpus folder as loose flows (no folder namespace).
fn corpus(set: &str) -> (RepoFiles, serde_json::Value) {
    let root = fixtures().join("kestra-compat");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("manifest.json")).expect("manifest"),
    )
    .expect("manifest json");
    let mut files = RepoFiles::default();
    let mut entries: Vec<_> = std::fs::read_dir(root.join("flows").join(set))
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let bytes = std::fs::read(&path).expect("read");
        let name = format!(
            "flows/{set}/{}",
            path.file_name().expect("name").to_string_lossy()
        );
        files.flows.push(FlowFile {
            path: name,
            folder_namespace: None,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            doc: load::parse_document(&bytes, &Limits::default()),
        });
    }
    (files, manifest)
}

#[test]
fn kestra_valid_corpus_has_no_error() {
    let (files, manifest) = corpus("valid");
    let core_only: HashSet<&str> = manifest
        .as_array()
        .expect("list")
        .iter()
        .filter(|e| e["expect_valid"] == true && e["core_only"] == true)
        .filter_map(|e| e["file"].as_str())
        .collect();
    assert_eq!(core_only.len(), files.flows.len());
    let report = validate_repo(&files, &Options::default());
    let errs = errors(&report.diagnostics);
    assert!(errs.is_empty(), "{errs:#?}");
    assert!(report.flows.iter().all(|f| f.flow.is_some()));
}

/// Per invalid corpus file: the code and phrase that name the manifest's `invalid_reason`.
const INVALID: &[(&str, &str, &str)] = &[
    (
        "dag-cyclicdependency.yaml",
        "dag-cycle",
        "Cyclic dependency detected: task1, task2",
    ),
    (
        "dag-notexist-task.yaml",
        "dag-unknown-dependency",
        "Not existing task id in dependency: taskX",
    ),
    (
        "duplicate-inputs.yaml",
        "duplicate-input-id",
        "Duplicate input with name [first_input]",
    ),
    (
        "duplicate-key.yaml",
        "duplicate-key",
        "duplicate key `variables.tf`",
    ),
    (
        "duplicate-parallel.yaml",
        "duplicate-task-id",
        "Duplicate task id with name [t3]",
    ),
    (
        "duplicate.yaml",
        "duplicate-trigger-id",
        "Duplicate trigger id with name [trigger]",
    ),
    ("empty.yaml", "empty-tasks", "must not be empty"),
    ("inputs-bad-type.yaml", "invalid-value", "Invalid type: FOO"),
    (
        "inputs-bad-validator-syntax.yaml",
        "invalid-validator",
        "invalid pattern (\\)",
    ),
    (
        "inputs-validation.yaml",
        "file-input-default",
        "no `defaults` can be set for inputs of type 'FILE'",
    ),
    (
        "inputs.yaml",
        "missing-property",
        "missing required property `type`",
    ),
    ("invalid-parallel.yaml", "empty-tasks", "must not be empty"),
    (
        "invalid-property.yaml",
        "unknown-property",
        "unknown property `invalid` for type io.kestra.plugin.core.debug.Return",
    ),
    (
        "invalid-task.yaml",
        "unknown-type",
        "Invalid type: io.kestra.plugin.core.debug.MissingOne",
    ),
    ("invalid.yaml", "invalid-id", "invalid flow id `my#flow`"),
    ("listener.yaml", "empty-tasks", "must not be empty"),
    (
        "recursive-flow.yaml",
        "recursive-subflow",
        "Recursive call to flow [io.kestra.tests.recursive-flow]",
    ),
    (
        "switch-invalid.yaml",
        "switch-no-tasks",
        "No task defined, neither cases or default have any tasks",
    ),
    (
        "system-labels.yaml",
        "reserved-label",
        "offending label: system.label=system_key",
    ),
    (
        "workingdirectory-invalid.yaml",
        "working-directory-child",
        "Only runnable tasks are allowed as children of a WorkingDirectory task",
    ),
    (
        "workingdirectory-no-tasks.yaml",
        "empty-tasks",
        "The 'tasks' property cannot be empty",
    ),
];

#[test]
fn kestra_invalid_corpus_is_rejected_for_the_stated_reason() {
    let (files, _) = corpus("invalid");
    let report = validate_repo(&files, &Options::default());
    for file in &files.flows {
        let name = file.path.rsplit('/').next().expect("name");
        let diags: Vec<Diagnostic> = report
            .diagnostics
            .iter()
            .filter(|d| d.file == file.path)
            .cloned()
            .collect();
        if name == "worker-group.yaml" {
            // Kestra OSS refuses worker groups (an Enterprise feature); baton supports them.
            assert!(errors(&diags).is_empty(), "{diags:#?}");
            continue;
        }
        let (_, code, phrase) = INVALID
            .iter()
            .find(|(f, _, _)| *f == name)
            .unwrap_or_else(|| panic!("no expectation for {name}"));
        assert!(
            has(&diags, code, phrase),
            "{name}: expected {code} `{phrase}` in {diags:#?}"
        );
    }
    assert_eq!(files.flows.len(), INVALID.len() + 1);
}

#[test]
fn kestra_invalid_corpus_reports_every_problem_of_a_file() {
    let (files, _) = corpus("invalid");
    let report = validate_repo(&files, &Options::default());
    let of = |name: &str| -> Vec<Diagnostic> {
        report
            .diagnostics
            .iter()
            .filter(|d| d.file.ends_with(name))
            .cloned()
            .collect()
    };
    let duplicate = of("/duplicate.yaml");
    assert!(has(&duplicate, "duplicate-task-id", "[date]"));
    assert!(has(&duplicate, "duplicate-task-id", "[listen]"));
    let invalid = of("/invalid.yaml");
    assert!(has(&invalid, "invalid-namespace", "MY$NAMESPACE"));
    assert!(has(&invalid, "missing-property", "`id`"));
    let inputs = of("/inputs-validation.yaml");
    assert!(has(
        &inputs,
        "array-item-type",
        "`itemType` cannot be `ARRAY`"
    ));
    let labels = of("/system-labels.yaml");
    assert!(has(&labels, "reserved-label", "system.id=id"));
}

// ---- one test per check ----------------------------------------------------------------------

#[test]
fn duplicate_task_ids_are_found_anywhere_in_the_tree() {
    let d = flow(&with_head(&format!(
        "tasks:
  - id: a
    type: io.kestra.plugin.core.flow.Sequential
    tasks:
      - {{id: b, type: {LOG}, message: x}}
    finally:
      - {{id: c, type: {LOG}, message: x}}
errors:
  - {{id: b, type: {LOG}, message: x}}
afterExecution:
  - {{id: c, type: {LOG}, message: x}}
"
    )));
    assert!(has(
        &d,
        "duplicate-task-id",
        "Duplicate task id with name [b]"
    ));
    assert!(has(
        &d,
        "duplicate-task-id",
        "Duplicate task id with name [c]"
    ));
    let dup = d.iter().find(|d| d.message.contains("[b]")).expect("dup");
    assert_eq!(
        (dup.line, dup.column, dup.pointer.as_str()),
        (11, 10, "/errors/0/id")
    );
}

#[test]
fn duplicate_trigger_and_input_ids() {
    let d = flow(&with_head(&format!(
        "inputs:
  - {{id: x, type: STRING}}
  - {{id: x, type: INT}}
tasks:
  - {{id: a, type: {LOG}, message: x}}
triggers:
  - {{id: t, type: io.kestra.plugin.core.trigger.Schedule, cron: '0 * * * *'}}
  - {{id: t, type: io.kestra.plugin.core.trigger.Webhook, key: k}}
"
    )));
    assert!(has(
        &d,
        "duplicate-input-id",
        "Duplicate input with name [x]"
    ));
    assert!(has(
        &d,
        "duplicate-trigger-id",
        "Duplicate trigger id with name [t]"
    ));
}

#[test]
fn namespace_must_match_the_folder_except_directly_under_flows() {
    let body =
        format!("id: f\nnamespace: other.ns\ntasks:\n  - {{id: a, type: {LOG}, message: x}}\n");
    let report = repo(&[
        ("flows/a/b/f.yaml", &body),
        ("flows/g.yaml", &body.replace("id: f", "id: g")),
    ]);
    let d = &report.diagnostics;
    assert_eq!(codes(d), ["namespace-mismatch"]);
    assert!(d[0].message.contains("must have namespace `a.b`"));
    assert_eq!(d[0].file, "flows/a/b/f.yaml");
}

#[test]
fn flow_id_is_unique_per_namespace_across_the_repo() {
    let body = format!("id: f\nnamespace: a\ntasks:\n  - {{id: a, type: {LOG}, message: x}}\n");
    let other = body.replace("namespace: a", "namespace: b");
    let report = repo(&[
        ("flows/a/f.yaml", &body),
        ("flows/a/f2.yaml", &body),
        ("flows/b/f.yaml", &other),
    ]);
    assert_eq!(codes(&report.diagnostics), ["duplicate-flow-id"]);
    assert_eq!(report.diagnostics[0].file, "flows/a/f2.yaml");
    assert!(
        report.diagnostics[0]
            .message
            .contains("already defined in flows/a/f.yaml")
    );
}

#[test]
fn ids_follow_kestra_patterns_and_lengths() {
    let long = "x".repeat(101);
    let d = flow(&format!(
        "id: {long}\nnamespace: company.team\ninputs:\n  - {{id: 'in put', type: STRING}}\ntasks:\n  - {{id: a.b, type: {LOG}, message: x}}\ntriggers:\n  - {{id: 't#', type: io.kestra.plugin.core.trigger.Webhook, key: k}}\n"
    ));
    assert!(has(&d, "invalid-id", "more than 100"));
    assert!(has(&d, "invalid-id", "invalid task id `a.b`"));
    assert!(has(&d, "invalid-id", "invalid input id `in put`"));
    assert!(has(&d, "invalid-id", "invalid trigger id `t#`"));
    let d = repo(&[(
        "flows/f.yaml",
        &format!("id: f\nnamespace: Big\ntasks:\n  - {{id: a, type: {LOG}, message: x}}\n"),
    )])
    .diagnostics;
    assert!(has(&d, "invalid-namespace", "invalid namespace `Big`"));
}

#[test]
fn cron_timezone_and_durations_are_parsed() {
    let d = flow(&with_head(&format!(
        "tasks:
  - {{id: a, type: {LOG}, message: x, timeout: PT1H}}
  - {{id: s, type: io.kestra.plugin.core.flow.Sleep, duration: soon}}
triggers:
  - {{id: t, type: io.kestra.plugin.core.trigger.Schedule, cron: '61 * * * *', timezone: Mars/Olympus}}
"
    )));
    assert!(has(&d, "invalid-cron", "`61 * * * *`"));
    assert!(has(&d, "invalid-timezone", "Mars/Olympus"));
    assert!(has(&d, "invalid-value", "duration"), "{d:#?}");
}

#[test]
fn dag_cycles_and_unknown_dependencies() {
    let d = flow(&with_head(&format!(
        "tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: {{id: t1, type: {LOG}, message: x}}
        dependsOn: [t2]
      - task: {{id: t2, type: {LOG}, message: x}}
        dependsOn: [t1]
      - task: {{id: t3, type: {LOG}, message: x}}
        dependsOn: [tX]
"
    )));
    assert!(has(
        &d,
        "dag-cycle",
        "dag: Cyclic dependency detected: t1, t2"
    ));
    assert!(has(
        &d,
        "dag-unknown-dependency",
        "Not existing task id in dependency: tX"
    ));
}

#[test]
fn switch_without_cases_or_defaults() {
    let d = flow(&with_head(
        "tasks:\n  - {id: s, type: io.kestra.plugin.core.flow.Switch, value: x, cases: {a: []}}\n",
    ));
    assert_eq!(codes(&d), ["switch-no-tasks"]);
}

#[test]
fn empty_task_lists_in_flow_and_flowables() {
    assert!(has(&flow(HEAD), "empty-tasks", "`tasks` must not be empty"));
    let d = flow(&with_head(
        "tasks:\n  - {id: p, type: io.kestra.plugin.core.flow.Parallel, tasks: []}\n  - {id: i, type: io.kestra.plugin.core.flow.If, condition: 'true'}\n",
    ));
    assert!(has(&d, "empty-tasks", "p: `tasks` must not be empty"));
    assert!(has(&d, "empty-tasks", "i: `then` must not be empty"));
    assert_eq!(errors(&d).len(), 2, "{d:#?}");
}

#[test]
fn working_directory_children_must_be_runnable() {
    let d = flow(&with_head(&format!(
        "tasks:\n  - id: wd\n    type: io.kestra.plugin.core.flow.WorkingDirectory\n    tasks:\n      - {{id: l, type: {LOG}, message: x}}\n      - id: seq\n        type: io.kestra.plugin.core.flow.Sequential\n        tasks:\n          - {{id: l2, type: {LOG}, message: x}}\n"
    )));
    assert_eq!(codes(&d), ["working-directory-child"]);
}

#[test]
fn input_defaults_are_checked_against_the_type() {
    let d = flow(&with_head(&format!(
        "inputs:
  - {{id: i, type: INT, defaults: ten}}
  - {{id: f, type: FLOAT, defaults: 1.5}}
  - {{id: b, type: BOOLEAN, defaults: maybe}}
  - {{id: d, type: DATE, defaults: '2024-13-01'}}
  - {{id: dt, type: DATETIME, defaults: '2024-01-01T00:00:00Z'}}
  - {{id: s, type: SELECT, values: [a, b], defaults: c}}
  - {{id: t, type: STRING, defaults: '{{{{ now() }}}}'}}
  - {{id: file, type: FILE, defaults: x}}
  - {{id: arr, type: ARRAY, itemType: ARRAY}}
  - {{id: v, type: STRING, validator: '(['}}
tasks:
  - {{id: a, type: {LOG}, message: x}}
"
    )));
    assert!(has(
        &d,
        "invalid-input-default",
        "i: invalid `defaults` for a INT input"
    ));
    assert!(has(&d, "invalid-input-default", "b: invalid"));
    assert!(has(&d, "invalid-input-default", "d: invalid"));
    assert!(has(&d, "invalid-input-default", "`c` is not one of a, b"));
    assert!(has(&d, "file-input-default", "file: no `defaults`"));
    assert!(has(
        &d,
        "array-item-type",
        "arr: `itemType` cannot be `ARRAY`"
    ));
    assert!(has(&d, "invalid-validator", "v: invalid pattern"));
    assert_eq!(d.len(), 7, "{d:#?}");
}

#[test]
fn system_labels_are_reserved_in_both_label_forms() {
    let d = flow(&with_head(&format!(
        "labels:\n  - {{key: system.x, value: y}}\n  - {{key: team, value: data}}\ntasks:\n  - {{id: a, type: {LOG}, message: x}}\n"
    )));
    assert_eq!(codes(&d), ["reserved-label"]);
    assert!(d[0].message.contains("system.x=y"));
}

#[test]
fn expressions_parse_and_reference_declared_things() {
    let d = flow(&with_head(&format!(
        "inputs:
  - {{id: known, type: STRING}}
variables:
  v: 1
tasks:
  - {{id: a, type: {LOG}, message: '{{{{ inputs.known }}}} {{{{ vars.v }}}} {{{{ inputs.unknown }}}}'}}
  - {{id: b, type: {LOG}, message: '{{{{ vars.nope }}}} {{{{ outputs.ghost.value }}}}'}}
  - {{id: c, type: {LOG}, message: '{{{{ inputs.known '}}
"
    )));
    assert!(has(&d, "unknown-input", "`inputs.unknown`"));
    assert!(has(&d, "unknown-variable", "`vars.nope`"));
    assert!(has(
        &d,
        "unknown-output",
        "`outputs.ghost`: no task with id `ghost`"
    ));
    assert!(has(&d, "template-syntax", "invalid expression"));
    let severity = |code: &str| d.iter().find(|x| x.code == code).map(|x| x.severity);
    assert_eq!(severity("unknown-input"), Some(Severity::Warning));
    assert_eq!(severity("template-syntax"), Some(Severity::Warning));
    assert_eq!(severity("unknown-output"), Some(Severity::Error));
    assert_eq!(d.len(), 4, "{d:#?}");
}

#[test]
fn outputs_must_come_from_tasks_that_ran_before() {
    let ret = "io.kestra.plugin.core.debug.Return";
    let d = flow(&with_head(&format!(
        "tasks:
  - {{id: first, type: {ret}, format: '{{{{ outputs.first.value }}}}'}}
  - {{id: second, type: {ret}, format: '{{{{ outputs.third.value }}}}'}}
  - {{id: third, type: {ret}, format: '{{{{ outputs.second.value }}}}'}}
  - id: par
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - {{id: p1, type: {ret}, format: '{{{{ outputs.p2.value }}}}'}}
      - {{id: p2, type: {ret}, format: x}}
"
    )));
    let own = d
        .iter()
        .find(|x| x.message.contains("own outputs"))
        .expect("own");
    assert_eq!(own.severity, Severity::Error);
    let later = d
        .iter()
        .find(|x| x.message.contains("task `third` runs later"))
        .expect("later");
    assert_eq!(later.severity, Severity::Error);
    let parallel = d
        .iter()
        .find(|x| x.message.contains("`outputs.p2`"))
        .expect("parallel");
    assert_eq!(parallel.severity, Severity::Warning);
    assert_eq!(d.len(), 3, "{d:#?}");
}

#[test]
fn subflow_references_missing_flows_and_cycles() {
    let call = |id: &str, target: &str| {
        format!(
            "id: {id}\nnamespace: a\ntasks:\n  - {{id: call, type: io.kestra.plugin.core.flow.Subflow, namespace: a, flowId: {target}}}\n"
        )
    };
    let report = repo(&[
        ("flows/a/x.yaml", &call("x", "y")),
        ("flows/a/y.yaml", &call("y", "x")),
        ("flows/a/z.yaml", &call("z", "missing")),
        ("flows/a/s.yaml", &call("s", "s")),
    ]);
    let d = &report.diagnostics;
    assert!(has(
        d,
        "recursive-subflow",
        "Recursive call to flow [a.x] through [a.y -> a.x]"
    ));
    assert!(has(
        d,
        "recursive-subflow",
        "Recursive call to flow [a.y] through [a.x -> a.y]"
    ));
    assert!(has(d, "recursive-subflow", "Recursive call to flow [a.s]"));
    let missing = d
        .iter()
        .find(|x| x.code == "subflow-not-found")
        .expect("missing");
    assert_eq!(missing.severity, Severity::Warning);
    assert!(missing.message.contains("[a.missing]"));
    assert_eq!(d.len(), 4, "{d:#?}");
}

#[test]
fn worker_groups_are_accepted() {
    let d = flow(&with_head(&format!(
        "tasks:\n  - {{id: a, type: {LOG}, message: x, workerGroup: {{key: gpu}}}}\n"
    )));
    assert!(d.is_empty(), "{d:#?}");
}

#[test]
fn unknown_type_suggests_the_nearest_and_unknown_property_names_the_type() {
    let d = flow(&with_head(
        "tasks:\n  - {id: a, type: io.kestra.plugin.core.log.Logg, message: x}\n  - {id: b, type: io.kestra.plugin.core.debug.Return, formt: x}\n  - {id: c, type: io.kestra.plugin.core.log.Log}\n",
    ));
    assert!(has(
        &d,
        "unknown-type",
        "did you mean `io.kestra.plugin.core.log.Log`"
    ));
    assert!(has(
        &d,
        "unknown-property",
        "unknown property `formt` for type io.kestra.plugin.core.debug.Return; did you mean `format`?"
    ));
    assert!(has(
        &d,
        "missing-property",
        "missing required property `message` for type io.kestra.plugin.core.log.Log"
    ));
    assert_eq!(d.len(), 3, "one message per problem: {d:#?}");
    let prop = d
        .iter()
        .find(|x| x.code == "unknown-property")
        .expect("prop");
    assert_eq!((prop.line, prop.column), (5, 55), "points at the key");
}

#[test]
fn namespace_plugin_defaults_are_inherited_nearest_first() {
    let report = repo(&[
        (
            "namespaces/company/namespace.yaml",
            "pluginDefaults:\n  - type: io.kestra.plugin.core.log\n    values: {message: from-company, level: WARN}\n",
        ),
        (
            "namespaces/company.team/namespace.yaml",
            "pluginDefaults:\n  - type: io.kestra.plugin.core.log.Log\n    values: {message: from-team}\nvariables: {region: eu}\n",
        ),
        (
            "flows/company/team/f.yaml",
            "id: f\nnamespace: company.team\ntasks:\n  - {id: a, type: io.kestra.plugin.core.log.Log, message: '{{ vars.region }}'}\n  - {id: b, type: io.kestra.plugin.core.log.Log}\n",
        ),
    ]);
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    let flow = report.flows[0].flow.as_ref().expect("valid");
    let b = flow.find_task("b").expect("b");
    assert_eq!(b.props["message"], "from-team");
    assert_eq!(b.props["level"], "WARN");
    assert_eq!(
        namespace_chain("company.dev.x"),
        ["company.dev.x", "company.dev", "company"]
    );
}

#[test]
fn validate_flow_source_uses_the_context() {
    let text = "id: f\nnamespace: a\ntasks:\n  - {id: c, type: io.kestra.plugin.core.flow.Subflow, namespace: a, flowId: g}\n  - {id: l, type: io.kestra.plugin.core.log.Log}\n";
    let mut ctx = NamespaceContext::default();
    let (flow, d) = validate_flow_source("flows/a/f.yaml", text, &ctx);
    assert!(flow.is_none());
    assert_eq!(codes(&d), ["missing-property"]);
    ctx.plugin_defaults = serde_json::from_str(
        r#"[{"type": "io.kestra.plugin.core.log.Log", "values": {"message": "m"}}]"#,
    )
    .expect("defaults");
    ctx.flow_ids = Some(HashSet::from(["a.f".to_string()]));
    let (flow, d) = validate_flow_source("flows/a/f.yaml", text, &ctx);
    assert!(flow.is_some());
    assert_eq!(codes(&d), ["subflow-not-found"]);
    ctx.flow_ids = Some(HashSet::from(["a.f".to_string(), "a.g".to_string()]));
    ctx.calls.insert("a.g".into(), ["a.f".to_string()].into());
    let (flow, d) = validate_flow_source("flows/a/f.yaml", text, &ctx);
    assert!(flow.is_none());
    assert!(has(
        &d,
        "recursive-subflow",
        "Recursive call to flow [a.f] through [a.g -> a.f]"
    ));
    let (_, d) = validate_flow_source("flows/b/f.yaml", text, &ctx);
    assert!(has(&d, "namespace-mismatch", "must have namespace `b`"));
}

#[test]
fn every_file_and_every_error_is_reported() {
    let report = repo(&[
        (
            "flows/a/one.yaml",
            "id: one\nnamespace: a\ntasks:\n  - {id: x, type: nope}\n  - {id: x, type: io.kestra.plugin.core.log.Log}\n",
        ),
        ("flows/a/two.yaml", "id: two\nnamespace: a\ntasks: [\n"),
        ("flows/a/three.yaml", "id: three\nnamespace: a\n"),
    ]);
    let files: HashSet<&str> = report.diagnostics.iter().map(|d| d.file.as_str()).collect();
    assert_eq!(files.len(), 3);
    assert_eq!(report.errors(), 5, "{:#?}", report.diagnostics);
    assert!(report.flows.iter().all(|f| f.flow.is_none()));
}

// ---- output formats --------------------------------------------------------------------------

fn sample() -> (RepoFiles, Report) {
    let files = load_paths(&[fixtures().join("validate/repo")], &Limits::default());
    let report = validate_repo(&files, &Options::default());
    (files, report)
}

fn strip_root(text: &str) -> String {
    text.replace(
        &format!("{}/", fixtures().join("validate/repo").display()),
        "",
    )
}

#[test]
fn human_format_is_rustc_like_with_summary() {
    let (files, report) = sample();
    let sources: Sources<'_> = files
        .flows
        .iter()
        .map(|f| (f.path.as_str(), f.text.as_str()))
        .collect();
    let text = strip_root(&render::render(&report, Format::Human, &sources, false));
    let expected = "\
error[unknown-type]: Invalid type: io.kestra.plugin.core.log.Lg; did you mean `io.kestra.plugin.core.log.Log`?
 --> flows/company/team/broken.yaml:5:11
  |
5 |     type: io.kestra.plugin.core.log.Lg
  |           ^

error[unknown-property]: unknown property `invalid` for type io.kestra.plugin.core.debug.Return
  --> flows/company/team/broken.yaml:10:5
   |
10 |     invalid: true
   |     ^

checked 2 flows in 3 files: 2 errors, 0 warnings
";
    assert_eq!(text, expected);
    assert!(!text.contains('\x1b'));
    let colored = render::render(&report, Format::Human, &sources, true);
    assert!(colored.contains("\x1b[1;31merror[unknown-type]"));
}

#[test]
fn github_format_is_workflow_commands() {
    let (_, report) = sample();
    let text = strip_root(&render::render(
        &report,
        Format::Github,
        &Sources::new(),
        false,
    ));
    assert_eq!(
        text,
        "::error file=flows/company/team/broken.yaml,line=5,col=11,title=unknown-type::Invalid type: io.kestra.plugin.core.log.Lg; did you mean `io.kestra.plugin.core.log.Log`?\n\
         ::error file=flows/company/team/broken.yaml,line=10,col=5,title=unknown-property::unknown property `invalid` for type io.kestra.plugin.core.debug.Return\n"
    );
    let warning = Diagnostic {
        file: "a,b.yaml".into(),
        line: 1,
        column: 2,
        severity: Severity::Warning,
        code: "unknown-input",
        message: "100% sure\nnext".into(),
        pointer: String::new(),
    };
    assert_eq!(
        render::render_diagnostics(&[warning], Format::Github, &Sources::new(), false),
        "::warning file=a%2Cb.yaml,line=1,col=2,title=unknown-input::100%25 sure%0Anext\n"
    );
}

#[test]
fn json_format_is_an_array_of_diagnostics() {
    let (_, report) = sample();
    let text = strip_root(&render::render(
        &report,
        Format::Json,
        &Sources::new(),
        false,
    ));
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        value[1],
        serde_json::json!({
            "file": "flows/company/team/broken.yaml", "line": 10, "column": 5,
            "severity": "error", "code": "unknown-property",
            "message": "unknown property `invalid` for type io.kestra.plugin.core.debug.Return",
            "pointer": "/tasks/1/invalid"
        })
    );
    assert_eq!(value.as_array().map(Vec::len), Some(2));
}

// ---- hostile input ---------------------------------------------------------------------------

fn hostile(name: &str, bytes: &[u8], limits: &Limits) -> Vec<Diagnostic> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flows/a").join(name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, bytes).expect("write");
    let tree = DirTree::new(dir.path()).expect("tree");
    validate_repo(&load_repo(&tree, limits), &Options::default()).diagnostics
}

#[test]
fn hostile_files_become_diagnostics_with_the_file_name() {
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
    let deep = format!("id: {}x{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let huge = format!(
        "id: f\nnamespace: a\ndescription: \"{}\"\ntasks: []\n",
        "x".repeat(2 * 1024 * 1024)
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("bomb.yaml", bomb.as_bytes().to_vec(), "alias-bomb"),
        ("deep.yaml", deep.into_bytes(), "too-deep"),
        ("huge.yaml", huge.into_bytes(), "too-large"),
        (
            "latin1.yaml",
            b"id: caf\xe9\nnamespace: a\n".to_vec(),
            "not-utf8",
        ),
        (
            "binary.yaml",
            b"\x7fELF\x02\x01\x01\x00\x00\x00".to_vec(),
            "binary",
        ),
    ];
    for (name, bytes, code) in cases {
        let d = hostile(name, &bytes, &Limits::default());
        assert_eq!(codes(&d), [code], "{name}: {d:#?}");
        assert_eq!(d[0].file, format!("flows/a/{name}"));
    }
}
