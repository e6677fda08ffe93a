//! Load thresholds: absolute, or relative to the cluster's average load.

use serde::{Deserialize, Serialize};

/// A load level in percent of a PM's CPU capacity.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Level {
    /// This fraction of the cluster's average load (1.2 is 120% of the average).
    OfAverage(f64),
    /// This load, in percent.
    Absolute(f64),
}

impl Level {
    /// The level in percent, given the cluster's average load in percent.
    pub fn resolve(self, cluster_average: f64) -> f64 {
        match self {
            Level::OfAverage(f) => f * cluster_average,
            Level::Absolute(p) => p,
        }
    }
}

/// The thresholds of the load constraints.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// `isOverLoaded` succeeds above this (default: 120% of the average).
    pub overload: Level,
    /// `isUnderLoaded` succeeds below this (default: 80% of the average).
    pub underload: Level,
    /// `canAcceptMoreLoad` needs a load above this (default: 50%, the
    /// consolidation paper's example).
    pub consolidation: Level,
    /// `canAcceptMoreLoad` needs a load below this, and `isMigrationPossible`
    /// never fills a destination above it (default: 100%).
    pub full: Level,
    /// `isMigrationPossible` refuses a move that would take the destination
    /// above this, so that an accepted VM does not make its new host
    /// overloaded and bounce back (hysteresis; default: the overload level).
    pub accept_limit: Level,
}

impl Default for Thresholds {
    /// The paper's simulation: overloaded above 120% of the cluster average,
    /// underloaded below 80%.
    fn default() -> Self {
        Thresholds {
            overload: Level::OfAverage(1.2),
            underload: Level::OfAverage(0.8),
            consolidation: Level::Absolute(50.0),
            full: Level::Absolute(100.0),
            accept_limit: Level::OfAverage(1.2),
        }
    }
}

impl Thresholds {
    /// Thresholds for consolidation: pull VMs onto PMs loaded above 50% until
    /// they are full, from PMs loaded at most 50% (the paper's example).
    pub fn consolidation() -> Self {
        Thresholds {
            underload: Level::Absolute(50.0),
            accept_limit: Level::Absolute(100.0),
            ..Thresholds::default()
        }
    }

    /// Whether `load` lies in the band `[underload, overload]`.
    pub fn in_band(&self, load: f64, cluster_average: f64) -> bool {
        load >= self.underload.resolve(cluster_average) - 1e-9 && load <= self.overload.resolve(cluster_average) + 1e-9
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_band_is_80_to_120_percent_of_the_average() {
        let t = Thresholds::default();
        assert_eq!(t.overload.resolve(50.0), 60.0);
        assert_eq!(t.underload.resolve(50.0), 40.0);
        assert!(t.in_band(40.0, 50.0) && t.in_band(60.0, 50.0));
        assert!(!t.in_band(39.0, 50.0) && !t.in_band(61.0, 50.0));
        assert_eq!(Thresholds::consolidation().underload.resolve(10.0), 50.0);
    }
}
