//! Benchmarks: ping-pong messages per second on one thread (a send plus its
//! receive is one message), unification of two 10-node terms, and memory per idle
//! peer (printed once, measured with a counting global allocator).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lcc_eval::{Atom, Model, PeerSpec, Providers, RunEnd, Runtime, State, Subst, Term};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

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

fn idle_peer_memory(_: &mut Criterion) {
    let m = model("a(idle, I) :: wake <= a(boss, B) then a(idle, I)");
    const PEERS: usize = 100_000;
    let peers: Vec<PeerSpec> = (0..PEERS)
        .map(|i| PeerSpec {
            id: Atom::new(&format!("peer{i}")),
            role: Term::atom("idle"),
        })
        .collect();
    let before = LIVE.load(Ordering::Relaxed);
    let (state, _): (State, _) = State::start(&m, &peers).unwrap();
    let bytes = (LIVE.load(Ordering::Relaxed) - before) as f64 / PEERS as f64;
    println!("idle_peer_memory: {bytes:.0} bytes per idle peer ({PEERS} peers, 1 variable each)");
    drop(black_box(state));
}

criterion_group!(benches, ping_pong, unify_ten_nodes, idle_peer_memory);
criterion_main!(benches);
