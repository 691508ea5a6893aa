//! The promises every provider keeps, run against each one's real server or
//! fake (like libdns's libdnstest): a create is read back, a second resync
//! changes nothing, only the VM's own records are touched, a delete and an
//! update leave the records of others, a plan writes nothing, the zone's TTL
//! is written, a wrong credential fails its zone alone in the provider's own
//! words, and no credential shows in any output.
//!
//! A new provider joins by implementing [`Server`] and one `conformance!`
//! line.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashMap;

use puq_dns_core::check::test_zone;
use puq_dns_core::sync::{Action, JobKind, SyncReport};
use puq_dns_core::{Array, Value, Vm, Zone, ZoneSet};
use serde_json::Value as Json;
use support::dns::{Daemon, DnsServer};
use support::{summary, sync, vm, zones};

const FWD: &str = "puqcloud.com";
const REV4: &str = "2.0.192.in-addr.arpa";
const REV6: &str = "8.b.d.0.1.0.0.2.ip6.arpa";
const FQDN: &str = "vm1.puqcloud.com";
const PTR4: &str = "7.2.0.192.in-addr.arpa";
const PTR6: &str = "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";

/// A DNS backend as the suite sees it: zones made at the start, records put
/// there by another tool, and what a zone holds read back, all without the
/// code under test.
trait Server: Sized {
    /// A server holding `zones`, empty but for what every zone has.
    async fn start(zones: &[&str]) -> Self;
    /// A zone row that may write the zone.
    fn row(&self, id: i64, zone: &str) -> Array;
    /// The row with a credential the server does not accept.
    fn with_wrong_credential(&self, row: Array) -> Array;
    /// The error the provider gives for it, as a report shows it.
    const WRONG_CREDENTIAL: &'static str;
    /// What a zone test of a fresh zone says.
    fn found(&self, zone: &str) -> String;
    /// Puts a record as an admin or another tool would.
    async fn put(&self, zone: &str, name: &str, rrtype: &str, content: &str);
    /// The contents at a name and type, normalised (no trailing dot), sorted,
    /// with the set's TTL.
    async fn get(&self, zone: &str, name: &str, rrtype: &str) -> (Vec<String>, Option<u32>);
    /// Every credential it was given.
    fn secrets(&self) -> Vec<String>;
}

fn normal(content: &str) -> String {
    content.trim_end_matches('.').to_ascii_lowercase()
}

fn the_vm(name: &str, ips: &[&str]) -> Vm {
    vm(1, name, ips.iter().map(|ip| Value::from(*ip)).collect())
}

fn standard<S: Server>(server: &S) -> ZoneSet {
    zones(vec![
        Value::Array(server.row(1, FWD)),
        Value::Array(server.row(2, REV4)),
        Value::Array(server.row(3, REV6)),
    ])
}

async fn start<S: Server>() -> S {
    S::start(&[FWD, REV4, REV6]).await
}

/// The report, after checking that no credential is in it.
fn no_secret<S: Server>(server: &S, report: SyncReport) -> SyncReport {
    let shown = format!("{:?} {:?}", report.to_value(), report.operations);
    for secret in server.secrets() {
        assert!(
            !shown.contains(&secret),
            "a credential is in the report: {shown}"
        );
    }
    report
}

async fn contents<S: Server>(s: &S, zone: &str, name: &str, rrtype: &str) -> Vec<String> {
    s.get(zone, name, rrtype).await.0
}

async fn create_is_read_back_and_a_second_resync_keeps_it<S: Server>() {
    let s = start::<S>().await;
    let zones = standard(&s);
    let vm = the_vm("vm1", &["192.0.2.7", "2001:db8::7"]);
    let report = no_secret(&s, sync(&zones, &vm, JobKind::Create).await);
    assert_eq!(
        summary(&report),
        [
            format!("create ok A {FQDN} 192.0.2.7"),
            format!("create ok AAAA {FQDN} 2001:db8::7"),
            format!("create ok PTR {PTR4} {FQDN}"),
            format!("create ok PTR {PTR6} {FQDN}"),
        ]
    );
    assert_eq!(contents(&s, FWD, FQDN, "A").await, ["192.0.2.7"]);
    assert_eq!(contents(&s, FWD, FQDN, "AAAA").await, ["2001:db8::7"]);
    assert_eq!(contents(&s, REV4, PTR4, "PTR").await, [FQDN]);
    assert_eq!(contents(&s, REV6, PTR6, "PTR").await, [FQDN]);

    let again = no_secret(&s, sync(&zones, &vm, JobKind::Resync).await);
    assert_eq!(
        summary(&again),
        [
            format!("keep ok A {FQDN} 192.0.2.7"),
            format!("keep ok AAAA {FQDN} 2001:db8::7"),
            format!("keep ok PTR {PTR4} {FQDN}"),
            format!("keep ok PTR {PTR6} {FQDN}"),
        ]
    );
}

async fn only_the_vms_records_are_touched<S: Server>() {
    let s = start::<S>().await;
    let zones = standard(&s);
    let other = format!("other.{FWD}");
    let other_ptr = format!("9.{REV4}");
    s.put(FWD, &other, "A", "192.0.2.99").await;
    s.put(REV4, &other_ptr, "PTR", "mail.example.net.").await;
    // A stale address at the VM's name: a resync replaces it.
    s.put(FWD, FQDN, "A", "198.51.100.1").await;

    let vm = the_vm("vm1", &["192.0.2.7"]);
    let report = no_secret(&s, sync(&zones, &vm, JobKind::Resync).await);
    assert_eq!(
        summary(&report),
        [
            format!("create ok A {FQDN} 192.0.2.7"),
            format!("delete ok A {FQDN} 198.51.100.1"),
            format!("create ok PTR {PTR4} {FQDN}"),
        ]
    );
    assert_eq!(contents(&s, FWD, FQDN, "A").await, ["192.0.2.7"]);

    let gone = no_secret(&s, sync(&zones, &vm, JobKind::Delete).await);
    assert!(gone.ok(), "{:?}", summary(&gone));
    assert!(contents(&s, FWD, FQDN, "A").await.is_empty());
    assert!(contents(&s, REV4, PTR4, "PTR").await.is_empty());
    assert_eq!(contents(&s, FWD, &other, "A").await, ["192.0.2.99"]);
    assert_eq!(
        contents(&s, REV4, &other_ptr, "PTR").await,
        ["mail.example.net"]
    );
}

async fn a_delete_leaves_a_ptr_that_names_another_host<S: Server>() {
    let s = start::<S>().await;
    let zones = standard(&s);
    s.put(REV4, PTR4, "PTR", "someone.example.net.").await;
    let vm = the_vm("vm1", &["192.0.2.7"]);
    let report = no_secret(&s, sync(&zones, &vm, JobKind::Delete).await);
    assert!(report.ok(), "{:?}", summary(&report));
    assert_eq!(
        contents(&s, REV4, PTR4, "PTR").await,
        ["someone.example.net"]
    );
}

async fn an_update_to_a_new_name_and_address_moves_the_records<S: Server>() {
    let s = start::<S>().await;
    let zones = standard(&s);
    let old = the_vm("vm1", &["192.0.2.7"]);
    sync(&zones, &old, JobKind::Create).await;
    let new = the_vm("vm2", &["192.0.2.8"]);
    let report = no_secret(&s, sync(&zones, &new, JobKind::Update { old: &old }).await);
    assert!(report.ok(), "{:?}", report.operations);
    let new_fqdn = format!("vm2.{FWD}");
    assert!(contents(&s, FWD, FQDN, "A").await.is_empty());
    assert_eq!(contents(&s, FWD, &new_fqdn, "A").await, ["192.0.2.8"]);
    assert!(contents(&s, REV4, PTR4, "PTR").await.is_empty());
    assert_eq!(
        contents(&s, REV4, &format!("8.{REV4}"), "PTR").await,
        [new_fqdn]
    );
}

async fn a_plan_reads_and_writes_nothing<S: Server>() {
    let s = start::<S>().await;
    let zones = standard(&s);
    s.put(FWD, FQDN, "A", "198.51.100.1").await;
    let vm = the_vm("vm1", &["192.0.2.7"]);
    let report = no_secret(&s, sync(&zones, &vm, JobKind::Plan(Action::Resync)).await);
    assert_eq!(report.action, "plan");
    assert_eq!(
        summary(&report),
        [
            format!("create ok A {FQDN} 192.0.2.7"),
            format!("delete ok A {FQDN} 198.51.100.1"),
            format!("create ok PTR {PTR4} {FQDN}"),
        ]
    );
    assert_eq!(contents(&s, FWD, FQDN, "A").await, ["198.51.100.1"]);
    assert!(contents(&s, REV4, PTR4, "PTR").await.is_empty());
}

async fn the_zones_ttl_is_written<S: Server>() {
    let s = start::<S>().await;
    let zones = zones(vec![
        Value::Array(s.row(1, FWD).with("ttl", 600i64)),
        Value::Array(s.row(2, REV4).with("ttl", 7200i64)),
    ]);
    let report = no_secret(
        &s,
        sync(&zones, &the_vm("vm1", &["192.0.2.7"]), JobKind::Create).await,
    );
    assert!(report.ok(), "{:?}", summary(&report));
    assert_eq!(s.get(FWD, FQDN, "A").await.1, Some(600));
    assert_eq!(s.get(REV4, PTR4, "PTR").await.1, Some(7200));
}

async fn a_wrong_credential_fails_its_zone_alone_in_the_providers_words<S: Server>() {
    let s = start::<S>().await;
    let zones = zones(vec![
        Value::Array(s.row(1, FWD)),
        Value::Array(s.with_wrong_credential(s.row(2, REV4))),
    ]);
    let report = no_secret(
        &s,
        sync(&zones, &the_vm("vm1", &["192.0.2.7"]), JobKind::Create).await,
    );
    let errors: Vec<(String, Option<String>)> = report
        .operations
        .iter()
        .map(|op| (op.rrtype.to_string(), op.error.clone()))
        .collect();
    assert_eq!(
        errors,
        [
            ("A".to_owned(), None),
            ("PTR".to_owned(), Some(S::WRONG_CREDENTIAL.to_owned())),
        ]
    );
    assert_eq!(contents(&s, FWD, FQDN, "A").await, ["192.0.2.7"]);
    assert!(contents(&s, REV4, PTR4, "PTR").await.is_empty());
}

async fn a_zone_test_says_what_it_found_or_what_is_wrong<S: Server>() {
    let s = start::<S>().await;
    let zone = |row: Array| Zone::from_row(&Value::Array(row), None).unwrap();
    let options = support::options();
    let ok = test_zone(&zone(s.row(1, FWD)), &options).await;
    assert_eq!(ok.get("message"), Some(&Value::from(s.found(FWD))));
    assert_eq!(ok.get("ok"), Some(&Value::Bool(true)));
    let bad = test_zone(&zone(s.with_wrong_credential(s.row(1, FWD))), &options).await;
    assert_eq!(bad.get("ok"), Some(&Value::Bool(false)));
    assert_eq!(bad.get("message"), Some(&Value::from(S::WRONG_CREDENTIAL)));
    let shown = format!("{ok:?} {bad:?}");
    for secret in s.secrets() {
        assert!(!shown.contains(&secret), "{shown}");
    }
}

macro_rules! conformance {
    ($provider:ident, $server:ty) => {
        mod $provider {
            use super::*;

            #[tokio::test]
            async fn create_is_read_back_and_a_second_resync_keeps_it() {
                super::create_is_read_back_and_a_second_resync_keeps_it::<$server>().await
            }
            #[tokio::test]
            async fn only_the_vms_records_are_touched() {
                super::only_the_vms_records_are_touched::<$server>().await
            }
            #[tokio::test]
            async fn a_delete_leaves_a_ptr_that_names_another_host() {
                super::a_delete_leaves_a_ptr_that_names_another_host::<$server>().await
            }
            #[tokio::test]
            async fn an_update_to_a_new_name_and_address_moves_the_records() {
                super::an_update_to_a_new_name_and_address_moves_the_records::<$server>().await
            }
            #[tokio::test]
            async fn a_plan_reads_and_writes_nothing() {
                super::a_plan_reads_and_writes_nothing::<$server>().await
            }
            #[tokio::test]
            async fn the_zones_ttl_is_written() {
                super::the_zones_ttl_is_written::<$server>().await
            }
            #[tokio::test]
            async fn a_wrong_credential_fails_its_zone_alone_in_the_providers_words() {
                super::a_wrong_credential_fails_its_zone_alone_in_the_providers_words::<$server>()
                    .await
            }
            #[tokio::test]
            async fn a_zone_test_says_what_it_found_or_what_is_wrong() {
                super::a_zone_test_says_what_it_found_or_what_is_wrong::<$server>().await
            }
        }
    };
}

conformance!(powerdns, PowerDnsServer);
conformance!(cloudflare, CloudflareServer);
conformance!(hestiacp, HestiaServer);
conformance!(bind, BindServer);
conformance!(knot, KnotServer);

// ------------------------------------------------------------- the servers

struct PowerDnsServer(support::PowerDns);

impl Server for PowerDnsServer {
    async fn start(zones: &[&str]) -> Self {
        let pdns = support::PowerDns::start();
        for zone in zones {
            pdns.create_zone(zone).await;
        }
        Self(pdns)
    }
    fn row(&self, id: i64, zone: &str) -> Array {
        match self.0.row(id, zone) {
            Value::Array(row) => row,
            other => panic!("{other:?}"),
        }
    }
    fn with_wrong_credential(&self, row: Array) -> Array {
        row.with("api_key", "not-the-api-key")
    }
    const WRONG_CREDENTIAL: &'static str = "HTTP 401: Unauthorized";
    fn found(&self, zone: &str) -> String {
        format!("zone {zone}. found on PowerDNS server localhost (Native)")
    }
    async fn put(&self, zone: &str, name: &str, rrtype: &str, content: &str) {
        let mut all: Vec<String> = self.0.get(zone, name, rrtype).await;
        all.push(content.to_owned());
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        self.0.put(zone, name, rrtype, &all).await;
    }
    async fn get(&self, zone: &str, name: &str, rrtype: &str) -> (Vec<String>, Option<u32>) {
        let contents = self
            .0
            .get(zone, name, rrtype)
            .await
            .iter()
            .map(|c| normal(c))
            .collect();
        let ttl = self.0.all(zone).await.iter().find_map(|line| {
            let f: Vec<&str> = line.split(' ').collect();
            (f.first() == Some(&format!("{name}.").as_str()) && f.get(1) == Some(&rrtype))
                .then(|| f.get(2)?.parse().ok())
                .flatten()
        });
        (contents, ttl)
    }
    fn secrets(&self) -> Vec<String> {
        vec![self.0.key.clone()]
    }
}

struct CloudflareServer {
    cf: support::cloudflare::FakeCloudflare,
    ids: HashMap<String, String>,
}

impl Server for CloudflareServer {
    async fn start(zones: &[&str]) -> Self {
        let cf = support::cloudflare::FakeCloudflare::start();
        let mut ids = HashMap::new();
        for zone in zones {
            ids.insert((*zone).to_owned(), cf.zone(zone).await);
        }
        Self { cf, ids }
    }
    fn row(&self, id: i64, zone: &str) -> Array {
        match self.cf.row(id, zone, &self.ids[zone]) {
            Value::Array(row) => row,
            other => panic!("{other:?}"),
        }
    }
    fn with_wrong_credential(&self, row: Array) -> Array {
        row.with("api_token", "not-a-token")
    }
    const WRONG_CREDENTIAL: &'static str = "HTTP 403: 9109 Invalid access token";
    fn found(&self, zone: &str) -> String {
        format!("zone {zone} found on Cloudflare (active)")
    }
    async fn put(&self, zone: &str, name: &str, rrtype: &str, content: &str) {
        self.cf
            .seed(&self.ids[zone], rrtype, name, content.trim_end_matches('.'))
            .await;
    }
    async fn get(&self, zone: &str, name: &str, rrtype: &str) -> (Vec<String>, Option<u32>) {
        let all = self
            .cf
            .get(&format!("/zones/{}/records", self.ids[zone]))
            .await;
        let records: Vec<&Json> = all
            .as_array()
            .or_else(|| all["result"].as_array())
            .into_iter()
            .flatten()
            .filter(|r| r["name"] == name && r["type"] == rrtype)
            .collect();
        let mut contents: Vec<String> = records
            .iter()
            .filter_map(|r| r["content"].as_str())
            .map(normal)
            .collect();
        contents.sort();
        let ttl = records
            .first()
            .and_then(|r| r["ttl"].as_u64())
            .map(|t| t as u32);
        (contents, ttl)
    }
    fn secrets(&self) -> Vec<String> {
        vec![support::cloudflare::TOKEN.to_owned()]
    }
}

struct HestiaServer(support::hestia::FakeHestia);

/// A name relative to its HestiaCP domain, as HestiaCP keeps it.
fn relative(zone: &str, name: &str) -> String {
    match name.strip_suffix(&format!(".{zone}")) {
        Some(rest) => rest.to_owned(),
        None => "@".to_owned(),
    }
}

impl Server for HestiaServer {
    async fn start(zones: &[&str]) -> Self {
        let hestia = support::hestia::FakeHestia::start().await;
        for zone in zones {
            hestia.domain(zone).await;
        }
        Self(hestia)
    }
    fn row(&self, id: i64, zone: &str) -> Array {
        match self.0.row(id, zone) {
            Value::Array(row) => row,
            other => panic!("{other:?}"),
        }
    }
    fn with_wrong_credential(&self, row: Array) -> Array {
        row.with("admin_password", "wrong-password-77")
    }
    const WRONG_CREDENTIAL: &'static str = "E_PASSWORD (9): Error: authentication failed";
    fn found(&self, zone: &str) -> String {
        format!(
            "dns domain {zone} of user {} found on HestiaCP (0 records)",
            support::hestia::USER
        )
    }
    async fn put(&self, zone: &str, name: &str, rrtype: &str, content: &str) {
        self.0
            .seed(zone, &relative(zone, name), rrtype, content)
            .await;
    }
    async fn get(&self, zone: &str, name: &str, rrtype: &str) -> (Vec<String>, Option<u32>) {
        let all = self
            .0
            .get(&format!(
                "/domains/{}/{zone}/records",
                support::hestia::USER
            ))
            .await;
        let record = relative(zone, name);
        let records: Vec<&Json> = all
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["RECORD"] == record.as_str() && r["TYPE"] == rrtype)
            .collect();
        let mut contents: Vec<String> = records
            .iter()
            .filter_map(|r| r["VALUE"].as_str())
            .map(normal)
            .collect();
        contents.sort();
        let ttl = records.first().and_then(|r| {
            r["TTL"]
                .as_str()
                .and_then(|t| t.parse().ok())
                .or(r["TTL"].as_u64().map(|t| t as u32))
        });
        (contents, ttl)
    }
    fn secrets(&self) -> Vec<String> {
        vec![support::hestia::PASSWORD.to_owned()]
    }
}

/// A BIND 9 or Knot DNS server.
struct Rfc2136<const KNOT: bool>(DnsServer);

type BindServer = Rfc2136<false>;
type KnotServer = Rfc2136<true>;

impl<const KNOT: bool> Server for Rfc2136<KNOT> {
    async fn start(zones: &[&str]) -> Self {
        Self(DnsServer::start(
            if KNOT { Daemon::Knot } else { Daemon::Bind },
            zones,
        ))
    }
    fn row(&self, id: i64, zone: &str) -> Array {
        self.0.row(id, zone)
    }
    fn with_wrong_credential(&self, row: Array) -> Array {
        row.with(
            "tsig_secret",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
    }
    const WRONG_CREDENTIAL: &'static str = "NOTAUTH (BADSIG): the signature does not verify with the server's secret of puq-dns-sha256. (hmac-sha256): check tsig_secret";
    fn found(&self, zone: &str) -> String {
        format!(
            "zone {zone}. (serial 1) found on {}, which takes updates signed with puq-dns-sha256. (hmac-sha256)",
            self.0.server()
        )
    }
    async fn put(&self, zone: &str, name: &str, rrtype: &str, content: &str) {
        self.0.put(zone, name, 600, rrtype, content);
    }
    async fn get(&self, _zone: &str, name: &str, rrtype: &str) -> (Vec<String>, Option<u32>) {
        let contents = self
            .0
            .answer(name, rrtype)
            .iter()
            .map(|c| normal(c))
            .collect();
        (contents, self.0.ttl(name, rrtype))
    }
    fn secrets(&self) -> Vec<String> {
        self.0.keys.iter().map(|k| k.secret.clone()).collect()
    }
}
