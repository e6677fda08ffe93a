//! Role references against role definitions: undefined roles (E0201) and role calls
//! with an arity no clause defines (W0202).

use crate::ast::{StepKind, Term, TermKind};
use crate::check::index::RoleIndex;
use crate::check::items::Items;
use crate::check::refs::{RoleUse, RoleUseKind, clause_role_uses, role_uses};
use crate::check::show;
use crate::check::suggest::{closest, list};
use crate::diagnostic::{Diagnostic, TextEdit, codes};
use crate::span::Span;

/// Lists the defined roles in a note when there are at most this many.
const LIST_ROLES_UP_TO: usize = 8;

/// Reports E0201 and W0202.
pub fn check(model: &(impl Items + ?Sized), index: &RoleIndex<'_>, out: &mut Vec<Diagnostic>) {
    for role_use in role_uses(model) {
        if role_use.kind == RoleUseKind::Head {
            continue;
        }
        let Some((name, arity)) = role_use.role.name_arity() else {
            continue;
        };
        if !index.is_defined(name) {
            out.push(undefined(&role_use, name, index));
        } else if role_use.kind == RoleUseKind::Call && index.clause(name, arity).is_none() {
            out.push(wrong_arity(&role_use, name, arity, index));
        }
    }
}

/// The span of a role term's name (atom, or functor of a compound), if it can be
/// located without the source text: quoted names are not.
pub(crate) fn name_span(term: &Term, name: &str) -> Option<Span> {
    let span = term.span;
    let plain = show::atom(name) == name;
    let fits = match term.kind {
        TermKind::Atom(_) => span.end - span.start == name.len() as u32,
        _ => plain,
    };
    (plain && fits).then(|| Span {
        end: span.start + name.len() as u32,
        ..span
    })
}

fn undefined(role_use: &RoleUse<'_>, name: &str, index: &RoleIndex<'_>) -> Diagnostic {
    let what = match role_use.kind {
        RoleUseKind::SendTo => "sends a message to",
        RoleUseKind::ReceiveFrom => "expects a message from",
        _ => "enters",
    };
    let mut d = Diagnostic::error(
        codes::UNDEFINED_ROLE,
        format!("undefined role `{name}`"),
        role_use.role.role.span,
        format!("this step {what} `{name}`, but no clause defines it"),
    );
    d = d.with_note(if role_use.is_partner() {
        format!("No peer can ever play `{name}`: a role is played by entering its clause `a({name}, Id) :: ...`, and this file has none.")
    } else {
        format!("A role call enters the clause `a({name}, Id) :: ...`, and this file has none.")
    });

    let mut suggestions: Vec<&str> = Vec::new();
    if let Some((partner, id)) = partner_with_same_id(role_use, index) {
        let partner_name = partner.role.name_arity().map_or("", |(n, _)| n);
        let step = partner.step.map(|s| s.kind.clone());
        let how = match step {
            Some(StepKind::Receive { message, .. }) => {
                format!("the `{partner_name}` peer that sent `{}`", show::term(&message))
            }
            Some(StepKind::Send { message, .. }) => {
                format!("the `{partner_name}` peer that `{}` was sent to", show::term(&message))
            }
            _ => format!("a `{partner_name}` peer"),
        };
        d = d
            .with_label(
                partner.role.span,
                format!("`{id}` is bound here, to a `{partner_name}` peer"),
            )
            .with_note(format!("Did you mean `{partner_name}`? `{id}` is {how}."));
        suggestions.push(partner_name);
    }
    if let Some(close) = closest(name, index.names().iter().copied())
        && !suggestions.contains(&close)
    {
        if suggestions.is_empty() {
            d = d.with_note(format!("Did you mean `{close}`?"));
        }
        suggestions.push(close);
    }
    if index.names().len() <= LIST_ROLES_UP_TO {
        let names: Vec<String> = index.names().iter().map(|n| n.to_string()).collect();
        d = d.with_note(format!("The roles defined in this file are {}.", list(&names)));
    }
    if let Some(span) = name_span(&role_use.role.role, name) {
        for suggestion in suggestions {
            d = d.with_fix(
                format!("replace `{name}` with `{suggestion}`"),
                vec![TextEdit {
                    span,
                    replacement: suggestion.to_string(),
                }],
            );
        }
    }
    d
}

/// An earlier message partner in the same clause with the same Id variable and a
/// defined role: the peer this reference most likely meant.
fn partner_with_same_id<'m>(role_use: &RoleUse<'m>, index: &RoleIndex<'_>) -> Option<(RoleUse<'m>, &'m str)> {
    let id = role_use.role.id.as_var()?;
    clause_role_uses(role_use.clause)
        .into_iter()
        .filter(|u| u.is_partner() && u.role.span.start < role_use.role.span.start)
        .filter(|u| u.role.id.as_var() == Some(id))
        .find(|u| u.role.name_arity().is_some_and(|(n, _)| index.is_defined(n)))
        .map(|u| (u, id))
}

fn wrong_arity(role_use: &RoleUse<'_>, name: &str, arity: usize, index: &RoleIndex<'_>) -> Diagnostic {
    let arities: Vec<String> = index.arities(name).iter().map(|a| format!("{name}/{a}")).collect();
    let mut d = Diagnostic::warning(
        codes::ROLE_ARITY,
        format!("no clause defines `{name}` with {}", arguments(arity)),
        role_use.role.role.span,
        format!("`{name}/{arity}` is not defined"),
    )
    .with_note(format!(
        "A role call enters the clause with the same role name and number of arguments; this file defines {}.",
        list(&arities)
    ));
    for (a, clause) in index.clauses(name).iter().take(3) {
        d = d.with_label(clause.head.span, format!("`{name}/{a}` is defined here"));
    }
    d
}

/// "no arguments", "1 argument", "2 arguments".
pub(crate) fn arguments(n: usize) -> String {
    match n {
        0 => "no arguments".to_string(),
        1 => "1 argument".to_string(),
        n => format!("{n} arguments"),
    }
}

#[cfg(test)]
mod tests {
    use crate::check::tests::{check_text, codes_of, line_of};

    #[test]
    fn undefined_partner_suggests_the_role_its_id_came_from() {
        let text = "a(server, _) :: ask(X) <= a(client, C) then reply(X) => a(cleint, C)\n\
                    a(client, _) :: ask(1) => a(server, S) then reply(_) <= a(server, S)";
        let ds = check_text(text);
        assert_eq!(codes_of(&ds), ["E0201"]);
        let d = &ds[0];
        assert_eq!(d.fixes.len(), 1, "{d:#?}");
        assert_eq!(d.fixes[0].title, "replace `cleint` with `client`");
        assert!(d.notes.iter().any(|n| n.contains("`C` is the `client` peer")));
        assert_eq!(line_of(text, d.secondary[0].span), 1);
    }

    #[test]
    fn undefined_call_lists_defined_roles_when_nothing_is_close() {
        let ds = check_text("a(r, X) :: a(zzz, X)\na(s, _) :: null");
        assert_eq!(codes_of(&ds), ["E0201"]);
        assert!(
            ds[0]
                .notes
                .iter()
                .any(|n| n == "The roles defined in this file are `r` and `s`.")
        );
        assert!(ds[0].fixes.is_empty());
    }

    #[test]
    fn quoted_role_names_get_no_textual_fix() {
        let ds = check_text("a(idle, X) :: a('idel', X)");
        assert_eq!(codes_of(&ds), ["E0201"]);
        assert!(ds[0].fixes.is_empty());
        assert!(ds[0].notes.iter().any(|n| n == "Did you mean `idle`?"));
    }

    #[test]
    fn calls_match_by_arity_but_partners_by_name() {
        let ds = check_text("a(r, X) :: a(s(1, 2), X) then m => a(s(9), _)\na(s(_A), X) :: m <= a(r, _) then a(r, X)");
        assert_eq!(codes_of(&ds), ["W0202"]);
        assert!(ds[0].message.contains("with 2 arguments"));
        assert!(ds[0].notes[0].contains("`s/1`"));
    }
}
