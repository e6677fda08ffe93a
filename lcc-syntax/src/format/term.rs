//! Terms in canonical form: `f(A, B)`, `[A, B | T]`, infix arithmetic with the
//! fewest parentheses that keep the tree (`+ -` bind looser than `* / mod`, both
//! left-associative; unary signs bind tightest).

use super::lexical;
use crate::ast::{Term, TermKind};

/// How tightly a printed term holds together, loosest first. A term printed where
/// a tighter one is required gets parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    /// `A + B`, `A - B`
    Sum,
    /// `A * B`, `A / B`, `A mod B`
    Product,
    /// `-A`, `+A`, and negative numbers
    Unary,
    /// Everything else
    Primary,
}

/// A term as written in an argument, a message or a comparison.
pub fn term(t: &Term) -> String {
    let mut out = String::new();
    write(&mut out, t, Prec::Sum);
    out
}

/// A term called as a constraint: compounds always in functional form (so that
/// `'+'(A, B)` stays a call), with the functor quoted when `quote_functor` is set.
pub fn call(t: &Term, quote_functor: bool) -> String {
    let mut out = String::new();
    match &t.kind {
        TermKind::Compound { functor, args } => {
            let name = if quote_functor {
                lexical::quoted_atom(functor)
            } else {
                lexical::atom(functor)
            };
            write_functional(&mut out, &name, args);
        }
        _ => write(&mut out, t, Prec::Sum),
    }
    out
}

/// The operator a compound is printed as, if any, with its precedence.
fn operator(t: &Term) -> Option<(&str, Prec)> {
    let TermKind::Compound { functor, args } = &t.kind else {
        return None;
    };
    let prec = match (functor.as_str(), args.len()) {
        ("+" | "-", 2) => Prec::Sum,
        ("*" | "/" | "mod", 2) => Prec::Product,
        ("+" | "-", 1) => Prec::Unary,
        _ => return None,
    };
    Some((functor, prec))
}

fn prec(t: &Term) -> Prec {
    match &t.kind {
        TermKind::Int(n) if *n < 0 => Prec::Unary,
        TermKind::Float(f) if f.is_sign_negative() => Prec::Unary,
        _ => operator(t).map_or(Prec::Primary, |(_, p)| p),
    }
}

/// Writes `t` where at least `min` is required, in parentheses if it binds looser.
fn write(out: &mut String, t: &Term, min: Prec) {
    if prec(t) < min {
        out.push('(');
        write_bare(out, t);
        out.push(')');
    } else {
        write_bare(out, t);
    }
}

fn write_bare(out: &mut String, t: &Term) {
    match &t.kind {
        TermKind::Var(name) => out.push_str(name),
        TermKind::Anon => out.push('_'),
        TermKind::Atom(name) => out.push_str(&lexical::atom(name)),
        TermKind::Int(n) => out.push_str(&n.to_string()),
        TermKind::Float(f) => out.push_str(&lexical::float(*f)),
        TermKind::Str(s) => out.push_str(&lexical::string(s)),
        TermKind::Compound { functor, args } => match operator(t) {
            Some((op, p @ (Prec::Sum | Prec::Product))) => {
                write(out, &args[0], p);
                out.push(' ');
                out.push_str(op);
                out.push(' ');
                // Left-associative: a right operand of the same precedence needs
                // parentheses.
                let right = if p == Prec::Sum { Prec::Product } else { Prec::Unary };
                write(out, &args[1], right);
            }
            Some((op, _)) => {
                out.push_str(op);
                // `-(3)` is a compound; `-3` would read back as the number.
                if matches!(args[0].kind, TermKind::Int(_) | TermKind::Float(_)) {
                    out.push('(');
                    write_bare(out, &args[0]);
                    out.push(')');
                } else {
                    write(out, &args[0], Prec::Primary);
                }
            }
            None => write_functional(out, &lexical::atom(functor), args),
        },
        TermKind::List { items, tail } => {
            out.push('[');
            write_args(out, items);
            if let Some(tail) = tail {
                out.push_str(if items.is_empty() { "| " } else { " | " });
                write(out, tail, Prec::Sum);
            }
            out.push(']');
        }
    }
}

fn write_functional(out: &mut String, name: &str, args: &[Term]) {
    out.push_str(name);
    out.push('(');
    write_args(out, args);
    out.push(')');
}

fn write_args(out: &mut String, args: &[Term]) {
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write(out, arg, Prec::Sum);
    }
}
