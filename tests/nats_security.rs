//! Security over a real NATS server: users with passwords, each allowed to
//! publish only on its own subjects and to read only its own inbox. A client
//! posing as another peer or reading another's inbox is refused by the
//! server, and an envelope claiming a sender other than its publisher is
//! rejected and logged by the receiving peer; the real peers still talk. Peers
//! also authenticate with nkeys over TLS.

#![cfg(feature = "nats")]

mod nats_support;

use std::io::BufReader;
use std::net::TcpStream;
use std::time::Duration;

use nats_support::{Raw, Server, finish, peer, secured_peer, temp_model, tls_files};

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
    // Reading b1's inbox is refused: subscribing to its subjects, creating or
    // reading its consumer, a consumer of a1's own on b1's subjects, reading the
    // stream's messages directly.
    for subject in ["lcc.inbox.b1.*", "lcc.inbox.>", ">", "_INBOX.b1.>"] {
        let refused = rogue.command(&format!("SUB {subject} 9\r\n"));
        assert!(
            refused.contains("Permissions Violation for Subscription"),
            "{subject}: {refused}"
        );
    }
    for subject in [
        "$JS.API.CONSUMER.CREATE.LCC_INBOX.peer_b1.lcc.inbox.b1.*",
        "$JS.API.CONSUMER.CREATE.LCC_INBOX.peer_a1.lcc.inbox.b1.*",
        "$JS.API.CONSUMER.CREATE.LCC_INBOX.peer_a1",
        "$JS.API.CONSUMER.CREATE.LCC_INBOX",
        "$JS.API.CONSUMER.DURABLE.CREATE.LCC_INBOX.peer_a1",
        "$JS.API.CONSUMER.MSG.NEXT.LCC_INBOX.peer_b1",
        "$JS.API.CONSUMER.DELETE.LCC_INBOX.peer_b1",
        "$JS.API.STREAM.MSG.GET.LCC_INBOX",
        "$JS.API.DIRECT.GET.LCC_INBOX",
        "$JS.API.STREAM.DELETE.LCC_INBOX",
    ] {
        let refused = rogue.publish(subject, "{}");
        assert!(
            refused.contains("Permissions Violation for Publish"),
            "{subject}: {refused}"
        );
    }
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

#[test]
fn peers_authenticate_with_nkeys_over_tls() {
    let model = temp_model("nkeys", ASK);
    let dir = std::env::temp_dir().join(format!("lcc-nkeys-{}", std::process::id()));
    let (ca, cert, key) = tls_files(&dir);
    let mut users = Vec::new();
    let mut seeds = Vec::new();
    for id in ["a1", "b1", "x1"] {
        let pair = nkeys::KeyPair::new_user();
        let seed = dir.join(format!("{id}.nk"));
        std::fs::write(&seed, pair.seed().unwrap()).unwrap();
        seeds.push(seed.display().to_string());
        if id != "x1" {
            users.push((id, pair.public_key()));
        }
    }
    let server = Server::start_tls_nkeys("nkeys", &users, (&cert, &key));
    let ca = ca.display().to_string();
    let nkey_peer = |id: &str, role: &str, seed: &str| {
        let args = ["--max-time", "30", "--nkey", seed, "--tls-ca", &ca];
        peer(&model, id, role, &server.url, &args)
    };

    // An nkey the server does not know is refused.
    let out = finish(nkey_peer("x1", "asker", &seeds[2]), Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(stderr.contains("authorization"), "{stderr}");
    // Without the CA, the server's certificate is not trusted.
    let out = finish(
        peer(
            &model,
            "a1",
            "asker",
            &server.url,
            &["--nkey", &seeds[0], "--max-time", "5"],
        ),
        Duration::from_secs(20),
    );
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("certificate"), "{stderr}");

    let answerer = nkey_peer("b1", "answerer", &seeds[1]);
    let asker = nkey_peer("a1", "asker", &seeds[0]);
    let out = finish(asker, Duration::from_secs(40));
    assert!(out.status.success(), "asker: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("receives reply(42) from a(answerer, b1)"));
    let out = finish(answerer, Duration::from_secs(40));
    assert!(
        out.status.success(),
        "answerer: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
