//! The parse driver: lexing, delimiter matching, the LALRPOP parser with error
//! recovery, and lowering. One call reports every syntax error it can find.

use lalrpop_util::ParseError;

use crate::ast::{Item, Model};
use crate::cst::RawItem;
use crate::depth::{MAX_NESTING, MAX_OPERATORS};
use crate::diagnostic::{Diagnostic, TextEdit, codes};
use crate::grammar::ItemsParser;
use crate::lower::Lowerer;
use crate::name::Names;
use crate::span::{FileId, Span};
use crate::token::{Kind, LexError, Token};
use logos::Logos;

/// A comment, kept for the formatter and the language server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Where it is, delimiters included.
    pub span: Span,
    /// Its text, delimiters included (`// ...` or `/* ... */`).
    pub text: String,
}

/// The result of parsing one file: the model (every item that parsed), its comments
/// and every lexical and syntax diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The items that parsed and lowered cleanly.
    pub model: Model,
    /// Every comment, in order.
    pub comments: Vec<Comment>,
    /// Lexical and syntax errors, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses `text` as file `file`. Never panics; malformed input yields diagnostics.
pub fn parse(file: FileId, text: &str) -> Parsed {
    crate::depth::with_deep_stack(|| parse_on_deep_stack(file, text))
}

fn parse_on_deep_stack(file: FileId, text: &str) -> Parsed {
    // Tokens are lexed, bracket-checked, cut into clause chunks, parsed and lowered
    // in one stream: only the current chunk's tokens and expression tree are alive.
    let mut lexemes = Lexemes::new(file, text);
    let mut brackets = Brackets::new(file, text);
    let mut chunks = Chunks {
        file,
        text,
        previous: Vec::new(),
        items: Vec::new(),
        syntax: Vec::new(),
        at_end: Vec::new(),
        lowering: Vec::new(),
        names: Names::default(),
    };
    let mut chunk: Vec<Lexeme> = Vec::new();
    while let Some(lexeme) = lexemes.next() {
        let Some(lexeme) = brackets.repair(lexeme) else {
            continue;
        };
        chunk.push(lexeme);
        if lexeme.kind == Kind::Defines
            && let Some(head) = clause_head_start(&chunk)
        {
            chunks.parse(&chunk[..head], false);
            chunk.drain(..head);
        }
    }
    let unclosed = brackets.close_all(&mut chunk);
    chunks.parse(&chunk, unclosed);

    // The same order as if each phase ran over the whole file in turn: the sort
    // below is stable, and keeps that order for diagnostics at the same place.
    let mut diagnostics = lexemes.diagnostics;
    diagnostics.append(&mut brackets.diagnostics);
    diagnostics.append(&mut chunks.syntax);
    if !unclosed {
        // The file ending inside an item is redundant after "this bracket is never closed".
        diagnostics.append(&mut chunks.at_end);
    }
    diagnostics.append(&mut chunks.lowering);
    diagnostics.sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
    diagnostics.dedup_by(|a, b| a.primary.span == b.primary.span && a.code == b.code);
    Parsed {
        model: Model { items: chunks.items },
        comments: lexemes.comments,
        diagnostics,
    }
}

/// Parses and lowers clause chunks, collecting items and diagnostics.
struct Chunks<'t> {
    file: FileId,
    text: &'t str,
    /// The last two tokens of the previous chunk (context for syntax errors).
    previous: Vec<Lexeme>,
    /// The items lowered so far.
    items: Vec<Item>,
    /// Syntax errors.
    syntax: Vec<Diagnostic>,
    /// "The file ends in the middle of an item" errors, kept apart: they are
    /// dropped when a bracket is never closed.
    at_end: Vec<Diagnostic>,
    /// Diagnostics of lowering.
    lowering: Vec<Diagnostic>,
    /// The file's names, shared by all its terms.
    names: Names,
}

impl Chunks<'_> {
    /// Parses and lowers one chunk; `unclosed` when it is the last one and some
    /// bracket was never closed.
    fn parse(&mut self, chunk: &[Lexeme], unclosed: bool) {
        let (file, text) = (self.file, self.text);
        if let Some(d) = too_deep(file, chunk) {
            self.syntax.push(d);
        } else {
            let mut recovered = Vec::new();
            let stream = chunk
                .iter()
                .map(|t| Ok::<_, LexError>((t.start as usize, t.token(text), t.end as usize)));
            let raw_items = match ItemsParser::new().parse(&mut recovered, stream) {
                Ok(items) => items,
                Err(error) => {
                    recovered.push(lalrpop_util::ErrorRecovery {
                        error,
                        dropped_tokens: Vec::new(),
                    });
                    Vec::new()
                }
            };
            let first_error = recovered.iter().map(|r| error_start(&r.error)).min();
            if !recovered.is_empty() {
                let context: Vec<Lexeme> = self.previous.iter().chain(chunk).copied().collect();
                for recovery in recovered {
                    let at_end = matches!(recovery.error, ParseError::UnrecognizedEof { .. });
                    if let Some(d) = syntax_error(file, text, &context, recovery.error, unclosed) {
                        if at_end { &mut self.at_end } else { &mut self.syntax }.push(d);
                    }
                }
            }
            // After a syntax error, bare terms at top level are fragments of the broken
            // clause, not declarations: do not report them a second time.
            let raw_items = raw_items.into_iter().filter(|item| match (item, first_error) {
                (RawItem::Decl(e), Some(at)) => e.start < at,
                _ => true,
            });
            Lowerer {
                file,
                diagnostics: &mut self.lowering,
                names: &mut self.names,
            }
            .items(raw_items, &mut self.items);
        }
        self.previous.clear();
        self.previous.extend_from_slice(&chunk[chunk.len().saturating_sub(2)..]);
    }
}

/// A token as the parse driver stores it: its kind and byte range, 12 bytes.
#[derive(Debug, Clone, Copy)]
struct Lexeme {
    start: u32,
    kind: Kind,
    end: u32,
}

impl Lexeme {
    /// The token the parser sees. An unterminated string or quoted atom (reported
    /// already) stands in as an empty one.
    fn token(self, text: &str) -> Token<'_> {
        match self.kind {
            Kind::UnterminatedStr => Token::Str("\"\""),
            Kind::UnterminatedQuotedAtom => Token::QuotedAtom("''"),
            kind => kind.token(&text[self.start as usize..self.end as usize]),
        }
    }
}

/// The lexer as the parser needs it: comments are set aside, bytes that form no
/// token and unterminated strings, quoted atoms and comments are reported, and the
/// rest of a line after a Prolog `%` comment is hidden from the parser.
struct Lexemes<'t> {
    file: FileId,
    text: &'t str,
    lexer: logos::Lexer<'t, Token<'t>>,
    /// The comments, in order.
    comments: Vec<Comment>,
    /// Lexical errors.
    diagnostics: Vec<Diagnostic>,
    /// The pending run of bad bytes (consecutive ones are reported once).
    bad: Option<(usize, usize)>,
    /// The end of the line of a Prolog `%` comment, reported once and hidden.
    hidden_until: usize,
}

impl<'t> Lexemes<'t> {
    fn new(file: FileId, text: &'t str) -> Lexemes<'t> {
        Lexemes {
            file,
            text,
            lexer: Token::lexer(text),
            comments: Vec::new(),
            diagnostics: Vec::new(),
            bad: None,
            hidden_until: 0,
        }
    }

    fn flush_bad(&mut self) {
        if let Some((s, e)) = self.bad.take() {
            self.diagnostics.push(bad_bytes(self.file, self.text, s, e));
        }
    }

    /// The next token the parser sees.
    fn next(&mut self) -> Option<Lexeme> {
        let file = self.file;
        let span = move |s: usize, e: usize| Span::new(file, s, e);
        loop {
            let Some(result) = self.lexer.next() else {
                self.flush_bad();
                return None;
            };
            let std::ops::Range { start, end } = self.lexer.span();
            let token = match result {
                Ok(token) => token,
                Err(()) => {
                    match &mut self.bad {
                        Some((_, last_end)) if *last_end == start => *last_end = end,
                        _ => {
                            self.flush_bad();
                            if self.text.as_bytes()[start] == b'%' {
                                self.hidden_until =
                                    self.text[start..].find('\n').map_or(self.text.len(), |n| start + n);
                            }
                            self.bad = Some((start, end));
                        }
                    }
                    continue;
                }
            };
            self.flush_bad();
            let lexeme = Lexeme {
                start: start as u32,
                kind: token.kind(),
                end: end as u32,
            };
            match token {
                Token::LineComment(t) | Token::BlockComment(t) => self.comments.push(Comment {
                    span: span(start, end),
                    text: t.to_string(),
                }),
                Token::UnterminatedComment(_) => self.diagnostics.push(
                    Diagnostic::error(
                        codes::UNTERMINATED,
                        "this block comment is never closed",
                        span(start, start + 2),
                        "the comment starts here",
                    )
                    .with_note(
                        "Close it with `*/`; everything after `/*` up to the end of the file is inside the comment.",
                    ),
                ),
                Token::UnterminatedStr(_) | Token::UnterminatedQuotedAtom(_) => {
                    let (what, quote) = match token {
                        Token::UnterminatedStr(_) => ("string", '"'),
                        _ => ("quoted atom", '\''),
                    };
                    self.diagnostics.push(
                        Diagnostic::error(
                            codes::UNTERMINATED,
                            format!("this {what} is not closed on its line"),
                            span(start, end),
                            format!("missing closing `{quote}`"),
                        )
                        .with_note(format!(
                            "A {what} ends on the line it starts; write `\\n` for a line break inside it."
                        ))
                        .with_fix(
                            format!("close the {what}"),
                            vec![TextEdit {
                                span: span(end, end),
                                replacement: quote.to_string(),
                            }],
                        ),
                    );
                    return Some(lexeme);
                }
                _ if start < self.hidden_until => {}
                _ => return Some(lexeme),
            }
        }
    }
}

/// E0101 for a run of bytes that forms no token.
fn bad_bytes(file: FileId, text: &str, start: usize, end: usize) -> Diagnostic {
    let span = |s: usize, e: usize| Span::new(file, s, e);
    let bad = &text[start..end];
    let d = Diagnostic::error(
        codes::INVALID_CHARACTER,
        format!("`{bad}` is not part of LCC's syntax"),
        span(start, end),
        "unexpected character",
    );
    if bad.starts_with('%') {
        d.with_note("Comments start with `//` or are enclosed in `/* */` (not Prolog's `%`).")
            .with_fix(
                "turn the rest of the line into a `//` comment",
                vec![TextEdit {
                    span: span(start, start + 1),
                    replacement: "//".into(),
                }],
            )
    } else {
        d.with_note("Atoms start with a lower-case letter or are quoted ('like this'); text with any characters goes in a string \"like this\".")
    }
}

/// Bracket matching over the token stream: each unmatched `(`/`)` and `[`/`]` is
/// reported in the author's terms, and the parser sees the brackets repaired:
/// unmatched closers dropped, mismatched ones replaced, unclosed ones closed at
/// the end of the file. One token at a time, in order.
struct Brackets<'t> {
    file: FileId,
    text: &'t str,
    /// Each open bracket and where: `[`, a group `(`, or (`Dot`) an argument list's `(`.
    open: Vec<(Kind, usize)>,
    /// For each depth, the last group `( ... )` (not a term's argument list) closed there.
    last_group: Vec<Option<(usize, usize)>>,
    /// The kind of the previous token.
    previous: Option<Kind>,
    /// The bracket diagnostics.
    diagnostics: Vec<Diagnostic>,
}

impl<'t> Brackets<'t> {
    fn new(file: FileId, text: &'t str) -> Brackets<'t> {
        Brackets {
            file,
            text,
            open: Vec::new(),
            last_group: vec![None],
            previous: None,
            diagnostics: Vec::new(),
        }
    }

    /// The token as the parser sees it (`None`: dropped).
    fn repair(&mut self, mut lexeme: Lexeme) -> Option<Lexeme> {
        let file = self.file;
        let span = move |s: usize, e: usize| Span::new(file, s, e);
        let Lexeme { start, kind, end } = lexeme;
        let (start, end) = (start as usize, end as usize);
        let previous = self.previous.replace(kind);
        match kind {
            Kind::LParen | Kind::LBracket => {
                let group = kind == Kind::LParen && !matches!(previous, Some(Kind::Atom | Kind::QuotedAtom));
                let opener = match kind {
                    Kind::LBracket => Kind::LBracket,
                    _ if group => Kind::LParen,
                    _ => Kind::Dot,
                };
                self.open.push((opener, start));
                self.last_group.push(None);
            }
            Kind::RParen | Kind::RBracket => {
                let symbol = kind.token("").symbol();
                let want = if kind == Kind::RParen { "(" } else { "[" };
                match self.open.pop() {
                    Some((opener, at)) => {
                        let opened_paren = matches!(opener, Kind::LParen | Kind::Dot);
                        self.last_group.pop();
                        if opened_paren != (kind == Kind::RParen) {
                            let expected = if opened_paren { ")" } else { "]" };
                            lexeme.kind = if opened_paren { Kind::RParen } else { Kind::RBracket };
                            self.diagnostics.push(
                                Diagnostic::error(
                                    codes::UNMATCHED_CLOSE,
                                    format!("expected `{expected}` but found `{symbol}`"),
                                    span(start, end),
                                    format!("this should close the `{}`", if opened_paren { "(" } else { "[" }),
                                )
                                .with_label(span(at, at + 1), "opened here"),
                            );
                        } else if opener == Kind::LParen {
                            *self.last_group.last_mut().unwrap() = Some((at, start));
                        }
                    }
                    None => {
                        let mut d = Diagnostic::error(
                            codes::UNMATCHED_CLOSE,
                            format!("this `{symbol}` has no matching `{want}`"),
                            span(start, end),
                            "nothing to close here",
                        );
                        let earlier = if kind == Kind::RParen { self.last_group[0] } else { None };
                        if let Some((group_open, group_close)) = earlier {
                            let text = self.text;
                            let lc = crate::span::LineIndex::new(text).line_col(text, group_close);
                            d = d
                                .with_label(span(group_open, group_open + 1), "this `(` ...")
                                .with_label(span(group_close, group_close + 1), "... is already closed here")
                                .with_note(format!(
                                    "The group opened before was closed early, at line {} column {}. If the group should end at this `)`, remove the earlier one.",
                                    lc.line, lc.column
                                ))
                                .with_fix(
                                    format!("remove the `)` at line {} column {} so the group ends here", lc.line, lc.column),
                                    vec![TextEdit { span: span(group_close, group_close + 1), replacement: String::new() }],
                                );
                        }
                        d = d.with_fix(
                            format!("remove this `{symbol}`"),
                            vec![TextEdit {
                                span: span(start, end),
                                replacement: String::new(),
                            }],
                        );
                        self.diagnostics.push(d);
                        return None;
                    }
                }
            }
            _ => {}
        }
        Some(lexeme)
    }

    /// At the end of the file: reports each bracket never closed and appends its
    /// closer to `chunk`, innermost first. Whether there was any.
    fn close_all(&mut self, chunk: &mut Vec<Lexeme>) -> bool {
        let end = self.text.len() as u32;
        for &(opener, at) in self.open.iter().rev() {
            let (kind, sym, close) = if opener == Kind::LBracket {
                (Kind::RBracket, "[", "]")
            } else {
                (Kind::RParen, "(", ")")
            };
            chunk.push(Lexeme { start: end, kind, end });
            self.diagnostics.push(
                Diagnostic::error(
                    codes::UNCLOSED_OPEN,
                    format!("this `{sym}` is never closed"),
                    Span::new(self.file, at, at + 1),
                    format!("no matching `{close}`"),
                )
                .with_note(format!(
                    "Every `{sym}` needs a `{close}`; the file ends before this one is closed."
                )),
            );
        }
        !self.open.is_empty()
    }
}

/// Turns one LALRPOP error into a diagnostic, unless a bracket diagnostic covers it.
fn syntax_error(
    file: FileId,
    text: &str,
    tokens: &[Lexeme],
    error: ParseError<usize, Token<'_>, LexError>,
    unclosed: bool,
) -> Option<Diagnostic> {
    let span = |s: usize, e: usize| Span::new(file, s, e);
    match error {
        ParseError::UnrecognizedToken {
            token: (start, token, end),
            expected,
        } => {
            if unclosed && start == text.len() {
                return None;
            }
            let expected_count = expected.len();
            let expected = describe_expected(&expected);
            let mut d = Diagnostic::error(
                codes::UNEXPECTED_TOKEN,
                format!("unexpected {}", token.describe()),
                span(start, end),
                format!("expected {expected}"),
            );
            // The two tokens before the unexpected one, nearest first.
            let preceding = tokens.partition_point(|t| t.end as usize <= start);
            let before: Vec<(usize, Kind, usize)> = tokens[..preceding]
                .iter()
                .rev()
                .take(2)
                .map(|t| (t.start as usize, t.kind, t.end as usize))
                .collect();
            let previous = before.first().map(|t| t.1);
            // `... a(r, X)` NEWLINE `m(Y) <= a(r, X)`: the new line's atom was taken
            // for the start of a new item because the previous line lacks `then`.
            if let [atom, prior] = before[..]
                && atom.1 == Kind::Atom
                && matches!(
                    prior.1,
                    Kind::RParen | Kind::Atom | Kind::Var | Kind::Null | Kind::RBracket
                )
                && text[prior.2..atom.0].contains('\n')
                && expected_count <= 2
            {
                return Some(
                    Diagnostic::error(
                        codes::UNEXPECTED_TOKEN,
                        "a step is missing `then`, `or` or `par` before it",
                        span(atom.0, atom.2),
                        "this step follows the previous one without `then`",
                    )
                    .with_label(span(prior.0, prior.2), "the previous step ends here")
                    .with_note("Steps are joined by `then` (in sequence), `or` (alternatives) or `par` (in parallel).")
                    .with_fix(
                        "join the steps with `then`",
                        vec![TextEdit {
                            span: span(prior.2, prior.2),
                            replacement: " then".into(),
                        }],
                    ),
                );
            }
            let starts_step = matches!(
                token,
                Token::Atom(_) | Token::QuotedAtom(_) | Token::Var(_) | Token::Null | Token::LParen
            );
            let ends_term = matches!(
                previous,
                Some(Kind::RParen | Kind::Atom | Kind::Var | Kind::Null | Kind::RBracket)
            );
            if starts_step && ends_term && expected.contains("`then`") {
                d = d
                    .with_note("Two steps must be joined by `then`, `or` or `par`.")
                    .with_fix(
                        "join the steps with `then`",
                        vec![TextEdit {
                            span: span(start, start),
                            replacement: "then ".into(),
                        }],
                    );
            } else if token == Token::Defines {
                d = d.with_note("`::` follows a clause head `a(Role, Id)` at the start of a clause.");
            } else if let Some(previous @ (Kind::If | Kind::Then)) = previous {
                d = d.with_note(format!(
                    "`{}` must be followed by {}.",
                    previous.token("").symbol(),
                    expected
                ));
            }
            Some(d)
        }
        ParseError::UnrecognizedEof { location, expected } => {
            if unclosed {
                return None;
            }
            let at = location.min(text.len());
            Some(
                Diagnostic::error(
                    codes::UNEXPECTED_END,
                    "the file ends in the middle of an item",
                    span(at, at),
                    format!("expected {}", describe_expected(&expected)),
                )
                .with_note("The last clause or declaration is incomplete."),
            )
        }
        ParseError::InvalidToken { location } => Some(Diagnostic::error(
            codes::INVALID_CHARACTER,
            "invalid token",
            span(location, location + 1),
            "here",
        )),
        ParseError::ExtraToken {
            token: (start, token, end),
        } => Some(Diagnostic::error(
            codes::UNEXPECTED_TOKEN,
            format!("unexpected {}", token.describe()),
            span(start, end),
            "expected the end of the file",
        )),
        ParseError::User { error } => Some(Diagnostic::error(
            codes::INVALID_CHARACTER,
            "invalid token",
            span(error.start, error.end),
            "here",
        )),
    }
}

/// Turns LALRPOP's expected-terminal list into words, e.g. "`then`, `or` or a variable".
fn describe_expected(expected: &[String]) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut push = |w: String| {
        if !words.contains(&w) {
            words.push(w);
        }
    };
    let is_term_start = expected.iter().any(|e| e == "Var") && expected.iter().any(|e| e == "Atom");
    for e in expected {
        let word = match e.as_str() {
            "Atom" | "QuotedAtom" | "Var" | "Int" | "Float" | "Str" | "\"[\"" | "\"-\"" | "\"+\"" if is_term_start => {
                "a term".into()
            }
            "Atom" | "QuotedAtom" => "an atom".into(),
            "Var" => "a variable".into(),
            "Int" | "Float" => "a number".into(),
            "Str" => "a string".into(),
            "\"=\"" | "\"==\"" | "\"\\\\=\"" | "\"!=\"" | "\"<\"" | "\">\"" | "\"=<\"" | "\">=\"" | "\"is\"" => {
                "a comparison".into()
            }
            "\"+\"" | "\"-\"" | "\"*\"" | "\"/\"" | "\"mod\"" => "an arithmetic operator".into(),
            other => format!("`{}`", other.trim_matches('"').replace("\\\\", "\\")),
        };
        push(word);
    }
    // Keep messages short: the most useful alternatives first.
    let priority = |w: &str| match w {
        "`then`" | "`or`" | "`par`" | "`::`" | "`)`" | "`]`" | "`,`" | "a term" => 0,
        "`=>`" | "`<=`" | "`<-`" | "`and`" | "an atom" | "a variable" => 1,
        _ => 2,
    };
    words.sort_by_key(|w| priority(w));
    words.truncate(6);
    match words.len() {
        0 => "something else".into(),
        1 => words.remove(0),
        n => format!("{} or {}", words[..n - 1].join(", "), words[n - 1]),
    }
}

/// Where a parse error is, for ordering.
fn error_start(error: &ParseError<usize, Token<'_>, LexError>) -> usize {
    match error {
        ParseError::UnrecognizedToken { token, .. } | ParseError::ExtraToken { token } => token.0,
        ParseError::UnrecognizedEof { location, .. } | ParseError::InvalidToken { location } => *location,
        ParseError::User { error } => error.start,
    }
}

/// Where the clause head `name(...)` ends the chunk so far begins, when its last
/// token is the head's `::` and the head is not at the chunk's start. The token
/// stream is cut before each clause head, so that a syntax error in one clause
/// cannot swallow the next one.
fn clause_head_start(chunk: &[Lexeme]) -> Option<usize> {
    let i = chunk.len().checked_sub(1)?;
    if chunk[i].kind != Kind::Defines || i == 0 || chunk[i - 1].kind != Kind::RParen {
        return None;
    }
    let mut depth = 0usize;
    let mut j = i - 1;
    loop {
        match chunk[j].kind {
            Kind::RParen | Kind::RBracket => depth += 1,
            Kind::LParen | Kind::LBracket => depth -= 1,
            _ => {}
        }
        if depth == 0 || j == 0 {
            break;
        }
        j -= 1;
    }
    (depth == 0 && j > 1 && matches!(chunk[j - 1].kind, Kind::Atom | Kind::QuotedAtom)).then(|| j - 1)
}

/// E0113 when `chunk` nests brackets more deeply than [`MAX_NESTING`] or holds more
/// than [`MAX_OPERATORS`] operators; such a chunk is not parsed.
fn too_deep(file: FileId, chunk: &[Lexeme]) -> Option<Diagnostic> {
    let (mut depth, mut operators) = (0usize, 0usize);
    let first = chunk.first()?;
    for &Lexeme { start, kind, end } in chunk {
        let (start, end) = (start as usize, end as usize);
        match kind {
            Kind::LParen | Kind::LBracket => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(
                        Diagnostic::error(
                            codes::TOO_DEEP,
                            format!("brackets nested more than {MAX_NESTING} deep"),
                            Span::new(file, start, end),
                            "this bracket is too deep",
                        )
                        .with_note("LCC processes items recursively; so deep a nesting is almost certainly generated by mistake. This item was not parsed.")
                        .with_note("Split the term or definition: move a sub-term into a variable bound by a constraint, or a sub-definition into a role of its own."),
                    );
                }
            }
            Kind::RParen | Kind::RBracket => depth = depth.saturating_sub(1),
            Kind::Then
            | Kind::Or
            | Kind::Par
            | Kind::And
            | Kind::Not
            | Kind::Plus
            | Kind::Minus
            | Kind::Star
            | Kind::Slash
            | Kind::Mod => operators += 1,
            _ => {}
        }
    }
    (operators > MAX_OPERATORS).then(|| {
        let last = chunk.last().map_or(first.end, |t| t.end) as usize;
        Diagnostic::error(
            codes::TOO_DEEP,
            format!("this item has {operators} operators; at most {MAX_OPERATORS} are accepted"),
            Span::new(file, first.start as usize, first.end as usize),
            "this item is too long",
        )
        .with_label(Span::new(file, last, last), "it ends here")
        .with_note(
            "Chains of `then`, `or` and `par` nest in the syntax tree; so long a chain in one clause was not parsed.",
        )
        .with_note(
            "Split the clause: move part of the definition into a role of its own and call it with `a(Role, Id)`.",
        )
    })
}
