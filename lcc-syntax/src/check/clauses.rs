//! Duplicate clauses (E0210): two clauses for the same role name and arity.

use std::collections::HashMap;

use crate::ast::Model;
use crate::diagnostic::{Diagnostic, codes};

/// Reports E0210 at every clause after the first for the same role name and arity.
pub fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    let mut first = HashMap::new();
    for clause in model.clauses() {
        let Some((name, arity)) = clause.head.name_arity() else {
            continue;
        };
        let Some(earlier) = first.get(&(name, arity)) else {
            first.insert((name, arity), clause.head.span);
            continue;
        };
        out.push(
            Diagnostic::error(
                codes::DUPLICATE_CLAUSE,
                format!("role `{name}/{arity}` is defined by more than one clause"),
                clause.head.span,
                "second clause for this role",
            )
            .with_label(*earlier, "first defined here")
            .with_note("A role has one clause; a role call would only ever enter the first. Put the alternatives in one body, joined with `or`.")
            .with_note(format!(
                "If this is a different role, give it another name or number of arguments than `{name}/{arity}`."
            )),
        );
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
}
