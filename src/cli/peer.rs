//! `lcc peer`: run one peer of an interaction in this process, reaching the
//! other peers and the role directory through a NATS server (see
//! `docs/distributed.md`). Needs the `nats` cargo feature.

use std::path::PathBuf;
#[cfg(feature = "nats")]
use std::sync::{Arc, Mutex};

use clap::Args;

use super::EXIT_USAGE;
use super::nats_connection::NatsConnectionArgs;

pub const EXAMPLES: &str = "\
Examples (one per host; the same model and facts everywhere):
  lcc peer stdlib/examples/greeter.lcc --id bob --role responder --nats nats://10.0.0.1:4222 --facts stdlib/facts/greeter.pl
  lcc peer stdlib/examples/greeter.lcc --id alice --role greeter --nats nats://10.0.0.1:4222 --facts stdlib/facts/greeter.pl
  LCC_NATS_PASSWORD=secret lcc peer policy.lcc --id pm1 --role idle --nats tls://nats.example:4222 --user pm1
  lcc peer policy.lcc --id pm1 --role idle --nats tls://nats.example:4222 --nkey pm1.nk --tls-ca ca.pem
  lcc peer stdlib/vmm/load-balancing.lcc --id pm3 --role pm --nats nats://10.0.0.1:4222 --datacentre --seed 3
  lcc peer stdlib/vmm/load-balancing.lcc --id pm3 --role pm --nats nats://10.0.0.1:4222 --datacentre --conducted

The server needs JetStream (nats-server -js). The peer announces the roles it
plays, receives from its durable inbox, prints its trace when it ends and
withdraws from the directory; SIGINT or SIGTERM stops it cleanly. Replies from
the server come back under `_INBOX.ID.`, so the server can restrict each peer's
subscriptions (docs/distributed.md, Security).

Exit status: 0 when the peer finished its role, 1 when it was stopped (signal)
before finishing, 2 on bad input, an unreachable server, an error during the run
or the time limit.";

/// Arguments of `lcc peer`.
#[derive(Debug, Args)]
pub struct PeerArgs {
    /// The model (every peer of the interaction runs the same one).
    #[arg(value_name = "MODEL")]
    model: PathBuf,
    /// This peer's Id (a NATS subject token: no `.`, `*`, `>` or spaces).
    #[arg(long, value_name = "ID")]
    id: String,
    /// The role it starts in, e.g. `idle` or `underloaded(80)`.
    #[arg(long, value_name = "ROLE")]
    role: String,
    /// The server, credentials and TLS.
    #[command(flatten)]
    connection: NatsConnectionArgs,
    /// A facts file scripting constraints (repeatable; later files take precedence).
    #[arg(long = "facts", value_name = "FILE")]
    facts: Vec<PathBuf>,
    /// Take the VMM constraints (stdlib/vmm/constraints.lcc) from the
    /// datacentre service on the same NATS server (`lcc datacentre`); the
    /// peer's Id names the PM it manages.
    #[arg(long)]
    datacentre: bool,
    /// Seed of the random pick of a recipient for a send to an unbound Id
    /// (without it: the lowest Id).
    #[arg(long, value_name = "N", conflicts_with = "conducted")]
    seed: Option<u64>,
    /// Step only on the turns of the conductor, `lcc datacentre --schedule`,
    /// which replays an in-process run's schedule: the peers then reach the
    /// same end state as that run.
    #[arg(long, requires = "datacentre")]
    conducted: bool,
    /// How often the peer re-announces its roles, in milliseconds (directory
    /// entries expire after three missed announcements).
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    heartbeat_ms: u64,
    /// Stop with an error after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    max_time: Option<f64>,
}

fn usage_error(message: &str) -> u8 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

#[cfg(not(feature = "nats"))]
pub fn run(_: PeerArgs) -> u8 {
    usage_error("this lcc was built without NATS support: rebuild with `cargo build --features nats`")
}

#[cfg(feature = "nats")]
pub fn run(args: PeerArgs) -> u8 {
    use std::io::Write;

    use lcc_eval::nats::NatsTransport;
    use lcc_eval::node::{Node, NodeEnd};
    use lcc_eval::parse_peers;

    use super::{EXIT_FINDINGS, EXIT_OK};

    let loaded = match super::model_file::load(&args.model, false, "before running a peer") {
        Ok(loaded) => loaded,
        Err(message) => return usage_error(&message),
    };
    let super::model_file::LoadedModel { mut sources, model, .. } = loaded;
    let me = match parse_peers(&format!("{}={}", args.role, args.id)).map(|mut p| p.remove(0)) {
        Ok(spec) => spec,
        Err(e) => return usage_error(&format!("--role/--id: {}", e.message)),
    };
    let heartbeat = std::time::Duration::from_millis(args.heartbeat_ms.max(10));
    let options = match args.connection.options(Some(format!("_INBOX.{}", me.id)), heartbeat) {
        Ok(options) => options,
        Err(message) => return usage_error(&message),
    };
    let transport = match NatsTransport::connect(&options) {
        Ok(t) => t,
        Err(e) => return usage_error(&e.to_string()),
    };
    let mut base = lcc_eval::Providers::with_builtins();
    if args.datacentre {
        match super::vmm_remote::providers(transport.client(), transport.connections(), me.id.name()) {
            Ok(vmm) => base.extend(&vmm),
            Err(message) => return usage_error(&message),
        };
    }
    let providers = match super::model_file::providers_over(base, &mut sources, &args.facts, &model) {
        Ok(providers) => providers,
        Err(message) => return usage_error(&message),
    };
    let client = transport.client();
    let mut node = Node::new(&model, providers, transport);
    if let Some(seed) = args.seed {
        node = node.pick(SeededPick::new(seed, me.id.name()));
    }
    if args.conducted {
        // The conductor passes the one generator of picks from turn to turn.
        let pick = Arc::new(Mutex::new(lcc_vmm::rng::Rng::new(0)));
        node = node.pick(SeededPick(pick.clone()));
        match super::conducted::follow(client, me.id.name(), node.turn_handle(), pick) {
            Ok(reporter) => node = node.conducted(reporter),
            Err(message) => return usage_error(&message),
        }
    }
    if let Some(secs) = args.max_time {
        match std::time::Duration::try_from_secs_f64(secs) {
            Ok(limit) => node = node.max_time(limit),
            Err(_) => return usage_error(&format!("--max-time {secs} is not a number of seconds")),
        }
    }
    stop_on_signals(node.stop_handle());
    let run = match node.run(&me) {
        Ok(run) => run,
        Err(e) => {
            eprint!("{}", e.render(&sources));
            return EXIT_USAGE;
        }
    };
    if std::io::stdout()
        .lock()
        .write_all(run.trace.text(&sources).as_bytes())
        .is_err()
    {
        return EXIT_USAGE;
    }
    match run.end {
        NodeEnd::Finished => {
            eprintln!("peer `{}` finished after {} steps", me.id, run.steps);
            EXIT_OK
        }
        NodeEnd::Stopped(reason) => {
            eprintln!(
                "peer `{}` stopped by {reason} after {} steps, unfinished",
                me.id, run.steps
            );
            EXIT_FINDINGS
        }
        NodeEnd::Limit(e) => usage_error(&e.message),
    }
}

/// A send to an unbound Id goes to a candidate drawn at random, from a
/// generator seeded with `--seed` and the peer's Id (or, conducted, from the
/// one generator whose state comes with each turn).
#[cfg(feature = "nats")]
struct SeededPick(Arc<Mutex<lcc_vmm::rng::Rng>>);

#[cfg(feature = "nats")]
impl SeededPick {
    fn new(seed: u64, id: &str) -> SeededPick {
        let id = id.bytes().fold(0u64, |h, b| lcc_vmm::rng::mix(h ^ u64::from(b)));
        SeededPick(Arc::new(Mutex::new(lcc_vmm::rng::Rng::new(lcc_vmm::rng::mix(
            seed ^ id,
        )))))
    }
}

#[cfg(feature = "nats")]
impl lcc_eval::PickPolicy for SeededPick {
    fn pick(&self, _: &lcc_eval::State, candidates: &[usize]) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).below(candidates.len())
    }
}

/// Stops the node on SIGINT or SIGTERM (watched on a thread of its own).
#[cfg(feature = "nats")]
fn stop_on_signals(stop: lcc_eval::node::StopHandle) {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("start the signal watcher");
        runtime.block_on(async {
            use tokio::signal::unix::{SignalKind, signal};
            let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
                return;
            };
            let which = tokio::select! {
                _ = int.recv() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            };
            stop.stop(which);
        });
    });
}
