//! `lcc run`: run an LCC model with peers, constraints scripted as facts files,
//! and print the trace, a sequence chart and, when peers are stuck, who waits for
//! what.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use lcc_eval::{RunEnd, Runtime, default_peers, msc, parse_peers};

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

pub const EXAMPLES: &str = "\
Examples:
  lcc run stdlib/examples/greeter.lcc --facts stdlib/facts/greeter.pl
  lcc run policy.lcc --peers 'idle=pm1,pm2;underloaded(80)=pm3' --facts dc.pl --seed 7
  lcc run stdlib/examples/auction.lcc --facts stdlib/facts/auction.pl --trace json --msc auction.svg
  lcc run stdlib/vmm/load-balancing.lcc --vmm libvirt --hosts hosts.toml --dry-run

With --vmm libvirt, the policy manages real hypervisors: one peer per [[host]] of
the hosts file (format: docs/vmm-hosts.md), named after it, plays `pm`, and the
constraints of stdlib/vmm/constraints.lcc act on libvirt. Every migration decided
is printed with its reason; --dry-run decides and prints but moves nothing.

Peers default to the model's role declarations: r(role, initial, N) and
r(role, necessary, N) each start N peers named role1..roleN. A facts file holds
Prolog-style facts and rules (`p(a). q(X) :- p(X), X \\= b.`); a predicate with one
more argument than the call receives the calling peer's Id first.

Exit status: 0 when every peer finished (with --vmm: when the last round was
reached), 1 when the run ended with peers stuck (after printing who waits for
what), 2 on bad input, an unreadable file, an unreachable hypervisor, an error
during the run, or a step or time limit reached.";

/// Arguments of `lcc run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The model to run.
    #[arg(value_name = "MODEL")]
    model: PathBuf,
    /// Peers and their initial roles: `role=id1,id2;role2=id3` (a role may have
    /// arguments: `underloaded(80)=pm3`). Default: from the role declarations.
    #[arg(long, value_name = "SPEC")]
    peers: Option<String>,
    /// A facts file scripting constraints (repeatable; later files take precedence).
    #[arg(long = "facts", value_name = "FILE")]
    facts: Vec<PathBuf>,
    /// Seed of the scheduling order (the same seed gives the same trace).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Stop with an error after this many steps.
    #[arg(long, value_name = "N")]
    max_steps: Option<u64>,
    /// Stop with an error after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    max_time: Option<f64>,
    /// How to print the trace on standard output.
    #[arg(long, value_enum, default_value_t = TraceFormat::Text)]
    trace: TraceFormat,
    /// Write a message sequence chart: SVG, or Mermaid text if the name ends in
    /// `.mmd` or `.mermaid`.
    #[arg(long, value_name = "FILE")]
    msc: Option<PathBuf>,
    /// Run a VM-management policy against real hypervisors (needs --hosts).
    #[arg(long, value_enum, requires = "hosts", conflicts_with_all = ["peers", "facts", "max_steps", "max_time", "msc"])]
    vmm: Option<Vmm>,
    /// With --vmm: the hosts file (one libvirt URI per PM and the run's settings).
    #[arg(long, value_name = "FILE", requires = "vmm")]
    hosts: Option<PathBuf>,
    /// With --vmm: print every migration the policy decides, and start none.
    #[arg(long, requires = "vmm")]
    dry_run: bool,
    /// With --vmm: monitoring rounds to run (default: the hosts file's `rounds`).
    #[arg(long, value_name = "N", requires = "vmm")]
    rounds: Option<u64>,
}

/// The hypervisors a VM-management policy runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Vmm {
    /// libvirt hosts listed in the hosts file (the simulator is `lcc simulate`).
    Libvirt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TraceFormat {
    /// One line per event.
    Text,
    /// One JSON object per event per line.
    Json,
    /// No trace.
    None,
}

fn usage_error(message: &str) -> u8 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

pub fn run(args: RunArgs) -> u8 {
    if let (Some(Vmm::Libvirt), Some(hosts)) = (args.vmm, &args.hosts) {
        return super::run_vmm::run(super::run_vmm::VmmRun {
            policy: &args.model,
            hosts,
            dry_run: args.dry_run,
            rounds: args.rounds,
            seed: args.seed,
        });
    }
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let loaded = match super::model_file::load(&args.model, color, "before running") {
        Ok(loaded) => loaded,
        Err(message) => return usage_error(&message),
    };
    let super::model_file::LoadedModel { mut sources, model, .. } = loaded;
    let providers = match super::model_file::providers(&mut sources, &args.facts, &model) {
        Ok(providers) => providers,
        Err(message) => return usage_error(&message),
    };
    let peers = match &args.peers {
        Some(spec) => match parse_peers(spec) {
            Ok(peers) => peers,
            Err(e) => return usage_error(&format!("--peers: {}", e.message)),
        },
        None => default_peers(&model),
    };
    if peers.is_empty() {
        return usage_error(
            "no peers to run: give --peers 'role=id1,id2' (the model declares no initial or necessary role)",
        );
    }
    let mut runtime = Runtime::new(&model, providers).seed(args.seed);
    if let Some(n) = args.max_steps {
        runtime = runtime.max_steps(n);
    }
    if let Some(secs) = args.max_time {
        match std::time::Duration::try_from_secs_f64(secs) {
            Ok(limit) => runtime = runtime.max_time(limit),
            Err(_) => return usage_error(&format!("--max-time {secs} is not a number of seconds")),
        }
    }
    let run = match runtime.run(&peers) {
        Ok(run) => run,
        Err(e) => {
            eprint!("{}", e.render(&sources));
            return EXIT_USAGE;
        }
    };
    let out = match args.trace {
        TraceFormat::Text => run.trace.text(&sources),
        TraceFormat::Json => run.trace.json_lines(&sources),
        TraceFormat::None => String::new(),
    };
    if std::io::stdout().lock().write_all(out.as_bytes()).is_err() {
        return EXIT_USAGE;
    }
    if let Some(path) = &args.msc {
        let mermaid = path.extension().is_some_and(|e| e == "mmd" || e == "mermaid");
        let chart = if mermaid {
            msc::mermaid(&run.trace)
        } else {
            msc::svg(&run.trace)
        };
        if let Err(e) = std::fs::write(path, chart) {
            return usage_error(&format!("cannot write `{}`: {e}", path.display()));
        }
    }
    match run.end {
        RunEnd::Finished => {
            eprintln!("all {} peers finished after {} steps", run.state.len(), run.steps);
            EXIT_OK
        }
        RunEnd::Stuck(report) => {
            eprint!("{}", report.render(&sources));
            let stuck = report.peers.len();
            eprintln!("{stuck} of {} peers stuck after {} steps", run.state.len(), run.steps);
            EXIT_FINDINGS
        }
        RunEnd::Limit(e) => usage_error(&e.message),
    }
}
