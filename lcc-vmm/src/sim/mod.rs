//! The discrete-event datacentre simulator, the embedded default backend.
//!
//! Time is virtual. A migration is an event: it starts when asked, its source is
//! free at its exit time and it ends at its total time, as given by the
//! [`MigrationModel`]; it may fail (seeded probability, or an injected fault),
//! in which case the VM stays on its source.

pub mod migration_model;
pub mod trace;
pub mod workload;

use crate::datacentre::{Datacentre, MigrationRecord, MigrationStatus, PmInfo, PowerState, VmInfo};
use crate::error::{Error, Result};
use crate::inventory::Inventory;
use crate::model::{MigrationId, Millis, PmId, Resources, VmId};
use crate::rng::Rng;
use migration_model::MigrationModel;
use trace::DemandTrace;

/// Settings of a simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    /// How long migrations take.
    pub migration: MigrationModel,
    /// Probability that a migration fails (decided, seeded, when it starts).
    pub failure_probability: f64,
    /// Seed of the simulator's own random choices.
    pub seed: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            migration: MigrationModel::default(),
            failure_probability: 0.0,
            seed: 0,
        }
    }
}

#[derive(Clone, Debug)]
struct SimPm {
    name: String,
    capacity: Resources,
    bandwidth: f64,
    power: PowerState,
}

#[derive(Clone, Debug)]
struct SimVm {
    name: String,
    host: PmId,
    trace: DemandTrace,
    migrating: Option<MigrationId>,
}

#[derive(Clone, Debug)]
struct Flight {
    record: MigrationRecord,
    /// When it will end, and why it will fail if it will.
    ends: Millis,
    exit: Millis,
    failure: Option<String>,
}

/// A simulated datacentre.
#[derive(Clone, Debug)]
pub struct Simulator {
    now: Millis,
    pms: Vec<SimPm>,
    vms: Vec<SimVm>,
    /// `hosted[p]`: the VMs whose host is PM `p`.
    hosted: Vec<Vec<VmId>>,
    /// `incoming[p]`: the running migrations into PM `p`.
    incoming: Vec<Vec<MigrationId>>,
    flights: Vec<Flight>,
    running: Vec<MigrationId>,
    rng: Rng,
    config: SimConfig,
}

impl Simulator {
    /// An empty datacentre at time 0.
    pub fn new(config: SimConfig) -> Self {
        Simulator {
            now: 0,
            pms: Vec::new(),
            vms: Vec::new(),
            hosted: Vec::new(),
            incoming: Vec::new(),
            flights: Vec::new(),
            running: Vec::new(),
            rng: Rng::new(config.seed),
            config,
        }
    }

    /// Adds a PM that is on, with its capacity and its network bandwidth (MiB/s).
    pub fn add_pm(&mut self, name: &str, capacity: Resources, bandwidth: f64) -> PmId {
        self.pms.push(SimPm {
            name: name.to_string(),
            capacity,
            bandwidth,
            power: PowerState::On,
        });
        self.hosted.push(Vec::new());
        self.incoming.push(Vec::new());
        PmId(self.pms.len() - 1)
    }

    /// Adds a VM running on `host` with the given demand trace.
    pub fn add_vm(&mut self, name: &str, host: PmId, trace: DemandTrace) -> Result<VmId> {
        self.pm_ref(host)?;
        self.vms.push(SimVm {
            name: name.to_string(),
            host,
            trace,
            migrating: None,
        });
        let id = VmId(self.vms.len() - 1);
        self.hosted[host.0].push(id);
        Ok(id)
    }

    /// Makes every running migration into or out of `pm` fail now (a crash of
    /// its hypervisor's migration job): each VM stays on its source.
    pub fn fail_migrations_of(&mut self, pm: PmId, reason: &str) {
        for id in self.running.clone() {
            let f = &mut self.flights[id.0 as usize];
            if f.record.from == pm || f.record.to == pm {
                f.ends = self.now;
                f.failure = Some(reason.to_string());
            }
        }
        self.process_until(self.now);
    }

    fn pm_ref(&self, pm: PmId) -> Result<&SimPm> {
        self.pms.get(pm.0).ok_or(Error::UnknownPm(pm))
    }

    fn vm_ref(&self, vm: VmId) -> Result<&SimVm> {
        self.vms.get(vm.0).ok_or(Error::UnknownVm(vm))
    }

    fn info(&self, id: VmId, vm: &SimVm) -> VmInfo {
        VmInfo {
            id,
            name: vm.name.clone(),
            host: vm.host,
            demand: vm.trace.at(self.now),
            migrating: vm.migrating,
        }
    }

    /// Ends, in time order, every migration due by `t`.
    fn process_until(&mut self, t: Millis) {
        self.running.sort_by_key(|id| self.flights[id.0 as usize].ends);
        while let Some(&id) = self.running.first() {
            let f = &mut self.flights[id.0 as usize];
            if f.ends > t {
                break;
            }
            self.running.remove(0);
            f.record.ended = Some(f.ends);
            let (vm_id, from, to) = (f.record.vm, f.record.from, f.record.to);
            self.incoming[to.0].retain(|&m| m != id);
            let vm = &mut self.vms[vm_id.0];
            vm.migrating = None;
            match f.failure.take() {
                Some(reason) => {
                    f.record.status = MigrationStatus::Failed(reason);
                    f.record.source_free = None;
                }
                None => {
                    f.record.status = MigrationStatus::Succeeded;
                    f.record.source_free = Some(f.exit);
                    vm.host = to;
                    self.hosted[from.0].retain(|&v| v != vm_id);
                    self.hosted[to.0].push(vm_id);
                }
            }
        }
    }
}

impl Datacentre for Simulator {
    fn now(&self) -> Millis {
        self.now
    }

    fn pm_count(&self) -> usize {
        self.pms.len()
    }

    fn vm_count(&self) -> usize {
        self.vms.len()
    }

    fn pm(&self, pm: PmId) -> Result<PmInfo> {
        let p = self.pm_ref(pm)?;
        Ok(PmInfo {
            name: p.name.clone(),
            capacity: p.capacity,
            power: p.power,
        })
    }

    fn vm(&self, vm: VmId) -> Result<VmInfo> {
        Ok(self.info(vm, self.vm_ref(vm)?))
    }

    fn vms_on(&self, pm: PmId) -> Result<Vec<VmInfo>> {
        self.pm_ref(pm)?;
        Ok(self.hosted[pm.0]
            .iter()
            .map(|&v| self.info(v, &self.vms[v.0]))
            .collect())
    }

    fn used(&self, pm: PmId) -> Result<Resources> {
        self.pm_ref(pm)?;
        let mut used = Resources::ZERO;
        for &v in &self.hosted[pm.0] {
            let vm = &self.vms[v.0];
            let left = vm.migrating.is_some_and(|id| {
                let f = &self.flights[id.0 as usize];
                self.now >= f.exit && f.failure.is_none()
            });
            if !left {
                used += vm.trace.at(self.now);
            }
        }
        for id in &self.incoming[pm.0] {
            let vm = &self.vms[self.flights[id.0 as usize].record.vm.0];
            used += vm.trace.at(self.now);
        }
        Ok(used)
    }

    /// As the trait's default (every VM once, on its host), without building
    /// a [`VmInfo`] per VM.
    fn cluster_average(&self) -> Result<f64> {
        let mut sum = 0.0;
        let mut n = 0usize;
        for (p, pm) in self.pms.iter().enumerate() {
            if pm.power == PowerState::On {
                if pm.capacity.cpu > 0.0 {
                    let resident: f64 = self.hosted[p]
                        .iter()
                        .map(|v| self.vms[v.0].trace.at(self.now).cpu)
                        .sum();
                    sum += resident / pm.capacity.cpu * 100.0;
                }
                n += 1;
            }
        }
        Ok(if n == 0 { 0.0 } else { sum / n as f64 })
    }

    fn leaving(&self, pm: PmId) -> Result<Resources> {
        self.pm_ref(pm)?;
        let mut leaving = Resources::ZERO;
        for &v in &self.hosted[pm.0] {
            let vm = &self.vms[v.0];
            let still_here = vm.migrating.is_some_and(|id| {
                let f = &self.flights[id.0 as usize];
                !(self.now >= f.exit && f.failure.is_none())
            });
            if still_here {
                leaving += vm.trace.at(self.now);
            }
        }
        Ok(leaving)
    }

    fn start_migration(&mut self, vm: VmId, to: PmId) -> Result<MigrationId> {
        let dest = self.pm_ref(to)?.clone();
        let v = self.vm_ref(vm)?.clone();
        if let Some(id) = v.migrating {
            return Err(Error::Refused(format!("{vm} is already moving ({id})")));
        }
        if v.host == to {
            return Err(Error::Refused(format!("{vm} already runs on {to}")));
        }
        if dest.power != PowerState::On {
            return Err(Error::Refused(format!("{to} is not on")));
        }
        let free_mem = dest.capacity.mem - self.used(to)?.mem;
        let demand = v.trace.at(self.now);
        if demand.mem > free_mem + 1e-9 {
            return Err(Error::Refused(format!(
                "{vm} needs {} MiB, {to} has {free_mem} MiB free",
                demand.mem
            )));
        }
        let src = self.pm_ref(v.host)?;
        let timing = self.config.migration.timing(demand.mem, src.bandwidth, dest.bandwidth);
        let fails = self.rng.unit() < self.config.failure_probability;
        let id = MigrationId(self.flights.len() as u64);
        self.flights.push(Flight {
            record: MigrationRecord {
                id,
                vm,
                from: v.host,
                to,
                started: self.now,
                ended: None,
                source_free: None,
                status: MigrationStatus::Running,
            },
            ends: self.now + timing.total,
            exit: self.now + timing.exit,
            failure: fails.then(|| "simulated migration failure".to_string()),
        });
        self.running.push(id);
        self.incoming[to.0].push(id);
        self.vms[vm.0].migrating = Some(id);
        Ok(id)
    }

    fn migration(&mut self, id: MigrationId) -> Result<MigrationRecord> {
        self.flights
            .get(id.0 as usize)
            .map(|f| f.record.clone())
            .ok_or(Error::UnknownMigration(id))
    }

    fn migrations(&mut self) -> Result<Vec<MigrationRecord>> {
        Ok(self.flights.iter().map(|f| f.record.clone()).collect())
    }

    fn set_power(&mut self, pm: PmId, state: PowerState) -> Result<()> {
        self.pm_ref(pm)?;
        if state != PowerState::On {
            let busy = !self.hosted[pm.0].is_empty() || !self.incoming[pm.0].is_empty();
            if busy {
                return Err(Error::Refused(format!("{pm} hosts or receives a VM")));
            }
        }
        self.pms[pm.0].power = state;
        Ok(())
    }

    fn advance_to(&mut self, t: Millis) -> Result<()> {
        let t = t.max(self.now);
        self.process_until(t);
        self.now = t;
        Ok(())
    }

    fn next_event(&self) -> Option<Millis> {
        self.running.iter().map(|id| self.flights[id.0 as usize].ends).min()
    }

    fn inventory(&self) -> Result<Inventory> {
        let active_on = self
            .vms
            .iter()
            .map(|v| match v.migrating {
                None => vec![v.host],
                Some(id) => vec![v.host, self.flights[id.0 as usize].record.to],
            })
            .collect();
        Ok(Inventory {
            active_on,
            strangers: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::check_invariant;

    fn two_pms() -> (Simulator, VmId) {
        let mut s = Simulator::new(SimConfig::default());
        let a = s.add_pm("a", Resources::new(100.0, 4096.0), 100.0);
        s.add_pm("b", Resources::new(100.0, 4096.0), 100.0);
        let vm = s
            .add_vm("v", a, DemandTrace::constant(Resources::new(30.0, 1024.0)))
            .unwrap();
        (s, vm)
    }

    #[test]
    fn a_migration_moves_the_vm_at_its_end_and_frees_the_source_at_exit() {
        let (mut s, vm) = two_pms();
        let id = s.start_migration(vm, PmId(1)).unwrap();
        assert!(check_invariant(&mut s).unwrap().is_empty());
        assert_eq!(s.used(PmId(0)).unwrap().cpu, 30.0);
        assert_eq!(s.used(PmId(1)).unwrap().cpu, 30.0, "the destination reserves it");
        assert!(s.start_migration(vm, PmId(1)).is_err(), "one migration per VM");
        let end = s.next_event().unwrap();
        s.advance_to(end - 1).unwrap();
        assert_eq!(s.vm(vm).unwrap().host, PmId(0));
        s.advance_to(end).unwrap();
        let r = s.migration(id).unwrap();
        assert_eq!(r.status, MigrationStatus::Succeeded);
        assert_eq!(s.vm(vm).unwrap().host, PmId(1));
        assert_eq!(s.used(PmId(0)).unwrap().cpu, 0.0);
        assert_eq!(r.total_time(), Some(end));
        assert!(check_invariant(&mut s).unwrap().is_empty());
    }

    #[test]
    fn an_injected_failure_leaves_the_vm_on_its_source() {
        let (mut s, vm) = two_pms();
        let id = s.start_migration(vm, PmId(1)).unwrap();
        s.advance_to(100).unwrap();
        s.fail_migrations_of(PmId(1), "destination crashed");
        let r = s.migration(id).unwrap();
        assert_eq!(r.status, MigrationStatus::Failed("destination crashed".into()));
        assert_eq!(s.vm(vm).unwrap().host, PmId(0));
        assert_eq!(s.used(PmId(1)).unwrap(), Resources::ZERO);
        assert!(check_invariant(&mut s).unwrap().is_empty());
    }

    #[test]
    fn power_off_is_refused_for_a_busy_pm_and_off_pms_accept_nothing() {
        let (mut s, vm) = two_pms();
        assert!(s.set_power(PmId(0), PowerState::Off).is_err());
        s.set_power(PmId(1), PowerState::Off).unwrap();
        assert!(s.start_migration(vm, PmId(1)).is_err());
        assert_eq!(s.cluster_average().unwrap(), 30.0);
    }
}
