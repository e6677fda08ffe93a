//! `lcc-verify/seeds/vmm-one-load.model` gives `getPeerState` one abstract value
//! instead of `stdlib/vmm/vmm.model`'s two, on the argument (in that file) that
//! the corrected policies never test the value. Checked here: on the corrected
//! policies both model files give the same findings (kind and place), both
//! searches exhaustive, with far fewer states for the one-value file (2 peers:
//! about 70,000 and 120,000 states with vmm.model; about 40 s unoptimised).

mod common;

use lcc_syntax::Span;
use lcc_verify::Report;

fn verify(policy: &str, models: &str) -> Report {
    let text = std::fs::read_to_string(common::root().join(policy)).unwrap();
    let models = std::fs::read_to_string(common::root().join(models)).unwrap();
    common::verify(&text, "pm=pm1,pm2", &models).0
}

/// The verdicts: each finding's kind and place.
fn verdicts(report: &Report) -> Vec<(&'static str, Option<(u32, u32)>)> {
    let mut out: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.kind.name(), f.span.map(|s: Span| (s.start, s.end))))
        .collect();
    out.sort();
    out
}

fn same_verdicts(policy: &str) {
    let two = verify(policy, "stdlib/vmm/vmm.model");
    let one = verify(policy, "lcc-verify/seeds/vmm-one-load.model");
    assert_eq!(two.stats.stopped, None, "{policy}: the vmm.model search is exhaustive");
    assert_eq!(one.stats.stopped, None, "{policy}: the one-value search is exhaustive");
    assert!(!two.has_errors(), "{policy}: clean with vmm.model");
    assert_eq!(
        verdicts(&one),
        verdicts(&two),
        "{policy}: same findings with either model file"
    );
    assert!(
        one.stats.states * 10 < two.stats.states,
        "{policy}: {} states with one value, {} with two",
        one.stats.states,
        two.stats.states
    );
}

#[test]
fn load_balancing_two_peers_same_verdicts_with_one_load_value() {
    same_verdicts("stdlib/vmm/load-balancing.lcc");
}

#[test]
fn consolidation_two_peers_same_verdicts_with_one_load_value() {
    same_verdicts("stdlib/vmm/consolidation.lcc");
}
