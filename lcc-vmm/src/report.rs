//! What a simulation (or a run on real hosts) produced: per-PM load over time
//! and the figures of the issue.

use crate::constraints::Decision;
use crate::datacentre::{MigrationRecord, MigrationStatus};
use crate::model::Millis;
use serde::{Deserialize, Serialize};

/// The figures of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The PMs' names, in `PmId` order.
    pub pms: Vec<String>,
    /// The sampling times (one per monitoring interval).
    pub times: Vec<Millis>,
    /// `loads[i][p]`: PM `p`'s load in percent at `times[i]`.
    pub loads: Vec<Vec<f64>>,
    /// The cluster average (PMs that are on) at each sample.
    pub averages: Vec<f64>,
    /// The band at each sample: (underload, overload) thresholds in percent.
    pub bands: Vec<(f64, f64)>,
    /// Every migration, tracked to its end.
    pub migrations: Vec<MigrationRecord>,
    /// Every decision to migrate, with its reason (in a dry run, the
    /// migrations that would have been made).
    pub decisions: Vec<Decision>,
    /// Migrations that moved their VM.
    pub migrations_succeeded: usize,
    /// Migrations that failed (the VM stayed on its source).
    pub migrations_failed: usize,
    /// When the last migration ended, if none started during the last two
    /// monitoring intervals of the run (else the run did not stabilise).
    pub time_to_stabilise: Option<Millis>,
    /// PMs on and outside the band at the end.
    pub outside_band_at_end: usize,
    /// PMs that hosted VMs at the start and none at the end.
    pub pms_emptied: usize,
    /// PMs off or suspended at the end.
    pub pms_powered_off: usize,
    /// Energy drawn by all PMs (linear power model), in watt-hours.
    pub energy_wh: f64,
    /// Total PM-time with a PM above 100% load (SLA violation), in ms.
    pub sla_violation_time: Millis,
    /// Sum of the migrations' total times, in ms.
    pub total_migration_time: Millis,
    /// Sum of the migrations' exit times (source free), in ms.
    pub total_exit_time: Millis,
    /// Messages the peers sent.
    pub messages: u64,
    /// How long the run lasted (virtual or real time), in ms.
    pub duration: Millis,
}

impl Report {
    /// Fills in the migration figures from `migrations` (all ended).
    pub fn tally_migrations(&mut self) {
        self.migrations_succeeded = self
            .migrations
            .iter()
            .filter(|m| m.status == MigrationStatus::Succeeded)
            .count();
        self.migrations_failed = self
            .migrations
            .iter()
            .filter(|m| matches!(m.status, MigrationStatus::Failed(_)))
            .count();
        self.total_migration_time = self.migrations.iter().filter_map(|m| m.total_time()).sum();
        self.total_exit_time = self.migrations.iter().filter_map(|m| m.exit_time()).sum();
    }

    /// A human-readable summary, one figure per line.
    pub fn summary(&self) -> String {
        let stab = self
            .time_to_stabilise
            .map_or("not stabilised".to_string(), |t| format!("{:.1} s", t as f64 / 1000.0));
        format!(
            "PMs: {}\nduration: {:.1} s\nmigrations: {} succeeded, {} failed\n\
             time to stabilise: {stab}\nPMs outside the band at the end: {}\n\
             PMs emptied: {}, powered off: {}\nenergy: {:.1} Wh\n\
             SLA violation time (PM above 100%): {:.1} s\n\
             total migration time: {:.1} s, total exit time: {:.1} s\nmessages: {}\n",
            self.pms.len(),
            self.duration as f64 / 1000.0,
            self.migrations_succeeded,
            self.migrations_failed,
            self.outside_band_at_end,
            self.pms_emptied,
            self.pms_powered_off,
            self.energy_wh,
            self.sla_violation_time as f64 / 1000.0,
            self.total_migration_time as f64 / 1000.0,
            self.total_exit_time as f64 / 1000.0,
            self.messages,
        )
    }
}
