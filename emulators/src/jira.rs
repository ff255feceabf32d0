//! Jira Cloud REST v3 emulator.
//!
//! - `POST /rest/api/3/issue` — `{"fields":{project:{key}, issuetype:{name}, summary,
//!   description (ADF), labels, priority?}}` → 201 `{"id","key","self"}`. Checks: project
//!   [`PROJECT`], one-line summary, ADF `doc` v1 whose text nodes are non-empty strings, labels
//!   without spaces; otherwise 400 `{"errorMessages":[…],"errors":{field: message}}`.
//! - `GET /rest/api/3/search/jql?jql=labels = "…"` → `{"issues":[{id,key,self,fields}],"isLast"}`
//!   (only `labels = "<label>"` is understood; anything else is a 400 JQL error).
//! - `GET /rest/api/3/search` → 410 (removed from Jira Cloud).
//! - `POST /rest/api/3/issue/{key}/comment` `{"body": ADF}` → 201; `GET` the same path lists
//!   `{"comments":[…]}`.
//! - Auth: Basic [`EMAIL`]:[`TOKEN`], else 401 with `errorMessages`.

use crate::{Emulator, error, serve};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value as Json, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const EMAIL: &str = "soc-bot@example.org";
pub const TOKEN: &str = "jira-api-token-abcdef123456";
pub const PROJECT: &str = "SEC";

#[derive(Default)]
pub struct JiraState {
    pub issues: Vec<Json>,
    /// (issue key, comment)
    pub comments: Vec<(String, Json)>,
}

pub type Shared = Arc<Mutex<JiraState>>;

/// Standard base64 (RFC 4648, with padding), for checking Basic credentials.
pub fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Whether the request carries `Authorization: Basic base64(user:password)`.
pub fn basic_ok(h: &HeaderMap, user: &str, password: &str) -> bool {
    let want = format!("Basic {}", base64(format!("{user}:{password}").as_bytes()));
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(want.as_str())
}

fn unauthorized(h: &HeaderMap) -> Option<Response> {
    if basic_ok(h, EMAIL, TOKEN) {
        None
    } else {
        Some(error(
            401,
            json!({"errorMessages": ["Client must be authenticated to access this resource."], "errors": {}}),
        ))
    }
}

fn bad(field: &str, msg: &str) -> Response {
    error(400, json!({"errorMessages": [], "errors": {field: msg}}))
}

/// Checks an ADF node tree: every `text` node has a non-empty string `text`.
fn adf_ok(n: &Json) -> bool {
    match n.get("type").and_then(|t| t.as_str()) {
        Some("text") => n
            .get("text")
            .and_then(|t| t.as_str())
            .is_some_and(|t| !t.is_empty()),
        Some(_) => n
            .get("content")
            .map(|c| c.as_array().is_some_and(|a| a.iter().all(adf_ok)))
            .unwrap_or(true),
        None => false,
    }
}

fn adf_doc_ok(d: &Json) -> bool {
    d.get("type").and_then(|t| t.as_str()) == Some("doc")
        && d.get("version") == Some(&json!(1))
        && adf_ok(d)
}

async fn create_issue(State(s): State<Shared>, h: HeaderMap, body: String) -> Response {
    if let Some(r) = unauthorized(&h) {
        return r;
    }
    let Ok(b) = serde_json::from_str::<Json>(&body) else {
        return error(
            400,
            json!({"errorMessages": ["Unexpected character in request body"], "errors": {}}),
        );
    };
    let f = &b["fields"];
    if f["project"]["key"].as_str() != Some(PROJECT) {
        return bad("project", "valid project is required");
    }
    if f["issuetype"]["name"].as_str().is_none_or(|n| n.is_empty()) {
        return bad("issuetype", "valid issue type is required");
    }
    match f["summary"].as_str() {
        Some(s) if !s.is_empty() && !s.contains('\n') && s.chars().count() <= 255 => {}
        _ => return bad("summary", "You must specify a summary of the issue."),
    }
    if let Some(d) = f.get("description")
        && !adf_doc_ok(d)
    {
        return bad(
            "description",
            "Operation value must be an Atlassian Document (see the Atlassian Document Format)",
        );
    }
    if let Some(ls) = f.get("labels") {
        let ok = ls.as_array().is_some_and(|a| {
            a.iter().all(|l| {
                l.as_str()
                    .is_some_and(|l| !l.is_empty() && !l.contains(char::is_whitespace))
            })
        });
        if !ok {
            return bad("labels", "The label must not contain spaces.");
        }
    }
    let mut st = s.lock().expect("state");
    let n = st.issues.len() + 1;
    let id = (10000 + n).to_string();
    let key = format!("{PROJECT}-{n}");
    let issue = json!({"id": id, "key": key, "self": format!("/rest/api/3/issue/{id}"), "fields": f.clone()});
    st.issues.push(issue);
    (
        StatusCode::CREATED,
        axum::Json(json!({"id": id, "key": key, "self": format!("/rest/api/3/issue/{id}")})),
    )
        .into_response()
}

async fn search_jql(
    State(s): State<Shared>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = unauthorized(&h) {
        return r;
    }
    let jql = q.get("jql").map(String::as_str).unwrap_or("");
    let label = jql
        .trim()
        .strip_prefix("labels = \"")
        .and_then(|r| r.strip_suffix('"'))
        .filter(|l| !l.contains('"'));
    let Some(label) = label else {
        return error(
            400,
            json!({"errorMessages": [format!("Error in the JQL Query: the emulator understands only labels = \"…\", got {jql}")], "errors": {}}),
        );
    };
    let max: usize = q
        .get("maxResults")
        .and_then(|m| m.parse().ok())
        .unwrap_or(50);
    let st = s.lock().expect("state");
    let issues: Vec<Json> = st
        .issues
        .iter()
        .filter(|i| i["fields"]["labels"].as_array().is_some_and(|a| a.iter().any(|l| l == label)))
        .take(max)
        .map(|i| json!({"id": i["id"], "key": i["key"], "self": i["self"], "fields": {"summary": i["fields"]["summary"]}}))
        .collect();
    axum::Json(json!({"issues": issues, "isLast": true})).into_response()
}

async fn old_search() -> Response {
    error(
        410,
        json!({"errorMessages": ["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."], "errors": {}}),
    )
}

async fn add_comment(
    State(s): State<Shared>,
    h: HeaderMap,
    Path(key): Path<String>,
    body: String,
) -> Response {
    if let Some(r) = unauthorized(&h) {
        return r;
    }
    let Ok(b) = serde_json::from_str::<Json>(&body) else {
        return error(
            400,
            json!({"errorMessages": ["Unexpected character in request body"], "errors": {}}),
        );
    };
    if !b.get("body").is_some_and(adf_doc_ok) {
        return bad("comment", "Comment body must be an Atlassian Document");
    }
    let mut st = s.lock().expect("state");
    if !st.issues.iter().any(|i| i["key"] == key.as_str()) {
        return error(
            404,
            json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}),
        );
    }
    let id = (20000 + st.comments.len() + 1).to_string();
    let c = json!({"id": id, "body": b["body"], "author": {"emailAddress": EMAIL}});
    st.comments.push((key, c.clone()));
    (StatusCode::CREATED, axum::Json(c)).into_response()
}

async fn list_comments(State(s): State<Shared>, h: HeaderMap, Path(key): Path<String>) -> Response {
    if let Some(r) = unauthorized(&h) {
        return r;
    }
    let st = s.lock().expect("state");
    if !st.issues.iter().any(|i| i["key"] == key.as_str()) {
        return error(
            404,
            json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}),
        );
    }
    let cs: Vec<Json> = st
        .comments
        .iter()
        .filter(|(k, _)| *k == key)
        .map(|(_, c)| c.clone())
        .collect();
    axum::Json(json!({"startAt": 0, "maxResults": 100, "total": cs.len(), "comments": cs}))
        .into_response()
}

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/rest/api/3/issue", post(create_issue))
        .route("/rest/api/3/search/jql", get(search_jql))
        .route("/rest/api/3/search", get(old_search).post(old_search))
        .route(
            "/rest/api/3/issue/{key}/comment",
            post(add_comment).get(list_comments),
        )
        .with_state(state)
}

pub async fn start() -> (Emulator, Shared) {
    let s = Shared::default();
    (serve(router(s.clone())).await, s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::base64(i.as_bytes()), o);
        }
    }
}
