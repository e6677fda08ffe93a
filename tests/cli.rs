//! The `lcc` command as users run it: exit statuses, output formats, and the
//! stdlib policies and examples in the states the README promises.

use std::path::Path;
use std::process::{Command, Output};

fn lcc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lcc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the lcc binary runs")
}

fn status(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn version_and_help() {
    let out = lcc(&["--version"]);
    assert_eq!(status(&out), 0);
    assert!(text(&out.stdout).starts_with("lcc "));
    let out = lcc(&["--help"]);
    assert_eq!(status(&out), 0);
    assert!(text(&out.stdout).contains("Examples:"));
    for command in ["check", "fmt", "run", "verify"] {
        assert_eq!(status(&lcc(&[command, "--help"])), 0, "{command} --help");
    }
}

#[test]
fn usage_and_io_errors_exit_2() {
    assert_eq!(status(&lcc(&["check"])), 2);
    assert_eq!(status(&lcc(&["nosuchcommand"])), 2);
    let out = lcc(&["check", "no/such/file.lcc"]);
    assert_eq!(status(&out), 2);
    assert!(text(&out.stderr).contains("error: cannot read `no/such/file.lcc`"));
    assert_eq!(status(&lcc(&["check", "--format", "xml", "stdlib/vmm"])), 2);
}

#[test]
fn the_corrected_policies_and_examples_check_clean() {
    let out = lcc(&["check", "stdlib/vmm", "stdlib/examples", "stdlib/builtins.lcc"]);
    assert_eq!(status(&out), 0, "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains(": 0 errors, 0 warnings"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_published_consolidation_policy_has_errors_with_locations() {
    let out = lcc(&["check", "--color", "never", "stdlib/seeds/consolidation-published.lcc"]);
    assert_eq!(status(&out), 1);
    let report = text(&out.stdout);
    assert!(
        report.contains("[E0105] Error: this `)` has no matching `(` (stdlib/seeds/consolidation-published.lcc:14:3)")
    );
    assert!(report.contains("[E0201] Error: undefined role `overloaded`"));
    assert!(report.contains("replace `overloaded` with `notFullyLoaded`"));
}

#[test]
fn json_output_has_one_object_per_diagnostic() {
    let out = lcc(&["check", "--format", "json", "stdlib/seeds/consolidation-published.lcc"]);
    assert_eq!(status(&out), 1);
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert!(lines.len() >= 5);
    for d in &lines {
        for key in ["file", "line", "column", "span", "code", "severity", "message", "fixes"] {
            assert!(d.get(key).is_some(), "missing {key} in {d}");
        }
    }
    let unmatched = lines.iter().find(|d| d["code"] == "E0105").unwrap();
    assert_eq!(
        (unmatched["line"].as_u64(), unmatched["column"].as_u64()),
        (Some(14), Some(3))
    );
    assert_eq!(unmatched["severity"], "error");
}

#[test]
fn warnings_alone_exit_0() {
    let out = lcc(&["check", "stdlib/seeds/load-balancing-published.lcc"]);
    assert_eq!(status(&out), 0);
    assert!(text(&out.stdout).contains("[W0207]"));
}

#[test]
fn the_stdlib_is_formatted() {
    let out = lcc(&["fmt", "--check", "stdlib/vmm", "stdlib/examples", "stdlib/builtins.lcc"]);
    assert_eq!(status(&out), 0, "{}", text(&out.stdout));
}

#[test]
fn fmt_rewrites_and_then_checks_clean() {
    let dir = std::env::temp_dir().join(format!("lcc-cli-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("policy.lcc");
    std::fs::write(&file, "a(r,X)::null<-p(X)   then   a(r,X) // again").unwrap();
    let path = file.to_str().unwrap();
    assert_eq!(status(&lcc(&["fmt", "--check", path])), 1);
    assert_eq!(status(&lcc(&["fmt", path])), 0);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "a(r, X) ::\n  null <- p(X) then\n  a(r, X) // again\n"
    );
    assert_eq!(status(&lcc(&["fmt", "--check", path])), 0);
    std::fs::write(&file, "a(r, X) :: (null").unwrap();
    assert_eq!(
        status(&lcc(&["fmt", path])),
        1,
        "syntax errors are reported, the file untouched"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "a(r, X) :: (null");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn run_finishes_or_reports_who_waits() {
    let out = lcc(&[
        "run",
        "stdlib/examples/greeter.lcc",
        "--facts",
        "stdlib/facts/greeter.pl",
    ]);
    assert_eq!(status(&out), 0, "{}{}", text(&out.stdout), text(&out.stderr));
    let out = lcc(&[
        "run",
        "stdlib/seeds/load-balancing-published.lcc",
        "--peers",
        "idle=pm1,pm2",
        "--facts",
        "stdlib/facts/load-balancing.pl",
    ]);
    assert_eq!(
        status(&out),
        1,
        "the published policy gets stuck: {}",
        text(&out.stdout)
    );
    assert_eq!(status(&lcc(&["run", "stdlib/seeds/consolidation-published.lcc"])), 2);
    assert!(Path::new("stdlib/facts/greeter.pl").exists());
}
