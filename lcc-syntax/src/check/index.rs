//! The clauses of a model, looked up by role name and arity.

use rustc_hash::FxHashMap;

use crate::ast::Clause;
use crate::check::items::Items;

/// Which clauses define which roles. A role is identified by name and arity for
/// clause lookup; messages address roles by name only.
#[derive(Debug, Clone, Default)]
pub struct RoleIndex<'m> {
    /// Role names in the order their first clause appears.
    names: Vec<&'m str>,
    /// Every indexed clause with its arity, grouped by role name (groups in the
    /// order of `names`, clauses in source order within a group).
    clauses: Vec<(usize, &'m Clause)>,
    /// For each role name, its group's range in `clauses`.
    by_name: FxHashMap<&'m str, (u32, u32)>,
}

impl<'m> RoleIndex<'m> {
    /// Indexes the clauses of `model` (one model, or consecutive pieces of one)
    /// whose head role is an atom or compound.
    pub fn new(model: &'m (impl Items + ?Sized)) -> RoleIndex<'m> {
        let mut index = RoleIndex::default();
        // The group number of each clause, then one stable sort by group.
        let mut grouped: Vec<(u32, usize, &'m Clause)> = Vec::new();
        for clause in model.clauses() {
            if let Some((name, arity)) = clause.head.name_arity() {
                let next = index.names.len() as u32;
                let (group, _) = *index.by_name.entry(name).or_insert((next, 0));
                if group == next {
                    index.names.push(name);
                }
                grouped.push((group, arity, clause));
            }
        }
        grouped.sort_by_key(|&(group, ..)| group);
        index.clauses = grouped.iter().map(|&(_, arity, clause)| (arity, clause)).collect();
        let mut start = 0;
        for chunk in grouped.chunk_by(|a, b| a.0 == b.0) {
            let name = index.names[chunk[0].0 as usize];
            index.by_name.insert(name, (start, chunk.len() as u32));
            start += chunk.len() as u32;
        }
        index
    }

    /// Whether some clause defines a role named `name` (any arity).
    pub fn is_defined(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// The clauses for roles named `name`, with their arities, in source order.
    pub fn clauses(&self, name: &str) -> &[(usize, &'m Clause)] {
        self.by_name.get(name).map_or(&[], |&(start, len)| {
            &self.clauses[start as usize..(start + len) as usize]
        })
    }

    /// The first clause for `name/arity`: the one a role call enters.
    pub fn clause(&self, name: &str, arity: usize) -> Option<&'m Clause> {
        self.clauses(name).iter().find(|(a, _)| *a == arity).map(|(_, c)| *c)
    }

    /// The arities with which `name` is defined, ascending and without repeats.
    pub fn arities(&self, name: &str) -> Vec<usize> {
        let mut arities: Vec<usize> = self.clauses(name).iter().map(|(a, _)| *a).collect();
        arities.sort_unstable();
        arities.dedup();
        arities
    }

    /// The defined role names, in the order their first clause appears.
    pub fn names(&self) -> &[&'m str] {
        &self.names
    }
}
