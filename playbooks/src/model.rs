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
