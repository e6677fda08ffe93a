//! Matching the source's tokens with the formatted code's tokens, so that each
//! comment can stay with the token it was written next to. The two sequences
//! differ only where the formatter dropped (`.`, redundant parentheses, `+` signs)
//! or added (needed parentheses) tokens, so a greedy walk that resynchronises
//! within a small window matches them.

use crate::lower::unescape;
use crate::token::Token;

/// How far ahead to look for the next matching pair of tokens after a difference.
const WINDOW: usize = 8;

/// What identifies a token across spellings: `'abc'` and `abc`, `<--` and `<-`,
/// `1.50` and `1.5` have the same key.
pub fn key(token: &Token<'_>) -> String {
    match token {
        Token::Atom(name) => format!("'{name}"),
        Token::QuotedAtom(q) => format!("'{}", unescape(q).unwrap_or_else(|_| q.to_string())),
        Token::Str(s) => format!("\"{}", unescape(s).unwrap_or_else(|_| s.to_string())),
        Token::Var(name) => (*name).to_string(),
        Token::Int(n) => n.parse::<u64>().map_or_else(|_| n.to_string(), |n| n.to_string()),
        Token::Float(n) => n.parse::<f64>().map_or_else(|_| n.to_string(), |f| format!("{f:?}")),
        other => other.symbol().to_string(),
    }
}

/// For each source token, the formatted token it corresponds to, if any.
pub fn align(source: &[String], formatted: &[String]) -> Vec<Option<usize>> {
    let mut map = vec![None; source.len()];
    let (mut i, mut j) = (0, 0);
    while i < source.len() && j < formatted.len() {
        if source[i] == formatted[j] {
            map[i] = Some(j);
            i += 1;
            j += 1;
            continue;
        }
        match resync(source, formatted, i, j) {
            Some((skip_source, skip_formatted)) => {
                i += skip_source;
                j += skip_formatted;
            }
            // A token spelled differently in the same place.
            None => {
                map[i] = Some(j);
                i += 1;
                j += 1;
            }
        }
    }
    map
}

/// The fewest tokens to skip in each sequence, from `i` and `j`, to reach two
/// tokens that match (and are followed by matching tokens, unless at an end).
fn resync(source: &[String], formatted: &[String], i: usize, j: usize) -> Option<(usize, usize)> {
    let agree = |a: usize, b: usize| {
        let (s, f) = (i + a, j + b);
        s < source.len()
            && f < formatted.len()
            && source[s] == formatted[f]
            && (s + 1 == source.len() || f + 1 == formatted.len() || source[s + 1] == formatted[f + 1])
    };
    (1..=WINDOW).find_map(|d| (0..=d).map(|a| (a, d - a)).find(|&(a, b)| agree(a, b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(words: &str) -> Vec<String> {
        words.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn dropped_and_added_tokens_are_skipped() {
        let source = keys("a ( ( x ) ) . b");
        let formatted = keys("a ( x ) b");
        assert_eq!(
            align(&source, &formatted),
            vec![Some(0), Some(1), None, Some(2), Some(3), None, None, Some(4)]
        );
        let map = align(&formatted, &source);
        assert_eq!(map[0], Some(0));
        assert_eq!(map[4], Some(7));
    }

    #[test]
    fn spellings_share_a_key() {
        assert_eq!(key(&Token::QuotedAtom("'abc'")), key(&Token::Atom("abc")));
        assert_eq!(key(&Token::Float("1.50")), key(&Token::Float("1.5")));
        assert_ne!(key(&Token::QuotedAtom("'then'")), key(&Token::Then));
    }
}
