//! Helpers for the integration tests: verify a model from text.

#![allow(dead_code)]

use lcc_eval::{Model, Sources, parse_peers};
use lcc_syntax::Signatures;
use lcc_verify::{Abstraction, Reductions, Report, Verifier, models_file};

/// The repository root.
pub fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A compiled model (panics on errors).
pub fn model(sources: &mut Sources, path: &str, text: &str) -> Model {
    let file = sources.add(path, text);
    let parsed = lcc_syntax::parse(file, text);
    assert!(!parsed.has_errors(), "{path}: {:?}", parsed.diagnostics);
    Model::lower(&parsed.model).unwrap_or_else(|e| panic!("{path}: {e:?}"))
}

/// Verifies `text` with `peers`, constraint models `models` (file syntax) and `reductions`.
pub fn verify_with(text: &str, peers: &str, models: &str, reductions: Reductions) -> (Report, Sources) {
    let mut sources = Sources::new();
    let model = model(&mut sources, "test.lcc", text);
    let signatures = Signatures::standard();
    let mut abstraction = Abstraction::new(signatures.clone());
    for m in models_file::parse("test.model", models, &signatures).unwrap() {
        abstraction.add_model(m);
    }
    let mut v = Verifier::new(&model, parse_peers(peers).unwrap(), abstraction);
    v.reductions = reductions;
    let report = v.run().unwrap_or_else(|e| panic!("{}", e.located(&sources)));
    (report, sources)
}

/// Verifies with every reduction on, two threads.
pub fn verify(text: &str, peers: &str, models: &str) -> (Report, Sources) {
    verify_with(
        text,
        peers,
        models,
        Reductions {
            symmetry: true,
            compact: true,
            threads: 2,
            por: true,
        },
    )
}

/// The kinds of the findings, in report order, as written in reports.
pub fn kinds(report: &Report) -> Vec<&'static str> {
    report.findings.iter().map(|f| f.kind.name()).collect()
}
