//! Runs planned syncs against the providers: zones concurrently, one read
//! and one write per zone, every failure kept to the zone or record it hit.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use futures::stream::{self, StreamExt};

use crate::http::Transport;
use crate::name::DnsName;
use crate::options::{ReadChoice, SyncOptions};
use crate::plan::{plan_vm, RecordType, Rejected, VmPlan};
use crate::provider::{Applied, Attempted, Client, ProviderError, RecordSet};
use crate::retry::origin_of;
use crate::sync::diff::{Action, Item, Step, StepKind, ZoneDiff};
use crate::sync::read_way::{self, ReadWay};
use crate::sync::report::{clean_error, Operation, SyncReport, ZoneRef, ZoneStats};
use crate::vm::Vm;
use crate::zone::Zone;
use crate::zone_set::ZoneSet;

/// What one VM job asks for.
#[derive(Clone, Copy, Debug)]
pub enum JobKind<'a> {
    Create,
    Delete,
    Resync,
    /// Remove what `old` had that the VM no longer has, then resync.
    Update {
        old: &'a Vm,
    },
    /// Read and report what the action would do; change nothing.
    Plan(Action),
}

#[derive(Clone, Copy, Debug)]
pub struct Job<'a> {
    pub vm: &'a Vm,
    pub kind: JobKind<'a>,
}

impl Job<'_> {
    fn action_name(&self) -> &'static str {
        match self.kind {
            JobKind::Create => "create",
            JobKind::Delete => "delete",
            JobKind::Resync => "resync",
            JobKind::Update { .. } => "update",
            JobKind::Plan(_) => "plan",
        }
    }
}

/// The sets of every job in one zone.
struct ZoneWork<'z> {
    position: usize,
    zone: &'z Zone,
    items: Vec<Item<'z>>,
}

/// Syncs every job and returns one report per job, in job order.
///
/// `progress` is called with the job index and each operation as it ends,
/// on the thread that polls this future (the PHP thread in the extension).
pub async fn run<'z>(
    zones: &'z ZoneSet,
    jobs: &[Job<'_>],
    options: &SyncOptions,
    progress: &mut dyn FnMut(usize, &Operation),
) -> Vec<SyncReport> {
    let plans: Vec<Vec<(VmPlan<'z>, Action)>> =
        jobs.iter().map(|job| plans_of(zones, job)).collect();
    let plan_only = |job: usize| matches!(jobs[job].kind, JobKind::Plan(_));

    let mut reports: Vec<SyncReport> = jobs
        .iter()
        .zip(&plans)
        .map(|(job, plans)| SyncReport {
            action: job.action_name(),
            vm: job.vm.id.clone(),
            fqdn: job.vm.fqdn.to_string(),
            operations: Vec::new(),
            unmatched: plans
                .last()
                .map(|(p, _)| p.unmatched.iter().map(DnsName::to_string).collect())
                .unwrap_or_default(),
            zones: Vec::new(),
        })
        .collect();

    // Input that never reaches a provider is reported first.
    for (job, plans) in plans.iter().enumerate() {
        for (plan, _) in plans {
            for rejected in &plan.rejected {
                let op = rejected_operation(rejected);
                progress(job, &op);
                reports[job].operations.push(op);
            }
        }
    }

    let transport = Transport::new(options);
    let work = group_by_zone(zones, &plans);
    let mut finished: BTreeMap<usize, ZoneDone> = BTreeMap::new();
    let mut pending = stream::iter(work)
        .map(|w| sync_zone(w, &transport, &plan_only))
        .buffer_unordered(options.concurrency.max(1));
    while let Some(done) = pending.next().await {
        for (job, op) in &done.ops {
            progress(*job, op);
        }
        finished.insert(done.position, done);
    }
    // Reports list operations in zone order, whatever order zones ended in.
    for done in finished.into_values() {
        for job in done.jobs {
            reports[job].zones.push(done.stats.clone());
        }
        for (job, op) in done.ops {
            reports[job].operations.push(op);
        }
    }
    reports
}

/// The plans of a job with the action each one's sets take. An update is
/// the old VM's delete of what the new VM no longer owns, then a resync.
fn plans_of<'z>(zones: &'z ZoneSet, job: &Job<'_>) -> Vec<(VmPlan<'z>, Action)> {
    let new = plan_vm(zones, job.vm);
    match job.kind {
        JobKind::Create => vec![(new, Action::Create)],
        JobKind::Delete => vec![(new, Action::Delete)],
        JobKind::Resync => vec![(new, Action::Resync)],
        JobKind::Plan(action) => vec![(new, action)],
        JobKind::Update { old } => {
            let mut old_plan = plan_vm(zones, old);
            let still_owned = |zone: &Zone, name: &DnsName, rrtype: RecordType| {
                new.zones.iter().any(|zp| {
                    zp.zone.id == zone.id
                        && zp
                            .sets
                            .iter()
                            .any(|s| &s.name == name && s.rrtype == rrtype)
                })
            };
            for zp in &mut old_plan.zones {
                let zone = zp.zone;
                zp.sets.retain(|s| !still_owned(zone, &s.name, s.rrtype));
            }
            old_plan.zones.retain(|zp| !zp.sets.is_empty());
            // The old VM's bad input was reported when it was deployed.
            old_plan.rejected.clear();
            vec![(old_plan, Action::Delete), (new, Action::Resync)]
        }
    }
}

fn group_by_zone<'z>(
    zones: &'z ZoneSet,
    plans: &'z [Vec<(VmPlan<'z>, Action)>],
) -> Vec<ZoneWork<'z>> {
    zones
        .zones()
        .iter()
        .enumerate()
        .filter_map(|(position, zone)| {
            let items: Vec<Item<'z>> = plans
                .iter()
                .enumerate()
                .flat_map(|(job, plans)| {
                    plans.iter().flat_map(move |(plan, action)| {
                        plan.zones
                            .iter()
                            .filter(|zp| std::ptr::eq(zp.zone, zone))
                            .flat_map(move |zp| {
                                zp.sets.iter().map(move |set| Item {
                                    job,
                                    set,
                                    action: *action,
                                })
                            })
                    })
                })
                .collect();
            (!items.is_empty()).then_some(ZoneWork {
                position,
                zone,
                items,
            })
        })
        .collect()
}

/// One zone's outcome: its operations by job, the jobs it had sets of, and
/// how it was read and written.
struct ZoneDone {
    position: usize,
    ops: Vec<(usize, Operation)>,
    jobs: BTreeSet<usize>,
    stats: ZoneStats,
}

/// Reads the sets at `keys` the way that costs least for this zone.
async fn read_zone_sets(
    client: &Client,
    zone: &Zone,
    keys: &[(DnsName, RecordType)],
    transport: &Transport,
) -> (Attempted<Vec<RecordSet>>, ReadWay, Option<u64>) {
    let options = &transport.options;
    let names: BTreeSet<&DnsName> = keys.iter().map(|(name, _)| name).collect();
    let reads = client.reads();
    let size_key = format!("{} {}", client.url(), zone.name);
    let known = read_way::known_size(&size_key)
        .or_else(|| options.zone_records.get(&zone.id.to_string()).copied());
    // What this zone's server takes at once, not what the sync allows: a
    // PowerDNS sent 64 names at once reads them no sooner than 8.
    let tries = transport.tries();
    let origin = origin_of(client.url());
    if let Some(most) = client.at_once() {
        tries.limit_server(&origin, most);
    }
    let in_flight = tries.in_flight(&origin).min(options.concurrency);
    if options.reads == ReadChoice::Names && reads.by_name {
        return (client.read(keys).await, ReadWay::Names, None);
    }
    let filtered = client.lists_filtered(keys);
    let way = read_way::choose(names.len(), in_flight, reads, filtered, known);
    if way != ReadWay::Filtered {
        return read_unfiltered(client, keys, way, &size_key).await;
    }
    let listed = client.read_filtered(keys).await;
    match listed.outcome {
        Ok(sets) => (
            Attempted {
                outcome: Ok(sets),
                attempts: listed.attempts,
            },
            way,
            None,
        ),
        // Cut off, unfiltered, or not answered: the zone is read the way
        // that is best without a listing. When that fails too, the
        // listing's error came first.
        Err(first) => {
            let way = read_way::choose(names.len(), in_flight, reads, false, known);
            let (read, way, records) = read_unfiltered(client, keys, way, &size_key).await;
            let read = Attempted {
                outcome: read.outcome.map_err(|_| first),
                attempts: listed.attempts + read.attempts,
            };
            (read, way, records)
        }
    }
}

/// Reads by names or the whole zone, as `way` says; a zone read that
/// fails falls back to the names.
async fn read_unfiltered(
    client: &Client,
    keys: &[(DnsName, RecordType)],
    way: ReadWay,
    size_key: &str,
) -> (Attempted<Vec<RecordSet>>, ReadWay, Option<u64>) {
    let reads = client.reads();
    if way == ReadWay::Names || !reads.by_name {
        return (client.read(keys).await, way, None);
    }
    let whole = client.read_zone(keys).await;
    match whole.outcome {
        Ok(zone) => {
            read_way::remember_size(size_key, zone.records);
            let read = Attempted {
                outcome: Ok(zone.sets),
                attempts: whole.attempts,
            };
            (read, way, Some(zone.records))
        }
        // A zone read the server refuses (a transfer policy, an answer too
        // big) may still leave the names readable; a server that does not
        // answer is not asked again in this sync, so this costs nothing.
        // When the names fail too, the zone read's error is the one the
        // admin needs: it came first, and the names' may only say that
        // the server was given up on.
        Err(first) => {
            let read = client.read(keys).await;
            // The server answers names but not the whole zone: read this
            // zone by names for the rest of the process. A server that
            // fails both is down, which says nothing about its zone.
            if read.outcome.is_ok() {
                read_way::remember_failed(size_key);
            }
            let read = Attempted {
                outcome: read.outcome.map_err(|_| first),
                attempts: whole.attempts + read.attempts,
            };
            (read, ReadWay::Names, None)
        }
    }
}

async fn sync_zone(
    work: ZoneWork<'_>,
    transport: &Transport,
    plan_only: &dyn Fn(usize) -> bool,
) -> ZoneDone {
    let started = Instant::now();
    let zone = work.zone;
    let client = Client::connect(&zone.target(), transport);
    let secrets = [zone.secret().expose()];
    let jobs: BTreeSet<usize> = work.items.iter().map(|i| i.job).collect();

    let mut keys: Vec<(DnsName, RecordType)> = Vec::new();
    for item in &work.items {
        let key = (item.set.name.clone(), item.set.rrtype);
        if !keys.contains(&key) {
            keys.push(key);
        }
    }

    let (read, way, zone_records) = read_zone_sets(&client, zone, &keys, transport).await;
    let read_requests = client.requests();
    let stats = |client: &Client| ZoneStats {
        zone: ZoneRef::of(zone),
        read: way,
        read_requests,
        write_requests: client.requests().saturating_sub(read_requests),
        zone_records,
    };
    let existing = match read.outcome {
        Ok(sets) => sets,
        Err(error) => {
            let error = clean_error(&error.to_string(), &secrets);
            let ms = elapsed_ms(started);
            let mut ops: Vec<(usize, Operation)> = Vec::new();
            for item in &work.items {
                for step in ZoneDiff::unread_steps(item) {
                    let op = operation(zone, item, &step, Some(error.clone()), read.attempts, ms);
                    ops.push((item.job, op));
                }
            }
            // A job whose sets want nothing here (a resync or delete of a
            // VM without addresses) had stale records to look for: it
            // still gets one failed operation, never a silent success.
            for item in &work.items {
                if item.action != Action::Create && !ops.iter().any(|(job, _)| *job == item.job) {
                    let step = Step {
                        kind: StepKind::Delete,
                        content: String::new(),
                    };
                    let op = operation(zone, item, &step, Some(error.clone()), read.attempts, ms);
                    ops.push((item.job, op));
                }
            }
            return ZoneDone {
                position: work.position,
                ops,
                jobs,
                stats: stats(&client),
            };
        }
    };

    let mut written = write(&client, &work.items, &existing, plan_only).await;

    // A write that merged several VMs was refused (one VM's record is
    // bad): PowerDNS and Cloudflare reject the whole batch, so each
    // refused VM is written again on its own, and only the VM at fault
    // fails. Transient failures are not retried this way; the HTTP layer
    // has already retried them.
    let refused: BTreeSet<usize> = work
        .items
        .iter()
        .zip(&written)
        .filter(|(_, w)| {
            w.outcome
                .as_ref()
                .is_some_and(|o| o.outcome.as_ref().is_err_and(ProviderError::is_refusal))
        })
        .map(|(item, _)| item.job)
        .collect();
    if jobs.len() > 1 {
        for job in refused {
            let positions: Vec<usize> = (0..work.items.len())
                .filter(|&i| work.items[i].job == job)
                .collect();
            let alone: Vec<Item<'_>> = positions.iter().map(|&i| work.items[i].clone()).collect();
            let again = write(&client, &alone, &existing, plan_only).await;
            for (position, outcome) in positions.into_iter().zip(again) {
                written[position] = outcome;
            }
        }
    }
    let ms = elapsed_ms(started);

    let mut ops = Vec::new();
    for (item, done) in work.items.iter().zip(written) {
        for step in &done.steps {
            let (error, attempts) = match (step.kind, &done.outcome) {
                (StepKind::Keep, _) | (_, None) => (None, read.attempts),
                (_, Some(applied)) => (
                    match &applied.outcome {
                        Err(e) => Some(e),
                        Ok(failed) => failed
                            .iter()
                            .find(|f| f.content == step.content)
                            .map(|f| &f.error),
                    }
                    .map(|e| clean_error(&e.to_string(), &secrets)),
                    // Every try this operation cost: the read, then the write.
                    read.attempts + applied.attempts,
                ),
            };
            ops.push((item.job, operation(zone, item, step, error, attempts, ms)));
        }
    }
    ZoneDone {
        position: work.position,
        ops,
        jobs,
        stats: stats(&client),
    }
}

/// What happened to one item: its steps, and the outcome of the change
/// that carried them (`None` when nothing had to be written).
struct Written {
    steps: Vec<Step>,
    outcome: Option<Applied>,
}

/// Diffs items against the zone's sets and applies the changes in one call.
async fn write(
    client: &Client,
    items: &[Item<'_>],
    existing: &[RecordSet],
    plan_only: &dyn Fn(usize) -> bool,
) -> Vec<Written> {
    let diff = ZoneDiff::build(items, existing);
    let writes: Vec<usize> = (0..diff.changes.len())
        .filter(|&c| {
            items
                .iter()
                .zip(&diff.change_of_item)
                .any(|(item, change)| *change == Some(c) && !plan_only(item.job))
        })
        .collect();
    let to_apply: Vec<_> = writes.iter().map(|&c| diff.changes[c].clone()).collect();
    let applied = if to_apply.is_empty() {
        Vec::new()
    } else {
        client.apply(&to_apply).await
    };
    diff.steps
        .into_iter()
        .zip(diff.change_of_item)
        .map(|(steps, change)| Written {
            steps,
            outcome: change
                .and_then(|c| writes.iter().position(|&w| w == c))
                .and_then(|w| applied.get(w).cloned()),
        })
        .collect()
}

fn operation(
    zone: &Zone,
    item: &Item<'_>,
    step: &Step,
    error: Option<String>,
    attempts: u32,
    ms: u64,
) -> Operation {
    Operation {
        direction: item.set.direction,
        step: step.kind,
        zone: Some(ZoneRef::of(zone)),
        name: item.set.name.to_string(),
        rrtype: item.set.rrtype,
        content: step.content.clone(),
        ttl: Some(item.set.ttl),
        error,
        attempts,
        ms,
    }
}

fn rejected_operation(rejected: &Rejected<'_>) -> Operation {
    Operation {
        direction: rejected.direction,
        step: StepKind::Create,
        zone: rejected.zone.map(ZoneRef::of),
        name: rejected.name.clone(),
        rrtype: rejected.rrtype,
        content: rejected.content.clone(),
        ttl: rejected.ttl,
        error: Some(rejected.error.clone()),
        attempts: 0,
        ms: 0,
    }
}

fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}
