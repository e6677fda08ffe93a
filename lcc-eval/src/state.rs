//! The state of a running interaction: peers with their control (a tree of role
//! instances and definitions still to run), their clause-instance variables,
//! their inboxes and the constraint calls they wait for.
//!
//! States are values: `Clone` is cheap (persistent vectors and `Arc`-shared
//! control trees), and `Eq`/`Hash` are structural. Every state that
//! [`State::start`](crate::State::start) and [`step`](crate::step()) return is
//! **canonical**: bindings are applied (no substitution is stored) and each peer's
//! variables are numbered 0, 1, ... in order of appearance, so equal states compare
//! and hash equal ([`step_with`](crate::step_with) without
//! [`Needs::canonical`](crate::Needs) skips the renumbering; [`State::canonical`]
//! does it on demand). The role directory is derived from the control trees (a peer
//! plays the roles of the clause instances its next steps belong to).

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use lcc_syntax::Span;

use crate::atom::Atom;
use crate::constraint::Answer;
use crate::event::Address;
use crate::model::{ClauseId, Def, DefId, Model};
use crate::subst::Subst;
use crate::term::{Term, Var};

/// One clause instance: the clause and the values of its variable slots.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Instance {
    /// The clause.
    pub clause: ClauseId,
    /// One term per slot (a variable while the slot is unbound).
    pub vars: Box<[Term]>,
}

/// A shared clause instance: the steps of one instance all point to it.
pub type Env = Arc<Instance>;

/// What a peer still has to do. Steps run in the clause instance they point to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Proc {
    /// Nothing.
    Done,
    /// A step, ready to fire.
    Step {
        /// The step's definition.
        def: DefId,
        /// Its clause instance.
        env: Env,
    },
    /// A committed choice not yet taken.
    Or {
        /// The `Or` definition.
        def: DefId,
        /// Its clause instance.
        env: Env,
    },
    /// `first`, then the definition `rest`.
    Seq {
        /// What runs now.
        first: Arc<Proc>,
        /// What runs after it.
        rest: DefId,
        /// The clause instance of `rest`.
        env: Env,
    },
    /// Both, interleaved.
    Par(Arc<Proc>, Arc<Proc>),
    /// A role instance: `body` runs as the role of `env`'s clause; when it
    /// completes the role is left.
    Frame {
        /// The role's clause instance.
        env: Env,
        /// The body still to run.
        body: Arc<Proc>,
    },
}

impl Proc {
    /// The shared `Done` node (one allocation for the whole process).
    pub fn done() -> Arc<Proc> {
        static DONE: std::sync::OnceLock<Arc<Proc>> = std::sync::OnceLock::new();
        DONE.get_or_init(|| Arc::new(Proc::Done)).clone()
    }

    /// Calls `f` with the clause instance of every step the peer may take next
    /// (the leaves of the control tree), left to right.
    pub fn leaves(&self, f: &mut impl FnMut(&Env)) {
        match self {
            Proc::Done => {}
            Proc::Step { env, .. } | Proc::Or { env, .. } => f(env),
            Proc::Seq { first, .. } => first.leaves(f),
            Proc::Par(a, b) => {
                a.leaves(f);
                b.leaves(f);
            }
            Proc::Frame { body, .. } => body.leaves(f),
        }
    }

    /// How many role instances are nested at the deepest point (a measure of the
    /// call stack: a role that loops by tail calls keeps it constant).
    pub fn depth(&self) -> usize {
        match self {
            Proc::Done | Proc::Step { .. } | Proc::Or { .. } => 0,
            Proc::Seq { first, .. } => first.depth(),
            Proc::Par(a, b) => a.depth().max(b.depth()),
            Proc::Frame { body, .. } => 1 + body.depth(),
        }
    }
}

/// Expands definition `def` in clause instance `env` into a control tree.
pub fn expand(model: &Model, def: DefId, env: &Env) -> Arc<Proc> {
    Arc::new(match model.def_node(def) {
        Def::Then(a, b) => {
            return Arc::new(Proc::Seq {
                first: expand(model, *a, env),
                rest: *b,
                env: env.clone(),
            });
        }
        Def::Par(a, b) => Proc::Par(expand(model, *a, env), expand(model, *b, env)),
        Def::Or(_) => Proc::Or { def, env: env.clone() },
        Def::Step(_) => Proc::Step { def, env: env.clone() },
    })
}

/// A message in an inbox. Its variables are its own (numbered from 0); a receive
/// renames them apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Message {
    /// Sender.
    pub from: Address,
    /// Recipient.
    pub to: Address,
    /// The message term.
    pub term: Term,
}

/// A constraint call whose answer was pending when the peer last tried to step.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PendingCall {
    /// The runtime's handle number for the pending answer.
    pub ticket: u64,
    /// The constraint.
    pub name: Atom,
    /// The arguments, variables renumbered from 0.
    pub args: Vec<Term>,
    /// The answer, once it has been delivered with [`State::deliver`].
    pub answer: Option<Answer>,
    /// Where the constraint is called.
    pub span: Span,
}

/// A peer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Peer {
    pub(crate) id: Atom,
    pub(crate) proc: Arc<Proc>,
    pub(crate) vars: u32,
    pub(crate) inbox: imbl::Vector<Arc<Message>>,
    pub(crate) pending: imbl::Vector<PendingCall>,
}

impl Peer {
    /// The peer's Id.
    pub fn id(&self) -> Atom {
        self.id
    }

    /// What the peer still has to do.
    pub fn proc(&self) -> &Arc<Proc> {
        &self.proc
    }

    /// Whether the peer's outermost role has completed.
    pub fn is_finished(&self) -> bool {
        matches!(*self.proc, Proc::Done)
    }

    /// The peer's inbox, oldest first.
    pub fn inbox(&self) -> impl Iterator<Item = &Message> {
        self.inbox.iter().map(|m| &**m)
    }

    /// The constraint calls the peer waits for.
    pub fn pending(&self) -> &imbl::Vector<PendingCall> {
        &self.pending
    }

    /// The number of variables of the peer (after canonical renumbering).
    pub fn var_count(&self) -> u32 {
        self.vars
    }

    /// The names of the roles the peer currently plays, sorted, without repeats.
    pub fn roles(&self, model: &Model) -> Vec<Atom> {
        let mut roles = Vec::new();
        self.proc.leaves(&mut |env| roles.push(model.clause(env.clause).name));
        roles.sort();
        roles.dedup();
        roles
    }

    /// Whether the peer plays a role named `role`.
    pub fn plays(&self, model: &Model, role: Atom) -> bool {
        let mut found = false;
        self.proc
            .leaves(&mut |env| found |= model.clause(env.clause).name == role);
        found
    }
}

/// The state of an interaction.
#[derive(Debug, Clone)]
pub struct State {
    pub(crate) peers: imbl::Vector<Arc<Peer>>,
    /// The next ticket number for pending answers (not part of equality).
    pub(crate) next_ticket: u64,
}

impl PartialEq for State {
    fn eq(&self, other: &Self) -> bool {
        self.peers == other.peers
    }
}

impl Eq for State {}

impl Hash for State {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.peers.hash(state);
    }
}

impl State {
    /// The peers, in the order they were started.
    pub fn peers(&self) -> impl Iterator<Item = &Peer> {
        self.peers.iter().map(|p| &**p)
    }

    /// The number of peers.
    pub fn len(&self) -> usize {
        self.peers.len()
    }

    /// Whether there are no peers.
    pub fn is_empty(&self) -> bool {
        self.peers.is_empty()
    }

    /// Peer number `index`.
    pub fn peer(&self, index: usize) -> &Peer {
        &self.peers[index]
    }

    /// The index of the peer with Id `id`.
    pub fn index_of(&self, id: Atom) -> Option<usize> {
        self.peers.iter().position(|p| p.id == id)
    }

    /// Whether every peer has finished.
    pub fn all_finished(&self) -> bool {
        self.peers.iter().all(|p| p.is_finished())
    }

    /// The indices of the peers playing a role named `role`, ordered by Id (the
    /// role directory's answer).
    pub fn players(&self, model: &Model, role: Atom) -> Vec<usize> {
        let mut found: Vec<(Atom, usize)> = self
            .peers
            .iter()
            .enumerate()
            .filter(|(_, p)| p.plays(model, role))
            .map(|(i, p)| (p.id, i))
            .collect();
        found.sort_unstable();
        found.into_iter().map(|(_, i)| i).collect()
    }

    /// Messages left in inboxes, with the index of the peer holding each.
    pub fn messages(&self) -> impl Iterator<Item = (usize, &Message)> {
        self.peers
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.inbox.iter().map(move |m| (i, &**m)))
    }

    /// Delivers the answer of the pending call `ticket` (the peer waiting for it can
    /// then step). Returns `None` if no peer waits for that ticket any more.
    pub fn deliver(&self, ticket: u64, answer: Answer) -> Option<State> {
        let peer = self
            .peers
            .iter()
            .position(|p| p.pending.iter().any(|c| c.ticket == ticket))?;
        let mut next = self.clone();
        next.deliver_to(peer, ticket, answer);
        Some(next)
    }

    /// [`State::deliver`] in place, for a caller that knows which peer made the
    /// call: returns whether peer `peer` was still waiting for `ticket`.
    pub fn deliver_to(&mut self, peer: usize, ticket: u64, answer: Answer) -> bool {
        let Some(k) = self.peers[peer].pending.iter().position(|c| c.ticket == ticket) else {
            return false;
        };
        let me = self.peer_mut(peer);
        let mut call = me.pending[k].clone();
        call.answer = Some(answer);
        me.pending.set(k, call);
        true
    }

    /// Peer number `index`, shared (cloning it is cheap).
    pub fn shared_peer(&self, index: usize) -> &Arc<Peer> {
        &self.peers[index]
    }

    /// Replaces peer number `index` by `peer`, a record of the same peer taken
    /// from another state (as a model checker reuses a step's result in states
    /// that differ only in other peers).
    pub fn set_peer(&mut self, index: usize, peer: Arc<Peer>) {
        self.peers.set(index, peer);
    }

    /// Appends `message` to the inbox of peer number `index` (the delivery half
    /// of a send, reused as [`State::set_peer`] is).
    pub fn push_message(&mut self, index: usize, message: Arc<Message>) {
        self.peer_mut(index).inbox.push_back(message);
    }

    /// The inbox of peer number `index`, shared.
    pub fn shared_inbox(&self, index: usize) -> &imbl::Vector<Arc<Message>> {
        &self.peers[index].inbox
    }

    /// Peer number `index`, to update: copied first if another state shares it.
    pub(crate) fn peer_mut(&mut self, index: usize) -> &mut Peer {
        Arc::make_mut(&mut self.peers[index])
    }

    /// The canonical form of the state: each peer's variables renumbered 0, 1,
    /// ... in order of appearance (what [`step`](crate::step()) returns; a
    /// runtime stepping with [`Needs::STATE`](crate::Needs::STATE) renumbers only
    /// when asked).
    pub fn canonical(mut self) -> State {
        let empty = Subst::new();
        for i in 0..self.peers.len() {
            let mut canon = Canon::new(&empty);
            let proc = canon.proc(self.peers[i].proc.clone());
            if Arc::ptr_eq(&proc, &self.peers[i].proc) && canon.var_count() == self.peers[i].vars {
                continue;
            }
            let me = self.peer_mut(i);
            me.proc = proc;
            me.vars = canon.var_count();
        }
        self
    }

    /// `t`, a term of peer `index`'s (its variables numbered as in the peer's
    /// control tree, or from [`Peer::var_count`] on for variables made since),
    /// with the variables numbered as in the peer's canonical form.
    pub fn canonical_term(&self, index: usize, t: &Term) -> Term {
        let peer = &self.peers[index];
        let empty = Subst::new();
        let mut canon = Canon::new(&empty);
        canon.proc(peer.proc.clone());
        t.map_vars(&mut |v| match canon.renamed(v) {
            Some(n) => Term::Var(Var(n)),
            None if v.0 >= peer.vars => Term::Var(Var(v.0 - peer.vars + canon.var_count())),
            None => Term::Var(v),
        })
    }

    /// Whether peer `peer` still waits for the answer of the pending call `ticket`.
    pub fn waits_for(&self, peer: usize, ticket: u64) -> bool {
        self.peers[peer].pending.iter().any(|c| c.ticket == ticket)
    }
}

/// Old variable numbers below this are mapped through a vector when renumbering.
const DENSE: usize = 1024;

/// Applies a substitution to a control tree and renumbers its variables 0, 1, ...
/// in order of appearance (clause instances shared in the tree stay shared), or
/// only applies it ([`Canon::applying`]).
pub(crate) struct Canon<'a> {
    subst: &'a Subst,
    /// Whether to renumber the variables.
    renumber: bool,
    /// New number of each old variable (`u32::MAX`: not seen yet), by old number:
    /// the first 64 inline, then up to [`DENSE`] in a vector, beyond in a map (a
    /// peer stepped without renumbering has a few live variables with high numbers).
    small: [u32; 64],
    vars: Vec<u32>,
    far: std::collections::HashMap<u32, u32>,
    seen: u32,
    /// The clause instances rewritten so far (old address, new instance): the
    /// first few inline.
    envs_inline: [Option<(*const Instance, Env)>; 4],
    envs: Vec<(*const Instance, Env)>,
    /// The size of the largest term seen.
    pub largest: usize,
    /// The number of role instances enclosing the current node.
    depth: usize,
    /// The deepest nesting of role instances seen.
    pub deepest: usize,
}

impl<'a> Canon<'a> {
    pub fn new(subst: &'a Subst) -> Canon<'a> {
        Canon {
            subst,
            renumber: true,
            small: [u32::MAX; 64],
            vars: Vec::new(),
            far: std::collections::HashMap::new(),
            seen: 0,
            envs_inline: [None, None, None, None],
            envs: Vec::new(),
            largest: 0,
            depth: 0,
            deepest: 0,
        }
    }

    /// Applies `subst` without renumbering: the variables keep their numbers.
    pub fn applying(subst: &'a Subst) -> Canon<'a> {
        Canon {
            renumber: false,
            ..Canon::new(subst)
        }
    }

    /// The number of distinct variables seen (when renumbering).
    pub fn var_count(&self) -> u32 {
        self.seen
    }

    /// The new number of the old variable `v`, if it was seen (when renumbering).
    pub fn renamed(&self, v: Var) -> Option<u32> {
        let old = v.0 as usize;
        let slot = if old < self.small.len() {
            self.small[old]
        } else if old < DENSE {
            self.vars.get(old - self.small.len()).copied().unwrap_or(u32::MAX)
        } else {
            self.far.get(&v.0).copied().unwrap_or(u32::MAX)
        };
        (slot != u32::MAX).then_some(slot)
    }

    pub fn term(&mut self, t: &Term) -> Term {
        if !matches!(t, Term::Var(_) | Term::Compound(..)) {
            // A constant: nothing to apply or renumber.
            self.largest = self.largest.max(1);
            return t.clone();
        }
        let resolved = self.subst.resolve(t);
        self.largest = self.largest.max(resolved.size());
        if !self.renumber {
            return resolved;
        }
        let (small, vars, far, seen) = (&mut self.small, &mut self.vars, &mut self.far, &mut self.seen);
        resolved.map_vars(&mut |v| {
            let old = v.0 as usize;
            let slot = if old < small.len() {
                &mut small[old]
            } else if old < DENSE {
                let i = old - small.len();
                if i >= vars.len() {
                    vars.resize(i + 1, u32::MAX);
                }
                &mut vars[i]
            } else {
                far.entry(v.0).or_insert(u32::MAX)
            };
            if *slot == u32::MAX {
                *slot = *seen;
                *seen += 1;
            }
            Term::Var(Var(*slot))
        })
    }

    fn env(&mut self, env: &Env) -> Env {
        let key = Arc::as_ptr(env);
        if let Some((_, done)) = self
            .envs_inline
            .iter()
            .flatten()
            .chain(&self.envs)
            .find(|(k, _)| *k == key)
        {
            return done.clone();
        }
        // Allocate a new instance only if some slot changes.
        let mut changed: Option<Vec<Term>> = None;
        for (i, t) in env.vars.iter().enumerate() {
            let new = self.term(t);
            match &mut changed {
                Some(vars) => vars.push(new),
                None if new != *t => {
                    let mut vars = Vec::with_capacity(env.vars.len());
                    vars.extend(env.vars[..i].iter().cloned());
                    vars.push(new);
                    changed = Some(vars);
                }
                None => {}
            }
        }
        let out = match changed {
            Some(vars) => Arc::new(Instance {
                clause: env.clause,
                vars: vars.into_boxed_slice(),
            }),
            None => env.clone(),
        };
        match self.envs_inline.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some((key, out.clone())),
            None => self.envs.push((key, out.clone())),
        }
        out
    }

    /// The canonical form of `p`, rewritten in place where it is not shared;
    /// records the deepest nesting of role instances.
    pub fn proc(&mut self, p: Arc<Proc>) -> Arc<Proc> {
        let frame = matches!(*p, Proc::Frame { .. });
        if frame {
            self.depth += 1;
            self.deepest = self.deepest.max(self.depth);
        }
        let out = self.node(p);
        if frame {
            self.depth -= 1;
        }
        out
    }

    fn node(&mut self, mut p: Arc<Proc>) -> Arc<Proc> {
        if let Some(node) = Arc::get_mut(&mut p) {
            match node {
                Proc::Done => {}
                Proc::Step { env, .. } | Proc::Or { env, .. } => *env = self.env(env),
                Proc::Seq { first, env, .. } => {
                    *first = self.proc(std::mem::replace(first, Proc::done()));
                    *env = self.env(env);
                }
                Proc::Par(a, b) => {
                    *a = self.proc(std::mem::replace(a, Proc::done()));
                    *b = self.proc(std::mem::replace(b, Proc::done()));
                }
                Proc::Frame { env, body } => {
                    *env = self.env(env);
                    *body = self.proc(std::mem::replace(body, Proc::done()));
                }
            }
            return p;
        }
        // Shared: rebuild only what changes.
        let same = |a: &Arc<Proc>, b: &Arc<Proc>| Arc::ptr_eq(a, b);
        let same_env = |a: &Env, b: &Env| Arc::ptr_eq(a, b);
        match &*p {
            Proc::Done => p,
            Proc::Step { def, env } => {
                let new = self.env(env);
                if same_env(&new, env) {
                    return p;
                }
                Arc::new(Proc::Step { def: *def, env: new })
            }
            Proc::Or { def, env } => {
                let new = self.env(env);
                if same_env(&new, env) {
                    return p;
                }
                Arc::new(Proc::Or { def: *def, env: new })
            }
            Proc::Seq { first, rest, env } => {
                let new_first = self.proc(first.clone());
                let new_env = self.env(env);
                if same(&new_first, first) && same_env(&new_env, env) {
                    return p;
                }
                Arc::new(Proc::Seq {
                    first: new_first,
                    rest: *rest,
                    env: new_env,
                })
            }
            Proc::Par(a, b) => {
                let (new_a, new_b) = (self.proc(a.clone()), self.proc(b.clone()));
                if same(&new_a, a) && same(&new_b, b) {
                    return p;
                }
                Arc::new(Proc::Par(new_a, new_b))
            }
            Proc::Frame { env, body } => {
                let new_env = self.env(env);
                let new_body = self.proc(body.clone());
                if same(&new_body, body) && same_env(&new_env, env) {
                    return p;
                }
                Arc::new(Proc::Frame {
                    env: new_env,
                    body: new_body,
                })
            }
        }
    }
}
