//! An in-process LSP client for the protocol tests: the server runs on one end of
//! a `tokio::io::duplex` pipe, the test speaks JSON-RPC with Content-Length framing
//! on the other. Every wait has a timeout, so a server that stops answering fails
//! the test instead of hanging it.

#![allow(dead_code)] // each test binary uses a different part of the harness

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lcc_lsp::Verifier;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, WriteHalf};
use tokio::sync::mpsc;

/// How long any one answer may take.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The test's side of the connection.
pub struct Client {
    writer: WriteHalf<DuplexStream>,
    incoming: mpsc::UnboundedReceiver<Value>,
    /// Messages received while waiting for something else, oldest first.
    pub notifications: VecDeque<Value>,
    next_id: i64,
    server: tokio::task::JoinHandle<()>,
}

impl Client {
    /// Starts a server and initializes it with `root` as the workspace folder.
    pub async fn start(root: Option<&Path>) -> Client {
        Client::start_with(root, None, json!({})).await
    }

    /// Starts a server with a verifier and initialization options.
    pub async fn start_with(root: Option<&Path>, verifier: Option<Arc<dyn Verifier>>, options: Value) -> Client {
        let capabilities = json!({
            "textDocument": { "completion": { "completionItem": { "snippetSupport": true } } }
        });
        Client::start_full(root, verifier, options, capabilities).await
    }

    /// Starts a server for a client with `capabilities`.
    pub async fn start_with_capabilities(root: Option<&Path>, capabilities: Value) -> Client {
        Client::start_full(root, None, json!({}), capabilities).await
    }

    async fn start_full(
        root: Option<&Path>,
        verifier: Option<Arc<dyn Verifier>>,
        options: Value,
        capabilities: Value,
    ) -> Client {
        let (client_end, server_end) = tokio::io::duplex(1 << 16);
        let (server_read, server_write) = tokio::io::split(server_end);
        let server = tokio::spawn(lcc_lsp::serve(server_read, server_write, verifier));
        let (client_read, writer) = tokio::io::split(client_end);
        let (sender, incoming) = mpsc::unbounded_channel();
        tokio::spawn(read_messages(BufReader::new(client_read), sender));
        let mut client = Client {
            writer,
            incoming,
            notifications: VecDeque::new(),
            next_id: 1,
            server,
        };
        let folders = match root {
            Some(root) => json!([{ "uri": file_uri(root), "name": "root" }]),
            None => Value::Null,
        };
        client
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": root.map(file_uri),
                    "workspaceFolders": folders,
                    "initializationOptions": options,
                    "capabilities": capabilities
                }),
            )
            .await;
        client.notify("initialized", json!({})).await;
        client
    }

    /// Sends a notification.
    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }))
            .await;
    }

    /// Sends a request without waiting; returns its id.
    pub async fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }))
            .await;
        id
    }

    /// Waits for the response to request `id` (result or error object).
    pub async fn response(&mut self, id: i64) -> Value {
        let answers = |m: &Value| m.get("id") == Some(&json!(id)) && m.get("method").is_none();
        if let Some(i) = self.notifications.iter().position(answers) {
            return self.notifications.remove(i).expect("present");
        }
        loop {
            let message = self.next_message().await;
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return message;
            }
            self.notifications.push_back(message);
        }
    }

    /// Sends a request and returns its result; panics on an error response.
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params).await;
        let response = self.response(id).await;
        if let Some(error) = response.get("error") {
            panic!("{method} failed: {error}");
        }
        response["result"].clone()
    }

    /// Sends a request and returns the whole response.
    pub async fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params).await;
        self.response(id).await
    }

    /// Opens `uri` with `text` at version 1.
    pub async fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "lcc", "version": 1, "text": text } }),
        )
        .await;
    }

    /// Sends one incremental change replacing `range` with `text`.
    pub async fn change(&mut self, uri: &str, version: i32, range: Value, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": version },
                "contentChanges": [{ "range": range, "text": text }]
            }),
        )
        .await;
    }

    /// Waits for diagnostics of `uri` at `version`, skipping older publications.
    pub async fn diagnostics(&mut self, uri: &str, version: Option<i32>) -> Vec<Value> {
        let wanted = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"].get("version").cloned().unwrap_or(Value::Null) == json!(version)
        };
        if let Some(i) = self.notifications.iter().position(wanted) {
            let found = self.notifications.remove(i).expect("present");
            return found["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
        }
        loop {
            let message = self.next_message().await;
            if wanted(&message) {
                return message["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
            }
            self.notifications.push_back(message);
        }
    }

    /// Waits for a message from the server that `wanted` accepts.
    pub async fn notification(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.notifications.iter().position(&wanted) {
            return self.notifications.remove(i).expect("present");
        }
        loop {
            let message = self.next_message().await;
            if wanted(&message) {
                return message;
            }
            self.notifications.push_back(message);
        }
    }

    /// Answers the server's request `request` with `result`.
    pub async fn reply(&mut self, request: &Value, result: Value) {
        self.send(json!({ "jsonrpc": "2.0", "id": request["id"], "result": result }))
            .await;
    }

    /// Shuts the server down and waits for it to exit.
    pub async fn shutdown(mut self) {
        self.request("shutdown", Value::Null).await;
        self.notify("exit", Value::Null).await;
        tokio::time::timeout(TIMEOUT, self.server)
            .await
            .expect("server exits")
            .expect("server task");
    }

    async fn next_message(&mut self) -> Value {
        tokio::time::timeout(TIMEOUT, self.incoming.recv())
            .await
            .expect("the server answers in time")
            .expect("the server is still running")
    }

    async fn send(&mut self, message: Value) {
        let body = message.to_string();
        let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.writer.write_all(framed.as_bytes()).await.expect("write to server");
    }
}

async fn read_messages(mut reader: BufReader<tokio::io::ReadHalf<DuplexStream>>, sender: mpsc::UnboundedSender<Value>) {
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse::<usize>().ok();
            }
        }
        let mut body = vec![0; length.expect("Content-Length header")];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        let message: Value = serde_json::from_slice(&body).expect("the server sends JSON");
        if sender.send(message).is_err() {
            return;
        }
    }
}

/// The `file:` URI of `path`.
pub fn file_uri(path: &Path) -> String {
    format!("file://{}", path.display()).replace(' ', "%20")
}

/// A fresh folder under the target directory holding `files` (relative path, text).
pub fn workspace(files: &[(&str, &str)]) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "lsp-ws-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&root);
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create folder");
        std::fs::write(path, text).expect("write file");
    }
    std::fs::create_dir_all(&root).expect("create root");
    root
}

/// The standard library files, as a workspace holds them.
pub fn stdlib_files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("stdlib/builtins.lcc", include_str!("../../../stdlib/builtins.lcc")),
        (
            "stdlib/vmm/constraints.lcc",
            include_str!("../../../stdlib/vmm/constraints.lcc"),
        ),
    ]
}

/// The LSP position of byte `offset` in `text` (UTF-16 columns).
pub fn pos(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    let character = text[line_start..offset].encode_utf16().count();
    json!({ "line": line, "character": character })
}

/// The LSP position of the `nth` (0-based) occurrence of `needle` in `text`, plus `delta` bytes.
pub fn pos_of(text: &str, needle: &str, nth: usize, delta: usize) -> Value {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` #{nth} in text"))
        .0;
    pos(text, offset + delta)
}

/// `{ textDocument, position }` parameters.
pub fn at(uri: &str, position: Value) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": position })
}
