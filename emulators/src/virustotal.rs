//! VirusTotal API v3 emulator.
//!
//! - `GET /api/v3/files/{hash}`, `/api/v3/ip_addresses/{ip}`, `/api/v3/domains/{domain}`,
//!   `/api/v3/urls/{id}` (id = unpadded base64url of the URL) → `{"data":{"id","type","links",
//!   "attributes":{"last_analysis_stats":{harmless,malicious,suspicious,undetected,timeout},
//!   "reputation"}}}`.
//! - Unknown object → 404 `{"error":{"code":"NotFoundError","message":"… not found"}}`.
//! - Auth: `x-apikey: <API_KEY>`; missing → 401 `AuthenticationRequiredError`, wrong → 401
//!   `WrongCredentialsError`.

use crate::{Emulator, error, serve};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value as Json, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const API_KEY: &str = "vt-api-key-0000111122223333";

#[derive(Default)]
pub struct VtState {
    /// (collection, id) → (VirusTotal's id for the object, last_analysis_stats)
    pub objects: HashMap<(String, String), (String, Json)>,
}

fn stats(malicious: u64, suspicious: u64, harmless: u64, undetected: u64) -> Json {
    json!({"malicious": malicious, "suspicious": suspicious, "harmless": harmless, "undetected": undetected, "timeout": 0})
}

impl VtState {
    /// A file known by this hash (lower-case hex).
    pub fn add_file(
        &mut self,
        hash: &str,
        malicious: u64,
        suspicious: u64,
        harmless: u64,
        undetected: u64,
    ) {
        self.objects.insert(
            ("files".into(), hash.to_ascii_lowercase()),
            (
                hash.to_ascii_lowercase(),
                stats(malicious, suspicious, harmless, undetected),
            ),
        );
    }
    pub fn add_ip(
        &mut self,
        ip: &str,
        malicious: u64,
        suspicious: u64,
        harmless: u64,
        undetected: u64,
    ) {
        self.objects.insert(
            ("ip_addresses".into(), ip.into()),
            (
                ip.into(),
                stats(malicious, suspicious, harmless, undetected),
            ),
        );
    }
    pub fn add_domain(
        &mut self,
        d: &str,
        malicious: u64,
        suspicious: u64,
        harmless: u64,
        undetected: u64,
    ) {
        self.objects.insert(
            ("domains".into(), d.into()),
            (d.into(), stats(malicious, suspicious, harmless, undetected)),
        );
    }
    /// A URL; VirusTotal's own id for it (`vt_id`, a SHA-256 in reality) is what `data.id` holds.
    pub fn add_url(
        &mut self,
        url: &str,
        vt_id: &str,
        malicious: u64,
        suspicious: u64,
        harmless: u64,
        undetected: u64,
    ) {
        let b64 = crate::jira::base64(url.as_bytes())
            .replace('+', "-")
            .replace('/', "_");
        let id = b64.trim_end_matches('=').to_owned();
        self.objects.insert(
            ("urls".into(), id),
            (
                vt_id.into(),
                stats(malicious, suspicious, harmless, undetected),
            ),
        );
    }
}

pub type Shared = Arc<Mutex<VtState>>;

fn kind_of(coll: &str) -> &'static str {
    match coll {
        "files" => "file",
        "ip_addresses" => "ip_address",
        "domains" => "domain",
        _ => "url",
    }
}

async fn object(
    State(s): State<Shared>,
    h: HeaderMap,
    Path((coll, id)): Path<(String, String)>,
) -> Response {
    match h.get("x-apikey").and_then(|v| v.to_str().ok()) {
        None => {
            return error(
                401,
                json!({"error": {"code": "AuthenticationRequiredError", "message": "X-Apikey header is missing"}}),
            );
        }
        Some(k) if k != API_KEY => {
            return error(
                401,
                json!({"error": {"code": "WrongCredentialsError", "message": "Wrong API key"}}),
            );
        }
        Some(_) => {}
    }
    if !matches!(coll.as_str(), "files" | "ip_addresses" | "domains" | "urls") {
        return error(
            404,
            json!({"error": {"code": "NotFoundError", "message": format!("Resource /{coll} not found")}}),
        );
    }
    let st = s.lock().expect("state");
    match st.objects.get(&(coll.clone(), id.clone())) {
        Some((vt_id, stats)) => axum::Json(json!({
            "data": {
                "id": vt_id,
                "type": kind_of(&coll),
                "links": {"self": format!("https://www.virustotal.com/api/v3/{coll}/{vt_id}")},
                "attributes": {"last_analysis_stats": stats, "reputation": 0},
            }
        }))
        .into_response(),
        None => {
            let what = match coll.as_str() {
                "files" => "File",
                "urls" => "URL",
                "domains" => "Domain",
                _ => "IP address",
            };
            error(
                404,
                json!({"error": {"code": "NotFoundError", "message": format!("{what} \"{id}\" not found")}}),
            )
        }
    }
}

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/api/v3/{coll}/{id}", get(object))
        .with_state(state)
}

pub async fn start() -> (Emulator, Shared) {
    let s = Shared::default();
    (serve(router(s.clone())).await, s)
}
