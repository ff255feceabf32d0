//! Endpoint agents' own alert and event shapes, mapped onto ECS: CrowdStrike Falcon detections
//! (the event stream's `DetectionSummaryEvent`, and the Alerts API's alert entities), macOS
//! Endpoint Security exec events as `eslogger` prints them, osquery result lines
//! (`process_events`, `es_process_events`, `processes`), SentinelOne Deep Visibility events and
//! management-API alerts, Falco alerts, Cilium Tetragon events, Laurel's auditd JSON, Jamf Protect telemetry,
//! AWS GuardDuty Runtime Monitoring findings, Datadog Workload Protection signals, Santa telemetry, Carbon Black Cloud alerts, and Microsoft Graph security
//! alerts and Sentinel `SecurityAlert` rows (the process among their evidence), Google SecOps
//! (Chronicle) UDM events and detections, Cortex XDR alerts and Trend Vision One Workbench
//! alerts. Each adapter recognises its shape by
//! fields no other shape has together and returns `None` for anything else.

use super::{basename_of, cron_job, program, push_unique, s, set_path};
use serde_json::{Map, Value as Json, json};
use std::borrow::Cow;

pub(super) fn text<'a>(o: &'a Json, k: &str) -> Option<&'a str> {
    o.as_object().and_then(|m| mtext(m, k))
}

pub(super) fn mtext<'a>(o: &'a Map<String, Json>, k: &str) -> Option<&'a str> {
    o.get(k)
        .and_then(Json::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v != "-" && *v != "N/A")
}

/// A Windows kernel path (`\Device\HarddiskVolume3\Windows\…`) as a drive path. Falcon reports
/// images that way; the volume's letter is not in the event, and the system volume is by far
/// the usual one, so `C:` is assumed (the original stays in the vendor's copy of the event).
fn drive_path(p: &str) -> String {
    let lower = p.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("\\device\\harddiskvolume") {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let skip = "\\device\\harddiskvolume".len() + digits;
        return format!("C:{}", &p[skip..]);
    }
    if let Some(rest) = p.strip_prefix("\\??\\") {
        return rest.to_owned();
    }
    p.to_owned()
}

/// Whether a bare first argument (`python3`, `powershell.exe`) names the program at `path`
/// (`/usr/bin/python3.12`, `C:\…\powershell.exe`): the file's name starts with it.
fn same_program(first: &str, path: &str) -> bool {
    let first = first.to_ascii_lowercase();
    let first = first.strip_suffix(".exe").unwrap_or(&first);
    let name = crate::funcs::basename(path).to_ascii_lowercase();
    !first.is_empty() && !first.contains(['\\', '/']) && name.starts_with(first)
}

fn join_path(dir: &str, file: &str) -> String {
    if dir.ends_with(['\\', '/']) {
        format!("{dir}{file}")
    } else if dir.contains('\\') || dir.contains(':') {
        format!("{dir}\\{file}")
    } else {
        format!("{dir}/{file}")
    }
}

/// What every adapter ends with: the event is a process event from `provider`, and the
/// vendor's original document stays beside the ECS fields under `key`.
pub(super) fn finish(e: &mut Map<String, Json>, provider: &str, key: &str, original: Json) {
    set_path(e, "event.category", json!(["process"]));
    set_path(e, "event.provider", s(provider));
    e.insert(key.into(), original);
}

pub(super) fn set_user(e: &mut Map<String, Json>, u: &str) {
    match u.split_once('\\') {
        Some((d, n)) => {
            set_path(e, "user.domain", s(d));
            set_path(e, "user.name", s(n));
        }
        None => match u.split_once('@') {
            Some((n, d)) if !n.is_empty() && d.contains('.') => {
                set_path(e, "user.name", s(n));
                set_path(e, "user.domain", s(d));
            }
            _ => set_path(e, "user.name", s(u)),
        },
    }
}

pub(super) fn set_techniques(e: &mut Map<String, Json>, ids: &[&str]) {
    let mut out = Vec::new();
    for id in ids {
        let id = id.trim().to_ascii_uppercase();
        if crate::load::is_technique(&id) {
            push_unique(&mut out, &id);
        } else if let Some(rest) = id
            .strip_prefix("MITRE_")
            .or_else(|| id.strip_prefix("ATTACK_"))
        {
            // Carbon Black's TTP tags: `MITRE_T1059_CMD_LINE_OR_SCRIPT_INTER`,
            // `ATTACK_T1059_001`, `MITRE_T1505_003_WEB_SHELL`.
            let parts: Vec<&str> = rest.split('_').collect();
            let sub = parts
                .get(1)
                .filter(|p| p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()));
            let t = match sub {
                Some(sub) => format!("{}.{sub}", parts[0]),
                None => parts[0].to_owned(),
            };
            if crate::load::is_technique(&t) {
                push_unique(&mut out, &t);
            }
        }
    }
    if !out.is_empty() {
        set_path(e, "threat.technique.id", json!(out));
    }
}

/// A process the vendor describes by image path (or directory + file name) and command line.
pub(super) fn put_process(
    e: &mut Map<String, Json>,
    prefix: &str,
    path: Option<String>,
    cmd: Option<&str>,
) {
    if let Some(p) = path {
        set_path(e, &format!("{prefix}.name"), s(basename_of(&p)));
        set_path(e, &format!("{prefix}.executable"), Json::String(p));
    }
    if let Some(c) = cmd {
        set_path(e, &format!("{prefix}.command_line"), s(c));
    }
}

/// A Falcon Data Replicator event (`ProcessRollup2`: a process start as the sensor recorded
/// it): `ImageFileName`, `CommandLine`, `ParentBaseFileName`, the user and the computer.
fn crowdstrike_fdr(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    let mut e = Map::new();
    let image = mtext(obj, "ImageFileName").map(drive_path);
    // The script the process ran, where the export carries its text (`ScriptContent`, or a
    // preview of it): PowerShell's as its script block, any other's as a line of the command.
    let script = mtext(obj, "ScriptContent").or_else(|| mtext(obj, "ScriptContentPreview"));
    let powershell = image.as_deref().is_some_and(|i| {
        let n = basename_of(i).to_ascii_lowercase();
        n.starts_with("powershell") || n.starts_with("pwsh")
    });
    let cmd = match script.filter(|_| !powershell) {
        Some(sc) => with_branches(mtext(obj, "CommandLine"), [sc]),
        None => mtext(obj, "CommandLine").map(str::to_owned),
    };
    put_process(&mut e, "process", image, cmd.as_deref());
    if let Some(sc) = script.filter(|_| powershell) {
        set_path(&mut e, "powershell.file.script_block_text", s(sc));
    }
    // The parent's and grandparent's names and command lines, where the export joined them.
    for (from, to) in [
        ("ParentBaseFileName", "process.parent.name"),
        ("ParentCommandLine", "process.parent.command_line"),
        ("GrandParentBaseFileName", "process.parent.parent.name"),
        ("GrandparentBaseFileName", "process.parent.parent.name"),
        (
            "GrandParentCommandLine",
            "process.parent.parent.command_line",
        ),
        (
            "GrandparentCommandLine",
            "process.parent.parent.command_line",
        ),
    ] {
        if let Some(v) = mtext(obj, from) {
            set_path(&mut e, to, s(v));
        }
    }
    for (from, to) in [
        ("RawProcessId", "process.pid"),
        ("RawParentProcessId", "process.parent.pid"),
    ] {
        if let Some(n) = mtext(obj, from).and_then(|v| v.parse::<i64>().ok()) {
            set_path(&mut e, to, Json::from(n));
        }
    }
    if let Some(u) = mtext(obj, "UserName") {
        set_user(&mut e, u);
    }
    if let Some(u) = mtext(obj, "UID").or_else(|| mtext(obj, "UserSid")) {
        set_path(&mut e, "user.id", s(u));
    }
    if let Some(h) = mtext(obj, "SHA256HashData") {
        set_path(&mut e, "process.hash.sha256", s(h));
    }
    if let Some(h) = mtext(obj, "ComputerName").or_else(|| mtext(obj, "aid")) {
        set_path(&mut e, "host.name", s(h));
    }
    // The machine's DNS domain (a NetBIOS name has no dot).
    if let Some(d) = mtext(obj, "MachineDomain").filter(|d| d.contains('.')) {
        set_path(&mut e, "host.domain", s(d));
    }
    let os = match mtext(obj, "event_platform") {
        Some("Mac") => "macos",
        Some("Lin") => "linux",
        _ => "windows",
    };
    set_path(&mut e, "host.os.type", s(os));
    if let Some(t) = mtext(obj, "timestamp")
        .and_then(|t| t.parse::<i64>().ok())
        .and_then(chrono::DateTime::from_timestamp_millis)
    {
        e.insert("@timestamp".into(), s(&t.to_rfc3339()));
    }
    let id = mtext(obj, "id").map(str::to_owned);
    finish(
        &mut e,
        "crowdstrike",
        "crowdstrike",
        Json::Object(obj.clone()),
    );
    Some((e, id))
}

/// CrowdStrike Falcon: a detection from the event stream (`metadata.eventType` is
/// `DetectionSummaryEvent` or `EppDetectionSummaryEvent`, the detection under `event`; SIEM
/// connectors also ship the event's fields alone), or an alert entity from the Alerts API
/// (`/alerts/entities/alerts/v2`: `cmdline`, `filepath`, `parent_details`, `device`), or a
/// legacy Detects API detection (`behaviors[]`, its first behaviour is the one read).
pub(super) fn crowdstrike(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    let stream_type = obj
        .get("metadata")
        .and_then(|m| m.get("eventType"))
        .and_then(Json::as_str)
        .unwrap_or_default();
    if stream_type.ends_with("DetectionSummaryEvent") {
        return crowdstrike_stream(obj.get("event")?, obj);
    }
    // A process event through the event stream (`Event_ProcessRollup2`, the event under
    // `event` as the replicator would give it).
    if let Some(ev) = obj.get("event").and_then(Json::as_object).filter(|ev| {
        matches!(
            mtext(ev, "event_simpleName"),
            Some("ProcessRollup2" | "SyntheticProcessRollup2")
        )
    }) {
        return crowdstrike_fdr(ev);
    }
    if (obj.contains_key("DetectId") || obj.contains_key("CompositeId"))
        && obj.contains_key("CommandLine")
        && (obj.contains_key("ComputerName") || obj.contains_key("Hostname"))
    {
        return crowdstrike_stream(&Json::Object(obj.clone()), obj);
    }
    if obj.contains_key("behaviors")
        && let Some(b) = obj
            .get("behaviors")
            .and_then(Json::as_array)
            .and_then(|a| a.first())
            .filter(|b| b.get("cmdline").is_some())
    {
        return crowdstrike_api(b, obj);
    }
    if matches!(
        mtext(obj, "event_simpleName"),
        Some("ProcessRollup2" | "SyntheticProcessRollup2")
    ) {
        return crowdstrike_fdr(obj);
    }
    let api = obj.contains_key("cmdline")
        && obj.get("device").is_some_and(Json::is_object)
        && (obj.contains_key("composite_id")
            || obj.contains_key("parent_details")
            || obj.contains_key("filepath"));
    if api {
        return crowdstrike_api(&Json::Object(obj.clone()), obj);
    }
    None
}

fn crowdstrike_stream(
    ev: &Json,
    whole: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    // An empty command line (a process started with no arguments at all: PwnKit's pkexec)
    // leaves the program's path to say what ran.
    let cmd = text(ev, "CommandLine");
    if cmd.is_none() && text(ev, "FileName").is_none() {
        return None;
    }
    let mut e = Map::new();
    let image = match (text(ev, "FilePath"), text(ev, "FileName")) {
        (Some(d), Some(f)) if !d.to_ascii_lowercase().ends_with(&f.to_ascii_lowercase()) => {
            Some(drive_path(&join_path(d, f)))
        }
        (Some(d), _) => Some(drive_path(d)),
        (None, Some(f)) => Some(f.to_owned()),
        (None, None) => None,
    };
    put_process(&mut e, "process", image, cmd);
    put_process(
        &mut e,
        "process.parent",
        text(ev, "ParentImageFileName").map(drive_path),
        text(ev, "ParentCommandLine"),
    );
    put_process(
        &mut e,
        "process.parent.parent",
        text(ev, "GrandparentImageFileName")
            .or_else(|| text(ev, "GrandParentImageFileName"))
            .map(drive_path),
        text(ev, "GrandparentCommandLine").or_else(|| text(ev, "GrandParentCommandLine")),
    );
    for (from, to) in [
        ("ProcessId", "process.pid"),
        ("ParentProcessId", "process.parent.pid"),
    ] {
        if let Some(v) = ev.get(from).filter(|v| v.is_number()) {
            set_path(&mut e, to, v.clone());
        }
    }
    if let Some(h) = text(ev, "ComputerName").or_else(|| text(ev, "Hostname")) {
        set_path(&mut e, "host.name", s(h));
    }
    if let Some(u) = text(ev, "UserName") {
        set_user(&mut e, u);
    }
    if let Some(d) = text(ev, "MachineDomain") {
        if e.get("user").is_none_or(|u| u.get("domain").is_none()) {
            set_path(&mut e, "user.domain", s(d));
        }
        // A DNS domain (`corp.example.com`, not a NetBIOS name): the host's own.
        if d.contains('.') {
            set_path(&mut e, "host.domain", s(d));
        }
    }
    if let Some(ip) = text(ev, "LocalIP").or_else(|| text(ev, "LocalAddress")) {
        set_path(&mut e, "host.ip", s(ip));
    }
    if let Some(p) = text(ev, "Platform").or_else(|| text(ev, "PlatformName")) {
        set_path(&mut e, "host.os.name", s(p));
    }
    for (from, to) in [
        ("SHA256String", "process.hash.sha256"),
        ("MD5String", "process.hash.md5"),
        ("SHA1String", "process.hash.sha1"),
    ] {
        if let Some(v) = text(ev, from) {
            set_path(&mut e, to, s(v));
        }
    }
    if let Some(n) = text(ev, "DetectName").or_else(|| text(ev, "Name")) {
        set_path(&mut e, "rule.name", s(n));
    }
    if let Some(d) = text(ev, "DetectDescription").or_else(|| text(ev, "Description")) {
        set_path(&mut e, "rule.description", s(d));
    }
    network_access(&mut e, ev.get("NetworkAccesses"), true);
    let ids: Vec<&str> = ["TechniqueId", "TechniqueID"]
        .iter()
        .filter_map(|k| text(ev, k))
        .collect();
    set_techniques(&mut e, &ids);
    if let Some(t) = ev
        .get("ProcessStartTime")
        .and_then(Json::as_i64)
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
    {
        e.insert("@timestamp".into(), s(&t.to_rfc3339()));
    }
    let id = text(ev, "CompositeId")
        .or_else(|| text(ev, "DetectId"))
        .map(str::to_owned);
    finish(
        &mut e,
        "crowdstrike",
        "crowdstrike",
        Json::Object(whole.clone()),
    );
    Some((e, id))
}

/// The first outbound connection of a CrowdStrike process's network accesses, as the
/// destination: the Alerts API's `network_accesses` (snake case) or a streamed detection's
/// `NetworkAccesses` (`pascal`).
fn network_access(e: &mut Map<String, Json>, accesses: Option<&Json>, pascal: bool) {
    let key = |snake: &'static str, camel: &'static str| if pascal { camel } else { snake };
    let Some(n) = accesses.and_then(Json::as_array).and_then(|n| {
        n.iter().find(|c| {
            c.get(key("connection_direction", "ConnectionDirection"))
                .and_then(Json::as_i64)
                != Some(1)
        })
    }) else {
        return;
    };
    if let Some(ip) = text(n, key("remote_address", "RemoteAddress")) {
        set_path(e, "destination.ip", s(ip));
    }
    if let Some(p) = n
        .get(key("remote_port", "RemotePort"))
        .filter(|p| p.is_number())
    {
        set_path(e, "destination.port", p.clone());
    }
    // A name the export resolved for the address, where it carries one.
    if let Some(d) = text(n, key("domain", "Domain"))
        .or_else(|| text(n, key("remote_hostname", "RemoteHostname")))
    {
        set_path(e, "destination.domain", s(d));
    }
}

fn crowdstrike_api(
    a: &Json,
    whole: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let cmd = text(a, "cmdline")?;
    let mut e = Map::new();
    let image = text(a, "filepath")
        .map(drive_path)
        .or_else(|| text(a, "filename").map(str::to_owned));
    put_process(&mut e, "process", image, Some(cmd));
    if let Some(o) = text(a, "original_filename") {
        set_path(&mut e, "process.pe.original_file_name", s(o));
    }
    let details = |k: &str| a.get(k).filter(|v| v.is_object());
    if let Some(p) = details("parent_details") {
        put_process(
            &mut e,
            "process.parent",
            text(p, "filepath")
                .or_else(|| text(p, "parent_filepath"))
                .map(drive_path)
                .or_else(|| text(p, "filename").map(str::to_owned)),
            text(p, "cmdline").or_else(|| text(p, "parent_cmdline")),
        );
        // The parent's own account (a web server's user whose child runs as root).
        if let Some(u) = text(p, "user_name") {
            set_path(&mut e, "process.parent.user.name", s(u));
        }
    }
    if let Some(g) = details("grandparent_details") {
        put_process(
            &mut e,
            "process.parent.parent",
            text(g, "filepath")
                .map(drive_path)
                .or_else(|| text(g, "filename").map(str::to_owned)),
            text(g, "cmdline"),
        );
    }
    let device = whole.get("device").or_else(|| a.get("device"));
    if let Some(d) = device {
        if let Some(h) = text(d, "hostname") {
            set_path(&mut e, "host.name", s(h));
        }
        if let Some(p) = text(d, "platform_name") {
            set_path(&mut e, "host.os.name", s(p));
        }
        if let Some(ip) = text(d, "local_ip") {
            set_path(&mut e, "host.ip", s(ip));
        }
    }
    if let Some(u) = text(a, "user_name") {
        set_user(&mut e, u);
    }
    for (from, to) in [
        ("sha256", "process.hash.sha256"),
        ("md5", "process.hash.md5"),
    ] {
        if let Some(v) = text(a, from) {
            set_path(&mut e, to, s(v));
        }
    }
    if let Some(v) = a
        .get("local_process_id")
        .filter(|v| v.is_number() || v.is_string())
    {
        set_path(&mut e, "process.pid", v.clone());
    }
    // The process's connections (`network_accesses`): the first outbound one.
    network_access(&mut e, a.get("network_accesses"), false);
    if let Some(n) = text(a, "display_name").or_else(|| text(a, "scenario")) {
        set_path(&mut e, "rule.name", s(n));
    }
    if let Some(d) = text(a, "description") {
        set_path(&mut e, "rule.description", s(d));
    }
    let ids: Vec<&str> = ["technique_id"].iter().filter_map(|k| text(a, k)).collect();
    set_techniques(&mut e, &ids);
    if let Some(t) = text(a, "timestamp").or_else(|| mtext(whole, "created_timestamp")) {
        e.insert("@timestamp".into(), s(t));
    }
    let mut id = mtext(whole, "composite_id")
        .or_else(|| mtext(whole, "detection_id"))
        .or_else(|| text(a, "behavior_id"))
        .map(str::to_owned);
    // One behaviour of several taken from a detection: the detection's id and the behaviour's,
    // so each is its own alert (the daemon never runs an alert id twice).
    let mut whole = Cow::Borrowed(whole);
    if let Some(n) = whole.get(BEHAVIOUR_OF_DETECTION).and_then(Json::as_u64) {
        let which = text(a, "behavior_id").map_or_else(|| n.to_string(), str::to_owned);
        id = id.map(|d| format!("{d}:behavior:{which}"));
        whole.to_mut().remove(BEHAVIOUR_OF_DETECTION);
    }
    finish(
        &mut e,
        "crowdstrike",
        "crowdstrike",
        Json::Object(whole.into_owned()),
    );
    Some((e, id))
}

/// Marks a detection copy that [`crowdstrike_behaviors`] made for one of its behaviours (the
/// 1-based index); removed again before the vendor's record is kept.
const BEHAVIOUR_OF_DETECTION: &str = "riposte_behaviour_of_detection";

/// A legacy Detects API detection whose `behaviors[]` are different processes (a script host,
/// then the PowerShell it started): one alert per distinct process command line, each the
/// detection with that behaviour alone, so the detection is judged by every process it
/// records and not by its first one only.
pub(super) fn crowdstrike_behaviors(o: &Map<String, Json>) -> Option<Vec<Json>> {
    if !(o.contains_key("detection_id") || o.contains_key("device")) {
        return None;
    }
    let mut seen: Vec<(&str, &str)> = Vec::new();
    let distinct: Vec<&Json> = o
        .get("behaviors")?
        .as_array()?
        .iter()
        .filter(|b| {
            let key = (
                text(b, "filename").unwrap_or_default(),
                match text(b, "cmdline") {
                    Some(c) => c,
                    None => return false,
                },
            );
            let new = !seen.contains(&key);
            seen.push(key);
            new
        })
        .collect();
    if distinct.len() < 2 {
        return None;
    }
    Some(
        distinct
            .into_iter()
            .enumerate()
            .map(|(i, b)| {
                let mut d = o.clone();
                d.insert("behaviors".into(), Json::Array(vec![b.clone()]));
                d.insert(BEHAVIOUR_OF_DETECTION.into(), Json::from(i + 1));
                Json::Object(d)
            })
            .collect(),
    )
}

/// macOS Endpoint Security exec events as `eslogger exec` prints them: the new image and its
/// arguments under `event.exec` (`target`, `args`, `cwd`), the process that called exec (the
/// shell that forked, in practice the parent) under `process`. Other event types are not
/// process starts and are left alone.
pub(super) fn eslogger(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    // Shipped by Filebeat with the event decoded under a key of its own, beside the shipper's
    // `host`.
    if obj.get("event").and_then(|e| e.get("exec")).is_none()
        && let Some(inner) = obj.get("eslogger").and_then(Json::as_object)
    {
        let (mut e, id) = eslogger(inner)?;
        if let Some(h) = obj.get("host").and_then(|h| text(h, "name")) {
            set_path(&mut e, "host.name", s(h));
        }
        return Some((e, id));
    }
    if let Some(item) = obj.get("event").and_then(|e| e.get("btm_launch_item_add")) {
        return eslogger_launch_item(obj, item);
    }
    let exec = obj.get("event")?.get("exec")?;
    let target = exec.get("target")?;
    let instigator = obj.get("process")?;
    let path_of = |p: &Json| {
        p.get("executable")
            .and_then(|x| x.get("path"))
            .and_then(Json::as_str)
            .map(str::to_owned)
    };
    let exe = path_of(target)?;
    let mut e = Map::new();
    put_process(&mut e, "process", Some(exe), None);
    if let Some(a) = exec.get("args").filter(|a| a.is_array()) {
        set_path(&mut e, "process.args", a.clone());
    }
    if let Some(cwd) = exec
        .get("cwd")
        .and_then(|c| c.get("path"))
        .and_then(Json::as_str)
    {
        set_path(&mut e, "process.working_directory", s(cwd));
    }
    put_process(&mut e, "process.parent", path_of(instigator), None);
    // The environment the exec was given (eslogger's `env`, when it was asked to include it).
    let env: Vec<Json> = exec
        .get("env")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter(|v| v.as_str().is_some_and(|t| t.contains('=')))
        .cloned()
        .collect();
    if !env.is_empty() {
        set_path(&mut e, "process.env_vars", Json::Array(env));
    }
    // A controlling terminal: the command was started from a terminal session.
    if [target, instigator]
        .iter()
        .any(|p| p.get("tty").and_then(|t| text(t, "path")).is_some())
    {
        set_path(&mut e, "process.interactive", json!(true));
    }
    let token = |p: &Json, k: &str| p.get("audit_token").and_then(|t| t.get(k)).cloned();
    if let Some(pid) = token(target, "pid") {
        set_path(&mut e, "process.pid", pid);
    }
    if let Some(pid) = token(instigator, "pid") {
        set_path(&mut e, "process.parent.pid", pid);
    }
    if let Some(uid) = token(target, "euid").and_then(|u| u.as_i64()) {
        set_path(&mut e, "user.id", s(&uid.to_string()));
        // The account's name: root's by its id; another's from the environment the exec was
        // given (`USER=`, when it was not started by a changed user).
        let user_env = exec
            .get("env")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .find_map(|v| v.strip_prefix("USER="))
            .filter(|u| !u.is_empty() && *u != "root");
        if uid == 0 {
            set_path(&mut e, "user.name", s("root"));
        } else if let Some(u) =
            user_env.filter(|_| token(target, "ruid").and_then(|r| r.as_i64()) == Some(uid))
        {
            set_path(&mut e, "user.name", s(u));
        }
    }
    for (p, prefix) in [(target, "process"), (instigator, "process.parent")] {
        for (from, to) in [("signing_id", "signing_id"), ("team_id", "team_id")] {
            if let Some(v) = text(p, from) {
                set_path(&mut e, &format!("{prefix}.code_signature.{to}"), s(v));
            }
        }
        if let Some(b) = p.get("is_platform_binary").and_then(Json::as_bool) {
            set_path(
                &mut e,
                &format!("{prefix}.code_signature.trusted"),
                json!(b),
            );
        }
    }
    eslogger_finish(e, obj)
}

/// eslogger's `btm_launch_item_add` (a login item, LaunchAgent or LaunchDaemon registered with
/// Background Task Management): judged as the process the item will start
/// (`executable_path`), run by launchd as the item's `uid` (0: root); the plist is
/// `file.path`, and the process that registered it is kept as `process.parent.parent`.
fn eslogger_launch_item(
    obj: &Map<String, Json>,
    add: &Json,
) -> Option<(Map<String, Json>, Option<String>)> {
    let exe = text(add, "executable_path")?;
    let item = add.get("item");
    let mut e = Map::new();
    let command = if exe.contains(' ') {
        format!("\"{exe}\"")
    } else {
        exe.to_owned()
    };
    let uid = item.and_then(|i| i.get("uid")).and_then(Json::as_i64);
    launch_item(
        &mut e,
        &command,
        (uid == Some(0)).then(|| "root".to_owned()),
    );
    if let Some(u) = uid {
        set_path(&mut e, "user.id", s(&u.to_string()));
    }
    if let Some(url) = item.and_then(|i| text(i, "item_url")) {
        let path = url.strip_prefix("file://").unwrap_or(url);
        set_path(&mut e, "file.path", s(path));
        // A user's LaunchAgent runs as that user.
        if let Some(user) = path
            .strip_prefix("/Users/")
            .and_then(|r| r.split('/').next())
        {
            set_path(&mut e, "user.name", s(user));
        }
    }
    let instigator = add.get("instigator").or_else(|| obj.get("process"));
    if let Some(p) = instigator
        .and_then(|p| p.get("executable"))
        .and_then(|x| text(x, "path"))
    {
        put_process(&mut e, "process.parent.parent", Some(p.to_owned()), None);
    }
    set_path(&mut e, "event.action", s("launch_item_add"));
    eslogger_finish(e, obj)
}

fn eslogger_finish(
    mut e: Map<String, Json>,
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    if let Some(t) = obj.get("time").and_then(Json::as_str) {
        e.insert("@timestamp".into(), s(t));
    }
    if let Some(h) = mtext(obj, "hostname") {
        set_path(&mut e, "host.name", s(h));
    }
    set_path(&mut e, "host.os.type", s("macos"));
    set_path(&mut e, "event.type", json!(["start"]));
    finish(
        &mut e,
        "endpointsecurity",
        "eslogger",
        Json::Object(obj.clone()),
    );
    Some((e, None))
}

/// osquery result lines (differential `columns`, one row each; snapshots are split into rows
/// before this) from process tables: `process_events` (Linux audit, macOS OpenBSM),
/// `es_process_events` (macOS Endpoint Security), `processes`, or any query returning a
/// process `path` and `cmdline`. A query may join the parent's `parent_path` /
/// `parent_cmdline` / `parent_name`, and `username`.
pub(super) fn osquery(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    let cols = obj.get("columns")?;
    if !cols.is_object()
        || !(obj.contains_key("hostIdentifier") || obj.contains_key("calendarTime"))
        || !(cols.get("cmdline").is_some() || cols.get("path").is_some())
    {
        return None;
    }
    let mut e = Map::new();
    if !osquery_scheduled(cols, &mut e) {
        let path = text(cols, "path").map(str::to_owned);
        put_process(&mut e, "process", path, text(cols, "cmdline"));
    }
    process_columns(cols, &mut e);
    let decorations = obj.get("decorations");
    let host = mtext(obj, "hostIdentifier").map(str::to_owned).or_else(|| {
        decorations
            .and_then(|d| text(d, "hostname"))
            .map(str::to_owned)
    });
    if let Some(h) = host {
        set_path(&mut e, "host.name", Json::String(h));
    }
    // Endpoint Security's table, and code-signing columns, exist only on macOS.
    if obj
        .get("name")
        .and_then(Json::as_str)
        .is_some_and(|n| n.ends_with("es_process_events"))
        || cols.get("cdhash").is_some()
    {
        set_path(&mut e, "host.os.type", s("macos"));
    }
    if let Some(d) = decorations {
        for k in ["os_name", "platform", "os"] {
            if let Some(v) = text(d, k) {
                set_path(&mut e, "host.os.name", s(v));
                break;
            }
        }
    }
    if let Some(t) = obj
        .get("unixTime")
        .and_then(|t| {
            t.as_i64()
                .or_else(|| t.as_str().and_then(|x| x.parse().ok()))
        })
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
    {
        e.insert("@timestamp".into(), s(&t.to_rfc3339()));
    }
    if let Some(n) = obj.get("name").and_then(Json::as_str) {
        set_path(&mut e, "rule.name", s(n));
    }
    finish(&mut e, "osquery", "osquery", Json::Object(obj.clone()));
    Some((e, None))
}

/// The columns of an osquery process row (`process_events`, `es_process_events`, `processes`,
/// or a query joining the parent's `parent_path` / `parent_cmdline` / `parent_name`, and the
/// grandparent's `grandparent_path` / `grandparent_cmdline`) besides
/// the process's own `path` and `cmdline`: its name, parent, ids, working directory, user (uid
/// 0 is root), signature, hash and where the file was downloaded from. Values are strings, as
/// osquery reports them.
pub(super) fn process_columns(cols: &Json, e: &mut Map<String, Json>) {
    if text(cols, "path").is_none()
        && let Some(n) = text(cols, "name")
    {
        set_path(e, "process.name", s(n));
    }
    put_process(
        e,
        "process.parent",
        text(cols, "parent_path").map(str::to_owned),
        text(cols, "parent_cmdline"),
    );
    if text(cols, "parent_path").is_none()
        && let Some(n) = text(cols, "parent_name")
    {
        set_path(e, "process.parent.name", s(n));
    }
    // A query that joins the parent's parent too (`grandparent_path`, `grandparent_cmdline`).
    put_process(
        e,
        "process.parent.parent",
        text(cols, "grandparent_path").map(str::to_owned),
        text(cols, "grandparent_cmdline"),
    );
    let num = |k: &str| {
        text(cols, k)
            .and_then(|v| v.parse::<i64>().ok())
            .map(Json::from)
    };
    for (from, to) in [
        ("pid", "process.pid"),
        ("parent", "process.parent.pid"),
        ("ppid", "process.parent.pid"),
    ] {
        if let Some(v) = num(from) {
            set_path(e, to, v);
        }
    }
    if let Some(cwd) = text(cols, "cwd") {
        set_path(e, "process.working_directory", s(cwd));
    }
    // The environment as one line of `NAME=value` pairs (a value's own spaces stay with it).
    if let Some(env) = text(cols, "env") {
        let mut vars: Vec<String> = Vec::new();
        for word in env.split(' ').filter(|w| !w.is_empty()) {
            let starts_var = word.split_once('=').is_some_and(|(n, _)| {
                !n.is_empty()
                    && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !n.starts_with(|c: char| c.is_ascii_digit())
            });
            match vars.last_mut() {
                Some(last) if !starts_var => {
                    last.push(' ');
                    last.push_str(word);
                }
                _ if starts_var => vars.push(word.to_owned()),
                _ => {}
            }
        }
        if !vars.is_empty() {
            set_path(e, "process.env_vars", json!(vars));
        }
    }
    // The parent's argument count and environment, where the collector joined them
    // (`parent_argc`, `parent_env` as `NAME=value; …`).
    if let Some(n) = num("parent_argc") {
        set_path(e, "process.parent.args_count", n);
    }
    if let Some(env) = text(cols, "parent_env") {
        set_parent_env(e, env);
    }
    let uid = text(cols, "euid").or_else(|| text(cols, "uid"));
    if let Some(u) = uid {
        set_path(e, "user.id", s(u));
    }
    // Without a `username`, the login named by the process's environment (`USER=`,
    // `LOGNAME=`), when it runs as itself (uid and euid alike: a setuid program's environment
    // names who started it).
    let env_user = || {
        let same = text(cols, "euid").is_none_or(|eu| text(cols, "uid").is_none_or(|u| u == eu));
        let env = text(cols, "env").filter(|_| same)?;
        env.split_whitespace().find_map(|kv| {
            kv.strip_prefix("USER=")
                .or_else(|| kv.strip_prefix("LOGNAME="))
                .filter(|u| !u.is_empty())
        })
    };
    // (`user` where a collector names the account so, never a bare uid)
    let named = text(cols, "username").or_else(|| {
        text(cols, "user").filter(|u| !u.is_empty() && !u.bytes().all(|b| b.is_ascii_digit()))
    });
    match named {
        Some(u) => set_user(e, u),
        None if uid == Some("0") => set_path(e, "user.name", s("root")),
        None => {
            if let Some(u) = env_user() {
                set_user(e, u);
            }
        }
    }
    for (from, to) in [
        ("signing_id", "process.code_signature.signing_id"),
        ("team_id", "process.code_signature.team_id"),
        ("sha256", "process.hash.sha256"),
        (
            "parent_signing_id",
            "process.parent.code_signature.signing_id",
        ),
        ("parent_team_id", "process.parent.code_signature.team_id"),
    ] {
        if let Some(v) = text(cols, from).filter(|v| !v.is_empty()) {
            set_path(e, to, s(v));
        }
    }
    // Where the script or program was downloaded from (macOS quarantine `where_from` joins the
    // URL and its referrer with a comma).
    if let Some(u) = ["where_from", "quarantine_url", "origin_url"]
        .into_iter()
        .find_map(|k| text(cols, k))
        .and_then(|w| w.split(',').map(str::trim).find(|u| u.contains("://")))
    {
        set_path(e, "file.origin_url", s(u));
    }
}

/// A parent's environment given as one `NAME=value; NAME=value` line (Uptycs' `parent_env`,
/// QRadar's `Parent Process Environment`), as `process.parent.env_vars`.
pub(super) fn set_parent_env(e: &mut Map<String, Json>, env: &str) {
    let vars: Vec<&str> = env
        .split(';')
        .map(str::trim)
        .filter(|v| v.contains('='))
        .collect();
    if !vars.is_empty() {
        set_path(e, "process.parent.env_vars", json!(vars));
    }
}

/// Rows of osquery's persistence tables describe what will run, not a process: `crontab`
/// (`command`, the crontab file as `path`) runs it through cron's `sh -c` as the crontab's
/// owner; `launchd` (`program_arguments` or `program`, the plist as `path`) through launchd, as
/// the plist's user (a LaunchAgent under /Users/NAME) or root (LaunchDaemons). The entry is
/// judged as the process it starts; the file it sits in is `file.path`.
fn osquery_scheduled(cols: &Json, e: &mut Map<String, Json>) -> bool {
    let path = text(cols, "path").unwrap_or_default();
    if let Some(c) = text(cols, "command")
        && (cols.get("minute").is_some() || path.contains("cron"))
    {
        // A system crontab's line names its user before the command.
        match c.trim_start().split_once(char::is_whitespace) {
            Some((user, rest))
                if (path == "/etc/crontab" || path.starts_with("/etc/cron.d/"))
                    && !user.contains('/') =>
            {
                cron_job(e, rest.trim_start(), Some(s(user)));
            }
            _ => {
                let owner = (path.contains("/crontabs/") || path.contains("/cron/tabs/"))
                    .then(|| s(basename_of(path)));
                cron_job(e, c, owner);
            }
        }
    } else if let Some(c) = text(cols, "program_arguments")
        .or_else(|| text(cols, "program"))
        .filter(|_| cols.get("label").is_some() || path.ends_with(".plist"))
    {
        let user = text(cols, "username")
            .map(str::to_owned)
            .or_else(|| plist_owner(path));
        launch_item(e, c, user);
    } else {
        return false;
    }
    if !path.is_empty() {
        set_path(e, "file.path", s(path));
    }
    if ["/Users/", "/Library/", "/System/", "/usr/lib/cron/tabs/"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        set_path(e, "host.os.type", s("macos"));
    }
    true
}

/// A launchd property list as collectors report it (a Velociraptor or osquery-like artifact
/// over `~/Library/LaunchAgents`, a plist converted to JSON): `ProgramArguments` (or `Program`)
/// beside `Label`, at the top or one level down, with the plist's path (`FullPath`, `OSPath`,
/// `Path`, `path`) and the collecting host (`Fqdn`, `Hostname`). Judged as the process launchd
/// starts for it, like osquery's `launchd` rows.
pub(super) fn launchd_plist(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let is_plist = |m: &Map<String, Json>| {
        m.contains_key("Label") && (m.contains_key("ProgramArguments") || m.contains_key("Program"))
    };
    let plist = if is_plist(obj) {
        obj
    } else {
        obj.values()
            .filter_map(Json::as_object)
            .find(|m| is_plist(m))?
    };
    let command = match plist.get("ProgramArguments") {
        Some(Json::Array(a)) if !a.is_empty() => {
            shell_join(&a.iter().filter_map(Json::as_str).collect::<Vec<_>>())
        }
        Some(Json::String(c)) if !c.trim().is_empty() => c.clone(),
        _ => text(&Json::Object(plist.clone()), "Program")?.to_owned(),
    };
    let path = ["FullPath", "OSPath", "Path", "path"]
        .iter()
        .find_map(|k| mtext(obj, k))
        .filter(|p| p.ends_with(".plist"))
        .unwrap_or_default();
    let mut e = Map::new();
    launch_item(&mut e, &command, plist_owner(path));
    if !path.is_empty() {
        set_path(&mut e, "file.path", s(path));
    }
    if let Some(h) = ["Fqdn", "Hostname", "hostname", "ComputerName", "host"]
        .iter()
        .find_map(|k| mtext(obj, k))
    {
        set_path(&mut e, "host.name", s(h));
    }
    set_path(&mut e, "host.os.type", s("macos"));
    if let Some(t) = ["Mtime", "@timestamp", "timestamp"]
        .iter()
        .find_map(|k| mtext(obj, k))
    {
        e.insert("@timestamp".into(), s(t));
    }
    e.insert("raw".into(), Json::Object(obj.clone()));
    Some((e, None))
}

/// Whose job a launchd plist (or crontab) is, from where it sits: a user's own folder
/// (`/Users/NAME/…`, `/home/NAME/…`) is that user's; the system's `/Library` and `/System`
/// run as root.
fn plist_owner(path: &str) -> Option<String> {
    match path.split('/').collect::<Vec<_>>().as_slice() {
        ["", "Users" | "home", user, ..] => Some((*user).to_owned()),
        ["", "Library" | "System", ..] => Some("root".to_owned()),
        _ => None,
    }
}

/// A launchd job, judged as the process it starts: launchd runs `command` as `user`.
fn launch_item(e: &mut Map<String, Json>, command: &str, user: Option<String>) {
    let exe = program(command);
    set_path(e, "process.executable", s(exe));
    set_path(e, "process.name", s(basename_of(exe)));
    set_path(e, "process.command_line", s(command));
    set_path(e, "process.parent.name", s("launchd"));
    if let Some(u) = user {
        set_path(e, "user.name", Json::String(u));
    }
}

/// SentinelOne Deep Visibility events as the `dv/events` API returns them (camelCase):
/// a process creation's target (`tgtProc*`, or `process*`) started by its source (`srcProc*`,
/// or `parent*`), the source's parent and grandparent, the agent as the host.
fn sentinelone_dv_api(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    let get = |k: &str| mtext(obj, k);
    let mut e = Map::new();
    let creation = get("tgtProcCmdLine").is_some() || get("tgtProcImagePath").is_some();
    let (me_path, me_cmd) = if creation {
        (get("tgtProcImagePath"), get("tgtProcCmdLine"))
    } else {
        (
            get("processImagePath").or_else(|| get("srcProcImagePath")),
            get("processCmd").or_else(|| get("srcProcCmdLine")),
        )
    };
    put_process(&mut e, "process", me_path.map(str::to_owned), me_cmd);
    let (p_path, p_cmd, p_name) = if creation || get("processCmd").is_some() {
        (
            get("srcProcImagePath"),
            get("srcProcCmdLine"),
            get("srcProcName").or_else(|| get("parentProcessName")),
        )
    } else {
        (
            get("srcProcParentImagePath"),
            None,
            get("srcProcParentName"),
        )
    };
    put_process(&mut e, "process.parent", p_path.map(str::to_owned), p_cmd);
    if p_path.is_none()
        && let Some(n) = p_name
    {
        set_path(&mut e, "process.parent.name", s(n));
    }
    if creation || get("processCmd").is_some() {
        put_process(
            &mut e,
            "process.parent.parent",
            get("srcProcParentImagePath").map(str::to_owned),
            None,
        );
    }
    let num = |k: &str| get(k).and_then(|v| v.parse::<i64>().ok());
    if let Some(n) = num("tgtProcPid").or_else(|| num("pid")) {
        set_path(&mut e, "process.pid", Json::from(n));
    }
    if let Some(n) = num("srcProcPid").or_else(|| num("parentPid")) {
        set_path(&mut e, "process.parent.pid", Json::from(n));
    }
    if let Some(d) = get("tgtProcWorkingDirectory") {
        set_path(&mut e, "process.working_directory", s(d));
    }
    if let Some(i) = get("tgtProcIntegrityLevel").or_else(|| get("processIntegrityLevel")) {
        set_path(
            &mut e,
            "process.integrity_level",
            s(&i.to_ascii_lowercase()),
        );
    }
    if let Some(u) = get("tgtProcUser")
        .or_else(|| get("user"))
        .or_else(|| get("srcProcUser"))
    {
        set_user(&mut e, u);
    }
    if let Some(h) = get("agentName") {
        set_path(&mut e, "host.name", s(h));
    }
    let os = match get("agentOs").map(str::to_ascii_lowercase).as_deref() {
        Some("osx" | "macos") => "macos",
        Some("linux") => "linux",
        _ => "windows",
    };
    set_path(&mut e, "host.os.type", s(os));
    if let Some(t) = get("createdAt").or_else(|| get("eventTime")) {
        e.insert("@timestamp".into(), s(t));
    }
    let id = get("id").map(str::to_owned);
    finish(
        &mut e,
        "sentinelone",
        "sentinelone",
        Json::Object(obj.clone()),
    );
    Some((e, id))
}

/// SentinelOne Deep Visibility / Singularity Data Lake events (`src.process.*`, `tgt.process.*`,
/// `endpoint.*`; flat dotted keys or nested). In a "Process Creation" event the source process
/// created the target: the target is the process and the source its parent.
pub(super) fn sentinelone(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    if obj.contains_key("sourceProcessInfo") || obj.contains_key("threatInfo") {
        return sentinelone_api(obj);
    }
    if obj.contains_key("agentName")
        && (obj.contains_key("tgtProcCmdLine")
            || obj.contains_key("srcProcCmdLine")
            || obj.contains_key("processCmd"))
    {
        return sentinelone_dv_api(obj);
    }
    if !obj
        .keys()
        .any(|k| k == "src" || k.starts_with("src.process."))
        || !obj
            .keys()
            .any(|k| k == "endpoint" || k.starts_with("endpoint."))
    {
        return None;
    }
    let d = Json::Object(super::expand(obj.clone()));
    let src = super::get_path(&d, "src.process")?;
    let tgt = super::get_path(&d, "tgt.process").filter(|t| t.get("cmdline").is_some());
    let mut e = Map::new();
    let path = |p: &Json| {
        super::get_path(p, "image.path")
            .and_then(Json::as_str)
            .map(str::to_owned)
    };
    let put = |e: &mut Map<String, Json>, prefix: &str, p: &Json| {
        put_process(e, prefix, path(p), text(p, "cmdline"));
        if path(p).is_none()
            && let Some(n) = text(p, "name")
        {
            set_path(e, &format!("{prefix}.name"), s(n));
        }
        if let Some(pid) = p.get("pid").filter(|v| v.is_number()) {
            set_path(e, &format!("{prefix}.pid"), pid.clone());
        }
        if let Some(h) = super::get_path(p, "image.sha256").and_then(Json::as_str) {
            set_path(e, &format!("{prefix}.hash.sha256"), s(h));
        }
        // The file's version-information description ("Windows PowerShell").
        if let Some(d) = text(p, "displayName") {
            set_path(e, &format!("{prefix}.pe.description"), s(d));
        }
    };
    let (me, parent, grand) = match tgt {
        Some(t) => (t, Some(src), src.get("parent")),
        None => (src, src.get("parent"), None),
    };
    if text(me, "cmdline").is_none() && path(me).is_none() {
        return None;
    }
    put(&mut e, "process", me);
    if let Some(p) = parent {
        put(&mut e, "process.parent", p);
    }
    if let Some(g) = grand {
        put(&mut e, "process.parent.parent", g);
    }
    if let Some(u) = text(me, "user").or_else(|| text(src, "user")) {
        set_user(&mut e, u);
    }
    if let Some(ep) = d.get("endpoint") {
        if let Some(n) = text(ep, "name") {
            set_path(&mut e, "host.name", s(n));
        }
        if let Some(os) = text(ep, "os") {
            set_path(
                &mut e,
                "host.os.name",
                s(if os == "osx" { "macOS" } else { os }),
            );
        }
    }
    if let Some(t) = text(&d, "timestamp") {
        e.insert("@timestamp".into(), s(t));
    }
    // A `Command Script` event: the script the process ran, as the engine's AMSI scan saw it
    // (PowerShell, VBScript, JScript), and the script's file.
    if let Some(c) = super::get_path(&d, "cmdScript.content").and_then(Json::as_str) {
        set_path(&mut e, "powershell.file.script_block_text", s(c));
        if let Some(f) = super::get_path(&d, "tgt.file.path").and_then(Json::as_str) {
            set_path(&mut e, "file.path", s(f));
        }
    }
    // An `IP Connect` or `DNS` event: where the process went.
    for (from, to) in [
        ("dst.ip.address", "destination.ip"),
        ("dst.port.number", "destination.port"),
        ("event.dns.request", "dns.question.name"),
        ("url.address", "url.full"),
        ("dst.url.address", "url.full"),
    ] {
        if let Some(v) = super::get_path(&d, from).filter(|v| !v.is_null()) {
            set_path(&mut e, to, v.clone());
        }
    }
    finish(
        &mut e,
        "sentinelone",
        "sentinelone",
        Json::Object(obj.clone()),
    );
    Some((e, None))
}

/// The program Windows runs a script file with, by its extension (`.vbs` → wscript.exe), and
/// the command line it is given.
fn script_host_for(file: &str) -> Option<(&'static str, String)> {
    let f = file.to_ascii_lowercase();
    if !f.contains(":\\") {
        return None;
    }
    let (exe, cmd) = match f.rsplit_once('.').map(|(_, x)| x)? {
        "vbs" | "vbe" | "js" | "jse" | "wsf" | "wsh" => {
            (r"C:\Windows\System32\wscript.exe", "wscript.exe")
        }
        "hta" => (r"C:\Windows\System32\mshta.exe", "mshta.exe"),
        "ps1" => (
            r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
            "powershell.exe -File",
        ),
        "bat" | "cmd" => (r"C:\Windows\System32\cmd.exe", "cmd.exe /c"),
        _ => return None,
    };
    Some((exe, format!("{cmd} \"{file}\"")))
}

/// The Windows interpreter a threat's process arguments belong to when the threat's file is a
/// script, not a program: cmd's switches (`/c`, `/k`, `/r`) or PowerShell's (`-nop`, `-enc`,
/// `-w hidden`, `-ep bypass`, `-command`).
fn implied_interpreter(file: &str, args: &str) -> Option<&'static str> {
    let f = file.to_ascii_lowercase();
    let ext = f.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    if !f.contains('\\')
        || ext.contains('\\')
        || matches!(
            ext,
            "exe" | "com" | "scr" | "dll" | "cpl" | "msi" | "sys" | "ocx" | ""
        )
    {
        return None;
    }
    let a = args.trim_start().to_ascii_lowercase();
    let word = a.split_whitespace().next().unwrap_or_default();
    // cmd's switches, `/v:on` (delayed expansion) and `/e:on` among them, before its `/c`.
    let cmd_switch = |w: &str| {
        matches!(w, "/c" | "/k" | "/r" | "/q" | "/d")
            || ["/v:", "/e:", "/f:", "/t:", "/a", "/u"]
                .iter()
                .any(|o| w.starts_with(o))
    };
    if matches!(word, "/c" | "/k" | "/r" | "/q" | "/d")
        || (cmd_switch(word)
            && a.split_whitespace()
                .take(5)
                .take_while(|w| cmd_switch(w))
                .any(|w| matches!(w, "/c" | "/k" | "/r")))
    {
        Some(r"C:\Windows\System32\cmd.exe")
    } else if ["//e:", "//b", "//nologo", "//t:", "//job:", "//x"]
        .iter()
        .any(|o| word.starts_with(o))
    {
        // The Windows Script Host's own switches (`//E:jscript //B file`).
        Some(r"C:\Windows\System32\wscript.exe")
    } else if matches!(
        word,
        "-nop"
            | "-noprofile"
            | "-enc"
            | "-encodedcommand"
            | "-ec"
            | "-w"
            | "-windowstyle"
            | "-ep"
            | "-executionpolicy"
            | "-command"
            | "-noni"
            | "-noninteractive"
            | "-sta"
    ) {
        Some(r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe")
    } else {
        None
    }
}

/// SentinelOne's management API: a STAR / cloud-detection alert (`alertInfo`, `ruleInfo`,
/// `sourceProcessInfo` that started `targetProcessInfo`, `sourceParentProcessInfo`), or a threat
/// (`threatInfo`: the file, its arguments, the originating process).
fn sentinelone_api(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    let mut e = Map::new();
    let mut id = None;
    let agent = obj
        .get("agentDetectionInfo")
        .into_iter()
        .chain(obj.get("agentRealtimeInfo"));
    for a in agent {
        if let Some(n) = text(a, "name").or_else(|| text(a, "agentComputerName")) {
            set_path(&mut e, "host.name", s(n));
        }
        if let Some(os) = text(a, "osFamily")
            .or_else(|| text(a, "os"))
            .or_else(|| text(a, "agentOsType"))
            .or_else(|| text(a, "osName"))
            .or_else(|| text(a, "agentOsName"))
        {
            set_path(
                &mut e,
                "host.os.name",
                s(if os == "osx" { "macOS" } else { os }),
            );
        }
    }
    if let Some(src) = obj.get("sourceProcessInfo") {
        let proc_ = |p: &Json, path: &str, cmd: &str| {
            (
                text(p, path).map(str::to_owned),
                text(p, cmd).map(str::to_owned),
            )
        };
        // The target as the API documents it (`tgtProcImagePath`, `tgtProcCmdLine`; `tgtFilePath`
        // in older exports) or in the source's own field names.
        let tgt_path = |t: &Json| {
            ["tgtProcImagePath", "tgtFilePath", "filePath"]
                .into_iter()
                .find_map(|k| text(t, k))
                .map(str::to_owned)
        };
        let tgt_cmd = |t: &Json| {
            ["tgtProcCmdLine", "commandline"]
                .into_iter()
                .find_map(|k| text(t, k))
                .map(str::to_owned)
        };
        let tgt = obj
            .get("targetProcessInfo")
            .filter(|t| tgt_path(t).is_some() || tgt_cmd(t).is_some());
        let (me_path, me_cmd) = match tgt {
            Some(t) => (tgt_path(t), tgt_cmd(t)),
            None => proc_(src, "filePath", "commandline"),
        };
        if me_path.is_none() && me_cmd.is_none() {
            return None;
        }
        put_process(&mut e, "process", me_path, me_cmd.as_deref());
        let parents: Vec<&Json> = match tgt {
            Some(_) => [Some(src), obj.get("sourceParentProcessInfo")]
                .into_iter()
                .flatten()
                .collect(),
            // (or nested in the source, `parent: {name, commandline, grandparent}`)
            None => obj
                .get("sourceParentProcessInfo")
                .or_else(|| src.get("parent").filter(|p| p.is_object()))
                .into_iter()
                .collect(),
        };
        for (p, prefix) in parents
            .into_iter()
            .zip(["process.parent", "process.parent.parent"])
        {
            let (path, cmd) = proc_(p, "filePath", "commandline");
            put_process(&mut e, prefix, path, cmd.as_deref());
        }
        // A grandparent the source's parent names by its command line.
        if e.get("process")
            .and_then(|p| p.get("parent"))
            .and_then(|p| p.get("parent"))
            .is_none()
            && let Some(g) = src
                .get("parent")
                .and_then(|p| p.get("grandparent"))
                .and_then(Json::as_str)
                .filter(|g| g.starts_with('/') || g.contains(":\\"))
        {
            put_process(&mut e, "process.parent.parent", None, Some(g));
        }
        if let Some(t) = tgt {
            if let Some(w) = text(t, "tgtProcWorkingDirectory") {
                set_path(&mut e, "process.working_directory", s(w));
            }
            if let Some(pid) = text(t, "tgtProcPid").and_then(|p| p.parse::<i64>().ok()) {
                set_path(&mut e, "process.pid", Json::from(pid));
            }
        }
        // The source's user is the target's parent's. A service manager (PID 1, cron, sshd)
        // runs as root whoever it starts a program for: its user says nothing of the target's.
        let src_is_service = text(src, "filePath").is_some_and(|p| {
            matches!(
                basename_of(p),
                "systemd" | "init" | "launchd" | "cron" | "crond" | "sshd" | "sshd-session"
            )
        });
        let user = match tgt {
            Some(t) => text(t, "tgtProcUser")
                .or_else(|| text(t, "user"))
                .or_else(|| text(src, "user").filter(|_| !src_is_service)),
            None => text(src, "user"),
        };
        if let Some(u) = user {
            set_user(&mut e, u);
        }
        if let Some(r) = obj.get("ruleInfo") {
            if let Some(n) = text(r, "name") {
                set_path(&mut e, "rule.name", s(n));
            }
            if let Some(d) = text(r, "description") {
                set_path(&mut e, "rule.description", s(d));
            }
        }
        if let Some(a) = obj.get("alertInfo") {
            id = text(a, "alertId").map(str::to_owned);
            if let Some(t) = text(a, "createdAt").or_else(|| text(a, "reportedAt")) {
                e.insert("@timestamp".into(), s(t));
            }
        }
    } else {
        let ti = obj.get("threatInfo")?;
        // The threat's file (a kernel path, `\Device\HarddiskVolume3\…`) and the arguments of
        // the process it was caught in. When those arguments start with another program (a
        // script run by node.exe, wscript …), that program is the process and the file its
        // script.
        let file = text(ti, "filePath").map(drive_path);
        // The threat's process tree (`processTree`: root first, each with `name`, `path`,
        // `cmdline`): the last entry with a command line is the threat's process, the entries
        // before it its parent and grandparent.
        let tree: Vec<&Json> = obj
            .get("processTree")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .collect();
        // The entry of the threat's own file when the tree goes on to its children.
        let file_name = file.as_deref().map(|f| basename_of(f).to_ascii_lowercase());
        let leaf = tree
            .iter()
            .rposition(|p| {
                text(p, "cmdline").is_some()
                    && file_name.as_deref().is_some_and(|f| {
                        text(p, "path").is_some_and(|x| basename_of(x).eq_ignore_ascii_case(f))
                            || text(p, "name").is_some_and(|n| n.eq_ignore_ascii_case(f))
                    })
            })
            // (or the interpreter running the threat's file, a script, by its path)
            .or_else(|| {
                let f = file.as_deref().filter(|f| f.contains(['/', '\\']))?;
                tree.iter().rposition(|p| {
                    text(p, "cmdline").is_some_and(|c| {
                        let program = c.split_whitespace().next().unwrap_or_default();
                        c.contains(f)
                            && !program.contains(f)
                            && !matches!(basename_of(program), "sudo" | "doas")
                    })
                })
            })
            .or_else(|| tree.iter().rposition(|p| text(p, "cmdline").is_some()));
        // `commandLineArguments` in some exports of the same object; without either, the tree's
        // entry gives the command line and the entries before it the parent and grandparent.
        let own_args = text(ti, "maliciousProcessArguments")
            .or_else(|| text(ti, "commandLineArguments"))
            .filter(|a| !a.trim().is_empty());
        let from_tree = leaf.filter(|_| own_args.is_none());
        // Without either, an indicator's description that quotes the command after a colon
        // (`…changed its UID to root via setuid capability: python3.10 -c '…'`).
        let quoted = file_name.as_deref().and_then(|f| {
            let indicators = obj.get("indicators")?.as_array()?;
            indicators
                .iter()
                .filter_map(|i| text(i, "description"))
                .find_map(|d| {
                    let lower = d.to_ascii_lowercase();
                    let full = file
                        .as_deref()
                        .map(|p| format!(": {} ", p.to_ascii_lowercase()));
                    let at = lower
                        .find(&format!(": {f} "))
                        .or_else(|| full.and_then(|x| lower.find(&x)))?;
                    Some(d[at + 2..].trim().to_owned())
                })
        });
        let args = own_args
            .or_else(|| from_tree.and_then(|i| text(tree[i], "cmdline")))
            .or(quoted.as_deref());
        if let Some(i) = from_tree {
            for (j, prefix) in (0..i)
                .rev()
                .zip(["process.parent", "process.parent.parent"])
            {
                let p = tree[j];
                put_process(
                    &mut e,
                    prefix,
                    text(p, "path").map(str::to_owned),
                    text(p, "cmdline"),
                );
                if text(p, "path").is_none()
                    && let Some(n) = text(p, "name")
                {
                    set_path(&mut e, &format!("{prefix}.name"), s(n));
                }
            }
        }
        let first = args.map(program);
        // The threat's file's name when that file (and so its hashes) is the process's parent.
        let mut threat_parent: Option<String> = None;
        let (path, cmd) = match (file, args) {
            // A Windows script the threat is (a web shell, a .js or .vbs) whose process's
            // arguments are cmd's (`/c …`) or PowerShell's (`-nop …`) or the Script Host's (`//E:jscript`): that interpreter is the
            // process, the script the file it came from.
            (Some(p), Some(a)) if let Some(exe) = implied_interpreter(&p, a) => {
                set_path(&mut e, "file.path", s(&p));
                (
                    Some(exe.to_owned()),
                    Some(format!("{} {a}", basename_of(exe))),
                )
            }
            (Some(p), Some(a)) if a.to_lowercase().contains(&p.to_lowercase()) => {
                let exe = first
                    .filter(|f| !f.eq_ignore_ascii_case(&p) && f.contains(['\\', '/']))
                    .map(str::to_owned);
                (exe.or(Some(p)), Some(a.to_owned()))
            }
            // The arguments already start with the program's bare name (`python3 x.py` for
            // `/usr/bin/python3.12`, `powershell.exe -nop …`): they are the whole command line.
            (Some(p), Some(a)) if same_program(first.unwrap_or_default(), &p) => {
                (Some(p), Some(a.to_owned()))
            }
            // The arguments start with a command of their own (`sudo -S -k /bin/zsh -c …`, `osascript
            // -e …`), not with options: the threat's program ran that command, which is the
            // process; the threat's file is its parent.
            (Some(p), Some(a))
                if first.is_some_and(|f| {
                    // A bare name, or a system program's full path (`/usr/bin/osascript -e …`
                    // caught in a fake installer) that is not the threat's file itself.
                    let bare = !f.contains(['\\', '/']);
                    let f = if bare {
                        f
                    } else if f.starts_with('/') && !f.eq_ignore_ascii_case(&p) {
                        basename_of(f)
                    } else {
                        return false;
                    };
                    matches!(
                        f,
                        "sudo"
                            | "doas"
                            | "pkexec"
                            | "osascript"
                            | "sh"
                            | "bash"
                            | "zsh"
                            | "dash"
                            | "curl"
                            | "wget"
                            | "perl"
                            | "ruby"
                            | "node"
                    ) || f.starts_with("python")
                }) =>
            {
                set_path(&mut e, "process.parent.executable", s(&p));
                set_path(&mut e, "process.parent.name", s(basename_of(&p)));
                threat_parent = Some(basename_of(&p).to_owned());
                let f = first.unwrap_or_default();
                set_path(&mut e, "process.name", s(basename_of(f)));
                (f.starts_with('/').then(|| f.to_owned()), Some(a.to_owned()))
            }
            (Some(p), Some(a)) => (Some(p.clone()), Some(format!("\"{p}\" {a}"))),
            // A Windows script with no arguments recorded, caught as it ran: the program that
            // runs that kind of script, with the script as its argument.
            (Some(p), None) if let Some((exe, cmd)) = script_host_for(&p) => {
                set_path(&mut e, "file.path", s(&p));
                (Some(exe.to_owned()), Some(cmd))
            }
            (p, a) => (p, a.map(str::to_owned)),
        };
        // Entries after the threat's own in the tree are what it started: their command lines
        // follow its own as branches.
        // (also when the threat's own arguments are that entry's command line)
        let branches_after = from_tree.or_else(|| {
            leaf.filter(|&i| own_args.is_some_and(|a| text(tree[i], "cmdline") == Some(a)))
        });
        let cmd = match branches_after {
            Some(i) => with_branches(
                cmd.as_deref(),
                tree[i + 1..].iter().filter_map(|p| text(p, "cmdline")),
            ),
            None => cmd,
        };
        // Commands the indicators quote (`…via security utility: security dump-keychain -d …`,
        // or a description that is only the command): what the threat's process ran, as
        // branches — a bare lower-case program name followed by an option or a path, never
        // prose, and never the process's own line again.
        let quoted_cmds: Vec<&str> = obj
            .get("indicators")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|i| text(i, "description"))
            .map(|d| d.rsplit_once(": ").map_or(d, |(_, c)| c).trim())
            .filter(|c| {
                let mut words = c.split_whitespace();
                let prog = words.next().unwrap_or_default();
                !prog.is_empty()
                    && prog.chars().all(|ch| {
                        ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-/".contains(ch)
                    })
                    && words.any(|w| w.starts_with(['-', '/']))
                    && Some(*c) != quoted.as_deref()
                    && cmd.as_deref().is_none_or(|own| !own.contains(*c))
            })
            .collect();
        let cmd = if quoted_cmds.is_empty() {
            cmd
        } else {
            with_branches(cmd.as_deref(), quoted_cmds)
        };
        path.as_ref().or(cmd.as_ref())?;
        put_process(&mut e, "process", path, cmd.as_deref());
        // The techniques SentinelOne's indicators name.
        let techniques: Vec<Json> = obj
            .get("indicators")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|i| i.get("tactics").and_then(Json::as_array))
            .flatten()
            .filter_map(|t| t.get("techniques").and_then(Json::as_array))
            .flatten()
            .filter_map(|t| text(t, "name").or_else(|| text(t, "title")))
            .filter(|n| {
                n.starts_with('T') && n[1..].chars().next().is_some_and(|c| c.is_ascii_digit())
            })
            .map(|n| Json::String(n.to_owned()))
            .collect();
        if !techniques.is_empty() {
            set_path(&mut e, "threat.technique.id", Json::Array(techniques));
        }
        // The originator started the threat's process; when that process is the parent (the
        // threat's file ran a command of its own), a different originator is the grandparent.
        let originator = match (&threat_parent, text(ti, "originatorProcess")) {
            (Some(n), Some(o)) if !n.eq_ignore_ascii_case(o) => "process.parent.parent",
            (Some(_), None) => "process.parent.parent",
            _ => "process.parent",
        };
        if let Some(o) = text(ti, "originatorProcess") {
            set_path(&mut e, &format!("{originator}.name"), s(o));
        }
        // The originator's path, where the console gives it (with its signer), or its
        // details under `originatorProcessInfo` (path and command line).
        let info = obj
            .get("originatorProcessInfo")
            .or_else(|| ti.get("originatorProcessInfo"))
            .filter(|i| i.is_object());
        if let Some(p) =
            text(ti, "originatorProcessPath").or_else(|| info.and_then(|i| text(i, "path")))
        {
            set_path(
                &mut e,
                &format!("{originator}.executable"),
                s(&drive_path(p)),
            );
        }
        if let Some(c) = info.and_then(|i| text(i, "commandLine").or_else(|| text(i, "cmdline"))) {
            set_path(&mut e, &format!("{originator}.command_line"), s(c));
        }
        if let Some(u) = text(ti, "processUser") {
            set_user(&mut e, u);
        }
        let owner = if threat_parent.is_some() {
            "process.parent"
        } else {
            "process"
        };
        for k in ["sha256", "sha1"] {
            if let Some(h) = text(ti, k) {
                set_path(&mut e, &format!("{owner}.hash.{k}"), s(h));
            }
        }
        if let Some(n) = text(ti, "threatName") {
            set_path(&mut e, "rule.name", s(n));
        }
        if let Some(t) = text(ti, "identifiedAt").or_else(|| text(ti, "createdAt")) {
            e.insert("@timestamp".into(), s(t));
        }
        id = text(ti, "threatId").map(str::to_owned);
    }
    finish(
        &mut e,
        "sentinelone",
        "sentinelone",
        Json::Object(obj.clone()),
    );
    Some((e, id))
}

/// Falco alerts (`json_output`, or as falcosidekick forwards them): the rule, its priority and
/// tags, and the syscall event's fields under `output_fields` (`proc.cmdline`, `proc.pname`,
/// `container.id`, `k8s.pod.name` ...).
pub(super) fn falco(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    // Sysdig Secure's event API carries the same fields under `content.fields`.
    if let Some(content) = obj
        .get("content")
        .and_then(Json::as_object)
        .filter(|c| c.get("fields").is_some_and(Json::is_object) && c.contains_key("ruleName"))
    {
        let mut f = obj.clone();
        f.insert("output_fields".into(), content["fields"].clone());
        f.insert("rule".into(), content["ruleName"].clone());
        f.entry("priority")
            .or_insert_with(|| obj.get("severity").cloned().unwrap_or(Json::Null));
        if let Some(tags) = content.get("ruleTags") {
            f.insert("tags".into(), tags.clone());
        }
        if let Some(t) = obj.get("timestamp").filter(|t| t.is_string()) {
            f.insert("time".into(), t.clone());
        }
        if let Some(id) = obj.get("id") {
            f.insert("uuid".into(), id.clone());
        }
        if !f.contains_key("hostname")
            && let Some(h) = obj
                .get("labels")
                .and_then(|l| l.get("host.hostName").or_else(|| l.get("host.hostname")))
        {
            f.insert("hostname".into(), h.clone());
        }
        f.remove("content");
        return falco(&f);
    }
    let f = obj.get("output_fields")?.as_object()?;
    if !(obj.contains_key("rule") && obj.contains_key("priority")) {
        return None;
    }
    let get = |k: &str| mtext(f, k);
    let mut e = Map::new();
    let exe = get("proc.exepath").or_else(|| get("proc.exe").filter(|x| x.starts_with('/')));
    put_process(
        &mut e,
        "process",
        exe.map(str::to_owned),
        get("proc.cmdline"),
    );
    if exe.is_none()
        && let Some(n) = get("proc.name")
    {
        set_path(&mut e, "process.name", s(n));
    }
    let pexe = get("proc.pexepath").or_else(|| get("proc.pexe").filter(|x| x.starts_with('/')));
    put_process(
        &mut e,
        "process.parent",
        pexe.map(str::to_owned),
        get("proc.pcmdline"),
    );
    if pexe.is_none()
        && let Some(n) = get("proc.pname")
    {
        set_path(&mut e, "process.parent.name", s(n));
    }
    if let Some(n) = get("proc.aname[2]") {
        set_path(&mut e, "process.parent.parent.name", s(n));
    }
    if let Some(c) = get("proc.acmdline[2]") {
        set_path(&mut e, "process.parent.parent.command_line", s(c));
    }
    // Further ancestors by name: a container build's step shows its builder (buildkitd) here.
    for (k, to) in [
        ("proc.aname[3]", "process.parent.parent.parent.name"),
        ("proc.aname[4]", "process.parent.parent.parent.parent.name"),
    ] {
        if let Some(n) = get(k) {
            set_path(&mut e, to, s(n));
        }
    }
    for (from, to) in [
        ("proc.pid", "process.pid"),
        ("proc.ppid", "process.parent.pid"),
    ] {
        if let Some(v) = f.get(from).filter(|v| v.is_number()) {
            set_path(&mut e, to, v.clone());
        }
    }
    if let Some(c) = get("proc.cwd") {
        set_path(&mut e, "process.working_directory", s(c));
    }
    if let Some(u) = get("user.name") {
        set_path(&mut e, "user.name", s(u));
    }
    if let Some(u) = f.get("user.uid").filter(|v| v.is_number()) {
        set_path(&mut e, "user.id", s(&u.to_string()));
    }
    if let Some(c) = get("container.id").filter(|c| *c != "host") {
        set_path(&mut e, "container.id", s(c));
        if let Some(i) = get("container.image.repository") {
            set_path(&mut e, "container.image.name", s(i));
        }
        if let Some(n) = get("container.name") {
            set_path(&mut e, "container.name", s(n));
        }
    }
    // Falco's network fields: where the event's socket goes. A shell whose stdin/stdout were
    // duplicated onto it (`evt.type` dup2) is a reverse shell.
    if let Some(ip) = get("fd.sip").or_else(|| get("fd.rip")) {
        set_path(&mut e, "destination.ip", s(ip));
        if let Some(p) = f
            .get("fd.rport")
            .or_else(|| f.get("fd.sport"))
            .filter(|v| v.is_number())
        {
            set_path(&mut e, "destination.port", p.clone());
        }
        if get("evt.type") == Some("dup2")
            || get("evt.type") == Some("dup3")
            || get("evt.type") == Some("dup")
        {
            set_path(&mut e, "process.io.redirected_to", s(ip));
        }
    }
    if let Some(p) = get("k8s.pod.name") {
        set_path(&mut e, "orchestrator.resource.name", s(p));
        set_path(&mut e, "orchestrator.type", s("kubernetes"));
    }
    if let Some(n) = get("k8s.ns.name") {
        set_path(&mut e, "orchestrator.namespace", s(n));
    }
    if let Some(h) = mtext(obj, "hostname") {
        set_path(&mut e, "host.name", s(h));
    }
    set_path(&mut e, "host.os.type", s("linux"));
    if let Some(r) = mtext(obj, "rule") {
        set_path(&mut e, "rule.name", s(r));
    }
    if let Some(Json::Array(tags)) = obj.get("tags") {
        let ids: Vec<&str> = tags.iter().filter_map(Json::as_str).collect();
        set_techniques(&mut e, &ids);
    }
    if let Some(t) = mtext(obj, "time") {
        e.insert("@timestamp".into(), s(t));
    }
    finish(&mut e, "falco", "falco", Json::Object(obj.clone()));
    Some((e, mtext(obj, "uuid").map(str::to_owned)))
}

/// Cilium Tetragon's export (`tetra getevents -o json`, the JSON export file): one event per
/// line, keyed by its type — `process_exec` (the process, its parent and `ancestors`),
/// `process_kprobe` (a policy's hook: `tcp_connect` and friends carry a `sock_arg` with the
/// destination) or `process_exit`. Arguments come as one string beside `binary`; Kubernetes'
/// pod, container and workload ride along; the node is the host.
pub(super) fn tetragon(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    let (kind, ev) = [
        "process_exec",
        "process_kprobe",
        "process_exit",
        "process_tracepoint",
    ]
    .into_iter()
    .find_map(|k| obj.get(k).and_then(Json::as_object).map(|v| (k, v)))?;
    let proc_ = ev.get("process").and_then(Json::as_object)?;
    mtext(proc_, "binary")?;
    if !(proc_.contains_key("exec_id") || proc_.contains_key("pid")) {
        return None;
    }
    let mut e = Map::new();
    let put = |e: &mut Map<String, Json>, prefix: &str, p: &Map<String, Json>| {
        let bin = mtext(p, "binary");
        let cmd = match (bin, mtext(p, "arguments")) {
            (Some(b), Some(a)) => Some(format!("{b} {a}")),
            (Some(b), None) => Some(b.to_owned()),
            _ => None,
        };
        put_process(e, prefix, bin.map(str::to_owned), cmd.as_deref());
        if let Some(pid) = p.get("pid").filter(|v| v.is_number()) {
            set_path(e, &format!("{prefix}.pid"), pid.clone());
        }
        if let Some(id) = mtext(p, "exec_id") {
            set_path(e, &format!("{prefix}.entity_id"), s(id));
        }
        if let Some(c) = mtext(p, "cwd") {
            set_path(e, &format!("{prefix}.working_directory"), s(c));
        }
    };
    put(&mut e, "process", proc_);
    if let Some(parent) = ev.get("parent").and_then(Json::as_object) {
        put(&mut e, "process.parent", parent);
    }
    if let Some(g) = ev
        .get("ancestors")
        .and_then(Json::as_array)
        .and_then(|a| a.first())
        .and_then(Json::as_object)
        && let Some(gp) = mtext(g, "binary")
    {
        set_path(&mut e, "process.parent.parent.name", s(basename_of(gp)));
        set_path(&mut e, "process.parent.parent.executable", s(gp));
        // The grandparent's command (a shell's `-c` pipeline feeding this process).
        if let Some(args) = mtext(g, "arguments") {
            set_path(
                &mut e,
                "process.parent.parent.command_line",
                s(&format!("{gp} {args}")),
            );
        }
    }
    if let Some(uid) = proc_.get("uid").and_then(Json::as_u64) {
        set_path(&mut e, "user.id", s(&uid.to_string()));
        if uid == 0 {
            set_path(&mut e, "user.name", s("root"));
        }
    }
    if let Some(name) = proc_
        .get("user")
        .and_then(|u| u.get("name"))
        .and_then(Json::as_str)
        .filter(|n| !n.is_empty())
    {
        set_path(&mut e, "user.name", s(name));
    }
    if let Some(pod) = proc_.get("pod").and_then(Json::as_object) {
        if let Some(n) = mtext(pod, "name") {
            set_path(&mut e, "orchestrator.resource.name", s(n));
            set_path(&mut e, "orchestrator.type", s("kubernetes"));
        }
        if let Some(n) = mtext(pod, "namespace") {
            set_path(&mut e, "orchestrator.namespace", s(n));
        }
        if let Some(c) = pod.get("container").and_then(Json::as_object) {
            if let Some(id) = mtext(c, "id") {
                let id = id.split_once("://").map_or(id, |(_, i)| i);
                set_path(&mut e, "container.id", s(id));
            }
            if let Some(n) = mtext(c, "name") {
                set_path(&mut e, "container.name", s(n));
            }
            if let Some(i) = c
                .get("image")
                .and_then(|i| i.get("name"))
                .and_then(Json::as_str)
            {
                set_path(&mut e, "container.image.name", s(i));
            }
        }
    } else if let Some(d) = mtext(proc_, "docker") {
        set_path(&mut e, "container.id", s(d));
    }
    // A kprobe's socket argument: where the process connects.
    if let Some(sock) = ev
        .get("args")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .find_map(|a| a.get("sock_arg").and_then(Json::as_object))
        && let Some(ip) = mtext(sock, "daddr")
    {
        set_path(&mut e, "destination.ip", s(ip));
        if let Some(p) = sock.get("dport").filter(|v| v.is_number()) {
            set_path(&mut e, "destination.port", p.clone());
        }
        if let Some(ip) = mtext(sock, "saddr") {
            set_path(&mut e, "source.ip", s(ip));
        }
    }
    if let Some(f) = mtext(ev, "function_name") {
        set_path(&mut e, "event.action", s(f));
    } else {
        set_path(
            &mut e,
            "event.action",
            s(if kind == "process_exec" { "exec" } else { kind }),
        );
    }
    if let Some(p) = mtext(ev, "policy_name") {
        set_path(&mut e, "rule.name", s(p));
    }
    if let Some(h) = mtext(obj, "node_name") {
        set_path(&mut e, "host.name", s(h));
    }
    set_path(&mut e, "host.os.type", s("linux"));
    if let Some(t) = mtext(obj, "time") {
        e.insert("@timestamp".into(), s(t));
    }
    let id = mtext(proc_, "exec_id").map(|x| format!("{x}:{kind}"));
    finish(&mut e, "tetragon", "tetragon", Json::Object(obj.clone()));
    Some((e, id))
}

/// An argument vector as one command line, each argument that holds spaces or shell syntax in
/// single quotes (as a shell would need it).
pub(super) fn shell_join(argv: &[&str]) -> String {
    argv.iter()
        .map(|w| {
            if w.contains('\'') && !w.contains(['"', '$', '`', '\\']) {
                // (a script holding single quotes reads as itself in double quotes: no
                // `'\''` splices for the obfuscation checks to mistake)
                format!("\"{w}\"")
            } else if w.contains([' ', '\t', '\n', '"', '\'', ';', '|', '&']) {
                format!("'{}'", w.replace('\'', "'\\''"))
            } else {
                (*w).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Jamf Protect's telemetry (macOS audit events as JSON): `header.event_name` (`AUE_EXECVE`),
/// `exec_args.args` numbered from 1, `path`, `exec_chain_child.parent_path`, `subject` (the
/// process and its user), `identity` (its signature), `exec_env.env.PWD`, `host_info`.
pub(super) fn jamf_telemetry(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let header = obj.get("header")?;
    text(header, "event_name")?;
    let subject = obj.get("subject").filter(|x| x.is_object())?;
    let args = obj
        .get("exec_args")
        .and_then(|a| a.get("args"))
        .and_then(Json::as_object);
    let mut argv: Vec<(u64, &str)> = args
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.parse().ok()?, v.as_str()?)))
        .collect();
    argv.sort_by_key(|(i, _)| *i);
    let argv: Vec<&str> = argv.into_iter().map(|(_, a)| a).collect();
    let exe = obj
        .get("path")
        .and_then(|p| match p {
            Json::Array(a) => a.last().and_then(Json::as_str),
            Json::String(s) => Some(s.as_str()),
            _ => None,
        })
        .or_else(|| text(subject, "process_name"));
    if exe.is_none() && argv.is_empty() {
        return None;
    }
    let mut e = Map::new();
    let cmd = (!argv.is_empty()).then(|| shell_join(&argv));
    put_process(&mut e, "process", exe.map(str::to_owned), cmd.as_deref());
    if !argv.is_empty() {
        set_path(&mut e, "process.args", json!(argv));
    }
    if let Some(pid) = subject.get("process_id").filter(|v| v.is_number()) {
        set_path(&mut e, "process.pid", pid.clone());
    }
    if let Some(chain) = obj.get("exec_chain_child") {
        put_process(
            &mut e,
            "process.parent",
            text(chain, "parent_path").map(str::to_owned),
            None,
        );
        if let Some(pid) = chain.get("parent_pid").filter(|v| v.is_number()) {
            set_path(&mut e, "process.parent.pid", pid.clone());
        }
    }
    if let Some(pwd) = obj
        .get("exec_env")
        .and_then(|x| x.get("env"))
        .and_then(|x| text(x, "PWD"))
    {
        set_path(&mut e, "process.working_directory", s(pwd));
    }
    if let Some(u) = text(subject, "effective_user_name").or_else(|| text(subject, "user_name")) {
        set_path(&mut e, "user.name", s(u));
    }
    if let Some(u) = subject
        .get("effective_user_id")
        .or_else(|| subject.get("user_id"))
        .filter(|v| v.is_number())
    {
        set_path(&mut e, "user.id", s(&u.to_string()));
    }
    if let Some(id) = obj.get("identity") {
        if let Some(v) = text(id, "signer_id") {
            set_path(&mut e, "process.code_signature.signing_id", s(v));
        }
        if let Some(v) = text(id, "team_id") {
            set_path(&mut e, "process.code_signature.team_id", s(v));
        }
    }
    if let Some(h) = obj.get("host_info").and_then(|h| text(h, "host_name")) {
        set_path(&mut e, "host.name", s(h));
    }
    set_path(&mut e, "host.os.type", s("macos"));
    if let Some(t) = header
        .get("time_seconds_epoch")
        .and_then(Json::as_i64)
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
    {
        e.insert("@timestamp".into(), s(&t.to_rfc3339()));
    }
    // The event's identity: the host, the process and the second it ran.
    let id = obj
        .get("host_info")
        .and_then(|h| text(h, "host_uuid"))
        .map(|u| {
            let field = |v: Option<&Json>| v.map(Json::to_string).unwrap_or_default();
            format!(
                "{u}:{}:{}",
                field(subject.get("process_id")),
                field(header.get("time_seconds_epoch"))
            )
        });
    finish(
        &mut e,
        "jamf_protect",
        "jamf_protect",
        Json::Object(obj.clone()),
    );
    Some((e, id))
}

/// An AWS GuardDuty Runtime Monitoring finding (the finding itself, or EventBridge's event with
/// it under `detail`): `service.runtimeDetails.process` (name, path, working directory, user;
/// no command line is recorded) and its `lineage` (parent first), the EKS/ECS/EC2 resource as
/// the host, the finding `type` (`Execution:Runtime/ReverseShell` …) as the rule.
pub(super) fn guardduty(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    // The SDKs' and the CLI's export (`aws guardduty get-findings`) names the same fields in
    // PascalCase (`Service.RuntimeDetails.Process.ExecutablePath`).
    if obj.contains_key("Type") && obj.contains_key("Service") && obj.contains_key("Resource") {
        fn camel(v: &Json) -> Json {
            match v {
                Json::Object(m) => Json::Object(
                    m.iter()
                        .map(|(k, v)| {
                            let mut c = k.chars();
                            let k = match c.next() {
                                Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
                                None => String::new(),
                            };
                            (k, camel(v))
                        })
                        .collect(),
                ),
                Json::Array(a) => Json::Array(a.iter().map(camel).collect()),
                other => other.clone(),
            }
        }
        let Json::Object(lower) = camel(&Json::Object(obj.clone())) else {
            return None;
        };
        let (mut e, id) = guardduty(&lower)?;
        e.insert("guardduty".into(), Json::Object(obj.clone()));
        return Some((e, id));
    }
    let f = match obj.get("detail") {
        Some(d) if text(&Json::Object(obj.clone()), "source") == Some("aws.guardduty") => d,
        _ => &Json::Object(obj.clone()),
    };
    let kind = text(f, "type")?;
    let rt = f.get("service")?.get("runtimeDetails")?;
    let p = rt.get("process")?;
    let mut e = Map::new();
    let put = |e: &mut Map<String, Json>, prefix: &str, x: &Json| {
        let path = text(x, "executablePath").map(str::to_owned);
        if path.is_none()
            && let Some(n) = text(x, "name")
        {
            set_path(e, &format!("{prefix}.name"), s(n));
        }
        put_process(e, prefix, path, text(x, "commandLine"));
        if let Some(pid) = x.get("pid").filter(|v| v.is_number()) {
            set_path(e, &format!("{prefix}.pid"), pid.clone());
        }
    };
    put(&mut e, "process", p);
    let lineage = p.get("lineage").and_then(Json::as_array);
    if let Some(parent) = lineage.and_then(|l| l.first()) {
        put(&mut e, "process.parent", parent);
    }
    if let Some(gp) = lineage.and_then(|l| l.get(1)) {
        put(&mut e, "process.parent.parent", gp);
    }
    if let Some(d) = text(p, "pwd") {
        set_path(&mut e, "process.working_directory", s(d));
    }
    // The finding's runtime context gives an example of the command the behaviour came
    // from (`commandLineExample`) where the process record has none.
    if text(p, "commandLine").is_none()
        && let Some(c) = rt
            .get("context")
            .and_then(|c| text(c, "commandLineExample"))
    {
        set_path(&mut e, "process.command_line", s(c));
    }
    if let Some(u) = text(p, "user") {
        set_path(&mut e, "user.name", s(u));
    }
    if let Some(u) = p
        .get("euid")
        .or_else(|| p.get("userId"))
        .filter(|v| v.is_number())
    {
        set_path(&mut e, "user.id", s(&u.to_string()));
    }
    if let Some(h) = text(p, "executableSha256") {
        set_path(&mut e, "process.hash.sha256", s(h));
    }
    let res = f.get("resource");
    let k8s = res
        .and_then(|r| r.get("kubernetesDetails"))
        .and_then(|k| k.get("kubernetesWorkloadDetails"));
    if let Some(k) = k8s {
        if let Some(n) = text(k, "name") {
            set_path(&mut e, "orchestrator.resource.name", s(n));
            set_path(&mut e, "orchestrator.type", s("kubernetes"));
        }
        if let Some(n) = text(k, "namespace") {
            set_path(&mut e, "orchestrator.namespace", s(n));
        }
        if let Some(c) = k
            .get("containers")
            .and_then(Json::as_array)
            .and_then(|c| c.first())
        {
            if let Some(id) = text(c, "id") {
                set_path(&mut e, "container.id", s(id));
            }
            if let Some(i) = text(c, "image") {
                set_path(&mut e, "container.image.name", s(i));
            }
        }
    }
    if let Some(h) = res
        .and_then(|r| r.get("instanceDetails"))
        .and_then(|i| text(i, "instanceId"))
        .or_else(|| {
            res.and_then(|r| r.get("eksClusterDetails"))
                .and_then(|c| text(c, "name"))
        })
        .or_else(|| {
            res.and_then(|r| r.get("ecsClusterDetails"))
                .and_then(|c| text(c, "name"))
        })
    {
        set_path(&mut e, "host.name", s(h));
    }
    set_path(&mut e, "host.os.type", s("linux"));
    set_path(&mut e, "rule.name", s(kind));
    if let Some(t) = text(f, "title") {
        set_path(&mut e, "rule.description", s(t));
    }
    set_path(&mut e, "event.kind", s("alert"));
    if let Some(t) = f
        .get("service")
        .and_then(|sv| text(sv, "eventFirstSeen"))
        .or_else(|| text(f, "createdAt"))
    {
        e.insert("@timestamp".into(), s(t));
    }
    let id = text(f, "id").map(str::to_owned);
    finish(&mut e, "guardduty", "guardduty", Json::Object(obj.clone()));
    Some((e, id))
}

/// A Datadog Cloud SIEM / Workload Protection signal (`data.attributes` of the signals API, or
/// the signal's own `attributes`): the agent's event under `attributes.attributes` — `process`
/// (`executable.path`, `argv0` and `args`, `parent`, `ancestors`, `user`), `host`, `container`,
/// `file`, `network` — and the rule under `workflow.rule`.
/// A Datadog signal (`data` of the signals API, or the signal itself): its id, its
/// `attributes` and the event it was raised on — the log's or agent's attributes, under
/// `attributes` in older exports and `custom` in the v2 API.
///
/// A log of the Logs API's search (`type: "log"`) has the same shape: the log's host, message
/// and tags in `attributes`, its parsed fields (a Windows event) under `attributes.attributes`.
pub(super) fn datadog_event(obj: &Map<String, Json>) -> Option<(Option<&str>, &Json, &Json)> {
    let (id, sig) = match obj.get("data") {
        Some(d) if datadog_item(text(d, "type")) => (text(d, "id"), d.get("attributes")?),
        _ if datadog_item(obj.get("type").and_then(Json::as_str)) => {
            (obj.get("id").and_then(Json::as_str), obj.get("attributes")?)
        }
        // A log item exported without its `type`: the agent's event (`evt`) under
        // `attributes.attributes`, beside the log's service and tags.
        _ if obj.get("type").is_none()
            && obj
                .get("attributes")
                .and_then(|a| a.get("attributes"))
                .and_then(|a| a.get("evt"))
                .is_some_and(Json::is_object) =>
        {
            (obj.get("id").and_then(Json::as_str), obj.get("attributes")?)
        }
        _ => return None,
    };
    let event = sig
        .get("attributes")
        .filter(|a| a.is_object())
        .or_else(|| sig.get("custom"))
        .filter(|a| a.is_object())?;
    // `custom` holding the agent's event under its own `attributes` (beside the rule's title
    // and workflow).
    let event = event
        .get("attributes")
        .filter(|inner| inner.get("process").is_some() && event.get("process").is_none())
        .unwrap_or(event);
    Some((id, sig, event))
}

/// A Datadog API item's `type`: a signal (`log_detection` in some exports), or a log of the
/// Logs API's search.
fn datadog_item(t: Option<&str>) -> bool {
    matches!(t, Some("signal" | "log" | "log_detection"))
}

/// A Datadog process object that is only the logging program's name (no executable path of the
/// Workload Protection shape, no arguments).
pub(super) fn datadog_log_only(p: &Json) -> bool {
    !["executable", "argv0", "args", "argv", "comm", "cmdline"]
        .iter()
        .any(|k| p.get(*k).is_some())
}

pub(super) fn datadog_signal(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let (id, sig, a) = datadog_event(obj)?;
    let p = a.get("process")?;
    // A log whose process names only the program that wrote it (a unified-log `sudo` entry):
    // the log's message is the evidence, read as a log.
    if datadog_log_only(p) {
        return None;
    }
    let cmd = |x: &Json| -> Option<String> {
        let a0 = text(x, "argv0").or_else(|| text(x, "comm"));
        // `args` is the argument list, or (in some exports) the arguments as one string.
        if let Some(rest) = text(x, "args") {
            return Some(match a0 {
                Some(a0) => format!("{a0} {rest}"),
                None => rest.to_owned(),
            });
        }
        let args: Vec<&str> = x
            .get("args")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .collect();
        // A list that already starts with the program (`args: ["bash"]` beside `comm: bash`).
        let has_program = a0.is_some_and(|a0| {
            args.first()
                .is_some_and(|f| basename_of(f) == basename_of(a0))
        });
        let mut argv: Vec<&str> = a0.filter(|_| !has_program).into_iter().collect();
        argv.extend(args);
        (!argv.is_empty()).then(|| shell_join(&argv))
    };
    let exe = |x: &Json| {
        x.get("executable")
            .and_then(|e| text(e, "path"))
            .map(str::to_owned)
    };
    let mut e = Map::new();
    put_process(&mut e, "process", exe(p), cmd(p).as_deref());
    if exe(p).is_none()
        && let Some(c) = text(p, "comm")
    {
        set_path(&mut e, "process.name", s(c));
    }
    let ancestors = p.get("ancestors").and_then(Json::as_array);
    if let Some(parent) = p
        .get("parent")
        .or_else(|| ancestors.and_then(|a| a.first()))
    {
        let pexe = exe(parent).or_else(|| {
            ancestors
                .and_then(|a| a.first())
                .filter(|a0| a0.get("pid") == parent.get("pid"))
                .and_then(exe)
        });
        put_process(
            &mut e,
            "process.parent",
            pexe.clone(),
            cmd(parent).as_deref(),
        );
        if pexe.is_none()
            && let Some(c) = text(parent, "comm")
        {
            set_path(&mut e, "process.parent.name", s(c));
        }
    }
    if let Some(gp) = ancestors.and_then(|a| a.get(1)) {
        put_process(&mut e, "process.parent.parent", exe(gp), cmd(gp).as_deref());
    }
    // A parent started with an empty argument vector (no `argv0`, no arguments: how PwnKit
    // calls pkexec).
    if let Some(pp) = p.get("parent")
        && pp.get("argv0").and_then(Json::as_str) == Some("")
        && pp
            .get("args")
            .and_then(Json::as_str)
            .is_none_or(str::is_empty)
    {
        set_path(&mut e, "process.parent.args_count", Json::from(0));
    }
    // The effective account after a setuid program (`credentials.euid`).
    if let Some(eu) = p
        .get("credentials")
        .and_then(|c| c.get("euid"))
        .filter(|v| v.is_number())
    {
        set_path(&mut e, "user.effective.id", s(&eu.to_string()));
    }
    for (from, to) in [("pid", "process.pid"), ("ppid", "process.parent.pid")] {
        if let Some(v) = p.get(from).filter(|v| v.is_number()) {
            set_path(&mut e, to, v.clone());
        }
    }
    if let Some(d) = text(p, "working_directory").or_else(|| text(p, "cwd")) {
        set_path(&mut e, "process.working_directory", s(d));
    }
    // The account: the process's own `user`/`uid`, else its `credentials` (the effective ones
    // after a setuid program), else the event's `usr`.
    let creds = p.get("credentials");
    if let Some(u) = text(p, "user")
        .or_else(|| creds.and_then(|c| text(c, "user")))
        .or_else(|| a.get("usr").and_then(|u| text(u, "name")))
    {
        set_path(&mut e, "user.name", s(u));
    }
    if let Some(u) = p
        .get("uid")
        .or_else(|| creds.and_then(|c| c.get("uid")))
        .filter(|v| v.is_number())
    {
        set_path(&mut e, "user.id", s(&u.to_string()));
    }
    // Environment variables, where the agent kept their values (`KEY=VALUE`; a bare name
    // says nothing): the process's and its parent's.
    let envs = |x: &Json| -> Vec<Json> {
        x.get("envs")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .filter(|v| v.contains('='))
            .map(s)
            .collect()
    };
    let parent = p
        .get("parent")
        .or_else(|| ancestors.and_then(|a| a.first()));
    for (x, to) in [
        (Some(p), "process.env_vars"),
        (parent, "process.parent.env_vars"),
    ] {
        let v = x.map(envs).unwrap_or_default();
        if !v.is_empty() {
            set_path(&mut e, to, Json::Array(v));
        }
    }
    let tags: Vec<&str> = sig
        .get("tags")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .collect();
    let tag = |k: &str| {
        tags.iter()
            .find_map(|t| t.strip_prefix(k).and_then(|v| v.strip_prefix(':')))
    };
    if let Some(h) = text(a, "host")
        .or_else(|| a.get("host").and_then(|h| text(h, "name")))
        .or_else(|| text(a, "hostname"))
        // A log's host beside its attributes (the Logs API's item).
        .or_else(|| text(sig, "host"))
        .or_else(|| tag("host"))
    {
        set_path(&mut e, "host.name", s(h));
    }
    if let Some(c) = a.get("container").and_then(|c| text(c, "id")) {
        set_path(&mut e, "container.id", s(c));
    }
    if let Some(f) = a.get("file").and_then(|f| text(f, "path")) {
        set_path(&mut e, "file.path", s(f));
    }
    let dst = a.get("network").and_then(|n| n.get("destination"));
    if let Some(ip) = dst.and_then(|d| text(d, "ip")) {
        set_path(&mut e, "destination.ip", s(ip));
    }
    if let Some(p) = dst.and_then(|d| d.get("port")).filter(|p| p.is_number()) {
        set_path(&mut e, "destination.port", p.clone());
    }
    if let Some(d) = dst.and_then(|d| text(d, "domain")) {
        set_path(&mut e, "destination.domain", s(d));
    }
    let techniques: Vec<&str> = tags
        .iter()
        .filter_map(|t| t.strip_prefix("technique:"))
        .map(|t| t.split_once('-').map_or(t, |(id, _)| id))
        .collect();
    set_techniques(&mut e, &techniques);
    for t in &tags {
        match t.split_once(':') {
            Some(("kube_namespace", v)) => set_path(&mut e, "orchestrator.namespace", s(v)),
            Some(("pod_name", v)) => {
                set_path(&mut e, "orchestrator.resource.name", s(v));
                set_path(&mut e, "orchestrator.type", s("kubernetes"));
            }
            _ => {}
        }
    }
    let os = a
        .get("os")
        .and_then(Json::as_str)
        .or_else(|| a.get("os").and_then(|o| text(o, "name")))
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| "linux".into());
    set_path(
        &mut e,
        "host.os.type",
        s(if os.contains("win") {
            "windows"
        } else if os.contains("mac") || os.contains("darwin") {
            "macos"
        } else {
            "linux"
        }),
    );
    if let Some(r) = a
        .get("workflow")
        .and_then(|w| w.get("rule"))
        .and_then(|r| text(r, "name"))
        .or_else(|| text(a, "title"))
    {
        set_path(&mut e, "rule.name", s(r));
    }
    if let Some(t) = text(sig, "timestamp") {
        e.insert("@timestamp".into(), s(t));
    }
    let id = id.map(str::to_owned);
    finish(&mut e, "datadog", "datadog", Json::Object(obj.clone()));
    Some((e, id))
}

/// Santa's sync-server event upload (`POST /eventupload/MACHINE`: `{"events": [...]}`, each an
/// execution Santa decided on): the program (`file_path` + `file_name`), its parent by name and
/// pid, the executing user, the decision, the signing chain and ids, and where the file was
/// downloaded from (`quarantine_data_url`, as `file.origin_url`). With several events, the
/// newest by `execution_time`. The protocol carries no arguments.
pub(super) fn santa_event_upload(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let is_santa = |e: &&Json| {
        e.get("file_name").is_some()
            && e.get("decision").is_some()
            && e.get("executing_user").is_some()
    };
    // One event on its own (a SIEM's copy of one upload's event).
    // Or under `event`, beside the machine's own fields (`machine_id`, `hostname`).
    let one = [obj
        .get("event")
        .filter(|e| is_santa(e))
        .cloned()
        .unwrap_or_else(|| Json::Object(obj.clone()))];
    let events: &[Json] = match obj.get("events") {
        Some(Json::Array(a)) => a,
        _ if is_santa(&&one[0]) => &one,
        _ => return None,
    };
    let time = |e: &Json| {
        e.get("execution_time")
            .and_then(Json::as_f64)
            .unwrap_or(0.0)
    };
    let ev = events
        .iter()
        .filter(is_santa)
        .max_by(|a, b| time(a).total_cmp(&time(b)))?;
    let mut e = Map::new();
    let (dir, name) = (text(ev, "file_path")?, text(ev, "file_name")?);
    let exe = format!("{}/{name}", dir.trim_end_matches('/'));
    put_process(&mut e, "process", Some(exe), joined_args(ev).as_deref());
    set_path(&mut e, "process.name", s(name));
    for (from, to) in [("pid", "process.pid"), ("ppid", "process.parent.pid")] {
        if let Some(v) = ev.get(from).filter(|v| v.is_number()) {
            set_path(&mut e, to, v.clone());
        }
    }
    for (from, to) in [
        ("parent_name", "process.parent.name"),
        ("executing_user", "user.name"),
        ("file_sha256", "process.hash.sha256"),
        ("signing_id", "process.code_signature.signing_id"),
        ("team_id", "process.code_signature.team_id"),
        ("quarantine_data_url", "file.origin_url"),
    ] {
        if let Some(v) = text(ev, from) {
            set_path(&mut e, to, s(v));
        }
    }
    let chain = ev.get("signing_chain").and_then(Json::as_array);
    match chain.and_then(|c| c.first()) {
        Some(leaf) => {
            if let Some(cn) = text(leaf, "cn").or_else(|| text(leaf, "common_name")) {
                set_path(&mut e, "process.code_signature.subject_name", s(cn));
            }
            set_path(&mut e, "process.code_signature.exists", json!(true));
        }
        None if chain.is_some() => {
            set_path(&mut e, "process.code_signature.exists", json!(false));
        }
        None => {}
    }
    if let Some(d) = text(ev, "decision") {
        set_path(&mut e, "event.outcome", s(&d.to_ascii_lowercase()));
    }
    if let Some(t) = ev
        .get("execution_time")
        .and_then(Json::as_f64)
        .and_then(|t| chrono::DateTime::from_timestamp_millis((t * 1000.0) as i64))
    {
        e.insert("@timestamp".into(), s(&t.to_rfc3339()));
    }
    if let Some(h) = text(ev, "hostname").or_else(|| mtext(obj, "hostname")) {
        set_path(&mut e, "host.name", s(h));
    }
    set_path(&mut e, "host.os.type", s("macos"));
    set_path(&mut e, "event.action", s("execution"));
    set_path(&mut e, "event.category", json!(["process"]));
    finish(&mut e, "santa", "santa", Json::Object(obj.clone()));
    Some((e, None))
}

/// Santa's telemetry as JSON (its protobuf messages: `execution`, `file_access`, …, each with
/// the `instigator` process and a `target`). Protobuf `bytes` fields arrive base64-encoded in
/// JSON, so an execution's `args` are decoded back to text. An execution's target is the new
/// process and the instigator its parent; a file access's instigator is the process and the
/// file it opened is `file.path`.
pub(super) fn santa_telemetry(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    if !(obj.contains_key("machine_id") || obj.contains_key("boot_session_uuid")) {
        return None;
    }
    let (kind, ev) = [
        "execution",
        // As some pipelines shorten the message's field name.
        "exec",
        "file_access",
        "fork",
        "exit",
        "close",
        "rename",
        "unlink",
        "link",
    ]
    .into_iter()
    .find_map(|k| {
        obj.get(k)
            .filter(|v| v.get("instigator").is_some())
            .map(|v| (k, v))
    })?;
    let exe = |p: &Json| {
        p.get("executable")
            .and_then(|x| text(x, "path"))
            .map(str::to_owned)
    };
    let user = |p: &Json| {
        p.get("effective_user")
            .and_then(|u| text(u, "name"))
            .map(str::to_owned)
    };
    let pid = |p: &Json| p.get("id").and_then(|i| i.get("pid")).cloned();
    let mut e = Map::new();
    let instigator = ev.get("instigator")?;
    let kind = if kind == "exec" { "execution" } else { kind };
    let me = if kind == "execution" {
        ev.get("target")?
    } else {
        instigator
    };
    let args: Vec<String> = if kind == "execution" {
        ev.get("args")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .map(|a| {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(a)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .unwrap_or_else(|| a.to_owned())
            })
            .collect()
    } else {
        Vec::new()
    };
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let cmd = (!argv.is_empty()).then(|| shell_join(&argv));
    put_process(&mut e, "process", exe(me), cmd.as_deref());
    if !argv.is_empty() {
        set_path(&mut e, "process.args", json!(argv));
    }
    if let Some(p) = pid(me) {
        set_path(&mut e, "process.pid", p);
    }
    if kind == "execution" {
        put_process(&mut e, "process.parent", exe(instigator), None);
        if let Some(p) = pid(instigator) {
            set_path(&mut e, "process.parent.pid", p);
        }
        if let Some(d) = ev
            .get("working_directory")
            .and_then(|d| text(d, "path"))
            .or_else(|| text(ev, "cwd"))
        {
            set_path(&mut e, "process.working_directory", s(d));
        }
        if let Some(q) = text(ev, "quarantine_url").or_else(|| {
            ev.get("file_origin")
                .and_then(|o| text(o, "quarantine_url"))
        }) {
            set_path(&mut e, "file.origin_url", s(q));
        }
        if let Some(d) = text(ev, "decision") {
            set_path(
                &mut e,
                "event.outcome",
                s(&d.trim_start_matches("DECISION_").to_ascii_lowercase()),
            );
        }
    } else if let Some(f) = ev.get("target").and_then(|t| text(t, "path")) {
        set_path(&mut e, "file.path", s(f));
        set_path(&mut e, "event.category", json!(["file"]));
    }
    let sig = me.get("code_signature");
    if let Some(v) = sig.and_then(|sig| text(sig, "signing_id")) {
        set_path(&mut e, "process.code_signature.signing_id", s(v));
    }
    if let Some(v) = sig.and_then(|sig| text(sig, "team_id")) {
        set_path(&mut e, "process.code_signature.team_id", s(v));
    }
    // (or no signature recorded at all and no flags given: Santa leaves the message out for a
    // program that has none)
    let flags = me.get("cs_flags").and_then(Json::as_u64);
    if sig.is_none_or(|sig| text(sig, "signing_id").is_none() && text(sig, "cdhash").is_none())
        && (flags == Some(0) || (sig.is_none() && flags.is_none()))
        && me.get("is_platform_binary").and_then(Json::as_bool) == Some(false)
    {
        // No signature and no code-signing flags at all: an unsigned program.
        set_path(&mut e, "process.code_signature.exists", Json::Bool(false));
    }
    // An execution's verdict on the program's signature: unsigned, or signed ad hoc (a
    // signature with no identity behind it, which anyone can make).
    match text(ev, "signing_status") {
        Some("SIGNING_STATUS_UNSIGNED") => {
            set_path(&mut e, "process.code_signature.exists", Json::Bool(false));
        }
        Some("SIGNING_STATUS_ADHOC") => {
            set_path(&mut e, "process.code_signature.exists", Json::Bool(true));
            set_path(&mut e, "process.code_signature.trusted", Json::Bool(false));
        }
        _ => {}
    }
    if let Some(u) = user(me) {
        set_path(&mut e, "user.name", s(&u));
    }
    if let Some(u) = me
        .get("effective_user")
        .and_then(|u| u.get("uid"))
        .filter(|v| v.is_number())
    {
        set_path(&mut e, "user.id", s(&u.to_string()));
    }
    if let Some(m) = mtext(obj, "machine_id") {
        set_path(&mut e, "host.id", s(m));
        set_path(&mut e, "host.name", s(m));
    }
    set_path(&mut e, "host.os.type", s("macos"));
    set_path(&mut e, "event.action", s(kind));
    if let Some(t) = mtext(obj, "event_time") {
        e.insert("@timestamp".into(), s(t));
    }
    let id = [mtext(obj, "machine_id"), mtext(obj, "event_time")]
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .map(|p| format!("{}:{}:{kind}", p[0], p[1]));
    let category = e.get("event").and_then(|x| x.get("category")).cloned();
    finish(&mut e, "santa", "santa", Json::Object(obj.clone()));
    if let Some(c) = category {
        set_path(&mut e, "event.category", c);
    }
    Some((e, id))
}

/// Laurel's auditd lines (`laurel` turns each audit event into one JSON object): `SYSCALL` with
/// the executable, the ids and their names (`UID`, `AUID`) and the parent it saw (`PPID`:
/// `comm`, `exe`), `EXECVE` with the arguments (`ARGV`), `CWD` and `PROCTITLE`.
pub(super) fn laurel(outer: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    // Shipped by Filebeat, the record sits under `laurel` beside the shipper's `host`.
    let obj = outer
        .get("laurel")
        .and_then(Json::as_object)
        .filter(|l| l.contains_key("SYSCALL"))
        .unwrap_or(outer);
    let sc = obj.get("SYSCALL")?.as_object()?;
    let exe = mtext(sc, "exe")?;
    let argv = obj
        .get("EXECVE")
        .or_else(|| obj.get("PROCTITLE"))
        .and_then(|x| x.get("ARGV").or_else(|| x.get("argv")))
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).collect::<Vec<_>>())
        .filter(|a| !a.is_empty());
    let mut e = Map::new();
    let cmd = argv.as_deref().map(shell_join);
    put_process(&mut e, "process", Some(exe.to_owned()), cmd.as_deref());
    if let Some(a) = &argv {
        set_path(&mut e, "process.args", json!(a));
    }
    if let Some(p) = sc.get("pid").filter(|v| v.is_number()) {
        set_path(&mut e, "process.pid", p.clone());
    }
    // The parent LAUREL enriched the event with (in the SYSCALL record, or beside it), with its
    // own arguments when LAUREL kept them.
    if let Some(pp) = sc
        .get("PPID")
        .or_else(|| obj.get("PPID"))
        .and_then(Json::as_object)
    {
        let pexe = mtext(pp, "exe").map(str::to_owned);
        let pargv: Option<Vec<&str>> = pp
            .get("ARGV")
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .filter(|a: &Vec<&str>| !a.is_empty());
        let pcmd = pargv.as_deref().map(shell_join);
        put_process(&mut e, "process.parent", pexe.clone(), pcmd.as_deref());
        if pexe.is_none()
            && let Some(c) = mtext(pp, "comm")
        {
            set_path(&mut e, "process.parent.name", s(c));
        }
    }
    if let Some(p) = sc.get("ppid").filter(|v| v.is_number()) {
        set_path(&mut e, "process.parent.pid", p.clone());
    }
    if let Some(c) = obj
        .get("CWD")
        .and_then(|c| c.get("cwd"))
        .and_then(Json::as_str)
    {
        set_path(&mut e, "process.working_directory", s(c));
    }
    if let Some(u) = mtext(sc, "UID").or_else(|| mtext(sc, "EUID")) {
        set_path(&mut e, "user.name", s(u));
    }
    if let Some(u) = sc.get("uid").filter(|v| v.is_number()) {
        set_path(&mut e, "user.id", s(&u.to_string()));
    }
    if let Some(a) = mtext(sc, "AUID").filter(|a| *a != "unset") {
        set_path(&mut e, "process.user.audit.name", s(a));
    }
    if let Some(k) = mtext(sc, "key").filter(|k| *k != "(null)") {
        set_path(&mut e, "rule.name", s(k));
    }
    // A file opened or created (not a program started): the file the record is about.
    if !obj.contains_key("EXECVE")
        && let Some(f) = obj
            .get("PATH")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter(|p| matches!(text(p, "nametype"), Some("NORMAL" | "CREATE")))
            .find_map(|p| text(p, "name").filter(|n| n.starts_with('/')))
    {
        set_path(&mut e, "file.path", s(f));
    }
    if let Some(h) = mtext(obj, "HOSTNAME")
        .or_else(|| mtext(obj, "hostname"))
        .or_else(|| outer.get("host").and_then(|h| text(h, "name")))
    {
        set_path(&mut e, "host.name", s(h));
    }
    set_path(&mut e, "host.os.type", s("linux"));
    let id = mtext(obj, "ID").map(str::to_owned);
    if let Some(t) = id
        .as_deref()
        .and_then(|i| i.split(':').next())
        .and_then(|t| t.split('.').next())
        .and_then(|t| t.parse::<i64>().ok())
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
    {
        e.insert("@timestamp".into(), s(&t.to_rfc3339()));
    }
    finish(&mut e, "auditd", "auditd", Json::Object(outer.clone()));
    Some((e, id))
}

/// Microsoft's alert shapes that carry the process as evidence: Graph security alerts
/// (`/security/alerts_v2`: `evidence[]` of `processEvidence`, `deviceEvidence`, with
/// `mitreTechniques`), Defender for Endpoint's own API alerts (`evidence[]` by `entityType`) and Sentinel `SecurityAlert` rows (`Entities`, a JSON string of entities
/// linked by `$id`/`$ref`; `CompromisedEntity`, `Techniques`). The process taken is the one no
/// other process evidence names as its parent (the newest in the chain).
pub(super) fn microsoft_evidence(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let graph = obj.get("evidence").and_then(Json::as_array).filter(|ev| {
        ev.iter().any(|x| {
            x.get("@odata.type")
                .and_then(Json::as_str)
                .is_some_and(|t| t.ends_with("processEvidence"))
        })
    });
    if let Some(ev) = graph {
        return graph_alert(obj, ev);
    }
    let mde = obj.get("evidence").and_then(Json::as_array).filter(|ev| {
        ev.iter().any(|x| {
            text(x, "entityType") == Some("Process") && x.get("processCommandLine").is_some()
        })
    });
    if let Some(ev) = mde {
        return mde_alert(obj, ev);
    }
    if obj.contains_key("Entities")
        && (obj.contains_key("AlertName") || obj.contains_key("SystemAlertId"))
    {
        return sentinel_alert(obj);
    }
    sentinel_incident(obj)
}

/// A Microsoft Sentinel incident as its automation trigger posts it (`objectSchemaType`
/// "Incident", the incident under `object`) or as the API returns it with its entities:
/// `properties.relatedEntities[]`, each a `kind` (Process, Account, Host, Ip) with camelCase
/// `properties`. The entities carry no lineage, so the newest process is the one judged, the
/// oldest (when it is another program: the WMI or WinRM host that started the rest) its parent,
/// and the others follow its command line.
fn sentinel_incident(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    let inc = obj.get("object").and_then(Json::as_object).unwrap_or(obj);
    let props = inc.get("properties")?;
    let entities = props.get("relatedEntities")?.as_array()?;
    let of = |k: &str| -> Vec<&Json> {
        entities
            .iter()
            .filter(|x| text(x, "kind") == Some(k))
            .filter_map(|x| x.get("properties"))
            .collect()
    };
    let mut procs: Vec<&Json> = of("Process")
        .into_iter()
        .filter(|p| text(p, "commandLine").is_some())
        .collect();
    procs.sort_by(|a, b| text(a, "creationTimeUtc").cmp(&text(b, "creationTimeUtc")));
    let me = *procs.last()?;
    fn cmd_of(p: &Json) -> &str {
        text(p, "commandLine").unwrap_or_default()
    }
    let image_of = |p: &Json| program(cmd_of(p)).to_ascii_lowercase();
    // The parent the entity names (`parentProcess`), else the oldest other program.
    let parent = me
        .get("parentProcess")
        .filter(|p| p.is_object())
        .or_else(|| {
            procs
                .first()
                .copied()
                .filter(|p| procs.len() > 1 && image_of(p) != image_of(me))
        });
    let image = |p: &Json| file_path(p.get("imageFile"), "directory", "fileName");
    let others = procs
        .iter()
        .rev()
        .skip(1)
        .filter(|p| parent.is_none_or(|pp| !std::ptr::eq(**p, pp)))
        .map(|p| cmd_of(p));
    let mut e = Map::new();
    let cmd = with_branches(text(me, "commandLine"), others);
    match image(me) {
        Some(path) => put_process(&mut e, "process", Some(path), cmd.as_deref()),
        None => {
            put_process(&mut e, "process", None, cmd.as_deref());
            set_path(&mut e, "process.name", s(basename_of(program(cmd_of(me)))));
        }
    }
    let pid = |p: &Json| text(p, "processId").and_then(|v| v.parse::<i64>().ok());
    if let Some(n) = pid(me) {
        set_path(&mut e, "process.pid", Json::from(n));
    }
    if let Some(p) = parent {
        match image(p) {
            Some(path) => put_process(&mut e, "process.parent", Some(path), text(p, "commandLine")),
            None => {
                put_process(&mut e, "process.parent", None, text(p, "commandLine"));
                set_path(
                    &mut e,
                    "process.parent.name",
                    s(basename_of(program(cmd_of(p)))),
                );
            }
        }
        if let Some(n) = pid(p) {
            set_path(&mut e, "process.parent.pid", Json::from(n));
        }
    }
    if let Some(a) = of("Account").first() {
        if let Some(n) = text(a, "accountName") {
            set_path(&mut e, "user.name", s(n));
        }
        if let Some(d) = text(a, "ntDomain").or_else(|| text(a, "upnSuffix")) {
            set_path(&mut e, "user.domain", s(d));
        }
    }
    if let Some(h) = of("Host").first() {
        if let Some(n) = text(h, "hostName").or_else(|| text(h, "netBiosName")) {
            set_path(&mut e, "host.name", s(n));
        }
        if let Some(os) = text(h, "osFamily") {
            set_path(&mut e, "host.os.name", s(os));
        }
    }
    // An inbound address is where the session came from.
    if let Some(ip) = of("Ip").into_iter().find(|ip| {
        ip.get("additionalData")
            .and_then(|a| text(a, "Direction"))
            .is_some_and(|d| d.eq_ignore_ascii_case("inbound"))
    }) && let Some(a) = text(ip, "address")
    {
        set_path(&mut e, "source.ip", s(a));
    }
    let mut ids: Vec<String> = Vec::new();
    let mut add = |v: Option<&Json>| match v {
        Some(Json::Array(a)) => ids.extend(a.iter().filter_map(Json::as_str).map(str::to_owned)),
        Some(Json::String(t)) => match serde_json::from_str::<Vec<String>>(t) {
            Ok(list) => ids.extend(list),
            Err(_) => ids.extend(t.split([',', ' ']).map(str::to_owned)),
        },
        _ => {}
    };
    add(props
        .get("additionalData")
        .and_then(|a| a.get("techniques")));
    for a in props
        .get("alerts")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let ap = a.get("properties");
        add(ap.and_then(|p| p.get("techniques")));
        add(ap
            .and_then(|p| p.get("additionalData"))
            .and_then(|d| d.get("MitreTechniques")));
    }
    set_techniques(&mut e, &ids.iter().map(String::as_str).collect::<Vec<_>>());
    if let Some(t) = text(props, "title") {
        set_path(&mut e, "rule.name", s(t));
    }
    if let Some(t) = text(props, "firstActivityTimeUtc").or_else(|| text(props, "createdTimeUtc")) {
        e.insert("@timestamp".into(), s(t));
    }
    let id = props
        .get("incidentNumber")
        .map(|n| n.to_string().trim_matches('"').to_owned())
        .or_else(|| inc.get("name").and_then(Json::as_str).map(str::to_owned));
    finish(&mut e, "sentinel", "sentinel", Json::Object(obj.clone()));
    Some((e, id))
}

fn file_path(f: Option<&Json>, dir: &str, name: &str) -> Option<String> {
    let f = f?;
    match (text(f, dir), text(f, name)) {
        (Some(d), Some(n)) if !d.to_ascii_lowercase().ends_with(&n.to_ascii_lowercase()) => {
            Some(drive_path(&join_path(d, n)))
        }
        (Some(d), _) => Some(drive_path(d)),
        (None, Some(n)) => Some(n.to_owned()),
        _ => None,
    }
}

/// A process object's arguments (`args`, a list) joined as a command line.
pub(super) fn joined_args(p: &Json) -> Option<String> {
    let args: Vec<&str> = p
        .get("args")?
        .as_array()?
        .iter()
        .filter_map(Json::as_str)
        .collect();
    (!args.is_empty()).then(|| shell_join(&args))
}

/// A process object's command line, else its arguments joined.
pub(super) fn command_of(p: &Json) -> Option<String> {
    text(p, "command_line")
        .map(str::to_owned)
        .or_else(|| joined_args(p))
}

/// Elastic Defend's behaviour alerts list the events their rule matched under `Events` (a
/// password prompt, then the `sudo -S` that read its answer): the alert's own process is one of
/// them. Its event lends what the alert's copy lacks (the effective user, the parent's
/// arguments), and the other events' commands join the command line as branches, so a sequence
/// rule is judged on the whole sequence.
pub(super) fn elastic_events(ecs: &mut Map<String, Json>) {
    let Some(Json::Array(events)) = ecs.get("Events") else {
        return;
    };
    let Some(me) = ecs.get("process").and_then(|p| text(p, "entity_id")) else {
        return;
    };
    fn id(e: &Json) -> Option<&str> {
        e.get("process").and_then(|p| text(p, "entity_id"))
    }
    let mine = events.iter().find(|e| id(e) == Some(me)).cloned();
    let cmd = command_of;
    // A sibling in the same pipeline (`… | base64 -d | bash`) is already in its parent's line.
    let parent_cmd = ecs
        .get("process")
        .and_then(|p| p.get("parent"))
        .and_then(|p| text(p, "command_line"))
        .unwrap_or_default();
    let mut others: Vec<String> = events
        .iter()
        .filter(|e| id(e) != Some(me))
        .filter_map(|e| e.get("process").and_then(cmd))
        .filter(|c| !parent_cmd.contains(c.as_str()))
        .collect();
    if let Some(p) = pipeline(events, me) {
        others.insert(0, p);
    }
    if let Some(mine) = mine {
        fn leaves(prefix: &str, v: &Json, out: &mut Vec<(String, Json)>) {
            match v {
                Json::Object(m) if !m.is_empty() => {
                    for (k, v) in m {
                        leaves(&format!("{prefix}.{k}"), v, out);
                    }
                }
                _ => out.push((prefix.to_owned(), v.clone())),
            }
        }
        let mut out = Vec::new();
        for k in ["process", "user"] {
            if let Some(v) = mine.get(k) {
                leaves(k, v, &mut out);
            }
        }
        for (path, v) in out {
            set_path(ecs, &path, v);
        }
    }
    let first = ecs.get("process").and_then(cmd);
    if let Some(all) = with_branches(first.as_deref(), others.iter().map(String::as_str))
        && let Some(Json::Object(p)) = ecs.get_mut("process")
    {
        p.insert("command_line".into(), Json::String(all));
    }
}

/// The alert's process and its siblings in `Events` as the one shell pipeline they were: the
/// same parent started them within a second of each other (a shell forks a pipeline's members
/// together, in order, so by process id). `echo … | base64 -d | zsh` or `curl … | zsh` then reads
/// as written, not as unrelated commands.
fn pipeline(events: &[Json], me: &str) -> Option<String> {
    // The parent's id (entity id, else pid) of an event's process.
    let parent_of = |e: &Json| {
        e.get("process")?.get("parent").and_then(|q| {
            text(q, "entity_id")
                .map(str::to_owned)
                .or_else(|| q.get("pid").map(Json::to_string))
        })
    };
    let time =
        |e: &Json| text(e, "@timestamp").and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
    let mine = events
        .iter()
        .find(|e| e.get("process").and_then(|p| text(p, "entity_id")) == Some(me))?;
    let parent = parent_of(mine)?;
    let t0 = time(mine)?;
    let mut members: Vec<(i64, String)> = events
        .iter()
        .filter(|e| {
            parent_of(e).as_deref() == Some(parent.as_str())
                && time(e).is_some_and(|t| (t - t0).num_milliseconds().abs() <= 1000)
        })
        .filter_map(|e| {
            let p = e.get("process")?;
            Some((p.get("pid")?.as_i64()?, command_of(p)?))
        })
        .collect();
    if members.len() < 2 {
        return None;
    }
    members.sort_by_key(|(pid, _)| *pid);
    Some(
        members
            .into_iter()
            .map(|(_, c)| c)
            .collect::<Vec<_>>()
            .join(" | "),
    )
}

/// The taken process's command line followed by the other lines of the same alert (its other
/// process branches: a sibling in a pipeline, a later elevated step), one per line, each once,
/// so the analysis sees them all.
pub(super) fn with_branches<'a>(
    first: Option<&'a str>,
    others: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut cmd = first.map(str::to_owned);
    for c in others {
        cmd = Some(match cmd {
            Some(mine) if !mine.contains(c) => format!("{mine}\n{c}"),
            Some(mine) => mine,
            None => c.to_owned(),
        });
    }
    cmd
}

/// The process an alert's evidence judges: one that started no other process in the evidence;
/// of several such (a chain with a gap: Word, then cscript whose parent cmd is not listed), the
/// newest by `created`, else the last listed.
fn judged_process<'a>(procs: &[&'a Json], created: &str) -> Option<&'a Json> {
    let pid = |x: &Json, k: &str| x.get(k).and_then(Json::as_i64);
    procs
        .iter()
        .filter(|p| {
            let id = pid(p, "processId");
            id.is_none() || !procs.iter().any(|q| pid(q, "parentProcessId") == id)
        })
        .max_by(|a, b| text(a, created).cmp(&text(b, created)))
        .or(procs.first())
        .copied()
}

/// The evidence's other processes that started none of the others (`processId`/`parentProcessId`).
fn other_leaves<'a>(procs: &'a [&'a Json], me: &'a Json) -> impl Iterator<Item = &'a Json> {
    let pid = |x: &Json, k: &str| x.get(k).and_then(Json::as_i64);
    procs.iter().copied().filter(move |p| {
        !std::ptr::eq(*p, me)
            && pid(p, "processId")
                .is_none_or(|id| !procs.iter().any(|q| pid(q, "parentProcessId") == Some(id)))
    })
}

fn graph_alert(
    obj: &Map<String, Json>,
    ev: &[Json],
) -> Option<(Map<String, Json>, Option<String>)> {
    let kind = |x: &Json, k: &str| {
        x.get("@odata.type")
            .and_then(Json::as_str)
            .is_some_and(|t| t.ends_with(k))
    };
    let procs: Vec<&Json> = ev.iter().filter(|x| kind(x, "processEvidence")).collect();
    let pid = |x: &Json, k: &str| x.get(k).and_then(Json::as_i64);
    let me = judged_process(&procs, "processCreationDateTime")?;
    let mut e = Map::new();
    let leaves = other_leaves(&procs, me);
    put_process(
        &mut e,
        "process",
        file_path(me.get("imageFile"), "filePath", "fileName"),
        with_branches(
            text(me, "processCommandLine"),
            leaves.filter_map(|p| text(p, "processCommandLine")),
        )
        .as_deref(),
    );
    let parent = procs.iter().find(|q| {
        pid(q, "processId").is_some() && pid(q, "processId") == pid(me, "parentProcessId")
    });
    put_process(
        &mut e,
        "process.parent",
        file_path(me.get("parentProcessImageFile"), "filePath", "fileName")
            .or_else(|| parent.and_then(|p| file_path(p.get("imageFile"), "filePath", "fileName"))),
        parent.and_then(|p| text(p, "processCommandLine")),
    );
    // The grandparent: the parent's own parent image, or its evidence entry.
    if let Some(p) = parent {
        let gp = procs.iter().find(|q| {
            pid(q, "processId").is_some() && pid(q, "processId") == pid(p, "parentProcessId")
        });
        put_process(
            &mut e,
            "process.parent.parent",
            file_path(p.get("parentProcessImageFile"), "filePath", "fileName")
                .or_else(|| gp.and_then(|g| file_path(g.get("imageFile"), "filePath", "fileName"))),
            gp.and_then(|g| text(g, "processCommandLine")),
        );
    }
    for (k, to) in [
        ("processId", "process.pid"),
        ("parentProcessId", "process.parent.pid"),
    ] {
        if let Some(v) = pid(me, k) {
            set_path(&mut e, to, Json::from(v));
        }
    }
    if let Some(h) = me.get("imageFile").and_then(|f| text(f, "sha256")) {
        set_path(&mut e, "process.hash.sha256", s(h));
    }
    if let Some(u) = me.get("userAccount") {
        if let Some(n) = text(u, "accountName") {
            set_path(&mut e, "user.name", s(n));
        }
        if let Some(d) = text(u, "domainName") {
            set_path(&mut e, "user.domain", s(d));
        }
        if let Some(sid) = text(u, "userSid") {
            set_path(&mut e, "user.id", s(sid));
        }
    }
    if let Some(d) = ev.iter().find(|x| kind(x, "deviceEvidence")) {
        if let Some(h) = text(d, "deviceDnsName").or_else(|| text(d, "hostName")) {
            set_path(&mut e, "host.name", s(h));
        }
        if let Some(os) = text(d, "osPlatform") {
            set_path(&mut e, "host.os.name", s(os));
        }
    }
    microsoft_alert(e, obj, "createdDateTime")
}

/// A Defender for Endpoint alert from its own API (`/api/alerts?$expand=evidence`): evidence
/// entities of `entityType` Process (`fileName`, `filePath` the folder, `processCommandLine`,
/// `parentProcessFileName`, the account). The process taken is the first no other process
/// evidence names as its parent (the newest in the chain).
fn mde_alert(obj: &Map<String, Json>, ev: &[Json]) -> Option<(Map<String, Json>, Option<String>)> {
    let procs: Vec<&Json> = ev
        .iter()
        .filter(|x| text(x, "entityType") == Some("Process"))
        .collect();
    let pid = |x: &Json, k: &str| x.get(k).and_then(Json::as_i64);
    let me = judged_process(&procs, "processCreationTime")?;
    let path = |x: &Json, dir: &str, name: &str| match (text(x, dir), text(x, name)) {
        (Some(d), Some(n)) => Some(drive_path(&join_path(d, n))),
        (None, Some(n)) => Some(n.to_owned()),
        _ => None,
    };
    let mut e = Map::new();
    // The other leaves of the evidence (a chain's other branches: the sudo whose shell is not
    // listed, beside the program that shell started last) follow its command line.
    let leaves = other_leaves(&procs, me);
    put_process(
        &mut e,
        "process",
        path(me, "filePath", "fileName"),
        with_branches(
            text(me, "processCommandLine"),
            leaves.filter_map(|p| text(p, "processCommandLine")),
        )
        .as_deref(),
    );
    // A process's parent among the evidence, put under `prefix`: its path from the child's own
    // parent fields or the parent's entity, its command line from the entity.
    let put_parent = |e: &mut Map<String, Json>, prefix: &str, child: &Json| {
        let parent = procs.iter().find(|q| {
            pid(q, "processId").is_some() && pid(q, "processId") == pid(child, "parentProcessId")
        });
        put_process(
            e,
            prefix,
            path(child, "parentProcessFilePath", "parentProcessFileName")
                .or_else(|| parent.and_then(|p| path(p, "filePath", "fileName"))),
            parent.and_then(|p| text(p, "processCommandLine")),
        );
        parent.copied()
    };
    // The grandparent too: a remote session's host is often two levels up.
    if let Some(p) = put_parent(&mut e, "process.parent", me) {
        put_parent(&mut e, "process.parent.parent", p);
    }
    for (k, to) in [
        ("processId", "process.pid"),
        ("parentProcessId", "process.parent.pid"),
    ] {
        if let Some(v) = pid(me, k) {
            set_path(&mut e, to, Json::from(v));
        }
    }
    if let Some(h) = text(me, "sha256") {
        set_path(&mut e, "process.hash.sha256", s(h));
    }
    if let Some(n) = text(me, "accountName") {
        set_path(&mut e, "user.name", s(n));
    }
    if let Some(d) = text(me, "domainName") {
        set_path(&mut e, "user.domain", s(d));
    }
    if let Some(sid) = text(me, "userSid") {
        set_path(&mut e, "user.id", s(sid));
    }
    if let Some(h) = mtext(obj, "computerDnsName") {
        set_path(&mut e, "host.name", s(h));
    }
    microsoft_alert(e, obj, "alertCreationTime")
}

/// What Microsoft's alert shapes share around the process: the techniques, the title as the
/// rule, the alert's time and id.
fn microsoft_alert(
    mut e: Map<String, Json>,
    obj: &Map<String, Json>,
    time_key: &str,
) -> Option<(Map<String, Json>, Option<String>)> {
    if let Some(Json::Array(t)) = obj.get("mitreTechniques") {
        let ids: Vec<&str> = t.iter().filter_map(Json::as_str).collect();
        set_techniques(&mut e, &ids);
    }
    if let Some(n) = mtext(obj, "title") {
        set_path(&mut e, "rule.name", s(n));
    }
    if let Some(t) = mtext(obj, time_key) {
        e.insert("@timestamp".into(), s(t));
    }
    finish(&mut e, "microsoft", "microsoft", Json::Object(obj.clone()));
    Some((e, mtext(obj, "id").map(str::to_owned)))
}

/// Every object with an `$id` in a Sentinel entity list, so `{"$ref": "5"}` can be resolved.
fn index_ids<'a>(v: &'a Json, out: &mut Vec<(&'a str, &'a Json)>) {
    match v {
        Json::Object(o) => {
            if let Some(id) = o.get("$id").and_then(Json::as_str) {
                out.push((id, v));
            }
            for x in o.values() {
                index_ids(x, out);
            }
        }
        Json::Array(a) => a.iter().for_each(|x| index_ids(x, out)),
        _ => {}
    }
}

fn sentinel_alert(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    let parse = |v: &Json| match v {
        Json::String(s) => serde_json::from_str::<Json>(s).ok(),
        other => Some(other.clone()),
    };
    let entities = parse(obj.get("Entities")?)?;
    let list = entities.as_array()?;
    let mut ids = Vec::new();
    index_ids(&entities, &mut ids);
    let resolve = |v: Option<&'_ Json>| -> Option<Json> {
        let v = v?;
        match v.get("$ref").and_then(Json::as_str) {
            Some(r) => ids.iter().find(|(i, _)| *i == r).map(|(_, x)| (*x).clone()),
            None => Some(v.clone()),
        }
    };
    let is = |x: &Json, t: &str| x.get("Type").and_then(Json::as_str) == Some(t);
    let procs: Vec<&Json> = list.iter().filter(|x| is(x, "process")).collect();
    let parent_ids: Vec<String> = procs
        .iter()
        .filter_map(|p| p.get("ParentProcess"))
        .filter_map(|pp| {
            pp.get("$ref")
                .or_else(|| pp.get("$id"))
                .and_then(Json::as_str)
                .map(str::to_owned)
        })
        .collect();
    let me = procs
        .iter()
        .find(|p| {
            p.get("$id")
                .and_then(Json::as_str)
                .is_none_or(|id| !parent_ids.iter().any(|x| x == id))
        })
        .or(procs.first());
    let Some(me) = me else {
        return sentinel_custom_details(obj, list, parse);
    };
    let mut e = Map::new();
    let image = |p: &Json| file_path(resolve(p.get("ImageFile")).as_ref(), "Directory", "Name");
    // Other processes of the alert (another branch of the story: a later elevated step) follow
    // the command line, with the program that started each, one per line, so the analysis
    // sees them all.
    let branches: Vec<Json> = procs
        .iter()
        .filter(|p| !std::ptr::eq(**p, *me))
        .filter(|p| {
            p.get("$id")
                .and_then(Json::as_str)
                .is_none_or(|id| !parent_ids.iter().any(|x| x == id))
        })
        .flat_map(|p| [resolve(p.get("ParentProcess")), Some((*p).clone())])
        .flatten()
        .collect();
    let cmd = with_branches(
        text(me, "CommandLine"),
        branches.iter().filter_map(|x| text(x, "CommandLine")),
    );
    put_process(&mut e, "process", image(me), cmd.as_deref());
    if let Some(parent) = resolve(me.get("ParentProcess")) {
        put_process(
            &mut e,
            "process.parent",
            image(&parent),
            text(&parent, "CommandLine"),
        );
        if let Some(p) = text(&parent, "ProcessId").and_then(|p| p.parse::<i64>().ok()) {
            set_path(&mut e, "process.parent.pid", Json::from(p));
        }
    }
    if let Some(p) = text(me, "ProcessId").and_then(|p| p.parse::<i64>().ok()) {
        set_path(&mut e, "process.pid", Json::from(p));
    }
    let account =
        resolve(me.get("Account")).or_else(|| list.iter().find(|x| is(x, "account")).cloned());
    if let Some(a) = account {
        if let Some(n) = text(&a, "Name") {
            set_path(&mut e, "user.name", s(n));
        }
        if let Some(d) = text(&a, "NTDomain").or_else(|| text(&a, "UPNSuffix")) {
            set_path(&mut e, "user.domain", s(d));
        }
    }
    let host = resolve(me.get("Host")).or_else(|| list.iter().find(|x| is(x, "host")).cloned());
    match host {
        Some(h) => {
            if let Some(n) = text(&h, "HostName").or_else(|| text(&h, "NetBiosName")) {
                set_path(&mut e, "host.name", s(n));
            }
            if let Some(os) = text(&h, "OSFamily") {
                set_path(&mut e, "host.os.name", s(os));
            }
        }
        None => {
            if let Some(c) = mtext(obj, "CompromisedEntity") {
                set_path(&mut e, "host.name", s(c));
            }
        }
    }
    sentinel_alert_done(e, obj, parse)
}

/// What every Sentinel `SecurityAlert` reading ends with: the alert's techniques, rule name and
/// time, the original kept, and its id.
fn sentinel_alert_done(
    mut e: Map<String, Json>,
    obj: &Map<String, Json>,
    parse: impl Fn(&Json) -> Option<Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    if let Some(t) = obj.get("Techniques").and_then(&parse) {
        let ids: Vec<&str> = match &t {
            Json::Array(a) => a.iter().filter_map(Json::as_str).collect(),
            Json::String(s) => s.split([',', ' ']).collect(),
            _ => Vec::new(),
        };
        set_techniques(&mut e, &ids);
    }
    if let Some(n) = mtext(obj, "AlertName") {
        set_path(&mut e, "rule.name", s(n));
    }
    // The rule's custom details say which logon did it (a network logon, type 3, from another
    // machine) and what started the process, where the entities do not.
    let details = obj
        .get("ExtendedProperties")
        .and_then(&parse)
        .and_then(|x| parse(x.get("Custom Details")?));
    let first = |k: &str| match details.as_ref()?.get(k)? {
        Json::Array(a) => a.first()?.as_str().map(str::to_owned),
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if let Some(t) = first("LogonType") {
        let kind = match t.as_str() {
            "2" => "Interactive",
            "3" => "Network",
            "4" => "Batch",
            "5" => "Service",
            "10" => "RemoteInteractive",
            other => other,
        };
        set_path(&mut e, "winlog.logon.type", s(kind));
    }
    if let Some(ip) = first("SourceIp").or_else(|| first("IpAddress")) {
        set_path(&mut e, "source.ip", s(&ip));
    }
    if let Some(w) = first("SourceWorkstation").or_else(|| first("WorkstationName")) {
        set_path(&mut e, "source.domain", s(&w));
    }
    let has_parent = e
        .get("process")
        .and_then(|p| p.get("parent"))
        .is_some_and(|p| p.get("command_line").is_some() || p.get("executable").is_some());
    if !has_parent && let Some(c) = first("ExecutedParent") {
        let exe = Some(program(&c))
            .filter(|p| p.contains(['\\', '/']))
            .map(str::to_owned);
        put_process(&mut e, "process.parent", exe, Some(&c));
    }
    if let Some(t) = mtext(obj, "TimeGenerated").or_else(|| mtext(obj, "StartTime")) {
        e.insert("@timestamp".into(), s(t));
    }
    finish(&mut e, "microsoft", "microsoft", Json::Object(obj.clone()));
    Some((e, mtext(obj, "SystemAlertId").map(str::to_owned)))
}

/// A Sentinel scheduled rule's alert with no process entity: the rule's custom details
/// (`ExtendedProperties."Custom Details"`, each a list of values) name the process by the query's
/// own columns (`NewProcessName`, `CommandLine`, `ParentProcessName`, `SubjectUserName` …).
fn sentinel_custom_details(
    obj: &Map<String, Json>,
    entities: &[Json],
    parse: impl Fn(&Json) -> Option<Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let ext = parse(obj.get("ExtendedProperties")?)?;
    // Defender for Cloud's Run Command alert: the script an Azure identity ran on the VM
    // through the Run Command extension (`Script`, `Run Command Name`), who ran it and from
    // where (`Client Principal Name`, `Client IP Address`).
    if let Some(script) = text(&ext, "Script") {
        let shell = text(&ext, "Run Command Name").unwrap_or_default();
        let exe = if shell.to_ascii_lowercase().contains("powershell") {
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
        } else {
            "/bin/sh"
        };
        let mut e = Map::new();
        put_process(&mut e, "process", Some(exe.to_owned()), Some(script));
        if let Some(u) = text(&ext, "Client Principal Name") {
            set_user(&mut e, u);
        }
        if let Some(ip) = text(&ext, "Client IP Address") {
            set_path(&mut e, "source.ip", s(ip));
        }
        let host = entities
            .iter()
            .find(|x| x.get("Type").and_then(Json::as_str) == Some("host"))
            .and_then(|h| text(h, "HostName"))
            .or_else(|| mtext(obj, "CompromisedEntity"))
            .or_else(|| mtext(obj, "ResourceId").and_then(|r| r.rsplit('/').next()));
        if let Some(h) = host {
            set_path(&mut e, "host.name", s(h));
        }
        set_path(
            &mut e,
            "host.os.type",
            s(if exe.starts_with('/') {
                "linux"
            } else {
                "windows"
            }),
        );
        return sentinel_alert_done(e, obj, parse);
    }
    let details = parse(ext.get("Custom Details")?)?;
    let first = |keys: &[&str]| {
        keys.iter().find_map(|k| match details.get(*k)? {
            Json::Array(a) => a.first()?.as_str().map(str::to_owned),
            Json::String(s) => Some(s.clone()),
            _ => None,
        })
    };
    let exe = first(&[
        "NewProcessName",
        "FolderPath",
        "Image",
        "ProcessName",
        "TargetProcessName",
    ]);
    // A scheduled task's or a service's action (`TaskCommand`, `ServiceFileName`) is the
    // command it ran.
    let cmd = first(&[
        "CommandLine",
        "ProcessCommandLine",
        "TargetProcessCommandLine",
        "TaskCommand",
        "ServiceFileName",
    ]);
    if exe.is_none() && cmd.is_none() {
        return None;
    }
    let mut e = Map::new();
    put_process(&mut e, "process", exe, cmd.as_deref());
    put_process(
        &mut e,
        "process.parent",
        first(&[
            "ParentProcessName",
            "ParentImage",
            "InitiatingProcessFolderPath",
            "ActingProcessName",
        ]),
        first(&["ParentCommandLine", "InitiatingProcessCommandLine"]).as_deref(),
    );

    let account = entities
        .iter()
        .find(|x| x.get("Type").and_then(Json::as_str) == Some("account"));
    match first(&["SubjectUserName", "AccountName", "TargetUsername", "User"]) {
        Some(u) => set_user(&mut e, &u),
        None => {
            if let Some(n) = account.and_then(|a| text(a, "Name")) {
                set_path(&mut e, "user.name", s(n));
            }
        }
    }
    let host = entities
        .iter()
        .find(|x| x.get("Type").and_then(Json::as_str) == Some("host"));
    if let Some(n) = host
        .and_then(|h| text(h, "HostName"))
        .or_else(|| mtext(obj, "CompromisedEntity"))
    {
        set_path(&mut e, "host.name", s(n));
    }
    if let Some(os) = host.and_then(|h| text(h, "OSFamily")) {
        set_path(&mut e, "host.os.name", s(os));
    }
    sentinel_alert_done(e, obj, parse)
}

/// The processes a UDM event records under `about` (the other members of a pipeline a rule
/// saw: `echo … | base64 -d | bash`), in the order they started (by pid).
fn about_processes(event: &Map<String, Json>) -> Vec<&Json> {
    let mut procs: Vec<&Json> = event
        .get("about")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("process"))
        .collect();
    let pid = |p: &Json| {
        p.get("pid")
            .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
    };
    procs.sort_by_key(|p| pid(p));
    procs
}

/// Google SecOps (Chronicle) UDM events and rule detections: in a `PROCESS_LAUNCH` the
/// principal's process launched the target's. A detection carries its events under
/// `collectionElements[].references[].event` (a logon or a connection may come first); the
/// newest process launch among them is read (the others' commands as branches), else the first
/// event, and the detection's rule name and `technique` label are kept.
pub(super) fn chronicle_udm(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let events: Vec<&Map<String, Json>> = obj
        .get("collectionElements")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("references").and_then(Json::as_array))
        .flatten()
        .filter_map(|r| r.get("event").and_then(Json::as_object))
        .collect();
    let launch = |ev: &&&Map<String, Json>| {
        ev.get("metadata")
            .and_then(|m| text(m, "event_type").or_else(|| text(m, "eventType")))
            == Some("PROCESS_LAUNCH")
    };
    // The newest process launch (a multi-event rule's chain: the package install, then what
    // its script started), else the first event.
    let stamp = |ev: &Map<String, Json>| {
        ev.get("metadata")
            .and_then(|m| text(m, "event_timestamp").or_else(|| text(m, "eventTimestamp")))
            .unwrap_or_default()
            .to_owned()
    };
    let newest_launch = events
        .iter()
        .filter(launch)
        .enumerate()
        .max_by(|(i, a), (j, b)| stamp(a).cmp(&stamp(b)).then(i.cmp(j)))
        .map(|(_, ev)| ev);
    let event: &Map<String, Json> = if let Some(u) = obj.get("udm").and_then(Json::as_object) {
        u
    } else if let Some(ev) = newest_launch.or(events.first()) {
        ev
    } else {
        obj
    };
    let meta = event.get("metadata")?;
    meta.get("event_type").or_else(|| meta.get("eventType"))?;
    let principal = event.get("principal")?;
    let target = event.get("target");
    let pp = principal.get("process");
    let tp = target.and_then(|t| t.get("process"));
    fn cmd(p: &Json) -> Option<&str> {
        text(p, "command_line").or_else(|| text(p, "commandLine"))
    }
    let path = |p: &Json| {
        p.get("file")
            .and_then(|f| text(f, "full_path").or_else(|| text(f, "fullPath")))
            .map(str::to_owned)
    };
    let (me, parent, grand) = match tp.filter(|t| cmd(t).is_some() || path(t).is_some()) {
        Some(t) => (
            t,
            pp,
            pp.and_then(|p| p.get("parent_process").or_else(|| p.get("parentProcess"))),
        ),
        None => (
            pp?,
            pp.and_then(|p| p.get("parent_process").or_else(|| p.get("parentProcess"))),
            None,
        ),
    };
    if cmd(me).is_none() && path(me).is_none() {
        return None;
    }
    let mut e = Map::new();
    // The other launches' commands, as branches of the chain.
    let others: Vec<&str> = events
        .iter()
        .filter(launch)
        .filter(|ev| !std::ptr::eq(**ev, event))
        .filter_map(|ev| {
            ev.get("target")
                .and_then(|t| t.get("process"))
                .and_then(cmd)
        })
        .chain(about_processes(event).into_iter().filter_map(cmd))
        .collect();
    put_process(
        &mut e,
        "process",
        path(me),
        with_branches(cmd(me), others).as_deref(),
    );
    if let Some(p) = parent {
        put_process(&mut e, "process.parent", path(p), cmd(p));
    }
    if let Some(g) = grand {
        put_process(&mut e, "process.parent.parent", path(g), cmd(g));
    }
    if let Some(pid) = me
        .get("pid")
        .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
    {
        set_path(&mut e, "process.pid", Json::from(pid));
    }
    // Sysmon's version fields, kept by the parser under `additional`.
    if let Some(o) = event.get("additional").and_then(|a| {
        text(a, "OriginalFileName")
            .or_else(|| a.get("fields").and_then(|f| text(f, "OriginalFileName")))
    }) {
        set_path(&mut e, "process.pe.original_file_name", s(o));
    }
    if let Some(h) = me.get("file").and_then(|f| text(f, "sha256")) {
        set_path(&mut e, "process.hash.sha256", s(h));
    }
    let user = target
        .and_then(|t| t.get("user"))
        .filter(|u| text(u, "userid").is_some() || text(u, "user_display_name").is_some())
        .or_else(|| principal.get("user"));
    if let Some(u) = user
        && let Some(n) = text(u, "userid").or_else(|| text(u, "user_display_name"))
    {
        set_user(&mut e, n);
    }
    let asset = principal.get("asset");
    if let Some(h) = text(principal, "hostname").or_else(|| asset.and_then(|a| text(a, "hostname")))
    {
        set_path(&mut e, "host.name", s(h));
    }
    if let Some(os) = text(principal, "platform").or_else(|| {
        asset
            .and_then(|a| {
                a.get("platform_software")
                    .or_else(|| a.get("platformSoftware"))
            })
            .and_then(|p| text(p, "platform"))
    }) {
        set_path(&mut e, "host.os.name", s(os));
    } else if meta
        .get("product_name")
        .or_else(|| meta.get("productName"))
        .and_then(Json::as_str)
        .is_some_and(|p| {
            let p = p.to_ascii_lowercase();
            [
                "jamf protect",
                "santa",
                "endpoint security",
                "eslogger",
                "xprotect",
            ]
            .iter()
            .any(|m| p.contains(m))
        })
    {
        // No platform recorded, but the product exists only on macOS.
        set_path(&mut e, "host.os.name", s("macOS"));
    }
    // The file the launched process worked on (its script, when the program is an
    // interpreter), and where it connected: the target's address in a connection event, or
    // an outbound address the rule recorded under `about`.
    if let Some(f) = target
        .and_then(|t| t.get("file"))
        .and_then(|f| text(f, "full_path").or_else(|| text(f, "fullPath")))
        && Some(f) != path(me).as_deref()
    {
        set_path(&mut e, "file.path", s(f));
    }
    let first_ip = |v: &Json| -> Option<String> {
        match v.get("ip")? {
            Json::Array(a) => a.first()?.as_str().map(str::to_owned),
            Json::String(x) => Some(x.clone()),
            _ => None,
        }
    };
    let dest = target
        .filter(|t| first_ip(t).is_some())
        .into_iter()
        .chain(
            event
                .get("about")
                .and_then(Json::as_array)
                .into_iter()
                .flatten(),
        )
        .find_map(|d| Some((first_ip(d)?, d.get("port").and_then(Json::as_i64))));
    if let Some((ip, port)) = dest {
        set_path(&mut e, "destination.ip", s(&ip));
        if let Some(p) = port {
            set_path(&mut e, "destination.port", Json::from(p));
        }
    }
    let mut ids: Vec<&str> = Vec::new();
    let results = event
        .get("security_result")
        .or_else(|| event.get("securityResult"))
        .and_then(Json::as_array);
    for r in results.into_iter().flatten() {
        if let Some(n) = text(r, "rule_name").or_else(|| text(r, "ruleName")) {
            set_path(&mut e, "rule.name", s(n));
        }
        let techniques = r
            .get("attack_details")
            .or_else(|| r.get("attackDetails"))
            .and_then(|a| a.get("techniques"))
            .and_then(Json::as_array);
        for tq in techniques.into_iter().flatten() {
            ids.extend(text(tq, "id"));
        }
        // Parsers and rule authors often put technique ids in `category_details` (the others
        // are dropped by `set_techniques`).
        let details = r
            .get("category_details")
            .or_else(|| r.get("categoryDetails"))
            .and_then(Json::as_array);
        ids.extend(details.into_iter().flatten().filter_map(Json::as_str));
    }
    // The detection's own rule: its name and its `technique` label ("T1021.005,T1059.004").
    for d in obj
        .get("detection")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(n) = text(d, "ruleName") {
            set_path(&mut e, "rule.name", s(n));
        }
        let labels = d.get("ruleLabels").and_then(Json::as_array);
        for l in labels.into_iter().flatten() {
            // `technique`, or `mitre_attack_technique` as many rule authors label it.
            if text(l, "key").is_some_and(|k| k.to_ascii_lowercase().contains("technique"))
                && let Some(v) = text(l, "value")
            {
                ids.extend(v.split([',', ' ']).filter(|t| !t.is_empty()));
            }
        }
    }
    set_techniques(&mut e, &ids);
    if let Some(t) = text(meta, "event_timestamp").or_else(|| text(meta, "eventTimestamp")) {
        e.insert("@timestamp".into(), s(t));
    }
    let id = text(meta, "id")
        .or_else(|| text(meta, "product_log_id"))
        .map(str::to_owned);
    finish(&mut e, "chronicle", "chronicle", Json::Object(obj.clone()));
    Some((e, id))
}

/// Palo Alto Cortex XDR alerts (the `get_alerts` API and its forwarders): the acting process
/// (`actor_process_*`), what it started (`action_process_*`), and the causality chain's root
/// (`causality_actor_process_*`).
pub(super) fn cortex_xdr(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    // The alert's own fields, then its first event's (older API versions nest the process
    // fields under `events[]`); newer versions give single values as one-element arrays.
    let first_event = obj
        .get("events")
        .and_then(Json::as_array)
        .and_then(|e| e.first())
        .and_then(Json::as_object);
    let marks = [
        "actor_process_command_line",
        "action_process_image_command_line",
        "causality_actor_process_command_line",
    ];
    if !marks
        .iter()
        .any(|k| obj.contains_key(*k) || first_event.is_some_and(|e| e.contains_key(*k)))
    {
        return None;
    }
    let mut flat = Map::new();
    for (k, v) in obj.iter().chain(first_event.into_iter().flatten()) {
        let v = match v {
            Json::Array(a) if !k.starts_with("mitre_") && a.len() == 1 && !a[0].is_object() => {
                a[0].clone()
            }
            other => other.clone(),
        };
        if !v.is_null() && flat.get(k).is_none_or(|x| x.is_null()) {
            flat.insert(k.clone(), v);
        }
    }
    let o = Json::Object(flat);
    let has = |k: &str| text(&o, k).is_some();
    // A process known by its image alone (an event that logged no command line) is still the
    // event's process: that missing line is itself what the analyst must see.
    if !(has("actor_process_command_line")
        || has("action_process_image_command_line")
        || has("causality_actor_process_command_line")
        || has("actor_process_image_path")
        || has("action_process_image_path"))
    {
        return None;
    }
    let proc_ = |prefix: &str| {
        let path = text(&o, &format!("{prefix}_image_path")).map(str::to_owned);
        let cmd = text(&o, &format!("{prefix}_command_line"))
            .or_else(|| text(&o, &format!("{prefix}_image_command_line")))
            .map(str::to_owned);
        let name = text(&o, &format!("{prefix}_image_name")).map(str::to_owned);
        (path, cmd, name)
    };
    let actor = proc_("actor_process");
    // A connection's alert (`action_remote_ip`) whose action names no program of its own and
    // whose command the actor's own command line holds (`ssh … root@h bash -s` and `bash -s`):
    // what the actor asked the far end to run, not a process on this host.
    let action = Some(proc_("action_process"))
        .filter(|a| {
            let remote_command = a.1.as_deref().is_some_and(|c| {
                let c = c.trim_end_matches("(remote)").trim();
                !c.is_empty() && actor.1.as_deref().is_some_and(|own| own.contains(c))
            });
            !(has("action_remote_ip") && a.0.is_none() && a.2.is_none() && remote_command)
        })
        .unwrap_or((None, None, None));
    let cause = proc_("causality_actor_process");
    // The OS-level actor (`os_actor_process_*`), where it is another process than the actor
    // and the causality root: the step between them (`sh -c 'curl … | bash'` under the agent).
    let os_actor = proc_("os_actor_process");
    let os_between = os_actor.1.is_some() && os_actor.1 != actor.1 && os_actor.1 != cause.1;
    // An interpreter (the actor) that started a program which is not one, with no arguments:
    // the interpreter's command is the evidence (a cradle that fetched and started the
    // program), so it is the process, and what it started follows its command as a branch.
    let interp = |p: &(Option<String>, Option<String>, Option<String>)| {
        p.0.as_deref()
            .or(p.2.as_deref())
            .is_some_and(super::is_interpreter_name)
    };
    // (only when the started program's own command line says nothing more than its path)
    let bare = |p: &(Option<String>, Option<String>, Option<String>)| {
        p.1.as_deref()
            .is_none_or(|c| crate::funcs::split_args(c).len() <= 1)
    };
    let chain: Vec<_> = if (action.1.is_some() || action.0.is_some())
        && !interp(&action)
        && bare(&action)
        && interp(&actor)
        && actor.1.is_some()
    {
        let started = action.1.clone().or(action.0.clone());
        let cmd = with_branches(
            actor.1.as_deref(),
            started.as_deref().into_iter().collect::<Vec<_>>(),
        );
        vec![(actor.0, cmd, actor.2), cause]
    } else if action.1.is_some() || action.0.is_some() {
        vec![action, actor, cause]
    } else if os_between {
        vec![actor, os_actor, cause]
    } else {
        vec![actor, cause]
    };
    let mut e = Map::new();
    // What the action touched: the file written, the remote end of a connection.
    if let Some(f) = text(&o, "action_file_path") {
        set_path(&mut e, "file.path", s(f));
        set_path(&mut e, "file.name", s(basename_of(f)));
    }
    if let Some(ip) = text(&o, "action_remote_ip") {
        set_path(&mut e, "destination.ip", s(ip));
        if let Some(p) = o.get("action_remote_port").and_then(Json::as_i64) {
            set_path(&mut e, "destination.port", Json::from(p));
        }
        // (the host name the connection was made to, or the name the process looked up
        // before it: `dns_query_name`)
        if let Some(h) = text(&o, "action_external_hostname").or_else(|| text(&o, "dns_query_name"))
        {
            set_path(&mut e, "destination.domain", s(h));
        }
    }
    for ((path, cmd, name), prefix) in
        chain
            .into_iter()
            .zip(["process", "process.parent", "process.parent.parent"])
    {
        let has_path = path.is_some();
        put_process(&mut e, prefix, path, cmd.as_deref());
        if !has_path && let Some(n) = name {
            set_path(&mut e, &format!("{prefix}.name"), Json::String(n));
        }
    }
    if let Some(h) = text(&o, "host_name")
        .or_else(|| text(&o, "agent_fqdn"))
        .or_else(|| text(&o, "agent_hostname"))
    {
        set_path(&mut e, "host.name", s(h));
    }
    if let Some(os) = text(&o, "os_actual")
        .or_else(|| text(&o, "agent_os_type"))
        .or_else(|| text(&o, "os_type"))
        .or_else(|| text(&o, "agent_os_sub_type"))
        .or_else(|| text(&o, "platform"))
    {
        set_path(&mut e, "host.os.name", s(os));
    }
    match o.get("host_ip") {
        Some(Json::Array(a)) if !a.is_empty() => set_path(&mut e, "host.ip", a[0].clone()),
        Some(Json::String(ip)) => set_path(&mut e, "host.ip", s(ip)),
        _ => {}
    }
    if let Some(u) = text(&o, "user_name")
        .or_else(|| text(&o, "actor_effective_username"))
        .or_else(|| text(&o, "actor_primary_username"))
    {
        set_user(&mut e, u);
    }
    if let Some(h) =
        text(&o, "action_process_image_sha256").or_else(|| text(&o, "actor_process_image_sha256"))
    {
        set_path(&mut e, "process.hash.sha256", s(h));
    }
    let mut ids: Vec<String> = Vec::new();
    for k in [
        "mitre_technique_id_and_name",
        "mitre_techniques_ids_and_names",
    ] {
        let vals: Vec<&str> = match o.get(k) {
            Some(Json::Array(a)) => a.iter().filter_map(Json::as_str).collect(),
            Some(Json::String(v)) => vec![v.as_str()],
            _ => Vec::new(),
        };
        for v in vals {
            ids.extend(v.split([' ', ',', ';']).map(str::to_owned));
        }
    }
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    set_techniques(&mut e, &ids);
    if let Some(n) = text(&o, "name") {
        set_path(&mut e, "rule.name", s(n));
    }
    if let Some(d) = text(&o, "description") {
        set_path(&mut e, "rule.description", s(d));
    }
    if let Some(t) = o
        .get("detection_timestamp")
        .and_then(Json::as_i64)
        .and_then(chrono::DateTime::from_timestamp_millis)
    {
        e.insert("@timestamp".into(), s(&t.to_rfc3339()));
    }
    let id = match o.get("alert_id") {
        Some(Json::String(v)) => Some(v.clone()),
        Some(Json::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    finish(&mut e, "cortex_xdr", "cortex_xdr", o);
    Some((e, id))
}

/// Trend Micro's process fields (Workbench indicators, flat detections): the `object*` process
/// was started by the `process*` one, under `parent*`; without an object, the acting process is
/// the process. Without a path, the command line's first word names the program. False when
/// the fields name no process.
pub(super) fn trend_chain<'a>(
    e: &mut Map<String, Json>,
    field: impl Fn(&str) -> Option<&'a str>,
) -> bool {
    let mut object = (field("objectFilePath"), field("objectCmd"));
    let acting = (field("processFilePath"), field("processCmd"));
    let parent = (field("parentFilePath"), field("parentCmd"));
    // An object path that is a file the acting process wrote or read (a web shell's `.aspx`, a
    // script, a launch daemon's `.plist`), not a program by its extension: the file of the
    // alert. With no command line the object is that file, not a process; with one, the
    // command line is the object process's and the file what another filter matched.
    if let (Some(path), cmd) = object {
        let name = super::basename_of(path);
        let ext = name.rsplit_once('.').map(|(_, x)| x.to_ascii_lowercase());
        let program = cmd.is_some_and(|c| {
            crate::funcs::split_args(c)
                .first()
                .is_some_and(|first| super::basename_of(first) == name)
        });
        let executable_ext = |x: &str| ["exe", "com", "scr", "pif", "bin", "app"].contains(&x);
        // A Windows path without a program's extension, beside a command line that names
        // another program, is a file or folder the command worked on (a cache folder cleared).
        let windows_non_program =
            cmd.is_some() && path.contains('\\') && !ext.as_deref().is_some_and(executable_ext);
        if !program
            && (windows_non_program
                || ext.as_deref().is_some_and(|x| {
                    // `.ps1`, `.py`, `.plist`: letters, digits allowed after the first.
                    x.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                        && x.chars().all(|c| c.is_ascii_alphanumeric())
                        && !executable_ext(x)
                }))
        {
            set_path(e, "file.path", s(path));
            set_path(e, "file.name", s(name));
            object = (None, cmd);
        }
    }
    // An object path with no command line that is the acting process's own program
    // (`objectFilePath` cscript.exe beside `processCmd` cscript.exe …, or `PowerShell -Enc …`
    // as WinRM writes it, without the extension): the process's path, not a process it started.
    let mut acting = acting;
    let program_name = |p: &str| {
        let name = super::basename_of(p).to_ascii_lowercase();
        match name.strip_suffix(".exe") {
            Some(stem) => stem.to_owned(),
            None => name,
        }
    };
    if let ((Some(path), None), (None, Some(cmd))) = (object, acting)
        && crate::funcs::split_args(cmd)
            .first()
            .is_some_and(|first| program_name(first) == program_name(path))
    {
        acting = (Some(path), Some(cmd));
        object = (None, None);
    }
    // An object known by its path alone, which the acting command line starts by name
    // (`cmd /c cscript.exe //B slmgr.vbs …` beside `objectFilePath` cscript.exe): that command
    // line says all the object ran, so the acting process is the one judged.
    if let ((Some(path), None), (_, Some(cmd))) = (object, acting)
        && cmd
            .to_ascii_lowercase()
            .contains(&super::basename_of(path).to_ascii_lowercase())
    {
        object = (None, None);
    }
    let mut grand = (field("parentParentFilePath"), field("parentParentCmd"));
    // An object that is an Office application or a browser, which the acting interpreter's
    // command never names: the document's program the chain began in, not a program the
    // interpreter started — the ancestor above the parent.
    let object_program = object.0.map(program_name).or_else(|| {
        object
            .1
            .and_then(|c| crate::funcs::split_args(c).into_iter().next())
            .map(|p| program_name(&p))
    });
    if let Some(prog) = object_program
        && [
            "winword", "excel", "powerpnt", "outlook", "msaccess", "mspub", "visio", "onenote",
            "chrome", "msedge", "firefox", "iexplore", "acrord32", "acrobat",
        ]
        .contains(&prog.as_str())
        && acting.1.is_some_and(|c| {
            super::is_interpreter_name(&program_name(
                &crate::funcs::split_args(c)
                    .into_iter()
                    .next()
                    .unwrap_or_default(),
            )) && !c.to_ascii_lowercase().contains(&prog)
        })
        && grand == (None, None)
    {
        grand = object;
        object = (None, None);
    }
    let judged_is_object = object.0.is_some() || object.1.is_some();
    let chain = if judged_is_object {
        vec![object, acting, parent]
    } else if parent == (None, None) {
        vec![acting, grand]
    } else {
        vec![acting, parent, grand]
    };
    if chain[0].0.is_none() && chain[0].1.is_none() {
        return false;
    }
    // The judged process's working directory (a management agent's action folder).
    let cwd = if judged_is_object {
        field("objectFileCurrentWorkingDirectory")
    } else {
        field("processFileCurrentWorkingDirectory")
    };
    if let Some(d) = cwd {
        set_path(e, "process.working_directory", s(d));
    }
    for ((path, cmd), prefix) in
        chain
            .into_iter()
            .zip(["process", "process.parent", "process.parent.parent"])
    {
        let path = path
            .map(str::to_owned)
            .or_else(|| cmd.and_then(|c| crate::funcs::split_args(c).into_iter().next()));
        put_process(e, prefix, path, cmd);
    }
    true
}

/// Trend Vision One Workbench alerts: the evidence is a list of `indicators`, each naming the
/// telemetry field it came from — `processCmd`/`processFilePath` for the acting process,
/// `objectCmd`/`objectFilePath` for the process it started, `parentCmd`/`parentFilePath` for
/// its parent; hosts and accounts are `impactScope.entities`.
pub(super) fn trend_workbench(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let indicators = obj.get("indicators")?.as_array()?;
    if !(obj.contains_key("impactScope")
        || obj.contains_key("workbenchLink")
        || obj.contains_key("matchedRules"))
    {
        return None;
    }
    // An indicator typed as an address (`url`, `domain`, `ip`) names what a command line
    // fetched, though its field is the command's (`objectCmd`): it is not a process.
    let is_address = |i: &&Json| {
        text(i, "type").is_some_and(|t| {
            ["url", "domain", "ip", "fqdn"].contains(&t.to_ascii_lowercase().as_str())
        })
    };
    let field = |name: &str| {
        indicators
            .iter()
            .filter(|i| !is_address(i))
            .find(|i| i.get("field").and_then(Json::as_str) == Some(name))
            .and_then(|i| text(i, "value"))
    };
    let mut e = Map::new();
    if !trend_chain(&mut e, field) {
        return None;
    }
    // Several indicators of the judged kind (two `security find-…-password` commands the same
    // script ran): the first is the process, the others follow its command line as branches.
    let judged = if field("objectCmd").is_some() {
        "objectCmd"
    } else {
        "processCmd"
    };
    let more: Vec<&str> = indicators
        .iter()
        .filter(|i| !is_address(i))
        .filter(|i| i.get("field").and_then(Json::as_str) == Some(judged))
        .filter_map(|i| text(i, "value"))
        .skip(1)
        .collect();
    if !more.is_empty()
        && let Some(all) = with_branches(field(judged), more)
        && let Some(Json::Object(p)) = e.get_mut("process")
    {
        p.insert("command_line".into(), Json::String(all));
    }
    // The account the judged process itself ran as, where an indicator names it: of the
    // alert's accounts (the user who answered a prompt, root whose shell it opened), that one.
    // (Set first: the entities below only fill what is still empty.) With an object process (`objectCmd`), the judged process is the object.
    let own = if field("objectCmd").is_some() {
        field("objectUser")
    } else {
        field("processUser")
    };
    if let Some(u) = own {
        set_user(&mut e, u);
    }
    let entities = obj
        .get("impactScope")
        .and_then(|s| s.get("entities"))
        .and_then(Json::as_array);
    for en in entities.into_iter().flatten() {
        match en.get("entityType").and_then(Json::as_str) {
            Some("host") => {
                let v = en.get("entityValue");
                if let Some(n) = v.and_then(|v| text(v, "name")) {
                    set_path(&mut e, "host.name", s(n));
                }
                if let Some(ip) = v
                    .and_then(|v| v.get("ips"))
                    .and_then(Json::as_array)
                    .and_then(|a| a.first())
                {
                    set_path(&mut e, "host.ip", ip.clone());
                }
            }
            Some("account") => {
                if let Some(u) = text(en, "entityValue") {
                    set_user(&mut e, u);
                }
            }
            _ => {}
        }
    }
    let mut ids: Vec<String> = Vec::new();
    for r in obj
        .get("matchedRules")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        for f in r
            .get("matchedFilters")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            for id in f
                .get("mitreTechniqueIds")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(id) = id.as_str() {
                    ids.push(
                        id.rsplit_once(".T")
                            .map(|(_, t)| format!("T{t}"))
                            .unwrap_or_else(|| id.to_owned()),
                    );
                }
            }
        }
    }
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    set_techniques(&mut e, &ids);
    if let Some(m) = mtext(obj, "model") {
        set_path(&mut e, "rule.name", s(m));
    }
    if let Some(d) = mtext(obj, "description") {
        set_path(&mut e, "rule.description", s(d));
    }
    if let Some(t) = mtext(obj, "createdDateTime") {
        e.insert("@timestamp".into(), s(t));
    }
    finish(
        &mut e,
        "trend_vision_one",
        "trend",
        Json::Object(obj.clone()),
    );
    Some((e, mtext(obj, "id").map(str::to_owned)))
}

/// Slack's go-audit: one audit event as `{"sequence", "timestamp", "messages": [{"type": 1300,
/// "data": "audit(…): …"}]}`, the records' types by number. Read as the audit lines they are.
pub(super) fn go_audit(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    let msgs = obj.get("messages")?.as_array()?;
    if !obj.contains_key("sequence") {
        return None;
    }
    let mut lines = Vec::new();
    for m in msgs {
        let data = text(m, "data")?;
        let name = match m.get("type").and_then(Json::as_u64)? {
            1300 => "SYSCALL",
            1302 => "PATH",
            1307 => "CWD",
            1309 => "EXECVE",
            1327 => "PROCTITLE",
            1123 => "USER_CMD",
            _ => continue,
        };
        if !data.starts_with("audit(") {
            return None;
        }
        lines.push(format!("type={name} msg={data}"));
    }
    if lines.is_empty() {
        return None;
    }
    let mut m = Map::new();
    m.insert("message".into(), s(&lines.join("\n")));
    if let Some(h) = mtext(obj, "hostname").or_else(|| mtext(obj, "host")) {
        m.insert("hostname".into(), s(h));
    }
    let (mut e, _) = log_lines(&m)?;
    e.insert("go_audit".into(), Json::Object(obj.clone()));
    Some((e, mtext(obj, "sequence").map(str::to_owned)))
}

/// Raw log lines that pipelines forward without parsing them, under `message` (or the macOS
/// unified log's `eventMessage`): auditd records (SYSCALL/EXECVE/CWD/PROCTITLE/USER_CMD, hex
/// arguments decoded), sudo's log line, Santa's EXEC line, shell history forwarded over syslog
/// (zsh extended history, bash with `HISTTIMEFORMAT`), and Sysmon for Linux's XML.
pub(super) fn log_lines(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    // Only when nothing else says what ran (a bare `process.pid` beside the line is common; a
    // syslog shipper names the program that logged the line, sudo or cron, as `process.name`,
    // and names `sysmon` or `audispd` when the line is itself a whole event: Sysmon for Linux's
    // XML, audit records).
    let holds_event = ["message", "SyslogMessage", "_raw"].iter().any(|k| {
        mtext(obj, k).is_some_and(|m| {
            (m.contains("<EventData>") && m.contains("<EventID>")) || m.contains("type=EXECVE")
        })
    });
    let described = |k: &str, v: &Json| {
        ["command_line", "args", "executable", "name", "title"]
            .iter()
            .any(|f| k.ends_with(f))
            && !(k.ends_with("name")
                && (holds_event
                    || v.as_str()
                        .is_some_and(|n| ["sudo", "cron", "CRON", "crond"].contains(&n))))
    };
    if obj
        .get("process")
        .and_then(Json::as_object)
        .is_some_and(|p| p.iter().any(|(k, v)| described(k, v)))
        || obj
            .iter()
            .any(|(k, v)| k.starts_with("process.") && described(k, v))
        // winlogbeat's document: the event's own fields, not its rendered message.
        || obj
            .get("winlog")
            .and_then(|w| w.get("event_data"))
            .is_some_and(|d| d.as_object().is_some_and(|d| !d.is_empty()))
        || obj.contains_key("winlog.event_data")
        // winlogbeat's PowerShell module: the script block as a field (the rendered message
        // beside it is often cut short).
        || obj
            .get("powershell")
            .and_then(|p| p.get("file"))
            .and_then(|f| text(f, "script_block_text"))
            .is_some_and(|t| !t.trim().is_empty())
        || mtext(obj, "powershell.file.script_block_text").is_some_and(|t| !t.trim().is_empty())
    {
        return None;
    }
    // The line as syslog shippers name it: `message` (ECS, Graylog), `eventMessage` (macOS
    // unified log), `SyslogMessage` (Sentinel's Syslog table), `MESSAGE` (journald's JSON
    // export), `full_log` (Wazuh), `_raw` (Splunk's raw event, when no extracted fields came along),
    // GELF's `full_message` / `short_message` (Graylog, Fluent Bit's GELF output), `log` (Fluent
    // Bit's tail input, Docker's JSON logs).
    // ECS keeps the raw line as `event.original` (Filebeat's auditd module, one record each).
    let original = obj
        .get("event")
        .and_then(|e| text(e, "original"))
        .or_else(|| mtext(obj, "event.original"));
    let msg = [
        // NXLog's `EventXML` (the Windows event as XML, beside fields it did not parse).
        "EventXML",
        "message",
        "full_message",
        "short_message",
        "eventMessage",
        "SyslogMessage",
        "MESSAGE",
        "full_log",
        "_raw",
        "msg",
        // Fluent Bit's tail input and Docker's JSON log driver.
        "log",
        // A syslog receiver's JSON record with the line kept whole (`raw`).
        "raw",
    ]
    .into_iter()
    .filter(|k| *k != "full_log" || !obj.contains_key("data"))
    .filter(|k| {
        *k != "EventXML"
            || mtext(obj, k).is_some_and(|x| x.contains("<EventData>") && x.contains("<EventID>"))
    })
    .filter(|k| {
        // Splunk's extractions from an auditd record name the program, not its decoded
        // arguments, and from a Santa line not its path or signer: the record itself is read.
        *k != "_raw"
            || mtext(obj, "_raw").is_some_and(|r| {
                r.contains("type=EXECVE")
                    || r.contains("santad: action=EXEC")
                    // a Windows event as XML (`XmlWinEventLog`): its data, not the extractions
                    || (r.contains("<EventData>") && r.contains("<EventID>"))
            })
            || ![
                "process",
                "process_name",
                "EventID",
                "EventCode",
                "CommandLine",
                "ScriptBlockText",
            ]
            .iter()
            .any(|f| obj.contains_key(*f))
    })
    .find_map(|k| mtext(obj, k))
    .or(original);
    // Wazuh's composite rules keep the lines that led up to the alert as `previous_output`: a
    // script's trace there is what ran, whatever the decoder made of the last line.
    let trail = mtext(obj, "previous_output")
        .map(|p| format!("{p}\n{}", mtext(obj, "full_log").unwrap_or_default()))
        .and_then(|t| xtrace_lines(&t));
    let msg = match (msg, &trail) {
        (Some(m), _) => m,
        (None, Some(_)) => "",
        (None, None) => return None,
    };
    let o = Json::Object(obj.clone());
    let host = text(&o, "hostname")
        .or_else(|| {
            o.get("host")
                .and_then(|h| text(h, "hostname").or_else(|| text(h, "name")))
        })
        .or_else(|| mtext(obj, "host.hostname"))
        .or_else(|| mtext(obj, "_HOSTNAME"))
        // Sumo Logic's search results.
        .or_else(|| mtext(obj, "_sourcehost"))
        .or_else(|| mtext(obj, "HostName"))
        .or_else(|| mtext(obj, "host"))
        .or_else(|| o.get("agent").and_then(|a| text(a, "name")))
        .map(str::to_owned);
    let mut e = if msg.contains("type=EXECVE")
        || msg.contains("type=USER_CMD")
        || msg.contains("type=SYSCALL")
    {
        auditd_lines(msg)?
    } else if let Some(mut e) = sysmon_xml(msg).or_else(|| sysmon_rendered(msg)) {
        // Already a whole Sysmon event (time, user, category): only the forwarder's host is added.
        if let Some(h) = host {
            if !e.contains_key("Hostname") {
                e.insert("Hostname".into(), Json::String(h.clone()));
            }
            set_path(&mut e, "host.name", Json::String(h));
        }
        e.insert("raw".into(), Json::Object(obj.clone()));
        return Some((e, None));
    } else if let Some(mut e) = script_block_message(msg) {
        // A 4104 event rendered as text: the script block is the content.
        if let Some(h) = host {
            set_path(&mut e, "host.name", Json::String(h));
        }
        if let Some(t) = mtext(obj, "@timestamp").or_else(|| mtext(obj, "timestamp")) {
            e.insert("@timestamp".into(), s(t));
        }
        e.insert("raw".into(), Json::Object(obj.clone()));
        return Some((e, None));
    } else if let Some(e) = santa_line(msg) {
        e
    } else if let Some(mut e) = cef_leef_line(msg) {
        // A security product's event forwarded as CEF or LEEF: its own fields say what it is.
        if let (Some(h), None) = (host, e.get("host")) {
            set_path(&mut e, "host.name", Json::String(h));
        }
        if let Some(t) = mtext(obj, "@timestamp").or_else(|| mtext(obj, "timestamp")) {
            e.insert("@timestamp".into(), s(t));
        }
        e.insert("raw".into(), Json::Object(obj.clone()));
        return Some((e, None));
    } else if let Some(e) = trail.or_else(|| xtrace_lines(msg)) {
        e
    } else if let Some(e) = sudo_line(msg) {
        e
    } else if let Some(e) = esxi_shell_line(msg) {
        e
    } else if let Some(e) = cron_line(msg) {
        e
    } else if let Some(mut e) = ssh_auth_line(msg) {
        // A logon, not a process start: the line's own category stays.
        if let Some(h) = host {
            set_path(&mut e, "host.name", Json::String(h));
        }
        if let Some(t) = mtext(obj, "@timestamp").or_else(|| mtext(obj, "timestamp")) {
            e.insert("@timestamp".into(), s(t));
        }
        e.insert("raw".into(), Json::Object(obj.clone()));
        return Some((e, None));
    } else {
        let app = o
            .get("log")
            .and_then(|l| l.get("syslog"))
            .and_then(|s| text(s, "appname"))
            .or_else(|| mtext(obj, "log.syslog.appname"))
            .or_else(|| mtext(obj, "program"))
            .unwrap_or_default();
        history_line(msg, app)?
    };
    if let Some(h) = host {
        set_path(&mut e, "host.name", Json::String(h));
    }
    if let Some(u) = o.get("user").and_then(|u| text(u, "name")) {
        set_path(&mut e, "user.name", s(u));
    }
    if let Some(t) = mtext(obj, "@timestamp").or_else(|| mtext(obj, "timestamp")) {
        e.insert("@timestamp".into(), s(t));
    }
    set_path(&mut e, "event.category", json!(["process"]));
    e.insert("raw".into(), Json::Object(obj.clone()));
    Some((e, None))
}

/// PowerShell's script-block event (4104) as Windows renders its message: `Creating Scriptblock
/// text (1 of 1):`, the script, then `ScriptBlock ID:` and `Path:`.
fn script_block_message(msg: &str) -> Option<Map<String, Json>> {
    let start = msg.find("Creating Scriptblock text (")?;
    let rest = &msg[start..];
    let (head, body) = rest.split_once("):")?;
    let body = body.trim_start_matches(['\r', '\n']);
    let (script, tail) = match body.find("ScriptBlock ID:") {
        Some(i) => (&body[..i], &body[i..]),
        None => (body, ""),
    };
    // (a message cut after its header says nothing: the event's own fields, if any, do)
    if script.trim().is_empty() {
        return None;
    }
    let mut e = Map::new();
    set_path(
        &mut e,
        "powershell.file.script_block_text",
        s(script.trim_end()),
    );
    let field = |name: &str| {
        tail.find(name).map(|i| {
            tail[i + name.len()..]
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
    };
    if let Some(id) = field("ScriptBlock ID:").filter(|v| !v.is_empty()) {
        set_path(&mut e, "powershell.file.script_block_id", s(&id));
    }
    if let Some(p) = field("Path:").filter(|v| !v.is_empty()) {
        set_path(&mut e, "file.path", s(&p));
    }
    // "(1 of 3)": the part and the whole.
    if let Some((n, t)) = head
        .rsplit_once('(')
        .and_then(|(_, x)| x.split_once(" of "))
        && let (Ok(n), Ok(t)) = (n.trim().parse::<i64>(), t.trim().parse::<i64>())
    {
        set_path(&mut e, "powershell.sequence", Json::from(n));
        set_path(&mut e, "powershell.total", Json::from(t));
    }
    set_path(&mut e, "event.code", s("4104"));
    set_path(&mut e, "event.category", json!(["process"]));
    set_path(&mut e, "event.provider", s("Microsoft-Windows-PowerShell"));
    set_path(&mut e, "host.os.type", s("windows"));
    Some(e)
}

/// sshd's logon line (`Accepted publickey for ana from 10.0.0.5 port 51234 ssh2`, or
/// `Failed password for invalid user …`): an authentication event with the account and the source.
fn ssh_auth_line(msg: &str) -> Option<Map<String, Json>> {
    use regex::Regex;
    use std::sync::LazyLock;
    static SSH: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(Accepted|Failed) (\S+) for (invalid user )?(\S+) from (\S+) port (\d+)")
            .expect("static regex")
    });
    let c = SSH.captures(msg)?;
    let mut e = Map::new();
    set_path(&mut e, "event.category", json!(["authentication"]));
    set_path(
        &mut e,
        "event.action",
        s(&format!("ssh_login_{}", c[2].replace('/', "_"))),
    );
    set_path(
        &mut e,
        "event.outcome",
        s(if &c[1] == "Accepted" {
            "success"
        } else {
            "failure"
        }),
    );
    set_path(&mut e, "user.name", s(&c[4]));
    set_path(&mut e, "source.ip", s(&c[5]));
    if let Ok(p) = c[6].parse::<i64>() {
        set_path(&mut e, "source.port", Json::from(p));
    }
    set_path(&mut e, "process.name", s("sshd"));
    Some(e)
}

/// `key=value` pairs of one auditd record; quoted values unquoted, bare hex left for the caller.
pub(super) fn audit_fields(line: &str) -> Vec<(&str, String)> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(eq) = rest.find('=') {
        let key_start = rest[..eq].rfind(' ').map(|i| i + 1).unwrap_or(0);
        let key = &rest[key_start..eq];
        let after = &rest[eq + 1..];
        let (val, next) = if let Some(q) = after.strip_prefix('"') {
            match q.find('"') {
                Some(end) => (q[..end].to_owned(), &q[end + 1..]),
                None => (q.to_owned(), ""),
            }
        } else if let Some(q) = after.strip_prefix('\'') {
            match q.find('\'') {
                Some(end) => (q[..end].to_owned(), &q[end + 1..]),
                None => (q.to_owned(), ""),
            }
        } else {
            let end = after.find(' ').unwrap_or(after.len());
            (after[..end].to_owned(), &after[end..])
        };
        out.push((key, val));
        rest = next;
    }
    out
}

pub(super) fn unhex_text(v: &str) -> Option<String> {
    if v.len() < 2 || !v.len().is_multiple_of(2) || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..v.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&v[i..i + 2], 16).ok())
        .collect();
    let bytes = bytes?;
    let parts: Vec<String> = bytes
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn auditd_lines(msg: &str) -> Option<Map<String, Json>> {
    let mut e = Map::new();
    let mut args: Vec<String> = Vec::new();
    let mut title = None;
    // Records joined on one line (a description or a shipper that folded the newlines): each
    // `type=KIND msg=audit(` starts a record.
    let mut split = String::with_capacity(msg.len());
    let mut last = 0;
    for (i, _) in msg.match_indices(" type=") {
        let rest = &msg[i + 6..];
        let kind_len = rest
            .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
            .unwrap_or(0);
        if kind_len > 0 && rest[kind_len..].starts_with(" msg=audit(") {
            split.push_str(&msg[last..i]);
            split.push('\n');
            last = i + 1;
        }
    }
    split.push_str(&msg[last..]);
    for line in split.lines() {
        let kind = line
            .strip_prefix("type=")
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or("");
        let fields = audit_fields(line);
        let get = |k: &str| fields.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
        match kind {
            "EXECVE" => {
                let argc: usize = get("argc").and_then(|a| a.parse().ok()).unwrap_or(0);
                for i in 0..argc.min(256) {
                    if let Some(a) = get(&format!("a{i}")) {
                        args.push(super::auditd_arg(a));
                    }
                }
            }
            "SYSCALL" => {
                if let Some(x) = get("exe") {
                    set_path(&mut e, "process.executable", Json::String(x));
                }
                for (k, to) in [("pid", "process.pid"), ("ppid", "process.parent.pid")] {
                    if let Some(n) = get(k).and_then(|v| v.parse::<i64>().ok()) {
                        set_path(&mut e, to, Json::from(n));
                    }
                }
                if let Some(u) = get("uid") {
                    if u == "0" {
                        set_path(&mut e, "user.name", s("root"));
                    }
                    set_path(&mut e, "user.id", Json::String(u));
                }
                if let Some(a) = get("auid").filter(|a| a != "4294967295") {
                    set_path(&mut e, "user.audit.id", Json::String(a));
                }
            }
            "CWD" => {
                if let Some(c) = get("cwd") {
                    set_path(&mut e, "process.working_directory", Json::String(c));
                }
            }
            "PROCTITLE" => title = get("proctitle").map(|p| unhex_text(&p).unwrap_or(p)),
            "USER_CMD" => {
                // sudo's own record: who ran what through it (the command hex-encoded).
                let inner = get("msg").unwrap_or_default();
                let f = audit_fields(&inner);
                let cmd = f
                    .iter()
                    .find(|(n, _)| *n == "cmd")
                    .map(|(_, v)| unhex_text(v).unwrap_or_else(|| v.clone()));
                if let Some(c) = cmd {
                    set_path(&mut e, "process.parent.name", s("sudo"));
                    set_path(&mut e, "process.parent.executable", s("/usr/bin/sudo"));
                    if args.is_empty() {
                        args = crate::funcs::split_args(&c);
                    }
                }
                if let Some(c) = f.iter().find(|(n, _)| *n == "cwd") {
                    set_path(
                        &mut e,
                        "process.working_directory",
                        Json::String(c.1.clone()),
                    );
                }
                if let Some(u) = get("uid") {
                    set_path(&mut e, "user.id", Json::String(u));
                }
            }
            _ => {}
        }
    }
    if args.is_empty() {
        args = title
            .map(|t| crate::funcs::split_args(&t))
            .unwrap_or_default();
    }
    if args.is_empty() && !e.contains_key("process") {
        return None;
    }
    if !args.is_empty() {
        set_path(&mut e, "process.args", json!(args));
    }
    set_path(&mut e, "host.os.type", s("linux"));
    set_path(&mut e, "event.provider", s("auditd"));
    Some(e)
}

/// A command a raw syslog line records, as a correlated SIEM event's `payload` carries it: a
/// sudo line, an ESXi shell command or a shell-history line.
pub(super) fn syslog_command(msg: &str) -> Option<Map<String, Json>> {
    sudo_line(msg)
        .or_else(|| snoopy_line(msg))
        .or_else(|| esxi_shell_line(msg))
        .or_else(|| history_line(msg, ""))
}

/// ESXi's `shell.log` (what its shell ran, one line per command, the account in brackets):
/// `shell[2099470]: [root]: esxcli vm process list`, or the same as RFC 5424
/// (`… host shell 2099470 - -  [root]: …`).
fn esxi_shell_line(msg: &str) -> Option<Map<String, Json>> {
    use regex::Regex;
    use std::sync::LazyLock;
    static SHELL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\bshell(?:\[\d+\]:|\s+\d+\s+-\s+-)\s+\[([^\]\s]+)\]:\s+(.+)$")
            .expect("static regex")
    });
    let c = SHELL.captures(msg.trim_end())?;
    let cmd = c.get(2)?.as_str().trim();
    if cmd.is_empty() {
        return None;
    }
    let mut e = Map::new();
    set_path(&mut e, "process.command_line", s(cmd));
    set_path(&mut e, "process.parent.name", s("sh"));
    set_path(&mut e, "process.parent.executable", s("/bin/sh"));
    set_path(&mut e, "process.interactive", json!(true));
    set_path(&mut e, "user.name", s(c.get(1)?.as_str()));
    set_path(&mut e, "host.os.type", s("linux"));
    set_path(&mut e, "event.provider", s("esxi_shell"));
    Some(e)
}

/// Snoopy's command log (`snoopy[pid]: [login:u ssh:(…) tty:… uid:… euid:… cwd:/x
/// filename:/usr/bin/awk]: awk 'BEGIN …'`): the command, its program, account and directory.
fn snoopy_line(msg: &str) -> Option<Map<String, Json>> {
    let at = msg.find("snoopy[")?;
    let rest = &msg[at..];
    let open = rest.find("]: [")? + 4;
    let close = open + rest[open..].find("]: ")?;
    let meta = &rest[open..close];
    let cmd = rest[close + 3..].trim();
    if cmd.is_empty() {
        return None;
    }
    let field = |k: &str| {
        meta.split_whitespace()
            .find_map(|w| w.strip_prefix(k))
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut e = Map::new();
    set_path(&mut e, "process.command_line", s(cmd));
    if let Some(f) = field("filename:") {
        set_path(&mut e, "process.executable", s(&f));
    }
    if let Some(d) = field("cwd:") {
        set_path(&mut e, "process.working_directory", s(&d));
    }
    // `uid:1017`, or with the name (`uid:root(0)/root(0)`, real/effective): the account the
    // command ran as; `login:` is who signed in (the same person after `sudo su -`).
    let uid = field("uid:");
    let first = uid.as_deref().map(|u| u.split('/').next().unwrap_or(u));
    let (uid_name, uid_num) = match first.and_then(|f| f.split_once('(')) {
        Some((n, rest)) => (
            Some(n.to_owned()).filter(|n| !n.is_empty()),
            Some(rest.trim_end_matches(')').to_owned()),
        ),
        None => (None, first.map(str::to_owned)),
    };
    let uid_num = uid_num.filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    let login = field("login:");
    let name = uid_name
        .or_else(|| (uid_num.as_deref() == Some("0")).then(|| "root".to_owned()))
        .or_else(|| login.clone());
    if let Some(u) = name {
        set_path(&mut e, "user.name", s(&u));
    }
    if let Some(id) = uid_num {
        set_path(&mut e, "user.id", s(&id));
    }
    if let Some(l) = login {
        set_path(&mut e, "user.audit.name", s(&l));
    }
    if meta.contains("ssh:(") {
        set_path(&mut e, "process.interactive", json!(true));
    }
    set_path(&mut e, "host.os.type", s("linux"));
    set_path(&mut e, "event.provider", s("snoopy"));
    Some(e)
}

pub(super) fn sudo_line(msg: &str) -> Option<Map<String, Json>> {
    // After the program's tag: `sudo:` or, with its process id, `sudo[1184371]:`.
    let plain = msg.find("sudo:").map(|i| i + "sudo:".len());
    let with_pid = msg.find("sudo[").and_then(|i| {
        let close = i + msg[i..].find("]:")?;
        msg[i + 5..close]
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then_some(close + 2)
    });
    let body = match (plain, with_pid) {
        (Some(a), Some(b)) => &msg[a.min(b)..],
        (Some(a), None) | (None, Some(a)) => &msg[a..],
        (None, None) => msg,
    };
    let (user, rest) = body.split_once(" : ")?;
    let user = user.trim();
    let cmd = rest.split_once("COMMAND=")?.1.trim();
    if user.is_empty() || user.contains(' ') || cmd.is_empty() {
        return None;
    }
    let field = |k: &str| {
        rest.split(';')
            .map(str::trim)
            .find_map(|p| p.strip_prefix(k))
            .map(str::to_owned)
    };
    let mut e = Map::new();
    set_path(&mut e, "process.command_line", s(cmd));
    set_path(&mut e, "process.parent.name", s("sudo"));
    set_path(&mut e, "process.parent.executable", s("/usr/bin/sudo"));
    set_path(&mut e, "user.name", s(user));
    if let Some(u) = field("USER=") {
        set_path(&mut e, "user.effective.name", Json::String(u));
    }
    if let Some(p) = field("PWD=") {
        set_path(&mut e, "process.working_directory", Json::String(p));
    }
    set_path(&mut e, "event.provider", s("sudo"));
    Some(e)
}

/// A CEF (`CEF:0|vendor|product|version|id|name|severity|k=v k=v …`) or LEEF (`LEEF:1.0|vendor|
/// product|version|event|k=v<TAB>k=v …`; LEEF 2.0 names its delimiter) line, after any syslog
/// header. The extension keys products use for a process (CrowdStrike's `commandLine`,
/// `parentImageFileName`, ArcSight's `sproc`/`dproc`), the account, the host, addresses and the
/// requested URL with its client become ECS fields.
fn cef_leef_line(msg: &str) -> Option<Map<String, Json>> {
    let (kind, at) = ["CEF:", "LEEF:"]
        .into_iter()
        .find_map(|k| msg.find(k).map(|i| (k, i)))?;
    let line = &msg[at..];
    // SentinelOne's "CEF2" syslog: `CEF:2|SentinelOne|Mgmt|key=value|key=value|…`, the pairs
    // pipe-separated straight after the product, with no signature, name or severity.
    let pipe_pairs = {
        let mut p = line.splitn(4, '|');
        p.nth(3).filter(|rest| {
            rest.split('|')
                .next()
                .is_some_and(|f| f.contains('=') && !f.contains(' ') || f.starts_with("rt="))
        })
    };
    let header_fields = if pipe_pairs.is_some() {
        3
    } else if kind == "CEF:" {
        7
    } else {
        5
    };
    let mut parts = line.splitn(header_fields + 1, '|');
    let mut header: Vec<&str> = parts.by_ref().take(header_fields).collect();
    let mut ext = parts.next().unwrap_or_default();
    if header.len() < header_fields {
        return None;
    }
    // LEEF 2.0: `LEEF:2.0|v|p|ver|event|DELIM|ext`, the delimiter a character or `xHH`.
    let mut delim = if pipe_pairs.is_some() {
        '|'
    } else if kind == "CEF:" {
        ' '
    } else {
        '\t'
    };
    if header[0] == "LEEF:2.0"
        && let Some((d, rest)) = ext.split_once('|')
        && d.len() <= 4
    {
        delim = match d.strip_prefix("x").or_else(|| d.strip_prefix("0x")) {
            Some(h) => u8::from_str_radix(h, 16).map(char::from).unwrap_or('\t'),
            None => d.chars().next().unwrap_or('\t'),
        };
        ext = rest;
    }
    let kv = extension_pairs(ext, delim);
    if pipe_pairs.is_some() {
        header.extend(["", "", ""]);
    }
    let name = if kind == "CEF:" { header[5] } else { header[4] };
    Some(cef_fields(header[1], header[2], name, kv))
}

/// A CEF event a collector has already parsed into JSON (Logstash's `cef` codec, a SIEM's
/// export): `deviceVendor`, `deviceProduct`, `name` (or `deviceEventClassId`) and the
/// extension's keys beside them (`cs1Label`/`cs1`, `suser`, `shost` …), read as the line.
pub(super) fn cef_json(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    // A parser that keeps the header and the extension apart (`cef: {device_vendor,
    // device_product, signature_id, name, version}`, `extension: {cs1Label, cs1, suser …}`):
    // read as the flat shape, the original kept.
    if !obj.contains_key("deviceVendor")
        && let Some(Json::Object(ext)) =
            ["extension", "extensions"].iter().find_map(|k| obj.get(*k))
        && let Some(Json::Object(head)) = ["cef", "header"].iter().find_map(|k| obj.get(*k))
    {
        let mut flat = ext.clone();
        for (to, from) in [
            (
                "deviceVendor",
                &["device_vendor", "deviceVendor", "vendor"][..],
            ),
            (
                "deviceProduct",
                &["device_product", "deviceProduct", "product"],
            ),
            (
                "deviceEventClassId",
                &["signature_id", "deviceEventClassId", "signature"],
            ),
            ("name", &["name"]),
            ("cefVersion", &["version", "cefVersion"]),
        ] {
            if let Some(v) = from.iter().find_map(|k| head.get(*k)) {
                flat.insert(to.into(), v.clone());
            }
        }
        let (mut e, id) = cef_json(&flat)?;
        e.insert("cef".into(), Json::Object(obj.clone()));
        return Some((e, id));
    }
    let vendor = mtext(obj, "deviceVendor")?;
    let product = mtext(obj, "deviceProduct")?;
    if !obj.contains_key("cefVersion") && !obj.contains_key("deviceEventClassId") {
        return None;
    }
    let name = mtext(obj, "name")
        .or_else(|| mtext(obj, "deviceEventClassId"))
        .unwrap_or_default();
    let kv: Vec<(String, String)> = obj
        .iter()
        .filter_map(|(k, v)| {
            let v = match v {
                Json::String(s) => s.clone(),
                Json::Number(n) => n.to_string(),
                _ => return None,
            };
            Some((k.clone(), v))
        })
        .collect();
    let mut e = cef_fields(vendor, product, name, kv);
    if !e.contains_key("process") {
        return None;
    }
    if let Some(t) = mtext(obj, "rt").or_else(|| mtext(obj, "@timestamp")) {
        e.insert("@timestamp".into(), s(t));
    }
    let id = ["externalId", "eventId"]
        .iter()
        .find_map(|k| mtext(obj, k))
        .map(str::to_owned);
    e.insert("cef".into(), Json::Object(obj.clone()));
    Some((e, id))
}

/// CEF/LEEF's fields as ECS: the product (`vendor`, `product`), the event's `name`, and the
/// extension's key-value pairs.
fn cef_fields(
    vendor: &str,
    product: &str,
    name: &str,
    mut kv: Vec<(String, String)>,
) -> Map<String, Json> {
    // Custom fields carry their meaning in a label: `cs5Label=CommandLine cs5=…` (short or
    // full names: `deviceCustomString5Label`), read as `CommandLine=…`.
    let labelled: Vec<(String, String)> = kv
        .iter()
        .filter_map(|(k, label)| {
            let base = k.strip_suffix("Label")?;
            let value = kv.iter().find(|(n, _)| n == base)?.1.clone();
            Some((label.trim_matches('"').to_owned(), value))
        })
        .collect();
    kv.extend(labelled);
    // Carbon Black EDR (CB Response) puts the process in `msg` as `key:value` pairs
    // (`process_name:bash cmdline:bash -c … parent_path:/Users/… username:m`).
    let cb = kv
        .iter()
        .find(|(k, v)| k == "msg" && v.contains("cmdline:"))
        .map(|(_, v)| cb_pairs(v))
        .unwrap_or_default();
    for (from, to) in [
        ("cmdline", "cmdline"),
        ("parent_path", "parentProcessPath"),
        ("username", "userName"),
        ("hostname", "deviceHostName"),
    ] {
        if let Some((_, v)) = cb.iter().find(|(k, _)| *k == from) {
            kv.push((to.to_owned(), v.clone()));
        }
    }
    let get = |k: &str| {
        kv.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty() && *v != "-")
    };
    let first = |ks: &[&str]| ks.iter().find_map(|k| get(k));
    let mut e = Map::new();
    // ArcSight's process pair: the source process (`sproc`) started the destination process
    // (`dproc`); with only one of them, that one is the process.
    let (own, creator) = match (get("dproc"), get("sproc")) {
        (Some(d), s) => (Some(d), s),
        (None, s) => (s, None),
    };
    let exe = first(&["filePath"])
        .or(own)
        .or_else(|| first(&["deviceProcessName", "ImageFileName", "processPath"]))
        // ESET PROTECT's HIPS events: the `application` that acted (on its `target`).
        .or_else(|| first(&["application"]).filter(|a| a.contains(['\\', '/'])))
        .map(drive_path);
    let exe = match (exe, get("fileName").or_else(|| get("fname"))) {
        // A whole path as the file's name (`dproc=bash fname=/bin/bash`): that path.
        (_, Some(n)) if n.starts_with('/') || n.get(1..3) == Some(":\\") => Some(n.to_owned()),
        (Some(p), Some(n)) if !p.to_ascii_lowercase().ends_with(&n.to_ascii_lowercase()) => {
            Some(join_path(&p, n))
        }
        (p, n) => p.or(n.map(str::to_owned)),
    };
    put_process(
        &mut e,
        "process",
        exe,
        first(&[
            "commandLine",
            "CommandLine",
            "cmd",
            "cmdline",
            "sprocCommandLine",
            "threatCommandLineArguments",
            "process_commandline",
            "processCommandLine",
        ]),
    );
    put_process(
        &mut e,
        "process.parent",
        first(&["parentImageFileName", "parentProcessPath"])
            .or(creator)
            .map(drive_path),
        first(&["parentCommandLine", "ParentCommandLine"]),
    );
    // An ESET HIPS event of an application starting another (`operation=Start new
    // application`): the started `target` is the process, the application its parent.
    if get("operation").is_some_and(|o| o.eq_ignore_ascii_case("start new application"))
        && let Some(t) = get("target").filter(|t| t.contains(['\\', '/']))
        && let Some(Json::Object(me)) = e.remove("process")
    {
        put_process(&mut e, "process", Some(drive_path(t)), None);
        set_path(&mut e, "process.parent", Json::Object(me));
    }
    if let Some(u) = first(&[
        "usrName",
        "suser",
        "duser",
        "userName",
        "threatProcessUser",
        "sourceUserName",
        "accountName",
    ]) {
        set_user(&mut e, u);
    }
    // A log-inspection event (Trend Micro Deep Security's rules over `/var/log/secure`): the
    // log line it matched is in `msg`, and the command that line records is the process.
    if get("fname").is_some_and(|f| f.starts_with("/var/log/"))
        && let Some(inner) = get("msg").and_then(syslog_command)
    {
        e.remove("process");
        e.remove("user");
        e.extend(inner);
    }
    // An endpoint product's event names the endpoint as the destination host (`dhost`):
    // with a process in the event, that is the host, not a network destination.
    let endpoint = e.contains_key("process");
    let host = first(&[
        "resource",
        "shost",
        "dvchost",
        "identHostName",
        "ComputerName",
        "sourceHostName",
        "deviceHostName",
        "hostname",
    ])
    .or_else(|| {
        endpoint
            .then(|| first(&["dhost", "destinationHostName"]))
            .flatten()
    });
    if let Some(h) = host {
        set_path(&mut e, "host.name", s(h));
    }
    if let Some(os) = get("sourceOsType") {
        set_path(&mut e, "host.os.type", s(&os.to_ascii_lowercase()));
    }
    let dhost: &[&str] = if endpoint {
        &[]
    } else {
        &["dhost", "destinationHostName"]
    };
    for (ks, to) in [
        (&["src", "sourceAddress"][..], "source.ip"),
        (&["dst", "destinationAddress"][..], "destination.ip"),
        (dhost, "destination.domain"),
        (&["request", "url"][..], "url.full"),
        (
            &["requestClientApplication", "userAgent"][..],
            "user_agent.original",
        ),
        (&["act", "action"][..], "event.action"),
        (&["sha256", "fileHash"][..], "process.hash.sha256"),
    ] {
        if let Some(v) = first(ks) {
            set_path(&mut e, to, s(v));
        }
    }
    if let Some(p) = first(&["dpt", "destinationPort"]).and_then(|p| p.parse::<i64>().ok()) {
        set_path(&mut e, "destination.port", Json::from(p));
    }
    set_path(&mut e, "observer.vendor", s(vendor));
    set_path(&mut e, "observer.product", s(product));
    let name = get("description")
        .or_else(|| get("eventDesc"))
        .unwrap_or(name);
    set_path(&mut e, "rule.name", s(name));
    // Carbon Black Cloud's syslog connector says what ran in the event's name:
    // `The application "C:\…\x.vbs" invoked another application (powershell.exe).`
    if !e.contains_key("process")
        && let Some(rest) = name.strip_prefix("The application \"")
        && let Some((app, tail)) = rest.split_once('"')
    {
        let child = tail
            .split_once("invoked another application (")
            .and_then(|(_, c)| c.split_once(')'))
            .map(|(c, _)| c.trim());
        match child {
            Some(c) if !c.is_empty() => {
                set_path(&mut e, "process.name", s(c));
                put_process(&mut e, "process.parent", Some(app.to_owned()), None);
            }
            _ => put_process(&mut e, "process", Some(app.to_owned()), None),
        }
    }
    e
}

/// The `key:value` pairs of a Carbon Black EDR syslog `msg`, by the keys its templates write
/// (values hold spaces and colons, so only these keys start a pair).
fn cb_pairs(msg: &str) -> Vec<(&'static str, String)> {
    const KEYS: [&str; 19] = [
        "group",
        "process_guid",
        "process_name",
        "process_path",
        "process_md5",
        "process_pid",
        "cmdline",
        "parent_name",
        "parent_path",
        "parent_pid",
        "parent_guid",
        "username",
        "hostname",
        "sensor_id",
        "watchlist_id",
        "watchlist_name",
        "link_process",
        "segment_id",
        "last_update",
    ];
    let mut at: Vec<(usize, &'static str)> = Vec::new();
    for k in KEYS {
        let pat = format!("{k}:");
        let mut from = 0;
        while let Some(i) = msg[from..].find(&pat).map(|i| i + from) {
            if i == 0 || msg[..i].ends_with(' ') {
                at.push((i, k));
            }
            from = i + pat.len();
        }
    }
    at.sort_unstable();
    // A value runs to the next listed key (a key the list lacks stays inside the value
    // before it).
    at.iter()
        .enumerate()
        .map(|(n, (i, k))| {
            let start = i + k.len() + 1;
            let end = at.get(n + 1).map_or(msg.len(), |(j, _)| *j);
            (*k, msg[start..end].trim().to_owned())
        })
        .collect()
}

/// CEF/LEEF extension pairs. LEEF separates them with its delimiter; in CEF a value runs until
/// the next ` key=` (values hold spaces, `\=` is a literal equals sign).
fn extension_pairs(ext: &str, delim: char) -> Vec<(String, String)> {
    let unescape = |v: &str| {
        v.replace("\\=", "=")
            .replace("\\|", "|")
            .replace("\\\\", "\\")
    };
    if delim != ' ' {
        return ext
            .split(delim)
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), unescape(v.trim())))
            .collect();
    }
    use regex::Regex;
    use std::sync::LazyLock;
    static KEY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:^|\s)([A-Za-z][A-Za-z0-9_.]{0,63})=").expect("static regex")
    });
    let starts: Vec<(usize, usize, &str)> = KEY
        .captures_iter(ext)
        .filter_map(|c| {
            let all = c.get(0)?;
            let key = c.get(1)?;
            // `\=` inside a value is not a key.
            (!ext[..all.end() - 1].ends_with('\\')).then(|| (all.start(), all.end(), key.as_str()))
        })
        .take(256)
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(i, (_, end, k))| {
            let stop = starts.get(i + 1).map_or(ext.len(), |n| n.0);
            ((*k).to_owned(), unescape(ext[*end..stop].trim()))
        })
        .collect()
}

/// cron's own log line for a job it started (Debian's `cron`, cronie's `CROND[pid]`):
/// `(USER) CMD (COMMAND)`. The job runs through `sh -c` as that user.
/// A script's own trace (`bash -x`: each command after `+ `) as a script runner logs it, one
/// line per command: `google_metadata_script_runner[2210]: startup-script: + useradd …`. The
/// commands are the content, run by the script the runner started (GCE's startup and shutdown
/// scripts run as root).
fn xtrace_lines(msg: &str) -> Option<Map<String, Json>> {
    let mut runner = None;
    let mut cmds: Vec<&str> = Vec::new();
    for line in msg.lines() {
        let Some((head, cmd)) = line.split_once(": + ") else {
            continue;
        };
        // `… PROGRAM[PID]: SCRIPT` before the trace mark.
        let Some((prog, _)) = head.rsplit_once('[').filter(|(_, r)| r.contains("]: ")) else {
            continue;
        };
        let prog = prog.rsplit(' ').next().unwrap_or(prog);
        runner.get_or_insert(prog);
        if !cmd.trim().is_empty() {
            cmds.push(cmd.trim());
        }
    }
    let runner = runner?;
    let first = cmds.first()?;
    let mut e = Map::new();
    let exe = program(first);
    set_path(&mut e, "process.name", s(basename_of(exe)));
    set_path(&mut e, "process.command_line", s(&cmds.join("\n")));
    set_path(&mut e, "process.parent.name", s(runner));
    if ["google_metadata_script_runner", "GCEMetadataScripts"].contains(&runner) {
        set_path(&mut e, "user.name", s("root"));
    }
    Some(e)
}

fn cron_line(msg: &str) -> Option<Map<String, Json>> {
    let i = msg.find(") CMD (")?;
    let user = msg[..i].rsplit('(').next()?.trim();
    let cmd = msg[i + ") CMD (".len()..].trim_end();
    let cmd = cmd.strip_suffix(')').unwrap_or(cmd);
    if user.is_empty() || user.contains(char::is_whitespace) || cmd.is_empty() {
        return None;
    }
    let mut e = Map::new();
    cron_job(&mut e, cmd, Some(s(user)));
    Some(e)
}

/// Santa's log separates fields with `|` and so writes a `|` inside a value as `<pipe>`: a
/// Santa record's command line and arguments (from its log line, or as a shipper parsed that
/// line into ECS, `event.dataset: santa.log`) get their pipes back.
/// A shipper's `santa.args` is the command line where the ECS process lacks one.
pub(super) fn santa_pipes(ecs: &mut Map<String, Json>) {
    let santa = ecs
        .get("event")
        .and_then(|e| text(e, "dataset").or_else(|| text(e, "provider")))
        .is_some_and(|d| d.starts_with("santa"))
        || ecs.contains_key("santa");
    // A shipper that parsed the line into its own `santa` fields (`santa.args`) and left
    // the ECS process without its command line.
    // Or one that kept the santad line whole (`message`, `event.original`) and parsed only
    // the path and hash out of it.
    let args = ecs
        .get("santa")
        .and_then(|x| text(x, "args"))
        .filter(|a| !a.trim().is_empty())
        .map(str::to_owned)
        .or_else(|| {
            let line = mtext(ecs, "message")
                .or_else(|| ecs.get("event").and_then(|e| text(e, "original")))?;
            let rec = santa_line(line)?;
            rec.get("process")
                .and_then(|p| text(p, "command_line"))
                .map(str::to_owned)
        });
    let Some(Json::Object(p)) = ecs.get_mut("process").filter(|_| santa) else {
        return;
    };
    if let Some(a) = args
        && !p.contains_key("command_line")
        && !p.contains_key("args")
    {
        p.insert("command_line".into(), Json::String(a));
    }
    if let Some(Json::String(c)) = p.get_mut("command_line")
        && c.contains("<pipe>")
    {
        *c = c.replace("<pipe>", "|");
    }
    if let Some(Json::Array(a)) = p.get_mut("args") {
        for x in a {
            if let Json::String(t) = x
                && t.contains("<pipe>")
            {
                *t = t.replace("<pipe>", "|");
            }
        }
    }
}

/// A santad line's `key=value` fields. They are joined by `|`, which the arguments may hold
/// too (`args=sh -c a || (curl … | sh)`): a `|` ends a field only where a field name and `=`
/// follow it.
fn santa_fields(body: &str) -> Vec<(&str, &str)> {
    let starts_field = |rest: &str| {
        rest.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
    };
    let mut out = Vec::new();
    let mut start = 0;
    for (i, _) in body.match_indices('|') {
        if starts_field(&body[i + 1..]) {
            out.extend(body[start..i].split_once('='));
            start = i + 1;
        }
    }
    out.extend(body[start..].split_once('='));
    out
}

/// A forwarder's document that carries santad's log lines as a list (`santa_log: ["[…] I
/// santad: action=EXEC|…", …]`): one alert per line, each read as the line itself.
pub(super) fn santa_line_list(o: &Map<String, Json>) -> Option<Vec<Json>> {
    let lines = o.values().find_map(|v| {
        let a = v.as_array()?;
        (!a.is_empty()
            && a.iter()
                .all(|l| l.as_str().is_some_and(|t| t.contains("santad: action="))))
        .then_some(a)
    })?;
    Some(lines.iter().map(|l| json!({ "message": l })).collect())
}

fn santa_line(msg: &str) -> Option<Map<String, Json>> {
    let body = msg.split_once("santad: ")?.1;
    if !body.starts_with("action=EXEC") {
        return None;
    }
    let kv = santa_fields(body);
    let get = |k: &str| {
        kv.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| *v)
            .filter(|v| !v.is_empty())
    };
    let mut e = Map::new();
    put_process(
        &mut e,
        "process",
        get("path").map(str::to_owned),
        get("args"),
    );
    for (k, to) in [("pid", "process.pid"), ("ppid", "process.parent.pid")] {
        if let Some(n) = get(k).and_then(|v| v.parse::<i64>().ok()) {
            set_path(&mut e, to, Json::from(n));
        }
    }
    if let Some(u) = get("user") {
        set_path(&mut e, "user.name", s(u));
    }
    if let Some(u) = get("uid") {
        set_path(&mut e, "user.id", s(u));
    }
    if let Some(h) = get("sha256") {
        set_path(&mut e, "process.hash.sha256", s(h));
    }
    if let Some(c) = get("cert_cn") {
        set_path(&mut e, "process.code_signature.subject_name", s(c));
    }
    if let Some(q) = get("quarantine_url") {
        set_path(&mut e, "file.origin_url", s(q));
    }
    set_path(&mut e, "host.os.type", s("macos"));
    set_path(&mut e, "event.provider", s("santa"));
    Some(e)
}

fn history_line(msg: &str, app: &str) -> Option<Map<String, Json>> {
    use regex::Regex;
    use std::sync::LazyLock;
    // zsh extended history: `[user: ]: <epoch>:<elapsed>;<command>`;
    // bash with HISTTIMEFORMAT: `user [pid]:  <n>  [YYYY-MM-DD HH:MM:SS ]<command>`.
    static ZSH: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*(?:([^\s:]+):\s*)?:\s*\d{9,11}:\d+;(.+)$").expect("static regex")
    });
    static BASH: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*([^\s:\[]+)(?:\s*\[\d+\])?:\s+\d+\s+(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\s+)?(.+)$")
            .expect("static regex")
    });
    // bash's PROMPT_COMMAND logging a typed command to syslog: `[prog[pid]: ]HISTORY: PID=…
    // UID=… USER=… PWD=… CMD=<command>`.
    static PROMPT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:^|\s)HISTORY:\s+(?:PID=(\d+)\s+)?(?:UID=(\d+)\s+)?(?:USER=(\S+)\s+)?(?:PWD=(\S+)\s+)?CMD=(.+)$")
            .expect("static regex")
    });
    if let Some(c) = PROMPT.captures(msg) {
        let cmd = c.get(5)?.as_str().trim();
        let mut e = Map::new();
        set_path(&mut e, "process.command_line", s(cmd));
        set_path(&mut e, "process.parent.name", s("bash"));
        set_path(&mut e, "process.parent.executable", s("/bin/bash"));
        set_path(&mut e, "process.interactive", json!(true));
        if let Some(p) = c.get(1).and_then(|m| m.as_str().parse::<i64>().ok()) {
            set_path(&mut e, "process.parent.pid", json!(p));
        }
        if let Some(u) = c.get(2) {
            set_path(&mut e, "user.id", s(u.as_str()));
        }
        if let Some(u) = c.get(3) {
            set_path(&mut e, "user.name", s(u.as_str()));
        }
        if let Some(d) = c.get(4) {
            set_path(&mut e, "process.working_directory", s(d.as_str()));
        }
        set_path(&mut e, "event.provider", s("shell_history"));
        return Some(e);
    }
    let app = app.to_ascii_lowercase();
    let (shell, user, cmd) = if let Some(c) = ZSH.captures(msg) {
        ("zsh", c.get(1).map(|m| m.as_str()), c.get(2)?.as_str())
    } else if let Some(c) = BASH
        .captures(msg)
        .filter(|_| app.contains("bash") || app.contains("history"))
    {
        (
            if app.contains("zsh") { "zsh" } else { "bash" },
            c.get(1).map(|m| m.as_str()),
            c.get(2)?.as_str(),
        )
    } else {
        return None;
    };
    let cmd = cmd.trim();
    if cmd.is_empty() {
        return None;
    }
    // The command was typed at the shell: the shell is its parent.
    let mut e = Map::new();
    set_path(&mut e, "process.command_line", s(cmd));
    set_path(&mut e, "process.parent.name", s(shell));
    set_path(
        &mut e,
        "process.parent.executable",
        s(&format!("/bin/{shell}")),
    );
    set_path(&mut e, "process.interactive", json!(true));
    if let Some(u) = user {
        set_path(&mut e, "user.name", s(u));
    }
    set_path(&mut e, "event.provider", s("shell_history"));
    Some(e)
}

/// A Sysmon process creation as Windows renders its message (`Process Create:` then
/// `Image: …`, `CommandLine: …` …), as agents that forward the rendered text ship it (Snare's
/// `MSWinEventLog` tab-separated line, NXLog's `Message`): the fields are found by their names,
/// whether the renderer kept the line breaks or folded them into spaces. Read into the flat
/// Sysmon shape.
fn sysmon_rendered(msg: &str) -> Option<Map<String, Json>> {
    const KEYS: &[&str] = &[
        "RuleName",
        "UtcTime",
        "ProcessGuid",
        "ProcessId",
        "Image",
        "FileVersion",
        "Description",
        "Product",
        "Company",
        "OriginalFileName",
        "CommandLine",
        "CurrentDirectory",
        "User",
        "LogonGuid",
        "LogonId",
        "TerminalSessionId",
        "IntegrityLevel",
        "Hashes",
        "ParentProcessGuid",
        "ParentProcessId",
        "ParentImage",
        "ParentCommandLine",
        "ParentUser",
    ];
    let at = msg.find("Process Create:")?;
    let body = &msg[at + "Process Create:".len()..];
    // Where each field's name stands: after a line break, a tab or two spaces.
    let mut marks: Vec<(usize, usize, &str)> = Vec::new();
    for k in KEYS {
        let needle = format!("{k}: ");
        let mut from = 0;
        while let Some(i) = body[from..].find(&needle) {
            let i = from + i;
            let before = &body[..i];
            if before.is_empty()
                || before.ends_with('\n')
                || before.ends_with('\t')
                || before.ends_with("  ")
                || before.ends_with("\r")
            {
                marks.push((i, i + needle.len(), k));
                break;
            }
            from = i + needle.len();
        }
    }
    marks.sort_unstable();
    let mut flat = Map::new();
    for (n, (_, start, k)) in marks.iter().enumerate() {
        let end = marks.get(n + 1).map_or(body.len(), |m| m.0);
        let v = body[*start..end].trim();
        // Snare ends the message with a tab and the event's sequence number.
        let v = v.split('\t').next().unwrap_or(v).trim();
        flat.insert((*k).to_owned(), s(v));
    }
    if !flat.contains_key("Image") && !flat.contains_key("CommandLine") {
        return None;
    }
    flat.insert("EventID".into(), Json::from(1));
    flat.insert("Channel".into(), s("Microsoft-Windows-Sysmon/Operational"));
    Some(flat)
}

/// Sysmon for Linux's XML as syslog carries it: the `<Data Name="…">` values, read into the
/// flat Sysmon shape (the generic reader then maps them like any Sysmon event).
fn sysmon_xml(msg: &str) -> Option<Map<String, Json>> {
    if !msg.contains("<EventData>") || !msg.contains("<EventID>") {
        return None;
    }
    let between = |s: &str, a: &str, b: &str| -> Option<String> {
        let i = s.find(a)? + a.len();
        let j = s[i..].find(b)? + i;
        Some(s[i..j].to_owned())
    };
    let mut flat = Map::new();
    flat.insert(
        "EventID".into(),
        s(&between(msg, "<EventID>", "</EventID>")?),
    );
    if let Some(c) = between(msg, "<Channel>", "</Channel>") {
        flat.insert("Channel".into(), s(&c));
    }
    if let Some(c) = between(msg, "<Computer>", "</Computer>") {
        flat.insert("Hostname".into(), s(&c));
    }
    // Attribute values in double or single quotes (both are XML, and both are shipped).
    let mut rest = msg;
    while let Some(i) = rest
        .find("<Data Name=\"")
        .or_else(|| rest.find("<Data Name='"))
    {
        let quote = if rest[i + 11..].starts_with('\'') {
            '\''
        } else {
            '"'
        };
        let after = &rest[i + 12..];
        let Some(q) = after.find(quote) else { break };
        let name = &after[..q];
        let after = &after[q..];
        let Some(gt) = after.find('>') else { break };
        let body = &after[gt + 1..];
        let (value, next) = if after[..gt].ends_with('/') {
            (String::new(), body)
        } else {
            match body.find("</Data>") {
                Some(end) => (super::xml_unescape(&body[..end]), &body[end + 7..]),
                None => break,
            }
        };
        if !value.is_empty() && value != "-" {
            flat.insert(name.to_owned(), Json::String(value));
        }
        rest = next;
    }
    Some(super::windows_flat(&flat))
}

/// Carbon Black Cloud alerts (Alerts v7: `process_cmdline`, `process_name`, `parent_cmdline`,
/// `device_name`, `device_os`; `attack_technique` / `ttps`).
pub(super) fn carbon_black(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    if !(obj.contains_key("process_cmdline") || obj.contains_key("process_name"))
        || !obj.contains_key("device_name")
    {
        return None;
    }
    let mut e = Map::new();
    let name = mtext(obj, "process_name");
    let path = mtext(obj, "process_path").or(name.filter(|n| n.contains(['\\', '/'])));
    // A program that is not an interpreter (a web server, an Office application) starting
    // one (`childproc_*`): the child is the process, the program its parent.
    if let Some(child) = mtext(obj, "childproc_name").filter(|c| super::is_interpreter_name(c))
        && !name.or(path).is_some_and(super::is_interpreter_name)
    {
        put_process(
            &mut e,
            "process",
            Some(child.to_owned()).filter(|c| c.contains(['\\', '/'])),
            mtext(obj, "childproc_cmdline"),
        );
        set_path(&mut e, "process.name", s(basename_of(child)));
        if let Some(u) = mtext(obj, "childproc_username") {
            set_user(&mut e, u);
        }
        put_process(
            &mut e,
            "process.parent",
            path.map(str::to_owned),
            mtext(obj, "process_cmdline"),
        );
        if let Some(n) = name {
            set_path(&mut e, "process.parent.name", s(basename_of(n)));
        }
        put_process(
            &mut e,
            "process.parent.parent",
            mtext(obj, "parent_name")
                .filter(|n| n.contains(['\\', '/']))
                .map(str::to_owned),
            mtext(obj, "parent_cmdline"),
        );
        return carbon_black_rest(obj, e);
    }
    // What the process started (`childproc_*`, the alert's reason when it is a shell's chain)
    // follows its own command line.
    put_process(
        &mut e,
        "process",
        path.map(str::to_owned),
        with_branches(
            mtext(obj, "process_cmdline").or_else(|| mtext(obj, "process_commandline")),
            mtext(obj, "childproc_cmdline"),
        )
        .as_deref(),
    );
    if path.is_none()
        && let Some(n) = name
    {
        set_path(&mut e, "process.name", s(n));
    }
    let pname = mtext(obj, "parent_name");
    put_process(
        &mut e,
        "process.parent",
        pname.filter(|n| n.contains(['\\', '/'])).map(str::to_owned),
        mtext(obj, "parent_cmdline"),
    );
    if let Some(n) = pname.filter(|n| !n.contains(['\\', '/'])) {
        set_path(&mut e, "process.parent.name", s(n));
    }
    for (from, to) in [
        ("process_pid", "process.pid"),
        ("parent_pid", "process.parent.pid"),
    ] {
        if let Some(v) = obj.get(from).filter(|v| v.is_number()) {
            set_path(&mut e, to, v.clone());
        }
    }
    if let Some(h) = mtext(obj, "process_sha256") {
        set_path(&mut e, "process.hash.sha256", s(h));
    }
    if let Some(u) = mtext(obj, "process_username").or_else(|| mtext(obj, "device_username")) {
        set_user(&mut e, u);
    }
    carbon_black_rest(obj, e)
}

/// The device, connection, techniques and ids of a Carbon Black Cloud alert.
fn carbon_black_rest(
    obj: &Map<String, Json>,
    mut e: Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    if let Some(h) = mtext(obj, "device_name") {
        set_path(&mut e, "host.name", s(h));
    }
    if let Some(os) = mtext(obj, "device_os") {
        set_path(&mut e, "host.os.name", s(os));
    }
    if let Some(ip) = mtext(obj, "device_internal_ip") {
        set_path(&mut e, "host.ip", s(ip));
    }
    // The connection the alert is about (`netconn_*`), as the destination.
    if let Some(ip) = mtext(obj, "netconn_remote_ip") {
        set_path(&mut e, "destination.ip", s(ip));
        if let Some(p) = obj.get("netconn_remote_port").filter(|v| v.is_number()) {
            set_path(&mut e, "destination.port", p.clone());
        }
    }
    if let Some(d) = mtext(obj, "netconn_remote_domain").or_else(|| mtext(obj, "netconn_domain")) {
        set_path(&mut e, "destination.domain", s(d));
    }
    let mut ids: Vec<&str> = Vec::new();
    if let Some(t) = mtext(obj, "attack_technique") {
        ids.push(t);
    }
    if let Some(Json::Array(ttps)) = obj.get("ttps") {
        ids.extend(ttps.iter().filter_map(Json::as_str));
    }
    set_techniques(&mut e, &ids);
    if let Some(r) = mtext(obj, "reason") {
        set_path(&mut e, "rule.description", s(r));
    }
    if let Some(t) = mtext(obj, "backend_timestamp").or_else(|| mtext(obj, "create_time")) {
        e.insert("@timestamp".into(), s(t));
    }
    let id = mtext(obj, "id").map(str::to_owned);
    finish(
        &mut e,
        "carbonblack",
        "carbon_black",
        Json::Object(obj.clone()),
    );
    Some((e, id))
}

/// A Google SecOps detections listing (`{"detections": [{"detection", "collectionElements"},
/// …], "nextPageToken"}`, from the rule's or the alerts' API): one alert per detection.
pub(super) fn secops_detections_page(o: &Map<String, Json>) -> Option<Vec<Json>> {
    let items = o.get("detections")?.as_array()?;
    (!items.is_empty()
        && items
            .iter()
            .all(|x| x.get("collectionElements").is_some_and(Json::is_array)))
    .then(|| items.clone())
}

/// A Google SecOps events search (`{"events": [{"name", "udm"}, …]}`): one alert per event.
pub(super) fn secops_events_page(o: &Map<String, Json>) -> Option<Vec<Json>> {
    items_holding(o, "events", "udm")
}

/// The items of the array under `key` when there are some and each holds an object `field`.
fn items_holding(o: &Map<String, Json>, key: &str, field: &str) -> Option<Vec<Json>> {
    let items = o.get(key)?.as_array()?;
    (!items.is_empty()
        && items
            .iter()
            .all(|x| x.get(field).is_some_and(Json::is_object)))
    .then(|| items.clone())
}

/// A Sumo Logic search job's messages page (`{"fields": […], "messages": [{"map": …}, …]}`):
/// one alert per message.
pub(super) fn sumo_messages_page(o: &Map<String, Json>) -> Option<Vec<Json>> {
    items_holding(o, "messages", "map")
}

/// A Cortex XDR alerts query's reply (`{"reply": {"total_count", "alerts": [...]}}`, from
/// `get_alerts` or `get_alerts_multi_events`) or an incident's extra data: one alert per alert.
pub(super) fn cortex_xdr_reply(o: &Map<String, Json>) -> Option<Vec<Json>> {
    // `get_incident_extra_data` (also XSOAR's rawJSON of an XDR incident) lists them under
    // `alerts.data` beside the `incident`.
    let reply = o.get("reply").and_then(Json::as_object).unwrap_or(o);
    let a = match reply.get("alerts")? {
        Json::Array(a) => a,
        Json::Object(m) if reply.contains_key("incident") => m.get("data")?.as_array()?,
        _ => return None,
    };
    if !o.contains_key("reply") && !reply.contains_key("incident") {
        return None;
    }
    (!a.is_empty()
        && a.iter().all(|x| {
            x.get("alert_id").is_some()
                && (x.get("events").is_some_and(Json::is_array)
                    || x.get("actor_process_command_line").is_some())
        }))
    .then(|| a.clone())
}

/// A Splunk search's results in `json_rows` mode (`{"fields": [names], "rows": [[values]]}`):
/// one alert per row, read as an exported result row.
pub(super) fn splunk_json_rows(o: &Map<String, Json>) -> Option<Vec<Json>> {
    let fields: Vec<&str> = o
        .get("fields")?
        .as_array()?
        .iter()
        .map(|f| f.as_str().or_else(|| text(f, "name")))
        .collect::<Option<_>>()?;
    let rows = o.get("rows")?.as_array()?;
    (!rows.is_empty() && rows.iter().all(Json::is_array)).then(|| {
        rows.iter()
            .filter_map(Json::as_array)
            .map(|r| {
                let row: Map<String, Json> = fields
                    .iter()
                    .zip(r)
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| ((*k).to_owned(), v.clone()))
                    .collect();
                json!({ "preview": false, "result": row })
            })
            .collect()
    })
}

/// A query engine's result set, one alert per row keyed by column name: a Splunk search's
/// results as the REST API returns them (`{"preview", "fields", "results": [{…}]}`, each row
/// read as an exported result row), Snowflake's SQL API (`resultSetMetaData.rowType[].name`,
/// `data: [[…]]`), Amazon Athena's `GetQueryResults` (`ResultSet.Rows[].Data[].VarCharValue`,
/// the first row the header) and BigQuery's `jobs.query` (`schema.fields[].name`,
/// `rows[].f[].v`). A column holding the event itself as JSON text (`RAW`, `event`) is
/// the row, the other columns beside it where it lacks them.
pub(super) fn query_result_rows(o: &Map<String, Json>) -> Option<Vec<Json>> {
    if let Some(results) = o.get("results").and_then(Json::as_array)
        && (o.contains_key("preview") || o.contains_key("init_offset"))
        && !results.is_empty()
        && results.iter().all(Json::is_object)
    {
        return Some(
            results
                .iter()
                .map(|r| json!({ "preview": false, "result": r }))
                .collect(),
        );
    }
    // Carbon Black Cloud's alert search (`{"results": [alert…], "num_found"}`).
    if let Some(results) = o.get("results").and_then(Json::as_array)
        && o.contains_key("num_found")
        && !results.is_empty()
        && results
            .iter()
            .all(|r| r.get("device_name").is_some() && r.get("process_name").is_some())
    {
        return Some(results.clone());
    }
    let names = |cols: &[Json], key: &str| -> Option<Vec<String>> {
        cols.iter()
            .map(|c| text(c, key).map(str::to_owned))
            .collect()
    };
    let (cols, rows): (Vec<String>, Vec<Vec<Json>>) = if let Some(meta) = o
        .get("resultSetMetaData")
        .filter(|_| o.contains_key("statementHandle") || o.contains_key("data"))
    {
        // Snowflake
        let cols = names(meta.get("rowType")?.as_array()?, "name")?;
        let rows = o.get("data")?.as_array()?;
        (
            cols,
            rows.iter().filter_map(Json::as_array).cloned().collect(),
        )
    } else if let Some(rs) = o.get("ResultSet") {
        // Athena
        let cell = |c: &Json| c.get("VarCharValue").cloned().unwrap_or(Json::Null);
        let mut rows: Vec<Vec<Json>> = rs
            .get("Rows")?
            .as_array()?
            .iter()
            .map(|r| Some(r.get("Data")?.as_array()?.iter().map(cell).collect()))
            .collect::<Option<_>>()?;
        let cols = match rs
            .get("ResultSetMetadata")
            .and_then(|m| m.get("ColumnInfo"))
            .and_then(Json::as_array)
        {
            Some(info) => names(info, "Name")?,
            None if !rows.is_empty() => rows[0]
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<_>>()?,
            None => return None,
        };
        let header: Vec<Json> = cols.iter().map(|c| Json::String(c.clone())).collect();
        if rows.first() == Some(&header) {
            rows.remove(0);
        }
        (cols, rows)
    } else if let Some(fields) = o
        .get("schema")
        .and_then(|s| s.get("fields"))
        .and_then(Json::as_array)
        .filter(|_| mtext(o, "kind").is_some_and(|k| k.starts_with("bigquery#")))
    {
        // BigQuery
        let cols = names(fields, "name")?;
        let rows = o
            .get("rows")?
            .as_array()?
            .iter()
            .map(|r| {
                Some(
                    r.get("f")?
                        .as_array()?
                        .iter()
                        .map(|c| c.get("v").cloned().unwrap_or(Json::Null))
                        .collect(),
                )
            })
            .collect::<Option<_>>()?;
        (cols, rows)
    } else {
        return None;
    };
    let keyed: Vec<Json> = rows
        .into_iter()
        .map(|r| {
            let row: Map<String, Json> = cols
                .iter()
                .zip(r)
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v))
                .collect();
            let event = row.iter().find_map(|(k, v)| {
                matches!(
                    super::generic::key(k).as_str(),
                    "raw" | "rawevent" | "rawjson" | "event" | "eventjson" | "record" | "json"
                )
                .then(|| {
                    v.as_str()
                        .and_then(|t| serde_json::from_str::<Json>(t).ok())
                })
                .flatten()
                .and_then(|j| match j {
                    Json::Object(m) => Some((k.clone(), m)),
                    _ => None,
                })
            });
            match event {
                Some((col, mut ev)) => {
                    for (k, v) in row {
                        if k != col {
                            ev.entry(k).or_insert(v);
                        }
                    }
                    Json::Object(ev)
                }
                None => Json::Object(row),
            }
        })
        .collect();
    (!keyed.is_empty()).then_some(keyed)
}

/// A New Relic NerdGraph NRQL query's response (`data.actor.account.nrql.results`, or a
/// cross-account `data.actor.nrql.results`): one alert per result row (a log with its
/// attributes).
pub(super) fn new_relic_nrql_results(o: &Map<String, Json>) -> Option<Vec<Json>> {
    let actor = o.get("data")?.get("actor")?;
    let nrql = actor
        .get("account")
        .and_then(|a| a.get("nrql"))
        .or_else(|| actor.get("nrql"))?;
    let rows = nrql.get("results")?.as_array()?;
    (!rows.is_empty() && rows.iter().all(Json::is_object)).then(|| rows.clone())
}

/// A list given as itself or as its JSON text (a webhook template's variable).
fn list_or_text(v: &Json) -> Option<Vec<Json>> {
    match v {
        Json::Array(a) => Some(a.clone()),
        Json::String(t) => match serde_json::from_str::<Json>(t).ok()? {
            Json::Array(a) => Some(a),
            _ => None,
        },
        _ => None,
    }
}

/// A Logz.io alert webhook (`alert_title`, `alert_event_samples`: the matched events, as a list
/// or as its JSON text): one alert per sample.
pub(super) fn logzio_samples(o: &Map<String, Json>) -> Option<Vec<Json>> {
    let samples = list_or_text(o.get("alert_event_samples")?)?;
    let events: Vec<Json> = samples.into_iter().filter(Json::is_object).collect();
    (!events.is_empty()).then_some(events)
}

/// A Sumo Logic monitor's webhook (`{"Name", "Query", "ResultsJson": [...]}`, the payload's
/// `{{ResultsJson}}` variable, as a list or as the JSON text of one; a scheduled search's
/// webhook names its results as the payload's author chose, after `{{Results.json}}` or
/// `{{RawResultsJson}}`): one alert per result, each read as a search job's message.
pub(super) fn sumo_monitor_results(o: &Map<String, Json>) -> Option<Vec<Json>> {
    let results = ["ResultsJson", "RawResultsJson", "Results", "results"]
        .iter()
        .filter_map(|k| o.get(*k))
        .find_map(list_or_text)?;
    let messages: Vec<Json> = results
        .iter()
        .filter(|r| r.get("_raw").is_some() || r.get("_messagetime").is_some())
        .map(|r| serde_json::json!({ "map": r }))
        .collect();
    (!messages.is_empty()).then_some(messages)
}

/// A Defender advanced hunting API response (`{"Stats", "Schema": [{"Name", "Type"}…],
/// "Results": [{…}…]}`, from `/api/advancedhunting/run` or the Graph `runHuntingQuery`): one
/// alert per process row, each a table row as advanced hunting names its columns.
pub(super) fn defender_hunting_results(o: &Map<String, Json>) -> Option<Vec<Json>> {
    o.get("Schema").or_else(|| o.get("schema"))?.as_array()?;
    let rows: Vec<Json> = o
        .get("Results")
        .or_else(|| o.get("results"))?
        .as_array()?
        .iter()
        .filter(|r| {
            // Rows of other tables joined into the query (a logon, a network event) describe no
            // process of their own.
            r.get("ProcessCommandLine")
                .or_else(|| r.get("FileName"))
                .and_then(Json::as_str)
                .is_some_and(|c| !c.is_empty() && c != "None")
        })
        .cloned()
        .collect();
    (!rows.is_empty()).then_some(rows)
}

/// A Log Analytics query response (`{"tables": [{"columns": [{"name"}…], "rows": [[…]…]}]}`, as
/// Sentinel's API and playbooks return it): one alert per row, keyed by column name.
pub(super) fn log_analytics_rows(o: &Map<String, Json>) -> Option<Vec<Json>> {
    let table = o.get("tables")?.as_array()?.first()?;
    let cols: Vec<&str> = table
        .get("columns")?
        .as_array()?
        .iter()
        .map(|c| text(c, "name"))
        .collect::<Option<_>>()?;
    let rows = table.get("rows")?.as_array()?;
    let keyed: Vec<Json> = rows
        .iter()
        .filter_map(Json::as_array)
        .map(|r| {
            Json::Object(
                cols.iter()
                    .zip(r)
                    .map(|(k, v)| ((*k).to_owned(), v.clone()))
                    .collect(),
            )
        })
        .collect();
    // The lines of one audit record (a Syslog table's SYSCALL, EXECVE, PROCTITLE rows) are
    // one event.
    let merged: Vec<Json> = super::siem::audit_records(&keyed)
        .into_iter()
        .map(Json::Object)
        .collect();
    (!merged.is_empty()).then_some(merged)
}

/// A page of the Datadog signals API or Logs API search (`{"data": [signal or log, …]}`): one
/// alert per item.
pub(super) fn datadog_signals_page(o: &Map<String, Json>) -> Option<Vec<Json>> {
    let signals = o.get("data")?.as_array()?;
    (!signals.is_empty() && signals.iter().all(|x| datadog_item(text(x, "type"))))
        .then(|| signals.iter().map(|x| json!({ "data": x })).collect())
}

/// An osquery snapshot result (`"action": "snapshot"`, rows under `snapshot`) or batched
/// differential result (`diffResults.added`) as one result line per row, each shaped like an
/// event-format differential line.
pub(super) fn osquery_snapshot_rows(o: &Map<String, Json>) -> Option<Vec<Json>> {
    if !(o.contains_key("hostIdentifier") || o.contains_key("calendarTime")) {
        return None;
    }
    // A snapshot, or a batched differential result (`diffResults.added`; removed rows are
    // processes that went away, not events).
    let (rows, action) = match o.get("snapshot").and_then(Json::as_array) {
        Some(r) => (r, "snapshot"),
        None => (o.get("diffResults")?.get("added")?.as_array()?, "added"),
    };
    let mut head = o.clone();
    head.remove("snapshot");
    head.remove("diffResults");
    head.insert("action".into(), s(action));
    Some(
        rows.iter()
            .map(|r| {
                let mut line = head.clone();
                line.insert("columns".into(), r.clone());
                Json::Object(line)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_paths_become_drive_paths() {
        assert_eq!(
            drive_path("\\Device\\HarddiskVolume3\\Windows\\System32\\cmd.exe"),
            "C:\\Windows\\System32\\cmd.exe"
        );
        assert_eq!(drive_path("\\??\\C:\\x\\y.exe"), "C:\\x\\y.exe");
        assert_eq!(drive_path("/usr/bin/curl"), "/usr/bin/curl");
        assert_eq!(
            join_path("\\Device\\HarddiskVolume1\\Windows", "a.exe"),
            "\\Device\\HarddiskVolume1\\Windows\\a.exe"
        );
        assert_eq!(join_path("/usr/bin", "curl"), "/usr/bin/curl");
    }
}
