//! Where every VM runs at one moment, with the PMs' power and loads: the end
//! state two runs of a policy are compared on (`lcc simulate --placement`,
//! `lcc datacentre`).

use crate::datacentre::{Datacentre, PowerState};
use crate::error::Result;
use crate::model::{PmId, VmId};
use crate::thresholds::Thresholds;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One VM's place.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VmPlace {
    /// The PM the datacentre believes it runs on (during a migration, the source).
    pub host: String,
    /// The PMs the hypervisors (or the simulator) report it active on.
    pub active_on: Vec<String>,
    /// Whether a migration is moving it.
    pub migrating: bool,
}

/// One PM's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PmPlace {
    /// Whether it is on.
    pub power: PowerState,
    /// Its CPU load in percent of its capacity.
    pub load_percent: f64,
    /// Whether the load lies in the thresholds' band (PMs that are off: `true`).
    pub in_band: bool,
}

/// Every VM's place and every PM's state, by name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    /// The time it was read at.
    pub at: crate::model::Millis,
    /// The cluster's average load (PMs that are on).
    pub cluster_average: f64,
    /// VMs by name.
    pub vms: BTreeMap<String, VmPlace>,
    /// PMs by name.
    pub pms: BTreeMap<String, PmPlace>,
}

impl Placement {
    /// Reads `dc` now; the band is `thresholds`' around the cluster average.
    pub fn of<D: Datacentre + ?Sized>(dc: &D, thresholds: &Thresholds) -> Result<Placement> {
        let average = dc.cluster_average()?;
        let pm_name = |p: PmId| dc.pm(p).map(|info| info.name);
        let inventory = dc.inventory()?;
        let mut vms = BTreeMap::new();
        for v in 0..dc.vm_count() {
            let info = dc.vm(VmId(v))?;
            let active_on = inventory
                .active_on
                .get(v)
                .map_or(Ok(Vec::new()), |pms| pms.iter().map(|p| pm_name(*p)).collect())?;
            vms.insert(
                info.name,
                VmPlace {
                    host: pm_name(info.host)?,
                    active_on,
                    migrating: info.migrating.is_some(),
                },
            );
        }
        let mut pms = BTreeMap::new();
        for p in 0..dc.pm_count() {
            let info = dc.pm(PmId(p))?;
            let load_percent = dc.load_percent(PmId(p))?;
            let in_band = info.power != PowerState::On || thresholds.in_band(load_percent, average);
            pms.insert(
                info.name,
                PmPlace {
                    power: info.power,
                    load_percent,
                    in_band,
                },
            );
        }
        Ok(Placement {
            at: dc.now(),
            cluster_average: average,
            vms,
            pms,
        })
    }

    /// The VMs' hosts, by VM name.
    pub fn hosts(&self) -> BTreeMap<&str, &str> {
        self.vms.iter().map(|(vm, p)| (vm.as_str(), p.host.as_str())).collect()
    }

    /// What breaks "every VM runs on exactly one PM that is on, its host, and
    /// none is migrating": one line per VM at fault (empty when none).
    pub fn faults(&self) -> Vec<String> {
        let mut faults = Vec::new();
        for (vm, place) in &self.vms {
            let on = self.pms.get(&place.host).is_some_and(|p| p.power == PowerState::On);
            if place.migrating || place.active_on != [place.host.clone()] || !on {
                faults.push(format!(
                    "{vm}: host {}, active on {:?}, migrating {}, host on {on}",
                    place.host, place.active_on, place.migrating
                ));
            }
        }
        faults
    }

    /// How many PMs that are on have a load outside the band.
    pub fn outside_band(&self) -> usize {
        self.pms.values().filter(|p| !p.in_band).count()
    }
}
