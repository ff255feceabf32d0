//! Integrations: vendor clients behind the playbook capabilities (`edr.isolate_host`, …).
//!
//! This crate holds the [`Integration`] trait and the [`Registry`] that binds each capability to
//! the integration configured for it. Vendor clients (EDRs, blocklists, ticketing, SIEM, intel,
//! chat) plug in here; a capability with no binding fails permanently with a message that says
//! which configuration is missing — it never pretends to succeed.

use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type CallFuture<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// A vendor client serving one or more capabilities.
pub trait Integration: Send + Sync {
    /// A short name for messages and the audit log, e.g. `crowdstrike`.
    fn name(&self) -> &str;
    /// Executes one call. Errors are classified (retryable / permanent / needs-human).
    fn call<'a>(&'a self, req: &'a CallRequest) -> CallFuture<'a>;
}

/// Capability name → the integration bound to it.
#[derive(Default, Clone)]
pub struct Registry {
    bound: HashMap<String, Arc<dyn Integration>>,
}

impl Registry {
    pub fn bind(&mut self, capability: &str, i: Arc<dyn Integration>) {
        self.bound.insert(capability.to_owned(), i);
    }

    pub fn integration_for(&self, capability: &str) -> Option<&Arc<dyn Integration>> {
        self.bound.get(capability)
    }

    pub async fn call(&self, req: &CallRequest) -> Outcome {
        match self.bound.get(&req.capability) {
            Some(i) => i.call(req).await,
            None => Outcome::Failed {
                class: ErrorClass::Permanent,
                message: format!(
                    "no integration is configured for `{}`: bind it to a vendor in the configuration's `integrations:` section",
                    req.capability
                ),
            },
        }
    }
}
