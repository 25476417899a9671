//! Access control and the write API: tokens, basic auth, refused writes that change nothing,
//! bad bodies and inputs answered as problem+json.

use baton::store::model::State;
use baton::web::api::{Access, ReadAccess};
use serde_json::Value;

use super::harness::{Server, problem, serve};

const TOKEN: &str = "s3cret-api-token";

fn with_token() -> Access {
    Access {
        read: ReadAccess::Public,
        api_token: Some(TOKEN.into()),
    }
}

async fn start(server: &Server, token: Option<&str>, body: reqwest::Body) -> reqwest::Response {
    let mut request = server
        .client
        .post(server.url("/api/v1/executions/company.team/hello"))
        .header("content-type", "application/json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("answer")
}

#[tokio::test]
async fn writes_are_forbidden_without_a_configured_token() {
    let server = serve(Access::default()).await;
    let detail = problem(start(&server, Some("anything"), "{}".into()).await, 403).await;
    assert!(detail.contains("--api-token"), "{detail}");
    assert_eq!(server.execution_count().await, 2);
}

#[tokio::test]
async fn writes_need_the_right_bearer_token_and_refusals_change_nothing() {
    let server = serve(with_token()).await;
    problem(start(&server, None, "{}".into()).await, 401).await;
    problem(start(&server, Some("wrong"), "{}".into()).await, 401).await;
    assert_eq!(server.execution_count().await, 2);

    let created = start(
        &server,
        Some(TOKEN),
        r#"{"name": "Ada", "password": "pw"}"#.into(),
    )
    .await;
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.expect("json");
    assert_eq!(body["inputs"]["name"], "Ada");
    assert_eq!(body["inputs"]["password"], "******");
    assert_eq!(body["state"], "CREATED");
    let id = body["id"].as_str().expect("id");
    let stored = server
        .store
        .execution(id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.inputs["name"], "Ada");
    assert_eq!(server.execution_count().await, 3);
}

#[tokio::test]
async fn bad_starts_get_clear_problems_and_create_nothing() {
    let server = serve(with_token()).await;
    let unknown = server
        .client
        .post(server.url("/api/v1/executions/company.team/nope"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("answer");
    problem(unknown, 404).await;
    let detail = problem(
        start(&server, Some(TOKEN), r#"{"count": "many"}"#.into()).await,
        422,
    )
    .await;
    assert!(detail.contains("count"), "{detail}");
    problem(start(&server, Some(TOKEN), "{not json".into()).await, 400).await;
    problem(start(&server, Some(TOKEN), "[1, 2]".into()).await, 400).await;
    let huge = format!(r#"{{"name": "{}"}}"#, "x".repeat(2 * 1024 * 1024));
    problem(start(&server, Some(TOKEN), huge.into()).await, 413).await;
    let labels = server
        .client
        .post(server.url("/api/v1/executions/company.team/hello?labels=nocolon"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("answer");
    problem(labels, 400).await;
    assert_eq!(server.execution_count().await, 2);
}

#[tokio::test]
async fn multipart_fields_are_inputs() {
    let server = serve(with_token()).await;
    let boundary = "XbatonX";
    let form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nGrace\r\n\
--{boundary}\r\nContent-Disposition: form-data; name=\"count\"\r\n\r\n3\r\n--{boundary}--\r\n"
    );
    let response = server
        .client
        .post(server.url("/api/v1/executions/company.team/hello?labels=team:ops"))
        .bearer_auth(TOKEN)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(form)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["inputs"]["name"], "Grace");
    assert_eq!(body["inputs"]["count"], 3);
    assert_eq!(body["labels"][0]["key"], "team");
}

#[tokio::test]
async fn kill_marks_a_running_execution_and_refuses_a_finished_one() {
    let server = serve(with_token()).await;
    let post = |path: String| {
        server
            .client
            .post(server.url(&path))
            .bearer_auth(TOKEN)
            .send()
    };
    let killed = post(format!("/api/v1/executions/{}/kill", server.running))
        .await
        .expect("answer");
    assert_eq!(killed.status(), 202);
    let stored = server
        .store
        .execution(&server.running)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.state, State::Killing);
    problem(
        post(format!("/api/v1/executions/{}/kill", server.finished))
            .await
            .expect("answer"),
        409,
    )
    .await;
    problem(
        post("/api/v1/executions/nope/kill".into())
            .await
            .expect("answer"),
        404,
    )
    .await;
    problem(
        post(format!("/api/v1/executions/{}/replay", server.finished))
            .await
            .expect("answer"),
        400,
    )
    .await;
    // Without the engine attached, restart says so instead of pretending.
    problem(
        post(format!("/api/v1/executions/{}/restart", server.finished))
            .await
            .expect("answer"),
        503,
    )
    .await;
}

#[tokio::test]
async fn basic_auth_guards_pages_and_read_api() {
    let server = serve(Access {
        read: ReadAccess::Basic {
            user: "ops".into(),
            password: "pa55".into(),
        },
        api_token: Some(TOKEN.into()),
    })
    .await;
    for path in ["/", "/api/v1/flows", "/metrics", "/ui/executions"] {
        let response = server.get(path).await;
        assert!(
            response.headers().contains_key("www-authenticate"),
            "{path}"
        );
        problem(response, 401).await;
        let wrong = server
            .client
            .get(server.url(path))
            .basic_auth("ops", Some("nope"))
            .send()
            .await
            .expect("answer");
        problem(wrong, 401).await;
        let right = server
            .client
            .get(server.url(path))
            .basic_auth("ops", Some("pa55"))
            .send()
            .await
            .expect("answer");
        assert_eq!(right.status(), 200, "{path}");
        let token = server
            .client
            .get(server.url(path))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("answer");
        assert_eq!(token.status(), 200, "{path}: the API token also reads");
    }
    // The stylesheet is public so the 401 page is still styled.
    assert_eq!(server.get("/ui/style.css").await.status(), 200);
}

#[tokio::test]
async fn bearer_read_access_and_no_cors() {
    let server = serve(Access {
        read: ReadAccess::Bearer("reader".into()),
        api_token: None,
    })
    .await;
    problem(server.get("/api/v1/executions").await, 401).await;
    let ok = server
        .client
        .get(server.url("/api/v1/executions"))
        .bearer_auth("reader")
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("answer");
    assert_eq!(ok.status(), 200);
    assert!(!ok.headers().contains_key("access-control-allow-origin"));
}
