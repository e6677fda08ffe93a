//! The `lcc` command line: argument parsing and dispatch to one module per command.

mod check;
#[cfg(feature = "nats")]
mod conducted;
mod datacentre;
mod files;
mod fmt;
mod lsp;
mod model_file;
mod nats_connection;
mod peer;
mod run;
mod run_vmm;
mod simulate;
mod verify;
#[cfg(feature = "nats")]
mod vmm_remote;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit status: success, or only warnings.
pub const EXIT_OK: u8 = 0;
/// Exit status: the input has errors (or, for `fmt --check`, is not formatted).
pub const EXIT_FINDINGS: u8 = 1;
/// Exit status: bad usage or an I/O error.
pub const EXIT_USAGE: u8 = 2;

const EXAMPLES: &str = "\
Examples:
  lcc check stdlib/                      check every .lcc file under a folder
  lcc check policy.lcc --format json     one JSON object per diagnostic
  lcc fmt policy.lcc                     rewrite a file in the canonical layout
  lcc fmt --check stdlib/                exit 1 if any file is not formatted";

/// The reference toolchain for the Lightweight Coordination Calculus (LCC).
#[derive(Debug, Parser)]
#[command(name = "lcc", version, about, after_help = EXAMPLES, arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse and check LCC models, reporting errors and warnings.
    #[command(after_help = check::EXAMPLES)]
    Check(check::CheckArgs),
    /// Format LCC models in the canonical layout.
    #[command(after_help = fmt::EXAMPLES)]
    Fmt(fmt::FmtArgs),
    /// Run an LCC model with peers and scripted constraints, printing its trace.
    #[command(after_help = run::EXAMPLES)]
    Run(run::RunArgs),
    /// Simulate a VM-management policy over a datacentre: per-PM load plot and report.
    #[command(after_help = simulate::EXAMPLES)]
    Simulate(simulate::SimulateArgs),
    /// Model-check a model: deadlocks, unreachable roles and steps, unreceived messages.
    #[command(after_help = verify::EXAMPLES)]
    Verify(Box<verify::VerifyArgs>),
    /// Run the language server on standard input and output (for editors).
    #[command(after_help = lsp::EXAMPLES)]
    Lsp(lsp::LspArgs),
    /// Run one peer in this process, exchanging messages and roles through a NATS server.
    #[command(after_help = peer::EXAMPLES)]
    Peer(Box<peer::PeerArgs>),
    /// Serve the VMM constraints of a simulated datacentre or of libvirt hosts to `lcc peer --datacentre` processes over NATS.
    #[command(after_help = datacentre::EXAMPLES)]
    Datacentre(datacentre::DatacentreArgs),
}

/// Runs the command line with the process's arguments; returns the exit status.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    ExitCode::from(match cli.command {
        Command::Check(args) => check::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Run(args) => run::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Verify(args) => verify::run(*args),
        Command::Lsp(args) => lsp::run(args),
        Command::Peer(args) => peer::run(*args),
        Command::Datacentre(args) => datacentre::run(args),
    })
}
