//! Front-end throughput on a generated 100,000-line model: lex + parse, and
//! parse + checks, in bytes per second; and peak heap memory relative to the
//! file size (measured once with a counting allocator, printed before the runs;
//! it counts only during that measurement, so the timed runs pay no counting).
//!
//! Targets (2-core machine): lex + parse ≥ 20 MB/s, parse + checks ≥ 10 MB/s,
//! peak memory ≤ 10 × the file size. `cargo bench -p lcc-syntax --bench frontend`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lcc_syntax::{FileId, Signatures, check_source, parse};

/// Counts live and peak heap bytes while `COUNTING` is set.
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            let size = layout.size() as isize;
            let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // Frees of blocks allocated before counting started take LIVE below zero:
        // the peak is measured relative to the start.
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A model of about `lines` lines that checks clean: negotiating role pairs in the
/// style of the published policies, with comments, guards, lists, arithmetic and `par`.
fn generated_model(lines: usize) -> String {
    let mut text = String::with_capacity(lines * 40);
    text.push_str("// Generated benchmark model.\nconstraint load(-Load) \"The peer's load.\"\nconstraint fits(+Need, +Capacity) \"Whether Need fits.\"\n\n");
    let mut i = 0;
    // The text always ends with a newline, so its line count is its newline count.
    let mut line_count = text.matches('\n').count();
    while line_count < lines {
        let role_pair = format!(
            "// Role {i}: ask the helper for capacity, or pass.
a(worker{i}(Need), Id) ::
  ( null <- load(Load) and Load > 10 then
    ( ( request(Need, [Id, Load | _]) => a(helper{i}, Peer) <- fits(Need, 100) then
        answer(ok, Extra) <= a(helper{i}, Peer) then
        null <- _Total is Need * 2 + Extra - 1
      ) or
      ( null <- not fits(Need, 3) and (Load =< 5 or Load >= 50) )
    )
  ) par
  a(helper{i}, Id)

a(helper{i}, Id) ::
  request(N, [From, L | _]) <= a(worker{i}, Asker) then
  answer(ok, N) => a(worker{i}, Asker) <- L < 90 and N >= 0 and From \\= Id
",
        );
        line_count += role_pair.matches('\n').count();
        text.push_str(&role_pair);
        i += 1;
    }
    text
}

fn measure_peak(label: &str, text: &str, run: impl FnOnce()) {
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    run();
    COUNTING.store(false, Ordering::Relaxed);
    let peak = PEAK.load(Ordering::Relaxed);
    println!(
        "{label}: peak heap {:.1} MB = {:.2} x the file size ({:.1} MB)",
        peak as f64 / 1e6,
        peak as f64 / text.len() as f64,
        text.len() as f64 / 1e6
    );
}

fn frontend(c: &mut Criterion) {
    let text = generated_model(100_000);
    let signatures = Signatures::standard();
    println!("generated model: {} lines, {} bytes", text.lines().count(), text.len());
    measure_peak("lex + parse", &text, || {
        black_box(parse(FileId(0), &text));
    });
    measure_peak("parse + checks", &text, || {
        black_box(check_source(FileId(0), &text, &signatures));
    });
    let check = check_source(FileId(0), &text, &signatures);
    assert!(
        check.diagnostics.is_empty(),
        "the generated model must check clean: {:?}",
        check.diagnostics.first()
    );

    let mut group = c.benchmark_group("frontend_100k_lines");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.sample_size(10);
    group.bench_function("lex_parse", |b| {
        b.iter(|| black_box(parse(FileId(0), black_box(&text))))
    });
    group.bench_function("parse_check", |b| {
        b.iter(|| black_box(check_source(FileId(0), black_box(&text), &signatures)))
    });
    group.finish();
}

criterion_group!(benches, frontend);
criterion_main!(benches);
