//! Embedding LCC: load a model, register Rust closures as its constraints, start
//! two peers and run a ping-pong to completion, then print the trace and the
//! message sequence chart.
//!
//! Run with `cargo run --example ping_pong`.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use lcc_eval::{Answer, Atom, Model, PeerSpec, Providers, RunEnd, Runtime, Sources, Term, msc};
use lcc_syntax::ast::Mode;

const MODEL: &str = "
// The pinger serves Rounds balls; the ponger returns each until it hears `stop`.
a(pinger(0), P) :: stop => a(ponger, Q)
a(pinger(Rounds), P) ::
  ball(N) => a(ponger, Q) <- serve(N) then
  ball(M) <= a(ponger, Q) then
  a(pinger(Left), P) <- Left is Rounds - 1

a(ponger, Q) ::
  (stop <= a(pinger, P))
  or
  ( ball(N) <= a(pinger, P) then
    ball(M) => a(pinger, P) <- hit(N, M) then
    a(ponger, Q) )
";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut sources = Sources::new();
    let file = sources.add("ping_pong.lcc", MODEL);
    let parsed = lcc_syntax::parse(file, MODEL);
    if parsed.has_errors() {
        return Err(format!("{:?}", parsed.diagnostics).into());
    }
    let model = Model::lower(&parsed.model).map_err(|e| format!("{e:?}"))?;

    // Constraints are closures over the resolved arguments, one line each.
    let mut providers = Providers::with_builtins();
    let served = Arc::new(AtomicI64::new(0));
    let counter = served.clone();
    providers.register_fn("serve", &[Mode::Out], "N is the number of the next ball.", move |_| {
        Answer::solution(vec![Term::Int(counter.fetch_add(1, Ordering::SeqCst) + 1)])
    });
    providers.register_fn(
        "hit",
        &[Mode::In, Mode::Out],
        "M is the ball N hit back.",
        |args| match &args[0] {
            Term::Int(n) => Answer::solution(vec![args[0].clone(), Term::Int(n * 10)]),
            other => Answer::Error(format!("ball `{other}` is not a number")),
        },
    );

    let peers = [
        PeerSpec {
            id: Atom::new("alice"),
            role: Term::app("pinger", vec![Term::Int(3)]),
        },
        PeerSpec {
            id: Atom::new("bob"),
            role: Term::atom("ponger"),
        },
    ];
    let run = Runtime::new(&model, providers)
        .seed(1)
        .run(&peers)
        .map_err(|e| e.located(&sources))?;

    print!("{}", run.trace.text(&sources));
    println!();
    print!("{}", msc::mermaid(&run.trace));
    match run.end {
        RunEnd::Finished => println!(
            "\nfinished: {} balls served in {} steps",
            served.load(Ordering::SeqCst),
            run.steps
        ),
        RunEnd::Stuck(report) => println!("\nstuck:\n{}", report.render(&sources)),
        RunEnd::Limit(e) => println!("\nstopped: {e}"),
    }
    Ok(())
}
