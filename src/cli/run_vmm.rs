//! `lcc run POLICY --vmm libvirt --hosts hosts.toml`: run an LCC VM-management
//! policy through the interpreter against real hypervisors, one peer per PM
//! listed in the hosts file, with the constraints of lcc-vmm acting on libvirt.
//! Every decision to migrate is printed with the constraint answers behind it;
//! `--dry-run` decides and prints but moves nothing.

use std::io::Write;
use std::path::Path;

use lcc_eval::RunEnd;
use lcc_vmm::constraints::VmmConstraints;
use lcc_vmm::driver::RunConfig;
use lcc_vmm::error::Error;
use lcc_vmm::hosts_file::HostsFile;
use lcc_vmm::interpreted::run_policy;
use lcc_vmm::inventory::check_invariant;
use lcc_vmm::libvirt::LibvirtDatacentre;

use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

/// What `lcc run --vmm libvirt` needs besides the model.
pub struct VmmRun<'a> {
    /// The policy file.
    pub policy: &'a Path,
    /// The hosts file.
    pub hosts: &'a Path,
    /// Decide and print, but start no migration.
    pub dry_run: bool,
    /// Monitoring rounds (default: the hosts file's).
    pub rounds: Option<u64>,
    /// Seed of the scheduling order and the random picks of partners.
    pub seed: u64,
}

fn usage_error(message: &str) -> u8 {
    eprintln!("error: {message}");
    EXIT_USAGE
}

/// Prints the decisions taken since the last call (`printed` of them were
/// printed before) and checks that no VM is lost or duplicated.
fn follow(c: &mut VmmConstraints<LibvirtDatacentre>, printed: &mut usize) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    for d in &c.journal()[*printed..] {
        let name = c.datacentre().vm_name(d.vm).unwrap_or("?");
        let secs = d.at as f64 / 1000.0;
        let line = match &d.outcome {
            Ok(id) => format!("[{secs:7.1}s] migrate {name} {} -> {} ({id}): {}", d.from, d.to, d.why),
            Err(why) if c.config().dry_run => {
                format!("[{secs:7.1}s] would migrate {name} {} -> {}: {}", d.from, d.to, d.why)
            }
            Err(why) => format!(
                "[{secs:7.1}s] not migrating {name} {} -> {}: {why}; {}",
                d.from, d.to, d.why
            ),
        };
        let _ = writeln!(out, "{line}");
    }
    *printed = c.journal().len();
    let violations = check_invariant(c.datacentre_mut())?;
    if violations.is_empty() {
        Ok(())
    } else {
        let list: Vec<String> = violations.iter().map(ToString::to_string).collect();
        Err(Error::Refused(format!(
            "inventory invariant broken: {}",
            list.join("; ")
        )))
    }
}

pub fn run(args: VmmRun<'_>) -> u8 {
    let loaded = match super::model_file::load(args.policy, false, "before running") {
        Ok(loaded) => loaded,
        Err(message) => return usage_error(&message),
    };
    let settings = match HostsFile::read(args.hosts).and_then(|f| f.connect(args.dry_run)) {
        Ok(settings) => settings,
        // The message starts with the hosts file's location.
        Err(Error::Config(message)) => return usage_error(&message),
        Err(e) => return usage_error(&e.to_string()),
    };
    let config = RunConfig {
        rounds: args.rounds.unwrap_or(settings.rounds),
        progress: true,
        ..RunConfig::default()
    };
    let mut printed = 0;
    let run = match run_policy(&loaded.model, settings.constraints, &config, args.seed, |c| {
        follow(c, &mut printed)
    }) {
        Ok(run) => run,
        Err(e) => return usage_error(&e.to_string()),
    };
    let mut summary = run.report.summary();
    if args.dry_run {
        summary += &format!(
            "dry run: {} migrations decided, none started\n",
            run.report.decisions.len()
        );
    }
    if std::io::stdout().lock().write_all(summary.as_bytes()).is_err() {
        return EXIT_USAGE;
    }
    match run.end {
        RunEnd::Stuck(report) if !run.reached_horizon => {
            eprint!("{}", report.render(&loaded.sources));
            eprintln!("the peers were stuck before the last round ({} steps)", run.steps);
            EXIT_FINDINGS
        }
        RunEnd::Limit(e) => usage_error(&e.message),
        _ => EXIT_OK,
    }
}
