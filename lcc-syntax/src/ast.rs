//! The abstract syntax tree of an LCC model. Every node carries its [`Span`].
//!
//! Parentheses the author wrote around a definition or constraint are kept as a
//! `parens` flag: the checker needs them (mixed `then`/`or` warning) and the
//! formatter preserves them. Term parentheses are not kept (terms print canonically).

pub use crate::name::Name;
use crate::span::Span;
pub use thin_vec::ThinVec;

/// A parsed `.lcc` file: declarations, constraint signatures and clauses in order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Model {
    /// Top-level items in source order.
    pub items: Vec<Item>,
}

impl Model {
    /// The clauses, in source order.
    pub fn clauses(&self) -> impl Iterator<Item = &Clause> {
        self.items.iter().filter_map(|item| match item {
            Item::Clause(clause) => Some(clause.as_ref()),
            _ => None,
        })
    }

    /// The role declarations `r(...)`, in source order.
    pub fn role_decls(&self) -> impl Iterator<Item = &RoleDecl> {
        self.items.iter().filter_map(|item| match item {
            Item::RoleDecl(decl) => Some(decl.as_ref()),
            _ => None,
        })
    }

    /// The constraint signature declarations, in source order.
    pub fn constraint_decls(&self) -> impl Iterator<Item = &ConstraintDecl> {
        self.items.iter().filter_map(|item| match item {
            Item::ConstraintDecl(decl) => Some(decl.as_ref()),
            _ => None,
        })
    }
}

/// One top-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `r(Role, Kind [, Min [, Max]])`
    RoleDecl(Box<RoleDecl>),
    /// `constraint name(+In, -Out) "doc"`
    ConstraintDecl(Box<ConstraintDecl>),
    /// `a(Role, Id) :: Def` (every item is boxed, so that the item list stays small)
    Clause(Box<Clause>),
}

impl Item {
    /// The span of the whole item.
    pub fn span(&self) -> Span {
        match self {
            Item::RoleDecl(d) => d.span,
            Item::ConstraintDecl(d) => d.span,
            Item::Clause(c) => c.span,
        }
    }
}

/// A role declaration `r(Role, Kind [, Min [, Max]])`.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleDecl {
    /// The declared role term, e.g. `idle` or `underloaded(C)`.
    pub role: Term,
    /// The role's kind.
    pub kind: RoleKind,
    /// Span of the kind atom.
    pub kind_span: Span,
    /// Minimum number of peers playing the role, if given.
    pub min: Option<Count>,
    /// Maximum number of peers playing the role, if given.
    pub max: Option<Count>,
    /// Span of the whole declaration.
    pub span: Span,
}

/// A peer count in a role declaration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Count {
    /// The number.
    pub value: u32,
    /// Where it is written.
    pub span: Span,
}

/// The kinds a role declaration can give (OpenKnowledge / LiJ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoleKind {
    /// Peers start the interaction in this role.
    Initial,
    /// The interaction needs at least one peer in this role.
    Necessary,
    /// Peers may take this role.
    Optional,
    /// A helper role that peers only enter from another role.
    Auxiliary,
    /// A role that peers re-enter in a loop.
    Cyclic,
    /// A role whose peers are not committed in advance.
    Uncommitted,
}

impl RoleKind {
    /// All kinds, in declaration order.
    pub const ALL: [RoleKind; 6] = [
        RoleKind::Initial,
        RoleKind::Necessary,
        RoleKind::Optional,
        RoleKind::Auxiliary,
        RoleKind::Cyclic,
        RoleKind::Uncommitted,
    ];

    /// The kind's keyword.
    pub fn name(self) -> &'static str {
        match self {
            RoleKind::Initial => "initial",
            RoleKind::Necessary => "necessary",
            RoleKind::Optional => "optional",
            RoleKind::Auxiliary => "auxiliary",
            RoleKind::Cyclic => "cyclic",
            RoleKind::Uncommitted => "uncommitted",
        }
    }

    /// The kind named `name`, if any.
    pub fn from_name(name: &str) -> Option<RoleKind> {
        RoleKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A constraint signature: `constraint name(+In, -Out, ?Any) "doc"`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstraintDecl {
    /// The constraint's name.
    pub name: String,
    /// Span of the name.
    pub name_span: Span,
    /// The parameters, in order.
    pub params: Vec<Param>,
    /// Whether the declaration writes `()` after the name even with no parameters.
    pub empty_parens: bool,
    /// One-line documentation, if given.
    pub doc: Option<String>,
    /// Span of the whole declaration.
    pub span: Span,
}

/// One parameter of a constraint signature.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Whether the argument is read, written or either.
    pub mode: Mode,
    /// The parameter's name (a variable name, for documentation).
    pub name: String,
    /// Span of the whole parameter (mode and name).
    pub span: Span,
}

/// An argument mode in a constraint signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `+`: must be bound when the constraint is called.
    In,
    /// `-`: bound by the constraint.
    Out,
    /// `?`: either.
    Any,
}

impl Mode {
    /// The mode's sign in a signature.
    pub fn sign(self) -> char {
        match self {
            Mode::In => '+',
            Mode::Out => '-',
            Mode::Any => '?',
        }
    }
}

/// A clause `a(Role, Id) :: Def`.
#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    /// The head `a(Role, Id)`.
    pub head: RoleRef,
    /// The body.
    pub body: Def,
    /// Span of the whole clause.
    pub span: Span,
}

/// A role reference `a(Role, Id)`: a clause head, a message's partner or a role call.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleRef {
    /// The role term: an atom or compound (`overloaded(Need)`), or a variable.
    pub role: Term,
    /// The peer Id: usually a variable or an atom.
    pub id: Term,
    /// Span of `a(...)`.
    pub span: Span,
}

impl RoleRef {
    /// The role's name and arity, unless the role term is a variable or malformed.
    pub fn name_arity(&self) -> Option<(&str, usize)> {
        self.role.name_arity()
    }
}

/// A definition: the body of a clause, or part of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Def {
    /// What kind of definition.
    pub kind: DefKind,
    /// Whether the author wrote parentheses around it.
    pub parens: bool,
    /// Span, parentheses included when present.
    pub span: Span,
}

/// The shapes of a definition.
#[derive(Debug, Clone, PartialEq)]
pub enum DefKind {
    /// `A then B`
    Then(Box<Def>, Box<Def>),
    /// `A or B` (committed, left-biased choice)
    Or(Box<Def>, Box<Def>),
    /// `A par B`
    Par(Box<Def>, Box<Def>),
    /// A single step (boxed, so that `then`/`or`/`par` nodes stay small).
    Step(Box<Step>),
}

/// One step, with its optional constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// What the step does.
    pub kind: StepKind,
    /// The constraint `<- C`, if any (boxed: many steps have none).
    pub guard: Option<Box<Guard>>,
    /// Span of the whole step, constraint included.
    pub span: Span,
}

/// What a step does. Role references are boxed, so that `null` steps stay small.
#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    /// `M => a(Role, Id)`
    Send {
        /// The message term.
        message: Term,
        /// The recipient.
        to: Box<RoleRef>,
    },
    /// `M <= a(Role, Id)`
    Receive {
        /// The message pattern.
        message: Term,
        /// The sender.
        from: Box<RoleRef>,
    },
    /// `null`
    Null {
        /// Span of the keyword.
        span: Span,
    },
    /// `a(Role, Id)`: call (or, in tail position, become) a role.
    Call(Box<RoleRef>),
}

/// A step's constraint and how it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Guard {
    /// The constraint.
    pub cond: Cond,
    /// `true` for OpenKnowledge's prefix form `C <- M <= A`.
    pub prefix: bool,
}

/// A constraint expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Cond {
    /// What kind of constraint.
    pub kind: CondKind,
    /// Whether the author wrote parentheses around it.
    pub parens: bool,
    /// Span, parentheses included when present.
    pub span: Span,
}

/// The shapes of a constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum CondKind {
    /// `C1 and C2`
    And(Box<Cond>, Box<Cond>),
    /// `C1 or C2` (only inside parentheses)
    Or(Box<Cond>, Box<Cond>),
    /// `not C` (negation as failure)
    Not(Box<Cond>),
    /// `T1 op T2`
    Compare {
        /// The operator.
        op: CmpOp,
        /// Left operand.
        lhs: Term,
        /// Right operand.
        rhs: Term,
    },
    /// A call to a constraint, e.g. `getPeerState(S)` or `isOverLoaded()`.
    Call(Term),
}

/// Comparison and unification operators in constraints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `=` unify
    Unify,
    /// `\=` not unifiable
    NotUnify,
    /// `==` structurally equal
    Eq,
    /// `!=` not structurally equal
    NotEq,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `=<`
    Le,
    /// `>=`
    Ge,
    /// `is` arithmetic evaluation
    Is,
}

impl CmpOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Unify => "=",
            CmpOp::NotUnify => "\\=",
            CmpOp::Eq => "==",
            CmpOp::NotEq => "!=",
            CmpOp::Lt => "<",
            CmpOp::Gt => ">",
            CmpOp::Le => "=<",
            CmpOp::Ge => ">=",
            CmpOp::Is => "is",
        }
    }
}

/// A term.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// What kind of term.
    pub kind: TermKind,
    /// Where it is written.
    pub span: Span,
}

/// The shapes of a term. Names are shared [`Name`]s; argument and element lists
/// are [`ThinVec`]s (one pointer wide, no allocation when empty), so that a term
/// is 40 bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum TermKind {
    /// A named variable.
    Var(Name),
    /// The anonymous variable `_`.
    Anon,
    /// An atom (quoted or not; the name is unescaped).
    Atom(Name),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string (unescaped).
    Str(Name),
    /// `f(T1, ..., Tn)`; `n` may be 0 (`isOverLoaded()`). Arithmetic operators are
    /// compounds whose functor is the operator: `X + 1` is `'+'(X, 1)`.
    Compound {
        /// The functor name (unescaped).
        functor: Name,
        /// The arguments.
        args: ThinVec<Term>,
    },
    /// `[T1, ..., Tn | Tail]`
    List {
        /// The elements.
        items: ThinVec<Term>,
        /// The tail after `|`, if written.
        tail: Option<Box<Term>>,
    },
}

/// Binary arithmetic operators, written infix in terms.
pub const ARITH_BINARY: [&str; 5] = ["+", "-", "*", "/", "mod"];

impl Term {
    /// Name and arity for atoms (arity 0) and compounds; `None` otherwise.
    pub fn name_arity(&self) -> Option<(&str, usize)> {
        match &self.kind {
            TermKind::Atom(name) => Some((name, 0)),
            TermKind::Compound { functor, args } => Some((functor, args.len())),
            _ => None,
        }
    }

    /// The variable's name, if this term is a named variable.
    pub fn as_var(&self) -> Option<&str> {
        match &self.kind {
            TermKind::Var(name) => Some(name),
            _ => None,
        }
    }

    /// Calls `f` on every named variable occurrence in this term, in source order.
    pub fn visit_vars<'a>(&'a self, f: &mut impl FnMut(&'a str, Span)) {
        match &self.kind {
            TermKind::Var(name) => f(name, self.span),
            TermKind::Compound { args, .. } => args.iter().for_each(|a| a.visit_vars(f)),
            TermKind::List { items, tail } => {
                items.iter().for_each(|a| a.visit_vars(f));
                if let Some(tail) = tail {
                    tail.visit_vars(f);
                }
            }
            TermKind::Anon | TermKind::Atom(_) | TermKind::Int(_) | TermKind::Float(_) | TermKind::Str(_) => {}
        }
    }
}

impl Cond {
    /// Calls `f` on every named variable occurrence in this constraint, in order.
    pub fn visit_vars<'a>(&'a self, f: &mut impl FnMut(&'a str, Span)) {
        match &self.kind {
            CondKind::And(a, b) | CondKind::Or(a, b) => {
                a.visit_vars(f);
                b.visit_vars(f);
            }
            CondKind::Not(c) => c.visit_vars(f),
            CondKind::Compare { lhs, rhs, .. } => {
                lhs.visit_vars(f);
                rhs.visit_vars(f);
            }
            CondKind::Call(t) => t.visit_vars(f),
        }
    }
}

impl Def {
    /// The steps of this definition, left to right.
    pub fn steps(&self) -> Vec<&Step> {
        let mut out = Vec::new();
        self.collect_steps(&mut out);
        out
    }

    fn collect_steps<'a>(&'a self, out: &mut Vec<&'a Step>) {
        match &self.kind {
            DefKind::Then(a, b) | DefKind::Or(a, b) | DefKind::Par(a, b) => {
                a.collect_steps(out);
                b.collect_steps(out);
            }
            DefKind::Step(step) => out.push(step.as_ref()),
        }
    }
}
