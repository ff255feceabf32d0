//! CrowdStrike Falcon host containment (Hosts API).
//!
//! ```yaml
//! falcon:
//!   vendor: crowdstrike
//!   url: https://api.crowdstrike.com        # default; or api.us-2 / api.eu-1 / …
//!   credentials:
//!     client_id: {env: FALCON_CLIENT_ID}
//!     client_secret: {file: /etc/riposte/secrets/falcon}
//!   options: {poll_attempts: 10, poll_interval: 3s}
//! ```
//!
//! - OAuth2 client credentials at `POST {url}/oauth2/token` (scopes Hosts read + write);
//! - lookup: `GET /devices/queries/devices/v1?filter=hostname:'X'` (FQL; the value is quoted and
//!   its `\` and `'` escaped with a backslash), then `GET /devices/entities/devices/v2?ids=…`;
//! - contain / lift: `POST /devices/entities/devices-actions/v2?action_name=contain|lift_containment`
//!   with `{"ids":[aid]}`; progress is the device `status`
//!   (`normal | containment_pending | contained | lift_containment_pending`).

use super::BuildEnv;
use super::edr::{self, Backend, Containment, DEVICE_ID, Device, Edr, Found, Picked, Progress};
use crate::config::{ConfigError, InstanceConfig};
use crate::http::{Auth, HttpClient, OAuth2, Req};
use crate::{Ctx, Integration};
use playbooks::engine::Outcome;
use serde_json::{Value as Json, json};
use std::sync::Arc;

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    _env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let url = cfg.url_or(instance, Some("https://api.crowdstrike.com"))?;
    let client_id = cfg.secret(instance, "client_id", "the Falcon API client id")?;
    let client_secret = cfg.secret(instance, "client_secret", "the Falcon API client secret")?;
    let oauth = OAuth2::new(
        // The token endpoint lives on the same cloud host as the API.
        format!("{url}/oauth2/token"),
        client_id.expose().to_owned(),
        client_secret.clone(),
        None,
    );
    let http = HttpClient::new(
        instance,
        &url,
        Auth::OAuth2(oauth),
        cfg.limits(instance)?,
        vec![client_secret],
    );
    Ok(Arc::new(Edr {
        name: instance.to_owned(),
        backend: Falcon { http },
        poll: edr::poll_options(instance, cfg)?,
    }))
}

/// An FQL string literal: single quotes, with `\` and `'` escaped by a backslash, so a host
/// name taken from alert data cannot end the literal and add filter terms.
pub fn fql_quote(v: &str) -> String {
    let mut o = String::with_capacity(v.len() + 2);
    o.push('\'');
    for c in v.chars() {
        if c == '\\' || c == '\'' {
            o.push('\\');
        }
        o.push(c);
    }
    o.push('\'');
    o
}

struct Falcon {
    http: HttpClient,
}

fn state_of(status: &str) -> Containment {
    match status {
        "contained" => Containment::Contained,
        "containment_pending" => Containment::ContainPending,
        "normal" => Containment::Released,
        "lift_containment_pending" => Containment::ReleasePending,
        _ => Containment::Other,
    }
}

fn device_of(d: &Json) -> Device {
    let status = edr::s(d, "status");
    let mut facts = serde_json::Map::new();
    for k in [
        "platform_name",
        "os_version",
        "local_ip",
        "external_ip",
        "mac_address",
        "last_seen",
        "first_seen",
        "agent_version",
        "machine_domain",
        "ou",
        "tags",
    ] {
        if let Some(v) = d.get(k) {
            facts.insert(k.to_owned(), v.clone());
        }
    }
    Device {
        id: edr::s(d, "device_id"),
        hostname: edr::s(d, "hostname"),
        state: state_of(&status),
        status,
        facts: Json::Object(facts),
    }
}

impl Falcon {
    fn query(host: &str) -> Req {
        Req::get("/devices/queries/devices/v1")
            .query("filter", format!("hostname:{}", fql_quote(host)))
            .query("limit", "20")
    }

    fn entities<'a>(ids: impl IntoIterator<Item = &'a str>) -> Req {
        let mut r = Req::get("/devices/entities/devices/v2");
        for id in ids {
            r = r.query("ids", id);
        }
        r
    }

    fn action(isolate: bool, id: &str) -> Req {
        Req::post("/devices/entities/devices-actions/v2")
            .query(
                "action_name",
                if isolate {
                    "contain"
                } else {
                    "lift_containment"
                },
            )
            .json(json!({"ids": [id]}))
    }

    async fn devices(&self, ctx: &Ctx, ids: &[&str]) -> Result<Vec<Json>, Outcome> {
        let r = self
            .http
            .send(ctx, Self::entities(ids.iter().copied()), &[])
            .await?;
        Ok(r.body
            .get("resources")
            .and_then(|r| r.as_array())
            .cloned()
            .unwrap_or_default())
    }
}

impl Backend for Falcon {
    const VENDOR: &'static str = "crowdstrike";
    const LABEL: &'static str = "CrowdStrike Falcon";

    fn http(&self) -> &HttpClient {
        &self.http
    }

    async fn find(&self, ctx: &Ctx, host: &str) -> Result<Found, Outcome> {
        let r = self.http.send(ctx, Self::query(host), &[]).await?;
        let ids: Vec<&str> = r
            .body
            .get("resources")
            .and_then(|r| r.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        if ids.is_empty() {
            return Ok(Found::None);
        }
        let devices = self.devices(ctx, &ids).await?;
        Ok(
            match edr::pick(host, devices, |d| vec![edr::s(d, "hostname")]) {
                Picked::One(d) => Found::One(device_of(&d)),
                Picked::None => Found::None,
                Picked::Many(ds) => {
                    Found::Many(ds.iter().map(|d| edr::s(d, "device_id")).collect())
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
        // The devices-actions endpoint takes no comment; the action is asynchronous and has no
        // id of its own: progress is read from the device status.
        self.http
            .send(ctx, Self::action(isolate, &dev.id), &[])
            .await?;
        Ok(None)
    }

    async fn progress(
        &self,
        ctx: &Ctx,
        dev: &Device,
        isolate: bool,
        _action: Option<&str>,
    ) -> Result<Progress, Outcome> {
        let ds = self.devices(ctx, &[dev.id.as_str()]).await?;
        let status = ds
            .iter()
            .find(|d| edr::s(d, "device_id") == dev.id)
            .map(|d| edr::s(d, "status"))
            .unwrap_or_default();
        let target = if isolate { "contained" } else { "normal" };
        Ok(if status == target {
            Progress::Done(status)
        } else {
            Progress::Pending(status)
        })
    }

    fn render_find(&self, host: &str) -> Vec<Req> {
        vec![Self::query(host), Self::entities([DEVICE_ID])]
    }

    fn render_act(&self, isolate: bool, _comment: &str) -> Vec<Req> {
        vec![
            Self::action(isolate, DEVICE_ID),
            Self::entities([DEVICE_ID]),
        ]
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fql_literals_cannot_be_escaped_from() {
        assert_eq!(super::fql_quote("WS-01"), "'WS-01'");
        assert_eq!(super::fql_quote("a' ,hostname:'*"), r"'a\' ,hostname:\'*'");
        assert_eq!(super::fql_quote(r"a\'"), r"'a\\\''");
    }
}
