//! How long a live migration takes and how soon its source is free (the ABDM
//! seed's exit time), for pre-copy, post-copy and ABDM divide-and-merge
//! through intermediate nodes.
//!
//! Bandwidths are in MiB/s, memory in MiB. The model is the seeds' qualitative
//! one: pre-copy copies memory in rounds while the guest dirties pages, then
//! stops it to copy the rest; post-copy stops the guest, moves its CPU state,
//! resumes it on the destination and pushes the memory, so the source serves
//! pages until all have left; ABDM lets the source write the memory at its own
//! speed to the destination and `intermediates` buffer nodes, from which the
//! destination merges it at its speed, with two hops costing some throughput.

use crate::model::Millis;
use serde::{Deserialize, Serialize};

/// The migration technique.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum MigrationKind {
    /// Iterative pre-copy, then stop-and-copy (libvirt's default live migration).
    PreCopy,
    /// Stop, move the CPU state, resume on the destination, push the memory.
    PostCopy,
    /// Agent-based divide and merge through intermediate nodes (ABDM seed).
    Abdm {
        /// How many intermediate buffer nodes take part.
        intermediates: u32,
    },
}

/// Parameters of the migration-duration model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MigrationModel {
    /// The technique.
    pub kind: MigrationKind,
    /// Fixed set-up cost of every migration.
    pub setup: Millis,
    /// Rate at which the guest dirties memory (MiB/s).
    pub dirty_rate: f64,
    /// Pre-copy stops iterating when less than this is left to copy (MiB).
    pub stop_copy_threshold: f64,
    /// Pre-copy iterates at most this many rounds before stop-and-copy.
    pub max_rounds: u32,
    /// CPU and device state moved while the guest is stopped (MiB).
    pub cpu_state: f64,
    /// Bandwidth of one ABDM intermediate node (MiB/s).
    pub intermediate_bandwidth: f64,
    /// Share of throughput kept over ABDM's two hops (the seed: 750–800 of 900 Mbps).
    pub two_hop_efficiency: f64,
}

impl Default for MigrationModel {
    fn default() -> Self {
        MigrationModel {
            kind: MigrationKind::PreCopy,
            setup: 200,
            dirty_rate: 20.0,
            stop_copy_threshold: 8.0,
            max_rounds: 30,
            cpu_state: 1.0,
            intermediate_bandwidth: 110.0,
            two_hop_efficiency: 0.85,
        }
    }
}

/// The times of one migration.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MigrationTiming {
    /// From start until the VM runs on the destination with all its memory.
    pub total: Millis,
    /// From start until the source holds nothing of the VM (the exit time).
    pub exit: Millis,
    /// How long the guest was stopped.
    pub downtime: Millis,
}

fn ms(seconds: f64) -> Millis {
    (seconds * 1000.0).ceil() as Millis
}

impl MigrationModel {
    /// The timing of moving a guest of `mem` MiB from a source that sends at
    /// `source_bw` to a destination that receives at `dest_bw` (MiB/s, > 0).
    pub fn timing(&self, mem: f64, source_bw: f64, dest_bw: f64) -> MigrationTiming {
        let direct = source_bw.min(dest_bw);
        match self.kind {
            MigrationKind::PreCopy => {
                let mut to_copy = mem;
                let mut elapsed = 0.0;
                let mut rounds = 0;
                while to_copy > self.stop_copy_threshold && rounds < self.max_rounds {
                    let t = to_copy / direct;
                    elapsed += t;
                    to_copy = (self.dirty_rate * t).min(mem);
                    rounds += 1;
                }
                let down = (to_copy + self.cpu_state) / direct;
                let total = self.setup + ms(elapsed + down);
                MigrationTiming {
                    total,
                    exit: total,
                    downtime: ms(down),
                }
            }
            MigrationKind::PostCopy => {
                let down = self.cpu_state / direct;
                let total = self.setup + ms(down + mem / direct);
                MigrationTiming {
                    total,
                    exit: total,
                    downtime: ms(down),
                }
            }
            MigrationKind::Abdm { intermediates } => {
                let down = self.cpu_state / direct;
                let buffers = intermediates as f64 * self.intermediate_bandwidth;
                let eject = source_bw.min(dest_bw + buffers * self.two_hop_efficiency);
                let merge = if intermediates == 0 {
                    direct
                } else {
                    direct * self.two_hop_efficiency
                };
                let exit = self.setup + ms(down + mem / eject);
                let total = (self.setup + ms(down + mem / merge)).max(exit);
                MigrationTiming {
                    total,
                    exit,
                    downtime: ms(down),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(kind: MigrationKind) -> MigrationModel {
        MigrationModel {
            kind,
            ..MigrationModel::default()
        }
    }

    #[test]
    fn abdm_frees_a_fast_source_sooner_when_the_destination_is_slow() {
        // The seed's setting: a 5 GiB guest, a 1 Gb/s source, a busy destination.
        let (mem, src, dst) = (5120.0, 110.0, 40.0);
        let pre = with(MigrationKind::PreCopy).timing(mem, src, dst);
        let post = with(MigrationKind::PostCopy).timing(mem, src, dst);
        let abdm = with(MigrationKind::Abdm { intermediates: 3 }).timing(mem, src, dst);
        assert_eq!(pre.exit, pre.total);
        assert_eq!(post.exit, post.total);
        assert!(abdm.exit * 2 < post.exit, "{abdm:?} vs {post:?}");
        assert!(abdm.exit < pre.exit);
        assert!(abdm.total >= post.total);
        assert!(post.total <= pre.total);
        assert!(post.downtime < 1000 && pre.downtime < 5000);
    }

    #[test]
    fn precopy_rounds_converge_when_bandwidth_exceeds_dirty_rate() {
        let m = with(MigrationKind::PreCopy);
        let t = m.timing(1024.0, 100.0, 100.0);
        // ~10.24 s first round, then a geometric tail of ratio 0.2.
        assert!(t.total > 10_240 && t.total < 13_500, "{t:?}");
        let hot = MigrationModel { dirty_rate: 200.0, ..m };
        let t2 = hot.timing(1024.0, 100.0, 100.0);
        assert!(
            t2.total > t.total,
            "a guest dirtying faster than the link never converges"
        );
    }

    #[test]
    fn abdm_without_intermediates_is_no_faster_than_post_copy() {
        let post = with(MigrationKind::PostCopy).timing(2048.0, 100.0, 100.0);
        let abdm0 = with(MigrationKind::Abdm { intermediates: 0 }).timing(2048.0, 100.0, 100.0);
        assert_eq!(abdm0.exit, post.exit);
    }
}
