//! Elasticsearch / OpenSearch `_search` emulator: documents kept in memory per index, queried
//! with the subset of the query DSL a SOC runner sends — `bool` (`must`, `filter`, `should` with
//! `minimum_should_match`, `must_not`), `term`, `terms`, `range` (dates and numbers), `exists`,
//! `match_all`, and a `query_string` reduced to `field:value` terms or a substring search. Field
//! names resolve through nested objects and dotted keys alike. Unknown query types answer 400
//! `parsing_exception`, unknown concrete indices 404 `index_not_found_exception`, missing or
//! wrong credentials 401 `security_exception`, in Elasticsearch's error envelope.
//!
//! Auth: `Authorization: ApiKey <key>` or Basic with the configured user and password.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub struct Es {
    /// Index name → documents (`_source`).
    pub indices: Mutex<BTreeMap<String, Vec<Json>>>,
    pub api_key: String,
    pub basic: Option<(String, String)>,
}

impl Es {
    pub fn new(api_key: &str) -> Arc<Es> {
        Arc::new(Es {
            indices: Mutex::new(BTreeMap::new()),
            api_key: api_key.to_owned(),
            basic: None,
        })
    }
    pub fn with_basic(api_key: &str, user: &str, password: &str) -> Arc<Es> {
        Arc::new(Es {
            indices: Mutex::new(BTreeMap::new()),
            api_key: api_key.to_owned(),
            basic: Some((user.to_owned(), password.to_owned())),
        })
    }
    /// Adds a document to an index (created if needed).
    pub fn index(&self, index: &str, doc: Json) {
        self.indices
            .lock()
            .expect("indices")
            .entry(index.to_owned())
            .or_default()
            .push(doc);
    }
}

pub fn router(state: Arc<Es>) -> Router {
    Router::new()
        .route("/{index}/_search", axum::routing::post(search).get(search))
        .with_state(state)
}

fn es_error(status: u16, ty: &str, reason: &str) -> Response {
    crate::error(
        status,
        json!({"error": {"root_cause": [{"type": ty, "reason": reason}], "type": ty, "reason": reason}, "status": status}),
    )
}

pub(crate) fn b64(input: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in input.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn authorised(es: &Es, h: &HeaderMap) -> bool {
    let Some(a) = h.get("authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if let Some(k) = a.strip_prefix("ApiKey ") {
        return k == es.api_key;
    }
    if let (Some(b), Some((u, p))) = (a.strip_prefix("Basic "), &es.basic) {
        return b == b64(format!("{u}:{p}").as_bytes());
    }
    false
}

pub(crate) fn glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((pre, rest)) => {
            if !name.starts_with(pre) {
                return false;
            }
            let tail = &name[pre.len()..];
            (0..=tail.len()).any(|i| tail.is_char_boundary(i) && glob(rest, &tail[i..]))
        }
    }
}

async fn search(
    State(es): State<Arc<Es>>,
    Path(index): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if !authorised(&es, &headers) {
        return es_error(
            401,
            "security_exception",
            "unable to authenticate user for REST request [/_search]",
        );
    }
    let body: Json = if body.trim().is_empty() {
        json!({})
    } else {
        match serde_json::from_str(&body) {
            Ok(b) => b,
            Err(e) => {
                return es_error(
                    400,
                    "parsing_exception",
                    &format!("failed to parse search body: {e}"),
                );
            }
        }
    };
    let query = body
        .get("query")
        .cloned()
        .unwrap_or(json!({"match_all": {}}));
    let size = body.get("size").and_then(|s| s.as_u64()).unwrap_or(10) as usize;
    let indices = es.indices.lock().expect("indices").clone();
    let mut docs: Vec<(String, usize, Json)> = Vec::new();
    for pat in index.split(',') {
        let mut any = false;
        for (name, ds) in &indices {
            if glob(pat, name) {
                any = true;
                docs.extend(
                    ds.iter()
                        .enumerate()
                        .map(|(i, d)| (name.clone(), i, d.clone())),
                );
            }
        }
        if !any && !pat.contains('*') {
            return es_error(
                404,
                "index_not_found_exception",
                &format!("no such index [{pat}]"),
            );
        }
    }
    let mut hits = Vec::new();
    for (name, i, d) in docs {
        match matches(&query, &d) {
            Ok(true) => hits.push((name, i, d)),
            Ok(false) => {}
            Err(e) => return es_error(400, "parsing_exception", &e),
        }
    }
    if let Some((field, desc)) = sort_key(&body) {
        hits.sort_by(|a, b| {
            let x = lookup(&a.2, &field)
                .into_iter()
                .next()
                .cloned()
                .unwrap_or(Json::Null);
            let y = lookup(&b.2, &field)
                .into_iter()
                .next()
                .cloned()
                .unwrap_or(Json::Null);
            let o = compare(&x, &y).unwrap_or(std::cmp::Ordering::Equal);
            if desc { o.reverse() } else { o }
        });
    }
    let total = hits.len();
    let out: Vec<Json> = hits
        .into_iter()
        .take(size)
        .map(|(name, i, d)| json!({"_index": name, "_id": format!("{name}-{i}"), "_score": null, "_source": d}))
        .collect();
    axum::Json(json!({
        "took": 1,
        "timed_out": false,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {"total": {"value": total, "relation": "eq"}, "max_score": null, "hits": out},
    }))
    .into_response()
}

fn sort_key(body: &Json) -> Option<(String, bool)> {
    let first = match body.get("sort")? {
        Json::Array(a) => a.first()?.clone(),
        other => other.clone(),
    };
    match first {
        Json::String(f) => Some((f, false)),
        Json::Object(o) => {
            let (f, spec) = o.into_iter().next()?;
            let order = spec
                .as_str()
                .map(str::to_owned)
                .or_else(|| {
                    spec.get("order")
                        .and_then(|x| x.as_str())
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| "asc".into());
            Some((f, order == "desc"))
        }
        _ => None,
    }
}

/// Values of a field, through nested objects, dotted keys and arrays.
pub fn lookup<'a>(v: &'a Json, path: &str) -> Vec<&'a Json> {
    let mut out = Vec::new();
    match v {
        Json::Array(a) => a.iter().for_each(|x| out.extend(lookup(x, path))),
        Json::Object(o) => {
            if let Some(x) = o.get(path) {
                match x {
                    Json::Array(a) => out.extend(a.iter()),
                    _ => out.push(x),
                }
            }
            for (i, _) in path.match_indices('.') {
                if let Some(x) = o.get(&path[..i]) {
                    out.extend(lookup(x, &path[i + 1..]));
                }
            }
        }
        _ => {}
    }
    out
}

fn same(doc: &Json, q: &Json) -> bool {
    match (doc, q) {
        (Json::String(a), Json::String(b)) => a == b,
        (Json::String(a), Json::Number(n)) | (Json::Number(n), Json::String(a)) => {
            a == &n.to_string()
        }
        (a, b) => a == b,
    }
}

/// Milliseconds since the epoch of `YYYY-MM-DD[THH:MM:SS[.fff]][Z|±HH:MM]`.
pub fn parse_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let t = s.get(from..from + len)?;
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (mut hh, mut mm, mut ss, mut ms, mut off) = (0, 0, 0, 0i64, 0i64);
    if b.len() > 10 {
        if b[10] != b'T' && b[10] != b' ' {
            return None;
        }
        hh = num(11, 2)?;
        mm = num(14, 2)?;
        ss = num(17, 2)?;
        let mut i = 19;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let frac = &s[start..j];
            let f3: String = frac.chars().chain("000".chars()).take(3).collect();
            ms = f3.parse().ok()?;
            i = j;
        }
        match b.get(i) {
            None => {}
            Some(b'Z') => i += 1,
            Some(c @ (b'+' | b'-')) => {
                let sign = if *c == b'+' { 1 } else { -1 };
                off = sign * (num(i + 1, 2)? * 60 + num(i + 4, 2)?);
                i += 6;
            }
            _ => return None,
        }
        if i != b.len() {
            return None;
        }
    }
    // Days from civil (Howard Hinnant).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + hh) * 60 + mm - off) * 60_000 + ss * 1000 + ms)
}

fn compare(a: &Json, b: &Json) -> Option<std::cmp::Ordering> {
    if let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) {
        return x.partial_cmp(&y);
    }
    let (x, y) = (a.as_str()?, b.as_str()?);
    match (parse_time(x), parse_time(y)) {
        (Some(p), Some(q)) => Some(p.cmp(&q)),
        _ => match (x.parse::<f64>(), y.parse::<f64>()) {
            (Ok(p), Ok(q)) => p.partial_cmp(&q),
            _ => Some(x.cmp(y)),
        },
    }
}

fn clauses(v: Option<&Json>) -> Vec<&Json> {
    match v {
        None => Vec::new(),
        Some(Json::Array(a)) => a.iter().collect(),
        Some(x) => vec![x],
    }
}

fn single(q: &Json, kind: &str) -> Result<(String, Json), String> {
    let o = q
        .as_object()
        .filter(|o| o.len() == 1)
        .ok_or_else(|| format!("[{kind}] query malformed, expected one field"))?;
    let (f, v) = o.iter().next().expect("one field");
    Ok((f.clone(), v.clone()))
}

/// Does `doc` match the query clause `q`? Errors name unsupported or malformed queries.
pub fn matches(q: &Json, doc: &Json) -> Result<bool, String> {
    let o = q.as_object().ok_or("query must be an object")?;
    if o.len() != 1 {
        return Err("query clause must have exactly one key".into());
    }
    let (kind, body) = o.iter().next().expect("one key");
    match kind.as_str() {
        "match_all" => Ok(true),
        "bool" => {
            for c in clauses(body.get("must"))
                .into_iter()
                .chain(clauses(body.get("filter")))
            {
                if !matches(c, doc)? {
                    return Ok(false);
                }
            }
            for c in clauses(body.get("must_not")) {
                if matches(c, doc)? {
                    return Ok(false);
                }
            }
            let should = clauses(body.get("should"));
            if should.is_empty() {
                return Ok(true);
            }
            let positive =
                !clauses(body.get("must")).is_empty() || !clauses(body.get("filter")).is_empty();
            let min = body
                .get("minimum_should_match")
                .and_then(|m| {
                    m.as_u64()
                        .or_else(|| m.as_str().and_then(|s| s.parse().ok()))
                })
                .unwrap_or(if positive { 0 } else { 1 });
            let mut n = 0;
            for c in should {
                if matches(c, doc)? {
                    n += 1;
                }
            }
            Ok(n >= min)
        }
        "term" => {
            let (f, v) = single(body, "term")?;
            let v = v.get("value").cloned().unwrap_or(v);
            Ok(lookup(doc, &f).iter().any(|x| same(x, &v)))
        }
        "terms" => {
            let (f, v) = single(body, "terms")?;
            let vs = v
                .as_array()
                .ok_or("[terms] query requires an array of values")?;
            Ok(lookup(doc, &f)
                .iter()
                .any(|x| vs.iter().any(|v| same(x, v))))
        }
        "exists" => {
            let f = body
                .get("field")
                .and_then(|f| f.as_str())
                .ok_or("[exists] requires field")?;
            Ok(lookup(doc, f).iter().any(|x| !x.is_null()))
        }
        "range" => {
            let (f, spec) = single(body, "range")?;
            let vals = lookup(doc, &f);
            Ok(vals.iter().any(|x| {
                let ok = |k: &str, want: &[std::cmp::Ordering]| match spec.get(k) {
                    None => true,
                    Some(b) => compare(x, b).is_some_and(|o| want.contains(&o)),
                };
                use std::cmp::Ordering::*;
                ok("gte", &[Greater, Equal])
                    && ok("gt", &[Greater])
                    && ok("lte", &[Less, Equal])
                    && ok("lt", &[Less])
            }))
        }
        "query_string" => {
            let text = body
                .get("query")
                .and_then(|t| t.as_str())
                .ok_or("[query_string] requires query")?;
            match text.split_once(':') {
                Some((f, v)) if !f.contains(' ') => {
                    let v = v.trim().trim_matches('"');
                    Ok(lookup(doc, f)
                        .iter()
                        .any(|x| same(x, &Json::String(v.to_owned()))))
                }
                _ => Ok(doc.to_string().contains(text)),
            }
        }
        other => Err(format!("unknown query [{other}]")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_compare_across_formats() {
        assert_eq!(parse_time("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(
            parse_time("2026-03-01T10:00:00.250Z"),
            parse_time("2026-03-01T11:00:00.25+01:00")
        );
        assert!(parse_time("2026-03-01T10:00:00Z") < parse_time("2026-03-01T10:00:00.001Z"));
        assert_eq!(parse_time("2026-03-01"), parse_time("2026-03-01T00:00:00Z"));
        assert_eq!(parse_time("not a time"), None);
    }

    #[test]
    fn fields_resolve_nested_and_dotted() {
        let d = json!({"host": {"name": "ws1"}, "user.name": "bob", "event": {"category": ["network", "x"]}});
        assert!(matches(&json!({"term": {"host.name": "ws1"}}), &d).unwrap());
        assert!(matches(&json!({"term": {"user.name": "bob"}}), &d).unwrap());
        assert!(matches(&json!({"term": {"event.category": "network"}}), &d).unwrap());
        assert!(!matches(&json!({"term": {"host.name": "ws2"}}), &d).unwrap());
        assert!(matches(&json!({"nope": {}}), &d).is_err());
        assert_eq!(b64(b"elastic:changeme"), "ZWxhc3RpYzpjaGFuZ2VtZQ==");
    }
}
