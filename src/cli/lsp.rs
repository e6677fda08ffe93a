//! `lcc lsp`: the language server, on standard input and output.

use clap::Args;

use super::{EXIT_OK, EXIT_USAGE};

/// What `lcc lsp --help` adds after the options.
pub const EXAMPLES: &str = "\
The server speaks the Language Server Protocol on standard input and output; an
editor starts it (VS Code: the extension in lcc-lsp/editors/vscode; Neovim: see its
README). It exits when the editor sends `exit` or closes its input.";

/// Arguments of `lcc lsp`.
#[derive(Debug, Args)]
pub struct LspArgs {
    /// Use standard input and output (the default and only transport; accepted
    /// because LSP clients such as vscode-languageclient pass it).
    #[arg(long)]
    stdio: bool,
}

/// Runs the server until the client exits; returns the exit status.
pub fn run(args: LspArgs) -> u8 {
    let LspArgs { stdio: _ } = args;
    match lcc_lsp::run_stdio() {
        Ok(()) => EXIT_OK,
        Err(error) => {
            eprintln!("error: cannot start the language server: {error}");
            EXIT_USAGE
        }
    }
}
