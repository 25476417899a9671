//! The read API: flows, executions, logs (and their SSE follow), sync status, workers, metrics,
//! and the OpenAPI document matching the routes.

use baton::web::api::Access;
use baton::web::api::openapi::{In, ROUTES};
use serde_json::Value;

use super::harness::{EVIL_LOG, SECRET, problem, serve};

#[tokio::test]
async fn flows_are_listed_read_and_their_revisions_carry_commits() {
    let server = serve(Access::default()).await;
    let list: Value = server
        .get("/api/v1/flows")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list[0]["id"], "hello");
    assert_eq!(list[0]["revision"], 2);
    let filtered: Value = server
        .get("/api/v1/flows?namespace=other")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(filtered, serde_json::json!([]));

    let flow: Value = server
        .get("/api/v1/flows/company.team/hello")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(flow["namespace"], "company.team");
    assert_eq!(flow["tasks"][1]["then"][0]["id"], "inner");
    assert!(
        flow["source"]
            .as_str()
            .is_some_and(|s| s.contains("id: hello"))
    );

    let revisions: Value = server
        .get("/api/v1/flows/company.team/hello/revisions")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(revisions.as_array().map(Vec::len), Some(2));
    assert_eq!(
        revisions[0]["commit"],
        "1111111111111111111111111111111111111111"
    );

    let detail = problem(server.get("/api/v1/flows/company.team/nope").await, 404).await;
    assert!(detail.contains("company.team.nope"));
    problem(
        server
            .get("/api/v1/flows/company.team/nope/revisions")
            .await,
        404,
    )
    .await;
    problem(server.get("/api/v1/no/such/route").await, 404).await;
}

#[tokio::test]
async fn executions_are_searched_by_filters_and_pages() {
    let server = serve(Access::default()).await;
    let all: Value = server
        .get("/api/v1/executions")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(all["total"], 2);
    let failed: Value = server
        .get("/api/v1/executions?state=SUCCESS")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(failed["total"], 1);
    assert_eq!(failed["results"][0]["id"], server.finished.as_str());
    let paged: Value = server
        .get("/api/v1/executions?page=2&size=1")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(paged["results"].as_array().map(Vec::len), Some(1));
    assert_eq!(paged["total"], 2);
    let other: Value = server
        .get("/api/v1/executions?namespace=company&flowId=hello&startDate=2000-01-01T00:00:00Z")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(other["total"], 2);
    let none: Value = server
        .get("/api/v1/executions?endDate=2000-01-01T00:00:00Z")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(none["total"], 0);

    for bad in [
        "size=0",
        "size=201",
        "page=0",
        "page=x",
        "state=NOPE",
        "startDate=yesterday",
        "labels=novalue",
    ] {
        problem(server.get(&format!("/api/v1/executions?{bad}")).await, 400).await;
    }
}

#[tokio::test]
async fn an_execution_comes_with_its_task_runs_and_never_its_secret_inputs() {
    let server = serve(Access::default()).await;
    let response = server
        .get(&format!("/api/v1/executions/{}", server.finished))
        .await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.expect("body");
    assert!(!text.contains(SECRET), "secret input served: {text}");
    let body: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(body["state"], "SUCCESS");
    assert_eq!(body["inputs"]["password"], "******");
    assert_eq!(body["taskRunList"].as_array().map(Vec::len), Some(3));
    assert_eq!(body["taskRunList"][0]["attempts"][0]["workerId"], "w1");

    let search = server.text("/api/v1/executions", 200).await;
    assert!(!search.contains(SECRET));
    problem(server.get("/api/v1/executions/not-an-id").await, 404).await;
}

#[tokio::test]
async fn logs_filter_by_task_and_level_and_follow_ends_with_the_execution() {
    let server = serve(Access::default()).await;
    let path = format!("/api/v1/executions/{}/logs", server.finished);
    let all: Value = server.get(&path).await.json().await.expect("json");
    assert_eq!(all.as_array().map(Vec::len), Some(3));
    let greet: Value = server
        .get(&format!("{path}?taskId=greet"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(greet[0]["message"], EVIL_LOG);
    let warn: Value = server
        .get(&format!("{path}?minLevel=WARN"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(warn.as_array().map(Vec::len), Some(1));
    problem(server.get(&format!("{path}?minLevel=LOUD")).await, 400).await;
    problem(server.get("/api/v1/executions/nope/logs").await, 404).await;

    let follow = server.get(&format!("{path}/follow")).await;
    assert_eq!(follow.status(), 200);
    assert!(
        follow.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/event-stream")
    );
    let stream = tokio::time::timeout(std::time::Duration::from_secs(10), follow.text())
        .await
        .expect("the stream ends for a terminal execution")
        .expect("body");
    assert_eq!(stream.matches("event: log").count(), 3, "{stream}");
    assert!(stream.contains("event: end"));
}

#[tokio::test]
async fn sync_status_hides_credentials_and_workers_show_heartbeats() {
    let server = serve(Access::default()).await;
    let text = server.text("/api/v1/sync/status", 200).await;
    assert!(!text.contains("ghp_tok3n"), "{text}");
    let sync: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(sync["repo"], "https://git.example.com/acme/flows.git");
    assert_eq!(sync["status"]["condition"], "Stalled");
    assert_eq!(sync["flows"][0]["flowId"], "broken");
    let workers: Value = server
        .get("/api/v1/workers")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(workers[0]["id"], "w1");
}

#[tokio::test]
async fn metrics_are_prometheus_text() {
    let server = serve(Access::default()).await;
    let text = server.text("/metrics", 200).await;
    for family in [
        "baton_executions{state=\"SUCCESS\"} 1",
        "baton_executions_started_total 2",
        "baton_executions_ended_total 1",
        "baton_task_run_duration_seconds_bucket{le=\"5\"} 3",
        "baton_task_run_duration_seconds_count 3",
        "baton_queue_depth 0",
        "baton_flows_deployed 1",
        "baton_flows_invalid 1",
        "baton_sync_ready 0",
        "baton_workers_alive 1",
    ] {
        assert!(text.contains(family), "missing `{family}` in\n{text}");
    }
}

/// Fills the path parameters of a documented route with sample values.
fn sample_path(path: &str) -> String {
    path.replace("{namespace}", "company.team")
        .replace("{id}", "x")
}

#[tokio::test]
async fn every_documented_route_is_served_and_every_served_route_documented() {
    let server = serve(Access {
        api_token: Some("t".into()),
        ..Access::default()
    })
    .await;
    let doc: Value = server
        .get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(doc["openapi"], "3.0.3");
    for route in ROUTES {
        let full = format!("/api/v1{}", route.path);
        assert!(
            doc["paths"][&full][route.method].is_object(),
            "{full} not in the document"
        );
        for param in route.params.iter().filter(|p| p.location == In::Path) {
            assert!(
                route.path.contains(&format!("{{{}}}", param.name)),
                "{} has no {{{}}}",
                route.path,
                param.name
            );
        }
        let url = server.url(&format!("/api/v1{}", sample_path(route.path)));
        let request = match route.method {
            "get" => server.client.get(url),
            _ => server.client.post(url).bearer_auth("t"),
        };
        let response = request.send().await.expect("answer");
        let status = response.status().as_u16();
        assert_ne!(
            status, 405,
            "{} {} is documented but not routed",
            route.method, route.path
        );
        if status == 404 {
            let body = response.text().await.unwrap_or_default();
            assert!(
                !body.contains("no API route"),
                "{} {} is documented but not routed",
                route.method,
                route.path
            );
        }
    }
    let documented: usize = doc["paths"].as_object().map_or(0, |p| {
        p.values()
            .map(|v| v.as_object().map_or(0, |o| o.len()))
            .sum()
    });
    assert_eq!(documented, ROUTES.len());
}
