//! Benchmark: `DnsSync` end to end on a real BIND 9 over RFC 2136.
//!
//! Starts a private BIND 9 (tests/bind/server.sh) with a forward zone, an
//! IPv4 /24 and an IPv6 reverse zone of 200 filler records each, puts a
//! proxy in front of it for each zone that adds 50 ms to every TCP
//! connection (a WAN round trip) and counts the DNS messages on it by
//! opcode, and times the sync engine on one VM of 2 IPv4 and 32 IPv6 with
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
//! A run whose zones do not hold exactly their fillers and the VM's
//! records afterwards (read back by a signed zone transfer with dig), or
//! whose messages per zone are not the queries and the UPDATE the engine
//! has to send, exits non-zero.

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
            "{} ({} queries + {} UPDATE)",
            self.dns.total(),
            self.dns.queries,
            self.dns.updates
        )
    }
}

/// The messages a zone must see: one query per set the VM has there, all
/// on one connection, then one UPDATE on another if anything is to change.
fn expected(recs: &[Record], state: &[Record]) -> BTreeMap<&'static str, ZoneTraffic> {
    let queries = sets_by_zone(recs);
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
            let updates = usize::from(sorted(recs) != sorted(state));
            let traffic = ZoneTraffic {
                connections: 1 + updates,
                dns: DnsCount {
                    queries: queries.get(zone).copied().unwrap_or(0),
                    updates,
                    other: 0,
                },
                serial: updates as u64,
            };
            (*zone, traffic)
        })
        .collect()
}

fn sum<'a>(traffic: impl IntoIterator<Item = &'a ZoneTraffic>) -> ZoneTraffic {
    traffic
        .into_iter()
        .fold(ZoneTraffic::default(), |a, z| ZoneTraffic {
            connections: a.connections + z.connections,
            dns: DnsCount {
                queries: a.dns.queries + z.dns.queries,
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
/// zones afterwards, and through the proxy every zone's messages.
async fn engine(
    server: &Server,
    vms: &[Vm],
    recs: &[Record],
    case: &Case,
    proxied: bool,
) -> Res<Measured> {
    let state = state_of(case.before, recs);
    server.prepare(recs, &state)?;
    let want = expected(recs, &state);
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
    let wall = engine::sync(zones, vms, case.kind, &options, case.expect).await?;
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
        let mut want = want.get(zone).copied().unwrap_or_default();
        if !proxied {
            // Nothing goes through the proxy; the serial still counts
            // the UPDATEs.
            want.connections = 0;
            want.dns = DnsCount::default();
        }
        if got != want {
            return Err(format!(
                "{what}: zone {zone} expected {} on {} connection(s) moving the serial by {}, saw {} on {} moving it by {}",
                want.messages(),
                want.connections,
                want.serial,
                got.messages(),
                got.connections,
                got.serial
            )
            .into());
        }
        per_zone.insert(zone, got);
    }
    server.verify(recs, &what)?;
    Ok(Measured {
        wall,
        per_zone: proxied.then_some(per_zone),
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
    /// (scenario, zone, the VM's sets there, traffic of the median run)
    per_zone: Vec<(&'static str, &'static str, usize, ZoneTraffic)>,
    naive: ZoneTraffic,
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
        let per_zone = median.per_zone.clone().unwrap_or_default();
        for zone in ZONES {
            let sets = set_counts.get(zone).copied().unwrap_or(0);
            let traffic = per_zone.get(zone).copied().unwrap_or_default();
            context.per_zone.push((case.scenario, zone, sets, traffic));
        }
        let total = sum(per_zone.values());
        let rounds = 1 + usize::from(total.dns.updates > 0);
        let rows_of_case = [
            Row {
                scenario: case.scenario,
                method: format!("engine {}, through the proxy", case.label),
                wall: median.wall,
                requests: messages(&total),
                note: report::walls_note(through.iter().map(|m| m.wall)),
                ..Row::default()
            },
            Row {
                scenario: case.scenario,
                method: format!("engine {}, without the proxy", case.label),
                wall: report::median_run(&direct, |m| m.wall)
                    .ok_or("no runs")?
                    .wall,
                requests: "not counted".to_owned(),
                note: report::walls_note(direct.iter().map(|m| m.wall)),
                ..Row::default()
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
            println!(
                "  {}: {}: {:.0} ms, {}; {}",
                row.scenario,
                row.method,
                ms(row.wall),
                row.requests,
                row.note
            );
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
                note: "1 run, one nsupdate process".to_owned(),
                ..Row::default()
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
            .find(|(s, z, _, _)| *s == scenario && *z == zone)
            .map(|(_, _, sets, t)| (*sets, *t))
            .unwrap_or_default()
    };
    let total = |scenario: &str| {
        sum(context
            .per_zone
            .iter()
            .filter(|(s, _, _, _)| *s == scenario)
            .map(|(_, _, _, t)| t))
    };
    let (v6_sets, v6) = zone(NOTHING, REV6);
    let create = total(CREATE);
    let nothing = total(NOTHING);
    let stale = total(STALE);
    vec![
        format!(
            "Creating the VM's 68 records took the engine {:.0} ms with {} messages on {} connections: per zone one connection for its reads and one for its single UPDATE, the zones in parallel. The naive client, one UPDATE per record, took {:.0} ms with {} messages on {} connections.",
            wall(CREATE, &through("create")),
            create.dns.total(),
            create.connections,
            wall(CREATE, "naive"),
            context.naive.dns.total(),
            context.naive.connections,
        ),
        format!(
            "Reads are one query per set the VM has in the zone, never the zone: {} queries in `{REV6}` for its {v6_sets} PTR sets, all written on {} connection before the first answer comes, so they cost one round trip whatever the zone holds; the {FILLER} fillers of each zone are never read.",
            v6.dns.queries,
            v6.connections,
        ),
        format!(
            "With nothing to change the engine sent {} queries and {} UPDATE on {} connections and took {:.0} ms, one round trip; fixing stale records in every zone took {:.0} ms with {} UPDATEs, one per zone (each moved its zone's serial once: {} moves in all).",
            nothing.dns.queries,
            nothing.dns.updates,
            nothing.connections,
            wall(NOTHING, &through("resync")),
            wall(STALE, &through("resync")),
            stale.dns.updates,
            stale.serial,
        ),
        format!(
            "Without the proxy the same runs take {:.0}, {:.0} and {:.0} ms: BIND and the engine together; the rest of the times above is the proxy's 50 ms per connection, two round trips in a row when a zone has something to write (the reads, then the UPDATE) and one when it has not.",
            wall(CREATE, &without("create")),
            wall(NOTHING, &without("resync")),
            wall(STALE, &without("resync")),
        ),
    ]
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
by their 2-byte length framing, as queries or UPDATEs by the opcode in their header. The benchmark \
fails unless every zone saw exactly one query per set of the VM there on one connection, and one \
UPDATE on one more connection when it had something to change, and nothing else (a retry would show), \
and unless each UPDATE moved the zone's SOA serial once. After every run each zone is read back \
whole by a signed zone transfer (`dig @127.0.0.1 -p PORT -y … AXFR`) and must hold exactly its SOA, NS, \
fillers and the VM's records (TTL 3600); anything else fails the benchmark. Before every run the VM's \
names are put in the scenario's state with nsupdate, directly. Engine rows are the median of {REPEAT} \
runs (all listed in the notes), with the default options; the naive client runs once.\n\n"
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
    s.push_str(
        "\nPer zone, through the proxy (the median run; every run had the same counts):\n\n",
    );
    s.push_str(
        "| Scenario | Zone | VM's sets | TCP connections | Queries | UPDATEs | Serial moves |\n|---|---|---:|---:|---:|---:|---:|\n",
    );
    for (scenario, zone, sets, t) in &context.per_zone {
        s.push_str(&format!(
            "| {scenario} | `{zone}` | {sets} | {} | {} | {} | {} |\n",
            t.connections, t.dns.queries, t.dns.updates, t.serial
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
