//! The canonical layout of items as lines of code (comments are placed later).
//!
//! Declarations one per line, grouped; clauses `a(Role, Id) ::` with the body
//! indented two spaces; one step per line with ` then`, ` or` or ` par` at the end
//! of the line that ends an operand; a parenthesised definition opens with `( ` on
//! its first line and closes with `)` on a line of its own at the outer indent.

use super::{cond, lexical, term};
use crate::ast::{ConstraintDecl, Def, DefKind, Item, Model, RoleDecl, RoleRef, Step, StepKind};

/// Lines longer than this break a step before its `<-`.
const MAX_WIDTH: usize = 100;

/// Indentation added per nesting level.
const INDENT: usize = 2;

/// One line of code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Leading spaces.
    pub indent: usize,
    /// The code, without indentation.
    pub text: String,
    /// Whether a blank line separates this line from the previous one.
    pub blank_before: bool,
}

/// The model's items laid out as lines, in source order.
pub fn lines(model: &Model) -> Vec<Line> {
    let mut layout = Layout { lines: Vec::new() };
    let mut previous: Option<&Item> = None;
    for item in &model.items {
        let first = layout.lines.len();
        match item {
            Item::RoleDecl(d) => layout.push(0, role_decl(d)),
            Item::ConstraintDecl(d) => layout.push(0, constraint_decl(d)),
            Item::Clause(c) => {
                layout.push(0, format!("{} ::", role_ref(&c.head)));
                layout.def(&c.body, INDENT, "", false);
            }
        }
        // Declarations of one kind stay together; anything else is set apart.
        let grouped = matches!(
            (previous, item),
            (Some(Item::RoleDecl(_)), Item::RoleDecl(_)) | (Some(Item::ConstraintDecl(_)), Item::ConstraintDecl(_))
        );
        layout.lines[first].blank_before = previous.is_some() && !grouped;
        previous = Some(item);
    }
    layout.lines
}

fn role_decl(d: &RoleDecl) -> String {
    let mut text = format!("r({}, {}", term::term(&d.role), d.kind.name());
    for count in [d.min, d.max].into_iter().flatten() {
        text.push_str(&format!(", {}", count.value));
    }
    text.push(')');
    text
}

fn constraint_decl(d: &ConstraintDecl) -> String {
    let mut text = format!("constraint {}", d.name);
    if !d.params.is_empty() || d.empty_parens {
        let params: Vec<String> = d
            .params
            .iter()
            .map(|p| format!("{}{}", p.mode.sign(), p.name))
            .collect();
        text.push_str(&format!("({})", params.join(", ")));
    }
    if let Some(doc) = &d.doc {
        text.push(' ');
        text.push_str(&lexical::string(doc));
    }
    text
}

fn role_ref(r: &RoleRef) -> String {
    format!("a({}, {})", term::term(&r.role), term::term(&r.id))
}

/// Builds the lines of one model.
struct Layout {
    lines: Vec<Line>,
}

impl Layout {
    fn push(&mut self, indent: usize, text: String) {
        self.lines.push(Line {
            indent,
            text,
            blank_before: false,
        });
    }

    /// Lays out `d` at `indent`, with `suffix` (` then`, ` or`, ...) at the end of
    /// its last line. `wrap` asks for parentheses the grammar needs.
    fn def(&mut self, d: &Def, indent: usize, suffix: &str, wrap: bool) {
        if !(d.parens || wrap) {
            return self.bare(d, indent, suffix);
        }
        if let DefKind::Step(step) = &d.kind {
            let first = self.lines.len();
            self.step(step, indent + INDENT, &format!(" ){suffix}"));
            if self.lines.len() == first + 1 {
                let line = &mut self.lines[first];
                line.indent = indent;
                line.text.insert_str(0, "( ");
                return;
            }
            self.lines.truncate(first);
        }
        let first = self.lines.len();
        self.bare(d, indent + INDENT, "");
        let line = &mut self.lines[first];
        line.indent = indent;
        line.text.insert_str(0, "( ");
        self.push(indent, format!("){suffix}"));
    }

    /// Lays out `d` without parentheses of its own.
    fn bare(&mut self, d: &Def, indent: usize, suffix: &str) {
        match &d.kind {
            DefKind::Step(step) => self.step(step, indent, suffix),
            DefKind::Then(..) => {
                // `then` is right-associative: follow the right spine.
                let mut rest = d;
                while let DefKind::Then(a, b) = &rest.kind
                    && (std::ptr::eq(rest, d) || !rest.parens)
                {
                    let wrap = !matches!(a.kind, DefKind::Step(_));
                    self.def(a, indent, " then", wrap);
                    rest = b;
                }
                let wrap = matches!(rest.kind, DefKind::Or(..) | DefKind::Par(..));
                self.def(rest, indent, suffix, wrap);
            }
            DefKind::Or(..) | DefKind::Par(..) => {
                // `or` and `par` are left-associative: follow the left spine.
                let is_or = matches!(d.kind, DefKind::Or(..));
                let mut operands = Vec::new();
                let mut rest = d;
                while let Some((a, b)) = split(rest, is_or)
                    && (std::ptr::eq(rest, d) || !rest.parens)
                {
                    operands.push(b);
                    rest = a;
                }
                operands.push(rest);
                operands.reverse();
                let op = if is_or { " or" } else { " par" };
                let last = operands.len() - 1;
                for (i, operand) in operands.into_iter().enumerate() {
                    // An `or` needs parentheses inside a `par`; on the right, an
                    // operator of the same strength does too.
                    let wrap = match operand.kind {
                        DefKind::Or(..) => !is_or || i > 0,
                        DefKind::Par(..) => !is_or && i > 0,
                        _ => false,
                    };
                    self.def(operand, indent, if i == last { suffix } else { op }, wrap);
                }
            }
        }
    }

    /// One step: on one line, or broken before `<-` when that line is too long.
    fn step(&mut self, step: &Step, indent: usize, suffix: &str) {
        let action = match &step.kind {
            StepKind::Send { message, to } => {
                format!("{} => {}", term::term(message), role_ref(to))
            }
            StepKind::Receive { message, from } => {
                format!("{} <= {}", term::term(message), role_ref(from))
            }
            StepKind::Null { .. } => "null".to_string(),
            StepKind::Call(r) => role_ref(r),
        };
        let Some(guard) = &step.guard else {
            return self.push(indent, action + suffix);
        };
        let (head, tail) = if guard.prefix && matches!(step.kind, StepKind::Receive { .. }) {
            (cond::guard(&guard.cond, true), format!("<- {action}"))
        } else {
            (action, format!("<- {}", cond::guard(&guard.cond, false)))
        };
        let one_line = format!("{head} {tail}{suffix}");
        if indent + one_line.chars().count() <= MAX_WIDTH {
            self.push(indent, one_line);
        } else {
            self.push(indent, head);
            self.push(indent + INDENT, tail + suffix);
        }
    }
}

/// The operands of `d` if it is an `or` (when `or` is set) or a `par` (otherwise).
fn split(d: &Def, or: bool) -> Option<(&Def, &Def)> {
    match &d.kind {
        DefKind::Or(a, b) if or => Some((a, b)),
        DefKind::Par(a, b) if !or => Some((a, b)),
        _ => None,
    }
}
