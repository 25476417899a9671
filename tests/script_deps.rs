//! Script task `dependencies` installed offline on the Process runner by a real worker: Python
//! with `packageManager: PIP` and `UV` from a wheel built here and served by `--find-links`
//! (no index: the tests never touch the internet), Node with npm from a package tarball and a
//! package folder made here. Each is skipped, with the reason printed, when its tool is absent.

use std::path::Path;
use std::process::Command;

use baton::store::model::State;
use serde_json::{Value, json};

use crate::worker::{Harness, output};

/// Writes a pure-Python wheel `baton_probe-1.0` whose module holds `VALUE = 'probe-42'`.
const MAKE_WHEEL: &str = r#"
import base64, hashlib, sys, zipfile
name, version = "baton_probe", "1.0"
files = {
    f"{name}/__init__.py": "VALUE = 'probe-42'\n",
    f"{name}-{version}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: baton-probe\nVersion: {version}\n",
    f"{name}-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: baton-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
def digest(text):
    raw = hashlib.sha256(text.encode()).digest()
    return "sha256=" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode() + f",{len(text.encode())}"
record = "".join(f"{path},{digest(text)}\n" for path, text in files.items())
record += f"{name}-{version}.dist-info/RECORD,,\n"
with zipfile.ZipFile(f"{sys.argv[1]}/{name}-{version}-py3-none-any.whl", "w") as wheel:
    for path, text in files.items():
        wheel.writestr(path, text)
    wheel.writestr(f"{name}-{version}.dist-info/RECORD", record)
"#;

/// True when `program --version` runs (prints why not otherwise).
fn tool(program: &str) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: `{program}` is not on the PATH");
    }
    found
}

/// A directory holding the probe wheel, to be used as `--find-links`.
fn wheel_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let status = Command::new("python3")
        .args(["-c", MAKE_WHEEL])
        .arg(dir.path())
        .status()
        .expect("python3");
    assert!(status.success(), "building the probe wheel");
    dir
}

/// A Python script task importing the probe from `dependencies` installed by `manager`, with
/// the installer pointed at `links` only.
fn python_task(manager: &str, links: &Path) -> Value {
    let links = links.display().to_string();
    json!({
        "id": "deps",
        "type": "io.kestra.plugin.scripts.python.Script",
        "packageManager": manager,
        "dependencies": ["baton-probe==1.0"],
        "env": {
            "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": links,
            "UV_OFFLINE": "1", "UV_FIND_LINKS": links,
        },
        "warningOnStdErr": false,
        "script": "import sys, json, baton_probe\nprint('::' + json.dumps({'outputs': {'value': baton_probe.VALUE, 'prefix': sys.prefix}}) + '::')\n",
    })
}

async fn python_dependencies_install_offline(manager: &str) {
    let links = wheel_dir();
    let h = Harness::start().await;
    let run = h.run(python_task(manager, links.path()), json!({})).await;
    assert_eq!(
        run.state,
        State::Success,
        "error: {:?}\n{}",
        run.error,
        h.log_text(&run.id).await
    );
    assert_eq!(output(&run, "/vars/value"), &json!("probe-42"));
    // Imported from the task's own venv, not from the host's site-packages.
    let prefix = output(&run, "/vars/prefix").as_str().expect("prefix");
    assert!(prefix.ends_with("/.venv"), "{prefix}");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn python_dependencies_with_uv_install_offline_from_find_links() {
    if tool("uv") {
        python_dependencies_install_offline("UV").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn python_dependencies_with_pip_install_offline_from_find_links() {
    python_dependencies_install_offline("PIP").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_missing_python_dependency_fails_the_task() {
    let links = wheel_dir();
    let h = Harness::start().await;
    let mut task = python_task("PIP", links.path());
    task["dependencies"] = json!(["baton-no-such-package"]);
    let run = h.run(task, json!({})).await;
    assert_eq!(run.state, State::Failed);
    assert!(h.log_text(&run.id).await.contains("baton-no-such-package"));
    h.stop().await;
}

/// A package folder `baton-node-probe` exporting `value`, and its `npm pack` tarball.
fn node_package(root: &Path) -> (String, String) {
    let folder = root.join("pkg");
    std::fs::create_dir_all(&folder).expect("package folder");
    std::fs::write(
        folder.join("package.json"),
        r#"{"name":"baton-node-probe","version":"1.0.0","main":"index.js"}"#,
    )
    .expect("package.json");
    std::fs::write(
        folder.join("index.js"),
        "module.exports = { value: 'node-probe-42' };\n",
    )
    .expect("index.js");
    let packed = Command::new("npm")
        .args(["pack", "--silent", "--pack-destination"])
        .arg(root)
        .current_dir(&folder)
        .output()
        .expect("npm pack");
    assert!(packed.status.success(), "npm pack: {packed:?}");
    let tarball = root.join("baton-node-probe-1.0.0.tgz");
    assert!(tarball.is_file(), "npm pack wrote no tarball");
    (folder.display().to_string(), tarball.display().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn node_dependencies_install_offline_from_a_tarball_and_a_folder() {
    if !tool("node") || !tool("npm") {
        return;
    }
    let root = tempfile::tempdir().expect("temp dir");
    let (folder, tarball) = node_package(root.path());
    let h = Harness::start().await;
    for (id, dependency) in [("tarball", tarball), ("folder", folder)] {
        let task = json!({
            "id": id,
            "type": "io.kestra.plugin.scripts.node.Script",
            "dependencies": [dependency],
            "env": {"npm_config_offline": "true"},
            "warningOnStdErr": false,
            "script": "const probe = require('baton-node-probe');\nconsole.log('::' + JSON.stringify({outputs: {value: probe.value}}) + '::');\n",
        });
        let run = h.run(task, json!({})).await;
        assert_eq!(
            run.state,
            State::Success,
            "{id}: {:?}\n{}",
            run.error,
            h.log_text(&run.id).await
        );
        assert_eq!(output(&run, "/vars/value"), &json!("node-probe-42"), "{id}");
    }
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn node_commands_without_dependencies_run_with_node() {
    if !tool("node") {
        return;
    }
    let h = Harness::start().await;
    let task = json!({
        "id": "nodecmd",
        "type": "io.kestra.plugin.scripts.node.Commands",
        "inputFiles": {"main.js": "console.log('::' + JSON.stringify({outputs: {answer: 6 * 7, argv: process.argv.slice(2)}}) + '::')"},
        "commands": ["node main.js a b"],
    });
    let run = h.run(task, json!({})).await;
    assert_eq!(run.state, State::Success, "error: {:?}", run.error);
    assert_eq!(output(&run, "/vars/answer"), &json!(42));
    assert_eq!(output(&run, "/vars/argv"), &json!(["a", "b"]));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn node_with_an_unknown_package_manager_fails_clearly() {
    let h = Harness::start().await;
    let task = json!({
        "id": "nodeuv",
        "type": "io.kestra.plugin.scripts.node.Script",
        "packageManager": "UV",
        "dependencies": ["x"],
        "script": "console.log(1)",
    });
    let run = h.run(task, json!({})).await;
    assert_eq!(run.state, State::Failed);
    let error = run.error.unwrap_or_default();
    assert!(error.contains("packageManager"), "{error}");
    h.stop().await;
}
