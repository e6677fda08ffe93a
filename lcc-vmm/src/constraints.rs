//! The VMM constraints of `stdlib/vmm/constraints.lcc` as a plain-Rust API.
//!
//! Every constraint is a method taking the [`Caller`] (the peer, i.e. the PM it
//! manages, and the role instance asking) and answering an [`Outcome`]: done
//! (with a value), failed (with the reason), or pending (with the time at which
//! asking again may get another answer). A backend failure, such as an
//! unreachable hypervisor, is an `Err`. An LCC constraint provider is an
//! adapter from terms to these calls: pending maps to a pending constraint.

use crate::datacentre::{Datacentre, MigrationStatus, PowerState, VmInfo};
use crate::error::Result;
use crate::model::{MigrationId, Millis, PmId, Resources, VmId};
use crate::strategy::{Side, VmChoice};
use crate::thresholds::Thresholds;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// Who evaluates a constraint: the peer's PM and the role instance (any key
/// that tells apart the roles a peer plays in parallel, e.g. monitor and server).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Caller {
    /// The PM the peer manages.
    pub pm: PmId,
    /// The role instance asking.
    pub role: u64,
}

/// The answer of a constraint.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome<T> {
    /// The constraint holds, with its result.
    Done(T),
    /// The constraint does not hold, for this reason.
    Failed(String),
    /// No answer yet: ask again at `until`, or, when `None`, after the next
    /// datacentre event (a migration ending, see [`Datacentre::next_event`]).
    Pending {
        /// When asking again may give another answer.
        until: Option<Millis>,
    },
}

impl<T> Outcome<T> {
    /// Whether the constraint holds.
    pub fn is_done(&self) -> bool {
        matches!(self, Outcome::Done(_))
    }
}

/// The `Status` of `getPeerState(Status)`: one reading of a PM.
///
/// As an LCC term: `state(Pm, LoadPercent, FreeCapacity, UsedCapacity)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeerState {
    /// The PM read.
    pub pm: PmId,
    /// Its CPU load in percent of its capacity, not counting VMs migrating
    /// (or reserved to migrate) away.
    pub load_percent: f64,
    /// What is free (capacity less use and reservations).
    pub free: Resources,
    /// What is in use.
    pub used: Resources,
    /// The cluster's average load at the time of the reading.
    pub cluster_average: f64,
    /// When it was read.
    pub read_at: Millis,
}

/// Settings of the constraints.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstraintConfig {
    /// Load thresholds.
    pub thresholds: Thresholds,
    /// A role instance reads its PM's state at most once per interval.
    pub monitoring_interval: Millis,
    /// Which VM a migration moves.
    pub strategy: VmChoice,
    /// How long a reservation made by `isMigrationPossible` waits for its
    /// migration to start before it lapses.
    pub negotiation_timeout: Millis,
    /// What `releaseResources` does to an empty PM.
    pub release_to: PowerState,
    /// VMs that never move.
    pub pinned: BTreeSet<VmId>,
    /// At most this many migrations start (or are reserved) per monitoring
    /// interval; `None` for no cap.
    pub max_migrations_per_round: Option<usize>,
    /// Decide, journal, but never start a migration: `migration` fails with
    /// "dry run" and the journal says what would have moved and why.
    pub dry_run: bool,
    /// Hysteresis: a VM whose migration started in monitoring interval `t`
    /// is not chosen again before interval `t + hysteresis_rounds`, so it
    /// cannot bounce back to the PM it came from (0: no such rule).
    pub hysteresis_rounds: u64,
}

impl Default for ConstraintConfig {
    fn default() -> Self {
        ConstraintConfig {
            thresholds: Thresholds::default(),
            monitoring_interval: 10_000,
            strategy: VmChoice::default(),
            negotiation_timeout: 60_000,
            release_to: PowerState::Off,
            pinned: BTreeSet::new(),
            max_migrations_per_round: None,
            dry_run: false,
            hysteresis_rounds: 0,
        }
    }
}

/// One decision of `migration(From, To)`: what was to move, why, and what
/// happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// When it was taken.
    pub at: Millis,
    /// The VM chosen.
    pub vm: VmId,
    /// Its source.
    pub from: PmId,
    /// Its destination.
    pub to: PmId,
    /// Why: the loads and thresholds behind the choice.
    pub why: String,
    /// The migration started, or why none did (a dry run, a refusal).
    pub outcome: std::result::Result<MigrationId, String>,
}

/// A reservation made by `isMigrationPossible`, tracked until its migration ends.
#[derive(Clone, Debug)]
struct Negotiation {
    /// The role instance that reserved, and waits for the end in `waitForMigration`.
    owner: Caller,
    from: PmId,
    to: PmId,
    vm: VmId,
    demand: Resources,
    /// The constraint that reserved: `isMigrationPossible` or `isDonationPossible`.
    check: &'static str,
    expires: Millis,
    migration: Option<MigrationId>,
}

/// The VMM constraints over a datacentre.
pub struct VmmConstraints<D> {
    dc: D,
    config: ConstraintConfig,
    readings: HashMap<PmId, PeerState>,
    last_read: HashMap<Caller, Millis>,
    sleeps: HashMap<Caller, Millis>,
    negotiations: Vec<Negotiation>,
    finished: HashMap<Caller, Vec<std::result::Result<(), String>>>,
    /// The cluster average, cached for one instant (cleared by migrations
    /// and power changes).
    average: Option<(Millis, f64)>,
    /// The instant the negotiations were last settled at.
    settled_at: Option<Millis>,
    /// The monitoring interval of the latest migration start, and how many
    /// started in it.
    round: (Millis, usize),
    journal: Vec<Decision>,
    /// The monitoring interval in which each VM's latest migration started.
    moved_in: HashMap<VmId, Millis>,
}

impl<D: Datacentre> VmmConstraints<D> {
    /// Constraints over `dc` with `config`.
    pub fn new(dc: D, config: ConstraintConfig) -> Self {
        VmmConstraints {
            dc,
            config,
            readings: HashMap::new(),
            last_read: HashMap::new(),
            sleeps: HashMap::new(),
            negotiations: Vec::new(),
            finished: HashMap::new(),
            average: None,
            settled_at: None,
            round: (0, 0),
            journal: Vec::new(),
            moved_in: HashMap::new(),
        }
    }

    /// Every decision of `migration(From, To)` so far, in order.
    pub fn journal(&self) -> &[Decision] {
        &self.journal
    }

    /// Migrations started in the current monitoring interval plus those
    /// reserved and not started.
    fn migrations_this_round(&self) -> usize {
        let started = if self.round.0 == self.tick(self.dc.now()) {
            self.round.1
        } else {
            0
        };
        started + self.negotiations.iter().filter(|n| n.migration.is_none()).count()
    }

    /// The datacentre.
    pub fn datacentre(&self) -> &D {
        &self.dc
    }

    /// The datacentre, to let time pass or inject faults.
    pub fn datacentre_mut(&mut self) -> &mut D {
        &mut self.dc
    }

    /// The settings.
    pub fn config(&self) -> &ConstraintConfig {
        &self.config
    }

    /// How many reservations are open now (made, and neither lapsed nor
    /// their migration ended).
    pub fn open_negotiations(&mut self) -> Result<usize> {
        self.settle()?;
        Ok(self.negotiations.len())
    }

    fn tick(&self, t: Millis) -> Millis {
        t / self.config.monitoring_interval.max(1)
    }

    fn reserved_into(&self, pm: PmId) -> Resources {
        self.negotiations
            .iter()
            .filter(|n| n.to == pm && n.migration.is_none())
            .map(|n| n.demand)
            .sum()
    }

    fn reserved_out_of(&self, pm: PmId) -> Resources {
        self.negotiations
            .iter()
            .filter(|n| n.from == pm && n.migration.is_none())
            .map(|n| n.demand)
            .sum()
    }

    /// The cluster's average load now (computed once per instant).
    fn cluster_average(&mut self) -> Result<f64> {
        let now = self.dc.now();
        match self.average {
            Some((t, a)) if t == now => Ok(a),
            _ => {
                let a = self.dc.cluster_average()?;
                self.average = Some((now, a));
                Ok(a)
            }
        }
    }

    /// Forgets what a migration or power change makes stale.
    fn changed(&mut self, pms: &[PmId]) {
        for pm in pms {
            self.readings.remove(pm);
        }
        self.average = None;
        self.settled_at = None;
    }

    fn read(&mut self, pm: PmId) -> Result<PeerState> {
        let now = self.dc.now();
        if let Some(r) = self.readings.get(&pm)
            && self.tick(r.read_at) == self.tick(now)
        {
            return Ok(*r);
        }
        let info = self.dc.pm(pm)?;
        let used = self.dc.used(pm)?;
        // The load the PM keeps: VMs already migrating or reserved to migrate
        // away are not counted, or a source would ask to shed the same load
        // again while its first migration runs.
        let keeps = (used - self.dc.leaving(pm)? - self.reserved_out_of(pm)).clamped();
        let load_percent = if info.power == PowerState::On && info.capacity.cpu > 0.0 {
            keeps.cpu / info.capacity.cpu * 100.0
        } else {
            0.0
        };
        let state = PeerState {
            pm,
            load_percent,
            free: if info.power == PowerState::On {
                (info.capacity - used - self.reserved_into(pm)).clamped()
            } else {
                Resources::ZERO
            },
            used,
            cluster_average: self.cluster_average()?,
            read_at: now,
        };
        self.readings.insert(pm, state);
        Ok(state)
    }

    fn latest(&mut self, pm: PmId) -> Result<PeerState> {
        match self.readings.get(&pm) {
            Some(r) => Ok(*r),
            None => self.read(pm),
        }
    }

    /// Ends the negotiations whose migration ended or whose reservation lapsed,
    /// recording the result for their owner.
    fn settle(&mut self) -> Result<()> {
        let now = self.dc.now();
        if self.settled_at == Some(now) {
            return Ok(());
        }
        self.settled_at = Some(now);
        let mut open = Vec::with_capacity(self.negotiations.len());
        for n in std::mem::take(&mut self.negotiations) {
            let result = match n.migration {
                None if now >= n.expires => Some(Err(format!(
                    "no migration of {} from {} to {} started in time",
                    n.vm, n.from, n.to
                ))),
                None => None,
                Some(id) => match self.dc.migration(id)?.status {
                    MigrationStatus::Running => None,
                    MigrationStatus::Succeeded => Some(Ok(())),
                    MigrationStatus::Failed(why) => Some(Err(why)),
                },
            };
            match result {
                Some(r) => self.finished.entry(n.owner).or_default().push(r),
                None => open.push(n),
            }
        }
        self.negotiations = open;
        Ok(())
    }

    /// `getPeerState(-Status)`: reads the caller's PM. A role instance that
    /// already read in the current monitoring interval is pending until the
    /// next one; instances reading in the same interval share one reading.
    pub fn get_peer_state(&mut self, caller: Caller) -> Result<Outcome<PeerState>> {
        let now = self.dc.now();
        let tick = self.tick(now);
        if self.last_read.get(&caller) == Some(&tick) {
            return Ok(Outcome::Pending {
                until: Some((tick + 1) * self.config.monitoring_interval.max(1)),
            });
        }
        self.settle()?;
        let state = self.read(caller.pm)?;
        self.last_read.insert(caller, tick);
        Ok(Outcome::Done(state))
    }

    /// `isOverLoaded()`: the PM's latest reading is above the overload threshold.
    pub fn is_over_loaded(&mut self, caller: Caller) -> Result<Outcome<()>> {
        let s = self.latest(caller.pm)?;
        let limit = self.config.thresholds.overload.resolve(s.cluster_average);
        Ok(judge(s.load_percent > limit, || {
            format!("load {:.1}% is not above {limit:.1}%", s.load_percent)
        }))
    }

    /// `isUnderLoaded()`: the PM is on and its latest reading is below the
    /// underload threshold.
    pub fn is_under_loaded(&mut self, caller: Caller) -> Result<Outcome<()>> {
        let s = self.latest(caller.pm)?;
        let on = self.dc.pm(caller.pm)?.power == PowerState::On;
        let limit = self.config.thresholds.underload.resolve(s.cluster_average);
        Ok(judge(on && s.load_percent < limit, || {
            format!("load {:.1}% is not below {limit:.1}% (or off)", s.load_percent)
        }))
    }

    /// `canAcceptMoreLoad()`: the PM is on, loaded above the consolidation
    /// threshold and below full, with free CPU and memory.
    pub fn can_accept_more_load(&mut self, caller: Caller) -> Result<Outcome<()>> {
        let s = self.latest(caller.pm)?;
        let on = self.dc.pm(caller.pm)?.power == PowerState::On;
        let t = self.config.thresholds;
        let low = t.consolidation.resolve(s.cluster_average);
        let high = t.full.resolve(s.cluster_average);
        let ok = on && s.load_percent > low && s.load_percent < high && s.free.cpu > 0.0 && s.free.mem > 0.0;
        Ok(judge(ok, || {
            format!(
                "load {:.1}% is not in ({low:.1}%, {high:.1}%) with room (or off)",
                s.load_percent
            )
        }))
    }

    /// `hasNoLoad()`: the PM hosts no VM, none is migrating into it and none is
    /// reserved for it (read live, not paced).
    pub fn has_no_load(&mut self, caller: Caller) -> Result<Outcome<()>> {
        self.settle()?;
        let pm = caller.pm;
        let hosted = self.dc.vms_on(pm)?.len();
        let incoming = self.dc.used(pm)?.mem > 0.0 || self.reserved_into(pm).mem > 0.0;
        Ok(judge(hosted == 0 && !incoming, || {
            format!("{pm} hosts {hosted} VMs or has one coming")
        }))
    }

    /// `isAboveBandMiddle()`: the PM is on and its latest reading is above the
    /// middle of the band (halfway between the underload and overload
    /// thresholds: the cluster average with the default 80%/120%).
    pub fn is_above_band_middle(&mut self, caller: Caller) -> Result<Outcome<()>> {
        let s = self.latest(caller.pm)?;
        let on = self.dc.pm(caller.pm)?.power == PowerState::On;
        let middle = self.band_middle(s.cluster_average);
        Ok(judge(on && s.load_percent > middle, || {
            format!("load {:.1}% is not above {middle:.1}% (or off)", s.load_percent)
        }))
    }

    fn band_middle(&self, cluster_average: f64) -> f64 {
        let t = self.config.thresholds;
        (t.underload.resolve(cluster_average) + t.overload.resolve(cluster_average)) / 2.0
    }

    /// `isDonationPossible(+Capacity, +Give)`: like `isMigrationPossible`, for
    /// a donor `give.pm` asked for load by `capacity.pm`: a VM of the donor,
    /// chosen by the strategy, fits in the asker within the accept limit, and
    /// its departure leaves the donor at or above the underload threshold and
    /// at or above the asker's new load (so the donor never becomes a PM that
    /// asks for load back). On success the VM is reserved for this
    /// negotiation, owned by the caller, as in `isMigrationPossible`.
    pub fn is_donation_possible(
        &mut self,
        caller: Caller,
        capacity: &PeerState,
        give: &PeerState,
    ) -> Result<Outcome<()>> {
        self.settle()?;
        let (from, to) = (give.pm, capacity.pm);
        let average = self.cluster_average()?;
        let floor = self.config.thresholds.underload.resolve(average);
        self.reserve(caller, from, to, Some(floor), "isDonationPossible")
    }

    /// `isMigrationPossible(+Capacity, +Need)`: a VM of `need.pm`, chosen by the
    /// strategy, fits in `capacity.pm` (its free capacity now, less earlier
    /// reservations, staying within the accept limit). On success the VM and
    /// its demand are reserved for this negotiation, owned by the caller, so
    /// concurrent negotiations cannot over-commit the destination; the
    /// reservation lasts until its migration ends or the negotiation timeout.
    pub fn is_migration_possible(
        &mut self,
        caller: Caller,
        capacity: &PeerState,
        need: &PeerState,
    ) -> Result<Outcome<()>> {
        self.settle()?;
        self.reserve(caller, need.pm, capacity.pm, None, "isMigrationPossible")
    }

    /// Reserves the VM the strategy moves from `from` to `to` (see
    /// [`Self::pick`]) for a negotiation owned by `caller`.
    fn reserve(
        &mut self,
        caller: Caller,
        from: PmId,
        to: PmId,
        floor: Option<f64>,
        check: &'static str,
    ) -> Result<Outcome<()>> {
        match self.pick(from, to, floor)? {
            Err(why) => Ok(Outcome::Failed(why)),
            Ok(vm) => {
                self.negotiations.push(Negotiation {
                    owner: caller,
                    from,
                    to,
                    vm: vm.id,
                    demand: vm.demand,
                    check,
                    expires: self.dc.now() + self.config.negotiation_timeout,
                    migration: None,
                });
                Ok(Outcome::Done(()))
            }
        }
    }

    /// The VM the strategy moves from `from` to `to`, or why none can move.
    /// With a `floor`, only a VM whose departure leaves the source's kept load
    /// (as `getPeerState` reads it) at or above the floor and at or above the
    /// destination's new load may move.
    fn pick(&mut self, from: PmId, to: PmId, floor: Option<f64>) -> Result<std::result::Result<VmInfo, String>> {
        if from == to {
            return Ok(Err(format!("{from} cannot migrate to itself")));
        }
        if let Some(cap) = self.config.max_migrations_per_round
            && self.migrations_this_round() >= cap
        {
            return Ok(Err(format!("the cap of {cap} migrations per round is reached")));
        }
        let dest = self.dc.pm(to)?;
        if dest.power != PowerState::On {
            return Ok(Err(format!("{to} is not on")));
        }
        let src = self.dc.pm(from)?;
        let reserved: BTreeSet<VmId> = self.negotiations.iter().map(|n| n.vm).collect();
        let now = self.tick(self.dc.now());
        let settling = |vm: &VmId| {
            self.moved_in
                .get(vm)
                .is_some_and(|&t| now < t + self.config.hysteresis_rounds)
        };
        let candidates: Vec<VmInfo> = self
            .dc
            .vms_on(from)?
            .into_iter()
            .filter(|v| {
                v.migrating.is_none()
                    && !reserved.contains(&v.id)
                    && !self.config.pinned.contains(&v.id)
                    && !settling(&v.id)
            })
            .collect();
        let average = self.cluster_average()?;
        let t = self.config.thresholds;
        let limit = t.accept_limit.resolve(average).min(t.full.resolve(average));
        let source = Side {
            used: self.dc.used(from)?,
            capacity: src.capacity,
        };
        let dest = Side {
            used: self.dc.used(to)? + self.reserved_into(to),
            capacity: dest.capacity,
        };
        let candidates = match floor {
            None => candidates,
            Some(floor) => {
                let keeps = (source.used - self.dc.leaving(from)? - self.reserved_out_of(from)).clamped();
                candidates
                    .into_iter()
                    .filter(|v| {
                        let source_after = Side { used: keeps, ..source }.load_with(-v.demand.cpu);
                        source_after >= floor - 1e-9 && source_after >= dest.load_with(v.demand.cpu) - 1e-9
                    })
                    .collect()
            }
        };
        let chosen = self.config.strategy.choose(&candidates, source, dest, limit);
        Ok(match chosen {
            Some(id) => Ok(candidates
                .into_iter()
                .find(|v| v.id == id)
                .expect("chosen among the candidates")),
            None => Err(format!("no movable VM of {from} fits in {to} within {limit:.1}%")),
        })
    }

    /// `migration(+From, +To)`: starts the live migration of the VM reserved
    /// for `from`→`to` by `isMigrationPossible`, or, without a reservation, of
    /// the VM the strategy picks. Fails (and releases the reservation) when the
    /// migration cannot start.
    pub fn migration(&mut self, from: PmId, to: PmId) -> Result<Outcome<MigrationId>> {
        self.settle()?;
        let reserved = self
            .negotiations
            .iter()
            .position(|n| n.from == from && n.to == to && n.migration.is_none());
        let (vm, check) = match reserved {
            Some(i) => (self.negotiations[i].vm, self.negotiations[i].check),
            None => match self.pick(from, to, None)? {
                Ok(vm) => (vm.id, "isMigrationPossible"),
                Err(why) => return Ok(Outcome::Failed(why)),
            },
        };
        let why = self.why(vm, from, to, check)?;
        let started = if self.config.dry_run {
            Err("dry run: not started".to_string())
        } else {
            self.dc.start_migration(vm, to).map_err(|e| e.to_string())
        };
        self.journal.push(Decision {
            at: self.dc.now(),
            vm,
            from,
            to,
            why,
            outcome: started.clone(),
        });
        match started {
            Ok(id) => {
                if let Some(i) = reserved {
                    self.negotiations[i].migration = Some(id);
                }
                let tick = self.tick(self.dc.now());
                self.moved_in.insert(vm, tick);
                self.round = if self.round.0 == tick {
                    (tick, self.round.1 + 1)
                } else {
                    (tick, 1)
                };
                self.changed(&[from, to]);
                Ok(Outcome::Done(id))
            }
            Err(e) => {
                if let Some(i) = reserved {
                    let n = self.negotiations.remove(i);
                    self.finished.entry(n.owner).or_default().push(Err(e.clone()));
                }
                Ok(Outcome::Failed(e))
            }
        }
    }

    /// The constraint answers behind moving `vm` from `from` to `to`: where
    /// each PM's load lies against the band (what `isOverLoaded`,
    /// `isUnderLoaded` and `canAcceptMoreLoad` answered) and the VM's need
    /// (what `check`, `isMigrationPossible` or `isDonationPossible`, checked).
    fn why(&mut self, vm: VmId, from: PmId, to: PmId, check: &str) -> Result<String> {
        let average = self.cluster_average()?;
        let t = self.config.thresholds;
        let (low, high) = (t.underload.resolve(average), t.overload.resolve(average));
        let side = |load: f64| {
            if load > high {
                "above the band: isOverLoaded"
            } else if load < low {
                "below the band: isUnderLoaded"
            } else {
                "in the band"
            }
        };
        let demand = self.dc.vm(vm)?.demand;
        let (from_load, to_load) = (self.dc.load_percent(from)?, self.dc.load_percent(to)?);
        Ok(format!(
            "{from} at {from_load:.1}% ({}) and {to} at {to_load:.1}% ({}) (average {average:.1}%, \
             band {low:.1}%–{high:.1}%); {check}: {vm} needs {:.1}% CPU and {:.0} MiB",
            side(from_load),
            side(to_load),
            demand.cpu,
            demand.mem,
        ))
    }

    /// `waitForMigration()`: pending while a negotiation the caller's PM owns
    /// is reserved or migrating; then done if all of them succeeded, failed if
    /// one failed (or lapsed). Done at once when there is nothing to wait for.
    pub fn wait_for_migration(&mut self, caller: Caller) -> Result<Outcome<()>> {
        self.settle()?;
        let mine: Vec<&Negotiation> = self.negotiations.iter().filter(|n| n.owner == caller).collect();
        if !mine.is_empty() {
            let until = if mine.iter().any(|n| n.migration.is_some()) {
                None
            } else {
                mine.iter().map(|n| n.expires).min()
            };
            return Ok(Outcome::Pending { until });
        }
        let results = self.finished.remove(&caller).unwrap_or_default();
        let failures: Vec<String> = results.into_iter().filter_map(|r| r.err()).collect();
        Ok(if failures.is_empty() {
            Outcome::Done(())
        } else {
            Outcome::Failed(failures.join("; "))
        })
    }

    /// `releaseResources()`: powers off (or suspends, as configured) the
    /// caller's PM if it hosts no VM; fails otherwise.
    pub fn release_resources(&mut self, caller: Caller) -> Result<Outcome<()>> {
        if let Outcome::Failed(why) = self.has_no_load(caller)? {
            return Ok(Outcome::Failed(why));
        }
        if self.dc.pm(caller.pm)?.power == self.config.release_to {
            return Ok(Outcome::Done(()));
        }
        match self.dc.set_power(caller.pm, self.config.release_to) {
            Ok(()) => {
                self.changed(&[caller.pm]);
                Ok(Outcome::Done(()))
            }
            Err(e) => Ok(Outcome::Failed(e.to_string())),
        }
    }

    /// `sleep(+Milliseconds)`: pending for `ms` from the first call by this
    /// caller, then done once.
    pub fn sleep(&mut self, caller: Caller, ms: Millis) -> Result<Outcome<()>> {
        let now = self.dc.now();
        let deadline = *self.sleeps.entry(caller).or_insert(now + ms);
        if now >= deadline {
            self.sleeps.remove(&caller);
            Ok(Outcome::Done(()))
        } else {
            Ok(Outcome::Pending { until: Some(deadline) })
        }
    }
}

fn judge(ok: bool, why: impl FnOnce() -> String) -> Outcome<()> {
    if ok { Outcome::Done(()) } else { Outcome::Failed(why()) }
}
