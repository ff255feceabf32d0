//! Posting approval requests to chat, and updating them once decided.
//!
//! - **Slack**: `chat.postMessage` with Block Kit (evidence sections, Approve/Deny buttons whose
//!   `value` is `RUN|STEP`); `chat.update` replaces the buttons with the outcome; refusals are
//!   answered privately through the click's `response_url` (ephemeral).
//! - **Mattermost** (bot API): `POST /api/v4/posts` with an attachment whose two actions call
//!   `{public_url}/hooks/mattermost` with a signed single-use token in `context`; after a
//!   decision made elsewhere, `PUT /api/v4/posts/{id}/patch` removes the buttons.
//! - **Teams** (Workflows webhook): an Adaptive Card with `Action.OpenUrl` to
//!   `{public_url}/approve/{token}`; the outcome is posted as a follow-up card.
//!
//! All alert-derived text is escaped for the target markup (see `integrations::vendors::chat_util`).

use super::{Approvals, Evidence, outcome_sentence};
use crate::config::ApprovalsConfig;
use anyhow::Result;
use integrations::http::{Auth, HttpClient, Limits, Req};
use integrations::secret::Secret;
use integrations::vendors::chat_util::{
    hide_url, markdown_escape, mattermost_escape, slack_escape,
};
use integrations::{Ctx, RequestLog, SentRequest};
use serde_json::{Value as Json, json};
use state::Store;
use state::approvals::{ApprovalRecord, MessageRef};
use std::sync::Arc;

pub struct SlackChat {
    http: HttpClient,
    pub signing_secret: Secret,
    channel: String,
    response_prefix: String,
}

pub struct MattermostChat {
    http: HttpClient,
    channel_id: String,
}

pub struct TeamsChat {
    http: HttpClient,
    pub identity_header: Option<String>,
}

#[derive(Default)]
pub struct Chat {
    pub slack: Option<SlackChat>,
    pub mattermost: Option<MattermostChat>,
    pub teams: Option<TeamsChat>,
}

fn limits() -> Limits {
    Limits {
        attempts: 3,
        timeout: std::time::Duration::from_secs(10),
        ..Limits::default()
    }
}

impl Chat {
    pub fn from_config(c: &ApprovalsConfig) -> Result<Chat> {
        let load = |what: &str, r: &integrations::secret::SecretRef| {
            r.load()
                .map_err(|e| anyhow::anyhow!("approvals.{what}: {e}"))
        };
        let mut chat = Chat::default();
        if let Some(s) = &c.slack {
            let token = load("slack.bot_token", &s.bot_token)?;
            let signing = load("slack.signing_secret", &s.signing_secret)?;
            let url = s.url.clone().unwrap_or_else(|| "https://slack.com".into());
            chat.slack = Some(SlackChat {
                http: HttpClient::new(
                    "approvals-slack",
                    &url,
                    Auth::Bearer(token.clone()),
                    limits(),
                    vec![token, signing.clone()],
                ),
                signing_secret: signing,
                channel: s.channel.clone(),
                response_prefix: s
                    .response_url_prefix
                    .clone()
                    .unwrap_or_else(|| "https://hooks.slack.com/".into()),
            });
        }
        if let Some(m) = &c.mattermost {
            let token = load("mattermost.bot_token", &m.bot_token)?;
            chat.mattermost = Some(MattermostChat {
                http: HttpClient::new(
                    "approvals-mattermost",
                    &m.url,
                    Auth::Bearer(token.clone()),
                    limits(),
                    vec![token],
                ),
                channel_id: m.channel_id.clone(),
            });
        }
        if let Some(t) = &c.teams {
            let hook = load("teams.webhook_url", &t.webhook_url)?;
            let mut secrets = vec![hook.clone()];
            if let Some(sig) = hook
                .expose()
                .split(['?', '&'])
                .find_map(|p| p.strip_prefix("sig="))
            {
                secrets.push(Secret::new(sig));
            }
            chat.teams = Some(TeamsChat {
                http: HttpClient::new(
                    "approvals-teams",
                    hook.expose(),
                    Auth::None,
                    limits(),
                    secrets,
                ),
                identity_header: t.identity_header.clone(),
            });
        }
        Ok(chat)
    }

    pub fn is_empty(&self) -> bool {
        self.slack.is_none() && self.mattermost.is_none() && self.teams.is_none()
    }
}

/// Writes each chat request (method, URL, status; never bodies or headers) to the audit log.
struct AuditLog {
    store: Store,
    run_id: String,
}

impl RequestLog for AuditLog {
    fn sent(&self, r: &SentRequest) {
        let mut d = serde_json::to_value(r).unwrap_or_default();
        d["purpose"] = json!("approval");
        if let Err(e) = self.store.audit("request.sent", Some(&self.run_id), d) {
            tracing::error!(error = %e, "cannot write a request to the audit log");
        }
    }
}

pub fn ctx(store: &Store, run_id: &str, step: &str) -> Ctx {
    Ctx {
        run_id: run_id.to_owned(),
        step: step.to_owned(),
        attempt: 1,
        log: Arc::new(AuditLog {
            store: store.clone(),
            run_id: run_id.to_owned(),
        }),
        report: Json::Null,
    }
}

fn clip(s: String, max: usize) -> String {
    if s.chars().count() <= max {
        s
    } else {
        let mut o: String = s.chars().take(max).collect();
        o.push('…');
        o
    }
}

/// The evidence as lines of one markup, `esc` escaping every value.
fn evidence_lines(
    ev: &Evidence,
    esc: &dyn Fn(&str) -> String,
    bold: (&str, &str),
) -> (String, String, String) {
    let b = |s: &str| format!("{}{s}{}", bold.0, bold.1);
    let mut alert = String::new();
    if ev.dry_run {
        alert.push_str(&b(
            "DRILL (dry-run): approving sends nothing; the request is recorded only.",
        ));
        alert.push('\n');
    }
    alert.push_str(&b(&esc(&ev.title)));
    alert.push('\n');
    for (k, v) in &ev.alert {
        alert.push_str(&format!("{} {}\n", b(&format!("{k}:")), esc(v)));
    }
    let mut why = String::new();
    if !ev.facts.is_empty() {
        why.push_str(&b("Facts that hold:"));
        why.push('\n');
        for f in &ev.facts {
            why.push_str(&format!("• {}\n", esc(f)));
        }
    }
    if !ev.reasons.is_empty() {
        why.push_str(&b("Escalation reasons:"));
        why.push('\n');
        for r in &ev.reasons {
            why.push_str(&format!("• {}\n", esc(r)));
        }
    }
    let mut action = format!("{} {}", b("Action:"), esc(&ev.action));
    if let Some(d) = &ev.description {
        action.push_str(&format!(" — {}", esc(d)));
    }
    action.push('\n');
    for p in &ev.params {
        action.push_str(&format!("{} {}\n", b("Parameters:"), esc(p)));
    }
    action.push_str(&format!(
        "{} {} · {} {} · {} {}\n{} {} (details: riposte runs show {})",
        b("Approvers:"),
        esc(&ev.approvers),
        b("Deadline:"),
        esc(&ev.deadline),
        b("Playbook:"),
        esc(&ev.playbook),
        b("Run:"),
        esc(&ev.run_id),
        esc(&ev.run_id)
    ));
    (clip(alert, 2900), clip(why, 2900), clip(action, 2900))
}

fn slack_blocks(ev: &Evidence, rec: &ApprovalRecord, buttons: bool) -> Vec<Json> {
    let (alert, why, action) = evidence_lines(ev, &slack_escape, ("*", "*"));
    let mut blocks = vec![json!({"type": "section", "text": {"type": "mrkdwn", "text": alert}})];
    if !why.is_empty() {
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": why}}));
    }
    blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": action}}));
    if buttons {
        let value = format!("{}|{}", rec.run_id, rec.step);
        blocks.push(json!({"type": "actions", "block_id": format!("riposte-approval-{}", rec.step), "elements": [
            {"type": "button", "action_id": "approve", "style": "primary", "text": {"type": "plain_text", "text": "Approve"}, "value": value,
             "confirm": {"title": {"type": "plain_text", "text": "Approve?"}, "text": {"type": "plain_text", "text": format!("Run {} on {}?", ev.action, rec.run_id)}, "confirm": {"type": "plain_text", "text": "Approve"}, "deny": {"type": "plain_text", "text": "Cancel"}}},
            {"type": "button", "action_id": "deny", "style": "danger", "text": {"type": "plain_text", "text": "Deny"}, "value": value},
        ]}));
    } else {
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*Decision:* {}", slack_escape(&outcome_sentence(rec)))}}));
    }
    blocks
}

fn teams_card(body: Vec<Json>, actions: Vec<Json>) -> Json {
    let mut content = json!({"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "version": "1.4", "body": body});
    if !actions.is_empty() {
        content["actions"] = Json::Array(actions);
    }
    json!({"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": content}]})
}

fn teams_text(t: String) -> Json {
    json!({"type": "TextBlock", "text": t, "wrap": true})
}

impl Approvals {
    fn mm_message(&self, ev: &Evidence) -> String {
        let (alert, why, action) = evidence_lines(ev, &mattermost_escape, ("**", "**"));
        format!("{alert}\n{why}\n{action}")
    }

    /// Posts the request to every configured provider; returns the references of the messages
    /// posted (a provider that fails is logged and audited, the others still get it).
    pub async fn post_request(
        &self,
        store: &Store,
        ev: &Evidence,
        rec: &ApprovalRecord,
    ) -> Vec<MessageRef> {
        let c = ctx(store, &rec.run_id, &rec.step);
        let mut refs = Vec::new();
        let failed = |provider: &str, e: String| {
            tracing::warn!(run_id = %rec.run_id, provider, error = %e, "could not post the approval request");
            let _ = store.audit(
                "approval.notify_failed",
                Some(&rec.run_id),
                json!({"step": rec.step, "provider": provider, "error": e}),
            );
        };
        if let Some(s) = &self.chat.slack {
            let body = json!({"channel": s.channel, "text": slack_escape(&ev.title), "blocks": slack_blocks(ev, rec, true), "unfurl_links": false, "unfurl_media": false});
            match s
                .http
                .send(&c, Req::post("/api/chat.postMessage").json(body), &[])
                .await
            {
                Ok(r) if r.body["ok"] == true => refs.push(MessageRef {
                    provider: "slack".into(),
                    channel: r.body["channel"].as_str().map(str::to_owned),
                    id: r.body["ts"].as_str().map(str::to_owned),
                }),
                Ok(r) => failed(
                    "slack",
                    format!(
                        "chat.postMessage: {}",
                        r.body["error"].as_str().unwrap_or("not ok")
                    ),
                ),
                Err(e) => failed("slack", e.to_string()),
            }
        }
        if let (Some(m), Some(base)) = (&self.chat.mattermost, &self.public_url) {
            let url = format!("{base}/hooks/mattermost");
            let action = |id: &str, name: &str, style: &str| json!({"id": id, "name": name, "style": style, "integration": {"url": url, "context": {"token": self.token(rec, id, "mattermost")}}});
            let body = json!({"channel_id": m.channel_id, "message": self.mm_message(ev), "props": {"attachments": [{
                "text": "Decide:", "actions": [action("approve", "Approve", "good"), action("deny", "Deny", "danger")]}]}});
            match m
                .http
                .send(&c, Req::post("/api/v4/posts").json(body), &[])
                .await
            {
                Ok(r) => refs.push(MessageRef {
                    provider: "mattermost".into(),
                    channel: Some(m.channel_id.clone()),
                    id: r.body["id"].as_str().map(str::to_owned),
                }),
                Err(e) => failed("mattermost", e.to_string()),
            }
        }
        if let (Some(t), Some(base)) = (&self.chat.teams, &self.public_url) {
            let (alert, why, action) = evidence_lines(ev, &markdown_escape, ("**", "**"));
            let link = |d: &str| format!("{base}/approve/{}", self.token(rec, d, "teams"));
            let card = teams_card(
                vec![teams_text(alert), teams_text(why), teams_text(action)],
                vec![
                    json!({"type": "Action.OpenUrl", "title": "Approve…", "url": link("approve")}),
                    json!({"type": "Action.OpenUrl", "title": "Deny…", "url": link("deny")}),
                ],
            );
            match t
                .http
                .send(
                    &hide_url(&c, "<teams webhook>"),
                    Req::post("").json(card),
                    &[],
                )
                .await
            {
                Ok(_) => refs.push(MessageRef {
                    provider: "teams".into(),
                    channel: None,
                    id: None,
                }),
                Err(e) => failed(
                    "teams",
                    integrations::vendors::chat_util::hide_path(e, "<teams webhook>").to_string(),
                ),
            }
        }
        refs
    }

    /// Replaces the buttons of every message posted for `rec` with its outcome.
    pub async fn update_messages(&self, store: &Store, ev: &Evidence, rec: &ApprovalRecord) {
        let c = ctx(store, &rec.run_id, &rec.step);
        let outcome = outcome_sentence(rec);
        for m in &rec.messages {
            let res = match (m.provider.as_str(), &m.id) {
                ("slack", Some(ts)) => match &self.chat.slack {
                    Some(s) => {
                        let body = json!({"channel": m.channel, "ts": ts, "text": slack_escape(&format!("{}: {outcome}", ev.title)), "blocks": slack_blocks(ev, rec, false)});
                        s.http
                            .send(
                                &c,
                                Req::post("/api/chat.update").json(body).repeatable(),
                                &[],
                            )
                            .await
                            .map(|_| ())
                    }
                    None => Ok(()),
                },
                ("mattermost", Some(id)) => match &self.chat.mattermost {
                    Some(mm) => {
                        let body = json!({"message": format!("{}\n\n**Decision:** {}", self.mm_message(ev), mattermost_escape(&outcome)), "props": {}});
                        mm.http
                            .send(
                                &c,
                                Req::new(reqwest::Method::PUT, format!("/api/v4/posts/{id}/patch"))
                                    .json(body),
                                &[],
                            )
                            .await
                            .map(|_| ())
                    }
                    None => Ok(()),
                },
                ("teams", _) => match &self.chat.teams {
                    Some(t) => {
                        let card = teams_card(
                            vec![
                                teams_text(format!(
                                    "**Decision on {}:** {}",
                                    markdown_escape(&ev.title),
                                    markdown_escape(&outcome)
                                )),
                                teams_text(format!("Run {}", markdown_escape(&rec.run_id))),
                            ],
                            vec![],
                        );
                        t.http
                            .send(
                                &hide_url(&c, "<teams webhook>"),
                                Req::post("").json(card),
                                &[],
                            )
                            .await
                            .map(|_| ())
                            .map_err(|e| {
                                integrations::vendors::chat_util::hide_path(e, "<teams webhook>")
                            })
                    }
                    None => Ok(()),
                },
                _ => Ok(()),
            };
            if let Err(e) = res {
                tracing::warn!(run_id = %rec.run_id, provider = %m.provider, error = %e, "could not update the approval message");
            }
        }
    }

    /// `on_timeout: {escalate: CHANNEL}`: tells CHANNEL the request timed out unanswered.
    pub async fn escalate(
        &self,
        store: &Store,
        ev: &Evidence,
        rec: &ApprovalRecord,
        channel: &str,
    ) {
        let c = ctx(store, &rec.run_id, &rec.step);
        let text = format!(
            "Escalation: nobody decided in time on {} (run {}); the action was not taken. Details: riposte runs show {}",
            ev.title, rec.run_id, rec.run_id
        );
        let mut sent = Vec::new();
        if let Some(s) = &self.chat.slack {
            let body = json!({"channel": channel, "text": slack_escape(&text), "blocks": slack_blocks(ev, rec, false)});
            if s.http
                .send(&c, Req::post("/api/chat.postMessage").json(body), &[])
                .await
                .is_ok_and(|r| r.body["ok"] == true)
            {
                sent.push("slack");
            }
        }
        if let Some(m) = &self.chat.mattermost {
            let body = json!({"channel_id": channel, "message": format!("**{}**\n{}", mattermost_escape(&text), self.mm_message(ev))});
            if m.http
                .send(&c, Req::post("/api/v4/posts").json(body), &[])
                .await
                .is_ok()
            {
                sent.push("mattermost");
            }
        }
        if let Some(t) = &self.chat.teams {
            let card = teams_card(vec![teams_text(markdown_escape(&text))], vec![]);
            if t.http
                .send(
                    &hide_url(&c, "<teams webhook>"),
                    Req::post("").json(card),
                    &[],
                )
                .await
                .is_ok()
            {
                sent.push("teams");
            }
        }
        let _ = store.audit(
            "approval.escalated",
            Some(&rec.run_id),
            json!({"step": rec.step, "channel": channel, "sent_to": sent}),
        );
    }

    /// A private answer to the Slack user who clicked (through the click's `response_url`).
    pub async fn slack_reply(&self, store: &Store, run_id: &str, response_url: &str, text: &str) {
        let Some(s) = &self.chat.slack else { return };
        if !response_url.starts_with(&s.response_prefix) {
            tracing::warn!("ignoring a response_url outside {}", s.response_prefix);
            return;
        }
        let c = hide_url(&ctx(store, run_id, ""), "<slack response_url>");
        let body = json!({"response_type": "ephemeral", "replace_original": false, "text": slack_escape(text)});
        if let Err(e) = s
            .http
            .send(&c, Req::post(response_url).json(body).repeatable(), &[])
            .await
        {
            tracing::warn!(error = %integrations::vendors::chat_util::hide_path(e, "<slack response_url>"), "could not answer the Slack user");
        }
    }

    /// The evidence text for the Teams confirmation page and Mattermost updates.
    pub fn mattermost_update(&self, ev: &Evidence, rec: &ApprovalRecord) -> Json {
        json!({"message": format!("{}\n\n**Decision:** {}", self.mm_message(ev), mattermost_escape(&outcome_sentence(rec))), "props": {}})
    }
}
