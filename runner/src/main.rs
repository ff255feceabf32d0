//! `riposte`: see the `runner` library for the commands.

// `--features system-alloc` keeps glibc malloc, for heap profilers that hook it (heaptrack).
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static ALLOC: runner::Allocator = runner::Allocator;

fn main() -> std::process::ExitCode {
    runner::main()
}
