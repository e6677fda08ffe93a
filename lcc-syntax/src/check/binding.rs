//! Which variables are bound where: a walk over a clause in execution order that
//! tracks the named variables certainly bound before each constraint and role call.
//!
//! What binds a variable:
//! - the clause head (role arguments and Id: the peer entered the clause with them);
//! - a receive: its message pattern and the sender's Id;
//! - a send: only the recipient's Id (the directory picks a peer);
//! - a constraint: every variable of a call or of `=`/`is` once it has run (out
//!   arguments are bound by the provider; inputs had to be bound already);
//! - a role call: its role arguments and Id once the callee returns.
//!
//! Constraints run left to right. A step's constraint runs before a send and a role
//! call, and after a receive. After `A or B` (in a definition or a constraint) a
//! variable is bound when it was bound on both branches; `not C` binds nothing.
//! The branches of `par` run interleaved, so neither sees the other's bindings;
//! after the `par` both have completed and every binding of either holds.

use rustc_hash::FxHashSet;

use crate::ast::{Clause, CmpOp, Cond, CondKind, Def, DefKind, RoleRef, Step, StepKind, Term};

/// The named variables certainly bound at some point of a clause.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bound<'m> {
    vars: FxHashSet<&'m str>,
}

impl<'m> Bound<'m> {
    /// Whether `name` is certainly bound.
    pub fn contains(&self, name: &str) -> bool {
        self.vars.contains(name)
    }

    /// Marks every named variable of `term` as bound.
    fn bind(&mut self, term: &'m Term) {
        term.visit_vars(&mut |name, _| {
            self.vars.insert(name);
        });
    }

    /// Marks every named variable of the atomic constraint `cond` as bound.
    fn bind_cond(&mut self, cond: &'m Cond) {
        cond.visit_vars(&mut |name, _| {
            self.vars.insert(name);
        });
    }

    /// The variables bound in both `self` and `other`.
    fn intersect(self, other: &Bound<'m>) -> Bound<'m> {
        Bound {
            vars: self.vars.intersection(&other.vars).copied().collect(),
        }
    }

    /// The variables bound in `self` or `other`.
    fn union(mut self, other: Bound<'m>) -> Bound<'m> {
        self.vars.extend(other.vars);
        self
    }
}

/// A point of interest in the walk, reported with the variables bound just before it.
#[derive(Debug, Clone, Copy)]
pub enum Event<'m> {
    /// An atomic constraint is about to run: a call or a comparison.
    Constraint(&'m Cond),
    /// A role call step is about to enter the role.
    Call(&'m RoleRef),
}

/// Walks `clause` in execution order, calling `visit` at every [`Event`] with the
/// variables certainly bound at that point.
pub fn walk_clause<'m>(clause: &'m Clause, visit: &mut impl FnMut(Event<'m>, &Bound<'m>)) {
    let mut bound = Bound::default();
    bound.bind(&clause.head.role);
    bound.bind(&clause.head.id);
    walk_def(&clause.body, bound, visit);
}

fn walk_def<'m>(mut def: &'m Def, mut bound: Bound<'m>, visit: &mut impl FnMut(Event<'m>, &Bound<'m>)) -> Bound<'m> {
    // `then` chains nest to the right: follow them with a loop, not recursion.
    while let DefKind::Then(first, rest) = &def.kind {
        bound = walk_def(first, bound, visit);
        def = rest;
    }
    match &def.kind {
        DefKind::Then(..) => unreachable!("handled by the loop above"),
        DefKind::Or(a, b) => {
            let left = walk_def(a, bound.clone(), visit);
            let right = walk_def(b, bound, visit);
            left.intersect(&right)
        }
        DefKind::Par(a, b) => {
            let left = walk_def(a, bound.clone(), visit);
            let right = walk_def(b, bound, visit);
            left.union(right)
        }
        DefKind::Step(step) => walk_step(step, bound, visit),
    }
}

fn walk_step<'m>(step: &'m Step, mut bound: Bound<'m>, visit: &mut impl FnMut(Event<'m>, &Bound<'m>)) -> Bound<'m> {
    let guard = step.guard.as_ref().map(|g| &g.cond);
    match &step.kind {
        StepKind::Send { to, .. } => {
            if let Some(cond) = guard {
                bound = walk_cond(cond, bound, visit);
            }
            bound.bind(&to.id);
        }
        StepKind::Receive { message, from } => {
            bound.bind(message);
            bound.bind(&from.id);
            if let Some(cond) = guard {
                bound = walk_cond(cond, bound, visit);
            }
        }
        StepKind::Null { .. } => {
            if let Some(cond) = guard {
                bound = walk_cond(cond, bound, visit);
            }
        }
        StepKind::Call(role) => {
            if let Some(cond) = guard {
                bound = walk_cond(cond, bound, visit);
            }
            visit(Event::Call(role), &bound);
            bound.bind(&role.role);
            bound.bind(&role.id);
        }
    }
    bound
}

fn walk_cond<'m>(cond: &'m Cond, bound: Bound<'m>, visit: &mut impl FnMut(Event<'m>, &Bound<'m>)) -> Bound<'m> {
    match &cond.kind {
        CondKind::And(a, b) => {
            let bound = walk_cond(a, bound, visit);
            walk_cond(b, bound, visit)
        }
        CondKind::Or(a, b) => {
            let left = walk_cond(a, bound.clone(), visit);
            let right = walk_cond(b, bound, visit);
            left.intersect(&right)
        }
        CondKind::Not(inner) => {
            walk_cond(inner, bound.clone(), visit);
            bound
        }
        CondKind::Compare {
            op: CmpOp::NotUnify, ..
        } => {
            visit(Event::Constraint(cond), &bound);
            bound
        }
        CondKind::Compare { .. } | CondKind::Call(_) => {
            visit(Event::Constraint(cond), &bound);
            let mut bound = bound;
            bound.bind_cond(cond);
            bound
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{Item, TermKind};
    use crate::check::show;
    use crate::parse;
    use crate::span::FileId;

    /// For each event of the first clause of `text`: the event, then `:` and the
    /// sorted names among `X Y Z W` that are bound before it.
    fn trace(text: &str) -> Vec<String> {
        let parsed = parse(FileId(0), text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let Some(Item::Clause(clause)) = parsed.model.items.first() else {
            panic!("no clause")
        };
        let mut out = Vec::new();
        walk_clause(clause, &mut |event, bound| {
            let what = match event {
                Event::Constraint(c) => show::cond(c),
                Event::Call(r) => show::role_ref(r),
            };
            let names: Vec<&str> = ["W", "X", "Y", "Z"].into_iter().filter(|v| bound.contains(v)).collect();
            out.push(format!("{what}: {}", names.join(" ")));
        });
        out
    }

    #[test]
    fn head_receive_and_constraints_bind_in_order() {
        assert_eq!(
            trace("a(r(X), Id) :: m(Y) <= a(s, Z) <- p(X, Y, Z, W) then null <- q(W)"),
            ["p(X, Y, Z, W): X Y Z", "q(W): W X Y Z"]
        );
    }

    #[test]
    fn send_binds_only_the_recipient_id_and_its_guard_runs_first() {
        assert_eq!(
            trace("a(r, Id) :: m(X) => a(s, Y) <- p(Y) then a(t(X), Y) <- q(X)"),
            ["p(Y): ", "q(X): Y", "a(t(X), Y): X Y"]
        );
    }

    #[test]
    fn or_keeps_what_both_branches_bind() {
        assert_eq!(
            trace("a(r, Id) :: (m(X, Y) <= a(s, Z) or n(X) <= a(s, Z)) then null <- (p(X, Y, Z) or q(Y))"),
            ["p(X, Y, Z): X Z", "q(Y): X Z"]
        );
        assert_eq!(
            trace("a(r, Id) :: null <- (X = 1 or Y = 2) and p(X, Y)"),
            ["X = 1: ", "Y = 2: ", "p(X, Y): "]
        );
    }

    #[test]
    fn not_binds_nothing_and_par_branches_are_independent() {
        assert_eq!(trace("a(r, Id) :: null <- not X = 1 and p(X)"), ["X = 1: ", "p(X): "]);
        assert_eq!(
            trace("a(r, Id) :: (m(X) <= a(s, Id) par null <- p(X)) then null <- q(X)"),
            ["p(X): ", "q(X): X"]
        );
    }

    #[test]
    fn comparisons_see_what_is_bound_left_of_them() {
        assert_eq!(
            trace("a(r, Id) :: null <- X is 1 + 2 and Y > X and not Z \\= Y and q(Z)"),
            ["X is 1 + 2: ", "Y > X: X", "Z \\= Y: X Y", "q(Z): X Y"]
        );
    }

    #[test]
    fn long_then_chains() {
        let steps = vec!["null"; 100].join(" then ");
        let text = format!("a(r, Id) :: {steps} then a(r, X)");
        let parsed = parse(FileId(0), &text);
        let Some(Item::Clause(clause)) = parsed.model.items.first() else {
            panic!("no clause")
        };
        let mut calls = 0;
        walk_clause(clause, &mut |event, bound| {
            if let Event::Call(r) = event {
                calls += 1;
                assert!(matches!(r.id.kind, TermKind::Var(_)));
                assert!(!bound.contains("X"));
            }
        });
        assert_eq!(calls, 1);
    }
}
