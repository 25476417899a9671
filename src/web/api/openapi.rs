//! The OpenAPI 3 document served at `/api/v1/openapi.json`, built from `ROUTES`, the table the
//! router is checked against (a test calls every documented operation and fails on a route the
//! router does not answer), so the document cannot drift from the routes.

use axum::Json;
use serde_json::{Map, Value, json};

use super::extract::MAX_PAGE_SIZE;

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    Path,
    Query,
}

/// One documented parameter.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub location: In,
    /// JSON Schema of its value.
    pub schema: fn() -> Value,
    pub description: &'static str,
}

/// One documented operation.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    /// Path under `/api/v1`, axum syntax (`{id}`).
    pub path: &'static str,
    pub summary: &'static str,
    pub tag: &'static str,
    /// Needs the API token.
    pub write: bool,
    pub params: &'static [Param],
    /// Status code of success and what it returns.
    pub success: (u16, &'static str),
    /// Takes a JSON object body.
    pub body: bool,
}

fn string() -> Value {
    json!({"type": "string", "minLength": 1})
}
fn page() -> Value {
    json!({"type": "integer", "minimum": 1, "maximum": 1_000_000})
}
fn size() -> Value {
    json!({"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE})
}
fn date_time() -> Value {
    json!({"type": "string", "format": "date-time"})
}
fn state_list() -> Value {
    json!({"type": "string", "pattern": "^[A-Z]+(,[A-Z]+)*$"})
}
fn level() -> Value {
    json!({"type": "string", "enum": ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]})
}

const NS: Param = Param {
    name: "namespace",
    location: In::Path,
    schema: string,
    description: "Flow namespace",
};
const FLOW: Param = Param {
    name: "id",
    location: In::Path,
    schema: string,
    description: "Flow id",
};
const EXEC: Param = Param {
    name: "id",
    location: In::Path,
    schema: string,
    description: "Execution id",
};
const LOG_PARAMS: [Param; 4] = [
    EXEC,
    Param {
        name: "taskId",
        location: In::Query,
        schema: string,
        description: "Only this task",
    },
    Param {
        name: "taskRunId",
        location: In::Query,
        schema: string,
        description: "Only this task run",
    },
    Param {
        name: "minLevel",
        location: In::Query,
        schema: level,
        description: "Minimum level",
    },
];

/// Every API operation.
pub const ROUTES: &[Route] = &[
    Route {
        method: "get",
        path: "/flows",
        summary: "List live flows",
        tag: "Flows",
        write: false,
        params: &[Param {
            name: "namespace",
            location: In::Query,
            schema: string,
            description: "Namespace or parent",
        }],
        success: (200, "Flow summaries"),
        body: false,
    },
    Route {
        method: "get",
        path: "/flows/{namespace}/{id}",
        summary: "Get a live flow with its source",
        tag: "Flows",
        write: false,
        params: &[NS, FLOW],
        success: (200, "The flow"),
        body: false,
    },
    Route {
        method: "get",
        path: "/flows/{namespace}/{id}/revisions",
        summary: "List a flow's revisions",
        tag: "Flows",
        write: false,
        params: &[NS, FLOW],
        success: (200, "Revisions, oldest first"),
        body: false,
    },
    Route {
        method: "get",
        path: "/executions",
        summary: "Search executions",
        tag: "Executions",
        write: false,
        params: &[
            Param {
                name: "namespace",
                location: In::Query,
                schema: string,
                description: "Namespace or parent",
            },
            Param {
                name: "flowId",
                location: In::Query,
                schema: string,
                description: "Flow id",
            },
            Param {
                name: "state",
                location: In::Query,
                schema: state_list,
                description: "Comma-separated states",
            },
            Param {
                name: "startDate",
                location: In::Query,
                schema: date_time,
                description: "Created at or after",
            },
            Param {
                name: "endDate",
                location: In::Query,
                schema: date_time,
                description: "Created before",
            },
            Param {
                name: "labels",
                location: In::Query,
                schema: string,
                description: "Comma-separated key:value",
            },
            Param {
                name: "page",
                location: In::Query,
                schema: page,
                description: "1-based page",
            },
            Param {
                name: "size",
                location: In::Query,
                schema: size,
                description: "Page size",
            },
        ],
        success: (200, "{results, total}"),
        body: false,
    },
    Route {
        method: "post",
        path: "/executions/{namespace}/{id}",
        summary: "Start an execution",
        tag: "Executions",
        write: true,
        params: &[
            NS,
            FLOW,
            Param {
                name: "labels",
                location: In::Query,
                schema: string,
                description: "Comma-separated key:value",
            },
        ],
        success: (201, "The new execution"),
        body: true,
    },
    Route {
        method: "get",
        path: "/executions/{id}",
        summary: "Get an execution with its task runs",
        tag: "Executions",
        write: false,
        params: &[EXEC],
        success: (200, "The execution"),
        body: false,
    },
    Route {
        method: "get",
        path: "/executions/{id}/logs",
        summary: "An execution's logs",
        tag: "Logs",
        write: false,
        params: &LOG_PARAMS,
        success: (200, "Log lines, oldest first"),
        body: false,
    },
    Route {
        method: "get",
        path: "/executions/{id}/logs/follow",
        summary: "Follow logs (Server-Sent Events)",
        tag: "Logs",
        write: false,
        params: &LOG_PARAMS,
        success: (200, "text/event-stream of `log` events, then `end`"),
        body: false,
    },
    Route {
        method: "post",
        path: "/executions/{id}/kill",
        summary: "Kill an execution",
        tag: "Executions",
        write: true,
        params: &[EXEC],
        success: (202, "Kill requested"),
        body: false,
    },
    Route {
        method: "post",
        path: "/executions/{id}/restart",
        summary: "Restart a failed execution",
        tag: "Executions",
        write: true,
        params: &[EXEC],
        success: (200, "The restarted execution"),
        body: false,
    },
    Route {
        method: "post",
        path: "/executions/{id}/resume",
        summary: "Resume a paused execution",
        tag: "Executions",
        write: true,
        params: &[EXEC],
        success: (204, "Resumed"),
        body: true,
    },
    Route {
        method: "post",
        path: "/executions/{id}/replay",
        summary: "Replay from a task run",
        tag: "Executions",
        write: true,
        params: &[
            EXEC,
            Param {
                name: "taskRunId",
                location: In::Query,
                schema: string,
                description: "Task run to replay from",
            },
        ],
        success: (201, "The new execution"),
        body: false,
    },
    Route {
        method: "get",
        path: "/sync/status",
        summary: "Repository and flow sync status",
        tag: "Sync",
        write: false,
        params: &[],
        success: (200, "Sync report"),
        body: false,
    },
    Route {
        method: "get",
        path: "/workers",
        summary: "Registered workers and their heartbeats",
        tag: "Workers",
        write: false,
        params: &[],
        success: (200, "Workers"),
        body: false,
    },
    Route {
        method: "get",
        path: "/openapi.json",
        summary: "This document",
        tag: "Meta",
        write: false,
        params: &[],
        success: (200, "OpenAPI 3 document"),
        body: false,
    },
];

fn problem_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
}

fn operation(route: &Route) -> Value {
    let params: Vec<Value> = route
        .params
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "in": if p.location == In::Path { "path" } else { "query" },
                "required": p.location == In::Path,
                "description": p.description,
                "schema": (p.schema)(),
            })
        })
        .collect();
    let mut responses = Map::new();
    responses.insert(
        route.success.0.to_string(),
        json!({"description": route.success.1, "content": {"application/json": {"schema": {}}}}),
    );
    responses.insert("400".into(), problem_response("Bad parameter"));
    responses.insert(
        "401".into(),
        problem_response("Missing or wrong credentials"),
    );
    if route.path.contains('{') {
        responses.insert("404".into(), problem_response("Unknown flow or execution"));
    }
    if route.write {
        responses.insert(
            "403".into(),
            problem_response("Writes disabled (no API token configured)"),
        );
        responses.insert(
            "409".into(),
            problem_response("Not possible in the current state"),
        );
        responses.insert("413".into(), problem_response("Body too large"));
        responses.insert("422".into(), problem_response("Invalid inputs"));
        responses.insert("503".into(), problem_response("Engine not attached"));
    }
    let mut op = json!({
        "summary": route.summary,
        "operationId": format!("{}{}", route.method, route.path.replace(['/', '{', '}', '.'], "_")),
        "tags": [route.tag],
        "parameters": params,
        "responses": responses,
    });
    if route.write {
        op["security"] = json!([{"apiToken": []}]);
    }
    if route.body {
        op["requestBody"] = json!({"required": false, "content": {
            "application/json": {"schema": {"type": "object", "additionalProperties": true}},
            // Text fields are input values; file parts are FILE inputs (stored, passed as URI).
            "multipart/form-data": {"schema": {"type": "object", "additionalProperties":
                {"anyOf": [{"type": "string"}, {"type": "string", "format": "binary"}]}}}
        }});
    }
    op
}

/// The OpenAPI 3.0 document of `ROUTES`.
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let entry = paths
            .entry(format!("/api/v1{}", route.path))
            .or_insert_with(|| json!({}));
        entry[route.method] = operation(route);
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "baton API", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Read-only flows (they change through Git), executions, logs, sync status."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "securitySchemes": {"apiToken": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Problem": {"type": "object", "required": ["type", "title", "status", "detail"],
                "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                               "status": {"type": "integer"}, "detail": {"type": "string"}}}}
        }
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> Json<Value> {
    Json(document())
}
