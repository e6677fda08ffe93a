//! Diagnostics as data: what the CLI renders with ariadne and the language server
//! publishes. Every code is explained in `docs/diagnostics.md`.

use serde::Serialize;

use crate::span::Span;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The model is wrong; `lcc check` exits 1.
    Error,
    /// The model is probably not what the author meant.
    Warning,
}

/// A stable diagnostic code, e.g. `E0102`. Codes never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Code(pub &'static str);

/// A labelled source range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What about it (may be empty).
    pub message: String,
}

/// A suggested fix: a set of text edits applied together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// What the fix does, e.g. "add parentheses for `A then (B or C)`".
    pub title: String,
    /// Non-overlapping edits.
    pub edits: Vec<TextEdit>,
}

/// Replace the text in `span` with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextEdit {
    /// The range to replace (empty for an insertion).
    pub span: Span,
    /// The new text.
    pub replacement: String,
}

/// One finding about a source text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Stable code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// One sentence saying what is wrong.
    pub message: String,
    /// The main location, with a short label.
    pub primary: Label,
    /// Related locations.
    pub secondary: Vec<Label>,
    /// Why, and how to fix it, in the author's terms.
    pub notes: Vec<String>,
    /// Machine-applicable fixes.
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    /// An error with `code` and `message` whose primary label is `span`/`label`.
    pub fn error(code: Code, message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Error, message, span, label)
    }

    /// A warning with `code` and `message` whose primary label is `span`/`label`.
    pub fn warning(code: Code, message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Warning, message, span, label)
    }

    fn new(
        code: Code,
        severity: Severity,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            primary: Label {
                span,
                message: label.into(),
            },
            secondary: Vec::new(),
            notes: Vec::new(),
            fixes: Vec::new(),
        }
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Adds a fix made of `edits`.
    pub fn with_fix(mut self, title: impl Into<String>, edits: Vec<TextEdit>) -> Diagnostic {
        self.fixes.push(Fix {
            title: title.into(),
            edits,
        });
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Every diagnostic code the front end emits, with its one-line summary.
/// `docs/diagnostics.md` explains each with an example; a test keeps them in sync.
pub mod codes {
    use super::Code;

    /// Bytes that form no token.
    pub const INVALID_CHARACTER: Code = Code("E0101");
    /// A string, quoted atom or block comment that is never closed.
    pub const UNTERMINATED: Code = Code("E0102");
    /// A token the grammar does not allow here.
    pub const UNEXPECTED_TOKEN: Code = Code("E0103");
    /// The file ends in the middle of an item.
    pub const UNEXPECTED_END: Code = Code("E0104");
    /// A closing `)` or `]` without an opening partner.
    pub const UNMATCHED_CLOSE: Code = Code("E0105");
    /// An opening `(` or `[` that is never closed.
    pub const UNCLOSED_OPEN: Code = Code("E0106");
    /// A number too large, or an invalid escape in a string.
    pub const INVALID_LITERAL: Code = Code("E0107");
    /// Something that is not a step where a step is expected.
    pub const EXPECTED_STEP: Code = Code("E0108");
    /// Something that is not a constraint where a constraint is expected.
    pub const EXPECTED_CONSTRAINT: Code = Code("E0109");
    /// Something that is not a term where a term is expected.
    pub const EXPECTED_TERM: Code = Code("E0110");
    /// A clause head that is not `a(Role, Id)`.
    pub const BAD_CLAUSE_HEAD: Code = Code("E0111");
    /// A top-level item that is neither a clause nor a declaration.
    pub const BAD_DECLARATION: Code = Code("E0112");
    /// An item nested too deeply or holding too many operators to process safely.
    pub const TOO_DEEP: Code = Code("E0113");

    /// A role that no clause defines.
    pub const UNDEFINED_ROLE: Code = Code("E0201");
    /// A role referenced with an arity no clause defines.
    pub const ROLE_ARITY: Code = Code("W0202");
    /// A message sent to a role that never receives it.
    pub const NEVER_RECEIVED: Code = Code("W0203");
    /// A message received that no role ever sends.
    pub const NEVER_SENT: Code = Code("W0204");
    /// A variable that occurs once in its clause.
    pub const SINGLETON_VARIABLE: Code = Code("W0205");
    /// A peer Id that can never be bound.
    pub const UNBOUND_ID: Code = Code("E0206");
    /// `then` mixed with `or` or `par` without parentheses.
    pub const MIXED_OPERATORS: Code = Code("W0207");
    /// A declared role that no clause defines.
    pub const DECLARED_WITHOUT_CLAUSE: Code = Code("W0208");
    /// A clause for a role that is not declared, when declarations are used.
    pub const CLAUSE_WITHOUT_DECLARATION: Code = Code("W0209");
    /// A clause whose head an earlier clause's head subsumes: it is never entered.
    pub const DUPLICATE_CLAUSE: Code = Code("E0210");
    /// An alternative after one that can always be taken.
    pub const UNREACHABLE_ALTERNATIVE: Code = Code("W0211");
    /// A constraint no signature declares.
    pub const UNKNOWN_CONSTRAINT: Code = Code("E0212");
    /// A constraint called with the wrong number of arguments.
    pub const CONSTRAINT_ARITY: Code = Code("E0213");
    /// An input argument that may be unbound when the constraint is called.
    pub const UNBOUND_INPUT: Code = Code("W0214");
    /// A role declared twice, or a constraint signature declared twice.
    pub const DUPLICATE_DECLARATION: Code = Code("E0215");

    /// Every code above, in numeric order.
    pub const ALL: [Code; 28] = [
        INVALID_CHARACTER,
        UNTERMINATED,
        UNEXPECTED_TOKEN,
        UNEXPECTED_END,
        UNMATCHED_CLOSE,
        UNCLOSED_OPEN,
        INVALID_LITERAL,
        EXPECTED_STEP,
        EXPECTED_CONSTRAINT,
        EXPECTED_TERM,
        BAD_CLAUSE_HEAD,
        BAD_DECLARATION,
        TOO_DEEP,
        UNDEFINED_ROLE,
        ROLE_ARITY,
        NEVER_RECEIVED,
        NEVER_SENT,
        SINGLETON_VARIABLE,
        UNBOUND_ID,
        MIXED_OPERATORS,
        DECLARED_WITHOUT_CLAUSE,
        CLAUSE_WITHOUT_DECLARATION,
        DUPLICATE_CLAUSE,
        UNREACHABLE_ALTERNATIVE,
        UNKNOWN_CONSTRAINT,
        CONSTRAINT_ARITY,
        UNBOUND_INPUT,
        DUPLICATE_DECLARATION,
    ];
}
