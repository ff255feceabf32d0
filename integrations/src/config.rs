//! Configuration of integration instances (the `integrations:` section of the runner's
//! configuration) and the factory that builds a vendor client from it.
//!
//! ```yaml
//! integrations:
//!   falcon:                       # instance name, bound to capabilities elsewhere
//!     vendor: crowdstrike
//!     url: https://api.crowdstrike.com
//!     credentials:
//!       client_id: {env: FALCON_CLIENT_ID}
//!       client_secret: {file: /etc/riposte/secrets/falcon}
//!     limits: {concurrency: 4, per_second: 5, attempts: 4, timeout: 30s}
//!     options: {}                 # vendor-specific, see README
//! ```

use crate::http::Limits;
use crate::secret::{Secret, SecretError, SecretRef};
use serde::Deserialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceConfig {
    pub vendor: String,
    /// Base URL of the vendor API.
    #[serde(default)]
    pub url: Option<String>,
    /// Named credentials, each `{env: NAME}` or `{file: PATH}`.
    #[serde(default)]
    pub credentials: BTreeMap<String, SecretRef>,
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Vendor-specific settings.
    #[serde(default)]
    pub options: BTreeMap<String, Json>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    pub concurrency: Option<usize>,
    pub per_second: Option<f64>,
    pub attempts: Option<u32>,
    /// e.g. `30s`.
    pub timeout: Option<String>,
    /// First retry backoff, e.g. `500ms`.
    pub backoff: Option<String>,
    pub max_backoff: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("integration `{instance}`: unknown vendor `{vendor}`; known vendors: {known}")]
    UnknownVendor {
        instance: String,
        vendor: String,
        known: String,
    },
    #[error("integration `{instance}`: missing `{what}` ({why})")]
    Missing {
        instance: String,
        what: String,
        why: String,
    },
    #[error("integration `{instance}`: `{what}` is invalid: {why}")]
    Invalid {
        instance: String,
        what: String,
        why: String,
    },
    #[error("integration `{instance}`: credential `{credential}`: {source}")]
    Secret {
        instance: String,
        credential: String,
        source: SecretError,
    },
}

fn ms(
    instance: &str,
    what: &str,
    v: &Option<String>,
    d: Duration,
) -> Result<Duration, ConfigError> {
    match v {
        None => Ok(d),
        Some(s) => {
            let s = s.trim();
            let parsed = if let Some(n) = s.strip_suffix("ms") {
                n.trim().parse::<u64>().ok().map(Duration::from_millis)
            } else {
                playbooks::duration::parse(s).ok()
            };
            parsed.ok_or_else(|| ConfigError::Invalid {
                instance: instance.into(),
                what: format!("limits.{what}"),
                why: format!("`{s}` is not a duration; write e.g. `500ms`, `30s`, `2m`"),
            })
        }
    }
}

impl InstanceConfig {
    pub fn limits(&self, instance: &str) -> Result<Limits, ConfigError> {
        let d = Limits::default();
        let l = &self.limits;
        let lim = Limits {
            concurrency: l.concurrency.unwrap_or(d.concurrency),
            per_second: l.per_second.unwrap_or(d.per_second),
            attempts: l.attempts.unwrap_or(d.attempts),
            timeout: ms(instance, "timeout", &l.timeout, d.timeout)?,
            backoff: ms(instance, "backoff", &l.backoff, d.backoff)?,
            max_backoff: ms(instance, "max_backoff", &l.max_backoff, d.max_backoff)?,
        };
        if lim.concurrency == 0 || lim.per_second <= 0.0 || lim.attempts == 0 {
            return Err(ConfigError::Invalid {
                instance: instance.into(),
                what: "limits".into(),
                why: "concurrency, per_second and attempts must be positive".into(),
            });
        }
        Ok(lim)
    }

    /// The base URL, or `default` (the vendor's public cloud endpoint) when not configured.
    pub fn url_or(&self, instance: &str, default: Option<&str>) -> Result<String, ConfigError> {
        let u = match (&self.url, default) {
            (Some(u), _) => u.clone(),
            (None, Some(d)) => d.to_owned(),
            (None, None) => {
                return Err(ConfigError::Missing {
                    instance: instance.into(),
                    what: "url".into(),
                    why: "the base URL of the vendor API".into(),
                });
            }
        };
        if !(u.starts_with("https://") || u.starts_with("http://")) {
            return Err(ConfigError::Invalid {
                instance: instance.into(),
                what: "url".into(),
                why: format!("`{u}` must start with https:// (or http:// for a local emulator)"),
            });
        }
        Ok(u.trim_end_matches('/').to_owned())
    }

    /// Loads the named credential now (fails at start-up, not at the first call).
    pub fn secret(&self, instance: &str, name: &str, why: &str) -> Result<Secret, ConfigError> {
        let r = self
            .credentials
            .get(name)
            .ok_or_else(|| ConfigError::Missing {
                instance: instance.into(),
                what: format!("credentials.{name}"),
                why: format!(
                    "{why}; write `{name}: {{env: VARIABLE}}` or `{name}: {{file: /path}}`"
                ),
            })?;
        r.load().map_err(|e| ConfigError::Secret {
            instance: instance.into(),
            credential: name.into(),
            source: e,
        })
    }

    pub fn option_str(&self, name: &str) -> Option<&str> {
        self.options.get(name).and_then(|v| v.as_str())
    }

    pub fn option_strs(&self, name: &str) -> Vec<String> {
        match self.options.get(name) {
            Some(Json::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Some(Json::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }
}
