//! The corrected load-balancing policy (stdlib/vmm/load-balancing.lcc, VMM
//! constraint models) for 2 to 8 peers, with every reduction and with none:
//! states per second, bytes per state, and whether the search was exhaustive
//! within the time limit. Criterion times the first 20,000 states of the
//! 3-peer search; the scaling table is printed first (one search per line).
//!
//! `LCC_BENCH_MAX_PEERS` (default 8) and `LCC_BENCH_SECONDS` (default 60) bound
//! the table; `LCC_BENCH_MEMORY_MIB` (default 8192) bounds each search's memory.
//! `LCC_BENCH_MODELS` (default `stdlib/vmm/vmm.model`) picks the constraint
//! models, e.g. `lcc-verify/seeds/vmm-one-load.model` (one abstract load value);
//! `LCC_BENCH_VARIANTS` the reduction sets (see [`variants`]).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use lcc_eval::{Model, Sources, parse_peers};
use lcc_syntax::Signatures;
use lcc_verify::{Abstraction, Limits, Reductions, Report, Verifier, models_file};

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load() -> (Model, Abstraction) {
    let text = std::fs::read_to_string(root().join("stdlib/vmm/load-balancing.lcc")).unwrap();
    let models_path = std::env::var("LCC_BENCH_MODELS").unwrap_or_else(|_| "stdlib/vmm/vmm.model".into());
    let models = std::fs::read_to_string(root().join(&models_path)).unwrap();
    println!("constraint models: {models_path}");
    let mut sources = Sources::new();
    let file = sources.add("load-balancing.lcc", text.clone());
    let parsed = lcc_syntax::parse(file, &text);
    let model = Model::lower(&parsed.model).unwrap();
    let signatures = Signatures::standard();
    let mut abstraction = Abstraction::new(signatures.clone());
    for m in models_file::parse("vmm.model", &models, &signatures).unwrap() {
        abstraction.add_model(m);
    }
    (model, abstraction)
}

fn peers(n: usize) -> Vec<lcc_eval::PeerSpec> {
    let ids: Vec<String> = (1..=n).map(|i| format!("pm{i}")).collect();
    parse_peers(&format!("pm={}", ids.join(","))).unwrap()
}

fn search(model: &Model, abstraction: &Abstraction, n: usize, reductions: Reductions, limits: Limits) -> Report {
    let mut v = Verifier::new(model, peers(n), abstraction.clone());
    v.reductions = reductions;
    v.limits = limits;
    v.run().unwrap()
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn none() -> Reductions {
    Reductions {
        symmetry: false,
        compact: false,
        threads: 1,
        por: false,
    }
}

/// The reduction sets of the table: `LCC_BENCH_VARIANTS` (comma-separated
/// among `all`, `none`, `no-por`, `no-symmetry`, `one-thread`; default `all,none`).
fn variants() -> Vec<(&'static str, Reductions)> {
    let names = std::env::var("LCC_BENCH_VARIANTS").unwrap_or_else(|_| "all,none".into());
    let all = Reductions::default();
    names
        .split(',')
        .map(|name| match name.trim() {
            "all" => ("all", all),
            "none" => ("none", none()),
            "no-por" => ("no-por", Reductions { por: false, ..all }),
            "no-symmetry" => ("no-symmetry", Reductions { symmetry: false, ..all }),
            "one-thread" => ("one-thread", Reductions { threads: 1, ..all }),
            other => panic!("unknown LCC_BENCH_VARIANTS entry `{other}`"),
        })
        .collect()
}

fn table() {
    let (model, abstraction) = load();
    let limits = Limits {
        states: None,
        time: Some(Duration::from_secs(env("LCC_BENCH_SECONDS", 60))),
        memory: Some(env("LCC_BENCH_MEMORY_MIB", 8192) << 20),
    };
    println!(
        "{:<5} {:<11} {:>10} {:>12} {:>10} {:>8} {:>7}  result",
        "peers", "reductions", "states", "states/s", "bytes/st", "seconds", "errors"
    );
    for n in 2..=env("LCC_BENCH_MAX_PEERS", 8) as usize {
        for (name, reductions) in variants() {
            let r = search(&model, &abstraction, n, reductions, limits);
            let result = match &r.stats.stopped {
                None => "exhaustive".to_string(),
                Some(stop) => format!("partial ({stop:?})"),
            };
            println!(
                "{:<5} {:<11} {:>10} {:>12.0} {:>10.0} {:>8.1} {:>7}  {result}",
                n,
                name,
                r.stats.states,
                r.stats.states_per_second,
                r.stats.bytes_per_state,
                r.stats.seconds,
                r.findings.iter().filter(|f| f.kind.is_error()).count()
            );
        }
    }
}

fn bench(c: &mut Criterion) {
    table();
    let (model, abstraction) = load();
    let mut group = c.benchmark_group("load_balancing_3_peers_20000_states");
    group.sample_size(10);
    for (name, reductions) in [("all", Reductions::default()), ("none", none())] {
        group.bench_function(name, |b| {
            let limits = Limits {
                states: Some(20_000),
                ..Limits::default()
            };
            b.iter(|| search(&model, &abstraction, 3, reductions, limits))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
