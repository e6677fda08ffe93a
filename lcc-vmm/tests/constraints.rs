//! The VMM constraints over the simulator: thresholds, pacing, reservations,
//! migrations to their end, release, sleep; the inventory invariant after
//! every step.

use lcc_vmm::constraints::{Caller, ConstraintConfig, Outcome, PeerState, VmmConstraints};
use lcc_vmm::datacentre::{Datacentre, PowerState};
use lcc_vmm::inventory::check_invariant;
use lcc_vmm::model::{PmId, Resources, VmId};
use lcc_vmm::sim::trace::DemandTrace;
use lcc_vmm::sim::{SimConfig, Simulator};

const MON: u64 = 0;
const SRV: u64 = 1;

fn caller(pm: usize, role: u64) -> Caller {
    Caller { pm: PmId(pm), role }
}

/// Three PMs of 100% CPU and 4 GiB; loads 90, 30, 30 (average 50).
fn cluster() -> VmmConstraints<Simulator> {
    let mut s = Simulator::new(SimConfig::default());
    for p in 0..3 {
        s.add_pm(&format!("pm{p}"), Resources::new(100.0, 4096.0), 100.0);
    }
    for (host, cpu) in [(0, 40.0), (0, 30.0), (0, 20.0), (1, 30.0), (2, 30.0)] {
        s.add_vm("v", PmId(host), DemandTrace::constant(Resources::new(cpu, 1024.0)))
            .unwrap();
    }
    VmmConstraints::new(s, ConstraintConfig::default())
}

fn state(c: &mut VmmConstraints<Simulator>, who: Caller) -> PeerState {
    match c.get_peer_state(who).unwrap() {
        Outcome::Done(s) => s,
        other => panic!("expected a reading, got {other:?}"),
    }
}

fn assert_invariant(c: &mut VmmConstraints<Simulator>) {
    let v = check_invariant(c.datacentre_mut()).unwrap();
    assert!(v.is_empty(), "{v:?}");
}

/// Whether `server`'s peer may take a VM from `monitor`'s peer: both read
/// their state, then the server asks `isMigrationPossible` (reserving on yes).
fn negotiate(c: &mut VmmConstraints<Simulator>, monitor: usize, server: usize) -> bool {
    let need = state(c, caller(monitor, MON));
    let capacity = state(c, caller(server, SRV));
    c.is_migration_possible(caller(server, SRV), &capacity, &need)
        .unwrap()
        .is_done()
}

fn run_until_quiet(c: &mut VmmConstraints<Simulator>) {
    while let Some(t) = c.datacentre().next_event() {
        c.datacentre_mut().advance_to(t).unwrap();
        assert_invariant(c);
    }
}

#[test]
fn thresholds_are_relative_to_the_cluster_average() {
    let mut c = cluster();
    let s0 = state(&mut c, caller(0, MON));
    assert_eq!(s0.load_percent, 90.0);
    assert_eq!(s0.cluster_average, 50.0);
    assert_eq!(s0.free, Resources::new(10.0, 1024.0));
    assert!(c.is_over_loaded(caller(0, MON)).unwrap().is_done());
    assert!(!c.is_under_loaded(caller(0, MON)).unwrap().is_done());
    assert!(c.is_under_loaded(caller(1, MON)).unwrap().is_done());
    assert!(!c.is_over_loaded(caller(1, MON)).unwrap().is_done());
    assert!(c.can_accept_more_load(caller(0, MON)).unwrap().is_done());
    assert!(!c.can_accept_more_load(caller(1, MON)).unwrap().is_done());
    assert!(!c.has_no_load(caller(1, MON)).unwrap().is_done());
}

#[test]
fn monitoring_paces_each_role_instance() {
    let mut c = cluster();
    let first = state(&mut c, caller(0, MON));
    assert_eq!(
        c.get_peer_state(caller(0, MON)).unwrap(),
        Outcome::Pending { until: Some(10_000) }
    );
    // Another role of the same peer in the same interval shares the reading.
    assert_eq!(state(&mut c, caller(0, SRV)), first);
    c.datacentre_mut().advance_to(9_999).unwrap();
    assert!(!c.get_peer_state(caller(0, MON)).unwrap().is_done());
    c.datacentre_mut().advance_to(10_000).unwrap();
    assert_eq!(state(&mut c, caller(0, MON)).read_at, 10_000);
}

#[test]
fn a_negotiated_migration_runs_to_its_end_and_the_server_waits_for_it() {
    let mut c = cluster();
    assert!(negotiate(&mut c, 0, 1));
    // Reserved but not started: the server waits.
    assert!(matches!(
        c.wait_for_migration(caller(1, SRV)).unwrap(),
        Outcome::Pending { until: Some(_) }
    ));
    let Outcome::Done(id) = c.migration(PmId(0), PmId(1)).unwrap() else {
        panic!("the migration should start")
    };
    assert_invariant(&mut c);
    let vm = c.datacentre_mut().migration(id).unwrap().vm;
    // BestBalance: moving the 30% VM leaves 60/60, the best of the three.
    assert_eq!(c.datacentre().vm(vm).unwrap().demand.cpu, 30.0);
    assert_eq!(
        c.wait_for_migration(caller(1, SRV)).unwrap(),
        Outcome::Pending { until: None }
    );
    run_until_quiet(&mut c);
    assert_eq!(c.wait_for_migration(caller(1, SRV)).unwrap(), Outcome::Done(()));
    assert_eq!(c.datacentre().vm(vm).unwrap().host, PmId(1));
    assert_eq!(c.open_negotiations().unwrap(), 0);
}

#[test]
fn reservations_stop_concurrent_negotiations_over_committing_a_destination() {
    // Destination pm2 has room for exactly one more 1 GiB VM.
    let mut s = Simulator::new(SimConfig::default());
    s.add_pm("a", Resources::new(100.0, 4096.0), 100.0);
    s.add_pm("b", Resources::new(100.0, 4096.0), 100.0);
    s.add_pm("c", Resources::new(100.0, 2048.0), 100.0);
    for host in [0, 0, 0, 1, 1, 1, 2] {
        s.add_vm("v", PmId(host), DemandTrace::constant(Resources::new(10.0, 1024.0)))
            .unwrap();
    }
    let mut config = ConstraintConfig::default();
    config.thresholds.accept_limit = lcc_vmm::thresholds::Level::Absolute(100.0);
    let mut c = VmmConstraints::new(s, config);
    let a = state(&mut c, caller(0, MON));
    let b = state(&mut c, caller(1, MON));
    let dest = state(&mut c, caller(2, SRV));
    assert!(c.is_migration_possible(caller(2, SRV), &dest, &a).unwrap().is_done());
    let second = c.is_migration_possible(caller(2, SRV), &dest, &b).unwrap();
    assert!(matches!(second, Outcome::Failed(_)), "{second:?}");
    // The unreserved pair cannot start without a fit either.
    assert!(!c.migration(PmId(1), PmId(2)).unwrap().is_done());
    assert!(c.migration(PmId(0), PmId(2)).unwrap().is_done());
    run_until_quiet(&mut c);
    let used = c.datacentre().used(PmId(2)).unwrap();
    assert!(used.mem <= 2048.0);
}

#[test]
fn a_failed_migration_fails_the_wait_and_leaves_the_vm_on_its_source() {
    let mut c = cluster();
    assert!(negotiate(&mut c, 0, 2));
    let Outcome::Done(id) = c.migration(PmId(0), PmId(2)).unwrap() else {
        panic!()
    };
    c.datacentre_mut().advance_to(50).unwrap();
    c.datacentre_mut().fail_migrations_of(PmId(2), "destination lost");
    assert_invariant(&mut c);
    let vm = c.datacentre_mut().migration(id).unwrap().vm;
    assert_eq!(c.datacentre().vm(vm).unwrap().host, PmId(0));
    assert_eq!(
        c.wait_for_migration(caller(2, SRV)).unwrap(),
        Outcome::Failed("destination lost".into())
    );
    // The failure is reported once; afterwards there is nothing to wait for.
    assert_eq!(c.wait_for_migration(caller(2, SRV)).unwrap(), Outcome::Done(()));
}

#[test]
fn a_reservation_lapses_when_no_migration_starts() {
    let mut c = cluster();
    assert!(negotiate(&mut c, 0, 1));
    let timeout = c.config().negotiation_timeout;
    c.datacentre_mut().advance_to(timeout).unwrap();
    assert!(matches!(
        c.wait_for_migration(caller(1, SRV)).unwrap(),
        Outcome::Failed(_)
    ));
    assert_eq!(c.open_negotiations().unwrap(), 0);
}

#[test]
fn pinned_vms_never_move() {
    let config = ConstraintConfig {
        pinned: [VmId(0), VmId(1), VmId(2)].into(),
        ..ConstraintConfig::default()
    };
    let mut c = VmmConstraints::new(cluster().datacentre().clone(), config);
    assert!(!negotiate(&mut c, 0, 1));
    assert!(!c.migration(PmId(0), PmId(1)).unwrap().is_done());
}

#[test]
fn release_resources_powers_off_only_an_empty_pm() {
    let mut c = cluster();
    assert!(!c.release_resources(caller(2, MON)).unwrap().is_done());
    let Outcome::Done(_) = c.migration(PmId(2), PmId(1)).unwrap() else {
        panic!("pm2's VM fits on pm1")
    };
    assert!(!c.release_resources(caller(2, MON)).unwrap().is_done());
    run_until_quiet(&mut c);
    assert!(c.has_no_load(caller(2, MON)).unwrap().is_done());
    assert!(c.release_resources(caller(2, MON)).unwrap().is_done());
    assert_eq!(c.datacentre().pm(PmId(2)).unwrap().power, PowerState::Off);
    assert!(!c.migration(PmId(0), PmId(2)).unwrap().is_done());
}

#[test]
fn sleep_is_pending_for_its_duration() {
    let mut c = cluster();
    let who = caller(0, 7);
    assert_eq!(c.sleep(who, 5_000).unwrap(), Outcome::Pending { until: Some(5_000) });
    c.datacentre_mut().advance_to(4_999).unwrap();
    assert!(!c.sleep(who, 5_000).unwrap().is_done());
    c.datacentre_mut().advance_to(5_000).unwrap();
    assert!(c.sleep(who, 5_000).unwrap().is_done());
    assert!(!c.sleep(who, 5_000).unwrap().is_done(), "a new sleep starts");
}

#[test]
fn a_cap_limits_the_migrations_of_one_monitoring_round() {
    let config = ConstraintConfig {
        max_migrations_per_round: Some(1),
        ..ConstraintConfig::default()
    };
    let mut c = VmmConstraints::new(cluster().datacentre().clone(), config);
    let need = state(&mut c, caller(0, MON));
    let one = state(&mut c, caller(1, SRV));
    let two = state(&mut c, caller(2, SRV));
    assert!(c.is_migration_possible(caller(1, SRV), &one, &need).unwrap().is_done());
    let refused = c.is_migration_possible(caller(2, SRV), &two, &need).unwrap();
    assert!(
        matches!(&refused, Outcome::Failed(why) if why.contains("cap")),
        "{refused:?}"
    );
    assert!(c.migration(PmId(0), PmId(1)).unwrap().is_done());
    assert!(!c.migration(PmId(0), PmId(2)).unwrap().is_done(), "still this round");
    c.datacentre_mut().advance_to(10_000).unwrap();
    assert!(c.migration(PmId(0), PmId(2)).unwrap().is_done(), "next round");
    run_until_quiet(&mut c);
}

#[test]
fn a_dry_run_journals_what_would_move_and_why_and_moves_nothing() {
    let config = ConstraintConfig {
        dry_run: true,
        ..ConstraintConfig::default()
    };
    let mut c = VmmConstraints::new(cluster().datacentre().clone(), config);
    assert!(negotiate(&mut c, 0, 1));
    assert!(matches!(
        c.migration(PmId(0), PmId(1)).unwrap(),
        Outcome::Failed(why) if why.contains("dry run")
    ));
    assert!(!c.wait_for_migration(caller(1, SRV)).unwrap().is_done());
    let journal = c.journal();
    assert_eq!(journal.len(), 1);
    let d = &journal[0];
    assert_eq!((d.from, d.to), (PmId(0), PmId(1)));
    assert!(
        d.why.contains("pm0 at 90.0%") && d.why.contains("pm1 at 30.0%"),
        "{}",
        d.why
    );
    assert!(d.why.contains("band 40.0%–60.0%"), "{}", d.why);
    assert!(d.outcome.is_err());
    assert!(c.datacentre_mut().migrations().unwrap().is_empty());
    assert_invariant(&mut c);
}

#[test]
fn the_journal_records_started_migrations() {
    let mut c = cluster();
    let Outcome::Done(id) = c.migration(PmId(0), PmId(2)).unwrap() else {
        panic!()
    };
    assert_eq!(c.journal()[0].outcome, Ok(id));
    run_until_quiet(&mut c);
}

#[test]
fn a_source_does_not_count_load_already_leaving_and_the_band_does_not_rise_during_a_migration() {
    let mut c = cluster();
    assert!(c.is_over_loaded(caller(0, MON)).unwrap().is_done());
    // pm0 (90%) sends its 30% VM to pm1 (the best balance): while it
    // migrates, the simulator counts it on both PMs.
    assert!(c.migration(PmId(0), PmId(1)).unwrap().is_done());
    c.datacentre_mut().advance_to(5_000).unwrap();
    assert!(
        c.datacentre().vm(VmId(1)).unwrap().migrating.is_some(),
        "still migrating"
    );
    assert_eq!(c.datacentre().load_percent(PmId(0)).unwrap(), 90.0);
    assert_eq!(c.datacentre().load_percent(PmId(1)).unwrap(), 60.0);
    // The next reading: pm0 keeps 60% (not overloaded again, so it does not
    // ask to shed the same load twice), and the average counts the VM once.
    let s0 = state(&mut c, caller(0, MON));
    assert_eq!(s0.load_percent, 60.0);
    assert_eq!(s0.cluster_average, 50.0);
    assert!(!c.is_over_loaded(caller(0, MON)).unwrap().is_done());
    run_until_quiet(&mut c);
}

#[test]
fn a_donor_gives_a_reserved_vm_but_never_drops_below_the_band_or_its_asker() {
    const DONOR: u64 = 2;
    let mut c = cluster();
    let give = state(&mut c, caller(0, DONOR));
    let one = state(&mut c, caller(1, MON));
    let two = state(&mut c, caller(2, MON));
    // Band 40%–60% of the average 50%: its middle is 50%.
    assert!(c.is_above_band_middle(caller(0, DONOR)).unwrap().is_done());
    assert!(!c.is_above_band_middle(caller(1, MON)).unwrap().is_done());
    // pm0 at 90% gives its 30% VM to pm1 (both end at 60%): the 40% VM would
    // lift pm1 above the donor and above the accept limit.
    assert!(c.is_donation_possible(caller(0, DONOR), &one, &give).unwrap().is_done());
    // Keeping 60%, pm0 cannot also give its 20% VM to pm2: it would keep 40%,
    // below pm2's new 50%.
    let second = c.is_donation_possible(caller(0, DONOR), &two, &give).unwrap();
    assert!(matches!(second, Outcome::Failed(_)), "{second:?}");
    assert!(c.migration(PmId(0), PmId(1)).unwrap().is_done());
    let why = &c.journal().last().unwrap().why;
    assert!(why.contains("isDonationPossible"), "{why}");
    assert!(!c.wait_for_migration(caller(0, DONOR)).unwrap().is_done());
    // Another role of the donor's PM owns nothing to wait for.
    assert_eq!(c.wait_for_migration(caller(0, SRV)).unwrap(), Outcome::Done(()));
    run_until_quiet(&mut c);
    assert_eq!(c.wait_for_migration(caller(0, DONOR)).unwrap(), Outcome::Done(()));
    assert_eq!(c.datacentre().load_percent(PmId(0)).unwrap(), 60.0);
    assert_eq!(c.datacentre().load_percent(PmId(1)).unwrap(), 60.0);
}
