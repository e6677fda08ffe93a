//! Lowering: the operator-expression tree from the grammar becomes the AST.
//! Whether an expression is a definition, a constraint or a term is decided here,
//! with a diagnostic in the author's terms when it is neither.

use crate::ast::*;
use crate::cst::{BinOp, Expr, ExprKind, RawConstraint, RawItem};
use crate::diagnostic::{Diagnostic, codes};
use crate::name::{Name, Names};
use crate::span::{FileId, Span};

/// Lowers raw items to AST items, pushing a diagnostic for each ill-formed part.
/// An item that cannot be lowered is left out; the rest of the file still is.
pub(crate) struct Lowerer<'d> {
    pub file: FileId,
    pub diagnostics: &'d mut Vec<Diagnostic>,
    /// The names met so far in the file, shared by every term that uses them.
    pub names: &'d mut Names,
}

type Lowered<T> = Result<T, ()>;

impl Lowerer<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn espan(&self, e: &Expr<'_>) -> Span {
        self.span(e.start, e.end)
    }

    fn error(&mut self, diagnostic: Diagnostic) -> Lowered<()> {
        self.diagnostics.push(diagnostic);
        Err(())
    }

    /// Lowers every item into `out`; ill-formed items are reported and dropped.
    pub fn items<'s>(&mut self, raw: impl IntoIterator<Item = RawItem<'s>>, out: &mut Vec<Item>) {
        out.extend(raw.into_iter().filter_map(|item| self.item(item).ok()));
    }

    fn item(&mut self, raw: RawItem<'_>) -> Lowered<Item> {
        match raw {
            RawItem::Clause(clause, start, end) => {
                let (head, body) = *clause;
                let head_span = self.espan(&head);
                let head = match self.role_ref(&head)? {
                    Some(head) => head,
                    None => {
                        self.error(
                            Diagnostic::error(
                                codes::BAD_CLAUSE_HEAD,
                                "a clause must start with `a(Role, Id) ::`",
                                head_span,
                                "this is not `a(Role, Id)`",
                            )
                            .with_note("A clause defines a role: `a(role_name, Id) :: definition`."),
                        )?;
                        unreachable!()
                    }
                };
                let body = self.def(&body)?;
                Ok(Item::Clause(Box::new(Clause {
                    head,
                    body,
                    span: self.span(start, end),
                })))
            }
            RawItem::Decl(head) => self.role_decl(&head).map(|d| Item::RoleDecl(Box::new(d))),
            RawItem::Constraint(raw) => self.constraint_decl(*raw).map(|d| Item::ConstraintDecl(Box::new(d))),
            RawItem::Error(..) => Err(()),
        }
    }

    fn role_decl(&mut self, e: &Expr<'_>) -> Lowered<RoleDecl> {
        let span = self.espan(e);
        let bad = |this: &mut Self, at: Span, label: &str| {
            this.error(
                Diagnostic::error(
                    codes::BAD_DECLARATION,
                    "a top-level item must be a clause `a(Role, Id) :: ...`, a role declaration `r(Role, Kind)` or a `constraint` declaration",
                    at,
                    label,
                )
                .with_note("Role declarations read `r(Role, Kind)`, `r(Role, Kind, Min)` or `r(Role, Kind, Min, Max)`, where Kind is one of initial, necessary, optional, auxiliary, cyclic, uncommitted.")
                .with_note("If this was meant to be a clause, add `:: definition` after the head."),
            )
        };
        let ExprKind::Compound { name, args, .. } = &e.kind else {
            bad(self, span, "not a declaration")?;
            unreachable!()
        };
        if *name != "r" || !(2..=4).contains(&args.len()) {
            bad(self, span, "not a role declaration")?;
        }
        let role = self.term(&args[0])?;
        let kind_span = self.espan(&args[1]);
        let kind = match &args[1].kind {
            ExprKind::Atom(k) => RoleKind::from_name(k),
            _ => None,
        };
        let Some(kind) = kind else {
            let names: Vec<_> = RoleKind::ALL.iter().map(|k| k.name()).collect();
            self.error(
                Diagnostic::error(
                    codes::BAD_DECLARATION,
                    "unknown role kind",
                    kind_span,
                    "not a role kind",
                )
                .with_note(format!("The kind must be one of: {}.", names.join(", "))),
            )?;
            unreachable!()
        };
        let min = args.get(2).map(|a| self.count(a)).transpose()?;
        let max = args.get(3).map(|a| self.count(a)).transpose()?;
        Ok(RoleDecl {
            role,
            kind,
            kind_span,
            min,
            max,
            span,
        })
    }

    fn count(&mut self, e: &Expr<'_>) -> Lowered<Count> {
        let span = self.espan(e);
        if let ExprKind::Int(text) = e.kind
            && let Ok(value) = text.parse::<u32>()
        {
            return Ok(Count { value, span });
        }
        self.error(Diagnostic::error(
            codes::BAD_DECLARATION,
            "a peer count must be a whole number",
            span,
            "expected a number like `1` or `5`",
        ))?;
        unreachable!()
    }

    fn constraint_decl(&mut self, raw: RawConstraint<'_>) -> Lowered<ConstraintDecl> {
        let (name, name_start, name_end) = raw.name;
        let empty_parens = matches!(&raw.params, Some(p) if p.is_empty());
        let params = raw
            .params
            .unwrap_or_default()
            .into_iter()
            .map(|(mode, name, start, end)| Param {
                mode,
                name: name.to_string(),
                span: self.span(start, end),
            })
            .collect();
        let doc = match raw.doc {
            Some(text) => Some(self.unescape(text, raw.start, raw.end)?),
            None => None,
        };
        Ok(ConstraintDecl {
            name: name.to_string(),
            name_span: self.span(name_start, name_end),
            params,
            empty_parens,
            doc,
            span: self.span(raw.start, raw.end),
        })
    }

    /// `a(Role, Id)` as a role reference; `Ok(None)` if `e` has another shape.
    fn role_ref(&mut self, e: &Expr<'_>) -> Lowered<Option<RoleRef>> {
        match &e.kind {
            ExprKind::Compound { name: "a", args, .. } if args.len() == 2 => {
                let role = self.term(&args[0])?;
                let id = self.term(&args[1])?;
                Ok(Some(RoleRef {
                    role,
                    id,
                    span: self.espan(e),
                }))
            }
            _ => Ok(None),
        }
    }

    fn expect_role_ref(&mut self, e: &Expr<'_>, what: &str) -> Lowered<RoleRef> {
        if let Some(r) = self.role_ref(e)? {
            return Ok(r);
        }
        let span = self.espan(e);
        self.error(
            Diagnostic::error(
                codes::EXPECTED_STEP,
                format!("the {what} of a message must be a role `a(Role, Id)`"),
                span,
                "expected `a(Role, Id)`",
            )
            .with_note("Messages go to and come from peers in roles: `ask(X) => a(responder, R)`."),
        )?;
        unreachable!()
    }

    /// Lowers a definition (a clause body or part of one).
    pub fn def(&mut self, e: &Expr<'_>) -> Lowered<Def> {
        let span = self.espan(e);
        let kind = match &e.kind {
            ExprKind::Paren(inner) => {
                let mut def = self.def(inner)?;
                def.parens = true;
                def.span = span;
                return Ok(def);
            }
            ExprKind::Binary(op @ (BinOp::Then | BinOp::Or | BinOp::Par), a, b) => {
                let (a, b) = (self.def(a), self.def(b));
                let (a, b) = (Box::new(a?), Box::new(b?));
                match op {
                    BinOp::Then => DefKind::Then(a, b),
                    BinOp::Or => DefKind::Or(a, b),
                    _ => DefKind::Par(a, b),
                }
            }
            _ => DefKind::Step(Box::new(self.step(e)?)),
        };
        Ok(Def {
            kind,
            parens: false,
            span,
        })
    }

    fn step(&mut self, e: &Expr<'_>) -> Lowered<Step> {
        let span = self.espan(e);
        if let ExprKind::Binary(BinOp::If, lhs, rhs) = &e.kind {
            if self.is_action(lhs) {
                let kind = self.step_kind(lhs)?;
                let cond = self.cond(rhs)?;
                return Ok(Step {
                    kind,
                    guard: Some(Box::new(Guard { cond, prefix: false })),
                    span,
                });
            }
            if let ExprKind::Binary(BinOp::Receive, ..) = rhs.kind {
                let cond = self.cond(lhs)?;
                let kind = self.step_kind(rhs)?;
                return Ok(Step {
                    kind,
                    guard: Some(Box::new(Guard { cond, prefix: true })),
                    span,
                });
            }
            let lhs_span = self.espan(lhs);
            self.error(
                Diagnostic::error(
                    codes::EXPECTED_STEP,
                    "the left of `<-` must be a step: a message, `null` or a role",
                    lhs_span,
                    "this is not a step",
                )
                .with_note("Write `Step <- Constraint`, e.g. `null <- isOverLoaded()`, or OpenKnowledge's `Constraint <- Message <= a(Role, Id)`."),
            )?;
        }
        let kind = self.step_kind(e)?;
        Ok(Step {
            kind,
            guard: None,
            span,
        })
    }

    /// Whether `e` is a step without its constraint (message, `null` or role).
    fn is_action(&self, e: &Expr<'_>) -> bool {
        match &e.kind {
            ExprKind::Binary(BinOp::Send | BinOp::Receive, ..) | ExprKind::Null => true,
            ExprKind::Compound { name: "a", args, .. } => args.len() == 2,
            ExprKind::Paren(inner) => self.is_action(inner),
            _ => false,
        }
    }

    fn step_kind(&mut self, e: &Expr<'_>) -> Lowered<StepKind> {
        let span = self.espan(e);
        match &e.kind {
            ExprKind::Null => Ok(StepKind::Null { span }),
            ExprKind::Binary(BinOp::Send, m, to) => {
                let message = self.term(m);
                let to = self.expect_role_ref(to, "recipient");
                Ok(StepKind::Send {
                    message: message?,
                    to: Box::new(to?),
                })
            }
            ExprKind::Binary(BinOp::Receive, m, from) => {
                let message = self.term(m);
                let from = self.expect_role_ref(from, "sender");
                Ok(StepKind::Receive {
                    message: message?,
                    from: Box::new(from?),
                })
            }
            ExprKind::Error => Err(()),
            _ => {
                if let Some(r) = self.role_ref(e)? {
                    return Ok(StepKind::Call(Box::new(r)));
                }
                let found = describe(e);
                let mut d = Diagnostic::error(
                    codes::EXPECTED_STEP,
                    format!("expected a step, found {found}"),
                    span,
                    "not a step",
                )
                .with_note("A step is a message `M => a(Role, Id)` or `M <= a(Role, Id)`, `null`, or a role `a(Role, Id)`; any of them may take a constraint `<- C`.");
                if !matches!(e.kind, ExprKind::Binary(..) | ExprKind::Not(_)) {
                    d = d
                        .with_note("A constraint on its own is not a step: to test it, write `null <- C`.")
                        .with_fix(
                            "make it a constraint of a `null` step",
                            vec![crate::diagnostic::TextEdit {
                                span: span.shrink_to_start(),
                                replacement: "null <- ".into(),
                            }],
                        );
                }
                self.error(d)?;
                unreachable!()
            }
        }
    }

    /// Lowers a constraint.
    pub fn cond(&mut self, e: &Expr<'_>) -> Lowered<Cond> {
        let span = self.espan(e);
        let kind = match &e.kind {
            ExprKind::Paren(inner) => {
                let mut c = self.cond(inner)?;
                c.parens = true;
                c.span = span;
                return Ok(c);
            }
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
                let (a, b) = (self.cond(a), self.cond(b));
                let (a, b) = (Box::new(a?), Box::new(b?));
                if *op == BinOp::And {
                    CondKind::And(a, b)
                } else {
                    CondKind::Or(a, b)
                }
            }
            ExprKind::Not(c) => CondKind::Not(Box::new(self.cond(c)?)),
            ExprKind::Binary(BinOp::Cmp(op), a, b) => {
                let (lhs, rhs) = (self.term(a), self.term(b));
                CondKind::Compare {
                    op: *op,
                    lhs: lhs?,
                    rhs: rhs?,
                }
            }
            ExprKind::Error => return Err(()),
            ExprKind::Atom(_) | ExprKind::QuotedAtom(_) | ExprKind::Compound { .. } => CondKind::Call(self.term(e)?),
            _ => {
                let found = describe(e);
                let mut d = Diagnostic::error(
                    codes::EXPECTED_CONSTRAINT,
                    format!("expected a constraint, found {found}"),
                    span,
                    "not a constraint",
                )
                .with_note("A constraint is a call like `isOverLoaded()`, a comparison like `X > 3`, or `C1 and C2`, `(C1 or C2)`, `not C`.");
                if matches!(
                    e.kind,
                    ExprKind::Binary(BinOp::Then | BinOp::Par | BinOp::If | BinOp::Send | BinOp::Receive, ..)
                ) {
                    d = d.with_note(
                        "Steps cannot appear inside a constraint; a constraint attaches to one step with `<-`.",
                    );
                }
                self.error(d)?;
                unreachable!()
            }
        };
        Ok(Cond {
            kind,
            parens: false,
            span,
        })
    }

    /// Lowers a term.
    pub fn term(&mut self, e: &Expr<'_>) -> Lowered<Term> {
        let span = self.espan(e);
        let kind = match &e.kind {
            ExprKind::Var("_") => TermKind::Anon,
            ExprKind::Var(v) => TermKind::Var(self.names.get(v)),
            ExprKind::Atom(a) => TermKind::Atom(self.names.get(a)),
            ExprKind::QuotedAtom(q) => TermKind::Atom(self.unescape_name(q, e.start, e.end)?),
            ExprKind::Str(s) => TermKind::Str(self.unescape_name(s, e.start, e.end)?),
            ExprKind::Int(n) => self.int(n, false, span)?,
            ExprKind::Float(n) => self.float(n, false, span)?,
            ExprKind::Sign(negative, inner) => match &inner.kind {
                ExprKind::Int(n) => self.int(n, *negative, span)?,
                ExprKind::Float(n) => self.float(n, *negative, span)?,
                _ => {
                    let arg = self.term(inner)?;
                    let functor = if *negative { "-" } else { "+" };
                    TermKind::Compound {
                        functor: self.names.get(functor),
                        args: ThinVec::from([arg]),
                    }
                }
            },
            ExprKind::Compound { name, args, .. } => {
                let functor = if name.starts_with('\'') {
                    self.unescape_name(name, e.start, e.end)?
                } else {
                    self.names.get(name)
                };
                TermKind::Compound {
                    functor,
                    args: self.terms(args)?,
                }
            }
            ExprKind::List(items, tail) => {
                let items = self.terms(items);
                let tail = tail.as_ref().map(|t| self.term(t)).transpose();
                TermKind::List {
                    items: items?,
                    tail: tail?.map(Box::new),
                }
            }
            ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod), a, b) => {
                let (a, b) = (self.term(a), self.term(b));
                let functor = match op {
                    BinOp::Add => "+",
                    BinOp::Sub => "-",
                    BinOp::Mul => "*",
                    BinOp::Div => "/",
                    _ => "mod",
                };
                TermKind::Compound {
                    functor: self.names.get(functor),
                    args: ThinVec::from([a?, b?]),
                }
            }
            ExprKind::Paren(inner) => {
                let mut t = self.term(inner)?;
                t.span = span;
                return Ok(t);
            }
            ExprKind::Error => return Err(()),
            ExprKind::Null => {
                self.error(
                    Diagnostic::error(
                        codes::EXPECTED_TERM,
                        "`null` is a step, not a term",
                        span,
                        "`null` cannot be used here",
                    )
                    .with_note("To send or compare the atom null, quote it: `'null'`."),
                )?;
                unreachable!()
            }
            _ => {
                let found = describe(e);
                self.error(
                    Diagnostic::error(codes::EXPECTED_TERM, format!("expected a term, found {found}"), span, "not a term")
                        .with_note("Terms are variables, atoms, numbers, strings, compounds `f(X, Y)`, lists `[H | T]` and arithmetic `X + 1`."),
                )?;
                unreachable!()
            }
        };
        Ok(Term { kind, span })
    }

    /// Lowers every expression of `es` (reporting each ill-formed one) into a term list.
    fn terms(&mut self, es: &[Expr<'_>]) -> Lowered<ThinVec<Term>> {
        let mut terms = ThinVec::with_capacity(es.len());
        let mut failed = false;
        for e in es {
            match self.term(e) {
                Ok(t) => terms.push(t),
                Err(()) => failed = true,
            }
        }
        if failed { Err(()) } else { Ok(terms) }
    }

    fn int(&mut self, text: &str, negative: bool, span: Span) -> Lowered<TermKind> {
        let digits = if negative { format!("-{text}") } else { text.to_string() };
        match digits.parse::<i64>() {
            Ok(n) => Ok(TermKind::Int(n)),
            Err(_) => {
                self.error(
                    Diagnostic::error(codes::INVALID_LITERAL, "this integer does not fit in 64 bits", span, "too large")
                        .with_note("Integers range from -9223372036854775808 to 9223372036854775807; write a float (`1.0e30`) for larger magnitudes."),
                )?;
                unreachable!()
            }
        }
    }

    fn float(&mut self, text: &str, negative: bool, span: Span) -> Lowered<TermKind> {
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(TermKind::Float(if negative { -f } else { f })),
            _ => {
                self.error(Diagnostic::error(
                    codes::INVALID_LITERAL,
                    "this float is out of range",
                    span,
                    "too large",
                ))?;
                unreachable!()
            }
        }
    }

    /// The shared name for a quoted token (string or quoted atom) written at
    /// `start..end`, unescaped.
    fn unescape_name(&mut self, quoted: &str, start: usize, end: usize) -> Lowered<Name> {
        let text = self.unescape(quoted, start, end)?;
        Ok(self.names.get(&text))
    }

    /// Unescapes a quoted token (string or quoted atom) written at `start..end`.
    fn unescape(&mut self, quoted: &str, start: usize, end: usize) -> Lowered<String> {
        match unescape(quoted) {
            Ok(s) => Ok(s),
            Err((offset, len)) => {
                let at = self.span(start + offset, (start + offset + len).min(end));
                self.error(
                    Diagnostic::error(
                        codes::INVALID_LITERAL,
                        "unknown escape sequence",
                        at,
                        "not a valid escape",
                    )
                    .with_note("Valid escapes are \\n \\t \\r \\0 \\\\ \\' \\\" and \\u{1F600}."),
                )?;
                unreachable!()
            }
        }
    }
}

/// Unescapes the body of a `"..."` or `'...'` token (quotes included in `quoted`).
/// On a bad escape returns its byte offset and length within `quoted`.
pub(crate) fn unescape(quoted: &str) -> Result<String, (usize, usize)> {
    let quote = quoted.as_bytes()[0] as char;
    let body = &quoted[1..quoted.len() - 1];
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            // `''` inside a quoted atom stands for one quote.
            chars.next();
            out.push(quote);
            continue;
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return Err((i + 1, 1));
        };
        match e {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            '\\' | '\'' | '"' => out.push(e),
            'u' => {
                let rest = &body[i + 2..];
                let close = rest.find('}').filter(|_| rest.starts_with('{'));
                let Some(close) = close else {
                    return Err((i + 1, 2));
                };
                let code = u32::from_str_radix(&rest[1..close], 16).ok().and_then(char::from_u32);
                let Some(ch) = code else {
                    return Err((i + 1, close + 3));
                };
                out.push(ch);
                for _ in 0..=close {
                    chars.next();
                }
            }
            _ => return Err((i + 1, 1 + e.len_utf8())),
        }
    }
    Ok(out)
}

/// How an expression reads in a diagnostic ("a comparison", "the atom `foo`", ...).
fn describe(e: &Expr<'_>) -> String {
    match &e.kind {
        ExprKind::Binary(op, ..) => match op {
            BinOp::Or => "an `or` choice".into(),
            BinOp::Par => "a `par` composition".into(),
            BinOp::Then => "a `then` sequence".into(),
            BinOp::If => "a guarded step `... <- ...`".into(),
            BinOp::And => "an `and` constraint".into(),
            BinOp::Send => "a send `... => ...`".into(),
            BinOp::Receive => "a receive `... <= ...`".into(),
            BinOp::Cmp(op) => format!("a comparison `{}`", op.symbol()),
            _ => "an arithmetic expression".into(),
        },
        ExprKind::Not(_) => "a `not` constraint".into(),
        ExprKind::Sign(..) => "a signed expression".into(),
        ExprKind::Paren(inner) => describe(inner),
        ExprKind::Null => "`null`".into(),
        ExprKind::Atom(a) | ExprKind::QuotedAtom(a) => format!("the atom `{a}`"),
        ExprKind::Var(v) => format!("the variable `{v}`"),
        ExprKind::Int(n) | ExprKind::Float(n) => format!("the number `{n}`"),
        ExprKind::Str(_) => "a string".into(),
        ExprKind::Compound { name, args, .. } => format!("the term `{name}/{}`", args.len()),
        ExprKind::List(..) => "a list".into(),
        ExprKind::Error => "an error".into(),
    }
}
