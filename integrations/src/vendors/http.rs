//! Generic HTTP (vendor `http`): `http.request` for anything without a dedicated integration.
//!
//! ```yaml
//! integrations:
//!   webhooks:
//!     vendor: http
//!     url: https://hooks.example.org          # optional: base for relative URLs
//!     options:
//!       allowed_hosts: [hooks.example.org, "*.api.example.net"]   # required
//!       env_allow: [HOOK_TOKEN]               # variables headers may reference
//!       honours_idempotency_key: false        # true when the target de-duplicates on it
//! ```
//!
//! - Only hosts in `allowed_hosts` are called (`*.example.net` covers subdomains, not the apex);
//!   the URL is parsed the way the HTTP client parses it, so `user@host` or backslash tricks
//!   cannot smuggle another host past the check. Anything else fails permanently.
//! - Header values may reference secrets as `${env:NAME}`, resolved at call time from riposte's
//!   environment — only for names listed in `options.env_allow`, so alert data rendered into a
//!   header cannot pull arbitrary variables. Resolved values are never rendered (`***`), logged
//!   or left in error messages.
//! - The body is JSON: a mapping, or a string holding JSON.
//! - Every request carries `Idempotency-Key: <the call's idempotency key>`.
//! - `read: true` marks a call that only reads: it runs in dry-run, is retried like any read
//!   and reconciles as `Idempotent`. Other calls are sent once (no automatic retry of a
//!   possibly-applied request) unless `honours_idempotency_key: true`; an unanswered or failed
//!   non-idempotent call is reported as needs-human, and `reconcile` answers `Unknown` — nobody
//!   can tell whether a generic call took effect.

use crate::config::{ConfigError, InstanceConfig};
use crate::http::{Auth, HttpClient, Req};
use crate::secret::Secret;
use crate::vendors::BuildEnv;
use crate::{BoxFuture, Ctx, Integration, Reconciled};
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use reqwest::Method;
use serde_json::{Value as Json, json};
use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex};

pub struct Generic {
    name: String,
    /// Retries per the configured limits: reads and idempotent calls.
    retrying: HttpClient,
    /// One attempt: calls that might apply twice.
    once: HttpClient,
    base: Option<String>,
    allowed: Vec<String>,
    env_allow: Vec<String>,
    honours: bool,
}

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    _env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let base = match &cfg.url {
        Some(_) => Some(cfg.url_or(instance, None)?),
        None => None,
    };
    let allowed: Vec<String> = cfg
        .option_strs("allowed_hosts")
        .into_iter()
        .map(|h| h.trim().trim_end_matches('.').to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect();
    if allowed.is_empty() {
        return Err(ConfigError::Missing {
            instance: instance.into(),
            what: "options.allowed_hosts".into(),
            why: "the hosts this integration may call, e.g. [hooks.example.org, \"*.api.example.net\"]".into(),
        });
    }
    if let Some(b) = &base {
        let h = host_of(b).map_err(|why| ConfigError::Invalid {
            instance: instance.into(),
            what: "url".into(),
            why,
        })?;
        if !host_allowed(&allowed, &h) {
            return Err(ConfigError::Invalid {
                instance: instance.into(),
                what: "url".into(),
                why: format!("host `{h}` is not in options.allowed_hosts"),
            });
        }
    }
    let honours = match cfg.options.get("honours_idempotency_key") {
        None => false,
        Some(Json::Bool(b)) => *b,
        Some(v) => {
            return Err(ConfigError::Invalid {
                instance: instance.into(),
                what: "options.honours_idempotency_key".into(),
                why: format!("`{v}` must be true or false"),
            });
        }
    };
    let limits = cfg.limits(instance)?;
    let mut once_limits = limits.clone();
    once_limits.attempts = 1;
    let base_url = base.clone().unwrap_or_default();
    Ok(Arc::new(Generic {
        name: instance.to_owned(),
        retrying: HttpClient::new(instance, &base_url, Auth::None, limits, Vec::new()),
        once: HttpClient::new(instance, &base_url, Auth::None, once_limits, Vec::new()),
        base,
        allowed,
        env_allow: cfg.option_strs("env_allow"),
        honours,
    }))
}

/// The host of an absolute http(s) URL, as the HTTP client will resolve it.
fn host_of(url: &str) -> Result<String, String> {
    let u = reqwest::Url::parse(url).map_err(|e| format!("`{url}` is not a valid URL ({e})"))?;
    if u.scheme() != "http" && u.scheme() != "https" {
        return Err(format!("`{url}`: only http and https URLs are allowed"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(format!(
            "`{url}` carries credentials; put them in a header from ${{env:…}}"
        ));
    }
    let h = u.host_str().ok_or_else(|| format!("`{url}` has no host"))?;
    Ok(h.trim_end_matches('.')
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase())
}

fn host_allowed(allowed: &[String], host: &str) -> bool {
    allowed.iter().any(|a| match a.strip_prefix("*.") {
        Some(parent) => host.ends_with(&format!(".{parent}")),
        None => a.trim_start_matches('[').trim_end_matches(']') == host,
    })
}

/// Header names are `&'static str` in the shared client: names are interned, at most 256
/// distinct ones per process (header names come from playbooks, so the set is small).
static NAMES: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

fn intern(name: &str) -> Result<&'static str, String> {
    let lower = name.to_ascii_lowercase();
    let mut set = NAMES.lock().expect("header names");
    if let Some(n) = set.get(lower.as_str()) {
        return Ok(n);
    }
    if set.len() >= 256 {
        return Err("too many distinct header names (256) used through generic HTTP".into());
    }
    let leaked: &'static str = Box::leak(lower.into_boxed_str());
    set.insert(leaked);
    Ok(leaked)
}

const FORBIDDEN_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "te",
    "upgrade",
    "idempotency-key",
];

fn check_header_name(n: &str) -> Result<(), String> {
    let token = !n.is_empty()
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !token {
        return Err(format!("`{}` is not a valid header name", n.escape_debug()));
    }
    if FORBIDDEN_HEADERS.contains(&n.to_ascii_lowercase().as_str()) {
        return Err(format!(
            "header `{n}` is set by riposte or the HTTP client and cannot be given"
        ));
    }
    Ok(())
}

/// The `${env:NAME}` references in a header value, as (start, end, name).
fn env_refs(v: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = v[from..].find("${env:") {
        let start = from + i;
        let Some(close) = v[start..].find('}') else {
            break;
        };
        let name = &v[start + 6..start + close];
        out.push((start, start + close + 1, name.to_owned()));
        from = start + close + 1;
    }
    out
}

struct Built {
    req: Req,
    /// Values resolved from the environment, to scrub from errors.
    secrets: Vec<Secret>,
}

impl Generic {
    fn url(&self, raw: &str) -> Result<String, String> {
        let full = if raw.starts_with("http://") || raw.starts_with("https://") {
            raw.to_owned()
        } else if let (Some(b), true) = (&self.base, raw.starts_with('/')) {
            format!("{b}{raw}")
        } else {
            return Err(format!(
                "`{raw}` is not an absolute http(s) URL{}",
                if self.base.is_some() {
                    " or a path starting with /"
                } else {
                    ""
                }
            ));
        };
        let host = host_of(&full)?;
        if !host_allowed(&self.allowed, &host) {
            return Err(format!(
                "host `{host}` is not in options.allowed_hosts ({})",
                self.allowed.join(", ")
            ));
        }
        Ok(full)
    }

    fn body(req: &CallRequest) -> Result<Option<Json>, String> {
        match req.params.get("body") {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => serde_json::from_str(s)
                .map(Some)
                .map_err(|e| format!("`body` is a string but not JSON ({e})")),
            Some(v) => Ok(Some(v.clone())),
        }
    }

    /// The request; `resolve` reads `${env:…}` values (for sending) or masks them (for showing).
    fn build_req(&self, req: &CallRequest, resolve: bool) -> Result<Built, String> {
        let method = crate::param(req, "method")
            .unwrap_or("GET")
            .to_ascii_uppercase();
        if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method.as_str()) {
            return Err(format!("method `{method}` is not allowed"));
        }
        let url = self.url(crate::param(req, "url").unwrap_or(""))?;
        let mut r = Req::new(
            Method::from_bytes(method.as_bytes()).expect("known method"),
            url,
        );
        let mut secrets = Vec::new();
        if let Some(h) = req.params.get("headers") {
            let h = h
                .as_object()
                .ok_or("`headers` must be a mapping of names to values")?;
            for (k, v) in h {
                check_header_name(k)?;
                let v = match v {
                    Json::String(s) => s.clone(),
                    Json::Number(_) | Json::Bool(_) => v.to_string(),
                    _ => return Err(format!("header `{k}` must be a string")),
                };
                let mut out = String::new();
                let mut last = 0;
                for (s, e, name) in env_refs(&v) {
                    out.push_str(&v[last..s]);
                    if !self.env_allow.iter().any(|a| a == &name) {
                        return Err(format!(
                            "header `{k}` references ${{env:{name}}}, which is not listed in options.env_allow"
                        ));
                    }
                    if resolve {
                        let val = std::env::var(&name).map_err(|_| {
                            format!("header `{k}` references ${{env:{name}}}, which is not set in riposte's environment")
                        })?;
                        secrets.push(Secret::new(val.clone()));
                        out.push_str(&val);
                    } else {
                        out.push_str("***");
                    }
                    last = e;
                }
                out.push_str(&v[last..]);
                if out.chars().any(|c| c.is_control()) {
                    return Err(format!("header `{k}` contains control characters"));
                }
                r = r.header(intern(k)?, out);
            }
        }
        r = r.header("idempotency-key", req.idempotency_key.clone());
        if let Some(b) = Self::body(req)? {
            r = r.json(b);
        }
        Ok(Built { req: r, secrets })
    }

    fn is_read(req: &CallRequest) -> bool {
        req.params.get("read").and_then(|r| r.as_bool()) == Some(true)
    }
}

fn scrub(secrets: &[Secret], s: &str) -> String {
    secrets.iter().fold(s.to_owned(), |acc, x| x.scrub(&acc))
}

impl Integration for Generic {
    fn name(&self) -> &str {
        &self.name
    }
    fn vendor(&self) -> &'static str {
        "http"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        &["http.request"]
    }
    fn check_params(&self, _capability: &str, params: &Json) -> Result<(), String> {
        if let Some(u) = params.get("url").and_then(|u| u.as_str())
            && !u.contains("{{")
        {
            self.url(u)?;
        }
        if let Some(h) = params.get("headers").and_then(|h| h.as_object()) {
            for (k, v) in h {
                check_header_name(k)?;
                for (_, _, name) in env_refs(v.as_str().unwrap_or("")) {
                    if !self.env_allow.iter().any(|a| a == &name) {
                        return Err(format!(
                            "header `{k}` references ${{env:{name}}}, not listed in options.env_allow"
                        ));
                    }
                }
            }
        }
        Ok(())
    }
    fn render(&self, req: &CallRequest) -> Vec<Json> {
        match self.build_req(req, false) {
            Ok(b) => {
                let mut o = self.retrying.render(&b.req);
                o["headers"] = Json::Object(
                    b.req
                        .headers
                        .iter()
                        .map(|(k, v)| (k.to_string(), Json::String(v.clone())))
                        .collect(),
                );
                vec![o]
            }
            Err(why) => vec![json!({"integration": self.name, "refused": why})],
        }
    }
    fn call<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let built = match self.build_req(req, true) {
                Ok(b) => b,
                Err(m) => {
                    return Outcome::Failed {
                        class: ErrorClass::Permanent,
                        message: format!("{}: {m}", self.name),
                    };
                }
            };
            let safe = Self::is_read(req) || self.honours;
            let client = if safe { &self.retrying } else { &self.once };
            let r = if safe {
                built.req.repeatable()
            } else {
                built.req
            };
            match client.send(ctx, r, &[]).await {
                Ok(resp) => {
                    let body = match resp.body {
                        Json::String(s) if s.len() > 65_536 => {
                            let mut end = 65_536;
                            while !s.is_char_boundary(end) {
                                end -= 1;
                            }
                            Json::String(format!("{}…", &s[..end]))
                        }
                        b => b,
                    };
                    Outcome::Ok {
                        result: json!({"status": resp.status, "body": body}),
                    }
                }
                Err(e) => {
                    let message = scrub(&built.secrets, &e.to_string());
                    let class =
                        if e.class == ErrorClass::Retryable && !safe && e.status != Some(429) {
                            // Possibly applied (no answer, or a server error after receiving it).
                            ErrorClass::NeedsHuman
                        } else {
                            e.class
                        };
                    let message = if class == ErrorClass::NeedsHuman
                        && e.class == ErrorClass::Retryable
                    {
                        format!(
                            "{message}; the request may have taken effect and is not repeated automatically (set options.honours_idempotency_key if the target de-duplicates on Idempotency-Key)"
                        )
                    } else {
                        message
                    };
                    Outcome::Failed { class, message }
                }
            }
        })
    }
    fn reconcile<'a>(&'a self, _ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Reconciled> {
        Box::pin(async move {
            if Self::is_read(req) {
                // A read has no effect to double.
                Reconciled::Idempotent
            } else if self.honours {
                // Every request carries Idempotency-Key and the target is configured as honouring it.
                Reconciled::Idempotent
            } else {
                Reconciled::Unknown(format!(
                    "generic HTTP calls cannot be reconciled: whether the {} {} took effect is only known to the target; check it, or set options.honours_idempotency_key: true on `{}` if it de-duplicates on the Idempotency-Key header",
                    crate::param(req, "method").unwrap_or("request"),
                    crate::param(req, "url").unwrap_or(""),
                    self.name
                ))
            }
        })
    }
}
