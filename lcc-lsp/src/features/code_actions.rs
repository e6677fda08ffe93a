//! Code actions: each suggested fix of the diagnostics in the requested range, as
//! a quick fix whose workspace edit is the fix's text edits.

use std::collections::HashMap;

use tower_lsp_server::ls_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, WorkspaceEdit};

use crate::db::diagnostics;
use crate::features::diagnostics::to_lsp;
use crate::workspace::{Snapshot, View};

/// The quick fixes for the diagnostics of `view`'s document that touch `range`.
pub fn code_actions(snapshot: &Snapshot, view: &View<'_>, range: Range) -> Vec<CodeActionOrCommand> {
    let mut actions = Vec::new();
    for diagnostic in diagnostics(&snapshot.db, view.doc.file) {
        let at = view.range(diagnostic.primary.span);
        if at.end < range.start || range.end < at.start {
            continue;
        }
        let lsp = to_lsp(snapshot, view, diagnostic);
        for fix in &diagnostic.fixes {
            let edits = fix
                .edits
                .iter()
                .map(|edit| TextEdit {
                    range: view.range(edit.span),
                    new_text: edit.replacement.clone(),
                })
                .collect();
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![lsp.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(view.doc.uri.clone(), edits)])),
                    document_changes: None,
                    change_annotations: None,
                }),
                command: None,
                is_preferred: Some(diagnostic.fixes.len() == 1),
                disabled: None,
                data: None,
            }));
        }
    }
    actions
}
