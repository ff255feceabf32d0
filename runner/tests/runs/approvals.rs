//! Approvals: the decision core (quorum, allow-list, once, races, restarts), the shared timer,
//! and each channel over real HTTP against the chat emulators — Slack (signature, replay,
//! forgery), Mattermost (signed single-use tokens), Teams (confirmation page), the operator API.
//!
//! No sleeps: background work is awaited through `Shared::events` and the run queue; the timer
//! runs on paused tokio time with a clock derived from it.

use integrations::secret::SecretRef;
use integrations::{BoxFuture, Ctx, Integration, Reconciled, Registry};
use playbooks::alert::Alert;
use playbooks::engine::{CallRequest, Outcome, RunStatus};
use runner::approvals::{self, Answer, Approvals, Attempt, Voter, sign};
use runner::config::{
    ApprovalsConfig, MattermostApprovalsConfig, SlackApprovalsConfig, TeamsApprovalsConfig,
};
use runner::daemon::{Channels, Shared};
use runner::driver;
use state::Store;
use state::records::JournalEntry;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

fn playbook(quorum: u32, timeout: &str, on_timeout: &str) -> String {
    format!(
        r#"id: approval-test
title: Approval test
version: 1
techniques: [T1059]
match: {{technique: T1059}}
analysis:
  - check: encoded
    explain: "the command line is encoded"
    value: "true"
escalation:
  rules:
    - when: facts.encoded
      tier: 2
      severity: high
      reason: "encoded PowerShell from Office"
actions:
  - id: contain
    description: Isolate the host.
    action: edr.isolate_host
    with: {{host: "{{{{alert.host.name}}}}"}}
    approval:
      approvers: [group:tier2, "slack:UBOSS"]
      quorum: {quorum}
      timeout: {timeout}
      on_timeout: {on_timeout}
"#
    )
}

#[derive(Default)]
struct Edr {
    calls: Mutex<Vec<serde_json::Value>>,
}

impl Integration for Edr {
    fn name(&self) -> &str {
        "edr"
    }
    fn vendor(&self) -> &'static str {
        "test"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        &["edr.isolate_host"]
    }
    fn render(&self, _: &CallRequest) -> Vec<serde_json::Value> {
        vec![]
    }
    fn call<'a>(&'a self, _: &'a Ctx, c: &'a CallRequest) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            self.calls.lock().unwrap().push(c.params.clone());
            Outcome::Ok {
                result: serde_json::json!({"contained": true}),
            }
        })
    }
    fn reconcile<'a>(&'a self, _: &'a Ctx, _: &'a CallRequest) -> BoxFuture<'a, Reconciled> {
        Box::pin(async { Reconciled::NotDone })
    }
}

struct Fx {
    dir: state::scratch::TempDir,
    store: Store,
    pb: playbooks::Playbook,
    edr: Arc<Edr>,
    reg: Registry,
    run_id: String,
}

fn groups() -> BTreeMap<String, Vec<String>> {
    BTreeMap::from([(
        "tier2".to_owned(),
        vec![
            "slack:U1".to_owned(),
            "slack:U2".to_owned(),
            "mattermost:mm1".to_owned(),
            "email:ana@example.org".to_owned(),
            "U3".to_owned(),
        ],
    )])
}

/// A run of the gated playbook, parked on `contain`.
async fn parked(name: &str, quorum: u32, timeout: &str, on_timeout: &str) -> Fx {
    let dir = state::scratch::TempDir::new(&format!("riposte-appr-{name}"));
    std::fs::write(dir.join("pb.yaml"), playbook(quorum, timeout, on_timeout)).unwrap();
    let pb = playbooks::load_file(&dir.join("pb.yaml")).unwrap_or_else(|d| panic!("{d}"));
    let store = Store::open(&dir.join("data")).unwrap();
    let edr = Arc::new(Edr::default());
    let mut reg = Registry::default();
    reg.bind("edr.isolate_host", edr.clone()).unwrap();
    let alert = Alert {
        id: "alert-1".into(),
        doc: serde_json::json!({"host": {"name": "ws-01"}, "user": {"name": "bob <!channel>"}, "process": {"command_line": "powershell -enc <b>SQBFAFgA</b> & @all", "parent": {"name": "winword.exe"}}, "threat": {"technique": {"id": ["T1059"]}}}),
        position: "line 1".into(),
    };
    let rep = driver::execute(&store, &reg, &pb, "test", &alert, false)
        .await
        .unwrap();
    assert_eq!(rep.status, RunStatus::AwaitingApproval);
    let run_id = rep.run_id.clone();
    assert!(
        edr.calls.lock().unwrap().is_empty(),
        "nothing is sent before the approval"
    );
    Fx {
        dir,
        store,
        pb,
        edr,
        reg,
        run_id,
    }
}

impl Fx {
    fn decide(&self, who: &str, a: Attempt) -> Answer {
        approvals::decide(
            &self.store,
            &groups(),
            &self.run_id,
            "contain",
            a,
            &Voter::new(who, "test"),
            approvals::now_ms(),
        )
        .unwrap()
    }
    fn decided_entries(&self) -> usize {
        self.store
            .journal(&self.run_id)
            .unwrap()
            .iter()
            .filter(|e| matches!(e, JournalEntry::ApprovalDecided { .. }))
            .count()
    }
    fn audit(&self, kind: &str) -> Vec<serde_json::Value> {
        self.store
            .audit_entries()
            .unwrap()
            .into_iter()
            .filter(|e| e.kind == kind)
            .map(|e| e.detail)
            .collect()
    }
    async fn resume(&self) -> playbooks::engine::Report {
        let rec = self.store.get_run(&self.run_id).unwrap().unwrap();
        driver::drive(&self.store, &self.reg, &self.pb, rec, None)
            .await
            .unwrap()
    }
}

#[test]
fn slack_documented_signature_example() {
    let secret = b"8f742231b10e8888abcd99yyyzzz85a5";
    let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    let want = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    assert_eq!(sign::slack_signature(secret, "1531420618", body), want);
    assert_eq!(
        sign::verify_slack(
            secret,
            Some("1531420618"),
            Some(want),
            body,
            1531420618 + 299
        ),
        Ok(())
    );
    // One byte changed, another secret, a stale or future timestamp, missing headers.
    let mut tampered = body.to_vec();
    tampered[6] = b'X';
    assert_eq!(
        sign::verify_slack(
            secret,
            Some("1531420618"),
            Some(want),
            &tampered,
            1531420618
        ),
        Err(sign::SlackReject::BadSignature)
    );
    assert_eq!(
        sign::verify_slack(
            b"another-secret",
            Some("1531420618"),
            Some(want),
            body,
            1531420618
        ),
        Err(sign::SlackReject::BadSignature)
    );
    assert_eq!(
        sign::verify_slack(
            secret,
            Some("1531420618"),
            Some(want),
            body,
            1531420618 + 301
        ),
        Err(sign::SlackReject::Stale)
    );
    assert_eq!(
        sign::verify_slack(
            secret,
            Some("1531420618"),
            Some(want),
            body,
            1531420618 - 301
        ),
        Err(sign::SlackReject::Stale)
    );
    assert_eq!(
        sign::verify_slack(secret, None, Some(want), body, 1531420618),
        Err(sign::SlackReject::Missing)
    );
    assert_eq!(
        sign::verify_slack(secret, Some("soon"), Some(want), body, 1531420618),
        Err(sign::SlackReject::BadTimestamp)
    );
}

#[tokio::test]
async fn quorum_allow_list_and_duplicates_decide_once() {
    let fx = parked("quorum", 2, "1h", "deny").await;
    let rec = fx
        .store
        .approval_get(&fx.run_id, "contain")
        .unwrap()
        .expect("approval record");
    assert!(rec.is_pending() && rec.quorum == 2);
    assert!(
        rec.request["calls"][0]["host"] == "ws-01",
        "{}",
        rec.request
    );

    assert!(matches!(
        fx.decide("slack:UEVE", Attempt::Approve),
        Answer::NotAllowed
    ));
    assert!(
        matches!(
            fx.decide("mattermost:U1", Attempt::Approve),
            Answer::NotAllowed
        ),
        "an id is bound to its provider"
    );
    assert!(matches!(
        fx.decide("slack:U1", Attempt::Approve),
        Answer::Counted { have: 1, need: 2 }
    ));
    assert!(matches!(
        fx.decide("slack:U1", Attempt::Approve),
        Answer::AlreadyVoted
    ));
    assert_eq!(fx.decided_entries(), 0);
    assert_eq!(
        fx.store.get_run(&fx.run_id).unwrap().unwrap().status,
        "awaiting_approval"
    );
    // A plain id in a group matches that id on any provider.
    match fx.decide("mattermost:U3", Attempt::Approve) {
        Answer::Decided(r) => assert_eq!(
            r.decided.as_ref().unwrap().by,
            vec!["slack:U1", "mattermost:U3"]
        ),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        fx.decide("slack:UBOSS", Attempt::Deny { reason: None }),
        Answer::AlreadyDecided(_)
    ));
    assert_eq!(fx.decided_entries(), 1);
    assert_eq!(
        fx.store.get_run(&fx.run_id).unwrap().unwrap().status,
        "running"
    );
    let refused: Vec<_> = fx
        .audit("approval.refused")
        .iter()
        .map(|d| d["reason"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        refused,
        [
            "not_allowed",
            "not_allowed",
            "already_voted",
            "already_decided"
        ]
    );
    let decided = fx.audit("approval.decided");
    assert_eq!(decided.len(), 1);
    assert_eq!(decided[0]["decision"], "approved");

    let rep = fx.resume().await;
    assert_eq!(rep.status, RunStatus::Completed);
    assert_eq!(fx.edr.calls.lock().unwrap().len(), 1);
    assert!(state::audit::verify_chain(&fx.store.audit_entries().unwrap()).is_none());
}

#[tokio::test]
async fn a_deny_fails_closed() {
    let fx = parked("deny", 2, "1h", "deny").await;
    assert!(matches!(
        fx.decide(
            "email:Ana@Example.org",
            Attempt::Deny {
                reason: Some("false positive".into())
            }
        ),
        Answer::Decided(_)
    ));
    let rep = fx.resume().await;
    assert!(fx.edr.calls.lock().unwrap().is_empty());
    assert_eq!(rep.actions[0].status, "denied");
    assert_eq!(
        rep.actions[0].approval.as_ref().unwrap()["decision"]["reason"],
        "false positive"
    );
}

#[tokio::test]
async fn concurrent_clicks_race_to_exactly_one_decision() {
    let fx = parked("race", 1, "1h", "deny").await;
    let store = fx.store.clone();
    let run = fx.run_id.clone();
    let handles: Vec<_> = (0..32)
        .map(|i| {
            let (store, run) = (store.clone(), run.clone());
            std::thread::spawn(move || {
                let who = ["slack:U1", "slack:U2", "mattermost:mm1", "slack:UBOSS"][i % 4];
                let a = if i % 5 == 0 {
                    Attempt::Deny { reason: None }
                } else {
                    Attempt::Approve
                };
                approvals::decide(
                    &store,
                    &groups(),
                    &run,
                    "contain",
                    a,
                    &Voter::new(who, "race"),
                    approvals::now_ms(),
                )
                .unwrap()
            })
        })
        .collect();
    let answers: Vec<Answer> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let n = answers
        .iter()
        .filter(|a| matches!(a, Answer::Decided(_)))
        .count();
    assert_eq!(n, 1, "{answers:?}");
    assert_eq!(fx.decided_entries(), 1);
    assert_eq!(fx.audit("approval.decided").len(), 1);
    assert_eq!(fx.audit("approval.refused").len(), 31);
}

#[tokio::test]
async fn a_restart_while_waiting_loses_nothing() {
    let mut fx = parked("restart", 1, "1h", "deny").await;
    let before = fx
        .store
        .approval_get(&fx.run_id, "contain")
        .unwrap()
        .unwrap();
    // Close the database (the only handle) and open it again, as a restarted daemon does.
    let data = fx.dir.join("data");
    fx.store = {
        let old = std::mem::replace(&mut fx.store, Store::open(&fx.dir.join("scratch")).unwrap());
        old.flush().unwrap();
        drop(old);
        Store::open(&data).unwrap()
    };
    let after = fx
        .store
        .approval_get(&fx.run_id, "contain")
        .unwrap()
        .unwrap();
    assert_eq!(
        before, after,
        "the parked approval survives a restart unchanged"
    );
    let a = approvals::decide(
        &fx.store,
        &groups(),
        &fx.run_id,
        "contain",
        Attempt::Approve,
        &Voter::operator("local:op", "cli"),
        approvals::now_ms(),
    )
    .unwrap();
    assert!(matches!(a, Answer::Decided(_)), "{a:?}");
    let rep = fx.resume().await;
    assert_eq!(rep.status, RunStatus::Completed);
    assert_eq!(fx.edr.calls.lock().unwrap().len(), 1);
}

/// The daemon's HTTP side on 127.0.0.1:0 with every chat provider pointed at its emulator.
struct Rig {
    sh: Arc<Shared>,
    ch: Channels,
    url: String,
    events: broadcast::Receiver<String>,
    offset: Arc<AtomicI64>,
    slack: (emulators::Emulator, emulators::slack::Shared),
    mm: (emulators::Emulator, emulators::mattermost::Shared),
    teams: (emulators::Emulator, emulators::teams::Shared),
    http: reqwest::Client,
}

const SIGNING: &str = "test-signing-secret-0123456789";
const API_TOKEN: &str = "operator-api-token-0123456789";

async fn rig(fx: &Fx) -> Rig {
    let slack = emulators::slack::start().await;
    slack.1.lock().unwrap().channel("C1", "soc-approvals", true);
    let mm = emulators::mattermost::start().await;
    mm.1.lock().unwrap().channels.push("ch1".into());
    let teams = emulators::teams::start().await;
    let file = |name: &str, v: &str| {
        let p = fx.dir.join(name);
        std::fs::write(&p, v).unwrap();
        SecretRef::File(p)
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let cfg = ApprovalsConfig {
        public_url: Some(url.clone()),
        key: Some(file("key", "0123456789abcdef0123456789abcdef")),
        groups: groups(),
        slack: Some(SlackApprovalsConfig {
            url: Some(slack.0.url.clone()),
            bot_token: file("slack_token", emulators::slack::TOKEN),
            signing_secret: file("signing", SIGNING),
            channel: "soc-approvals".into(),
            response_url_prefix: Some(format!("{}/response/", slack.0.url)),
        }),
        mattermost: Some(MattermostApprovalsConfig {
            url: mm.0.url.clone(),
            bot_token: file("mm_token", emulators::mattermost::TOKEN),
            channel_id: "ch1".into(),
        }),
        teams: Some(TeamsApprovalsConfig {
            webhook_url: file(
                "teams_hook",
                &emulators::teams::webhook_url(&teams.0, emulators::teams::SIG),
            ),
            identity_header: None,
        }),
    };
    let offset = Arc::new(AtomicI64::new(0));
    let o = offset.clone();
    let pb = playbooks::load_file(&fx.dir.join("pb.yaml")).unwrap();
    let (sh, ch) = Shared::new(
        fx.store.clone(),
        fx.reg.clone(),
        vec![pb],
        false,
        Some(integrations::secret::Secret::new(API_TOKEN)),
        None,
        Approvals::from_config(&cfg).unwrap(),
        Some(Arc::new(move || {
            approvals::now_ms() + o.load(Ordering::Relaxed)
        })),
        16,
    );
    let events = sh.events.subscribe();
    let app = runner::daemon::router(sh.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    runner::approvals::web::on_parked(&sh, &fx.run_id).await;
    Rig {
        sh,
        ch,
        url,
        events,
        offset,
        slack,
        mm,
        teams,
        http: reqwest::Client::new(),
    }
}

impl Rig {
    /// Waits (no sleeping) for the next approval event matching `what`.
    async fn event(&mut self, what: &str) -> String {
        loop {
            let e = self.events.recv().await.unwrap();
            if e.ends_with(&format!("|{what}")) {
                return e;
            }
        }
    }
}

fn urlencode(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                o.push(b as char)
            }
            _ => o.push_str(&format!("%{b:02X}")),
        }
    }
    o
}

fn slack_body(run: &str, user: &str, action: &str, response_url: &str) -> String {
    let p = serde_json::json!({"type": "block_actions", "user": {"id": user, "username": user.to_lowercase()}, "team": {"id": "T1"},
        "container": {"type": "message", "message_ts": "1700000000.000001", "channel_id": "C1"}, "channel": {"id": "C1"},
        "response_url": response_url, "actions": [{"type": "button", "action_id": action, "block_id": "riposte-approval-contain", "value": format!("{run}|contain"), "action_ts": "1"}]});
    format!("payload={}", urlencode(&p.to_string()))
}

async fn post_slack(r: &Rig, body: &str, ts: i64, secret: &str) -> u16 {
    let sig = sign::slack_signature(secret.as_bytes(), &ts.to_string(), body.as_bytes());
    r.http
        .post(format!("{}/hooks/slack", r.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", ts.to_string())
        .header("x-slack-signature", sig)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn slack_clicks_are_verified_decided_once_and_answered() {
    let fx = parked("slack", 1, "1h", "deny").await;
    let mut r = rig(&fx).await;
    let posted = r.slack.1.lock().unwrap().messages[0].clone();
    let text = posted["blocks"].to_string();
    for want in [
        "ws-01",
        "bob &lt;!channel&gt;",
        "&lt;b&gt;SQBFAFgA&lt;/b&gt; &amp; @all",
        "winword.exe",
        "encoded PowerShell from Office",
        "edr.isolate_host",
        "riposte runs show",
        &fx.run_id,
    ] {
        assert!(text.contains(want), "{want} missing from {text}");
    }
    assert!(
        !text.contains("DRILL") && !text.contains("<!channel>"),
        "{text}"
    );
    assert_eq!(
        posted["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["type"] == "actions")
            .count(),
        1
    );
    let resp = format!("{}/response/1", r.slack.0.url);
    let now = approvals::now_ms() / 1000;

    // Forged (wrong secret) and stale requests are refused before parsing, and audited.
    assert_eq!(
        post_slack(
            &r,
            &slack_body(&fx.run_id, "U1", "approve", &resp),
            now,
            "not-the-secret"
        )
        .await,
        401
    );
    assert_eq!(
        post_slack(
            &r,
            &slack_body(&fx.run_id, "U1", "approve", &resp),
            now - 301,
            SIGNING
        )
        .await,
        401
    );
    assert_eq!(fx.audit("approval.forged").len(), 2);

    // Someone not allowed: answered privately, nothing changes.
    assert_eq!(
        post_slack(
            &r,
            &slack_body(&fx.run_id, "UEVE", "approve", &resp),
            now,
            SIGNING
        )
        .await,
        200
    );
    r.event("not_allowed").await;
    assert!(
        r.slack.1.lock().unwrap().responses[0]["text"]
            .as_str()
            .unwrap()
            .contains("not among the approvers")
    );
    assert!(
        fx.store
            .approval_get(&fx.run_id, "contain")
            .unwrap()
            .unwrap()
            .is_pending()
    );

    // An approver: decided, the run queued to continue, the message updated in place.
    let ok = slack_body(&fx.run_id, "U1", "approve", &resp);
    assert_eq!(post_slack(&r, &ok, now, SIGNING).await, 200);
    r.event("decided").await;
    assert_eq!(r.ch.queue.recv().await.unwrap(), fx.run_id);
    r.event("messages_updated").await;
    let upd = r.slack.1.lock().unwrap().updates.clone();
    assert_eq!(upd.len(), 1);
    assert_eq!(upd[0]["ts"], "1700000000.000001");
    assert!(
        upd[0]["blocks"]
            .to_string()
            .contains("approved by slack:U1 via slack"),
        "{}",
        upd[0]
    );
    assert!(
        !upd[0]["blocks"].to_string().contains("\"actions\""),
        "buttons removed"
    );

    // The same signed request again: a replay.
    assert_eq!(post_slack(&r, &ok, now, SIGNING).await, 401);
    assert!(
        fx.audit("approval.forged")
            .iter()
            .any(|d| d["reason"].as_str().unwrap().starts_with("replayed"))
    );
    // Another approver clicks late: told politely, nothing changes.
    assert_eq!(
        post_slack(
            &r,
            &slack_body(&fx.run_id, "U2", "deny", &resp),
            now,
            SIGNING
        )
        .await,
        200
    );
    r.event("already_decided").await;
    assert!(
        r.slack.1.lock().unwrap().responses.last().unwrap()["text"]
            .as_str()
            .unwrap()
            .contains("already decided")
    );
    assert_eq!(fx.decided_entries(), 1);
    let d = &fx.audit("approval.decided")[0];
    assert_eq!(
        (d["by"][0].as_str(), d["via"].as_str()),
        (Some("slack:U1"), Some("slack"))
    );
    assert!(
        runner::metrics::global()
            .render()
            .contains("riposte_approvals_rejected_total")
    );
}

fn mm_token(r: &Rig, action: usize) -> String {
    let posts = r.mm.1.lock().unwrap().posts.clone();
    posts[0]["props"]["attachments"][0]["actions"][action]["integration"]["context"]["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn mm_click(r: &Rig, user: &str, token: &str) -> (u16, serde_json::Value) {
    let res = r
        .http
        .post(format!("{}/hooks/mattermost", r.url))
        .json(&serde_json::json!({"user_id": user, "user_name": user, "channel_id": "ch1", "post_id": "post0000000000000000000001", "type": "", "context": {"token": token}}))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or_default())
}

#[tokio::test]
async fn mattermost_tokens_are_signed_single_use_and_count_towards_quorum() {
    let fx = parked("mattermost", 2, "1h", "deny").await;
    let r = rig(&fx).await;
    let post = r.mm.1.lock().unwrap().posts[0].clone();
    assert!(
        post["message"].as_str().unwrap().contains("@\u{200B}all"),
        "mentions neutralised: {post}"
    );
    assert_eq!(
        post["props"]["attachments"][0]["actions"][0]["integration"]["url"],
        format!("{}/hooks/mattermost", r.url)
    );
    let approve = mm_token(&r, 0);

    // Forged: the claims altered (deny → approve is the same shape), or no token at all.
    let mut parts: Vec<String> = approve.split('.').map(str::to_owned).collect();
    let c = if &parts[1][2..3] == "A" { "B" } else { "A" };
    parts[1].replace_range(2..3, c);
    let (st, _) = mm_click(&r, "mm1", &parts.join(".")).await;
    assert_eq!(st, 403);
    assert_eq!(mm_click(&r, "mm1", "").await.0, 403);
    assert_eq!(fx.audit("approval.forged").len(), 2);

    let (st, b) = mm_click(&r, "mm1", &approve).await;
    assert_eq!(st, 200);
    assert!(
        b["ephemeral_text"].as_str().unwrap().contains("1 of 2"),
        "{b}"
    );
    // The same token by the same person: used.
    let (_, b) = mm_click(&r, "mm1", &approve).await;
    assert!(
        b["ephemeral_text"]
            .as_str()
            .unwrap()
            .contains("already used"),
        "{b}"
    );
    // Someone outside the approvers.
    let (_, b) = mm_click(&r, "stranger", &approve).await;
    assert!(
        b["ephemeral_text"]
            .as_str()
            .unwrap()
            .contains("not among the approvers"),
        "{b}"
    );
    // A second approver completes the quorum; the reply updates the post in place.
    let (_, b) = mm_click(&r, "U3", &approve).await;
    assert_eq!(b["update"]["props"], serde_json::json!({}), "{b}");
    assert!(
        b["update"]["message"]
            .as_str()
            .unwrap()
            .contains("approved by mattermost:mm1, mattermost:U3"),
        "{b}"
    );
    let deny = mm_token(&r, 1);
    let (_, b) = mm_click(&r, "mm1", &deny).await;
    assert!(
        b["ephemeral_text"]
            .as_str()
            .unwrap()
            .contains("already decided"),
        "{b}"
    );
    assert_eq!(fx.decided_entries(), 1);
    let rep = fx.resume().await;
    assert_eq!(rep.status, RunStatus::Completed);
    assert_eq!(fx.edr.calls.lock().unwrap().len(), 1);
}

fn teams_link(r: &Rig, action: usize) -> String {
    let m = r.teams.1.lock().unwrap().messages[0].clone();
    m["attachments"][0]["content"]["actions"][action]["url"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn csrf_of(html: &str) -> String {
    let i = html.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    html[i..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn teams_link_get_never_decides_post_confirms_once() {
    let fx = parked("teams", 1, "1h", "deny").await;
    let mut r = rig(&fx).await;
    let link = teams_link(&r, 0);
    assert!(
        link.starts_with(&format!("{}/approve/v1.", r.url)),
        "{link}"
    );
    for _ in 0..3 {
        // Link scanners, previews, a curious click: nothing changes.
        let res = r.http.get(&link).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["referrer-policy"], "no-referrer");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("&lt;b&gt;SQBFAFgA&lt;/b&gt; &amp; @all")
                && !html.contains("<b>SQBFAFgA"),
            "{html}"
        );
    }
    let rec = fx
        .store
        .approval_get(&fx.run_id, "contain")
        .unwrap()
        .unwrap();
    assert!(rec.is_pending() && rec.votes.is_empty());
    let html = r
        .http
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let form =
        |email: &str, csrf: &str| format!("csrf={}&email={}", urlencode(csrf), urlencode(email));
    let http = r.http.clone();
    let post = |body: String| {
        http.post(&link)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };

    // No CSRF nonce (a cross-site form), a wrong one, someone not allowed: refused.
    assert_eq!(
        post("email=ana%40example.org".into())
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        post(form("ana@example.org", "AAAA"))
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        post(form("eve@example.org", &csrf)).await.unwrap().status(),
        403
    );
    assert!(
        fx.store
            .approval_get(&fx.run_id, "contain")
            .unwrap()
            .unwrap()
            .is_pending()
    );

    let res = post(form("Ana@Example.org", &csrf)).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("approved by email:ana@example.org via teams")
    );
    assert_eq!(r.ch.queue.recv().await.unwrap(), fx.run_id);
    r.event("messages_updated").await;
    // The follow-up card with the outcome.
    let cards = r.teams.1.lock().unwrap().messages.clone();
    assert!(
        cards
            .last()
            .unwrap()
            .to_string()
            .contains("approved by email:ana@example.org")
    );

    // The link again: already decided, by GET and by POST.
    assert_eq!(r.http.get(&link).send().await.unwrap().status(), 409);
    assert_eq!(
        post(form("ana@example.org", &csrf)).await.unwrap().status(),
        409
    );
    // A forged link.
    let forged = format!("{}x", link);
    assert_eq!(r.http.get(&forged).send().await.unwrap().status(), 403);
    // After the deadline: expired (clock moved 2 h on).
    r.offset.store(2 * 3600 * 1000, Ordering::Relaxed);
    let res = r.http.get(teams_link(&r, 1)).send().await.unwrap();
    assert_eq!(res.status(), 410);
    assert!(res.text().await.unwrap().contains("expired"));
    assert_eq!(fx.decided_entries(), 1);
}

#[tokio::test]
async fn teams_link_reused_by_the_same_person_is_refused() {
    let fx = parked("teams-reuse", 2, "1h", "deny").await;
    let r = rig(&fx).await;
    let link = teams_link(&r, 0);
    let csrf = csrf_of(
        &r.http
            .get(&link)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let body = format!("csrf={}&email=ana%40example.org", urlencode(&csrf));
    let send = || {
        r.http
            .post(&link)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(first.text().await.unwrap().contains("1 of 2"));
    let again = send().await.unwrap();
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains("already used"));
    let rec = fx
        .store
        .approval_get(&fx.run_id, "contain")
        .unwrap()
        .unwrap();
    assert_eq!(rec.votes.len(), 1);
    assert!(rec.is_pending());
}

#[tokio::test]
async fn the_operator_api_needs_the_token_and_decides() {
    let fx = parked("api", 1, "1h", "deny").await;
    let mut r = rig(&fx).await;
    let list = format!("{}/api/approvals", r.url);
    assert_eq!(r.http.get(&list).send().await.unwrap().status(), 401);
    assert_eq!(
        r.http
            .get(&list)
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let l: serde_json::Value = r
        .http
        .get(&list)
        .bearer_auth(API_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(l["approvals"][0]["run_id"], fx.run_id.as_str());
    assert_eq!(l["approvals"][0]["params"][0]["host"], "ws-01");
    let dec = format!("{}/api/runs/{}/approvals/contain", r.url, fx.run_id);
    assert_eq!(
        r.http
            .post(&dec)
            .json(&serde_json::json!({"decision": "deny"}))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let res = r
        .http
        .post(&dec)
        .bearer_auth(API_TOKEN)
        .json(
            &serde_json::json!({"decision": "deny", "reason": "known admin script", "by": "alice"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(r.ch.queue.recv().await.unwrap(), fx.run_id);
    r.event("messages_updated").await;
    let res = r
        .http
        .post(&dec)
        .bearer_auth(API_TOKEN)
        .json(&serde_json::json!({"decision": "approve"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let l: serde_json::Value = r
        .http
        .get(&list)
        .bearer_auth(API_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(l["approvals"].as_array().unwrap().len(), 0);
    // Every provider's message now shows the outcome.
    assert!(
        r.slack.1.lock().unwrap().updates[0]
            .to_string()
            .contains("denied by api:alice")
    );
    assert!(
        r.mm.1.lock().unwrap().patches[0].1["message"]
            .as_str()
            .unwrap()
            .contains("denied by api:alice")
    );
    let rep = fx.resume().await;
    assert!(fx.edr.calls.lock().unwrap().is_empty());
    assert_eq!(rep.actions[0].status, "denied");
}

#[tokio::test(start_paused = true)]
async fn the_shared_timer_fires_on_time_and_fails_closed() {
    let fx = parked("timer", 1, "45m", "deny").await;
    let base = approvals::now_ms();
    let start = tokio::time::Instant::now();
    let clock: runner::daemon::Clock = Arc::new(move || base + start.elapsed().as_millis() as i64);
    let pb = playbooks::load_file(&fx.dir.join("pb.yaml")).unwrap();
    let (sh, mut ch) = Shared::new(
        fx.store.clone(),
        fx.reg.clone(),
        vec![pb],
        false,
        None,
        None,
        Approvals::from_config(&ApprovalsConfig::default()).unwrap(),
        Some(clock.clone()),
        4,
    );
    let mut events = sh.events.subscribe();
    let (_stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let deadline = fx
        .store
        .approval_get(&fx.run_id, "contain")
        .unwrap()
        .unwrap()
        .deadline_ms;
    tokio::spawn(runner::approvals::web::timer(sh.clone(), ch.timer, stop_rx));
    // Time passes (virtually) until the timer fires.
    let e = events.recv().await.unwrap();
    assert_eq!(e, format!("{}|contain|timed_out", fx.run_id));
    assert!(clock() >= deadline, "fired {} ms early", deadline - clock());
    assert!(
        clock() < deadline + 1000,
        "fired {} ms late",
        clock() - deadline
    );
    assert_eq!(ch.queue.recv().await.unwrap(), fx.run_id);
    let rec = fx
        .store
        .approval_get(&fx.run_id, "contain")
        .unwrap()
        .unwrap();
    assert_eq!(rec.decided.unwrap().outcome, "timed_out");
    // A click after the timeout changes nothing.
    assert!(matches!(
        fx.decide("slack:U1", Attempt::Approve),
        Answer::AlreadyDecided(_)
    ));
    let rep = fx.resume().await;
    assert!(fx.edr.calls.lock().unwrap().is_empty());
    assert_eq!(rep.actions[0].status, "expired");
}

#[tokio::test]
async fn a_deadline_passed_during_a_restart_fires_at_start_and_escalates() {
    let fx = parked("escalate", 1, "30m", "{escalate: soc-leads}").await;
    let mut r = rig(&fx).await;
    // The daemon was down past the deadline: a late click is refused…
    r.offset.store(31 * 60 * 1000, Ordering::Relaxed);
    let a = approvals::decide(
        &fx.store,
        &groups(),
        &fx.run_id,
        "contain",
        Attempt::Approve,
        &Voter::new("slack:U1", "slack"),
        (r.sh.clock)(),
    )
    .unwrap();
    assert!(matches!(a, Answer::Expired), "{a:?}");
    // …and the timer, loading deadlines from sled at start, fires at once.
    r.slack.1.lock().unwrap().channel("C9", "soc-leads", true);
    let (_stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let timer_rx = std::mem::replace(&mut r.ch.timer, tokio::sync::mpsc::unbounded_channel().1);
    tokio::spawn(runner::approvals::web::timer(
        r.sh.clone(),
        timer_rx,
        stop_rx,
    ));
    r.event("timed_out").await;
    assert_eq!(r.ch.queue.recv().await.unwrap(), fx.run_id);
    let msgs = r.slack.1.lock().unwrap().messages.clone();
    assert!(
        msgs.iter()
            .any(|m| m["channel"] == "C9" && m["text"].as_str().unwrap().contains("Escalation")),
        "{msgs:?}"
    );
    assert_eq!(fx.audit("approval.escalated").len(), 1);
    let rep = fx.resume().await;
    assert!(fx.edr.calls.lock().unwrap().is_empty());
    assert_eq!(rep.actions[0].status, "expired");
}

/// `cargo test --release -p runner --test runs -- --ignored --nocapture approval_round_trip`:
/// signed Slack click received → signature checked → decision recorded (CAS, journal, audit,
/// fsync) → run queued → run driven → containment call sent, p50/p99 over 300 parked runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; run explicitly"]
async fn approval_round_trip_bench() {
    let fx = parked("bench", 1, "1h", "deny").await;
    let mut r = rig(&fx).await;
    let n = 300;
    let mut runs = vec![fx.run_id.clone()];
    for i in 1..n {
        let a = Alert {
            id: format!("bench-{i}"),
            doc: serde_json::json!({"host": {"name": format!("ws-{i}")}, "threat": {"technique": {"id": ["T1059"]}}}),
            position: "x".into(),
        };
        runs.push(
            driver::execute(&fx.store, &fx.reg, &fx.pb, "test", &a, false)
                .await
                .unwrap()
                .run_id,
        );
    }
    let mut lat = Vec::with_capacity(n);
    let now = approvals::now_ms() / 1000;
    for (i, run) in runs.iter().enumerate() {
        let body = slack_body(
            run,
            "U1",
            "approve",
            &format!("{}/response/{i}", r.slack.0.url),
        );
        let t = std::time::Instant::now();
        assert_eq!(post_slack(&r, &body, now, SIGNING).await, 200);
        let id = r.ch.queue.recv().await.unwrap();
        let rec = fx.store.get_run(&id).unwrap().unwrap();
        driver::drive(&fx.store, &fx.reg, &fx.pb, rec, None)
            .await
            .unwrap();
        lat.push(t.elapsed().as_micros());
        assert_eq!(fx.edr.calls.lock().unwrap().len(), i + 1);
    }
    lat.sort_unstable();
    let p = |q: f64| lat[((lat.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0;
    println!(
        "approval round trip (click received → containment call sent), {n} runs: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        p(0.5),
        p(0.99),
        p(1.0)
    );
    while r.events.try_recv().is_ok() {}
}

/// A headless Chromium session through chromedriver's WebDriver HTTP API (hand-written JSON).
struct Browser {
    driver: std::process::Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

impl Browser {
    /// None when chromedriver is not installed (CI installs it and sets
    /// RIPOSTE_REQUIRE_BROWSER=1, which turns its absence into a failure).
    async fn start() -> Option<Browser> {
        let exe = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(exe) = exe else {
            assert!(
                std::env::var_os("RIPOSTE_REQUIRE_BROWSER").is_none(),
                "RIPOSTE_REQUIRE_BROWSER is set but chromedriver is not installed (apt-get install chromium chromium-driver)"
            );
            eprintln!(
                "SKIPPED: chromedriver is not installed; the Teams page browser test did not run"
            );
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut driver = std::process::Command::new(exe)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let out = driver.stdout.take().unwrap();
        // chromedriver says when it listens; wait for that line, not for a time.
        tokio::task::spawn_blocking(move || {
            use std::io::BufRead;
            let mut r = std::io::BufReader::new(out);
            let mut line = String::new();
            while r.read_line(&mut line).unwrap() > 0 {
                if line.contains("started successfully") {
                    break;
                }
                line.clear();
            }
            // Keep draining so chromedriver never blocks on a full pipe.
            std::thread::spawn(move || std::io::copy(&mut r, &mut std::io::sink()));
        })
        .await
        .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let caps = serde_json::json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium", "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]}}}});
        let v: serde_json::Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {v}"))
            .to_owned();
        Some(Browser {
            driver,
            base,
            session,
            http,
        })
    }

    /// A WebDriver command's `value`, errors included (`value.error`).
    async fn try_cmd(
        &self,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
    ) -> serde_json::Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if !body.is_null() {
            req = req.json(&body);
        }
        let v: serde_json::Value = req.send().await.unwrap().json().await.unwrap();
        v["value"].clone()
    }
    async fn cmd(
        &self,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
    ) -> serde_json::Value {
        let v = self.try_cmd(method, path, body).await;
        assert!(v.get("error").is_none(), "WebDriver {path}: {v}");
        v
    }
    async fn open(&self, url: &str) {
        self.cmd(
            reqwest::Method::POST,
            "/url",
            serde_json::json!({"url": url}),
        )
        .await;
    }
    async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                serde_json::json!({"using": "css selector", "value": css}),
            )
            .await;
        v.as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }
    async fn text(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::GET,
            &format!("/element/{e}/text"),
            serde_json::Value::Null,
        )
        .await
        .as_str()
        .unwrap()
        .to_owned()
    }
    /// The text of `css` once it reads `expected`, after a click that submits a form: the old
    /// page may still answer (or its element go stale) until the navigation lands. Bounded
    /// retries of WebDriver round trips, no sleeping; the last value read is returned.
    async fn text_once(&self, css: &str, expected: &str) -> String {
        let mut last = String::new();
        for _ in 0..500 {
            let found = self
                .try_cmd(
                    reqwest::Method::POST,
                    "/element",
                    serde_json::json!({"using": "css selector", "value": css}),
                )
                .await;
            let Some(e) = found
                .as_object()
                .filter(|o| !o.contains_key("error"))
                .and_then(|o| o.values().next())
                .and_then(|v| v.as_str())
                .map(str::to_owned)
            else {
                continue; // not on the new page yet
            };
            let t = self
                .try_cmd(
                    reqwest::Method::GET,
                    &format!("/element/{e}/text"),
                    serde_json::Value::Null,
                )
                .await;
            if let Some(t) = t.as_str() {
                last = t.to_owned();
                if last == expected {
                    break;
                }
            } // else: stale (the page navigated between the two calls); find it again
        }
        last
    }
    async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            serde_json::json!({"text": text}),
        )
        .await;
    }
    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            serde_json::json!({}),
        )
        .await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_page_in_headless_chromium_confirm_reuse_and_expiry() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let fx = parked("chromium", 1, "1h", "deny").await;
    let r = rig(&fx).await;
    let link = teams_link(&r, 0);

    // Opening the link (what a link scanner or preview does) decides nothing.
    b.open(&link).await;
    assert_eq!(b.text("#title").await, "Approve this action?");
    let page = b.text("body").await;
    assert!(
        page.contains("powershell -enc <b>SQBFAFgA</b> & @all"),
        "alert data is shown as text: {page}"
    );
    assert!(
        fx.store
            .approval_get(&fx.run_id, "contain")
            .unwrap()
            .unwrap()
            .is_pending()
    );

    // Confirm: type the email, press Approve (a POST from the page's form, with its CSRF nonce).
    b.type_into("#email", "ana@example.org").await;
    b.click("#confirm").await;
    assert_eq!(
        b.text_once("#title", "Decision recorded").await,
        "Decision recorded"
    );
    assert!(
        b.text("#state")
            .await
            .contains("approved by email:ana@example.org via teams")
    );
    assert!(
        fx.store
            .approval_get(&fx.run_id, "contain")
            .unwrap()
            .unwrap()
            .decided
            .is_some()
    );

    // The link again: refused, nothing changes.
    b.open(&link).await;
    assert_eq!(
        b.text_once("#title", "Already decided").await,
        "Already decided"
    );
    // The deny link after the deadline: expired.
    r.offset.store(2 * 3600 * 1000, Ordering::Relaxed);
    b.open(&teams_link(&r, 1)).await;
    assert_eq!(b.text_once("#title", "Link expired").await, "Link expired");
    assert_eq!(fx.decided_entries(), 1);
    b.cmd(reqwest::Method::DELETE, "", serde_json::Value::Null)
        .await;
}

fn rss_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// `cargo test --release -p runner --test runs -- --ignored --nocapture parked_run_memory`:
/// what 10,000 parked runs cost in memory. Their records live in sled (on disk, behind sled's
/// bounded page cache); the only per-run memory the daemon holds is one entry in the shared
/// timer's ordered set, measured here (RSS growth while building it) and computed.
#[test]
#[ignore = "measurement; run explicitly"]
fn parked_run_memory() {
    let dir = state::scratch::TempDir::new("riposte-appr-mem");
    let store = Store::open(&dir).unwrap();
    let n = 10_000;
    for i in 0..n {
        let run = playbooks::engine::run_id("siem", &format!("alert-{i}"), "t1059", "hash");
        let rec = state::approvals::ApprovalRecord {
            v: 1,
            run_id: run,
            step: "isolate_host".into(),
            request: serde_json::json!({"capability": "edr.isolate_host", "calls": [{"host": format!("ws-{i}")}]}),
            approvers: vec!["group:soc-tier2".into()],
            allowed: vec![],
            quorum: 1,
            created_at: state::records::now(),
            deadline_ms: approvals::now_ms() + 1_800_000 + (i as i64 * 7919) % 600_000,
            escalate_to: None,
            dry_run: false,
            votes: vec![],
            decided: None,
            notified: true,
            messages: vec![],
            used_tokens: vec![],
        };
        assert!(store.approval_create(&rec).unwrap());
    }
    let dues: Vec<runner::approvals::web::Due> = store
        .approvals()
        .unwrap()
        .into_iter()
        .map(|r| (r.deadline_ms, r.run_id, r.step))
        .collect();
    let before = rss_kib();
    let wheel: std::collections::BTreeSet<_> = dues.iter().cloned().collect();
    let after = rss_kib();
    let strings: usize = wheel.iter().map(|d| d.1.capacity() + d.2.capacity()).sum();
    let computed =
        std::mem::size_of::<runner::approvals::web::Due>() * wheel.len() * 11 / 8 + strings; // leaf nodes ~8/11 full
    println!(
        "{n} parked runs: timer memory measured {:.0} B/run (RSS +{} KiB), computed ~{:.0} B/run; sled on disk {} KiB",
        (after.saturating_sub(before) * 1024) as f64 / n as f64,
        after.saturating_sub(before),
        computed as f64 / n as f64,
        store
            .path()
            .join("db")
            .metadata()
            .map(|_| dir_size(&dir) / 1024)
            .unwrap_or(0)
    );
    assert_eq!(wheel.len(), n);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| {
                    let m = e.metadata().unwrap();
                    if m.is_dir() {
                        dir_size(&e.path())
                    } else {
                        m.len()
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

/// A small fuzz of the webhook parsers (no cargo-fuzz on this toolchain): correctly signed Slack
/// bodies of random bytes and mangled payloads, random Mattermost JSON, random Teams tokens and
/// forms. Nothing may panic, answer 5xx, or change the pending approval.
#[tokio::test]
async fn webhook_parsers_survive_garbage() {
    let fx = parked("fuzz", 1, "1h", "deny").await;
    let r = rig(&fx).await;
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut rnd = move |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    };
    let now = approvals::now_ms() / 1000;
    let alphabet = b"payload=%{}[]\":,|&+ab01approvedenyblock_actionsuser";
    for i in 0..150 {
        let raw = rnd(1 + i % 97);
        let body: String = if i % 2 == 0 {
            raw.iter()
                .map(|b| alphabet[*b as usize % alphabet.len()] as char)
                .collect()
        } else {
            let v = String::from_utf8_lossy(&raw).into_owned();
            format!(
                "payload={}",
                urlencode(&format!(
                    "{{\"type\":\"block_actions\",\"user\":{{\"id\":\"{v}\"}},\"actions\":[{{\"action_id\":\"approve\",\"value\":\"{v}|{v}\"}}]}}"
                ))
            )
        };
        let st = post_slack(&r, &body, now, SIGNING).await;
        assert!(st < 500, "slack {st} for {body:?}");
        let mm = r
            .http
            .post(format!("{}/hooks/mattermost", r.url))
            .body(raw.clone())
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap();
        assert!(mm.status().as_u16() < 500);
        let tok: String = raw
            .iter()
            .map(|b| b"v1.ABCxyz-_0189"[*b as usize % 15] as char)
            .collect();
        let g = r
            .http
            .get(format!("{}/approve/{tok}", r.url))
            .send()
            .await
            .unwrap();
        assert!(g.status().as_u16() < 500);
        let p = r
            .http
            .post(format!("{}/approve/{tok}", r.url))
            .body(raw)
            .send()
            .await
            .unwrap();
        assert!(p.status().as_u16() < 500);
    }
    let rec = fx
        .store
        .approval_get(&fx.run_id, "contain")
        .unwrap()
        .unwrap();
    assert!(rec.is_pending() && rec.votes.is_empty());
}
