//! Alert sources that poll a SIEM over HTTP: Elastic Security detection alerts through Kibana,
//! and an Elasticsearch/OpenSearch index (raw winlogbeat, Wazuh's indexer).
//!
//! The cursor of both is a time checkpoint plus the ids already taken at that exact time:
//! a poll asks for documents at or after the checkpoint, sorted ascending, and drops the ids it
//! already took there. That is `search_after` on (time, id) without a point-in-time to keep
//! alive: a restart, a SIEM outage or a day without polls resumes exactly where it stopped, and
//! alerts sharing a timestamp across a batch boundary are neither lost nor taken twice.

use crate::config::{SourceConfig, SourceType};
use crate::daemon::Batch;
use anyhow::{Context, Result};
use integrations::http::{Auth, HttpClient, Limits, Req};
use integrations::secret::Secret;
use integrations::{Ctx, NoLog};
use playbooks::alert;
use serde_json::{Value as Json, json};
use std::sync::Arc;

/// An HTTP source with its client.
pub struct HttpSource {
    pub cfg: SourceConfig,
    client: HttpClient,
}

fn auth(s: &SourceConfig) -> Result<(Auth, Vec<Secret>)> {
    if s.kind == SourceType::Splunk {
        let t = match s.credentials.get("token") {
            Some(r) => r
                .load()
                .map_err(|e| anyhow::anyhow!("sources.{}: credential `token`: {e}", s.name))?,
            None => anyhow::bail!(
                "sources.{}: credentials need `token` (a Splunk authentication token)",
                s.name
            ),
        };
        return Ok((Auth::Bearer(t.clone()), vec![t]));
    }
    let load = |name: &str| -> Result<Option<Secret>> {
        match s.credentials.get(name) {
            None => Ok(None),
            Some(r) => Ok(Some(r.load().map_err(|e| {
                anyhow::anyhow!("sources.{}: credential `{name}`: {e}", s.name)
            })?)),
        }
    };
    if let Some(k) = load("api_key")? {
        return Ok((
            Auth::Header {
                name: "authorization",
                prefix: "ApiKey ",
                value: k.clone(),
            },
            vec![k],
        ));
    }
    if let Some(p) = load("password")? {
        let user = match load("username")? {
            Some(u) => u.expose().to_owned(),
            None => anyhow::bail!(
                "sources.{}: `password` needs `username` in credentials",
                s.name
            ),
        };
        return Ok((
            Auth::Basic {
                user,
                password: p.clone(),
            },
            vec![p],
        ));
    }
    anyhow::bail!(
        "sources.{}: credentials need `api_key` (Elastic API key, base64 id:key) or `username` and `password`",
        s.name
    )
}

impl HttpSource {
    pub fn new(s: &SourceConfig) -> Result<HttpSource> {
        let url = s
            .url
            .clone()
            .with_context(|| format!("sources.{}: `url` is missing", s.name))?;
        let (a, secrets) = auth(s)?;
        let limits = Limits {
            attempts: 3,
            ..Limits::default()
        };
        Ok(HttpSource {
            cfg: s.clone(),
            client: HttpClient::new(&s.name, &url, a, limits, secrets),
        })
    }

    fn time_field(&self) -> String {
        match self.cfg.kind {
            SourceType::Kibana => "@timestamp".into(),
            _ => self
                .cfg
                .time_field
                .clone()
                .unwrap_or_else(|| "@timestamp".into()),
        }
    }

    fn prefix(&self) -> String {
        match &self.cfg.space {
            Some(s) if !s.is_empty() && s != "default" => {
                format!("/s/{}", integrations::http::enc(s))
            }
            _ => String::new(),
        }
    }

    /// Splunk ES notables: a one-shot search job from the checkpoint (`earliest_time`, epoch
    /// seconds), de-duplicated on `event_id` at the checkpoint second. Notable fields are
    /// mapped onto ECS (`dest` → `host.name`, `src` → `source.ip`, `user` → `user.name`,
    /// `rule_name` → `rule.name`, `annotations.mitre_attack` → `threat.technique.id`); the
    /// whole notable stays under `splunk`.
    async fn poll_splunk(&self, cursor: Option<Json>) -> Result<Batch> {
        let ts = cursor
            .as_ref()
            .and_then(|c| c.get("ts"))
            .and_then(|t| t.as_i64());
        let seen: Vec<String> = cursor
            .as_ref()
            .and_then(|c| c.get("ids"))
            .and_then(|i| serde_json::from_value(i.clone()).ok())
            .unwrap_or_default();
        let search = match &self.cfg.query {
            Some(Json::String(q)) => q.clone(),
            _ => "search `notable`".to_owned(),
        };
        let mut form = vec![
            ("search".to_owned(), search),
            ("exec_mode".to_owned(), "oneshot".to_owned()),
            ("output_mode".to_owned(), "json".to_owned()),
            (
                "count".to_owned(),
                (self.cfg.batch.max(1) + seen.len()).to_string(),
            ),
        ];
        if let Some(t) = ts {
            form.push(("earliest_time".to_owned(), t.to_string()));
        }
        let ctx = Ctx::detached(Arc::new(NoLog));
        let req = Req::post("/services/search/jobs").form(form).repeatable();
        let resp = self
            .client
            .send(&ctx, req, &[])
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut results = resp
            .body
            .get("results")
            .and_then(|r| r.as_array())
            .cloned()
            .unwrap_or_default();
        let secs = |r: &Json| -> Option<i64> {
            let t = r.get("_time")?;
            t.as_str()
                .and_then(|s| {
                    s.parse::<f64>().ok().map(|f| f as i64).or_else(|| {
                        chrono::DateTime::parse_from_rfc3339(s)
                            .ok()
                            .map(|d| d.timestamp())
                    })
                })
                .or_else(|| t.as_f64().map(|f| f as i64))
        };
        results.sort_by_key(|r| secs(r).unwrap_or(0));
        let mut items = Vec::new();
        let (mut last, mut at_last) = (ts, seen.clone());
        for r in results {
            let id = r
                .get("event_id")
                .and_then(|i| i.as_str())
                .unwrap_or("")
                .to_owned();
            let t = secs(&r);
            if t.is_some() && t == ts && seen.contains(&id) {
                continue;
            }
            if items.len() >= self.cfg.batch.max(1) {
                break;
            }
            if t != last {
                at_last.clear();
                last = t;
            }
            at_last.push(id.clone());
            let g = |k: &str| r.get(k).cloned().unwrap_or(Json::Null);
            let mut doc = json!({
                "@timestamp": t.and_then(|t| chrono::DateTime::from_timestamp(t, 0)).map(|d| d.to_rfc3339()),
                "event": {"id": id, "kind": "alert"},
                "rule": {"name": g("rule_name")},
                "splunk": r.clone(),
            });
            for (from, to) in [("dest", "host"), ("user", "user")] {
                if let Some(v) = r.get(from).and_then(|v| v.as_str()) {
                    doc[to] = json!({"name": v});
                }
            }
            if let Some(v) = r.get("src").and_then(|v| v.as_str()) {
                doc["source"] = json!({"ip": v});
            }
            // ES correlation searches annotate notables with ATT&CK technique ids.
            let techniques = r
                .get("annotations.mitre_attack")
                .or_else(|| r.pointer("/annotations/mitre_attack"))
                .cloned();
            if let Some(t) = techniques.filter(|t| !t.is_null()) {
                let ids = match t {
                    Json::String(s) => json!([s]),
                    other => other,
                };
                doc["threat"] = json!({"technique": {"id": ids}});
            }
            let origin = format!("{}/{id}", self.cfg.name);
            items.push((origin, alert::from_json(doc, &format!("event_id {id}"))));
        }
        Ok(Batch {
            items,
            cursor: json!({"ts": last, "ids": at_last}),
        })
    }

    /// The next batch after `cursor`.
    pub async fn poll(&self, cursor: Option<Json>) -> Result<Batch> {
        if self.cfg.kind == SourceType::Splunk {
            return self.poll_splunk(cursor).await;
        }
        let tf = self.time_field();
        let ts = cursor
            .as_ref()
            .and_then(|c| c.get("ts"))
            .and_then(|t| t.as_str())
            .map(str::to_owned);
        let seen: Vec<String> = cursor
            .as_ref()
            .and_then(|c| c.get("ids"))
            .and_then(|i| serde_json::from_value(i.clone()).ok())
            .unwrap_or_default();
        let mut filter = Vec::new();
        if let Some(t) = &ts {
            filter.push(json!({"range": {tf.clone(): {"gte": t}}}));
        }
        let mut must_not = Vec::new();
        let req = match self.cfg.kind {
            SourceType::Kibana => {
                filter.push(json!({"term": {"kibana.alert.workflow_status": "open"}}));
                must_not.push(json!({"exists": {"field": "kibana.alert.building_block_type"}}));
                Req::post(format!(
                    "{}/api/detection_engine/signals/search",
                    self.prefix()
                ))
                .header("kbn-xsrf", "riposte")
                .repeatable()
            }
            SourceType::Elasticsearch => {
                if let Some(q) = &self.cfg.query {
                    filter.push(q.clone());
                }
                let index = self.cfg.index.clone().unwrap_or_default();
                Req::post(format!(
                    "/{}/_search",
                    integrations::http::enc(&index)
                        .replace("%2A", "*")
                        .replace("%2C", ",")
                ))
                .repeatable()
            }
            _ => anyhow::bail!("source {} does not poll over HTTP", self.cfg.name),
        };
        // Ask for the ids already taken at the checkpoint too, so a full batch still advances.
        let size = self.cfg.batch.max(1) + seen.len();
        let body = json!({
            "query": {"bool": {"filter": filter, "must_not": must_not}},
            "sort": [{tf.clone(): {"order": "asc"}}],
            "size": size,
        });
        let ctx = Ctx::detached(Arc::new(NoLog));
        let resp = self
            .client
            .send(&ctx, req.json(body), &[])
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let hits = resp
            .body
            .pointer("/hits/hits")
            .and_then(|h| h.as_array())
            .cloned()
            .unwrap_or_default();
        let mut items = Vec::new();
        let (mut last_ts, mut at_last) = (ts.clone(), seen.clone());
        for h in hits {
            let id = h
                .get("_id")
                .and_then(|i| i.as_str())
                .unwrap_or("")
                .to_owned();
            let src = h.get("_source").cloned().unwrap_or(Json::Null);
            let t = integrations::summary::field(&src, &tf)
                .and_then(|t| t.as_str())
                .map(str::to_owned);
            if t.is_some() && t == ts && seen.contains(&id) {
                continue; // taken by an earlier poll
            }
            if items.len() >= self.cfg.batch.max(1) {
                break;
            }
            if t != last_ts {
                at_last.clear();
                last_ts = t.clone();
            }
            at_last.push(id.clone());
            let origin = format!("{}/{id}", self.cfg.name);
            items.push((origin, alert::from_json(h, &format!("_id {id}"))));
        }
        Ok(Batch {
            items,
            cursor: json!({"ts": last_ts, "ids": at_last}),
        })
    }

    /// Kibana: mark alerts acknowledged once their runs exist (idempotent).
    pub async fn acknowledge(&self, ids: &[String]) -> Result<()> {
        if self.cfg.kind != SourceType::Kibana || !self.cfg.acknowledge || ids.is_empty() {
            return Ok(());
        }
        let ctx = Ctx::detached(Arc::new(NoLog));
        let req = Req::post(format!(
            "{}/api/detection_engine/signals/status",
            self.prefix()
        ))
        .header("kbn-xsrf", "riposte")
        .json(json!({"signal_ids": ids, "status": "acknowledged"}))
        // Setting a status is idempotent: safe to repeat.
        .repeatable();
        self.client
            .send(&ctx, req, &[])
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(())
    }
}
