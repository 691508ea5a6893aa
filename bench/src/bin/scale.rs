//! Benchmark: reads that scale (issue 16), each scenario a whole `php`
//! process.
//!
//! Starts private PowerDNS servers (tests/pdns/server.sh) behind the proxy
//! that adds 50 ms to every request, and runs each scenario as
//! `php -d extension=target/release/libpuq_dns.so bench/php/sync.php JOB`,
//! timed from spawn to exit: the script makes one `PuqDns\DnsSync` call
//! (create, resync or resyncMany, the engine's default options) and prints
//! the result's `stats` per zone, which must be exactly the requests the
//! proxy saw and what the reported read ways cost. Each scenario's median
//! of 3 is held against the least possible (computed: one read and one
//! write per zone, zones in parallel) and against issue 16's goals. The
//! table goes to stdout and to the "Reads that scale (issue 16)" section of
//! BENCHMARKS.md.
//!
//! ```sh
//! build/bench.sh scale
//! # or, with the dependencies installed and the extension built
//! # (cargo build --release at the repository root):
//! cargo run --release -p puq_dns_bench --bin scale
//! ```
//!
//! A run whose records are not on the server afterwards (each zone read
//! back whole), whose result has a failed operation, or whose requests are
//! not the ones its stats report, exits non-zero; a goal not met does not.

use std::collections::{BTreeMap, HashSet};
use std::net::Ipv4Addr;
use std::time::Duration;

use puq_dns_bench::pdns::{naive, replace, Backend, Naive, Traffic};
use puq_dns_bench::pdns_server::{filler_count, Server};
use puq_dns_bench::php::{vm_json, Php, PhpRun};
use puq_dns_bench::report::{self, median, ms, Started};
use puq_dns_bench::scenario::{
    self, fillers, names_by_zone, stale, BenchVm, Record, DOMAIN, FILLER, REV4_16, REV4_24, REV6,
};
use puq_dns_bench::stats::{self, ZoneCount};
use puq_dns_bench::Res;
use serde_json::{json, Value as Json};

/// Added by the proxy to every request, before it reaches PowerDNS.
const DELAY: Duration = Duration::from_millis(50);
/// Runs of each scenario; the table shows the median.
const REPEAT: usize = 3;
/// Runs of the empty `php` start.
const REPEAT_EMPTY: usize = 5;
/// The engine's default: no goal needs another.
const CONCURRENCY: usize = 8;

const HEADING: &str = "## Reads that scale (issue 16)";
const COMMAND: &str = "build/bench.sh scale";

const CREATE: &str = "1 VM: everything to create";
const NOTHING: &str = "1 VM: nothing to change";
const STALE: &str = "1 VM: stale records to fix";
/// The one-VM scenarios again on a PowerDNS with sqlite, which takes one
/// PATCH at a time.
const ON_SQLITE: &str = " (sqlite)";
/// The resyncMany scenario run again with `concurrency` 64.
const AT_64: &str = "resyncMany, 100 VMs, /16: all to write, concurrency 64";
/// Issue 16: the PHP process reading the /16 whole, above an idle `php`.
const MEMORY_GOAL_MIB: f64 = 40.0;

/// What a scenario must reach.
#[derive(Clone, Copy, Debug)]
enum Goal {
    /// At most this times the least possible, and at most this many
    /// requests in any zone.
    Ratio(f64, u64),
    /// At most this long.
    Within(Duration),
    /// None: a row to compare against.
    Reference,
}

impl Goal {
    fn text(self) -> String {
        match self {
            Goal::Ratio(ratio, requests) => {
                format!("≤ {ratio:.1}× the least possible, ≤ {requests} requests per zone")
            }
            Goal::Within(limit) => format!("≤ {:.1} s", limit.as_secs_f64()),
            Goal::Reference => "for comparison".to_owned(),
        }
    }
}

/// One scenario: the state before each run, the call, the state after.
struct Case {
    scenario: String,
    action: &'static str,
    vms: Vec<BenchVm>,
    /// The VMs' records: what the zones must hold at their names after.
    recs: Vec<Record>,
    /// What the zones hold at those names before each run.
    before: Vec<Record>,
    /// Whether the call has something to write in every zone (else none).
    writes: bool,
    goal: Goal,
    /// The DnsSync options (`null`: the defaults).
    options: Json,
}

/// What a scenario measured.
struct Measured {
    case: Case,
    runs: Vec<PhpRun>,
    /// Per zone: PowerDNS's own time for this scenario's write (a direct
    /// PATCH of the VMs' sets from the state before), median of 3.
    write_cost: BTreeMap<String, Duration>,
    /// Per zone, the filtered and the whole-zone GET.
    read_cost: BTreeMap<String, (Duration, Duration)>,
    /// An empty `php` start with the extension (median): every whole
    /// process pays it.
    start: Duration,
    /// The server takes PATCHes to several zones at once (gmysql); sqlite
    /// takes one at a time.
    writes_at_once: bool,
}

impl Measured {
    fn median(&self) -> Option<&PhpRun> {
        report::median_run(&self.runs, |r| r.wall)
    }

    fn zones(&self) -> Vec<&'static str> {
        names_by_zone(&self.case.recs).into_keys().collect()
    }

    /// A `php` start, then one read (50 ms + a filtered GET, the least a
    /// read takes) and, when the call writes, one write (50 ms + the
    /// server's time for this very PATCH) per zone, zones in parallel.
    fn least(&self) -> Duration {
        self.start + self.least_requests()
    }

    /// The least possible without the process: the requests alone.
    fn least_requests(&self) -> Duration {
        self.zones()
            .iter()
            .map(|z| DELAY + self.read_cost[*z].0 + self.write(z))
            .max()
            .unwrap_or_default()
    }

    fn write(&self, zone: &str) -> Duration {
        if self.case.writes {
            DELAY + self.write_cost.get(zone).copied().unwrap_or_default()
        } else {
            Duration::ZERO
        }
    }

    /// The least for the reads the engine chose and the writes as the
    /// server takes them, with the `php` start: zones in parallel on a
    /// server that takes PATCHes at once; else the slowest read, then
    /// every zone's write in turn.
    fn least_as_read(&self, counts: &[ZoneCount]) -> Duration {
        let read = |c: &ZoneCount| {
            let (get, whole) = self.read_cost[&c.zone];
            // A search is taken to cost the server what a filtered GET does.
            DELAY + if c.read == "zone" { whole } else { get }
        };
        let requests = if self.writes_at_once {
            counts
                .iter()
                .map(|c| read(c) + self.write(&c.zone))
                .max()
                .unwrap_or_default()
        } else {
            counts.iter().map(read).max().unwrap_or_default()
                + self.zones().iter().map(|z| self.write(z)).sum::<Duration>()
        };
        self.start + requests
    }

    /// The median run's peak memory above an idle `php`, in MiB.
    fn memory_above_idle(&self, idle_kib: u64) -> Option<f64> {
        self.median()
            .map(|r| r.peak_kib.saturating_sub(idle_kib) as f64 / 1024.0)
    }
}

fn zone_rows(server: &Server, zones: &[&str]) -> Json {
    let rows: Vec<Json> = zones
        .iter()
        .zip(1..)
        .map(|(zone, id)| {
            json!({
                "id": id,
                "zone": zone,
                "type": "PowerDNS",
                "server_url": server.proxy.url(),
                "api_key": server.pdns.key,
            })
        })
        .collect();
    Json::Array(rows)
}

/// The /16's fillers at the VMs' reverse names: the state before a first
/// resync of VMs whose addresses were someone else's.
fn fillers_at(recs: &[Record]) -> Vec<Record> {
    let names: HashSet<&str> = recs.iter().map(|r| r.name.as_str()).collect();
    fillers(REV4_16, filler_count(REV4_16))
        .into_iter()
        .filter(|f| names.contains(f.name.as_str()))
        .collect()
}

/// Every set of `keys` and `state`: what [`Server::pdns`]`.set_state`
/// must cover to leave exactly `state` at the VMs' names.
fn keys(case: &Case) -> Vec<Record> {
    case.recs.iter().chain(&case.before).cloned().collect()
}

/// PowerDNS's own time, per zone, to PATCH the VMs' sets in from the state
/// before (directly, without the proxy): median of 3.
async fn write_cost(server: &Server, case: &Case) -> Res<BTreeMap<String, Duration>> {
    let mut samples: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    if !case.writes {
        return Ok(BTreeMap::new());
    }
    for _ in 0..3 {
        server.pdns.set_state(&keys(case), &case.before).await?;
        let mut by_zone: BTreeMap<&str, Vec<Json>> = BTreeMap::new();
        for (rec, contents) in scenario::sets(&case.recs) {
            by_zone
                .entry(rec.zone)
                .or_default()
                .push(replace(&rec.name, rec.rrtype, rec.ttl, &contents));
        }
        for (zone, rrsets) in by_zone {
            let took = server.pdns.patch(zone, rrsets).await?;
            samples.entry(zone.to_owned()).or_default().push(took);
        }
    }
    Ok(samples
        .into_iter()
        .map(|(zone, s)| (zone, median(s)))
        .collect())
}

/// Runs a scenario `REPEAT` times, each from its state before, each with
/// its result, its requests and the records afterwards checked.
async fn measure(
    php: &Php,
    server: &Server,
    zones: &[&str],
    case: Case,
    start: Duration,
) -> Res<Measured> {
    let names = names_by_zone(&case.recs);
    println!(
        "\n{}: {} records at {} names in {} zones",
        case.scenario,
        case.recs.len(),
        names.values().sum::<usize>(),
        names.len()
    );
    let write_cost = write_cost(server, &case).await?;
    let read_cost = names
        .keys()
        .map(|z| {
            let c = server.cost(z);
            ((*z).to_owned(), (c.get, c.full_get))
        })
        .collect();
    let job = json!({
        "zones": zone_rows(server, zones),
        "options": case.options,
        "action": case.action,
        "vms": case.vms.iter().map(vm_json).collect::<Vec<_>>(),
    });
    let mut runs = Vec::new();
    for i in 0..REPEAT {
        server.pdns.set_state(&keys(&case), &case.before).await?;
        let what = format!("{} (run {})", case.scenario, i + 1);
        let mark = server.proxy.mark();
        let run = php.run(&what, &job)?;
        let traffic = Traffic::of(&server.proxy.since(mark));
        traffic.check_counts(&what, &run.counts, &names, &|_| case.writes)?;
        if !traffic.errors.is_empty() {
            println!("  HTTP 5xx, tried again: {}", traffic.errors.join("; "));
        }
        if !case.writes && (run.created, run.deleted) != (0, 0) {
            return Err(format!(
                "{what}: nothing to change, yet {} created and {} deleted",
                run.created, run.deleted
            )
            .into());
        }
        server.pdns.verify_zones(&case.recs, &what).await?;
        println!(
            "  run {}: {:.0} ms (the call {:.0} ms, peak {:.1} MiB), {}; {} created, {} deleted, {} unchanged",
            i + 1,
            ms(run.wall),
            ms(run.call),
            run.peak_kib as f64 / 1024.0,
            stats::per_zone(&run.counts),
            run.created,
            run.deleted,
            run.unchanged
        );
        runs.push(run);
    }
    Ok(Measured {
        case,
        runs,
        write_cost,
        read_cost,
        start,
        writes_at_once: server.pdns.backend == Backend::Mysql,
    })
}

/// A figure of the table: met or not, and why not.
fn verdict(m: &Measured) -> (String, bool) {
    let Some(run) = m.median() else {
        return ("no runs".to_owned(), false);
    };
    match m.case.goal {
        Goal::Ratio(ratio, requests) => {
            let got = ms(run.wall) / ms(m.least());
            let most = stats::most_per_zone(&run.counts);
            let mut why = Vec::new();
            if got > ratio {
                why.push(format!("{got:.2}×"));
            }
            if most > requests {
                let over: Vec<String> = run
                    .counts
                    .iter()
                    .filter(|c| c.read_requests + c.write_requests > requests)
                    .map(|c| {
                        format!(
                            "{} {} requests",
                            stats::short(&c.zone),
                            c.read_requests + c.write_requests
                        )
                    })
                    .collect();
                why.push(over.join(", "));
            }
            if why.is_empty() {
                ("met".to_owned(), true)
            } else {
                (format!("not met: {}", why.join("; ")), false)
            }
        }
        Goal::Within(limit) => {
            if run.wall <= limit {
                ("met".to_owned(), true)
            } else {
                (format!("not met: {:.2} s", run.wall.as_secs_f64()), false)
            }
        }
        Goal::Reference => ("".to_owned(), true),
    }
}

/// A naive client's run of a one-VM scenario, beside the engine's.
struct NaiveRow {
    scenario: String,
    run: Naive,
    least: Duration,
}

fn table(empty: &[(Duration, u64)], measured: &[Measured], naive: &[NaiveRow]) -> String {
    let mut out = String::from(
        "| Scenario | Least possible (ms) | Measured (ms) | Ratio | Requests per zone | Goal | Met | Notes |\n|---|---:|---:|---:|---|---|---|---|\n",
    );
    out.push_str(&format!(
        "| empty start: `php -d extension=… -r ''` | | {:.0} | | none | | | {}; peak {:.1} MiB |\n",
        ms(median(empty.iter().map(|e| e.0).collect())),
        report::walls_note(empty.iter().map(|e| e.0)),
        idle_kib(empty) as f64 / 1024.0
    ));
    for m in measured {
        let Some(run) = m.median() else { continue };
        let (met, _) = verdict(m);
        out.push_str(&format!(
            "| {} | {:.0} | {:.0} | {:.2}× | {} | {} | {met} | {}; the call inside PHP {:.0} ms; computed for the engine's reads and the server's writes: {:.0} ms; peak {:.1} MiB |\n",
            m.case.scenario,
            ms(m.least()),
            ms(run.wall),
            ms(run.wall) / ms(m.least()),
            stats::per_zone(&run.counts),
            m.case.goal.text(),
            report::walls_note(m.runs.iter().map(|r| r.wall)),
            ms(run.call),
            ms(m.least_as_read(&run.counts)),
            run.peak_kib as f64 / 1024.0,
        ));
    }
    for n in naive {
        out.push_str(&format!(
            "| {} | {:.0} | {:.0} | {:.2}× | {} PATCH, one per record, one after the other | for comparison | | 1 run, in the benchmark process (no php start) |\n",
            n.scenario,
            ms(n.least),
            ms(n.run.wall()),
            ms(n.run.wall()) / ms(n.least),
            n.run.sent,
        ));
    }
    out
}

/// An idle `php`'s peak memory: the least of the empty starts, in KiB.
fn idle_kib(empty: &[(Duration, u64)]) -> u64 {
    empty.iter().map(|e| e.1).min().unwrap_or(0)
}

/// Per scenario and zone: the median run's read and write, and what each
/// costs the server.
fn zone_table(measured: &[Measured]) -> String {
    let mut out = String::from(
        "| Scenario | Zone | Read | Read requests | Write requests | Records seen | Server: filtered GET (ms) | Server: whole-zone GET (ms) | Server: this PATCH (ms) |\n|---|---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for m in measured {
        let Some(run) = m.median() else { continue };
        for c in &run.counts {
            let (get, whole) = m.read_cost.get(&c.zone).copied().unwrap_or_default();
            out.push_str(&format!(
                "| {} | `{}` | {} | {} | {} | {} | {:.1} | {:.1} | {} |\n",
                m.case.scenario,
                c.zone,
                c.read,
                c.read_requests,
                c.write_requests,
                c.zone_records.map_or("".to_owned(), |n| n.to_string()),
                ms(get),
                ms(whole),
                m.write_cost
                    .get(&c.zone)
                    .map_or("none".to_owned(), |d| format!("{:.1}", ms(*d))),
            ));
        }
    }
    out
}

fn find<'a>(measured: &'a [Measured], scenario: &str) -> Option<&'a Measured> {
    measured.iter().find(|m| m.case.scenario == scenario)
}

/// A few sentences computed from the figures.
fn interpretation(
    empty: Duration,
    idle_kib: u64,
    measured: &[Measured],
    naive: &[NaiveRow],
    servers: &[&Server],
) -> Vec<String> {
    let mut lines = Vec::new();
    let wall = |scenario: &str| {
        find(measured, scenario)
            .and_then(Measured::median)
            .map_or(f64::NAN, |r| ms(r.wall))
    };
    let call = |scenario: &str| {
        find(measured, scenario)
            .and_then(Measured::median)
            .map_or(f64::NAN, |r| ms(r.call))
    };
    let held = || {
        measured
            .iter()
            .filter(|m| !matches!(m.case.goal, Goal::Reference))
    };
    let met: Vec<&str> = held()
        .filter(|m| verdict(m).1)
        .map(|m| m.case.scenario.as_str())
        .collect();
    let missed: Vec<String> = held()
        .filter(|m| !verdict(m).1)
        .map(|m| {
            let (why, _) = verdict(m);
            format!(
                "{} ({})",
                m.case.scenario,
                why.strip_prefix("not met: ").unwrap_or(&why)
            )
        })
        .collect();
    lines.push(format!(
        "Goals met: {}. Not met: {}.",
        if met.is_empty() {
            "none".to_owned()
        } else {
            met.join("; ")
        },
        if missed.is_empty() {
            "none".to_owned()
        } else {
            missed.join("; ")
        }
    ));
    lines.push(format!(
        "An empty `php` start with the extension takes {:.0} ms, spawn to exit, before any request, and every whole process pays it: the least possible counts it once, then the requests. With nothing to change the one VM took {:.0} ms; the call itself took {:.0} ms inside PHP against {:.0} ms for the requests alone ({:.2}×), so {:.0} ms are the process (its start, the script, the zone rows).",
        ms(empty),
        wall(NOTHING),
        call(NOTHING),
        find(measured, NOTHING).map_or(f64::NAN, |m| ms(m.least_requests())),
        call(NOTHING) / find(measured, NOTHING).map_or(f64::NAN, |m| ms(m.least_requests())),
        wall(NOTHING) - call(NOTHING),
    ));
    for (scenario, sqlite) in [
        (CREATE, format!("{CREATE}{ON_SQLITE}")),
        (STALE, format!("{STALE}{ON_SQLITE}")),
    ] {
        let (Some(at_once), Some(in_turns)) = (find(measured, scenario), find(measured, &sqlite))
        else {
            continue;
        };
        let (Some(a), Some(t)) = (at_once.median(), in_turns.median()) else {
            continue;
        };
        lines.push(format!(
            "{scenario}: {:.0} ms on gmysql against the least possible {:.0} ms, reading {} and writing the three zones at once; on sqlite {:.0} ms against {:.0} ms: sqlite answers a PATCH beside another with 500 \"database is locked\", so the first writes of a new process find that out (HTTP 5xx tried again: {} per run, median) and the rest take turns, three round trips in a row (computed for the engine's reads with the writes in turn: {:.0} ms).",
            ms(a.wall),
            ms(at_once.least()),
            stats::read_column(&a.counts),
            ms(t.wall),
            ms(in_turns.least()),
            stats::writes(&t.counts).saturating_sub(t.counts.iter().filter(|c| c.write_requests > 0).count() as u64),
            ms(in_turns.least_as_read(&t.counts)),
        ));
    }
    let side: Vec<String> = [CREATE, NOTHING, STALE]
        .iter()
        .filter_map(|scenario| {
            let engine = find(measured, scenario)?.median()?;
            let names = find(
                measured,
                &format!("{scenario}, every zone read by name (`reads` => `names`)"),
            )?
            .median()?;
            let n = naive
                .iter()
                .find(|n| n.scenario == format!("{scenario}, naive client"))?;
            Some(format!(
                "{scenario}: {:.0} ms with {} requests; by name {:.0} ms with {}; the naive client {:.0} ms with {}",
                ms(engine.wall),
                stats::reads(&engine.counts) + stats::writes(&engine.counts),
                ms(names.wall),
                stats::reads(&names.counts) + stats::writes(&names.counts),
                ms(n.run.wall()),
                n.run.sent,
            ))
        })
        .collect();
    if !side.is_empty() {
        lines.push(format!(
            "Side by side on gmysql, in this run: {}. By name, the IPv6 zone's 32 names take four rounds of 8 GETs where one search takes one.",
            side.join("; ")
        ));
    }
    let whole_16 = servers
        .iter()
        .flat_map(|s| s.costs.iter())
        .find(|(z, _)| *z == REV4_16)
        .map(|(_, c)| *c);
    if let Some(c16) = whole_16 {
        let many: Vec<&Measured> = measured
            .iter()
            .filter(|m| m.case.action == "resyncMany")
            .collect();
        let times: Vec<String> = many
            .iter()
            .filter_map(|m| {
                m.median().map(|r| {
                    format!(
                        "{} VMs {}: {:.0} ms (the call {:.0} ms)",
                        m.case.vms.len(),
                        if m.case.writes {
                            "all to write"
                        } else {
                            "nothing to change"
                        },
                        ms(r.wall),
                        ms(r.call)
                    )
                })
            })
            .collect();
        let ways: Vec<String> = many
            .iter()
            .filter_map(|m| {
                m.median()
                    .map(|r| format!("{}: {}", m.case.scenario, stats::read_column(&r.counts)))
            })
            .collect();
        let patch_16: Vec<String> = many
            .iter()
            .filter_map(|m| {
                m.write_cost
                    .get(REV4_16)
                    .map(|d| format!("{:.0} ms for {} VMs", ms(*d), m.case.vms.len()))
            })
            .collect();
        lines.push(format!(
            "resyncMany in the /16: {}. The reads: {}. The requests do not grow with the VMs: one read per zone (a search where the VMs' names share a narrow pattern, as 100 VMs' 200 addresses in one /24 of the /16 do; the whole zone where they spread over it, as 1,000 VMs' over eight /24s do) and one PATCH per zone with something to write, the two zones' PATCHes one after the other (sqlite). The /16's whole-zone GET costs PowerDNS {:.0} ms for {:.1} MB however many VMs are synced, and its PATCH {} (of one rrset: {:.0} ms): where the time goes is those, with the process and the engine on top.",
            times.join("; "),
            ways.join("; "),
            ms(c16.full_get),
            c16.full_bytes as f64 / 1e6,
            patch_16.join(", "),
            ms(c16.patch),
        ));
    }
    if let (Some(at_64), Some(at_8)) = (
        find(measured, AT_64),
        find(measured, "resyncMany, 100 VMs, /16: all to write"),
    ) {
        if let (Some(r64), Some(r8)) = (at_64.median(), at_8.median()) {
            lines.push(format!(
                "With `concurrency` 64 the same resyncMany took {:.0} ms ({}) against {:.0} ms at 8: the engine sends a PowerDNS server at most 8 requests at once (its API listens with a backlog of {}) and chooses how to read with that many in flight, whatever the sync allows.",
                ms(r64.wall),
                stats::read_column(&r64.counts),
                ms(r8.wall),
                servers
                    .first()
                    .and_then(|s| s.backlog)
                    .map_or("unknown size".to_owned(), |b| b.to_string()),
            ));
        }
    }
    let whole: Vec<String> = measured
        .iter()
        .filter(|m| {
            m.median().is_some_and(|r| {
                r.counts
                    .iter()
                    .any(|c| c.zone == REV4_16 && c.read == "zone")
            })
        })
        .filter_map(|m| {
            m.memory_above_idle(idle_kib).map(|above| {
                format!(
                    "{}: {:.1} MiB above an idle `php` ({}, goal ≤ {MEMORY_GOAL_MIB:.0} MB)",
                    m.case.scenario,
                    above,
                    if above * 1.048_576 <= MEMORY_GOAL_MIB {
                        "met"
                    } else {
                        "not met"
                    }
                )
            })
        })
        .collect();
    if !whole.is_empty() {
        lines.push(format!(
            "Peak memory (VmHWM of the php process) where the /16 (65,536 records, 10.4 MB) was read whole: {}; the idle `php` peaks at {:.1} MiB. The zone is parsed as it streams in, keeping only the sets at the wanted names.",
            whole.join("; "),
            idle_kib as f64 / 1024.0
        ));
    }
    lines
}

fn section(
    php: &Php,
    empty: &[(Duration, u64)],
    measured: &[Measured],
    naive: &[NaiveRow],
    servers: &[&Server],
    started: &Started,
) -> String {
    let mut s = format!(
        "{HEADING}\n\nCommand: `{COMMAND}` (runs `build/deps.sh`, then `cargo build --release` at the repository root for `target/release/libpuq_dns.so`, then `{}`).  \n",
        report::cargo_command("scale")
    );
    let version = servers.first().map_or("unknown", |s| s.version.as_str());
    let built = php
        .built
        .map_or("unknown".to_owned(), httpdate::fmt_http_date);
    s.push_str(&started.run_line(&format!(
        "PHP {} (CLI, its default php.ini) with the release extension built {built}; PowerDNS Authoritative {version} on 127.0.0.1: for the one-VM scenarios one server with the gmysql backend on a private MariaDB 10.11 (tests/pdns/server.sh … mysql) and one with gsqlite3 (marked (sqlite)), for resyncMany one with gsqlite3",
        php.version
    )));
    s.push_str(&format!(
        "Each scenario is a whole process, timed from spawn to exit: `php -d extension=target/release/libpuq_dns.so bench/php/sync.php JOB.json`, where the script makes one `PuqDns\\DnsSync` call with the engine's default options (concurrency {CONCURRENCY}; one row again at 64, against PowerDNS's listen backlog of {}) and prints the result's `stats` per zone as JSON; the script also prints its peak resident memory (VmHWM of /proc/self/status, which counts the Rust side too). Each zone row points at a TCP proxy in the benchmark process that waits 50 ms after accepting a connection before it connects to PowerDNS (`Connection: close`, so a connection is a request). The benchmark fails unless the proxy saw exactly the GETs and PATCHes the stats report, and those are one GET per name for a zone read by name, one for a zone read whole or searched (`search-data`) and one PATCH per zone with something to write (plus one per HTTP 5xx tried again); unless every result is ok; and unless, after every run, each zone read back whole holds exactly the VMs' records (contents and TTL) at their names. Every run starts from its scenario's state, put directly. Rows are the median of {REPEAT} runs (all listed in the notes); the empty start, the median of {REPEAT_EMPTY}.\n\n",
        servers
            .first()
            .and_then(|s| s.backlog)
            .map_or("unknown size".to_owned(), |b| b.to_string()),
    ));
    s.push_str(&format!(
        "Zones: forward `{DOMAIN}` ({FILLER} A fillers), `{REV4_24}` (/24, {FILLER} PTR fillers), `{REV6}` ({FILLER} PTR fillers) on one server; `{DOMAIN}` ({FILLER} A fillers) and `{REV4_16}` (/16, all 65,536 PTRs) on the other. The one VM has 2 IPv4 and 32 IPv6: 2 A + 32 AAAA + 34 PTR = 68 records at 35 names (fwd 1, /24 2, ip6 32). \"Everything to create\" (`create`) starts with nothing at its names; \"nothing to change\" (`resync`) with exactly its records; \"stale records to fix\" (`resync`) with one A and one AAAA missing and a foreign A and AAAA at the FQDN, the PTR of 192.0.2.10 naming another host, one IPv6 PTR missing and another naming another host. resyncMany syncs 100 or 1,000 VMs of 2 IPv4 each from 198.18.101.1 on: 2 A per VM in `{DOMAIN}` and 2 PTR per VM in the /16; \"all to write\" starts with no A records and the /16's filler PTRs at their addresses, \"nothing to change\" with exactly their records. The resyncMany goals (issue 16) name no state, so both are held to them.\n\n"
    ));
    s.push_str(&table(empty, measured, naive));
    s.push_str("\nPer zone, the median run, and what PowerDNS itself takes (measured directly, without the proxy: a filtered GET median of 7, a whole-zone GET median of 3, and this scenario's PATCH of the VMs' sets from the state before, median of 3):\n\n");
    s.push_str(&zone_table(measured));
    s.push_str(
        "\nHow the least possible is computed: every zone in parallel, each with one read (50 ms + the server's filtered GET: the least a read takes, as if all the zone's names went in one request) and, when the call has something to write, one write (50 ms + the server's time for this scenario's PATCH, above); the slowest zone is the least possible. To it comes the empty `php` start (the median above), which every whole process pays; it counts no PHP script and no engine time. The ratio is the measured median over it. \"Computed for the engine's reads and the server's writes\" is the `php` start plus, on gmysql, the slowest zone's read as the engine chose it (a filtered GET for a read by name or a search, the whole-zone GET for a zone read, + 50 ms each) and its write; on sqlite, the slowest read, then every zone's write in turn: what this engine's choices cost at least, where the least possible is what any client could do.\n",
    );
    s.push_str("\nInterpretation:\n\n");
    let empty_wall = median(empty.iter().map(|e| e.0).collect());
    for line in interpretation(empty_wall, idle_kib(empty), measured, naive, servers) {
        s.push_str(&format!("- {line}\n"));
    }
    s
}

#[tokio::main]
async fn main() -> Res<()> {
    let started = Started::now();
    let php = Php::new()?;
    php.announce();
    let mut empty = Vec::new();
    for _ in 0..REPEAT_EMPTY {
        empty.push(php.empty_start_measured()?);
    }
    println!(
        "empty php start: {}, peak {:.1} MiB",
        report::walls_note(empty.iter().map(|e| e.0)),
        idle_kib(&empty) as f64 / 1024.0
    );
    let start = median(empty.iter().map(|e| e.0).collect());

    let mut measured = Vec::new();
    let one_zones = [DOMAIN, REV4_24, REV6];
    let at_once = Server::start_with("1 VM, gmysql", &one_zones, DELAY, Backend::Mysql).await?;
    let in_turns = Server::start("1 VM, sqlite", &one_zones, DELAY).await?;
    let vm = BenchVm::big([Ipv4Addr::new(192, 0, 2, 10), Ipv4Addr::new(192, 0, 2, 11)]);
    let recs = vm.records(REV4_24);
    for (server, suffix) in [(&at_once, ""), (&in_turns, ON_SQLITE)] {
        let one_cases = [
            (CREATE, "create", Vec::new(), true, Goal::Ratio(1.1, 2)),
            (NOTHING, "resync", recs.clone(), false, Goal::Ratio(1.2, 2)),
            (STALE, "resync", stale(&recs), true, Goal::Ratio(1.1, 2)),
        ];
        for (scenario, action, before, writes, goal) in one_cases {
            let case = Case {
                scenario: format!("{scenario}{suffix}"),
                action,
                vms: vec![vm.clone()],
                recs: recs.clone(),
                before,
                writes,
                goal,
                options: Json::Null,
            };
            measured.push(measure(&php, server, &one_zones, case, start).await?);
        }
    }
    // The same on gmysql with every zone read by name (the engine before
    // its other read ways), and through a naive client.
    let mut naive_rows = Vec::new();
    for (scenario, action, before, writes) in [
        (CREATE, "create", Vec::new(), true),
        (NOTHING, "resync", recs.clone(), false),
        (STALE, "resync", stale(&recs), true),
    ] {
        let case = Case {
            scenario: format!("{scenario}, every zone read by name (`reads` => `names`)"),
            action,
            vms: vec![vm.clone()],
            recs: recs.clone(),
            before: before.clone(),
            writes,
            goal: Goal::Reference,
            options: json!({ "reads": "names" }),
        };
        let least = find(&measured, scenario).map_or(Duration::ZERO, Measured::least);
        measured.push(measure(&php, &at_once, &one_zones, case, start).await?);
        at_once
            .pdns
            .set_state(
                &recs.iter().chain(&before).cloned().collect::<Vec<_>>(),
                &before,
            )
            .await?;
        let run = naive(&at_once.proxy, &at_once.pdns.key, &recs).await?;
        at_once
            .pdns
            .verify_zones(&recs, &format!("{scenario}, naive"))
            .await?;
        println!("  naive: {:.0} ms, {} PATCH", ms(run.wall()), run.sent);
        naive_rows.push(NaiveRow {
            scenario: format!("{scenario}, naive client"),
            run,
            least,
        });
    }

    println!();
    let many_zones = [DOMAIN, REV4_16];
    let many = Server::start("resyncMany", &many_zones, DELAY).await?;
    for (n, limit) in [(100u16, 1.3), (1000, 3.0)] {
        let vms = BenchVm::many(n);
        let recs = scenario::records(&vms, REV4_16);
        let label = if n == 1000 {
            "1,000".to_owned()
        } else {
            n.to_string()
        };
        let mut states = vec![
            (
                format!("resyncMany, {label} VMs, /16: all to write"),
                fillers_at(&recs),
                true,
                Json::Null,
            ),
            (
                format!("resyncMany, {label} VMs, /16: nothing to change"),
                recs.clone(),
                false,
                Json::Null,
            ),
        ];
        if n == 100 {
            states.push((
                AT_64.to_owned(),
                fillers_at(&recs),
                true,
                json!({ "concurrency": 64 }),
            ));
        }
        for (scenario, before, writes, options) in states {
            let case = Case {
                scenario,
                action: "resyncMany",
                vms: vms.clone(),
                recs: recs.clone(),
                before,
                writes,
                goal: Goal::Within(Duration::from_secs_f64(limit)),
                options,
            };
            measured.push(measure(&php, &many, &many_zones, case, start).await?);
        }
    }

    let table = table(&empty, &measured, &naive_rows);
    let section = section(
        &php,
        &empty,
        &measured,
        &naive_rows,
        &[&at_once, &in_turns, &many],
        &started,
    );
    report::publish(&table, HEADING, &section)
}
