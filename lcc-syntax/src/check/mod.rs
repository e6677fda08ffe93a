//! Semantic checks on a parsed model: roles, messages, variables, operators,
//! declarations, alternatives and constraint calls. Each check is one module; the
//! shared analyses ([`index`], [`refs`], [`binding`], [`show`], [`suggest`]) are
//! public for the language server.

mod alternatives;
pub mod binding;
mod clauses;
mod constraints;
mod declarations;
mod ids;
pub mod index;
mod messages;
mod modes;
mod operators;
pub mod refs;
mod roles;
pub mod show;
pub mod suggest;
mod variables;

pub use constraints::visit_calls;
pub use variables::occurrences;

use crate::ast::Model;
use crate::diagnostic::Diagnostic;
use crate::parse::{Parsed, parse};
use crate::signatures::{Origin, Signatures};
use crate::span::FileId;

/// A parsed and checked text.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The parse result (model, comments, syntax diagnostics).
    pub parsed: Parsed,
    /// Every diagnostic, syntax and semantic, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Runs every semantic check on `model`, whose constraint calls are resolved
/// against `signatures` (the caller includes the model's own declarations).
/// The diagnostics are in source order.
pub fn check_model(model: &Model, signatures: &Signatures) -> Vec<Diagnostic> {
    crate::depth::with_deep_stack(|| check_model_on_deep_stack(model, signatures))
}

fn check_model_on_deep_stack(model: &Model, signatures: &Signatures) -> Vec<Diagnostic> {
    let index = index::RoleIndex::new(model);
    let mut out = Vec::new();
    roles::check(model, &index, &mut out);
    clauses::check(model, &mut out);
    declarations::check(model, &index, &mut out);
    messages::check(model, &index, &mut out);
    variables::check(model, &mut out);
    ids::check(model, &mut out);
    operators::check(model, &mut out);
    alternatives::check(model, &index, &mut out);
    constraints::check(model, signatures, &mut out);
    modes::check(model, signatures, &mut out);
    out.sort_by_key(|d| (d.primary.span.start, d.primary.span.end, d.code));
    out
}

/// Parses `text` as `file` and checks it against `signatures` plus the file's own
/// `constraint` declarations. Semantic checks run on whatever parsed, so one run
/// reports syntax and semantic problems together.
pub fn check_source(file: FileId, text: &str, signatures: &Signatures) -> Checked {
    crate::depth::with_deep_stack(|| check_source_on_deep_stack(file, text, signatures))
}

fn check_source_on_deep_stack(file: FileId, text: &str, signatures: &Signatures) -> Checked {
    let parsed = parse(file, text);
    let mut sigs = signatures.clone();
    sigs.add_model(&parsed.model, Origin::File(file));
    let mut diagnostics = parsed.diagnostics.clone();
    diagnostics.extend(check_model(&parsed.model, &sigs));
    diagnostics.sort_by_key(|d| (d.primary.span.start, d.primary.span.end, d.code));
    Checked { parsed, diagnostics }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::diagnostic::TextEdit;
    use crate::span::{LineIndex, Span};

    /// Checks `text` against the standard signatures; it must parse cleanly.
    pub fn check_text(text: &str) -> Vec<Diagnostic> {
        let checked = check_source(FileId(0), text, &Signatures::standard());
        assert!(
            !checked.parsed.has_errors(),
            "syntax errors in {text}: {:#?}",
            checked.parsed.diagnostics
        );
        checked.diagnostics
    }

    /// The codes of `diagnostics`, in order.
    pub fn codes_of(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
        diagnostics.iter().map(|d| d.code.0).collect()
    }

    /// `text` with `edits` applied.
    pub fn apply(text: &str, edits: &[TextEdit]) -> String {
        let mut edits = edits.to_vec();
        edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
        let mut out = text.to_string();
        for e in edits {
            out.replace_range(e.span.range(), &e.replacement);
        }
        out
    }

    /// The 1-based line of `span` in `text`.
    pub fn line_of(text: &str, span: Span) -> u32 {
        LineIndex::new(text).line_col(text, span.start as usize).line
    }
}
