//! The sync engine and zone test against a real PowerDNS Authoritative
//! server (started per test by tests/pdns/server.sh).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use puq_dns_core::check::test_zone;
use puq_dns_core::sync::{Action, JobKind};
use puq_dns_core::{Array, Value, Zone};
use support::{ptr6_of, summary, sync, vm, zone_stats, zones, PowerDns};

const FQDN: &str = "5551-1776530141.puqcloud.com";
const REV4: &str = "2.0.192.in-addr.arpa";
const REV6: &str = "8.b.d.0.1.0.0.2.ip6.arpa";
const PTR6: &str = "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";

async fn server_with_zones() -> PowerDns {
    let pdns = PowerDns::start();
    for zone in ["puqcloud.com", REV4, REV6] {
        pdns.create_zone(zone).await;
    }
    pdns
}

fn standard_zones(pdns: &PowerDns) -> puq_dns_core::ZoneSet {
    zones(vec![
        pdns.row(1, "puqcloud.com"),
        pdns.row(2, REV4),
        pdns.row(3, REV6),
    ])
}

fn the_vm() -> puq_dns_core::Vm {
    vm(
        42,
        "5551-1776530141",
        vec![
            Value::from("192.0.2.7"),
            Value::from("2001:db8::7"),
            Value::from(
                Array::new()
                    .with("ip", "192.0.2.8")
                    .with("reverse", "Mail.Example.com"),
            ),
        ],
    )
}

#[tokio::test]
async fn create_writes_forward_and_reverse_records_readable_over_dns() {
    let pdns = server_with_zones().await;
    let zones = standard_zones(&pdns);
    let report = sync(&zones, &the_vm(), JobKind::Create).await;

    assert!(report.ok(), "{:#?}", report.operations);
    assert_eq!(
        summary(&report),
        [
            format!("create ok A {FQDN} 192.0.2.7"),
            format!("create ok A {FQDN} 192.0.2.8"),
            format!("create ok AAAA {FQDN} 2001:db8::7"),
            format!("create ok PTR 7.{REV4} {FQDN}"),
            format!("create ok PTR 8.{REV4} mail.example.com"),
            format!("create ok PTR {PTR6} {FQDN}"),
        ]
    );
    assert_eq!(
        pdns.get("puqcloud.com", FQDN, "A").await,
        ["192.0.2.7", "192.0.2.8"]
    );
    assert_eq!(
        pdns.get(REV4, &format!("8.{REV4}"), "PTR").await,
        ["mail.example.com."]
    );
    assert_eq!(pdns.dig(FQDN, "A"), ["192.0.2.7", "192.0.2.8"]);
    assert_eq!(pdns.dig(FQDN, "AAAA"), ["2001:db8::7"]);
    assert_eq!(pdns.dig(&format!("7.{REV4}"), "PTR"), [format!("{FQDN}.")]);
    assert_eq!(pdns.dig(PTR6, "PTR"), [format!("{FQDN}.")]);
    assert!(report
        .operations
        .iter()
        .all(|op| op.attempts >= 1 && op.ttl == Some(3600)));
}

#[tokio::test]
async fn a_second_resync_keeps_everything_and_writes_nothing() {
    let pdns = server_with_zones().await;
    let zones = standard_zones(&pdns);
    sync(&zones, &the_vm(), JobKind::Create).await;
    let serials = [
        pdns.serial("puqcloud.com").await,
        pdns.serial(REV4).await,
        pdns.serial(REV6).await,
    ];

    let report = sync(&zones, &the_vm(), JobKind::Resync).await;
    assert!(report.ok());
    assert!(
        report
            .operations
            .iter()
            .all(|op| op.step.as_str() == "keep"),
        "{:?}",
        summary(&report)
    );
    assert_eq!(report.operations.len(), 6);
    let after = [
        pdns.serial("puqcloud.com").await,
        pdns.serial(REV4).await,
        pdns.serial(REV6).await,
    ];
    assert_eq!(serials, after, "a resync of a correct VM must not PATCH");
}

#[tokio::test]
async fn resync_removes_stale_records_and_touches_nothing_else() {
    let pdns = server_with_zones().await;
    let zones = standard_zones(&pdns);
    pdns.put("puqcloud.com", FQDN, "A", &["192.0.2.7", "198.51.100.9"])
        .await;
    pdns.put("puqcloud.com", FQDN, "AAAA", &["2001:db8::99"])
        .await;
    pdns.put("puqcloud.com", FQDN, "MX", &["10 mx.puqcloud.com."])
        .await;
    pdns.put("puqcloud.com", "other.puqcloud.com", "A", &["192.0.2.77"])
        .await;
    pdns.put(
        REV4,
        &format!("7.{REV4}"),
        "PTR",
        &["old-owner.example.net."],
    )
    .await;
    pdns.put(
        REV4,
        &format!("9.{REV4}"),
        "PTR",
        &["neighbour.example.net."],
    )
    .await;
    let vm = vm(42, "5551-1776530141", vec![Value::from("192.0.2.7")]);

    let report = sync(&zones, &vm, JobKind::Resync).await;
    assert!(report.ok(), "{:?}", summary(&report));
    assert_eq!(
        summary(&report),
        [
            format!("keep ok A {FQDN} 192.0.2.7"),
            format!("delete ok A {FQDN} 198.51.100.9"),
            format!("delete ok AAAA {FQDN} 2001:db8::99"),
            format!("create ok PTR 7.{REV4} {FQDN}"),
            format!("delete ok PTR 7.{REV4} old-owner.example.net"),
        ]
    );
    assert_eq!(report.unmatched, Vec::<String>::new());
    assert_eq!(pdns.dig(FQDN, "A"), ["192.0.2.7"]);
    assert!(pdns.dig(FQDN, "AAAA").is_empty());
    assert_eq!(
        pdns.get("puqcloud.com", FQDN, "MX").await,
        ["10 mx.puqcloud.com."]
    );
    assert_eq!(
        pdns.get("puqcloud.com", "other.puqcloud.com", "A").await,
        ["192.0.2.77"]
    );
    assert_eq!(
        pdns.get(REV4, &format!("9.{REV4}"), "PTR").await,
        ["neighbour.example.net."]
    );
}

#[tokio::test]
async fn delete_removes_the_vms_records_and_leaves_a_ptr_that_points_elsewhere() {
    let pdns = server_with_zones().await;
    let zones = standard_zones(&pdns);
    sync(&zones, &the_vm(), JobKind::Create).await;
    // Someone else took 192.0.2.8's PTR meanwhile.
    pdns.put(
        REV4,
        &format!("8.{REV4}"),
        "PTR",
        &["new-owner.example.net."],
    )
    .await;
    let others = |all: Vec<String>| -> Vec<String> {
        all.into_iter()
            .filter(|r| !r.contains(FQDN) && !r.contains(" SOA "))
            .collect()
    };
    let before_other = others(pdns.all("puqcloud.com").await);

    let report = sync(&zones, &the_vm(), JobKind::Delete).await;
    assert!(report.ok(), "{:?}", summary(&report));
    assert_eq!(
        summary(&report),
        [
            format!("delete ok A {FQDN} 192.0.2.7"),
            format!("delete ok A {FQDN} 192.0.2.8"),
            format!("delete ok AAAA {FQDN} 2001:db8::7"),
            format!("delete ok PTR 7.{REV4} {FQDN}"),
            format!("delete ok PTR {PTR6} {FQDN}"),
        ]
    );
    assert!(pdns.dig(FQDN, "A").is_empty());
    assert!(pdns.dig(&format!("7.{REV4}"), "PTR").is_empty());
    assert_eq!(
        pdns.dig(&format!("8.{REV4}"), "PTR"),
        ["new-owner.example.net."]
    );
    assert_eq!(others(pdns.all("puqcloud.com").await), before_other);
}

#[tokio::test]
async fn update_drops_what_the_old_vm_had_and_resyncs_the_new_one() {
    let pdns = server_with_zones().await;
    let zones = standard_zones(&pdns);
    let old = vm(
        42,
        "5551-1776530141",
        vec![Value::from("192.0.2.7"), Value::from("192.0.2.8")],
    );
    sync(&zones, &old, JobKind::Create).await;
    let new = vm(
        42,
        "5551-1776530141",
        vec![Value::from("192.0.2.7"), Value::from("192.0.2.9")],
    );

    let report = sync(&zones, &new, JobKind::Update { old: &old }).await;
    assert!(report.ok(), "{:?}", summary(&report));
    assert_eq!(report.action, "update");
    assert_eq!(pdns.dig(FQDN, "A"), ["192.0.2.7", "192.0.2.9"]);
    assert!(pdns.dig(&format!("8.{REV4}"), "PTR").is_empty());
    assert_eq!(pdns.dig(&format!("9.{REV4}"), "PTR"), [format!("{FQDN}.")]);
    assert_eq!(pdns.dig(&format!("7.{REV4}"), "PTR"), [format!("{FQDN}.")]);
}

#[tokio::test]
async fn update_to_a_new_name_removes_the_old_name() {
    let pdns = server_with_zones().await;
    let zones = standard_zones(&pdns);
    let old = vm(42, "old-name", vec![Value::from("192.0.2.7")]);
    sync(&zones, &old, JobKind::Create).await;
    let new = vm(42, "new-name", vec![Value::from("192.0.2.7")]);

    let report = sync(&zones, &new, JobKind::Update { old: &old }).await;
    assert!(report.ok(), "{:?}", summary(&report));
    assert!(pdns.dig("old-name.puqcloud.com", "A").is_empty());
    assert_eq!(pdns.dig("new-name.puqcloud.com", "A"), ["192.0.2.7"]);
    assert_eq!(
        pdns.dig(&format!("7.{REV4}"), "PTR"),
        ["new-name.puqcloud.com."]
    );
}

#[tokio::test]
async fn classless_reverse_zones_get_the_ptr_inside_the_zone() {
    let pdns = PowerDns::start();
    pdns.create_zone("puqcloud.com").await;
    pdns.create_zone("0/26.100.51.198.in-addr.arpa").await;
    let zones = zones(vec![
        pdns.row(1, "puqcloud.com"),
        pdns.row(2, "0/26.100.51.198.in-addr.arpa"),
    ]);
    let vm = vm(
        7,
        "vm7",
        vec![Value::from("198.51.100.5"), Value::from("198.51.100.70")],
    );

    let report = sync(&zones, &vm, JobKind::Create).await;
    assert!(report.ok(), "{:?}", summary(&report));
    assert_eq!(report.unmatched, ["70.100.51.198.in-addr.arpa"]);
    assert_eq!(
        pdns.get(
            "0/26.100.51.198.in-addr.arpa",
            "5.0/26.100.51.198.in-addr.arpa",
            "PTR"
        )
        .await,
        ["vm7.puqcloud.com."]
    );
    assert_eq!(
        pdns.dig("5.0/26.100.51.198.in-addr.arpa", "PTR"),
        ["vm7.puqcloud.com."]
    );
}

#[tokio::test]
async fn writes_to_a_sqlite_server_take_turns_once_it_refuses_one_beside_another() {
    // Three zones on one sqlite-backed server, PATCHed at once: the
    // server answers a PATCH beside another with 500 "database is locked".
    // That write is tried again at once in its turn, and from then on the
    // server's writes take turns. An operation's attempts count its read
    // and its write: 2 when neither was tried again.
    let pdns = server_with_zones().await;
    let turns = puq_dns_core::provider::powerdns::server_write_turns(&pdns.url);
    let mut syncs = 0;
    while !turns.in_turns() {
        syncs += 1;
        assert!(
            syncs <= 10,
            "ten syncs of three zones never wrote two at once"
        );
        let the_vm = vm(
            syncs,
            &format!("vm{syncs}"),
            vec![
                Value::from(format!("192.0.2.{syncs}")),
                Value::from(format!("2001:db8::{syncs}")),
            ],
        );
        let report = sync(&standard_zones(&pdns), &the_vm, JobKind::Create).await;
        assert!(report.ok(), "{:#?}", report.operations);
        for op in &report.operations {
            assert!(matches!(op.attempts, 2 | 3), "{op:#?}");
        }
    }
    // In turns, nothing is refused.
    for _ in 0..3 {
        let report = sync(&standard_zones(&pdns), &the_vm(), JobKind::Create).await;
        assert!(report.ok(), "{:#?}", report.operations);
        let attempts: Vec<u32> = report.operations.iter().map(|op| op.attempts).collect();
        assert_eq!(attempts, [2; 6], "{:#?}", report.operations);
        sync(&standard_zones(&pdns), &the_vm(), JobKind::Delete).await;
    }
}

#[tokio::test]
async fn every_matching_zone_is_written() {
    let pdns = PowerDns::start();
    pdns.create_zone("puqcloud.com").await;
    pdns.create_zone("2.0.192.in-addr.arpa").await;
    pdns.create_zone("192.in-addr.arpa").await;
    let zones = zones(vec![
        pdns.row(1, "puqcloud.com"),
        pdns.row(2, REV4),
        pdns.row(3, "192.in-addr.arpa"),
    ]);
    let report = sync(
        &zones,
        &vm(1, "vm1", vec![Value::from("192.0.2.7")]),
        JobKind::Create,
    )
    .await;
    assert!(report.ok());
    assert_eq!(
        pdns.get(REV4, &format!("7.{REV4}"), "PTR").await,
        ["vm1.puqcloud.com."]
    );
    assert_eq!(
        pdns.get("192.in-addr.arpa", &format!("7.{REV4}"), "PTR")
            .await,
        ["vm1.puqcloud.com."]
    );
}

#[tokio::test]
async fn a_failing_zone_fails_alone_with_the_servers_words() {
    let pdns = server_with_zones().await;
    let mut wrong_key = pdns.row(2, REV4);
    if let Value::Array(row) = &mut wrong_key {
        row.insert("api_key", "not-the-key");
    }
    let zones = zones(vec![
        pdns.row(1, "puqcloud.com"),
        wrong_key,
        pdns.row(3, "missing.example"),
        Value::Array(
            Array::new()
                .with("id", 4i64)
                .with("zone", REV6)
                .with("type", "powerdns")
                .with("server_url", "http://127.0.0.1:1")
                .with("api_key", "k"),
        ),
    ]);
    let vm = vm(
        9,
        "vm9",
        vec![Value::from("192.0.2.7"), Value::from("2001:db8::7")],
    );
    let report = support::sync_with(
        &zones,
        &vm,
        JobKind::Create,
        &puq_dns_core::sync::SyncOptions {
            retries: 0,
            ..support::options()
        },
    )
    .await;

    let by_zone = |zone: &str| -> Vec<(bool, Option<String>)> {
        report
            .operations
            .iter()
            .filter(|op| op.zone.as_ref().is_some_and(|z| z.name == zone))
            .map(|op| (op.ok(), op.error.clone()))
            .collect()
    };
    assert_eq!(by_zone("puqcloud.com"), [(true, None), (true, None)]);
    assert_eq!(
        by_zone(REV4),
        [(false, Some("HTTP 401: Unauthorized".to_owned()))]
    );
    let down = by_zone(REV6);
    assert_eq!(down.len(), 1);
    assert!(
        down[0]
            .1
            .as_deref()
            .unwrap_or("")
            .starts_with("cannot connect"),
        "{down:?}"
    );
    assert!(!report.ok());
    assert_eq!(pdns.dig("vm9.puqcloud.com", "A"), ["192.0.2.7"]);
    assert!(report
        .operations
        .iter()
        .all(|op| !op.line().contains(&pdns.key)));
}

#[tokio::test]
async fn a_422_from_the_server_is_reported_with_its_text() {
    let pdns = server_with_zones().await;
    let zones = standard_zones(&pdns);
    pdns.put(
        "puqcloud.com",
        "vm9.puqcloud.com",
        "CNAME",
        &["elsewhere.example.net."],
    )
    .await;
    let report = sync(
        &zones,
        &vm(9, "vm9", vec![Value::from("192.0.2.7")]),
        JobKind::Create,
    )
    .await;
    let fwd = &report.operations[0];
    assert_eq!(fwd.rrtype.as_str(), "A");
    let error = fwd.error.clone().unwrap_or_default();
    assert!(error.starts_with("HTTP 422: "), "{error}");
    assert!(
        error.contains("onflicts with pre-existing RRset"),
        "{error}"
    );
    assert!(
        report.operations[1].ok(),
        "the reverse zone is written all the same"
    );
    assert_eq!(
        pdns.dig("7.2.0.192.in-addr.arpa", "PTR"),
        ["vm9.puqcloud.com."]
    );
}

#[tokio::test]
async fn plan_reads_and_reports_but_changes_nothing() {
    let pdns = server_with_zones().await;
    let zones = standard_zones(&pdns);
    pdns.put("puqcloud.com", FQDN, "A", &["198.51.100.9"]).await;
    let before = pdns.all("puqcloud.com").await;
    let report = sync(&zones, &the_vm(), JobKind::Plan(Action::Resync)).await;
    assert_eq!(report.action, "plan");
    assert!(report.ok());
    assert_eq!(report.operations.len(), 7);
    assert!(summary(&report).contains(&format!("delete ok A {FQDN} 198.51.100.9")));
    assert_eq!(pdns.all("puqcloud.com").await, before);
    assert!(pdns.dig(&format!("7.{REV4}"), "PTR").is_empty());
}

#[tokio::test]
async fn resync_many_writes_each_zone_once() {
    let pdns = server_with_zones().await;
    let zones = standard_zones(&pdns);
    let vms: Vec<_> = (1..=5)
        .map(|i| {
            vm(
                i,
                &format!("vm{i}"),
                vec![Value::from(format!("192.0.2.{i}"))],
            )
        })
        .collect();
    let jobs: Vec<_> = vms
        .iter()
        .map(|vm| puq_dns_core::sync::Job {
            vm,
            kind: JobKind::Resync,
        })
        .collect();
    let serial_fwd = pdns.serial("puqcloud.com").await;
    let serial_rev = pdns.serial(REV4).await;
    let mut seen = 0;
    let reports =
        puq_dns_core::sync::run(&zones, &jobs, &support::options(), &mut |_, _| seen += 1).await;

    assert_eq!(reports.len(), 5);
    assert!(reports.iter().all(|r| r.ok()));
    assert_eq!(seen, 10);
    assert_eq!(
        pdns.serial("puqcloud.com").await,
        serial_fwd + 1,
        "one PATCH for the forward zone"
    );
    assert_eq!(
        pdns.serial(REV4).await,
        serial_rev + 1,
        "one PATCH for the reverse zone"
    );
    for i in 1..=5 {
        assert_eq!(
            pdns.dig(&format!("vm{i}.puqcloud.com"), "A"),
            [format!("192.0.2.{i}")]
        );
        assert_eq!(
            pdns.dig(&format!("{i}.{REV4}"), "PTR"),
            [format!("vm{i}.puqcloud.com.")]
        );
    }
}

fn zone(pdns: &PowerDns, zone: &str, key: &str) -> Zone {
    let mut row = pdns.row(5, zone);
    if let Value::Array(r) = &mut row {
        r.insert("api_key", key);
    }
    Zone::from_row(&row, None).expect("zone")
}

#[tokio::test]
async fn test_reports_reachable_authorised_and_matching() {
    let pdns = server_with_zones().await;
    let ok = test_zone(&zone(&pdns, "puqcloud.com", &pdns.key), &support::options()).await;
    assert_eq!(ok.get("ok"), Some(&Value::Bool(true)));
    assert_eq!(
        ok.get("message"),
        Some(&Value::from(
            "zone puqcloud.com. found on PowerDNS server localhost (Native)"
        ))
    );
    let keys: Vec<String> = ok.iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(keys, ["ok", "id", "zone", "type", "message", "ms"]);

    let bad_key = test_zone(&zone(&pdns, "puqcloud.com", "wrong"), &support::options()).await;
    assert_eq!(bad_key.get("ok"), Some(&Value::Bool(false)));
    assert_eq!(
        bad_key.get("message"),
        Some(&Value::from("HTTP 401: Unauthorized"))
    );

    let missing = test_zone(
        &zone(&pdns, "nothere.example", &pdns.key),
        &support::options(),
    )
    .await;
    assert_eq!(
        missing.get("message"),
        Some(&Value::from(
            "HTTP 404: Not Found (no zone nothere.example. on PowerDNS server localhost)"
        ))
    );
}

#[tokio::test]
async fn resync_many_isolates_a_vm_whose_record_the_server_refuses() {
    let pdns = server_with_zones().await;
    let zones = standard_zones(&pdns);
    pdns.put(
        "puqcloud.com",
        "vm2.puqcloud.com",
        "CNAME",
        &["elsewhere.example.net."],
    )
    .await;
    let vms: Vec<_> = (1..=3)
        .map(|i| {
            vm(
                i,
                &format!("vm{i}"),
                vec![Value::from(format!("192.0.2.{i}"))],
            )
        })
        .collect();
    let jobs: Vec<_> = vms
        .iter()
        .map(|vm| puq_dns_core::sync::Job {
            vm,
            kind: JobKind::Resync,
        })
        .collect();
    let reports = puq_dns_core::sync::run(&zones, &jobs, &support::options(), &mut |_, _| {}).await;

    assert!(
        reports[0].ok() && reports[2].ok(),
        "{:?} {:?}",
        summary(&reports[0]),
        summary(&reports[2])
    );
    assert!(!reports[1].ok());
    let refused: Vec<_> = reports[1].operations.iter().filter(|op| !op.ok()).collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].name, "vm2.puqcloud.com");
    assert!(refused[0]
        .error
        .as_deref()
        .unwrap_or("")
        .starts_with("HTTP 422: "));
    assert_eq!(pdns.dig("vm1.puqcloud.com", "A"), ["192.0.2.1"]);
    assert_eq!(pdns.dig("vm3.puqcloud.com", "A"), ["192.0.2.3"]);
    assert_eq!(
        pdns.dig("2.2.0.192.in-addr.arpa", "PTR"),
        ["vm2.puqcloud.com."]
    );
}

#[tokio::test]
async fn a_zone_with_more_names_than_one_round_is_read_in_one_request() {
    let pdns = server_with_zones().await;
    // Another tool's PTRs beside the VM's, and one stale PTR at the VM's own name.
    for suffix in 0x1000..0x1030 {
        pdns.put(REV6, &ptr6_of(suffix), "PTR", &["other.example.net."])
            .await;
    }
    pdns.put(REV6, &ptr6_of(0x100), "PTR", &["old.example.net."])
        .await;
    let foreign_before = pdns.all(REV6).await;
    // One PATCH per zone: none refused for going beside another.
    puq_dns_core::provider::powerdns::server_write_turns(&pdns.url).take_turns();
    let zones = standard_zones(&pdns);
    let ips: Vec<Value> = (0x100..0x120u16)
        .map(|s| Value::from(format!("2001:db8::{s:x}")))
        .chain([Value::from("192.0.2.7")])
        .collect();
    let the_vm = vm(42, "big", ips);

    let report = sync(&zones, &the_vm, JobKind::Resync).await;
    assert!(report.ok(), "{:#?}", report.operations);
    let stats = zone_stats(&report);
    // 32 names at 8 in flight would be 4 rounds: one search lists them
    // (the 32 names differ in their last nibbles only).
    assert_eq!(
        stats,
        [
            ("puqcloud.com".to_owned(), "names", 1, 1, None),
            (REV4.to_owned(), "names", 1, 1, None),
            (REV6.to_owned(), "filtered", 1, 1, None),
        ]
    );
    assert_eq!(pdns.dig(&ptr6_of(0x100), "PTR"), ["big.puqcloud.com."]);
    assert_eq!(pdns.dig(&ptr6_of(0x11f), "PTR"), ["big.puqcloud.com."]);
    let after = pdns.all(REV6).await;
    for record in foreign_before
        .iter()
        .filter(|r| r.contains("other.example.net"))
    {
        assert!(after.contains(record), "{record} was touched");
    }
    assert!(!after.iter().any(|r| r.contains("old.example.net")));

    // Again: nothing to write, listed the same way.
    let again = sync(&zones, &the_vm, JobKind::Resync).await;
    assert!(again.ok());
    assert_eq!(
        again
            .operations
            .iter()
            .filter(|o| o.step.as_str() != "keep")
            .count(),
        0
    );
    let rev6 = again.zones.iter().find(|z| z.zone.name == REV6).unwrap();
    assert_eq!(
        (
            rev6.read,
            rev6.read_requests,
            rev6.write_requests,
            rev6.zone_records
        ),
        (puq_dns_core::sync::ReadWay::Filtered, 1, 0, None)
    );

    // A size kept from an earlier run (as the PHP layer keeps them): a
    // zone that small is read whole, and its size is seen again.
    let options = puq_dns_core::sync::SyncOptions {
        zone_records: [("3".to_owned(), 82)].into_iter().collect(),
        ..support::options()
    };
    let known = support::sync_with(&zones, &the_vm, JobKind::Resync, &options).await;
    assert!(known.ok());
    let rev6 = known.zones.iter().find(|z| z.zone.name == REV6).unwrap();
    assert_eq!(
        (rev6.read, rev6.read_requests, rev6.zone_records),
        (puq_dns_core::sync::ReadWay::Zone, 1, Some(82))
    );
}

#[tokio::test]
async fn a_sync_allowed_64_at_once_reads_as_a_powerdns_server_takes_eight() {
    let pdns = server_with_zones().await;
    puq_dns_core::provider::powerdns::server_write_turns(&pdns.url).take_turns();
    let zones = standard_zones(&pdns);
    // 32 VMs: their names, of several lengths, have no search narrower
    // than the zone.
    let vms: Vec<puq_dns_core::Vm> = (1..=32)
        .map(|i| {
            vm(
                i,
                &format!("vm{i}"),
                vec![Value::from(format!("192.0.2.{i}"))],
            )
        })
        .collect();
    let options = puq_dns_core::sync::SyncOptions {
        concurrency: 64,
        ..support::options()
    };

    let reports = support::resync_all(&zones, &vms, &options).await;
    assert!(reports.iter().all(|r| r.ok()));
    // 32 names are one round of 64, but PowerDNS takes 8 at once: four
    // rounds by name, so each zone is one GET (of its SOA and NS).
    assert_eq!(
        zone_stats(&reports[0]),
        [
            ("puqcloud.com".to_owned(), "zone", 1, 1, Some(2)),
            (REV4.to_owned(), "zone", 1, 1, Some(2)),
        ]
    );
    assert_eq!(pdns.dig("vm32.puqcloud.com", "A"), ["192.0.2.32"]);
    assert_eq!(
        pdns.dig("32.2.0.192.in-addr.arpa", "PTR"),
        ["vm32.puqcloud.com."]
    );
}

#[tokio::test]
async fn a_search_cut_off_at_its_most_is_read_again_by_names() {
    let pdns = server_with_zones().await;
    // The VM's two IPv6 addresses differ in their last three nibbles: the
    // search for both matches ::000 to ::fff, and another tool has 1,000
    // PTRs there, as many as a search lists.
    let foreign: Vec<(String, &str, String)> = (0x400..0x400 + 1000u16)
        .map(|s| (ptr6_of(s), "PTR", "other.example.net.".to_owned()))
        .collect();
    pdns.put_many(REV6, &foreign).await;
    let the_vm = vm(
        42,
        "cut",
        vec![Value::from("2001:db8::100"), Value::from("2001:db8::2ff")],
    );
    let report = sync(&standard_zones(&pdns), &the_vm, JobKind::Create).await;
    assert!(report.ok(), "{:#?}", report.operations);
    // One search, cut off, then one GET per name.
    let rev6 = report.zones.iter().find(|z| z.zone.name == REV6).unwrap();
    assert_eq!(
        (rev6.read, rev6.read_requests, rev6.write_requests),
        (puq_dns_core::sync::ReadWay::Names, 3, 1)
    );
    assert_eq!(pdns.dig(&ptr6_of(0x2ff), "PTR"), ["cut.puqcloud.com."]);
    assert_eq!(pdns.dig(&ptr6_of(0x400), "PTR"), ["other.example.net."]);
}

#[tokio::test]
async fn writes_to_a_gmysql_server_go_at_once() {
    // gmysql takes PATCHes to several zones at once: no write is refused,
    // so none takes a turn, sync after sync.
    let pdns = PowerDns::start_on("mysql");
    for zone in ["puqcloud.com", REV4, REV6] {
        pdns.create_zone(zone).await;
    }
    let turns = puq_dns_core::provider::powerdns::server_write_turns(&pdns.url);
    for i in 1..=5 {
        let the_vm = vm(
            i,
            &format!("vm{i}"),
            vec![
                Value::from(format!("192.0.2.{i}")),
                Value::from(format!("2001:db8::{i}")),
            ],
        );
        let report = sync(&standard_zones(&pdns), &the_vm, JobKind::Create).await;
        assert!(report.ok(), "{:#?}", report.operations);
        let attempts: Vec<u32> = report.operations.iter().map(|op| op.attempts).collect();
        assert_eq!(attempts, [2; 4], "{:#?}", report.operations);
        assert_eq!(
            pdns.dig(&format!("vm{i}.puqcloud.com"), "AAAA"),
            [format!("2001:db8::{i}")]
        );
    }
    assert!(!turns.in_turns());
}

#[tokio::test]
async fn reads_names_reads_every_zone_by_name() {
    let pdns = server_with_zones().await;
    puq_dns_core::provider::powerdns::server_write_turns(&pdns.url).take_turns();
    let options = puq_dns_core::sync::SyncOptions {
        reads: puq_dns_core::options::ReadChoice::Names,
        ..support::options()
    };
    let ips: Vec<Value> = (0x100..0x120u16)
        .map(|s| Value::from(format!("2001:db8::{s:x}")))
        .collect();
    let report = support::sync_with(
        &standard_zones(&pdns),
        &vm(42, "named", ips),
        JobKind::Create,
        &options,
    )
    .await;
    assert!(report.ok(), "{:#?}", report.operations);
    // 32 names would be one search; asked to, the engine reads each.
    assert_eq!(
        zone_stats(&report),
        [
            ("puqcloud.com".to_owned(), "names", 1, 1, None),
            (REV6.to_owned(), "names", 32, 1, None),
        ]
    );
}
