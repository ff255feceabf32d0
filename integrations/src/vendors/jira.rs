//! Jira Cloud (REST v3): `ticket.create` opens an issue, `ticket.comment` comments on it.
//!
//! ```yaml
//! integrations:
//!   jira:
//!     vendor: jira
//!     url: https://example.atlassian.net
//!     credentials: {api_token: {env: JIRA_API_TOKEN}}   # basic auth email:token
//!     options:
//!       email: soc-bot@example.org     # the account the API token belongs to
//!       project: SEC                   # project key
//!       issue_type: Task               # default `Task`
//!       labels: [soc]                  # optional, added to every issue
//!       priorities: {critical: Highest, high: High}  # optional severity → priority name
//! ```
//!
//! - Idempotency: Jira has no idempotency key, so every issue carries the label
//!   `riposte-<run id>` and the client searches `labels = "…"` with
//!   `GET /rest/api/3/search/jql` (the old `/rest/api/3/search` was removed from Jira Cloud)
//!   before creating.
//! - `description` and comment bodies are Atlassian Document Format: every piece of text is a
//!   `text` node's data, never markup.
//! - Comments carry `[riposte <idempotency key>]` so reconcile can find them.
//! - Errors: `{"errorMessages":[…],"errors":{field: message}}`.

use super::ticket_util::{self as tu, Findings};
use crate::config::{ConfigError, InstanceConfig};
use crate::http::{Auth, HttpClient, HttpError, Req};
use crate::vendors::BuildEnv;
use crate::{BoxFuture, Ctx, Integration, Reconciled, required};
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::sync::Arc;

const CAPS: &[&str] = &["ticket.create", "ticket.comment"];

pub struct Jira {
    http: HttpClient,
    project: String,
    issue_type: String,
    labels: Vec<String>,
    priorities: BTreeMap<String, String>,
}

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    _env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let url = cfg.url_or(instance, None)?;
    let missing = |what: &str, why: &str| ConfigError::Missing {
        instance: instance.into(),
        what: what.into(),
        why: why.into(),
    };
    let email = cfg
        .option_str("email")
        .ok_or_else(|| {
            missing(
                "options.email",
                "the Atlassian account the API token belongs to",
            )
        })?
        .to_owned();
    let project = cfg
        .option_str("project")
        .ok_or_else(|| {
            missing(
                "options.project",
                "the key of the Jira project issues go to, e.g. SEC",
            )
        })?
        .to_owned();
    let token = cfg.secret(
        instance,
        "api_token",
        "an Atlassian API token of that account",
    )?;
    let priorities = match cfg.options.get("priorities") {
        None => BTreeMap::new(),
        Some(Json::Object(m)) => m
            .iter()
            .map(|(k, v)| match v.as_str() {
                Some(s) => Ok((k.clone(), s.to_owned())),
                None => Err(ConfigError::Invalid {
                    instance: instance.into(),
                    what: format!("options.priorities.{k}"),
                    why: "must be a Jira priority name".into(),
                }),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(ConfigError::Invalid {
                instance: instance.into(),
                what: "options.priorities".into(),
                why: "must map severities (info..critical) to Jira priority names".into(),
            });
        }
    };
    let limits = cfg.limits(instance)?;
    let http = HttpClient::new(
        instance,
        &url,
        Auth::Basic {
            user: email,
            password: token.clone(),
        },
        limits,
        vec![token],
    );
    Ok(Arc::new(Jira {
        http,
        project,
        issue_type: cfg.option_str("issue_type").unwrap_or("Task").to_owned(),
        labels: cfg
            .option_strs("labels")
            .into_iter()
            .map(|l| label(&l))
            .collect(),
        priorities,
    }))
}

/// A Jira label: no whitespace allowed.
fn label(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join("-")
}

fn text(t: &str) -> Json {
    json!({"type": "text", "text": t})
}

fn paragraph(t: &str) -> Json {
    if t.is_empty() {
        json!({"type": "paragraph", "content": []})
    } else {
        json!({"type": "paragraph", "content": [text(t)]})
    }
}

/// Plain text as an ADF document: one paragraph per line.
pub fn adf_text(t: &str) -> Json {
    let content: Vec<Json> = t.lines().map(paragraph).collect();
    json!({"type": "doc", "version": 1, "content": content})
}

/// The findings as an ADF document: headings and bullet lists of text nodes.
pub fn adf_findings(f: &Findings) -> Json {
    let mut content = Vec::new();
    for (h, lines) in f.sections() {
        let lines: Vec<&String> = lines.iter().filter(|l| !l.is_empty()).collect();
        if h.is_empty() {
            content.extend(lines.iter().map(|l| paragraph(l)));
            continue;
        }
        content.push(json!({"type": "heading", "attrs": {"level": 3}, "content": [text(&h)]}));
        if !lines.is_empty() {
            let items: Vec<Json> = lines
                .iter()
                .map(|l| json!({"type": "listItem", "content": [paragraph(l)]}))
                .collect();
            content.push(json!({"type": "bulletList", "content": items}));
        }
    }
    json!({"type": "doc", "version": 1, "content": content})
}

/// Jira summaries are one line of at most 255 characters.
fn summary(title: &str) -> String {
    let one: String = title.split_whitespace().collect::<Vec<_>>().join(" ");
    one.chars().take(255).collect()
}

struct Issue {
    id: String,
    key: String,
}

impl Jira {
    fn search_req(ext: &str) -> Req {
        // `ext` holds only [A-Za-z0-9_-]: safe inside a JQL string literal.
        Req::get("/rest/api/3/search/jql")
            .query("jql", format!("labels = \"{ext}\""))
            .query("fields", "key,summary")
            .query("maxResults", "1")
    }

    fn issue_url(&self, key: &str) -> String {
        format!("{}/browse/{key}", self.http.base())
    }

    fn result(&self, i: &Issue, created: bool) -> Json {
        json!({"id": i.id, "key": i.key, "url": self.issue_url(&i.key), "created": created})
    }

    fn create_body(
        &self,
        title: &str,
        description: Json,
        severity: Option<&str>,
        ext: &str,
        tags: Vec<String>,
    ) -> Json {
        let mut all = self.labels.clone();
        all.extend(tags.iter().map(|t| label(t)));
        if let Some(s) = severity {
            all.push(format!("severity-{s}"));
        }
        all.push(ext.to_owned());
        // Jira refuses empty labels; a repeated one is noise.
        let mut labels: Vec<String> = Vec::with_capacity(all.len());
        for l in all {
            if !l.is_empty() && !labels.contains(&l) {
                labels.push(l);
            }
        }
        let mut fields = json!({
            "project": {"key": self.project},
            "issuetype": {"name": self.issue_type},
            "summary": summary(title),
            "description": description,
            "labels": labels,
        });
        if let Some(p) = severity.and_then(|s| self.priorities.get(s)) {
            fields["priority"] = json!({"name": p});
        }
        json!({ "fields": fields })
    }

    async fn find(&self, ctx: &Ctx, ext: &str) -> Result<Option<Issue>, HttpError> {
        let resp = self.http.send(ctx, Self::search_req(ext), &[]).await?;
        let first = resp
            .body
            .get("issues")
            .and_then(|i| i.as_array())
            .and_then(|a| a.first());
        Ok(first.and_then(|i| {
            Some(Issue {
                id: i
                    .get("id")
                    .and_then(|x| x.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                key: i.get("key")?.as_str()?.to_owned(),
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
        let sev = tu::severity(ctx, req);
        let body = self.create_body(
            title,
            adf_findings(&Findings::from(ctx, req)),
            Some(&sev),
            &ext,
            tu::tags(req),
        );
        match self
            .http
            .send(ctx, Req::post("/rest/api/3/issue").json(body), &[])
            .await
        {
            Ok(resp) => match resp.body.get("key").and_then(|k| k.as_str()) {
                Some(key) => {
                    let id = resp
                        .body
                        .get("id")
                        .and_then(|i| i.as_str())
                        .unwrap_or_default();
                    Outcome::Ok {
                        result: self.result(
                            &Issue {
                                id: id.to_owned(),
                                key: key.to_owned(),
                            },
                            true,
                        ),
                    }
                }
                None => Outcome::Failed {
                    class: ErrorClass::NeedsHuman,
                    message: format!(
                        "{}: Jira answered the issue creation without a `key`; look for an issue labelled `{ext}`",
                        self.http.name()
                    ),
                },
            },
            Err(e) => e.into(),
        }
    }

    async fn comment(&self, ctx: &Ctx, req: &CallRequest) -> Outcome {
        let text = match required(req, "text") {
            Ok(t) => t,
            Err(o) => return o,
        };
        let ext = tu::external_id(ctx);
        let issue = match self.find(ctx, &ext).await {
            Ok(Some(i)) => i,
            Ok(None) => return tu::no_ticket(self.http.name(), &ext),
            Err(e) => return e.into(),
        };
        let body = json!({ "body": adf_text(&format!("{text}\n{}", tu::comment_marker(req))) });
        let r = Req::post(format!("/rest/api/3/issue/{}/comment", issue.key)).json(body);
        match self.http.send(ctx, r, &[]).await {
            Ok(resp) => Outcome::Ok {
                result: json!({
                    "key": issue.key,
                    "comment_id": resp.body.get("id").cloned().unwrap_or(Json::Null),
                    "url": self.issue_url(&issue.key),
                }),
            },
            Err(e) => e.into(),
        }
    }

    async fn reconcile_comment(&self, ctx: &Ctx, req: &CallRequest) -> Reconciled {
        let ext = tu::external_id(ctx);
        let issue = match self.find(ctx, &ext).await {
            Ok(None) => return Reconciled::NotDone,
            Ok(Some(i)) => i,
            Err(e) => return tu::unknown(self.http.name(), e),
        };
        let r = Req::get(format!("/rest/api/3/issue/{}/comment", issue.key))
            .query("orderBy", "-created")
            .query("maxResults", "100");
        match self.http.send(ctx, r, &[]).await {
            Ok(resp) => {
                let marker = tu::comment_marker(req);
                let found = resp
                    .body
                    .get("comments")
                    .and_then(|c| c.as_array())
                    .and_then(|a| {
                        a.iter()
                            .find(|c| c.get("body").is_some_and(|b| tu::json_contains(b, &marker)))
                    });
                match found {
                    Some(c) => Reconciled::Done(json!({
                        "key": issue.key,
                        "comment_id": c.get("id").cloned().unwrap_or(Json::Null),
                        "url": self.issue_url(&issue.key),
                    })),
                    None => Reconciled::NotDone,
                }
            }
            Err(e) => tu::unknown(self.http.name(), e),
        }
    }
}

impl Integration for Jira {
    fn name(&self) -> &str {
        self.http.name()
    }
    fn vendor(&self) -> &'static str {
        "jira"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        CAPS
    }

    fn check_params(&self, capability: &str, params: &Json) -> Result<(), String> {
        if capability == "ticket.create"
            && let Some(t) = params.get("title").and_then(|t| t.as_str())
            && t.trim().is_empty()
        {
            return Err("Jira issues need a non-empty `title` (the summary)".into());
        }
        Ok(())
    }

    fn render(&self, req: &CallRequest) -> Vec<Json> {
        let ext = "riposte-<run id>";
        let find = self.http.render(&Self::search_req(ext));
        match req.capability.as_str() {
            "ticket.create" => {
                let sev = tu::param_severity(req).unwrap_or("<run severity>");
                let body = self.create_body(
                    crate::param(req, "title").unwrap_or(""),
                    adf_text("<description and the run's findings>"),
                    Some(sev),
                    ext,
                    tu::tags(req),
                );
                vec![
                    find,
                    self.http.render(&Req::post("/rest/api/3/issue").json(body)),
                ]
            }
            "ticket.comment" => {
                let t = format!(
                    "{}\n[riposte {}]",
                    crate::param(req, "text").unwrap_or(""),
                    req.idempotency_key
                );
                vec![
                    find,
                    self.http.render(
                        &Req::post("/rest/api/3/issue/<issue key>/comment")
                            .json(json!({"body": adf_text(&t)})),
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
