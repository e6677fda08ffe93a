//! Small models with hand-checked verdicts.

mod common;

use common::{kinds, verify};

#[test]
fn a_missing_answer_is_a_global_deadlock() {
    let (r, _) = verify(
        "a(asker, A) :: question => a(answerer, b1) then answer <= a(answerer, b1)
         a(answerer, B) :: question <= a(asker, A)",
        "asker=a1;answerer=b1",
        "",
    );
    assert_eq!(kinds(&r), ["deadlock", "dead step"]);
    assert!(r.findings[0].message.contains("`a1`"), "{}", r.findings[0].message);
    assert!(r.has_errors() && r.is_exhaustive());
}

#[test]
fn a_looping_peer_does_not_hide_its_stuck_partner() {
    let (r, _) = verify(
        "a(looper, L) :: null then a(looper, L)
         a(waiter, W) :: never <= a(looper, L)",
        "looper=l1;waiter=w1",
        "",
    );
    assert_eq!(kinds(&r), ["strong deadlock", "dead step", "non-progress cycle"]);
    assert!(r.findings[0].message.contains("`w1`"));
    let c = r.findings[0].counterexample.as_ref().unwrap();
    assert_eq!(c.moves(), 0, "the waiter is stuck from the start");
}

#[test]
fn a_message_left_when_everyone_finished_is_an_orphan() {
    let (r, _) = verify(
        "a(sender, S) :: hello => a(receiver, r1)
         a(receiver, R) :: null",
        "sender=s1;receiver=r1",
        "",
    );
    assert_eq!(kinds(&r), ["orphan message"]);
    assert!(
        r.findings[0]
            .message
            .contains("`hello` from a(sender, s1) to a(receiver, r1)")
    );
}

#[test]
fn a_message_to_a_peer_that_never_receives_again_is_unreceived() {
    let (r, _) = verify(
        "a(sender, S) :: hello => a(receiver, r1)
         a(receiver, R) :: null then a(receiver, R)",
        "sender=s1;receiver=r1",
        "",
    );
    assert_eq!(kinds(&r), ["unreceived message", "non-progress cycle"]);
    assert!(r.findings[0].message.contains("peer `r1` holds `hello`"));
}

#[test]
fn a_role_nobody_plays_is_unreachable() {
    let (r, _) = verify(
        "a(pinger, P) :: ping => a(ponger, q1) then pong <= a(ponger, q1)
         a(ponger, Q) :: ping <= a(pinger, P) then pong => a(pinger, P)
         a(unused, U) :: null",
        "pinger=p1;ponger=q1",
        "",
    );
    assert_eq!(kinds(&r), ["unreachable role"]);
    assert!(!r.has_errors());
}

#[test]
fn an_answer_never_sent_is_a_dead_alternative() {
    let (r, _) = verify(
        "a(client, C) :: req => a(server, s1) then ( ok <= a(server, s1) or ko <= a(server, s1) )
         a(server, S) :: req <= a(client, C) then ok => a(client, C)",
        "client=c1;server=s1",
        "",
    );
    assert_eq!(kinds(&r), ["dead alternative"]);
    assert!(r.findings[0].message.contains("alternative 2 of 2"));
}

#[test]
fn steps_after_a_stuck_one_are_dead() {
    let (r, _) = verify(
        "a(client, C) :: req => a(server, s1) then never <= a(server, s1) then done => a(server, s1)
         a(server, S) :: req <= a(client, C) then null",
        "client=c1;server=s1",
        "",
    );
    assert_eq!(kinds(&r), ["deadlock", "dead step", "dead step"]);
}

#[test]
fn a_loop_without_messages_is_a_warning() {
    let (r, _) = verify("a(looper, L) :: null then a(looper, L)", "looper=l1", "");
    assert_eq!(kinds(&r), ["non-progress cycle"]);
    assert!(!r.has_errors());
}

#[test]
fn a_complete_exchange_is_clean() {
    let (r, _) = verify(
        "a(pinger, P) :: ping => a(ponger, Q) then pong <= a(ponger, Q)
         a(ponger, Q) :: ping <= a(pinger, P) then pong => a(pinger, P)",
        "pinger=p1;ponger=q1",
        "",
    );
    assert!(r.findings.is_empty(), "{:?}", kinds(&r));
    assert!(r.is_exhaustive());
}

#[test]
fn a_failing_constraint_leaves_its_peer_asleep_unless_a_model_says_it_succeeds() {
    let text = "a(o, O) :: req => a(u, u1) then ans <= a(u, u1)
                a(u, U) :: req <= a(o, O) then ans => a(o, O) <- check()";
    let (r, _) = verify(text, "o=o1;u=u1", "");
    assert_eq!(kinds(&r), ["deadlock"]);
    let c = r.findings[0].counterexample.as_ref().unwrap();
    let text = c.trace.text(&lcc_eval::Sources::new());
    assert!(text.contains("stuck: its constraint failed"), "{text}");
    assert!(text.contains("check failed"), "the failed answer is shown: {text}");
    let (r, _) = verify(text_of_model(), "o=o1;u=u1", "check: succeeds");
    assert!(r.findings.is_empty(), "{:?}", kinds(&r));
}

fn text_of_model() -> &'static str {
    "a(o, O) :: req => a(u, u1) then ans <= a(u, u1)
     a(u, U) :: req <= a(o, O) then ans => a(o, O) <- check()"
}

#[test]
fn limits_give_a_partial_result() {
    let mut sources = lcc_eval::Sources::new();
    let model = common::model(
        &mut sources,
        "t.lcc",
        "a(counter, C) :: null then a(counter, C)
         a(chatter, C) :: hi => a(counter, c1) then a(chatter, C)",
    );
    let abstraction = lcc_verify::Abstraction::new(lcc_syntax::Signatures::standard());
    let peers = lcc_eval::parse_peers("counter=c1;chatter=h1").unwrap();
    let mut v = lcc_verify::Verifier::new(&model, peers, abstraction);
    v.limits.states = Some(2);
    let r = v.run().unwrap();
    assert!(!r.is_exhaustive());
    assert!(r.text(&sources).contains("PARTIAL: stopped at the state limit (2)"));
}

/// `after(Ms)` may fire at any time (time is not modelled): a timeout and the
/// reply it guards are both explored.
#[test]
fn a_timeout_can_fire_at_any_time() {
    let text = "a(asker, A) :: ask => a(answerer, b1) then ( reply <= a(answerer, b1) or ( null <- after(5000) then bye => a(answerer, b1) ) )
                a(answerer, B) :: ask <= a(asker, A) then reply => a(asker, A) then ( bye <= a(asker, A) or null )";
    let (r, _) = verify(text, "asker=a1;answerer=b1", "");
    let found = kinds(&r);
    assert!(!found.contains(&"dead alternative"), "{found:?}");
    assert!(!found.contains(&"dead step"), "{found:?}");
    assert!(
        !found.contains(&"deadlock") && !found.contains(&"strong deadlock"),
        "{found:?}"
    );
    // After the timeout the reply is left unreceived.
    assert!(found.contains(&"orphan message"), "{found:?}");
}
