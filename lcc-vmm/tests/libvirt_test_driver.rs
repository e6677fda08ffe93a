//! Fast queries against libvirt's built-in `test:///default` driver (no
//! daemon; it cannot migrate), and clear errors for an unreachable hypervisor.

use lcc_vmm::datacentre::{Datacentre, MigrationStatus, PowerState};
use lcc_vmm::error::Error;
use lcc_vmm::inventory::check_invariant;
use lcc_vmm::libvirt::{HostConfig, LibvirtDatacentre, METADATA_NS, MigrationOptions};
use lcc_vmm::model::{PmId, Resources, VmId};

fn host(name: &str, uri: &str, capacity: Option<Resources>) -> HostConfig {
    HostConfig {
        name: name.into(),
        uri: uri.into(),
        capacity,
        ..HostConfig::default()
    }
}

/// A test-driver node with no domains, described in a file of its own.
fn empty_node() -> String {
    let path = std::env::temp_dir().join(format!("lcc-vmm-empty-node-{}.xml", std::process::id()));
    std::fs::write(
        &path,
        "<node><cpu><mhz>2000</mhz><nodes>1</nodes><sockets>1</sockets><cores>2</cores>\
         <threads>1</threads><active>2</active></cpu><memory>1048576</memory></node>",
    )
    .unwrap();
    format!("test://{}", path.display())
}

#[test]
fn queries_placement_capacity_metadata_and_a_refused_migration() {
    let hosts = vec![
        host("node", "test:///default", None),
        host("empty", &empty_node(), Some(Resources::new(100.0, 1024.0))),
    ];
    let mut dc = LibvirtDatacentre::open(hosts, vec![], MigrationOptions::default()).unwrap();
    // test:///default has one running domain, "test".
    assert_eq!(dc.vm_count(), 1);
    assert_eq!(dc.vm_name(VmId(0)).unwrap(), "test");
    let node = dc.pm(PmId(0)).unwrap();
    assert!(node.capacity.cpu >= 100.0 && node.capacity.mem > 0.0, "{node:?}");
    assert_eq!(dc.pm(PmId(1)).unwrap().capacity, Resources::new(100.0, 1024.0));
    let vm = dc.vm(VmId(0)).unwrap();
    assert_eq!(vm.host, PmId(0));
    assert!(vm.demand.mem > 0.0);

    // A nominal load in the domain's metadata overrides the statistics.
    let conn = virt::connect::Connect::open(Some("test:///default")).unwrap();
    let domain = conn.lookup_domain_by_name("test").unwrap();
    domain
        .set_metadata(
            virt::sys::VIR_DOMAIN_METADATA_ELEMENT as i32,
            Some(r#"<load cpu="30" mem="48"/>"#),
            Some("lcc"),
            Some(METADATA_NS),
            virt::sys::VIR_DOMAIN_AFFECT_LIVE,
        )
        .unwrap();
    assert_eq!(dc.vm(VmId(0)).unwrap().demand, Resources::new(30.0, 48.0));
    assert_eq!(dc.used(PmId(0)).unwrap(), Resources::new(30.0, 48.0));
    assert_eq!(dc.vms_on(PmId(1)).unwrap(), vec![]);
    assert!(check_invariant(&mut dc).unwrap().is_empty());

    // The test driver cannot migrate: the migration fails, the VM stays.
    let id = dc.start_migration(VmId(0), PmId(1)).unwrap();
    let record = loop {
        let r = dc.migration(id).unwrap();
        if r.status != MigrationStatus::Running {
            break r;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let MigrationStatus::Failed(why) = record.status else {
        panic!("{record:?}")
    };
    assert!(why.contains("test:///default"), "{why}");
    assert_eq!(dc.vm(VmId(0)).unwrap().host, PmId(0));
    assert!(check_invariant(&mut dc).unwrap().is_empty());

    // Releasing: refused for the busy PM, bookkeeping for the empty one.
    assert!(dc.set_power(PmId(0), PowerState::Off).is_err());
    dc.set_power(PmId(1), PowerState::Suspended).unwrap();
    assert!(dc.start_migration(VmId(0), PmId(1)).is_err());
    domain
        .set_metadata(
            virt::sys::VIR_DOMAIN_METADATA_ELEMENT as i32,
            None,
            None,
            Some(METADATA_NS),
            virt::sys::VIR_DOMAIN_AFFECT_LIVE,
        )
        .unwrap();
}

#[test]
fn an_unreachable_hypervisor_is_a_clear_error_with_its_uri() {
    let uri = "qemu+unix:///session?socket=/nonexistent/lcc/libvirt-sock";
    let err = LibvirtDatacentre::open(vec![host("gone", uri, None)], vec![], MigrationOptions::default())
        .err()
        .expect("no daemon listens there");
    let Error::Hypervisor { uri: u, action, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(u, uri);
    assert_eq!(action, "connect");
    assert!(err.to_string().contains(uri));
}
