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

/// A fresh temporary directory for one test.
pub fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("riposte-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tempdir");
    d
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
