//! The `lcc` command.
fn main() -> std::process::ExitCode {
    lcc::cli::main()
}
