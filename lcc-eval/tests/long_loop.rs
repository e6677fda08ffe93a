//! A role that loops by tail calls runs 1,000,000 iterations in constant stack and
//! bounded memory; so does a ping-pong pair exchanging messages in a loop.

mod common;
mod counting_alloc;

use lcc_eval::{Providers, RunEnd, Runtime, Sources, parse_peers};

#[global_allocator]
static ALLOC: counting_alloc::Counting = counting_alloc::Counting;

/// The tests of this binary measure one at a time.
static MEASURING: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn peak_during(text: &str, peers: &str, expect_steps: u64) -> isize {
    let mut sources = Sources::new();
    let model = common::model(&mut sources, "loop.lcc", text);
    let runtime = Runtime::new(&model, Providers::with_builtins()).record(false);
    let peers = parse_peers(peers).unwrap();
    let before = counting_alloc::live();
    counting_alloc::reset_peak();
    let run = runtime.run(&peers).unwrap();
    assert_eq!(run.end, RunEnd::Finished);
    assert_eq!(run.steps, expect_steps);
    counting_alloc::peak() - before
}

#[test]
fn a_million_iterations_in_bounded_memory() {
    let _one_at_a_time = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let counter = |n: u64| format!("a(count({n}), I) :: null\na(count(N), I) :: a(count(M), I) <- M is N + 1");
    // One step per iteration (plus the last `null`): the tail call replaces the role instance.
    let small = peak_during(&counter(1_000), "count(0)=p", 1_001);
    let large = peak_during(&counter(1_000_000), "count(0)=p", 1_000_001);
    println!("peak extra bytes: 1,000 iterations {small}, 1,000,000 iterations {large}");
    assert!(large <= small + 4096, "memory grew with iterations: {small} -> {large}");
    assert!(large < 64 * 1024, "{large} bytes");
}

#[test]
fn a_ping_pong_loop_in_bounded_memory() {
    let _one_at_a_time = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let pingpong = |n: u64| {
        format!(
            "a(pinger({n}), I) :: stop => a(ponger, J)\n\
             a(pinger(N), I) :: ping(N) => a(ponger, J) then pong(N) <= a(ponger, J) then a(pinger(M), I) <- M is N + 1\n\
             a(ponger, J) :: (stop <= a(pinger, I)) or (ping(N) <= a(pinger, I) then pong(N) => a(pinger, I) then a(ponger, J))"
        )
    };
    let small = peak_during(&pingpong(100), "pinger(0)=a;ponger=b", 100 * 6 + 2);
    let large = peak_during(&pingpong(100_000), "pinger(0)=a;ponger=b", 100_000 * 6 + 2);
    println!("peak extra bytes: 100 rounds {small}, 100,000 rounds {large}");
    assert!(large <= small + 4096, "memory grew with rounds: {small} -> {large}");
}
