//! Vendor clients, and the factory that builds one from its configuration.
//!
//! Each vendor module exposes `pub fn build(instance: &str, cfg: &InstanceConfig, env: &BuildEnv)
//! -> Result<Arc<dyn Integration>, ConfigError>` and implements [`crate::Integration`] for the
//! capabilities it serves. Add a vendor by adding its module and one line to [`VENDORS`].

use crate::Integration;
use crate::config::{ConfigError, InstanceConfig};
use std::sync::Arc;

/// What a vendor client may need from the runner besides its own configuration.
#[derive(Clone, Default)]
pub struct BuildEnv {
    /// The store, for integrations that keep durable state in Riposte (the built-in block lists).
    pub store: Option<state::Store>,
}

type Builder = fn(&str, &InstanceConfig, &BuildEnv) -> Result<Arc<dyn Integration>, ConfigError>;

// ── EDR ─────────────────────────────────────────────────────────────────────────────────────
pub mod crowdstrike;
mod edr;
pub mod elastic_defend;
pub mod mde;
pub mod sentinelone;
// ── Blocking ────────────────────────────────────────────────────────────────────────────────
pub mod cloudflare;
pub mod edl;
pub mod opnsense;
pub mod panos;
// ── Tickets, intel, chat ────────────────────────────────────────────────────────────────────
pub mod chat_util;
pub mod jira;
pub mod mattermost;
pub mod misp;
pub mod servicenow;
pub mod slack;
pub mod teams;
pub mod thehive;
pub mod ticket_util;
pub mod virustotal;
// ── SIEM, generic HTTP ──────────────────────────────────────────────────────────────────────
pub mod elasticsearch;
pub mod http;
pub mod splunk;

/// Vendor name (as written in `vendor:`) → builder.
pub static VENDORS: &[(&str, Builder)] = &[
    // EDR
    ("crowdstrike", crowdstrike::build),
    ("mde", mde::build),
    ("sentinelone", sentinelone::build),
    ("elastic_defend", elastic_defend::build),
    // Blocking
    ("edl", edl::build),
    ("cloudflare", cloudflare::build),
    ("opnsense", opnsense::build),
    ("panos", panos::build),
    // Tickets, intel, chat
    ("thehive", thehive::build),
    ("jira", jira::build),
    ("servicenow", servicenow::build),
    ("virustotal", virustotal::build),
    ("misp", misp::build),
    ("slack", slack::build),
    ("mattermost", mattermost::build),
    ("teams", teams::build),
    // SIEM, generic HTTP
    ("elasticsearch", elasticsearch::build),
    ("http", http::build),
    ("splunk", splunk::build),
];

/// Builds the client of one configured instance.
pub fn build(
    instance: &str,
    cfg: &InstanceConfig,
    env: &BuildEnv,
) -> Result<Arc<dyn Integration>, ConfigError> {
    match VENDORS.iter().find(|(v, _)| *v == cfg.vendor) {
        Some((_, b)) => b(instance, cfg, env),
        None => Err(ConfigError::UnknownVendor {
            instance: instance.into(),
            vendor: cfg.vendor.clone(),
            known: VENDORS
                .iter()
                .map(|(v, _)| *v)
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}
