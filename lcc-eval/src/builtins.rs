//! Built-in constraints and arithmetic.
//!
//! The list constraints (`member`, `append`, `length`, `nth`, `sum`, `max`, `min`)
//! `after/1` (see [`crate::timer`]) and `true`/`fail` are ordinary [`Constraint`](crate::Constraint)s registered by
//! [`Providers::with_builtins`]; their signatures come from `stdlib/builtins.lcc`.
//! `peers/2` needs the role directory, and `=`, `is`, comparisons, `and`, `or` and
//! `not` are part of the language: the interpreter evaluates those itself.

use std::cmp::Ordering;
use std::sync::Arc;

use lcc_syntax::Signatures;
use lcc_syntax::ast::CmpOp;

use crate::atom::Atom;
use crate::constraint::{Answer, Call, FnConstraint, Providers};
use crate::term::{F64, Term};

/// A number, as arithmetic computes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
}

impl Num {
    /// The number as a term.
    pub fn to_term(self) -> Term {
        match self {
            Num::Int(n) => Term::Int(n),
            Num::Float(x) => Term::Float(F64(x)),
        }
    }

    fn as_f64(self) -> f64 {
        match self {
            Num::Int(n) => n as f64,
            Num::Float(x) => x,
        }
    }

    fn compare(self, other: Num) -> Ordering {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => a.cmp(&b),
            (a, b) => a.as_f64().total_cmp(&b.as_f64()),
        }
    }
}

fn int_op(a: Num, b: Num, op: &str, i: fn(i64, i64) -> Option<i64>, f: fn(f64, f64) -> f64) -> Result<Num, String> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => i(x, y)
            .map(Num::Int)
            .ok_or_else(|| format!("integer overflow in `{x} {op} {y}`")),
        (x, y) => Ok(Num::Float(f(x.as_f64(), y.as_f64()))),
    }
}

/// Evaluates an arithmetic expression (its bindings already applied): numbers,
/// `+ - * / mod`, unary `-`, `abs/1`, `min/2`, `max/2`. Integer `/` gives an
/// integer when the division is exact and a float otherwise.
pub fn eval(t: &Term) -> Result<Num, String> {
    match t {
        Term::Int(n) => Ok(Num::Int(*n)),
        Term::Float(x) => Ok(Num::Float(x.0)),
        Term::Var(_) => Err("arithmetic on an unbound variable".into()),
        Term::Compound(f, args) if args.len() == 2 => {
            let (a, b) = (eval(&args[0])?, eval(&args[1])?);
            match f.name() {
                "+" => int_op(a, b, "+", i64::checked_add, |x, y| x + y),
                "-" => int_op(a, b, "-", i64::checked_sub, |x, y| x - y),
                "*" => int_op(a, b, "*", i64::checked_mul, |x, y| x * y),
                "/" => match (a, b) {
                    (_, Num::Int(0)) => Err("division by zero".into()),
                    (Num::Int(x), Num::Int(y)) if x % y == 0 => Ok(Num::Int(x / y)),
                    (x, y) => Ok(Num::Float(x.as_f64() / y.as_f64())),
                },
                "mod" => match (a, b) {
                    (Num::Int(_), Num::Int(0)) => Err("division by zero in `mod`".into()),
                    (Num::Int(x), Num::Int(y)) => Ok(Num::Int(x.rem_euclid(y))),
                    _ => Err("`mod` needs integers".into()),
                },
                "min" => Ok(if a.compare(b) == Ordering::Greater { b } else { a }),
                "max" => Ok(if a.compare(b) == Ordering::Less { b } else { a }),
                _ => Err(format!("`{t}` is not an arithmetic expression")),
            }
        }
        Term::Compound(f, args) if args.len() == 1 => {
            let a = eval(&args[0])?;
            match (f.name(), a) {
                ("-", Num::Int(n)) => n.checked_neg().map(Num::Int).ok_or_else(|| "integer overflow".into()),
                ("-", Num::Float(x)) => Ok(Num::Float(-x)),
                ("+", a) => Ok(a),
                ("abs", Num::Int(n)) => Ok(Num::Int(n.abs())),
                ("abs", Num::Float(x)) => Ok(Num::Float(x.abs())),
                _ => Err(format!("`{t}` is not an arithmetic expression")),
            }
        }
        _ => Err(format!("`{t}` is not a number")),
    }
}

/// Evaluates a numeric comparison (`<`, `>`, `=<`, `>=`) of two resolved terms.
pub fn compare(op: CmpOp, a: &Term, b: &Term) -> Result<bool, String> {
    let ord = eval(a)?.compare(eval(b)?);
    Ok(match op {
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
        _ => return Err(format!("`{}` is not a numeric comparison", op.symbol())),
    })
}

/// A built-in list constraint over resolved arguments.
type Builtin = fn(&[Term]) -> Answer;

/// Registers the list built-ins and `true`/`fail` in `providers`.
pub fn register(providers: &mut Providers) {
    let sigs = Signatures::builtins();
    let table: [(&str, usize, Builtin); 10] = [
        ("true", 0, |_| Answer::yes()),
        ("fail", 0, |_| Answer::Failed),
        ("member", 2, member),
        ("append", 3, append),
        ("length", 2, length),
        ("nth", 3, nth),
        ("after", 1, crate::timer::after_constraint),
        ("sum", 2, |a| {
            fold(a, "sum", |xs| {
                xs.iter().try_fold(Num::Int(0), |acc, x| {
                    int_op(acc, *x, "+", i64::checked_add, |p, q| p + q).ok()
                })
            })
        }),
        ("max", 2, |a| {
            fold(a, "max", |xs| {
                xs.iter()
                    .copied()
                    .reduce(|p, q| if q.compare(p) == Ordering::Greater { q } else { p })
            })
        }),
        ("min", 2, |a| {
            fold(a, "min", |xs| {
                xs.iter()
                    .copied()
                    .reduce(|p, q| if q.compare(p) == Ordering::Less { q } else { p })
            })
        }),
    ];
    for (name, arity, f) in table {
        let sig = sigs
            .get(name, arity)
            .unwrap_or_else(|| panic!("stdlib/builtins.lcc declares {name}/{arity}"))
            .clone();
        providers.add(Arc::new(FnConstraint::new(sig, move |call: &Call<'_>| f(call.args))));
    }
}

/// The known elements of a list and its tail (`[]` for a proper list).
fn elements(list: &Term) -> (Vec<Term>, Term) {
    let mut items = Vec::new();
    let mut at = list;
    while let Some((head, tail)) = at.as_cons() {
        items.push(head.clone());
        at = tail;
    }
    (items, at.clone())
}

fn member(args: &[Term]) -> Answer {
    let (items, _) = elements(&args[1]);
    Answer::Succeeded(items.into_iter().map(|e| vec![e]).collect())
}

fn append(args: &[Term]) -> Answer {
    let (front, front_tail) = elements(&args[0]);
    if front_tail == Term::nil() {
        let whole = Term::list_with_tail(front, args[1].clone());
        return Answer::solution(vec![args[0].clone(), args[1].clone(), whole]);
    }
    let (whole, whole_tail) = elements(&args[2]);
    if whole_tail == Term::nil() {
        return Answer::Succeeded(
            (0..=whole.len())
                .map(|i| vec![Term::list(whole[..i].to_vec()), Term::list(whole[i..].to_vec())])
                .collect(),
        );
    }
    Answer::Error("append/3 needs Front or Whole to be a list".into())
}

fn length(args: &[Term]) -> Answer {
    let (items, tail) = elements(&args[0]);
    if tail == Term::nil() {
        return Answer::solution(vec![args[0].clone(), Term::Int(items.len() as i64)]);
    }
    match (&tail, &args[1]) {
        (Term::Var(_), Term::Int(n)) if *n >= items.len() as i64 => {
            // Fresh variables: numbered above every variable in the arguments.
            let base = args.iter().map(Term::var_bound).max().unwrap_or(0);
            let extra = (0..(*n as usize - items.len())).map(|i| Term::var(base + i as u32));
            let list = Term::list(items.into_iter().chain(extra).collect::<Vec<_>>());
            Answer::solution(vec![list])
        }
        (Term::Var(_), Term::Int(_)) => Answer::Failed,
        (Term::Var(_), _) => Answer::Error("length/2 needs a list or an integer length".into()),
        _ => Answer::Failed,
    }
}

fn nth(args: &[Term]) -> Answer {
    let Term::Int(i) = args[0] else {
        return Answer::Error(format!("nth/3 needs an integer index, got `{}`", args[0]));
    };
    let (items, _) = elements(&args[1]);
    match usize::try_from(i)
        .ok()
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| items.get(i))
    {
        Some(e) => Answer::solution(vec![args[0].clone(), args[1].clone(), e.clone()]),
        None => Answer::Failed,
    }
}

fn fold(args: &[Term], name: &str, f: impl Fn(&[Num]) -> Option<Num>) -> Answer {
    let Some(items) = args[0].list_items() else {
        return Answer::Error(format!("{name}/2 needs a list of numbers, got `{}`", args[0]));
    };
    let nums: Result<Vec<Num>, String> = items.iter().map(eval).collect();
    match nums {
        Ok(nums) => match f(&nums) {
            Some(n) => Answer::solution(vec![args[0].clone(), n.to_term()]),
            None if nums.is_empty() => Answer::Failed,
            None => Answer::Error(format!("integer overflow in {name}/2")),
        },
        Err(e) => Answer::Error(format!("{name}/2: {e}")),
    }
}

/// The built-in constraint names the interpreter evaluates itself (not providers).
pub fn is_language_builtin(name: Atom, arity: usize) -> bool {
    name.name() == "peers" && arity == 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_int_list(xs: &[i64]) -> Term {
        Term::list(xs.iter().map(|&x| Term::Int(x)).collect::<Vec<_>>())
    }

    #[test]
    fn arithmetic() {
        let t = Term::app(
            "+",
            vec![Term::Int(1), Term::app("*", vec![Term::Int(2), Term::Int(3)])],
        );
        assert_eq!(eval(&t), Ok(Num::Int(7)));
        assert_eq!(
            eval(&Term::app("/", vec![Term::Int(7), Term::Int(2)])),
            Ok(Num::Float(3.5))
        );
        assert!(eval(&Term::app("/", vec![Term::Int(7), Term::Int(0)])).is_err());
        assert!(eval(&Term::var(0)).is_err());
        assert_eq!(compare(CmpOp::Le, &Term::Int(1), &Term::Float(F64(1.0))), Ok(true));
    }

    #[test]
    fn list_builtins() {
        let l = parse_int_list(&[3, 1, 2]);
        assert_eq!(
            member(&[Term::var(0), l.clone()]),
            Answer::Succeeded(vec![vec![Term::Int(3)], vec![Term::Int(1)], vec![Term::Int(2)]])
        );
        assert_eq!(
            nth(&[Term::Int(2), l.clone(), Term::var(0)]),
            Answer::solution(vec![Term::Int(2), l.clone(), Term::Int(1)])
        );
        assert_eq!(nth(&[Term::Int(4), l.clone(), Term::var(0)]), Answer::Failed);
        assert_eq!(
            fold(&[l.clone(), Term::var(0)], "sum", |xs| xs.iter().try_fold(
                Num::Int(0),
                |a, x| int_op(a, *x, "+", i64::checked_add, |p, q| p + q).ok()
            )),
            Answer::solution(vec![l.clone(), Term::Int(6)])
        );
        match append(&[Term::var(0), Term::var(1), l.clone()]) {
            Answer::Succeeded(sols) => assert_eq!(sols.len(), 4),
            other => panic!("{other:?}"),
        }
        match length(&[Term::var(0), Term::Int(2)]) {
            Answer::Succeeded(sols) => assert_eq!(sols[0][0].list_items().unwrap().len(), 2),
            other => panic!("{other:?}"),
        }
    }
}
