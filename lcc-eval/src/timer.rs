//! The built-in `after(Ms)`: a constraint that is pending until `Ms`
//! milliseconds have passed since it was first called, then succeeds. A policy
//! writes a timeout as an alternative: `reply <= a(R, X) or (null <- after(5000)
//! then ...)`. The waiting peer is woken by one timer thread shared by all calls
//! (a heap of deadlines; no polling).
//!
//! The model checker (`lcc-verify`) does not model time: to it `after/1` is a
//! constraint that succeeds whenever its step is tried (`lcc_verify::abstraction`).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use crate::constraint::{Answer, Pending, Resolver};
use crate::term::Term;

/// One timer: when, a tie-breaking number, and whom to tell.
struct Alarm {
    at: Instant,
    order: u64,
    resolver: Resolver,
}

impl PartialEq for Alarm {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.order) == (other.at, other.order)
    }
}

impl Eq for Alarm {}

impl PartialOrd for Alarm {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Alarm {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.order).cmp(&(other.at, other.order))
    }
}

/// The timer thread's queue (started on first use).
fn alarms() -> &'static Mutex<mpsc::Sender<Alarm>> {
    static ALARMS: OnceLock<Mutex<mpsc::Sender<Alarm>>> = OnceLock::new();
    ALARMS.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Alarm>();
        std::thread::Builder::new()
            .name("lcc-timer".into())
            .spawn(move || {
                let mut heap: BinaryHeap<Reverse<Alarm>> = BinaryHeap::new();
                loop {
                    let now = Instant::now();
                    while heap.peek().is_some_and(|Reverse(a)| a.at <= now) {
                        let Reverse(alarm) = heap.pop().expect("peeked");
                        alarm.resolver.resolve(Answer::yes());
                    }
                    let next = match heap.peek() {
                        Some(Reverse(a)) => rx
                            .recv_timeout(a.at - now)
                            .map_err(|e| e == mpsc::RecvTimeoutError::Disconnected),
                        None => rx.recv().map_err(|_| true),
                    };
                    match next {
                        Ok(alarm) => heap.push(Reverse(alarm)),
                        Err(true) => return,
                        Err(false) => {}
                    }
                }
            })
            .expect("spawn the timer thread");
        Mutex::new(tx)
    })
}

/// A pending answer that succeeds after `delay`.
pub fn after(delay: Duration) -> Pending {
    static ORDER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let (pending, resolver) = Pending::new();
    let alarm = Alarm {
        at: Instant::now() + delay,
        order: ORDER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        resolver,
    };
    let queue = alarms().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Err(mpsc::SendError(alarm)) = queue.send(alarm) {
        alarm
            .resolver
            .resolve(Answer::Error("the timer thread has stopped".into()));
    }
    pending
}

/// `after(Ms)`: pending for `Ms` milliseconds (a non-negative integer), then true;
/// `after(0)` and negative delays succeed at once.
pub fn after_constraint(args: &[Term]) -> Answer {
    match &args[0] {
        Term::Int(ms) if *ms <= 0 => Answer::yes(),
        Term::Int(ms) => Answer::Pending(after(Duration::from_millis(*ms as u64))),
        other => Answer::Error(format!("after/1 needs a number of milliseconds, got `{other}`")),
    }
}
