//! The datacentre's vocabulary: identifiers, resources and time.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};

/// Time in milliseconds: virtual time in the simulator, time since the backend
/// was opened on real hosts.
pub type Millis = u64;

/// A physical machine (PM), indexed densely from 0 in the order the backend lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PmId(pub usize);

/// A virtual machine (VM), indexed densely from 0 in the order the backend lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct VmId(pub usize);

/// A migration started by a backend; unique for the backend's lifetime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MigrationId(pub u64);

impl fmt::Display for PmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pm{}", self.0)
    }
}

impl fmt::Display for VmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "vm{}", self.0)
    }
}

impl fmt::Display for MigrationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "migration#{}", self.0)
    }
}

/// An amount of the two resources a VM needs and a PM offers.
///
/// `cpu` is in percent of one core (a PM with 4 cores offers 400); `mem` is in MiB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Resources {
    /// CPU in percent of one core.
    pub cpu: f64,
    /// Memory in MiB.
    pub mem: f64,
}

impl Resources {
    /// Nothing of either resource.
    pub const ZERO: Resources = Resources { cpu: 0.0, mem: 0.0 };

    /// The given amounts of CPU (percent of a core) and memory (MiB).
    pub fn new(cpu: f64, mem: f64) -> Self {
        Resources { cpu, mem }
    }

    /// Whether `need` fits in `self` for both resources (with a tiny tolerance
    /// for floating-point sums).
    pub fn fits(&self, need: &Resources) -> bool {
        const EPS: f64 = 1e-9;
        need.cpu <= self.cpu + EPS && need.mem <= self.mem + EPS
    }

    /// Both amounts clamped at zero from below.
    pub fn clamped(self) -> Self {
        Resources::new(self.cpu.max(0.0), self.mem.max(0.0))
    }
}

impl Add for Resources {
    type Output = Resources;
    fn add(self, o: Resources) -> Resources {
        Resources::new(self.cpu + o.cpu, self.mem + o.mem)
    }
}

impl Sub for Resources {
    type Output = Resources;
    fn sub(self, o: Resources) -> Resources {
        Resources::new(self.cpu - o.cpu, self.mem - o.mem)
    }
}

impl AddAssign for Resources {
    fn add_assign(&mut self, o: Resources) {
        *self = *self + o;
    }
}

impl SubAssign for Resources {
    fn sub_assign(&mut self, o: Resources) {
        *self = *self - o;
    }
}

impl std::iter::Sum for Resources {
    fn sum<I: Iterator<Item = Resources>>(iter: I) -> Resources {
        iter.fold(Resources::ZERO, |a, b| a + b)
    }
}
