//! The fake Cloudflare API (tests/fakes/cloudflare.py) as a subprocess on
//! a free port of 127.0.0.1, and its control API: zones, seeded records,
//! faults (its `latency_ms` stands in for the real API's round trip),
//! request stats and the request log; and what one run sent, per zone,
//! checked against what the engine reports.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use puq_dns_core::{Array, Value, ZoneSet};
use serde_json::{json, Value as Json};

use crate::scenario::{fillers, Record};
use crate::stats::{self, Cost, ZoneCount};
use crate::{repo, Res};

/// The token the fake takes for every zone.
pub const TOKEN: &str = "bench-cf-token-1f9c";
pub const ACCOUNT: &str = "0123456789abcdef0123456789abcdef";

/// The fake, logging every request (with its query string) to a file.
pub struct Fake {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    http: reqwest::Client,
    log: PathBuf,
    /// How much of the log earlier calls have read.
    log_read: usize,
}

/// What the fake counted since its stats were last reset.
pub struct Stats {
    pub by_route: BTreeMap<String, u64>,
    /// The body of every batch, oldest first.
    pub batches: Vec<Json>,
    /// Every listing's query (`name`, `page`, `per_page`, … as strings)
    /// and `zone` (the zone id), oldest first.
    pub lists: Vec<Json>,
}

impl Fake {
    /// Starts the fake with a token for every zone.
    pub async fn start() -> Res<Fake> {
        let script = repo().join("tests/fakes/cloudflare.py");
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
        // Killed when dropped, whatever fails below.
        let mut fake = Fake {
            child,
            base: String::new(),
            http: reqwest::Client::builder().no_proxy().build()?,
            log,
            log_read: 0,
        };
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let port = line
            .trim()
            .strip_prefix("PORT=")
            .ok_or_else(|| format!("the fake printed {line:?}, not PORT=<n>"))?
            .parse::<u16>()?;
        fake.base = format!("http://127.0.0.1:{port}");
        fake.control(
            reqwest::Method::POST,
            "/tokens",
            json!({ "token": TOKEN, "zones": "*" }),
        )
        .await?;
        Ok(fake)
    }

    pub fn api_url(&self) -> String {
        format!("{}/client/v4", self.base)
    }

    pub async fn control(&self, method: reqwest::Method, path: &str, body: Json) -> Res<Json> {
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

    /// Every API answer waits this long.
    pub async fn set_latency(&self, latency: Duration) -> Res<()> {
        let ms = u64::try_from(latency.as_millis())?;
        self.control(
            reqwest::Method::POST,
            "/faults",
            json!({ "latency_ms": ms }),
        )
        .await?;
        Ok(())
    }

    /// A new zone; its id.
    pub async fn create_zone(&self, name: &str) -> Res<String> {
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

    /// Puts a record in a zone as another tool would.
    pub async fn seed(&self, zone_id: &str, rec: &Record) -> Res<()> {
        self.control(
            reqwest::Method::POST,
            &format!("/zones/{zone_id}/records"),
            json!({ "type": rec.rrtype, "name": rec.name, "content": rec.content, "ttl": rec.ttl }),
        )
        .await?;
        Ok(())
    }

    /// Every record of a zone as `name type content ttl proxied`, sorted.
    pub async fn records(&self, zone_id: &str) -> Res<Vec<String>> {
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

    pub async fn reset_stats(&self) -> Res<()> {
        self.control(reqwest::Method::POST, "/stats/reset", json!({}))
            .await?;
        Ok(())
    }

    pub async fn stats(&self) -> Res<Stats> {
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
        let lists = stats["lists"].as_array().cloned().unwrap_or_default();
        Ok(Stats {
            by_route,
            batches,
            lists,
        })
    }

    /// The API requests the fake logged since the last call, as request
    /// lines (`GET /client/v4/zones/…?name=… HTTP/1.1`). The fake writes a
    /// request's line before its answer, so a run's requests are all here
    /// once it has its answers.
    pub fn api_requests_since_last(&mut self) -> Res<Vec<String>> {
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
    pub async fn api(&self, method: reqwest::Method, path: &str, body: Option<&Json>) -> Res<Json> {
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

/// The fake's stats route of a zone listing.
pub const LIST: &str = "GET /zones/{id}/dns_records";
/// A batch.
pub const BATCH: &str = "POST /zones/{id}/dns_records/batch";
/// One record posted on its own.
pub const POST: &str = "POST /zones/{id}/dns_records";

/// A record as `Fake::records` shows it: the engine sends `proxied: false`
/// for A and AAAA, and the fake stores false for PTR.
pub fn line(rec: &Record) -> String {
    format!(
        "{} {} {} {} false",
        rec.name, rec.rrtype, rec.content, rec.ttl
    )
}

/// New zones on the fake with their fillers, and zone rows for them.
pub struct ZoneState {
    /// The fake's zone id of each zone.
    pub ids: BTreeMap<&'static str, String>,
    /// What the zones held before any VM.
    pub fillers: Vec<Record>,
    /// Zone rows of the zones, for the engine.
    pub set: ZoneSet,
}

/// Creates `zones` on the fake, `filler` foreign records in each.
pub async fn fresh_zones(fake: &Fake, zones: &[&'static str], filler: usize) -> Res<ZoneState> {
    let mut ids = BTreeMap::new();
    let mut all = Vec::new();
    let mut rows = Vec::new();
    for (zone, row_id) in zones.iter().zip(1i64..) {
        let id = fake.create_zone(zone).await?;
        let fill = fillers(zone, filler);
        for rec in &fill {
            fake.seed(&id, rec).await?;
        }
        all.extend(fill);
        rows.push(Value::Array(
            Array::new()
                .with("id", row_id)
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
pub async fn verify(fake: &Fake, state: &ZoneState, recs: &[Record], what: &str) -> Res<()> {
    for (zone, id) in &state.ids {
        let mut want: Vec<String> = state
            .fillers
            .iter()
            .chain(recs)
            .filter(|r| r.zone == *zone)
            .map(line)
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

/// Records per page the engine asks for when it lists one name (the
/// provider's own figure, not a copy).
pub const NAME_PAGE: u64 = puq_dns_core::provider::cloudflare::PER_PAGE as u64;
/// Records per page the engine asks for when it lists a whole zone: the
/// largest `per_page` Cloudflare documents, so one page for any zone here.
pub const ZONE_PAGE: u64 = puq_dns_core::provider::cloudflare::ZONE_PER_PAGE as u64;

/// What one zone was sent in one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ZoneTraffic {
    /// Listings with a name filter: (name, page, per_page).
    pub by_name: Vec<(String, u64, u64)>,
    /// Listings without one, the whole zone: (page, per_page).
    pub whole: Vec<(u64, u64)>,
    pub batches: u64,
}

impl ZoneTraffic {
    pub fn listings(&self) -> u64 {
        (self.by_name.len() + self.whole.len()) as u64
    }
}

/// What one run sent: the fake's counts by route, and by zone from its
/// stats and its request log.
#[derive(Clone, Debug, Default)]
pub struct Traffic {
    pub lists: u64,
    pub batches: u64,
    pub posts: u64,
    /// Every route the fake counted.
    pub by_route: BTreeMap<String, u64>,
    /// By zone name.
    pub zones: BTreeMap<String, ZoneTraffic>,
    /// Largest (deletes, posts) of one batch.
    pub largest: (usize, usize),
}

/// A DNS name as the checks compare them.
fn plain(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The zone id in `/client/v4/zones/{id}/…` of a logged request line, and
/// the path after it without the query.
fn zone_path(request: &str) -> Option<(&str, &str)> {
    let path = request.split(' ').nth(1)?;
    let path = path.split('?').next()?;
    let rest = path.strip_prefix("/client/v4/zones/")?;
    Some(rest.split_once('/').unwrap_or((rest, "")))
}

impl Traffic {
    pub fn total(&self) -> u64 {
        self.lists + self.batches + self.posts
    }

    /// Listings with a name filter.
    pub fn name_lists(&self) -> u64 {
        self.zones.values().map(|z| z.by_name.len() as u64).sum()
    }

    /// Listings of a whole zone.
    pub fn zone_lists(&self) -> u64 {
        self.zones.values().map(|z| z.whole.len() as u64).sum()
    }

    pub fn requests(&self) -> String {
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

    /// What the fake counted since its stats were reset, by route and by
    /// zone (`ids`: the fake's id of each zone): its stats and its request
    /// log must agree on every zone's listings and batches, and no request
    /// may go to another zone.
    pub async fn of(
        fake: &mut Fake,
        what: &str,
        ids: &BTreeMap<&'static str, String>,
    ) -> Res<Traffic> {
        let stats = fake.stats().await?;
        let requests = fake.api_requests_since_last()?;
        let zone_of = |id: &str| -> Res<String> {
            ids.iter()
                .find(|(_, i)| i.as_str() == id)
                .map(|(zone, _)| (*zone).to_owned())
                .ok_or_else(|| {
                    format!("{what}: a request to zone id {id}, not one of the run's").into()
                })
        };
        let count = |route: &str| stats.by_route.get(route).copied().unwrap_or(0);
        let mut zones: BTreeMap<String, ZoneTraffic> = BTreeMap::new();
        for listed in &stats.lists {
            let text = |key: &str| listed[key].as_str().map(str::to_owned);
            let number = |key: &str, default: u64| -> Res<u64> {
                text(key).map_or(Ok(default), |v| {
                    v.parse()
                        .map_err(|_| format!("{what}: a listing with {key}={v}: {listed}").into())
                })
            };
            let zone = zone_of(&text("zone").unwrap_or_default())?;
            // The fake's defaults.
            let (page, per_page) = (number("page", 1)?, number("per_page", 100)?);
            let entry = zones.entry(zone).or_default();
            match text("name") {
                Some(name) => entry.by_name.push((plain(&name), page, per_page)),
                None => {
                    if listed
                        .as_object()
                        .is_some_and(|o| o.keys().any(|k| k.starts_with("name")))
                    {
                        return Err(
                            format!("{what}: a listing filtered otherwise: {listed}").into()
                        );
                    }
                    entry.whole.push((page, per_page));
                }
            }
        }
        // The log, by zone: the listings as the stats have them, and the
        // batches, which the stats do not tell apart.
        let mut logged: BTreeMap<String, u64> = BTreeMap::new();
        for request in &requests {
            let Some((id, rest)) = zone_path(request) else {
                continue;
            };
            let zone = zone_of(id)?;
            if request.starts_with("GET ") && rest == "dns_records" {
                *logged.entry(zone).or_default() += 1;
            } else if request.starts_with("POST ") && rest == "dns_records/batch" {
                zones.entry(zone).or_default().batches += 1;
            }
        }
        let listed: BTreeMap<String, u64> = zones
            .iter()
            .map(|(zone, t)| (zone.clone(), t.listings()))
            .filter(|(_, n)| *n > 0)
            .collect();
        if logged != listed || stats.lists.len() as u64 != count(LIST) {
            return Err(format!(
                "{what}: the fake's log has listings by zone {logged:?}, its stats {listed:?} ({} in all)",
                count(LIST)
            )
            .into());
        }
        let batches: u64 = zones.values().map(|z| z.batches).sum();
        if batches != count(BATCH) {
            return Err(format!(
                "{what}: the fake's log has {batches} batches, its stats {}",
                count(BATCH)
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
            by_route: stats.by_route,
            zones,
            largest,
        })
    }

    /// The fake counted exactly `expect` by route.
    pub fn check_routes(&self, what: &str, expect: &BTreeMap<&str, u64>) -> Res<()> {
        let want: BTreeMap<String, u64> = expect
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(route, n)| ((*route).to_owned(), *n))
            .collect();
        if self.by_route != want {
            return Err(format!(
                "{what}: expected requests {want:?}, the fake counted {:?}",
                self.by_route
            )
            .into());
        }
        Ok(())
    }

    /// The run sent exactly the requests the engine reports per zone in
    /// `counts`, as the read way it reports there takes, and those are
    /// what that way costs (see [`read_cost`]), plus `writes(zone)`
    /// batches, and nothing else (no single-record fallback, no retry).
    /// `before` is what the zones held when the run began, `recs` the
    /// VMs' records.
    pub fn check_counts(
        &self,
        what: &str,
        counts: &[ZoneCount],
        before: &[Record],
        recs: &[Record],
        writes: &dyn Fn(&str) -> u64,
    ) -> Res<()> {
        let mut problems = Vec::new();
        let others: Vec<String> = self
            .by_route
            .iter()
            .filter(|(route, n)| **n > 0 && ![LIST, BATCH].contains(&route.as_str()))
            .map(|(route, n)| format!("{n} {route}"))
            .collect();
        if !others.is_empty() {
            problems.push(format!(
                "requests besides listings and batches: {}",
                others.join(", ")
            ));
        }
        let (gets, batches) = (stats::reads(counts), stats::writes(counts));
        if self.lists != gets || self.batches != batches {
            problems.push(format!(
                "the engine reports {gets} GET + {batches} batch POST ({}), the fake counted {}",
                stats::read_column(counts),
                self.requests()
            ));
        }
        let none = ZoneTraffic::default();
        for c in counts {
            let t = self.zones.get(&c.zone).unwrap_or(&none);
            if t.listings() != c.read_requests || t.batches != c.write_requests {
                problems.push(format!(
                    "zone {}: the engine reports {} listings and {} batches, the fake counted {} and {}",
                    c.zone,
                    c.read_requests,
                    c.write_requests,
                    t.listings(),
                    t.batches
                ));
            }
            if let Err(e) = way_shows(c, t, before, recs) {
                problems.push(format!("zone {}: {e}", c.zone));
            }
        }
        for (zone, t) in &self.zones {
            if !counts.iter().any(|c| c.zone == *zone) && *t != none {
                problems.push(format!(
                    "zone {zone} got requests, and the engine reports no stats for it"
                ));
            }
        }
        let zones: Vec<&str> = {
            let mut zones: Vec<&str> = recs.iter().map(|r| r.zone).collect();
            zones.sort_unstable();
            zones.dedup();
            zones
        };
        let cost = |c: &ZoneCount| -> Result<Cost, String> {
            Ok(Cost {
                read: read_cost(c, before, recs)?,
                write: writes(&c.zone),
            })
        };
        if let Err(e) = stats::check_costs("reported counts", counts, &zones, &cost, (0, 0)) {
            problems.push(e.to_string());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{what}: {}", problems.join("; ")).into())
        }
    }
}

/// The VMs' distinct names in a zone.
fn names_in(zone: &str, recs: &[Record]) -> Vec<String> {
    let mut names: Vec<String> = recs
        .iter()
        .filter(|r| r.zone == zone)
        .map(|r| plain(&r.name))
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Pages of `records` at `per_page`: one at least.
fn pages(records: u64, per_page: u64) -> u64 {
    records.div_ceil(per_page.max(1)).max(1)
}

/// What the read way the engine reports for a zone costs, from what the
/// zone held (`before`): by names, one listing per name of the VMs there
/// (more for a name of more than [`NAME_PAGE`] records); whole, one per
/// page of [`ZONE_PAGE`] records, and the reported size must be what the
/// zone held.
pub fn read_cost(c: &ZoneCount, before: &[Record], recs: &[Record]) -> Result<u64, String> {
    let held: Vec<&Record> = before.iter().filter(|r| r.zone == c.zone).collect();
    match c.read.as_str() {
        "names" => Ok(names_in(&c.zone, recs)
            .iter()
            .map(|name| {
                let at = held.iter().filter(|r| plain(&r.name) == *name).count();
                pages(at as u64, NAME_PAGE)
            })
            .sum()),
        "zone" => {
            let records = held.len() as u64;
            if c.zone_records != Some(records) {
                return Err(format!(
                    "zone {}: read whole, reported {:?} records where it held {records}",
                    c.zone, c.zone_records
                ));
            }
            Ok(pages(records, ZONE_PAGE))
        }
        other => Err(format!("zone {} read `{other}`", c.zone)),
    }
}

/// The listings of a zone are the reported way's: read by names, each of
/// the VMs' names there on its pages 1, 2, … at [`NAME_PAGE`], and no
/// listing of the whole zone; read whole, pages 1, 2, … of the unfiltered
/// listing at [`ZONE_PAGE`], and no listing by name.
fn way_shows(
    c: &ZoneCount,
    t: &ZoneTraffic,
    before: &[Record],
    recs: &[Record],
) -> Result<(), String> {
    let consecutive = |mut pages: Vec<u64>| {
        pages.sort_unstable();
        pages.iter().zip(1u64..).all(|(p, i)| *p == i)
    };
    match c.read.as_str() {
        "names" => {
            if !t.whole.is_empty() {
                return Err(format!(
                    "read by names, and listed whole {} times",
                    t.whole.len()
                ));
            }
            if let Some(bad) = t.by_name.iter().find(|(_, _, per)| *per != NAME_PAGE) {
                return Err(format!("a listing by name with per_page {}", bad.2));
            }
            let wanted = names_in(&c.zone, recs);
            let mut listed: Vec<String> = t.by_name.iter().map(|(n, _, _)| n.clone()).collect();
            listed.sort();
            listed.dedup();
            if listed != wanted {
                return Err(format!(
                    "read by names, listed {listed:?} where the VMs have {wanted:?}"
                ));
            }
            for name in &wanted {
                let got: Vec<u64> = t
                    .by_name
                    .iter()
                    .filter(|(n, _, _)| n == name)
                    .map(|(_, p, _)| *p)
                    .collect();
                let at = before
                    .iter()
                    .filter(|r| r.zone == c.zone && plain(&r.name) == *name)
                    .count();
                if got.len() as u64 != pages(at as u64, NAME_PAGE) || !consecutive(got.clone()) {
                    return Err(format!("{name} ({at} records) listed on pages {got:?}"));
                }
            }
            Ok(())
        }
        "zone" => {
            if !t.by_name.is_empty() {
                return Err(format!("read whole, and listed {} names", t.by_name.len()));
            }
            if let Some(bad) = t.whole.iter().find(|(_, per)| *per != ZONE_PAGE) {
                return Err(format!("a whole-zone listing with per_page {}", bad.1));
            }
            let got: Vec<u64> = t.whole.iter().map(|(p, _)| *p).collect();
            if !consecutive(got.clone()) {
                return Err(format!("the whole-zone listing's pages were {got:?}"));
            }
            Ok(())
        }
        other => Err(format!("read `{other}`")),
    }
}

/// `Python 3.11.7`.
pub fn python_version() -> String {
    Command::new("python3")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "python3".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{DOMAIN, REV6, TTL};

    fn rec(zone: &'static str, name: &str) -> Record {
        Record {
            zone,
            name: name.to_owned(),
            rrtype: "A",
            content: "192.0.2.1".to_owned(),
            ttl: TTL,
        }
    }

    fn count(zone: &str, read: &str, reads: u64, writes: u64, records: Option<u64>) -> ZoneCount {
        ZoneCount {
            zone: zone.to_owned(),
            read: read.to_owned(),
            read_requests: reads,
            write_requests: writes,
            zone_records: records,
        }
    }

    /// Two names in the forward zone, read by name; the IPv6 zone of two
    /// fillers, read whole; one batch each.
    fn run() -> (Traffic, Vec<ZoneCount>, Vec<Record>, Vec<Record>) {
        let recs = vec![
            rec(DOMAIN, "a.bench.example"),
            rec(DOMAIN, "b.bench.example"),
            rec(REV6, "1.ip6.arpa"),
        ];
        let before = vec![rec(REV6, "f1.ip6.arpa"), rec(REV6, "f2.ip6.arpa")];
        let zones = BTreeMap::from([
            (
                DOMAIN.to_owned(),
                ZoneTraffic {
                    by_name: vec![
                        ("a.bench.example".to_owned(), 1, NAME_PAGE),
                        ("b.bench.example".to_owned(), 1, NAME_PAGE),
                    ],
                    whole: Vec::new(),
                    batches: 1,
                },
            ),
            (
                REV6.to_owned(),
                ZoneTraffic {
                    by_name: Vec::new(),
                    whole: vec![(1, ZONE_PAGE)],
                    batches: 1,
                },
            ),
        ]);
        let traffic = Traffic {
            lists: 3,
            batches: 2,
            posts: 0,
            by_route: BTreeMap::from([(LIST.to_owned(), 3), (BATCH.to_owned(), 2)]),
            zones,
            largest: (0, 2),
        };
        let counts = vec![
            count(DOMAIN, "names", 2, 1, None),
            count(REV6, "zone", 1, 1, Some(2)),
        ];
        (traffic, counts, before, recs)
    }

    #[test]
    fn a_run_as_reported_and_as_its_ways_cost_passes() {
        let (traffic, counts, before, recs) = run();
        traffic
            .check_counts("t", &counts, &before, &recs, &|_| 1)
            .unwrap();
    }

    #[test]
    fn counts_that_differ_from_the_fake_or_from_the_way_fail() {
        let (traffic, counts, before, recs) = run();
        // No write reported where a batch went.
        assert!(traffic
            .check_counts("t", &counts, &before, &recs, &|_| 0)
            .is_err());
        // A zone read whole that reports another size.
        let mut wrong = counts.clone();
        wrong[1].zone_records = Some(3);
        assert!(traffic
            .check_counts("t", &wrong, &before, &recs, &|_| 1)
            .is_err());
        // A zone reported read whole, listed by name.
        let mut wrong = counts.clone();
        wrong[0].read = "zone".to_owned();
        wrong[0].read_requests = 2;
        assert!(traffic
            .check_counts("t", &wrong, &before, &recs, &|_| 1)
            .is_err());
        // A name listed twice, and one of the VM's never.
        let mut twice = traffic.clone();
        if let Some(fwd) = twice.zones.get_mut(DOMAIN) {
            fwd.by_name[1].0 = "a.bench.example".to_owned();
        }
        assert!(twice
            .check_counts("t", &counts, &before, &recs, &|_| 1)
            .is_err());
        // An unfiltered listing beside the names.
        let mut both = traffic.clone();
        both.lists += 1;
        if let Some(fwd) = both.zones.get_mut(DOMAIN) {
            fwd.whole.push((1, ZONE_PAGE));
        }
        let mut reported = counts.clone();
        reported[0].read_requests = 3;
        assert!(both
            .check_counts("t", &reported, &before, &recs, &|_| 1)
            .is_err());
    }

    #[test]
    fn a_name_of_more_records_than_a_page_takes_more_listings() {
        let held: Vec<Record> = (0..150).map(|_| rec(DOMAIN, "a.bench.example")).collect();
        let recs = vec![rec(DOMAIN, "a.bench.example")];
        let c = count(DOMAIN, "names", 2, 0, None);
        assert_eq!(read_cost(&c, &held, &recs), Ok(2));
        let t = ZoneTraffic {
            by_name: vec![
                ("a.bench.example".to_owned(), 1, NAME_PAGE),
                ("a.bench.example".to_owned(), 2, NAME_PAGE),
            ],
            ..ZoneTraffic::default()
        };
        assert!(way_shows(&c, &t, &held, &recs).is_ok());
        assert!(way_shows(&c, &t, &[], &recs).is_err());
    }
}
