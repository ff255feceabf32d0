//! SentinelOne network quarantine (disconnect / reconnect an agent), API v2.1.
//!
//! ```yaml
//! s1:
//!   vendor: sentinelone
//!   url: https://example.sentinelone.net       # `/web/api/v2.1` is appended unless present
//!   credentials:
//!     api_token: {file: /etc/riposte/secrets/s1}
//!   options: {poll_attempts: 10, poll_interval: 3s}
//! ```
//!
//! - every request carries `Authorization: ApiToken <token>` (service-user API token);
//! - lookup: `GET /agents?computerName=X` (a query parameter, so the host name is only
//!   percent-encoded; the answer is still filtered to exact, case-insensitive name matches);
//! - disconnect / reconnect: `POST /agents/actions/disconnect|connect`
//!   `{"filter":{"ids":["<agent id>"]}}` → `{"data":{"affected":N}}` (0: nothing matched);
//! - progress: the agent's `networkStatus`, re-read with `GET /agents?ids=<agent id>`.
//!   The values `connected | disconnecting | disconnected | connecting` come from the research
//!   notes and are [unverified] against SentinelOne's own reference (it is behind a login);
//!   any other value is reported as unknown, never treated as contained or released.

use super::BuildEnv;
use super::edr::{self, Backend, Containment, DEVICE_ID, Device, Edr, Found, Picked, Progress};
use crate::config::{ConfigError, InstanceConfig};
use crate::http::{Auth, HttpClient, Req};
use crate::{Ctx, Integration};
use playbooks::engine::{ErrorClass, Outcome};
use serde_json::{Value as Json, json};
use std::sync::Arc;

const API: &str = "/web/api/v2.1";

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    _env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let url = cfg.url_or(instance, None)?;
    let base = if url.ends_with(API) {
        url
    } else {
        format!("{url}{API}")
    };
    let token = cfg.secret(
        instance,
        "api_token",
        "a SentinelOne service-user API token",
    )?;
    let http = HttpClient::new(
        instance,
        &base,
        Auth::Header {
            name: "authorization",
            prefix: "ApiToken ",
            value: token.clone(),
        },
        cfg.limits(instance)?,
        vec![token],
    );
    Ok(Arc::new(Edr {
        name: instance.to_owned(),
        backend: SentinelOne { http },
        poll: edr::poll_options(instance, cfg)?,
    }))
}

struct SentinelOne {
    http: HttpClient,
}

fn state_of(network_status: &str) -> Containment {
    match network_status {
        "disconnected" => Containment::Contained,
        "disconnecting" => Containment::ContainPending,
        "connected" => Containment::Released,
        "connecting" => Containment::ReleasePending,
        _ => Containment::Other,
    }
}

fn by_name(host: &str) -> Req {
    Req::get("/agents")
        .query("computerName", host)
        .query("limit", "20")
}

fn by_id(id: &str) -> Req {
    Req::get("/agents").query("ids", id)
}

fn action(isolate: bool, id: &str) -> Req {
    Req::post(if isolate {
        "/agents/actions/disconnect"
    } else {
        "/agents/actions/connect"
    })
    .json(json!({"filter": {"ids": [id]}}))
}

fn data(body: &Json) -> Vec<Json> {
    body.get("data")
        .and_then(|d| d.as_array())
        .cloned()
        .unwrap_or_default()
}

impl Backend for SentinelOne {
    const VENDOR: &'static str = "sentinelone";
    const LABEL: &'static str = "SentinelOne";

    fn http(&self) -> &HttpClient {
        &self.http
    }

    async fn find(&self, ctx: &Ctx, host: &str) -> Result<Found, Outcome> {
        let agents = data(&self.http.send(ctx, by_name(host), &[]).await?.body);
        Ok(
            match edr::pick(host, agents, |a| vec![edr::s(a, "computerName")]) {
                Picked::None => Found::None,
                Picked::Many(a) => Found::Many(a.iter().map(|a| edr::s(a, "id")).collect()),
                Picked::One(a) => {
                    let status = edr::s(&a, "networkStatus");
                    let mut facts = serde_json::Map::new();
                    for k in [
                        "uuid",
                        "osName",
                        "osType",
                        "osRevision",
                        "agentVersion",
                        "isActive",
                        "infected",
                        "lastActiveDate",
                        "lastLoggedInUserName",
                        "externalIp",
                        "siteName",
                        "groupName",
                        "domain",
                    ] {
                        if let Some(v) = a.get(k) {
                            facts.insert(k.to_owned(), v.clone());
                        }
                    }
                    Found::One(Device {
                        id: edr::s(&a, "id"),
                        hostname: edr::s(&a, "computerName"),
                        state: state_of(&status),
                        status,
                        facts: Json::Object(facts),
                    })
                }
            },
        )
    }

    async fn act(
        &self,
        ctx: &Ctx,
        dev: &Device,
        isolate: bool,
        _comment: &str,
    ) -> Result<Option<String>, Outcome> {
        // The agent actions take a filter, not a comment.
        let r = self.http.send(ctx, action(isolate, &dev.id), &[]).await?;
        let affected = r.body.pointer("/data/affected").and_then(|a| a.as_u64());
        if affected == Some(0) {
            return Err(Outcome::Failed {
                class: ErrorClass::NeedsHuman,
                message: format!(
                    "{}: SentinelOne {} affected no agent (agent {} of host `{}`): check the agent in the console",
                    self.http.name(),
                    if isolate { "disconnect" } else { "connect" },
                    dev.id,
                    dev.hostname
                ),
            });
        }
        Ok(None)
    }

    async fn progress(
        &self,
        ctx: &Ctx,
        dev: &Device,
        isolate: bool,
        _action: Option<&str>,
    ) -> Result<Progress, Outcome> {
        let agents = data(&self.http.send(ctx, by_id(&dev.id), &[]).await?.body);
        let status = agents
            .iter()
            .find(|a| edr::s(a, "id") == dev.id)
            .map(|a| edr::s(a, "networkStatus"))
            .unwrap_or_default();
        let target = if isolate { "disconnected" } else { "connected" };
        Ok(if status == target {
            Progress::Done(status)
        } else {
            Progress::Pending(status)
        })
    }

    fn render_find(&self, host: &str) -> Vec<Req> {
        vec![by_name(host)]
    }

    fn render_act(&self, isolate: bool, _comment: &str) -> Vec<Req> {
        vec![action(isolate, DEVICE_ID), by_id(DEVICE_ID)]
    }
}
