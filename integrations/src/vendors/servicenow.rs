//! ServiceNow (Table API): `ticket.create` opens an incident, `ticket.comment` adds a work note.
//!
//! ```yaml
//! integrations:
//!   snow:
//!     vendor: servicenow
//!     url: https://example.service-now.com
//!     # basic auth (default):
//!     credentials: {password: {env: SNOW_PASSWORD}}
//!     options: {username: riposte.integration}
//!     # or OAuth2 client credentials against /oauth_token.do:
//!     # credentials: {client_id: {env: SNOW_CLIENT_ID}, client_secret: {env: SNOW_CLIENT_SECRET}}
//!     # options: {auth: oauth}
//!     # optional incident fields: assignment_group, category, caller_id
//! ```
//!
//! - Idempotency: the incident's `correlation_id` is the run's external id
//!   (`riposte-<run id>`); `GET /api/now/table/incident?sysparm_query=correlation_id=…` runs
//!   before creating.
//! - Comments are `work_notes` set with `PATCH /api/now/table/incident/{sys_id}`; each carries
//!   `[riposte <idempotency key>]`, which reconcile looks for in the incident's journal
//!   (`work_notes` read with `sysparm_display_value=true`).
//! - Errors: `{"error":{"message","detail"},"status":"failure"}`.

use super::ticket_util::{self as tu, Findings};
use crate::config::{ConfigError, InstanceConfig};
use crate::http::{Auth, HttpClient, HttpError, OAuth2, Req};
use crate::vendors::BuildEnv;
use crate::{BoxFuture, Ctx, Integration, Reconciled, required};
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use reqwest::Method;
use serde_json::{Value as Json, json};
use std::sync::Arc;

const CAPS: &[&str] = &["ticket.create", "ticket.comment"];
const TABLE: &str = "/api/now/table/incident";

pub struct ServiceNow {
    http: HttpClient,
    extra: serde_json::Map<String, Json>,
}

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    _env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let url = cfg.url_or(instance, None)?;
    let limits = cfg.limits(instance)?;
    let (auth, secrets) = match cfg.option_str("auth").unwrap_or("basic") {
        "basic" => {
            let user = cfg
                .option_str("username")
                .ok_or_else(|| ConfigError::Missing {
                    instance: instance.into(),
                    what: "options.username".into(),
                    why: "the ServiceNow integration user (or set `auth: oauth`)".into(),
                })?
                .to_owned();
            let pw = cfg.secret(instance, "password", "the password of that user")?;
            (
                Auth::Basic {
                    user,
                    password: pw.clone(),
                },
                vec![pw],
            )
        }
        "oauth" => {
            let id = cfg.secret(
                instance,
                "client_id",
                "the OAuth client id registered in ServiceNow",
            )?;
            let secret = cfg.secret(instance, "client_secret", "its client secret")?;
            let o = OAuth2::new(
                format!("{url}/oauth_token.do"),
                id.expose().to_owned(),
                secret.clone(),
                None,
            );
            (Auth::OAuth2(o), vec![secret])
        }
        other => {
            return Err(ConfigError::Invalid {
                instance: instance.into(),
                what: "options.auth".into(),
                why: format!("`{other}` is neither `basic` nor `oauth`"),
            });
        }
    };
    let mut extra = serde_json::Map::new();
    for k in ["assignment_group", "category", "caller_id"] {
        if let Some(v) = cfg.option_str(k) {
            extra.insert(k.to_owned(), json!(v));
        }
    }
    Ok(Arc::new(ServiceNow {
        http: HttpClient::new(instance, &url, auth, limits, secrets),
        extra,
    }))
}

/// (urgency, impact), 1 = high … 3 = low.
fn urgency_impact(severity: &str) -> (u8, u8) {
    match severity {
        "critical" => (1, 1),
        "high" => (1, 2),
        "medium" => (2, 2),
        _ => (3, 3),
    }
}

struct Incident {
    sys_id: String,
    number: String,
}

impl ServiceNow {
    fn json_req(r: Req) -> Req {
        r.header("accept", "application/json")
    }

    fn search_req(ext: &str) -> Req {
        Self::json_req(
            Req::get(TABLE)
                .query("sysparm_query", format!("correlation_id={ext}"))
                .query("sysparm_fields", "sys_id,number,correlation_id")
                .query("sysparm_limit", "1"),
        )
    }

    fn url_of(&self, sys_id: &str) -> String {
        format!(
            "{}/nav_to.do?uri=incident.do?sys_id={sys_id}",
            self.http.base()
        )
    }

    fn result(&self, i: &Incident, created: bool) -> Json {
        json!({"sys_id": i.sys_id, "number": i.number, "url": self.url_of(&i.sys_id), "created": created})
    }

    fn create_body(&self, title: &str, description: &str, severity: &str, ext: &str) -> Json {
        let (u, i) = urgency_impact(severity);
        let mut b = json!({
            "short_description": title.chars().take(160).collect::<String>(),
            "description": description,
            "urgency": u.to_string(),
            "impact": i.to_string(),
            "correlation_id": ext,
            "correlation_display": "Riposte",
        });
        for (k, v) in &self.extra {
            b[k] = v.clone();
        }
        b
    }

    async fn find(&self, ctx: &Ctx, ext: &str) -> Result<Option<Incident>, HttpError> {
        let resp = self.http.send(ctx, Self::search_req(ext), &[]).await?;
        let first = resp
            .body
            .get("result")
            .and_then(|r| r.as_array())
            .and_then(|a| {
                a.iter()
                    .find(|x| x.get("correlation_id").and_then(|c| c.as_str()) == Some(ext))
            });
        Ok(first.and_then(|x| {
            Some(Incident {
                sys_id: x.get("sys_id")?.as_str()?.to_owned(),
                number: x
                    .get("number")
                    .and_then(|n| n.as_str())
                    .unwrap_or_default()
                    .to_owned(),
            })
        }))
    }

    async fn create(&self, ctx: &Ctx, req: &CallRequest) -> Outcome {
        let title = match required(req, "title") {
            Ok(t) => t,
            Err(o) => return o,
        };
        let ext = tu::external_id(ctx);
        match self.find(ctx, &ext).await {
            Ok(Some(i)) => {
                return Outcome::Ok {
                    result: self.result(&i, false),
                };
            }
            Ok(None) => {}
            Err(e) => return e.into(),
        }
        let mut description = Findings::from(ctx, req).plain_text();
        let tags = tu::tags(req);
        if !tags.is_empty() {
            description.push_str(&format!("\ntags: {}\n", tags.join(", ")));
        }
        let body = self.create_body(title, &description, &tu::severity(ctx, req), &ext);
        let r = Self::json_req(
            Req::post(TABLE)
                .query("sysparm_fields", "sys_id,number")
                .json(body),
        );
        match self.http.send(ctx, r, &[]).await {
            Ok(resp) => {
                let res = resp.body.get("result");
                match res.and_then(|r| r.get("sys_id")).and_then(|s| s.as_str()) {
                    Some(sys_id) => {
                        let number = res
                            .and_then(|r| r.get("number"))
                            .and_then(|n| n.as_str())
                            .unwrap_or_default();
                        Outcome::Ok {
                            result: self.result(
                                &Incident {
                                    sys_id: sys_id.to_owned(),
                                    number: number.to_owned(),
                                },
                                true,
                            ),
                        }
                    }
                    None => Outcome::Failed {
                        class: ErrorClass::NeedsHuman,
                        message: format!(
                            "{}: ServiceNow answered the incident creation without a sys_id; look for correlation_id `{ext}`",
                            self.http.name()
                        ),
                    },
                }
            }
            Err(e) => e.into(),
        }
    }

    async fn comment(&self, ctx: &Ctx, req: &CallRequest) -> Outcome {
        let text = match required(req, "text") {
            Ok(t) => t,
            Err(o) => return o,
        };
        let ext = tu::external_id(ctx);
        let inc = match self.find(ctx, &ext).await {
            Ok(Some(i)) => i,
            Ok(None) => return tu::no_ticket(self.http.name(), &ext),
            Err(e) => return e.into(),
        };
        let note = format!("{text}\n{}", tu::comment_marker(req));
        let r = Self::json_req(
            Req::new(Method::PATCH, format!("{TABLE}/{}", inc.sys_id))
                .query("sysparm_fields", "sys_id,number")
                .json(json!({ "work_notes": note })),
        );
        match self.http.send(ctx, r, &[]).await {
            Ok(_) => Outcome::Ok {
                result: json!({"sys_id": inc.sys_id, "number": inc.number, "url": self.url_of(&inc.sys_id)}),
            },
            Err(e) => e.into(),
        }
    }

    async fn reconcile_comment(&self, ctx: &Ctx, req: &CallRequest) -> Reconciled {
        let ext = tu::external_id(ctx);
        let inc = match self.find(ctx, &ext).await {
            Ok(None) => return Reconciled::NotDone,
            Ok(Some(i)) => i,
            Err(e) => return tu::unknown(self.http.name(), e),
        };
        let r = Self::json_req(
            Req::get(format!("{TABLE}/{}", inc.sys_id))
                .query("sysparm_fields", "work_notes")
                .query("sysparm_display_value", "true"),
        );
        match self.http.send(ctx, r, &[]).await {
            Ok(resp) => {
                let notes = resp
                    .body
                    .pointer("/result/work_notes")
                    .cloned()
                    .unwrap_or(Json::Null);
                if tu::json_contains(&notes, &tu::comment_marker(req)) {
                    Reconciled::Done(
                        json!({"sys_id": inc.sys_id, "number": inc.number, "url": self.url_of(&inc.sys_id)}),
                    )
                } else {
                    Reconciled::NotDone
                }
            }
            Err(e) => tu::unknown(self.http.name(), e),
        }
    }
}

impl Integration for ServiceNow {
    fn name(&self) -> &str {
        self.http.name()
    }
    fn vendor(&self) -> &'static str {
        "servicenow"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        CAPS
    }

    fn render(&self, req: &CallRequest) -> Vec<Json> {
        let ext = "riposte-<run id>";
        let find = self.http.render(&Self::search_req(ext));
        match req.capability.as_str() {
            "ticket.create" => {
                let mut body = self.create_body(
                    crate::param(req, "title").unwrap_or(""),
                    "<description and the run's findings>",
                    tu::param_severity(req).unwrap_or("medium"),
                    ext,
                );
                if tu::param_severity(req).is_none() {
                    body["urgency"] = json!("<from the run's severity>");
                    body["impact"] = json!("<from the run's severity>");
                }
                vec![
                    find,
                    self.http.render(
                        &Req::post(TABLE)
                            .query("sysparm_fields", "sys_id,number")
                            .json(body),
                    ),
                ]
            }
            "ticket.comment" => {
                let note = format!(
                    "{}\n[riposte {}]",
                    crate::param(req, "text").unwrap_or(""),
                    req.idempotency_key
                );
                vec![
                    find,
                    self.http.render(
                        &Req::new(Method::PATCH, format!("{TABLE}/<sys_id>"))
                            .query("sysparm_fields", "sys_id,number")
                            .json(json!({ "work_notes": note })),
                    ),
                ]
            }
            _ => Vec::new(),
        }
    }

    fn call<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            match req.capability.as_str() {
                "ticket.create" => self.create(ctx, req).await,
                "ticket.comment" => self.comment(ctx, req).await,
                other => tu::unsupported(self.http.name(), other),
            }
        })
    }

    fn reconcile<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Reconciled> {
        Box::pin(async move {
            match req.capability.as_str() {
                "ticket.create" => match self.find(ctx, &tu::external_id(ctx)).await {
                    Ok(Some(i)) => Reconciled::Done(self.result(&i, false)),
                    Ok(None) => Reconciled::NotDone,
                    Err(e) => tu::unknown(self.http.name(), e),
                },
                "ticket.comment" => self.reconcile_comment(ctx, req).await,
                _ => Reconciled::NotDone,
            }
        })
    }
}
