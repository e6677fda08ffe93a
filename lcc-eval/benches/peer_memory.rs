//! Memory per idle peer, measured with a counting global allocator (kept apart
//! from the speed benchmarks in `eval.rs`, whose allocations it would slow down).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};

use lcc_eval::{Atom, Model, PeerSpec, State, Term};

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

fn main() {
    let text = "a(idle, I) :: wake <= a(boss, B) then a(idle, I)";
    let parsed = lcc_syntax::parse(lcc_syntax::FileId(0), text);
    assert!(!parsed.has_errors());
    let m = Model::lower(&parsed.model).unwrap();
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
