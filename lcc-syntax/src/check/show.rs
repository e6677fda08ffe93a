//! Compact one-line rendering of AST fragments for diagnostic messages
//! (`migration(OK)`, `null <- isOverLoaded()`), with abbreviation of long text.

use crate::ast::{Cond, CondKind, Def, DefKind, RoleRef, Step, StepKind, Term, TermKind};

/// Keywords that an atom must be quoted to stand for.
const KEYWORDS: [&str; 9] = ["then", "or", "par", "and", "not", "null", "is", "mod", "constraint"];

/// An atom as it must be written: bare when it lexes as an atom, quoted otherwise.
pub fn atom(name: &str) -> String {
    let mut chars = name.chars();
    let bare = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&name);
    if bare {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// Binding strength of an infix arithmetic functor (lower binds tighter).
fn infix_priority(functor: &str) -> Option<u8> {
    match functor {
        "*" | "/" | "mod" => Some(1),
        "+" | "-" => Some(2),
        _ => None,
    }
}

/// A term on one line, e.g. `state(L, [A, B | T], X + 1)`.
pub fn term(t: &Term) -> String {
    let mut out = String::new();
    write_term(t, &mut out);
    out
}

fn write_term(t: &Term, out: &mut String) {
    match &t.kind {
        TermKind::Var(name) => out.push_str(name),
        TermKind::Anon => out.push('_'),
        TermKind::Atom(name) => out.push_str(&atom(name)),
        TermKind::Int(n) => out.push_str(&n.to_string()),
        TermKind::Float(f) => out.push_str(&format!("{f:?}")),
        TermKind::Str(s) => out.push_str(&format!("{s:?}")),
        TermKind::Compound { functor, args } => {
            if let (Some(priority), [lhs, rhs]) = (infix_priority(functor), &args[..]) {
                write_operand(lhs, priority, false, out);
                out.push_str(&format!(" {functor} "));
                write_operand(rhs, priority, true, out);
            } else if let ("-" | "+", [arg]) = (functor.as_str(), &args[..]) {
                out.push_str(functor);
                write_operand(arg, 0, true, out);
            } else {
                out.push_str(&atom(functor));
                out.push('(');
                write_list(args, out);
                out.push(')');
            }
        }
        TermKind::List { items, tail } => {
            out.push('[');
            write_list(items, out);
            if let Some(tail) = tail {
                out.push_str(" | ");
                write_term(tail, out);
            }
            out.push(']');
        }
    }
}

/// Writes an operand of an infix operator of `priority`, parenthesised when needed.
fn write_operand(t: &Term, priority: u8, right: bool, out: &mut String) {
    let inner = match &t.kind {
        TermKind::Compound { functor, args } if args.len() == 2 => infix_priority(functor),
        _ => None,
    };
    let parens = inner.is_some_and(|p| p > priority || (p == priority && right));
    if parens {
        out.push('(');
    }
    write_term(t, out);
    if parens {
        out.push(')');
    }
}

fn write_list(items: &[Term], out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_term(item, out);
    }
}

/// A role reference, e.g. `a(underloaded, ID2)`.
pub fn role_ref(r: &RoleRef) -> String {
    format!("a({}, {})", term(&r.role), term(&r.id))
}

/// A constraint on one line.
pub fn cond(c: &Cond) -> String {
    let text = match &c.kind {
        CondKind::And(a, b) => format!("{} and {}", cond(a), cond(b)),
        CondKind::Or(a, b) => format!("{} or {}", cond(a), cond(b)),
        CondKind::Not(a) => format!("not {}", cond(a)),
        CondKind::Compare { op, lhs, rhs } => {
            format!("{} {} {}", term(lhs), op.symbol(), term(rhs))
        }
        CondKind::Call(t) => term(t),
    };
    if c.parens { format!("({text})") } else { text }
}

/// A step on one line, constraint included, in the form it was written.
pub fn step(s: &Step) -> String {
    let action = match &s.kind {
        StepKind::Send { message, to } => format!("{} => {}", term(message), role_ref(to)),
        StepKind::Receive { message, from } => format!("{} <= {}", term(message), role_ref(from)),
        StepKind::Null { .. } => "null".to_string(),
        StepKind::Call(r) => role_ref(r),
    };
    match &s.guard {
        Some(guard) if guard.prefix => format!("{} <- {action}", cond(&guard.cond)),
        Some(guard) => format!("{action} <- {}", cond(&guard.cond)),
        None => action,
    }
}

/// A definition on one line, with the parentheses the author wrote.
pub fn def(d: &Def) -> String {
    let text = match &d.kind {
        DefKind::Then(a, b) => format!("{} then {}", def(a), def(b)),
        DefKind::Or(a, b) => format!("{} or {}", def(a), def(b)),
        DefKind::Par(a, b) => format!("{} par {}", def(a), def(b)),
        DefKind::Step(s) => step(s),
    };
    if d.parens { format!("({text})") } else { text }
}

/// `text` cut to at most `max` characters, ending in `…` when cut. Cuts at a
/// space when one is near, so that words stay whole.
pub fn abbreviate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space * 3 >= cut.len() * 2 => cut[..space].to_string(),
        _ => cut,
    };
    format!("{}…", cut.trim_end())
}

/// A definition as an operand in a message: in full when short; otherwise `(…)`
/// when parenthesised, or its beginning followed by `…`.
pub fn operand(d: &Def, max: usize) -> String {
    let text = def(d);
    if text.chars().count() <= max {
        text
    } else if d.parens {
        "(…)".to_string()
    } else {
        abbreviate(&text, max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Item;
    use crate::parse;
    use crate::span::FileId;

    fn body(text: &str) -> Def {
        let parsed = parse(FileId(0), text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        match parsed.model.items.into_iter().next() {
            Some(Item::Clause(c)) => c.body,
            other => panic!("not a clause: {other:?}"),
        }
    }

    #[test]
    fn prints_steps_and_terms_canonically() {
        let d = body(
            "a(r, X) :: m( 'A b', [1, -2 | T], (X + 1) * 2, X - (Y - Z) ) => a(s , Y) <- ok(X) and not X = 'then'",
        );
        assert_eq!(
            def(&d),
            "m('A b', [1, -2 | T], (X + 1) * 2, X - (Y - Z)) => a(s, Y) <- ok(X) and not X = 'then'"
        );
        let d = body("a(r, X) :: (c <- m <= a(s, X)) or (null par a(t, X))");
        assert_eq!(def(&d), "(c <- m <= a(s, X)) or (null par a(t, X))");
    }

    #[test]
    fn abbreviates_long_operands() {
        assert_eq!(abbreviate("short", 30), "short");
        assert_eq!(
            abbreviate("null <- getPeerState(Status) then a(idle, X)", 30),
            "null <- getPeerState(Status)…"
        );
        let d = body("a(r, X) :: (null <- isOverLoaded() then a(overloaded(S), X))");
        assert_eq!(operand(&d, 30), "(…)");
    }
}
