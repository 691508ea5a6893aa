//! The sync engine, shared by every provider: plan, read, diff, apply, report.

pub mod diff;
pub mod engine;
pub mod report;

pub use crate::options::SyncOptions;
pub use diff::Action;
pub use engine::{run, Job, JobKind};
pub use report::{Operation, SyncReport};
