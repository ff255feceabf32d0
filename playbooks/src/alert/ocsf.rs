//! The Open Cybersecurity Schema Framework (OCSF 1.x), as AWS Security Lake stores events and as
//! CrowdStrike, SentinelOne, Splunk and others export them: Process Activity (`class_uid` 1007:
//! `process` launched by `actor.process`), Script Activity (1009: `script.script_content`),
//! Network and DNS Activity (4001, 4003), and Detection and Security Findings (2004, 2001:
//! `finding_info` with the rule and its `attacks`, the processes among `evidences`). Mapped onto
//! ECS with the same helpers as `edr`.

use super::edr::{finish, put_process, set_techniques, set_user, text, with_branches};
use super::{push_unique, s, set_path};
use serde_json::{Map, Value as Json};

/// An OCSF event or finding: `class_uid` beside `metadata` (its product and schema version),
/// with a process somewhere in it.
pub(super) fn ocsf(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    obj.get("class_uid")?.as_i64()?;
    let meta = obj.get("metadata")?.as_object()?;
    if !meta.contains_key("product") && !meta.contains_key("version") {
        return None;
    }
    // The evidence that carries a process (a finding's), else the event itself.
    let evidences: Vec<&Json> = obj
        .get("evidences")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .collect();
    let has_process = |o: &Json| {
        o.get("process").is_some_and(Json::is_object)
            || o.get("actor")
                .and_then(|a| a.get("process"))
                .is_some_and(Json::is_object)
    };
    let ev_json = Json::Object(obj.clone());
    let main = evidences
        .iter()
        .copied()
        .find(|e| has_process(e))
        .or_else(|| has_process(&ev_json).then_some(&ev_json))?;
    let actor = main.get("actor");
    let actor_proc = actor
        .and_then(|a| a.get("process"))
        .filter(|p| p.is_object());
    let (me, launcher) = match main.get("process").filter(|p| p.is_object()) {
        Some(p) => (p, actor_proc),
        None => (actor_proc?, None),
    };
    let path = |p: &Json| {
        p.get("file")
            .and_then(|f| text(f, "path"))
            .or_else(|| text(p, "path"))
            .map(str::to_owned)
    };
    let pid = |p: &Json| p.get("pid").and_then(Json::as_i64);
    // The parent: the process's own `parent_process`, else the actor that launched it (when it
    // is not the process itself), else the evidence's `parent_process`.
    let parent = me
        .get("parent_process")
        .filter(|p| p.is_object())
        .or(launcher.filter(|l| pid(l).is_none() || pid(l) != pid(me)))
        .or_else(|| main.get("parent_process").filter(|p| p.is_object()));
    let grand = parent
        .and_then(|p| p.get("parent_process"))
        .filter(|p| p.is_object());
    let mut e = Map::new();
    let script_obj = main.get("script").or_else(|| obj.get("script"));
    let script = script_obj.and_then(|sc| text(sc, "script_content"));
    for (prefix, p) in [
        ("process", Some(me)),
        ("process.parent", parent),
        ("process.parent.parent", grand),
    ] {
        let Some(p) = p else { continue };
        put_process(&mut e, prefix, path(p), text(p, "cmd_line"));
        if path(p).is_none()
            && let Some(n) = text(p, "name")
        {
            set_path(&mut e, &format!("{prefix}.name"), s(n));
        }
        if let Some(i) = pid(p) {
            set_path(&mut e, &format!("{prefix}.pid"), Json::from(i));
        }
        if let Some(h) = sha256(p) {
            set_path(&mut e, &format!("{prefix}.hash.sha256"), s(h));
        }
        if let Some(u) = p.get("user").and_then(|u| text(u, "name")) {
            set_path(&mut e, &format!("{prefix}.user.name"), s(u));
        }
    }
    // The ancestors as paths (`lineage`), where no parent object came along.
    if parent.is_none() {
        let lineage: Vec<&str> = me
            .get("lineage")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .collect();
        let own = path(me);
        let ancestors: Vec<&str> = match lineage.as_slice() {
            [rest @ .., last] if own.as_deref() == Some(*last) => {
                rest.iter().rev().copied().collect()
            }
            [first, rest @ ..] if own.as_deref() == Some(*first) => rest.to_vec(),
            _ => Vec::new(),
        };
        for (prefix, p) in ["process.parent", "process.parent.parent"]
            .iter()
            .zip(ancestors)
        {
            put_process(&mut e, prefix, Some(p.to_owned()), None);
        }
    }
    if let Some(d) = text(me, "working_directory") {
        set_path(&mut e, "process.working_directory", s(d));
    }
    if let Some(i) = text(me, "integrity") {
        set_path(
            &mut e,
            "process.integrity_level",
            s(&i.to_ascii_lowercase()),
        );
    }
    // The account: the process's, else the actor's, else the event's.
    let user = me
        .get("user")
        .or_else(|| actor.and_then(|a| a.get("user")))
        .or_else(|| main.get("user"))
        .or_else(|| obj.get("actor").and_then(|a| a.get("user")))
        .filter(|u| u.is_object());
    if let Some(u) = user {
        if let Some(n) = text(u, "name") {
            match text(u, "domain") {
                Some(d) if !n.contains('\\') && !n.contains('@') => {
                    set_path(&mut e, "user.name", s(n));
                    set_path(&mut e, "user.domain", s(d));
                }
                _ => set_user(&mut e, n),
            }
        }
        if let Some(id) = u.get("uid").and_then(|v| {
            v.as_str()
                .map(str::to_owned)
                .or_else(|| v.as_i64().map(|i| i.to_string()))
        }) {
            set_path(&mut e, "user.id", Json::String(id));
        }
    }
    // A script's content (Script Activity): PowerShell's as its script block, any other's as a
    // line of the command; the other evidences' processes as branches of the alert.
    let mut branches: Vec<&str> = Vec::new();
    if let Some(sc) = script {
        let name = e
            .get("process")
            .and_then(|p| text(p, "name"))
            .unwrap_or_default()
            .to_ascii_lowercase();
        let ps = ["powershell.exe", "pwsh.exe", "pwsh", "powershell"].contains(&name.as_str())
            || script_obj
                .and_then(|sc| text(sc, "type"))
                .is_some_and(|t| t.eq_ignore_ascii_case("powershell"));
        if ps {
            set_path(&mut e, "powershell.file.script_block_text", s(sc));
        } else {
            branches.push(sc);
        }
    }
    branches.extend(
        evidences
            .iter()
            .filter(|x| !std::ptr::eq(**x, main))
            .filter_map(|x| {
                x.get("process")
                    .or_else(|| x.get("actor").and_then(|a| a.get("process")))
                    .and_then(|p| text(p, "cmd_line"))
            }),
    );
    if !branches.is_empty()
        && let Some(c) = with_branches(text(me, "cmd_line"), branches)
    {
        set_path(&mut e, "process.command_line", Json::String(c));
    }
    // The host.
    let device = main
        .get("device")
        .or_else(|| obj.get("device"))
        .filter(|d| d.is_object());
    if let Some(d) = device {
        if let Some(h) = text(d, "hostname").or_else(|| text(d, "name")) {
            set_path(&mut e, "host.name", s(h));
        }
        if let Some(ip) = text(d, "ip") {
            set_path(&mut e, "host.ip", s(ip));
        }
        if let Some(os) = d.get("os").and_then(os_type) {
            set_path(&mut e, "host.os.type", s(os));
        }
    }
    // Where it connected, what it resolved, what it fetched.
    let pick = |k: &str| {
        main.get(k)
            .or_else(|| obj.get(k))
            .or_else(|| evidences.iter().find_map(|x| x.get(k)))
            .filter(|v| v.is_object())
    };
    if let Some(dst) = pick("dst_endpoint") {
        if let Some(ip) = text(dst, "ip") {
            set_path(&mut e, "destination.ip", s(ip));
        }
        if let Some(p) = dst.get("port").filter(|p| p.is_number()) {
            set_path(&mut e, "destination.port", p.clone());
        }
        if let Some(d) = text(dst, "domain").or_else(|| text(dst, "hostname")) {
            set_path(&mut e, "destination.domain", s(d));
        }
    }
    if let Some(src) = pick("src_endpoint") {
        if let Some(ip) = text(src, "ip") {
            set_path(&mut e, "source.ip", s(ip));
        }
        if let Some(h) = text(src, "hostname").or_else(|| text(src, "name")) {
            set_path(&mut e, "source.domain", s(h));
        }
    }
    if let Some(q) = pick("query").and_then(|q| text(q, "hostname")) {
        set_path(&mut e, "dns.question.name", s(q));
    }
    let url = pick("url")
        .or_else(|| pick("http_request").and_then(|h| h.get("url")))
        .and_then(|u| text(u, "url_string"));
    if let Some(u) = url {
        set_path(&mut e, "url.full", s(u));
    }
    if let Some(p) = pick("file").and_then(|f| text(f, "path")) {
        set_path(&mut e, "file.path", s(p));
    }
    // The rule and its ATT&CK mapping.
    let info = obj
        .get("finding_info")
        .or_else(|| obj.get("finding"))
        .filter(|f| f.is_object());
    let mut ids: Vec<String> = Vec::new();
    for list in [info.and_then(|f| f.get("attacks")), obj.get("attacks")]
        .into_iter()
        .flatten()
        .filter_map(Json::as_array)
    {
        for a in list {
            for k in ["technique", "sub_technique"] {
                if let Some(t) = a.get(k).and_then(|t| text(t, "uid")) {
                    push_unique(&mut ids, t);
                }
            }
        }
    }
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    set_techniques(&mut e, &ids);
    let rule = info
        .and_then(|f| f.get("analytic"))
        .and_then(|a| text(a, "name"))
        .or_else(|| info.and_then(|f| text(f, "title")));
    if let Some(r) = rule {
        set_path(&mut e, "rule.name", s(r));
    }
    if let Some(d) = info.and_then(|f| text(f, "desc")) {
        set_path(&mut e, "rule.description", s(d));
    }
    let id = info
        .and_then(|f| text(f, "uid"))
        .or_else(|| meta.get("uid").and_then(Json::as_str))
        .map(str::to_owned);
    finish(&mut e, "ocsf", "ocsf", Json::Object(obj.clone()));
    Some((e, id))
}

/// The file's SHA-256 among its `hashes` (`algorithm_id` 3).
fn sha256(p: &Json) -> Option<&str> {
    p.get("file")?
        .get("hashes")?
        .as_array()?
        .iter()
        .find(|h| {
            h.get("algorithm_id").and_then(Json::as_i64) == Some(3)
                || text(h, "algorithm").is_some_and(|a| a.eq_ignore_ascii_case("sha-256"))
        })
        .and_then(|h| text(h, "value"))
}

/// OCSF's operating system (`type_id` 100 Windows, 200 Linux, 300 macOS; or by name).
fn os_type(os: &Json) -> Option<&'static str> {
    match os.get("type_id").and_then(Json::as_i64) {
        Some(100..=199) => return Some("windows"),
        Some(200) => return Some("linux"),
        Some(300) => return Some("macos"),
        _ => {}
    }
    let name = format!(
        "{} {}",
        text(os, "type").unwrap_or_default(),
        text(os, "name").unwrap_or_default()
    )
    .to_ascii_lowercase();
    if name.contains("windows") {
        Some("windows")
    } else if name.contains("mac") || name.contains("os x") || name.contains("darwin") {
        Some("macos")
    } else if name.contains("linux")
        || [
            "ubuntu", "debian", "red hat", "rhel", "centos", "amazon", "suse", "rocky", "alma",
        ]
        .iter()
        .any(|d| name.contains(d))
    {
        Some("linux")
    } else {
        None
    }
}
