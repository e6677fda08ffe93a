//! Peers run as separate nodes over the in-memory transport end like the same
//! interaction run in one process; `after/1` gives timeouts.

mod common;

use std::time::{Duration, Instant};

use common::{model, providers, root, run_stdlib};
use lcc_eval::local::Hub;
use lcc_eval::node::{Node, NodeEnd, NodeRun};
use lcc_eval::{Atom, Model, PeerSpec, Providers, RunEnd, Runtime, Sources, Term, default_peers};

fn messages(runs: &[&lcc_eval::Trace]) -> Vec<String> {
    let mut out: Vec<String> = runs
        .iter()
        .flat_map(|t| t.messages())
        .map(|(f, t, m)| format!("{} -> {}: {m}", f.id, t.id))
        .collect();
    out.sort();
    out
}

/// Runs every peer of `peers` as a node on its own thread over one hub.
fn run_nodes(model: &Model, providers: &Providers, peers: &[PeerSpec], max: Duration) -> Vec<NodeRun> {
    let hub = Hub::new();
    std::thread::scope(|scope| {
        let handles: Vec<_> = peers
            .iter()
            .map(|spec| {
                let transport = hub.transport();
                scope.spawn(move || {
                    Node::new(model, providers.clone(), transport)
                        .max_time(max)
                        .run(spec)
                        .unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn greeter_over_nodes_ends_like_in_process() {
    let (in_process, _) = run_stdlib("stdlib/examples/greeter.lcc", "stdlib/facts/greeter.pl", None, None);
    assert_eq!(in_process.end, RunEnd::Finished);

    let mut sources = Sources::new();
    let text = std::fs::read_to_string(root().join("stdlib/examples/greeter.lcc")).unwrap();
    let facts = std::fs::read_to_string(root().join("stdlib/facts/greeter.pl")).unwrap();
    let model = model(&mut sources, "greeter.lcc", &text);
    let providers = providers(&mut sources, "greeter.pl", &facts).unwrap();
    let runs = run_nodes(&model, &providers, &default_peers(&model), Duration::from_secs(20));
    for run in &runs {
        assert_eq!(run.end, NodeEnd::Finished);
        assert_eq!(run.state.peer(0).inbox().count(), 0);
    }
    let traces: Vec<_> = runs.iter().map(|r| &r.trace).collect();
    assert_eq!(messages(&traces), messages(&[&in_process.trace]));
}

const TIMEOUT: &str = "
a(asker, A) ::
  question => a(answerer, B) then
  ( reply(X) <= a(answerer, B) or (null <- after(300) then gave_up => a(asker, A)) )

a(answerer, B) ::
  question <= a(asker, A) then null <- fail
";

/// The answerer never replies: the asker's `after` alternative fires once its
/// time has passed, both in one process and as nodes.
#[test]
fn after_times_out() {
    let mut sources = Sources::new();
    let model = model(&mut sources, "timeout.lcc", TIMEOUT);
    let peers = [
        PeerSpec {
            id: Atom::new("a1"),
            role: Term::atom("asker"),
        },
        PeerSpec {
            id: Atom::new("b1"),
            role: Term::atom("answerer"),
        },
    ];
    let started = Instant::now();
    let run = Runtime::new(&model, Providers::with_builtins()).run(&peers).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    let sent = messages(&[&run.trace]);
    assert_eq!(sent, ["a1 -> a1: gave_up", "a1 -> b1: question"]);

    let started = Instant::now();
    let runs = run_nodes(&model, &Providers::with_builtins(), &peers, Duration::from_secs(2));
    assert!(started.elapsed() >= Duration::from_millis(300));
    // The answerer is stuck (its constraint fails): the node waits until its limit.
    assert!(matches!(runs[1].end, NodeEnd::Limit(_)), "{:?}", runs[1].end);
    assert_eq!(runs[0].end, NodeEnd::Finished);
    assert_eq!(
        runs[0].state.peer(0).inbox().count(),
        1,
        "gave_up is left in the asker's inbox"
    );
    assert_eq!(messages(&[&runs[0].trace, &runs[1].trace]), sent);
}

/// A message that arrives before the timer fires wins the committed choice.
#[test]
fn a_reply_beats_the_timer() {
    let text = TIMEOUT.replace(
        "question <= a(asker, A) then null <- fail",
        "question <= a(asker, A) then reply(1) => a(asker, A)",
    );
    let mut sources = Sources::new();
    let model = model(&mut sources, "reply.lcc", &text);
    let peers = [
        PeerSpec {
            id: Atom::new("a1"),
            role: Term::atom("asker"),
        },
        PeerSpec {
            id: Atom::new("b1"),
            role: Term::atom("answerer"),
        },
    ];
    let run = Runtime::new(&model, Providers::with_builtins()).run(&peers).unwrap();
    assert_eq!(run.end, RunEnd::Finished);
    assert_eq!(messages(&[&run.trace]), ["a1 -> b1: question", "b1 -> a1: reply(1)"]);
}

const TWO_SENDERS: &str = "
a(sender, S) :: hello(S) => a(receiver, r1)
a(receiver, R) :: hello(X) <= a(sender, A) then hello(Y) <= a(sender, B) then got(X, Y) => a(sender, A)
";

/// Conducted nodes given the turns of an in-process run's attempts (as
/// `lcc datacentre --schedule` gives them) take the same steps: the receiver
/// gets the two hellos in the order the seeded runtime delivered them.
#[test]
fn conducted_nodes_follow_an_in_process_run() {
    use lcc_eval::conduct::{Turn, TurnReport};
    use std::collections::HashMap;
    use std::sync::{Mutex, mpsc};

    let mut sources = Sources::new();
    let model = model(&mut sources, "two_senders.lcc", TWO_SENDERS);
    let providers = Providers::with_builtins();
    let spec = |id: &str, role: &str| PeerSpec {
        id: Atom::new(id),
        role: Term::atom(role),
    };
    let peers = [spec("s1", "sender"), spec("s2", "sender"), spec("r1", "receiver")];
    let mut orders = Vec::new();
    for seed in 0..6 {
        let attempts = Mutex::new(Vec::new());
        let run = Runtime::new(&model, providers.clone())
            .seed(seed)
            .on_attempt(|peer, fired| attempts.lock().unwrap().push((peer, fired)))
            .run(&peers)
            .unwrap();
        let received = |trace: &lcc_eval::Trace| {
            trace
                .entries
                .iter()
                .map(|e| format!("{:?}", e.event))
                .filter(|e| e.starts_with("Received") && e.contains("hello"))
                .count()
        };
        assert_eq!(received(&run.trace), 2);
        let in_process = messages(&[&run.trace]);
        // `got(X, Y)`: the senders in the order the receiver took their hellos.
        let got = |trace: &lcc_eval::Trace| {
            trace
                .messages()
                .into_iter()
                .find(|(_, _, m)| m.starts_with("got"))
                .map(|(_, _, m)| m)
        };
        let expected = got(&run.trace).expect("the receiver answers");

        // The same run, each peer a conducted node over one hub.
        let hub = Hub::new();
        let (reports_tx, reports) = mpsc::channel::<(Atom, TurnReport)>();
        let conducted = std::thread::scope(|scope| {
            let mut turns = HashMap::new();
            let mut stops = Vec::new();
            let mut handles = Vec::new();
            for p in &peers {
                let tx = reports_tx.clone();
                let id = p.id;
                let mut node = Node::new(&model, providers.clone(), hub.transport())
                    .max_time(Duration::from_secs(20))
                    .conducted(move |report| tx.send((id, report)).unwrap());
                turns.insert(p.id, node.turn_handle());
                stops.push(node.stop_handle());
                handles.push(scope.spawn(move || node.run(p).unwrap()));
            }
            let ask = |peer: Atom, turn: Turn| {
                turns[&peer].turn(turn);
                let (from, report) = reports.recv_timeout(Duration::from_secs(10)).expect("a report");
                assert_eq!(from, peer);
                report
            };
            let mut directory = Vec::new();
            for p in &peers {
                let TurnReport::Hello { roles } = ask(p.id, Turn::Hello) else {
                    panic!("hello expected")
                };
                directory.push((p.id.name().to_string(), roles));
            }
            let mut queued: HashMap<String, Vec<String>> = HashMap::new();
            for (peer, fired) in attempts.into_inner().unwrap() {
                let arrived = queued.remove(peer.name()).unwrap_or_default();
                let turn = Turn::Step {
                    peers: directory.clone(),
                    arrived,
                };
                let TurnReport::Stepped {
                    fired: did,
                    roles,
                    sent,
                } = ask(peer, turn)
                else {
                    panic!("a step report expected")
                };
                assert_eq!(did, fired, "seed {seed}: {peer}");
                let at = directory.iter().position(|(id, _)| id == peer.name()).unwrap();
                directory[at].1 = roles;
                for (to, id) in sent {
                    queued.entry(to).or_default().push(id);
                }
            }
            for stop in stops {
                stop.stop("the schedule is over");
            }
            handles.into_iter().map(|h| h.join().unwrap()).collect::<Vec<_>>()
        });
        for run in &conducted {
            assert_eq!(run.end, NodeEnd::Finished, "seed {seed}");
        }
        let traces: Vec<_> = conducted.iter().map(|r| &r.trace).collect();
        assert_eq!(messages(&traces), in_process, "seed {seed}");
        let answered: Vec<_> = traces.iter().filter_map(|t| got(t)).collect();
        assert_eq!(answered, std::slice::from_ref(&expected), "seed {seed}");
        orders.push(expected);
    }
    orders.sort();
    orders.dedup();
    assert_eq!(
        orders.len(),
        2,
        "the seeds deliver the hellos in both orders: {orders:?}"
    );
}
