//! Cloudflare IP Access rules (vendor `cloudflare`): blocks addresses and ranges at the edge,
//! for web-facing assets behind Cloudflare.
//!
//! ```yaml
//! integrations:
//!   edge:
//!     vendor: cloudflare
//!     # url defaults to https://api.cloudflare.com
//!     credentials: {api_token: {env: CLOUDFLARE_API_TOKEN}}   # "Firewall Services: Edit"
//!     options: {zone_id: 023e105f4ecef8ad9ca31a8372d0c353, mode: block}   # or account_id
//! ```
//!
//! - add: `POST /client/v4/zones/{zone}/firewall/access_rules/rules` with
//!   `{"mode":"block","configuration":{"target":"ip"|"ip_range","value":…},"notes":…}`.
//!   Cloudflare takes single addresses, IPv4 ranges of /16 or /24 and IPv6 ranges of /32, /48
//!   or /64 only; other prefixes are refused before sending. A duplicate (error 10009) means
//!   the rule exists: the existing rule is looked up and returned as success.
//! - remove: list rules with `configuration.value=…`, then `DELETE …/rules/{id}` for each.
//! - Every answer is Cloudflare's envelope `{success, errors:[{code,message}], result}`; a
//!   `success: false` is an error whatever the HTTP status, reported with Cloudflare's codes
//!   and messages.
//! - reconcile lists the rules for the value: present → `Done` (add) / `NotDone` (remove),
//!   absent → `NotDone` (add) / `Done` (remove).

use crate::config::{ConfigError, InstanceConfig};
use crate::guard::{Guard, Indicator, Kind};
use crate::http::{Auth, HttpClient, Req};
use crate::vendors::BuildEnv;
use crate::{BoxFuture, Ctx, Integration, Reconciled};
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use reqwest::Method;
use serde_json::{Value as Json, json};
use std::sync::Arc;

pub struct Cloudflare {
    name: String,
    http: HttpClient,
    guard: Guard,
    /// `/client/v4/zones/{id}` or `/client/v4/accounts/{id}`.
    scope: String,
    mode: String,
}

const MODES: &[&str] = &["block", "challenge", "js_challenge", "managed_challenge"];

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let url = cfg.url_or(instance, Some("https://api.cloudflare.com"))?;
    let token = cfg.secret(
        instance,
        "api_token",
        "a Cloudflare API token with Firewall Services: Edit",
    )?;
    let id_ok =
        |s: &str| !s.is_empty() && s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric());
    let scope = match (cfg.option_str("zone_id"), cfg.option_str("account_id")) {
        (Some(z), None) if id_ok(z) => format!("/client/v4/zones/{z}"),
        (None, Some(a)) if id_ok(a) => format!("/client/v4/accounts/{a}"),
        (None, None) => {
            return Err(ConfigError::Missing {
                instance: instance.into(),
                what: "options.zone_id".into(),
                why: "the zone (or options.account_id, the account) the access rules belong to"
                    .into(),
            });
        }
        _ => {
            return Err(ConfigError::Invalid {
                instance: instance.into(),
                what: "options.zone_id / options.account_id".into(),
                why: "give exactly one, as Cloudflare's hexadecimal id".into(),
            });
        }
    };
    let mode = cfg.option_str("mode").unwrap_or("block").to_owned();
    if !MODES.contains(&mode.as_str()) {
        return Err(ConfigError::Invalid {
            instance: instance.into(),
            what: "options.mode".into(),
            why: format!("`{mode}` is not one of {}", MODES.join(", ")),
        });
    }
    Ok(Arc::new(Cloudflare {
        name: instance.to_owned(),
        http: HttpClient::new(
            instance,
            &url,
            Auth::Bearer(token.clone()),
            cfg.limits(instance)?,
            vec![token],
        ),
        guard: Guard::from_config(instance, cfg, env)?,
        scope,
        mode,
    }))
}

/// Cloudflare's `errors[]` as `code: message; …`.
fn cf_errors(body: &Json) -> String {
    let errs: Vec<String> = body
        .get("errors")
        .and_then(|e| e.as_array())
        .map(|a| {
            a.iter()
                .map(|e| {
                    let m = e.get("message").and_then(|m| m.as_str()).unwrap_or("");
                    match e.get("code") {
                        Some(c) => format!("{c}: {m}"),
                        None => m.to_owned(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if errs.is_empty() {
        crate::http::vendor_message(body).unwrap_or_else(|| "no error detail".into())
    } else {
        errs.join("; ")
    }
}

fn has_code(body: &Json, code: u64) -> bool {
    body.get("errors")
        .and_then(|e| e.as_array())
        .is_some_and(|a| {
            a.iter()
                .any(|e| e.get("code").and_then(|c| c.as_u64()) == Some(code))
        })
}

impl Cloudflare {
    fn rules_path(&self) -> String {
        format!("{}/firewall/access_rules/rules", self.scope)
    }

    /// Cloudflare's target and value for an indicator, or why it cannot take it.
    fn target(&self, ind: &Indicator) -> Result<(&'static str, String), String> {
        let n = match (ind.kind, ind.net) {
            (Kind::Ip | Kind::Cidr, Some(n)) => n,
            _ => {
                return Err(format!(
                    "Cloudflare IP Access rules take addresses and ranges, not {}s; use the edl vendor for names",
                    ind.kind.as_str()
                ));
            }
        };
        let (p, v4) = (n.prefix_len(), n.addr().is_ipv4());
        if p == n.max_prefix_len() {
            return Ok(("ip", n.addr().to_string()));
        }
        let ok = if v4 {
            p == 16 || p == 24
        } else {
            p == 32 || p == 48 || p == 64
        };
        if !ok {
            return Err(format!(
                "Cloudflare takes IPv4 ranges of /16 or /24 and IPv6 ranges of /32, /48 or /64 only, not {n}"
            ));
        }
        Ok(("ip_range", n.to_string()))
    }

    fn indicator(&self, req: &CallRequest) -> Result<(Indicator, &'static str, String), Outcome> {
        let ind = self.guard.check_req(req)?;
        let (t, v) = self.target(&ind).map_err(|m| Outcome::Failed {
            class: ErrorClass::Permanent,
            message: format!("{}: {m}", self.name),
        })?;
        Ok((ind, t, v))
    }

    fn create_req(&self, ctx_run: &str, req: &CallRequest, target: &str, value: &str) -> Req {
        let mut notes = format!("riposte run {ctx_run}");
        if let Some(r) = crate::param(req, "reason") {
            notes.push_str(": ");
            notes.push_str(r);
        }
        let notes: String = notes.chars().take(500).collect();
        Req::post(self.rules_path()).json(json!({
            "mode": self.mode,
            "configuration": {"target": target, "value": value},
            "notes": notes,
        }))
    }

    fn list_req(&self, target: &str, value: &str) -> Req {
        Req::get(self.rules_path())
            .query("configuration.target", target)
            .query("configuration.value", value)
            .query("per_page", "100")
    }

    /// Sends and unwraps the envelope; failures carry Cloudflare's codes and messages.
    async fn envelope(&self, ctx: &Ctx, r: Req) -> Result<Json, (Json, Outcome)> {
        let line = format!("{} {}", r.method, r.path);
        let resp = match self.http.send(ctx, r, &[400, 401, 403, 404]).await {
            Ok(x) => x,
            Err(e) => return Err((Json::Null, e.into())),
        };
        if resp.body.get("success").and_then(|s| s.as_bool()) == Some(true) {
            return Ok(resp.body.get("result").cloned().unwrap_or(Json::Null));
        }
        let hint = match resp.status {
            401 | 403 => {
                " (check the API token and that it may edit firewall access rules for this zone or account)"
            }
            _ if has_code(&resp.body, 7003) => " (check options.zone_id / options.account_id)",
            _ => "",
        };
        let class = if resp.status >= 500 {
            ErrorClass::Retryable
        } else {
            ErrorClass::Permanent
        };
        let message = format!(
            "{}: {line}: HTTP {}: {}{hint}",
            self.name,
            resp.status,
            cf_errors(&resp.body)
        );
        Err((resp.body, Outcome::Failed { class, message }))
    }

    async fn existing(&self, ctx: &Ctx, target: &str, value: &str) -> Result<Vec<Json>, Outcome> {
        let found = self
            .envelope(ctx, self.list_req(target, value))
            .await
            .map_err(|(_, o)| o)?;
        Ok(found
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|r| {
                        r["configuration"]["value"] == value
                            && r["configuration"]["target"] == target
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn run(&self, ctx: &Ctx, req: &CallRequest) -> Result<Json, Outcome> {
        let (_, target, value) = self.indicator(req)?;
        if req.capability == "blocklist.add" {
            self.guard.admit(req)?;
            match self
                .envelope(ctx, self.create_req(&ctx.run_id, req, target, &value))
                .await
            {
                Ok(rule) => Ok(
                    json!({"id": rule["id"], "mode": rule["mode"], "target": target, "value": value, "existing": false}),
                ),
                Err((body, o)) if has_code(&body, 10009) => {
                    // A rule for this value exists already: the block is in place.
                    let found = self.existing(ctx, target, &value).await?;
                    match found.first() {
                        Some(rule) => Ok(
                            json!({"id": rule["id"], "mode": rule["mode"], "target": target, "value": value, "existing": true}),
                        ),
                        None => Err(o),
                    }
                }
                Err((_, o)) => Err(o),
            }
        } else {
            let found = self.existing(ctx, target, &value).await?;
            let mut removed = Vec::new();
            for rule in found {
                let Some(id) = rule["id"].as_str() else {
                    continue;
                };
                if !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                    continue;
                }
                let del = Req::new(Method::DELETE, format!("{}/{id}", self.rules_path()));
                self.envelope(ctx, del).await.map_err(|(_, o)| o)?;
                removed.push(Json::String(id.to_owned()));
            }
            Ok(json!({"target": target, "value": value, "removed": removed}))
        }
    }
}

impl Integration for Cloudflare {
    fn name(&self) -> &str {
        &self.name
    }
    fn vendor(&self) -> &'static str {
        "cloudflare"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        &["blocklist.add", "blocklist.remove"]
    }
    fn check_params(&self, capability: &str, params: &Json) -> Result<(), String> {
        self.guard.check_params(capability, params)?;
        let kind = params.get("type").and_then(|t| t.as_str()).unwrap_or("");
        let value = params.get("value").and_then(|t| t.as_str()).unwrap_or("");
        if matches!(Kind::parse(kind), Some(Kind::Domain | Kind::Url)) {
            return Err("Cloudflare IP Access rules take addresses and ranges; block names with the edl vendor".into());
        }
        if !value.contains("{{")
            && !value.contains("${")
            && let Ok(ind) = self.guard.normalise(kind, value)
        {
            self.target(&ind)?;
        }
        Ok(())
    }
    fn render(&self, req: &CallRequest) -> Vec<Json> {
        let kind = crate::param(req, "type").unwrap_or("");
        let raw = crate::param(req, "value").unwrap_or("");
        let (target, value) = self
            .guard
            .normalise(kind, raw)
            .ok()
            .and_then(|i| self.target(&i).ok())
            .map(|(t, v)| (t.to_owned(), v))
            .unwrap_or_else(|| ("<invalid>".into(), raw.to_owned()));
        if req.capability == "blocklist.add" {
            vec![
                self.http
                    .render(&self.create_req("<run id>", req, &target, &value)),
            ]
        } else {
            vec![
                self.http.render(&self.list_req(&target, &value)),
                self.http.render(&Req::new(
                    Method::DELETE,
                    format!("{}/<rule id>", self.rules_path()),
                )),
            ]
        }
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
            let (_, target, value) = match self.indicator(req) {
                Ok(x) => x,
                // Refused before anything was sent.
                Err(_) => return Reconciled::NotDone,
            };
            let found = match self.existing(ctx, target, &value).await {
                Ok(f) => f,
                Err(Outcome::Failed { message, .. }) => {
                    return Reconciled::Unknown(format!(
                        "cannot list Cloudflare access rules to check: {message}"
                    ));
                }
                Err(_) => {
                    return Reconciled::Unknown(
                        "cannot list Cloudflare access rules to check".into(),
                    );
                }
            };
            let add = req.capability == "blocklist.add";
            match (add, found.first()) {
                (true, Some(rule)) => Reconciled::Done(
                    json!({"id": rule["id"], "mode": rule["mode"], "target": target, "value": value, "existing": true}),
                ),
                (true, None) => Reconciled::NotDone,
                (false, None) => {
                    Reconciled::Done(json!({"target": target, "value": value, "removed": []}))
                }
                (false, Some(_)) => Reconciled::NotDone,
            }
        })
    }
}
