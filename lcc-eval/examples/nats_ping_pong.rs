//! Ping-pong over NATS: an LCC pinger and ponger, each a `Node` with its own
//! connection to a NATS server, against a plain async-nats request-reply loop
//! measured the same way (round trips per second, p50/p99 round-trip time).
//!
//! `cargo run --release -p lcc-eval --features nats --example nats_ping_pong -- nats://127.0.0.1:4222 2000`
//! (the server needs JetStream: `nats-server -js`).

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

/// Round trips per second, p50 and p99 of the gaps between `times`.
fn report(name: &str, times: &[Instant]) {
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
    let ticks: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let mut providers = Providers::with_builtins();
    let recorded = ticks.clone();
    providers.register_fn("tick", &[], "Records the time.", move |_| {
        recorded.lock().unwrap().push(Instant::now());
        Answer::yes()
    });
    let ponger = Node::new(&model, providers.clone(), NatsTransport::connect(&options).unwrap());
    let mut pinger = Node::new(&model, providers.clone(), NatsTransport::connect(&options).unwrap());
    std::thread::scope(|scope| {
        let mut ponger = ponger;
        let stop = ponger.stop_handle();
        scope.spawn(move || {
            let me = PeerSpec {
                id: Atom::new("bench_ponger"),
                role: Term::atom("ponger"),
            };
            ponger.run(&me).unwrap()
        });
        let me = PeerSpec {
            id: Atom::new("bench_pinger"),
            role: Term::app("pinger", vec![Term::Int(rounds)]),
        };
        let run = pinger.run(&me).unwrap();
        assert_eq!(run.end, lcc_eval::node::NodeEnd::Finished);
        stop.stop("the end of the benchmark");
    });
    let mut times = ticks.lock().unwrap().clone();
    times.push(Instant::now());
    report("LCC ping-pong (JetStream)", &times);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let times = runtime.block_on(async {
        let client = async_nats::connect(url.as_str()).await.unwrap();
        let mut echo = client.subscribe("bench.echo").await.unwrap();
        let responder = client.clone();
        tokio::spawn(async move {
            while let Some(m) = echo.next().await {
                if let Some(reply) = m.reply {
                    let _ = responder.publish(reply, "pong".into()).await;
                }
            }
        });
        let mut times = vec![Instant::now()];
        for _ in 0..rounds {
            client.request("bench.echo", "ping".into()).await.unwrap();
            times.push(Instant::now());
        }
        times
    });
    report("async-nats request-reply", &times);
}
