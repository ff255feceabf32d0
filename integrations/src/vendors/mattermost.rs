//! Mattermost: `chat.notify` through an incoming webhook or the bot API.
//!
//! ```yaml
//! integrations:
//!   mm:
//!     vendor: mattermost
//!     # incoming webhook (default): the URL is the credential
//!     credentials: {webhook_url: {env: MM_WEBHOOK_URL}}   # https://mm.example.org/hooks/<id>
//!     options: {channel: soc-alerts, username: riposte}   # optional overrides
//!     # or the bot API:
//!     # url: https://mm.example.org
//!     # credentials: {bot_token: {env: MM_BOT_TOKEN}}
//!     # options: {mode: api, channel_id: <channel id>}
//! ```
//!
//! - Webhook: `POST /hooks/<id>` `{"text", "channel"?, "username"?}` → 200 `ok`. The webhook
//!   URL never appears in renders (`<mattermost webhook>`), errors or the audit log.
//! - API: `POST /api/v4/posts` `{"channel_id","message"}` with `Authorization: Bearer` → 201.
//! - Text is Markdown-escaped and every `@` is followed by a zero-width space, so `@all`,
//!   `@channel` or `@here` in alert data cannot notify anyone.
//! - Errors: `{"id","message","detailed_error","status_code"}`.
//! - Reconcile: [`Reconciled::Idempotent`] (see [`super::chat_util`]).

use super::chat_util::{hide_path, hide_url, mattermost_escape};
use crate::config::{ConfigError, InstanceConfig};
use crate::http::{Auth, HttpClient, Req};
use crate::vendors::BuildEnv;
use crate::{BoxFuture, Ctx, Integration, Reconciled, param, required};
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use serde_json::{Value as Json, json};
use std::sync::Arc;

const CAPS: &[&str] = &["chat.notify"];
const HIDDEN: &str = "<mattermost webhook>";

enum Mode {
    Webhook {
        channel: Option<String>,
        username: Option<String>,
    },
    Api {
        channel_id: Option<String>,
    },
}

pub struct Mattermost {
    http: HttpClient,
    mode: Mode,
}

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    _env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let limits = cfg.limits(instance)?;
    let opt = |k: &str| cfg.option_str(k).map(str::to_owned);
    match cfg.option_str("mode").unwrap_or("webhook") {
        "webhook" => {
            let hook = cfg.secret(
                instance,
                "webhook_url",
                "the incoming webhook URL (https://…/hooks/<id>)",
            )?;
            if !(hook.expose().starts_with("https://") || hook.expose().starts_with("http://")) {
                return Err(ConfigError::Invalid {
                    instance: instance.into(),
                    what: "credentials.webhook_url".into(),
                    why: "must be an http(s) URL".into(),
                });
            }
            let http = HttpClient::new(
                instance,
                hook.expose(),
                Auth::None,
                limits,
                vec![hook.clone()],
            );
            Ok(Arc::new(Mattermost {
                http,
                mode: Mode::Webhook {
                    channel: opt("channel"),
                    username: opt("username"),
                },
            }))
        }
        "api" => {
            let url = cfg.url_or(instance, None)?;
            let token = cfg.secret(instance, "bot_token", "a bot account's access token")?;
            let http = HttpClient::new(
                instance,
                &url,
                Auth::Bearer(token.clone()),
                limits,
                vec![token],
            );
            Ok(Arc::new(Mattermost {
                http,
                mode: Mode::Api {
                    channel_id: opt("channel_id"),
                },
            }))
        }
        other => Err(ConfigError::Invalid {
            instance: instance.into(),
            what: "options.mode".into(),
            why: format!("`{other}` is neither `webhook` nor `api`"),
        }),
    }
}

impl Mattermost {
    /// The request for `text`, or why there is none.
    fn request(&self, req: &CallRequest, text: &str) -> Result<Req, String> {
        let msg = mattermost_escape(text);
        let override_ch = param(req, "channel").filter(|c| !c.trim().is_empty());
        match &self.mode {
            Mode::Webhook { channel, username } => {
                let mut b = json!({ "text": msg });
                if let Some(c) = override_ch.or(channel.as_deref()) {
                    b["channel"] = json!(c);
                }
                if let Some(u) = username {
                    b["username"] = json!(u);
                }
                Ok(Req::post("").json(b).repeatable())
            }
            Mode::Api { channel_id } => {
                let Some(ch) = override_ch.or(channel_id.as_deref()) else {
                    return Err(
                        "no channel: pass `channel` (a channel id) or set `options.channel_id`"
                            .into(),
                    );
                };
                Ok(Req::post("/api/v4/posts")
                    .json(json!({ "channel_id": ch, "message": msg }))
                    .repeatable())
            }
        }
    }

    async fn notify(&self, ctx: &Ctx, req: &CallRequest) -> Outcome {
        let text = match required(req, "text") {
            Ok(t) => t,
            Err(o) => return o,
        };
        let r = match self.request(req, text) {
            Ok(r) => r,
            Err(why) => {
                return Outcome::Failed {
                    class: ErrorClass::Permanent,
                    message: format!("{}: {why}", self.http.name()),
                };
            }
        };
        match &self.mode {
            Mode::Webhook { .. } => match self.http.send(&hide_url(ctx, HIDDEN), r, &[]).await {
                Ok(_) => Outcome::Ok {
                    result: json!({"posted": true}),
                },
                Err(e) => hide_path(e, HIDDEN).into(),
            },
            Mode::Api { .. } => match self.http.send(ctx, r, &[]).await {
                Ok(resp) => Outcome::Ok {
                    result: json!({
                        "posted": true,
                        "id": resp.body.get("id").cloned().unwrap_or(Json::Null),
                        "channel_id": resp.body.get("channel_id").cloned().unwrap_or(Json::Null),
                    }),
                },
                Err(e) => e.into(),
            },
        }
    }
}

impl Integration for Mattermost {
    fn name(&self) -> &str {
        self.http.name()
    }
    fn vendor(&self) -> &'static str {
        "mattermost"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        CAPS
    }

    fn check_params(&self, _capability: &str, params: &Json) -> Result<(), String> {
        if let Mode::Api { channel_id: None } = self.mode
            && params
                .get("channel")
                .and_then(|c| c.as_str())
                .is_none_or(|c| c.trim().is_empty())
        {
            return Err(
                "Mattermost (api mode) needs `channel` (a channel id) or `options.channel_id`"
                    .into(),
            );
        }
        Ok(())
    }

    fn render(&self, req: &CallRequest) -> Vec<Json> {
        match self.request(req, param(req, "text").unwrap_or("")) {
            Ok(r) => {
                let mut j = self.http.render(&r);
                if let Mode::Webhook { .. } = self.mode {
                    j["url"] = json!(HIDDEN);
                }
                vec![j]
            }
            Err(why) => vec![json!({"integration": self.http.name(), "error": why})],
        }
    }

    fn call<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            if req.capability != "chat.notify" {
                return super::ticket_util::unsupported(self.http.name(), &req.capability);
            }
            self.notify(ctx, req).await
        })
    }

    /// A duplicate notice is harmless and webhook posts return no id to look up: sending again
    /// is the accepted answer (see `chat_util`).
    fn reconcile<'a>(&'a self, _ctx: &'a Ctx, _req: &'a CallRequest) -> BoxFuture<'a, Reconciled> {
        Box::pin(async { Reconciled::Idempotent })
    }
}
