//! Bad input never crashes the host: each case is a clear error with a source
//! location.

mod common;

use lcc_eval::{
    Answer, ErrorKind, EvalError, Facts, Limits, Providers, RunEnd, Runtime, Sources, default_peers, parse_peers,
};
use lcc_syntax::FileId;

/// Runs `text` (as `m.lcc`) with built-ins plus `extra`; returns the error located.
fn error_of(text: &str, peers: &str, extra: impl FnOnce(&mut Providers, &mut Sources)) -> (EvalError, String) {
    let mut sources = Sources::new();
    let model = common::model(&mut sources, "m.lcc", text);
    let mut providers = Providers::with_builtins();
    extra(&mut providers, &mut sources);
    let err = Runtime::new(&model, providers)
        .run(&parse_peers(peers).unwrap())
        .unwrap_err();
    let located = err.located(&sources);
    (err, located)
}

#[test]
fn unknown_constraint() {
    let (err, at) = error_of("a(r, I) ::\n  null <- nosuch(1)", "r=p", |_, _| {});
    assert_eq!(err.kind, ErrorKind::UnknownConstraint);
    assert_eq!(at, "m.lcc:2:11: error: no provider defines the constraint `nosuch`");
}

#[test]
fn wrong_arity() {
    let (err, at) = error_of("a(r, I) ::\n  null <- member(1)", "r=p", |_, _| {});
    assert_eq!(err.kind, ErrorKind::ConstraintArity);
    assert_eq!(at, "m.lcc:2:11: error: `member` takes 2 argument(s), not 1");
}

#[test]
fn runaway_recursion_in_a_facts_file() {
    let (err, at) = error_of("a(r, I) ::\n  null <- forever(1)", "r=p", |providers, sources| {
        let text = "forever(X) :- forever(X).\n";
        let file = sources.add("loop.pl", text);
        Facts::parse(file, "loop.pl", text).unwrap().register(providers);
    });
    assert_eq!(err.kind, ErrorKind::ConstraintError);
    assert!(
        at.starts_with("m.lcc:2:11: error: the constraint `forever(1)` reported an error: runaway recursion"),
        "{at}"
    );
    assert!(at.contains("(rule at loop.pl:1:1)"), "{at}");
}

#[test]
fn runaway_recursion_of_a_role() {
    // The call is not in tail position: every iteration nests one more role instance.
    let mut sources = Sources::new();
    let model = common::model(&mut sources, "m.lcc", "a(r, I) ::\n  a(r, I) then null");
    let err = Runtime::new(&model, Providers::with_builtins())
        .limits(Limits {
            max_depth: 300,
            ..Limits::default()
        })
        .run(&parse_peers("r=p").unwrap())
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Recursion);
    assert_eq!(
        err.located(&sources),
        "m.lcc:2:3: error: peer `p` has role calls nested 301 deep, more than the limit of 300: \
         a role call that is not in tail position recurses without end"
    );
    assert_eq!(Limits::default().max_depth, 1000);
}

#[test]
fn a_step_limit_ends_the_run_with_a_clear_error() {
    let mut sources = Sources::new();
    let model = common::model(&mut sources, "m.lcc", "a(r, I) :: null then a(r, I)");
    let run = Runtime::new(&model, Providers::with_builtins())
        .max_steps(50)
        .run(&parse_peers("r=p").unwrap())
        .unwrap();
    let RunEnd::Limit(err) = run.end else {
        panic!("{:?}", run.end)
    };
    assert_eq!(err.kind, ErrorKind::StepLimit);
    assert_eq!(err.message, "the run reached its limit of 50 steps");
    assert_eq!(run.steps, 50);
}

#[test]
fn a_time_limit_ends_the_run_with_a_clear_error() {
    let mut sources = Sources::new();
    let model = common::model(&mut sources, "m.lcc", "a(r, I) :: null then a(r, I)");
    let run = Runtime::new(&model, Providers::with_builtins())
        .max_time(std::time::Duration::from_millis(20))
        .record(false)
        .run(&parse_peers("r=p").unwrap())
        .unwrap();
    let RunEnd::Limit(err) = run.end else {
        panic!("{:?}", run.end)
    };
    assert_eq!(err.kind, ErrorKind::TimeLimit);
}

#[test]
fn a_panicking_rust_constraint() {
    let (err, at) = error_of("a(r, I) ::\n  null <- boom(X)", "r=p", |providers, _| {
        providers.register_fn("boom", &[lcc_syntax::ast::Mode::Out], "Panics.", |_| {
            panic!("disk on fire")
        });
    });
    assert_eq!(err.kind, ErrorKind::ConstraintPanicked);
    assert_eq!(
        at,
        "m.lcc:2:11: error: the constraint `boom(_0)` panicked: disk on fire"
    );
}

#[test]
fn a_constraint_reporting_an_error() {
    let (err, at) = error_of("a(r, I) ::\n  null <- io", "r=p", |providers, _| {
        providers.register_fn("io", &[], "Fails to read.", |_| {
            Answer::Error("connection refused".into())
        });
    });
    assert_eq!(err.kind, ErrorKind::ConstraintError);
    assert_eq!(
        at,
        "m.lcc:2:11: error: the constraint `io` reported an error: connection refused"
    );
}

#[test]
fn a_facts_file_with_a_syntax_error() {
    let mut sources = Sources::new();
    let text = "ok(1).\nbad(X :- ok(X).\n";
    let file = sources.add("bad.pl", text);
    let err = Facts::parse(file, "bad.pl", text).unwrap_err();
    assert_eq!(err.kind, ErrorKind::FactsSyntax);
    assert_eq!(err.message, "bad.pl:2:7: expected `)` or `,`, found `:-`");
    assert_eq!(
        err.located(&sources),
        "bad.pl:2:7: error: bad.pl:2:7: expected `)` or `,`, found `:-`"
    );
    let bad_char = Facts::parse(FileId(9), "x.pl", "ok(1) & ok(2).").unwrap_err();
    assert_eq!(bad_char.message, "x.pl:1:7: `&` is not part of the facts syntax");
}

#[test]
fn arithmetic_on_unbound_values() {
    let (err, at) = error_of("a(r, I) ::\n  null <- X is Y + 1", "r=p", |_, _| {});
    assert_eq!(err.kind, ErrorKind::Arithmetic);
    assert_eq!(
        at,
        "m.lcc:2:11: error: arithmetic on an unbound variable in `_0 is _1 + 1`"
    );
}

#[test]
fn a_term_growing_past_its_limit() {
    let mut sources = Sources::new();
    let model = common::model(&mut sources, "m.lcc", "a(grow(L), I) :: a(grow([x | L]), I)");
    let err = Runtime::new(&model, Providers::with_builtins())
        .limits(Limits {
            max_term_size: 100,
            ..Limits::default()
        })
        .run(&parse_peers("grow([])=p").unwrap())
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::TermSize);
    assert!(
        err.located(&sources)
            .starts_with("m.lcc:1:18: error: peer `p` holds a term of"),
        "{}",
        err.located(&sources)
    );
}

#[test]
fn an_inbox_growing_past_its_limit() {
    let mut sources = Sources::new();
    let model = common::model(
        &mut sources,
        "m.lcc",
        "a(s, I) :: m => a(r, R) then a(s, I)\na(r, R) :: m <= a(nobody, X)",
    );
    let err = Runtime::new(&model, Providers::with_builtins())
        .limits(Limits {
            max_inbox: 10,
            ..Limits::default()
        })
        .run(&parse_peers("s=s;r=r").unwrap())
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InboxFull);
    assert_eq!(
        err.located(&sources),
        "m.lcc:1:12: error: the inbox of peer `r` would exceed its limit of 10 messages"
    );
}

#[test]
fn calling_a_role_no_clause_defines() {
    let parsed = lcc_syntax::parse(FileId(0), "a(r, I) :: a(ghost, I)");
    let errors = lcc_eval::Model::lower(&parsed.model).unwrap_err();
    assert_eq!(errors[0].kind, ErrorKind::UnknownRole);
    assert_eq!(errors[0].message, "no clause defines the role `ghost/0` called here");
}

#[test]
fn bad_peer_lists_and_roles() {
    assert_eq!(parse_peers("r").unwrap_err().message, "`r` should be `role=id1,id2`");
    assert_eq!(parse_peers("r=").unwrap_err().message, "an Id is missing in `r=`");
    assert_eq!(parse_peers("").unwrap_err().message, "the peer list is empty");
    let mut sources = Sources::new();
    let model = common::model(&mut sources, "m.lcc", "a(r, I) :: null");
    let err = Runtime::new(&model, Providers::with_builtins())
        .run(&parse_peers("q=p").unwrap())
        .unwrap_err();
    assert_eq!(
        err.message,
        "no clause defines the role `q/0` that peer `p` should play"
    );
    assert!(default_peers(&model).is_empty());
}
