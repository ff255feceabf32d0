//! `riposte`: see the `runner` library for the commands.

#[global_allocator]
static ALLOC: runner::Allocator = runner::Allocator;

fn main() -> std::process::ExitCode {
    runner::main()
}
