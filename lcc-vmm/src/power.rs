//! A linear power model per host, for the energy figure of a report.

use crate::datacentre::PowerState;
use serde::{Deserialize, Serialize};

/// Watts drawn by a PM: linear in CPU utilisation between idle and full when
/// on; a constant when suspended; nothing when off.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PowerModel {
    /// Watts when on and idle.
    pub idle: f64,
    /// Watts when on at 100% CPU (and above).
    pub full: f64,
    /// Watts when suspended.
    pub suspended: f64,
}

impl Default for PowerModel {
    /// A typical 2010s server: 150 W idle, 250 W at full load, 10 W suspended.
    fn default() -> Self {
        PowerModel {
            idle: 150.0,
            full: 250.0,
            suspended: 10.0,
        }
    }
}

impl PowerModel {
    /// Watts drawn by a PM in `state` at `load_percent`.
    pub fn watts(&self, state: PowerState, load_percent: f64) -> f64 {
        match state {
            PowerState::On => {
                let u = (load_percent / 100.0).clamp(0.0, 1.0);
                self.idle + (self.full - self.idle) * u
            }
            PowerState::Suspended => self.suspended,
            PowerState::Off => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_is_linear_in_load_and_capped() {
        let m = PowerModel::default();
        assert_eq!(m.watts(PowerState::On, 0.0), 150.0);
        assert_eq!(m.watts(PowerState::On, 50.0), 200.0);
        assert_eq!(m.watts(PowerState::On, 180.0), 250.0);
        assert_eq!(m.watts(PowerState::Off, 50.0), 0.0);
        assert_eq!(m.watts(PowerState::Suspended, 0.0), 10.0);
    }
}
