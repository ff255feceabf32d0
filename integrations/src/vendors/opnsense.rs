//! OPNsense (vendor `opnsense`): blocks addresses by adding them to the live pf table of an
//! alias that a block rule references, through the alias utility API.
//!
//! ```yaml
//! integrations:
//!   opnsense:
//!     vendor: opnsense
//!     url: https://opnsense.example.org
//!     credentials: {key: {env: OPNSENSE_KEY}, secret: {env: OPNSENSE_SECRET}}
//!     options: {alias: riposte_block, allow_networks: [...], max_per_hour: 50}
//! ```
//!
//! - add: `POST /api/firewall/alias_util/add/{alias}` with `{"address": "…"}`;
//! - remove: `POST /api/firewall/alias_util/delete/{alias}` with `{"address": "…"}`;
//! - reconcile: `GET /api/firewall/alias_util/list/{alias}` (`rows[].ip`): present → `Done`
//!   for an add, `NotDone` for a remove; absent the other way round.
//!
//! HTTP Basic auth with the API key as user and its secret as password. The controller answers
//! `{"status": "done"}`; anything else is an error (usually: the alias does not exist or is not
//! a host/network alias). The alias utility changes the running table only: create the alias
//! (type Host(s) or Network(s)) in the GUI first; entries added this way do not survive a
//! reload of the alias from its configured content. Addresses and CIDRs only.

use crate::config::{ConfigError, InstanceConfig};
use crate::guard::{Guard, Indicator, Kind};
use crate::http::{Auth, HttpClient, Req};
use crate::vendors::BuildEnv;
use crate::{BoxFuture, Ctx, Integration, Reconciled};
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use serde_json::{Value as Json, json};
use std::sync::Arc;

pub struct OpnSense {
    name: String,
    http: HttpClient,
    guard: Guard,
    alias: String,
}

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let url = cfg.url_or(instance, None)?;
    let key = cfg.secret(
        instance,
        "key",
        "the OPNsense API key (System › Access › Users › API keys)",
    )?;
    let secret = cfg.secret(instance, "secret", "the secret of that API key")?;
    let alias = cfg
        .option_str("alias")
        .ok_or_else(|| ConfigError::Missing {
            instance: instance.into(),
            what: "options.alias".into(),
            why: "the name of the host/network alias a block rule references".into(),
        })?;
    if alias.is_empty()
        || alias.len() > 32
        || !alias.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(ConfigError::Invalid {
            instance: instance.into(),
            what: "options.alias".into(),
            why: format!(
                "`{alias}`: OPNsense alias names are letters, digits and underscores, at most 32"
            ),
        });
    }
    Ok(Arc::new(OpnSense {
        name: instance.to_owned(),
        http: HttpClient::new(
            instance,
            &url,
            Auth::Basic {
                user: key.expose().to_owned(),
                password: secret.clone(),
            },
            cfg.limits(instance)?,
            vec![key, secret],
        ),
        guard: Guard::from_config(instance, cfg, env)?,
        alias: alias.to_owned(),
    }))
}

/// The pf table form: single hosts without a prefix, networks as CIDR.
fn table_value(ind: &Indicator) -> Option<String> {
    let n = ind.net?;
    Some(if n.prefix_len() == n.max_prefix_len() {
        n.addr().to_string()
    } else {
        n.to_string()
    })
}

impl OpnSense {
    fn indicator(&self, req: &CallRequest) -> Result<String, Outcome> {
        let ind = self.guard.check_req(req)?;
        match (ind.kind, table_value(&ind)) {
            (Kind::Ip | Kind::Cidr, Some(v)) => Ok(v),
            _ => Err(Outcome::Failed {
                class: ErrorClass::Permanent,
                message: format!(
                    "{}: the OPNsense alias table holds addresses, not {}s; use the edl vendor for domains and URLs",
                    self.name,
                    ind.kind.as_str()
                ),
            }),
        }
    }

    fn change(&self, add: bool, value: &str) -> Req {
        let op = if add { "add" } else { "delete" };
        // Alias add/delete are set operations: repeating one is harmless.
        Req::post(format!("/api/firewall/alias_util/{op}/{}", self.alias))
            .repeatable()
            .json(json!({"address": value}))
    }

    fn list(&self) -> Req {
        Req::get(format!("/api/firewall/alias_util/list/{}", self.alias))
    }

    async fn listed(&self, ctx: &Ctx, value: &str) -> Result<bool, String> {
        let r = self
            .http
            .send(ctx, self.list(), &[])
            .await
            .map_err(|e| e.to_string())?;
        let rows = r
            .body
            .get("rows")
            .and_then(|x| x.as_array())
            .ok_or_else(|| format!("{}: the alias list answered without rows", self.name))?;
        Ok(rows.iter().any(|row| {
            let ip = row.get("ip").and_then(|i| i.as_str()).unwrap_or("");
            ip == value || ip.strip_suffix("/32").or_else(|| ip.strip_suffix("/128")) == Some(value)
        }))
    }

    async fn run(&self, ctx: &Ctx, req: &CallRequest) -> Result<Json, Outcome> {
        let add = req.capability == "blocklist.add";
        let value = self.indicator(req)?;
        if add {
            self.guard.admit(req)?;
        }
        let r = self.change(add, &value);
        let line = format!("POST {}", r.path);
        let resp = self.http.send(ctx, r, &[]).await.map_err(Outcome::from)?;
        match resp.body.get("status").and_then(|s| s.as_str()) {
            Some("done") => {
                Ok(json!({"alias": self.alias, "address": value, "added": add, "removed": !add}))
            }
            other => Err(Outcome::Failed {
                class: ErrorClass::Permanent,
                message: format!(
                    "{}: {line}: OPNsense answered status `{}`{}; check that alias `{}` exists and is a Host(s) or Network(s) alias",
                    self.name,
                    other.unwrap_or("<none>"),
                    crate::http::vendor_message(&resp.body)
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default(),
                    self.alias
                ),
            }),
        }
    }
}

impl Integration for OpnSense {
    fn name(&self) -> &str {
        &self.name
    }
    fn vendor(&self) -> &'static str {
        "opnsense"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        &["blocklist.add", "blocklist.remove"]
    }
    fn check_params(&self, capability: &str, params: &Json) -> Result<(), String> {
        if matches!(
            params
                .get("type")
                .and_then(|t| t.as_str())
                .and_then(Kind::parse),
            Some(Kind::Domain | Kind::Url)
        ) {
            return Err(
                "the OPNsense alias table holds addresses; block names with the edl vendor".into(),
            );
        }
        self.guard.check_params(capability, params)
    }
    fn render(&self, req: &CallRequest) -> Vec<Json> {
        let kind = crate::param(req, "type").unwrap_or("");
        let raw = crate::param(req, "value").unwrap_or("");
        let value = self
            .guard
            .normalise(kind, raw)
            .ok()
            .and_then(|i| table_value(&i))
            .unwrap_or_else(|| raw.to_owned());
        vec![
            self.http
                .render(&self.change(req.capability == "blocklist.add", &value)),
        ]
    }
    fn call<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            match self.run(ctx, req).await {
                Ok(result) => Outcome::Ok { result },
                Err(o) => o,
            }
        })
    }
    fn reconcile<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Reconciled> {
        Box::pin(async move {
            let Ok(value) = self.indicator(req) else {
                // Refused before anything was sent.
                return Reconciled::NotDone;
            };
            let add = req.capability == "blocklist.add";
            match self.listed(ctx, &value).await {
                Err(why) => Reconciled::Unknown(format!(
                    "cannot list alias `{}` to check: {why}",
                    self.alias
                )),
                Ok(present) if present == add => Reconciled::Done(
                    json!({"alias": self.alias, "address": value, "added": add, "removed": !add}),
                ),
                Ok(_) => Reconciled::NotDone,
            }
        })
    }
}
