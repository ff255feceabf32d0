//! The built-in external dynamic list (vendor `edl`): `blocklist.add` / `blocklist.remove`
//! write typed entries to the store, and [`edl_router`] serves them as plain-text lists that
//! firewalls pull — PAN-OS External Dynamic Lists, FortiGate external threat feeds, OPNsense and
//! pfSense URL-table aliases:
//!
//! - `GET /edl/ip.txt` — addresses and CIDRs, one per line;
//! - `GET /edl/domain.txt` — domains (a `*.` prefix blocks subdomains where the firewall supports it);
//! - `GET /edl/url.txt` — URLs without their scheme.
//!
//! ```yaml
//! integrations:
//!   perimeter:
//!     vendor: edl
//!     options: {default_ttl: 7d, allow_networks: [198.51.100.0/24], allow_domains: [example.com], max_per_hour: 50}
//! ```
//!
//! Adding and removing are set operations, so a repeated call changes nothing: `reconcile`
//! answers `Idempotent`. Blocks take effect at the firewall's next refresh of the list.

use crate::config::{ConfigError, InstanceConfig};
use crate::guard::Guard;
use crate::vendors::BuildEnv;
use crate::{BoxFuture, Ctx, Integration, Reconciled};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use serde_json::{Value as Json, json};
use state::Store;
use state::edl::EdlEntry;
use std::sync::Arc;

pub struct Edl {
    name: String,
    guard: Guard,
    store: Store,
}

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let store = env.store.clone().ok_or_else(|| ConfigError::Missing {
        instance: instance.into(),
        what: "store".into(),
        why: "the built-in edl keeps its lists in riposte's data directory; it is only available inside the runner".into(),
    })?;
    Ok(Arc::new(Edl {
        name: instance.to_owned(),
        guard: Guard::from_config(instance, cfg, env)?,
        store,
    }))
}

fn rfc3339(t: i64) -> Json {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| Json::String(d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))
        .unwrap_or(Json::Null)
}

impl Edl {
    fn storage_failed(&self, e: state::StateError) -> Outcome {
        Outcome::Failed {
            class: ErrorClass::Retryable,
            message: format!("{}: the block list store failed: {e}", self.name),
        }
    }

    fn run(&self, ctx: &Ctx, req: &CallRequest) -> Result<Json, Outcome> {
        let ind = self.guard.check_req(req)?;
        let list = ind.kind.list();
        let now = chrono::Utc::now().timestamp();
        if req.capability == "blocklist.add" {
            let ttl = self.guard.ttl(req)?;
            self.guard.admit(req)?;
            let e = EdlEntry {
                v: 1,
                list: list.into(),
                value: ind.value.clone(),
                reason: crate::param(req, "reason").map(str::to_owned),
                run_id: ctx.run_id.clone(),
                added_at: now,
                expires_at: ttl
                    .map(|d| now.saturating_add(d.as_secs().min(i64::MAX as u64) as i64)),
            };
            let fresh = self.store.edl_add(&e).map_err(|e| self.storage_failed(e))?;
            self.store.flush().map_err(|e| self.storage_failed(e))?;
            Ok(json!({
                "list": list,
                "value": ind.value,
                "added": fresh,
                "expires_at": e.expires_at.map(rfc3339).unwrap_or(Json::Null),
                "served_at": format!("/edl/{list}.txt"),
            }))
        } else {
            let was = self
                .store
                .edl_remove(list, &ind.value, now)
                .map_err(|e| self.storage_failed(e))?;
            self.store.flush().map_err(|e| self.storage_failed(e))?;
            Ok(json!({"list": list, "value": ind.value, "removed": was}))
        }
    }
}

impl Integration for Edl {
    fn name(&self) -> &str {
        &self.name
    }
    fn vendor(&self) -> &'static str {
        "edl"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        &["blocklist.add", "blocklist.remove"]
    }
    fn check_params(&self, capability: &str, params: &Json) -> Result<(), String> {
        self.guard.check_params(capability, params)
    }
    fn render(&self, req: &CallRequest) -> Vec<Json> {
        let kind = crate::param(req, "type").unwrap_or("");
        let value = crate::param(req, "value").unwrap_or("");
        let (list, value) = match self.guard.normalise(kind, value) {
            Ok(i) => (i.kind.list().to_owned(), i.value),
            Err(_) => ("<invalid>".to_owned(), value.to_owned()),
        };
        let mut o = json!({
            "integration": self.name,
            "store": "built-in external dynamic list",
            "action": if req.capability == "blocklist.add" { "add" } else { "remove" },
            "list": list,
            "value": value,
            "served_at": format!("/edl/{list}.txt"),
        });
        if let Some(t) = crate::param(req, "ttl") {
            o["ttl"] = json!(t);
        }
        vec![o]
    }
    fn call<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            match self.run(ctx, req) {
                Ok(result) => Outcome::Ok { result },
                Err(o) => o,
            }
        })
    }
    fn reconcile<'a>(&'a self, _ctx: &'a Ctx, _req: &'a CallRequest) -> BoxFuture<'a, Reconciled> {
        // Adding is a set insert and removing a set delete: repeating either is harmless.
        Box::pin(async { Reconciled::Idempotent })
    }
}

/// The HTTP routes serving the lists (`GET /edl/{ip,domain,url}.txt`), for the daemon to mount.
pub fn edl_router(store: Store) -> axum::Router {
    axum::Router::new()
        .route("/edl/{file}", axum::routing::get(serve_list))
        .with_state(store)
}

async fn serve_list(State(store): State<Store>, Path(file): Path<String>) -> Response {
    let Some(list) = file
        .strip_suffix(".txt")
        .filter(|l| state::edl::LISTS.contains(l))
    else {
        return (
            StatusCode::NOT_FOUND,
            "no such list; lists are /edl/ip.txt, /edl/domain.txt, /edl/url.txt\n",
        )
            .into_response();
    };
    match store.edl_list(list, chrono::Utc::now().timestamp()) {
        Ok(entries) => {
            let mut body = String::new();
            for e in entries {
                body.push_str(&e.value);
                body.push('\n');
            }
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
        }
        Err(e) => {
            tracing::error!(list, error = %e, "cannot read block list");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "block list unavailable\n",
            )
                .into_response()
        }
    }
}
