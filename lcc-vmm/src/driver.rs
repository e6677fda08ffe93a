//! Runs a Rust stand-in policy ([`crate::standin::StandIn`]) over a
//! datacentre for a number of monitoring rounds and reports. The LCC policies
//! themselves run through [`crate::interpreted`].

use crate::constraints::VmmConstraints;
use crate::datacentre::Datacentre;
use crate::error::Result;
use crate::power::PowerModel;
use crate::recorder::Recorder;
use crate::report::Report;
use crate::standin::StandIn;

/// Settings of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunConfig {
    /// How many monitoring intervals to run.
    pub rounds: u64,
    /// The power model for the energy figure.
    pub power: PowerModel,
    /// Show a progress bar (only drawn when stderr is a terminal).
    pub progress: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            rounds: 100,
            power: PowerModel::default(),
            progress: false,
        }
    }
}

/// Runs `policy` over `c` for `config.rounds` monitoring intervals, sampling
/// every PM's load once per interval, and calls `after_step` after every step
/// (tests check the inventory invariant there). At the end it lets running
/// migrations finish, so that every migration is tracked to its end.
pub fn run<D, F>(
    c: &mut VmmConstraints<D>,
    policy: &mut StandIn,
    config: &RunConfig,
    mut after_step: F,
) -> Result<Report>
where
    D: Datacentre,
    F: FnMut(&mut VmmConstraints<D>) -> Result<()>,
{
    let mut recorder = Recorder::new(c, config.rounds, config.power, config.progress)?;
    let end = recorder.end();
    loop {
        recorder.observe(c)?;
        let now = c.datacentre().now();
        if now >= end {
            break;
        }
        let wake = policy.step(c)?;
        after_step(c)?;
        let mut next = recorder.next_sample().min(end);
        if let Some(t) = wake {
            next = next.min(t);
        }
        if let Some(t) = c.datacentre().next_event() {
            next = next.min(t);
        }
        c.datacentre_mut().advance_to(next.max(now + 1))?;
    }
    recorder.finish(c, policy.messages(), after_step)
}
