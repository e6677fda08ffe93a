//! Verification on save: the model checker's verdict as diagnostics.
//!
//! When a file is saved and `verifyOnSave` is on, the server runs its [`Verifier`]
//! on the saved text, within the configured time budget, and publishes the
//! findings with the file's other diagnostics until the next edit. `lcc lsp` uses
//! the [`ModelChecker`] (lcc-verify, peers from the model's role declarations, as
//! `lcc verify` does by default): each finding's related information walks through
//! its shortest counterexample step by step.

use std::collections::HashMap;
use std::time::Duration;

use lcc_eval::trace::describe;
use lcc_eval::{Atom, Model, default_peers};
use lcc_syntax::diagnostic::Code;
use lcc_syntax::signatures::Origin;
use lcc_syntax::{Diagnostic, FileId, Span};
use lcc_verify::explore::Stop;
use lcc_verify::report::Kind;
use lcc_verify::{Abstraction, Finding, Limits, Reductions, Report};

use crate::db::standard_signatures;

/// Checks a model and reports what it finds (deadlocks, unreachable roles, ...)
/// as diagnostics whose secondary labels walk through the counterexample.
pub trait Verifier: Send + Sync {
    /// Verifies `text` (file `file`) within `budget`.
    fn verify(&self, file: FileId, text: &str, budget: Duration) -> Vec<Diagnostic>;
}

/// The memory the model checker's search may use per run (estimated).
const SEARCH_MEMORY: u64 = 128 << 20;

/// The model checker of `lcc verify`, with its default bounds and abstraction,
/// the peers the model's role declarations ask for, one search thread, and the
/// time budget as its time limit. Models with errors, and models that declare no
/// initial role, are not verified (nothing is reported).
#[derive(Debug, Default, Clone, Copy)]
pub struct ModelChecker;

impl Verifier for ModelChecker {
    fn verify(&self, file: FileId, text: &str, budget: Duration) -> Vec<Diagnostic> {
        let checked = lcc_syntax::check_source(file, text, standard_signatures());
        if checked.has_errors() {
            return Vec::new();
        }
        let Ok(model) = Model::lower(&checked.parsed.model) else {
            return Vec::new();
        };
        let peers = default_peers(&model);
        if peers.is_empty() {
            return Vec::new();
        }
        let mut signatures = standard_signatures().clone();
        signatures.add_model(&checked.parsed.model, Origin::File(file));
        let mut checker = lcc_verify::Verifier::new(&model, peers, Abstraction::new(signatures));
        checker.limits = Limits {
            states: None,
            time: Some(budget),
            memory: Some(SEARCH_MEMORY),
        };
        checker.reductions = Reductions {
            threads: 1,
            ..Reductions::default()
        };
        match checker.run() {
            Ok(report) => diagnostics(file, &checked.parsed.model, &report),
            Err(_) => Vec::new(),
        }
    }
}

/// The diagnostic code of each kind of finding.
fn code(kind: Kind) -> Code {
    Code(match kind {
        Kind::Deadlock => "V0001",
        Kind::StrongDeadlock => "V0002",
        Kind::OrphanMessage => "V0003",
        Kind::UnreceivedMessage => "V0004",
        Kind::UnreachableRole => "V0005",
        Kind::DeadAlternative => "V0006",
        Kind::DeadStep => "V0007",
        Kind::NonProgressCycle => "V0008",
    })
}

/// The code of the warning that a search stopped early and found nothing.
const PARTIAL: Code = Code("V0000");

/// The report's findings as diagnostics (errors for violations, warnings for
/// coverage findings), each saying when the verdict is partial. A partial search
/// that found nothing gets one warning saying so, on the first clause.
pub fn diagnostics(file: FileId, model: &lcc_syntax::ast::Model, report: &Report) -> Vec<Diagnostic> {
    let partial = partial(report);
    let first_clause = model
        .clauses()
        .next()
        .map(|c| c.head.span)
        .unwrap_or(Span::new(file, 0, 0));
    let mut out: Vec<Diagnostic> = report
        .findings
        .iter()
        .map(|f| finding(f, first_clause, partial.as_deref(), &report.scope()))
        .collect();
    if out.is_empty()
        && let Some(partial) = partial
    {
        out.push(
            Diagnostic::warning(
                PARTIAL,
                format!("verification incomplete (partial result): no problem found so far, but {partial}"),
                first_clause,
                "verified from here",
            )
            .with_note(format!("within {}", report.scope())),
        );
    }
    out
}

/// Why the search stopped early, if it did.
fn partial(report: &Report) -> Option<String> {
    let stop = report.stats.stopped.as_ref()?;
    let limit = match stop {
        Stop::States(n) => format!("state limit ({n})"),
        Stop::Time(t) => format!("time budget ({} ms)", t.as_millis()),
        Stop::Memory(m) => format!("memory limit ({} MiB)", m >> 20),
    };
    Some(format!(
        "the search hit the {limit} after {} states with {} left unexpanded",
        report.stats.states, report.stats.unexpanded
    ))
}

/// One finding: at its span, with one related location per counterexample event.
fn finding(f: &Finding, fallback: Span, partial: Option<&str>, scope: &str) -> Diagnostic {
    let trace = f.counterexample.as_ref().map(|c| &c.trace.entries[..]).unwrap_or(&[]);
    let span = f
        .span
        .or_else(|| trace.iter().find_map(|e| e.event.span()))
        .unwrap_or(fallback);
    let message = format!("{}: {}", f.kind.name(), f.message);
    let label = if trace.is_empty() {
        ""
    } else {
        "the related information walks through the shortest counterexample"
    };
    let mut d = if f.kind.is_error() {
        Diagnostic::error(code(f.kind), message, span, label)
    } else {
        Diagnostic::warning(code(f.kind), message, span, label)
    };
    // Events without a span (a peer finishing) are shown where that peer last was.
    let mut last_at: HashMap<Atom, Span> = HashMap::new();
    for (n, entry) in trace.iter().enumerate() {
        let peer = entry.event.peer();
        let at = entry
            .event
            .span()
            .or_else(|| last_at.get(&peer).copied())
            .unwrap_or(span);
        last_at.insert(peer, at);
        d = d.with_label(
            at,
            format!("{}. step {}: `{}` {}", n + 1, entry.step, peer, describe(&entry.event)),
        );
    }
    if let Some(partial) = partial {
        d = d.with_note(format!("partial result: {partial}"));
    }
    d.with_note(format!("within {scope}"))
}
