//! The inventory invariant: every VM runs exactly once, where the datacentre
//! believes it runs, except during its migration, when it may be active on its
//! source, its destination or both, and nowhere else.

use crate::datacentre::{Datacentre, MigrationStatus};
use crate::error::Result;
use crate::model::{PmId, VmId};
use std::collections::HashMap;
use std::fmt;

/// What the hypervisors report: for every VM, the PMs on which it is active.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Inventory {
    /// Indexed by `VmId`: the PMs on which the VM is active (running or paused).
    pub active_on: Vec<Vec<PmId>>,
    /// Active domains that are not among the datacentre's VMs, with their PM.
    pub strangers: Vec<(PmId, String)>,
}

impl Inventory {
    /// How many times each VM is active in total.
    pub fn copies(&self, vm: VmId) -> usize {
        self.active_on.get(vm.0).map_or(0, Vec::len)
    }
}

/// A breach of the inventory invariant.
#[derive(Clone, Debug, PartialEq)]
pub enum Violation {
    /// The VM is active nowhere.
    Lost(VmId),
    /// The VM is active on more PMs than allowed.
    Duplicated(VmId, Vec<PmId>),
    /// The VM is active somewhere other than its host (or migration endpoints).
    Misplaced {
        /// The VM.
        vm: VmId,
        /// Where the datacentre believes it may be.
        allowed: Vec<PmId>,
        /// Where it is active.
        found: Vec<PmId>,
    },
    /// A domain the datacentre does not know is active.
    Stranger(PmId, String),
    /// A VM says it is migrating, but its migration is not running.
    Untracked(VmId),
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Lost(vm) => write!(f, "{vm} is active nowhere"),
            Violation::Duplicated(vm, pms) => write!(f, "{vm} is active on {pms:?}"),
            Violation::Misplaced { vm, allowed, found } => {
                write!(f, "{vm} is active on {found:?}, allowed {allowed:?}")
            }
            Violation::Stranger(pm, name) => write!(f, "unknown domain {name} on {pm}"),
            Violation::Untracked(vm) => write!(f, "{vm} migrates without a running migration"),
        }
    }
}

/// Checks the inventory invariant of `dc` now. The outer error is a backend
/// failure (e.g. an unreachable hypervisor); the inner list holds every
/// violation found, empty when the invariant holds.
pub fn check_invariant<D: Datacentre + ?Sized>(dc: &mut D) -> Result<Vec<Violation>> {
    // The records first: a migration that ends while the hypervisors are
    // asked is then still allowed on both of its ends, instead of being seen
    // as ended while the inventory still shows its source.
    let records: HashMap<_, _> = dc.migrations()?.into_iter().map(|r| (r.id, r)).collect();
    let inventory = dc.inventory()?;
    let mut violations: Vec<Violation> = inventory
        .strangers
        .iter()
        .map(|(pm, name)| Violation::Stranger(*pm, name.clone()))
        .collect();
    for v in 0..dc.vm_count() {
        let vm = dc.vm(VmId(v))?;
        let found = inventory.active_on.get(v).cloned().unwrap_or_default();
        let (allowed, max_copies) = match vm.migrating {
            None => (vec![vm.host], 1),
            Some(id) => match records.get(&id) {
                Some(r) if r.status == MigrationStatus::Running => (vec![r.from, r.to], 2),
                _ => {
                    violations.push(Violation::Untracked(vm.id));
                    continue;
                }
            },
        };
        if found.is_empty() {
            violations.push(Violation::Lost(vm.id));
        } else if found.len() > max_copies {
            violations.push(Violation::Duplicated(vm.id, found));
        } else if found.iter().any(|pm| !allowed.contains(pm)) {
            violations.push(Violation::Misplaced {
                vm: vm.id,
                allowed,
                found,
            });
        }
    }
    Ok(violations)
}
