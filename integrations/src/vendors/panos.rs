//! PAN-OS (vendor `panos`): blocks addresses by registering them with a tag through the User-ID
//! XML API; a dynamic address group matching the tag, referenced by a deny rule, enforces it at
//! once and without a commit.
//!
//! ```yaml
//! integrations:
//!   paloalto:
//!     vendor: panos
//!     url: https://fw.example.org
//!     credentials: {api_key: {env: PANOS_API_KEY}}
//!     options: {tag: riposte-block, vsys: vsys1, default_ttl: 7d, allow_networks: [...], max_per_hour: 50}
//! ```
//!
//! The request is `POST /api/?type=user-id` with the key in the `X-PAN-KEY` header and a form
//! field `cmd` holding `<uid-message>…<register><entry ip="…" persistent="1"><tag><member
//! timeout="SECONDS">TAG</member></tag></entry></register>…` (`<unregister>` to remove; a
//! timeout is sent only when the call or `default_ttl` gives one). Every value is XML-escaped.
//! Addresses and CIDRs only: PAN-OS registers IPs, networks and ranges with tags, not names, so
//! domains and URLs belong on the `edl` vendor's lists.
//!
//! Registration is a set insert on the firewall ("already exists, ignore" is success), so
//! `reconcile` answers `Idempotent`.

use crate::config::{ConfigError, InstanceConfig};
use crate::guard::{Guard, Kind};
use crate::http::{Auth, HttpClient, Req};
use crate::vendors::BuildEnv;
use crate::{BoxFuture, Ctx, Integration, Reconciled};
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use serde_json::{Value as Json, json};
use std::sync::Arc;

pub struct PanOs {
    name: String,
    http: HttpClient,
    guard: Guard,
    tag: String,
    vsys: Option<String>,
}

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let url = cfg.url_or(instance, None)?;
    let key = cfg.secret(
        instance,
        "api_key",
        "a PAN-OS API key (type=keygen) of an admin allowed the User-ID API",
    )?;
    let tag = cfg.option_str("tag").unwrap_or("riposte-block").to_owned();
    if tag.trim().is_empty() || tag.len() > 127 {
        return Err(ConfigError::Invalid {
            instance: instance.into(),
            what: "options.tag".into(),
            why: "the tag must be 1 to 127 characters".into(),
        });
    }
    Ok(Arc::new(PanOs {
        name: instance.to_owned(),
        http: HttpClient::new(
            instance,
            &url,
            Auth::Header {
                name: "x-pan-key",
                prefix: "",
                value: key.clone(),
            },
            cfg.limits(instance)?,
            vec![key],
        ),
        guard: Guard::from_config(instance, cfg, env)?,
        tag,
        vsys: cfg.option_str("vsys").map(str::to_owned),
    }))
}

/// Escapes text for XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c => o.push(c),
        }
    }
    o
}

/// The value of attribute `name` in the first start tag `<tag …>` of `xml`.
fn attr(xml: &str, tag: &str, name: &str) -> Option<String> {
    let i = xml.find(&format!("<{tag}"))?;
    let head = &xml[i..i + xml[i..].find('>')?];
    let mut rest = head;
    while let Some(p) = rest.find(name) {
        let after = rest[p + name.len()..].trim_start();
        let boundary = p == 0 || rest.as_bytes()[p - 1].is_ascii_whitespace();
        if boundary && let Some(v) = after.strip_prefix('=') {
            let v = v.trim_start();
            let q = v.chars().next()?;
            if q == '"' || q == '\'' {
                let end = v[1..].find(q)?;
                return Some(v[1..1 + end].to_owned());
            }
        }
        rest = &rest[p + name.len()..];
    }
    None
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The human-readable messages of a PAN-OS response: `<msg>`/`<line>` text and `message="…"`.
fn messages(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find("message=") {
        let v = &rest[i + 8..];
        let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            rest = &rest[i + 8..];
            continue;
        };
        match v[1..].find(q) {
            Some(end) => {
                out.push(unescape(&v[1..1 + end]));
                rest = &v[end + 2..];
            }
            None => break,
        }
    }
    if out.is_empty() {
        // Plain text inside <msg> / <line>, tags stripped.
        for t in ["msg", "line"] {
            let open = format!("<{t}>");
            let close = format!("</{t}>");
            let mut r = xml;
            while let Some(i) = r.find(&open) {
                let a = &r[i + open.len()..];
                let Some(j) = a.find(&close) else { break };
                let text = strip_tags(&a[..j]);
                if !text.is_empty() && !out.contains(&text) {
                    out.push(text);
                }
                r = &a[j..];
            }
            if !out.is_empty() {
                break;
            }
        }
    }
    out
}

fn strip_tags(s: &str) -> String {
    let mut o = String::new();
    let mut inside = false;
    for c in s.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => o.push(c),
            _ => {}
        }
    }
    unescape(o.trim())
}

impl PanOs {
    fn cmd(&self, register: bool, ip: &str, timeout: Option<u64>) -> String {
        let ip = xml_escape(ip);
        let tag = xml_escape(&self.tag);
        if register {
            let t = match timeout {
                Some(s) => format!(" timeout=\"{}\"", xml_escape(&s.to_string())),
                None => String::new(),
            };
            format!(
                "<uid-message><version>2.0</version><type>update</type><payload><register><entry ip=\"{ip}\" persistent=\"1\"><tag><member{t}>{tag}</member></tag></entry></register></payload></uid-message>"
            )
        } else {
            format!(
                "<uid-message><version>2.0</version><type>update</type><payload><unregister><entry ip=\"{ip}\"><tag><member>{tag}</member></tag></entry></unregister></payload></uid-message>"
            )
        }
    }

    fn request(&self, cmd: String) -> Req {
        let mut form = vec![("cmd".to_owned(), cmd)];
        if let Some(v) = &self.vsys {
            form.push(("vsys".to_owned(), v.clone()));
        }
        // Registering a tag is a set operation: repeating it is harmless.
        Req::post("/api/")
            .query("type", "user-id")
            .form(form)
            .repeatable()
    }

    fn refuse_names(&self, kind: Kind) -> Result<(), Outcome> {
        match kind {
            Kind::Ip | Kind::Cidr => Ok(()),
            Kind::Domain | Kind::Url => Err(Outcome::Failed {
                class: ErrorClass::Permanent,
                message: format!(
                    "{}: PAN-OS dynamic address groups hold addresses, not {}s; use the edl vendor for domains and URLs (an External Dynamic List)",
                    self.name,
                    kind.as_str()
                ),
            }),
        }
    }

    async fn run(&self, ctx: &Ctx, req: &CallRequest) -> Result<Json, Outcome> {
        let add = req.capability == "blocklist.add";
        if let Some(k) = crate::param(req, "type").and_then(Kind::parse) {
            self.refuse_names(k)?;
        }
        let ind = self.guard.check_req(req)?;
        self.refuse_names(ind.kind)?;
        let timeout = if add {
            self.guard.ttl(req)?.map(|d| d.as_secs().max(1))
        } else {
            None
        };
        if add {
            self.guard.admit(req)?;
        }
        let path = "/api/?type=user-id";
        let resp = self
            .http
            .send(
                ctx,
                self.request(self.cmd(add, &ind.value, timeout)),
                &[400, 403],
            )
            .await
            .map_err(Outcome::from)?;
        let text = match &resp.body {
            Json::String(s) => s.clone(),
            other => other.to_string(),
        };
        let status = attr(&text, "response", "status");
        let code = attr(&text, "response", "code");
        let msgs = messages(&text);
        let fail = |class, what: String| Outcome::Failed {
            class,
            message: format!("{}: POST {path}: {what}", self.name),
        };
        if resp.status == 403
            || code.as_deref() == Some("403")
            || msgs.iter().any(|m| m.contains("Invalid Credential"))
        {
            return Err(fail(
                ErrorClass::Permanent,
                format!(
                    "HTTP {}: {} (check the API key configured for this integration)",
                    resp.status,
                    msgs.join("; ")
                ),
            ));
        }
        match status.as_deref() {
            Some("success") => {}
            Some("error") => {
                let benign = if add {
                    "already exists"
                } else {
                    "does not exist"
                };
                let all_benign = !msgs.is_empty() && msgs.iter().all(|m| m.contains(benign));
                if !all_benign {
                    let m = if msgs.is_empty() {
                        "no message".to_owned()
                    } else {
                        msgs.join("; ")
                    };
                    return Err(fail(
                        ErrorClass::Permanent,
                        format!("PAN-OS refused the update: {m}"),
                    ));
                }
            }
            _ => {
                return Err(fail(
                    ErrorClass::Retryable,
                    format!("HTTP {}: not a PAN-OS XML API response", resp.status),
                ));
            }
        }
        Ok(json!({
            "value": ind.value,
            "tag": self.tag,
            "registered": add,
            "timeout": timeout,
            "note": msgs.join("; "),
        }))
    }
}

impl Integration for PanOs {
    fn name(&self) -> &str {
        &self.name
    }
    fn vendor(&self) -> &'static str {
        "panos"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        &["blocklist.add", "blocklist.remove"]
    }
    fn check_params(&self, capability: &str, params: &Json) -> Result<(), String> {
        if let Some(k) = params
            .get("type")
            .and_then(|t| t.as_str())
            .and_then(Kind::parse)
            && matches!(k, Kind::Domain | Kind::Url)
        {
            return Err(format!(
                "PAN-OS tags addresses only; block {}s with the edl vendor",
                k.as_str()
            ));
        }
        self.guard.check_params(capability, params)
    }
    fn render(&self, req: &CallRequest) -> Vec<Json> {
        let add = req.capability == "blocklist.add";
        let kind = crate::param(req, "type").unwrap_or("");
        let raw = crate::param(req, "value").unwrap_or("");
        let value = self
            .guard
            .normalise(kind, raw)
            .map(|i| i.value)
            .unwrap_or_else(|_| raw.to_owned());
        let timeout = if add {
            self.guard
                .ttl(req)
                .ok()
                .flatten()
                .map(|d| d.as_secs().max(1))
        } else {
            None
        };
        vec![
            self.http
                .render(&self.request(self.cmd(add, &value, timeout))),
        ]
    }
    fn call<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            match self.run(ctx, req).await {
                Ok(result) => Outcome::Ok { result },
                Err(o) => o,
            }
        })
    }
    fn reconcile<'a>(&'a self, _ctx: &'a Ctx, _req: &'a CallRequest) -> BoxFuture<'a, Reconciled> {
        // Tag registration is a set operation on the firewall: registering again answers
        // "already exists, ignore", unregistering again "does not exist, ignore".
        Box::pin(async { Reconciled::Idempotent })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_parsing() {
        let ok = r#"<response status="success"><result><uid-response><version>2.0</version></uid-response></result></response>"#;
        assert_eq!(attr(ok, "response", "status").as_deref(), Some("success"));
        let denied = "<response status = 'error' code = '403'><result><msg>Invalid Credential</msg></result></response>";
        assert_eq!(attr(denied, "response", "status").as_deref(), Some("error"));
        assert_eq!(attr(denied, "response", "code").as_deref(), Some("403"));
        assert_eq!(messages(denied), vec!["Invalid Credential"]);
        let dup = r#"<response status="error"><msg><line><uid-response><payload><register><entry ip="1.2.3.4" message="tag a&amp;b already exists, ignore"/></register></payload></uid-response></line></msg></response>"#;
        assert_eq!(messages(dup), vec!["tag a&b already exists, ignore"]);
        assert_eq!(
            xml_escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
    }
}
