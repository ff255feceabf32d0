//! What the four EDR clients (CrowdStrike, Defender for Endpoint, SentinelOne, Elastic Defend)
//! share: the isolate / release / host-info flow, containment states, polling, and the
//! "not found" / "several matches" answers. Each vendor module implements [`Backend`] (how to
//! find a device, send the action, and read its progress); [`Edr`] turns that into an
//! [`Integration`].
//!
//! Flow of `edr.isolate_host` (release is symmetrical):
//! 1. find the device by host name (exact, case-insensitive match on the vendor's host name;
//!    none → needs-human, several → needs-human; never a guess);
//! 2. already contained or containment pending → `{"already": true, …}` and nothing is posted;
//! 3. post the action, then poll its progress a bounded number of times (`poll_attempts`,
//!    `poll_interval` options); the result says whether the vendor confirmed it (`confirmed`).

use crate::config::{ConfigError, InstanceConfig};
use crate::http::{HttpClient, Req};
use crate::{BoxFuture, Ctx, Integration, Reconciled, param, required};
use playbooks::engine::{CallRequest, ErrorClass, Outcome};
use serde_json::{Value as Json, json};
use std::future::Future;
use std::time::Duration;

pub(super) const CAPABILITIES: &[&str] = &["edr.isolate_host", "edr.release_host", "edr.host_info"];

/// The placeholder for the device id a call looks up first (in `render`).
pub(super) const DEVICE_ID: &str = "<device id>";
/// The placeholder for the action id the vendor assigns (in `render`).
pub(super) const ACTION_ID: &str = "<action id>";

/// Where a device stands with respect to network containment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Containment {
    Contained,
    ContainPending,
    Released,
    ReleasePending,
    /// A status this client does not know: neither skipped nor reconciled as done.
    Other,
}

impl Containment {
    fn contained_or_pending(self) -> bool {
        matches!(self, Containment::Contained | Containment::ContainPending)
    }
    fn released_or_pending(self) -> bool {
        matches!(self, Containment::Released | Containment::ReleasePending)
    }
}

/// One device as the vendor describes it.
#[derive(Clone, Debug)]
pub(super) struct Device {
    pub id: String,
    pub hostname: String,
    pub state: Containment,
    /// The vendor's own status word (`contained`, `disconnected`, …).
    pub status: String,
    /// Facts for `edr.host_info` (OS, last seen, addresses…).
    pub facts: Json,
}

/// The answer of a host-name lookup.
pub(super) enum Found {
    One(Device),
    None,
    /// The ids of every matching device.
    Many(Vec<String>),
}

/// Keeps the devices whose host name equals `host` (case-insensitive) and says whether exactly
/// one is left. Vendors' filters may be broader than equality (prefix, wildcard, like); this is
/// the final word.
pub(super) fn pick<T>(host: &str, items: Vec<T>, name_of: impl Fn(&T) -> Vec<String>) -> Picked<T> {
    let mut hits: Vec<T> = items
        .into_iter()
        .filter(|d| name_of(d).iter().any(|n| n.eq_ignore_ascii_case(host)))
        .collect();
    match hits.len() {
        0 => Picked::None,
        1 => Picked::One(hits.remove(0)),
        _ => Picked::Many(hits),
    }
}

pub(super) enum Picked<T> {
    One(T),
    None,
    Many(Vec<T>),
}

/// The progress of a posted action.
pub(super) enum Progress {
    /// Still running; the vendor's status word.
    Pending(String),
    /// In effect; the vendor's status word.
    Done(String),
    /// The vendor reports the action failed (its status word or message).
    Failed(String),
}

/// One vendor's way of finding devices and containing them.
pub(super) trait Backend: Send + Sync + 'static {
    /// `crowdstrike`, `mde`, …
    const VENDOR: &'static str;
    /// For messages: `CrowdStrike Falcon`, …
    const LABEL: &'static str;

    fn http(&self) -> &HttpClient;

    /// Finds the device named `host`.
    fn find(&self, ctx: &Ctx, host: &str) -> impl Future<Output = Result<Found, Outcome>> + Send;

    /// Posts the containment (`isolate`) or its release; returns the vendor's action id if it
    /// assigns one.
    fn act(
        &self,
        ctx: &Ctx,
        dev: &Device,
        isolate: bool,
        comment: &str,
    ) -> impl Future<Output = Result<Option<String>, Outcome>> + Send;

    /// Reads how far the action got.
    fn progress(
        &self,
        ctx: &Ctx,
        dev: &Device,
        isolate: bool,
        action: Option<&str>,
    ) -> impl Future<Output = Result<Progress, Outcome>> + Send;

    /// The requests of a lookup of `host` (for `render`).
    fn render_find(&self, host: &str) -> Vec<Req>;
    /// The action request and one progress request (for `render`).
    fn render_act(&self, isolate: bool, comment: &str) -> Vec<Req>;
}

/// Polling of an action's progress (options `poll_attempts`, `poll_interval`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Poll {
    pub attempts: u32,
    pub interval: Duration,
}

pub(super) fn poll_options(instance: &str, cfg: &InstanceConfig) -> Result<Poll, ConfigError> {
    let invalid = |what: &str, why: String| ConfigError::Invalid {
        instance: instance.into(),
        what: format!("options.{what}"),
        why,
    };
    let attempts = match cfg.options.get("poll_attempts") {
        None => 10,
        Some(v) => v.as_u64().filter(|n| *n <= 1000).ok_or_else(|| {
            invalid(
                "poll_attempts",
                format!("`{v}` must be a whole number from 0 to 1000"),
            )
        })? as u32,
    };
    let interval = match cfg.options.get("poll_interval") {
        None => Duration::from_secs(3),
        Some(v) => v
            .as_str()
            .and_then(|s| playbooks::duration::parse(s).ok())
            .ok_or_else(|| {
                invalid(
                    "poll_interval",
                    format!("`{v}` is not a duration; write e.g. `500ms`, `3s`"),
                )
            })?,
    };
    Ok(Poll { attempts, interval })
}

/// Removes the percent-encoding of placeholders that ended up in a rendered query string.
fn unescape_placeholders(url: &str) -> String {
    let mut u = url.to_owned();
    for p in [DEVICE_ID, ACTION_ID] {
        u = u.replace(&crate::http::enc(p), p);
    }
    u
}

/// A vendor client serving the EDR capabilities through its [`Backend`].
pub(super) struct Edr<B: Backend> {
    pub name: String,
    pub backend: B,
    pub poll: Poll,
}

fn needs_human(message: String) -> Outcome {
    Outcome::Failed {
        class: ErrorClass::NeedsHuman,
        message,
    }
}

impl<B: Backend> Edr<B> {
    fn not_found(&self, host: &str) -> String {
        format!(
            "host `{host}` not found in {} (integration `{}`); check the host name in the alert and contain or release it by hand in the console",
            B::LABEL,
            self.name
        )
    }

    fn many(&self, host: &str, ids: &[String]) -> String {
        format!(
            "host `{host}` matches {} devices in {} (integration `{}`: ids {}); decide which one in the console, nothing was sent",
            ids.len(),
            B::LABEL,
            self.name,
            ids.join(", ")
        )
    }

    fn comment(req: &CallRequest) -> String {
        match param(req, "comment") {
            Some(c) if !c.trim().is_empty() => c.to_owned(),
            _ => format!("Riposte playbook step {}", req.key),
        }
    }

    async fn device(&self, ctx: &Ctx, host: &str) -> Result<Device, Outcome> {
        match self.backend.find(ctx, host).await? {
            Found::One(d) => Ok(d),
            Found::None => Err(needs_human(self.not_found(host))),
            Found::Many(ids) => Err(needs_human(self.many(host, &ids))),
        }
    }

    async fn run(&self, ctx: &Ctx, req: &CallRequest) -> Result<Json, Outcome> {
        let host = required(req, "host")?.trim();
        let dev = self.device(ctx, host).await?;
        let base = json!({
            "vendor": B::VENDOR,
            "device_id": dev.id,
            "hostname": dev.hostname,
        });
        let with = |mut o: Json, extra: Json| {
            if let (Some(o), Some(e)) = (o.as_object_mut(), extra.as_object()) {
                for (k, v) in e {
                    o.insert(k.clone(), v.clone());
                }
            }
            o
        };
        let isolate = match req.capability.as_str() {
            "edr.host_info" => {
                return Ok(with(
                    base,
                    json!({
                        "status": dev.status,
                        "contained": dev.state.contained_or_pending(),
                        "facts": dev.facts,
                    }),
                ));
            }
            "edr.isolate_host" => true,
            "edr.release_host" => false,
            other => {
                return Err(Outcome::Failed {
                    class: ErrorClass::Permanent,
                    message: format!("{} ({}) does not provide `{other}`", self.name, B::VENDOR),
                });
            }
        };
        let in_place = |s: Containment| {
            if isolate {
                s.contained_or_pending()
            } else {
                s.released_or_pending()
            }
        };
        if in_place(dev.state) {
            return Ok(with(
                base,
                json!({"already": true, "status": dev.status, "contained": isolate}),
            ));
        }
        let comment = Self::comment(req);
        let action = match self.backend.act(ctx, &dev, isolate, &comment).await {
            Ok(a) => a,
            Err(e) => {
                // The answer may have been lost after the vendor acted (a 502, then a retry the
                // vendor refused because the action is under way): look before failing.
                return match self.backend.find(ctx, host).await {
                    Ok(Found::One(d)) if d.id == dev.id && in_place(d.state) => Ok(with(
                        base,
                        json!({
                            "status": d.status,
                            "contained": isolate,
                            "confirmed": matches!(d.state, Containment::Contained | Containment::Released),
                            "recovered_from": match &e { Outcome::Failed { message, .. } => message.clone(), _ => String::new() },
                        }),
                    )),
                    _ => Err(e),
                };
            }
        };
        let mut status = if isolate {
            "containment requested"
        } else {
            "release requested"
        }
        .to_owned();
        let mut confirmed = false;
        let mut poll_error = None;
        for _ in 0..self.poll.attempts {
            tokio::time::sleep(self.poll.interval).await;
            match self
                .backend
                .progress(ctx, &dev, isolate, action.as_deref())
                .await
            {
                Ok(Progress::Pending(s)) => status = s,
                Ok(Progress::Done(s)) => {
                    status = s;
                    confirmed = true;
                    break;
                }
                Ok(Progress::Failed(s)) => {
                    return Err(needs_human(format!(
                        "{} reports the {} of host `{host}` (device {}) failed: {s}; check the console",
                        B::LABEL,
                        if isolate { "containment" } else { "release" },
                        dev.id
                    )));
                }
                Err(Outcome::Failed { message, .. }) => {
                    // The action was accepted; only reading its progress failed.
                    poll_error = Some(message);
                    break;
                }
                Err(_) => break,
            }
        }
        let mut out = with(
            base,
            json!({"status": status, "contained": isolate, "confirmed": confirmed}),
        );
        if let Some(a) = action {
            out["action_id"] = Json::String(a);
        }
        if let Some(e) = poll_error {
            out["poll_error"] = Json::String(e);
        }
        Ok(out)
    }

    async fn reconcile_inner(&self, ctx: &Ctx, req: &CallRequest) -> Reconciled {
        let isolate = match req.capability.as_str() {
            "edr.isolate_host" => true,
            "edr.release_host" => false,
            _ => return Reconciled::Idempotent,
        };
        let Some(host) = param(req, "host").map(str::trim).filter(|h| !h.is_empty()) else {
            // The call fails before sending anything without a host.
            return Reconciled::NotDone;
        };
        let dev = match self.backend.find(ctx, host).await {
            Ok(Found::One(d)) => d,
            Ok(Found::None) => return Reconciled::Unknown(self.not_found(host)),
            Ok(Found::Many(ids)) => return Reconciled::Unknown(self.many(host, &ids)),
            Err(Outcome::Failed { message, .. }) => {
                return Reconciled::Unknown(format!(
                    "cannot tell whether host `{host}` is {} in {}: {message}",
                    if isolate { "contained" } else { "released" },
                    B::LABEL
                ));
            }
            Err(_) => return Reconciled::Unknown(format!("cannot look up host `{host}`")),
        };
        let done = if isolate {
            dev.state.contained_or_pending()
        } else {
            dev.state.released_or_pending()
        };
        if done {
            Reconciled::Done(json!({
                "vendor": B::VENDOR,
                "device_id": dev.id,
                "hostname": dev.hostname,
                "status": dev.status,
                "contained": isolate,
                "reconciled": true,
            }))
        } else if dev.state == Containment::Other {
            Reconciled::Unknown(format!(
                "{} reports host `{host}` (device {}) with status `{}`, which Riposte does not know",
                B::LABEL,
                dev.id,
                dev.status
            ))
        } else {
            Reconciled::NotDone
        }
    }
}

impl<B: Backend> Integration for Edr<B> {
    fn name(&self) -> &str {
        &self.name
    }

    fn vendor(&self) -> &'static str {
        B::VENDOR
    }

    fn capabilities(&self) -> &'static [&'static str] {
        CAPABILITIES
    }

    fn check_params(&self, _capability: &str, params: &Json) -> Result<(), String> {
        if let Some(h) = params.get("host").and_then(|h| h.as_str()) {
            if h.trim().is_empty() {
                return Err("`host` is empty".into());
            }
            if h.len() > 255 || h.chars().any(char::is_control) {
                return Err(format!(
                    "`host` must be a host name (at most 255 characters, no control characters), got {h:?}"
                ));
            }
        }
        Ok(())
    }

    fn render(&self, req: &CallRequest) -> Vec<Json> {
        let host = param(req, "host").map(str::trim).unwrap_or("<host>");
        let mut reqs = self.backend.render_find(host);
        match req.capability.as_str() {
            "edr.isolate_host" => reqs.extend(self.backend.render_act(true, &Self::comment(req))),
            "edr.release_host" => reqs.extend(self.backend.render_act(false, &Self::comment(req))),
            _ => {}
        }
        reqs.iter()
            .map(|r| {
                let mut j = self.backend.http().render(r);
                if let Some(u) = j.get("url").and_then(|u| u.as_str()) {
                    j["url"] = Json::String(unescape_placeholders(u));
                }
                j
            })
            .collect()
    }

    fn call<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            match self.run(ctx, req).await {
                Ok(result) => Outcome::Ok { result },
                Err(o) => o,
            }
        })
    }

    fn reconcile<'a>(&'a self, ctx: &'a Ctx, req: &'a CallRequest) -> BoxFuture<'a, Reconciled> {
        Box::pin(self.reconcile_inner(ctx, req))
    }
}

/// A JSON string field, or "".
pub(super) fn s(v: &Json, k: &str) -> String {
    v.get(k)
        .and_then(|x| x.as_str())
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_is_exact_and_case_insensitive() {
        let names = vec![
            "WS-01".to_owned(),
            "ws-010".to_owned(),
            "ws-01.corp".to_owned(),
        ];
        match pick("ws-01", names, |n| vec![n.clone()]) {
            Picked::One(n) => assert_eq!(n, "WS-01"),
            _ => panic!("expected one match"),
        }
        let twice = vec!["a".to_owned(), "A".to_owned()];
        assert!(matches!(pick("a", twice, |n| vec![n.clone()]), Picked::Many(v) if v.len() == 2));
        assert!(matches!(
            pick("b", vec!["a".to_owned()], |n| vec![n.clone()]),
            Picked::None
        ));
    }

    #[test]
    fn placeholders_survive_rendering() {
        let u = format!("http://x/y?ids={}", crate::http::enc(DEVICE_ID));
        assert_eq!(unescape_placeholders(&u), "http://x/y?ids=<device id>");
    }
}
