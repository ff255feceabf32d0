//! VirusTotal API v3: `intel.lookup` for file hashes, IPs, domains and URLs.
//!
//! ```yaml
//! integrations:
//!   vt:
//!     vendor: virustotal
//!     # url defaults to https://www.virustotal.com
//!     credentials: {api_key: {env: VT_API_KEY}}      # sent as `x-apikey`
//!     options: {malicious_threshold: 1}             # engines flagging malicious for `malicious`
//! ```
//!
//! - `GET /api/v3/files/{md5|sha1|sha256}`, `/api/v3/ip_addresses/{ip}`, `/api/v3/domains/{d}`,
//!   `/api/v3/urls/{id}` where the URL id is the unpadded base64url of the URL.
//! - Result: `{verdict: malicious|suspicious|harmless|unknown, malicious, suspicious, harmless,
//!   undetected, link}` from `data.attributes.last_analysis_stats`. A 404 (`NotFoundError`:
//!   VirusTotal has never seen it) is an answer, not an error: verdict `unknown`.
//! - Errors: `{"error":{"code","message"}}`; 429 (`QuotaExceededError`) is retried with backoff
//!   and then reported retryable; 401 (`WrongCredentialsError`) is permanent.
//! - Read-only: reconcile answers [`Reconciled::Idempotent`] — a lookup has no side effect, so
//!   repeating an interrupted one is always safe.

use crate::config::{ConfigError, InstanceConfig};
use crate::http::{Auth, HttpClient, Req, enc};
use crate::vendors::BuildEnv;
use crate::{BoxFuture, Ctx, Integration, Reconciled, required};
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use serde_json::{Value as Json, json};
use std::sync::Arc;

const CAPS: &[&str] = &["intel.lookup"];
const GUI: &str = "https://www.virustotal.com/gui";

pub struct VirusTotal {
    http: HttpClient,
    threshold: u64,
}

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    _env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let url = cfg.url_or(instance, Some("https://www.virustotal.com"))?;
    let key = cfg.secret(instance, "api_key", "a VirusTotal API key")?;
    let threshold = match cfg.options.get("malicious_threshold") {
        None => 1,
        Some(v) => v
            .as_u64()
            .filter(|n| *n >= 1)
            .ok_or_else(|| ConfigError::Invalid {
                instance: instance.into(),
                what: "options.malicious_threshold".into(),
                why: "must be a whole number of engines, at least 1".into(),
            })?,
    };
    let auth = Auth::Header {
        name: "x-apikey",
        prefix: "",
        value: key.clone(),
    };
    Ok(Arc::new(VirusTotal {
        http: HttpClient::new(instance, &url, auth, cfg.limits(instance)?, vec![key]),
        threshold,
    }))
}

/// Unpadded base64url (RFC 4648 §5), VirusTotal's URL identifier.
pub fn base64url(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        if chunk.len() > 1 {
            out.push(T[(n >> 6) as usize & 63] as char);
        }
        if chunk.len() > 2 {
            out.push(T[n as usize & 63] as char);
        }
    }
    out
}

/// Checks an indicator and returns (API collection, id, GUI kind).
pub fn target(kind: &str, value: &str) -> Result<(&'static str, String, &'static str), String> {
    let v = value.trim();
    match kind {
        "hash" => {
            if matches!(v.len(), 32 | 40 | 64) && v.chars().all(|c| c.is_ascii_hexdigit()) {
                Ok(("files", v.to_ascii_lowercase(), "file"))
            } else {
                Err(format!("`{v}` is not an MD5, SHA-1 or SHA-256 hex digest"))
            }
        }
        "ip" => v
            .parse::<std::net::IpAddr>()
            .map(|ip| ("ip_addresses", ip.to_string(), "ip-address"))
            .map_err(|_| format!("`{v}` is not an IP address")),
        "domain" => {
            let d = v.trim_end_matches('.').to_ascii_lowercase();
            let ok = !d.is_empty()
                && d.len() <= 253
                && d.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && l.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                });
            if ok {
                Ok(("domains", d, "domain"))
            } else {
                Err(format!("`{v}` is not a domain name"))
            }
        }
        "url" => {
            if v.is_empty() || v.chars().any(char::is_whitespace) {
                Err(format!("`{v}` is not a URL"))
            } else {
                Ok(("urls", base64url(v.as_bytes()), "url"))
            }
        }
        other => Err(format!(
            "unknown indicator type `{other}`; use hash, ip, domain or url"
        )),
    }
}

fn count(stats: &Json, k: &str) -> u64 {
    stats.get(k).and_then(|v| v.as_u64()).unwrap_or(0)
}

impl VirusTotal {
    fn verdict(&self, stats: &Json) -> &'static str {
        let (m, s, h) = (
            count(stats, "malicious"),
            count(stats, "suspicious"),
            count(stats, "harmless"),
        );
        if m >= self.threshold {
            "malicious"
        } else if m > 0 || s > 0 {
            "suspicious"
        } else if h > 0 {
            "harmless"
        } else {
            "unknown"
        }
    }

    async fn lookup(&self, ctx: &Ctx, req: &CallRequest) -> Outcome {
        let (kind, value) = match (required(req, "type"), required(req, "value")) {
            (Ok(k), Ok(v)) => (k, v),
            (Err(o), _) | (_, Err(o)) => return o,
        };
        let (coll, id, gui) = match target(kind, value) {
            Ok(t) => t,
            Err(why) => {
                return Outcome::Failed {
                    class: ErrorClass::Permanent,
                    message: format!("{}: {why}", self.http.name()),
                };
            }
        };
        let r = Req::get(format!("/api/v3/{coll}/{}", enc(&id)));
        match self.http.send(ctx, r, &[404]).await {
            Ok(resp) if resp.status == 404 => Outcome::Ok {
                result: json!({
                    "verdict": "unknown", "malicious": 0, "suspicious": 0, "harmless": 0, "undetected": 0,
                    "found": false, "type": kind, "value": value,
                    "link": format!("{GUI}/search/{}", enc(value)),
                }),
            },
            Ok(resp) => {
                let data = resp.body.get("data").cloned().unwrap_or(Json::Null);
                let stats = data
                    .pointer("/attributes/last_analysis_stats")
                    .cloned()
                    .unwrap_or(Json::Null);
                // For URLs the GUI wants VirusTotal's own id (a SHA-256), which the answer carries.
                let gui_id = data
                    .get("id")
                    .and_then(|i| i.as_str())
                    .map(str::to_owned)
                    .unwrap_or(id);
                let mut result = json!({
                    "verdict": self.verdict(&stats),
                    "malicious": count(&stats, "malicious"),
                    "suspicious": count(&stats, "suspicious"),
                    "harmless": count(&stats, "harmless"),
                    "undetected": count(&stats, "undetected"),
                    "found": true, "type": kind, "value": value,
                    "link": format!("{GUI}/{gui}/{}", enc(&gui_id)),
                });
                if let Some(rep) = data.pointer("/attributes/reputation") {
                    result["reputation"] = rep.clone();
                }
                Outcome::Ok { result }
            }
            Err(e) => e.into(),
        }
    }
}

impl Integration for VirusTotal {
    fn name(&self) -> &str {
        self.http.name()
    }
    fn vendor(&self) -> &'static str {
        "virustotal"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        CAPS
    }

    fn check_params(&self, _capability: &str, params: &Json) -> Result<(), String> {
        match (
            params.get("type").and_then(|t| t.as_str()),
            params.get("value").and_then(|v| v.as_str()),
        ) {
            // Templated values (`{{ … }}`) are checked at call time.
            (Some(t), Some(v)) if !v.contains("{{") => target(t, v).map(|_| ()),
            _ => Ok(()),
        }
    }

    fn render(&self, req: &CallRequest) -> Vec<Json> {
        let path = match (crate::param(req, "type"), crate::param(req, "value")) {
            (Some(t), Some(v)) => match target(t, v) {
                Ok((coll, id, _)) => format!("/api/v3/{coll}/{}", enc(&id)),
                Err(_) => "/api/v3/<collection>/<indicator>".to_owned(),
            },
            _ => "/api/v3/<collection>/<indicator>".to_owned(),
        };
        vec![self.http.render(&Req::get(path))]
    }

    fn call<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            if req.capability != "intel.lookup" {
                return super::ticket_util::unsupported(self.http.name(), &req.capability);
            }
            self.lookup(ctx, req).await
        })
    }

    /// Lookups only read: sending one again is always safe.
    fn reconcile<'a>(&'a self, _ctx: &'a Ctx, _req: &'a CallRequest) -> BoxFuture<'a, Reconciled> {
        Box::pin(async { Reconciled::Idempotent })
    }
}
