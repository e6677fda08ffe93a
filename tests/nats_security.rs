//! Security over a real NATS server: users with passwords, each allowed to
//! publish only on its own subjects and to read only its own inbox. A client
//! posing as another peer or reading another's inbox is refused by the
//! server, and an envelope claiming a sender other than its publisher is
//! rejected and logged by the receiving peer; the real peers still talk. Peers
//! also authenticate with nkeys over TLS. `lcc datacentre` and its peers log in
//! with passwords (each allowed only its own datacentre subjects), with nkeys
//! over TLS, and with credentials files on a server in operator (JWT) mode.

#![cfg(feature = "nats")]

mod nats_support;

use std::io::BufReader;
use std::net::TcpStream;
use std::time::Duration;

use nats_support::{
    DatacentreRun, Operator, Raw, Server, datacentre_subjects, finish, peer, peer_subjects, secured_peer, temp_model,
    tls_files,
};

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

const POLICY: &str = "stdlib/vmm/load-balancing.lcc";

/// `lcc datacentre` for a 3-PM, 6-VM simulator, 5 quick rounds, JSON report.
fn small_datacentre(service: &mut std::process::Command) {
    service
        .args(["--pms", "3", "--vms", "6", "--seed", "1", "--rounds", "5"])
        .args(["--ms-per-second", "20", "--json"]);
}

/// Every VM of the report's placement is on exactly one PM.
fn assert_six_vms_placed(result: &serde_json::Value) {
    let vms = result["placement"]["vms"].as_object().unwrap();
    assert_eq!(vms.len(), 6, "{result}");
    for (vm, place) in vms {
        assert_eq!(place["active_on"].as_array().unwrap().len(), 1, "{vm}: {place}");
    }
}

#[test]
fn the_datacentre_and_its_peers_log_in_and_call_only_as_themselves() {
    let server = Server::start_secured("dc-users", &["datacentre", "pm0", "pm1", "pm2"]);
    // A peer may call the service only as itself, and cannot read another's
    // answers, take the service's calls or forge its resolutions.
    let mut rogue = Raw::connect(&server.url, "pm0", "pw-pm0");
    for subject in ["lcc.vmm.call.pm1", "lcc.vmm.answer.pm1", "lcc.vmm.answer.pm0"] {
        let refused = rogue.publish(subject, "{}");
        assert!(
            refused.contains("Permissions Violation for Publish"),
            "{subject}: {refused}"
        );
    }
    for subject in [
        "lcc.vmm.call.*",
        "lcc.vmm.call.pm1",
        "lcc.vmm.answer.pm1",
        "lcc.vmm.answer.*",
    ] {
        let refused = rogue.command(&format!("SUB {subject} 9\r\n"));
        assert!(
            refused.contains("Permissions Violation for Subscription"),
            "{subject}: {refused}"
        );
    }
    // The service cannot call or play a peer either.
    let mut service = Raw::connect(&server.url, "datacentre", "pw-datacentre");
    for subject in ["lcc.vmm.call.pm0", "lcc.inbox.pm0.pm1", "lcc.dir.pm0"] {
        let refused = service.publish(subject, "{}");
        assert!(
            refused.contains("Permissions Violation for Publish"),
            "{subject}: {refused}"
        );
    }
    // A service without credentials, or with a wrong password, is refused.
    for password in [None, Some("nope")] {
        let mut command = nats_support::lcc();
        command.args(["datacentre", "--nats", &server.url]);
        small_datacentre(&mut command);
        if let Some(password) = password {
            command
                .args(["--user", "datacentre"])
                .env("LCC_NATS_PASSWORD", password);
        }
        let out = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("authorization"), "{stderr}");
    }

    // Logged in, each with its own user, they replay an in-process run's
    // schedule (deterministic mode) and end as it did.
    let dir = std::env::temp_dir().join(format!("lcc-dc-users-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (schedule, placement) = (dir.join("schedule.json"), dir.join("placement.json"));
    let out = nats_support::lcc()
        .args([
            "simulate", POLICY, "--pms", "3", "--vms", "6", "--seed", "1", "--rounds", "5",
        ])
        .arg("--placement")
        .arg(&placement)
        .arg("--schedule")
        .arg(&schedule)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let in_process: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&placement).unwrap()).unwrap();
    let run = DatacentreRun::start(
        "dc-users",
        &server.url,
        POLICY,
        3,
        |service| {
            small_datacentre(service);
            service
                .args(["--user", "datacentre"])
                .arg("--schedule")
                .arg(&schedule)
                .env("LCC_NATS_PASSWORD", "pw-datacentre");
        },
        |p, peer| {
            peer.args(["--user", &format!("pm{p}"), "--conducted"])
                .env("LCC_NATS_PASSWORD", format!("pw-pm{p}"));
        },
    );
    let result = run.report(Duration::from_secs(60));
    assert_six_vms_placed(&result);
    assert_eq!(result["placement"], in_process);
    let log = run.stop();
    assert!(log.iter().any(|l| l.starts_with("calls: ")), "{log:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_datacentre_and_its_peers_log_in_with_credentials_files() {
    let operator = Operator::new();
    let server = Server::start_operator("creds", &operator);
    let dir = std::env::temp_dir().join(format!("lcc-creds-{}", std::process::id()));
    let service_creds = operator.creds(&dir, "datacentre", datacentre_subjects(), true);
    let peer_creds: Vec<String> = (0..3)
        .map(|p| {
            let id = format!("pm{p}");
            let path = operator.creds(&dir, &id, peer_subjects(&id), false);
            path.display().to_string()
        })
        .collect();

    // A user of an account the server does not trust is refused.
    let stranger = Operator::new().creds(&dir.join("stranger"), "pm0", peer_subjects("pm0"), false);
    let out = finish(
        peer(
            POLICY,
            "pm0",
            "pm",
            &server.url,
            &["--creds", &stranger.display().to_string(), "--max-time", "5"],
        ),
        Duration::from_secs(20),
    );
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("authorization"), "{stderr}");
    // The permissions in a user's JWT hold: with pm1's credentials, peer pm0
    // may not even subscribe to its replies (`_INBOX.pm0.>`), so its first
    // JetStream request goes unanswered.
    let out = finish(
        peer(
            POLICY,
            "pm0",
            "pm",
            &server.url,
            &["--creds", &peer_creds[1], "--max-time", "10"],
        ),
        Duration::from_secs(30),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("create the inbox stream"), "{stderr}");

    let run = DatacentreRun::start(
        "creds",
        &server.url,
        POLICY,
        3,
        |service| {
            small_datacentre(service);
            service.arg("--creds").arg(&service_creds);
        },
        |p, peer| {
            peer.args(["--creds", &peer_creds[p], "--seed", "1"]);
        },
    );
    assert_six_vms_placed(&run.report(Duration::from_secs(60)));
    run.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_datacentre_and_its_peers_use_nkeys_over_tls() {
    let dir = std::env::temp_dir().join(format!("lcc-dc-tls-{}", std::process::id()));
    let (ca, cert, key) = tls_files(&dir);
    let ids = ["datacentre", "pm0", "pm1", "pm2"];
    let mut users = Vec::new();
    for id in ids {
        let pair = nkeys::KeyPair::new_user();
        std::fs::write(dir.join(format!("{id}.nk")), pair.seed().unwrap()).unwrap();
        users.push((id, pair.public_key()));
    }
    let server = Server::start_tls_nkeys("dc-tls", &users, (&cert, &key));
    // Without the CA the service does not trust the server.
    let mut command = nats_support::lcc();
    command
        .args(["datacentre", "--nats", &server.url])
        .arg("--nkey")
        .arg(dir.join("datacentre.nk"));
    small_datacentre(&mut command);
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("certificate"), "{stderr}");

    let run = DatacentreRun::start(
        "dc-tls",
        &server.url,
        POLICY,
        3,
        |service| {
            small_datacentre(service);
            service
                .arg("--nkey")
                .arg(dir.join("datacentre.nk"))
                .arg("--tls-ca")
                .arg(&ca);
        },
        |p, peer| {
            peer.arg("--nkey")
                .arg(dir.join(format!("pm{p}.nk")))
                .arg("--tls-ca")
                .arg(&ca)
                .args(["--seed", "1"]);
        },
    );
    assert_six_vms_placed(&run.report(Duration::from_secs(60)));
    run.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
