//! OPNsense alias utility API emulator (`AliasUtilController`): the live pf table behind an
//! alias.
//!
//! - `POST /api/firewall/alias_util/add/{alias}` `{"address": …}` → `{"status": "done"}`
//! - `POST /api/firewall/alias_util/delete/{alias}` `{"address": …}` → `{"status": "done"}`
//! - `GET /api/firewall/alias_util/list/{alias}` → `{"total", "rowCount", "current", "rows": [{"ip": …}]}`
//!
//! HTTP Basic auth with the API key as user and the secret as password (401 otherwise). An
//! unknown alias or an address pf would not take answers `{"status": "failed"}`, as the
//! controller reports a failed `pfctl` run.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

pub struct OpnSense {
    pub key: String,
    pub secret: String,
    /// Alias → addresses in its table.
    pub aliases: Mutex<BTreeMap<String, BTreeSet<String>>>,
}

impl OpnSense {
    pub fn new(key: &str, secret: &str, aliases: &[&str]) -> Arc<OpnSense> {
        Arc::new(OpnSense {
            key: key.to_owned(),
            secret: secret.to_owned(),
            aliases: Mutex::new(
                aliases
                    .iter()
                    .map(|a| (a.to_string(), BTreeSet::new()))
                    .collect(),
            ),
        })
    }
    pub fn table(&self, alias: &str) -> Vec<String> {
        self.aliases
            .lock()
            .expect("aliases")
            .get(alias)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default()
    }
}

pub fn router(st: Arc<OpnSense>) -> Router {
    Router::new()
        .route(
            "/api/firewall/alias_util/add/{alias}",
            axum::routing::post(add),
        )
        .route(
            "/api/firewall/alias_util/delete/{alias}",
            axum::routing::post(delete),
        )
        .route(
            "/api/firewall/alias_util/list/{alias}",
            axum::routing::get(list),
        )
        .with_state(st)
}

fn authorised(st: &OpnSense, h: &HeaderMap) -> bool {
    let want = format!(
        "Basic {}",
        crate::elasticsearch::b64(format!("{}:{}", st.key, st.secret).as_bytes())
    );
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(want.as_str())
}

fn denied() -> Response {
    crate::error(
        401,
        json!({"status": 401, "message": "Authentication Failed"}),
    )
}

/// The table form of an address: single hosts without a prefix, networks as CIDR.
fn table_form(a: &str) -> Option<String> {
    match a.split_once('/') {
        None => a.parse::<std::net::IpAddr>().ok().map(|ip| ip.to_string()),
        Some((ip, p)) => {
            let ip: std::net::IpAddr = ip.parse().ok()?;
            let p: u8 = p.parse().ok()?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            if p > max {
                None
            } else if p == max {
                Some(ip.to_string())
            } else {
                Some(format!("{ip}/{p}"))
            }
        }
    }
}

fn address(body: &str) -> Option<String> {
    serde_json::from_str::<Json>(body)
        .ok()?
        .get("address")?
        .as_str()
        .map(str::to_owned)
}

async fn add(
    State(st): State<Arc<OpnSense>>,
    Path(alias): Path<String>,
    h: HeaderMap,
    body: String,
) -> Response {
    if !authorised(&st, &h) {
        return denied();
    }
    let mut al = st.aliases.lock().expect("aliases");
    match (
        al.get_mut(&alias),
        address(&body).as_deref().and_then(table_form),
    ) {
        (Some(t), Some(a)) => {
            t.insert(a);
            axum::Json(json!({"status": "done"})).into_response()
        }
        _ => axum::Json(json!({"status": "failed"})).into_response(),
    }
}

async fn delete(
    State(st): State<Arc<OpnSense>>,
    Path(alias): Path<String>,
    h: HeaderMap,
    body: String,
) -> Response {
    if !authorised(&st, &h) {
        return denied();
    }
    let mut al = st.aliases.lock().expect("aliases");
    match (
        al.get_mut(&alias),
        address(&body).as_deref().and_then(table_form),
    ) {
        (Some(t), Some(a)) => {
            t.remove(&a);
            axum::Json(json!({"status": "done"})).into_response()
        }
        _ => axum::Json(json!({"status": "failed"})).into_response(),
    }
}

async fn list(
    State(st): State<Arc<OpnSense>>,
    Path(alias): Path<String>,
    h: HeaderMap,
) -> Response {
    if !authorised(&st, &h) {
        return denied();
    }
    let al = st.aliases.lock().expect("aliases");
    let rows: Vec<Json> = al
        .get(&alias)
        .map(|t| t.iter().map(|a| json!({"ip": a})).collect())
        .unwrap_or_default();
    let n = rows.len();
    axum::Json(json!({"total": n, "rowCount": n, "current": 1, "rows": rows})).into_response()
}
