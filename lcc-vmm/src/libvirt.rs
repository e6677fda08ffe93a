//! The libvirt backend: one hypervisor connection URI per PM, live migration
//! through libvirt, capacity and load from node and domain statistics, with an
//! optional nominal load in domain metadata.
//!
//! Migrations run on their own thread (libvirt's migration call blocks until
//! the migration ends) with their own connections; [`Datacentre::migration`]
//! polls it. Each migration gets its own free loopback port in its migration
//! URI (or the PM's fixed migration address and port). Powering a PM off or
//! suspending it runs the PM's configured power command (e.g. `ssh HOST
//! systemctl suspend`); after it the PM is reported off, is no longer queried,
//! and receives no VM. A PM without a power command is only marked off.

use crate::datacentre::{Datacentre, MigrationRecord, MigrationStatus, PmInfo, PowerState, VmInfo};
use crate::error::{Error, Result};
use crate::inventory::Inventory;
use crate::model::{MigrationId, Millis, PmId, Resources, VmId};
use std::collections::HashMap;
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use virt::connect::Connect;
use virt::domain::{Domain, MigrateParameters};
use virt::sys;

/// The XML namespace of the nominal load in a domain's `<metadata>`:
/// `<lcc:load xmlns:lcc="…" cpu="30" mem="32"/>` (CPU in percent of one core,
/// memory in MiB; either may be left out).
pub const METADATA_NS: &str = "https://lcc.invalid/ns/vmm/1";

/// How often a blocked caller polls running migrations.
const POLL: Millis = 200;

/// One PM: its name, connection URI and, optionally, its nominal capacity,
/// migration address and power command.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostConfig {
    /// The PM's name.
    pub name: String,
    /// The hypervisor's connection URI, e.g.
    /// `qemu+unix:///session?socket=/tmp/pm1/run/libvirt/libvirt-sock`.
    pub uri: String,
    /// What the PM offers; `None` reads it from the node (CPUs × 100, memory)
    /// when the backend is opened.
    pub capacity: Option<Resources>,
    /// The address other PMs send this PM's incoming migrations to (the host
    /// of the migration URI `tcp://ADDRESS:PORT`); `None`: the options'
    /// `listen_host`.
    pub migration_address: Option<String>,
    /// A fixed port for incoming migrations; `None`: a free port per migration
    /// (found on the local machine, so only for loopback test hosts and hosts
    /// where any port is open).
    pub migration_port: Option<u16>,
    /// The command (program and arguments) that powers the PM off or suspends
    /// it, run on this machine when the PM is released; `None`: the PM is
    /// only marked off.
    pub power_command: Option<Vec<String>>,
}

/// How migrations are made.
#[derive(Clone, Debug, PartialEq)]
pub struct MigrationOptions {
    /// `VIR_MIGRATE_LIVE`: keep the guest running during the migration.
    pub live: bool,
    /// `VIR_MIGRATE_PEER2PEER`: the source daemon drives the migration
    /// instead of this client.
    pub peer_to_peer: bool,
    /// Bandwidth cap in MiB/s (`None`: libvirt's default).
    pub bandwidth: Option<u64>,
    /// The address of the migration URI; each migration gets its own free port.
    pub listen_host: String,
}

impl Default for MigrationOptions {
    fn default() -> Self {
        MigrationOptions {
            live: true,
            peer_to_peer: false,
            bandwidth: None,
            listen_host: "127.0.0.1".to_string(),
        }
    }
}

impl MigrationOptions {
    /// The libvirt migration flags.
    pub fn flags(&self) -> u32 {
        let mut f = 0;
        if self.live {
            f |= sys::VIR_MIGRATE_LIVE;
        }
        if self.peer_to_peer {
            f |= sys::VIR_MIGRATE_PEER2PEER;
        }
        f
    }
}

struct Host {
    config: HostConfig,
    capacity: Resources,
    conn: Mutex<Option<Connect>>,
    power: PowerState,
}

struct Flight {
    record: MigrationRecord,
    thread: Option<JoinHandle<std::result::Result<(), String>>>,
}

/// Real hypervisors through libvirt.
pub struct LibvirtDatacentre {
    hosts: Vec<Host>,
    vms: Vec<String>,
    options: MigrationOptions,
    opened: Instant,
    flights: Vec<Flight>,
    cpu_samples: Mutex<HashMap<String, (Instant, u64)>>,
}

fn hv_error(uri: &str, action: &str, e: impl std::fmt::Display) -> Error {
    Error::Hypervisor {
        uri: uri.to_string(),
        action: action.to_string(),
        message: e.to_string(),
    }
}

/// Whether a libvirt error says the domain is gone (it left while we looked:
/// a migration ended between two calls).
fn vanished(e: &virt::error::Error) -> bool {
    use virt::enumutil::Enum::Known;
    use virt::error::ErrorNumber::{NoDomain, OperationInvalid};
    matches!(e.code(), Known(NoDomain) | Known(OperationInvalid))
}

/// How many times a query is retried when its domain moves under it.
const RETRIES: usize = 5;

fn open(uri: &str) -> Result<Connect> {
    Connect::open(Some(uri)).map_err(|e| hv_error(uri, "connect", e))
}

/// The value of attribute `name` in an XML element's text, if present.
fn attribute(xml: &str, name: &str) -> Option<f64> {
    let key = format!("{name}=");
    let at = xml.find(&key)? + key.len();
    let quote = xml[at..].chars().next()?;
    let rest = &xml[at + 1..];
    rest[..rest.find(quote)?].trim().parse().ok()
}

impl LibvirtDatacentre {
    /// Connects to every host and manages the domains named in `vms` (when
    /// empty: every domain active on the hosts now, in host order). Fails with
    /// the URI of any host that cannot be reached.
    pub fn open(hosts: Vec<HostConfig>, vms: Vec<String>, options: MigrationOptions) -> Result<Self> {
        virt::error::clear_error_callback();
        let mut opened = Vec::with_capacity(hosts.len());
        for config in hosts {
            let conn = open(&config.uri)?;
            let capacity = match config.capacity {
                Some(c) => c,
                None => {
                    let node = conn.node_info().map_err(|e| hv_error(&config.uri, "node info", e))?;
                    Resources::new(node.cpus as f64 * 100.0, node.memory as f64 / 1024.0)
                }
            };
            opened.push(Host {
                config,
                capacity,
                conn: Mutex::new(Some(conn)),
                power: PowerState::On,
            });
        }
        let mut dc = LibvirtDatacentre {
            hosts: opened,
            vms,
            options,
            opened: Instant::now(),
            flights: Vec::new(),
            cpu_samples: Mutex::new(HashMap::new()),
        };
        if dc.vms.is_empty() {
            for p in 0..dc.hosts.len() {
                dc.vms.extend(dc.active_names(PmId(p))?);
            }
        }
        Ok(dc)
    }

    /// The connection URI of `pm`.
    pub fn uri(&self, pm: PmId) -> Result<&str> {
        Ok(&self.host(pm)?.config.uri)
    }

    /// The domain name of `vm`.
    pub fn vm_name(&self, vm: VmId) -> Result<&str> {
        self.vms.get(vm.0).map(String::as_str).ok_or(Error::UnknownVm(vm))
    }

    fn host(&self, pm: PmId) -> Result<&Host> {
        self.hosts.get(pm.0).ok_or(Error::UnknownPm(pm))
    }

    /// A live connection to `pm`, reconnecting if the last one died.
    fn conn(&self, pm: PmId) -> Result<Connect> {
        let host = self.host(pm)?;
        let mut slot = host.conn.lock().expect("connection lock");
        if let Some(c) = slot.as_ref()
            && c.is_alive().unwrap_or(false)
        {
            return Ok(c.clone());
        }
        *slot = None;
        let c = open(&host.config.uri)?;
        *slot = Some(c.clone());
        Ok(c)
    }

    /// Whether `pm` is on (a PM off or suspended hosts nothing and is not asked).
    fn is_on(&self, pm: PmId) -> Result<bool> {
        Ok(self.host(pm)?.power == PowerState::On)
    }

    fn active_names(&self, pm: PmId) -> Result<Vec<String>> {
        if !self.is_on(pm)? {
            return Ok(Vec::new());
        }
        let uri = &self.host(pm)?.config.uri;
        let domains = self
            .conn(pm)?
            .list_all_domains(sys::VIR_CONNECT_LIST_DOMAINS_ACTIVE)
            .map_err(|e| hv_error(uri, "list domains", e))?;
        let mut names = Vec::with_capacity(domains.len());
        for d in &domains {
            match d.name() {
                Ok(name) => names.push(name),
                Err(e) if vanished(&e) => {}
                Err(e) => return Err(hv_error(uri, "domain name", e)),
            }
        }
        Ok(names)
    }

    /// The active domain `name` on `pm`, if there is one.
    fn active_domain(&self, pm: PmId, name: &str) -> Result<Option<Domain>> {
        if !self.is_on(pm)? {
            return Ok(None);
        }
        let uri = &self.host(pm)?.config.uri;
        let conn = self.conn(pm)?;
        match conn.lookup_domain_by_name(name) {
            Ok(d) => match d.is_active() {
                Ok(active) => Ok(active.then_some(d)),
                Err(e) if vanished(&e) => Ok(None),
                Err(e) => Err(hv_error(uri, "domain state", e)),
            },
            Err(e) if vanished(&e) => Ok(None),
            Err(e) => Err(hv_error(uri, &format!("look up {name}"), e)),
        }
    }

    fn running_flight(&self, vm: VmId) -> Option<&Flight> {
        self.flights
            .iter()
            .find(|f| f.record.vm == vm && f.record.status == MigrationStatus::Running)
    }

    /// Where `vm` runs: the source of its running migration, or the first PM
    /// on which it is active.
    fn locate(&self, vm: VmId) -> Result<(PmId, Domain)> {
        let name = self.vm_name(vm)?;
        let from = self.running_flight(vm).map(|f| f.record.from);
        let order: Vec<PmId> = from.into_iter().chain((0..self.hosts.len()).map(PmId)).collect();
        for pm in order {
            if let Some(d) = self.active_domain(pm, name)? {
                return Ok((pm, d));
            }
        }
        Err(Error::Refused(format!("{vm} ({name}) is active on no host")))
    }

    /// A domain's demand: the nominal load in its metadata when present, else
    /// CPU use measured since the previous query and its current memory.
    /// `None` when the domain left `pm` while being read.
    fn demand(&self, pm: PmId, domain: &Domain) -> Result<Option<Resources>> {
        let uri = &self.host(pm)?.config.uri;
        let info = match domain.info() {
            Ok(i) => i,
            Err(e) if vanished(&e) => return Ok(None),
            Err(e) => return Err(hv_error(uri, "domain info", e)),
        };
        let mut demand = Resources::new(0.0, info.memory as f64 / 1024.0);
        let kind = sys::VIR_DOMAIN_METADATA_ELEMENT as i32;
        let nominal = match domain.metadata(kind, Some(METADATA_NS), 0) {
            Ok(xml) => Some(xml),
            Err(e) if vanished(&e) => return Ok(None),
            Err(_) => None,
        };
        let nominal_cpu = nominal.as_deref().and_then(|x| attribute(x, "cpu"));
        if let Some(mem) = nominal.as_deref().and_then(|x| attribute(x, "mem")) {
            demand.mem = mem;
        }
        demand.cpu = match nominal_cpu {
            Some(cpu) => cpu,
            None => {
                let name = domain.name().map_err(|e| hv_error(uri, "domain name", e))?;
                let now = Instant::now();
                let mut samples = self.cpu_samples.lock().expect("sample lock");
                let previous = samples.insert(name, (now, info.cpu_time));
                match previous {
                    Some((t, cpu_time)) if now > t && info.cpu_time >= cpu_time => {
                        let wall = now.duration_since(t).as_nanos() as f64;
                        (info.cpu_time - cpu_time) as f64 / wall * 100.0
                    }
                    _ => 0.0,
                }
            }
        };
        Ok(Some(demand))
    }

    /// A VM's host and demand, located again if it moves while being read.
    fn info(&self, vm: VmId) -> Result<VmInfo> {
        for _ in 0..RETRIES {
            let (host, domain) = self.locate(vm)?;
            if let Some(demand) = self.demand(host, &domain)? {
                return Ok(VmInfo {
                    id: vm,
                    name: self.vm_name(vm)?.to_string(),
                    host,
                    demand,
                    migrating: self.running_flight(vm).map(|f| f.record.id),
                });
            }
        }
        Err(Error::Refused(format!(
            "{vm} ({}) kept moving while being read",
            self.vm_name(vm)?
        )))
    }

    fn now_ms(&self) -> Millis {
        self.opened.elapsed().as_millis() as Millis
    }

    /// Collects the migrations whose thread has ended.
    fn reap(&mut self) {
        let now = self.now_ms();
        for f in &mut self.flights {
            if f.thread.as_ref().is_some_and(|t| t.is_finished()) {
                let result = f
                    .thread
                    .take()
                    .expect("checked above")
                    .join()
                    .unwrap_or_else(|_| Err("migration thread panicked".to_string()));
                f.record.ended = Some(now);
                match result {
                    Ok(()) => {
                        f.record.status = MigrationStatus::Succeeded;
                        f.record.source_free = Some(now);
                    }
                    Err(why) => f.record.status = MigrationStatus::Failed(why),
                }
            }
        }
    }
}

/// Runs a PM's power command; an error names the PM's URI, the command and
/// its output when it cannot run or exits with a failure.
fn run_power_command(uri: &str, command: &[String]) -> Result<()> {
    let action = format!("power command `{}`", command.join(" "));
    let (program, args) = command
        .split_first()
        .ok_or_else(|| hv_error(uri, &action, "the command is empty"))?;
    let output = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| hv_error(uri, &action, e))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(hv_error(uri, &action, format!("{}: {}", output.status, stderr.trim())))
    }
}

/// Picks a free TCP port on `host` for one migration's data stream.
fn free_port(host: &str) -> Result<u16> {
    std::net::TcpListener::bind((host, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Error::Config(format!("no free port on {host}: {e}")))
}

/// The body of a migration thread: its own connections, one blocking call.
fn migrate(
    name: String,
    source_uri: String,
    dest_uri: String,
    options: MigrationOptions,
    migration_uri: String,
) -> std::result::Result<(), String> {
    let src = open(&source_uri).map_err(|e| e.to_string())?;
    let domain = src
        .lookup_domain_by_name(&name)
        .map_err(|e| hv_error(&source_uri, &format!("look up {name}"), e).to_string())?;
    let params = MigrateParameters {
        uri: Some(migration_uri),
        bandwidth: options.bandwidth,
        ..MigrateParameters::default()
    };
    let action = format!("migrate {name} to {dest_uri}");
    if options.peer_to_peer {
        domain
            .migrate_to_uri3(Some(&dest_uri), params, options.flags())
            .map_err(|e| hv_error(&source_uri, &action, e).to_string())
    } else {
        let dest = open(&dest_uri).map_err(|e| e.to_string())?;
        domain
            .migrate3(&dest, params, options.flags())
            .map(|_| ())
            .map_err(|e| hv_error(&source_uri, &action, e).to_string())
    }
}

impl Datacentre for LibvirtDatacentre {
    fn now(&self) -> Millis {
        self.now_ms()
    }

    fn pm_count(&self) -> usize {
        self.hosts.len()
    }

    fn vm_count(&self) -> usize {
        self.vms.len()
    }

    fn pm(&self, pm: PmId) -> Result<PmInfo> {
        let host = self.host(pm)?;
        Ok(PmInfo {
            name: host.config.name.clone(),
            capacity: host.capacity,
            power: host.power,
        })
    }

    fn vm(&self, vm: VmId) -> Result<VmInfo> {
        self.info(vm)
    }

    fn vms_on(&self, pm: PmId) -> Result<Vec<VmInfo>> {
        let mut out = Vec::new();
        for v in 0..self.vms.len() {
            let info = self.info(VmId(v))?;
            if info.host == pm {
                out.push(info);
            }
        }
        Ok(out)
    }

    fn used(&self, pm: PmId) -> Result<Resources> {
        let mut used = Resources::ZERO;
        for (v, name) in self.vms.iter().enumerate() {
            let incoming = self.running_flight(VmId(v)).is_some_and(|f| f.record.to == pm);
            let here = match self.active_domain(pm, name)? {
                Some(d) => self.demand(pm, &d)?,
                None => None,
            };
            match here {
                Some(demand) => used += demand,
                None if incoming => used += self.info(VmId(v))?.demand,
                None => {}
            }
        }
        Ok(used)
    }

    fn leaving(&self, pm: PmId) -> Result<Resources> {
        let mut leaving = Resources::ZERO;
        for f in &self.flights {
            if f.record.from == pm && f.record.status == MigrationStatus::Running {
                let here = match self.active_domain(pm, self.vm_name(f.record.vm)?)? {
                    Some(d) => self.demand(pm, &d)?,
                    None => None,
                };
                leaving += here.unwrap_or(Resources::ZERO);
            }
        }
        Ok(leaving)
    }

    fn start_migration(&mut self, vm: VmId, to: PmId) -> Result<MigrationId> {
        self.reap();
        let dest = self.host(to)?;
        if dest.power != PowerState::On {
            return Err(Error::Refused(format!("{to} is not on")));
        }
        if let Some(f) = self.running_flight(vm) {
            return Err(Error::Refused(format!("{vm} is already moving ({})", f.record.id)));
        }
        let (from, _) = self.locate(vm)?;
        if from == to {
            return Err(Error::Refused(format!("{vm} already runs on {to}")));
        }
        let dest = &self.host(to)?.config;
        let address = dest.migration_address.as_deref().unwrap_or(&self.options.listen_host);
        let port = match dest.migration_port {
            Some(port) => port,
            None => free_port(address)?,
        };
        let migration_uri = format!("tcp://{address}:{port}");
        let name = self.vm_name(vm)?.to_string();
        let (src_uri, dest_uri) = (self.uri(from)?.to_string(), self.uri(to)?.to_string());
        let options = self.options.clone();
        let thread = std::thread::Builder::new()
            .name(format!("migrate-{name}"))
            .spawn(move || migrate(name, src_uri, dest_uri, options, migration_uri))
            .map_err(|e| Error::Config(format!("cannot start a migration thread: {e}")))?;
        let id = MigrationId(self.flights.len() as u64);
        self.flights.push(Flight {
            record: MigrationRecord {
                id,
                vm,
                from,
                to,
                started: self.now_ms(),
                ended: None,
                source_free: None,
                status: MigrationStatus::Running,
            },
            thread: Some(thread),
        });
        Ok(id)
    }

    fn migration(&mut self, id: MigrationId) -> Result<MigrationRecord> {
        self.reap();
        self.flights
            .get(id.0 as usize)
            .map(|f| f.record.clone())
            .ok_or(Error::UnknownMigration(id))
    }

    fn migrations(&mut self) -> Result<Vec<MigrationRecord>> {
        self.reap();
        Ok(self.flights.iter().map(|f| f.record.clone()).collect())
    }

    fn set_power(&mut self, pm: PmId, state: PowerState) -> Result<()> {
        self.reap();
        if state != PowerState::On {
            let receiving = self
                .flights
                .iter()
                .any(|f| f.record.to == pm && f.record.status == MigrationStatus::Running);
            if receiving || !self.active_names(pm)?.is_empty() {
                return Err(Error::Refused(format!("{pm} hosts or receives a VM")));
            }
            if self.is_on(pm)?
                && let Some(command) = &self.host(pm)?.config.power_command
            {
                run_power_command(&self.host(pm)?.config.uri, command)?;
            }
        } else if !self.is_on(pm)? {
            // Powered on again by the operator: it must answer before it is used.
            let host = self.host(pm)?;
            *host.conn.lock().expect("connection lock") = Some(open(&host.config.uri)?);
        }
        let host = self.hosts.get_mut(pm.0).ok_or(Error::UnknownPm(pm))?;
        if state != PowerState::On {
            *host.conn.lock().expect("connection lock") = None;
        }
        host.power = state;
        Ok(())
    }

    fn advance_to(&mut self, t: Millis) -> Result<()> {
        let now = self.now_ms();
        if t > now {
            std::thread::sleep(Duration::from_millis(t - now));
        }
        self.reap();
        Ok(())
    }

    fn next_event(&self) -> Option<Millis> {
        self.flights
            .iter()
            .any(|f| f.thread.is_some())
            .then(|| self.now_ms() + POLL)
    }

    fn inventory(&self) -> Result<Inventory> {
        let mut inventory = Inventory {
            active_on: vec![Vec::new(); self.vms.len()],
            strangers: Vec::new(),
        };
        let index: HashMap<&str, usize> = self.vms.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
        for p in 0..self.hosts.len() {
            for name in self.active_names(PmId(p))? {
                match index.get(name.as_str()) {
                    Some(&v) => inventory.active_on[v].push(PmId(p)),
                    None => inventory.strangers.push((PmId(p), name)),
                }
            }
        }
        Ok(inventory)
    }
}

impl Drop for LibvirtDatacentre {
    /// Waits for the migrations still running: a VM is never left half-moved
    /// because the process that started its migration went away.
    fn drop(&mut self) {
        for f in &mut self.flights {
            if let Some(thread) = f.thread.take() {
                let _ = thread.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_attributes_are_read_with_either_quote() {
        let xml = r#"<lcc:load xmlns:lcc="https://lcc.invalid/ns/vmm/1" cpu="30" mem='48'/>"#;
        assert_eq!(attribute(xml, "cpu"), Some(30.0));
        assert_eq!(attribute(xml, "mem"), Some(48.0));
        assert_eq!(attribute(xml, "disk"), None);
    }

    #[test]
    fn flags_follow_the_options() {
        let o = MigrationOptions::default();
        assert_eq!(o.flags(), sys::VIR_MIGRATE_LIVE);
        let p2p = MigrationOptions {
            peer_to_peer: true,
            live: false,
            ..o
        };
        assert_eq!(p2p.flags(), sys::VIR_MIGRATE_PEER2PEER);
    }
}
