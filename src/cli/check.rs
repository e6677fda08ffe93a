//! `lcc check`: parse and check models, render diagnostics for people or as JSON.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use lcc_syntax::render::{FileRenderer, RenderOptions, render};
use lcc_syntax::signatures::Origin;
use lcc_syntax::{Diagnostic, FileId, LineIndex, Signatures, check_source};
use serde::Serialize;

use super::files::{SourceFile, read_sources};
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

pub const EXAMPLES: &str = "\
Examples:
  lcc check policy.lcc
  lcc check stdlib/ --format json
  lcc check policy.lcc --signatures my-constraints.lcc

Exit status: 0 when there are no errors (warnings allowed), 1 when some file has
errors, 2 on bad usage or a file that cannot be read.";

/// Arguments of `lcc check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders (searched recursively for *.lcc).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// An .lcc file of `constraint` declarations that every checked model may use
    /// (repeatable). Built-in and lcc-vmm constraints are always known.
    #[arg(long = "signatures", value_name = "FILE")]
    signatures: Vec<PathBuf>,
    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Annotated source excerpts.
    Human,
    /// One JSON object per diagnostic per line.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

pub fn run(args: CheckArgs) -> u8 {
    let sources = match read_sources(&args.paths) {
        Ok(sources) => sources,
        Err(message) => return usage_error(&message),
    };
    let mut signatures = Signatures::standard();
    for path in &args.signatures {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => return usage_error(&format!("cannot read `{}`: {e}", path.display())),
        };
        if let Err(diagnostics) = signatures.add_source(Origin::Library(path.display().to_string()), &text) {
            let name = path.display().to_string();
            for d in &diagnostics {
                eprint!(
                    "{}",
                    render(
                        d,
                        &name,
                        &text,
                        RenderOptions {
                            color: false,
                            ascii: false
                        }
                    )
                );
            }
            return usage_error(&format!("`{name}` has syntax errors"));
        }
    }
    // Files that only declare constraints are libraries for every checked model.
    for (i, source) in sources.iter().enumerate() {
        let parsed = lcc_syntax::parse(FileId(i as u32), &source.text);
        let only_declarations = !parsed.model.items.is_empty()
            && parsed
                .model
                .items
                .iter()
                .all(|item| matches!(item, lcc_syntax::ast::Item::ConstraintDecl(_)));
        if only_declarations && !parsed.has_errors() {
            signatures.add_model(&parsed.model, Origin::File(FileId(i as u32)));
        }
    }

    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let mut errors = 0usize;
    let mut warnings = 0usize;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (i, source) in sources.iter().enumerate() {
        let checked = check_source(FileId(i as u32), &source.text, &signatures);
        let name = source.path.display().to_string();
        let renderer = FileRenderer::new(&name, &source.text, RenderOptions { color, ascii: false });
        let index = LineIndex::new(&source.text);
        for d in &checked.diagnostics {
            if d.is_error() {
                errors += 1;
            } else {
                warnings += 1;
            }
            let text = match args.format {
                Format::Human => renderer.render(d),
                Format::Json => json_line(source, &index, d),
            };
            if out.write_all(text.as_bytes()).is_err() {
                return EXIT_USAGE;
            }
        }
    }
    if args.format == Format::Human {
        let files = sources.len();
        let summary = format!(
            "checked {files} file{}: {errors} error{}, {warnings} warning{}",
            plural(files),
            plural(errors),
            plural(warnings)
        );
        eprintln!("{summary}");
    }
    if errors > 0 { EXIT_FINDINGS } else { EXIT_OK }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn usage_error(message: &str) -> u8 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

/// The JSON form of one diagnostic, as `--format json` prints it.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    span: [u32; 2],
    code: &'a str,
    severity: lcc_syntax::Severity,
    message: &'a str,
    label: &'a str,
    related: Vec<JsonLabel<'a>>,
    notes: &'a [String],
    fixes: Vec<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    line: u32,
    column: u32,
    span: [u32; 2],
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    line: u32,
    column: u32,
    span: [u32; 2],
    replacement: &'a str,
}

fn json_line(source: &SourceFile, index: &LineIndex, d: &Diagnostic) -> String {
    let at = |offset: u32| index.line_col(&source.text, offset as usize);
    let start = at(d.primary.span.start);
    let end = at(d.primary.span.end);
    let object = JsonDiagnostic {
        file: source.path.display().to_string(),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        span: [d.primary.span.start, d.primary.span.end],
        code: d.code.0,
        severity: d.severity,
        message: &d.message,
        label: &d.primary.message,
        related: d
            .secondary
            .iter()
            .map(|l| {
                let p = at(l.span.start);
                JsonLabel {
                    line: p.line,
                    column: p.column,
                    span: [l.span.start, l.span.end],
                    message: &l.message,
                }
            })
            .collect(),
        notes: &d.notes,
        fixes: d
            .fixes
            .iter()
            .map(|f| JsonFix {
                title: &f.title,
                edits: f
                    .edits
                    .iter()
                    .map(|e| {
                        let p = at(e.span.start);
                        JsonEdit {
                            line: p.line,
                            column: p.column,
                            span: [e.span.start, e.span.end],
                            replacement: &e.replacement,
                        }
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut line = serde_json::to_string(&object).expect("diagnostics serialise");
    line.push('\n');
    line
}
