//! Which VM `migration(From, To)` moves: a configurable strategy.

use crate::datacentre::VmInfo;
use crate::model::{Resources, VmId};
use serde::{Deserialize, Serialize};

/// How to pick the VM to move among those that fit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum VmChoice {
    /// The VM after whose move the busier of source and destination is least
    /// loaded (ties: the smaller VM). Good for load balancing.
    #[default]
    BestBalance,
    /// The VM with the smallest CPU demand.
    Smallest,
    /// The VM with the largest CPU demand. Good for consolidation.
    Largest,
}

/// A PM's side of a prospective move.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Side {
    /// What is in use (for a destination, including reservations).
    pub used: Resources,
    /// What the PM offers.
    pub capacity: Resources,
}

impl Side {
    /// Its load in percent with `cpu` more in use (less, when negative).
    pub fn load_with(&self, cpu: f64) -> f64 {
        if self.capacity.cpu <= 0.0 {
            f64::INFINITY
        } else {
            (self.used.cpu + cpu) / self.capacity.cpu * 100.0
        }
    }
}

impl VmChoice {
    /// The VM to move from `source` to `dest` among `candidates`: one whose
    /// demand fits in the destination's free capacity and leaves the
    /// destination's load at most `limit` percent; `None` when none does.
    pub fn choose(self, candidates: &[VmInfo], source: Side, dest: Side, limit: f64) -> Option<VmId> {
        let free = (dest.capacity - dest.used).clamped();
        let fitting = candidates
            .iter()
            .filter(|v| free.fits(&v.demand) && dest.load_with(v.demand.cpu) <= limit + 1e-9);
        let key = |v: &&VmInfo| -> (f64, f64) {
            match self {
                VmChoice::BestBalance => (
                    source.load_with(-v.demand.cpu).max(dest.load_with(v.demand.cpu)),
                    v.demand.cpu,
                ),
                VmChoice::Smallest => (v.demand.cpu, v.id.0 as f64),
                VmChoice::Largest => (-v.demand.cpu, v.id.0 as f64),
            }
        };
        fitting
            .min_by(|a, b| key(a).partial_cmp(&key(b)).expect("loads are not NaN"))
            .map(|v| v.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PmId;

    fn vm(id: usize, cpu: f64) -> VmInfo {
        VmInfo {
            id: VmId(id),
            name: format!("v{id}"),
            host: PmId(0),
            demand: Resources::new(cpu, 100.0),
            migrating: None,
        }
    }

    #[test]
    fn each_strategy_picks_its_vm_among_those_that_fit() {
        let vms = [vm(0, 10.0), vm(1, 30.0), vm(2, 60.0)];
        let source = Side {
            used: Resources::new(100.0, 300.0),
            capacity: Resources::new(100.0, 1000.0),
        };
        let dest = Side {
            used: Resources::new(20.0, 100.0),
            capacity: Resources::new(100.0, 1000.0),
        };
        assert_eq!(VmChoice::Smallest.choose(&vms, source, dest, 100.0), Some(VmId(0)));
        assert_eq!(VmChoice::Largest.choose(&vms, source, dest, 100.0), Some(VmId(2)));
        // Moving 30 leaves 70/50; moving 60 leaves 40/80; moving 10 leaves 90/30.
        assert_eq!(VmChoice::BestBalance.choose(&vms, source, dest, 100.0), Some(VmId(1)));
        // A limit of 45% only admits the 10% VM; memory can exclude all.
        assert_eq!(VmChoice::Largest.choose(&vms, source, dest, 45.0), Some(VmId(0)));
        let full = Side {
            used: Resources::new(20.0, 990.0),
            ..dest
        };
        assert_eq!(VmChoice::Smallest.choose(&vms, source, full, 100.0), None);
    }
}
