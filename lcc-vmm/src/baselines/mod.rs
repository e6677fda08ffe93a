//! Baselines from the seeds, in Rust: the self-management seed's Algorithm A
//! (first fit, one migration) and Algorithm B (K-best-first search over
//! placements with profit and migration cost), and the MLN seed's rule for a
//! VM that migrates itself when its job queue is long.

pub mod algorithm_a;
pub mod algorithm_b;
pub mod placement;
pub mod queue_rule;
