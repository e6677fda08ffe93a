//! Greeter and responder as two `lcc peer` processes over a real NATS server on
//! loopback end like `lcc run` of the same model in one process.

#![cfg(feature = "nats")]

mod nats_support;

use std::process::Command;
use std::time::Duration;

use nats_support::{Server, finish, message_lines, peer, root};

const MODEL: &str = "stdlib/examples/greeter.lcc";
const FACTS: &str = "stdlib/facts/greeter.pl";

#[test]
fn greeter_and_responder_over_nats() {
    let in_process = Command::new(env!("CARGO_BIN_EXE_lcc"))
        .current_dir(root())
        .args(["run", MODEL, "--facts", FACTS])
        .output()
        .unwrap();
    assert!(in_process.status.success());
    let mut expected = message_lines(&String::from_utf8_lossy(&in_process.stdout));
    expected.sort();

    let server = Server::start("greeter");
    let limit = ["--facts", FACTS, "--max-time", "30"];
    let responder = peer(MODEL, "responder1", "responder", &server.url, &limit);
    let greeter = peer(MODEL, "greeter1", "greeter", &server.url, &limit);
    let mut got = Vec::new();
    for (name, child) in [("greeter", greeter), ("responder", responder)] {
        let out = finish(child, Duration::from_secs(40));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        assert!(stderr.contains("finished"), "{name}: {stderr}");
        got.extend(message_lines(&String::from_utf8_lossy(&out.stdout)));
    }
    got.sort();
    assert_eq!(got, expected);
}
