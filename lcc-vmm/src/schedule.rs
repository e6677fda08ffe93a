//! The schedule of an in-process policy run (`lcc simulate --schedule FILE`):
//! which peer the runtime tried to step, in order, whether the step fired, and
//! when every peer was blocked so that time passed. `lcc datacentre
//! --schedule FILE` has peers in separate processes follow it turn by turn,
//! so that they take the same steps with the same constraint answers and
//! picks and reach the same end state (docs/distributed.md).

use serde::{Deserialize, Serialize};

/// The version of the schedule format (a conductor rejects others).
pub const SCHEDULE_VERSION: u32 = 1;

/// One moment of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// The runtime tried to step `peer`; `fired` is false when it was blocked.
    Attempt {
        /// The peer's Id.
        peer: String,
        /// Whether the step fired.
        fired: bool,
    },
    /// No peer could step: time passed to the next moment a pending
    /// constraint could be answered, and those answered were delivered.
    Idle,
}

/// A recorded run. In JSON each entry is a string: `"+pm3"` (pm3 stepped),
/// `"-pm3"` (pm3 was blocked), `"idle"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// [`SCHEDULE_VERSION`].
    pub v: u32,
    /// The peers in the run's order (the order of its state, which places
    /// the stand-ins of a node and orders the candidates of a pick).
    pub peers: Vec<String>,
    /// The seed of the generator of picks for sends to unbound Ids.
    pub pick_seed: u64,
    /// What happened, in order.
    #[serde(with = "entries")]
    pub entries: Vec<Entry>,
}

mod entries {
    use super::Entry;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(entries: &[Entry], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(entries.iter().map(|e| match e {
            Entry::Attempt { peer, fired: true } => format!("+{peer}"),
            Entry::Attempt { peer, fired: false } => format!("-{peer}"),
            Entry::Idle => "idle".to_string(),
        }))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Entry>, D::Error> {
        Vec::<String>::deserialize(d)?
            .into_iter()
            .map(|text| match (text.as_str(), text.get(1..)) {
                ("idle", _) => Ok(Entry::Idle),
                (t, Some(peer)) if t.starts_with('+') && !peer.is_empty() => Ok(Entry::Attempt {
                    peer: peer.to_string(),
                    fired: true,
                }),
                (t, Some(peer)) if t.starts_with('-') && !peer.is_empty() => Ok(Entry::Attempt {
                    peer: peer.to_string(),
                    fired: false,
                }),
                _ => Err(D::Error::custom(format!(
                    "`{text}` is not a schedule entry (`+ID`, `-ID` or `idle`)"
                ))),
            })
            .collect()
    }
}

impl Schedule {
    /// Reads a schedule file; the error names the file.
    pub fn read(path: &std::path::Path) -> Result<Schedule, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let schedule: Schedule = serde_json::from_str(&text).map_err(|e| {
            // serde_json ends its message with the position, given here first.
            let message = e.to_string();
            let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m);
            format!("{}:{}:{}: {message}", path.display(), e.line(), e.column())
        })?;
        if schedule.v != SCHEDULE_VERSION {
            return Err(format!(
                "{}: schedule format version {} is not {SCHEDULE_VERSION}",
                path.display(),
                schedule.v
            ));
        }
        Ok(schedule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_short_strings_and_read_back() {
        let schedule = Schedule {
            v: SCHEDULE_VERSION,
            peers: vec!["pm0".into(), "pm1".into()],
            pick_seed: 3,
            entries: vec![
                Entry::Attempt {
                    peer: "pm1".into(),
                    fired: true,
                },
                Entry::Attempt {
                    peer: "pm0".into(),
                    fired: false,
                },
                Entry::Idle,
            ],
        };
        let json = serde_json::to_string(&schedule).unwrap();
        assert_eq!(
            json,
            r#"{"v":1,"peers":["pm0","pm1"],"pick_seed":3,"entries":["+pm1","-pm0","idle"]}"#
        );
        assert_eq!(serde_json::from_str::<Schedule>(&json).unwrap(), schedule);
        let bad = r#"{"v":1,"peers":[],"pick_seed":3,"entries":["pm1"]}"#;
        let e = serde_json::from_str::<Schedule>(bad).unwrap_err();
        assert!(e.to_string().contains("`pm1` is not a schedule entry"), "{e}");
    }

    #[test]
    fn a_bad_schedule_file_is_a_located_error() {
        let path = std::env::temp_dir().join(format!("lcc-bad-schedule-{}.json", std::process::id()));
        std::fs::write(&path, r#"{"v":1,"peers":[],"pick_seed":1,"entries":["x"]}"#).unwrap();
        let e = Schedule::read(&path).unwrap_err();
        assert_eq!(
            e,
            format!(
                "{}:1:48: `x` is not a schedule entry (`+ID`, `-ID` or `idle`)",
                path.display()
            )
        );
        std::fs::write(&path, r#"{"v":2,"peers":[],"pick_seed":1,"entries":[]}"#).unwrap();
        let e = Schedule::read(&path).unwrap_err();
        assert!(e.ends_with("schedule format version 2 is not 1"), "{e}");
        std::fs::remove_file(&path).unwrap();
        assert!(Schedule::read(&path).unwrap_err().starts_with("cannot read"));
    }
}
