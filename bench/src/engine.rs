//! One run of the sync engine, timed, with its reports checked: a run
//! that failed an operation, left a name unmatched or did other than it
//! had to is an error, not a figure.

use std::time::{Duration, Instant};

use puq_dns_core::sync::{run, Job, JobKind, SyncOptions, SyncReport};
use puq_dns_core::{Vm, ZoneSet};

use crate::stats::ZoneCount;
use crate::Res;

/// What the operations of a run must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Anything, as long as it went through.
    Any,
    /// Only this step (`create`, `keep`, `delete`).
    Only(&'static str),
}

/// `engine Create of 1 VM(s), concurrency 8`: names a run in errors.
pub fn describe(kind: JobKind<'_>, vms: &[Vm], options: &SyncOptions) -> String {
    format!(
        "engine {kind:?} of {} VM(s), concurrency {}",
        vms.len(),
        options.concurrency
    )
}

/// Runs `kind` for every VM in one `run`, and returns its wall time.
pub async fn sync(
    zones: &ZoneSet,
    vms: &[Vm],
    kind: JobKind<'_>,
    options: &SyncOptions,
    expect: Expect,
) -> Res<Duration> {
    Ok(sync_stats(zones, vms, kind, options, expect).await?.0)
}

/// [`sync`], with how the run read and wrote each zone, as its reports
/// say (`SyncReport::zones`), once per zone in zone order.
pub async fn sync_stats(
    zones: &ZoneSet,
    vms: &[Vm],
    kind: JobKind<'_>,
    options: &SyncOptions,
    expect: Expect,
) -> Res<(Duration, Vec<ZoneCount>)> {
    let jobs: Vec<Job<'_>> = vms.iter().map(|vm| Job { vm, kind }).collect();
    let started = Instant::now();
    let reports: Vec<SyncReport> = run(zones, &jobs, options, &mut |_, _| {}).await;
    let wall = started.elapsed();
    let what = describe(kind, vms, options);
    check(&what, &reports, expect)?;
    let counts = ZoneCount::merge(
        &what,
        reports
            .iter()
            .flat_map(|r| &r.zones)
            .map(ZoneCount::of_stats),
    )?;
    Ok((wall, counts))
}

fn check(what: &str, reports: &[SyncReport], expect: Expect) -> Res<()> {
    let failed: Vec<String> = reports
        .iter()
        .flat_map(|r| &r.operations)
        .filter(|op| !op.ok())
        .map(|op| op.line())
        .collect();
    if !failed.is_empty() {
        return Err(format!(
            "{what}: {} failed:\n  {}",
            failed.len(),
            failed.join("\n  ")
        )
        .into());
    }
    if let Some(r) = reports.iter().find(|r| !r.unmatched.is_empty()) {
        return Err(format!("{what}: {} has unmatched names {:?}", r.vm, r.unmatched).into());
    }
    if let Expect::Only(step) = expect {
        if let Some(op) = reports
            .iter()
            .flat_map(|r| &r.operations)
            .find(|op| op.step.as_str() != step)
        {
            return Err(format!("{what}: expected only {step}, got {}", op.line()).into());
        }
    }
    Ok(())
}
