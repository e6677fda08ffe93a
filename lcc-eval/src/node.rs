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

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::atom::Atom;
use crate::constraint::{Pending, Providers};
use crate::error::{ErrorKind, EvalError};
use crate::model::Model;
use crate::state::{Instance, Message, Peer, Proc, State, expand};
use crate::step::{Choice, Context, Limits, LowestId, Outcome, PeerSpec, PickPolicy, step_owned};
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
        let result = self.drive(me.id, state, trace);
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
                    let inbox: HashSet<*const Message> = state.peers[0].inbox.iter().map(Arc::as_ptr).collect();
                    let (kept, taken): (Vec<_>, Vec<_>) = unreceived
                        .drain(..)
                        .partition(|(message, _)| inbox.contains(&Arc::as_ptr(message)));
                    unreceived = kept;
                    for (_, envelope) in taken {
                        self.transport.settle(&envelope).map_err(transport_error)?;
                        received.insert(envelope.message_id());
                    }
                    let now = state.peer(0).roles(model);
                    if now != roles {
                        roles = now;
                        self.transport.announce(me, &roles).map_err(transport_error)?;
                    }
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
