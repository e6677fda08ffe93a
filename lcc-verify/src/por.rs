//! Partial-order reduction: a conservative ample set of one peer's local steps.
//!
//! At a checker state, the ample set is every transition of one `par` thread `T`
//! of one awake peer `p`, when all of these hold (otherwise the state is fully
//! expanded):
//!
//! - `T`'s every next step (through each `or` alternative, enabled or not) is a
//!   `null` step, so nothing another peer does (a send to `p`, a
//!   role change) can enable or disable one of them; `T` holds no nested `par`;
//! - every transition of `T` is local: no message, no peer finishing, no call of
//!   `peers/2` (whose answer reads the directory), and the roles `p` plays (the
//!   role directory's view of it) are the same after it as before (a `null` step
//!   that ends a role instance changes them);
//! - `T` shares no unbound variable with `p`'s other `par` threads, so their
//!   steps and `T`'s commute;
//! - `p` has no pending calls, no sleep move here, and `T` alone can always fire
//!   (lcc-eval's attempt restricted to `T` is never blocked, under any constraint
//!   outcome), so no sleep move of `p` can appear while `T` waits;
//! - no peer sleeps until any peer steps (every firing would wake it);
//! - after each of these steps, `p` can step again under every constraint
//!   answer (the steps are invisible to the deadlock properties: they never make
//!   `p` stuck, so states where another peer is stuck while `p` can still run are
//!   kept).
//!
//! Such transitions only touch `p`'s local state and are independent of every
//! transition outside the set. The search adds the cycle proviso: it uses the
//! ample set only if all of its successors are new states (not visited before),
//! so every cycle of the reduced graph has a fully expanded state.

use std::collections::HashSet;
use std::sync::Arc;

use lcc_eval::model::{Def, StepKind};
use lcc_eval::state::{Proc, expand};
use lcc_eval::{Atom, Context, EvalError, Event, Model, Retry, Term};

use crate::explore::{Move, Node, Succ, sleep_flag};
use crate::moves::MoveCache;

/// The indices (into `succs`, all the successors of `node`) of an ample set, or
/// `None` when the state must be fully expanded.
pub fn ample(
    model: &Model,
    ctx: &Context<'_>,
    node: &Node,
    succs: &[Succ],
    cache: &mut MoveCache,
) -> Result<Option<Vec<usize>>, EvalError> {
    if node.asleep.contains(&sleep_flag(Retry::OnAnyStep)) {
        return Ok(None);
    }
    let sleepers: HashSet<usize> = succs
        .iter()
        .filter(|s| matches!(s.mv, Move::Sleep { .. }))
        .map(|s| s.peer)
        .collect();
    // Candidate groups (peer, thread), in successor order.
    let mut groups: Vec<(usize, &[u32], Vec<usize>)> = Vec::new();
    for (i, s) in succs.iter().enumerate() {
        if let Move::Fire(f) = &s.mv {
            let thread = &f.thread;
            match groups
                .iter_mut()
                .find(|(p, t, _)| *p == s.peer && *t == thread.as_slice())
            {
                Some(g) => g.2.push(i),
                None => groups.push((s.peer, thread, vec![i])),
            }
        }
    }
    let mut best: Option<Vec<usize>> = None;
    for (p, thread, members) in &groups {
        if sleepers.contains(p) || best.as_ref().is_some_and(|b| b.len() <= members.len()) {
            continue;
        }
        if eligible(model, ctx, node, succs, (*p, thread, members), cache)? {
            best = Some(members.clone());
        }
    }
    Ok(best)
}

fn eligible(
    model: &Model,
    ctx: &Context<'_>,
    node: &Node,
    succs: &[Succ],
    (p, thread, members): (usize, &[u32], &[usize]),
    cache: &mut MoveCache,
) -> Result<bool, EvalError> {
    let peer = node.state.peer(p);
    if !peer.pending().is_empty() {
        return Ok(false);
    }
    // No transition of `p` in a thread nested inside `T`.
    let nested = succs.iter().any(|s| match &s.mv {
        Move::Fire(f) => s.peer == p && f.thread.len() > thread.len() && f.thread.starts_with(thread),
        Move::Sleep { .. } => false,
    });
    let before = roles(model, peer.proc());
    if nested
        || !members
            .iter()
            .all(|&i| local(&succs[i].mv) && roles(model, succs[i].node.state.peer(p).proc()) == before)
    {
        return Ok(false);
    }
    let mut others = HashSet::new();
    let Some(sub) = subtree(peer.proc(), thread, &mut others) else {
        return Ok(false);
    };
    if !local_frontier(model, &sub) {
        return Ok(false);
    }
    let mut mine = HashSet::new();
    proc_vars(&sub, &mut mine);
    if !mine.is_disjoint(&others) {
        return Ok(false);
    }
    // Invisibility: after each step `p` can still step, whatever the constraints
    // answer, so no ample step makes `p` stuck (which would hide states where
    // another peer is stuck while `p` could still run: strong deadlocks).
    for &i in members {
        let next = &succs[i].node.state;
        if next.peer(p).is_finished() {
            return Ok(false);
        }
        let directory = cache.directory(model, next);
        if cache.moves(model, ctx, next, p, directory)?.block.is_some() {
            return Ok(false);
        }
    }
    let Move::Fire(first) = &succs[members[0]].mv else {
        return Ok(false);
    };
    let Some(path) = first.choice.path.as_deref().and_then(|path| path.get(..thread.len())) else {
        return Ok(false);
    };
    let directory = cache.directory(model, &node.state);
    if cache.blocked_in_thread(model, ctx, &node.state, p, directory, path)? {
        return Ok(false);
    }
    Ok(true)
}

/// The role names a control tree's next steps play, sorted.
fn roles(model: &Model, proc: &Proc) -> Vec<Atom> {
    let mut names = Vec::new();
    proc.leaves(&mut |env| names.push(model.clause(env.clause).name));
    names.sort_unstable();
    names.dedup();
    names
}

/// Whether a transition's events touch only its peer's local state (the roles
/// it plays are checked separately).
fn local(mv: &Move) -> bool {
    let Move::Fire(step) = mv else {
        return false;
    };
    step.events.iter().all(|e| match e {
        Event::Called { call, .. } => !matches!(call, Term::Compound(f, _) | Term::Atom(f) if f.name() == "peers"),
        Event::Answered { .. }
        | Event::AlternativeChosen { .. }
        | Event::Null { .. }
        | Event::RoleEntered { .. }
        | Event::RoleLeft { .. } => true,
        _ => false,
    })
}

/// The subtree a thread's `par` branches lead to, collecting the unbound
/// variables of the other branches on the way; `None` if the way passes an `or`.
fn subtree(proc: &Arc<Proc>, thread: &[u32], others: &mut HashSet<u32>) -> Option<Arc<Proc>> {
    let mut cur = proc.clone();
    let mut rest = thread;
    while let Some((&k, tail)) = rest.split_first() {
        let next = match &*cur {
            Proc::Seq { first, .. } => first.clone(),
            Proc::Frame { body, .. } => body.clone(),
            Proc::Par(a, b) => {
                let (this, other) = if k == 0 { (a, b) } else { (b, a) };
                proc_vars(other, others);
                rest = tail;
                this.clone()
            }
            Proc::Done | Proc::Step { .. } | Proc::Or { .. } => return None,
        };
        cur = next;
    }
    Some(cur)
}

/// Whether every next step of a control tree (through every `or` alternative) is
/// a `null` step, with no `par` on the way.
fn local_frontier(model: &Model, proc: &Proc) -> bool {
    match proc {
        Proc::Step { def, .. } => {
            matches!(model.def_node(*def), Def::Step(s) if matches!(s.kind, StepKind::Null))
        }
        Proc::Seq { first, .. } => local_frontier(model, first),
        Proc::Frame { body, .. } => local_frontier(model, body),
        Proc::Or { def, env } => match model.def_node(*def) {
            Def::Or(alts) => alts.iter().all(|&alt| local_frontier(model, &expand(model, alt, env))),
            _ => false,
        },
        Proc::Done | Proc::Par(..) => false,
    }
}

/// The unbound variables of a control tree's clause instances.
fn proc_vars(proc: &Proc, out: &mut HashSet<u32>) {
    match proc {
        Proc::Done => {}
        Proc::Step { env, .. } | Proc::Or { env, .. } => env.vars.iter().for_each(|t| term_vars(t, out)),
        Proc::Seq { first, env, .. } => {
            env.vars.iter().for_each(|t| term_vars(t, out));
            proc_vars(first, out);
        }
        Proc::Frame { env, body } => {
            env.vars.iter().for_each(|t| term_vars(t, out));
            proc_vars(body, out);
        }
        Proc::Par(a, b) => {
            proc_vars(a, out);
            proc_vars(b, out);
        }
    }
}

fn term_vars(t: &Term, out: &mut HashSet<u32>) {
    match t {
        Term::Var(v) => {
            out.insert(v.0);
        }
        Term::Compound(_, args) => args.iter().for_each(|a| term_vars(a, out)),
        _ => {}
    }
}
