//! Kibana endpoint management and response actions for Elastic Defend: endpoint metadata list
//! (KQL `united.endpoint.host.hostname:"…"`), action status (pending actions per agent),
//! isolate / unisolate actions and action details. `Authorization: ApiKey <key>` on every route,
//! `kbn-xsrf` on every POST; also served under `/s/{space}`. An action is pending until its
//! details are read, then completes and changes `Endpoint.state.isolation`.
//!
//! Errors use Kibana's `{"statusCode","error","message"}`.

use crate::error;
use axum::Router;
use axum::extract::{Path, Query, State as St};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value as Json, json};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Endpoint {
    pub agent_id: String,
    pub hostname: String,
    pub isolated: bool,
}

pub struct State {
    pub api_key: String,
    endpoints: Mutex<Vec<Endpoint>>,
    actions: Mutex<Vec<Json>>,
}

impl State {
    pub fn new(api_key: &str) -> Arc<State> {
        Arc::new(State {
            api_key: api_key.into(),
            endpoints: Mutex::new(Vec::new()),
            actions: Mutex::new(Vec::new()),
        })
    }

    pub fn add_endpoint(&self, agent_id: &str, hostname: &str, isolated: bool) {
        self.endpoints.lock().expect("endpoints").push(Endpoint {
            agent_id: agent_id.into(),
            hostname: hostname.into(),
            isolated,
        });
    }

    /// Records an action still in flight (`isolate` / `unisolate`) for an agent.
    pub fn seed_pending(&self, agent_id: &str, command: &str) -> String {
        let a = new_action(
            self.actions.lock().expect("actions").len() + 1,
            agent_id,
            command,
            "seeded",
        );
        let id = a["id"].as_str().unwrap_or_default().to_owned();
        self.actions.lock().expect("actions").push(a);
        id
    }

    pub fn isolated(&self, agent_id: &str) -> Option<bool> {
        self.endpoints
            .lock()
            .expect("endpoints")
            .iter()
            .find(|e| e.agent_id == agent_id)
            .map(|e| e.isolated)
    }

    /// Every response action, oldest first.
    pub fn actions(&self) -> Vec<Json> {
        self.actions.lock().expect("actions").clone()
    }
}

fn new_action(n: usize, agent: &str, command: &str, comment: &str) -> Json {
    json!({
        "id": format!("9f934028-2300-4927-b531-{n:012}"),
        "agents": [agent],
        "agentType": "endpoint",
        "command": command,
        "isCompleted": false,
        "wasSuccessful": false,
        "isExpired": false,
        "status": "pending",
        "startedAt": "2024-05-01T12:00:00.000Z",
        "createdBy": "riposte",
        "comment": comment,
        "outputs": {},
    })
}

fn fail(status: u16, err: &str, message: &str) -> Response {
    error(
        status,
        json!({"statusCode": status, "error": err, "message": message}),
    )
}

fn authorized(st: &State, h: &HeaderMap) -> bool {
    h.get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("ApiKey "))
        .is_some_and(|k| k == st.api_key)
}

fn unauthorized() -> Response {
    fail(
        401,
        "Unauthorized",
        "[security_exception]: unable to authenticate with provided credentials",
    )
}

/// Parses the one KQL form the emulator supports: `united.endpoint.host.hostname:"<literal>"`
/// (`\` escapes the next character). Anything else is a 400, as Kibana refuses bad KQL.
pub fn parse_kuery(k: &str) -> Option<String> {
    let rest = k
        .trim()
        .strip_prefix("united.endpoint.host.hostname")?
        .trim_start();
    let rest = rest.strip_prefix(':')?.trim_start().strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = rest.chars();
    loop {
        match chars.next()? {
            '\\' => out.push(chars.next()?),
            '"' => break,
            c => out.push(c),
        }
    }
    chars.as_str().trim().is_empty().then_some(out)
}

fn endpoint_json(e: &Endpoint) -> Json {
    json!({
        "metadata": {
            "agent": {"id": e.agent_id, "version": "8.14.0", "type": "endpoint"},
            "host": {"hostname": e.hostname, "name": e.hostname, "os": {"name": "Windows", "version": "11"}, "ip": ["10.2.3.4"]},
            "Endpoint": {"state": {"isolation": e.isolated}, "policy": {"applied": {"name": "Protect"}}},
        },
        "host_status": "healthy",
        "last_checkin": "2024-05-01T12:00:00.000Z",
    })
}

async fn metadata(
    St(st): St<Arc<State>>,
    h: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    if !authorized(&st, &h) {
        return unauthorized();
    }
    let k = q
        .iter()
        .find(|(n, _)| n == "kuery")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let Some(name) = parse_kuery(k) else {
        return fail(
            400,
            "Bad Request",
            &format!("KQLSyntaxError: cannot parse kuery: {k}"),
        );
    };
    let data: Vec<Json> = st
        .endpoints
        .lock()
        .expect("endpoints")
        .iter()
        .filter(|e| e.hostname.eq_ignore_ascii_case(&name))
        .map(endpoint_json)
        .collect();
    error(
        200,
        json!({"data": data, "total": data.len(), "page": 0, "pageSize": 20, "sortField": "enrolled_at", "sortDirection": "desc"}),
    )
}

async fn action_status(
    St(st): St<Arc<State>>,
    h: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    if !authorized(&st, &h) {
        return unauthorized();
    }
    let ids: Vec<String> = q
        .iter()
        .filter(|(k, _)| k == "agent_ids")
        .flat_map(|(_, v)| v.split(',').map(str::to_owned))
        .collect();
    let acts = st.actions();
    let data: Vec<Json> = ids
        .iter()
        .map(|id| {
            let pending = |cmd: &str| {
                acts.iter()
                    .filter(|a| a["agents"][0] == id.as_str() && a["command"] == cmd && a["isCompleted"] == false)
                    .count()
            };
            json!({"agent_id": id, "pending_actions": {"isolate": pending("isolate"), "unisolate": pending("unisolate")}})
        })
        .collect();
    error(200, json!({"data": data}))
}

async fn action(st: Arc<State>, h: HeaderMap, body: String, command: &str) -> Response {
    if !authorized(&st, &h) {
        return unauthorized();
    }
    if h.get("kbn-xsrf").is_none() {
        return fail(
            400,
            "Bad Request",
            "Request must contain a kbn-xsrf header.",
        );
    }
    let b: Json = serde_json::from_str(&body).unwrap_or(Json::Null);
    let ids: Vec<String> = b
        .get("endpoint_ids")
        .and_then(|i| i.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() {
        return fail(
            400,
            "Bad Request",
            "[request body.endpoint_ids]: array size is [0], but expected at least [1]",
        );
    }
    if let Some(missing) = ids.iter().find(|id| st.isolated(id).is_none()) {
        return fail(
            400,
            "Bad Request",
            &format!("The host does not have Elastic Defend integration installed: {missing}"),
        );
    }
    let comment = b
        .get("comment")
        .and_then(|c| c.as_str())
        .unwrap_or_default();
    let mut acts = st.actions.lock().expect("actions");
    let a = new_action(acts.len() + 1, &ids[0], command, comment);
    acts.push(a.clone());
    error(200, json!({"data": a}))
}

async fn isolate(St(st): St<Arc<State>>, h: HeaderMap, body: String) -> Response {
    action(st, h, body, "isolate").await
}

async fn unisolate(St(st): St<Arc<State>>, h: HeaderMap, body: String) -> Response {
    action(st, h, body, "unisolate").await
}

async fn details(
    St(st): St<Arc<State>>,
    h: HeaderMap,
    Path(p): Path<Vec<(String, String)>>,
) -> Response {
    if !authorized(&st, &h) {
        return unauthorized();
    }
    let id = p
        .iter()
        .find(|(k, _)| k == "id")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let (a, completed) = {
        let mut acts = st.actions.lock().expect("actions");
        let Some(a) = acts.iter_mut().find(|a| a["id"] == id.as_str()) else {
            return fail(
                404,
                "Not Found",
                &format!("Action with id '{id}' not found."),
            );
        };
        // Time passes between reads: a pending action completes.
        let pending = a["isCompleted"] == false;
        if pending {
            a["isCompleted"] = json!(true);
            a["wasSuccessful"] = json!(true);
            a["status"] = json!("successful");
            a["completedAt"] = json!("2024-05-01T12:00:05.000Z");
        }
        (a.clone(), pending)
    };
    if completed {
        let agent = a["agents"][0].as_str().unwrap_or_default();
        if let Some(e) = st
            .endpoints
            .lock()
            .expect("endpoints")
            .iter_mut()
            .find(|e| e.agent_id == agent)
        {
            e.isolated = a["command"] == "isolate";
        }
    }
    error(200, json!({"data": a}))
}

fn api(state: Arc<State>) -> Router {
    Router::new()
        .route("/api/endpoint/metadata", get(metadata))
        .route("/api/endpoint/action_status", get(action_status))
        .route("/api/endpoint/action/isolate", post(isolate))
        .route("/api/endpoint/action/unisolate", post(unisolate))
        .route("/api/endpoint/action/{id}", get(details))
        .with_state(state)
}

pub fn router(state: Arc<State>) -> Router {
    api(state.clone()).nest("/s/{space}", api(state))
}

#[cfg(test)]
mod tests {
    #[test]
    fn kuery_parsing() {
        assert_eq!(
            super::parse_kuery(r#"united.endpoint.host.hostname:"ws-01""#).as_deref(),
            Some("ws-01")
        );
        assert_eq!(
            super::parse_kuery(r#"united.endpoint.host.hostname:"a\"b""#).as_deref(),
            Some("a\"b")
        );
        assert_eq!(
            super::parse_kuery(r#"united.endpoint.host.hostname:"a" or host.name:*"#),
            None
        );
    }
}
