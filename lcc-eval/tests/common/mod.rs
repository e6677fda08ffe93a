//! Helpers shared by the integration tests: load a model and its facts from the
//! repository's `stdlib/`, and run them.

#![allow(dead_code)]

use lcc_eval::{EvalError, Facts, Model, Providers, Run, Runtime, Sources, default_peers, parse_peers};
use lcc_syntax::FileId;

/// The repository root.
pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A model from text (panics on syntax errors).
pub fn model(sources: &mut Sources, path: &str, text: &str) -> Model {
    let file = sources.add(path, text);
    let parsed = lcc_syntax::parse(file, text);
    assert!(!parsed.has_errors(), "{path}: {:?}", parsed.diagnostics);
    Model::lower(&parsed.model).unwrap_or_else(|e| panic!("{path}: {e:?}"))
}

/// Built-ins plus the facts in `facts_text`.
pub fn providers(sources: &mut Sources, path: &str, facts_text: &str) -> Result<Providers, EvalError> {
    let file: FileId = sources.add(path, facts_text);
    let mut providers = Providers::with_builtins();
    Facts::parse(file, path, facts_text)?.register(&mut providers);
    Ok(providers)
}

/// Runs `stdlib/<model>` with `stdlib/<facts>` (paths relative to the repository),
/// peers from `peers` or the role declarations, seed 0.
pub fn run_stdlib(model_path: &str, facts_path: &str, peers: Option<&str>, max_steps: Option<u64>) -> (Run, Sources) {
    let mut sources = Sources::new();
    let text = std::fs::read_to_string(root().join(model_path)).unwrap();
    let facts = std::fs::read_to_string(root().join(facts_path)).unwrap();
    let model = model(&mut sources, model_path, &text);
    let providers = providers(&mut sources, facts_path, &facts).unwrap();
    let peers = match peers {
        Some(p) => parse_peers(p).unwrap(),
        None => default_peers(&model),
    };
    let mut runtime = Runtime::new(&model, providers);
    if let Some(n) = max_steps {
        runtime = runtime.max_steps(n);
    }
    let run = runtime
        .run(&peers)
        .unwrap_or_else(|e| panic!("{}", e.located(&sources)));
    (run, sources)
}
