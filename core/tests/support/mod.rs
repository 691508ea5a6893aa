//! A private PowerDNS server per test, and helpers to set up and inspect it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use puq_dns_core::sync::{run, Job, JobKind, SyncOptions, SyncReport};
use puq_dns_core::{Array, Value, Vm, ZoneSet};
use serde_json::json;

pub mod cloudflare;
pub mod dns;
pub mod fake_dns;
pub mod faults;
pub mod hestia;

static NEXT: AtomicUsize = AtomicUsize::new(0);

pub struct PowerDns {
    dir: PathBuf,
    pub url: String,
    pub key: String,
    pub dns_port: u16,
    http: reqwest::Client,
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/pdns/server.sh")
}

impl PowerDns {
    /// Starts a server with a fresh sqlite database; stopped when dropped.
    pub fn start() -> PowerDns {
        Self::start_on("sqlite")
    }

    /// Starts a server on `backend` (`sqlite`, or `mysql`: gmysql on a
    /// private MariaDB), fresh; stopped when dropped.
    pub fn start_on(backend: &str) -> PowerDns {
        let dir = std::env::temp_dir().join(format!(
            "puq-dns-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let out = Command::new(script())
            .arg("start")
            .arg(&dir)
            .arg(backend)
            .output()
            .expect("run tests/pdns/server.sh");
        assert!(
            out.status.success(),
            "PowerDNS did not start (is pdns-server installed? run build/deps.sh):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let vars = String::from_utf8_lossy(&out.stdout).into_owned();
        let var = |name: &str| {
            vars.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("{name} missing in {vars}"))
                .to_owned()
        };
        PowerDns {
            dir,
            url: var("PDNS_API_URL"),
            key: var("PDNS_API_KEY"),
            dns_port: var("PDNS_DNS_PORT").parse().expect("port"),
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
        }
    }

    fn zones_url(&self) -> String {
        format!("{}/api/v1/servers/localhost/zones", self.url)
    }

    fn zone_url(&self, zone: &str) -> String {
        let id: String = format!("{zone}.")
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b == b'.' || b == b'-' {
                    char::from(b).to_string()
                } else {
                    format!("={b:02X}")
                }
            })
            .collect();
        format!("{}/{id}", self.zones_url())
    }

    pub async fn create_zone(&self, zone: &str) {
        let response = self
            .http
            .post(self.zones_url())
            .header("X-API-Key", &self.key)
            .json(&json!({ "name": format!("{zone}."), "kind": "Native", "nameservers": ["ns1.example.net."] }))
            .send()
            .await
            .expect("create zone");
        assert_eq!(
            response.status().as_u16(),
            201,
            "{}",
            response.text().await.unwrap_or_default()
        );
    }

    /// Sets a record set directly, as an admin or another tool would.
    pub async fn put(&self, zone: &str, name: &str, rrtype: &str, contents: &[&str]) {
        let records: Vec<_> = contents
            .iter()
            .map(|c| json!({ "content": c, "disabled": false }))
            .collect();
        let response = self
            .http
            .patch(self.zone_url(zone))
            .header("X-API-Key", &self.key)
            .json(&json!({ "rrsets": [{ "name": format!("{name}."), "type": rrtype, "ttl": 600, "changetype": "REPLACE", "records": records }] }))
            .send()
            .await
            .expect("patch");
        assert_eq!(
            response.status().as_u16(),
            204,
            "{}",
            response.text().await.unwrap_or_default()
        );
    }

    /// Many sets of one record each in one PATCH: `(name, type, content)`.
    pub async fn put_many(&self, zone: &str, sets: &[(String, &str, String)]) {
        let rrsets: Vec<_> = sets
            .iter()
            .map(|(name, rrtype, content)| json!({ "name": format!("{name}."), "type": rrtype, "ttl": 600, "changetype": "REPLACE", "records": [{ "content": content, "disabled": false }] }))
            .collect();
        let response = self
            .http
            .patch(self.zone_url(zone))
            .header("X-API-Key", &self.key)
            .json(&json!({ "rrsets": rrsets }))
            .send()
            .await
            .expect("patch");
        assert_eq!(response.status().as_u16(), 204);
    }

    async fn zone_doc(&self, zone: &str) -> serde_json::Value {
        self.http
            .get(self.zone_url(zone))
            .header("X-API-Key", &self.key)
            .send()
            .await
            .expect("get zone")
            .json()
            .await
            .expect("zone json")
    }

    /// Contents at a name and type, sorted, as the API returns them.
    pub async fn get(&self, zone: &str, name: &str, rrtype: &str) -> Vec<String> {
        let doc = self.zone_doc(zone).await;
        let mut contents: Vec<String> = doc["rrsets"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["name"] == format!("{name}.") && r["type"] == rrtype)
            .flat_map(|r| r["records"].as_array().cloned().unwrap_or_default())
            .filter_map(|r| r["content"].as_str().map(str::to_owned))
            .collect();
        contents.sort();
        contents
    }

    /// Every (name, type) in the zone, sorted, to check nothing else changed.
    pub async fn all(&self, zone: &str) -> Vec<String> {
        let doc = self.zone_doc(zone).await;
        let mut all: Vec<String> = doc["rrsets"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| {
                let head = format!(
                    "{} {} {}",
                    r["name"].as_str().unwrap_or(""),
                    r["type"].as_str().unwrap_or(""),
                    r["ttl"]
                );
                r["records"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |rec| format!("{head} {}", rec["content"].as_str().unwrap_or("")))
            })
            .collect();
        all.sort();
        all
    }

    pub async fn serial(&self, zone: &str) -> u64 {
        self.zone_doc(zone).await["serial"]
            .as_u64()
            .expect("serial")
    }

    /// What the server answers over DNS, sorted.
    pub fn dig(&self, name: &str, rrtype: &str) -> Vec<String> {
        let out = Command::new("dig")
            .args([
                "@127.0.0.1",
                "-p",
                &self.dns_port.to_string(),
                "+short",
                "+norecurse",
                "+time=2",
                "+tries=1",
                name,
                rrtype,
            ])
            .output()
            .expect("run dig (dnsutils)");
        let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .filter(|l| !l.is_empty())
            .collect();
        lines.sort();
        lines
    }

    pub fn row(&self, id: i64, zone: &str) -> Value {
        Value::Array(
            Array::new()
                .with("id", id)
                .with("zone", zone)
                .with("type", "PowerDNS")
                .with("server_url", self.url.as_str())
                .with("api_key", self.key.as_str()),
        )
    }
}

impl Drop for PowerDns {
    fn drop(&mut self) {
        let _ = Command::new(script()).arg("stop").arg(&self.dir).status();
    }
}

pub fn zones(rows: Vec<Value>) -> ZoneSet {
    ZoneSet::from_rows(&Value::Array(Array::list(rows))).expect("zones")
}

pub fn vm(id: i64, name: &str, ips: Vec<Value>) -> Vm {
    Vm::from_value(&Value::Array(
        Array::new()
            .with("id", id)
            .with("name", name)
            .with("domain", "puqcloud.com")
            .with("ips", Array::list(ips)),
    ))
    .expect("vm")
}

pub fn options() -> SyncOptions {
    SyncOptions {
        retries: 2,
        timeout: std::time::Duration::from_secs(5),
        connect_timeout: std::time::Duration::from_secs(2),
        ..SyncOptions::default()
    }
}

pub async fn sync(zones: &ZoneSet, vm: &Vm, kind: JobKind<'_>) -> SyncReport {
    sync_with(zones, vm, kind, &options()).await
}

pub async fn sync_with(
    zones: &ZoneSet,
    vm: &Vm,
    kind: JobKind<'_>,
    options: &SyncOptions,
) -> SyncReport {
    let mut reports = run(zones, &[Job { vm, kind }], options, &mut |_, _| {}).await;
    reports.pop().expect("one report")
}

/// A fake's control API: POST a JSON body; a body that is not JSON reads
/// as null.
pub async fn control_post(
    http: &reqwest::Client,
    url: String,
    body: serde_json::Value,
) -> serde_json::Value {
    http.post(url)
        .json(&body)
        .send()
        .await
        .expect("control call")
        .json()
        .await
        .unwrap_or(serde_json::Value::Null)
}

/// A fake's control API: GET, answered in JSON.
pub async fn control_get(http: &reqwest::Client, url: String) -> serde_json::Value {
    http.get(url)
        .send()
        .await
        .expect("control call")
        .json()
        .await
        .expect("json")
}

/// One `resyncMany`: every VM resynced in one run.
pub async fn resync_all(zones: &ZoneSet, vms: &[Vm], options: &SyncOptions) -> Vec<SyncReport> {
    let jobs: Vec<Job<'_>> = vms
        .iter()
        .map(|vm| Job {
            vm,
            kind: JobKind::Resync,
        })
        .collect();
    run(zones, &jobs, options, &mut |_, _| {}).await
}

/// `op status name content` per operation, for exact comparisons.
pub fn summary(report: &SyncReport) -> Vec<String> {
    report
        .operations
        .iter()
        .map(|op| {
            format!(
                "{} {} {} {} {}",
                op.step.as_str(),
                if op.ok() { "ok" } else { "error" },
                op.rrtype.as_str(),
                op.name,
                op.content
            )
        })
        .collect()
}

/// The reverse name of 2001:db8::`suffix` (hex), as the core computes it.
pub fn ptr6_of(suffix: u16) -> String {
    puq_dns_core::zone_set::reverse_name_of(&format!("2001:db8::{suffix:x}"))
        .expect("an IPv6 address")
        .to_string()
}

/// Per zone: name, how it was read, read and write requests, records.
pub fn zone_stats(report: &SyncReport) -> Vec<(String, &'static str, u32, u32, Option<u64>)> {
    report
        .zones
        .iter()
        .map(|z| {
            (
                z.zone.name.clone(),
                z.read.as_str(),
                z.read_requests,
                z.write_requests,
                z.zone_records,
            )
        })
        .collect()
}
