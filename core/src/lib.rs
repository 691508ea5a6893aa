//! The core of puq_dns: everything that keeps a VM's DNS right, free of PHP.
//!
//! The PHP extension (the `puq_dns` crate) converts arrays to [`Value`]s,
//! calls into this crate and converts the results back; nothing here knows
//! about the Zend engine, so every rule is tested with plain `cargo test`.
//!
//! - [`name`], [`reverse`]: DNS names, reverse names and reverse zones.
//! - [`zone`], [`zone_set`]: zone rows, secrets, matching.
//! - [`vm`], [`plan`]: the VM array and the records it owns in each zone.
//! - [`sync`], [`provider`], [`check`]: reading and writing the providers.

pub mod budget;
pub mod check;
pub mod error;
pub mod fault;
pub mod http;
pub mod id;
pub mod name;
pub mod options;
pub mod plan;
pub mod provider;
pub mod redact;
pub mod retry;
pub mod reverse;
mod row;
pub mod rr;
pub mod secret;
pub mod sync;
pub mod tls;
pub mod value;
pub mod vm;
pub mod write_turns;
pub mod zone;
pub mod zone_set;

pub use error::ConfigError;
pub use id::Id;
pub use name::DnsName;
pub use row::KEEP;
pub use secret::Secret;
pub use value::{Array, Key, Value};
pub use vm::Vm;
pub use zone::{Zone, ZoneRowError};
pub use zone_set::ZoneSet;

/// The crate version, shown by `php --ri puq_dns`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
