//! The parse driver: lexing, delimiter matching, the LALRPOP parser with error
//! recovery, and lowering. One call reports every syntax error it can find.

use lalrpop_util::ParseError;

use crate::ast::Model;
use crate::cst::RawItem;
use crate::depth::{MAX_NESTING, MAX_OPERATORS};
use crate::diagnostic::{Diagnostic, TextEdit, codes};
use crate::grammar::ItemsParser;
use crate::lower::Lowerer;
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
    let mut diagnostics = Vec::new();
    let Lexed { mut tokens, comments } = lex_for_parser(file, text, &mut diagnostics);

    let delimiters = check_delimiters(file, text, &mut tokens);
    diagnostics.extend(delimiters.diagnostics);
    let end = text.len() as u32;
    tokens.extend(
        delimiters
            .close_at_end
            .iter()
            .map(|&kind| Lexeme { start: end, kind, end }),
    );

    let mut items = Vec::new();
    for chunk in clause_chunks(&tokens) {
        if let Some(d) = too_deep(file, chunk) {
            diagnostics.push(d);
            continue;
        }
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
        for recovery in recovered {
            if let Some(d) = syntax_error(file, text, &tokens, recovery.error, delimiters.unclosed) {
                diagnostics.push(d);
            }
        }
        // After a syntax error, bare terms at top level are fragments of the broken
        // clause, not declarations: do not report them a second time.
        let raw_items = raw_items.into_iter().filter(|item| match (item, first_error) {
            (RawItem::Decl(e), Some(at)) => e.start < at,
            _ => true,
        });
        // Lowered chunk by chunk, so that only one clause's expression tree is alive.
        Lowerer {
            file,
            diagnostics: &mut diagnostics,
        }
        .items(raw_items, &mut items);
    }
    diagnostics.sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
    diagnostics.dedup_by(|a, b| a.primary.span == b.primary.span && a.code == b.code);
    Parsed {
        model: Model { items },
        comments,
        diagnostics,
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

/// The lexer's output for the parser: the tokens it sees, and the comments.
struct Lexed {
    tokens: Vec<Lexeme>,
    comments: Vec<Comment>,
}

/// Lexes `text` for the parser in one pass: comments are set aside, bytes that form
/// no token, unterminated strings, quoted atoms and comments are reported, and the
/// rest of a line after a Prolog `%` comment is hidden from the parser.
fn lex_for_parser(file: FileId, text: &str, diagnostics: &mut Vec<Diagnostic>) -> Lexed {
    let span = |s: usize, e: usize| Span::new(file, s, e);
    // Most tokens are short: a quarter of the length avoids regrowing on typical text.
    let mut tokens: Vec<Lexeme> = Vec::with_capacity(text.len() / 3);
    let mut comments = Vec::new();
    // The pending run of bad bytes (consecutive ones are reported once).
    let mut bad: Option<(usize, usize)> = None;
    // A Prolog `%` comment is reported once, and its line is hidden from the parser.
    let mut hidden_until = 0usize;
    let mut lexer = Token::lexer(text);
    while let Some(result) = lexer.next() {
        let std::ops::Range { start, end } = lexer.span();
        let token = match result {
            Ok(token) => token,
            Err(()) => {
                match &mut bad {
                    Some((_, last_end)) if *last_end == start => *last_end = end,
                    _ => {
                        if let Some((s, e)) = bad.take() {
                            diagnostics.push(bad_bytes(file, text, s, e));
                        }
                        if text.as_bytes()[start] == b'%' {
                            hidden_until = text[start..].find('\n').map_or(text.len(), |n| start + n);
                        }
                        bad = Some((start, end));
                    }
                }
                continue;
            }
        };
        if let Some((s, e)) = bad.take() {
            diagnostics.push(bad_bytes(file, text, s, e));
        }
        match token {
            Token::LineComment(t) | Token::BlockComment(t) => comments.push(Comment {
                span: span(start, end),
                text: t.to_string(),
            }),
            Token::UnterminatedComment(_) => diagnostics.push(
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
                diagnostics.push(
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
                tokens.push(Lexeme {
                    start: start as u32,
                    kind: token.kind(),
                    end: end as u32,
                });
            }
            _ if start < hidden_until => {}
            _ => tokens.push(Lexeme {
                start: start as u32,
                kind: token.kind(),
                end: end as u32,
            }),
        }
    }
    if let Some((s, e)) = bad {
        diagnostics.push(bad_bytes(file, text, s, e));
    }
    Lexed { tokens, comments }
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

/// The outcome of matching brackets.
struct Delimiters {
    diagnostics: Vec<Diagnostic>,
    /// Closing tokens to append for brackets never closed, innermost first.
    close_at_end: Vec<Kind>,
    /// Whether some bracket is never closed (the parser's end-of-file error is redundant).
    unclosed: bool,
}

/// Matches `(`/`)` and `[`/`]`, reporting each unmatched one in the author's terms,
/// and repairs `tokens` for the parser: unmatched closers are dropped and mismatched
/// ones replaced. Closers for brackets never closed are returned, to append.
fn check_delimiters(file: FileId, text: &str, tokens: &mut Vec<Lexeme>) -> Delimiters {
    let span = |s: usize, e: usize| Span::new(file, s, e);
    // Each open bracket: whether it is `[` or a `(` (a group or an argument list).
    let mut open: Vec<(Kind, usize)> = Vec::new();
    // For each depth, the last group `( ... )` (not a term's argument list) closed there.
    let mut last_group: Vec<Option<(usize, usize)>> = vec![None];
    let mut dropped: Vec<usize> = Vec::new();
    let mut out = Delimiters {
        diagnostics: Vec::new(),
        close_at_end: Vec::new(),
        unclosed: false,
    };
    for i in 0..tokens.len() {
        let Lexeme { start, kind, end } = tokens[i];
        let (start, end) = (start as usize, end as usize);
        match kind {
            Kind::LParen | Kind::LBracket => {
                let group = kind == Kind::LParen
                    && !matches!(
                        i.checked_sub(1).map(|p| tokens[p].kind),
                        Some(Kind::Atom | Kind::QuotedAtom)
                    );
                // `Dot` marks an argument list's `(`.
                let opener = match kind {
                    Kind::LBracket => Kind::LBracket,
                    _ if group => Kind::LParen,
                    _ => Kind::Dot,
                };
                open.push((opener, start));
                last_group.push(None);
            }
            Kind::RParen | Kind::RBracket => {
                let symbol = kind.token("").symbol();
                let want = if kind == Kind::RParen { "(" } else { "[" };
                match open.pop() {
                    Some((opener, at)) => {
                        let opened_paren = matches!(opener, Kind::LParen | Kind::Dot);
                        last_group.pop();
                        if opened_paren != (kind == Kind::RParen) {
                            let expected = if opened_paren { ")" } else { "]" };
                            tokens[i].kind = if opened_paren { Kind::RParen } else { Kind::RBracket };
                            out.diagnostics.push(
                                Diagnostic::error(
                                    codes::UNMATCHED_CLOSE,
                                    format!("expected `{expected}` but found `{symbol}`"),
                                    span(start, end),
                                    format!("this should close the `{}`", if opened_paren { "(" } else { "[" }),
                                )
                                .with_label(span(at, at + 1), "opened here"),
                            );
                        } else if opener == Kind::LParen {
                            *last_group.last_mut().unwrap() = Some((at, start));
                        }
                    }
                    None => {
                        dropped.push(i);
                        let mut d = Diagnostic::error(
                            codes::UNMATCHED_CLOSE,
                            format!("this `{symbol}` has no matching `{want}`"),
                            span(start, end),
                            "nothing to close here",
                        );
                        let earlier = if kind == Kind::RParen { last_group[0] } else { None };
                        if let Some((group_open, group_close)) = earlier {
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
                        out.diagnostics.push(d);
                    }
                }
            }
            _ => {}
        }
    }
    if !dropped.is_empty() {
        let mut next = dropped.iter().copied().peekable();
        let mut index = 0;
        tokens.retain(|_| {
            let keep = next.next_if_eq(&index).is_none();
            index += 1;
            keep
        });
    }
    for &(opener, at) in open.iter().rev() {
        out.unclosed = true;
        out.close_at_end.push(if opener == Kind::LBracket {
            Kind::RBracket
        } else {
            Kind::RParen
        });
        let (sym, close) = if opener == Kind::LBracket {
            ("[", "]")
        } else {
            ("(", ")")
        };
        out.diagnostics.push(
            Diagnostic::error(
                codes::UNCLOSED_OPEN,
                format!("this `{sym}` is never closed"),
                span(at, at + 1),
                format!("no matching `{close}`"),
            )
            .with_note(format!(
                "Every `{sym}` needs a `{close}`; the file ends before this one is closed."
            )),
        );
    }
    out
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

/// Splits the token stream before each clause head `name(...) ::`, so that a
/// syntax error in one clause cannot swallow the next one.
fn clause_chunks(tokens: &[Lexeme]) -> Vec<&[Lexeme]> {
    let mut starts = vec![0];
    for (i, token) in tokens.iter().enumerate() {
        if token.kind != Kind::Defines || i == 0 || tokens[i - 1].kind != Kind::RParen {
            continue;
        }
        let mut depth = 0usize;
        let mut j = i - 1;
        loop {
            match tokens[j].kind {
                Kind::RParen | Kind::RBracket => depth += 1,
                Kind::LParen | Kind::LBracket => depth -= 1,
                _ => {}
            }
            if depth == 0 || j == 0 {
                break;
            }
            j -= 1;
        }
        if depth == 0 && j > 0 && matches!(tokens[j - 1].kind, Kind::Atom | Kind::QuotedAtom) {
            let head = j - 1;
            if head > *starts.last().unwrap() {
                starts.push(head);
            }
        }
    }
    starts.push(tokens.len());
    starts.windows(2).map(|w| &tokens[w[0]..w[1]]).collect()
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
