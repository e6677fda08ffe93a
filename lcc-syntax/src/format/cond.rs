//! Constraints in canonical form: `C1 and C2`, `(C1 or C2)`, `not C`, `X > 3`,
//! with the author's parentheses kept (one pair) and the ones the grammar needs added.

use super::term;
use crate::ast::{Cond, CondKind, TermKind};

/// How tightly a constraint holds together, loosest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// `C1 or C2`: only valid inside parentheses.
    Or,
    /// `C1 and C2`
    And,
    /// `not C`
    Not,
    /// Comparisons, calls and parenthesised constraints.
    Atomic,
}

/// A step's constraint, as written after `<-` (or before it, in the prefix form
/// `C <- M <= A` when `prefix` is set).
pub fn guard(c: &Cond, prefix: bool) -> String {
    let mut out = String::new();
    Printer { out: &mut out }.write(c, Level::And, prefix);
    out
}

struct Printer<'o> {
    out: &'o mut String,
}

impl Printer<'_> {
    /// Writes `c` where at least `min` is required. `role_like` marks the left of a
    /// prefix guard, where a call `a(X, Y)` would read back as a role step.
    fn write(&mut self, c: &Cond, min: Level, role_like: bool) {
        let level = match c.kind {
            CondKind::Or(..) => Level::Or,
            CondKind::And(..) => Level::And,
            CondKind::Not(_) => Level::Not,
            CondKind::Compare { .. } | CondKind::Call(_) => Level::Atomic,
        };
        if c.parens || level < min {
            self.out.push('(');
            self.write_bare(c, role_like);
            self.out.push(')');
        } else {
            self.write_bare(c, role_like);
        }
    }

    fn write_bare(&mut self, c: &Cond, role_like: bool) {
        match &c.kind {
            CondKind::Or(a, b) => self.binary(a, "or", b, Level::Or, Level::And),
            CondKind::And(a, b) => self.binary(a, "and", b, Level::And, Level::Not),
            CondKind::Not(inner) => {
                self.out.push_str("not ");
                self.write(inner, Level::Not, false);
            }
            CondKind::Compare { op, lhs, rhs } => {
                self.out.push_str(&term::term(lhs));
                self.out.push(' ');
                self.out.push_str(op.symbol());
                self.out.push(' ');
                self.out.push_str(&term::term(rhs));
            }
            CondKind::Call(t) => {
                let is_role = matches!(&t.kind, TermKind::Compound { functor, args }
                    if functor == "a" && args.len() == 2);
                self.out.push_str(&term::call(t, role_like && is_role));
            }
        }
    }

    /// `a op b` for a left-associative operator.
    fn binary(&mut self, a: &Cond, op: &str, b: &Cond, left: Level, right: Level) {
        self.write(a, left, false);
        self.out.push(' ');
        self.out.push_str(op);
        self.out.push(' ');
        self.write(b, right, false);
    }
}
