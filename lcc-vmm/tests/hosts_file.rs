//! The hosts file of `lcc run --vmm libvirt`: the documented example parses,
//! and every bad input is an error naming its file, line and column.

use lcc_vmm::error::Error;
use lcc_vmm::hosts_file::HostsFile;
use std::path::Path;

fn parse(text: &str) -> Result<HostsFile, String> {
    HostsFile::parse(Path::new("hosts.toml"), text.to_string()).map_err(|e| e.to_string())
}

/// The `toml` block of docs/vmm-hosts.md.
fn documented_example() -> String {
    let doc = std::fs::read_to_string(format!("{}/../docs/vmm-hosts.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let start = doc.find("```toml\n").unwrap() + "```toml\n".len();
    doc[start..start + doc[start..].find("```").unwrap()].to_string()
}

#[test]
fn the_documented_example_parses() {
    parse(&documented_example()).unwrap();
}

#[test]
fn syntax_errors_unknown_keys_and_bad_values_name_their_line_and_column() {
    let cases = [
        ("[[host]]\nname = \"pm0\"\nuri = \n", "hosts.toml:3:"),
        (
            "rounds = 5\n[[host]]\nname = \"pm0\"\nuri = \"test:///default\"\ncolour = 3\n",
            "hosts.toml:5:1",
        ),
        (
            "max_migrations_per_round = -1\n[[host]]\nname = \"a\"\nuri = \"x\"\n",
            "hosts.toml:1:",
        ),
        (
            "release = \"reboot\"\n[[host]]\nname = \"a\"\nuri = \"x\"\n",
            "hosts.toml:1:",
        ),
        ("rounds = 5\n", "missing field `host`"),
        (
            "[[host]]\nname = \"a\"\nuri = \"x\"\n\n[[host]]\nname = \"a\"\nuri = \"y\"\n",
            "hosts.toml:5:1: host `a` is listed twice",
        ),
        (
            "[[host]]\nname = \"a\"\nuri = \"x\"\ncpu = 100\n",
            "hosts.toml:1:1: give both `cpu` and `mem_mib`",
        ),
        (
            "[[host]]\nname = \"a\"\nuri = \"x\"\npower_command = []\n",
            "`power_command` is empty",
        ),
    ];
    for (text, expected) in cases {
        let e = parse(text).expect_err(text);
        assert!(e.contains(expected), "{text:?}: {e}");
    }
}

#[test]
fn an_unreachable_hypervisor_names_its_host_entry_and_uri() {
    let text = "rounds = 1\n\n[[host]]\nname = \"gone\"\nuri = \"qemu+unix:///session?socket=/nonexistent/lcc/sock\"\n";
    let file = parse(text).unwrap();
    match file.connect(false) {
        Err(Error::Config(message)) => {
            assert!(message.starts_with("hosts.toml:3:1: host `gone`: hypervisor qemu+unix:///session?socket=/nonexistent/lcc/sock: connect:"), "{message}");
        }
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("connected to nothing"),
    }
}

#[test]
fn a_pinned_vm_no_host_runs_is_located() {
    let text = "pinned = [\"nosuch\"]\n[[host]]\nname = \"pm0\"\nuri = \"test:///default\"\n";
    let e = parse(text).unwrap().connect(false).err().expect("refused").to_string();
    assert!(e.contains("hosts.toml:1:11: pinned VM `nosuch` runs on no host"), "{e}");
}
