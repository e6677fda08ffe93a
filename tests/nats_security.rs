//! Security over a real NATS server: users with passwords, each allowed to
//! publish only on its own subjects. A client posing as another peer is refused
//! by the server, and an envelope claiming a sender other than its publisher is
//! rejected and logged by the receiving peer; the real peers still talk.

#![cfg(feature = "nats")]

mod nats_support;

use std::io::BufReader;
use std::net::TcpStream;
use std::time::Duration;

use nats_support::{Raw, Server, finish, secured_peer, temp_model};

const ASK: &str = "
a(asker, A) :: question => a(answerer, B) then reply(X) <= a(answerer, B)
a(answerer, B) :: question <= a(asker, A) then reply(42) => a(asker, A)
";

fn envelope(from: &str) -> String {
    format!(
        r#"{{"v":1,"seq":1,"from":{{"role":"asker","id":"{from}"}},"to":{{"role":"answerer","id":"b1"}},"term":{{"atom":"question"}}}}"#
    )
}

#[test]
fn forged_senders_are_refused_and_rejected() {
    let model = temp_model("forged", ASK);
    let server = Server::start_secured("forged", &["a1", "b1"]);
    let limit = ["--max-time", "30"];
    let answerer = secured_peer(&model, "b1", "answerer", &server.url, &limit);
    std::thread::sleep(Duration::from_millis(500));

    let mut rogue = Raw::connect(&server.url, "a1", "pw-a1");
    // Publishing on another peer's subject is refused by the server.
    let refused = rogue.publish("lcc.inbox.b1.c1", &envelope("c1"));
    assert!(refused.contains("Permissions Violation"), "{refused}");
    // On its own subject, a1 claims to be c1: b1 rejects and logs it.
    assert_eq!(rogue.publish("lcc.inbox.b1.a1", &envelope("c1")), "+OK");
    // A wrong password is refused.
    let stream = TcpStream::connect(server.url.trim_start_matches("nats://")).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut wrong = Raw {
        reader: BufReader::new(stream.try_clone().unwrap()),
        stream,
    };
    wrong.line();
    let denied = wrong.command("CONNECT {\"verbose\":true,\"user\":\"a1\",\"pass\":\"nope\"}\r\n");
    assert!(denied.contains("Authorization Violation"), "{denied}");

    // The real a1 still gets its answer.
    let asker = secured_peer(&model, "a1", "asker", &server.url, &limit);
    let out = finish(asker, Duration::from_secs(40));
    assert!(out.status.success(), "asker: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("receives reply(42) from a(answerer, b1)"));
    let out = finish(answerer, Duration::from_secs(40));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "answerer: {stderr}");
    assert!(
        stderr.contains("rejected message c1/0/1: it claims sender `c1` but was published by `a1`"),
        "{stderr}"
    );
    let trace = String::from_utf8_lossy(&out.stdout);
    assert_eq!(trace.matches("receives question").count(), 1, "{trace}");
    assert!(trace.contains("receives question from a(asker, a1)"), "{trace}");
}
