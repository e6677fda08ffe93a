//! Rename: roles across the workspace, variables within their clause, message
//! functors within the model, and constraints declared in the file within it.
//! Built-in and library constraints cannot be renamed.

use std::collections::HashMap;

use lcc_syntax::signatures::Origin;
use tower_lsp_server::ls_types::{Position, PrepareRenameResponse, TextEdit, Uri, WorkspaceEdit};

use crate::db::signatures;
use crate::features::navigation::occurrences;
use crate::index::{Occurrence, Symbol};
use crate::workspace::{Snapshot, View};

/// Why a rename is refused, in the user's terms.
pub type Refusal = String;

/// The range and current name of the renameable symbol at `position`.
pub fn prepare(snapshot: &Snapshot, view: &View<'_>, position: Position) -> Result<PrepareRenameResponse, Refusal> {
    let occurrence = renameable(snapshot, view, position)?;
    Ok(PrepareRenameResponse::RangeWithPlaceholder {
        range: view.range(occurrence.span),
        placeholder: view.source(occurrence.span).to_string(),
    })
}

/// The edits renaming the symbol at `position` to `new_name`.
pub fn rename(
    snapshot: &Snapshot,
    view: &View<'_>,
    position: Position,
    new_name: &str,
) -> Result<WorkspaceEdit, Refusal> {
    let occurrence = renameable(snapshot, view, position)?;
    let symbol = &occurrence.symbol;
    let valid = match symbol {
        Symbol::Variable { .. } => is_variable(new_name),
        _ => is_atom(new_name),
    };
    if !valid {
        return Err(match symbol {
            Symbol::Variable { .. } => format!(
                "`{new_name}` is not a variable name: it must start with an upper-case letter or `_` and continue with letters, digits or `_`"
            ),
            _ => format!(
                "`{new_name}` is not a valid name: it must start with a lower-case letter and continue with letters, digits or `_`"
            ),
        });
    }
    let clash = match symbol {
        Symbol::Role(_) => Symbol::Role(new_name.to_string()),
        Symbol::Constraint(_, arity) => Symbol::Constraint(new_name.to_string(), *arity),
        Symbol::Message(_, arity) => Symbol::Message(new_name.to_string(), *arity),
        Symbol::Variable { clause, .. } => Symbol::Variable {
            clause: *clause,
            name: new_name.to_string(),
        },
    };
    if &clash != symbol && !occurrences(snapshot, view, &clash).is_empty() {
        return Err(format!(
            "`{new_name}` is already used here; renaming would merge two different things"
        ));
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for (location, _, _) in occurrences(snapshot, view, symbol) {
        changes.entry(location.uri).or_default().push(TextEdit {
            range: location.range,
            new_text: new_name.to_string(),
        });
    }
    Ok(WorkspaceEdit {
        changes: Some(changes),
        document_changes: None,
        change_annotations: None,
    })
}

fn renameable<'v>(snapshot: &Snapshot, view: &'v View<'_>, position: Position) -> Result<&'v Occurrence, Refusal> {
    let occurrence = view
        .index()
        .occurrence_at(view.offset(position))
        .ok_or_else(|| "there is no role, constraint, message or variable here".to_string())?;
    if let Symbol::Constraint(name, arity) = &occurrence.symbol {
        let origin = signatures(&snapshot.db, view.doc.file)
            .get(name, *arity)
            .map(|s| s.origin.clone());
        if origin != Some(Origin::File(view.doc.file.id(&snapshot.db))) {
            return Err(format!(
                "`{name}/{arity}` is not declared in this file; only constraints declared here can be renamed"
            ));
        }
    }
    if view.source(occurrence.span).starts_with('\'') {
        return Err("quoted names cannot be renamed".into());
    }
    Ok(occurrence)
}

/// Whether `name` is an unquoted atom.
pub fn is_atom(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&name)
}

/// Whether `name` is a named variable.
pub fn is_variable(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name != "_"
}

/// LCC's reserved words.
pub const KEYWORDS: [&str; 9] = ["then", "or", "par", "and", "not", "null", "is", "mod", "constraint"];
