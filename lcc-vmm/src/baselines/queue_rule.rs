//! The MLN seed's VM-initiated migration: a VM processing a job queue moves
//! itself to a faster site when processing the queue locally would take longer
//! than migrating and processing it there (`n·L > n·R + M`).

/// Job and migration times, in minutes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QueueRule {
    /// Time of one job on the local site.
    pub local_job: f64,
    /// Time of one job on the remote (faster) site.
    pub remote_job: f64,
    /// Time of the migration to the remote site.
    pub migration: f64,
}

impl QueueRule {
    /// The seed's example: 10-minute local jobs, 5-minute remote jobs, a
    /// 15-minute migration.
    pub const SEED: QueueRule = QueueRule {
        local_job: 10.0,
        remote_job: 5.0,
        migration: 15.0,
    };

    /// Minutes to process `jobs` locally.
    pub fn local_time(&self, jobs: usize) -> f64 {
        jobs as f64 * self.local_job
    }

    /// Minutes to migrate, then process `jobs` remotely.
    pub fn remote_time(&self, jobs: usize) -> f64 {
        jobs as f64 * self.remote_job + self.migration
    }

    /// Whether a VM with `jobs` waiting should migrate: local time exceeds
    /// remote time plus migration time.
    pub fn should_migrate(&self, jobs: usize) -> bool {
        self.local_time(jobs) > self.remote_time(jobs)
    }
}
