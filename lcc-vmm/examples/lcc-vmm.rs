//! `lcc-vmm`: runs the simulator with a Rust stand-in of a corrected VMM
//! policy and prints the report (or JSON), optionally with the load plot.
//!
//! The policy here is Rust code mirroring the LCC clauses, kept as a
//! cross-check of `lcc simulate`, which runs the LCC policies themselves; its
//! `--compare-b` runs Algorithm B on the same initial placements.
//!
//! ```text
//! cargo run -p lcc-vmm --example lcc-vmm -- --policy load-balancing --pms 15 --vms 50 --seed 1 --plot load.svg
//! cargo run -p lcc-vmm --example lcc-vmm -- --seeds 10            # Figure 3 over seeds 1..=10
//! cargo run -p lcc-vmm --example lcc-vmm -- --policy consolidation --seeds 10 --compare-b
//! ```

use clap::{Parser, ValueEnum};
use lcc_vmm::baselines::algorithm_b::{self, SearchConfig};
use lcc_vmm::baselines::placement::{Placement, Plan};
use lcc_vmm::constraints::{ConstraintConfig, VmmConstraints};
use lcc_vmm::driver::{self, RunConfig};
use lcc_vmm::plot;
use lcc_vmm::report::Report;
use lcc_vmm::sim::migration_model::{MigrationKind, MigrationModel};
use lcc_vmm::sim::workload::ClusterSpec;
use lcc_vmm::sim::{SimConfig, Simulator};
use lcc_vmm::standin::{PolicyKind, StandIn};
use lcc_vmm::strategy::VmChoice;
use lcc_vmm::thresholds::Thresholds;

#[derive(Clone, Copy, ValueEnum)]
enum Policy {
    LoadBalancing,
    Consolidation,
}

#[derive(Clone, Copy, ValueEnum)]
enum Choice {
    BestBalance,
    Smallest,
    Largest,
}

#[derive(Clone, Copy, ValueEnum)]
enum Technique {
    PreCopy,
    PostCopy,
    Abdm,
}

#[derive(Parser)]
#[command(about = "Simulate a VMM policy (Rust stand-in of the LCC policy)")]
struct Args {
    /// The policy.
    #[arg(long, value_enum, default_value = "load-balancing")]
    policy: Policy,
    /// Number of PMs.
    #[arg(long, default_value_t = 15)]
    pms: usize,
    /// Number of VMs, placed at random (demands scaled so that the expected
    /// average load is Figure 3's).
    #[arg(long, default_value_t = 50)]
    vms: usize,
    /// The seed of the workload and of the peers' random picks.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Run seeds 1..=N and print one line per seed instead of one report.
    #[arg(long)]
    seeds: Option<u64>,
    /// Monitoring rounds (10 s each).
    #[arg(long, default_value_t = 100)]
    rounds: u64,
    /// Which VM a migration moves (default: best-balance for load balancing,
    /// largest for consolidation).
    #[arg(long, value_enum)]
    strategy: Option<Choice>,
    /// Migration technique of the simulator.
    #[arg(long, value_enum, default_value = "pre-copy")]
    migration: Technique,
    /// Relative sine amplitude of VM CPU demand (0: constant loads).
    #[arg(long, default_value_t = 0.0)]
    amplitude: f64,
    /// Write the per-PM load plot (SVG) here.
    #[arg(long)]
    plot: Option<std::path::PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Also run Algorithm B on each initial workload and count the PMs it empties.
    #[arg(long)]
    compare_b: bool,
    /// Decide and print every migration with its reason, but move nothing.
    #[arg(long)]
    dry_run: bool,
    /// At most this many migrations per monitoring round.
    #[arg(long)]
    max_per_round: Option<usize>,
    /// Print the migration model's times for a guest of MEM MiB from a source
    /// sending at SRC MiB/s to a destination receiving at DST MiB/s, and exit.
    #[arg(long, num_args = 3, value_names = ["MEM", "SRC", "DST"])]
    timing: Option<Vec<f64>>,
    /// Iterations of Algorithm B's search.
    #[arg(long, default_value_t = 50)]
    b_iterations: usize,
}

fn simulator(args: &Args, seed: u64) -> Simulator {
    let kind = match args.migration {
        Technique::PreCopy => MigrationKind::PreCopy,
        Technique::PostCopy => MigrationKind::PostCopy,
        Technique::Abdm => MigrationKind::Abdm { intermediates: 3 },
    };
    let spec = ClusterSpec {
        amplitude: args.amplitude,
        ..ClusterSpec::scaled(args.pms, args.vms)
    };
    let config = SimConfig {
        migration: MigrationModel {
            kind,
            ..MigrationModel::default()
        },
        ..SimConfig::default()
    };
    spec.build(config, seed)
}

/// What Algorithm B proposes for a workload.
enum BOutcome {
    /// Its plan empties this many more PMs with this many migrations.
    Empties { pms: usize, migrations: usize },
    /// It found no valid placement within its iterations.
    NoSolution,
}

impl std::fmt::Display for BOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BOutcome::Empties { pms, migrations } => {
                write!(f, "{pms} ({migrations} migrations)")
            }
            BOutcome::NoSolution => write!(f, "no valid placement found"),
        }
    }
}

fn simulate(args: &Args, seed: u64) -> Result<(Report, Option<BOutcome>), Box<dyn std::error::Error>> {
    let sim = simulator(args, seed);
    let b_emptied = if args.compare_b {
        let p = Placement::snapshot(&sim)?;
        let search = SearchConfig {
            max_migrations: args.vms,
            iterations: args.b_iterations,
            ..SearchConfig::default()
        };
        Some(match algorithm_b::plan(&p, None, search) {
            Plan::Migrate(moves) => {
                let mut after = p.assignment.clone();
                for m in &moves {
                    after[m.guest] = m.to;
                }
                BOutcome::Empties {
                    pms: p.empty_hosts(&after) - p.empty_hosts(&p.assignment),
                    migrations: moves.len(),
                }
            }
            Plan::InPlace => BOutcome::Empties { pms: 0, migrations: 0 },
            Plan::NoSolution => BOutcome::NoSolution,
        })
    } else {
        None
    };
    let (kind, config) = match args.policy {
        Policy::LoadBalancing => (PolicyKind::LoadBalancing, ConstraintConfig::default()),
        Policy::Consolidation => (
            PolicyKind::Consolidation,
            ConstraintConfig {
                thresholds: Thresholds::consolidation(),
                strategy: VmChoice::Largest,
                ..ConstraintConfig::default()
            },
        ),
    };
    let config = match args.strategy {
        None => config,
        Some(choice) => ConstraintConfig {
            strategy: match choice {
                Choice::BestBalance => VmChoice::BestBalance,
                Choice::Smallest => VmChoice::Smallest,
                Choice::Largest => VmChoice::Largest,
            },
            ..config
        },
    };
    let config = ConstraintConfig {
        dry_run: args.dry_run,
        max_migrations_per_round: args.max_per_round,
        ..config
    };
    let mut c = VmmConstraints::new(sim, config);
    let mut policy = StandIn::new(kind, args.pms, seed);
    let run = RunConfig {
        rounds: args.rounds,
        progress: args.seeds.is_none(),
        ..RunConfig::default()
    };
    let report = driver::run(&mut c, &mut policy, &run, |_| Ok(()))?;
    Ok((report, b_emptied))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if let Some(t) = &args.timing {
        println!("technique | total (s) | exit (s) | downtime (ms)");
        println!("---|---|---|---");
        for (label, kind) in [
            ("pre-copy", MigrationKind::PreCopy),
            ("post-copy", MigrationKind::PostCopy),
            ("ABDM, 3 intermediates", MigrationKind::Abdm { intermediates: 3 }),
        ] {
            let model = MigrationModel {
                kind,
                ..MigrationModel::default()
            };
            let m = model.timing(t[0], t[1], t[2]);
            println!(
                "{label} | {:.1} | {:.1} | {}",
                m.total as f64 / 1000.0,
                m.exit as f64 / 1000.0,
                m.downtime
            );
        }
        return Ok(());
    }
    let Some(n) = args.seeds else {
        let (report, b) = simulate(&args, args.seed)?;
        if let Some(path) = &args.plot {
            let title = format!(
                "{} PMs, {} VMs, seed {} (Rust stand-in policy)",
                args.pms, args.vms, args.seed
            );
            std::fs::write(path, plot::load_svg(&report, &title)?)?;
        }
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            if args.dry_run {
                for d in &report.decisions {
                    println!(
                        "{:>8.1} s  would move {} from {} to {}: {}",
                        d.at as f64 / 1000.0,
                        d.vm,
                        d.from,
                        d.to,
                        d.why
                    );
                }
            }
            print!("{}", report.summary());
            if let Some(b) = b {
                println!("Algorithm B on the initial workload empties: {b}");
            }
        }
        return Ok(());
    };
    println!("seed | outside band | migrations | stabilised (s) | emptied | off | energy (Wh) | SLA (s) | B empties");
    println!("---|---|---|---|---|---|---|---|---");
    for seed in 1..=n {
        let (r, b) = simulate(&args, seed)?;
        println!(
            "{seed} | {} | {} | {} | {} | {} | {:.0} | {:.0} | {}",
            r.outside_band_at_end,
            r.migrations_succeeded,
            r.time_to_stabilise
                .map_or("—".into(), |t| format!("{:.0}", t as f64 / 1000.0)),
            r.pms_emptied,
            r.pms_powered_off,
            r.energy_wh,
            r.sla_violation_time as f64 / 1000.0,
            b.map_or("—".into(), |b| b.to_string()),
        );
    }
    Ok(())
}
