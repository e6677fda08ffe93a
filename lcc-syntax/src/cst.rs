//! The parser's output before lowering: one operator-expression tree for every
//! part of an item. The grammar stays small and conflict-free; whether an
//! expression is a definition, a constraint or a term is decided in `lower`.

/// A parsed expression with its byte range.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr<'s> {
    /// What was parsed.
    pub kind: ExprKind<'s>,
    /// Byte offset of the first token.
    pub start: usize,
    /// Byte offset past the last token.
    pub end: usize,
}

/// Expression shapes, from the loosest operator to primaries.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind<'s> {
    /// A binary operator application.
    Binary(BinOp, Box<Expr<'s>>, Box<Expr<'s>>),
    /// `not E`
    Not(Box<Expr<'s>>),
    /// `-E` or `+E`
    Sign(bool, Box<Expr<'s>>),
    /// `( E )`
    Paren(Box<Expr<'s>>),
    /// `null`
    Null,
    /// An unquoted atom.
    Atom(&'s str),
    /// A quoted atom, quotes included.
    QuotedAtom(&'s str),
    /// A variable (or `_`).
    Var(&'s str),
    /// An integer literal.
    Int(&'s str),
    /// A float literal.
    Float(&'s str),
    /// A string literal, quotes included.
    Str(&'s str),
    /// `name(args)`; the name is an atom token (possibly quoted).
    Compound {
        /// The functor token text.
        name: &'s str,
        /// Byte range of the functor.
        name_end: usize,
        /// The arguments.
        args: Vec<Expr<'s>>,
    },
    /// `[items | tail]`
    List(Vec<Expr<'s>>, Option<Box<Expr<'s>>>),
    /// A region the parser skipped after a syntax error.
    Error,
}

/// Binary operators of the expression grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `or`
    Or,
    /// `par`
    Par,
    /// `then`
    Then,
    /// `<-`
    If,
    /// `and`
    And,
    /// `=>`
    Send,
    /// `<=`
    Receive,
    /// A comparison.
    Cmp(crate::ast::CmpOp),
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `mod`
    Mod,
}

/// One raw top-level item. Clauses and signatures are boxed: the parser copies
/// its semantic values on every shift and reduce, so they must stay small.
#[derive(Debug, Clone, PartialEq)]
pub enum RawItem<'s> {
    /// `Head :: Body`, and the clause's byte range.
    Clause(Box<(Expr<'s>, Expr<'s>)>, usize, usize),
    /// A bare compound at top level (a role declaration, if well-formed).
    Decl(Expr<'s>),
    /// `constraint name(params) "doc"`
    Constraint(Box<RawConstraint<'s>>),
    /// Tokens skipped after a syntax error at top level.
    Error(usize, usize),
}

/// A raw constraint signature.
#[derive(Debug, Clone, PartialEq)]
pub struct RawConstraint<'s> {
    /// Name token text and range.
    pub name: (&'s str, usize, usize),
    /// `Some` when parentheses were written; each parameter is (mode, var, start, end).
    pub params: Option<Vec<(crate::ast::Mode, &'s str, usize, usize)>>,
    /// The doc string token text, quotes included.
    pub doc: Option<&'s str>,
    /// Byte range of the whole declaration.
    pub start: usize,
    /// End of the declaration.
    pub end: usize,
}
