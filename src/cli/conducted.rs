//! Conducted peers over NATS (docs/distributed.md, "Same end state"): `lcc
//! datacentre --schedule FILE` gives each `lcc peer --conducted` process its
//! turns as requests on `lcc.turn.ID`; the peer replies with what it did. A
//! turn also carries the state of the one generator of picks for sends to
//! unbound Ids, which passes from peer to peer with the turns (in one process
//! every peer draws from it in turn), and the reply carries it back.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use lcc_eval::conduct::{Turn, TurnReport};
use lcc_eval::node::TurnHandle;
use lcc_vmm::rng::Rng;
use serde::{Deserialize, Serialize};

/// The version of the messages below (either side rejects others).
pub const CONDUCT_VERSION: u32 = 1;

/// A turn, as the conductor sends it.
#[derive(Debug, Serialize, Deserialize)]
pub struct TurnMessage {
    /// [`CONDUCT_VERSION`].
    pub v: u32,
    /// What to do.
    pub turn: Turn,
    /// The pick generator's state before the turn.
    pub pick: u64,
}

/// A peer's reply to a turn.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReportMessage {
    /// [`CONDUCT_VERSION`].
    pub v: u32,
    /// What the peer did.
    pub report: TurnReport,
    /// The pick generator's state after the turn.
    pub pick: u64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Takes peer `me`'s turns from the conductor on `client`'s server and hands
/// them to the node through `turns`, setting the pick generator `pick` from
/// each; returns the node's reporter, which replies to the turn.
pub fn follow(
    client: async_nats::Client,
    me: &str,
    turns: TurnHandle,
    pick: Arc<Mutex<Rng>>,
) -> Result<impl FnMut(TurnReport) + Send + 'static, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("start the I/O runtime: {e}"))?;
    let mut subscription = runtime
        .block_on(async {
            let subscription = client.subscribe(format!("lcc.turn.{me}")).await?;
            client.flush().await.map_err(|e| e.to_string())?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(subscription)
        })
        .map_err(|e| format!("listen for the conductor's turns: {e}"))?;
    let replies: Arc<Mutex<VecDeque<async_nats::Subject>>> = Arc::default();
    let (queued, setting) = (replies.clone(), pick.clone());
    runtime.spawn(async move {
        while let Some(message) = subscription.next().await {
            let Some(reply) = message.reply else { continue };
            match serde_json::from_slice::<TurnMessage>(&message.payload) {
                Ok(t) if t.v == CONDUCT_VERSION => {
                    *lock(&setting) = Rng::new(t.pick);
                    lock(&queued).push_back(reply);
                    turns.turn(t.turn);
                }
                Ok(t) => eprintln!("ignored a turn of format version {}", t.v),
                Err(e) => eprintln!("ignored a malformed turn: {e}"),
            }
        }
    });
    Ok(move |report: TurnReport| {
        let Some(reply) = lock(&replies).pop_front() else {
            return;
        };
        let message = ReportMessage {
            v: CONDUCT_VERSION,
            report,
            pick: lock(&pick).state(),
        };
        let payload = serde_json::to_vec(&message).expect("a report serialises");
        let client = client.clone();
        runtime.block_on(async move {
            if let Err(e) = client.publish(reply, payload.into()).await {
                eprintln!("could not reply to the conductor: {e}");
            }
        });
    })
}

/// How long a peer has to come up and answer its first turn.
const HELLO_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// How long a peer may take over one turn (a step waits for the messages
/// sent to it to arrive).
const TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The conductor: replays `schedule`, an in-process run's, with the peers it
/// lists in separate processes (`lcc peer --conducted`) and the datacentre
/// `service`, over `client` (I/O on `io`). Each attempt of the schedule is a
/// turn of its peer, given the directory (every peer's roles after its last
/// turn, in the run's order), the messages sent to it since its last turn
/// and the pick generator's state; each `idle` lets the service's time pass
/// as the in-process runtime's idle hook does. After each, the peers whose
/// pending calls were resolved (counted in `resolved`) take their answers in.
/// A step that fires where the recorded one was blocked, or the reverse, is
/// an error: the run has left the schedule.
pub fn replay<D: lcc_vmm::datacentre::Datacentre + Send + 'static>(
    schedule: &lcc_vmm::schedule::Schedule,
    service: &lcc_vmm::remote::ConstraintService<D>,
    client: &async_nats::Client,
    io: &tokio::runtime::Handle,
    resolved: &Mutex<std::collections::BTreeMap<String, usize>>,
) -> Result<(), String> {
    use lcc_vmm::schedule::Entry;
    use std::collections::HashMap;
    use std::time::Instant;

    let ask = |peer: &str, turn: Turn, pick: u64| -> Result<ReportMessage, String> {
        let hello = turn == Turn::Hello;
        let payload = serde_json::to_vec(&TurnMessage {
            v: CONDUCT_VERSION,
            turn,
            pick,
        })
        .expect("a turn serialises");
        io.block_on(async {
            let started = Instant::now();
            loop {
                let request = async_nats::Request::new()
                    .payload(payload.clone().into())
                    .timeout(Some(if hello {
                        std::time::Duration::from_secs(1)
                    } else {
                        TURN_WAIT
                    }));
                match client.send_request(format!("lcc.turn.{peer}"), request).await {
                    Ok(reply) => {
                        let report: ReportMessage = serde_json::from_slice(&reply.payload)
                            .map_err(|e| format!("{peer}'s report is malformed: {e}"))?;
                        if report.v != CONDUCT_VERSION {
                            return Err(format!("{peer}'s report has format version {}", report.v));
                        }
                        return Ok(report);
                    }
                    // A peer that is not up yet: only a first turn is asked
                    // again (a step must not be taken twice).
                    Err(_) if hello && started.elapsed() < HELLO_WAIT => {
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                    Err(e) => return Err(format!("peer {peer} did not answer its turn: {e}")),
                }
            }
        })
    };
    let mut pick = schedule.pick_seed;
    let mut directory: Vec<(String, Vec<String>)> = Vec::new();
    for peer in &schedule.peers {
        match ask(peer, Turn::Hello, pick)?.report {
            TurnReport::Hello { roles } => directory.push((peer.clone(), roles)),
            other => return Err(format!("peer {peer} answered its first turn with {other:?}")),
        }
    }
    eprintln!(
        "every peer has answered: replaying the schedule's {} entries",
        schedule.entries.len()
    );
    let absorb = |pick: u64| -> Result<(), String> {
        let due = std::mem::take(&mut *lock(resolved));
        for (peer, count) in due {
            match ask(&peer, Turn::Absorb { count }, pick)?.report {
                TurnReport::Absorbed { .. } => {}
                other => return Err(format!("peer {peer} answered an absorb turn with {other:?}")),
            }
        }
        Ok(())
    };
    let mut queued: HashMap<String, Vec<String>> = HashMap::new();
    for (n, entry) in schedule.entries.iter().enumerate() {
        match entry {
            Entry::Idle => {
                let more = service.idle().map_err(|e| e.to_string())?;
                absorb(pick)?;
                if !more {
                    break;
                }
            }
            Entry::Attempt { peer, fired } => {
                let Some(at) = directory.iter().position(|(id, _)| id == peer) else {
                    return Err(format!("schedule entry {n}: `{peer}` is not one of its peers"));
                };
                let arrived = queued.remove(peer).unwrap_or_default();
                let turn = Turn::Step {
                    peers: directory.clone(),
                    arrived,
                };
                let report = ask(peer, turn, pick)?;
                pick = report.pick;
                let TurnReport::Stepped {
                    fired: did,
                    roles,
                    sent,
                } = report.report
                else {
                    return Err(format!("peer {peer} answered a step turn with {:?}", report.report));
                };
                if did != *fired {
                    let what = |f: bool| if f { "fired" } else { "was blocked" };
                    return Err(format!(
                        "the run left the schedule at entry {n}: {peer}'s step {} where the recorded one {}",
                        what(did),
                        what(*fired)
                    ));
                }
                directory[at].1 = roles;
                for (to, id) in sent {
                    queued.entry(to).or_default().push(id);
                }
                absorb(pick)?;
            }
        }
    }
    Ok(())
}
