//! The self-management seed's two scenarios with Algorithms A and B, and the
//! MLN seed's queue example.

use lcc_vmm::baselines::algorithm_a;
use lcc_vmm::baselines::algorithm_b::{self, SearchConfig};
use lcc_vmm::baselines::placement::{Guest, Host, Move, Placement, Plan, Request};
use lcc_vmm::baselines::queue_rule::QueueRule;
use lcc_vmm::datacentre::Datacentre;
use lcc_vmm::model::{PmId, Resources, VmId};
use lcc_vmm::sim::trace::DemandTrace;
use lcc_vmm::sim::{SimConfig, Simulator};

fn mem(mib: f64) -> Resources {
    Resources::new(0.0, mib)
}

fn placement(hosts: &[f64], guests: &[f64]) -> Placement {
    Placement {
        hosts: hosts
            .iter()
            .enumerate()
            .map(|(i, &c)| Host {
                name: format!("Host{}", i + 1),
                capacity: mem(c),
            })
            .collect(),
        guests: guests
            .iter()
            .enumerate()
            .map(|(i, &d)| Guest {
                name: format!("VM{}", i + 1),
                demand: mem(d),
            })
            .collect(),
        assignment: (0..guests.len()).collect(),
    }
}

/// VM1 (on Host1) asks for 300 MB more.
const REQUEST: Request = Request {
    guest: 0,
    extra: Resources { cpu: 0.0, mem: 300.0 },
};

#[test]
fn scenario_1_both_algorithms_migrate_vm1_to_host2() {
    // Host1 500 MB, Host2 1000 MB; VM1 300 MB, VM2 400 MB.
    let p = placement(&[500.0, 1000.0], &[300.0, 400.0]);
    let expected = Plan::Migrate(vec![Move {
        guest: 0,
        from: 0,
        to: 1,
    }]);
    assert_eq!(algorithm_a::plan(&p, REQUEST), expected);
    assert_eq!(algorithm_b::plan(&p, Some(REQUEST), SearchConfig::default()), expected);
}

#[test]
fn scenario_2_a_finds_nothing_and_b_moves_vm2_then_vm1_and_frees_host1() {
    // Host1 500, Host2 600, Host3 1100; VM1 300, VM2 400, VM3 600.
    let p = placement(&[500.0, 600.0, 1100.0], &[300.0, 400.0, 600.0]);
    assert_eq!(algorithm_a::plan(&p, REQUEST), Plan::NoSolution);
    let plan = algorithm_b::plan(&p, Some(REQUEST), SearchConfig::default());
    let moves = vec![
        Move {
            guest: 1,
            from: 1,
            to: 2,
        },
        Move {
            guest: 0,
            from: 0,
            to: 1,
        },
    ];
    assert_eq!(plan, Plan::Migrate(moves.clone()));
    let mut after = p.assignment.clone();
    for m in &moves {
        after[m.guest] = m.to;
    }
    assert!(p.is_valid(&after, &p.demands(Some(REQUEST))));
    assert!(!after.contains(&0), "Host1 is empty and can go offline");
}

#[test]
fn a_grants_in_place_when_the_host_has_room() {
    let p = placement(&[1000.0, 1000.0], &[300.0, 400.0]);
    assert_eq!(algorithm_a::plan(&p, REQUEST), Plan::InPlace);
}

#[test]
fn b_consolidates_without_a_request() {
    // Three half-empty hosts: two moves empty one host... or two.
    let p = placement(&[1000.0, 1000.0, 1000.0], &[300.0, 300.0, 300.0]);
    let Plan::Migrate(moves) = algorithm_b::plan(&p, None, SearchConfig::default()) else {
        panic!("B should consolidate")
    };
    let mut after = p.assignment.clone();
    for m in &moves {
        after[m.guest] = m.to;
    }
    assert_eq!(p.empty_hosts(&after), 2);
}

#[test]
fn mln_queue_the_vm_moves_exactly_when_more_than_3_jobs_wait() {
    let rule = QueueRule::SEED;
    assert_eq!(rule.local_time(10), 100.0);
    assert_eq!(rule.remote_time(10), 65.0);
    assert_eq!(rule.local_time(3), rule.remote_time(3), "equilibrium at n = 3");
    for n in 0..=20 {
        assert_eq!(rule.should_migrate(n), n > 3, "n = {n}");
    }
    // Jobs arrive one by one at the local site; the VM checks its rule at each
    // arrival and migrates itself to the cloud when the rule says so.
    let mut sim = Simulator::new(SimConfig::default());
    let local = sim.add_pm("company", Resources::new(100.0, 4096.0), 100.0);
    let cloud = sim.add_pm("cloud", Resources::new(200.0, 8192.0), 100.0);
    let vm = sim
        .add_vm("worker", local, DemandTrace::constant(Resources::new(50.0, 1024.0)))
        .unwrap();
    let mut moved_at = None;
    for jobs in 1..=10 {
        sim.advance_to(jobs as u64 * 60_000).unwrap();
        if moved_at.is_none() && rule.should_migrate(jobs) {
            sim.start_migration(vm, cloud).unwrap();
            moved_at = Some(jobs);
        }
    }
    assert_eq!(moved_at, Some(4));
    assert_eq!(sim.vm(VmId(0)).unwrap().host, PmId(1));
}

#[test]
fn b_repairs_an_overloaded_random_placement_and_consolidates() {
    use lcc_vmm::sim::workload::ClusterSpec;
    // Seed 5 of the Figure 3 workloads places four PMs above 100% CPU.
    let sim = ClusterSpec::figure3().build(SimConfig::default(), 5);
    let p = Placement::snapshot(&sim).unwrap();
    let demands = p.demands(None);
    assert!(!p.is_valid(&p.assignment, &demands));
    let search = SearchConfig {
        max_migrations: 50,
        ..SearchConfig::default()
    };
    let Plan::Migrate(moves) = algorithm_b::plan(&p, None, search) else {
        panic!("B should find a valid placement")
    };
    let mut after = p.assignment.clone();
    for m in &moves {
        after[m.guest] = m.to;
    }
    assert!(p.is_valid(&after, &demands));
    assert!(p.empty_hosts(&after) > p.empty_hosts(&p.assignment));
}
