//! Benchmark: `DnsSync` end to end on a real BIND 9 over RFC 2136.
//!
//! Starts a private BIND 9 (tests/bind/server.sh) with a forward zone, an
//! IPv4 /24 and an IPv6 reverse zone of 200 filler records each, puts a
//! proxy in front of it for each zone that adds 50 ms to every TCP
//! connection (a WAN round trip) and counts the DNS messages on it by
//! opcode (zone transfers apart), and times the sync engine on one VM of
//! 2 IPv4 and 32 IPv6 with
//! everything to create, nothing to change and stale records to fix;
//! against the same runs without the proxy and a naive client (nsupdate,
//! one UPDATE per record). The tables go to stdout and to the "RFC 2136
//! sync" section of BENCHMARKS.md.
//!
//! ```sh
//! build/bench.sh rfc2136
//! # or, with the dependencies already installed:
//! cargo run --release -p puq_dns_bench --bin rfc2136
//! ```
//!
//! The engine chooses per zone how to read (one query per set, or one
//! signed AXFR of the whole zone), and says in its reports how it read
//! each zone and with how many messages. A run whose zones do not hold
//! exactly their fillers and the VM's records afterwards (read back by a
//! signed zone transfer with dig), whose messages per zone are not the
//! ones it reports, or whose reported messages are not what its read ways
//! and UPDATEs cost, exits non-zero.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use puq_dns_bench::bind::{self, Bind};
use puq_dns_bench::engine::{self, Expect};
use puq_dns_bench::proxy::{DnsCount, Protocol, Proxy};
use puq_dns_bench::report::{self, ms, Row, Started};
use puq_dns_bench::scenario::{
    fillers, records_by_zone, sets, sets_by_zone, stale, BenchVm, Record, DOMAIN, FILLER, REV4_24,
    REV6,
};
use puq_dns_bench::stats::{self, Cost, ZoneCount};
use puq_dns_bench::Res;
use puq_dns_core::sync::{JobKind, SyncOptions};
use puq_dns_core::{Array, Value, Vm, ZoneSet};

/// Added by the proxy to every connection, before it reaches BIND.
const DELAY: Duration = Duration::from_millis(50);
/// Runs of each engine call; the table shows the median.
const REPEAT: usize = 3;
const ZONES: [&str; 3] = [DOMAIN, REV4_24, REV6];
/// The NS record tests/dns-zones.sh gives every zone.
const NS: &str = "ns1.puq-dns.test.";

const HEADING: &str = "## RFC 2136 sync (issue 15)";
const COMMAND: &str = "build/bench.sh rfc2136";

const CREATE: &str = "1 VM: everything to create";
const NOTHING: &str = "1 VM: nothing to change";
const STALE: &str = "1 VM: stale records to fix";

/// What the zones hold at the VM's names before a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Before {
    /// Nothing: a VM being deployed.
    Empty,
    /// Exactly the VM's records.
    Synced,
    /// Some of the VM's records missing, others wrong, foreign ones at its
    /// names: see `stale`.
    Stale,
}

/// One scenario: what is there before, and the job that puts it right.
struct Case {
    scenario: &'static str,
    before: Before,
    kind: JobKind<'static>,
    label: &'static str,
    expect: Expect,
}

const CASES: [Case; 3] = [
    Case {
        scenario: CREATE,
        before: Before::Empty,
        kind: JobKind::Create,
        label: "create",
        expect: Expect::Only("create"),
    },
    Case {
        scenario: NOTHING,
        before: Before::Synced,
        kind: JobKind::Resync,
        label: "resync",
        expect: Expect::Only("keep"),
    },
    Case {
        scenario: STALE,
        before: Before::Stale,
        kind: JobKind::Resync,
        label: "resync",
        expect: Expect::Any,
    },
];

/// BIND with its zones filled, a proxy per zone, and zone rows through
/// the proxies and straight to BIND.
struct Server {
    bind: Bind,
    proxies: BTreeMap<&'static str, Proxy>,
    through: ZoneSet,
    direct: ZoneSet,
    fillers: Vec<Record>,
}

impl Server {
    async fn start() -> Res<Server> {
        println!("starting BIND 9");
        let bind = Bind::start(&ZONES)?;
        let mut fillers_all = Vec::new();
        for zone in ZONES {
            let fill = fillers(zone, FILLER);
            let started = Instant::now();
            // One UPDATE per zone, as another tool would make it.
            bind.nsupdate(&[(zone, fill.iter().map(bind::add).collect())])?;
            println!(
                "  zone {zone}: {} filler records in {} ms",
                fill.len(),
                started.elapsed().as_millis()
            );
            fillers_all.extend(fill);
        }
        let mut proxies = BTreeMap::new();
        for zone in ZONES {
            proxies.insert(zone, Proxy::start(bind.addr(), DELAY, Protocol::Dns).await?);
        }
        let set = |server: &dyn Fn(&str) -> Res<SocketAddr>| -> Res<ZoneSet> {
            let mut rows = Vec::new();
            for (zone, id) in ZONES.iter().zip(1..) {
                rows.push(bind.row(id, zone, server(zone)?)?);
            }
            Ok(ZoneSet::from_rows(&Value::Array(Array::list(rows)))
                .map_err(|e| format!("zone rows: {e}"))?)
        };
        let through = set(&|zone| {
            Ok(proxies
                .get(zone)
                .ok_or_else(|| format!("no proxy for {zone}"))?
                .addr)
        })?;
        let direct = set(&|_| Ok(bind.addr()))?;
        Ok(Server {
            bind,
            proxies,
            through,
            direct,
            fillers: fillers_all,
        })
    }

    /// Puts `state` at the VM's names, directly: each of the VM's sets
    /// emptied and `state` added, one UPDATE per zone.
    fn prepare(&self, recs: &[Record], state: &[Record]) -> Res<()> {
        let updates: Vec<(&str, Vec<String>)> = ZONES
            .iter()
            .map(|zone| {
                let mut lines: Vec<String> = sets(recs)
                    .iter()
                    .chain(sets(state).iter())
                    .filter(|(r, _)| r.zone == *zone)
                    .map(|(r, _)| bind::delete_set(&r.name, r.rrtype))
                    .collect();
                lines.sort();
                lines.dedup();
                lines.extend(state.iter().filter(|r| r.zone == *zone).map(bind::add));
                (*zone, lines)
            })
            .collect();
        self.bind.nsupdate(&updates)
    }

    /// Each zone by a signed transfer, directly: exactly its SOA, its NS,
    /// its fillers and `recs`.
    fn verify(&self, recs: &[Record], what: &str) -> Res<()> {
        for zone in ZONES {
            let mut want: Vec<String> = self
                .fillers
                .iter()
                .chain(recs)
                .filter(|r| r.zone == zone)
                .map(bind::line)
                .collect();
            want.push(format!("{zone}. 3600 NS {NS}"));
            want.sort();
            let got = self.bind.zone(zone)?;
            if got != want {
                let missing: Vec<&String> = want.iter().filter(|w| !got.contains(w)).collect();
                let extra: Vec<&String> = got.iter().filter(|g| !want.contains(g)).collect();
                return Err(format!(
                    "{what}: zone {zone} is wrong; missing {missing:?}, unexpected {extra:?}"
                )
                .into());
            }
        }
        Ok(())
    }

    fn serials(&self) -> Res<BTreeMap<&'static str, u64>> {
        ZONES
            .iter()
            .map(|zone| Ok((*zone, self.bind.serial(zone)?)))
            .collect()
    }
}

/// What one zone saw in one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ZoneTraffic {
    connections: usize,
    dns: DnsCount,
    /// How far the SOA serial moved: once per UPDATE that went through.
    serial: u64,
}

impl ZoneTraffic {
    fn messages(&self) -> String {
        format!(
            "{} ({} queries + {} AXFR + {} UPDATE)",
            self.dns.total(),
            self.dns.queries,
            self.dns.transfers,
            self.dns.updates
        )
    }
}

/// Whether each zone has something to change: its records of the VM's
/// sets differ from what the VM should have there.
fn changes(recs: &[Record], state: &[Record]) -> BTreeMap<&'static str, bool> {
    ZONES
        .iter()
        .map(|zone| {
            let sorted = |all: &[Record]| {
                let mut lines: Vec<String> = all
                    .iter()
                    .filter(|r| r.zone == *zone)
                    .map(bind::line)
                    .collect();
                lines.sort();
                lines
            };
            (*zone, sorted(recs) != sorted(state))
        })
        .collect()
}

/// The messages a zone must see for what the engine reports there: the
/// read on one connection (its queries, or its one AXFR), then each
/// UPDATE on one more; the serial moves once if the zone had something to
/// change. Without the proxy only the serial is seen.
fn seen_for(c: &ZoneCount, change: bool, proxied: bool) -> ZoneTraffic {
    let read = usize::try_from(c.read_requests).unwrap_or(usize::MAX);
    let updates = usize::try_from(c.write_requests).unwrap_or(usize::MAX);
    let whole = c.read == "zone";
    ZoneTraffic {
        connections: if proxied {
            usize::from(read > 0) + updates
        } else {
            0
        },
        dns: if proxied {
            DnsCount {
                queries: if whole { 0 } else { read },
                transfers: if whole { read } else { 0 },
                updates,
                other: 0,
            }
        } else {
            DnsCount::default()
        },
        serial: u64::from(change),
    }
}

/// What a read way costs in a zone: one query per set of the VM there
/// (`names`), or one AXFR (`zone`), whose reported record count must be
/// what the zone holds: its SOA (once), its NS, its fillers and `state`.
fn read_cost(
    c: &ZoneCount,
    sets: &BTreeMap<&'static str, usize>,
    fillers: &[Record],
    state: &[Record],
) -> Result<u64, String> {
    match c.read.as_str() {
        "names" => Ok(sets.get(c.zone.as_str()).copied().unwrap_or(0) as u64),
        "zone" => {
            let held = 2 + fillers
                .iter()
                .chain(state)
                .filter(|r| r.zone == c.zone)
                .count() as u64;
            if c.zone_records != Some(held) {
                return Err(format!(
                    "zone {}: read whole, reported {:?} records where it holds {held}",
                    c.zone, c.zone_records
                ));
            }
            Ok(1)
        }
        other => Err(format!("zone {} read `{other}`", c.zone)),
    }
}

fn sum<'a>(traffic: impl IntoIterator<Item = &'a ZoneTraffic>) -> ZoneTraffic {
    traffic
        .into_iter()
        .fold(ZoneTraffic::default(), |a, z| ZoneTraffic {
            connections: a.connections + z.connections,
            dns: DnsCount {
                queries: a.dns.queries + z.dns.queries,
                transfers: a.dns.transfers + z.dns.transfers,
                updates: a.dns.updates + z.dns.updates,
                other: a.dns.other + z.dns.other,
            },
            serial: a.serial + z.serial,
        })
}

struct Measured {
    wall: Duration,
    /// `None` without the proxy.
    per_zone: Option<BTreeMap<&'static str, ZoneTraffic>>,
    /// Per zone, how the engine says it read and wrote.
    counts: Vec<ZoneCount>,
}

/// The state a case starts from.
fn state_of(before: Before, recs: &[Record]) -> Vec<Record> {
    match before {
        Before::Empty => Vec::new(),
        Before::Synced => recs.to_vec(),
        Before::Stale => stale(recs),
    }
}

/// One engine run of a case, from its state, checked: the reports, the
/// zones afterwards, every zone's serial, and through the proxy every
/// zone's messages against what the engine reports there; and what it
/// reports against what its read ways and UPDATEs cost.
async fn engine(
    server: &Server,
    vms: &[Vm],
    recs: &[Record],
    case: &Case,
    proxied: bool,
) -> Res<Measured> {
    let state = state_of(case.before, recs);
    server.prepare(recs, &state)?;
    let change = changes(recs, &state);
    let serials = server.serials()?;
    let marks: BTreeMap<&str, _> = server
        .proxies
        .iter()
        .map(|(zone, p)| (*zone, p.mark()))
        .collect();
    let zones = if proxied {
        &server.through
    } else {
        &server.direct
    };
    let options = SyncOptions::default();
    let (wall, counts) = engine::sync_stats(zones, vms, case.kind, &options, case.expect).await?;
    let what = format!(
        "{} ({}), {}",
        engine::describe(case.kind, vms, &options),
        case.scenario,
        if proxied {
            "through the proxy"
        } else {
            "direct"
        }
    );
    let after = server.serials()?;
    let mut per_zone = BTreeMap::new();
    let mut problems = Vec::new();
    for zone in ZONES {
        let seen = match (server.proxies.get(zone), marks.get(zone)) {
            (Some(proxy), Some(mark)) => proxy.since(*mark),
            _ => return Err(format!("no proxy for {zone}").into()),
        };
        let (before, now) = (
            serials.get(zone).copied().unwrap_or(0),
            after.get(zone).copied().unwrap_or(0),
        );
        let moved = now.checked_sub(before).ok_or_else(|| {
            format!("{what}: the serial of {zone} went back from {before} to {now}")
        })?;
        let got = ZoneTraffic {
            connections: seen.connections,
            dns: seen.dns,
            serial: moved,
        };
        let changed = change.get(zone).copied().unwrap_or(false);
        let want = match counts.iter().find(|c| c.zone == zone) {
            Some(c) => seen_for(c, changed, proxied),
            // No stats: check_costs says so; nothing may have been sent.
            None => ZoneTraffic {
                serial: u64::from(changed),
                ..ZoneTraffic::default()
            },
        };
        if got != want {
            problems.push(format!(
                "zone {zone}: the engine reports {} ({}), for which the proxy should see {} on {} connection(s) and the serial move by {}; saw {} on {} moving it by {}",
                counts
                    .iter()
                    .find(|c| c.zone == zone)
                    .map_or("nothing".to_owned(), |c| format!(
                        "{} read messages and {} UPDATE",
                        c.read_requests, c.write_requests
                    )),
                counts
                    .iter()
                    .find(|c| c.zone == zone)
                    .map_or(String::new(), |c| c.read.clone()),
                want.messages(),
                want.connections,
                want.serial,
                got.messages(),
                got.connections,
                got.serial
            ));
        }
        per_zone.insert(zone, got);
    }
    let sets = sets_by_zone(recs);
    let cost = |c: &ZoneCount| -> Result<Cost, String> {
        Ok(Cost {
            read: read_cost(c, &sets, &server.fillers, &state)?,
            write: u64::from(change.get(c.zone.as_str()).copied().unwrap_or(false)),
        })
    };
    if let Err(e) = stats::check_costs("reported counts", &counts, &ZONES, &cost, (0, 0)) {
        problems.push(e.to_string());
    }
    if !problems.is_empty() {
        return Err(format!("{what}: {}", problems.join("; ")).into());
    }
    server.verify(recs, &what)?;
    Ok(Measured {
        wall,
        per_zone: proxied.then_some(per_zone),
        counts,
    })
}

/// A per-record client: one nsupdate that sends one UPDATE per record,
/// each after the previous answer, through the zones' proxies.
fn naive(server: &Server, recs: &[Record]) -> Res<(Duration, ZoneTraffic)> {
    server.prepare(recs, &[])?;
    let mut script = String::new();
    for rec in recs {
        let proxy = server.proxies.get(rec.zone).ok_or("no proxy")?;
        script.push_str(&format!(
            "server {} {}\nzone {}\n{}\nsend\n",
            proxy.addr.ip(),
            proxy.addr.port(),
            rec.zone,
            bind::add(rec)
        ));
    }
    let marks: Vec<_> = server.proxies.values().map(Proxy::mark).collect();
    let started = Instant::now();
    server
        .bind
        .nsupdate_script(&script)
        .map_err(|e| format!("naive run: {e}"))?;
    let wall = started.elapsed();
    let per_zone: BTreeMap<&'static str, ZoneTraffic> = server
        .proxies
        .iter()
        .zip(marks)
        .map(|((zone, proxy), mark)| {
            let seen = proxy.since(mark);
            (
                *zone,
                ZoneTraffic {
                    connections: seen.connections,
                    dns: seen.dns,
                    serial: 0,
                },
            )
        })
        .collect();
    let traffic = sum(per_zone.values());
    if traffic.dns.updates != recs.len() || traffic.dns.other != 0 {
        return Err(format!(
            "naive run: expected {} UPDATEs, saw {}",
            recs.len(),
            traffic.messages()
        )
        .into());
    }
    server.verify(recs, "after the naive run")?;
    Ok((wall, traffic))
}

fn messages(t: &ZoneTraffic) -> String {
    format!("{} on {} connections", t.messages(), t.connections)
}

/// What the report says besides the main table.
struct Context {
    version: String,
    /// (scenario, zone, the VM's sets there, traffic of the median run,
    /// how the engine says that run read and wrote the zone)
    per_zone: Vec<(&'static str, &'static str, usize, ZoneTraffic, ZoneCount)>,
    /// Cases whose runs through the proxy did not all see the same
    /// messages per zone.
    differing: Vec<&'static str>,
    naive: ZoneTraffic,
}

/// The read ways of each run, in a note when they are not all the
/// median's: the engine remembers a zone's size once it has read it
/// whole, so a later run may choose otherwise than the first.
fn ways_note(runs: &[Measured], median: &Measured) -> String {
    let ways: Vec<String> = runs.iter().map(|m| stats::read_column(&m.counts)).collect();
    if ways
        .iter()
        .any(|w| *w != stats::read_column(&median.counts))
    {
        format!("; reads by run: {}", ways.join("; "))
    } else {
        String::new()
    }
}

#[tokio::main]
async fn main() -> Res<()> {
    let started = Started::now();
    let server = Server::start().await?;
    let big = BenchVm::big([Ipv4Addr::new(192, 0, 2, 10), Ipv4Addr::new(192, 0, 2, 11)]);
    let vms = vec![big.vm()?];
    let recs = big.records(REV4_24);
    let set_counts = sets_by_zone(&recs);
    println!(
        "\n{} records in {} sets in {} zones",
        recs.len(),
        sets(&recs).len(),
        records_by_zone(&recs).len()
    );

    let mut rows = Vec::new();
    let mut context = Context {
        version: bind::version(),
        per_zone: Vec::new(),
        differing: Vec::new(),
        naive: ZoneTraffic::default(),
    };
    for case in &CASES {
        let mut through = Vec::new();
        let mut direct = Vec::new();
        for _ in 0..REPEAT {
            through.push(engine(&server, &vms, &recs, case, true).await?);
            direct.push(engine(&server, &vms, &recs, case, false).await?);
        }
        let median = report::median_run(&through, |m| m.wall).ok_or("no runs")?;
        let direct_median = report::median_run(&direct, |m| m.wall).ok_or("no runs")?;
        let per_zone = median.per_zone.clone().unwrap_or_default();
        if through.iter().any(|m| m.per_zone != median.per_zone) {
            context.differing.push(case.scenario);
        }
        for zone in ZONES {
            let sets = set_counts.get(zone).copied().unwrap_or(0);
            let traffic = per_zone.get(zone).copied().unwrap_or_default();
            let Some(count) = median.counts.iter().find(|c| c.zone == zone) else {
                return Err(format!("{}: no stats for zone {zone}", case.scenario).into());
            };
            context
                .per_zone
                .push((case.scenario, zone, sets, traffic, count.clone()));
        }
        let total = sum(per_zone.values());
        let rounds = 1 + usize::from(total.dns.updates > 0);
        let rows_of_case = [
            Row {
                scenario: case.scenario,
                method: format!("engine {}, through the proxy", case.label),
                wall: median.wall,
                requests: messages(&total),
                read: stats::read_column(&median.counts),
                note: report::walls_note(through.iter().map(|m| m.wall))
                    + &ways_note(&through, median),
            },
            Row {
                scenario: case.scenario,
                method: format!("engine {}, without the proxy", case.label),
                wall: direct_median.wall,
                requests: "not counted".to_owned(),
                read: stats::read_column(&direct_median.counts),
                note: report::walls_note(direct.iter().map(|m| m.wall))
                    + &ways_note(&direct, direct_median),
            },
            Row {
                scenario: case.scenario,
                method: "the proxy's delay alone (computed)".to_owned(),
                wall: DELAY * u32::try_from(rounds).unwrap_or(u32::MAX),
                requests: messages(&total),
                note: if rounds == 1 {
                    "1 connection round trip: the reads, zones in parallel".to_owned()
                } else {
                    "2 connection round trips: the reads, then the UPDATE, zones in parallel"
                        .to_owned()
                },
                ..Row::default()
            },
        ];
        for row in rows_of_case {
            println!("  {}: {}", row.scenario, row.progress());
            rows.push(row);
        }
        if case.before == Before::Empty {
            let (wall, traffic) = naive(&server, &recs)?;
            context.naive = traffic;
            let row = Row {
                scenario: CREATE,
                method: "naive: 1 UPDATE per record, sequential (nsupdate)".to_owned(),
                wall,
                requests: messages(&traffic),
                read: "no reads".to_owned(),
                note: "1 run, one nsupdate process".to_owned(),
            };
            println!(
                "  {}: {}: {:.0} ms, {}",
                row.scenario,
                row.method,
                ms(row.wall),
                row.requests
            );
            rows.push(row);
        }
    }

    let table = report::table(&rows, "Messages");
    let section = section(&table, &rows, &context, &started);
    report::publish(&table, HEADING, &section)
}

/// A few sentences computed from the figures, so that they stay true
/// when the benchmark is run again.
fn interpretation(rows: &[Row], context: &Context) -> Vec<String> {
    let wall = |scenario: &str, method: &str| report::wall(rows, scenario, method);
    let through = |label: &str| format!("engine {label}, through the proxy");
    let without = |label: &str| format!("engine {label}, without the proxy");
    let zone = |scenario: &str, zone: &str| {
        context
            .per_zone
            .iter()
            .find(|(s, z, _, _, _)| *s == scenario && *z == zone)
            .map(|(_, _, sets, t, c)| (*sets, *t, c.clone()))
    };
    let total = |scenario: &str| {
        sum(context
            .per_zone
            .iter()
            .filter(|(s, _, _, _, _)| *s == scenario)
            .map(|(_, _, _, t, _)| t))
    };
    let create = total(CREATE);
    let nothing = total(NOTHING);
    let stale = total(STALE);
    let mut lines = vec![format!(
        "Creating the VM's 68 records took the engine {:.0} ms with {} messages on {} connections: per zone one connection for its read and one for its single UPDATE, the zones in parallel. The naive client, one UPDATE per record, took {:.0} ms with {} messages on {} connections.",
        wall(CREATE, &through("create")),
        create.dns.total(),
        create.connections,
        wall(CREATE, "naive"),
        context.naive.dns.total(),
        context.naive.connections,
    )];
    // How the median run with nothing to change read each zone.
    let ways: Vec<String> = ZONES
        .iter()
        .filter_map(|z| zone(NOTHING, z).map(|(sets, t, c)| (z, sets, t, c)))
        .map(|(z, sets, t, c)| match c.read.as_str() {
            "zone" => format!(
                "`{z}` ({sets} sets at {} names) by {} AXFR of its {} records",
                names_in(z),
                t.dns.transfers,
                c.zone_records.map_or("?".to_owned(), |n| n.to_string()),
            ),
            _ => format!("`{z}` ({sets} sets) by {} queries", t.dns.queries),
        })
        .collect();
    lines.push(format!(
        "The engine reads a zone by one query per set the VM has there while one round of `concurrency` (8, the default) holds the zone's names, and else by one signed AXFR of the whole zone (a zone of unknown size counts as two rounds, and once transferred its size is remembered in the process). With nothing to change it read {}. For RFC 2136 both ways take one connection round trip: the engine writes all of a zone's queries on one connection before the first answer comes, and the AXFR is one query whose answer carries the whole zone. The choice saves messages, not round trips: before the engine chose per zone, it read the IPv6 zone with 32 queries in the same one round trip.",
        ways.join(", "),
    ));
    lines.push(format!(
        "With nothing to change the engine sent {} messages ({} queries, {} AXFR, {} UPDATE) on {} connections and took {:.0} ms, one round trip (the run of 3 Dec 2026 06:41 GMT, with 36 queries, took 54 ms); fixing stale records in every zone took {:.0} ms with {} UPDATEs, one per zone (each moved its zone's serial once: {} moves in all).",
        nothing.dns.total(),
        nothing.dns.queries,
        nothing.dns.transfers,
        nothing.dns.updates,
        nothing.connections,
        wall(NOTHING, &through("resync")),
        wall(STALE, &through("resync")),
        stale.dns.updates,
        stale.serial,
    ));
    lines.push(format!(
        "Without the proxy the same runs take {:.0}, {:.0} and {:.0} ms: BIND and the engine together; the rest of the times above is the proxy's 50 ms per connection, two round trips in a row when a zone has something to write (the read, then the UPDATE) and one when it has not.",
        wall(CREATE, &without("create")),
        wall(NOTHING, &without("resync")),
        wall(STALE, &without("resync")),
    ));
    lines
}

/// The VM's distinct names in a zone.
fn names_in(zone: &str) -> usize {
    let big = BenchVm::big([Ipv4Addr::new(192, 0, 2, 10), Ipv4Addr::new(192, 0, 2, 11)]);
    let recs = big.records(REV4_24);
    let mut names: Vec<&str> = recs
        .iter()
        .filter(|r| r.zone == zone)
        .map(|r| r.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    names.len()
}

fn section(table: &str, rows: &[Row], context: &Context, started: &Started) -> String {
    let mut s = report::head(HEADING, COMMAND, &report::cargo_command("rfc2136"));
    s.push_str(&started.run_line(&format!(
        "{} on 127.0.0.1 (tests/bind/server.sh), one server for the three zones, updates signed with hmac-sha256",
        context.version
    )));
    s.push_str(&format!(
        "Each zone row points at its own TCP proxy in the benchmark process, which waits 50 ms after \
accepting a connection before it connects to BIND, and counts the DNS messages the client sends on it \
by their 2-byte length framing, as queries, zone transfers (a query of type AXFR) or UPDATEs by the \
opcode in their header and the type of their question. The engine chooses per zone how to read it (by \
name or whole) and reports per zone the way, its read messages and its UPDATEs (`SyncReport::zones`, \
`stats` in PHP); the benchmark fails unless every zone saw exactly the messages the engine reports \
there, its read on one connection (queries for a zone read by name, an AXFR and nothing else for a zone \
read whole) and one UPDATE on one more connection when it had something to change, and nothing else (a \
retry would show), and unless those are what the reported ways cost: one query per set of the VM in \
the zone read by name, one AXFR for a zone read whole, whose reported record count must be what the \
zone holds, one UPDATE per zone with something to change; and unless each UPDATE moved the zone's SOA \
serial once. Runs without the proxy are held to the same costs and serial moves. The Read column is \
the median run's way and read messages per zone (fwd `{DOMAIN}`, /24 `{REV4_24}`, ip6 `{REV6}`). After \
every run each zone is read back whole by a signed zone transfer (`dig @127.0.0.1 -p PORT -y … AXFR`, \
directly) and must hold exactly its SOA, NS, fillers and the VM's records (TTL 3600); anything else \
fails the benchmark. Before every run the VM's names are put in the scenario's state with nsupdate, \
directly. Engine rows are the median of {REPEAT} runs (all listed in the notes), with the default \
options; the naive client runs once.\n\n"
    ));
    s.push_str(&format!(
        "Zones: forward `{DOMAIN}` ({FILLER} A fillers), `{REV4_24}` (/24, {FILLER} PTR fillers), \
`{REV6}` ({FILLER} PTR fillers), each filled by one UPDATE before the runs. The VM has 2 IPv4 and 32 \
IPv6: 2 A + 32 AAAA + 34 PTR = 68 records in 36 sets (the A and the AAAA at the FQDN are two). \
\"Everything to create\" starts with nothing at the VM's names; \"nothing to change\" with exactly its \
records; \"stale records to fix\" with one A and one AAAA missing and a foreign A and AAAA at the FQDN, \
the PTR of 192.0.2.10 naming another host, one IPv6 PTR missing and another naming another host.\n\n"
    ));
    s.push_str(table);
    s.push_str(&format!(
        "\nPer zone, through the proxy (the median run; {}):\n\n",
        if context.differing.is_empty() {
            "every run had the same counts".to_owned()
        } else {
            format!(
                "the runs' counts differed in {}",
                context.differing.join(", ")
            )
        }
    ));
    s.push_str(
        "| Scenario | Zone | VM's sets | Read | TCP connections | Queries | AXFR | UPDATEs | Serial moves |\n|---|---|---:|---|---:|---:|---:|---:|---:|\n",
    );
    for (scenario, zone, sets, t, c) in &context.per_zone {
        let read = match c.zone_records {
            Some(records) => format!("{} ({records} records)", c.read),
            None => c.read.clone(),
        };
        s.push_str(&format!(
            "| {scenario} | `{zone}` | {sets} | {read} | {} | {} | {} | {} | {} |\n",
            t.connections, t.dns.queries, t.dns.transfers, t.dns.updates, t.serial
        ));
    }
    s.push_str(
        "\nThe computed rows are the proxy's delay alone: one connection round trip for the reads and, \
when something changes, one for the UPDATE, with the zones in parallel. The naive client is one \
nsupdate process that sends one UPDATE adding one record per `send`, each after the previous answer, \
without reading first.\n",
    );
    s.push_str("\nInterpretation:\n\n");
    for line in interpretation(rows, context) {
        s.push_str(&format!("- {line}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(zone: &str, read: &str, reads: u64, writes: u64, records: Option<u64>) -> ZoneCount {
        ZoneCount {
            zone: zone.to_owned(),
            read: read.to_owned(),
            read_requests: reads,
            write_requests: writes,
            zone_records: records,
        }
    }

    #[test]
    fn a_zone_read_whole_is_one_axfr_and_its_size_must_be_the_zones() {
        let recs = BenchVm::big([Ipv4Addr::new(192, 0, 2, 10), Ipv4Addr::new(192, 0, 2, 11)])
            .records(REV4_24);
        let sets = sets_by_zone(&recs);
        let fill = fillers(REV6, FILLER);
        // SOA, NS, the fillers and the VM's 32 PTRs.
        let whole = count(REV6, "zone", 1, 0, Some(2 + 200 + 32));
        assert_eq!(read_cost(&whole, &sets, &fill, &recs), Ok(1));
        let short = count(REV6, "zone", 1, 0, Some(200));
        assert!(read_cost(&short, &sets, &fill, &recs).is_err());
        let names = count(REV6, "names", 32, 0, None);
        assert_eq!(read_cost(&names, &sets, &fill, &recs), Ok(32));

        let seen = seen_for(&count(REV6, "zone", 1, 1, Some(234)), true, true);
        assert_eq!(seen.connections, 2);
        assert_eq!(
            seen.dns,
            DnsCount {
                queries: 0,
                transfers: 1,
                updates: 1,
                other: 0
            }
        );
        assert_eq!(seen.serial, 1);
        let direct = seen_for(&names, false, false);
        assert_eq!(direct, ZoneTraffic::default());
    }
}
