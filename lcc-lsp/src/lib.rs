//! The LCC language server and its VS Code extension (`editors/vscode`).
//!
//! Not built yet: this crate is the subject of issue 5 (`lcc-lsp`). It is an empty
//! library so that the workspace layout is in place; nothing here pretends to work.
