//! Hover: a role's clause heads and declarations, a constraint's signature, modes,
//! documentation and origin, a message's uses, a variable's binding.

use lcc_syntax::ast::Mode;
use lcc_syntax::signatures::{Origin, Signature};
use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use crate::db::signatures;
use crate::index::{Occurrence, Symbol};
use crate::workspace::{Snapshot, View};

/// The hover for the name at `position` in `view`'s document.
pub fn hover(snapshot: &Snapshot, view: &View<'_>, position: Position) -> Option<Hover> {
    let occurrence = view.index().occurrence_at(view.offset(position))?;
    let text = match &occurrence.symbol {
        Symbol::Role(name) => role(snapshot, view, name),
        Symbol::Constraint(name, arity) => constraint(snapshot, view, name, *arity),
        Symbol::Message(name, arity) => message(view, occurrence, name, *arity),
        Symbol::Variable { clause, name } => variable(view, *clause, name)?,
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(view.range(occurrence.span)),
    })
}

fn role(snapshot: &Snapshot, view: &View<'_>, name: &str) -> String {
    let mut heads = Vec::new();
    let mut decls = Vec::new();
    for other in snapshot.views() {
        let place = |span: lcc_syntax::Span| {
            let line = other.range(span).start.line + 1;
            if other.doc.uri == view.doc.uri {
                format!("line {line}")
            } else {
                format!("{}:{line}", file_name(other.doc.uri.as_str()))
            }
        };
        for clause in &other.index().clauses {
            if clause.role.as_ref().is_some_and(|(n, _)| n == name) {
                heads.push(format!("{} ::  // {}", other.source(clause.head), place(clause.head)));
            }
        }
        for decl in other.index().role_decls.iter().filter(|d| d.name == name) {
            decls.push(format!("{}  // {}", other.source(decl.span), place(decl.span)));
        }
    }
    let mut out = format!("**role** `{name}`\n\n");
    if heads.is_empty() {
        out.push_str("No clause defines this role.\n");
    } else {
        out.push_str(&format!("```lcc\n{}\n```\n", heads.join("\n")));
    }
    if !decls.is_empty() {
        out.push_str(&format!("\nDeclared:\n```lcc\n{}\n```\n", decls.join("\n")));
    }
    out
}

fn constraint(snapshot: &Snapshot, view: &View<'_>, name: &str, arity: usize) -> String {
    let sigs = signatures(&snapshot.db, view.doc.file);
    let Some(signature) = sigs.get(name, arity) else {
        let arities = sigs.arities(name);
        let known = if arities.is_empty() {
            "No signature declares it.".to_string()
        } else {
            let list: Vec<String> = arities.iter().map(|a| format!("`{name}/{a}`")).collect();
            format!("Declared with another arity: {}.", list.join(", "))
        };
        return format!("**constraint** `{name}/{arity}` (unknown)\n\n{known}");
    };
    describe_signature(snapshot, signature)
}

/// The hover text of a signature (also the documentation of its completion item).
pub fn describe_signature(snapshot: &Snapshot, signature: &Signature) -> String {
    let mut out = format!("```lcc\nconstraint {}\n```\n", signature.display());
    if let Some(doc) = &signature.doc {
        out.push_str(&format!("\n{doc}\n"));
    }
    if !signature.params.is_empty() {
        out.push('\n');
        for (mode, name) in &signature.params {
            let meaning = match mode {
                Mode::In => "must be bound when called",
                Mode::Out => "bound by the constraint",
                Mode::Any => "bound or unbound",
            };
            out.push_str(&format!("- `{}{name}`: {meaning}\n", mode.sign()));
        }
    }
    let origin = match &signature.origin {
        Origin::Builtin => "built-in (`stdlib/builtins.lcc`)".to_string(),
        Origin::Library(name) if name == "vmm" => "provided by `lcc-vmm` (`stdlib/vmm/constraints.lcc`)".to_string(),
        Origin::Library(name) => format!("from the signature library `{name}`"),
        Origin::File(id) => match snapshot.document_by_id(*id) {
            Some(doc) => format!("declared in `{}`", file_name(doc.uri.as_str())),
            None => "declared in this file".to_string(),
        },
    };
    out.push_str(&format!("\n*Origin:* {origin}"));
    out
}

fn message(view: &View<'_>, occurrence: &Occurrence, name: &str, arity: usize) -> String {
    let uses = view.index().occurrences_of(&occurrence.symbol).count();
    format!(
        "**message** `{name}/{arity}`\n\nUsed {uses} time{} in this model.",
        if uses == 1 { "" } else { "s" }
    )
}

fn variable(view: &View<'_>, clause: usize, name: &str) -> Option<String> {
    let info = view
        .index()
        .clauses
        .get(clause)?
        .variables
        .iter()
        .find(|v| v.name == name)?;
    let at = |span: lcc_syntax::Span| view.range(span).start.line + 1;
    Some(match &info.bound {
        Some(bound) => format!(
            "**variable** `{name}`\n\nBound on line {}: {}.",
            at(bound.span),
            bound.how
        ),
        None => format!(
            "**variable** `{name}`\n\nNothing binds it in this clause; first used on line {}: {}.",
            at(info.first.span),
            info.first.how
        ),
    })
}

/// The last path segment of a URI.
pub fn file_name(uri: &str) -> &str {
    uri.rsplit('/').next().unwrap_or(uri)
}
