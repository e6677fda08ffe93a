//! `then` mixed with `or` or `par` without parentheses (W0207).
//!
//! Precedence, loosest first, is `or`, `par`, `then`, so `A then B or C` reads
//! `(A then B) or C`. Authors often mean the other reading, so every maximal
//! unparenthesised region of `then`/`or`/`par` that mixes `then` with `or` or `par`
//! gets one warning showing both readings, with two fixes: parentheses that make
//! the current reading explicit, and parentheses for the other reading (the
//! region's operands and operators regrouped as if `then` bound most loosely).

use crate::ast::{Clause, Def, DefKind};
use crate::check::show;
use crate::diagnostic::{Diagnostic, TextEdit, codes};
use crate::span::Span;

/// Operands longer than this are abbreviated in messages.
const OPERAND_WIDTH: usize = 34;

/// A definition operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Or,
    Par,
    Then,
}

impl Op {
    fn of(def: &Def) -> Option<(Op, &Def, &Def)> {
        match &def.kind {
            DefKind::Or(a, b) => Some((Op::Or, a, b)),
            DefKind::Par(a, b) => Some((Op::Par, a, b)),
            DefKind::Then(a, b) => Some((Op::Then, a, b)),
            DefKind::Step(_) => None,
        }
    }

    fn keyword(self) -> &'static str {
        match self {
            Op::Or => "or",
            Op::Par => "par",
            Op::Then => "then",
        }
    }
}

/// Operator precedences: a higher level binds more tightly.
#[derive(Debug, Clone, Copy)]
enum Grammar {
    /// The real grammar: `or` < `par` < `then`; `then` groups to the right.
    Actual,
    /// The other reading: `then` < `or` < `par`.
    ThenLoosest,
}

impl Grammar {
    fn level(self, op: Op) -> u8 {
        match (self, op) {
            (Grammar::Actual, Op::Or) | (Grammar::ThenLoosest, Op::Then) => 0,
            (Grammar::Actual, Op::Par) | (Grammar::ThenLoosest, Op::Or) => 1,
            (Grammar::Actual, Op::Then) | (Grammar::ThenLoosest, Op::Par) => 2,
        }
    }
}

/// `then` groups to the right, `or` and `par` to the left (in both readings).
fn right_assoc(op: Op) -> bool {
    op == Op::Then
}

/// A grouping of a region's operands: operand `i`, or an operator node.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    Operand(usize),
    Node(Op, Box<Shape>, Box<Shape>),
}

impl Shape {
    fn first(&self) -> usize {
        match self {
            Shape::Operand(i) => *i,
            Shape::Node(_, a, _) => a.first(),
        }
    }

    fn last(&self) -> usize {
        match self {
            Shape::Operand(i) => *i,
            Shape::Node(_, _, b) => b.last(),
        }
    }
}

/// Groups `operands` joined by `ops` under `grammar` (shunting-yard, no recursion).
fn group(operands: usize, ops: &[Op], grammar: Grammar) -> Shape {
    let mut shapes = vec![Shape::Operand(0)];
    let mut pending: Vec<Op> = Vec::new();
    let reduce = |shapes: &mut Vec<Shape>, op: Op| {
        let b = shapes.pop().expect("operand");
        let a = shapes.pop().expect("operand");
        shapes.push(Shape::Node(op, Box::new(a), Box::new(b)));
    };
    for (i, &op) in ops.iter().enumerate() {
        while let Some(&top) = pending.last() {
            let (t, o) = (grammar.level(top), grammar.level(op));
            if t > o || (t == o && !right_assoc(op)) {
                reduce(&mut shapes, top);
                pending.pop();
            } else {
                break;
            }
        }
        pending.push(op);
        shapes.push(Shape::Operand(i + 1));
    }
    while let Some(op) = pending.pop() {
        reduce(&mut shapes, op);
    }
    debug_assert_eq!(shapes.len(), 1);
    debug_assert_eq!(shapes[0].last(), operands - 1);
    shapes.pop().expect("one shape")
}

/// Which nodes of a shape get parentheses when written out.
#[derive(Debug, Clone, Copy)]
enum Parens {
    /// Only where the real grammar needs them.
    Needed,
    /// Also around every `then` that is an operand of `or` or `par`.
    Explicit,
}

/// Writes `shape` with parentheses as `parens` asks, collecting the operand
/// ranges `(first, last)` that get parentheses.
fn write(shape: &Shape, parens: Parens, texts: &[String], out: &mut String, wraps: &mut Vec<(usize, usize)>) {
    let Shape::Node(op, a, b) = shape else {
        let Shape::Operand(i) = shape else { unreachable!() };
        out.push_str(&texts[*i]);
        return;
    };
    for (child, right) in [(a, false), (b, true)] {
        let wrap = match **child {
            Shape::Node(child_op, ..) => {
                let (c, p) = (Grammar::Actual.level(child_op), Grammar::Actual.level(*op));
                let needed = c < p || (child_op == *op && right != right_assoc(*op));
                let explicit = matches!(parens, Parens::Explicit) && child_op == Op::Then && *op != Op::Then;
                needed || explicit
            }
            Shape::Operand(_) => false,
        };
        if right {
            out.push_str(&format!(" {} ", op.keyword()));
        }
        if wrap {
            wraps.push((child.first(), child.last()));
            out.push('(');
        }
        write(child, parens, texts, out, wraps);
        if wrap {
            out.push(')');
        }
    }
}

/// One reading of a region: its text for the message and the edits that write it.
struct Reading {
    text: String,
    edits: Vec<TextEdit>,
}

fn reading(shape: &Shape, parens: Parens, operands: &[&Def]) -> Reading {
    let texts: Vec<String> = operands.iter().map(|d| show::operand(d, OPERAND_WIDTH)).collect();
    let mut text = String::new();
    let mut wraps = Vec::new();
    write(shape, parens, &texts, &mut text, &mut wraps);
    // Insertions at one offset are merged, so that the edits never overlap.
    let mut inserts: Vec<(u32, bool, Span)> = Vec::new();
    for (first, last) in wraps {
        let open = operands[first].span.shrink_to_start();
        let close = operands[last].span.shrink_to_end();
        inserts.push((open.start, true, open));
        inserts.push((close.end, false, close));
    }
    inserts.sort_by_key(|&(at, open, _)| (at, open));
    let mut edits: Vec<TextEdit> = Vec::new();
    for (_, open, span) in inserts {
        let paren = if open { '(' } else { ')' };
        match edits.last_mut() {
            Some(last) if last.span == span => last.replacement.push(paren),
            _ => edits.push(TextEdit {
                span,
                replacement: paren.to_string(),
            }),
        }
    }
    Reading { text, edits }
}

/// The operands and operators of the unparenthesised region rooted at `root`, in
/// source order (an explicit stack: `then` chains can be long).
fn flatten(root: &Def) -> (Vec<&Def>, Vec<Op>) {
    let mut operands = Vec::new();
    let mut ops = Vec::new();
    // Items to emit, last first: a definition to expand, or an operator.
    enum Item<'m> {
        Def(&'m Def),
        Op(Op),
    }
    let mut stack = vec![Item::Def(root)];
    while let Some(item) = stack.pop() {
        match item {
            Item::Op(op) => ops.push(op),
            Item::Def(def) => match Op::of(def) {
                Some((op, a, b)) if std::ptr::eq(def, root) || !def.parens => {
                    stack.extend([Item::Def(b), Item::Op(op), Item::Def(a)]);
                }
                _ => operands.push(def),
            },
        }
    }
    (operands, ops)
}

/// Reports W0207 once per mixing region.
pub fn check(clause: &Clause, out: &mut Vec<Diagnostic>) {
    let mut roots: Vec<&Def> = vec![&clause.body];
    while let Some(root) = roots.pop() {
        if Op::of(root).is_none() {
            continue;
        }
        let (operands, ops) = flatten(root);
        // Parenthesised operands start regions of their own.
        roots.extend(operands.iter().copied().filter(|d| Op::of(d).is_some()));
        let has_then = ops.contains(&Op::Then);
        let others: Vec<Op> = [Op::Or, Op::Par].into_iter().filter(|op| ops.contains(op)).collect();
        if has_then && !others.is_empty() {
            out.push(diagnostic(root, &operands, &ops, &others));
        }
    }
}

fn diagnostic(root: &Def, operands: &[&Def], ops: &[Op], others: &[Op]) -> Diagnostic {
    let actual = reading(&group(operands.len(), ops, Grammar::Actual), Parens::Explicit, operands);
    let other = reading(
        &group(operands.len(), ops, Grammar::ThenLoosest),
        Parens::Needed,
        operands,
    );
    let mixed = others
        .iter()
        .map(|op| format!("`{}`", op.keyword()))
        .collect::<Vec<_>>()
        .join(" and ");
    let loosest = others[0].keyword();
    Diagnostic::warning(
        codes::MIXED_OPERATORS,
        format!(
            "`then` mixed with {mixed} without parentheses: this reads as `{}`; you may have meant `{}`",
            actual.text, other.text
        ),
        root.span,
        format!("`{loosest}` binds more loosely than `then` here"),
    )
    .with_note("Precedence, loosest first: `or`, `par`, `then` (as in LiJ), so `A then B or C` means `(A then B) or C`, not `A then (B or C)`.")
    .with_note("Add parentheses to say which reading you mean.")
    .with_fix("add parentheses that keep the current reading", actual.edits)
    .with_fix(
        "add parentheses for the other reading (`then` first)",
        other.edits,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Item;
    use crate::check::tests::{apply, check_text, codes_of};
    use crate::parse;
    use crate::span::FileId;

    /// Test bodies write `@` for the step `a(r, X)` (a call that cannot always fire).
    fn expand(s: &str) -> String {
        s.replace('@', "a(r, X)")
    }

    /// The body of the first clause, fully bracketed, steps written `@` again.
    fn tree(text: &str) -> String {
        fn go(d: &Def) -> String {
            match Op::of(d) {
                Some((op, a, b)) => format!("[{} {} {}]", go(a), op.keyword(), go(b)),
                None => show::def(d).trim_matches(['(', ')']).replace("a(r, X", "@"),
            }
        }
        let parsed = parse(FileId(0), text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        match parsed.model.items.first() {
            Some(Item::Clause(c)) => go(&c.body),
            _ => panic!("no clause"),
        }
    }

    const HEAD: &str = "a(r, X) :: ";

    /// Checks `body`, expects one W0207, applies each of its two fixes, checks the
    /// fixed texts are clean and parse to the stated trees; returns the fixed bodies.
    fn fixes(body: &str, actual: &str, other: &str) -> (String, String) {
        let text = format!("{HEAD}{}", expand(body));
        let ds = check_text(&text);
        assert_eq!(codes_of(&ds), ["W0207"], "{ds:#?}");
        let d = &ds[0];
        assert_eq!(d.fixes.len(), 2);
        let fixed: Vec<String> = d.fixes.iter().map(|f| apply(&text, &f.edits)).collect();
        for f in &fixed {
            assert!(codes_of(&check_text(f)).is_empty(), "{f}");
        }
        assert_eq!(tree(&fixed[0]), tree(&text), "the first fix keeps the reading");
        assert_eq!(tree(&fixed[0]), actual);
        assert_eq!(tree(&fixed[1]), other);
        let strip = |s: &str| s[HEAD.len()..].replace("a(r, X)", "@");
        (strip(&fixed[0]), strip(&fixed[1]))
    }

    #[test]
    fn then_before_or() {
        let (a, b) = fixes("@ then @ or @", "[[@ then @] or @]", "[@ then [@ or @]]");
        assert_eq!(a, "(@ then @) or @");
        assert_eq!(b, "@ then (@ or @)");
    }

    #[test]
    fn the_load_balancing_shape() {
        let body = "@ then (@ then @) or (@ then @) or @";
        let d = &check_text(&format!("{HEAD}{}", expand(body)))[0];
        assert_eq!(
            d.message.replace("a(r, X)", "@"),
            "`then` mixed with `or` without parentheses: this reads as `(@ then (@ then @)) or (@ then @) or @`; you may have meant `@ then ((@ then @) or (@ then @) or @)`"
        );
        let (a, b) = fixes(
            body,
            "[[[@ then [@ then @]] or [@ then @]] or @]",
            "[@ then [[[@ then @] or [@ then @]] or @]]",
        );
        assert_eq!(a, "(@ then (@ then @)) or (@ then @) or @");
        assert_eq!(b, "@ then ((@ then @) or (@ then @) or @)");
    }

    #[test]
    fn or_between_thens_and_par() {
        let (a, b) = fixes(
            "@ or @ then @ par @ then @",
            "[@ or [[@ then @] par [@ then @]]]",
            "[[@ or @] then [[@ par @] then @]]",
        );
        assert_eq!(a, "@ or (@ then @) par (@ then @)");
        assert_eq!(b, "(@ or @) then (@ par @) then @");
    }

    #[test]
    fn par_between_then_and_or() {
        let (a, b) = fixes(
            "@ then @ par @ or @ then @",
            "[[[@ then @] par @] or [@ then @]]",
            "[@ then [[[@ par @] or @] then @]]",
        );
        assert_eq!(a, "(@ then @) par @ or (@ then @)");
        assert_eq!(b, "@ then (@ par @ or @) then @");
    }

    #[test]
    fn regions_stop_at_parentheses_and_long_operands_are_abbreviated() {
        assert!(check_text(&expand("a(r, X) :: @ then (@ or @)")).is_empty());
        assert!(check_text(&expand("a(r, X) :: (@ then @) or (@ par @)")).is_empty());
        let ds = check_text(&expand(
            "a(r, X) :: (@ then (@ or @ then @)) or @\n\
             a(s, X) :: (null <- p and p and p and p then @) or @ then @\n\
             constraint p()",
        ));
        assert_eq!(codes_of(&ds), ["W0207", "W0207"]);
        assert!(
            ds[1].message.contains("this reads as `(…) or (a(r, X) then a(r, X))`"),
            "{}",
            ds[1].message
        );
    }
}
