//! Message sequence charts of a trace: Mermaid text and a plain SVG drawing with
//! one lifeline per peer, one arrow per message (from its send to its receive),
//! role changes as notes, and stuck peers marked at the bottom.

use std::collections::HashMap;
use std::fmt::Write;

use crate::atom::Atom;
use crate::event::Event;
use crate::trace::Trace;

/// The peers in order of first appearance in the trace.
fn participants(trace: &Trace) -> Vec<Atom> {
    let mut out: Vec<Atom> = Vec::new();
    let mut add = |a: Atom| {
        if !out.contains(&a) {
            out.push(a);
        }
    };
    for e in &trace.entries {
        match &e.event {
            Event::Sent { from, to, .. } | Event::Received { from, to, .. } => {
                add(from.id);
                add(to.id);
            }
            other => add(other.peer()),
        }
    }
    out
}

fn mermaid_text(s: &str) -> String {
    s.replace('#', "#35;").replace(';', "#59;").replace('\n', " ")
}

/// The trace as a Mermaid `sequenceDiagram` (sends as async arrows, role changes
/// and stuck peers as notes).
pub fn mermaid(trace: &Trace) -> String {
    let mut out = String::from("sequenceDiagram\n");
    for p in participants(trace) {
        let _ = writeln!(out, "    participant {}", mermaid_id(p));
    }
    for e in &trace.entries {
        match &e.event {
            Event::Sent { from, to, message, .. } => {
                let _ = writeln!(
                    out,
                    "    {}-){}: {}",
                    mermaid_id(from.id),
                    mermaid_id(to.id),
                    mermaid_text(&message.to_string())
                );
            }
            Event::Received { to, .. } => {
                let _ = writeln!(out, "    Note right of {}: received", mermaid_id(to.id));
            }
            Event::RoleEntered { peer, role, .. } => {
                let _ = writeln!(
                    out,
                    "    Note over {}: {}",
                    mermaid_id(*peer),
                    mermaid_text(&role.to_string())
                );
            }
            Event::Stuck { peer, waits } => {
                let w: Vec<String> = waits.iter().map(|w| w.describe()).collect();
                let _ = writeln!(
                    out,
                    "    Note over {}: STUCK {}",
                    mermaid_id(*peer),
                    mermaid_text(&w.join(" / "))
                );
            }
            _ => {}
        }
    }
    out
}

fn mermaid_id(a: Atom) -> String {
    a.name()
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '_' { c } else { '_' })
        .collect()
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const COLUMN: usize = 180;
const ROW: usize = 26;
const TOP: usize = 60;

/// The trace as a standalone SVG message sequence chart.
pub fn svg(trace: &Trace) -> String {
    let peers = participants(trace);
    let x = |a: Atom| 90 + COLUMN * peers.iter().position(|p| *p == a).unwrap_or(0);
    // Rows: one per drawn event.
    let mut rows = 0usize;
    let mut body = String::new();
    let mut in_flight: HashMap<(Atom, Atom, String), Vec<usize>> = HashMap::new();
    let mut arrows: Vec<(Atom, Atom, usize, Option<usize>, String)> = Vec::new();
    for e in &trace.entries {
        let y = TOP + 20 + rows * ROW;
        match &e.event {
            Event::Sent { from, to, message, .. } => {
                let text = message.to_string();
                in_flight
                    .entry((from.id, to.id, text.clone()))
                    .or_default()
                    .push(arrows.len());
                arrows.push((from.id, to.id, y, None, text));
                rows += 1;
            }
            Event::Received { from, to, message, .. } => {
                let key = (from.id, to.id, message.to_string());
                let queue = in_flight.get_mut(&key);
                let found = queue.and_then(|q| (!q.is_empty()).then(|| q.remove(0)));
                match found {
                    Some(k) => arrows[k].3 = Some(y),
                    None => {
                        // The receive bound variables of the sent term: match on the sender and recipient only.
                        if let Some(k) = arrows
                            .iter()
                            .position(|a| a.0 == from.id && a.1 == to.id && a.3.is_none())
                        {
                            arrows[k].3 = Some(y);
                            for q in in_flight.values_mut() {
                                q.retain(|&i| i != k);
                            }
                        }
                    }
                }
                rows += 1;
            }
            Event::RoleEntered { peer, role, .. } => {
                let text = xml(&role.to_string());
                let w = 12 + 7 * text.chars().count().min(40);
                let _ = writeln!(
                    body,
                    r##"  <rect x="{}" y="{}" width="{w}" height="18" rx="3" fill="#fff8dc" stroke="#b8a000"/><text x="{}" y="{}" text-anchor="middle" class="note">{text}</text>"##,
                    x(*peer).saturating_sub(w / 2),
                    y - 13,
                    x(*peer),
                    y
                );
                rows += 1;
            }
            Event::Stuck { peer, waits } => {
                let text = xml(&waits.first().map(|w| w.describe()).unwrap_or_else(|| "stuck".into()));
                let _ = writeln!(
                    body,
                    r##"  <text x="{}" y="{}" text-anchor="middle" class="stuck">✗ stuck: {text}</text>"##,
                    x(*peer),
                    y
                );
                rows += 1;
            }
            Event::Finished { peer } => {
                let _ = writeln!(
                    body,
                    r##"  <text x="{}" y="{}" text-anchor="middle" class="done">finished</text>"##,
                    x(*peer),
                    y
                );
                rows += 1;
            }
            _ => {}
        }
    }
    let bottom = TOP + 30 + rows * ROW;
    for (from, to, y1, y2, text) in &arrows {
        let (x1, x2) = (x(*from), x(*to));
        let (y2, class) = match y2 {
            Some(y2) => (*y2, "msg"),
            None => (bottom - 8, "orphan"),
        };
        let label = xml(text);
        let (lx, ly) = ((x1 + x2) / 2, (y1 + y2) / 2 - 4);
        if x1 == x2 {
            let _ = writeln!(
                body,
                r#"  <path d="M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}" class="{class}" fill="none" marker-end="url(#arrow)"/><text x="{}" y="{ly}" class="label">{label}</text>"#,
                x1 + 50,
                x2 + 50,
                x1 + 54
            );
        } else {
            let _ = writeln!(
                body,
                r#"  <line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" class="{class}" marker-end="url(#arrow)"/><text x="{lx}" y="{ly}" text-anchor="middle" class="label">{label}</text>"#
            );
        }
    }
    let width = 180 + COLUMN * peers.len().saturating_sub(1);
    let height = bottom + 20;
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="monospace" font-size="12">
  <style>
    .head {{ font-weight: bold; }}
    .life {{ stroke: #888; stroke-dasharray: 4 3; }}
    .msg {{ stroke: #1f4e9c; stroke-width: 1.5; }}
    .orphan {{ stroke: #c0392b; stroke-width: 1.5; stroke-dasharray: 6 3; }}
    .label {{ fill: #1f4e9c; }}
    .note {{ fill: #5a4a00; font-size: 11px; }}
    .stuck {{ fill: #c0392b; font-weight: bold; }}
    .done {{ fill: #2e7d32; }}
  </style>
  <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1f4e9c"/></marker></defs>
"##
    );
    for p in &peers {
        let px = x(*p);
        let _ = writeln!(
            out,
            r##"  <rect x="{}" y="10" width="150" height="28" rx="4" fill="#eef3fb" stroke="#1f4e9c"/><text x="{px}" y="29" text-anchor="middle" class="head">{}</text>
  <line x1="{px}" y1="38" x2="{px}" y2="{bottom}" class="life"/>"##,
            px - 75,
            xml(p.name())
        );
    }
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}
