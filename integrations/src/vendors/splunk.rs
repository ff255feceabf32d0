//! Splunk (vendor `splunk`): `siem.search` and `siem.related_alerts` as one-shot searches on the
//! management API.
//!
//! ```yaml
//! integrations:
//!   splunk:
//!     vendor: splunk
//!     url: https://splunk.example.org:8089
//!     credentials: {token: {env: SPLUNK_TOKEN}}       # a Splunk authentication token
//!     options: {alerts_index: notable, max_size: 100}
//! ```
//!
//! Requests are `POST /services/search/jobs` with the form `search=…`, `exec_mode=oneshot`,
//! `output_mode=json`, `count`, and for time-bounded look-ups `earliest_time` / `latest_time`
//! in epoch seconds; the answer's `results` come back as `{count, hits}`.
//!
//! Alert data is hostile: every value put into SPL is a double-quoted string literal with `\`
//! and `"` escaped, compared with `where field=="…"`, which is exact — a `search field="…"`
//! term would still expand `*` wildcards inside the quotes. Values with control characters or
//! backticks (macro expansion) are refused. `siem.search` runs the playbook's own SPL as given
//! (prefixed with `search` when it does not start with a command), bounded by `| head`.
//!
//! Searches only read: `reconcile` answers `Idempotent`.

use crate::config::{ConfigError, InstanceConfig};
use crate::http::{Auth, HttpClient, Req};
use crate::vendors::BuildEnv;
use crate::vendors::elasticsearch::{time_param, window_param};
use crate::{BoxFuture, Ctx, Integration, Reconciled};
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use serde_json::{Value as Json, json};
use std::sync::Arc;
use std::time::Duration;

pub struct Splunk {
    name: String,
    http: HttpClient,
    alerts_index: String,
    max_size: u64,
}

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    _env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let url = cfg.url_or(instance, None)?;
    let token = cfg.secret(
        instance,
        "token",
        "a Splunk authentication token (Settings › Tokens)",
    )?;
    let alerts_index = cfg
        .option_str("alerts_index")
        .unwrap_or("notable")
        .to_owned();
    spl_string(&alerts_index).map_err(|why| ConfigError::Invalid {
        instance: instance.into(),
        what: "options.alerts_index".into(),
        why,
    })?;
    let max_size = match cfg.options.get("max_size") {
        None => 100,
        Some(v) => v
            .as_u64()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| ConfigError::Invalid {
                instance: instance.into(),
                what: "options.max_size".into(),
                why: format!("`{v}` must be a whole number from 1 to 10000"),
            })?,
    };
    Ok(Arc::new(Splunk {
        name: instance.to_owned(),
        http: HttpClient::new(
            instance,
            &url,
            Auth::Bearer(token.clone()),
            cfg.limits(instance)?,
            vec![token],
        ),
        alerts_index,
        max_size,
    }))
}

/// A value as an SPL double-quoted string literal: `\` and `"` escaped; control characters and
/// backticks (macro expansion) refused.
pub fn spl_string(v: &str) -> Result<String, String> {
    if v.chars().any(|c| c.is_control()) {
        return Err(format!(
            "`{}` contains control characters; refusing to put it in a search",
            v.escape_debug()
        ));
    }
    if v.contains('`') {
        return Err(format!(
            "`{v}` contains a backtick, which SPL would expand as a macro; refusing to put it in a search"
        ));
    }
    Ok(format!(
        "\"{}\"",
        v.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

impl Splunk {
    fn size(&self, req: &CallRequest) -> u64 {
        req.params
            .get("size")
            .and_then(|s| s.as_u64())
            .unwrap_or(self.max_size)
            .clamp(1, self.max_size)
    }

    /// The SPL and the time bounds (epoch seconds) of a call.
    fn spl_for(
        &self,
        ctx: &Ctx,
        req: &CallRequest,
    ) -> Result<(String, Option<(i64, i64)>), String> {
        let size = self.size(req);
        match req.capability.as_str() {
            "siem.search" => {
                let q = match req.params.get("query") {
                    Some(Json::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
                    _ => return Err("`query` must be an SPL string for Splunk".into()),
                };
                let mut spl = if q.starts_with('|') || q.starts_with("search ") {
                    q
                } else {
                    format!("search {q}")
                };
                if let Some(i) = crate::param(req, "index")
                    && spl.starts_with("search ")
                {
                    spl = format!(
                        "search index={} {}",
                        spl_string(i)?,
                        &spl["search ".len()..]
                    );
                }
                Ok((format!("{spl} | head {size}"), None))
            }
            "siem.related_alerts" => {
                let host = crate::param(req, "host").filter(|s| !s.is_empty());
                let user = crate::param(req, "user").filter(|s| !s.is_empty());
                if host.is_none() && user.is_none() {
                    return Err("`siem.related_alerts` needs `host` or `user`".into());
                }
                let t = time_param(ctx, req, "around")?;
                let w = window_param(req, Duration::from_secs(24 * 3600))?;
                let mut conds = Vec::new();
                if let Some(h) = host {
                    let h = spl_string(h)?;
                    for f in ["dest", "src", "host"] {
                        conds.push(format!("{f}=={h}"));
                    }
                }
                if let Some(u) = user {
                    let u = spl_string(u)?;
                    for f in ["user", "src_user"] {
                        conds.push(format!("{f}=={u}"));
                    }
                }
                Ok((
                    format!(
                        "search index={} | where {} | head {size}",
                        spl_string(&self.alerts_index)?,
                        conds.join(" OR ")
                    ),
                    Some(((t - w).timestamp(), (t + w).timestamp() + 1)),
                ))
            }
            other => Err(format!("`{other}` is not served by the splunk integration")),
        }
    }

    fn request(&self, spl: &str, bounds: Option<(i64, i64)>, size: u64) -> Req {
        let mut form = vec![
            ("search".to_owned(), spl.to_owned()),
            ("exec_mode".to_owned(), "oneshot".to_owned()),
            ("output_mode".to_owned(), "json".to_owned()),
            ("count".to_owned(), size.to_string()),
        ];
        if let Some((e, l)) = bounds {
            form.push(("earliest_time".to_owned(), e.to_string()));
            form.push(("latest_time".to_owned(), l.to_string()));
        }
        Req::post("/services/search/jobs").form(form).repeatable()
    }
}

/// Splunk's `messages[].text`, else the generic envelope.
fn splunk_messages(body: &Json) -> String {
    let m: Vec<String> = body
        .get("messages")
        .and_then(|m| m.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    let t = x.get("text")?.as_str()?;
                    Some(match x.get("type").and_then(|t| t.as_str()) {
                        Some(ty) => format!("{ty}: {t}"),
                        None => t.to_owned(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    if m.is_empty() {
        crate::http::vendor_message(body).unwrap_or_else(|| "no error detail".into())
    } else {
        m.join("; ")
    }
}

impl Integration for Splunk {
    fn name(&self) -> &str {
        &self.name
    }
    fn vendor(&self) -> &'static str {
        "splunk"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        &["siem.search", "siem.related_alerts"]
    }
    fn check_params(&self, capability: &str, params: &Json) -> Result<(), String> {
        if capability == "siem.search" && !matches!(params.get("query"), Some(Json::String(_))) {
            return Err("Splunk takes `query` as an SPL string".into());
        }
        if let Some(w) = params
            .get("window")
            .and_then(|w| w.as_str())
            .filter(|w| !w.contains("{{"))
        {
            playbooks::duration::parse(w).map_err(|e| format!("`window` {e}"))?;
        }
        Ok(())
    }
    fn render(&self, req: &CallRequest) -> Vec<Json> {
        let ctx = Ctx::detached(Arc::new(crate::NoLog));
        match self.spl_for(&ctx, req) {
            Ok((spl, b)) => vec![self.http.render(&self.request(&spl, b, self.size(req)))],
            Err(why) => vec![json!({
                "integration": self.name,
                "method": "POST",
                "url": format!("{}/services/search/jobs", self.http.base()),
                "form": format!("<built at run time: {why}>"),
            })],
        }
    }
    fn call<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let (spl, bounds) = match self.spl_for(ctx, req) {
                Ok(x) => x,
                Err(m) => {
                    return Outcome::Failed {
                        class: ErrorClass::Permanent,
                        message: format!("{}: {m}", self.name),
                    };
                }
            };
            let resp = match self
                .http
                .send(
                    ctx,
                    self.request(&spl, bounds, self.size(req)),
                    &[400, 401, 403],
                )
                .await
            {
                Ok(r) => r,
                Err(e) => return e.into(),
            };
            if resp.status >= 400 {
                let hint = match resp.status {
                    401 => " (check the token configured for this integration)",
                    403 => " (the token's role may not run this search)",
                    _ => "",
                };
                return Outcome::Failed {
                    class: ErrorClass::Permanent,
                    message: format!(
                        "{}: POST /services/search/jobs: HTTP {}: {}{hint}",
                        self.name,
                        resp.status,
                        splunk_messages(&resp.body)
                    ),
                };
            }
            let Some(results) = resp.body.get("results").and_then(|r| r.as_array()) else {
                return Outcome::Failed {
                    class: ErrorClass::Retryable,
                    message: format!("{}: the search answered without results", self.name),
                };
            };
            let hits: Vec<Json> = results
                .iter()
                .take(self.size(req) as usize)
                .cloned()
                .collect();
            Outcome::Ok {
                result: {
                    let mut r = json!({"count": hits.len(), "hits": hits});
                    crate::summary::summarise(&req.capability, &mut r);
                    r
                },
            }
        })
    }
    fn reconcile<'a>(&'a self, _ctx: &'a Ctx, _req: &'a CallRequest) -> BoxFuture<'a, Reconciled> {
        // Searches only read: repeating one cannot double an effect.
        Box::pin(async { Reconciled::Idempotent })
    }
}
