//! Rust stand-ins of the corrected policies `stdlib/vmm/load-balancing.lcc`
//! and `stdlib/vmm/consolidation.lcc`, driving [`VmmConstraints`] exactly as
//! the LCC clauses do; kept as a cross-check of the LCC runs
//! ([`crate::interpreted`]).
//!
//! Each PM is one peer playing a `monitor` and a `server` in parallel. The
//! monitor reads its PM (paced by the monitoring interval) and, when the
//! policy says so, sends `readyToMigrate` to the server of a PM picked at
//! random (the directory's pick) and waits for `migration(ok)` or
//! `migration(refused)`. The server answers every request in arrival order:
//! `ok` when its condition holds (then it waits for the migration), `refused`
//! otherwise. A constraint that is pending blocks its role, as in LCC.

use crate::constraints::{Caller, Outcome, PeerState, VmmConstraints};
use crate::datacentre::Datacentre;
use crate::error::Result;
use crate::model::{Millis, PmId};
use crate::rng::Rng;
use std::collections::VecDeque;

/// Which corrected policy the stand-in plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// `load-balancing.lcc`: an overloaded PM asks a server to take a VM; the
    /// server accepts when it is underloaded and the VM fits.
    LoadBalancing,
    /// `consolidation.lcc`: a PM that can accept more load asks a server for a
    /// VM; the server gives one when it is underloaded and the VM fits; an
    /// empty PM releases its resources and sleeps 5 s.
    Consolidation,
}

const MONITOR: u64 = 0;
const SERVER: u64 = 1;
const SHUTDOWN: u64 = 2;

/// `readyToMigrate(State)` from the monitor of `from`.
#[derive(Clone, Copy, Debug)]
struct Request {
    from: PmId,
    state: PeerState,
}

#[derive(Clone, Copy, Debug)]
enum Monitor {
    /// `getPeerState(Status)` and the choice that follows.
    Read,
    /// Sent `readyToMigrate` to `partner`'s server; awaiting the answer.
    Asked { partner: PmId },
    /// `a(shutdown)`: `releaseResources()` done, now `sleep(5000)`.
    Sleeping,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Server {
    Idle,
    /// Answered `migration(ok)`; `waitForMigration()`.
    Waiting,
}

#[derive(Clone, Debug)]
struct Peer {
    monitor: Monitor,
    server: Server,
    inbox: VecDeque<Request>,
    /// The answer to this peer's monitor: `Some(true)` for `migration(ok)`.
    answer: Option<bool>,
}

/// The peers of a stand-in policy, one per PM.
#[derive(Clone, Debug)]
pub struct StandIn {
    kind: PolicyKind,
    peers: Vec<Peer>,
    rng: Rng,
    messages: u64,
}

/// What one step of a role did.
enum Progress {
    /// The role moved on.
    Moved,
    /// The role waits for a message or an event.
    Blocked,
    /// The role waits for a pending constraint until this time.
    Until(Millis),
}

impl StandIn {
    /// A stand-in of `kind` with one peer per PM of a datacentre of `pms` PMs;
    /// `seed` drives the directory's random picks.
    pub fn new(kind: PolicyKind, pms: usize, seed: u64) -> Self {
        let peer = Peer {
            monitor: Monitor::Read,
            server: Server::Idle,
            inbox: VecDeque::new(),
            answer: None,
        };
        StandIn {
            kind,
            peers: vec![peer; pms],
            rng: Rng::new(seed),
            messages: 0,
        }
    }

    /// How many messages the peers have sent.
    pub fn messages(&self) -> u64 {
        self.messages
    }

    /// Runs every peer as far as it can go now. Returns the earliest time at
    /// which a pending constraint may answer differently (`None` when every
    /// role waits for a message or a datacentre event).
    pub fn step<D: Datacentre>(&mut self, c: &mut VmmConstraints<D>) -> Result<Option<Millis>> {
        let mut order: Vec<usize> = (0..self.peers.len()).collect();
        self.rng.shuffle(&mut order);
        loop {
            let mut moved = false;
            let mut wake: Option<Millis> = None;
            for &p in &order {
                for role in [SERVER, MONITOR] {
                    loop {
                        let progress = if role == SERVER {
                            self.serve(c, PmId(p))?
                        } else {
                            self.monitor(c, PmId(p))?
                        };
                        match progress {
                            Progress::Moved => moved = true,
                            Progress::Blocked => break,
                            Progress::Until(t) => {
                                wake = Some(wake.map_or(t, |w| w.min(t)));
                                break;
                            }
                        }
                    }
                }
            }
            if !moved {
                return Ok(wake);
            }
        }
    }

    fn send(&mut self, to: PmId, request: Request) {
        self.messages += 1;
        self.peers[to.0].inbox.push_back(request);
    }

    /// A PM other than `me`, picked at random.
    fn partner(&mut self, me: PmId) -> Option<PmId> {
        let n = self.peers.len();
        (n > 1).then(|| {
            let k = self.rng.below(n - 1);
            PmId(if k >= me.0 { k + 1 } else { k })
        })
    }

    fn monitor<D: Datacentre>(&mut self, c: &mut VmmConstraints<D>, me: PmId) -> Result<Progress> {
        let who = Caller { pm: me, role: MONITOR };
        match self.peers[me.0].monitor {
            Monitor::Read => {
                let state = match c.get_peer_state(who)? {
                    Outcome::Done(s) => s,
                    Outcome::Pending { until } => return Ok(pending(until)),
                    Outcome::Failed(_) => return Ok(Progress::Blocked),
                };
                let asks = match self.kind {
                    PolicyKind::LoadBalancing => c.is_over_loaded(who)?.is_done(),
                    PolicyKind::Consolidation => c.can_accept_more_load(who)?.is_done(),
                };
                if asks {
                    if let Some(partner) = self.partner(me) {
                        self.send(partner, Request { from: me, state });
                        self.peers[me.0].monitor = Monitor::Asked { partner };
                    }
                } else if self.kind == PolicyKind::Consolidation && c.has_no_load(who)?.is_done() {
                    // a(shutdown): releaseResources() then sleep(5000).
                    let shut = Caller { pm: me, role: SHUTDOWN };
                    if c.release_resources(shut)?.is_done() {
                        self.peers[me.0].monitor = Monitor::Sleeping;
                    }
                }
                Ok(Progress::Moved)
            }
            Monitor::Asked { partner } => match self.peers[me.0].answer.take() {
                None => Ok(Progress::Blocked),
                Some(ok) => {
                    if ok {
                        let (from, to) = match self.kind {
                            PolicyKind::LoadBalancing => (me, partner),
                            PolicyKind::Consolidation => (partner, me),
                        };
                        // A migration that cannot start fails the clause; the
                        // server learns it from waitForMigration.
                        c.migration(from, to)?;
                    }
                    self.peers[me.0].monitor = Monitor::Read;
                    Ok(Progress::Moved)
                }
            },
            Monitor::Sleeping => {
                let shut = Caller { pm: me, role: SHUTDOWN };
                match c.sleep(shut, 5_000)? {
                    Outcome::Pending { until } => Ok(pending(until)),
                    _ => {
                        self.peers[me.0].monitor = Monitor::Read;
                        Ok(Progress::Moved)
                    }
                }
            }
        }
    }

    fn serve<D: Datacentre>(&mut self, c: &mut VmmConstraints<D>, me: PmId) -> Result<Progress> {
        let who = Caller { pm: me, role: SERVER };
        if self.peers[me.0].server == Server::Waiting {
            return Ok(match c.wait_for_migration(who)? {
                Outcome::Pending { until } => pending(until),
                _ => {
                    self.peers[me.0].server = Server::Idle;
                    Progress::Moved
                }
            });
        }
        let Some(&request) = self.peers[me.0].inbox.front() else {
            return Ok(Progress::Blocked);
        };
        // migration(ok) <- isUnderLoaded() and getPeerState(S) and isMigrationPossible(..)
        let accepted = if c.is_under_loaded(who)?.is_done() {
            let own = match c.get_peer_state(who)? {
                Outcome::Done(s) => s,
                Outcome::Pending { until } => return Ok(pending(until)),
                Outcome::Failed(_) => return Ok(Progress::Blocked),
            };
            let (capacity, need) = match self.kind {
                PolicyKind::LoadBalancing => (own, request.state),
                PolicyKind::Consolidation => (request.state, own),
            };
            c.is_migration_possible(who, &capacity, &need)?.is_done()
        } else {
            false
        };
        self.peers[me.0].inbox.pop_front();
        self.messages += 1;
        self.peers[request.from.0].answer = Some(accepted);
        if accepted {
            self.peers[me.0].server = Server::Waiting;
        }
        Ok(Progress::Moved)
    }
}

fn pending(until: Option<Millis>) -> Progress {
    until.map_or(Progress::Blocked, Progress::Until)
}
