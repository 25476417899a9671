//! The executions page `/ui/executions`: the same filters as the search API (namespace, flow,
//! state, time range) as a form, a table, and previous/next pages.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::flow_facts::executions_table;
use super::html::{Section, error_page, esc, respond};
use crate::store::model::ALL_STATES;
use crate::web::api::context::WebContext;
use crate::web::api::executions::ExecutionQuery;

fn field(label: &str, name: &str, value: Option<&str>, kind: &str) -> String {
    format!(
        "<label>{label}<input type=\"{kind}\" name=\"{name}\" value=\"{}\"></label>",
        esc(value.unwrap_or(""))
    )
}

fn form(query: &ExecutionQuery) -> String {
    let chosen = query.state.as_deref().unwrap_or("");
    let states: String = ALL_STATES
        .iter()
        .map(|s| {
            let sel = if s.as_str() == chosen {
                " selected"
            } else {
                ""
            };
            format!("<option{sel}>{}</option>", s.as_str())
        })
        .collect();
    format!(
        "<form class=\"filters\" method=\"get\" action=\"/ui/executions\">{}{}\
<label>State<select name=\"state\"><option value=\"\">any</option>{states}</select></label>{}{}\
<input type=\"hidden\" name=\"size\" value=\"{}\"><button>Search</button></form>",
        field("Namespace", "namespace", query.namespace.as_deref(), "text"),
        field("Flow", "flowId", query.flow_id.as_deref(), "text"),
        field(
            "From (RFC 3339)",
            "startDate",
            query.start_date.as_deref(),
            "text"
        ),
        field(
            "To (RFC 3339)",
            "endDate",
            query.end_date.as_deref(),
            "text"
        ),
        query
            .size
            .unwrap_or(crate::web::api::extract::DEFAULT_PAGE_SIZE)
    )
}

fn page_link(query: &ExecutionQuery, page: i64, label: &str) -> String {
    let mut q = query.clone();
    q.page = Some(page);
    let qs = serde_urlencoded::to_string(&q).unwrap_or_default();
    format!(
        "<a href=\"/ui/executions?{}\" rel=\"{}\">{label}</a>",
        esc(&qs),
        if label.starts_with('←') {
            "prev"
        } else {
            "next"
        }
    )
}

/// Matching executions counted for the pager at most: the count stays cheap at any size.
const COUNT_CAP: i64 = 10_000;

/// `GET /ui/executions`.
pub async fn show(State(ctx): State<WebContext>, Query(query): Query<ExecutionQuery>) -> Response {
    let (filter, page) = match query.to_filter() {
        Ok(v) => v,
        Err(p) => return error_page(StatusCode::BAD_REQUEST, &p.detail),
    };
    let loaded = tokio::try_join!(
        ctx.store.search_executions(&filter, page),
        ctx.store.count_executions_capped(&filter, COUNT_CAP + 1)
    );
    let (executions, total) = match loaded {
        Ok(v) => v,
        Err(e) => {
            tracing::error!(error = %e, "executions page: store read failed");
            return error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the store could not be read",
            );
        }
    };
    let number = query.page.unwrap_or(1);
    // Past the cap the total is not counted: "more than" and an open-ended next page.
    let capped = total > COUNT_CAP;
    let last = ((total + page.limit - 1) / page.limit).max(1);
    let prev = if number > 1 {
        page_link(&query, number - 1, "← newer")
    } else {
        String::new()
    };
    let more = executions.len() as i64 == page.limit;
    let next = if number < last || (capped && more) {
        page_link(&query, number + 1, "older →")
    } else {
        String::new()
    };
    let info = if capped {
        format!("page {number} · more than {COUNT_CAP} executions")
    } else {
        format!("page {number} of {last} · {total} executions")
    };
    let body = format!(
        "<h1>Executions</h1>{}{}<div class=\"pager\">{prev}<span class=\"muted\" id=\"page-info\">{info}</span>{next}</div>",
        form(&query),
        executions_table(&executions, true),
    );
    respond("Executions", Section::Executions, &body)
}
