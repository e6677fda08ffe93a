//! Substitutions and unification.
//!
//! A [`Subst`] maps variables to terms in a persistent hash map (`imbl`): cloning
//! it is O(1) and clones share structure, so choice points (constraint solutions
//! tried in order) and model-checker states cost little. Unification is Prolog's
//! structure matching with the occurs check **on** by default
//! ([`Subst::set_occurs_check`] switches it off).

use std::hash::{BuildHasher, Hasher};

use imbl::GenericHashMap;
use imbl::shared_ptr::DefaultSharedPtr;

use crate::term::{Term, Var};

/// A hasher for variable numbers (one multiply; the keys are small integers).
#[derive(Debug, Clone, Copy, Default)]
pub struct VarHasher(u64);

impl Hasher for VarHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl BuildHasher for VarHasher {
    type Hasher = VarHasher;

    fn build_hasher(&self) -> VarHasher {
        VarHasher(0)
    }
}

/// A persistent substitution: variable bindings, shared cheaply between clones.
#[derive(Debug, Clone)]
pub struct Subst {
    bindings: GenericHashMap<Var, Term, VarHasher, DefaultSharedPtr>,
    occurs_check: bool,
}

impl Default for Subst {
    fn default() -> Subst {
        Subst::new()
    }
}

impl Subst {
    /// The empty substitution, occurs check on.
    pub fn new() -> Subst {
        Subst {
            bindings: GenericHashMap::with_hasher(VarHasher(0)),
            occurs_check: true,
        }
    }

    /// Switches the occurs check on (the default) or off. Without it, unifying `X`
    /// with `f(X)` succeeds and builds a cyclic binding; [`Subst::resolve`] then
    /// leaves the innermost occurrence of the cycle's variable unexpanded.
    pub fn set_occurs_check(&mut self, on: bool) {
        self.occurs_check = on;
    }

    /// Whether the occurs check is on.
    pub fn occurs_check(&self) -> bool {
        self.occurs_check
    }

    /// The number of bound variables.
    pub fn len(&self) -> usize {
        self.bindings.len()
    }

    /// Whether no variable is bound.
    pub fn is_empty(&self) -> bool {
        self.bindings.is_empty()
    }

    /// The term `v` is bound to directly, if any.
    pub fn get(&self, v: Var) -> Option<&Term> {
        self.bindings.get(&v)
    }

    /// Binds `v` to `t` without any check (the caller knows `v` is unbound).
    pub fn bind(&mut self, v: Var, t: Term) {
        self.bindings.insert(v, t);
    }

    /// Follows variable bindings at the top of `t` until an unbound variable or a
    /// non-variable term.
    pub fn walk<'a>(&'a self, mut t: &'a Term) -> &'a Term {
        while let Term::Var(v) = t {
            match self.bindings.get(v) {
                Some(next) => t = next,
                None => break,
            }
        }
        t
    }

    /// `t` with the substitution applied everywhere (a term without bound variables).
    pub fn resolve(&self, t: &Term) -> Term {
        if self.bindings.is_empty() {
            return t.clone();
        }
        let mut expanding = Vec::new();
        self.resolve_in(t, &mut expanding)
    }

    fn resolve_in(&self, t: &Term, expanding: &mut Vec<Var>) -> Term {
        match t {
            Term::Var(v) => match self.bindings.get(v) {
                Some(bound) if self.occurs_check => self.resolve_in(bound, expanding),
                Some(bound) if !expanding.contains(v) => {
                    expanding.push(*v);
                    let out = self.resolve_in(bound, expanding);
                    expanding.pop();
                    out
                }
                _ => t.clone(),
            },
            Term::Compound(f, args) => {
                if args.iter().all(|a| self.is_resolved(a)) {
                    return t.clone();
                }
                Term::Compound(
                    *f,
                    args.iter().map(|a| self.resolve_in(a, expanding)).collect(),
                )
            }
            _ => t.clone(),
        }
    }

    /// Whether applying the substitution leaves `t` unchanged.
    fn is_resolved(&self, t: &Term) -> bool {
        match t {
            Term::Var(v) => !self.bindings.contains_key(v),
            Term::Compound(_, args) => args.iter().all(|a| self.is_resolved(a)),
            _ => true,
        }
    }

    /// Unifies `a` and `b`, extending the substitution. Returns whether they unify;
    /// on failure the substitution is left as it was.
    pub fn unify(&mut self, a: &Term, b: &Term) -> bool {
        let mut trail = Vec::new();
        if self.unify_in(a, b, &mut trail) {
            true
        } else {
            for v in trail {
                self.bindings.remove(&v);
            }
            false
        }
    }

    fn unify_in(&mut self, a: &Term, b: &Term, trail: &mut Vec<Var>) -> bool {
        let (wa, wb);
        let a = match a {
            Term::Var(_) if self.bindings.contains_key(&a.as_var().expect("var")) => {
                wa = self.walk(a).clone();
                &wa
            }
            _ => a,
        };
        let b = match b {
            Term::Var(_) if self.bindings.contains_key(&b.as_var().expect("var")) => {
                wb = self.walk(b).clone();
                &wb
            }
            _ => b,
        };
        match (a, b) {
            (Term::Var(x), Term::Var(y)) => {
                if x != y {
                    // Bind the younger variable to the older one.
                    let (young, old) = if x > y { (*x, b) } else { (*y, a) };
                    self.bindings.insert(young, old.clone());
                    trail.push(young);
                }
                true
            }
            (Term::Var(x), t) | (t, Term::Var(x)) => {
                if self.occurs_check && self.occurs(*x, t) {
                    return false;
                }
                self.bindings.insert(*x, t.clone());
                trail.push(*x);
                true
            }
            (Term::Compound(f, xs), Term::Compound(g, ys)) => {
                if f != g || xs.len() != ys.len() {
                    return false;
                }
                if std::sync::Arc::ptr_eq(xs, ys) {
                    return true;
                }
                xs.iter()
                    .zip(ys.iter())
                    .all(|(x, y)| self.unify_in(x, y, trail))
            }
            (x, y) => x == y,
        }
    }

    /// Whether `v` occurs in `t` under this substitution.
    pub fn occurs(&self, v: Var, t: &Term) -> bool {
        match self.walk(t) {
            Term::Var(w) => *w == v,
            Term::Compound(_, args) => args.iter().any(|a| self.occurs(v, a)),
            _ => false,
        }
    }

    /// The bindings, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (Var, &Term)> {
        self.bindings.iter().map(|(v, t)| (*v, t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(args: Vec<Term>) -> Term {
        Term::app("f", args)
    }

    #[test]
    fn unifies_and_resolves() {
        let mut s = Subst::new();
        let (x, y) = (Term::var(0), Term::var(1));
        assert!(s.unify(
            &f(vec![x.clone(), Term::atom("b")]),
            &f(vec![Term::atom("a"), y.clone()])
        ));
        assert_eq!(
            s.resolve(&f(vec![x, y])),
            f(vec![Term::atom("a"), Term::atom("b")])
        );
    }

    #[test]
    fn occurs_check_is_on_by_default_and_switchable() {
        let x = Term::var(0);
        let mut s = Subst::new();
        assert!(!s.unify(&x, &f(vec![x.clone()])));
        assert!(s.is_empty());
        s.set_occurs_check(false);
        assert!(s.unify(&x, &f(vec![x.clone()])));
        assert_eq!(s.resolve(&x), f(vec![x.clone()]));
    }

    #[test]
    fn failure_leaves_the_substitution_unchanged() {
        let mut s = Subst::new();
        let (x, y) = (Term::var(0), Term::var(1));
        assert!(!s.unify(
            &f(vec![x.clone(), Term::atom("b")]),
            &f(vec![Term::atom("a"), Term::atom("c")])
        ));
        assert!(s.is_empty());
        assert!(s.unify(&x, &y));
        assert_eq!(s.resolve(&y), x);
    }
}
