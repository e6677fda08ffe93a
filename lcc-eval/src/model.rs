//! The compiled model: clauses indexed by role name and arity, definitions in an
//! arena, variables numbered per clause, every step and constraint with its span.
//!
//! In a lowered term, `Var(n)` is slot `n` of the enclosing clause instance; a
//! clause instance is an array of terms with one entry per slot
//! ([`Clause::vars`]), and [`instantiate`] replaces slots by those entries.

use std::collections::HashMap;

use lcc_syntax::Span;
use lcc_syntax::ast::{self, CmpOp, RoleKind};

use crate::atom::Atom;
use crate::error::{ErrorKind, EvalError};
use crate::subst::VarHasher;
use crate::term::{F64, Term, Var};

/// Index of a definition in [`Model::def_node`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DefId(pub u32);

/// Index of a clause in [`Model::clause`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClauseId(pub u32);

/// A clause `a(Role, Id) :: Body`.
#[derive(Debug, Clone)]
pub struct Clause {
    /// The role's name.
    pub name: Atom,
    /// The role term of the head (slots for variables).
    pub role: Term,
    /// The Id term of the head.
    pub id: Term,
    /// The body.
    pub body: DefId,
    /// The names of the clause's variable slots (`_` for anonymous ones).
    pub vars: Vec<String>,
    /// The span of the head `a(...)`.
    pub head_span: Span,
    /// The span of the whole clause.
    pub span: Span,
}

/// A definition node.
#[derive(Debug, Clone)]
pub enum Def {
    /// `A then B`
    Then(DefId, DefId),
    /// `A par B`
    Par(DefId, DefId),
    /// `A or B or ...`, flattened: committed, left-biased choice among these.
    Or(Vec<DefId>),
    /// A step.
    Step(Step),
}

/// A step with its optional constraint.
#[derive(Debug, Clone)]
pub struct Step {
    /// What the step does.
    pub kind: StepKind,
    /// The constraint, if any.
    pub guard: Option<Cond>,
    /// The span of the whole step.
    pub span: Span,
}

/// A role reference `a(Role, Id)` in a step.
#[derive(Debug, Clone)]
pub struct RoleRef {
    /// The role term.
    pub role: Term,
    /// The Id term.
    pub id: Term,
    /// The span of `a(...)`.
    pub span: Span,
}

/// What a step does.
#[derive(Debug, Clone)]
pub enum StepKind {
    /// `M => a(R, Id)`
    Send {
        /// The message.
        message: Term,
        /// The recipient.
        to: RoleRef,
    },
    /// `M <= a(R, Id)`
    Receive {
        /// The message pattern.
        message: Term,
        /// The sender.
        from: RoleRef,
    },
    /// `null`
    Null,
    /// `a(R, Id)`: call, or in tail position become, role R.
    Call(RoleRef),
}

/// A constraint expression.
#[derive(Debug, Clone)]
pub struct Cond {
    /// Its shape.
    pub kind: CondKind,
    /// Where it is written.
    pub span: Span,
}

/// The shapes of a constraint.
#[derive(Debug, Clone)]
pub enum CondKind {
    /// `C1 and C2`
    And(Box<Cond>, Box<Cond>),
    /// `C1 or C2`
    Or(Box<Cond>, Box<Cond>),
    /// `not C` (negation as failure)
    Not(Box<Cond>),
    /// `T1 op T2`
    Compare(CmpOp, Term, Term),
    /// A call `name(args...)` (a built-in or a provider's constraint).
    Call(Term),
}

/// A role declaration `r(Role, Kind [, Min [, Max]])`.
#[derive(Debug, Clone)]
pub struct RoleDecl {
    /// The role's name.
    pub name: Atom,
    /// The role term's arity.
    pub arity: usize,
    /// The kind.
    pub kind: RoleKind,
    /// Minimum number of peers.
    pub min: Option<u32>,
    /// Maximum number of peers.
    pub max: Option<u32>,
    /// Where it is declared.
    pub span: Span,
}

/// A compiled LCC model.
#[derive(Debug, Clone, Default)]
pub struct Model {
    clauses: Vec<Clause>,
    defs: Vec<Def>,
    def_spans: Vec<Span>,
    index: HashMap<(Atom, usize), Vec<ClauseId>, VarHasher>,
    decls: Vec<RoleDecl>,
}

impl Model {
    /// Compiles a parsed model. Fails with every clause whose head has no role name
    /// and every role called by name/arity that no clause defines.
    pub fn lower(ast: &ast::Model) -> Result<Model, Vec<EvalError>> {
        let mut model = Model::default();
        let mut errors = Vec::new();
        for decl in ast.role_decls() {
            if let Some((name, arity)) = decl.role.name_arity() {
                model.decls.push(RoleDecl {
                    name: Atom::new(name),
                    arity,
                    kind: decl.kind,
                    min: decl.min.map(|c| c.value),
                    max: decl.max.map(|c| c.value),
                    span: decl.span,
                });
            }
        }
        for clause in ast.clauses() {
            let Some((name, arity)) = clause.head.name_arity() else {
                errors.push(EvalError::new(
                    ErrorKind::UnknownRole,
                    "a clause head needs a role name: `a(name, Id)` or `a(name(Args), Id)`",
                    Some(clause.head.role.span),
                ));
                continue;
            };
            let mut slots = Slots::default();
            let role = slots.term(&clause.head.role);
            let id = slots.term(&clause.head.id);
            let body = model.def(&clause.body, &mut slots);
            let id_ = ClauseId(model.clauses.len() as u32);
            model.index.entry((Atom::new(name), arity)).or_default().push(id_);
            model.clauses.push(Clause {
                name: Atom::new(name),
                role,
                id,
                body,
                vars: slots.names,
                head_span: clause.head.span,
                span: clause.span,
            });
        }
        for def in &model.defs {
            if let Def::Step(Step {
                kind: StepKind::Call(to),
                ..
            }) = def
                && let Some((name, arity)) = to.role.name_arity()
                && !model.index.contains_key(&(name, arity))
            {
                errors.push(EvalError::new(
                    ErrorKind::UnknownRole,
                    format!("no clause defines the role `{name}/{arity}` called here"),
                    Some(to.span),
                ));
            }
        }
        if errors.is_empty() { Ok(model) } else { Err(errors) }
    }

    fn push(&mut self, def: Def, span: Span) -> DefId {
        self.defs.push(def);
        self.def_spans.push(span);
        DefId(self.defs.len() as u32 - 1)
    }

    fn def(&mut self, def: &ast::Def, slots: &mut Slots) -> DefId {
        match &def.kind {
            ast::DefKind::Then(a, b) => {
                let (a, b) = (self.def(a, slots), self.def(b, slots));
                self.push(Def::Then(a, b), def.span)
            }
            ast::DefKind::Par(a, b) => {
                let (a, b) = (self.def(a, slots), self.def(b, slots));
                self.push(Def::Par(a, b), def.span)
            }
            ast::DefKind::Or(..) => {
                let mut alternatives = Vec::new();
                self.alternatives(def, slots, &mut alternatives);
                self.push(Def::Or(alternatives), def.span)
            }
            ast::DefKind::Step(step) => {
                let kind = match &step.kind {
                    ast::StepKind::Send { message, to } => StepKind::Send {
                        message: slots.term(message),
                        to: slots.role_ref(to),
                    },
                    ast::StepKind::Receive { message, from } => StepKind::Receive {
                        message: slots.term(message),
                        from: slots.role_ref(from),
                    },
                    ast::StepKind::Null { .. } => StepKind::Null,
                    ast::StepKind::Call(to) => StepKind::Call(slots.role_ref(to)),
                };
                let guard = step.guard.as_ref().map(|g| slots.cond(&g.cond));
                self.push(
                    Def::Step(Step {
                        kind,
                        guard,
                        span: step.span,
                    }),
                    def.span,
                )
            }
        }
    }

    fn alternatives(&mut self, def: &ast::Def, slots: &mut Slots, out: &mut Vec<DefId>) {
        match &def.kind {
            ast::DefKind::Or(a, b) => {
                self.alternatives(a, slots, out);
                self.alternatives(b, slots, out);
            }
            _ => out.push(self.def(def, slots)),
        }
    }

    /// The clause `id`.
    pub fn clause(&self, id: ClauseId) -> &Clause {
        &self.clauses[id.0 as usize]
    }

    /// Every clause, in source order.
    pub fn clauses(&self) -> impl Iterator<Item = (ClauseId, &Clause)> {
        self.clauses.iter().enumerate().map(|(i, c)| (ClauseId(i as u32), c))
    }

    /// The clauses for role `name/arity`, in source order.
    pub fn clauses_for(&self, name: Atom, arity: usize) -> &[ClauseId] {
        self.index.get(&(name, arity)).map_or(&[], |ids| ids.as_slice())
    }

    /// The definition `id`.
    pub fn def_node(&self, id: DefId) -> &Def {
        &self.defs[id.0 as usize]
    }

    /// The span of definition `id` (parentheses included).
    pub fn def_span(&self, id: DefId) -> Span {
        self.def_spans[id.0 as usize]
    }

    /// The step at `id`, if that definition is a step.
    pub fn step(&self, id: DefId) -> Option<&Step> {
        match self.def_node(id) {
            Def::Step(step) => Some(step),
            _ => None,
        }
    }

    /// The role declarations, in source order.
    pub fn role_decls(&self) -> &[RoleDecl] {
        &self.decls
    }

    /// Every step in the model, with its id (for coverage and dead-step reports).
    pub fn steps(&self) -> impl Iterator<Item = (DefId, &Step)> {
        self.defs.iter().enumerate().filter_map(|(i, d)| match d {
            Def::Step(s) => Some((DefId(i as u32), s)),
            _ => None,
        })
    }
}

impl Model {
    /// Every constraint call (with a name written in the model) that `providers`
    /// and the language's own `peers/2` cannot answer: unknown names and wrong
    /// arities, each with its span. Run before a run to fail early.
    pub fn check_constraints(&self, providers: &crate::constraint::Providers) -> Vec<EvalError> {
        let mut errors = Vec::new();
        let mut visit = |cond: &Cond| {
            let mut stack = vec![cond];
            while let Some(c) = stack.pop() {
                match &c.kind {
                    CondKind::And(a, b) | CondKind::Or(a, b) => {
                        stack.push(b);
                        stack.push(a);
                    }
                    CondKind::Not(a) => stack.push(a),
                    CondKind::Compare(..) => {}
                    CondKind::Call(t) => {
                        let Some((name, arity)) = t.name_arity() else {
                            continue;
                        };
                        if crate::builtins::is_language_builtin(name, arity) || providers.get(name, arity).is_some() {
                            continue;
                        }
                        let arities = providers.arities(name);
                        errors.push(if arities.is_empty() {
                            EvalError::new(
                                ErrorKind::UnknownConstraint,
                                format!("no provider defines the constraint `{name}`"),
                                Some(c.span),
                            )
                        } else {
                            let list: Vec<String> = arities.iter().map(|a| a.to_string()).collect();
                            EvalError::new(
                                ErrorKind::ConstraintArity,
                                format!("`{name}` takes {} argument(s), not {arity}", list.join(" or ")),
                                Some(c.span),
                            )
                        });
                    }
                }
            }
        };
        for (_, step) in self.steps() {
            if let Some(guard) = &step.guard {
                visit(guard);
            }
        }
        errors
    }
}

/// Replaces the slots of a lowered term by the clause instance's entries.
pub fn instantiate(term: &Term, env: &[Term]) -> Term {
    term.map_vars(&mut |v| env[v.0 as usize].clone())
}

/// Numbers a clause's variables: one slot per distinct name, one per `_`.
#[derive(Default)]
struct Slots {
    names: Vec<String>,
    by_name: HashMap<String, u32>,
}

impl Slots {
    fn fresh(&mut self, name: &str) -> Term {
        self.names.push(name.to_string());
        Term::Var(Var(self.names.len() as u32 - 1))
    }

    fn term(&mut self, t: &ast::Term) -> Term {
        match &t.kind {
            ast::TermKind::Var(name) => match self.by_name.get(name.as_str()) {
                Some(&slot) => Term::Var(Var(slot)),
                None => {
                    let v = self.fresh(name);
                    self.by_name.insert(name.to_string(), self.names.len() as u32 - 1);
                    v
                }
            },
            ast::TermKind::Anon => self.fresh("_"),
            ast::TermKind::Atom(a) => Term::atom(a),
            ast::TermKind::Int(n) => Term::Int(*n),
            ast::TermKind::Float(x) => Term::Float(F64(*x)),
            ast::TermKind::Str(s) => Term::string(s),
            ast::TermKind::Compound { functor, args } => {
                Term::app(functor, args.iter().map(|a| self.term(a)).collect())
            }
            ast::TermKind::List { items, tail } => {
                let items: Vec<Term> = items.iter().map(|a| self.term(a)).collect();
                let tail = tail.as_ref().map_or(Term::nil(), |t| self.term(t));
                Term::list_with_tail(items, tail)
            }
        }
    }

    fn role_ref(&mut self, r: &ast::RoleRef) -> RoleRef {
        RoleRef {
            role: self.term(&r.role),
            id: self.term(&r.id),
            span: r.span,
        }
    }

    fn cond(&mut self, c: &ast::Cond) -> Cond {
        let kind = match &c.kind {
            ast::CondKind::And(a, b) => CondKind::And(Box::new(self.cond(a)), Box::new(self.cond(b))),
            ast::CondKind::Or(a, b) => CondKind::Or(Box::new(self.cond(a)), Box::new(self.cond(b))),
            ast::CondKind::Not(a) => CondKind::Not(Box::new(self.cond(a))),
            ast::CondKind::Compare { op, lhs, rhs } => CondKind::Compare(*op, self.term(lhs), self.term(rhs)),
            ast::CondKind::Call(t) => CondKind::Call(self.term(t)),
        };
        Cond { kind, span: c.span }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lcc_syntax::FileId;

    #[test]
    fn lowers_clauses_with_slots_and_flattened_alternatives() {
        let parsed = lcc_syntax::parse(
            FileId(0),
            "a(r(X), I) :: (null <- c(X)) or (m(X, _) => a(s, J)) or a(r(X), I)\na(s, J) :: m(A, _) <= a(r, K)",
        );
        assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
        let model = Model::lower(&parsed.model).unwrap();
        let r = model.clauses_for(Atom::new("r"), 1)[0];
        let clause = model.clause(r);
        assert_eq!(clause.vars, vec!["X", "I", "_", "J"]);
        match model.def_node(clause.body) {
            Def::Or(alts) => assert_eq!(alts.len(), 3),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn calling_an_undefined_role_is_an_error_with_its_span() {
        let parsed = lcc_syntax::parse(FileId(0), "a(r, I) :: a(nosuch(1), I)");
        let errors = Model::lower(&parsed.model).unwrap_err();
        assert_eq!(errors[0].kind, ErrorKind::UnknownRole);
        assert_eq!(errors[0].span.unwrap().start, 11);
    }
}
