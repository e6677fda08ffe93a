//! Loading the model file of `run`, `verify` and `simulate`: read, parse, report
//! syntax errors in the terminal, and lower to lcc-eval's `Model`.

use std::path::{Path, PathBuf};

use lcc_eval::{Facts, Model, Providers, Sources};
use lcc_syntax::render::{FileRenderer, RenderOptions};
use lcc_syntax::{FileId, Parsed};

/// A model file that parsed and lowered.
pub struct LoadedModel {
    /// The texts read so far (the model; callers add facts files), for locations.
    pub sources: Sources,
    /// The model's file id in `sources`.
    pub file: FileId,
    /// The path as the user wrote it.
    pub name: String,
    /// The parse (AST and comments).
    pub parsed: Parsed,
    /// The lowered model.
    pub model: Model,
}

/// Reads and lowers the model at `path`. On failure, prints the syntax errors or
/// lowering errors to standard error and returns the one-line `error:` message,
/// which says the model cannot be used `for_what` (e.g. "before verifying").
pub fn load(path: &Path, color: bool, for_what: &str) -> Result<LoadedModel, String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{name}`: {e}"))?;
    let mut sources = Sources::new();
    let file = sources.add(name.clone(), text.clone());
    let parsed = lcc_syntax::parse(file, &text);
    if parsed.has_errors() {
        let renderer = FileRenderer::new(&name, &text, RenderOptions { color, ascii: false });
        for d in parsed.diagnostics.iter().filter(|d| d.is_error()) {
            eprint!("{}", renderer.render(d));
        }
        return Err(format!("`{name}` has syntax errors; fix them {for_what}"));
    }
    match Model::lower(&parsed.model) {
        Ok(model) => Ok(LoadedModel {
            sources,
            file,
            name,
            parsed,
            model,
        }),
        Err(errors) => {
            for e in &errors {
                eprint!("{}", e.render(&sources));
            }
            Err(format!("`{name}` cannot be used {for_what}"))
        }
    }
}

/// The built-in providers plus the facts files `facts` (added to `sources` for
/// locations). Fails — after printing the offending calls — when the model calls a
/// constraint that no provider answers.
pub fn providers(sources: &mut Sources, facts: &[PathBuf], model: &Model) -> Result<Providers, String> {
    providers_over(Providers::with_builtins(), sources, facts, model)
}

/// [`providers`] over `base` instead of the built-ins alone.
pub fn providers_over(
    mut providers: Providers,
    sources: &mut Sources,
    facts: &[PathBuf],
    model: &Model,
) -> Result<Providers, String> {
    for path in facts {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{name}`: {e}"))?;
        let file = sources.add(name.clone(), text.clone());
        Facts::parse(file, &name, &text)
            .map_err(|e| e.message)?
            .register(&mut providers);
    }
    let unknown = model.check_constraints(&providers);
    if !unknown.is_empty() {
        for e in &unknown {
            eprint!("{}", e.render(sources));
        }
        return Err("some constraints have no provider: give a --facts file that defines them".into());
    }
    Ok(providers)
}
