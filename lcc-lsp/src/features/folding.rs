//! Folding ranges: clauses, parenthesised blocks, block comments and runs of line
//! comments, each spanning more than one line. At most one range starts per line.

use std::collections::BTreeMap;

use lcc_syntax::token::{Token, lex};
use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind};

use crate::workspace::View;

/// The folding ranges of `view`'s document.
pub fn folding_ranges(view: &View<'_>) -> Vec<FoldingRange> {
    let line = |offset: usize| view.lines.line_of(offset) as u32;
    // Start line -> (end line, kind); the first (outermost) range on a line wins.
    let mut ranges: BTreeMap<u32, (u32, Option<FoldingRangeKind>)> = BTreeMap::new();
    let mut add = |start: u32, end: u32, kind: Option<FoldingRangeKind>| {
        if end > start {
            ranges.entry(start).or_insert((end, kind));
        }
    };
    for clause in &view.index().clauses {
        add(line(clause.span.start as usize), line(clause.span.end as usize), None);
    }
    let (tokens, _) = lex(view.text);
    let mut open = Vec::new();
    let mut comment_run: Option<(u32, u32)> = None;
    let mut previous_end_line: Option<u32> = None;
    for &(start, token, end) in &tokens {
        let (first, last) = (line(start), line(end));
        let alone = previous_end_line != Some(first);
        match token {
            Token::LParen | Token::LBracket => open.push(first),
            Token::RParen | Token::RBracket => {
                if let Some(opened) = open.pop() {
                    add(opened, last, None);
                }
            }
            Token::BlockComment(_) | Token::UnterminatedComment(_) => add(first, last, Some(FoldingRangeKind::Comment)),
            _ => {}
        }
        if matches!(token, Token::LineComment(_)) && alone {
            comment_run = match comment_run {
                Some((s, e)) if e + 1 == first => Some((s, first)),
                Some((s, e)) => {
                    add(s, e, Some(FoldingRangeKind::Comment));
                    Some((first, first))
                }
                None => Some((first, first)),
            };
        } else if !matches!(token, Token::LineComment(_))
            && let Some((s, e)) = comment_run.take()
        {
            add(s, e, Some(FoldingRangeKind::Comment));
        }
        previous_end_line = Some(last);
    }
    if let Some((s, e)) = comment_run {
        add(s, e, Some(FoldingRangeKind::Comment));
    }
    ranges
        .into_iter()
        .map(|(start, (end, kind))| FoldingRange {
            start_line: start,
            start_character: None,
            end_line: end,
            end_character: None,
            kind,
            collapsed_text: None,
        })
        .collect()
}
