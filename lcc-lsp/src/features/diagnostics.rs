//! Diagnostics as LSP diagnostics: severity, code, message with the primary label
//! and notes, and the secondary labels as related information.

use lcc_syntax::Severity;
use tower_lsp_server::ls_types::{Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString};

use crate::db::diagnostics;
use crate::workspace::{Snapshot, View};

/// The `source` of every diagnostic the server publishes.
pub const SOURCE: &str = "lcc";

/// The LSP form of every diagnostic of `view`'s document.
pub fn document_diagnostics(snapshot: &Snapshot, view: &View<'_>) -> Vec<Diagnostic> {
    diagnostics(&snapshot.db, view.doc.file)
        .iter()
        .map(|d| to_lsp(snapshot, view, d))
        .collect()
}

/// The LSP form of `diagnostic`, which is about `view`'s document.
pub fn to_lsp(snapshot: &Snapshot, view: &View<'_>, diagnostic: &lcc_syntax::Diagnostic) -> Diagnostic {
    let mut message = diagnostic.message.clone();
    if !diagnostic.primary.message.is_empty() {
        message.push('\n');
        message.push_str(&diagnostic.primary.message);
    }
    for note in &diagnostic.notes {
        message.push('\n');
        message.push_str(note);
    }
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .secondary
        .iter()
        .filter_map(|label| {
            let location = if label.span.file == diagnostic.primary.span.file {
                view.location(label.span)
            } else {
                let doc = snapshot.document_by_id(label.span.file)?;
                snapshot.view(doc).location(label.span)
            };
            Some(DiagnosticRelatedInformation {
                location,
                message: if label.message.is_empty() {
                    "related".into()
                } else {
                    label.message.clone()
                },
            })
        })
        .collect();
    Diagnostic {
        range: view.range(diagnostic.primary.span),
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(diagnostic.code.0.to_string())),
        code_description: None,
        source: Some(SOURCE.into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
