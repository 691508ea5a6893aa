//! RFC 2136 beyond the conformance suite: every TSIG algorithm, RFC 2317
//! classless zones, one UPDATE per zone, unsigned updates where allowed,
//! zone reads by one signed AXFR (and the names where the server refuses
//! it), and the server's refusals and faults, each in its own words,
//! against a real BIND 9 and Knot DNS (and a misbehaving fake for SERVFAIL
//! and silence, and a proxy that tampers with a transfer).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use puq_dns_core::check::test_zone;
use puq_dns_core::http::Transport;
use puq_dns_core::name::DnsName;
use puq_dns_core::provider::rfc2136::{Clock, Rfc2136Client};
use puq_dns_core::provider::{Backend, ZoneRead};
use puq_dns_core::rr::RecordType;
use puq_dns_core::sync::{Job, JobKind, SyncOptions, SyncReport};
use puq_dns_core::{Array, Value, Vm, Zone};
use support::dns::{Daemon, DnsServer};
use support::fake_dns::{Behaviour, FakeDns, Tampering, TamperingProxy};
use support::{ptr6_of, summary, sync, sync_with, vm, zone_stats, zones};

const FWD: &str = "puqcloud.com";
const CLASSLESS: &str = "0/26.2.0.192.in-addr.arpa";

fn the_vm(id: i64, name: &str, ips: &[&str]) -> Vm {
    vm(id, name, ips.iter().map(|ip| Value::from(*ip)).collect())
}

fn zone(row: Array) -> Zone {
    Zone::from_row(&Value::Array(row), None).unwrap()
}

fn error_of(report: &puq_dns_core::sync::SyncReport) -> Vec<Option<String>> {
    report
        .operations
        .iter()
        .map(|op| op.error.clone())
        .collect()
}

async fn each_daemon(check: impl AsyncFn(DnsServer)) {
    for daemon in [Daemon::Bind, Daemon::Knot] {
        check(DnsServer::start(
            daemon,
            &[FWD, CLASSLESS, "locked.test:noupdate", "open.test:unsigned"],
        ))
        .await;
    }
}

#[tokio::test]
async fn every_algorithm_signs_updates_the_server_takes() {
    each_daemon(async |dns| {
        for (i, key) in dns.keys.iter().enumerate() {
            let zones = zones(vec![Value::Array(dns.row_with_key(1, FWD, key))]);
            let name = format!("vm{i}");
            let report = sync(&zones, &the_vm(1, &name, &["192.0.2.7"]), JobKind::Create).await;
            assert!(
                report.ok(),
                "{:?} {key:?} {:?}",
                dns.daemon(),
                report.operations
            );
            assert_eq!(dns.answer(&format!("{name}.{FWD}"), "A"), ["192.0.2.7"]);
        }
    })
    .await;
}

#[tokio::test]
async fn a_classless_zone_gets_the_ptr_inside_it() {
    each_daemon(async |dns| {
        let zones = zones(vec![dns.value_row(1, FWD), dns.value_row(2, CLASSLESS)]);
        let report = sync(&zones, &the_vm(1, "vm1", &["192.0.2.7"]), JobKind::Create).await;
        assert_eq!(
            summary(&report),
            [
                format!("create ok A vm1.{FWD} 192.0.2.7"),
                format!("create ok PTR 7.{CLASSLESS} vm1.{FWD}"),
            ]
        );
        assert_eq!(
            dns.answer(&format!("7.{CLASSLESS}"), "PTR"),
            [format!("vm1.{FWD}.")]
        );
        let gone = sync(&zones, &the_vm(1, "vm1", &["192.0.2.7"]), JobKind::Delete).await;
        assert!(gone.ok(), "{:?}", gone.operations);
        assert!(dns.answer(&format!("7.{CLASSLESS}"), "PTR").is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_resync_of_many_vms_is_one_update_per_zone() {
    each_daemon(async |dns| {
        let zones = zones(vec![dns.value_row(1, FWD), dns.value_row(2, CLASSLESS)]);
        let vms: Vec<Vm> = (1..=5)
            .map(|i| the_vm(i, &format!("vm{i}"), &[&format!("192.0.2.{i}")]))
            .collect();
        let jobs: Vec<Job<'_>> = vms
            .iter()
            .map(|vm| Job {
                vm,
                kind: JobKind::Resync,
            })
            .collect();
        let before = (dns.serial(FWD), dns.serial(CLASSLESS));
        let reports =
            puq_dns_core::sync::run(&zones, &jobs, &support::options(), &mut |_, _| {}).await;
        assert!(reports.iter().all(|r| r.ok()));
        // Each UPDATE moves the serial once.
        assert_eq!(
            (dns.serial(FWD), dns.serial(CLASSLESS)),
            (before.0 + 1, before.1 + 1),
            "{:?}",
            dns.daemon()
        );
        let records = dns.all(FWD);
        assert_eq!(
            records.iter().filter(|r| r.contains(" A ")).count(),
            5,
            "{records:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn unsigned_updates_go_only_where_the_row_allows_them() {
    each_daemon(async |dns| {
        let unsigned = Array::new()
            .with("id", 1i64)
            .with("zone", "open.test")
            .with("type", "rfc2136")
            .with("server", dns.server())
            .with("allow_unsigned", true);
        let open_vm = Vm::from_value(&Value::Array(
            Array::new()
                .with("id", 1i64)
                .with("name", "vm1")
                .with("domain", "open.test")
                .with("ips", Array::list([Value::from("192.0.2.7")])),
        ))
        .unwrap();
        let report = sync(&zones(vec![Value::Array(unsigned.clone())]), &open_vm, JobKind::Create).await;
        assert!(report.ok(), "{:?} {:?}", dns.daemon(), report.operations);
        assert_eq!(dns.answer("vm1.open.test", "A"), ["192.0.2.7"]);
        let tested = test_zone(&zone(unsigned.clone()), &support::options()).await;
        assert_eq!(
            tested.get("message"),
            Some(&Value::from(format!(
                "zone open.test. (serial 2) found on {}, which takes updates unsigned",
                dns.server()
            ))),
            "{:?}",
            dns.daemon()
        );
        // The same row for a zone that wants a key.
        let refused = test_zone(&zone(unsigned.with("zone", FWD)), &support::options()).await;
        let expected = match dns.daemon() {
            Daemon::Bind => "REFUSED: the server does not take updates of puqcloud.com. from this key or address (allow-update, update-policy or the zone's ACL)",
            Daemon::Knot => "NOTAUTH: the server is not authoritative for puqcloud.com.: it is not a zone of that server, or not its primary",
        };
        assert_eq!(refused.get("message"), Some(&Value::from(expected)));
    })
    .await;
}

#[tokio::test]
async fn refusals_are_named_as_the_server_names_them() {
    each_daemon(async |dns| {
        let options = support::options();
        let message = async |row: Array| {
            let result = test_zone(&zone(row), &options).await;
            assert_eq!(result.get("ok"), Some(&Value::Bool(false)));
            result.get("message").and_then(Value::as_str).unwrap().to_owned()
        };
        // A zone the key may not update.
        let locked = message(dns.row(1, "locked.test")).await;
        let expected = match dns.daemon() {
            Daemon::Bind => "REFUSED: the server does not take updates of locked.test. from this key or address (allow-update, update-policy or the zone's ACL)",
            Daemon::Knot => "NOTAUTH (BADKEY): the server does not accept puq-dns-sha256. (hmac-sha256) here: check tsig_name and tsig_algorithm, and that the key may update this zone",
        };
        assert_eq!(locked, expected, "{:?}", dns.daemon());
        // A key the server does not know.
        let unknown = message(dns.row(1, FWD).with("tsig_name", "nobody.")).await;
        assert_eq!(
            unknown,
            "NOTAUTH (BADKEY): the server does not accept nobody. (hmac-sha256) here: check tsig_name and tsig_algorithm, and that the key may update this zone"
        );
        // The right name with another algorithm.
        let algorithm = message(dns.row(1, FWD).with("tsig_algorithm", "hmac-sha512")).await;
        assert!(algorithm.starts_with("NOTAUTH (BADKEY): "), "{algorithm}");
        // A zone the server does not have.
        let missing = message(dns.row(1, "nowhere.test")).await;
        assert_eq!(missing, "REFUSED: the server refuses to answer for nowhere.test.", "{:?}", dns.daemon());
    })
    .await;
}

#[tokio::test]
async fn a_clock_out_of_step_is_named_badtime() {
    each_daemon(async |dns| {
        let zone = zone(dns.row(1, FWD));
        let transport = Transport::new(&support::options());
        let late = Rfc2136Client::new(
            &zone.target(),
            &transport,
            Clock {
                skew_seconds: -3600,
            },
        )
        .unwrap();
        let outcome = late.test().await.outcome.unwrap_err().to_string();
        // The server's clock is the machine's: an hour ahead of the skewed one.
        assert!(
            outcome.starts_with(
                "NOTAUTH (BADTIME): the server's clock is 3600 seconds ahead of this machine's"
            ) || outcome.starts_with(
                "NOTAUTH (BADTIME): the server's clock is 3599 seconds ahead of this machine's"
            ) || outcome.starts_with(
                "NOTAUTH (BADTIME): the server's clock is 3601 seconds ahead of this machine's"
            ),
            "{:?}: {outcome}",
            dns.daemon()
        );
        assert!(
            outcome.ends_with("more than the 300 seconds TSIG allows: set both clocks right (NTP)"),
            "{outcome}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_server_that_is_down_fails_its_zone_alone_after_its_tries() {
    let up = DnsServer::start(Daemon::Bind, &[FWD]);
    // Nothing listens on the port of a stopped server.
    let port = DnsServer::start(Daemon::Knot, &[FWD]).port;
    let down = up
        .row(2, "2.0.192.in-addr.arpa")
        .with("server", format!("127.0.0.1:{port}"));
    let zones = zones(vec![up.value_row(1, FWD), Value::Array(down)]);
    let report = sync(&zones, &the_vm(1, "vm1", &["192.0.2.7"]), JobKind::Create).await;
    assert_eq!(
        error_of(&report),
        [
            None,
            Some("cannot connect: Connection refused (os error 111)".to_owned())
        ]
    );
    assert_eq!(
        report.operations[1].attempts,
        support::options().retries + 1
    );
    assert_eq!(up.answer(&format!("vm1.{FWD}"), "A"), ["192.0.2.7"]);
}

fn fake_row(port: u16) -> Array {
    Array::new()
        .with("id", 1i64)
        .with("zone", FWD)
        .with("type", "rfc2136")
        .with("server", format!("127.0.0.1:{port}"))
        .with("allow_unsigned", true)
}

#[tokio::test]
async fn servfail_is_tried_again_then_reported() {
    let fake = FakeDns::start(Behaviour::ServFail).await;
    let zones = zones(vec![Value::Array(fake_row(fake.port))]);
    let options = SyncOptions {
        retries: 2,
        ..support::options()
    };
    let report = sync_with(
        &zones,
        &the_vm(1, "vm1", &["192.0.2.7"]),
        JobKind::Create,
        &options,
    )
    .await;
    assert_eq!(
        error_of(&report),
        [Some(
            "SERVFAIL: the server failed to process the request".to_owned()
        )]
    );
    assert_eq!(report.operations[0].attempts, 3);
    // Three tries of the queries for the A and AAAA sets at the VM's
    // name (a stale AAAA would go too); nothing was written.
    assert_eq!(fake.received(), 3 * 2);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_by_the_zones_timeout() {
    let fake = FakeDns::start(Behaviour::Silent).await;
    let zones = zones(vec![Value::Array(fake_row(fake.port).with("timeout", "1"))]);
    let options = SyncOptions {
        retries: 0,
        timeout: Duration::from_secs(30),
        ..support::options()
    };
    let started = std::time::Instant::now();
    let report = sync_with(
        &zones,
        &the_vm(1, "vm1", &["192.0.2.7"]),
        JobKind::Create,
        &options,
    )
    .await;
    assert_eq!(error_of(&report), [Some("timed out".to_owned())]);
    assert!(started.elapsed() < Duration::from_secs(10));
}

const REV4: &str = "2.0.192.in-addr.arpa";
const REV6: &str = "8.b.d.0.1.0.0.2.ip6.arpa";

/// One IPv4 address and 32 IPv6 ones: 32 names in the IPv6 reverse zone,
/// four rounds of eight queries, so the engine reads that zone whole.
fn big_vm() -> Vm {
    let ips: Vec<Value> = (0x100..0x120u16)
        .map(|s| Value::from(format!("2001:db8::{s:x}")))
        .chain([Value::from("192.0.2.7")])
        .collect();
    vm(42, "big", ips)
}

/// Another tool's 48 PTRs in the IPv6 reverse zone, and a stale PTR at
/// one of the VM's own names; the zone then has 51 records with its SOA
/// and NS. The foreign names.
fn foreign_ptrs(dns: &DnsServer) -> Vec<String> {
    let foreign: Vec<String> = (0x1000..0x1030u16).map(ptr6_of).collect();
    let mut lines: Vec<String> = foreign
        .iter()
        .map(|name| format!("{name}. 3600 PTR other.example.net."))
        .collect();
    lines.push(format!("{}. 3600 PTR old.example.net.", ptr6_of(0x100)));
    dns.put_many(REV6, &lines, lines.len());
    foreign
}

fn writes(report: &SyncReport) -> usize {
    report
        .operations
        .iter()
        .filter(|o| o.step.as_str() != "keep")
        .count()
}

/// The VM's PTRs and addresses are right, the foreign PTRs untouched, the
/// stale one gone; asked name by name (a `:noxfr` zone has no transfer).
fn check_records(dns: &DnsServer, foreign: &[String]) {
    let daemon = dns.daemon();
    let names: Vec<String> = (0x100..0x120).map(ptr6_of).collect();
    let mut expected: Vec<String> = names
        .iter()
        .map(|name| format!("{name}. 3600 PTR big.{FWD}."))
        .collect();
    expected.sort();
    assert_eq!(dns.records_at(&names, "PTR"), expected, "{daemon:?}");
    let mut expected: Vec<String> = foreign
        .iter()
        .map(|name| format!("{name}. 3600 PTR other.example.net."))
        .collect();
    expected.sort();
    assert_eq!(dns.records_at(foreign, "PTR"), expected, "{daemon:?}");
    assert_eq!(
        dns.answer(&format!("7.{REV4}"), "PTR"),
        [format!("big.{FWD}.")]
    );
    assert_eq!(dns.answer(&format!("big.{FWD}"), "A"), ["192.0.2.7"]);
    assert_eq!(dns.answer(&format!("big.{FWD}"), "AAAA").len(), 32);
}

/// The whole reverse zone by dig's own AXFR: the foreign PTRs, the VM's,
/// and nothing else.
fn check_transfer(dns: &DnsServer) {
    let all = dns.all(REV6);
    let count = |target: &str| all.iter().filter(|r| r.ends_with(target)).count();
    assert_eq!(count(" PTR other.example.net."), 48, "{all:?}");
    assert_eq!(count(&format!(" PTR big.{FWD}.")), 32, "{all:?}");
    assert_eq!(all.len(), 1 + 48 + 32, "NS and the PTRs: {all:?}");
}

#[tokio::test]
async fn a_zone_with_more_names_than_one_round_is_read_by_one_signed_axfr() {
    for daemon in [Daemon::Bind, Daemon::Knot] {
        let dns = DnsServer::start(daemon, &[FWD, REV4, REV6]);
        let foreign = foreign_ptrs(&dns);
        let zones = zones(vec![
            dns.value_row(1, FWD),
            dns.value_row(2, REV4),
            dns.value_row(3, REV6),
        ]);
        let report = sync(&zones, &big_vm(), JobKind::Resync).await;
        assert!(report.ok(), "{daemon:?} {:#?}", report.operations);
        // The forward zone: an A and an AAAA query for the one name; the
        // IPv4 reverse zone: one PTR query; the IPv6 one: one AXFR of its
        // SOA, NS, 48 foreign PTRs and the stale one.
        assert_eq!(
            zone_stats(&report),
            [
                (FWD.to_owned(), "names", 2, 1, None),
                (REV4.to_owned(), "names", 1, 1, None),
                (REV6.to_owned(), "zone", 1, 1, Some(51)),
            ],
            "{daemon:?}"
        );
        check_records(&dns, &foreign);
        check_transfer(&dns);

        // Again: nothing to write, the zone read whole again (its size is
        // known now), with the VM's 32 PTRs in place of the stale one.
        let again = sync(&zones, &big_vm(), JobKind::Resync).await;
        assert!(again.ok(), "{daemon:?} {:#?}", again.operations);
        assert_eq!(writes(&again), 0, "{daemon:?} {:#?}", again.operations);
        assert_eq!(
            zone_stats(&again)[2],
            (REV6.to_owned(), "zone", 1, 0, Some(82)),
            "{daemon:?}"
        );
        check_records(&dns, &foreign);
        check_transfer(&dns);
    }
}

#[tokio::test]
async fn a_zone_whose_transfer_is_refused_is_read_by_names_and_not_asked_again() {
    for daemon in [Daemon::Bind, Daemon::Knot] {
        let noxfr = format!("{REV6}:noxfr");
        let dns = DnsServer::start(daemon, &[FWD, REV4, &noxfr]);
        let foreign = foreign_ptrs(&dns);
        let zones = zones(vec![
            dns.value_row(1, FWD),
            dns.value_row(2, REV4),
            dns.value_row(3, REV6),
        ]);
        let report = sync(&zones, &big_vm(), JobKind::Resync).await;
        assert!(report.ok(), "{daemon:?} {:#?}", report.operations);
        // The refused AXFR, then a PTR query per name.
        assert_eq!(
            zone_stats(&report)[2],
            (REV6.to_owned(), "names", 1 + 32, 1, None),
            "{daemon:?}"
        );
        check_records(&dns, &foreign);

        // The next sync goes to the names at once.
        let again = sync(&zones, &big_vm(), JobKind::Resync).await;
        assert!(again.ok(), "{daemon:?} {:#?}", again.operations);
        assert_eq!(writes(&again), 0);
        assert_eq!(
            zone_stats(&again)[2],
            (REV6.to_owned(), "names", 32, 0, None),
            "{daemon:?}"
        );

        // What the server said, and that it is remembered for this key
        // only: another key may be allowed what this one is not.
        let transport = Transport::new(&support::options());
        let zone = zone(dns.row(3, REV6));
        let client = Rfc2136Client::new(&zone.target(), &transport, Clock::default()).unwrap();
        assert_eq!(Backend::reads(&client).zone, None);
        let keys = [(DnsName::parse(&ptr6_of(0x100)).unwrap(), RecordType::Ptr)];
        let refused = client.read_zone(&keys).await;
        assert_eq!(refused.attempts, 1);
        assert_eq!(client.requests(), 1);
        let expected = match daemon {
            Daemon::Bind => format!("REFUSED: the server refuses a zone transfer of {REV6}. to this key or address (allow-transfer, or the zone's ACL)"),
            Daemon::Knot => "NOTAUTH (BADKEY): the server does not accept puq-dns-sha256. (hmac-sha256) here: check tsig_name and tsig_algorithm, and that the key may transfer this zone (allow-transfer, or the zone's ACL)".to_owned(),
        };
        assert_eq!(refused.outcome.unwrap_err().to_string(), expected);
        let other_key = zone_with_key(&dns, REV6, 2);
        let other = Rfc2136Client::new(&other_key.target(), &transport, Clock::default()).unwrap();
        assert_eq!(Backend::reads(&other).zone, Some(ZoneRead { page: None }));
    }
}

fn zone_with_key(dns: &DnsServer, name: &str, key: usize) -> Zone {
    zone(dns.row_with_key(1, name, &dns.keys[key]))
}

/// `count` A records at h0 … in the forward zone, with TXT padding so the
/// transfer takes many messages.
fn many_records(dns: &DnsServer, count: u32) {
    let padding = "x".repeat(200);
    let lines: Vec<String> = (0..count)
        .flat_map(|i| {
            [
                format!("h{i}.{FWD}. 300 A 198.51.100.{}", i % 250),
                format!("h{i}.{FWD}. 300 TXT \"{padding}\""),
            ]
        })
        .collect();
    dns.put_many(FWD, &lines, 400);
}

#[tokio::test]
async fn a_transfer_of_many_messages_is_verified_message_by_message() {
    for daemon in [Daemon::Bind, Daemon::Knot] {
        let dns = DnsServer::start(daemon, &[FWD]);
        many_records(&dns, 1500);
        let messages = dns.transfer_messages(FWD);
        assert!(messages >= 10, "{daemon:?}: {messages} messages");
        let keys = [
            (DnsName::parse(&format!("h7.{FWD}")).unwrap(), RecordType::A),
            (
                DnsName::parse(&format!("h1499.{FWD}")).unwrap(),
                RecordType::A,
            ),
            (
                DnsName::parse(&format!("h7.{FWD}")).unwrap(),
                RecordType::Aaaa,
            ),
            (
                DnsName::parse(&format!("nowhere.{FWD}")).unwrap(),
                RecordType::A,
            ),
        ];
        let transport = Transport::new(&support::options());
        // Every algorithm: each message's MAC is checked with the key.
        for key in 0..dns.keys.len() {
            let zone = zone_with_key(&dns, FWD, key);
            let client = Rfc2136Client::new(&zone.target(), &transport, Clock::default()).unwrap();
            let read = client.read_zone(&keys).await;
            let read = read
                .outcome
                .unwrap_or_else(|e| panic!("{daemon:?} key {key}: {e}"));
            // SOA, NS and 3,000 records; the closing SOA is not counted.
            assert_eq!(read.records, 2 + 3000, "{daemon:?}");
            let contents: Vec<Vec<&str>> = read
                .sets
                .iter()
                .map(|s| s.records.iter().map(|r| r.content.as_str()).collect())
                .collect();
            assert_eq!(
                contents,
                [vec!["198.51.100.7"], vec!["198.51.100.249"], vec![], vec![]],
                "{daemon:?}"
            );
            assert_eq!(read.sets[0].ttl, 300);
            assert_eq!(client.requests(), 1, "one AXFR message");
        }

        // The server's messages changed or left out on the way: the
        // signature of that message, or of the next one, fails.
        for (tampering, failing) in [
            (Tampering::ChangeAddress(3), 3),
            (Tampering::ChangeAddress(messages as usize), messages),
            (Tampering::Drop(4), 4),
        ] {
            let proxy = TamperingProxy::start(dns.port, tampering).await;
            let zone = zone(
                dns.row(1, FWD)
                    .with("server", format!("127.0.0.1:{}", proxy.port)),
            );
            let client = Rfc2136Client::new(&zone.target(), &transport, Clock::default()).unwrap();
            let read = client.read_zone(&keys).await;
            assert_eq!(read.attempts, 1, "not tried again");
            let error = read.outcome.unwrap_err().to_string();
            assert!(
                error.starts_with(&format!(
                    "unexpected answer: the server's signature of message {failing} of the zone transfer does not verify"
                )),
                "{daemon:?} {tampering:?}: {error}"
            );
            // A failed check is no refusal: the zone is still offered.
            assert!(Backend::reads(&client).zone.is_some());
        }
    }
}

#[tokio::test]
async fn a_transfer_that_times_out_is_tried_again_then_reported() {
    // A server that reads and never answers: the transfer times out.
    let fake = FakeDns::start(Behaviour::Silent).await;
    let zone = zone(fake_row(fake.port).with("timeout", "1"));
    let options = SyncOptions {
        retries: 1,
        ..support::options()
    };
    let transport = Transport::new(&options);
    let client = Rfc2136Client::new(&zone.target(), &transport, Clock::default()).unwrap();
    let keys = [(
        DnsName::parse(&format!("vm1.{FWD}")).unwrap(),
        RecordType::A,
    )];
    let read = client.read_zone(&keys).await;
    assert_eq!(read.outcome.unwrap_err().to_string(), "timed out");
    assert_eq!(read.attempts, 2);
    assert_eq!(client.requests(), 2);
    assert_eq!(fake.received(), 2);
    assert!(Backend::reads(&client).zone.is_some());
}

#[tokio::test]
async fn a_server_that_hangs_up_on_a_transfer_counts_as_refusing_it() {
    let fake = FakeDns::start(Behaviour::HangUpOnTransfer).await;
    let zone = zone(fake_row(fake.port));
    let transport = Transport::new(&support::options());
    let client = Rfc2136Client::new(&zone.target(), &transport, Clock::default()).unwrap();
    let keys = [(
        DnsName::parse(&format!("vm1.{FWD}")).unwrap(),
        RecordType::A,
    )];
    let read = client.read_zone(&keys).await;
    assert_eq!(
        read.outcome.unwrap_err().to_string(),
        format!("the server closed the connection without answering the zone transfer, as a server may when it does not allow transfers of {FWD}. to this key or address")
    );
    // Not tried again, and not taken for a server that is down: the names
    // are still asked (and this fake says SERVFAIL to them).
    assert_eq!(read.attempts, 1);
    assert_eq!(Backend::reads(&client).zone, None);
    let names = client.read(&keys).await;
    assert_eq!(
        names.outcome.unwrap_err().to_string(),
        "SERVFAIL: the server failed to process the request"
    );
    assert_eq!(fake.received(), 1 + 3);
}
