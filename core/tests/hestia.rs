//! The sync engine and zone test against the fake HestiaCP
//! (tests/fakes/hestia.py), one fake per test.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use puq_dns_core::check::test_zone;
use puq_dns_core::sync::{Action, JobKind, SyncOptions};
use puq_dns_core::{Value, Zone};
use serde_json::{json, Value as Json};
use support::hestia::{FakeHestia, PASSWORD, USER};
use support::{summary, sync, sync_with, vm, zones};

const FQDN: &str = "vm1.puqcloud.com";
const REV4: &str = "2.0.192.in-addr.arpa";
const REV6: &str = "8.b.d.0.1.0.0.2.ip6.arpa";
/// 2001:db8::7 relative to REV6.
const NIBBLES6: &str = "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0";

async fn setup() -> (FakeHestia, puq_dns_core::ZoneSet) {
    let hestia = FakeHestia::start().await;
    for domain in ["puqcloud.com", REV4, REV6] {
        hestia.domain(domain).await;
    }
    let zones = zones(vec![
        hestia.row(1, "puqcloud.com"),
        hestia.row(2, REV4),
        hestia.row(3, REV6),
    ]);
    (hestia, zones)
}

fn vm1(ips: &[&str]) -> puq_dns_core::Vm {
    vm(1, "vm1", ips.iter().map(|ip| Value::from(*ip)).collect())
}

fn with(row: Value, field: &str, value: impl Into<Value>) -> Value {
    match row {
        Value::Array(mut r) => {
            r.insert(field, value);
            Value::Array(r)
        }
        other => other,
    }
}

/// The DNS commands the fake received, as `cmd arg arg …`, the user and
/// domain left out.
fn commands(stats: &Json) -> Vec<String> {
    commands_where(stats, |_| true)
}

/// The DNS commands to one domain.
fn commands_to(stats: &Json, domain: &str) -> Vec<String> {
    commands_where(stats, |c| c["args"][1] == domain)
}

fn commands_where(stats: &Json, keep: impl Fn(&Json) -> bool) -> Vec<String> {
    stats["commands"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| keep(c))
        .map(|c| {
            let args: Vec<&str> = c["args"]
                .as_array()
                .into_iter()
                .flatten()
                .skip(2)
                .map(|a| a.as_str().unwrap_or("?"))
                .collect();
            format!("{} {}", c["cmd"].as_str().unwrap_or("?"), args.join(" "))
                .trim_end()
                .to_owned()
        })
        .filter(|c| !c.starts_with("v-list"))
        .collect()
}

#[tokio::test]
async fn create_resync_delete_round_trip_with_one_restart_per_zone() {
    let (h, zones) = setup().await;
    let report = sync(&zones, &vm1(&["192.0.2.7", "2001:db8::7"]), JobKind::Create).await;
    assert!(report.ok(), "{:?}", summary(&report));
    assert_eq!(
        summary(&report),
        [
            format!("create ok A {FQDN} 192.0.2.7"),
            format!("create ok AAAA {FQDN} 2001:db8::7"),
            format!("create ok PTR 7.{REV4} {FQDN}"),
            format!("create ok PTR {NIBBLES6}.{REV6} {FQDN}"),
        ]
    );
    assert_eq!(
        h.records("puqcloud.com").await,
        ["vm1 A 192.0.2.7", "vm1 AAAA 2001:db8::7"]
    );
    assert_eq!(h.records(REV4).await, [format!("7 PTR {FQDN}.")]);
    assert_eq!(h.records(REV6).await, [format!("{NIBBLES6} PTR {FQDN}.")]);
    let stats = h.stats().await;
    let mut written = commands(&stats);
    written.sort();
    assert_eq!(
        written,
        [
            format!("v-add-dns-record 7 PTR {FQDN}.   no 3600"),
            format!("v-add-dns-record {NIBBLES6} PTR {FQDN}.   no 3600"),
            "v-add-dns-record vm1 A 192.0.2.7   no 3600".to_owned(),
            "v-add-dns-record vm1 AAAA 2001:db8::7   no 3600".to_owned(),
            "v-restart-dns".to_owned(),
            "v-restart-dns".to_owned(),
            "v-restart-dns".to_owned(),
        ],
        "RESTART no on every change, one restart per zone"
    );
    assert_eq!(stats["restarts"], 3);

    h.control("/stats/reset", json!({})).await;
    let again = sync(&zones, &vm1(&["192.0.2.7", "2001:db8::7"]), JobKind::Resync).await;
    assert!(
        again.operations.iter().all(|op| op.step.as_str() == "keep"),
        "{:?}",
        summary(&again)
    );
    let stats = h.stats().await;
    assert_eq!(stats["by_cmd"], json!({ "v-list-dns-records": 3 }));
    assert_eq!(stats["restarts"], 0);

    // A second A record in the domain, so the VM's is not the last one.
    h.seed("puqcloud.com", "www", "A", "198.51.100.1").await;
    let gone = sync(&zones, &vm1(&["192.0.2.7", "2001:db8::7"]), JobKind::Delete).await;
    assert!(gone.ok(), "{:?}", summary(&gone));
    assert_eq!(h.records("puqcloud.com").await, ["www A 198.51.100.1"]);
    assert!(h.records(REV4).await.is_empty());
    assert!(h.records(REV6).await.is_empty());
}

#[tokio::test]
async fn resync_replaces_what_is_wrong_and_touches_nothing_else() {
    let (h, zones) = setup().await;
    h.seed("puqcloud.com", "@", "A", "198.51.100.1").await;
    h.seed("puqcloud.com", "vm1", "A", "203.0.113.9").await;
    h.seed("puqcloud.com", "vm1", "TXT", "\"v=spf1 -all\"")
        .await;
    h.seed("puqcloud.com", "vm2", "A", "192.0.2.50").await;
    h.seed(REV4, "7", "PTR", "old-owner.example.net.").await;
    h.seed(REV4, "8", "PTR", "neighbour.example.net.").await;

    let report = sync(&zones, &vm1(&["192.0.2.7"]), JobKind::Resync).await;
    assert!(report.ok(), "{:?}", summary(&report));
    assert_eq!(
        summary(&report),
        [
            format!("create ok A {FQDN} 192.0.2.7"),
            format!("delete ok A {FQDN} 203.0.113.9"),
            format!("create ok PTR 7.{REV4} {FQDN}"),
            format!("delete ok PTR 7.{REV4} old-owner.example.net"),
        ]
    );
    assert_eq!(
        h.records("puqcloud.com").await,
        [
            "@ A 198.51.100.1",
            "vm1 TXT \"v=spf1 -all\"",
            "vm2 A 192.0.2.50",
            "vm1 A 192.0.2.7",
        ]
    );
    assert_eq!(
        h.records(REV4).await,
        [
            "8 PTR neighbour.example.net.".to_owned(),
            format!("7 PTR {FQDN}.")
        ]
    );
    // Added before deleted: the name is never without its record.
    let stats = h.stats().await;
    assert_eq!(
        commands_to(&stats, "puqcloud.com"),
        [
            "v-add-dns-record vm1 A 192.0.2.7   no 3600",
            "v-delete-dns-record 2 no"
        ]
    );

    // A PTR that points elsewhere survives a delete.
    h.seed(REV4, "9", "PTR", "someone-else.example.net.").await;
    let nine = vm1(&["192.0.2.7", "192.0.2.9"]);
    let gone = sync(&zones, &nine, JobKind::Delete).await;
    assert!(gone.ok(), "{:?}", summary(&gone));
    assert_eq!(
        h.records(REV4).await,
        [
            "8 PTR neighbour.example.net.",
            "9 PTR someone-else.example.net."
        ]
    );
}

#[tokio::test]
async fn the_last_a_record_fails_alone_with_hestias_words() {
    let (h, zones) = setup().await;
    assert!(
        sync(&zones, &vm1(&["192.0.2.7", "2001:db8::7"]), JobKind::Create)
            .await
            .ok()
    );
    let gone = sync(&zones, &vm1(&["192.0.2.7", "2001:db8::7"]), JobKind::Delete).await;
    assert_eq!(
        gone.operations
            .iter()
            .map(|op| (op.content.as_str(), op.error.as_deref()))
            .collect::<Vec<_>>(),
        [
            (
                "192.0.2.7",
                Some("E_INVALID (2): Error: at least one A record should remain active")
            ),
            ("2001:db8::7", None),
            (FQDN, None),
            (FQDN, None),
        ]
    );
    assert_eq!(h.records("puqcloud.com").await, ["vm1 A 192.0.2.7"]);
    assert!(h.records(REV4).await.is_empty());
    assert!(h.records(REV6).await.is_empty());
}

#[tokio::test]
async fn many_records_and_many_vms_cost_one_restart_per_zone_and_one_writer_per_domain() {
    let (h, zones) = setup().await;
    h.control("/faults", json!({ "latency_ms": 20 })).await;
    let vms: Vec<_> = (10..22)
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
    let stats = h.stats().await;
    assert_eq!(stats["by_cmd"]["v-add-dns-record"], 48);
    assert_eq!(stats["by_cmd"]["v-restart-dns"], 3);
    assert_eq!(stats["restarts"], 3, "{stats}");
    assert_eq!(stats["restarts_by_domain"], json!({}), "no RESTART yes");
    for domain in ["puqcloud.com", REV4, REV6] {
        assert_eq!(
            stats["max_concurrent_by_domain"][format!("{USER}/{domain}")],
            1,
            "{stats}"
        );
    }
    assert!(
        stats["max_concurrent"].as_u64().unwrap() > 1,
        "zones in parallel: {stats}"
    );
    // IDs given one at a time are all distinct.
    let records = h
        .get(&format!("/domains/{USER}/puqcloud.com/records"))
        .await;
    let mut ids: Vec<&str> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ID"].as_str().unwrap())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 24);
}

#[tokio::test]
async fn a_wrong_password_fails_its_zone_alone_and_transient_faults_are_retried() {
    let (h, _) = setup().await;
    let zones = zones(vec![
        h.row(1, "puqcloud.com"),
        with(h.row(2, REV4), "admin_password", "wrong-password-77"),
    ]);
    let report = sync(&zones, &vm1(&["192.0.2.7"]), JobKind::Create).await;
    assert_eq!(
        report
            .operations
            .iter()
            .map(|op| op.error.as_deref())
            .collect::<Vec<_>>(),
        [None, Some("E_PASSWORD (9): Error: authentication failed")]
    );
    assert_eq!(h.records("puqcloud.com").await, ["vm1 A 192.0.2.7"]);
    let shown = format!("{:?}", report.to_value());
    assert!(!shown.contains("wrong-password-77") && !shown.contains(PASSWORD));

    // A 502 from the panel's proxy, then a loaded server (E_LA): both tried
    // again, and the record is written once.
    h.control(
        "/faults",
        json!({ "fail_next": { "count": 1, "status": 502 } }),
    )
    .await;
    h.control(
        "/faults",
        json!({ "exit_code_next": { "count": 1, "code": 14, "text": "Error: LA is too high", "cmd": "v-add-dns-record" } }),
    )
    .await;
    let zones = support::zones(vec![h.row(1, "puqcloud.com")]);
    let retried = sync(&zones, &vm1(&["192.0.2.8"]), JobKind::Resync).await;
    assert!(retried.ok(), "{:?}", summary(&retried));
    assert_eq!(h.records("puqcloud.com").await, ["vm1 A 192.0.2.8"]);
    assert!(retried.operations.iter().all(|op| op.attempts > 2));
}

#[tokio::test]
async fn a_failing_command_reports_its_code_and_text() {
    let (h, _) = setup().await;
    let zones = zones(vec![h.row(1, "puqcloud.com")]);
    // The add fails, and again when asked for its text.
    h.control(
        "/faults",
        json!({ "exit_code_next": { "count": 2, "code": 13, "text": "Error: disk quota exceeded", "cmd": "v-add-dns-record" } }),
    )
    .await;
    let report = sync(&zones, &vm1(&["192.0.2.7", "192.0.2.8"]), JobKind::Create).await;
    assert_eq!(
        report
            .operations
            .iter()
            .map(|op| (op.content.as_str(), op.error.as_deref()))
            .collect::<Vec<_>>(),
        [
            ("192.0.2.7", Some("E_DISK (13): Error: disk quota exceeded")),
            ("192.0.2.8", None),
        ]
    );
    assert_eq!(h.records("puqcloud.com").await, ["vm1 A 192.0.2.8"]);
    let stats = h.stats().await;
    assert_eq!(
        stats["commands"][1]["returncode"], "no",
        "the text first: {stats}"
    );
    assert_eq!(stats["commands"][2]["returncode"], "yes", "then the code");
}

#[tokio::test]
async fn tls_with_the_servers_own_certificate_or_verification_off() {
    let h = FakeHestia::start_tls().await;
    h.domain("puqcloud.com").await;
    let cert = h.cert.clone().unwrap();
    assert!(h.base.starts_with("https://127.0.0.1:"));

    let pinned = zones(vec![with(
        h.row(1, "puqcloud.com"),
        "ca_cert",
        cert.as_str(),
    )]);
    let report = sync(&pinned, &vm1(&["192.0.2.7"]), JobKind::Create).await;
    assert!(report.ok(), "{:?}", report.operations);
    assert_eq!(h.records("puqcloud.com").await, ["vm1 A 192.0.2.7"]);

    let unverified = zones(vec![with(h.row(1, "puqcloud.com"), "verify_tls", false)]);
    let report = sync(&unverified, &vm1(&["192.0.2.8"]), JobKind::Resync).await;
    assert!(report.ok(), "{:?}", report.operations);
    assert_eq!(h.records("puqcloud.com").await, ["vm1 A 192.0.2.8"]);

    // Verification is on by default: a self-signed certificate nobody
    // configured is refused at once (no retry can change that), and
    // nothing is written.
    let default = zones(vec![h.row(1, "puqcloud.com")]);
    let report = sync(&default, &vm1(&["192.0.2.9"]), JobKind::Resync).await;
    assert_eq!(
        report.operations[0].error.as_deref(),
        Some("cannot connect: the server's certificate is self-signed (a CA certificate): put it in the zone's ca_cert, or turn verify_tls off")
    );
    assert_eq!(report.operations[0].attempts, 1);
    assert_eq!(h.records("puqcloud.com").await, ["vm1 A 192.0.2.8"]);

    // Another certificate than the server's is not trusted either.
    let other = FakeHestia::start_tls().await;
    let wrong = zones(vec![with(
        h.row(1, "puqcloud.com"),
        "ca_cert",
        other.cert.clone().unwrap().as_str(),
    )]);
    let report = sync(&wrong, &vm1(&["192.0.2.9"]), JobKind::Resync).await;
    assert_eq!(
        report.operations[0].error.as_deref(),
        Some("cannot connect: the server's certificate is neither the one in the zone's ca_cert nor signed by it")
    );
}

#[tokio::test]
async fn test_checks_login_and_that_the_user_has_the_domain() {
    let (h, _) = setup().await;
    let zone = |row: Value| Zone::from_row(&row, None).unwrap();
    let message = |result: &puq_dns_core::Array| match result.get("message") {
        Some(Value::Str(s)) => s.clone(),
        other => panic!("{other:?}"),
    };
    let ok = test_zone(&zone(h.row(1, "puqcloud.com")), &support::options()).await;
    assert_eq!(ok.get("ok"), Some(&Value::Bool(true)));
    assert_eq!(
        message(&ok),
        "dns domain puqcloud.com of user alice found on HestiaCP (0 records)"
    );
    let missing = test_zone(&zone(h.row(1, "example.org")), &support::options()).await;
    assert_eq!(missing.get("ok"), Some(&Value::Bool(false)));
    assert_eq!(
        message(&missing),
        "E_NOTEXIST (3): Error: dns domain example.org doesn't exist"
    );
    let bad = test_zone(
        &zone(with(h.row(1, "puqcloud.com"), "admin_password", "nope")),
        &support::options(),
    )
    .await;
    assert_eq!(
        message(&bad),
        "E_PASSWORD (9): Error: authentication failed"
    );
    // The code came with the refusal: one failed login, not two (fail2ban
    // on the panel counts them).
    assert_eq!(h.stats().await["auth_failures"], 1);
    let other_user = test_zone(
        &zone(with(h.row(1, "puqcloud.com"), "user", "bob")),
        &support::options(),
    )
    .await;
    assert_eq!(
        message(&other_user),
        "E_NOTEXIST (3): Error: user bob doesn't exist"
    );
}

#[tokio::test]
async fn update_and_plan() {
    let (h, zones) = setup().await;
    let old = vm1(&["192.0.2.7", "2001:db8::7"]);
    assert!(sync(&zones, &old, JobKind::Create).await.ok());
    h.control("/stats/reset", json!({})).await;

    let new = vm1(&["192.0.2.9"]);
    let plan = sync(&zones, &new, JobKind::Plan(Action::Resync)).await;
    assert_eq!(plan.action, "plan");
    assert_eq!(
        summary(&plan),
        [
            format!("create ok A {FQDN} 192.0.2.9"),
            format!("delete ok A {FQDN} 192.0.2.7"),
            format!("delete ok AAAA {FQDN} 2001:db8::7"),
            format!("create ok PTR 9.{REV4} {FQDN}"),
        ]
    );
    assert!(commands(&h.stats().await).is_empty(), "plan writes nothing");

    let update = sync(&zones, &new, JobKind::Update { old: &old }).await;
    assert!(update.ok(), "{:?}", summary(&update));
    assert_eq!(h.records("puqcloud.com").await, ["vm1 A 192.0.2.9"]);
    assert_eq!(h.records(REV4).await, [format!("9 PTR {FQDN}.")]);
    assert!(h.records(REV6).await.is_empty());
}

#[tokio::test]
async fn a_slow_panel_times_out_without_blocking_other_zones() {
    let (h, _) = setup().await;
    let slow = FakeHestia::start().await;
    slow.domain(REV4).await;
    slow.control("/faults", json!({ "latency_ms": 3000 })).await;
    let zones = zones(vec![h.row(1, "puqcloud.com"), slow.row(2, REV4)]);
    let options = SyncOptions {
        timeout: std::time::Duration::from_millis(500),
        retries: 0,
        ..support::options()
    };
    let report = sync_with(&zones, &vm1(&["192.0.2.7"]), JobKind::Create, &options).await;
    assert_eq!(
        report
            .operations
            .iter()
            .map(|op| op.error.as_deref())
            .collect::<Vec<_>>(),
        [None, Some("timed out")]
    );
    assert_eq!(h.records("puqcloud.com").await, ["vm1 A 192.0.2.7"]);
}
