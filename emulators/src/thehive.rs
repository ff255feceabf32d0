//! TheHive 5 emulator.
//!
//! - `POST /api/v1/alert` — requires `type`, `source`, `sourceRef`, `title`, `description`;
//!   refuses a second alert with the same (type, source, sourceRef) with 400
//!   `{"type":"CreateError","message":"…already exists"}`; answers 201 with `_id`, `_type`,
//!   `_createdAt`, `status` and the fields sent.
//! - `POST /api/v1/query` — `{"query":[…]}` with `listAlert` then `filter` (`{"_field","_value"}`
//!   or `{"_eq":{"_field","_value"}}`), or `getAlert`/`getCase` `{idOrName}` then `comments`.
//! - `POST /api/v1/alert/{id}/comment`, `POST /api/v1/case/{id}/comment` — `{"message"}` → 201.
//! - Auth: `Authorization: Bearer <API_KEY>`, else 401
//!   `{"type":"AuthenticationError","message":"Authentication failure"}`.
//! - Errors: `{"type":"…","message":"…"}` (404 `NotFoundError`, 400 `BadRequest`).

use crate::{Emulator, bearer, error, serve};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value as Json, json};
use std::sync::{Arc, Mutex};

pub const API_KEY: &str = "hive-api-key-0123456789";

#[derive(Default)]
pub struct HiveState {
    /// Read through [`HiveState::alerts`]: the indexes below must follow every change.
    alerts: Vec<Json>,
    /// (alert or case id, comment)
    pub comments: Vec<(String, Json)>,
    next: u64,
    /// Positions in `alerts` by `_id` and by `sourceRef` (benchmarks hold thousands of alerts;
    /// the API's lookups by these fields stay constant-time).
    by_id: std::collections::HashMap<String, usize>,
    by_source_ref: std::collections::HashMap<String, Vec<usize>>,
}

impl HiveState {
    /// The alerts created so far.
    pub fn alerts(&self) -> &[Json] {
        &self.alerts
    }

    fn id(&mut self) -> String {
        self.next += 1;
        format!("~{}", 40960 + self.next)
    }
    /// Marks an alert as promoted to a case (as `POST /api/v1/alert/{id}/case` would) and
    /// returns the case id.
    pub fn promote(&mut self, alert_id: &str) -> Option<String> {
        let case = self.id();
        let a = self.alerts.iter_mut().find(|a| a["_id"] == alert_id)?;
        a["caseId"] = json!(case);
        Some(case)
    }
}

pub type Shared = Arc<Mutex<HiveState>>;

fn unauthorized(h: &HeaderMap) -> Option<Response> {
    if bearer(h) == Some(API_KEY) {
        None
    } else {
        Some(error(
            401,
            json!({"type": "AuthenticationError", "message": "Authentication failure"}),
        ))
    }
}

fn parse(body: &str) -> Result<Json, Box<Response>> {
    serde_json::from_str(body).map_err(|e| {
        Box::new(error(
            400,
            json!({"type": "BadRequest", "message": format!("Invalid json: {e}")}),
        ))
    })
}

async fn create_alert(State(s): State<Shared>, h: HeaderMap, body: String) -> Response {
    if let Some(r) = unauthorized(&h) {
        return r;
    }
    let b = match parse(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    for f in ["type", "source", "sourceRef", "title", "description"] {
        if b.get(f)
            .and_then(|v| v.as_str())
            .is_none_or(|v| v.is_empty())
        {
            return error(
                400,
                json!({"type": "BadRequest", "message": format!("Attribute {f} is missing")}),
            );
        }
    }
    if let Some(sev) = b.get("severity")
        && !sev.as_u64().is_some_and(|n| (1..=4).contains(&n))
    {
        return error(
            400,
            json!({"type": "BadRequest", "message": "severity must be 1 to 4"}),
        );
    }
    let mut st = s.lock().expect("state");
    let sref = b["sourceRef"].as_str().unwrap_or("").to_owned();
    let dup = st.by_source_ref.get(&sref).into_iter().flatten().any(|i| {
        let a = &st.alerts[*i];
        a["type"] == b["type"] && a["source"] == b["source"] && a["sourceRef"] == b["sourceRef"]
    });
    if dup {
        return error(
            400,
            json!({"type": "CreateError", "message": format!("Alert {}:{}:{} already exists", b["type"].as_str().unwrap_or(""), b["source"].as_str().unwrap_or(""), b["sourceRef"].as_str().unwrap_or(""))}),
        );
    }
    let mut a = b.clone();
    a["_id"] = json!(st.id());
    a["_type"] = json!("Alert");
    a["_createdAt"] = json!(1_700_000_000_000u64 + st.next);
    a["status"] = json!("New");
    let at = st.alerts.len();
    st.by_id
        .insert(a["_id"].as_str().unwrap_or("").to_owned(), at);
    st.by_source_ref.entry(sref).or_default().push(at);
    st.alerts.push(a.clone());
    (axum::http::StatusCode::CREATED, axum::Json(a)).into_response()
}

/// The value a filter requires `field` to equal (directly or inside an `_and`), if it does.
fn eq_value<'a>(f: &'a Json, field: &str) -> Option<&'a str> {
    let eq = f.get("_eq").unwrap_or(f);
    if eq.get("_field").and_then(|x| x.as_str()) == Some(field) {
        return eq.get("_value").and_then(|v| v.as_str());
    }
    f.get("_and")
        .and_then(|x| x.as_array())?
        .iter()
        .find_map(|g| eq_value(g, field))
}

fn filter_matches(f: &Json, a: &Json) -> bool {
    let eq = f.get("_eq").unwrap_or(f);
    match (eq.get("_field").and_then(|x| x.as_str()), eq.get("_value")) {
        (Some(field), Some(v)) => a.get(field) == Some(v),
        _ => {
            if let Some(all) = f.get("_and").and_then(|x| x.as_array()) {
                all.iter().all(|g| filter_matches(g, a))
            } else {
                false
            }
        }
    }
}

async fn query(State(s): State<Shared>, h: HeaderMap, body: String) -> Response {
    if let Some(r) = unauthorized(&h) {
        return r;
    }
    let b = match parse(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let Some(ops) = b.get("query").and_then(|q| q.as_array()) else {
        return error(
            400,
            json!({"type": "BadRequest", "message": "query is missing"}),
        );
    };
    let st = s.lock().expect("state");
    let mut current: Vec<Json> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        match op.get("_name").and_then(|n| n.as_str()) {
            Some("listAlert") => {
                // The filters that follow are applied while listing: only matches are copied
                // (benchmarks hold thousands of alerts).
                let filters: Vec<&Json> = ops[i + 1..]
                    .iter()
                    .take_while(|o| o["_name"] == "filter")
                    .collect();
                // A filter on `sourceRef` (what clients look their alerts up by) uses the index.
                let by_ref = filters.iter().find_map(|f| eq_value(f, "sourceRef"));
                let candidates: Box<dyn Iterator<Item = &Json>> = match by_ref {
                    Some(r) => Box::new(
                        st.by_source_ref
                            .get(r)
                            .into_iter()
                            .flatten()
                            .map(|i| &st.alerts[*i]),
                    ),
                    None => Box::new(st.alerts.iter()),
                };
                current = candidates
                    .filter(|a| filters.iter().all(|f| filter_matches(f, a)))
                    .cloned()
                    .collect();
            }
            Some("filter") => current.retain(|a| filter_matches(op, a)),
            Some("getAlert") | Some("getCase") => {
                let id = op.get("idOrName").and_then(|i| i.as_str()).unwrap_or("");
                let is_alert = op["_name"] == "getAlert";
                let exists = if is_alert {
                    st.by_id.contains_key(id)
                } else {
                    st.alerts.iter().any(|a| a["caseId"] == id)
                };
                if !exists {
                    let what = if is_alert { "Alert" } else { "Case" };
                    return error(
                        404,
                        json!({"type": "NotFoundError", "message": format!("{what} {id} not found")}),
                    );
                }
                current = vec![json!({"_id": id})];
            }
            Some("comments") => {
                let ids: Vec<Json> = current.iter().map(|c| c["_id"].clone()).collect();
                current = st
                    .comments
                    .iter()
                    .filter(|(on, _)| ids.iter().any(|i| i == on))
                    .map(|(_, c)| c.clone())
                    .collect();
            }
            other => {
                return error(
                    400,
                    json!({"type": "BadRequest", "message": format!("unsupported query operation {}", other.unwrap_or("<none>"))}),
                );
            }
        }
    }
    axum::Json(Json::Array(current)).into_response()
}

async fn comment(s: Shared, h: HeaderMap, on_case: bool, id: String, body: String) -> Response {
    if let Some(r) = unauthorized(&h) {
        return r;
    }
    let b = match parse(&body) {
        Ok(b) => b,
        Err(r) => return *r,
    };
    let Some(msg) = b
        .get("message")
        .and_then(|m| m.as_str())
        .filter(|m| !m.is_empty())
    else {
        return error(
            400,
            json!({"type": "BadRequest", "message": "Attribute message is missing"}),
        );
    };
    let mut st = s.lock().expect("state");
    let exists = if on_case {
        st.alerts.iter().any(|a| a["caseId"] == id.as_str())
    } else {
        st.by_id.contains_key(&id)
    };
    if !exists {
        let what = if on_case { "Case" } else { "Alert" };
        return error(
            404,
            json!({"type": "NotFoundError", "message": format!("{what} {id} not found")}),
        );
    }
    let c = json!({"_id": st.id(), "_type": "Comment", "createdBy": "riposte@thehive.local", "message": msg});
    st.comments.push((id, c.clone()));
    (axum::http::StatusCode::CREATED, axum::Json(c)).into_response()
}

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/api/v1/alert", post(create_alert))
        .route("/api/v1/query", post(query))
        .route(
            "/api/v1/alert/{id}/comment",
            post(
                |State(s): State<Shared>, h: HeaderMap, Path(id): Path<String>, body: String| {
                    comment(s, h, false, id, body)
                },
            ),
        )
        .route(
            "/api/v1/case/{id}/comment",
            post(
                |State(s): State<Shared>, h: HeaderMap, Path(id): Path<String>, body: String| {
                    comment(s, h, true, id, body)
                },
            ),
        )
        .with_state(state)
}

/// Starts the emulator; the state is shared with the test.
pub async fn start() -> (Emulator, Shared) {
    let s = Shared::default();
    (serve(router(s.clone())).await, s)
}
