//! Clauses that can never be entered (E0210).
//!
//! A role may have several clauses (Robertson's style: `a(loop([]), X) :: null` and
//! `a(loop([H | T]), X) :: ...`); entering the role takes the first clause, in
//! source order, whose head matches the role term and Id. A clause whose head is
//! matched by an earlier clause's head whenever it would match itself — the earlier
//! head is at least as general — can therefore never be entered.

use rustc_hash::FxHashMap;

use crate::ast::{Clause, Term, TermKind};
use crate::check::index::RoleIndex;
use crate::diagnostic::{Diagnostic, codes};

/// Reports E0210 at every clause whose head an earlier clause's head subsumes.
pub fn check(index: &RoleIndex<'_>, out: &mut Vec<Diagnostic>) {
    for &name in index.names() {
        let clauses = index.clauses(name);
        for (i, &(arity, clause)) in clauses.iter().enumerate() {
            let mut before = clauses[..i].iter().filter(|(a, _)| *a == arity).map(|(_, c)| c);
            let Some(general) = before.find(|e| subsumes_head(e, clause)) else {
                continue;
            };
            out.push(
                Diagnostic::error(
                    codes::DUPLICATE_CLAUSE,
                    format!("this clause for `{name}/{arity}` can never be entered"),
                    clause.head.span,
                    "every role this head matches is matched by an earlier clause",
                )
                .with_label(general.head.span, "this earlier clause is entered instead")
                .with_note("Entering a role takes the first clause, in source order, whose head matches; the earlier head is at least as general as this one.")
                .with_note("Put the more specific clause first, merge the two bodies with `or`, or give this role another name."),
            );
        }
    }
}

/// Whether every (role, Id) that `later`'s head matches is matched by `earlier`'s.
fn subsumes_head(earlier: &Clause, later: &Clause) -> bool {
    let mut bindings = FxHashMap::default();
    subsumes(&earlier.head.role, &later.head.role, &mut bindings)
        && subsumes(&earlier.head.id, &later.head.id, &mut bindings)
}

/// One-way matching: whether `general` becomes `specific` by binding the variables
/// of `general` (consistently); the variables of `specific` are treated as constants.
fn subsumes<'a>(general: &'a Term, specific: &'a Term, bindings: &mut FxHashMap<&'a str, &'a Term>) -> bool {
    match (&general.kind, &specific.kind) {
        (TermKind::Anon, _) => true,
        (TermKind::Var(v), _) => match bindings.get(v.as_str()) {
            Some(bound) => same_term(bound, specific),
            None => {
                bindings.insert(v, specific);
                true
            }
        },
        (TermKind::Compound { functor: f, args: a }, TermKind::Compound { functor: g, args: b }) => {
            f == g && a.len() == b.len() && a.iter().zip(b).all(|(x, y)| subsumes(x, y, bindings))
        }
        (TermKind::List { items: a, tail: ta }, TermKind::List { items: b, tail: tb }) => {
            if a.len() > b.len() || (a.len() < b.len() && ta.is_none()) {
                return false;
            }
            if !a.iter().zip(b).all(|(x, y)| subsumes(x, y, bindings)) {
                return false;
            }
            match (ta, tb) {
                (None, None) => true,
                (None, Some(_)) => false,
                // `[X | T]` against `[a, b | U]`: T takes the rest, `[b | U]`.
                (Some(t), _) if a.len() < b.len() => {
                    matches!(t.kind, TermKind::Anon | TermKind::Var(_)) && {
                        // A tail variable standing for a longer rest: accept when unbound
                        // (binding it to a synthesised list is not needed for a verdict).
                        match &t.kind {
                            TermKind::Var(v) => !bindings.contains_key(v.as_str()),
                            _ => true,
                        }
                    }
                }
                (Some(t), Some(u)) => subsumes(t, u, bindings),
                (Some(t), None) => subsumes(t, &EMPTY_LIST, bindings),
            }
        }
        (x, y) => !matches!(x, TermKind::Compound { .. } | TermKind::List { .. }) && literal_eq(x, y),
    }
}

static EMPTY_LIST: std::sync::LazyLock<Term> = std::sync::LazyLock::new(|| Term {
    kind: TermKind::List {
        items: crate::ast::ThinVec::new(),
        tail: None,
    },
    span: crate::span::Span {
        file: crate::span::FileId(0),
        start: 0,
        end: 0,
    },
});

/// Structural equality ignoring spans (variables compare by name).
fn same_term(a: &Term, b: &Term) -> bool {
    match (&a.kind, &b.kind) {
        (TermKind::Compound { functor: f, args: x }, TermKind::Compound { functor: g, args: y }) => {
            f == g && x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_term(p, q))
        }
        (TermKind::List { items: x, tail: s }, TermKind::List { items: y, tail: t }) => {
            x.len() == y.len()
                && x.iter().zip(y).all(|(p, q)| same_term(p, q))
                && match (s, t) {
                    (None, None) => true,
                    (Some(s), Some(t)) => same_term(s, t),
                    _ => false,
                }
        }
        (x, y) => literal_eq(x, y),
    }
}

fn literal_eq(a: &TermKind, b: &TermKind) -> bool {
    match (a, b) {
        (TermKind::Var(x), TermKind::Var(y))
        | (TermKind::Atom(x), TermKind::Atom(y))
        | (TermKind::Str(x), TermKind::Str(y)) => x == y,
        (TermKind::Int(x), TermKind::Int(y)) => x == y,
        (TermKind::Float(x), TermKind::Float(y)) => x.to_bits() == y.to_bits(),
        // `f()` and `f` are the same role.
        (TermKind::Atom(x), TermKind::Compound { functor, args })
        | (TermKind::Compound { functor, args }, TermKind::Atom(x)) => args.is_empty() && x == functor,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::check::tests::{check_text, codes_of};

    #[test]
    fn same_name_other_arity_is_a_different_role() {
        let ds = check_text("a(r, _) :: null\na(r(_A), _) :: null\na(r, _) :: null");
        assert_eq!(codes_of(&ds), ["E0210"]);
        assert!(ds[0].message.contains("`r/0`"));
    }

    #[test]
    fn clauses_told_apart_by_their_arguments_are_fine() {
        let text = "a(loop([]), _) :: null\na(loop([_H | T]), X) :: a(loop(T), X)\na(count(0), _) :: null\na(count(N), X) :: a(count(M), X) <- M is N - 1";
        assert_eq!(codes_of(&check_text(text)), Vec::<&str>::new());
    }

    #[test]
    fn a_clause_after_a_more_general_one_is_dead() {
        let ds = check_text("a(loop(_L), _) :: null\na(loop([]), _) :: null");
        assert_eq!(codes_of(&ds), ["E0210"]);
        let ds = check_text("a(pair(A, A), _) :: null\na(pair(x, y), _) :: null");
        assert_eq!(
            codes_of(&ds),
            Vec::<&str>::new(),
            "pair(A, A) does not match pair(x, y)"
        );
        let ds = check_text("a(r, me) :: null\na(r, _) :: null");
        assert_eq!(codes_of(&ds), Vec::<&str>::new(), "the Id is part of the head");
        let ds = check_text("a(l([_H | _T]), _) :: null\na(l([a, b]), _) :: null");
        assert_eq!(codes_of(&ds), ["E0210"]);
    }
}
