//! `lcc datacentre`: one process owns a datacentre and its VMM constraints
//! and answers the constraint calls of `lcc peer --datacentre` processes over
//! NATS (see `docs/distributed.md`): a simulated datacentre, with simulated
//! time on a scaled wall clock, or the libvirt hosts of a hosts file
//! (`--hosts`), on real time. Needs the `nats` cargo feature.

use std::path::PathBuf;

use clap::Args;

use super::EXIT_USAGE;
use super::nats_connection::NatsConnectionArgs;
use super::simulate::Goal;

pub const EXAMPLES: &str = "\
Examples:
  lcc datacentre --nats nats://10.0.0.1:4222 --pms 15 --vms 50 --seed 3 --rounds 40 --ms-per-second 20
  # then, one per PM (pm0 ... pm14), anywhere:
  lcc peer stdlib/vmm/load-balancing.lcc --id pm0 --role pm --nats nats://10.0.0.1:4222 --datacentre --seed 3

  lcc datacentre --nats nats://10.0.0.1:4222 --hosts hosts.toml
  # then, one per [[host]] of hosts.toml, named after it, e.g. on each host:
  lcc peer stdlib/vmm/load-balancing.lcc --id pm0 --role pm --nats nats://10.0.0.1:4222 --datacentre --seed 3

  # the in-process run's end state, VM by VM (deterministic mode):
  lcc simulate stdlib/vmm/load-balancing.lcc --pms 15 --vms 50 --seed 3 --rounds 60 --schedule run.json
  lcc datacentre --nats nats://10.0.0.1:4222 --pms 15 --vms 50 --seed 3 --rounds 60 --schedule run.json
  lcc peer stdlib/vmm/load-balancing.lcc --id pm0 --role pm --nats nats://10.0.0.1:4222 --datacentre --conducted

The simulator is the same seeded cluster as `lcc simulate`; with --hosts the
service connects to the libvirt hosts of the hosts file (docs/vmm-hosts.md:
thresholds, cap, pinned VMs, hysteresis, power commands) and acts on them.
It answers calls on `lcc.vmm.call.ID` (pending answers later on
`lcc.vmm.answer.ID`). The rounds start once every PM's peer has called;
simulated time then runs at --ms-per-second real milliseconds per simulated
second, real hosts' time is real. At the end of the rounds it lets running
migrations finish, prints the report and the placement (where every VM runs),
and freezes time: further calls stay pending. It exits on SIGINT or SIGTERM.

Exit status: 0 when stopped after the end of the rounds, 1 when stopped before,
2 on bad input, an unreachable server or hypervisor, or an error.";

/// Arguments of `lcc datacentre`.
#[derive(Debug, Args)]
pub struct DatacentreArgs {
    /// The server, credentials and TLS (as for `lcc peer`).
    #[command(flatten)]
    connection: NatsConnectionArgs,
    /// Serve the libvirt hosts of this hosts file (as `lcc run --vmm libvirt
    /// --hosts`), on real time, instead of a simulated datacentre.
    #[arg(long, value_name = "FILE")]
    hosts: Option<PathBuf>,
    /// Simulated physical machines (peers pm0, pm1, ...).
    #[arg(long, default_value_t = 15, conflicts_with = "hosts")]
    pms: usize,
    /// Simulated virtual machines.
    #[arg(long, default_value_t = 50, conflicts_with = "hosts")]
    vms: usize,
    /// Seed of the simulated workload and placement (as `lcc simulate --seed`).
    #[arg(long, default_value_t = 1, conflicts_with = "hosts")]
    seed: u64,
    /// Monitoring rounds (default: 100 of 10 s for the simulator, the hosts
    /// file's `rounds` of its `monitoring_interval_ms` with --hosts).
    #[arg(long)]
    rounds: Option<u64>,
    /// What the simulator's thresholds and VM choice aim at (with --hosts:
    /// the hosts file's settings).
    #[arg(long, value_enum, default_value_t = Goal::Balance, conflicts_with = "hosts")]
    goal: Goal,
    /// Real milliseconds per simulated second (simulator only).
    #[arg(long, value_name = "MS", default_value_t = 100, conflicts_with = "hosts")]
    ms_per_second: u64,
    /// Print the report and the placement as one line of JSON
    /// (`{"report": ..., "placement": ...}`) instead of text.
    #[arg(long)]
    json: bool,
    /// Also write the placement at the end to this file, as JSON.
    #[arg(long, value_name = "FILE")]
    placement: Option<PathBuf>,
    /// Replay this schedule of an in-process run (`lcc simulate --schedule`,
    /// same --pms, --vms, --seed, --rounds, --goal) with `lcc peer
    /// --conducted` processes, turn by turn, instead of letting simulated time
    /// run on the wall clock: the run then ends as the in-process one did.
    #[arg(long, value_name = "FILE", conflicts_with = "hosts")]
    schedule: Option<PathBuf>,
}

fn usage_error(message: &str) -> u8 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

#[cfg(not(feature = "nats"))]
pub fn run(_: DatacentreArgs) -> u8 {
    usage_error("this lcc was built without NATS support: rebuild with `cargo build --features nats`")
}

#[cfg(feature = "nats")]
pub fn run(args: DatacentreArgs) -> u8 {
    use lcc_vmm::constraints::VmmConstraints;
    use lcc_vmm::driver::RunConfig;
    use lcc_vmm::error::Error;
    use lcc_vmm::hosts_file::HostsFile;
    use lcc_vmm::sim::SimConfig;
    use lcc_vmm::sim::workload::ClusterSpec;

    if let Some(hosts) = &args.hosts {
        let settings = match HostsFile::read(hosts).and_then(|f| f.connect(false)) {
            Ok(settings) => settings,
            // The message starts with the hosts file's location.
            Err(Error::Config(message)) => return usage_error(&message),
            Err(e) => return usage_error(&e.to_string()),
        };
        let config = RunConfig {
            rounds: args.rounds.unwrap_or(settings.rounds),
            ..RunConfig::default()
        };
        // The hosts' time is the wall clock's: one second per second.
        return serve(&args, settings.constraints, &config, 1000);
    }
    if args.ms_per_second == 0 {
        return usage_error("--ms-per-second must be at least 1");
    }
    let dc = ClusterSpec::scaled(args.pms, args.vms).build(SimConfig::default(), args.seed);
    let config = RunConfig {
        rounds: args.rounds.unwrap_or(100),
        ..RunConfig::default()
    };
    let constraints = VmmConstraints::new(dc, super::simulate::constraint_config(args.goal));
    serve(&args, constraints, &config, args.ms_per_second)
}

/// Serves `constraints` for `run_config.rounds` monitoring intervals, the
/// datacentre's time moving `ms_per_second` real milliseconds per second of
/// its own once every PM's peer has called; prints the report at the end.
#[cfg(feature = "nats")]
fn serve<D: lcc_vmm::datacentre::Datacentre + Send + 'static>(
    args: &DatacentreArgs,
    constraints: lcc_vmm::constraints::VmmConstraints<D>,
    run_config: &lcc_vmm::driver::RunConfig,
    ms_per_second: u64,
) -> u8 {
    use std::collections::BTreeMap;
    use std::io::Write;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use futures_util::StreamExt;
    use lcc_eval::Answer;
    use lcc_vmm::remote::{CallReply, CallRequest, ConstraintService, REMOTE_VERSION, Resolution, Served};

    use super::{EXIT_FINDINGS, EXIT_OK};

    let vm_count = constraints.datacentre().vm_count();
    let schedule = match args
        .schedule
        .as_deref()
        .map(lcc_vmm::schedule::Schedule::read)
        .transpose()
    {
        Ok(schedule) => schedule,
        Err(message) => return usage_error(&message),
    };
    let service = match ConstraintService::new(constraints, run_config) {
        Ok(service) => Arc::new(service),
        Err(e) => return usage_error(&e.to_string()),
    };
    let pms = match service.peers() {
        Ok(pms) => pms,
        Err(e) => return usage_error(&e.to_string()),
    };
    if let Some(schedule) = &schedule
        && schedule.peers != pms
    {
        return usage_error(&format!(
            "the schedule's peers ({}) are not this datacentre's PMs ({}): use the --pms of the recorded run",
            schedule.peers.join(", "),
            pms.join(", ")
        ));
    }
    let conducting = schedule.is_some();
    // Resolutions published and not yet taken in by a conducted peer, by peer.
    let resolved_for: Arc<Mutex<BTreeMap<String, usize>>> = Arc::default();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return usage_error(&format!("start the I/O runtime: {e}")),
    };
    // Replies to the conductor's turns come back under `_INBOX.datacentre.`;
    // the service announces nothing (no heartbeat).
    let options = match args
        .connection
        .options(Some("_INBOX.datacentre".into()), Duration::ZERO)
    {
        Ok(options) => options,
        Err(message) => return usage_error(&message),
    };
    let counts = Arc::new(CallCounts::default());
    let served = runtime.block_on(async {
        let client = lcc_eval::nats::connect(&options, "lcc datacentre")
            .await
            .map_err(|e| e.to_string())?
            .client;
        let mut calls = client
            .subscribe("lcc.vmm.call.*")
            .await
            .map_err(|e| format!("subscribe: {e}"))?;
        let mut lists = client
            .subscribe("lcc.vmm.constraints")
            .await
            .map_err(|e| format!("subscribe: {e}"))?;
        client.flush().await.map_err(|e| format!("subscribe: {e}"))?;
        eprintln!(
            "datacentre ready: {} PMs ({} ... {}), {} VMs; {}",
            pms.len(),
            pms.first().map_or("", String::as_str),
            pms.last().map_or("", String::as_str),
            vm_count,
            if conducting {
                "the replay starts when every PM's peer answers its first turn"
            } else {
                "time starts when every PM's peer has called"
            }
        );
        // The constraint list.
        let list = serde_json::to_vec(&service.constraints()).expect("the list serialises");
        let lister = client.clone();
        tokio::spawn(async move {
            while let Some(request) = lists.next().await {
                if let Some(reply) = request.reply {
                    let _ = lister.publish(reply, list.clone().into()).await;
                }
            }
        });
        // Resolutions of pending calls, published as they come.
        let (resolved, mut resolutions) = tokio::sync::mpsc::unbounded_channel::<(String, u64, lcc_eval::Pending)>();
        let publisher = client.clone();
        tokio::spawn(async move {
            while let Some((peer, token, pending)) = resolutions.recv().await {
                let answer = pending.answer().map_or(CallReply::Pending, |a| CallReply::of(&a));
                let r = Resolution {
                    v: REMOTE_VERSION,
                    token,
                    answer,
                };
                let payload = serde_json::to_vec(&r).expect("a resolution serialises");
                let _ = publisher
                    .publish(format!("lcc.vmm.answer.{peer}"), payload.into())
                    .await;
            }
        });
        // Calls: the subject names the caller, which must be the peer the call
        // claims. A repeated request gets its first answer again (its
        // resolution, if any, is already on its way).
        let answering = service.clone();
        let replier = client.clone();
        let counting = counts.clone();
        let resolved_for = resolved_for.clone();
        tokio::spawn(async move {
            while let Some(message) = calls.next().await {
                let Some(reply) = message.reply.clone() else { continue };
                let sender = message.subject.as_str().rsplit('.').next().unwrap_or("").to_string();
                let (answer, new_call) = match serde_json::from_slice::<CallRequest>(&message.payload) {
                    Ok(call) if call.peer == sender => {
                        let Served { answer, repeat } = answering.call(&call);
                        counting.count(repeat);
                        (answer, (!repeat).then_some(call))
                    }
                    Ok(call) => (
                        Answer::Error(format!("a call on {} claims peer {}", message.subject, call.peer)),
                        None,
                    ),
                    Err(e) => (Answer::Error(format!("a malformed call: {e}")), None),
                };
                if let (Answer::Pending(pending), Some(call)) = (&answer, new_call) {
                    let resolved = resolved.clone();
                    let waiting = pending.clone();
                    let resolved_for = resolved_for.clone();
                    pending.on_ready(Box::new(move || {
                        *resolved_for
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .entry(call.peer.clone())
                            .or_default() += 1;
                        let _ = resolved.send((call.peer, call.token, waiting));
                    }));
                }
                let payload = serde_json::to_vec(&CallReply::of(&answer)).expect("a reply serialises");
                let _ = replier.publish(reply, payload.into()).await;
            }
        });
        Ok::<_, String>(client)
    });
    let client = match served {
        Ok(client) => client,
        Err(message) => return usage_error(&message),
    };
    // The clock (or the conductor), on a thread of its own; `done` says when
    // the rounds are over.
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<Result<(), String>>();
    let clock = service.clone();
    let expected = pms.len();
    if let Some(schedule) = schedule {
        let (client, io) = (client.clone(), runtime.handle().clone());
        std::thread::spawn(move || {
            let replayed = super::conducted::replay(&schedule, &clock, &client, &io, &resolved_for);
            let _ = done_tx.send(replayed);
        });
    } else {
        std::thread::spawn(move || {
            while clock.callers() < expected {
                std::thread::sleep(Duration::from_millis(5));
            }
            eprintln!("every PM's peer has called: the rounds start");
            if let Err(e) = clock.start() {
                let _ = done_tx.send(Err(e.to_string()));
                return;
            }
            let (start, from) = (Instant::now(), clock.now());
            let result = loop {
                let target = from + (start.elapsed().as_millis() as u64) * 1000 / ms_per_second;
                match clock.advance(target) {
                    Ok(true) => break Ok(()),
                    Ok(false) => std::thread::sleep(Duration::from_millis(1)),
                    Err(e) => break Err(e.to_string()),
                }
            };
            let _ = done_tx.send(result);
        });
    }
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        let _context = runtime.enter();
        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
    };
    let (Ok(mut int), Ok(mut term)) = signals else {
        return usage_error("cannot watch for signals");
    };
    let ended = runtime.block_on(async {
        tokio::select! {
            done = done_rx => match done {
                Ok(Ok(())) => Ok(true),
                Ok(Err(e)) => Err(e),
                Err(_) => Err("the clock stopped".to_string()),
            },
            _ = int.recv() => Ok(false),
            _ = term.recv() => Ok(false),
        }
    });
    let reached_end = match ended {
        Ok(reached) => reached,
        Err(message) => return usage_error(&message),
    };
    let (report, placement) = match service.finish(0) {
        Ok(Some(finished)) => finished,
        Ok(None) => return usage_error("the run was finished twice"),
        Err(e) => return usage_error(&e.to_string()),
    };
    if let Some(path) = &args.placement {
        let json = serde_json::to_string_pretty(&placement).expect("a placement serialises");
        if let Err(e) = std::fs::write(path, json + "\n") {
            return usage_error(&format!("cannot write `{}`: {e}", path.display()));
        }
    }
    let out = if args.json {
        let both = serde_json::json!({"report": report, "placement": placement});
        format!("{both}\n")
    } else {
        let mut text = report.summary();
        for (vm, place) in &placement.vms {
            text.push_str(&format!("{vm} on {}\n", place.host));
        }
        text
    };
    {
        let mut stdout = std::io::stdout().lock();
        if stdout.write_all(out.as_bytes()).and_then(|()| stdout.flush()).is_err() {
            return EXIT_USAGE;
        }
    }
    let last_calls = || {
        let calls: Vec<String> = service
            .last_calls()
            .iter()
            .map(|(peer, at)| format!("{peer} {at}"))
            .collect();
        eprintln!(
            "{counts}; latest call of each peer (datacentre time, ms): {}",
            calls.join(", ")
        );
    };
    if !reached_end {
        last_calls();
        eprintln!("stopped before the end of the rounds");
        return EXIT_FINDINGS;
    }
    eprintln!("the rounds are over: time stands still, calls stay pending; stop with SIGINT or SIGTERM");
    runtime.block_on(async {
        tokio::select! {
            _ = int.recv() => {},
            _ = term.recv() => {},
        }
    });
    drop(client);
    last_calls();
    EXIT_OK
}

/// How many calls the service answered, and how many requests were repeats
/// (a peer asked again, not having had the reply).
#[cfg(feature = "nats")]
#[derive(Default)]
struct CallCounts {
    calls: std::sync::atomic::AtomicU64,
    repeats: std::sync::atomic::AtomicU64,
}

#[cfg(feature = "nats")]
impl CallCounts {
    fn count(&self, repeat: bool) {
        let which = if repeat { &self.repeats } else { &self.calls };
        which.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

#[cfg(feature = "nats")]
impl std::fmt::Display for CallCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::sync::atomic::Ordering::Relaxed;
        write!(
            f,
            "calls: {} answered, {} repeated requests answered again from memory",
            self.calls.load(Relaxed),
            self.repeats.load(Relaxed)
        )
    }
}
