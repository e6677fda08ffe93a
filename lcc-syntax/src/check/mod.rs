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
pub mod items;
mod messages;
mod modes;
mod operators;
pub mod refs;
mod roles;
pub mod show;
pub mod suggest;
mod variables;

pub use constraints::visit_calls;
pub use items::Items;
pub use variables::occurrences;

use crate::ast::{Clause, Model};
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
/// The diagnostics are in source order. This is [`check_model_wide`] plus
/// [`check_clauses`] on every clause.
pub fn check_model(model: &Model, signatures: &Signatures) -> Vec<Diagnostic> {
    crate::depth::with_deep_stack(|| {
        let mut out = check_model_wide_on_deep_stack(model);
        for clause in model.clauses() {
            check_clause_on_deep_stack(clause, signatures, &mut out);
        }
        sort_diagnostics(&mut out);
        out
    })
}

/// The checks whose findings about a clause depend only on that clause and on
/// `signatures` (singleton variables, peer Ids, mixed operators, constraint calls
/// and argument modes), run on each of `clauses`. Spans are those of the clauses,
/// except that a fix declaring an unknown constraint inserts at offset 0 of the
/// clause's file. In no particular order.
pub fn check_clauses<'m>(clauses: impl IntoIterator<Item = &'m Clause>, signatures: &Signatures) -> Vec<Diagnostic> {
    crate::depth::with_deep_stack(|| {
        let mut out = Vec::new();
        for clause in clauses {
            check_clause_on_deep_stack(clause, signatures, &mut out);
        }
        out
    })
}

fn check_clause_on_deep_stack(clause: &Clause, signatures: &Signatures, out: &mut Vec<Diagnostic>) {
    variables::check(clause, out);
    ids::check(clause, out);
    operators::check(clause, out);
    constraints::check(clause, signatures, out);
    modes::check(clause, signatures, out);
}

/// The checks that relate items to each other through the model's roles: role
/// references and declarations, clause heads, constraint declarations, messages
/// and alternatives. In no particular order.
pub fn check_model_wide(model: &Model) -> Vec<Diagnostic> {
    crate::depth::with_deep_stack(|| check_model_wide_on_deep_stack(model))
}

/// [`check_model_wide`] on the model made up of `pieces`, consecutive parts of one
/// model, without joining them: the same diagnostics, in the same order. Spans are
/// those of the pieces.
pub fn check_pieces_wide(pieces: &[&Model]) -> Vec<Diagnostic> {
    crate::depth::with_deep_stack(|| check_model_wide_on_deep_stack(pieces))
}

fn check_model_wide_on_deep_stack(model: &(impl Items + ?Sized)) -> Vec<Diagnostic> {
    let index = index::RoleIndex::new(model);
    let mut out = Vec::new();
    roles::check(model, &index, &mut out);
    clauses::check(&index, &mut out);
    declarations::check(model, &index, &mut out);
    messages::check(model, &index, &mut out);
    alternatives::check(model, &index, &mut out);
    out
}

/// Sorts diagnostics into source order: by primary span, then code (stable, so
/// equal keys keep the order they were found in).
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| (d.primary.span.start, d.primary.span.end, d.code));
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
    sort_diagnostics(&mut diagnostics);
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
