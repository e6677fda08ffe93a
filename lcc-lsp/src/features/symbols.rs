//! Document symbols (clauses with their steps, role and constraint declarations)
//! and workspace symbols (roles and constraints of every known file).

use lcc_syntax::ast::{Item, StepKind};
use tower_lsp_server::ls_types::{DocumentSymbol, Location, OneOf, SymbolKind, WorkspaceSymbol};

use crate::workspace::{Snapshot, View};

/// The outline of `view`'s document.
#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be written
pub fn document_symbols(view: &View<'_>) -> Vec<DocumentSymbol> {
    let symbol = |name: String, detail: String, kind, span, selection, children| DocumentSymbol {
        name,
        detail: Some(detail),
        kind,
        tags: None,
        deprecated: None,
        range: view.range(span),
        selection_range: view.range(selection),
        children,
    };
    view.parsed()
        .model
        .items
        .iter()
        .map(|item| match item {
            Item::Clause(clause) => {
                let steps = clause
                    .body
                    .steps()
                    .into_iter()
                    .map(|step| {
                        let what = match step.kind {
                            StepKind::Send { .. } => "send",
                            StepKind::Receive { .. } => "receive",
                            StepKind::Null { .. } => "null",
                            StepKind::Call(_) => "role change",
                        };
                        symbol(
                            one_line(view.source(step.span)),
                            what.into(),
                            SymbolKind::EVENT,
                            step.span,
                            step.span,
                            None,
                        )
                    })
                    .collect();
                let detail = match clause.head.name_arity() {
                    Some((name, arity)) => format!("role {name}/{arity}"),
                    None => "clause".into(),
                };
                symbol(
                    one_line(view.source(clause.head.span)),
                    detail,
                    SymbolKind::FUNCTION,
                    clause.span,
                    clause.head.span,
                    Some(steps),
                )
            }
            Item::RoleDecl(decl) => symbol(
                one_line(view.source(decl.span)),
                format!("role declaration ({})", decl.kind.name()),
                SymbolKind::ENUM_MEMBER,
                decl.span,
                decl.role.span,
                None,
            ),
            Item::ConstraintDecl(decl) => symbol(
                decl.name.clone(),
                format!("constraint/{}", decl.params.len()),
                SymbolKind::INTERFACE,
                decl.span,
                decl.name_span,
                None,
            ),
        })
        .collect()
}

/// Roles (by their clauses) and declared constraints of every known file whose
/// name contains `query` (ignoring case).
pub fn workspace_symbols(snapshot: &Snapshot, query: &str) -> Vec<WorkspaceSymbol> {
    let query = query.to_lowercase();
    let mut out = Vec::new();
    for view in snapshot.views() {
        let container = super::hover::file_name(view.doc.uri.as_str()).to_string();
        let mut push = |name: &str, kind, span| {
            if name.to_lowercase().contains(&query) {
                out.push(WorkspaceSymbol {
                    name: name.to_string(),
                    kind,
                    tags: None,
                    container_name: Some(container.clone()),
                    location: OneOf::Left(Location::new(view.doc.uri.clone(), view.range(span))),
                    data: None,
                });
            }
        };
        for item in &view.parsed().model.items {
            match item {
                Item::Clause(clause) => {
                    if let Some((name, _)) = clause.head.name_arity() {
                        push(name, SymbolKind::FUNCTION, clause.head.span);
                    }
                }
                Item::ConstraintDecl(decl) => push(&decl.name, SymbolKind::INTERFACE, decl.name_span),
                Item::RoleDecl(_) => {}
            }
        }
    }
    out
}

/// `text` on one line, shortened for an outline.
fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 80 {
        format!("{}...", flat.chars().take(77).collect::<String>())
    } else {
        flat
    }
}
