//! The fake Cloudflare API (tests/fakes/cloudflare.py) as a subprocess on
//! a free port of 127.0.0.1, and its control API: zones, seeded records,
//! faults (its `latency_ms` stands in for the real API's round trip),
//! request stats and the request log.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use puq_dns_core::{Array, Value, ZoneSet};
use serde_json::{json, Value as Json};

use crate::scenario::{fillers, Record};
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
        Ok(Stats { by_route, batches })
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

/// What one run sent, by route; exactly what it must send, or an error.
#[derive(Clone, Debug, Default)]
pub struct Traffic {
    pub lists: u64,
    pub batches: u64,
    pub posts: u64,
    /// Largest (deletes, posts) of one batch.
    pub largest: (usize, usize),
}

impl Traffic {
    pub fn total(&self) -> u64 {
        self.lists + self.batches + self.posts
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

    /// What the fake counted since its stats were reset, which must be
    /// `expect` by route; every listing in its log must have a name filter.
    pub async fn of(fake: &mut Fake, what: &str, expect: &BTreeMap<&str, u64>) -> Res<Traffic> {
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
