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
