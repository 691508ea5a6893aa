//! The fault matrix: for each provider, a zone whose server misbehaves in
//! one way sits next to a healthy zone of the same provider, and every
//! action (create, resync, delete) must return within its time bound, fail
//! the faulty zone's operations with a readable error that holds no
//! credential, write the healthy zone, and touch nothing else there.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use puq_dns_core::sync::{JobKind, SyncOptions};
use puq_dns_core::{Array, Value};
use support::cloudflare::FakeCloudflare;
use support::faults::{Fault, FaultServer};
use support::hestia::FakeHestia;
use support::{sync_with, vm, zones, PowerDns};

const FQDN: &str = "vm1.puqcloud.com";
/// A credential with characters that change when form- or URL-encoded.
const SECRET: &str = "Sekr3t/+= x&y";
const HEADER_SECRET: &str = "Sekr3t-token_4f9a";

#[derive(Clone, Copy, Debug)]
enum Kind {
    PowerDns,
    Cloudflare,
    Hestia,
}

/// A healthy forward zone of one provider, with another record in it that
/// must survive everything.
enum Healthy {
    PowerDns(PowerDns),
    Cloudflare(FakeCloudflare, String),
    Hestia(FakeHestia),
}

impl Healthy {
    async fn start(kind: Kind) -> Healthy {
        match kind {
            Kind::PowerDns => {
                let pdns = PowerDns::start();
                pdns.create_zone("puqcloud.com").await;
                pdns.put("puqcloud.com", "www.puqcloud.com", "A", &["198.51.100.1"])
                    .await;
                Healthy::PowerDns(pdns)
            }
            Kind::Cloudflare => {
                let cf = FakeCloudflare::start();
                let id = cf.zone("puqcloud.com").await;
                cf.seed(&id, "A", "www.puqcloud.com", "198.51.100.1").await;
                Healthy::Cloudflare(cf, id)
            }
            Kind::Hestia => {
                let hestia = FakeHestia::start().await;
                hestia.domain("puqcloud.com").await;
                hestia
                    .seed("puqcloud.com", "www", "A", "198.51.100.1")
                    .await;
                Healthy::Hestia(hestia)
            }
        }
    }

    fn row(&self) -> Value {
        match self {
            Healthy::PowerDns(pdns) => pdns.row(1, "puqcloud.com"),
            Healthy::Cloudflare(cf, id) => cf.row(1, "puqcloud.com", id),
            Healthy::Hestia(hestia) => hestia.row(1, "puqcloud.com"),
        }
    }

    /// `name A content` of every A record in the zone, sorted.
    async fn a_records(&self) -> Vec<String> {
        let mut found = Vec::new();
        for name in ["www.puqcloud.com", FQDN] {
            let contents: Vec<String> = match self {
                Healthy::PowerDns(pdns) => pdns.get("puqcloud.com", name, "A").await,
                Healthy::Cloudflare(cf, id) => cf
                    .records(id, name)
                    .await
                    .into_iter()
                    .filter_map(|r| r.strip_prefix("A ").map(str::to_owned))
                    .collect(),
                Healthy::Hestia(hestia) => {
                    let relative = name.trim_end_matches(".puqcloud.com");
                    hestia
                        .records("puqcloud.com")
                        .await
                        .into_iter()
                        .filter_map(|r| {
                            r.strip_prefix(&format!("{relative} A ")).map(str::to_owned)
                        })
                        .collect()
                }
            };
            found.extend(contents.into_iter().map(|c| format!("{name} A {c}")));
        }
        found.sort();
        found
    }
}

/// The reverse zone's row, of the same provider, at the faulty server.
fn faulty_row(kind: Kind, server: &FaultServer) -> Value {
    let row = Array::new()
        .with("id", 2i64)
        .with("zone", "2.0.192.in-addr.arpa");
    Value::Array(match kind {
        Kind::PowerDns => row
            .with("type", "PowerDNS")
            .with("server_url", server.url())
            .with("api_key", HEADER_SECRET),
        Kind::Cloudflare => row
            .with("type", "Cloudflare")
            .with("account_id", "acc1")
            .with("zone_id", "0123456789abcdef0123456789abcdef")
            .with("api_token", HEADER_SECRET)
            .with("api_url", format!("{}/client/v4", server.url())),
        Kind::Hestia => row
            .with("type", "HestiaCP")
            .with("server_url", server.url())
            .with("admin_user", "admin")
            .with("admin_password", SECRET)
            .with("user", "alice"),
    })
}

/// Every form a credential could be echoed in.
fn leaks(text: &str) -> bool {
    [
        SECRET,
        HEADER_SECRET,
        "Sekr3t%2F%2B%3D+x%26y",
        "Sekr3t%2F%2B%3D%20x%26y",
        "Sekr3t",
    ]
    .iter()
    .any(|secret| text.contains(secret))
}

/// The error each provider reports for each fault, exactly. `{port}` is
/// the faulty server's port, which an echoed request names.
fn expected_error(kind: Kind, fault: Fault) -> &'static str {
    use Fault::*;
    match (kind, fault) {
        (_, Silent | Trickle) => "timed out",
        (_, Hangup) => "the server closed the connection without an answer",
        (_, CutBody) => "the answer broke off: end of file before message length reached",
        (_, Unavailable) => "HTTP 503: 503 Service Temporarily Unavailable",
        (Kind::PowerDns, Html) => "unexpected answer: zone document is not the JSON PowerDNS sends: expected value at line 1 column 1",
        (Kind::PowerDns, BrokenJson) => "unexpected answer: zone document is not the JSON PowerDNS sends: EOF while parsing a value at line 1 column 19",
        (Kind::PowerDns, FalseSuccess) => "unexpected answer: zone document is not the JSON PowerDNS sends: missing field `name` at line 1 column 64",
        (Kind::PowerDns, Echo) => "HTTP 400: GET /api/v1/servers/localhost/zones/2.0.192.in-addr.arpa.?rrset_name=7.2.0.192.in-addr.arpa. HTTP/1.1 x-api-key: *** accept: application/json user-agent: puq_dns/0.1.0 host: 127.0.0.1:{port}",
        (Kind::Cloudflare, Html) => "unexpected answer: HTTP 200: not the JSON envelope Cloudflare sends (expected value at line 1 column 1)",
        (Kind::Cloudflare, BrokenJson) => "unexpected answer: HTTP 200: not the JSON envelope Cloudflare sends (EOF while parsing a value at line 1 column 19)",
        (Kind::Cloudflare, FalseSuccess) => "HTTP 200: success is false and no error was given",
        (Kind::Cloudflare, Echo) => "HTTP 400: GET /client/v4/zones/0123456789abcdef0123456789abcdef/dns_records?name=7.2.0.192.in-addr.arpa&per_page=100&page=1 HTTP/1.1 authorization: Bearer *** accept: application/json user-agent: puq_dns/0.1.0 host: 127.0.0.1:{port}",
        (Kind::Hestia, Html) => "unexpected answer: v-list-dns-records did not answer the JSON Hestia sends: expected value at line 1 column 1",
        (Kind::Hestia, BrokenJson) => "unexpected answer: v-list-dns-records did not answer the JSON Hestia sends: invalid type: map, expected a string at line 1 column 12",
        (Kind::Hestia, FalseSuccess) => "unexpected answer: v-list-dns-records did not answer the JSON Hestia sends: invalid type: boolean `false`, expected struct RecordDoc at line 1 column 17",
        (Kind::Hestia, Echo) => "HTTP 400: POST /api/ HTTP/1.1",
    }
}

async fn matrix_cell(kind: Kind, fault: Fault) {
    let healthy = Healthy::start(kind).await;
    let server = FaultServer::start(fault).await;
    let zones = zones(vec![healthy.row(), faulty_row(kind, &server)]);
    let options = SyncOptions {
        timeout: Duration::from_millis(800),
        connect_timeout: Duration::from_millis(800),
        retries: 1,
        ..support::options()
    };
    // Two tries of 0.8 s and one backoff of at most 0.3 s, with room for a
    // loaded machine.
    let bound = Duration::from_millis(2 * 800 + 300 + 1500);
    let the_vm = vm(1, "vm1", vec![Value::from("192.0.2.7")]);

    for (kind_of_call, expected_a) in [
        (JobKind::Create, vec![format!("{FQDN} A 192.0.2.7")]),
        (JobKind::Resync, vec![format!("{FQDN} A 192.0.2.7")]),
        (JobKind::Delete, vec![]),
    ] {
        let label = format!("{kind:?} {fault:?} {kind_of_call:?}");
        let started = Instant::now();
        let report = sync_with(&zones, &the_vm, kind_of_call, &options).await;
        let took = started.elapsed();
        assert!(took < bound, "{label}: took {took:?}");

        let shown = format!("{:?}", report.to_value());
        assert!(!leaks(&shown), "{label}: a credential leaked: {shown}");

        let (forward, reverse): (Vec<_>, Vec<_>) = report
            .operations
            .iter()
            .partition(|op| op.zone.as_ref().is_some_and(|z| z.name == "puqcloud.com"));
        assert!(
            !forward.is_empty() && !reverse.is_empty(),
            "{label}: {shown}"
        );
        for op in &forward {
            assert_eq!(op.error, None, "{label}: the healthy zone failed");
        }
        for op in &reverse {
            let expected = expected_error(kind, fault).replace("{port}", &server.port.to_string());
            assert_eq!(op.error.as_deref(), Some(expected.as_str()), "{label}");
        }
        let mut expected = expected_a;
        expected.push("www.puqcloud.com A 198.51.100.1".to_owned());
        expected.sort();
        assert_eq!(healthy.a_records().await, expected, "{label}");
    }
}

macro_rules! matrix {
    ($($name:ident: $kind:ident $fault:ident;)*) => {
        $(
            #[tokio::test]
            async fn $name() {
                matrix_cell(Kind::$kind, Fault::$fault).await;
            }
        )*
    };
}

matrix! {
    powerdns_silent: PowerDns Silent;
    powerdns_trickle: PowerDns Trickle;
    powerdns_cut_body: PowerDns CutBody;
    powerdns_hangup: PowerDns Hangup;
    powerdns_html: PowerDns Html;
    powerdns_broken_json: PowerDns BrokenJson;
    powerdns_false_success: PowerDns FalseSuccess;
    powerdns_echo: PowerDns Echo;
    powerdns_unavailable: PowerDns Unavailable;
    cloudflare_silent: Cloudflare Silent;
    cloudflare_trickle: Cloudflare Trickle;
    cloudflare_cut_body: Cloudflare CutBody;
    cloudflare_hangup: Cloudflare Hangup;
    cloudflare_html: Cloudflare Html;
    cloudflare_broken_json: Cloudflare BrokenJson;
    cloudflare_false_success: Cloudflare FalseSuccess;
    cloudflare_echo: Cloudflare Echo;
    cloudflare_unavailable: Cloudflare Unavailable;
    hestia_silent: Hestia Silent;
    hestia_trickle: Hestia Trickle;
    hestia_cut_body: Hestia CutBody;
    hestia_hangup: Hestia Hangup;
    hestia_html: Hestia Html;
    hestia_broken_json: Hestia BrokenJson;
    hestia_false_success: Hestia FalseSuccess;
    hestia_echo: Hestia Echo;
    hestia_unavailable: Hestia Unavailable;
}

/// A server that never answers costs one round of tries per call, however
/// many zones it holds and however many requests they need: the first
/// request that gives up marks the server, and the rest fail at once.
#[tokio::test]
async fn a_silent_server_is_given_up_once_per_call() {
    let server = FaultServer::start(Fault::Silent).await;
    let reverse_zones = [
        "2.0.192.in-addr.arpa",
        "100.51.198.in-addr.arpa",
        "113.0.203.in-addr.arpa",
    ];
    let rows = reverse_zones
        .iter()
        .zip(2i64..)
        .map(|(zone, id)| {
            Value::Array(
                Array::new()
                    .with("id", id)
                    .with("zone", *zone)
                    .with("type", "PowerDNS")
                    .with("server_url", server.url())
                    .with("api_key", HEADER_SECRET),
            )
        })
        .collect();
    let zones = zones(rows);
    // One request at a time: without the mark, the three reads would wait
    // out their tries one after the other.
    let options = SyncOptions {
        timeout: Duration::from_millis(800),
        connect_timeout: Duration::from_millis(800),
        retries: 1,
        concurrency: 1,
        ..support::options()
    };
    let the_vm = vm(
        1,
        "vm1",
        ["192.0.2.7", "198.51.100.7", "203.0.113.7"]
            .into_iter()
            .map(Value::from)
            .collect(),
    );

    let started = Instant::now();
    let report = sync_with(&zones, &the_vm, JobKind::Resync, &options).await;
    let took = started.elapsed();

    assert!(
        took < Duration::from_millis(2 * 800 + 300 + 1500),
        "took {took:?}"
    );
    assert_eq!(
        server.connections.load(std::sync::atomic::Ordering::SeqCst),
        2
    );
    let mut outcomes: Vec<(String, u32)> = report
        .operations
        .iter()
        .map(|op| (op.error.clone().unwrap_or_default(), op.attempts))
        .collect();
    outcomes.sort();
    assert_eq!(
        outcomes,
        vec![
            ("timed out".to_owned(), 2),
            ("timed out (not tried again in this run)".to_owned(), 0),
            ("timed out (not tried again in this run)".to_owned(), 0),
        ]
    );
}

#[test]
fn every_fault_is_in_the_matrix() {
    // The macro above lists each provider with each fault; this keeps the
    // list and Fault::ALL from drifting apart.
    let source = include_str!("faults.rs");
    for kind in ["PowerDns", "Cloudflare", "Hestia"] {
        for fault in Fault::ALL {
            assert!(
                source.contains(&format!(": {kind} {fault:?};")),
                "{kind} {fault:?} missing from matrix!"
            );
        }
    }
}
