//! `lcc verify`: model-check a model for deadlocks, unreachable roles and steps,
//! and unreceived messages, with shortest counterexamples.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use lcc_eval::{Facts, default_peers, msc, parse_peers};
use lcc_syntax::Signatures;
use lcc_syntax::signatures::Origin;
use lcc_verify::{Abstraction, Bounds, Limits, Reductions, Verifier, models_file};

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

pub const EXAMPLES: &str = "\
Examples:
  lcc verify policy.lcc --peers 'pinger=p1;ponger=p2'
  lcc verify stdlib/vmm/load-balancing.lcc --models stdlib/vmm/vmm.model --peers 'pm=pm1,pm2,pm3'
  lcc verify policy.lcc --bounds inbox=3,depth=6,pool=2 --max-time 60 --json
  lcc verify policy.lcc --msc counterexample.svg      (or .mmd for Mermaid)

Peers come from --peers, else from --config, else from the model's role
declarations. A constraint-model file has lines like
  getPeerState(Status): succeeds with Status in [low, high]
  isOverLoaded: succeeds or fails
Constraints without a model may succeed (outputs from a pool of abstract values) or fail.

Exit status: 0 when nothing was found within the stated bounds (warnings allowed),
1 when violations were found, 2 on bad usage, a model with errors, or a run-time error.";

/// Arguments of `lcc verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The model (.lcc).
    #[arg(value_name = "MODEL")]
    model: PathBuf,
    /// Peers and their initial roles: `role=id1,id2;role2=id3`.
    #[arg(long, value_name = "SPEC")]
    peers: Option<String>,
    /// A configuration file of `key = value` lines (peers, inbox, depth, pool,
    /// models, max-states, max-time); command-line options take precedence.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Bounds: `inbox=K,depth=D,pool=P` (defaults: inbox=2, depth=8, pool=2).
    #[arg(long, value_name = "LIST")]
    bounds: Option<String>,
    /// A constraint-model file (repeatable).
    #[arg(long = "models", value_name = "FILE")]
    models: Vec<PathBuf>,
    /// A Prolog-style facts file whose predicates answer exactly, as in `lcc run`.
    #[arg(long = "facts", value_name = "FILE")]
    facts: Vec<PathBuf>,
    /// An .lcc file of `constraint` declarations (modes for the abstraction).
    #[arg(long = "signatures", value_name = "FILE")]
    signatures: Vec<PathBuf>,
    /// Stop after storing this many states (partial result).
    #[arg(long, value_name = "N")]
    max_states: Option<u64>,
    /// Stop after this many seconds (partial result).
    #[arg(long, value_name = "SECONDS")]
    max_time: Option<f64>,
    /// Stop when the search's memory reaches this many MiB (estimated; partial result).
    #[arg(long, value_name = "MIB")]
    max_memory: Option<u64>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Write the first counterexample's sequence chart (SVG, or Mermaid for .mmd/.mermaid).
    #[arg(long, value_name = "FILE")]
    msc: Option<PathBuf>,
    /// Do not identify states that differ by a permutation of interchangeable peers.
    #[arg(long)]
    no_symmetry: bool,
    /// Store whole encoded states instead of 128-bit fingerprints.
    #[arg(long)]
    no_compact: bool,
    /// Expand every transition of every state (no partial-order reduction).
    #[arg(long)]
    no_por: bool,
    /// Worker threads (default: the number of cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

fn usage_error(message: &str) -> u8 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

fn read(path: &PathBuf) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

/// Settings from `--config` (`key = value` lines, `#` or `//` comments).
#[derive(Default)]
struct Config {
    peers: Option<String>,
    bounds: Vec<String>,
    models: Vec<PathBuf>,
    max_states: Option<u64>,
    max_time: Option<f64>,
}

fn read_config(path: &PathBuf) -> Result<Config, String> {
    let text = read(path)?;
    let dir = path.parent().map(PathBuf::from).unwrap_or_default();
    let mut config = Config::default();
    for (n, line) in text.lines().enumerate() {
        let line = line
            .split("//")
            .next()
            .unwrap_or("")
            .split('#')
            .next()
            .unwrap_or("")
            .trim();
        if line.is_empty() {
            continue;
        }
        let bad = |m: &str| format!("{}:{}: {m}", path.display(), n + 1);
        let (key, value) = line.split_once('=').ok_or_else(|| bad("expected `key = value`"))?;
        let value = value.trim().trim_matches('"').to_string();
        match key.trim() {
            "peers" => config.peers = Some(value),
            "inbox" | "depth" | "pool" => config.bounds.push(format!("{}={value}", key.trim())),
            "models" => config.models.push(dir.join(value)),
            "max-states" => config.max_states = Some(value.parse().map_err(|_| bad("not a number"))?),
            "max-time" => config.max_time = Some(value.parse().map_err(|_| bad("not a number"))?),
            other => return Err(bad(&format!("unknown setting `{other}`"))),
        }
    }
    Ok(config)
}

fn parse_bounds(list: &str, bounds: &mut Bounds, pool: &mut usize) -> Result<(), String> {
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (key, value) = item
            .split_once('=')
            .ok_or_else(|| format!("`{item}` should be `inbox=K`, `depth=D` or `pool=P`"))?;
        let value: usize = value
            .trim()
            .parse()
            .map_err(|_| format!("`{item}`: `{}` is not a number", value.trim()))?;
        match key.trim() {
            "inbox" => bounds.inbox = value,
            "depth" => bounds.depth = value,
            "pool" => *pool = value,
            other => return Err(format!("unknown bound `{other}` (inbox, depth or pool)")),
        }
    }
    Ok(())
}

pub fn run(args: VerifyArgs) -> u8 {
    let config = match &args.config {
        Some(path) => match read_config(path) {
            Ok(c) => c,
            Err(m) => return usage_error(&m),
        },
        None => Config::default(),
    };
    let loaded = match super::model_file::load(&args.model, false, "before verifying") {
        Ok(loaded) => loaded,
        Err(message) => return usage_error(&message),
    };
    let super::model_file::LoadedModel {
        mut sources,
        file,
        name,
        parsed,
        model,
    } = loaded;
    let mut signatures = Signatures::standard();
    signatures.add_model(&parsed.model, Origin::File(file));
    for path in &args.signatures {
        let t = match read(path) {
            Ok(t) => t,
            Err(m) => return usage_error(&m),
        };
        if signatures
            .add_source(Origin::Library(path.display().to_string()), &t)
            .is_err()
        {
            return usage_error(&format!("`{}` has syntax errors", path.display()));
        }
    }
    let mut bounds = Bounds::default();
    let mut pool = 2;
    for list in config.bounds.iter().chain(args.bounds.iter()) {
        if let Err(m) = parse_bounds(list, &mut bounds, &mut pool) {
            return usage_error(&m);
        }
    }
    let mut abstraction = Abstraction::new(signatures.clone()).with_pool(pool);
    for path in config.models.iter().chain(&args.models) {
        let t = match read(path) {
            Ok(t) => t,
            Err(m) => return usage_error(&m),
        };
        match models_file::parse(&path.display().to_string(), &t, &signatures) {
            Ok(models) => {
                for m in models {
                    abstraction.add_model(m);
                }
            }
            Err(m) => return usage_error(&m),
        }
    }
    for path in &args.facts {
        let t = match read(path) {
            Ok(t) => t,
            Err(m) => return usage_error(&m),
        };
        let shown = path.display().to_string();
        let id = sources.add(shown.clone(), t.clone());
        match Facts::parse(id, &shown, &t) {
            Ok(facts) => {
                let mut p = lcc_eval::Providers::new();
                facts.register(&mut p);
                abstraction.add_exact(&p);
            }
            Err(e) => return usage_error(&e.to_string()),
        }
    }
    let peers = match args.peers.as_ref().or(config.peers.as_ref()) {
        Some(spec) => match parse_peers(spec) {
            Ok(p) => p,
            Err(e) => return usage_error(&e.to_string()),
        },
        None => {
            let p = default_peers(&model);
            if p.is_empty() {
                return usage_error(&format!(
                    "`{name}` declares no initial role: say which peers play which roles with --peers 'role=id1,id2;...'"
                ));
            }
            p
        }
    };
    let mut verifier = Verifier::new(&model, peers, abstraction);
    verifier.bounds = bounds;
    verifier.limits = Limits {
        states: args.max_states.or(config.max_states),
        time: args.max_time.or(config.max_time).map(Duration::from_secs_f64),
        memory: args.max_memory.map(|m| m << 20),
    };
    verifier.reductions = Reductions {
        symmetry: !args.no_symmetry,
        compact: !args.no_compact,
        threads: args.threads.unwrap_or(Reductions::default().threads),
        por: !args.no_por,
    };
    verifier.progress = true;
    let report = match verifier.run() {
        Ok(r) => r,
        Err(e) => return usage_error(&e.located(&sources)),
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report.json(&sources)).expect("JSON")
        );
    } else {
        print!("{}", report.text(&sources));
    }
    if let Some(path) = &args.msc {
        match report.findings.iter().find_map(|f| f.counterexample.as_ref()) {
            None => eprintln!("note: no counterexample, so `{}` was not written", path.display()),
            Some(c) => {
                let mermaid = path.extension().is_some_and(|e| e == "mmd" || e == "mermaid");
                let chart = if mermaid {
                    msc::mermaid(&c.trace)
                } else {
                    msc::svg(&c.trace)
                };
                if let Err(e) = std::fs::write(path, chart) {
                    return usage_error(&format!("cannot write `{}`: {e}", path.display()));
                }
            }
        }
    }
    if report.has_errors() { EXIT_FINDINGS } else { EXIT_OK }
}
