//! Failures over a real NATS server on loopback: a partner killed mid-negotiation
//! (the asker recovers through an `after` timeout), the server killed and
//! restarted mid-run (no message lost), and a clean stop on SIGTERM.

#![cfg(feature = "nats")]

mod nats_support;

use std::process::Command;
use std::time::Duration;

use nats_support::{Server, finish, peer, temp_model};

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
