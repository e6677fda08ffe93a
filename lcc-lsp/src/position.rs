//! Conversion between byte spans and LSP positions (0-based lines, UTF-16 code
//! units), and applying incremental text changes.

use lcc_syntax::span::{LineIndex, Span, Utf16Pos};
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

/// The LSP position of byte `offset` in `text`.
pub fn position(text: &str, lines: &LineIndex, offset: usize) -> Position {
    let pos = lines.utf16_pos(text, offset);
    Position::new(pos.line, pos.character)
}

/// The LSP range of `span` in `text`.
pub fn range(text: &str, lines: &LineIndex, span: Span) -> Range {
    Range::new(
        position(text, lines, span.start as usize),
        position(text, lines, span.end as usize),
    )
}

/// The byte offset of an LSP position in `text`; positions past a line's end clamp
/// to it, and positions past the last line to the end of the text.
pub fn offset(text: &str, lines: &LineIndex, position: Position) -> usize {
    lines.offset_of_utf16(
        text,
        Utf16Pos {
            line: position.line,
            character: position.character,
        },
    )
}

/// The range covering all of `text`.
pub fn whole(text: &str, lines: &LineIndex) -> Range {
    Range::new(Position::new(0, 0), position(text, lines, text.len()))
}

/// Applies `changes` to `text` in order: a change with a range replaces that range
/// (in the text as the earlier changes left it), one without replaces everything.
pub fn apply_changes(text: &mut String, changes: Vec<TextDocumentContentChangeEvent>) {
    for change in changes {
        match change.range {
            Some(range) => {
                let lines = LineIndex::new(text);
                let start = offset(text, &lines, range.start);
                let end = offset(text, &lines, range.end).max(start);
                text.replace_range(start..end, &change.text);
            }
            None => *text = change.text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(range: Option<((u32, u32), (u32, u32))>, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: range.map(|((a, b), (c, d))| Range::new(Position::new(a, b), Position::new(c, d))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn incremental_changes_count_utf16_units() {
        let mut text = "// 😀 ≤\na(r, X)".to_string();
        // 😀 is two UTF-16 units: "// 😀 " is 6 units, so ≤ is at 6.
        apply_changes(&mut text, vec![change(Some(((0, 6), (0, 7))), "<=")]);
        assert_eq!(text, "// 😀 <=\na(r, X)");
        apply_changes(
            &mut text,
            vec![
                change(Some(((1, 2), (1, 3))), "role"),
                change(Some(((1, 0), (1, 0))), "x"),
            ],
        );
        assert_eq!(text, "// 😀 <=\nxa(role, X)");
        apply_changes(&mut text, vec![change(None, "new")]);
        assert_eq!(text, "new");
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let mut text = "ab\ncd".to_string();
        apply_changes(&mut text, vec![change(Some(((0, 9), (7, 0))), "!")]);
        assert_eq!(text, "ab!");
        let lines = LineIndex::new(&text);
        assert_eq!(offset(&text, &lines, Position::new(5, 5)), 3);
    }
}
