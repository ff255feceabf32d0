//! The vendor-neutral capabilities a playbook can call, and the parameters each takes.
//!
//! Playbooks name capabilities (`edr.isolate_host`); configuration binds each to a vendor
//! integration. This catalogue is the contract between the two: validation checks every call
//! against it, and every integration implements the operations it lists.

/// Where a templated string parameter ends up; values substituted into it are escaped for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dest {
    /// Plain text handed to an integration, which serialises it itself (JSON bodies, chat APIs).
    Text,
    /// Part of a URL: substituted values are percent-encoded.
    Url,
    /// The inside of a JSON document: substituted values are JSON-string escaped.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    String,
    /// One of a fixed set of strings.
    Enum(&'static [&'static str]),
    Int,
    Bool,
    /// A duration such as `30s`, `15m`, `24h`, `7d`.
    Duration,
    List,
    Map,
    /// Anything (lists of strings, maps, scalars).
    Any,
}

#[derive(Clone, Copy, Debug)]
pub struct Param {
    pub name: &'static str,
    pub ty: ParamType,
    pub required: bool,
    pub dest: Dest,
    pub doc: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Reads only: safe to run in dry-run and to retry.
    Read,
    /// Changes something outside Riposte: withheld in dry-run, journaled before it is sent.
    Mutate,
}

#[derive(Clone, Copy, Debug)]
pub struct Capability {
    pub name: &'static str,
    pub effect: Effect,
    pub params: &'static [Param],
    pub doc: &'static str,
}

impl Capability {
    pub fn mutates(&self) -> bool {
        self.effect == Effect::Mutate
    }
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

const fn p(name: &'static str, ty: ParamType, required: bool, doc: &'static str) -> Param {
    Param {
        name,
        ty,
        required,
        dest: Dest::Text,
        doc,
    }
}

use ParamType::*;

pub const INDICATOR_TYPES: &[&str] = &["ip", "cidr", "domain", "url"];
pub const SEVERITIES: &[&str] = &["info", "low", "medium", "high", "critical"];
pub const INTEL_TYPES: &[&str] = &["hash", "ip", "domain", "url"];

pub static CATALOGUE: &[Capability] = &[
    Capability {
        name: "edr.isolate_host",
        effect: Effect::Mutate,
        doc: "Contain a host through the EDR (network isolation). Skips a host already contained.",
        params: &[
            p("host", String, true, "host name as the EDR knows it"),
            p("comment", String, false, "why; shown in the EDR console"),
        ],
    },
    Capability {
        name: "edr.release_host",
        effect: Effect::Mutate,
        doc: "Lift containment of a host.",
        params: &[
            p("host", String, true, "host name"),
            p("comment", String, false, "why"),
        ],
    },
    Capability {
        name: "edr.host_info",
        effect: Effect::Read,
        doc: "Device facts from the EDR: id, OS, containment status, last user/owner.",
        params: &[p("host", String, true, "host name")],
    },
    Capability {
        name: "blocklist.add",
        effect: Effect::Mutate,
        doc: "Block a typed indicator on the perimeter (dynamic list, firewall API). Guarded: private, reserved and allow-listed values are refused.",
        params: &[
            p(
                "type",
                Enum(INDICATOR_TYPES),
                true,
                "ip, cidr, domain or url",
            ),
            p("value", String, true, "the indicator"),
            p(
                "ttl",
                Duration,
                false,
                "how long the entry lives (default from configuration)",
            ),
            p("reason", String, false, "why; kept with the entry"),
        ],
    },
    Capability {
        name: "blocklist.remove",
        effect: Effect::Mutate,
        doc: "Remove an indicator from the perimeter block lists.",
        params: &[
            p(
                "type",
                Enum(INDICATOR_TYPES),
                true,
                "ip, cidr, domain or url",
            ),
            p("value", String, true, "the indicator"),
        ],
    },
    Capability {
        name: "ticket.create",
        effect: Effect::Mutate,
        doc: "Open a ticket (TheHive alert/case, Jira issue, ServiceNow incident) carrying the run's findings. Idempotent per run.",
        params: &[
            p("title", String, true, "ticket title"),
            p("severity", Enum(SEVERITIES), false, "info..critical"),
            p(
                "description",
                String,
                false,
                "body; the run's facts, escalation and actions are appended",
            ),
            p("tags", List, false, "labels"),
        ],
    },
    Capability {
        name: "ticket.comment",
        effect: Effect::Mutate,
        doc: "Add a comment to the ticket this run opened (e.g. the containment actually taken).",
        params: &[p("text", String, true, "comment text")],
    },
    Capability {
        name: "chat.notify",
        effect: Effect::Mutate,
        doc: "Post a plain message to the SOC channel (Slack, Mattermost, Teams). The chat integration escapes alert text for its markup.",
        params: &[
            p("text", String, true, "message"),
            p("channel", String, false, "channel override"),
        ],
    },
    Capability {
        name: "siem.search",
        effect: Effect::Read,
        doc: "Run a raw query in the SIEM's own language (Elasticsearch query DSL JSON or KQL string, Splunk SPL).",
        params: &[
            p("query", Any, true, "the query"),
            p("index", String, false, "index pattern / Splunk index"),
            p("size", Int, false, "max hits (default 100)"),
        ],
    },
    Capability {
        name: "siem.related_alerts",
        effect: Effect::Read,
        doc: "Other alerts for the same host or user in a window around the alert.",
        params: &[
            p("host", String, false, "host name"),
            p("user", String, false, "user name"),
            p(
                "around",
                String,
                false,
                "timestamp the window is centred on (default: the alert's)",
            ),
            p(
                "window",
                Duration,
                false,
                "half-width of the window (default 24h)",
            ),
        ],
    },
    Capability {
        name: "siem.network_after",
        effect: Effect::Read,
        doc: "Network connections and DNS queries from the host (optionally the process) after the process started.",
        params: &[
            p("host", String, true, "host name"),
            p(
                "process_entity_id",
                String,
                false,
                "process GUID / entity id",
            ),
            p("pid", Int, false, "process id"),
            p(
                "after",
                String,
                false,
                "start timestamp (default: the alert's)",
            ),
            p("window", Duration, false, "how long after (default 15m)"),
        ],
    },
    Capability {
        name: "siem.process_events",
        effect: Effect::Read,
        doc: "Process starts on the host around the alert: the tree, siblings and rapid sequences.",
        params: &[
            p("host", String, true, "host name"),
            p("parent_entity_id", String, false, "restrict to one parent"),
            p("around", String, false, "timestamp (default: the alert's)"),
            p("window", Duration, false, "half-width (default 5m)"),
        ],
    },
    Capability {
        name: "siem.privilege_changes",
        effect: Effect::Read,
        doc: "Group membership and privilege changes for a user around the alert (Windows 4728/4732/4756/4672, Linux sudoers/usermod).",
        params: &[
            p("user", String, true, "user name"),
            p("around", String, false, "timestamp (default: the alert's)"),
            p("window", Duration, false, "half-width (default 7d)"),
        ],
    },
    Capability {
        name: "intel.lookup",
        effect: Effect::Read,
        doc: "Reputation of a file hash, domain, IP or URL (VirusTotal, MISP).",
        params: &[
            p("type", Enum(INTEL_TYPES), true, "hash, ip, domain or url"),
            p("value", String, true, "the indicator"),
        ],
    },
    Capability {
        name: "http.request",
        effect: Effect::Mutate,
        doc: "A generic HTTP call for anything else. Declared mutate: withheld in dry-run unless `read: true`.",
        params: &[
            p(
                "method",
                Enum(&["GET", "POST", "PUT", "PATCH", "DELETE"]),
                true,
                "HTTP method",
            ),
            Param {
                name: "url",
                ty: String,
                required: true,
                dest: Dest::Url,
                doc: "URL; substituted values are percent-encoded",
            },
            p(
                "headers",
                Map,
                false,
                "extra headers; values may reference secrets as ${env:NAME}",
            ),
            Param {
                name: "body",
                ty: Any,
                required: false,
                dest: Dest::Json,
                doc: "JSON body: a mapping, or a JSON template string",
            },
            p(
                "read",
                Bool,
                false,
                "true when the call only reads (then it runs in dry-run)",
            ),
        ],
    },
];

pub fn find(name: &str) -> Option<&'static Capability> {
    CATALOGUE.iter().find(|c| c.name == name)
}

pub fn names() -> Vec<&'static str> {
    CATALOGUE.iter().map(|c| c.name).collect()
}
