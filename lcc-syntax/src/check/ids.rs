//! Peer Ids that can never be bound (E0206): a role call whose Id is unbound when
//! the call is reached, and any Id written as a number, string, compound or list.

use crate::ast::{Clause, RoleRef, TermKind};
use crate::check::binding::{Event, walk_clause};
use crate::check::refs::{RoleUseKind, clause_role_uses};
use crate::check::show;
use crate::diagnostic::{Diagnostic, TextEdit, codes};

/// Reports E0206.
pub fn check(clause: &Clause, out: &mut Vec<Diagnostic>) {
    for role_use in clause_role_uses(clause) {
        let id = &role_use.role.id;
        let what = match id.kind {
            TermKind::Int(_) | TermKind::Float(_) => "a number",
            TermKind::Str(_) => "a string",
            TermKind::Compound { .. } => "a compound term",
            TermKind::List { .. } => "a list",
            _ => continue,
        };
        let place = match role_use.kind {
            RoleUseKind::Head => "clause head",
            RoleUseKind::Call => "role call",
            RoleUseKind::SendTo => "recipient",
            RoleUseKind::ReceiveFrom => "sender",
        };
        out.push(
            Diagnostic::error(
                codes::UNBOUND_ID,
                format!("the peer Id `{}` can never match a peer", show::term(id)),
                id.span,
                format!("this Id is {what}"),
            )
            .with_note(format!(
                "Peer Ids are atoms (`pm1`) or variables bound to them; the {place} `{}` can never match a peer.",
                show::role_ref(role_use.role)
            )),
        );
    }
    walk_clause(clause, &mut |event, bound| {
        let Event::Call(role) = event else { return };
        let unbound = match &role.id.kind {
            TermKind::Var(name) => !bound.contains(name),
            TermKind::Anon => true,
            _ => false,
        };
        if unbound {
            out.push(unbound_call(clause, role));
        }
    });
}

fn unbound_call(clause: &Clause, role: &RoleRef) -> Diagnostic {
    let id = show::term(&role.id);
    let mut d = Diagnostic::error(
        codes::UNBOUND_ID,
        format!("the Id `{id}` of this role call can never be bound"),
        role.id.span,
        format!("`{id}` is unbound when the role is entered"),
    )
    .with_note(format!(
        "A role call continues as the peer `{id}`, so `{id}` must already be bound: by the clause head, an earlier receive (the sender's Id), an earlier send (the recipient's Id) or an earlier constraint."
    ));
    if let Some(own) = clause.head.id.as_var() {
        d = d
            .with_label(clause.head.id.span, format!("this clause's peer is `{own}`"))
            .with_fix(
                format!("continue as this clause's peer `{own}`"),
                vec![TextEdit {
                    span: role.id.span,
                    replacement: own.to_string(),
                }],
            );
    }
    d
}

#[cfg(test)]
mod tests {
    use crate::check::tests::{check_text, codes_of};

    #[test]
    fn call_ids_must_be_bound_earlier() {
        let ds = check_text(
            "a(r, Id) :: null <- q(X, Y) then (a(r, Y) or a(r, Z) or a(r, _)) then a(r, Id) then a(r, X)\n\
             constraint q(-A, -B)",
        );
        assert_eq!(codes_of(&ds), ["E0206", "W0205", "E0206"]);
        assert_eq!(ds[0].fixes[0].edits[0].replacement, "Id");
    }

    #[test]
    fn literal_ids_never_match() {
        let ds = check_text("a(r, 1) :: m => a(r, \"p\") then m <= a(r, f(_)) then a(r, pm1)");
        assert_eq!(codes_of(&ds), ["E0206", "E0206", "E0206"]);
    }
}
