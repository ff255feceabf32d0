//! Microsoft Teams: `chat.notify` through a Workflows (Power Automate) webhook — "When a Teams
//! webhook request is received" — posting an Adaptive Card.
//!
//! ```yaml
//! integrations:
//!   teams:
//!     vendor: teams
//!     credentials: {webhook_url: {env: TEAMS_WEBHOOK_URL}}   # …/invoke?…&sig=<signature>
//! ```
//!
//! - `POST <webhook>` `{"type":"message","attachments":[{"contentType":
//!   "application/vnd.microsoft.card.adaptive","content":{"type":"AdaptiveCard","version":"1.4",
//!   "body":[{"type":"TextBlock","text":…,"wrap":true}]}}]}` → 202.
//! - The webhook URL is a credential (its `sig=` parameter authorises the post): it comes from
//!   `credentials`, renders as `<teams webhook>`, and is scrubbed (with the signature on its
//!   own) from errors and the audit log.
//! - Text is Markdown-escaped for the TextBlock subset. Teams mentions need `msteams.entities`,
//!   which this client never sends, so `@all` or `<at>…</at>` in alert data pings nobody.
//! - A webhook posts to the channel it was created for: a `channel` parameter is refused.
//! - Errors (Logic Apps): `{"error":{"code","message"}}`.
//! - Reconcile: [`Reconciled::Idempotent`] (see [`super::chat_util`]).

use super::chat_util::{hide_path, hide_url, markdown_escape};
use crate::config::{ConfigError, InstanceConfig};
use crate::http::{Auth, HttpClient, Req};
use crate::secret::Secret;
use crate::vendors::BuildEnv;
use crate::{BoxFuture, Ctx, Integration, Reconciled, param, required};
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use serde_json::{Value as Json, json};
use std::sync::Arc;

const CAPS: &[&str] = &["chat.notify"];
const HIDDEN: &str = "<teams webhook>";

pub struct Teams {
    http: HttpClient,
}

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    _env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let hook = cfg.secret(
        instance,
        "webhook_url",
        "the Workflows webhook URL (When a Teams webhook request is received)",
    )?;
    if !(hook.expose().starts_with("https://") || hook.expose().starts_with("http://")) {
        return Err(ConfigError::Invalid {
            instance: instance.into(),
            what: "credentials.webhook_url".into(),
            why: "must be an http(s) URL".into(),
        });
    }
    let mut secrets = vec![hook.clone()];
    // The signature alone, in case an error message quotes it.
    if let Some(sig) = hook
        .expose()
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("sig="))
    {
        secrets.push(Secret::new(sig));
    }
    let http = HttpClient::new(
        instance,
        hook.expose(),
        Auth::None,
        cfg.limits(instance)?,
        secrets,
    );
    Ok(Arc::new(Teams { http }))
}

/// The Adaptive Card message for `text`.
pub fn card(text: &str) -> Json {
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [{"type": "TextBlock", "text": markdown_escape(text), "wrap": true}],
            },
        }],
    })
}

fn channel_refused() -> String {
    "a Teams webhook posts to the channel it was created for; drop `channel` or configure another integration instance".into()
}

impl Integration for Teams {
    fn name(&self) -> &str {
        self.http.name()
    }
    fn vendor(&self) -> &'static str {
        "teams"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        CAPS
    }

    fn check_params(&self, _capability: &str, params: &Json) -> Result<(), String> {
        if params.get("channel").is_some_and(|c| !c.is_null()) {
            return Err(channel_refused());
        }
        Ok(())
    }

    fn render(&self, req: &CallRequest) -> Vec<Json> {
        let mut j = self
            .http
            .render(&Req::post("").json(card(param(req, "text").unwrap_or(""))));
        j["url"] = json!(HIDDEN);
        vec![j]
    }

    fn call<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            if req.capability != "chat.notify" {
                return super::ticket_util::unsupported(self.http.name(), &req.capability);
            }
            let text = match required(req, "text") {
                Ok(t) => t,
                Err(o) => return o,
            };
            if param(req, "channel").is_some_and(|c| !c.trim().is_empty()) {
                return Outcome::Failed {
                    class: ErrorClass::Permanent,
                    message: format!("{}: {}", self.http.name(), channel_refused()),
                };
            }
            match self
                .http
                .send(
                    &hide_url(ctx, HIDDEN),
                    Req::post("").json(card(text)).repeatable(),
                    &[],
                )
                .await
            {
                Ok(resp) => Outcome::Ok {
                    result: json!({"posted": true, "status": resp.status}),
                },
                Err(e) => hide_path(e, HIDDEN).into(),
            }
        })
    }

    /// A duplicate notice is harmless and a webhook post returns no id to look up: sending
    /// again is the accepted answer (see `chat_util`).
    fn reconcile<'a>(&'a self, _ctx: &'a Ctx, _req: &'a CallRequest) -> BoxFuture<'a, Reconciled> {
        Box::pin(async { Reconciled::Idempotent })
    }
}
