//! Microsoft Teams Workflows webhook emulator ("When a Teams webhook request is received").
//!
//! - `POST /workflows/{id}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=…&sv=1.0&sig=…`
//!   with an Adaptive Card message `{"type":"message","attachments":[{"contentType":
//!   "application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard","body":[…]}}]}`
//!   → 202 with an empty body.
//! - Wrong signature → 401 `{"error":{"code":"DirectApiInvalidAuthorizationSignature","message":…}}`.
//!   The emulator's message quotes the signature it was given, so tests can check that clients
//!   scrub it. Malformed card → 400 `{"error":{"code":"InvalidRequestContent","message":…}}`.

use crate::{Emulator, error, serve};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value as Json, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const WORKFLOW: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
pub const SIG: &str = "Zx9SuperSecretSignature_abc123-XYZ";

#[derive(Default)]
pub struct TeamsState {
    /// Card messages received.
    pub messages: Vec<Json>,
}

pub type Shared = Arc<Mutex<TeamsState>>;

/// The webhook URL of this emulator with signature `sig`.
pub fn webhook_url(emu: &Emulator, sig: &str) -> String {
    format!(
        "{}/workflows/{WORKFLOW}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={sig}",
        emu.url
    )
}

async fn invoke(
    State(s): State<Shared>,
    Path(wf): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    body: String,
) -> Response {
    let sig = q.get("sig").cloned().unwrap_or_default();
    if wf != WORKFLOW || sig != SIG {
        return error(
            401,
            json!({"error": {"code": "DirectApiInvalidAuthorizationSignature", "message": format!("The provided authorization signature '{sig}' is not valid for the workflow.")}}),
        );
    }
    let Ok(b) = serde_json::from_str::<Json>(&body) else {
        return error(
            400,
            json!({"error": {"code": "InvalidRequestContent", "message": "The request content is not valid JSON."}}),
        );
    };
    let att = &b["attachments"][0];
    let ok = b["type"] == "message"
        && att["contentType"] == "application/vnd.microsoft.card.adaptive"
        && att["content"]["type"] == "AdaptiveCard"
        && att["content"]["body"]
            .as_array()
            .is_some_and(|a| !a.is_empty());
    if !ok {
        return error(
            400,
            json!({"error": {"code": "InvalidRequestContent", "message": "Expected a message with an Adaptive Card attachment."}}),
        );
    }
    s.lock().expect("state").messages.push(b);
    StatusCode::ACCEPTED.into_response()
}

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/workflows/{wf}/triggers/manual/paths/invoke", post(invoke))
        .with_state(state)
}

pub async fn start() -> (Emulator, Shared) {
    let s = Shared::default();
    (serve(router(s.clone())).await, s)
}
