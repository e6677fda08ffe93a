//! Publishing diagnostics: one worker, fed the URIs of changed documents, computes
//! their diagnostics on a snapshot and publishes them with the version they were
//! computed for, in order. A computation cancelled by a newer edit is retried on
//! the newer state, so stale diagnostics are never published after fresh ones.

use std::collections::{BTreeSet, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{Diagnostic, MessageType, Uri};

use crate::features::diagnostics::{document_diagnostics, to_lsp};
use crate::workspace::{Snapshot, Workspace};

/// Findings of a verification run, for the document version they are about.
type Verified = HashMap<Uri, (Option<i32>, Vec<lcc_syntax::Diagnostic>)>;

/// The handle that queues documents for publication.
#[derive(Clone)]
pub struct Publisher {
    queue: mpsc::UnboundedSender<Uri>,
    verified: Arc<Mutex<Verified>>,
}

impl Publisher {
    /// Starts the worker on the current tokio runtime.
    pub fn start(client: Client, workspace: Arc<Mutex<Workspace>>) -> Publisher {
        let (queue, receiver) = mpsc::unbounded_channel();
        let verified = Arc::new(Mutex::new(Verified::new()));
        tokio::spawn(worker(client, workspace, verified.clone(), receiver));
        Publisher { queue, verified }
    }

    /// Publishes `uri`'s diagnostics soon (empty ones if it is no longer open).
    pub fn queue(&self, uri: Uri) {
        // The worker only stops when the server is dropped; nothing to do then.
        let _ = self.queue.send(uri);
    }

    /// Adds a verification run's findings about `version` of `uri` to its
    /// diagnostics, until the document changes, and publishes them.
    pub fn set_verification(&self, uri: Uri, version: Option<i32>, found: Vec<lcc_syntax::Diagnostic>) {
        self.verified
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(uri.clone(), (version, found));
        self.queue(uri);
    }
}

async fn worker(
    client: Client,
    workspace: Arc<Mutex<Workspace>>,
    verified: Arc<Mutex<Verified>>,
    mut receiver: mpsc::UnboundedReceiver<Uri>,
) {
    let mut pending: BTreeSet<Uri> = BTreeSet::new();
    loop {
        if pending.is_empty() {
            match receiver.recv().await {
                Some(uri) => pending.insert(uri),
                None => return,
            };
        }
        while let Ok(uri) = receiver.try_recv() {
            pending.insert(uri);
        }
        let snapshot = workspace.lock().unwrap_or_else(PoisonError::into_inner).snapshot();
        let uris: Vec<Uri> = pending.iter().cloned().collect();
        let extra: Verified = {
            let all = verified.lock().unwrap_or_else(PoisonError::into_inner);
            uris.iter()
                .filter_map(|u| all.get(u).map(|v| (u.clone(), v.clone())))
                .collect()
        };
        let job = tokio::task::spawn_blocking(move || {
            salsa::Cancelled::catch(AssertUnwindSafe(|| compute(&snapshot, &uris, &extra)))
        });
        match job.await {
            Ok(Ok(results)) => {
                pending.clear();
                for (uri, diagnostics, version) in results {
                    client.publish_diagnostics(uri, diagnostics, version).await;
                }
            }
            // A newer edit arrived: retry on the newer state.
            Ok(Err(_cancelled)) => {}
            Err(panic) => {
                pending.clear();
                client
                    .log_message(MessageType::ERROR, format!("computing diagnostics failed: {panic}"))
                    .await;
            }
        }
    }
}

/// The diagnostics to publish for each of `uris`, with the version they describe.
fn compute(snapshot: &Snapshot, uris: &[Uri], verified: &Verified) -> Vec<(Uri, Vec<Diagnostic>, Option<i32>)> {
    uris.iter()
        .map(|uri| match snapshot.document(uri).filter(|d| d.open) {
            Some(doc) => {
                let view = snapshot.view(doc);
                let mut diagnostics = document_diagnostics(snapshot, &view);
                if let Some((version, found)) = verified.get(uri)
                    && *version == doc.version
                {
                    diagnostics.extend(found.iter().map(|d| to_lsp(snapshot, &view, d)));
                }
                (doc.uri.clone(), diagnostics, doc.version)
            }
            None => (uri.clone(), Vec::new(), None),
        })
        .collect()
}
