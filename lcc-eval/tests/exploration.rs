//! The step function as a model checker sees it: breadth-first exploration of
//! every state reachable through `enabled`, with canonical states deduplicated by
//! hashing. Terminal states are checked: every peer finished, or the state is a
//! deadlock.

mod common;

use std::collections::{HashSet, VecDeque};

use lcc_eval::{Context, Model, PeerSpec, Providers, State, default_peers, enabled, parse_peers};

/// Explores every reachable state; returns (states, terminal states where some
/// peer has not finished).
fn explore(model: &Model, providers: &Providers, peers: &[PeerSpec], limit: usize) -> (usize, Vec<State>) {
    let ctx = Context::new(providers);
    let (start, _) = State::start(model, peers).unwrap();
    let mut seen = HashSet::from([start.clone()]);
    let mut queue = VecDeque::from([start]);
    let mut stuck = Vec::new();
    while let Some(state) = queue.pop_front() {
        let successors = enabled(model, &state, &ctx).unwrap();
        if successors.is_empty() && !state.all_finished() {
            stuck.push(state.clone());
        }
        for fired in successors {
            if seen.insert(fired.state.clone()) {
                assert!(seen.len() <= limit, "more than {limit} states");
                queue.push_back(fired.state);
            }
        }
    }
    (seen.len(), stuck)
}

fn stdlib(model: &str, facts: &str) -> (Model, Providers) {
    let root = common::root();
    let mut sources = lcc_eval::Sources::new();
    let m = common::model(&mut sources, model, &std::fs::read_to_string(root.join(model)).unwrap());
    let p = common::providers(&mut sources, facts, &std::fs::read_to_string(root.join(facts)).unwrap()).unwrap();
    (m, p)
}

#[test]
fn every_interleaving_of_the_philosophers_finishes() {
    let (m, p) = stdlib("stdlib/examples/philosophers.lcc", "stdlib/facts/philosophers.pl");
    let (states, stuck) = explore(&m, &p, &default_peers(&m), 200_000);
    println!("philosophers: {states} states");
    assert!(states > 100);
    assert!(stuck.is_empty(), "{} deadlocked states", stuck.len());
}

#[test]
fn every_interleaving_of_the_contract_net_finishes() {
    let (m, p) = stdlib("stdlib/examples/contract-net.lcc", "stdlib/facts/contract-net.pl");
    let (states, stuck) = explore(&m, &p, &default_peers(&m), 200_000);
    println!("contract net: {states} states");
    assert!(stuck.is_empty(), "{} deadlocked states", stuck.len());
}

#[test]
fn the_published_load_balancing_policy_can_deadlock() {
    let (m, p) = stdlib(
        "stdlib/seeds/load-balancing-published.lcc",
        "stdlib/facts/load-balancing.pl",
    );
    let (states, stuck) = explore(&m, &p, &parse_peers("idle=pm1,pm2").unwrap(), 200_000);
    println!("load balancing (published): {states} states, {} deadlocks", stuck.len());
    assert!(!stuck.is_empty());
}
