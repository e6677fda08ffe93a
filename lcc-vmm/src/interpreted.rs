//! Runs an LCC policy (`stdlib/vmm/load-balancing.lcc`, `consolidation.lcc`)
//! over a datacentre through lcc-eval's deterministic [`Runtime`], with one
//! peer per PM playing `pm`, named after the PM.
//!
//! Time: the peers step in zero time; a constraint that must wait (a
//! monitoring tick, a migration, a sleep) is pending. When every peer is
//! blocked, the runtime calls its idle hook, which lets the datacentre's time
//! pass to the earliest moment a pending constraint may be answered
//! ([`VmmProvider::next_wake`]) or the next sample, samples the loads, and
//! resolves the pending constraints that now have an answer
//! ([`VmmProvider::wake_due`]), which wakes their peers. The simulator jumps
//! to that time; real hosts sleep until it. The run ends at the horizon
//! (`rounds` monitoring intervals), with the peers waiting.

use crate::constraints::VmmConstraints;
use crate::datacentre::Datacentre;
use crate::driver::RunConfig;
use crate::error::{Error, Result};
use crate::model::Millis;
use crate::provider::VmmProvider;
use crate::recorder::Recorder;
use crate::report::Report;
use crate::rng::Rng;
use crate::schedule::{Entry, SCHEDULE_VERSION, Schedule};
use lcc_eval::{Atom, Model, PeerSpec, PickPolicy, Providers, RunEnd, Runtime, State, Term};
use std::sync::Mutex;

/// A finished LCC run: the report and how the interpreter's run ended.
#[derive(Debug)]
pub struct PolicyRun {
    /// The figures.
    pub report: Report,
    /// How the interpreter's run ended: at the horizon the peers are left
    /// waiting ([`RunEnd::Stuck`]) with `reached_horizon` set.
    pub end: RunEnd,
    /// Whether simulated (or real) time reached the end of the rounds.
    pub reached_horizon: bool,
    /// Interpreter steps taken.
    pub steps: u64,
    /// The run's schedule, if it was recorded ([`run_policy_recording`]).
    pub schedule: Option<Schedule>,
}

/// A send to an unbound Id goes to a peer drawn at random (seeded): an
/// overloaded PM asks a server picked at random, as in the paper.
struct SeededPick(Mutex<Rng>);

impl PickPolicy for SeededPick {
    fn pick(&self, _: &State, candidates: &[usize]) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).below(candidates.len())
    }
}

/// Runs `model` over `constraints` for `config.rounds` monitoring intervals
/// with scheduling seed `seed`, calling `after_step` each time time has
/// passed (tests check the inventory invariant there) and while the last
/// migrations finish.
pub fn run_policy<D, F>(
    model: &Model,
    constraints: VmmConstraints<D>,
    config: &RunConfig,
    seed: u64,
    after_step: F,
) -> Result<PolicyRun>
where
    D: Datacentre + Send + 'static,
    F: FnMut(&mut VmmConstraints<D>) -> Result<()> + Send,
{
    run(model, constraints, config, seed, after_step, false)
}

/// [`run_policy`], recording the run's [`Schedule`] (every attempt to step a
/// peer and every time the peers were all blocked) in [`PolicyRun::schedule`].
pub fn run_policy_recording<D, F>(
    model: &Model,
    constraints: VmmConstraints<D>,
    config: &RunConfig,
    seed: u64,
    after_step: F,
) -> Result<PolicyRun>
where
    D: Datacentre + Send + 'static,
    F: FnMut(&mut VmmConstraints<D>) -> Result<()> + Send,
{
    run(model, constraints, config, seed, after_step, true)
}

/// What the runtime's idle hook does when every peer is blocked: resolves
/// the pending calls that have an answer now (returns `true`: their peers
/// wake); when none has, lets the datacentre's time pass to the earliest
/// moment one may have (or the next sample), samples the loads, calls
/// `after_step`, and tries again. Returns `false` at `end`. Shared with the
/// conductor of peers in separate processes ([`crate::remote`]).
pub(crate) fn pass_idle_time<D: Datacentre + Send + 'static>(
    provider: &VmmProvider<D>,
    recorder: &mut Recorder,
    end: Millis,
    after_step: &mut dyn FnMut(&mut VmmConstraints<D>) -> Result<()>,
) -> Result<bool> {
    loop {
        if provider.wake_due() > 0 {
            return Ok(true);
        }
        let wake = provider.next_wake();
        let moved = provider.with(|c| -> Result<bool> {
            let now = c.datacentre().now();
            if now >= end {
                return Ok(false);
            }
            let next = wake.map_or(recorder.next_sample(), |t| t.min(recorder.next_sample()));
            c.datacentre_mut().advance_to(next.min(end).max(now + 1))?;
            recorder.observe(c)?;
            after_step(c)?;
            Ok(true)
        })?;
        if !moved {
            return Ok(false);
        }
    }
}

fn run<D, F>(
    model: &Model,
    constraints: VmmConstraints<D>,
    config: &RunConfig,
    seed: u64,
    after_step: F,
    record: bool,
) -> Result<PolicyRun>
where
    D: Datacentre + Send + 'static,
    F: FnMut(&mut VmmConstraints<D>) -> Result<()> + Send,
{
    let recorder = Recorder::new(&constraints, config.rounds, config.power, config.progress)?;
    let end = recorder.end();
    let provider = VmmProvider::new(constraints)?;
    let peers: Vec<PeerSpec> = provider.with(|c| {
        let dc = c.datacentre();
        (0..dc.pm_count())
            .map(|p| {
                dc.pm(crate::model::PmId(p)).map(|info| PeerSpec {
                    id: Atom::new(&info.name),
                    role: Term::atom("pm"),
                })
            })
            .collect::<Result<_>>()
    })?;
    let mut providers = Providers::with_builtins();
    providers.extend(&provider.providers());
    let clock = Mutex::new((recorder, after_step, None::<Error>));
    provider.with(|c| clock.lock().expect("clock").0.observe(c))?;
    let entries = Mutex::new(Vec::new());
    let hook = || {
        let mut guard = clock.lock().unwrap_or_else(|p| p.into_inner());
        let (recorder, after_step, failure) = &mut *guard;
        if record {
            entries.lock().unwrap_or_else(|p| p.into_inner()).push(Entry::Idle);
        }
        pass_idle_time(&provider, recorder, end, after_step).unwrap_or_else(|e| {
            *failure = Some(e);
            false
        })
    };
    let attempt = |peer: Atom, fired: bool| {
        if record {
            let peer = peer.name().to_string();
            entries
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(Entry::Attempt { peer, fired });
        }
    };
    let run = Runtime::new(model, providers)
        .seed(seed)
        .pick(SeededPick(Mutex::new(Rng::new(seed))))
        .on_idle(hook)
        .on_attempt(attempt)
        .run(&peers)
        .map_err(|e| Error::Policy(e.message))?;
    let (recorder, mut after_step, failure) = clock.into_inner().unwrap_or_else(|p| p.into_inner());
    if let Some(e) = failure {
        return Err(e);
    }
    let messages = run.trace.messages().len() as u64;
    let reached_horizon = provider.with(|c| c.datacentre().now() >= end);
    let report = provider.with(|c| recorder.finish(c, messages, &mut after_step))?;
    let schedule = record.then(|| Schedule {
        v: SCHEDULE_VERSION,
        peers: peers.iter().map(|p| p.id.name().to_string()).collect(),
        pick_seed: seed,
        entries: entries.into_inner().unwrap_or_else(|p| p.into_inner()),
    });
    Ok(PolicyRun {
        report,
        end: run.end,
        reached_horizon,
        steps: run.steps,
        schedule,
    })
}
