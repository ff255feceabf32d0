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
// ── Blocking ────────────────────────────────────────────────────────────────────────────────
pub mod cloudflare;
pub mod edl;
pub mod opnsense;
pub mod panos;
// ── Tickets, intel, chat ────────────────────────────────────────────────────────────────────
// ── SIEM, generic HTTP ──────────────────────────────────────────────────────────────────────
pub mod elasticsearch;
pub mod http;
pub mod splunk;

/// Vendor name (as written in `vendor:`) → builder.
pub static VENDORS: &[(&str, Builder)] = &[
    // EDR
    // Blocking
    ("edl", edl::build),
    ("cloudflare", cloudflare::build),
    ("opnsense", opnsense::build),
    ("panos", panos::build),
    // Tickets, intel, chat
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
            known: VENDORS.iter().map(|(v, _)| *v).collect::<Vec<_>>().join(", "),
        }),
    }
}
