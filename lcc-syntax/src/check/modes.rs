//! Inputs that may be unbound (W0214): a `+` argument of a constraint, either side
//! of a comparison (`<`, `>`, `=<`, `>=`, `==`, `!=`), or the right side of `is`,
//! holding a variable that is not certainly bound when the constraint runs (see
//! [`binding`](crate::check::binding) for what binds a variable).

use crate::ast::{Clause, CmpOp, Cond, CondKind, Mode, Term};
use crate::check::binding::{Bound, Event, walk_clause};
use crate::diagnostic::{Diagnostic, codes};
use crate::signatures::Signatures;
use crate::span::Span;

/// Reports W0214.
pub fn check(clause: &Clause, signatures: &Signatures, out: &mut Vec<Diagnostic>) {
    walk_clause(clause, &mut |event, bound| {
        if let Event::Constraint(cond) = event {
            check_cond(cond, bound, signatures, out);
        }
    });
}

/// The unbound variables of `term` (first occurrence of each), in order.
fn unbound<'m>(term: &'m Term, bound: &Bound<'_>, seen: &mut Vec<&'m str>) -> Vec<(&'m str, Span)> {
    let mut out = Vec::new();
    term.visit_vars(&mut |name, span| {
        if !bound.contains(name) && !seen.contains(&name) {
            seen.push(name);
            out.push((name, span));
        }
    });
    out
}

const WHY: &str = "A variable is bound by the clause head, a receive (its message and the sender's Id), a send (the recipient's Id), a role call, or an earlier constraint; bindings made in only one branch of an `or`, in the other branch of a `par`, or under `not` do not count.";

fn check_cond(cond: &Cond, bound: &Bound<'_>, signatures: &Signatures, out: &mut Vec<Diagnostic>) {
    let mut seen = Vec::new();
    match &cond.kind {
        CondKind::Call(term) => {
            let Some((name, arity)) = term.name_arity() else {
                return;
            };
            let Some(sig) = signatures.get(name, arity) else {
                return;
            };
            let crate::ast::TermKind::Compound { args, .. } = &term.kind else {
                return;
            };
            for ((mode, param), arg) in sig.params.iter().zip(args) {
                if *mode != Mode::In {
                    continue;
                }
                for (var, span) in unbound(arg, bound, &mut seen) {
                    out.push(
                        Diagnostic::warning(
                            codes::UNBOUND_INPUT,
                            format!("`{var}` may be unbound when `{name}` is called"),
                            span,
                            format!("`{var}` is passed to the input `+{param}` of `{}`", sig.display()),
                        )
                        .with_note(format!("`+{param}` must be bound when `{name}` is called. {WHY}")),
                    );
                }
            }
        }
        CondKind::Compare { op, lhs, rhs } => {
            let sides: Vec<&Term> = match op {
                CmpOp::Lt | CmpOp::Gt | CmpOp::Le | CmpOp::Ge | CmpOp::Eq | CmpOp::NotEq => {
                    vec![lhs, rhs]
                }
                CmpOp::Is => vec![rhs],
                CmpOp::Unify | CmpOp::NotUnify => return,
            };
            let symbol = op.symbol();
            let (why, label) = if *op == CmpOp::Is {
                (
                    "`is` evaluates its right side, so every variable in it must be bound.",
                    "evaluated by `is`",
                )
            } else {
                (
                    "A comparison evaluates both sides, so every variable in them must be bound.",
                    "compared",
                )
            };
            for side in sides {
                for (var, span) in unbound(side, bound, &mut seen) {
                    out.push(
                        Diagnostic::warning(
                            codes::UNBOUND_INPUT,
                            format!("`{var}` may be unbound when `{symbol}` is evaluated"),
                            span,
                            format!("`{var}` is {label} here"),
                        )
                        .with_note(format!("{why} {WHY}")),
                    );
                }
            }
        }
        CondKind::And(..) | CondKind::Or(..) | CondKind::Not(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::check::tests::{check_text, codes_of};

    #[test]
    fn inputs_need_earlier_bindings() {
        let ds = check_text(
            "a(r(Cap), Id) :: ask(Need) <= a(r, Id) then ask(Cap) => a(r, Other) <- isMigrationPossible(Cap, Need) and migration(Other, Id)",
        );
        assert_eq!(codes_of(&ds), ["W0214"]);
        assert!(
            ds[0]
                .message
                .starts_with("`Other` may be unbound when `migration` is called")
        );
    }

    #[test]
    fn comparisons_and_is() {
        let ds =
            check_text("a(r, _) :: null <- X is Y + 1 and X > 2 and (Z = 1 or W = 2) and Z >= W and nth(I, [1], _)");
        assert_eq!(codes_of(&ds), ["W0205", "W0214", "W0214", "W0214", "W0205", "W0214"]);
        let vars: Vec<&str> = ds
            .iter()
            .filter(|d| d.code.0 == "W0214")
            .map(|d| &d.message[..3])
            .collect();
        assert_eq!(vars, ["`Y`", "`Z`", "`W`", "`I`"]);
    }
}
