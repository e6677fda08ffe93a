//! Speed benchmarks: ping-pong messages per second on one thread (a send plus its
//! receive is one message) and unification of two 10-node terms. Memory per idle
//! peer is the `peer_memory` benchmark.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lcc_eval::{Atom, Model, PeerSpec, Providers, RunEnd, Runtime, Subst, Term};

fn model(text: &str) -> Model {
    let parsed = lcc_syntax::parse(lcc_syntax::FileId(0), text);
    assert!(!parsed.has_errors());
    Model::lower(&parsed.model).unwrap()
}

const PING_PONG: &str = "
a(pinger, P) :: ping => a(ponger, Q) then pong <= a(ponger, Q) then a(pinger, P)
a(ponger, Q) :: ping <= a(pinger, P) then pong => a(pinger, P) then a(ponger, Q)";

fn ping_pong(c: &mut Criterion) {
    let m = model(PING_PONG);
    let peers = [
        PeerSpec {
            id: Atom::new("a"),
            role: Term::atom("pinger"),
        },
        PeerSpec {
            id: Atom::new("b"),
            role: Term::atom("ponger"),
        },
    ];
    // Each round: 2 messages in 6 steps (send, receive and the looping call, twice).
    const ROUNDS: u64 = 10_000;
    let runtime = Runtime::new(&m, Providers::with_builtins())
        .record(false)
        .max_steps(ROUNDS * 6);
    let mut group = c.benchmark_group("ping_pong");
    group.throughput(Throughput::Elements(ROUNDS * 2));
    group.bench_function("messages", |b| {
        b.iter(|| {
            let run = runtime.run(black_box(&peers)).unwrap();
            assert!(matches!(run.end, RunEnd::Limit(_)));
            run.steps
        })
    });
    group.finish();
}

fn unify_ten_nodes(c: &mut Criterion) {
    let (x, y, z, w) = (Term::var(0), Term::var(1), Term::var(2), Term::var(3));
    let a = |s: &str| Term::atom(s);
    // f(g(X, a), h(b, Y), k(1, 2)) and f(g(c, a), h(Z, d), k(1, W)): 10 nodes each.
    let t1 = Term::app(
        "f",
        vec![
            Term::app("g", vec![x, a("a")]),
            Term::app("h", vec![a("b"), y]),
            Term::app("k", vec![Term::Int(1), Term::Int(2)]),
        ],
    );
    let t2 = Term::app(
        "f",
        vec![
            Term::app("g", vec![a("c"), a("a")]),
            Term::app("h", vec![z, a("d")]),
            Term::app("k", vec![Term::Int(1), w]),
        ],
    );
    assert_eq!((t1.size(), t2.size()), (10, 10));
    let mut group = c.benchmark_group("unify");
    group.throughput(Throughput::Elements(1));
    group.bench_function("ten_node_terms", |b| {
        b.iter(|| {
            let mut s = Subst::new();
            assert!(s.unify(black_box(&t1), black_box(&t2)));
            s
        })
    });
    group.finish();
}

criterion_group!(benches, ping_pong, unify_ten_nodes);
criterion_main!(benches);
