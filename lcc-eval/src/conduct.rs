//! Conducted nodes: a [`Node`](crate::node::Node) that steps only when a
//! conductor gives it a [`Turn`] and says what it did in a [`TurnReport`], so
//! that peers in separate processes follow a schedule fixed elsewhere (e.g.
//! the recorded schedule of an in-process run, replayed by `lcc datacentre
//! --schedule`; docs/distributed.md). The step is the ordinary
//! [`step`](crate::step()) function; the turn fixes only what a free-running
//! node takes from the clock and the network: when it steps, which messages
//! are in its inbox (and in which order), which roles the other peers play,
//! where its stand-ins sit among the peers, and when resolved constraint
//! answers are taken in.

use serde::{Deserialize, Serialize};

/// What a conductor tells a conducted node to do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Turn {
    /// Say which roles the peer plays at the start.
    Hello,
    /// Try one step. `peers` is every peer of the run, in the run's order,
    /// with the roles it plays now (the node's own entry says where its peer
    /// sits among the stand-ins, which orders the candidates of a pick);
    /// `arrived` lists the Ids (`S/run/seq`) of the messages sent to this
    /// peer since its last turn, oldest first: the node waits until they have
    /// all arrived and adds them to its inbox in that order.
    Step {
        /// Every peer's Id and roles, in the run's order.
        peers: Vec<(String, Vec<String>)>,
        /// The messages to add to the inbox first, oldest first.
        arrived: Vec<String>,
    },
    /// Take in `count` resolved constraint answers (waiting for them if they
    /// have not all come yet).
    Absorb {
        /// How many.
        count: usize,
    },
}

/// What a conducted node did with a [`Turn`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TurnReport {
    /// The roles the peer plays at the start.
    Hello {
        /// Role names, sorted.
        roles: Vec<String>,
    },
    /// The step fired (or was blocked), leaving the peer in `roles` and
    /// having sent `sent` (recipient Id, message Id), in order.
    Stepped {
        /// Whether the step fired.
        fired: bool,
        /// Role names after it, sorted.
        roles: Vec<String>,
        /// The messages it sent: recipient Id and message Id.
        sent: Vec<(String, String)>,
    },
    /// The answers were taken in; `awaited` says whether the peer still
    /// waited for any of them (it may step again).
    Absorbed {
        /// Whether any answer was still awaited.
        awaited: bool,
    },
}
