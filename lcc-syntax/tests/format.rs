//! The formatter on real policies and on a file with every construct: snapshots of
//! the canonical layout, each checked to mean the same as its input, to keep every
//! comment and to be idempotent.

mod format_common;

use format_common::{erase_spans, format_checked, parse_clean};
use lcc_syntax::ast::*;
use lcc_syntax::format::{format_model, format_source};
use lcc_syntax::{FileId, Span, parse};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

#[test]
fn load_balancing_seed() {
    insta::assert_snapshot!(format_checked(&fixture("load-balancing-published.lcc")));
}

#[test]
fn consolidation_seed_with_its_parentheses_fixed() {
    insta::assert_snapshot!(format_checked(&fixture("consolidation-fixed.lcc")));
}

#[test]
fn every_construct() {
    insta::assert_snapshot!(format_checked(&fixture("every-construct.lcc")));
}

#[test]
fn the_consolidation_seed_as_published_is_refused() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../stdlib/seeds/consolidation-published.lcc"
    ))
    .unwrap();
    let errors = format_source(&text).unwrap_err();
    assert!(errors.iter().any(|d| d.is_error()));
}

#[test]
fn a_comment_between_then_and_the_next_step_stays_there() {
    let text = "a(r, X) :: null then\n// next\n  null then /* inline */ null";
    assert_eq!(
        format_checked(text),
        "a(r, X) ::\n  null then\n  // next\n  null then /* inline */\n  null\n"
    );
}

#[test]
fn a_final_line_comment_without_newline_is_kept() {
    assert_eq!(
        format_checked("r(x, initial) // last ≤ 😀"),
        "r(x, initial) // last ≤ 😀\n"
    );
    assert_eq!(format_checked("r(x, initial)\n// last"), "r(x, initial)\n// last\n");
}

#[test]
fn files_of_comments_or_nothing() {
    assert_eq!(format_checked(""), "");
    assert_eq!(format_checked("\n\n"), "");
    assert_eq!(
        format_checked("// one\n\n\n/* two\n   lines */   \n"),
        "// one\n\n/* two\n   lines */\n"
    );
}

#[test]
fn blank_lines_around_comment_blocks_are_kept_once() {
    let text = "// header\n\n\n// about idle\na(idle, X) ::\n  null then\n\n\n\n  // before\n\n  null";
    assert_eq!(
        format_checked(text),
        "// header\n\n// about idle\na(idle, X) ::\n  null then\n\n  // before\n\n  null\n"
    );
}

#[test]
fn windows_line_endings() {
    let text = "a(r, X) :: // top\r\n  null then\r\n  /* b */\r\n  null\r\n";
    assert_eq!(
        format_checked(text),
        "a(r, X) :: // top\n  null then\n  /* b */\n  null\n"
    );
}

#[test]
fn a_line_comment_ends_the_line_so_later_comments_move_down() {
    let text = "a(r, X) :: f(A, // one\n B) => a(s, Y) /* two */ then null";
    assert_eq!(
        format_checked(text),
        "a(r, X) ::\n  f(A, B) => a(s, Y) then // one\n  /* two */\n  null\n"
    );
}

#[test]
fn long_steps_break_before_their_constraint() {
    let text = "a(r, X) :: migration(OK) => a(overloaded, ID1) <- isMigrationPossible(Capacity, Need, Other, More, Plenty) then null";
    assert_eq!(
        format_checked(text),
        "a(r, X) ::\n  migration(OK) => a(overloaded, ID1)\n    <- isMigrationPossible(Capacity, Need, Other, More, Plenty) then\n  null\n"
    );
    let prefix = "a(r, X) :: ( isMigrationPossible(Capacity, Need, Other, More, ManyMore) <- migration(OK) <= a(overloaded, ID1) )";
    assert_eq!(
        format_checked(prefix),
        "a(r, X) ::\n  ( isMigrationPossible(Capacity, Need, Other, More, ManyMore)\n      <- migration(OK) <= a(overloaded, ID1)\n  )\n"
    );
}

#[test]
fn terms_print_canonically() {
    let text = "a(r, X) :: null <- X is ((A + (B)) - (C - D)) * -(2) / - -E mod (+F) and Y = - 3 \n then null <- Z = +3.50 and W = [ | T] and V = 'x' and U = '\\u{41}\\n'";
    assert_eq!(
        format_checked(text),
        "a(r, X) ::\n  null <- X is (A + B - (C - D)) * -(2) / -(-E) mod +F and Y = -3 then\n  null <- Z = 3.5 and W = [| T] and V = x and U = 'A\\n'\n"
    );
}

#[test]
fn calls_that_look_like_operators_or_roles_stay_calls() {
    assert_eq!(
        format_checked("a(r, X) :: '+'(A, B) <- m <= a(s, Y) then null <- '-'(A) and '+'(1, 2, 3)"),
        "a(r, X) ::\n  '+'(A, B) <- m <= a(s, Y) then\n  null <- '-'(A) and '+'(1, 2, 3)\n"
    );
    assert_eq!(
        format_checked("a(r, X) :: ('a'(A, B)) <- m <= a(s, Y) then null <- 'a'(A, B)"),
        "a(r, X) ::\n  ('a'(A, B)) <- m <= a(s, Y) then\n  null <- a(A, B)\n"
    );
}

#[test]
fn mixed_operators_keep_their_meaning_and_the_authors_parentheses() {
    let text = "a(r, X) :: null then null or null par (null or null) then (((null)))";
    assert_eq!(
        format_checked(text),
        "a(r, X) ::\n  null then\n  null or\n  null par\n  ( null or\n    null\n  ) then\n  ( null )\n"
    );
}

fn null_step() -> Def {
    Def {
        kind: DefKind::Step(Box::new(Step {
            kind: StepKind::Null { span: Span::default() },
            guard: None,
            span: Span::default(),
        })),
        parens: false,
        span: Span::default(),
    }
}

fn node(kind: fn(Box<Def>, Box<Def>) -> DefKind, a: Def, b: Def) -> Def {
    Def {
        kind: kind(Box::new(a), Box::new(b)),
        parens: false,
        span: Span::default(),
    }
}

fn atom(name: &str) -> Term {
    Term {
        kind: TermKind::Atom(name.into()),
        span: Span::default(),
    }
}

fn clause(body: Def) -> Model {
    Model {
        items: vec![Item::Clause(Box::new(Clause {
            head: RoleRef {
                role: atom("r"),
                id: atom("x"),
                span: Span::default(),
            },
            body,
            span: Span::default(),
        }))],
    }
}

#[test]
fn parentheses_the_tree_needs_are_added() {
    let n = null_step;
    // (null then null) then (null or null), written without parentheses.
    let body = node(
        DefKind::Then,
        node(DefKind::Then, n(), n()),
        node(DefKind::Or, n(), n()),
    );
    let text = format_model(&clause(body));
    assert_eq!(
        text,
        "a(r, x) ::\n  ( null then\n    null\n  ) then\n  ( null or\n    null\n  )\n"
    );
    // null par (null par (null or null)), written without parentheses.
    let body = node(DefKind::Par, n(), node(DefKind::Par, n(), node(DefKind::Or, n(), n())));
    let text = format_model(&clause(body));
    assert_eq!(
        text,
        "a(r, x) ::\n  null par\n  ( null par\n    ( null or\n      null\n    )\n  )\n"
    );
    let reparsed = parse(FileId(0), &text);
    assert!(!reparsed.has_errors());
    assert_eq!(format_source(&text).unwrap(), text);
    assert_eq!(erase_spans(&parse_clean(&text)), erase_spans(&reparsed.model));
}
