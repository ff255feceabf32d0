//! The engine: one playbook applied to one alert, as a deterministic state machine.
//!
//! The engine never performs I/O. [`Run::next`] says what the run needs next — a call through
//! a capability, an approval decision, or nothing (done) — and the driver (the runner, or the
//! offline test harness) answers with [`Run::complete`] or [`Run::decide`]. Because the same
//! alert, playbook and answers always produce the same sequence of requests, a crashed run is
//! resumed by replaying its journal's recorded answers: completed steps are never re-executed.

use crate::expr::{self, Kind, Scope, from_json, json_to_val, to_json, to_val, truthy};
use crate::model::*;
use cel::Value;
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Which call of which step: actions with `for_each` have one call per item.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub struct StepKey {
    pub step: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
}

impl std::fmt::Display for StepKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.item {
            Some(i) => write!(f, "{}[{i}]", self.step),
            None => f.write_str(&self.step),
        }
    }
}

/// A call the driver must make.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallRequest {
    pub key: StepKey,
    pub capability: String,
    pub mutates: bool,
    pub params: Json,
    /// Stable across retries and resumes: vendors that honour idempotency keys get this.
    pub idempotency_key: String,
    #[serde(with = "crate::duration::serde_ms")]
    pub timeout: Duration,
    pub retry: Retry,
}

/// An approval the driver must obtain (or wait for) before the action's calls.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApprovalRequest {
    pub step: String,
    pub capability: String,
    pub description: Option<String>,
    /// The rendered parameters of every call the approval covers.
    pub calls: Vec<Json>,
    pub approval: Approval,
}

/// The error classes integrations report; they drive retries and run status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// Worth retrying (timeouts, 429, 5xx).
    Retryable,
    /// Retrying will not help (400, 403, bad parameters, refused by a guard).
    Permanent,
    /// A human has to look (host not found, in-doubt mutate that cannot be reconciled).
    NeedsHuman,
}

/// The answer to a [`CallRequest`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Ok {
        result: Json,
    },
    Failed {
        class: ErrorClass,
        message: String,
    },
    /// Dry-run: the mutate request was recorded, not sent.
    Withheld,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    Approved { by: Vec<String> },
    Denied { by: String, reason: Option<String> },
    TimedOut,
}

pub enum Next {
    Call(CallRequest),
    Approval(ApprovalRequest),
    Done,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    AwaitingApproval,
    Completed,
    Failed,
    NeedsAttention,
    Cancelled,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::AwaitingApproval => "awaiting_approval",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::NeedsAttention => "needs_attention",
            RunStatus::Cancelled => "cancelled",
        }
    }
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RunStatus::Completed | RunStatus::Failed | RunStatus::Cancelled
        )
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactReport {
    pub id: String,
    pub holds: bool,
    pub value: Json,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LookupReport {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    pub action: String,
    pub status: String,
    pub params: Json,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EscalationReport {
    pub escalate: bool,
    pub tier: u8,
    pub immediate: bool,
    pub severity: Severity,
    pub reasons: Vec<String>,
    /// Names of the rules that matched, in order.
    pub rules: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionReport {
    pub step: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<u32>,
    pub action: String,
    pub mutates: bool,
    pub params: Json,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a run decided and did: the report printed by `riposte run` and stored with the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub run_id: String,
    pub playbook: PlaybookRef,
    pub alert_id: String,
    pub dry_run: bool,
    pub status: RunStatus,
    pub summary: Json,
    pub facts: Vec<FactReport>,
    pub lookups: Vec<LookupReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalation: Option<EscalationReport>,
    pub actions: Vec<ActionReport>,
    pub notes: Vec<String>,
    /// Checks whose expression could not be evaluated on this alert (`run.unevaluated`): the
    /// analysis is incomplete (the notes say why).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unevaluated: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaybookRef {
    pub id: String,
    pub version: String,
    pub hash: String,
}

/// Does this playbook take this alert?
pub fn matches(pb: &Playbook, alert: &Json) -> bool {
    let mut scope = Scope::default();
    scope.set_val("alert", json_to_val(alert));
    scope.set_shared("vars", pb.derived.vars_val(&pb.vars));
    match_rule(&pb.matcher, alert, &scope)
}

fn match_rule(m: &Match, alert: &Json, scope: &Scope) -> bool {
    match m {
        Match::Technique(t) => techniques(alert)
            .iter()
            .any(|a| a == t || a.starts_with(&format!("{t}."))),
        Match::When(e) => e.eval_bool(scope).unwrap_or(false),
        Match::Any(v) => v.iter().any(|m| match_rule(m, alert, scope)),
        Match::All(v) => v.iter().all(|m| match_rule(m, alert, scope)),
        Match::Not(m) => !match_rule(m, alert, scope),
    }
}

fn techniques(alert: &Json) -> Vec<String> {
    match crate::alert::get_path(alert, "threat.technique.id") {
        Some(Json::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        Some(Json::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// The run id: derived from (source, alert id, playbook id, playbook hash), so the same alert
/// never starts the same playbook twice.
pub fn run_id(source: &str, alert_id: &str, playbook_id: &str, playbook_hash: &str) -> String {
    let mut h = Sha256::new();
    for part in [source, alert_id, playbook_id, playbook_hash] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    format!("run-{}", &hex::encode(h.finalize())[..24])
}

enum Phase {
    Analysis(usize),
    Escalate,
    Actions {
        idx: usize,
        items: Option<Vec<Value>>,
        item: usize,
        approved: bool,
        approval: Option<Json>,
    },
    Done,
}

/// One playbook applied to one alert.
pub struct Run<'p> {
    pb: &'p Playbook,
    run_id: String,
    alert_id: String,
    dry_run: bool,
    scope: Scope,
    hb: handlebars::Context,
    /// The template context's `vars` are the playbook's own: hand them back when done.
    recycle_vars: bool,
    phase: Phase,
    pending: Option<StepKey>,
    status: RunStatus,
    fact_reports: Vec<(usize, FactReport)>,
    lookup_reports: Vec<LookupReport>,
    escalation: Option<EscalationReport>,
    action_reports: Vec<ActionReport>,
    notes: Vec<String>,
    summary: Json,
    /// Nanoseconds spent in each analysis step, when [`Run::time_steps`] asked for them.
    step_ns: Option<Vec<u64>>,
}

fn hb_set(hb: &mut handlebars::Context, root: &str, name: Option<&str>, v: Json) {
    let data = hb.data_mut();
    let Some(obj) = data.as_object_mut() else {
        return;
    };
    match name {
        None => {
            obj.insert(root.to_owned(), v);
        }
        Some(n) => {
            // Look up before `entry`, which wants an owned key (an allocation per call).
            let e = match obj.get_mut(root) {
                Some(e) => e,
                None => obj.entry(root.to_owned()).or_insert_with(|| json!({})),
            };
            if let Some(m) = e.as_object_mut() {
                m.insert(n.to_owned(), v);
            }
        }
    }
}

/// An expression as a note quotes it: its first line, cut at 100 characters (the T1059
/// playbook's longest expressions run to thousands; the report should not repeat them).
fn short(src: &str) -> String {
    let line = src.trim().lines().next().unwrap_or_default();
    let cut: String = line.chars().take(100).collect();
    if cut.len() < src.trim().len() {
        format!("`{cut}`…")
    } else {
        format!("`{cut}`")
    }
}

/// Names a step in notes and errors ("check `id`"), formatted only when a message is written:
/// building the string up front cost an allocation per step per run.
#[derive(Clone, Copy)]
struct What<'a>(&'static str, &'a str);

impl std::fmt::Display for What<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} `{}`", self.0, self.1)
    }
}

/// The few fields a person reads first, whatever the alert's shape.
pub fn summary(alert: &Json) -> Json {
    let g = |p: &str| {
        crate::alert::get_path(alert, p)
            .cloned()
            .unwrap_or(Json::Null)
    };
    // Built by hand: `json!` copies each value a second time, through the serializer.
    let fields = [
        ("timestamp", "@timestamp"),
        ("host", "host.name"),
        ("os", "host.os.type"),
        ("user", "user.name"),
        ("process", "process.executable"),
        ("command_line", "process.command_line"),
        ("parent", "process.parent.executable"),
        ("event_code", "event.code"),
    ];
    Json::Object(
        fields
            .iter()
            .map(|(k, p)| ((*k).to_owned(), g(p)))
            .collect(),
    )
}

impl<'p> Run<'p> {
    /// Starts a run. `vars` overrides the playbook's `vars:` (from configuration).
    pub fn new(
        pb: &'p Playbook,
        alert_id: &str,
        alert: &Json,
        run_id: &str,
        dry_run: bool,
        vars: Option<&serde_json::Map<String, Json>>,
    ) -> Self {
        let run_json = json!({"id": run_id, "dry_run": dry_run, "alert_id": alert_id, "playbook": {"id": pb.id, "version": pb.version}, "unevaluated": []});
        let mut scope = Scope::default();
        // Only what the run's expressions can read (the matcher, which may read more, has its
        // own scope).
        scope.set_val("alert", pb.derived.alert_use(pb).to_val(alert));
        let vars_json = match vars {
            // The playbook's own vars: converted once per playbook, shared by every run; their
            // JSON copy for templates is recycled by the next run (see `Drop`).
            None => {
                scope.set_shared("vars", pb.derived.vars_val(&pb.vars));
                pb.derived.take_vars_json(&pb.vars)
            }
            Some(o) => {
                let mut v = pb.vars.clone();
                for (k, x) in o {
                    v.insert(k.clone(), x.clone());
                }
                let v = Json::Object(v);
                scope.set_val("vars", json_to_val(&v));
                v
            }
        };
        scope.set_val("run", json_to_val(&run_json));
        let lookups = pb
            .analysis
            .iter()
            .filter(|s| matches!(s, Step::Lookup(_)))
            .count();
        scope.new_map("facts", pb.analysis.len() - lookups);
        scope.new_map("lookups", lookups);
        // Built by hand: `json!` would copy `alert` and `vars` through the serializer.
        let mut root = serde_json::Map::with_capacity(10);
        root.insert("alert".into(), alert.clone());
        root.insert("vars".into(), vars_json);
        root.insert("run".into(), run_json);
        for k in ["facts", "lookups", "actions"] {
            root.insert(k.into(), Json::Object(serde_json::Map::new()));
        }
        let hb = handlebars::Context::from(Json::Object(root));
        Run {
            pb,
            run_id: run_id.to_owned(),
            alert_id: alert_id.to_owned(),
            dry_run,
            scope,
            hb,
            recycle_vars: vars.is_none(),
            phase: Phase::Analysis(0),
            pending: None,
            status: RunStatus::Running,
            fact_reports: Vec::new(),
            lookup_reports: Vec::new(),
            escalation: None,
            action_reports: Vec::new(),
            notes: Vec::new(),
            summary: summary(alert),
            step_ns: None,
        }
    }

    /// Records the time each check takes (for `riposte bench --by-step`); off by default.
    pub fn time_steps(&mut self) {
        self.step_ns = Some(vec![0; self.pb.analysis.len()]);
    }

    /// Nanoseconds spent in each analysis step (indexed like `Playbook::analysis`; lookups,
    /// answered outside the engine, count 0), when [`Run::time_steps`] was called.
    pub fn step_times(&self) -> Option<&[u64]> {
        self.step_ns.as_deref()
    }

    /// The alert's summary (time, host, user, process), as the report carries it.
    pub fn summary(&self) -> &Json {
        &self.summary
    }

    pub fn status(&self) -> RunStatus {
        self.status
    }

    /// The escalation, once decided (after the analysis).
    pub fn escalation(&self) -> Option<&EscalationReport> {
        self.escalation.as_ref()
    }

    fn idem(&self, k: &StepKey) -> String {
        // The same bytes as hashing `format!("{run_id}\0{k}")`, without building the string.
        let mut h = Sha256::new();
        h.update(self.run_id.as_bytes());
        h.update([0u8]);
        h.update(k.step.as_bytes());
        if let Some(i) = k.item {
            h.update(format!("[{i}]").as_bytes());
        }
        format!("riposte-{}", hex::encode(&h.finalize()[..12]))
    }

    fn set_fact(&mut self, id: &str, v: Value) {
        self.scope.insert("facts", id, to_val(v));
    }

    fn note(&mut self, s: String) {
        self.notes.push(s);
    }

    fn render_params(
        &mut self,
        params: &[(String, ParamValue)],
        what: What<'_>,
    ) -> Result<Json, String> {
        let mut out = serde_json::Map::new();
        for (k, v) in params {
            out.insert(
                k.clone(),
                self.render_value(v)
                    .map_err(|e| format!("{what}: parameter `{k}`: {e}"))?,
            );
        }
        Ok(Json::Object(out))
    }

    fn render_value(&self, v: &ParamValue) -> Result<Json, String> {
        Ok(match v {
            ParamValue::Literal(j) => j.clone(),
            ParamValue::Template(t) => Json::String(self.pb.templates.render_ctx(t, &self.hb)?),
            ParamValue::Expr(e) => to_json(&e.eval(&self.scope)?),
            ParamValue::List(items) => Json::Array(
                items
                    .iter()
                    .map(|i| self.render_value(i))
                    .collect::<Result<_, _>>()?,
            ),
            ParamValue::Map(m) => {
                let mut o = serde_json::Map::new();
                for (k, v) in m {
                    o.insert(k.clone(), self.render_value(v)?);
                }
                Json::Object(o)
            }
        })
    }

    fn cond(&mut self, e: &Option<crate::expr::Expr>, what: What<'_>) -> bool {
        match e {
            None => true,
            Some(e) => match e.eval_bool(&self.scope) {
                Ok(b) => b,
                Err(err) => {
                    self.note(format!(
                        "{what}: condition {} could not be evaluated ({err}); treated as false",
                        short(&e.src)
                    ));
                    false
                }
            },
        }
    }

    /// What the run needs next. Call repeatedly; answer calls and approvals as they come.
    // A step of the state machine, not an iterator: it may not be called while a call or an
    // approval is pending, and `Done` is returned forever once reached.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Next {
        assert!(
            self.pending.is_none(),
            "answer the pending request before asking for the next"
        );
        loop {
            match &self.phase {
                Phase::Analysis(i) => {
                    let i = *i;
                    let Some(step) = self.pb.analysis.get(i) else {
                        self.phase = Phase::Escalate;
                        continue;
                    };
                    self.phase = Phase::Analysis(i + 1);
                    match step {
                        Step::Check(c) if self.step_ns.is_some() => {
                            let t = std::time::Instant::now();
                            self.check(i, c);
                            let ns = u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX);
                            if let Some(v) = self.step_ns.as_mut() {
                                v[i] = v[i].saturating_add(ns);
                            }
                        }
                        Step::Check(c) => self.check(i, c),
                        Step::Lookup(l) => {
                            if !self.cond(&l.when, What("lookup", &l.id)) {
                                self.scope.insert("lookups", &l.id, to_val(Value::Null));
                                hb_set(&mut self.hb, "lookups", Some(&l.id), Json::Null);
                                self.lookup_reports.push(LookupReport {
                                    id: l.id.clone(),
                                    question: l.question.clone(),
                                    action: l.call.capability.name.into(),
                                    status: "skipped".into(),
                                    params: Json::Null,
                                    result: None,
                                    error: None,
                                });
                                continue;
                            }
                            let params =
                                match self.render_params(&l.call.params, What("lookup", &l.id)) {
                                    Ok(p) => p,
                                    Err(e) => {
                                        self.lookup_failed(l, Json::Null, e.clone());
                                        if l.call.on_failure == OnFailure::Fail {
                                            return self.fail(e);
                                        }
                                        continue;
                                    }
                                };
                            let k = StepKey {
                                step: l.id.clone(),
                                item: None,
                            };
                            self.pending = Some(k.clone());
                            self.lookup_reports.push(LookupReport {
                                id: l.id.clone(),
                                question: l.question.clone(),
                                action: l.call.capability.name.into(),
                                status: "running".into(),
                                params: params.clone(),
                                result: None,
                                error: None,
                            });
                            return Next::Call(CallRequest {
                                idempotency_key: self.idem(&k),
                                key: k,
                                capability: l.call.capability.name.into(),
                                mutates: l.call.mutates(),
                                params,
                                timeout: l.call.timeout,
                                retry: l.call.retry,
                            });
                        }
                    }
                }
                Phase::Escalate => {
                    self.escalate();
                    self.phase = Phase::Actions {
                        idx: 0,
                        items: None,
                        item: 0,
                        approved: false,
                        approval: None,
                    };
                }
                Phase::Actions { .. } => {
                    let Phase::Actions {
                        idx: ix,
                        items,
                        item,
                        approved,
                        approval,
                    } = std::mem::replace(&mut self.phase, Phase::Done)
                    else {
                        unreachable!()
                    };
                    let Some(a) = self.pb.actions.get(ix) else {
                        self.phase = Phase::Done;
                        continue;
                    };
                    let next_action = Phase::Actions {
                        idx: ix + 1,
                        items: None,
                        item: 0,
                        approved: false,
                        approval: None,
                    };
                    // First visit of this action: guard, items, approval.
                    let (list, item, approved) = match items {
                        Some(l) => (l, item, approved),
                        None => {
                            let list = if !self.cond(&a.when, What("action", &a.id)) {
                                None
                            } else if let Some(fe) = &a.for_each {
                                match fe.eval(&self.scope) {
                                    Ok(Value::List(l)) => {
                                        Some(l.iter().cloned().collect::<Vec<_>>())
                                    }
                                    Ok(Value::Null) => Some(Vec::new()),
                                    Ok(other) => {
                                        self.note(format!(
                                            "action `{}`: for_each gave {}, not a list; skipped",
                                            a.id,
                                            expr::type_name(&other)
                                        ));
                                        None
                                    }
                                    Err(e) => {
                                        self.note(format!("action `{}`: for_each {} could not be evaluated ({e}); skipped", a.id, short(&fe.src)));
                                        None
                                    }
                                }
                            } else {
                                Some(vec![Value::Null])
                            };
                            match list.filter(|l| !l.is_empty()) {
                                Some(l) => (l, 0, a.approval.is_none()),
                                None => {
                                    self.action_reports.push(ActionReport {
                                        step: a.id.clone(),
                                        item: None,
                                        action: a.call.capability.name.into(),
                                        mutates: a.call.mutates(),
                                        params: Json::Null,
                                        status: "skipped".into(),
                                        description: a.description.clone(),
                                        approval: None,
                                        result: None,
                                        error: None,
                                    });
                                    self.set_action_result(&a.id, "skipped", Json::Null);
                                    self.phase = next_action;
                                    continue;
                                }
                            }
                        }
                    };
                    let multi = a.for_each.is_some();
                    // Approval gate: once per action, covering every item.
                    if !approved {
                        let mut calls = Vec::new();
                        for it in &list {
                            self.bind_item(multi.then_some(it));
                            match self.render_params(&a.call.params, What("action", &a.id)) {
                                Ok(p) => calls.push(p),
                                Err(e) => {
                                    self.note(e);
                                    calls.push(Json::Null);
                                }
                            }
                        }
                        if self.dry_run {
                            // A drill shows the gate and the exact requests, and sends nothing.
                            for (n, p) in calls.iter().enumerate() {
                                self.action_reports.push(ActionReport {
                                    step: a.id.clone(),
                                    item: multi.then_some(n as u32),
                                    action: a.call.capability.name.into(),
                                    mutates: a.call.mutates(),
                                    params: p.clone(),
                                    status: "awaiting_approval".into(),
                                    description: a.description.clone(),
                                    approval: Some(approval_json(a.approval.as_ref(), None)),
                                    result: None,
                                    error: None,
                                });
                            }
                            self.set_action_result(&a.id, "awaiting_approval", Json::Null);
                            self.phase = next_action;
                            continue;
                        }
                        self.phase = Phase::Actions {
                            idx: ix,
                            items: Some(list),
                            item,
                            approved,
                            approval,
                        };
                        self.pending = Some(StepKey {
                            step: a.id.clone(),
                            item: None,
                        });
                        self.status = RunStatus::AwaitingApproval;
                        return Next::Approval(ApprovalRequest {
                            step: a.id.clone(),
                            capability: a.call.capability.name.into(),
                            description: a.description.clone(),
                            calls,
                            approval: a.approval.clone().expect("gated action"),
                        });
                    }
                    let n = item;
                    if n >= list.len() {
                        self.finish_action(a);
                        self.phase = next_action;
                        continue;
                    }
                    let appr = approval.clone();
                    self.bind_item(multi.then_some(&list[n]));
                    self.phase = Phase::Actions {
                        idx: ix,
                        items: Some(list),
                        item: n + 1,
                        approved,
                        approval,
                    };
                    let k = StepKey {
                        step: a.id.clone(),
                        item: multi.then_some(n as u32),
                    };
                    let params = match self.render_params(&a.call.params, What("action", &a.id)) {
                        Ok(p) => p,
                        Err(e) => {
                            self.action_reports.push(ActionReport {
                                step: a.id.clone(),
                                item: k.item,
                                action: a.call.capability.name.into(),
                                mutates: a.call.mutates(),
                                params: Json::Null,
                                status: "failed".into(),
                                description: a.description.clone(),
                                approval: appr,
                                result: None,
                                error: Some(e.clone()),
                            });
                            if a.call.on_failure == OnFailure::Fail {
                                return self.fail(e);
                            }
                            continue;
                        }
                    };
                    self.action_reports.push(ActionReport {
                        step: a.id.clone(),
                        item: k.item,
                        action: a.call.capability.name.into(),
                        mutates: a.call.mutates(),
                        params: params.clone(),
                        status: "running".into(),
                        description: a.description.clone(),
                        approval: appr,
                        result: None,
                        error: None,
                    });
                    self.pending = Some(k.clone());
                    return Next::Call(CallRequest {
                        idempotency_key: self.idem(&k),
                        key: k,
                        capability: a.call.capability.name.into(),
                        mutates: a.call.mutates(),
                        params,
                        timeout: a.call.timeout,
                        retry: a.call.retry,
                    });
                }
                Phase::Done => {
                    if self.status == RunStatus::Running
                        || self.status == RunStatus::AwaitingApproval
                    {
                        self.status = RunStatus::Completed;
                    }
                    return Next::Done;
                }
            }
        }
    }

    fn bind_item(&mut self, it: Option<&Value>) {
        match it {
            Some(v) => {
                self.scope.set("item", v.clone());
                hb_set(&mut self.hb, "item", None, to_json(v));
            }
            None => {
                self.scope.set("item", Value::Null);
            }
        }
    }

    fn set_action_result(&mut self, id: &str, status: &str, result: Json) {
        // Not `json!`, which would copy `result` through the serializer.
        let mut o = serde_json::Map::with_capacity(2);
        o.insert("status".into(), Json::String(status.to_owned()));
        o.insert("result".into(), result);
        let v = Json::Object(o);
        self.scope.insert("actions", id, json_to_val(&v));
        hb_set(&mut self.hb, "actions", Some(id), v);
    }

    fn finish_action(&mut self, a: &Action) {
        let mine: Vec<&ActionReport> = self
            .action_reports
            .iter()
            .filter(|r| r.step == a.id)
            .collect();
        let status = if mine.iter().all(|r| r.status == "completed") {
            "completed"
        } else if mine.iter().any(|r| r.status == "failed") {
            "failed"
        } else if mine.iter().all(|r| r.status == "dry_run") {
            "dry_run"
        } else {
            "partial"
        };
        let results: Vec<Json> = mine
            .iter()
            .map(|r| r.result.clone().unwrap_or(Json::Null))
            .collect();
        let result = if a.for_each.is_some() {
            Json::Array(results)
        } else {
            results.into_iter().next().unwrap_or(Json::Null)
        };
        self.set_action_result(&a.id, status, result);
    }

    fn check(&mut self, i: usize, c: &Check) {
        // A guard that is false records false; one that cannot be evaluated is the check's error.
        let guard = c.when.as_ref().map_or(Ok(true), |w| {
            w.eval_bool(&self.scope)
                .map_err(|e| (format!("its `when` {}", short(&w.src)), e))
        });
        let v = guard.and_then(|g| match g {
            true => c
                .value
                .eval(&self.scope)
                .map_err(|e| (short(&c.value.src), e)),
            false => Ok(Value::Bool(false)),
        });
        let v = match v {
            Ok(v) => v,
            Err((what, e)) => {
                let d = match &c.default {
                    Some(j) => from_json(j),
                    None => c.value.kind().map_or(Value::Null, Kind::empty),
                };
                self.note(format!(
                    "check `{}` (line {}): {what} could not be evaluated ({e}); recorded as {}",
                    c.id,
                    c.pos.line,
                    to_json(&d)
                ));
                self.unevaluated(&c.id);
                d
            }
        };
        let holds = truthy(&v);
        let j = to_json(&v);
        hb_set(&mut self.hb, "facts", Some(&c.id), j.clone());
        self.set_fact(&c.id, v);
        self.fact_reports.push((
            i,
            FactReport {
                id: c.id.clone(),
                holds,
                value: j,
                explain: None,
                card: c.card.clone(),
            },
        ));
    }

    /// Lists a check whose expression could not be evaluated in `run.unevaluated`, where
    /// escalation rules can see that the analysis is incomplete.
    fn unevaluated(&mut self, id: &str) {
        let Some(run) = self.hb.data_mut().get_mut("run") else {
            return;
        };
        if let Some(Json::Array(a)) = run.get_mut("unevaluated") {
            a.push(Json::String(id.to_owned()));
        }
        let v = json_to_val(run);
        self.scope.set_val("run", v);
    }

    fn lookup_failed(&mut self, l: &Lookup, params: Json, e: String) {
        self.scope.insert("lookups", &l.id, to_val(Value::Null));
        hb_set(&mut self.hb, "lookups", Some(&l.id), Json::Null);
        if let Some(r) = self.lookup_reports.iter_mut().rev().find(|r| r.id == l.id) {
            r.status = "failed".into();
            r.error = Some(e);
        } else {
            self.lookup_reports.push(LookupReport {
                id: l.id.clone(),
                question: l.question.clone(),
                action: l.call.capability.name.into(),
                status: "failed".into(),
                params,
                result: None,
                error: Some(e),
            });
        }
    }

    fn fail(&mut self, why: String) -> Next {
        self.note(format!("run stopped: {why}"));
        self.status = RunStatus::Failed;
        self.phase = Phase::Done;
        Next::Done
    }

    fn escalate(&mut self) {
        let esc = &self.pb.escalation;
        self.hb_escalation(None);
        let mut tier = 0u8;
        let mut severity = Severity::Info;
        let mut immediate = false;
        let mut reasons = Vec::new();
        let mut rules = Vec::new();
        for (n, r) in esc.rules.iter().enumerate() {
            match r.when.eval_bool(&self.scope) {
                Ok(true) => {
                    tier = tier.max(r.outcome.tier);
                    severity = severity.max(r.outcome.severity);
                    immediate |= r.outcome.immediate;
                    match self.pb.templates.render_ctx(&r.outcome.reason, &self.hb) {
                        // Conditional parts of a reason leave stray spaces at its ends.
                        Ok(s) => reasons.push(s.trim().to_owned()),
                        Err(e) => reasons.push(format!(
                            "{} (reason could not be rendered: {e})",
                            r.outcome.reason.src
                        )),
                    }
                    rules.push(r.name.clone().unwrap_or_else(|| format!("rule {}", n + 1)));
                    if r.stop {
                        break;
                    }
                }
                Ok(false) => {}
                Err(e) => self.note(format!(
                    "escalation rule {}: {} could not be evaluated ({e}); treated as false",
                    r.name.clone().unwrap_or_else(|| (n + 1).to_string()),
                    short(&r.when.src)
                )),
            }
        }
        if rules.is_empty() {
            let o = &esc.otherwise;
            tier = o.tier;
            severity = o.severity;
            immediate = o.immediate;
            reasons.push(
                self.pb
                    .templates
                    .render_ctx(&o.reason, &self.hb)
                    .unwrap_or_else(|e| e),
            );
        }
        let rep = EscalationReport {
            escalate: tier >= 2,
            tier,
            immediate,
            severity,
            reasons,
            rules,
        };
        self.hb_escalation(Some(&rep));
        self.escalation = Some(rep);
    }

    fn hb_escalation(&mut self, rep: Option<&EscalationReport>) {
        let j = rep
            .map(|r| serde_json::to_value(r).unwrap_or(Json::Null))
            .unwrap_or(Json::Null);
        hb_set(&mut self.hb, "escalation", None, j.clone());
        self.scope.set_val("escalation", json_to_val(&j));
        self.scope.ensure_map("actions");
    }

    /// Answers the pending call.
    pub fn complete(&mut self, outcome: Outcome) {
        let k = self.pending.take().expect("no call is pending");
        let in_analysis = matches!(self.phase, Phase::Analysis(_));
        if in_analysis {
            let Some(Step::Lookup(l)) = self.pb.analysis.iter().find(|s| s.id() == k.step) else {
                return;
            };
            match outcome {
                Outcome::Ok { result } => {
                    self.scope.insert("lookups", &l.id, json_to_val(&result));
                    hb_set(&mut self.hb, "lookups", Some(&l.id), result.clone());
                    if let Some(r) = self.lookup_reports.iter_mut().rev().find(|r| r.id == l.id) {
                        r.status = "completed".into();
                        r.result = Some(result);
                    }
                }
                Outcome::Withheld => {
                    self.lookup_failed(l, Json::Null, "withheld".into());
                }
                Outcome::Failed { class, message } => {
                    self.lookup_failed(l, Json::Null, message.clone());
                    if l.call.on_failure == OnFailure::Fail {
                        let _ = self.fail(format!("lookup `{}` failed: {message}", l.id));
                    } else if class == ErrorClass::NeedsHuman {
                        self.note(format!("lookup `{}` needs a human: {message}", l.id));
                    }
                }
            }
            return;
        }
        let Some(a) = self.pb.actions.iter().find(|a| a.id == k.step) else {
            return;
        };
        let Some(r) = self
            .action_reports
            .iter_mut()
            .rev()
            .find(|r| r.step == k.step && r.item == k.item)
        else {
            return;
        };
        match outcome {
            Outcome::Ok { result } => {
                r.status = "completed".into();
                r.result = Some(result);
            }
            Outcome::Withheld => {
                r.status = "dry_run".into();
            }
            Outcome::Failed { class, message } => {
                r.status = "failed".into();
                r.error = Some(message.clone());
                if class == ErrorClass::NeedsHuman {
                    self.status = RunStatus::NeedsAttention;
                }
                if a.call.on_failure == OnFailure::Fail {
                    let _ = self.fail(format!("action `{k}` failed: {message}"));
                }
            }
        }
    }

    /// Answers the pending approval.
    pub fn decide(&mut self, d: Decision) {
        let k = self.pending.take().expect("no approval is pending");
        self.status = RunStatus::Running;
        let Phase::Actions {
            idx,
            items,
            item: _,
            approved,
            approval,
        } = &mut self.phase
        else {
            return;
        };
        let ix = *idx;
        let a = &self.pb.actions[ix];
        debug_assert_eq!(a.id, k.step);
        match d {
            Decision::Approved { by } => {
                *approved = true;
                *approval = Some(approval_json(
                    a.approval.as_ref(),
                    Some(json!({"decision": "approved", "by": by})),
                ));
            }
            Decision::Denied { by, reason } => {
                let status = "denied";
                let n = items.as_ref().map(Vec::len).unwrap_or(1);
                let multi = a.for_each.is_some();
                let appr = approval_json(
                    a.approval.as_ref(),
                    Some(json!({"decision": "denied", "by": by, "reason": reason})),
                );
                self.phase = Phase::Actions {
                    idx: ix + 1,
                    items: None,
                    item: 0,
                    approved: false,
                    approval: None,
                };
                self.gate_closed(a, n, multi, status, appr);
            }
            Decision::TimedOut => {
                let n = items.as_ref().map(Vec::len).unwrap_or(1);
                let multi = a.for_each.is_some();
                let appr =
                    approval_json(a.approval.as_ref(), Some(json!({"decision": "timed_out"})));
                self.phase = Phase::Actions {
                    idx: ix + 1,
                    items: None,
                    item: 0,
                    approved: false,
                    approval: None,
                };
                self.gate_closed(a, n, multi, "expired", appr);
            }
        }
    }

    fn gate_closed(&mut self, a: &Action, n: usize, multi: bool, status: &str, appr: Json) {
        for i in 0..n {
            self.action_reports.push(ActionReport {
                step: a.id.clone(),
                item: multi.then_some(i as u32),
                action: a.call.capability.name.into(),
                mutates: a.call.mutates(),
                params: Json::Null,
                status: status.into(),
                description: a.description.clone(),
                approval: Some(appr.clone()),
                result: None,
                error: None,
            });
        }
        self.set_action_result(&a.id, status, Json::Null);
    }

    /// Marks the run as parked (awaiting approval) or ended by an operator.
    pub fn set_status(&mut self, s: RunStatus) {
        self.status = s;
    }

    /// The report so far (complete once `next()` returned `Done`).
    pub fn report(&mut self) -> Report {
        let facts = self.fact_reports.clone();
        let facts = self.explained(facts);
        Report {
            run_id: self.run_id.clone(),
            playbook: self.playbook_ref(),
            alert_id: self.alert_id.clone(),
            dry_run: self.dry_run,
            status: self.status,
            summary: self.summary.clone(),
            facts,
            lookups: self.lookup_reports.clone(),
            escalation: self.escalation.clone(),
            actions: self.action_reports.clone(),
            notes: self.notes.clone(),
            unevaluated: self.unevaluated_ids(),
        }
    }

    /// The ids listed in `run.unevaluated`.
    fn unevaluated_ids(&self) -> Vec<String> {
        self.hb
            .data()
            .get("run")
            .and_then(|r| r.get("unevaluated"))
            .and_then(Json::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The same report as [`Run::report`], ending the run: moved out rather than copied.
    pub fn into_report(mut self) -> Report {
        let facts = std::mem::take(&mut self.fact_reports);
        let facts = self.explained(facts);
        Report {
            run_id: std::mem::take(&mut self.run_id),
            playbook: self.playbook_ref(),
            alert_id: std::mem::take(&mut self.alert_id),
            dry_run: self.dry_run,
            status: self.status,
            summary: self.summary.take(),
            facts,
            lookups: std::mem::take(&mut self.lookup_reports),
            escalation: self.escalation.take(),
            actions: std::mem::take(&mut self.action_reports),
            notes: std::mem::take(&mut self.notes),
            unevaluated: self.unevaluated_ids(),
        }
    }

    fn playbook_ref(&self) -> PlaybookRef {
        PlaybookRef {
            id: self.pb.id.clone(),
            version: self.pb.version.clone(),
            hash: self.pb.hash.clone(),
        }
    }

    /// Fact reports with the explanation of every fact that holds rendered.
    fn explained(&mut self, reports: Vec<(usize, FactReport)>) -> Vec<FactReport> {
        let mut facts = Vec::with_capacity(reports.len());
        for (i, mut f) in reports {
            if f.holds
                && let Some(Step::Check(c)) = self.pb.analysis.get(i)
            {
                hb_set(&mut self.hb, "value", None, f.value.clone());
                f.explain = Some(
                    self.pb
                        .templates
                        .render_ctx(&c.explain, &self.hb)
                        .unwrap_or_else(|e| format!("{} [{e}]", c.explain.src)),
                );
            }
            facts.push(f);
        }
        facts
    }
}

impl Drop for Run<'_> {
    fn drop(&mut self) {
        // Templates never change `vars` (only the engine writes to the context, and never there).
        if self.recycle_vars
            && let Some(v) = self
                .hb
                .data_mut()
                .as_object_mut()
                .and_then(|o| o.get_mut("vars"))
        {
            self.pb.derived.give_vars_json(v.take());
        }
    }
}

fn approval_json(a: Option<&Approval>, decision: Option<Json>) -> Json {
    let mut j = match a {
        Some(a) => json!({
            "approvers": a.approvers, "quorum": a.quorum,
            "timeout": crate::duration::format(a.timeout),
            "on_timeout": match &a.on_timeout { OnTimeout::Deny => json!("deny"), OnTimeout::Escalate(c) => json!({"escalate": c}) },
        }),
        None => json!({}),
    };
    if let (Some(d), Some(o)) = (decision, j.as_object_mut()) {
        o.insert("decision".into(), d);
    }
    j
}

/// Runs a playbook to the end with no integrations: lookups answered by `answer`, mutate calls
/// withheld (dry-run) or answered by `answer` too. Used by `playbook test`, the bench and tests.
pub fn run_offline(
    pb: &Playbook,
    alert_id: &str,
    alert: &Json,
    dry_run: bool,
    mut answer: impl FnMut(&CallRequest) -> Outcome,
    mut decide: impl FnMut(&ApprovalRequest) -> Option<Decision>,
) -> Report {
    let id = run_id("offline", alert_id, &pb.id, &pb.hash);
    drive_offline(
        Run::new(pb, alert_id, alert, &id, dry_run, None),
        dry_run,
        &mut answer,
        &mut decide,
    )
    .0
}

/// [`run_offline`], also returning the nanoseconds each analysis step took (see
/// [`Run::step_times`]).
pub fn run_offline_timed(
    pb: &Playbook,
    alert_id: &str,
    alert: &Json,
    dry_run: bool,
    mut answer: impl FnMut(&CallRequest) -> Outcome,
    mut decide: impl FnMut(&ApprovalRequest) -> Option<Decision>,
) -> (Report, Vec<u64>) {
    let id = run_id("offline", alert_id, &pb.id, &pb.hash);
    let mut run = Run::new(pb, alert_id, alert, &id, dry_run, None);
    run.time_steps();
    let (report, times) = drive_offline(run, dry_run, &mut answer, &mut decide);
    (report, times.unwrap_or_default())
}

fn drive_offline(
    mut run: Run<'_>,
    dry_run: bool,
    answer: &mut impl FnMut(&CallRequest) -> Outcome,
    decide: &mut impl FnMut(&ApprovalRequest) -> Option<Decision>,
) -> (Report, Option<Vec<u64>>) {
    loop {
        match run.next() {
            Next::Call(c) => {
                let o = if dry_run && c.mutates {
                    Outcome::Withheld
                } else {
                    answer(&c)
                };
                run.complete(o);
            }
            Next::Approval(a) => match decide(&a) {
                Some(d) => run.decide(d),
                None => {
                    run.set_status(RunStatus::AwaitingApproval);
                    let times = run.step_ns.take();
                    return (run.into_report(), times);
                }
            },
            Next::Done => {
                let times = run.step_ns.take();
                return (run.into_report(), times);
            }
        }
    }
}
