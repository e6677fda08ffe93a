//! Completion: roles of the workspace as `a(role, Id)`, constraints with argument
//! snippets from their signatures, message functors used in the model, keywords,
//! and the variables of the clause at the cursor (found by the lexer, so that a
//! half-typed clause that does not parse still offers them).

use std::collections::{BTreeMap, BTreeSet};

use lcc_syntax::token::{Token, lex};
use tower_lsp_server::ls_types::{
    CompletionItem, CompletionItemKind, Documentation, InsertTextFormat, MarkupContent, MarkupKind, Position,
};

use crate::db::signatures;
use crate::features::hover::describe_signature;
use crate::features::rename::KEYWORDS;
use crate::index::Symbol;
use crate::workspace::{Snapshot, View};

/// The completion items at `position`; `snippets` says whether the client takes
/// snippet syntax (otherwise plain text is inserted).
pub fn completion(snapshot: &Snapshot, view: &View<'_>, position: Position, snippets: bool) -> Vec<CompletionItem> {
    let offset = view.offset(position);
    let mut items = Vec::new();
    let item = |label: String, kind, detail: String, snippet: String, plain: String| CompletionItem {
        label,
        kind: Some(kind),
        detail: Some(detail),
        insert_text: Some(if snippets { snippet } else { plain }),
        insert_text_format: Some(if snippets {
            InsertTextFormat::SNIPPET
        } else {
            InsertTextFormat::PLAIN_TEXT
        }),
        ..CompletionItem::default()
    };

    for name in clause_variables(view.text, offset) {
        items.push(item(
            name.clone(),
            CompletionItemKind::VARIABLE,
            "variable of this clause".into(),
            name.clone(),
            name,
        ));
    }

    // One item per role name and arity, with the parameter names of its first clause.
    let mut roles = BTreeMap::new();
    for other in snapshot.views() {
        for clause in &other.index().clauses {
            if let Some((name, arity)) = &clause.role {
                roles
                    .entry((name.clone(), *arity))
                    .or_insert_with(|| clause.params.clone());
            }
        }
    }
    for ((name, arity), params) in roles {
        let (snippet, plain) = if arity == 0 {
            (format!("a({name}, ${{1:Id}})"), format!("a({name}, Id)"))
        } else {
            let args: Vec<String> = params
                .iter()
                .enumerate()
                .map(|(i, p)| format!("${{{}:{p}}}", i + 1))
                .collect();
            (
                format!("a({name}({}), ${{{}:Id}})", args.join(", "), arity + 1),
                format!("a({name}({}), Id)", params.join(", ")),
            )
        };
        let mut role_item = item(
            name.clone(),
            CompletionItemKind::CLASS,
            format!("role {plain}"),
            snippet,
            plain,
        );
        role_item.filter_text = Some(name);
        items.push(role_item);
    }

    for signature in signatures(&snapshot.db, view.doc.file).iter() {
        let args: Vec<String> = signature
            .params
            .iter()
            .enumerate()
            .map(|(i, (_, p))| format!("${{{}:{p}}}", i + 1))
            .collect();
        let names: Vec<&str> = signature.params.iter().map(|(_, p)| p.as_str()).collect();
        let mut constraint = item(
            signature.name.clone(),
            CompletionItemKind::FUNCTION,
            signature.display(),
            format!("{}({})", signature.name, args.join(", ")),
            format!("{}({})", signature.name, names.join(", ")),
        );
        constraint.documentation = Some(Documentation::MarkupContent(MarkupContent {
            kind: MarkupKind::Markdown,
            value: describe_signature(snapshot, signature),
        }));
        items.push(constraint);
    }

    let messages: BTreeSet<(&str, usize)> = view
        .index()
        .occurrences
        .iter()
        .filter_map(|o| match &o.symbol {
            Symbol::Message(name, arity) => Some((name.as_str(), *arity)),
            _ => None,
        })
        .collect();
    for (name, arity) in messages {
        let args: Vec<String> = (1..=arity).map(|i| format!("${{{i}:X{i}}}")).collect();
        let plain: Vec<String> = (1..=arity).map(|i| format!("X{i}")).collect();
        let (snippet, plain) = if arity == 0 {
            (name.to_string(), name.to_string())
        } else {
            (
                format!("{name}({})", args.join(", ")),
                format!("{name}({})", plain.join(", ")),
            )
        };
        items.push(item(
            name.to_string(),
            CompletionItemKind::EVENT,
            format!("message {name}/{arity}"),
            snippet,
            plain,
        ));
    }

    for keyword in KEYWORDS {
        items.push(item(
            keyword.into(),
            CompletionItemKind::KEYWORD,
            "keyword".into(),
            keyword.into(),
            keyword.into(),
        ));
    }
    items
}

/// The variables of the clause around `offset`: a clause runs from the start of
/// the line holding its `::` to the start of the next such line. The variable
/// being typed at `offset` is left out.
pub fn clause_variables(text: &str, offset: usize) -> BTreeSet<String> {
    let (tokens, _) = lex(text);
    let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |n| n + 1);
    // Each clause starts on the line of its `::`.
    let heads: Vec<usize> = tokens
        .iter()
        .filter(|t| t.1 == Token::Defines)
        .map(|t| line_start(t.0))
        .collect();
    let start = heads.iter().copied().filter(|&h| h <= offset).max().unwrap_or(0);
    let end = heads.iter().copied().find(|&h| h > offset).unwrap_or(text.len());
    tokens
        .iter()
        .filter(|t| t.0 >= start && t.2 <= end && !(t.0 < offset && offset <= t.2))
        .filter_map(|t| match t.1 {
            Token::Var(name) if name != "_" => Some(name.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_come_from_the_clause_at_the_cursor() {
        let text = "a(r, X) :: m(Y) => a(s, X)\n\na(s, Z) :: m(W) <= a(r, Z) then Pa";
        let at_end = clause_variables(text, text.len());
        assert_eq!(at_end.into_iter().collect::<Vec<_>>(), ["W", "Z"]);
        let first = clause_variables(text, 5);
        assert_eq!(first.into_iter().collect::<Vec<_>>(), ["X", "Y"]);
    }
}
