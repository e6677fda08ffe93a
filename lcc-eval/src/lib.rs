//! LCC meaning: terms, unification, the interpreter's one `step` function, the
//! `Constraint` trait with its providers, and the runtimes that drive `step`.

pub mod atom;
pub mod print;
pub mod subst;
pub mod term;

pub use atom::Atom;
pub use subst::Subst;
pub use term::{F64, Term, Var};
