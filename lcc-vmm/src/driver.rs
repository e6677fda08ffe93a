//! Runs a policy over a datacentre for a number of monitoring rounds and
//! reports. Until the LCC interpreter drives the constraints, the policy is a
//! Rust stand-in ([`crate::standin::StandIn`]).

use crate::constraints::VmmConstraints;
use crate::datacentre::{Datacentre, PowerState};
use crate::error::Result;
use crate::model::{Millis, PmId};
use crate::power::PowerModel;
use crate::report::Report;
use crate::standin::StandIn;
use indicatif::{ProgressBar, ProgressDrawTarget};
use std::io::IsTerminal;

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
    let interval = c.config().monitoring_interval.max(1);
    let thresholds = c.config().thresholds;
    let pm_count = c.datacentre().pm_count();
    let start = c.datacentre().now();
    let end = start + config.rounds * interval;
    let hosted_at_start: Vec<bool> = (0..pm_count)
        .map(|p| c.datacentre().vms_on(PmId(p)).map(|v| !v.is_empty()))
        .collect::<Result<_>>()?;
    let bar = if config.progress && std::io::stderr().is_terminal() {
        ProgressBar::new(config.rounds)
    } else {
        ProgressBar::with_draw_target(Some(config.rounds), ProgressDrawTarget::hidden())
    };
    let mut report = Report {
        pms: (0..pm_count)
            .map(|p| c.datacentre().pm(PmId(p)).map(|i| i.name))
            .collect::<Result<_>>()?,
        times: Vec::new(),
        loads: Vec::new(),
        averages: Vec::new(),
        bands: Vec::new(),
        migrations: Vec::new(),
        decisions: Vec::new(),
        migrations_succeeded: 0,
        migrations_failed: 0,
        time_to_stabilise: None,
        outside_band_at_end: 0,
        pms_emptied: 0,
        pms_powered_off: 0,
        energy_wh: 0.0,
        sla_violation_time: 0,
        total_migration_time: 0,
        total_exit_time: 0,
        messages: 0,
        duration: 0,
    };
    let mut next_sample = start;
    loop {
        let now = c.datacentre().now();
        if now >= next_sample {
            sample(c, &mut report, config, interval, now)?;
            bar.set_position((now - start) / interval);
            next_sample = now - (now - start) % interval + interval;
        }
        if now >= end {
            break;
        }
        let wake = policy.step(c)?;
        after_step(c)?;
        let mut next = next_sample.min(end);
        if let Some(t) = wake {
            next = next.min(t);
        }
        if let Some(t) = c.datacentre().next_event() {
            next = next.min(t);
        }
        c.datacentre_mut().advance_to(next.max(now + 1))?;
    }
    bar.finish_and_clear();
    while let Some(t) = c.datacentre().next_event() {
        c.datacentre_mut().advance_to(t)?;
        after_step(c)?;
    }
    report.decisions = c.journal().to_vec();
    let dc = c.datacentre_mut();
    report.migrations = dc.migrations()?;
    report.tally_migrations();
    let quiet_since = end.saturating_sub(2 * interval);
    report.time_to_stabilise = if report.migrations.iter().any(|m| m.started >= quiet_since) {
        None
    } else {
        Some(
            report
                .migrations
                .iter()
                .filter_map(|m| m.ended)
                .max()
                .map_or(0, |t| t - start),
        )
    };
    let average = dc.cluster_average()?;
    for (p, hosted) in hosted_at_start.iter().enumerate() {
        let pm = PmId(p);
        let info = dc.pm(pm)?;
        if info.power == PowerState::On {
            if !thresholds.in_band(dc.load_percent(pm)?, average) {
                report.outside_band_at_end += 1;
            }
        } else {
            report.pms_powered_off += 1;
        }
        if *hosted && dc.vms_on(pm)?.is_empty() {
            report.pms_emptied += 1;
        }
    }
    report.messages = policy.messages();
    report.duration = dc.now() - start;
    Ok(report)
}

/// Records one sample and integrates energy and SLA violation over the
/// interval that follows it.
fn sample<D: Datacentre>(
    c: &VmmConstraints<D>,
    report: &mut Report,
    config: &RunConfig,
    interval: Millis,
    now: Millis,
) -> Result<()> {
    let dc = c.datacentre();
    let average = dc.cluster_average()?;
    let t = c.config().thresholds;
    let mut loads = Vec::with_capacity(dc.pm_count());
    for p in 0..dc.pm_count() {
        let pm = PmId(p);
        let load = dc.load_percent(pm)?;
        let state = dc.pm(pm)?.power;
        report.energy_wh += config.power.watts(state, load) * interval as f64 / 3_600_000.0;
        if load > 100.0 + 1e-9 {
            report.sla_violation_time += interval;
        }
        loads.push(load);
    }
    report.times.push(now);
    report.loads.push(loads);
    report.averages.push(average);
    report
        .bands
        .push((t.underload.resolve(average), t.overload.resolve(average)));
    Ok(())
}
