//! The engine under mangled input and with step timing, in one test binary.

mod all_native;
mod fuzz;
mod step_times;
mod unevaluated;

/// The shipped T1059 playbook's file.
fn t1059_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("library/t1059-command-and-scripting-interpreter.yaml")
}

/// The shipped T1059 playbook, loaded.
fn t1059() -> playbooks::Playbook {
    playbooks::load_file(&t1059_path())
        .unwrap_or_else(|d| panic!("the shipped playbook loads: {d}"))
}
