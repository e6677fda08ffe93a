//! Every reduction gives the same verdicts as the plain search, on random small
//! models: symmetry reduction, compact (fingerprint) storage, two threads and
//! partial-order reduction, on models with and without `par`.

mod common;

use lcc_verify::Reductions;
use proptest::prelude::*;

/// One step of a random clause body.
fn step() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..2u8, 0..2u8).prop_map(|(m, r)| format!("m{m} => a(r{r}, Y)")),
        (0..2u8, 0..2u8).prop_map(|(m, r)| format!("m{m} <= a(r{r}, Z)")),
        Just("null".to_string()),
        Just("null <- c0()".to_string()),
        (0..2u8).prop_map(|m| format!("m{m} <= a(r0, Z) <- c1()")),
    ]
}

/// A step or a choice between two steps; with `par`, also two steps in parallel.
fn item(par: bool) -> BoxedStrategy<String> {
    let or = (step(), step()).prop_map(|(a, b)| format!("( {a} or {b} )"));
    if par {
        prop_oneof![
            3 => step(),
            1 => or,
            1 => (step(), step()).prop_map(|(a, b)| format!("( {a} par {b} )")),
        ]
        .boxed()
    } else {
        prop_oneof![3 => step(), 1 => or].boxed()
    }
}

/// A clause body: 1 to 3 items, maybe looping back to its role.
fn body(role: u8, par: bool) -> impl Strategy<Value = String> {
    (prop::collection::vec(item(par), 1..4), any::<bool>()).prop_map(move |(items, looping)| {
        let mut text = items.join(" then ");
        if looping {
            text.push_str(&format!(" then a(r{role}, X)"));
        }
        text
    })
}

fn model(par: bool) -> impl Strategy<Value = String> {
    (body(0, par), body(1, par)).prop_map(|(b0, b1)| format!("a(r0, X) :: {b0}\na(r1, X) :: {b1}\n"))
}

/// What a verdict is made of: the kinds found, and where coverage findings are.
fn verdict(report: &lcc_verify::Report) -> Vec<String> {
    let mut v: Vec<String> = report
        .findings
        .iter()
        .map(|f| match f.kind {
            lcc_verify::report::Kind::UnreachableRole
            | lcc_verify::report::Kind::DeadAlternative
            | lcc_verify::report::Kind::DeadStep => format!("{} {:?}", f.kind.name(), f.span),
            _ => f.kind.name().to_string(),
        })
        .collect();
    v.dedup();
    v
}

const PEERS: &str = "r0=p1,p2;r1=q1";

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn reductions_keep_verdicts(text in model(false)) {
        let plain = Reductions { symmetry: false, compact: false, threads: 1, por: false };
        let (base, _) = common::verify_with(&text, PEERS, "", plain);
        let variants = [
            Reductions { symmetry: true, ..plain },
            Reductions { compact: true, ..plain },
            Reductions { threads: 2, ..plain },
            Reductions { por: true, ..plain },
            Reductions { symmetry: true, compact: true, threads: 2, por: true },
        ];
        for reductions in variants {
            let (r, _) = common::verify_with(&text, PEERS, "", reductions);
            prop_assert_eq!(verdict(&r), verdict(&base), "{:?} on\n{}", reductions, text);
            prop_assert!(r.stats.states <= base.stats.states);
        }
    }

    /// The same on models with `par` (threads of one peer).
    #[test]
    fn reductions_keep_verdicts_with_par(text in model(true)) {
        let plain = Reductions { symmetry: false, compact: false, threads: 1, por: false };
        let (base, _) = common::verify_with(&text, PEERS, "", plain);
        let variants = [
            Reductions { symmetry: true, ..plain },
            Reductions { compact: true, ..plain },
            Reductions { threads: 2, ..plain },
            Reductions { por: true, ..plain },
            Reductions { symmetry: true, compact: true, threads: 2, por: true },
        ];
        for reductions in variants {
            let (r, _) = common::verify_with(&text, PEERS, "", reductions);
            prop_assert_eq!(verdict(&r), verdict(&base), "{:?} on\n{}", reductions, text);
            prop_assert!(r.stats.states <= base.stats.states);
        }
    }
}

/// The model on which symmetry reduction once lost a strong deadlock (found by
/// the proptest above).
#[test]
fn symmetry_keeps_strong_deadlock_with_par() {
    let text = "a(r0, X) :: ( m0 => a(r0, Y) or m0 => a(r0, Y) ) then null then null <- c0()\n\
                a(r1, X) :: ( null par m0 => a(r0, Y) ) then ( m0 <= a(r0, Z) <- c1() par m0 <= a(r0, Z) <- c1() )\n";
    let plain = Reductions {
        symmetry: false,
        compact: false,
        threads: 1,
        por: false,
    };
    let (base, _) = common::verify_with(text, PEERS, "", plain);
    let (sym, _) = common::verify_with(
        text,
        PEERS,
        "",
        Reductions {
            symmetry: true,
            ..plain
        },
    );
    assert_eq!(verdict(&sym), verdict(&base));
}
