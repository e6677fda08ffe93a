//! Verification on save with the real model checker (lcc-verify), in process:
//! a model that deadlocks gets a deadlock diagnostic whose related information
//! walks through the counterexample; a clean model gets none.

mod support;

use std::sync::Arc;

use serde_json::{Value, json};
use support::Client;

const DEADLOCKS: &str = "\
r(asker, initial)
r(answerer, necessary)

a(asker, _A) ::
  question => a(answerer, B) then
  answer <= a(answerer, B)

a(answerer, _B) ::
  question <= a(asker, _A)
";

const CLEAN: &str = "\
r(asker, initial)
r(answerer, necessary)

a(asker, _A) ::
  question => a(answerer, B) then
  answer <= a(answerer, B)

a(answerer, _B) ::
  question <= a(asker, A) then
  answer => a(asker, A)
";

async fn saved(client: &mut Client, uri: &str, text: &str) -> Vec<Value> {
    client.open(uri, text).await;
    let checks = client.diagnostics(uri, Some(1)).await;
    assert!(
        checks.iter().all(|d| d["severity"] != 1),
        "the model checks clean: {checks:#?}"
    );
    client
        .notify("textDocument/didSave", json!({ "textDocument": { "uri": uri } }))
        .await;
    let found = client.diagnostics(uri, Some(1)).await;
    assert!(found.len() >= checks.len(), "the checks' diagnostics are kept");
    found
}

fn is_verification(d: &Value) -> bool {
    d["code"].as_str().is_some_and(|c| c.starts_with('V'))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadlock_is_reported_with_its_counterexample() {
    let options = json!({ "verifyOnSave": true, "verifyTimeBudgetMs": 5000 });
    let mut client = Client::start_with(None, Some(Arc::new(lcc_lsp::ModelChecker)), options).await;
    let uri = "untitled:deadlock";
    let found = saved(&mut client, uri, DEADLOCKS).await;
    let deadlock = found
        .iter()
        .find(|d| d["code"] == "V0001")
        .unwrap_or_else(|| panic!("a deadlock: {found:#?}"));
    assert_eq!(deadlock["severity"], 1);
    let steps: Vec<Value> = deadlock["relatedInformation"]
        .as_array()
        .expect("related information")
        .iter()
        .map(|r| json!({ "line": r["location"]["range"]["start"]["line"], "message": r["message"] }))
        .collect();
    insta::assert_json_snapshot!(json!({
        "range": deadlock["range"],
        "message": deadlock["message"],
        "steps": steps,
    }));
    let verification: Vec<&Value> = found.iter().filter(|d| is_verification(d)).collect();
    assert!(
        verification
            .iter()
            .all(|d| d["message"].as_str().unwrap().contains("within")),
        "every finding states its bounds"
    );
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_model_gets_no_verification_diagnostic() {
    let options = json!({ "verifyOnSave": true, "verifyTimeBudgetMs": 5000 });
    let mut client = Client::start_with(None, Some(Arc::new(lcc_lsp::ModelChecker)), options).await;
    let uri = "untitled:clean";
    client.open(uri, CLEAN).await;
    client.diagnostics(uri, Some(1)).await;
    client
        .notify("textDocument/didSave", json!({ "textDocument": { "uri": uri } }))
        .await;
    // A deadlocking document saved after the clean one: once its findings are
    // published, the clean one's run (queued first, one run at a time) is done.
    let other = "untitled:other";
    let found = saved(&mut client, other, DEADLOCKS).await;
    assert!(found.iter().any(is_verification));
    let published: Vec<Value> = client
        .notifications
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri)
        .flat_map(|m| m["params"]["diagnostics"].as_array().cloned().unwrap_or_default())
        .collect();
    assert!(!published.iter().any(is_verification), "{published:#?}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_cut_short_by_the_budget_says_it_is_partial() {
    let options = json!({ "verifyOnSave": true, "verifyTimeBudgetMs": 0 });
    let mut client = Client::start_with(None, Some(Arc::new(lcc_lsp::ModelChecker)), options).await;
    let uri = "untitled:partial";
    let found = saved(&mut client, uri, CLEAN).await;
    let partial: Vec<&Value> = found.iter().filter(|d| is_verification(d)).collect();
    assert!(!partial.is_empty(), "{found:#?}");
    for d in partial {
        let message = d["message"].as_str().unwrap();
        assert!(
            message.contains("partial result") && message.contains("time budget (0 ms)"),
            "{message}"
        );
    }
    client.shutdown().await;
}
