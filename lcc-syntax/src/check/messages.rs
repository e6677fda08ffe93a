//! Message flow between roles: messages sent to a role that never receives them
//! (W0203) and messages received that the sender role never sends (W0204).
//!
//! Messages address roles by name, as at run time: a send `m(...) => a(r, _)` in a
//! clause for role `s` is taken by a receive in some clause named `r` whose pattern
//! has the functor and arity of `m(...)` (or is a variable) and whose sender role is
//! named `s` (or is a variable). Role names that are variables match anything.
//! A partner role that no clause defines is reported as E0201 and left out here.

use crate::ast::{RoleRef, StepKind, Term};
use crate::check::index::RoleIndex;
use crate::check::items::Items;
use crate::diagnostic::{Diagnostic, codes};

/// One message step: a send or a receive, in the clause for `role`.
#[derive(Debug, Clone, Copy)]
struct Message<'m> {
    /// The name of the role whose clause contains the step (`None`: a variable).
    role: Option<&'m str>,
    /// The message term.
    term: &'m Term,
    /// The partner: recipient of a send, sender of a receive.
    partner: &'m RoleRef,
}

impl<'m> Message<'m> {
    /// The message's functor and arity (`None`: a variable or a literal).
    fn functor(&self) -> Option<(&'m str, usize)> {
        self.term.name_arity()
    }

    fn partner_name(&self) -> Option<&'m str> {
        self.partner.name_arity().map(|(n, _)| n)
    }
}

/// "`m/k`".
fn functor(f: (&str, usize)) -> String {
    format!("`{}/{}`", f.0, f.1)
}

/// Reports W0203 and W0204.
pub fn check(model: &(impl Items + ?Sized), index: &RoleIndex<'_>, out: &mut Vec<Diagnostic>) {
    let mut sends: Vec<Message<'_>> = Vec::new();
    let mut receives: Vec<Message<'_>> = Vec::new();
    for clause in model.clauses() {
        let role = clause.head.name_arity().map(|(n, _)| n);
        for step in clause.body.steps() {
            let (list, term, partner) = match &step.kind {
                StepKind::Send { message, to } => (&mut sends, message, to),
                StepKind::Receive { message, from } => (&mut receives, message, from),
                _ => continue,
            };
            list.push(Message { role, term, partner });
        }
    }
    let sends_by_role = by_role(&sends);
    let receives_by_role = by_role(&receives);
    // A counterpart whose own partner is undefined is already an E0201: count it
    // as a match rather than report the same mistake twice.
    let matches = |this: &Message<'_>, other: &Message<'_>, this_role: &str| {
        let f = this.functor();
        (other.functor().is_none() || other.functor() == f)
            && other
                .partner_name()
                .is_none_or(|p| p == this_role || !index.is_defined(p))
    };
    for send in &sends {
        let (Some(sender), Some(f), Some(recipient)) = (send.role, send.functor(), send.partner_name()) else {
            continue;
        };
        if !index.is_defined(recipient) {
            continue;
        }
        let candidates = candidates(&receives_by_role, recipient);
        if candidates.iter().any(|r| matches(send, r, sender)) {
            continue;
        }
        let mut d = Diagnostic::warning(
            codes::NEVER_RECEIVED,
            format!("{} is sent to `{recipient}`, which never receives it from `{sender}`", functor(f)),
            send.term.span,
            format!("no clause for `{recipient}` receives {} from `{sender}`", functor(f)),
        )
        .with_note(format!(
            "A role takes a message with a receive `{}(...) <= a({sender}, Id)` in its clause; without one the message is never taken (an orphan).",
            f.0
        ));
        d = label_near_misses(d, &candidates, f, sender, "receives", "from");
        out.push(d);
    }
    for receive in &receives {
        let (Some(receiver), Some(f), Some(sender)) = (receive.role, receive.functor(), receive.partner_name()) else {
            continue;
        };
        if !index.is_defined(sender) {
            continue;
        }
        let candidates = candidates(&sends_by_role, sender);
        if candidates.iter().any(|s| matches(receive, s, receiver)) {
            continue;
        }
        let mut d = Diagnostic::warning(
            codes::NEVER_SENT,
            format!("{} is expected from `{sender}`, which never sends it to `{receiver}`", functor(f)),
            receive.term.span,
            format!("no clause for `{sender}` sends {} to `{receiver}`", functor(f)),
        )
        .with_note(format!(
            "This receive waits for a send `{}(...) => a({receiver}, Id)` in a clause for `{sender}`; there is none, so it waits forever.",
            f.0
        ));
        d = label_near_misses(d, &candidates, f, receiver, "sends", "to");
        out.push(d);
    }
}

/// Messages grouped by the role of their clause: references sorted by role name,
/// in source order within a role (a sorted list is much smaller than a map of lists).
fn by_role<'a, 'm>(messages: &'a [Message<'m>]) -> Vec<&'a Message<'m>> {
    let mut sorted: Vec<&Message<'m>> = messages.iter().collect();
    sorted.sort_by_key(|m| m.role);
    sorted
}

/// The messages of clauses named `role`, and of clauses whose role is a variable.
fn candidates<'a, 'm>(by_role: &[&'a Message<'m>], role: &str) -> Vec<&'a Message<'m>> {
    let of = |key: Option<&str>| {
        let start = by_role.partition_point(|m| m.role < key);
        let end = start + by_role[start..].partition_point(|m| m.role == key);
        &by_role[start..end]
    };
    of(Some(role)).iter().chain(of(None)).copied().collect()
}

/// Labels up to two near misses: the same functor with another partner or arity,
/// else other messages exchanged with the same partner.
fn label_near_misses(
    mut d: Diagnostic,
    candidates: &[&Message<'_>],
    f: (&str, usize),
    partner: &str,
    verb: &str,
    preposition: &str,
) -> Diagnostic {
    let same_name: Vec<_> = candidates
        .iter()
        .filter(|c| c.functor().is_some_and(|(n, _)| n == f.0))
        .collect();
    let near: Vec<_> = if same_name.is_empty() {
        candidates
            .iter()
            .filter(|c| c.partner_name() == Some(partner))
            .collect()
    } else {
        same_name
    };
    for c in near.into_iter().take(2) {
        let role = c.role.unwrap_or("this role");
        let what = c.functor().map_or("a message".to_string(), functor);
        let other = c.partner_name().unwrap_or("any role");
        d = d.with_label(
            c.term.span,
            format!("`{role}` {verb} {what} {preposition} `{other}` here"),
        );
    }
    d
}

#[cfg(test)]
mod tests {
    use crate::check::tests::{check_text, codes_of};

    #[test]
    fn matching_send_and_receive_are_quiet() {
        let ds = check_text(
            "a(c, _) :: ask(1) => a(s(_Q), S) then reply(_) <= a(s, S)\n\
             a(s(_Q), _) :: ask(X) <= a(c, C) then reply(X) => a(c, C)",
        );
        assert!(ds.is_empty(), "{ds:#?}");
    }

    #[test]
    fn wrong_arity_or_sender_is_reported_both_ways() {
        let ds = check_text(
            "a(c, _) :: ask(1, 2) => a(s, S) then reply(_) <= a(s, S)\n\
             a(s, _) :: ask(X) <= a(c, C) then reply(X) => a(d, C)\n\
             a(d, _) :: null",
        );
        assert_eq!(codes_of(&ds), ["W0203", "W0204", "W0204", "W0203"]);
        assert!(ds[0].message.starts_with("`ask/2` is sent to `s`"));
        assert_eq!(ds[0].secondary[0].message, "`s` receives `ask/1` from `c` here");
        assert_eq!(ds[1].secondary[0].message, "`s` sends `reply/1` to `d` here");
        assert!(ds[2].message.starts_with("`ask/1` is expected from `c`"));
    }

    #[test]
    fn variables_match_anything_and_undefined_partners_are_left_to_e0201() {
        let ds = check_text(
            "a(c, _) :: _M => a(s, S) then reply(_) <= a(s, S) then ping => a(_R, S)\n\
             a(s, _) :: ask(_) <= a(_Any, C) then reply(1) => a(nobody, C)",
        );
        assert_eq!(codes_of(&ds), ["E0201"]);
    }
}
