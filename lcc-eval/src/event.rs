//! Events: what happened in a step, with the source span of the step, clause or
//! constraint it concerns. Runtimes collect them into a [`Trace`](crate::Trace).

use lcc_syntax::Span;

use crate::atom::Atom;
use crate::term::Term;

/// A message's sender or recipient: the role's name and the peer's Id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    /// The role's name (role arguments are not part of an address).
    pub role: Atom,
    /// The peer's Id.
    pub id: Atom,
}

/// Why a peer cannot step now.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Wait {
    /// A receive waits for a message that matches.
    Message {
        /// The message pattern (bindings applied).
        pattern: Term,
        /// The sender's role name.
        from_role: Atom,
        /// The sender's Id (a variable when any sender will do).
        from_id: Term,
        /// How many messages from that sender role were in the inbox but did not
        /// match the pattern or did not satisfy the constraint.
        rejected: usize,
        /// The receive step.
        span: Span,
    },
    /// A send to an unbound Id waits for a peer to play the role.
    NoPlayer {
        /// The recipient role's name.
        role: Atom,
        /// The send step.
        span: Span,
    },
    /// A send to an Id that no peer has.
    NoPeer {
        /// The Id.
        id: Term,
        /// The send step.
        span: Span,
    },
    /// A constraint's answer is pending.
    Pending {
        /// The call (bindings applied).
        call: Term,
        /// The constraint's location.
        span: Span,
    },
    /// The step's constraint failed.
    Failed {
        /// The step.
        span: Span,
    },
    /// A role call whose arguments match no clause head.
    NoClause {
        /// The role term.
        role: Term,
        /// The call step.
        span: Span,
    },
}

impl Wait {
    /// The wait with `f` applied to each of its terms.
    pub fn map_terms(&self, mut f: impl FnMut(&Term) -> Term) -> Wait {
        match self {
            Wait::Message {
                pattern,
                from_role,
                from_id,
                rejected,
                span,
            } => Wait::Message {
                pattern: f(pattern),
                from_role: *from_role,
                from_id: f(from_id),
                rejected: *rejected,
                span: *span,
            },
            Wait::NoPeer { id, span } => Wait::NoPeer { id: f(id), span: *span },
            Wait::Pending { call, span } => Wait::Pending {
                call: f(call),
                span: *span,
            },
            Wait::NoClause { role, span } => Wait::NoClause {
                role: f(role),
                span: *span,
            },
            Wait::NoPlayer { .. } | Wait::Failed { .. } => self.clone(),
        }
    }

    /// The source span the wait concerns.
    pub fn span(&self) -> Span {
        match self {
            Wait::Message { span, .. }
            | Wait::NoPlayer { span, .. }
            | Wait::NoPeer { span, .. }
            | Wait::Pending { span, .. }
            | Wait::Failed { span }
            | Wait::NoClause { span, .. } => *span,
        }
    }

    /// Whether the wait can end when other peers act or a pending answer arrives
    /// (a failed constraint or a clause mismatch cannot change).
    pub fn may_resume(&self) -> bool {
        !matches!(self, Wait::Failed { .. } | Wait::NoClause { .. } | Wait::NoPeer { .. })
    }

    /// One line for humans.
    pub fn describe(&self) -> String {
        match self {
            Wait::Message {
                pattern,
                from_role,
                from_id,
                rejected,
                ..
            } => {
                let mut s = format!("waits for `{pattern}` from a({from_role}, {from_id})");
                if *rejected > 0 {
                    s.push_str(&format!(
                        " ({rejected} message{} from {from_role} in the inbox did not match)",
                        if *rejected == 1 { "" } else { "s" }
                    ));
                }
                s
            }
            Wait::NoPlayer { role, .. } => {
                format!("waits to send to a({role}, _): no peer plays `{role}`")
            }
            Wait::NoPeer { id, .. } => format!("cannot send: no peer has the Id `{id}`"),
            Wait::Pending { call, .. } => format!("waits for the answer of `{call}`"),
            Wait::Failed { .. } => "its constraint failed".into(),
            Wait::NoClause { role, .. } => format!("no clause head matches `a({role}, _)`"),
        }
    }
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A message was sent.
    Sent {
        /// Sender.
        from: Address,
        /// Recipient.
        to: Address,
        /// The message.
        message: Term,
        /// The send step.
        span: Span,
    },
    /// A message was received (taken from the inbox).
    Received {
        /// Sender.
        from: Address,
        /// Recipient.
        to: Address,
        /// The message.
        message: Term,
        /// The receive step.
        span: Span,
    },
    /// A constraint was called.
    Called {
        /// The calling peer.
        peer: Atom,
        /// The call (bindings applied).
        call: Term,
        /// The constraint's location.
        span: Span,
    },
    /// A constraint answered.
    Answered {
        /// The calling peer.
        peer: Atom,
        /// The call with the first solution's bindings applied (or as called).
        call: Term,
        /// `succeeded`, `failed` or `pending`.
        outcome: &'static str,
        /// The constraint's location.
        span: Span,
    },
    /// A peer entered a role (started a clause instance).
    RoleEntered {
        /// The peer.
        peer: Atom,
        /// The role term, bound as entered.
        role: Term,
        /// The clause's head.
        span: Span,
    },
    /// A peer's role instance completed (or was replaced by a tail call).
    RoleLeft {
        /// The peer.
        peer: Atom,
        /// The role term, with its final bindings.
        role: Term,
        /// The clause's head.
        span: Span,
    },
    /// A committed choice took an alternative.
    AlternativeChosen {
        /// The peer.
        peer: Atom,
        /// Which alternative (0-based).
        index: usize,
        /// Out of how many.
        of: usize,
        /// The alternative taken.
        span: Span,
    },
    /// A `null` step fired.
    Null {
        /// The peer.
        peer: Atom,
        /// The step.
        span: Span,
    },
    /// A peer's outermost role completed.
    Finished {
        /// The peer.
        peer: Atom,
    },
    /// At the end of a run: a peer that can never step again, and why.
    Stuck {
        /// The peer.
        peer: Atom,
        /// What each of its possible next steps waits for.
        waits: Vec<Wait>,
    },
}

impl Event {
    /// The event's source span, if it has one.
    pub fn span(&self) -> Option<Span> {
        match self {
            Event::Sent { span, .. }
            | Event::Received { span, .. }
            | Event::Called { span, .. }
            | Event::Answered { span, .. }
            | Event::RoleEntered { span, .. }
            | Event::RoleLeft { span, .. }
            | Event::AlternativeChosen { span, .. }
            | Event::Null { span, .. } => Some(*span),
            Event::Finished { .. } => None,
            Event::Stuck { waits, .. } => waits.first().map(Wait::span),
        }
    }

    /// The peer the event happened at (the sender, for a send).
    pub fn peer(&self) -> Atom {
        match self {
            Event::Sent { from, .. } => from.id,
            Event::Received { to, .. } => to.id,
            Event::Called { peer, .. }
            | Event::Answered { peer, .. }
            | Event::RoleEntered { peer, .. }
            | Event::RoleLeft { peer, .. }
            | Event::AlternativeChosen { peer, .. }
            | Event::Null { peer, .. }
            | Event::Finished { peer }
            | Event::Stuck { peer, .. } => *peer,
        }
    }
}
