//! The one step function: from a state and a [`Choice`] to the next state and its
//! events. Runtimes drive it; the model checker explores it through [`enabled`].
//!
//! Every nondeterministic decision is data in the [`Choice`]: which peer steps,
//! which `par` branch and which `or` alternative lead to the step that fires (the
//! `path`), which peer an unbound recipient Id picks, and which outcome a
//! constraint with several possible answers ([`Answer::OneOf`]) gives. Fields left
//! open (`None`, or missing outcomes) take the interpreter's defaults: the first
//! branch that can fire, the [`PickPolicy`]'s pick, the first outcome. The result
//! reports the fully specified choice that was taken, so a run can be replayed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use lcc_syntax::Span;
use lcc_syntax::ast::CmpOp;

use crate::atom::Atom;
use crate::builtins;
use crate::constraint::{Answer, Call, Pending, Providers};
use crate::error::{ErrorKind, EvalError};
use crate::event::{Address, Event, Wait};
use crate::model::{Cond, CondKind, Def, DefId, Model, StepKind, instantiate};
use crate::state::{Canon, Env, Instance, Message, Peer, PendingCall, Proc, State, expand};
use crate::subst::Subst;
use crate::term::{Term, Var, renumber, renumber_one};

/// Every decision one step makes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Choice {
    /// Which peer steps (its index in the state).
    pub peer: usize,
    /// The branch taken at each `par` (0 left, 1 right) and `or` (alternative
    /// index) on the way down the peer's control tree to the step that fires.
    /// `None`: the first that can fire, left to right (for `or`, left-biased
    /// committed choice is the only rule: an alternative is enabled only if no
    /// earlier one can fire now).
    pub path: Option<Vec<u32>>,
    /// For a send to an unbound Id: the index of the peer picked. `None`: the
    /// [`PickPolicy`] decides.
    pub pick: Option<usize>,
    /// For each constraint answer with several outcomes ([`Answer::OneOf`]), in
    /// the order they are met: the outcome used. Missing entries mean 0.
    pub outcomes: Vec<u32>,
}

impl Choice {
    /// Peer `peer` takes its default step.
    pub fn peer(peer: usize) -> Choice {
        Choice {
            peer,
            ..Choice::default()
        }
    }
}

/// Picks the recipient of a send to an unbound Id among the peers playing the role.
pub trait PickPolicy: Send + Sync {
    /// Returns a position in `candidates` (peer indices, ordered by Id; never empty).
    fn pick(&self, state: &State, candidates: &[usize]) -> usize;
}

/// The default pick: the peer with the lowest Id.
#[derive(Debug, Clone, Copy, Default)]
pub struct LowestId;

impl PickPolicy for LowestId {
    fn pick(&self, _: &State, _: &[usize]) -> usize {
        0
    }
}

/// Limits one step enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest term (in nodes) a peer may hold or send.
    pub max_term_size: usize,
    /// The longest an inbox may grow.
    pub max_inbox: usize,
    /// How deeply role calls not in tail position may nest in one peer.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_term_size: 100_000,
            max_inbox: 10_000,
            max_depth: 1_000,
        }
    }
}

/// What a step consults: constraint providers, the pick policy and limits.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The constraints the model may call.
    pub providers: &'a Providers,
    /// How a send to an unbound Id picks its recipient.
    pub pick: &'a dyn PickPolicy,
    /// Term-size and inbox limits.
    pub limits: Limits,
}

impl<'a> Context<'a> {
    /// A context with the default pick policy and limits.
    pub fn new(providers: &'a Providers) -> Context<'a> {
        Context {
            providers,
            pick: &LowestId,
            limits: Limits::default(),
        }
    }
}

/// A step that fired.
#[derive(Debug, Clone)]
pub struct Fired {
    /// The next state (canonical).
    pub state: State,
    /// What happened, in order.
    pub events: Vec<Event>,
    /// The choice, fully specified (path always set; pick set when one was made).
    pub choice: Choice,
    /// For a send to an unbound Id: every peer that could have been picked.
    pub candidates: Vec<usize>,
    /// The number of outcomes of each multi-outcome answer met, in order.
    pub widths: Vec<u32>,
    /// Pending answers created while trying other branches (ticket, handle).
    pub pending: Vec<(u64, Pending)>,
    /// The peer the step sent a message to, if it sent one.
    pub recipient: Option<usize>,
}

/// A peer that cannot step now.
#[derive(Debug, Clone)]
pub struct Blocked {
    /// The state, with the peer's pending constraint calls recorded.
    pub state: State,
    /// What each step the peer could take waits for.
    pub waits: Vec<Wait>,
    /// New pending answers (ticket, handle): the runtime wakes the peer when one
    /// resolves and hands the answer over with [`State::deliver`].
    pub pending: Vec<(u64, Pending)>,
    /// Constraint calls made for the new pending answers.
    pub events: Vec<Event>,
    /// Every constraint call the attempt made and its answer (failed ones
    /// included), in order; a runtime keeps only `events`.
    pub attempt: Vec<Event>,
    /// The number of outcomes of each multi-outcome answer met, in order.
    pub widths: Vec<u32>,
}

/// A choice that is not enabled in the state it was applied to (a later `or`
/// alternative while an earlier one can fire, a pick that does not play the
/// role, a branch that does not exist).
#[derive(Debug, Clone)]
pub struct Disabled {
    /// Why.
    pub reason: String,
    /// The number of outcomes of each multi-outcome answer met before it was
    /// found disabled (other outcomes may enable it).
    pub widths: Vec<u32>,
}

/// The result of [`step`].
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The peer took a step.
    Fired(Fired),
    /// The peer cannot step now.
    Blocked(Blocked),
    /// The choice is not enabled.
    Disabled(Disabled),
}

/// How a peer starts: its Id and the role term it enters.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerSpec {
    /// The peer's Id.
    pub id: Atom,
    /// The role term, e.g. `idle` or `underloaded(10)`; its variables are fresh.
    pub role: Term,
}

impl State {
    /// Starts `peers`, each entering the first clause whose head matches its role.
    pub fn start(model: &Model, peers: &[PeerSpec]) -> Result<(State, Vec<Event>), EvalError> {
        let mut state = State {
            peers: imbl::Vector::new(),
            next_ticket: 0,
        };
        let mut events = Vec::new();
        let mut ids = std::collections::HashSet::new();
        for spec in peers {
            if !ids.insert(spec.id) {
                return Err(EvalError::new(
                    ErrorKind::BadConfig,
                    format!("two peers have the Id `{}`", spec.id),
                    None,
                ));
            }
            let Some((name, arity)) = spec.role.name_arity() else {
                return Err(EvalError::new(
                    ErrorKind::BadConfig,
                    format!("`{}` is not a role", spec.role),
                    None,
                ));
            };
            let providers = Providers::new();
            let ctx = Context::new(&providers);
            let (role, next_var) = {
                let (r, n) = renumber(std::slice::from_ref(&spec.role));
                (r.into_iter().next().expect("one term"), n)
            };
            let mut f = Firing::new(model, &ctx, &state, usize::MAX, spec.id, None, None, &[]);
            f.next_var = next_var;
            let entered = f.enter(&role, &Term::Atom(spec.id), model.clauses_for(name, arity))?;
            let Some(proc) = entered else {
                return Err(EvalError::new(
                    ErrorKind::BadConfig,
                    if model.clauses_for(name, arity).is_empty() {
                        format!(
                            "no clause defines the role `{name}/{arity}` that peer `{}` should play",
                            spec.id
                        )
                    } else {
                        format!(
                            "no clause head for `{name}/{arity}` matches `a({}, {})`",
                            spec.role, spec.id
                        )
                    },
                    None,
                ));
            };
            events.append(&mut f.events);
            let mut canon = Canon::new(&f.subst);
            let proc = canon.proc(proc);
            state.peers.push_back(Arc::new(Peer {
                id: spec.id,
                proc,
                vars: canon.var_count(),
                inbox: imbl::Vector::new(),
                pending: imbl::Vector::new(),
            }));
        }
        Ok((state, events))
    }
}

/// What the caller of a step needs besides the next state. The step is the same
/// either way (the same choice fires the same step, binds the same values, sends
/// the same messages and reaches a state that canonicalises to the same one);
/// what is left out is only the work nobody reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Needs {
    /// Build the step's [`Event`]s (a trace is recorded, or the model checker
    /// reads them). Without them `events`, `attempt` and a blocked step's
    /// `events` are empty; [`Fired::recipient`] still tells who got a message.
    pub events: bool,
    /// Return a canonical state: each peer's variables renumbered 0, 1, ... in
    /// order of appearance, so that equal states compare and hash equal (the
    /// model checker's visited set needs it). Without it the stepping peer's
    /// bindings are applied but its variables keep their numbers (renumbered
    /// only when they run high); [`State::canonical`] renumbers on demand.
    pub canonical: bool,
}

impl Needs {
    /// Everything: events and a canonical state ([`step`] and [`step_owned`]).
    pub const ALL: Needs = Needs {
        events: true,
        canonical: true,
    };

    /// Only the next state (a runtime that records no trace).
    pub const STATE: Needs = Needs {
        events: false,
        canonical: false,
    };
}

/// A peer's variable numbers are renumbered, when its state need not be
/// canonical, once they reach this bound.
const RENUMBER_AT: u32 = 1 << 16;

/// Takes one step: peer `choice.peer` fires the step `choice` designates.
/// Deterministic: the same model, state, choice and provider answers give the same
/// result. Errors are bad input (unknown constraint or role, arithmetic on unbound
/// values, a panicking provider, a limit) or a peer index out of range; a choice
/// that names a step that is not enabled gives [`Outcome::Disabled`].
pub fn step(model: &Model, state: &State, choice: &Choice, ctx: &Context<'_>) -> Result<Outcome, EvalError> {
    step_owned(model, state.clone(), choice, ctx)
}

/// [`step`] on a state the caller gives up: the same result, but the parts of
/// the state that only it holds (the peers' records, their inboxes, the control
/// trees) are updated in place instead of copied. A runtime that keeps only the
/// current state uses this; on an error or a disabled choice the state is gone.
pub fn step_owned(model: &Model, state: State, choice: &Choice, ctx: &Context<'_>) -> Result<Outcome, EvalError> {
    step_with(model, state, choice, ctx, Needs::ALL)
}

/// [`step_owned`] building only what `needs` asks for: the same step, without
/// events nobody reads or renumbering nobody hashes (see [`Needs`]).
pub fn step_with(
    model: &Model,
    state: State,
    choice: &Choice,
    ctx: &Context<'_>,
    needs: Needs,
) -> Result<Outcome, EvalError> {
    if choice.peer >= state.len() {
        return Err(EvalError::new(
            ErrorKind::BadChoice,
            format!("there is no peer number {}", choice.peer),
            None,
        ));
    }
    let peer = &state.peers[choice.peer];
    let id = peer.id;
    let mut f = Firing::new(
        model,
        ctx,
        &state,
        choice.peer,
        id,
        choice.path.as_deref(),
        choice.pick,
        &choice.outcomes,
    );
    f.next_var = peer.vars;
    f.ticket = state.next_ticket;
    f.trace = needs.events;
    let fired = match f.proc(&peer.proc) {
        Ok(fired) => fired,
        Err(e) if e.kind == ErrorKind::BadChoice => {
            return Ok(Outcome::Disabled(Disabled {
                reason: e.message,
                widths: f.widths,
            }));
        }
        Err(e) => return Err(e),
    };
    // Most steps involve no pending call at all: skip walking empty vectors.
    let unchanged_pending = if peer.pending.is_empty() {
        f.pending_kept.is_empty()
    } else {
        f.keep_unvisited_pending(&peer.pending);
        f.pending_kept.len() == peer.pending.len()
            && f.pending_kept.iter().zip(peer.pending.iter()).all(|(a, b)| a == b)
    };
    let Firing {
        subst,
        ticket,
        pending_kept,
        waits,
        handles,
        pending_events,
        widths,
        events,
        sent,
        consumed,
        fired_span,
        taken,
        picked,
        candidates,
        next_var,
        ..
    } = f;
    let mut next = state;
    next.next_ticket = ticket;
    let Some(proc) = fired else {
        if !unchanged_pending {
            next.peer_mut(choice.peer).pending = pending_kept.into_iter().collect();
        }
        return Ok(Outcome::Blocked(Blocked {
            state: next,
            waits,
            pending: handles,
            events: pending_events,
            attempt: events,
            widths,
        }));
    };
    // Let go of the old control tree first, so that the nodes only the new tree
    // still uses are rewritten in place.
    let me = next.peer_mut(choice.peer);
    me.proc = Proc::done();
    let renumber = needs.canonical || next_var >= RENUMBER_AT;
    let mut canon = if renumber {
        Canon::new(&subst)
    } else {
        Canon::applying(&subst)
    };
    let proc = canon.proc(proc);
    if canon.deepest > ctx.limits.max_depth {
        return Err(EvalError::new(
            ErrorKind::Recursion,
            format!(
                "peer `{id}` has role calls nested {} deep, more than the limit of {}: a role call that is not in tail position recurses without end",
                canon.deepest, ctx.limits.max_depth
            ),
            fired_span,
        ));
    }
    if canon.largest > ctx.limits.max_term_size {
        return Err(EvalError::new(
            ErrorKind::TermSize,
            format!(
                "peer `{id}` holds a term of {} nodes, more than the limit of {}",
                canon.largest, ctx.limits.max_term_size
            ),
            fired_span,
        ));
    }
    me.proc = proc;
    me.vars = if renumber { canon.var_count() } else { next_var };
    if !unchanged_pending {
        me.pending = pending_kept.into_iter().collect();
    }
    if let Some(k) = consumed {
        me.inbox.remove(k);
    }
    let finished = me.is_finished();
    let recipient = sent.map(|(to, message)| {
        next.peer_mut(to).inbox.push_back(Arc::new(message));
        to
    });
    let mut events = events;
    if finished && needs.events {
        events.push(Event::Finished { peer: id });
    }
    Ok(Outcome::Fired(Fired {
        state: next,
        events,
        choice: Choice {
            peer: choice.peer,
            path: Some(taken),
            pick: picked,
            outcomes: choice.outcomes.clone(),
        },
        candidates,
        widths,
        pending: handles,
        recipient,
    }))
}

/// Every choice that fires in `state`: for each peer, each branch path, each
/// possible pick and each combination of constraint outcomes. A choice that errs
/// is returned as the error (bad input shows up whichever branch is explored).
pub fn enabled(model: &Model, state: &State, ctx: &Context<'_>) -> Result<Vec<Fired>, EvalError> {
    let mut out = Vec::new();
    for peer in 0..state.len() {
        out.extend(enabled_for(model, state, peer, ctx)?);
    }
    Ok(out)
}

/// The choices of [`enabled`] in which peer `peer` steps, in the same order.
/// They depend only on that peer's record, the peers' Ids and the role
/// directory (which peers play which roles), besides the recipients' inbox
/// lengths under a finite `ctx.limits.max_inbox` and the ticket numbers of new
/// pending answers; so a model checker may reuse them in other states that
/// agree on these.
pub fn enabled_for(model: &Model, state: &State, peer: usize, ctx: &Context<'_>) -> Result<Vec<Fired>, EvalError> {
    let mut out = Vec::new();
    let mut paths = Vec::new();
    branch_paths(model, &state.peers[peer].proc, &mut Vec::new(), &mut paths);
    for path in paths {
        explore(
            model,
            state,
            ctx,
            Choice {
                peer,
                path: Some(path),
                pick: None,
                outcomes: Vec::new(),
            },
            &mut out,
        )?;
    }
    Ok(out)
}

fn explore(
    model: &Model,
    state: &State,
    ctx: &Context<'_>,
    choice: Choice,
    out: &mut Vec<Fired>,
) -> Result<(), EvalError> {
    let widths = match step(model, state, &choice, ctx)? {
        Outcome::Blocked(b) => b.widths,
        Outcome::Disabled(d) => d.widths,
        Outcome::Fired(fired) => {
            let widths = fired.widths.clone();
            if choice.pick.is_none() {
                for &c in fired.candidates.iter().filter(|&&c| Some(c) != fired.choice.pick) {
                    explore(
                        model,
                        state,
                        ctx,
                        Choice {
                            pick: Some(c),
                            ..choice.clone()
                        },
                        out,
                    )?;
                }
            }
            out.push(fired);
            widths
        }
    };
    for (k, &width) in widths.iter().enumerate().skip(choice.outcomes.len()) {
        for alt in 1..width {
            let mut outcomes = choice.outcomes.clone();
            outcomes.resize(k, 0);
            outcomes.push(alt);
            explore(
                model,
                state,
                ctx,
                Choice {
                    outcomes,
                    ..choice.clone()
                },
                out,
            )?;
        }
    }
    Ok(())
}

/// The branch paths to every step of a control tree (through each `par` side and
/// each `or` alternative).
fn branch_paths(model: &Model, proc: &Proc, prefix: &mut Vec<u32>, out: &mut Vec<Vec<u32>>) {
    match proc {
        Proc::Done => {}
        Proc::Step { .. } => out.push(prefix.clone()),
        Proc::Seq { first, .. } => branch_paths(model, first, prefix, out),
        Proc::Frame { body, .. } => branch_paths(model, body, prefix, out),
        Proc::Par(a, b) => {
            for (i, side) in [a, b].into_iter().enumerate() {
                prefix.push(i as u32);
                branch_paths(model, side, prefix, out);
                prefix.pop();
            }
        }
        Proc::Or { def, env } => {
            let Def::Or(alts) = model.def_node(*def) else {
                return;
            };
            for (i, alt) in alts.iter().enumerate() {
                prefix.push(i as u32);
                branch_paths(model, &expand(model, *alt, env), prefix, out);
                prefix.pop();
            }
        }
    }
}

/// Answers of a constraint goal.
enum Solved {
    Found(Subst),
    Failed,
    Pending,
}

/// A conjunction of goals still to prove (a stack-allocated list).
struct Goals<'c> {
    goal: &'c Cond,
    next: Option<&'c Goals<'c>>,
}

/// The solutions of one constraint call.
enum CallResult {
    Solutions(Vec<Vec<Term>>),
    Pending,
}

/// One attempt to fire a step of one peer.
struct Firing<'a> {
    model: &'a Model,
    ctx: &'a Context<'a>,
    state: &'a State,
    me: usize,
    id: Atom,
    subst: Subst,
    next_var: u32,
    path: Option<&'a [u32]>,
    path_pos: usize,
    taken: Vec<u32>,
    pick: Option<usize>,
    picked: Option<usize>,
    candidates: Vec<usize>,
    outcomes: &'a [u32],
    outcome_pos: usize,
    widths: Vec<u32>,
    /// Whether to build events (see [`Needs::events`]).
    trace: bool,
    events: Vec<Event>,
    pending_events: Vec<Event>,
    /// The message the step sends (a step sends at most one), and to which peer.
    sent: Option<(usize, Message)>,
    consumed: Option<usize>,
    pending_kept: Vec<PendingCall>,
    /// The constraint calls this firing evaluated (site, name, renumbered arguments):
    /// a pending call of the peer that is not among them belongs to a branch this
    /// firing did not look at (the other side of a `par`), and is kept.
    visited_calls: Vec<(Span, Atom, Vec<Term>)>,
    handles: Vec<(u64, Pending)>,
    ticket: u64,
    waits: Vec<Wait>,
    fired_span: Option<Span>,
}

impl<'a> Firing<'a> {
    /// Adds to the calls kept pending every earlier pending call of the peer that this
    /// firing did not evaluate: it belongs to a branch the firing did not visit (the
    /// other side of a `par`), which still waits for its answer.
    fn keep_unvisited_pending(&mut self, earlier: &imbl::Vector<PendingCall>) {
        for call in earlier {
            let visited = self
                .visited_calls
                .iter()
                .any(|(span, name, args)| *span == call.span && *name == call.name && *args == call.args);
            if !visited && !self.pending_kept.iter().any(|c| c.ticket == call.ticket) {
                self.pending_kept.push(call.clone());
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn new(
        model: &'a Model,
        ctx: &'a Context<'a>,
        state: &'a State,
        me: usize,
        id: Atom,
        path: Option<&'a [u32]>,
        pick: Option<usize>,
        outcomes: &'a [u32],
    ) -> Firing<'a> {
        Firing {
            model,
            ctx,
            state,
            me,
            id,
            subst: Subst::new(),
            next_var: 0,
            path,
            path_pos: 0,
            taken: Vec::new(),
            pick,
            picked: None,
            candidates: Vec::new(),
            outcomes,
            outcome_pos: 0,
            widths: Vec::new(),
            trace: true,
            events: Vec::new(),
            pending_events: Vec::new(),
            sent: None,
            consumed: None,
            pending_kept: Vec::new(),
            visited_calls: Vec::new(),
            handles: Vec::new(),
            ticket: 0,
            waits: Vec::new(),
            fired_span: None,
        }
    }

    fn bad_choice(&self, message: String) -> EvalError {
        EvalError::new(ErrorKind::BadChoice, message, None)
    }

    /// The next branch of an explicit path (recorded as taken), if any is left.
    fn next_branch(&mut self) -> Option<u32> {
        let path = self.path?;
        let b = *path.get(self.path_pos)?;
        self.path_pos += 1;
        Some(b)
    }

    fn role_of(&self, env: &Instance) -> Atom {
        self.model.clause(env.clause).name
    }

    fn role_term(&self, env: &Instance) -> Term {
        let clause = self.model.clause(env.clause);
        self.subst.resolve(&instantiate(&clause.role, &env.vars))
    }

    fn fresh(&mut self) -> Term {
        self.next_var += 1;
        Term::Var(Var(self.next_var - 1))
    }

    // ---- control -------------------------------------------------------------

    fn proc(&mut self, p: &Arc<Proc>) -> Result<Option<Arc<Proc>>, EvalError> {
        match &**p {
            Proc::Done => Ok(None),
            Proc::Step { def, env } => self.step(*def, env),
            Proc::Seq { first, rest, env } => Ok(match self.proc(first)? {
                Some(f) => Some(if matches!(*f, Proc::Done) {
                    expand(self.model, *rest, env)
                } else {
                    Arc::new(Proc::Seq {
                        first: f,
                        rest: *rest,
                        env: env.clone(),
                    })
                }),
                None => None,
            }),
            Proc::Frame { env, body } => Ok(self.proc(body)?.map(|b| self.frame(env, b))),
            Proc::Par(a, b) => {
                let sides = [a, b];
                let order: Vec<usize> = match self.next_branch() {
                    Some(i) if i < 2 => vec![i as usize],
                    Some(i) => {
                        return Err(self.bad_choice(format!("branch {i} of a `par` does not exist")));
                    }
                    None => vec![0, 1],
                };
                for i in order {
                    let saved = (self.subst.clone(), self.taken.len(), self.next_var);
                    self.taken.push(i as u32);
                    if let Some(side) = self.proc(sides[i])? {
                        let other = sides[1 - i].clone();
                        let (l, r) = if i == 0 { (side, other) } else { (other, side) };
                        return Ok(Some(match (&*l, &*r) {
                            (Proc::Done, _) => r,
                            (_, Proc::Done) => l,
                            _ => Arc::new(Proc::Par(l, r)),
                        }));
                    }
                    (self.subst, _, self.next_var) = saved.clone();
                    self.taken.truncate(saved.1);
                }
                Ok(None)
            }
            Proc::Or { def, env } => self.or(*def, env),
        }
    }

    /// A role instance whose body has moved on: completed roles are left, and a
    /// body that is itself a role instance replaces this one (a tail call).
    fn frame(&mut self, env: &Env, body: Arc<Proc>) -> Arc<Proc> {
        match &*body {
            Proc::Done | Proc::Frame { .. } if !self.trace => body,
            Proc::Done | Proc::Frame { .. } => {
                let left = Event::RoleLeft {
                    peer: self.id,
                    role: self.role_term(env),
                    span: self.model.clause(env.clause).head_span,
                };
                // A tail call: the caller's role is left before the callee's is entered.
                let entered = matches!(*body, Proc::Frame { .. })
                    .then(|| self.events.iter().rposition(|e| matches!(e, Event::RoleEntered { .. })))
                    .flatten();
                match entered {
                    Some(i) => self.events.insert(i, left),
                    None => self.events.push(left),
                }
                body
            }
            _ => Arc::new(Proc::Frame { env: env.clone(), body }),
        }
    }

    fn or(&mut self, def: DefId, env: &Env) -> Result<Option<Arc<Proc>>, EvalError> {
        let Def::Or(alts) = self.model.def_node(def) else {
            unreachable!("an Or node points to an `or` definition")
        };
        let explicit = self.next_branch();
        let candidates: Vec<usize> = match explicit {
            Some(t) if t as usize >= alts.len() => {
                return Err(self.bad_choice(format!("alternative {t} does not exist")));
            }
            Some(t) => (0..=t as usize).collect(),
            None => (0..alts.len()).collect(),
        };
        for &i in &candidates {
            let trial = explicit.is_some_and(|t| (i as u32) < t);
            let saved = (self.subst.clone(), self.taken.len(), self.path);
            if trial {
                self.path = None;
            } else {
                self.taken.push(i as u32);
            }
            let alt = expand(self.model, alts[i], env);
            let mark = self.events.len();
            let fired = self.proc(&alt)?;
            self.path = saved.2;
            if let Some(next) = fired {
                if trial {
                    return Err(self.bad_choice(format!(
                        "alternative {i} can fire, so a later alternative of this `or` is not enabled"
                    )));
                }
                // Announced before what the alternative's first step did.
                if self.trace {
                    let chosen = Event::AlternativeChosen {
                        peer: self.id,
                        index: i,
                        of: alts.len(),
                        span: self.model.def_span(alts[i]),
                    };
                    self.events.insert(mark.min(self.events.len()), chosen);
                }
                return Ok(Some(next));
            }
            self.subst = saved.0;
            self.taken.truncate(saved.1);
        }
        Ok(None)
    }

    // ---- steps ---------------------------------------------------------------

    fn step(&mut self, def: DefId, env: &Env) -> Result<Option<Arc<Proc>>, EvalError> {
        let model = self.model;
        let step = model.step(def).expect("a Step node points to a step");
        let done = Proc::done();
        let fired = match &step.kind {
            StepKind::Null => match self.guard(step.guard.as_ref(), env, step.span)? {
                Some(s) => {
                    if let Some(s) = s {
                        self.subst = s;
                    }
                    if self.trace {
                        self.events.push(Event::Null {
                            peer: self.id,
                            span: step.span,
                        });
                    }
                    Some(done)
                }
                None => None,
            },
            StepKind::Send { message, to } => {
                let Some(guarded) = self.guard(step.guard.as_ref(), env, step.span)? else {
                    return Ok(None);
                };
                let s = guarded.as_ref().unwrap_or(&self.subst);
                let role = s.resolve(&instantiate(&to.role, &env.vars));
                let Some((role_name, _)) = role.name_arity() else {
                    return Err(EvalError::new(
                        ErrorKind::UnknownRole,
                        format!("the recipient's role `{role}` is not a role name"),
                        Some(to.span),
                    ));
                };
                let id = s.resolve(&instantiate(&to.id, &env.vars));
                // The recipient, and the unbound Id to bind to it.
                let (recipient, picked_for) = match &id {
                    Term::Atom(a) => match self.state.index_of(*a) {
                        Some(i) => (i, None),
                        None => {
                            self.waits.push(Wait::NoPeer { id, span: step.span });
                            return Ok(None);
                        }
                    },
                    Term::Var(v) => {
                        let candidates = self.state.players(model, role_name);
                        if candidates.is_empty() {
                            self.waits.push(Wait::NoPlayer {
                                role: role_name,
                                span: step.span,
                            });
                            return Ok(None);
                        }
                        let chosen = match self.pick {
                            Some(p) if candidates.contains(&p) => p,
                            Some(p) => {
                                return Err(self
                                    .bad_choice(format!("peer {p} does not play `{role_name}` and cannot be picked")));
                            }
                            None => {
                                let k = self.ctx.pick.pick(self.state, &candidates);
                                candidates[k.min(candidates.len() - 1)]
                            }
                        };
                        self.picked = Some(chosen);
                        self.candidates = candidates;
                        (chosen, Some(*v))
                    }
                    _ => {
                        self.waits.push(Wait::NoPeer { id, span: step.span });
                        return Ok(None);
                    }
                };
                // The step fires (or errs): its bindings become the firing's.
                if let Some(s) = guarded {
                    self.subst = s;
                }
                if let Some(v) = picked_for {
                    self.subst.bind(v, Term::Atom(self.state.peers[recipient].id));
                }
                let term = self.subst.resolve(&instantiate(message, &env.vars));
                if term.size() > self.ctx.limits.max_term_size {
                    return Err(EvalError::new(
                        ErrorKind::TermSize,
                        format!(
                            "the message has {} nodes, more than the limit of {}",
                            term.size(),
                            self.ctx.limits.max_term_size
                        ),
                        Some(step.span),
                    ));
                }
                debug_assert!(self.sent.is_none(), "a step sends one message");
                let queued = self.state.peers[recipient].inbox.len();
                if queued >= self.ctx.limits.max_inbox {
                    return Err(EvalError::new(
                        ErrorKind::InboxFull,
                        format!(
                            "the inbox of peer `{}` would exceed its limit of {} messages",
                            self.state.peers[recipient].id, self.ctx.limits.max_inbox
                        ),
                        Some(step.span),
                    ));
                }
                let from = Address {
                    role: self.role_of(env),
                    id: self.id,
                };
                let to = Address {
                    role: role_name,
                    id: self.state.peers[recipient].id,
                };
                let canonical = renumber_one(&term);
                self.sent = Some((
                    recipient,
                    Message {
                        from,
                        to,
                        term: canonical,
                    },
                ));
                if self.trace {
                    self.events.push(Event::Sent {
                        from,
                        to,
                        message: term,
                        span: step.span,
                    });
                }
                Some(done)
            }
            StepKind::Receive { message, from } => self.receive(message, from, step.guard.as_ref(), env, step.span)?,
            StepKind::Call(to) => {
                let Some(guarded) = self.guard(step.guard.as_ref(), env, step.span)? else {
                    return Ok(None);
                };
                if let Some(s) = guarded {
                    self.subst = s;
                }
                let role = self.subst.resolve(&instantiate(&to.role, &env.vars));
                let Some((name, arity)) = role.name_arity() else {
                    return Err(EvalError::new(
                        ErrorKind::UnknownRole,
                        format!("the role `{role}` to call is not a role name"),
                        Some(to.span),
                    ));
                };
                let clauses = model.clauses_for(name, arity);
                if clauses.is_empty() {
                    return Err(EvalError::new(
                        ErrorKind::UnknownRole,
                        format!("no clause defines the role `{name}/{arity}` called here"),
                        Some(to.span),
                    ));
                }
                let id = instantiate(&to.id, &env.vars);
                let entered = self.enter(&role, &id, clauses)?;
                if entered.is_none() {
                    self.waits.push(Wait::NoClause { role, span: step.span });
                }
                entered
            }
        };
        if fired.is_some() {
            self.fired_span = Some(step.span);
        }
        Ok(fired)
    }

    /// Enters the first of `clauses` whose head matches `a(role, id)` and whose Id
    /// is this peer's; returns the new role instance.
    fn enter(
        &mut self,
        role: &Term,
        id: &Term,
        clauses: &[crate::model::ClauseId],
    ) -> Result<Option<Arc<Proc>>, EvalError> {
        for &cid in clauses {
            let clause = self.model.clause(cid);
            let vars: Box<[Term]> = (0..clause.vars.len()).map(|_| self.fresh()).collect();
            let mut s = self.subst.clone();
            if s.unify(&instantiate(&clause.role, &vars), role)
                && s.unify(&instantiate(&clause.id, &vars), id)
                && s.unify(id, &Term::Atom(self.id))
            {
                self.subst = s;
                // The instance holds its slots' values, not variables bound to them
                // (what renumbering would make of it anyway).
                let mut vars = vars;
                for slot in vars.iter_mut() {
                    *slot = self.subst.resolve(slot);
                }
                let env = Arc::new(Instance { clause: cid, vars });
                if self.trace {
                    self.events.push(Event::RoleEntered {
                        peer: self.id,
                        role: self.subst.resolve(role),
                        span: clause.head_span,
                    });
                }
                let body = expand(self.model, clause.body, &env);
                return Ok(Some(Arc::new(Proc::Frame { env, body })));
            }
        }
        Ok(None)
    }

    fn receive(
        &mut self,
        message: &Term,
        from: &crate::model::RoleRef,
        guard: Option<&Cond>,
        env: &Env,
        span: Span,
    ) -> Result<Option<Arc<Proc>>, EvalError> {
        let my_role = self.role_of(env);
        let pattern = instantiate(message, &env.vars);
        let id = instantiate(&from.id, &env.vars);
        let role = self.subst.resolve(&instantiate(&from.role, &env.vars));
        let role_name = role.name_arity().map(|(n, _)| n);
        let mut rejected = 0;
        let inbox = &self.state.peers[self.me].inbox;
        for (k, m) in inbox.iter().enumerate() {
            if m.to.role != my_role || role_name.is_some_and(|n| n != m.from.role) {
                continue;
            }
            let base = self.next_var;
            let term = m.term.map_vars(&mut |v| Term::Var(Var(base + v.0)));
            self.next_var += m.term.var_bound();
            let mut s = self.subst.clone();
            let role_ok = role_name.is_some() || s.unify(&role, &Term::Atom(m.from.role));
            if !(role_ok && s.unify(&pattern, &term) && s.unify(&id, &Term::Atom(m.from.id))) {
                rejected += 1;
                continue;
            }
            let solved = match guard {
                None => Solved::Found(s),
                Some(c) => self.solve(Some(&Goals { goal: c, next: None }), env, s)?,
            };
            match solved {
                Solved::Found(s) => {
                    self.consumed = Some(k);
                    if self.trace {
                        self.events.push(Event::Received {
                            from: m.from,
                            to: Address {
                                role: my_role,
                                id: self.id,
                            },
                            message: s.resolve(&term),
                            span,
                        });
                    }
                    self.subst = s;
                    return Ok(Some(Proc::done()));
                }
                Solved::Failed => rejected += 1,
                Solved::Pending => return Ok(None),
            }
        }
        self.waits.push(Wait::Message {
            pattern: self.subst.resolve(&pattern),
            from_role: role_name.unwrap_or_else(|| Atom::new("_")),
            from_id: self.subst.resolve(&id),
            rejected,
            span,
        });
        Ok(None)
    }

    // ---- constraints ---------------------------------------------------------

    /// Solves a step's constraint from the current bindings; records why not.
    /// `Some(None)`: there is no constraint (the current bindings stand);
    /// `Some(Some(s))`: the bindings that satisfy it; `None`: not satisfied now.
    fn guard(&mut self, guard: Option<&Cond>, env: &Env, span: Span) -> Result<Option<Option<Subst>>, EvalError> {
        let Some(cond) = guard else {
            return Ok(Some(None));
        };
        match self.solve(Some(&Goals { goal: cond, next: None }), env, self.subst.clone())? {
            Solved::Found(s) => Ok(Some(Some(s))),
            Solved::Failed => {
                self.waits.push(Wait::Failed { span });
                Ok(None)
            }
            Solved::Pending => Ok(None),
        }
    }

    /// The first solution of `goals`, left to right, Prolog style.
    fn solve(&mut self, goals: Option<&Goals<'_>>, env: &Env, s: Subst) -> Result<Solved, EvalError> {
        let Some(g) = goals else {
            return Ok(Solved::Found(s));
        };
        let span = g.goal.span;
        let term = |t: &Term, s: &Subst| s.resolve(&instantiate(t, &env.vars));
        match &g.goal.kind {
            CondKind::And(a, b) => {
                let rest = Goals { goal: b, next: g.next };
                self.solve(
                    Some(&Goals {
                        goal: a,
                        next: Some(&rest),
                    }),
                    env,
                    s,
                )
            }
            CondKind::Or(a, b) => match self.solve(Some(&Goals { goal: a, next: g.next }), env, s.clone())? {
                Solved::Failed => self.solve(Some(&Goals { goal: b, next: g.next }), env, s),
                other => Ok(other),
            },
            CondKind::Not(c) => match self.solve(Some(&Goals { goal: c, next: None }), env, s.clone())? {
                Solved::Found(_) => Ok(Solved::Failed),
                Solved::Failed => self.solve(g.next, env, s),
                Solved::Pending => Ok(Solved::Pending),
            },
            CondKind::Compare(op, l, r) => {
                let (l, r) = (term(l, &s), term(r, &s));
                let arith = |e: String| {
                    EvalError::new(
                        ErrorKind::Arithmetic,
                        format!("{e} in `{l} {} {r}`", op.symbol()),
                        Some(span),
                    )
                };
                let mut s2 = s.clone();
                let holds = match op {
                    CmpOp::Unify => s2.unify(&l, &r),
                    CmpOp::NotUnify => !s.clone().unify(&l, &r),
                    CmpOp::Eq => l == r,
                    CmpOp::NotEq => l != r,
                    CmpOp::Is => {
                        let value = builtins::eval(&r).map_err(arith)?;
                        s2.unify(&l, &value.to_term())
                    }
                    _ => builtins::compare(*op, &l, &r).map_err(arith)?,
                };
                if holds {
                    self.solve(g.next, env, s2)
                } else {
                    Ok(Solved::Failed)
                }
            }
            CondKind::Call(t) => {
                let call = term(t, &s);
                let role = self.role_of(env);
                match self.call(&call, role, span)? {
                    CallResult::Pending => Ok(Solved::Pending),
                    CallResult::Solutions(solutions) => {
                        let args = call.args();
                        let mut in_args = Vec::new();
                        call.visit_vars(&mut |v| in_args.push(v));
                        for solution in solutions {
                            let mut renamed = std::collections::HashMap::new();
                            let mut s2 = s.clone();
                            let mut ok = solution.len() <= args.len();
                            for (a, v) in args.iter().zip(&solution) {
                                let v = v.map_vars(&mut |x| {
                                    if in_args.contains(&x) {
                                        Term::Var(x)
                                    } else {
                                        renamed.entry(x).or_insert_with(|| self.fresh()).clone()
                                    }
                                });
                                ok = ok && s2.unify(a, &v);
                            }
                            if ok {
                                match self.solve(g.next, env, s2)? {
                                    Solved::Failed => continue,
                                    other => return Ok(other),
                                }
                            }
                        }
                        Ok(Solved::Failed)
                    }
                }
            }
        }
    }

    /// Calls a constraint: `peers/2` from the directory, others from a provider,
    /// answering from a delivered pending answer when there is one.
    fn call(&mut self, call: &Term, role: Atom, span: Span) -> Result<CallResult, EvalError> {
        let Some((name, arity)) = call.name_arity() else {
            return Err(EvalError::new(
                ErrorKind::UnknownConstraint,
                format!("`{call}` is not a constraint (a name or name(args) is needed)"),
                Some(span),
            ));
        };
        if builtins::is_language_builtin(name, arity) {
            let target = call.args()[0].name_arity().map(|(n, _)| n);
            let Some(target) = target else {
                return Err(EvalError::new(
                    ErrorKind::Arithmetic,
                    format!("peers/2 needs a role name, got `{}`", call.args()[0]),
                    Some(span),
                ));
            };
            let ids: Vec<Term> = self
                .state
                .players(self.model, target)
                .into_iter()
                .map(|i| Term::Atom(self.state.peers[i].id))
                .collect();
            return Ok(CallResult::Solutions(vec![vec![
                call.args()[0].clone(),
                Term::list(ids),
            ]]));
        }
        let Some(provider) = self.ctx.providers.get(name, arity).cloned() else {
            let arities = self.ctx.providers.arities(name);
            return Err(if arities.is_empty() {
                EvalError::new(
                    ErrorKind::UnknownConstraint,
                    format!("no provider defines the constraint `{name}`"),
                    Some(span),
                )
            } else {
                let list: Vec<String> = arities.iter().map(|a| a.to_string()).collect();
                EvalError::new(
                    ErrorKind::ConstraintArity,
                    format!("`{name}` takes {} argument(s), not {arity}", list.join(" or ")),
                    Some(span),
                )
            });
        };
        let (canonical, _) = renumber(call.args());
        self.visited_calls.push((span, name, canonical.clone()));
        let existing = if self.me == usize::MAX {
            None
        } else {
            self.state.peers[self.me]
                .pending
                .iter()
                .find(|c| c.span == span && c.name == name && c.args == canonical)
                .cloned()
        };
        let answer = match existing {
            Some(PendingCall {
                answer: Some(answer), ..
            }) => answer,
            Some(waiting) => {
                self.waits.push(Wait::Pending {
                    call: call.clone(),
                    span,
                });
                if !self.pending_kept.iter().any(|c| c.ticket == waiting.ticket) {
                    self.pending_kept.push(waiting);
                }
                return Ok(CallResult::Pending);
            }
            None => {
                if self.trace {
                    self.events.push(Event::Called {
                        peer: self.id,
                        call: call.clone(),
                        span,
                    });
                }
                let request = Call {
                    args: call.args(),
                    peer: self.id,
                    role,
                };
                catch_unwind(AssertUnwindSafe(|| provider.call(&request))).map_err(|panic| {
                    let message = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "no message".into());
                    EvalError::new(
                        ErrorKind::ConstraintPanicked,
                        format!("the constraint `{call}` panicked: {message}"),
                        Some(span),
                    )
                })?
            }
        };
        self.answer(answer, call, name, canonical, span)
    }

    fn answer(
        &mut self,
        answer: Answer,
        call: &Term,
        name: Atom,
        canonical: Vec<Term>,
        span: Span,
    ) -> Result<CallResult, EvalError> {
        match answer {
            Answer::Succeeded(solutions) => {
                if self.trace {
                    // Show the call with its first solution's bindings.
                    let mut first = Subst::new();
                    if let Some(values) = solutions.first() {
                        for (a, v) in call.args().iter().zip(values) {
                            first.unify(a, v);
                        }
                    }
                    self.events.push(Event::Answered {
                        peer: self.id,
                        call: first.resolve(call),
                        outcome: "succeeded",
                        span,
                    });
                }
                Ok(CallResult::Solutions(solutions))
            }
            Answer::Failed => {
                if self.trace {
                    self.events.push(Event::Answered {
                        peer: self.id,
                        call: call.clone(),
                        outcome: "failed",
                        span,
                    });
                }
                Ok(CallResult::Solutions(Vec::new()))
            }
            Answer::Pending(handle) => {
                let ticket = self.ticket;
                self.ticket += 1;
                self.pending_kept.push(PendingCall {
                    ticket,
                    name,
                    args: canonical,
                    answer: None,
                    span,
                });
                self.handles.push((ticket, handle));
                self.waits.push(Wait::Pending {
                    call: call.clone(),
                    span,
                });
                if self.trace {
                    let answered = Event::Answered {
                        peer: self.id,
                        call: call.clone(),
                        outcome: "pending",
                        span,
                    };
                    if let Some(called) = self.events.last().cloned() {
                        self.pending_events.push(called);
                    }
                    self.pending_events.push(answered.clone());
                    self.events.push(answered);
                }
                Ok(CallResult::Pending)
            }
            Answer::Error(message) => Err(EvalError::new(
                ErrorKind::ConstraintError,
                format!("the constraint `{call}` reported an error: {message}"),
                Some(span),
            )),
            Answer::OneOf(answers) => {
                let k = self.outcome_pos;
                self.outcome_pos += 1;
                self.widths.push(answers.len() as u32);
                let index = self.outcomes.get(k).copied().unwrap_or(0) as usize;
                match answers.into_iter().nth(index) {
                    Some(chosen) => self.answer(chosen, call, name, canonical, span),
                    None if index == 0 => self.answer(Answer::Failed, call, name, canonical, span),
                    None => Err(self.bad_choice(format!("outcome {index} of `{call}` does not exist"))),
                }
            }
        }
    }
}
