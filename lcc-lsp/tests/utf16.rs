//! Positions are UTF-16 code units: checked on a line with an emoji before a role
//! reference, on the seed policies (which have `≤` in a comment), and on every
//! semantic token of them.

mod support;

use serde_json::{Value, json};
use support::{Client, at, pos, pos_of};

const EMOJI: &str = "\
// ≤ and 😀 before code
a(worker, W) ::
  /* 😀😀 */ job(W) => a(boss, B) then
  a(worker, W)

a(boss, B) ::
  job(W) <= a(worker, X)
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_definition_and_edits_after_an_emoji() {
    let mut client = Client::start(None).await;
    let uri = "untitled:emoji";
    client.open(uri, EMOJI).await;
    client.diagnostics(uri, Some(1)).await;

    let boss = pos_of(EMOJI, "boss", 0, 1);
    // `  /* 😀😀 */ job(W) => a(` is 25 UTF-16 units (each 😀 is two) but 29 bytes.
    assert_eq!(boss, json!({ "line": 2, "character": 26 }));
    let hover = client.request("textDocument/hover", at(uri, boss.clone())).await;
    assert_eq!(
        hover["range"],
        json!({ "start": { "line": 2, "character": 25 }, "end": { "line": 2, "character": 29 } })
    );
    assert!(hover["contents"]["value"].as_str().unwrap().contains("a(boss, B) ::"));
    let definition = client.request("textDocument/definition", at(uri, boss)).await;
    assert_eq!(definition[0]["range"]["start"], json!({ "line": 5, "character": 2 }));

    // Replace `boss` by `chief` with a UTF-16 range; the server's text follows.
    client
        .change(
            uri,
            2,
            json!({ "start": { "line": 2, "character": 25 }, "end": { "line": 2, "character": 29 } }),
            "chief",
        )
        .await;
    client.diagnostics(uri, Some(2)).await;
    let edited = EMOJI.replacen("a(boss, B) then", "a(chief, B) then", 1);
    let chief = client
        .request("textDocument/hover", at(uri, pos_of(&edited, "chief", 0, 0)))
        .await;
    assert!(
        chief["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("No clause defines this role"),
        "{chief}"
    );

    // A bad character after the emoji is reported at its UTF-16 column.
    client
        .change(
            uri,
            3,
            json!({ "start": { "line": 2, "character": 12 }, "end": { "line": 2, "character": 12 } }),
            "😀 ",
        )
        .await;
    let diagnostics = client.diagnostics(uri, Some(3)).await;
    let bad: Vec<&Value> = diagnostics.iter().filter(|d| d["code"] == "E0101").collect();
    assert_eq!(
        bad[0]["range"],
        json!({ "start": { "line": 2, "character": 12 }, "end": { "line": 2, "character": 14 } })
    );
    client.shutdown().await;
}

/// Every semantic token, read back with UTF-16 columns, is the lexer's token text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semantic_tokens_and_diagnostics_line_up_on_non_ascii_text() {
    let mut client = Client::start(None).await;
    for (name, text) in [
        (
            "consolidation",
            include_str!("../../stdlib/seeds/consolidation-published.lcc"),
        ),
        (
            "load-balancing",
            include_str!("../../stdlib/seeds/load-balancing-published.lcc"),
        ),
        ("emoji", EMOJI),
    ] {
        let uri = format!("untitled:{name}");
        client.open(&uri, text).await;
        let diagnostics = client.diagnostics(&uri, Some(1)).await;
        let expected = lcc_syntax::check_source(lcc_syntax::FileId(0), text, &lcc_syntax::Signatures::standard());
        for (got, want) in diagnostics.iter().zip(&expected.diagnostics) {
            assert_eq!(got["range"]["start"], pos(text, want.primary.span.start as usize));
            assert_eq!(got["range"]["end"], pos(text, want.primary.span.end as usize));
        }

        let tokens = client
            .request(
                "textDocument/semanticTokens/full",
                json!({ "textDocument": { "uri": uri } }),
            )
            .await;
        let lines: Vec<Vec<u16>> = text.split('\n').map(|l| l.encode_utf16().collect()).collect();
        let (mut line, mut column) = (0usize, 0usize);
        let mut seen = Vec::new();
        for token in tokens["data"].as_array().unwrap().chunks(5) {
            let n = |i: usize| token[i].as_u64().unwrap() as usize;
            if n(0) > 0 {
                line += n(0);
                column = n(1);
            } else {
                column += n(1);
            }
            seen.push(String::from_utf16(&lines[line][column..column + n(2)]).expect("whole characters"));
        }
        let (lexed, _) = lcc_syntax::token::lex(text);
        let words: Vec<&str> = lexed.iter().map(|t| &text[t.0..t.2]).collect();
        for word in &seen {
            assert!(
                words.iter().any(|w| w.lines().any(|l| l == word)),
                "{name}: `{word}` is not a token"
            );
        }
        if !text.is_ascii() {
            assert!(
                seen.iter().any(|w| !w.is_ascii()),
                "{name}: a non-ASCII comment is a token"
            );
        }
    }
    client.shutdown().await;
}
