//! Helpers shared by the formatter's tests.

use lcc_syntax::ast::*;
use lcc_syntax::format::format_source;
use lcc_syntax::{FileId, Span, parse};

/// `model` with every span set to `Span::default()`, for comparing ASTs.
pub fn erase_spans(model: &Model) -> Model {
    let mut model = model.clone();
    for item in &mut model.items {
        match item {
            Item::RoleDecl(d) => {
                d.span = Span::default();
                d.kind_span = Span::default();
                term(&mut d.role);
                for count in [&mut d.min, &mut d.max].into_iter().flatten() {
                    count.span = Span::default();
                }
            }
            Item::ConstraintDecl(d) => {
                d.span = Span::default();
                d.name_span = Span::default();
                for p in &mut d.params {
                    p.span = Span::default();
                }
            }
            Item::Clause(c) => {
                c.span = Span::default();
                role_ref(&mut c.head);
                def(&mut c.body);
            }
        }
    }
    model
}

fn role_ref(r: &mut RoleRef) {
    r.span = Span::default();
    term(&mut r.role);
    term(&mut r.id);
}

fn def(d: &mut Def) {
    d.span = Span::default();
    match &mut d.kind {
        DefKind::Then(a, b) | DefKind::Or(a, b) | DefKind::Par(a, b) => {
            def(a);
            def(b);
        }
        DefKind::Step(s) => {
            s.span = Span::default();
            match &mut s.kind {
                StepKind::Send { message, to: r } | StepKind::Receive { message, from: r } => {
                    term(message);
                    role_ref(r);
                }
                StepKind::Null { span } => *span = Span::default(),
                StepKind::Call(r) => role_ref(r),
            }
            if let Some(g) = &mut s.guard {
                cond(&mut g.cond);
            }
        }
    }
}

fn cond(c: &mut Cond) {
    c.span = Span::default();
    match &mut c.kind {
        CondKind::And(a, b) | CondKind::Or(a, b) => {
            cond(a);
            cond(b);
        }
        CondKind::Not(a) => cond(a),
        CondKind::Compare { lhs, rhs, .. } => {
            term(lhs);
            term(rhs);
        }
        CondKind::Call(t) => term(t),
    }
}

fn term(t: &mut Term) {
    t.span = Span::default();
    match &mut t.kind {
        TermKind::Compound { args, .. } => args.iter_mut().for_each(term),
        TermKind::List { items, tail } => {
            items.iter_mut().for_each(term);
            if let Some(tail) = tail {
                term(tail);
            }
        }
        _ => {}
    }
}

/// Parses `text`, which must be free of syntax errors.
pub fn parse_clean(text: &str) -> Model {
    let parsed = parse(FileId(0), text);
    assert!(
        !parsed.has_errors(),
        "syntax errors in\n{text}\n{:#?}",
        parsed.diagnostics
    );
    parsed.model
}

/// Formats `text` and checks the formatter's promises: the output parses to the
/// same model (spans aside), keeps every comment and formats to itself.
pub fn format_checked(text: &str) -> String {
    let formatted = format_source(text).expect("the input parses");
    assert_eq!(
        erase_spans(&parse_clean(&formatted)),
        erase_spans(&parse_clean(text)),
        "the formatted text means something else:\n{formatted}"
    );
    assert_eq!(
        parse(FileId(0), &formatted).comments.len(),
        parse(FileId(0), text).comments.len(),
        "comments were lost or merged:\n{formatted}"
    );
    for comment in parse(FileId(0), text).comments {
        assert!(
            formatted.contains(comment.text.trim_end()),
            "comment {:?} is missing from\n{formatted}",
            comment.text
        );
    }
    assert_eq!(
        format_source(&formatted).expect("the output parses"),
        formatted,
        "formatting is not idempotent"
    );
    formatted
}
