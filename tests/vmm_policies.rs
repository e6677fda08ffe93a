//! The VM-initiated policy of the MLN seed in LCC (`stdlib/vmm/vm-initiated.lcc`):
//! it checks clean, and with the seed's times the VM moves exactly when more
//! than 3 jobs wait.

use std::process::{Command, Output};

fn lcc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lcc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run lcc")
}

#[test]
fn the_vm_initiated_policy_checks_clean() {
    let out = lcc(&["check", "stdlib/vmm/vm-initiated.lcc"]);
    assert_eq!(out.status.code(), Some(0));
    let report = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("0 errors, 0 warnings"), "{report}");
}

/// Runs the policy with `jobs` waiting; whether the VM moved.
fn moves_with(jobs: u32) -> bool {
    let facts = std::fs::read_to_string(format!("{}/stdlib/vmm/vm-initiated.pl", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .replace("queueLength(vm1, 4).", &format!("queueLength(vm1, {jobs})."));
    let path = std::env::temp_dir().join(format!("lcc-vm-initiated-{}-{jobs}.pl", std::process::id()));
    std::fs::write(&path, facts).unwrap();
    let out = lcc(&[
        "run",
        "stdlib/vmm/vm-initiated.lcc",
        "--facts",
        &path.display().to_string(),
    ]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let trace = String::from_utf8(out.stdout).unwrap();
    let moved = trace.contains("moveTo(site1) succeeded");
    assert_eq!(moved, trace.contains("sends moving"), "{trace}");
    assert_eq!(!moved, trace.contains("sends staying"), "{trace}");
    moved
}

#[test]
fn the_vm_moves_exactly_when_more_than_3_jobs_wait() {
    for jobs in 0..=6 {
        assert_eq!(moves_with(jobs), jobs > 3, "{jobs} jobs");
    }
}
