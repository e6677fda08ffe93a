//! Parses a file and prints its syntax diagnostics (a developer aid).
fn main() {
    let path = std::env::args().nth(1).expect("usage: parse_file FILE");
    let text = std::fs::read_to_string(&path).expect("readable file");
    let parsed = lcc_syntax::parse(lcc_syntax::FileId(0), &text);
    for d in &parsed.diagnostics {
        print!(
            "{}",
            lcc_syntax::render::render(
                d,
                &path,
                &text,
                lcc_syntax::render::RenderOptions {
                    color: false,
                    ascii: false
                }
            )
        );
    }
    println!(
        "{} items, {} comments, {} diagnostics",
        parsed.model.items.len(),
        parsed.comments.len(),
        parsed.diagnostics.len()
    );
}
