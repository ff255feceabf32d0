//! MISP: `intel.lookup` through `POST /attributes/restSearch`.
//!
//! ```yaml
//! integrations:
//!   misp:
//!     vendor: misp
//!     url: https://misp.example.org
//!     credentials: {api_key: {env: MISP_API_KEY}}   # sent as `Authorization: <key>`
//!     options: {limit: 50}                         # most attributes returned
//! ```
//!
//! - Body: `{"returnFormat":"json","value","type":[…],"includeEventTags":true,"limit"}` with the
//!   MISP attribute types of the indicator kind (hash by length → md5/sha1/sha256, ip →
//!   ip-src/ip-dst, domain → domain/hostname, url → url); `Accept: application/json`.
//! - Answer `{"response":{"Attribute":[{id, event_id, type, category, to_ids, value,
//!   Event:{id, info}, Tag:[{name}]}]}}` → `{verdict, hits:[{event_id, event_info, attribute_id,
//!   type, category, to_ids, tags}]}`. Verdict: an IDS-flagged hit (`to_ids`) → `malicious`, any
//!   other hit → `suspicious`, none → `unknown` (MISP knows bad things, never good ones).
//! - Read-only: reconcile answers [`Reconciled::Idempotent`].

use super::virustotal::target;
use crate::config::{ConfigError, InstanceConfig};
use crate::http::{Auth, HttpClient, Req};
use crate::vendors::BuildEnv;
use crate::{BoxFuture, Ctx, Integration, Reconciled, required};
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use serde_json::{Value as Json, json};
use std::sync::Arc;

const CAPS: &[&str] = &["intel.lookup"];

pub struct Misp {
    http: HttpClient,
    limit: u64,
}

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    _env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let url = cfg.url_or(instance, None)?;
    let key = cfg.secret(
        instance,
        "api_key",
        "the MISP automation key of an API-enabled user",
    )?;
    let auth = Auth::Header {
        name: "authorization",
        prefix: "",
        value: key.clone(),
    };
    let limit = cfg
        .options
        .get("limit")
        .and_then(|l| l.as_u64())
        .unwrap_or(50)
        .clamp(1, 1000);
    Ok(Arc::new(Misp {
        http: HttpClient::new(instance, &url, auth, cfg.limits(instance)?, vec![key]),
        limit,
    }))
}

/// MISP attribute types for an indicator kind.
fn types(kind: &str, value: &str) -> Vec<&'static str> {
    match kind {
        "hash" => match value.trim().len() {
            32 => vec!["md5", "filename|md5"],
            40 => vec!["sha1", "filename|sha1"],
            _ => vec!["sha256", "filename|sha256"],
        },
        "ip" => vec!["ip-src", "ip-dst"],
        "domain" => vec!["domain", "hostname"],
        _ => vec!["url"],
    }
}

impl Misp {
    fn search(&self, kind: &str, value: &str) -> Req {
        Req::post("/attributes/restSearch")
            .repeatable()
            .header("accept", "application/json")
            .json(json!({
                "returnFormat": "json",
                "value": value.trim(),
                "type": types(kind, value),
                "includeEventTags": true,
                "limit": self.limit,
            }))
    }

    async fn lookup(&self, ctx: &Ctx, req: &CallRequest) -> Outcome {
        let (kind, value) = match (required(req, "type"), required(req, "value")) {
            (Ok(k), Ok(v)) => (k, v),
            (Err(o), _) | (_, Err(o)) => return o,
        };
        if let Err(why) = target(kind, value) {
            return Outcome::Failed {
                class: ErrorClass::Permanent,
                message: format!("{}: {why}", self.http.name()),
            };
        }
        let resp = match self.http.send(ctx, self.search(kind, value), &[]).await {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        let attrs = resp
            .body
            .pointer("/response/Attribute")
            .and_then(|a| a.as_array())
            .cloned()
            .unwrap_or_default();
        let s = |v: Option<&Json>| match v {
            Some(Json::String(s)) => Json::String(s.clone()),
            Some(Json::Number(n)) => Json::String(n.to_string()),
            _ => Json::Null,
        };
        let to_ids = |a: &Json| match a.get("to_ids") {
            Some(Json::Bool(b)) => *b,
            Some(Json::String(s)) => s == "1" || s == "true",
            Some(Json::Number(n)) => n.as_u64() == Some(1),
            _ => false,
        };
        let hits: Vec<Json> = attrs
            .iter()
            .map(|a| {
                let mut tags: Vec<String> = Vec::new();
                for t in a
                    .get("Tag")
                    .and_then(|t| t.as_array())
                    .into_iter()
                    .flatten()
                {
                    if let Some(n) = t.get("name").and_then(|n| n.as_str())
                        && !tags.iter().any(|x| x == n)
                    {
                        tags.push(n.to_owned());
                    }
                }
                json!({
                    "event_id": s(a.get("event_id")),
                    "event_info": s(a.pointer("/Event/info")),
                    "attribute_id": s(a.get("id")),
                    "type": s(a.get("type")),
                    "category": s(a.get("category")),
                    "to_ids": to_ids(a),
                    "tags": tags,
                })
            })
            .collect();
        let verdict = if attrs.iter().any(to_ids) {
            "malicious"
        } else if !attrs.is_empty() {
            "suspicious"
        } else {
            "unknown"
        };
        Outcome::Ok {
            result: json!({"verdict": verdict, "hits": hits, "type": kind, "value": value}),
        }
    }
}

impl Integration for Misp {
    fn name(&self) -> &str {
        self.http.name()
    }
    fn vendor(&self) -> &'static str {
        "misp"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        CAPS
    }

    fn check_params(&self, _capability: &str, params: &Json) -> Result<(), String> {
        match (
            params.get("type").and_then(|t| t.as_str()),
            params.get("value").and_then(|v| v.as_str()),
        ) {
            (Some(t), Some(v)) if !v.contains("{{") => target(t, v).map(|_| ()),
            _ => Ok(()),
        }
    }

    fn render(&self, req: &CallRequest) -> Vec<Json> {
        let kind = crate::param(req, "type").unwrap_or("url");
        let value = crate::param(req, "value").unwrap_or("<indicator>");
        vec![self.http.render(&self.search(kind, value))]
    }

    fn call<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            if req.capability != "intel.lookup" {
                return super::ticket_util::unsupported(self.http.name(), &req.capability);
            }
            self.lookup(ctx, req).await
        })
    }

    /// A restSearch only reads: sending it again is always safe.
    fn reconcile<'a>(&'a self, _ctx: &'a Ctx, _req: &'a CallRequest) -> BoxFuture<'a, Reconciled> {
        Box::pin(async { Reconciled::Idempotent })
    }
}
