//! An in-memory alerts index answering what Riposte's alert sources send:
//! Kibana's `POST /api/detection_engine/signals/search` and `POST
//! /api/detection_engine/signals/status` (Elastic Security detection alerts; `kbn-xsrf` and an
//! `ApiKey` required, as Kibana does), and Elasticsearch/OpenSearch `POST /{index}/_search`.
//!
//! The query subset is the one the sources use: `bool.filter` with `range` (`gt`/`gte` on a time
//! field, RFC 3339 strings compared as text) and `term`, `bool.must_not` with `exists`, one `sort`
//! on the time field ascending, and `size`. Responses are Elasticsearch search responses
//! (`hits.total.value`, `hits.hits[]{_index,_id,_source}`); errors use Kibana's
//! `{statusCode, error, message}` envelope.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value as Json, json};
use std::sync::{Arc, Mutex};

/// The documents (each a `_source`), with their `_id`.
pub struct AlertsIndex {
    pub docs: Mutex<Vec<(String, Json)>>,
    pub api_key: String,
    /// Answer every search with this status instead (0 = off): an outage.
    pub outage: Mutex<u16>,
}

impl AlertsIndex {
    pub fn new(api_key: &str) -> Arc<AlertsIndex> {
        Arc::new(AlertsIndex {
            docs: Mutex::new(Vec::new()),
            api_key: api_key.into(),
            outage: Mutex::new(0),
        })
    }
    pub fn add(&self, id: &str, source: Json) {
        self.docs.lock().expect("docs").push((id.into(), source));
    }
    /// A field by dotted path, in nested or dotted-key form.
    pub fn field<'a>(doc: &'a Json, path: &str) -> Option<&'a Json> {
        if let Some(v) = doc.get(path) {
            return Some(v);
        }
        let mut cur = doc;
        for p in path.split('.') {
            cur = cur.get(p)?;
        }
        Some(cur)
    }
    pub fn status_of(&self, id: &str) -> Option<String> {
        self.docs
            .lock()
            .expect("docs")
            .iter()
            .find(|(i, _)| i == id)
            .and_then(|(_, d)| Self::field(d, "kibana.alert.workflow_status"))
            .and_then(|s| s.as_str())
            .map(str::to_owned)
    }
}

fn kerr(status: u16, error: &str, message: &str) -> Response {
    crate::error(
        status,
        json!({"statusCode": status, "error": error, "message": message}),
    )
}

fn authorised(ix: &AlertsIndex, h: &HeaderMap) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("ApiKey {}", ix.api_key))
}

fn matches(doc: &Json, q: &Json) -> bool {
    let Some(b) = q.get("bool") else {
        return q.get("match_all").is_some() || q.is_null();
    };
    for f in b
        .get("filter")
        .and_then(|f| f.as_array())
        .into_iter()
        .flatten()
    {
        if let Some(r) = f.get("range").and_then(|r| r.as_object()) {
            for (field, cond) in r {
                let Some(v) = AlertsIndex::field(doc, field).and_then(|v| v.as_str()) else {
                    return false;
                };
                if let Some(g) = cond.get("gt").and_then(|g| g.as_str())
                    && v <= g
                {
                    return false;
                }
                if let Some(g) = cond.get("gte").and_then(|g| g.as_str())
                    && v < g
                {
                    return false;
                }
            }
        }
        if let Some(t) = f.get("term").and_then(|t| t.as_object()) {
            for (field, want) in t {
                let want = want.get("value").unwrap_or(want);
                if AlertsIndex::field(doc, field) != Some(want) {
                    return false;
                }
            }
        }
        if f.get("bool").is_some() && !matches(doc, f) {
            return false;
        }
    }
    for m in b
        .get("must_not")
        .and_then(|f| f.as_array())
        .into_iter()
        .flatten()
    {
        if let Some(field) = m
            .get("exists")
            .and_then(|e| e.get("field"))
            .and_then(|f| f.as_str())
            && AlertsIndex::field(doc, field).is_some()
        {
            return false;
        }
    }
    true
}

fn search(ix: &AlertsIndex, index: &str, body: &Json) -> Response {
    let code = *ix.outage.lock().expect("outage");
    if code != 0 {
        return kerr(
            code,
            "Service Unavailable",
            "the alerts index is unavailable",
        );
    }
    let size = body.get("size").and_then(|s| s.as_u64()).unwrap_or(10) as usize;
    let sort_field = body
        .get("sort")
        .and_then(|s| s.get(0))
        .and_then(|s| s.as_object())
        .and_then(|o| o.keys().next().cloned())
        .unwrap_or_else(|| "@timestamp".into());
    let q = body.get("query").cloned().unwrap_or(Json::Null);
    let docs = ix.docs.lock().expect("docs");
    let mut hits: Vec<&(String, Json)> = docs.iter().filter(|(_, d)| matches(d, &q)).collect();
    hits.sort_by(|a, b| {
        let ka = AlertsIndex::field(&a.1, &sort_field)
            .and_then(|v| v.as_str())
            .unwrap_or("");
        let kb = AlertsIndex::field(&b.1, &sort_field)
            .and_then(|v| v.as_str())
            .unwrap_or("");
        ka.cmp(kb).then(a.0.cmp(&b.0))
    });
    let total = hits.len();
    let hits: Vec<Json> = hits
        .into_iter()
        .take(size)
        .map(|(id, d)| json!({"_index": index, "_id": id, "_score": null, "_source": d, "sort": [AlertsIndex::field(d, &sort_field)]}))
        .collect();
    axum::Json(json!({"took": 1, "timed_out": false, "hits": {"total": {"value": total, "relation": "eq"}, "hits": hits}})).into_response()
}

async fn signals_search(
    State(ix): State<Arc<AlertsIndex>>,
    h: HeaderMap,
    body: String,
) -> Response {
    if !authorised(&ix, &h) {
        return kerr(
            401,
            "Unauthorized",
            "[security_exception]: unable to authenticate with provided credentials",
        );
    }
    if h.get("kbn-xsrf").is_none() {
        return kerr(
            400,
            "Bad Request",
            "Request must contain a kbn-xsrf header.",
        );
    }
    let Ok(b) = serde_json::from_str::<Json>(&body) else {
        return kerr(400, "Bad Request", "[request body]: expected an object");
    };
    search(&ix, ".alerts-security.alerts-default", &b)
}

async fn signals_status(
    State(ix): State<Arc<AlertsIndex>>,
    h: HeaderMap,
    body: String,
) -> Response {
    if !authorised(&ix, &h) {
        return kerr(
            401,
            "Unauthorized",
            "[security_exception]: unable to authenticate with provided credentials",
        );
    }
    if h.get("kbn-xsrf").is_none() {
        return kerr(
            400,
            "Bad Request",
            "Request must contain a kbn-xsrf header.",
        );
    }
    let b: Json = serde_json::from_str(&body).unwrap_or(Json::Null);
    let (Some(ids), Some(status)) = (
        b.get("signal_ids").and_then(|i| i.as_array()),
        b.get("status").and_then(|s| s.as_str()),
    ) else {
        return kerr(
            400,
            "Bad Request",
            "[request body]: signal_ids and status are required",
        );
    };
    if !["open", "acknowledged", "in-progress", "closed"].contains(&status) {
        return kerr(400, "Bad Request", "[request body]: status: invalid value");
    }
    let mut updated = 0;
    for (id, d) in ix.docs.lock().expect("docs").iter_mut() {
        if ids.iter().any(|i| i.as_str() == Some(id))
            && let Some(o) = d.as_object_mut()
        {
            o.insert("kibana.alert.workflow_status".into(), json!(status));
            updated += 1;
        }
    }
    axum::Json(json!({"took": 1, "timed_out": false, "total": updated, "updated": updated, "deleted": 0, "batches": 1, "version_conflicts": 0, "noops": 0, "failures": []})).into_response()
}

async fn index_search(
    State(ix): State<Arc<AlertsIndex>>,
    Path(index): Path<String>,
    h: HeaderMap,
    body: String,
) -> Response {
    if !authorised(&ix, &h) {
        return crate::error(
            401,
            json!({"error": {"type": "security_exception", "reason": "unable to authenticate"}, "status": 401}),
        );
    }
    let b: Json = serde_json::from_str(&body).unwrap_or(Json::Null);
    search(&ix, &index, &b)
}

pub fn router(ix: Arc<AlertsIndex>) -> Router {
    Router::new()
        .route("/api/detection_engine/signals/search", post(signals_search))
        .route(
            "/s/{space}/api/detection_engine/signals/search",
            post(signals_search),
        )
        .route("/api/detection_engine/signals/status", post(signals_status))
        .route(
            "/s/{space}/api/detection_engine/signals/status",
            post(signals_status),
        )
        .route("/{index}/_search", post(index_search))
        .with_state(ix)
}
