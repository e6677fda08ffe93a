//! Terms: the values LCC computes with.
//!
//! A [`Term`] is 24 bytes and cheap to clone: compound terms share their arguments
//! through an `Arc`. Lists are chains of `'.'(Head, Tail)` cells ending in the atom
//! `[]`, as in Prolog, so unification needs no special case for them; they print as
//! `[a, b | T]`. A compound with no arguments (`f()` in the source) is the atom `f`.

use std::sync::Arc;

use crate::atom::Atom;

/// A logic variable, numbered. In a peer's state the numbers are the peer's own
/// (0, 1, ... in order of appearance once the state is canonical); in a lowered
/// [`Model`](crate::Model) they are the slots of the enclosing clause instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Var(pub u32);

/// A float that is equal to itself and hashable: compared bit for bit (all NaNs
/// are one value, and `-0.0` is `0.0`).
#[derive(Debug, Clone, Copy)]
pub struct F64(pub f64);

impl F64 {
    fn key(self) -> u64 {
        if self.0.is_nan() {
            f64::NAN.to_bits()
        } else if self.0 == 0.0 {
            0
        } else {
            self.0.to_bits()
        }
    }
}

impl PartialEq for F64 {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for F64 {}

impl std::hash::Hash for F64 {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

/// A term.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Term {
    /// A variable.
    Var(Var),
    /// An atom, e.g. `idle`, `'Any text'`, `[]`.
    Atom(Atom),
    /// An integer.
    Int(i64),
    /// A float.
    Float(F64),
    /// A string.
    Str(Arc<str>),
    /// A compound `functor(args...)` with at least one argument.
    Compound(Atom, Arc<[Term]>),
}

impl Term {
    /// The atom named `name`.
    pub fn atom(name: &str) -> Term {
        Term::Atom(Atom::new(name))
    }

    /// The variable numbered `n`.
    pub fn var(n: u32) -> Term {
        Term::Var(Var(n))
    }

    /// A string term.
    pub fn string(text: &str) -> Term {
        Term::Str(Arc::from(text))
    }

    /// `functor(args...)`; with no arguments, the atom `functor`.
    pub fn compound(functor: Atom, args: Vec<Term>) -> Term {
        if args.is_empty() {
            Term::Atom(functor)
        } else {
            Term::Compound(functor, args.into())
        }
    }

    /// `functor(args...)` by name.
    pub fn app(functor: &str, args: Vec<Term>) -> Term {
        Term::compound(Atom::new(functor), args)
    }

    /// The empty list `[]`.
    pub fn nil() -> Term {
        Term::Atom(Atom::NIL)
    }

    /// The list cell `[head | tail]`.
    pub fn cons(head: Term, tail: Term) -> Term {
        Term::Compound(Atom::CONS, Arc::from([head, tail]))
    }

    /// The list of `items` ending in `tail` (`[]` for a proper list).
    pub fn list_with_tail(items: impl IntoIterator<Item = Term, IntoIter: DoubleEndedIterator>, tail: Term) -> Term {
        items.into_iter().rev().fold(tail, |acc, item| Term::cons(item, acc))
    }

    /// The proper list of `items`.
    pub fn list(items: impl IntoIterator<Item = Term, IntoIter: DoubleEndedIterator>) -> Term {
        Term::list_with_tail(items, Term::nil())
    }

    /// Name and arity, for atoms (arity 0) and compounds.
    pub fn name_arity(&self) -> Option<(Atom, usize)> {
        match self {
            Term::Atom(a) => Some((*a, 0)),
            Term::Compound(f, args) => Some((*f, args.len())),
            _ => None,
        }
    }

    /// The arguments of a compound (empty for anything else).
    pub fn args(&self) -> &[Term] {
        match self {
            Term::Compound(_, args) => args,
            _ => &[],
        }
    }

    /// The atom, if this term is one.
    pub fn as_atom(&self) -> Option<Atom> {
        match self {
            Term::Atom(a) => Some(*a),
            _ => None,
        }
    }

    /// The variable, if this term is one.
    pub fn as_var(&self) -> Option<Var> {
        match self {
            Term::Var(v) => Some(*v),
            _ => None,
        }
    }

    /// `(head, tail)` if this term is a list cell.
    pub fn as_cons(&self) -> Option<(&Term, &Term)> {
        match self {
            Term::Compound(f, args) if *f == Atom::CONS && args.len() == 2 => Some((&args[0], &args[1])),
            _ => None,
        }
    }

    /// The elements of a proper list; `None` if the term is not one (a partial
    /// list or another term). The term must already be resolved.
    pub fn list_items(&self) -> Option<Vec<Term>> {
        let mut items = Vec::new();
        let mut at = self;
        loop {
            if let Some((head, tail)) = at.as_cons() {
                items.push(head.clone());
                at = tail;
            } else if *at == Term::nil() {
                return Some(items);
            } else {
                return None;
            }
        }
    }

    /// Whether the term contains no variable.
    pub fn is_ground(&self) -> bool {
        match self {
            Term::Var(_) => false,
            Term::Compound(_, args) => args.iter().all(Term::is_ground),
            _ => true,
        }
    }

    /// The number of nodes (variables, constants and compounds) in the term.
    pub fn size(&self) -> usize {
        match self {
            Term::Compound(_, args) => 1 + args.iter().map(Term::size).sum::<usize>(),
            _ => 1,
        }
    }

    /// Calls `f` on every variable occurrence, left to right.
    pub fn visit_vars(&self, f: &mut impl FnMut(Var)) {
        match self {
            Term::Var(v) => f(*v),
            Term::Compound(_, args) => args.iter().for_each(|a| a.visit_vars(f)),
            _ => {}
        }
    }

    /// The term with every variable replaced by `f(variable)`.
    pub fn map_vars(&self, f: &mut impl FnMut(Var) -> Term) -> Term {
        match self {
            Term::Var(v) => f(*v),
            Term::Compound(functor, args) if !self.is_ground() => {
                Term::Compound(*functor, args.iter().map(|a| a.map_vars(f)).collect())
            }
            _ => self.clone(),
        }
    }

    /// The highest variable number in the term, plus one (0 for a ground term).
    pub fn var_bound(&self) -> u32 {
        let mut bound = 0;
        self.visit_vars(&mut |v| bound = bound.max(v.0 + 1));
        bound
    }
}

impl From<Atom> for Term {
    fn from(atom: Atom) -> Term {
        Term::Atom(atom)
    }
}

impl From<i64> for Term {
    fn from(n: i64) -> Term {
        Term::Int(n)
    }
}

impl From<&str> for Term {
    /// The atom named by the text (not a string term).
    fn from(name: &str) -> Term {
        Term::atom(name)
    }
}

/// Renumbers the variables of one term 0, 1, ... in order of first appearance
/// (a ground term is returned as it is, without allocating).
pub fn renumber_one(term: &Term) -> Term {
    if term.is_ground() {
        return term.clone();
    }
    let (mut out, _) = renumber(std::slice::from_ref(term));
    out.pop().expect("one term")
}

/// Renumbers the variables of `terms` (taken together) 0, 1, ... in order of first
/// appearance; returns the renumbered terms and the number of distinct variables.
pub fn renumber(terms: &[Term]) -> (Vec<Term>, u32) {
    // Few variables per call: a linear map beats hashing.
    let mut seen: Vec<Var> = Vec::new();
    let out = terms
        .iter()
        .map(|t| {
            if t.is_ground() {
                return t.clone();
            }
            t.map_vars(&mut |v| {
                let n = match seen.iter().position(|w| *w == v) {
                    Some(n) => n,
                    None => {
                        seen.push(v);
                        seen.len() - 1
                    }
                };
                Term::Var(Var(n as u32))
            })
        })
        .collect();
    (out, seen.len() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_cons_cells() {
        let l = Term::list([Term::Int(1), Term::Int(2)]);
        assert_eq!(l.list_items(), Some(vec![Term::Int(1), Term::Int(2)]));
        assert_eq!(Term::list_with_tail([Term::Int(1)], Term::var(0)).list_items(), None);
        assert_eq!(Term::app("f", vec![]), Term::atom("f"));
        assert!(std::mem::size_of::<Term>() <= 24);
    }

    #[test]
    fn renumbering_follows_first_appearance() {
        let t = Term::app("f", vec![Term::var(7), Term::var(3), Term::var(7)]);
        let (out, n) = renumber(&[t]);
        assert_eq!(n, 2);
        assert_eq!(out[0], Term::app("f", vec![Term::var(0), Term::var(1), Term::var(0)]));
    }
}
