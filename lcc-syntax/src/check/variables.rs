//! Singleton variables (W0205): a named variable that occurs once in its clause,
//! head included, as Prolog reports them. Names starting with `_` are silent.

use rustc_hash::FxHashMap;

use crate::ast::{Clause, StepKind};
use crate::check::suggest::closest;
use crate::diagnostic::{Diagnostic, TextEdit, codes};
use crate::span::Span;

/// Every named variable occurrence of `clause`, in source order.
pub fn occurrences(clause: &Clause) -> Vec<(&str, Span)> {
    let mut out = Vec::new();
    let mut push = |name, span| out.push((name, span));
    clause.head.role.visit_vars(&mut push);
    clause.head.id.visit_vars(&mut push);
    for step in clause.body.steps() {
        let mut terms = Vec::new();
        match &step.kind {
            StepKind::Send { message, to: r } | StepKind::Receive { message, from: r } => {
                terms.extend([message, &r.role, &r.id]);
            }
            StepKind::Call(r) => terms.extend([&r.role, &r.id]),
            StepKind::Null { .. } => {}
        }
        let guard = step.guard.as_ref().map(|g| &g.cond);
        // A prefix constraint `C <- M <= A` is written before the message.
        if let Some(cond) = guard.filter(|_| step.guard.as_ref().is_some_and(|g| g.prefix)) {
            cond.visit_vars(&mut push);
        }
        terms.iter().for_each(|t| t.visit_vars(&mut push));
        if let Some(cond) = guard.filter(|_| step.guard.as_ref().is_some_and(|g| !g.prefix)) {
            cond.visit_vars(&mut push);
        }
    }
    out
}

/// Reports W0205 for each singleton variable.
pub fn check(clause: &Clause, out: &mut Vec<Diagnostic>) {
    let vars = occurrences(clause);
    let mut counts: FxHashMap<&str, usize> = FxHashMap::default();
    for (name, _) in &vars {
        *counts.entry(name).or_default() += 1;
    }
    for &(name, span) in &vars {
        if counts[name] != 1 || name.starts_with('_') {
            continue;
        }
        let mut d = Diagnostic::warning(
            codes::SINGLETON_VARIABLE,
            format!("variable `{name}` occurs only once in this clause"),
            span,
            format!("`{name}` is not used anywhere else"),
        )
        .with_note(format!(
            "A variable that occurs once links nothing: whatever it is bound to is never used. If that is intended, name it `_{name}` (or `_`)."
        ));
        let others = counts
            .iter()
            .filter(|(n, c)| **c > 1 && !n.starts_with('_'))
            .map(|(n, _)| *n);
        let mut others: Vec<&str> = others.collect();
        others.sort_unstable();
        let typo = closest(name, others);
        if let Some(other) = typo {
            d = d.with_note(format!("Did you mean `{other}`?"));
        }
        d = d.with_fix(
            format!("rename it to `_{name}`"),
            vec![TextEdit {
                span,
                replacement: format!("_{name}"),
            }],
        );
        if let Some(other) = typo {
            d = d.with_fix(
                format!("replace it with `{other}`"),
                vec![TextEdit {
                    span,
                    replacement: other.to_string(),
                }],
            );
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::check::tests::{check_text, codes_of};

    #[test]
    fn head_counts_and_underscore_silences() {
        let ds = check_text("a(r(X, _Y), Id) :: null <- p(X) then a(r(Id, _), Id) then null <- p(Z)\nconstraint p(?A)");
        assert_eq!(codes_of(&ds), ["W0205"]);
        assert!(ds[0].message.contains("`Z`"));
        assert_eq!(ds[0].fixes[0].edits[0].replacement, "_Z");
    }

    #[test]
    fn suggests_a_similar_variable() {
        let ds = check_text(
            "a(r(Capacity), Id) :: null <- p(Capacity, Id) then null <- p(Capacty, Id)\nconstraint p(?A, ?B)",
        );
        assert_eq!(codes_of(&ds), ["W0205"]);
        assert_eq!(ds[0].fixes[1].title, "replace it with `Capacity`");
    }
}
