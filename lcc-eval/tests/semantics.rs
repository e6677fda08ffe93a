//! The semantics of the language brief, one small model each: calls and their
//! bindings, committed choice, selective and guarded receive, addressing by role
//! name, the role directory, `par`, canonical states, explicit choices, pending
//! answers and the threaded runtime.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use lcc_eval::{
    Answer, Atom, Choice, Context, ErrorKind, Event, Model, Outcome, PeerSpec, Pending, Providers, RunEnd, Runtime,
    Sources, State, Term, Wait, enabled, step,
};
use lcc_syntax::ast::Mode;

fn model(text: &str) -> Model {
    common::model(&mut Sources::new(), "m.lcc", text)
}

fn peers(list: &[(&str, &str)]) -> Vec<PeerSpec> {
    list.iter()
        .map(|(id, role)| PeerSpec {
            id: Atom::new(id),
            role: lcc_eval::facts::parse_term(role).unwrap(),
        })
        .collect()
}

fn run(text: &str, list: &[(&str, &str)]) -> lcc_eval::Run {
    let m = model(text);
    Runtime::new(&m, Providers::with_builtins()).run(&peers(list)).unwrap()
}

fn received(run: &lcc_eval::Run) -> Vec<String> {
    run.trace
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Received { to, message, .. } => Some(format!("{}: {message}", to.id)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_call_returns_with_the_callee_bindings_visible() {
    let r = run(
        "a(main, I) :: a(compute(X), I) then null <- X == 42\n a(compute(Y), I) :: null <- Y = 42",
        &[("p", "main")],
    );
    assert_eq!(r.end, RunEnd::Finished);
}

#[test]
fn committed_choice_takes_the_first_alternative_that_can_fire() {
    let r = run(
        "a(r, I) :: (null <- fail) or (null <- true) or (null <- true)",
        &[("p", "r")],
    );
    assert_eq!(r.end, RunEnd::Finished);
    let chosen: Vec<usize> = r
        .trace
        .entries
        .iter()
        .filter_map(|e| match e.event {
            Event::AlternativeChosen { index, .. } => Some(index),
            _ => None,
        })
        .collect();
    assert_eq!(chosen, [1]);
}

#[test]
fn a_choice_waits_until_an_alternative_can_fire() {
    let r = run(
        "a(s, S) :: m2 => a(r, R)\n a(r, R) :: (m1 <= a(s, S)) or (m2 <= a(s, S))",
        &[("receiver", "r"), ("sender", "s")],
    );
    assert_eq!(r.end, RunEnd::Finished);
    assert_eq!(received(&r), ["receiver: m2"]);
}

#[test]
fn all_alternatives_failed_is_stuck() {
    let r = run("a(r, I) :: (null <- fail) or (null <- 1 > 2)", &[("p", "r")]);
    let RunEnd::Stuck(report) = r.end else { panic!() };
    assert_eq!(report.peers[0].waits.len(), 2);
    assert!(report.peers[0].waits.iter().all(|w| matches!(w, Wait::Failed { .. })));
}

#[test]
fn receive_takes_the_oldest_matching_message() {
    let r = run(
        "a(s, S) :: b(1) => a(r, R) then a(1) => a(r, R) then a(2) => a(r, R)\n\
         a(r, R) :: a(X) <= a(s, S) then a(Y) <= a(s, S) then b(Z) <= a(s, S)",
        &[("sender", "s"), ("receiver", "r")],
    );
    assert_eq!(r.end, RunEnd::Finished);
    assert_eq!(received(&r), ["receiver: a(1)", "receiver: a(2)", "receiver: b(1)"]);
}

#[test]
fn a_guarded_receive_takes_the_oldest_message_that_satisfies_it() {
    for receive in ["m(X) <= a(s, S) <- X > 1", "X > 1 <- m(X) <= a(s, S)"] {
        let r = run(
            &format!("a(s, S) :: m(1) => a(r, R) then m(2) => a(r, R)\n a(r, R) :: {receive}"),
            &[("sender", "s"), ("receiver", "r")],
        );
        assert_eq!(r.end, RunEnd::Finished, "{receive}");
        assert_eq!(received(&r), ["receiver: m(2)"]);
        // m(1) was not consumed: it is left in the inbox.
        assert_eq!(r.state.messages().count(), 1);
    }
}

#[test]
fn a_guarded_receive_consumes_nothing_when_no_message_satisfies_it() {
    let r = run(
        "a(s, S) :: m(1) => a(r, R)\n a(r, R) :: m(X) <= a(s, S) <- X > 5",
        &[("sender", "s"), ("receiver", "r")],
    );
    let RunEnd::Stuck(report) = &r.end else {
        panic!("{:?}", r.end)
    };
    assert!(matches!(report.peers[0].waits[0], Wait::Message { rejected: 1, .. }));
    assert_eq!(r.state.messages().count(), 1);
}

#[test]
fn a_send_whose_constraint_fails_sends_nothing() {
    let r = run(
        "a(s, S) :: m => a(r, R) <- fail\n a(r, R) :: null",
        &[("sender", "s"), ("receiver", "r")],
    );
    assert!(matches!(r.end, RunEnd::Stuck(_)));
    assert!(r.trace.messages().is_empty());
}

#[test]
fn senders_match_by_role_name_not_arguments() {
    let r = run(
        "a(underloaded(C), I) :: offer(C) => a(overloaded, J)\n a(overloaded, J) :: offer(X) <= a(underloaded, I)",
        &[("u", "underloaded(10)"), ("o", "overloaded")],
    );
    assert_eq!(r.end, RunEnd::Finished);
    assert_eq!(received(&r), ["o: offer(10)"]);
}

#[test]
fn a_send_to_a_role_nobody_plays_waits_and_is_reported_with_its_span() {
    let mut sources = Sources::new();
    let text = "a(s, S) ::\n  m => a(nobody, R)\n";
    let m = common::model(&mut sources, "m.lcc", text);
    let r = Runtime::new(&m, Providers::with_builtins())
        .run(&peers(&[("p", "s")]))
        .unwrap();
    let RunEnd::Stuck(report) = r.end else { panic!() };
    assert_eq!(
        report.render(&sources),
        "peer `p` (playing s) is stuck:\n  m.lcc:2:3: waits to send to a(nobody, _): no peer plays `nobody`\n      at `m => a(nobody, R)`\n"
    );
}

#[test]
fn the_deadlock_report_shows_messages_addressed_to_another_role() {
    let mut sources = Sources::new();
    let text =
        "a(client, C) :: hello => a(server, s)\na(server, S) :: a(busy, S)\na(busy, S) :: hello <= a(client, C)\n";
    let m = common::model(&mut sources, "m.lcc", text);
    let r = Runtime::new(&m, Providers::with_builtins())
        .run(&peers(&[("c", "client"), ("s", "server")]))
        .unwrap();
    let RunEnd::Stuck(report) = r.end else { panic!() };
    assert_eq!(
        report.render(&sources),
        "peer `s` (playing busy) is stuck:\n  m.lcc:3:15: waits for `hello` from a(client, _0)\n      at `hello <= a(client, C)`\n  \
         inbox: `hello` from a(client, c) for role `server` (the peer plays busy, so it cannot receive it now)\n"
    );
}

#[test]
fn unbound_recipients_pick_the_lowest_id_and_bind_it() {
    let r = run(
        "a(s, S) :: m => a(r, R) then n => a(r, R)\n a(r, R) :: m <= a(s, S) then n <= a(s, S)",
        &[("sender", "s"), ("r2", "r"), ("r1", "r")],
    );
    let RunEnd::Stuck(report) = &r.end else {
        panic!("{:?}", r.end)
    };
    // Both messages went to r1 (lowest Id); r2 still waits.
    assert_eq!(report.peers.len(), 1);
    assert_eq!(report.peers[0].peer, Atom::new("r2"));
}

#[test]
fn par_runs_both_sides() {
    let r = run(
        "a(s, S) :: (m1 => a(r, R)) par (m2 => a(r, R2) <- R2 = R)\n a(r, R) :: m2 <= a(s, S) then m1 <= a(s, S)",
        &[("sender", "s"), ("receiver", "r")],
    );
    assert_eq!(r.end, RunEnd::Finished, "{:?}", r.end);
}

#[test]
fn peers_lists_the_players_of_a_role() {
    let r = run(
        "a(m, M) :: null <- peers(w, Ws) and Ws == [w1, w2] then bye => a(w, w1) then bye => a(w, w2)\n\
         a(w, W) :: bye <= a(m, M)",
        &[("w2", "w"), ("w1", "w"), ("boss", "m")],
    );
    assert_eq!(r.end, RunEnd::Finished);
}

#[test]
fn builtins_and_connectives_in_constraints() {
    let r = run(
        "a(r, I) :: null <- append(X, [c], [a, b, c]) and length(X, 2) and nth(2, X, b) \
         and sum([1, 2, 3.5], S) and S > 6 and max([3, 9, 4], 9) and min([3, 9, 4], 3) \
         and not member(z, X) and (member(q, X) or X \\= []) and Y is 7 mod 3 and Y == 1 and [a | T] = X and T != []",
        &[("p", "r")],
    );
    assert_eq!(r.end, RunEnd::Finished, "{:?}", r.end);
}

#[test]
fn equal_states_reached_in_different_orders_are_equal_and_hash_equal() {
    use std::hash::{BuildHasher, RandomState};
    let m = model("a(r, I) :: null <- X = f(Y) then null <- Z = g(X)");
    let providers = Providers::with_builtins();
    let ctx = Context::new(&providers);
    let (s0, _) = State::start(&m, &peers(&[("p", "r"), ("q", "r")])).unwrap();
    let fire = |s: &State, p| match step(&m, s, &Choice::peer(p), &ctx).unwrap() {
        Outcome::Fired(f) => f.state,
        _ => panic!("blocked"),
    };
    let a = fire(&fire(&s0, 0), 1);
    let b = fire(&fire(&s0, 1), 0);
    assert_eq!(a, b);
    let h = RandomState::new();
    assert_eq!(h.hash_one(&a), h.hash_one(&b));
    assert_ne!(a, s0);
}

#[test]
fn enabled_lists_every_pick_and_every_constraint_outcome() {
    let m = model("a(s, S) :: (m => a(r, R) <- maybe) or (null <- true)\n a(r, R) :: m <= a(s, S)");
    let mut providers = Providers::with_builtins();
    providers.register_fn("maybe", &[], "Either way.", |_| {
        Answer::OneOf(vec![Answer::yes(), Answer::Failed])
    });
    let ctx = Context::new(&providers);
    let (s0, _) = State::start(&m, &peers(&[("s", "s"), ("r1", "r"), ("r2", "r")])).unwrap();
    let fired = enabled(&m, &s0, &ctx).unwrap();
    let mut choices: Vec<String> = fired.iter().map(|f| format!("{:?}", f.choice)).collect();
    choices.sort();
    assert_eq!(
        choices,
        [
            "Choice { peer: 0, path: Some([0]), pick: Some(1), outcomes: [] }",
            "Choice { peer: 0, path: Some([0]), pick: Some(2), outcomes: [] }",
            "Choice { peer: 0, path: Some([1]), pick: None, outcomes: [1] }",
        ]
    );
    // A later alternative is not enabled while an earlier one can fire.
    let later = step(
        &m,
        &s0,
        &Choice {
            path: Some(vec![1]),
            ..Choice::peer(0)
        },
        &ctx,
    )
    .unwrap();
    assert!(matches!(later, Outcome::Disabled(_)));
    let err = step(&m, &s0, &Choice::peer(7), &ctx).unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadChoice);
}

#[test]
fn replaying_the_choices_of_a_trace_reproduces_the_run() {
    let (run, _) = common::run_stdlib("stdlib/examples/auction.lcc", "stdlib/facts/auction.pl", None, None);
    let mut sources = Sources::new();
    let root = common::root();
    let m = common::model(
        &mut sources,
        "a.lcc",
        &std::fs::read_to_string(root.join("stdlib/examples/auction.lcc")).unwrap(),
    );
    let providers = common::providers(
        &mut sources,
        "a.pl",
        &std::fs::read_to_string(root.join("stdlib/facts/auction.pl")).unwrap(),
    )
    .unwrap();
    let ctx = Context::new(&providers);
    let (mut state, _) = State::start(&m, &lcc_eval::default_peers(&m)).unwrap();
    for choice in &run.trace.choices {
        match step(&m, &state, choice, &ctx).unwrap() {
            Outcome::Fired(f) => state = f.state,
            _ => panic!("a recorded choice must fire"),
        }
    }
    assert_eq!(state, run.state);
}

#[test]
fn a_pending_answer_wakes_its_peer_when_resolved() {
    let m = model("a(r, I) :: null <- slow(X) then null <- X == done");
    let mut providers = Providers::with_builtins();
    providers.register_fn("slow", &[Mode::Out], "Answers later.", |_| {
        let (pending, resolver) = Pending::new();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            resolver.resolve(Answer::solution(vec![Term::atom("done")]));
        });
        Answer::Pending(pending)
    });
    let r = Runtime::new(&m, providers).run(&peers(&[("p", "r")])).unwrap();
    assert_eq!(r.end, RunEnd::Finished);
    let outcomes: Vec<&str> = r
        .trace
        .entries
        .iter()
        .filter_map(|e| match e.event {
            Event::Answered { outcome, .. } => Some(outcome),
            _ => None,
        })
        .collect();
    assert_eq!(outcomes, ["pending", "succeeded"]);
}

#[test]
fn a_pending_call_survives_steps_of_the_other_par_branch() {
    // The left branch waits for `slow`; meanwhile the right branch takes several
    // steps. Its firings must not drop the left branch's pending call, or the
    // answer would have nowhere to go and the peer would wait for ever.
    let m = model(
        "a(r, I) :: (null <- slow(X) then null <- X == done) par (null <- tick(1) then null <- tick(2) then null <- tick(3))",
    );
    for seed in 0..8 {
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = calls.clone();
        let mut providers = Providers::with_builtins();
        providers.register_fn("slow", &[Mode::Out], "Answers later.", move |_| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let (pending, resolver) = Pending::new();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                resolver.resolve(Answer::solution(vec![Term::atom("done")]));
            });
            Answer::Pending(pending)
        });
        providers.register_fn("tick", &[Mode::In], "Succeeds at once.", |_| Answer::yes());
        let r = Runtime::new(&m, providers)
            .seed(seed)
            .run(&peers(&[("p", "r")]))
            .unwrap();
        assert_eq!(r.end, RunEnd::Finished, "seed {seed}");
        assert_eq!(
            calls.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "seed {seed}: `slow` was called again"
        );
    }
}

#[test]
fn a_pending_answer_belongs_to_the_call_that_asked_for_it() {
    // Both par branches call `slow(X)` with the same arguments from different
    // places. The left branch's answered call stays pending because `gate` keeps
    // it from firing; the looping right branch must ask for each of its own
    // answers, not reuse the left one's for ever.
    let m = model(
        "a(r, I) :: (null <- slow(X) and gate(X)) par a(spin, I)\n\
         a(spin, I) :: null <- slow(Y) then null <- next(K) then (null <- K >= 3 or a(spin, I))",
    );
    let spin_calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = spin_calls.clone();
    let mut providers = Providers::with_builtins();
    providers.register_call("slow", &[Mode::Out], "Answers later.", move |call| {
        if call.role.to_string() == "spin" {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        let (pending, resolver) = Pending::new();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            resolver.resolve(Answer::solution(vec![Term::atom("done")]));
        });
        Answer::Pending(pending)
    });
    providers.register_fn("gate", &[Mode::In], "Closed.", |_| Answer::Failed);
    let next = Arc::new(std::sync::atomic::AtomicI64::new(0));
    providers.register_fn("next", &[Mode::Out], "Counts its calls.", move |_| {
        let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        Answer::solution(vec![Term::Int(k)])
    });
    let r = Runtime::new(&m, providers).run(&peers(&[("p", "r")])).unwrap();
    assert!(
        matches!(r.end, RunEnd::Stuck(_)),
        "the left branch never fires: {:?}",
        r.end
    );
    assert_eq!(
        spin_calls.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "one call of its own per loop"
    );
}

#[test]
fn the_threaded_runtime_overlaps_slow_constraints() {
    let m = model("a(r, I) :: null <- io(100) then null <- io(100)");
    let mut providers = Providers::with_builtins();
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = calls.clone();
    providers.register_fn("io", &[Mode::In], "Blocks for the given milliseconds.", move |args| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let Term::Int(ms) = args[0] else {
            return Answer::Error("ms".into());
        };
        std::thread::sleep(Duration::from_millis(ms as u64));
        Answer::yes()
    });
    let list = peers(&[("p1", "r"), ("p2", "r"), ("p3", "r"), ("p4", "r")]);
    let started = Instant::now();
    let r = Runtime::threaded(&m, providers, 4).run(&list).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(r.end, RunEnd::Finished);
    assert_eq!(
        calls.load(std::sync::atomic::Ordering::SeqCst),
        8,
        "each call runs once"
    );
    // Eight 100 ms calls on four workers: about 200 ms, not 800 ms.
    assert!(elapsed < Duration::from_millis(600), "took {elapsed:?}");
}

/// Providers with `io(Ms)`, a constraint that blocks its thread for `Ms`
/// milliseconds (as a libvirt migration would), counting its calls.
fn blocking_io() -> (Providers, Arc<std::sync::atomic::AtomicUsize>) {
    let mut providers = Providers::with_builtins();
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = calls.clone();
    providers.register_fn("io", &[Mode::In], "Blocks for the given milliseconds.", move |args| {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let Term::Int(ms) = args[0] else {
            return Answer::Error("ms".into());
        };
        std::thread::sleep(Duration::from_millis(ms as u64));
        Answer::yes()
    });
    (providers, calls)
}

#[test]
fn no_slow_constraint_waits_for_another_whatever_the_pool_size() {
    let m = model("a(r, I) :: null <- io(200)");
    let (providers, calls) = blocking_io();
    let ids: Vec<String> = (1..=8).map(|i| format!("p{i}")).collect();
    let list: Vec<(&str, &str)> = ids.iter().map(|id| (id.as_str(), "r")).collect();
    let started = Instant::now();
    // One worker to start with: the pool grows so that all eight calls overlap.
    let r = Runtime::threaded(&m, providers, 1).run(&peers(&list)).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(r.end, RunEnd::Finished);
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 8);
    // Eight 200 ms calls at once: about 200 ms, not 1.6 s (slack for a loaded machine).
    assert!(elapsed < Duration::from_millis(700), "took {elapsed:?}");
}

#[test]
fn peers_keep_stepping_while_others_wait_for_slow_constraints() {
    let m = model(
        "a(slow, I) :: null <- io(500)
         a(pinger(N), P) :: null <- N =< 0 or (ping => a(ponger, Q) then pong <= a(ponger, Q) then a(pinger(M), P) <- M is N - 1)
         a(ponger, Q) :: ping <= a(pinger(_), P) then pong => a(pinger(_), P) then a(ponger, Q)",
    );
    let (providers, _) = blocking_io();
    let list = peers(&[("s1", "slow"), ("s2", "slow"), ("a", "pinger(200)"), ("b", "ponger")]);
    let started = Instant::now();
    let r = Runtime::threaded(&m, providers, 1).run(&list).unwrap();
    // The ponger waits for a ping that never comes: the run ends stuck, after the I/O.
    assert!(matches!(r.end, RunEnd::Stuck(_)), "{:?}", r.end);
    assert!(started.elapsed() >= Duration::from_millis(500));
    let position = |wanted: &dyn Fn(&Event) -> bool| r.trace.entries.iter().position(|e| wanted(&e.event));
    let last_pong = r
        .trace
        .entries
        .iter()
        .rposition(|e| matches!(&e.event, Event::Received { to, .. } if to.id == Atom::new("a")))
        .expect("pongs received");
    let first_io_answer = position(&|e| {
        matches!(
            e,
            Event::Answered {
                outcome: "succeeded",
                ..
            }
        )
    })
    .expect("the slow constraints answer");
    // All 200 round trips happened while both slow calls were still running.
    assert_eq!(
        r.trace
            .entries
            .iter()
            .filter(|e| matches!(&e.event, Event::Received { to, .. } if to.id == Atom::new("a")))
            .count(),
        200
    );
    assert!(
        last_pong < first_io_answer,
        "pong {last_pong}, answer {first_io_answer}"
    );
}

#[test]
fn a_run_without_a_trace_ends_in_the_same_state_and_report() {
    // The looping role makes fresh variables before it waits: a run that records
    // no trace steps without renumbering, and still reports canonical terms.
    let m = model(
        "a(w(0), I) :: got(X, Y, X) <= a(s, J) <- member(Y, [a, b]) and not(X == c)
         a(w(N), I) :: a(w(M), I) <- M is N - 1
         a(s, J) :: got(c, d, c) => a(w(0), K)",
    );
    let list = [("p", "w(5)"), ("q", "s")];
    let traced = Runtime::new(&m, Providers::with_builtins()).run(&peers(&list)).unwrap();
    let lean = Runtime::new(&m, Providers::with_builtins())
        .record(false)
        .run(&peers(&list))
        .unwrap();
    let RunEnd::Stuck(report) = &traced.end else {
        panic!("{:?}", traced.end)
    };
    assert!(report.peers[0].waits[0].describe().contains("_0"), "{report:?}");
    assert_eq!(lean.end, traced.end);
    assert!(lean.state == traced.state);
    assert!(lean.trace.entries.is_empty());
}
