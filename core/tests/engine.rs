//! Engine behaviour that needs no provider to answer: unreachable zones
//! (127.0.0.1 port 1, where nothing listens) and input rejected up front.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use puq_dns_core::sync::{run, Job, JobKind, SyncOptions};
use puq_dns_core::{Array, Value, Vm, ZoneSet};

fn unreachable(id: i64, zone: &str) -> Value {
    Value::Array(
        Array::new()
            .with("id", id)
            .with("zone", zone)
            .with("type", "powerdns")
            .with("server_url", "http://127.0.0.1:1")
            .with("api_key", "secret-key-value"),
    )
}

fn vm(ips: Array, ttl: Option<i64>) -> Vm {
    let mut row = Array::new()
        .with("id", 9i64)
        .with("fqdn", "web.puqcloud.com")
        .with("ips", ips);
    if let Some(ttl) = ttl {
        row.insert("ttl", ttl);
    }
    Vm::from_value(&Value::Array(row)).unwrap()
}

async fn one(zones: &ZoneSet, vm: &Vm, kind: JobKind<'_>) -> puq_dns_core::sync::SyncReport {
    let options = SyncOptions {
        retries: 0,
        ..SyncOptions::default()
    };
    run(zones, &[Job { vm, kind }], &options, &mut |_, _| {})
        .await
        .pop()
        .unwrap()
}

#[tokio::test]
async fn an_unreadable_zone_is_reported_even_when_the_vm_has_no_address() {
    let zones =
        ZoneSet::from_rows(&Value::Array(Array::list([unreachable(1, "puqcloud.com")]))).unwrap();
    let vm = vm(Array::new(), None);
    for kind in [JobKind::Resync, JobKind::Delete] {
        let report = one(&zones, &vm, kind).await;
        assert!(!report.ok());
        assert_eq!(report.operations.len(), 1);
        let op = &report.operations[0];
        assert_eq!(
            (op.step.as_str(), op.rrtype.as_str(), op.content.as_str()),
            ("delete", "A", "")
        );
        assert!(
            op.error
                .as_deref()
                .unwrap_or("")
                .starts_with("cannot connect: "),
            "{:?}",
            op.error
        );
        assert_eq!(
            op.line(),
            format!(
                "fwd ERR delete A web.puqcloud.com - zone puqcloud.com (#1, powerdns): {}",
                op.error.as_deref().unwrap_or("")
            )
        );
    }
    let create = one(&zones, &vm, JobKind::Create).await;
    assert!(create.ok(), "a create of nothing has nothing to fail");
    assert!(create.operations.is_empty());
}

#[tokio::test]
async fn a_rejected_ptr_carries_the_vms_ttl_and_no_secret_leaks() {
    let zones = ZoneSet::from_rows(&Value::Array(Array::list([unreachable(
        2,
        "2.0.192.in-addr.arpa",
    )])))
    .unwrap();
    let ips = Array::list([Value::from(
        Array::new()
            .with("ip", "192.0.2.10")
            .with("reverse", "bad name"),
    )]);
    let report = one(&zones, &vm(ips, Some(300)), JobKind::Create).await;
    assert_eq!(report.operations.len(), 1);
    let op = &report.operations[0];
    assert_eq!(op.ttl, Some(300));
    assert_eq!(op.attempts, 0);
    assert_eq!(
        op.error.as_deref(),
        Some("the reverse name for 192.0.2.10 \"bad name\" contains ' ', which a DNS name cannot hold")
    );
    let everything = format!("{:?}", report.to_value());
    assert!(!everything.contains("secret-key-value"));
}
