//! The hostile-input catalogue: every input an attacker (or an unlucky user) can put in a repo,
//! a template, a URI or a label, each with the clear error that names the file or field, and
//! never a panic, a hang or an escape. Also the regression inputs found by fuzzing (`fuzz/`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use baton::files::{FileError, FileKey, FileStore};
use baton::load::{self, DirTree, Limits, LoadError, Tree as _};
use baton::runner::{CommandSpec, RunnerConfig, RunnerError};
use baton::source::{Repo, SourceSpec, TreeError};
use baton::store::model::{Execution, Label};
use baton::store::sqlite::SqliteStore;
use baton::store::{ExecutionFilter, Page, Store};
use baton::template::{EnvServices, RenderContext, Renderer, TemplateError, envs_from_process};
use baton::validate::{Diagnostic, NamespaceContext, validate_flow_source};
use serde_json::json;
use tokio_util::sync::CancellationToken;

/// What any single hostile input may cost, far above what a guard needs.
const BUDGET: Duration = Duration::from_secs(5);

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile/");
    std::fs::read(path.join(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// Validates `bytes` as `flows/company/team/<name>` (lossy text, as the validator gets text).
fn validate(name: &str, bytes: &[u8]) -> Vec<Diagnostic> {
    let path = format!("flows/company/team/{name}");
    let text = String::from_utf8_lossy(bytes);
    let (flow, diagnostics) = validate_flow_source(&path, &text, &NamespaceContext::default());
    assert!(flow.is_none(), "{name}: a hostile file produced a flow");
    assert!(
        diagnostics.iter().all(|d| d.file == path),
        "{name}: {diagnostics:#?}"
    );
    diagnostics
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&str> {
    diagnostics.iter().map(|d| d.code).collect()
}

/// Loads `bytes`, expecting the load error `code`, within the budget.
fn refused(name: &str, bytes: &[u8], code: &str) -> LoadError {
    let started = Instant::now();
    let err = load::parse_document(bytes, &Limits::default()).expect_err(name);
    assert!(
        started.elapsed() < BUDGET,
        "{name} took {:?}",
        started.elapsed()
    );
    assert_eq!(err.code(), code, "{name}: {err}");
    err
}

// ---- YAML -----------------------------------------------------------------------------------

#[test]
fn oversized_yaml_is_refused_before_parsing() {
    let huge = format!(
        "id: f\nnamespace: company.team\ndescription: \"{}\"\n",
        "x".repeat(8 * 1024 * 1024)
    );
    let err = refused("huge.yaml", huge.as_bytes(), "too-large");
    assert!(err.to_string().contains("1048576"), "{err}");
    let started = Instant::now();
    assert_eq!(
        codes(&validate("huge.yaml", huge.as_bytes())),
        ["too-large"]
    );
    assert!(started.elapsed() < BUDGET);
}

#[test]
fn deeply_nested_yaml_is_refused_without_stack_overflow() {
    let flow = format!("id: {}x{}\n", "[".repeat(100_000), "]".repeat(100_000));
    refused("deep-flow.yaml", flow.as_bytes(), "too-deep");
    let block: String = (0..1_000)
        .map(|depth| format!("{}k{depth}:\n", " ".repeat(depth)))
        .collect();
    refused("deep-block.yaml", block.as_bytes(), "too-deep");
    assert_eq!(codes(&validate("deep.yaml", flow.as_bytes())), ["too-deep"]);
}

#[test]
fn billion_laughs_is_refused_quickly() {
    let bytes = fixture("billion-laughs.yaml");
    refused("billion-laughs.yaml", &bytes, "alias-bomb");
    assert_eq!(
        codes(&validate("billion-laughs.yaml", &bytes)),
        ["alias-bomb"]
    );
}

#[test]
fn a_long_key_above_many_values_is_refused_quickly() {
    // Every value's path repeats the key: 200 KB x 100,000 values was 12 GB and over a minute
    // in a 1 MiB file before pointer text had a limit.
    let flow = format!(
        "id: f\nnamespace: company.team\ntasks: []\nvariables:\n  ? {}\n  :\n{}",
        "k".repeat(200_000),
        "    - 1\n".repeat(100_000)
    );
    assert!(flow.len() <= Limits::default().max_bytes);
    let err = refused("long-key.yaml", flow.as_bytes(), "too-many-path-bytes");
    // It stops at the value that crosses the limit, some 170 values in, not at the end.
    let line = err.position().map_or(0, |pos| pos.line);
    assert!((8..1_000).contains(&line), "{err} at line {line}");
    assert_eq!(
        codes(&validate("long-key.yaml", flow.as_bytes())),
        ["too-many-path-bytes"]
    );
    // The same key above a few values is an ordinary (if odd) variable.
    let few = format!(
        "id: f\nnamespace: company.team\ntasks: []\nvariables:\n  ? {}\n  :\n{}",
        "k".repeat(200_000),
        "    - 1\n".repeat(10)
    );
    assert!(load::parse_document(few.as_bytes(), &Limits::default()).is_ok());
}

#[test]
fn non_utf8_yaml_names_the_line_of_the_first_bad_byte() {
    let bytes = fixture("latin1.yaml");
    let err = refused("latin1.yaml", &bytes, "not-utf8");
    assert_eq!(err.position().map(|p| p.line), Some(1), "{err}");
    // The repo loader reads bytes, so the validator reports the encoding too.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("flows/company/latin1.yaml");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, &bytes).expect("write");
    let tree = DirTree::new(dir.path()).expect("tree");
    let repo = load::load_repo(&tree, &Limits::default());
    let report = baton::validate::validate_repo(&repo, &Default::default());
    assert_eq!(codes(&report.diagnostics), ["not-utf8"]);
    assert_eq!(report.diagnostics[0].file, "flows/company/latin1.yaml");
}

#[test]
fn binary_file_is_refused() {
    let bytes = fixture("binary.yaml");
    refused("binary.yaml", &bytes, "binary");
    // Lossy text of a binary keeps its NUL bytes: the validator refuses it the same way.
    assert_eq!(codes(&validate("binary.yaml", &bytes)), ["binary"]);
}

// ---- repository trees -----------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn symlink_out_of_a_directory_repo_is_outside_root_for_that_file_only() {
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(outside.path().join("passwd"), "root:x:0:0").expect("write");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("flows/company")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("namespaces/company/files")).expect("mkdir");
    std::fs::write(
        dir.path().join("flows/company/ok.yaml"),
        "id: ok\nnamespace: company\ntasks: []\n",
    )
    .expect("write");
    std::os::unix::fs::symlink(
        outside.path().join("passwd"),
        dir.path().join("flows/company/evil.yaml"),
    )
    .expect("symlink");
    std::os::unix::fs::symlink(
        outside.path(),
        dir.path().join("namespaces/company/files/etc"),
    )
    .expect("symlink");

    let tree = DirTree::new(dir.path()).expect("tree");
    for path in [
        "flows/company/evil.yaml",
        "namespaces/company/files/etc/passwd",
        "namespaces/company/files/../../../../etc/passwd",
        "../../etc/passwd",
        "/etc/passwd",
    ] {
        let err = tree.read(path).expect_err(path);
        assert_eq!(err.code(), "outside-root", "{path}: {err}");
    }
    let repo = load::load_repo(&tree, &Limits::default());
    let evil = repo
        .flows
        .iter()
        .find(|f| f.path == "flows/company/evil.yaml")
        .expect("listed");
    assert!(evil.text.is_empty(), "nothing read from outside");
    assert!(repo.flows.iter().any(|f| f.doc.is_ok()), "ok.yaml loads");
    // A linked folder is listed as one entry, never walked, and cannot be read.
    assert!(
        repo.assets.iter().all(|a| !a.path.contains("passwd")),
        "{:?}",
        repo.assets
    );
    for asset in &repo.assets {
        let err = tree.read(&asset.path).expect_err(&asset.path);
        assert_eq!(err.code(), "outside-root", "{}: {err}", asset.path);
    }
}

#[cfg(unix)]
#[test]
fn symlink_committed_to_git_is_refused_for_that_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let git = git2::Repository::init(dir.path()).expect("init");
    std::fs::create_dir_all(dir.path().join("flows")).expect("mkdir");
    std::fs::write(dir.path().join("flows/ok.yaml"), "id: ok\n").expect("write");
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("flows/evil.yaml")).expect("link");
    let mut index = git.index().expect("index");
    index.add_path(Path::new("flows/ok.yaml")).expect("add");
    index.add_path(Path::new("flows/evil.yaml")).expect("add");
    let tree = git
        .find_tree(index.write_tree().expect("write tree"))
        .expect("tree");
    let sig = git2::Signature::now("Eve", "eve@example.com").expect("sig");
    let head = git
        .commit(Some("refs/heads/main"), &sig, &sig, "evil", &tree, &[])
        .expect("commit");

    let spec = SourceSpec::Local {
        path: dir.path().to_path_buf(),
    };
    let repo = Repo::open(spec, "main", &dir.path().join("data")).expect("open");
    let tree = repo.tree_at(&head.to_string()).expect("tree at");
    let err = tree.read("flows/evil.yaml").expect_err("symlink");
    assert!(
        matches!(&err, TreeError::Symlink { path } if path == "flows/evil.yaml"),
        "{err}"
    );
    assert!(err.to_string().contains("flows/evil.yaml"), "{err}");
    assert_eq!(tree.read("flows/ok.yaml").expect("ok"), b"id: ok\n");
}

// ---- file URIs, input and output files ------------------------------------------------------

#[tokio::test]
async fn kestra_uris_cannot_leave_the_file_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = FileStore::new(dir.path().join("root"));
    for uri in [
        "kestra:///../../etc/passwd",
        "kestra:///company/../../../etc/passwd",
        "kestra:////etc/passwd",
        "kestra:///company/./x",
        "kestra:///company//x",
        "kestra:///company/x\\..\\..\\etc",
        "/etc/passwd",
        "file:///etc/passwd",
        "kestra:///\0",
    ] {
        let err = store.path_of(uri).await.expect_err(uri);
        assert!(
            matches!(
                err,
                FileError::Escapes { .. } | FileError::NotAKestraUri { .. }
            ) || matches!(err, FileError::NotFound { .. } if !uri.contains("..")),
            "{uri}: {err}"
        );
        let message = err.to_string();
        assert!(
            message.contains(uri) || message.contains(&format!("{uri:?}")),
            "{uri}: {message}"
        );
    }
    let key = FileKey {
        namespace: "company".into(),
        flow_id: "f".into(),
        execution_id: "e".into(),
        task_id: "t".into(),
        task_run_id: "r".into(),
    };
    for name in ["../../etc/passwd", "/etc/passwd", "a/../../b"] {
        let err = store.uri(&key, name).expect_err(name);
        assert!(matches!(err, FileError::Escapes { .. }), "{name}: {err}");
    }
    let bad_key = FileKey {
        task_id: "..".into(),
        ..key
    };
    assert!(store.uri(&bad_key, "x").is_err());
}

fn spec_with(input_files: &[(&str, &str)], output_files: &[&str]) -> CommandSpec {
    CommandSpec {
        interpreter: vec!["/bin/sh".into(), "-c".into()],
        commands: vec!["echo hi".into()],
        before_commands: Vec::new(),
        fail_fast: true,
        env: Default::default(),
        input_files: input_files
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect(),
        output_files: output_files.iter().map(|s| s.to_string()).collect(),
        timeout: Some(Duration::from_secs(10)),
        warning_on_stderr: false,
        runner: RunnerConfig::Process,
    }
}

async fn run_in(work_dir: &Path, spec: &CommandSpec) -> Result<(), RunnerError> {
    let (logs, mut rx) = tokio::sync::mpsc::channel(64);
    let drain = tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let outcome = baton::runner::run(spec, work_dir, logs, CancellationToken::new()).await;
    drain.await.expect("drain");
    outcome.map(|_| ())
}

#[tokio::test]
async fn output_globs_and_input_file_names_cannot_leave_the_working_directory() {
    let dir = tempfile::tempdir().expect("tempdir");
    for glob in ["../../etc/passwd", "/etc/passwd", "a/../../x", "./../*"] {
        let work = dir.path().join(format!("w{}", glob.len()));
        let err = run_in(&work, &spec_with(&[], &[glob]))
            .await
            .expect_err(glob);
        assert!(
            matches!(&err, RunnerError::OutputGlobEscapes { pattern } if pattern == glob),
            "{glob}: {err}"
        );
    }
    let planted = dir.path().join("planted.sh");
    for name in ["../planted.sh", "/tmp/../planted.sh", "a/../../planted.sh"] {
        let work = dir.path().join("work-in");
        let err = run_in(&work, &spec_with(&[(name, "echo planted")], &[]))
            .await
            .expect_err(name);
        assert!(
            matches!(&err, RunnerError::InputFileEscapes { .. }),
            "{name}: {err}"
        );
        assert!(err.to_string().contains(name), "{name}: {err}");
        assert!(!planted.exists(), "{name} was written outside");
    }
}

#[test]
fn escaping_output_globs_and_input_file_names_are_validation_errors() {
    // The runner refuses them at run time (test above); the validator says so before deploy,
    // at the glob and at the input file's key.
    let bytes = fixture("output-files-escape.yaml");
    let path = "flows/company/team/output-files-escape.yaml";
    let text = String::from_utf8(bytes).expect("utf-8");
    let (_, diagnostics) = validate_flow_source(path, &text, &NamespaceContext::default());
    assert!(
        diagnostics.iter().all(|d| d.file == path),
        "{diagnostics:#?}"
    );
    let found: Vec<(&str, u32)> = diagnostics.iter().map(|d| (d.code, d.line)).collect();
    assert_eq!(
        found,
        [("output-file-escape", 9), ("input-file-escape", 11)],
        "{diagnostics:#?}"
    );
}

// ---- templates ------------------------------------------------------------------------------

fn context() -> RenderContext {
    let vars = json!({
        "flow": {"id": "f", "namespace": "company.team"},
        "vars": {"loop": "{{ render(vars.loop) }}"},
        "envs": envs_from_process(),
    });
    RenderContext::new(vars, Arc::new(EnvServices))
}

/// Renders `template`, expecting an error within the budget; returns its message.
fn render_err(template: &str) -> String {
    let started = Instant::now();
    let err = Renderer::new()
        .render_str(template, &context())
        .expect_err(template);
    assert!(
        started.elapsed() < BUDGET,
        "{template}: {:?}",
        started.elapsed()
    );
    let message = err.to_string();
    assert!(!message.contains("root:x:0:0"), "{template} leaked a file");
    message
}

#[test]
fn templates_cannot_include_or_import_files() {
    for template in [
        "{% include '/etc/passwd' %}",
        "{% include '../../../../etc/passwd' %}",
        "{% import '/etc/passwd' as p %}",
        "{% extends '/etc/passwd' %}",
        "{% from '/etc/passwd' import x %}",
    ] {
        let message = render_err(template);
        assert!(message.contains("/etc/passwd"), "{template}: {message}");
    }
}

#[test]
fn read_function_reaches_only_internal_storage() {
    for template in [
        "{{ read('/etc/passwd') }}",
        "{{ read('file:///etc/passwd') }}",
        "{{ read('kestra:///../../etc/passwd') }}",
    ] {
        let message = render_err(template);
        assert!(message.contains("read("), "{template}: {message}");
    }
    // In a flow, the include is a validation error at its line; `read()` of a path is a
    // render-time refusal (its argument may be computed), so validation lets it through.
    let text = String::from_utf8(fixture("template-escape.yaml")).expect("utf-8");
    let path = "flows/company/team/template-escape.yaml";
    let (_, diagnostics) = validate_flow_source(path, &text, &NamespaceContext::default());
    assert!(
        diagnostics.iter().all(|d| d.file == path),
        "{diagnostics:#?}"
    );
    let errors: Vec<(&str, u32)> = diagnostics
        .iter()
        .filter(|d| d.severity == baton::validate::Severity::Error)
        .map(|d| (d.code, d.line))
        .collect();
    assert_eq!(errors, [("template-include", 6)], "{diagnostics:#?}");
}

#[test]
fn envs_exposes_only_env_prefixed_variables() {
    let envs = envs_from_process();
    let object = envs.as_object().expect("object");
    for key in object.keys() {
        let var = format!("ENV_{}", key.to_uppercase());
        assert!(std::env::var_os(&var).is_some(), "{key} has no {var}");
    }
    assert!(std::env::var_os("PATH").is_some());
    assert!(!object.contains_key("path"), "PATH leaked into envs");
    let message = render_err("{{ envs.path }}");
    assert!(message.contains("envs.path"), "{message}");
    let message = render_err("{{ envs.home }}");
    assert!(message.contains("envs.home"), "{message}");
}

#[test]
fn runaway_loops_stop_on_the_work_budget() {
    for template in [
        "{% for i in range(10**9) %}x{% endfor %}",
        "{% for i in range(1000000000) %}x{% endfor %}",
        "{% for i in range(1, 1000000) %}{% for j in range(1, 1000000) %}{% endfor %}{% endfor %}",
        "{{ range(-9223372036854775807, 9223372036854775807) | length }}",
        "{{ render(vars.loop) }}",
    ] {
        render_err(template);
    }
}

#[test]
fn range_at_the_ends_of_i64_is_an_error_or_a_short_list() {
    // Found writing this catalogue: `end - start` overflowed and panicked.
    for template in [
        "{{ range(-9223372036854775807, 9223372036854775807) }}",
        "{{ range(9223372036854775807, -9223372036854775807, -1) }}",
    ] {
        let message = render_err(template);
        assert!(message.contains("more than"), "{template}: {message}");
    }
    let renderer = Renderer::new();
    for (template, expected) in [
        (
            "{{ range(9223372036854775807, -9223372036854775807, -9223372036854775807) }}",
            "[9223372036854775807, 0, -9223372036854775807]",
        ),
        ("{{ range(-9223372036854775807 - 1) }}", "[]"),
        ("{{ range(0, 9223372036854775807, -1) }}", "[]"),
        (
            "{{ range(9223372036854775806, 9223372036854775807) }}",
            "[9223372036854775806, 9223372036854775807]",
        ),
    ] {
        let rendered = renderer.render_str(template, &context()).expect(template);
        assert_eq!(
            rendered.replace(' ', ""),
            expected.replace(' ', ""),
            "{template}"
        );
    }
}

#[test]
fn output_blow_up_stops_at_the_output_limit() {
    for template in [
        "{{ 'x' * 1000000000 }}",
        "{{ 'x' * 10**9 }}",
        "{% for i in range(1, 999999) %}{{ 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' }}{% endfor %}",
        "{{ ('x' * 1000000) * 1000 }}",
    ] {
        let message = render_err(template);
        assert!(!message.is_empty());
    }
    let limits = baton::template::Limits {
        max_output_bytes: 1024,
        ..Default::default()
    };
    let err = Renderer::with_limits(limits)
        .render_str(
            "{% for i in range(1, 5000) %}{{ i }}{% endfor %}",
            &context(),
        )
        .expect_err("output limit");
    assert!(matches!(err, TemplateError::OutputTooLarge { .. }), "{err}");
}

// ---- SQL in ids and labels ------------------------------------------------------------------

#[test]
fn sql_in_flow_ids_and_namespaces_is_an_invalid_id() {
    let bytes = fixture("sql-id.yaml");
    let diagnostics = validate("sql-id.yaml", &bytes);
    let found = codes(&diagnostics);
    assert!(found.contains(&"invalid-id"), "{diagnostics:#?}");
    assert!(found.contains(&"invalid-namespace"), "{diagnostics:#?}");
    let id = diagnostics
        .iter()
        .find(|d| d.code == "invalid-id" && d.message.contains("DROP TABLE"))
        .expect("the flow id is named");
    assert_eq!(id.line, 1, "{id:#?}");
}

#[tokio::test]
async fn sql_in_labels_is_stored_and_read_back_verbatim() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("baton.db").display());
    let store = SqliteStore::open(&url).await.expect("open");
    let hostile = [
        Label::new("owner", "'; DROP TABLE executions; --"),
        Label::new("x\" OR 1=1 --", "%' OR '1'='1"),
        Label::new("nul", "a\0b"),
        Label::new("percent", "100%_"),
    ];
    let mut execution = Execution::new("company.team", "f", 1, chrono::Utc::now());
    execution.labels = hostile.to_vec();
    store.create_execution(&execution).await.expect("create");
    let plain = Execution::new("company.team", "f", 1, chrono::Utc::now());
    store.create_execution(&plain).await.expect("create");

    let read = store
        .execution(&execution.id)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(read.labels, hostile);
    for label in &hostile {
        let filter = ExecutionFilter {
            labels: vec![label.clone()],
            ..Default::default()
        };
        let page = Page {
            offset: 0,
            limit: 10,
        };
        let found = store
            .search_executions(&filter, page)
            .await
            .expect("search");
        let ids: Vec<&str> = found.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, [execution.id.as_str()], "{label:?}");
    }
    let all = ExecutionFilter::default();
    assert_eq!(store.count_executions(&all).await.expect("count"), 2);
}

// ---- regressions found by fuzzing (fuzz/, bench/fuzz) ---------------------------------------

/// Inputs saved from fuzzing runs, replayed through the same calls as their fuzz target.
fn regression_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile/fuzz")
        .join(target)
}

fn regression_inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(regression_dir(target)) else {
        return Vec::new();
    };
    let mut inputs: Vec<(String, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .map(|e| {
            let bytes = std::fs::read(e.path()).expect("read regression input");
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    inputs.sort();
    inputs
}

#[test]
fn fuzz_regressions_load_and_validate() {
    for (name, bytes) in regression_inputs("load_validate") {
        let started = Instant::now();
        let _ = load::parse_document(&bytes, &Limits::default());
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let _ = validate_flow_source("flows/company/team/fuzz.yaml", text, &Default::default());
        }
        assert!(
            started.elapsed() < BUDGET,
            "{name}: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn fuzz_regressions_render() {
    let renderer = Renderer::new();
    let context = context();
    for (name, bytes) in regression_inputs("template_render") {
        let started = Instant::now();
        let text = String::from_utf8_lossy(&bytes);
        let _ = baton::template::check_syntax(&text);
        let _ = renderer.render_str(&text, &context);
        assert!(
            started.elapsed() < BUDGET,
            "{name}: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn fuzz_regressions_cron_and_duration() {
    let after = chrono::DateTime::from_timestamp(1_711_846_800, 0).expect("instant");
    for (name, bytes) in regression_inputs("cron_duration") {
        let started = Instant::now();
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(cron) = baton::spec::Cron::parse(&text) {
            let _ = cron.next_after(&after);
            let _ = cron.next_after(&after.with_timezone(&chrono_tz::Europe::Paris));
        }
        let _ = baton::spec::Duration::parse(&text);
        assert!(
            started.elapsed() < BUDGET,
            "{name}: {:?}",
            started.elapsed()
        );
    }
}
