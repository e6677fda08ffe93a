//! End-to-end test of `lcc lsp` through a real LSP client: headless Neovim runs
//! `lcc-lsp/tests/e2e/neovim.lua` against this build's `lcc` binary (which verifies
//! a model that deadlocks and a clean one on save). Neovim is a
//! test dependency (`scripts/install-deps.sh` installs it); without it this fails.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MODEL: &str = "\
// e2e: ≤ and 😀 before code
a(buyer, B) ::
  /* 😀 */ ask(Item) => a(seller, S) <- member(Item, [apple]) then
  offer(Item, P) <= a(seller, S)

a(seller, S) ::
  ask(Item) <= a(buyer, B) then
  offer(Item, 10) => a(buyer, B) )
";

#[test]
fn neovim_drives_lcc_lsp() {
    let nvim = Command::new("nvim").arg("--version").output();
    assert!(
        nvim.is_ok_and(|o| o.status.success()),
        "Neovim (`nvim`) is needed for the language server's end-to-end test: run scripts/install-deps.sh"
    );
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("lsp-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let workspace = scratch.join("workspace");
    std::fs::create_dir_all(&workspace).unwrap();
    let file = workspace.join("model.lcc");
    std::fs::write(&file, MODEL).unwrap();
    let out = scratch.join("report.json");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("lcc-lsp/tests/e2e/neovim.lua");

    let mut child = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .args(["-c", "cquit 9"])
        .env("LCC_BIN", env!("CARGO_BIN_EXE_lcc"))
        .env("LCC_E2E_FILE", &file)
        .env("LCC_E2E_OUT", &out)
        // Keep Neovim's state, logs and caches out of $HOME.
        .env("XDG_CONFIG_HOME", scratch.join("config"))
        .env("XDG_DATA_HOME", scratch.join("data"))
        .env("XDG_STATE_HOME", scratch.join("state"))
        .env("XDG_CACHE_HOME", scratch.join("cache"))
        .current_dir(&workspace)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start nvim");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("Neovim did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let report: serde_json::Value = std::fs::read_to_string(&out)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_else(|| panic!("no report from Neovim (exit {status})"));
    assert_eq!(report["failures"], serde_json::json!([]), "{report:#}");
    assert!(status.success(), "exit {status}: {report:#}");

    // What the client saw, in its own terms.
    assert_eq!(report["encoding"], "utf-16");
    assert_eq!(report["first_version"], 0, "diagnostics carry the buffer's version");
    assert!(report["first_codes"].as_array().unwrap().contains(&"E0105".into()));
    // `  /* 😀 */ ask(Item) => a(` is 28 bytes but 26 UTF-16 units.
    assert_eq!(
        report["seller_position"],
        serde_json::json!({ "line": 2, "character": 26 })
    );
    assert_eq!(report["fix_title"], "remove this `)`");
    let text = report["text_after_rename"].as_str().unwrap();
    assert!(
        text.contains("offer(Item, 10) => a(customer, B)") && !text.contains("B) )"),
        "{text}"
    );
    // Verify on save: the deadlock, on the asker's receive, walks through the
    // counterexample (asker sends, answerer receives and finishes, asker stuck).
    assert_eq!(report["deadlock_line"], 5, "{report:#}");
    let steps: Vec<(u64, String)> = report["deadlock_steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["line"].as_u64().unwrap(), s["message"].as_str().unwrap().to_string()))
        .collect();
    assert!(
        steps.iter().any(|(line, m)| *line == 4 && m.contains("sends question"))
            && steps
                .iter()
                .any(|(line, m)| *line == 8 && m.contains("receives question"))
            && steps.last().is_some_and(|(line, m)| *line == 5 && m.contains("stuck")),
        "{steps:#?}"
    );
    assert!(
        report["codes_after_clean_save"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| !c.as_str().unwrap_or("").starts_with('V')),
        "{report:#}"
    );
    let _ = std::fs::remove_dir_all(&scratch);
}
