//! A `nats-server` with JetStream on a free loopback port, killed on drop, and
//! helpers to run `lcc` processes against it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running server; dropping it kills it and removes its store.
pub struct Server {
    child: Child,
    /// The configuration file, if the server has one.
    config: Option<PathBuf>,
    /// `nats://127.0.0.1:PORT`.
    pub url: String,
    port: u16,
    dir: PathBuf,
}

impl Server {
    /// Starts `nats-server -js` on a free port with a fresh store; waits until it
    /// says it is ready.
    pub fn start(name: &str) -> Server {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("lcc-{name}-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Server::launch(port, dir, None)
    }

    /// Starts a server that lets in `users` only (password `pw-USER`), each
    /// confined by [`peer_permissions`]: a peer cannot pose as another or read
    /// another's inbox. User `datacentre`, if listed, gets the service's
    /// permissions ([`datacentre_subjects`]).
    pub fn start_secured(name: &str, users: &[&str]) -> Server {
        let users: Vec<String> = users
            .iter()
            .map(|u| {
                let permissions = if *u == "datacentre" {
                    permissions(datacentre_subjects(), true)
                } else {
                    peer_permissions(u)
                };
                format!(r#"{{user: "{u}", password: "pw-{u}", permissions: {permissions}}}"#)
            })
            .collect();
        Server::start_configured(name, &users, None)
    }

    /// Starts a server in operator (JWT) mode: it trusts `operator` and knows
    /// its accounts' JWTs (a memory resolver); users log in with credentials
    /// files ([`Operator::creds`]).
    pub fn start_operator(name: &str, operator: &Operator) -> Server {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("lcc-{name}-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let operator_jwt = dir.join("operator.jwt");
        std::fs::write(&operator_jwt, &operator.jwt).unwrap();
        let config = dir.join("server.conf");
        let text = format!(
            "listen: \"127.0.0.1:{port}\"\njetstream {{ store_dir: \"{}\" }}\noperator: \"{}\"\n\
             system_account: \"{}\"\nresolver: MEMORY\nresolver_preload: {{\n  {}: \"{}\"\n  {}: \"{}\"\n}}\n",
            dir.join("js").display(),
            operator_jwt.display(),
            operator.system.public_key(),
            operator.account.public_key(),
            operator.account_jwt,
            operator.system.public_key(),
            operator.system_jwt,
        );
        std::fs::write(&config, text).unwrap();
        Server::launch(port, dir, Some(config))
    }

    /// Starts a server that requires TLS (certificate and key files `tls`)
    /// and lets in the nkeys `users` only, `(peer Id, public key)`, each
    /// confined by [`peer_permissions`] (`datacentre`: the service's).
    pub fn start_tls_nkeys(name: &str, users: &[(&str, String)], tls: (&Path, &Path)) -> Server {
        let users: Vec<String> = users
            .iter()
            .map(|(id, key)| {
                let permissions = if *id == "datacentre" {
                    permissions(datacentre_subjects(), true)
                } else {
                    peer_permissions(id)
                };
                format!(r#"{{nkey: "{key}", permissions: {permissions}}}"#)
            })
            .collect();
        let mut server = Server::start_configured(name, &users, Some(tls));
        server.url = server.url.replace("nats://", "tls://");
        server
    }

    fn start_configured(name: &str, users: &[String], tls: Option<(&Path, &Path)>) -> Server {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("lcc-{name}-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let tls = tls.map_or(String::new(), |(cert, key)| {
            format!(
                "tls {{ cert_file: \"{}\", key_file: \"{}\" }}\n",
                cert.display(),
                key.display()
            )
        });
        let config = dir.join("server.conf");
        let text = format!(
            "listen: \"127.0.0.1:{port}\"\njetstream {{ store_dir: \"{}\" }}\n{tls}authorization {{ users = [\n{}\n] }}\n",
            dir.join("js").display(),
            users.join(",\n")
        );
        std::fs::write(&config, text).unwrap();
        Server::launch(port, dir, Some(config))
    }

    fn launch(port: u16, dir: PathBuf, config: Option<PathBuf>) -> Server {
        let mut server = Server {
            child: spawn(port, &dir, config.as_deref()),
            config,
            url: format!("nats://127.0.0.1:{port}"),
            port,
            dir,
        };
        server.wait_ready();
        server
    }

    /// Kills the server (its store stays).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same port and store.
    pub fn start_again(&mut self) {
        self.child = spawn(self.port, &self.dir, self.config.as_deref());
        self.wait_ready();
    }

    fn wait_ready(&mut self) {
        let stderr = self.child.stderr.take().expect("piped stderr");
        let mut lines = BufReader::new(stderr).lines();
        let started = Instant::now();
        loop {
            let line = lines.next().expect("nats-server exited before it was ready").unwrap();
            if line.contains("Server is ready") {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(20), "nats-server did not start");
        }
        // Keep draining the log so that the server never blocks on a full pipe
        // (and show it with LCC_DEBUG_NATS=1).
        std::thread::spawn(move || {
            for l in lines {
                if std::env::var("LCC_DEBUG_NATS").is_ok() {
                    eprintln!("nats-server: {}", l.unwrap_or_default());
                }
            }
        });
    }
}

/// The subjects peer `id` may publish on and subscribe to, as
/// docs/distributed.md gives them: publish on its own inbox subjects
/// (`lcc.inbox.*.ID`) and directory subject, use the JetStream API for the
/// inbox stream and its own consumer `peer_ID` only, call the datacentre
/// service as itself; subscribe only to the directory, its own reply subjects
/// (`_INBOX.ID.>`), its own datacentre answers and its own turns (a
/// conducted peer, which also needs to reply: `allow_responses`).
pub fn peer_subjects(id: &str) -> (Vec<String>, Vec<String>) {
    let publish = vec![
        format!("lcc.inbox.*.{id}"),
        format!("lcc.dir.{id}"),
        "$JS.API.INFO".into(),
        "$JS.API.STREAM.INFO.LCC_INBOX".into(),
        "$JS.API.STREAM.CREATE.LCC_INBOX".into(),
        format!("$JS.API.CONSUMER.INFO.LCC_INBOX.peer_{id}"),
        format!("$JS.API.CONSUMER.DELETE.LCC_INBOX.peer_{id}"),
        format!("$JS.API.CONSUMER.CREATE.LCC_INBOX.peer_{id}.lcc.inbox.{id}.*"),
        format!("$JS.API.CONSUMER.MSG.NEXT.LCC_INBOX.peer_{id}"),
        format!("$JS.ACK.LCC_INBOX.peer_{id}.>"),
        format!("lcc.vmm.call.{id}"),
        "lcc.vmm.constraints".into(),
    ];
    let subscribe = vec![
        "lcc.dir.*".to_string(),
        format!("_INBOX.{id}.>"),
        format!("lcc.vmm.answer.{id}"),
        format!("lcc.turn.{id}"),
    ];
    (publish, subscribe)
}

/// The subjects the datacentre service may publish on and subscribe to: it
/// takes every peer's calls and the constraint list requests, publishes
/// resolutions, gives conducted peers their turns and reads their replies
/// (`_INBOX.datacentre.>`), and replies to requests (the server's
/// `allow_responses`).
pub fn datacentre_subjects() -> (Vec<String>, Vec<String>) {
    (
        vec!["lcc.vmm.answer.*".into(), "lcc.turn.*".into()],
        vec![
            "lcc.vmm.call.*".into(),
            "lcc.vmm.constraints".into(),
            "_INBOX.datacentre.>".into(),
        ],
    )
}

/// Server configuration permissions allowing `(publish, subscribe)`, and
/// replies to requests if `responses`.
pub fn permissions((publish, subscribe): (Vec<String>, Vec<String>), responses: bool) -> String {
    let list = |items: &[String]| items.iter().map(|i| format!("\"{i}\"")).collect::<Vec<_>>().join(", ");
    let responses = if responses { ", allow_responses: true" } else { "" };
    format!(
        "{{publish: {{allow: [{}]}}, subscribe: {{allow: [{}]}}{responses}}}",
        list(&publish),
        list(&subscribe)
    )
}

/// The permissions of peer `id` ([`peer_subjects`], replies allowed).
pub fn peer_permissions(id: &str) -> String {
    permissions(peer_subjects(id), true)
}

/// A NATS operator with one account for the peers and the service (JetStream
/// enabled) and a system account, as `nsc` would make them: the JWTs are
/// signed with the nkeys (ed25519) of their issuers.
pub struct Operator {
    /// The operator's JWT (self-signed).
    pub jwt: String,
    /// The account of the peers and the service.
    pub account: nkeys::KeyPair,
    /// Its JWT, signed by the operator.
    pub account_jwt: String,
    /// The system account.
    pub system: nkeys::KeyPair,
    /// Its JWT, signed by the operator.
    pub system_jwt: String,
}

/// A JWT with claims `nats` for `subject`, issued and signed by `issuer`
/// (header and claims as the NATS JWT v2 library writes them).
fn signed_jwt(issuer: &nkeys::KeyPair, subject: &str, name: &str, nats: serde_json::Value) -> String {
    use data_encoding::{BASE32_NOPAD, BASE64URL_NOPAD};
    use sha2::Digest;
    let iat = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut claims = serde_json::json!({
        "jti": "", "iat": iat, "iss": issuer.public_key(), "name": name, "sub": subject, "nats": nats
    });
    // The JWT's Id: the hash of the claims without it.
    let hash = sha2::Sha512_256::digest(serde_json::to_vec(&claims).unwrap());
    claims["jti"] = BASE32_NOPAD.encode(&hash).into();
    let header = BASE64URL_NOPAD.encode(br#"{"typ":"JWT","alg":"ed25519-nkey"}"#);
    let body = BASE64URL_NOPAD.encode(&serde_json::to_vec(&claims).unwrap());
    let signed = format!("{header}.{body}");
    let signature = issuer.sign(signed.as_bytes()).unwrap();
    format!("{signed}.{}", BASE64URL_NOPAD.encode(&signature))
}

impl Operator {
    /// A fresh operator, account and system account.
    pub fn new() -> Operator {
        let key = nkeys::KeyPair::new_operator();
        let jwt = signed_jwt(
            &key,
            &key.public_key(),
            "lcc-test",
            serde_json::json!({"type": "operator", "version": 2}),
        );
        let account_claims = |jetstream: bool| {
            let mut limits = serde_json::json!({
                "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
                "wildcards": true, "conn": -1, "leaf": -1
            });
            if jetstream {
                for (k, v) in [
                    ("mem_storage", -1),
                    ("disk_storage", -1),
                    ("streams", -1),
                    ("consumer", -1),
                ] {
                    limits[k] = v.into();
                }
            }
            serde_json::json!({"limits": limits, "default_permissions": {}, "type": "account", "version": 2})
        };
        let account = nkeys::KeyPair::new_account();
        let account_jwt = signed_jwt(&key, &account.public_key(), "lcc", account_claims(true));
        let system = nkeys::KeyPair::new_account();
        let system_jwt = signed_jwt(&key, &system.public_key(), "SYS", account_claims(false));
        Operator {
            jwt,
            account,
            account_jwt,
            system,
            system_jwt,
        }
    }

    /// Writes the credentials file of a new user `name` of the account, in
    /// `dir`, allowed `(publish, subscribe)` and replies to requests if
    /// `responses`; returns its path.
    pub fn creds(
        &self,
        dir: &Path,
        name: &str,
        (publish, subscribe): (Vec<String>, Vec<String>),
        responses: bool,
    ) -> PathBuf {
        let user = nkeys::KeyPair::new_user();
        let mut nats = serde_json::json!({
            "pub": {"allow": publish}, "sub": {"allow": subscribe},
            "subs": -1, "data": -1, "payload": -1, "type": "user", "version": 2
        });
        if responses {
            nats["resp"] = serde_json::json!({"max": 1, "ttl": 0});
        }
        let token = signed_jwt(&self.account, &user.public_key(), name, nats);
        let text = format!(
            "-----BEGIN NATS USER JWT-----\n{token}\n------END NATS USER JWT------\n\n\
             ************************* IMPORTANT *************************\n\
             NKEY Seed printed below can be used to sign and prove identity.\n\
             NKEYs are sensitive and should be treated as secrets.\n\n\
             -----BEGIN USER NKEY SEED-----\n{}\n------END USER NKEY SEED------\n\n\
             *************************************************************\n",
            user.seed().unwrap()
        );
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join(format!("{name}.creds"));
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// A certificate authority and a server certificate for `127.0.0.1` and
/// `localhost` it signed, made with `openssl` in `dir`: `(ca, cert, key)`.
pub fn tls_files(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let (ca, ca_key) = (dir.join("ca.pem"), dir.join("ca-key.pem"));
    let (cert, key, csr) = (
        dir.join("server.pem"),
        dir.join("server-key.pem"),
        dir.join("server.csr"),
    );
    let ext = dir.join("server.ext");
    std::fs::write(&ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n").unwrap();
    let p = |path: &PathBuf| path.display().to_string();
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl is installed");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &[
            "-days",
            "2",
            "-subj",
            "/CN=lcc test CA",
            "-keyout",
            &p(&ca_key),
            "-out",
            &p(&ca),
        ],
    ]
    .concat());
    run(&[
        &["req"][..],
        &ec,
        &["-subj", "/CN=localhost", "-keyout", &p(&key), "-out", &p(&csr)],
    ]
    .concat());
    run(&[
        "x509",
        "-req",
        "-in",
        &p(&csr),
        "-CA",
        &p(&ca),
        "-CAkey",
        &p(&ca_key),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &p(&ext),
        "-out",
        &p(&cert),
    ]);
    (ca, cert, key)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn(port: u16, dir: &std::path::Path, config: Option<&std::path::Path>) -> Child {
    let mut command = Command::new("nats-server");
    match config {
        Some(config) => command.arg("-c").arg(config),
        None => command
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(dir),
    };
    command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nats-server is installed (scripts/install-deps.sh)")
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A raw NATS connection (verbose protocol: the server answers every command).
pub struct Raw {
    /// The connection, for reading.
    pub reader: BufReader<TcpStream>,
    /// The connection, for writing.
    pub stream: TcpStream,
}

impl Raw {
    /// Connects as `user` with `password` (ignored by a server without users).
    pub fn connect(url: &str, user: &str, password: &str) -> Raw {
        let stream = TcpStream::connect(url.trim_start_matches("nats://")).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut raw = Raw {
            reader: BufReader::new(stream.try_clone().unwrap()),
            stream,
        };
        assert!(raw.line().starts_with("INFO"));
        let connect = format!(r#"CONNECT {{"verbose":true,"pedantic":false,"user":"{user}","pass":"{password}"}}"#);
        assert_eq!(raw.command(&format!("{connect}\r\n")), "+OK");
        raw
    }

    /// The next line from the server.
    pub fn line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        line.trim_end().to_string()
    }

    /// Sends `text`, returns the server's answer line.
    pub fn command(&mut self, text: &str) -> String {
        self.stream.write_all(text.as_bytes()).unwrap();
        self.line()
    }

    /// Publishes `payload` on `subject`; returns the server's answer line.
    pub fn publish(&mut self, subject: &str, payload: &str) -> String {
        self.command(&format!("PUB {subject} {}\r\n{payload}\r\n", payload.len()))
    }

    /// Sends a request on `subject` and returns the reply's payload, or the
    /// server's error line if it refuses the subscription or the publication.
    pub fn request(&mut self, subject: &str, payload: &str) -> String {
        let inbox = format!("_INBOX.raw{}", std::process::id());
        let answer = self.command(&format!("SUB {inbox} 1\r\n"));
        if answer != "+OK" {
            return answer;
        }
        let answer = self.command(&format!("PUB {subject} {inbox} {}\r\n{payload}\r\n", payload.len()));
        if answer != "+OK" {
            return answer;
        }
        let header = self.line();
        let body = if header.starts_with("MSG") { self.line() } else { header };
        self.command("UNSUB 1\r\n");
        body
    }
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `lcc peer MODEL --id ID --role ROLE --nats URL` plus `extra`, started.
pub fn peer(model: &str, id: &str, role: &str, url: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_lcc"))
        .current_dir(root())
        .args([
            "peer",
            model,
            "--id",
            id,
            "--role",
            role,
            "--nats",
            url,
            "--heartbeat-ms",
            "200",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// [`peer`] logged in as user `id` with password `pw-ID`.
pub fn secured_peer(model: &str, id: &str, role: &str, url: &str, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_lcc"))
        .current_dir(root())
        .env("LCC_NATS_PASSWORD", format!("pw-{id}"))
        .args([
            "peer",
            model,
            "--id",
            id,
            "--role",
            role,
            "--nats",
            url,
            "--heartbeat-ms",
            "200",
            "--user",
            id,
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for a child, killing it after `limit`.
pub fn finish(mut child: Child, limit: Duration) -> Output {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Writes `text` to a fresh file in the temporary folder; returns its path.
pub fn temp_model(name: &str, text: &str) -> String {
    let path = std::env::temp_dir().join(format!("lcc-{name}-{}.lcc", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// The message lines (sends and receives) of a text trace, without step numbers.
pub fn message_lines(trace: &str) -> Vec<String> {
    trace
        .lines()
        .filter(|l| l.contains(" sends ") || l.contains(" receives "))
        .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        .collect()
}

/// Child processes, killed (SIGKILL) on drop if still running, so that a
/// failing test leaves none behind.
pub struct Children(pub Vec<Child>);

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The `lcc` binary, run from the repository root.
pub fn lcc() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lcc"));
    command.current_dir(root());
    command
}

/// Sends SIGTERM to `child`.
pub fn sigterm(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for `child` to exit, up to `limit`; its exit code.
pub fn exit_code(child: &mut Child, limit: Duration) -> Option<i32> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Stops a datacentre run: every peer (`children.0[1..]`, its stderr in
/// `logs/pmN.err`) must exit 1 on SIGTERM and say so (its role loops for
/// ever), then the service (`children.0[0]`) must exit 0.
pub fn stop_peers_then_service(children: &mut Children, logs: &Path) {
    for peer in &children.0[1..] {
        sigterm(peer);
    }
    for (p, peer) in children.0[1..].iter_mut().enumerate() {
        let code = exit_code(peer, Duration::from_secs(15));
        let stderr = std::fs::read_to_string(logs.join(format!("pm{p}.err"))).unwrap();
        assert_eq!(code, Some(1), "pm{p}: {stderr}");
        assert!(stderr.contains("stopped by SIGTERM"), "pm{p}: {stderr}");
    }
    sigterm(&children.0[0]);
    assert_eq!(exit_code(&mut children.0[0], Duration::from_secs(10)), Some(0));
}

/// The lines a child writes on a pipe, as they come.
pub fn lines(pipe: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// A run of `lcc datacentre` and one `lcc peer --datacentre` process per PM
/// (`pm0`, `pm1`, ...) playing `pm` in `policy`; children are killed on drop.
pub struct DatacentreRun {
    /// The service (first) and the peers.
    pub children: Children,
    /// The service's standard output, line by line.
    pub report: mpsc::Receiver<String>,
    /// The service's standard error, line by line.
    pub log: mpsc::Receiver<String>,
    /// The folder holding each peer's standard error, `pmN.err`.
    pub logs: PathBuf,
}

impl DatacentreRun {
    /// Starts `lcc datacentre --nats URL` with `service` (its arguments and
    /// environment added), waits until it is ready, then `pms` peers `lcc peer
    /// POLICY --id pmN --role pm --nats URL --heartbeat-ms 200 --datacentre`,
    /// each with `peer(N, command)` added.
    pub fn start(
        name: &str,
        url: &str,
        policy: &str,
        pms: usize,
        service: impl FnOnce(&mut Command),
        peer: impl Fn(usize, &mut Command),
    ) -> DatacentreRun {
        let mut children = Children(Vec::new());
        let mut command = lcc();
        command.args(["datacentre", "--nats", url]);
        service(&mut command);
        let mut datacentre = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let report = lines(datacentre.stdout.take().unwrap());
        let log = lines(datacentre.stderr.take().unwrap());
        children.0.push(datacentre);
        let ready = log
            .recv_timeout(Duration::from_secs(20))
            .expect("the datacentre starts");
        assert!(ready.starts_with("datacentre ready"), "{ready}");
        let logs = std::env::temp_dir().join(format!("lcc-{name}-peers-{}", std::process::id()));
        std::fs::create_dir_all(&logs).unwrap();
        for p in 0..pms {
            let id = format!("pm{p}");
            let stderr = std::fs::File::create(logs.join(format!("{id}.err"))).unwrap();
            let mut command = lcc();
            command
                .args(["peer", policy, "--id", &id, "--role", "pm", "--nats", url])
                .args(["--heartbeat-ms", "200", "--datacentre"]);
            peer(p, &mut command);
            children
                .0
                .push(command.stdout(Stdio::null()).stderr(stderr).spawn().unwrap());
        }
        DatacentreRun {
            children,
            report,
            log,
            logs,
        }
    }

    /// The service's report line (`--json`), waiting up to `limit`.
    pub fn report(&self, limit: Duration) -> serde_json::Value {
        let line = self.report.recv_timeout(limit).unwrap_or_else(|_| {
            panic!(
                "no report; datacentre log: {:?}",
                self.log.try_iter().collect::<Vec<_>>()
            )
        });
        serde_json::from_str(&line).unwrap()
    }

    /// Stops every peer, then the service ([`stop_peers_then_service`]);
    /// returns the service's log lines after the report.
    pub fn stop(mut self) -> Vec<String> {
        stop_peers_then_service(&mut self.children, &self.logs);
        std::fs::remove_dir_all(&self.logs).unwrap();
        self.log.iter().collect()
    }
}
