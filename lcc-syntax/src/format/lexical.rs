//! Canonical spellings of atoms, strings and numbers: each re-lexes as one token
//! that lowers to the same value.

/// Words the lexer reads as keywords, so an atom spelled like one must be quoted.
const KEYWORDS: [&str; 9] = ["then", "or", "par", "and", "not", "null", "is", "mod", "constraint"];

/// An atom as written: bare when the lexer reads it back as that atom, else quoted.
pub fn atom(name: &str) -> String {
    if is_bare_atom(name) {
        name.to_string()
    } else {
        quoted_atom(name)
    }
}

/// An atom in quotes, whatever it is.
pub fn quoted_atom(name: &str) -> String {
    quote(name, '\'')
}

/// A string literal.
pub fn string(text: &str) -> String {
    quote(text, '"')
}

/// Whether `name` lexes as an unquoted atom: `[a-z][A-Za-z0-9_]*([:.@][A-Za-z0-9_]+)*`
/// and not a keyword.
fn is_bare_atom(name: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = name.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_lowercase()) || KEYWORDS.contains(&name) {
        return false;
    }
    // Every separator must be followed by at least one word character.
    let mut after_separator = false;
    for c in chars {
        if word(c) {
            after_separator = false;
        } else if matches!(c, ':' | '.' | '@') && !after_separator {
            after_separator = true;
        } else {
            return false;
        }
    }
    !after_separator
}

/// `text` between `quote`s, with the quote, backslash and control characters escaped.
fn quote(text: &str, quote: char) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// A float that re-lexes as a float and reads back as exactly `value`: Rust's
/// shortest round-trip form (`1.0`, `0.25`, `1e20`, `1.5e-7`), with a leading `-`
/// when negative.
pub fn float(value: f64) -> String {
    let magnitude = format!("{:?}", value.abs());
    if value.is_sign_negative() {
        format!("-{magnitude}")
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoms_are_quoted_only_when_needed() {
        assert_eq!(atom("idle"), "idle");
        assert_eq!(atom("host.example:80"), "host.example:80");
        assert_eq!(atom("a@b"), "a@b");
        assert_eq!(atom("then"), "'then'");
        assert_eq!(atom("null"), "'null'");
        assert_eq!(atom("Idle"), "'Idle'");
        assert_eq!(atom("a."), "'a.'");
        assert_eq!(atom("a..b"), "'a..b'");
        assert_eq!(atom(""), "''");
        assert_eq!(atom("it's \\ ≤"), "'it\\'s \\\\ ≤'");
        assert_eq!(atom("+"), "'+'");
    }

    #[test]
    fn strings_escape_quotes_and_controls() {
        assert_eq!(string("a\"b\n\t\u{1}'"), "\"a\\\"b\\n\\t\\u{1}'\"");
    }

    #[test]
    fn floats_keep_a_float_form() {
        assert_eq!(float(1.0), "1.0");
        assert_eq!(float(-0.5), "-0.5");
        assert_eq!(float(1e20), "1e20");
        assert_eq!(float(1.5e-7), "1.5e-7");
        assert_eq!(float(-0.0), "-0.0");
    }
}
