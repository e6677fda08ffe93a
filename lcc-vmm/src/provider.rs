//! The LCC constraint provider: every constraint of `stdlib/vmm/constraints.lcc`
//! as an [`lcc_eval::Constraint`], adapting [`VmmConstraints`].
//!
//! Peers are named after the PMs they manage (the datacentre's PM names). A
//! constraint whose answer is [`Outcome::Pending`] answers
//! [`Answer::Pending`]; the provider keeps the call and its resolver, and
//! [`VmmProvider::wake_due`] asks every kept call again, resolving those that
//! now have an answer (which wakes the peer). Nothing polls: whoever drives
//! time (the simulated clock of [`crate::interpreted`], or real time) calls
//! `wake_due` after letting time pass to [`VmmProvider::next_wake`].
//!
//! Terms: `Status` is `state(Pm, LoadPercent, resources(FreeCpu, FreeMem),
//! resources(UsedCpu, UsedMem))`; PMs are atoms (their names).

use crate::constraints::{Caller, Outcome, PeerState, VmmConstraints};
use crate::datacentre::Datacentre;
use crate::error::Result;
use crate::model::{Millis, PmId, Resources};
use lcc_eval::constraint::rust_signature;
use lcc_eval::{Answer, Atom, Call, Constraint, F64, Pending, Providers, Resolver, Term};
use lcc_syntax::ast::Mode;
use lcc_syntax::signatures::Signature;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// One constraint call, with its arguments decoded.
#[derive(Clone, Debug)]
enum Ask {
    GetPeerState,
    IsOverLoaded,
    IsUnderLoaded,
    CanAcceptMoreLoad,
    HasNoLoad,
    IsMigrationPossible(PeerState, PeerState),
    IsAboveBandMiddle,
    IsDonationPossible(PeerState, PeerState),
    Migration(PmId, PmId),
    WaitForMigration,
    ReleaseResources,
    Sleep(Millis),
}

/// A call whose answer was pending, kept until it has one.
struct Waiting {
    ask: Ask,
    caller: Caller,
    until: Option<Millis>,
    resolver: Resolver,
}

struct Shared<D> {
    constraints: VmmConstraints<D>,
    pms: HashMap<Atom, PmId>,
    roles: HashMap<Atom, u64>,
    waiting: Vec<Waiting>,
}

/// The VMM constraints for LCC runs, over one shared [`VmmConstraints`].
pub struct VmmProvider<D> {
    shared: Arc<Mutex<Shared<D>>>,
}

impl<D> Clone for VmmProvider<D> {
    fn clone(&self) -> Self {
        VmmProvider {
            shared: self.shared.clone(),
        }
    }
}

/// The constraints provided: name, modes, doc (as in `stdlib/vmm/constraints.lcc`).
const CONSTRAINTS: &[(&str, &[Mode], &str)] = &[
    (
        "getPeerState",
        &[Mode::Out],
        "Reads the peer's load and capacity into Status; pending until the next monitoring tick, then succeeds (an unreachable host is a run-time error).",
    ),
    (
        "isOverLoaded",
        &[],
        "Succeeds when the peer's load is above the overload threshold (default: 120% of the cluster average).",
    ),
    (
        "isUnderLoaded",
        &[],
        "Succeeds when the peer's load is below the underload threshold (default: 80% of the cluster average).",
    ),
    (
        "canAcceptMoreLoad",
        &[],
        "Succeeds when the peer is loaded above the consolidation threshold but still has free capacity.",
    ),
    ("hasNoLoad", &[], "Succeeds when the peer hosts no running VM."),
    (
        "isMigrationPossible",
        &[Mode::In, Mode::In],
        "Succeeds when a VM needing Need fits in Capacity; reserves the capacity for the negotiation.",
    ),
    (
        "isAboveBandMiddle",
        &[],
        "Succeeds when the peer is on and its load is above the middle of the band (halfway between the underload and overload thresholds: the cluster average by default).",
    ),
    (
        "isDonationPossible",
        &[Mode::In, Mode::In],
        "Succeeds when this peer (Give, a donor asked for load) has a VM, chosen by the configured strategy, that fits in Capacity (the asker's) without lifting the asker above the accept limit, and whose departure leaves this peer within the band and at least as loaded as the asker; reserves it for the negotiation.",
    ),
    (
        "migration",
        &[Mode::In, Mode::In],
        "Starts the live migration of one VM (chosen by the configured strategy) from peer From to peer To and succeeds; a failed migration leaves the VM running on From.",
    ),
    (
        "waitForMigration",
        &[],
        "Pending until the migration this peer accepted has ended, successfully or not; then succeeds and releases the reserved capacity.",
    ),
    (
        "releaseResources",
        &[],
        "Powers off or suspends this peer if it hosts no VM.",
    ),
    ("sleep", &[Mode::In], "Pending for the given number of milliseconds."),
];

/// One constraint of the provider, as lcc-eval sees it.
struct VmmConstraint<D> {
    signature: Signature,
    provider: VmmProvider<D>,
}

impl<D: Datacentre + Send + 'static> Constraint for VmmConstraint<D> {
    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn call(&self, call: &Call<'_>) -> Answer {
        let mut shared = self.provider.lock();
        match shared.decode(&self.signature.name, call.args) {
            Err(why) => Answer::Error(why),
            Ok(ask) => {
                let caller = shared.caller(call.peer, call.role);
                match caller {
                    Err(why) => Answer::Error(why),
                    Ok(caller) => shared.answer(ask, caller),
                }
            }
        }
    }
}

impl<D: Datacentre + Send + 'static> VmmProvider<D> {
    /// A provider over `constraints`; peers are named after its PMs.
    pub fn new(constraints: VmmConstraints<D>) -> Result<Self> {
        let dc = constraints.datacentre();
        let pms = (0..dc.pm_count())
            .map(|p| dc.pm(PmId(p)).map(|info| (Atom::new(&info.name), PmId(p))))
            .collect::<Result<_>>()?;
        Ok(VmmProvider {
            shared: Arc::new(Mutex::new(Shared {
                constraints,
                pms,
                roles: HashMap::new(),
                waiting: Vec::new(),
            })),
        })
    }

    /// Every constraint of `stdlib/vmm/constraints.lcc`, to add to a run's providers.
    pub fn providers(&self) -> Providers {
        let mut providers = Providers::new();
        for (name, modes, doc) in CONSTRAINTS {
            providers.add(Arc::new(VmmConstraint {
                signature: rust_signature(name, modes, doc),
                provider: self.clone(),
            }));
        }
        providers
    }

    fn lock(&self) -> MutexGuard<'_, Shared<D>> {
        self.shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` on the constraints (to read or advance the datacentre).
    pub fn with<R>(&self, f: impl FnOnce(&mut VmmConstraints<D>) -> R) -> R {
        f(&mut self.lock().constraints)
    }

    /// How many calls wait for an answer.
    pub fn waiting(&self) -> usize {
        self.lock().waiting.len()
    }

    /// When asking the waiting calls again may give an answer: the earliest
    /// time one of them named, or the datacentre's next event for those that
    /// wait for one. `None` when no call waits, or when none can tell.
    pub fn next_wake(&self) -> Option<Millis> {
        let shared = self.lock();
        let event = shared.constraints.datacentre().next_event();
        shared.waiting.iter().filter_map(|w| w.until.or(event)).min()
    }

    /// Asks every waiting call again and resolves those that have an answer
    /// now (waking their peers); returns how many were resolved.
    pub fn wake_due(&self) -> usize {
        let resolved: Vec<(Resolver, Answer)> = {
            let mut shared = self.lock();
            let mut resolved = Vec::new();
            for w in std::mem::take(&mut shared.waiting) {
                match shared.outcome(&w.ask, w.caller) {
                    Ok(Outcome::Pending { until }) => shared.waiting.push(Waiting { until, ..w }),
                    other => resolved.push((w.resolver, answer_of(other))),
                }
            }
            resolved
        };
        let n = resolved.len();
        for (resolver, answer) in resolved {
            resolver.resolve(answer);
        }
        n
    }
}

impl<D: Datacentre> Shared<D> {
    /// The caller: the PM the peer is named after, and its role.
    fn caller(&mut self, peer: Atom, role: Atom) -> std::result::Result<Caller, String> {
        let pm = self.pm(&Term::Atom(peer))?;
        let next = self.roles.len() as u64;
        let role = *self.roles.entry(role).or_insert(next);
        Ok(Caller { pm, role })
    }

    fn pm(&self, t: &Term) -> std::result::Result<PmId, String> {
        t.as_atom()
            .and_then(|a| self.pms.get(&a).copied())
            .ok_or_else(|| format!("`{t}` is not a PM of the datacentre"))
    }

    fn decode(&self, name: &str, args: &[Term]) -> std::result::Result<Ask, String> {
        Ok(match name {
            "getPeerState" => Ask::GetPeerState,
            "isOverLoaded" => Ask::IsOverLoaded,
            "isUnderLoaded" => Ask::IsUnderLoaded,
            "canAcceptMoreLoad" => Ask::CanAcceptMoreLoad,
            "hasNoLoad" => Ask::HasNoLoad,
            "isMigrationPossible" => Ask::IsMigrationPossible(self.state(&args[0])?, self.state(&args[1])?),
            "isAboveBandMiddle" => Ask::IsAboveBandMiddle,
            "isDonationPossible" => Ask::IsDonationPossible(self.state(&args[0])?, self.state(&args[1])?),
            "migration" => Ask::Migration(self.pm(&args[0])?, self.pm(&args[1])?),
            "waitForMigration" => Ask::WaitForMigration,
            "releaseResources" => Ask::ReleaseResources,
            "sleep" => match &args[0] {
                Term::Int(ms) if *ms >= 0 => Ask::Sleep(*ms as Millis),
                other => return Err(format!("sleep({other}): a number of milliseconds is expected")),
            },
            other => return Err(format!("`{other}` is not a VMM constraint")),
        })
    }

    /// A `Status` term back as a [`PeerState`] (the cluster average and the
    /// reading time are not in the term; `isMigrationPossible` uses the PMs).
    fn state(&self, t: &Term) -> std::result::Result<PeerState, String> {
        let bad = || format!("`{t}` is not a `state(Pm, Load, resources(..), resources(..))` from getPeerState");
        let args = match t.name_arity() {
            Some((f, 4)) if f.name() == "state" => t.args(),
            _ => return Err(bad()),
        };
        let res = |r: &Term| match (r.name_arity(), r.args()) {
            (Some((f, 2)), [cpu, mem]) if f.name() == "resources" => Some(Resources::new(number(cpu)?, number(mem)?)),
            _ => None,
        };
        Ok(PeerState {
            pm: self.pm(&args[0])?,
            load_percent: number(&args[1]).ok_or_else(bad)?,
            free: res(&args[2]).ok_or_else(bad)?,
            used: res(&args[3]).ok_or_else(bad)?,
            cluster_average: 0.0,
            read_at: 0,
        })
    }

    fn outcome(&mut self, ask: &Ask, caller: Caller) -> Result<Outcome<Vec<Term>>> {
        let c = &mut self.constraints;
        let none = |o: Outcome<()>| map(o, |()| Vec::new());
        Ok(match ask {
            Ask::GetPeerState => {
                let names = &self.pms;
                map(c.get_peer_state(caller)?, |s| vec![status_term(names, &s)])
            }
            Ask::IsOverLoaded => none(c.is_over_loaded(caller)?),
            Ask::IsUnderLoaded => none(c.is_under_loaded(caller)?),
            Ask::CanAcceptMoreLoad => none(c.can_accept_more_load(caller)?),
            Ask::HasNoLoad => none(c.has_no_load(caller)?),
            Ask::IsMigrationPossible(capacity, need) => none(c.is_migration_possible(caller, capacity, need)?),
            Ask::IsAboveBandMiddle => none(c.is_above_band_middle(caller)?),
            Ask::IsDonationPossible(capacity, give) => none(c.is_donation_possible(caller, capacity, give)?),
            Ask::Migration(from, to) => map(c.migration(*from, *to)?, |_| Vec::new()),
            Ask::WaitForMigration => none(c.wait_for_migration(caller)?),
            Ask::ReleaseResources => none(c.release_resources(caller)?),
            Ask::Sleep(ms) => none(c.sleep(caller, *ms)?),
        })
    }

    /// Answers a call now, keeping it if its answer is pending.
    fn answer(&mut self, ask: Ask, caller: Caller) -> Answer {
        match self.outcome(&ask, caller) {
            Ok(Outcome::Pending { until }) => {
                let (pending, resolver) = Pending::new();
                self.waiting.push(Waiting {
                    ask,
                    caller,
                    until,
                    resolver,
                });
                Answer::Pending(pending)
            }
            other => answer_of(other),
        }
    }
}

fn map<T>(o: Outcome<T>, f: impl FnOnce(T) -> Vec<Term>) -> Outcome<Vec<Term>> {
    match o {
        Outcome::Done(v) => Outcome::Done(f(v)),
        Outcome::Failed(why) => Outcome::Failed(why),
        Outcome::Pending { until } => Outcome::Pending { until },
    }
}

/// A final outcome as an answer (a backend error stops the run).
fn answer_of(outcome: Result<Outcome<Vec<Term>>>) -> Answer {
    match outcome {
        Ok(Outcome::Done(values)) => Answer::solution(values),
        Ok(Outcome::Failed(_)) => Answer::Failed,
        Ok(Outcome::Pending { .. }) => Answer::Error("a pending outcome is not an answer".into()),
        Err(e) => Answer::Error(e.to_string()),
    }
}

fn number(t: &Term) -> Option<f64> {
    match t {
        Term::Int(i) => Some(*i as f64),
        Term::Float(F64(f)) => Some(*f),
        _ => None,
    }
}

/// `state(Pm, LoadPercent, resources(FreeCpu, FreeMem), resources(UsedCpu, UsedMem))`.
fn status_term(pms: &HashMap<Atom, PmId>, s: &PeerState) -> Term {
    let name = pms
        .iter()
        .find(|(_, p)| **p == s.pm)
        .map_or_else(|| Term::atom(&s.pm.to_string()), |(a, _)| Term::Atom(*a));
    let res = |r: Resources| Term::app("resources", vec![Term::Float(F64(r.cpu)), Term::Float(F64(r.mem))]);
    Term::app(
        "state",
        vec![name, Term::Float(F64(s.load_percent)), res(s.free), res(s.used)],
    )
}
