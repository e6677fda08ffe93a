//! Runtimes: loops that drive [`step`](crate::step()) until every peer has finished or nothing
//! can move, with limits on steps and wall time, and a deadlock report when peers
//! are left waiting.
//!
//! [`Runtime`] is deterministic and single-threaded: it picks the next peer to
//! step among those that can, with a seeded generator (same seed, same trace).
//! [`Runtime::threaded`] runs provider constraints on worker threads (see
//! [`crate::threaded`]) so that slow I/O overlaps; the stepping itself stays on
//! the calling thread, so the semantics are the same single [`step`](crate::step()) function.
//!
//! Why one stepping thread is enough: a step never waits for I/O. An offloaded
//! constraint answers pending at once and its peer is set aside; the other
//! peers keep stepping; the worker's answer wakes the peer through a channel.
//! The pool grows so that every call starts at once, so no peer waits for
//! another's I/O. Stepping itself costs microseconds against the seconds a
//! migration takes, and steps of different peers are not independent (a send
//! writes the recipient's inbox, and every step may change the role directory
//! that sends to unbound Ids consult), so stepping peers on several threads
//! would need locks around the shared state for no measurable gain.
//!
//! A peer that cannot step is not retried until something it waits for changes:
//! its inbox (a message arrives), the role directory (another peer stepped), or a
//! pending answer (its waker fires). When nothing can change, the run ends.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::atom::Atom;
use crate::constraint::{Pending, Providers};
use crate::error::{ErrorKind, EvalError, Sources};
use crate::event::{Event, Wait};
use crate::model::Model;
use crate::state::{Message, State};
use crate::step::{Choice, Context, Limits, LowestId, Needs, Outcome, PeerSpec, PickPolicy, step_with};
use crate::term::Term;
use crate::threaded::WorkerPool;
use crate::trace::Trace;

/// When a peer whose attempt to step was blocked is retried: the runtimes'
/// retry rule, shared with the model checker (lcc-verify).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Retry {
    /// When a message arrives in its inbox (a pending answer of its own also
    /// wakes it, when it arrives).
    OnMessage,
    /// When any peer steps: one of its sends waits for a peer to play a role,
    /// and the role directory may change with any step.
    OnAnyStep,
}

impl Retry {
    /// When a peer blocked waiting for `waits` is retried.
    pub fn after(waits: &[Wait]) -> Retry {
        if waits.iter().any(|w| matches!(w, Wait::NoPlayer { .. })) {
            Retry::OnAnyStep
        } else {
            Retry::OnMessage
        }
    }

    /// Whether a step with `events` wakes the peer `id`, blocked with this rule.
    pub fn woken_by(self, id: Atom, events: &[Event]) -> bool {
        self.woken(
            events
                .iter()
                .any(|e| matches!(e, Event::Sent { to, .. } if to.id == id)),
        )
    }

    /// Whether a step wakes a peer blocked with this rule, given whether the
    /// step sent the peer a message.
    pub fn woken(self, sent_to_it: bool) -> bool {
        self == Retry::OnAnyStep || sent_to_it
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEnd {
    /// Every peer finished.
    Finished,
    /// Some peers can never step again (a run-time deadlock).
    Stuck(DeadlockReport),
    /// The step or wall-time limit was reached (the error says which); the run's
    /// state and trace are those at that point.
    Limit(EvalError),
}

/// The peers left waiting at the end of a run, and for what.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadlockReport {
    /// One entry per unfinished peer.
    pub peers: Vec<StuckPeer>,
}

/// An unfinished peer at the end of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct StuckPeer {
    /// The peer's Id.
    pub peer: Atom,
    /// The roles it plays.
    pub roles: Vec<Atom>,
    /// What each of its possible next steps waits for.
    pub waits: Vec<Wait>,
    /// The messages left in its inbox, oldest first.
    pub inbox: Vec<Message>,
}

impl DeadlockReport {
    /// The report for people: one paragraph per peer, each wait with its
    /// `path:line:col` and the source text of the step.
    pub fn render(&self, sources: &Sources) -> String {
        let mut out = String::new();
        for p in &self.peers {
            let roles: Vec<String> = p.roles.iter().map(|r| r.to_string()).collect();
            out.push_str(&format!("peer `{}` (playing {}) is stuck:\n", p.peer, roles.join(", ")));
            for w in &p.waits {
                let at = sources.position(w.span()).unwrap_or_else(|| "?".into());
                let text = sources
                    .get(w.span().file)
                    .and_then(|(_, t)| t.get(w.span().range()))
                    .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
                    .unwrap_or_default();
                out.push_str(&format!("  {at}: {}\n      at `{text}`\n", w.describe()));
            }
            for m in &p.inbox {
                let mut line = format!(
                    "  inbox: `{}` from a({}, {}) for role `{}`",
                    m.term, m.from.role, m.from.id, m.to.role
                );
                if !p.roles.contains(&m.to.role) {
                    line.push_str(&format!(
                        " (the peer plays {}, so it cannot receive it now)",
                        roles.join(", ")
                    ));
                }
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct Run {
    /// The final state.
    pub state: State,
    /// Everything that happened (empty if recording was switched off).
    pub trace: Trace,
    /// How the run ended.
    pub end: RunEnd,
    /// The number of steps taken.
    pub steps: u64,
}

/// The peers that may step. Picking uniformly at random by rank keeps runs
/// reproducible per seed; the ranks come from a Fenwick tree, so a pick costs
/// O(log n) instead of a walk over the set.
struct Ready {
    set: PeerSet,
    /// `Some`: in the order they became ready (round robin); `None`: uniformly
    /// at random from `rng`.
    fifo: Option<VecDeque<usize>>,
    rng: SplitMix64,
}

impl Ready {
    fn insert(&mut self, peer: usize) {
        if self.set.insert(peer)
            && let Some(queue) = &mut self.fifo
        {
            queue.push_back(peer);
        }
    }

    fn remove(&mut self, peer: usize) {
        if self.set.remove(peer)
            && let Some(queue) = &mut self.fifo
        {
            queue.retain(|&p| p != peer);
        }
    }

    fn is_empty(&self) -> bool {
        self.set.len == 0
    }

    /// The next peer to step (it stays ready until removed).
    fn next(&mut self) -> usize {
        match &mut self.fifo {
            Some(queue) => {
                let peer = queue.pop_front().expect("a ready peer");
                queue.push_back(peer);
                peer
            }
            None => {
                let k = (self.rng.next() % self.set.len as u64) as usize;
                self.set.nth(k)
            }
        }
    }
}

/// A set of peer numbers below a fixed bound that finds its k-th smallest
/// member in O(log n) (a Fenwick tree of membership counts).
struct PeerSet {
    member: Vec<bool>,
    /// `tree[i]` counts the members in the Fenwick range ending at `i` (1-based).
    tree: Vec<u32>,
    len: usize,
}

impl PeerSet {
    fn new(bound: usize) -> PeerSet {
        PeerSet {
            member: vec![false; bound],
            tree: vec![0; bound + 1],
            len: 0,
        }
    }

    fn add(&mut self, peer: usize, delta: i32) {
        let mut i = peer + 1;
        while i < self.tree.len() {
            self.tree[i] = self.tree[i].wrapping_add_signed(delta);
            i += i & i.wrapping_neg();
        }
    }

    /// Adds `peer`; false if it was a member already.
    fn insert(&mut self, peer: usize) -> bool {
        if std::mem::replace(&mut self.member[peer], true) {
            return false;
        }
        self.add(peer, 1);
        self.len += 1;
        true
    }

    /// Removes `peer`; false if it was not a member.
    fn remove(&mut self, peer: usize) -> bool {
        if !std::mem::replace(&mut self.member[peer], false) {
            return false;
        }
        self.add(peer, -1);
        self.len -= 1;
        true
    }

    /// The member of rank `k` (0 = the smallest); `k < len`.
    fn nth(&self, k: usize) -> usize {
        let mut rest = k as u32;
        let mut pos = 0;
        let mut step = (self.tree.len()).next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next < self.tree.len() && self.tree[next] <= rest {
                pos = next;
                rest -= self.tree[next];
            }
            step >>= 1;
        }
        pos
    }
}

/// A small seeded generator (SplitMix64): reproducible across platforms.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The stack of the thread a run executes on (virtual memory; only the pages a
/// run touches are used).
const RUNTIME_STACK: usize = 256 << 20;

/// Drives [`step`](crate::step()) (as [`step_with`], lean when no trace is recorded) over a model.
pub struct Runtime<'m> {
    model: &'m Model,
    providers: Providers,
    pick: Box<dyn PickPolicy>,
    limits: Limits,
    seed: u64,
    max_steps: Option<u64>,
    max_time: Option<Duration>,
    record: bool,
    pool: Option<WorkerPool>,
    idle: Option<Box<dyn Fn() -> bool + Send + Sync + 'm>>,
    attempt: Option<Box<dyn Fn(Atom, bool) + Send + Sync + 'm>>,
}

impl<'m> Runtime<'m> {
    /// A deterministic runtime with seed 0, the lowest-Id pick policy, default
    /// limits, no step or time limit, and tracing on.
    pub fn new(model: &'m Model, providers: Providers) -> Runtime<'m> {
        Runtime {
            model,
            providers,
            pick: Box::new(LowestId),
            limits: Limits::default(),
            seed: 0,
            max_steps: None,
            max_time: None,
            record: true,
            pool: None,
            idle: None,
            attempt: None,
        }
    }

    /// A runtime whose provider constraints (all but the built-ins) run on
    /// worker threads, `workers` to start with and one more whenever a call finds
    /// them all busy: each call answers pending at once and starts at once, the
    /// scheduler steps other peers meanwhile, and the caller is woken through a
    /// channel when an answer arrives. Peers step in the order they become runnable.
    pub fn threaded(model: &'m Model, providers: Providers, workers: usize) -> Runtime<'m> {
        let pool = WorkerPool::new(workers);
        let providers = pool.offload(&providers);
        Runtime {
            pool: Some(pool),
            ..Runtime::new(model, providers)
        }
    }

    /// The seed of the scheduling order.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Stops with an error after this many steps.
    pub fn max_steps(mut self, steps: u64) -> Self {
        self.max_steps = Some(steps);
        self
    }

    /// Stops with an error after this much wall time.
    pub fn max_time(mut self, time: Duration) -> Self {
        self.max_time = Some(time);
        self
    }

    /// Term-size and inbox limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The pick policy for sends to unbound Ids.
    pub fn pick(mut self, pick: impl PickPolicy + 'static) -> Self {
        self.pick = Box::new(pick);
        self
    }

    /// Whether to record a trace (off for long runs that only need the end).
    pub fn record(mut self, on: bool) -> Self {
        self.record = on;
        self
    }

    /// Calls `hook` whenever no peer can step and some wait for pending
    /// answers, before the runtime sleeps until one arrives. The hook may
    /// resolve pending answers on the calling thread (a simulated clock that
    /// advances when every peer is blocked); it returns `false` to end the run
    /// instead, as [`RunEnd::Stuck`] with the waiting peers in the report.
    pub fn on_idle(mut self, hook: impl Fn() -> bool + Send + Sync + 'm) -> Self {
        self.idle = Some(Box::new(hook));
        self
    }

    /// Calls `hook` after every attempt to step a peer, with the peer's Id and
    /// whether the step fired (`false`: it was blocked). With the idle hook's
    /// calls, this is the run's schedule (lcc-vmm records it so that peers in
    /// separate processes can follow it).
    pub fn on_attempt(mut self, hook: impl Fn(Atom, bool) + Send + Sync + 'm) -> Self {
        self.attempt = Some(Box::new(hook));
        self
    }

    /// Starts `peers` and runs until every peer has finished or nothing can move.
    pub fn run(&self, peers: &[PeerSpec]) -> Result<Run, EvalError> {
        let (state, events) = State::start(self.model, peers)?;
        self.run_from(state, events)
    }

    /// Runs from a given state. The run's loop executes on a thread of its own
    /// with a large stack, so that deeply nested role calls (up to
    /// [`Limits::max_depth`]) cannot overflow the caller's stack.
    pub fn run_from(&self, state: State, start_events: Vec<Event>) -> Result<Run, EvalError> {
        std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("lcc-runtime".into())
                .stack_size(RUNTIME_STACK)
                .spawn_scoped(scope, || self.drive(state, start_events))
                .expect("spawn the runtime thread")
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    fn drive(&self, mut state: State, start_events: Vec<Event>) -> Result<Run, EvalError> {
        let ctx = Context {
            providers: &self.providers,
            pick: self.pick.as_ref(),
            limits: self.limits,
        };
        let mut trace = Trace::default();
        if self.record {
            trace.extend(0, None, start_events);
        }
        let n = state.len();
        let mut ready = Ready {
            set: PeerSet::new(n),
            fifo: self.pool.as_ref().map(|_| VecDeque::new()),
            rng: SplitMix64(self.seed),
        };
        for i in (0..n).filter(|&i| !state.peer(i).is_finished()) {
            ready.insert(i);
        }
        let mut waits: Vec<Vec<Wait>> = vec![Vec::new(); n];
        // The peers whose waits retry them on any step (see [`Retry`]).
        let mut on_any_step: BTreeSet<usize> = BTreeSet::new();
        let index_id: Vec<Atom> = (0..n).map(|i| state.peer(i).id()).collect();
        // Events only for a trace (whose variables are named by their canonical
        // numbers, so a traced run keeps its states canonical); otherwise the
        // state is renumbered only at the end of the run.
        let needs = if self.record { Needs::ALL } else { Needs::STATE };
        let (wake_tx, wake_rx) = mpsc::channel::<u64>();
        // Each pending answer's handle and the peer that waits for it.
        let mut pending: HashMap<u64, (Pending, usize)> = HashMap::new();
        let started = Instant::now();
        let mut steps: u64 = 0;
        loop {
            let limit = match (self.max_steps, self.max_time) {
                (Some(max), _) if steps >= max => Some(EvalError::new(
                    ErrorKind::StepLimit,
                    format!("the run reached its limit of {max} steps"),
                    None,
                )),
                (_, Some(max)) if steps.is_multiple_of(256) && started.elapsed() > max => Some(EvalError::new(
                    ErrorKind::TimeLimit,
                    format!("the run reached its time limit of {max:?}"),
                    None,
                )),
                _ => None,
            };
            if let Some(error) = limit {
                return Ok(Run {
                    state: state.canonical(),
                    trace,
                    end: RunEnd::Limit(error),
                    steps,
                });
            }
            if ready.is_empty() {
                pending.retain(|ticket, (_, peer)| state.waits_for(*peer, *ticket));
                if pending.is_empty() {
                    break;
                }
                if let Some(idle) = &self.idle
                    && !idle()
                {
                    break;
                }
                // Sleep until a pending answer arrives (no polling).
                let ticket = match self.max_time {
                    Some(max) => match wake_rx.recv_timeout(max.saturating_sub(started.elapsed())) {
                        Ok(t) => t,
                        Err(_) => {
                            let error = EvalError::new(
                                ErrorKind::TimeLimit,
                                format!("the run reached its time limit of {max:?} waiting for a pending constraint"),
                                None,
                            );
                            return Ok(Run {
                                state: state.canonical(),
                                trace,
                                end: RunEnd::Limit(error),
                                steps,
                            });
                        }
                    },
                    None => wake_rx.recv().expect("the runtime holds a sender"),
                };
                self.deliver(&mut state, &mut pending, ticket, &mut ready);
                continue;
            }
            while !pending.is_empty()
                && let Ok(ticket) = wake_rx.try_recv()
            {
                self.deliver(&mut state, &mut pending, ticket, &mut ready);
            }
            let peer = ready.next();
            let outcome = step_with(self.model, state, &Choice::peer(peer), &ctx, needs)?;
            if let Some(hook) = &self.attempt {
                hook(index_id[peer], matches!(outcome, Outcome::Fired(_)));
            }
            let new_pending = match outcome {
                Outcome::Fired(fired) => {
                    steps += 1;
                    state = fired.state;
                    // Only peers retried on any step and the recipient of
                    // this step's message can be woken by it, in peer order.
                    let mut wake = |i: usize, waits: &mut Vec<Wait>, on_any_step: &mut BTreeSet<usize>| {
                        if Retry::after(waits).woken(fired.recipient == Some(i)) {
                            if !state.peer(i).is_finished() {
                                ready.insert(i);
                            }
                            waits.clear();
                            on_any_step.remove(&i);
                        }
                    };
                    if on_any_step.is_empty() {
                        if let Some(i) = fired.recipient {
                            wake(i, &mut waits[i], &mut on_any_step);
                        }
                    } else {
                        let mut woken: Vec<usize> = on_any_step.iter().copied().chain(fired.recipient).collect();
                        woken.sort_unstable();
                        woken.dedup();
                        for i in woken {
                            wake(i, &mut waits[i], &mut on_any_step);
                        }
                    }
                    if state.peer(peer).is_finished() {
                        ready.remove(peer);
                    }
                    if self.record {
                        trace.extend(steps, Some(fired.choice), fired.events);
                    }
                    fired.pending
                }
                Outcome::Disabled(disabled) => {
                    unreachable!("a default choice is always enabled: {}", disabled.reason)
                }
                Outcome::Blocked(blocked) => {
                    state = blocked.state;
                    waits[peer] = blocked.waits;
                    if Retry::after(&waits[peer]) == Retry::OnAnyStep {
                        on_any_step.insert(peer);
                    } else {
                        on_any_step.remove(&peer);
                    }
                    ready.remove(peer);
                    if self.record {
                        trace.extend(steps, None, blocked.events);
                    }
                    blocked.pending
                }
            };
            for (ticket, handle) in new_pending {
                let tx = wake_tx.clone();
                handle.on_ready(Box::new(move || {
                    let _ = tx.send(ticket);
                }));
                pending.insert(ticket, (handle, peer));
            }
        }
        let end = if state.all_finished() {
            RunEnd::Finished
        } else {
            let peers: Vec<StuckPeer> = (0..n)
                .filter(|&i| !state.peer(i).is_finished())
                .map(|i| StuckPeer {
                    peer: state.peer(i).id(),
                    roles: state.peer(i).roles(self.model),
                    // Variables named as in the canonical state (the waits were
                    // found stepping with the peer's own numbering).
                    waits: match needs.canonical {
                        true => waits[i].clone(),
                        false => waits[i]
                            .iter()
                            .map(|w| w.map_terms(|t| state.canonical_term(i, t)))
                            .collect(),
                    },
                    inbox: state.peer(i).inbox().cloned().collect(),
                })
                .collect();
            if self.record {
                let stuck = peers
                    .iter()
                    .map(|p| Event::Stuck {
                        peer: p.peer,
                        waits: p.waits.clone(),
                    })
                    .collect();
                trace.extend(steps, None, stuck);
            }
            RunEnd::Stuck(DeadlockReport { peers })
        };
        Ok(Run {
            state: state.canonical(),
            trace,
            end,
            steps,
        })
    }

    fn deliver(&self, state: &mut State, pending: &mut HashMap<u64, (Pending, usize)>, ticket: u64, ready: &mut Ready) {
        let Some((handle, peer)) = pending.remove(&ticket) else {
            return;
        };
        let Some(answer) = handle.answer() else {
            return;
        };
        if state.deliver_to(peer, ticket, answer) {
            ready.insert(peer);
        }
    }
}

/// The peers a model's role declarations ask for: `r(role, initial, N)` and
/// `r(role, necessary, N)` give N peers (1 without a count) named `role1`,
/// `role2`, ... starting in that role; roles with arguments get fresh variables.
/// Empty if the model declares no initial or necessary role.
pub fn default_peers(model: &Model) -> Vec<PeerSpec> {
    use lcc_syntax::ast::RoleKind;
    let mut out = Vec::new();
    for decl in model.role_decls() {
        if !matches!(decl.kind, RoleKind::Initial | RoleKind::Necessary) {
            continue;
        }
        let count = decl.min.unwrap_or(1).max(1);
        let role = Term::compound(decl.name, (0..decl.arity as u32).map(Term::var).collect());
        for i in 1..=count {
            out.push(PeerSpec {
                id: Atom::new(&format!("{}{i}", decl.name.name())),
                role: role.clone(),
            });
        }
    }
    out
}

/// Parses a peer list `role=id1,id2;role2=id3` (a role may have arguments:
/// `underloaded(10)=p1`; its variables are fresh).
pub fn parse_peers(spec: &str) -> Result<Vec<PeerSpec>, EvalError> {
    let bad = |m: String| EvalError::new(ErrorKind::BadConfig, m, None);
    let mut out = Vec::new();
    for group in spec.split(';').map(str::trim).filter(|g| !g.is_empty()) {
        let (role, ids) = group
            .split_once('=')
            .ok_or_else(|| bad(format!("`{group}` should be `role=id1,id2`")))?;
        let role =
            crate::facts::parse_term(role.trim()).map_err(|e| bad(format!("`{}` is not a role: {e}", role.trim())))?;
        if role.name_arity().is_none() || matches!(role, Term::Int(_) | Term::Float(_) | Term::Str(_)) {
            return Err(bad(format!("`{role}` is not a role name")));
        }
        for id in ids.split(',').map(str::trim) {
            if id.is_empty() {
                return Err(bad(format!("an Id is missing in `{group}`")));
            }
            out.push(PeerSpec {
                id: Atom::new(id),
                role: role.clone(),
            });
        }
    }
    if out.is_empty() {
        return Err(bad("the peer list is empty".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod peer_set_tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The k-th member is the same as in an ordered set after any inserts and removals.
        #[test]
        fn nth_agrees_with_an_ordered_set(ops in proptest::collection::vec((any::<bool>(), 0usize..37), 0..200)) {
            let mut fast = PeerSet::new(37);
            let mut plain = BTreeSet::new();
            for (add, peer) in ops {
                if add {
                    prop_assert_eq!(fast.insert(peer), plain.insert(peer));
                } else {
                    prop_assert_eq!(fast.remove(peer), plain.remove(&peer));
                }
                prop_assert_eq!(fast.len, plain.len());
                for (k, &member) in plain.iter().enumerate() {
                    prop_assert_eq!(fast.nth(k), member);
                }
            }
        }
    }
}
