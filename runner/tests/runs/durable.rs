//! The durable driver: in-doubt steps are reconciled before anything is sent again, retries of a
//! mutate ask first, unknowable outcomes park the run for a human, a run never resumes under a
//! changed playbook, cancel and retention behave, and the audit chain stays intact throughout.
//!
//! The integration here is a scripted test double of the `Integration` trait: these tests are
//! about the driver's decisions; vendor clients are tested against their emulators in
//! `integrations/tests/`, and the real binary is killed mid-run in `tests/tests/e2e/crash.rs`.

use integrations::{BoxFuture, Ctx, Integration, Reconciled, Registry};
use playbooks::alert::Alert;
use playbooks::engine::{CallRequest, ErrorClass, Outcome, RunStatus};
use runner::driver::{self, Resolution};
use state::Store;
use state::records::{JournalEntry, now};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

const PLAYBOOK: &str = r#"id: durable-test
title: Durable test
version: 1
techniques: [T1059]
match: {technique: T1059}
analysis:
  - check: always
    explain: always true
    value: "true"
escalation:
  rules:
    - when: facts.always
      tier: 2
      severity: high
      reason: test
actions:
  - id: contain
    action: edr.isolate_host
    with: {host: "{{alert.host.name}}"}
    retry: {attempts: 3, backoff: 1ms}
"#;

#[derive(Default)]
struct Scripted {
    answers: Mutex<VecDeque<Outcome>>,
    reconcile: Mutex<VecDeque<Reconciled>>,
    calls: Mutex<Vec<u32>>,
    reconciles: Mutex<usize>,
}

impl Integration for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }
    fn vendor(&self) -> &'static str {
        "test"
    }
    fn capabilities(&self) -> &'static [&'static str] {
        &["edr.isolate_host"]
    }
    fn render(&self, _: &CallRequest) -> Vec<serde_json::Value> {
        vec![serde_json::json!({"method": "POST", "url": "test://contain"})]
    }
    fn call<'a>(&'a self, ctx: &'a Ctx, _: &'a CallRequest) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            self.calls.lock().unwrap().push(ctx.attempt);
            self.answers
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or(Outcome::Ok {
                    result: serde_json::json!({"contained": true}),
                })
        })
    }
    fn reconcile<'a>(&'a self, _: &'a Ctx, _: &'a CallRequest) -> BoxFuture<'a, Reconciled> {
        Box::pin(async move {
            *self.reconciles.lock().unwrap() += 1;
            self.reconcile
                .lock()
                .unwrap()
                .pop_front()
                .expect("reconcile was asked more often than the test scripted")
        })
    }
}

struct Fixture {
    dir: state::scratch::TempDir,
    store: Store,
    pb: playbooks::Playbook,
    edr: Arc<Scripted>,
    reg: Registry,
    alert: Alert,
}

fn fixture(name: &str, playbook: &str) -> Fixture {
    let dir = state::scratch::TempDir::new(&format!("riposte-durable-{name}"));
    let pbf = dir.join("pb.yaml");
    std::fs::write(&pbf, playbook).unwrap();
    let pb = playbooks::load_file(&pbf).unwrap_or_else(|d| panic!("{d}"));
    let store = Store::open(&dir.join("data")).unwrap();
    let edr = Arc::new(Scripted::default());
    let mut reg = Registry::default();
    reg.bind("edr.isolate_host", edr.clone()).unwrap();
    let alert = Alert {
        id: "alert-1".into(),
        doc: serde_json::json!({"host": {"name": "ws-01"}, "threat": {"technique": {"id": ["T1059"]}}}),
        position: "line 1".into(),
    };
    Fixture {
        dir,
        store,
        pb,
        edr,
        reg,
        alert,
    }
}

impl Fixture {
    fn run_id(&self) -> String {
        playbooks::engine::run_id("test", &self.alert.id, &self.pb.id, &self.pb.hash)
    }

    /// What a crash right after sending `contain` leaves behind: the run, its escalation and a
    /// flushed `Started` for the mutate, with no outcome.
    fn crashed_after_send(&self) -> String {
        let id = self.run_id();
        let rec = state::records::RunRecord {
            v: 1,
            run_id: id.clone(),
            source: "test".into(),
            alert_id: self.alert.id.clone(),
            alert: self.alert.doc.clone(),
            playbook_id: self.pb.id.clone(),
            playbook_version: self.pb.version.clone(),
            playbook_hash: self.pb.hash.clone(),
            dry_run: false,
            status: "running".into(),
            created_at: now(),
            updated_at: now(),
            report: serde_json::Value::Null,
        };
        assert!(self.store.create_run(&rec).unwrap());
        self.store
            .append(
                &id,
                &JournalEntry::Started {
                    v: 1,
                    at: now(),
                    key: "contain".into(),
                    attempt: 1,
                    idempotency_key: "k".into(),
                    capability: "edr.isolate_host".into(),
                    mutates: true,
                    params_digest: "d".into(),
                },
            )
            .unwrap();
        id
    }

    fn audit_kinds(&self) -> Vec<String> {
        self.store
            .audit_entries()
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect()
    }
}

#[tokio::test]
async fn in_doubt_step_that_took_effect_is_recorded_not_resent() {
    let f = fixture("done", PLAYBOOK);
    let id = f.crashed_after_send();
    f.edr
        .reconcile
        .lock()
        .unwrap()
        .push_back(Reconciled::Done(serde_json::json!({"already": true})));
    let rep = driver::resume(&f.store, &f.reg, &f.pb, &id, None)
        .await
        .unwrap();
    assert_eq!(rep.status, RunStatus::Completed);
    assert!(
        f.edr.calls.lock().unwrap().is_empty(),
        "nothing may be sent again"
    );
    let a = rep.actions.iter().find(|a| a.step == "contain").unwrap();
    assert_eq!(a.status, "completed");
    assert_eq!(a.result, Some(serde_json::json!({"already": true})));
    assert!(f.audit_kinds().contains(&"step.reconciled".to_string()));
    assert!(state::audit::verify_chain(&f.store.audit_entries().unwrap()).is_none());
}

#[tokio::test]
async fn in_doubt_step_that_did_not_happen_is_sent_once_with_the_next_attempt() {
    let f = fixture("notdone", PLAYBOOK);
    let id = f.crashed_after_send();
    f.edr
        .reconcile
        .lock()
        .unwrap()
        .push_back(Reconciled::NotDone);
    let rep = driver::resume(&f.store, &f.reg, &f.pb, &id, None)
        .await
        .unwrap();
    assert_eq!(rep.status, RunStatus::Completed);
    assert_eq!(
        *f.edr.calls.lock().unwrap(),
        vec![2],
        "sent once, as attempt 2"
    );
}

#[tokio::test]
async fn unknowable_outcome_parks_the_run_until_an_operator_decides() {
    let f = fixture("unknown", PLAYBOOK);
    let id = f.crashed_after_send();
    f.edr
        .reconcile
        .lock()
        .unwrap()
        .push_back(Reconciled::Unknown("the EDR is unreachable".into()));
    let rep = driver::resume(&f.store, &f.reg, &f.pb, &id, None)
        .await
        .unwrap();
    assert_eq!(rep.status, RunStatus::NeedsAttention);
    assert!(f.edr.calls.lock().unwrap().is_empty());
    let rec = f.store.get_run(&id).unwrap().unwrap();
    assert_eq!(rec.status, "needs_attention");
    let reason = f
        .store
        .journal(&id)
        .unwrap()
        .into_iter()
        .find_map(|e| match e {
            JournalEntry::NeedsAttention { reason, .. } => Some(reason),
            _ => None,
        })
        .expect("a needs-attention entry");
    assert!(
        reason.contains("the EDR is unreachable") && reason.contains("--assume-sent contain"),
        "{reason}"
    );

    // The operator checked the EDR console: the host is contained.
    let rep = driver::resume(
        &f.store,
        &f.reg,
        &f.pb,
        &id,
        Some(Resolution::AssumeSent {
            key: "contain".into(),
            by: "local:alice".into(),
        }),
    )
    .await
    .unwrap();
    assert_eq!(rep.status, RunStatus::Completed);
    assert!(
        f.edr.calls.lock().unwrap().is_empty(),
        "still never re-sent"
    );
    let audit = f.store.audit_entries().unwrap();
    let resumed = audit
        .iter()
        .rev()
        .find(|e| e.kind == "operator.resume")
        .unwrap();
    assert!(resumed.detail.to_string().contains("local:alice"));
}

#[tokio::test]
async fn a_retry_of_a_mutate_reconciles_first() {
    let f = fixture("retry", PLAYBOOK);
    f.edr.answers.lock().unwrap().push_back(Outcome::Failed {
        class: ErrorClass::Retryable,
        message: "HTTP 502".into(),
    });
    // The 502 came after the EDR had acted: the retry must not send again.
    f.edr
        .reconcile
        .lock()
        .unwrap()
        .push_back(Reconciled::Done(serde_json::json!({"status": "contained"})));
    let rep = driver::execute(&f.store, &f.reg, &f.pb, "test", &f.alert, false)
        .await
        .unwrap();
    assert_eq!(rep.status, RunStatus::Completed);
    assert_eq!(*f.edr.calls.lock().unwrap(), vec![1]);
    assert_eq!(*f.edr.reconciles.lock().unwrap(), 1);
    let j = f.store.journal(&f.run_id()).unwrap();
    assert!(
        j.iter()
            .any(|e| matches!(e, JournalEntry::AttemptFailed { attempt: 1, .. }))
    );
}

#[tokio::test]
async fn retries_stop_at_the_playbook_limit() {
    let f = fixture("limit", PLAYBOOK);
    for _ in 0..3 {
        f.edr.answers.lock().unwrap().push_back(Outcome::Failed {
            class: ErrorClass::Retryable,
            message: "HTTP 503".into(),
        });
    }
    for _ in 0..2 {
        f.edr
            .reconcile
            .lock()
            .unwrap()
            .push_back(Reconciled::NotDone);
    }
    let rep = driver::execute(&f.store, &f.reg, &f.pb, "test", &f.alert, false)
        .await
        .unwrap();
    assert_eq!(*f.edr.calls.lock().unwrap(), vec![1, 2, 3]);
    let a = rep.actions.iter().find(|a| a.step == "contain").unwrap();
    assert_eq!(a.status, "failed");
}

#[tokio::test]
async fn a_run_never_resumes_under_a_changed_playbook() {
    let f = fixture("pin", PLAYBOOK);
    let id = f.crashed_after_send();
    let changed = PLAYBOOK.replace("version: 1", "version: 2");
    let pbf = f.dir.join("pb2.yaml");
    std::fs::write(&pbf, changed).unwrap();
    let pb2 = playbooks::load_file(&pbf).unwrap();
    let e = driver::resume(&f.store, &f.reg, &pb2, &id, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("[E-PLAYBOOK-CHANGED]"), "{e}");
    assert!(
        e.contains("--playbook OLD.yaml") && e.contains("runs cancel"),
        "{e}"
    );
    assert_eq!(*f.edr.reconciles.lock().unwrap(), 0, "nothing was touched");
}

#[tokio::test]
async fn cancelled_runs_are_final_and_pruning_keeps_the_audit_chain() {
    let f = fixture("cancel", PLAYBOOK);
    let id = f.crashed_after_send();
    let rec = driver::cancel(&f.store, &id, "false positive, closed in the SIEM").unwrap();
    assert_eq!(rec.status, "cancelled");
    assert!(driver::cancel(&f.store, &id, "again").is_err());
    let e = driver::resume(&f.store, &f.reg, &f.pb, &id, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("is cancelled"), "{e}");

    let before = f.store.audit_entries().unwrap().len();
    let (runs, entries) = driver::prune(&f.store, std::time::Duration::from_secs(3600)).unwrap();
    assert_eq!((runs, entries), (0, 0), "too recent to prune");
    let (runs, entries) = driver::prune(&f.store, std::time::Duration::ZERO).unwrap();
    assert_eq!(runs, 1);
    assert!(entries >= 2);
    assert!(f.store.get_run(&id).unwrap().is_none());
    assert!(f.store.journal(&id).unwrap().is_empty());
    let audit = f.store.audit_entries().unwrap();
    assert_eq!(audit.len(), before + 1);
    assert_eq!(audit.last().unwrap().kind, "retention.removed");
    assert!(state::audit::verify_chain(&audit).is_none());
}

#[tokio::test]
async fn dry_run_records_the_exact_requests_and_sends_nothing() {
    let f = fixture("dry", PLAYBOOK);
    let rep = driver::execute(&f.store, &f.reg, &f.pb, "test", &f.alert, true)
        .await
        .unwrap();
    assert_eq!(rep.actions[0].status, "dry_run");
    assert!(f.edr.calls.lock().unwrap().is_empty());
    let w = f
        .store
        .audit_entries()
        .unwrap()
        .into_iter()
        .find(|e| e.kind == "request.withheld")
        .unwrap();
    assert_eq!(w.detail["requests"][0]["url"], "test://contain");
}
