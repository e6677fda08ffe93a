//! The properties, computed over the explored graph.
//!
//! States that were not fully explored (a limit stopped the search, or some
//! successors exceed the bounds) are treated optimistically: anything may happen
//! after them. So every violation reported is real (within the abstraction), and
//! a clean verdict holds for the explored part, under the stated bounds.
//!
//! - **Deadlock** (strong): a state where some unfinished peer can never fire a
//!   step again, on any path, whatever the other peers do. Computed backwards:
//!   the peers that can still step from a state are those that step on one of its
//!   edges or can step from a successor. A state where every unfinished peer is
//!   stuck is a global deadlock.
//! - **Orphan messages**: a state where every peer has finished and messages are
//!   left in inboxes.
//! - **Unreceived messages**: a state where a peer holds messages and some run
//!   from it, fair to that peer (weak fairness for each of its `par` threads: a
//!   thread that can fire in every state of a cycle fires in it), never lets the
//!   peer receive anything again — it ends, or loops for ever in such a cycle.
//! - **Non-progress cycles** (warnings): cycles of steps that send and receive
//!   nothing.

use crate::explore::bit;
use crate::graph::Graph;

/// Tarjan's strongly connected components of the nodes `0..n` for which
/// `active` holds, following `succ`; returns each node's component (`u32::MAX`
/// for inactive nodes). Components are numbered in reverse topological order.
pub fn sccs(n: usize, active: impl Fn(u32) -> bool, succ: impl Fn(u32, &mut Vec<u32>)) -> Vec<u32> {
    const NONE: u32 = u32::MAX;
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut comp = vec![NONE; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    let mut next_index = 0u32;
    let mut next_comp = 0u32;
    let mut buf = Vec::new();
    for root in 0..n as u32 {
        if index[root as usize] != NONE || !active(root) {
            continue;
        }
        // Frames: (node, its successors, position in them).
        let mut calls: Vec<(u32, Vec<u32>, usize)> = Vec::new();
        let visit = |v: u32,
                     index: &mut Vec<u32>,
                     low: &mut Vec<u32>,
                     stack: &mut Vec<u32>,
                     on_stack: &mut Vec<bool>,
                     next_index: &mut u32,
                     buf: &mut Vec<u32>| {
            index[v as usize] = *next_index;
            low[v as usize] = *next_index;
            *next_index += 1;
            stack.push(v);
            on_stack[v as usize] = true;
            buf.clear();
            succ(v, buf);
            buf.retain(|&w| active(w));
            std::mem::take(buf)
        };
        let succs = visit(
            root,
            &mut index,
            &mut low,
            &mut stack,
            &mut on_stack,
            &mut next_index,
            &mut buf,
        );
        calls.push((root, succs, 0));
        while let Some((v, succs, pos)) = calls.last_mut() {
            let v = *v;
            if *pos < succs.len() {
                let w = succs[*pos];
                *pos += 1;
                if index[w as usize] == NONE {
                    let s = visit(
                        w,
                        &mut index,
                        &mut low,
                        &mut stack,
                        &mut on_stack,
                        &mut next_index,
                        &mut buf,
                    );
                    calls.push((w, s, 0));
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
                continue;
            }
            calls.pop();
            if let Some((parent, _, _)) = calls.last() {
                let p = *parent as usize;
                low[p] = low[p].min(low[v as usize]);
            }
            if low[v as usize] == index[v as usize] {
                loop {
                    let w = stack.pop().expect("tarjan stack");
                    on_stack[w as usize] = false;
                    comp[w as usize] = next_comp;
                    if w == v {
                        break;
                    }
                }
                next_comp += 1;
            }
        }
    }
    comp
}

/// For each state, the peers (bits) that can still fire a step on some path
/// from it (every peer, for states not fully explored).
pub fn can_step(graph: &Graph) -> Vec<u64> {
    let n = graph.peers;
    let all = if n == 64 { u64::MAX } else { bit(n) - 1 };
    let mut can: Vec<u64> = graph
        .nodes
        .iter()
        .map(|info| if info.status.is_complete() { 0 } else { all })
        .collect();
    for e in &graph.edges {
        let label = graph.labels.get(e.label);
        if label.fired {
            can[e.src as usize] |= bit(label.peer as usize);
        }
    }
    let back = graph.backward();
    let mut work: Vec<u32> = (0..graph.nodes.len() as u32).collect();
    let mut queued = vec![true; graph.nodes.len()];
    while let Some(t) = work.pop() {
        queued[t as usize] = false;
        let ct = can[t as usize];
        for &(s, label) in &back[t as usize] {
            let sigma = graph.perms.get(graph.labels.get(label).sigma);
            let mut mapped = 0u64;
            for (q, &to) in sigma.iter().enumerate() {
                if ct & bit(to as usize) != 0 {
                    mapped |= bit(q);
                }
            }
            let old = can[s as usize];
            if old | mapped != old {
                can[s as usize] = old | mapped;
                if !queued[s as usize] {
                    queued[s as usize] = true;
                    work.push(s);
                }
            }
        }
    }
    can
}

/// For each state, the peers holding messages that some run fair to them never
/// lets them receive (bits).
pub fn unreceived(graph: &Graph) -> Vec<u64> {
    let n = graph.peers;
    let states = graph.nodes.len();
    let forward = graph.forward();
    let node = |s: u32, p: usize| s as usize * n + p;
    let in_product = |v: u32| {
        let (s, p) = (v as usize / n, v as usize % n);
        let info = &graph.nodes[s];
        info.status.is_complete() && info.inbox & bit(p) != 0
    };
    let step = |v: u32, out: &mut Vec<u32>| {
        let (s, p) = (v as usize / n, v as usize % n);
        for &(t, label) in &forward[s] {
            let l = graph.labels.get(label);
            if l.peer as usize == p && l.receives {
                continue;
            }
            let q = graph.perms.get(l.sigma)[p] as usize;
            out.push(node(t, q) as u32);
        }
    };
    let comp = sccs(states * n, in_product, step);
    // Fair components: for each thread of the tracked peer enabled in every
    // state of the component, some edge inside it fires that thread.
    let components = comp
        .iter()
        .filter(|&&c| c != u32::MAX)
        .map(|&c| c + 1)
        .max()
        .unwrap_or(0) as usize;
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); components];
    for (v, &c) in comp.iter().enumerate() {
        if c != u32::MAX {
            members[c as usize].push(v as u32);
        }
    }
    let mut bad = vec![false; states * n];
    let mut buf = Vec::new();
    for vs in &members {
        let mut inside_edges = 0usize;
        let mut fired_threads: Vec<&Vec<u32>> = Vec::new();
        for &v in vs {
            let (s, p) = (v as usize / n, v as usize % n);
            for &(t, label) in &forward[s] {
                let l = graph.labels.get(label);
                if l.peer as usize == p && l.receives {
                    continue;
                }
                let q = graph.perms.get(l.sigma)[p] as usize;
                if comp[node(t, q)] == comp[v as usize] {
                    inside_edges += 1;
                    if l.fired && l.peer as usize == p {
                        fired_threads.push(&graph.threads.get(l.thread).1);
                    }
                }
            }
        }
        let terminal = vs.len() == 1 && {
            let s = vs[0] as usize / n;
            forward[s].is_empty()
        };
        if inside_edges == 0 && !terminal {
            continue;
        }
        let threads_of = |v: u32| -> Vec<&Vec<u32>> {
            let (s, p) = (v as usize / n, v as usize % n);
            graph
                .thread_sets
                .get(graph.nodes[s].enabled)
                .iter()
                .map(|&t| graph.threads.get(t))
                .filter(|(peer, _)| *peer as usize == p)
                .map(|(_, path)| path)
                .collect()
        };
        let first = threads_of(vs[0]);
        let fair = first
            .iter()
            .filter(|x| vs.iter().all(|&v| threads_of(v).contains(x)))
            .all(|x| fired_threads.contains(x));
        if fair || terminal {
            for &v in vs {
                bad[v as usize] = true;
            }
        }
    }
    // Everything in the product that can reach a bad component is bad.
    let mut back: Vec<Vec<u32>> = vec![Vec::new(); states * n];
    for v in 0..(states * n) as u32 {
        if comp[v as usize] == u32::MAX {
            continue;
        }
        buf.clear();
        step(v, &mut buf);
        for &w in &buf {
            if comp[w as usize] != u32::MAX {
                back[w as usize].push(v);
            }
        }
    }
    let mut work: Vec<u32> = (0..(states * n) as u32).filter(|&v| bad[v as usize]).collect();
    while let Some(w) = work.pop() {
        for &v in &back[w as usize] {
            if !bad[v as usize] {
                bad[v as usize] = true;
                work.push(v);
            }
        }
    }
    (0..states)
        .map(|s| (0..n).filter(|&p| bad[node(s as u32, p)]).fold(0u64, |m, p| m | bit(p)))
        .collect()
}

/// The states on cycles of steps that exchange no message, and for each such
/// component one cycle through its shallowest state.
pub fn non_progress_cycles(graph: &Graph) -> Vec<Vec<u32>> {
    let forward = graph.forward();
    let quiet = |s: u32, out: &mut Vec<u32>| {
        for &(t, label) in &forward[s as usize] {
            if !graph.labels.get(label).comm {
                out.push(t);
            }
        }
    };
    let active = |s: u32| graph.nodes[s as usize].status.is_complete();
    let comp = sccs(graph.nodes.len(), active, quiet);
    let mut cycles = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // Shallowest first: states are numbered in BFS order.
    for s in 0..graph.nodes.len() as u32 {
        let c = comp[s as usize];
        if c == u32::MAX || seen.contains(&c) {
            continue;
        }
        if let Some(cycle) = cycle_through(s, &forward, graph, &comp) {
            seen.insert(c);
            cycles.push(cycle);
        }
    }
    cycles
}

/// A shortest quiet cycle from `s` back to `s` inside its component.
fn cycle_through(s: u32, forward: &[Vec<(u32, u32)>], graph: &Graph, comp: &[u32]) -> Option<Vec<u32>> {
    let c = comp[s as usize];
    let mut parent: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
    let mut queue = std::collections::VecDeque::from([s]);
    while let Some(u) = queue.pop_front() {
        for &(t, label) in &forward[u as usize] {
            if graph.labels.get(label).comm || comp[t as usize] != c {
                continue;
            }
            if t == s {
                let mut path = vec![u];
                let mut cur = u;
                while cur != s {
                    cur = parent[&cur];
                    path.push(cur);
                }
                path.reverse();
                path.push(s);
                return Some(path);
            }
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(t) {
                e.insert(u);
                queue.push_back(t);
            }
        }
    }
    None
}
