//! The wire format round-trips every term: JSON text back to an equal term, and
//! envelopes back to an equal message.

use lcc_eval::wire::{Envelope, WireTerm};
use lcc_eval::{Address, Atom, F64, Term};
use proptest::prelude::*;

fn arb_atom() -> impl Strategy<Value = Atom> {
    prop_oneof![
        Just("a"),
        Just("[]"),
        Just("'quoted text'"),
        Just("then"),
        Just("é"),
        Just("."),
        Just("")
    ]
    .prop_map(Atom::new)
}

fn arb_term() -> impl Strategy<Value = Term> {
    let leaf = prop_oneof![
        (0u32..5).prop_map(Term::var),
        arb_atom().prop_map(Term::Atom),
        any::<i64>().prop_map(Term::Int),
        prop_oneof![
            any::<f64>(),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(-0.0),
            Just(f64::NAN)
        ]
        .prop_map(|x| Term::Float(F64(x))),
        ".*".prop_map(|s: String| Term::string(&s)),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            (arb_atom(), prop::collection::vec(inner.clone(), 1..4)).prop_map(|(f, args)| Term::compound(f, args)),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Term::list),
            (prop::collection::vec(inner.clone(), 1..3), inner)
                .prop_map(|(items, tail)| Term::list_with_tail(items, tail)),
        ]
    })
}

proptest! {
    #[test]
    fn terms_round_trip(term in arb_term()) {
        let json = serde_json::to_string(&WireTerm::from_term(&term)).unwrap();
        let back: WireTerm = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back.to_term().unwrap(), term);
    }

    #[test]
    fn envelopes_round_trip(term in arb_term(), run in 0u64..u64::MAX, seq in 1u64..u64::MAX) {
        let message = lcc_eval::state::Message {
            from: Address { role: Atom::new("pinger"), id: Atom::new("p1") },
            to: Address { role: Atom::new("ponger"), id: Atom::new("p2") },
            term: lcc_eval::term::renumber_one(&term),
        };
        let envelope = Envelope::new(&message, run, seq);
        let back = Envelope::from_json(&envelope.to_json()).unwrap();
        prop_assert_eq!(back.message_id(), format!("p1/{run}/{seq}"));
        prop_assert_eq!(back.message().unwrap(), message);
    }
}

/// A long list is flat on the wire: JSON's nesting limit (128) does not apply to it.
#[test]
fn long_lists_are_flat() {
    let term = Term::list((0..1_000).map(Term::Int));
    let json = serde_json::to_string(&WireTerm::from_term(&term)).unwrap();
    let back: WireTerm = serde_json::from_str(&json).unwrap();
    assert_eq!(back.to_term().unwrap(), term);
}
