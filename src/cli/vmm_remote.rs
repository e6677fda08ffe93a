//! `lcc peer --datacentre`: the VMM constraints of `stdlib/vmm/constraints.lcc`
//! answered by `lcc datacentre` over NATS (docs/distributed.md). A call is a
//! request on `lcc.vmm.call.ID`; a pending answer arrives later on
//! `lcc.vmm.answer.ID` and resolves the call's [`Pending`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use lcc_eval::constraint::rust_signature;
use lcc_eval::wire::WireTerm;
use lcc_eval::{Answer, Call, Constraint, Pending, Providers, Resolver};
use lcc_syntax::signatures::Signature;
use lcc_vmm::remote::{CallReply, CallRequest, ConstraintInfo, REMOTE_VERSION, Resolution};

/// How long a peer waits for the datacentre service to answer its first request.
const SERVICE_WAIT: Duration = Duration::from_secs(20);

/// The calls waiting for a resolution, by token.
type Waiting = Arc<Mutex<HashMap<u64, Resolver>>>;

/// One peer's link to the datacentre service.
struct Link {
    runtime: tokio::runtime::Runtime,
    client: async_nats::Client,
    me: String,
    waiting: Waiting,
    next: AtomicU64,
}

/// One VMM constraint, forwarded to the service.
struct RemoteConstraint {
    signature: Signature,
    link: Arc<Link>,
}

fn lock(waiting: &Waiting) -> std::sync::MutexGuard<'_, HashMap<u64, Resolver>> {
    waiting.lock().unwrap_or_else(|p| p.into_inner())
}

impl Constraint for RemoteConstraint {
    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn call(&self, call: &Call<'_>) -> Answer {
        let link = &self.link;
        let token = link.next.fetch_add(1, Ordering::Relaxed);
        let (pending, resolver) = Pending::new();
        lock(&link.waiting).insert(token, resolver);
        let request = CallRequest {
            v: REMOTE_VERSION,
            token,
            peer: call.peer.name().to_string(),
            role: call.role.name().to_string(),
            name: self.signature.name.clone(),
            args: call.args.iter().map(WireTerm::from_term).collect(),
        };
        let payload = serde_json::to_vec(&request).expect("a call serialises");
        let subject = format!("lcc.vmm.call.{}", link.me);
        let reply = link.runtime.block_on(link.client.request(subject, payload.into()));
        let reply = reply
            .map_err(|e| e.to_string())
            .and_then(|m| serde_json::from_slice::<CallReply>(&m.payload).map_err(|e| e.to_string()));
        match reply {
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

/// The constraints the datacentre service on `client`'s server offers, for
/// peer `me`: asks the service for the list (waiting up to 20 s for it to
/// come up) and listens for the resolutions of pending calls.
pub fn providers(client: async_nats::Client, me: &str) -> Result<Providers, String> {
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
                Ok(r) if r.v == REMOTE_VERSION => {
                    let resolver = lock(&resolving).remove(&r.token);
                    if let (Some(resolver), Some(answer)) = (resolver, r.answer.answer()) {
                        resolver.resolve(answer);
                    }
                }
                Ok(r) => eprintln!("ignored a datacentre answer of format version {}", r.v),
                Err(e) => eprintln!("ignored a malformed datacentre answer: {e}"),
            }
        }
    });
    let link = Arc::new(Link {
        runtime,
        client,
        me: me.to_string(),
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
