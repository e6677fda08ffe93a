//! Every place a model mentions a role `a(Role, Id)`: clause heads, role calls and
//! message partners, with the clause and step they belong to.

use crate::ast::{Clause, RoleRef, Step, StepKind};
use crate::check::items::Items;

/// How a role reference is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoleUseKind {
    /// The head of a clause `a(Role, Id) :: ...`.
    Head,
    /// A role call step `a(Role, Id)`.
    Call,
    /// The recipient of a send `M => a(Role, Id)`.
    SendTo,
    /// The sender of a receive `M <= a(Role, Id)`.
    ReceiveFrom,
}

/// One role reference and its context.
#[derive(Debug, Clone, Copy)]
pub struct RoleUse<'m> {
    /// How the reference is used.
    pub kind: RoleUseKind,
    /// The reference itself.
    pub role: &'m RoleRef,
    /// The clause it appears in.
    pub clause: &'m Clause,
    /// The step it appears in (`None` for a clause head).
    pub step: Option<&'m Step>,
}

impl RoleUse<'_> {
    /// Whether this reference is a message partner (matched by role name only).
    pub fn is_partner(&self) -> bool {
        matches!(self.kind, RoleUseKind::SendTo | RoleUseKind::ReceiveFrom)
    }
}

/// The role references of `clause`: its head, then its steps' references in order.
pub fn clause_role_uses(clause: &Clause) -> Vec<RoleUse<'_>> {
    let mut uses = vec![RoleUse {
        kind: RoleUseKind::Head,
        role: &clause.head,
        clause,
        step: None,
    }];
    for step in clause.body.steps() {
        let (kind, role) = match &step.kind {
            StepKind::Send { to, .. } => (RoleUseKind::SendTo, to),
            StepKind::Receive { from, .. } => (RoleUseKind::ReceiveFrom, from),
            StepKind::Call(role) => (RoleUseKind::Call, role),
            StepKind::Null { .. } => continue,
        };
        uses.push(RoleUse {
            kind,
            role,
            clause,
            step: Some(step),
        });
    }
    uses
}

/// Every role reference of `model`, clause by clause in source order.
pub fn role_uses(model: &(impl Items + ?Sized)) -> impl Iterator<Item = RoleUse<'_>> {
    model.clauses().flat_map(clause_role_uses)
}
