//! Splunk search emulator: `POST /services/search/jobs` with form fields `search`,
//! `exec_mode=oneshot|blocking`, `output_mode=json`, `earliest_time` / `latest_time` (epoch
//! seconds) and `count`, answering `{"results": [...]}` inline (oneshot) — or a `{sid}` for
//! blocking mode, whose results come from `GET /services/search/jobs/{sid}/results`.
//!
//! The SPL subset it evaluates over in-memory events (each with `_time` as an ISO timestamp):
//! `search` followed by `field=value` terms (`*` wildcards, quoted values with `\"` and `\\`
//! escapes), `OR`, `AND`, `NOT` and parentheses; then pipes `| where <expr>` (`==`, `!=`, `OR`,
//! `AND`, `NOT`, parentheses, `"string"` literals with backslash escapes, bare or 'quoted' field
//! names) and `| head N`. Any other command answers 400 with a FATAL message, as Splunk does.
//! Auth: `Authorization: Bearer <token>` (401 otherwise).

use crate::elasticsearch::{glob, parse_time};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub struct Splunk {
    pub token: String,
    /// Events: flat objects with `_time`, `index` and fields.
    pub events: Mutex<Vec<Json>>,
    /// Every `search` string received.
    pub searches: Mutex<Vec<String>>,
    jobs: Mutex<HashMap<String, Vec<Json>>>,
}

impl Splunk {
    pub fn new(token: &str) -> Arc<Splunk> {
        Arc::new(Splunk {
            token: token.to_owned(),
            events: Mutex::new(Vec::new()),
            searches: Mutex::new(Vec::new()),
            jobs: Mutex::new(HashMap::new()),
        })
    }
    pub fn add(&self, event: Json) {
        self.events.lock().expect("events").push(event);
    }
}

pub fn router(st: Arc<Splunk>) -> Router {
    Router::new()
        .route("/services/search/jobs", axum::routing::post(create))
        .route(
            "/services/search/jobs/{sid}/results",
            axum::routing::get(results),
        )
        .with_state(st)
}

fn fatal(status: u16, text: &str) -> Response {
    crate::error(
        status,
        json!({"messages": [{"type": "FATAL", "text": text}]}),
    )
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Quoted(String),
    LParen,
    RParen,
    Pipe,
    Eq,
    EqEq,
    NotEq,
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < c.len() {
        match c[i] {
            w if w.is_whitespace() => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1;
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1;
            }
            '|' => {
                out.push(Tok::Pipe);
                i += 1;
            }
            '=' if c.get(i + 1) == Some(&'=') => {
                out.push(Tok::EqEq);
                i += 2;
            }
            '!' if c.get(i + 1) == Some(&'=') => {
                out.push(Tok::NotEq);
                i += 2;
            }
            '=' => {
                out.push(Tok::Eq);
                i += 1;
            }
            q @ ('"' | '\'') => {
                let mut v = String::new();
                i += 1;
                loop {
                    match c.get(i) {
                        None => return Err("Unbalanced quotes.".into()),
                        Some('\\') if q == '"' => {
                            let n = c.get(i + 1).ok_or("Unbalanced quotes.")?;
                            v.push(*n);
                            i += 2;
                        }
                        Some(x) if *x == q => {
                            i += 1;
                            break;
                        }
                        Some(x) => {
                            v.push(*x);
                            i += 1;
                        }
                    }
                }
                out.push(if q == '"' {
                    Tok::Str(v)
                } else {
                    Tok::Quoted(v)
                });
            }
            _ => {
                let start = i;
                while i < c.len() && !c[i].is_whitespace() && !"()|=!\"'".contains(c[i]) {
                    i += 1;
                }
                if start == i {
                    return Err(format!("Unexpected character '{}'.", c[i]));
                }
                out.push(Tok::Word(c[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

#[derive(Debug)]
enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// field, value, wildcard semantics (search) or exact (where), negated
    Cmp(String, String, bool, bool),
    True,
}

struct P<'a> {
    t: &'a [Tok],
    i: usize,
    /// `where` syntax (== / !=) instead of search terms.
    eval: bool,
}

impl P<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.t.get(self.i)
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut l = self.and()?;
        while self.peek() == Some(&Tok::Word("OR".into())) {
            self.i += 1;
            l = Expr::Or(Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut l = self.unary()?;
        loop {
            match self.peek() {
                Some(Tok::Word(w)) if w == "AND" => {
                    self.i += 1;
                    l = Expr::And(Box::new(l), Box::new(self.unary()?));
                }
                Some(Tok::Word(w)) if w != "OR" && !self.eval => {
                    l = Expr::And(Box::new(l), Box::new(self.unary()?))
                }
                Some(Tok::LParen | Tok::Str(_)) if !self.eval => {
                    l = Expr::And(Box::new(l), Box::new(self.unary()?))
                }
                _ => return Ok(l),
            }
        }
    }
    fn unary(&mut self) -> Result<Expr, String> {
        match self.t.get(self.i).cloned() {
            Some(Tok::Word(w)) if w == "NOT" => {
                self.i += 1;
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Some(Tok::LParen) => {
                self.i += 1;
                let e = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err("Missing closing parenthesis.".into());
                }
                self.i += 1;
                Ok(e)
            }
            Some(Tok::Word(f)) | Some(Tok::Quoted(f)) => {
                self.i += 1;
                let op = self.t.get(self.i).cloned();
                let (neg, ok) = match (&op, self.eval) {
                    (Some(Tok::Eq), false) => (false, true),
                    (Some(Tok::NotEq), false) => (true, true),
                    (Some(Tok::EqEq), true) => (false, true),
                    (Some(Tok::NotEq), true) => (true, true),
                    _ => (false, false),
                };
                if !ok {
                    return Err(format!("Expected a comparison after '{f}'."));
                }
                self.i += 1;
                let v = match self.t.get(self.i).cloned() {
                    Some(Tok::Str(v)) => v,
                    Some(Tok::Word(v)) if !self.eval => v,
                    _ => return Err(format!("Expected a value after '{f}'.")),
                };
                self.i += 1;
                Ok(Expr::Cmp(f, v, !self.eval, neg))
            }
            other => Err(format!("Unexpected token {other:?}.")),
        }
    }
}

fn eval(e: &Expr, ev: &Json) -> bool {
    match e {
        Expr::True => true,
        Expr::Or(a, b) => eval(a, ev) || eval(b, ev),
        Expr::And(a, b) => eval(a, ev) && eval(b, ev),
        Expr::Not(a) => !eval(a, ev),
        Expr::Cmp(f, v, wild, neg) => {
            let got = match ev.get(f) {
                Some(Json::String(s)) => Some(s.clone()),
                Some(Json::Null) | None => None,
                Some(x) => Some(x.to_string()),
            };
            let hit = got.is_some_and(|g| {
                if *wild {
                    glob(&v.to_lowercase(), &g.to_lowercase())
                } else {
                    &g == v
                }
            });
            hit != *neg
        }
    }
}

/// Runs the SPL over the events; errors are Splunk's FATAL texts.
pub fn run(
    spl: &str,
    events: &[Json],
    earliest: Option<i64>,
    latest: Option<i64>,
) -> Result<Vec<Json>, String> {
    let toks = lex(spl)?;
    let mut parts: Vec<&[Tok]> = toks.split(|t| *t == Tok::Pipe).collect();
    let first = parts.remove(0);
    let first = match first.first() {
        Some(Tok::Word(w)) if w == "search" => &first[1..],
        _ => first,
    };
    let filter = if first.is_empty() {
        Expr::True
    } else {
        let mut p = P {
            t: first,
            i: 0,
            eval: false,
        };
        let e = p.or()?;
        if p.i != first.len() {
            return Err(format!(
                "Error in 'search' command: Unexpected token {:?}.",
                first[p.i]
            ));
        }
        e
    };
    let mut out: Vec<Json> = events
        .iter()
        .filter(|ev| {
            let t = ev
                .get("_time")
                .and_then(|t| t.as_str())
                .and_then(parse_time)
                .map(|ms| ms / 1000);
            earliest.is_none_or(|e| t.is_some_and(|t| t >= e))
                && latest.is_none_or(|l| t.is_some_and(|t| t < l))
        })
        .filter(|ev| eval(&filter, ev))
        .cloned()
        .collect();
    for cmd in parts {
        match cmd.first() {
            Some(Tok::Word(w)) if w == "where" => {
                let mut p = P {
                    t: &cmd[1..],
                    i: 0,
                    eval: true,
                };
                let e = p
                    .or()
                    .map_err(|m| format!("Error in 'where' command: {m}"))?;
                if p.i != cmd.len() - 1 {
                    return Err("Error in 'where' command: The expression is malformed.".into());
                }
                out.retain(|ev| eval(&e, ev));
            }
            Some(Tok::Word(w)) if w == "head" => {
                let n = match cmd.get(1) {
                    Some(Tok::Word(n)) => n
                        .parse::<usize>()
                        .map_err(|_| "Error in 'head' command: Invalid argument.")?,
                    None => 10,
                    _ => return Err("Error in 'head' command: Invalid argument.".into()),
                };
                out.truncate(n);
            }
            Some(Tok::Word(w)) => return Err(format!("Unknown search command '{w}'.")),
            _ => return Err("Search pipeline is malformed.".into()),
        }
    }
    Ok(out)
}

fn form(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (crate::decode(k), crate::decode(v)))
        .collect()
}

async fn create(State(st): State<Arc<Splunk>>, h: HeaderMap, body: String) -> Response {
    if crate::bearer(&h) != Some(st.token.as_str()) {
        return crate::error(
            401,
            json!({"messages": [{"type": "WARN", "text": "call not properly authenticated"}]}),
        );
    }
    let f = form(&body);
    let Some(spl) = f.get("search") else {
        return fatal(400, "Missing search parameter.");
    };
    st.searches.lock().expect("searches").push(spl.clone());
    let t = |k: &str| f.get(k).and_then(|v| v.parse::<i64>().ok());
    let events = st.events.lock().expect("events").clone();
    let res = match run(spl, &events, t("earliest_time"), t("latest_time")) {
        Ok(r) => r,
        Err(m) => return fatal(400, &m),
    };
    let count = f
        .get("count")
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(100);
    let res: Vec<Json> = if count == 0 {
        res
    } else {
        res.into_iter().take(count).collect()
    };
    match f.get("exec_mode").map(String::as_str) {
        Some("oneshot") => {
            axum::Json(json!({"preview": false, "init_offset": 0, "messages": [], "results": res}))
                .into_response()
        }
        _ => {
            let mut jobs = st.jobs.lock().expect("jobs");
            let sid = format!("1741600000.{}", jobs.len() + 1);
            jobs.insert(sid.clone(), res);
            (
                axum::http::StatusCode::CREATED,
                axum::Json(json!({"sid": sid})),
            )
                .into_response()
        }
    }
}

async fn results(State(st): State<Arc<Splunk>>, Path(sid): Path<String>, h: HeaderMap) -> Response {
    if crate::bearer(&h) != Some(st.token.as_str()) {
        return crate::error(
            401,
            json!({"messages": [{"type": "WARN", "text": "call not properly authenticated"}]}),
        );
    }
    match st.jobs.lock().expect("jobs").get(&sid) {
        Some(r) => {
            axum::Json(json!({"preview": false, "init_offset": 0, "messages": [], "results": r}))
                .into_response()
        }
        None => fatal(404, &format!("Unknown sid {sid}.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spl_subset() {
        let evs = vec![
            json!({"_time": "2026-03-10T12:00:00Z", "index": "notable", "user": "alice", "dest": "ws-01"}),
            json!({"_time": "2026-03-10T12:00:00Z", "index": "notable", "user": "a\"b\\c"}),
            json!({"_time": "2026-03-10T12:00:00Z", "index": "main", "user": "alice"}),
        ];
        assert_eq!(
            run("search index=notable", &evs, None, None).unwrap().len(),
            2
        );
        assert_eq!(
            run("search index=\"not*\" user=alice", &evs, None, None)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            run(
                r#"search index=notable | where user=="a\"b\\c""#,
                &evs,
                None,
                None
            )
            .unwrap()
            .len(),
            1
        );
        assert_eq!(
            run(
                r#"search index=notable | where user=="*""#,
                &evs,
                None,
                None
            )
            .unwrap()
            .len(),
            0
        );
        assert_eq!(
            run("search index=* | head 1", &evs, None, None)
                .unwrap()
                .len(),
            1
        );
        assert!(
            run("search x=1 | delete", &evs, None, None)
                .unwrap_err()
                .contains("Unknown search command 'delete'")
        );
        assert!(run("search x=\"1", &evs, None, None).is_err());
    }
}
