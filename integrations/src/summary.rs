//! The vendor-neutral result contract of the `siem.*` look-ups.
//!
//! Playbooks are written against capabilities, not vendors, so every SIEM integration returns
//! the same summary next to the raw hits (`{count, hits}`):
//!
//! | capability | summary fields |
//! | --- | --- |
//! | `siem.related_alerts` | `total`, `alerts: [{time, rule, severity, host, user}]` |
//! | `siem.network_after` | `connections: [{ip, port, count}]` (by destination, most first), `dns: [names]` |
//! | `siem.process_events` | `commands: [command lines]`, `max_per_minute` (most starts in any 60 s) |
//! | `siem.privilege_changes` | `changes: ["time code action group"]`, `groups: [group names]` |
//!
//! Fields are read from ECS (nested or dotted keys); Windows Security events shipped by
//! winlogbeat also carry the group in `winlog.event_data.TargetUserName`.

use serde_json::{Value as Json, json};
use std::collections::BTreeMap;

/// A field by dotted path, nested or with dotted keys (mixed forms occur in real exports).
pub fn field<'a>(doc: &'a Json, path: &str) -> Option<&'a Json> {
    if let Some(v) = doc.get(path) {
        return Some(v);
    }
    let (head, rest) = path.split_once('.')?;
    // Try every split point: `a.b.c` as a → `b.c`, and `a.b` → `c`.
    if let Some(v) = doc.get(head).and_then(|d| field(d, rest)) {
        return Some(v);
    }
    let mut i = head.len();
    while let Some(j) = path[i + 1..].find('.') {
        let k = i + 1 + j;
        if let Some(v) = doc.get(&path[..k]).and_then(|d| field(d, &path[k + 1..])) {
            return Some(v);
        }
        i = k;
    }
    None
}

fn s(doc: &Json, path: &str) -> Option<String> {
    match field(doc, path)? {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        Json::Array(a) => a.first().and_then(|v| v.as_str()).map(str::to_owned),
        _ => None,
    }
}

fn time(doc: &Json) -> Option<chrono::DateTime<chrono::Utc>> {
    s(doc, "@timestamp")
        .or_else(|| s(doc, "timestamp"))
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// Adds the capability's summary fields to `result` (which holds `count` and `hits`).
pub fn summarise(capability: &str, result: &mut Json) {
    let hits: Vec<Json> = result
        .get("hits")
        .and_then(|h| h.as_array())
        .cloned()
        .unwrap_or_default();
    let count = result.get("count").cloned().unwrap_or(json!(hits.len()));
    let Some(o) = result.as_object_mut() else {
        return;
    };
    match capability {
        "siem.related_alerts" => {
            o.insert("total".into(), count);
            let alerts: Vec<Json> = hits
                .iter()
                .map(|h| {
                    json!({
                        "time": s(h, "@timestamp"),
                        "rule": s(h, "kibana.alert.rule.name").or_else(|| s(h, "rule.name")).or_else(|| s(h, "signal.rule.name")),
                        "severity": s(h, "kibana.alert.severity").or_else(|| s(h, "event.severity")),
                        "host": s(h, "host.name"),
                        "user": s(h, "user.name"),
                    })
                })
                .collect();
            o.insert("alerts".into(), Json::Array(alerts));
        }
        "siem.network_after" => {
            let mut by: BTreeMap<(String, String), u64> = BTreeMap::new();
            let mut dns: Vec<String> = Vec::new();
            for h in &hits {
                if let Some(ip) = s(h, "destination.ip") {
                    let port = s(h, "destination.port").unwrap_or_default();
                    *by.entry((ip, port)).or_default() += 1;
                }
                if let Some(q) = s(h, "dns.question.name") {
                    let q = q.trim_end_matches('.').to_ascii_lowercase();
                    if !dns.contains(&q) {
                        dns.push(q);
                    }
                }
            }
            let mut conns: Vec<((String, String), u64)> = by.into_iter().collect();
            conns.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let conns: Vec<Json> = conns
                .into_iter()
                .map(|((ip, port), n)| json!({"ip": ip, "port": port.parse::<u64>().map(Json::from).unwrap_or(Json::Null), "count": n}))
                .collect();
            o.insert("connections".into(), Json::Array(conns));
            o.insert("dns".into(), json!(dns));
        }
        "siem.process_events" => {
            let commands: Vec<String> = hits
                .iter()
                .filter_map(|h| s(h, "process.command_line").or_else(|| s(h, "process.name")))
                .collect();
            let mut times: Vec<i64> = hits
                .iter()
                .filter_map(time)
                .map(|t| t.timestamp_millis())
                .collect();
            times.sort_unstable();
            let (mut best, mut lo) = (0usize, 0usize);
            for hi in 0..times.len() {
                while times[hi] - times[lo] >= 60_000 {
                    lo += 1;
                }
                best = best.max(hi - lo + 1);
            }
            o.insert("commands".into(), json!(commands));
            o.insert("max_per_minute".into(), json!(best));
        }
        "siem.privilege_changes" => {
            let mut changes = Vec::new();
            let mut groups: Vec<String> = Vec::new();
            for h in &hits {
                let group = s(h, "group.name").or_else(|| {
                    // 4728/4732/4756: the group is the event's target.
                    matches!(
                        s(h, "event.code").as_deref(),
                        Some("4728" | "4732" | "4756")
                    )
                    .then(|| s(h, "winlog.event_data.TargetUserName"))
                    .flatten()
                });
                let what = s(h, "event.action")
                    .or_else(|| s(h, "process.command_line"))
                    .or_else(|| s(h, "message"))
                    .unwrap_or_default();
                changes.push(
                    [
                        s(h, "@timestamp"),
                        s(h, "event.code"),
                        Some(what),
                        group.clone(),
                    ]
                    .into_iter()
                    .flatten()
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
                    .join(" "),
                );
                if let Some(g) = group
                    && !groups.contains(&g)
                {
                    groups.push(g);
                }
            }
            o.insert("changes".into(), json!(changes));
            o.insert("groups".into(), json!(groups));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_connections_are_counted_by_destination() {
        let mut r = json!({"count": 4, "hits": [
            {"destination": {"ip": "203.0.113.9", "port": 443}},
            {"destination.ip": "203.0.113.9", "destination.port": 443},
            {"destination": {"ip": "198.51.100.7", "port": 80}},
            {"dns": {"question": {"name": "Evil.Example."}}},
        ]});
        summarise("siem.network_after", &mut r);
        assert_eq!(
            r["connections"][0],
            json!({"ip": "203.0.113.9", "port": 443, "count": 2})
        );
        assert_eq!(r["connections"][1]["ip"], "198.51.100.7");
        assert_eq!(r["dns"], json!(["evil.example"]));
    }

    #[test]
    fn rapid_execution_is_the_densest_minute() {
        let mut r = json!({"hits": [
            {"@timestamp": "2026-11-28T08:00:00Z", "process": {"command_line": "whoami"}},
            {"@timestamp": "2026-11-28T08:00:10Z", "process": {"command_line": "net user"}},
            {"@timestamp": "2026-11-28T08:00:59Z", "process": {"command_line": "ipconfig"}},
            {"@timestamp": "2026-11-28T08:05:00Z", "process": {"command_line": "hostname"}},
        ]});
        summarise("siem.process_events", &mut r);
        assert_eq!(r["max_per_minute"], 3);
        assert_eq!(r["commands"].as_array().unwrap().len(), 4);
    }

    #[test]
    fn privilege_changes_name_the_groups() {
        let mut r = json!({"hits": [
            {"@timestamp": "2026-11-28T07:00:00Z", "event": {"code": "4732", "action": "added-member-to-group"}, "group": {"name": "Administrators"}},
            {"@timestamp": "2026-11-28T07:01:00Z", "event": {"code": "4728"}, "winlog": {"event_data": {"TargetUserName": "Domain Admins"}}},
        ]});
        summarise("siem.privilege_changes", &mut r);
        assert_eq!(r["groups"], json!(["Administrators", "Domain Admins"]));
        assert!(
            r["changes"][0]
                .as_str()
                .unwrap()
                .contains("4732 added-member-to-group Administrators")
        );
    }

    #[test]
    fn related_alerts_total_and_rules() {
        let mut r = json!({"count": 7, "hits": [{"@timestamp": "t", "kibana.alert.rule.name": "Encoded PowerShell", "host": {"name": "WS-1"}}]});
        summarise("siem.related_alerts", &mut r);
        assert_eq!(r["total"], 7);
        assert_eq!(r["alerts"][0]["rule"], "Encoded PowerShell");
    }
}
