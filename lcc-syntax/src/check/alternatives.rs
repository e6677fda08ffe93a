//! Alternatives that can never be taken (W0211). `or` is a committed, left-biased
//! choice: when an alternative's first step can always fire (an unguarded `null`,
//! a `null` whose constraint is trivially true, or a role call whose clause starts
//! with such a step), the alternatives after it are never tried.

use rustc_hash::FxHashMap;

use crate::ast::{Cond, CondKind, Def, DefKind, RoleRef, Step, StepKind};
use crate::check::index::RoleIndex;
use crate::check::items::Items;
use crate::diagnostic::{Diagnostic, codes};

/// Why an alternative can always be taken: the step that always fires, and the
/// role call through which it is reached, if any.
#[derive(Debug, Clone, Copy)]
struct Always<'m> {
    step: &'m Step,
    via: Option<&'m RoleRef>,
}

/// Reports W0211 once per `or` chain.
pub fn check(model: &(impl Items + ?Sized), index: &RoleIndex<'_>, out: &mut Vec<Diagnostic>) {
    let mut analysis = Analysis {
        index,
        roles: FxHashMap::default(),
    };
    let mut stack: Vec<&Def> = model.clauses().map(|c| &c.body).collect();
    while let Some(def) = stack.pop() {
        match &def.kind {
            DefKind::Then(a, b) | DefKind::Par(a, b) => stack.extend([&**b, &**a]),
            DefKind::Or(..) => {
                let alternatives = flatten_or(def);
                let always = alternatives
                    .iter()
                    .enumerate()
                    .find_map(|(i, alt)| analysis.always(alt).map(|a| (i, a)));
                if let Some((i, why)) = always
                    && i + 1 < alternatives.len()
                {
                    out.push(diagnostic(&alternatives[i + 1..], why));
                }
                stack.extend(alternatives.iter().rev());
            }
            DefKind::Step(_) => {}
        }
    }
}

/// The alternatives of the `or` chain rooted at `def`, parenthesised or not.
fn flatten_or(def: &Def) -> Vec<&Def> {
    let mut out = Vec::new();
    let mut stack = vec![def];
    while let Some(d) = stack.pop() {
        match &d.kind {
            DefKind::Or(a, b) => stack.extend([&**b, &**a]),
            _ => out.push(d),
        }
    }
    out
}

/// Whether the first step of a definition can always fire, with what each role's
/// clause body gives remembered, so that chains of role calls are followed once.
struct Analysis<'i, 'm> {
    index: &'i RoleIndex<'m>,
    /// `None` while a role's body is being analysed (a cycle: not always).
    roles: FxHashMap<(&'m str, usize), Option<Always<'m>>>,
}

impl<'m> Analysis<'_, 'm> {
    fn always(&mut self, mut def: &'m Def) -> Option<Always<'m>> {
        while let DefKind::Then(first, _) = &def.kind {
            def = first;
        }
        match &def.kind {
            DefKind::Then(..) => unreachable!("handled by the loop above"),
            DefKind::Or(a, b) | DefKind::Par(a, b) => self.always(a).or_else(|| self.always(b)),
            DefKind::Step(step) => {
                if !step.guard.as_ref().is_none_or(|g| trivially_true(&g.cond)) {
                    return None;
                }
                match &step.kind {
                    StepKind::Null { .. } => Some(Always { step, via: None }),
                    StepKind::Call(role) => {
                        let inner = self.role(role.name_arity()?)?;
                        Some(Always {
                            step: inner.step,
                            via: Some(role),
                        })
                    }
                    StepKind::Send { .. } | StepKind::Receive { .. } => None,
                }
            }
        }
    }

    fn role(&mut self, key: (&'m str, usize)) -> Option<Always<'m>> {
        if let Some(known) = self.roles.get(&key) {
            return *known;
        }
        let clause = self.index.clause(key.0, key.1)?;
        self.roles.insert(key, None);
        let result = self.always(&clause.body);
        self.roles.insert(key, result);
        result
    }
}

/// Whether `cond` always succeeds: `true`, and `and`/`or`/`not` of such.
fn trivially_true(cond: &Cond) -> bool {
    match &cond.kind {
        CondKind::Call(t) => t.name_arity() == Some(("true", 0)),
        CondKind::And(a, b) => trivially_true(a) && trivially_true(b),
        CondKind::Or(a, b) => trivially_true(a) || trivially_true(b),
        CondKind::Not(c) => {
            matches!(&c.kind, CondKind::Call(t) if t.name_arity() == Some(("fail", 0)))
        }
        CondKind::Compare { .. } => false,
    }
}

fn diagnostic(unreachable: &[&Def], why: Always<'_>) -> Diagnostic {
    let first = unreachable[0].span;
    let last = unreachable[unreachable.len() - 1].span;
    let count = if unreachable.len() == 1 {
        "this alternative is".to_string()
    } else {
        format!("these {} alternatives are", unreachable.len())
    };
    let step = match &why.step.guard {
        Some(_) => "`null` with a constraint that always holds",
        None => "unguarded `null`",
    };
    let mut d = Diagnostic::warning(
        codes::UNREACHABLE_ALTERNATIVE,
        "alternative can never be taken: an earlier alternative can always be taken first",
        first.to(last),
        format!("{count} never taken"),
    );
    d = match why.via {
        Some(role) => d
            .with_label(role.span, "this role call starts with a step that can always fire")
            .with_label(why.step.span, format!("the role's first step is an {step}")),
        None => d.with_label(why.step.span, format!("an {step} can always fire")),
    };
    d.with_note("`or` is a committed, left-biased choice: the first alternative whose first step can fire is taken, and the others are discarded.")
        .with_note("Guard the earlier alternative with a constraint (`null <- C`) or move it last.")
}

#[cfg(test)]
mod tests {
    use crate::check::tests::{check_text, codes_of};

    #[test]
    fn unguarded_null_hides_later_alternatives() {
        let ds = check_text("a(r, X) :: (null <- isOverLoaded()) or (null then a(r, X)) or a(r, X) or a(r, X)");
        assert_eq!(codes_of(&ds), ["W0211"]);
        assert_eq!(ds[0].primary.message, "these 2 alternatives are never taken");
    }

    #[test]
    fn trivially_true_guards_and_calls_count() {
        let ds = check_text(
            "a(r, X) :: (null <- true and not fail) or a(r, X)\n\
             a(s, X) :: a(t, X) or a(s, X)\n\
             a(t, X) :: null par a(s, X)",
        );
        assert_eq!(codes_of(&ds), ["W0211", "W0211"]);
        assert_eq!(ds[1].secondary.len(), 2);
    }

    #[test]
    fn guarded_or_last_alternatives_are_fine() {
        let ds = check_text(
            "a(r, X) :: (null <- isOverLoaded() then a(r, X)) or null\n\
             a(s, X) :: a(s, X) or (null <- isUnderLoaded())",
        );
        assert!(ds.is_empty(), "{ds:#?}");
    }
}
