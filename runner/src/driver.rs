//! Drives the pure engine durably: every call and decision goes through the journal.
//!
//! Commit, then act: a mutate call's `Started` entry is flushed before the request leaves, its
//! `Completed` entry after. On resume the journal's recorded outcomes are replayed into a fresh
//! engine run, so completed steps return their recorded output and are never executed again.

use crate::{Format, text};
use anyhow::{Context, Result};
use integrations::Registry;
use playbooks::Playbook;
use playbooks::alert::{self, Alert, BadAlert};
use playbooks::engine::{self, Decision, Next, Outcome, Report, Run, RunStatus};
use sha2::{Digest, Sha256};
use state::Store;
use state::records::{JournalEntry, RunRecord, now};
use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use tracing::{Instrument, info_span};

/// Reads every alert from a file, or from each `.json`/`.jsonl`/`.ndjson` file in a directory.
pub fn read_alerts(path: &Path) -> Result<Vec<(String, Result<Alert, BadAlert>)>> {
    let mut files = Vec::new();
    if path.is_dir() {
        for e in std::fs::read_dir(path)
            .with_context(|| format!("reading directory {}", path.display()))?
        {
            let p = e?.path();
            if p.extension()
                .is_some_and(|x| x == "json" || x == "jsonl" || x == "ndjson")
            {
                files.push(p);
            }
        }
        files.sort();
    } else {
        files.push(path.to_owned());
    }
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f)
            .with_context(|| format!("reading alerts from {}", f.display()))?;
        let name = f.display().to_string();
        for r in alert::parse_text(&text) {
            out.push((name.clone(), r));
        }
    }
    Ok(out)
}

pub fn load_playbook(path: &Path) -> Result<Playbook> {
    playbooks::load_file(path).map_err(|d| {
        anyhow::anyhow!(
            "{d}\n{} problem(s) in {}; `riposte playbook validate {}` lists them",
            d.len(),
            path.display(),
            path.display()
        )
    })
}

fn digest(v: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(v).unwrap_or_default()))
}

/// Recorded answers of a run, by step key.
#[derive(Default)]
struct Replay {
    outcomes: HashMap<String, Outcome>,
    decisions: HashMap<String, Decision>,
    requested: HashMap<String, bool>,
    started: HashMap<String, u32>,
}

impl Replay {
    fn from_journal(j: &[JournalEntry]) -> Replay {
        let mut r = Replay::default();
        for e in j {
            match e {
                JournalEntry::Completed { key, outcome, .. } => {
                    if let Ok(o) = serde_json::from_value(outcome.clone()) {
                        r.outcomes.insert(key.clone(), o);
                    }
                }
                JournalEntry::ApprovalDecided { key, decision, .. } => {
                    if let Ok(d) = serde_json::from_value(decision.clone()) {
                        r.decisions.insert(key.clone(), d);
                    }
                }
                JournalEntry::ApprovalRequested { key, .. } => {
                    r.requested.insert(key.clone(), true);
                }
                JournalEntry::Started { key, attempt, .. } => {
                    r.started.insert(key.clone(), *attempt);
                }
                _ => {}
            }
        }
        r
    }
}

/// Runs (or resumes) one playbook on one alert, journaled in the store.
pub async fn execute(
    store: &Store,
    registry: &Registry,
    pb: &Playbook,
    source: &str,
    a: &Alert,
    dry_run: bool,
) -> Result<Report> {
    let run_id = engine::run_id(source, &a.id, &pb.id, &pb.hash);
    let span = info_span!("run", run_id = %run_id, playbook = %pb.id, alert_id = %a.id);
    async move {
        let existing = store.get_run(&run_id)?;
        if let Some(r) = &existing {
            if let Ok(s) = serde_json::from_value::<RunStatus>(serde_json::Value::String(r.status.clone())) {
                if s.is_final() {
                    // Deduplicated: the same alert already ran this playbook version.
                    return Ok(serde_json::from_value(r.report.clone())?);
                }
            }
        } else {
            let rec = RunRecord {
                v: 1,
                run_id: run_id.clone(),
                source: source.to_owned(),
                alert_id: a.id.clone(),
                alert: a.doc.clone(),
                playbook_id: pb.id.clone(),
                playbook_version: pb.version.clone(),
                playbook_hash: pb.hash.clone(),
                dry_run,
                status: "running".into(),
                created_at: now(),
                updated_at: now(),
                report: serde_json::Value::Null,
            };
            store.create_run(&rec)?;
            store.audit("run.created", Some(&run_id), serde_json::json!({"source": source, "alert_id": a.id, "playbook": pb.id, "version": pb.version, "hash": pb.hash, "dry_run": dry_run}))?;
        }
        let replay = Replay::from_journal(&store.journal(&run_id)?);
        let mut run = Run::new(pb, &a.id, &a.doc, &run_id, dry_run, None);
        let mut escalated = false;
        loop {
            let next = run.next();
            if !escalated {
                if let Some(e) = run.escalation().map(|e| serde_json::to_value(e).unwrap_or_default()) {
                    escalated = true;
                    if !replay.outcomes.is_empty() || !replay.decisions.is_empty() {
                        // already journaled in a previous attempt
                    } else {
                        store.append(&run_id, &JournalEntry::Escalated { v: 1, at: now(), escalation: e.clone() })?;
                        store.audit("escalation", Some(&run_id), e)?;
                    }
                }
            }
            match next {
                Next::Call(c) => {
                    let key = c.key.to_string();
                    if let Some(o) = replay.outcomes.get(&key) {
                        run.complete(o.clone());
                        continue;
                    }
                    let span = info_span!("step", step_id = %key, attempt = 1, capability = %c.capability);
                    let _g = span.enter();
                    if dry_run && c.mutates {
                        let o = Outcome::Withheld;
                        store.append(&run_id, &JournalEntry::Completed { v: 1, at: now(), key: key.clone(), outcome: serde_json::to_value(&o)? })?;
                        store.audit("request.withheld", Some(&run_id), serde_json::json!({"step": key, "capability": c.capability, "params": c.params, "dry_run": true}))?;
                        run.complete(o);
                        continue;
                    }
                    let attempt = replay.started.get(&key).map(|a| a + 1).unwrap_or(1);
                    store.append(&run_id, &JournalEntry::Started { v: 1, at: now(), key: key.clone(), attempt, idempotency_key: c.idempotency_key.clone(), capability: c.capability.clone(), mutates: c.mutates, params_digest: digest(&c.params) })?;
                    if c.mutates {
                        // Commit, then act.
                        store.audit("step.started", Some(&run_id), serde_json::json!({"step": key, "capability": c.capability, "attempt": attempt, "params_digest": digest(&c.params)}))?;
                        store.flush()?;
                    }
                    let ctx = integrations::Ctx {
                        run_id: run_id.clone(),
                        step: key.clone(),
                        attempt,
                        log: std::sync::Arc::new(AuditRequests { store: store.clone(), run_id: run_id.clone(), step: key.clone() }),
                        report: serde_json::to_value(run.report())?,
                    };
                    let o = registry.call(&ctx, &c).await;
                    store.append(&run_id, &JournalEntry::Completed { v: 1, at: now(), key: key.clone(), outcome: serde_json::to_value(&o)? })?;
                    if c.mutates {
                        store.audit("step.completed", Some(&run_id), serde_json::json!({"step": key, "capability": c.capability, "outcome": outcome_word(&o)}))?;
                        store.flush()?;
                    }
                    run.complete(o);
                }
                Next::Approval(req) => {
                    if let Some(d) = replay.decisions.get(&req.step) {
                        run.decide(d.clone());
                        continue;
                    }
                    if !replay.requested.contains_key(&req.step) {
                        let j = serde_json::to_value(&req)?;
                        store.append(&run_id, &JournalEntry::ApprovalRequested { v: 1, at: now(), key: req.step.clone(), request: j.clone() })?;
                        store.audit("approval.requested", Some(&run_id), serde_json::json!({"step": req.step, "capability": req.capability, "approvers": req.approval.approvers, "quorum": req.approval.quorum}))?;
                    }
                    run.set_status(RunStatus::AwaitingApproval);
                    break;
                }
                Next::Done => {
                    store.append(&run_id, &JournalEntry::Finished { v: 1, at: now(), status: run.status().as_str().into() })?;
                    store.audit("run.finished", Some(&run_id), serde_json::json!({"status": run.status().as_str()}))?;
                    break;
                }
            }
        }
        let report = run.report();
        let mut rec = store.get_run(&run_id)?.context("run record vanished")?;
        rec.status = report.status.as_str().into();
        rec.updated_at = now();
        rec.report = serde_json::to_value(&report)?;
        store.put_run(&rec)?;
        store.flush()?;
        Ok(report)
    }
    .instrument(span)
    .await
}

/// Writes every request an integration sends to the audit log (method, URL, body digest,
/// status; never headers or bodies).
struct AuditRequests {
    store: Store,
    run_id: String,
    step: String,
}

impl integrations::RequestLog for AuditRequests {
    fn sent(&self, r: &integrations::SentRequest) {
        let mut d = serde_json::to_value(r).unwrap_or_default();
        d["step"] = serde_json::Value::String(self.step.clone());
        if let Err(e) = self.store.audit("request.sent", Some(&self.run_id), d) {
            tracing::error!(error = %e, "cannot write a request to the audit log");
        }
    }
}

fn outcome_word(o: &Outcome) -> serde_json::Value {
    match o {
        Outcome::Ok { .. } => serde_json::json!("ok"),
        Outcome::Withheld => serde_json::json!("withheld"),
        Outcome::Failed { class, message } => {
            serde_json::json!({"failed": class, "message": message})
        }
    }
}

pub async fn run_command(
    playbook: &Path,
    alerts: &Path,
    dry_run: bool,
    format: Format,
    data_dir: &Path,
    source: &str,
) -> Result<ExitCode> {
    let pb = load_playbook(playbook)?;
    let items = read_alerts(alerts)?;
    let store = Store::open(data_dir)?;
    let registry = Registry::default();
    let (mut ran, mut unmatched, mut bad) = (0, 0, 0);
    for (file, item) in items {
        match item {
            Err(b) => {
                bad += 1;
                store.audit("alert.quarantined", None, serde_json::json!({"file": file, "position": b.position, "reason": b.reason, "excerpt": b.excerpt}))?;
                if format == Format::Json {
                    println!(
                        "{}",
                        serde_json::json!({"error": "unreadable alert", "file": file, "position": b.position, "reason": b.reason})
                    );
                } else {
                    eprintln!(
                        "{file}: {}: cannot read alert: {} (quarantined, the rest go on)",
                        b.position, b.reason
                    );
                }
            }
            Ok(a) => {
                if !engine::matches(&pb, &a.doc) {
                    unmatched += 1;
                    if format == Format::Json {
                        println!(
                            "{}",
                            serde_json::json!({"alert_id": a.id, "file": file, "position": a.position, "status": "unmatched", "playbook": {"id": pb.id, "version": pb.version}})
                        );
                    } else {
                        println!(
                            "── {file} {}: alert {} — not taken by {} (match rules)\n",
                            a.position, a.id, pb.id
                        );
                    }
                    continue;
                }
                ran += 1;
                let report = execute(&store, &registry, &pb, source, &a, dry_run).await?;
                if format == Format::Json {
                    println!("{}", serde_json::to_string(&report)?);
                } else {
                    println!("── {file} {}", a.position);
                    print!("{}", text::report(&report));
                    println!();
                }
            }
        }
    }
    if format == Format::Text {
        println!(
            "{ran} run(s), {unmatched} alert(s) not matched, {bad} unreadable; data in {}",
            data_dir.display()
        );
    }
    Ok(if bad > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
