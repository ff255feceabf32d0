//! Microsoft Defender for Endpoint machine isolation.
//!
//! ```yaml
//! defender:
//!   vendor: mde
//!   url: https://api.securitycenter.microsoft.com   # default; or a regional host
//!   credentials:
//!     client_id: {env: MDE_CLIENT_ID}
//!     client_secret: {file: /etc/riposte/secrets/mde}
//!   options:
//!     tenant: 00000000-0000-0000-0000-000000000000   # or token_url: https://…/token
//!     isolation_type: Full                           # default; or Selective
//!     poll_attempts: 10
//!     poll_interval: 3s
//! ```
//!
//! - Entra ID client credentials at `token_url` (default
//!   `https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`, scope
//!   `https://api.securitycenter.microsoft.com/.default`, option `scope` to override);
//! - lookup: `GET /api/machines?$filter=computerDnsName eq 'x'` (OData literal, `'` doubled).
//!   `computerDnsName` is usually the FQDN: a short name (no dot) that matches nothing is tried
//!   again as `startswith(computerDnsName,'x.')`, and an FQDN that matches nothing is tried again
//!   as its short name; either must then match exactly one machine;
//! - containment state: the newest Isolate / Unisolate machine action of the machine
//!   (`GET /api/machineactions?$filter=machineId eq '…'&$orderby=creationDateTimeUtc desc`);
//!   a Pending or InProgress one counts as pending, so a second action is never posted;
//! - isolate: `POST /api/machines/{id}/isolate` `{"Comment", "IsolationType"}`; release:
//!   `POST /api/machines/{id}/unisolate` `{"Comment"}`; both answer 201 with a MachineAction
//!   whose `status` is polled at `GET /api/machineactions/{actionId}` until `Succeeded`.

use super::BuildEnv;
use super::edr::{
    self, ACTION_ID, Backend, Containment, DEVICE_ID, Device, Edr, Found, Picked, Progress,
};
use crate::config::{ConfigError, InstanceConfig};
use crate::http::{Auth, HttpClient, OAuth2, Req, enc};
use crate::{Ctx, Integration};
use playbooks::engine::Outcome;
use serde_json::{Value as Json, json};
use std::sync::Arc;

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    _env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let url = cfg.url_or(instance, Some("https://api.securitycenter.microsoft.com"))?;
    let token_url = match (cfg.option_str("token_url"), cfg.option_str("tenant")) {
        (Some(t), _) => t.to_owned(),
        (None, Some(tenant)) if !tenant.trim().is_empty() => format!(
            "https://login.microsoftonline.com/{}/oauth2/v2.0/token",
            enc(tenant.trim())
        ),
        _ => {
            return Err(ConfigError::Missing {
                instance: instance.into(),
                what: "options.tenant".into(),
                why: "the Entra ID tenant id (or options.token_url) for the OAuth2 token".into(),
            });
        }
    };
    if !(token_url.starts_with("https://") || token_url.starts_with("http://")) {
        return Err(ConfigError::Invalid {
            instance: instance.into(),
            what: "options.token_url".into(),
            why: format!("`{token_url}` must start with https://"),
        });
    }
    let isolation_type = cfg
        .option_str("isolation_type")
        .unwrap_or("Full")
        .to_owned();
    if !matches!(
        isolation_type.as_str(),
        "Full" | "Selective" | "UnManagedDevice"
    ) {
        return Err(ConfigError::Invalid {
            instance: instance.into(),
            what: "options.isolation_type".into(),
            why: format!("`{isolation_type}` must be Full, Selective or UnManagedDevice"),
        });
    }
    let scope = cfg
        .option_str("scope")
        .unwrap_or("https://api.securitycenter.microsoft.com/.default")
        .to_owned();
    let client_id = cfg.secret(
        instance,
        "client_id",
        "the Entra ID application (client) id",
    )?;
    let client_secret = cfg.secret(instance, "client_secret", "the Entra ID client secret")?;
    let oauth = OAuth2::new(
        token_url,
        client_id.expose().to_owned(),
        client_secret.clone(),
        Some(scope),
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
        backend: Defender {
            http,
            isolation_type,
        },
        poll: edr::poll_options(instance, cfg)?,
    }))
}

/// An OData string literal: single quotes, a quote inside doubled.
pub fn odata_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "''"))
}

struct Defender {
    http: HttpClient,
    isolation_type: String,
}

fn machines(filter: String) -> Req {
    Req::get("/api/machines").query("$filter", filter)
}

fn actions_of(machine_id: &str) -> Req {
    Req::get("/api/machineactions")
        .query(
            "$filter",
            format!("machineId eq {}", odata_quote(machine_id)),
        )
        .query("$orderby", "creationDateTimeUtc desc")
}

fn action(action_id: &str) -> Req {
    Req::get(format!("/api/machineactions/{}", seg(action_id)))
}

/// A path segment: vendor ids are hex / GUIDs; anything else is percent-encoded. Placeholders
/// stay readable in renderings.
fn seg(v: &str) -> String {
    if v == DEVICE_ID || v == ACTION_ID {
        v.to_owned()
    } else {
        enc(v)
    }
}

fn post(isolate: bool, machine_id: &str, comment: &str, isolation_type: &str) -> Req {
    if isolate {
        Req::post(format!("/api/machines/{}/isolate", seg(machine_id)))
            .json(json!({"Comment": comment, "IsolationType": isolation_type}))
    } else {
        Req::post(format!("/api/machines/{}/unisolate", seg(machine_id)))
            .json(json!({"Comment": comment}))
    }
}

fn values(body: &Json) -> Vec<Json> {
    body.get("value")
        .and_then(|v| v.as_array())
        .cloned()
        .unwrap_or_default()
}

impl Defender {
    async fn lookup(&self, ctx: &Ctx, filter: String) -> Result<Vec<Json>, Outcome> {
        Ok(values(
            &self.http.send(ctx, machines(filter), &[]).await?.body,
        ))
    }

    /// The machines named `host`: exact name, then the short / long form of it.
    async fn candidates(&self, ctx: &Ctx, host: &str) -> Result<Picked<Json>, Outcome> {
        let dns = |m: &Json| vec![edr::s(m, "computerDnsName")];
        // computerDnsName is reported in lower case.
        let h = host.to_lowercase();
        let exact = self
            .lookup(ctx, format!("computerDnsName eq {}", odata_quote(&h)))
            .await?;
        match edr::pick(&h, exact, dns) {
            Picked::None => {}
            found => return Ok(found),
        }
        if !h.contains('.') {
            let prefix = format!("{h}.");
            let ms = self
                .lookup(
                    ctx,
                    format!("startswith(computerDnsName,{})", odata_quote(&prefix)),
                )
                .await?;
            let hits: Vec<Json> = ms
                .into_iter()
                .filter(|m| {
                    edr::s(m, "computerDnsName")
                        .to_lowercase()
                        .starts_with(&prefix)
                })
                .collect();
            return Ok(match hits.len() {
                0 => Picked::None,
                1 => Picked::One(hits.into_iter().next().expect("one")),
                _ => Picked::Many(hits),
            });
        }
        let short = h.split('.').next().unwrap_or_default().to_owned();
        if short.is_empty() {
            return Ok(Picked::None);
        }
        let ms = self
            .lookup(ctx, format!("computerDnsName eq {}", odata_quote(&short)))
            .await?;
        Ok(edr::pick(&short, ms, dns))
    }
}

/// Containment from the newest Isolate / Unisolate action (failed ones changed nothing).
fn state_from_actions(actions: &[Json]) -> (Containment, String, Option<String>) {
    let mut latest: Option<&Json> = None;
    for a in actions {
        let t = edr::s(a, "type");
        let st = edr::s(a, "status");
        if !(t == "Isolate" || t == "Unisolate")
            || matches!(st.as_str(), "Failed" | "TimeOut" | "Cancelled")
        {
            continue;
        }
        // Order by creation time here too, whatever order the listing came in.
        let newer = latest
            .is_none_or(|l| edr::s(a, "creationDateTimeUtc") > edr::s(l, "creationDateTimeUtc"));
        if newer {
            latest = Some(a);
        }
    }
    let Some(a) = latest else {
        return (Containment::Released, "not_isolated".into(), None);
    };
    let pending = matches!(edr::s(a, "status").as_str(), "Pending" | "InProgress");
    let (state, status) = match (edr::s(a, "type").as_str(), pending) {
        ("Isolate", false) => (Containment::Contained, "isolated"),
        ("Isolate", true) => (Containment::ContainPending, "isolation_pending"),
        (_, false) => (Containment::Released, "not_isolated"),
        (_, true) => (Containment::ReleasePending, "release_pending"),
    };
    (state, status.into(), Some(edr::s(a, "id")))
}

impl Backend for Defender {
    const VENDOR: &'static str = "mde";
    const LABEL: &'static str = "Microsoft Defender for Endpoint";

    fn http(&self) -> &HttpClient {
        &self.http
    }

    async fn find(&self, ctx: &Ctx, host: &str) -> Result<Found, Outcome> {
        let m = match self.candidates(ctx, host).await? {
            Picked::One(m) => m,
            Picked::None => return Ok(Found::None),
            Picked::Many(ms) => {
                return Ok(Found::Many(ms.iter().map(|m| edr::s(m, "id")).collect()));
            }
        };
        let id = edr::s(&m, "id");
        let acts = values(&self.http.send(ctx, actions_of(&id), &[]).await?.body);
        let (state, status, last_action) = state_from_actions(&acts);
        let mut facts = serde_json::Map::new();
        for k in [
            "osPlatform",
            "osVersion",
            "lastIpAddress",
            "lastExternalIpAddress",
            "healthStatus",
            "riskScore",
            "exposureLevel",
            "lastSeen",
            "machineTags",
            "rbacGroupName",
        ] {
            if let Some(v) = m.get(k) {
                facts.insert(k.to_owned(), v.clone());
            }
        }
        if let Some(a) = last_action {
            facts.insert("last_isolation_action".into(), Json::String(a));
        }
        Ok(Found::One(Device {
            id,
            hostname: edr::s(&m, "computerDnsName"),
            state,
            status,
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
        let r = self
            .http
            .send(
                ctx,
                post(isolate, &dev.id, comment, &self.isolation_type),
                &[],
            )
            .await?;
        let id = edr::s(&r.body, "id");
        Ok((!id.is_empty()).then_some(id))
    }

    async fn progress(
        &self,
        ctx: &Ctx,
        dev: &Device,
        _isolate: bool,
        action_id: Option<&str>,
    ) -> Result<Progress, Outcome> {
        let body = match action_id {
            Some(a) => self.http.send(ctx, action(a), &[]).await?.body,
            // No id in the answer: read the machine's newest isolation action instead.
            None => {
                let acts = values(&self.http.send(ctx, actions_of(&dev.id), &[]).await?.body);
                return Ok(match state_from_actions(&acts) {
                    (Containment::Contained | Containment::Released, s, _) => Progress::Done(s),
                    (_, s, _) => Progress::Pending(s),
                });
            }
        };
        let status = edr::s(&body, "status");
        Ok(match status.as_str() {
            "Succeeded" => Progress::Done(status),
            "Failed" | "TimeOut" | "Cancelled" => Progress::Failed(status),
            _ => Progress::Pending(status),
        })
    }

    fn render_find(&self, host: &str) -> Vec<Req> {
        vec![
            machines(format!(
                "computerDnsName eq {}",
                odata_quote(&host.to_lowercase())
            )),
            actions_of(DEVICE_ID),
        ]
    }

    fn render_act(&self, isolate: bool, comment: &str) -> Vec<Req> {
        vec![
            post(isolate, DEVICE_ID, comment, &self.isolation_type),
            action(ACTION_ID),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odata_literals_double_quotes() {
        assert_eq!(odata_quote("ws-01"), "'ws-01'");
        assert_eq!(odata_quote("x' or true or '"), "'x'' or true or '''");
    }

    #[test]
    fn newest_isolation_action_wins() {
        let a = |id: &str, t: &str, st: &str, at: &str| json!({"id": id, "type": t, "status": st, "creationDateTimeUtc": at});
        let acts = vec![
            a("1", "Isolate", "Succeeded", "2024-01-01T00:00:00Z"),
            a("2", "RunAntiVirusScan", "Pending", "2024-01-03T00:00:00Z"),
            a("3", "Unisolate", "Failed", "2024-01-02T00:00:00Z"),
        ];
        let (st, status, id) = state_from_actions(&acts);
        assert_eq!(
            (st, status.as_str(), id.as_deref()),
            (Containment::Contained, "isolated", Some("1"))
        );
        let acts = vec![a("4", "Unisolate", "InProgress", "2024-01-01T00:00:00Z")];
        assert_eq!(state_from_actions(&acts).0, Containment::ReleasePending);
        assert_eq!(state_from_actions(&[]).0, Containment::Released);
    }
}
