//! Drives the pure engine durably: every call and decision goes through the journal.
//!
//! Commit, then act: a mutate call's `Started` entry is flushed before the request leaves, its
//! `Completed` entry after. On resume the journal's recorded outcomes are replayed into a fresh
//! engine run, so completed steps return their recorded output and are never executed again.

use crate::{Format, text};
use anyhow::{Context, Result};
use integrations::Reconciled;
use integrations::Registry;
use playbooks::Playbook;
use playbooks::alert::{self, Alert, BadAlert};
use playbooks::engine::{self, Decision, ErrorClass, Next, Outcome, Report, Run, RunStatus};
use sha2::{Digest, Sha256};
use state::Store;
use state::records::{JournalEntry, RunRecord, now};
use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use tracing::{Instrument, info_span};

/// Files a directory of alerts is read for: JSON (`.json`, `.jsonl`, `.ndjson`) and raw log
/// text (`.log` audit or syslog lines, `.xml` Windows events).
pub fn is_alert_file(p: &Path) -> bool {
    p.extension().is_some_and(|x| {
        ["json", "jsonl", "ndjson", "log", "xml"]
            .iter()
            .any(|e| x == *e)
    })
}

/// Reads every alert from a file, or from each alert file ([`is_alert_file`]) in a directory.
pub fn read_alerts(path: &Path) -> Result<Vec<(String, Result<Alert, BadAlert>)>> {
    let mut files = Vec::new();
    if path.is_dir() {
        for e in std::fs::read_dir(path)
            .with_context(|| format!("reading directory {}", path.display()))?
        {
            let p = e?.path();
            if is_alert_file(&p) {
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
    /// The last attempt started per key.
    started: HashMap<String, u32>,
    escalated: bool,
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
                JournalEntry::Escalated { .. } => r.escalated = true,
                _ => {}
            }
        }
        r
    }

    /// A call that was started and has no recorded outcome: it may or may not have taken effect.
    fn in_doubt(&self, key: &str) -> bool {
        self.started.contains_key(key) && !self.outcomes.contains_key(key)
    }
}

/// An operator's answer to an in-doubt step, given with `runs resume --assume-sent/--assume-not-sent`.
#[derive(Clone, Debug)]
pub enum Resolution {
    AssumeSent { key: String, by: String },
    AssumeNotSent { key: String, by: String },
}

impl Resolution {
    fn key(&self) -> &str {
        match self {
            Resolution::AssumeSent { key, .. } | Resolution::AssumeNotSent { key, .. } => key,
        }
    }
}

pub fn new_record(
    pb: &Playbook,
    source: &str,
    a: &Alert,
    run_id: &str,
    dry_run: bool,
) -> RunRecord {
    RunRecord {
        v: 1,
        run_id: run_id.to_owned(),
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
    }
}

pub fn status_of(rec: &RunRecord) -> Option<RunStatus> {
    serde_json::from_value(serde_json::Value::String(rec.status.clone())).ok()
}

/// Runs one playbook on one alert, journaled in the store. A run that already exists for the same
/// (source, alert, playbook hash) is not started again: a finished one returns its report, an
/// unfinished one is continued from its journal.
pub async fn execute(
    store: &Store,
    registry: &Registry,
    pb: &Playbook,
    source: &str,
    a: &Alert,
    dry_run: bool,
) -> Result<Report> {
    let run_id = engine::run_id(source, &a.id, &pb.id, &pb.hash);
    let rec = match store.get_run(&run_id)? {
        Some(r) => {
            if status_of(&r).is_some_and(|s| s.is_final()) {
                // Deduplicated: the same alert already ran this playbook version.
                return Ok(serde_json::from_value(r.report.clone())?);
            }
            r
        }
        None => {
            let rec = new_record(pb, source, a, &run_id, dry_run);
            if store.create_run(&rec)? {
                store.audit("run.created", Some(&run_id), serde_json::json!({"source": source, "alert_id": a.id, "playbook": pb.id, "version": pb.version, "hash": pb.hash, "dry_run": dry_run}))?;
            }
            rec
        }
    };
    drive(store, registry, pb, rec, None).await
}

/// Resumes a stored run under `pb`, which must be the playbook it started with (same hash).
pub async fn resume(
    store: &Store,
    registry: &Registry,
    pb: &Playbook,
    run_id: &str,
    resolution: Option<Resolution>,
) -> Result<Report> {
    let rec = store
        .get_run(run_id)?
        .with_context(|| format!("no run `{run_id}`; `riposte runs list` shows the runs"))?;
    match status_of(&rec) {
        Some(s) if s.is_final() => {
            anyhow::bail!("run {run_id} is {}; there is nothing to resume", s.as_str())
        }
        Some(RunStatus::AwaitingApproval) => anyhow::bail!(
            "run {run_id} waits for an approval; decide it with `riposte approve` or `riposte deny`"
        ),
        _ => {}
    }
    if rec.playbook_hash != pb.hash {
        anyhow::bail!(
            "[E-PLAYBOOK-CHANGED] run {run_id} started under playbook `{}` version {} (hash {}), but the playbook given is version {} (hash {}).\n  \
             A run resumes only under the exact playbook it started with, so that its recorded steps keep their meaning.\n  \
             Either resume it with the old version:  riposte runs resume {run_id} --playbook OLD.yaml\n  \
             or cancel it:                           riposte runs cancel {run_id} --reason \"playbook changed\"",
            rec.playbook_id,
            rec.playbook_version,
            short_hash(&rec.playbook_hash),
            pb.version,
            short_hash(&pb.hash)
        );
    }
    let by = match &resolution {
        Some(Resolution::AssumeSent { by, .. } | Resolution::AssumeNotSent { by, .. }) => {
            by.clone()
        }
        None => state::records::local_user(),
    };
    store.append(
        run_id,
        &JournalEntry::Resumed {
            v: 1,
            at: now(),
            by: by.clone(),
        },
    )?;
    store.audit(
        "operator.resume",
        Some(run_id),
        serde_json::json!({"by": by, "resolution": resolution.as_ref().map(|r| format!("{r:?}"))}),
    )?;
    drive(store, registry, pb, rec, resolution).await
}

fn short_hash(h: &str) -> &str {
    &h[..h.len().min(12)]
}

/// Cancels an unfinished run: it will not be resumed. Steps already taken stay taken.
pub fn cancel(store: &Store, run_id: &str, reason: &str) -> Result<RunRecord> {
    let mut rec = store
        .get_run(run_id)?
        .with_context(|| format!("no run `{run_id}`; `riposte runs list` shows the runs"))?;
    if let Some(s) = status_of(&rec).filter(|s| s.is_final()) {
        anyhow::bail!(
            "run {run_id} is already {}; only unfinished runs can be cancelled",
            s.as_str()
        );
    }
    let by = state::records::local_user();
    store.append(
        run_id,
        &JournalEntry::Cancelled {
            v: 1,
            at: now(),
            by: by.clone(),
            reason: reason.to_owned(),
        },
    )?;
    store.audit(
        "operator.cancel",
        Some(run_id),
        serde_json::json!({"by": by, "reason": reason}),
    )?;
    rec.status = RunStatus::Cancelled.as_str().into();
    rec.updated_at = now();
    if let Some(o) = rec.report.as_object_mut() {
        o.insert("status".into(), serde_json::json!("cancelled"));
    }
    store.put_run(&rec)?;
    store.flush()?;
    Ok(rec)
}

/// Decides a pending approval of a run: the one entry every channel (chat callbacks, CLI, API,
/// timer) goes through; see [`crate::approvals`]. A decision is recorded once, journaled and
/// audited; every other attempt changes nothing and is audited. The caller continues the run
/// (the daemon queues it) when the answer is [`crate::approvals::Answer::Decided`].
pub fn decide(
    store: &Store,
    groups: &std::collections::BTreeMap<String, Vec<String>>,
    run_id: &str,
    step: &str,
    attempt: crate::approvals::Attempt,
    voter: &crate::approvals::Voter,
) -> Result<crate::approvals::Answer> {
    crate::approvals::decide(
        store,
        groups,
        run_id,
        step,
        attempt,
        voter,
        crate::approvals::now_ms(),
    )
}

/// Makes the journal durable without blocking the async workers: the store's committer thread
/// flushes once for every run waiting (group commit) and the run awaits its answer.
pub async fn flush(store: &Store) -> Result<()> {
    Ok(store.commit().await?)
}

/// Why `drive` stopped a call instead of completing it.
enum Stop {
    NeedsAttention(String),
}

/// Makes one call durably: in-doubt reconciliation, retries, commit-then-act.
#[allow(clippy::too_many_arguments)]
async fn call_durably(
    store: &Store,
    registry: &Registry,
    run_id: &str,
    c: &engine::CallRequest,
    replay: &Replay,
    resolution: Option<&Resolution>,
    report: serde_json::Value,
) -> Result<std::result::Result<Outcome, Stop>> {
    let key = c.key.to_string();
    let max = c.retry.attempts.max(1);
    let mut attempt = replay.started.get(&key).copied().unwrap_or(0) + 1;
    let mut doubt = c.mutates && replay.in_doubt(&key);
    let ctx = |attempt: u32| integrations::Ctx {
        run_id: run_id.to_owned(),
        step: key.clone(),
        attempt,
        log: std::sync::Arc::new(AuditRequests {
            store: store.clone(),
            run_id: run_id.to_owned(),
            step: key.clone(),
        }),
        report: report.clone(),
    };
    let mut tries_here = 0u32;
    loop {
        if doubt {
            // A previous try may have taken effect: ask before sending again.
            let (resolution_word, by, outcome, detail) = match resolution.filter(|r| r.key() == key)
            {
                Some(Resolution::AssumeSent { by, .. }) => (
                    "assumed_sent",
                    Some(by.clone()),
                    Some(Outcome::Ok {
                        result: serde_json::json!({"assumed_sent_by": by}),
                    }),
                    None,
                ),
                Some(Resolution::AssumeNotSent { by, .. }) => {
                    ("assumed_not_sent", Some(by.clone()), None, None)
                }
                None => match registry.reconcile(&ctx(attempt), c).await {
                    Reconciled::Done(r) => (
                        "done",
                        None,
                        Some(Outcome::Ok { result: r.clone() }),
                        Some(r),
                    ),
                    Reconciled::NotDone => ("not_done", None, None, None),
                    Reconciled::Idempotent => ("idempotent", None, None, None),
                    Reconciled::Unknown(reason) => {
                        let reason = format!(
                            "`{key}` ({}) was sent but its outcome was not recorded, and the target cannot tell whether it took effect: {reason}. \
                             Check by hand, then `riposte runs resume {run_id} --assume-sent {key}` or `--assume-not-sent {key}`, or cancel the run",
                            c.capability
                        );
                        store.append(
                            run_id,
                            &JournalEntry::NeedsAttention {
                                v: 1,
                                at: now(),
                                key: key.clone(),
                                reason: reason.clone(),
                            },
                        )?;
                        store.audit("step.needs_attention", Some(run_id), serde_json::json!({"step": key, "capability": c.capability, "reason": reason}))?;
                        flush(store).await?;
                        return Ok(Err(Stop::NeedsAttention(reason)));
                    }
                },
            };
            store.append(
                run_id,
                &JournalEntry::Reconciled {
                    v: 1,
                    at: now(),
                    key: key.clone(),
                    resolution: resolution_word.into(),
                    by: by.clone(),
                    detail,
                },
            )?;
            store.audit("step.reconciled", Some(run_id), serde_json::json!({"step": key, "capability": c.capability, "resolution": resolution_word, "by": by}))?;
            if let Some(o) = outcome {
                store.append(
                    run_id,
                    &JournalEntry::Completed {
                        v: 1,
                        at: now(),
                        key: key.clone(),
                        outcome: serde_json::to_value(&o)?,
                    },
                )?;
                flush(store).await?;
                return Ok(Ok(o));
            }
        }
        let span = info_span!("step", step_id = %key, attempt, capability = %c.capability);
        store.append(
            run_id,
            &JournalEntry::Started {
                v: 1,
                at: now(),
                key: key.clone(),
                attempt,
                idempotency_key: c.idempotency_key.clone(),
                capability: c.capability.clone(),
                mutates: c.mutates,
                params_digest: digest(&c.params),
            },
        )?;
        if c.mutates {
            // Commit, then act: the intent is on disk before the request leaves.
            store.audit("step.started", Some(run_id), serde_json::json!({"step": key, "capability": c.capability, "attempt": attempt, "params_digest": digest(&c.params)}))?;
            flush(store).await?;
        }
        let started = std::time::Instant::now();
        let o =
            match tokio::time::timeout(c.timeout, registry.call(&ctx(attempt), c).instrument(span))
                .await
            {
                Ok(o) => o,
                Err(_) => Outcome::Failed {
                    class: ErrorClass::Retryable,
                    message: format!(
                        "`{key}` ({}) got no answer within {:?}",
                        c.capability, c.timeout
                    ),
                },
            };
        let m = crate::metrics::global();
        m.observe(
            "riposte_step_seconds",
            &crate::metrics::label("capability", &c.capability),
            started.elapsed().as_secs_f64(),
        );
        if let Outcome::Failed { class, .. } = &o {
            let class = serde_json::to_value(class)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            m.inc(
                "riposte_integration_errors_total",
                &crate::metrics::labels(&[("capability", &c.capability), ("class", &class)]),
                1,
            );
        }
        tries_here += 1;
        if let Outcome::Failed {
            class: ErrorClass::Retryable,
            message,
        } = &o
            && attempt < max
        {
            store.append(
                run_id,
                &JournalEntry::AttemptFailed {
                    v: 1,
                    at: now(),
                    key: key.clone(),
                    attempt,
                    class: "retryable".into(),
                    message: message.clone(),
                },
            )?;
            if c.mutates {
                store.audit("step.attempt_failed", Some(run_id), serde_json::json!({"step": key, "capability": c.capability, "attempt": attempt, "message": message}))?;
                flush(store).await?;
            }
            tracing::warn!(run_id, step_id = %key, attempt, error = %message, "retrying");
            let backoff = c
                .retry
                .backoff
                .saturating_mul(1u32 << (tries_here - 1).min(10));
            tokio::time::sleep(backoff).await;
            attempt += 1;
            doubt = c.mutates;
            continue;
        }
        store.append(
            run_id,
            &JournalEntry::Completed {
                v: 1,
                at: now(),
                key: key.clone(),
                outcome: serde_json::to_value(&o)?,
            },
        )?;
        if c.mutates {
            store.audit("step.completed", Some(run_id), serde_json::json!({"step": key, "capability": c.capability, "attempt": attempt, "outcome": outcome_word(&o)}))?;
            flush(store).await?;
        }
        return Ok(Ok(o));
    }
}

/// Drives a stored run from its journal to the next stop (done, approval, needs attention).
/// The daemon calls this for runs created by intake and for unfinished runs at start-up.
pub async fn drive(
    store: &Store,
    registry: &Registry,
    pb: &Playbook,
    rec: RunRecord,
    resolution: Option<Resolution>,
) -> Result<Report> {
    let run_id = rec.run_id.clone();
    let dry_run = rec.dry_run;
    let span = info_span!("run", run_id = %run_id, playbook = %pb.id, alert_id = %rec.alert_id);
    async move {
        let replay = Replay::from_journal(&store.journal(&run_id)?);
        let mut run = Run::new(pb, &rec.alert_id, &rec.alert, &run_id, dry_run, None);
        let mut escalated = replay.escalated;
        loop {
            let next = run.next();
            if !escalated
                && let Some(e) = run.escalation().map(|e| serde_json::to_value(e).unwrap_or_default()) {
                    escalated = true;
                    store.append(&run_id, &JournalEntry::Escalated { v: 1, at: now(), escalation: e.clone() })?;
                    store.audit("escalation", Some(&run_id), e)?;
                }
            match next {
                Next::Call(c) => {
                    let key = c.key.to_string();
                    if let Some(o) = replay.outcomes.get(&key) {
                        run.complete(o.clone());
                        continue;
                    }
                    if dry_run && c.mutates {
                        let o = Outcome::Withheld;
                        store.append(&run_id, &JournalEntry::Completed { v: 1, at: now(), key: key.clone(), outcome: serde_json::to_value(&o)? })?;
                        store.audit("request.withheld", Some(&run_id), serde_json::json!({"step": key, "capability": c.capability, "params": c.params, "requests": registry.render(&c), "dry_run": true}))?;
                        run.complete(o);
                        continue;
                    }
                    // Tickets carry the findings (the whole report so far, explanations
                    // rendered); every other call reads at most the alert's summary, and
                    // building the report for each of them showed in profiles.
                    let report = if c.capability.starts_with("ticket.") {
                        serde_json::to_value(run.report())?
                    } else {
                        serde_json::json!({"summary": run.summary()})
                    };
                    match call_durably(store, registry, &run_id, &c, &replay, resolution.as_ref(), report).await? {
                        Ok(o) => run.complete(o),
                        Err(Stop::NeedsAttention(reason)) => {
                            run.set_status(RunStatus::NeedsAttention);
                            tracing::warn!(%reason, "run parked: needs attention");
                            break;
                        }
                    }
                }
                Next::Approval(req) => {
                    if let Some(d) = replay.decisions.get(&req.step) {
                        run.decide(d.clone());
                        continue;
                    }
                    let existing = store.approval_get(&run_id, &req.step)?;
                    if let Some(rec) = existing.as_ref().filter(|r| r.decided.is_some()) {
                        // Decided, but the journal entry was not written (a crash in between):
                        // journal it now and go on.
                        crate::approvals::record_decision(store, rec)?;
                        let d = rec.decided.as_ref().map(|d| d.decision.clone()).unwrap_or_default();
                        run.decide(serde_json::from_value(d).context("stored approval decision")?);
                        continue;
                    }
                    if !replay.requested.contains_key(&req.step) {
                        let j = serde_json::to_value(&req)?;
                        store.append(&run_id, &JournalEntry::ApprovalRequested { v: 1, at: now(), key: req.step.clone(), request: j.clone() })?;
                        store.audit("approval.requested", Some(&run_id), serde_json::json!({"step": req.step, "capability": req.capability, "approvers": req.approval.approvers, "quorum": req.approval.quorum, "timeout": playbooks::duration::format(req.approval.timeout)}))?;
                    }
                    if existing.is_none() {
                        store.approval_create(&crate::approvals::new_record(&run_id, &req, dry_run))?;
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
        flush(store).await?;
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

/// Every playbook in the given files and directories.
pub fn load_playbooks(paths: &[std::path::PathBuf]) -> Result<Vec<Playbook>> {
    let files = crate::playbook_cmd::playbook_files(paths);
    if files.is_empty() {
        anyhow::bail!(
            "no playbooks found in {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    files.iter().map(|f| load_playbook(f)).collect()
}

/// The registry for a configuration, or an empty one (every call then fails with a message
/// naming the missing binding; dry-run still withholds every mutate).
pub fn registry_for(config: Option<&Path>, store: &Store) -> Result<Registry> {
    match config {
        None => Ok(Registry::default()),
        Some(p) => {
            let l = crate::config::load(p)?;
            let problems = crate::config::problems(&l);
            if !problems.is_empty() {
                anyhow::bail!("{}:\n  {}", p.display(), problems.join("\n  "));
            }
            crate::config::registry(
                &l,
                &integrations::vendors::BuildEnv {
                    store: Some(store.clone()),
                },
            )
        }
    }
}

pub fn config_check(path: &Path) -> Result<ExitCode> {
    let l = crate::config::load(path)?;
    let mut problems = crate::config::problems(&l);
    let env = integrations::vendors::BuildEnv {
        store: Some(Store::temporary()?),
    };
    let registry = match crate::config::registry(&l, &env) {
        Ok(r) => Some(r),
        Err(e) => {
            problems.push(format!("{e:#}"));
            None
        }
    };
    // Loads the approval secrets (key, bot tokens, signing secret, webhook URL) now.
    if let Err(e) = crate::approvals::Approvals::from_config(&l.config.approvals) {
        problems.push(format!("{e:#}"));
    }
    let paths: Vec<_> = l.config.playbooks.iter().map(|p| l.resolve(p)).collect();
    let mut n = 0;
    let mut ids = Vec::new();
    for f in crate::playbook_cmd::playbook_files(&paths) {
        n += 1;
        match playbooks::load_file(&f) {
            Ok(p) => {
                if let Some(reg) = &registry {
                    problems.extend(check_calls(&p, reg));
                }
                for a in &p.actions {
                    for g in a
                        .approval
                        .iter()
                        .flat_map(|ap| ap.approvers.iter())
                        .filter_map(|x| x.strip_prefix("group:"))
                    {
                        let ap = &l.config.approvals;
                        let chat =
                            ap.slack.is_some() || ap.mattermost.is_some() || ap.teams.is_some();
                        if chat && !ap.groups.contains_key(g) {
                            problems.push(format!("{}: action `{}` names approvers `group:{g}`, which is not defined under `approvals.groups`; nobody could approve it from chat", f.display(), a.id));
                        }
                    }
                }
                ids.push(p.id)
            }
            Err(d) => problems.push(format!("{d}")),
        }
    }
    for d in &l.config.drills {
        if !ids.contains(&d.playbook) {
            problems.push(format!(
                "drills.{}: playbook `{}` is not among the configured playbooks ({})",
                d.name,
                d.playbook,
                ids.join(", ")
            ));
        }
        for f in &d.alerts {
            if !l.resolve(f).exists() {
                problems.push(format!(
                    "drills.{}: alert fixtures {} do not exist",
                    d.name,
                    l.resolve(f).display()
                ));
            }
        }
    }
    if l.config.playbooks.is_empty() {
        problems.push("playbooks: no playbook files or directories are listed".into());
    } else if n == 0 {
        problems.push(format!(
            "playbooks: no playbook files found in {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if problems.is_empty() {
        println!(
            "{}: OK — {} integration(s), {} capability binding(s), {} source(s), {} drill(s), {n} playbook(s)",
            path.display(),
            l.config.integrations.len(),
            l.config.capabilities.len(),
            l.config.sources.len(),
            l.config.drills.len()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &problems {
            println!("{p}");
        }
        println!("{} problem(s) in {}", problems.len(), path.display());
        Ok(ExitCode::from(1))
    }
}

/// The vendor-specific parameter checks of every call a playbook makes through a bound
/// integration, on the parameters written literally (templated ones are checked at call time).
fn check_calls(pb: &Playbook, reg: &Registry) -> Vec<String> {
    use playbooks::model::{ParamValue, Step};
    let mut calls: Vec<(&str, &playbooks::model::Call, playbooks::diag::Pos)> = Vec::new();
    for s in &pb.analysis {
        if let Step::Lookup(l) = s {
            calls.push((&l.id, &l.call, l.pos));
        }
    }
    for a in &pb.actions {
        calls.push((&a.id, &a.call, a.pos));
    }
    let mut out = Vec::new();
    for (id, call, pos) in calls {
        let Some(i) = reg.integration_for(call.capability.name) else {
            continue;
        };
        let literal: serde_json::Map<String, serde_json::Value> = call
            .params
            .iter()
            .filter_map(|(k, v)| match v {
                ParamValue::Literal(j) => Some((k.clone(), j.clone())),
                _ => None,
            })
            .collect();
        if let Err(e) = i.check_params(call.capability.name, &serde_json::Value::Object(literal)) {
            out.push(format!(
                "{}:{}:{}: `{id}` ({}) is bound to `{}` ({}), which refuses its parameters: {e}",
                pb.file,
                pos.line,
                pos.col,
                call.capability.name,
                i.name(),
                i.vendor()
            ));
        }
    }
    out
}

/// `riposte runs resume`: one named run, or every `running` run.
pub async fn resume_command(
    run: Option<&str>,
    playbook_paths: &[std::path::PathBuf],
    config: Option<&Path>,
    resolution: Option<Resolution>,
    data_dir: &Path,
) -> Result<ExitCode> {
    let store = Store::open(data_dir)?;
    let registry = registry_for(config, &store)?;
    let mut paths = playbook_paths.to_vec();
    if paths.is_empty() {
        match config {
            Some(p) => {
                let l = crate::config::load(p)?;
                paths = l.config.playbooks.iter().map(|x| l.resolve(x)).collect();
            }
            None => paths.push("playbooks/library".into()),
        }
    }
    let pbs = load_playbooks(&paths)?;
    let targets: Vec<String> = match run {
        Some(r) => vec![r.to_owned()],
        None => store
            .runs()?
            .into_iter()
            .filter(|r| status_of(r) == Some(RunStatus::Running))
            .map(|r| r.run_id)
            .collect(),
    };
    if targets.is_empty() {
        println!("no unfinished runs to resume");
    }
    let mut failed = 0;
    for id in targets {
        let rec = store
            .get_run(&id)?
            .with_context(|| format!("no run `{id}`; `riposte runs list` shows the runs"))?;
        let same_id: Vec<&Playbook> = pbs.iter().filter(|p| p.id == rec.playbook_id).collect();
        let pb = same_id
            .iter()
            .find(|p| p.hash == rec.playbook_hash)
            .or(same_id.first())
            .with_context(|| {
                format!(
                    "run {id}: playbook `{}` is not in {}; give its file with --playbook",
                    rec.playbook_id,
                    paths
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        match resume(&store, &registry, pb, &id, resolution.clone()).await {
            Ok(rep) => println!("run {id}: {}", rep.status.as_str()),
            Err(e) => {
                failed += 1;
                eprintln!("error: {e:#}");
            }
        }
    }
    Ok(if failed > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// Removes finished runs last updated more than `age` ago; the audit log records the removal.
pub fn prune(store: &Store, age: std::time::Duration) -> Result<(usize, usize)> {
    let cutoff = (chrono::Utc::now() - chrono::Duration::from_std(age)?)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let (mut runs, mut entries) = (0, 0);
    for r in store.runs()? {
        if status_of(&r).is_some_and(|s| s.is_final()) && r.updated_at <= cutoff {
            entries += store.remove_run(&r.run_id)?;
            runs += 1;
            store.audit(
                "retention.removed",
                Some(&r.run_id),
                serde_json::json!({"status": r.status, "updated_at": r.updated_at}),
            )?;
        }
    }
    store.flush()?;
    Ok((runs, entries))
}

pub async fn run_command(
    playbook: &Path,
    alerts: &Path,
    dry_run: bool,
    format: Format,
    data_dir: &Path,
    source: &str,
    config: Option<&Path>,
) -> Result<ExitCode> {
    let pb = load_playbook(playbook)?;
    let items = read_alerts(alerts)?;
    let store = Store::open(data_dir)?;
    let registry = registry_for(config, &store)?;
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
