//! PAN-OS XML API emulator, User-ID part: `POST /api/?type=user-id` with a `cmd` form field
//! holding a `<uid-message>` that registers or unregisters IP → tag mappings (the members of
//! dynamic address groups). The key comes as the `X-PAN-KEY` header (or a `key` parameter); a
//! wrong key answers HTTP 403 `<response status = 'error' code = '403'>…Invalid Credential…`.
//!
//! Registering a tag an address already has, or unregistering one it does not have, answers
//! `status="error"` with a per-entry message ("… already exists, ignore" / "… does not exist,
//! ignore"), as PAN-OS does. Values in the XML are entity-decoded before they are stored, so
//! tests can check that escaped values arrive intact.

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

#[derive(Default)]
pub struct PanOs {
    pub api_key: String,
    /// Address → tag → timeout attribute (None when absent).
    pub registered: Mutex<BTreeMap<String, BTreeMap<String, Option<String>>>>,
    /// Every `cmd` received, raw.
    pub commands: Mutex<Vec<String>>,
}

impl PanOs {
    pub fn new(api_key: &str) -> Arc<PanOs> {
        Arc::new(PanOs {
            api_key: api_key.to_owned(),
            ..Default::default()
        })
    }
    pub fn tags(&self, ip: &str) -> Vec<String> {
        self.registered
            .lock()
            .expect("registered")
            .get(ip)
            .map(|t| t.keys().cloned().collect())
            .unwrap_or_default()
    }
}

pub fn router(state: Arc<PanOs>) -> Router {
    Router::new()
        .route("/api/", axum::routing::post(api))
        .with_state(state)
}

fn xml(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

fn form_fields(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (crate::decode(k), crate::decode(v)))
        .collect()
}

/// Decodes the five predefined XML entities and numeric references.
pub fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(end) = tail.find(';') else {
            out.push_str(tail);
            return out;
        };
        let ent = &tail[1..end];
        let c = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => ent
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => out.push(c),
            None => out.push_str(&tail[..=end]),
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The attributes of a start tag's inside (`entry ip="1.2.3.4" persistent="1"`).
fn attrs(tag: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut rest = tag;
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq]
            .split_whitespace()
            .last()
            .unwrap_or("")
            .to_owned();
        let after = rest[eq + 1..].trim_start();
        let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let Some(close) = after[1..].find(q) else {
            break;
        };
        out.insert(name, unescape(&after[1..1 + close]));
        rest = &after[close + 2..];
    }
    out
}

struct Entry {
    ip: String,
    /// (tag, timeout)
    members: Vec<(String, Option<String>)>,
}

fn entries(section: &str) -> Result<Vec<Entry>, String> {
    let mut out = Vec::new();
    let mut rest = section;
    while let Some(i) = rest.find("<entry") {
        let after = &rest[i + 6..];
        let gt = after.find('>').ok_or("unterminated <entry>")?;
        let a = attrs(after[..gt].trim_end_matches('/'));
        let ip = a.get("ip").cloned().ok_or("entry without ip")?;
        let body_end = after.find("</entry>").ok_or("missing </entry>")?;
        let body = &after[gt + 1..body_end];
        let mut members = Vec::new();
        let mut m = body;
        while let Some(j) = m.find("<member") {
            let after_m = &m[j + 7..];
            let gt = after_m.find('>').ok_or("unterminated <member>")?;
            let ma = attrs(&after_m[..gt]);
            let close = after_m.find("</member>").ok_or("missing </member>")?;
            members.push((
                unescape(&after_m[gt + 1..close]),
                ma.get("timeout").cloned(),
            ));
            m = &after_m[close + 9..];
        }
        out.push(Entry { ip, members });
        rest = &after[body_end + 8..];
    }
    Ok(out)
}

fn section<'a>(cmd: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let i = cmd.find(&open)?;
    let j = cmd[i..].find(&close)?;
    Some(&cmd[i + open.len()..i + j])
}

fn valid_ip(ip: &str) -> bool {
    match ip.split_once('/') {
        Some((a, p)) => {
            a.parse::<std::net::IpAddr>().is_ok()
                && p.parse::<u8>()
                    .is_ok_and(|p| p <= if a.contains(':') { 128 } else { 32 })
        }
        None => ip.parse::<std::net::IpAddr>().is_ok(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn api(
    State(st): State<Arc<PanOs>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let form = form_fields(&body);
    let key = headers
        .get("x-pan-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| form.get("key").cloned())
        .or_else(|| q.get("key").cloned());
    if key.as_deref() != Some(st.api_key.as_str()) {
        return xml(
            StatusCode::FORBIDDEN,
            "<response status = 'error' code = '403'><result><msg>Invalid Credential</msg></result></response>".into(),
        );
    }
    let ty = q
        .get("type")
        .or_else(|| form.get("type"))
        .cloned()
        .unwrap_or_default();
    if ty != "user-id" {
        return xml(
            StatusCode::OK,
            format!(
                "<response status=\"error\" code=\"400\"><result><msg>Unsupported type {}</msg></result></response>",
                escape(&ty)
            ),
        );
    }
    let Some(cmd) = form.get("cmd").or_else(|| q.get("cmd")).cloned() else {
        return xml(
            StatusCode::OK,
            "<response status=\"error\"><msg><line>cmd is missing</line></msg></response>".into(),
        );
    };
    st.commands.lock().expect("commands").push(cmd.clone());
    if !cmd.contains("<uid-message>") || section(&cmd, "payload").is_none() {
        return xml(
            StatusCode::OK,
            "<response status=\"error\"><msg><line>Invalid uid-message: payload missing</line></msg></response>".into(),
        );
    }
    let mut notes: Vec<(String, String, String)> = Vec::new(); // (op, ip, message)
    let mut reg = st.registered.lock().expect("registered");
    for op in ["register", "unregister"] {
        let Some(sec) = section(&cmd, op) else {
            continue;
        };
        let es = match entries(sec) {
            Ok(e) => e,
            Err(e) => {
                return xml(
                    StatusCode::OK,
                    format!(
                        "<response status=\"error\"><msg><line>{}</line></msg></response>",
                        escape(&e)
                    ),
                );
            }
        };
        for e in es {
            if !valid_ip(&e.ip) {
                notes.push((op.into(), e.ip.clone(), format!("ip {} is invalid", e.ip)));
                continue;
            }
            for (tag, timeout) in e.members {
                if op == "register" {
                    let tags = reg.entry(e.ip.clone()).or_default();
                    if tags.contains_key(&tag) {
                        notes.push((
                            op.into(),
                            e.ip.clone(),
                            format!("tag {tag} already exists, ignore"),
                        ));
                    }
                    tags.insert(tag, timeout);
                } else {
                    let gone = reg.get_mut(&e.ip).and_then(|t| t.remove(&tag));
                    if gone.is_none() {
                        notes.push((
                            op.into(),
                            e.ip.clone(),
                            format!("tag {tag} does not exist, ignore"),
                        ));
                    }
                    if reg.get(&e.ip).is_some_and(|t| t.is_empty()) {
                        reg.remove(&e.ip);
                    }
                }
            }
        }
    }
    if notes.is_empty() {
        return xml(StatusCode::OK, "<response status=\"success\"><result><uid-response><version>2.0</version><payload/></uid-response></result></response>".into());
    }
    let mut payload = String::new();
    for (op, ip, m) in notes {
        payload.push_str(&format!(
            "<{op}><entry ip=\"{}\" message=\"{}\"/></{op}>",
            escape(&ip),
            escape(&m)
        ));
    }
    xml(
        StatusCode::OK,
        format!(
            "<response status=\"error\"><msg><line><uid-response><version>2.0</version><payload>{payload}</payload></uid-response></line></msg></response>"
        ),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn xml_entities_decode() {
        assert_eq!(
            super::unescape("a&amp;b&lt;c&gt;&quot;&apos;&#65;&#x42;&bogus;"),
            "a&b<c>\"'AB&bogus;"
        );
        let a = super::attrs(r#"entry ip = "1.2.3.4" persistent='1'"#);
        assert_eq!(a["ip"], "1.2.3.4");
        assert_eq!(a["persistent"], "1");
    }
}
