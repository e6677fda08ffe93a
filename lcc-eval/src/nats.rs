//! The NATS transport (feature `nats`): one peer per process, anywhere a NATS
//! server with JetStream is reachable.
//!
//! * **Inboxes.** Peer `P`'s messages from peer `S` are published on subject
//!   `lcc.inbox.P.S` into the JetStream stream `LCC_INBOX` (file storage,
//!   subjects `lcc.inbox.>`, work-queue retention: a message stays until it is
//!   acknowledged), each with the header `Nats-Msg-Id: S/run/seq`, so the
//!   server drops a re-sent duplicate. A send returns once the server has
//!   stored the message (retried until then, for up to [`DELIVERY_TIMEOUT`]).
//!   `P` reads through its consumer `peer_P` (filter `lcc.inbox.P.*`, explicit
//!   acks) and acknowledges a message only when the node
//!   [settles](Transport::settle) it, i.e. once a step has received it. When
//!   `P` starts it replaces the consumer with a fresh one, which hands it, in
//!   stream order, every message still stored: those sent while `P` or the
//!   server was down and those an earlier run of `P` had taken into its inbox
//!   but not received. The node drops duplicates by message Id. Two processes
//!   must not run the same Id at once.
//! * **Sender check.** An envelope whose sender Id is not the last token of its
//!   subject is rejected and logged; with subject permissions that allow user
//!   `S` to publish only on `lcc.inbox.*.S`, no peer can pose as another.
//! * **Directory.** Each node publishes `{"v":1,"id":..,"roles":[..]}` on
//!   `lcc.dir.ID` when its roles change and every heartbeat, and
//!   `{"v":1,"id":..,"roles":null}` when it leaves; an entry not refreshed for
//!   three heartbeats expires. A node that sees an Id it did not know
//!   announces itself at once, so directories converge within one round trip.
//!
//! Ids must be valid subject tokens (no `.`, `*`, `>` or white space).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use async_nats::jetstream;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::atom::Atom;
use crate::transport::{Directory, Inbound, Transport, TransportError};
use crate::wire::{Envelope, WIRE_VERSION};

/// How long a send is retried (e.g. while the server restarts) before it fails.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long withdrawing from the directory may wait for the server (a peer
/// that stops because its server is gone must not hang).
pub const WITHDRAW_TIMEOUT: Duration = Duration::from_secs(5);

/// The JetStream stream holding every inbox.
pub const STREAM: &str = "LCC_INBOX";

/// How long a message handed to a node may stay unacknowledged (waiting in the
/// peer's inbox) before the server offers it again: long, since a restarted
/// peer gets its unreceived messages from a fresh consumer, not by redelivery.
const ACK_WAIT: Duration = Duration::from_secs(24 * 3600);

/// How many unacknowledged messages one inbox may hold.
const MAX_ACK_PENDING: i64 = 100_000;

/// How to reach the server.
#[derive(Debug, Clone)]
pub struct NatsOptions {
    /// The server URL, e.g. `nats://127.0.0.1:4222` (`tls://` for TLS).
    pub url: String,
    /// How the node proves who it is.
    pub auth: NatsAuth,
    /// TLS settings (TLS is required when any is given or the URL is `tls://`).
    pub tls: NatsTls,
    /// The prefix of the subjects replies come back on (default `_INBOX`), e.g.
    /// `_INBOX.pm1`, so that the server can let each peer subscribe only under
    /// its own prefix.
    pub inbox_prefix: Option<String>,
    /// How often a node re-announces its roles (entries expire after three).
    pub heartbeat: Duration,
}

/// A node's credentials.
#[derive(Debug, Clone, Default)]
pub enum NatsAuth {
    /// None (a server without authorisation).
    #[default]
    Anonymous,
    /// User name and password.
    Password {
        /// The user name.
        user: String,
        /// The password.
        password: String,
    },
    /// An nkey: the user's seed (`SU...`); the server knows its public key.
    Nkey(String),
    /// A NATS credentials file (user JWT and nkey seed, decentralised auth).
    CredentialsFile(PathBuf),
}

/// TLS settings for the connection.
#[derive(Debug, Clone, Default)]
pub struct NatsTls {
    /// PEM file of the certificate authorities to trust for the server
    /// (besides the system's).
    pub ca: Option<PathBuf>,
    /// PEM files of a client certificate and its key, for servers that verify
    /// clients.
    pub client: Option<(PathBuf, PathBuf)>,
}

/// A directory announcement on the wire.
#[derive(Debug, Serialize, Deserialize)]
struct Announcement {
    v: u32,
    id: String,
    roles: Option<Vec<String>>,
}

/// What the background tasks share with the node's thread.
#[derive(Default)]
struct Shared {
    /// Other peers' entries and when they were last heard of.
    entries: HashMap<Atom, (Vec<Atom>, Instant)>,
    /// This node's Id and roles, once announced.
    mine: Option<(Atom, Vec<Atom>)>,
    /// The node's channel.
    inbound: Option<mpsc::Sender<Inbound>>,
    /// Messages handed to the node and not settled yet, by message Id.
    unsettled: HashMap<String, Vec<jetstream::Message>>,
}

impl Shared {
    fn directory(&self) -> Directory {
        let mut d: Directory = self
            .entries
            .iter()
            .map(|(id, (roles, _))| (*id, roles.clone()))
            .collect();
        if let Some((id, roles)) = &self.mine {
            d.insert(*id, roles.clone());
        }
        d
    }

    fn report(&self) {
        if let Some(tx) = &self.inbound {
            let _ = tx.send(Inbound::Directory(self.directory()));
        }
    }
}

/// A node's connection to a NATS server.
pub struct NatsTransport {
    runtime: tokio::runtime::Runtime,
    client: async_nats::Client,
    connections: tokio::sync::watch::Receiver<u64>,
    jetstream: jetstream::Context,
    heartbeat: Duration,
    shared: Arc<Mutex<Shared>>,
}

fn error(what: &str) -> impl Fn(String) -> TransportError + '_ {
    move |e| TransportError(format!("{what}: {e}"))
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn announcement(id: Atom, roles: Option<&[Atom]>) -> Vec<u8> {
    let a = Announcement {
        v: WIRE_VERSION,
        id: id.name().into(),
        roles: roles.map(|r| r.iter().map(|a| a.name().to_string()).collect()),
    };
    serde_json::to_vec(&a).expect("an announcement serialises")
}

impl NatsTransport {
    /// Connects to the server and makes sure the inbox stream exists.
    pub fn connect(options: &NatsOptions) -> Result<NatsTransport, TransportError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| TransportError(format!("start the I/O runtime: {e}")))?;
        let (connection, jetstream) = runtime.block_on(async {
            let connection = connect(options, "lcc peer").await?;
            let js = jetstream::new(connection.client.clone());
            let stream = js
                .get_or_create_stream(jetstream::stream::Config {
                    name: STREAM.into(),
                    subjects: vec!["lcc.inbox.>".into()],
                    storage: jetstream::stream::StorageType::File,
                    retention: jetstream::stream::RetentionPolicy::WorkQueue,
                    duplicate_window: Duration::from_secs(120),
                    ..Default::default()
                })
                .await
                .map_err(|e| error("create the inbox stream")(e.to_string()))?;
            let retention = stream.cached_info().config.retention;
            if retention != jetstream::stream::RetentionPolicy::WorkQueue {
                return Err(TransportError(format!(
                    "the stream {STREAM} exists with {retention:?} retention; lcc needs work-queue \
                     retention (remove the stream, e.g. `nats stream rm {STREAM}`, and start again)"
                )));
            }
            Ok::<_, TransportError>((connection, js))
        })?;
        let Connection { client, connections } = connection;
        Ok(NatsTransport {
            runtime,
            client,
            connections,
            jetstream,
            heartbeat: options.heartbeat,
            shared: Arc::default(),
        })
    }

    /// The connection, for other services on the same server (e.g. the VMM
    /// constraints of `lcc datacentre`); its I/O runs on this transport's runtime.
    pub fn client(&self) -> async_nats::Client {
        self.client.clone()
    }

    /// How many times the client has connected: it changes when the
    /// connection is re-established after it was lost (e.g. the server restarted).
    pub fn connections(&self) -> tokio::sync::watch::Receiver<u64> {
        self.connections.clone()
    }

    /// Publishes a directory entry, giving up after `limit` (a flush waits
    /// for the server, e.g. while it restarts).
    fn publish_announcement(&self, me: Atom, roles: Option<&[Atom]>, limit: Duration) -> Result<(), TransportError> {
        let client = self.client.clone();
        let publish = async move {
            client
                .publish(format!("lcc.dir.{me}"), announcement(me, roles).into())
                .await
                .map_err(|e| error("announce")(e.to_string()))?;
            client.flush().await.map_err(|e| error("announce")(e.to_string()))
        };
        let published = self
            .runtime
            .block_on(async move { tokio::time::timeout(limit, publish).await });
        published.unwrap_or_else(|_| {
            Err(TransportError(format!(
                "announce: the server did not confirm within {} s",
                limit.as_secs()
            )))
        })
    }
}

/// A connection to a NATS server.
pub struct Connection {
    /// The client.
    pub client: async_nats::Client,
    /// How many times the client has connected (it changes when the
    /// connection is re-established after it was lost).
    pub connections: tokio::sync::watch::Receiver<u64>,
}

/// Connects to the server with `options`' credentials and TLS settings,
/// naming the connection `name` (as the server's monitoring shows it). Every
/// lcc process connects through here: peers (`NatsTransport::connect`) and
/// the datacentre service.
pub async fn connect(options: &NatsOptions, name: &str) -> Result<Connection, TransportError> {
    let mut connect = match &options.auth {
        NatsAuth::Anonymous => async_nats::ConnectOptions::new(),
        NatsAuth::Password { user, password } => {
            async_nats::ConnectOptions::with_user_and_password(user.clone(), password.clone())
        }
        NatsAuth::Nkey(seed) => async_nats::ConnectOptions::with_nkey(seed.clone()),
        NatsAuth::CredentialsFile(path) => async_nats::ConnectOptions::with_credentials_file(path)
            .await
            .map_err(|e| TransportError(format!("read the credentials file {}: {e}", path.display())))?,
    }
    .name(name);
    if let Some(ca) = &options.tls.ca {
        connect = connect.require_tls(true).add_root_certificates(ca.clone());
    }
    if let Some((cert, key)) = &options.tls.client {
        connect = connect
            .require_tls(true)
            .add_client_certificate(cert.clone(), key.clone());
    }
    if let Some(prefix) = &options.inbox_prefix {
        connect = connect.custom_inbox_prefix(prefix);
    }
    let (count, connections) = tokio::sync::watch::channel(0u64);
    connect = connect.event_callback(move |event| {
        if matches!(event, async_nats::Event::Connected) {
            count.send_modify(|n| *n += 1);
        }
        async {}
    });
    let client = connect
        .connect(options.url.as_str())
        .await
        .map_err(|e| error("connect to the NATS server")(e.to_string()))?;
    Ok(Connection { client, connections })
}

fn valid_token(id: &str) -> bool {
    !id.is_empty() && !id.contains(['.', '*', '>']) && !id.chars().any(char::is_whitespace)
}

impl Transport for NatsTransport {
    fn open(&mut self, me: Atom, inbound: mpsc::Sender<Inbound>) -> Result<(), TransportError> {
        if !valid_token(me.name()) {
            return Err(TransportError(format!(
                "the Id `{me}` cannot be a NATS subject token (no `.`, `*`, `>` or spaces)"
            )));
        }
        lock(&self.shared).inbound = Some(inbound.clone());
        let js = self.jetstream.clone();
        let consumer = self.runtime.block_on(async {
            let stream = js
                .get_stream(STREAM)
                .await
                .map_err(|e| error("open the inbox stream")(e.to_string()))?;
            // A fresh consumer: an earlier run's unacknowledged messages come
            // first, at once, instead of after the acknowledgement wait.
            let name = format!("peer_{me}");
            if stream.consumer_info(&name).await.is_ok() {
                stream
                    .delete_consumer(&name)
                    .await
                    .map_err(|e| error("replace the inbox consumer")(e.to_string()))?;
            }
            stream
                .create_consumer(jetstream::consumer::pull::Config {
                    durable_name: Some(name),
                    filter_subject: format!("lcc.inbox.{me}.*"),
                    ack_policy: jetstream::consumer::AckPolicy::Explicit,
                    ack_wait: ACK_WAIT,
                    max_ack_pending: MAX_ACK_PENDING,
                    ..Default::default()
                })
                .await
                .map_err(|e| error("open the inbox")(e.to_string()))
        })?;
        // Inbox: hand each message to the node; acknowledge it when the node
        // settles it (rejected ones at once).
        let tx = inbound.clone();
        let shared = self.shared.clone();
        self.runtime.spawn(async move {
            loop {
                let Ok(mut messages) = consumer.messages().await else {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                };
                while let Some(next) = messages.next().await {
                    let Ok(message) = next else { break };
                    let sender = message.subject.as_str().rsplit('.').next().unwrap_or("").to_string();
                    match Envelope::from_json(&message.payload) {
                        Ok(envelope) if envelope.from.id == sender => {
                            let id = envelope.message_id();
                            lock(&shared).unsettled.entry(id).or_default().push(message);
                            if tx.send(Inbound::Message(envelope)).is_err() {
                                return;
                            }
                            continue;
                        }
                        Ok(envelope) => eprintln!(
                            "rejected message {}: it claims sender `{}` but was published by `{sender}`",
                            envelope.message_id(),
                            envelope.from.id
                        ),
                        Err(e) => eprintln!("rejected a message from `{sender}`: {e}"),
                    }
                    let _ = message.ack().await;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        // Directory: others' announcements.
        let client = self.client.clone();
        let shared = self.shared.clone();
        let mut subscription = self
            .runtime
            .block_on(client.subscribe("lcc.dir.*"))
            .map_err(|e| error("subscribe to the directory")(e.to_string()))?;
        self.runtime.spawn(async move {
            while let Some(message) = subscription.next().await {
                let Ok(a) = serde_json::from_slice::<Announcement>(&message.payload) else {
                    continue;
                };
                let id = Atom::new(&a.id);
                if a.v != WIRE_VERSION || id == me || message.subject.as_str() != format!("lcc.dir.{id}") {
                    continue;
                }
                let roles: Option<Vec<Atom>> = a.roles.map(|r| r.iter().map(|n| Atom::new(n)).collect());
                let reannounce = {
                    let mut s = lock(&shared);
                    let before = s.entries.get(&id).map(|(r, _)| r.clone());
                    match roles {
                        Some(roles) => {
                            s.entries.insert(id, (roles.clone(), Instant::now()));
                            if before.as_ref() != Some(&roles) {
                                s.report();
                            }
                            // A newcomer learns about this node at once.
                            before.is_none().then(|| s.mine.clone()).flatten()
                        }
                        None => {
                            if s.entries.remove(&id).is_some() {
                                s.report();
                            }
                            None
                        }
                    }
                };
                if let Some((me, mine)) = reannounce {
                    let _ = client
                        .publish(format!("lcc.dir.{me}"), announcement(me, Some(&mine)).into())
                        .await;
                }
            }
        });
        // Heartbeats and expiry.
        let client = self.client.clone();
        let shared = self.shared.clone();
        let heartbeat = self.heartbeat;
        self.runtime.spawn(async move {
            loop {
                tokio::time::sleep(heartbeat).await;
                let mine = {
                    let mut s = lock(&shared);
                    let before = s.entries.len();
                    s.entries.retain(|_, (_, seen)| seen.elapsed() < heartbeat * 3);
                    if s.entries.len() != before {
                        s.report();
                    }
                    s.mine.clone()
                };
                if let Some((me, roles)) = mine {
                    let _ = client
                        .publish(format!("lcc.dir.{me}"), announcement(me, Some(&roles)).into())
                        .await;
                }
            }
        });
        Ok(())
    }

    fn deliver(&mut self, envelope: &Envelope) -> Result<(), TransportError> {
        let subject = format!("lcc.inbox.{}.{}", envelope.to.id, envelope.from.id);
        let payload = envelope.to_json();
        let id = envelope.message_id();
        let js = self.jetstream.clone();
        self.runtime.block_on(async move {
            let started = Instant::now();
            loop {
                let publish = jetstream::message::PublishMessage::build()
                    .payload(payload.clone().into())
                    .message_id(&id);
                let last = match js.send_publish(subject.clone(), publish).await {
                    Ok(ack) => match ack.await {
                        Ok(_) => return Ok(()),
                        Err(e) => e.to_string(),
                    },
                    Err(e) => e.to_string(),
                };
                if started.elapsed() > DELIVERY_TIMEOUT {
                    return Err(TransportError(format!("deliver {id} on {subject}: {last}")));
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    }

    fn settle(&mut self, envelope: &Envelope) -> Result<(), TransportError> {
        let copies = lock(&self.shared).unsettled.remove(&envelope.message_id());
        // An acknowledgement is queued on the connection here and flushed with
        // the next publication (at the latest when the node withdraws). One that
        // is lost (the server was down) only means that the server offers the
        // message again after the acknowledgement wait, and the node drops and
        // settles that copy as a duplicate.
        for message in copies.unwrap_or_default() {
            let _ = self.runtime.block_on(message.ack());
        }
        Ok(())
    }

    fn announce(&mut self, me: Atom, roles: &[Atom]) -> Result<(), TransportError> {
        lock(&self.shared).mine = Some((me, roles.to_vec()));
        self.publish_announcement(me, Some(roles), DELIVERY_TIMEOUT)
    }

    fn withdraw(&mut self, me: Atom) -> Result<(), TransportError> {
        lock(&self.shared).mine = None;
        self.publish_announcement(me, None, WITHDRAW_TIMEOUT)
    }

    fn directory(&self) -> Directory {
        lock(&self.shared).directory()
    }
}
