//! Benchmark: reads that scale on Cloudflare (issue 16), each scenario a
//! whole `php` process.
//!
//! Issue 16's Cloudflare goal: resyncMany of 1,000 VMs (2 IPv4 + 1 IPv6
//! each) with the default request budget: no wait on the budget, at most
//! 5 s, at most 2 requests per zone plus the pages a listing needs plus
//! one batch per 200 changes, at 50 ms per request, the whole process
//! through PHP.
//!
//! Starts the fake Cloudflare API (tests/fakes/cloudflare.py) with its
//! `latency_ms` fault at 50, and runs each scenario as
//! `php -d extension=target/release/libpuq_dns.so bench/php/sync.php JOB`,
//! timed from spawn to exit: the script makes one `PuqDns\DnsSync`
//! resyncMany call with the engine's default options (so the default
//! Cloudflare budget, 1200 requests per 5 minutes) and prints the result's
//! `stats` per zone. The table goes to stdout and to the "Reads that scale
//! on Cloudflare (issue 16)" section of BENCHMARKS.md, right after "Reads
//! that scale (issue 16)".
//!
//! ```sh
//! build/bench.sh scale-cloudflare
//! # or, with the dependencies installed and the extension built
//! # (cargo build --release at the repository root):
//! cargo run --release -p puq_dns_bench --bin scale_cloudflare
//! ```
//!
//! A run whose result is not ok, whose zones do not hold exactly the VMs'
//! records and the fillers afterwards, whose requests per zone (the fake's
//! stats and request log) are not the ones its `stats` report, or whose
//! requests are not what the read way and the writes cost (the listing's
//! pages for a zone read whole, one listing per name for a zone read by
//! name, and one batch per 200 changes), exits non-zero; a goal not met
//! does not.

use std::collections::{BTreeMap, HashSet};
use std::net::Ipv6Addr;
use std::time::{Duration, Instant};

use puq_dns_bench::cloudflare::{
    fresh_zones, line, python_version, verify, Fake, Traffic, ZoneState, ACCOUNT, TOKEN, ZONE_PAGE,
};
use puq_dns_bench::php::{vm_json, Php, PhpRun};
use puq_dns_bench::report::{self, median, ms, Started};
use puq_dns_bench::scenario::{self, BenchVm, Record, DOMAIN, FILLER, REV4_16, REV6};
use puq_dns_bench::stats::{self, ZoneCount};
use puq_dns_bench::Res;
use puq_dns_core::sync::SyncOptions;
use serde_json::{json, Value as Json};

/// The fake's `latency_ms`: added to every API answer.
const LATENCY: Duration = Duration::from_millis(50);
/// Runs of each scenario; the table shows the median.
const REPEAT: usize = 3;
/// Runs of the empty `php` start.
const REPEAT_EMPTY: usize = 5;
/// VMs of the resyncMany.
const VMS: u16 = 1000;
/// Cloudflare's limit per action list of one batch (the fake's
/// `batch_limit` default; the engine's too).
const BATCH_LIMIT: usize = 200;
/// Issue 16's time goal, spawn to exit.
const WITHIN: Duration = Duration::from_secs(5);

const HEADING: &str = "## Reads that scale on Cloudflare (issue 16)";
/// The section this one follows in BENCHMARKS.md.
const AFTER: &str = "## Reads that scale (issue 16)";
const COMMAND: &str = "build/bench.sh scale-cloudflare";

const ZONES: [&str; 3] = [DOMAIN, REV4_16, REV6];

const ALL: &str = "resyncMany, 1,000 VMs: all to write";
const NOTHING: &str = "resyncMany, 1,000 VMs: nothing to change";

/// The 1,000 VMs: [`BenchVm::many`]'s two IPv4 each (198.18.101.1 on, in
/// the /16), and one IPv6 each, 2001:db8:0:1::1 to ::3e8.
fn vms() -> Vec<BenchVm> {
    BenchVm::many(VMS)
        .into_iter()
        .zip(1u16..)
        .map(|(mut vm, i)| {
            vm.v6 = vec![Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, i)];
            vm
        })
        .collect()
}

/// Zone rows of the fake's zones, as PHP takes them.
fn zone_rows(api_url: &str, state: &ZoneState) -> Json {
    let rows: Vec<Json> = ZONES
        .iter()
        .zip(1..)
        .filter_map(|(zone, id)| {
            state.ids.get(zone).map(|zone_id| {
                json!({
                    "id": id,
                    "zone": zone,
                    "type": "Cloudflare",
                    "account_id": ACCOUNT,
                    "zone_id": zone_id,
                    "api_token": TOKEN,
                    "api_url": api_url,
                })
            })
        })
        .collect();
    Json::Array(rows)
}

/// What one zone's sync must cost, from what it held before and the VMs'
/// records there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ZoneExpect {
    /// Records in the zone before the run.
    held: u64,
    /// The VMs' distinct names in the zone.
    names: u64,
    /// Records to post and to delete at the VMs' names.
    adds: u64,
    removes: u64,
    /// Pages of the zone's whole listing at `per_page` [`ZONE_PAGE`].
    pages: u64,
    /// One per 200 changes (no scenario deletes, so this is exactly the
    /// engine's rule of 200 deletes and 200 posts a batch).
    batches: u64,
}

impl ZoneExpect {
    fn changes(&self) -> u64 {
        self.adds + self.removes
    }

    /// Issue 16's bound: at most one read and one write per zone, plus
    /// the further pages a listing needs and one further batch per
    /// further 200 changes.
    fn goal(&self) -> u64 {
        self.pages + self.batches.max(1)
    }
}

fn expectations(before: &[Record], recs: &[Record]) -> BTreeMap<&'static str, ZoneExpect> {
    ZONES
        .iter()
        .map(|zone| {
            let mine: HashSet<String> = recs.iter().filter(|r| r.zone == *zone).map(line).collect();
            let names: HashSet<&str> = recs
                .iter()
                .filter(|r| r.zone == *zone)
                .map(|r| r.name.as_str())
                .collect();
            let held: Vec<&Record> = before.iter().filter(|r| r.zone == *zone).collect();
            let held_lines: HashSet<String> = held.iter().map(|r| line(r)).collect();
            let adds = mine.iter().filter(|l| !held_lines.contains(*l)).count() as u64;
            let removes = held
                .iter()
                .filter(|r| names.contains(r.name.as_str()))
                .filter(|r| !mine.contains(&line(r)))
                .count() as u64;
            let held_n = held.len() as u64;
            let expect = ZoneExpect {
                held: held_n,
                names: names.len() as u64,
                adds,
                removes,
                pages: held_n.div_ceil(ZONE_PAGE).max(1),
                batches: (adds + removes).div_ceil(BATCH_LIMIT as u64),
            };
            (*zone, expect)
        })
        .collect()
}

/// The engine's default budget, from the engine itself.
#[derive(Clone, Copy, Debug)]
struct Budget {
    limit: u64,
    window: Duration,
    /// What core/src/budget.rs adds to the window: the first request
    /// beyond the limit waits until the oldest slot + window + margin.
    margin: Duration,
}

impl Budget {
    fn default_of_engine() -> Budget {
        let options = SyncOptions::default();
        Budget {
            limit: options.cloudflare_rate_limit as u64,
            window: options.cloudflare_rate_window,
            margin: (options.cloudflare_rate_window / 100).max(Duration::from_millis(100)),
        }
    }

    /// The least a wait on the budget adds: its first slot beyond the limit
    /// is a window and the margin after the process's first request.
    fn shortest_wait(&self) -> Duration {
        self.window + self.margin
    }

    /// Whether a process that sent `requests` and took `wall` waited on its
    /// budget: by the count (the budget is the process's own and starts
    /// full, so the first `limit` requests go at once and the next waits)
    /// and by the time (a wait takes the process past the shortest wait).
    fn waited(&self, requests: u64, wall: Duration) -> (bool, bool) {
        (requests > self.limit, wall >= self.shortest_wait())
    }

    fn note(&self, requests: u64, wall: Duration) -> String {
        match self.waited(requests, wall) {
            (false, false) => format!(
                "no: {requests} requests of the process's {}, and {:.1} s < {:.0} s",
                self.limit,
                wall.as_secs_f64(),
                self.shortest_wait().as_secs_f64()
            ),
            (true, _) => format!(
                "yes: {requests} requests, over the process's {}",
                self.limit
            ),
            (false, true) => format!(
                "unclear: {requests} requests of {}, yet {:.0} s",
                self.limit,
                wall.as_secs_f64()
            ),
        }
    }
}

/// One process.
struct Run {
    php: PhpRun,
    traffic: Traffic,
}

impl Run {
    fn requests(&self) -> u64 {
        self.traffic.total()
    }

    fn zone(&self, zone: &str) -> Option<&ZoneCount> {
        self.php.counts.iter().find(|c| c.zone == zone)
    }
}

/// A scenario's runs and what they had to cost.
struct Measured {
    scenario: &'static str,
    writes: bool,
    runs: Vec<Run>,
    expect: BTreeMap<&'static str, ZoneExpect>,
}

impl Measured {
    fn median(&self) -> Option<&Run> {
        report::median_run(&self.runs, |r| r.php.wall)
    }
}

/// What the fake itself takes, with `latency_ms` at 0, each measured as
/// the engine sends the requests: the three zones at once (the fake holds
/// one lock for all its zones, so they wait for each other).
#[derive(Clone, Debug, Default)]
struct Costs {
    /// Per zone, its whole listing in one page as the engine asks for it,
    /// with only the fillers and with the VMs' records too: median of 3.
    list_fillers: BTreeMap<&'static str, Duration>,
    list_full: BTreeMap<&'static str, Duration>,
    /// Per zone, each batch of the VMs' posts there, 200 a batch, into the
    /// zone from its fillers on, one after the other: of 3 tries, the one
    /// of the median total.
    batches: BTreeMap<&'static str, Vec<Duration>>,
}

impl Costs {
    fn list(&self, writes: bool, zone: &str) -> Duration {
        let by = if writes {
            &self.list_fillers
        } else {
            &self.list_full
        };
        by.get(zone).copied().unwrap_or_default()
    }

    /// The fake's time for the first `n` batches of a zone.
    fn batches(&self, zone: &str, n: u64) -> Duration {
        let times = self.batches.get(zone).map_or(&[][..], Vec::as_slice);
        (0..n)
            .map(|i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| times.get(i).or(times.last()))
                    .copied()
                    .unwrap_or_default()
            })
            .sum()
    }

    /// `15 batches: 14 to 120 ms each, 950 ms in all`.
    fn batches_note(&self, zone: &str) -> String {
        let times = self.batches.get(zone).map_or(&[][..], Vec::as_slice);
        let least = times.iter().min().copied().unwrap_or_default();
        let most = times.iter().max().copied().unwrap_or_default();
        format!(
            "{} batches: {:.0} to {:.0} ms each, {:.0} ms in all",
            times.len(),
            ms(least),
            ms(most),
            ms(times.iter().sum())
        )
    }

    /// The engine's requests as it sends them: the zones in parallel, each
    /// its read (50 ms + the fake's listing per page, or 50 ms per round of
    /// listings by name) and then its batches one after the other (50 ms +
    /// the fake's time for that batch each).
    fn computed(&self, m: &Measured, run: &Run) -> Duration {
        ZONES
            .iter()
            .map(|zone| {
                let (reads, batches, whole) = run.zone(zone).map_or((0, 0, true), |c| {
                    (c.read_requests, c.write_requests, c.read == "zone")
                });
                let read = if whole {
                    (LATENCY + self.list(m.writes, zone)) * to_u32(reads)
                } else {
                    // Listings by name go `concurrency` at a time.
                    let rounds = reads.div_ceil(SyncOptions::default().concurrency.max(1) as u64);
                    LATENCY * to_u32(rounds)
                };
                read + LATENCY * to_u32(batches) + self.batches(zone, batches)
            })
            .max()
            .unwrap_or_default()
    }

    /// What the write of the slowest zone would take if every batch cost
    /// the fake what the first one did: the share of the zone's growth.
    fn first_batch(&self, zone: &str) -> Duration {
        self.batches
            .get(zone)
            .and_then(|t| t.first())
            .copied()
            .unwrap_or_default()
    }
}

fn to_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The whole listing of a zone, as the engine asks for it: one request.
async fn listing(fake: &Fake, id: &str) -> Res<Duration> {
    let query = format!("/zones/{id}/dns_records?per_page={ZONE_PAGE}&page=1");
    let started = Instant::now();
    fake.api(reqwest::Method::GET, &query, None).await?;
    Ok(started.elapsed())
}

fn id_of<'a>(state: &'a ZoneState, zone: &str) -> Res<&'a str> {
    state
        .ids
        .get(zone)
        .map(String::as_str)
        .ok_or_else(|| format!("no zone {zone}").into())
}

/// Each zone's listing, the three at once: median of 3 per zone.
async fn listings_at_once(fake: &Fake, state: &ZoneState) -> Res<BTreeMap<&'static str, Duration>> {
    let [a, b, c] = ZONES;
    let (ia, ib, ic) = (id_of(state, a)?, id_of(state, b)?, id_of(state, c)?);
    let mut samples: BTreeMap<&'static str, Vec<Duration>> = BTreeMap::new();
    for _ in 0..3 {
        let (ta, tb, tc) = tokio::join!(listing(fake, ia), listing(fake, ib), listing(fake, ic));
        for (zone, took) in [(a, ta?), (b, tb?), (c, tc?)] {
            samples.entry(zone).or_default().push(took);
        }
    }
    Ok(samples.into_iter().map(|(z, s)| (z, median(s))).collect())
}

/// A record as the engine posts it.
fn post(rec: &Record) -> Json {
    let mut body =
        json!({ "type": rec.rrtype, "name": rec.name, "content": rec.content, "ttl": rec.ttl });
    if rec.rrtype != "PTR" {
        body["proxied"] = json!(false);
    }
    body
}

/// The VMs' records of `zone` posted into it, 200 a batch, one after the
/// other: each batch's time.
async fn batches_of(fake: &Fake, zone: &str, id: &str, recs: &[Record]) -> Res<Vec<Duration>> {
    let path = format!("/zones/{id}/dns_records/batch");
    let posts: Vec<Json> = recs.iter().filter(|r| r.zone == zone).map(post).collect();
    let mut times = Vec::new();
    for chunk in posts.chunks(BATCH_LIMIT) {
        let started = Instant::now();
        fake.api(
            reqwest::Method::POST,
            &path,
            Some(&json!({ "deletes": [], "posts": chunk })),
        )
        .await?;
        times.push(started.elapsed());
    }
    Ok(times)
}

/// Every zone's batches of the VMs' records, the zones at once, into fresh
/// zones holding the fillers: of 3 tries, per zone the one of the median
/// total.
async fn writes_at_once(
    fake: &Fake,
    recs: &[Record],
) -> Res<BTreeMap<&'static str, Vec<Duration>>> {
    let [a, b, c] = ZONES;
    let mut tries: BTreeMap<&'static str, Vec<Vec<Duration>>> = BTreeMap::new();
    for _ in 0..3 {
        let probe = fresh_zones(fake, &ZONES, FILLER).await?;
        let (ia, ib, ic) = (id_of(&probe, a)?, id_of(&probe, b)?, id_of(&probe, c)?);
        let (ta, tb, tc) = tokio::join!(
            batches_of(fake, a, ia, recs),
            batches_of(fake, b, ib, recs),
            batches_of(fake, c, ic, recs)
        );
        for (zone, times) in [(a, ta?), (b, tb?), (c, tc?)] {
            tries.entry(zone).or_default().push(times);
        }
    }
    Ok(tries
        .into_iter()
        .filter_map(|(zone, runs)| {
            report::median_run(&runs, |t| t.iter().sum())
                .cloned()
                .map(|t| (zone, t))
        })
        .collect())
}

/// Measures the fake's own costs: listings of `full` (the zones with the
/// VMs' records) and of fresh zones with the fillers alone, and the
/// scenario's batches into fresh zones.
async fn costs(fake: &Fake, full: &ZoneState, recs: &[Record]) -> Res<Costs> {
    fake.set_latency(Duration::ZERO).await?;
    let probe = fresh_zones(fake, &ZONES, FILLER).await?;
    let costs = Costs {
        list_fillers: listings_at_once(fake, &probe).await?,
        list_full: listings_at_once(fake, full).await?,
        batches: writes_at_once(fake, recs).await?,
    };
    fake.set_latency(LATENCY).await?;
    Ok(costs)
}

/// One process on `state`, with everything checked: the result ok and
/// its operations those of the state before; the fake's requests per zone
/// those the result's stats report, and those what the read way and the
/// writes cost; the zones holding exactly the fillers and `recs` after.
async fn run_once(
    php: &Php,
    fake: &mut Fake,
    state: &ZoneState,
    before: &[Record],
    recs: &[Record],
    job: &Json,
    what: &str,
) -> Res<Run> {
    let expect = expectations(before, recs);
    fake.reset_stats().await?;
    fake.api_requests_since_last()?;
    let run = php.run(what, job)?;
    let traffic = Traffic::of(fake, what, &state.ids).await?;
    let batches = |zone: &str| expect.get(zone).map_or(0, |e| e.batches);
    traffic.check_counts(what, &run.counts, before, recs, &batches)?;
    let (adds, removes): (u64, u64) = expect
        .values()
        .fold((0, 0), |(a, r), e| (a + e.adds, r + e.removes));
    let kept = (recs.len() as u64).saturating_sub(adds);
    if (run.created, run.deleted, run.unchanged) != (adds, removes, kept) {
        return Err(format!(
            "{what}: {} created, {} deleted, {} unchanged, where the zones needed {adds}, {removes} and {kept}",
            run.created, run.deleted, run.unchanged
        )
        .into());
    }
    verify(fake, state, recs, what).await?;
    Ok(Run { php: run, traffic })
}

/// `fwd 16 (1 listing + 15 batches)`, per zone.
fn per_zone(counts: &[ZoneCount]) -> String {
    counts
        .iter()
        .map(|c| {
            let read = match (c.read.as_str(), c.read_requests) {
                ("zone", 1) => "1 zone listing".to_owned(),
                ("zone", n) => format!("{n} zone listing pages"),
                (_, 1) => "1 listing by name".to_owned(),
                (_, n) => format!("{n} listings by name"),
            };
            let write = match c.write_requests {
                1 => "1 batch".to_owned(),
                n => format!("{n} batches"),
            };
            format!(
                "{} {} ({read} + {write})",
                stats::short(&c.zone),
                c.read_requests + c.write_requests
            )
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// `fwd ≤ 16 · /16 ≤ 11 · ip6 ≤ 6`.
fn goal_per_zone(expect: &BTreeMap<&'static str, ZoneExpect>) -> String {
    ZONES
        .iter()
        .filter_map(|z| {
            expect
                .get(z)
                .map(|e| format!("{} ≤ {}", stats::short(z), e.goal()))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Met or not, and why not.
fn verdict(m: &Measured, budget: &Budget) -> (String, bool) {
    let Some(run) = m.median() else {
        return ("no runs".to_owned(), false);
    };
    let mut why = Vec::new();
    if run.php.wall > WITHIN {
        why.push(format!("{:.2} s", run.php.wall.as_secs_f64()));
    }
    let waits: Vec<usize> = m
        .runs
        .iter()
        .zip(1..)
        .filter(|(r, _)| {
            let (count, time) = budget.waited(r.requests(), r.php.wall);
            count || time
        })
        .map(|(_, i)| i)
        .collect();
    if !waits.is_empty() {
        why.push(format!("runs {waits:?} waited on the budget"));
    }
    for zone in ZONES {
        let (Some(c), Some(e)) = (run.zone(zone), m.expect.get(zone)) else {
            why.push(format!("no stats for {}", stats::short(zone)));
            continue;
        };
        let got = c.read_requests + c.write_requests;
        if got > e.goal() {
            why.push(format!(
                "{} {got} requests (≤ {})",
                stats::short(zone),
                e.goal()
            ));
        }
    }
    if why.is_empty() {
        ("met".to_owned(), true)
    } else {
        (format!("not met: {}", why.join("; ")), false)
    }
}

fn goal_text() -> String {
    format!(
        "≤ {:.0} s, no wait on the budget, ≤ 2 requests per zone + the listing's further pages + 1 batch per further 200 changes",
        WITHIN.as_secs_f64()
    )
}

fn table(empty: &[Duration], measured: &[Measured], costs: &Costs, budget: &Budget) -> String {
    let mut out = String::from(
        "| Scenario | Measured (ms) | Computed (ms) | Requests per zone | Goal per zone | Waited on the budget | Goal | Met | Notes |\n|---|---:|---:|---|---|---|---|---|---|\n",
    );
    out.push_str(&format!(
        "| empty start: `php -d extension=… -r ''` | {:.0} | | none | | | | | {} |\n",
        ms(median(empty.to_vec())),
        report::walls_note(empty.iter().copied())
    ));
    for m in measured {
        let Some(run) = m.median() else { continue };
        let (met, _) = verdict(m, budget);
        let requests: Vec<String> = m.runs.iter().map(|r| r.requests().to_string()).collect();
        out.push_str(&format!(
            "| {} | {:.0} | {:.0} | {} | {} | {} | {} | {met} | {}; the call inside PHP {:.0} ms; requests by run: {}; {} created, {} deleted, {} unchanged |\n",
            m.scenario,
            ms(run.php.wall),
            ms(costs.computed(m, run)),
            per_zone(&run.php.counts),
            goal_per_zone(&m.expect),
            budget.note(run.requests(), run.php.wall),
            goal_text(),
            report::walls_note(m.runs.iter().map(|r| r.php.wall)),
            ms(run.php.call),
            requests.join(", "),
            run.php.created,
            run.php.deleted,
            run.php.unchanged,
        ));
    }
    out
}

/// Per scenario and zone: the median run's read and writes, what they had
/// to be, and what the fake itself takes.
fn zone_table(measured: &[Measured], costs: &Costs) -> String {
    let mut out = String::from(
        "| Scenario | Zone | Records before | VMs' names | Changes | Read | Listings | Batches | Required (listings + batches) | Goal | Fake: whole listing (ms) | Fake: this write's batches |\n|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---|\n",
    );
    for m in measured {
        let Some(run) = m.median() else { continue };
        for zone in ZONES {
            let (Some(c), Some(e)) = (run.zone(zone), m.expect.get(zone)) else {
                continue;
            };
            let required_reads = if c.read == "zone" { e.pages } else { e.names };
            out.push_str(&format!(
                "| {} | `{zone}` | {} | {} | {} | {} | {} | {} | {} | ≤ {} | {:.1} | {} |\n",
                m.scenario,
                e.held,
                e.names,
                e.changes(),
                match c.zone_records {
                    Some(n) => format!("{} ({n} records)", c.read),
                    None => c.read.clone(),
                },
                c.read_requests,
                c.write_requests,
                required_reads + e.batches,
                e.goal(),
                ms(costs.list(m.writes, zone)),
                if c.write_requests > 0 {
                    costs.batches_note(zone)
                } else {
                    "none".to_owned()
                },
            ));
        }
    }
    out
}

fn find<'a>(measured: &'a [Measured], scenario: &str) -> Option<&'a Measured> {
    measured.iter().find(|m| m.scenario == scenario)
}

/// What the report says besides the tables.
struct Context {
    python: String,
    empty: Vec<Duration>,
    /// API requests of every run, and the time from the first run's start
    /// to the last one's end: what one token sent across processes.
    all_requests: u64,
    all_span: Duration,
}

/// A few sentences computed from the figures.
fn interpretation(
    measured: &[Measured],
    costs: &Costs,
    budget: &Budget,
    context: &Context,
) -> Vec<String> {
    let mut lines = Vec::new();
    let met: Vec<&str> = measured
        .iter()
        .filter(|m| verdict(m, budget).1)
        .map(|m| m.scenario)
        .collect();
    let missed: Vec<String> = measured
        .iter()
        .filter(|m| !verdict(m, budget).1)
        .map(|m| {
            let (why, _) = verdict(m, budget);
            format!(
                "{} ({})",
                m.scenario,
                why.strip_prefix("not met: ").unwrap_or(&why)
            )
        })
        .collect();
    let list = |v: Vec<String>| {
        if v.is_empty() {
            "none".to_owned()
        } else {
            v.join("; ")
        }
    };
    lines.push(format!(
        "Goal ({}): met by {}; not met by {}.",
        goal_text(),
        list(met.iter().map(|s| (*s).to_owned()).collect()),
        list(missed),
    ));
    if let Some((m, run)) = find(measured, ALL).and_then(|m| m.median().map(|r| (m, r))) {
        let ways = stats::read_column(&run.php.counts);
        let batches: Vec<String> = ZONES
            .iter()
            .filter_map(|z| {
                m.expect.get(z).map(|e| {
                    format!(
                        "{} {} batches for {} posts",
                        stats::short(z),
                        e.batches,
                        e.adds
                    )
                })
            })
            .collect();
        let slowest = ZONES
            .iter()
            .copied()
            .max_by_key(|z| m.expect.get(z).map_or(0, |e| e.batches))
            .unwrap_or(DOMAIN);
        let slowest_batches = m.expect.get(slowest).map_or(0, |e| e.batches);
        let concurrency = SyncOptions::default().concurrency.max(1) as u64;
        let names: Vec<u64> = m.expect.values().map(|e| e.names).collect();
        let (few, many) = (
            names.iter().copied().min().unwrap_or(0),
            names.iter().copied().max().unwrap_or(0),
        );
        let mean_batch =
            ms(costs.batches(slowest, slowest_batches)) / slowest_batches.max(1) as f64;
        // What 5 s leaves after the process start and one listing round.
        let spare = ms(WITHIN) - ms(median(context.empty.clone())) - ms(LATENCY);
        let room = (spare / (ms(LATENCY) + mean_batch)).floor().max(0.0) as u64;
        lines.push(format!(
            "All to write: {:.0} ms spawn to exit (the call {:.0} ms inside PHP), {} requests: the engine read {ways}, one listing of each zone ({few} to {many} names at concurrency {concurrency} would be {} to {} rounds and as many listings by name; a zone of unknown size counts as two rounds), and wrote {}. A zone's batches go one after the other (`CloudflareClient::apply` awaits each before the next), the zones in parallel: the time is the {} zone's {slowest_batches} batches in a row, computed at {:.0} ms for the engine's requests: {slowest_batches} × 50 ms of latency and {:.0} ms of the fake's own time for those batches ({}), beside which the reads are one round trip. The fake checks each post against every record at its name by scanning the whole zone and holds one lock for all zones, so its batch time grows as the zone fills and the zones' batches wait for each other: were every batch as quick as the first ({:.0} ms), the {} zone's write would take {:.0} ms. The remaining {:.0} ms between the computed time and the call are the engine's and PHP's own (planning 1,000 VMs, 1,000 result arrays of 6 operations). The write time grows by one round trip per 200 changes in the busiest zone: at 50 ms + the fake's mean {:.0} ms a batch, 5 s spawn to exit holds about {} batches in one zone, {} changes, where this scenario's busiest zone needs {slowest_batches}.",
            ms(run.php.wall),
            ms(run.php.call),
            run.requests(),
            few.div_ceil(concurrency),
            many.div_ceil(concurrency),
            batches.join(", "),
            stats::short(slowest),
            ms(costs.computed(m, run)),
            ms(costs.batches(slowest, slowest_batches)),
            costs.batches_note(slowest),
            ms(costs.first_batch(slowest)),
            stats::short(slowest),
            ms((LATENCY + costs.first_batch(slowest)) * to_u32(slowest_batches)),
            ms(run.php.call) - ms(costs.computed(m, run)),
            mean_batch,
            room,
            room * BATCH_LIMIT as u64,
        ));
    }
    if let Some((m, run)) = find(measured, NOTHING).and_then(|m| m.median().map(|r| (m, r))) {
        let sizes: Vec<String> = run
            .php
            .counts
            .iter()
            .filter_map(|c| {
                c.zone_records
                    .map(|n| format!("{} {n}", stats::short(&c.zone)))
            })
            .collect();
        lines.push(format!(
            "Nothing to change: {:.0} ms (the call {:.0} ms), {} requests, {}: one listing per zone ({} records) and no batch, computed at {:.0} ms; the fake's own time for the largest listing is {:.1} ms.",
            ms(run.php.wall),
            ms(run.php.call),
            run.requests(),
            stats::read_column(&run.php.counts),
            sizes.join(", "),
            ms(costs.computed(m, run)),
            ZONES
                .iter()
                .map(|z| ms(costs.list(false, z)))
                .fold(0.0, f64::max),
        ));
    }
    let empty = median(context.empty.clone());
    let beyond: Vec<String> = measured
        .iter()
        .filter_map(|m| {
            m.median()
                .map(|r| format!("{:.0} ms", ms(r.php.wall) - ms(r.php.call)))
        })
        .collect();
    lines.push(format!(
        "An empty `php` start with the extension takes {:.0} ms spawn to exit; a process's time beyond its call ({}) is that start, the script reading the job's 1,000 VMs and printing the 1,000 results' figures.",
        ms(empty),
        beyond.join(" and "),
    ));
    let most = measured
        .iter()
        .flat_map(|m| m.runs.iter().map(Run::requests))
        .max()
        .unwrap_or(0);
    lines.push(format!(
        "The budget: the engine's default (`SyncOptions::default()`, core/src/options.rs) is {} requests per {:.0} s per token, Cloudflare's documented limit. It is the process's own (core/src/budget.rs: a static map in the process, keyed by API URL, token, limit and window), full when the process starts, and hands out its first {} slots at once; the next request would wait until the oldest slot plus the window plus a margin of {:.0} s. No process here sent more than {most} requests, so none could wait, and every run ended well before {:.0} s, so none did (the engine reports no waits in `stats`: the count and the time are the evidence). Consecutive processes share nothing: the {} runs here sent {} API requests with one token in {:.0} s, and each process counted only its own. The real API counts every request of the user together: {}, but nothing in the engine holds a process back for what other processes of the token sent.",
        budget.limit,
        budget.window.as_secs_f64(),
        budget.limit,
        budget.margin.as_secs_f64(),
        budget.shortest_wait().as_secs_f64(),
        measured.iter().map(|m| m.runs.len()).sum::<usize>(),
        context.all_requests,
        context.all_span.as_secs_f64(),
        {
            let per_window = budget.window.as_secs_f64() / 60.0;
            let runs = (budget.limit / most.max(1)).max(1);
            format!(
                "at {most} requests a run, {runs} such runs fit in one window, so a cron run of this size every minute ({per_window:.0} in a window) {} within it",
                if per_window <= runs as f64 { "stays" } else { "does not stay" }
            )
        },
    ));
    lines
}

fn section(
    php: &Php,
    measured: &[Measured],
    costs: &Costs,
    budget: &Budget,
    context: &Context,
    started: &Started,
) -> String {
    let defaults = SyncOptions::default();
    let mut s = format!(
        "{HEADING}\n\nCommand: `{COMMAND}` (runs `build/deps.sh`, then `cargo build --release` at the repository root for `target/release/libpuq_dns.so`, then `{}`).  \n",
        report::cargo_command("scale_cloudflare")
    );
    let built = php
        .built
        .map_or("unknown".to_owned(), httpdate::fmt_http_date);
    s.push_str(&started.run_line(&format!(
        "PHP {} (CLI, its default php.ini) with the release extension built {built}; the fake Cloudflare API `tests/fakes/cloudflare.py` ({}) on 127.0.0.1, one process for every run, with `latency_ms` 50",
        php.version, context.python,
    )));
    s.push_str(&format!(
        "Each scenario is a whole process, timed from spawn to exit: `php -d extension=target/release/libpuq_dns.so bench/php/sync.php JOB.json`, where the script makes one `PuqDns\\DnsSync` resyncMany call with the engine's default options (`options` null: concurrency {}, and the default Cloudflare budget, `cloudflare_rate_limit` {} per `cloudflare_rate_window` {:.0} s, not raised as the Cloudflare sync benchmark raises it) and prints the result's `stats` per zone. The zone rows point at the fake, whose `latency_ms` fault waits 50 ms before answering any API request (its handler threads wait in parallel), standing in for the real API's round trip. The benchmark fails unless every result is ok and its operations are the state's (every record created, or every record unchanged); unless the fake counted in each zone (its `/__control/stats` and its request log) exactly the listings and batches the result's `stats` report there and nothing else (no single-record fallback, no retry); unless those are what the reported way costs: the pages of the zone's listing (`per_page` {}) for a zone read whole, whose reported record count must be what the zone held, or one listing per name for a zone read by name, plus one batch per 200 changes; and unless, after every run, each zone read back whole through the control API holds exactly its fillers and the VMs' records (A/AAAA with `proxied: false`, TTL 3600). The goal is issue 16's: no wait on the budget, at most 5 s, and per zone at most 2 requests (one read, one write) plus the listing's further pages plus one batch per further 200 changes, that is the listing's pages + max(1, ceil(changes / 200)). A goal not met does not fail the run; a wrong count does. Rows are the median of {REPEAT} runs (all listed in the notes); the empty start, the median of {REPEAT_EMPTY}.\n\n",
        defaults.concurrency,
        budget.limit,
        budget.window.as_secs_f64(),
        ZONE_PAGE,
    ));
    s.push_str(&format!(
        "Zones: forward `{DOMAIN}` ({FILLER} A fillers), `{REV4_16}` (/16, {FILLER} PTR fillers at 198.18.0.0 on) and `{REV6}` ({FILLER} PTR fillers at 2001:db8:0:2::1 on), none at a VM's name; the fillers must survive. resyncMany syncs 1,000 VMs, `vm-0001` to `vm-1000`, of 2 IPv4 each from 198.18.101.1 on and 1 IPv6 each, 2001:db8:0:1::1 to ::3e8: 2 A + 1 AAAA in `{DOMAIN}`, 2 PTR in the /16 and 1 PTR in the IPv6 zone per VM, 6,000 records at 4,000 names (fwd 1,000, /16 2,000, ip6 1,000). \"All to write\" starts each run in fresh zones holding only the fillers; \"nothing to change\" runs on the zones the last \"all to write\" run left (checked to hold exactly the fillers and the VMs' records).\n\n"
    ));
    s.push_str(&table(&context.empty, measured, costs, budget));
    s.push_str("\nPer zone, the median run, and what the fake itself takes (measured directly, with `latency_ms` 0, the three zones at once as the engine sends their requests: the zone's whole listing in one page as the engine asks for it, in the state the scenario starts from, median of 3; and the scenario's posts into fresh zones holding the fillers, 200 a batch, a zone's batches one after the other, of 3 tries the one of the median total):\n\n");
    s.push_str(&zone_table(measured, costs));
    s.push_str(
        "\nHow the computed time is computed: the engine's requests as it sends them, the zones in parallel, each with its read (one listing of 50 ms + the fake's whole listing above per page, or rounds of `concurrency` listings by name of 50 ms each) and then its batches one after the other, 50 ms + the fake's time for that batch (above) each; the slowest zone is the computed time. It counts no process start, no PHP and no engine time. \"Required\" is what the strategy must send for the way the engine reported (the check that fails the run); \"Goal\" is issue 16's bound.\n",
    );
    s.push_str("\nInterpretation:\n\n");
    for line in interpretation(measured, costs, budget, context) {
        s.push_str(&format!("- {line}\n"));
    }
    s
}

/// One run's line of progress.
fn print_run(i: usize, run: &Run, budget: &Budget) {
    println!(
        "  run {}: {:.0} ms (the call {:.0} ms), {}; {}",
        i + 1,
        ms(run.php.wall),
        ms(run.php.call),
        per_zone(&run.php.counts),
        budget.note(run.requests(), run.php.wall)
    );
}

#[tokio::main]
async fn main() -> Res<()> {
    let started = Started::now();
    let budget = Budget::default_of_engine();
    let php = Php::new()?;
    php.announce();
    println!(
        "the engine's default Cloudflare budget: {} requests per {:.0} s",
        budget.limit,
        budget.window.as_secs_f64()
    );
    let mut empty = Vec::new();
    for _ in 0..REPEAT_EMPTY {
        empty.push(php.empty_start()?);
    }
    println!(
        "empty php start: {}",
        report::walls_note(empty.iter().copied())
    );

    let mut fake = Fake::start().await?;
    fake.set_latency(LATENCY).await?;
    println!("fake Cloudflare at {}", fake.base);

    let vms = vms();
    let recs = scenario::records(&vms, REV4_16);
    let vm_rows: Vec<Json> = vms.iter().map(vm_json).collect();
    let api_url = fake.api_url();
    let job = |state: &ZoneState| {
        json!({
            "zones": zone_rows(&api_url, state),
            "options": null,
            "action": "resyncMany",
            "vms": vm_rows,
        })
    };

    let mut measured = Vec::new();
    let mut all_requests = 0;
    let mut first_start = None;
    let mut last_state = None;
    let mut runs = Vec::new();
    let mut expect = BTreeMap::new();
    println!(
        "\n{ALL}: {} records at {} names in {} zones",
        recs.len(),
        scenario::names_by_zone(&recs).values().sum::<usize>(),
        ZONES.len()
    );
    for i in 0..REPEAT {
        let state = fresh_zones(&fake, &ZONES, FILLER).await?;
        let what = format!("{ALL} (run {})", i + 1);
        let job = job(&state);
        first_start.get_or_insert_with(Instant::now);
        let run = run_once(&php, &mut fake, &state, &state.fillers, &recs, &job, &what).await?;
        expect = expectations(&state.fillers, &recs);
        print_run(i, &run, &budget);
        all_requests += run.requests();
        runs.push(run);
        last_state = Some(state);
    }
    measured.push(Measured {
        scenario: ALL,
        writes: true,
        runs,
        expect,
    });

    let state = last_state.ok_or("no run")?;
    let before: Vec<Record> = state.fillers.iter().chain(&recs).cloned().collect();
    let job_nothing = job(&state);
    let mut runs = Vec::new();
    println!("\n{NOTHING}");
    for i in 0..REPEAT {
        let what = format!("{NOTHING} (run {})", i + 1);
        let run = run_once(&php, &mut fake, &state, &before, &recs, &job_nothing, &what).await?;
        print_run(i, &run, &budget);
        all_requests += run.requests();
        runs.push(run);
    }
    let all_span = first_start.map_or(Duration::ZERO, |s| s.elapsed());
    measured.push(Measured {
        scenario: NOTHING,
        writes: false,
        runs,
        expect: expectations(&before, &recs),
    });

    let costs = costs(&fake, &state, &recs).await?;
    for zone in ZONES {
        println!(
            "  fake's own cost in {zone}: whole listing {:.1} ms with the fillers, {:.1} ms with the VMs' records; {}",
            ms(costs.list(true, zone)),
            ms(costs.list(false, zone)),
            costs.batches_note(zone)
        );
    }

    let context = Context {
        python: python_version(),
        empty,
        all_requests,
        all_span,
    };
    let table = table(&context.empty, &measured, &costs, &budget);
    let section = section(&php, &measured, &costs, &budget, &context, &started);
    report::publish_after(&table, HEADING, &section, Some(AFTER))
}
