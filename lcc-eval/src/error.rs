//! Errors: every way bad input or a broken provider can stop a run, each with a
//! clear message and, where there is one, the source location it concerns.

use std::fmt;

use lcc_syntax::diagnostic::{Code, Diagnostic};
use lcc_syntax::render::{RenderOptions, render};
use lcc_syntax::{FileId, LineIndex, Span};

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A constraint that no provider defines.
    UnknownConstraint,
    /// A constraint called with an arity no provider defines for its name.
    ConstraintArity,
    /// A role called or entered that no clause defines.
    UnknownRole,
    /// A Rust constraint panicked (the panic was caught).
    ConstraintPanicked,
    /// A provider reported an error (e.g. I/O failure).
    ConstraintError,
    /// Arithmetic on unbound or non-numeric values, or division by zero.
    Arithmetic,
    /// The run reached its step limit.
    StepLimit,
    /// The run reached its wall-time limit.
    TimeLimit,
    /// A term grew beyond the term-size limit.
    TermSize,
    /// An inbox grew beyond the inbox-length limit.
    InboxFull,
    /// A facts-file rule recursed deeper than the depth limit.
    Recursion,
    /// A facts file that does not parse.
    FactsSyntax,
    /// A [`Choice`](crate::Choice) that is not enabled in the state it was applied to.
    BadChoice,
    /// A bad run configuration (peer list, initial roles).
    BadConfig,
}

/// An error with its location.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// One line for humans.
    pub message: String,
    /// The source location (in the model or a facts file), when there is one.
    pub span: Option<Span>,
}

impl EvalError {
    /// An error of `kind` with `message` at `span`.
    pub fn new(kind: ErrorKind, message: impl Into<String>, span: Option<Span>) -> EvalError {
        EvalError {
            kind,
            message: message.into(),
            span,
        }
    }

    /// The error's stable code (shown by renderers).
    pub fn code(&self) -> &'static str {
        match self.kind {
            ErrorKind::UnknownConstraint => "R0301",
            ErrorKind::ConstraintArity => "R0302",
            ErrorKind::UnknownRole => "R0303",
            ErrorKind::ConstraintPanicked => "R0304",
            ErrorKind::ConstraintError => "R0305",
            ErrorKind::Arithmetic => "R0306",
            ErrorKind::StepLimit => "R0307",
            ErrorKind::TimeLimit => "R0308",
            ErrorKind::TermSize => "R0309",
            ErrorKind::InboxFull => "R0310",
            ErrorKind::Recursion => "R0311",
            ErrorKind::FactsSyntax => "R0312",
            ErrorKind::BadChoice => "R0313",
            ErrorKind::BadConfig => "R0314",
        }
    }

    /// The error as a diagnostic, for [`lcc_syntax::render`].
    pub fn to_diagnostic(&self) -> Option<Diagnostic> {
        let span = self.span?;
        Some(Diagnostic::error(Code(self.code()), self.message.clone(), span, "here"))
    }

    /// `path:line:col: error: message` (or just `error: message` without a span).
    pub fn located(&self, sources: &Sources) -> String {
        match self.span.and_then(|s| sources.position(s)) {
            Some(at) => format!("{at}: error: {}", self.message),
            None => format!("error: {}", self.message),
        }
    }

    /// The error rendered with its source excerpt when its file is known.
    pub fn render(&self, sources: &Sources) -> String {
        match (self.to_diagnostic(), self.span.and_then(|s| sources.get(s.file))) {
            (Some(d), Some((path, text))) => render(
                &d,
                path,
                text,
                RenderOptions {
                    color: false,
                    ascii: false,
                },
            ),
            _ => format!("{}\n", self.located(sources)),
        }
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

/// The texts behind [`FileId`]s: the model and any facts files, for turning spans
/// into `path:line:col` positions.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<(String, String)>,
}

impl Sources {
    /// No files.
    pub fn new() -> Sources {
        Sources::default()
    }

    /// Adds a file; returns the [`FileId`] to parse it with.
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push((path.into(), text.into()));
        FileId(self.files.len() as u32 - 1)
    }

    /// The path and text of `file`.
    pub fn get(&self, file: FileId) -> Option<(&str, &str)> {
        self.files.get(file.0 as usize).map(|(p, t)| (p.as_str(), t.as_str()))
    }

    /// `path:line:col` of the start of `span`.
    pub fn position(&self, span: Span) -> Option<String> {
        let (path, text) = self.get(span.file)?;
        let at = LineIndex::new(text).line_col(text, (span.start as usize).min(text.len()));
        Some(format!("{path}:{}:{}", at.line, at.column))
    }
}
