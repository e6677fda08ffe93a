//! End-to-end on real libvirt: session daemons as PMs, tiny QEMU guests, real
//! live migrations (recipe: shared/docs/libvirt-test-hosts.md). Runs as root
//! with the packages of scripts/install-deps.sh.

mod support;

use lcc_eval::Model;
use lcc_vmm::constraints::{ConstraintConfig, VmmConstraints};
use lcc_vmm::datacentre::{Datacentre, MigrationStatus};
use lcc_vmm::driver::RunConfig;
use lcc_vmm::error::Error;
use lcc_vmm::interpreted::run_policy;
use lcc_vmm::inventory::check_invariant;
use lcc_vmm::libvirt::{HostConfig, LibvirtDatacentre, MigrationOptions};
use lcc_vmm::model::{PmId, Resources, VmId};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use support::hosts::{TestHosts, qemu_processes};

/// One real-libvirt test at a time: they share two busy cores.
static SERIAL: Mutex<()> = Mutex::new(());

fn configs(hosts: &TestHosts, n: usize) -> Vec<HostConfig> {
    (0..n)
        .map(|k| HostConfig {
            name: format!("pm{k}"),
            uri: hosts.uri(k),
            capacity: Some(Resources::new(100.0, 1024.0)),
            ..HostConfig::default()
        })
        .collect()
}

fn load_balancing() -> Model {
    let path = format!("{}/../stdlib/vmm/load-balancing.lcc", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let parsed = lcc_syntax::parse(lcc_syntax::FileId(0), &text);
    assert!(!parsed.has_errors(), "{path}");
    Model::lower(&parsed.model).unwrap()
}

#[test]
fn the_lcc_load_balancing_policy_on_three_libvirt_hosts_ends_in_the_band_with_every_guest_once() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let hosts = TestHosts::start("balance", 3);
    // Uneven: five guests on pm0, one on pm1, none on pm2; 20% each.
    let names: Vec<String> = (0..6).map(|i| format!("lccvm{i}")).collect();
    for (i, name) in names.iter().enumerate() {
        hosts.create_guest(if i < 5 { 0 } else { 1 }, name, 20.0, true);
    }
    // Peer-to-peer: the source daemon drives each migration (the kill test
    // below covers client-driven migrations).
    let options = MigrationOptions {
        peer_to_peer: true,
        ..MigrationOptions::default()
    };
    let dc = LibvirtDatacentre::open(configs(&hosts, 3), names.clone(), options.clone()).unwrap();
    let config = ConstraintConfig {
        monitoring_interval: 1_000,
        negotiation_timeout: 30_000,
        hysteresis_rounds: 3,
        ..ConstraintConfig::default()
    };
    let mut c = VmmConstraints::new(dc, config);
    assert!(check_invariant(c.datacentre_mut()).unwrap().is_empty());
    assert_eq!(c.datacentre().load_percent(PmId(0)).unwrap(), 100.0);
    let run = RunConfig {
        rounds: 25,
        ..RunConfig::default()
    };
    // The LCC policy, interpreted by lcc-eval, its constraints answered by
    // the libvirt backend; the invariant is checked every time time passes.
    let mut inventory_checks = 0;
    let policy_run = run_policy(&load_balancing(), c, &run, 1, |c| {
        let violations = check_invariant(c.datacentre_mut())?;
        assert!(violations.is_empty(), "{violations:?}");
        inventory_checks += 1;
        Ok(())
    })
    .unwrap();
    let report = policy_run.report;
    println!("{}", report.summary());
    assert!(policy_run.reached_horizon);
    assert!(inventory_checks > 25);
    assert!(report.migrations_succeeded >= 3, "{}", report.summary());
    assert!(report.migrations.iter().all(|m| m.status != MigrationStatus::Running));
    assert_eq!(report.outside_band_at_end, 0, "{:?}", report.loads.last());
    // Asked afresh: the hypervisors agree.
    let dc = LibvirtDatacentre::open(configs(&hosts, 3), names.clone(), options).unwrap();
    for p in 0..3 {
        assert_eq!(dc.load_percent(PmId(p)).unwrap(), 40.0);
    }
    let inventory = dc.inventory().unwrap();
    for (v, name) in names.iter().enumerate() {
        assert_eq!(inventory.copies(VmId(v)), 1, "{name}");
        assert_eq!(qemu_processes(name), 1, "{name}");
    }
    assert!(inventory.strangers.is_empty());
}

#[test]
fn killing_the_destination_daemon_mid_migration_leaves_the_guest_running_once() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let hosts = TestHosts::start("kill", 3);
    let name = "lccmover".to_string();
    hosts.create_guest(0, &name, 20.0, false);
    let options = MigrationOptions {
        bandwidth: Some(1),
        ..MigrationOptions::default()
    };
    let mut dc = LibvirtDatacentre::open(configs(&hosts, 3), vec![name.clone()], options).unwrap();
    let id = dc.start_migration(VmId(0), PmId(1)).unwrap();
    // Wait until the destination has the incoming guest, then kill it.
    let dest = virt::connect::Connect::open(Some(&hosts.uri(1))).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while dest.lookup_domain_by_name(&name).is_err() {
        assert!(Instant::now() < deadline, "the migration never reached pm1");
        assert!(check_invariant(&mut dc).unwrap().is_empty());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(check_invariant(&mut dc).unwrap().is_empty());
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        dc.migration(id).unwrap().status,
        MigrationStatus::Running,
        "still in the middle"
    );
    hosts.kill(1);
    drop(dest);
    let deadline = Instant::now() + Duration::from_secs(120);
    let record = loop {
        let r = dc.migration(id).unwrap();
        if r.status != MigrationStatus::Running {
            break r;
        }
        assert!(Instant::now() < deadline, "the migration never ended");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(matches!(record.status, MigrationStatus::Failed(_)), "{record:?}");
    // While pm1 is down, asking it is a clear error naming its URI.
    match dc.inventory() {
        Err(Error::Hypervisor { uri, .. }) => assert_eq!(uri, hosts.uri(1)),
        other => panic!("expected pm1 to be unreachable, got {other:?}"),
    }
    // The guest still runs on its source, exactly once.
    let src = virt::connect::Connect::open(Some(&hosts.uri(0))).unwrap();
    let domain = src.lookup_domain_by_name(&name).unwrap();
    assert!(domain.is_active().unwrap());
    assert_eq!(
        domain.info().unwrap().state,
        virt::domain::DomainStateEnum::Known(virt::domain::DomainState::Running)
    );
    // pm1 comes back and recovers (drops the half-received guest): the
    // invariant holds over all hosts, and one QEMU process runs the guest.
    hosts.restart(1);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let violations = check_invariant(&mut dc).unwrap();
        if violations.is_empty() && qemu_processes(&name) == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{violations:?}, {} QEMU processes",
            qemu_processes(&name)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(dc.vm(VmId(0)).unwrap().host, PmId(0));
    assert_eq!(dc.inventory().unwrap().active_on[0], vec![PmId(0)]);
}
