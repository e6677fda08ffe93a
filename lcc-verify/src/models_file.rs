//! Constraint-model files: finite models of constraints, one per line.
//!
//! ```text
//! // getPeerState never fails; its Status is low or high.
//! getPeerState(Status): succeeds with Status in [low, high]
//! isOverLoaded: succeeds or fails
//! waitForMigration: succeeds
//! sleep(Ms): succeeds
//! never(X): fails
//! ```
//!
//! A line is `head: outcome or outcome ...`, optionally ending with `.`; `//`
//! and `%` start comments. The head names the constraint and its parameters
//! (variable names, or `_`); its arity is the number of parameters. An outcome
//! is `fails` or `succeeds`, optionally `with P in [v1, v2, ...]` (joined by
//! `and` for several parameters): one branch per combination of values, each
//! binding the call's argument (an argument that is already bound succeeds only
//! when it unifies with the value). Outcomes are explored in the order written.

use std::sync::Arc;

use lcc_eval::{Answer, Call, Term};
use lcc_syntax::Signatures;
use lcc_syntax::ast::Mode;
use lcc_syntax::signatures::{Origin, Signature};

use crate::abstraction::{ConstraintModel, product};

/// One outcome of a modelled constraint.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Fails,
    /// Succeeds; each listed parameter (by position) takes each of its values.
    Succeeds(Vec<(usize, Vec<Term>)>),
}

/// A constraint modelled by a line of a constraint-model file.
#[derive(Debug, Clone)]
pub struct FileModel {
    signature: Signature,
    outcomes: Vec<Outcome>,
    text: String,
}

impl ConstraintModel for FileModel {
    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn outcomes(&self, call: &Call<'_>) -> Vec<Answer> {
        let mut out = Vec::new();
        for outcome in &self.outcomes {
            match outcome {
                Outcome::Fails => out.push(Answer::Failed),
                Outcome::Succeeds(bindings) => {
                    let choices: Vec<Vec<Term>> = call
                        .args
                        .iter()
                        .enumerate()
                        .map(|(i, arg)| match bindings.iter().find(|(p, _)| *p == i) {
                            Some((_, values)) => values.clone(),
                            None => vec![arg.clone()],
                        })
                        .collect();
                    out.extend(product(&choices).into_iter().map(Answer::solution));
                }
            }
        }
        out
    }

    fn describe(&self) -> String {
        self.text.clone()
    }
}

/// Parses a constraint-model file named `path`. Modes come from `signatures`
/// when the constraint is declared there; otherwise parameters bound by a
/// `with` are outputs. Errors are `path:line: message`.
pub fn parse(path: &str, text: &str, signatures: &Signatures) -> Result<Vec<Arc<dyn ConstraintModel>>, String> {
    let mut out: Vec<Arc<dyn ConstraintModel>> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = strip_comment(raw).trim();
        let line = line.strip_suffix('.').unwrap_or(line).trim();
        if line.is_empty() {
            continue;
        }
        let err = |m: String| format!("{path}:{}: {m}", n + 1);
        let model = parse_line(line, signatures).map_err(err)?;
        out.push(Arc::new(model));
    }
    Ok(out)
}

fn strip_comment(line: &str) -> &str {
    let mut end = line.len();
    for pat in ["//", "%"] {
        if let Some(i) = line.find(pat) {
            end = end.min(i);
        }
    }
    &line[..end]
}

fn parse_line(line: &str, signatures: &Signatures) -> Result<FileModel, String> {
    let (head, body) = split_head(line)?;
    let (name, params) = parse_head(head)?;
    let mut outcomes = Vec::new();
    for part in split_top(body, " or ") {
        outcomes.push(parse_outcome(part.trim(), &params)?);
    }
    let bound: Vec<usize> = outcomes
        .iter()
        .flat_map(|o| match o {
            Outcome::Succeeds(b) => b.iter().map(|(p, _)| *p).collect(),
            Outcome::Fails => Vec::new(),
        })
        .collect();
    let signature = signatures
        .get(&name, params.len())
        .cloned()
        .unwrap_or_else(|| Signature {
            name: name.clone(),
            params: params
                .iter()
                .enumerate()
                .map(|(i, p)| (if bound.contains(&i) { Mode::Out } else { Mode::In }, p.clone()))
                .collect(),
            doc: None,
            origin: Origin::Library("constraint model".into()),
            span: lcc_syntax::Span::new(lcc_syntax::FileId(u32::MAX), 0, 0),
        });
    Ok(FileModel {
        signature,
        outcomes,
        text: body.trim().to_string(),
    })
}

/// Splits `head: body` at the first `:` outside parentheses and brackets.
fn split_head(line: &str) -> Result<(&str, &str), String> {
    let mut depth = 0i32;
    for (i, c) in line.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ':' if depth == 0 => return Ok((&line[..i], &line[i + 1..])),
            _ => {}
        }
    }
    Err(format!("`{line}` should be `constraint(Params): outcome or outcome`"))
}

/// Splits at `sep` outside parentheses and brackets.
fn split_top<'t>(text: &'t str, sep: &str) -> Vec<&'t str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        match bytes[i] {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            _ => {}
        }
        if depth == 0 && text[i..].starts_with(sep) {
            out.push(&text[start..i]);
            i += sep.len();
            start = i;
            continue;
        }
        i += 1;
    }
    out.push(&text[start..]);
    out
}

fn parse_head(head: &str) -> Result<(String, Vec<String>), String> {
    let head = head.trim();
    let (name, params) = match head.find('(') {
        Some(i) => {
            let inner = head[i + 1..]
                .strip_suffix(')')
                .ok_or_else(|| format!("`{head}`: missing `)`"))?;
            let params: Vec<String> = if inner.trim().is_empty() {
                Vec::new()
            } else {
                inner.split(',').map(|p| p.trim().to_string()).collect()
            };
            (head[..i].trim(), params)
        }
        None => (head, Vec::new()),
    };
    let ok_name = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !ok_name {
        return Err(format!("`{name}` is not a constraint name"));
    }
    for p in &params {
        let ok = p.chars().next().is_some_and(|c| c.is_ascii_uppercase() || c == '_')
            && p.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !ok {
            return Err(format!("parameter `{p}` of `{name}` should be a variable name"));
        }
    }
    Ok((name.to_string(), params))
}

fn parse_outcome(text: &str, params: &[String]) -> Result<Outcome, String> {
    if text == "fails" {
        return Ok(Outcome::Fails);
    }
    let Some(rest) = text.strip_prefix("succeeds") else {
        return Err(format!(
            "`{text}`: an outcome is `succeeds [with P in [...]]` or `fails`"
        ));
    };
    let rest = rest.trim();
    if rest.is_empty() {
        return Ok(Outcome::Succeeds(Vec::new()));
    }
    let Some(bindings) = rest.strip_prefix("with ") else {
        return Err(format!("`{text}`: expected `with` after `succeeds`"));
    };
    let mut out = Vec::new();
    for b in split_top(bindings, " and ") {
        let (param, list) = b
            .split_once(" in ")
            .ok_or_else(|| format!("`{}` should be `Param in [values]`", b.trim()))?;
        let param = param.trim();
        let index = params
            .iter()
            .position(|p| p == param && p != "_")
            .ok_or_else(|| format!("`{param}` is not a parameter of the head"))?;
        let term = lcc_eval::facts::parse_term(list.trim()).map_err(|e| format!("`{}`: {e}", list.trim()))?;
        let values = term
            .list_items()
            .ok_or_else(|| format!("`{}` is not a list", list.trim()))?;
        if values.is_empty() || values.iter().any(|v| !v.is_ground()) {
            return Err(format!("`{}` should be a non-empty list of ground values", list.trim()));
        }
        out.push((index, values));
    }
    Ok(Outcome::Succeeds(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lcc_eval::Atom;

    fn call_of(models: &[Arc<dyn ConstraintModel>], k: usize, args: &[Term]) -> Vec<Answer> {
        models[k].outcomes(&Call {
            args,
            peer: Atom::new("p"),
            role: Atom::new("r"),
        })
    }

    #[test]
    fn parses_outcomes_values_and_comments() {
        let text = "// models\ngetPeerState(S): succeeds with S in [low, high].\nisOverLoaded: succeeds or fails % x\n\nnever(_): fails\n";
        let models = parse("m.model", text, &Signatures::empty()).unwrap();
        assert_eq!(models.len(), 3);
        assert_eq!(models[0].signature().display(), "getPeerState(-S)");
        let answers = call_of(&models, 0, &[Term::var(0)]);
        assert_eq!(
            answers,
            vec![
                Answer::solution(vec![Term::atom("low")]),
                Answer::solution(vec![Term::atom("high")])
            ]
        );
        assert_eq!(call_of(&models, 1, &[]), vec![Answer::yes(), Answer::Failed]);
        assert_eq!(call_of(&models, 2, &[Term::Int(3)]), vec![Answer::Failed]);
    }

    #[test]
    fn reports_errors_with_line_numbers() {
        let e = parse("m.model", "ok: succeeds\nbad(X): maybe\n", &Signatures::empty())
            .err()
            .unwrap();
        assert!(e.starts_with("m.model:2: "), "{e}");
        let e = parse("m.model", "f(X): succeeds with Y in [a]\n", &Signatures::empty())
            .err()
            .unwrap();
        assert!(e.contains("`Y` is not a parameter"), "{e}");
        assert!(parse("m.model", "f(X) succeeds\n", &Signatures::empty()).is_err());
    }
}
