//! The hosts file of a run against real hosts (`lcc run POLICY --vmm libvirt
//! --hosts hosts.toml`): one libvirt URI per PM and the settings of the run.
//! The format is documented in `docs/vmm-hosts.md`; every error names the
//! file, line and column it is about.

use crate::constraints::{ConstraintConfig, VmmConstraints};
use crate::datacentre::{Datacentre, PowerState};
use crate::error::{Error, Result};
use crate::libvirt::{HostConfig, LibvirtDatacentre, MigrationOptions};
use crate::model::{Resources, VmId};
use crate::strategy::VmChoice;
use crate::thresholds::{Level, Thresholds};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// A parsed hosts file, not yet connected.
#[derive(Debug)]
pub struct HostsFile {
    path: PathBuf,
    text: String,
    raw: Raw,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default = "default_interval")]
    monitoring_interval_ms: u64,
    #[serde(default = "default_rounds")]
    rounds: u64,
    max_migrations_per_round: Option<usize>,
    #[serde(default = "default_hysteresis")]
    hysteresis_rounds: u64,
    #[serde(default = "default_timeout")]
    negotiation_timeout_ms: u64,
    #[serde(default)]
    release: Release,
    #[serde(default)]
    strategy: Strategy,
    #[serde(default)]
    pinned: Vec<Spanned<String>>,
    #[serde(default)]
    vms: Vec<String>,
    #[serde(default)]
    thresholds: RawThresholds,
    #[serde(default)]
    migration: RawMigration,
    host: Spanned<Vec<Spanned<RawHost>>>,
}

fn default_interval() -> u64 {
    10_000
}
fn default_rounds() -> u64 {
    100
}
fn default_hysteresis() -> u64 {
    3
}
fn default_timeout() -> u64 {
    60_000
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Release {
    #[default]
    Off,
    Suspend,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Strategy {
    #[default]
    BestBalance,
    Smallest,
    Largest,
}

/// A threshold: a number is a percentage of the cluster's average load
/// (`120`), a table `{ absolute = 50 }` a load in percent of the PM's capacity.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(untagged)]
enum RawLevel {
    OfAverage(f64),
    Absolute { absolute: f64 },
}

impl RawLevel {
    fn level(self) -> Level {
        match self {
            RawLevel::OfAverage(p) => Level::OfAverage(p / 100.0),
            RawLevel::Absolute { absolute } => Level::Absolute(absolute),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThresholds {
    #[serde(default = "overload")]
    overload: RawLevel,
    #[serde(default = "underload")]
    underload: RawLevel,
    accept_limit: Option<RawLevel>,
    #[serde(default = "consolidation")]
    consolidation: f64,
    #[serde(default = "full")]
    full: f64,
}

fn overload() -> RawLevel {
    RawLevel::OfAverage(120.0)
}
fn underload() -> RawLevel {
    RawLevel::OfAverage(80.0)
}
fn consolidation() -> f64 {
    50.0
}
fn full() -> f64 {
    100.0
}

impl Default for RawThresholds {
    fn default() -> Self {
        RawThresholds {
            overload: overload(),
            underload: underload(),
            accept_limit: None,
            consolidation: consolidation(),
            full: full(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMigration {
    #[serde(default = "yes")]
    live: bool,
    #[serde(default)]
    peer_to_peer: bool,
    bandwidth_mib_s: Option<u64>,
    #[serde(default = "loopback")]
    listen_host: String,
}

fn yes() -> bool {
    true
}
fn loopback() -> String {
    "127.0.0.1".to_string()
}

impl Default for RawMigration {
    fn default() -> Self {
        RawMigration {
            live: true,
            peer_to_peer: false,
            bandwidth_mib_s: None,
            listen_host: loopback(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHost {
    name: String,
    uri: String,
    cpu: Option<f64>,
    mem_mib: Option<f64>,
    migration_address: Option<String>,
    migration_port: Option<u16>,
    power_command: Option<Vec<String>>,
}

/// The settings of a run against real hosts, read from a hosts file.
pub struct RunSettings {
    /// The constraints over the connected hosts.
    pub constraints: VmmConstraints<LibvirtDatacentre>,
    /// How many monitoring intervals to run.
    pub rounds: u64,
}

impl HostsFile {
    /// Reads and parses `path`; a syntax error or a bad value names its line
    /// and column.
    pub fn read(path: &Path) -> Result<HostsFile> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read `{}`: {e}", path.display())))?;
        HostsFile::parse(path, text)
    }

    /// Parses `text`, read from `path`.
    pub fn parse(path: &Path, text: String) -> Result<HostsFile> {
        let raw: Raw = toml::from_str(&text).map_err(|e| {
            let at = e.span().map(|s| location(&text, s)).unwrap_or_default();
            Error::Config(format!("{}{at}: {}", path.display(), e.message().trim_end()))
        })?;
        let file = HostsFile {
            path: path.to_path_buf(),
            text,
            raw,
        };
        file.validate()?;
        Ok(file)
    }

    fn error(&self, span: Range<usize>, message: impl std::fmt::Display) -> Error {
        Error::Config(format!(
            "{}{}: {message}",
            self.path.display(),
            location(&self.text, span)
        ))
    }

    fn validate(&self) -> Result<()> {
        let hosts = &self.raw.host;
        if hosts.get_ref().is_empty() {
            return Err(self.error(hosts.span(), "at least one [[host]] is needed"));
        }
        let mut names = BTreeSet::new();
        for h in hosts.get_ref() {
            let host = h.get_ref();
            if !names.insert(host.name.as_str()) {
                return Err(self.error(h.span(), format!("host `{}` is listed twice", host.name)));
            }
            if host.cpu.is_some() != host.mem_mib.is_some() {
                return Err(self.error(h.span(), "give both `cpu` and `mem_mib`, or neither"));
            }
            if host.power_command.as_ref().is_some_and(Vec::is_empty) {
                return Err(self.error(h.span(), "`power_command` is empty"));
            }
        }
        if self.raw.monitoring_interval_ms == 0 {
            return Err(self.error(0..0, "`monitoring_interval_ms` must be positive"));
        }
        Ok(())
    }

    /// A backend error, located at the `[[host]]` entry whose URI it names.
    fn host_error(&self, e: Error) -> Error {
        let entry = match &e {
            Error::Hypervisor { uri, .. } => self.raw.host.get_ref().iter().find(|h| &h.get_ref().uri == uri),
            _ => None,
        };
        match entry {
            Some(h) => self.error(h.span(), format!("host `{}`: {e}", h.get_ref().name)),
            None => Error::Config(format!("{}: {e}", self.path.display())),
        }
    }

    /// Connects to every host and returns the constraints of the run. An
    /// unreachable host is an error naming the `[[host]]` entry's line, its
    /// URI and libvirt's message; a pinned VM that no host runs is one too.
    pub fn connect(&self, dry_run: bool) -> Result<RunSettings> {
        let raw = &self.raw;
        let mut configs = Vec::new();
        for h in raw.host.get_ref() {
            let host = h.get_ref();
            let config = HostConfig {
                name: host.name.clone(),
                uri: host.uri.clone(),
                capacity: host.cpu.zip(host.mem_mib).map(|(cpu, mem)| Resources::new(cpu, mem)),
                migration_address: host.migration_address.clone(),
                migration_port: host.migration_port,
                power_command: host.power_command.clone(),
            };
            configs.push(config);
        }
        let options = MigrationOptions {
            live: raw.migration.live,
            peer_to_peer: raw.migration.peer_to_peer,
            bandwidth: raw.migration.bandwidth_mib_s,
            listen_host: raw.migration.listen_host.clone(),
        };
        let dc = LibvirtDatacentre::open(configs, raw.vms.clone(), options).map_err(|e| self.host_error(e))?;
        let mut pinned = BTreeSet::new();
        for name in &raw.pinned {
            let vm = (0..dc.vm_count())
                .map(VmId)
                .find(|&v| dc.vm_name(v).is_ok_and(|n| n == name.get_ref()))
                .ok_or_else(|| self.error(name.span(), format!("pinned VM `{}` runs on no host", name.get_ref())))?;
            pinned.insert(vm);
        }
        let t = &raw.thresholds;
        let thresholds = Thresholds {
            overload: t.overload.level(),
            underload: t.underload.level(),
            accept_limit: t.accept_limit.unwrap_or(t.overload).level(),
            consolidation: Level::Absolute(t.consolidation),
            full: Level::Absolute(t.full),
        };
        let config = ConstraintConfig {
            thresholds,
            monitoring_interval: raw.monitoring_interval_ms,
            strategy: match raw.strategy {
                Strategy::BestBalance => VmChoice::BestBalance,
                Strategy::Smallest => VmChoice::Smallest,
                Strategy::Largest => VmChoice::Largest,
            },
            negotiation_timeout: raw.negotiation_timeout_ms,
            release_to: match raw.release {
                Release::Off => PowerState::Off,
                Release::Suspend => PowerState::Suspended,
            },
            pinned,
            max_migrations_per_round: raw.max_migrations_per_round,
            dry_run,
            hysteresis_rounds: raw.hysteresis_rounds,
        };
        Ok(RunSettings {
            constraints: VmmConstraints::new(dc, config),
            rounds: raw.rounds,
        })
    }
}

/// `:LINE:COLUMN` of byte offset `span.start` in `text` (1-based).
fn location(text: &str, span: Range<usize>) -> String {
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!(":{line}:{column}")
}
