//! The server keeps answering: a stream of random half-typed edits with requests in
//! between, cancelled requests, and a verifier that panics.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lcc_syntax::diagnostic::{Code, Diagnostic};
use lcc_syntax::span::{FileId, Span};
use serde_json::{Value, json};
use support::{Client, at, pos};

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}

const FRAGMENTS: [&str; 28] = [
    "a(",
    ")",
    "(",
    " then ",
    " <- ",
    " => ",
    " <= ",
    "X",
    "null",
    " :: ",
    "\"",
    "'",
    "/*",
    "*/",
    "%",
    "😀",
    "≤",
    ", ",
    "[",
    "]",
    "|",
    " or ",
    "constraint ",
    "r(",
    "\n",
    "member(",
    "a(idle, P)",
    ".",
];

const METHODS: [&str; 12] = [
    "textDocument/hover",
    "textDocument/definition",
    "textDocument/references",
    "textDocument/completion",
    "textDocument/signatureHelp",
    "textDocument/prepareRename",
    "textDocument/rename",
    "textDocument/semanticTokens/full",
    "textDocument/foldingRange",
    "textDocument/documentSymbol",
    "textDocument/codeAction",
    "textDocument/formatting",
];

fn params(method: &str, uri: &str, position: Value) -> Value {
    let mut p = at(uri, position.clone());
    match method {
        "textDocument/references" => p["context"] = json!({ "includeDeclaration": true }),
        "textDocument/rename" => p["newName"] = json!("renamed"),
        "textDocument/codeAction" => {
            p["range"] = json!({ "start": position, "end": position });
            p["context"] = json!({ "diagnostics": [] });
        }
        "textDocument/formatting" => p["options"] = json!({ "tabSize": 2, "insertSpaces": true }),
        _ => {}
    }
    p
}

/// A random character boundary of `text`.
fn boundary(rng: &mut Rng, text: &str) -> usize {
    let bounds: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
    bounds[rng.below(bounds.len())]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_half_typed_edits_never_stop_the_server() {
    let mut client = Client::start(None).await;
    let uri = "untitled:fuzz";
    let mut text = include_str!("../../stdlib/seeds/consolidation-published.lcc").to_string();
    client.open(uri, &text).await;
    let mut rng = Rng(0x0001_cc15_600d);
    let mut pending = Vec::new();
    let mut version = 1;
    for _ in 0..400 {
        version += 1;
        let start = boundary(&mut rng, &text);
        let (end, insert) = match rng.below(3) {
            0 => (start, FRAGMENTS[rng.below(FRAGMENTS.len())].to_string()),
            1 => {
                let end = text[start..]
                    .char_indices()
                    .nth(rng.below(12))
                    .map_or(text.len(), |(i, _)| start + i);
                (end, String::new())
            }
            _ => (start, FRAGMENTS[rng.below(FRAGMENTS.len())].repeat(1 + rng.below(3))),
        };
        let range = json!({ "start": pos(&text, start), "end": pos(&text, end) });
        text.replace_range(start..end, &insert);
        client.change(uri, version, range, &insert).await;
        for _ in 0..rng.below(3) {
            let method = METHODS[rng.below(METHODS.len())];
            let at_offset = boundary(&mut rng, &text);
            pending.push((
                method,
                client
                    .send_request(method, params(method, uri, pos(&text, at_offset)))
                    .await,
            ));
        }
    }
    for (method, id) in pending {
        let response = client.response(id).await;
        if let Some(error) = response.get("error") {
            let code = error["code"].as_i64().unwrap();
            // Content modified (a newer edit cancelled it) or a refused rename are answers;
            // an internal error (a panic) is not.
            assert!(code == -32801 || code == -32602, "{method}: {error}");
        }
    }
    let last = client.diagnostics(uri, Some(version)).await;
    let expected = lcc_syntax::check_source(FileId(0), &text, &lcc_syntax::Signatures::standard());
    assert_eq!(
        last.iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect::<Vec<_>>(),
        expected
            .diagnostics
            .iter()
            .map(|d| d.code.0.to_string())
            .collect::<Vec<_>>(),
        "the server's text is the client's: {text}"
    );
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_cancellable_and_edits_cancel_stale_work() {
    let mut client = Client::start(None).await;
    let uri = "untitled:big";
    let clause = "a(r, X) ::\n  m(X, [1, 2]) => a(s, Y) <- member(Y, [1]) then\n  a(r, X)\n\n";
    let text = clause.repeat(3000);
    client.open(uri, &text).await;
    client.diagnostics(uri, Some(1)).await;

    let id = client
        .send_request(
            "textDocument/semanticTokens/full",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await;
    client.notify("$/cancelRequest", json!({ "id": id })).await;
    let response = client.response(id).await;
    assert!(
        response.get("result").is_some() || response["error"]["code"] == -32800,
        "{response}"
    );

    // An edit while a request runs: the request answers (result or ContentModified).
    let id = client
        .send_request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }))
        .await;
    client
        .change(
            uri,
            2,
            json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }),
            "// x\n",
        )
        .await;
    let response = client.response(id).await;
    assert!(
        response.get("result").is_some() || response["error"]["code"] == -32801,
        "{response}"
    );
    client.diagnostics(uri, Some(2)).await;
    let hover = client
        .request("textDocument/hover", at(uri, json!({ "line": 1, "character": 2 })))
        .await;
    assert!(hover["contents"]["value"].as_str().unwrap().contains("**role** `r`"));
    client.shutdown().await;
}

/// A verifier that reports one finding about the first clause head, or panics.
struct FakeVerifier {
    runs: AtomicUsize,
    panics: bool,
}

impl lcc_lsp::Verifier for FakeVerifier {
    fn verify(&self, file: FileId, text: &str, budget: Duration) -> Vec<Diagnostic> {
        self.runs.fetch_add(1, Ordering::Relaxed);
        assert!(!self.panics, "the verifier failed");
        assert_eq!(budget, Duration::from_millis(750));
        let head = text.find("a(").unwrap();
        let step = text.find("=>").unwrap();
        vec![
            Diagnostic::error(
                Code("V0001"),
                "deadlock",
                Span::new(file, head, head + 1),
                "every peer waits",
            )
            .with_label(Span::new(file, step, step + 2), "1. this send is never received"),
        ]
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_on_save_publishes_findings_until_the_next_edit() {
    let verifier = Arc::new(FakeVerifier {
        runs: AtomicUsize::new(0),
        panics: false,
    });
    let options = json!({ "verifyOnSave": true, "verifyTimeBudgetMs": 750 });
    let mut client = Client::start_with(None, Some(verifier.clone()), options).await;
    let uri = "untitled:verify";
    let text = "a(r, X) ::\n  m(X) => a(r, X)\n";
    client.open(uri, text).await;
    let checks = client.diagnostics(uri, Some(1)).await;
    assert!(checks.iter().all(|d| d["code"] != "V0001"));
    client
        .notify("textDocument/didSave", json!({ "textDocument": { "uri": uri } }))
        .await;
    let found = client.diagnostics(uri, Some(1)).await;
    assert_eq!(
        found.len(),
        checks.len() + 1,
        "the checks' diagnostics plus the verifier's"
    );
    let finding = found
        .iter()
        .find(|d| d["code"] == "V0001")
        .expect("the verifier's finding");
    assert_eq!(
        finding["relatedInformation"][0]["message"],
        "1. this send is never received"
    );
    assert_eq!(
        finding["relatedInformation"][0]["location"]["range"]["start"],
        json!({ "line": 1, "character": 7 })
    );

    client
        .change(
            uri,
            2,
            json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }),
            " ",
        )
        .await;
    let after = client.diagnostics(uri, Some(2)).await;
    assert_eq!(after.len(), checks.len(), "the finding is gone after an edit");
    assert!(after.iter().all(|d| d["code"] != "V0001"));

    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": { "lcc": { "verifyOnSave": false } } }),
        )
        .await;
    client
        .notify("textDocument/didSave", json!({ "textDocument": { "uri": uri } }))
        .await;
    client
        .request("textDocument/hover", at(uri, json!({ "line": 0, "character": 3 })))
        .await;
    assert_eq!(verifier.runs.load(Ordering::Relaxed), 1, "no run with verifyOnSave off");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_verifier_does_not_stop_the_server() {
    let verifier = Arc::new(FakeVerifier {
        runs: AtomicUsize::new(0),
        panics: true,
    });
    let mut client = Client::start_with(None, Some(verifier.clone()), json!({ "verifyTimeBudgetMs": 750 })).await;
    let uri = "untitled:panics";
    client.open(uri, "a(r, X) :: null").await;
    client.diagnostics(uri, Some(1)).await;
    client
        .notify("textDocument/didSave", json!({ "textDocument": { "uri": uri } }))
        .await;
    let failed = client
        .notification(|m| {
            m["method"] == "window/logMessage"
                && m["params"]["message"]
                    .as_str()
                    .is_some_and(|t| t.contains("verification failed"))
        })
        .await;
    assert_eq!(failed["params"]["type"], 1, "reported as an error");
    let hover = client
        .request("textDocument/hover", at(uri, json!({ "line": 0, "character": 2 })))
        .await;
    assert!(hover["contents"]["value"].as_str().unwrap().contains("role"));
    assert_eq!(verifier.runs.load(Ordering::Relaxed), 1);
    client.shutdown().await;
}
