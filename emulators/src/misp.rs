//! MISP emulator: `POST /attributes/restSearch`.
//!
//! - Body `{"returnFormat":"json","value", "type"?: string|[…], "limit"?}`; exact value match.
//! - Answer `{"response":{"Attribute":[{id, event_id, type, category, to_ids, value,
//!   Event:{id, info, uuid}, Tag:[{name}]}]}}` (ids as strings, as MISP sends them).
//! - Auth: `Authorization: <API_KEY>` (no scheme) and `Accept: application/json`; a wrong key is
//!   403 `{"name":"Authentication failed…","message":"Authentication failed…","url":…}` as MISP
//!   answers.

use crate::{Emulator, error, serve};
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value as Json, json};
use std::sync::{Arc, Mutex};

pub const API_KEY: &str = "misp-automation-key-40charsXXXXXXXXXXXXXX";
const AUTH_FAILED: &str = "Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.";

#[derive(Default)]
pub struct MispState {
    pub attributes: Vec<Json>,
}

impl MispState {
    /// An attribute of event `event_id` (`info` its title) with these tags.
    pub fn add(
        &mut self,
        event_id: u32,
        info: &str,
        kind: &str,
        value: &str,
        to_ids: bool,
        tags: &[&str],
    ) {
        let id = (self.attributes.len() + 1).to_string();
        self.attributes.push(json!({
            "id": id, "event_id": event_id.to_string(), "type": kind, "category": "Network activity",
            "to_ids": to_ids, "value": value,
            "Event": {"id": event_id.to_string(), "info": info, "uuid": format!("00000000-0000-4000-8000-{event_id:012}")},
            "Tag": tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>(),
        }));
    }
}

pub type Shared = Arc<Mutex<MispState>>;

async fn rest_search(State(s): State<Shared>, h: HeaderMap, body: String) -> Response {
    if h.get("authorization").and_then(|v| v.to_str().ok()) != Some(API_KEY) {
        return error(
            403,
            json!({"name": AUTH_FAILED, "message": AUTH_FAILED, "url": "/attributes/restSearch"}),
        );
    }
    if h.get("accept").and_then(|v| v.to_str().ok()) != Some("application/json") {
        return error(
            406,
            json!({"name": "Not Acceptable", "message": "Accept: application/json is required", "url": "/attributes/restSearch"}),
        );
    }
    let Ok(b) = serde_json::from_str::<Json>(&body) else {
        return error(
            400,
            json!({"name": "Bad Request", "message": "Invalid JSON", "url": "/attributes/restSearch"}),
        );
    };
    let value = b.get("value").and_then(|v| v.as_str()).unwrap_or("");
    let types: Option<Vec<String>> = match b.get("type") {
        Some(Json::String(t)) => Some(vec![t.clone()]),
        Some(Json::Array(a)) => Some(
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect(),
        ),
        _ => None,
    };
    let limit = b.get("limit").and_then(|l| l.as_u64()).unwrap_or(u64::MAX) as usize;
    let st = s.lock().expect("state");
    let hits: Vec<Json> = st
        .attributes
        .iter()
        .filter(|a| a["value"] == value)
        .filter(|a| {
            types
                .as_ref()
                .is_none_or(|ts| ts.iter().any(|t| a["type"] == t.as_str()))
        })
        .take(limit)
        .cloned()
        .collect();
    axum::Json(json!({"response": {"Attribute": hits}})).into_response()
}

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/attributes/restSearch", post(rest_search))
        .with_state(state)
}

pub async fn start() -> (Emulator, Shared) {
    let s = Shared::default();
    (serve(router(s.clone())).await, s)
}
