//! The server's mutable state: the database, the documents it knows (open ones and
//! `.lcc` files found under the workspace roots) and their versions. Readers take a
//! [`Snapshot`]: a database handle and an immutable view of the document table.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lcc_syntax::signatures::Origin;
use lcc_syntax::{FileId, LineIndex, Parsed};
use salsa::Setter;
use tower_lsp_server::ls_types::{Location, Position, Range, TextDocumentContentChangeEvent, Uri};

use crate::db::{Database, SourceFile, file_index, line_index, parsed};
use crate::index::FileIndex;
use crate::position;

/// At most this many `.lcc` files are loaded from the workspace roots.
const MAX_WORKSPACE_FILES: usize = 5_000;
/// Files larger than this are not loaded from the workspace roots.
const MAX_FILE_BYTES: u64 = 8 << 20;

/// One text the server knows.
#[derive(Debug, Clone)]
pub struct Document {
    /// Its URI.
    pub uri: Uri,
    /// Its input in the database.
    pub file: SourceFile,
    /// The client's version, while it is open.
    pub version: Option<i32>,
    /// Whether the client has it open (otherwise it was read from disk).
    pub open: bool,
}

/// The documents, by key (the file path for `file:` URIs, else the URI).
#[derive(Debug, Clone, Default)]
pub struct Documents {
    by_key: BTreeMap<String, Document>,
    keys: HashMap<FileId, String>,
}

/// The state edits change, behind the server's lock.
#[derive(Default)]
pub struct Workspace {
    db: Database,
    docs: Arc<Documents>,
    next_id: u32,
}

/// A consistent view for readers: clone of the database handle plus the documents.
/// Queries on it are cancelled (salsa's `Cancelled`) when an edit arrives.
#[derive(Clone)]
pub struct Snapshot {
    /// The database handle.
    pub db: Database,
    /// The documents at the time of the snapshot.
    pub docs: Arc<Documents>,
}

/// How documents are identified: file URIs by path, so that a scanned file and the
/// same file opened by the client are one document.
fn key(uri: &Uri) -> String {
    match uri.to_file_path() {
        Some(path) => path.to_string_lossy().into_owned(),
        None => uri.as_str().to_string(),
    }
}

impl Workspace {
    /// Loads every `.lcc` file under `roots` (hidden folders, `target` and
    /// `node_modules` skipped) as a workspace document.
    pub fn scan(&mut self, roots: &[PathBuf]) {
        let mut found = Vec::new();
        for root in roots {
            collect_lcc_files(root, &mut found);
        }
        for path in found {
            let Some(uri) = Uri::from_file_path(&path) else {
                continue;
            };
            if self.docs.by_key.contains_key(&key(&uri)) {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(&path) {
                self.insert(uri, text, None, false);
            }
        }
    }

    /// The client opened `uri` with `text` at `version`.
    pub fn open(&mut self, uri: Uri, text: String, version: i32) {
        match self.docs.by_key.get(&key(&uri)).map(|d| d.file) {
            Some(file) => {
                file.set_text(&mut self.db).to(text);
                let doc = Arc::make_mut(&mut self.docs)
                    .by_key
                    .get_mut(&key(&uri))
                    .expect("present");
                doc.uri = uri;
                doc.version = Some(version);
                doc.open = true;
            }
            None => self.insert(uri, text, Some(version), true),
        }
    }

    /// The client changed `uri`; returns `false` for a document it never opened.
    pub fn change(&mut self, uri: &Uri, version: i32, changes: Vec<TextDocumentContentChangeEvent>) -> bool {
        let Some(file) = self.docs.by_key.get(&key(uri)).map(|d| d.file) else {
            return false;
        };
        let mut text = file.text(&self.db).clone();
        position::apply_changes(&mut text, changes);
        file.set_text(&mut self.db).to(text);
        if let Some(doc) = Arc::make_mut(&mut self.docs).by_key.get_mut(&key(uri)) {
            doc.version = Some(version);
        }
        true
    }

    /// The client closed `uri`: a file on disk becomes a workspace file again with
    /// its saved text; any other document is forgotten.
    pub fn close(&mut self, uri: &Uri) {
        let k = key(uri);
        let Some(file) = self.docs.by_key.get(&k).map(|d| d.file) else {
            return;
        };
        let on_disk = uri.to_file_path().and_then(|path| std::fs::read_to_string(path).ok());
        let docs = Arc::make_mut(&mut self.docs);
        match on_disk {
            Some(text) => {
                if let Some(doc) = docs.by_key.get_mut(&k) {
                    doc.open = false;
                    doc.version = None;
                }
                file.set_text(&mut self.db).to(text);
            }
            None => {
                docs.by_key.remove(&k);
                docs.keys.remove(&file.id(&self.db));
            }
        }
    }

    /// A `.lcc` file changed on disk (created, changed or deleted, as
    /// `workspace/didChangeWatchedFiles` says): unless the client has it open (its
    /// text is then the client's), its text is read again, or it is forgotten when
    /// it can no longer be read.
    pub fn reload(&mut self, uri: Uri) {
        let Some(path) = uri.to_file_path().map(|p| p.into_owned()) else {
            return;
        };
        let k = key(&uri);
        let existing = self.docs.by_key.get(&k).map(|d| (d.file, d.open));
        if !k.ends_with(".lcc") || matches!(existing, Some((_, true))) {
            return;
        }
        let text = std::fs::metadata(&path)
            .ok()
            .filter(|m| m.is_file() && m.len() <= MAX_FILE_BYTES)
            .and_then(|_| std::fs::read_to_string(&path).ok());
        match (existing, text) {
            (Some((file, _)), Some(text)) => {
                if *file.text(&self.db) != text {
                    file.set_text(&mut self.db).to(text);
                }
            }
            (Some((file, _)), None) => {
                let docs = Arc::make_mut(&mut self.docs);
                docs.by_key.remove(&k);
                docs.keys.remove(&file.id(&self.db));
            }
            (None, Some(text)) => self.insert(uri, text, None, false),
            (None, None) => {}
        }
    }

    /// A reader's view of the current state.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            db: self.db.clone(),
            docs: self.docs.clone(),
        }
    }

    fn insert(&mut self, uri: Uri, text: String, version: Option<i32>, open: bool) {
        let id = FileId(self.next_id);
        self.next_id += 1;
        let file = SourceFile::new(&self.db, id, text);
        let k = key(&uri);
        let docs = Arc::make_mut(&mut self.docs);
        docs.keys.insert(id, k.clone());
        docs.by_key.insert(
            k,
            Document {
                uri,
                file,
                version,
                open,
            },
        );
    }
}

fn collect_lcc_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if found.len() >= MAX_WORKSPACE_FILES {
            return;
        }
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                collect_lcc_files(&entry.path(), found);
            }
        } else if kind.is_file() && name.ends_with(".lcc") && entry.metadata().is_ok_and(|m| m.len() <= MAX_FILE_BYTES)
        {
            found.push(entry.path());
        }
    }
}

/// One document with its memoised analyses, as features use it.
pub struct View<'s> {
    /// The document.
    pub doc: &'s Document,
    /// Its text.
    pub text: &'s str,
    /// Its line starts.
    pub lines: &'s LineIndex,
    db: &'s Database,
}

impl<'s> View<'s> {
    /// Its parse, as one tree (computed on first use: diagnostics do not need it).
    pub fn parsed(&self) -> &'s Parsed {
        parsed(self.db, self.doc.file)
    }

    /// Its semantic index (computed on first use: diagnostics do not need it).
    pub fn index(&self) -> &'s FileIndex {
        file_index(self.db, self.doc.file)
    }

    /// The LSP range of `span`.
    pub fn range(&self, span: lcc_syntax::Span) -> Range {
        position::range(self.text, self.lines, span)
    }

    /// The byte offset of an LSP position.
    pub fn offset(&self, position: Position) -> usize {
        position::offset(self.text, self.lines, position)
    }

    /// The location of `span` in this document.
    pub fn location(&self, span: lcc_syntax::Span) -> Location {
        Location::new(self.doc.uri.clone(), self.range(span))
    }

    /// The text of `span`.
    pub fn source(&self, span: lcc_syntax::Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

impl Snapshot {
    /// The document `uri`, if known.
    pub fn document(&self, uri: &Uri) -> Option<&Document> {
        self.docs.by_key.get(&key(uri))
    }

    /// The document whose spans carry `id`.
    pub fn document_by_id(&self, id: FileId) -> Option<&Document> {
        self.docs.keys.get(&id).and_then(|k| self.docs.by_key.get(k))
    }

    /// Every document, open or not, in a stable order.
    pub fn documents(&self) -> impl Iterator<Item = &Document> {
        self.docs.by_key.values()
    }

    /// The analyses of `doc`.
    pub fn view<'s>(&'s self, doc: &'s Document) -> View<'s> {
        View {
            doc,
            text: doc.file.text(&self.db),
            lines: line_index(&self.db, doc.file),
            db: &self.db,
        }
    }

    /// The analyses of the document `uri`, if known.
    pub fn view_of<'s>(&'s self, uri: &Uri) -> Option<View<'s>> {
        self.document(uri).map(|doc| self.view(doc))
    }

    /// Every document's analyses.
    pub fn views(&self) -> impl Iterator<Item = View<'_>> {
        self.documents().map(|doc| self.view(doc))
    }

    /// The workspace file that declares the signatures of `origin` (the standard
    /// library's `stdlib/builtins.lcc` or `stdlib/vmm/constraints.lcc`), if the
    /// workspace has it; for `Origin::File`, that file.
    pub fn declaring_document(&self, origin: &Origin) -> Option<&Document> {
        let suffix = match origin {
            Origin::Builtin => "stdlib/builtins.lcc",
            Origin::Library(name) if name == "vmm" => "stdlib/vmm/constraints.lcc",
            Origin::Library(_) => return None,
            Origin::File(id) => return self.document_by_id(*id),
        };
        self.documents().find(|d| d.uri.as_str().ends_with(suffix))
    }
}
