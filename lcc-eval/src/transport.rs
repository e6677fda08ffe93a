//! Transports: how a peer that runs on its own (a [`Node`](crate::node::Node),
//! one per process) reaches the other peers and the role directory.
//!
//! A transport delivers [`Envelope`]s to the inbox of the peer they are
//! addressed to, keeps the role directory (which peer plays which roles; each
//! node announces its own and withdraws them when it leaves) and reports what
//! arrives for its node, messages and directory changes, as [`Inbound`] items on
//! the node's channel. The node decides everything else with the same
//! [`step`](crate::step()) function as the in-process runtimes, so the
//! semantics do not depend on the transport. Implementations:
//! [`Hub`](crate::local::Hub) (nodes in one process, for tests and embedding)
//! and, with the `nats` feature, `NatsTransport` (one process per machine).
//! A whole interaction in one process needs no transport at all:
//! [`Runtime`](crate::Runtime) stays the default.

use std::collections::BTreeMap;
use std::sync::mpsc;

use crate::atom::Atom;
use crate::wire::Envelope;

/// The role directory: each peer's Id and the names of the roles it plays now
/// (sorted). A peer that has finished is listed with no roles until it leaves.
pub type Directory = BTreeMap<Atom, Vec<Atom>>;

/// What reaches a node on its channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// A message for the node's peer (possibly a duplicate: the node drops
    /// envelopes it has seen). The node [settles](Transport::settle) it once a
    /// step has received it, or at once if it drops it.
    Message(Envelope),
    /// The directory changed; this is the new one.
    Directory(Directory),
    /// The pending constraint answer with this ticket is ready.
    Answer(u64),
    /// The node must stop: a signal, or the transport failed (the reason).
    Stop(String),
    /// A conductor's turn, for a conducted node ([`crate::conduct`]).
    Turn(crate::conduct::Turn),
}

/// A transport failure (the server is unreachable, a permission is denied...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError(pub String);

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TransportError {}

/// Delivery and discovery for one node.
pub trait Transport: Send {
    /// Starts reporting to `inbound`: messages addressed to `me` (including
    /// those sent before this call that are still undelivered) and directory
    /// changes.
    fn open(&mut self, me: Atom, inbound: mpsc::Sender<Inbound>) -> Result<(), TransportError>;

    /// Puts `envelope` into the inbox of its recipient. Returns once the
    /// transport has taken responsibility for it (it will arrive at least once,
    /// in the order this node sent it relative to its other messages to the same
    /// recipient).
    fn deliver(&mut self, envelope: &Envelope) -> Result<(), TransportError>;

    /// The node is done with every delivered copy of the message `envelope`
    /// names: a step received it, or the node dropped it (a duplicate of a
    /// received message, unreadable, for another peer). Until then a transport
    /// that keeps inboxes outside the process keeps the message, so that a
    /// peer restarted with the same Id is handed it again. Messages that only
    /// sit in the peer's inbox are not settled. The default does nothing.
    fn settle(&mut self, envelope: &Envelope) -> Result<(), TransportError> {
        let _ = envelope;
        Ok(())
    }

    /// Announces that `me` plays `roles` (replacing its previous announcement).
    fn announce(&mut self, me: Atom, roles: &[Atom]) -> Result<(), TransportError>;

    /// Removes `me` from the directory.
    fn withdraw(&mut self, me: Atom) -> Result<(), TransportError>;

    /// The directory as this transport knows it now.
    fn directory(&self) -> Directory;
}
