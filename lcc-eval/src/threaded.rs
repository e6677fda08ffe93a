//! Worker threads for slow constraints: a [`WorkerPool`] runs provider calls off
//! the scheduler's thread. An offloaded constraint answers
//! [`Answer::Pending`](crate::Answer) at once; a worker computes the real
//! answer and resolves it, which wakes the waiting peer through the runtime's
//! channel. Used by [`Runtime::threaded`](crate::Runtime::threaded).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use lcc_syntax::signatures::{Origin, Signature};

use crate::atom::Atom;
use crate::constraint::{Answer, Call, Constraint, Pending, Providers};
use crate::term::Term;

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of worker threads taking jobs from one queue.
pub struct WorkerPool {
    jobs: Option<mpsc::Sender<Job>>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WorkerPool({} threads)", self.threads.len())
    }
}

impl WorkerPool {
    /// Starts `workers` threads (at least one).
    pub fn new(workers: usize) -> WorkerPool {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let threads = (0..workers.max(1))
            .map(|i| {
                let rx = rx.clone();
                std::thread::Builder::new()
                    .name(format!("lcc-worker-{i}"))
                    .spawn(move || {
                        loop {
                            let job = match rx.lock() {
                                Ok(rx) => rx.recv(),
                                Err(_) => return,
                            };
                            match job {
                                Ok(job) => job(),
                                Err(_) => return,
                            }
                        }
                    })
                    .expect("spawn a worker thread")
            })
            .collect();
        WorkerPool {
            jobs: Some(tx),
            threads,
        }
    }

    /// Runs `job` on a worker.
    pub fn submit(&self, job: impl FnOnce() + Send + 'static) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(Box::new(job));
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
                    jobs: self.jobs.clone().expect("the pool is running"),
                }));
            }
        }
        out
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        self.jobs = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A constraint whose calls run on a worker thread.
struct Offloaded {
    inner: Arc<dyn Constraint>,
    jobs: mpsc::Sender<Job>,
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
        if self.jobs.send(job).is_err() {
            return Answer::Error("the worker pool has stopped".into());
        }
        Answer::Pending(pending)
    }
}
