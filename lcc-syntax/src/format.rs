//! The formatter: one canonical layout for `.lcc` text, every comment kept.
//!
//! Formatting lays the model out as lines of code (`layout`), then puts each
//! comment of the source back next to the token it was written beside
//! (`comments`). The output parses to the same model (spans aside) and
//! formatting it again changes nothing.

mod align;
mod comments;
mod cond;
mod layout;
mod lexical;
mod term;

use crate::ast::Model;
use crate::diagnostic::Diagnostic;
use crate::parse::{Parsed, parse};
use crate::span::FileId;

/// Formats `text`; refuses (returning the syntax errors) when it does not parse.
pub fn format_source(text: &str) -> Result<String, Vec<Diagnostic>> {
    let parsed = parse(FileId(0), text);
    if parsed.has_errors() {
        return Err(parsed.diagnostics);
    }
    Ok(format_parsed(&parsed, text))
}

/// Formats an error-free parse of `text`, keeping the comments of `text`.
pub fn format_parsed(parsed: &Parsed, text: &str) -> String {
    crate::depth::with_deep_stack(|| comments::render(&layout::lines(&parsed.model), text))
}

/// Prints a model (for example one built by a program) in the canonical layout.
pub fn format_model(model: &Model) -> String {
    crate::depth::with_deep_stack(|| comments::render(&layout::lines(model), ""))
}
