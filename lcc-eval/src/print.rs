//! Printing terms in LCC syntax: atoms quoted when needed, lists as `[a, b | T]`,
//! arithmetic infix with the fewest parentheses, variables as `_N`.

use std::fmt::{self, Write};

use crate::atom::Atom;
use crate::term::Term;

const KEYWORDS: [&str; 9] = ["then", "or", "par", "and", "not", "null", "is", "mod", "constraint"];

/// Whether `name` can be written without quotes (the lexer's unquoted atom rule).
pub fn is_plain_atom(name: &str) -> bool {
    let mut runs = name.split([':', '.', '@']);
    let first = runs.next().unwrap_or("");
    let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    first.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && word(first)
        && runs.all(word)
        && !KEYWORDS.contains(&name)
}

/// Writes an atom as LCC source would: bare when possible, else single-quoted.
pub fn write_atom(out: &mut impl Write, name: &str) -> fmt::Result {
    if is_plain_atom(name) || name == "[]" {
        return out.write_str(name);
    }
    out.write_char('\'')?;
    write_escaped(out, name, '\'')?;
    out.write_char('\'')
}

fn write_escaped(out: &mut impl Write, text: &str, quote: char) -> fmt::Result {
    for c in text.chars() {
        match c {
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\t' => out.write_str("\\t")?,
            '\r' => out.write_str("\\r")?,
            '\0' => out.write_str("\\0")?,
            c if c == quote => write!(out, "\\{c}")?,
            c if c.is_control() => write!(out, "\\u{{{:x}}}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    Ok(())
}

/// Binding strength of an infix operator (higher binds tighter), if `name/arity` is one.
fn infix(functor: Atom, arity: usize) -> Option<u8> {
    if arity != 2 {
        return None;
    }
    match functor.name() {
        "+" | "-" => Some(1),
        "*" | "/" | "mod" => Some(2),
        _ => None,
    }
}

fn write_term(out: &mut impl Write, term: &Term, context: u8) -> fmt::Result {
    match term {
        Term::Var(v) => write!(out, "_{}", v.0),
        Term::Atom(a) => write_atom(out, a.name()),
        Term::Int(n) => write!(out, "{n}"),
        Term::Float(x) => write!(out, "{:?}", x.0),
        Term::Str(s) => {
            out.write_char('"')?;
            write_escaped(out, s, '"')?;
            out.write_char('"')
        }
        Term::Compound(..) if term.as_cons().is_some() => write_list(out, term),
        Term::Compound(f, args) => {
            if let Some(strength) = infix(*f, args.len()) {
                let parens = strength < context;
                if parens {
                    out.write_char('(')?;
                }
                write_term(out, &args[0], strength)?;
                write!(out, " {} ", f.name())?;
                // Left-associative: the right operand needs parentheses at equal strength.
                write_term(out, &args[1], strength + 1)?;
                if parens {
                    out.write_char(')')?;
                }
                return Ok(());
            }
            if *f == Atom::MINUS && args.len() == 1 && !matches!(args[0], Term::Int(_) | Term::Float(_)) {
                out.write_char('-')?;
                return write_term(out, &args[0], 3);
            }
            write_atom(out, f.name())?;
            out.write_char('(')?;
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.write_str(", ")?;
                }
                write_term(out, a, 0)?;
            }
            out.write_char(')')
        }
    }
}

fn write_list(out: &mut impl Write, term: &Term) -> fmt::Result {
    out.write_char('[')?;
    let mut at = term;
    let mut first = true;
    while let Some((head, tail)) = at.as_cons() {
        if !first {
            out.write_str(", ")?;
        }
        first = false;
        write_term(out, head, 0)?;
        at = tail;
    }
    if *at != Term::nil() {
        out.write_str(" | ")?;
        write_term(out, at, 0)?;
    }
    out.write_char(']')
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_term(f, self, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(t: &Term) -> String {
        t.to_string()
    }

    #[test]
    fn prints_in_lcc_syntax() {
        let x = Term::var(0);
        assert_eq!(show(&Term::atom("idle")), "idle");
        assert_eq!(show(&Term::atom("Any text")), "'Any text'");
        assert_eq!(show(&Term::atom("then")), "'then'");
        assert_eq!(show(&Term::atom("host.example")), "host.example");
        assert_eq!(show(&Term::atom("it's")), "'it\\'s'");
        assert_eq!(show(&Term::nil()), "[]");
        assert_eq!(
            show(&Term::list_with_tail([Term::atom("a"), Term::Int(2)], x.clone())),
            "[a, 2 | _0]"
        );
        let plus = |a, b| Term::app("+", vec![a, b]);
        let times = |a, b| Term::app("*", vec![a, b]);
        let minus = |a, b| Term::app("-", vec![a, b]);
        assert_eq!(
            show(&times(plus(x.clone(), Term::Int(1)), Term::Int(2))),
            "(_0 + 1) * 2"
        );
        assert_eq!(show(&plus(x.clone(), times(Term::Int(1), Term::Int(2)))), "_0 + 1 * 2");
        assert_eq!(
            show(&minus(Term::Int(1), minus(Term::Int(2), Term::Int(3)))),
            "1 - (2 - 3)"
        );
        assert_eq!(
            show(&Term::app(
                "f",
                vec![Term::string("a\"b"), Term::Float(crate::term::F64(1.5))]
            )),
            "f(\"a\\\"b\", 1.5)"
        );
        assert_eq!(show(&Term::Int(-3)), "-3");
    }
}
