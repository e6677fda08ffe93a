//! The VMM constraints as a service for peers in other processes
//! (`lcc datacentre`, `lcc peer --datacentre`; docs/distributed.md).
//!
//! The constraints share state between peers (a reservation made by the
//! target's `isMigrationPossible` is what the source's `migration` starts and
//! the target's `waitForMigration` waits for), so one process owns the
//! datacentre and the [`VmmConstraints`], and peers send it their calls:
//! a [`CallRequest`] is answered with a [`CallReply`]; a pending answer is
//! completed later by a [`Resolution`] carrying the caller's token.
//!
//! Calls are idempotent: a call is named by its request id (peer, run,
//! token), and the service remembers its answer, so a peer that did not get
//! the reply (a lost message, a server restart) asks again with the same
//! request and gets the same answer, pending or final, without the constraint
//! being called twice (a migration started twice). The service forgets an
//! answer once the peer says it no longer waits for it (see
//! [`CallRequest::waiting`]).
//!
//! Time: [`ConstraintService::start`] starts the rounds once the peers are
//! there, and [`ConstraintService::advance`] lets the datacentre's time pass
//! to a target that the service's owner takes from the wall clock (scaled for
//! the simulator; real hosts' time passes by itself), sampling the loads and
//! waking the pending calls that have an answer, as [`crate::interpreted`]
//! does when every peer is blocked. Messages and the transport are the
//! caller's business: this module has no I/O.

use crate::constraints::VmmConstraints;
use crate::datacentre::Datacentre;
use crate::driver::RunConfig;
use crate::error::Result;
use crate::model::Millis;
use crate::placement::Placement;
use crate::provider::VmmProvider;
use crate::recorder::Recorder;
use crate::report::Report;
use lcc_eval::wire::WireTerm;
use lcc_eval::{Answer, Atom, Call, Providers, Term};
use lcc_syntax::ast::Mode;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

/// The version of the messages below (a service rejects others).
pub const REMOTE_VERSION: u32 = 2;

/// One constraint call of a peer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallRequest {
    /// [`REMOTE_VERSION`].
    pub v: u32,
    /// The caller's number for this call, from 1 within its run, echoed by
    /// the [`Resolution`].
    pub token: u64,
    /// The calling peer's Id (the PM it manages).
    pub peer: String,
    /// The caller's run: its process's start time in microseconds, so that a
    /// restarted peer's calls are never taken for its earlier run's.
    pub run: u64,
    /// The tokens of the caller's earlier calls of this run that are still
    /// pending for it (it waits for their resolution): the service keeps
    /// these answers, for a repeated request, and forgets the others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waiting: Vec<u64>,
    /// The role the caller plays.
    pub role: String,
    /// The constraint.
    pub name: String,
    /// Its arguments, with the caller's bindings applied.
    pub args: Vec<WireTerm>,
}

/// The answer to a call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallReply {
    /// The constraint holds, with these solutions (values of the first arguments).
    Succeeded(Vec<Vec<WireTerm>>),
    /// It does not hold.
    Failed,
    /// Not known yet: a [`Resolution`] with the call's token follows.
    Pending,
    /// The service could not answer; the caller's run stops with this message.
    Error(String),
}

/// The final answer of a call that was pending.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resolution {
    /// [`REMOTE_VERSION`].
    pub v: u32,
    /// The call's token.
    pub token: u64,
    /// The answer (never [`CallReply::Pending`]).
    pub answer: CallReply,
}

/// A constraint the service offers: name, argument modes (`+`, `-`, `?`), doc.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConstraintInfo {
    /// The name.
    pub name: String,
    /// One sign per argument.
    pub modes: String,
    /// The one-line doc.
    pub doc: String,
}

impl ConstraintInfo {
    /// The argument modes.
    pub fn modes(&self) -> std::result::Result<Vec<Mode>, String> {
        self.modes
            .chars()
            .map(|c| match c {
                '+' => Ok(Mode::In),
                '-' => Ok(Mode::Out),
                '?' => Ok(Mode::Any),
                other => Err(format!("`{other}` is not an argument mode of `{}`", self.name)),
            })
            .collect()
    }
}

impl CallReply {
    /// The wire form of a final answer (a pending one is [`CallReply::Pending`]).
    pub fn of(answer: &Answer) -> CallReply {
        match answer {
            Answer::Succeeded(solutions) => CallReply::Succeeded(
                solutions
                    .iter()
                    .map(|s| s.iter().map(WireTerm::from_term).collect())
                    .collect(),
            ),
            Answer::Failed => CallReply::Failed,
            Answer::Pending(_) => CallReply::Pending,
            Answer::Error(why) => CallReply::Error(why.clone()),
            Answer::OneOf(_) => CallReply::Error("a VMM constraint answered with alternatives".into()),
        }
    }

    /// The answer it stands for (`None` for [`CallReply::Pending`]).
    pub fn answer(&self) -> Option<Answer> {
        Some(match self {
            CallReply::Succeeded(solutions) => {
                let decoded: std::result::Result<Vec<Vec<Term>>, String> = solutions
                    .iter()
                    .map(|s| s.iter().map(WireTerm::to_term).collect())
                    .collect();
                match decoded {
                    Ok(solutions) => Answer::Succeeded(solutions),
                    Err(why) => Answer::Error(format!("a malformed answer from the datacentre: {why}")),
                }
            }
            CallReply::Failed => Answer::Failed,
            CallReply::Pending => return None,
            CallReply::Error(why) => Answer::Error(why.clone()),
        })
    }
}

/// What the service answered a call, and whether it had answered the same
/// request before.
pub struct Served {
    /// The answer (the first one again for a repeated request: a pending
    /// answer that has been resolved since is the resolution).
    pub answer: Answer,
    /// The request had come before (its answer was remembered): the caller
    /// did not get the reply and asked again.
    pub repeat: bool,
}

/// The answers one peer's run may still ask for again.
#[derive(Default)]
struct Remembered {
    /// The peer's run.
    run: u64,
    /// The highest token seen in this run.
    highest: u64,
    /// Answers by token: the latest call's and those of pending calls the
    /// peer still waits for.
    answers: BTreeMap<u64, Answer>,
}

/// What the clock and the sampling share.
struct Clock {
    recorder: Option<Recorder>,
    /// When the run ends.
    end: Millis,
    /// Peers that have called at least once.
    callers: BTreeSet<Atom>,
    /// The datacentre's time at each peer's latest call.
    last_calls: BTreeMap<Atom, Millis>,
}

/// The datacentre, its constraints and their pending calls, serving calls
/// from any thread and advanced by one clock.
pub struct ConstraintService<D> {
    provider: VmmProvider<D>,
    providers: Providers,
    clock: Mutex<Clock>,
    /// Answers by peer, for repeated requests.
    remembered: Mutex<HashMap<Atom, Remembered>>,
    config: RunConfig,
    /// The datacentre's time when the service was made.
    made_at: Millis,
}

impl<D: Datacentre + Send + 'static> ConstraintService<D> {
    /// A service over `constraints`, sampling loads for `config.rounds`
    /// monitoring intervals.
    pub fn new(constraints: VmmConstraints<D>, config: &RunConfig) -> Result<Self> {
        let mut recorder = Recorder::new(&constraints, config.rounds, config.power, config.progress)?;
        recorder.observe(&constraints)?;
        let end = recorder.end();
        let made_at = constraints.datacentre().now();
        let provider = VmmProvider::new(constraints)?;
        let providers = provider.providers();
        Ok(ConstraintService {
            provider,
            providers,
            clock: Mutex::new(Clock {
                recorder: Some(recorder),
                end,
                callers: BTreeSet::new(),
                last_calls: BTreeMap::new(),
            }),
            remembered: Mutex::new(HashMap::new()),
            config: config.clone(),
            made_at,
        })
    }

    /// Starts the rounds now (call it once the peers are there). A datacentre
    /// whose time waited for them (the simulator) keeps the first sample,
    /// taken before any call; on one whose time went on (real hosts) the
    /// recording starts afresh, so that the time the peers took to come up
    /// does not count.
    pub fn start(&self) -> Result<()> {
        let mut clock = self.clock();
        if clock.recorder.is_none() || self.now() == self.made_at {
            return Ok(());
        }
        let recorder = self.provider.with(|c| -> Result<Recorder> {
            let mut recorder = Recorder::new(c, self.config.rounds, self.config.power, self.config.progress)?;
            recorder.observe(c)?;
            Ok(recorder)
        })?;
        clock.end = recorder.end();
        clock.recorder = Some(recorder);
        Ok(())
    }

    fn clock(&self) -> std::sync::MutexGuard<'_, Clock> {
        self.clock.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The constraints offered.
    pub fn constraints(&self) -> Vec<ConstraintInfo> {
        self.providers
            .iter()
            .map(|c| {
                let s = c.signature();
                ConstraintInfo {
                    name: s.name.to_string(),
                    modes: s.params.iter().map(|(mode, _)| mode.sign()).collect(),
                    doc: s.doc.clone().unwrap_or_default(),
                }
            })
            .collect()
    }

    /// The PMs' names: the peers the service expects.
    pub fn peers(&self) -> Result<Vec<String>> {
        self.provider.with(|c| {
            let dc = c.datacentre();
            (0..dc.pm_count())
                .map(|p| dc.pm(crate::model::PmId(p)).map(|info| info.name))
                .collect()
        })
    }

    /// Answers a call, or repeats the answer to the same request (peer, run,
    /// token) given earlier. A pending answer's [`lcc_eval::Pending`] is
    /// resolved by a later [`ConstraintService::advance`]. Once the run has
    /// ended, every new call is pending for ever (time no longer passes). A
    /// request of an earlier run of the peer, or one whose answer the peer
    /// said it no longer waits for, is an error and is not called.
    pub fn call(&self, request: &CallRequest) -> Served {
        if request.v != REMOTE_VERSION {
            let answer = Answer::Error(format!("call format version {} is not {REMOTE_VERSION}", request.v));
            return Served { answer, repeat: false };
        }
        let peer = Atom::new(&request.peer);
        let mut remembered = self.remembered.lock().unwrap_or_else(|p| p.into_inner());
        let mine = remembered.entry(peer).or_default();
        if request.run < mine.run {
            let answer = Answer::Error(format!(
                "a call of run {} of {}, which has restarted since (run {})",
                request.run, request.peer, mine.run
            ));
            return Served { answer, repeat: false };
        }
        if request.run > mine.run {
            *mine = Remembered {
                run: request.run,
                ..Remembered::default()
            };
        }
        if let Some(answer) = mine.answers.get(&request.token) {
            let answer = match answer {
                Answer::Pending(pending) => pending.answer().unwrap_or_else(|| answer.clone()),
                answer => answer.clone(),
            };
            return Served { answer, repeat: true };
        }
        if request.token <= mine.highest {
            let answer = Answer::Error(format!(
                "call {}/{}/{} was answered and forgotten (the peer said it no longer waited for it)",
                request.peer, request.run, request.token
            ));
            return Served { answer, repeat: true };
        }
        let answer = self.answer(request, peer);
        mine.highest = request.token;
        mine.answers.retain(|token, _| request.waiting.contains(token));
        mine.answers.insert(request.token, answer.clone());
        Served { answer, repeat: false }
    }

    /// Calls the constraint of a new request.
    fn answer(&self, request: &CallRequest, peer: Atom) -> Answer {
        let args: std::result::Result<Vec<Term>, String> = request.args.iter().map(WireTerm::to_term).collect();
        let args = match args {
            Ok(args) => args,
            Err(why) => return Answer::Error(format!("{}: {why}", request.name)),
        };
        let Some(constraint) = self.providers.get(Atom::new(&request.name), args.len()) else {
            return Answer::Error(format!("{}/{} is not a VMM constraint", request.name, args.len()));
        };
        let now = self.now();
        {
            let mut clock = self.clock();
            clock.last_calls.insert(peer, now);
            if clock.recorder.is_none() {
                return Answer::Pending(lcc_eval::Pending::new().0);
            }
            clock.callers.insert(peer);
        }
        constraint.call(&Call {
            args: &args,
            peer,
            role: Atom::new(&request.role),
        })
    }

    /// Each peer that has called, with the datacentre's time at its latest
    /// (new, not repeated) call, in the peers' order.
    pub fn last_calls(&self) -> Vec<(String, Millis)> {
        self.clock()
            .last_calls
            .iter()
            .map(|(peer, at)| (peer.name().to_string(), *at))
            .collect()
    }

    /// How many distinct peers have called so far.
    pub fn callers(&self) -> usize {
        self.clock().callers.len()
    }

    /// The datacentre's time now.
    pub fn now(&self) -> Millis {
        self.provider.with(|c| c.datacentre().now())
    }

    /// When the run ends.
    pub fn end(&self) -> Millis {
        self.clock().end
    }

    /// Resolves the pending calls that have an answer, then lets time pass
    /// towards `target` (at most the end of the run) event by event: at each
    /// wake-up time and sampling time on the way it samples the loads and
    /// resolves the calls due. A sample that fell due while time passed by
    /// itself (real hosts) is taken first. Returns whether the run's end is
    /// reached.
    pub fn advance(&self, target: Millis) -> Result<bool> {
        let mut clock = self.clock();
        let end = clock.end;
        let Some(recorder) = clock.recorder.as_mut() else {
            return Ok(true);
        };
        self.provider.wake_due();
        let target = target.min(end);
        loop {
            let wake = self.provider.next_wake();
            let moved = self.provider.with(|c| -> Result<bool> {
                recorder.observe(c)?;
                let now = c.datacentre().now();
                if now >= target {
                    return Ok(false);
                }
                let next = wake.map_or(recorder.next_sample(), |t| t.min(recorder.next_sample()));
                c.datacentre_mut().advance_to(next.min(target).max(now + 1))?;
                recorder.observe(c)?;
                Ok(true)
            })?;
            if !moved {
                break;
            }
            self.provider.wake_due();
        }
        Ok(self.now() >= end)
    }

    /// What the in-process runtime does when every peer is blocked
    /// ([`crate::interpreted`]): resolves the pending calls that have an
    /// answer now or, if none has, lets the datacentre's time pass to the
    /// earliest moment one may (sampling the loads on the way) until some
    /// have. Returns `false` at the end of the run. For a conductor that
    /// replays an in-process run's schedule: the service's time then moves
    /// only here, never with the wall clock.
    pub fn idle(&self) -> Result<bool> {
        let mut clock = self.clock();
        let end = clock.end;
        let Some(recorder) = clock.recorder.as_mut() else {
            return Ok(false);
        };
        crate::interpreted::pass_idle_time(&self.provider, recorder, end, &mut |_| Ok(()))
    }

    /// Ends the run: from now on time stands still and calls stay pending;
    /// running migrations finish. Returns the report (with `messages` as the
    /// peers' message count) and the placement at the end; `None` if the run
    /// had already been finished.
    pub fn finish(&self, messages: u64) -> Result<Option<(Report, Placement)>> {
        let Some(recorder) = self.clock().recorder.take() else {
            return Ok(None);
        };
        self.provider.with(|c| {
            let report = recorder.finish(c, messages, |_| Ok(()))?;
            let placement = Placement::of(c.datacentre(), &c.config().thresholds)?;
            Ok(Some((report, placement)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraints::ConstraintConfig;
    use crate::sim::SimConfig;
    use crate::sim::workload::ClusterSpec;

    fn service() -> ConstraintService<crate::sim::Simulator> {
        let dc = ClusterSpec::scaled(3, 6).build(SimConfig::default(), 1);
        let config = RunConfig {
            rounds: 3,
            ..RunConfig::default()
        };
        ConstraintService::new(VmmConstraints::new(dc, ConstraintConfig::default()), &config).unwrap()
    }

    fn get_peer_state(token: u64) -> CallRequest {
        CallRequest {
            v: REMOTE_VERSION,
            token,
            peer: "pm0".into(),
            run: 1,
            waiting: Vec::new(),
            role: "monitor".into(),
            name: "getPeerState".into(),
            args: vec![WireTerm::from_term(&Term::Var(lcc_eval::Var(0)))],
        }
    }

    #[test]
    fn a_second_reading_in_one_interval_is_pending_until_the_clock_reaches_the_next() {
        let s = service();
        assert!(
            s.constraints()
                .iter()
                .any(|c| c.name == "getPeerState" && c.modes == "-")
        );
        let first = s.call(&get_peer_state(1)).answer;
        let reply = CallReply::of(&first);
        assert!(matches!(&reply, CallReply::Succeeded(v) if v.len() == 1), "{reply:?}");
        assert_eq!(reply.answer(), Some(first));
        assert_eq!(s.callers(), 1);
        let Answer::Pending(second) = s.call(&get_peer_state(2)).answer else {
            panic!("pending expected")
        };
        assert!(!s.advance(9_999).unwrap());
        assert_eq!(second.answer(), None);
        assert!(!s.advance(10_000).unwrap());
        assert!(matches!(second.answer(), Some(Answer::Succeeded(_))));
        assert!(s.advance(u64::MAX).unwrap(), "the end of 3 rounds");
        let (report, placement) = s.finish(0).unwrap().unwrap();
        assert_eq!(report.duration, 30_000);
        assert!(placement.faults().is_empty(), "{:?}", placement.faults());
        assert_eq!(placement.vms.len(), 6);
        assert!(
            matches!(s.call(&get_peer_state(3)).answer, Answer::Pending(_)),
            "time stands still"
        );
        assert!(s.finish(0).unwrap().is_none());
    }

    #[test]
    fn the_rounds_start_when_the_peers_are_there() {
        // Time that waited for the peers: the first sample, at 0, stays.
        let s = service();
        s.start().unwrap();
        assert_eq!(s.end(), 30_000);
        // Time that went on while they came up (as real hosts' does) does not count.
        let s = service();
        assert!(!s.advance(5_000).unwrap());
        s.start().unwrap();
        assert_eq!(s.end(), 35_000);
        assert!(s.advance(u64::MAX).unwrap());
        let (report, _) = s.finish(0).unwrap().unwrap();
        assert_eq!(report.times.first(), Some(&5_000));
        assert_eq!(report.duration, 30_000);
    }

    #[test]
    fn a_repeated_request_gets_the_first_answer_without_a_second_call() {
        let s = service();
        let first = s.call(&get_peer_state(1));
        assert!(!first.repeat);
        assert!(matches!(first.answer, Answer::Succeeded(_)));
        // Called again, the second reading of the interval would be pending:
        // the repeat is the first answer, not a second call.
        let again = s.call(&get_peer_state(1));
        assert!(again.repeat);
        assert_eq!(again.answer, first.answer);
        // A pending call repeated: pending, then, once resolved, the resolution.
        let mut pending_call = get_peer_state(2);
        pending_call.waiting = Vec::new();
        let Answer::Pending(pending) = s.call(&pending_call).answer else {
            panic!("pending expected")
        };
        assert!(matches!(s.call(&pending_call).answer, Answer::Pending(_)));
        assert!(!s.advance(10_000).unwrap());
        let resolved = pending.answer().expect("resolved at the next interval");
        let repeated = s.call(&pending_call);
        assert!(repeated.repeat);
        assert_eq!(repeated.answer, resolved);
        // A later call that says the peer still waits for 2 keeps its answer;
        // one that does not lets the service forget it.
        let mut third = get_peer_state(3);
        third.waiting = vec![2];
        let _ = s.call(&third);
        assert_eq!(s.call(&pending_call).answer, resolved);
        let _ = s.call(&get_peer_state(4));
        assert!(matches!(s.call(&pending_call).answer, Answer::Error(e) if e.contains("forgotten")));
        // A restarted peer's calls start afresh; its earlier run's are refused.
        let mut restarted = get_peer_state(1);
        restarted.run = 2;
        assert!(!s.call(&restarted).repeat);
        assert!(matches!(s.call(&get_peer_state(5)).answer, Answer::Error(e) if e.contains("restarted")));
    }

    #[test]
    fn bad_calls_are_errors() {
        let s = service();
        let mut call = get_peer_state(1);
        call.v = 1;
        assert!(matches!(s.call(&call).answer, Answer::Error(e) if e.contains("version 1")));
        let mut call = get_peer_state(1);
        call.name = "nosuch".into();
        assert!(matches!(s.call(&call).answer, Answer::Error(e) if e.contains("not a VMM constraint")));
        let mut call = get_peer_state(1);
        call.peer = "pm9".into();
        assert!(matches!(s.call(&call).answer, Answer::Error(e) if e.contains("not a PM")));
        let json = serde_json::to_string(&CallReply::Failed).unwrap();
        assert_eq!(json, r#""failed""#);
    }
}
