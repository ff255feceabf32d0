//! SIEM look-ups (Elasticsearch, Splunk) and the generic HTTP capability against local emulators.

use emulators::elasticsearch::Es;
use integrations::config::InstanceConfig;
use integrations::vendors::{BuildEnv, build};
use integrations::{Ctx, Integration, MemLog, Reconciled};
use playbooks::engine::{CallRequest, ErrorClass, Outcome, StepKey};
use serde_json::{Value as Json, json};
use std::sync::Arc;
use std::time::Duration;

const T: &str = "2026-03-10T12:00:00Z";

fn instance(v: Json) -> Arc<dyn Integration> {
    let c: InstanceConfig = serde_json::from_value(v).expect("instance config");
    build("siem", &c, &BuildEnv::default()).unwrap_or_else(|e| panic!("build: {e}"))
}

fn req(capability: &str, params: Json) -> CallRequest {
    CallRequest {
        key: StepKey {
            step: "look".into(),
            item: None,
        },
        capability: capability.into(),
        mutates: false,
        params,
        idempotency_key: "run-1/look".into(),
        timeout: Duration::from_secs(5),
        retry: Default::default(),
    }
}

/// A run context whose report carries the alert's timestamp.
fn ctx() -> Ctx {
    let mut c = Ctx::detached(Arc::new(MemLog::default()));
    c.run_id = "run-1".into();
    c.report = json!({"summary": {"timestamp": T, "host": "ws-01"}});
    c
}

fn ok(o: Outcome) -> Json {
    match o {
        Outcome::Ok { result } => result,
        other => panic!("expected success, got {other:?}"),
    }
}

fn failed(o: Outcome) -> (ErrorClass, String) {
    match o {
        Outcome::Failed { class, message } => (class, message),
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn ids(r: &Json) -> Vec<String> {
    r["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["id"].as_str().unwrap_or("?").to_owned())
        .collect()
}

// ── Elasticsearch ───────────────────────────────────────────────────────────────────────────

const ALERTS: &str = ".alerts-security.alerts-default";
const EVENTS: &str = "logs-endpoint.events-default";

fn seeded_es() -> Arc<Es> {
    let es = Es::new("es-key-123");
    for d in [
        json!({"id": "a1", "@timestamp": "2026-03-10T11:00:00Z", "host": {"name": "ws-01"}, "user": {"name": "alice"}}),
        json!({"id": "a2", "@timestamp": "2026-03-09T06:00:00Z", "host": {"name": "ws-01"}}),
        json!({"id": "a3", "@timestamp": "2026-03-10T14:00:00.000Z", "host": {"name": "ws-02"}, "user": {"name": "alice"}}),
        json!({"id": "a4", "@timestamp": T, "host": {"name": "ws-03"}, "user": {"name": "bob"}}),
        json!({"id": "a5", "@timestamp": T, "host.name": "ws-01\" OR host.name:*", "kibana.alert.rule.name": "odd"}),
    ] {
        es.index(ALERTS, d);
    }
    for d in [
        json!({"id": "n1", "@timestamp": "2026-03-10T12:01:00Z", "host": {"name": "ws-01"}, "event": {"category": ["network"]}, "process": {"entity_id": "P1", "pid": 4242}, "destination": {"ip": "185.220.101.4"}}),
        json!({"id": "n2", "@timestamp": "2026-03-10T12:02:00Z", "host": {"name": "ws-01"}, "event": {"category": ["network"]}, "process": {"entity_id": "P2", "pid": 77}}),
        json!({"id": "d1", "@timestamp": "2026-03-10T12:03:00Z", "host": {"name": "ws-01"}, "dns": {"question": {"name": "c2.bad.example"}}, "process": {"entity_id": "P1", "pid": 4242}}),
        json!({"id": "n3", "@timestamp": "2026-03-10T12:20:00Z", "host": {"name": "ws-01"}, "event": {"category": ["network"]}, "process": {"entity_id": "P1", "pid": 4242}}),
        json!({"id": "n4", "@timestamp": "2026-03-10T11:59:00Z", "host": {"name": "ws-01"}, "event": {"category": ["network"]}, "process": {"entity_id": "P1", "pid": 4242}}),
        json!({"id": "p1", "@timestamp": "2026-03-10T11:58:00Z", "host": {"name": "ws-01"}, "event": {"category": ["process"], "type": ["start"]}, "process": {"entity_id": "P1", "parent": {"entity_id": "P0"}}}),
        json!({"id": "p2", "@timestamp": "2026-03-10T12:01:30Z", "host": {"name": "ws-01"}, "event": {"category": ["process"], "type": ["start"]}, "process": {"entity_id": "P3", "parent": {"entity_id": "P1"}}}),
        json!({"id": "p3", "@timestamp": "2026-03-10T12:30:00Z", "host": {"name": "ws-01"}, "event": {"category": ["process"], "type": ["start"]}, "process": {"entity_id": "P4", "parent": {"entity_id": "P1"}}}),
        json!({"id": "p4", "@timestamp": "2026-03-10T12:00:10Z", "host": {"name": "ws-01"}, "event": {"category": ["process"], "type": ["end"]}, "process": {"entity_id": "P1"}}),
        json!({"id": "g1", "@timestamp": "2026-03-09T12:00:00Z", "event": {"code": "4728"}, "user": {"name": "admin", "target": {"name": "alice"}}}),
        json!({"id": "g2", "@timestamp": "2026-03-10T09:00:00Z", "event": {"code": "4624"}, "user": {"name": "alice"}}),
        json!({"id": "g3", "@timestamp": "2026-03-08T12:00:00Z", "process": {"name": "usermod"}, "user": {"name": "alice"}}),
        json!({"id": "g4", "@timestamp": "2026-02-01T12:00:00Z", "event": {"code": "4672"}, "user": {"name": "alice"}}),
        json!({"id": "g5", "@timestamp": "2026-03-10T10:00:00Z", "event": {"code": 4732}, "user": {"name": "bob"}}),
    ] {
        es.index(EVENTS, d);
    }
    es
}

/// Secrets come from files: setting environment variables needs `unsafe` in edition 2024.
fn secret_file(name: &str, value: &str) -> String {
    let p = crate::secret_path(&format!("siem-{name}"));
    std::fs::write(&p, value).expect("write secret");
    p.to_string_lossy().into_owned()
}

async fn es_instance(extra: Json) -> (emulators::Emulator, Arc<Es>, Arc<dyn Integration>) {
    let es = seeded_es();
    let em = emulators::serve(emulators::elasticsearch::router(es.clone())).await;
    let mut conf = json!({
        "vendor": "elasticsearch",
        "url": em.url,
        "credentials": {"api_key": {"file": secret_file("es", "es-key-123")}},
        "limits": {"backoff": "1ms", "max_backoff": "2ms", "attempts": 2},
        "options": {"alerts_index": ALERTS, "events_index": "logs-endpoint.*"},
    });
    if let Json::Object(o) = extra {
        for (k, v) in o {
            conf["options"][k] = v;
        }
    }
    let i = instance(conf);
    (em, es, i)
}

#[tokio::test]
async fn es_related_alerts_by_host_or_user_in_the_window() {
    let (em, _es, i) = es_instance(json!({})).await;
    let r = ok(i
        .call(
            &ctx(),
            &req(
                "siem.related_alerts",
                json!({"host": "ws-01", "user": "alice"}),
            ),
        )
        .await);
    // a2 is 30h before the alert, a4 is another host and user: outside. Newest first.
    assert_eq!(ids(&r), vec!["a3", "a1"]);
    assert_eq!(r["count"], 2);
    let sent = em.recorder.received();
    let last = sent.last().expect("a request");
    assert_eq!(last.path, format!("/{ALERTS}/_search"));
    assert_eq!(last.header("authorization"), Some("ApiKey es-key-123"));
    let body = last.json();
    assert_eq!(
        body["query"]["bool"]["filter"][0]["range"]["@timestamp"]["gte"],
        "2026-03-09T12:00:00.000Z"
    );
    assert_eq!(
        body["query"]["bool"]["filter"][0]["range"]["@timestamp"]["lte"],
        "2026-03-11T12:00:00.000Z"
    );
    // An explicit centre and a narrower window.
    let r = ok(i
        .call(
            &ctx(),
            &req(
                "siem.related_alerts",
                json!({"user": "alice", "around": "2026-03-10T14:30:00+00:00", "window": "1h"}),
            ),
        )
        .await);
    assert_eq!(ids(&r), vec!["a3"]);
    let (class, msg) = failed(i.call(&ctx(), &req("siem.related_alerts", json!({}))).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(msg.contains("needs `host` or `user`"), "{msg}");
    let (_, msg) = failed(
        i.call(
            &ctx(),
            &req(
                "siem.related_alerts",
                json!({"host": "ws-01", "around": "yesterday"}),
            ),
        )
        .await,
    );
    assert!(msg.contains("not an RFC 3339 timestamp"), "{msg}");
    let mut no_ts = ctx();
    no_ts.report = Json::Null;
    let (_, msg) = failed(
        i.call(
            &no_ts,
            &req("siem.related_alerts", json!({"host": "ws-01"})),
        )
        .await,
    );
    assert!(msg.contains("no @timestamp"), "{msg}");
}

#[tokio::test]
async fn es_network_after_follows_the_process_and_window() {
    let (_em, _es, i) = es_instance(json!({})).await;
    let r = ok(i
        .call(&ctx(), &req("siem.network_after", json!({"host": "ws-01"})))
        .await);
    // From the alert time for 15 minutes: n4 is before, n3 after the window.
    assert_eq!(ids(&r), vec!["n1", "n2", "d1"]);
    let r = ok(i
        .call(
            &ctx(),
            &req(
                "siem.network_after",
                json!({"host": "ws-01", "process_entity_id": "P1"}),
            ),
        )
        .await);
    assert_eq!(ids(&r), vec!["n1", "d1"]);
    let r = ok(i
        .call(
            &ctx(),
            &req(
                "siem.network_after",
                json!({"host": "ws-01", "pid": 4242, "window": "30m"}),
            ),
        )
        .await);
    assert_eq!(ids(&r), vec!["n1", "d1", "n3"]);
    let r = ok(i
        .call(&ctx(), &req("siem.network_after", json!({"host": "ws-02"})))
        .await);
    assert_eq!(r["count"], 0);
}

#[tokio::test]
async fn es_process_events_and_privilege_changes() {
    let (_em, _es, i) = es_instance(json!({})).await;
    let r = ok(i
        .call(
            &ctx(),
            &req("siem.process_events", json!({"host": "ws-01"})),
        )
        .await);
    // ±5m around the alert, process starts only (p4 is an end, p3 is 30m later).
    assert_eq!(ids(&r), vec!["p1", "p2"]);
    let r = ok(i
        .call(
            &ctx(),
            &req(
                "siem.process_events",
                json!({"host": "ws-01", "parent_entity_id": "P1", "window": "1h"}),
            ),
        )
        .await);
    assert_eq!(ids(&r), vec!["p2", "p3"]);
    let r = ok(i
        .call(
            &ctx(),
            &req("siem.privilege_changes", json!({"user": "alice"})),
        )
        .await);
    // 4728 naming alice as the target, usermod by alice; not the 4624 logon, not the 4672 of
    // February (outside 7 days), not bob's 4732.
    assert_eq!(ids(&r), vec!["g3", "g1"]);
    let r = ok(i
        .call(
            &ctx(),
            &req("siem.privilege_changes", json!({"user": "bob"})),
        )
        .await);
    assert_eq!(ids(&r), vec!["g5"]);
}

#[tokio::test]
async fn es_search_with_dsl_or_query_string_and_capped_size() {
    let (em, _es, i) = es_instance(json!({"max_size": 2})).await;
    let r = ok(i
        .call(&ctx(), &req("siem.search", json!({"query": {"term": {"host.name": "ws-01"}}, "index": "logs-endpoint.*", "size": 50})))
        .await);
    assert_eq!(r["count"], 9, "the total counts every match");
    assert_eq!(
        r["hits"].as_array().unwrap().len(),
        2,
        "hits are capped by max_size"
    );
    assert_eq!(em.recorder.received().last().unwrap().json()["size"], 2);
    let r = ok(i
        .call(&ctx(), &req("siem.search", json!({"query": {"query": {"term": {"dns.question.name": "c2.bad.example"}}, "sort": ["@timestamp"]}})))
        .await);
    assert_eq!(ids(&r), vec!["d1"]);
    let r = ok(i
        .call(
            &ctx(),
            &req("siem.search", json!({"query": "process.entity_id:P3"})),
        )
        .await);
    assert_eq!(ids(&r), vec!["p2"]);
    assert_eq!(
        em.recorder.received().last().unwrap().json()["query"]["query_string"]["query"],
        "process.entity_id:P3"
    );
    let (class, _) = failed(
        i.call(&ctx(), &req("siem.search", json!({"query": 42})))
            .await,
    );
    assert_eq!(class, ErrorClass::Permanent);
    let (_, msg) = failed(
        i.call(
            &ctx(),
            &req(
                "siem.search",
                json!({"query": "x", "index": "logs/../_cluster"}),
            ),
        )
        .await,
    );
    assert!(msg.contains("contains `/`"), "{msg}");
    assert!(
        i.check_params("siem.search", &json!({"query": "x", "window": "soon"}))
            .is_err()
    );
}

#[tokio::test]
async fn es_hostile_values_stay_data() {
    let (em, _es, i) = es_instance(json!({})).await;
    let hostile = "ws-01\" OR host.name:*";
    let r = ok(i
        .call(
            &ctx(),
            &req("siem.related_alerts", json!({"host": hostile})),
        )
        .await);
    // Only the alert whose host name is literally that string.
    assert_eq!(ids(&r), vec!["a5"]);
    let body = em.recorder.received().last().unwrap().json();
    assert_eq!(
        body["query"]["bool"]["should"][0]["term"]["host.name"],
        hostile
    );
    let r = ok(i
        .call(&ctx(), &req("siem.related_alerts", json!({"host": "*"})))
        .await);
    assert_eq!(r["count"], 0, "a wildcard is a literal term, not a pattern");
    let r = ok(i
        .call(
            &ctx(),
            &req(
                "siem.process_events",
                json!({"host": "ws-01\"}, \"match_all\": {\""}),
            ),
        )
        .await);
    assert_eq!(r["count"], 0);
}

#[tokio::test]
async fn es_errors_are_classified_with_the_vendor_reason() {
    let (em, _es, i) = es_instance(json!({})).await;
    let (class, msg) = failed(
        i.call(
            &ctx(),
            &req("siem.search", json!({"query": {"fuzzy_wuzzy": {"x": 1}}})),
        )
        .await,
    );
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("parsing_exception: unknown query [fuzzy_wuzzy]"),
        "{msg}"
    );
    let (class, msg) = failed(
        i.call(
            &ctx(),
            &req(
                "siem.search",
                json!({"query": "x", "index": "no-such-index"}),
            ),
        )
        .await,
    );
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("index_not_found_exception") && msg.contains("HTTP 404"),
        "{msg}"
    );
    em.recorder.fail_next(
        Some("_search"),
        emulators::Fault::Status { status: 503, retry_after: None, body: json!({"error": {"type": "unavailable_shards_exception", "reason": "busy"}, "status": 503}) },
    );
    em.recorder.fail_next(
        Some("_search"),
        emulators::Fault::Status { status: 503, retry_after: None, body: json!({"error": {"type": "unavailable_shards_exception", "reason": "busy"}, "status": 503}) },
    );
    let (class, msg) = failed(
        i.call(
            &ctx(),
            &req("siem.related_alerts", json!({"host": "ws-01"})),
        )
        .await,
    );
    assert_eq!(class, ErrorClass::Retryable, "{msg}");
    // One 503 then success: the client retries.
    em.recorder.fail_next(
        Some("_search"),
        emulators::Fault::Status {
            status: 503,
            retry_after: None,
            body: json!({}),
        },
    );
    let r = ok(i
        .call(
            &ctx(),
            &req("siem.related_alerts", json!({"host": "ws-01"})),
        )
        .await);
    assert_eq!(r["count"], 1);

    // Wrong key.
    let bad = instance(json!({
        "vendor": "elasticsearch",
        "url": em.url,
        "credentials": {"api_key": {"file": secret_file("es-bad", "wrong-key-999")}},
        "limits": {"backoff": "1ms"},
    }));
    let (class, msg) = failed(
        bad.call(
            &ctx(),
            &req("siem.search", json!({"query": "x", "index": EVENTS})),
        )
        .await,
    );
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("security_exception") && msg.contains("HTTP 401"),
        "{msg}"
    );
    assert!(!msg.contains("wrong-key-999"), "{msg}");
}

#[tokio::test]
async fn es_basic_auth_render_and_reconcile() {
    let es = Es::with_basic("unused-key", "elastic", "s3cret-pass");
    es.index(
        ALERTS,
        json!({"@timestamp": T, "host": {"name": "ws-01"}, "id": "b1"}),
    );
    let em = emulators::serve(emulators::elasticsearch::router(es)).await;
    let i = instance(json!({
        "vendor": "elasticsearch",
        "url": em.url,
        "credentials": {"password": {"file": secret_file("es-pass", "s3cret-pass")}},
        "options": {"username": "elastic"},
    }));
    let q = req("siem.related_alerts", json!({"host": "ws-01"}));
    assert_eq!(ids(&ok(i.call(&ctx(), &q).await)), vec!["b1"]);
    let r = i.render(&q);
    assert_eq!(r.len(), 1);
    assert!(
        r[0]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/{ALERTS}/_search")),
        "{r:?}"
    );
    assert!(
        r[0]["body"]
            .as_str()
            .unwrap()
            .starts_with("<built at run time"),
        "{r:?}"
    );
    let r = i.render(&req(
        "siem.related_alerts",
        json!({"host": "ws-01", "around": T}),
    ));
    assert_eq!(r[0]["method"], "POST");
    assert!(
        r[0]["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/{ALERTS}/_search"))
    );
    assert_eq!(
        r[0]["body"]["query"]["bool"]["should"][0]["term"]["host.name"],
        "ws-01"
    );
    assert!(!r[0].to_string().contains("s3cret-pass"));
    assert_eq!(i.reconcile(&ctx(), &q).await, Reconciled::Idempotent);
    let missing: InstanceConfig =
        serde_json::from_value(json!({"vendor": "elasticsearch", "url": em.url})).unwrap();
    let e = build("siem", &missing, &BuildEnv::default())
        .err()
        .expect("no credentials")
        .to_string();
    assert!(e.contains("credentials.api_key"), "{e}");
}

// ── Generic HTTP ────────────────────────────────────────────────────────────────────────────

/// A target that echoes what it received; `/fail` answers 400 echoing the Authorization
/// header in its error message (as careless services do); `/boom` answers 500.
fn echo_router() -> axum::Router {
    use axum::http::HeaderMap;
    async fn echo(
        method: axum::http::Method,
        uri: axum::http::Uri,
        headers: HeaderMap,
        body: String,
    ) -> axum::Json<Json> {
        let h: serde_json::Map<String, Json> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v.to_str().unwrap_or(""))))
            .collect();
        axum::Json(
            json!({"method": method.as_str(), "path": uri.path(), "headers": h, "body": body}),
        )
    }
    async fn fail(headers: HeaderMap) -> (axum::http::StatusCode, axum::Json<Json>) {
        let a = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        (
            axum::http::StatusCode::BAD_REQUEST,
            axum::Json(json!({"message": format!("token rejected: {a}")})),
        )
    }
    async fn boom() -> axum::http::StatusCode {
        axum::http::StatusCode::INTERNAL_SERVER_ERROR
    }
    axum::Router::new()
        .route("/fail", axum::routing::any(fail))
        .route("/boom", axum::routing::any(boom))
        .fallback(echo)
}

fn http_instance(honours: bool) -> Arc<dyn Integration> {
    instance(json!({
        "vendor": "http",
        "limits": {"backoff": "1ms", "max_backoff": "2ms", "attempts": 3},
        "options": {
            "allowed_hosts": ["127.0.0.1", "*.hooks.example"],
            "env_allow": ["PATH"],
            "honours_idempotency_key": honours,
        },
    }))
}

fn http_req(params: Json) -> CallRequest {
    let mut r = req("http.request", params);
    r.mutates = true;
    r.idempotency_key = "run-1/notify/0".into();
    r
}

#[tokio::test]
async fn http_sends_json_with_env_headers_and_idempotency_key() {
    let em = emulators::serve(echo_router()).await;
    let i = http_instance(false);
    let path = std::env::var("PATH").expect("PATH is set");
    let q = http_req(json!({
        "method": "POST",
        "url": format!("{}/hook", em.url),
        "headers": {"Authorization": "Bearer ${env:PATH}", "X-Case": "INC-1"},
        "body": "{\"host\": \"ws-01\", \"n\": 1}",
    }));
    let r = ok(i.call(&ctx(), &q).await);
    assert_eq!(r["status"], 200);
    let seen = &r["body"];
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["headers"]["authorization"], format!("Bearer {path}"));
    assert_eq!(seen["headers"]["x-case"], "INC-1");
    assert_eq!(seen["headers"]["idempotency-key"], "run-1/notify/0");
    assert_eq!(
        serde_json::from_str::<Json>(seen["body"].as_str().unwrap()).unwrap(),
        json!({"host": "ws-01", "n": 1})
    );
    // The rendering masks the secret and shows the rest.
    let shown = i.render(&q);
    let text = shown[0].to_string();
    assert!(!text.contains(&path), "{text}");
    assert_eq!(shown[0]["headers"]["authorization"], "Bearer ***");
    assert_eq!(shown[0]["headers"]["idempotency-key"], "run-1/notify/0");
    assert_eq!(shown[0]["body"], json!({"host": "ws-01", "n": 1}));
    // The request log never holds headers.
    let log = Arc::new(MemLog::default());
    let mut c = ctx();
    c.log = log.clone();
    ok(i.call(&c, &q).await);
    let logged = format!("{:?}", log.0.lock().unwrap());
    assert!(!logged.contains(&path), "{logged}");
    // The target echoes the token in an error: it is scrubbed.
    let mut bad = q.clone();
    bad.params["url"] = json!(format!("{}/fail", em.url));
    let (class, msg) = failed(i.call(&ctx(), &bad).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(msg.contains("token rejected: Bearer ***"), "{msg}");
    assert!(!msg.contains(&path), "{msg}");
}

#[tokio::test]
async fn http_refuses_other_hosts_and_unlisted_variables() {
    let em = emulators::serve(echo_router()).await;
    let i = http_instance(false);
    for (url, want) in [
        ("http://evil.example/x", "not in options.allowed_hosts"),
        (
            "http://127.0.0.1.evil.example/x",
            "not in options.allowed_hosts",
        ),
        (
            "http://evil.example\\@127.0.0.1/x",
            "not in options.allowed_hosts",
        ),
        ("http://127.0.0.1:1@evil.example/x", "carries credentials"),
        ("http://hooks.example/x", "not in options.allowed_hosts"),
        ("ftp://127.0.0.1/x", "not an absolute http(s) URL"),
        ("/relative", "not an absolute http(s) URL"),
    ] {
        let (class, msg) = failed(
            i.call(
                &ctx(),
                &http_req(json!({"method": "GET", "url": url, "read": true})),
            )
            .await,
        );
        assert_eq!(class, ErrorClass::Permanent, "{url}: {msg}");
        assert!(msg.contains(want), "{url}: {msg}");
    }
    assert!(
        i.check_params(
            "http.request",
            &json!({"method": "GET", "url": "https://evil.example/"})
        )
        .is_err()
    );
    assert!(
        i.check_params(
            "http.request",
            &json!({"method": "GET", "url": "https://a.hooks.example/"})
        )
        .is_ok()
    );
    let (_, msg) = failed(i
        .call(&ctx(), &http_req(json!({"method": "GET", "url": format!("{}/x", em.url), "headers": {"X-Key": "${env:HOME}"}})))
        .await);
    assert!(msg.contains("not listed in options.env_allow"), "{msg}");
    let (_, msg) = failed(i
        .call(&ctx(), &http_req(json!({"method": "GET", "url": format!("{}/x", em.url), "headers": {"Host": "evil.example"}})))
        .await);
    assert!(msg.contains("cannot be given"), "{msg}");
    let (_, msg) = failed(i
        .call(&ctx(), &http_req(json!({"method": "GET", "url": format!("{}/x", em.url), "headers": {"X-A": "a\r\nX-B: b"}})))
        .await);
    assert!(msg.contains("control characters"), "{msg}");
    assert_eq!(em.recorder.received().len(), 0, "nothing refused was sent");
    let e = build(
        "h",
        &serde_json::from_value(json!({"vendor": "http"})).unwrap(),
        &BuildEnv::default(),
    )
    .err()
    .expect("allowed_hosts is required")
    .to_string();
    assert!(e.contains("options.allowed_hosts"), "{e}");
}

#[tokio::test]
async fn http_reconcile_and_in_doubt_failures() {
    let em = emulators::serve(echo_router()).await;
    let plain = http_instance(false);
    let post =
        http_req(json!({"method": "POST", "url": format!("{}/boom", em.url), "body": {"a": 1}}));
    match plain.reconcile(&ctx(), &post).await {
        Reconciled::Unknown(why) => assert!(
            why.contains("generic HTTP calls cannot be reconciled"),
            "{why}"
        ),
        other => panic!("expected Unknown, got {other:?}"),
    }
    // A 500 to a POST the target does not de-duplicate: sent once, then a human decides.
    let (class, msg) = failed(plain.call(&ctx(), &post).await);
    assert_eq!(class, ErrorClass::NeedsHuman, "{msg}");
    assert!(msg.contains("may have taken effect"), "{msg}");
    assert_eq!(em.recorder.count("POST", "/boom"), 1);
    // A read is retried and reconciles as idempotent.
    let read = http_req(json!({"method": "GET", "url": format!("{}/boom", em.url), "read": true}));
    let (class, _) = failed(plain.call(&ctx(), &read).await);
    assert_eq!(class, ErrorClass::Retryable);
    assert_eq!(em.recorder.count("GET", "/boom"), 3);
    assert_eq!(plain.reconcile(&ctx(), &read).await, Reconciled::Idempotent);
    // A target that honours Idempotency-Key: retried, and reconciles as idempotent.
    let honours = http_instance(true);
    assert_eq!(
        honours.reconcile(&ctx(), &post).await,
        Reconciled::Idempotent
    );
    let (class, _) = failed(honours.call(&ctx(), &post).await);
    assert_eq!(class, ErrorClass::Retryable);
    assert_eq!(em.recorder.count("POST", "/boom"), 4);
}

// ── Splunk ──────────────────────────────────────────────────────────────────────────────────

async fn splunk(
    token: &str,
) -> (
    emulators::Emulator,
    Arc<emulators::splunk::Splunk>,
    Arc<dyn Integration>,
) {
    let st = emulators::splunk::Splunk::new("splunk-token-77");
    for e in [
        json!({"id": "s1", "_time": "2026-03-10T11:00:00Z", "index": "notable", "dest": "ws-01", "rule_name": "Beacon"}),
        json!({"id": "s2", "_time": "2026-03-10T13:00:00Z", "index": "notable", "user": "alice"}),
        json!({"id": "s3", "_time": "2026-03-08T13:00:00Z", "index": "notable", "dest": "ws-01"}),
        json!({"id": "s4", "_time": "2026-03-10T12:30:00Z", "index": "notable", "user": "CORP\\alice"}),
        json!({"id": "s5", "_time": "2026-03-10T12:30:00Z", "index": "notable", "user": "bob\" OR user!=\""}),
        json!({"id": "s6", "_time": "2026-03-10T12:30:00Z", "index": "main", "user": "alice", "dest": "ws-01"}),
        json!({"id": "s7", "_time": "2026-03-10T12:40:00Z", "index": "main", "user": "bob"}),
    ] {
        st.add(e);
    }
    let em = emulators::serve(emulators::splunk::router(st.clone())).await;
    let i = instance(json!({
        "vendor": "splunk",
        "url": em.url,
        "credentials": {"token": {"file": secret_file(&format!("splunk-{token}"), token)}},
        "limits": {"backoff": "1ms", "max_backoff": "2ms", "attempts": 2},
    }));
    (em, st, i)
}

#[tokio::test]
async fn splunk_related_alerts_quote_hostile_values() {
    let (em, st, i) = splunk("splunk-token-77").await;
    let r = ok(i
        .call(
            &ctx(),
            &req(
                "siem.related_alerts",
                json!({"host": "ws-01", "user": "alice"}),
            ),
        )
        .await);
    // s3 is two days old; s6 is not in the notable index.
    assert_eq!(ids(&r), vec!["s1", "s2"]);
    let sent = em.recorder.received();
    let last = sent.last().unwrap();
    assert_eq!(last.header("authorization"), Some("Bearer splunk-token-77"));
    assert!(
        last.body.contains("exec_mode=oneshot") && last.body.contains("output_mode=json"),
        "{}",
        last.body
    );
    let spl = st.searches.lock().unwrap().last().cloned().unwrap();
    assert_eq!(
        spl,
        "search index=\"notable\" | where dest==\"ws-01\" OR src==\"ws-01\" OR host==\"ws-01\" OR user==\"alice\" OR src_user==\"alice\" | head 100"
    );
    // A quote in the value cannot close the string and add conditions.
    let hostile = "bob\" OR user!=\"";
    let r = ok(i
        .call(
            &ctx(),
            &req("siem.related_alerts", json!({"user": hostile})),
        )
        .await);
    assert_eq!(
        ids(&r),
        vec!["s5"],
        "only the event whose user is literally that string"
    );
    let spl = st.searches.lock().unwrap().last().cloned().unwrap();
    assert!(spl.contains(r#"user=="bob\" OR user!=\"""#), "{spl}");
    // Backslashes are escaped, so the value is matched exactly.
    let r = ok(i
        .call(
            &ctx(),
            &req("siem.related_alerts", json!({"user": "CORP\\alice"})),
        )
        .await);
    assert_eq!(ids(&r), vec!["s4"]);
    // A wildcard is a literal under `where ==`.
    let r = ok(i
        .call(&ctx(), &req("siem.related_alerts", json!({"user": "*"})))
        .await);
    assert_eq!(r["count"], 0);
    // Macro expansion and new lines never reach Splunk.
    let before = em.recorder.received().len();
    for bad in ["`notable`", "alice\n| delete"] {
        let (class, msg) = failed(
            i.call(&ctx(), &req("siem.related_alerts", json!({"user": bad})))
                .await,
        );
        assert_eq!(class, ErrorClass::Permanent, "{msg}");
    }
    assert_eq!(em.recorder.received().len(), before);
    assert_eq!(
        i.reconcile(
            &ctx(),
            &req("siem.related_alerts", json!({"user": "alice"}))
        )
        .await,
        Reconciled::Idempotent
    );
}

#[tokio::test]
async fn splunk_raw_search_and_errors() {
    let (_em, st, i) = splunk("splunk-token-77").await;
    let r = ok(i
        .call(
            &ctx(),
            &req("siem.search", json!({"query": "index=main user=bob"})),
        )
        .await);
    assert_eq!(ids(&r), vec!["s7"]);
    assert_eq!(
        st.searches.lock().unwrap().last().unwrap(),
        "search index=main user=bob | head 100"
    );
    let r = ok(i
        .call(
            &ctx(),
            &req(
                "siem.search",
                json!({"query": "user=alice", "index": "main", "size": 5}),
            ),
        )
        .await);
    assert_eq!(ids(&r), vec!["s6"]);
    assert_eq!(
        st.searches.lock().unwrap().last().unwrap(),
        "search index=\"main\" user=alice | head 5"
    );
    let (class, msg) = failed(
        i.call(
            &ctx(),
            &req("siem.search", json!({"query": "index=main | delete"})),
        )
        .await,
    );
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("HTTP 400") && msg.contains("FATAL: Unknown search command 'delete'"),
        "{msg}"
    );
    let (class, _) = failed(
        i.call(&ctx(), &req("siem.search", json!({"query": {"term": {}}})))
            .await,
    );
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        i.check_params("siem.search", &json!({"query": {"term": {}}}))
            .is_err()
    );
    let (_em2, _, bad) = splunk("not-the-token").await;
    let (class, msg) = failed(
        bad.call(&ctx(), &req("siem.search", json!({"query": "index=main"})))
            .await,
    );
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("HTTP 401") && msg.contains("not properly authenticated"),
        "{msg}"
    );
    assert!(!msg.contains("not-the-token"), "{msg}");
    let shown = i.render(&req(
        "siem.related_alerts",
        json!({"host": "ws-01", "around": T}),
    ));
    assert_eq!(shown[0]["form"]["exec_mode"], "oneshot");
    assert!(
        shown[0]["form"]["search"]
            .as_str()
            .unwrap()
            .contains("dest==\"ws-01\"")
    );
    assert!(!shown[0].to_string().contains("splunk-token-77"));
}
