//! Real libvirt hosts on this machine for end-to-end tests, after
//! `shared/docs/libvirt-test-hosts.md`: one libvirt *session* daemon per PM,
//! run by the unprivileged `lcchost` user with its own XDG folders and
//! `host_uuid`, and tiny diskless QEMU guests. Needs root (to `su lcchost`)
//! and the packages of `scripts/install-deps.sh`.
//!
//! [`TestHosts`] is a guard: when dropped, even by a failing test, it destroys
//! the guests and ends every daemon and leftover QEMU process by the PID in
//! its PID file, then removes the folders.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use virt::connect::Connect;

/// The user that runs the daemons (created by `scripts/install-deps.sh`).
const USER: &str = "lcchost";

/// A set of libvirt session daemons, one per PM.
pub struct TestHosts {
    root: PathBuf,
    dirs: Vec<PathBuf>,
}

fn sh(script: &str) -> std::process::Output {
    Command::new("sh").args(["-c", script]).output().expect("sh runs")
}

impl TestHosts {
    /// Starts `n` daemons under `/tmp/lcc-hosts-<pid>-<tag>/pm<k>` and waits
    /// until each accepts connections. Panics with the reason when the
    /// machine lacks what the recipe needs.
    pub fn start(tag: &str, n: usize) -> TestHosts {
        virt::error::clear_error_callback();
        assert!(
            sh("id -u").stdout.starts_with(b"0"),
            "the libvirt end-to-end tests run as root (to start daemons as {USER})"
        );
        assert!(
            sh(&format!(
                "id {USER} && command -v libvirtd && command -v qemu-system-x86_64"
            ))
            .status
            .success(),
            "missing user {USER}, libvirtd or QEMU: run scripts/install-deps.sh as root"
        );
        let root = PathBuf::from(format!("/tmp/lcc-hosts-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let hosts = TestHosts {
            dirs: (0..n).map(|k| root.join(format!("pm{k}"))).collect(),
            root,
        };
        for dir in &hosts.dirs {
            for sub in ["run", "config/libvirt", "cache", "data"] {
                std::fs::create_dir_all(dir.join(sub)).unwrap();
            }
            let uuid = std::fs::read_to_string("/proc/sys/kernel/random/uuid").unwrap();
            std::fs::write(
                dir.join("config/libvirt/libvirtd.conf"),
                format!("host_uuid = \"{}\"\n", uuid.trim()),
            )
            .unwrap();
        }
        let chown = sh(&format!(
            "chmod 755 {0} && chmod 700 {0}/pm*/run && chown -R {USER} {0}",
            hosts.root.display()
        ));
        assert!(chown.status.success(), "{chown:?}");
        for k in 0..n {
            hosts.launch(k);
        }
        for k in 0..n {
            hosts.wait_ready(k);
        }
        hosts
    }

    /// The connection URI of PM `k`.
    pub fn uri(&self, k: usize) -> String {
        format!(
            "qemu+unix:///session?socket={}",
            self.dirs[k].join("run/libvirt/libvirt-sock").display()
        )
    }

    /// The PID file of PM `k`'s daemon.
    pub fn pid_file(&self, k: usize) -> PathBuf {
        self.dirs[k].join("run/libvirt/libvirtd.pid")
    }

    fn launch(&self, k: usize) {
        let d = self.dirs[k].display();
        let started = sh(&format!(
            "su {USER} -c 'cd {d} && XDG_RUNTIME_DIR={d}/run XDG_CONFIG_HOME={d}/config \
             XDG_CACHE_HOME={d}/cache XDG_DATA_HOME={d}/data \
             setsid libvirtd --timeout 600 >>{d}/log 2>&1 &'"
        ));
        assert!(started.status.success(), "{started:?}");
    }

    fn wait_ready(&self, k: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let uri = self.uri(k);
        loop {
            if self.pid_file(k).exists() && Connect::open(Some(&uri)).is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "daemon {k} did not start; log: {}",
                std::fs::read_to_string(self.dirs[k].join("log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Kills PM `k`'s daemon (SIGKILL, by the PID in its PID file) and waits
    /// until it is gone.
    pub fn kill(&self, k: usize) {
        let pid = read_pid(&self.pid_file(k)).expect("the daemon wrote its PID file");
        kill_pid(pid);
    }

    /// Starts PM `k`'s daemon again on the same folders and waits for it.
    pub fn restart(&self, k: usize) {
        self.launch(k);
        self.wait_ready(k);
    }

    /// Creates a tiny diskless guest on PM `k` with a nominal CPU load in its
    /// metadata; paused after start when `paused` (it still migrates).
    pub fn create_guest(&self, k: usize, name: &str, cpu_load: f64, paused: bool) {
        let conn = Connect::open(Some(&self.uri(k))).unwrap();
        let xml = format!(
            "<domain type='qemu'><name>{name}</name><memory unit='MiB'>32</memory>\
             <vcpu>1</vcpu>\
             <metadata><lcc:load xmlns:lcc='{ns}' cpu='{cpu_load}'/></metadata>\
             <os><type arch='x86_64' machine='pc'>hvm</type></os>\
             <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>\
             <video><model type='none'/></video><memballoon model='none'/></devices>\
             </domain>",
            ns = lcc_vmm::libvirt::METADATA_NS
        );
        let domain = conn
            .create_domain_xml(&xml, 0)
            .unwrap_or_else(|e| panic!("create {name} on pm{k}: {e}"));
        if paused {
            domain.suspend().unwrap();
        }
    }
}

/// How many QEMU processes run the guest `name` on this machine.
pub fn qemu_processes(name: &str) -> usize {
    let needle = format!("guest={name},");
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .filter(|cmd| {
            let cmd = String::from_utf8_lossy(cmd).replace('\0', " ");
            cmd.contains("qemu-system") && cmd.contains(&needle)
        })
        .count()
}

fn read_pid(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

fn kill_pid(pid: u32) {
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Drop for TestHosts {
    fn drop(&mut self) {
        for k in 0..self.dirs.len() {
            if let Ok(conn) = Connect::open(Some(&self.uri(k))) {
                for d in conn.list_all_domains(0).unwrap_or_default() {
                    let _ = d.destroy();
                }
            }
            if let Some(pid) = read_pid(&self.pid_file(k)) {
                kill_pid(pid);
            }
            // QEMU processes a killed daemon left behind, by their PID files.
            let qemu_run = self.dirs[k].join("run/libvirt/qemu");
            for entry in std::fs::read_dir(qemu_run).into_iter().flatten().flatten() {
                if entry.path().extension().is_some_and(|e| e == "pid")
                    && let Some(pid) = read_pid(&entry.path())
                {
                    kill_pid(pid);
                }
            }
        }
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
