//! Elastic Defend host isolation through Kibana's response-actions API.
//!
//! ```yaml
//! elastic:
//!   vendor: elastic_defend
//!   url: https://kibana.example.org:5601
//!   credentials:
//!     api_key: {file: /etc/riposte/secrets/kibana}   # the base64 `id:key` Kibana shows
//!   options: {space: default, poll_attempts: 10, poll_interval: 3s}
//! ```
//!
//! - `Authorization: ApiKey <key>` on every request, `kbn-xsrf` on every POST; a non-default
//!   space prefixes paths with `/s/{space}`;
//! - lookup: `GET /api/endpoint/metadata?kuery=united.endpoint.host.hostname:"X"` (KQL quoted
//!   string, `\` and `"` escaped with a backslash; field name as Kibana's own UI and tests use it,
//!   the reference notes mark it [unverified]); the endpoint id is `metadata.agent.id` and the
//!   containment state `metadata.Endpoint.state.isolation`, with actions still in flight from
//!   `GET /api/endpoint/action_status?agent_ids=…` (`pending_actions.isolate|unisolate`);
//! - isolate / release: `POST /api/endpoint/action/isolate|unisolate`
//!   `{"endpoint_ids":[id],"comment":…}` → `{"data":{"id",…}}`; progress:
//!   `GET /api/endpoint/action/{id}` (`isCompleted`, `wasSuccessful`).

use super::BuildEnv;
use super::edr::{
    self, ACTION_ID, Backend, Containment, DEVICE_ID, Device, Edr, Found, Picked, Progress,
};
use crate::config::{ConfigError, InstanceConfig};
use crate::http::{Auth, HttpClient, Req, Resp, enc};
use crate::secret::Secret;
use crate::{Ctx, Integration};
use playbooks::engine::{ErrorClass, Outcome};
use serde_json::{Value as Json, json};
use std::sync::Arc;

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    _env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let url = cfg.url_or(instance, None)?;
    let prefix = match cfg.option_str("space").map(str::trim) {
        None | Some("") | Some("default") => String::new(),
        Some(s) => format!("/s/{}", enc(s)),
    };
    let key = cfg.secret(instance, "api_key", "a Kibana API key (base64 of id:key)")?;
    let http = HttpClient::new(
        instance,
        &url,
        Auth::Header {
            name: "authorization",
            prefix: "ApiKey ",
            value: key.clone(),
        },
        cfg.limits(instance)?,
        vec![key.clone()],
    );
    Ok(Arc::new(Edr {
        name: instance.to_owned(),
        backend: Defend { http, prefix, key },
        poll: edr::poll_options(instance, cfg)?,
    }))
}

/// A KQL quoted string: `"…"` with `\` and `"` escaped, so alert data cannot close the string
/// and add clauses.
pub fn kql_quote(v: &str) -> String {
    let mut o = String::with_capacity(v.len() + 2);
    o.push('"');
    for c in v.chars() {
        if c == '\\' || c == '"' {
            o.push('\\');
        }
        o.push(c);
    }
    o.push('"');
    o
}

struct Defend {
    http: HttpClient,
    prefix: String,
    /// To scrub Kibana error text this client formats itself.
    key: Secret,
}

impl Defend {
    fn metadata(&self, host: &str) -> Req {
        Req::get(format!("{}/api/endpoint/metadata", self.prefix))
            .query(
                "kuery",
                format!("united.endpoint.host.hostname:{}", kql_quote(host)),
            )
            .query("page", "0")
            .query("pageSize", "20")
    }

    fn action_status(&self, agent: &str) -> Req {
        Req::get(format!("{}/api/endpoint/action_status", self.prefix)).query("agent_ids", agent)
    }

    fn action(&self, isolate: bool, agent: &str, comment: &str) -> Req {
        let cmd = if isolate { "isolate" } else { "unisolate" };
        Req::post(format!("{}/api/endpoint/action/{cmd}", self.prefix))
            .header("kbn-xsrf", "riposte")
            .json(json!({"endpoint_ids": [agent], "comment": comment}))
    }

    fn action_details(&self, id: &str) -> Req {
        let id = if id == ACTION_ID {
            id.to_owned()
        } else {
            enc(id)
        };
        Req::get(format!("{}/api/endpoint/action/{id}", self.prefix))
    }

    /// Sends; Kibana's 4xx answers become failures that carry both its `error` and its
    /// `message` (the shared client keeps only `error`, e.g. "Forbidden", which says too little).
    async fn send(&self, ctx: &Ctx, r: Req) -> Result<Resp, Outcome> {
        let method = r.method.to_string();
        let path = r.path.clone();
        let resp = self.http.send(ctx, r, &[400, 401, 403, 404, 409]).await?;
        if (200..300).contains(&resp.status) {
            return Ok(resp);
        }
        let b = &resp.body;
        let text = match (
            b.get("error").and_then(|e| e.as_str()),
            b.get("message").and_then(|m| m.as_str()),
        ) {
            (Some(e), Some(m)) => format!("{e}: {m}"),
            (None, Some(m)) => m.to_owned(),
            (Some(e), None) => e.to_owned(),
            (None, None) => crate::http::vendor_message(b).unwrap_or_default(),
        };
        let hint = match resp.status {
            401 => "check the API key configured for this integration",
            403 => "the API key lacks a privilege this call needs (Host Isolation, Endpoint List)",
            404 => "the resource does not exist in Kibana",
            _ => "Kibana refused the request",
        };
        Err(Outcome::Failed {
            class: ErrorClass::Permanent,
            message: self.key.scrub(&format!(
                "{}: {method} {path}: HTTP {}: {text} ({hint})",
                self.http.name(),
                resp.status
            )),
        })
    }
}

fn state_of(
    isolated: bool,
    pending_isolate: u64,
    pending_release: u64,
) -> (Containment, &'static str) {
    if pending_isolate > 0 {
        (Containment::ContainPending, "isolate_pending")
    } else if pending_release > 0 {
        (Containment::ReleasePending, "release_pending")
    } else if isolated {
        (Containment::Contained, "isolated")
    } else {
        (Containment::Released, "not_isolated")
    }
}

impl Backend for Defend {
    const VENDOR: &'static str = "elastic_defend";
    const LABEL: &'static str = "Elastic Defend";

    fn http(&self) -> &HttpClient {
        &self.http
    }

    async fn find(&self, ctx: &Ctx, host: &str) -> Result<Found, Outcome> {
        let body = self.send(ctx, self.metadata(host)).await?.body;
        let hosts = body
            .get("data")
            .and_then(|d| d.as_array())
            .cloned()
            .unwrap_or_default();
        let names = |h: &Json| {
            ["/metadata/host/hostname", "/metadata/host/name"]
                .iter()
                .filter_map(|p| h.pointer(p).and_then(|v| v.as_str()).map(str::to_owned))
                .collect()
        };
        let agent_id = |h: &Json| {
            h.pointer("/metadata/agent/id")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let h = match edr::pick(host, hosts, names) {
            Picked::One(h) => h,
            Picked::None => return Ok(Found::None),
            Picked::Many(hs) => return Ok(Found::Many(hs.iter().map(agent_id).collect())),
        };
        let id = agent_id(&h);
        let isolated = h
            .pointer("/metadata/Endpoint/state/isolation")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let st = self.send(ctx, self.action_status(&id)).await?.body;
        let pending = st
            .get("data")
            .and_then(|d| d.as_array())
            .and_then(|a| a.iter().find(|e| edr::s(e, "agent_id") == id))
            .and_then(|e| e.get("pending_actions"))
            .cloned()
            .unwrap_or(Json::Null);
        let n = |k: &str| pending.get(k).and_then(|v| v.as_u64()).unwrap_or(0);
        let (state, status) = state_of(isolated, n("isolate"), n("unisolate"));
        let mut facts = serde_json::Map::new();
        for (k, p) in [
            ("os", "/metadata/host/os/name"),
            ("os_version", "/metadata/host/os/version"),
            ("ip", "/metadata/host/ip"),
            ("agent_version", "/metadata/agent/version"),
            ("policy", "/metadata/Endpoint/policy/applied/name"),
            ("host_status", "/host_status"),
            ("last_checkin", "/last_checkin"),
        ] {
            if let Some(v) = h.pointer(p) {
                facts.insert(k.to_owned(), v.clone());
            }
        }
        Ok(Found::One(Device {
            hostname: h
                .pointer("/metadata/host/hostname")
                .and_then(|v| v.as_str())
                .unwrap_or(host)
                .to_owned(),
            id,
            state,
            status: status.into(),
            facts: Json::Object(facts),
        }))
    }

    async fn act(
        &self,
        ctx: &Ctx,
        dev: &Device,
        isolate: bool,
        comment: &str,
    ) -> Result<Option<String>, Outcome> {
        let b = self
            .send(ctx, self.action(isolate, &dev.id, comment))
            .await?
            .body;
        // `data.id`; older versions also answer a top-level `action` id.
        let id = b
            .pointer("/data/id")
            .or_else(|| b.get("action"))
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        Ok(id)
    }

    async fn progress(
        &self,
        ctx: &Ctx,
        dev: &Device,
        isolate: bool,
        action: Option<&str>,
    ) -> Result<Progress, Outcome> {
        let Some(a) = action else {
            // No action id: read the endpoint's isolation state instead.
            return Ok(match self.find(ctx, &dev.hostname).await? {
                Found::One(d)
                    if d.state
                        == if isolate {
                            Containment::Contained
                        } else {
                            Containment::Released
                        } =>
                {
                    Progress::Done(d.status)
                }
                Found::One(d) => Progress::Pending(d.status),
                _ => Progress::Pending("unknown".into()),
            });
        };
        let d = self.send(ctx, self.action_details(a)).await?.body;
        let d = d.get("data").cloned().unwrap_or(Json::Null);
        let status = match edr::s(&d, "status") {
            s if s.is_empty() => "pending".to_owned(),
            s => s,
        };
        let completed = d
            .get("isCompleted")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let ok = d
            .get("wasSuccessful")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        let expired = d
            .get("isExpired")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        Ok(match (completed, ok) {
            (true, true) => Progress::Done(status),
            (true, false) => Progress::Failed(status),
            _ if expired => Progress::Failed("expired".into()),
            _ => Progress::Pending(status),
        })
    }

    fn render_find(&self, host: &str) -> Vec<Req> {
        vec![self.metadata(host), self.action_status(DEVICE_ID)]
    }

    fn render_act(&self, isolate: bool, comment: &str) -> Vec<Req> {
        vec![
            self.action(isolate, DEVICE_ID, comment),
            self.action_details(ACTION_ID),
        ]
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn kql_strings_cannot_be_escaped_from() {
        assert_eq!(super::kql_quote("ws-01"), "\"ws-01\"");
        assert_eq!(
            super::kql_quote(r#"a" or host.name:*"#),
            r#""a\" or host.name:*""#
        );
        assert_eq!(super::kql_quote(r"a\"), r#""a\\""#);
    }
}
