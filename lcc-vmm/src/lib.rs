//! Virtual-machine management for LCC (issue 6).
//!
//! - [`datacentre::Datacentre`]: PMs, VMs, placement, live migration, power;
//!   backends [`sim::Simulator`] (discrete-event, the embedded default) and
//!   [`libvirt::LibvirtDatacentre`] (real hypervisors through libvirt).
//! - [`constraints::VmmConstraints`]: the constraints of
//!   `stdlib/vmm/constraints.lcc` as a plain-Rust API with explicit pending
//!   results, so that an LCC constraint provider is a thin adapter.
//! - [`hosts_file`]: the hosts file of a run against real hosts.
//! - [`inventory`]: the safety invariant (no VM lost or duplicated).
//! - [`baselines`]: Algorithms A and B of the self-management seed, and the MLN
//!   seed's queue-driven migration rule.
//! - [`provider`]: those constraints as lcc-eval constraints, for LCC runs.
//! - [`interpreted`]: runs an LCC policy over a datacentre through lcc-eval,
//!   advancing simulated time when every peer is blocked.
//! - [`schedule`]: the recorded schedule of an in-process run, for peers in
//!   other processes to follow;
//! - [`remote`]: the constraints as a service for peers in other processes;
//!   [`placement`]: where every VM runs, to compare end states.
//! - [`standin`]: Rust-coded stand-ins of the corrected load-balancing and
//!   consolidation policies, kept as a cross-check of the LCC runs.
//! - [`driver`] (the stand-ins' loop), [`recorder`], [`report`], [`plot`]:
//!   run a policy over time and report.

#![warn(missing_docs)]

pub mod baselines;
pub mod constraints;
pub mod datacentre;
pub mod driver;
pub mod error;
pub mod hosts_file;
pub mod interpreted;
pub mod inventory;
pub mod libvirt;
pub mod model;
pub mod placement;
pub mod plot;
pub mod power;
pub mod provider;
pub mod recorder;
pub mod remote;
pub mod report;
pub mod rng;
pub mod schedule;
pub mod sim;
pub mod standin;
pub mod strategy;
pub mod thresholds;
