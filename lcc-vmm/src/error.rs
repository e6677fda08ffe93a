//! Errors of the datacentre backends.

use crate::model::{MigrationId, PmId, VmId};
use std::fmt;

/// What went wrong in a datacentre operation. Every error names what it is about
/// (the hypervisor URI, the PM, the VM); none of them is a panic.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A hypervisor could not be reached or answered with an error.
    Hypervisor {
        /// The connection URI of the PM's hypervisor.
        uri: String,
        /// What was being done.
        action: String,
        /// The hypervisor's message.
        message: String,
    },
    /// No PM with this identifier.
    UnknownPm(PmId),
    /// No VM with this identifier.
    UnknownVm(VmId),
    /// No migration with this identifier.
    UnknownMigration(MigrationId),
    /// The operation is not allowed in the datacentre's current state.
    Refused(String),
    /// A configuration or input could not be used.
    Config(String),
    /// The LCC policy could not run (the interpreter's message).
    Policy(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Hypervisor { uri, action, message } => write!(f, "hypervisor {uri}: {action}: {message}"),
            Error::UnknownPm(pm) => write!(f, "unknown physical machine {pm}"),
            Error::UnknownVm(vm) => write!(f, "unknown virtual machine {vm}"),
            Error::UnknownMigration(m) => write!(f, "unknown {m}"),
            Error::Refused(why) => write!(f, "refused: {why}"),
            Error::Config(why) => write!(f, "configuration: {why}"),
            Error::Policy(why) => write!(f, "policy: {why}"),
        }
    }
}

impl std::error::Error for Error {}

/// The result of a datacentre operation.
pub type Result<T> = std::result::Result<T, Error>;
