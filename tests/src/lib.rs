//! End-to-end tests of the `riposte` binary (see `tests/`). Helpers live here.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_owned()
}

/// The `riposte` command as built by cargo for this test run (the package's
/// `riposte-e2e` binary, whose `main` is `runner::main`). Integration tests
/// call it through [`riposte!`] so that `CARGO_BIN_EXE_*` resolves in their crate.
pub fn command(exe: &str) -> Command {
    let mut c = Command::new(exe);
    c.current_dir(root());
    c
}

/// `riposte!()` is a [`Command`] for the binary under test; `riposte!(args)` runs it.
#[macro_export]
macro_rules! riposte {
    () => {
        $crate::command(env!("CARGO_BIN_EXE_riposte-e2e"))
    };
    ($args:expr) => {
        $crate::command(env!("CARGO_BIN_EXE_riposte-e2e"))
            .args($args)
            .output()
            .expect("the riposte binary runs")
    };
}

/// A fresh temporary directory for one test, removed with its stores when the test ends.
pub fn tempdir(name: &str) -> state::scratch::TempDir {
    state::scratch::TempDir::new(&format!("riposte-e2e-{name}"))
}

pub const T1059: &str = "playbooks/library/t1059-command-and-scripting-interpreter.yaml";

/// A minimal HTTP/1.1 request over a fresh connection (`Connection: close`); returns the status
/// and the body. Enough to talk to the daemon without an HTTP client dependency.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect to the daemon");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("send");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    let status = out
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Where the emulated vendors of the T1059 playbook listen.
pub struct VendorUrls<'a> {
    pub siem: &'a str,
    pub edr: &'a str,
    pub intel: &'a str,
    pub tickets: &'a str,
    pub chat: &'a str,
}

/// The `integrations:` and `capabilities:` sections binding every capability of the shipped
/// T1059 playbook to emulated vendors: Elasticsearch, CrowdStrike, VirusTotal, TheHive and Slack,
/// with credentials read from the files `es`, `cs_id`, `cs_secret`, `vt`, `hive` and `slack`
/// next to the configuration. `limits` is each instance's `limits:` line; `blocks` is the body
/// of the blocklist instance (named `blocks`), e.g. `vendor: edl`.
pub fn t1059_vendors(u: &VendorUrls, limits: &str, blocks: &str) -> String {
    format!(
        r##"integrations:
  siem:
    vendor: elasticsearch
    url: {siem}
    credentials: {{api_key: {{file: es}}}}
    options: {{events_index: "logs-*"}}
    {limits}
  falcon:
    vendor: crowdstrike
    url: {edr}
    credentials: {{client_id: {{file: cs_id}}, client_secret: {{file: cs_secret}}}}
    options: {{poll_attempts: 2, poll_interval: 1ms}}
    {limits}
  vt:
    vendor: virustotal
    url: {intel}
    credentials: {{api_key: {{file: vt}}}}
    {limits}
  hive:
    vendor: thehive
    url: {tickets}
    credentials: {{api_key: {{file: hive}}}}
    {limits}
  slack:
    vendor: slack
    url: {chat}
    credentials: {{bot_token: {{file: slack}}}}
    options: {{channel: "#soc-alerts"}}
    {limits}
  blocks:
    {blocks}
capabilities:
  siem.related_alerts: siem
  siem.network_after: siem
  siem.process_events: siem
  siem.privilege_changes: siem
  edr.host_info: falcon
  edr.isolate_host: falcon
  intel.lookup: vt
  ticket.create: hive
  ticket.comment: hive
  chat.notify: slack
  blocklist.add: blocks
"##,
        siem = u.siem,
        edr = u.edr,
        intel = u.intel,
        tickets = u.tickets,
        chat = u.chat,
    )
}
