//! `lcc peer --datacentre`: the VMM constraints of `stdlib/vmm/constraints.lcc`
//! answered by `lcc datacentre` over NATS (docs/distributed.md). A call is a
//! request on `lcc.vmm.call.ID`; a pending answer arrives later on
//! `lcc.vmm.answer.ID` and resolves the call's [`Pending`].
//!
//! Calls are idempotent (`lcc_vmm::remote`): each is named by this peer's Id,
//! its run (the process's start time) and a counter, and the service replays
//! the answer of a request it has seen. So a call whose reply does not come
//! (lost, the server restarting) is asked again, with the same request, until
//! it is answered; and when the connection comes back after it was lost, the
//! calls still pending are asked again, since their resolutions may have been
//! published while this peer was away.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use lcc_eval::constraint::rust_signature;
use lcc_eval::wire::WireTerm;
use lcc_eval::{Answer, Call, Constraint, Pending, Providers, Resolver};
use lcc_syntax::signatures::Signature;
use lcc_vmm::remote::{CallReply, CallRequest, ConstraintInfo, REMOTE_VERSION, Resolution};

/// How long a peer waits for the datacentre service to answer its first request.
const SERVICE_WAIT: Duration = Duration::from_secs(20);

/// How long one attempt of a call waits for the reply before asking again.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a call is asked again before it is an error (the peer stops).
const CALL_LIMIT: Duration = Duration::from_secs(60);

/// A call waiting for its resolution: its request (to ask again) and resolver.
struct WaitingCall {
    request: Arc<Vec<u8>>,
    resolver: Resolver,
}

/// The calls waiting for a resolution, by token.
type Waiting = Arc<Mutex<HashMap<u64, WaitingCall>>>;

/// One peer's link to the datacentre service.
struct Link {
    runtime: tokio::runtime::Runtime,
    client: async_nats::Client,
    me: String,
    /// This process's run: its start time in microseconds.
    run: u64,
    waiting: Waiting,
    next: AtomicU64,
}

/// One VMM constraint, forwarded to the service.
struct RemoteConstraint {
    signature: Signature,
    link: Arc<Link>,
}

fn lock(waiting: &Waiting) -> std::sync::MutexGuard<'_, HashMap<u64, WaitingCall>> {
    waiting.lock().unwrap_or_else(|p| p.into_inner())
}

/// Sends `request` on `subject` until a reply comes (each attempt waiting
/// [`ATTEMPT_TIMEOUT`]), for up to [`CALL_LIMIT`]; the reply, decoded.
async fn ask(client: &async_nats::Client, subject: String, request: Arc<Vec<u8>>) -> Result<CallReply, String> {
    let started = Instant::now();
    loop {
        let attempt = async_nats::Request::new()
            .payload(request.to_vec().into())
            .timeout(Some(ATTEMPT_TIMEOUT));
        let why = match client.send_request(subject.clone(), attempt).await {
            Ok(reply) => {
                return serde_json::from_slice::<CallReply>(&reply.payload)
                    .map_err(|e| format!("a malformed reply: {e}"));
            }
            Err(e) => e.to_string(),
        };
        if started.elapsed() > CALL_LIMIT {
            return Err(format!("no reply for {} s: {why}", CALL_LIMIT.as_secs()));
        }
        // No responder (the service is reconnecting) fails at once: pause.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Constraint for RemoteConstraint {
    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn call(&self, call: &Call<'_>) -> Answer {
        let link = &self.link;
        let token = link.next.fetch_add(1, Ordering::Relaxed);
        let (pending, resolver) = Pending::new();
        let request = CallRequest {
            v: REMOTE_VERSION,
            token,
            peer: call.peer.name().to_string(),
            run: link.run,
            waiting: lock(&link.waiting).keys().copied().collect(),
            role: call.role.name().to_string(),
            name: self.signature.name.clone(),
            args: call.args.iter().map(WireTerm::from_term).collect(),
        };
        let payload = Arc::new(serde_json::to_vec(&request).expect("a call serialises"));
        lock(&link.waiting).insert(
            token,
            WaitingCall {
                request: payload.clone(),
                resolver,
            },
        );
        let subject = format!("lcc.vmm.call.{}", link.me);
        match link.runtime.block_on(ask(&link.client, subject, payload)) {
            Ok(CallReply::Pending) => Answer::Pending(pending),
            Ok(final_reply) => {
                lock(&link.waiting).remove(&token);
                final_reply.answer().expect("a final reply")
            }
            Err(why) => {
                lock(&link.waiting).remove(&token);
                Answer::Error(format!("the datacentre service did not answer {}: {why}", request.name))
            }
        }
    }
}

/// Resolves waiting call `token` with `reply` unless it is still pending or
/// was resolved already.
fn resolve(waiting: &Waiting, token: u64, reply: &CallReply) {
    let Some(answer) = reply.answer() else { return };
    if let Some(call) = lock(waiting).remove(&token) {
        call.resolver.resolve(answer);
    }
}

/// The constraints the datacentre service on `client`'s server offers, for
/// peer `me`: asks the service for the list (waiting up to 20 s for it to
/// come up), listens for the resolutions of pending calls, and asks again for
/// the calls still pending whenever `connections` says the client has
/// reconnected.
pub fn providers(
    client: async_nats::Client,
    mut connections: tokio::sync::watch::Receiver<u64>,
    me: &str,
) -> Result<Providers, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("start the I/O runtime: {e}"))?;
    let waiting: Waiting = Arc::default();
    let (infos, mut answers) = runtime.block_on(async {
        let answers = client
            .subscribe(format!("lcc.vmm.answer.{me}"))
            .await
            .map_err(|e| format!("listen for the datacentre's answers: {e}"))?;
        let started = Instant::now();
        loop {
            match client.request("lcc.vmm.constraints", "".into()).await {
                Ok(reply) => {
                    let infos: Vec<ConstraintInfo> = serde_json::from_slice(&reply.payload)
                        .map_err(|e| format!("the datacentre's constraint list: {e}"))?;
                    return Ok::<_, String>((infos, answers));
                }
                Err(e) if started.elapsed() > SERVICE_WAIT => {
                    return Err(format!("no datacentre service (lcc datacentre) answers: {e}"));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    })?;
    let resolving = waiting.clone();
    runtime.spawn(async move {
        while let Some(message) = answers.next().await {
            match serde_json::from_slice::<Resolution>(&message.payload) {
                Ok(r) if r.v == REMOTE_VERSION => resolve(&resolving, r.token, &r.answer),
                Ok(r) => eprintln!("ignored a datacentre answer of format version {}", r.v),
                Err(e) => eprintln!("ignored a malformed datacentre answer: {e}"),
            }
        }
    });
    // After a reconnection, ask again for every call still pending.
    let (asking, asker) = (waiting.clone(), client.clone());
    let subject = format!("lcc.vmm.call.{me}");
    connections.mark_unchanged();
    runtime.spawn(async move {
        while connections.changed().await.is_ok() {
            let calls: Vec<(u64, Arc<Vec<u8>>)> = lock(&asking).iter().map(|(t, c)| (*t, c.request.clone())).collect();
            for (token, request) in calls {
                let (waiting, client, subject) = (asking.clone(), asker.clone(), subject.clone());
                tokio::spawn(async move {
                    let reply = ask(&client, subject, request).await.unwrap_or_else(|why| {
                        CallReply::Error(format!("the datacentre service did not answer: {why}"))
                    });
                    resolve(&waiting, token, &reply);
                });
            }
        }
    });
    let run = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64);
    let link = Arc::new(Link {
        runtime,
        client,
        me: me.to_string(),
        run,
        waiting,
        next: AtomicU64::new(1),
    });
    let mut providers = Providers::new();
    for info in infos {
        let modes = info.modes()?;
        providers.add(Arc::new(RemoteConstraint {
            signature: rust_signature(&info.name, &modes, &info.doc),
            link: link.clone(),
        }));
    }
    Ok(providers)
}
