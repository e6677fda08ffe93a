//! Semantic tokens for the whole document: the lexer's tokens, with atoms and
//! variables classified by the semantic index (roles, constraints, messages, role
//! kinds, clause-head variables). Multi-line comments are split per line.

use std::collections::HashMap;

use lcc_syntax::token::{Token, lex};
use tower_lsp_server::ls_types::{SemanticToken, SemanticTokenType, SemanticTokensLegend};

use crate::index::{FileIndex, Mark, Symbol};
use crate::workspace::View;

/// The token types, in legend order.
const TYPES: [SemanticTokenType; 11] = [
    SemanticTokenType::KEYWORD,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::TYPE,
    SemanticTokenType::ENUM_MEMBER,
    SemanticTokenType::STRING,
    SemanticTokenType::NUMBER,
    SemanticTokenType::COMMENT,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::EVENT,
];

/// A token type, by its position in [`TYPES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Keyword = 0,
    Variable,
    Parameter,
    Function,
    Type,
    EnumMember,
    String,
    Number,
    Comment,
    Operator,
    Event,
}

/// The legend the server announces.
pub fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: Vec::new(),
    }
}

/// The semantic tokens of `view`'s document, relative-encoded.
pub fn semantic_tokens(view: &View<'_>) -> Vec<SemanticToken> {
    let classes = classify(view.index());
    let (tokens, _) = lex(view.text);
    let mut out = Vec::with_capacity(tokens.len());
    let (mut last_line, mut last_start) = (0u32, 0u32);
    let mut emit = |start: usize, end: usize, kind: Kind| {
        // One LSP token per line of the source token.
        let mut from = start;
        while from < end {
            let line_end = view.text[from..end].find('\n').map_or(end, |n| from + n);
            if line_end > from {
                let pos = view.lines.utf16_pos(view.text, from);
                let length = view.text[from..line_end].encode_utf16().count() as u32;
                let delta_line = pos.line - last_line;
                let delta_start = if delta_line == 0 {
                    pos.character - last_start
                } else {
                    pos.character
                };
                out.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length,
                    token_type: kind as u32,
                    token_modifiers_bitset: 0,
                });
                last_line = pos.line;
                last_start = pos.character;
            }
            from = line_end + 1;
        }
    };
    for (start, token, end) in tokens {
        let kind = match token {
            Token::Then
            | Token::Or
            | Token::Par
            | Token::And
            | Token::Not
            | Token::Null
            | Token::Is
            | Token::Mod
            | Token::Constraint => Some(Kind::Keyword),
            Token::LineComment(_) | Token::BlockComment(_) | Token::UnterminatedComment(_) => Some(Kind::Comment),
            Token::Str(_) | Token::UnterminatedStr(_) | Token::UnterminatedQuotedAtom(_) => Some(Kind::String),
            Token::Int(_) | Token::Float(_) => Some(Kind::Number),
            Token::Send
            | Token::Receive
            | Token::If
            | Token::Defines
            | Token::Eq
            | Token::EqEq
            | Token::NotUnify
            | Token::NotEq
            | Token::Lt
            | Token::Gt
            | Token::Le
            | Token::Ge
            | Token::Plus
            | Token::Minus
            | Token::Star
            | Token::Slash
            | Token::Question
            | Token::Bar => Some(Kind::Operator),
            Token::Var(_) => Some(classes.get(&(start as u32)).copied().unwrap_or(Kind::Variable)),
            Token::Atom(_) => classes.get(&(start as u32)).copied(),
            Token::QuotedAtom(_) => Some(classes.get(&(start as u32)).copied().unwrap_or(Kind::String)),
            Token::LParen | Token::RParen | Token::LBracket | Token::RBracket | Token::Comma | Token::Dot => None,
        };
        if let Some(kind) = kind {
            emit(start, end, kind);
        }
    }
    out
}

/// The token type of each classified name, by its start offset.
fn classify(index: &FileIndex) -> HashMap<u32, Kind> {
    let mut classes = HashMap::with_capacity(index.occurrences.len() + index.marks.len());
    for occurrence in &index.occurrences {
        let kind = match &occurrence.symbol {
            Symbol::Role(_) => Kind::Type,
            Symbol::Constraint(..) => Kind::Function,
            Symbol::Message(..) => Kind::Event,
            Symbol::Variable { clause, name } => {
                let in_head = index
                    .clauses
                    .get(*clause)
                    .and_then(|c| c.variables.iter().find(|v| &v.name == name))
                    .is_some_and(|v| v.in_head);
                if in_head { Kind::Parameter } else { Kind::Variable }
            }
        };
        classes.insert(occurrence.span.start, kind);
    }
    for (span, mark) in &index.marks {
        let kind = match mark {
            Mark::Keyword => Kind::Keyword,
            Mark::RoleKind => Kind::EnumMember,
            Mark::Parameter => Kind::Parameter,
        };
        classes.insert(span.start, kind);
    }
    classes
}
