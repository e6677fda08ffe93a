//! The LCC policies of `stdlib/vmm/` run through lcc-eval over the simulator:
//! the constraint provider, pending constraints woken as simulated time
//! passes, and the inventory invariant checked every time time passes.

use lcc_eval::{Model, RunEnd};
use lcc_vmm::constraints::{ConstraintConfig, VmmConstraints};
use lcc_vmm::datacentre::{Datacentre, MigrationStatus};
use lcc_vmm::driver::RunConfig;
use lcc_vmm::error::Error;
use lcc_vmm::interpreted::{PolicyRun, run_policy};
use lcc_vmm::inventory::check_invariant;
use lcc_vmm::model::PmId;
use lcc_vmm::sim::workload::ClusterSpec;
use lcc_vmm::sim::{SimConfig, Simulator};
use lcc_vmm::thresholds::Thresholds;

fn model(file: &str) -> Model {
    let path = format!("{}/../stdlib/vmm/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let parsed = lcc_syntax::parse(lcc_syntax::FileId(0), &text);
    assert!(!parsed.has_errors(), "{path}");
    Model::lower(&parsed.model).unwrap()
}

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

fn run(file: &str, seed: u64, config: ConstraintConfig, rounds: u64) -> PolicyRun {
    let dc = ClusterSpec::figure3().build(SimConfig::default(), seed);
    let c = VmmConstraints::new(dc, config);
    let run_config = RunConfig {
        rounds,
        ..RunConfig::default()
    };
    let run = run_policy(&model(file), c, &run_config, seed, safe).unwrap();
    assert!(run.reached_horizon, "{:?}", run.end);
    assert!(matches!(run.end, RunEnd::Stuck(_)), "{:?}", run.end);
    for m in &run.report.migrations {
        assert_ne!(m.status, MigrationStatus::Running, "tracked to its end");
    }
    run
}

#[test]
fn load_balancing_in_lcc_stabilises_with_fewer_pms_outside_the_band() {
    let run = run("load-balancing.lcc", 1, ConstraintConfig::default(), 100);
    let r = &run.report;
    assert!(r.migrations_succeeded > 0, "{}", r.summary());
    assert!(r.messages > 0);
    assert_eq!(r.times.len(), 101, "one sample per round and one at the end");
    assert!(r.time_to_stabilise.is_some(), "{}", r.summary());
    let (low, high) = r.bands[0];
    let outside_at_start = r.loads[0].iter().filter(|&&l| l < low || l > high).count();
    assert!(r.outside_band_at_end < outside_at_start, "{}", r.summary());
    let peak = |loads: &Vec<f64>| loads.iter().copied().fold(0.0, f64::max);
    assert!(peak(r.loads.last().unwrap()) < peak(&r.loads[0]));
}

#[test]
fn consolidation_in_lcc_empties_and_powers_off_pms() {
    let config = ConstraintConfig {
        thresholds: Thresholds::consolidation(),
        ..ConstraintConfig::default()
    };
    let run = run("consolidation.lcc", 2, config, 60);
    let r = &run.report;
    assert!(r.pms_powered_off > 0, "{}", r.summary());
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let a = run("load-balancing.lcc", 3, ConstraintConfig::default(), 20);
    let b = run("load-balancing.lcc", 3, ConstraintConfig::default(), 20);
    assert_eq!(a.report, b.report);
    assert_eq!(a.steps, b.steps);
}

#[test]
fn a_recorded_run_is_the_same_run_and_its_schedule_counts_its_steps() {
    use lcc_vmm::interpreted::run_policy_recording;
    use lcc_vmm::schedule::Entry;
    let build = || {
        let dc = ClusterSpec::figure3().build(SimConfig::default(), 2);
        VmmConstraints::new(dc, ConstraintConfig::default())
    };
    let run_config = RunConfig {
        rounds: 20,
        ..RunConfig::default()
    };
    let model = model("load-balancing.lcc");
    let plain = run_policy(&model, build(), &run_config, 2, safe).unwrap();
    let recorded = run_policy_recording(&model, build(), &run_config, 2, safe).unwrap();
    assert!(plain.schedule.is_none());
    assert_eq!(recorded.report, plain.report, "recording does not change the run");
    let schedule = recorded.schedule.expect("recorded");
    assert_eq!(schedule.pick_seed, 2);
    assert_eq!(schedule.peers.len(), ClusterSpec::figure3().pms);
    let fired = schedule
        .entries
        .iter()
        .filter(|e| matches!(e, Entry::Attempt { fired: true, .. }))
        .count();
    assert_eq!(fired as u64, recorded.steps, "one `+ID` per step");
    assert!(schedule.entries.contains(&Entry::Idle));
    assert!(
        schedule
            .entries
            .iter()
            .all(|e| matches!(e, Entry::Idle)
                || matches!(e, Entry::Attempt { peer, .. } if schedule.peers.contains(peer)))
    );
}
