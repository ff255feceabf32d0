//! Approvals: a gated action parks its run until enough allowed people approve it (or one
//! denies it, or it times out), through chat (Slack, Mattermost, Teams), the CLI or the HTTP API.
//!
//! - **State**: one record per (run, step) in sled ([`state::approvals`]); a parked run holds
//!   no task, thread or timer of its own, only an entry in the daemon's one shared timer.
//! - **Once**: [`decide`] changes the record by compare-and-swap; the call that completes the
//!   quorum (or denies, or times out) records the decision, journals `ApprovalDecided`, marks
//!   the run `running` again and audits who decided and through which channel. Every other
//!   attempt (duplicate, late, not allowed, token reused) changes nothing and is audited.
//! - **Channels**: [`chat`] posts requests and updates them; [`web`] receives clicks.

pub mod chat;
pub mod sign;
pub mod web;

use crate::config::ApprovalsConfig;
use anyhow::{Context, Result};
use integrations::secret::Secret;
use playbooks::engine::Decision;
use serde_json::{Value as Json, json};
use state::Store;
use state::approvals::{ApprovalRecord, Decided, Vote};
use state::records::{JournalEntry, RunRecord, now};
use std::collections::BTreeMap;

/// Wall-clock now, Unix milliseconds.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// What someone tries to do to a pending approval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    Approve,
    Deny {
        reason: Option<String>,
    },
    /// The timer: only takes effect once the deadline has passed.
    Timeout,
}

/// Who tries it and through which channel. `operator` (CLI at the console, API with the server
/// token) is not checked against the approver list: having the data directory or the token is
/// the authorisation; the vote still counts once towards the quorum.
#[derive(Clone, Debug)]
pub struct Voter {
    pub who: String,
    pub via: String,
    pub operator: bool,
    /// A single-use token use to consume with the vote (`NONCE/IDENTITY`).
    pub token_use: Option<String>,
}

impl Voter {
    pub fn new(who: impl Into<String>, via: impl Into<String>) -> Voter {
        Voter {
            who: who.into(),
            via: via.into(),
            operator: false,
            token_use: None,
        }
    }
    pub fn operator(who: impl Into<String>, via: impl Into<String>) -> Voter {
        Voter {
            operator: true,
            ..Voter::new(who, via)
        }
    }
}

/// The answer to an [`Attempt`].
#[derive(Clone, Debug)]
pub enum Answer {
    /// This attempt made the decision (recorded, journaled, audited).
    Decided(Box<ApprovalRecord>),
    /// An approval was counted; the quorum is not reached yet.
    Counted {
        have: u32,
        need: u32,
    },
    AlreadyDecided(Box<ApprovalRecord>),
    AlreadyVoted,
    TokenUsed,
    NotAllowed,
    Expired,
    /// The timer fired early (clock moved back): nothing happens yet.
    NotDue,
    NoSuchApproval,
}

impl Answer {
    /// A short word for the audit log and API answers.
    pub fn word(&self) -> &'static str {
        match self {
            Answer::Decided(_) => "decided",
            Answer::Counted { .. } => "counted",
            Answer::AlreadyDecided(_) => "already_decided",
            Answer::AlreadyVoted => "already_voted",
            Answer::TokenUsed => "token_used",
            Answer::NotAllowed => "not_allowed",
            Answer::Expired => "expired",
            Answer::NotDue => "not_due",
            Answer::NoSuchApproval => "no_such_approval",
        }
    }

    /// A polite sentence for the person who clicked.
    pub fn sentence(&self) -> String {
        match self {
            Answer::Decided(r) => format!("Thank you: {}.", outcome_sentence(r)),
            Answer::Counted { have, need } => {
                format!("Your approval is recorded ({have} of {need} needed); waiting for more approvers.")
            }
            Answer::AlreadyDecided(r) => {
                format!("This request was already decided: {}. Nothing was changed.", outcome_sentence(r))
            }
            Answer::AlreadyVoted => "You already voted on this request; your vote counts once. Nothing was changed.".into(),
            Answer::TokenUsed => "This button or link was already used. Nothing was changed.".into(),
            Answer::NotAllowed => "You are not among the approvers of this request. Nothing was changed; the attempt is recorded.".into(),
            Answer::Expired => "This request has expired. Nothing was changed.".into(),
            Answer::NotDue => "This request is still open.".into(),
            Answer::NoSuchApproval => "There is no such approval request.".into(),
        }
    }
}

/// "approved by slack:U1 at …", "denied by … (reason)", "timed out at …".
pub fn outcome_sentence(r: &ApprovalRecord) -> String {
    match &r.decided {
        None => "pending".into(),
        Some(d) => {
            let reason = d
                .decision
                .get("reason")
                .and_then(|x| x.as_str())
                .map(|x| format!(" ({x})"))
                .unwrap_or_default();
            match d.outcome.as_str() {
                "timed_out" => format!("timed out at {} — the action was not taken", d.at),
                o => format!(
                    "{o} by {} via {} at {}{reason}",
                    d.by.join(", "),
                    d.via,
                    d.at
                ),
            }
        }
    }
}

/// The approvers of a record expanded with the configured groups (`group:NAME` → members).
pub fn resolve(approvers: &[String], groups: &BTreeMap<String, Vec<String>>) -> Vec<String> {
    let mut out = Vec::new();
    for a in approvers {
        let add: Vec<String> = match a.strip_prefix("group:") {
            Some(g) => groups.get(g).cloned().unwrap_or_default(),
            None => vec![a.clone()],
        };
        for x in add {
            if !out.contains(&x) {
                out.push(x);
            }
        }
    }
    out
}

/// Whether an identity (`provider:id`) is one of `allowed`: exact (emails case-insensitively),
/// or a plain allowed id equal to the identity's id part.
pub fn is_allowed(who: &str, allowed: &[String]) -> bool {
    let id = who.split_once(':').map(|(_, i)| i).unwrap_or(who);
    allowed.iter().any(|a| {
        if a.starts_with("email:") || who.starts_with("email:") {
            a.eq_ignore_ascii_case(who)
        } else {
            a == who || (!a.contains(':') && a == id)
        }
    })
}

/// The one entry every channel decides through (see the module docs).
pub fn decide(
    store: &Store,
    groups: &BTreeMap<String, Vec<String>>,
    run_id: &str,
    step: &str,
    attempt: Attempt,
    voter: &Voter,
    now_ms: i64,
) -> Result<Answer> {
    let at = now();
    let res = store.approval_update(run_id, step, |r| {
        if r.decided.is_some() {
            return Err(Answer::AlreadyDecided(Box::new(r.clone())));
        }
        match &attempt {
            Attempt::Timeout => {
                if now_ms < r.deadline_ms {
                    return Err(Answer::NotDue);
                }
                r.decided = Some(Decided {
                    decision: serde_json::to_value(Decision::TimedOut).expect("json"),
                    outcome: "timed_out".into(),
                    by: vec![voter.who.clone()],
                    via: voter.via.clone(),
                    at: at.clone(),
                });
                Ok(None)
            }
            Attempt::Approve | Attempt::Deny { .. } => {
                if now_ms >= r.deadline_ms {
                    return Err(Answer::Expired);
                }
                if !voter.operator && !is_allowed(&voter.who, &resolve(&r.approvers, groups)) {
                    return Err(Answer::NotAllowed);
                }
                if let Some(t) = &voter.token_use
                    && r.used_tokens.contains(t)
                {
                    return Err(Answer::TokenUsed);
                }
                if r.votes.iter().any(|v| v.who == voter.who) {
                    return Err(Answer::AlreadyVoted);
                }
                if let Some(t) = &voter.token_use {
                    r.used_tokens.push(t.clone());
                }
                let (approve, reason) = match &attempt {
                    Attempt::Deny { reason } => (false, reason.clone()),
                    _ => (true, None),
                };
                r.votes.push(Vote {
                    who: voter.who.clone(),
                    via: voter.via.clone(),
                    at: at.clone(),
                    approve,
                    reason: reason.clone(),
                });
                if !approve {
                    r.decided = Some(Decided {
                        decision: serde_json::to_value(Decision::Denied {
                            by: voter.who.clone(),
                            reason,
                        })
                        .expect("json"),
                        outcome: "denied".into(),
                        by: vec![voter.who.clone()],
                        via: voter.via.clone(),
                        at: at.clone(),
                    });
                    return Ok(None);
                }
                let have = r.approvals();
                let need = r.quorum.max(1);
                if (have.len() as u32) < need {
                    return Ok(Some((have.len() as u32, need)));
                }
                r.decided = Some(Decided {
                    decision: serde_json::to_value(Decision::Approved { by: have.clone() })
                        .expect("json"),
                    outcome: "approved".into(),
                    by: have,
                    via: voter.via.clone(),
                    at: at.clone(),
                });
                Ok(None)
            }
        }
    })?;
    let word = |a: &Attempt| match a {
        Attempt::Approve => "approve",
        Attempt::Deny { .. } => "deny",
        Attempt::Timeout => "timeout",
    };
    let answer = match res {
        None => Answer::NoSuchApproval,
        Some(Err(a)) => a,
        Some(Ok((Some((have, need)), _))) => {
            store.audit("approval.vote", Some(run_id), json!({"step": step, "by": voter.who, "via": voter.via, "approvals": have, "quorum": need}))?;
            store.flush()?;
            return Ok(Answer::Counted { have, need });
        }
        Some(Ok((None, rec))) => {
            record_decision(store, &rec)?;
            return Ok(Answer::Decided(Box::new(rec)));
        }
    };
    if !matches!(answer, Answer::NotDue) {
        store.audit(
            "approval.refused",
            Some(run_id),
            json!({"step": step, "attempt": word(&attempt), "by": voter.who, "via": voter.via, "reason": answer.word()}),
        )?;
        store.flush()?;
    }
    Ok(answer)
}

/// Journals a decided record's decision (unless journaled), marks the run `running` so it is
/// continued (now by the daemon, or at its next start), audits it, and flushes.
pub fn record_decision(store: &Store, rec: &ApprovalRecord) -> Result<()> {
    let d = rec
        .decided
        .as_ref()
        .context("the approval is not decided")?;
    let journaled = store
        .journal(&rec.run_id)?
        .iter()
        .any(|e| matches!(e, JournalEntry::ApprovalDecided { key, .. } if *key == rec.step));
    if !journaled {
        store.append(
            &rec.run_id,
            &JournalEntry::ApprovalDecided {
                v: 1,
                at: d.at.clone(),
                key: rec.step.clone(),
                decision: d.decision.clone(),
            },
        )?;
        store.audit(
            "approval.decided",
            Some(&rec.run_id),
            json!({"step": rec.step, "decision": d.outcome, "by": d.by, "via": d.via, "votes": rec.votes.iter().map(|v| json!({"who": v.who, "via": v.via, "at": v.at, "approve": v.approve})).collect::<Vec<_>>()}),
        )?;
    }
    if let Some(mut run) = store.get_run(&rec.run_id)?
        && run.status == "awaiting_approval"
    {
        run.status = "running".into();
        run.updated_at = now();
        store.put_run(&run)?;
    }
    store.flush()?;
    Ok(())
}

/// The approval record for a run that just parked (created once; the deadline is wall-clock).
pub fn new_record(
    run_id: &str,
    req: &playbooks::engine::ApprovalRequest,
    dry_run: bool,
) -> ApprovalRecord {
    let a = &req.approval;
    ApprovalRecord {
        v: 1,
        run_id: run_id.to_owned(),
        step: req.step.clone(),
        request: serde_json::to_value(req).unwrap_or(Json::Null),
        approvers: a.approvers.clone(),
        allowed: Vec::new(),
        quorum: a.quorum.max(1),
        created_at: now(),
        deadline_ms: now_ms().saturating_add(a.timeout.as_millis().min(i64::MAX as u128) as i64),
        escalate_to: match &a.on_timeout {
            playbooks::model::OnTimeout::Escalate(c) => Some(c.clone()),
            playbooks::model::OnTimeout::Deny => None,
        },
        dry_run,
        votes: Vec::new(),
        decided: None,
        notified: false,
        messages: Vec::new(),
        used_tokens: Vec::new(),
    }
}

/// What an approver needs to decide, as plain text fields (each provider escapes them).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evidence {
    pub run_id: String,
    pub step: String,
    pub playbook: String,
    pub dry_run: bool,
    pub title: String,
    /// (label, value) of the alert: host, user, command line, parent.
    pub alert: Vec<(String, String)>,
    pub facts: Vec<String>,
    pub reasons: Vec<String>,
    pub action: String,
    pub description: Option<String>,
    /// The exact parameters of each call, as compact JSON.
    pub params: Vec<String>,
    pub approvers: String,
    pub deadline: String,
}

fn at_path<'a>(doc: &'a Json, path: &str) -> Option<&'a Json> {
    path.split('.').try_fold(doc, |d, k| d.get(k))
}

fn text_of(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Array(a) => a.iter().map(text_of).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Longest text shown per field: chat messages have size limits.
const MAX_FIELD: usize = 900;

fn clip(s: String) -> String {
    if s.chars().count() <= MAX_FIELD {
        return s;
    }
    let mut o: String = s.chars().take(MAX_FIELD).collect();
    o.push('…');
    o
}

pub fn evidence(run: &RunRecord, r: &ApprovalRecord) -> Evidence {
    let doc = &run.alert;
    let mut alert = Vec::new();
    for (label, paths) in [
        ("Host", &["host.name", "host.hostname", "agent.name"][..]),
        ("User", &["user.name", "user.id"][..]),
        ("Command line", &["process.command_line"][..]),
        ("Process", &["process.executable", "process.name"][..]),
        (
            "Parent",
            &[
                "process.parent.command_line",
                "process.parent.executable",
                "process.parent.name",
            ][..],
        ),
        ("Rule", &["rule.name", "kibana.alert.rule.name"][..]),
    ] {
        if let Some(v) = paths
            .iter()
            .find_map(|p| at_path(doc, p))
            .filter(|v| !v.is_null())
        {
            alert.push((label.to_owned(), clip(text_of(v))));
        }
    }
    let rep = &run.report;
    let facts = rep
        .get("facts")
        .and_then(|f| f.as_array())
        .map(|fs| {
            fs.iter()
                .filter(|f| f.get("holds").and_then(|h| h.as_bool()) == Some(true))
                .map(|f| {
                    let id = f.get("id").and_then(|x| x.as_str()).unwrap_or("");
                    match f.get("explain").and_then(|x| x.as_str()) {
                        Some(e) => clip(format!("{id}: {e}")),
                        None => id.to_owned(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let reasons = rep
        .get("escalation")
        .and_then(|e| e.get("reasons"))
        .and_then(|x| x.as_array())
        .map(|a| a.iter().map(|x| clip(text_of(x))).collect())
        .unwrap_or_default();
    let req = &r.request;
    let params = req
        .get("calls")
        .and_then(|c| c.as_array())
        .map(|a| a.iter().map(|p| clip(p.to_string())).collect())
        .unwrap_or_default();
    Evidence {
        run_id: r.run_id.clone(),
        step: r.step.clone(),
        playbook: format!("{}@{}", run.playbook_id, run.playbook_version),
        dry_run: r.dry_run || run.dry_run,
        title: format!(
            "Approval needed: {} on alert {}",
            req.get("capability")
                .and_then(|c| c.as_str())
                .unwrap_or("?"),
            run.alert_id
        ),
        alert,
        facts,
        reasons,
        action: req
            .get("capability")
            .and_then(|c| c.as_str())
            .unwrap_or("")
            .to_owned(),
        description: req
            .get("description")
            .and_then(|c| c.as_str())
            .map(str::to_owned),
        params,
        approvers: format!("{} of: {}", r.quorum, r.approvers.join(", ")),
        deadline: chrono::DateTime::from_timestamp_millis(r.deadline_ms)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default(),
    }
}

/// The approvals runtime of the daemon: configuration, signing key and chat clients.
pub struct Approvals {
    pub groups: BTreeMap<String, Vec<String>>,
    pub public_url: Option<String>,
    key: Secret,
    pub chat: chat::Chat,
    /// Slack signatures seen within the replay window: an exact replay is refused.
    seen: std::sync::Mutex<std::collections::HashMap<String, i64>>,
}

impl Approvals {
    pub fn from_config(c: &ApprovalsConfig) -> Result<Approvals> {
        let key = match &c.key {
            Some(r) => {
                let k = r
                    .load()
                    .map_err(|e| anyhow::anyhow!("approvals.key: {e}"))?;
                if k.expose().len() < 16 {
                    anyhow::bail!(
                        "approvals.key: too short; use 32+ random bytes (e.g. `openssl rand -hex 32`)"
                    );
                }
                k
            }
            // Only Slack (signed by Slack) or none: tokens are never issued, but keep one anyway.
            None => Secret::new(sign::nonce(b"riposte-ephemeral-approval-key")),
        };
        Ok(Approvals {
            groups: c.groups.clone(),
            public_url: c
                .public_url
                .as_ref()
                .map(|u| u.trim_end_matches('/').to_owned()),
            key,
            chat: chat::Chat::from_config(c)?,
            seen: Default::default(),
        })
    }

    /// True the first time a (verified) Slack signature is seen within the 5-minute window.
    pub fn first_sight(&self, sig: &str, now_s: i64) -> bool {
        let mut seen = self.seen.lock().expect("seen");
        seen.retain(|_, t| now_s - *t <= 600);
        seen.insert(sig.to_owned(), now_s).is_none()
    }

    pub fn key(&self) -> &[u8] {
        self.key.expose().as_bytes()
    }

    /// A signed token for one decision on one request through `provider`, valid until the
    /// request's deadline.
    pub fn token(&self, r: &ApprovalRecord, decision: &str, provider: &str) -> String {
        sign::issue(
            self.key(),
            &sign::Claims {
                r: r.run_id.clone(),
                s: r.step.clone(),
                d: decision.into(),
                p: provider.into(),
                n: sign::nonce(self.key()),
                exp: r.deadline_ms,
            },
        )
    }
}

/// `riposte approvals list`: pending approvals in a data directory.
pub fn list_command(data_dir: &std::path::Path, all: bool) -> Result<std::process::ExitCode> {
    let store = Store::open(data_dir)?;
    let mut n = 0;
    for r in store.approvals()? {
        if !all && !r.is_pending() {
            continue;
        }
        n += 1;
        let deadline = chrono::DateTime::from_timestamp_millis(r.deadline_ms)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default();
        let cap = r
            .request
            .get("capability")
            .and_then(|c| c.as_str())
            .unwrap_or("?");
        let state = match &r.decided {
            None => format!(
                "pending {}/{} approvals, due {deadline}",
                r.approvals().len(),
                r.quorum
            ),
            Some(_) => outcome_sentence(&r),
        };
        println!(
            "{}  {}  {cap}  approvers [{}]  {state}",
            r.run_id,
            r.step,
            r.approvers.join(", ")
        );
    }
    println!(
        "{n} {}approval(s); decide with `riposte approve RUN STEP --reason …` or `riposte deny RUN STEP --reason …`",
        if all { "" } else { "pending " }
    );
    Ok(std::process::ExitCode::SUCCESS)
}

/// `riposte approve|deny RUN STEP --reason …` at the console (the daemon stopped: sled allows
/// one process; with the daemon running use `POST /api/runs/RUN/approvals/STEP`).
pub fn decide_command(
    data_dir: &std::path::Path,
    run: &str,
    step: &str,
    approve: bool,
    reason: &str,
) -> Result<std::process::ExitCode> {
    let store = Store::open(data_dir)?;
    let voter = Voter::operator(state::records::local_user(), "cli");
    let attempt = if approve {
        Attempt::Approve
    } else {
        Attempt::Deny {
            reason: Some(reason.to_owned()),
        }
    };
    if approve {
        store.audit(
            "operator.approve",
            Some(run),
            json!({"step": step, "by": voter.who, "reason": reason}),
        )?;
    }
    let a = decide(
        &store,
        &BTreeMap::new(),
        run,
        step,
        attempt,
        &voter,
        now_ms(),
    )?;
    match &a {
        Answer::Decided(r) => {
            println!("run {run} step {step}: {}", outcome_sentence(r));
            println!(
                "the daemon continues the run at its next start (or `riposte runs resume {run}`)"
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        Answer::Counted { have, need } => {
            println!("run {run} step {step}: approval recorded ({have} of {need} needed)");
            Ok(std::process::ExitCode::SUCCESS)
        }
        Answer::NoSuchApproval => {
            anyhow::bail!(
                "run {run} has no approval request for step `{step}`; `riposte approvals list` shows the pending ones"
            )
        }
        other => {
            println!("run {run} step {step}: {}", other.sentence());
            Ok(std::process::ExitCode::from(1))
        }
    }
}
