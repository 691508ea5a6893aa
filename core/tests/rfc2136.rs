//! RFC 2136 beyond the conformance suite: every TSIG algorithm, RFC 2317
//! classless zones, one UPDATE per zone, unsigned updates where allowed,
//! and the server's refusals and faults, each in its own words, against a
//! real BIND 9 and Knot DNS (and a misbehaving fake for SERVFAIL and
//! silence).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use puq_dns_core::check::test_zone;
use puq_dns_core::http::Transport;
use puq_dns_core::provider::rfc2136::{Clock, Rfc2136Client};
use puq_dns_core::sync::{Job, JobKind, SyncOptions};
use puq_dns_core::{Array, Value, Vm, Zone};
use support::dns::{Daemon, DnsServer};
use support::fake_dns::{Behaviour, FakeDns};
use support::{summary, sync, sync_with, vm, zones};

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
