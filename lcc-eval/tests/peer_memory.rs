//! Memory per idle peer, measured with a counting allocator: a peer waiting for a
//! message costs well under 1 KiB plus its bindings.

mod common;
mod counting_alloc;

use lcc_eval::{Atom, PeerSpec, Sources, State, Term};

#[global_allocator]
static ALLOC: counting_alloc::Counting = counting_alloc::Counting;

#[test]
fn an_idle_peer_costs_less_than_a_kibibyte() {
    let mut sources = Sources::new();
    let model = common::model(
        &mut sources,
        "idle.lcc",
        "a(idle, I) :: wake <= a(boss, B) then a(idle, I)",
    );
    const PEERS: usize = 10_000;
    let peers: Vec<PeerSpec> = (0..PEERS)
        .map(|i| PeerSpec {
            id: Atom::new(&format!("peer{i}")),
            role: Term::atom("idle"),
        })
        .collect();
    let before = counting_alloc::live();
    let (state, _) = State::start(&model, &peers).unwrap();
    let per_peer = (counting_alloc::live() - before) as f64 / PEERS as f64;
    println!(
        "memory per idle peer: {per_peer:.0} bytes (variables bound: {})",
        state.peer(0).var_count()
    );
    assert!(per_peer <= 1024.0, "{per_peer} bytes per idle peer");
    drop(state);
}
