//! A verification report: what was checked, under which bounds, how much was
//! explored, and each finding with its shortest counterexample; printed for
//! people (with `path:line:col` and the source text) or as JSON.

use lcc_eval::{PeerSpec, Sources};
use lcc_syntax::Span;
use serde_json::{Value, json};

use crate::abstraction::Treatment;
use crate::counterexample::Counterexample;
use crate::explore::{Bounds, Limits, Reductions, Stats, Stop};

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Every unfinished peer can never step again.
    Deadlock,
    /// Some unfinished peer can never step again while others keep running.
    StrongDeadlock,
    /// Messages left in inboxes when every peer has finished.
    OrphanMessage,
    /// Messages that may sit for ever in the inbox of a peer that never receives again.
    UnreceivedMessage,
    /// A role (clause) never entered.
    UnreachableRole,
    /// An `or` alternative never taken.
    DeadAlternative,
    /// A step never taken.
    DeadStep,
    /// A cycle of steps that exchange no message.
    NonProgressCycle,
}

impl Kind {
    /// Errors make `lcc verify` exit with 1; the rest are warnings.
    pub fn is_error(self) -> bool {
        matches!(
            self,
            Kind::Deadlock | Kind::StrongDeadlock | Kind::OrphanMessage | Kind::UnreceivedMessage
        )
    }

    /// The kind as written in reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Deadlock => "deadlock",
            Kind::StrongDeadlock => "strong deadlock",
            Kind::OrphanMessage => "orphan message",
            Kind::UnreceivedMessage => "unreceived message",
            Kind::UnreachableRole => "unreachable role",
            Kind::DeadAlternative => "dead alternative",
            Kind::DeadStep => "dead step",
            Kind::NonProgressCycle => "non-progress cycle",
        }
    }
}

/// One finding.
#[derive(Debug, Clone)]
pub struct Finding {
    /// What kind.
    pub kind: Kind,
    /// One sentence.
    pub message: String,
    /// The source it concerns.
    pub span: Option<Span>,
    /// The shortest run that shows it (for state properties).
    pub counterexample: Option<Counterexample>,
}

/// The result of a verification.
#[derive(Debug, Clone)]
pub struct Report {
    /// The peers and their initial roles.
    pub peers: Vec<PeerSpec>,
    /// Bounds of the state space.
    pub bounds: Bounds,
    /// Limits of the search.
    pub limits: Limits,
    /// Optimisations used.
    pub reductions: Reductions,
    /// Interchangeable peers (by Id), when symmetry reduction was used.
    pub symmetric: Vec<Vec<String>>,
    /// How each constraint was answered.
    pub constraints: Vec<Treatment>,
    /// The abstract value pool size.
    pub pool: usize,
    /// Search figures.
    pub stats: Stats,
    /// Findings, errors first.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Whether any error (not just warnings) was found.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.kind.is_error())
    }

    /// Whether every reachable state within the bounds was explored.
    pub fn is_exhaustive(&self) -> bool {
        self.stats.stopped.is_none()
    }

    /// Under which bounds the verdict holds, in one sentence.
    pub fn scope(&self) -> String {
        let mut s = format!(
            "{} peer{}, inbox bound {}, term-depth bound {}, abstract pool of {} value{}",
            self.peers.len(),
            if self.peers.len() == 1 { "" } else { "s" },
            self.bounds.inbox,
            self.bounds.depth,
            self.pool,
            if self.pool == 1 { "" } else { "s" },
        );
        if self.stats.cut > 0 {
            s.push_str(&format!(
                "; {} state{} had successors beyond these bounds (not explored)",
                self.stats.cut,
                if self.stats.cut == 1 { "" } else { "s" }
            ));
        }
        s
    }

    fn verdict(&self) -> String {
        let errors = self.findings.iter().filter(|f| f.kind.is_error()).count();
        let warnings = self.findings.len() - errors;
        let coverage = match &self.stats.stopped {
            None => "exhaustive".to_string(),
            Some(stop) => format!(
                "PARTIAL: stopped at the {}; {} state{} left unexpanded",
                match stop {
                    Stop::States(n) => format!("state limit ({n})"),
                    Stop::Time(t) => format!("time limit ({:.0?})", t),
                    Stop::Memory(m) => format!("memory limit ({} MiB)", m >> 20),
                },
                self.stats.unexpanded,
                if self.stats.unexpanded == 1 { "" } else { "s" }
            ),
        };
        format!(
            "{} error{}, {} warning{} ({coverage}; {})",
            errors,
            if errors == 1 { "" } else { "s" },
            warnings,
            if warnings == 1 { "" } else { "s" },
            self.scope()
        )
    }

    /// The report for people. Counterexamples are printed as lcc-eval traces.
    pub fn text(&self, sources: &Sources) -> String {
        let mut out = String::new();
        let peers: Vec<String> = self.peers.iter().map(|p| format!("{}={}", p.role, p.id)).collect();
        out.push_str(&format!("peers: {}\n", peers.join("; ")));
        for group in &self.symmetric {
            out.push_str(&format!("interchangeable: {}\n", group.join(", ")));
        }
        for t in &self.constraints {
            out.push_str(&format!("constraint {} ({}): {}\n", t.constraint, t.kind, t.assumes));
        }
        out.push_str(&format!(
            "explored: {} states, {} transitions, depth {}\n",
            self.stats.states, self.stats.transitions, self.stats.depth
        ));
        for f in &self.findings {
            out.push('\n');
            let severity = if f.kind.is_error() { "error" } else { "warning" };
            out.push_str(&format!("{severity}: {}: {}\n", f.kind.name(), f.message));
            if let Some(span) = f.span {
                out.push_str(&format!("  --> {}\n", located(sources, span)));
            }
            if let Some(c) = &f.counterexample {
                out.push_str(&format!(
                    "  shortest counterexample ({} step{}{}):\n",
                    c.moves(),
                    if c.moves() == 1 { "" } else { "s" },
                    match c.loop_from {
                        Some(k) => format!(", looping back to step {k}"),
                        None => String::new(),
                    }
                ));
                for line in c.trace.text(sources).lines() {
                    out.push_str(&format!("  {line}\n"));
                }
            }
        }
        out.push_str(&format!("\nresult: {}\n", self.verdict()));
        out
    }

    /// The report as one JSON value (counterexamples as lists of trace events).
    pub fn json(&self, sources: &Sources) -> Value {
        let findings: Vec<Value> = self
            .findings
            .iter()
            .map(|f| {
                let mut v = json!({
                    "kind": f.kind,
                    "severity": if f.kind.is_error() { "error" } else { "warning" },
                    "message": f.message,
                });
                if let Some(span) = f.span {
                    v["span"] = json!([span.start, span.end]);
                    v["at"] = json!(sources.position(span));
                }
                if let Some(c) = &f.counterexample {
                    let events: Vec<Value> = c
                        .trace
                        .json_lines(sources)
                        .lines()
                        .map(|l| serde_json::from_str(l).expect("lcc-eval writes JSON lines"))
                        .collect();
                    v["counterexample"] = json!({
                        "steps": c.moves(),
                        "loop_from": c.loop_from,
                        "events": events,
                    });
                }
                v
            })
            .collect();
        json!({
            "peers": self.peers.iter().map(|p| json!({"id": p.id.name(), "role": p.role.to_string()})).collect::<Vec<_>>(),
            "bounds": self.bounds,
            "pool": self.pool,
            "limits": {
                "states": self.limits.states,
                "seconds": self.limits.time.map(|t| t.as_secs_f64()),
                "memory_bytes": self.limits.memory,
            },
            "reductions": self.reductions,
            "interchangeable": self.symmetric,
            "constraints": self.constraints,
            "stats": self.stats,
            "exhaustive": self.is_exhaustive(),
            "scope": self.scope(),
            "errors": self.findings.iter().filter(|f| f.kind.is_error()).count(),
            "warnings": self.findings.iter().filter(|f| !f.kind.is_error()).count(),
            "findings": findings,
        })
    }
}

/// `path:line:col: source text` of a span.
pub fn located(sources: &Sources, span: Span) -> String {
    let at = sources.position(span).unwrap_or_else(|| "?".into());
    let text = sources
        .get(span.file)
        .and_then(|(_, t)| t.get(span.range()))
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    if text.is_empty() { at } else { format!("{at}: `{text}`") }
}
