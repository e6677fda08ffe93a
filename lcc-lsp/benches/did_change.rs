//! Latency from a one-character `didChange` to the `publishDiagnostics` of that
//! version, on a generated 10,000-line model, through the real protocol (the server
//! in process on a duplex pipe): p50 and p99 over 200 edits, plus the process's
//! memory (VmRSS and peak VmHWM from /proc/self/status; client included).
//!
//! Also the CPU time each edit costs (all threads), which does not depend on what
//! else the machine runs, and where the time goes (split, pieces, diagnostics).
//!
//! Targets: p99 ≤ 20 ms, memory ≤ 200 MB. `cargo bench -p lcc-lsp --bench did_change`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use lcc_lsp::db::{Database, SourceFile, diagnostics, line_index};
use lcc_lsp::pieces::{clause_starts, parse_piece, pieces};
use lcc_syntax::FileId;
use salsa::Setter;
use serde_json::json;
use support::{Client, pos};

/// A model of about `lines` lines: rings of negotiating roles with comments,
/// guards, lists, arithmetic and `par`, in the style of the published policies.
fn generated_model(lines: usize) -> String {
    let mut text = String::from(
        "// Generated benchmark model.\nconstraint load(-Load) \"The peer's load.\"\nconstraint fits(+Need, +Capacity) \"Whether Need fits.\"\n\n",
    );
    let mut i = 0;
    while text.lines().count() < lines {
        let (next, prev) = (i + 1, i.max(1) - 1);
        text.push_str(&format!(
            "// Role {i}: ask the next role for capacity, or pass.
a(worker{i}(Need), Id) ::
  null <- load(Load) and Load > 10 then
  ( ( request(Need, [Id, Load | _]) => a(worker{next}, Peer) <- fits(Need, 100) then
      answer(ok, Extra) <= a(worker{next}, Peer) then
      null <- Total is Need * 2 + Extra - 1
    ) or
    ( null <- not fits(Need, 3) and (Load =< 5 or Load >= 50) )
  ) par
  a(helper{i}, Id)

a(helper{i}, Id) ::
  request(N, [From, L | _]) <= a(worker{prev}, Asker) then
  answer(ok, N) => a(worker{prev}, Asker) <- L < 90 and N >= 0 and From \\= Id

"
        ));
        i += 1;
    }
    text
}

/// A model of about `lines` lines in the same style that the front end's checks
/// find nothing wrong with: each worker asks its helper, then starts the next worker.
fn clean_model(lines: usize) -> String {
    let mut text = String::from(
        "// Generated benchmark model.\nconstraint load(-Load) \"The peer's load.\"\nconstraint fits(+Need, +Capacity) \"Whether Need fits.\"\nconstraint record(+Total) \"Records a total.\"\n\n",
    );
    let mut i = 0;
    while text.lines().count() < lines {
        let next = i + 1;
        text.push_str(&format!(
            "// Role {i}: ask the helper for capacity, or pass.
a(worker{i}(Need), Id) ::
  null <- load(Load) and Load > 10 then
  ( ( ( request(Need, [Id, Load | _]) => a(helper{i}, h{i}) <- fits(Need, 100) then
        answer(ok, Extra) <= a(helper{i}, h{i}) then
        null <- Total is Need * 2 + Extra - 1 and record(Total)
      ) or
      ( null <- not fits(Need, 3) and (Load =< 5 or Load >= 50) )
    ) par
    a(worker{next}(Need), Id)
  )

a(helper{i}, Id) ::
  request(N, [From, L | _]) <= a(worker{i}(N), Asker) then
  answer(ok, N) => a(worker{i}(N), Asker) <- L < 90 and N >= 0 and From \\= Id

"
        ));
        i += 1;
    }
    text.push_str(&format!("a(worker{i}(_Need), _Id) ::\n  null\n"));
    text
}

fn memory(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// CPU time used so far by all of the process's threads (from
/// /proc/self/task/*/schedstat, in nanoseconds): what an edit costs, whatever else
/// runs on the machine.
fn cpu_time() -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    let nanos: u64 = tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()))
        .sum();
    Duration::from_nanos(nanos)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() {
    // `cargo test --benches` runs bench targets with `--bench`-less arguments; only measure
    // when run as a benchmark.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // The first model predates the semantic checks, which find about 4,000
    // warnings in it (every edit republishes them all); the second checks clean.
    let warned = generated_model(10_000);
    let at = warned.find("a(worker350, Peer)").expect("middle role") + "a(worker350".len();
    runtime.block_on(measure("model with ~4,000 warnings", &warned, at));
    breakdown(&warned, at);
    let clean = clean_model(10_000);
    let at = clean.find("a(helper350, h350)").expect("middle role") + "a(helper350".len();
    runtime.block_on(measure("clean model", &clean, at));
    breakdown(&clean, at);
}

/// Opens `text`, then times 200 one-character edits at byte `at` (typing into a
/// role name, then deleting it) until the diagnostics of each version arrive.
async fn measure(name: &str, text: &str, at: usize) {
    {
        println!("{name}: {} lines, {} bytes", text.lines().count(), text.len());
        let mut client = Client::start(None).await;
        let uri = "untitled:bench";
        let opened = Instant::now();
        client.open(uri, text).await;
        let first = client.diagnostics(uri, Some(1)).await;
        println!(
            "didOpen -> publishDiagnostics: {:?} ({} diagnostics)",
            opened.elapsed(),
            first.len()
        );

        // Every edit changes the model (a role reference), never its shape.
        let here = pos(text, at);
        let after = json!({ "line": here["line"], "character": here["character"].as_u64().unwrap() + 1 });
        let mut latencies = Vec::with_capacity(200);
        let mut cpu = Vec::with_capacity(200);
        for version in 2..202 {
            let (range, insert) = if version % 2 == 0 {
                (json!({ "start": here, "end": here }), "x")
            } else {
                (json!({ "start": here, "end": after }), "")
            };
            let cpu_before = cpu_time();
            let sent = Instant::now();
            client.change(uri, version, range, insert).await;
            client.diagnostics(uri, Some(version)).await;
            latencies.push(sent.elapsed());
            cpu.push(cpu_time().saturating_sub(cpu_before));
        }
        latencies.sort();
        cpu.sort();
        let p50 = percentile(&latencies, 50.0);
        let p99 = percentile(&latencies, 99.0);
        println!(
            "didChange -> publishDiagnostics over {} edits: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (target p99 <= 20 ms)",
            latencies.len(),
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3,
            latencies.last().unwrap().as_secs_f64() * 1e3
        );
        println!(
            "CPU time per edit, all threads (client included): p50 {:.2} ms, p99 {:.2} ms",
            percentile(&cpu, 50.0).as_secs_f64() * 1e3,
            percentile(&cpu, 99.0).as_secs_f64() * 1e3
        );
        println!(
            "memory: VmRSS {:.1} MB, peak VmHWM {:.1} MB (target <= 200 MB)",
            memory("VmRSS:"),
            memory("VmHWM:")
        );
        client.shutdown().await;
    }
}

/// Where the time of one edit goes, measured on a database directly (medians of
/// 50 edits), next to a whole-file parse.
fn breakdown(text: &str, at: usize) {
    let median = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64() * 1e3
    };
    let timed = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed()
    };
    let whole: Vec<Duration> = (0..10)
        .map(|_| timed(&mut || drop(std::hint::black_box(lcc_syntax::parse(FileId(0), text)))))
        .collect();
    let mut db = Database::default();
    let file = SourceFile::new(&db, FileId(0), text.to_string());
    diagnostics(&db, file);
    let (mut split, mut parse, mut check, mut lines, mut wide) = (vec![], vec![], vec![], vec![], vec![]);
    for i in 0..50 {
        let mut edited = text.to_string();
        if i % 2 == 0 {
            edited.insert(at, 'x');
        }
        split.push(timed(&mut || drop(std::hint::black_box(clause_starts(&edited)))));
        file.set_text(&mut db).to(edited);
        parse.push(timed(&mut || {
            std::hint::black_box(pieces(&db, file));
        }));
        check.push(timed(&mut || {
            std::hint::black_box(diagnostics(&db, file));
        }));
        lines.push(timed(&mut || {
            std::hint::black_box(line_index(&db, file));
        }));
        let models: Vec<_> = pieces(&db, file)
            .iter()
            .flatten()
            .map(|&(_, piece)| &parse_piece(&db, piece).model)
            .collect();
        wide.push(timed(&mut || {
            std::hint::black_box(lcc_syntax::check_pieces_wide(&models));
        }));
    }
    println!(
        "per edit (medians, ms): whole-file parse {:.2} (for comparison); split into clauses {:.2}, pieces incl. split and reparse {:.2}, diagnostics {:.2} (of which model-wide checks {:.2}), line index {:.2}",
        median(whole),
        median(split),
        median(parse),
        median(check),
        median(wide),
        median(lines)
    );
}
