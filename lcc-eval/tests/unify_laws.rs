//! Laws of the unifier, checked against a simple reference implementation
//! (Robinson's algorithm with an eagerly applied, idempotent substitution).

use std::collections::HashMap;

use lcc_eval::{Subst, Term, Var};
use proptest::prelude::*;

/// Reference terms: variables and `name(args...)` over a few names.
#[derive(Debug, Clone, PartialEq)]
enum Ref {
    V(u32),
    F(&'static str, Vec<Ref>),
}

fn to_term(r: &Ref) -> Term {
    match r {
        Ref::V(v) => Term::var(*v),
        Ref::F(name, args) => Term::app(name, args.iter().map(to_term).collect()),
    }
}

type RefSubst = HashMap<u32, Ref>;

fn apply(s: &RefSubst, r: &Ref) -> Ref {
    match r {
        Ref::V(v) => s.get(v).cloned().unwrap_or(r.clone()),
        Ref::F(n, args) => Ref::F(n, args.iter().map(|a| apply(s, a)).collect()),
    }
}

fn occurs(v: u32, r: &Ref) -> bool {
    match r {
        Ref::V(w) => *w == v,
        Ref::F(_, args) => args.iter().any(|a| occurs(v, a)),
    }
}

/// Robinson unification; the result is idempotent (applied eagerly).
fn reference_mgu(a: &Ref, b: &Ref) -> Option<RefSubst> {
    let mut s = RefSubst::new();
    let mut todo = vec![(a.clone(), b.clone())];
    while let Some((x, y)) = todo.pop() {
        let (x, y) = (apply(&s, &x), apply(&s, &y));
        match (x, y) {
            (Ref::V(v), Ref::V(w)) if v == w => {}
            (Ref::V(v), t) | (t, Ref::V(v)) => {
                if occurs(v, &t) {
                    return None;
                }
                let one: RefSubst = [(v, t.clone())].into();
                for value in s.values_mut() {
                    *value = apply(&one, value);
                }
                s.insert(v, t);
            }
            (Ref::F(f, xs), Ref::F(g, ys)) => {
                if f != g || xs.len() != ys.len() {
                    return None;
                }
                todo.extend(xs.into_iter().zip(ys));
            }
        }
    }
    Some(s)
}

fn arb_ref() -> impl Strategy<Value = Ref> {
    let leaf = prop_oneof![
        (0u32..4).prop_map(Ref::V),
        prop_oneof![Just("a"), Just("b")].prop_map(|n| Ref::F(n, vec![])),
    ];
    leaf.prop_recursive(3, 16, 3, |inner| {
        (prop_oneof![Just("f"), Just("g")], prop::collection::vec(inner, 1..3)).prop_map(|(n, args)| Ref::F(n, args))
    })
}

fn ours(a: &Term, b: &Term) -> Option<Subst> {
    let mut s = Subst::new();
    s.unify(a, b).then_some(s)
}

fn vars_of(ts: &[&Term]) -> Vec<Var> {
    let mut vs = Vec::new();
    for t in ts {
        t.visit_vars(&mut |v| vs.push(v));
    }
    vs
}

proptest! {
    #[test]
    fn symmetric(a in arb_ref(), b in arb_ref()) {
        let (ta, tb) = (to_term(&a), to_term(&b));
        let ab = ours(&ta, &tb);
        let ba = ours(&tb, &ta);
        prop_assert_eq!(ab.is_some(), ba.is_some());
        if let (Some(ab), Some(ba)) = (ab, ba) {
            // Both results make the same pairs of terms equal.
            for v in vars_of(&[&ta, &tb]) {
                for w in vars_of(&[&ta, &tb]) {
                    let (x, y) = (Term::Var(v), Term::Var(w));
                    prop_assert_eq!(ab.resolve(&x) == ab.resolve(&y), ba.resolve(&x) == ba.resolve(&y));
                }
            }
            prop_assert_eq!(ab.resolve(&ta) == ab.resolve(&tb), ba.resolve(&ta) == ba.resolve(&tb));
        }
    }

    #[test]
    fn result_makes_both_terms_identical(a in arb_ref(), b in arb_ref()) {
        let (ta, tb) = (to_term(&a), to_term(&b));
        if let Some(s) = ours(&ta, &tb) {
            prop_assert_eq!(s.resolve(&ta), s.resolve(&tb));
        }
    }

    #[test]
    fn fails_exactly_when_not_unifiable(a in arb_ref(), b in arb_ref()) {
        let (ta, tb) = (to_term(&a), to_term(&b));
        prop_assert_eq!(ours(&ta, &tb).is_some(), reference_mgu(&a, &b).is_some());
    }

    #[test]
    fn most_general(a in arb_ref(), b in arb_ref()) {
        // Any unifier the reference finds factors through ours: tau = ours ; tau on
        // the terms' variables (tau is idempotent, so tau itself is the factor).
        let (ta, tb) = (to_term(&a), to_term(&b));
        if let (Some(s), Some(tau)) = (ours(&ta, &tb), reference_mgu(&a, &b)) {
            for v in vars_of(&[&ta, &tb]) {
                let through_ours = apply(&tau, &from_term(&s.resolve(&Term::Var(v))));
                prop_assert_eq!(through_ours, apply(&tau, &Ref::V(v.0)));
            }
        }
    }

    #[test]
    fn same_variable_twice_is_consistent(a in arb_ref()) {
        let ta = to_term(&a);
        let s = ours(&ta, &ta).expect("a term unifies with itself");
        prop_assert!(s.is_empty());
    }
}

fn from_term(t: &Term) -> Ref {
    match t {
        Term::Var(v) => Ref::V(v.0),
        Term::Atom(a) => Ref::F(leak(a.name()), vec![]),
        Term::Compound(f, args) => Ref::F(leak(f.name()), args.iter().map(from_term).collect()),
        other => panic!("unexpected term {other}"),
    }
}

fn leak(name: &str) -> &'static str {
    match name {
        "a" => "a",
        "b" => "b",
        "f" => "f",
        "g" => "g",
        other => panic!("unexpected name {other}"),
    }
}
