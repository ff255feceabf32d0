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
use runner::config::{ApprovalsConfig, MattermostApprovalsConfig, SlackApprovalsConfig, TeamsApprovalsConfig};
use runner::daemon::{Channels, Shared};
use runner::driver;
use state::Store;
use state::records::JournalEntry;
use std::collections::BTreeMap;
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
            Outcome::Ok { result: serde_json::json!({"contained": true}) }
        })
    }
    fn reconcile<'a>(&'a self, _: &'a Ctx, _: &'a CallRequest) -> BoxFuture<'a, Reconciled> {
        Box::pin(async { Reconciled::NotDone })
    }
}

struct Fx {
    dir: std::path::PathBuf,
    store: Store,
    pb: playbooks::Playbook,
    edr: Arc<Edr>,
    reg: Registry,
    run_id: String,
}

impl Drop for Fx {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn groups() -> BTreeMap<String, Vec<String>> {
    BTreeMap::from([("tier2".to_owned(), vec!["slack:U1".to_owned(), "slack:U2".to_owned(), "mattermost:mm1".to_owned(), "email:ana@example.org".to_owned(), "U3".to_owned()])])
}

/// A run of the gated playbook, parked on `contain`.
async fn parked(name: &str, quorum: u32, timeout: &str, on_timeout: &str) -> Fx {
    let dir = std::env::temp_dir().join(format!("riposte-appr-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
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
    let rep = driver::execute(&store, &reg, &pb, "test", &alert, false).await.unwrap();
    assert_eq!(rep.status, RunStatus::AwaitingApproval);
    let run_id = rep.run_id.clone();
    assert!(edr.calls.lock().unwrap().is_empty(), "nothing is sent before the approval");
    Fx { dir, store, pb, edr, reg, run_id }
}

impl Fx {
    fn decide(&self, who: &str, a: Attempt) -> Answer {
        approvals::decide(&self.store, &groups(), &self.run_id, "contain", a, &Voter::new(who, "test"), approvals::now_ms()).unwrap()
    }
    fn decided_entries(&self) -> usize {
        self.store.journal(&self.run_id).unwrap().iter().filter(|e| matches!(e, JournalEntry::ApprovalDecided { .. })).count()
    }
    fn audit(&self, kind: &str) -> Vec<serde_json::Value> {
        self.store.audit_entries().unwrap().into_iter().filter(|e| e.kind == kind).map(|e| e.detail).collect()
    }
    async fn resume(&self) -> playbooks::engine::Report {
        let rec = self.store.get_run(&self.run_id).unwrap().unwrap();
        driver::drive(&self.store, &self.reg, &self.pb, rec, None).await.unwrap()
    }
}

#[test]
fn slack_documented_signature_example() {
    let secret = b"8f742231b10e8888abcd99yyyzzz85a5";
    let body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    let want = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    assert_eq!(sign::slack_signature(secret, "1531420618", body), want);
    assert_eq!(sign::verify_slack(secret, Some("1531420618"), Some(want), body, 1531420618 + 299), Ok(()));
    // One byte changed, another secret, a stale or future timestamp, missing headers.
    let mut tampered = body.to_vec();
    tampered[6] = b'X';
    assert_eq!(sign::verify_slack(secret, Some("1531420618"), Some(want), &tampered, 1531420618), Err(sign::SlackReject::BadSignature));
    assert_eq!(sign::verify_slack(b"another-secret", Some("1531420618"), Some(want), body, 1531420618), Err(sign::SlackReject::BadSignature));
    assert_eq!(sign::verify_slack(secret, Some("1531420618"), Some(want), body, 1531420618 + 301), Err(sign::SlackReject::Stale));
    assert_eq!(sign::verify_slack(secret, Some("1531420618"), Some(want), body, 1531420618 - 301), Err(sign::SlackReject::Stale));
    assert_eq!(sign::verify_slack(secret, None, Some(want), body, 1531420618), Err(sign::SlackReject::Missing));
    assert_eq!(sign::verify_slack(secret, Some("soon"), Some(want), body, 1531420618), Err(sign::SlackReject::BadTimestamp));
}

#[tokio::test]
async fn quorum_allow_list_and_duplicates_decide_once() {
    let fx = parked("quorum", 2, "1h", "deny").await;
    let rec = fx.store.approval_get(&fx.run_id, "contain").unwrap().expect("approval record");
    assert!(rec.is_pending() && rec.quorum == 2);
    assert!(rec.request["calls"][0]["host"] == "ws-01", "{}", rec.request);

    assert!(matches!(fx.decide("slack:UEVE", Attempt::Approve), Answer::NotAllowed));
    assert!(matches!(fx.decide("mattermost:U1", Attempt::Approve), Answer::NotAllowed), "an id is bound to its provider");
    assert!(matches!(fx.decide("slack:U1", Attempt::Approve), Answer::Counted { have: 1, need: 2 }));
    assert!(matches!(fx.decide("slack:U1", Attempt::Approve), Answer::AlreadyVoted));
    assert_eq!(fx.decided_entries(), 0);
    assert_eq!(fx.store.get_run(&fx.run_id).unwrap().unwrap().status, "awaiting_approval");
    // A plain id in a group matches that id on any provider.
    match fx.decide("mattermost:U3", Attempt::Approve) {
        Answer::Decided(r) => assert_eq!(r.decided.as_ref().unwrap().by, vec!["slack:U1", "mattermost:U3"]),
        other => panic!("{other:?}"),
    }
    assert!(matches!(fx.decide("slack:UBOSS", Attempt::Deny { reason: None }), Answer::AlreadyDecided(_)));
    assert_eq!(fx.decided_entries(), 1);
    assert_eq!(fx.store.get_run(&fx.run_id).unwrap().unwrap().status, "running");
    let refused: Vec<_> = fx.audit("approval.refused").iter().map(|d| d["reason"].as_str().unwrap().to_owned()).collect();
    assert_eq!(refused, ["not_allowed", "not_allowed", "already_voted", "already_decided"]);
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
    assert!(matches!(fx.decide("email:Ana@Example.org", Attempt::Deny { reason: Some("false positive".into()) }), Answer::Decided(_)));
    let rep = fx.resume().await;
    assert!(fx.edr.calls.lock().unwrap().is_empty());
    assert_eq!(rep.actions[0].status, "denied");
    assert_eq!(rep.actions[0].approval.as_ref().unwrap()["decision"]["reason"], "false positive");
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
                let a = if i % 5 == 0 { Attempt::Deny { reason: None } } else { Attempt::Approve };
                approvals::decide(&store, &groups(), &run, "contain", a, &Voter::new(who, "race"), approvals::now_ms()).unwrap()
            })
        })
        .collect();
    let answers: Vec<Answer> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let n = answers.iter().filter(|a| matches!(a, Answer::Decided(_))).count();
    assert_eq!(n, 1, "{answers:?}");
    assert_eq!(fx.decided_entries(), 1);
    assert_eq!(fx.audit("approval.decided").len(), 1);
    assert_eq!(fx.audit("approval.refused").len(), 31);
}

#[tokio::test]
async fn a_restart_while_waiting_loses_nothing() {
    let mut fx = parked("restart", 1, "1h", "deny").await;
    let before = fx.store.approval_get(&fx.run_id, "contain").unwrap().unwrap();
    // Close the database (the only handle) and open it again, as a restarted daemon does.
    let data = fx.dir.join("data");
    fx.store = {
        let old = std::mem::replace(&mut fx.store, Store::open(&fx.dir.join("scratch")).unwrap());
        old.flush().unwrap();
        drop(old);
        Store::open(&data).unwrap()
    };
    let after = fx.store.approval_get(&fx.run_id, "contain").unwrap().unwrap();
    assert_eq!(before, after, "the parked approval survives a restart unchanged");
    let a = approvals::decide(&fx.store, &groups(), &fx.run_id, "contain", Attempt::Approve, &Voter::operator("local:op", "cli"), approvals::now_ms()).unwrap();
    assert!(matches!(a, Answer::Decided(_)), "{a:?}");
    let rep = fx.resume().await;
    assert_eq!(rep.status, RunStatus::Completed);
    assert_eq!(fx.edr.calls.lock().unwrap().len(), 1);
}
