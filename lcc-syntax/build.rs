//! Compiles `src/grammar.lalrpop` into the parser tables.
fn main() {
    lalrpop::Configuration::new()
        .emit_rerun_directives(true)
        .process_dir("src")
        .expect("the LALRPOP grammar must compile");
}
