//! The simulation driver with the Rust stand-in policies: the Figure 3 setting
//! over 10 seeds, consolidation, injected failures, and a property test; the
//! inventory invariant is checked after every step.

use lcc_vmm::constraints::{ConstraintConfig, VmmConstraints};
use lcc_vmm::datacentre::{Datacentre, MigrationStatus};
use lcc_vmm::driver::{self, RunConfig};
use lcc_vmm::error::Error;
use lcc_vmm::inventory::check_invariant;
use lcc_vmm::model::PmId;
use lcc_vmm::plot;
use lcc_vmm::report::Report;
use lcc_vmm::sim::workload::ClusterSpec;
use lcc_vmm::sim::{SimConfig, Simulator};
use lcc_vmm::standin::{PolicyKind, StandIn};
use lcc_vmm::strategy::VmChoice;
use lcc_vmm::thresholds::Thresholds;
use proptest::prelude::*;

/// Checks the invariant and that no PM's memory is over-committed.
fn safe(c: &mut VmmConstraints<Simulator>) -> Result<(), Error> {
    let violations = check_invariant(c.datacentre_mut())?;
    assert!(violations.is_empty(), "{violations:?}");
    let dc = c.datacentre();
    for p in 0..dc.pm_count() {
        let used = dc.used(PmId(p))?.mem;
        let cap = dc.pm(PmId(p))?.capacity.mem;
        assert!(used <= cap + 1e-6, "pm{p} uses {used} of {cap} MiB");
    }
    Ok(())
}

fn run(spec: &ClusterSpec, sim: SimConfig, seed: u64, kind: PolicyKind, config: ConstraintConfig) -> Report {
    let dc = spec.build(sim, seed);
    let mut c = VmmConstraints::new(dc, config);
    let mut policy = StandIn::new(kind, spec.pms, seed);
    let report = driver::run(&mut c, &mut policy, &RunConfig::default(), safe).unwrap();
    for m in &report.migrations {
        assert_ne!(m.status, MigrationStatus::Running, "tracked to its end");
    }
    assert_eq!(c.open_negotiations().unwrap(), 0);
    report
}

fn balance(seed: u64) -> Report {
    run(
        &ClusterSpec::figure3(),
        SimConfig::default(),
        seed,
        PolicyKind::LoadBalancing,
        ConstraintConfig::default(),
    )
}

#[test]
fn figure_3_load_balancing_stabilises_with_few_pms_outside_the_band() {
    let mut outside = Vec::new();
    for seed in 1..=10 {
        let r = balance(seed);
        assert!(r.migrations_succeeded > 0, "seed {seed}");
        assert!(r.time_to_stabilise.is_some(), "seed {seed} did not stabilise");
        let spread =
            |l: &Vec<f64>| l.iter().copied().fold(f64::MIN, f64::max) - l.iter().copied().fold(f64::MAX, f64::min);
        assert!(spread(r.loads.last().unwrap()) < spread(&r.loads[0]) / 2.0);
        outside.push(r.outside_band_at_end);
    }
    // The paper: all PMs but one inside the band. The Rust stand-in: at most
    // one outside in 9 of 10 seeds, 7 outside in total (docs/evaluation.md).
    let at_most_one = outside.iter().filter(|&&o| o <= 1).count();
    assert!(at_most_one >= 8, "{outside:?}");
    assert!(outside.iter().sum::<usize>() <= 10, "{outside:?}");
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let (a, b) = (balance(3), balance(3));
    assert_eq!(a, b);
    insta::assert_snapshot!(a.summary());
}

#[test]
fn consolidation_empties_and_powers_off_pms() {
    let r = run(
        &ClusterSpec::figure3(),
        SimConfig::default(),
        1,
        PolicyKind::Consolidation,
        ConstraintConfig {
            thresholds: Thresholds::consolidation(),
            strategy: VmChoice::Largest,
            ..ConstraintConfig::default()
        },
    );
    assert!(r.pms_powered_off >= 3, "{}", r.summary());
    assert!(r.pms_emptied >= 2, "{}", r.summary());
    // Consolidation never fills a PM above 100%: a PM above 100% now was so
    // from the start (random placement), constant loads.
    for loads in &r.loads {
        for (p, &l) in loads.iter().enumerate() {
            assert!(l <= 100.0 + 1e-9 || r.loads[0][p] > 100.0, "pm{p} at {l}%");
        }
    }
}

#[test]
fn failed_migrations_leave_vms_on_their_sources_and_the_run_goes_on() {
    let r = run(
        &ClusterSpec::figure3(),
        SimConfig {
            failure_probability: 0.4,
            seed: 11,
            ..SimConfig::default()
        },
        2,
        PolicyKind::LoadBalancing,
        ConstraintConfig::default(),
    );
    assert!(r.migrations_failed > 0 && r.migrations_succeeded > 0, "{}", r.summary());
}

#[test]
fn the_load_plot_has_one_line_per_pm_and_the_band() {
    let r = balance(1);
    let svg = plot::load_svg(&r, "Figure 3").unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.matches("<polyline").count() >= 15 + 2, "15 PMs and the band");
    assert!(svg.contains("Figure 3"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_cluster_any_policy_keeps_every_vm_exactly_once(
        (pms, vms) in (2usize..8).prop_flat_map(|pms| (Just(pms), 1..=pms * 8)),
        seed in 0u64..1000,
        failure in 0.0f64..0.5,
        consolidate in any::<bool>(),
        amplitude in 0.0f64..0.6,
    ) {
        let spec = ClusterSpec {
            pms,
            vms,
            amplitude,
            period: 600_000,
            ..ClusterSpec::figure3()
        };
        let (kind, config) = if consolidate {
            (PolicyKind::Consolidation, ConstraintConfig {
                thresholds: Thresholds::consolidation(),
                ..ConstraintConfig::default()
            })
        } else {
            (PolicyKind::LoadBalancing, ConstraintConfig::default())
        };
        let sim = SimConfig { failure_probability: failure, seed, ..SimConfig::default() };
        let dc = spec.build(sim, seed);
        let mut c = VmmConstraints::new(dc, config);
        let mut policy = StandIn::new(kind, pms, seed);
        let rc = RunConfig { rounds: 40, ..RunConfig::default() };
        let report = driver::run(&mut c, &mut policy, &rc, safe).unwrap();
        prop_assert!(report.migrations.iter().all(|m| m.status != MigrationStatus::Running));
        prop_assert_eq!(c.open_negotiations().unwrap(), 0);
    }
}
