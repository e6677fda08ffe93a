//! Collecting `.lcc` files from the paths a user names.

use std::path::{Path, PathBuf};

/// One source file read from disk.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user will recognise it.
    pub path: PathBuf,
    /// The file's text.
    pub text: String,
}

/// Expands `paths` (files, or folders searched recursively for `*.lcc`) into a
/// sorted, de-duplicated list of files and reads them. An unreadable path, or a
/// folder without any `.lcc` file, is an error message naming it.
pub fn read_sources(paths: &[PathBuf]) -> Result<Vec<SourceFile>, String> {
    let mut found = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if meta.is_dir() {
            let before = found.len();
            walk(path, &mut found)?;
            if found.len() == before {
                return Err(format!("`{}` contains no .lcc file", path.display()));
            }
        } else {
            found.push(path.clone());
        }
    }
    found.sort();
    found.dedup();
    found
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            let text = String::from_utf8(bytes).map_err(|e| {
                format!(
                    "`{}` is not UTF-8 text (invalid byte at offset {})",
                    path.display(),
                    e.utf8_error().valid_up_to()
                )
            })?;
            Ok(SourceFile { path, text })
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read folder `{}`: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read folder `{}`: {e}", dir.display()))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if kind.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "lcc") {
            out.push(path);
        }
    }
    Ok(())
}
