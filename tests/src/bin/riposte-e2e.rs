//! The `riposte` command under test: exactly `runner::main`, as `runner/src/main.rs`.

fn main() -> std::process::ExitCode {
    runner::main()
}
