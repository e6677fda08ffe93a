//! The salsa database: file texts are inputs; line index, parse, signatures,
//! semantic index and diagnostics are tracked queries, memoised per file, so an
//! edit recomputes only the queries of the file it touches.

use std::sync::OnceLock;

use lcc_syntax::ast::{ConstraintDecl, Item, Model};
use lcc_syntax::signatures::Origin;
use lcc_syntax::{
    Diagnostic, FileId, LineIndex, Parsed, Signatures, check_clauses, check_model_wide, sort_diagnostics,
};

use crate::drop_later::DropLater;
use crate::index::FileIndex;
use crate::pieces::{parse_incrementally, pieces, piecewise_constraint_decls, piecewise_diagnostics};

/// One source text the server knows: an open document or a `.lcc` file of the workspace.
#[salsa::input(debug)]
pub struct SourceFile {
    /// The file's id in spans.
    #[returns(copy)]
    pub id: FileId,
    /// The current text.
    #[returns(ref)]
    pub text: String,
}

/// The database every query runs against. Clones share storage; a write through
/// one handle cancels the queries running on the others.
#[salsa::db]
#[derive(Clone, Default)]
pub struct Database {
    storage: salsa::Storage<Self>,
}

#[salsa::db]
impl salsa::Database for Database {}

/// The built-in and `lcc-vmm` constraint signatures, parsed once.
pub fn standard_signatures() -> &'static Signatures {
    static STANDARD: OnceLock<Signatures> = OnceLock::new();
    STANDARD.get_or_init(Signatures::standard)
}

/// Line starts of the file's text. (`no_eq`: a changed text has changed lines
/// almost always, and comparing costs as much as computing.)
#[salsa::tracked(returns(ref), no_eq)]
pub fn line_index(db: &dyn salsa::Database, file: SourceFile) -> LineIndex {
    LineIndex::new(file.text(db))
}

/// The file's syntax tree, comments and syntax diagnostics, parsed clause by
/// clause so that an edit reparses only the clause it touches. (`no_eq`: an edit
/// moves spans, so the tree is almost never equal to the previous one, and a deep
/// comparison of a large tree is not free; the previous tree is freed in the
/// background.)
#[salsa::tracked(returns(deref), no_eq)]
pub fn parsed(db: &dyn salsa::Database, file: SourceFile) -> DropLater<Parsed> {
    DropLater::new(parse_incrementally(db, file))
}

/// The file's own `constraint` declarations, read from its pieces. Recomputed on
/// every edit but compared, so an edit that leaves them equal keeps
/// [`signatures`], and with it every unchanged piece's clause diagnostics, as they
/// were.
#[salsa::tracked(returns(ref))]
pub fn constraint_decls(db: &dyn salsa::Database, file: SourceFile) -> Vec<ConstraintDecl> {
    match pieces(db, file) {
        Some(pieces) => piecewise_constraint_decls(db, file.id(db), pieces),
        None => parsed(db, file).model.constraint_decls().cloned().collect(),
    }
}

/// The signatures the file's constraint calls resolve against: the standard ones
/// plus the file's own `constraint` declarations (which win).
#[salsa::tracked(returns(ref))]
pub fn signatures(db: &dyn salsa::Database, file: SourceFile) -> Signatures {
    let own = Model {
        items: constraint_decls(db, file)
            .iter()
            .cloned()
            .map(|decl| Item::ConstraintDecl(Box::new(decl)))
            .collect(),
    };
    let mut sigs = standard_signatures().clone();
    sigs.add_model(&own, Origin::File(file.id(db)));
    sigs
}

/// The file's semantic index: roles, clauses, constraint calls, messages, variables.
#[salsa::tracked(returns(ref))]
pub fn file_index(db: &dyn salsa::Database, file: SourceFile) -> FileIndex {
    FileIndex::build(file.text(db), &parsed(db, file).model, signatures(db, file))
}

/// Every diagnostic of the file, syntax and semantic, in source order: what
/// `lcc_syntax::check_source` reports, computed on the file's pieces (with the
/// memoised parses and clause-local diagnostics of unchanged pieces, and without
/// joining them into one tree), or on the whole file when it does not split.
#[salsa::tracked(returns(ref))]
pub fn diagnostics(db: &dyn salsa::Database, file: SourceFile) -> Vec<Diagnostic> {
    let mut all = match pieces(db, file) {
        Some(pieces) => piecewise_diagnostics(db, file, pieces),
        None => {
            let parsed = parsed(db, file);
            let mut all = parsed.diagnostics.clone();
            all.extend(check_model_wide(&parsed.model));
            all.extend(check_clauses(parsed.model.clauses(), signatures(db, file)));
            all
        }
    };
    sort_diagnostics(&mut all);
    all
}

#[cfg(test)]
mod tests {
    use salsa::Setter;

    use super::*;

    #[test]
    fn diagnostics_match_check_source() {
        let db = Database::default();
        for text in [
            include_str!("../../stdlib/seeds/consolidation-published.lcc"),
            include_str!("../../stdlib/seeds/load-balancing-published.lcc"),
            include_str!("../../stdlib/vmm/consolidation.lcc"),
            "a(r, X) :: m(X) => a(s, Y",
        ] {
            let file = SourceFile::new(&db, FileId(3), text.to_string());
            let expected = lcc_syntax::check_source(FileId(3), text, standard_signatures());
            assert_eq!(diagnostics(&db, file), &expected.diagnostics);
        }
    }

    #[test]
    fn an_edit_to_one_file_leaves_the_other_memoised() {
        let mut db = Database::default();
        let a = SourceFile::new(&db, FileId(0), "a(r, X) :: null".into());
        let b = SourceFile::new(&db, FileId(1), "a(s, X) :: null".into());
        let before = file_index(&db, b) as *const FileIndex;
        file_index(&db, a);
        a.set_text(&mut db).to("a(r, X) :: null then null".into());
        assert_eq!(parsed(&db, a).model.clauses().count(), 1);
        assert!(std::ptr::eq(before, file_index(&db, b)));
    }
}
