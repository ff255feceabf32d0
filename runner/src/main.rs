//! `riposte`: see the `runner` library for the commands.

fn main() -> std::process::ExitCode {
    runner::main()
}
