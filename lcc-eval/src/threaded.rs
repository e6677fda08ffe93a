//! Worker threads for slow constraints: a [`WorkerPool`] runs provider calls off
//! the scheduler's thread. An offloaded constraint answers
//! [`Answer::Pending`](crate::Answer) at once; a worker computes the real
//! answer and resolves it, which wakes the waiting peer through the runtime's
//! channel. Used by [`Runtime::threaded`](crate::Runtime::threaded).
//!
//! The pool grows: a call that finds no idle worker gets a new thread, so no
//! call ever queues behind another's I/O (eight peers each waiting 200 ms on a
//! constraint finish in about 200 ms, whatever the pool's starting size).
//! Threads stay until the pool is dropped; at most as many exist as calls
//! were ever outstanding at once.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use lcc_syntax::signatures::{Origin, Signature};

use crate::atom::Atom;
use crate::constraint::{Answer, Call, Constraint, Pending, Providers};
use crate::term::Term;

type Job = Box<dyn FnOnce() + Send>;

/// What the workers share: the job queue, how many workers wait for a job and
/// are not yet promised one, and the threads to join.
struct Shared {
    queue: Mutex<mpsc::Receiver<Job>>,
    idle: AtomicUsize,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    /// Runs `first` (if any), then jobs from the queue until it closes.
    fn work(self: Arc<Shared>, first: Option<Job>) {
        if let Some(job) = first {
            job();
            self.idle.fetch_add(1, Ordering::SeqCst);
        }
        loop {
            let job = match self.queue.lock() {
                Ok(queue) => queue.recv(),
                Err(_) => return,
            };
            match job {
                Ok(job) => {
                    job();
                    self.idle.fetch_add(1, Ordering::SeqCst);
                }
                Err(_) => return,
            }
        }
    }

    /// Starts a worker thread that runs `first` first.
    fn spawn(self: &Arc<Shared>, first: Option<Job>) {
        let shared = self.clone();
        let mut threads = self.threads.lock().expect("worker list");
        let name = format!("lcc-worker-{}", threads.len());
        let thread = std::thread::Builder::new()
            .name(name)
            .spawn(move || shared.work(first))
            .expect("spawn a worker thread");
        threads.push(thread);
    }
}

/// Hands jobs to the pool: to an idle worker if one is free, else to a new one.
#[derive(Clone)]
struct Submitter {
    jobs: mpsc::Sender<Job>,
    shared: Arc<Shared>,
}

impl Submitter {
    /// Runs `job` on a worker that starts it at once; false if the pool has stopped.
    fn submit(&self, job: Job) -> bool {
        let claimed = self
            .shared
            .idle
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if claimed {
            self.jobs.send(job).is_ok()
        } else {
            self.shared.spawn(Some(job));
            true
        }
    }
}

/// A growing set of worker threads: every job starts at once, on an idle worker
/// or on a new thread.
pub struct WorkerPool {
    submitter: Option<Submitter>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WorkerPool({} threads)", self.threads())
    }
}

impl WorkerPool {
    /// Starts `workers` threads (at least one); more start when all are busy.
    pub fn new(workers: usize) -> WorkerPool {
        let (tx, rx) = mpsc::channel::<Job>();
        let workers = workers.max(1);
        let shared = Arc::new(Shared {
            queue: Mutex::new(rx),
            idle: AtomicUsize::new(workers),
            threads: Mutex::new(Vec::new()),
        });
        for _ in 0..workers {
            shared.spawn(None);
        }
        WorkerPool {
            submitter: Some(Submitter {
                jobs: tx,
                shared: shared.clone(),
            }),
            shared,
        }
    }

    /// The number of worker threads started so far.
    pub fn threads(&self) -> usize {
        self.shared.threads.lock().map_or(0, |t| t.len())
    }

    /// Runs `job` on a worker at once (a new thread if none is idle).
    pub fn submit(&self, job: impl FnOnce() + Send + 'static) {
        if let Some(submitter) = &self.submitter {
            submitter.submit(Box::new(job));
        }
    }

    /// A copy of `providers` whose constraints (except the built-ins) run on this
    /// pool.
    pub fn offload(&self, providers: &Providers) -> Providers {
        let mut out = Providers::new();
        for c in providers.iter() {
            if c.signature().origin == Origin::Builtin {
                out.add(c.clone());
            } else {
                out.add(Arc::new(Offloaded {
                    inner: c.clone(),
                    submitter: self.submitter.clone().expect("the pool is running"),
                }));
            }
        }
        out
    }
}

impl Drop for WorkerPool {
    /// Closes the queue (once the offloaded providers are gone too) and joins
    /// every worker.
    fn drop(&mut self) {
        self.submitter = None;
        let threads = self.shared.threads.lock().map(|mut t| std::mem::take(&mut *t));
        for t in threads.unwrap_or_default() {
            let _ = t.join();
        }
    }
}

/// A constraint whose calls run on a worker thread.
struct Offloaded {
    inner: Arc<dyn Constraint>,
    submitter: Submitter,
}

impl Constraint for Offloaded {
    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn call(&self, call: &Call<'_>) -> Answer {
        let (pending, resolver) = Pending::new();
        let inner = self.inner.clone();
        let args: Vec<Term> = call.args.to_vec();
        let (peer, role): (Atom, Atom) = (call.peer, call.role);
        let job: Job = Box::new(move || {
            let request = Call {
                args: &args,
                peer,
                role,
            };
            let answer = catch_unwind(AssertUnwindSafe(|| inner.call(&request))).unwrap_or_else(|panic| {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".into());
                Answer::Error(format!("panicked: {message}"))
            });
            match answer {
                Answer::Pending(nested) => {
                    let source = nested.clone();
                    nested.on_ready(Box::new(move || {
                        resolver.resolve(source.answer().unwrap_or(Answer::Failed))
                    }));
                }
                other => resolver.resolve(other),
            }
        });
        if !self.submitter.submit(job) {
            return Answer::Error("the worker pool has stopped".into());
        }
        Answer::Pending(pending)
    }
}
