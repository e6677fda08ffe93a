//! The LCC front end: lexer, parser, AST with spans, checks, diagnostics and formatter.

pub mod ast;
pub mod check;
pub mod cst;
pub mod depth;
pub mod diagnostic;
pub mod format;
pub mod name;
pub mod span;
pub mod token;

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused_parens, missing_docs)]
    grammar
);
mod lower;
pub mod parse;
pub mod render;
pub mod signatures;

pub use check::{
    Checked, check_clauses, check_model, check_model_wide, check_pieces_wide, check_source, sort_diagnostics,
};
pub use diagnostic::{Diagnostic, Severity};
pub use parse::{Comment, Parsed, parse};
pub use signatures::Signatures;
pub use span::{FileId, LineCol, LineIndex, Span, Utf16Pos};
