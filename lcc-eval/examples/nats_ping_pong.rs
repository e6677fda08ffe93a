//! Ping-pong over NATS between two processes: an LCC pinger (a `Node` in this
//! process) and an LCC ponger (a `Node` in a child process), against a plain
//! async-nats request-reply loop (requester here, responder in a child
//! process) measured the same way: round trips per second, p50/p99 round-trip
//! time, the first [`WARM_UP`] rounds (discovery, connection set-up) left out.
//!
//! `cargo run --release -p lcc-eval --features nats --example nats_ping_pong -- nats://127.0.0.1:4222 2000`
//! (the server needs JetStream: `nats-server -js`). The children are this
//! program run with a third argument, `ponger` or `responder`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lcc_eval::nats::{NatsAuth, NatsOptions, NatsTls, NatsTransport};
use lcc_eval::node::Node;
use lcc_eval::{Answer, Atom, Model, PeerSpec, Providers, Term};

const MODEL: &str = "
a(pinger(N), P) ::
  null <- N =< 0
  or ( null <- tick then ping => a(ponger, Q) then pong <= a(ponger, Q) then
       a(pinger(M), P) <- M is N - 1 )

a(ponger, Q) :: ping <= a(pinger(_), P) then pong => a(pinger(_), P) then a(ponger, Q)
";

/// Rounds left out of the figures.
const WARM_UP: usize = 20;

/// Round trips per second, p50 and p99 of the gaps between `times`, after the
/// warm-up.
fn report(name: &str, times: &[Instant]) {
    let times = &times[WARM_UP..];
    let mut rtts: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    rtts.sort();
    let total = times[times.len() - 1] - times[0];
    println!(
        "{name:<28} {:>9.0} round trips/s  p50 {:>7.1} µs  p99 {:>7.1} µs",
        rtts.len() as f64 / total.as_secs_f64(),
        rtts[rtts.len() / 2].as_secs_f64() * 1e6,
        rtts[rtts.len() * 99 / 100].as_secs_f64() * 1e6
    );
}

/// This program again, as a child process playing `part`.
fn child(url: &str, rounds: i64, part: &str) -> std::process::Child {
    std::process::Command::new(std::env::current_exe().expect("this program's path"))
        .args([url, &rounds.to_string(), part])
        .spawn()
        .expect("start the child process")
}

fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().unwrap_or_else(|| "nats://127.0.0.1:4222".into());
    let rounds: i64 = args.next().map_or(2000, |n| n.parse().expect("a number of rounds"));
    let options = NatsOptions {
        url: url.clone(),
        auth: NatsAuth::Anonymous,
        tls: NatsTls::default(),
        inbox_prefix: None,
        heartbeat: Duration::from_secs(1),
    };
    let parsed = lcc_syntax::parse(lcc_syntax::FileId(0), MODEL);
    let model = Model::lower(&parsed.model).expect("the model lowers");
    match args.next().as_deref() {
        Some("ponger") => {
            let mut ponger = Node::new(
                &model,
                Providers::with_builtins(),
                NatsTransport::connect(&options).unwrap(),
            );
            let me = PeerSpec {
                id: Atom::new("bench_ponger"),
                role: Term::atom("ponger"),
            };
            ponger.run(&me).unwrap();
            return;
        }
        Some("responder") => {
            tokio::runtime::Runtime::new().unwrap().block_on(async {
                let client = async_nats::connect(url.as_str()).await.unwrap();
                let mut echo = client.subscribe("bench.echo").await.unwrap();
                client.flush().await.unwrap();
                while let Some(m) = echo.next().await {
                    if let Some(reply) = m.reply {
                        let _ = client.publish(reply, "pong".into()).await;
                    }
                }
            });
            return;
        }
        Some(other) => panic!("unknown part `{other}` (ponger or responder)"),
        None => {}
    }

    let mut ponger = child(&url, rounds, "ponger");
    let ticks: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let mut providers = Providers::with_builtins();
    let recorded = ticks.clone();
    providers.register_fn("tick", &[], "Records the time.", move |_| {
        recorded.lock().unwrap().push(Instant::now());
        Answer::yes()
    });
    let mut pinger = Node::new(&model, providers, NatsTransport::connect(&options).unwrap());
    let me = PeerSpec {
        id: Atom::new("bench_pinger"),
        role: Term::app("pinger", vec![Term::Int(rounds)]),
    };
    let run = pinger.run(&me).unwrap();
    assert_eq!(run.end, lcc_eval::node::NodeEnd::Finished);
    let _ = ponger.kill();
    let _ = ponger.wait();
    let mut times = ticks.lock().unwrap().clone();
    times.push(Instant::now());
    report("LCC ping-pong (JetStream)", &times);

    let mut responder = child(&url, rounds, "responder");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let times = runtime.block_on(async {
        let client = async_nats::connect(url.as_str()).await.unwrap();
        // Wait for the responder to subscribe.
        while client.request("bench.echo", "ping".into()).await.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut times = vec![Instant::now()];
        for _ in 0..rounds {
            client.request("bench.echo", "ping".into()).await.unwrap();
            times.push(Instant::now());
        }
        times
    });
    let _ = responder.kill();
    let _ = responder.wait();
    report("async-nats request-reply", &times);
}
