//! The verification API: configure peers, constraint abstraction, bounds, limits
//! and reductions; explore; turn the graph's properties into findings with
//! shortest counterexamples.

use std::collections::{HashMap, HashSet};

use lcc_eval::model::{CondKind, Def, DefId, StepKind};
use lcc_eval::state::Message;
use lcc_eval::{Atom, EvalError, Event, Model, PeerSpec, Term};
use lcc_syntax::Span;

use crate::abstraction::Abstraction;
use crate::counterexample::{Counterexample, replay, waits};
use crate::encode::Symmetry;
use crate::explore::{Bounds, Explored, Limits, Reductions, Search, bit};
use crate::properties::{can_step, non_progress_cycles, unreceived};
use crate::report::{Finding, Kind, Report};

/// A verification of one model with one peer configuration.
pub struct Verifier<'m> {
    model: &'m Model,
    peers: Vec<PeerSpec>,
    abstraction: Abstraction,
    /// Bounds of the state space.
    pub bounds: Bounds,
    /// Limits of the search.
    pub limits: Limits,
    /// Optimisations.
    pub reductions: Reductions,
    /// Draw a progress bar on a terminal.
    pub progress: bool,
}

impl<'m> Verifier<'m> {
    /// Verifies `model` started with `peers`, constraints answered by `abstraction`,
    /// default bounds, no limits, every reduction on.
    pub fn new(model: &'m Model, peers: Vec<PeerSpec>, abstraction: Abstraction) -> Verifier<'m> {
        Verifier {
            model,
            peers,
            abstraction,
            bounds: Bounds::default(),
            limits: Limits::default(),
            reductions: Reductions::default(),
            progress: false,
        }
    }

    /// The interchangeable peers: same initial role, Id not written in the model,
    /// and a model that neither calls `peers/2` nor uses constraints answered
    /// exactly (which may depend on the caller's Id).
    pub fn symmetry(&self) -> Symmetry {
        let (_, treatments) = self.abstraction.providers(self.model);
        if treatments.iter().any(|t| t.kind == "exact") || calls_peers(self.model) {
            return Symmetry::default();
        }
        let written = model_atoms(self.model);
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, p) in self.peers.iter().enumerate() {
            if written.contains(&p.id) {
                continue;
            }
            match groups.iter_mut().find(|g| self.peers[g[0]].role == p.role) {
                Some(g) => g.push(i),
                None => groups.push(vec![i]),
            }
        }
        groups.retain(|g| g.len() > 1);
        Symmetry { groups }
    }

    /// Explores and checks every property.
    pub fn run(&self) -> Result<Report, EvalError> {
        let (providers, constraints) = self.abstraction.providers(self.model);
        let symmetry = self.symmetry();
        let search = Search {
            model: self.model,
            providers: &providers,
            symmetry: symmetry.clone(),
            bounds: self.bounds,
            limits: self.limits,
            reductions: self.reductions,
            progress: self.progress,
        };
        let explored = search.run(&self.peers)?;
        let used = if self.reductions.symmetry {
            symmetry.clone()
        } else {
            Symmetry::default()
        };
        let ctx = Ctx {
            model: self.model,
            peers: &self.peers,
            interchangeable: &symmetry,
            providers: &providers,
            explored: &explored,
            symmetry: &used,
            bounds: self.bounds,
        };
        let mut findings = Vec::new();
        let deadlocks = ctx.deadlocks()?;
        // A peer stuck at the same place as in a global deadlock is reported there.
        let global: Vec<_> = deadlocks
            .iter()
            .filter(|f| f.kind == Kind::Deadlock)
            .map(|f| f.span)
            .collect();
        findings.extend(
            deadlocks
                .into_iter()
                .filter(|f| f.kind == Kind::Deadlock || !global.contains(&f.span)),
        );
        let (orphans, orphaned) = ctx.orphans()?;
        // Messages that end up orphans are reported as such.
        let unreceived = ctx.unreceived()?;
        findings.extend(
            unreceived
                .into_iter()
                .filter(|(_, held)| !held.iter().all(|m| orphaned.contains(m)))
                .map(|(f, _)| f),
        );
        findings.extend(orphans);
        findings.extend(ctx.coverage());
        findings.extend(ctx.non_progress()?);
        findings.sort_by_key(|f| (!f.kind.is_error(), f.kind));
        Ok(Report {
            peers: self.peers.clone(),
            bounds: self.bounds,
            limits: self.limits,
            reductions: self.reductions,
            symmetric: used
                .groups
                .iter()
                .map(|g| g.iter().map(|&i| self.peers[i].id.name().to_string()).collect())
                .collect(),
            constraints,
            pool: self.abstraction.pool_size(),
            stats: explored.stats.clone(),
            findings,
        })
    }
}

/// A message as findings compare it (see `Ctx::message_key`).
type MessageKey = (Atom, Option<Atom>, Atom, Option<Atom>, Term);

/// A message as reports print it.
fn describe(m: &Message) -> String {
    format!(
        "`{}` from a({}, {}) to a({}, {})",
        m.term, m.from.role, m.from.id, m.to.role, m.to.id
    )
}

/// At most this many candidate states are replayed per property.
const MAX_REPLAYS: usize = 200;

/// At most this many findings of one kind are reported (distinct by location).
const MAX_PER_KIND: usize = 5;

/// What the property checks share.
struct Ctx<'a> {
    model: &'a Model,
    peers: &'a [PeerSpec],
    /// Interchangeable peers, whether or not the search used symmetry reduction.
    interchangeable: &'a Symmetry,
    providers: &'a lcc_eval::Providers,
    explored: &'a Explored,
    symmetry: &'a Symmetry,
    bounds: Bounds,
}

impl Ctx<'_> {
    fn replay(&self, states: &[u32]) -> Result<Counterexample, EvalError> {
        replay(
            self.model,
            self.providers,
            self.explored,
            self.symmetry,
            self.bounds,
            states,
        )
    }

    fn ids(&self, c: &Counterexample, mask: u64) -> Vec<String> {
        (0..c.end.state.len())
            .filter(|&i| mask & bit(i) != 0)
            .map(|i| format!("`{}`", c.end.state.peer(i).id()))
            .collect()
    }

    /// States where the set of peers in `mask` grows along the BFS tree,
    /// shallowest first (where a problem first shows).
    fn firsts(&self, mask: impl Fn(usize) -> u64) -> Vec<usize> {
        let graph = &self.explored.graph;
        let global = |s: usize| mask(s) == graph.nodes[s].unfinished;
        (0..graph.nodes.len())
            .filter(|&s| {
                let m = mask(s);
                let parent = graph.nodes[s].parent as usize;
                m != 0 && (s == 0 || mask(parent).count_ones() < m.count_ones() || (global(s) && !global(parent)))
            })
            .take(MAX_REPLAYS)
            .collect()
    }

    /// Deadlocks, one finding per place where a peer gets stuck: for every place
    /// (the steps a peer has next) where some peer is stuck in some state, the
    /// shallowest such state, as a global deadlock if one is reachable there,
    /// else as a strong one. What is reported therefore depends only on the
    /// reachable states, not on the order or the representatives the search
    /// happened to store them in.
    fn deadlocks(&self) -> Result<Vec<Finding>, EvalError> {
        let graph = &self.explored.graph;
        let can = can_step(graph);
        // (global, place) -> (depth, state, peer) of its shallowest stuck peer.
        let mut first: HashMap<(bool, &[u32]), (u32, u32, usize)> = HashMap::new();
        for (s, info) in graph.nodes.iter().enumerate() {
            let stuck = info.unfinished & !can[s];
            if stuck == 0 {
                continue;
            }
            let global = stuck == info.unfinished;
            for i in (0..graph.peers).filter(|&i| stuck & bit(i) != 0) {
                let seen = (info.depth, s as u32, i);
                first
                    .entry((global, graph.place(s as u32, i)))
                    .and_modify(|e| *e = (*e).min(seen))
                    .or_insert(seen);
            }
        }
        let mut keys: Vec<_> = first
            .iter()
            .filter(|((global, place), _)| *global || !first.contains_key(&(true, *place)))
            .map(|(&(global, place), &(depth, s, peer))| (!global, depth, place, s, peer))
            .collect();
        keys.sort();
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut states = HashSet::new();
        for (strong, _, _, s, peer) in keys.into_iter().take(MAX_REPLAYS) {
            let kind = if strong { Kind::StrongDeadlock } else { Kind::Deadlock };
            // A state is reported once, with every peer stuck in it.
            if !states.insert(s) || out.iter().filter(|f: &&Finding| f.kind == kind).count() >= MAX_PER_KIND {
                continue;
            }
            let mut c = self.replay(&graph.path_to(s))?;
            let mask = graph.nodes[s as usize].unfinished & !can[s as usize];
            // The state as replayed: stored peer `q` is replayed peer `at[q]`.
            let at = self.explored.peers_of(s, &c.end, self.symmetry);
            let mut stuck_events = Vec::new();
            let mut span = None;
            let mut replayed_mask = 0;
            for q in (0..graph.peers).filter(|&q| mask & bit(q) != 0) {
                let i = at[q];
                replayed_mask |= bit(i);
                let w = waits(self.model, self.providers, &c.end, i)?;
                if q == peer {
                    span = w.iter().map(|w| w.span()).min_by_key(|s| (s.file.0, s.start, s.end));
                }
                let id = c.end.state.peer(i).id();
                // A peer that went to sleep in the last move is shown stuck there already.
                let shown = c
                    .trace
                    .entries
                    .iter()
                    .rev()
                    .take_while(|e| e.step == c.moves() as u64)
                    .any(|e| matches!(&e.event, Event::Stuck { peer, .. } if *peer == id));
                if !shown {
                    stuck_events.push(Event::Stuck { peer: id, waits: w });
                }
            }
            if !seen.insert((kind, span)) {
                continue;
            }
            c.trace.extend(c.moves() as u64, None, stuck_events);
            let who = self.ids(&c, replayed_mask);
            let message = match kind {
                Kind::Deadlock => format!("{} can never step again, and no other peer can either", who.join(", ")),
                _ => format!(
                    "{} can never step again, whatever the other peers do (they keep running)",
                    who.join(", ")
                ),
            };
            out.push(Finding {
                kind,
                message,
                span,
                counterexample: Some(c),
            });
        }
        Ok(out)
    }

    /// A message as findings compare it: sender, recipient and term, with the
    /// Ids of interchangeable peers left out (whether or not the search used
    /// symmetry reduction, so that its verdicts do not depend on it).
    fn message_key(&self, m: &Message) -> MessageKey {
        let id = |a: Atom| {
            let symmetric = self
                .interchangeable
                .groups
                .iter()
                .flatten()
                .any(|&i| self.peers[i].id == a);
            (!symmetric).then_some(a)
        };
        (m.from.role, id(m.from.id), m.to.role, id(m.to.id), m.term.clone())
    }

    /// The orphan finding (the shallowest state where every peer has finished
    /// with messages left), and the messages left there.
    fn orphans(&self) -> Result<(Vec<Finding>, HashSet<MessageKey>), EvalError> {
        let graph = &self.explored.graph;
        let Some(s) = (0..graph.nodes.len()).find(|&s| {
            let n = &graph.nodes[s];
            n.status.is_complete() && n.unfinished == 0 && n.inbox != 0
        }) else {
            return Ok((Vec::new(), HashSet::new()));
        };
        let c = self.replay(&graph.path_to(s as u32))?;
        let left: Vec<String> = c.end.state.messages().map(|(_, m)| describe(m)).collect();
        let keys = c.end.state.messages().map(|(_, m)| self.message_key(m)).collect();
        let finding = Finding {
            kind: Kind::OrphanMessage,
            message: format!("every peer has finished with messages left: {}", left.join("; ")),
            span: None,
            counterexample: Some(c),
        };
        Ok((vec![finding], keys))
    }

    /// Unreceived-message findings, each with the messages it is about.
    fn unreceived(&self) -> Result<Vec<(Finding, Vec<MessageKey>)>, EvalError> {
        let graph = &self.explored.graph;
        let bad = unreceived(graph);
        // Orphans are reported as such; look at peers still running.
        let mut out: Vec<(Finding, Vec<MessageKey>)> = Vec::new();
        let mut seen = HashSet::new();
        for s in self.firsts(|s| bad[s] & graph.nodes[s].unfinished) {
            let c = self.replay(&graph.path_to(s as u32))?;
            let mask = bad[s] & graph.nodes[s].unfinished;
            let at = self.explored.peers_of(s as u32, &c.end, self.symmetry);
            let mut parts = Vec::new();
            let mut held = Vec::new();
            for q in (0..graph.peers).filter(|&q| mask & bit(q) != 0) {
                let p = c.end.state.peer(at[q]);
                let msgs: Vec<String> = p.inbox().map(describe).collect();
                held.extend(p.inbox().map(|m| self.message_key(m)));
                parts.push(format!("peer `{}` holds {}", p.id(), msgs.join(", ")));
            }
            let mut kinds: Vec<_> = held
                .iter()
                .map(|(from, _, to, _, term)| (*from, *to, term.name_arity()))
                .collect();
            kinds.sort();
            kinds.dedup();
            if !seen.insert(kinds) || out.len() >= MAX_PER_KIND {
                continue;
            }
            let span = self.explored_send_span(&c);
            let finding = Finding {
                kind: Kind::UnreceivedMessage,
                message: format!(
                    "{}, and on some run fair to it, it never receives a message again",
                    parts.join("; ")
                ),
                span,
                counterexample: Some(c),
            };
            out.push((finding, held));
        }
        Ok(out)
    }

    /// The span of the last send in a counterexample.
    fn explored_send_span(&self, c: &Counterexample) -> Option<Span> {
        c.trace.entries.iter().rev().find_map(|e| match &e.event {
            Event::Sent { span, .. } => Some(*span),
            _ => None,
        })
    }

    fn non_progress(&self) -> Result<Vec<Finding>, EvalError> {
        let graph = &self.explored.graph;
        let Some(cycle) = non_progress_cycles(graph).into_iter().next() else {
            return Ok(Vec::new());
        };
        let mut path = graph.path_to(cycle[0]);
        let loop_from = path.len() - 1;
        path.extend(&cycle[1..]);
        let mut c = self.replay(&path)?;
        c.loop_from = Some(loop_from);
        let span = c.trace.entries.iter().rev().find_map(|e| e.event.span());
        Ok(vec![Finding {
            kind: Kind::NonProgressCycle,
            message: format!(
                "a cycle of {} step{} exchanges no message; it can repeat for ever",
                cycle.len() - 1,
                if cycle.len() == 2 { "" } else { "s" }
            ),
            span,
            counterexample: Some(c),
        }])
    }

    fn coverage(&self) -> Vec<Finding> {
        let cov = &self.explored.coverage;
        let mut out = Vec::new();
        for (_, clause) in self.model.clauses() {
            if !cov.clauses.contains(&clause.head_span) {
                out.push(Finding {
                    kind: Kind::UnreachableRole,
                    message: format!(
                        "the clause for role `{}/{}` is never entered",
                        clause.name,
                        clause.role.args().len()
                    ),
                    span: Some(clause.head_span),
                    counterexample: None,
                });
                continue;
            }
            let mut dead = Vec::new();
            walk_dead(self.model, clause.body, cov, &mut dead);
            out.extend(dead);
        }
        out
    }
}

/// Dead alternatives and steps under `def`; a dead alternative's steps are not
/// listed again.
fn walk_dead(model: &Model, def: DefId, cov: &crate::explore::Coverage, out: &mut Vec<Finding>) {
    match model.def_node(def) {
        Def::Then(a, b) | Def::Par(a, b) => {
            walk_dead(model, *a, cov, out);
            walk_dead(model, *b, cov, out);
        }
        Def::Or(alts) => {
            for (i, alt) in alts.iter().enumerate() {
                if cov.alternatives.contains(&model.def_span(*alt)) {
                    walk_dead(model, *alt, cov, out);
                } else {
                    out.push(Finding {
                        kind: Kind::DeadAlternative,
                        message: format!("alternative {} of {} is never taken", i + 1, alts.len()),
                        span: Some(model.def_span(*alt)),
                        counterexample: None,
                    });
                }
            }
        }
        Def::Step(step) => {
            if !cov.steps.contains(&def) {
                let what = match step.kind {
                    StepKind::Send { .. } => "send",
                    StepKind::Receive { .. } => "receive",
                    StepKind::Null => "null step",
                    StepKind::Call(_) => "role call",
                };
                out.push(Finding {
                    kind: Kind::DeadStep,
                    message: format!("this {what} is never taken"),
                    span: Some(step.span),
                    counterexample: None,
                });
            }
        }
    }
}

/// Whether the model calls `peers/2` (the directory, which orders peers by Id).
fn calls_peers(model: &Model) -> bool {
    fn cond(c: &lcc_eval::model::Cond) -> bool {
        match &c.kind {
            CondKind::And(a, b) | CondKind::Or(a, b) => cond(a) || cond(b),
            CondKind::Not(a) => cond(a),
            CondKind::Compare(..) => false,
            CondKind::Call(t) => t.name_arity().is_some_and(|(n, a)| n.name() == "peers" && a == 2),
        }
    }
    model.steps().any(|(_, s)| s.guard.as_ref().is_some_and(cond))
}

/// Every atom written in the model's clauses.
fn model_atoms(model: &Model) -> HashSet<Atom> {
    fn term(t: &Term, out: &mut HashSet<Atom>) {
        match t {
            Term::Atom(a) => {
                out.insert(*a);
            }
            Term::Compound(_, args) => args.iter().for_each(|a| term(a, out)),
            _ => {}
        }
    }
    fn cond(c: &lcc_eval::model::Cond, out: &mut HashSet<Atom>) {
        match &c.kind {
            CondKind::And(a, b) | CondKind::Or(a, b) => {
                cond(a, out);
                cond(b, out);
            }
            CondKind::Not(a) => cond(a, out),
            CondKind::Compare(_, l, r) => {
                term(l, out);
                term(r, out);
            }
            CondKind::Call(t) => term(t, out),
        }
    }
    let mut out = HashSet::new();
    for (_, c) in model.clauses() {
        term(&c.role, &mut out);
        term(&c.id, &mut out);
    }
    for (_, s) in model.steps() {
        match &s.kind {
            StepKind::Send { message, to: r } | StepKind::Receive { message, from: r } => {
                term(message, &mut out);
                term(&r.role, &mut out);
                term(&r.id, &mut out);
            }
            StepKind::Call(r) => {
                term(&r.role, &mut out);
                term(&r.id, &mut out);
            }
            StepKind::Null => {}
        }
        if let Some(g) = &s.guard {
            cond(g, &mut out);
        }
    }
    out
}
