//! What the ticketing clients (TheHive, Jira, ServiceNow) share: the run's external id (their
//! idempotency key), the findings a ticket carries, and severity mapping.
//!
//! One ticket per run: every ticket carries `riposte-<run id>` in the vendor's own
//! de-duplication field (TheHive `sourceRef`, a Jira label, ServiceNow `correlation_id`).
//! `ticket.create` searches for it before creating, so a retried or resumed step — or a second
//! `ticket.create` in the same run — returns the ticket the run already opened, and
//! `ticket.comment` finds that ticket the same way.
//!
//! Alert-derived text is hostile: every function here returns plain strings or structured
//! values that the clients put into JSON bodies as data (serde serialises them); nothing is
//! concatenated into JSON or markup.

use crate::{Ctx, Reconciled, param};
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use serde_json::Value as Json;

/// The id that ties a ticket to its run (TheHive `sourceRef`, Jira label, ServiceNow
/// `correlation_id`). Only characters Jira labels and JQL strings accept safely.
pub fn external_id(ctx: &Ctx) -> String {
    let clean: String = ctx
        .run_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("riposte-{clean}")
}

/// A marker put in every comment so reconcile can tell whether an interrupted comment landed.
pub fn comment_marker(req: &CallRequest) -> String {
    format!("[riposte {}]", req.idempotency_key)
}

/// The severity of the ticket: the `severity` parameter, else the run's escalation severity,
/// else `medium`.
pub fn severity(ctx: &Ctx, req: &CallRequest) -> String {
    param(req, "severity")
        .map(str::to_owned)
        .or_else(|| {
            ctx.report
                .pointer("/escalation/severity")
                .and_then(|s| s.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "medium".to_owned())
}

/// The `severity` parameter when the call gives one (render shows a placeholder otherwise).
pub fn param_severity(req: &CallRequest) -> Option<&str> {
    param(req, "severity").filter(|s| !s.trim().is_empty())
}

/// The `tags` parameter as strings (non-string items are rendered as JSON text).
pub fn tags(req: &CallRequest) -> Vec<String> {
    match req.params.get("tags") {
        Some(Json::Array(a)) => a
            .iter()
            .map(|t| match t {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            })
            .filter(|s| !s.trim().is_empty())
            .collect(),
        Some(Json::String(s)) if !s.trim().is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// One fact that holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    pub id: String,
    pub explain: Option<String>,
}

/// One action of the run so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub step: String,
    pub action: String,
    pub status: String,
    pub error: Option<String>,
}

/// The run's findings as a ticket carries them.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Findings {
    pub run_id: String,
    pub description: Option<String>,
    pub facts: Vec<Fact>,
    /// e.g. `tier 2, severity high, immediate`
    pub escalation: Option<String>,
    pub reasons: Vec<String>,
    pub actions: Vec<Action>,
}

impl Findings {
    pub fn from(ctx: &Ctx, req: &CallRequest) -> Findings {
        let r = &ctx.report;
        let s = |v: Option<&Json>| v.and_then(|x| x.as_str()).map(str::to_owned);
        let facts = r
            .get("facts")
            .and_then(|f| f.as_array())
            .map(|a| {
                a.iter()
                    .filter(|f| f.get("holds").and_then(|h| h.as_bool()) == Some(true))
                    .filter_map(|f| {
                        Some(Fact {
                            id: s(f.get("id"))?,
                            explain: s(f.get("explain")),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        let (escalation, reasons) = match r.get("escalation") {
            Some(e) if e.is_object() => {
                let mut parts = Vec::new();
                if e.get("escalate").and_then(|x| x.as_bool()) == Some(false) {
                    parts.push("not escalated".to_owned());
                }
                if let Some(t) = e.get("tier").and_then(|t| t.as_u64()) {
                    parts.push(format!("tier {t}"));
                }
                if let Some(sv) = s(e.get("severity")) {
                    parts.push(format!("severity {sv}"));
                }
                if e.get("immediate").and_then(|x| x.as_bool()) == Some(true) {
                    parts.push("immediate".to_owned());
                }
                let reasons = e
                    .get("reasons")
                    .and_then(|x| x.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                (Some(parts.join(", ")), reasons)
            }
            _ => (None, Vec::new()),
        };
        let actions = r
            .get("actions")
            .and_then(|a| a.as_array())
            .map(|a| {
                a.iter()
                    .map(|x| Action {
                        step: s(x.get("step")).unwrap_or_default(),
                        action: s(x.get("action")).unwrap_or_default(),
                        status: s(x.get("status")).unwrap_or_default(),
                        error: s(x.get("error")),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Findings {
            run_id: ctx.run_id.clone(),
            description: param(req, "description")
                .filter(|d| !d.trim().is_empty())
                .map(str::to_owned),
            facts,
            escalation,
            reasons,
            actions,
        }
    }

    /// Sections of the ticket body: (heading, lines). The clients lay them out in their own
    /// format (plain text, Markdown, Atlassian Document Format).
    pub fn sections(&self) -> Vec<(String, Vec<String>)> {
        let mut out = Vec::new();
        if let Some(d) = &self.description {
            out.push((String::new(), d.lines().map(str::to_owned).collect()));
        }
        if !self.facts.is_empty() {
            out.push((
                "Findings".to_owned(),
                self.facts
                    .iter()
                    .map(|f| match &f.explain {
                        Some(e) if !e.is_empty() => format!("{}: {e}", f.id),
                        _ => f.id.clone(),
                    })
                    .collect(),
            ));
        }
        if let Some(e) = &self.escalation {
            let mut lines = vec![e.clone()];
            lines.extend(self.reasons.iter().map(|r| format!("reason: {r}")));
            out.push(("Escalation".to_owned(), lines));
        }
        if !self.actions.is_empty() {
            out.push((
                "Actions so far".to_owned(),
                self.actions
                    .iter()
                    .map(|a| {
                        let mut l = format!("{} ({}): {}", a.step, a.action, a.status);
                        if let Some(e) = &a.error {
                            l.push_str(&format!(" - {e}"));
                        }
                        l
                    })
                    .collect(),
            ));
        }
        out.push((
            "Riposte run".to_owned(),
            vec![
                format!("run id: {}", self.run_id),
                format!("details: riposte runs show {}", self.run_id),
            ],
        ));
        out
    }

    /// The findings as plain text (ServiceNow `description`, TheHive `description`).
    pub fn plain_text(&self) -> String {
        let mut s = String::new();
        for (h, lines) in self.sections() {
            if !s.is_empty() {
                s.push('\n');
            }
            if !h.is_empty() {
                s.push_str(&h);
                s.push_str(":\n");
                for l in lines {
                    s.push_str("- ");
                    s.push_str(&l);
                    s.push('\n');
                }
            } else {
                for l in lines {
                    s.push_str(&l);
                    s.push('\n');
                }
            }
        }
        s
    }
}

/// The permanent failure of `ticket.comment` when the run has not opened a ticket.
pub fn no_ticket(integration: &str, ext: &str) -> Outcome {
    Outcome::Failed {
        class: ErrorClass::Permanent,
        message: format!(
            "{integration}: this run has no ticket (none tagged `{ext}`); run `ticket.create` before `ticket.comment`"
        ),
    }
}

/// The reconcile answer when the search failed.
pub fn unknown(integration: &str, why: impl std::fmt::Display) -> Reconciled {
    Reconciled::Unknown(format!(
        "{integration}: cannot tell whether the ticket exists: {why}"
    ))
}

/// Whether `text` (or any string nested in it) contains `needle` — for markers in comment
/// bodies that may be plain strings or ADF documents.
pub fn json_contains(v: &Json, needle: &str) -> bool {
    match v {
        Json::String(s) => s.contains(needle),
        Json::Array(a) => a.iter().any(|x| json_contains(x, needle)),
        Json::Object(o) => o.values().any(|x| json_contains(x, needle)),
        _ => false,
    }
}

/// A permanent failure for a call whose capability this client does not serve.
pub fn unsupported(integration: &str, capability: &str) -> Outcome {
    Outcome::Failed {
        class: ErrorClass::Permanent,
        message: format!("{integration}: `{capability}` is not served by this integration"),
    }
}
