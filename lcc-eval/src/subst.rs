//! Substitutions and unification.
//!
//! A [`Subst`] maps variables to terms persistently (the first 4 bindings
//! inline, then a small copy-on-write vector up to 16, then an `imbl` hash map): cloning it is O(1) and
//! clones share structure, so choice points (constraint solutions
//! tried in order) and model-checker states cost little. Unification is Prolog's
//! structure matching with the occurs check **on** by default
//! ([`Subst::set_occurs_check`] switches it off).

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use imbl::GenericHashMap;
use imbl::shared_ptr::DefaultSharedPtr;

use crate::term::{Term, Var};

/// A hasher for small integer keys such as variable numbers and atoms (one
/// multiply per integer written).
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

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
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

/// Up to this many bindings a substitution holds them inline (no allocation).
const INLINE: usize = 4;

/// Up to this many bindings a substitution is a small copy-on-write vector;
/// beyond, an `imbl` hash map.
const SMALL: usize = 16;

/// The first [`INLINE`] bindings, in the order they were made (the slots past
/// `len` hold a filler).
#[derive(Debug)]
struct Inline {
    len: u8,
    vars: [Var; INLINE],
    terms: [Term; INLINE],
}

/// The filler of an unused inline slot.
const FILLER: Term = Term::Int(0);

impl Default for Inline {
    fn default() -> Inline {
        Inline {
            len: 0,
            vars: [Var(0); INLINE],
            terms: [FILLER; INLINE],
        }
    }
}

impl Clone for Inline {
    /// Copies only the slots in use.
    fn clone(&self) -> Inline {
        let mut out = Inline::default();
        for (v, t) in self.iter() {
            out.push(v, t.clone());
        }
        out
    }
}

impl Inline {
    /// The bindings in use.
    fn iter(&self) -> impl Iterator<Item = (Var, &Term)> {
        let n = self.len as usize;
        self.vars[..n].iter().copied().zip(&self.terms[..n])
    }

    #[inline]
    fn get(&self, v: Var) -> Option<&Term> {
        let n = self.len as usize;
        let i = self.vars[..n].iter().position(|w| *w == v)?;
        Some(&self.terms[i])
    }

    /// Adds a binding; false (and nothing added) when full.
    #[inline(always)]
    fn push(&mut self, v: Var, t: Term) -> bool {
        let n = self.len as usize;
        if n == INLINE {
            return false;
        }
        self.vars[n] = v;
        self.terms[n] = t;
        self.len += 1;
        true
    }

    /// Takes the bindings out, leaving none.
    fn take_all(&mut self) -> Vec<(Var, Term)> {
        let n = self.len as usize;
        self.len = 0;
        (0..n)
            .map(|i| (self.vars[i], std::mem::replace(&mut self.terms[i], FILLER)))
            .collect()
    }

    /// Drops the bindings after the first `keep`.
    fn truncate(&mut self, keep: usize) {
        while self.len as usize > keep {
            self.len -= 1;
            self.terms[self.len as usize] = FILLER;
        }
    }
}

/// Where the bindings live: inline (the first [`INLINE`], copied on clone), a
/// small shared vector searched linearly (copied on write when shared, at most
/// [`SMALL`] entries), or a persistent `imbl` hash map (structure shared between
/// clones).
#[derive(Debug, Clone)]
enum Store {
    Inline(Inline),
    Small(Arc<Vec<(Var, Term)>>),
    Large(GenericHashMap<Var, Term, VarHasher, DefaultSharedPtr>),
}

impl Default for Store {
    fn default() -> Store {
        Store::Inline(Inline::default())
    }
}

impl Store {
    #[inline]
    fn get(&self, v: &Var) -> Option<&Term> {
        match self {
            Store::Inline(inline) => inline.get(*v),
            Store::Small(xs) => xs.iter().find(|(w, _)| w == v).map(|(_, t)| t),
            Store::Large(map) => map.get(v),
        }
    }

    fn contains_key(&self, v: &Var) -> bool {
        self.get(v).is_some()
    }

    fn insert(&mut self, v: Var, t: Term) {
        match self {
            Store::Inline(inline) => {
                if inline.len as usize == INLINE {
                    let mut xs = Vec::with_capacity(SMALL);
                    xs.extend(inline.take_all());
                    xs.push((v, t));
                    *self = Store::Small(Arc::new(xs));
                } else {
                    inline.push(v, t);
                }
            }
            Store::Small(xs) if xs.len() < SMALL => Arc::make_mut(xs).push((v, t)),
            Store::Small(xs) => {
                let mut map = GenericHashMap::with_hasher(VarHasher(0));
                for (w, u) in xs.iter() {
                    map.insert(*w, u.clone());
                }
                map.insert(v, t);
                *self = Store::Large(map);
            }
            Store::Large(map) => {
                map.insert(v, t);
            }
        }
    }

    /// Drops the bindings made after the first `keep` (the store only grew by
    /// appending since then, and is not a map).
    fn truncate(&mut self, keep: usize) {
        match self {
            Store::Inline(inline) => inline.truncate(keep),
            Store::Small(xs) => Arc::make_mut(xs).truncate(keep),
            Store::Large(_) => unreachable!("a map is undone binding by binding"),
        }
    }

    fn len(&self) -> usize {
        match self {
            Store::Inline(inline) => inline.len as usize,
            Store::Small(xs) => xs.len(),
            Store::Large(map) => map.len(),
        }
    }

    fn iter(&self) -> Box<dyn Iterator<Item = (Var, &Term)> + '_> {
        match self {
            Store::Inline(inline) => Box::new(inline.iter()),
            Store::Small(xs) => Box::new(xs.iter().map(|(v, t)| (*v, t))),
            Store::Large(map) => Box::new(map.iter().map(|(v, t)| (*v, t))),
        }
    }
}

/// What one unification bound, to undo it on failure.
struct Trail {
    /// The number of bindings before it started.
    before: usize,
    /// The variables it bound while the store was a map.
    vars: Vec<Var>,
}

/// A persistent substitution: variable bindings, shared cheaply between clones
/// (inline up to 4 bindings, a small copy-on-write vector up to 16, an `imbl`
/// map beyond).
#[derive(Debug, Clone)]
pub struct Subst {
    bindings: Store,
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
            bindings: Store::default(),
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
        self.bindings.len() == 0
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
    #[inline]
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
        if self.is_empty() {
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
                Term::Compound(*f, args.iter().map(|a| self.resolve_in(a, expanding)).collect())
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
        let mut trail = Trail {
            before: self.bindings.len(),
            vars: Vec::new(),
        };
        if self.unify_in(a, b, &mut trail) {
            return true;
        }
        match &mut self.bindings {
            // An inline or small store only grew by appending: cut it back.
            Store::Large(map) => {
                for v in trail.vars {
                    map.remove(&v);
                }
            }
            store => store.truncate(trail.before),
        }
        false
    }

    /// Unifies, recording in `trail` what it binds while the store is an `imbl`
    /// map (a small store is restored by truncation).
    fn unify_in(&mut self, a: &Term, b: &Term, trail: &mut Trail) -> bool {
        self.unify_args(std::slice::from_ref(a), std::slice::from_ref(b), trail)
    }

    /// Unifies `xs` and `ys` pairwise, left to right. The common cases (two
    /// constants, two compounds, a variable and a constant) are handled in this
    /// small loop; the rest by [`Subst::unify_general`].
    fn unify_args(&mut self, xs: &[Term], ys: &[Term], trail: &mut Trail) -> bool {
        for (x, y) in xs.iter().zip(ys) {
            let same = match (x, y) {
                (Term::Atom(p), Term::Atom(q)) => p == q,
                (Term::Int(p), Term::Int(q)) => p == q,
                (Term::Compound(f, xa), Term::Compound(g, ya)) => {
                    f == g && xa.len() == ya.len() && (Arc::ptr_eq(xa, ya) || self.unify_args(xa, ya, trail))
                }
                (Term::Var(v), c @ (Term::Atom(_) | Term::Int(_)))
                | (c @ (Term::Atom(_) | Term::Int(_)), Term::Var(v)) => self.unify_var_constant(*v, c, trail),
                _ => self.unify_general(x, y, trail),
            };
            if !same {
                return false;
            }
        }
        true
    }

    /// The cases [`Subst::unify_args`] leaves: variables against variables or
    /// compounds, floats, strings, and terms of different kinds.
    #[inline(never)]
    fn unify_general(&mut self, a: &Term, b: &Term, trail: &mut Trail) -> bool {
        if !matches!(a, Term::Var(_)) && !matches!(b, Term::Var(_)) {
            return match (a, b) {
                (Term::Compound(..), Term::Compound(..)) => self.unify_in(a, b, trail),
                (x, y) => x == y,
            };
        }
        let (a, b) = (self.walk(a), self.walk(b));
        match (a, b) {
            (Term::Var(x), Term::Var(y)) => {
                if x != y {
                    // Bind the younger variable to the older one.
                    let (young, old) = if x > y { (*x, b.clone()) } else { (*y, a.clone()) };
                    self.bind_traced(young, old, trail);
                }
                true
            }
            (Term::Var(x), t) | (t, Term::Var(x)) => {
                // `t` is walked: only a compound can contain `x`.
                if self.occurs_check && matches!(t, Term::Compound(..)) && self.occurs(*x, t) {
                    return false;
                }
                let (x, t) = (*x, t.clone());
                self.bind_traced(x, t, trail);
                true
            }
            (a, b) => {
                let (a, b) = (a.clone(), b.clone());
                self.unify_in(&a, &b, trail)
            }
        }
    }

    /// Unifies the variable `v` with the constant `c` (no occurs check needed).
    #[inline]
    fn unify_var_constant(&mut self, v: Var, c: &Term, trail: &mut Trail) -> bool {
        let mut at = v;
        loop {
            match self.bindings.get(&at) {
                None => {
                    self.bind_traced(at, c.clone(), trail);
                    return true;
                }
                Some(Term::Var(w)) => at = *w,
                Some(t) => return t == c,
            }
        }
    }

    #[inline]
    fn bind_traced(&mut self, v: Var, t: Term, trail: &mut Trail) {
        if let Store::Inline(inline) = &mut self.bindings
            && (inline.len as usize) < INLINE
        {
            inline.push(v, t);
            return;
        }
        self.bind_beyond_inline(v, t, trail);
    }

    /// [`Subst::bind_traced`] once the inline slots are full.
    #[inline(never)]
    fn bind_beyond_inline(&mut self, v: Var, t: Term, trail: &mut Trail) {
        if let Store::Small(xs) = &self.bindings
            && xs.len() == SMALL
        {
            // About to grow into a map: remember what this unification bound so far.
            trail
                .vars
                .extend(xs[trail.before.min(xs.len())..].iter().map(|(w, _)| *w));
        }
        self.bindings.insert(v, t);
        if let Store::Large(_) = self.bindings {
            trail.vars.push(v);
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
        self.bindings.iter()
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
        assert_eq!(s.resolve(&f(vec![x, y])), f(vec![Term::atom("a"), Term::atom("b")]));
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
    fn failure_undoes_bindings_across_the_switch_to_a_map() {
        let mut s = Subst::new();
        for i in 0..10 {
            assert!(s.unify(&Term::var(i), &Term::Int(i as i64)));
        }
        // Binds 20 more variables (growing into a map), then fails on the last argument.
        let xs: Vec<Term> = (100..120).map(Term::var).chain([Term::atom("a")]).collect();
        let ys: Vec<Term> = (0..20).map(|_| Term::atom("x")).chain([Term::atom("b")]).collect();
        assert!(!s.unify(&f(xs), &f(ys)));
        assert_eq!(s.len(), 10);
        assert_eq!(s.resolve(&Term::var(3)), Term::Int(3));
        assert_eq!(s.resolve(&Term::var(105)), Term::var(105));
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
