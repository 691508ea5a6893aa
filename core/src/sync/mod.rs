//! The sync engine, shared by every provider: plan, read, diff, apply, report.

pub mod diff;
pub mod engine;
pub mod read_way;
pub mod report;

pub use crate::options::SyncOptions;
pub use diff::Action;
pub use engine::{run, Job, JobKind};
pub use read_way::ReadWay;
pub use report::{Operation, SyncReport, ZoneStats};
