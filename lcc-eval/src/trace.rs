//! Traces: the events of a run in order, with the step that produced each and the
//! choices taken (so a run can be replayed), printed as text or JSON lines.
//! Sequence charts are in [`crate::msc`].

use serde_json::{Value, json};

use crate::error::Sources;
use crate::event::{Address, Event};
use crate::step::Choice;

/// One event with the number of the step that produced it (0: start-up).
#[derive(Debug, Clone, PartialEq)]
pub struct TraceEntry {
    /// The step number.
    pub step: u64,
    /// The event.
    pub event: Event,
}

/// A run's events and the choices of its steps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trace {
    /// Every event, in order.
    pub entries: Vec<TraceEntry>,
    /// The fully specified choice of each step, in order (replaying them from the
    /// start state reproduces the run).
    pub choices: Vec<Choice>,
}

fn addr(a: &Address) -> String {
    format!("a({}, {})", a.role, a.id)
}

impl Trace {
    /// Appends the events of step `step` and its choice.
    pub fn extend(&mut self, step: u64, choice: Option<Choice>, events: Vec<Event>) {
        self.choices.extend(choice);
        self.entries
            .extend(events.into_iter().map(|event| TraceEntry { step, event }));
    }

    /// The messages sent, in order: (sender, recipient, message text).
    pub fn messages(&self) -> Vec<(Address, Address, String)> {
        self.entries
            .iter()
            .filter_map(|e| match &e.event {
                Event::Sent { from, to, message, .. } => Some((*from, *to, message.to_string())),
                _ => None,
            })
            .collect()
    }

    /// One line per event: step, peer, what happened, and where in the source.
    pub fn text(&self, sources: &Sources) -> String {
        let mut out = String::new();
        for entry in &self.entries {
            let at = entry
                .event
                .span()
                .and_then(|s| sources.position(s))
                .map(|p| format!("  [{p}]"))
                .unwrap_or_default();
            let what = describe(&entry.event);
            out.push_str(&format!(
                "{:>5} {:<12} {what}{at}\n",
                entry.step,
                entry.event.peer().to_string()
            ));
        }
        out
    }

    /// One JSON object per event per line.
    pub fn json_lines(&self, sources: &Sources) -> String {
        let mut out = String::new();
        for entry in &self.entries {
            let mut v = json_event(&entry.event);
            v["step"] = json!(entry.step);
            v["peer"] = json!(entry.event.peer().name());
            if let Some(span) = entry.event.span() {
                v["span"] = json!([span.start, span.end]);
                if let Some(at) = sources.position(span) {
                    v["at"] = json!(at);
                }
            }
            out.push_str(&v.to_string());
            out.push('\n');
        }
        out
    }
}

/// What an event says, in a few words.
pub fn describe(event: &Event) -> String {
    match event {
        Event::Sent { to, message, .. } => format!("sends {message} to {}", addr(to)),
        Event::Received { from, message, .. } => format!("receives {message} from {}", addr(from)),
        Event::Called { call, .. } => format!("calls {call}"),
        Event::Answered { call, outcome, .. } => format!("{call} {outcome}"),
        Event::RoleEntered { role, .. } => format!("enters role {role}"),
        Event::RoleLeft { role, .. } => format!("leaves role {role}"),
        Event::AlternativeChosen { index, of, .. } => {
            format!("takes alternative {} of {of}", index + 1)
        }
        Event::Null { .. } => "null".into(),
        Event::Finished { .. } => "finished".into(),
        Event::Stuck { waits, .. } => {
            let w: Vec<String> = waits.iter().map(|w| w.describe()).collect();
            format!(
                "stuck: {}",
                if w.is_empty() {
                    "nothing can fire".into()
                } else {
                    w.join("; ")
                }
            )
        }
    }
}

fn json_event(event: &Event) -> Value {
    let a = |a: &Address| json!({"role": a.role.name(), "id": a.id.name()});
    match event {
        Event::Sent { from, to, message, .. } => {
            json!({"event": "sent", "from": a(from), "to": a(to), "message": message.to_string()})
        }
        Event::Received { from, to, message, .. } => {
            json!({"event": "received", "from": a(from), "to": a(to), "message": message.to_string()})
        }
        Event::Called { call, .. } => json!({"event": "called", "call": call.to_string()}),
        Event::Answered { call, outcome, .. } => {
            json!({"event": "answered", "call": call.to_string(), "outcome": outcome})
        }
        Event::RoleEntered { role, .. } => {
            json!({"event": "role_entered", "role": role.to_string()})
        }
        Event::RoleLeft { role, .. } => json!({"event": "role_left", "role": role.to_string()}),
        Event::AlternativeChosen { index, of, .. } => {
            json!({"event": "alternative_chosen", "index": index, "of": of})
        }
        Event::Null { .. } => json!({"event": "null"}),
        Event::Finished { .. } => json!({"event": "finished"}),
        Event::Stuck { waits, .. } => json!({
            "event": "stuck",
            "waits": waits.iter().map(|w| w.describe()).collect::<Vec<_>>(),
        }),
    }
}
