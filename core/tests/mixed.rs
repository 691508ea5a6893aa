//! One zone set across all three providers: forward on Cloudflare, IPv4
//! reverse on PowerDNS, IPv6 reverse on HestiaCP, in one sync.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use puq_dns_core::sync::JobKind;
use puq_dns_core::Value;
use serde_json::json;
use support::cloudflare::FakeCloudflare;
use support::hestia::FakeHestia;
use support::{summary, sync, vm, zones, PowerDns};

const REV4: &str = "2.0.192.in-addr.arpa";
const REV6: &str = "8.b.d.0.1.0.0.2.ip6.arpa";
const NIBBLES6: &str = "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0";

#[tokio::test]
async fn one_resync_writes_every_provider_and_a_second_keeps_everything() {
    let cf = FakeCloudflare::start();
    let fwd = cf.zone("puqcloud.com").await;
    let pdns = PowerDns::start();
    pdns.create_zone(REV4).await;
    let hestia = FakeHestia::start().await;
    hestia.domain(REV6).await;
    let zones = zones(vec![
        cf.row(1, "puqcloud.com", &fwd),
        pdns.row(2, REV4),
        hestia.row(3, REV6),
    ]);
    let the_vm = vm(
        7,
        "vm7",
        vec![Value::from("192.0.2.7"), Value::from("2001:db8::7")],
    );

    let report = sync(&zones, &the_vm, JobKind::Resync).await;
    assert!(report.ok(), "{:?}", summary(&report));
    assert_eq!(
        summary(&report),
        [
            "create ok A vm7.puqcloud.com 192.0.2.7",
            "create ok AAAA vm7.puqcloud.com 2001:db8::7",
            &format!("create ok PTR 7.{REV4} vm7.puqcloud.com"),
            &format!("create ok PTR {NIBBLES6}.{REV6} vm7.puqcloud.com"),
        ]
    );
    assert_eq!(
        cf.records(&fwd, "vm7.puqcloud.com").await,
        ["A 192.0.2.7", "AAAA 2001:db8::7"]
    );
    assert_eq!(
        pdns.get(REV4, &format!("7.{REV4}"), "PTR").await,
        ["vm7.puqcloud.com."]
    );
    assert_eq!(pdns.dig(&format!("7.{REV4}"), "PTR"), ["vm7.puqcloud.com."]);
    assert_eq!(
        hestia.records(REV6).await,
        [format!("{NIBBLES6} PTR vm7.puqcloud.com.")]
    );

    // Zones carry their own provider in the report.
    let providers: Vec<String> = report
        .operations
        .iter()
        .map(|op| {
            let zone = op.zone.as_ref().unwrap();
            format!("{} {}", zone.name, zone.provider)
        })
        .collect();
    assert_eq!(
        providers,
        [
            "puqcloud.com cloudflare",
            "puqcloud.com cloudflare",
            &format!("{REV4} powerdns"),
            &format!("{REV6} hestiacp"),
        ]
    );

    cf.control("/stats/reset", json!({})).await;
    hestia.control("/stats/reset", json!({})).await;
    let serial = pdns.serial(REV4).await;
    let again = sync(&zones, &the_vm, JobKind::Resync).await;
    assert!(
        again.operations.iter().all(|op| op.step.as_str() == "keep"),
        "{:?}",
        summary(&again)
    );
    assert_eq!(
        cf.stats().await["by_route"].get("POST /zones/{id}/dns_records/batch"),
        None
    );
    assert_eq!(pdns.serial(REV4).await, serial);
    assert_eq!(
        hestia.stats().await["by_cmd"],
        json!({ "v-list-dns-records": 1 })
    );

    // resyncMany across the three: one write per zone for all VMs.
    cf.control("/stats/reset", json!({})).await;
    hestia.control("/stats/reset", json!({})).await;
    let vms: Vec<_> = (10..15)
        .map(|i| {
            vm(
                i,
                &format!("vm{i}"),
                vec![
                    Value::from(format!("192.0.2.{i}")),
                    Value::from(format!("2001:db8::{i}")),
                ],
            )
        })
        .collect();
    let reports = support::resync_all(&zones, &vms, &support::options()).await;
    assert!(reports.iter().all(|r| r.ok()));
    assert_eq!(
        cf.stats().await["by_route"]["POST /zones/{id}/dns_records/batch"],
        1
    );
    let hestia_stats = hestia.stats().await;
    assert_eq!(hestia_stats["by_cmd"]["v-add-dns-record"], 5);
    assert_eq!(hestia_stats["restarts"], 1);
    assert_eq!(
        pdns.get(REV4, &format!("14.{REV4}"), "PTR").await,
        ["vm14.puqcloud.com."]
    );
}
