//! Constraint signatures: name, arity, argument modes and a one-line doc. The
//! checker validates calls against them, the language server shows them, and the
//! model checker uses the modes to abstract providers it has no model of.

use std::collections::BTreeMap;

use crate::ast::{ConstraintDecl, Mode, Model};
use crate::diagnostic::Diagnostic;
use crate::span::{FileId, Span};

/// The text of `stdlib/builtins.lcc`: the built-in constraints every model sees.
pub const BUILTINS_SOURCE: &str = include_str!("../../stdlib/builtins.lcc");

/// The text of `stdlib/vmm/constraints.lcc`: the constraints `lcc-vmm` provides.
pub const VMM_SOURCE: &str = include_str!("../../stdlib/vmm/constraints.lcc");

/// Where a signature comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Built into the interpreter (`stdlib/builtins.lcc`).
    Builtin,
    /// A named signature library, e.g. `vmm`, or a file given by the user.
    Library(String),
    /// Declared in a checked file.
    File(FileId),
}

/// One constraint signature.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// The constraint's name.
    pub name: String,
    /// The argument modes and names, in order.
    pub params: Vec<(Mode, String)>,
    /// One-line documentation.
    pub doc: Option<String>,
    /// Where it is declared.
    pub origin: Origin,
    /// The declaration's span in its own text (for go-to-definition).
    pub span: Span,
}

impl Signature {
    /// The signature's arity.
    pub fn arity(&self) -> usize {
        self.params.len()
    }

    /// The signature as written in a declaration, e.g. `isMigrationPossible(+Capacity, +Need)`.
    pub fn display(&self) -> String {
        let params: Vec<String> = self.params.iter().map(|(m, n)| format!("{}{}", m.sign(), n)).collect();
        format!("{}({})", self.name, params.join(", "))
    }

    fn from_decl(decl: &ConstraintDecl, origin: Origin) -> Signature {
        Signature {
            name: decl.name.clone(),
            params: decl.params.iter().map(|p| (p.mode, p.name.clone())).collect(),
            doc: decl.doc.clone(),
            origin,
            span: decl.span,
        }
    }
}

/// A set of signatures, looked up by name and arity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Signatures {
    by_key: BTreeMap<(String, usize), Signature>,
}

impl Signatures {
    /// No signatures at all.
    pub fn empty() -> Signatures {
        Signatures::default()
    }

    /// The built-in constraints.
    pub fn builtins() -> Signatures {
        let mut sigs = Signatures::empty();
        sigs.add_source(Origin::Builtin, BUILTINS_SOURCE)
            .expect("stdlib/builtins.lcc must parse");
        sigs
    }

    /// The built-ins plus the `lcc-vmm` constraints: what the `lcc` command knows.
    pub fn standard() -> Signatures {
        let mut sigs = Signatures::builtins();
        sigs.add_source(Origin::Library("vmm".into()), VMM_SOURCE)
            .expect("stdlib/vmm/constraints.lcc must parse");
        sigs
    }

    /// Adds the declarations of an `.lcc` text; returns its syntax errors if any.
    /// Spans of the added signatures use `FileId(u32::MAX)`.
    pub fn add_source(&mut self, origin: Origin, text: &str) -> Result<(), Vec<Diagnostic>> {
        let parsed = crate::parse(FileId(u32::MAX), text);
        if parsed.has_errors() {
            return Err(parsed.diagnostics);
        }
        self.add_model(&parsed.model, origin);
        Ok(())
    }

    /// Adds every `constraint` declaration of `model`; a later one replaces an
    /// earlier one with the same name and arity.
    pub fn add_model(&mut self, model: &Model, origin: Origin) {
        for decl in model.constraint_decls() {
            self.insert(Signature::from_decl(decl, origin.clone()));
        }
    }

    /// Adds (or replaces) one signature.
    pub fn insert(&mut self, signature: Signature) {
        self.by_key
            .insert((signature.name.clone(), signature.arity()), signature);
    }

    /// The signature of `name/arity`, if declared.
    pub fn get(&self, name: &str, arity: usize) -> Option<&Signature> {
        self.by_key.get(&(name.to_string(), arity))
    }

    /// The arities `name` is declared with (empty if none).
    pub fn arities(&self, name: &str) -> Vec<usize> {
        self.iter().filter(|s| s.name == name).map(Signature::arity).collect()
    }

    /// Every signature, ordered by name then arity.
    pub fn iter(&self) -> impl Iterator<Item = &Signature> {
        self.by_key.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_signatures_parse_and_answer_lookups() {
        let sigs = Signatures::standard();
        let member = sigs.get("member", 2).unwrap();
        assert_eq!(member.display(), "member(?Element, +List)");
        assert_eq!(member.origin, Origin::Builtin);
        assert!(sigs.get("isOverLoaded", 0).unwrap().doc.is_some());
        assert_eq!(sigs.arities("migration"), vec![2]);
        assert!(sigs.get("nosuch", 0).is_none());
    }
}
