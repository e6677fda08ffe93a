//! The wire format: how terms and messages travel between peer processes.
//!
//! A message between processes is an [`Envelope`] serialised as one JSON
//! object. The format is stable: a receiver rejects an envelope whose `v` is not
//! [`WIRE_VERSION`], and a change that old peers cannot read gets a new version.
//!
//! ```json
//! {"v":1,"run":1763780000000000,"seq":7,"from":{"role":"greeter","id":"alice"},
//!  "to":{"role":"responder","id":"bob"},
//!  "term":{"f":"request","args":[{"atom":"name"}]}}
//! ```
//!
//! Terms ([`WireTerm`]) are tagged objects: `{"var":N}` (numbered from 0 within
//! the message), `{"atom":"name"}`, `{"int":N}`, `{"float":"1.5"}` (Rust's
//! shortest round-trip decimal, or `NaN`, `inf`, `-inf`), `{"str":"text"}`,
//! `{"f":"functor","args":[...]}`, and lists as `{"list":[...],"tail":T}`
//! (`tail` omitted for a proper list ending in `[]`). `seq` numbers the
//! sender's messages from 1 within one run of the sender, and `run` names that
//! run (a number the sending node picks when it starts, its start time in
//! microseconds; absent, as from older senders, it reads as 0): the sender's
//! Id, `run` and `seq` name the message, which is how duplicates are recognised
//! and why a restarted sender's messages are not taken for its earlier run's.
//!
//! Lists are flat on the wire; other nesting (compounds within compounds) is
//! limited to about 120 levels by the JSON reader.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::atom::Atom;
use crate::event::Address;
use crate::state::Message;
use crate::term::{F64, Term, Var};

/// The version of the wire format this build writes and reads.
pub const WIRE_VERSION: u32 = 1;

/// A term on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum WireTerm {
    /// A variable, numbered within its message.
    Var {
        /// Its number.
        var: u32,
    },
    /// An atom.
    Atom {
        /// Its name.
        atom: String,
    },
    /// An integer.
    Int {
        /// Its value.
        int: i64,
    },
    /// A float, as a decimal string.
    Float {
        /// Its value (`NaN`, `inf` and `-inf` included).
        float: String,
    },
    /// A string.
    Str {
        /// Its text.
        str: String,
    },
    /// A list: its elements and, unless it ends in `[]`, its tail.
    List {
        /// The elements, first to last.
        list: Vec<WireTerm>,
        /// The tail after the last element (absent: `[]`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tail: Option<Box<WireTerm>>,
    },
    /// A compound term with at least one argument.
    Compound {
        /// The functor.
        f: String,
        /// The arguments.
        args: Vec<WireTerm>,
    },
}

impl WireTerm {
    /// The wire form of `term`.
    pub fn from_term(term: &Term) -> WireTerm {
        if term.as_cons().is_some() {
            let mut list = Vec::new();
            let mut at = term;
            while let Some((head, tail)) = at.as_cons() {
                list.push(WireTerm::from_term(head));
                at = tail;
            }
            let tail = (*at != Term::nil()).then(|| Box::new(WireTerm::from_term(at)));
            return WireTerm::List { list, tail };
        }
        match term {
            Term::Var(v) => WireTerm::Var { var: v.0 },
            Term::Atom(a) => WireTerm::Atom { atom: a.name().into() },
            Term::Int(n) => WireTerm::Int { int: *n },
            Term::Float(x) => WireTerm::Float { float: x.0.to_string() },
            Term::Str(s) => WireTerm::Str { str: s.to_string() },
            Term::Compound(f, args) => WireTerm::Compound {
                f: f.name().into(),
                args: args.iter().map(WireTerm::from_term).collect(),
            },
        }
    }

    /// The term this wire form stands for; an error for a malformed float or a
    /// compound without arguments.
    pub fn to_term(&self) -> Result<Term, String> {
        Ok(match self {
            WireTerm::Var { var } => Term::Var(Var(*var)),
            WireTerm::Atom { atom } => Term::Atom(Atom::new(atom)),
            WireTerm::Int { int } => Term::Int(*int),
            WireTerm::Float { float } => {
                Term::Float(F64(float.parse().map_err(|_| format!("`{float}` is not a float"))?))
            }
            WireTerm::Str { str } => Term::Str(Arc::from(str.as_str())),
            WireTerm::List { list, tail } => {
                let items = list.iter().map(WireTerm::to_term).collect::<Result<Vec<_>, _>>()?;
                let tail = match tail {
                    Some(t) => t.to_term()?,
                    None => Term::nil(),
                };
                Term::list_with_tail(items, tail)
            }
            WireTerm::Compound { f, args } => {
                if args.is_empty() {
                    return Err(format!("the compound `{f}` has no arguments"));
                }
                let args = args.iter().map(WireTerm::to_term).collect::<Result<Vec<_>, _>>()?;
                Term::compound(Atom::new(f), args)
            }
        })
    }
}

/// A sender's or recipient's address on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireAddress {
    /// The role's name.
    pub role: String,
    /// The peer's Id.
    pub id: String,
}

impl WireAddress {
    fn from_address(a: Address) -> WireAddress {
        WireAddress {
            role: a.role.name().into(),
            id: a.id.name().into(),
        }
    }

    fn to_address(&self) -> Address {
        Address {
            role: Atom::new(&self.role),
            id: Atom::new(&self.id),
        }
    }
}

/// One LCC message between processes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The wire format version ([`WIRE_VERSION`]).
    pub v: u32,
    /// The sender's run (its start time in microseconds; 0 when absent).
    #[serde(default)]
    pub run: u64,
    /// The sender's sequence number for this message within its run, from 1.
    pub seq: u64,
    /// Sender.
    pub from: WireAddress,
    /// Recipient.
    pub to: WireAddress,
    /// The message term.
    pub term: WireTerm,
}

impl Envelope {
    /// The envelope of `message`, message number `seq` of the sender's run `run`.
    pub fn new(message: &Message, run: u64, seq: u64) -> Envelope {
        Envelope {
            v: WIRE_VERSION,
            run,
            seq,
            from: WireAddress::from_address(message.from),
            to: WireAddress::from_address(message.to),
            term: WireTerm::from_term(&message.term),
        }
    }

    /// The sender's Id.
    pub fn sender(&self) -> Atom {
        Atom::new(&self.from.id)
    }

    /// The recipient's Id.
    pub fn recipient(&self) -> Atom {
        Atom::new(&self.to.id)
    }

    /// The name of this message for de-duplication: `sender/run/seq`.
    pub fn message_id(&self) -> String {
        format!("{}/{}/{}", self.from.id, self.run, self.seq)
    }

    /// The message the envelope carries, its variables renumbered from 0.
    pub fn message(&self) -> Result<Message, String> {
        Ok(Message {
            from: self.from.to_address(),
            to: self.to.to_address(),
            term: crate::term::renumber_one(&self.term.to_term()?),
        })
    }

    /// The JSON text of the envelope.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an envelope serialises")
    }

    /// Reads an envelope; an error names what is wrong (not JSON, another
    /// version, a malformed term).
    pub fn from_json(bytes: &[u8]) -> Result<Envelope, String> {
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| format!("the envelope is not JSON: {e}"))?;
        let v = value.get("v").and_then(|v| v.as_u64());
        if v != Some(u64::from(WIRE_VERSION)) {
            return Err(format!(
                "the envelope has wire version {}, this peer reads version {WIRE_VERSION}",
                v.map_or("none".to_string(), |v| v.to_string())
            ));
        }
        let envelope: Envelope =
            serde_json::from_value(value).map_err(|e| format!("the envelope is malformed: {e}"))?;
        envelope.message()?;
        Ok(envelope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(term: Term) -> Message {
        Message {
            from: Address {
                role: Atom::new("greeter"),
                id: Atom::new("alice"),
            },
            to: Address {
                role: Atom::new("responder"),
                id: Atom::new("bob"),
            },
            term,
        }
    }

    #[test]
    fn documented_example() {
        let e = Envelope::new(
            &message(Term::app("request", vec![Term::atom("name")])),
            1763780000000000,
            7,
        );
        let json = String::from_utf8(e.to_json()).unwrap();
        assert_eq!(
            json,
            r#"{"v":1,"run":1763780000000000,"seq":7,"from":{"role":"greeter","id":"alice"},"to":{"role":"responder","id":"bob"},"term":{"f":"request","args":[{"atom":"name"}]}}"#
        );
        assert_eq!(Envelope::from_json(json.as_bytes()).unwrap(), e);
        // An envelope without `run` (an older sender) reads as run 0.
        let old = json.replace(r#""run":1763780000000000,"#, "");
        assert_eq!(Envelope::from_json(old.as_bytes()).unwrap().message_id(), "alice/0/7");
    }

    #[test]
    fn lists_and_floats() {
        let t = Term::list_with_tail(
            vec![
                Term::Float(F64(-0.0)),
                Term::Float(F64(f64::INFINITY)),
                Term::string("é\""),
            ],
            Term::var(0),
        );
        let w = WireTerm::from_term(&t);
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(
            json,
            r#"{"list":[{"float":"-0"},{"float":"inf"},{"str":"é\""}],"tail":{"var":0}}"#
        );
        assert_eq!(serde_json::from_str::<WireTerm>(&json).unwrap().to_term().unwrap(), t);
    }

    #[test]
    fn rejects_other_versions_and_bad_terms() {
        let e = Envelope::new(&message(Term::atom("x")), 0, 1);
        let mut value: serde_json::Value = serde_json::from_slice(&e.to_json()).unwrap();
        value["v"] = 2.into();
        let err = Envelope::from_json(value.to_string().as_bytes()).unwrap_err();
        assert!(err.contains("wire version 2"), "{err}");
        value["v"] = 1.into();
        value["term"] = serde_json::json!({"f": "g", "args": []});
        let err = Envelope::from_json(value.to_string().as_bytes()).unwrap_err();
        assert!(err.contains("no arguments"), "{err}");
        assert!(Envelope::from_json(b"{").unwrap_err().contains("not JSON"));
    }
}
