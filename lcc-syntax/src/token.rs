//! The lexer: source text to tokens, with comments kept for the formatter.

use logos::Logos;

/// One LCC token. Text-carrying tokens borrow from the source.
#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
#[logos(skip r"[ \t\r\n\f]+")]
pub enum Token<'s> {
    /// `(`
    #[token("(")]
    LParen,
    /// `)`
    #[token(")")]
    RParen,
    /// `[`
    #[token("[")]
    LBracket,
    /// `]`
    #[token("]")]
    RBracket,
    /// `,`
    #[token(",")]
    Comma,
    /// `|` (list tail)
    #[token("|")]
    Bar,
    /// `::` (clause definition)
    #[token("::")]
    Defines,
    /// `.` (optional item terminator)
    #[token(".")]
    Dot,
    /// `=>` (send)
    #[token("=>")]
    Send,
    /// `<=` (receive)
    #[token("<=")]
    Receive,
    /// `<-` or `<--` (constraint)
    #[token("<-")]
    #[token("<--")]
    If,
    /// `=`
    #[token("=")]
    Eq,
    /// `==`
    #[token("==")]
    EqEq,
    /// `\=`
    #[token("\\=")]
    NotUnify,
    /// `!=` (also written `\==`)
    #[token("!=")]
    #[token("\\==")]
    NotEq,
    /// `<`
    #[token("<")]
    Lt,
    /// `>`
    #[token(">")]
    Gt,
    /// `=<`
    #[token("=<")]
    Le,
    /// `>=`
    #[token(">=")]
    Ge,
    /// `+`
    #[token("+")]
    Plus,
    /// `-`
    #[token("-")]
    Minus,
    /// `*`
    #[token("*")]
    Star,
    /// `/`
    #[token("/")]
    Slash,
    /// `?` (argument mode in constraint declarations)
    #[token("?")]
    Question,
    /// `then`
    #[token("then")]
    Then,
    /// `or`
    #[token("or")]
    Or,
    /// `par`
    #[token("par")]
    Par,
    /// `and`
    #[token("and")]
    And,
    /// `not`
    #[token("not")]
    Not,
    /// `null`
    #[token("null")]
    Null,
    /// `is`
    #[token("is")]
    Is,
    /// `mod`
    #[token("mod")]
    Mod,
    /// `constraint` (starts a constraint signature declaration)
    #[token("constraint")]
    Constraint,
    /// An unquoted atom: lower-case letter, then letters, digits and `_`; `:`, `.`
    /// and `@` may join two such runs (LiJ constants such as `host.example`).
    #[regex(r"[a-z][A-Za-z0-9_]*([:.@][A-Za-z0-9_]+)*")]
    Atom(&'s str),
    /// A single-quoted atom, quotes and escapes included.
    #[regex(r"'([^'\\\n]|\\.|'')*'")]
    QuotedAtom(&'s str),
    /// A variable: upper-case letter or `_`, then letters, digits and `_`.
    #[regex(r"[A-Z_][A-Za-z0-9_]*")]
    Var(&'s str),
    /// An unsigned integer literal.
    #[regex(r"[0-9]+")]
    Int(&'s str),
    /// An unsigned float literal.
    #[regex(r"[0-9]+\.[0-9]+([eE][+-]?[0-9]+)?")]
    #[regex(r"[0-9]+[eE][+-]?[0-9]+")]
    Float(&'s str),
    /// A double-quoted string, quotes and escapes included.
    #[regex(r#""([^"\\\n]|\\.)*""#)]
    Str(&'s str),
    /// A `// ...` comment up to the end of the line.
    #[regex(r"//[^\n]*", allow_greedy = true)]
    LineComment(&'s str),
    /// A `/* ... */` comment.
    #[regex(r"/\*([^*]|\*+[^*/])*\*+/")]
    BlockComment(&'s str),
    /// A `/*` comment that never ends (an error).
    #[regex(r"/\*([^*]|\*+[^*/])*\**", priority = 0)]
    UnterminatedComment(&'s str),
    /// A string that does not end on its line (an error).
    #[regex(r#""([^"\\\n]|\\.)*"#, priority = 0)]
    UnterminatedStr(&'s str),
    /// A quoted atom that does not end on its line (an error).
    #[regex(r"'([^'\\\n]|\\.|'')*", priority = 0)]
    UnterminatedQuotedAtom(&'s str),
}

impl Token<'_> {
    /// Whether this token is a comment (kept for the formatter, skipped by the parser).
    pub fn is_comment(&self) -> bool {
        matches!(self, Token::LineComment(_) | Token::BlockComment(_))
    }

    /// How the token reads in a diagnostic, e.g. "`then`" or "the variable `X`".
    pub fn describe(&self) -> String {
        match self {
            Token::Atom(s) | Token::QuotedAtom(s) => format!("atom `{s}`"),
            Token::Var(s) => format!("variable `{s}`"),
            Token::Int(s) | Token::Float(s) => format!("number `{s}`"),
            Token::Str(_) | Token::UnterminatedStr(_) => "a string".into(),
            Token::LineComment(_) | Token::BlockComment(_) | Token::UnterminatedComment(_) => "a comment".into(),
            Token::UnterminatedQuotedAtom(_) => "a quoted atom".into(),
            other => format!("`{}`", other.symbol()),
        }
    }

    /// The fixed text of a punctuation or keyword token (empty for others).
    pub fn symbol(&self) -> &'static str {
        match self {
            Token::LParen => "(",
            Token::RParen => ")",
            Token::LBracket => "[",
            Token::RBracket => "]",
            Token::Comma => ",",
            Token::Bar => "|",
            Token::Defines => "::",
            Token::Dot => ".",
            Token::Send => "=>",
            Token::Receive => "<=",
            Token::If => "<-",
            Token::Eq => "=",
            Token::EqEq => "==",
            Token::NotUnify => "\\=",
            Token::NotEq => "!=",
            Token::Lt => "<",
            Token::Gt => ">",
            Token::Le => "=<",
            Token::Ge => ">=",
            Token::Plus => "+",
            Token::Minus => "-",
            Token::Star => "*",
            Token::Slash => "/",
            Token::Question => "?",
            Token::Then => "then",
            Token::Or => "or",
            Token::Par => "par",
            Token::And => "and",
            Token::Not => "not",
            Token::Null => "null",
            Token::Is => "is",
            Token::Mod => "mod",
            Token::Constraint => "constraint",
            _ => "",
        }
    }
}

/// Declares [`Kind`], a token without its text, and the conversions between the two.
macro_rules! kinds {
    (fixed: $($fixed:ident),*; text: $($text:ident),*) => {
        /// A token without its text (its text is its span's): what the parse driver
        /// stores, one byte instead of a borrowed slice.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Kind {
            $($fixed,)*
            $($text,)*
        }

        impl<'s> Token<'s> {
            /// The token's kind, its text left out.
            pub(crate) fn kind(self) -> Kind {
                match self {
                    $(Token::$fixed => Kind::$fixed,)*
                    $(Token::$text(_) => Kind::$text,)*
                }
            }
        }

        impl Kind {
            /// The token of this kind whose text is `text`.
            pub(crate) fn token(self, text: &str) -> Token<'_> {
                match self {
                    $(Kind::$fixed => Token::$fixed,)*
                    $(Kind::$text => Token::$text(text),)*
                }
            }
        }
    };
}

kinds!(
    fixed: LParen, RParen, LBracket, RBracket, Comma, Bar, Defines, Dot, Send, Receive, If, Eq, EqEq, NotUnify,
        NotEq, Lt, Gt, Le, Ge, Plus, Minus, Star, Slash, Question, Then, Or, Par, And, Not, Null, Is, Mod, Constraint;
    text: Atom, QuotedAtom, Var, Int, Float, Str, LineComment, BlockComment, UnterminatedComment, UnterminatedStr,
        UnterminatedQuotedAtom
);

/// A lexical error: bytes that form no token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    /// Byte range of the offending text.
    pub start: usize,
    /// End of the offending text.
    pub end: usize,
}

/// A token with its byte range.
pub type Spanned<'s> = (usize, Token<'s>, usize);

/// Lexes all of `text`: tokens in order, comments included, plus the byte ranges
/// of text that forms no token (consecutive bad bytes are merged into one range).
pub fn lex(text: &str) -> (Vec<Spanned<'_>>, Vec<LexError>) {
    let mut tokens = Vec::with_capacity(text.len() / 4);
    let mut errors: Vec<LexError> = Vec::new();
    let mut lexer = Token::lexer(text);
    while let Some(result) = lexer.next() {
        let span = lexer.span();
        match result {
            Ok(token) => tokens.push((span.start, token, span.end)),
            Err(()) => match errors.last_mut() {
                Some(last) if last.end == span.start => last.end = span.end,
                _ => errors.push(LexError {
                    start: span.start,
                    end: span.end,
                }),
            },
        }
    }
    (tokens, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Token<'_>> {
        lex(text).0.into_iter().map(|(_, t, _)| t).collect()
    }

    #[test]
    fn operators_take_the_longest_match() {
        assert_eq!(
            kinds("=> <= <- <-- =< >= == \\= != :: ."),
            vec![
                Token::Send,
                Token::Receive,
                Token::If,
                Token::If,
                Token::Le,
                Token::Ge,
                Token::EqEq,
                Token::NotUnify,
                Token::NotEq,
                Token::Defines,
                Token::Dot
            ]
        );
    }

    #[test]
    fn atoms_may_contain_inner_dots_but_not_trailing_ones() {
        assert_eq!(
            kinds("host.example a."),
            vec![Token::Atom("host.example"), Token::Atom("a"), Token::Dot]
        );
        assert_eq!(kinds("x::"), vec![Token::Atom("x"), Token::Defines]);
    }

    #[test]
    fn comments_and_unicode() {
        assert_eq!(
            kinds("// ≤ %50\n/* 😀 */ 'Any text' \"s\\\"\""),
            vec![
                Token::LineComment("// ≤ %50"),
                Token::BlockComment("/* 😀 */"),
                Token::QuotedAtom("'Any text'"),
                Token::Str("\"s\\\"\"")
            ]
        );
        assert_eq!(
            kinds("a // last"),
            vec![Token::Atom("a"), Token::LineComment("// last")]
        );
    }

    #[test]
    fn unterminated_things_are_tokens_of_their_own() {
        assert_eq!(kinds("/* open"), vec![Token::UnterminatedComment("/* open")]);
        assert_eq!(
            kinds("\"open\nx"),
            vec![Token::UnterminatedStr("\"open"), Token::Atom("x")]
        );
    }

    #[test]
    fn bad_bytes_are_reported_once() {
        let (tokens, errors) = lex("a ## b");
        assert_eq!(tokens.len(), 2);
        assert_eq!(errors, vec![LexError { start: 2, end: 4 }]);
    }
}
