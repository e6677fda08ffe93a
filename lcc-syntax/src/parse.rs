//! The parse driver: lexing, delimiter matching, the LALRPOP parser with error
//! recovery, and lowering. One call reports every syntax error it can find.

use lalrpop_util::ParseError;

use std::collections::HashMap;

use crate::ast::Model;
use crate::cst::RawItem;
use crate::depth::{MAX_NESTING, MAX_OPERATORS};
use crate::diagnostic::{Diagnostic, TextEdit, codes};
use crate::grammar::ItemsParser;
use crate::lower::Lowerer;
use crate::span::{FileId, Span};
use crate::token::{LexError, Spanned, Token, lex};

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
    let (tokens, lex_errors) = lex(text);
    let mut diagnostics = Vec::new();
    let span = |s: usize, e: usize| Span::new(file, s, e);
    // A Prolog `%` comment is reported once, and its line is hidden from the parser.
    let mut prolog_comments: Vec<(usize, usize)> = Vec::new();
    for LexError { start, end } in lex_errors {
        let bad = &text[start..end];
        let mut d = Diagnostic::error(
            codes::INVALID_CHARACTER,
            format!("`{bad}` is not part of LCC's syntax"),
            span(start, end),
            "unexpected character",
        );
        if bad.starts_with('%') {
            let line_end = text[start..].find('\n').map_or(text.len(), |n| start + n);
            prolog_comments.push((start, line_end));
            d = d
                .with_note("Comments start with `//` or are enclosed in `/* */` (not Prolog's `%`).")
                .with_fix(
                    "turn the rest of the line into a `//` comment",
                    vec![TextEdit {
                        span: span(start, start + 1),
                        replacement: "//".into(),
                    }],
                );
        } else {
            d = d.with_note("Atoms start with a lower-case letter or are quoted ('like this'); text with any characters goes in a string \"like this\".");
        }
        diagnostics.push(d);
    }

    let mut comments = Vec::new();
    let mut parser_tokens: Vec<Spanned<'_>> = Vec::with_capacity(tokens.len());
    for (start, token, end) in tokens {
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
                let (what, quote, replacement) = match token {
                    Token::UnterminatedStr(_) => ("string", '"', Token::Str("\"\"")),
                    _ => ("quoted atom", '\'', Token::QuotedAtom("''")),
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
                parser_tokens.push((start, replacement, end));
            }
            _ if prolog_comments.iter().any(|&(s, e)| s <= start && start < e) => {}
            _ => parser_tokens.push((start, token, end)),
        }
    }

    let delimiters = check_delimiters(file, text, &parser_tokens);
    diagnostics.extend(delimiters.diagnostics);
    // The parser sees the brackets repaired: unmatched closers dropped, mismatched
    // ones replaced, unclosed ones closed at the end. Each is reported above.
    let mut repaired: Vec<Spanned<'_>> = Vec::with_capacity(parser_tokens.len());
    for (i, token) in parser_tokens.iter().enumerate() {
        match delimiters.repairs.get(&i) {
            Some(Repair::Drop) => {}
            Some(Repair::Replace(with)) => repaired.push((token.0, *with, token.2)),
            None => repaired.push(*token),
        }
    }
    let end = text.len();
    repaired.extend(delimiters.close_at_end.iter().map(|&t| (end, t, end)));

    let mut raw_items = Vec::new();
    for chunk in clause_chunks(&repaired) {
        if let Some(d) = too_deep(file, chunk) {
            diagnostics.push(d);
            continue;
        }
        let mut recovered = Vec::new();
        let stream = chunk.iter().map(|&t| Ok::<_, LexError>(t));
        let items = match ItemsParser::new().parse(&mut recovered, stream) {
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
            if let Some(d) = syntax_error(file, text, &repaired, recovery.error, delimiters.unclosed) {
                diagnostics.push(d);
            }
        }
        // After a syntax error, bare terms at top level are fragments of the broken
        // clause, not declarations: do not report them a second time.
        raw_items.extend(items.into_iter().filter(|item| match (item, first_error) {
            (RawItem::Decl(e), Some(at)) => e.start < at,
            _ => true,
        }));
    }

    let items = Lowerer {
        file,
        diagnostics: &mut diagnostics,
    }
    .items(raw_items);
    diagnostics.sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
    diagnostics.dedup_by(|a, b| a.primary.span == b.primary.span && a.code == b.code);
    Parsed {
        model: Model { items },
        comments,
        diagnostics,
    }
}

/// A change to one token so that the parser sees balanced brackets.
enum Repair {
    Drop,
    Replace(Token<'static>),
}

/// The outcome of matching brackets.
struct Delimiters {
    diagnostics: Vec<Diagnostic>,
    /// How to repair the token at each index for the parser.
    repairs: HashMap<usize, Repair>,
    /// Closing tokens to append for brackets never closed, innermost first.
    close_at_end: Vec<Token<'static>>,
    /// Whether some bracket is never closed (the parser's end-of-file error is redundant).
    unclosed: bool,
}

/// Matches `(`/`)` and `[`/`]`, reporting each unmatched one in the author's terms.
fn check_delimiters(file: FileId, text: &str, tokens: &[Spanned<'_>]) -> Delimiters {
    let span = |s: usize, e: usize| Span::new(file, s, e);
    let mut open: Vec<(Token<'_>, usize)> = Vec::new();
    // For each depth, the last group `( ... )` (not a term's argument list) closed there.
    let mut last_group: Vec<Option<(usize, usize)>> = vec![None];
    let mut out = Delimiters {
        diagnostics: Vec::new(),
        repairs: HashMap::new(),
        close_at_end: Vec::new(),
        unclosed: false,
    };
    for (i, &(start, token, end)) in tokens.iter().enumerate() {
        match token {
            Token::LParen | Token::LBracket => {
                let group = token == Token::LParen
                    && !matches!(
                        i.checked_sub(1).map(|p| tokens[p].1),
                        Some(Token::Atom(_) | Token::QuotedAtom(_))
                    );
                open.push((if group { Token::LParen } else { Token::Dot }, start));
                if token == Token::LBracket {
                    open.last_mut().unwrap().0 = Token::LBracket;
                }
                last_group.push(None);
            }
            Token::RParen | Token::RBracket => {
                let want = if token == Token::RParen { "(" } else { "[" };
                match open.pop() {
                    Some((opener, at)) => {
                        let opened_paren = matches!(opener, Token::LParen | Token::Dot);
                        last_group.pop();
                        if opened_paren != (token == Token::RParen) {
                            let expected = if opened_paren { ")" } else { "]" };
                            out.repairs.insert(
                                i,
                                Repair::Replace(if opened_paren { Token::RParen } else { Token::RBracket }),
                            );
                            out.diagnostics.push(
                                Diagnostic::error(
                                    codes::UNMATCHED_CLOSE,
                                    format!("expected `{expected}` but found `{}`", token.symbol()),
                                    span(start, end),
                                    format!("this should close the `{}`", if opened_paren { "(" } else { "[" }),
                                )
                                .with_label(span(at, at + 1), "opened here"),
                            );
                        } else if opener == Token::LParen {
                            *last_group.last_mut().unwrap() = Some((at, start));
                        }
                    }
                    None => {
                        out.repairs.insert(i, Repair::Drop);
                        let mut d = Diagnostic::error(
                            codes::UNMATCHED_CLOSE,
                            format!("this `{}` has no matching `{want}`", token.symbol()),
                            span(start, end),
                            "nothing to close here",
                        );
                        let earlier = if token == Token::RParen { last_group[0] } else { None };
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
                            format!("remove this `{}`", token.symbol()),
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
    for &(opener, at) in open.iter().rev() {
        out.unclosed = true;
        out.close_at_end.push(if opener == Token::LBracket {
            Token::RBracket
        } else {
            Token::RParen
        });
        let (sym, close) = if opener == Token::LBracket {
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
    tokens: &[Spanned<'_>],
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
            let before: Vec<_> = tokens.iter().rev().filter(|t| t.2 <= start).take(2).collect();
            let previous = before.first().map(|t| t.1);
            // `... a(r, X)` NEWLINE `m(Y) <= a(r, X)`: the new line's atom was taken
            // for the start of a new item because the previous line lacks `then`.
            if let [atom, prior] = before[..]
                && matches!(atom.1, Token::Atom(_))
                && matches!(
                    prior.1,
                    Token::RParen | Token::Atom(_) | Token::Var(_) | Token::Null | Token::RBracket
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
                Some(Token::RParen | Token::Atom(_) | Token::Var(_) | Token::Null | Token::RBracket)
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
            } else if previous == Some(Token::If) || previous == Some(Token::Then) {
                d = d.with_note(format!(
                    "`{}` must be followed by {}.",
                    previous.unwrap().symbol(),
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
fn clause_chunks<'t, 's>(tokens: &'t [Spanned<'s>]) -> Vec<&'t [Spanned<'s>]> {
    let mut starts = vec![0];
    for (i, token) in tokens.iter().enumerate() {
        if token.1 != Token::Defines || i == 0 || tokens[i - 1].1 != Token::RParen {
            continue;
        }
        let mut depth = 0usize;
        let mut j = i - 1;
        loop {
            match tokens[j].1 {
                Token::RParen | Token::RBracket => depth += 1,
                Token::LParen | Token::LBracket => depth -= 1,
                _ => {}
            }
            if depth == 0 || j == 0 {
                break;
            }
            j -= 1;
        }
        if depth == 0 && j > 0 && matches!(tokens[j - 1].1, Token::Atom(_) | Token::QuotedAtom(_)) {
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
fn too_deep(file: FileId, chunk: &[Spanned<'_>]) -> Option<Diagnostic> {
    let (mut depth, mut operators) = (0usize, 0usize);
    let first = chunk.first()?;
    for &(start, token, end) in chunk {
        match token {
            Token::LParen | Token::LBracket => {
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
            Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            Token::Then
            | Token::Or
            | Token::Par
            | Token::And
            | Token::Not
            | Token::Plus
            | Token::Minus
            | Token::Star
            | Token::Slash
            | Token::Mod => operators += 1,
            _ => {}
        }
    }
    (operators > MAX_OPERATORS).then(|| {
        let last = chunk.last().map_or(first.2, |t| t.2);
        Diagnostic::error(
            codes::TOO_DEEP,
            format!("this item has {operators} operators; at most {MAX_OPERATORS} are accepted"),
            Span::new(file, first.0, first.2),
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
