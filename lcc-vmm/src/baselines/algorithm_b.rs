//! Algorithm B of the self-management seed: K-best-first search (Felner et
//! al.) over placements. A state's global profit is the sum of its hosts'
//! local profits (the square of a host's utilisation, so that concentrating
//! load pays at every step, not only when a host empties; an empty host, which
//! can go offline, has the maximum, 1) times its validity (0 or 1); its utility is the profit
//! less a cost per migration from the initial placement. Each iteration
//! expands the `k` best open states (children: one guest moved to another
//! host); after the iterations the valid state of highest utility whose moves
//! can be ordered safely is the answer.

use super::placement::{Placement, Plan, Request};
use crate::model::Resources;
use std::collections::HashSet;

/// Parameters of the search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SearchConfig {
    /// How many open states each iteration expands.
    pub k: usize,
    /// How many iterations.
    pub iterations: usize,
    /// Utility lost per migration.
    pub migration_cost: f64,
    /// States needing more migrations than this are not explored.
    pub max_migrations: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            k: 5,
            iterations: 50,
            migration_cost: 0.1,
            max_migrations: 10,
        }
    }
}

/// How much one unit of overflow (100% of a host) weighs against utility when
/// ordering invalid states.
const OVERFLOW_WEIGHT: f64 = 100.0;

struct Node {
    assignment: Vec<usize>,
    migrations: usize,
    valid: bool,
    utility: f64,
    priority: f64,
}

fn utilisation(used: Resources, capacity: Resources) -> f64 {
    let mut u: f64 = 0.0;
    if capacity.cpu > 0.0 {
        u = u.max(used.cpu / capacity.cpu);
    }
    if capacity.mem > 0.0 {
        u = u.max(used.mem / capacity.mem);
    }
    u
}

fn evaluate(placement: &Placement, demands: &[Resources], assignment: Vec<usize>, config: &SearchConfig) -> Node {
    let used = placement.used(&assignment, demands);
    let mut profit = 0.0;
    let mut overflow = 0.0;
    for (h, host) in placement.hosts.iter().enumerate() {
        let empty = !assignment.contains(&h);
        let u = utilisation(used[h], host.capacity);
        profit += if empty { 1.0 } else { u.min(1.0).powi(2) };
        overflow += (u - 1.0).max(0.0);
    }
    let valid = overflow <= 1e-9;
    let migrations = assignment
        .iter()
        .zip(&placement.assignment)
        .filter(|(a, b)| a != b)
        .count();
    let cost = config.migration_cost * migrations as f64;
    let utility = if valid { profit } else { 0.0 } - cost;
    Node {
        assignment,
        migrations,
        valid,
        utility,
        // Invalid states are still expanded, those nearest validity first:
        // overflow outweighs the migrations spent to remove it, or the search
        // would stall among equally invalid siblings.
        priority: if valid {
            utility
        } else {
            -OVERFLOW_WEIGHT * overflow - cost
        },
    }
}

/// Algorithm B's plan: `request` granted (if any) and the placement improved.
pub fn plan(placement: &Placement, request: Option<Request>, config: SearchConfig) -> Plan {
    let demands = placement.demands(request);
    let root = evaluate(placement, &demands, placement.assignment.clone(), &config);
    let mut closed: HashSet<Vec<usize>> = HashSet::new();
    let mut open = vec![root];
    let mut best: Option<Node> = None;
    let consider = |best: &mut Option<Node>, n: &Node| {
        if n.valid
            && best.as_ref().is_none_or(|b| n.utility > b.utility + 1e-12)
            && placement.order_moves(&n.assignment, &demands).is_some()
        {
            *best = Some(Node {
                assignment: n.assignment.clone(),
                ..*n
            });
        }
    };
    consider(&mut best, &open[0]);
    for _ in 0..config.iterations {
        if open.is_empty() {
            break;
        }
        open.sort_by(|a, b| b.priority.total_cmp(&a.priority));
        let expand: Vec<Node> = open.drain(..config.k.min(open.len())).collect();
        for node in expand {
            if !closed.insert(node.assignment.clone()) {
                continue;
            }
            if node.migrations >= config.max_migrations {
                continue;
            }
            for g in 0..placement.guests.len() {
                for h in 0..placement.hosts.len() {
                    if h == node.assignment[g] {
                        continue;
                    }
                    let mut a = node.assignment.clone();
                    a[g] = h;
                    if closed.contains(&a) {
                        continue;
                    }
                    let child = evaluate(placement, &demands, a, &config);
                    consider(&mut best, &child);
                    open.push(child);
                }
            }
        }
    }
    match best {
        None => Plan::NoSolution,
        Some(b) if b.migrations == 0 => Plan::InPlace,
        Some(b) => Plan::Migrate(
            placement
                .order_moves(&b.assignment, &demands)
                .expect("checked when it became the best"),
        ),
    }
}
