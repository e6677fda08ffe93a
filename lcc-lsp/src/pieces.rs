//! Item-level incremental parsing. The parser already parses a file clause by
//! clause: it splits the token stream before each clause head `name(...) ::`. This
//! module splits the text at the same places, parses each piece as its own salsa
//! query keyed by the piece's text, and joins the results with their spans moved to
//! the piece's offset. An edit inside one clause reparses only that clause.
//!
//! The join equals a whole-file parse whenever brackets balance within every piece
//! (the only thing the parser matches across clauses); when some piece reports an
//! unmatched or unclosed bracket, the whole file is parsed instead.

use lcc_syntax::ast::{Cond, CondKind, Def, DefKind, Item, Model, RoleRef, Step, StepKind, Term, TermKind};
use lcc_syntax::diagnostic::codes;
use lcc_syntax::token::{Token, lex};
use lcc_syntax::{Comment, Diagnostic, FileId, Parsed, Span, check_clauses, parse};

use crate::db::{SourceFile, signatures};

/// The text of one piece of a file, interned so that an unchanged piece keeps its
/// parse and clause diagnostics.
#[salsa::interned(debug)]
pub struct Piece {
    /// The file the piece is part of: its constraint calls resolve against that
    /// file's signatures.
    #[returns(copy)]
    pub file: SourceFile,
    /// The piece's text.
    #[returns(ref)]
    pub text: String,
}

/// The parse of one piece, with spans relative to its start in `FileId(0)`.
#[salsa::tracked(returns(ref))]
pub fn parse_piece(db: &dyn salsa::Database, piece: Piece<'_>) -> Parsed {
    parse(FileId(0), piece.text(db))
}

/// The file's pieces with their start offsets, or `None` when some piece has an
/// unmatched or unclosed bracket (the file is then parsed and checked whole).
#[salsa::tracked(returns(ref))]
pub fn pieces(db: &dyn salsa::Database, file: SourceFile) -> Option<Vec<(u32, Piece<'_>)>> {
    let text = file.text(db);
    let starts = clause_starts(text);
    let mut pieces = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let piece = Piece::new(db, file, text[start..end].to_string());
        let unbalanced = parse_piece(db, piece)
            .diagnostics
            .iter()
            .any(|d| d.code == codes::UNMATCHED_CLOSE || d.code == codes::UNCLOSED_OPEN);
        if unbalanced {
            return None;
        }
        pieces.push((start as u32, piece));
    }
    Some(pieces)
}

/// The clause-local diagnostics ([`check_clauses`]) of the piece's clauses, with
/// spans relative to the piece. They depend on the piece's text and its file's
/// signatures only, so an edit elsewhere that leaves the signatures equal reuses them.
#[salsa::tracked(returns(ref))]
pub fn piece_diagnostics(db: &dyn salsa::Database, piece: Piece<'_>) -> Vec<Diagnostic> {
    let sigs = signatures(db, piece.file(db));
    check_clauses(parse_piece(db, piece).model.clauses(), sigs)
}

/// Parses `file` piece by piece, reusing the memoised parses of unchanged pieces;
/// the result equals `lcc_syntax::parse` of its text.
pub fn parse_incrementally(db: &dyn salsa::Database, file: SourceFile) -> Parsed {
    let id = file.id(db);
    let Some(pieces) = pieces(db, file) else {
        return parse(id, file.text(db));
    };
    let mut joined = Parsed {
        model: Model::default(),
        comments: Vec::new(),
        diagnostics: Vec::new(),
    };
    for &(by, piece) in pieces {
        let parsed = parse_piece(db, piece);
        let mut shift = |span: &mut Span| shift(span, id, by);
        joined.model.items.reserve(parsed.model.items.len());
        for item in &parsed.model.items {
            let mut item = item.clone();
            item.shift(&mut shift);
            joined.model.items.push(item);
        }
        joined.comments.extend(parsed.comments.iter().map(|c| {
            let mut c: Comment = c.clone();
            shift(&mut c.span);
            c
        }));
        joined.diagnostics.extend(parsed.diagnostics.iter().map(|d| {
            let mut d: Diagnostic = d.clone();
            d.shift(&mut shift);
            d
        }));
    }
    joined
        .diagnostics
        .sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
    joined
        .diagnostics
        .dedup_by(|a, b| a.primary.span == b.primary.span && a.code == b.code);
    joined
}

/// The clause-local diagnostics of every clause of `file` (in no particular
/// order): the memoised ones of its pieces, moved to the pieces' offsets, or, when
/// the file is parsed whole, computed on `model` (the file's parse).
pub fn clause_diagnostics(db: &dyn salsa::Database, file: SourceFile, model: &Model) -> Vec<Diagnostic> {
    let Some(pieces) = pieces(db, file) else {
        return check_clauses(model.clauses(), signatures(db, file));
    };
    let id = file.id(db);
    let mut out = Vec::new();
    for &(by, piece) in pieces {
        out.extend(piece_diagnostics(db, piece).iter().map(|d| {
            let mut d = d.clone();
            d.shift(&mut |span| {
                // The one edit a clause check places at offset 0 is the fix that
                // declares a constraint at the top of the file (a piece starts with
                // a clause head, which no fix edits at its first character).
                if span.start == 0 && span.end == 0 {
                    span.file = id;
                } else {
                    shift(span, id, by);
                }
            });
            d
        }));
    }
    out
}

/// `span`, relative to a piece of file `file` starting at `by`, made absolute.
fn shift(span: &mut Span, file: FileId, by: u32) {
    span.file = file;
    span.start += by;
    span.end += by;
}

/// Byte offsets where pieces start: 0, then each clause head the parser splits
/// before, found in the tokens the parser sees (comments and the rest of a line
/// after a Prolog `%` left out).
pub fn clause_starts(text: &str) -> Vec<usize> {
    let (tokens, errors) = lex(text);
    let hidden: Vec<(usize, usize)> = errors
        .iter()
        .filter(|e| text[e.start..].starts_with('%'))
        .map(|e| (e.start, text[e.start..].find('\n').map_or(text.len(), |n| e.start + n)))
        .collect();
    let tokens: Vec<_> = tokens
        .into_iter()
        .filter(|t| match t.1 {
            Token::LineComment(_) | Token::BlockComment(_) | Token::UnterminatedComment(_) => false,
            // The parser keeps an unterminated string or quoted atom (as a closed one)
            // even after a `%`.
            Token::UnterminatedStr(_) | Token::UnterminatedQuotedAtom(_) => true,
            _ => !hidden.iter().any(|&(s, e)| s <= t.0 && t.0 < e),
        })
        .collect();
    let mut starts = vec![0];
    let mut last_head = 0;
    for i in 1..tokens.len() {
        if tokens[i].1 != Token::Defines || tokens[i - 1].1 != Token::RParen {
            continue;
        }
        let mut depth = 0usize;
        let mut j = i - 1;
        loop {
            match tokens[j].1 {
                Token::RParen | Token::RBracket => depth += 1,
                Token::LParen | Token::LBracket => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth == 0 || j == 0 {
                break;
            }
            j -= 1;
        }
        if depth == 0 && j > 0 && matches!(tokens[j - 1].1, Token::Atom(_) | Token::QuotedAtom(_)) {
            let head = j - 1;
            if head > last_head {
                last_head = head;
                starts.push(tokens[head].0);
            }
        }
    }
    starts
}

/// Moving every span of a syntax tree or diagnostic.
trait Shift {
    fn shift(&mut self, f: &mut impl FnMut(&mut Span));
}

impl Shift for Diagnostic {
    fn shift(&mut self, f: &mut impl FnMut(&mut Span)) {
        f(&mut self.primary.span);
        self.secondary.iter_mut().for_each(|l| f(&mut l.span));
        for fix in &mut self.fixes {
            fix.edits.iter_mut().for_each(|e| f(&mut e.span));
        }
    }
}

impl Shift for Item {
    fn shift(&mut self, f: &mut impl FnMut(&mut Span)) {
        match self {
            Item::RoleDecl(d) => {
                d.role.shift(f);
                f(&mut d.kind_span);
                d.min.iter_mut().chain(d.max.iter_mut()).for_each(|c| f(&mut c.span));
                f(&mut d.span);
            }
            Item::ConstraintDecl(d) => {
                f(&mut d.name_span);
                d.params.iter_mut().for_each(|p| f(&mut p.span));
                f(&mut d.span);
            }
            Item::Clause(c) => {
                c.head.shift(f);
                c.body.shift(f);
                f(&mut c.span);
            }
        }
    }
}

impl Shift for RoleRef {
    fn shift(&mut self, f: &mut impl FnMut(&mut Span)) {
        self.role.shift(f);
        self.id.shift(f);
        f(&mut self.span);
    }
}

impl Shift for Def {
    fn shift(&mut self, f: &mut impl FnMut(&mut Span)) {
        match &mut self.kind {
            DefKind::Then(a, b) | DefKind::Or(a, b) | DefKind::Par(a, b) => {
                a.shift(f);
                b.shift(f);
            }
            DefKind::Step(step) => step.shift(f),
        }
        f(&mut self.span);
    }
}

impl Shift for Step {
    fn shift(&mut self, f: &mut impl FnMut(&mut Span)) {
        match &mut self.kind {
            StepKind::Send { message, to: partner } | StepKind::Receive { message, from: partner } => {
                message.shift(f);
                partner.shift(f);
            }
            StepKind::Null { span } => f(span),
            StepKind::Call(role) => role.shift(f),
        }
        if let Some(guard) = &mut self.guard {
            guard.cond.shift(f);
        }
        f(&mut self.span);
    }
}

impl Shift for Cond {
    fn shift(&mut self, f: &mut impl FnMut(&mut Span)) {
        match &mut self.kind {
            CondKind::And(a, b) | CondKind::Or(a, b) => {
                a.shift(f);
                b.shift(f);
            }
            CondKind::Not(c) => c.shift(f),
            CondKind::Compare { lhs, rhs, .. } => {
                lhs.shift(f);
                rhs.shift(f);
            }
            CondKind::Call(t) => t.shift(f),
        }
        f(&mut self.span);
    }
}

impl Shift for Term {
    fn shift(&mut self, f: &mut impl FnMut(&mut Span)) {
        match &mut self.kind {
            TermKind::Compound { args, .. } => args.iter_mut().for_each(|a| a.shift(f)),
            TermKind::List { items, tail } => {
                items.iter_mut().for_each(|a| a.shift(f));
                if let Some(tail) = tail {
                    tail.shift(f);
                }
            }
            TermKind::Var(_)
            | TermKind::Anon
            | TermKind::Atom(_)
            | TermKind::Int(_)
            | TermKind::Float(_)
            | TermKind::Str(_) => {}
        }
        f(&mut self.span);
    }
}

#[cfg(test)]
mod tests {
    use salsa::Setter;

    use super::*;
    use crate::db::{Database, diagnostics};

    /// Texts whose piecewise parse must equal the whole-file parse.
    fn samples() -> Vec<String> {
        let mut texts: Vec<String> = [
            include_str!("../../stdlib/seeds/consolidation-published.lcc"),
            include_str!("../../stdlib/seeds/load-balancing-published.lcc"),
            include_str!("../../stdlib/vmm/consolidation.lcc"),
            include_str!("../../stdlib/vmm/load-balancing.lcc"),
            include_str!("../../stdlib/vmm/constraints.lcc"),
            include_str!("../../stdlib/builtins.lcc"),
            "a(r, X) :: m(X) => a(s, Y) % prolog a(t, Z) ::\na(s, Y) :: null",
            "r(a, initial)\na(a, X) :: /* a(b, Y) :: */ null then\n\"a(c, Z) ::\"\na(c, Z) :: a(a, Z)",
            "a(r, X) :: m(X => a(s, Y)\na(s, Y) :: null",
            "a(r, X) :: null then\na(s, Y) :: null )",
            "a(r X) :: null\nfoo(A) ::\na(s, Y) :: 'q(' <- \n",
            "a(r, X) :: null\na(s, Y) % \"oops\n :: null\na(t, Z) :: null",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every prefix of a seed: half-typed clauses.
        let seed = include_str!("../../stdlib/vmm/consolidation.lcc");
        texts.extend(seed.char_indices().step_by(7).map(|(i, _)| seed[..i].to_string()));
        texts
    }

    #[test]
    fn piecewise_parse_equals_whole_file_parse() {
        let db = Database::default();
        for text in samples() {
            let file = SourceFile::new(&db, FileId(7), text.clone());
            assert_eq!(parse_incrementally(&db, file), parse(FileId(7), &text), "{text}");
        }
    }

    #[test]
    fn piecewise_diagnostics_equal_whole_file_check() {
        let mut db = Database::default();
        let mut texts = samples();
        // A clause-local fix that edits the top of the file, from a later piece.
        texts.push(
            "a(r, X) :: null <- p(X)\na(s, Y) :: m(Y) => a(r, Y) <- nope(Y) and q(Y, Y)\nconstraint p(+A)".into(),
        );
        // A changed declaration changes the findings about unchanged clauses.
        let clauses = "\na(r, X) :: null <- p(X) then a(s, X)\na(s, Y) :: null <- p(Y)";
        texts.push(format!("constraint p(-A){clauses}"));
        texts.push(format!("constraint p(+A){clauses}"));
        texts.push(format!("constraint p(+A, +B){clauses}"));
        let file = SourceFile::new(&db, FileId(7), String::new());
        // One file edited from text to text, so unchanged pieces keep their memos.
        for text in texts {
            file.set_text(&mut db).to(text.clone());
            let expected = lcc_syntax::check_source(FileId(7), &text, crate::db::standard_signatures());
            assert_eq!(diagnostics(&db, file), &expected.diagnostics, "{text}");
        }
    }

    #[test]
    fn pieces_start_at_clause_heads() {
        let text = "// c\nr(x, initial)\na(x, I) :: null\n\na('y z'(A), I) :: a(x, I)";
        let starts = clause_starts(text);
        assert_eq!(starts.len(), 3);
        assert!(text[starts[1]..].starts_with("a(x, I)"));
        assert!(text[starts[2]..].starts_with("a('y z'(A)"));
    }
}
