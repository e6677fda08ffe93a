//! The step function as a model checker sees it: breadth-first exploration of
//! every state reachable through `enabled`, with canonical states deduplicated by
//! hashing. Terminal states are checked: every peer finished, or the state is a
//! deadlock.

mod common;

use std::collections::{HashSet, VecDeque};

use lcc_eval::{
    Context, Event, Model, Needs, Outcome, PeerSpec, Providers, State, default_peers, enabled, parse_peers, step_with,
};

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

/// Walks `steps` steps along pseudo-random enabled choices twice at once: with
/// every need (canonical states, events) and with [`Needs::STATE`] (neither). The
/// lean state must renumber to the full one after every step, and the recipient
/// must be the one the events name.
fn lean_steps_match_full_steps(model: &Model, providers: &Providers, peers: &[PeerSpec], seed: u64, steps: usize) {
    let ctx = Context::new(providers);
    let (mut full, _) = State::start(model, peers).unwrap();
    let mut lean = full.clone();
    let mut rng = seed;
    for _ in 0..steps {
        let successors = enabled(model, &full, &ctx).unwrap();
        if successors.is_empty() {
            break;
        }
        rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let fired = &successors[(rng >> 33) as usize % successors.len()];
        let Outcome::Fired(fast) = step_with(model, lean, &fired.choice, &ctx, Needs::STATE).unwrap() else {
            panic!("the choice {:?} fires with every need but not without", fired.choice);
        };
        assert!(fast.events.is_empty());
        let sent_to = fired.events.iter().find_map(|e| match e {
            Event::Sent { to, .. } => full.index_of(to.id),
            _ => None,
        });
        assert_eq!(fast.recipient, sent_to);
        assert_eq!(fast.recipient, fired.recipient);
        full = fired.state.clone();
        lean = fast.state;
        assert!(
            lean.clone().canonical() == full,
            "the states differ after {:?}",
            fired.choice
        );
    }
}

#[test]
fn stepping_without_events_or_renumbering_takes_the_same_steps() {
    for (model, facts, peers) in [
        ("stdlib/examples/philosophers.lcc", "stdlib/facts/philosophers.pl", None),
        ("stdlib/examples/contract-net.lcc", "stdlib/facts/contract-net.pl", None),
        ("stdlib/examples/auction.lcc", "stdlib/facts/auction.pl", None),
        (
            "stdlib/seeds/load-balancing-published.lcc",
            "stdlib/facts/load-balancing.pl",
            Some("idle=pm1,pm2"),
        ),
    ] {
        let (m, p) = stdlib(model, facts);
        let peers = match peers {
            Some(spec) => parse_peers(spec).unwrap(),
            None => default_peers(&m),
        };
        for seed in 0..20 {
            lean_steps_match_full_steps(&m, &p, &peers, seed, 300);
        }
    }
}
