//! Constraints scripted as Prolog-style facts and rules, read from a file:
//!
//! ```text
//! % comments start with % or //
//! capacity(p1, 10).
//! canHost(Peer, Need) :- capacity(Peer, C), C >= Need.
//! busy(P) :- not idle(P), member(P, [p1, p2]).
//! ```
//!
//! Clauses end with `.`; `:-` (or `<-`) separates a rule's head from its body, a
//! conjunction written with `,` (or `and`). Goals are calls, negation as failure
//! `not G` (or `\+ G`), the LCC comparisons (`=`, `\=`, `==`, `!=`, `<`, `>`,
//! `=<`, `>=`, `is`), parenthesised disjunctions `(G1 ; G2)` (or `(G1 or G2)`),
//! if-then-else `( C -> T ; E )` (and `( C -> T )`), and the cut `!`, as in Prolog. Rules may call the
//! list built-ins. Every predicate becomes a [`Constraint`] whose solutions are all
//! the answers SLD resolution finds (with the interpreter's unifier), in order,
//! within a depth limit: runaway recursion is an error naming the rule's
//! `file:line:col`, and so is a syntax error.
//!
//! A predicate `name/N+1` also answers calls of `name/N` (when the file does not
//! define `name/N` itself) with the **calling peer's Id** as its first argument:
//! `load(pm1, 95).` scripts the constraint `load(L)` differently for each peer.

use std::collections::HashMap;
use std::sync::Arc;

use lcc_syntax::ast::{CmpOp, Mode};
use lcc_syntax::signatures::{Origin, Signature};
use lcc_syntax::token::{Token, lex};
use lcc_syntax::{FileId, LineIndex, Span};

use crate::atom::Atom;
use crate::builtins;
use crate::constraint::{Answer, Call, Constraint, Providers};
use crate::error::{ErrorKind, EvalError};
use crate::subst::Subst;
use crate::term::{F64, Term, Var};

/// A goal in a rule body (variables are the rule's slots).
#[derive(Debug, Clone)]
enum Goal {
    Call(Term, Span),
    Not(Vec<Goal>),
    Or(Vec<Goal>, Vec<Goal>),
    /// `( If -> Then ; Else )`: the first solution of `If`, then `Then`; `Else`
    /// if `If` has none.
    IfThenElse(Vec<Goal>, Vec<Goal>, Vec<Goal>),
    /// `!`: commits to the clause and to the choices made in its body so far.
    Cut,
    Compare(CmpOp, Term, Term, Span),
}

/// A fact (empty body) or rule.
#[derive(Debug, Clone)]
struct Rule {
    head: Term,
    body: Vec<Goal>,
    vars: u32,
    span: Span,
}

/// A parsed facts file: its predicates and how deep resolution may go.
#[derive(Debug, Clone)]
pub struct Facts {
    path: String,
    text: Arc<str>,
    rules: HashMap<(Atom, usize), Vec<Rule>>,
    order: Vec<(Atom, usize)>,
    max_depth: usize,
    max_inferences: usize,
    builtins: Providers,
}

impl Facts {
    /// Parses `text` (named `path`, spans in `file`). A syntax error is an
    /// [`ErrorKind::FactsSyntax`] error whose message starts with `path:line:col`.
    pub fn parse(file: FileId, path: &str, text: &str) -> Result<Facts, EvalError> {
        let mut parser = Parser::new(file, path, text)?;
        let mut facts = Facts {
            path: path.to_string(),
            text: Arc::from(text),
            rules: HashMap::new(),
            order: Vec::new(),
            max_depth: 1000,
            max_inferences: 1_000_000,
            builtins: Providers::with_builtins(),
        };
        while !parser.at_end() {
            let rule = parser.clause()?;
            let key = rule.head.name_arity().expect("a head is an atom or compound");
            if !facts.rules.contains_key(&key) {
                facts.order.push(key);
            }
            facts.rules.entry(key).or_default().push(rule);
        }
        Ok(facts)
    }

    /// Sets the depth limit of resolution (default 1000 nested rule calls).
    pub fn with_max_depth(mut self, depth: usize) -> Facts {
        self.max_depth = depth;
        self
    }

    /// The predicates defined, in order of first definition: (name, arity).
    pub fn predicates(&self) -> &[(Atom, usize)] {
        &self.order
    }

    /// Registers one constraint per predicate in `providers` (replacing any with
    /// the same name and arity), plus `name/N` for each `name/N+1` the file does
    /// not define at arity N (answered with the caller's Id first).
    pub fn register(self, providers: &mut Providers) {
        let facts = Arc::new(self);
        for &(name, arity) in &facts.order {
            let first_span = facts.rules[&(name, arity)][0].span;
            let mut shapes = vec![(arity, false)];
            if arity > 0 && !facts.rules.contains_key(&(name, arity - 1)) {
                shapes.push((arity - 1, true));
            }
            for (called_arity, with_peer) in shapes {
                let signature = Signature {
                    name: name.name().to_string(),
                    params: (0..called_arity).map(|i| (Mode::Any, format!("A{}", i + 1))).collect(),
                    doc: Some(format!(
                        "Defined in {}{}.",
                        facts.location(first_span),
                        if with_peer { ", with the caller's Id first" } else { "" }
                    )),
                    origin: Origin::Library(facts.path.clone()),
                    span: first_span,
                };
                providers.add(Arc::new(Predicate {
                    facts: facts.clone(),
                    name,
                    signature,
                    with_peer,
                }));
            }
        }
    }

    fn location(&self, span: Span) -> String {
        let at = LineIndex::new(&self.text).line_col(&self.text, span.start as usize);
        format!("{}:{}:{}", self.path, at.line, at.column)
    }

    /// Every solution of `name(args)`, as argument tuples.
    fn query(&self, name: Atom, args: &[Term]) -> Result<Vec<Vec<Term>>, String> {
        let goal = Term::compound(name, args.to_vec());
        let mut solver = Solver {
            facts: self,
            next_var: goal.var_bound(),
            inferences: 0,
        };
        let mut solutions = Vec::new();
        let goals = vec![Pending {
            goal: Goal::Call(goal, Span::default()),
            offset: 0,
            depth: 0,
            barrier: 0,
        }];
        solver.solve(goals, Subst::new(), &mut |s| {
            solutions.push(args.iter().map(|a| s.resolve(a)).collect());
            true
        })?;
        Ok(solutions)
    }
}

/// One predicate of a facts file, as a constraint.
struct Predicate {
    facts: Arc<Facts>,
    name: Atom,
    signature: Signature,
    /// Whether the caller's Id is passed as an extra first argument.
    with_peer: bool,
}

impl Constraint for Predicate {
    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn call(&self, call: &Call<'_>) -> Answer {
        let answer = if self.with_peer {
            let mut args = vec![Term::Atom(call.peer)];
            args.extend_from_slice(call.args);
            self.facts
                .query(self.name, &args)
                .map(|sols| sols.into_iter().map(|mut s| s.split_off(1)).collect::<Vec<_>>())
        } else {
            self.facts.query(self.name, call.args)
        };
        match answer {
            Ok(solutions) if solutions.is_empty() => Answer::Failed,
            Ok(solutions) => Answer::Succeeded(solutions),
            Err(message) => Answer::Error(message),
        }
    }
}

struct Solver<'f> {
    facts: &'f Facts,
    next_var: u32,
    inferences: usize,
}

fn shift(t: &Term, offset: u32) -> Term {
    t.map_vars(&mut |v| Term::Var(Var(v.0 + offset)))
}

/// A goal still to prove, in the clause instance it belongs to.
#[derive(Clone)]
struct Pending {
    goal: Goal,
    /// The instance's first variable.
    offset: u32,
    /// How many rule calls enclose it.
    depth: usize,
    /// The height of the branch stack when its clause was called: a cut drops
    /// every branch above it (the clause's alternatives and its body's choices).
    barrier: usize,
}

impl Pending {
    /// The goals of a body, in the order the solver pops them (last first).
    fn body(goals: &[Goal], offset: u32, depth: usize, barrier: usize) -> impl Iterator<Item = Pending> + '_ {
        goals.iter().rev().map(move |goal| Pending {
            goal: goal.clone(),
            offset,
            depth,
            barrier,
        })
    }
}

/// A branch still to explore: goals left (the last is next) and the bindings so far.
struct Branch {
    goals: Vec<Pending>,
    s: Subst,
}

impl Solver<'_> {
    /// Proves `goals` depth-first, left to right (Prolog order) without recursion
    /// on the Rust stack, calling `found` per solution; returns false once
    /// `found` asks to stop.
    fn solve(&mut self, goals: Vec<Pending>, s: Subst, found: &mut dyn FnMut(&Subst) -> bool) -> Result<bool, String> {
        let mut todo = vec![Branch { goals, s }];
        while let Some(Branch { mut goals, s }) = todo.pop() {
            let Some(Pending {
                goal,
                offset,
                depth,
                barrier,
            }) = goals.pop()
            else {
                if !found(&s) {
                    return Ok(false);
                }
                continue;
            };
            self.inferences += 1;
            if self.inferences > self.facts.max_inferences {
                return Err(format!(
                    "{}: more than {} inferences: the rules do not terminate",
                    self.facts.path, self.facts.max_inferences
                ));
            }
            match goal {
                Goal::Compare(op, l, r, span) => {
                    let (l, r) = (s.resolve(&shift(&l, offset)), s.resolve(&shift(&r, offset)));
                    let at = |e: String| format!("{} (at {})", e, self.facts.location(span));
                    let mut s2 = s.clone();
                    let holds = match op {
                        CmpOp::Unify => s2.unify(&l, &r),
                        CmpOp::NotUnify => !s.clone().unify(&l, &r),
                        CmpOp::Eq => l == r,
                        CmpOp::NotEq => l != r,
                        CmpOp::Is => s2.unify(&l, &builtins::eval(&r).map_err(at)?.to_term()),
                        _ => builtins::compare(op, &l, &r).map_err(at)?,
                    };
                    if holds {
                        todo.push(Branch { goals, s: s2 });
                    }
                }
                Goal::Not(inner) => {
                    if self.first_solution(&inner, offset, depth, &s)?.is_none() {
                        todo.push(Branch { goals, s });
                    }
                }
                Goal::Or(a, b) => {
                    // A cut in either branch cuts the enclosing clause (same barrier).
                    for branch in [b, a] {
                        let mut next = goals.clone();
                        next.extend(Pending::body(&branch, offset, depth, barrier));
                        todo.push(Branch {
                            goals: next,
                            s: s.clone(),
                        });
                    }
                }
                Goal::IfThenElse(cond, then, otherwise) => {
                    let (branch, s) = match self.first_solution(&cond, offset, depth, &s)? {
                        Some(found) => (then, found),
                        None => (otherwise, s),
                    };
                    goals.extend(Pending::body(&branch, offset, depth, barrier));
                    todo.push(Branch { goals, s });
                }
                Goal::Cut => {
                    todo.truncate(barrier);
                    todo.push(Branch { goals, s });
                }
                Goal::Call(t, span) => {
                    let call = s.resolve(&shift(&t, offset));
                    let Some((name, arity)) = call.name_arity() else {
                        return Err(format!("`{call}` is not a goal (at {})", self.facts.location(span)));
                    };
                    let branches = if let Some(rules) = self.facts.rules.get(&(name, arity)) {
                        if depth >= self.facts.max_depth {
                            return Err(format!(
                                "runaway recursion: `{call}` is nested deeper than {} rule calls (rule at {})",
                                self.facts.max_depth,
                                self.facts.location(rules[0].span)
                            ));
                        }
                        let mut out = Vec::new();
                        let barrier = todo.len();
                        for rule in rules {
                            let base = self.next_var;
                            self.next_var += rule.vars;
                            let mut s2 = s.clone();
                            if s2.unify(&shift(&rule.head, base), &call) {
                                let mut next = goals.clone();
                                next.extend(Pending::body(&rule.body, base, depth + 1, barrier));
                                out.push(Branch { goals: next, s: s2 });
                            }
                        }
                        out
                    } else {
                        self.builtin(&call, name, arity, span, &goals, &s)?
                    };
                    todo.extend(branches.into_iter().rev());
                }
            }
        }
        Ok(true)
    }

    /// The bindings of the first solution of `goals` (a conjunction in the
    /// instance at `offset`), if there is one. A cut inside stays local.
    fn first_solution(
        &mut self,
        goals: &[Goal],
        offset: u32,
        depth: usize,
        s: &Subst,
    ) -> Result<Option<Subst>, String> {
        let mut first = None;
        self.solve(
            Pending::body(goals, offset, depth, 0).collect(),
            s.clone(),
            &mut |found| {
                first = Some(found.clone());
                false
            },
        )?;
        Ok(first)
    }

    /// The branches a built-in list constraint opens, one per solution.
    fn builtin(
        &mut self,
        call: &Term,
        name: Atom,
        arity: usize,
        span: Span,
        goals: &[Pending],
        s: &Subst,
    ) -> Result<Vec<Branch>, String> {
        let Some(builtin) = self.facts.builtins.get(name, arity) else {
            return Err(format!(
                "unknown predicate `{name}/{arity}` (at {})",
                self.facts.location(span)
            ));
        };
        let answer = builtin.call(&Call {
            args: call.args(),
            peer: Atom::NIL,
            role: Atom::NIL,
        });
        let solutions = match answer {
            Answer::Succeeded(sols) => sols,
            Answer::Failed => Vec::new(),
            Answer::Error(e) => return Err(format!("{e} (at {})", self.facts.location(span))),
            _ => {
                return Err(format!(
                    "`{call}` gave no final answer (at {})",
                    self.facts.location(span)
                ));
            }
        };
        let mut in_call = Vec::new();
        call.visit_vars(&mut |v| in_call.push(v));
        let mut out = Vec::new();
        for solution in solutions {
            let mut s2 = s.clone();
            let mut renamed = HashMap::new();
            let mut ok = true;
            for (a, v) in call.args().iter().zip(&solution) {
                let v = v.map_vars(&mut |x| {
                    if in_call.contains(&x) {
                        Term::Var(x)
                    } else {
                        renamed
                            .entry(x)
                            .or_insert_with(|| {
                                self.next_var += 1;
                                Term::Var(Var(self.next_var - 1))
                            })
                            .clone()
                    }
                });
                ok = ok && s2.unify(a, &v);
            }
            if ok {
                out.push(Branch {
                    goals: goals.to_vec(),
                    s: s2,
                });
            }
        }
        Ok(out)
    }
}

/// A recursive-descent parser over LCC's tokens.
struct Parser<'t> {
    file: FileId,
    path: String,
    text: &'t str,
    tokens: Vec<(usize, Tok<'t>, usize)>,
    pos: usize,
    vars: HashMap<String, u32>,
    var_count: u32,
}

/// Tokens: LCC's, plus the neck `:-`, the disjunction `;`, the cut `!`, the
/// arrow `->` of if-then-else and `\+` (negation as failure, like `not`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok<'t> {
    Lcc(Token<'t>),
    Neck,
    Semicolon,
    Cut,
    Arrow,
}

impl<'t> Parser<'t> {
    fn new(file: FileId, path: &str, text: &'t str) -> Result<Parser<'t>, EvalError> {
        let (tokens, errors) = lex(text);
        let mut skip: Vec<(usize, usize)> = Vec::new();
        let mut extra: Vec<(usize, Tok<'t>, usize)> = Vec::new();
        let mut this = Parser {
            file,
            path: path.to_string(),
            text,
            tokens: Vec::new(),
            pos: 0,
            vars: HashMap::new(),
            var_count: 0,
        };
        for e in errors {
            let bad = &text[e.start..e.end];
            if bad.starts_with('%') {
                let end = text[e.start..].find('\n').map_or(text.len(), |n| e.start + n);
                skip.push((e.start, end));
            } else if bad == ":" && text[e.end..].starts_with('-') {
                extra.push((e.start, Tok::Neck, e.end + 1));
                skip.push((e.end, e.end + 1));
            } else if bad == ";" {
                extra.push((e.start, Tok::Semicolon, e.end));
            } else if bad == "!" {
                extra.push((e.start, Tok::Cut, e.end));
            } else if bad == "\\" && text[e.end..].starts_with('+') {
                extra.push((e.start, Tok::Lcc(Token::Not), e.end + 1));
                skip.push((e.end, e.end + 1));
            } else if !skip.iter().any(|&(s, t)| s <= e.start && e.start < t) {
                return Err(this.error(e.start, e.end, format!("`{bad}` is not part of the facts syntax")));
            }
        }
        let mut all: Vec<(usize, Tok<'t>, usize)> = tokens
            .into_iter()
            .filter(|(s, t, _)| !t.is_comment() && !skip.iter().any(|&(a, b)| a <= *s && *s < b))
            .map(|(s, t, e)| (s, Tok::Lcc(t), e))
            .collect();
        all.extend(
            extra
                .into_iter()
                .filter(|(s, _, _)| !skip.iter().any(|&(a, b)| a <= *s && *s < b && *s != a)),
        );
        all.sort_by_key(|t| t.0);
        // `->` lexes as `-` then `>`, adjacent.
        let mut merged: Vec<(usize, Tok<'t>, usize)> = Vec::with_capacity(all.len());
        for (s, t, e) in all {
            match merged.last_mut() {
                Some(last) if last.1 == Tok::Lcc(Token::Minus) && last.2 == s && t == Tok::Lcc(Token::Gt) => {
                    *last = (last.0, Tok::Arrow, e);
                }
                _ => merged.push((s, t, e)),
            }
        }
        let all = merged;
        for (s, t, e) in &all {
            if let Tok::Lcc(
                Token::UnterminatedStr(_) | Token::UnterminatedQuotedAtom(_) | Token::UnterminatedComment(_),
            ) = t
            {
                return Err(this.error(*s, *e, "this string, quoted atom or comment is not closed".into()));
            }
        }
        this.tokens = all;
        Ok(this)
    }

    fn error(&self, start: usize, end: usize, message: String) -> EvalError {
        let at = LineIndex::new(self.text).line_col(self.text, start.min(self.text.len()));
        EvalError::new(
            ErrorKind::FactsSyntax,
            format!("{}:{}:{}: {message}", self.path, at.line, at.column),
            Some(Span::new(self.file, start, end)),
        )
    }

    fn at_end(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    fn peek(&self) -> Option<Tok<'t>> {
        self.tokens.get(self.pos).map(|t| t.1)
    }

    fn here(&self) -> (usize, usize) {
        match self.tokens.get(self.pos) {
            Some(&(s, _, e)) => (s, e),
            None => (self.text.len(), self.text.len()),
        }
    }

    fn unexpected(&self, expected: &str) -> EvalError {
        let (s, e) = self.here();
        let found = match self.peek() {
            Some(Tok::Lcc(t)) => t.describe(),
            Some(Tok::Neck) => "`:-`".into(),
            Some(Tok::Semicolon) => "`;`".into(),
            Some(Tok::Cut) => "`!`".into(),
            Some(Tok::Arrow) => "`->`".into(),
            None => "the end of the file".into(),
        };
        self.error(s, e, format!("expected {expected}, found {found}"))
    }

    fn eat(&mut self, t: Tok<'t>) -> bool {
        if self.peek() == Some(t) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, t: Tok<'t>, what: &str) -> Result<(), EvalError> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(self.unexpected(what))
        }
    }

    fn clause(&mut self) -> Result<Rule, EvalError> {
        self.vars.clear();
        self.var_count = 0;
        let start = self.here().0;
        let head = self.expr()?;
        if head.name_arity().is_none() || matches!(head, Term::Int(_) | Term::Float(_) | Term::Str(_)) {
            return Err(self.error(
                start,
                self.here().0,
                format!("a fact or rule head must be a name or name(args), not `{head}`"),
            ));
        }
        let mut body = Vec::new();
        if self.eat(Tok::Neck) || self.eat(Tok::Lcc(Token::If)) {
            body = self.conjunction()?;
        }
        self.expect(Tok::Lcc(Token::Dot), "`.` at the end of the clause")?;
        Ok(Rule {
            head,
            body,
            vars: self.var_count,
            span: Span::new(self.file, start, self.tokens[self.pos - 1].2),
        })
    }

    fn conjunction(&mut self) -> Result<Vec<Goal>, EvalError> {
        let mut goals = vec![self.goal()?];
        while self.eat(Tok::Lcc(Token::Comma)) || self.eat(Tok::Lcc(Token::And)) {
            goals.push(self.goal()?);
        }
        Ok(goals)
    }

    fn goal(&mut self) -> Result<Goal, EvalError> {
        let start = self.here().0;
        if self.eat(Tok::Lcc(Token::Not)) {
            return Ok(Goal::Not(vec![self.goal()?]));
        }
        if self.eat(Tok::Cut) {
            return Ok(Goal::Cut);
        }
        if self.peek() == Some(Tok::Lcc(Token::LParen)) {
            let save = self.pos;
            self.pos += 1;
            let left = self.conjunction()?;
            if matches!(self.peek(), Some(Tok::Semicolon | Tok::Arrow | Tok::Lcc(Token::Or))) {
                let goal = self.alternatives(left)?;
                self.expect(Tok::Lcc(Token::RParen), "`)`")?;
                return Ok(goal);
            }
            if self.eat(Tok::Lcc(Token::RParen)) && !self.is_cmp() {
                return Ok(match <[Goal; 1]>::try_from(left) {
                    Ok([g]) => g,
                    Err(goals) => Goal::Or(goals, vec![Goal::Call(Term::atom("fail"), Span::default())]),
                });
            }
            self.pos = save;
        }
        let lhs = self.expr()?;
        if let Some(op) = self.cmp_op() {
            self.pos += 1;
            let rhs = self.expr()?;
            let span = Span::new(self.file, start, self.tokens[self.pos - 1].2);
            return Ok(Goal::Compare(op, lhs, rhs, span));
        }
        if lhs.name_arity().is_none() {
            return Err(self.error(start, self.here().0, format!("`{lhs}` is not a goal")));
        }
        Ok(Goal::Call(
            lhs,
            Span::new(self.file, start, self.tokens[self.pos - 1].2),
        ))
    }

    /// The rest of a parenthesised `A ; B`, `C -> T` or `C -> T ; E` (any number of
    /// `;`-separated alternatives, each maybe `C -> T`) after its first conjunction.
    fn alternatives(&mut self, first: Vec<Goal>) -> Result<Goal, EvalError> {
        let mut alts = Vec::new();
        let mut conj = first;
        loop {
            let then = if self.eat(Tok::Arrow) {
                Some(self.conjunction()?)
            } else {
                None
            };
            alts.push((conj, then));
            if !(self.eat(Tok::Semicolon) || self.eat(Tok::Lcc(Token::Or))) {
                break;
            }
            conj = self.conjunction()?;
        }
        // `;` groups to the right, and `->` binds tighter than `;`.
        let fail = || vec![Goal::Call(Term::atom("fail"), Span::default())];
        let mut rest: Option<Vec<Goal>> = None;
        for (cond, then) in alts.into_iter().rev() {
            rest = Some(match (then, rest) {
                (Some(then), otherwise) => vec![Goal::IfThenElse(cond, then, otherwise.unwrap_or_else(fail))],
                (None, Some(otherwise)) => vec![Goal::Or(cond, otherwise)],
                (None, None) => cond,
            });
        }
        let mut goals = rest.expect("at least one alternative");
        Ok(match goals.len() {
            1 => goals.pop().expect("one goal"),
            _ => Goal::Or(goals, fail()),
        })
    }

    fn is_cmp(&self) -> bool {
        self.cmp_op().is_some()
    }

    fn cmp_op(&self) -> Option<CmpOp> {
        Some(match self.peek()? {
            Tok::Lcc(Token::Eq) => CmpOp::Unify,
            Tok::Lcc(Token::NotUnify) => CmpOp::NotUnify,
            Tok::Lcc(Token::EqEq) => CmpOp::Eq,
            Tok::Lcc(Token::NotEq) => CmpOp::NotEq,
            Tok::Lcc(Token::Lt) => CmpOp::Lt,
            Tok::Lcc(Token::Gt) => CmpOp::Gt,
            Tok::Lcc(Token::Le) => CmpOp::Le,
            Tok::Lcc(Token::Ge) => CmpOp::Ge,
            Tok::Lcc(Token::Is) => CmpOp::Is,
            _ => return None,
        })
    }

    fn expr(&mut self) -> Result<Term, EvalError> {
        let mut left = self.factor()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Lcc(Token::Plus)) => "+",
                Some(Tok::Lcc(Token::Minus)) => "-",
                _ => return Ok(left),
            };
            self.pos += 1;
            left = Term::app(op, vec![left, self.factor()?]);
        }
    }

    fn factor(&mut self) -> Result<Term, EvalError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Lcc(Token::Star)) => "*",
                Some(Tok::Lcc(Token::Slash)) => "/",
                Some(Tok::Lcc(Token::Mod)) => "mod",
                _ => return Ok(left),
            };
            self.pos += 1;
            left = Term::app(op, vec![left, self.unary()?]);
        }
    }

    fn unary(&mut self) -> Result<Term, EvalError> {
        if self.eat(Tok::Lcc(Token::Minus)) {
            return Ok(match self.unary()? {
                Term::Int(n) => Term::Int(-n),
                Term::Float(x) => Term::Float(F64(-x.0)),
                t => Term::app("-", vec![t]),
            });
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Term, EvalError> {
        let (start, end) = self.here();
        let Some(Tok::Lcc(token)) = self.peek() else {
            return Err(self.unexpected("a term"));
        };
        self.pos += 1;
        let name = match token {
            Token::Atom(a) => a.to_string(),
            Token::QuotedAtom(q) => {
                unquote(q).ok_or_else(|| self.error(start, end, "bad escape in quoted atom".into()))?
            }
            Token::Var("_") => {
                self.var_count += 1;
                return Ok(Term::var(self.var_count - 1));
            }
            Token::Var(v) => {
                let next = self.var_count;
                let slot = *self.vars.entry(v.to_string()).or_insert(next);
                if slot == next {
                    self.var_count += 1;
                }
                return Ok(Term::var(slot));
            }
            Token::Int(n) => {
                return n
                    .parse()
                    .map(Term::Int)
                    .map_err(|_| self.error(start, end, format!("`{n}` is too large")));
            }
            Token::Float(x) => {
                return x
                    .parse()
                    .map(|x| Term::Float(F64(x)))
                    .map_err(|_| self.error(start, end, format!("`{x}` is not a number")));
            }
            Token::Str(s) => {
                return unquote(s)
                    .map(|s| Term::string(&s))
                    .ok_or_else(|| self.error(start, end, "bad escape in string".into()));
            }
            Token::LParen => {
                let inner = self.expr()?;
                self.expect(Tok::Lcc(Token::RParen), "`)`")?;
                return Ok(inner);
            }
            Token::LBracket => {
                let mut items = Vec::new();
                if self.eat(Tok::Lcc(Token::RBracket)) {
                    return Ok(Term::nil());
                }
                loop {
                    items.push(self.expr()?);
                    if !self.eat(Tok::Lcc(Token::Comma)) {
                        break;
                    }
                }
                let tail = if self.eat(Tok::Lcc(Token::Bar)) {
                    self.expr()?
                } else {
                    Term::nil()
                };
                self.expect(Tok::Lcc(Token::RBracket), "`]`")?;
                return Ok(Term::list_with_tail(items, tail));
            }
            Token::Null => "null".to_string(),
            _ => {
                self.pos -= 1;
                return Err(self.unexpected("a term"));
            }
        };
        if self.eat(Tok::Lcc(Token::LParen)) {
            let mut args = Vec::new();
            if !self.eat(Tok::Lcc(Token::RParen)) {
                loop {
                    args.push(self.expr()?);
                    if !self.eat(Tok::Lcc(Token::Comma)) {
                        break;
                    }
                }
                self.expect(Tok::Lcc(Token::RParen), "`)` or `,`")?;
            }
            return Ok(Term::app(&name, args));
        }
        Ok(Term::atom(&name))
    }
}

/// The text of a quoted atom or string, escapes replaced; `None` on a bad escape.
fn unquote(quoted: &str) -> Option<String> {
    let quote = quoted.chars().next()?;
    let body = &quoted[1..quoted.len() - 1];
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == quote {
            chars.next();
            out.push(quote);
        } else if c == '\\' {
            match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                e @ ('\\' | '\'' | '"') => out.push(e),
                'u' => {
                    if chars.next()? != '{' {
                        return None;
                    }
                    let hex: String = chars.by_ref().take_while(|&c| c != '}').collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                }
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Parses one term in the facts syntax (e.g. a role `underloaded(10)` given on the
/// command line).
pub fn parse_term(text: &str) -> Result<Term, String> {
    let mut parser = Parser::new(FileId(u32::MAX), "<term>", text).map_err(|e| e.message)?;
    let term = parser.expr().map_err(|e| e.message)?;
    if !parser.at_end() {
        return Err(parser.unexpected("the end of the term").message);
    }
    Ok(term)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &str, goal: &str, args: Vec<Term>) -> Result<Vec<Vec<Term>>, String> {
        let facts = Facts::parse(FileId(1), "test.pl", text).map_err(|e| e.message)?;
        facts.query(Atom::new(goal), &args)
    }

    #[test]
    fn facts_and_rules_answer_in_order() {
        let kb = "% load table\nload(p1, 30). load(p2, 90).\nbusy(P) :- load(P, L), L > 50.\nfree(P) :- load(P, _), not busy(P).";
        assert_eq!(query(kb, "load", vec![Term::var(0), Term::var(1)]).unwrap().len(), 2);
        assert_eq!(
            query(kb, "busy", vec![Term::var(0)]).unwrap(),
            vec![vec![Term::atom("p2")]]
        );
        assert_eq!(
            query(kb, "free", vec![Term::var(0)]).unwrap(),
            vec![vec![Term::atom("p1")]]
        );
    }

    #[test]
    fn rules_use_builtins_arithmetic_and_disjunction() {
        let kb = "double(X, Y) :- Y is X * 2.\npick(X) :- member(X, [a, b, c]), (X = a ; X = c).";
        assert_eq!(
            query(kb, "double", vec![Term::Int(4), Term::var(0)]).unwrap(),
            vec![vec![Term::Int(4), Term::Int(8)]]
        );
        assert_eq!(
            query(kb, "pick", vec![Term::var(0)]).unwrap(),
            vec![vec![Term::atom("a")], vec![Term::atom("c")]]
        );
    }

    fn atoms(names: &[&str]) -> Vec<Vec<Term>> {
        names.iter().map(|n| vec![Term::atom(n)]).collect()
    }

    #[test]
    fn cut_commits_to_the_clause_and_its_choices_so_far() {
        let kb = "max(X, Y, X) :- X >= Y, !.\nmax(_, Y, Y).\n\
                  first(X) :- member(X, [a, b, c]), !.\n\
                  either(X) :- (X = one, ! ; X = two).\neither(three).\n\
                  outer(X) :- inner(X).\nouter(z).\ninner(x) :- !.\ninner(y).\n\
                  late(X) :- member(X, [a, b]), member(Y, [1, 2]), !, Y > 0.";
        let max = |a, b| query(kb, "max", vec![Term::Int(a), Term::Int(b), Term::var(0)]).unwrap();
        assert_eq!(max(3, 1), vec![vec![Term::Int(3), Term::Int(1), Term::Int(3)]]);
        assert_eq!(max(1, 3), vec![vec![Term::Int(1), Term::Int(3), Term::Int(3)]]);
        assert_eq!(query(kb, "first", vec![Term::var(0)]).unwrap(), atoms(&["a"]));
        // A cut inside `;` cuts the clause: `either(three)` is not tried.
        assert_eq!(query(kb, "either", vec![Term::var(0)]).unwrap(), atoms(&["one"]));
        // A cut in a called rule does not cut the caller's alternatives.
        assert_eq!(query(kb, "outer", vec![Term::var(0)]).unwrap(), atoms(&["x", "z"]));
        // Choices made before the cut are frozen, not those after it.
        assert_eq!(query(kb, "late", vec![Term::var(0)]).unwrap(), atoms(&["a"]));
    }

    #[test]
    fn if_then_else_takes_the_first_solution_of_its_condition() {
        let kb = "sign(X, S) :- ( X > 0 -> S = pos ; X < 0 -> S = neg ; S = zero ).\n\
                  pick(X) :- ( member(X, [a, b]) -> true ; X = none ).\n\
                  big(X) :- ( X > 5 -> true ).\n\
                  cut_in_then(X) :- ( true -> ! , X = 1 ; X = 2 ).\ncut_in_then(3).";
        for (n, sign) in [(4, "pos"), (-2, "neg"), (0, "zero")] {
            assert_eq!(
                query(kb, "sign", vec![Term::Int(n), Term::var(0)]).unwrap(),
                vec![vec![Term::Int(n), Term::atom(sign)]]
            );
        }
        assert_eq!(query(kb, "pick", vec![Term::var(0)]).unwrap(), atoms(&["a"]));
        assert_eq!(
            query(kb, "pick", vec![Term::atom("c")]).unwrap(),
            Vec::<Vec<Term>>::new()
        );
        // Without an else branch, a failing condition fails the goal.
        assert!(query(kb, "big", vec![Term::Int(3)]).unwrap().is_empty());
        assert_eq!(query(kb, "big", vec![Term::Int(7)]).unwrap().len(), 1);
        // A cut in the then branch cuts the clause.
        assert_eq!(
            query(kb, "cut_in_then", vec![Term::var(0)]).unwrap(),
            vec![vec![Term::Int(1)]]
        );
    }

    #[test]
    fn negation_as_failure_is_not_or_backslash_plus() {
        let kb = "load(p1, 30). load(p2, 90).\nbusy(P) :- load(P, L), L > 50.\n\
                  free(P) :- load(P, _), \\+ busy(P).\n\
                  local(X) :- member(X, [a, b]), not (member(Y, [1, 2]), !, Y > 1).";
        assert_eq!(query(kb, "free", vec![Term::var(0)]).unwrap(), atoms(&["p1"]));
        // A cut inside a negation stays inside it.
        assert_eq!(query(kb, "local", vec![Term::var(0)]).unwrap(), atoms(&["a", "b"]));
    }

    #[test]
    fn a_lone_arrow_or_cut_in_the_wrong_place_is_a_syntax_error() {
        let err = Facts::parse(FileId(1), "bad.pl", "p(X) :- X -> q.").unwrap_err();
        assert!(err.message.starts_with("bad.pl:1:"), "{}", err.message);
        let err = Facts::parse(FileId(1), "bad.pl", "p(!).").unwrap_err();
        assert!(err.message.starts_with("bad.pl:1:3:"), "{}", err.message);
    }

    #[test]
    fn runaway_recursion_is_an_error_with_the_rule_location() {
        let err = query("loop(X) :- loop(X).", "loop", vec![Term::Int(1)]).unwrap_err();
        assert!(
            err.contains("runaway recursion") && err.contains("test.pl:1:1"),
            "{err}"
        );
    }

    #[test]
    fn syntax_errors_have_file_line_col() {
        let err = Facts::parse(FileId(1), "bad.pl", "ok(1).\nbroken(1 2).").unwrap_err();
        assert_eq!(err.kind, ErrorKind::FactsSyntax);
        assert!(err.message.starts_with("bad.pl:2:10:"), "{}", err.message);
    }
}
