//! Interned atoms: every atom name is stored once, process-wide, and an [`Atom`] is
//! a 4-byte index into that table. Comparing, hashing and copying atoms is free;
//! [`Atom::name`] gives the text back.

use std::collections::HashMap;
use std::fmt;
use std::sync::{OnceLock, RwLock};

/// An interned atom (also used for functors, role names and peer Ids).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Atom(u32);

struct Interner {
    names: Vec<&'static str>,
    index: HashMap<&'static str, u32>,
}

/// Atoms interned at start-up, in this order, so that they have constant indices.
const WELL_KNOWN: [&str; 8] = ["[]", ".", "true", "fail", "-", "+", "null", "a"];

fn interner() -> &'static RwLock<Interner> {
    static INTERNER: OnceLock<RwLock<Interner>> = OnceLock::new();
    INTERNER.get_or_init(|| {
        let mut interner = Interner {
            names: Vec::new(),
            index: HashMap::new(),
        };
        for name in WELL_KNOWN {
            interner.index.insert(name, interner.names.len() as u32);
            interner.names.push(name);
        }
        RwLock::new(interner)
    })
}

impl Atom {
    /// The empty list `[]`.
    pub const NIL: Atom = Atom(0);
    /// The list constructor `'.'`: lists are chains of `'.'(Head, Tail)` cells.
    pub const CONS: Atom = Atom(1);
    /// `true`
    pub const TRUE: Atom = Atom(2);
    /// `fail`
    pub const FAIL: Atom = Atom(3);
    /// `-` (subtraction and negation)
    pub const MINUS: Atom = Atom(4);
    /// `+`
    pub const PLUS: Atom = Atom(5);

    /// Interns `name` (once per distinct name; the text is kept for the process's life).
    pub fn new(name: &str) -> Atom {
        if let Some(&i) = interner().read().expect("atom table").index.get(name) {
            return Atom(i);
        }
        let mut table = interner().write().expect("atom table");
        if let Some(&i) = table.index.get(name) {
            return Atom(i);
        }
        let name: &'static str = Box::leak(name.to_string().into_boxed_str());
        let i = table.names.len() as u32;
        table.names.push(name);
        table.index.insert(name, i);
        Atom(i)
    }

    /// The atom's text (unquoted).
    pub fn name(self) -> &'static str {
        interner().read().expect("atom table").names[self.0 as usize]
    }

    /// The atom's index in the process-wide table (stable for the process's life).
    pub fn index(self) -> u32 {
        self.0
    }
}

impl fmt::Debug for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name())
    }
}

impl fmt::Display for Atom {
    /// Prints the atom as LCC source would write it (quoted when needed).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::print::write_atom(f, self.name())
    }
}

impl PartialOrd for Atom {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Atom {
    /// Atoms order by their text, so orders are the same in every process.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if self.0 == other.0 {
            return std::cmp::Ordering::Equal;
        }
        self.name().cmp(other.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_idempotent_and_well_known_atoms_are_fixed() {
        assert_eq!(Atom::new("hello"), Atom::new("hello"));
        assert_ne!(Atom::new("hello"), Atom::new("world"));
        assert_eq!(Atom::new("[]"), Atom::NIL);
        assert_eq!(Atom::new("."), Atom::CONS);
        assert_eq!(Atom::new("true"), Atom::TRUE);
        assert_eq!(Atom::new("hello").name(), "hello");
        assert!(Atom::new("b") > Atom::new("a"));
    }
}
