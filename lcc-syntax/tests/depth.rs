//! Deep nesting never overflows the stack: up to the limits everything works on a
//! small (2 MiB) thread stack, and past them the item is refused with E0113.

use lcc_syntax::depth::{MAX_NESTING, MAX_OPERATORS};
use lcc_syntax::format::format_source;
use lcc_syntax::{FileId, Signatures, check_source};

/// Checks and formats `text` on a 2 MiB thread; returns the codes reported.
fn codes_on_small_stack(text: String) -> Vec<&'static str> {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let checked = check_source(FileId(0), &text, &Signatures::standard());
            let _ = format_source(&text);
            checked.diagnostics.iter().map(|d| d.code.0).collect::<Vec<_>>()
        })
        .unwrap()
        .join()
        .expect("no stack overflow or panic")
}

fn then_chain(steps: usize, op: &str) -> String {
    let mut text = String::from("constraint p() \"\"\na(r, X) ::\n");
    for _ in 0..steps {
        text.push_str(&format!("  (null <- p) {op}\n"));
    }
    text.push_str("  a(r, X)\n");
    text
}

fn nested_term(depth: usize) -> String {
    format!(
        "constraint p(?T) \"\"\na(r, X) ::\n  null <- p({}X{})\n",
        "f(".repeat(depth),
        ")".repeat(depth)
    )
}

#[test]
fn long_chains_up_to_the_limit_work() {
    for op in ["then", "or", "par"] {
        let codes = codes_on_small_stack(then_chain(MAX_OPERATORS, op));
        assert!(!codes.contains(&"E0113"), "{op}: {codes:?}");
    }
}

#[test]
fn longer_chains_are_refused() {
    let codes = codes_on_small_stack(then_chain(MAX_OPERATORS + 1, "then"));
    assert!(codes.contains(&"E0113"), "{codes:?}");
    let codes = codes_on_small_stack(then_chain(100_000, "or"));
    assert_eq!(codes.iter().filter(|c| **c == "E0113").count(), 1, "{codes:?}");
}

#[test]
fn nesting_up_to_the_limit_works_and_deeper_is_refused() {
    // The call's own `p(` bracket counts too.
    let codes = codes_on_small_stack(nested_term(MAX_NESTING - 1));
    assert!(codes.is_empty(), "{codes:?}");
    let codes = codes_on_small_stack(nested_term(MAX_NESTING));
    assert_eq!(codes, vec!["E0113"]);
    let parens = format!("a(r, X) ::\n  {}null{}\n", "(".repeat(100_000), ")".repeat(100_000));
    assert_eq!(codes_on_small_stack(parens), vec!["E0113"]);
}
