//! `lcc fmt`: rewrite models in the canonical layout, or check that they are.

use std::path::PathBuf;

use clap::Args;
use lcc_syntax::format::format_source;
use lcc_syntax::render::{RenderOptions, render};

use super::files::read_sources;
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

pub const EXAMPLES: &str = "\
Examples:
  lcc fmt policy.lcc            rewrite the file in place
  lcc fmt --check stdlib/       list files that are not formatted; exit 1 if any

A file with syntax errors is left untouched and its errors are printed (exit 1).";

/// Arguments of `lcc fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Files or folders (searched recursively for *.lcc).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Do not write; exit 1 if any file would change.
    #[arg(long)]
    check: bool,
}

pub fn run(args: FmtArgs) -> u8 {
    let sources = match read_sources(&args.paths) {
        Ok(sources) => sources,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let mut status = EXIT_OK;
    for source in &sources {
        let name = source.path.display().to_string();
        match format_source(&source.text) {
            Err(diagnostics) => {
                for d in diagnostics.iter().filter(|d| d.is_error()) {
                    eprint!(
                        "{}",
                        render(
                            d,
                            &name,
                            &source.text,
                            RenderOptions {
                                color: false,
                                ascii: false
                            }
                        )
                    );
                }
                eprintln!("error: `{name}` has syntax errors; not formatted");
                status = EXIT_FINDINGS;
            }
            Ok(formatted) if formatted == source.text => {}
            Ok(_) if args.check => {
                println!("{name} is not formatted");
                status = EXIT_FINDINGS;
            }
            Ok(formatted) => {
                if let Err(e) = std::fs::write(&source.path, formatted) {
                    eprintln!("error: cannot write `{name}`: {e}");
                    return EXIT_USAGE;
                }
                println!("formatted {name}");
            }
        }
    }
    status
}
