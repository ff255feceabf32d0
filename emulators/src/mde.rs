//! Microsoft Defender for Endpoint: Entra ID token endpoint (`/{tenant}/oauth2/v2.0/token`),
//! machines with OData `$filter` (`computerDnsName eq '…'`, `startswith(computerDnsName,'…')`),
//! isolate / unisolate machine actions (201 + MachineAction, `Pending` until read), machine
//! action listing and details. Errors use `{"error":{"code","message","target"}}` with the
//! documented codes (common-errors.md); the token endpoint answers like Entra ID
//! (`{"error":"invalid_client","error_description":…}`).

use crate::crowdstrike::url_form;
use crate::{bearer, error};
use axum::Router;
use axum::extract::{Path, Query, State as St};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value as Json, json};
use std::sync::{Arc, Mutex};

/// One machine as Defender lists it.
#[derive(Clone, Debug)]
pub struct Machine {
    pub id: String,
    pub computer_dns_name: String,
    pub isolated: bool,
}

pub struct State {
    pub client_id: String,
    pub client_secret: String,
    tokens: Mutex<Vec<String>>,
    machines: Mutex<Vec<Machine>>,
    actions: Mutex<Vec<Json>>,
}

impl State {
    pub fn new(client_id: &str, client_secret: &str) -> Arc<State> {
        Arc::new(State {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            tokens: Mutex::new(Vec::new()),
            machines: Mutex::new(Vec::new()),
            actions: Mutex::new(Vec::new()),
        })
    }

    pub fn add_machine(&self, id: &str, computer_dns_name: &str) {
        self.machines.lock().expect("machines").push(Machine {
            id: id.into(),
            computer_dns_name: computer_dns_name.into(),
            isolated: false,
        });
    }

    /// Records a machine action that already happened (or is under way): `Isolate` or
    /// `Unisolate`, `Pending | InProgress | Succeeded | Failed`. A succeeded one takes effect.
    pub fn seed_action(&self, machine_id: &str, kind: &str, status: &str) -> String {
        let a = self.new_action(machine_id, kind, "Full", "seeded", status);
        if status == "Succeeded" {
            self.apply(&a);
        }
        let id = a["id"].as_str().unwrap_or_default().to_owned();
        self.actions.lock().expect("actions").push(a);
        id
    }

    pub fn isolated(&self, machine_id: &str) -> Option<bool> {
        self.machines
            .lock()
            .expect("machines")
            .iter()
            .find(|m| m.id == machine_id)
            .map(|m| m.isolated)
    }

    /// Every machine action, oldest first.
    pub fn actions(&self) -> Vec<Json> {
        self.actions.lock().expect("actions").clone()
    }

    pub fn tokens_issued(&self) -> usize {
        self.tokens.lock().expect("tokens").len()
    }

    fn new_action(
        &self,
        machine_id: &str,
        kind: &str,
        scope: &str,
        comment: &str,
        status: &str,
    ) -> Json {
        let n = self.actions.lock().expect("actions").len() + 1;
        let dns = self
            .machines
            .lock()
            .expect("machines")
            .iter()
            .find(|m| m.id == machine_id)
            .map(|m| m.computer_dns_name.clone())
            .unwrap_or_default();
        json!({
            "id": format!("a{n:07}-0000-4000-8000-000000000000"),
            "type": kind,
            "scope": scope,
            "requestor": self.client_id,
            "requestorComment": comment,
            "status": status,
            "machineId": machine_id,
            "computerDnsName": dns,
            "creationDateTimeUtc": chrono_like(n),
            "lastUpdateDateTimeUtc": chrono_like(n),
            "externalID": null,
        })
    }

    fn apply(&self, a: &Json) {
        let id = a["machineId"].as_str().unwrap_or_default();
        let iso = a["type"] == "Isolate";
        if let Some(m) = self
            .machines
            .lock()
            .expect("machines")
            .iter_mut()
            .find(|m| m.id == id)
        {
            m.isolated = iso;
        }
    }
}

/// A timestamp that grows with `n` (creation order), in Defender's format.
fn chrono_like(n: usize) -> String {
    format!(
        "2024-05-01T{:02}:{:02}:{:02}.000Z",
        (n / 3600) % 24,
        (n / 60) % 60,
        n % 60
    )
}

fn fail(status: u16, code: &str, message: &str) -> Response {
    error(
        status,
        json!({"error": {"code": code, "message": message, "target": "43f4cb08-8fac-4b65-9db1-745c2ae65f3a"}}),
    )
}

fn unauthorized() -> Response {
    fail(
        401,
        "Unauthorized",
        "Authorization has been denied for this request.",
    )
}

fn authorized(st: &State, h: &HeaderMap) -> bool {
    bearer(h).is_some_and(|t| st.tokens.lock().expect("tokens").iter().any(|x| x == t))
}

async fn token(St(st): St<Arc<State>>, Path(_tenant): Path<String>, body: String) -> Response {
    let f = url_form(&body);
    if f.get("grant_type").map(String::as_str) != Some("client_credentials")
        || !f.get("scope").is_some_and(|s| s.ends_with("/.default"))
    {
        return error(
            400,
            json!({"error": "invalid_request", "error_description": "AADSTS900144: The request body must contain grant_type=client_credentials and a scope ending in /.default."}),
        );
    }
    if f.get("client_id") != Some(&st.client_id)
        || f.get("client_secret") != Some(&st.client_secret)
    {
        return error(
            401,
            json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID."}),
        );
    }
    let mut t = st.tokens.lock().expect("tokens");
    let tok = format!("mde-token-{}", t.len() + 1);
    t.push(tok.clone());
    error(
        200,
        json!({"token_type": "Bearer", "expires_in": 3599, "access_token": tok}),
    )
}

/// Reads an OData string literal at the start of `s` (`'…'`, a quote inside doubled); returns
/// it and the rest.
pub fn odata_literal(s: &str) -> Option<(String, &str)> {
    let rest = s.strip_prefix('\'')?;
    let mut out = String::new();
    let mut it = rest.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if c == '\'' {
            if it.peek().map(|(_, c)| *c) == Some('\'') {
                it.next();
                out.push('\'');
            } else {
                return Some((out, &rest[i + 1..]));
            }
        } else {
            out.push(c);
        }
    }
    None
}

/// `field eq '…'` (the whole filter), or None.
fn eq_filter(f: &str, field: &str) -> Option<String> {
    let rest = f
        .trim()
        .strip_prefix(field)?
        .trim_start()
        .strip_prefix("eq")?;
    let (v, tail) = odata_literal(rest.trim_start())?;
    tail.trim().is_empty().then_some(v)
}

enum NameFilter {
    Eq(String),
    StartsWith(String),
}

fn machine_filter(f: &str) -> Option<NameFilter> {
    if let Some(v) = eq_filter(f, "computerDnsName") {
        return Some(NameFilter::Eq(v));
    }
    let rest = f.trim().strip_prefix("startswith(computerDnsName,")?;
    let (v, tail) = odata_literal(rest.trim_start())?;
    (tail.trim() == ")").then_some(NameFilter::StartsWith(v))
}

fn machine_json(m: &Machine) -> Json {
    json!({
        "id": m.id,
        "computerDnsName": m.computer_dns_name,
        "osPlatform": "Windows11",
        "osVersion": "10.0.22631",
        "lastIpAddress": "10.1.2.3",
        "healthStatus": "Active",
        "riskScore": "Medium",
        "lastSeen": "2024-05-01T12:00:00Z",
        "machineTags": [],
    })
}

async fn machines(
    St(st): St<Arc<State>>,
    h: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    if !authorized(&st, &h) {
        return unauthorized();
    }
    let f = q
        .iter()
        .find(|(k, _)| k == "$filter")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let Some(nf) = machine_filter(f) else {
        return fail(400, "BadRequest", &format!("Invalid filter clause: {f}"));
    };
    let value: Vec<Json> = st
        .machines
        .lock()
        .expect("machines")
        .iter()
        .filter(|m| {
            let n = m.computer_dns_name.to_lowercase();
            match &nf {
                NameFilter::Eq(v) => n == v.to_lowercase(),
                NameFilter::StartsWith(p) => n.starts_with(&p.to_lowercase()),
            }
        })
        .map(machine_json)
        .collect();
    error(
        200,
        json!({"@odata.context": "https://api.securitycenter.microsoft.com/api/$metadata#Machines", "value": value}),
    )
}

async fn machine_action(
    st: Arc<State>,
    h: HeaderMap,
    id: String,
    body: String,
    isolate: bool,
) -> Response {
    if !authorized(&st, &h) {
        return unauthorized();
    }
    if st.isolated(&id).is_none() {
        return fail(
            404,
            "ResourceNotFound",
            &format!("Machine {id} was not found"),
        );
    }
    let b: Json = match serde_json::from_str(&body) {
        Ok(b) => b,
        Err(_) => return fail(400, "InvalidRequestBody", "Request body is not valid JSON"),
    };
    // Body keys are case-sensitive.
    let Some(comment) = b
        .get("Comment")
        .and_then(|c| c.as_str())
        .filter(|c| !c.is_empty())
    else {
        return fail(
            400,
            "MissingRequiredParameter",
            "Comment is a required parameter",
        );
    };
    let scope = if isolate {
        match b.get("IsolationType").and_then(|t| t.as_str()) {
            Some(t @ ("Full" | "Selective" | "UnManagedDevice")) => t.to_owned(),
            None => "Full".to_owned(),
            Some(t) => {
                return fail(
                    400,
                    "InvalidRequestBody",
                    &format!("IsolationType '{t}' is not valid"),
                );
            }
        }
    } else {
        String::new()
    };
    let kind = if isolate { "Isolate" } else { "Unisolate" };
    // One isolation action at a time per machine (the exact refusal is [unverified]).
    let busy = st.actions.lock().expect("actions").iter().any(|a| {
        a["machineId"] == id.as_str()
            && (a["type"] == "Isolate" || a["type"] == "Unisolate")
            && (a["status"] == "Pending" || a["status"] == "InProgress")
    });
    if busy {
        return fail(400, "BadRequest", "Action is already in progress");
    }
    let a = st.new_action(&id, kind, &scope, comment, "Pending");
    st.actions.lock().expect("actions").push(a.clone());
    let mut body = a;
    body["@odata.context"] =
        json!("https://api.securitycenter.microsoft.com/api/$metadata#MachineActions/$entity");
    error(201, body)
}

async fn isolate(
    St(st): St<Arc<State>>,
    h: HeaderMap,
    Path(id): Path<String>,
    body: String,
) -> Response {
    machine_action(st, h, id, body, true).await
}

async fn unisolate(
    St(st): St<Arc<State>>,
    h: HeaderMap,
    Path(id): Path<String>,
    body: String,
) -> Response {
    machine_action(st, h, id, body, false).await
}

async fn list_actions(
    St(st): St<Arc<State>>,
    h: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    if !authorized(&st, &h) {
        return unauthorized();
    }
    let f = q
        .iter()
        .find(|(k, _)| k == "$filter")
        .map(|(_, v)| v.as_str());
    let machine = match f {
        None => None,
        Some(f) => match eq_filter(f, "machineId") {
            Some(m) => Some(m),
            None => return fail(400, "BadRequest", &format!("Invalid filter clause: {f}")),
        },
    };
    let mut value: Vec<Json> = st
        .actions()
        .into_iter()
        .filter(|a| machine.as_deref().is_none_or(|m| a["machineId"] == m))
        .collect();
    if q.iter()
        .any(|(k, v)| k == "$orderby" && v == "creationDateTimeUtc desc")
    {
        value.reverse();
    }
    error(200, json!({"value": value}))
}

async fn get_action(St(st): St<Arc<State>>, h: HeaderMap, Path(id): Path<String>) -> Response {
    if !authorized(&st, &h) {
        return unauthorized();
    }
    let (a, completed) = {
        let mut acts = st.actions.lock().expect("actions");
        let Some(a) = acts.iter_mut().find(|a| a["id"] == id.as_str()) else {
            return fail(
                404,
                "ResourceNotFound",
                &format!("Machine action {id} was not found"),
            );
        };
        // Time passes between reads: a pending action completes.
        let pending = a["status"] == "Pending" || a["status"] == "InProgress";
        if pending {
            a["status"] = json!("Succeeded");
        }
        (a.clone(), pending)
    };
    if completed {
        st.apply(&a);
    }
    error(200, a)
}

pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/api/machines", get(machines))
        .route("/api/machines/{id}/isolate", post(isolate))
        .route("/api/machines/{id}/unisolate", post(unisolate))
        .route("/api/machineactions", get(list_actions))
        .route("/api/machineactions/{id}", get(get_action))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odata_filters() {
        assert!(
            matches!(machine_filter("computerDnsName eq 'ws-01'"), Some(NameFilter::Eq(v)) if v == "ws-01")
        );
        assert!(
            matches!(machine_filter("computerDnsName eq 'o''brien'"), Some(NameFilter::Eq(v)) if v == "o'brien")
        );
        assert!(machine_filter("computerDnsName eq 'x' or true").is_none());
        assert!(machine_filter("computerDnsName eq 'x' or computerDnsName eq 'y'").is_none());
        assert!(
            matches!(machine_filter("startswith(computerDnsName,'ws-01.')"), Some(NameFilter::StartsWith(v)) if v == "ws-01.")
        );
        assert_eq!(
            eq_filter("machineId eq 'abc'", "machineId").as_deref(),
            Some("abc")
        );
    }
}
