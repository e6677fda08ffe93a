//! Every diagnostic code as the user sees it in the terminal (insta snapshots),
//! the published seed policies as `lcc check` prints them, the corrected seeds
//! checking clean, and `docs/diagnostics.md` covering every code.

use lcc_syntax::diagnostic::codes;
use lcc_syntax::render::{RenderOptions, render};
use lcc_syntax::{FileId, Signatures, check_source};

/// Checks `text` as `example.lcc` against the standard signatures and renders
/// every diagnostic without colour, as `lcc check` prints them.
fn rendered(name: &str, text: &str) -> String {
    let checked = check_source(FileId(0), text, &Signatures::standard());
    checked
        .diagnostics
        .iter()
        .map(|d| {
            render(
                d,
                name,
                text,
                RenderOptions {
                    color: false,
                    ascii: false,
                },
            )
        })
        .collect()
}

/// Snapshots what `lcc check` prints for `text`, which must report `code`.
macro_rules! shows {
    ($code:literal, $text:expr) => {{
        let text: &str = $text;
        let out = rendered("example.lcc", text);
        assert!(
            out.contains(concat!("[", $code, "]")),
            "{} not reported for:\n{text}\n{out}",
            $code
        );
        insta::assert_snapshot!($code, out, text);
    }};
}

#[test]
fn e0101() {
    shows!("E0101", "% Prolog comment\na(r, X) :: a(r, X)\n");
}

#[test]
fn e0102() {
    shows!("E0102", "a(r, X) :: a(r, X) /* unfinished\n");
}

#[test]
fn e0103() {
    shows!("E0103", "a(r, X) :: then null\n");
}

#[test]
fn e0104() {
    shows!("E0104", "a(r, X) :: null then\n");
}

#[test]
fn e0105() {
    shows!("E0105", "a(r, X) :: null <- isOverLoaded()) then a(r, X)\n");
}

#[test]
fn e0106() {
    shows!("E0106", "a(r, X) :: (null then a(r, X)\n");
}

#[test]
fn e0107() {
    shows!("E0107", "a(r, X) :: null <- sleep(99999999999999999999)\n");
}

#[test]
fn e0108() {
    shows!("E0108", "a(r, X) :: isOverLoaded() then a(r, X)\n");
}

#[test]
fn e0109() {
    shows!("E0109", "a(r, X) :: null <- X\n");
}

#[test]
fn e0110() {
    shows!("E0110", "a(r, X) :: m(null) => a(r, X)\n");
}

#[test]
fn e0111() {
    shows!("E0111", "b(r, X) :: null\n");
}

#[test]
fn e0112() {
    shows!("E0112", "r(idle, sometimes)\na(idle, X) :: a(idle, X)\n");
}

#[test]
fn e0113() {
    let deep = format!("a(r, X) ::\n  null <- p({}x{})\n", "f(".repeat(300), ")".repeat(300));
    shows!("E0113", &deep);
}

#[test]
fn e0201() {
    shows!(
        "E0201",
        "a(notFullyLoaded(Capacity), _) ::
  readyToMigrate(Capacity) => a(underloaded, ID2) then
  migration(ok) <= a(underloaded, ID2)

a(underloaded, _) ::
  readyToMigrate(_Capacity) <= a(notFullyLoaded, ID1) then
  migration(ok) => a(overloaded, ID1)
"
    );
}

#[test]
fn w0202() {
    shows!(
        "W0202",
        "a(idle, X) :: null <- getPeerState(S) then a(busy(S, 2), X)
a(busy(_Load), X) :: a(idle, X)
"
    );
}

#[test]
fn w0203() {
    shows!(
        "W0203",
        "a(client, _) :: ask(weather) => a(server, _)
a(admin, _) :: ask(load) => a(server, _)
a(server, _) :: ask(_Q) <= a(admin, _)
"
    );
}

#[test]
fn w0204() {
    shows!(
        "W0204",
        "a(client, _) :: answer(_) <= a(server, _)
a(server, _) :: answer(42) => a(admin, _)
a(admin, _) :: answer(_) <= a(server, _)
"
    );
}

#[test]
fn w0205() {
    shows!(
        "W0205",
        "a(shutdown, Peer) :: null <- getPeerState(Status) then a(shutdown, Peer)\n"
    );
}

#[test]
fn e0206() {
    shows!(
        "E0206",
        "a(manager, _) :: a(worker, W) then done => a(worker, W)
a(worker, _) :: done <= a(manager, _)
a(logger, 42) :: null
"
    );
}

#[test]
fn w0207() {
    shows!(
        "W0207",
        "a(idle, PeerID) ::
  null <- getPeerState(Status) then
  ( null <- isOverLoaded() then a(overloaded(Status), PeerID) ) or
  a(idle, PeerID)

a(overloaded(_Need), ID) :: a(idle, ID)
"
    );
}

#[test]
fn w0208() {
    shows!(
        "W0208",
        "r(idle, initial)\nr(busy, optional)\na(idle, X) :: a(idle, X)\n"
    );
}

#[test]
fn w0209() {
    shows!(
        "W0209",
        "r(idle, initial)\na(idle, X) :: a(busy, X)\na(busy, X) :: a(idle, X)\n"
    );
}

#[test]
fn e0210() {
    shows!(
        "E0210",
        "a(idle, X) :: null <- isOverLoaded() then a(idle, X)
a(idle, X) :: null <- isUnderLoaded() then a(idle, X)
"
    );
}

#[test]
fn w0211() {
    shows!(
        "W0211",
        "a(idle, X) :: null or (null <- isOverLoaded() then a(idle, X))\n"
    );
}

#[test]
fn e0212() {
    shows!("E0212", "a(idle, X) :: null <- isOverLoadd() then a(idle, X)\n");
}

#[test]
fn e0213() {
    shows!("E0213", "a(idle, X) :: null <- sleep(5, seconds) then a(idle, X)\n");
}

#[test]
fn w0214() {
    shows!(
        "W0214",
        "a(underloaded(Capacity), ID) ::
  null <- isMigrationPossible(Capacity, Need) then
  null <- getPeerState(Need) then
  a(underloaded(Capacity), ID)
"
    );
}

#[test]
fn e0215() {
    shows!(
        "E0215",
        "constraint isOverLoaded() \"Mine.\"
constraint isOverLoaded() \"Again.\"
a(idle, X) :: null <- isOverLoaded() then a(idle, X)
"
    );
}

const CONSOLIDATION: &str = include_str!("../../stdlib/seeds/consolidation-published.lcc");
const LOAD_BALANCING: &str = include_str!("../../stdlib/seeds/load-balancing-published.lcc");

#[test]
fn consolidation_published() {
    let out = rendered("consolidation-published.lcc", CONSOLIDATION);
    for code in ["[E0105]", "[E0201]", "[W0207]"] {
        assert!(out.contains(code), "{code} missing");
    }
    assert!(out.contains("Did you mean `notFullyLoaded`?"));
    insta::assert_snapshot!(out);
}

#[test]
fn load_balancing_published() {
    let out = rendered("load-balancing-published.lcc", LOAD_BALANCING);
    assert!(out.contains("[W0207]"));
    assert_eq!(out.matches("[W0205]").count(), 2);
    assert!(!out.contains("] Error"));
    insta::assert_snapshot!(out);
}

/// The seed policies with their mistakes corrected.
const CORRECTED: [&str; 2] = [
    "a(idle, PeerID) ::
  null <- getPeerState(Status) then
  (
    ( null <- canAcceptMoreLoad() then a(notFullyLoaded(Status), PeerID) )
    or ( null <- isUnderLoaded() then a(underloaded(Status), PeerID) )
    or ( null <- hasNoLoad() then a(shutdown, PeerID) )
    or a(idle, PeerID)
  )

a(notFullyLoaded(Capacity), ID1) ::
  readyToMigrate(Capacity) => a(underloaded, ID2) then
  migration(ok) <= a(underloaded, ID2) then
  null <- migration(ID2, ID1) then
  a(idle, ID1)

a(underloaded(Load), ID2) ::
  readyToMigrate(Capacity) <= a(notFullyLoaded, ID1) then
  migration(ok) => a(notFullyLoaded, ID1)
    <- isMigrationPossible(Capacity, Load) then
  null <- waitForMigration() then
  a(shutdown, ID2)

a(shutdown, ID3) ::
  null <- releaseResources() then
  null <- sleep(5000) then
  a(idle, ID3)
",
    "a(idle, PeerID) ::
  null <- getPeerState(Status) then
  (
    ( null <- isOverLoaded() then a(overloaded(Status), PeerID) )
    or ( null <- isUnderLoaded() then a(underloaded(Status), PeerID) )
    or a(idle, PeerID)
  )

a(overloaded(Need), ID1) ::
  readyToMigrate(Need) => a(underloaded, ID2) then
  migration(ok) <= a(underloaded, ID2) then
  null <- migration(ID1, ID2) then
  a(idle, ID1)

a(underloaded(Capacity), ID2) ::
  readyToMigrate(Need) <= a(overloaded, ID1) then
  migration(ok) => a(overloaded, ID1)
    <- isMigrationPossible(Capacity, Need) then
  null <- waitForMigration() then
  a(idle, ID2)
",
];

#[test]
fn corrected_seeds_check_clean() {
    for text in CORRECTED {
        assert_eq!(rendered("corrected.lcc", text), "");
    }
}

#[test]
fn every_code_is_listed_and_documented() {
    let source = include_str!("../src/diagnostic.rs");
    let defined: Vec<&str> = source.split("Code(\"").skip(1).map(|rest| &rest[..5]).collect();
    let listed: Vec<&str> = codes::ALL.iter().map(|c| c.0).collect();
    assert_eq!(defined, listed, "codes::ALL must list every code in order");
    let docs = include_str!("../../docs/diagnostics.md");
    for code in codes::ALL {
        assert!(
            docs.lines().any(|l| l.starts_with(&format!("## {} ", code.0))),
            "docs/diagnostics.md has no `## {} ...` section",
            code.0
        );
    }
}
