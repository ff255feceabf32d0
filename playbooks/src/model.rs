//! The validated playbook: what the engine runs. Built only by [`crate::load`], so every value
//! here has passed validation (expressions compile, references resolve, parameters fit).

use crate::capabilities::Capability;
use crate::diag::Pos;
use crate::expr::Expr;
use crate::template::{Template, Templates};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::time::Duration;

#[derive(Debug)]
pub struct Playbook {
    /// The file it was read from (for messages).
    pub file: String,
    /// SHA-256 of the file's bytes, hex: runs pin it.
    pub hash: String,
    pub id: String,
    pub title: String,
    pub version: String,
    pub techniques: Vec<String>,
    pub tactic: Option<String>,
    pub description: String,
    /// The SOC playbook card rows this playbook encodes (key → text).
    pub card: Vec<(String, String)>,
    pub matcher: Match,
    pub vars: serde_json::Map<String, Json>,
    pub analysis: Vec<Step>,
    pub escalation: Escalation,
    pub actions: Vec<Action>,
    pub drill: Option<Drill>,
    pub templates: Templates,
    /// Values derived from the above on first use and shared by every run.
    pub derived: Derived,
}

/// Per-playbook values the engine would otherwise rebuild for every run. A playbook is not
/// changed after [`crate::load`] builds it, so they are computed once, on first use.
#[derive(Default)]
pub struct Derived {
    vars_val: std::sync::OnceLock<std::sync::Arc<dyn cel::common::value::Val>>,
    /// Copies of `vars` as JSON for template contexts, handed back by finished runs: copying
    /// the lists for every run was a good part of starting one.
    vars_json: std::sync::Mutex<Vec<Json>>,
    /// What the run's expressions read of the alert (see [`crate::expr::AlertUse`]).
    alert_use: std::sync::OnceLock<crate::expr::AlertUse>,
}

impl std::fmt::Debug for Derived {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Derived")
    }
}

impl Derived {
    /// `vars` in CEL's internal form (`vars` must be the playbook's own).
    pub fn vars_val(
        &self,
        vars: &serde_json::Map<String, Json>,
    ) -> std::sync::Arc<dyn cel::common::value::Val> {
        self.vars_val
            .get_or_init(|| crate::expr::json_to_val(&Json::Object(vars.clone())).into())
            .clone()
    }

    /// What the expressions a run evaluates read of the alert (`pb` must be the owner). The
    /// matcher is not among them: `engine::matches` binds the whole alert.
    pub(crate) fn alert_use(&self, pb: &Playbook) -> &crate::expr::AlertUse {
        self.alert_use.get_or_init(|| {
            fn params(ps: &[(String, ParamValue)], u: &mut crate::expr::AlertUse) {
                for (_, p) in ps {
                    param(p, u);
                }
            }
            fn param(p: &ParamValue, u: &mut crate::expr::AlertUse) {
                match p {
                    ParamValue::Expr(e) => e.alert_use(u),
                    ParamValue::List(l) => l.iter().for_each(|p| param(p, u)),
                    ParamValue::Map(m) => params(m, u),
                    ParamValue::Literal(_) | ParamValue::Template(_) => {}
                }
            }
            let mut u = crate::expr::AlertUse::default();
            for step in &pb.analysis {
                match step {
                    Step::Check(c) => {
                        c.when.iter().for_each(|e| e.alert_use(&mut u));
                        c.value.alert_use(&mut u);
                    }
                    Step::Lookup(l) => {
                        l.when.iter().for_each(|e| e.alert_use(&mut u));
                        params(&l.call.params, &mut u);
                    }
                }
            }
            for r in &pb.escalation.rules {
                r.when.alert_use(&mut u);
            }
            for a in &pb.actions {
                a.when.iter().for_each(|e| e.alert_use(&mut u));
                a.for_each.iter().for_each(|e| e.alert_use(&mut u));
                params(&a.call.params, &mut u);
            }
            u
        })
    }

    /// A JSON copy of `vars` (the playbook's own), recycled if a finished run gave one back.
    pub(crate) fn take_vars_json(&self, vars: &serde_json::Map<String, Json>) -> Json {
        let recycled = self.vars_json.lock().ok().and_then(|mut p| p.pop());
        recycled.unwrap_or_else(|| Json::Object(vars.clone()))
    }

    /// Gives back a copy taken with [`Derived::take_vars_json`], unchanged.
    pub(crate) fn give_vars_json(&self, v: Json) {
        if let Ok(mut p) = self.vars_json.lock() {
            // Enough for every worker thread; more would only hold memory.
            if p.len() < 64 {
                p.push(v);
            }
        }
    }
}

/// Which alerts a playbook takes.
#[derive(Debug)]
pub enum Match {
    /// The alert carries this MITRE technique id or one of its sub-techniques.
    Technique(String),
    When(Expr),
    Any(Vec<Match>),
    All(Vec<Match>),
    Not(Box<Match>),
}

/// One step of the analysis, in order: a check (pure) or a lookup (a read through an integration).
#[derive(Debug)]
pub enum Step {
    Check(Check),
    Lookup(Lookup),
}

impl Step {
    pub fn id(&self) -> &str {
        match self {
            Step::Check(c) => &c.id,
            Step::Lookup(l) => &l.id,
        }
    }
}

#[derive(Debug)]
pub struct Check {
    pub id: String,
    pub pos: Pos,
    /// Shown in reports when the fact holds; may reference the value as `{{value}}`.
    pub explain: Template,
    pub when: Option<Expr>,
    pub value: Expr,
    /// Recorded when `value` cannot be evaluated; without it, the empty value of the kind
    /// `value` always gives (false, "", [], 0), or null when its shape does not tell.
    pub default: Option<serde_json::Value>,
    /// The card row this check encodes, when given.
    pub card: Option<String>,
}

#[derive(Debug)]
pub struct Lookup {
    pub id: String,
    pub pos: Pos,
    pub question: Option<String>,
    pub when: Option<Expr>,
    pub call: Call,
    pub card: Option<String>,
}

/// A call through a capability, with its policy.
#[derive(Debug)]
pub struct Call {
    pub capability: &'static Capability,
    pub params: Vec<(String, ParamValue)>,
    pub timeout: Duration,
    pub retry: Retry,
    pub on_failure: OnFailure,
    /// For `http.request`: declared read-only by the author.
    pub read_only: bool,
}

impl Call {
    pub fn mutates(&self) -> bool {
        self.capability.mutates() && !self.read_only
    }
}

#[derive(Debug)]
pub enum ParamValue {
    Literal(Json),
    Template(Template),
    Expr(Expr),
    List(Vec<ParamValue>),
    Map(Vec<(String, ParamValue)>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retry {
    /// Total tries, the first included.
    pub attempts: u32,
    /// First backoff; doubles each retry, with jitter.
    #[serde(with = "crate::duration::serde_ms")]
    pub backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 3,
            backoff: Duration::from_secs(2),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    /// Record the failure and go on with the next step.
    Continue,
    /// Stop the run; it ends `failed`.
    Fail,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

#[derive(Debug)]
pub struct Escalation {
    pub rules: Vec<Rule>,
    pub otherwise: Outcome,
}

#[derive(Debug)]
pub struct Rule {
    pub name: Option<String>,
    pub pos: Pos,
    pub when: Expr,
    pub outcome: Outcome,
    /// Stop evaluating later rules when this one matches.
    pub stop: bool,
}

#[derive(Debug)]
pub struct Outcome {
    /// 1 stays with L1; 2 and 3 escalate.
    pub tier: u8,
    pub severity: Severity,
    pub immediate: bool,
    pub reason: Template,
}

#[derive(Debug)]
pub struct Action {
    pub id: String,
    pub pos: Pos,
    pub description: Option<String>,
    pub when: Option<Expr>,
    pub for_each: Option<Expr>,
    pub call: Call,
    pub approval: Option<Approval>,
    pub card: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// Chat user ids, emails, or `group:NAME`.
    pub approvers: Vec<String>,
    /// Distinct approvals needed.
    pub quorum: u32,
    #[serde(with = "crate::duration::serde_ms")]
    pub timeout: Duration,
    pub on_timeout: OnTimeout,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnTimeout {
    /// Fail closed: the action is not taken.
    Deny,
    /// Fail closed too, and tell this chat channel that nobody decided in time (the runner posts
    /// an escalation notice with the evidence there when the timeout fires).
    Escalate(String),
}

#[derive(Debug)]
pub struct Drill {
    /// Cron expression (seconds precision) on which to replay the playbook's test cases in dry-run.
    pub schedule: String,
}
