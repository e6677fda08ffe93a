//! Synthetic, seeded demand traces: what a simulated VM needs over time.

use crate::model::{Millis, Resources};
use crate::rng::mix;
use serde::{Deserialize, Serialize};

/// How long one noise level lasts: the noise is piecewise constant per minute.
const NOISE_STEP: Millis = 60_000;

/// A VM's demand over time: a base level, a daily-style sine wave around it and
/// seeded piecewise-constant noise on the CPU. Memory stays at its base level.
/// A trace with no amplitude and no noise is constant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DemandTrace {
    /// The mean demand.
    pub base: Resources,
    /// Relative amplitude of the sine wave on CPU (0.3 means ±30% of base).
    pub amplitude: f64,
    /// Period of the sine wave.
    pub period: Millis,
    /// Phase of the sine wave, in radians.
    pub phase: f64,
    /// Relative amplitude of the noise on CPU (uniform in ±noise × base).
    pub noise: f64,
    /// Seed of the noise.
    pub seed: u64,
}

impl DemandTrace {
    /// A demand that never changes.
    pub fn constant(base: Resources) -> Self {
        DemandTrace {
            base,
            amplitude: 0.0,
            period: 1,
            phase: 0.0,
            noise: 0.0,
            seed: 0,
        }
    }

    /// The demand at time `t` (CPU never below zero).
    pub fn at(&self, t: Millis) -> Resources {
        let mut factor = 1.0;
        if self.amplitude != 0.0 {
            let angle = std::f64::consts::TAU * (t % self.period) as f64 / self.period as f64;
            factor += self.amplitude * (angle + self.phase).sin();
        }
        if self.noise != 0.0 {
            let h = mix(self.seed ^ mix(t / NOISE_STEP));
            let u = (h >> 11) as f64 / (1u64 << 53) as f64;
            factor += self.noise * (2.0 * u - 1.0);
        }
        Resources::new((self.base.cpu * factor).max(0.0), self.base.mem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_trace_is_constant_and_varying_trace_is_reproducible() {
        let c = DemandTrace::constant(Resources::new(20.0, 512.0));
        assert_eq!(c.at(0), c.at(123_456_789));
        let v = DemandTrace {
            amplitude: 0.5,
            period: 3_600_000,
            noise: 0.1,
            seed: 9,
            ..c.clone()
        };
        assert_eq!(v.at(1_000_000), v.clone().at(1_000_000));
        assert_ne!(v.at(0), v.at(900_000));
        for t in (0..7_200_000).step_by(60_000) {
            let d = v.at(t);
            assert!(d.cpu >= 0.0 && d.cpu <= 20.0 * 1.6 + 1e-9);
            assert_eq!(d.mem, 512.0);
        }
    }
}
