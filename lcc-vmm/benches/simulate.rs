//! 1,000 PMs and 10,000 VMs for 100 monitoring rounds of the simulator
//! (target: at most 10 s): the LCC load-balancing policy interpreted by
//! lcc-eval (one peer per PM), and, as a cross-check, its Rust stand-in.

use criterion::{Criterion, criterion_group, criterion_main};
use lcc_eval::Model;
use lcc_vmm::constraints::{ConstraintConfig, VmmConstraints};
use lcc_vmm::driver::{self, RunConfig};
use lcc_vmm::interpreted::run_policy;
use lcc_vmm::sim::SimConfig;
use lcc_vmm::sim::workload::ClusterSpec;
use lcc_vmm::standin::{PolicyKind, StandIn};
use std::hint::black_box;

fn thousand_pms(c: &mut Criterion) {
    let spec = ClusterSpec::scaled(1_000, 10_000);
    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    group.bench_function("load_balancing_1000pms_10000vms_100rounds", |b| {
        b.iter(|| {
            let dc = spec.build(SimConfig::default(), 1);
            let mut constraints = VmmConstraints::new(dc, ConstraintConfig::default());
            let mut policy = StandIn::new(PolicyKind::LoadBalancing, spec.pms, 1);
            let config = RunConfig {
                rounds: 100,
                ..RunConfig::default()
            };
            let report = driver::run(&mut constraints, &mut policy, &config, |_| Ok(())).unwrap();
            black_box(report.migrations_succeeded)
        })
    });
    let path = format!("{}/../stdlib/vmm/load-balancing.lcc", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the policy");
    let parsed = lcc_syntax::parse(lcc_syntax::FileId(0), &text);
    let model = Model::lower(&parsed.model).expect("the policy lowers");
    group.bench_function("lcc_load_balancing_1000pms_10000vms_100rounds", |b| {
        b.iter(|| {
            let dc = spec.build(SimConfig::default(), 1);
            let constraints = VmmConstraints::new(dc, ConstraintConfig::default());
            let config = RunConfig {
                rounds: 100,
                ..RunConfig::default()
            };
            let run = run_policy(&model, constraints, &config, 1, |_| Ok(())).unwrap();
            assert!(run.reached_horizon);
            black_box(run.report.migrations_succeeded)
        })
    });
    group.finish();
}

criterion_group!(benches, thousand_pms);
criterion_main!(benches);
