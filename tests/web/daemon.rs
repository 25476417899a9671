//! The daemon's router (`web::router`, built by the gitops side) with the pages and the API
//! merged in: no route conflicts, every part answers on one server.

use std::sync::Arc;

use baton::deploy::LiveRegistry;
use baton::store::Store;
use baton::store::sqlite::SqliteStore;
use baton::trigger::StoreLauncher;
use baton::web::{AppState, router};

#[tokio::test]
async fn the_daemon_router_serves_pages_api_and_its_own_routes_together() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("baton.db").display());
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.expect("open store"));
    let registry = Arc::new(LiveRegistry::new());
    let launcher = Arc::new(StoreLauncher::new(
        Arc::clone(&store),
        Arc::clone(&registry),
    ));
    let state = AppState::new(
        store,
        registry,
        launcher,
        "https://git.example.com/acme/flows.git",
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move { axum::serve(listener, router(state)).await });
    let client = reqwest::Client::new();
    for (path, status) in [
        ("/", 200),
        ("/ui/executions", 200),
        ("/api/v1/executions", 200),
        ("/api/v1/openapi.json", 200),
        ("/metrics", 200),
        ("/healthz", 200),
        ("/api/v1/sync/status", 200),
        ("/api/v1/flows/company/nope", 404),
        ("/api/v1/no/such/route", 404),
    ] {
        let response = client
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status().as_u16(), status, "{path}");
    }
    let write = client
        .post(format!("{base}/api/v1/executions/company/nope"))
        .send()
        .await
        .expect("answer");
    assert_eq!(
        write.status().as_u16(),
        403,
        "writes stay closed without BATON_API_TOKEN"
    );
    server.abort();
}
