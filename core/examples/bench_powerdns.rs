//! Benchmark: `DnsSync` end to end on a real PowerDNS (issue 3, "Speed").
//!
//! Not a test and not part of the test suite. It starts a private PowerDNS
//! (tests/pdns/server.sh), puts a TCP proxy in front of its API that adds
//! 50 ms to every request (a WAN round trip), and times the sync engine
//! against a naive client that sends one request per record, one after the
//! other, and against a computed minimum. The table goes to stdout and to
//! the "PowerDNS sync (issue 3)" section of BENCHMARKS.md.
//!
//! ```sh
//! build/bench.sh powerdns
//! # or, with the dependencies already installed:
//! cargo run --release -p puq_dns_core --example bench_powerdns
//! ```
//!
//! Every byte goes to 127.0.0.1 and no host name is ever resolved. A run
//! whose records are not on the server afterwards, or whose request count
//! is not what the engine must send, exits non-zero.

use std::collections::{BTreeMap, HashMap};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

#[path = "bench_common/mod.rs"]
mod common;
use common::{load_average, median, ms, reverse, small_vm, write_section, BenchVm, Res};
use puq_dns_core::sync::{run, Job, JobKind, SyncOptions, SyncReport};
use puq_dns_core::{Array, Value, Vm, ZoneSet};
use serde_json::{json, Value as Json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// The test fixture: starts and stops a private PowerDNS, creates zones and
// builds zone rows. It panics on a broken setup, as a test should; a
// benchmark that cannot start its server has nothing to measure either.
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#[path = "../tests/support/mod.rs"]
mod support;

use support::PowerDns;

/// Added by the proxy to every request, before it reaches PowerDNS.
const DELAY: Duration = Duration::from_millis(50);
/// Filler records in each "200-record" zone.
const FILLER: usize = 200;
/// Rrsets per PATCH when filling zones.
const FILL_CHUNK: usize = 4096;
/// A naive run projected to take longer than this is cut short after
/// `NAIVE_SAMPLE` requests and extrapolated.
const NAIVE_BUDGET: Duration = Duration::from_secs(180);
const NAIVE_SAMPLE: usize = 40;
/// Runs of each engine call; the table shows the median.
const REPEAT: usize = 3;
/// The TTL the engine writes when the zone row sets none.
const TTL: u32 = 3600;

const DOMAIN: &str = "bench.example";
/// 192.0.2.0/24 (TEST-NET-1).
const REV4_24: &str = "2.0.192.in-addr.arpa";
/// 198.18.0.0/16 (the benchmarking range of RFC 2544), filled completely.
const REV4_16: &str = "18.198.in-addr.arpa";
/// 2001:db8::/32.
const REV6: &str = "8.b.d.0.1.0.0.2.ip6.arpa";

/// This benchmark's section of BENCHMARKS.md.
const HEADING: &str = "## PowerDNS sync (issue 3)";
const COMMAND: &str = "build/bench.sh powerdns";
const COMMAND_LONG: &str = "cargo run --release -p puq_dns_core --example bench_powerdns";

// ---------------------------------------------------------------------------
// The delaying proxy

/// What the proxy saw on one connection.
#[derive(Clone, Debug)]
struct Exchange {
    method: String,
    status: Option<u16>,
    /// The response said `Connection: close`: the client cannot have sent
    /// a second request on this connection, so connections count requests.
    close: bool,
    /// The start of the body of a 5xx answer.
    error: Option<String>,
}

/// A TCP proxy on 127.0.0.1: accepts, waits `DELAY`, connects to PowerDNS
/// and pipes both ways, noting each request's method and response status.
struct Proxy {
    url: String,
    accepted: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<Exchange>>>,
}

/// A point in the proxy's history, to count what one run sent.
#[derive(Clone, Copy)]
struct Mark {
    accepted: usize,
    logged: usize,
}

/// What one run sent through the proxy.
#[derive(Debug, Default)]
struct Traffic {
    connections: usize,
    gets: usize,
    patches: usize,
    other: usize,
    /// 5xx answers: the engine's HTTP layer tries those again.
    get_5xx: usize,
    patch_5xx: usize,
    without_response: usize,
    without_close: usize,
    /// `PATCH 500: {"error": …}` per 5xx answer.
    errors: Vec<String>,
}

impl Traffic {
    fn requests(&self) -> String {
        format!(
            "{} ({} GET + {} PATCH)",
            self.connections, self.gets, self.patches
        )
    }

    /// One connection is one request, and the engine sent exactly the
    /// reads and writes it has to (plus one try more per 5xx answer).
    fn check(&self, what: &str, reads: usize, writes: usize) -> Res<()> {
        let mut problems = Vec::new();
        if self.without_close > 0 {
            problems.push(format!(
                "{} responses without `Connection: close`: a connection may have carried several requests",
                self.without_close
            ));
        }
        if self.without_response > 0 || self.other > 0 {
            problems.push(format!(
                "{} connections without a response, {} requests neither GET nor PATCH",
                self.without_response, self.other
            ));
        }
        if self.gets != reads + self.get_5xx || self.patches != writes + self.patch_5xx {
            problems.push(format!(
                "expected {reads} GET + {writes} PATCH (+ retries of {} + {} HTTP 5xx), saw {}",
                self.get_5xx,
                self.patch_5xx,
                self.requests()
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{what}: {}", problems.join("; ")).into())
        }
    }
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Res<Proxy> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let accepted = Arc::new(AtomicUsize::new(0));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (count, shared) = (Arc::clone(&accepted), Arc::clone(&log));
        tokio::spawn(async move {
            loop {
                let client = match listener.accept().await {
                    Ok((client, _)) => client,
                    Err(e) => {
                        eprintln!("proxy: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                count.fetch_add(1, Ordering::SeqCst);
                let log = Arc::clone(&shared);
                tokio::spawn(async move {
                    // A broken relay shows up as a failed request (and a
                    // connection without a response) in the run that sent it.
                    if let Err(e) = relay(client, upstream, log).await {
                        eprintln!("proxy: relay failed: {e}");
                    }
                });
            }
        });
        Ok(Proxy { url, accepted, log })
    }

    fn mark(&self) -> Mark {
        Mark {
            accepted: self.accepted.load(Ordering::SeqCst),
            logged: self
                .log
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .len(),
        }
    }

    /// What went through since `mark`. Called once the run has its answers:
    /// the relay logs a response before passing it on, so it is all here.
    fn since(&self, mark: Mark) -> Traffic {
        let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        let seen = &log[mark.logged..];
        let connections = self.accepted.load(Ordering::SeqCst) - mark.accepted;
        let mut t = Traffic {
            connections,
            without_response: connections.saturating_sub(seen.len()),
            ..Traffic::default()
        };
        for x in seen {
            let failed = x.status.is_some_and(|s| s >= 500);
            match x.method.as_str() {
                "GET" => {
                    t.gets += 1;
                    t.get_5xx += usize::from(failed);
                }
                "PATCH" => {
                    t.patches += 1;
                    t.patch_5xx += usize::from(failed);
                }
                _ => t.other += 1,
            }
            t.without_close += usize::from(!x.close);
            t.without_response += usize::from(x.status.is_none());
            if failed {
                t.errors.push(format!(
                    "{} {}: {}",
                    x.method,
                    x.status.unwrap_or_default(),
                    x.error.as_deref().unwrap_or("")
                ));
            }
        }
        t
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn relay(
    client: TcpStream,
    upstream: SocketAddr,
    log: Arc<Mutex<Vec<Exchange>>>,
) -> std::io::Result<()> {
    tokio::time::sleep(DELAY).await;
    let server = TcpStream::connect(upstream).await?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = server.into_split();
    let mut buf = vec![0u8; 64 * 1024];

    // The request line names the method.
    let mut head = Vec::new();
    while find(&head, b"\r\n").is_none() {
        let n = from_client.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let method = head
        .split(|b| *b == b' ')
        .next()
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .unwrap_or_default();
    to_server.write_all(&head).await?;

    let requests = async move {
        // Errors end the pipe; the response side reports what matters.
        let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
        let _ = to_server.shutdown().await;
    };
    let responses = async move {
        let mut head = Vec::new();
        while find(&head, b"\r\n\r\n").is_none() {
            let n = from_server.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        let end = find(&head, b"\r\n\r\n").unwrap_or(head.len());
        let text = String::from_utf8_lossy(&head[..end]);
        let status = text
            .lines()
            .next()
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|code| code.parse().ok());
        let close = text.lines().skip(1).any(|line| {
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            name.trim().eq_ignore_ascii_case("connection")
                && value.trim().eq_ignore_ascii_case("close")
        });
        // A 5xx answer is read to its end (PowerDNS closes the connection
        // after it) to keep the server's words.
        let mut error = None;
        if status.is_some_and(|s: u16| s >= 500) {
            from_server.read_to_end(&mut head).await?;
            let body = String::from_utf8_lossy(head.get(end + 4..).unwrap_or_default());
            error = Some(body.trim().chars().take(200).collect());
        }
        // Logged before the client can see the answer: once a run has its
        // answers, its traffic is in the log.
        log.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Exchange {
                method,
                status,
                close,
                error,
            });
        to_client.write_all(&head).await?;
        tokio::io::copy(&mut from_server, &mut to_client).await?;
        to_client.shutdown().await
    };
    let ((), answered) = tokio::join!(requests, responses);
    answered
}

// ---------------------------------------------------------------------------
// The PowerDNS API, directly (not through the proxy): setup and checks

fn zone_url(base: &str, zone: &str) -> String {
    // The benchmark's zone names need none of PowerDNS's `=XX` escapes.
    format!("{base}/api/v1/servers/localhost/zones/{zone}.")
}

fn replace(name: &str, rrtype: &str, contents: &[String]) -> Json {
    let records: Vec<Json> = contents
        .iter()
        .map(|c| json!({ "content": c, "disabled": false }))
        .collect();
    json!({ "name": format!("{name}."), "type": rrtype, "ttl": TTL, "changetype": "REPLACE", "records": records })
}

fn delete(name: &str, rrtype: &str) -> Json {
    json!({ "name": format!("{name}."), "type": rrtype, "changetype": "DELETE" })
}

struct Api {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Api {
    fn new(pdns: &PowerDns) -> Res<Api> {
        Ok(Api {
            http: reqwest::Client::builder().no_proxy().build()?,
            base: pdns.url.clone(),
            key: pdns.key.clone(),
        })
    }

    async fn patch(&self, zone: &str, rrsets: Vec<Json>) -> Res<Duration> {
        let started = Instant::now();
        let answer = self
            .http
            .patch(zone_url(&self.base, zone))
            .header("X-API-Key", &self.key)
            .json(&json!({ "rrsets": rrsets }))
            .send()
            .await?;
        let status = answer.status();
        let body = answer.text().await?;
        if status.as_u16() != 204 {
            return Err(format!("PATCH {zone}: HTTP {status}: {body}").into());
        }
        Ok(started.elapsed())
    }

    /// The zone document with only the rrsets at `name`: the filtered GET
    /// the engine makes.
    async fn at(&self, zone: &str, name: &str) -> Res<Json> {
        let answer = self
            .http
            .get(zone_url(&self.base, zone))
            .query(&[("rrset_name", format!("{name}."))])
            .header("X-API-Key", &self.key)
            .send()
            .await?;
        let status = answer.status();
        let body = answer.text().await?;
        if !status.is_success() {
            return Err(format!("GET {zone} at {name}: HTTP {status}: {body}").into());
        }
        Ok(serde_json::from_str(&body)?)
    }

    /// The contents at a name and type, sorted.
    async fn contents(&self, zone: &str, name: &str, rrtype: &str) -> Res<Vec<String>> {
        let doc = self.at(zone, name).await?;
        let mut contents: Vec<String> = doc["rrsets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["name"] == format!("{name}.") && r["type"] == rrtype)
            .flat_map(|r| r["records"].as_array().cloned().unwrap_or_default())
            .filter_map(|r| r["content"].as_str().map(str::to_owned))
            .collect();
        contents.sort();
        Ok(contents)
    }

    /// The whole zone, unfiltered: its time and size.
    async fn full_get(&self, zone: &str) -> Res<(Duration, usize)> {
        let started = Instant::now();
        let answer = self
            .http
            .get(zone_url(&self.base, zone))
            .header("X-API-Key", &self.key)
            .send()
            .await?;
        let status = answer.status();
        let body = answer.bytes().await?;
        if !status.is_success() {
            return Err(format!("GET {zone}: HTTP {status}").into());
        }
        Ok((started.elapsed(), body.len()))
    }

    async fn version(&self) -> Res<String> {
        let doc: Json = self
            .http
            .get(format!("{}/api/v1/servers/localhost", self.base))
            .header("X-API-Key", &self.key)
            .send()
            .await?
            .json()
            .await?;
        Ok(doc["version"].as_str().unwrap_or("unknown").to_owned())
    }
}

// ---------------------------------------------------------------------------
// Zones and their filler records

/// The filler PTR of an address in the full /16.
fn filler_ptr_v4(ip: Ipv4Addr) -> String {
    let o = ip.octets();
    format!("host-{}-{}.filler.example.", o[2], o[3])
}

/// The records put in a zone before the VMs: (name, type, content).
fn fillers(zone: &str) -> Vec<(String, &'static str, String)> {
    let ptr4 = |ip: Ipv4Addr| (reverse(ip.into()), "PTR", filler_ptr_v4(ip));
    match zone {
        DOMAIN => (0..FILLER)
            .map(|i| {
                (
                    format!("filler-{i}.{DOMAIN}"),
                    "A",
                    format!("198.51.100.{}", i % 250 + 1),
                )
            })
            .collect(),
        // 192.0.2.20 to .219; the VM has .10 and .11.
        REV4_24 => (0..FILLER as u8)
            .map(|i| ptr4(Ipv4Addr::new(192, 0, 2, 20 + i)))
            .collect(),
        // Every address of 198.18.0.0/16.
        REV4_16 => (0..=u16::MAX)
            .map(|i| {
                let [c, d] = i.to_be_bytes();
                ptr4(Ipv4Addr::new(198, 18, c, d))
            })
            .collect(),
        // 2001:db8:0:2::1 and on; the VM's addresses are in 2001:db8:0:1::/64.
        REV6 => (0..FILLER as u16)
            .map(|i| {
                let ip = Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, i + 1);
                (
                    reverse(ip.into()),
                    "PTR",
                    format!("host6-{i}.filler.example."),
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Creates the zones and fills them, directly (not through the proxy).
async fn create_zones(pdns: &PowerDns, api: &Api, zones: &[&str]) -> Res<()> {
    for zone in zones {
        pdns.create_zone(zone).await;
        let fill = fillers(zone);
        let started = Instant::now();
        for chunk in fill.chunks(FILL_CHUNK) {
            let rrsets = chunk
                .iter()
                .map(|(name, rrtype, content)| replace(name, rrtype, std::slice::from_ref(content)))
                .collect();
            api.patch(zone, rrsets).await?;
        }
        println!(
            "  zone {zone}: {} filler records in {} ms",
            fill.len(),
            started.elapsed().as_millis()
        );
    }
    Ok(())
}

/// What PowerDNS itself takes in a zone, measured without the proxy.
#[derive(Clone, Copy, Debug)]
struct Cost {
    /// One filtered GET (one name), median of 7.
    get: Duration,
    /// One PATCH replacing one rrset, median of 6.
    patch: Duration,
}

async fn server_cost(api: &Api, zone: &str) -> Res<Cost> {
    let (name, rrtype, original) = fillers(zone)
        .into_iter()
        .next()
        .ok_or_else(|| format!("no filler in {zone}"))?;
    let other = if rrtype == "A" {
        "198.51.100.254".to_owned()
    } else {
        "probe.filler.example.".to_owned()
    };
    let mut gets = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        api.at(zone, &name).await?;
        gets.push(started.elapsed());
    }
    // Alternate between two contents so that each PATCH changes something,
    // and end with the original.
    let mut patches = Vec::new();
    for i in 0..6 {
        let content = if i % 2 == 0 { &other } else { &original };
        patches.push(
            api.patch(
                zone,
                vec![replace(&name, rrtype, std::slice::from_ref(content))],
            )
            .await?,
        );
    }
    Ok(Cost {
        get: median(gets),
        patch: median(patches),
    })
}

// ---------------------------------------------------------------------------
// VMs and the records they should have

/// One record a VM should have, in the form PowerDNS returns it.
#[derive(Clone, Debug)]
struct Rec {
    zone: &'static str,
    name: String,
    rrtype: &'static str,
    content: String,
    /// What the name held before the VM (the /16 is full of fillers);
    /// `None`: nothing.
    before: Option<String>,
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
        let forward = |rrtype, content: String| Rec {
            zone: DOMAIN,
            name: fqdn.clone(),
            rrtype,
            content,
            before: None,
        };
        let mut recs: Vec<Rec> = self
            .v4
            .iter()
            .map(|ip| forward("A", ip.to_string()))
            .chain(self.v6.iter().map(|ip| forward("AAAA", ip.to_string())))
            .collect();
        recs.extend(self.v4.iter().map(|ip| Rec {
            zone: rev4,
            name: reverse((*ip).into()),
            rrtype: "PTR",
            content: format!("{fqdn}."),
            before: (rev4 == REV4_16).then(|| filler_ptr_v4(*ip)),
        }));
        recs.extend(self.v6.iter().map(|ip| Rec {
            zone: REV6,
            name: reverse((*ip).into()),
            rrtype: "PTR",
            content: format!("{fqdn}."),
            before: None,
        }));
        recs
    }
}

/// The VM of scenarios A and B: 2 IPv4 and 32 IPv6.
fn big_vm(v4: [Ipv4Addr; 2]) -> BenchVm {
    BenchVm {
        id: 1,
        name: "vm-big".to_owned(),
        v4: v4.to_vec(),
        v6: (1..=32)
            .map(|i| Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, i))
            .collect(),
    }
}

/// Each (zone, name, type) with its contents, in first-seen order.
fn sets(recs: &[Rec]) -> Vec<(&Rec, Vec<String>)> {
    let mut out: Vec<(&Rec, Vec<String>)> = Vec::new();
    for rec in recs {
        match out
            .iter_mut()
            .find(|(r, _)| r.zone == rec.zone && r.name == rec.name && r.rrtype == rec.rrtype)
        {
            Some((_, contents)) => contents.push(rec.content.clone()),
            None => out.push((rec, vec![rec.content.clone()])),
        }
    }
    out
}

/// The reads the engine makes: one filtered GET per distinct name, by zone.
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

/// Puts the VMs' names back as they were before any VM: one PATCH per
/// zone, directly.
async fn reset(api: &Api, recs: &[Rec]) -> Res<()> {
    let mut by_zone: BTreeMap<&str, Vec<Json>> = BTreeMap::new();
    for (rec, _) in sets(recs) {
        let rrset = match &rec.before {
            Some(before) => replace(&rec.name, rec.rrtype, std::slice::from_ref(before)),
            None => delete(&rec.name, rec.rrtype),
        };
        by_zone.entry(rec.zone).or_default().push(rrset);
    }
    for (zone, rrsets) in by_zone {
        api.patch(zone, rrsets).await?;
    }
    Ok(())
}

/// Reads every set back from PowerDNS (not through the proxy).
async fn verify(api: &Api, recs: &[Rec], what: &str) -> Res<()> {
    for (rec, mut want) in sets(recs) {
        want.sort();
        let got = api.contents(rec.zone, &rec.name, rec.rrtype).await?;
        if got != want {
            return Err(format!(
                "{what}: {} {} in {} is {got:?}, expected {want:?}",
                rec.name, rec.rrtype, rec.zone
            )
            .into());
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The runs

#[derive(Default)]
struct Row {
    scenario: &'static str,
    method: String,
    wall: Duration,
    requests: String,
    note: String,
    /// Engine rows: how many runs, how many of them got an HTTP 5xx, and
    /// the connection attempts dropped by full listen queues in all of them.
    runs: usize,
    runs_5xx: usize,
    dropped: u64,
}

struct Measured {
    wall: Duration,
    traffic: Traffic,
    /// Connections the kernel dropped because a listen queue was full
    /// (`ListenOverflows`, counted for the whole machine, so another
    /// program's could be in it; there is none on a quiet machine).
    dropped: Option<u64>,
}

/// `TcpExt: ListenOverflows` from /proc/net/netstat.
fn listen_overflows() -> Option<u64> {
    let netstat = std::fs::read_to_string("/proc/net/netstat").ok()?;
    let mut lines = netstat.lines().filter(|l| l.starts_with("TcpExt:"));
    let (names, values) = (lines.next()?, lines.next()?);
    let index = names
        .split_whitespace()
        .position(|n| n == "ListenOverflows")?;
    values.split_whitespace().nth(index)?.parse().ok()
}

/// One `run` of the engine through the proxy, with its reports checked.
async fn engine(
    proxy: &Proxy,
    zones: &ZoneSet,
    vms: &[Vm],
    kind: JobKind<'_>,
    concurrency: usize,
    (reads, writes): (usize, usize),
) -> Res<Measured> {
    let what = format!(
        "engine {kind:?} of {} VM(s), concurrency {concurrency}",
        vms.len()
    );
    let jobs: Vec<Job<'_>> = vms.iter().map(|vm| Job { vm, kind }).collect();
    let options = SyncOptions {
        concurrency,
        ..SyncOptions::default()
    };
    let overflows = listen_overflows();
    let mark = proxy.mark();
    let started = Instant::now();
    let reports: Vec<SyncReport> = run(zones, &jobs, &options, &mut |_, _| {}).await;
    let wall = started.elapsed();
    let traffic = proxy.since(mark);
    let dropped = overflows
        .zip(listen_overflows())
        .map(|(before, after)| after.saturating_sub(before));

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
    if writes == 0 {
        if let Some(op) = reports
            .iter()
            .flat_map(|r| &r.operations)
            .find(|op| op.step.as_str() != "keep")
        {
            return Err(format!("{what}: expected nothing to change, got {}", op.line()).into());
        }
    }
    traffic.check(&what, reads, writes)?;
    Ok(Measured {
        wall,
        traffic,
        dropped,
    })
}

struct Naive {
    wall: Duration,
    sent: usize,
    total: usize,
    traffic: Traffic,
}

impl Naive {
    /// The whole run's time: measured, or scaled from the measured part.
    fn wall(&self) -> Duration {
        if self.sent == self.total {
            self.wall
        } else {
            self.wall.mul_f64(self.total as f64 / self.sent as f64)
        }
    }
}

/// A per-record client: one PATCH REPLACE per record, in order, each
/// waiting for the previous one. The k-th record of a set replaces the set
/// with its first k records, so the last request leaves the whole set.
async fn naive(proxy: &Proxy, key: &str, recs: &[Rec]) -> Res<Naive> {
    let http = reqwest::Client::builder().no_proxy().build()?;
    let mark = proxy.mark();
    let started = Instant::now();
    let mut sent = 0;
    for (i, rec) in recs.iter().enumerate() {
        let so_far: Vec<String> = recs[..=i]
            .iter()
            .filter(|r| r.zone == rec.zone && r.name == rec.name && r.rrtype == rec.rrtype)
            .map(|r| r.content.clone())
            .collect();
        let answer = http
            .patch(zone_url(&proxy.url, rec.zone))
            .header("X-API-Key", key)
            .json(&json!({ "rrsets": [replace(&rec.name, rec.rrtype, &so_far)] }))
            .send()
            .await?;
        let status = answer.status();
        let body = answer.text().await?;
        if status.as_u16() != 204 {
            return Err(format!(
                "naive PATCH {} {}: HTTP {status}: {body}",
                rec.name, rec.rrtype
            )
            .into());
        }
        sent += 1;
        if sent == NAIVE_SAMPLE
            && started.elapsed().mul_f64(recs.len() as f64 / sent as f64) > NAIVE_BUDGET
        {
            break;
        }
    }
    let wall = started.elapsed();
    let traffic = proxy.since(mark);
    traffic.check("naive run", 0, sent)?;
    Ok(Naive {
        wall,
        sent,
        total: recs.len(),
        traffic,
    })
}

/// The computed minimum: every zone in parallel, its reads all at once in
/// one round trip (50 ms + one filtered GET), then one PATCH (50 ms + one
/// PATCH); the slowest zone is the wall time. With `writes` false, reads
/// only.
fn minimum(
    reads: &BTreeMap<&'static str, usize>,
    costs: &HashMap<&'static str, Cost>,
    writes: bool,
) -> (Duration, usize, usize) {
    let wall = reads
        .keys()
        .map(|zone| {
            let cost = costs.get(zone).copied().unwrap_or(Cost {
                get: Duration::ZERO,
                patch: Duration::ZERO,
            });
            DELAY
                + cost.get
                + if writes {
                    DELAY + cost.patch
                } else {
                    Duration::ZERO
                }
        })
        .max()
        .unwrap_or_default();
    let gets = reads.values().sum();
    let patches = if writes { reads.len() } else { 0 };
    (wall, gets, patches)
}

/// What the engine's bound on requests in flight allows: the reads of all
/// zones in ceil(reads / concurrency) rounds, then the slowest zone's PATCH.
/// An estimate, not a bound: it ignores that zones PATCH as soon as their
/// own reads are done.
fn at_concurrency(
    concurrency: usize,
    reads: &BTreeMap<&'static str, usize>,
    costs: &HashMap<&'static str, Cost>,
    writes: bool,
) -> Duration {
    let total: usize = reads.values().sum();
    let rounds = total.div_ceil(concurrency.max(1));
    let zone_costs = reads.keys().filter_map(|z| costs.get(z));
    let get = zone_costs.clone().map(|c| c.get).max().unwrap_or_default();
    let patch = zone_costs.map(|c| c.patch).max().unwrap_or_default();
    let read_time = (DELAY + get) * u32::try_from(rounds).unwrap_or(u32::MAX);
    read_time
        + if writes {
            DELAY + patch
        } else {
            Duration::ZERO
        }
}

fn requests(gets: usize, patches: usize) -> String {
    format!("{} ({gets} GET + {patches} PATCH)", gets + patches)
}

fn upstream_of(pdns: &PowerDns) -> Res<SocketAddr> {
    let addr = pdns
        .url
        .strip_prefix("http://")
        .ok_or_else(|| format!("unexpected PowerDNS URL {}", pdns.url))?;
    Ok(addr.parse()?)
}

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
    /// /proc/loadavg at the start and the end: others' work on the
    /// machine shows in the figures.
    load: (String, String),
}

/// The listen backlog of the socket on 127.0.0.1:`port` (the Send-Q that
/// `ss -ltn` shows for a listening socket).
fn listen_backlog(port: u16) -> Option<u32> {
    let out = std::process::Command::new("ss")
        .args(["-ltnH", &format!("sport = :{port}")])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines().next()?.split_whitespace().nth(2)?.parse().ok()
}

/// A private PowerDNS with its zones filled, the proxy in front of it, and
/// what its zones cost the server.
struct Server {
    pdns: PowerDns,
    api: Api,
    proxy: Proxy,
    costs: HashMap<&'static str, Cost>,
}

impl Server {
    /// Starts PowerDNS and the proxy, creates and fills the zones, and
    /// measures them.
    async fn start(
        scenario: &'static str,
        zones: &[&'static str],
        context: &mut Context,
    ) -> Res<Server> {
        println!("{scenario}: starting PowerDNS");
        let pdns = PowerDns::start();
        let api = Api::new(&pdns)?;
        let upstream = upstream_of(&pdns)?;
        let proxy = Proxy::start(upstream).await?;
        context.version = api.version().await?;
        context.backlog = listen_backlog(upstream.port());
        for zone in zones {
            let started = Instant::now();
            create_zones(&pdns, &api, &[zone]).await?;
            if *zone == REV4_16 {
                context.fill_16 = Some(started.elapsed());
                let (full, bytes) = api.full_get(REV4_16).await?;
                println!(
                    "  full GET of {REV4_16} (direct): {} ms, {:.1} MB",
                    full.as_millis(),
                    bytes as f64 / 1e6
                );
                context.full_get_16 = Some((full, bytes));
            }
        }
        let mut costs = HashMap::new();
        for zone in zones {
            let cost = server_cost(&api, zone).await?;
            println!(
                "  server cost in {zone}: filtered GET {:.1} ms, PATCH {:.1} ms",
                ms(cost.get),
                ms(cost.patch)
            );
            context
                .costs
                .push((scenario, zone, fillers(zone).len(), cost));
            costs.insert(*zone, cost);
        }
        Ok(Server {
            pdns,
            api,
            proxy,
            costs,
        })
    }

    /// Lines of PowerDNS's log that contain `text`. The fixture keeps the
    /// log in its directory, `puq-dns-test-{our pid}-{n}` under the temp
    /// directory, removed when the server stops.
    fn log_lines(&self, text: &str) -> usize {
        let prefix = format!("puq-dns-test-{}-", std::process::id());
        let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
            return 0;
        };
        entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
            .filter_map(|e| std::fs::read_to_string(e.path().join("pdns.log")).ok())
            .map(|log| log.lines().filter(|l| l.contains(text)).count())
            .sum()
    }

    /// Zone rows for the zones, pointing at the proxy.
    fn zone_set(&self, zones: &[&str]) -> ZoneSet {
        let rows = zones
            .iter()
            .enumerate()
            .map(|(i, zone)| {
                let mut row = self.pdns.row(i as i64 + 1, zone);
                if let Value::Array(r) = &mut row {
                    r.insert("server_url", self.proxy.url.as_str());
                }
                row
            })
            .collect();
        support::zones(rows)
    }
}

/// What one scenario syncs, and how its rows are named.
struct Workload {
    scenario: &'static str,
    zones: ZoneSet,
    vms: Vec<Vm>,
    recs: Vec<Rec>,
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
        Ok(Workload {
            scenario,
            zones: server.zone_set(&[DOMAIN, rev4, REV6]),
            vms: vms.iter().map(BenchVm::vm).collect::<Res<Vec<Vm>>>()?,
            recs: vms.iter().flat_map(|vm| vm.records(rev4)).collect(),
            write,
            again,
        })
    }
}

/// Every run of one scenario: the engine writing everything and then
/// resyncing with nothing to change, at concurrency 8 and 64, `REPEAT`
/// times each; the naive client; the computed rows.
async fn measure(server: &Server, w: &Workload, rows: &mut Vec<Row>) -> Res<()> {
    let reads_by = reads_by_zone(&w.recs);
    let reads: usize = reads_by.values().sum();
    let writes = reads_by.len();
    println!(
        "\n{}: {} records at {reads} names in {writes} zones",
        w.scenario,
        w.recs.len()
    );
    let (kind, label) = w.write;
    for concurrency in [8, 64] {
        let mut written = Vec::new();
        for _ in 0..REPEAT {
            reset(&server.api, &w.recs).await?;
            let m = engine(
                &server.proxy,
                &w.zones,
                &w.vms,
                kind,
                concurrency,
                (reads, writes),
            )
            .await?;
            verify(&server.api, &w.recs, label).await?;
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
                (reads, 0),
            )
            .await?;
            verify(&server.api, &w.recs, w.again).await?;
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

    reset(&server.api, &w.recs).await?;
    let n = naive(&server.proxy, &server.pdns.key, &w.recs).await?;
    verify(&server.api, &w.recs[..n.sent], "after the naive run").await?;
    let row = naive_row(w.scenario, &n);
    println!(
        "  {}: {:.0} ms, {} {}",
        row.method,
        ms(row.wall),
        row.requests,
        row.note
    );
    rows.push(row);

    push_computed(w.scenario, &reads_by, &server.costs, rows);
    Ok(())
}

/// One row for the runs of one engine call: the median run's time and
/// requests, every run's time, and what slowed any of them down.
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
    let retried: Vec<&Measured> = runs
        .iter()
        .filter(|m| !m.traffic.errors.is_empty())
        .collect();
    if let Some(first) = retried.first() {
        note.push_str(&format!(
            "; HTTP 5xx retried in {} of {} runs (`{}`)",
            retried.len(),
            runs.len(),
            first.traffic.errors[0]
        ));
    }
    let dropped: Vec<String> = runs
        .iter()
        .map(|m| m.dropped.map_or("?".to_owned(), |d| d.to_string()))
        .collect();
    if runs.iter().any(|m| m.dropped.unwrap_or(0) > 0) {
        note.push_str(&format!("; listen-queue drops: {}", dropped.join(", ")));
    }
    Row {
        scenario,
        method,
        wall: median.wall,
        requests: median.traffic.requests(),
        note,
        runs: runs.len(),
        runs_5xx: retried.len(),
        dropped: runs.iter().filter_map(|m| m.dropped).sum(),
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
        ..Row::default()
    }
}

fn push_computed(
    scenario: &'static str,
    reads_by: &BTreeMap<&'static str, usize>,
    costs: &HashMap<&'static str, Cost>,
    rows: &mut Vec<Row>,
) {
    let (wall, gets, patches) = minimum(reads_by, costs, true);
    rows.push(Row {
        scenario,
        method: "theoretical minimum (computed)".to_owned(),
        wall,
        requests: requests(gets, patches),
        note: "1 read + 1 write round trip, zones in parallel".to_owned(),
        ..Row::default()
    });
    let (wall, gets, _) = minimum(reads_by, costs, false);
    rows.push(Row {
        scenario,
        method: "theoretical minimum, nothing to change (computed)".to_owned(),
        wall,
        requests: requests(gets, 0),
        note: "1 read round trip, zones in parallel".to_owned(),
        ..Row::default()
    });
    for concurrency in [8, 64] {
        rows.push(Row {
            scenario,
            method: format!("estimate at concurrency {concurrency} (computed)"),
            wall: at_concurrency(concurrency, reads_by, costs, true),
            requests: requests(gets, patches),
            note: match gets.div_ceil(concurrency) {
                1 => "1 read round trip, then 1 PATCH".to_owned(),
                n => format!("{n} read round trips, then 1 PATCH"),
            },
            ..Row::default()
        });
    }
}

const SCENARIO_A: &str = "A: 1 VM, 200-record zones";
const SCENARIO_B: &str = "B: 1 VM, /16 reverse zone";
const SCENARIO_C: &str = "C: resyncMany, 100 VMs, /16";

#[tokio::main]
async fn main() -> Res<()> {
    let mut rows = Vec::new();
    let mut context = Context {
        load: (load_average(), String::new()),
        ..Context::default()
    };

    // Scenario A on a server of its own, so the /16 is not in its database.
    {
        let server = Server::start(SCENARIO_A, &[DOMAIN, REV4_24, REV6], &mut context).await?;
        let vm = big_vm([Ipv4Addr::new(192, 0, 2, 10), Ipv4Addr::new(192, 0, 2, 11)]);
        let work = Workload::new(
            &server,
            SCENARIO_A,
            REV4_24,
            &[vm],
            (JobKind::Create, "create"),
            "resync, nothing to change",
        )?;
        measure(&server, &work, &mut rows).await?;
        context.locked += server.log_lines("database is locked");
    }

    // Scenarios B and C share a server: the /16 is filled once.
    {
        println!();
        let server = Server::start(SCENARIO_B, &[DOMAIN, REV4_16, REV6], &mut context).await?;
        let vm = big_vm([Ipv4Addr::new(198, 18, 0, 10), Ipv4Addr::new(198, 18, 0, 11)]);
        let work = Workload::new(
            &server,
            SCENARIO_B,
            REV4_16,
            &[vm],
            (JobKind::Create, "create"),
            "resync, nothing to change",
        )?;
        measure(&server, &work, &mut rows).await?;

        let vms: Vec<BenchVm> = (1..=100).map(small_vm).collect();
        let work = Workload::new(
            &server,
            SCENARIO_C,
            REV4_16,
            &vms,
            (JobKind::Resync, "resyncMany, all to write"),
            "resyncMany, nothing to change",
        )?;
        measure(&server, &work, &mut rows).await?;
        context.locked += server.log_lines("database is locked");
    }
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
    lines.push(format!(
        "A filtered GET costs PowerDNS {:.1} to {:.1} ms, in the /16 as in a 200-record zone, so each read costs about one 50 ms round trip and the engine makes `concurrency` of them at a time: with nothing to change it took {:.0} ms for A's 35 names (5 round trips at concurrency 8) and {:.0} ms for C's 300 names (38 round trips).",
        gets.iter().copied().fold(f64::INFINITY, f64::min),
        gets.iter().copied().fold(0.0, f64::max),
        wall(SCENARIO_A, "engine resync, nothing to change, concurrency 8"),
        wall(SCENARIO_C, "engine resyncMany, nothing to change, concurrency 8"),
    ));

    let dropped: u64 = rows
        .iter()
        .filter(|r| r.method.ends_with("concurrency 64"))
        .map(|r| r.dropped)
        .sum();
    if dropped > 0 {
        lines.push(format!(
            "At concurrency 64 the engine opens up to 64 connections at once, but PowerDNS's API socket listens with a backlog of {}: the kernel counted {dropped} connection attempts dropped by full listen queues during the concurrency-64 runs (a machine-wide counter), and a dropped SYN is sent again only after 1 s. A resync of A's 35 names took {:.0} ms at 64 against {:.0} ms at 8; of C's 300 names, {:.0} ms against {:.0} ms.",
            context
                .backlog
                .map_or("unknown size".to_owned(), |b| b.to_string()),
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

    let writing: Vec<&Row> = rows
        .iter()
        .filter(|r| {
            r.runs > 0 && (r.method.contains("create") || r.method.contains("all to write"))
        })
        .collect();
    let runs: usize = writing.iter().map(|r| r.runs).sum();
    let failed: usize = writing.iter().map(|r| r.runs_5xx).sum();
    if failed > 0 {
        lines.push(format!(
            "{failed} of {runs} writing engine runs had a PATCH answered HTTP 500 and retried: with gsqlite3, PowerDNS fails a PATCH at once (`database is locked`, in {} lines of its log) while another zone's PATCH on the same server holds the database, and the engine tries again after 200 ms, 400 ms, 800 ms (plus jitter). Zones that finish their reads in the same round trip PATCH together, so short PATCHes collide too: A's create at concurrency 8 took {:.0} ms against the {:.0} ms estimate. One write at a time per server would avoid the retries, and the risk of running out of them behind a long /16 PATCH.",
            context.locked,
            wall(SCENARIO_A, create8),
            wall(SCENARIO_A, "estimate at concurrency 8"),
        ));
    } else if runs > 0 {
        lines.push(format!(
            "None of the {runs} writing engine runs got an HTTP 5xx ({} lines of PowerDNS's log say `database is locked`): the engine now sends one PATCH at a time to each PowerDNS server, because gsqlite3 fails a PATCH at once while another zone's PATCH holds the database. The run before that change had a PATCH answered HTTP 500 and retried after 200 ms or more in 11 of 18 writing runs. Zones of one server now wait for each other's PATCH instead: A's create at concurrency 8 took {:.0} ms against the {:.0} ms estimate, which counts one PATCH round trip, not one per zone.",
            context.locked,
            wall(SCENARIO_A, create8),
            wall(SCENARIO_A, "estimate at concurrency 8"),
        ));
    }
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
    s.push_str("## PowerDNS sync (issue 3)\n\n");
    s.push_str(&format!(
        "Command: `{COMMAND}` (runs `build/deps.sh`, then `{COMMAND_LONG}`).  \n"
    ));
    s.push_str(&format!(
        "Run: {}; {cpus} CPUs ({model}), load average {} at the start and {} at the end; \
PowerDNS Authoritative {} with the gsqlite3 backend on 127.0.0.1, one server for A and one for B and C.\n\n",
        httpdate::fmt_http_date(SystemTime::now()),
        context.load.0,
        context.load.1,
        context.version
    ));
    s.push_str(&format!(
        "Every API request goes through a TCP proxy in the benchmark process that waits 50 ms after \
accepting a connection before it connects to PowerDNS. PowerDNS answers `Connection: close`, so a \
connection is a request: the request counts are the proxy's connection counts, and the benchmark \
fails unless every response said `Connection: close` and the counts are exactly the reads and writes \
the engine has to make (plus one per HTTP 5xx retried). After every run the records are read back \
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
    s.push_str("| Scenario | Zone | Fillers | Filtered GET (ms) | PATCH of 1 rrset (ms) |\n|---|---|---:|---:|---:|\n");
    for (scenario, zone, records, cost) in &context.costs {
        s.push_str(&format!(
            "| {} | `{zone}` | {records} | {:.1} | {:.1} |\n",
            &scenario[..1],
            ms(cost.get),
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
each with all its reads in one round trip (50 ms + the server's filtered GET above) and then one PATCH \
(50 ms + the server's PATCH above); the slowest zone is the wall time. Its request count is one \
filtered GET per distinct name (PowerDNS returns every type at a name in one GET, so the A and AAAA \
at the FQDN share one) plus one PATCH per zone; counting one read per (name, type) adds one GET in A \
and B. The \"estimate at concurrency N\" rows allow N requests in flight, as the engine does: \
ceil(reads / N) read round trips with the slowest zone's GET, then the slowest zone's PATCH. The naive \
client sends one PATCH REPLACE per record, each after the previous answer, without reading first \
(the k-th record of a set replaces the set with its first k records).\n",
    );
    s.push_str("\nInterpretation:\n\n");
    for line in interpretation(rows, context) {
        s.push_str(&format!("- {line}\n"));
    }
    s
}
