//! The language features, one module each; every function reads a snapshot.

pub mod code_actions;
pub mod completion;
pub mod diagnostics;
pub mod folding;
pub mod formatting;
pub mod hover;
pub mod navigation;
pub mod rename;
pub mod semantic_tokens;
pub mod signature_help;
pub mod symbols;
