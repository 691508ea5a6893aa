//! What the sync benchmarks (`src/bin/*.rs`, run by `build/bench.sh`)
//! share: the delaying proxy, the private servers and fakes they start,
//! the VMs and zones they sync, the engine run with its reports checked
//! (and the per-zone read and write counts it reports), the whole `php`
//! process of the scale benchmark, and the writer of their BENCHMARKS.md
//! sections.
//!
//! Every byte goes to 127.0.0.1 and no host name is ever resolved: the
//! servers are started on free loopback ports and addressed by IP.

pub mod bind;
pub mod cloudflare;
pub mod engine;
pub mod pdns;
pub mod pdns_server;
pub mod php;
pub mod proxy;
pub mod report;
pub mod scenario;
pub mod stats;

use std::path::PathBuf;

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// The repository, where the server scripts and BENCHMARKS.md are.
pub fn repo() -> PathBuf {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::canonicalize(&repo).unwrap_or(repo)
}
