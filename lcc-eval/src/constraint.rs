//! The [`Constraint`] trait, the answers a constraint gives, pending answers with
//! their wake-ups, and [`Providers`], the registry the interpreter consults.
//!
//! A constraint is called with its arguments resolved (bindings applied) and
//! answers [`Answer::Succeeded`] with one or more solutions (tried in order),
//! [`Answer::Failed`], or [`Answer::Pending`]: not known yet. A pending answer is
//! a [`Pending`] handle whose [`Resolver`] another thread completes later; the
//! runtime registers a waker with [`Pending::on_ready`] and steps the peer again
//! only when the answer is there (no polling).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use lcc_syntax::ast::Mode;
use lcc_syntax::signatures::{Origin, Signature, Signatures};
use lcc_syntax::{FileId, Span};

use crate::atom::Atom;
use crate::term::Term;

/// What a constraint call is given.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The arguments, with the caller's bindings applied (unbound ones are variables).
    pub args: &'a [Term],
    /// The Id of the calling peer.
    pub peer: Atom,
    /// The name of the role the caller is playing.
    pub role: Atom,
}

/// A constraint's answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Answer {
    /// The constraint holds. Each solution gives values for the first arguments
    /// (a solution may be shorter than the argument list, even empty); they are
    /// unified with the arguments and tried in order. Variables in a solution that
    /// do not occur in the arguments are fresh.
    Succeeded(Vec<Vec<Term>>),
    /// The constraint does not hold.
    Failed,
    /// Not known yet; the handle is resolved later (see [`Pending`]).
    Pending(Pending),
    /// The provider could not answer (an I/O failure, bad arguments); the run stops
    /// with this message and the call's source location.
    Error(String),
    /// Several possible answers, each a separate branch (for model checkers that
    /// abstract a provider). The interpreter takes the one that its
    /// [`Choice::outcomes`](crate::Choice::outcomes) names, the first by default.
    OneOf(Vec<Answer>),
}

impl Answer {
    /// Succeeds once without binding anything.
    pub fn yes() -> Answer {
        Answer::Succeeded(vec![Vec::new()])
    }

    /// Succeeds once with these argument values.
    pub fn solution(values: Vec<Term>) -> Answer {
        Answer::Succeeded(vec![values])
    }

    /// `yes()` when `holds`, else `Failed`.
    pub fn from_bool(holds: bool) -> Answer {
        if holds { Answer::yes() } else { Answer::Failed }
    }
}

struct PendingSlot {
    answer: Option<Answer>,
    waker: Option<Box<dyn FnOnce() + Send>>,
}

/// A pending answer: a shared slot that a [`Resolver`] fills later.
#[derive(Clone)]
pub struct Pending {
    slot: Arc<Mutex<PendingSlot>>,
}

/// Completes a [`Pending`] answer, from any thread.
pub struct Resolver {
    slot: Arc<Mutex<PendingSlot>>,
}

impl Pending {
    /// A new pending answer and the resolver that completes it.
    pub fn new() -> (Pending, Resolver) {
        let slot = Arc::new(Mutex::new(PendingSlot {
            answer: None,
            waker: None,
        }));
        (Pending { slot: slot.clone() }, Resolver { slot })
    }

    /// Calls `wake` once the answer is there (at once if it already is).
    pub fn on_ready(&self, wake: Box<dyn FnOnce() + Send>) {
        let mut slot = self.slot.lock().expect("pending slot");
        if slot.answer.is_some() {
            drop(slot);
            wake();
        } else {
            slot.waker = Some(wake);
        }
    }

    /// The answer, if it has been resolved.
    pub fn answer(&self) -> Option<Answer> {
        self.slot.lock().expect("pending slot").answer.clone()
    }
}

impl Resolver {
    /// Resolves the pending answer and wakes whoever waits for it. A nested
    /// `Pending` answer is turned into an error (an answer must be final).
    pub fn resolve(self, answer: Answer) {
        let answer = match answer {
            Answer::Pending(_) => Answer::Error("a pending answer was resolved with another pending answer".into()),
            other => other,
        };
        let waker = {
            let mut slot = self.slot.lock().expect("pending slot");
            slot.answer = Some(answer);
            slot.waker.take()
        };
        if let Some(wake) = waker {
            wake();
        }
    }
}

impl fmt::Debug for Pending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pending({:p})", Arc::as_ptr(&self.slot))
    }
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.slot, &other.slot)
    }
}

impl Eq for Pending {}

impl std::hash::Hash for Pending {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (Arc::as_ptr(&self.slot) as usize).hash(state);
    }
}

/// A constraint a model can call in a step's `<- C`. Object safe: providers are
/// kept as `Arc<dyn Constraint>`.
pub trait Constraint: Send + Sync {
    /// Name, argument modes and names, one-line doc.
    fn signature(&self) -> &Signature;

    /// Answers a call. A panic is caught and reported as an error of the run.
    fn call(&self, call: &Call<'_>) -> Answer;
}

/// A signature for a constraint defined in Rust: parameters named `A1`, `A2`, ...
pub fn rust_signature(name: &str, modes: &[Mode], doc: &str) -> Signature {
    Signature {
        name: name.to_string(),
        params: modes
            .iter()
            .enumerate()
            .map(|(i, m)| (*m, format!("A{}", i + 1)))
            .collect(),
        doc: Some(doc.to_string()),
        origin: Origin::Library("rust".into()),
        span: Span::new(FileId(u32::MAX), 0, 0),
    }
}

/// A constraint made of a signature and a closure.
pub struct FnConstraint<F> {
    signature: Signature,
    f: F,
}

impl<F: Fn(&Call<'_>) -> Answer + Send + Sync> FnConstraint<F> {
    /// A constraint that answers with `f`.
    pub fn new(signature: Signature, f: F) -> FnConstraint<F> {
        FnConstraint { signature, f }
    }
}

impl<F: Fn(&Call<'_>) -> Answer + Send + Sync> Constraint for FnConstraint<F> {
    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn call(&self, call: &Call<'_>) -> Answer {
        (self.f)(call)
    }
}

/// The constraints a run can call, by name and arity. Registering a constraint
/// with the name and arity of an existing one replaces it, so providers compose
/// in layers: built-ins, then facts files, then Rust closures, then `lcc-vmm`.
#[derive(Clone, Default)]
pub struct Providers {
    by_key: HashMap<(Atom, usize), Arc<dyn Constraint>>,
}

impl fmt::Debug for Providers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<String> = self.by_key.values().map(|c| c.signature().display()).collect();
        names.sort();
        f.debug_struct("Providers").field("constraints", &names).finish()
    }
}

impl Providers {
    /// No constraints at all (the language's operators, `peers/2` and
    /// `and`/`or`/`not` still work: they are not provided).
    pub fn new() -> Providers {
        Providers::default()
    }

    /// The built-in constraints (`member`, `append`, `length`, `nth`, `sum`, `max`,
    /// `min`, `true`, `fail`).
    pub fn with_builtins() -> Providers {
        let mut providers = Providers::new();
        crate::builtins::register(&mut providers);
        providers
    }

    /// Adds (or replaces) a constraint.
    pub fn add(&mut self, constraint: Arc<dyn Constraint>) -> &mut Providers {
        let sig = constraint.signature();
        self.by_key.insert((Atom::new(&sig.name), sig.arity()), constraint);
        self
    }

    /// Registers a closure over the resolved arguments, in one line:
    /// `providers.register_fn("double", &[Mode::In, Mode::Out], "Y is 2X.", |args| ...)`.
    pub fn register_fn(
        &mut self,
        name: &str,
        modes: &[Mode],
        doc: &str,
        f: impl Fn(&[Term]) -> Answer + Send + Sync + 'static,
    ) -> &mut Providers {
        self.add(Arc::new(FnConstraint::new(
            rust_signature(name, modes, doc),
            move |call: &Call<'_>| f(call.args),
        )))
    }

    /// Registers a closure that also sees the calling peer's Id and role.
    pub fn register_call(
        &mut self,
        name: &str,
        modes: &[Mode],
        doc: &str,
        f: impl Fn(&Call<'_>) -> Answer + Send + Sync + 'static,
    ) -> &mut Providers {
        self.add(Arc::new(FnConstraint::new(rust_signature(name, modes, doc), f)))
    }

    /// Adds every constraint of `other`, replacing those with the same name and arity.
    pub fn extend(&mut self, other: &Providers) -> &mut Providers {
        for c in other.by_key.values() {
            self.add(c.clone());
        }
        self
    }

    /// Every provided constraint, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Constraint>> {
        self.by_key.values()
    }

    /// The constraint `name/arity`.
    pub fn get(&self, name: Atom, arity: usize) -> Option<&Arc<dyn Constraint>> {
        self.by_key.get(&(name, arity))
    }

    /// The arities `name` is provided with, ascending.
    pub fn arities(&self, name: Atom) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .by_key
            .keys()
            .filter(|(n, _)| *n == name)
            .map(|(_, a)| *a)
            .collect();
        out.sort_unstable();
        out
    }

    /// The signatures of every provided constraint (for the checker and hover).
    pub fn signatures(&self) -> Signatures {
        let mut sigs = Signatures::empty();
        for c in self.by_key.values() {
            sigs.insert(c.signature().clone());
        }
        sigs
    }
}
