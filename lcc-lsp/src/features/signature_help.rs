//! Signature help for constraint calls: the innermost unclosed `name(` before the
//! cursor that names a known constraint, and the argument the cursor is in. Found
//! by the lexer, so it works while the call is half typed.

use lcc_syntax::token::{Token, lex};
use tower_lsp_server::ls_types::{
    Documentation, MarkupContent, MarkupKind, ParameterInformation, ParameterLabel, Position, SignatureHelp,
    SignatureInformation,
};

use crate::db::signatures;
use crate::workspace::{Snapshot, View};

/// The signature help at `position`, if it is inside a constraint call.
pub fn signature_help(snapshot: &Snapshot, view: &View<'_>, position: Position) -> Option<SignatureHelp> {
    let offset = view.offset(position);
    let (tokens, _) = lex(view.text);
    let before = tokens.partition_point(|t| t.2 <= offset);
    let sigs = signatures(&snapshot.db, view.doc.file);
    // Walk back over the tokens before the cursor, counting commas at each depth.
    let mut depth = 0usize;
    let mut commas = 0u32;
    for i in (0..before).rev() {
        match tokens[i].1 {
            Token::RParen | Token::RBracket => depth += 1,
            Token::LBracket if depth > 0 => depth -= 1,
            Token::LBracket => commas = 0,
            Token::LParen if depth > 0 => depth -= 1,
            Token::LParen => {
                let name = match i.checked_sub(1).map(|p| tokens[p].1) {
                    Some(Token::Atom(name)) => name,
                    _ => {
                        commas = 0;
                        continue;
                    }
                };
                let mut candidates: Vec<_> = sigs.iter().filter(|s| s.name == name).collect();
                if candidates.is_empty() {
                    commas = 0;
                    continue;
                }
                candidates.sort_by_key(|s| s.arity());
                let active = candidates
                    .iter()
                    .position(|s| s.arity() > commas as usize)
                    .unwrap_or(candidates.len() - 1);
                let signatures = candidates
                    .iter()
                    .map(|s| {
                        let label = format!("{}(", s.name);
                        let mut at = label.encode_utf16().count() as u32;
                        let mut parameters = Vec::new();
                        for (k, (mode, param)) in s.params.iter().enumerate() {
                            if k > 0 {
                                at += 2;
                            }
                            let len = format!("{}{param}", mode.sign()).encode_utf16().count() as u32;
                            parameters.push(ParameterInformation {
                                label: ParameterLabel::LabelOffsets([at, at + len]),
                                documentation: None,
                            });
                            at += len;
                        }
                        SignatureInformation {
                            label: s.display(),
                            documentation: s.doc.clone().map(|doc| {
                                Documentation::MarkupContent(MarkupContent {
                                    kind: MarkupKind::Markdown,
                                    value: doc,
                                })
                            }),
                            parameters: Some(parameters),
                            active_parameter: Some(commas),
                        }
                    })
                    .collect();
                return Some(SignatureHelp {
                    signatures,
                    active_signature: Some(active as u32),
                    active_parameter: Some(commas),
                });
            }
            Token::Comma if depth == 0 => commas += 1,
            // A clause boundary: no call spans it.
            Token::Defines | Token::Then | Token::Par => return None,
            _ => {}
        }
    }
    None
}
