//! The pages in headless Chromium: overview, flow page with its topology and execution page with
//! its Gantt chart, checked on the DOM Chromium builds (`--dump-dom`). Skipped, with the reason
//! printed, when no chromium binary is installed. Set `BATON_SCREENSHOTS=dir` to also write
//! screenshots of the three pages there.

use std::path::Path;
use std::process::Command;

use baton::web::api::Access;

use super::harness::serve;

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

fn headless(binary: &str, profile: &Path, extra: &[String], url: &str) -> std::process::Output {
    Command::new(binary)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_in_headless_chromium() {
    let Some(binary) = chromium() else {
        eprintln!(
            "SKIPPED pages_render_in_headless_chromium: no chromium binary (apt-get install -y chromium)"
        );
        return;
    };
    let server = serve(Access::default()).await;
    let profile = tempfile::tempdir().expect("profile dir");
    let pages = [
        (
            "overview",
            server.url("/"),
            vec!["id=\"repo\"", "id=\"workers\"", "id=\"executions-24h\""],
        ),
        (
            "flow",
            server.url("/ui/flows/company.team/hello"),
            vec![
                "<svg id=\"topology\"",
                "data-task=\"inner\"",
                "branch-errors",
            ],
        ),
        (
            "execution",
            server.url(&format!("/ui/executions/{}", server.finished)),
            vec![
                "<svg id=\"gantt\"",
                "class=\"bar s-success\"",
                "id=\"logs\"",
            ],
        ),
    ];
    for (name, url, expected) in &pages {
        let (binary, profile, url) = (
            binary.to_string(),
            profile.path().to_path_buf(),
            url.clone(),
        );
        let output = tokio::task::spawn_blocking(move || {
            headless(&binary, &profile, &["--dump-dom".into()], &url)
        })
        .await
        .expect("join");
        let dom = String::from_utf8_lossy(&output.stdout);
        for needle in expected {
            assert!(
                dom.contains(needle),
                "{name}: `{needle}` missing from the DOM:\n{dom}"
            );
        }
        assert!(
            !dom.contains("<script>alert"),
            "{name}: injected script in the DOM"
        );
    }
    if let Ok(dir) = std::env::var("BATON_SCREENSHOTS") {
        for (name, url, _) in &pages {
            let shot = Path::new(&dir).join(format!("{name}.png"));
            let args = vec![
                format!("--screenshot={}", shot.display()),
                "--window-size=1280,900".to_string(),
            ];
            let (binary, profile, url) = (
                binary.to_string(),
                profile.path().to_path_buf(),
                url.clone(),
            );
            tokio::task::spawn_blocking(move || headless(&binary, &profile, &args, &url))
                .await
                .expect("join");
            assert!(shot.exists(), "no screenshot {}", shot.display());
        }
    }
}
