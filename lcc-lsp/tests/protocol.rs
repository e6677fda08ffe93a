//! Protocol tests: a real server on an in-process pipe, driven request by request.

mod support;

use serde_json::{Value, json};
use support::{Client, at, file_uri, pos, pos_of, stdlib_files, workspace};

const MODEL: &str = "\
// Negotiation: a buyer asks, a seller offers. 😀 and ≤ keep positions honest.
r(buyer, initial)
constraint price(+Item, -Price) \"The price of Item.\"

a(buyer, B) ::
  ask(Item) => a(seller, S) <- member(Item, [apple, pear]) then
  offer(Item, P) <= a(seller, S) then
  ( accept(Item) => a(seller, S) <- P =< 10
    or null <- isOverLoaded() )

/* The seller
   answers. */
a(seller, S) ::
  ask(Item) <= a(buyer, B) then
  offer(Item, P) => a(buyer, B) <- price(Item, P)
";

const OTHER: &str = "\
a(auditor, A) ::
  report(X) <= a(seller, S) then
  a(buyer, A)
";

/// A workspace with the model, another model and the standard library; the model open.
async fn session() -> (Client, String, String) {
    let mut files = stdlib_files();
    files.push(("model.lcc", MODEL));
    files.push(("other.lcc", OTHER));
    let root = workspace(&files);
    let uri = file_uri(&root.join("model.lcc"));
    let other = file_uri(&root.join("other.lcc"));
    let mut client = Client::start(Some(&root)).await;
    client.open(&uri, MODEL).await;
    assert_eq!(codes(&client.diagnostics(&uri, Some(1)).await), expected_codes(MODEL));
    (client, uri, other)
}

/// The codes of published diagnostics.
fn codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// The codes `lcc check` reports for `text` (syntax and, once merged, semantic checks).
fn expected_codes(text: &str) -> Vec<String> {
    let checked = lcc_syntax::check_source(lcc_syntax::FileId(0), text, &lcc_syntax::Signatures::standard());
    checked.diagnostics.iter().map(|d| d.code.0.to_string()).collect()
}

/// Only the syntax errors (`E01xx`) among `codes`.
fn syntax_codes(codes: Vec<String>) -> Vec<String> {
    codes.into_iter().filter(|c| c.starts_with("E01")).collect()
}

fn locations(value: &Value) -> Vec<(String, u64, u64)> {
    value
        .as_array()
        .expect("locations")
        .iter()
        .map(|l| {
            let file = l["uri"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
            (
                file,
                l["range"]["start"]["line"].as_u64().unwrap(),
                l["range"]["start"]["character"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_announces_every_feature() {
    let mut client = Client::start(None).await;
    let id = client.send_request("initialize", json!({ "capabilities": {} })).await;
    let second = client.response(id).await;
    assert!(second.get("error").is_some(), "a second initialize is refused");
    client.shutdown().await;

    let (service, _) = tower_lsp_server::LspService::new(|c| lcc_lsp::Server::new(c, None));
    let result = tower_lsp_server::LanguageServer::initialize(
        service.inner(),
        serde_json::from_value(json!({ "capabilities": {} })).unwrap(),
    )
    .await
    .unwrap();
    insta::assert_json_snapshot!("capabilities", result.capabilities);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diagnostics_carry_the_version_and_follow_edits() {
    let text = include_str!("../../stdlib/seeds/consolidation-published.lcc");
    let mut client = Client::start(None).await;
    let uri = "file:///seed/consolidation-published.lcc";
    client.open(uri, text).await;
    let first = client.diagnostics(uri, Some(1)).await;
    let expected = lcc_syntax::check_source(lcc_syntax::FileId(0), text, &lcc_syntax::Signatures::standard());
    assert_eq!(
        first.iter().map(|d| d["code"].as_str().unwrap()).collect::<Vec<_>>(),
        expected.diagnostics.iter().map(|d| d.code.0).collect::<Vec<_>>()
    );
    let syntax: Vec<&Value> = first
        .iter()
        .filter(|d| d["code"].as_str().unwrap().starts_with("E01"))
        .collect();
    insta::assert_json_snapshot!("seed_syntax_diagnostics", syntax);

    // Delete the stray `)` of line 14 (0-based 13): fewer errors, at version 2.
    let line = text.lines().nth(13).unwrap();
    assert_eq!(line.trim(), ") or");
    let column = line.find(')').unwrap();
    client
        .change(
            uri,
            2,
            json!({ "start": { "line": 13, "character": column }, "end": { "line": 13, "character": column + 1 } }),
            "",
        )
        .await;
    let second = client.diagnostics(uri, Some(2)).await;
    assert!(second.len() < first.len(), "{second:#?}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_describes_roles_constraints_and_variables() {
    let (mut client, uri, _) = session().await;
    let role = client
        .request("textDocument/hover", at(&uri, pos_of(MODEL, "a(seller, S)", 0, 2)))
        .await;
    let text = role["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("**role** `seller`") && text.contains("a(seller, S) ::"),
        "{text}"
    );

    let vmm = client
        .request("textDocument/hover", at(&uri, pos_of(MODEL, "isOverLoaded", 0, 3)))
        .await;
    let text = vmm["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("constraint isOverLoaded()") && text.contains("lcc-vmm"),
        "{text}"
    );

    let own = client
        .request("textDocument/hover", at(&uri, pos_of(MODEL, "price(Item, P)", 0, 0)))
        .await;
    let text = own["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("price(+Item, -Price)")
            && text.contains("The price of Item.")
            && text.contains("`-Price`: bound by the constraint"),
        "{text}"
    );

    let var = client
        .request("textDocument/hover", at(&uri, pos_of(MODEL, "P =< 10", 0, 0)))
        .await;
    let text = var["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("Bound on line 7") && text.contains("received in message `offer/2`"),
        "{text}"
    );
    insta::assert_snapshot!(
        "hover_builtin",
        client
            .request("textDocument/hover", at(&uri, pos_of(MODEL, "member", 0, 1)))
            .await["contents"]["value"]
            .as_str()
            .unwrap()
    );

    let nothing = client
        .request("textDocument/hover", at(&uri, json!({ "line": 0, "character": 3 })))
        .await;
    assert_eq!(nothing, Value::Null);
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn definition_goes_to_clauses_declarations_and_the_stdlib() {
    let (mut client, uri, other) = session().await;
    let role = client
        .request(
            "textDocument/definition",
            at(&uri, pos_of(MODEL, "a(seller, S) <-", 0, 2)),
        )
        .await;
    assert_eq!(locations(&role), [("model.lcc".to_string(), 12, 2)]);

    let from_other = client
        .request("textDocument/definition", at(&other, pos_of(OTHER, "buyer", 0, 0)))
        .await;
    assert_eq!(locations(&from_other), [("model.lcc".to_string(), 4, 2)]);

    let own = client
        .request(
            "textDocument/definition",
            at(&uri, pos_of(MODEL, "price(Item, P)", 0, 1)),
        )
        .await;
    assert_eq!(locations(&own), [("model.lcc".to_string(), 2, 11)]);

    let builtin = client
        .request("textDocument/definition", at(&uri, pos_of(MODEL, "member", 0, 0)))
        .await;
    assert_eq!(locations(&builtin)[0].0, "builtins.lcc");
    let vmm = client
        .request("textDocument/definition", at(&uri, pos_of(MODEL, "isOverLoaded", 0, 0)))
        .await;
    assert_eq!(locations(&vmm)[0].0, "constraints.lcc");

    let var = client
        .request("textDocument/definition", at(&uri, pos_of(MODEL, "P =< 10", 0, 0)))
        .await;
    assert_eq!(locations(&var), [("model.lcc".to_string(), 6, 14)]);
    client.shutdown().await;

    // Without the standard library in the workspace, built-ins have no location.
    let mut client = Client::start(None).await;
    client.open("untitled:model", MODEL).await;
    let none = client
        .request(
            "textDocument/definition",
            at("untitled:model", pos_of(MODEL, "member", 0, 0)),
        )
        .await;
    assert_eq!(none, Value::Null);
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn references_span_the_workspace_for_roles_and_the_clause_for_variables() {
    let (mut client, uri, _) = session().await;
    let params = |position: Value, include: bool| {
        let mut p = at(&uri, position);
        p["context"] = json!({ "includeDeclaration": include });
        p
    };
    let seller = client
        .request("textDocument/references", params(pos_of(MODEL, "a(seller", 0, 2), true))
        .await;
    let files: Vec<String> = locations(&seller).into_iter().map(|l| l.0).collect();
    assert_eq!(files.iter().filter(|f| *f == "model.lcc").count(), 4);
    assert_eq!(files.iter().filter(|f| *f == "other.lcc").count(), 1);
    let without = client
        .request(
            "textDocument/references",
            params(pos_of(MODEL, "a(seller", 0, 2), false),
        )
        .await;
    assert_eq!(locations(&without).len(), 4, "the clause head is left out");

    let item = client
        .request("textDocument/references", params(pos_of(MODEL, "Item", 2, 0), true))
        .await;
    assert_eq!(locations(&item).iter().map(|l| l.1).collect::<Vec<_>>(), [5, 5, 6, 7]);
    let message = client
        .request("textDocument/references", params(pos_of(MODEL, "ask(", 0, 0), true))
        .await;
    assert_eq!(locations(&message).len(), 2);
    let constraint = client
        .request(
            "textDocument/references",
            params(pos_of(MODEL, "price(Item", 0, 0), true),
        )
        .await;
    assert_eq!(locations(&constraint).len(), 2, "the declaration and the call");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_roles_across_the_workspace_variables_and_messages() {
    let (mut client, uri, other) = session().await;
    let prepared = client
        .request("textDocument/prepareRename", at(&uri, pos_of(MODEL, "buyer", 1, 1)))
        .await;
    assert_eq!(prepared["placeholder"], "buyer");

    let mut params = at(&uri, pos_of(MODEL, "buyer", 1, 1));
    params["newName"] = json!("customer");
    let edit = client.request("textDocument/rename", params.clone()).await;
    let changes = edit["changes"].as_object().unwrap();
    assert_eq!(changes[&uri].as_array().unwrap().len(), 4);
    assert_eq!(changes[&other].as_array().unwrap().len(), 1);

    params["newName"] = json!("Customer");
    let bad = client.request_raw("textDocument/rename", params.clone()).await;
    assert!(bad["error"]["message"].as_str().unwrap().contains("not a valid name"));
    params["newName"] = json!("seller");
    let clash = client.request_raw("textDocument/rename", params).await;
    assert!(clash["error"]["message"].as_str().unwrap().contains("already used"));

    let mut var = at(&uri, pos_of(MODEL, "P)", 0, 0));
    var["newName"] = json!("Offer");
    let edit = client.request("textDocument/rename", var).await;
    assert_eq!(
        edit["changes"][&uri].as_array().unwrap().len(),
        2,
        "P in the first clause only"
    );

    let mut message = at(&uri, pos_of(MODEL, "offer(", 0, 0));
    message["newName"] = json!("bid");
    let edit = client.request("textDocument/rename", message).await;
    assert_eq!(edit["changes"][&uri].as_array().unwrap().len(), 2);

    let builtin = client
        .request_raw("textDocument/prepareRename", at(&uri, pos_of(MODEL, "member", 0, 0)))
        .await;
    assert!(
        builtin["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not declared in this file")
    );
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_offers_roles_constraints_messages_keywords_and_variables() {
    let (mut client, uri, _) = session().await;
    let items = client
        .request(
            "textDocument/completion",
            at(&uri, pos_of(MODEL, "offer(Item, P) <=", 0, 0)),
        )
        .await;
    let find = |label: &str| {
        items
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["label"] == label)
            .cloned()
            .unwrap_or_else(|| panic!("{label} offered"))
    };
    assert_eq!(find("auditor")["insertText"], "a(auditor, ${1:Id})");
    assert_eq!(find("price")["insertText"], "price(${1:Item}, ${2:Price})");
    assert_eq!(
        find("isMigrationPossible")["detail"],
        "isMigrationPossible(+Capacity, +Need)"
    );
    assert_eq!(find("offer")["insertText"], "offer(${1:X1}, ${2:X2})");
    assert_eq!(find("then")["kind"], 14);
    for variable in ["B", "Item", "P", "S"] {
        assert_eq!(find(variable)["kind"], 6);
    }
    assert!(
        items.as_array().unwrap().iter().all(|i| i["label"] != "report"),
        "messages come from this model only"
    );
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_help_follows_the_argument_in_a_half_typed_call() {
    let mut client = Client::start(None).await;
    let uri = "untitled:half";
    let text = "a(r, X) ::\n  null <- isMigrationPossible(X, ";
    client.open(uri, text).await;
    let help = client
        .request("textDocument/signatureHelp", at(uri, pos(text, text.len())))
        .await;
    assert_eq!(help["signatures"][0]["label"], "isMigrationPossible(+Capacity, +Need)");
    assert_eq!(help["activeParameter"], 1);
    assert_eq!(help["signatures"][0]["parameters"][1]["label"], json!([31, 36]));
    let list = "untitled:list";
    let text_list = "a(r, X) ::\n  null <- member(X, [a, b, ";
    client.open(list, text_list).await;
    let inside_list = client
        .request("textDocument/signatureHelp", at(list, pos(text_list, text_list.len())))
        .await;
    assert_eq!(inside_list["signatures"][0]["label"], "member(?Element, +List)");
    assert_eq!(inside_list["activeParameter"], 1, "commas inside the list do not count");
    let outside = client
        .request("textDocument/signatureHelp", at(uri, pos(text, 4)))
        .await;
    assert_eq!(outside, Value::Null);
    client.shutdown().await;
}

/// Semantic tokens decoded to `line:column text type`, one per line.
fn decode_tokens(text: &str, data: &[Value], legend: &[Value]) -> String {
    let lines: Vec<Vec<u16>> = text.split('\n').map(|l| l.encode_utf16().collect()).collect();
    let (mut line, mut column) = (0usize, 0usize);
    let mut out = String::new();
    for token in data.chunks(5) {
        let n = |i: usize| token[i].as_u64().unwrap() as usize;
        if n(0) > 0 {
            line += n(0);
            column = n(1);
        } else {
            column += n(1);
        }
        let word = String::from_utf16(&lines[line][column..column + n(2)]).unwrap();
        out.push_str(&format!("{line}:{column} {word} {}\n", legend[n(3)].as_str().unwrap()));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semantic_tokens_classify_every_token() {
    let (mut client, uri, _) = session().await;
    let legend = serde_json::to_value(lcc_lsp::features::semantic_tokens::legend()).unwrap();
    let tokens = client
        .request(
            "textDocument/semanticTokens/full",
            json!({ "textDocument": { "uri": uri } }),
        )
        .await;
    let decoded = decode_tokens(
        MODEL,
        tokens["data"].as_array().unwrap(),
        legend["tokenTypes"].as_array().unwrap(),
    );
    insta::assert_snapshot!("semantic_tokens", decoded);
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formatting_uses_the_front_end_formatter() {
    let (mut client, uri, _) = session().await;
    let options = json!({ "tabSize": 2, "insertSpaces": true });
    let edits = client
        .request(
            "textDocument/formatting",
            json!({ "textDocument": { "uri": uri }, "options": options }),
        )
        .await;
    let expected = lcc_syntax::format::format_source(MODEL).unwrap();
    let formatted = match edits.as_array().unwrap().as_slice() {
        [] => MODEL.to_string(),
        [edit] => {
            assert_eq!(edit["range"]["start"], json!({ "line": 0, "character": 0 }));
            assert_eq!(edit["range"]["end"], pos(MODEL, MODEL.len()));
            edit["newText"].as_str().unwrap().to_string()
        }
        more => panic!("one edit expected: {more:?}"),
    };
    assert_eq!(formatted, expected);

    let broken = "untitled:broken";
    client.open(broken, "a(r, X) :: m(X => a(s, Y)").await;
    let none = client
        .request(
            "textDocument/formatting",
            json!({ "textDocument": { "uri": broken }, "options": options }),
        )
        .await;
    assert_eq!(none, Value::Null, "a document with syntax errors is left alone");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folding_covers_clauses_blocks_and_comments() {
    let (mut client, uri, _) = session().await;
    let ranges = client
        .request("textDocument/foldingRange", json!({ "textDocument": { "uri": uri } }))
        .await;
    let folds: Vec<(u64, u64, Option<&str>)> = ranges
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["startLine"].as_u64().unwrap(),
                r["endLine"].as_u64().unwrap(),
                r["kind"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        folds,
        [(4, 8, None), (7, 8, None), (10, 11, Some("comment")), (12, 14, None)]
    );
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_actions_apply_the_diagnostics_fixes() {
    let mut client = Client::start(None).await;
    let uri = "untitled:fixes";
    let text = "a(r, X) ::\n  m(X) => a(s, X)) then % old comment\n  n(X) <= a(s, X)\n";
    client.open(uri, text).await;
    let diagnostics = client.diagnostics(uri, Some(1)).await;
    assert_eq!(codes(&diagnostics), expected_codes(text));
    assert_eq!(syntax_codes(codes(&diagnostics)), ["E0105", "E0101"]);
    let range = json!({ "start": { "line": 0, "character": 0 }, "end": { "line": 3, "character": 0 } });
    let all = client
        .request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": range, "context": { "diagnostics": [] } }),
        )
        .await;
    // The syntax errors' fixes (semantic checks may add their own).
    let actions: Vec<Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["diagnostics"][0]["code"].as_str().unwrap().starts_with("E01"))
        .cloned()
        .collect();
    let titles: Vec<&str> = actions.iter().map(|a| a["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        ["remove this `)`", "turn the rest of the line into a `//` comment"]
    );
    let comment = &actions[1];
    assert_eq!(comment["kind"], "quickfix");
    assert_eq!(comment["diagnostics"][0]["code"], "E0101");
    let edit = &comment["edit"]["changes"][uri][0];
    assert_eq!(edit["newText"], "//");
    assert_eq!(edit["range"]["start"], pos_of(text, "%", 0, 0));

    // Applying both fixes (the later one first) leaves a document without syntax errors.
    let remove = &actions[0]["edit"]["changes"][uri][0];
    client.change(uri, 2, edit["range"].clone(), "//").await;
    client
        .change(uri, 3, remove["range"].clone(), remove["newText"].as_str().unwrap())
        .await;
    let fixed = "a(r, X) ::\n  m(X) => a(s, X) then // old comment\n  n(X) <= a(s, X)\n";
    let after = client.diagnostics(uri, Some(3)).await;
    assert_eq!(codes(&after), expected_codes(fixed));
    assert_eq!(syntax_codes(codes(&after)), Vec::<String>::new());
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_and_workspace_symbols() {
    let (mut client, uri, _) = session().await;
    let outline = client
        .request("textDocument/documentSymbol", json!({ "textDocument": { "uri": uri } }))
        .await;
    let summary: Vec<String> = outline
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let children = s["children"].as_array().map_or(0, Vec::len);
            format!(
                "{} [{}] {} children",
                s["name"].as_str().unwrap(),
                s["detail"].as_str().unwrap(),
                children
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "r(buyer, initial) [role declaration (initial)] 0 children",
            "price [constraint/2] 0 children",
            "a(buyer, B) [role buyer/0] 4 children",
            "a(seller, S) [role seller/0] 2 children"
        ]
    );
    assert_eq!(
        outline[2]["children"][0]["name"],
        "ask(Item) => a(seller, S) <- member(Item, [apple, pear])"
    );

    for (query, expected) in [
        ("AUD", vec!["auditor other.lcc"]),
        ("seller", vec!["seller model.lcc"]),
        (
            "loaded",
            vec!["isOverLoaded constraints.lcc", "isUnderLoaded constraints.lcc"],
        ),
        ("pric", vec!["price model.lcc"]),
    ] {
        let found = client.request("workspace/symbol", json!({ "query": query })).await;
        let mut names: Vec<String> = found
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    s["name"].as_str().unwrap(),
                    s["containerName"].as_str().unwrap()
                )
            })
            .collect();
        names.sort();
        assert_eq!(names, expected);
    }
    client.shutdown().await;
}
