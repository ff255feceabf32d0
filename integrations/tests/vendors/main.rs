//! Every vendor client against its local emulator, in one test binary (one link instead of
//! seven: the debug build of the suite stays small enough for a CI disk).

mod blocking;
mod chat;
mod edr;
mod faults;
mod intel;
mod siem;
mod tickets;

/// Where a test writes a credential file: under Cargo's scratch directory for integration tests
/// (`target/tmp`, emptied by `cargo clean`), never in the system's temporary directory.
fn secret_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("riposte-vendors-{}-{name}", std::process::id()))
}
