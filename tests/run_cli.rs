//! `baton run FILE` as users call it: the real binary on a flow inside a repository, which
//! applies the repository's `namespaces/` settings exactly as the daemon does.

use std::path::Path;
use std::process::Command;

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn baton_run(root: &Path, flow: &str) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("run")
        .arg(root.join(flow))
        .arg("--json")
        .arg("--database")
        .arg(format!("sqlite://{}", root.join("b.db").display()))
        .arg("--data-dir")
        .arg(root.join("data"))
        .output()
        .expect("baton runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[test]
fn baton_run_applies_inherited_namespace_variables_and_plugin_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "namespaces/company/namespace.yaml",
        "variables:\n  env: base\n  team: data\npluginDefaults:\n  - type: io.kestra.plugin.core.debug.Return\n    values:\n      format: \"from defaults\"\n",
    );
    write(
        root,
        "namespaces/company.dev/namespace.yaml",
        "variables:\n  env: dev\n",
    );
    write(
        root,
        "flows/company/dev/show.yaml",
        "id: show\nnamespace: company.dev\ntasks:\n  - id: vars\n    type: io.kestra.plugin.core.debug.Return\n    format: \"{{ namespace.env }}/{{ namespace.team }}\"\n  - id: defaulted\n    type: io.kestra.plugin.core.debug.Return\n",
    );
    let (code, out) = baton_run(root, "flows/company/dev/show.yaml");
    assert_eq!(code, Some(0), "{out}");
    let json: serde_json::Value = serde_json::from_str(out.lines().next().expect("a line"))
        .unwrap_or_else(|e| panic!("{e}: {out}"));
    let value = |task: &str| {
        json["taskRuns"]
            .as_array()
            .expect("task runs")
            .iter()
            .find(|t| t["taskId"] == task)
            .map(|t| t["outputs"]["value"].clone())
    };
    assert_eq!(value("vars"), Some("dev/data".into()), "{out}");
    assert_eq!(value("defaulted"), Some("from defaults".into()), "{out}");
}

#[test]
fn baton_run_refuses_a_broken_namespace_file_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "namespaces/company/namespace.yaml",
        "variables: [1, 2\n",
    );
    write(
        root,
        "flows/company/show.yaml",
        "id: show\nnamespace: company\ntasks:\n  - id: hi\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n",
    );
    let (code, out) = baton_run(root, "flows/company/show.yaml");
    assert_ne!(code, Some(0), "{out}");
    assert!(out.contains("namespaces/company/namespace.yaml"), "{out}");
}
