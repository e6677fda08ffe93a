//! Samples every PM's load once per monitoring interval while a policy runs,
//! and turns the samples and the migrations into a [`Report`] at the end.
//! Shared by the Rust stand-in driver ([`crate::driver`]) and the LCC driver
//! ([`crate::interpreted`]).

use crate::constraints::VmmConstraints;
use crate::datacentre::{Datacentre, PowerState};
use crate::error::Result;
use crate::model::{Millis, PmId};
use crate::power::PowerModel;
use crate::report::Report;
use indicatif::{ProgressBar, ProgressDrawTarget};
use std::io::IsTerminal;

/// The samples of a run in progress.
pub struct Recorder {
    report: Report,
    power: PowerModel,
    interval: Millis,
    start: Millis,
    end: Millis,
    next_sample: Millis,
    hosted_at_start: Vec<bool>,
    bar: ProgressBar,
}

impl Recorder {
    /// Starts recording a run of `rounds` monitoring intervals from now, with
    /// a progress bar on stderr when `progress` is set and stderr is a terminal.
    pub fn new<D: Datacentre>(c: &VmmConstraints<D>, rounds: u64, power: PowerModel, progress: bool) -> Result<Self> {
        let dc = c.datacentre();
        let interval = c.config().monitoring_interval.max(1);
        let pm_count = dc.pm_count();
        let start = dc.now();
        let hosted_at_start = (0..pm_count)
            .map(|p| dc.vms_on(PmId(p)).map(|v| !v.is_empty()))
            .collect::<Result<_>>()?;
        let bar = if progress && std::io::stderr().is_terminal() {
            ProgressBar::new(rounds)
        } else {
            ProgressBar::with_draw_target(Some(rounds), ProgressDrawTarget::hidden())
        };
        let report = Report {
            pms: (0..pm_count)
                .map(|p| dc.pm(PmId(p)).map(|i| i.name))
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
        Ok(Recorder {
            report,
            power,
            interval,
            start,
            end: start + rounds * interval,
            next_sample: start,
            hosted_at_start,
            bar,
        })
    }

    /// The end of the run (start plus the rounds).
    pub fn end(&self) -> Millis {
        self.end
    }

    /// When the next sample is due.
    pub fn next_sample(&self) -> Millis {
        self.next_sample
    }

    /// Takes a sample if one is due now.
    pub fn observe<D: Datacentre>(&mut self, c: &VmmConstraints<D>) -> Result<()> {
        let now = c.datacentre().now();
        if now >= self.next_sample {
            self.sample(c, now)?;
            self.bar.set_position((now - self.start) / self.interval);
            self.next_sample = now - (now - self.start) % self.interval + self.interval;
        }
        Ok(())
    }

    /// Records one sample and integrates energy and SLA violation over the
    /// interval that follows it.
    fn sample<D: Datacentre>(&mut self, c: &VmmConstraints<D>, now: Millis) -> Result<()> {
        let dc = c.datacentre();
        let average = dc.cluster_average()?;
        let t = c.config().thresholds;
        let mut loads = Vec::with_capacity(dc.pm_count());
        for p in 0..dc.pm_count() {
            let pm = PmId(p);
            let load = dc.load_percent(pm)?;
            let state = dc.pm(pm)?.power;
            self.report.energy_wh += self.power.watts(state, load) * self.interval as f64 / 3_600_000.0;
            if load > 100.0 + 1e-9 {
                self.report.sla_violation_time += self.interval;
            }
            loads.push(load);
        }
        self.report.times.push(now);
        self.report.loads.push(loads);
        self.report.averages.push(average);
        self.report
            .bands
            .push((t.underload.resolve(average), t.overload.resolve(average)));
        Ok(())
    }

    /// Ends the run: lets running migrations finish (calling `after_step`
    /// after each event, so that every migration is tracked to its end) and
    /// computes the report's figures; `messages` is how many the peers sent.
    pub fn finish<D, F>(self, c: &mut VmmConstraints<D>, messages: u64, mut after_step: F) -> Result<Report>
    where
        D: Datacentre,
        F: FnMut(&mut VmmConstraints<D>) -> Result<()>,
    {
        self.bar.finish_and_clear();
        while let Some(t) = c.datacentre().next_event() {
            c.datacentre_mut().advance_to(t)?;
            after_step(c)?;
        }
        let thresholds = c.config().thresholds;
        let mut report = self.report;
        report.decisions = c.journal().to_vec();
        let dc = c.datacentre_mut();
        report.migrations = dc.migrations()?;
        report.tally_migrations();
        let quiet_since = self.end.saturating_sub(2 * self.interval);
        report.time_to_stabilise = if report.migrations.iter().any(|m| m.started >= quiet_since) {
            None
        } else {
            Some(
                report
                    .migrations
                    .iter()
                    .filter_map(|m| m.ended)
                    .max()
                    .map_or(0, |t| t - self.start),
            )
        };
        let average = dc.cluster_average()?;
        for (p, hosted) in self.hosted_at_start.iter().enumerate() {
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
        report.messages = messages;
        report.duration = dc.now() - self.start;
        Ok(report)
    }
}
