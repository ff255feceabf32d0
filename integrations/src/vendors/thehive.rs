//! TheHive 5: `ticket.create` opens an alert, `ticket.comment` comments on it (or on the case it
//! was promoted to).
//!
//! ```yaml
//! integrations:
//!   hive:
//!     vendor: thehive
//!     url: https://thehive.example.org:9000
//!     credentials: {api_key: {env: THEHIVE_API_KEY}}   # Authorization: Bearer <key>
//!     options:
//!       organisation: SOC        # optional, sent as X-Organisation
//!       alert_type: riposte      # optional alert `type` (default `riposte`)
//! ```
//!
//! - Idempotency: the alert's `sourceRef` is the run's external id (`riposte-<run id>`) and its
//!   `source` is `riposte`; TheHive refuses a second alert with the same (type, source,
//!   sourceRef). Before creating, the client looks the alert up with `POST /api/v1/query`
//!   (`[{"_name":"listAlert"},{"_name":"filter","_field":"sourceRef","_value":…}]`, the filter
//!   form thehive4py sends) and returns the existing one.
//! - Comments: `POST /api/v1/alert/{id}/comment` (or `/api/v1/case/{caseId}/comment` once the
//!   alert was promoted) with `{"message"}`. Each comment carries `[riposte <idempotency key>]`
//!   so reconcile can find it among the alert's comments.
//! - Errors: TheHive answers `{"type":"…","message":"…"}`.

use super::ticket_util::{self as tu, Findings};
use crate::config::{ConfigError, InstanceConfig};
use crate::http::{Auth, HttpClient, HttpError, Req};
use crate::vendors::BuildEnv;
use crate::{BoxFuture, Ctx, Integration, Reconciled, required};
use playbooks::engine::{CallRequest, Outcome};
use serde_json::{Value as Json, json};
use std::sync::Arc;

const CAPS: &[&str] = &["ticket.create", "ticket.comment"];

pub struct TheHive {
    http: HttpClient,
    org: Option<String>,
    alert_type: String,
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
        "the TheHive API key of the integration user",
    )?;
    let limits = cfg.limits(instance)?;
    let http = HttpClient::new(instance, &url, Auth::Bearer(key.clone()), limits, vec![key]);
    Ok(Arc::new(TheHive {
        http,
        org: cfg.option_str("organisation").map(str::to_owned),
        alert_type: cfg.option_str("alert_type").unwrap_or("riposte").to_owned(),
    }))
}

fn severity_number(s: &str) -> u8 {
    match s {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        _ => 1,
    }
}

/// Markdown for TheHive's description field. The text stays data in the JSON body.
fn markdown(f: &Findings) -> String {
    let mut s = String::new();
    for (h, lines) in f.sections() {
        if h.is_empty() {
            for l in lines {
                s.push_str(&l);
                s.push('\n');
            }
        } else {
            s.push_str(&format!("\n### {h}\n"));
            for l in lines {
                s.push_str("- ");
                s.push_str(&l);
                s.push('\n');
            }
        }
    }
    s.trim_start().to_owned()
}

/// An alert as this client reports it.
struct Alert {
    id: String,
    case_id: Option<String>,
}

impl TheHive {
    fn req(&self, r: Req) -> Req {
        match &self.org {
            Some(o) => r.header("x-organisation", o.clone()),
            None => r,
        }
    }

    fn find_req(ext: &str) -> Req {
        Req::post("/api/v1/query")
            .repeatable()
            .query("name", "riposte-find-alert")
            .json(json!({
                "query": [
                    {"_name": "listAlert"},
                    {"_name": "filter", "_field": "sourceRef", "_value": ext},
                ]
            }))
    }

    fn create_body(
        &self,
        title: &str,
        description: &str,
        severity: &str,
        ext: &str,
        tags: Vec<String>,
    ) -> Json {
        let mut tags = tags;
        tags.push(ext.to_owned());
        json!({
            "type": self.alert_type,
            "source": "riposte",
            "sourceRef": ext,
            "title": title,
            "description": description,
            "severity": severity_number(severity),
            "tags": tags,
        })
    }

    fn result(&self, a: &Alert, ext: &str, created: bool) -> Json {
        let mut r = json!({
            "id": a.id,
            "url": format!("{}/alerts/{}/details", self.http.base(), a.id),
            "sourceRef": ext,
            "created": created,
        });
        if let Some(c) = &a.case_id {
            r["caseId"] = json!(c);
        }
        r
    }

    async fn find(&self, ctx: &Ctx, ext: &str) -> Result<Option<Alert>, HttpError> {
        let resp = self
            .http
            .send(ctx, self.req(Self::find_req(ext)), &[])
            .await?;
        let first = resp.body.as_array().and_then(|a| {
            a.iter()
                .find(|x| x.get("sourceRef").and_then(|s| s.as_str()) == Some(ext))
        });
        Ok(first.and_then(|x| {
            Some(Alert {
                id: x.get("_id")?.as_str()?.to_owned(),
                case_id: x.get("caseId").and_then(|c| c.as_str()).map(str::to_owned),
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
            Ok(Some(a)) => {
                return Outcome::Ok {
                    result: self.result(&a, &ext, false),
                };
            }
            Ok(None) => {}
            Err(e) => return e.into(),
        }
        let findings = Findings::from(ctx, req);
        let body = self.create_body(
            title,
            &markdown(&findings),
            &tu::severity(ctx, req),
            &ext,
            tu::tags(req),
        );
        match self
            .http
            // TheHive refuses a second alert with the same (type, source, sourceRef): the
            // vendor honours our idempotency key, so the client may repeat this POST.
            .send(
                ctx,
                self.req(Req::post("/api/v1/alert").json(body).repeatable()),
                &[],
            )
            .await
        {
            Ok(resp) => match resp.body.get("_id").and_then(|i| i.as_str()) {
                Some(id) => Outcome::Ok {
                    result: self.result(
                        &Alert {
                            id: id.to_owned(),
                            case_id: None,
                        },
                        &ext,
                        true,
                    ),
                },
                None => Outcome::Failed {
                    class: playbooks::engine::ErrorClass::NeedsHuman,
                    message: format!(
                        "{}: TheHive answered the alert creation without an `_id`; check for an alert with sourceRef `{ext}`",
                        self.http.name()
                    ),
                },
            },
            Err(e) => {
                // TheHive refuses a duplicate (type, source, sourceRef): another attempt won
                // the race. Return that alert rather than failing.
                if matches!(e.status, Some(400) | Some(409))
                    && let Ok(Some(a)) = self.find(ctx, &ext).await
                {
                    return Outcome::Ok {
                        result: self.result(&a, &ext, false),
                    };
                }
                e.into()
            }
        }
    }

    fn comment_path(a: &Alert) -> String {
        match &a.case_id {
            Some(c) => format!("/api/v1/case/{c}/comment"),
            None => format!("/api/v1/alert/{}/comment", a.id),
        }
    }

    async fn comment(&self, ctx: &Ctx, req: &CallRequest) -> Outcome {
        let text = match required(req, "text") {
            Ok(t) => t,
            Err(o) => return o,
        };
        let ext = tu::external_id(ctx);
        let alert = match self.find(ctx, &ext).await {
            Ok(Some(a)) => a,
            Ok(None) => return tu::no_ticket(self.http.name(), &ext),
            Err(e) => return e.into(),
        };
        let message = format!("{text}\n\n{}", tu::comment_marker(req));
        let r = Req::post(Self::comment_path(&alert)).json(json!({ "message": message }));
        match self.http.send(ctx, self.req(r), &[]).await {
            Ok(resp) => Outcome::Ok {
                result: json!({
                    "id": alert.id,
                    "comment_id": resp.body.get("_id").cloned().unwrap_or(Json::Null),
                    "url": format!("{}/alerts/{}/details", self.http.base(), alert.id),
                }),
            },
            Err(e) => e.into(),
        }
    }

    async fn reconcile_comment(&self, ctx: &Ctx, req: &CallRequest) -> Reconciled {
        let ext = tu::external_id(ctx);
        let alert = match self.find(ctx, &ext).await {
            // No ticket: the comment cannot have been posted.
            Ok(None) => return Reconciled::NotDone,
            Ok(Some(a)) => a,
            Err(e) => return tu::unknown(self.http.name(), e),
        };
        let (getter, id) = match &alert.case_id {
            Some(c) => ("getCase", c.clone()),
            None => ("getAlert", alert.id.clone()),
        };
        let q = Req::post("/api/v1/query")
            .repeatable()
            .query("name", "riposte-find-comment")
            .json(json!({
                "query": [{"_name": getter, "idOrName": id}, {"_name": "comments"}]
            }));
        match self.http.send(ctx, self.req(q), &[]).await {
            Ok(resp) => {
                let marker = tu::comment_marker(req);
                let found = resp.body.as_array().and_then(|a| {
                    a.iter().find(|c| {
                        c.get("message")
                            .and_then(|m| m.as_str())
                            .is_some_and(|m| m.contains(&marker))
                    })
                });
                match found {
                    Some(c) => Reconciled::Done(json!({
                        "id": alert.id,
                        "comment_id": c.get("_id").cloned().unwrap_or(Json::Null),
                        "url": format!("{}/alerts/{}/details", self.http.base(), alert.id),
                    })),
                    None => Reconciled::NotDone,
                }
            }
            Err(e) => tu::unknown(self.http.name(), e),
        }
    }
}

impl Integration for TheHive {
    fn name(&self) -> &str {
        self.http.name()
    }
    fn vendor(&self) -> &'static str {
        "thehive"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        CAPS
    }

    fn check_params(&self, capability: &str, params: &Json) -> Result<(), String> {
        if capability == "ticket.create"
            && let Some(t) = params.get("title").and_then(|t| t.as_str())
            && t.trim().is_empty()
        {
            return Err("TheHive alerts need a non-empty `title`".into());
        }
        Ok(())
    }

    fn render(&self, req: &CallRequest) -> Vec<Json> {
        let ext = "riposte-<run id>";
        let find = self.http.render(&Self::find_req(ext));
        match req.capability.as_str() {
            "ticket.create" => {
                let sev = tu::param_severity(req).unwrap_or("<run severity>");
                let body = self.create_body(
                    crate::param(req, "title").unwrap_or(""),
                    "<description and the run's findings>",
                    sev,
                    ext,
                    tu::tags(req),
                );
                let mut body = body;
                if tu::param_severity(req).is_none() {
                    body["severity"] = json!("<1-4 from the run's severity>");
                }
                vec![
                    find,
                    self.http.render(&Req::post("/api/v1/alert").json(body)),
                ]
            }
            "ticket.comment" => {
                let message = format!(
                    "{}\n\n[riposte {}]",
                    crate::param(req, "text").unwrap_or(""),
                    req.idempotency_key
                );
                vec![
                    find,
                    self.http.render(
                        &Req::post("/api/v1/alert/<alert id>/comment")
                            .json(json!({ "message": message })),
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
                "ticket.create" => {
                    let ext = tu::external_id(ctx);
                    match self.find(ctx, &ext).await {
                        Ok(Some(a)) => Reconciled::Done(self.result(&a, &ext, false)),
                        Ok(None) => Reconciled::NotDone,
                        Err(e) => tu::unknown(self.http.name(), e),
                    }
                }
                "ticket.comment" => self.reconcile_comment(ctx, req).await,
                // Nothing is sent for a capability this client does not serve.
                _ => Reconciled::NotDone,
            }
        })
    }
}
