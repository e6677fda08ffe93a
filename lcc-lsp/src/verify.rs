//! Verification on save: the extension point for the model checker (issue 4).
//!
//! When a file is saved and `verifyOnSave` is on, the server runs the [`Verifier`]
//! it was built with on the saved text, within the configured time budget, and
//! publishes its findings with the file's other diagnostics until the next edit.
//! The `lcc lsp` command has no verifier yet: the model checker has not landed,
//! and the server says so once when a file is saved.

use std::time::Duration;

use lcc_syntax::{Diagnostic, FileId};

/// Checks a model and reports what it finds (deadlocks, unreachable roles, ...)
/// as diagnostics whose secondary labels walk through the counterexample.
pub trait Verifier: Send + Sync {
    /// Verifies `text` (file `file`) within `budget`.
    fn verify(&self, file: FileId, text: &str, budget: Duration) -> Vec<Diagnostic>;
}
