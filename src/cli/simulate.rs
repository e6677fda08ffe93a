//! `lcc simulate`: run an LCC VM-management policy through the interpreter
//! over the datacentre simulator, and report (with a per-PM load plot).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use lcc_eval::RunEnd;
use lcc_vmm::constraints::{ConstraintConfig, VmmConstraints};
use lcc_vmm::driver::RunConfig;
use lcc_vmm::interpreted::{run_policy, run_policy_recording};
use lcc_vmm::placement::Placement;
use lcc_vmm::plot;
use lcc_vmm::sim::SimConfig;
use lcc_vmm::sim::workload::ClusterSpec;
use lcc_vmm::strategy::VmChoice;
use lcc_vmm::thresholds::Thresholds;

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

pub const EXAMPLES: &str = "\
Examples:
  lcc simulate stdlib/vmm/load-balancing.lcc --pms 15 --vms 50 --seed 3 --plot load.svg
  lcc simulate stdlib/vmm/consolidation.lcc --goal consolidate --seed 2 --json

One peer per PM, named after it (pm0, pm1, ...), plays `pm`; the constraints of
stdlib/vmm/constraints.lcc act on a seeded synthetic cluster (VM CPU demands
drawn so that the average load is about 67%, placed at random). Simulated time
advances when every peer waits for a pending constraint (a monitoring tick, a
migration). Thresholds: `balance` is overloaded above 120% and underloaded below
80% of the cluster average; `consolidate` is the consolidation band, moving the
largest VM.

Exit status: 0 when the run reached the last round, 1 when the peers were stuck
before it (after printing who waits for what), 2 on bad input or an error.";

/// Arguments of `lcc simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The LCC policy to run (e.g. stdlib/vmm/load-balancing.lcc).
    #[arg(value_name = "POLICY")]
    policy: PathBuf,
    /// Physical machines.
    #[arg(long, default_value_t = 15)]
    pms: usize,
    /// Virtual machines.
    #[arg(long, default_value_t = 50)]
    vms: usize,
    /// Seed of the workload, the placement, the scheduling and the random picks.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Monitoring rounds (10 s of simulated time each).
    #[arg(long, default_value_t = 100)]
    rounds: u64,
    /// What the thresholds and the VM choice aim at.
    #[arg(long, value_enum, default_value_t = Goal::Balance)]
    goal: Goal,
    /// Write the per-PM load over time as SVG.
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    /// Which VM a migration moves (default: best-balance for `balance`,
    /// largest for `consolidate`).
    #[arg(long, value_enum)]
    strategy: Option<Strategy>,
    /// Print the report as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Write where every VM runs at the end, each PM's power and load, as JSON.
    #[arg(long, value_name = "FILE")]
    placement: Option<PathBuf>,
    /// Write the run's schedule (every attempt to step a peer, and when time
    /// passed) as JSON, for `lcc datacentre --schedule` to replay with one
    /// `lcc peer` process per PM (docs/distributed.md).
    #[arg(long, value_name = "FILE")]
    schedule: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Strategy {
    /// The VM that leaves the busier of source and destination least loaded.
    BestBalance,
    /// The VM with the smallest CPU demand.
    Smallest,
    /// The VM with the largest CPU demand.
    Largest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Goal {
    /// The load-balancing band (80%–120% of the average), the best-balancing VM.
    Balance,
    /// The consolidation thresholds, the largest VM.
    Consolidate,
}

/// The constraints' settings for `goal`.
pub fn constraint_config(goal: Goal) -> ConstraintConfig {
    match goal {
        Goal::Balance => ConstraintConfig::default(),
        Goal::Consolidate => ConstraintConfig {
            thresholds: Thresholds::consolidation(),
            strategy: VmChoice::Largest,
            ..ConstraintConfig::default()
        },
    }
}

fn usage_error(message: &str) -> u8 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

pub fn run(args: SimulateArgs) -> u8 {
    let loaded = match super::model_file::load(&args.policy, false, "before simulating") {
        Ok(loaded) => loaded,
        Err(message) => return usage_error(&message),
    };
    let super::model_file::LoadedModel {
        sources, name, model, ..
    } = loaded;
    let spec = ClusterSpec::scaled(args.pms, args.vms);
    let dc = spec.build(SimConfig::default(), args.seed);
    let mut config = constraint_config(args.goal);
    if let Some(strategy) = args.strategy {
        config.strategy = match strategy {
            Strategy::BestBalance => VmChoice::BestBalance,
            Strategy::Smallest => VmChoice::Smallest,
            Strategy::Largest => VmChoice::Largest,
        };
    }
    let run_config = RunConfig {
        rounds: args.rounds,
        progress: true,
        ..RunConfig::default()
    };
    let mut placement = None;
    let want_placement = args.placement.is_some();
    let after_step = |c: &mut VmmConstraints<_>| {
        if want_placement {
            placement = Some(Placement::of(c.datacentre(), &c.config().thresholds)?);
        }
        Ok(())
    };
    let constraints = VmmConstraints::new(dc, config);
    let run = if args.schedule.is_some() {
        run_policy_recording(&model, constraints, &run_config, args.seed, after_step)
    } else {
        run_policy(&model, constraints, &run_config, args.seed, after_step)
    };
    let run = match run {
        Ok(run) => run,
        Err(e) => return usage_error(&e.to_string()),
    };
    if let (Some(path), Some(placement)) = (&args.placement, &placement) {
        let json = serde_json::to_string_pretty(placement).map_err(|e| e.to_string());
        if let Err(e) = json.and_then(|json| std::fs::write(path, json + "\n").map_err(|e| e.to_string())) {
            return usage_error(&format!("cannot write `{}`: {e}", path.display()));
        }
    }
    if let (Some(path), Some(schedule)) = (&args.schedule, &run.schedule) {
        let json = serde_json::to_string(schedule).map_err(|e| e.to_string());
        if let Err(e) = json.and_then(|json| std::fs::write(path, json + "\n").map_err(|e| e.to_string())) {
            return usage_error(&format!("cannot write `{}`: {e}", path.display()));
        }
    }
    if let Some(path) = &args.plot {
        let title = format!("{name}: {} PMs, {} VMs, seed {}", args.pms, args.vms, args.seed);
        let written = plot::load_svg(&run.report, &title)
            .map_err(|e| e.to_string())
            .and_then(|svg| std::fs::write(path, svg).map_err(|e| e.to_string()));
        if let Err(e) = written {
            return usage_error(&format!("cannot write `{}`: {e}", path.display()));
        }
    }
    let out = if args.json {
        match serde_json::to_string_pretty(&run.report) {
            Ok(json) => json + "\n",
            Err(e) => return usage_error(&e.to_string()),
        }
    } else {
        run.report.summary()
    };
    if std::io::stdout().lock().write_all(out.as_bytes()).is_err() {
        return EXIT_USAGE;
    }
    match run.end {
        RunEnd::Stuck(report) if !run.reached_horizon => {
            eprint!("{}", report.render(&sources));
            eprintln!("the peers were stuck before the last round ({} steps)", run.steps);
            EXIT_FINDINGS
        }
        RunEnd::Limit(e) => usage_error(&e.message),
        _ => EXIT_OK,
    }
}
