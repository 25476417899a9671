//! Execution logs: `GET /executions/{id}/logs` (filter by task, task run and minimum level) and
//! `GET /executions/{id}/logs/follow`, a Server-Sent Events stream that polls the store with an
//! id cursor and ends once the execution is terminal and every line was sent.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt as _};
use serde::Deserialize;

use super::context::WebContext;
use super::executions::load_execution;
use super::extract::{ApiPath, ApiQuery};
use super::problem::Problem;
use crate::store::LogFilter;
use crate::store::model::{Level, LogEntry};

/// How often the follow stream polls the store.
const FOLLOW_POLL: Duration = Duration::from_millis(500);
/// Most lines one poll of the follow stream reads.
const FOLLOW_BATCH: i64 = 500;

/// `GET /executions/{id}/logs` parameters.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogQuery {
    /// Only this task.
    pub task_id: Option<String>,
    /// Only this task run.
    pub task_run_id: Option<String>,
    /// Only this level or more severe (`TRACE` .. `ERROR`).
    pub min_level: Option<String>,
}

impl LogQuery {
    /// The store filter, or a 400 problem for an unknown level.
    pub fn to_filter(&self) -> Result<LogFilter, Problem> {
        let min_level = self
            .min_level
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<Level>()
                    .map_err(|e| Problem::bad_request(e.to_string()))
            })
            .transpose()?;
        Ok(LogFilter {
            task_id: self.task_id.clone().filter(|s| !s.is_empty()),
            task_run_id: self.task_run_id.clone().filter(|s| !s.is_empty()),
            min_level,
            ..LogFilter::default()
        })
    }
}

/// `GET /api/v1/executions/{id}/logs`.
pub async fn list(
    State(ctx): State<WebContext>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<LogQuery>,
) -> Result<Json<Vec<LogEntry>>, Problem> {
    let filter = query.to_filter()?;
    load_execution(&ctx, &id).await?;
    let logs = ctx
        .store
        .logs(&id, &filter)
        .await
        .map_err(|e| Problem::store("logs", &e))?;
    Ok(Json(logs))
}

struct Cursor {
    ctx: WebContext,
    id: String,
    filter: LogFilter,
    done: bool,
}

/// One poll: the next lines as events, or an `end` event once the execution is over.
async fn poll(mut cursor: Cursor) -> Option<(Vec<Event>, Cursor)> {
    if cursor.done {
        return None;
    }
    loop {
        // Read the state before the lines, so lines written just before the end are not missed.
        let terminal = match cursor.ctx.store.execution(&cursor.id).await {
            Ok(Some(e)) => e.state.is_terminal(),
            Ok(None) | Err(_) => true,
        };
        let lines = cursor
            .ctx
            .store
            .logs(&cursor.id, &cursor.filter)
            .await
            .unwrap_or_default();
        if let Some(last) = lines.last() {
            cursor.filter.after_id = Some(last.id);
            let events = lines
                .iter()
                .filter_map(|l| Event::default().event("log").json_data(l).ok())
                .collect();
            return Some((events, cursor));
        }
        if terminal {
            cursor.done = true;
            return Some((vec![Event::default().event("end").data("terminal")], cursor));
        }
        tokio::time::sleep(FOLLOW_POLL).await;
    }
}

/// `GET /api/v1/executions/{id}/logs/follow`: Server-Sent Events, one `log` event per line.
pub async fn follow(
    State(ctx): State<WebContext>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<LogQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    let mut filter = query.to_filter()?;
    filter.limit = Some(FOLLOW_BATCH);
    load_execution(&ctx, &id).await?;
    let cursor = Cursor {
        ctx,
        id,
        filter,
        done: false,
    };
    let stream = futures::stream::unfold(cursor, poll)
        .flat_map(|events| futures::stream::iter(events.into_iter().map(Ok)));
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
