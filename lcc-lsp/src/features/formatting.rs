//! Whole-document formatting with the front end's formatter.

use lcc_syntax::format::format_source;
use tower_lsp_server::ls_types::TextEdit;

use crate::position::whole;
use crate::workspace::View;

/// The edits that format `view`'s document: none when it is already formatted, one
/// replacing the whole text otherwise. `Err` carries why it cannot be formatted.
pub fn formatting(view: &View<'_>) -> Result<Vec<TextEdit>, String> {
    match format_source(view.text) {
        Ok(formatted) if formatted == view.text => Ok(Vec::new()),
        Ok(formatted) => Ok(vec![TextEdit {
            range: whole(view.text, view.lines),
            new_text: formatted,
        }]),
        Err(errors) => Err(format!(
            "the document has {} syntax error{}; fix {} to format it",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" },
            if errors.len() == 1 { "it" } else { "them" },
        )),
    }
}
