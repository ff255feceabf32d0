//! Integrations: vendor clients behind the playbook capabilities (`edr.isolate_host`, …).
//!
//! - [`Integration`] is the one interface every vendor client implements: which capabilities it
//!   serves, parameter checks at validation time, the exact requests a call would send (for
//!   dry-run), the call itself, and — for every mutate capability — the answer to "did an
//!   interrupted attempt take effect?" ([`Integration::reconcile`]), so a crash between sending a
//!   request and journaling its answer never repeats a side effect blindly.
//! - [`http`] is the shared HTTP client (timeouts, retries with backoff and jitter, Retry-After,
//!   rate and concurrency limits, OAuth2 client credentials, classified errors).
//! - [`secret`] keeps credentials out of logs, errors, reports and the audit log.
//! - [`Registry`] binds each capability to the integration configured for it. A capability with
//!   no binding fails permanently with a message naming the missing configuration — it never
//!   pretends to succeed.

pub mod config;
pub mod guard;
pub mod http;
pub mod secret;
pub mod summary;
pub mod vendors;

use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One HTTP request as the audit log records it: no headers, no body, only its digest.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SentRequest {
    pub integration: String,
    pub method: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_sha256: Option<String>,
    /// The HTTP status, or None when no answer came (then `error` says why).
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub millis: u64,
}

/// Where the requests a call sends are reported (the runner writes them to the audit log).
pub trait RequestLog: Send + Sync {
    fn sent(&self, r: &SentRequest);
}

/// A [`RequestLog`] that keeps nothing.
pub struct NoLog;
impl RequestLog for NoLog {
    fn sent(&self, _: &SentRequest) {}
}

/// A [`RequestLog`] that keeps every request in memory (tests, `riposte integrations check`).
#[derive(Default)]
pub struct MemLog(pub std::sync::Mutex<Vec<SentRequest>>);
impl RequestLog for MemLog {
    fn sent(&self, r: &SentRequest) {
        self.0.lock().expect("log lock").push(r.clone());
    }
}

/// What a call knows about the run it belongs to.
#[derive(Clone)]
pub struct Ctx {
    pub run_id: String,
    pub step: String,
    pub attempt: u32,
    pub log: Arc<dyn RequestLog>,
    /// The run's report so far (facts, escalation, actions) for `ticket.*` calls: tickets
    /// carry it. Other calls get only its `summary` (the alert's time, host, user, process).
    pub report: Json,
}

impl Ctx {
    /// A context for calls outside a run (tests, checks).
    pub fn detached(log: Arc<dyn RequestLog>) -> Ctx {
        Ctx {
            run_id: "detached".into(),
            step: String::new(),
            attempt: 1,
            log,
            report: Json::Null,
        }
    }
}

/// The answer to "a mutate call was started but its outcome was never journaled: what happened?"
#[derive(Clone, Debug, PartialEq)]
pub enum Reconciled {
    /// The target shows the effect is in place (host contained, ticket with our external id
    /// exists); this result is recorded as the call's outcome and nothing is sent.
    Done(Json),
    /// The target shows the effect is not in place: sending the request again is safe.
    NotDone,
    /// The vendor de-duplicates on the idempotency key (or the operation is a set insert):
    /// sending again is safe whatever happened.
    Idempotent,
    /// Nobody can tell; the run parks as `needs_attention` with this reason.
    Unknown(String),
}

/// A vendor client serving one or more capabilities.
pub trait Integration: Send + Sync {
    /// The instance name from the configuration (e.g. `falcon`), for messages and the audit log.
    fn name(&self) -> &str;
    /// The vendor this client speaks to (e.g. `crowdstrike`).
    fn vendor(&self) -> &'static str;
    /// The catalogue capabilities this client implements.
    fn capabilities(&self) -> &'static [&'static str];
    /// Vendor-specific parameter checks, run when a playbook is validated against the
    /// configuration (the catalogue already checked names and types). Only literal values can be
    /// checked here; templated values are checked again at call time.
    fn check_params(&self, capability: &str, params: &Json) -> Result<(), String> {
        let _ = (capability, params);
        Ok(())
    }
    /// The exact requests the call would send, for dry-run reports and approval messages
    /// (method, URL, body; never credentials). Values only known at run time (a device id the
    /// call looks up first) appear as `<…>` placeholders.
    fn render(&self, req: &CallRequest) -> Vec<Json>;
    /// Executes one call. Errors are classified (retryable / permanent / needs-human).
    fn call<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Outcome>;
    /// For mutate capabilities: reconcile an attempt whose outcome was not journaled.
    /// Every integration must answer; there is no default.
    fn reconcile<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Reconciled>;
}

/// Capability name → the integration bound to it.
#[derive(Default, Clone)]
pub struct Registry {
    bound: HashMap<String, Arc<dyn Integration>>,
}

fn unbound(capability: &str) -> String {
    format!(
        "no integration is configured for `{capability}`: bind it to a vendor in the configuration's `capabilities:` section"
    )
}

impl Registry {
    /// Binds `capability` to `i`. Fails when `i` does not implement it.
    pub fn bind(&mut self, capability: &str, i: Arc<dyn Integration>) -> Result<(), String> {
        if !i.capabilities().contains(&capability) {
            return Err(format!(
                "integration `{}` ({}) does not provide `{capability}`; it provides: {}",
                i.name(),
                i.vendor(),
                i.capabilities().join(", ")
            ));
        }
        self.bound.insert(capability.to_owned(), i);
        Ok(())
    }

    pub fn integration_for(&self, capability: &str) -> Option<&Arc<dyn Integration>> {
        self.bound.get(capability)
    }

    pub fn render(&self, req: &CallRequest) -> Vec<Json> {
        match self.bound.get(&req.capability) {
            Some(i) => i.render(req),
            None => vec![serde_json::json!({"unbound": unbound(&req.capability)})],
        }
    }

    pub async fn call(&self, ctx: &Ctx, req: &CallRequest) -> Outcome {
        match self.bound.get(&req.capability) {
            Some(i) => i.call(ctx, req).await,
            None => Outcome::Failed {
                class: ErrorClass::Permanent,
                message: unbound(&req.capability),
            },
        }
    }

    pub async fn reconcile(&self, ctx: &Ctx, req: &CallRequest) -> Reconciled {
        match self.bound.get(&req.capability) {
            Some(i) => i.reconcile(ctx, req).await,
            // Nothing could have been sent through a binding that does not exist.
            None => Reconciled::NotDone,
        }
    }
}

/// A string parameter of a call (the engine has rendered templates already).
pub fn param<'a>(req: &'a CallRequest, name: &str) -> Option<&'a str> {
    req.params.get(name).and_then(|v| v.as_str())
}

/// A required string parameter, or a permanent failure naming it.
pub fn required<'a>(req: &'a CallRequest, name: &str) -> Result<&'a str, Outcome> {
    match param(req, name) {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(Outcome::Failed {
            class: ErrorClass::Permanent,
            message: format!(
                "`{}` needs the parameter `{name}` and it is missing or empty",
                req.capability
            ),
        }),
    }
}

impl From<http::HttpError> for Outcome {
    fn from(e: http::HttpError) -> Outcome {
        Outcome::Failed {
            class: e.class,
            message: e.to_string(),
        }
    }
}
