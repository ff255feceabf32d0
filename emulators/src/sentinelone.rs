//! SentinelOne management API v2.1 (`/web/api/v2.1`): agent listing (`computerName`,
//! `computerName__like`, `ids`), network disconnect / connect actions. `Authorization: ApiToken
//! <token>` on every route. A disconnect sets `networkStatus` to `disconnecting`, and the next
//! listing finds the agent `disconnected` (likewise `connecting` → `connected`).
//!
//! Errors use `{"errors":[{"code","title","detail"}]}` (research notes; codes [unverified]).

use crate::error;
use axum::Router;
use axum::extract::{Query, State as St};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Value as Json, json};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct Agent {
    pub id: String,
    pub computer_name: String,
    /// `connected | disconnecting | disconnected | connecting`
    pub network_status: String,
}

pub struct State {
    pub api_token: String,
    agents: Mutex<Vec<Agent>>,
}

impl State {
    pub fn new(api_token: &str) -> Arc<State> {
        Arc::new(State {
            api_token: api_token.into(),
            agents: Mutex::new(Vec::new()),
        })
    }

    pub fn add_agent(&self, id: &str, computer_name: &str, network_status: &str) {
        self.agents.lock().expect("agents").push(Agent {
            id: id.into(),
            computer_name: computer_name.into(),
            network_status: network_status.into(),
        });
    }

    pub fn network_status(&self, id: &str) -> Option<String> {
        self.agents
            .lock()
            .expect("agents")
            .iter()
            .find(|a| a.id == id)
            .map(|a| a.network_status.clone())
    }
}

fn fail(status: u16, code: u64, title: &str, detail: &str) -> Response {
    error(
        status,
        json!({"errors": [{"code": code, "title": title, "detail": detail}]}),
    )
}

fn authorized(st: &State, h: &HeaderMap) -> bool {
    h.get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("ApiToken "))
        .is_some_and(|t| t == st.api_token)
}

fn unauthorized() -> Response {
    fail(
        401,
        4010010,
        "Authentication Failed",
        "Authentication failed: invalid or expired API token",
    )
}

fn agent_json(a: &Agent) -> Json {
    json!({
        "id": a.id,
        "uuid": format!("{}-uuid", a.id),
        "computerName": a.computer_name,
        "networkStatus": a.network_status,
        "isActive": true,
        "infected": false,
        "osName": "Windows 11 Pro",
        "osType": "windows",
        "agentVersion": "23.4.2.14",
        "externalIp": "198.51.100.7",
        "lastActiveDate": "2024-05-01T12:00:00.000000Z",
        "lastLoggedInUserName": "alice",
        "siteName": "Default site",
    })
}

async fn agents(
    St(st): St<Arc<State>>,
    h: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Response {
    if !authorized(&st, &h) {
        return unauthorized();
    }
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let name = get("computerName");
    let like = get("computerName__like").map(|s| s.to_lowercase());
    let ids: Option<Vec<String>> = get("ids").map(|s| s.split(',').map(str::to_owned).collect());
    let mut all = st.agents.lock().expect("agents");
    let mut data = Vec::new();
    for a in all.iter_mut() {
        let hit = name
            .as_ref()
            .is_none_or(|n| a.computer_name.eq_ignore_ascii_case(n))
            && like
                .as_ref()
                .is_none_or(|l| a.computer_name.to_lowercase().contains(l))
            && ids.as_ref().is_none_or(|ids| ids.contains(&a.id));
        if !hit {
            continue;
        }
        // Time passes between reads: a pending network change completes.
        a.network_status = match a.network_status.as_str() {
            "disconnecting" => "disconnected".into(),
            "connecting" => "connected".into(),
            s => s.into(),
        };
        data.push(agent_json(a));
    }
    error(
        200,
        json!({"data": data, "pagination": {"nextCursor": null, "totalItems": data.len()}}),
    )
}

async fn action(st: Arc<State>, h: HeaderMap, body: String, disconnect: bool) -> Response {
    if !authorized(&st, &h) {
        return unauthorized();
    }
    let b: Json = serde_json::from_str(&body).unwrap_or(Json::Null);
    // `filter.ids` is an array in the API reference; Kibana's emulator sends a comma list.
    let ids: Vec<String> = match b.pointer("/filter/ids") {
        Some(Json::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        Some(Json::String(s)) => s.split(',').map(str::to_owned).collect(),
        _ => {
            return fail(
                400,
                4000010,
                "Validation Error",
                "filter: at least one filter is required",
            );
        }
    };
    let mut n = 0;
    for a in st.agents.lock().expect("agents").iter_mut() {
        if ids.contains(&a.id) {
            a.network_status = if disconnect {
                "disconnecting"
            } else {
                "connecting"
            }
            .into();
            n += 1;
        }
    }
    error(200, json!({"data": {"affected": n}}))
}

async fn disconnect(St(st): St<Arc<State>>, h: HeaderMap, body: String) -> Response {
    action(st, h, body, true).await
}

async fn connect(St(st): St<Arc<State>>, h: HeaderMap, body: String) -> Response {
    action(st, h, body, false).await
}

pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/web/api/v2.1/agents", get(agents))
        .route("/web/api/v2.1/agents/actions/disconnect", post(disconnect))
        .route("/web/api/v2.1/agents/actions/connect", post(connect))
        .with_state(state)
}
