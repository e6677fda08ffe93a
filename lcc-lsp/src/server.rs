//! The `LanguageServer` implementation: capabilities, document synchronisation and
//! one handler per feature.
//!
//! Edits (`didOpen`, `didChange`, `didClose`) change the state before their first
//! `.await`, so they apply in arrival order although tower-lsp-server runs several
//! handlers at once. Requests run on a snapshot in `spawn_blocking`: an edit cancels
//! the snapshot's queries (the request answers `ContentModified`), a panic becomes
//! an internal error, and the server keeps serving.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::features::{
    code_actions, completion, folding, formatting, hover, navigation, rename, semantic_tokens, signature_help, symbols,
};
use crate::publisher::Publisher;
use crate::settings::Settings;
use crate::verify::Verifier;
use crate::verify_runs::{Target, VerifyRuns};
use crate::workspace::{Snapshot, Workspace};

/// The LCC language server.
pub struct Server {
    client: Client,
    workspace: Arc<Mutex<Workspace>>,
    publisher: Publisher,
    settings: Mutex<Settings>,
    snippets: AtomicBool,
    /// The client can watch files for the server (dynamic registration).
    watch_files: AtomicBool,
    verify_runs: Option<VerifyRuns>,
    said_no_verifier: AtomicBool,
}

impl Server {
    /// A server talking to `client`, verifying saved files with `verifier` if given.
    /// Must be called on a tokio runtime (it starts the diagnostics worker).
    pub fn new(client: Client, verifier: Option<Arc<dyn Verifier>>) -> Server {
        let workspace = Arc::new(Mutex::new(Workspace::default()));
        let publisher = Publisher::start(client.clone(), workspace.clone());
        Server {
            verify_runs: verifier.map(|v| VerifyRuns::new(v, publisher.clone(), client.clone())),
            publisher,
            client,
            workspace,
            settings: Mutex::new(Settings::default()),
            snippets: AtomicBool::new(false),
            watch_files: AtomicBool::new(false),
            said_no_verifier: AtomicBool::new(false),
        }
    }

    fn state(&self) -> MutexGuard<'_, Workspace> {
        self.workspace.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies an edit to the state before any `.await` (so edits apply in arrival
    /// order), then queues `uri`'s diagnostics if `apply` says the document is known.
    /// A panic while editing is reported to the client and the server keeps serving.
    async fn edit(&self, uri: Uri, apply: impl FnOnce(&mut Workspace) -> bool) {
        if let Some(runs) = &self.verify_runs {
            runs.supersede(&uri);
        }
        match std::panic::catch_unwind(AssertUnwindSafe(|| apply(&mut self.state()))) {
            Ok(true) => self.publisher.queue(uri),
            Ok(false) => {}
            Err(_) => {
                self.publisher.queue(uri);
                self.client
                    .log_message(
                        MessageType::ERROR,
                        "applying an edit failed; the document may be out of sync",
                    )
                    .await;
            }
        }
    }

    /// Runs `f` on a snapshot off the async threads, turning cancellation by a newer
    /// edit into `ContentModified` and a panic into an internal error.
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(&Snapshot) -> T + Send + 'static,
        T: Send + 'static,
    {
        let snapshot = self.state().snapshot();
        let job = tokio::task::spawn_blocking(move || salsa::Cancelled::catch(AssertUnwindSafe(move || f(&snapshot))));
        match job.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_cancelled)) => Err(Error::content_modified()),
            Err(failure) => {
                let mut error = Error::internal_error();
                error.message = format!("the request failed: {failure}").into();
                Err(error)
            }
        }
    }
}

fn roots(params: &InitializeParams) -> Vec<PathBuf> {
    let folders = params.workspace_folders.iter().flatten().map(|f| &f.uri);
    #[allow(deprecated)] // clients that predate workspace folders send only `rootUri`
    let root = params.root_uri.iter();
    let mut roots: Vec<PathBuf> = folders
        .chain(root)
        .filter_map(|uri| uri.to_file_path().map(|p| p.into_owned()))
        .collect();
    roots.dedup();
    roots
}

impl LanguageServer for Server {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        if let Some(options) = &params.initialization_options {
            self.settings
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .update(options);
        }
        let snippets = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.snippet_support)
            .unwrap_or(false);
        self.snippets.store(snippets, Ordering::Relaxed);
        let watch_files = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        self.watch_files.store(watch_files, Ordering::Relaxed);
        self.state().scan(&roots(&params));
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(PositionEncodingKind::UTF16),
                text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                        include_text: Some(false),
                    })),
                    ..TextDocumentSyncOptions::default()
                })),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec!["(".into()]),
                    ..CompletionOptions::default()
                }),
                signature_help_provider: Some(SignatureHelpOptions {
                    trigger_characters: Some(vec!["(".into(), ",".into()]),
                    retrigger_characters: None,
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
                semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
                    SemanticTokensOptions {
                        legend: semantic_tokens::legend(),
                        full: Some(SemanticTokensFullOptions::Bool(true)),
                        range: None,
                        work_done_progress_options: WorkDoneProgressOptions::default(),
                    },
                )),
                document_formatting_provider: Some(OneOf::Left(true)),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                    code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                    ..CodeActionOptions::default()
                })),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "lcc-lsp".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _params: InitializedParams) {
        if !self.watch_files.load(Ordering::Relaxed) {
            return;
        }
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher {
                glob_pattern: GlobPattern::String("**/*.lcc".into()),
                kind: None,
            }],
        };
        let registration = Registration {
            id: "lcc-watched-files".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(options).ok(),
        };
        if let Err(error) = self.client.register_capability(vec![registration]).await {
            self.client
                .log_message(
                    MessageType::WARNING,
                    format!("cannot watch the workspace's .lcc files: {error}"),
                )
                .await;
        }
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        // Files the client does not have open publish no diagnostics, so nothing is queued.
        let mut state = self.state();
        for change in params.changes {
            state.reload(change.uri);
        }
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.edit(doc.uri.clone(), |state| {
            state.open(doc.uri, doc.text, doc.version);
            true
        })
        .await;
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let doc = params.text_document;
        self.edit(doc.uri.clone(), |state| {
            state.change(&doc.uri, doc.version, params.content_changes)
        })
        .await;
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.edit(uri.clone(), |state| {
            state.close(&uri);
            true
        })
        .await;
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let settings = *self.settings.lock().unwrap_or_else(PoisonError::into_inner);
        if !settings.verify_on_save {
            return;
        }
        let Some(runs) = &self.verify_runs else {
            if !self.said_no_verifier.swap(true, Ordering::Relaxed) {
                self.client
                    .log_message(
                        MessageType::INFO,
                        "verify on save: this server has no model checker; only syntax and semantic checks run",
                    )
                    .await;
            }
            return;
        };
        let uri = params.text_document.uri;
        let target = {
            let snapshot = self.state().snapshot();
            snapshot.document(&uri).map(|d| Target {
                uri: uri.clone(),
                file: d.file.id(&snapshot.db),
                text: d.file.text(&snapshot.db).clone(),
                version: d.version,
            })
        };
        if let Some(target) = target {
            runs.start(target, settings.verify_time_budget);
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        self.settings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .update(&params.settings);
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let TextDocumentPositionParams {
            text_document,
            position,
        } = params.text_document_position_params;
        self.read(move |s| {
            s.view_of(&text_document.uri)
                .and_then(|v| hover::hover(s, &v, position))
        })
        .await
    }

    async fn goto_definition(&self, params: GotoDefinitionParams) -> Result<Option<GotoDefinitionResponse>> {
        let TextDocumentPositionParams {
            text_document,
            position,
        } = params.text_document_position_params;
        self.read(move |s| {
            let view = s.view_of(&text_document.uri)?;
            let found = navigation::definition(s, &view, position);
            (!found.is_empty()).then_some(GotoDefinitionResponse::Array(found))
        })
        .await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let TextDocumentPositionParams {
            text_document,
            position,
        } = params.text_document_position;
        let include = params.context.include_declaration;
        self.read(move |s| {
            s.view_of(&text_document.uri)
                .map(|v| navigation::references(s, &v, position, include))
        })
        .await
    }

    async fn prepare_rename(&self, params: TextDocumentPositionParams) -> Result<Option<PrepareRenameResponse>> {
        let TextDocumentPositionParams {
            text_document,
            position,
        } = params;
        self.read(move |s| s.view_of(&text_document.uri).map(|v| rename::prepare(s, &v, position)))
            .await?
            .transpose()
            .map_err(Error::invalid_params)
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let TextDocumentPositionParams {
            text_document,
            position,
        } = params.text_document_position;
        let new_name = params.new_name;
        self.read(move |s| {
            s.view_of(&text_document.uri)
                .map(|v| rename::rename(s, &v, position, &new_name))
        })
        .await?
        .transpose()
        .map_err(Error::invalid_params)
    }

    async fn document_symbol(&self, params: DocumentSymbolParams) -> Result<Option<DocumentSymbolResponse>> {
        let uri = params.text_document.uri;
        self.read(move |s| {
            s.view_of(&uri)
                .map(|v| DocumentSymbolResponse::Nested(symbols::document_symbols(&v)))
        })
        .await
    }

    async fn symbol(&self, params: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        self.read(move |s| {
            Some(WorkspaceSymbolResponse::Nested(symbols::workspace_symbols(
                s,
                &params.query,
            )))
        })
        .await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let TextDocumentPositionParams {
            text_document,
            position,
        } = params.text_document_position;
        let snippets = self.snippets.load(Ordering::Relaxed);
        self.read(move |s| {
            s.view_of(&text_document.uri)
                .map(|v| CompletionResponse::Array(completion::completion(s, &v, position, snippets)))
        })
        .await
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        let TextDocumentPositionParams {
            text_document,
            position,
        } = params.text_document_position_params;
        self.read(move |s| {
            s.view_of(&text_document.uri)
                .and_then(|v| signature_help::signature_help(s, &v, position))
        })
        .await
    }

    async fn semantic_tokens_full(&self, params: SemanticTokensParams) -> Result<Option<SemanticTokensResult>> {
        let uri = params.text_document.uri;
        self.read(move |s| {
            s.view_of(&uri).map(|v| {
                SemanticTokensResult::Tokens(SemanticTokens {
                    result_id: None,
                    data: semantic_tokens::semantic_tokens(&v),
                })
            })
        })
        .await
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let uri = params.text_document.uri;
        let outcome = self
            .read(move |s| s.view_of(&uri).map(|v| formatting::formatting(&v)))
            .await?;
        match outcome {
            Some(Ok(edits)) => Ok(Some(edits)),
            Some(Err(why)) => {
                self.client
                    .log_message(MessageType::INFO, format!("not formatted: {why}"))
                    .await;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let uri = params.text_document.uri;
        self.read(move |s| s.view_of(&uri).map(|v| folding::folding_ranges(&v)))
            .await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let wanted = params.context.only.as_ref().is_none_or(|only| {
            only.iter()
                .any(|k| CodeActionKind::QUICKFIX.as_str().starts_with(k.as_str()))
        });
        if !wanted {
            return Ok(None);
        }
        let uri = params.text_document.uri;
        let range = params.range;
        self.read(move |s| s.view_of(&uri).map(|v| code_actions::code_actions(s, &v, range)))
            .await
    }
}
