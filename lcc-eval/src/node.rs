//! A node: one peer of an interaction driven on its own, exchanging messages
//! and directory entries with the other peers through a [`Transport`].
//!
//! The node keeps a [`State`] holding its own peer. Before each step it adds a
//! *stand-in* for every other peer in the directory: a peer with that Id whose
//! control tree starts the clauses of the roles it announced, so that
//! `State::players`, `peers/2`, sends to a known Id and picks for an unbound Id
//! see exactly what the directory shows. It then takes the step with the same
//! [`step`](crate::step()) function the in-process runtimes use (as
//! [`step_owned`], on the state it has just built); messages the step put into a
//! stand-in's inbox are taken out and handed to the transport. Messages that
//! arrive are appended to the peer's inbox in arrival order (so the oldest
//! matching message of each sender is received first), duplicates dropped.
//! A message is [settled](Transport::settle) with the transport only once a
//! step has received it (taken it out of the inbox), so a transport that keeps
//! inboxes outside the process hands a restarted peer every message its
//! earlier run had not received yet. Each run of a node numbers its messages
//! under a run number of its own (its start time in microseconds), so a
//! restarted sender's messages are never taken for duplicates.
//!
//! A node sleeps on its channel while its peer cannot step: it is woken by a
//! message, a directory change, a pending constraint answer (e.g. `after/1`'s
//! timer) or a stop request. It never polls.
//!
//! A [conducted](Node::conducted) node steps only when a conductor's
//! [`Turn`] says so ([`crate::conduct`]): the turn gives the directory and
//! the order of the peers, the messages to add to the inbox, and when to take
//! in resolved answers; the node reports each turn's outcome.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::atom::Atom;
use crate::conduct::{Turn, TurnReport};
use crate::constraint::{Pending, Providers};
use crate::error::{ErrorKind, EvalError};
use crate::model::Model;
use crate::state::{Instance, Message, Peer, Proc, State, expand};
use crate::step::{Choice, Context, Limits, LowestId, Outcome, PeerSpec, PickPolicy, step, step_owned};
use crate::term::Term;
use crate::trace::Trace;
use crate::transport::{Directory, Inbound, Transport, TransportError};
use crate::wire::Envelope;

/// How a node's run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeEnd {
    /// The peer finished its role.
    Finished,
    /// The node was asked to stop (the reason).
    Stopped(String),
    /// The wall-time limit was reached.
    Limit(EvalError),
}

/// A finished node run.
#[derive(Debug, Clone)]
pub struct NodeRun {
    /// The peer's final state (it alone).
    pub state: State,
    /// What the peer did.
    pub trace: Trace,
    /// How the run ended.
    pub end: NodeEnd,
    /// The number of steps taken.
    pub steps: u64,
}

/// Asks a running node to stop (from another thread or a signal handler).
#[derive(Debug, Clone)]
pub struct StopHandle(mpsc::Sender<Inbound>);

impl StopHandle {
    /// Stops the node; `reason` ends up in [`NodeEnd::Stopped`].
    pub fn stop(&self, reason: &str) {
        let _ = self.0.send(Inbound::Stop(reason.into()));
    }
}

/// Hands a conducted node its turns (from another thread).
#[derive(Debug, Clone)]
pub struct TurnHandle(mpsc::Sender<Inbound>);

impl TurnHandle {
    /// Gives the node its next turn (turns are served in the order given).
    pub fn turn(&self, turn: Turn) {
        let _ = self.0.send(Inbound::Turn(turn));
    }
}

/// Where a conducted node sends its reports.
type Reporter = Box<dyn FnMut(TurnReport) + Send>;

/// One peer driven over a transport.
pub struct Node<'m, T: Transport> {
    model: &'m Model,
    providers: Providers,
    transport: T,
    pick: Box<dyn PickPolicy>,
    limits: Limits,
    max_time: Option<Duration>,
    tx: mpsc::Sender<Inbound>,
    rx: mpsc::Receiver<Inbound>,
    log: Box<dyn FnMut(&str) + Send>,
    conductor: Option<Reporter>,
}

fn transport_error(e: TransportError) -> EvalError {
    EvalError::new(ErrorKind::BadConfig, format!("transport: {e}"), None)
}

impl<'m, T: Transport> Node<'m, T> {
    /// A node with the lowest-Id pick policy, default limits, no time limit,
    /// and rejected envelopes reported on standard error.
    pub fn new(model: &'m Model, providers: Providers, transport: T) -> Node<'m, T> {
        let (tx, rx) = mpsc::channel();
        Node {
            model,
            providers,
            transport,
            pick: Box::new(LowestId),
            limits: Limits::default(),
            max_time: None,
            tx,
            rx,
            log: Box::new(|line| eprintln!("{line}")),
            conductor: None,
        }
    }

    /// Sets the pick policy for sends to an unbound Id.
    pub fn pick(mut self, pick: impl PickPolicy + 'static) -> Self {
        self.pick = Box::new(pick);
        self
    }

    /// Sets the step limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Ends the run with [`NodeEnd::Limit`] after this much wall time.
    pub fn max_time(mut self, max: Duration) -> Self {
        self.max_time = Some(max);
        self
    }

    /// Where rejected envelopes (for another peer, unreadable) are reported.
    pub fn log(mut self, log: impl FnMut(&str) + Send + 'static) -> Self {
        self.log = Box::new(log);
        self
    }

    /// Makes the node conducted: it steps only on the turns given through
    /// [`Node::turn_handle`] and reports each turn's outcome to `report`.
    pub fn conducted(mut self, report: impl FnMut(TurnReport) + Send + 'static) -> Self {
        self.conductor = Some(Box::new(report));
        self
    }

    /// A handle that gives a conducted node its turns.
    pub fn turn_handle(&self) -> TurnHandle {
        TurnHandle(self.tx.clone())
    }

    /// A handle that stops the run.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle(self.tx.clone())
    }

    /// Runs peer `me` until it finishes, is stopped or reaches the time limit;
    /// announces its roles as they change and withdraws it at the end.
    pub fn run(&mut self, me: &PeerSpec) -> Result<NodeRun, EvalError> {
        let (state, events) = State::start(self.model, std::slice::from_ref(me))?;
        let mut trace = Trace::default();
        trace.extend(0, None, events);
        self.transport.open(me.id, self.tx.clone()).map_err(transport_error)?;
        let result = match self.conductor.take() {
            Some(report) => self.drive_conducted(me.id, state, trace, report),
            None => self.drive(me.id, state, trace),
        };
        let withdrawn = self.transport.withdraw(me.id).map_err(transport_error);
        let run = result?;
        withdrawn?;
        Ok(run)
    }

    fn drive(&mut self, me: Atom, mut state: State, mut trace: Trace) -> Result<NodeRun, EvalError> {
        let model = self.model;
        let started = Instant::now();
        let mut directory = self.transport.directory();
        let mut roles = state.peer(0).roles(model);
        self.transport.announce(me, &roles).map_err(transport_error)?;
        let run = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |t| u64::try_from(t.as_micros()).unwrap_or(u64::MAX));
        // Ids of the messages accepted, and of those a step received (settled).
        let mut seen: HashSet<String> = HashSet::new();
        let mut received: HashSet<String> = HashSet::new();
        // Accepted messages still in the inbox, with their envelopes.
        let mut unreceived: Vec<(Arc<Message>, Envelope)> = Vec::new();
        let mut pending: HashMap<u64, Pending> = HashMap::new();
        let mut seq: u64 = 0;
        let mut steps: u64 = 0;
        let mut ready = true;
        let end = loop {
            // Take what has arrived; sleep for it when the peer cannot step.
            let mut next = self.rx.try_recv().ok();
            if next.is_none() && !ready && !state.peer(0).is_finished() {
                next = match self.max_time {
                    Some(max) => match self.rx.recv_timeout(max.saturating_sub(started.elapsed())) {
                        Ok(item) => Some(item),
                        Err(_) => break self.time_limit(max),
                    },
                    None => self.rx.recv().ok(),
                };
            }
            if let Some(item) = next {
                match item {
                    Inbound::Message(envelope) => match self.accept(me, &envelope, &seen) {
                        Arrival::New(message) => {
                            seen.insert(envelope.message_id());
                            let message = Arc::new(message);
                            state = with_message(&state, message.clone());
                            unreceived.push((message, envelope));
                            ready = true;
                        }
                        // A copy of a message still in the inbox is settled with it.
                        Arrival::Duplicate if !received.contains(&envelope.message_id()) => {}
                        Arrival::Duplicate | Arrival::Rejected => {
                            self.transport.settle(&envelope).map_err(transport_error)?;
                        }
                    },
                    Inbound::Directory(d) => {
                        directory = d;
                        ready = true;
                    }
                    Inbound::Answer(ticket) => {
                        if let Some(handle) = pending.remove(&ticket)
                            && let Some(answer) = handle.answer()
                            && let Some(next) = state.deliver(ticket, answer)
                        {
                            state = next;
                            ready = true;
                        }
                    }
                    Inbound::Stop(reason) => break NodeEnd::Stopped(reason),
                    Inbound::Turn(_) => (self.log)("ignored a turn: this node is not conducted"),
                }
                continue;
            }
            if state.peer(0).is_finished() {
                break NodeEnd::Finished;
            }
            if let Some(max) = self.max_time
                && started.elapsed() > max
            {
                break self.time_limit(max);
            }
            let world = with_stand_ins(model, &state, &directory, me);
            let ctx = Context {
                providers: &self.providers,
                pick: self.pick.as_ref(),
                limits: self.limits,
            };
            let new_pending = match step_owned(model, world, &Choice::peer(0), &ctx)? {
                Outcome::Fired(fired) => {
                    steps += 1;
                    let (local, outgoing) = split(fired.state);
                    state = local;
                    for message in outgoing {
                        seq += 1;
                        self.transport
                            .deliver(&Envelope::new(&message, run, seq))
                            .map_err(transport_error)?;
                    }
                    settle_and_announce(
                        &mut self.transport,
                        model,
                        me,
                        &state,
                        &mut unreceived,
                        &mut received,
                        &mut roles,
                    )?;
                    trace.extend(steps, Some(fired.choice), fired.events);
                    fired.pending
                }
                Outcome::Blocked(blocked) => {
                    state = split(blocked.state).0;
                    ready = false;
                    trace.extend(steps, None, blocked.events);
                    blocked.pending
                }
                Outcome::Disabled(disabled) => {
                    unreachable!("a default choice is always enabled: {}", disabled.reason)
                }
            };
            for (ticket, handle) in new_pending {
                let tx = self.tx.clone();
                handle.on_ready(Box::new(move || {
                    let _ = tx.send(Inbound::Answer(ticket));
                }));
                pending.insert(ticket, handle);
            }
        };
        Ok(NodeRun {
            state,
            trace,
            end,
            steps,
        })
    }

    /// [`Node::drive`] on a conductor's turns: the node steps only when a
    /// [`Turn::Step`] says so, with the turn's directory and peer order and
    /// the turn's messages added to the inbox first; resolved answers are
    /// taken in on [`Turn::Absorb`].
    fn drive_conducted(
        &mut self,
        me: Atom,
        mut state: State,
        mut trace: Trace,
        mut report: Reporter,
    ) -> Result<NodeRun, EvalError> {
        let model = self.model;
        let started = Instant::now();
        let mut roles = state.peer(0).roles(model);
        self.transport.announce(me, &roles).map_err(transport_error)?;
        let run = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |t| u64::try_from(t.as_micros()).unwrap_or(u64::MAX));
        let mut seen: HashSet<String> = HashSet::new();
        let mut received: HashSet<String> = HashSet::new();
        // Accepted messages not yet added to the inbox (a turn says when).
        let mut arrived: HashMap<String, (Arc<Message>, Envelope)> = HashMap::new();
        let mut unreceived: Vec<(Arc<Message>, Envelope)> = Vec::new();
        let mut pending: HashMap<u64, Pending> = HashMap::new();
        // Tickets of resolved answers not taken in yet.
        let mut answered: Vec<u64> = Vec::new();
        let mut turns: VecDeque<Turn> = VecDeque::new();
        let mut seq: u64 = 0;
        let mut steps: u64 = 0;
        let names = |roles: &[Atom]| roles.iter().map(|r| r.name().to_string()).collect::<Vec<_>>();
        let end = loop {
            // Serve the turns whose messages and answers have all come.
            while let Some(turn) = turns.front() {
                match turn {
                    Turn::Hello => report(TurnReport::Hello { roles: names(&roles) }),
                    Turn::Absorb { count } => {
                        if answered.len() < *count {
                            break;
                        }
                        let mut awaited = false;
                        for ticket in answered.drain(..*count) {
                            if let Some(handle) = pending.remove(&ticket)
                                && let Some(answer) = handle.answer()
                                && let Some(next) = state.deliver(ticket, answer)
                            {
                                state = next;
                                awaited = true;
                            }
                        }
                        report(TurnReport::Absorbed { awaited });
                    }
                    Turn::Step { peers, arrived: ids } => {
                        if !ids.iter().all(|id| arrived.contains_key(id)) {
                            break;
                        }
                        for id in ids {
                            let (message, envelope) = arrived.remove(id).expect("checked above");
                            state = with_message(&state, message.clone());
                            unreceived.push((message, envelope));
                        }
                        let (world, k) = in_order(model, &state, peers, me)?;
                        let ctx = Context {
                            providers: &self.providers,
                            pick: self.pick.as_ref(),
                            limits: self.limits,
                        };
                        let (fired, events, new_pending, next) = match step(model, &world, &Choice::peer(k), &ctx)? {
                            Outcome::Fired(fired) => {
                                steps += 1;
                                trace.extend(steps, Some(fired.choice), Vec::new());
                                (true, fired.events, fired.pending, fired.state)
                            }
                            Outcome::Blocked(blocked) => (false, blocked.events, blocked.pending, blocked.state),
                            Outcome::Disabled(disabled) => {
                                unreachable!("a default choice is always enabled: {}", disabled.reason)
                            }
                        };
                        let (local, outgoing) = split_at(next, k);
                        state = local;
                        let mut sent = Vec::new();
                        for message in outgoing {
                            seq += 1;
                            let envelope = Envelope::new(&message, run, seq);
                            self.transport.deliver(&envelope).map_err(transport_error)?;
                            sent.push((envelope.to.id.clone(), envelope.message_id()));
                        }
                        settle_and_announce(
                            &mut self.transport,
                            model,
                            me,
                            &state,
                            &mut unreceived,
                            &mut received,
                            &mut roles,
                        )?;
                        trace.extend(steps, None, events);
                        for (ticket, handle) in new_pending {
                            let tx = self.tx.clone();
                            handle.on_ready(Box::new(move || {
                                let _ = tx.send(Inbound::Answer(ticket));
                            }));
                            pending.insert(ticket, handle);
                        }
                        report(TurnReport::Stepped {
                            fired,
                            roles: names(&roles),
                            sent,
                        });
                    }
                }
                turns.pop_front();
            }
            // A finished peer is given no more turns (the runtime steps it no more).
            if state.peer(0).is_finished() {
                break NodeEnd::Finished;
            }
            let item = match self.max_time {
                Some(max) => match self.rx.recv_timeout(max.saturating_sub(started.elapsed())) {
                    Ok(item) => item,
                    Err(_) => break self.time_limit(max),
                },
                None => match self.rx.recv() {
                    Ok(item) => item,
                    Err(_) => break NodeEnd::Stopped("the node's channel closed".into()),
                },
            };
            match item {
                Inbound::Message(envelope) => match self.accept(me, &envelope, &seen) {
                    Arrival::New(message) => {
                        seen.insert(envelope.message_id());
                        arrived.insert(envelope.message_id(), (Arc::new(message), envelope));
                    }
                    Arrival::Duplicate if !received.contains(&envelope.message_id()) => {}
                    Arrival::Duplicate | Arrival::Rejected => {
                        self.transport.settle(&envelope).map_err(transport_error)?;
                    }
                },
                // The turns give the directory.
                Inbound::Directory(_) => {}
                Inbound::Answer(ticket) => answered.push(ticket),
                Inbound::Stop(reason) => break NodeEnd::Stopped(reason),
                Inbound::Turn(turn) => turns.push_back(turn),
            }
        };
        Ok(NodeRun {
            state,
            trace,
            end,
            steps,
        })
    }

    fn time_limit(&self, max: Duration) -> NodeEnd {
        NodeEnd::Limit(EvalError::new(
            ErrorKind::TimeLimit,
            format!("the peer reached its time limit of {max:?}"),
            None,
        ))
    }

    /// What an arriving envelope is to peer `me`, which has accepted the
    /// messages `seen`; rejections are reported.
    fn accept(&mut self, me: Atom, envelope: &Envelope, seen: &HashSet<String>) -> Arrival {
        if envelope.recipient() != me {
            (self.log)(&format!(
                "rejected message {} for `{}`: this is peer `{me}`",
                envelope.message_id(),
                envelope.to.id
            ));
            return Arrival::Rejected;
        }
        if seen.contains(&envelope.message_id()) {
            return Arrival::Duplicate;
        }
        match envelope.message() {
            Ok(message) => Arrival::New(message),
            Err(e) => {
                (self.log)(&format!("rejected message {}: {e}", envelope.message_id()));
                Arrival::Rejected
            }
        }
    }
}

/// What an envelope that reached a node is.
enum Arrival {
    /// A message not seen before, for the node's peer.
    New(Message),
    /// A copy of a message already accepted.
    Duplicate,
    /// Not for this peer, or unreadable (reported).
    Rejected,
}

/// `state` with `message` appended to the inbox of its (only) peer.
/// After a fired step: settles the envelopes whose messages the step received
/// (they are no longer in the inbox) and announces the peer's roles if the step
/// changed them.
fn settle_and_announce(
    transport: &mut impl Transport,
    model: &Model,
    me: Atom,
    state: &State,
    unreceived: &mut Vec<(Arc<Message>, Envelope)>,
    received: &mut HashSet<String>,
    roles: &mut Vec<Atom>,
) -> Result<(), EvalError> {
    let inbox: HashSet<*const Message> = state.peers[0].inbox.iter().map(Arc::as_ptr).collect();
    let (kept, taken): (Vec<_>, Vec<_>) = unreceived
        .drain(..)
        .partition(|(message, _)| inbox.contains(&Arc::as_ptr(message)));
    *unreceived = kept;
    for (_, envelope) in taken {
        transport.settle(&envelope).map_err(transport_error)?;
        received.insert(envelope.message_id());
    }
    let now = state.peer(0).roles(model);
    if now != *roles {
        *roles = now;
        transport.announce(me, roles).map_err(transport_error)?;
    }
    Ok(())
}

fn with_message(state: &State, message: Arc<Message>) -> State {
    let mut next = state.clone();
    let mut peer = (*next.peers[0]).clone();
    peer.inbox.push_back(message);
    next.peers.set(0, Arc::new(peer));
    next
}

/// `state` (the node's own peer) followed by a stand-in for every other peer in
/// the directory.
fn with_stand_ins(model: &Model, state: &State, directory: &Directory, me: Atom) -> State {
    let mut world = state.clone();
    for (&id, roles) in directory.iter().filter(|(id, _)| **id != me) {
        world.peers.push_back(Arc::new(stand_in(model, id, roles)));
    }
    world
}

/// A peer with Id `id` that plays `roles` (those the model defines): its control
/// tree starts the first clause of each role. It is never stepped.
fn stand_in(model: &Model, id: Atom, roles: &[Atom]) -> Peer {
    let mut proc: Option<Arc<Proc>> = None;
    let mut vars = 0;
    for &role in roles {
        let Some((clause_id, clause)) = model.clauses().find(|(_, c)| c.name == role) else {
            continue;
        };
        let slots: Vec<Term> = (0..clause.vars.len() as u32).map(|k| Term::var(vars + k)).collect();
        vars += slots.len() as u32;
        let env = Arc::new(Instance {
            clause: clause_id,
            vars: slots.into_boxed_slice(),
        });
        let starts = expand(model, clause.body, &env);
        proc = Some(match proc {
            None => starts,
            Some(before) => Arc::new(Proc::Par(before, starts)),
        });
    }
    Peer {
        id,
        proc: proc.unwrap_or_else(Proc::done),
        vars,
        inbox: imbl::Vector::new(),
        pending: imbl::Vector::new(),
    }
}

/// A world of every peer of `order` (Id, roles) in that order: the node's own
/// peer (from `state`) where `me` is listed, a stand-in for each other; and
/// the own peer's position.
fn in_order(
    model: &Model,
    state: &State,
    order: &[(String, Vec<String>)],
    me: Atom,
) -> Result<(State, usize), EvalError> {
    let mut world = state.clone();
    world.peers = imbl::Vector::new();
    let mut mine = None;
    for (id, roles) in order {
        let id = Atom::new(id);
        if id == me {
            mine = Some(world.peers.len());
            world.peers.push_back(state.peers[0].clone());
        } else {
            let roles: Vec<Atom> = roles.iter().map(|r| Atom::new(r)).collect();
            world.peers.push_back(Arc::new(stand_in(model, id, &roles)));
        }
    }
    let k = mine.ok_or_else(|| {
        EvalError::new(
            ErrorKind::BadConfig,
            format!("the conductor's turn does not list this peer, `{me}`"),
            None,
        )
    })?;
    Ok((world, k))
}

/// The peer at position `k` of `world` alone, and the messages a step put
/// into the other peers' (stand-ins') inboxes.
fn split_at(world: State, k: usize) -> (State, Vec<Message>) {
    let mut outgoing = Vec::new();
    let mut local = world.clone();
    local.peers = imbl::Vector::unit(world.peers[k].clone());
    for (i, peer) in world.peers.iter().enumerate() {
        if i != k {
            outgoing.extend(peer.inbox.iter().map(|m| (**m).clone()));
        }
    }
    (local, outgoing)
}

/// The node's own peer, and the messages a step put into stand-ins' inboxes.
fn split(world: State) -> (State, Vec<Message>) {
    let mut outgoing = Vec::new();
    let mut local = world.clone();
    local.peers.truncate(1);
    for peer in world.peers.iter().skip(1) {
        outgoing.extend(peer.inbox.iter().map(|m| (**m).clone()));
    }
    (local, outgoing)
}
