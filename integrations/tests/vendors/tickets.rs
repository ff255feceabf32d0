//! Ticketing clients (TheHive, Jira, ServiceNow) against their emulators.

use emulators::{Fault, jira as ejira, servicenow as esnow, thehive as ehive};
use integrations::config::InstanceConfig;
use integrations::vendors::{BuildEnv, build};
use integrations::{Ctx, Integration, MemLog, Reconciled};
use playbooks::engine::{CallRequest, ErrorClass, Outcome, StepKey};
use serde_json::{Value as Json, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

const RUN: &str = "run-0123456789abcdef01234567";
const EXT: &str = "riposte-run-0123456789abcdef01234567";
/// Alert-derived text trying to break out of JSON and to ping everyone.
const HOSTILE: &str =
    "Encoded PowerShell \"}], \"severity\": 4, \"x\": \"<!channel> @all\n[click](http://evil)";

static N: AtomicU32 = AtomicU32::new(0);

fn secret_file(value: &str) -> String {
    let p = crate::secret_path(&format!("tickets-{}", N.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&p, value).unwrap();
    p.to_string_lossy().into_owned()
}

fn integration(
    vendor: &str,
    url: &str,
    creds: &[(&str, &str)],
    options: Json,
) -> Arc<dyn Integration> {
    let credentials: serde_json::Map<String, Json> = creds
        .iter()
        .map(|(k, v)| (k.to_string(), json!({"file": secret_file(v)})))
        .collect();
    let cfg: InstanceConfig = serde_json::from_value(json!({
        "vendor": vendor,
        "url": url,
        "credentials": credentials,
        "limits": {"attempts": 3, "backoff": "1ms", "max_backoff": "2ms", "per_second": 1000.0},
        "options": options,
    }))
    .unwrap();
    build("tix", &cfg, &BuildEnv::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn report() -> Json {
    json!({
        "run_id": RUN,
        "summary": {},
        "facts": [
            {"id": "encoded_powershell", "holds": true, "value": true, "explain": "powershell.exe ran with -EncodedCommand on WS-042"},
            {"id": "benign_parent_process", "holds": false, "value": false},
        ],
        "escalation": {"escalate": true, "tier": 2, "immediate": false, "severity": "high",
                       "reasons": ["encoded command launched by winword.exe"], "rules": ["office_child"]},
        "actions": [{"step": "isolate", "action": "edr.isolate_host", "mutates": true, "params": {}, "status": "ok"}],
    })
}

fn ctx() -> (Ctx, Arc<MemLog>) {
    let log = Arc::new(MemLog::default());
    let mut c = Ctx::detached(log.clone());
    c.run_id = RUN.into();
    c.step = "ticket".into();
    c.report = report();
    (c, log)
}

fn call(capability: &str, step: &str, params: Json) -> CallRequest {
    CallRequest {
        key: StepKey {
            step: step.into(),
            item: None,
        },
        capability: capability.into(),
        mutates: true,
        params,
        idempotency_key: format!("riposte-idem-{step}"),
        timeout: Duration::from_secs(10),
        retry: Default::default(),
    }
}

fn create_req() -> CallRequest {
    call(
        "ticket.create",
        "open_ticket",
        json!({"title": HOSTILE, "description": "Suspicious script execution", "tags": ["t1059", "soc"]}),
    )
}

fn ok(o: Outcome) -> Json {
    match o {
        Outcome::Ok { result } => result,
        other => panic!("expected ok, got {other:?}"),
    }
}

fn failed(o: Outcome) -> (ErrorClass, String) {
    match o {
        Outcome::Failed { class, message } => (class, message),
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// The findings every ticket must carry, in whatever layout.
fn assert_findings(text: &str) {
    for want in [
        "Suspicious script execution",
        "encoded_powershell: powershell.exe ran with -EncodedCommand on WS-042",
        "tier 2",
        "severity high",
        "encoded command launched by winword.exe",
        "isolate (edr.isolate_host): ok",
        RUN,
        &format!("riposte runs show {RUN}"),
    ] {
        assert!(text.contains(want), "missing {want:?} in {text}");
    }
    assert!(
        !text.contains("benign_parent_process"),
        "a fact that does not hold was included: {text}"
    );
}

/// All text nodes of an ADF document, one per line.
fn adf_text(d: &Json) -> String {
    let mut out = String::new();
    fn walk(n: &Json, out: &mut String) {
        if n["type"] == "text" {
            out.push_str(n["text"].as_str().unwrap());
            out.push('\n');
        }
        if let Some(c) = n["content"].as_array() {
            c.iter().for_each(|x| walk(x, out));
        }
    }
    walk(d, &mut out);
    out
}

// ── TheHive ─────────────────────────────────────────────────────────────────────────────────

fn hive(url: &str) -> Arc<dyn Integration> {
    integration(
        "thehive",
        url,
        &[("api_key", ehive::API_KEY)],
        json!({"organisation": "SOC"}),
    )
}

#[tokio::test]
async fn thehive_create_carries_findings_and_searches_before_creating() {
    let (emu, state) = ehive::start().await;
    let th = hive(&emu.url);
    let (c, _) = ctx();
    let first = ok(th.call(&c, &create_req()).await);
    assert_eq!(first["created"], true);
    let id = first["id"].as_str().unwrap().to_owned();
    assert_eq!(first["url"], format!("{}/alerts/{id}/details", emu.url));

    let posts: Vec<_> = emu
        .recorder
        .received()
        .into_iter()
        .filter(|r| r.path == "/api/v1/alert")
        .collect();
    assert_eq!(posts.len(), 1);
    let sent = posts[0].json();
    assert_eq!(
        posts[0].header("authorization"),
        Some(format!("Bearer {}", ehive::API_KEY).as_str())
    );
    assert_eq!(posts[0].header("x-organisation"), Some("SOC"));
    assert_eq!(
        sent["title"], HOSTILE,
        "alert text must arrive as data, byte for byte"
    );
    assert_eq!(sent["source"], "riposte");
    assert_eq!(sent["sourceRef"], EXT);
    assert_eq!(sent["type"], "riposte");
    assert_eq!(sent["severity"], 3, "high escalation → TheHive severity 3");
    assert_eq!(sent["tags"], json!(["t1059", "soc", EXT]));
    assert_findings(sent["description"].as_str().unwrap());
    // The lookup came first, with the documented filter shape.
    let q = &emu.recorder.received()[0];
    assert!(q.path.starts_with("/api/v1/query"), "{}", q.path);
    assert_eq!(
        q.json()["query"],
        json!([{"_name": "listAlert"}, {"_name": "filter", "_field": "sourceRef", "_value": EXT}])
    );

    // A retried/resumed step finds the alert instead of creating a second one.
    let again = ok(th.call(&c, &create_req()).await);
    assert_eq!(again["id"], id.as_str());
    assert_eq!(again["created"], false);
    assert_eq!(emu.recorder.count("POST", "/api/v1/alert"), 1);
    assert_eq!(state.lock().unwrap().alerts().len(), 1);
}

#[tokio::test]
async fn thehive_reconcile_reports_done_and_not_done() {
    let (emu, _state) = ehive::start().await;
    let th = hive(&emu.url);
    let (c, _) = ctx();
    assert_eq!(th.reconcile(&c, &create_req()).await, Reconciled::NotDone);
    let created = ok(th.call(&c, &create_req()).await);
    match th.reconcile(&c, &create_req()).await {
        Reconciled::Done(r) => {
            assert_eq!(r["id"], created["id"]);
            assert!(r["url"].as_str().unwrap().ends_with("/details"));
        }
        other => panic!("{other:?}"),
    }
    // Another run's ticket is not this run's.
    let mut other = c.clone();
    other.run_id = "run-ffffffffffffffffffffffff".into();
    assert_eq!(
        th.reconcile(&other, &create_req()).await,
        Reconciled::NotDone
    );
}

#[tokio::test]
async fn thehive_comment_targets_the_alert_then_the_case_and_reconciles() {
    let (emu, state) = ehive::start().await;
    let th = hive(&emu.url);
    let (c, _) = ctx();
    let comment = call(
        "ticket.comment",
        "note",
        json!({"text": "Host WS-042 contained"}),
    );
    assert_eq!(
        th.reconcile(&c, &comment).await,
        Reconciled::NotDone,
        "no ticket yet"
    );
    let (class, msg) = failed(th.call(&c, &comment).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(msg.contains("ticket.create"), "{msg}");

    let alert = ok(th.call(&c, &create_req()).await);
    let alert_id = alert["id"].as_str().unwrap().to_owned();
    assert_eq!(th.reconcile(&c, &comment).await, Reconciled::NotDone);
    ok(th.call(&c, &comment).await);
    {
        let st = state.lock().unwrap();
        assert_eq!(st.comments.len(), 1);
        assert_eq!(st.comments[0].0, alert_id);
        let m = st.comments[0].1["message"].as_str().unwrap();
        assert!(m.starts_with("Host WS-042 contained"), "{m}");
        assert!(m.contains("[riposte riposte-idem-note]"), "{m}");
    }
    match th.reconcile(&c, &comment).await {
        Reconciled::Done(r) => assert_eq!(r["id"], alert_id.as_str()),
        other => panic!("{other:?}"),
    }

    // Once promoted, comments go to the case.
    let case = state.lock().unwrap().promote(&alert_id).unwrap();
    let second = call(
        "ticket.comment",
        "note2",
        json!({"text": "Escalated to IR"}),
    );
    assert_eq!(th.reconcile(&c, &second).await, Reconciled::NotDone);
    ok(th.call(&c, &second).await);
    assert_eq!(
        emu.recorder
            .count("POST", &format!("/api/v1/case/{case}/comment")),
        1
    );
    assert_eq!(state.lock().unwrap().comments[1].0, case);
    assert!(matches!(
        th.reconcile(&c, &second).await,
        Reconciled::Done(_)
    ));
}

#[tokio::test]
async fn thehive_401_is_permanent_with_vendor_message_and_no_secret() {
    let (emu, state) = ehive::start().await;
    let wrong = "wrong-hive-key-SECRET-42";
    let th = integration("thehive", &emu.url, &[("api_key", wrong)], json!({}));
    let (c, _) = ctx();
    let (class, msg) = failed(th.call(&c, &create_req()).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("HTTP 401") && msg.contains("Authentication failure"),
        "{msg}"
    );
    assert!(!msg.contains(wrong), "{msg}");
    assert_eq!(
        emu.recorder.count("POST", "/api/v1/query"),
        1,
        "401 is not retried"
    );
    assert!(state.lock().unwrap().alerts().is_empty());
    match th.reconcile(&c, &create_req()).await {
        Reconciled::Unknown(why) => {
            assert!(
                why.contains("Authentication failure") && !why.contains(wrong),
                "{why}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn thehive_retries_429_and_503() {
    let (emu, state) = ehive::start().await;
    let th = hive(&emu.url);
    let (c, _) = ctx();
    emu.recorder.fail_next(
        Some("/api/v1/query"),
        Fault::Status {
            status: 503,
            retry_after: None,
            body: json!({"type": "ServiceUnavailable", "message": "busy"}),
        },
    );
    emu.recorder.fail_next(
        Some("/api/v1/alert"),
        Fault::Status {
            status: 429,
            retry_after: Some(0),
            body: json!({"type": "TooManyRequests", "message": "slow down"}),
        },
    );
    ok(th.call(&c, &create_req()).await);
    assert_eq!(emu.recorder.count("POST", "/api/v1/query"), 2);
    assert_eq!(emu.recorder.count("POST", "/api/v1/alert"), 2);
    assert_eq!(state.lock().unwrap().alerts().len(), 1);
}

#[tokio::test]
async fn thehive_create_whose_answer_was_lost_returns_the_alert_it_made() {
    let (emu, state) = ehive::start().await;
    let th = hive(&emu.url);
    let (c, _) = ctx();
    // The alert is created but the answer is a 502; the retry is refused as a duplicate.
    emu.recorder
        .fail_next(Some("/api/v1/alert"), Fault::AfterEffect { status: 502 });
    let r = ok(th.call(&c, &create_req()).await);
    let st = state.lock().unwrap();
    assert_eq!(st.alerts().len(), 1);
    assert_eq!(r["id"], st.alerts()[0]["_id"]);
    assert_eq!(emu.recorder.count("POST", "/api/v1/alert"), 2);
}

#[tokio::test]
async fn thehive_render_shows_requests_without_credentials() {
    let th = integration(
        "thehive",
        "http://hive.invalid:9000",
        &[("api_key", "render-secret-key-1")],
        json!({}),
    );
    let r = th.render(&create_req());
    assert_eq!(r.len(), 2);
    assert_eq!(r[1]["method"], "POST");
    assert_eq!(r[1]["url"], "http://hive.invalid:9000/api/v1/alert");
    assert_eq!(r[1]["body"]["title"], HOSTILE);
    assert_eq!(r[1]["body"]["sourceRef"], "riposte-<run id>");
    let with_sev = call(
        "ticket.create",
        "t",
        json!({"title": "x", "severity": "critical"}),
    );
    assert_eq!(th.render(&with_sev)[1]["body"]["severity"], 4);
    let text = serde_json::to_string(&r).unwrap();
    assert!(!text.contains("render-secret-key-1"));
}

// ── Jira ────────────────────────────────────────────────────────────────────────────────────

fn jira(url: &str) -> Arc<dyn Integration> {
    integration(
        "jira",
        url,
        &[("api_token", ejira::TOKEN)],
        json!({"email": ejira::EMAIL, "project": ejira::PROJECT, "issue_type": "Task", "labels": ["riposte"],
               "priorities": {"high": "High"}}),
    )
}

#[tokio::test]
async fn jira_create_uses_adf_and_labels_and_searches_first() {
    let (emu, state) = ejira::start().await;
    let j = jira(&emu.url);
    let (c, _) = ctx();
    let first = ok(j.call(&c, &create_req()).await);
    assert_eq!(first["key"], "SEC-1");
    assert_eq!(first["url"], format!("{}/browse/SEC-1", emu.url));
    assert_eq!(first["created"], true);

    let rec = emu.recorder.received();
    assert!(
        rec[0].path.starts_with("/rest/api/3/search/jql"),
        "{}",
        rec[0].path
    );
    assert!(
        rec[0].query.contains(&format!("jql=labels = \"{EXT}\"")),
        "{}",
        rec[0].query
    );
    let post = rec
        .iter()
        .find(|r| r.method == "POST" && r.path == "/rest/api/3/issue")
        .unwrap();
    let f = &post.json()["fields"];
    assert_eq!(f["project"]["key"], "SEC");
    assert_eq!(f["issuetype"]["name"], "Task");
    assert_eq!(f["priority"]["name"], "High");
    // Summary is one line; the hostile text otherwise arrives unchanged.
    assert_eq!(
        f["summary"],
        HOSTILE.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    assert_eq!(
        f["labels"],
        json!(["riposte", "t1059", "soc", "severity-high", EXT])
    );
    assert_eq!(f["description"]["type"], "doc");
    assert_findings(&adf_text(&f["description"]));

    let again = ok(j.call(&c, &create_req()).await);
    assert_eq!(again["key"], "SEC-1");
    assert_eq!(again["created"], false);
    assert_eq!(emu.recorder.count("POST", "/rest/api/3/issue"), 1);
    assert_eq!(state.lock().unwrap().issues.len(), 1);
}

#[tokio::test]
async fn jira_comment_and_reconcile() {
    let (emu, state) = ejira::start().await;
    let j = jira(&emu.url);
    let (c, _) = ctx();
    let comment = call(
        "ticket.comment",
        "note",
        json!({"text": "Contained <b>WS-042</b>"}),
    );
    assert_eq!(j.reconcile(&c, &create_req()).await, Reconciled::NotDone);
    assert_eq!(j.reconcile(&c, &comment).await, Reconciled::NotDone);
    assert_eq!(failed(j.call(&c, &comment).await).0, ErrorClass::Permanent);

    ok(j.call(&c, &create_req()).await);
    match j.reconcile(&c, &create_req()).await {
        Reconciled::Done(r) => assert_eq!(r["key"], "SEC-1"),
        other => panic!("{other:?}"),
    }
    assert_eq!(j.reconcile(&c, &comment).await, Reconciled::NotDone);
    let r = ok(j.call(&c, &comment).await);
    assert_eq!(r["key"], "SEC-1");
    {
        let st = state.lock().unwrap();
        assert_eq!(st.comments.len(), 1);
        let t = adf_text(&st.comments[0].1["body"]);
        assert!(
            t.contains("Contained <b>WS-042</b>") && t.contains("[riposte riposte-idem-note]"),
            "{t}"
        );
    }
    assert!(matches!(
        j.reconcile(&c, &comment).await,
        Reconciled::Done(_)
    ));
    assert_eq!(
        emu.recorder
            .count("POST", "/rest/api/3/issue/SEC-1/comment"),
        1
    );
}

#[tokio::test]
async fn jira_401_is_permanent_and_search_failure_is_unknown() {
    let (emu, _state) = ejira::start().await;
    let wrong = "jira-wrong-token-SECRET";
    let j = integration(
        "jira",
        &emu.url,
        &[("api_token", wrong)],
        json!({"email": ejira::EMAIL, "project": "SEC"}),
    );
    let (c, _) = ctx();
    let (class, msg) = failed(j.call(&c, &create_req()).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(msg.contains("Client must be authenticated"), "{msg}");
    assert!(!msg.contains(wrong), "{msg}");
    assert!(matches!(
        j.reconcile(&c, &create_req()).await,
        Reconciled::Unknown(_)
    ));

    // A server that keeps failing: retried, then Unknown for reconcile.
    let good = jira(&emu.url);
    for _ in 0..3 {
        emu.recorder.fail_next(
            Some("/search/jql"),
            Fault::Status {
                status: 503,
                retry_after: None,
                body: json!({"errorMessages": ["down"]}),
            },
        );
    }
    match good.reconcile(&c, &create_req()).await {
        Reconciled::Unknown(why) => {
            assert!(why.contains("down") && why.contains("3 attempts"), "{why}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn jira_retries_429() {
    let (emu, state) = ejira::start().await;
    let j = jira(&emu.url);
    let (c, _) = ctx();
    emu.recorder.fail_next(
        Some("/rest/api/3/issue"),
        Fault::Status {
            status: 429,
            retry_after: Some(0),
            body: json!({"errorMessages": ["Rate limit exceeded"]}),
        },
    );
    ok(j.call(&c, &create_req()).await);
    assert_eq!(emu.recorder.count("POST", "/rest/api/3/issue"), 2);
    assert_eq!(state.lock().unwrap().issues.len(), 1);
}

// ── ServiceNow ──────────────────────────────────────────────────────────────────────────────

fn snow(url: &str) -> Arc<dyn Integration> {
    integration(
        "servicenow",
        url,
        &[("password", esnow::PASSWORD)],
        json!({"username": esnow::USER, "assignment_group": "SOC L2"}),
    )
}

#[tokio::test]
async fn servicenow_create_comment_reconcile() {
    let (emu, state) = esnow::start().await;
    let s = snow(&emu.url);
    let (c, _) = ctx();
    assert_eq!(s.reconcile(&c, &create_req()).await, Reconciled::NotDone);
    let first = ok(s.call(&c, &create_req()).await);
    assert_eq!(first["number"], "INC0010001");
    let sys_id = first["sys_id"].as_str().unwrap().to_owned();
    {
        let st = state.lock().unwrap();
        let inc = &st.incidents[0];
        assert_eq!(inc["short_description"], HOSTILE);
        assert_eq!(inc["correlation_id"], EXT);
        assert_eq!(inc["urgency"], "1");
        assert_eq!(inc["impact"], "2");
        assert_eq!(inc["assignment_group"], "SOC L2");
        let d = inc["description"].as_str().unwrap();
        assert_findings(d);
        assert!(d.contains("tags: t1059, soc"), "{d}");
    }
    let q = emu.recorder.received();
    assert!(
        q[0].query
            .contains(&format!("sysparm_query=correlation_id={EXT}")),
        "{}",
        q[0].query
    );
    assert_eq!(q[1].header("accept"), Some("application/json"));

    let again = ok(s.call(&c, &create_req()).await);
    assert_eq!(again["sys_id"], sys_id.as_str());
    assert_eq!(emu.recorder.count("POST", "/api/now/table/incident"), 1);
    match s.reconcile(&c, &create_req()).await {
        Reconciled::Done(r) => assert_eq!(r["number"], "INC0010001"),
        other => panic!("{other:?}"),
    }

    let comment = call("ticket.comment", "note", json!({"text": "Isolated WS-042"}));
    assert_eq!(s.reconcile(&c, &comment).await, Reconciled::NotDone);
    ok(s.call(&c, &comment).await);
    assert_eq!(
        emu.recorder
            .count("PATCH", &format!("/api/now/table/incident/{sys_id}")),
        1
    );
    {
        let st = state.lock().unwrap();
        assert_eq!(st.work_notes.len(), 1);
        assert_eq!(
            st.work_notes[0].1,
            "Isolated WS-042\n[riposte riposte-idem-note]"
        );
    }
    assert!(matches!(
        s.reconcile(&c, &comment).await,
        Reconciled::Done(_)
    ));
    let other = call("ticket.comment", "other", json!({"text": "x"}));
    assert_eq!(s.reconcile(&c, &other).await, Reconciled::NotDone);
}

#[tokio::test]
async fn servicenow_oauth_client_credentials() {
    let (emu, state) = esnow::start().await;
    let s = integration(
        "servicenow",
        &emu.url,
        &[
            ("client_id", esnow::CLIENT_ID),
            ("client_secret", esnow::CLIENT_SECRET),
        ],
        json!({"auth": "oauth"}),
    );
    let (c, _) = ctx();
    ok(s.call(&c, &create_req()).await);
    assert_eq!(
        emu.recorder.count("POST", "/oauth_token.do"),
        1,
        "token cached across requests"
    );
    let post = emu
        .recorder
        .received()
        .into_iter()
        .find(|r| r.method == "POST" && r.path.starts_with("/api/now"))
        .unwrap();
    assert_eq!(post.header("authorization"), Some("Bearer snow-token-1"));
    assert_eq!(state.lock().unwrap().incidents.len(), 1);
}

#[tokio::test]
async fn servicenow_401_is_permanent_with_vendor_message() {
    let (emu, _state) = esnow::start().await;
    let wrong = "snow-wrong-password-SECRET";
    let s = integration(
        "servicenow",
        &emu.url,
        &[("password", wrong)],
        json!({"username": esnow::USER}),
    );
    let (c, log) = ctx();
    let (class, msg) = failed(s.call(&c, &create_req()).await);
    assert_eq!(class, ErrorClass::Permanent);
    assert!(
        msg.contains("User Not Authenticated: Required to provide Auth information"),
        "{msg}"
    );
    assert!(!msg.contains(wrong));
    let sent = log.0.lock().unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].status, Some(401));
}

#[tokio::test]
async fn servicenow_comment_render_uses_patch_and_placeholders() {
    let s = snow("https://example.service-now.com");
    let r = s.render(&call("ticket.comment", "note", json!({"text": "hello"})));
    assert_eq!(r[1]["method"], "PATCH");
    assert_eq!(
        r[1]["url"],
        "https://example.service-now.com/api/now/table/incident/<sys_id>?sysparm_fields=sys_id%2Cnumber"
    );
    assert_eq!(
        r[1]["body"]["work_notes"],
        "hello\n[riposte riposte-idem-note]"
    );
    assert!(!serde_json::to_string(&r).unwrap().contains(esnow::PASSWORD));
}
