//! `lcc-verify`: an explicit-state model checker for LCC interaction models.
//!
//! The transition relation is lcc-eval's own [`step`](lcc_eval::step()) function,
//! explored through [`lcc_eval::enabled_for`] (asked once per peer record and
//! role directory, see [`moves`]): every choice the interpreter could make
//! (which peer steps, which `or` alternative, which peer an unbound Id picks,
//! which constraint answer) is a branch. Constraints are answered by an
//! [`Abstraction`]: built-ins exactly, user [`ConstraintModel`]s (or
//! constraint-model files, see [`models_file`]) and exact providers as given, and
//! everything else may succeed (with abstract output values) or fail.
//!
//! The checker reports strong deadlocks (an unfinished peer that can never step
//! again, even while others keep running), orphan messages, messages that can
//! sit for ever unreceived, roles never entered, steps and alternatives never
//! taken, and cycles that exchange no message — each state property with its
//! shortest counterexample, replayed through lcc-eval into a [`lcc_eval::Trace`]
//! that lcc-eval's printers and sequence-chart renderers draw.
//!
//! ```
//! use lcc_verify::{Abstraction, Verifier, report::Kind};
//! let parsed = lcc_syntax::parse(lcc_syntax::FileId(0), "
//!     a(asker, A) :: question => a(answerer, B) then answer <= a(answerer, B)
//!     a(answerer, B) :: question <= a(asker, A)");
//! let model = lcc_eval::Model::lower(&parsed.model).unwrap();
//! let peers = lcc_eval::parse_peers("asker=a1;answerer=b1").unwrap();
//! let abstraction = Abstraction::new(lcc_syntax::Signatures::standard());
//! let report = Verifier::new(&model, peers, abstraction).run().unwrap();
//! assert!(report.has_errors());
//! assert_eq!(report.findings[0].kind, Kind::Deadlock);
//! ```

pub mod abstraction;
pub mod counterexample;
pub mod encode;
pub mod explore;
pub mod graph;
pub mod models_file;
pub mod moves;
pub mod por;
pub mod properties;
pub mod report;
pub mod verifier;

pub use abstraction::{Abstraction, ConstraintModel};
pub use explore::{Bounds, Limits, Reductions};
pub use report::{Finding, Report};
pub use verifier::Verifier;
