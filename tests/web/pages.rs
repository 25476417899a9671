//! The status pages: content, escaping of every user-controlled string, 404s, pagination.

use baton::store::model::Execution;
use baton::web::api::Access;
use chrono::Utc;

use super::harness::{SECRET, serve};

/// No raw markup from the fixtures may reach a page; the escaped form must.
fn assert_escaped(page: &str) {
    for raw in ["<script>alert", "<img src=x", "<b>bold</b>", "<i>data</i>"] {
        assert!(!page.contains(raw), "unescaped `{raw}` in page");
    }
    assert!(!page.contains(SECRET), "secret in page");
    assert!(!page.contains("ghp_tok3n"), "repo credentials in page");
}

#[tokio::test]
async fn overview_shows_repo_sync_errors_counts_and_workers() {
    let server = serve(Access::default()).await;
    let page = server.text("/", 200).await;
    assert_escaped(&page);
    assert!(page.contains("https://git.example.com/acme/flows.git"));
    assert!(page.contains("id=\"sync-error\""));
    assert!(
        page.contains("<code title=\"2222222222222222222222222222222222222222\">22222222</code>")
    );
    assert!(page.contains("by Bob &lt;bob@example.com&gt;"));
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.contains("company.team</a></td><td>1</td>"));
    assert!(page.contains("badge s-success"));
    assert!(page.contains("<code>w1</code>"));
    let css = server.text("/ui/style.css", 200).await;
    assert!(css.contains("prefers-color-scheme: dark"));
}

#[tokio::test]
async fn overview_shows_message_author_and_time_of_applied_and_attempted_commits() {
    let server = serve(Access::default()).await;
    let page = server.text("/", 200).await;
    let card = |id: &str| {
        let start = page.find(&format!("id=\"{id}\"")).expect(id);
        page[start..start + page[start..].find("</dd>").expect("end")].to_string()
    };
    let applied = card("applied-commit");
    assert!(
        applied.contains("Add &lt;b&gt;hello&lt;/b&gt; flow"),
        "{applied}"
    );
    assert!(
        applied.contains("by Bob &lt;bob@example.com&gt;"),
        "{applied}"
    );
    assert!(applied.contains("<time"), "{applied}");
    let attempted = card("attempted-commit");
    assert!(attempted.contains("Break the broken flow"), "{attempted}");
    assert!(
        attempted.contains("by Eve &lt;eve@example.com&gt;"),
        "{attempted}"
    );
    let report: serde_json::Value = server
        .get("/api/v1/sync/status")
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        report["status"]["lastAppliedCommit"]["message"],
        "Add <b>hello</b> flow"
    );
    assert_eq!(
        report["status"]["lastAttemptedCommit"]["author"],
        "Eve <eve@example.com>"
    );
}

#[tokio::test]
async fn namespace_pages_show_flows_triggers_and_diagnostics() {
    let server = serve(Access::default()).await;
    let tree = server.text("/ui/namespaces", 200).await;
    assert!(tree.contains("href=\"/ui/namespaces/company\""));
    assert!(tree.contains("href=\"/ui/flows/company.team/hello\""));
    let page = server.text("/ui/namespaces/company.team", 200).await;
    assert_escaped(&page);
    assert!(page.contains("&lt;script&gt;alert(&#39;flow&#39;)&lt;/script&gt; says hello"));
    assert!(
        page.contains("class=\"next-fire\"><time"),
        "schedule without next fire time"
    );
    assert!(
        page.contains("<code>flows/company/team/broken.yaml:7:3</code>"),
        "diagnostic line missing"
    );
    assert!(page.contains(&server.finished));
    server.text("/ui/namespaces/nowhere", 404).await;
}

#[tokio::test]
async fn flow_page_has_topology_source_and_revisions() {
    let server = serve(Access::default()).await;
    let page = server.text("/ui/flows/company.team/hello", 200).await;
    assert_escaped(&page);
    assert!(page.contains("<svg id=\"topology\""));
    for task in ["greet", "branch", "inner", "on_error"] {
        assert!(
            page.contains(&format!("data-task=\"{task}\"")),
            "task {task} not drawn"
        );
    }
    assert!(page.contains("class=\"lbl branch-errors\""));
    assert!(page.contains("data-branch=\"then\""));
    assert!(page.contains("id=\"source\""));
    assert!(page.contains("id: hello"));
    assert!(page.contains("?revision=1"));
    let old = server
        .text("/ui/flows/company.team/hello?revision=1", 200)
        .await;
    assert!(old.contains("not the live revision"));
    server.text("/ui/flows/company.team/nope", 404).await;
}

#[tokio::test]
async fn execution_page_has_gantt_logs_filters_and_live_updates() {
    let server = serve(Access::default()).await;
    let page = server
        .text(&format!("/ui/executions/{}", server.finished), 200)
        .await;
    assert_escaped(&page);
    assert!(page.contains("&lt;script&gt;alert(&#39;log&#39;)&lt;/script&gt;"));
    assert!(page.contains("<svg id=\"gantt\""));
    assert_eq!(page.matches("<rect class=\"bar s-success\"").count(), 3);
    assert!(page.contains("******"));
    assert!(page.contains("22222222"));
    assert!(
        !page.contains("<script>(function"),
        "a finished execution needs no live updates"
    );
    let filtered = server
        .text(
            &format!(
                "/ui/executions/{}?taskId=inner&minLevel=DEBUG",
                server.finished
            ),
            200,
        )
        .await;
    assert!(filtered.contains("debug detail"));
    assert!(!filtered.contains("hello world"));

    let running = server
        .text(&format!("/ui/executions/{}", server.running), 200)
        .await;
    assert!(
        running.contains("<script>(function"),
        "a running execution refreshes itself"
    );
    let live = server
        .text(&format!("/ui/executions/{}/live", server.running), 200)
        .await;
    assert!(live.starts_with("<div id=\"live\" data-terminal=\"false\""));
    server.text("/ui/executions/nope", 404).await;
    server
        .text(
            &format!("/ui/executions/{}?minLevel=LOUD", server.finished),
            400,
        )
        .await;
}

#[tokio::test]
async fn executions_list_filters_and_pages() {
    let server = serve(Access::default()).await;
    for _ in 0..30 {
        let e = Execution::new("company.team", "hello", 2, Utc::now());
        server.store.create_execution(&e).await.expect("create");
    }
    let first = server.text("/ui/executions?size=10", 200).await;
    assert!(first.contains("page 1 of 4 · 32 executions"), "{first}");
    assert!(first.contains("rel=\"next\""));
    let last = server.text("/ui/executions?size=10&page=4", 200).await;
    assert!(last.contains("rel=\"prev\""));
    assert!(!last.contains("rel=\"next\""));
    let success = server
        .text(
            "/ui/executions?state=SUCCESS&namespace=company&flowId=&startDate=&endDate=",
            200,
        )
        .await;
    assert!(success.contains("page 1 of 1 · 1 executions"));
    server.text("/ui/executions?size=5000", 400).await;
}
