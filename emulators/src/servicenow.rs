//! ServiceNow Table API emulator (table `incident` only).
//!
//! - `GET /api/now/table/incident?sysparm_query=f=v^g=w&sysparm_fields=…&sysparm_limit=n` →
//!   `{"result":[…]}` (only `field=value` conditions joined by `^`).
//! - `POST /api/now/table/incident` → 201 `{"result":{sys_id, number:"INC0010001", …}}`.
//! - `PATCH /api/now/table/incident/{sys_id}` — `work_notes` is appended to the journal, other
//!   fields are set → 200 `{"result":{…}}`.
//! - `GET /api/now/table/incident/{sys_id}` — with `sysparm_display_value=true`, `work_notes`
//!   is the journal as ServiceNow displays it (newest first, one header line per entry).
//! - `POST /oauth_token.do` (form `grant_type=client_credentials`, `client_id`,
//!   `client_secret`) → `{"access_token","expires_in","token_type":"Bearer"}`.
//! - Auth: Basic [`USER`]:[`PASSWORD`] or a bearer token issued above, else 401
//!   `{"error":{"message":"User Not Authenticated","detail":"Required to provide Auth information"},"status":"failure"}`.
//! - Errors: `{"error":{"message","detail"},"status":"failure"}`.

use crate::jira::basic_ok;
use crate::{Emulator, bearer, error, serve};
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value as Json, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const USER: &str = "riposte.integration";
pub const PASSWORD: &str = "snow-password-987654";
pub const CLIENT_ID: &str = "snow-client-id";
pub const CLIENT_SECRET: &str = "snow-client-secret-55555";

#[derive(Default)]
pub struct SnowState {
    pub incidents: Vec<Json>,
    /// (sys_id, work note) in the order written.
    pub work_notes: Vec<(String, String)>,
    pub tokens: Vec<String>,
}

pub type Shared = Arc<Mutex<SnowState>>;

fn fail(status: u16, message: &str, detail: &str) -> Response {
    error(
        status,
        json!({"error": {"message": message, "detail": detail}, "status": "failure"}),
    )
}

fn unauthorized(s: &Shared, h: &HeaderMap) -> Option<Response> {
    if basic_ok(h, USER, PASSWORD) {
        return None;
    }
    if let Some(t) = bearer(h)
        && s.lock().expect("state").tokens.iter().any(|x| x == t)
    {
        return None;
    }
    Some(fail(
        401,
        "User Not Authenticated",
        "Required to provide Auth information",
    ))
}

fn project(rec: &Json, fields: Option<&String>) -> Json {
    match fields {
        None => rec.clone(),
        Some(f) => {
            let mut o = serde_json::Map::new();
            for k in f.split(',').map(str::trim).filter(|k| !k.is_empty()) {
                o.insert(k.to_owned(), rec.get(k).cloned().unwrap_or(json!("")));
            }
            Json::Object(o)
        }
    }
}

fn journal(st: &SnowState, sys_id: &str) -> String {
    st.work_notes
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, (id, _))| id == sys_id)
        .map(|(i, (_, n))| {
            format!(
                "2026-01-01 00:00:{:02} - {USER} (Work notes)\n{n}\n\n",
                i % 60
            )
        })
        .collect()
}

async fn list(
    State(s): State<Shared>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = unauthorized(&s, &h) {
        return r;
    }
    let conds: Vec<(String, String)> = q
        .get("sysparm_query")
        .map(|qs| {
            qs.split('^')
                .filter(|c| !c.is_empty())
                .filter_map(|c| c.split_once('=').map(|(a, b)| (a.to_owned(), b.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let limit: usize = q
        .get("sysparm_limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10000);
    let st = s.lock().expect("state");
    let res: Vec<Json> = st
        .incidents
        .iter()
        .filter(|i| {
            conds
                .iter()
                .all(|(k, v)| i.get(k).and_then(|x| x.as_str()) == Some(v.as_str()))
        })
        .take(limit)
        .map(|i| project(i, q.get("sysparm_fields")))
        .collect();
    axum::Json(json!({ "result": res })).into_response()
}

async fn create(
    State(s): State<Shared>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    if let Some(r) = unauthorized(&s, &h) {
        return r;
    }
    let Ok(Json::Object(b)) = serde_json::from_str::<Json>(&body) else {
        return fail(
            400,
            "Exception while reading request",
            "The payload is not valid JSON.",
        );
    };
    let mut st = s.lock().expect("state");
    let n = st.incidents.len() + 1;
    let mut rec = serde_json::Map::new();
    for (k, v) in b {
        if k == "work_notes" {
            continue;
        }
        rec.insert(
            k,
            Json::String(
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string()),
            ),
        );
    }
    let sys_id = format!("{:032x}", 0x5eed_0000u64 + n as u64);
    rec.insert("sys_id".into(), json!(sys_id));
    rec.insert("number".into(), json!(format!("INC{:07}", 10000 + n)));
    rec.insert("state".into(), json!("1"));
    let rec = Json::Object(rec);
    st.incidents.push(rec.clone());
    (
        StatusCode::CREATED,
        axum::Json(json!({"result": project(&rec, q.get("sysparm_fields"))})),
    )
        .into_response()
}

async fn get_one(
    State(s): State<Shared>,
    h: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = unauthorized(&s, &h) {
        return r;
    }
    let st = s.lock().expect("state");
    let Some(rec) = st.incidents.iter().find(|i| i["sys_id"] == id.as_str()) else {
        return fail(
            404,
            "No Record found",
            "Record doesn't exist or ACL restricts the record retrieval",
        );
    };
    let mut rec = rec.clone();
    rec["work_notes"] = if q.get("sysparm_display_value").map(String::as_str) == Some("true") {
        json!(journal(&st, &id))
    } else {
        json!("")
    };
    axum::Json(json!({"result": project(&rec, q.get("sysparm_fields"))})).into_response()
}

async fn patch(
    State(s): State<Shared>,
    h: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    if let Some(r) = unauthorized(&s, &h) {
        return r;
    }
    let Ok(Json::Object(b)) = serde_json::from_str::<Json>(&body) else {
        return fail(
            400,
            "Exception while reading request",
            "The payload is not valid JSON.",
        );
    };
    let mut st = s.lock().expect("state");
    let Some(pos) = st.incidents.iter().position(|i| i["sys_id"] == id.as_str()) else {
        return fail(
            404,
            "No Record found",
            "Record doesn't exist or ACL restricts the record retrieval",
        );
    };
    for (k, v) in b {
        let v = v
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| v.to_string());
        if k == "work_notes" {
            st.work_notes.push((id.clone(), v));
        } else {
            st.incidents[pos][k.as_str()] = json!(v);
        }
    }
    let rec = st.incidents[pos].clone();
    axum::Json(json!({"result": project(&rec, q.get("sysparm_fields"))})).into_response()
}

async fn token(State(s): State<Shared>, Form(f): Form<HashMap<String, String>>) -> Response {
    let ok = f.get("grant_type").map(String::as_str) == Some("client_credentials")
        && f.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && f.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET);
    if !ok {
        return error(
            401,
            json!({"error": "access_denied", "error_description": "access_denied"}),
        );
    }
    let mut st = s.lock().expect("state");
    let t = format!("snow-token-{}", st.tokens.len() + 1);
    st.tokens.push(t.clone());
    axum::Json(json!({"access_token": t, "expires_in": 1799, "token_type": "Bearer", "scope": "useraccount"})).into_response()
}

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/api/now/table/incident", get(list).post(create))
        .route(
            "/api/now/table/incident/{sys_id}",
            get(get_one).patch(patch),
        )
        .route("/oauth_token.do", post(token))
        .with_state(state)
}

pub async fn start() -> (Emulator, Shared) {
    let s = Shared::default();
    (serve(router(s.clone())).await, s)
}
