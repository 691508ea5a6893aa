//! Errors that reach the caller as `ConfigException`.
//!
//! Provider and network failures never become errors: they are reported per
//! operation in the sync result. Only input the caller can fix lands here.

use thiserror::Error;

use crate::name::NameError;
use crate::options::OptionsError;
use crate::reverse::IpError;
use crate::vm::VmError;
use crate::zone::ZoneRowError;

#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{}", join(.0))]
    Zones(Vec<ZoneRowError>),
    #[error("zones must be an array of zone rows, not {0}")]
    ZonesNotArray(&'static str),
    #[error("no zone has the id {0}")]
    UnknownZone(String),
    #[error("name {0}")]
    Name(NameError),
    #[error("{0}")]
    Ip(IpError),
    #[error(transparent)]
    Vm(#[from] VmError),
    /// An argument that is not made of arrays and scalars.
    #[error("{0}")]
    Input(String),
    #[error("option {0}")]
    Option(String),
    #[error("plan action {0:?} is not one of create, delete, resync")]
    PlanAction(String),
}

impl From<OptionsError> for ConfigError {
    fn from(e: OptionsError) -> Self {
        ConfigError::Option(e.0)
    }
}

impl From<ZoneRowError> for ConfigError {
    fn from(e: ZoneRowError) -> Self {
        ConfigError::Zones(vec![e])
    }
}

fn join(errors: &[ZoneRowError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
