//! The semantic index of one file: every named thing (roles, constraints, message
//! functors, variables per clause) with the span of its name and whether it is
//! defined, declared or referenced there; the clauses with their variables and
//! where each is bound; and the marks semantic highlighting needs besides symbols.

use lcc_syntax::Signatures;
use lcc_syntax::ast::{
    Clause, CmpOp, Cond, CondKind, Def, DefKind, Item, Mode, Model, RoleRef, Step, StepKind, Term, TermKind,
};
use lcc_syntax::span::Span;

/// Something a name can denote. Roles are one namespace across the workspace
/// (keyed by name: arity is checked, not part of identity); constraints and
/// message functors are keyed by name and arity; variables by clause and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Symbol {
    /// A role, by name.
    Role(String),
    /// A constraint, by name and arity.
    Constraint(String, usize),
    /// A message functor, by name and arity.
    Message(String, usize),
    /// A variable of one clause (the clause's position among the file's clauses).
    Variable {
        /// The clause's position among the file's clauses.
        clause: usize,
        /// The variable's name.
        name: String,
    },
}

/// What an occurrence of a symbol does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OccurrenceKind {
    /// A clause head defines the role here.
    Definition,
    /// A role declaration `r(...)` or a `constraint` declaration.
    Declaration,
    /// Any other use.
    Reference,
}

/// One occurrence of a symbol's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// What the name denotes.
    pub symbol: Symbol,
    /// The name's span (the functor only, for compound terms).
    pub span: Span,
    /// Definition, declaration or reference.
    pub kind: OccurrenceKind,
    /// The arity written here (for roles, whose symbol has none).
    pub arity: usize,
}

/// Highlighting for text that is not a symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// The `a` of a role reference or the `r` of a role declaration.
    Keyword,
    /// The kind in a role declaration, e.g. `initial`.
    RoleKind,
    /// A parameter name in a `constraint` declaration.
    Parameter,
}

/// Where a variable gets its value in its clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The occurrence.
    pub span: Span,
    /// How it is bound (or used, when it is never bound), in words.
    pub how: String,
}

/// One variable of a clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableInfo {
    /// Its name.
    pub name: String,
    /// Where it is first bound, in evaluation order; `None` if nothing binds it.
    pub bound: Option<Binding>,
    /// Its first occurrence in the text.
    pub first: Binding,
    /// Whether it occurs in the clause head.
    pub in_head: bool,
}

/// One clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClauseInfo {
    /// The role's name and arity, unless the head's role is a variable.
    pub role: Option<(String, usize)>,
    /// The head `a(Role, Id)`.
    pub head: Span,
    /// The whole clause.
    pub span: Span,
    /// Names for the role's arguments (the head's variables, or `ArgN`), for snippets.
    pub params: Vec<String>,
    /// The clause's variables, in order of first occurrence.
    pub variables: Vec<VariableInfo>,
}

/// A role declaration `r(Role, Kind, ...)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDeclInfo {
    /// The role's name.
    pub name: String,
    /// The role term's arity.
    pub arity: usize,
    /// The whole declaration.
    pub span: Span,
}

/// The semantic index of one file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileIndex {
    /// Every symbol occurrence, ordered by position.
    pub occurrences: Vec<Occurrence>,
    /// Non-symbol highlighting, ordered by position.
    pub marks: Vec<(Span, Mark)>,
    /// The clauses, in source order.
    pub clauses: Vec<ClauseInfo>,
    /// The role declarations, in source order.
    pub role_decls: Vec<RoleDeclInfo>,
}

impl FileIndex {
    /// Indexes `model`, parsed from `text`; `signatures` gives constraint modes.
    pub fn build(text: &str, model: &Model, signatures: &Signatures) -> FileIndex {
        let mut builder = Builder {
            text,
            signatures,
            index: FileIndex::default(),
        };
        for item in &model.items {
            builder.item(item);
        }
        let mut index = builder.index;
        index.occurrences.sort_by_key(|o| (o.span.start, o.span.end));
        index.marks.sort_by_key(|(span, _)| span.start);
        index
    }

    /// The occurrence whose name contains `offset` (its end included, so that a
    /// cursor just after a name finds it).
    pub fn occurrence_at(&self, offset: usize) -> Option<&Occurrence> {
        let offset = offset as u32;
        let after = self.occurrences.partition_point(|o| o.span.start <= offset);
        let candidates = &self.occurrences[..after];
        // Prefer a name that strictly contains the offset over one ending at it.
        candidates
            .iter()
            .rev()
            .take(4)
            .find(|o| offset < o.span.end)
            .or_else(|| candidates.last().filter(|o| offset <= o.span.end))
    }

    /// Every occurrence of `symbol` in this file, in order.
    pub fn occurrences_of<'a>(&'a self, symbol: &'a Symbol) -> impl Iterator<Item = &'a Occurrence> {
        self.occurrences.iter().filter(move |o| &o.symbol == symbol)
    }

    /// The position of the clause containing `offset`, if any.
    pub fn clause_at(&self, offset: usize) -> Option<usize> {
        let offset = offset as u32;
        self.clauses
            .iter()
            .position(|c| c.span.start <= offset && offset <= c.span.end)
    }
}

/// The span of a compound's functor or an atom, as written.
pub fn name_span(text: &str, term: &Term) -> Span {
    let span = term.span;
    let written = text.get(span.range()).unwrap_or("");
    let len = match &term.kind {
        TermKind::Compound { .. } if written.starts_with('\'') => quoted_len(written),
        TermKind::Compound { .. } => written.find('(').unwrap_or(written.len()),
        _ => written.len(),
    };
    let name = written[..len].trim_end();
    Span {
        end: span.start + name.len() as u32,
        ..span
    }
}

/// The length of the quoted atom that starts `text` (quotes included).
fn quoted_len(text: &str) -> usize {
    let mut chars = text.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '\'' if chars.peek().map(|&(_, c)| c) == Some('\'') => {
                chars.next();
            }
            '\'' => return i + 1,
            _ => {}
        }
    }
    text.len()
}

/// One variable occurrence seen while walking a clause in evaluation order.
struct VarEvent {
    name: String,
    span: Span,
    binds: bool,
    how: String,
}

struct Builder<'a> {
    text: &'a str,
    signatures: &'a Signatures,
    index: FileIndex,
}

impl Builder<'_> {
    fn item(&mut self, item: &Item) {
        match item {
            Item::RoleDecl(decl) => {
                self.mark(decl.span.start, Mark::Keyword);
                self.index.marks.push((decl.kind_span, Mark::RoleKind));
                if let Some((name, arity)) = decl.role.name_arity() {
                    self.occurrence(
                        Symbol::Role(name.to_string()),
                        name_span(self.text, &decl.role),
                        OccurrenceKind::Declaration,
                        arity,
                    );
                    self.index.role_decls.push(RoleDeclInfo {
                        name: name.to_string(),
                        arity,
                        span: decl.span,
                    });
                }
            }
            Item::ConstraintDecl(decl) => {
                let arity = decl.params.len();
                self.occurrence(
                    Symbol::Constraint(decl.name.clone(), arity),
                    decl.name_span,
                    OccurrenceKind::Declaration,
                    arity,
                );
                for param in &decl.params {
                    let start = param.span.end.saturating_sub(param.name.len() as u32);
                    self.index.marks.push((Span { start, ..param.span }, Mark::Parameter));
                }
            }
            Item::Clause(clause) => self.clause(clause),
        }
    }

    fn clause(&mut self, clause: &Clause) {
        let position = self.index.clauses.len();
        let mut events = Vec::new();
        let head = &clause.head;
        let head_text = self.source(head.span);
        self.role_ref(head, OccurrenceKind::Definition);
        head.role.visit_vars(&mut |name, span| {
            events.push(VarEvent {
                name: name.into(),
                span,
                binds: true,
                how: format!("a parameter of the clause head `{head_text}`"),
            })
        });
        head.id.visit_vars(&mut |name, span| {
            events.push(VarEvent {
                name: name.into(),
                span,
                binds: true,
                how: format!("the peer's Id in the clause head `{head_text}`"),
            })
        });
        let head_vars: Vec<String> = events.iter().map(|e| e.name.clone()).collect();
        self.def(&clause.body, &mut events);

        let params = match &head.role.kind {
            TermKind::Compound { args, .. } => args
                .iter()
                .enumerate()
                .map(|(i, a)| a.as_var().map_or_else(|| format!("Arg{}", i + 1), str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        let mut variables: Vec<VariableInfo> = Vec::new();
        let mut by_text = events.iter().collect::<Vec<_>>();
        by_text.sort_by_key(|e| e.span.start);
        for event in by_text {
            if variables.iter().any(|v| v.name == event.name) {
                continue;
            }
            let bound = events
                .iter()
                .find(|e| e.name == event.name && e.binds)
                .map(|e| Binding {
                    span: e.span,
                    how: e.how.clone(),
                });
            variables.push(VariableInfo {
                name: event.name.clone(),
                bound,
                first: Binding {
                    span: event.span,
                    how: event.how.clone(),
                },
                in_head: head_vars.contains(&event.name),
            });
        }
        for event in &events {
            self.occurrence(
                Symbol::Variable {
                    clause: position,
                    name: event.name.clone(),
                },
                event.span,
                OccurrenceKind::Reference,
                0,
            );
        }
        self.index.clauses.push(ClauseInfo {
            role: head.name_arity().map(|(name, arity)| (name.to_string(), arity)),
            head: head.span,
            span: clause.span,
            params,
            variables,
        });
    }

    fn def(&mut self, def: &Def, events: &mut Vec<VarEvent>) {
        match &def.kind {
            DefKind::Then(a, b) | DefKind::Or(a, b) | DefKind::Par(a, b) => {
                self.def(a, events);
                self.def(b, events);
            }
            DefKind::Step(step) => self.step(step, events),
        }
    }

    /// Walks a step in evaluation order: a receive binds its message before its
    /// constraint runs; every other step runs its constraint first.
    fn step(&mut self, step: &Step, events: &mut Vec<VarEvent>) {
        let guard_first =
            !matches!(step.kind, StepKind::Receive { .. }) || step.guard.as_ref().is_some_and(|g| g.prefix);
        if guard_first && let Some(guard) = &step.guard {
            self.cond(&guard.cond, false, events);
        }
        match &step.kind {
            StepKind::Send { message, to } => {
                let what = self.message(message);
                let partner = self.source(to.span);
                term_vars(message, events, false, &format!("sent in {what} to `{partner}`"));
                self.role_ref(to, OccurrenceKind::Reference);
                term_vars(&to.role, events, false, &format!("in the recipient `{partner}`"));
                term_vars(&to.id, events, false, &format!("the recipient's Id in `{partner}`"));
            }
            StepKind::Receive { message, from } => {
                let what = self.message(message);
                let partner = self.source(from.span);
                term_vars(message, events, true, &format!("received in {what} from `{partner}`"));
                self.role_ref(from, OccurrenceKind::Reference);
                term_vars(&from.role, events, true, &format!("in the sender `{partner}`"));
                term_vars(&from.id, events, true, &format!("the sender's Id in `{partner}`"));
            }
            StepKind::Null { .. } => {}
            StepKind::Call(role) => {
                let call = self.source(role.span);
                self.role_ref(role, OccurrenceKind::Reference);
                term_vars(&role.role, events, false, &format!("passed to `{call}`"));
                term_vars(&role.id, events, false, &format!("the Id in `{call}`"));
            }
        }
        if !guard_first && let Some(guard) = &step.guard {
            self.cond(&guard.cond, false, events);
        }
    }

    /// Indexes a message term; returns how to describe it ("message `m/1`").
    fn message(&mut self, message: &Term) -> String {
        match message.name_arity() {
            Some((name, arity)) => {
                self.occurrence(
                    Symbol::Message(name.to_string(), arity),
                    name_span(self.text, message),
                    OccurrenceKind::Reference,
                    arity,
                );
                format!("message `{name}/{arity}`")
            }
            None => format!("message `{}`", self.source(message.span)),
        }
    }

    fn cond(&mut self, cond: &Cond, negated: bool, events: &mut Vec<VarEvent>) {
        match &cond.kind {
            CondKind::And(a, b) | CondKind::Or(a, b) => {
                self.cond(a, negated, events);
                self.cond(b, negated, events);
            }
            CondKind::Not(c) => self.cond(c, true, events),
            CondKind::Compare { op, lhs, rhs } => {
                let text = self.source(cond.span);
                let (binds_lhs, binds_rhs) = match op {
                    CmpOp::Is => (true, false),
                    CmpOp::Unify => (true, true),
                    _ => (false, false),
                };
                let how = |binds: bool| {
                    if binds && !negated {
                        format!("bound by `{text}`")
                    } else {
                        format!("compared in `{text}`")
                    }
                };
                term_vars(lhs, events, binds_lhs && !negated, &how(binds_lhs));
                term_vars(rhs, events, binds_rhs && !negated, &how(binds_rhs));
            }
            CondKind::Call(term) => {
                let Some((name, arity)) = term.name_arity() else {
                    term_vars(term, events, false, "in a constraint");
                    return;
                };
                self.occurrence(
                    Symbol::Constraint(name.to_string(), arity),
                    name_span(self.text, term),
                    OccurrenceKind::Reference,
                    arity,
                );
                let args: &[Term] = match &term.kind {
                    TermKind::Compound { args, .. } => args,
                    _ => &[],
                };
                let signature = self.signatures.get(name, arity);
                for (i, arg) in args.iter().enumerate() {
                    let mode = signature.and_then(|s| s.params.get(i)).map(|p| p.0);
                    let binds = !negated && mode != Some(Mode::In);
                    let how = match (mode, binds) {
                        (Some(mode), true) => format!(
                            "bound by the constraint `{name}` (argument {}, mode `{}`)",
                            i + 1,
                            mode.sign()
                        ),
                        (None, true) => format!("bound by the undeclared constraint `{name}` (argument {})", i + 1),
                        (_, false) => {
                            format!("passed to the constraint `{name}` (argument {})", i + 1)
                        }
                    };
                    term_vars(arg, events, binds, &how);
                }
            }
        }
    }

    fn role_ref(&mut self, role: &RoleRef, kind: OccurrenceKind) {
        self.mark(role.span.start, Mark::Keyword);
        if let Some((name, arity)) = role.name_arity() {
            self.occurrence(
                Symbol::Role(name.to_string()),
                name_span(self.text, &role.role),
                kind,
                arity,
            );
        }
    }

    fn mark(&mut self, start: u32, mark: Mark) {
        self.index.marks.push((
            Span {
                file: Default::default(),
                start,
                end: start + 1,
            },
            mark,
        ));
    }

    fn occurrence(&mut self, symbol: Symbol, span: Span, kind: OccurrenceKind, arity: usize) {
        self.index.occurrences.push(Occurrence {
            symbol,
            span,
            kind,
            arity,
        });
    }

    /// The text of `span` on one line, shortened for messages.
    fn source(&self, span: Span) -> String {
        let text = self.text.get(span.range()).unwrap_or("");
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if flat.chars().count() > 60 {
            let short: String = flat.chars().take(57).collect();
            format!("{short}...")
        } else {
            flat
        }
    }
}

fn term_vars(term: &Term, events: &mut Vec<VarEvent>, binds: bool, how: &str) {
    term.visit_vars(&mut |name, span| {
        events.push(VarEvent {
            name: name.into(),
            span,
            binds,
            how: how.into(),
        })
    });
}

#[cfg(test)]
mod tests {
    use lcc_syntax::{FileId, parse};

    use super::*;

    fn index(text: &str) -> FileIndex {
        let parsed = parse(FileId(0), text);
        FileIndex::build(text, &parsed.model, &Signatures::standard())
    }

    #[test]
    fn finds_names_of_roles_constraints_messages_and_variables() {
        let text = "a(r(N), X) ::\n  m(N) => a(s, Y) <- member(Y, [1]) then\n  a(r(N), X)";
        let index = index(text);
        let names: Vec<(&str, &Symbol)> = index
            .occurrences
            .iter()
            .map(|o| (&text[o.span.range()], &o.symbol))
            .collect();
        assert_eq!(
            names.iter().map(|n| n.0).collect::<Vec<_>>(),
            ["r", "N", "X", "m", "N", "s", "Y", "member", "Y", "r", "N", "X"]
        );
        let y = &index.clauses[0].variables[2];
        assert_eq!(y.name, "Y");
        assert!(y.bound.as_ref().unwrap().how.contains("member"));
        assert!(index.clauses[0].variables[0].in_head);
        assert_eq!(index.clauses[0].params, ["N"]);
    }

    #[test]
    fn occurrence_at_prefers_the_name_containing_the_offset() {
        let text = "a(r, X) :: m(X) => a(s, Y)";
        let index = index(text);
        let at = |i: usize| index.occurrence_at(i).map(|o| &text[o.span.range()]);
        assert_eq!(at(2), Some("r"));
        assert_eq!(at(3), Some("r"));
        assert_eq!(at(11), Some("m"));
        assert_eq!(at(9), None);
    }
}
