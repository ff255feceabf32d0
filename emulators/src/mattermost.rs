//! Mattermost emulator: incoming webhooks and `POST /api/v4/posts`.
//!
//! - `POST /hooks/{id}` `{"text","channel"?,"username"?}` → 200 `ok` (plain text). Unknown hook
//!   → 400, no text → 400, in Mattermost's app-error shape
//!   `{"id","message","detailed_error","request_id","status_code"}`.
//! - `POST /api/v4/posts` `{"channel_id","message"}` with `Authorization: Bearer <TOKEN>` → 201
//!   with the post; wrong token → 401 `api.context.session_expired.app_error`; unknown channel
//!   → 403 `api.context.permissions.app_error`.

use crate::{Emulator, bearer, error, serve};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value as Json, json};
use std::sync::{Arc, Mutex};

pub const HOOK_ID: &str = "xq7hooksecretid1234567890a";
pub const TOKEN: &str = "mm-bot-token-abcdefghijklmnop";

#[derive(Default)]
pub struct MmState {
    /// Channel ids the bot may post to.
    pub channels: Vec<String>,
    /// Webhook payloads and API posts, as received.
    pub posts: Vec<Json>,
    /// `PUT /api/v4/posts/{id}/patch`: (post id, patch body).
    pub patches: Vec<(String, Json)>,
}

pub type Shared = Arc<Mutex<MmState>>;

fn app_error(status: u16, id: &str, message: &str) -> Response {
    error(
        status,
        json!({"id": id, "message": message, "detailed_error": "", "request_id": "emulator", "status_code": status}),
    )
}

async fn hook(State(s): State<Shared>, Path(id): Path<String>, body: String) -> Response {
    if id != HOOK_ID {
        return app_error(
            400,
            "web.incoming_webhook.invalid.app_error",
            "Invalid webhook.",
        );
    }
    let Ok(b) = serde_json::from_str::<Json>(&body) else {
        return app_error(
            400,
            "web.incoming_webhook.parse.app_error",
            "Unable to parse incoming data.",
        );
    };
    if b.get("text")
        .and_then(|t| t.as_str())
        .is_none_or(|t| t.is_empty())
    {
        return app_error(
            400,
            "web.incoming_webhook.text.app_error",
            "No text specified.",
        );
    }
    s.lock().expect("state").posts.push(b);
    (StatusCode::OK, "ok").into_response()
}

async fn create_post(State(s): State<Shared>, h: HeaderMap, body: String) -> Response {
    if bearer(&h) != Some(TOKEN) {
        return app_error(
            401,
            "api.context.session_expired.app_error",
            "Invalid or expired session, please login again.",
        );
    }
    let Ok(b) = serde_json::from_str::<Json>(&body) else {
        return app_error(
            400,
            "api.context.invalid_body_param.app_error",
            "Invalid or missing post in request body.",
        );
    };
    let mut st = s.lock().expect("state");
    let ch = b.get("channel_id").and_then(|c| c.as_str()).unwrap_or("");
    if !st.channels.iter().any(|c| c == ch) {
        return app_error(
            403,
            "api.context.permissions.app_error",
            "You do not have the appropriate permissions.",
        );
    }
    let id = format!("post{:022}", st.posts.len() + 1);
    let post = json!({"id": id, "channel_id": ch, "message": b["message"], "create_at": 1_700_000_000_000u64});
    st.posts.push(b);
    (StatusCode::CREATED, axum::Json(post)).into_response()
}

/// `PUT /api/v4/posts/{id}/patch` `{message?, props?}` on a post made through the API.
async fn patch_post(
    State(s): State<Shared>,
    Path(id): Path<String>,
    h: HeaderMap,
    body: String,
) -> Response {
    if bearer(&h) != Some(TOKEN) {
        return app_error(
            401,
            "api.context.session_expired.app_error",
            "Invalid or expired session, please login again.",
        );
    }
    let Ok(b) = serde_json::from_str::<Json>(&body) else {
        return app_error(
            400,
            "api.context.invalid_body_param.app_error",
            "Invalid or missing post in request body.",
        );
    };
    let mut st = s.lock().expect("state");
    let n: usize = id.trim_start_matches("post").parse().unwrap_or(0);
    if n == 0 || n > st.posts.len() {
        return app_error(404, "app.post.get.app_error", "Unable to get the post.");
    }
    st.patches.push((id.clone(), b.clone()));
    (
        StatusCode::OK,
        axum::Json(json!({"id": id, "message": b["message"]})),
    )
        .into_response()
}

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/hooks/{id}", post(hook))
        .route("/api/v4/posts", post(create_post))
        .route("/api/v4/posts/{id}/patch", axum::routing::put(patch_post))
        .with_state(state)
}

pub async fn start() -> (Emulator, Shared) {
    let s = Shared::default();
    (serve(router(s.clone())).await, s)
}
