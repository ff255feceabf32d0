//! Elasticsearch / OpenSearch (vendor `elasticsearch`): the `siem.*` look-ups as `_search`
//! requests.
//!
//! ```yaml
//! integrations:
//!   siem:
//!     vendor: elasticsearch
//!     url: https://es.example.org:9200
//!     credentials: {api_key: {env: ES_API_KEY}}     # or options.username + credentials.password
//!     options:
//!       alerts_index: .alerts-security.alerts-default   # siem.related_alerts
//!       events_index: logs-*                            # the other look-ups and siem.search
//!       max_size: 100                                   # cap on hits returned per call
//! ```
//!
//! Every query is built as a JSON value from the parameters — alert data is never spliced into
//! query text — so a hostile host or user name stays a term to match. Results are
//! `{count, hits: [_source…]}` with `count` the total number of matches and `hits` capped.
//!
//! The look-ups only read, so `reconcile` answers `Idempotent`: running a search again has no
//! effect to double.

use crate::config::{ConfigError, InstanceConfig};
use crate::http::{Auth, HttpClient, Req};
use crate::vendors::BuildEnv;
use crate::{BoxFuture, Ctx, Integration, Reconciled};
use chrono::{DateTime, SecondsFormat, Utc};
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use serde_json::{Value as Json, json};
use std::sync::Arc;
use std::time::Duration;

pub struct Elasticsearch {
    name: String,
    http: HttpClient,
    alerts_index: String,
    events_index: String,
    max_size: u64,
}

const CAPS: &[&str] = &[
    "siem.search",
    "siem.related_alerts",
    "siem.network_after",
    "siem.process_events",
    "siem.privilege_changes",
];

pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    _env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    let url = cfg.url_or(instance, None)?;
    let (auth, secrets) = if cfg.credentials.contains_key("api_key") {
        let k = cfg.secret(
            instance,
            "api_key",
            "an Elasticsearch API key (base64 id:key)",
        )?;
        (
            Auth::Header {
                name: "authorization",
                prefix: "ApiKey ",
                value: k.clone(),
            },
            vec![k],
        )
    } else {
        let user = cfg
            .option_str("username")
            .ok_or_else(|| ConfigError::Missing {
                instance: instance.into(),
                what: "credentials.api_key".into(),
                why: "an Elasticsearch API key, or options.username with credentials.password"
                    .into(),
            })?;
        let p = cfg.secret(instance, "password", "the password of options.username")?;
        (
            Auth::Basic {
                user: user.to_owned(),
                password: p.clone(),
            },
            vec![p],
        )
    };
    let index_opt = |name: &str, default: &str| -> Result<String, ConfigError> {
        let v = cfg.option_str(name).unwrap_or(default).to_owned();
        check_index(&v).map_err(|why| ConfigError::Invalid {
            instance: instance.into(),
            what: format!("options.{name}"),
            why,
        })?;
        Ok(v)
    };
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
    Ok(Arc::new(Elasticsearch {
        name: instance.to_owned(),
        http: HttpClient::new(instance, &url, auth, cfg.limits(instance)?, secrets),
        alerts_index: index_opt("alerts_index", ".alerts-security.alerts-default")?,
        events_index: index_opt("events_index", "logs-*")?,
        max_size,
    }))
}

/// An index name or pattern list safe to put in a URL path.
fn check_index(i: &str) -> Result<(), String> {
    if i.is_empty() || i.len() > 1024 {
        return Err("the index is empty or too long".into());
    }
    if let Some(c) = i.chars().find(|c| {
        !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '*' | ',' | ':' | '+'))
    }) {
        return Err(format!(
            "index `{i}` contains `{c}`; use names, wildcards and commas only"
        ));
    }
    Ok(())
}

fn perm(name: &str, message: String) -> Outcome {
    Outcome::Failed {
        class: ErrorClass::Permanent,
        message: format!("{name}: {message}"),
    }
}

/// A timestamp parameter, else the alert's own timestamp (from the run's report), as UTC.
pub(crate) fn time_param(
    ctx: &Ctx,
    req: &CallRequest,
    name: &str,
) -> Result<DateTime<Utc>, String> {
    let (src, s) = match crate::param(req, name) {
        Some(s) => (format!("`{name}`"), s.to_owned()),
        None => match ctx
            .report
            .pointer("/summary/timestamp")
            .and_then(|t| t.as_str())
        {
            Some(s) => ("the alert's @timestamp".to_owned(), s.to_owned()),
            None => {
                return Err(format!(
                    "`{}` needs `{name}` (a timestamp): the alert carries no @timestamp to default to",
                    req.capability
                ));
            }
        },
    };
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{src} `{s}` is not an RFC 3339 timestamp ({e})"))
}

/// A duration parameter, else `default`.
pub(crate) fn window_param(
    req: &CallRequest,
    default: Duration,
) -> Result<chrono::Duration, String> {
    let d = match crate::param(req, "window") {
        Some(s) => playbooks::duration::parse(s).map_err(|e| format!("`window` {e}"))?,
        None => default,
    };
    chrono::Duration::from_std(d).map_err(|_| "`window` is too long".to_owned())
}

pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn range(from: DateTime<Utc>, to: DateTime<Utc>) -> Json {
    json!({"range": {"@timestamp": {"gte": ts(from), "lte": ts(to)}}})
}

fn term(field: &str, v: impl Into<Json>) -> Json {
    json!({"term": {field: v.into()}})
}

const H: u64 = 3600;

impl Elasticsearch {
    fn size(&self, req: &CallRequest) -> u64 {
        req.params
            .get("size")
            .and_then(|s| s.as_u64())
            .unwrap_or(self.max_size)
            .clamp(1, self.max_size)
    }

    /// The index and body of the search a call sends.
    fn search_for(&self, ctx: &Ctx, req: &CallRequest) -> Result<(String, Json), String> {
        let size = self.size(req);
        let around =
            |name: &str, default_secs: u64| -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
                let t = time_param(ctx, req, name)?;
                let w = window_param(req, Duration::from_secs(default_secs))?;
                Ok((t - w, t + w))
            };
        match req.capability.as_str() {
            "siem.search" => {
                let index = crate::param(req, "index")
                    .unwrap_or(&self.events_index)
                    .to_owned();
                check_index(&index)?;
                let mut body = match req.params.get("query") {
                    Some(Json::String(s)) if !s.trim().is_empty() => {
                        json!({"query": {"query_string": {"query": s}}})
                    }
                    Some(Json::Object(o)) => {
                        let is_body = [
                            "query",
                            "aggs",
                            "aggregations",
                            "sort",
                            "_source",
                            "size",
                            "fields",
                        ]
                        .iter()
                        .any(|k| o.contains_key(*k));
                        if is_body {
                            Json::Object(o.clone())
                        } else {
                            json!({"query": Json::Object(o.clone())})
                        }
                    }
                    _ => return Err("`query` must be a query DSL object or a query string".into()),
                };
                let asked = body.get("size").and_then(|s| s.as_u64()).unwrap_or(size);
                body["size"] = json!(asked.min(size));
                Ok((index, body))
            }
            "siem.related_alerts" => {
                let host = crate::param(req, "host").filter(|s| !s.is_empty());
                let user = crate::param(req, "user").filter(|s| !s.is_empty());
                if host.is_none() && user.is_none() {
                    return Err("`siem.related_alerts` needs `host` or `user`".into());
                }
                let (from, to) = around("around", 24 * H)?;
                let mut should = Vec::new();
                if let Some(h) = host {
                    should.push(term("host.name", h));
                }
                if let Some(u) = user {
                    should.push(term("user.name", u));
                }
                Ok((
                    self.alerts_index.clone(),
                    json!({
                        "size": size,
                        "sort": [{"@timestamp": {"order": "desc"}}],
                        "query": {"bool": {"filter": [range(from, to)], "should": should, "minimum_should_match": 1}},
                    }),
                ))
            }
            "siem.network_after" => {
                let host = crate::param(req, "host")
                    .filter(|s| !s.is_empty())
                    .ok_or("`siem.network_after` needs `host`")?;
                let from = time_param(ctx, req, "after")?;
                let to = from + window_param(req, Duration::from_secs(15 * 60))?;
                let mut filter = vec![
                    term("host.name", host),
                    range(from, to),
                    json!({"bool": {"should": [term("event.category", "network"), {"exists": {"field": "dns.question.name"}}], "minimum_should_match": 1}}),
                ];
                if let Some(e) = crate::param(req, "process_entity_id").filter(|s| !s.is_empty()) {
                    filter.push(term("process.entity_id", e));
                }
                if let Some(p) = req.params.get("pid").filter(|p| !p.is_null()) {
                    let pid = p.as_i64().ok_or("`pid` must be a whole number")?;
                    filter.push(term("process.pid", pid));
                }
                Ok((
                    self.events_index.clone(),
                    json!({"size": size, "sort": [{"@timestamp": {"order": "asc"}}], "query": {"bool": {"filter": filter}}}),
                ))
            }
            "siem.process_events" => {
                let host = crate::param(req, "host")
                    .filter(|s| !s.is_empty())
                    .ok_or("`siem.process_events` needs `host`")?;
                let (from, to) = around("around", 5 * 60)?;
                let mut filter = vec![
                    term("host.name", host),
                    term("event.category", "process"),
                    term("event.type", "start"),
                    range(from, to),
                ];
                if let Some(p) = crate::param(req, "parent_entity_id").filter(|s| !s.is_empty()) {
                    filter.push(term("process.parent.entity_id", p));
                }
                Ok((
                    self.events_index.clone(),
                    json!({"size": size, "sort": [{"@timestamp": {"order": "asc"}}], "query": {"bool": {"filter": filter}}}),
                ))
            }
            "siem.privilege_changes" => {
                let user = crate::param(req, "user")
                    .filter(|s| !s.is_empty())
                    .ok_or("`siem.privilege_changes` needs `user`")?;
                let (from, to) = around("around", 7 * 24 * H)?;
                Ok((
                    self.events_index.clone(),
                    json!({
                        "size": size,
                        "sort": [{"@timestamp": {"order": "asc"}}],
                        "query": {"bool": {"filter": [
                            range(from, to),
                            {"bool": {"should": [term("user.name", user), term("user.target.name", user)], "minimum_should_match": 1}},
                            {"bool": {"should": [
                                // Windows: member added to a security-enabled global / local /
                                // universal group; special privileges assigned to a new logon.
                                {"terms": {"event.code": ["4728", "4732", "4756", "4672"]}},
                                // Linux: group and sudoers changes.
                                {"terms": {"process.name": ["usermod", "gpasswd", "useradd", "sudo", "visudo"]}},
                            ], "minimum_should_match": 1}},
                        ]}},
                    }),
                ))
            }
            other => Err(format!(
                "`{other}` is not served by the elasticsearch integration"
            )),
        }
    }

    fn request(&self, index: &str, body: Json) -> Req {
        Req::post(format!("/{index}/_search"))
            .json(body)
            .repeatable()
    }
}

/// Elasticsearch's own error: `error.reason` (with the root cause's type), else the body.
fn es_reason(body: &Json) -> String {
    let e = body.get("error");
    let reason = e
        .and_then(|e| e.get("root_cause"))
        .and_then(|r| r.get(0))
        .and_then(|r| r.get("reason"))
        .or_else(|| e.and_then(|e| e.get("reason")))
        .and_then(|r| r.as_str());
    let ty = e.and_then(|e| e.get("type")).and_then(|t| t.as_str());
    match (ty, reason) {
        (Some(t), Some(r)) => format!("{t}: {r}"),
        (None, Some(r)) => r.to_owned(),
        _ => crate::http::vendor_message(body).unwrap_or_else(|| "no error detail".into()),
    }
}

impl Integration for Elasticsearch {
    fn name(&self) -> &str {
        &self.name
    }
    fn vendor(&self) -> &'static str {
        "elasticsearch"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        CAPS
    }
    fn check_params(&self, capability: &str, params: &Json) -> Result<(), String> {
        if let Some(w) = params
            .get("window")
            .and_then(|w| w.as_str())
            .filter(|w| !w.contains("{{"))
        {
            playbooks::duration::parse(w).map_err(|e| format!("`window` {e}"))?;
        }
        if let Some(i) = params
            .get("index")
            .and_then(|w| w.as_str())
            .filter(|w| !w.contains("{{"))
        {
            check_index(i)?;
        }
        if capability == "siem.search" {
            match params.get("query") {
                Some(Json::String(_)) | Some(Json::Object(_)) => {}
                _ => return Err("`query` must be a query DSL mapping or a query string".into()),
            }
        }
        Ok(())
    }
    fn render(&self, req: &CallRequest) -> Vec<Json> {
        let ctx = Ctx::detached(Arc::new(crate::NoLog));
        match self.search_for(&ctx, req) {
            Ok((index, body)) => vec![self.http.render(&self.request(&index, body))],
            // Without the alert (dry-run renderings have none) the time range is not known yet.
            Err(why) => {
                let index = match req.capability.as_str() {
                    "siem.related_alerts" => self.alerts_index.as_str(),
                    "siem.search" => crate::param(req, "index").unwrap_or(&self.events_index),
                    _ => self.events_index.as_str(),
                };
                vec![json!({
                    "integration": self.name,
                    "method": "POST",
                    "url": format!("{}/{}/_search", self.http.base(), crate::http::enc(index).replace("%2A", "*").replace("%2C", ",")),
                    "body": format!("<built at run time: {why}>"),
                })]
            }
        }
    }
    fn call<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let (index, body) = match self.search_for(ctx, req) {
                Ok(x) => x,
                Err(m) => return perm(&self.name, m),
            };
            let cap = body
                .get("size")
                .and_then(|s| s.as_u64())
                .unwrap_or(self.max_size) as usize;
            let resp = match self
                .http
                .send(ctx, self.request(&index, body), &[400, 401, 403, 404])
                .await
            {
                Ok(r) => r,
                Err(e) => return e.into(),
            };
            if resp.status >= 400 {
                let hint = match resp.status {
                    401 => " (check the API key or password configured for this integration)",
                    403 => " (the credentials lack read permission on the index)",
                    404 => " (the index does not exist; check options.*_index or `index`)",
                    _ => "",
                };
                return perm(
                    &self.name,
                    format!(
                        "POST /{index}/_search: HTTP {}: {}{hint}",
                        resp.status,
                        es_reason(&resp.body)
                    ),
                );
            }
            let hits = resp.body.pointer("/hits/hits").and_then(|h| h.as_array());
            let Some(hits) = hits else {
                return Outcome::Failed {
                    class: ErrorClass::Retryable,
                    message: format!(
                        "{}: POST /{index}/_search answered without hits.hits",
                        self.name
                    ),
                };
            };
            let total = resp
                .body
                .pointer("/hits/total/value")
                .or_else(|| resp.body.pointer("/hits/total"))
                .and_then(|t| t.as_u64())
                .unwrap_or(hits.len() as u64);
            let sources: Vec<Json> = hits
                .iter()
                .take(cap)
                .map(|h| h.get("_source").cloned().unwrap_or(Json::Null))
                .collect();
            let mut result = json!({"count": total, "hits": sources});
            if let Some(a) = resp.body.get("aggregations") {
                result["aggregations"] = a.clone();
            }
            // The capability's vendor-neutral summary (connections, dns, commands, …).
            crate::summary::summarise(&req.capability, &mut result);
            Outcome::Ok { result }
        })
    }
    fn reconcile<'a>(&'a self, _ctx: &'a Ctx, _req: &'a CallRequest) -> BoxFuture<'a, Reconciled> {
        // Searches only read: repeating one cannot double an effect.
        Box::pin(async { Reconciled::Idempotent })
    }
}
