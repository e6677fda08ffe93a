//! Failures over a real NATS server on loopback: a partner killed mid-negotiation
//! (the asker recovers through an `after` timeout), the server killed and
//! restarted mid-run (no message lost), a peer killed with messages in its inbox
//! and restarted (it receives each exactly once), a restarted sender's messages
//! not taken for duplicates of its earlier run's, and a clean stop on SIGTERM
//! (within 5 s even when the server is gone).

#![cfg(feature = "nats")]

mod nats_support;

use std::process::Command;
use std::time::Duration;

use nats_support::{Raw, Server, finish, peer, temp_model};

const ASK: &str = "
a(asker, A) ::
  question => a(answerer, B) then
  ( reply(X) <= a(answerer, B) or (null <- after(2000) then gave_up => a(asker, A)) )

a(answerer, B) ::
  question <= a(asker, A) then null <- after(1500) then reply(42) => a(asker, A)
";

const LIMIT: [&str; 2] = ["--max-time", "30"];

#[test]
fn killed_partner_is_survived_through_a_timeout() {
    let model = temp_model("killed", ASK);
    let server = Server::start("killed");
    let mut answerer = peer(&model, "b1", "answerer", &server.url, &LIMIT);
    let asker = peer(&model, "a1", "asker", &server.url, &LIMIT);
    // The answerer has the question and waits 1.5 s before replying: kill it.
    std::thread::sleep(Duration::from_millis(700));
    answerer.kill().unwrap();
    let _ = answerer.wait();
    let out = finish(asker, Duration::from_secs(40));
    let trace = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(trace.contains("sends gave_up to a(asker, a1)"), "{trace}");
    assert!(!trace.contains("receives reply"), "{trace}");
}

#[test]
fn server_restart_loses_no_message() {
    let model = temp_model("restart", ASK.replace("after(2000)", "after(20000)").as_str());
    let mut server = Server::start("restart");
    let answerer = peer(&model, "b1", "answerer", &server.url, &LIMIT);
    let asker = peer(&model, "a1", "asker", &server.url, &LIMIT);
    // The question is through; the reply is sent at 1.5 s, while the server is down.
    std::thread::sleep(Duration::from_millis(1000));
    server.kill();
    std::thread::sleep(Duration::from_millis(1500));
    server.start_again();
    for (name, child) in [("answerer", answerer), ("asker", asker)] {
        let out = finish(child, Duration::from_secs(40));
        let trace = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        if name == "asker" {
            assert!(trace.contains("receives reply(42) from a(answerer, b1)"), "{trace}");
        }
    }
}

#[test]
fn sigterm_stops_a_peer_cleanly() {
    let model = temp_model("sigterm", ASK);
    let server = Server::start("sigterm");
    let answerer = peer(&model, "b1", "answerer", &server.url, &LIMIT);
    std::thread::sleep(Duration::from_millis(500));
    let killed = Command::new("kill")
        .args(["-TERM", &answerer.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = finish(answerer, Duration::from_secs(10));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("stopped by SIGTERM"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("enters role answerer"));
}

#[test]
fn sigterm_stops_a_peer_whose_server_is_gone() {
    let model = temp_model("sigterm-gone", ASK);
    let mut server = Server::start("sigterm-gone");
    let answerer = peer(&model, "b1", "answerer", &server.url, &LIMIT);
    std::thread::sleep(Duration::from_millis(500));
    server.kill();
    std::thread::sleep(Duration::from_millis(300));
    let killed = Command::new("kill")
        .args(["-TERM", &answerer.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = std::time::Instant::now();
    let out = finish(answerer, Duration::from_secs(15));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("announce: the server did not confirm within 5 s"),
        "{stderr}"
    );
}

/// Three messages reach the collector's process while it waits 4 s before
/// receiving anything (a step fires at 1.5 s with them in its inbox, which must
/// not settle them); it is killed (SIGKILL) at about 2.4 s and restarted with
/// the same Id. After the three it waits a second for a fourth (a duplicate)
/// that must not come.
const COLLECT: &str = "
a(sender, S) :: m(1) => a(collector, C) then m(2) => a(collector, C) then m(3) => a(collector, C)

a(collector, C) ::
  null <- after(1500) then null <- after(2500) then
  m(X) <= a(sender, S) then m(Y) <= a(sender, S) then m(Z) <= a(sender, S) then
  ( m(W) <= a(sender, S) or null <- after(1000) )
";

/// How many messages the server has handed to consumer `peer_ID` that it has
/// not acknowledged.
fn unacknowledged(server: &Server, id: &str) -> u64 {
    let mut raw = Raw::connect(&server.url, "", "");
    let info = raw.request(&format!("$JS.API.CONSUMER.INFO.LCC_INBOX.peer_{id}"), "");
    let info: serde_json::Value = serde_json::from_str(&info).unwrap_or_else(|e| panic!("{e}: {info}"));
    info["num_ack_pending"].as_u64().unwrap_or_else(|| panic!("{info}"))
}

#[test]
fn restarted_peer_receives_its_unreceived_messages_exactly_once() {
    let model = temp_model("reborn", COLLECT);
    let server = Server::start("reborn");
    let mut collector = peer(&model, "c1", "collector", &server.url, &LIMIT);
    std::thread::sleep(Duration::from_millis(400));
    let sender = peer(&model, "s1", "sender", &server.url, &LIMIT);
    let out = finish(sender, Duration::from_secs(20));
    assert!(out.status.success(), "sender: {}", String::from_utf8_lossy(&out.stderr));
    // The three messages are in c1's process, not yet received by a step.
    std::thread::sleep(Duration::from_millis(1800));
    assert_eq!(unacknowledged(&server, "c1"), 3);
    collector.kill().unwrap();
    let first = collector.wait_with_output().unwrap();
    assert!(
        first.stdout.is_empty(),
        "the first run got as far as printing its trace"
    );

    let collector = peer(&model, "c1", "collector", &server.url, &LIMIT);
    let out = finish(collector, Duration::from_secs(30));
    let trace = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "collector: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let received: Vec<&str> = trace.lines().filter(|l| l.contains(" receives ")).collect();
    assert_eq!(received.len(), 3, "{trace}");
    for (line, n) in received.iter().zip(1..) {
        assert!(
            line.contains(&format!(" receives m({n}) from a(sender, s1) ")),
            "{trace}"
        );
    }
    assert_eq!(unacknowledged(&server, "c1"), 0);
}

/// The sender sends once and lingers; killed and restarted, it sends again.
const RESEND: &str = "
a(sender, S) :: m(1) => a(collector, C) then null <- after(3000)

a(collector, C) :: m(X) <= a(sender, S) then m(Y) <= a(sender, S)
";

#[test]
fn restarted_sender_is_not_taken_for_a_duplicate() {
    let model = temp_model("resend", RESEND);
    let server = Server::start("resend");
    let collector = peer(&model, "c1", "collector", &server.url, &LIMIT);
    std::thread::sleep(Duration::from_millis(400));
    let mut sender = peer(&model, "s1", "sender", &server.url, &LIMIT);
    std::thread::sleep(Duration::from_millis(1000));
    sender.kill().unwrap();
    let _ = sender.wait();
    let sender = peer(&model, "s1", "sender", &server.url, &LIMIT);
    let out = finish(sender, Duration::from_secs(20));
    assert!(out.status.success(), "sender: {}", String::from_utf8_lossy(&out.stderr));
    let out = finish(collector, Duration::from_secs(20));
    let trace = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "collector: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        trace.matches(" receives m(1) from a(sender, s1) ").count(),
        2,
        "{trace}"
    );
}
