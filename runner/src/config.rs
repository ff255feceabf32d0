//! The runner's configuration file (YAML): where data lives, which playbooks run, which vendor
//! backs each capability, the alert sources and drills of the daemon, the HTTP server.
//!
//! Parsing reports `file:line:column` and what to fix; secrets are only ever references
//! (`{env: NAME}` / `{file: PATH}`), never inline values.

use anyhow::{Context, Result};
use integrations::Registry;
use integrations::config::InstanceConfig;
use integrations::vendors::{self, BuildEnv};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where runs, journals, cursors and the audit log live.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Playbook files or directories (relative paths are relative to the configuration file).
    #[serde(default)]
    pub playbooks: Vec<PathBuf>,
    /// Integration instances by name.
    #[serde(default)]
    pub integrations: BTreeMap<String, InstanceConfig>,
    /// Capability → integration instance name.
    #[serde(default)]
    pub capabilities: BTreeMap<String, String>,
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
    #[serde(default)]
    pub drills: Vec<DrillConfig>,
    #[serde(default)]
    pub retention: RetentionConfig,
    #[serde(default)]
    pub limits: RunLimits,
    /// Chat approvals: who is in which group, and where approval requests are posted.
    #[serde(default)]
    pub approvals: ApprovalsConfig,
}

/// `approvals:`: approver groups and the chat providers approval requests go to.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalsConfig {
    /// The base URL chat users and chat servers reach this daemon at (behind the reverse proxy),
    /// e.g. `https://riposte.example`. Needed for Mattermost callbacks and Teams links.
    #[serde(default)]
    pub public_url: Option<String>,
    /// HMAC key signing Mattermost button tokens and Teams approval links (32+ random bytes).
    #[serde(default)]
    pub key: Option<integrations::secret::SecretRef>,
    /// `group:NAME` in a playbook's `approvers` → these identities (`slack:U…`,
    /// `mattermost:<user id>`, `email:a@b`, or a plain id matching any provider).
    #[serde(default)]
    pub groups: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub slack: Option<SlackApprovalsConfig>,
    #[serde(default)]
    pub mattermost: Option<MattermostApprovalsConfig>,
    #[serde(default)]
    pub teams: Option<TeamsApprovalsConfig>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackApprovalsConfig {
    /// Web API base URL (default `https://slack.com`).
    #[serde(default)]
    pub url: Option<String>,
    /// Bot token (`xoxb-…`, scope `chat:write`).
    pub bot_token: integrations::secret::SecretRef,
    /// The app's signing secret: verifies `POST /hooks/slack`.
    pub signing_secret: integrations::secret::SecretRef,
    /// Channel id or name approval requests are posted to.
    pub channel: String,
    /// `response_url`s are only followed when they start with this (default
    /// `https://hooks.slack.com/`).
    #[serde(default)]
    pub response_url_prefix: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MattermostApprovalsConfig {
    /// Server base URL, e.g. `https://mm.example.org`.
    pub url: String,
    /// Bot account access token.
    pub bot_token: integrations::secret::SecretRef,
    /// Channel id approval requests are posted to.
    pub channel_id: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamsApprovalsConfig {
    /// Workflows webhook URL ("When a Teams webhook request is received").
    pub webhook_url: integrations::secret::SecretRef,
    /// A header set by an authenticating reverse proxy in front of `/approve/` (e.g.
    /// `X-Forwarded-Email`) naming the approver; without it the page asks for an email.
    #[serde(default)]
    pub identity_header: Option<String>,
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("./riposte-data")
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// `/healthz`, `/readyz`, `/metrics`, `/edl/*`, `/alerts`, approval hooks.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Bearer token for `POST /alerts` (push source) and the operator API.
    #[serde(default)]
    pub token: Option<integrations::secret::SecretRef>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
            token: None,
        }
    }
}

fn default_listen() -> String {
    "127.0.0.1:8686".into()
}

/// One alert source of the daemon. Which keys apply depends on `type`; `problems()` checks
/// that each type has what it needs.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Unique name; part of each run id (dedup key) and of the cursor key.
    pub name: String,
    #[serde(rename = "type")]
    pub kind: SourceType,
    /// Cron expression with seconds: `sec min hour day-of-month month day-of-week`.
    #[serde(default = "default_schedule")]
    pub schedule: String,
    /// directory / file: where alert files are.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// kibana / elasticsearch / splunk: base URL.
    #[serde(default)]
    pub url: Option<String>,
    /// elasticsearch: index pattern.
    #[serde(default)]
    pub index: Option<String>,
    /// elasticsearch: extra filter (query DSL); splunk: the SPL search (default
    /// ``search `notable` ``).
    #[serde(default)]
    pub query: Option<serde_json::Value>,
    /// elasticsearch: the time field the cursor follows (`@timestamp`; Wazuh: `timestamp`).
    #[serde(default)]
    pub time_field: Option<String>,
    /// kibana: space id.
    #[serde(default)]
    pub space: Option<String>,
    #[serde(default)]
    pub credentials: BTreeMap<String, integrations::secret::SecretRef>,
    /// Alerts per poll.
    #[serde(default = "default_batch")]
    pub batch: usize,
    /// kibana: mark alerts `acknowledged` once their runs exist.
    #[serde(default = "yes")]
    pub acknowledge: bool,
}

fn default_schedule() -> String {
    "*/30 * * * * *".into()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceType {
    /// A directory of alert files, each file taken once.
    Directory,
    /// One JSON-lines file, read on from the last byte offset.
    File,
    /// Elastic Security detection alerts through Kibana.
    Kibana,
    /// An Elasticsearch/OpenSearch index read with `search_after`.
    Elasticsearch,
    /// Splunk ES notables through a search job.
    Splunk,
    /// Alerts pushed to `POST /alerts` with the server token.
    Push,
}

fn default_batch() -> usize {
    500
}
fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrillConfig {
    pub name: String,
    pub schedule: String,
    pub playbook: String,
    /// Alert fixture files or directories.
    pub alerts: Vec<PathBuf>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionConfig {
    /// Finished runs older than this are removed (the audit log is kept), e.g. `90d`.
    #[serde(default)]
    pub runs: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunLimits {
    /// Runs executing at once.
    #[serde(default = "default_concurrent")]
    pub concurrent_runs: usize,
    /// Seconds to finish in-flight steps after SIGTERM.
    #[serde(default = "default_grace")]
    pub shutdown_grace: String,
}

impl Default for RunLimits {
    fn default() -> Self {
        RunLimits {
            concurrent_runs: default_concurrent(),
            shutdown_grace: default_grace(),
        }
    }
}
fn default_concurrent() -> usize {
    16
}
fn default_grace() -> String {
    "30s".into()
}

/// A loaded configuration and the file it came from.
pub struct Loaded {
    pub path: PathBuf,
    pub config: Config,
}

impl Loaded {
    /// A path from the configuration, made absolute relative to the configuration file.
    pub fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_owned()
        } else {
            self.path.parent().unwrap_or(Path::new(".")).join(p)
        }
    }
}

pub fn load(path: &Path) -> Result<Loaded> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the configuration {}", path.display()))?;
    let config: Config = serde_saphyr::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}\n  the configuration keys are described in README.md (section Configuration); `riposte config check --config {}` re-checks",
            path.display(),
            path.display()
        )
    })?;
    let mut l = Loaded {
        path: path.to_owned(),
        config,
    };
    // Secret files named relative to the configuration are relative to its directory.
    let base = l.path.parent().unwrap_or(Path::new(".")).to_owned();
    let fix = |r: &mut integrations::secret::SecretRef| {
        if let integrations::secret::SecretRef::File(p) = r
            && p.is_relative()
        {
            *p = base.join(&*p);
        }
    };
    if let Some(t) = l.config.server.token.as_mut() {
        fix(t);
    }
    for i in l.config.integrations.values_mut() {
        i.credentials.values_mut().for_each(fix);
    }
    for s in l.config.sources.iter_mut() {
        s.credentials.values_mut().for_each(fix);
    }
    let a = &mut l.config.approvals;
    if let Some(k) = a.key.as_mut() {
        fix(k);
    }
    if let Some(sl) = a.slack.as_mut() {
        fix(&mut sl.bot_token);
        fix(&mut sl.signing_secret);
    }
    if let Some(m) = a.mattermost.as_mut() {
        fix(&mut m.bot_token);
    }
    if let Some(t) = a.teams.as_mut() {
        fix(&mut t.webhook_url);
    }
    let a = &mut l.config.approvals;
    if let Some(k) = a.key.as_mut() {
        fix(k);
    }
    if let Some(s) = a.slack.as_mut() {
        fix(&mut s.bot_token);
        fix(&mut s.signing_secret);
    }
    if let Some(m) = a.mattermost.as_mut() {
        fix(&mut m.bot_token);
    }
    if let Some(t) = a.teams.as_mut() {
        fix(&mut t.webhook_url);
    }
    Ok(l)
}

/// Every semantic problem of a parsed configuration (each with what to do).
pub fn problems(l: &Loaded) -> Vec<String> {
    let c = &l.config;
    let mut out = Vec::new();
    for (cap, inst) in &c.capabilities {
        if playbooks::capabilities::find(cap).is_none() {
            out.push(format!(
                "capabilities: `{cap}` is not a capability; known: {}",
                playbooks::capabilities::names().join(", ")
            ));
        }
        if !c.integrations.contains_key(inst) {
            out.push(format!(
                "capabilities: `{cap}` is bound to `{inst}`, which is not defined under `integrations:`"
            ));
        }
    }
    let mut names = std::collections::HashSet::new();
    for s in &c.sources {
        if !names.insert(&s.name) {
            out.push(format!("sources: the name `{}` is used twice; names must be unique (they key cursors and run ids)", s.name));
        }
        if let Err(e) = playbooks::load::validate_cron(&s.schedule) {
            out.push(format!("sources.{}: schedule `{}` {e}", s.name, s.schedule));
        }
        let need = |what: &str, present: bool, out: &mut Vec<String>| {
            if !present {
                out.push(format!(
                    "sources.{}: a {:?} source needs `{what}`",
                    s.name, s.kind
                ));
            }
        };
        match s.kind {
            SourceType::Directory | SourceType::File => need("path", s.path.is_some(), &mut out),
            SourceType::Kibana => need("url", s.url.is_some(), &mut out),
            SourceType::Splunk => need("url", s.url.is_some(), &mut out),
            SourceType::Elasticsearch => {
                need("url", s.url.is_some(), &mut out);
                need("index", s.index.is_some(), &mut out);
            }
            SourceType::Push => {
                if c.server.token.is_none() {
                    out.push(format!("sources.{}: a push source needs `server.token` (a bearer token reference) so only your SIEM can post alerts", s.name));
                }
            }
        }
    }
    for d in &c.drills {
        if let Err(e) = playbooks::load::validate_cron(&d.schedule) {
            out.push(format!("drills.{}: schedule `{}` {e}", d.name, d.schedule));
        }
    }
    if let Some(r) = &c.retention.runs
        && playbooks::duration::parse(r).is_err()
    {
        out.push(format!(
            "retention.runs: `{r}` is not a duration; write e.g. `90d`"
        ));
    }
    if playbooks::duration::parse(&c.limits.shutdown_grace).is_err() {
        out.push(format!(
            "limits.shutdown_grace: `{}` is not a duration; write e.g. `30s`",
            c.limits.shutdown_grace
        ));
    }
    let a = &c.approvals;
    if a.mattermost.is_some() || a.teams.is_some() {
        if a.public_url
            .as_deref()
            .is_none_or(|u| !(u.starts_with("https://") || u.starts_with("http://")))
        {
            out.push("approvals.public_url: Mattermost callbacks and Teams links need the URL chat reaches this daemon at, e.g. `https://riposte.example`".into());
        }
        if a.key.is_none() {
            out.push("approvals.key: Mattermost tokens and Teams links are signed: give a key reference, e.g. `{env: RIPOSTE_APPROVAL_KEY}` (32+ random bytes)".into());
        }
    }
    for (g, members) in &a.groups {
        if members.is_empty() {
            out.push(format!(
                "approvals.groups.{g}: the group is empty; nobody could approve for it"
            ));
        }
    }
    if c.server.listen.parse::<std::net::SocketAddr>().is_err() {
        out.push(format!(
            "server.listen: `{}` is not an address; write e.g. `127.0.0.1:8686`",
            c.server.listen
        ));
    }
    out
}

/// Builds every configured integration and binds the capabilities. Credentials are loaded now,
/// so a missing secret fails at start-up with its name, not at 3 a.m. at the first call.
pub fn registry(l: &Loaded, env: &BuildEnv) -> Result<Registry> {
    let c = &l.config;
    let mut built = BTreeMap::new();
    let mut errs = Vec::new();
    for (name, ic) in &c.integrations {
        match vendors::build(name, ic, env) {
            Ok(i) => {
                built.insert(name.clone(), i);
            }
            Err(e) => errs.push(e.to_string()),
        }
    }
    let mut reg = Registry::default();
    for (cap, inst) in &c.capabilities {
        if let Some(i) = built.get(inst)
            && let Err(e) = reg.bind(cap, i.clone())
        {
            errs.push(format!("capabilities: {e}"));
        }
    }
    if !errs.is_empty() {
        anyhow::bail!(
            "{}: {} problem(s):\n  {}",
            l.path.display(),
            errs.len(),
            errs.join("\n  ")
        );
    }
    Ok(reg)
}
