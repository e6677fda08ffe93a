//! A placement problem: hosts with capacities, guests with demands, an
//! assignment, and what a plan to change it looks like.

use crate::model::Resources;
use serde::{Deserialize, Serialize};

/// A physical host of a placement problem.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Host {
    /// Its name.
    pub name: String,
    /// What it offers.
    pub capacity: Resources,
}

/// A VM of a placement problem.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Guest {
    /// Its name.
    pub name: String,
    /// What it needs.
    pub demand: Resources,
}

/// Hosts, guests, and the host of every guest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    /// The hosts.
    pub hosts: Vec<Host>,
    /// The guests.
    pub guests: Vec<Guest>,
    /// `assignment[g]` is the index of guest `g`'s host.
    pub assignment: Vec<usize>,
}

/// A VM manager's request for more resources for one guest.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// The guest.
    pub guest: usize,
    /// The extra it needs.
    pub extra: Resources,
}

/// One migration of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    /// The guest.
    pub guest: usize,
    /// Its host before.
    pub from: usize,
    /// Its host after.
    pub to: usize,
}

/// What an algorithm proposes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Plan {
    /// Grant the request where the guest is; no migration.
    InPlace,
    /// Perform these migrations, in this order.
    Migrate(Vec<Move>),
    /// No valid placement found.
    NoSolution,
}

impl Placement {
    /// The guests' demands with `request` granted.
    pub fn demands(&self, request: Option<Request>) -> Vec<Resources> {
        let mut d: Vec<Resources> = self.guests.iter().map(|g| g.demand).collect();
        if let Some(r) = request {
            d[r.guest] += r.extra;
        }
        d
    }

    /// What each host uses under `assignment` with `demands`.
    pub fn used(&self, assignment: &[usize], demands: &[Resources]) -> Vec<Resources> {
        let mut used = vec![Resources::ZERO; self.hosts.len()];
        for (g, &h) in assignment.iter().enumerate() {
            used[h] += demands[g];
        }
        used
    }

    /// Whether every host's demands fit in its capacity.
    pub fn is_valid(&self, assignment: &[usize], demands: &[Resources]) -> bool {
        self.used(assignment, demands)
            .iter()
            .zip(&self.hosts)
            .all(|(u, h)| h.capacity.fits(u))
    }

    /// The hosts that host no guest under `assignment` (can be powered off).
    pub fn empty_hosts(&self, assignment: &[usize]) -> usize {
        (0..self.hosts.len()).filter(|h| !assignment.contains(h)).count()
    }

    /// The moves from `self.assignment` to `target`, ordered so that each
    /// destination has room when its move happens (a moving guest occupies
    /// both ends until it has moved); `None` if no such order exists.
    pub fn order_moves(&self, target: &[usize], demands: &[Resources]) -> Option<Vec<Move>> {
        let mut current = self.assignment.clone();
        let mut pending: Vec<Move> = (0..target.len())
            .filter(|&g| current[g] != target[g])
            .map(|g| Move {
                guest: g,
                from: current[g],
                to: target[g],
            })
            .collect();
        let mut order = Vec::new();
        while !pending.is_empty() {
            let used = self.used(&current, demands);
            let next = pending
                .iter()
                .position(|m| self.hosts[m.to].capacity.fits(&(used[m.to] + demands[m.guest])))?;
            let m = pending.remove(next);
            current[m.guest] = m.to;
            order.push(m);
        }
        Some(order)
    }
}

impl Placement {
    /// The current placement of a datacentre's VMs on its PMs that are on
    /// (VMs at their current demand; PMs in order, re-indexed densely).
    pub fn snapshot<D: crate::datacentre::Datacentre + ?Sized>(dc: &D) -> crate::error::Result<Placement> {
        let mut hosts = Vec::new();
        let mut index = vec![usize::MAX; dc.pm_count()];
        for (p, slot) in index.iter_mut().enumerate() {
            let info = dc.pm(crate::model::PmId(p))?;
            if info.power == crate::datacentre::PowerState::On {
                *slot = hosts.len();
                hosts.push(Host {
                    name: info.name,
                    capacity: info.capacity,
                });
            }
        }
        let mut guests = Vec::new();
        let mut assignment = Vec::new();
        for v in 0..dc.vm_count() {
            let vm = dc.vm(crate::model::VmId(v))?;
            guests.push(Guest {
                name: vm.name,
                demand: vm.demand,
            });
            assignment.push(index[vm.host.0]);
        }
        Ok(Placement {
            hosts,
            guests,
            assignment,
        })
    }
}
