//! Fuzz target over lexer + parser + checker + formatter: no input may panic.
//!
//! Three input sources: random bytes, random soups of LCC tokens, and random
//! edits (delete, duplicate, insert a token, swap) of the stdlib's real models.
//! By default it runs for a few seconds as part of the test suite; set
//! `LCC_FUZZ_SECONDS=600` for a long run:
//! `LCC_FUZZ_SECONDS=600 cargo test --release -p lcc-syntax --test fuzz -- --nocapture`.

use std::time::{Duration, Instant};

use lcc_syntax::format::format_source;
use lcc_syntax::{FileId, Signatures, check_source};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const SEEDS: [&str; 4] = [
    include_str!("../../stdlib/seeds/load-balancing-published.lcc"),
    include_str!("../../stdlib/seeds/consolidation-published.lcc"),
    include_str!("../../stdlib/vmm/load-balancing.lcc"),
    include_str!("../../stdlib/vmm/consolidation.lcc"),
];

const TOKENS: &[&str] = &[
    "a(",
    "r(",
    "(",
    ")",
    "[",
    "]",
    ",",
    "|",
    "::",
    ".",
    "=>",
    "<=",
    "<-",
    "<--",
    "=",
    "==",
    "\\=",
    "!=",
    "<",
    ">",
    "=<",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "?",
    "then",
    "or",
    "par",
    "and",
    "not",
    "null",
    "is",
    "mod",
    "constraint",
    "idle",
    "X",
    "_",
    "Id",
    "0",
    "-3",
    "2.5e3",
    "\"s\\\"\"",
    "'q a'",
    "// c\n",
    "/* b */",
    "\n",
    " ",
    "≤",
    "😀",
    "%",
    "\"open",
    "'open",
    "/* open",
    "f()",
    "99999999999999999999",
    "\\u{110000}",
    "a(r, X) ::",
    "initial",
];

/// Every stage must return normally on `text`.
fn exercise(text: &str, signatures: &Signatures) {
    let checked = check_source(FileId(0), text, signatures);
    for d in &checked.diagnostics {
        assert!(d.primary.span.end as usize <= text.len(), "span past the end: {d:?}");
        let _ = lcc_syntax::render::render(
            d,
            "fuzz.lcc",
            text,
            lcc_syntax::render::RenderOptions {
                color: false,
                ascii: true,
            },
        );
    }
    if let Ok(formatted) = format_source(text) {
        let again = format_source(&formatted).expect("formatted text parses");
        assert_eq!(again, formatted, "formatting is not idempotent");
    }
}

fn inputs() -> impl Strategy<Value = String> {
    let bytes = proptest::collection::vec(any::<u8>(), 0..400).prop_map(|b| String::from_utf8_lossy(&b).into_owned());
    let soup = proptest::collection::vec(proptest::sample::select(TOKENS), 0..80).prop_map(|t| t.join(" "));
    let edits = (
        0..SEEDS.len(),
        proptest::collection::vec(
            (
                any::<u8>(),
                any::<prop::sample::Index>(),
                any::<prop::sample::Index>(),
                proptest::sample::select(TOKENS),
            ),
            1..6,
        ),
    )
        .prop_map(|(seed, edits)| {
            let mut text = SEEDS[seed].to_string();
            for (kind, at, len, token) in edits {
                let start = floor_char(&text, at.index(text.len() + 1));
                let end = floor_char(&text, (start + len.index(40)).min(text.len()));
                match kind % 4 {
                    0 => text.replace_range(start..end, ""),
                    1 => {
                        let copy = text[start..end].to_string();
                        text.insert_str(start, &copy);
                    }
                    2 => text.insert_str(start, token),
                    _ => text.replace_range(start..end, token),
                }
            }
            text
        });
    prop_oneof![bytes, soup, edits]
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[test]
fn front_end_never_panics() {
    let seconds: u64 = std::env::var("LCC_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let signatures = Signatures::standard();
    let executed = std::cell::Cell::new(0u64);
    while Instant::now() < deadline {
        // A fresh runner per round: a runner stops after `cases` successes, and each
        // new one draws a new random seed.
        let mut runner = TestRunner::new(Config {
            cases: 256,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&inputs(), |text| {
                exercise(&text, &signatures);
                executed.set(executed.get() + 1);
                Ok(())
            })
            .unwrap();
    }
    let cases = executed.get();
    eprintln!("fuzzed {cases} inputs in {seconds} s");
}

#[test]
fn known_awkward_inputs() {
    let signatures = Signatures::standard();
    for text in [
        "",
        "a",
        "a(",
        ")",
        "a(r, X) ::",
        "a(r, X) :: null <-",
        "// last",
        "/*",
        "'",
        "\"",
        "r(x, initial, 99999999999)",
        "constraint",
        "constraint f(+",
        "- - - 1",
        "a(r,X)::a(r,X)::",
        "\u{feff}a(r, X) :: null",
    ] {
        exercise(text, &signatures);
    }
}
