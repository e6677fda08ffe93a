//! LCC meaning: terms, unification, the interpreter's one [`step()`] function, the
//! [`Constraint`] trait with its [`Providers`], and the runtimes that drive `step`.
//!
//! ```
//! use lcc_eval::{Model, Providers, Runtime, PeerSpec, Term, Atom, RunEnd};
//! let parsed = lcc_syntax::parse(lcc_syntax::FileId(0), "
//!     a(pinger, I) :: ping => a(ponger, J) then pong <= a(ponger, J)
//!     a(ponger, J) :: ping <= a(pinger, I) then pong => a(pinger, I)");
//! let model = Model::lower(&parsed.model).unwrap();
//! let peers = [
//!     PeerSpec { id: Atom::new("p1"), role: Term::atom("pinger") },
//!     PeerSpec { id: Atom::new("p2"), role: Term::atom("ponger") },
//! ];
//! let run = Runtime::new(&model, Providers::with_builtins()).run(&peers).unwrap();
//! assert_eq!(run.end, RunEnd::Finished);
//! assert_eq!(run.trace.messages().len(), 2);
//! ```

#![warn(missing_docs)]

pub mod atom;
pub mod builtins;
pub mod conduct;
pub mod constraint;
pub mod error;
pub mod event;
pub mod facts;
pub mod local;
pub mod model;
pub mod msc;
#[cfg(feature = "nats")]
pub mod nats;
pub mod node;
pub mod print;
pub mod runtime;
pub mod state;
pub mod step;
pub mod subst;
pub mod term;
pub mod threaded;
pub mod timer;
pub mod trace;
pub mod transport;
pub mod wire;

pub use atom::Atom;
pub use constraint::{Answer, Call, Constraint, Pending, Providers, Resolver};
pub use error::{ErrorKind, EvalError, Sources};
pub use event::{Address, Event, Wait};
pub use facts::Facts;
pub use model::Model;
pub use runtime::{DeadlockReport, Retry, Run, RunEnd, Runtime, StuckPeer, default_peers, parse_peers};
pub use state::{Peer, State};
pub use step::{
    Blocked, Choice, Context, Fired, Limits, LowestId, Needs, Outcome, PeerSpec, PickPolicy, enabled, enabled_for,
    step, step_owned, step_with,
};
pub use subst::Subst;
pub use term::{F64, Term, Var};
pub use trace::Trace;
