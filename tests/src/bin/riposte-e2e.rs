//! The `riposte` command under test: exactly `runner/src/main.rs` (same allocator, same entry).

#[global_allocator]
static ALLOC: runner::Allocator = runner::Allocator;

fn main() -> std::process::ExitCode {
    runner::main()
}
