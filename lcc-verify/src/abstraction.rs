//! Constraint abstraction: how the checker answers the constraints a model calls.
//!
//! The checker runs lcc-eval's own `step` function, so constraints are answered
//! by [`Providers`]. Every answer a constraint may give becomes a branch through
//! lcc-eval's multi-outcome answer [`Answer::OneOf`]:
//!
//! - **built-ins** (`member`, `length`, ...) are evaluated exactly when their
//!   `+` arguments are ground, and abstracted like a provider otherwise; the
//!   timer `after(Ms)` may fire whenever its step is tried (time is not modelled);
//! - constraints with a **model** ([`ConstraintModel`], e.g. read from a file by
//!   [`crate::models_file`]) give the model's outcomes;
//! - constraints given **exactly** (e.g. a Prolog-style facts file) answer as in a run;
//! - every other constraint gets the **default abstraction**: it may succeed, with
//!   each unbound `-`/`?` argument taking each value of a small pool of fresh
//!   abstract atoms (`'?1'`, `'?2'`, ...), or fail.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use lcc_eval::model::{Cond, CondKind};
use lcc_eval::{Answer, Atom, Call, Constraint, Model, Providers, Term};
use lcc_syntax::Signatures;
use lcc_syntax::ast::Mode;
use lcc_syntax::signatures::{Origin, Signature};

/// A finite model of one constraint: every answer it may give to a call.
pub trait ConstraintModel: Send + Sync {
    /// The constraint's name, argument modes and doc.
    fn signature(&self) -> &Signature;

    /// The answers the constraint may give to `call`, each explored as a branch
    /// (an empty list means it always fails).
    fn outcomes(&self, call: &Call<'_>) -> Vec<Answer>;

    /// A few words for reports, e.g. `succeeds or fails`.
    fn describe(&self) -> String;
}

/// A [`ConstraintModel`] used as an lcc-eval [`Constraint`].
struct Modelled(Arc<dyn ConstraintModel>);

impl Constraint for Modelled {
    fn signature(&self) -> &Signature {
        self.0.signature()
    }

    fn call(&self, call: &Call<'_>) -> Answer {
        one_of(self.0.outcomes(call))
    }
}

fn one_of(mut outcomes: Vec<Answer>) -> Answer {
    match outcomes.len() {
        0 => Answer::Failed,
        1 => outcomes.pop().expect("one outcome"),
        _ => Answer::OneOf(outcomes),
    }
}

/// The pool of abstract values: `'?1'`, `'?2'`, ...
pub fn pool(size: usize) -> Vec<Term> {
    (1..=size).map(|i| Term::atom(&format!("?{i}"))).collect()
}

/// The default abstraction of a constraint from its signature: succeeds (with
/// each unbound non-`+` argument taking each pool value) or fails.
pub struct DefaultModel {
    signature: Signature,
    pool: Vec<Term>,
}

impl DefaultModel {
    /// The default abstraction of `signature` with a pool of abstract values.
    pub fn new(signature: Signature, pool: Vec<Term>) -> DefaultModel {
        DefaultModel { signature, pool }
    }
}

impl ConstraintModel for DefaultModel {
    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn outcomes(&self, call: &Call<'_>) -> Vec<Answer> {
        let choices: Vec<Vec<Term>> = call
            .args
            .iter()
            .enumerate()
            .map(|(i, arg)| {
                let mode = self.signature.params.get(i).map_or(Mode::Any, |p| p.0);
                if arg.as_var().is_some() && mode != Mode::In && !self.pool.is_empty() {
                    self.pool.clone()
                } else {
                    vec![arg.clone()]
                }
            })
            .collect();
        let mut out: Vec<Answer> = product(&choices).into_iter().map(Answer::solution).collect();
        out.push(Answer::Failed);
        out
    }

    fn describe(&self) -> String {
        let outs = self.signature.params.iter().filter(|p| p.0 != Mode::In).count();
        if outs == 0 {
            "succeeds or fails (default abstraction)".into()
        } else {
            format!(
                "succeeds with unbound outputs from a pool of {} values, or fails (default abstraction)",
                self.pool.len()
            )
        }
    }
}

/// Every combination of one value per position.
pub fn product(choices: &[Vec<Term>]) -> Vec<Vec<Term>> {
    let mut out = vec![Vec::new()];
    for values in choices {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut next = prefix.clone();
                    next.push(v.clone());
                    next
                })
            })
            .collect();
    }
    out
}

/// The timer `after(Ms)`: time is not modelled, so it may fire whenever its
/// step is tried. Its not having fired yet needs no branch of its own: the
/// search also explores every run in which the peer is not scheduled until
/// the other peers have moved. (Answered by the real timer it would be pending
/// for ever in the checker, and the timeout never taken.)
struct AnyTime(Signature);

impl ConstraintModel for AnyTime {
    fn signature(&self) -> &Signature {
        &self.0
    }

    fn outcomes(&self, _: &Call<'_>) -> Vec<Answer> {
        vec![Answer::yes()]
    }

    fn describe(&self) -> String {
        "fires at any time (time is not modelled)".into()
    }
}

/// A built-in evaluated exactly when its `+` arguments are ground, abstracted otherwise.
struct GroundBuiltin {
    exact: Arc<dyn Constraint>,
    fallback: DefaultModel,
}

impl Constraint for GroundBuiltin {
    fn signature(&self) -> &Signature {
        self.exact.signature()
    }

    fn call(&self, call: &Call<'_>) -> Answer {
        let params = &self.exact.signature().params;
        let ground = call
            .args
            .iter()
            .enumerate()
            .all(|(i, a)| params.get(i).is_none_or(|p| p.0 != Mode::In) || a.is_ground());
        if ground {
            self.exact.call(call)
        } else {
            one_of(self.fallback.outcomes(call))
        }
    }
}

/// How the checker treats one constraint the model calls.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Treatment {
    /// `name/arity`.
    pub constraint: String,
    /// `built-in`, `exact`, `model` or `default`.
    pub kind: &'static str,
    /// What the checker assumes, in a few words.
    pub assumes: String,
}

/// The constraint answers a verification uses: built-ins, exact providers, models
/// and the default abstraction with its pool size.
#[derive(Clone)]
pub struct Abstraction {
    signatures: Signatures,
    models: BTreeMap<(String, usize), Arc<dyn ConstraintModel>>,
    exact: Providers,
    pool: usize,
}

impl fmt::Debug for Abstraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Abstraction")
            .field("models", &self.models.keys().collect::<Vec<_>>())
            .field("exact", &self.exact)
            .field("pool", &self.pool)
            .finish()
    }
}

impl Abstraction {
    /// The default abstraction for every provider constraint, with `signatures`
    /// giving argument modes (constraints without a signature treat every
    /// argument as `?`), and a pool of 2 abstract values.
    pub fn new(signatures: Signatures) -> Abstraction {
        Abstraction {
            signatures,
            models: BTreeMap::new(),
            exact: Providers::new(),
            pool: 2,
        }
    }

    /// The number of abstract values an unbound output may take.
    pub fn with_pool(mut self, size: usize) -> Abstraction {
        self.pool = size;
        self
    }

    /// The pool size.
    pub fn pool_size(&self) -> usize {
        self.pool
    }

    /// Uses `model` for its constraint (replacing an earlier one).
    pub fn add_model(&mut self, model: Arc<dyn ConstraintModel>) -> &mut Abstraction {
        let sig = model.signature();
        self.models.insert((sig.name.clone(), sig.arity()), model);
        self
    }

    /// Evaluates the constraints of `providers` exactly, as a run would (e.g. a
    /// facts file); they take precedence over models.
    pub fn add_exact(&mut self, providers: &Providers) -> &mut Abstraction {
        self.exact.extend(providers);
        self
    }

    /// The providers for verifying `model`, and how each constraint it calls is
    /// treated (sorted by name).
    pub fn providers(&self, model: &Model) -> (Providers, Vec<Treatment>) {
        let mut providers = Providers::new();
        let mut treatments = Vec::new();
        let builtins = Providers::with_builtins();
        for (name, arity) in called_constraints(model) {
            let key = format!("{}/{arity}", name.name());
            let signature = self
                .signatures
                .get(name.name(), arity)
                .cloned()
                .unwrap_or_else(|| any_signature(name.name(), arity));
            let (constraint, kind, assumes): (Arc<dyn Constraint>, _, _) =
                if let Some(exact) = self.exact.get(name, arity) {
                    (exact.clone(), "exact", "answers as in a run".to_string())
                } else if let Some(m) = self.models.get(&(name.name().to_string(), arity)) {
                    (Arc::new(Modelled(m.clone())), "model", m.describe())
                } else if name.name() == "after" && arity == 1 {
                    let m = AnyTime(signature);
                    let assumes = m.describe();
                    (Arc::new(Modelled(Arc::new(m))), "built-in", assumes)
                } else if let Some(b) = builtins.get(name, arity) {
                    let fallback = DefaultModel::new(b.signature().clone(), pool(self.pool));
                    (
                        Arc::new(GroundBuiltin {
                            exact: b.clone(),
                            fallback,
                        }),
                        "built-in",
                        "exact when its inputs are ground".to_string(),
                    )
                } else {
                    let d = DefaultModel::new(signature, pool(self.pool));
                    let assumes = d.describe();
                    (Arc::new(Modelled(Arc::new(d))), "default", assumes)
                };
            providers.add(constraint);
            treatments.push(Treatment {
                constraint: key,
                kind,
                assumes,
            });
        }
        (providers, treatments)
    }
}

fn any_signature(name: &str, arity: usize) -> Signature {
    Signature {
        name: name.to_string(),
        params: (1..=arity).map(|i| (Mode::Any, format!("A{i}"))).collect(),
        doc: None,
        origin: Origin::Library("lcc-verify".into()),
        span: lcc_syntax::Span::new(lcc_syntax::FileId(u32::MAX), 0, 0),
    }
}

/// The constraints (name, arity) the model's steps call, sorted by name, without
/// the operators and `peers/2`.
pub fn called_constraints(model: &Model) -> Vec<(Atom, usize)> {
    fn walk(cond: &Cond, out: &mut Vec<(Atom, usize)>) {
        match &cond.kind {
            CondKind::And(a, b) | CondKind::Or(a, b) => {
                walk(a, out);
                walk(b, out);
            }
            CondKind::Not(c) => walk(c, out),
            CondKind::Compare(..) => {}
            CondKind::Call(t) => out.extend(t.name_arity()),
        }
    }
    let mut out = Vec::new();
    for (_, step) in model.steps() {
        if let Some(guard) = &step.guard {
            walk(guard, &mut out);
        }
    }
    out.retain(|&(n, a)| !lcc_eval::builtins::is_language_builtin(n, a));
    out.sort_by(|a, b| a.0.name().cmp(b.0.name()).then(a.1.cmp(&b.1)));
    out.dedup();
    out
}
