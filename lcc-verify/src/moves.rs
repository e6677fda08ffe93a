//! Each peer's moves, asked of lcc-eval once per local situation.
//!
//! What one peer can do in a state — lcc-eval's [`enabled_for`] steps and the
//! runtime's blocked attempt (a sleep move, see [`crate::explore`]) — depends
//! only on that peer's record (control tree, variables, inbox, pending calls),
//! the peers' Ids and the role directory (which roles each peer plays); the
//! checker gives lcc-eval no inbox limit and its constraint answers are never
//! pending. So a [`MoveCache`] keeps, per (peer record, directory), what lcc-eval
//! answered: the peer's record after each step, the messages it delivered to
//! other peers, the choice and events; and applies it to every other state that
//! agrees on both. The steps are still lcc-eval's, computed by lcc-eval: the
//! cache only avoids asking twice.

use std::sync::Arc;

use lcc_eval::model::DefId;
use lcc_eval::state::Message;
use lcc_eval::{Choice, Context, EvalError, Event, Model, Peer, State, Wait, enabled_for};
use rustc_hash::FxHashMap;

use crate::explore::{blocked_attempt, locate};
use crate::graph::Interner;

/// One step of one peer, as lcc-eval fired it.
#[derive(Debug)]
pub struct PeerStep {
    /// The peer's record after the step.
    pub peer: Arc<Peer>,
    /// Messages the step delivered to other peers (their index, the message), in order.
    pub sends: Vec<(usize, Arc<Message>)>,
    /// lcc-eval's fully specified choice.
    pub choice: Choice,
    /// The step that fired (`None` if it cannot be located).
    pub step: Option<DefId>,
    /// The `par` branches leading to it.
    pub thread: Vec<u32>,
    /// What happened.
    pub events: Arc<[Event]>,
}

/// The runtime's attempt of one peer, blocked under some constraint answers.
#[derive(Debug)]
pub struct PeerBlock {
    /// The peer's record after the attempt.
    pub peer: Arc<Peer>,
    /// What its steps wait for.
    pub waits: Vec<Wait>,
    /// The attempt's constraint calls and their answers.
    pub events: Arc<[Event]>,
}

/// Everything one peer can do in one local situation.
#[derive(Debug)]
pub struct PeerMoves {
    /// lcc-eval's enabled steps of the peer, in [`enabled_for`]'s order.
    pub steps: Vec<Arc<PeerStep>>,
    /// A combination of constraint answers under which the runtime's attempt
    /// (lcc-eval's default choice) is blocked, if there is one.
    pub block: Option<PeerBlock>,
}

/// The most entries a cache keeps before it starts afresh (bounds its memory).
const MAX_ENTRIES: usize = 1 << 19;

/// Per (peer record, role directory): the peer's moves. One per worker thread.
#[derive(Default)]
pub struct MoveCache {
    /// Role sets (sorted role names) by number.
    role_sets: Interner<Vec<lcc_eval::Atom>>,
    /// Directories (a role set number per peer) by number.
    directories: Interner<Box<[u32]>>,
    map: FxHashMap<(Arc<Peer>, u32), Arc<PeerMoves>>,
    /// The same by record address (the record is kept, so the address is not
    /// reused): most look-ups find the very record again, without hashing it.
    by_address: FxHashMap<(usize, u32), (Arc<Peer>, Arc<PeerMoves>)>,
    /// Whether the attempt restricted to a branch path can block (see [`MoveCache::blocked_in_thread`]).
    restricted: FxHashMap<(Arc<Peer>, u32, Vec<u32>), bool>,
    /// Role sets of peer records by address (the record is kept, so the address is not reused).
    record_roles: FxHashMap<usize, (Arc<Peer>, u32)>,
    /// A peer record with a message appended, by the addresses of the record
    /// and the message (both kept): states that receive the same message share
    /// the new record, so its encoding and role set are computed once.
    deliveries: FxHashMap<(usize, usize), Delivery>,
    /// Look-ups answered from the cache.
    pub hits: u64,
    /// Look-ups that asked lcc-eval.
    pub misses: u64,
}

/// A record, a message, and the record with the message appended.
struct Delivery {
    _before: Arc<Peer>,
    _message: Arc<Message>,
    after: Arc<Peer>,
}

impl MoveCache {
    /// The new state after `step` (one of the peer's [`PeerMoves::steps`]) of peer `p` in `state`.
    pub fn apply(&mut self, state: &State, p: usize, step: &PeerStep) -> State {
        let mut next = state.clone();
        next.set_peer(p, step.peer.clone());
        for (q, m) in &step.sends {
            let before = next.shared_peer(*q).clone();
            let key = (Arc::as_ptr(&before) as usize, Arc::as_ptr(m) as usize);
            if let Some(d) = self.deliveries.get(&key) {
                next.set_peer(*q, d.after.clone());
                continue;
            }
            next.push_message(*q, m.clone());
            if self.deliveries.len() >= MAX_ENTRIES {
                self.deliveries.clear();
            }
            let after = next.shared_peer(*q).clone();
            self.deliveries.insert(
                key,
                Delivery {
                    _before: before,
                    _message: m.clone(),
                    after,
                },
            );
        }
        next
    }

    /// The number of `state`'s role directory in this cache.
    pub fn directory(&mut self, model: &Model, state: &State) -> u32 {
        let dir: Box<[u32]> = (0..state.len())
            .map(|i| {
                let peer = state.shared_peer(i);
                let key = Arc::as_ptr(peer) as usize;
                if let Some((_, set)) = self.record_roles.get(&key) {
                    return *set;
                }
                let set = self.role_sets.intern(peer.roles(model));
                if self.record_roles.len() >= MAX_ENTRIES {
                    self.record_roles.clear();
                }
                self.record_roles.insert(key, (peer.clone(), set));
                set
            })
            .collect();
        self.directories.intern(dir)
    }

    /// Whether the runtime's attempt of peer `p` in `state` (directory
    /// `directory`), restricted to the branch path `path`, is blocked under some
    /// constraint answers.
    pub fn blocked_in_thread(
        &mut self,
        model: &Model,
        ctx: &Context<'_>,
        state: &State,
        p: usize,
        directory: u32,
        path: &[u32],
    ) -> Result<bool, EvalError> {
        let key = (state.shared_peer(p).clone(), directory, path.to_vec());
        if let Some(&found) = self.restricted.get(&key) {
            return Ok(found);
        }
        let attempt = Choice {
            path: Some(path.to_vec()),
            ..Choice::peer(p)
        };
        let blocked = blocked_attempt(model, state, ctx, attempt)?.is_some();
        if self.restricted.len() >= MAX_ENTRIES {
            self.restricted.clear();
        }
        self.restricted.insert(key, blocked);
        Ok(blocked)
    }

    /// The moves of peer `p` in `state`, whose directory is `directory`.
    pub fn moves(
        &mut self,
        model: &Model,
        ctx: &Context<'_>,
        state: &State,
        p: usize,
        directory: u32,
    ) -> Result<Arc<PeerMoves>, EvalError> {
        let record = state.shared_peer(p);
        let address = (Arc::as_ptr(record) as usize, directory);
        if let Some((_, found)) = self.by_address.get(&address) {
            self.hits += 1;
            return Ok(found.clone());
        }
        let key = (record.clone(), directory);
        let moves = match self.map.get(&key) {
            Some(found) => {
                self.hits += 1;
                found.clone()
            }
            None => {
                self.misses += 1;
                let moves = Arc::new(ask(model, ctx, state, p)?);
                if self.map.len() >= MAX_ENTRIES {
                    self.map.clear();
                }
                self.map.insert(key, moves.clone());
                moves
            }
        };
        if self.by_address.len() >= MAX_ENTRIES {
            self.by_address.clear();
        }
        self.by_address.insert(address, (record.clone(), moves.clone()));
        Ok(moves)
    }
}

/// Asks lcc-eval for the moves of peer `p` in `state`.
fn ask(model: &Model, ctx: &Context<'_>, state: &State, p: usize) -> Result<PeerMoves, EvalError> {
    let proc = state.peer(p).proc();
    let steps = enabled_for(model, state, p, ctx)?
        .into_iter()
        .map(|f| {
            let (step, thread) = locate(model, proc, f.choice.path.as_deref().unwrap_or(&[]));
            let sends = (0..state.len())
                .filter(|&q| q != p)
                .flat_map(|q| {
                    let before = state.shared_inbox(q).len();
                    f.state.shared_inbox(q).iter().skip(before).map(move |m| (q, m.clone()))
                })
                .collect();
            Arc::new(PeerStep {
                peer: f.state.shared_peer(p).clone(),
                sends,
                choice: f.choice,
                step,
                thread,
                events: f.events.into(),
            })
        })
        .collect();
    let block = blocked_attempt(model, state, ctx, Choice::peer(p))?.map(|b| PeerBlock {
        peer: b.state.shared_peer(p).clone(),
        waits: b.waits,
        events: b.attempt.into(),
    });
    Ok(PeerMoves { steps, block })
}
