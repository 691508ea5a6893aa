//! `PuqDns\DnsSync`: deploy, terminate, resync and update a VM's records.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ArrayKey, ZendCallable, ZendHashTable, Zval};
use puq_dns_core::sync::{run, Action, Job, JobKind, Operation, SyncOptions, SyncReport};
use puq_dns_core::{Array, ConfigError, Id, Key, Value, Vm, ZoneSet};

use crate::convert::{array_from_php, array_to_php, value_from_php};
use crate::exceptions::config_exception;
use crate::runtime::block_on;

/// Keeps every matching zone's A, AAAA and PTR records in step with a VM.
///
/// Provider and network failures never throw: each operation reports its
/// own outcome and the rest carries on. Only a malformed VM array throws.
#[php_class]
#[php(name = "PuqDns\\DnsSync")]
pub struct DnsSync {
    zones: ZoneSet,
    options: SyncOptions,
    /// `callable(array $operation): void`, called on the PHP thread.
    on_progress: Option<Zval>,
    /// `callable(): void`, called on the PHP thread every
    /// `heartbeat_interval` while a call runs.
    heartbeat: Option<Zval>,
}

/// The options whose values stay PHP callables.
const CALLABLE_OPTIONS: [&str; 2] = ["on_progress", "heartbeat"];

fn read_vm(vm: &ZendHashTable, what: &str) -> PhpResult<Vm> {
    let value = array_from_php(vm, what).map_err(config_exception)?;
    Vm::from_value(&Value::Array(value)).map_err(|e| config_exception(e.into()))
}

impl DnsSync {
    /// Runs jobs with live progress, after reporting `preface`: operations
    /// that failed before any job ran (a VM array that could not be read),
    /// each with its VM's id.
    ///
    /// A progress callback that throws is not called again; the sync still
    /// finishes, so no zone is left half done, and PHP then raises the
    /// callback's exception.
    fn execute(&self, jobs: &[Job<'_>], preface: &[(Id, Operation)]) -> PhpResult<Vec<SyncReport>> {
        let callable = self
            .on_progress
            .as_ref()
            .and_then(|z| ZendCallable::new(z).ok());
        let mut failed = false;
        let mut emit = |vm: &Id, op: &Operation| {
            let Some(callable) = callable.as_ref() else {
                return;
            };
            if failed {
                return;
            }
            // The operation as in the result, plus its cron line and the
            // VM it belongs to, so a cron script can print it as it is,
            // also in the middle of a resyncMany.
            let Value::Array(payload) = op.to_value() else {
                return;
            };
            let payload = array_to_php(payload.with("line", op.line()).with("vm", vm.to_value()));
            if callable.try_call(vec![&payload]).is_err() {
                failed = true;
            }
        };
        for (vm, op) in preface {
            emit(vm, op);
        }
        let mut progress = |job: usize, op: &Operation| {
            if let Some(job) = jobs.get(job) {
                emit(&job.vm.id, op);
            }
        };
        let heartbeat = self
            .heartbeat
            .as_ref()
            .and_then(|z| ZendCallable::new(z).ok());
        let period = self.options.heartbeat_interval;
        block_on(async {
            let sync = run(&self.zones, jobs, &self.options, &mut progress);
            let Some(heartbeat) = heartbeat else {
                return sync.await;
            };
            // Ticks come between the engine's steps, on this same thread:
            // the runtime polls one future at a time, so PHP is never
            // entered twice at once.
            tokio::pin!(sync);
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut beating = true;
            loop {
                tokio::select! {
                    reports = &mut sync => break reports,
                    _ = ticks.tick(), if beating => {
                        // Like on_progress: a heartbeat that throws is not
                        // called again, the sync finishes, then PHP raises.
                        beating = heartbeat.try_call(vec![]).is_ok();
                    }
                }
            }
        })
    }

    fn one(&self, job: Job<'_>) -> PhpResult<ZBox<ZendHashTable>> {
        let mut reports = self.execute(&[job], &[])?;
        let report = reports.pop().map(|r| r.to_value()).unwrap_or_default();
        Ok(array_to_php(report))
    }

    /// One job of `kind` per VM of `vms`, reported by VM id; a VM that
    /// cannot be read gets a failed result of its own, with `action`.
    fn many(
        &self,
        vms: &ZendHashTable,
        kind: JobKind<'static>,
        action: &'static str,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        // A VM that cannot be read is reported under its own id where it
        // has a usable one, else under its key in the list.
        let mut parsed: Vec<(Id, Result<Vm, String>)> = Vec::new();
        for (key, value) in vms.iter() {
            let key = match key {
                ArrayKey::Long(n) => Id::Int(n),
                other => Id::Str(other.to_string()),
            };
            let value = value_from_php(value, &format!("vms[{key}]"));
            let id = value
                .as_ref()
                .ok()
                .and_then(|v| v.as_array())
                .and_then(|a| a.get("id"))
                .and_then(Id::from_value)
                .unwrap_or(key);
            let vm = value
                .map_err(|e| e.to_string())
                .and_then(|v| Vm::from_value(&v).map_err(|e| e.to_string()));
            parsed.push((id, vm));
        }
        let jobs: Vec<Job<'_>> = parsed
            .iter()
            .filter_map(|(_, vm)| vm.as_ref().ok())
            .map(|vm| Job { vm, kind })
            .collect();
        let invalid: Vec<(&Id, SyncReport)> = parsed
            .iter()
            .filter_map(|(id, vm)| {
                vm.as_ref()
                    .err()
                    .map(|e| (id, SyncReport::invalid_vm(action, id.clone(), e)))
            })
            .collect();
        let preface: Vec<(Id, Operation)> = invalid
            .iter()
            .flat_map(|(id, report)| {
                report
                    .operations
                    .iter()
                    .map(|op| ((*id).clone(), op.clone()))
            })
            .collect();
        let mut reports = self.execute(&jobs, &preface)?.into_iter();
        let mut invalid = invalid.into_iter();
        let mut results = Array::new();
        for (id, vm) in &parsed {
            let report = match vm {
                Ok(_) => reports.next(),
                Err(_) => invalid.next().map(|(_, report)| report),
            };
            if let Some(report) = report {
                results.insert(id.to_key(), report.to_value());
            }
        }
        Ok(array_to_php(results))
    }
}

#[php_impl]
impl DnsSync {
    /// `$zones` are zone rows as DnsZoneManager takes them. `$options`:
    /// `timeout` (15 s per request), `connect_timeout` (5 s), `retries` (3),
    /// `concurrency` (8 requests in flight), `cloudflare_rate_limit` and
    /// `cloudflare_rate_window` (1200 requests per 300 s per token, shared
    /// by every sync in the process) and `on_progress`, a
    /// `callable(array $operation): void` called on this thread as each
    /// operation ends; the array is the operation of the result plus its
    /// cron `line` and the `vm` id it belongs to. `heartbeat`, a
    /// `callable(): void`, is called on this thread every
    /// `heartbeat_interval` seconds (30) while a call runs, also while no
    /// operation ends (a slow read): a cron renews its hold on the VMs with it.
    /// `zone_records`, `[zone id => records]`, are zone sizes kept from the
    /// `stats` of earlier results, so that a new process chooses how to read
    /// each zone as well as one that has read it before.
    ///
    /// @throws ConfigException for a bad zone row or option
    #[php(optional = options)]
    pub fn __construct(zones: &ZendHashTable, options: Option<&ZendHashTable>) -> PhpResult<Self> {
        let rows = array_from_php(zones, "zones").map_err(config_exception)?;
        let zones = ZoneSet::from_rows(&Value::Array(rows)).map_err(config_exception)?;
        let mut plain = Array::new();
        let mut callables: [Option<Zval>; 2] = [None, None];
        for (key, value) in options.into_iter().flat_map(ZendHashTable::iter) {
            let name = match &key {
                ArrayKey::Long(_) => None,
                other => Some(other.to_string()),
            };
            if let Some(slot) = name.and_then(|n| CALLABLE_OPTIONS.iter().position(|c| *c == n)) {
                if value.is_null() {
                    continue;
                }
                if !value.is_callable() {
                    return Err(config_exception(ConfigError::Option(format!(
                        "{} must be callable",
                        CALLABLE_OPTIONS[slot]
                    ))));
                }
                callables[slot] = Some(value.shallow_clone());
                continue;
            }
            let key = match key {
                ArrayKey::Long(n) => Key::Int(n),
                other => Key::Str(other.to_string()),
            };
            let value =
                value_from_php(value, &format!("options[{key}]")).map_err(config_exception)?;
            plain.insert(key, value);
        }
        let options = SyncOptions::from_array(&plain).map_err(|e| config_exception(e.into()))?;
        let [on_progress, heartbeat] = callables;
        Ok(Self {
            zones,
            options,
            on_progress,
            heartbeat,
        })
    }

    /// Deploy: an A/AAAA at the FQDN for each IP and a PTR at each IP's
    /// reverse name in every matching zone.
    ///
    /// @throws ConfigException for a malformed VM array
    pub fn create(&self, vm: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
        let vm = read_vm(vm, "vm")?;
        self.one(Job {
            vm: &vm,
            kind: JobKind::Create,
        })
    }

    /// Terminate: no A/AAAA at the FQDN; no PTR at the VM's reverse names
    /// that points at the VM.
    ///
    /// @throws ConfigException for a malformed VM array
    pub fn delete(&self, vm: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
        let vm = read_vm(vm, "vm")?;
        self.one(Job {
            vm: &vm,
            kind: JobKind::Delete,
        })
    }

    /// Set DNS records: exactly what create makes, stale records gone; what
    /// is already right is not touched.
    ///
    /// @throws ConfigException for a malformed VM array
    pub fn resync(&self, vm: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
        let vm = read_vm(vm, "vm")?;
        self.one(Job {
            vm: &vm,
            kind: JobKind::Resync,
        })
    }

    /// Change package: what delete($old) removes that $new no longer has,
    /// then resync($new).
    ///
    /// @throws ConfigException for a malformed VM array
    pub fn update(
        &self,
        old: &ZendHashTable,
        new: &ZendHashTable,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let old = read_vm(old, "old")?;
        let new = read_vm(new, "new")?;
        self.one(Job {
            vm: &new,
            kind: JobKind::Update { old: &old },
        })
    }

    /// The cron run: resync of each VM with the writes of all VMs merged per
    /// zone. Results are keyed by VM id; a malformed VM array gets a failed
    /// result of its own and never fails another VM.
    pub fn resync_many(&self, vms: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
        self.many(vms, JobKind::Resync, "resync")
    }

    /// Dry run of resync for many VMs at once, the reads of all VMs merged
    /// per zone, changing nothing: results keyed by VM id as resyncMany
    /// gives them, with `action => 'plan'`. A VM whose DNS has drifted has
    /// a `create` or `delete` operation, or an error.
    pub fn plan_many(&self, vms: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
        self.many(vms, JobKind::Plan(Action::Resync), "plan")
    }

    /// The VM array checked as the module remembers VMs: refused for what
    /// `create` refuses, and also for each `ips` entry that would only be a
    /// failed operation (not a usable address, or a `reverse` that is not a
    /// host name). Returns `['id', 'fqdn', 'ttl' (null: the zones' own),
    /// 'addresses' => [['ip', 'reverse_name', 'ptr'], …]]`, addresses in
    /// their canonical form, each listed once.
    ///
    /// @throws ConfigException naming the VM, each bad field and why
    pub fn normalize_vm(vm: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
        let value = array_from_php(vm, "vm").map_err(config_exception)?;
        let vm = Vm::checked(&Value::Array(value)).map_err(|e| config_exception(e.into()))?;
        Ok(array_to_php(vm.to_array()))
    }

    /// Dry run of create, delete or resync: the result and counts that
    /// action would give, with `action => 'plan'`, reading the providers but
    /// changing nothing.
    ///
    /// @throws ConfigException for another action or a malformed VM array
    pub fn plan(&self, action: &str, vm: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
        let action = match action {
            "create" => Action::Create,
            "delete" => Action::Delete,
            "resync" => Action::Resync,
            other => return Err(config_exception(ConfigError::PlanAction(other.to_owned()))),
        };
        let vm = read_vm(vm, "vm")?;
        self.one(Job {
            vm: &vm,
            kind: JobKind::Plan(action),
        })
    }
}
