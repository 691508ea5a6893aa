//! A private PowerDNS (tests/pdns/server.sh) and its API, used directly
//! (not through the proxy) to set zones up and read them back; and what
//! the proxy's HTTP log says about the requests a run sent to it.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use puq_dns_core::{Array, Value};
use serde_json::{json, Value as Json};

use crate::proxy::{Proxy, Seen};
use crate::scenario::{sets, Record};
use crate::stats::{self, ZoneCount};
use crate::{repo, Res};

fn script() -> PathBuf {
    repo().join("tests/pdns/server.sh")
}

/// Where a [`PowerDns`] keeps its zones (`tests/pdns/server.sh start DIR
/// BACKEND`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Backend {
    /// gsqlite3, a file: one writer at a time; a PATCH made while another
    /// is running gets HTTP 500 "database is locked".
    #[default]
    Sqlite,
    /// gmysql on a private MariaDB: concurrent PATCHes to different zones.
    Mysql,
}

impl Backend {
    /// The name `tests/pdns/server.sh` takes.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Mysql => "mysql",
        }
    }

    /// What has to be installed for it, for the error when it does not start.
    fn packages(self) -> &'static str {
        match self {
            Backend::Sqlite => "pdns-server and pdns-backend-sqlite3",
            Backend::Mysql => "pdns-server, pdns-backend-mysql and mariadb-server",
        }
    }
}

/// A PowerDNS server with a fresh database (sqlite, or a private MariaDB);
/// stopped, its MariaDB with it, when dropped.
pub struct PowerDns {
    dir: PathBuf,
    /// `http://127.0.0.1:<port>`: the API, directly.
    pub url: String,
    pub key: String,
    pub backend: Backend,
    http: reqwest::Client,
}

impl PowerDns {
    /// A PowerDNS with the sqlite backend.
    pub fn start() -> Res<PowerDns> {
        PowerDns::start_with(Backend::Sqlite)
    }

    /// A PowerDNS with `backend`.
    pub fn start_with(backend: Backend) -> Res<PowerDns> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "puq-dns-bench-pdns-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let out = Command::new(script())
            .arg("start")
            .arg(&dir)
            .arg(backend.name())
            .output()
            .map_err(|e| format!("cannot run tests/pdns/server.sh: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "PowerDNS ({} backend) did not start (are {} installed? run build/deps.sh):\n{}",
                backend.name(),
                backend.packages(),
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        let vars = String::from_utf8_lossy(&out.stdout).into_owned();
        let var = |name: &str| -> Res<String> {
            Ok(vars
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{name}=")))
                .ok_or_else(|| format!("{name} missing in {vars}"))?
                .to_owned())
        };
        // The server stops with the value, even if the rest fails.
        let mut pdns = PowerDns {
            dir,
            url: String::new(),
            key: String::new(),
            backend,
            http: reqwest::Client::builder().no_proxy().build()?,
        };
        pdns.url = var("PDNS_API_URL")?;
        pdns.key = var("PDNS_API_KEY")?;
        Ok(pdns)
    }

    /// The API's address, for the proxy.
    pub fn upstream(&self) -> Res<SocketAddr> {
        let addr = self
            .url
            .strip_prefix("http://")
            .ok_or_else(|| format!("unexpected PowerDNS URL {}", self.url))?;
        Ok(addr.parse()?)
    }

    /// A zone row for `zone` whose API is at `server_url` (the proxy's).
    pub fn row(&self, id: i64, zone: &str, server_url: &str) -> Value {
        Value::Array(
            Array::new()
                .with("id", id)
                .with("zone", zone)
                .with("type", "PowerDNS")
                .with("server_url", server_url)
                .with("api_key", self.key.as_str()),
        )
    }

    /// Lines of the server's log that contain `text`.
    pub fn log_lines(&self, text: &str) -> usize {
        std::fs::read_to_string(self.dir.join("pdns.log"))
            .map(|log| log.lines().filter(|l| l.contains(text)).count())
            .unwrap_or(0)
    }

    fn zone_url(&self, zone: &str) -> String {
        zone_url(&self.url, zone)
    }

    pub async fn create_zone(&self, zone: &str) -> Res<()> {
        let answer = self
            .http
            .post(format!("{}/api/v1/servers/localhost/zones", self.url))
            .header("X-API-Key", &self.key)
            .json(&json!({ "name": format!("{zone}."), "kind": "Native", "nameservers": ["ns1.example.net."] }))
            .send()
            .await?;
        let status = answer.status();
        let body = answer.text().await?;
        if status.as_u16() != 201 {
            return Err(format!("create zone {zone}: HTTP {status}: {body}").into());
        }
        Ok(())
    }

    pub async fn patch(&self, zone: &str, rrsets: Vec<Json>) -> Res<Duration> {
        let started = Instant::now();
        let answer = self
            .http
            .patch(self.zone_url(zone))
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
    pub async fn at(&self, zone: &str, name: &str) -> Res<Json> {
        let answer = self
            .http
            .get(self.zone_url(zone))
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
    pub async fn contents(&self, zone: &str, name: &str, rrtype: &str) -> Res<Vec<String>> {
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
    pub async fn full_get(&self, zone: &str) -> Res<(Duration, usize)> {
        let started = Instant::now();
        let answer = self
            .http
            .get(self.zone_url(zone))
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

    /// Creates `zone` and puts `records` there, `chunk` rrsets per PATCH,
    /// directly; the time the PATCHes took.
    pub async fn fill(&self, zone: &str, records: &[Record], chunk: usize) -> Res<Duration> {
        self.create_zone(zone).await?;
        let started = Instant::now();
        for part in sets(records).chunks(chunk.max(1)) {
            let rrsets = part
                .iter()
                .map(|(r, contents)| replace(&r.name, r.rrtype, r.ttl, contents))
                .collect();
            self.patch(zone, rrsets).await?;
        }
        Ok(started.elapsed())
    }

    /// Puts the sets of `recs` back as they were before any VM, one PATCH
    /// per zone, directly: the content `before` has at a name, or nothing.
    pub async fn reset(&self, recs: &[Record], before: &HashMap<String, String>) -> Res<()> {
        let mut by_zone: BTreeMap<&str, Vec<Json>> = BTreeMap::new();
        for (rec, _) in sets(recs) {
            let rrset = match before.get(&rec.name) {
                Some(old) => replace(&rec.name, rec.rrtype, rec.ttl, std::slice::from_ref(old)),
                None => delete(&rec.name, rec.rrtype),
            };
            by_zone.entry(rec.zone).or_default().push(rrset);
        }
        for (zone, rrsets) in by_zone {
            self.patch(zone, rrsets).await?;
        }
        Ok(())
    }

    /// Puts every set of `keys` and of `state` as `state` has it, one
    /// PATCH per zone, directly: `state`'s contents and TTL where it has the
    /// set, nothing where it has not.
    pub async fn set_state(&self, keys: &[Record], state: &[Record]) -> Res<()> {
        let wanted = sets(state);
        let mut by_zone: BTreeMap<&str, Vec<Json>> = BTreeMap::new();
        let mut seen = std::collections::HashSet::new();
        for (rec, contents) in &wanted {
            seen.insert((rec.zone, rec.name.as_str(), rec.rrtype));
            by_zone
                .entry(rec.zone)
                .or_default()
                .push(replace(&rec.name, rec.rrtype, rec.ttl, contents));
        }
        for (rec, _) in sets(keys) {
            if !seen.contains(&(rec.zone, rec.name.as_str(), rec.rrtype)) {
                by_zone
                    .entry(rec.zone)
                    .or_default()
                    .push(delete(&rec.name, rec.rrtype));
            }
        }
        for (zone, rrsets) in by_zone {
            self.patch(zone, rrsets).await?;
        }
        Ok(())
    }

    /// The whole zone, unfiltered, by (name without the final dot, type):
    /// TTL and sorted contents.
    pub async fn zone_sets(
        &self,
        zone: &str,
    ) -> Res<HashMap<(String, String), (u64, Vec<String>)>> {
        let answer = self
            .http
            .get(self.zone_url(zone))
            .header("X-API-Key", &self.key)
            .send()
            .await?;
        let status = answer.status();
        let body = answer.text().await?;
        if !status.is_success() {
            return Err(format!("GET {zone}: HTTP {status}: {body}").into());
        }
        let doc: Json = serde_json::from_str(&body)?;
        let mut out = HashMap::new();
        for rrset in doc["rrsets"].as_array().into_iter().flatten() {
            let name = rrset["name"].as_str().unwrap_or("");
            let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
            let rrtype = rrset["type"].as_str().unwrap_or("").to_owned();
            let mut contents: Vec<String> = rrset["records"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["content"].as_str().map(str::to_owned))
                .collect();
            contents.sort();
            out.insert(
                (name, rrtype),
                (rrset["ttl"].as_u64().unwrap_or(0), contents),
            );
        }
        Ok(out)
    }

    /// Reads each zone of `recs` back whole, directly, in one GET: every
    /// set of `recs` has exactly its contents and TTL. For many sets,
    /// where [`PowerDns::verify`] would make a GET per set.
    pub async fn verify_zones(&self, recs: &[Record], what: &str) -> Res<()> {
        let mut zones: Vec<&str> = recs.iter().map(|r| r.zone).collect();
        zones.sort_unstable();
        zones.dedup();
        for zone in zones {
            let got = self.zone_sets(zone).await?;
            for (rec, contents) in sets(recs).into_iter().filter(|(r, _)| r.zone == zone) {
                let mut want: Vec<String> = contents
                    .into_iter()
                    .map(|content| {
                        self::content(&Record {
                            content,
                            ..rec.clone()
                        })
                    })
                    .collect();
                want.sort();
                let key = (rec.name.to_ascii_lowercase(), rec.rrtype.to_owned());
                let want = (u64::from(rec.ttl), want);
                let have = got.get(&key);
                if have != Some(&want) {
                    let (name, rrtype) = (&rec.name, rec.rrtype);
                    return Err(format!(
                        "{what}: {name} {rrtype} in {zone} is {have:?}, expected {want:?} (TTL, contents)"
                    )
                    .into());
                }
            }
        }
        Ok(())
    }

    /// Reads every set of `recs` back, directly: exactly their contents.
    pub async fn verify(&self, recs: &[Record], what: &str) -> Res<()> {
        for (rec, contents) in sets(recs) {
            let mut want: Vec<String> = contents
                .into_iter()
                .map(|content| {
                    self::content(&Record {
                        content,
                        ..rec.clone()
                    })
                })
                .collect();
            want.sort();
            let got = self.contents(rec.zone, &rec.name, rec.rrtype).await?;
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

    pub async fn version(&self) -> Res<String> {
        let doc: Json = self
            .http
            .get(format!("{}/api/v1/servers/localhost", self.url))
            .header("X-API-Key", &self.key)
            .send()
            .await?
            .json()
            .await?;
        Ok(doc["version"].as_str().unwrap_or("unknown").to_owned())
    }
}

impl Drop for PowerDns {
    fn drop(&mut self) {
        // Nothing to report on the way out: the server is ours and its
        // directory goes with it.
        let _ = Command::new(script()).arg("stop").arg(&self.dir).status();
    }
}

/// The API URL of a zone at `base`.
pub fn zone_url(base: &str, zone: &str) -> String {
    // The benchmarks' zone names need none of PowerDNS's `=XX` escapes.
    format!("{base}/api/v1/servers/localhost/zones/{zone}.")
}

/// A PATCH rrset that replaces the set at `name` with `contents`. PTR
/// targets get their final dot.
pub fn replace(name: &str, rrtype: &str, ttl: u32, contents: &[String]) -> Json {
    let records: Vec<Json> = contents
        .iter()
        .map(|c| {
            let content = if rrtype == "PTR" {
                format!("{c}.")
            } else {
                c.clone()
            };
            json!({ "content": content, "disabled": false })
        })
        .collect();
    json!({ "name": format!("{name}."), "type": rrtype, "ttl": ttl, "changetype": "REPLACE", "records": records })
}

pub fn delete(name: &str, rrtype: &str) -> Json {
    json!({ "name": format!("{name}."), "type": rrtype, "changetype": "DELETE" })
}

/// A record as the PowerDNS API returns its content.
pub fn content(rec: &Record) -> String {
    if rec.rrtype == "PTR" {
        format!("{}.", rec.content)
    } else {
        rec.content.clone()
    }
}

/// A naive run projected to take longer than this is cut short after
/// `NAIVE_SAMPLE` requests and extrapolated.
const NAIVE_BUDGET: Duration = Duration::from_secs(180);
const NAIVE_SAMPLE: usize = 40;

/// A naive client's run: how long, how many of its requests it sent.
pub struct Naive {
    pub wall: Duration,
    pub sent: usize,
    pub total: usize,
    pub traffic: Traffic,
}

impl Naive {
    /// The whole run's time: measured, or scaled from the measured part.
    pub fn wall(&self) -> Duration {
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
pub async fn naive(proxy: &Proxy, key: &str, recs: &[Record]) -> Res<Naive> {
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
            .patch(zone_url(&proxy.url(), rec.zone))
            .header("X-API-Key", key)
            .json(&json!({ "rrsets": [replace(&rec.name, rec.rrtype, rec.ttl, &so_far)] }))
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
    let traffic = Traffic::of(&proxy.since(mark));
    traffic.check("naive run", 0, sent)?;
    Ok(Naive {
        wall,
        sent,
        total: recs.len(),
        traffic,
    })
}

/// What one run sent to PowerDNS through the proxy.
#[derive(Clone, Debug, Default)]
pub struct Traffic {
    pub connections: usize,
    pub gets: usize,
    pub patches: usize,
    pub other: usize,
    /// 5xx answers: the engine's HTTP layer tries those again.
    pub get_5xx: usize,
    pub patch_5xx: usize,
    pub without_response: usize,
    pub without_close: usize,
    /// `PATCH 500: {"error": …}` per 5xx answer.
    pub errors: Vec<String>,
}

impl Traffic {
    pub fn of(seen: &Seen) -> Traffic {
        let mut t = Traffic {
            connections: seen.connections,
            without_response: seen.connections.saturating_sub(seen.exchanges.len()),
            ..Traffic::default()
        };
        for x in &seen.exchanges {
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

    pub fn requests(&self) -> String {
        format!(
            "{} ({} GET + {} PATCH)",
            self.connections, self.gets, self.patches
        )
    }

    /// One connection is one request; the run sent exactly the requests
    /// the engine reports in `counts` (retries included), and those are
    /// what its read ways and writes cost (see [`stats::check_expected`]):
    /// one GET per name read by name, one per zone read whole, one PATCH
    /// per zone in `changes`, plus one try more per 5xx answer.
    pub fn check_counts(
        &self,
        what: &str,
        counts: &[ZoneCount],
        names: &BTreeMap<&'static str, usize>,
        changes: &dyn Fn(&str) -> bool,
    ) -> Res<()> {
        let mut problems = self.transport_problems();
        let (gets, patches) = (stats::reads(counts), stats::writes(counts));
        if self.gets as u64 != gets || self.patches as u64 != patches {
            problems.push(format!(
                "the engine reports {gets} GET + {patches} PATCH ({}), the proxy saw {}",
                stats::read_column(counts),
                self.requests()
            ));
        }
        if let Err(e) = stats::check_expected(
            "reported counts",
            counts,
            names,
            changes,
            (self.get_5xx, self.patch_5xx),
        ) {
            problems.push(e.to_string());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{what}: {}", problems.join("; ")).into())
        }
    }

    /// A response without `Connection: close`, a connection without a
    /// response, a request neither GET nor PATCH: each breaks the count.
    fn transport_problems(&self) -> Vec<String> {
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
        problems
    }

    /// One connection is one request, and the run sent exactly the reads
    /// and writes it has to (plus one try more per 5xx answer).
    pub fn check(&self, what: &str, reads: usize, writes: usize) -> Res<()> {
        let mut problems = self.transport_problems();
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

/// `TcpExt: ListenOverflows` from /proc/net/netstat: connections the
/// kernel dropped because a listen queue was full, for the whole machine.
pub fn listen_overflows() -> Option<u64> {
    let netstat = std::fs::read_to_string("/proc/net/netstat").ok()?;
    let mut lines = netstat.lines().filter(|l| l.starts_with("TcpExt:"));
    let (names, values) = (lines.next()?, lines.next()?);
    let index = names
        .split_whitespace()
        .position(|n| n == "ListenOverflows")?;
    values.split_whitespace().nth(index)?.parse().ok()
}

/// The listen backlog of the socket on 127.0.0.1:`port` (the Send-Q that
/// `ss -ltn` shows for a listening socket).
pub fn listen_backlog(port: u16) -> Option<u32> {
    let out = Command::new("ss")
        .args(["-ltnH", &format!("sport = :{port}")])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines().next()?.split_whitespace().nth(2)?.parse().ok()
}
