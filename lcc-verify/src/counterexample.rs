//! Counterexamples: a path of explored states replayed through lcc-eval's `step`
//! to get its events, as a [`Trace`] that lcc-eval's printers and sequence-chart
//! renderers draw exactly like an interpreter run.
//!
//! Replaying matches each successor of the actual state against the next stored
//! state by its encoding, so paths through states identified by symmetry
//! reduction replay as the concrete run they stand for.

use lcc_eval::{Choice, EvalError, Event, Model, Outcome, Providers, Trace, Wait, step};

use crate::encode::{Symmetry, encode};
use crate::explore::{Bounds, Explored, Move, Node, context, successors};
use crate::moves::MoveCache;

/// A replayed path.
#[derive(Debug, Clone)]
pub struct Counterexample {
    /// The states along the path (stored numbers), from the start.
    pub states: Vec<u32>,
    /// Where the path loops back (an index into `states`), for cycles.
    pub loop_from: Option<usize>,
    /// The events, step by step; choices included for replay.
    pub trace: Trace,
    /// The state at the end of the path.
    pub end: Node,
}

impl Counterexample {
    /// The number of moves (steps and sleeps) along the path.
    pub fn moves(&self) -> usize {
        self.states.len() - 1
    }
}

/// Replays `states` (a path in the explored graph starting at state 0).
pub fn replay(
    model: &Model,
    providers: &Providers,
    explored: &Explored,
    symmetry: &Symmetry,
    bounds: Bounds,
    states: &[u32],
) -> Result<Counterexample, EvalError> {
    let ctx = context(providers);
    let mut trace = Trace::default();
    trace.extend(0, None, explored.start_events.clone());
    let mut cur = explored.start.clone();
    let mut cache = MoveCache::default();
    for (k, &want) in states.iter().enumerate().skip(1) {
        let succs = successors(model, &ctx, &cur, &mut cache)?;
        let found = succs.into_iter().find(|s| {
            s.node.state.peers().all(|p| p.inbox().count() <= bounds.inbox)
                && explored
                    .visited
                    .get(&encode(&s.node.state, &s.node.asleep, symmetry).bytes)
                    == Some(want)
        });
        let Some(s) = found else {
            return Err(EvalError::new(
                lcc_eval::ErrorKind::BadChoice,
                format!("cannot replay the counterexample at step {k} (state {want})"),
                None,
            ));
        };
        match s.mv {
            Move::Fire(f) => trace.extend(k as u64, Some(f.choice.clone()), f.events.to_vec()),
            Move::Sleep { waits, events } => {
                // The calls the attempt made and their (failed) answers, then the peer stuck.
                let mut events = events.to_vec();
                events.push(Event::Stuck {
                    peer: cur.state.peer(s.peer).id(),
                    waits,
                });
                trace.extend(k as u64, None, events);
            }
        }
        cur = s.node;
    }
    Ok(Counterexample {
        states: states.to_vec(),
        loop_from: None,
        trace,
        end: cur,
    })
}

/// What peer `peer` waits for in `node` (its steps under lcc-eval's default
/// choice and the first outcomes that block it).
pub fn waits(model: &Model, providers: &Providers, node: &Node, peer: usize) -> Result<Vec<Wait>, EvalError> {
    let ctx = context(providers);
    let mut choice = Choice::peer(peer);
    // Try outcome combinations until one blocks (a sleeping peer blocked on one).
    loop {
        match step(model, &node.state, &choice, &ctx)? {
            Outcome::Blocked(b) => return Ok(b.waits),
            Outcome::Fired(f) => {
                let Some(k) = f
                    .widths
                    .iter()
                    .enumerate()
                    .rposition(|(k, &w)| choice.outcomes.get(k).copied().unwrap_or(0) + 1 < w)
                else {
                    return Ok(Vec::new());
                };
                let next = choice.outcomes.get(k).copied().unwrap_or(0) + 1;
                choice.outcomes.resize(k, 0);
                choice.outcomes.push(next);
            }
            Outcome::Disabled(_) => return Ok(Vec::new()),
        }
    }
}
