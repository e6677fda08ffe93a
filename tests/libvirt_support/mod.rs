//! Real libvirt hosts for the binary's end-to-end tests: the session daemons
//! and tiny QEMU guests of `lcc-vmm/tests/support/hosts.rs` (recipe:
//! shared/docs/libvirt-test-hosts.md), a hosts file naming them, and what the
//! daemons report about the guests.

#![allow(dead_code)]

#[path = "../../lcc-vmm/tests/support/hosts.rs"]
pub mod hosts;

use hosts::{TestHosts, qemu_processes};
use std::path::PathBuf;
use virt::connect::Connect;

/// Writes a hosts file for the three PMs of `hosts` (capacity 100% CPU and
/// 1 GiB each) with `settings` on top, and returns its path; with `power`,
/// powering a PM off stops its daemon.
pub fn hosts_file(hosts: &TestHosts, tag: &str, settings: &str, power: bool) -> PathBuf {
    let mut toml = format!("{settings}\n");
    for k in 0..3 {
        toml += &format!(
            "\n[[host]]\nname = \"pm{k}\"\nuri = \"{}\"\ncpu = 100\nmem_mib = 1024\n",
            hosts.uri(k)
        );
        if power {
            // Powering the PM off stops its libvirt daemon, by the PID it wrote.
            let pid_file = hosts.pid_file(k);
            toml += &format!(
                "power_command = [\"sh\", \"-c\", \"kill $(cat {})\"]\n",
                pid_file.display()
            );
        }
    }
    let path = std::env::temp_dir().join(format!("lcc-hosts-{}-{tag}.toml", std::process::id()));
    std::fs::write(&path, toml).unwrap();
    path
}

/// Active guests per PM, by name, as the daemons report them (`None`: the
/// daemon does not answer).
pub fn placement(hosts: &TestHosts) -> Vec<Option<Vec<String>>> {
    (0..3)
        .map(|k| {
            let conn = Connect::open(Some(&hosts.uri(k))).ok()?;
            let domains = conn.list_all_domains(virt::sys::VIR_CONNECT_LIST_DOMAINS_ACTIVE).ok()?;
            let mut names: Vec<String> = domains.iter().filter_map(|d| d.name().ok()).collect();
            names.sort();
            Some(names)
        })
        .collect()
}

/// Six guests named `PREFIX0` ... `PREFIX5`: five on pm0, one on pm1, none on
/// pm2; 20% of a PM each, paused.
pub fn uneven_guests(hosts: &TestHosts, prefix: &str) -> Vec<String> {
    let names: Vec<String> = (0..6).map(|i| format!("{prefix}{i}")).collect();
    for (i, name) in names.iter().enumerate() {
        hosts.create_guest(if i < 5 { 0 } else { 1 }, name, 20.0, true);
    }
    names
}

/// Every guest of `names` is active on exactly one PM, in exactly one QEMU process.
pub fn each_guest_runs_once(hosts: &TestHosts, names: &[String]) {
    let placed = placement(hosts);
    for name in names {
        let copies = placed.iter().flatten().flatten().filter(|n| *n == name).count();
        assert_eq!(copies, 1, "{name}: {placed:?}");
        assert_eq!(qemu_processes(name), 1, "{name}");
    }
}
