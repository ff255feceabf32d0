//! End-to-end tests of the `riposte` binary (see `tests/`). Helpers live here.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_owned()
}

/// The riposte binary built by cargo for this test run.
pub fn riposte() -> Command {
    let exe = std::env::var("CARGO_BIN_EXE_riposte")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            let profile = if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            };
            root().join("target").join(profile).join("riposte")
        });
    let mut c = Command::new(exe);
    c.current_dir(root());
    c
}

pub fn run(args: &[&str]) -> Output {
    riposte().args(args).output().expect("riposte runs")
}

/// A fresh temporary directory for one test.
pub fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("riposte-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tempdir");
    d
}

pub const T1059: &str = "playbooks/library/t1059-command-and-scripting-interpreter.yaml";
