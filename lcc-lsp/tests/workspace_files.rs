//! Files of the workspace that the client has not opened: indexed at
//! `initialize`, followed through `workspace/didChangeWatchedFiles` (created,
//! changed, deleted), and covered by definition, references, workspace symbols
//! and rename (whose workspace edit changes the unopened files).

mod support;

use serde_json::{Value, json};
use support::{Client, at, file_uri, workspace};

const BUYER: &str = "a(buyer, B) ::\n  ask => a(seller, S)\n";
const SELLER: &str = "a(seller, S) ::\n  ask <= a(buyer, B)\n";

fn files_of(locations: &Value) -> Vec<String> {
    let mut files: Vec<String> = locations
        .as_array()
        .expect("locations")
        .iter()
        .map(|l| l["uri"].as_str().unwrap().rsplit('/').next().unwrap().to_string())
        .collect();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unopened_files_are_followed_on_disk() {
    let root = workspace(&[("buyer.lcc", BUYER), ("seller.lcc", SELLER)]);
    let buyer = file_uri(&root.join("buyer.lcc"));
    let seller = file_uri(&root.join("seller.lcc"));
    let mut client = Client::start(Some(&root)).await;
    client.open(&buyer, BUYER).await;
    client.diagnostics(&buyer, Some(1)).await;
    let on_seller = json!({ "line": 1, "character": 12 });

    let definition = client
        .request("textDocument/definition", at(&buyer, on_seller.clone()))
        .await;
    assert_eq!(definition[0]["uri"], json!(seller), "into the unopened file");

    // A file created on disk.
    let auditor_path = root.join("auditor.lcc");
    std::fs::write(&auditor_path, "a(auditor, A) ::\n  a(seller, A)\n").unwrap();
    let auditor = file_uri(&auditor_path);
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": auditor, "type": 1 }] }),
        )
        .await;
    let mut params = at(&buyer, on_seller.clone());
    params["context"] = json!({ "includeDeclaration": true });
    let references = client.request("textDocument/references", params.clone()).await;
    assert_eq!(files_of(&references), ["auditor.lcc", "buyer.lcc", "seller.lcc"]);
    let symbols = client.request("workspace/symbol", json!({ "query": "auditor" })).await;
    assert_eq!(symbols.as_array().unwrap().len(), 1, "{symbols}");

    // A file changed on disk: the rename edits its new text.
    std::fs::write(root.join("seller.lcc"), format!("// moved down\n\n{SELLER}")).unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": seller, "type": 2 }] }),
        )
        .await;
    let mut rename = at(&buyer, on_seller.clone());
    rename["newName"] = json!("vendor");
    let edit = client.request("textDocument/rename", rename.clone()).await;
    let changes = edit["changes"].as_object().expect("changes");
    assert_eq!(
        changes[&seller][0]["range"]["start"],
        json!({ "line": 2, "character": 2 })
    );
    assert_eq!(changes[&seller][0]["newText"], "vendor");
    assert_eq!(changes[&auditor].as_array().unwrap().len(), 1);
    assert_eq!(changes[&buyer].as_array().unwrap().len(), 1);

    // A file deleted on disk.
    std::fs::remove_file(&auditor_path).unwrap();
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": [{ "uri": auditor, "type": 3 }] }),
        )
        .await;
    let references = client.request("textDocument/references", params).await;
    assert_eq!(files_of(&references), ["buyer.lcc", "seller.lcc"]);
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_asks_a_capable_client_to_watch_lcc_files() {
    let root = workspace(&[("buyer.lcc", BUYER)]);
    let mut client = Client::start_with_capabilities(
        Some(&root),
        json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } }),
    )
    .await;
    let request = client
        .notification(|m| m["method"] == "client/registerCapability")
        .await;
    let registration = &request["params"]["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(
        registration["registerOptions"]["watchers"][0]["globPattern"],
        "**/*.lcc"
    );
    client.reply(&request, Value::Null).await;
    client.shutdown().await;
}
