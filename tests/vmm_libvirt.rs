//! `lcc run POLICY --vmm libvirt --hosts hosts.toml` end to end: the real
//! binary runs the LCC policies of stdlib/vmm/ (interpreted by lcc-eval, their
//! constraints answered by lcc-vmm on libvirt) against libvirt session daemons
//! as PMs with tiny QEMU guests (recipe: shared/docs/libvirt-test-hosts.md).
//! The tests that start daemons run as root with the packages of
//! scripts/install-deps.sh.

mod libvirt_support;

use libvirt_support::hosts::TestHosts;
use libvirt_support::{each_guest_runs_once, hosts_file, placement};
use std::process::{Command, Output};
use std::sync::Mutex;

/// One real-libvirt test at a time: they share two busy cores.
static SERIAL: Mutex<()> = Mutex::new(());

fn lcc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lcc"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("lcc runs")
}

/// `lcc run POLICY --vmm libvirt --hosts HOSTS EXTRA...`.
fn run_policy(policy: &str, hosts: &std::path::Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", policy, "--vmm", "libvirt", "--hosts", hosts.to_str().unwrap()];
    args.extend_from_slice(extra);
    lcc(&args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Five guests on pm0, one on pm1, none on pm2; 20% of a PM each, paused.
fn uneven_guests(hosts: &TestHosts) -> Vec<String> {
    libvirt_support::uneven_guests(hosts, "lccrun")
}

const SETTINGS: &str = "monitoring_interval_ms = 1000\nrounds = 25\nhysteresis_rounds = 3\n\
                        max_migrations_per_round = 2\n[migration]\npeer_to_peer = true";

#[test]
fn lcc_run_balances_real_hosts_with_the_lcc_policy() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let hosts = TestHosts::start("run", 3);
    let names = uneven_guests(&hosts);
    let file = hosts_file(&hosts, "run", SETTINGS, false);
    let out = run_policy("stdlib/vmm/load-balancing.lcc", &file, &[]);
    let stdout = text(&out.stdout);
    println!("{stdout}");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let started = stdout.lines().filter(|l| l.contains("] migrate lccrun")).count();
    assert!(started >= 3, "{stdout}");
    assert!(
        stdout.contains("isOverLoaded") && stdout.contains("isMigrationPossible"),
        "{stdout}"
    );
    assert!(stdout.contains("PMs outside the band at the end: 0"), "{stdout}");
    assert!(stdout.contains(" 0 failed"), "{stdout}");
    // Two guests (40%) on every PM, each running exactly once.
    let placed = placement(&hosts);
    for (k, guests) in placed.iter().enumerate() {
        assert_eq!(guests.as_ref().map(Vec::len), Some(2), "pm{k}: {placed:?}");
    }
    each_guest_runs_once(&hosts, &names);
}

#[test]
fn a_dry_run_prints_the_migrations_and_moves_nothing() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let hosts = TestHosts::start("dry", 3);
    let names = uneven_guests(&hosts);
    let before = placement(&hosts);
    let file = hosts_file(&hosts, "dry", SETTINGS, false);
    let out = run_policy("stdlib/vmm/load-balancing.lcc", &file, &["--dry-run", "--rounds", "4"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let would: Vec<&str> = stdout.lines().filter(|l| l.contains("would migrate lccrun")).collect();
    assert!(!would.is_empty(), "{stdout}");
    assert!(
        would
            .iter()
            .all(|l| l.contains("pm0 -> ") && l.contains("isOverLoaded")),
        "{stdout}"
    );
    assert!(!stdout.contains("] migrate "), "{stdout}");
    assert!(stdout.contains("migrations: 0 succeeded, 0 failed"), "{stdout}");
    assert!(stdout.contains("none started"), "{stdout}");
    assert_eq!(placement(&hosts), before);
    each_guest_runs_once(&hosts, &names);
}

#[test]
fn consolidation_powers_emptied_hosts_off_with_their_power_command() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let hosts = TestHosts::start("power", 3);
    // pm0 at 60% takes load; pm1 at 20% gives its guest away; pm2 is empty.
    let names: Vec<String> = (0..4).map(|i| format!("lccpow{i}")).collect();
    for (i, name) in names.iter().enumerate() {
        hosts.create_guest(if i < 3 { 0 } else { 1 }, name, 20.0, true);
    }
    let settings = "monitoring_interval_ms = 1000\nrounds = 15\nstrategy = \"largest\"\n\
                    [thresholds]\nunderload = { absolute = 50 }\naccept_limit = { absolute = 100 }\n\
                    [migration]\npeer_to_peer = true";
    let file = hosts_file(&hosts, "power", settings, true);
    let out = run_policy("stdlib/vmm/consolidation.lcc", &file, &[]);
    let stdout = text(&out.stdout);
    println!("{stdout}");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(stdout.contains("migrations: 1 succeeded, 0 failed"), "{stdout}");
    assert!(stdout.contains("powered off: 2"), "{stdout}");
    // The power command really ran: pm1's and pm2's daemons are gone, and
    // every guest runs on pm0, exactly once.
    let placed = placement(&hosts);
    assert_eq!(placed[1], None, "{placed:?}");
    assert_eq!(placed[2], None, "{placed:?}");
    assert_eq!(placed[0].as_ref().map(Vec::len), Some(4), "{placed:?}");
    each_guest_runs_once(&hosts, &names);
}

#[test]
fn a_malformed_hosts_file_or_an_unreachable_hypervisor_is_a_located_error() {
    let dir = std::env::temp_dir();
    let bad = dir.join(format!("lcc-hosts-{}-bad.toml", std::process::id()));
    std::fs::write(&bad, "rounds = 3\n[[host]]\nname = \"pm0\"\nurl = \"x\"\n").unwrap();
    let gone = dir.join(format!("lcc-hosts-{}-gone.toml", std::process::id()));
    std::fs::write(
        &gone,
        "[[host]]\nname = \"pm0\"\nuri = \"qemu+unix:///session?socket=/nonexistent/lcc-sock\"\n",
    )
    .unwrap();
    for (file, expected) in [
        (&bad, ":4:1: unknown field `url`"),
        (&gone, ":1:1: host `pm0`: hypervisor"),
    ] {
        let out = run_policy("stdlib/vmm/load-balancing.lcc", file, &[]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.starts_with(&format!("error: {}", file.display())), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}
