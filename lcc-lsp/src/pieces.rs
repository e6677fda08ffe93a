//! Item-level incremental parsing and checking. The parser already parses a file
//! clause by clause: it splits the token stream before each clause head
//! `name(...) ::`. This module splits the text at the same places into pieces of
//! a few clauses ([`group_starts`]) and parses each piece as its own salsa query
//! keyed by the piece's text, so an edit inside one clause reparses only the
//! clauses of its piece.
//!
//! A piece's spans are relative to its start and carry the piece's [`tag`] as
//! their file, so that they stay valid while edits elsewhere move the piece.
//! Diagnostics are computed on the pieces as they are (the clause-local ones
//! memoised per piece, the model-wide ones by [`check_pieces_wide`] over all the
//! pieces' trees, shared, not copied) and moved to the pieces' offsets, looked up
//! by tag. [`parse_incrementally`] joins the pieces into one tree with absolute
//! spans for the features that need one (hover, navigation, symbols...).
//!
//! Pieces check and parse as the whole file whenever brackets balance within
//! every piece (the only thing the parser matches across clauses); when some piece
//! reports an unmatched or unclosed bracket, the whole file is parsed instead.

use std::collections::{HashMap, HashSet};

use lcc_syntax::ast::{
    Cond, CondKind, ConstraintDecl, Def, DefKind, Item, Model, RoleRef, Step, StepKind, Term, TermKind,
};
use lcc_syntax::diagnostic::codes;
use lcc_syntax::token::Token;
use lcc_syntax::{Comment, Diagnostic, FileId, Parsed, Span, check_clauses, check_pieces_wide, parse};
use logos::Logos;
use salsa::plumbing::AsId;

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
    /// How many earlier pieces of the file have the same text: each piece of a
    /// file is a distinct value, with its own [`tag`].
    pub ordinal: u32,
}

/// The file id the spans of `piece`'s parse carry: distinct for every piece that
/// exists, and the same for as long as the piece exists, wherever it moves.
pub fn tag(piece: Piece<'_>) -> FileId {
    FileId(piece.as_id().index())
}

/// The parse of one piece, with spans relative to its start, in file [`tag`].
#[salsa::tracked(returns(ref))]
pub fn parse_piece(db: &dyn salsa::Database, piece: Piece<'_>) -> Parsed {
    parse(tag(piece), piece.text(db))
}

/// The file's pieces with their start offsets, or `None` when some piece has an
/// unmatched or unclosed bracket (the file is then parsed and checked whole).
#[salsa::tracked(returns(ref))]
pub fn pieces(db: &dyn salsa::Database, file: SourceFile) -> Option<Vec<(u32, Piece<'_>)>> {
    let text = file.text(db);
    let starts = group_starts(text, &clause_starts(text));
    let mut pieces = Vec::with_capacity(starts.len());
    let mut seen = HashSet::with_capacity(starts.len());
    // For texts seen more than once: the next ordinal.
    let mut repeated: HashMap<&str, u32> = HashMap::new();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let piece_text = &text[start..end];
        let mut piece = Piece::new(db, file, piece_text, 0);
        if !seen.insert(piece) {
            let next = repeated.entry(piece_text).or_insert(1);
            piece = Piece::new(db, file, piece_text, *next);
            *next += 1;
        }
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
/// the piece's spans. They depend on the piece's text and its file's signatures
/// only, so an edit elsewhere that leaves the signatures equal reuses them.
#[salsa::tracked(returns(ref))]
pub fn piece_diagnostics(db: &dyn salsa::Database, piece: Piece<'_>) -> Vec<Diagnostic> {
    let sigs = signatures(db, piece.file(db));
    check_clauses(parse_piece(db, piece).model.clauses(), sigs)
}

/// Where the pieces of one file are: their offsets by tag.
struct Placement {
    file: FileId,
    offsets: HashMap<FileId, u32>,
}

impl Placement {
    fn new(file: FileId, pieces: &[(u32, Piece<'_>)]) -> Placement {
        Placement {
            file,
            offsets: pieces.iter().map(|&(by, piece)| (tag(piece), by)).collect(),
        }
    }

    /// Moves `span`, relative to the piece its file tags, to its place in the file.
    fn place(&self, span: &mut Span) {
        // Every span placed comes from a piece of the file.
        let by = self.offsets.get(&span.file).copied().unwrap_or_default();
        shift(span, self.file, by);
    }
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
        diagnostics: syntax_diagnostics(db, id, pieces),
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
    }
    joined
}

/// The syntax diagnostics of the pieces, placed in file `id`, in the order
/// `lcc_syntax::parse` gives them.
fn syntax_diagnostics(db: &dyn salsa::Database, id: FileId, pieces: &[(u32, Piece<'_>)]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for &(by, piece) in pieces {
        out.extend(parse_piece(db, piece).diagnostics.iter().map(|d| {
            let mut d: Diagnostic = d.clone();
            d.shift(&mut |span| shift(span, id, by));
            d
        }));
    }
    out.sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
    out.dedup_by(|a, b| a.primary.span == b.primary.span && a.code == b.code);
    out
}

/// The `constraint` declarations of the pieces, with their places in file `id`.
pub fn piecewise_constraint_decls(
    db: &dyn salsa::Database,
    id: FileId,
    pieces: &[(u32, Piece<'_>)],
) -> Vec<ConstraintDecl> {
    let mut out = Vec::new();
    for &(by, piece) in pieces {
        out.extend(parse_piece(db, piece).model.constraint_decls().map(|decl| {
            let mut decl = decl.clone();
            decl.shift(&mut |span| shift(span, id, by));
            decl
        }));
    }
    out
}

/// Every diagnostic of the file made up of `pieces` (in no particular order):
/// syntax diagnostics, the model-wide checks run over the pieces' trees, and the
/// memoised clause-local diagnostics of the pieces, all placed in the file.
pub fn piecewise_diagnostics(
    db: &dyn salsa::Database,
    file: SourceFile,
    pieces: &[(u32, Piece<'_>)],
) -> Vec<Diagnostic> {
    let id = file.id(db);
    let mut out = syntax_diagnostics(db, id, pieces);
    let placement = Placement::new(id, pieces);
    let models: Vec<&Model> = pieces.iter().map(|&(_, piece)| &parse_piece(db, piece).model).collect();
    out.extend(check_pieces_wide(&models).into_iter().map(|mut d| {
        d.shift(&mut |span| placement.place(span));
        d
    }));
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

/// Byte offsets where pieces start: 0, then where the parser starts each clause
/// chunk, found as the parser finds it (`lcc_syntax::parse`: comments, bytes that
/// form no token and the rest of a line after a Prolog `%` left out; a chunk ends
/// before the head `name(...)` of a `::` that is not at the chunk's start). One
/// pass over the text, keeping only the current chunk's brackets and names.
pub fn clause_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    let mut chunk: Vec<(usize, Class)> = Vec::new();
    let mut lexer = Token::lexer(text);
    // The end of the pending run of bad bytes, and of the line a `%` hides.
    let (mut bad_until, mut hidden_until) = (None, 0);
    while let Some(result) = lexer.next() {
        let std::ops::Range { start, end } = lexer.span();
        let token = match result {
            Ok(token) => token,
            Err(()) => {
                if bad_until != Some(start) && text.as_bytes()[start] == b'%' {
                    hidden_until = text[start..].find('\n').map_or(text.len(), |n| start + n);
                }
                bad_until = Some(end);
                continue;
            }
        };
        bad_until = None;
        let class = match token {
            Token::LineComment(_) | Token::BlockComment(_) | Token::UnterminatedComment(_) => continue,
            // The parser keeps an unterminated string or quoted atom even after a `%`.
            Token::UnterminatedStr(_) | Token::UnterminatedQuotedAtom(_) => Class::Other,
            _ if start < hidden_until => continue,
            Token::LParen | Token::LBracket => Class::Open,
            Token::RParen => Class::CloseParen,
            Token::RBracket => Class::Close,
            Token::Atom(_) | Token::QuotedAtom(_) => Class::Name,
            Token::Defines => Class::Defines,
            _ => Class::Other,
        };
        chunk.push((start, class));
        if class == Class::Defines
            && let Some(head) = clause_head_start(&chunk)
        {
            starts.push(chunk[head].0);
            chunk.drain(..head);
        }
    }
    starts
}

/// A piece holds one clause in [`CLAUSES_PER_PIECE`] on average (fewer pieces,
/// less bookkeeping per edit; an edit reparses the clauses of its piece).
const CLAUSES_PER_PIECE: u32 = 4;
/// ... and never more than this many.
const MAX_CLAUSES_PER_PIECE: usize = 16;

/// The starts of `starts` where pieces begin: 0, and each clause start whose first
/// line hashes to a multiple of [`CLAUSES_PER_PIECE`] (or that would make a piece
/// too long). Where a piece begins depends on that clause's first line only, not
/// on its position, so an edit leaves the other pieces as they were.
pub fn group_starts(text: &str, starts: &[usize]) -> Vec<usize> {
    let mut groups = Vec::with_capacity(starts.len() / CLAUSES_PER_PIECE as usize + 1);
    let mut since = 0;
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let line = text[start..end].lines().next().unwrap_or_default();
        // FNV-1a: any fixed hash would do; this one needs no dependency.
        let hash = line
            .bytes()
            .fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
        if i == 0 || hash % CLAUSES_PER_PIECE == 0 || since >= MAX_CLAUSES_PER_PIECE {
            groups.push(start);
            since = 0;
        }
        since += 1;
    }
    groups
}

/// What [`clause_starts`] needs to know of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Open,
    CloseParen,
    Close,
    Name,
    Defines,
    Other,
}

/// Where the clause head `name(...)` that ends `chunk` with `::` begins, unless at
/// the chunk's start (the parser's rule).
fn clause_head_start(chunk: &[(usize, Class)]) -> Option<usize> {
    let i = chunk.len().checked_sub(1)?;
    if i == 0 || chunk[i - 1].1 != Class::CloseParen {
        return None;
    }
    let mut depth = 0usize;
    let mut j = i - 1;
    loop {
        match chunk[j].1 {
            Class::CloseParen | Class::Close => depth += 1,
            Class::Open => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth == 0 || j == 0 {
            break;
        }
        j -= 1;
    }
    (depth == 0 && j > 1 && chunk[j - 1].1 == Class::Name).then(|| j - 1)
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
            Item::ConstraintDecl(d) => d.shift(f),
            Item::Clause(c) => {
                c.head.shift(f);
                c.body.shift(f);
                f(&mut c.span);
            }
        }
    }
}

impl Shift for ConstraintDecl {
    fn shift(&mut self, f: &mut impl FnMut(&mut Span)) {
        f(&mut self.name_span);
        self.params.iter_mut().for_each(|p| f(&mut p.span));
        f(&mut self.span);
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
            // Identical pieces (told apart by their ordinals), and model-wide findings
            // whose labels point into other pieces.
            "a(d, _) :: null\na(d, _) :: null\na(d, _) :: null\na(e, X) :: a(d, X) or a(e, X)",
            "r(s, initial)\nr(s, optional)\nconstraint p(+X)\nconstraint p(-Y)\nr(q, initial)\n\
             a(c, _) :: ask(1, 2) => a(s, S) then reply(_) <= a(s, S) then a(zzz, S)\n\
             r(t(A), initial)\n\
             a(s, _) :: ask(X) <= a(c, C) then reply(X) => a(d, C) then a(c(1), C)\n\
             a(d, _) :: null or a(d, _)\na(d, _) :: null\na(t, X) :: a(d, X) or a(s, X)\n\
             a(server, _) :: ask(X) <= a(client, C) then reply(X) => a(cleint, C)",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every prefix of a seed: half-typed clauses.
        let seed = include_str!("../../stdlib/vmm/consolidation.lcc");
        texts.extend(seed.char_indices().step_by(7).map(|(i, _)| seed[..i].to_string()));
        // Prefixes of the stdlib and seeds in one file: many pieces of several clauses.
        // (The first seed has an unbalanced bracket: a file holding it is parsed whole.)
        let all = texts[1..6].join("\n");
        texts.extend(all.char_indices().step_by(53).map(|(i, _)| all[..i].to_string()));
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
        let mut split = 0;
        for text in texts {
            file.set_text(&mut db).to(text.clone());
            split += usize::from(pieces(&db, file).as_ref().is_some_and(|p| p.len() >= 3));
            let expected = lcc_syntax::check_source(FileId(7), &text, crate::db::standard_signatures());
            assert_eq!(diagnostics(&db, file), &expected.diagnostics, "{text}");
        }
        assert!(split > 100, "{split} texts of 3 pieces or more");
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
