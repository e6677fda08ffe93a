//! Constraint calls against signatures: unknown constraints (E0212) and calls with
//! a number of arguments no signature declares (E0213). Comparisons, `=`, `is`,
//! `and`, `or` and `not` are part of the language and need no signature.

use crate::ast::{Clause, Cond, CondKind, Term};
use crate::check::declarations::param_name;
use crate::check::roles::{arguments, name_span};
use crate::check::suggest::closest;
use crate::diagnostic::{Diagnostic, TextEdit, codes};
use crate::signatures::Signatures;
use crate::span::Span;

/// Calls `f` on every constraint call (`p`, `p()`, `p(X, Y)`) of `cond`, in order.
pub fn visit_calls<'m>(cond: &'m Cond, f: &mut impl FnMut(&'m Term)) {
    match &cond.kind {
        CondKind::And(a, b) | CondKind::Or(a, b) => {
            visit_calls(a, f);
            visit_calls(b, f);
        }
        CondKind::Not(c) => visit_calls(c, f),
        CondKind::Call(t) => f(t),
        CondKind::Compare { .. } => {}
    }
}

/// Reports E0212 and E0213.
pub fn check(clause: &Clause, signatures: &Signatures, out: &mut Vec<Diagnostic>) {
    for step in clause.body.steps() {
        let Some(guard) = &step.guard else { continue };
        visit_calls(&guard.cond, &mut |term| {
            let Some((name, arity)) = term.name_arity() else {
                return;
            };
            if signatures.get(name, arity).is_some() {
                return;
            }
            let declared = signatures.arities(name);
            out.push(if declared.is_empty() {
                let mut names: Vec<&str> = signatures.iter().map(|s| s.name.as_str()).collect();
                names.dedup();
                unknown(term, name, arity, &names)
            } else {
                wrong_arity(term, name, arity, signatures)
            });
        });
    }
}

fn unknown(term: &Term, name: &str, arity: usize, names: &[&str]) -> Diagnostic {
    let mut d = Diagnostic::error(
        codes::UNKNOWN_CONSTRAINT,
        format!("unknown constraint `{name}/{arity}`"),
        term.span,
        format!("no signature declares `{name}`"),
    )
    .with_note("Constraints are the built-ins, those of `lcc-vmm`, and those declared with `constraint name(+In, -Out) \"doc\"` in the file or in a `--signatures` file.");
    let suggestion = closest(name, names.iter().copied());
    if let Some(s) = suggestion {
        d = d.with_note(format!("Did you mean `{s}`?"));
        if let Some(span) = name_span(term, name) {
            d = d.with_fix(
                format!("replace `{name}` with `{s}`"),
                vec![TextEdit {
                    span,
                    replacement: s.to_string(),
                }],
            );
        }
    }
    let params: Vec<String> = (0..arity).map(|i| format!("?{}", param_name(i))).collect();
    let declaration = format!(
        "constraint {}({}) \"…\"",
        crate::check::show::atom(name),
        params.join(", ")
    );
    d.with_fix(
        "declare it at the top of the file",
        vec![TextEdit {
            span: Span::new(term.span.file, 0, 0),
            replacement: format!("{declaration}\n"),
        }],
    )
}

fn wrong_arity(term: &Term, name: &str, arity: usize, signatures: &Signatures) -> Diagnostic {
    let found: Vec<_> = signatures.iter().filter(|s| s.name == name).collect();
    let takes: Vec<String> = found.iter().map(|s| arguments(s.arity())).collect();
    let mut d = Diagnostic::error(
        codes::CONSTRAINT_ARITY,
        format!(
            "`{name}` takes {}, but is called with {}",
            takes.join(" or "),
            arguments(arity)
        ),
        term.span,
        format!("called with {}", arguments(arity)),
    );
    for s in found {
        let doc = s.doc.as_deref().map(|d| format!(": {d}")).unwrap_or_default();
        d = d.with_note(format!("`{}`{doc}", s.display()));
    }
    d
}

#[cfg(test)]
mod tests {
    use crate::check::tests::{check_text, codes_of};

    #[test]
    fn unknown_and_wrong_arity() {
        let ds = check_text("a(r, X) :: null <- isOverLoadd() and sleep(X, 1) and (nosuch or not true)");
        assert_eq!(codes_of(&ds), ["E0212", "E0213", "E0212"]);
        assert_eq!(ds[0].fixes[0].title, "replace `isOverLoadd` with `isOverLoaded`");
        assert_eq!(ds[0].fixes[1].edits[0].replacement, "constraint isOverLoadd() \"…\"\n");
        assert!(
            ds[1]
                .message
                .contains("takes 1 argument, but is called with 2 arguments")
        );
        assert_eq!(ds[2].fixes.len(), 1);
    }

    #[test]
    fn atom_and_empty_call_are_both_arity_zero() {
        assert!(check_text("a(r, _) :: null <- true and true()").is_empty());
    }
}
