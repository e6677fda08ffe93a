//! The LCC language server (`lcc lsp`), on tower-lsp-server with a salsa database.
//!
//! [`db`] holds the incremental queries (parse, signatures, semantic [`index`],
//! diagnostics), with [`pieces`] parsing clause by clause; [`workspace`] the documents and snapshots; [`server`] the protocol
//! handlers; [`features`] one module per language feature; [`publisher`] publishes
//! diagnostics in order; [`verify`] runs the model checker on save, scheduled by
//! [`verify_runs`].
//! The VS Code extension lives in `editors/vscode`.

pub mod db;
pub mod drop_later;
pub mod features;
pub mod index;
pub mod pieces;
pub mod position;
pub mod publisher;
pub mod server;
pub mod settings;
pub mod verify;
pub mod verify_runs;
pub mod workspace;

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::LspService;

pub use server::Server;
pub use verify::{ModelChecker, Verifier};

/// Serves the protocol on `input`/`output` until the client sends `exit` or closes
/// the input. Must run on a tokio runtime.
pub async fn serve<I, O>(input: I, output: O, verifier: Option<Arc<dyn Verifier>>)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let (service, socket) = LspService::new(move |client| Server::new(client, verifier));
    tower_lsp_server::Server::new(input, output, socket)
        .serve(service)
        .await;
}

/// Serves the protocol on standard input and output, verifying saved files with
/// the [`ModelChecker`] (what `lcc lsp` runs).
pub fn run_stdio() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(serve(
        tokio::io::stdin(),
        tokio::io::stdout(),
        Some(Arc::new(ModelChecker)),
    ));
    Ok(())
}
