//! Arbitrary HTTP requests through the daemon's whole router (`web::router`: JSON API, status
//! pages, execution webhooks, the Git push webhook) over a real SQLite store with live flows,
//! in process (`tower::ServiceExt::oneshot`, no socket).
//!
//! Input: byte 0 picks the endpoint family; the rest, split at NUL bytes, is the path tail and
//! query, the content type, one extra header value (authorization, signature or token) and the
//! body. So libFuzzer mutates query parameters and pagination, JSON and multipart inputs,
//! webhook bodies and signatures, not the routing table.
//!
//! Invariants: no panic; no 500 (a hostile request is the client's error, 4xx); every JSON API
//! answer that is not 2xx has a JSON body.
#![no_main]

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request};
use baton::deploy::{Changes, LiveRegistry, ReconcileOptions, Reconciler, Revision};
use baton::load::DirTree;
use baton::source::Secret;
use baton::store::{Store, open_store};
use baton::trigger::StoreLauncher;
use baton::web::api::{Access, ReadAccess};
use baton::web::{AppState, router};
use libfuzzer_sys::fuzz_target;
use tokio::runtime::Runtime;
use tower::ServiceExt;

const TOKEN: &str = "fuzz-token";

const FLOWS: &[(&str, &str)] = &[
    (
        "flows/fuzz/hook.yaml",
        r#"id: hook
namespace: fuzz
inputs:
  - {id: n, type: STRING, defaults: "0"}
tasks:
  - {id: log, type: io.kestra.plugin.core.log.Log, message: "{{ inputs.n }}"}
triggers:
  - id: hook
    type: io.kestra.plugin.core.trigger.Webhook
    key: fuzzkey
    inputs:
      n: "{{ trigger.body.n ?? trigger.parameters.n ?? 'none' }}"
"#,
    ),
    (
        "flows/fuzz/typed.yaml",
        r#"id: typed
namespace: fuzz
inputs:
  - {id: s, type: STRING, required: false}
  - {id: i, type: INT, required: false, min: -5, max: 5000000000}
  - {id: f, type: FLOAT, required: false}
  - {id: b, type: BOOLEAN, required: false}
  - {id: dt, type: DATETIME, required: false}
  - {id: d, type: DATE, required: false}
  - {id: dur, type: DURATION, required: false}
  - {id: j, type: JSON, required: false}
  - {id: y, type: YAML, required: false}
  - {id: u, type: URI, required: false}
  - {id: e, type: EMAIL, required: false}
  - {id: sel, type: SELECT, required: false, values: [a, b]}
  - {id: ms, type: MULTISELECT, required: false, values: [a, b]}
  - {id: arr, type: ARRAY, itemType: INT, required: false}
  - {id: re, type: STRING, required: false, validator: "^[a-z]+$"}
tasks:
  - {id: log, type: io.kestra.plugin.core.log.Log, message: "{{ inputs }}"}
"#,
    ),
];

struct World {
    runtime: Runtime,
    app: Router,
    _dir: tempfile::TempDir,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in FLOWS {
            let full = dir.path().join("repo").join(path);
            std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
            std::fs::write(full, text).expect("write flow");
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let app = runtime.block_on(async {
            let url = format!("sqlite://{}", dir.path().join("baton.db").display());
            let store: Arc<dyn Store> = open_store(&url).await.expect("store");
            let registry = Arc::new(LiveRegistry::new());
            let reconciler = Reconciler::new(
                store.clone(),
                registry.clone(),
                ReconcileOptions::new("fuzz"),
            );
            let tree = Arc::new(DirTree::new(dir.path().join("repo")).expect("tree"));
            let revision = Revision::new("r1");
            let report = reconciler
                .reconcile(tree, revision, Changes::All)
                .await
                .expect("reconcile");
            assert!(report.invalid.is_empty(), "{:?}", report.diagnostics);
            let launcher = Arc::new(StoreLauncher::new(store.clone(), registry.clone()));
            router(AppState {
                webhook_secret: Some(Secret::new("fuzz-secret")),
                access: Some(Access {
                    read: ReadAccess::Public,
                    api_token: Some(TOKEN.into()),
                }),
                ..AppState::new(store, registry, launcher, "fuzz")
            })
        });
        World {
            runtime,
            app,
            _dir: dir,
        }
    })
}

/// The request of one input, or none when it is not a valid HTTP request at all.
fn request(data: &[u8]) -> Option<Request<Body>> {
    let (&family, rest) = data.split_first()?;
    let mut parts = rest.splitn(4, |&b| b == 0);
    let tail = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let content_type = parts.next().unwrap_or_default();
    let extra = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default().to_vec();
    let bearer = format!("Bearer {TOKEN}");
    let (method, uri, header): (Method, String, Option<(&str, &[u8])>) = match family % 9 {
        0 => (Method::GET, format!("/api/v1/executions?{tail}"), None),
        1 => (Method::GET, format!("/api/v1/executions/{tail}"), None),
        2 => (Method::GET, format!("/api/v1/flows?{tail}"), None),
        3 => (
            Method::POST,
            format!("/api/v1/executions/fuzz/typed?{tail}"),
            Some(("authorization", bearer.as_bytes())),
        ),
        4 => (
            Method::POST,
            format!("/api/v1/executions/webhook/fuzz/hook/fuzzkey?{tail}"),
            Some(("x-custom", extra)),
        ),
        5 => (
            Method::GET,
            format!("/api/v1/executions/webhook/fuzz/hook/{tail}"),
            None,
        ),
        6 => (
            Method::POST,
            "/api/v1/git/webhook".into(),
            Some(("x-hub-signature-256", extra)),
        ),
        7 => (
            Method::POST,
            "/api/v1/git/webhook".into(),
            Some(("x-gitlab-token", extra)),
        ),
        _ => (
            Method::GET,
            format!("/{tail}"),
            Some(("authorization", extra)),
        ),
    };
    let mut builder = Request::builder().method(method).uri(uri);
    if !content_type.is_empty() {
        builder = builder.header("content-type", content_type);
    }
    if let Some((name, value)) = header {
        builder = builder.header(name, value);
    }
    builder.body(Body::from(body)).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some(request) = request(data) else {
        return;
    };
    let path = request.uri().path().to_string();
    let world = world();
    world.runtime.block_on(async {
        let response = world
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        assert!(status.as_u16() != 500, "500 for {path}: {data:?}");
        if path.starts_with("/api/") && !status.is_success() && status.as_u16() != 204 {
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .expect("body");
            assert!(
                serde_json::from_slice::<serde_json::Value>(&bytes).is_ok(),
                "{status} for {path} without a JSON body: {:?}",
                String::from_utf8_lossy(&bytes)
            );
        }
    });
});
