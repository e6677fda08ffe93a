//! Seeded synthetic clusters: PMs, VMs with demand traces, random placement.

use super::trace::DemandTrace;
use super::{SimConfig, Simulator};
use crate::model::{Millis, PmId, Resources};
use crate::rng::Rng;

/// The shape of a synthetic cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterSpec {
    /// Number of PMs (all alike).
    pub pms: usize,
    /// Number of VMs, each placed on a PM drawn uniformly among those with
    /// memory left for it (among all PMs if none has).
    pub vms: usize,
    /// Capacity of every PM.
    pub pm_capacity: Resources,
    /// Network bandwidth of every PM (MiB/s).
    pub pm_bandwidth: f64,
    /// VM CPU demand, uniform in this range (percent of a core).
    pub vm_cpu: (f64, f64),
    /// VM memory, uniform in this range (MiB).
    pub vm_mem: (f64, f64),
    /// Relative sine amplitude of each VM's CPU demand (0 for constant loads).
    pub amplitude: f64,
    /// Period of the sine wave.
    pub period: Millis,
    /// Relative noise on each VM's CPU demand.
    pub noise: f64,
}

impl ClusterSpec {
    /// The setting of the load-balancing paper's Figure 3: 15 PMs and 50 VMs
    /// placed at random, constant loads (the paper does not give the loads; we
    /// draw each VM's CPU uniformly in 5–35% of a PM).
    pub fn figure3() -> Self {
        ClusterSpec {
            pms: 15,
            vms: 50,
            pm_capacity: Resources::new(100.0, 16_384.0),
            pm_bandwidth: 110.0,
            vm_cpu: (5.0, 35.0),
            vm_mem: (512.0, 2048.0),
            amplitude: 0.0,
            period: 3_600_000,
            noise: 0.0,
        }
    }

    /// The Figure 3 setting with `pms` PMs and `vms` VMs, VM demands scaled so
    /// that the expected average load is that of 50 VMs on 15 PMs (about 67%).
    pub fn scaled(pms: usize, vms: usize) -> Self {
        let base = ClusterSpec::figure3();
        let f = (base.vms as f64 / base.pms as f64) / (vms.max(1) as f64 / pms.max(1) as f64);
        ClusterSpec {
            pms,
            vms,
            vm_cpu: (base.vm_cpu.0 * f, base.vm_cpu.1 * f),
            vm_mem: (base.vm_mem.0 * f, base.vm_mem.1 * f),
            ..base
        }
    }

    /// A simulator holding this cluster, drawn from `seed`.
    pub fn build(&self, config: SimConfig, seed: u64) -> Simulator {
        let mut rng = Rng::new(seed);
        let mut sim = Simulator::new(config);
        for p in 0..self.pms {
            sim.add_pm(&format!("pm{p}"), self.pm_capacity, self.pm_bandwidth);
        }
        let mut mem_used = vec![0.0; self.pms];
        for v in 0..self.vms {
            let base = Resources::new(
                rng.range_f64(self.vm_cpu.0, self.vm_cpu.1),
                rng.range_f64(self.vm_mem.0, self.vm_mem.1).round(),
            );
            let room: Vec<usize> = (0..self.pms)
                .filter(|&p| mem_used[p] + base.mem <= self.pm_capacity.mem)
                .collect();
            let host = if room.is_empty() {
                rng.below(self.pms)
            } else {
                room[rng.below(room.len())]
            };
            mem_used[host] += base.mem;
            let host = PmId(host);
            let trace = DemandTrace {
                base,
                amplitude: self.amplitude,
                period: self.period,
                phase: rng.range_f64(0.0, std::f64::consts::TAU),
                noise: self.noise,
                seed: rng.next_u64(),
            };
            sim.add_vm(&format!("vm{v}"), host, trace)
                .expect("the host was just added");
        }
        sim
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datacentre::Datacentre;

    #[test]
    fn the_same_seed_builds_the_same_cluster() {
        let spec = ClusterSpec::figure3();
        let (a, b) = (spec.build(SimConfig::default(), 4), spec.build(SimConfig::default(), 4));
        assert_eq!(a.pm_count(), 15);
        assert_eq!(a.vm_count(), 50);
        for p in 0..15 {
            assert_eq!(a.used(PmId(p)).unwrap(), b.used(PmId(p)).unwrap());
        }
        assert_eq!(ClusterSpec::scaled(15, 50), spec);
        let (lo, hi) = ClusterSpec::scaled(1000, 10_000).vm_cpu;
        assert!((lo - 5.0 / 3.0).abs() < 1e-9 && (hi - 35.0 / 3.0).abs() < 1e-9);
        let c = spec.build(SimConfig::default(), 5);
        assert!((0..15).any(|p| a.used(PmId(p)).unwrap() != c.used(PmId(p)).unwrap()));
    }
}
