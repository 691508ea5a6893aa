//! Benchmark: `DnsSync` end to end on Cloudflare zones (issue 4, "Speed").
//!
//! Not a test and not part of the test suite. It starts the fake Cloudflare
//! API (tests/fakes/cloudflare.py) on a free port of 127.0.0.1 with its
//! `latency_ms` fault at 50 (every API answer waits 50 ms, standing in for
//! the real API's round trip), and times the sync engine against a naive
//! client that POSTs one record at a time, one after the other, and against
//! a computed minimum. The table goes to stdout and to the "Cloudflare sync
//! (issue 4)" section of BENCHMARKS.md.
//!
//! ```sh
//! build/bench.sh cloudflare
//! # or, with the dependencies already installed:
//! cargo run --release -p puq_dns_core --example bench_cloudflare
//! ```
//!
//! Every byte goes to 127.0.0.1 and no host name is ever resolved. A run
//! whose records are not in the fake afterwards, whose requests are not
//! exactly what the engine must send, or that lists a zone without a name
//! filter, exits non-zero.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

#[path = "bench_common/mod.rs"]
mod common;
use common::{load_average, median, ms, reverse, small_vm, write_section, BenchVm, Res};
use puq_dns_core::sync::{run, Job, JobKind, SyncOptions, SyncReport};
use puq_dns_core::{Array, Value, Vm, ZoneSet};
use serde_json::{json, Value as Json};

/// The fake's `latency_ms`: added to every API answer.
const LATENCY: Duration = Duration::from_millis(50);
/// Filler records in each zone of A and B.
const FILLER: usize = 200;
/// Filler records in each zone of the second A run, to show that reads
/// are per name, whatever the zone holds.
const FILLER_MORE: usize = 250;
/// Runs of each engine call; the table shows the median.
const REPEAT: usize = 3;
/// The TTL the engine writes when the zone row sets none.
const TTL: u64 = 3600;
/// The TTL of the filler records (distinct from the engine's).
const FILLER_TTL: u64 = 300;
/// Cloudflare's limit per action list of one batch (Free plan).
const BATCH_LIMIT: usize = 200;
const TOKEN: &str = "bench-cf-token-1f9c";
const ACCOUNT: &str = "0123456789abcdef0123456789abcdef";
/// The real API's rate limit: requests per 5 minutes per user.
const RATE_LIMIT: u64 = 1200;
/// The engine's per-token request budget for the benchmark: far above the
/// ~5,000 requests it sends in a few minutes, so that no run waits for an
/// earlier one's requests to leave the 5-minute window (the default,
/// 1200, would hold B's later runs back by minutes).
const BUDGET: usize = 1_000_000;

const DOMAIN: &str = "bench.example";
/// 192.0.2.0/24 (TEST-NET-1).
const REV4_24: &str = "2.0.192.in-addr.arpa";
/// 198.18.0.0/16 (the benchmarking range of RFC 2544).
const REV4_16: &str = "18.198.in-addr.arpa";
/// 2001:db8::/32.
const REV6: &str = "8.b.d.0.1.0.0.2.ip6.arpa";

const LIST: &str = "GET /zones/{id}/dns_records";
const BATCH: &str = "POST /zones/{id}/dns_records/batch";
const POST: &str = "POST /zones/{id}/dns_records";

/// This benchmark's section of BENCHMARKS.md.
const HEADING: &str = "## Cloudflare sync (issue 4)";
const COMMAND: &str = "build/bench.sh cloudflare";
const COMMAND_LONG: &str = "cargo run --release -p puq_dns_core --example bench_cloudflare";

// ---------------------------------------------------------------------------
// The fake Cloudflare

/// tests/fakes/cloudflare.py as a subprocess, logging every request (with
/// its query string) to a file.
struct Fake {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    base: String,
    http: reqwest::Client,
    log: PathBuf,
    /// How much of the log earlier runs have read.
    log_read: usize,
}

/// What the fake counted since its stats were last reset.
struct Stats {
    by_route: BTreeMap<String, u64>,
    /// The body of every batch, oldest first.
    batches: Vec<Json>,
}

impl Fake {
    fn start() -> Res<Fake> {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fakes/cloudflare.py");
        let log = std::env::temp_dir().join(format!("puq-dns-bench-cf-{}.log", std::process::id()));
        let mut child = Command::new("python3")
            .arg(&script)
            .arg("--verbose")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log)?)
            .spawn()
            .map_err(|e| format!("cannot start python3 {}: {e}", script.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let port = line
            .trim()
            .strip_prefix("PORT=")
            .ok_or_else(|| format!("the fake printed {line:?}, not PORT=<n>"))?
            .parse::<u16>()?;
        Ok(Fake {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::builder().no_proxy().build()?,
            log,
            log_read: 0,
        })
    }

    fn api_url(&self) -> String {
        format!("{}/client/v4", self.base)
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Json) -> Res<Json> {
        let answer = self
            .http
            .request(method.clone(), format!("{}/__control{path}", self.base))
            .json(&body)
            .send()
            .await?;
        let status = answer.status();
        let text = answer.text().await?;
        if !status.is_success() {
            return Err(format!("control {method} {path}: HTTP {status}: {text}").into());
        }
        Ok(serde_json::from_str(&text)?)
    }

    async fn set_latency(&self, latency: Duration) -> Res<()> {
        let ms = u64::try_from(latency.as_millis())?;
        self.control(
            reqwest::Method::POST,
            "/faults",
            json!({ "latency_ms": ms }),
        )
        .await?;
        Ok(())
    }

    async fn create_zone(&self, name: &str) -> Res<String> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = format!(
            "{:016x}{:016x}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        self.control(
            reqwest::Method::POST,
            "/zones",
            json!({ "id": id, "name": name, "account_id": ACCOUNT }),
        )
        .await?;
        Ok(id)
    }

    async fn seed(&self, zone_id: &str, rec: &Rec) -> Res<()> {
        self.control(
            reqwest::Method::POST,
            &format!("/zones/{zone_id}/records"),
            json!({ "type": rec.rrtype, "name": rec.name, "content": rec.content, "ttl": rec.ttl }),
        )
        .await?;
        Ok(())
    }

    /// Every record of a zone as `name type content ttl proxied`, sorted.
    async fn records(&self, zone_id: &str) -> Res<Vec<String>> {
        let all = self
            .control(
                reqwest::Method::GET,
                &format!("/zones/{zone_id}/records"),
                Json::Null,
            )
            .await?;
        let mut out: Vec<String> = all
            .as_array()
            .ok_or("the records of a zone are not a list")?
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {} {}",
                    r["name"].as_str().unwrap_or("?"),
                    r["type"].as_str().unwrap_or("?"),
                    r["content"].as_str().unwrap_or("?"),
                    r["ttl"],
                    r["proxied"]
                )
            })
            .collect();
        out.sort();
        Ok(out)
    }

    async fn reset_stats(&self) -> Res<()> {
        self.control(reqwest::Method::POST, "/stats/reset", json!({}))
            .await?;
        Ok(())
    }

    async fn stats(&self) -> Res<Stats> {
        let stats = self
            .control(reqwest::Method::GET, "/stats", Json::Null)
            .await?;
        let by_route = stats["by_route"]
            .as_object()
            .ok_or("stats without by_route")?
            .iter()
            .map(|(route, n)| (route.clone(), n.as_u64().unwrap_or(0)))
            .collect();
        let batches = stats["batches"].as_array().cloned().unwrap_or_default();
        Ok(Stats { by_route, batches })
    }

    /// The API requests the fake logged since the last call, as request
    /// lines (`GET /client/v4/zones/…?name=… HTTP/1.1`). The fake writes a
    /// request's line before its answer, so a run's requests are all here
    /// once it has its answers.
    fn api_requests_since_last(&mut self) -> Res<Vec<String>> {
        let log = std::fs::read(&self.log)?;
        let new =
            String::from_utf8_lossy(log.get(self.log_read..).unwrap_or_default()).into_owned();
        self.log_read = log.len();
        Ok(new
            .lines()
            .filter_map(|l| l.split('"').nth(1))
            .filter(|r| r.contains(" /client/v4/"))
            .map(str::to_owned)
            .collect())
    }

    /// One API call, straight (for the server-cost probes).
    async fn api(&self, method: reqwest::Method, path: &str, body: Option<&Json>) -> Res<Json> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.api_url()))
            .bearer_auth(TOKEN);
        if let Some(body) = body {
            request = request.json(body);
        }
        let answer = request.send().await?;
        let status = answer.status();
        let text = answer.text().await?;
        if !status.is_success() {
            return Err(format!("{method} {path}: HTTP {status}: {text}").into());
        }
        Ok(serde_json::from_str(&text)?)
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        // Nothing to report on the way out: the process is ours and is
        // gone either way.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

// ---------------------------------------------------------------------------
// Records, zones and VMs

/// One record, in the form the fake stores it.
#[derive(Clone, Debug)]
struct Rec {
    zone: &'static str,
    name: String,
    rrtype: &'static str,
    content: String,
    ttl: u64,
}

impl Rec {
    /// As `Fake::records` shows it: the engine sends `proxied: false` for
    /// A and AAAA, and the fake stores false for PTR.
    fn line(&self) -> String {
        format!(
            "{} {} {} {} false",
            self.name, self.rrtype, self.content, self.ttl
        )
    }
}

/// `n` records in a zone before any VM, none at a VM's names.
fn fillers(zone: &'static str, n: usize) -> Vec<Rec> {
    let ptr = |ip: IpAddr, i: usize| Rec {
        zone,
        name: reverse(ip),
        rrtype: "PTR",
        content: format!("host-{i}.filler.example"),
        ttl: FILLER_TTL,
    };
    match zone {
        DOMAIN => (0..n)
            .map(|i| Rec {
                zone,
                name: format!("filler-{i}.{DOMAIN}"),
                rrtype: "A",
                content: format!("198.51.100.{}", i % 250 + 1),
                ttl: FILLER_TTL,
            })
            .collect(),
        // Every address of 192.0.2.0/24 but the VM's .10 and .11.
        REV4_24 => (0..=u8::MAX)
            .filter(|d| ![10, 11].contains(d))
            .take(n)
            .enumerate()
            .map(|(i, d)| ptr(Ipv4Addr::new(192, 0, 2, d).into(), i))
            .collect(),
        // 198.18.0.0 and on; the VMs of B are in 198.18.101.0/24.
        REV4_16 => (0..n)
            .map(|i| {
                let [c, d] = u16::try_from(i).unwrap_or(u16::MAX).to_be_bytes();
                ptr(Ipv4Addr::new(198, 18, c, d).into(), i)
            })
            .collect(),
        // 2001:db8:0:2::1 and on; the VM's addresses are in 2001:db8:0:1::/64.
        REV6 => (0..n)
            .map(|i| {
                let low = u16::try_from(i + 1).unwrap_or(u16::MAX);
                ptr(Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, low).into(), i)
            })
            .collect(),
        _ => Vec::new(),
    }
}

impl BenchVm {
    fn fqdn(&self) -> String {
        format!("{}.{DOMAIN}", self.name)
    }

    fn vm(&self) -> Res<Vm> {
        let ips = self
            .v4
            .iter()
            .map(|ip| ip.to_string())
            .chain(self.v6.iter().map(|ip| ip.to_string()));
        let row = Array::new()
            .with("id", self.id)
            .with("name", self.name.as_str())
            .with("domain", DOMAIN)
            .with("ips", Array::list(ips));
        Ok(Vm::from_value(&Value::Array(row)).map_err(|e| format!("VM {}: {e}", self.name))?)
    }

    /// In the order a per-record client writes them: A, AAAA, then PTRs.
    fn records(&self, rev4: &'static str) -> Vec<Rec> {
        let fqdn = self.fqdn();
        let rec = |zone, name: String, rrtype, content: String| Rec {
            zone,
            name,
            rrtype,
            content,
            ttl: TTL,
        };
        let mut recs: Vec<Rec> = self
            .v4
            .iter()
            .map(|ip| rec(DOMAIN, fqdn.clone(), "A", ip.to_string()))
            .chain(
                self.v6
                    .iter()
                    .map(|ip| rec(DOMAIN, fqdn.clone(), "AAAA", ip.to_string())),
            )
            .collect();
        recs.extend(
            self.v4
                .iter()
                .map(|ip| rec(rev4, reverse((*ip).into()), "PTR", fqdn.clone())),
        );
        recs.extend(
            self.v6
                .iter()
                .map(|ip| rec(REV6, reverse((*ip).into()), "PTR", fqdn.clone())),
        );
        recs
    }
}

/// The VM of A: 2 IPv4 and 32 IPv6.
fn big_vm() -> BenchVm {
    BenchVm {
        id: 1,
        name: "vm-big".to_owned(),
        v4: vec![Ipv4Addr::new(192, 0, 2, 10), Ipv4Addr::new(192, 0, 2, 11)],
        v6: (1..=32)
            .map(|i| Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, i))
            .collect(),
    }
}

/// The reads the engine makes: one filtered listing per distinct name
/// (a listing returns every type at the name), by zone.
fn reads_by_zone(recs: &[Rec]) -> BTreeMap<&'static str, usize> {
    let mut names: BTreeMap<&'static str, Vec<&str>> = BTreeMap::new();
    for rec in recs {
        let list = names.entry(rec.zone).or_default();
        if !list.contains(&rec.name.as_str()) {
            list.push(&rec.name);
        }
    }
    names.into_iter().map(|(z, n)| (z, n.len())).collect()
}

/// Records to post, by zone.
fn posts_by_zone(recs: &[Rec]) -> BTreeMap<&'static str, usize> {
    let mut posts = BTreeMap::new();
    for rec in recs {
        *posts.entry(rec.zone).or_default() += 1;
    }
    posts
}

/// Batches the engine needs for a zone's posts (none to delete here).
fn batches_for(posts: usize) -> usize {
    posts.div_ceil(BATCH_LIMIT)
}

/// Fresh zones on the fake, filled, with zone rows pointing at it.
struct ZoneState {
    ids: BTreeMap<&'static str, String>,
    fillers: Vec<Rec>,
    set: ZoneSet,
}

async fn fresh_zones(fake: &Fake, zones: &[&'static str], filler: usize) -> Res<ZoneState> {
    let mut ids = BTreeMap::new();
    let mut all = Vec::new();
    let mut rows = Vec::new();
    for (i, zone) in zones.iter().enumerate() {
        let id = fake.create_zone(zone).await?;
        let fill = fillers(zone, filler);
        for rec in &fill {
            fake.seed(&id, rec).await?;
        }
        all.extend(fill);
        rows.push(Value::Array(
            Array::new()
                .with("id", i64::try_from(i)? + 1)
                .with("zone", *zone)
                .with("type", "Cloudflare")
                .with("account_id", ACCOUNT)
                .with("zone_id", id.as_str())
                .with("api_token", TOKEN)
                .with("api_url", fake.api_url()),
        ));
        ids.insert(*zone, id);
    }
    let set = ZoneSet::from_rows(&Value::Array(Array::list(rows)))
        .map_err(|e| format!("zone rows: {e}"))?;
    Ok(ZoneState {
        ids,
        fillers: all,
        set,
    })
}

/// Reads every zone back from the fake: exactly its fillers and `recs`.
async fn verify(fake: &Fake, state: &ZoneState, recs: &[Rec], what: &str) -> Res<()> {
    for (zone, id) in &state.ids {
        let mut want: Vec<String> = state
            .fillers
            .iter()
            .chain(recs)
            .filter(|r| r.zone == *zone)
            .map(Rec::line)
            .collect();
        want.sort();
        let got = fake.records(id).await?;
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

// ---------------------------------------------------------------------------
// The runs

/// What one run sent, by route; exactly what it must send, or an error.
#[derive(Clone, Debug, Default)]
struct Traffic {
    lists: u64,
    batches: u64,
    posts: u64,
    /// Largest (deletes, posts) of one batch.
    largest: (usize, usize),
}

impl Traffic {
    fn total(&self) -> u64 {
        self.lists + self.batches + self.posts
    }

    fn requests(&self) -> String {
        if self.posts > 0 {
            format!(
                "{} ({} GET + {} single POST)",
                self.total(),
                self.lists,
                self.posts
            )
        } else {
            format!(
                "{} ({} GET + {} batch POST)",
                self.total(),
                self.lists,
                self.batches
            )
        }
    }

    async fn of(fake: &mut Fake, what: &str, expect: &BTreeMap<&str, u64>) -> Res<Traffic> {
        let stats = fake.stats().await?;
        let want: BTreeMap<String, u64> = expect
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(route, n)| ((*route).to_owned(), *n))
            .collect();
        if stats.by_route != want {
            return Err(format!(
                "{what}: expected requests {want:?}, the fake counted {:?}",
                stats.by_route
            )
            .into());
        }
        // Every listing names the one name it wants: no read lists a zone.
        let requests = fake.api_requests_since_last()?;
        let lists: Vec<&String> = requests
            .iter()
            .filter(|r| r.starts_with("GET ") && r.contains("/dns_records"))
            .collect();
        let unfiltered: Vec<&&String> = lists
            .iter()
            .filter(|r| !(r.contains("?name=") || r.contains("&name=")))
            .collect();
        if let Some(first) = unfiltered.first() {
            return Err(format!(
                "{what}: {} listings without a name filter, e.g. {first}",
                unfiltered.len()
            )
            .into());
        }
        let count = |route: &str| stats.by_route.get(route).copied().unwrap_or(0);
        if lists.len() as u64 != count(LIST) {
            return Err(format!(
                "{what}: the fake's log has {} listings, its stats {}",
                lists.len(),
                count(LIST)
            )
            .into());
        }
        let len = |b: &Json, key: &str| b[key].as_array().map_or(0, Vec::len);
        let largest = stats
            .batches
            .iter()
            .map(|b| (len(b, "deletes"), len(b, "posts")))
            .max_by_key(|(d, p)| d + p)
            .unwrap_or_default();
        Ok(Traffic {
            lists: count(LIST),
            batches: count(BATCH),
            posts: count(POST),
            largest,
        })
    }
}

#[derive(Default)]
struct Row {
    scenario: &'static str,
    method: String,
    wall: Duration,
    requests: String,
    note: String,
}

struct Measured {
    wall: Duration,
    traffic: Traffic,
}

/// One `run` of the engine with its reports checked.
async fn engine(
    fake: &mut Fake,
    zones: &ZoneSet,
    vms: &[Vm],
    kind: JobKind<'_>,
    concurrency: usize,
    expect: &BTreeMap<&str, u64>,
    writes: bool,
) -> Res<Measured> {
    let what = format!(
        "engine {kind:?} of {} VM(s), concurrency {concurrency}",
        vms.len()
    );
    let jobs: Vec<Job<'_>> = vms.iter().map(|vm| Job { vm, kind }).collect();
    let options = SyncOptions {
        concurrency,
        cloudflare_rate_limit: BUDGET,
        ..SyncOptions::default()
    };
    fake.reset_stats().await?;
    fake.api_requests_since_last()?;
    let started = Instant::now();
    let reports: Vec<SyncReport> = run(zones, &jobs, &options, &mut |_, _| {}).await;
    let wall = started.elapsed();

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
    let want = if writes { "create" } else { "keep" };
    if let Some(op) = reports
        .iter()
        .flat_map(|r| &r.operations)
        .find(|op| op.step.as_str() != want)
    {
        return Err(format!("{what}: expected only {want}, got {}", op.line()).into());
    }
    let traffic = Traffic::of(fake, &what, expect).await?;
    Ok(Measured { wall, traffic })
}

/// A per-record client: one POST per record, in order, each after the
/// previous answer, without reading first.
async fn naive(fake: &mut Fake, state: &ZoneState, recs: &[Rec]) -> Res<Measured> {
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
    let expect = BTreeMap::from([(POST, recs.len() as u64)]);
    let traffic = Traffic::of(fake, "naive run", &expect).await?;
    Ok(Measured { wall, traffic })
}

/// What the fake itself takes in a zone, measured with `latency_ms` at 0.
#[derive(Clone, Copy, Debug, Default)]
struct Cost {
    /// One filtered listing, median of 7.
    get: Duration,
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
    for _ in 0..7 {
        let started = Instant::now();
        let query = format!("{list}?name={}&per_page=100&page=1", probe.name);
        fake.api(reqwest::Method::GET, &query, None).await?;
        gets.push(started.elapsed());
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
        batch: median(batches),
        posts,
    })
}

/// One row for the runs of one engine call: the median run's time and
/// requests, and every run's time.
fn engine_row(scenario: &'static str, method: String, runs: &[Measured]) -> Row {
    let mut order: Vec<&Measured> = runs.iter().collect();
    order.sort_by_key(|m| m.wall);
    let Some(median) = order.get(order.len() / 2) else {
        return Row {
            scenario,
            method,
            note: "no runs".to_owned(),
            ..Row::default()
        };
    };
    let walls: Vec<String> = runs.iter().map(|m| format!("{:.0}", ms(m.wall))).collect();
    let mut note = format!("median of {}: {} ms", runs.len(), walls.join(", "));
    let (d, p) = median.traffic.largest;
    if median.traffic.batches > 0 {
        note.push_str(&format!("; largest batch {d} deletes + {p} posts"));
    }
    Row {
        scenario,
        method,
        wall: median.wall,
        requests: median.traffic.requests(),
        note,
    }
}

/// What one scenario syncs.
struct Workload {
    scenario: &'static str,
    zones: Vec<&'static str>,
    filler: usize,
    vms: Vec<Vm>,
    recs: Vec<Rec>,
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
    /// Listings the engine made, in all runs, each checked for `name=`.
    listings: u64,
    load: (String, String),
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
    let reads_by = reads_by_zone(&w.recs);
    let posts_by = posts_by_zone(&w.recs);
    let reads: usize = reads_by.values().sum();
    let batches: usize = posts_by.values().map(|p| batches_for(*p)).sum();
    println!(
        "\n{}: {} records at {reads} names in {} zones ({} fillers each)",
        w.scenario,
        w.recs.len(),
        w.zones.len(),
        w.filler
    );
    let write_expect = BTreeMap::from([(LIST, reads as u64), (BATCH, batches as u64)]);
    let again_expect = BTreeMap::from([(LIST, reads as u64)]);

    // What the fake itself takes, without the 50 ms.
    fake.set_latency(Duration::ZERO).await?;
    let probe = fresh_zones(fake, &w.zones, w.filler).await?;
    let mut costs = BTreeMap::new();
    for (zone, posts) in &posts_by {
        let cost = server_cost(fake, &probe, zone, *posts).await?;
        println!(
            "  fake's own cost in {zone}: filtered GET {:.1} ms, batch of {posts} posts {:.1} ms",
            ms(cost.get),
            ms(cost.batch)
        );
        context.costs.push((w.scenario, zone, w.filler, cost));
        costs.insert(*zone, cost);
    }
    fake.set_latency(LATENCY).await?;

    let (kind, label) = w.write;
    for concurrency in [8, 64] {
        let mut written = Vec::new();
        let mut state = None;
        for _ in 0..REPEAT {
            let fresh = fresh_zones(fake, &w.zones, w.filler).await?;
            let m = engine(
                fake,
                &fresh.set,
                &w.vms,
                kind,
                concurrency,
                &write_expect,
                true,
            )
            .await?;
            verify(fake, &fresh, &w.recs, label).await?;
            context.listings += m.traffic.lists;
            written.push(m);
            state = Some(fresh);
        }
        let state = state.ok_or("no run")?;
        let mut again = Vec::new();
        for _ in 0..REPEAT {
            let m = engine(
                fake,
                &state.set,
                &w.vms,
                JobKind::Resync,
                concurrency,
                &again_expect,
                false,
            )
            .await?;
            verify(fake, &state, &w.recs, w.again).await?;
            context.listings += m.traffic.lists;
            again.push(m);
        }
        for (what, runs) in [(label, written), (w.again, again)] {
            let row = engine_row(
                w.scenario,
                format!("engine {what}, concurrency {concurrency}"),
                &runs,
            );
            println!(
                "  {}: {:.0} ms, {}; {}",
                row.method,
                ms(row.wall),
                row.requests,
                row.note
            );
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
        note: "1 run".to_owned(),
    };
    println!("  {}: {:.0} ms, {}", row.method, ms(row.wall), row.requests);
    rows.push(row);

    push_computed(w.scenario, &reads_by, &posts_by, &costs, rows);
    Ok(())
}

fn requests(gets: usize, batches: usize) -> String {
    format!("{} ({gets} GET + {batches} batch POST)", gets + batches)
}

/// The computed minimum: every zone in parallel, its reads all at once in
/// one round trip (50 ms + one filtered GET), then its batches at once in
/// one more (50 ms + the batch); the slowest zone is the wall time. The
/// estimates allow `concurrency` requests in flight, as the engine does:
/// ceil(reads / N) read round trips, then the slowest zone's batch.
fn push_computed(
    scenario: &'static str,
    reads_by: &BTreeMap<&'static str, usize>,
    posts_by: &BTreeMap<&'static str, usize>,
    costs: &BTreeMap<&'static str, Cost>,
    rows: &mut Vec<Row>,
) {
    let cost = |zone: &str| costs.get(zone).copied().unwrap_or_default();
    let gets: usize = reads_by.values().sum();
    let batches: usize = posts_by.values().map(|p| batches_for(*p)).sum();
    let read_trip = |zone: &str| LATENCY + cost(zone).get;
    let write_trip = |zone: &str| LATENCY + cost(zone).batch;
    let slowest =
        |f: &dyn Fn(&str) -> Duration| reads_by.keys().map(|z| f(z)).max().unwrap_or_default();
    rows.push(Row {
        scenario,
        method: "theoretical minimum (computed)".to_owned(),
        wall: slowest(&|z| read_trip(z) + write_trip(z)),
        requests: requests(gets, batches),
        note: "1 read + 1 batch round trip, zones in parallel".to_owned(),
    });
    rows.push(Row {
        scenario,
        method: "theoretical minimum, nothing to change (computed)".to_owned(),
        wall: slowest(&read_trip),
        requests: requests(gets, 0),
        note: "1 read round trip, zones in parallel".to_owned(),
    });
    for concurrency in [8usize, 64] {
        let rounds = gets.div_ceil(concurrency);
        let wall =
            slowest(&read_trip) * u32::try_from(rounds).unwrap_or(u32::MAX) + slowest(&write_trip);
        rows.push(Row {
            scenario,
            method: format!("estimate at concurrency {concurrency} (computed)"),
            wall,
            requests: requests(gets, batches),
            note: match rounds {
                1 => "1 read round trip, then 1 batch".to_owned(),
                n => format!("{n} read round trips, then 1 batch"),
            },
        });
    }
}

fn python_version() -> String {
    Command::new("python3")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "python3".to_owned())
}

const SCENARIO_A: &str = "A: 1 VM, 200-record zones";
const SCENARIO_A250: &str = "A: 1 VM, 250-record zones";
const SCENARIO_B: &str = "B: resyncMany, 100 VMs";

#[tokio::main]
async fn main() -> Res<()> {
    let mut rows = Vec::new();
    let mut context = Context {
        load: (load_average(), String::new()),
        python: python_version(),
        ..Context::default()
    };
    let mut fake = Fake::start()?;
    fake.control(
        reqwest::Method::POST,
        "/tokens",
        json!({ "token": TOKEN, "zones": "*" }),
    )
    .await?;
    println!("fake Cloudflare at {}", fake.base);

    let big = big_vm();
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

    let small: Vec<BenchVm> = (1..=100).map(small_vm).collect();
    let work = Workload {
        scenario: SCENARIO_B,
        zones: vec![DOMAIN, REV4_16],
        filler: FILLER,
        vms: small.iter().map(BenchVm::vm).collect::<Res<Vec<Vm>>>()?,
        recs: small.iter().flat_map(|vm| vm.records(REV4_16)).collect(),
        write: (JobKind::Resync, "resyncMany, all to write"),
        again: "resyncMany, nothing to change",
    };
    measure(&mut fake, &work, &mut rows, &mut context).await?;
    context.load.1 = load_average();

    let table = table(&rows);
    println!("\n{table}");
    let section = section(&table, &rows, &context);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../BENCHMARKS.md");
    write_section(&path, HEADING, &section)?;
    println!("written to {}", path.display());
    Ok(())
}

// ---------------------------------------------------------------------------
// Report

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| Scenario | Method | Wall (ms) | Requests | Notes |\n|---|---|---:|---|---|\n",
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {:.0} | {} | {} |\n",
            r.scenario,
            r.method,
            ms(r.wall),
            r.requests,
            r.note
        ));
    }
    out
}

fn find_row<'a>(rows: &'a [Row], scenario: &str, method: &str) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.scenario == scenario && r.method.starts_with(method))
}

/// A few sentences computed from the figures, so that they stay true
/// when the benchmark is run again.
fn interpretation(rows: &[Row], context: &Context) -> Vec<String> {
    let row = |scenario: &str, method: &str| find_row(rows, scenario, method);
    let wall =
        |scenario: &str, method: &str| row(scenario, method).map_or(f64::NAN, |r| ms(r.wall));
    let requests = |scenario: &str, method: &str| {
        row(scenario, method)
            .map(|r| r.requests.split(' ').next().unwrap_or("").to_owned())
            .unwrap_or_default()
    };
    let create8 = "engine create, concurrency 8";
    let many8 = "engine resyncMany, all to write, concurrency 8";
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
    lines.push(format!(
        "Reads are one listing per name (`?name=`; the A and AAAA at the FQDN share one), so they do not grow with the zone: with 250 records in every zone A made the same {} requests as with 200, and each listing carried only the records at its name. Every one of the {} listings of the engine runs had a name filter (checked in the fake's request log). A whole-zone listing would grow with the zone (at 100 records a page, 2 pages at 200 records and 3 at 250) and carry every record.",
        requests(SCENARIO_A250, create8),
        context.listings,
    ));
    lines.push(format!(
        "Writes are one batch per zone: B's 100 VMs wrote 200 A and 200 PTR records in 2 batch POSTs of 200 posts each (Cloudflare's limit per list), where the naive client needed 400 POSTs. Most of the engine's time is reads at `concurrency` in flight: with nothing to change it took {:.0} ms for A's 35 names (5 round trips at concurrency 8) and {:.0} ms for B's 300 names (38 round trips); at concurrency 64, {:.0} ms and {:.0} ms.",
        wall(SCENARIO_A, "engine resync, nothing to change, concurrency 8"),
        wall(SCENARIO_B, "engine resyncMany, nothing to change, concurrency 8"),
        wall(SCENARIO_A, "engine resync, nothing to change, concurrency 64"),
        wall(SCENARIO_B, "engine resyncMany, nothing to change, concurrency 64"),
    ));
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
        "The fake itself answers a filtered GET in {:.1} to {:.1} ms and a batch of {} posts in {:.1} ms, so the times are round trips. The real API allows {RATE_LIMIT} requests per 5 minutes: B's {} requests take {:.0}% of that budget, the naive client's {} take {:.0}%.",
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

fn section(table: &str, rows: &[Row], context: &Context) -> String {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let mut s = String::new();
    s.push_str("## Cloudflare sync (issue 4)\n\n");
    s.push_str(&format!(
        "Command: `{COMMAND}` (runs `build/deps.sh`, then `{COMMAND_LONG}`).  \n"
    ));
    s.push_str(&format!(
        "Run: {}; {cpus} CPUs ({model}), load average {} at the start and {} at the end; \
the fake Cloudflare API `tests/fakes/cloudflare.py` ({}) on 127.0.0.1, one process for every scenario, \
which answers with Nagle's algorithm off (it sends an answer's head and body apart, and with Nagle on \
the body would wait about 40 ms for the client's delayed ACK).\n\n",
        httpdate::fmt_http_date(SystemTime::now()),
        context.load.0,
        context.load.1,
        context.python,
    ));
    s.push_str(&format!(
        "The fake's `latency_ms` fault is 50: it waits 50 ms before answering any API request, standing \
in for the real API's round trip (its handler threads wait in parallel). The request counts are the \
fake's own (`/__control/stats`, by route, reset before each run), and the benchmark fails unless they \
are exactly the listings and batches the engine has to make and nothing else (no single-record \
fallback, no retry); the fake's request log shows every listing's query, and one without `name=` fails \
it too. After every run each zone is read back whole through the control API and must hold exactly \
its fillers and the VMs' records (A/AAAA with `proxied: false`, TTL 3600); anything else fails the \
benchmark. Engine rows are the median of {REPEAT} runs (all listed in the notes), each with the default \
options but `concurrency` and `cloudflare_rate_limit` (the per-token request budget, default 1200 per 5 \
minutes, raised to {BUDGET} here: the benchmark sends thousands of requests with one token in a few \
minutes, and with the default budget later runs would wait for earlier runs' requests to leave the window); every \"create\" or \"all to write\" run gets fresh zones, and the \
\"nothing to change\" runs follow the last of them. The naive client runs once.\n\n"
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
        "| Scenario | Zone | Fillers | Filtered GET (ms) | Batch | Batch (ms) |\n|---|---|---:|---:|---:|---:|\n",
    );
    for (scenario, zone, fillers, cost) in &context.costs {
        s.push_str(&format!(
            "| {} | `{zone}` | {fillers} | {:.1} | {} posts | {:.1} |\n",
            scenario.split(',').next().unwrap_or(scenario),
            ms(cost.get),
            cost.posts,
            ms(cost.batch)
        ));
    }
    s.push_str(
        "\nHow the computed rows are computed: the theoretical minimum runs every zone in parallel, \
each with all its reads in one round trip (50 ms + the fake's filtered GET above) and then one batch \
(50 ms + the fake's batch above); the slowest zone is the wall time. Its request count is one \
filtered listing per distinct name (a listing returns every type at a name, so the A and AAAA at the \
FQDN share one) plus one batch per zone that has at most 200 deletes and 200 posts. The \"estimate \
at concurrency N\" rows allow N requests in flight, as the engine does: ceil(reads / N) read round \
trips, then the slowest zone's batch. The naive client sends one POST per record, each after the \
previous answer, without reading first (so it cannot replace or remove anything, and a second run \
would add duplicates).\n",
    );
    s.push_str("\nInterpretation:\n\n");
    for line in interpretation(rows, context) {
        s.push_str(&format!("- {line}\n"));
    }
    s
}
