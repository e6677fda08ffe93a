//! The search: breadth-first exploration of lcc-eval's transition relation.
//!
//! A checker state is an lcc-eval [`State`] plus a sleep flag per peer. The
//! transitions are exactly lcc-eval's: every [`Fired`](lcc_eval::Fired) that
//! [`lcc_eval::enabled_for`] returns (every `par` branch, `or` alternative,
//! directory pick and constraint outcome) for each peer that is awake, reused
//! from a [`MoveCache`] in states where the peer's record and the role
//! directory are the same. The sleep
//! flags follow the runtimes' retry rule, [`lcc_eval::Retry`]: a peer whose
//! attempt to step is blocked is not retried until a message arrives in its inbox
//! or, if it waits for a role to be played, until any peer steps. So when some
//! constraint outcomes let a peer's attempt (lcc-eval's default choice, as a
//! runtime makes it) block, the checker also explores the peer going to sleep
//! there; a failed `isMigrationPossible` then leaves the peer waiting for good
//! unless a new message wakes it, as in a run.
//!
//! The search is level by level; each level's states are expanded in parallel
//! batches (`threads` workers) and inserted in order, so state numbers, the
//! graph and every verdict are the same for any number of threads.

use std::collections::HashMap;

use rustc_hash::{FxHashMap, FxHashSet};
use std::hash::BuildHasherDefault;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use lcc_eval::model::{Def, DefId};
use lcc_eval::state::{Proc, expand};
use lcc_eval::{
    Blocked, Choice, Context, EvalError, Event, Model, Outcome, PeerSpec, Providers, Retry, State, Wait, step,
};
use lcc_syntax::Span;

use crate::encode::{Encoder, Symmetry, encode, fingerprint};
use crate::graph::{Edge, Graph, Label, NodeInfo, Status};
use crate::moves::{MoveCache, PeerStep};

/// A peer's sleep flag: awake.
pub const AWAKE: u8 = 0;

/// The sleep flag of a peer blocked with lcc-eval's retry rule `retry`.
pub fn sleep_flag(retry: Retry) -> u8 {
    match retry {
        Retry::OnMessage => 1,
        Retry::OnAnyStep => 2,
    }
}

/// The retry rule of a sleep flag (`None`: awake).
pub fn retry_of(flag: u8) -> Option<Retry> {
    match flag {
        1 => Some(Retry::OnMessage),
        2 => Some(Retry::OnAnyStep),
        _ => None,
    }
}

/// A checker state: the interaction's state and which peers sleep (a sleep
/// flag per peer: [`AWAKE`], or when lcc-eval's [`Retry`] rule wakes it).
#[derive(Debug, Clone)]
pub struct Node {
    /// The lcc-eval state.
    pub state: State,
    /// One sleep flag per peer.
    pub asleep: Vec<u8>,
}

/// What a transition does.
#[derive(Debug, Clone)]
pub enum Move {
    /// A step fired: lcc-eval's choice (replayable with `step`), the step, its
    /// thread and events.
    Fire(Arc<PeerStep>),
    /// The peer's attempt to step was blocked (constraints failed); it sleeps.
    Sleep {
        /// What its steps wait for.
        waits: Vec<Wait>,
        /// The constraint calls of the attempt and their answers.
        events: Arc<[Event]>,
    },
}

/// One successor of a checker state.
#[derive(Debug, Clone)]
pub struct Succ {
    /// The next checker state.
    pub node: Node,
    /// The peer that moved.
    pub peer: usize,
    /// How.
    pub mv: Move,
}

/// Every successor of `node`, in a fixed order: lcc-eval's enabled steps of
/// awake peers (by peer), then the sleep moves (by peer). Each peer's moves come
/// from `cache` (asked of lcc-eval when not there yet).
pub fn successors(
    model: &Model,
    ctx: &Context<'_>,
    node: &Node,
    cache: &mut MoveCache,
) -> Result<Vec<Succ>, EvalError> {
    let state = &node.state;
    let directory = cache.directory(model, state);
    let mut out = Vec::new();
    let mut sleeps = Vec::new();
    for p in 0..state.len() {
        if node.asleep[p] != AWAKE {
            continue;
        }
        let moves = cache.moves(model, ctx, state, p, directory)?;
        for f in &moves.steps {
            let mut asleep = node.asleep.clone();
            for (i, a) in asleep.iter_mut().enumerate() {
                if let Some(retry) = retry_of(*a)
                    && retry.woken_by(state.peer(i).id(), &f.events)
                {
                    *a = AWAKE;
                }
            }
            out.push(Succ {
                node: Node {
                    state: cache.apply(state, p, f),
                    asleep,
                },
                peer: p,
                mv: Move::Fire(f.clone()),
            });
        }
        if let (false, Some(b)) = (moves.steps.is_empty(), &moves.block) {
            let mut next = state.clone();
            next.set_peer(p, b.peer.clone());
            let mut asleep = node.asleep.clone();
            asleep[p] = sleep_flag(Retry::after(&b.waits));
            sleeps.push(Succ {
                node: Node { state: next, asleep },
                peer: p,
                mv: Move::Sleep {
                    waits: b.waits.clone(),
                    events: b.events.clone(),
                },
            });
        }
    }
    out.extend(sleeps);
    Ok(out)
}

/// A combination of constraint outcomes under which the runtime's attempt
/// (`choice`, default path) is blocked without a pending answer.
pub(crate) fn blocked_attempt(
    model: &Model,
    state: &State,
    ctx: &Context<'_>,
    choice: Choice,
) -> Result<Option<Blocked>, EvalError> {
    let widths = match step(model, state, &choice, ctx)? {
        Outcome::Blocked(b) if b.pending.is_empty() => return Ok(Some(b)),
        Outcome::Blocked(b) => b.widths,
        Outcome::Fired(f) => f.widths,
        Outcome::Disabled(d) => d.widths,
    };
    for (k, &width) in widths.iter().enumerate().skip(choice.outcomes.len()) {
        for alt in 1..width {
            let mut outcomes = choice.outcomes.clone();
            outcomes.resize(k, 0);
            outcomes.push(alt);
            let next = Choice {
                outcomes,
                ..choice.clone()
            };
            if let Some(found) = blocked_attempt(model, state, ctx, next)? {
                return Ok(Some(found));
            }
        }
    }
    Ok(None)
}

/// The step a branch path leads to in a control tree, and the `par` branches on the way.
pub fn locate(model: &Model, proc: &Arc<Proc>, path: &[u32]) -> (Option<DefId>, Vec<u32>) {
    let mut thread = Vec::new();
    let mut cur = proc.clone();
    let mut i = 0;
    loop {
        let next = match &*cur {
            Proc::Done => return (None, thread),
            Proc::Step { def, .. } => return (Some(*def), thread),
            Proc::Seq { first, .. } => first.clone(),
            Proc::Frame { body, .. } => body.clone(),
            Proc::Par(a, b) => {
                let Some(&k) = path.get(i) else {
                    return (None, thread);
                };
                i += 1;
                thread.push(k);
                if k == 0 { a.clone() } else { b.clone() }
            }
            Proc::Or { def, env } => {
                let (Some(&k), Def::Or(alts)) = (path.get(i), model.def_node(*def)) else {
                    return (None, thread);
                };
                i += 1;
                expand(model, alts[k as usize], env)
            }
        };
        cur = next;
    }
}

/// Bounds that make the state space finite; states beyond them are not explored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Bounds {
    /// The most messages an inbox may hold (K).
    pub inbox: usize,
    /// The deepest term nesting a state may hold.
    pub depth: usize,
}

impl Default for Bounds {
    fn default() -> Bounds {
        Bounds { inbox: 2, depth: 8 }
    }
}

/// Limits on the search itself; hitting one gives a partial result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Limits {
    /// The most states to store.
    pub states: Option<u64>,
    /// The longest the search may run.
    pub time: Option<Duration>,
    /// The most memory (bytes, estimated) the search may use.
    pub memory: Option<u64>,
}

/// Which optimisations the search uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Reductions {
    /// Identify states that differ by a permutation of interchangeable peers.
    pub symmetry: bool,
    /// Store 128-bit fingerprints instead of whole encoded states.
    pub compact: bool,
    /// Worker threads for expanding states.
    pub threads: usize,
    /// Partial-order reduction: expand only an ample set of one peer's local
    /// steps where that is sound (see [`crate::por`]).
    pub por: bool,
}

impl Default for Reductions {
    fn default() -> Reductions {
        Reductions {
            symmetry: true,
            compact: true,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            por: true,
        }
    }
}

/// Steps, alternatives and clauses seen during the search.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// Steps that fired.
    pub steps: FxHashSet<DefId>,
    /// Alternatives chosen (by the span of the alternative).
    pub alternatives: FxHashSet<Span>,
    /// Clauses entered (by the span of the head).
    pub clauses: FxHashSet<Span>,
}

impl Coverage {
    fn events(&mut self, events: &[Event]) {
        for e in events {
            match e {
                Event::AlternativeChosen { span, .. } => {
                    self.alternatives.insert(*span);
                }
                Event::RoleEntered { span, .. } => {
                    self.clauses.insert(*span);
                }
                _ => {}
            }
        }
    }
}

/// Why the search stopped early.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Stop {
    /// The state limit.
    States(u64),
    /// The time limit.
    Time(Duration),
    /// The memory limit (bytes).
    Memory(u64),
}

/// Figures about a search.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Stats {
    /// States stored.
    pub states: u64,
    /// Transitions found.
    pub transitions: u64,
    /// The deepest BFS level reached.
    pub depth: u32,
    /// Wall time, seconds.
    pub seconds: f64,
    /// States stored per second.
    pub states_per_second: f64,
    /// Approximate bytes kept per state.
    pub bytes_per_state: f64,
    /// States left unexpanded when the search stopped early.
    pub unexpanded: u64,
    /// States with successors beyond the bounds (not explored).
    pub cut: u64,
    /// Why the search stopped early, if it did.
    pub stopped: Option<Stop>,
}

/// Hashes a fingerprint by folding its two halves (it is already a hash).
#[derive(Default)]
pub struct FoldFingerprint(u64);

impl std::hash::Hasher for FoldFingerprint {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u128(&mut self, v: u128) {
        self.0 = (v as u64) ^ ((v >> 64) as u64);
    }
}

/// A state's key in the visited set, computed by the worker that found it.
pub enum Key {
    /// Its 128-bit fingerprint.
    Fingerprint(u128),
    /// Its whole encoding.
    Bytes(Vec<u8>),
}

/// The visited set: fingerprints or whole encodings, each with its state number.
pub enum Visited {
    /// 128-bit fingerprints.
    Compact(HashMap<u128, u32, BuildHasherDefault<FoldFingerprint>>),
    /// Whole encodings.
    Full(FxHashMap<Box<[u8]>, u32>),
}

impl Visited {
    /// The state number of an encoding, if visited.
    pub fn get(&self, bytes: &[u8]) -> Option<u32> {
        match self {
            Visited::Compact(m) => m.get(&fingerprint(bytes)).copied(),
            Visited::Full(m) => m.get(bytes).copied(),
        }
    }

    /// The key of an encoding in this set.
    fn key(&self, bytes: Vec<u8>) -> Key {
        match self {
            Visited::Compact(_) => Key::Fingerprint(fingerprint(&bytes)),
            Visited::Full(_) => Key::Bytes(bytes),
        }
    }

    /// Whether a key (from [`Visited::key`]) is in the set.
    fn contains(&self, key: &Key) -> bool {
        match (self, key) {
            (Visited::Compact(m), Key::Fingerprint(f)) => m.contains_key(f),
            (Visited::Full(m), Key::Bytes(b)) => m.contains_key(b.as_slice()),
            _ => unreachable!("keys come from `Visited::key` of the same set"),
        }
    }

    fn key_bytes(&self) -> usize {
        match self {
            Visited::Compact(_) => 16,
            Visited::Full(m) => {
                let total: usize = m.keys().take(1000).map(|k| k.len() + 16).sum();
                total / m.len().clamp(1, 1000)
            }
        }
    }

    fn insert(&mut self, key: Key, next: u32) -> (u32, bool) {
        match (self, key) {
            (Visited::Compact(m), Key::Fingerprint(f)) => {
                let n = m.len();
                let i = *m.entry(f).or_insert(next);
                (i, m.len() > n)
            }
            (Visited::Full(m), Key::Bytes(b)) => {
                let n = m.len();
                let i = *m.entry(b.into_boxed_slice()).or_insert(next);
                (i, m.len() > n)
            }
            _ => unreachable!("keys come from `Visited::key` of the same set"),
        }
    }

    fn len(&self) -> usize {
        match self {
            Visited::Compact(m) => m.len(),
            Visited::Full(m) => m.len(),
        }
    }
}

/// The result of a search.
pub struct Explored {
    /// The graph.
    pub graph: Graph,
    /// What was covered.
    pub coverage: Coverage,
    /// Figures.
    pub stats: Stats,
    /// The visited set (for replaying paths).
    pub visited: Visited,
    /// The start state.
    pub start: Node,
    /// The start-up events (initial roles entered).
    pub start_events: Vec<Event>,
    /// With symmetry: for each stored state, `peers` bytes; byte `k` of state
    /// `s` is the stored index of the peer encoded in position `k`.
    pub encoded_peers: Vec<u8>,
}

impl Explored {
    /// How the peers of stored state `s` are numbered in `node`, a concrete
    /// state stored as `s` (e.g. the end of a replayed path): stored peer `q`
    /// is `node`'s peer `result[q]`. The identity without symmetry.
    pub fn peers_of(&self, s: u32, node: &Node, symmetry: &Symmetry) -> Vec<usize> {
        let n = node.state.len();
        if symmetry.is_trivial() {
            return (0..n).collect();
        }
        let stored = &self.encoded_peers[s as usize * n..(s as usize + 1) * n];
        let position = encode(&node.state, &node.asleep, symmetry).position;
        let mut out = vec![0; n];
        for (i, &pos) in position.iter().enumerate() {
            out[stored[pos as usize] as usize] = i;
        }
        out
    }
}

/// A configured search.
pub struct Search<'a> {
    /// The model.
    pub model: &'a Model,
    /// Constraint answers.
    pub providers: &'a Providers,
    /// Interchangeable peers (used when `reductions.symmetry`).
    pub symmetry: Symmetry,
    /// Bounds.
    pub bounds: Bounds,
    /// Limits.
    pub limits: Limits,
    /// Optimisations.
    pub reductions: Reductions,
    /// Show a progress bar (only drawn on a terminal).
    pub progress: bool,
}

/// The stack of a search worker: lcc-eval's runs use 256 MiB (reserved, not
/// committed, until used).
const WORKER_STACK: usize = 256 << 20;

/// What a search worker keeps from one state to the next.
struct Worker {
    /// Each peer's moves per local situation.
    moves: MoveCache,
    /// Peer encodings.
    encoder: Encoder,
}

/// A successor as a worker prepares it for insertion.
struct Prepared {
    key: Key,
    position: Vec<u8>,
    node: Node,
    peer: u8,
    fired: bool,
    comm: bool,
    receives: bool,
    thread: Vec<u32>,
    step: Option<DefId>,
    events: Arc<[Event]>,
}

struct Expansion {
    succs: Vec<Prepared>,
    cut: bool,
    enabled: Vec<(u8, Vec<u32>)>,
    /// Indices into `succs` of an ample set (partial-order reduction).
    ample: Option<Vec<usize>>,
}

/// lcc-eval's context for verification: no inbox or term-size errors (the
/// checker applies its own bounds).
pub fn context(providers: &Providers) -> Context<'_> {
    Context {
        providers,
        pick: &lcc_eval::LowestId,
        limits: lcc_eval::Limits {
            max_term_size: usize::MAX,
            max_inbox: usize::MAX,
            ..lcc_eval::Limits::default()
        },
    }
}

/// Bit `i`.
pub fn bit(i: usize) -> u64 {
    1u64 << i
}

/// The definitions of the steps and choices `proc` has next, in tree order.
fn frontier(proc: &Proc, out: &mut Vec<u32>) {
    match proc {
        Proc::Done => {}
        Proc::Step { def, .. } | Proc::Or { def, .. } => out.push(def.0),
        Proc::Seq { first, .. } => frontier(first, out),
        Proc::Frame { body, .. } => frontier(body, out),
        Proc::Par(a, b) => {
            frontier(a, out);
            frontier(b, out);
        }
    }
}

/// Every peer's place in `state` (see [`Graph::places`]), interned in `graph`.
fn placement_of(graph: &mut Graph, state: &State) -> u32 {
    let places = state
        .peers()
        .map(|p| {
            let mut defs = Vec::new();
            frontier(p.proc(), &mut defs);
            defs.sort_unstable();
            graph.places.intern(defs)
        })
        .collect();
    graph.placements.intern(places)
}

fn masks(state: &State) -> (u64, u64) {
    let mut unfinished = 0;
    let mut inbox = 0;
    for (i, p) in state.peers().enumerate() {
        if !p.is_finished() {
            unfinished |= bit(i);
        }
        if p.inbox().next().is_some() {
            inbox |= bit(i);
        }
    }
    (unfinished, inbox)
}

impl Search<'_> {
    fn symmetry(&self) -> Symmetry {
        if self.reductions.symmetry {
            self.symmetry.clone()
        } else {
            Symmetry::default()
        }
    }

    fn expand(&self, node: &Node, visited: &Visited, worker: &mut Worker) -> Result<Expansion, EvalError> {
        let cache = &mut worker.moves;
        let ctx = context(self.providers);
        let mut out = Expansion {
            succs: Vec::new(),
            cut: false,
            enabled: Vec::new(),
            ample: None,
        };
        let succs = successors(self.model, &ctx, node, cache)?;
        let ample = if self.reductions.por {
            crate::por::ample(self.model, &ctx, node, &succs, cache)?
        } else {
            None
        };
        // Where each successor lands in `out.succs` (`None`: beyond the bounds).
        let mut placed = Vec::with_capacity(succs.len());
        for s in succs {
            let (fired, thread, step, events) = match &s.mv {
                Move::Fire(f) => (true, f.thread.clone(), f.step, f.events.clone()),
                Move::Sleep { events, .. } => (false, Vec::new(), None, events.clone()),
            };
            if fired {
                out.enabled.push((s.peer as u8, thread.clone()));
            }
            if s.node.state.peers().any(|p| p.inbox().count() > self.bounds.inbox) {
                out.cut = true;
                placed.push(None);
                continue;
            }
            let enc = worker.encoder.encode(&s.node.state, &s.node.asleep);
            if enc.depth > self.bounds.depth {
                out.cut = true;
                placed.push(None);
                continue;
            }
            placed.push(Some(out.succs.len()));
            let comm = events
                .iter()
                .any(|e| matches!(e, Event::Sent { .. } | Event::Received { .. }));
            let receives = events.iter().any(|e| matches!(e, Event::Received { .. }));
            out.succs.push(Prepared {
                key: visited.key(enc.bytes),
                position: enc.position,
                node: s.node,
                peer: s.peer as u8,
                fired,
                comm,
                receives,
                thread,
                step,
                events,
            });
        }
        out.enabled.sort();
        out.enabled.dedup();
        // An ample successor beyond the bounds: expand fully.
        out.ample = ample.and_then(|indices| indices.into_iter().map(|i| placed[i]).collect());
        Ok(out)
    }

    /// Explores from the peers' start state.
    pub fn run(&self, peers: &[PeerSpec]) -> Result<Explored, EvalError> {
        let started = Instant::now();
        let (state, start_events) = State::start(self.model, peers)?;
        let n = state.len();
        if n > 64 {
            return Err(EvalError::new(
                lcc_eval::ErrorKind::BadConfig,
                format!("the checker handles at most 64 peers, not {n}"),
                None,
            ));
        }
        let symmetry = self.symmetry();
        let start = Node {
            state,
            asleep: vec![0; n],
        };
        let mut graph = Graph::new(n);
        let mut coverage = Coverage::default();
        coverage.events(&start_events);
        let mut visited = if self.reductions.compact {
            Visited::Compact(HashMap::default())
        } else {
            Visited::Full(FxHashMap::default())
        };
        let enc = encode(&start.state, &start.asleep, &symmetry);
        let mut rep_inverse: Vec<u8> = Vec::new();
        let invert = |position: &[u8]| {
            let mut inv = vec![0u8; position.len()];
            for (i, &p) in position.iter().enumerate() {
                inv[p as usize] = i as u8;
            }
            inv
        };
        rep_inverse.extend(invert(&enc.position));
        let key = visited.key(enc.bytes);
        visited.insert(key, 0);
        let (unfinished, inbox) = masks(&start.state);
        let placement = placement_of(&mut graph, &start.state);
        graph.nodes.push(NodeInfo {
            placement,
            parent: 0,
            depth: 0,
            unfinished,
            inbox,
            enabled: 0,
            status: Status::Unexpanded,
        });
        let bar = if self.progress && std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(ProgressStyle::with_template("{spinner} {elapsed} {msg}").expect("template"));
            bar
        } else {
            ProgressBar::hidden()
        };
        let threads = self.reductions.threads.max(1);
        let workers: Vec<Mutex<Worker>> = (0..threads)
            .map(|_| {
                Mutex::new(Worker {
                    moves: MoveCache::default(),
                    encoder: Encoder::new(&start.state, &symmetry),
                })
            })
            .collect();
        let batch = 512 * threads;
        let mut frontier: Vec<(u32, Node)> = vec![(0, start.clone())];
        let mut stopped = None;
        let mut cut = 0u64;
        'levels: while !frontier.is_empty() {
            let mut next: Vec<(u32, Node)> = Vec::new();
            for chunk in frontier.chunks(batch) {
                if let Some(stop) = self.limit_hit(&graph, &visited, started, next.len() + frontier.len()) {
                    stopped = Some(stop);
                    break 'levels;
                }
                let expansions = self.expand_all(chunk, &workers, &visited);
                for ((src, _), exp) in chunk.iter().zip(expansions) {
                    let exp = exp?;
                    let src = *src;
                    if exp.cut {
                        cut += 1;
                    }
                    let thread_ids: Vec<u32> = {
                        let mut ids: Vec<u32> = exp.enabled.into_iter().map(|t| graph.threads.intern(t)).collect();
                        ids.sort_unstable();
                        ids
                    };
                    let enabled = graph.thread_sets.intern(thread_ids);
                    let info = &mut graph.nodes[src as usize];
                    info.status = if exp.cut { Status::Cut } else { Status::Expanded };
                    info.enabled = enabled;
                    let depth = info.depth + 1;
                    let mut succs = exp.succs;
                    // The cycle proviso: the ample set only if all its successors are new.
                    if let Some(ample) = exp.ample
                        && ample.iter().all(|&i| !visited.contains(&succs[i].key))
                    {
                        let mut keep = vec![false; succs.len()];
                        ample.iter().for_each(|&i| keep[i] = true);
                        let mut k = keep.into_iter();
                        succs.retain(|_| k.next().unwrap_or(false));
                    }
                    for p in succs {
                        let fresh = graph.nodes.len() as u32;
                        let (dst, new) = visited.insert(p.key, fresh);
                        if new {
                            let (unfinished, inbox) = masks(&p.node.state);
                            let placement = placement_of(&mut graph, &p.node.state);
                            graph.nodes.push(NodeInfo {
                                placement,
                                parent: src,
                                depth,
                                unfinished,
                                inbox,
                                enabled: 0,
                                status: Status::Unexpanded,
                            });
                            if !symmetry.is_trivial() {
                                rep_inverse.extend(invert(&p.position));
                            }
                        }
                        let sigma = if symmetry.is_trivial() {
                            0
                        } else {
                            let inv = &rep_inverse[dst as usize * n..(dst as usize + 1) * n];
                            graph
                                .perms
                                .intern(p.position.iter().map(|&pos| inv[pos as usize]).collect())
                        };
                        let thread = graph.threads.intern((p.peer, p.thread));
                        let label = graph.labels.intern(Label {
                            peer: p.peer,
                            fired: p.fired,
                            comm: p.comm,
                            receives: p.receives,
                            thread,
                            sigma,
                        });
                        graph.edges.push(Edge { src, dst, label });
                        if let Some(def) = p.step {
                            coverage.steps.insert(def);
                        }
                        coverage.events(&p.events);
                        if new {
                            next.push((dst, p.node));
                        }
                    }
                }
                bar.set_message(format!(
                    "{} states, depth {}, {:.0} states/s",
                    graph.nodes.len(),
                    graph.nodes.last().map_or(0, |n| n.depth),
                    graph.nodes.len() as f64 / started.elapsed().as_secs_f64().max(1e-9)
                ));
                bar.tick();
            }
            frontier = next;
        }
        bar.finish_and_clear();
        let seconds = started.elapsed().as_secs_f64();
        let unexpanded = graph.nodes.iter().filter(|n| n.status == Status::Unexpanded).count() as u64;
        let key_bytes = visited.key_bytes();
        let stats = Stats {
            states: graph.nodes.len() as u64,
            transitions: graph.edges.len() as u64,
            depth: graph.nodes.iter().map(|n| n.depth).max().unwrap_or(0),
            seconds,
            states_per_second: graph.nodes.len() as f64 / seconds.max(1e-9),
            bytes_per_state: graph.bytes_per_state(key_bytes) + if symmetry.is_trivial() { 0.0 } else { n as f64 },
            unexpanded,
            cut,
            stopped,
        };
        Ok(Explored {
            graph,
            coverage,
            stats,
            visited,
            start,
            start_events,
            encoded_peers: if symmetry.is_trivial() { Vec::new() } else { rep_inverse },
        })
    }

    fn limit_hit(&self, graph: &Graph, visited: &Visited, started: Instant, frontier: usize) -> Option<Stop> {
        if let Some(max) = self.limits.states
            && graph.nodes.len() as u64 >= max
        {
            return Some(Stop::States(max));
        }
        if let Some(max) = self.limits.time
            && started.elapsed() >= max
        {
            return Some(Stop::Time(max));
        }
        if let Some(max) = self.limits.memory {
            // Kept per state, plus about 1 KiB per state waiting to be expanded.
            let used = graph.bytes_per_state(visited.key_bytes()) * visited.len() as f64 + frontier as f64 * 1024.0;
            if used >= max as f64 {
                return Some(Stop::Memory(max));
            }
        }
        None
    }

    fn expand_all(
        &self,
        chunk: &[(u32, Node)],
        workers: &[Mutex<Worker>],
        visited: &Visited,
    ) -> Vec<Result<Expansion, EvalError>> {
        // Each worker runs lcc-eval's `step` on a stack as large as lcc-eval's
        // own runs use, so that its role-nesting limit is reachable here too.
        let used = if chunk.len() < 64 { 1 } else { workers.len() };
        let per = chunk.len().div_ceil(used).max(1);
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .chunks(per)
                .zip(workers)
                .map(|(part, worker)| {
                    std::thread::Builder::new()
                        .stack_size(WORKER_STACK)
                        .spawn_scoped(scope, move || {
                            let mut worker = worker.lock().expect("a search worker panicked");
                            part.iter()
                                .map(|(_, node)| self.expand(node, visited, &mut worker))
                                .collect::<Vec<_>>()
                        })
                        .expect("spawn a search worker")
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("a search worker panicked"))
                .collect()
        })
    }
}
