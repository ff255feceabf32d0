//! Guards shared by every blocking integration (`blocklist.add` / `blocklist.remove`).
//!
//! Before any vendor is asked to block something, the value is parsed, normalised and refused
//! (permanently, with the reason) when it is:
//! - malformed (not an address, a CIDR, a host name or an http(s) URL of the declared type);
//! - a private, loopback, link-local, CGNAT, multicast, documentation, benchmarking or otherwise
//!   reserved address, or a CIDR overlapping such a range;
//! - a CIDR wider than `options.widest_prefix_v4` (default /24) or `options.widest_prefix_v6`
//!   (default /48);
//! - inside `options.allow_networks` (or a CIDR overlapping one), or a domain/URL host inside
//!   `options.allow_domains` (an entry covers its subdomains; blocking a parent of an
//!   allow-listed domain is refused too, since it would block the allow-listed one).
//!
//! Additions are also capped per integration instance: at most `options.max_per_hour` (default
//! 50) `blocklist.add` calls in any rolling hour. Over the cap the call fails as needs-human
//! ("needs approval"): a mass-blocking loop stops and waits for an analyst. The count is kept in
//! the store when the runner provides one (so a restart does not reset it) and in memory
//! otherwise; each entry counts once however often it is retried or blocked again by other runs
//! (keyed by the normalised indicator): the cap bounds how much is blocked, not how often.
//! Removals are never capped.

use crate::config::{ConfigError, InstanceConfig};
use crate::vendors::BuildEnv;
use ipnet::IpNet;
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use playbooks::funcs::{domain_in, is_public_ip};
use serde_json::Value as Json;
use std::net::IpAddr;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

/// The declared type of an indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Ip,
    Cidr,
    Domain,
    Url,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "ip" => Some(Kind::Ip),
            "cidr" => Some(Kind::Cidr),
            "domain" => Some(Kind::Domain),
            "url" => Some(Kind::Url),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ip => "ip",
            Kind::Cidr => "cidr",
            Kind::Domain => "domain",
            Kind::Url => "url",
        }
    }
    /// The built-in list the kind goes to: addresses and CIDRs share the `ip` list.
    pub fn list(self) -> &'static str {
        match self {
            Kind::Ip | Kind::Cidr => "ip",
            Kind::Domain => "domain",
            Kind::Url => "url",
        }
    }
}

/// A checked, normalised indicator.
#[derive(Clone, Debug, PartialEq)]
pub struct Indicator {
    pub kind: Kind,
    /// Normalised: canonical address text, CIDR truncated to its network, domain in lower case
    /// without a trailing dot, URL without its scheme and with its host in lower case.
    pub value: String,
    /// The network of an `ip` (as /32 or /128) or `cidr` indicator.
    pub net: Option<IpNet>,
}

/// Ranges that are never blocked: RFC 6890 special-purpose and documentation ranges.
static RESERVED: LazyLock<Vec<IpNet>> = LazyLock::new(|| {
    [
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/128",
        "::1/128",
        "::ffff:0:0/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    ]
    .iter()
    .map(|s| s.parse().expect("static network"))
    .collect()
});

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// The guard configuration and hourly counter of one blocking instance.
pub struct Guard {
    instance: String,
    allow_networks: Vec<IpNet>,
    allow_domains: Vec<String>,
    widest_v4: u8,
    widest_v6: u8,
    max_per_hour: u64,
    default_ttl: Option<Duration>,
    store: Option<state::Store>,
    /// (unix seconds, call key) of recent additions when there is no store.
    mem: Mutex<Vec<(i64, String)>>,
}

fn invalid(instance: &str, what: &str, why: String) -> ConfigError {
    ConfigError::Invalid {
        instance: instance.into(),
        what: format!("options.{what}"),
        why,
    }
}

fn opt_u64(
    instance: &str,
    cfg: &InstanceConfig,
    name: &str,
    default: u64,
    max: u64,
) -> Result<u64, ConfigError> {
    match cfg.options.get(name) {
        None => Ok(default),
        Some(v) => v.as_u64().filter(|n| *n <= max).ok_or_else(|| {
            invalid(
                instance,
                name,
                format!("`{v}` must be a whole number from 0 to {max}"),
            )
        }),
    }
}

impl Guard {
    /// Reads `allow_networks`, `allow_domains`, `widest_prefix_v4`, `widest_prefix_v6`,
    /// `max_per_hour` and `default_ttl` from the instance options.
    pub fn from_config(
        instance: &str,
        cfg: &InstanceConfig,
        env: &BuildEnv,
    ) -> Result<Guard, ConfigError> {
        let mut allow_networks = Vec::new();
        for s in cfg.option_strs("allow_networks") {
            let n = s
                .trim()
                .parse::<IpNet>()
                .or_else(|_| s.trim().parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    invalid(
                        instance,
                        "allow_networks",
                        format!("`{s}` is not an address or CIDR"),
                    )
                })?;
            allow_networks.push(n.trunc());
        }
        let mut allow_domains = Vec::new();
        for s in cfg.option_strs("allow_domains") {
            let d = s.trim().trim_start_matches("*.");
            let d = normal_domain(d).map_err(|why| invalid(instance, "allow_domains", why))?;
            allow_domains.push(d);
        }
        let default_ttl = match cfg.option_str("default_ttl") {
            None => None,
            Some(s) => Some(playbooks::duration::parse(s).map_err(|e| {
                invalid(
                    instance,
                    "default_ttl",
                    format!("{e}; write e.g. `24h` or `7d`"),
                )
            })?),
        };
        Ok(Guard {
            instance: instance.to_owned(),
            allow_networks,
            allow_domains,
            widest_v4: opt_u64(instance, cfg, "widest_prefix_v4", 24, 32)? as u8,
            widest_v6: opt_u64(instance, cfg, "widest_prefix_v6", 48, 128)? as u8,
            max_per_hour: opt_u64(instance, cfg, "max_per_hour", 50, 1_000_000)?,
            default_ttl,
            store: env.store.clone(),
            mem: Mutex::new(Vec::new()),
        })
    }

    /// Checks and normalises one indicator to be added; the error is the reason it is refused.
    pub fn check(&self, kind: &str, value: &str) -> Result<Indicator, String> {
        self.check_with(kind, value, true)
    }

    /// Parses and normalises an indicator to be removed: malformed values are refused, but
    /// policy (reserved ranges, allow-lists, width) is not applied, so an entry added before the
    /// policy changed can still be removed.
    pub fn normalise(&self, kind: &str, value: &str) -> Result<Indicator, String> {
        self.check_with(kind, value, false)
    }

    fn check_with(&self, kind: &str, value: &str, policy: bool) -> Result<Indicator, String> {
        let k = Kind::parse(kind).ok_or_else(|| {
            format!("unknown indicator type `{kind}`; use ip, cidr, domain or url")
        })?;
        let v = value.trim();
        if v.is_empty() {
            return Err("the value is empty".into());
        }
        if v.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(format!(
                "{} `{}` contains whitespace or control characters",
                k.as_str(),
                v.escape_debug()
            ));
        }
        match k {
            Kind::Ip => {
                if v.contains('/') {
                    return Err(format!("`{v}` is a CIDR; declare it with type: cidr"));
                }
                let a: IpAddr = v
                    .parse()
                    .map_err(|_| format!("`{v}` is not an IP address"))?;
                let a = a.to_canonical();
                let n = IpNet::from(a);
                if policy {
                    self.check_net(&n, v)?;
                }
                Ok(Indicator {
                    kind: k,
                    value: a.to_string(),
                    net: Some(n),
                })
            }
            Kind::Cidr => {
                let n: IpNet = match v.parse::<IpNet>() {
                    Ok(n) => n.trunc(),
                    Err(_) => return Err(format!("`{v}` is not a CIDR (address/prefix)")),
                };
                let widest = if n.addr().is_ipv4() {
                    self.widest_v4
                } else {
                    self.widest_v6
                };
                if policy && n.prefix_len() < widest {
                    return Err(format!(
                        "{n} is wider than /{widest}, the widest range this integration blocks (options.widest_prefix_{})",
                        if n.addr().is_ipv4() { "v4" } else { "v6" }
                    ));
                }
                if policy {
                    self.check_net(&n, v)?;
                }
                Ok(Indicator {
                    kind: k,
                    value: n.to_string(),
                    net: Some(n),
                })
            }
            Kind::Domain => {
                let (wild, rest) = match v.strip_prefix("*.") {
                    Some(r) => (true, r),
                    None => (false, v),
                };
                if rest.parse::<IpAddr>().is_ok() {
                    return Err(format!("`{v}` is an IP address; declare it with type: ip"));
                }
                let d = normal_domain(rest)?;
                if policy {
                    self.check_domain(&d)?;
                }
                Ok(Indicator {
                    kind: k,
                    value: if wild { format!("*.{d}") } else { d },
                    net: None,
                })
            }
            Kind::Url => self.check_url(v, policy),
        }
    }

    fn check_net(&self, n: &IpNet, shown: &str) -> Result<(), String> {
        if let Some(r) = RESERVED.iter().find(|r| overlaps(r, n)) {
            return Err(format!(
                "{shown} is or overlaps a private/reserved range ({r}): loopback, private, link-local, documentation and other special-purpose addresses are never blocked"
            ));
        }
        if n.prefix_len() == n.max_prefix_len() && !is_public_ip(&n.addr().to_string()) {
            return Err(format!("{shown} is not a public address"));
        }
        if let Some(a) = self.allow_networks.iter().find(|a| overlaps(a, n)) {
            return Err(format!(
                "{shown} is inside the allow-list ({a} in options.allow_networks)"
            ));
        }
        Ok(())
    }

    fn check_domain(&self, d: &str) -> Result<(), String> {
        if domain_in(d, &self.allow_domains) {
            return Err(format!(
                "{d} is covered by the allow-list (options.allow_domains)"
            ));
        }
        let me = [d.to_owned()];
        if let Some(a) = self.allow_domains.iter().find(|a| domain_in(a, &me)) {
            return Err(format!(
                "blocking {d} would also block the allow-listed {a} (options.allow_domains)"
            ));
        }
        Ok(())
    }

    fn check_url(&self, v: &str, policy: bool) -> Result<Indicator, String> {
        if v.len() > 2048 {
            return Err("the URL is longer than 2048 characters".into());
        }
        let lower = v.to_ascii_lowercase();
        let rest = if lower.starts_with("http://") {
            &v[7..]
        } else if lower.starts_with("https://") {
            &v[8..]
        } else if v.contains("://") {
            return Err(format!("`{v}` is not an http(s) URL"));
        } else {
            v
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        if authority.contains('@') || authority.contains('\\') {
            return Err(format!(
                "`{v}` carries credentials or a backslash in its host part; refusing an ambiguous URL"
            ));
        }
        let host = if let Some(h) = authority.strip_prefix('[') {
            h.split(']').next().unwrap_or_default()
        } else {
            authority.split(':').next().unwrap_or_default()
        };
        if host.is_empty() {
            return Err(format!("`{v}` has no host"));
        }
        let host_norm = if let Ok(a) = host.parse::<IpAddr>() {
            if policy {
                self.check_net(&IpNet::from(a.to_canonical()), host)?;
            }
            authority.to_ascii_lowercase()
        } else {
            let d = normal_domain(host)?;
            if policy {
                self.check_domain(&d)?;
            }
            authority
                .to_ascii_lowercase()
                .replacen(&host.to_ascii_lowercase(), &d, 1)
        };
        Ok(Indicator {
            kind: Kind::Url,
            value: format!("{host_norm}{path}"),
            net: None,
        })
    }

    /// A call's `type` and `value`, checked ([`Guard::check`]) for `blocklist.add` and only
    /// normalised ([`Guard::normalise`]) for `blocklist.remove`; refusals are permanent failures.
    pub fn check_req(&self, req: &CallRequest) -> Result<Indicator, Outcome> {
        let kind = crate::required(req, "type")?;
        let value = crate::required(req, "value")?;
        let add = req.capability == "blocklist.add";
        self.check_with(kind, value, add)
            .map_err(|why| Outcome::Failed {
                class: ErrorClass::Permanent,
                message: format!("{}: refused by the blocking guard: {why}", self.instance),
            })
    }

    /// Validation-time check of literal values (templated values are checked at call time).
    pub fn check_params(&self, capability: &str, params: &Json) -> Result<(), String> {
        let kind = params.get("type").and_then(|v| v.as_str());
        let value = params.get("value").and_then(|v| v.as_str());
        let add = capability == "blocklist.add";
        match (kind, value) {
            (Some(k), Some(v)) if !templated(k) && !templated(v) => {
                self.check_with(k, v, add).map(|_| ())
            }
            _ => Ok(()),
        }
    }

    /// The entry lifetime: the call's `ttl`, else `options.default_ttl`, else none.
    pub fn ttl(&self, req: &CallRequest) -> Result<Option<Duration>, Outcome> {
        match crate::param(req, "ttl") {
            Some(s) => playbooks::duration::parse(s)
                .map(Some)
                .map_err(|e| Outcome::Failed {
                    class: ErrorClass::Permanent,
                    message: format!("{}: `ttl` {e}; write e.g. `24h`", self.instance),
                }),
            None => Ok(self.default_ttl),
        }
    }

    /// Counts one addition against the hourly cap; over the cap → needs-human. The cap bounds
    /// how many distinct entries are added: the count is keyed by the normalised indicator, so
    /// a retried call, or another run blocking what is already blocked, counts once.
    pub fn admit(&self, req: &CallRequest) -> Result<(), Outcome> {
        let now = chrono::Utc::now().timestamp();
        let key = &match self.check_req(req) {
            // An address and its /32 (or /128) are the same entry.
            Ok(Indicator { net: Some(n), .. }) => format!("net:{n}"),
            // Already normalised (domains and URL hosts in lower case; a URL's path keeps its
            // case, since `/Payload` and `/payload` are different entries).
            Ok(i) => format!("{:?}:{}", i.kind, i.value),
            Err(_) => req.idempotency_key.clone(),
        };
        let over = match &self.store {
            Some(s) => match s.block_rate_note(&self.instance, key, now, 3600, self.max_per_hour) {
                Ok(state::edl::RateNote::Admitted { .. }) => None,
                Ok(state::edl::RateNote::OverCap { count }) => Some(count),
                Err(e) => {
                    return Err(Outcome::Failed {
                        class: ErrorClass::Retryable,
                        message: format!(
                            "{}: cannot count blocks for the hourly cap: {e}",
                            self.instance
                        ),
                    });
                }
            },
            None => {
                let mut m = self.mem.lock().expect("guard counter lock");
                m.retain(|(at, _)| *at > now - 3600);
                if m.iter().any(|(_, k)| k == key) {
                    None
                } else if m.len() as u64 >= self.max_per_hour {
                    Some(m.len() as u64)
                } else {
                    m.push((now, key.clone()));
                    None
                }
            }
        };
        match over {
            None => Ok(()),
            Some(count) => Err(Outcome::Failed {
                class: ErrorClass::NeedsHuman,
                message: format!(
                    "{}: blocking cap reached: {count} entries added in the last hour (options.max_per_hour = {}); this block needs approval by an analyst",
                    self.instance, self.max_per_hour
                ),
            }),
        }
    }
}

fn templated(s: &str) -> bool {
    s.contains("{{") || s.contains("${")
}

/// A host name in lower case without a trailing dot, or why it is not one.
fn normal_domain(d: &str) -> Result<String, String> {
    let d = d.trim_end_matches('.').to_ascii_lowercase();
    if !d.is_ascii() {
        return Err(format!(
            "`{d}` is not ASCII; write internationalised names in punycode (xn--…)"
        ));
    }
    if d.is_empty() || d.len() > 253 {
        return Err(format!(
            "`{d}` is not a valid host name (1 to 253 characters)"
        ));
    }
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() < 2 {
        return Err(format!(
            "`{d}` is a single label (a top-level domain or a local name); refusing to block it"
        ));
    }
    for l in &labels {
        let ok = !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            return Err(format!("`{d}` is not a valid host name (label `{l}`)"));
        }
    }
    let tld = labels[labels.len() - 1];
    if tld.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{d}` is not a valid host name (numeric top-level label)"
        ));
    }
    Ok(d)
}
