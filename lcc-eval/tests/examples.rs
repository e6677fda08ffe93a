//! The stdlib example models, run with their facts files as their authors
//! describe, with snapshots of their traces (text) and sequence charts.

mod common;

use common::run_stdlib;
use lcc_eval::{RunEnd, msc};

fn snapshot(name: &str, model: &str, facts: &str, peers: Option<&str>, max_steps: Option<u64>) -> lcc_eval::Run {
    let (run, sources) = run_stdlib(model, facts, peers, max_steps);
    insta::assert_snapshot!(format!("{name}_trace"), run.trace.text(&sources));
    insta::assert_snapshot!(format!("{name}_mermaid"), msc::mermaid(&run.trace));
    run
}

fn sent(run: &lcc_eval::Run) -> Vec<String> {
    run.trace
        .messages()
        .into_iter()
        .map(|(f, t, m)| format!("{} -> {}: {m}", f.id, t.id))
        .collect()
}

#[test]
fn greeter_and_responder() {
    let run = snapshot(
        "greeter",
        "stdlib/examples/greeter.lcc",
        "stdlib/facts/greeter.pl",
        None,
        None,
    );
    let (_, sources) = run_stdlib("stdlib/examples/greeter.lcc", "stdlib/facts/greeter.pl", None, None);
    insta::assert_snapshot!("greeter_json", run.trace.json_lines(&sources));
    insta::assert_snapshot!("greeter_svg", msc::svg(&run.trace));
    assert_eq!(run.end, RunEnd::Finished);
    assert_eq!(
        sent(&run),
        [
            "greeter1 -> responder1: request(name)",
            "responder1 -> greeter1: inform('Ada')"
        ]
    );
}

#[test]
fn pinger_compares_two_responders() {
    let run = snapshot(
        "pinger",
        "stdlib/examples/pinger.lcc",
        "stdlib/facts/pinger.pl",
        None,
        None,
    );
    assert_eq!(run.end, RunEnd::Finished);
    let msgs = sent(&run);
    assert!(
        msgs.contains(&"pinger1 -> responder1: winner(responder2)".to_string()),
        "{msgs:?}"
    );
    assert!(
        msgs.contains(&"pinger1 -> responder2: winner(responder2)".to_string()),
        "{msgs:?}"
    );
}

#[test]
fn dining_philosophers_with_a_waiter() {
    let run = snapshot(
        "philosophers",
        "stdlib/examples/philosophers.lcc",
        "stdlib/facts/philosophers.pl",
        None,
        None,
    );
    assert_eq!(run.end, RunEnd::Finished, "{:?}", run.end);
    let msgs = sent(&run);
    // Three philosophers, two rounds each: sit, seated, rise; then bye.
    assert_eq!(msgs.iter().filter(|m| m.ends_with(": sit")).count(), 6);
    assert_eq!(msgs.iter().filter(|m| m.ends_with(": bye")).count(), 3);
}

#[test]
fn philosophers_finish_for_every_seed() {
    for seed in 0..20 {
        let mut sources = lcc_eval::Sources::new();
        let root = common::root();
        let text = std::fs::read_to_string(root.join("stdlib/examples/philosophers.lcc")).unwrap();
        let facts = std::fs::read_to_string(root.join("stdlib/facts/philosophers.pl")).unwrap();
        let model = common::model(&mut sources, "philosophers.lcc", &text);
        let providers = common::providers(&mut sources, "philosophers.pl", &facts).unwrap();
        let run = lcc_eval::Runtime::new(&model, providers)
            .seed(seed)
            .run(&lcc_eval::default_peers(&model))
            .unwrap();
        assert_eq!(run.end, RunEnd::Finished, "seed {seed}");
    }
}

#[test]
fn contract_net_awards_the_cheapest() {
    let run = snapshot(
        "contract_net",
        "stdlib/examples/contract-net.lcc",
        "stdlib/facts/contract-net.pl",
        None,
        None,
    );
    assert_eq!(run.end, RunEnd::Finished, "{:?}", run.end);
    let msgs = sent(&run);
    assert!(msgs.contains(&"manager1 -> contractor2: award".to_string()), "{msgs:?}");
    assert!(
        msgs.contains(&"manager1 -> contractor1: reject".to_string()),
        "{msgs:?}"
    );
}

#[test]
fn auction_sells_to_the_best_offer() {
    let run = snapshot(
        "auction",
        "stdlib/examples/auction.lcc",
        "stdlib/facts/auction.pl",
        None,
        None,
    );
    assert_eq!(run.end, RunEnd::Finished, "{:?}", run.end);
    let msgs = sent(&run);
    assert!(
        msgs.contains(&"auctioneer1 -> bidder3: result(bidder2, 150)".to_string()),
        "{msgs:?}"
    );
    assert!(msgs.contains(&"bidder3 -> auctioneer1: pass".to_string()), "{msgs:?}");
}

#[test]
fn published_load_balancing_policy_deadlocks_as_parsed() {
    // `A then (B) or (C)` is `(A then (B)) or (C)`: once getPeerState fires, idle
    // is committed to the overloaded branch, and an underloaded peer is stuck.
    let run = snapshot(
        "load_balancing_seed",
        "stdlib/seeds/load-balancing-published.lcc",
        "stdlib/facts/load-balancing.pl",
        Some("idle=pm1,pm2"),
        Some(100),
    );
    let RunEnd::Stuck(report) = &run.end else {
        panic!("{:?}", run.end)
    };
    let stuck: Vec<String> = report
        .peers
        .iter()
        .map(|p| format!("{}: {}", p.peer, p.waits[0].describe()))
        .collect();
    assert_eq!(
        stuck,
        [
            "pm1: waits to send to a(underloaded, _): no peer plays `underloaded`",
            "pm2: its constraint failed"
        ]
    );
}

#[test]
fn same_seed_same_trace_and_svg_is_well_formed() {
    let (a, _) = run_stdlib("stdlib/examples/auction.lcc", "stdlib/facts/auction.pl", None, None);
    let (b, _) = run_stdlib("stdlib/examples/auction.lcc", "stdlib/facts/auction.pl", None, None);
    assert_eq!(a.trace, b.trace);
    let svg = msc::svg(&a.trace);
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("class=\"head\"").count(), 4, "one lifeline per peer");
    assert_eq!(
        svg.matches("class=\"msg\"").count(),
        a.trace.messages().len(),
        "one arrow per message"
    );
}
