//! HTML building blocks of the status pages: escaping (every user-controlled string goes
//! through `esc`), URL path segments, the page layout and small widgets (state badges, times,
//! commit SHAs). Pages are plain strings built server-side; there is no template engine and no
//! JavaScript build step.

use std::fmt::Write as _;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};

use crate::store::model::State;

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Percent-encodes one URL path segment or query value (result is also HTML-attribute safe).
pub fn seg(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Which top-level section a page belongs to (highlighted in the navigation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Namespaces,
    Executions,
}

/// A complete page: layout, navigation, `body` (already HTML).
pub fn page(title: &str, section: Section, body: &str) -> String {
    let nav = [
        (Section::Overview, "/", "Overview"),
        (Section::Namespaces, "/ui/namespaces", "Flows"),
        (Section::Executions, "/ui/executions", "Executions"),
    ]
    .iter()
    .map(|(s, href, label)| {
        let current = if *s == section {
            " aria-current=\"page\""
        } else {
            ""
        };
        format!("<a href=\"{href}\"{current}>{label}</a>")
    })
    .collect::<String>();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"color-scheme\" content=\"light dark\">\
<title>{} · baton</title><link rel=\"stylesheet\" href=\"/ui/style.css\"></head>\
<body><header><a class=\"brand\" href=\"/\">baton</a><nav>{nav}</nav></header>\
<main>{body}</main></body></html>",
        esc(title)
    )
}

/// A page as a 200 response.
pub fn respond(title: &str, section: Section, body: &str) -> Response {
    Html(page(title, section, body)).into_response()
}

/// An error page with its status.
pub fn error_page(status: StatusCode, detail: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Error");
    let body = format!(
        "<h1>{}</h1><p class=\"error\" id=\"problem\">{}</p><p><a href=\"/\">Back to the overview</a></p>",
        esc(title),
        esc(detail)
    );
    (status, Html(page(title, Section::Overview, &body))).into_response()
}

/// A colored state badge.
pub fn badge(state: State) -> String {
    format!(
        "<span class=\"badge s-{}\">{}</span>",
        state.as_str().to_ascii_lowercase(),
        state.as_str()
    )
}

/// A UTC time, machine-readable in `datetime`.
pub fn time(t: DateTime<Utc>) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        t.to_rfc3339(),
        t.format("%Y-%m-%d %H:%M:%S UTC")
    )
}

/// An optional time, `—` when missing.
pub fn time_opt(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "—".to_string(), time)
}

/// The first 8 characters of a commit SHA, full SHA in the title.
pub fn sha(commit: Option<&str>) -> String {
    match commit {
        Some(c) if !c.is_empty() => {
            let short: String = c.chars().take(8).collect();
            format!("<code title=\"{}\">{}</code>", esc(c), esc(&short))
        }
        _ => "—".to_string(),
    }
}

/// A human duration (`1.2 s`, `3 min 4 s`).
pub fn duration(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let ms = (to - from).num_milliseconds().max(0);
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        60_000..3_600_000 => format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000),
        _ => format!("{} h {} min", ms / 3_600_000, (ms % 3_600_000) / 60_000),
    }
}

/// Link to a flow page.
pub fn flow_href(namespace: &str, id: &str) -> String {
    format!("/ui/flows/{}/{}", seg(namespace), seg(id))
}

/// Link to an execution page.
pub fn execution_href(id: &str) -> String {
    format!("/ui/executions/{}", seg(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralizes_markup_and_attribute_breaks() {
        assert_eq!(
            esc("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
        assert_eq!(seg("a b/\"<c>"), "a%20b%2F%22%3Cc%3E");
    }
}
