//! Comments: which line of the formatted code each one belongs to, and the final
//! text with comments in place.
//!
//! A comment with code before it on its source line (or following such a comment)
//! trails the last token before it, and prints at the end of the output line that
//! holds that token. Any other comment leads the next token, and prints on its own
//! line before the output line that holds that token, at that line's indent. A
//! blank line before a leading comment, and after the last one of a block, is
//! kept. These rules read back the same placement from formatted text, which is
//! what makes formatting idempotent.

use super::align::{align, key};
use super::layout::Line;
use crate::token::{Token, lex};

/// One comment as it prints.
#[derive(Debug, Clone)]
struct Comment<'s> {
    /// The text, delimiters included; a `//` comment without trailing spaces.
    text: &'s str,
    /// Whether a blank line comes before it (own-line comments only).
    blank_before: bool,
    /// Whether a blank line comes after it (own-line comments only).
    blank_after: bool,
}

impl Comment<'_> {
    fn runs_to_end_of_line(&self) -> bool {
        self.text.starts_with("//")
    }
}

/// What a comment in the source is attached to.
#[derive(Debug, Clone, Copy)]
enum Anchor {
    /// It trails the source token with this index.
    After(usize),
    /// It leads the source token with this index (or the end of the file).
    Before(usize),
}

/// The source's code tokens (as alignment keys) and its comments with their anchors.
struct Source<'s> {
    keys: Vec<String>,
    comments: Vec<(Anchor, Comment<'s>)>,
}

fn scan(text: &str) -> Source<'_> {
    let (tokens, _) = lex(text);
    let mut source = Source {
        keys: Vec::with_capacity(tokens.len()),
        comments: Vec::new(),
    };
    // The anchor of the previous comment, if it trailed code on its line.
    let mut trailing: Option<usize> = None;
    let mut previous_is_code = false;
    let mut previous_end = 0;
    for (i, &(start, token, end)) in tokens.iter().enumerate() {
        let gap = &text[previous_end..start];
        previous_end = end;
        let (Token::LineComment(comment) | Token::BlockComment(comment)) = token else {
            source.keys.push(key(&token));
            previous_is_code = true;
            trailing = None;
            continue;
        };
        let same_line = !gap.contains('\n');
        let anchor = match (same_line, previous_is_code, trailing) {
            (true, true, _) => Anchor::After(source.keys.len() - 1),
            (true, false, Some(code)) => Anchor::After(code),
            _ => Anchor::Before(source.keys.len()),
        };
        trailing = match anchor {
            Anchor::After(code) => Some(code),
            Anchor::Before(_) => None,
        };
        previous_is_code = false;
        let next_start = tokens.get(i + 1).map_or(text.len(), |t| t.0);
        let own_line = matches!(anchor, Anchor::Before(_));
        source.comments.push((
            anchor,
            Comment {
                text: if comment.starts_with("//") {
                    comment.trim_end()
                } else {
                    comment
                },
                blank_before: own_line && blank_line(gap),
                blank_after: own_line && blank_line(&text[end..next_start]),
            },
        ));
    }
    source
}

/// Whether whitespace between two things holds a blank line.
fn blank_line(gap: &str) -> bool {
    gap.matches('\n').count() >= 2
}

/// The comments of each output line, and those after the last one.
struct Placement<'s> {
    leading: Vec<Vec<Comment<'s>>>,
    trailing: Vec<Vec<Comment<'s>>>,
    end: Vec<Comment<'s>>,
}

fn place<'s>(lines: &[Line], source: Source<'s>) -> Placement<'s> {
    let mut keys = Vec::new();
    let mut line_of = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        for (_, token, _) in lex(&line.text).0 {
            keys.push(key(&token));
            line_of.push(i);
        }
    }
    let map = align(&source.keys, &keys);
    let mut placement = Placement {
        leading: vec![Vec::new(); lines.len()],
        trailing: vec![Vec::new(); lines.len()],
        end: Vec::new(),
    };
    for (anchor, comment) in source.comments {
        // A token the formatter dropped passes its comments to a neighbour.
        let (target, after) = match anchor {
            Anchor::After(i) => (map[..=i].iter().rev().chain(&map[i + 1..]).find_map(|&m| m), true),
            Anchor::Before(i) => (map[i..].iter().find_map(|&m| m), false),
        };
        match target {
            Some(token) if after => placement.trailing[line_of[token]].push(comment),
            Some(token) => placement.leading[line_of[token]].push(comment),
            None => placement.end.push(comment),
        }
    }
    // Nothing can follow a `//` comment on its line: later trailing comments move
    // to the next line, where they read back as leading comments.
    for i in 0..lines.len() {
        let Some(at) = placement.trailing[i].iter().position(Comment::runs_to_end_of_line) else {
            continue;
        };
        let moved = placement.trailing[i].split_off(at + 1).into_iter().map(|c| Comment {
            blank_before: false,
            blank_after: false,
            ..c
        });
        let next = placement.leading.get_mut(i + 1).unwrap_or(&mut placement.end);
        next.splice(0..0, moved);
    }
    placement
}

/// The formatted file: `lines` with the comments of `text` (the source) in place.
pub fn render(lines: &[Line], text: &str) -> String {
    let placement = place(lines, scan(text));
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in lines.iter().enumerate() {
        let indent = " ".repeat(line.indent);
        let leading = &placement.leading[i];
        let mut blank = line.blank_before;
        for comment in leading {
            if (blank || comment.blank_before) && !out.is_empty() {
                out.push('\n');
            }
            blank = false;
            out.push_str(&indent);
            out.push_str(comment.text);
            out.push('\n');
        }
        if (blank || leading.last().is_some_and(|c| c.blank_after)) && !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&indent);
        out.push_str(&line.text);
        for comment in &placement.trailing[i] {
            out.push(' ');
            out.push_str(comment.text);
        }
        out.push('\n');
    }
    for comment in &placement.end {
        if comment.blank_before && !out.is_empty() {
            out.push('\n');
        }
        out.push_str(comment.text);
        out.push('\n');
    }
    out
}
