//! Reports for people.

use playbooks::engine::Report;
use state::records::JournalEntry;
use std::fmt::Write;

fn short(v: &serde_json::Value, max: usize) -> String {
    let s = match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let s = s.replace('\n', " ⏎ ");
    if s.chars().count() > max {
        format!("{}…", s.chars().take(max).collect::<String>())
    } else {
        s
    }
}

pub fn report(r: &Report) -> String {
    let mut o = String::new();
    let s = &r.summary;
    let _ = writeln!(
        o,
        "run {}  playbook {}@{}  alert {}{}",
        r.run_id,
        r.playbook.id,
        r.playbook.version,
        r.alert_id,
        if r.dry_run { "  [DRY-RUN]" } else { "" }
    );
    let _ = writeln!(
        o,
        "  host {}  os {}  user {}",
        short(&s["host"], 60),
        short(&s["os"], 10),
        short(&s["user"], 40)
    );
    // The process and, when the alert names it, its parent.
    let process = if s["process"].is_null() {
        "(not in the alert)".to_owned()
    } else {
        short(&s["process"], 90)
    };
    match (s["process"].is_null(), s["parent"].is_null()) {
        (true, true) => {}
        (_, true) => {
            let _ = writeln!(o, "  process {process}");
        }
        _ => {
            let _ = writeln!(o, "  process {process} ← {}", short(&s["parent"], 90));
        }
    }
    if !s["command_line"].is_null() {
        let _ = writeln!(o, "  command {}", short(&s["command_line"], 160));
    }
    let _ = writeln!(o, "  status: {}", r.status.as_str());
    let held: Vec<_> = r
        .facts
        .iter()
        .filter(|f| f.holds && f.card.is_some())
        .collect();
    if !held.is_empty() {
        let _ = writeln!(o, "  facts:");
        for f in held {
            let _ = writeln!(
                o,
                "    • {:<26} {}",
                f.id,
                short(
                    &serde_json::Value::String(f.explain.clone().unwrap_or_default()),
                    150
                )
            );
        }
    }
    if !r.lookups.is_empty() {
        let _ = writeln!(o, "  lookups:");
        for l in &r.lookups {
            let detail = l
                .error
                .clone()
                .unwrap_or_else(|| l.result.as_ref().map(|x| short(x, 80)).unwrap_or_default());
            let _ = writeln!(
                o,
                "    • {:<18} {:<22} {:<9} {}",
                l.id, l.action, l.status, detail
            );
        }
    }
    if let Some(e) = &r.escalation {
        let _ = writeln!(
            o,
            "  escalation: {} — tier {}, severity {}{}",
            if e.escalate {
                "ESCALATE"
            } else {
                "no escalation"
            },
            e.tier,
            e.severity.as_str(),
            if e.immediate { ", IMMEDIATE" } else { "" }
        );
        for reason in &e.reasons {
            let _ = writeln!(
                o,
                "    - {}",
                short(&serde_json::Value::String(reason.clone()), 200)
            );
        }
    }
    let shown: Vec<_> = r.actions.iter().filter(|a| a.status != "skipped").collect();
    if !shown.is_empty() {
        let _ = writeln!(o, "  actions:");
        for a in shown {
            let item = a.item.map(|i| format!("[{i}]")).unwrap_or_default();
            let _ = writeln!(
                o,
                "    • {}{} {} ({}) — {}",
                a.step,
                item,
                a.action,
                if a.mutates { "mutate" } else { "read" },
                a.status
            );
            if let Some(p) = a.params.as_object() {
                for (k, v) in p {
                    let _ = writeln!(o, "        {k}: {}", short(v, 140));
                }
            }
            if let Some(e) = &a.error {
                let _ = writeln!(o, "        error: {e}");
            }
        }
    }
    for n in &r.notes {
        let _ = writeln!(o, "  note: {n}");
    }
    o
}

/// One line per run, for `runs list` and `serve --once`.
pub fn run_line(r: &state::records::RunRecord) -> String {
    let esc = r.report.get("escalation");
    let tier = esc
        .and_then(|e| e.get("tier"))
        .and_then(|t| t.as_u64())
        .unwrap_or(0);
    let imm = esc
        .and_then(|e| e.get("immediate"))
        .and_then(|t| t.as_bool())
        .unwrap_or(false);
    line(
        &r.run_id,
        &r.status,
        &r.created_at,
        tier,
        imm,
        (&r.playbook_id, &r.playbook_version),
        &r.alert_id,
        r.dry_run,
    )
}

/// [`run_line`] from a run's report as the driver returned it (and when the run was created).
pub fn report_line(rep: &playbooks::engine::Report, created_at: &str) -> String {
    let esc = rep.escalation.as_ref();
    line(
        &rep.run_id,
        rep.status.as_str(),
        created_at,
        esc.map_or(0, |e| u64::from(e.tier)),
        esc.is_some_and(|e| e.immediate),
        (&rep.playbook.id, &rep.playbook.version),
        &rep.alert_id,
        rep.dry_run,
    )
}

#[allow(clippy::too_many_arguments)]
fn line(
    run_id: &str,
    status: &str,
    created_at: &str,
    tier: u64,
    imm: bool,
    (playbook, version): (&str, &str),
    alert_id: &str,
    dry_run: bool,
) -> String {
    format!(
        "{run_id}  {status:<17}  {created_at}  tier {tier}{}  {playbook}@{version}  alert {alert_id}{}",
        if imm { " IMMEDIATE" } else { "" },
        if dry_run { "  (dry-run)" } else { "" }
    )
}

pub fn journal_line(e: &JournalEntry) -> String {
    match e {
        JournalEntry::Started {
            at,
            key,
            attempt,
            capability,
            mutates,
            ..
        } => format!(
            "{at}  started   {key} attempt {attempt} {capability}{}",
            if *mutates { " (mutate)" } else { "" }
        ),
        JournalEntry::Completed {
            at, key, outcome, ..
        } => format!(
            "{at}  completed {key} {}",
            outcome
                .get("outcome")
                .and_then(|x| x.as_str())
                .unwrap_or("")
        ),
        JournalEntry::ApprovalRequested { at, key, .. } => {
            format!("{at}  approval requested for {key}")
        }
        JournalEntry::ApprovalDecided {
            at, key, decision, ..
        } => format!("{at}  approval {key}: {decision}"),
        JournalEntry::Escalated { at, escalation, .. } => format!(
            "{at}  escalation tier {} {}",
            escalation["tier"], escalation["severity"]
        ),
        JournalEntry::Finished { at, status, .. } => format!("{at}  finished {status}"),
        JournalEntry::AttemptFailed {
            at,
            key,
            attempt,
            message,
            ..
        } => format!("{at}  attempt {attempt} of {key} failed (will retry): {message}"),
        JournalEntry::Reconciled {
            at,
            key,
            resolution,
            by,
            ..
        } => format!(
            "{at}  in-doubt {key} reconciled: {resolution}{}",
            by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default()
        ),
        JournalEntry::NeedsAttention {
            at, key, reason, ..
        } => {
            format!("{at}  NEEDS ATTENTION at {key}: {reason}")
        }
        JournalEntry::Resumed { at, by, .. } => format!("{at}  resumed by {by}"),
        JournalEntry::Cancelled { at, by, reason, .. } => {
            format!("{at}  cancelled by {by}: {reason}")
        }
    }
}
