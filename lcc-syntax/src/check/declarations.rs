//! Declarations against clauses: declared roles without a clause (W0208), clauses
//! without a declaration when declarations are used (W0209), and roles or
//! constraint signatures declared twice (E0215).

use rustc_hash::FxHashMap;

use crate::check::index::RoleIndex;
use crate::check::items::Items;
use crate::check::show;
use crate::diagnostic::{Diagnostic, codes};
use crate::span::Span;

/// Reports W0208, W0209 and E0215.
pub fn check(model: &(impl Items + ?Sized), index: &RoleIndex<'_>, out: &mut Vec<Diagnostic>) {
    duplicates(model, out);
    let declared: Vec<(&str, usize, Span)> = model
        .role_decls()
        .filter_map(|d| d.role.name_arity().map(|(n, a)| (n, a, d.role.span)))
        .collect();
    if model.role_decls().next().is_none() {
        return;
    }
    for &(name, arity, span) in &declared {
        if index.clause(name, arity).is_some() {
            continue;
        }
        let mut d = Diagnostic::warning(
            codes::DECLARED_WITHOUT_CLAUSE,
            format!("role `{name}/{arity}` is declared but no clause defines it"),
            span,
            "declared here",
        )
        .with_note(format!(
            "No peer can play `{name}/{arity}` without a clause `a({}, Id) :: ...`.",
            example_role(name, arity)
        ));
        if let Some((other, clause)) = index.clauses(name).first() {
            d = d.with_label(
                clause.head.role.span,
                format!("a clause defines `{name}/{other}`: is the declaration's arity wrong?"),
            );
        } else {
            d = d.with_note("Add the clause, or remove the declaration.");
        }
        out.push(d);
    }
    for clause in model.clauses() {
        let Some((name, arity)) = clause.head.name_arity() else {
            continue;
        };
        if declared.iter().any(|&(n, a, _)| n == name && a == arity) {
            continue;
        }
        let decl = format!("r({}, necessary)", example_role(name, arity));
        out.push(
            Diagnostic::warning(
                codes::CLAUSE_WITHOUT_DECLARATION,
                format!("role `{name}/{arity}` has a clause but no declaration"),
                clause.head.role.span,
                "not declared",
            )
            .with_note("This file declares its roles with `r(Role, Kind)`, so every role is expected to be declared: the declarations tell `run` and `verify` how many peers play each role.")
            .with_note(format!("Declare it, e.g. `{decl}` (kinds: initial, necessary, optional, auxiliary, cyclic, uncommitted).")),
        );
    }
}

/// `name` or `name(A, B)` with placeholder arguments, for suggested text.
fn example_role(name: &str, arity: usize) -> String {
    let name = show::atom(name);
    if arity == 0 {
        return name;
    }
    let args: Vec<String> = (0..arity).map(param_name).collect();
    format!("{name}({})", args.join(", "))
}

/// `A`, `B`, ..., `Z`, `A1`, ...: placeholder variable names.
pub(crate) fn param_name(i: usize) -> String {
    let letter = (b'A' + (i % 26) as u8) as char;
    match i / 26 {
        0 => letter.to_string(),
        n => format!("{letter}{n}"),
    }
}

fn duplicates(model: &(impl Items + ?Sized), out: &mut Vec<Diagnostic>) {
    let mut roles: FxHashMap<(&str, usize), Span> = FxHashMap::default();
    for decl in model.role_decls() {
        let Some(key) = decl.role.name_arity() else {
            continue;
        };
        match roles.get(&key) {
            Some(first) => out.push(
                Diagnostic::error(
                    codes::DUPLICATE_DECLARATION,
                    format!("role `{}/{}` is declared twice", key.0, key.1),
                    decl.span,
                    "declared again here",
                )
                .with_label(*first, "first declared here")
                .with_note("A role has one declaration; keep the one with the right kind and peer counts and remove the other."),
            ),
            None => {
                roles.insert(key, decl.span);
            }
        }
    }
    let mut constraints: FxHashMap<(&str, usize), Span> = FxHashMap::default();
    for decl in model.constraint_decls() {
        let key = (decl.name.as_str(), decl.params.len());
        match constraints.get(&key) {
            Some(first) => out.push(
                Diagnostic::error(
                    codes::DUPLICATE_DECLARATION,
                    format!("constraint `{}/{}` is declared twice", key.0, key.1),
                    decl.span,
                    "declared again here",
                )
                .with_label(*first, "first declared here")
                .with_note("A constraint has one signature; remove one of the declarations (the later one would replace the earlier)."),
            ),
            None => {
                constraints.insert(key, decl.span);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::check::tests::{check_text, codes_of};

    #[test]
    fn declarations_are_optional() {
        assert!(check_text("a(r, _) :: null").is_empty());
    }

    #[test]
    fn declarations_and_clauses_match_by_name_and_arity() {
        let ds = check_text("r(s, initial)\nr(t, initial)\na(s(_A), _) :: null\na(t, _) :: null");
        assert_eq!(codes_of(&ds), ["W0208", "W0209"]);
        assert!(ds[0].secondary[0].message.contains("`s/1`"));
        assert!(ds[1].notes[1].contains("`r(s(A), necessary)`"));
    }

    #[test]
    fn duplicate_declarations() {
        let ds = check_text(
            "constraint p(+X)\nconstraint p(-Y)\nconstraint p()\nr(s, initial)\nr(s, optional)\na(s, _) :: null <- p(1)",
        );
        assert_eq!(codes_of(&ds), ["E0215", "E0215"]);
    }
}
