//! Random hostile requests against the daemon's whole router (`web::router`) on a real socket:
//! query parameters and pagination, JSON and multipart inputs, execution-webhook bodies, push
//! webhook signatures, random paths. The in-CI twin of the `http_api` fuzz target (same live
//! flows, same invariants): never a 500, and every non-2xx JSON API answer has a JSON body.

use crate::support::deploy_dir;
use std::sync::Arc;

use baton::deploy::LiveRegistry;
use baton::source::Secret;
use baton::store::open_store;
use baton::trigger::StoreLauncher;
use baton::web::api::{Access, ReadAccess};
use baton::web::{AppState, router};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

const TOKEN: &str = "hostile-token";

const HOOK: &str = "id: hook\nnamespace: fuzz\ninputs:\n  - {id: n, type: STRING, defaults: \"0\"}\ntasks:\n  - {id: log, type: io.kestra.plugin.core.log.Log, message: \"{{ inputs.n }}\"}\ntriggers:\n  - id: hook\n    type: io.kestra.plugin.core.trigger.Webhook\n    key: fuzzkey\n    inputs:\n      n: \"{{ trigger.body.n ?? trigger.parameters.n ?? 'none' }}\"\n";
const TYPED: &str = "id: typed\nnamespace: fuzz\ninputs:\n  - {id: s, type: STRING, required: false}\n  - {id: i, type: INT, required: false, min: -5, max: 5000000000}\n  - {id: b, type: BOOLEAN, required: false}\n  - {id: dt, type: DATETIME, required: false}\n  - {id: dur, type: DURATION, required: false}\n  - {id: j, type: JSON, required: false}\n  - {id: sel, type: SELECT, required: false, values: [a, b]}\n  - {id: arr, type: ARRAY, itemType: INT, required: false}\ntasks:\n  - {id: log, type: io.kestra.plugin.core.log.Log, message: \"{{ inputs }}\"}\n";

/// Starts the daemon's router on 127.0.0.1 over a SQLite store with the two live flows.
async fn serve(dir: &std::path::Path) -> String {
    for (name, text) in [("hook", HOOK), ("typed", TYPED)] {
        let path = dir.join(format!("repo/flows/fuzz/{name}.yaml"));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    let url = format!("sqlite://{}", dir.join("b.db").display());
    let store = open_store(&url).await.expect("store");
    let registry = Arc::new(LiveRegistry::new());
    deploy_dir(&store, &registry, &dir.join("repo"), "r1").await;
    let launcher = Arc::new(StoreLauncher::new(store.clone(), registry.clone()));
    let app = router(AppState {
        webhook_secret: Some(Secret::new("hostile-secret")),
        access: Some(Access {
            read: ReadAccess::Public,
            api_token: Some(TOKEN.into()),
        }),
        ..AppState::new(store, registry, launcher, "hostile")
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// One hostile request: endpoint family, path tail or query, content type, header, body.
type Case = (u8, String, String, String, Vec<u8>);

fn cases() -> impl Strategy<Value = Case> {
    let tail = "[a-zA-Z0-9%&=:,+./_~ -]{0,40}";
    let content_type = prop_oneof![
        Just(String::new()),
        Just("application/json".to_string()),
        Just("text/plain".to_string()),
        Just("multipart/form-data; boundary=XyZ".to_string()),
        Just("multipart/form-data".to_string()),
        "[a-z/;= -]{0,30}",
    ];
    let body = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        "\\{(\"[a-z]{1,3}\": ?(1|-1|1e400|\"x\"|null|\\[\\]|\\{\\}|true),? ?){0,4}\\}?"
            .prop_map(String::into_bytes),
        "--XyZ\r\nContent-Disposition: form-data; name=\"[a-z]{0,3}\"(; filename=\"f\")?\r\n\r\n[a-z0-9]{0,10}(\r\n--XyZ--\r\n)?"
            .prop_map(String::into_bytes),
    ];
    (0u8..9, tail, content_type, "[ -~]{0,70}", body)
}

async fn send(client: &reqwest::Client, base: &str, case: &Case) -> Option<(String, u16, Vec<u8>)> {
    let (family, tail, content_type, header, body) = case;
    let bearer = format!("Bearer {TOKEN}");
    let (method, path, extra): (reqwest::Method, String, Option<(&str, &str)>) = match family {
        0 => (
            reqwest::Method::GET,
            format!("/api/v1/executions?{tail}"),
            None,
        ),
        1 => (
            reqwest::Method::GET,
            format!("/api/v1/executions/{tail}"),
            None,
        ),
        2 => (reqwest::Method::GET, format!("/api/v1/flows?{tail}"), None),
        3 => (
            reqwest::Method::POST,
            format!("/api/v1/executions/fuzz/typed?{tail}"),
            Some(("authorization", bearer.as_str())),
        ),
        4 => (
            reqwest::Method::POST,
            format!("/api/v1/executions/webhook/fuzz/hook/fuzzkey?{tail}"),
            Some(("x-custom", header.as_str())),
        ),
        5 => (
            reqwest::Method::GET,
            format!("/api/v1/executions/webhook/fuzz/hook/{tail}"),
            None,
        ),
        6 => (
            reqwest::Method::POST,
            "/api/v1/git/webhook".into(),
            Some(("x-hub-signature-256", header.as_str())),
        ),
        7 => (
            reqwest::Method::POST,
            "/api/v1/git/webhook".into(),
            Some(("x-gitlab-token", header.as_str())),
        ),
        _ => (reqwest::Method::GET, format!("/{tail}"), None),
    };
    let url = reqwest::Url::parse(&format!("{base}{path}")).ok()?;
    let mut request = client.request(method, url.clone()).body(body.clone());
    if !content_type.is_empty() {
        request = request.header("content-type", content_type.as_str());
    }
    if let Some((name, value)) = extra {
        request = request.header(name, value);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body").to_vec();
    Some((url.path().to_string(), status, bytes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_hostile_requests_never_get_a_500_and_api_errors_are_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = serve(dir.path()).await;
    let client = reqwest::Client::new();
    let mut runner = TestRunner::new(Config {
        cases: 600,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = cases();
    let mut failures = Vec::new();
    for _ in 0..600 {
        let case = strategy.new_tree(&mut runner).expect("case").current();
        let Some((path, status, body)) = send(&client, &base, &case).await else {
            continue;
        };
        let json = serde_json::from_slice::<serde_json::Value>(&body).is_ok();
        if status == 500 || (path.starts_with("/api/") && status >= 400 && !json) {
            failures.push(format!(
                "{status} {path} for {case:?}: {}",
                String::from_utf8_lossy(&body)
            ));
        }
    }
    failures.sort();
    failures.dedup();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures[..failures.len().min(15)].join("\n")
    );
}
