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
/// (`target/tmp`, emptied by `cargo clean`), never in the system's temporary directory. Each
/// call gets its own file: tests run in parallel, and one rewriting a shared file (truncate,
/// then write) let another read it empty.
fn secret_path(name: &str) -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("riposte-vendors-{}-{n}-{name}", std::process::id()))
}
