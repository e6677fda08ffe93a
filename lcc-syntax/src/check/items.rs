//! What the model-wide checks read: the items of a model in source order, held in
//! one [`Model`] or in consecutive pieces of one. The language server parses a file
//! clause by clause and keeps each piece's tree; it checks the pieces as one model
//! without joining them into a copy.

use crate::ast::{Clause, ConstraintDecl, Model, RoleDecl};

/// A model's items in source order: one [`Model`], or consecutive pieces of one
/// (`[&Model]`, read as the model whose items are theirs, in order).
pub trait Items {
    /// The clauses, in source order.
    fn clauses(&self) -> impl Iterator<Item = &Clause>;
    /// The role declarations `r(...)`, in source order.
    fn role_decls(&self) -> impl Iterator<Item = &RoleDecl>;
    /// The constraint signature declarations, in source order.
    fn constraint_decls(&self) -> impl Iterator<Item = &ConstraintDecl>;
}

impl Items for Model {
    fn clauses(&self) -> impl Iterator<Item = &Clause> {
        Model::clauses(self)
    }

    fn role_decls(&self) -> impl Iterator<Item = &RoleDecl> {
        Model::role_decls(self)
    }

    fn constraint_decls(&self) -> impl Iterator<Item = &ConstraintDecl> {
        Model::constraint_decls(self)
    }
}

impl Items for [&Model] {
    fn clauses(&self) -> impl Iterator<Item = &Clause> {
        self.iter().flat_map(|piece| piece.clauses())
    }

    fn role_decls(&self) -> impl Iterator<Item = &RoleDecl> {
        self.iter().flat_map(|piece| piece.role_decls())
    }

    fn constraint_decls(&self) -> impl Iterator<Item = &ConstraintDecl> {
        self.iter().flat_map(|piece| piece.constraint_decls())
    }
}

#[cfg(test)]
mod tests {
    use crate::ast::Model;
    use crate::check::{check_model_wide, check_pieces_wide};
    use crate::parse::parse;
    use crate::span::FileId;

    /// The model-wide checks find the same diagnostics, in the same order, in a
    /// model and in any cut of it into consecutive pieces.
    #[test]
    fn pieces_check_as_the_model_they_make_up() {
        let texts = [
            include_str!("../../../stdlib/seeds/consolidation-published.lcc"),
            include_str!("../../../stdlib/seeds/load-balancing-published.lcc"),
            include_str!("../../../stdlib/vmm/consolidation.lcc"),
            // Every model-wide check fires, with labels across pieces.
            "r(s, initial)\nr(s, optional)\nconstraint p(+X)\nconstraint p(-Y)\nr(q, initial)\n\
             a(c, _) :: ask(1, 2) => a(s, S) then reply(_) <= a(s, S) then a(zzz, S)\n\
             r(t(A), initial)\n\
             a(s, _) :: ask(X) <= a(c, C) then reply(X) => a(d, C) then a(c(1), C)\n\
             a(d, _) :: null or a(d, _)\na(d, _) :: null\na(t, X) :: a(d, X) or a(s, X)\n\
             a(server, _) :: ask(X) <= a(client, C) then reply(X) => a(cleint, C)",
        ];
        for text in texts {
            let model = parse(FileId(0), text).model;
            let whole = check_model_wide(&model);
            for size in [1, 2, 3] {
                let pieces: Vec<Model> = model
                    .items
                    .chunks(size)
                    .map(|items| Model { items: items.to_vec() })
                    .collect();
                let pieces: Vec<&Model> = pieces.iter().collect();
                assert_eq!(check_pieces_wide(&pieces), whole, "{text}");
            }
        }
        let hand_written = parse(FileId(0), texts[3]).model;
        let codes: std::collections::BTreeSet<&str> =
            check_model_wide(&hand_written).iter().map(|d| d.code.0).collect();
        let every_check = [
            "E0201", "W0202", "W0203", "W0204", "W0208", "W0209", "E0210", "W0211", "E0215",
        ];
        assert_eq!(codes, every_check.into_iter().collect());
    }
}
