//! `lcc`: the reference toolchain for the Lightweight Coordination Calculus.
//!
//! This facade re-exports the toolchain's crates so that one dependency gives a
//! program everything: [`syntax`] (parse, check, format), [`eval`] (terms and the
//! interpreter), [`verify`] (the model checker), [`lsp`] (the language server) and
//! [`vmm`] (virtual-machine constraints). The `lcc` binary's command-line
//! interface lives in [`cli`].

pub mod cli;

pub use lcc_eval as eval;
pub use lcc_lsp as lsp;
pub use lcc_syntax as syntax;
pub use lcc_verify as verify;
pub use lcc_vmm as vmm;
