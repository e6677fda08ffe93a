//! Snapshots of reports (text and JSON) and counterexample charts, on the seeds.

mod common;

use lcc_eval::{Sources, msc};
use lcc_verify::Report;

fn seed(path: &str, peers: &str) -> (Report, Sources) {
    let text = std::fs::read_to_string(common::root().join(path)).unwrap();
    let models = std::fs::read_to_string(common::root().join("stdlib/vmm/vmm.model")).unwrap();
    let (report, _) = common::verify(&text, peers, &models);
    // Re-create the sources under the repository-relative name for stable output.
    let mut sources = Sources::new();
    sources.add(path, text);
    (report, sources)
}

/// The JSON report without the figures that vary from run to run.
fn stable_json(report: &Report, sources: &Sources) -> serde_json::Value {
    let mut v = report.json(sources);
    for key in ["seconds", "states_per_second", "bytes_per_state"] {
        v["stats"][key] = serde_json::Value::Null;
    }
    v["reductions"]["threads"] = serde_json::Value::Null;
    v
}

#[test]
fn published_load_balancing_two_overloaded_one_underloaded() {
    let (report, sources) = seed(
        "stdlib/seeds/load-balancing-published.lcc",
        "overloaded(5)=o1,o2;underloaded(10)=u1",
    );
    insta::assert_snapshot!("load_balancing_published_text", report.text(&sources));
    let c = report
        .findings
        .iter()
        .find(|f| f.kind == lcc_verify::report::Kind::UnreceivedMessage)
        .and_then(|f| f.counterexample.as_ref())
        .unwrap();
    insta::assert_snapshot!("load_balancing_published_unreceived_mermaid", msc::mermaid(&c.trace));
}

#[test]
fn consolidation_replies_to_a_role_its_partner_never_plays() {
    let (report, sources) = seed(
        "lcc-verify/seeds/consolidation-parens-fixed.lcc",
        "notFullyLoaded(5)=n1;underloaded(3)=u1",
    );
    let text = report.text(&sources);
    assert!(
        text.contains("to a(overloaded, n1)"),
        "the reply goes to `overloaded`, which n1 never plays:\n{text}"
    );
    insta::assert_json_snapshot!("consolidation_published_json", stable_json(&report, &sources));
}
