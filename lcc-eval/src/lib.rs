//! LCC meaning: terms, unification, the interpreter and its `step` function, the
//! `Constraint` trait and the runtimes.
//!
//! Not built yet: this crate is the subject of issue 3 (`lcc-eval`). It is an empty
//! library so that the workspace layout is in place; nothing here pretends to work.
