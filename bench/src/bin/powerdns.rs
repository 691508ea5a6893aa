//! Benchmark: `DnsSync` end to end on a real PowerDNS (issue 3, "Speed").
//!
//! Starts private PowerDNS servers (tests/pdns/server.sh), puts a proxy in
//! front of each API that adds 50 ms to every request (a WAN round trip),
//! and times the sync engine against a naive client that sends one request
//! per record, one after the other, and against a computed minimum. The
//! table goes to stdout and to the "PowerDNS sync (issue 3)" section of
//! BENCHMARKS.md.
//!
//! ```sh
//! build/bench.sh powerdns
//! # or, with the dependencies already installed:
//! cargo run --release -p puq_dns_bench --bin powerdns
//! ```
//!
//! The engine chooses per zone how to read (the sets at the names, or the
//! whole zone), and says in its reports how it read each zone and with how
//! many requests. A run whose records are not on the server afterwards,
//! whose requests through the proxy are not the ones it reports, or whose
//! reported requests are not what its read ways and writes cost, exits
//! non-zero.

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;
use std::time::Duration;

use puq_dns_bench::engine::{self, Expect};
use puq_dns_bench::pdns::{self, naive, Naive, Traffic};
use puq_dns_bench::pdns_server::{filler_count, Cost, Server, FILL_CHUNK};
use puq_dns_bench::proxy::Proxy;
use puq_dns_bench::report::{self, ms, Row, Started};
use puq_dns_bench::scenario::{
    self, fillers, names_by_zone, BenchVm, Record, DOMAIN, FILLER, REV4_16, REV4_24, REV6,
};
use puq_dns_bench::stats::{self, ZoneCount};
use puq_dns_bench::Res;
use puq_dns_core::sync::{JobKind, SyncOptions};
use puq_dns_core::{Vm, ZoneSet};

/// Added by the proxy to every request, before it reaches PowerDNS.
const DELAY: Duration = Duration::from_millis(50);
/// Runs of each engine call; the table shows the median.
const REPEAT: usize = 3;

const HEADING: &str = "## PowerDNS sync (issue 3)";
const COMMAND: &str = "build/bench.sh powerdns";

const SCENARIO_A: &str = "A: 1 VM, 200-record zones";
const SCENARIO_B: &str = "B: 1 VM, /16 reverse zone";
const SCENARIO_C: &str = "C: resyncMany, 100 VMs, /16";

/// What the report says besides the table.
#[derive(Default)]
struct Context {
    version: String,
    /// (scenario, zone, records, cost)
    costs: Vec<(&'static str, &'static str, usize, Cost)>,
    full_get_16: Option<(Duration, usize)>,
    fill_16: Option<Duration>,
    /// The listen backlog of PowerDNS's API socket, as `ss` shows it.
    backlog: Option<u32>,
    /// How often PowerDNS logged `database is locked`.
    locked: usize,
    /// Engine runs that wrote, and how many of them got an HTTP 5xx.
    writing_runs: usize,
    writing_runs_5xx: usize,
    /// Connection attempts dropped by full listen queues in the
    /// concurrency-64 runs.
    dropped_64: u64,
}

/// Starts a server for `scenario` with `zones` filled, and notes what
/// the report says about it.
async fn start_server(
    scenario: &'static str,
    zones: &[&'static str],
    context: &mut Context,
) -> Res<Server> {
    let server = Server::start(scenario, zones, DELAY).await?;
    context.version.clone_from(&server.version);
    context.backlog = server.backlog;
    for (zone, cost) in &server.costs {
        context
            .costs
            .push((scenario, zone, filler_count(zone), *cost));
        if *zone == REV4_16 {
            context.full_get_16 = Some((cost.full_get, cost.full_bytes));
            context.fill_16 = server.fills.get(zone).map(|(_, took)| *took);
        }
    }
    Ok(server)
}

struct Measured {
    wall: Duration,
    traffic: Traffic,
    /// Per zone, how the engine says it read and wrote.
    counts: Vec<ZoneCount>,
    /// Connections the kernel dropped because a listen queue was full
    /// (counted for the whole machine, so another program's could be in
    /// it; there is none on a quiet machine).
    dropped: Option<u64>,
}

/// One `run` of the engine through the proxy, with its reports and its
/// requests checked: the proxy saw exactly the requests the engine reports
/// per zone, and those are one GET per name (a zone read by name) or one
/// (a zone read whole), and one PATCH per zone when `writes`, plus one per
/// HTTP 5xx answer tried again.
async fn engine(
    proxy: &Proxy,
    zones: &ZoneSet,
    vms: &[Vm],
    kind: JobKind<'_>,
    concurrency: usize,
    names: &BTreeMap<&'static str, usize>,
    writes: bool,
) -> Res<Measured> {
    let options = SyncOptions {
        concurrency,
        ..SyncOptions::default()
    };
    let expect = if writes {
        Expect::Any
    } else {
        Expect::Only("keep")
    };
    let overflows = pdns::listen_overflows();
    let mark = proxy.mark();
    let (wall, counts) = engine::sync_stats(zones, vms, kind, &options, expect).await?;
    let traffic = Traffic::of(&proxy.since(mark));
    let dropped = overflows
        .zip(pdns::listen_overflows())
        .map(|(before, after)| after.saturating_sub(before));
    traffic.check_counts(
        &engine::describe(kind, vms, &options),
        &counts,
        names,
        &|_| writes,
    )?;
    Ok(Measured {
        wall,
        traffic,
        counts,
        dropped,
    })
}

/// What one scenario syncs, and how its rows are named.
struct Workload {
    scenario: &'static str,
    zones: ZoneSet,
    vms: Vec<Vm>,
    recs: Vec<Record>,
    /// What the zones hold at the VMs' names before any VM, by name: the
    /// /16's fillers.
    before: HashMap<String, String>,
    /// The job that writes everything, from the state before any VM.
    write: (JobKind<'static>, &'static str),
    /// The label of the same VMs resynced right after: nothing to change.
    again: &'static str,
}

impl Workload {
    fn new(
        server: &Server,
        scenario: &'static str,
        rev4: &'static str,
        vms: &[BenchVm],
        write: (JobKind<'static>, &'static str),
        again: &'static str,
    ) -> Res<Workload> {
        let recs = scenario::records(vms, rev4);
        let before = fillers(rev4, filler_count(rev4))
            .into_iter()
            .filter(|f| recs.iter().any(|r| r.name == f.name))
            .map(|f| (f.name, f.content))
            .collect();
        Ok(Workload {
            scenario,
            zones: server.zone_set(&[DOMAIN, rev4, REV6])?,
            vms: scenario::vms(vms)?,
            recs,
            before,
            write,
            again,
        })
    }
}

/// Every run of one scenario: the engine writing everything and then
/// resyncing with nothing to change, at concurrency 8 and 64, `REPEAT`
/// times each; the naive client; the computed rows.
async fn measure(
    server: &Server,
    w: &Workload,
    rows: &mut Vec<Row>,
    context: &mut Context,
) -> Res<()> {
    let reads_by = names_by_zone(&w.recs);
    let reads: usize = reads_by.values().sum();
    println!(
        "\n{}: {} records at {reads} names in {} zones",
        w.scenario,
        w.recs.len(),
        reads_by.len()
    );
    let (kind, label) = w.write;
    // How the median writing run read each zone, by concurrency: the
    // estimates are computed for the same reads.
    let mut read_ways: Vec<(usize, Vec<ZoneCount>)> = Vec::new();
    for concurrency in [8, 64] {
        let mut written = Vec::new();
        for _ in 0..REPEAT {
            server.pdns.reset(&w.recs, &w.before).await?;
            let m = engine(
                &server.proxy,
                &w.zones,
                &w.vms,
                kind,
                concurrency,
                &reads_by,
                true,
            )
            .await?;
            server.pdns.verify(&w.recs, label).await?;
            written.push(m);
        }
        let mut again = Vec::new();
        for _ in 0..REPEAT {
            let m = engine(
                &server.proxy,
                &w.zones,
                &w.vms,
                JobKind::Resync,
                concurrency,
                &reads_by,
                false,
            )
            .await?;
            server.pdns.verify(&w.recs, w.again).await?;
            again.push(m);
        }
        context.writing_runs += written.len();
        context.writing_runs_5xx += written
            .iter()
            .filter(|m| !m.traffic.errors.is_empty())
            .count();
        if concurrency == 64 {
            context.dropped_64 += written
                .iter()
                .chain(&again)
                .filter_map(|m| m.dropped)
                .sum::<u64>();
        }
        if let Some(median) = report::median_run(&written, |m| m.wall) {
            read_ways.push((concurrency, median.counts.clone()));
        }
        for (what, runs) in [(label, written), (w.again, again)] {
            let row = engine_row(
                w.scenario,
                format!("engine {what}, concurrency {concurrency}"),
                &runs,
            );
            println!("  {}", row.progress());
            rows.push(row);
        }
    }

    server.pdns.reset(&w.recs, &w.before).await?;
    let n = naive(&server.proxy, &server.pdns.key, &w.recs).await?;
    server
        .pdns
        .verify(&w.recs[..n.sent], "after the naive run")
        .await?;
    let row = naive_row(w.scenario, &n);
    println!(
        "  {}: {:.0} ms, {} {}",
        row.method,
        ms(row.wall),
        row.requests,
        row.note
    );
    rows.push(row);

    push_computed(w.scenario, &reads_by, server, &read_ways, rows);
    Ok(())
}

/// One row for the runs of one engine call: the median run's time and
/// requests, every run's time, and what slowed any of them down.
fn engine_row(scenario: &'static str, method: String, runs: &[Measured]) -> Row {
    let Some(median) = report::median_run(runs, |m| m.wall) else {
        return Row {
            scenario,
            method,
            note: "no runs".to_owned(),
            ..Row::default()
        };
    };
    let mut note = report::walls_note(runs.iter().map(|m| m.wall));
    let retried: Vec<&Measured> = runs
        .iter()
        .filter(|m| !m.traffic.errors.is_empty())
        .collect();
    if let Some(error) = retried.first().and_then(|m| m.traffic.errors.first()) {
        note.push_str(&format!(
            "; HTTP 5xx retried in {} of {} runs (`{error}`)",
            retried.len(),
            runs.len(),
        ));
    }
    if runs.iter().any(|m| m.dropped.unwrap_or(0) > 0) {
        let dropped: Vec<String> = runs
            .iter()
            .map(|m| m.dropped.map_or("?".to_owned(), |d| d.to_string()))
            .collect();
        note.push_str(&format!("; listen-queue drops: {}", dropped.join(", ")));
    }
    // The engine remembers a zone's size once it has read it whole, so a
    // later run may choose otherwise than the first.
    let ways: Vec<String> = runs.iter().map(|m| stats::read_column(&m.counts)).collect();
    if ways
        .iter()
        .any(|w| *w != stats::read_column(&median.counts))
    {
        note.push_str(&format!("; reads by run: {}", ways.join("; ")));
    }
    Row {
        scenario,
        method,
        wall: median.wall,
        requests: median.traffic.requests(),
        read: stats::read_column(&median.counts),
        note,
    }
}

fn naive_row(scenario: &'static str, n: &Naive) -> Row {
    let estimated = n.sent < n.total;
    Row {
        scenario,
        method: "naive: 1 PATCH per record, sequential".to_owned(),
        wall: n.wall(),
        requests: if estimated {
            requests(0, n.total)
        } else {
            n.traffic.requests()
        },
        note: if estimated {
            format!(
                "ESTIMATE: {} of {} requests measured ({:.0} ms), scaled linearly",
                n.sent,
                n.total,
                ms(n.wall)
            )
        } else {
            "1 run".to_owned()
        },
        read: "no reads".to_owned(),
    }
}

fn requests(gets: usize, patches: usize) -> String {
    format!("{} ({gets} GET + {patches} PATCH)", gets + patches)
}

/// The computed minimum: every zone in parallel, one read (50 ms + one
/// filtered GET: the least a read can take, as if every name's GET went in
/// the same round trip) and one PATCH (50 ms + one PATCH); the slowest zone
/// is the wall time. With `writes` false, reads only.
fn minimum(reads: &BTreeMap<&'static str, usize>, server: &Server, writes: bool) -> Duration {
    reads
        .keys()
        .map(|zone| {
            let cost = server.cost(zone);
            DELAY
                + cost.get
                + if writes {
                    DELAY + cost.patch
                } else {
                    Duration::ZERO
                }
        })
        .max()
        .unwrap_or_default()
}

/// What the engine's bound on requests in flight allows for the reads it
/// chose: the GETs by name and the searches of all zones in ceil(GETs /
/// concurrency) rounds (each 50 ms + the slowest filtered GET, which a
/// search is taken to cost too), beside them each whole-zone GET
/// (50 ms + the server's time for it), then the slowest zone's PATCH. An
/// estimate, not a bound: it ignores that zones PATCH as soon as their own
/// reads are done, and that one server takes one PATCH at a time.
fn at_concurrency(concurrency: usize, ways: &[ZoneCount], server: &Server) -> (Duration, String) {
    let by_name: Vec<&ZoneCount> = ways
        .iter()
        .filter(|c| c.read == "names" || c.read == "filtered")
        .collect();
    let whole: Vec<&ZoneCount> = ways.iter().filter(|c| c.read == "zone").collect();
    let gets: u64 = by_name.iter().map(|c| c.read_requests).sum();
    let slots = gets + whole.len() as u64;
    let rounds = if gets == 0 {
        0
    } else {
        slots.div_ceil(concurrency.max(1) as u64)
    };
    let get = by_name
        .iter()
        .map(|c| server.cost(&c.zone).get)
        .max()
        .unwrap_or_default();
    let name_reads = (DELAY + get) * u32::try_from(rounds).unwrap_or(u32::MAX);
    let zone_reads = whole
        .iter()
        .map(|c| DELAY + server.cost(&c.zone).full_get)
        .max()
        .unwrap_or_default();
    let patch = ways
        .iter()
        .map(|c| server.cost(&c.zone).patch)
        .max()
        .unwrap_or_default();
    let mut how = Vec::new();
    match rounds {
        0 => {}
        1 => how.push("1 round trip by name or search".to_owned()),
        n => how.push(format!("{n} round trips by name or search")),
    }
    if !whole.is_empty() {
        let zones: Vec<&str> = whole.iter().map(|c| stats::short(&c.zone)).collect();
        how.push(format!("a whole-zone GET of {}", zones.join(", ")));
    }
    (
        name_reads.max(zone_reads) + DELAY + patch,
        format!("{}, then 1 PATCH", how.join(" beside ")),
    )
}

fn push_computed(
    scenario: &'static str,
    reads_by: &BTreeMap<&'static str, usize>,
    server: &Server,
    read_ways: &[(usize, Vec<ZoneCount>)],
    rows: &mut Vec<Row>,
) {
    let zones = reads_by.len();
    rows.push(Row {
        scenario,
        method: "theoretical minimum (computed)".to_owned(),
        wall: minimum(reads_by, server, true),
        requests: requests(zones, zones),
        note: "1 read + 1 write round trip per zone, zones in parallel".to_owned(),
        ..Row::default()
    });
    rows.push(Row {
        scenario,
        method: "theoretical minimum, nothing to change (computed)".to_owned(),
        wall: minimum(reads_by, server, false),
        requests: requests(zones, 0),
        note: "1 read round trip per zone, zones in parallel".to_owned(),
        ..Row::default()
    });
    for (concurrency, ways) in read_ways {
        let (wall, how) = at_concurrency(*concurrency, ways, server);
        rows.push(Row {
            scenario,
            method: format!("estimate at concurrency {concurrency} (computed)"),
            wall,
            requests: requests(stats::reads(ways) as usize, ways.len()),
            read: stats::read_column(ways),
            note: format!("the reads of the median writing run: {how}"),
        });
    }
}

#[tokio::main]
async fn main() -> Res<()> {
    let started = Started::now();
    let mut rows = Vec::new();
    let mut context = Context::default();

    // Scenario A on a server of its own, so the /16 is not in its database.
    {
        let server = start_server(SCENARIO_A, &[DOMAIN, REV4_24, REV6], &mut context).await?;
        let vm = BenchVm::big([Ipv4Addr::new(192, 0, 2, 10), Ipv4Addr::new(192, 0, 2, 11)]);
        let work = Workload::new(
            &server,
            SCENARIO_A,
            REV4_24,
            &[vm],
            (JobKind::Create, "create"),
            "resync, nothing to change",
        )?;
        measure(&server, &work, &mut rows, &mut context).await?;
        context.locked += server.pdns.log_lines("database is locked");
    }

    // Scenarios B and C share a server: the /16 is filled once.
    {
        println!();
        let server = start_server(SCENARIO_B, &[DOMAIN, REV4_16, REV6], &mut context).await?;
        let vm = BenchVm::big([Ipv4Addr::new(198, 18, 0, 10), Ipv4Addr::new(198, 18, 0, 11)]);
        let work = Workload::new(
            &server,
            SCENARIO_B,
            REV4_16,
            &[vm],
            (JobKind::Create, "create"),
            "resync, nothing to change",
        )?;
        measure(&server, &work, &mut rows, &mut context).await?;

        let work = Workload::new(
            &server,
            SCENARIO_C,
            REV4_16,
            &BenchVm::hundred(),
            (JobKind::Resync, "resyncMany, all to write"),
            "resyncMany, nothing to change",
        )?;
        measure(&server, &work, &mut rows, &mut context).await?;
        context.locked += server.pdns.log_lines("database is locked");
    }

    let table = report::table(&rows, "Requests");
    let section = section(&table, &rows, &context, &started);
    report::publish(&table, HEADING, &section)
}

/// A few sentences computed from the figures, so that they stay true
/// when the benchmark is run again.
fn interpretation(rows: &[Row], context: &Context) -> Vec<String> {
    let wall = |scenario: &str, method: &str| report::wall(rows, scenario, method);
    let requests = |scenario: &str, method: &str| report::total(rows, scenario, method);
    let cost = |zone: &str| {
        context
            .costs
            .iter()
            .filter(|(_, z, _, _)| *z == zone)
            .map(|(_, _, _, c)| *c)
            .next_back()
    };
    let create8 = "engine create, concurrency 8";
    let many8 = "engine resyncMany, all to write, concurrency 8";
    let mut lines = Vec::new();

    lines.push(format!(
        "Writing everything at concurrency 8 the engine took {:.0} ms (A), {:.0} ms (B) and {:.0} ms (C) with {}, {} and {} requests; the naive client took {:.0} ms, {:.0} ms and {:.0} ms with {}, {} and {}; the computed minimum is {:.0}, {:.0} and {:.0} ms.",
        wall(SCENARIO_A, create8),
        wall(SCENARIO_B, create8),
        wall(SCENARIO_C, many8),
        requests(SCENARIO_A, create8),
        requests(SCENARIO_B, create8),
        requests(SCENARIO_C, many8),
        wall(SCENARIO_A, "naive"),
        wall(SCENARIO_B, "naive"),
        wall(SCENARIO_C, "naive"),
        requests(SCENARIO_A, "naive"),
        requests(SCENARIO_B, "naive"),
        requests(SCENARIO_C, "naive"),
        wall(SCENARIO_A, "theoretical minimum (computed)"),
        wall(SCENARIO_B, "theoretical minimum (computed)"),
        wall(SCENARIO_C, "theoretical minimum (computed)"),
    ));

    let gets: Vec<f64> = context.costs.iter().map(|(_, _, _, c)| ms(c.get)).collect();
    let read = |scenario: &str, method: &str| {
        report::find(rows, scenario, method).map_or(String::new(), |r| r.read.clone())
    };
    let again8 = "engine resync, nothing to change, concurrency 8";
    let many_again8 = "engine resyncMany, nothing to change, concurrency 8";
    lines.push(format!(
        "The engine reads one name with a filtered GET, several with one `search-data` GET whose pattern covers them when one is narrower than the zone (`filtered`), and else by name (at most 8 at once per PowerDNS server) or whole, in one unfiltered GET, whichever takes fewer round trips for the zone's size (remembered in the process once seen; a zone of unknown size counts as two); a search that comes back cut off or unfiltered is not trusted. At concurrency 8 it read A as {} and C as {}: {} and {} GETs where one per name would be 35 and 300. A filtered GET costs PowerDNS {:.1} to {:.1} ms, in the /16 as in a 200-record zone, so a GET by name or a search is one 50 ms round trip; with nothing to change A took {:.0} ms (the minimum is {:.0} ms) and C {:.0} ms, where reading the /16 whole would take its whole-zone GET{}.",
        read(SCENARIO_A, again8),
        read(SCENARIO_C, many_again8),
        requests(SCENARIO_A, again8),
        requests(SCENARIO_C, many_again8),
        gets.iter().copied().fold(f64::INFINITY, f64::min),
        gets.iter().copied().fold(0.0, f64::max),
        wall(SCENARIO_A, again8),
        wall(SCENARIO_A, "theoretical minimum, nothing to change"),
        wall(SCENARIO_C, many_again8),
        context
            .full_get_16
            .map(|(d, bytes)| format!(
                " ({:.0} ms of PowerDNS's own time for {:.1} MB, plus the 50 ms round trip)",
                ms(d),
                bytes as f64 / 1e6
            ))
            .unwrap_or_default(),
    ));

    if context.dropped_64 > 0 {
        lines.push(format!(
            "At concurrency 64 the engine still sends a PowerDNS server at most 8 requests at once (A: {}; C: {}), as PowerDNS's API socket listens with a backlog of {}: the kernel counted {} connection attempts dropped by full listen queues during the concurrency-64 runs (a machine-wide counter), and a dropped SYN is sent again only after 1 s. A resync of A took {:.0} ms at 64 against {:.0} ms at 8; of C, {:.0} ms against {:.0} ms.",
            read(SCENARIO_A, "engine resync, nothing to change, concurrency 64"),
            read(SCENARIO_C, "engine resyncMany, nothing to change, concurrency 64"),
            context
                .backlog
                .map_or("unknown size".to_owned(), |b| b.to_string()),
            context.dropped_64,
            wall(SCENARIO_A, "engine resync, nothing to change, concurrency 64"),
            wall(SCENARIO_A, "engine resync, nothing to change, concurrency 8"),
            wall(SCENARIO_C, "engine resyncMany, nothing to change, concurrency 64"),
            wall(SCENARIO_C, "engine resyncMany, nothing to change, concurrency 8"),
        ));
    }

    if let (Some(big), Some(small)) = (cost(REV4_16), cost(REV4_24)) {
        lines.push(format!(
            "A PATCH costs PowerDNS {:.0} ms in the /16 against {:.0} ms in the 200-record /24, however little it changes{}. The engine pays that once per zone and run; the naive client pays it for every PTR it writes in the /16 (2 in B, 200 in C).",
            ms(big.patch),
            ms(small.patch),
            context
                .full_get_16
                .map(|(d, bytes)| format!(
                    " (an unfiltered GET of the /16 takes {:.0} ms for {:.1} MB)",
                    ms(d),
                    bytes as f64 / 1e6
                ))
                .unwrap_or_default(),
        ));
    }

    let (runs, failed) = (context.writing_runs, context.writing_runs_5xx);
    if failed > 0 {
        lines.push(format!(
            "{failed} of {runs} writing engine runs had a PATCH answered HTTP 500: with gsqlite3, PowerDNS fails a PATCH at once (`database is locked`, in {} lines of its log) while another zone's PATCH on the same server holds the database. The engine sends a server's PATCHes at once until one is refused beside another; then that one is tried again at once in its turn, and the server's PATCHes take turns for the rest of the process, so only the first writing run of each server here (the runs share one process) pays it. In turns, A's create at concurrency 8 took {:.0} ms against the {:.0} ms estimate, which counts one PATCH round trip, not one per zone; a PowerDNS on gmysql takes them at once (see Reads that scale).",
            context.locked,
            wall(SCENARIO_A, create8),
            wall(SCENARIO_A, "estimate at concurrency 8"),
        ));
    } else if runs > 0 {
        lines.push(format!(
            "None of the {runs} writing engine runs got an HTTP 5xx ({} lines of PowerDNS's log say `database is locked`): the zones' PATCHes did not meet. A's create at concurrency 8 took {:.0} ms against the {:.0} ms estimate.",
            context.locked,
            wall(SCENARIO_A, create8),
            wall(SCENARIO_A, "estimate at concurrency 8"),
        ));
    }
    lines
}

fn section(table: &str, rows: &[Row], context: &Context, started: &Started) -> String {
    let mut s = report::head(HEADING, COMMAND, &report::cargo_command("powerdns"));
    s.push_str(&started.run_line(&format!(
        "PowerDNS Authoritative {} with the gsqlite3 backend on 127.0.0.1, one server for A and one for B and C",
        context.version
    )));
    s.push_str(&format!(
        "Every API request goes through a TCP proxy in the benchmark process that waits 50 ms after \
accepting a connection before it connects to PowerDNS. PowerDNS answers `Connection: close`, so a \
connection is a request: the request counts are the proxy's connection counts. The engine chooses per \
zone how to read it (by name, with one search, or whole) and reports per zone the way, its read requests and its write \
requests (`SyncReport::zones`, `stats` in PHP); the benchmark fails unless every response said \
`Connection: close`, the proxy saw exactly the GETs and PATCHes the engine reports, and those are what \
the reported ways cost: one GET per name for a zone read by name, one for a zone read whole or searched, one PATCH \
per zone with something to write, plus one per HTTP 5xx retried. The Read column is the median run's \
way and read requests per zone (fwd `{DOMAIN}`, /24 `{REV4_24}`, /16 `{REV4_16}`, ip6 `{REV6}`); the \
engine remembers a zone's size once it has read it whole, so a later run may choose otherwise than the \
first (the notes say when one did). After every run the records are read back \
from PowerDNS directly; a wrong record fails the benchmark. Engine rows are the median of {REPEAT} \
runs (all listed in the notes), each with the default options but `concurrency`; the naive client runs once.\n\n"
    ));
    s.push_str(&format!(
        "Zones: forward `{DOMAIN}` ({FILLER} A fillers), `{REV4_24}` (/24, {FILLER} PTR fillers), \
`{REV6}` ({FILLER} PTR fillers), `{REV4_16}` (/16, all 65,536 PTRs). The VM of A and B has 2 IPv4 and \
32 IPv6: 2 A + 32 AAAA + 34 PTR = 68 records at 35 names. C resyncs 100 VMs of 2 IPv4 each in the /16: \
200 A + 200 PTR at 300 names; \"all to write\" starts with no A records and the /16's filler PTRs at \
their addresses. A and B \"create\" start from no records of the VM (B's two PTRs replace fillers).\n\n"
    ));
    s.push_str(table);
    s.push_str("\nWhat PowerDNS itself takes (measured directly, without the proxy):\n\n");
    s.push_str("| Scenario | Zone | Fillers | Filtered GET (ms) | Whole-zone GET (ms) | Whole-zone GET (MB) | PATCH of 1 rrset (ms) |\n|---|---|---:|---:|---:|---:|---:|\n");
    for (scenario, zone, records, cost) in &context.costs {
        s.push_str(&format!(
            "| {} | `{zone}` | {records} | {:.1} | {:.1} | {:.2} | {:.1} |\n",
            &scenario[..1],
            ms(cost.get),
            ms(cost.full_get),
            cost.full_bytes as f64 / 1e6,
            ms(cost.patch)
        ));
    }
    if let Some((full, bytes)) = context.full_get_16 {
        s.push_str(&format!(
            "\nFor reference, an unfiltered GET of the /16 zone takes {:.0} ms and returns {:.1} MB",
            ms(full),
            bytes as f64 / 1e6
        ));
        if let Some(fill) = context.fill_16 {
            s.push_str(&format!(
                "; filling it took {:.1} s in PATCHes of {FILL_CHUNK} rrsets",
                fill.as_secs_f64()
            ));
        }
        s.push_str(".\n");
    }
    s.push_str(
        "\nHow the computed rows are computed: the theoretical minimum runs every zone in parallel, \
each with one read (50 ms + the server's filtered GET above: the least a read can take, as if all the \
zone's names went in one round trip) and then one PATCH (50 ms + the server's PATCH above); the \
slowest zone is the wall time, and its requests are one read and one write per zone. The \
\"estimate at concurrency N\" rows take the reads the median writing run at N chose (its Read \
column) and allow N requests in flight, as the engine does: ceil(requests / N) round trips for the \
GETs by name (with the slowest zone's filtered GET) beside each whole-zone GET (50 ms + the server's \
whole-zone GET above), then the slowest zone's PATCH. The naive \
client sends one PATCH REPLACE per record, each after the previous answer, without reading first \
(the k-th record of a set replaces the set with its first k records).\n",
    );
    s.push_str("\nInterpretation:\n\n");
    for line in interpretation(rows, context) {
        s.push_str(&format!("- {line}\n"));
    }
    s
}
