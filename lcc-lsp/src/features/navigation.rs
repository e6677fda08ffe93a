//! Go to definition and find references. Roles and constraints are looked up
//! across the workspace; message functors within the model (file); variables within
//! their clause.

use tower_lsp_server::ls_types::{Location, Position};

use crate::db::signatures;
use crate::index::{OccurrenceKind, Symbol};
use crate::workspace::{Snapshot, View};

/// Where the symbol at `position` is defined: a role's clause heads (its
/// declarations if no clause defines it), a constraint's declaration (in the file,
/// or in the workspace's standard library file), a variable's binding.
pub fn definition(snapshot: &Snapshot, view: &View<'_>, position: Position) -> Vec<Location> {
    let Some(occurrence) = view.index().occurrence_at(view.offset(position)) else {
        return Vec::new();
    };
    match &occurrence.symbol {
        Symbol::Role(_) => {
            let all = occurrences(snapshot, view, &occurrence.symbol);
            let heads: Vec<&(Location, OccurrenceKind, usize)> =
                all.iter().filter(|o| o.1 == OccurrenceKind::Definition).collect();
            let same_arity: Vec<Location> = heads
                .iter()
                .filter(|o| o.2 == occurrence.arity)
                .map(|o| o.0.clone())
                .collect();
            if !same_arity.is_empty() {
                return same_arity;
            }
            if !heads.is_empty() {
                return heads.iter().map(|o| o.0.clone()).collect();
            }
            all.into_iter()
                .filter(|o| o.1 == OccurrenceKind::Declaration)
                .map(|o| o.0)
                .collect()
        }
        Symbol::Constraint(name, arity) => {
            let sigs = signatures(&snapshot.db, view.doc.file);
            let Some(signature) = sigs.get(name, *arity) else {
                return Vec::new();
            };
            let Some(doc) = snapshot.declaring_document(&signature.origin) else {
                return Vec::new();
            };
            let target = snapshot.view(doc);
            target
                .index()
                .occurrences_of(&occurrence.symbol)
                .filter(|o| o.kind == OccurrenceKind::Declaration)
                .map(|o| target.location(o.span))
                .collect()
        }
        Symbol::Message(..) => Vec::new(),
        Symbol::Variable { clause, name } => view
            .index()
            .clauses
            .get(*clause)
            .and_then(|c| c.variables.iter().find(|v| &v.name == name))
            .map(|v| {
                let at = v.bound.as_ref().unwrap_or(&v.first);
                vec![view.location(at.span)]
            })
            .unwrap_or_default(),
    }
}

/// Every occurrence of the symbol at `position`; declarations and clause heads
/// only when `include_declaration`.
pub fn references(
    snapshot: &Snapshot,
    view: &View<'_>,
    position: Position,
    include_declaration: bool,
) -> Vec<Location> {
    let Some(occurrence) = view.index().occurrence_at(view.offset(position)) else {
        return Vec::new();
    };
    occurrences(snapshot, view, &occurrence.symbol)
        .into_iter()
        .filter(|o| include_declaration || o.1 == OccurrenceKind::Reference)
        .map(|o| o.0)
        .collect()
}

/// Every occurrence of `symbol` (seen from `view`'s document) in its scope, with
/// its kind and arity.
pub fn occurrences(snapshot: &Snapshot, view: &View<'_>, symbol: &Symbol) -> Vec<(Location, OccurrenceKind, usize)> {
    let in_view = |v: &View<'_>| -> Vec<(Location, OccurrenceKind, usize)> {
        v.index()
            .occurrences_of(symbol)
            .map(|o| (v.location(o.span), o.kind, o.arity))
            .collect()
    };
    match symbol {
        Symbol::Role(_) => snapshot.views().flat_map(|v| in_view(&v)).collect(),
        // The same constraint: calls resolving to the same signature, and its
        // declaration (in the file, or in the workspace's standard library file).
        Symbol::Constraint(name, arity) => {
            let origin_in = |file| {
                signatures(&snapshot.db, file)
                    .get(name, *arity)
                    .map(|s| s.origin.clone())
            };
            let origin = origin_in(view.doc.file);
            let declaring = origin
                .as_ref()
                .and_then(|o| snapshot.declaring_document(o))
                .map(|d| d.file);
            snapshot
                .views()
                .filter(|v| Some(v.doc.file) == declaring || origin_in(v.doc.file) == origin)
                .flat_map(|v| in_view(&v))
                .collect()
        }
        Symbol::Message(..) | Symbol::Variable { .. } => in_view(view),
    }
}
