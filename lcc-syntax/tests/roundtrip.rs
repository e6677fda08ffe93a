//! Property tests of the formatter: for generated models, `parse(format(ast))` is
//! the model again (spans aside), formatting is idempotent and ignores the input's
//! layout; comments inserted between any tokens of formatted text are all kept, and
//! formatting stays idempotent.

mod format_common;

use format_common::{erase_spans, format_checked, parse_clean};
use lcc_syntax::Span;
use lcc_syntax::ast::*;
use lcc_syntax::format::{format_model, format_source};
use lcc_syntax::token::lex;
use proptest::prelude::*;
use proptest::sample::{Index, select};

const KEYWORDS: [&str; 9] = ["then", "or", "par", "and", "not", "null", "is", "mod", "constraint"];

/// Every comparison operator.
const CMP_OPS: [CmpOp; 9] = [
    CmpOp::Unify,
    CmpOp::NotUnify,
    CmpOp::Eq,
    CmpOp::NotEq,
    CmpOp::Lt,
    CmpOp::Gt,
    CmpOp::Le,
    CmpOp::Ge,
    CmpOp::Is,
];

fn term_of(kind: TermKind) -> Term {
    Term {
        kind,
        span: Span::default(),
    }
}

fn var_name() -> impl Strategy<Value = String> {
    "[A-Z][A-Za-z0-9_]{0,4}|_[A-Za-z0-9_]{1,3}"
}

fn bare_atom_name() -> impl Strategy<Value = String> {
    "[a-z][a-zA-Z0-9_]{0,5}".prop_filter("a keyword", |s| !KEYWORDS.contains(&s.as_str()))
}

/// Text with quotes, backslashes, control characters and any Unicode.
fn any_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            any::<char>(),
            select(vec!['\'', '"', '\\', '\n', '\t', '\r', '\0', ' ', 'a', 'Z', '≤', '😀']),
        ],
        0..6,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// Atom names: plain, dotted, keywords, operators and ones that need quotes.
fn atom_name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => bare_atom_name(),
        1 => "[a-z][a-z0-9]{0,2}[.:@][a-z0-9]{1,2}",
        1 => select(vec![
            "then", "or", "par", "and", "not", "null", "is", "mod", "constraint", "a", "r",
            "+", "-", "*", "/", "[]", "",
        ])
        .prop_map(str::to_string),
        1 => any_text(),
    ]
}

fn finite_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
        select(vec![0.0, -0.0, 1.5, -2.25, 1e20, 1e-7, 0.1]),
    ]
}

fn term() -> impl Strategy<Value = Term> {
    let leaf = prop_oneof![
        var_name().prop_map(|v| TermKind::Var(v.into())),
        Just(TermKind::Anon),
        atom_name().prop_map(|a| TermKind::Atom(a.into())),
        any::<i64>().prop_map(TermKind::Int),
        (-20i64..20).prop_map(TermKind::Int),
        finite_float().prop_map(TermKind::Float),
        any_text().prop_map(|s| TermKind::Str(s.into())),
    ]
    .prop_map(term_of);
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (atom_name(), proptest::collection::vec(inner.clone(), 0..3)).prop_map(|(functor, args)| {
                TermKind::Compound {
                    functor: functor.into(),
                    args: args.into(),
                }
            }),
            (select(vec!["+", "-", "*", "/", "mod"]), inner.clone(), inner.clone()).prop_map(|(op, a, b)| {
                TermKind::Compound {
                    functor: op.into(),
                    args: [a, b].into(),
                }
            }),
            (select(vec!["+", "-"]), inner.clone()).prop_map(|(op, a)| TermKind::Compound {
                functor: op.into(),
                args: [a].into(),
            }),
            (
                proptest::collection::vec(inner.clone(), 0..3),
                proptest::option::of(inner)
            )
                .prop_map(|(items, tail)| TermKind::List {
                    items: items.into(),
                    tail: tail.map(Box::new),
                }),
        ]
        .prop_map(term_of)
    })
}

/// A term that can be called as a constraint: an atom or a compound.
fn callable() -> impl Strategy<Value = Term> {
    prop_oneof![
        atom_name().prop_map(|a| term_of(TermKind::Atom(a.into()))),
        (atom_name(), proptest::collection::vec(term(), 0..3)).prop_map(|(functor, args)| term_of(
            TermKind::Compound {
                functor: functor.into(),
                args: args.into(),
            }
        )),
        (select(vec!["a", "+", "-"]), proptest::collection::vec(term(), 1..3)).prop_map(|(f, args)| term_of(
            TermKind::Compound {
                functor: f.into(),
                args: args.into(),
            }
        )),
    ]
}

fn cond_of(kind: CondKind, parens: bool) -> Cond {
    Cond {
        kind,
        parens,
        span: Span::default(),
    }
}

fn cond() -> impl Strategy<Value = Cond> {
    let ops = select(CMP_OPS.to_vec());
    let leaf = prop_oneof![
        (ops, term(), term()).prop_map(|(op, lhs, rhs)| CondKind::Compare { op, lhs, rhs }),
        callable().prop_map(CondKind::Call),
    ];
    (leaf, any::<bool>())
        .prop_map(|(kind, parens)| cond_of(kind, parens))
        .prop_recursive(3, 8, 2, |inner| {
            (
                prop_oneof![
                    (inner.clone(), inner.clone()).prop_map(|(a, b)| CondKind::And(Box::new(a), Box::new(b))),
                    (inner.clone(), inner.clone()).prop_map(|(a, b)| CondKind::Or(Box::new(a), Box::new(b))),
                    inner.prop_map(|a| CondKind::Not(Box::new(a))),
                ],
                any::<bool>(),
            )
                .prop_map(|(kind, parens)| cond_of(kind, parens))
        })
}

fn role_ref() -> impl Strategy<Value = RoleRef> {
    let role = prop_oneof![
        3 => bare_atom_name().prop_map(|a| term_of(TermKind::Atom(a.into()))),
        2 => callable(),
        1 => var_name().prop_map(|v| term_of(TermKind::Var(v.into()))),
    ];
    let id = prop_oneof![
        var_name().prop_map(|v| TermKind::Var(v.into())),
        Just(TermKind::Anon),
        atom_name().prop_map(|a| TermKind::Atom(a.into())),
    ]
    .prop_map(term_of);
    (role, id).prop_map(|(role, id)| RoleRef {
        role,
        id,
        span: Span::default(),
    })
}

fn step() -> impl Strategy<Value = Step> {
    let kind = prop_oneof![
        (term(), role_ref()).prop_map(|(message, to)| StepKind::Send {
            message,
            to: Box::new(to),
        }),
        (term(), role_ref()).prop_map(|(message, from)| StepKind::Receive {
            message,
            from: Box::new(from),
        }),
        Just(StepKind::Null { span: Span::default() }),
        role_ref().prop_map(|r| StepKind::Call(Box::new(r))),
    ];
    let guard = proptest::option::of((cond(), any::<bool>()));
    (kind, guard).prop_map(|(kind, guard)| {
        let receive = matches!(kind, StepKind::Receive { .. });
        Step {
            kind,
            guard: guard.map(|(cond, prefix)| {
                Box::new(Guard {
                    cond,
                    prefix: prefix && receive,
                })
            }),
            span: Span::default(),
        }
    })
}

fn def_of(kind: DefKind, parens: bool) -> Def {
    Def {
        kind,
        parens,
        span: Span::default(),
    }
}

fn def() -> impl Strategy<Value = Def> {
    (step(), any::<bool>())
        .prop_map(|(s, parens)| def_of(DefKind::Step(Box::new(s)), parens))
        .prop_recursive(4, 12, 2, |inner| {
            (select(vec![0, 1, 2]), inner.clone(), inner, any::<bool>()).prop_map(|(op, a, b, parens)| {
                let (a, b) = (Box::new(a), Box::new(b));
                let kind = match op {
                    0 => DefKind::Then(a, b),
                    1 => DefKind::Or(a, b),
                    _ => DefKind::Par(a, b),
                };
                def_of(kind, parens)
            })
        })
}

fn item() -> impl Strategy<Value = Item> {
    let counts = prop_oneof![
        Just((None, None)),
        any::<u32>().prop_map(|min| (Some(min), None)),
        (any::<u32>(), any::<u32>()).prop_map(|(min, max)| (Some(min), Some(max))),
    ];
    let count = |value| Count {
        value,
        span: Span::default(),
    };
    let role_decl = (
        prop_oneof![
            bare_atom_name().prop_map(|a| term_of(TermKind::Atom(a.into()))),
            callable()
        ],
        select(RoleKind::ALL.to_vec()),
        counts,
    )
        .prop_map(move |(role, kind, (min, max))| {
            Item::RoleDecl(Box::new(RoleDecl {
                role,
                kind,
                kind_span: Span::default(),
                min: min.map(count),
                max: max.map(count),
                span: Span::default(),
            }))
        });
    let mode = select(vec![Mode::In, Mode::Out, Mode::Any]);
    let constraint_decl = (
        bare_atom_name(),
        proptest::collection::vec((mode, var_name()), 0..3),
        any::<bool>(),
        proptest::option::of(any_text()),
    )
        .prop_map(|(name, params, empty_parens, doc)| {
            Item::ConstraintDecl(Box::new(ConstraintDecl {
                name,
                name_span: Span::default(),
                empty_parens: empty_parens && params.is_empty(),
                params: params
                    .into_iter()
                    .map(|(mode, name)| Param {
                        mode,
                        name,
                        span: Span::default(),
                    })
                    .collect(),
                doc,
                span: Span::default(),
            }))
        });
    let clause = (role_ref(), def()).prop_map(|(head, mut body)| {
        normalise_def(&mut body, false);
        Item::Clause(Box::new(Clause {
            head,
            body,
            span: Span::default(),
        }))
    });
    prop_oneof![1 => role_decl, 1 => constraint_decl, 3 => clause]
}

fn model() -> impl Strategy<Value = Model> {
    proptest::collection::vec(item(), 0..5).prop_map(|items| Model { items })
}

/// Sets the parentheses the grammar needs, as a parser would have recorded them:
/// `required` says whether `d`'s position needs them.
fn normalise_def(d: &mut Def, required: bool) {
    d.parens |= required;
    match &mut d.kind {
        DefKind::Then(a, b) => {
            let left = !matches!(a.kind, DefKind::Step(_));
            let right = matches!(b.kind, DefKind::Or(..) | DefKind::Par(..));
            normalise_def(a, left);
            normalise_def(b, right);
        }
        DefKind::Or(a, b) => {
            let right = matches!(b.kind, DefKind::Or(..));
            normalise_def(a, false);
            normalise_def(b, right);
        }
        DefKind::Par(a, b) => {
            let left = matches!(a.kind, DefKind::Or(..));
            let right = matches!(b.kind, DefKind::Or(..) | DefKind::Par(..));
            normalise_def(a, left);
            normalise_def(b, right);
        }
        DefKind::Step(step) => {
            if let Some(guard) = &mut step.guard {
                normalise_cond(&mut guard.cond, Level::And);
            }
        }
    }
}

/// Constraint binding strengths, loosest first.
#[derive(PartialEq, PartialOrd, Clone, Copy)]
enum Level {
    Or,
    And,
    Not,
    Atomic,
}

/// Sets the parentheses a constraint needs where at least `min` is required.
fn normalise_cond(c: &mut Cond, min: Level) {
    let level = match c.kind {
        CondKind::Or(..) => Level::Or,
        CondKind::And(..) => Level::And,
        CondKind::Not(_) => Level::Not,
        _ => Level::Atomic,
    };
    c.parens |= level < min;
    match &mut c.kind {
        CondKind::Or(a, b) => {
            normalise_cond(a, Level::Or);
            normalise_cond(b, Level::And);
        }
        CondKind::And(a, b) => {
            normalise_cond(a, Level::And);
            normalise_cond(b, Level::Not);
        }
        CondKind::Not(a) => normalise_cond(a, Level::Not),
        _ => {}
    }
}

/// The comments a test may insert, each marked with its number.
fn comment(kind: u8, n: usize) -> String {
    match kind % 5 {
        0 => format!(" // #{n}#\n"),
        1 => format!(" /* #{n}# */ "),
        2 => format!("\n\n  // #{n}# ≤ 😀\n"),
        3 => format!("\n/* #{n}#\n   two lines */\n"),
        _ => format!(" /* #{n}# */ // also #{n}#\n"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn formatted_models_parse_back_and_are_stable(model in model()) {
        let text = format_model(&model);
        prop_assert_eq!(erase_spans(&parse_clean(&text)), erase_spans(&model), "{}", text);
        prop_assert_eq!(format_source(&text).unwrap(), text);
    }

    #[test]
    fn comments_anywhere_are_kept_and_stable(
        model in model(),
        places in proptest::collection::vec((any::<Index>(), any::<u8>()), 1..8),
    ) {
        let text = format_model(&model);
        let ends: Vec<usize> = std::iter::once(0)
            .chain(lex(&text).0.iter().map(|t| t.2))
            .collect();
        let mut inserts: Vec<(usize, String)> = places
            .iter()
            .enumerate()
            .map(|(n, (at, kind))| (ends[at.index(ends.len())], comment(*kind, n)))
            .collect();
        inserts.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
        let mut commented = text.clone();
        for (at, comment) in &inserts {
            commented.insert_str(*at, comment);
        }
        // Same model, same number of comments, idempotent.
        let formatted = format_checked(&commented);
        for n in 0..places.len() {
            let marker = format!("#{n}#");
            prop_assert_eq!(
                formatted.matches(&marker).count(),
                commented.matches(&marker).count(),
                "comment {} lost in\n{}\nformatted from\n{}", n, formatted, commented
            );
        }
        prop_assert_eq!(erase_spans(&parse_clean(&formatted)), erase_spans(&model));
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_layout_does_not_depend_on_the_input_layout(
        model in model(),
        spaces in proptest::collection::vec(select(vec![" ", "\n", "\t", "\n\n    ", "  \r\n"]), 1..16),
    ) {
        let text = format_model(&model);
        let mut respaced = String::new();
        for (i, (start, _, end)) in lex(&text).0.into_iter().enumerate() {
            respaced.push_str(spaces[i % spaces.len()]);
            respaced.push_str(&text[start..end]);
        }
        prop_assert_eq!(format_checked(&respaced), text);
    }
}
