//! Cloudflare IP Access rules emulator (`/client/v4/{zones|accounts}/{id}/firewall/access_rules/rules`):
//! create (`POST`), list with `configuration.value` / `configuration.target` / `mode` filters
//! (`GET`), delete (`DELETE …/rules/{id}`), all in Cloudflare's envelope `{success, errors:
//! [{code, message}], messages, result}`. Bearer token auth (a wrong token: 403, code 10000);
//! an unknown zone or account: 400, code 7003; a second rule for the same target and value:
//! 400, code 10009 `firewallaccessrules.api.duplicate_of_existing`; IPv4 ranges other than /16
//! and /24, IPv6 ranges other than /32, /48 and /64: 400.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct Cloudflare {
    pub token: String,
    /// Zone and account ids that exist.
    pub scopes: Vec<String>,
    /// Every rule, with a `scope_id` field naming its zone or account.
    pub rules: Mutex<Vec<Json>>,
    next: Mutex<u64>,
}

impl Cloudflare {
    pub fn new(token: &str, scopes: &[&str]) -> Arc<Cloudflare> {
        Arc::new(Cloudflare {
            token: token.to_owned(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            rules: Mutex::new(Vec::new()),
            next: Mutex::new(1),
        })
    }
    /// Values of the rules in a scope.
    pub fn values(&self, scope: &str) -> Vec<String> {
        self.rules
            .lock()
            .expect("rules")
            .iter()
            .filter(|r| r["scope_id"] == scope)
            .filter_map(|r| r["configuration"]["value"].as_str().map(str::to_owned))
            .collect()
    }
}

pub fn router(st: Arc<Cloudflare>) -> Router {
    Router::new()
        .route(
            "/client/v4/{kind}/{scope}/firewall/access_rules/rules",
            axum::routing::get(list).post(create),
        )
        .route(
            "/client/v4/{kind}/{scope}/firewall/access_rules/rules/{id}",
            axum::routing::delete(delete),
        )
        .with_state(st)
}

fn fail(status: u16, code: u64, message: &str) -> Response {
    crate::error(
        status,
        json!({"success": false, "errors": [{"code": code, "message": message}], "messages": [], "result": null}),
    )
}

fn check(st: &Cloudflare, h: &HeaderMap, kind: &str, scope: &str) -> Option<Response> {
    if crate::bearer(h) != Some(st.token.as_str()) {
        return Some(fail(403, 10000, "Authentication error"));
    }
    if !(kind == "zones" || kind == "accounts") || !st.scopes.iter().any(|s| s == scope) {
        return Some(fail(
            400,
            7003,
            &format!(
                "Could not route to /{kind}/{scope}/firewall/access_rules/rules, perhaps your object identifier is invalid?"
            ),
        ));
    }
    None
}

fn public(r: &Json) -> Json {
    let mut r = r.clone();
    if let Some(o) = r.as_object_mut() {
        o.remove("scope_id");
    }
    r
}

async fn list(
    State(st): State<Arc<Cloudflare>>,
    Path((kind, scope)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
    h: HeaderMap,
) -> Response {
    if let Some(r) = check(&st, &h, &kind, &scope) {
        return r;
    }
    let rules: Vec<Json> = st
        .rules
        .lock()
        .expect("rules")
        .iter()
        .filter(|r| r["scope_id"] == scope.as_str())
        .filter(|r| {
            q.get("configuration.value")
                .is_none_or(|v| r["configuration"]["value"] == v.as_str())
        })
        .filter(|r| {
            q.get("configuration.target")
                .is_none_or(|v| r["configuration"]["target"] == v.as_str())
        })
        .filter(|r| q.get("mode").is_none_or(|v| r["mode"] == v.as_str()))
        .map(public)
        .collect();
    let n = rules.len();
    axum::Json(json!({
        "success": true, "errors": [], "messages": [], "result": rules,
        "result_info": {"page": 1, "per_page": 20, "count": n, "total_count": n, "total_pages": 1},
    }))
    .into_response()
}

fn valid(target: &str, value: &str) -> bool {
    match target {
        "ip" => value.parse::<std::net::IpAddr>().is_ok(),
        "ip_range" => match value.split_once('/') {
            Some((a, p)) => match (a.parse::<std::net::IpAddr>(), p.parse::<u8>()) {
                (Ok(std::net::IpAddr::V4(_)), Ok(p)) => p == 16 || p == 24,
                (Ok(std::net::IpAddr::V6(_)), Ok(p)) => p == 32 || p == 48 || p == 64,
                _ => false,
            },
            None => false,
        },
        "asn" | "country" => !value.is_empty(),
        _ => false,
    }
}

async fn create(
    State(st): State<Arc<Cloudflare>>,
    Path((kind, scope)): Path<(String, String)>,
    h: HeaderMap,
    body: String,
) -> Response {
    if let Some(r) = check(&st, &h, &kind, &scope) {
        return r;
    }
    let Ok(b) = serde_json::from_str::<Json>(&body) else {
        return fail(400, 10026, "Invalid JSON body");
    };
    let mode = b["mode"].as_str().unwrap_or("");
    if ![
        "block",
        "challenge",
        "whitelist",
        "js_challenge",
        "managed_challenge",
    ]
    .contains(&mode)
    {
        return fail(
            400,
            10014,
            "firewallaccessrules.api.validation_error: invalid mode",
        );
    }
    let target = b["configuration"]["target"].as_str().unwrap_or("");
    let value = b["configuration"]["value"].as_str().unwrap_or("");
    if !valid(target, value) {
        return fail(
            400,
            10014,
            &format!("firewallaccessrules.api.validation_error: invalid {target} value {value}"),
        );
    }
    let mut rules = st.rules.lock().expect("rules");
    if rules.iter().any(|r| {
        r["scope_id"] == scope.as_str()
            && r["configuration"]["value"] == value
            && r["configuration"]["target"] == target
    }) {
        return fail(400, 10009, "firewallaccessrules.api.duplicate_of_existing");
    }
    let id = {
        let mut n = st.next.lock().expect("next");
        *n += 1;
        format!("{:032x}", *n * 0x9e37_79b9)
    };
    let rule = json!({
        "id": id,
        "mode": mode,
        "configuration": {"target": target, "value": value},
        "notes": b["notes"].as_str().unwrap_or(""),
        "allowed_modes": ["block", "challenge", "whitelist", "js_challenge", "managed_challenge"],
        "created_on": "2026-03-10T12:00:00Z",
        "modified_on": "2026-03-10T12:00:00Z",
        "scope": {"id": scope, "type": if kind == "zones" { "zone" } else { "account" }},
        "scope_id": scope,
    });
    rules.push(rule.clone());
    axum::Json(json!({"success": true, "errors": [], "messages": [], "result": public(&rule)}))
        .into_response()
}

async fn delete(
    State(st): State<Arc<Cloudflare>>,
    Path((kind, scope, id)): Path<(String, String, String)>,
    h: HeaderMap,
) -> Response {
    if let Some(r) = check(&st, &h, &kind, &scope) {
        return r;
    }
    let mut rules = st.rules.lock().expect("rules");
    let before = rules.len();
    rules.retain(|r| !(r["scope_id"] == scope.as_str() && r["id"] == id.as_str()));
    if rules.len() == before {
        return fail(404, 10001, "firewallaccessrules.api.not_found");
    }
    axum::Json(json!({"success": true, "errors": [], "messages": [], "result": {"id": id}}))
        .into_response()
}
