//! CrowdStrike Falcon Hosts API: OAuth2 token, device query (FQL `hostname:'…'`), device
//! entities, containment actions. Containment is asynchronous as in Falcon: an action sets
//! `containment_pending` / `lift_containment_pending`, and the next read of the device finds it
//! `contained` / `normal`.
//!
//! Shapes follow the Falcon envelope `{"meta":{…},"resources":[…],"errors":[…]}` and its errors
//! `errors:[{code,message}]` (Kibana's Falcon emulator, falconpy). The token endpoint answers 201
//! as the research notes say [unverified]; Riposte accepts any 2xx there.

use crate::{bearer, error};
use axum::Router;
use axum::extract::{Query, State as St};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value as Json, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// One host as Falcon stores it.
#[derive(Clone, Debug)]
pub struct Device {
    pub device_id: String,
    pub hostname: String,
    /// `normal | containment_pending | contained | lift_containment_pending`
    pub status: String,
    pub platform_name: String,
}

/// The emulator's state: API client credentials, issued tokens, devices.
pub struct State {
    pub client_id: String,
    pub client_secret: String,
    tokens: Mutex<Vec<String>>,
    devices: Mutex<Vec<Device>>,
}

impl State {
    pub fn new(client_id: &str, client_secret: &str) -> Arc<State> {
        Arc::new(State {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            tokens: Mutex::new(Vec::new()),
            devices: Mutex::new(Vec::new()),
        })
    }

    /// Adds a device with the given status.
    pub fn add_device(&self, device_id: &str, hostname: &str, status: &str) {
        self.devices.lock().expect("devices").push(Device {
            device_id: device_id.into(),
            hostname: hostname.into(),
            status: status.into(),
            platform_name: "Windows".into(),
        });
    }

    /// The current status of a device (without advancing it).
    pub fn status(&self, device_id: &str) -> Option<String> {
        self.devices
            .lock()
            .expect("devices")
            .iter()
            .find(|d| d.device_id == device_id)
            .map(|d| d.status.clone())
    }

    /// How many devices have this status (e.g. `contained`).
    pub fn count_status(&self, status: &str) -> usize {
        self.devices
            .lock()
            .expect("devices")
            .iter()
            .filter(|d| d.status == status)
            .count()
    }

    /// How many tokens were issued.
    pub fn tokens_issued(&self) -> usize {
        self.tokens.lock().expect("tokens").len()
    }
}

fn meta() -> Json {
    json!({"query_time": 0.001, "powered_by": "riposte-emulator", "trace_id": "00000000-0000-0000-0000-000000000000"})
}

fn fail(status: u16, message: &str) -> Response {
    error(
        status,
        json!({"meta": meta(), "resources": [], "errors": [{"code": status, "message": message}]}),
    )
}

fn ok(status: u16, resources: Json) -> Response {
    error(
        status,
        json!({"meta": meta(), "resources": resources, "errors": []}),
    )
}

fn authorized(st: &State, h: &HeaderMap) -> bool {
    bearer(h).is_some_and(|t| st.tokens.lock().expect("tokens").iter().any(|x| x == t))
}

async fn token(St(st): St<Arc<State>>, body: String) -> Response {
    let form: HashMap<String, String> = url_form(&body);
    if form.get("client_id") != Some(&st.client_id)
        || form.get("client_secret") != Some(&st.client_secret)
    {
        return fail(401, "access denied, invalid client credentials");
    }
    let mut t = st.tokens.lock().expect("tokens");
    let tok = format!("falcon-token-{}", t.len() + 1);
    t.push(tok.clone());
    error(
        201,
        json!({"access_token": tok, "token_type": "bearer", "expires_in": 1799}),
    )
}

/// Parses an `application/x-www-form-urlencoded` body.
pub(crate) fn url_form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (crate::decode(k), crate::decode(v))
        })
        .collect()
}

/// Parses the one FQL form the emulator supports, `hostname:'<literal>'`, where the literal
/// escapes `\` and `'` with a backslash. Anything else (an unescaped quote ending the literal
/// early and adding terms, say) is a 400, as Falcon refuses a filter it cannot parse.
pub fn parse_hostname_filter(f: &str) -> Option<String> {
    let rest = f.trim().strip_prefix("hostname:'")?;
    let mut out = String::new();
    let mut chars = rest.chars();
    loop {
        match chars.next()? {
            '\\' => out.push(chars.next()?),
            '\'' => break,
            c => out.push(c),
        }
    }
    chars.as_str().trim().is_empty().then_some(out)
}

async fn query_devices(
    St(st): St<Arc<State>>,
    h: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    if !authorized(&st, &h) {
        return fail(401, "access denied, invalid bearer token");
    }
    let filter = q
        .iter()
        .find(|(k, _)| k == "filter")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let Some(name) = parse_hostname_filter(filter) else {
        return fail(400, &format!("Invalid filter expression: {filter}"));
    };
    let ids: Vec<String> = st
        .devices
        .lock()
        .expect("devices")
        .iter()
        .filter(|d| d.hostname.eq_ignore_ascii_case(&name))
        .map(|d| d.device_id.clone())
        .collect();
    let mut m = meta();
    m["pagination"] = json!({"offset": 0, "limit": 100, "total": ids.len()});
    error(200, json!({"meta": m, "resources": ids, "errors": []}))
}

async fn get_devices(
    St(st): St<Arc<State>>,
    h: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    if !authorized(&st, &h) {
        return fail(401, "access denied, invalid bearer token");
    }
    let ids: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k == "ids")
        .flat_map(|(_, v)| v.split(','))
        .collect();
    let mut devs = st.devices.lock().expect("devices");
    let mut out = Vec::new();
    for d in devs
        .iter_mut()
        .filter(|d| ids.contains(&d.device_id.as_str()))
    {
        // Time passes between reads: a pending action completes.
        d.status = match d.status.as_str() {
            "containment_pending" => "contained".into(),
            "lift_containment_pending" => "normal".into(),
            s => s.into(),
        };
        out.push(json!({
            "device_id": d.device_id,
            "hostname": d.hostname,
            "status": d.status,
            "platform_name": d.platform_name,
            "os_version": "Windows 11",
            "local_ip": "10.0.0.10",
            "last_seen": "2024-05-01T12:00:00Z",
        }));
    }
    if out.is_empty() {
        return fail(
            404,
            &format!("No matching device found for ID {}", ids.join(",")),
        );
    }
    ok(200, Json::Array(out))
}

async fn device_action(
    St(st): St<Arc<State>>,
    h: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
    body: String,
) -> Response {
    if !authorized(&st, &h) {
        return fail(401, "access denied, invalid bearer token");
    }
    let action = q
        .iter()
        .find(|(k, _)| k == "action_name")
        .map(|(_, v)| v.as_str());
    let (from_ok, to): (&[&str], &str) = match action {
        Some("contain") => (&["normal"], "containment_pending"),
        Some("lift_containment") => (&["contained"], "lift_containment_pending"),
        _ => {
            return fail(
                400,
                "Provided data does not match expected 'Action Parameter' format",
            );
        }
    };
    let body: Json = serde_json::from_str(&body).unwrap_or(Json::Null);
    let Some(ids) = body
        .get("ids")
        .and_then(|i| i.as_array())
        .filter(|i| !i.is_empty())
    else {
        return fail(400, "Provided data does not match expected 'ids' format");
    };
    let mut devs = st.devices.lock().expect("devices");
    let mut res = Vec::new();
    for id in ids {
        let id = id.as_str().unwrap_or_default();
        let Some(d) = devs.iter_mut().find(|d| d.device_id == id) else {
            return fail(404, &format!("No matching device found for ID {id}"));
        };
        if !from_ok.contains(&d.status.as_str()) {
            // Emulator strictness (Falcon's answer here is undocumented): an action on a host
            // already in (or moving to) that state is refused, so a client that posts it twice
            // is caught.
            return fail(409, &format!("device {id} is {}", d.status));
        }
        d.status = to.into();
        res.push(json!({"id": id, "path": ""}));
    }
    ok(202, Json::Array(res))
}

pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/oauth2/token", post(token))
        .route("/devices/queries/devices/v1", get(query_devices))
        .route("/devices/entities/devices/v2", get(get_devices))
        .route("/devices/entities/devices-actions/v2", post(device_action))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    #[test]
    fn fql_filter_parsing() {
        assert_eq!(
            super::parse_hostname_filter("hostname:'WS-01'").as_deref(),
            Some("WS-01")
        );
        assert_eq!(
            super::parse_hostname_filter(r"hostname:'a\'b'").as_deref(),
            Some("a'b")
        );
        assert_eq!(
            super::parse_hostname_filter("hostname:'a',hostname:'*'"),
            None
        );
        assert_eq!(super::parse_hostname_filter("hostname:'a"), None);
    }
}
