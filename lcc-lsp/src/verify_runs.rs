//! Scheduling verification on save: runs go one at a time on a blocking thread
//! (never on the request threads), and a newer save or edit of a document
//! supersedes its earlier run: a queued run that is no longer the latest is
//! skipped, and a finished run's findings are dropped. A running search cannot be
//! stopped early; its time budget bounds it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use lcc_syntax::FileId;
use tokio::sync::Semaphore;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{MessageType, Uri};

use crate::publisher::Publisher;
use crate::verify::Verifier;

/// What one run verifies.
pub struct Target {
    /// The document.
    pub uri: Uri,
    /// Its file id (for spans).
    pub file: FileId,
    /// Its saved text.
    pub text: String,
    /// Its version when saved.
    pub version: Option<i32>,
}

/// The verification runs of a server.
#[derive(Clone)]
pub struct VerifyRuns {
    verifier: Arc<dyn Verifier>,
    publisher: Publisher,
    client: Client,
    /// The latest run (or edit) number of each document.
    latest: Arc<Mutex<HashMap<Uri, u64>>>,
    next: Arc<AtomicU64>,
    one_at_a_time: Arc<Semaphore>,
}

impl VerifyRuns {
    /// Runs of `verifier`, whose findings go to `publisher`.
    pub fn new(verifier: Arc<dyn Verifier>, publisher: Publisher, client: Client) -> VerifyRuns {
        VerifyRuns {
            verifier,
            publisher,
            client,
            latest: Arc::default(),
            next: Arc::default(),
            one_at_a_time: Arc::new(Semaphore::new(1)),
        }
    }

    /// `uri` changed: its queued or running verification is superseded.
    pub fn supersede(&self, uri: &Uri) {
        self.bump(uri);
    }

    fn bump(&self, uri: &Uri) -> u64 {
        let n = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.lock().insert(uri.clone(), n);
        n
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uri, u64>> {
        self.latest.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_latest(&self, uri: &Uri, run: u64) -> bool {
        self.lock().get(uri) == Some(&run)
    }

    /// Verifies `target` within `budget` in the background, then publishes the
    /// findings with the document's diagnostics, unless superseded meanwhile.
    pub fn start(&self, target: Target, budget: Duration) {
        let run = self.bump(&target.uri);
        let runs = self.clone();
        tokio::spawn(async move {
            // The semaphore is never closed.
            let Ok(_turn) = runs.one_at_a_time.clone().acquire_owned().await else {
                return;
            };
            if !runs.is_latest(&target.uri, run) {
                return;
            }
            let verifier = runs.verifier.clone();
            let Target {
                uri,
                file,
                text,
                version,
            } = target;
            let job = tokio::task::spawn_blocking(move || verifier.verify(file, &text, budget));
            match job.await {
                Ok(found) if runs.is_latest(&uri, run) => runs.publisher.set_verification(uri, version, found),
                Ok(_superseded) => {}
                Err(failure) => {
                    runs.client
                        .log_message(MessageType::ERROR, format!("verification failed: {failure}"))
                        .await
                }
            }
        });
    }
}
