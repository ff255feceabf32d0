//! Slack: `chat.notify` through the Web API `chat.postMessage` with a bot token.
//!
//! ```yaml
//! integrations:
//!   slack:
//!     vendor: slack
//!     # url defaults to https://slack.com
//!     credentials: {bot_token: {env: SLACK_BOT_TOKEN}}   # xoxb-…
//!     options: {channel: "#soc-alerts"}                   # default channel (name or id)
//! ```
//!
//! - `POST /api/chat.postMessage` `{channel, text, blocks:[section mrkdwn, context], link_names:
//!   false, unfurl_links: false}`; the text is escaped for mrkdwn (`&`, `<`, `>`), so
//!   `<!channel>` or `<@U…>` in alert data shows as text and pings nobody.
//! - Slack answers HTTP 200 with `{"ok":false,"error":"…"}` on failure: `ratelimited` and
//!   server-side errors are retryable; `invalid_auth`, `not_authed`, `not_in_channel`,
//!   `channel_not_found`, `is_archived`, `missing_scope`… are permanent. HTTP 429 is retried
//!   honouring `Retry-After` by the shared client.
//! - Reconcile: [`Reconciled::Idempotent`] (see [`super::chat_util`]).

use super::chat_util::slack_escape;
use crate::config::{ConfigError, InstanceConfig};
use crate::http::{Auth, HttpClient, Req};
use crate::vendors::BuildEnv;
use crate::{BoxFuture, Ctx, Integration, Reconciled, param, required};
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use serde_json::{Value as Json, json};
use std::sync::Arc;

const CAPS: &[&str] = &["chat.notify"];
const PATH: &str = "/api/chat.postMessage";

pub struct Slack {
    http: HttpClient,
    channel: Option<String>,
}

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    _env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let url = cfg.url_or(instance, Some("https://slack.com"))?;
    let token = cfg.secret(
        instance,
        "bot_token",
        "the bot token (xoxb-…) of the Slack app, with chat:write",
    )?;
    Ok(Arc::new(Slack {
        http: HttpClient::new(
            instance,
            &url,
            Auth::Bearer(token.clone()),
            cfg.limits(instance)?,
            vec![token],
        ),
        channel: cfg.option_str("channel").map(str::to_owned),
    }))
}

/// The class of a Slack `error` code, and what to do about it.
fn classify(code: &str) -> (ErrorClass, &'static str) {
    match code {
        "ratelimited" | "rate_limited" => (
            ErrorClass::Retryable,
            "rate limited by Slack; retried later",
        ),
        "internal_error" | "fatal_error" | "service_unavailable" | "request_timeout" => {
            (ErrorClass::Retryable, "Slack failed; retried later")
        }
        "invalid_auth" | "not_authed" | "account_inactive" | "token_revoked" | "token_expired" => (
            ErrorClass::Permanent,
            "check the bot token configured for this integration",
        ),
        "not_in_channel" => (
            ErrorClass::Permanent,
            "invite the app's bot user to the channel (/invite @app)",
        ),
        "channel_not_found" => (
            ErrorClass::Permanent,
            "check the channel name or id; private channels need the bot invited",
        ),
        "is_archived" => (
            ErrorClass::Permanent,
            "the channel is archived; configure another one",
        ),
        "missing_scope" => (
            ErrorClass::Permanent,
            "add the chat:write scope to the Slack app and reinstall it",
        ),
        _ => (ErrorClass::Permanent, "Slack refused the message"),
    }
}

impl Slack {
    fn channel<'a>(&'a self, req: &'a CallRequest) -> Option<&'a str> {
        param(req, "channel")
            .filter(|c| !c.trim().is_empty())
            .or(self.channel.as_deref())
    }

    fn body(channel: &str, text: &str, run_id: &str) -> Json {
        let t = slack_escape(text);
        json!({
            "channel": channel,
            "text": t,
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": t}},
                {"type": "context", "elements": [{"type": "mrkdwn", "text": format!("Riposte run {}", slack_escape(run_id))}]},
            ],
            "link_names": false,
            "unfurl_links": false,
            "unfurl_media": false,
        })
    }

    async fn notify(&self, ctx: &Ctx, req: &CallRequest) -> Outcome {
        let text = match required(req, "text") {
            Ok(t) => t,
            Err(o) => return o,
        };
        let Some(channel) = self.channel(req) else {
            return Outcome::Failed {
                class: ErrorClass::Permanent,
                message: format!(
                    "{}: no channel: pass `channel` or set `options.channel`",
                    self.http.name()
                ),
            };
        };
        // A duplicate notice is harmless (see `reconcile`): let the client retry 5xx too.
        let r = Req::post(PATH)
            .json(Self::body(channel, text, &ctx.run_id))
            .repeatable();
        let resp = match self.http.send(ctx, r, &[]).await {
            Ok(r) => r,
            Err(e) => return e.into(),
        };
        if resp.body.get("ok").and_then(|o| o.as_bool()) == Some(true) {
            return Outcome::Ok {
                result: json!({
                    "channel": resp.body.get("channel").cloned().unwrap_or(json!(channel)),
                    "ts": resp.body.get("ts").cloned().unwrap_or(Json::Null),
                }),
            };
        }
        // Slack error codes are short identifiers; keep only those characters.
        let code: String = resp
            .body
            .get("error")
            .and_then(|e| e.as_str())
            .unwrap_or("unknown_error")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(64)
            .collect();
        let (class, hint) = classify(&code);
        Outcome::Failed {
            class,
            message: format!(
                "{}: POST {PATH}: Slack answered ok:false, error `{code}` ({hint})",
                self.http.name()
            ),
        }
    }
}

impl Integration for Slack {
    fn name(&self) -> &str {
        self.http.name()
    }
    fn vendor(&self) -> &'static str {
        "slack"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        CAPS
    }

    fn check_params(&self, _capability: &str, params: &Json) -> Result<(), String> {
        let given = params
            .get("channel")
            .and_then(|c| c.as_str())
            .is_some_and(|c| !c.trim().is_empty());
        if !given && self.channel.is_none() {
            return Err(
                "Slack needs a channel: pass `channel` or set `options.channel` on the integration"
                    .into(),
            );
        }
        Ok(())
    }

    fn render(&self, req: &CallRequest) -> Vec<Json> {
        let channel = self.channel(req).unwrap_or("<channel>");
        let body = Self::body(channel, param(req, "text").unwrap_or(""), "<run id>");
        vec![self.http.render(&Req::post(PATH).json(body))]
    }

    fn call<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            if req.capability != "chat.notify" {
                return super::ticket_util::unsupported(self.http.name(), &req.capability);
            }
            self.notify(ctx, req).await
        })
    }

    /// A duplicate notice is harmless and messages cannot be checked cheaply: sending again is
    /// the accepted answer (see `chat_util`).
    fn reconcile<'a>(&'a self, _ctx: &'a Ctx, _req: &'a CallRequest) -> BoxFuture<'a, Reconciled> {
        Box::pin(async { Reconciled::Idempotent })
    }
}
