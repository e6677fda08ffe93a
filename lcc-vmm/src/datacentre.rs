//! The datacentre abstraction that the constraints, policies and baselines use,
//! implemented by the simulator ([`crate::sim::Simulator`]) and by libvirt hosts
//! ([`crate::libvirt::LibvirtDatacentre`]).

use crate::error::Result;
use crate::inventory::Inventory;
use crate::model::{MigrationId, Millis, PmId, Resources, VmId};
use serde::{Deserialize, Serialize};

/// Whether a PM is available for VMs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PowerState {
    /// Running and available.
    On,
    /// Powered off: draws no power, hosts nothing.
    Off,
    /// Suspended: draws little power, hosts nothing, wakes quickly.
    Suspended,
}

/// A PM as the datacentre sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PmInfo {
    /// The PM's name (for libvirt, the name given in the host list).
    pub name: String,
    /// What the PM offers to VMs.
    pub capacity: Resources,
    /// Whether it is on.
    pub power: PowerState,
}

/// A VM as the datacentre sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VmInfo {
    /// The VM.
    pub id: VmId,
    /// The VM's name (for libvirt, the domain name).
    pub name: String,
    /// The PM the VM runs on; during a migration, the source.
    pub host: PmId,
    /// What the VM needs now.
    pub demand: Resources,
    /// The migration moving it, if any.
    pub migrating: Option<MigrationId>,
}

/// Where a migration is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum MigrationStatus {
    /// Still running.
    Running,
    /// Ended: the VM runs on the destination.
    Succeeded,
    /// Ended without moving the VM: it still runs on its source. The reason is
    /// the hypervisor's or the simulator's.
    Failed(String),
}

/// One migration, tracked from its start to its end.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MigrationRecord {
    /// The migration.
    pub id: MigrationId,
    /// The VM being moved.
    pub vm: VmId,
    /// The source PM.
    pub from: PmId,
    /// The destination PM.
    pub to: PmId,
    /// When it started.
    pub started: Millis,
    /// When it ended (succeeded or failed); `None` while running.
    pub ended: Option<Millis>,
    /// When the source was free of the VM (the ABDM seed's exit time), if known.
    pub source_free: Option<Millis>,
    /// Where it is.
    pub status: MigrationStatus,
}

impl MigrationRecord {
    /// Total migration time, once ended.
    pub fn total_time(&self) -> Option<Millis> {
        self.ended.map(|e| e - self.started)
    }

    /// Exit time (how long until the source was free), once known.
    pub fn exit_time(&self) -> Option<Millis> {
        self.source_free.map(|e| e - self.started)
    }
}

/// A set of PMs hosting VMs, with live migration between them.
///
/// Identifiers are dense: PMs are `PmId(0..pm_count())` and VMs are
/// `VmId(0..vm_count())`, fixed when the backend is opened.
pub trait Datacentre {
    /// The current time.
    fn now(&self) -> Millis;

    /// How many PMs there are.
    fn pm_count(&self) -> usize;

    /// How many VMs there are.
    fn vm_count(&self) -> usize;

    /// A PM's name, capacity and power state.
    fn pm(&self, pm: PmId) -> Result<PmInfo>;

    /// A VM's host, demand and migration.
    fn vm(&self, vm: VmId) -> Result<VmInfo>;

    /// The VMs whose host is `pm` (a migrating VM counts on its source).
    fn vms_on(&self, pm: PmId) -> Result<Vec<VmInfo>>;

    /// The resources in use on `pm` now: its VMs' demands, plus VMs migrating in,
    /// less VMs migrating out that have already left (past their exit time).
    fn used(&self, pm: PmId) -> Result<Resources>;

    /// The part of [`Self::used`] that is leaving: VMs migrating out of `pm`
    /// that have not left yet. `used - leaving` is what `pm` will carry once
    /// its running migrations end.
    fn leaving(&self, pm: PmId) -> Result<Resources>;

    /// Starts a live migration of `vm` to `to`. Refused when the VM is already
    /// migrating, is already on `to`, or `to` is not on.
    fn start_migration(&mut self, vm: VmId, to: PmId) -> Result<MigrationId>;

    /// The record of a migration, updated to now.
    fn migration(&mut self, id: MigrationId) -> Result<MigrationRecord>;

    /// Every migration started so far, updated to now.
    fn migrations(&mut self) -> Result<Vec<MigrationRecord>>;

    /// Powers a PM off, suspends it, or powers it on. Refused for a PM that
    /// hosts a VM or has one migrating in.
    fn set_power(&mut self, pm: PmId, state: PowerState) -> Result<()>;

    /// Lets time pass until `t`: the simulator processes its events up to `t`;
    /// real hosts sleep.
    fn advance_to(&mut self, t: Millis) -> Result<()>;

    /// The time of the next event the backend knows of (a migration ending), if
    /// it can tell.
    fn next_event(&self) -> Option<Millis>;

    /// What the hypervisors report now: on which PMs each VM is active.
    fn inventory(&self) -> Result<Inventory>;

    /// A PM's load: CPU in use as a percentage of its CPU capacity (0 when off).
    fn load_percent(&self, pm: PmId) -> Result<f64> {
        let info = self.pm(pm)?;
        if info.power != PowerState::On || info.capacity.cpu <= 0.0 {
            return Ok(0.0);
        }
        Ok(self.used(pm)?.cpu / info.capacity.cpu * 100.0)
    }

    /// The mean load of the PMs that are on (0 when none is), counting every
    /// VM once, on its host (a migrating VM on its source). [`Self::used`]
    /// also counts a VM migrating in on its destination: averaging those
    /// loads would count every migrating VM twice and raise the band while
    /// migrations run.
    fn cluster_average(&self) -> Result<f64> {
        let mut sum = 0.0;
        let mut n = 0usize;
        for p in 0..self.pm_count() {
            let pm = PmId(p);
            let info = self.pm(pm)?;
            if info.power == PowerState::On {
                if info.capacity.cpu > 0.0 {
                    let resident: f64 = self.vms_on(pm)?.iter().map(|v| v.demand.cpu).sum();
                    sum += resident / info.capacity.cpu * 100.0;
                }
                n += 1;
            }
        }
        Ok(if n == 0 { 0.0 } else { sum / n as f64 })
    }
}
