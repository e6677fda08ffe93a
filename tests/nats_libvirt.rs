//! `lcc peer` against real libvirt hosts: `lcc datacentre --hosts` owns three
//! libvirt session daemons (the PMs) with tiny QEMU guests and serves their
//! VMM constraints over a real NATS server; one `lcc peer` process per PM runs
//! the load-balancing policy, and the guests really migrate. The test that
//! starts daemons runs as root with the packages of scripts/install-deps.sh
//! (recipe: shared/docs/libvirt-test-hosts.md).

#![cfg(feature = "nats")]

mod libvirt_support;
mod nats_support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use libvirt_support::hosts::TestHosts;
use libvirt_support::{each_guest_runs_once, hosts_file, placement, uneven_guests};
use nats_support::{Children, Server, lcc, lines, stop_peers_then_service};
use serde_json::Value;

const POLICY: &str = "stdlib/vmm/load-balancing.lcc";
const SETTINGS: &str = "monitoring_interval_ms = 1000\nrounds = 25\nhysteresis_rounds = 3\n\
                        max_migrations_per_round = 2\n[migration]\npeer_to_peer = true";

#[test]
fn three_peer_processes_balance_real_libvirt_hosts_over_nats() {
    let server = Server::start("libvirt");
    let hosts = TestHosts::start("nats", 3);
    let names = uneven_guests(&hosts, "lccnats");
    let file = hosts_file(&hosts, "nats", SETTINGS, false);
    // Dropped before `hosts`: the processes end before their daemons do.
    let mut children = Children(Vec::new());
    let mut datacentre = lcc()
        .args(["datacentre", "--nats", &server.url, "--hosts"])
        .arg(&file)
        .arg("--json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let report_lines = lines(datacentre.stdout.take().unwrap());
    let log = lines(datacentre.stderr.take().unwrap());
    children.0.push(datacentre);
    let ready = log
        .recv_timeout(Duration::from_secs(30))
        .expect("the datacentre starts");
    assert_eq!(
        ready,
        "datacentre ready: 3 PMs (pm0 ... pm2), 6 VMs; time starts when every PM's peer has called"
    );
    let logs = std::env::temp_dir().join(format!("lcc-libvirt-peers-{}", std::process::id()));
    std::fs::create_dir_all(&logs).unwrap();
    for p in 0..3 {
        let id = format!("pm{p}");
        let stderr = std::fs::File::create(logs.join(format!("{id}.err"))).unwrap();
        let peer = lcc()
            .args(["peer", POLICY, "--id", &id, "--role", "pm", "--nats", &server.url])
            .args(["--heartbeat-ms", "200", "--datacentre", "--seed", "1"])
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        children.0.push(peer);
    }
    // 25 rounds of 1 s once every peer has called, then the last migrations.
    let started = Instant::now();
    let line = report_lines
        .recv_timeout(Duration::from_secs(120))
        .unwrap_or_else(|_| panic!("no report; datacentre log: {:?}", log.try_iter().collect::<Vec<_>>()));
    let wall = started.elapsed();
    let result: Value = serde_json::from_str(&line).unwrap();
    let (report, placed) = (&result["report"], &result["placement"]);

    // Every peer stops cleanly on SIGTERM, then the service.
    stop_peers_then_service(&mut children, &logs);
    std::fs::remove_dir_all(&logs).unwrap();
    std::fs::remove_file(&file).unwrap();

    // Real live migrations, none failed, every PM inside the band at the end.
    let succeeded = report["migrations_succeeded"].as_u64().unwrap();
    assert!(succeeded >= 3, "{report}");
    assert_eq!(report["migrations_failed"], 0, "{report}");
    assert_eq!(report["outside_band_at_end"], 0, "{report}");
    for (vm, place) in placed["vms"].as_object().unwrap() {
        let host = place["host"].as_str().unwrap();
        assert_eq!(place["active_on"], serde_json::json!([host]), "{vm}");
        assert_eq!(place["migrating"], false, "{vm}");
    }
    // Asked afresh, the daemons agree: two guests (40%) on every PM, each
    // running exactly once.
    let now = placement(&hosts);
    for (k, guests) in now.iter().enumerate() {
        assert_eq!(guests.as_ref().map(Vec::len), Some(2), "pm{k}: {now:?}");
    }
    each_guest_runs_once(&hosts, &names);
    eprintln!("over NATS on libvirt: {succeeded} migrations, {wall:.1?} to the report, placement {now:?}");
}

#[test]
fn a_malformed_hosts_file_or_an_unreachable_hypervisor_is_a_located_error() {
    let dir = std::env::temp_dir();
    let bad = dir.join(format!("lcc-dc-hosts-{}-bad.toml", std::process::id()));
    std::fs::write(&bad, "rounds = 3\n[[host]]\nname = \"pm0\"\nurl = \"x\"\n").unwrap();
    let gone = dir.join(format!("lcc-dc-hosts-{}-gone.toml", std::process::id()));
    std::fs::write(
        &gone,
        "[[host]]\nname = \"pm0\"\nuri = \"qemu+unix:///session?socket=/nonexistent/lcc-sock\"\n",
    )
    .unwrap();
    for (file, expected) in [
        (&bad, ":4:1: unknown field `url`"),
        (&gone, ":1:1: host `pm0`: hypervisor"),
    ] {
        // The hosts are connected before the NATS server is: none is needed.
        let out = lcc()
            .args(["datacentre", "--nats", "nats://127.0.0.1:1", "--hosts"])
            .arg(file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.starts_with(&format!("error: {}", file.display())), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        std::fs::remove_file(file).unwrap();
    }
    // Simulator settings do not go with --hosts.
    let out = lcc()
        .args([
            "datacentre",
            "--nats",
            "nats://127.0.0.1:1",
            "--hosts",
            "h.toml",
            "--pms",
            "3",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
}
