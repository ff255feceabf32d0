//! Slack Web API emulator: `POST /api/chat.postMessage`.
//!
//! - Like Slack, failures are HTTP 200 `{"ok":false,"error":"…"}`: `not_authed` (no token),
//!   `invalid_auth` (wrong token), `channel_not_found`, `not_in_channel` (bot not a member),
//!   `is_archived`, `no_text`. Success: `{"ok":true,"channel":<id>,"ts","message"}`.
//! - Throttling is HTTP 429 with `Retry-After` (inject it with a [`crate::Fault`]); a queued
//!   [`SlackState::next_error`] answers the next post with `ok:false` and that code (e.g.
//!   `ratelimited`, `internal_error`).
//! - Channels are given by id (`C…`) or name (`#name` or `name`).

use crate::{Emulator, bearer, serve};
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value as Json, json};
use std::sync::{Arc, Mutex};

pub const TOKEN: &str = "xoxb-1111-2222-emulatortoken";

pub struct Channel {
    pub id: String,
    pub name: String,
    pub member: bool,
    pub archived: bool,
}

#[derive(Default)]
pub struct SlackState {
    pub channels: Vec<Channel>,
    /// Messages posted: the request bodies with the resolved channel id in `channel`.
    pub messages: Vec<Json>,
    /// `ok:false` error codes to answer the next posts with.
    pub next_error: Vec<String>,
    /// `chat.update` bodies received for existing messages.
    pub updates: Vec<Json>,
    /// Bodies posted to `response_url`s (`{EMULATOR}/response/{id}`), with `_id`.
    pub responses: Vec<Json>,
}

impl SlackState {
    pub fn channel(&mut self, id: &str, name: &str, member: bool) {
        self.channels.push(Channel {
            id: id.into(),
            name: name.into(),
            member,
            archived: false,
        });
    }
}

pub type Shared = Arc<Mutex<SlackState>>;

fn fail(code: &str) -> Response {
    axum::Json(json!({"ok": false, "error": code})).into_response()
}

async fn post_message(State(s): State<Shared>, h: HeaderMap, body: String) -> Response {
    match bearer(&h) {
        None => return fail("not_authed"),
        Some(t) if t != TOKEN => return fail("invalid_auth"),
        Some(_) => {}
    }
    let mut st = s.lock().expect("state");
    if !st.next_error.is_empty() {
        let code = st.next_error.remove(0);
        return fail(&code);
    }
    let Ok(mut b) = serde_json::from_str::<Json>(&body) else {
        return fail("invalid_json");
    };
    let want = b
        .get("channel")
        .and_then(|c| c.as_str())
        .unwrap_or("")
        .trim_start_matches('#')
        .to_owned();
    let Some(ch) = st.channels.iter().find(|c| c.id == want || c.name == want) else {
        return fail("channel_not_found");
    };
    if ch.archived {
        return fail("is_archived");
    }
    if !ch.member {
        return fail("not_in_channel");
    }
    let has_text = b
        .get("text")
        .and_then(|t| t.as_str())
        .is_some_and(|t| !t.is_empty());
    if !has_text && b.get("blocks").is_none() {
        return fail("no_text");
    }
    let id = ch.id.clone();
    b["channel"] = json!(id);
    let ts = format!("1700000000.{:06}", st.messages.len() + 1);
    st.messages.push(b.clone());
    axum::Json(json!({"ok": true, "channel": id, "ts": ts, "message": {"type": "message", "text": b["text"], "ts": ts}})).into_response()
}

/// `chat.update {channel, ts, text, blocks}`: the message must exist (`message_not_found`).
async fn update(State(s): State<Shared>, h: HeaderMap, body: String) -> Response {
    match bearer(&h) {
        None => return fail("not_authed"),
        Some(t) if t != TOKEN => return fail("invalid_auth"),
        Some(_) => {}
    }
    let Ok(b) = serde_json::from_str::<Json>(&body) else {
        return fail("invalid_json");
    };
    let mut st = s.lock().expect("state");
    let (ch, ts) = (
        b["channel"].as_str().unwrap_or(""),
        b["ts"].as_str().unwrap_or(""),
    );
    let n: usize = ts
        .rsplit('.')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let exists = n >= 1 && n <= st.messages.len() && st.messages[n - 1]["channel"] == ch;
    if !exists {
        return fail("message_not_found");
    }
    st.updates.push(b.clone());
    axum::Json(json!({"ok": true, "channel": ch, "ts": ts, "text": b["text"]})).into_response()
}

/// A `response_url` (Slack's are `https://hooks.slack.com/actions/…`): answers `ok`.
async fn response(
    State(s): State<Shared>,
    axum::extract::Path(id): axum::extract::Path<String>,
    body: String,
) -> Response {
    let mut b = serde_json::from_str::<Json>(&body).unwrap_or(Json::Null);
    if let Some(o) = b.as_object_mut() {
        o.insert("_id".into(), json!(id));
    }
    s.lock().expect("state").responses.push(b);
    "ok".into_response()
}

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/api/chat.postMessage", post(post_message))
        .route("/api/chat.update", post(update))
        .route("/response/{id}", post(response))
        .with_state(state)
}

pub async fn start() -> (Emulator, Shared) {
    let s = Shared::default();
    (serve(router(s.clone())).await, s)
}
