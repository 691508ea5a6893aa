//! Benchmark: `DnsSync` end to end on Cloudflare zones (issue 4, "Speed").
//!
//! Starts the fake Cloudflare API (tests/fakes/cloudflare.py) with its
//! `latency_ms` fault at 50 (every API answer waits 50 ms, standing in for
//! the real API's round trip), and times the sync engine against a naive
//! client that POSTs one record at a time, one after the other, and against
//! a computed minimum. The table goes to stdout and to the "Cloudflare sync
//! (issue 4)" section of BENCHMARKS.md.
//!
//! ```sh
//! build/bench.sh cloudflare
//! # or, with the dependencies already installed:
//! cargo run --release -p puq_dns_bench --bin cloudflare
//! ```
//!
//! The engine chooses per zone how to read (a listing per name, or the
//! zone's whole listing), and says in its reports how it read each zone
//! and with how many requests. A run whose records are not in the fake
//! afterwards, whose requests per zone (the fake's stats and request log)
//! are not the ones it reports, or whose reported requests are not what
//! its read ways and writes cost, exits non-zero.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use puq_dns_bench::cloudflare::{
    fresh_zones, python_version, verify, Fake, Traffic, ZoneState, NAME_PAGE, POST, TOKEN,
    ZONE_PAGE,
};
use puq_dns_bench::engine::{self, Expect};
use puq_dns_bench::report::{self, median, ms, Row, Started};
use puq_dns_bench::scenario::{
    self, names_by_zone, records_by_zone, BenchVm, Record, DOMAIN, FILLER, REV4_16, REV4_24, REV6,
    TTL,
};
use puq_dns_bench::stats::{self, ZoneCount};
use puq_dns_bench::Res;
use puq_dns_core::sync::{JobKind, SyncOptions};
use puq_dns_core::Vm;
use serde_json::{json, Value as Json};

/// The fake's `latency_ms`: added to every API answer.
const LATENCY: Duration = Duration::from_millis(50);
/// Filler records in each zone of the second A run, to show that reads
/// are per name, whatever the zone holds.
const FILLER_MORE: usize = 250;
/// Runs of each engine call; the table shows the median.
const REPEAT: usize = 3;
/// Cloudflare's limit per action list of one batch (Free plan).
const BATCH_LIMIT: usize = 200;
/// The real API's rate limit: requests per 5 minutes per user.
const RATE_LIMIT: u64 = 1200;
/// The engine's per-token request budget for the benchmark: far above the
/// ~5,000 requests it sends in a few minutes, so that no run waits for an
/// earlier one's requests to leave the 5-minute window (the default,
/// 1200, would hold B's later runs back by minutes).
const BUDGET: usize = 1_000_000;

const HEADING: &str = "## Cloudflare sync (issue 4)";
const COMMAND: &str = "build/bench.sh cloudflare";

const SCENARIO_A: &str = "A: 1 VM, 200-record zones";
const SCENARIO_A250: &str = "A: 1 VM, 250-record zones";
const SCENARIO_B: &str = "B: resyncMany, 100 VMs";

/// Batches the engine needs for a zone's posts (none to delete here).
fn batches_for(posts: usize) -> usize {
    posts.div_ceil(BATCH_LIMIT)
}

struct Measured {
    wall: Duration,
    traffic: Traffic,
    /// Per zone, how the engine says it read and wrote.
    counts: Vec<ZoneCount>,
}

/// One `run` of the engine with its reports and requests checked: the
/// fake saw exactly the requests the engine reports per zone, and those
/// are what the reported read ways cost (one listing per name, or one per
/// page of the zone's listing) and, when `writes`, one batch per 200 posts
/// in each zone. `recs` are the VMs' records; the zones hold their
/// fillers, and `recs` too unless `writes`.
async fn engine(
    fake: &mut Fake,
    state: &ZoneState,
    vms: &[Vm],
    recs: &[Record],
    kind: JobKind<'_>,
    concurrency: usize,
    writes: bool,
) -> Res<Measured> {
    let options = SyncOptions {
        concurrency,
        cloudflare_rate_limit: BUDGET,
        ..SyncOptions::default()
    };
    fake.reset_stats().await?;
    fake.api_requests_since_last()?;
    let steps = Expect::Only(if writes { "create" } else { "keep" });
    let (wall, counts) = engine::sync_stats(&state.set, vms, kind, &options, steps).await?;
    let what = engine::describe(kind, vms, &options);
    let traffic = Traffic::of(fake, &what, &state.ids).await?;
    let mut before = state.fillers.clone();
    if !writes {
        before.extend_from_slice(recs);
    }
    let posts = records_by_zone(recs);
    let batches = |zone: &str| {
        if writes {
            batches_for(posts.get(zone).copied().unwrap_or(0)) as u64
        } else {
            0
        }
    };
    traffic.check_counts(&what, &counts, &before, recs, &batches)?;
    Ok(Measured {
        wall,
        traffic,
        counts,
    })
}

/// A per-record client: one POST per record, in order, each after the
/// previous answer, without reading first.
async fn naive(fake: &mut Fake, state: &ZoneState, recs: &[Record]) -> Res<Measured> {
    let http = reqwest::Client::builder().no_proxy().build()?;
    fake.reset_stats().await?;
    fake.api_requests_since_last()?;
    let started = Instant::now();
    for rec in recs {
        let id = state.ids.get(rec.zone).ok_or("no such zone")?;
        let mut body =
            json!({ "type": rec.rrtype, "name": rec.name, "content": rec.content, "ttl": rec.ttl });
        if rec.rrtype != "PTR" {
            body["proxied"] = json!(false);
        }
        let answer = http
            .post(format!("{}/zones/{id}/dns_records", fake.api_url()))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await?;
        let status = answer.status();
        let text = answer.text().await?;
        if !status.is_success() {
            return Err(format!(
                "naive POST {} {}: HTTP {status}: {text}",
                rec.name, rec.rrtype
            )
            .into());
        }
    }
    let wall = started.elapsed();
    let traffic = Traffic::of(fake, "naive run", &state.ids).await?;
    traffic.check_routes("naive run", &BTreeMap::from([(POST, recs.len() as u64)]))?;
    Ok(Measured {
        wall,
        traffic,
        counts: Vec::new(),
    })
}

/// What the fake itself takes in a zone, measured with `latency_ms` at 0.
#[derive(Clone, Copy, Debug, Default)]
struct Cost {
    /// One filtered listing, median of 7.
    get: Duration,
    /// The zone's whole listing in one page, as the engine asks for it,
    /// median of 7.
    full: Duration,
    /// One batch of as many posts as the engine writes there, median of 3.
    batch: Duration,
    posts: usize,
}

async fn server_cost(
    fake: &Fake,
    state: &ZoneState,
    zone: &'static str,
    posts: usize,
) -> Res<Cost> {
    let id = state.ids.get(zone).ok_or("no such zone")?;
    let probe = state
        .fillers
        .iter()
        .find(|r| r.zone == zone)
        .ok_or_else(|| format!("no filler in {zone}"))?;
    let list = format!("/zones/{id}/dns_records");
    let mut gets = Vec::new();
    let mut fulls = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let query = format!("{list}?name={}&per_page={NAME_PAGE}&page=1", probe.name);
        fake.api(reqwest::Method::GET, &query, None).await?;
        gets.push(started.elapsed());
        let started = Instant::now();
        let query = format!("{list}?per_page={ZONE_PAGE}&page=1");
        fake.api(reqwest::Method::GET, &query, None).await?;
        fulls.push(started.elapsed());
    }
    let bodies: Vec<Json> = (0..posts)
        .map(|i| {
            let name = format!("probe-{i}.{zone}");
            if zone == DOMAIN {
                json!({ "type": "A", "name": name, "content": "198.51.100.254", "ttl": TTL, "proxied": false })
            } else {
                json!({ "type": "PTR", "name": name, "content": "probe.filler.example", "ttl": TTL })
            }
        })
        .collect();
    let mut batches = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let answer = fake
            .api(
                reqwest::Method::POST,
                &format!("{list}/batch"),
                Some(&json!({ "posts": bodies })),
            )
            .await?;
        batches.push(started.elapsed());
        let deletes: Vec<Json> = answer["result"]["posts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| json!({ "id": r["id"] }))
            .collect();
        fake.api(
            reqwest::Method::POST,
            &format!("{list}/batch"),
            Some(&json!({ "deletes": deletes })),
        )
        .await?;
    }
    Ok(Cost {
        get: median(gets),
        full: median(fulls),
        batch: median(batches),
        posts,
    })
}

/// One row for the runs of one engine call: the median run's time,
/// requests and reads, and every run's time.
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
    let (d, p) = median.traffic.largest;
    if median.traffic.batches > 0 {
        note.push_str(&format!("; largest batch {d} deletes + {p} posts"));
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

/// What one scenario syncs.
struct Workload {
    scenario: &'static str,
    zones: Vec<&'static str>,
    filler: usize,
    vms: Vec<Vm>,
    recs: Vec<Record>,
    /// The job that writes everything, and its label.
    write: (JobKind<'static>, &'static str),
    /// The label of the same VMs resynced right after: nothing to change.
    again: &'static str,
}

/// What the report says besides the table.
#[derive(Default)]
struct Context {
    /// (scenario, zone, fillers, cost)
    costs: Vec<(&'static str, &'static str, usize, Cost)>,
    /// Listings the engine made in all runs, by name and of whole zones,
    /// each checked against the read way reported for its zone.
    name_listings: u64,
    zone_listings: u64,
    python: String,
}

/// Every run of one scenario: the engine writing everything (each time
/// into fresh zones) and then resyncing with nothing to change, at
/// concurrency 8 and 64, `REPEAT` times each; the naive client; the
/// computed rows.
async fn measure(
    fake: &mut Fake,
    w: &Workload,
    rows: &mut Vec<Row>,
    context: &mut Context,
) -> Res<()> {
    let reads_by = names_by_zone(&w.recs);
    let posts_by = records_by_zone(&w.recs);
    let reads: usize = reads_by.values().sum();
    println!(
        "\n{}: {} records at {reads} names in {} zones ({} fillers each)",
        w.scenario,
        w.recs.len(),
        w.zones.len(),
        w.filler
    );

    // What the fake itself takes, without the 50 ms.
    fake.set_latency(Duration::ZERO).await?;
    let probe = fresh_zones(fake, &w.zones, w.filler).await?;
    let mut costs = BTreeMap::new();
    for (zone, posts) in &posts_by {
        let cost = server_cost(fake, &probe, zone, *posts).await?;
        println!(
            "  fake's own cost in {zone}: filtered GET {:.1} ms, whole listing {:.1} ms, batch of {posts} posts {:.1} ms",
            ms(cost.get),
            ms(cost.full),
            ms(cost.batch)
        );
        context.costs.push((w.scenario, zone, w.filler, cost));
        costs.insert(*zone, cost);
    }
    fake.set_latency(LATENCY).await?;

    let (kind, label) = w.write;
    // How the median writing run read each zone, by concurrency: the
    // estimates are computed for the same reads.
    let mut read_ways: Vec<(usize, Vec<ZoneCount>)> = Vec::new();
    for concurrency in [8, 64] {
        let mut written = Vec::new();
        let mut state = None;
        for _ in 0..REPEAT {
            let fresh = fresh_zones(fake, &w.zones, w.filler).await?;
            let m = engine(fake, &fresh, &w.vms, &w.recs, kind, concurrency, true).await?;
            verify(fake, &fresh, &w.recs, label).await?;
            context.name_listings += m.traffic.name_lists();
            context.zone_listings += m.traffic.zone_lists();
            written.push(m);
            state = Some(fresh);
        }
        let state = state.ok_or("no run")?;
        let mut again = Vec::new();
        for _ in 0..REPEAT {
            let m = engine(
                fake,
                &state,
                &w.vms,
                &w.recs,
                JobKind::Resync,
                concurrency,
                false,
            )
            .await?;
            verify(fake, &state, &w.recs, w.again).await?;
            context.name_listings += m.traffic.name_lists();
            context.zone_listings += m.traffic.zone_lists();
            again.push(m);
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

    let state = fresh_zones(fake, &w.zones, w.filler).await?;
    let n = naive(fake, &state, &w.recs).await?;
    verify(fake, &state, &w.recs, "after the naive run").await?;
    let row = Row {
        scenario: w.scenario,
        method: "naive: 1 POST per record, sequential".to_owned(),
        wall: n.wall,
        requests: n.traffic.requests(),
        read: "no reads".to_owned(),
        note: "1 run".to_owned(),
    };
    println!("  {}: {:.0} ms, {}", row.method, ms(row.wall), row.requests);
    rows.push(row);

    push_computed(w.scenario, &reads_by, &posts_by, &costs, &read_ways, rows);
    Ok(())
}

/// What the engine's bound on requests in flight allows for the reads it
/// chose: the listings by name of all zones in ceil(listings /
/// concurrency) rounds (each 50 ms + the slowest filtered listing), beside
/// them each whole-zone listing (50 ms + the fake's time for it), then the
/// slowest zone's batch. An estimate, not a bound: it ignores that zones
/// write as soon as their own reads are done.
fn at_concurrency(
    concurrency: usize,
    ways: &[ZoneCount],
    posts_by: &BTreeMap<&'static str, usize>,
    cost: &dyn Fn(&str) -> Cost,
) -> (Duration, String) {
    let by_name: Vec<&ZoneCount> = ways.iter().filter(|c| c.read == "names").collect();
    let whole: Vec<&ZoneCount> = ways.iter().filter(|c| c.read == "zone").collect();
    let gets: u64 = by_name.iter().map(|c| c.read_requests).sum();
    let slots = gets + whole.iter().map(|c| c.read_requests).sum::<u64>();
    let rounds = if gets == 0 {
        0
    } else {
        slots.div_ceil(concurrency.max(1) as u64)
    };
    let get = by_name
        .iter()
        .map(|c| cost(&c.zone).get)
        .max()
        .unwrap_or_default();
    let name_reads = (LATENCY + get) * u32::try_from(rounds).unwrap_or(u32::MAX);
    let zone_reads = whole
        .iter()
        .map(|c| LATENCY + cost(&c.zone).full)
        .max()
        .unwrap_or_default();
    let batch = posts_by
        .keys()
        .map(|zone| cost(zone).batch)
        .max()
        .unwrap_or_default();
    let mut how = Vec::new();
    match rounds {
        0 => {}
        1 => how.push("1 round trip by name".to_owned()),
        n => how.push(format!("{n} round trips by name")),
    }
    if !whole.is_empty() {
        let zones: Vec<&str> = whole.iter().map(|c| stats::short(&c.zone)).collect();
        how.push(format!("a whole-zone listing of {}", zones.join(", ")));
    }
    (
        name_reads.max(zone_reads) + LATENCY + batch,
        format!("{}, then 1 batch", how.join(" beside ")),
    )
}

fn requests(gets: usize, batches: usize) -> String {
    format!("{} ({gets} GET + {batches} batch POST)", gets + batches)
}

/// The computed minimum: every zone in parallel, one read (50 ms + one
/// filtered listing: the least a read can take, as if every name's listing
/// went in the same round trip) and then its batch (50 ms + the batch); the
/// slowest zone is the wall time. The estimates take the reads the median
/// writing run at each concurrency chose ([`at_concurrency`]).
fn push_computed(
    scenario: &'static str,
    reads_by: &BTreeMap<&'static str, usize>,
    posts_by: &BTreeMap<&'static str, usize>,
    costs: &BTreeMap<&'static str, Cost>,
    read_ways: &[(usize, Vec<ZoneCount>)],
    rows: &mut Vec<Row>,
) {
    let cost = |zone: &str| costs.get(zone).copied().unwrap_or_default();
    let zones = reads_by.len();
    let batches: usize = posts_by.values().map(|p| batches_for(*p)).sum();
    let read_trip = |zone: &str| LATENCY + cost(zone).get;
    let write_trip = |zone: &str| LATENCY + cost(zone).batch;
    let slowest =
        |f: &dyn Fn(&str) -> Duration| reads_by.keys().map(|z| f(z)).max().unwrap_or_default();
    rows.push(Row {
        scenario,
        method: "theoretical minimum (computed)".to_owned(),
        wall: slowest(&|z| read_trip(z) + write_trip(z)),
        requests: requests(zones, batches),
        note: "1 read + 1 batch round trip per zone, zones in parallel".to_owned(),
        ..Row::default()
    });
    rows.push(Row {
        scenario,
        method: "theoretical minimum, nothing to change (computed)".to_owned(),
        wall: slowest(&read_trip),
        requests: requests(zones, 0),
        note: "1 read round trip per zone, zones in parallel".to_owned(),
        ..Row::default()
    });
    for (concurrency, ways) in read_ways {
        let (wall, how) = at_concurrency(*concurrency, ways, posts_by, &cost);
        rows.push(Row {
            scenario,
            method: format!("estimate at concurrency {concurrency} (computed)"),
            wall,
            requests: requests(stats::reads(ways) as usize, batches),
            read: stats::read_column(ways),
            note: format!("the reads of the median writing run: {how}"),
        });
    }
}

#[tokio::main]
async fn main() -> Res<()> {
    let started = Started::now();
    let mut rows = Vec::new();
    let mut context = Context {
        python: python_version(),
        ..Context::default()
    };
    let mut fake = Fake::start().await?;
    println!("fake Cloudflare at {}", fake.base);

    let big = BenchVm::big([Ipv4Addr::new(192, 0, 2, 10), Ipv4Addr::new(192, 0, 2, 11)]);
    for (scenario, filler) in [(SCENARIO_A, FILLER), (SCENARIO_A250, FILLER_MORE)] {
        let work = Workload {
            scenario,
            zones: vec![DOMAIN, REV4_24, REV6],
            filler,
            vms: vec![big.vm()?],
            recs: big.records(REV4_24),
            write: (JobKind::Create, "create"),
            again: "resync, nothing to change",
        };
        measure(&mut fake, &work, &mut rows, &mut context).await?;
    }

    let small = BenchVm::hundred();
    let work = Workload {
        scenario: SCENARIO_B,
        zones: vec![DOMAIN, REV4_16],
        filler: FILLER,
        vms: scenario::vms(&small)?,
        recs: scenario::records(&small, REV4_16),
        write: (JobKind::Resync, "resyncMany, all to write"),
        again: "resyncMany, nothing to change",
    };
    measure(&mut fake, &work, &mut rows, &mut context).await?;

    let table = report::table(&rows, "Requests");
    let section = section(&table, &rows, &context, &started);
    report::publish(&table, HEADING, &section)
}

/// A few sentences computed from the figures, so that they stay true
/// when the benchmark is run again.
fn interpretation(rows: &[Row], context: &Context) -> Vec<String> {
    let wall = |scenario: &str, method: &str| report::wall(rows, scenario, method);
    let requests = |scenario: &str, method: &str| report::total(rows, scenario, method);
    let read = |scenario: &str, method: &str| {
        report::find(rows, scenario, method).map_or(String::new(), |r| r.read.clone())
    };
    let create8 = "engine create, concurrency 8";
    let many8 = "engine resyncMany, all to write, concurrency 8";
    let again8 = "engine resync, nothing to change, concurrency 8";
    let again64 = "engine resync, nothing to change, concurrency 64";
    let many_again8 = "engine resyncMany, nothing to change, concurrency 8";
    let many_again64 = "engine resyncMany, nothing to change, concurrency 64";
    let mut lines = Vec::new();

    lines.push(format!(
        "Writing everything at concurrency 8 the engine took {:.0} ms (A) and {:.0} ms (B) with {} and {} requests; the naive client took {:.0} ms and {:.0} ms with {} and {}; the computed minimum is {:.0} and {:.0} ms.",
        wall(SCENARIO_A, create8),
        wall(SCENARIO_B, many8),
        requests(SCENARIO_A, create8),
        requests(SCENARIO_B, many8),
        wall(SCENARIO_A, "naive"),
        wall(SCENARIO_B, "naive"),
        requests(SCENARIO_A, "naive"),
        requests(SCENARIO_B, "naive"),
        wall(SCENARIO_A, "theoretical minimum (computed)"),
        wall(SCENARIO_B, "theoretical minimum (computed)"),
    ));

    let fulls: Vec<f64> = context
        .costs
        .iter()
        .map(|(_, _, _, c)| ms(c.full))
        .collect();
    let (a200, a250) = (
        requests(SCENARIO_A, create8),
        requests(SCENARIO_A250, create8),
    );
    lines.push(format!(
        "The engine reads a zone by name (one filtered listing per name, `?name=`; the A and AAAA at the FQDN share one) while one round of `concurrency` requests holds its names, and else lists the whole zone in pages of {} records (the largest `per_page` Cloudflare documents: one page for any zone here, {:.1} to {:.1} ms of the fake's time); a zone of unknown size counts as two round trips, and once listed its size is remembered in the process. At concurrency 8 it read A as {} and B as {}: {} and {} GETs with nothing to change, where one listing per name is 35 and 300. At concurrency 64 one round holds more names: A read as {}, B as {}. With 250 records in every zone A's create made {}, and each whole-zone listing carried every record of its zone. Of the {} listings of the engine runs, {} had a name filter and {} listed a zone whole, each checked in the fake's request log against the way the engine reported for its zone (by names: each of the VMs' names there once; whole: the listing's pages, and the zone's record count as reported).",
        thousands(ZONE_PAGE),
        fulls.iter().copied().fold(f64::INFINITY, f64::min),
        fulls.iter().copied().fold(0.0, f64::max),
        read(SCENARIO_A, again8),
        read(SCENARIO_B, many_again8),
        requests(SCENARIO_A, again8),
        requests(SCENARIO_B, many_again8),
        read(SCENARIO_A, again64),
        read(SCENARIO_B, many_again64),
        if a200 == a250 {
            format!("the same {a250} requests as with 200")
        } else {
            format!("{a250} requests against {a200} with 200")
        },
        context.name_listings + context.zone_listings,
        context.name_listings,
        context.zone_listings,
    ));
    lines.push(format!(
        "Writes are one batch per zone: B's 100 VMs wrote 200 A and 200 PTR records in 2 batch POSTs of 200 posts each (Cloudflare's limit per list), where the naive client needed 400 POSTs. With nothing to change the engine took {:.0} ms for A and {:.0} ms for B at concurrency 8, and {:.0} ms and {:.0} ms at concurrency 64; the run of 3 Dec 2026 06:39 GMT, before the engine chose per zone, read every name and took 267 and 1961 ms at 8, 72 and 336 ms at 64.",
        wall(SCENARIO_A, again8),
        wall(SCENARIO_B, many_again8),
        wall(SCENARIO_A, again64),
        wall(SCENARIO_B, many_again64),
    ));
    let b64 = read(SCENARIO_B, many_again64);
    if wall(SCENARIO_B, many_again64) > wall(SCENARIO_B, many_again8) && b64.contains("fwd names") {
        lines.push(format!(
            "B is slower at concurrency 64 than at 8 ({:.0} against {:.0} ms writing, {:.0} against {:.0} ms with nothing to change): at 64 its forward zone's 100 names take two rounds, which the engine counts as no worse than listing a zone of unknown size, so it reads them by name ({b64}) in two round trips instead of listing the zone in one. Once a zone has been listed its size is known and one listing wins; this forward zone is never listed at 64, so every run reads it by name.",
            wall(SCENARIO_B, "engine resyncMany, all to write, concurrency 64"),
            wall(SCENARIO_B, many8),
            wall(SCENARIO_B, many_again64),
            wall(SCENARIO_B, many_again8),
        ));
    }
    let costs: Vec<f64> = context.costs.iter().map(|(_, _, _, c)| ms(c.get)).collect();
    let largest = context
        .costs
        .iter()
        .max_by_key(|(_, _, _, c)| c.posts)
        .map(|(_, _, _, c)| *c)
        .unwrap_or_default();
    let share = |scenario: &str, method: &str| {
        requests(scenario, method)
            .parse::<f64>()
            .map_or(f64::NAN, |n| 100.0 * n / RATE_LIMIT as f64)
    };
    lines.push(format!(
        "The fake itself answers a filtered GET in {:.1} to {:.1} ms and a batch of {} posts in {:.1} ms, so the times are round trips. The real API allows {RATE_LIMIT} requests per 5 minutes: B's {} requests take {:.1}% of that budget, the naive client's {} take {:.0}%.",
        costs.iter().copied().fold(f64::INFINITY, f64::min),
        costs.iter().copied().fold(0.0, f64::max),
        largest.posts,
        ms(largest.batch),
        requests(SCENARIO_B, many8),
        share(SCENARIO_B, many8),
        requests(SCENARIO_B, "naive"),
        share(SCENARIO_B, "naive"),
    ));
    lines
}

/// `5,000,000`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

fn section(table: &str, rows: &[Row], context: &Context, started: &Started) -> String {
    let mut s = report::head(HEADING, COMMAND, &report::cargo_command("cloudflare"));
    s.push_str(&started.run_line(&format!(
        "the fake Cloudflare API `tests/fakes/cloudflare.py` ({}) on 127.0.0.1, one process for every scenario, \
which answers with Nagle's algorithm off (it sends an answer's head and body apart, and with Nagle on \
the body would wait about 40 ms for the client's delayed ACK)",
        context.python,
    )));
    s.push_str(&format!(
        "The fake's `latency_ms` fault is 50: it waits 50 ms before answering any API request, standing \
in for the real API's round trip (its handler threads wait in parallel). The request counts are the \
fake's own (`/__control/stats`, by route, reset before each run; by zone from its stats' listings and \
its request log). The engine chooses per zone how to read it (by name or whole) and reports per zone \
the way, its read requests and its write requests (`SyncReport::zones`, `stats` in PHP); the benchmark \
fails unless the fake counted exactly the listings and batches the engine reports in each zone and \
nothing else (no single-record fallback, no retry), and those are what the reported ways cost: one \
listing per name for a zone read by name (`per_page` {NAME_PAGE}; more pages only for a name of more \
records), one per page of the zone's unfiltered listing (`per_page` {}) for a zone read whole, \
whose reported record count must be what the zone held, and one batch per zone with something to write \
(per 200 posts). The listings themselves must be the reported way's: by name, each of the VMs' names in \
the zone once and no unfiltered listing; whole, the listing's pages and no listing by name. The Read \
column is the median run's way and read requests per zone (fwd `{DOMAIN}`, /24 `{REV4_24}`, /16 \
`{REV4_16}`, ip6 `{REV6}`); the engine remembers a zone's size once it has listed it whole, so a later \
run may choose otherwise than the first (the notes say when one did). After every run each zone is \
read back whole through the control API and must hold exactly its fillers and the VMs' records (A/AAAA \
with `proxied: false`, TTL 3600); anything else fails the benchmark. Engine rows are the median of \
{REPEAT} runs (all listed in the notes), each with the default options but `concurrency` and \
`cloudflare_rate_limit` (the per-token request budget, default 1200 per 5 minutes, raised to {BUDGET} \
here: the benchmark sends thousands of requests with one token in a few minutes, and with the default \
budget later runs would wait for earlier runs' requests to leave the window); every \"create\" or \"all \
to write\" run gets fresh zones, and the \"nothing to change\" runs follow the last of them. The naive \
client runs once.\n\n",
        thousands(ZONE_PAGE),
    ));
    s.push_str(&format!(
        "Zones: forward `{DOMAIN}` (A fillers), `{REV4_24}` (/24, PTR fillers), `{REV6}` (PTR fillers), \
`{REV4_16}` (/16, PTR fillers); {FILLER} fillers in each zone, {FILLER_MORE} in the second A. The VM of A \
has 2 IPv4 and 32 IPv6: 2 A + 32 AAAA + 34 PTR = 68 records at 35 names. B resyncs 100 VMs of 2 IPv4 \
each into `{DOMAIN}` and `{REV4_16}`: 200 A + 200 PTR at 300 names. Every run starts with no record at \
the VMs' names.\n\n"
    ));
    s.push_str(table);
    s.push_str("\nWhat the fake itself takes (measured directly, with `latency_ms` 0):\n\n");
    s.push_str(
        "| Scenario | Zone | Fillers | Filtered GET (ms) | Whole listing (ms) | Batch | Batch (ms) |\n|---|---|---:|---:|---:|---:|---:|\n",
    );
    for (scenario, zone, fillers, cost) in &context.costs {
        s.push_str(&format!(
            "| {} | `{zone}` | {fillers} | {:.1} | {:.1} | {} posts | {:.1} |\n",
            scenario.split(',').next().unwrap_or(scenario),
            ms(cost.get),
            ms(cost.full),
            cost.posts,
            ms(cost.batch)
        ));
    }
    s.push_str(&format!(
        "\nHow the computed rows are computed: the theoretical minimum runs every zone in parallel, \
each with one read round trip (50 ms + the fake's filtered GET above: the least a read can take, as if \
all the zone's names went in one round trip) and then one batch (50 ms + the fake's batch above); the \
slowest zone is the wall time, and its requests are one read per zone plus one batch per zone that has \
at most 200 deletes and 200 posts. The \"estimate at concurrency N\" rows take the reads the median \
writing run at N chose (its Read column) and allow N requests in flight, as the engine does: \
ceil(requests / N) round trips for the listings by name (with the slowest zone's filtered GET) beside \
each whole-zone listing (50 ms + the fake's whole listing above, of the fillers alone; one page of \
{}), then the slowest zone's batch. The naive client sends one POST per record, each after the \
previous answer, without reading first (so it cannot replace or remove anything, and a second run \
would add duplicates).\n",
        thousands(ZONE_PAGE),
    ));
    s.push_str("\nInterpretation:\n\n");
    for line in interpretation(rows, context) {
        s.push_str(&format!("- {line}\n"));
    }
    s
}
