//! The sync engine and zone test against the fake Cloudflare
//! (tests/fakes/cloudflare.py), one fake per test.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use puq_dns_core::check::test_zone;
use puq_dns_core::sync::{run, Job, JobKind, SyncOptions};
use puq_dns_core::{Value, Zone};
use serde_json::json;
use support::cloudflare::{FakeCloudflare, TOKEN};
use support::{summary, sync, vm, zones};

const FQDN: &str = "vm1.puqcloud.com";

struct Setup {
    cf: FakeCloudflare,
    fwd: String,
    rev: String,
    zones: puq_dns_core::ZoneSet,
}

async fn setup() -> Setup {
    let cf = FakeCloudflare::start();
    let fwd = cf.zone("puqcloud.com").await;
    let rev = cf.zone("2.0.192.in-addr.arpa").await;
    let zones = zones(vec![
        cf.row(1, "puqcloud.com", &fwd),
        cf.row(2, "2.0.192.in-addr.arpa", &rev),
    ]);
    Setup {
        cf,
        fwd,
        rev,
        zones,
    }
}

fn vm1(ips: &[&str]) -> puq_dns_core::Vm {
    vm(1, "vm1", ips.iter().map(|ip| Value::from(*ip)).collect())
}

#[tokio::test]
async fn create_resync_delete_round_trip_with_one_batch_per_zone() {
    let s = setup().await;
    let report = sync(
        &s.zones,
        &vm1(&["192.0.2.7", "2001:db8::7"]),
        JobKind::Create,
    )
    .await;
    assert!(report.ok(), "{:?}", summary(&report));
    assert_eq!(
        s.cf.records(&s.fwd, FQDN).await,
        ["A 192.0.2.7", "AAAA 2001:db8::7"]
    );
    assert_eq!(
        s.cf.records(&s.rev, "7.2.0.192.in-addr.arpa").await,
        ["PTR vm1.puqcloud.com"]
    );
    let stats = s.cf.stats().await;
    assert_eq!(
        stats["by_route"]["POST /zones/{id}/dns_records/batch"], 2,
        "{stats}"
    );
    // Zones run in parallel: the forward batch may come second.
    let forward_posts: Vec<&serde_json::Value> = stats["batches"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|batch| batch["posts"].as_array().unwrap())
        .filter(|post| post["type"] != "PTR")
        .collect();
    assert_eq!(forward_posts.len(), 2, "{stats}");
    assert!(
        forward_posts.iter().all(|post| post["proxied"] == false),
        "{stats}"
    );

    s.cf.control("/stats/reset", json!({})).await;
    let again = sync(
        &s.zones,
        &vm1(&["192.0.2.7", "2001:db8::7"]),
        JobKind::Resync,
    )
    .await;
    assert!(again.operations.iter().all(|op| op.step.as_str() == "keep"));
    let stats = s.cf.stats().await;
    assert!(
        stats["by_route"]["POST /zones/{id}/dns_records/batch"].is_null(),
        "a correct VM is not written: {stats}"
    );

    s.cf.seed(
        &s.rev,
        "PTR",
        "8.2.0.192.in-addr.arpa",
        "someone-else.example.net",
    )
    .await;
    let delete = sync(
        &s.zones,
        &vm(
            1,
            "vm1",
            vec![
                Value::from("192.0.2.7"),
                Value::from("192.0.2.8"),
                Value::from("2001:db8::7"),
            ],
        ),
        JobKind::Delete,
    )
    .await;
    assert!(delete.ok(), "{:?}", summary(&delete));
    assert!(s.cf.records(&s.fwd, FQDN).await.is_empty());
    assert!(s
        .cf
        .records(&s.rev, "7.2.0.192.in-addr.arpa")
        .await
        .is_empty());
    assert_eq!(
        s.cf.records(&s.rev, "8.2.0.192.in-addr.arpa").await,
        ["PTR someone-else.example.net"]
    );
}

#[tokio::test]
async fn resync_removes_stale_records_and_leaves_other_types_and_names() {
    let s = setup().await;
    s.cf.seed(&s.fwd, "A", FQDN, "198.51.100.9").await;
    s.cf.seed(&s.fwd, "TXT", FQDN, "keep me").await;
    s.cf.seed(&s.fwd, "A", "other.puqcloud.com", "192.0.2.77")
        .await;
    s.cf.seed(&s.rev, "PTR", "7.2.0.192.in-addr.arpa", "old.example.net")
        .await;
    let report = sync(&s.zones, &vm1(&["192.0.2.7"]), JobKind::Resync).await;
    assert!(report.ok(), "{:?}", summary(&report));
    assert_eq!(
        summary(&report),
        [
            format!("create ok A {FQDN} 192.0.2.7"),
            format!("delete ok A {FQDN} 198.51.100.9"),
            "create ok PTR 7.2.0.192.in-addr.arpa vm1.puqcloud.com".to_owned(),
            "delete ok PTR 7.2.0.192.in-addr.arpa old.example.net".to_owned(),
        ]
    );
    assert_eq!(
        s.cf.records(&s.fwd, FQDN).await,
        ["A 192.0.2.7", "TXT keep me"]
    );
    assert_eq!(
        s.cf.records(&s.fwd, "other.puqcloud.com").await,
        ["A 192.0.2.77"]
    );
}

#[tokio::test]
async fn reads_follow_pagination_and_are_filtered_to_the_vms_names() {
    let s = setup().await;
    for i in 0..250 {
        s.cf.seed(
            &s.fwd,
            "A",
            FQDN,
            &format!("198.51.{}.{}", i / 200, i % 200),
        )
        .await;
    }
    s.cf.seed(&s.fwd, "A", "unrelated.puqcloud.com", "192.0.2.99")
        .await;
    s.cf.control("/stats/reset", json!({})).await;
    let report = sync(&s.zones, &vm1(&["192.0.2.7"]), JobKind::Resync).await;
    assert!(
        report.ok(),
        "{:?}",
        report
            .operations
            .iter()
            .filter(|o| !o.ok())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        report
            .operations
            .iter()
            .filter(|op| op.step.as_str() == "delete")
            .count(),
        250
    );
    assert_eq!(s.cf.records(&s.fwd, FQDN).await, ["A 192.0.2.7"]);
    assert_eq!(
        s.cf.records(&s.fwd, "unrelated.puqcloud.com").await,
        ["A 192.0.2.99"]
    );
    let stats = s.cf.stats().await;
    assert_eq!(
        stats["by_route"]["GET /zones/{id}/dns_records"], 4,
        "3 pages for the FQDN, 1 for the PTR: {stats}"
    );
    assert_eq!(
        stats["by_route"]["POST /zones/{id}/dns_records/batch"], 3,
        "250 deletes: 2 forward batches, 1 reverse: {stats}"
    );
}

#[tokio::test]
async fn a_refused_batch_is_retried_record_by_record() {
    let s = setup().await;
    // A CNAME at vm2's name makes its A refused; vm1 and vm3 go through.
    s.cf.seed(&s.fwd, "CNAME", "vm2.puqcloud.com", "elsewhere.example.net")
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
    let reports = support::resync_all(&s.zones, &vms, &support::options()).await;
    assert!(reports[0].ok() && reports[2].ok());
    let failed: Vec<_> = reports[1].operations.iter().filter(|op| !op.ok()).collect();
    assert_eq!(failed.len(), 1);
    let error = failed[0].error.clone().unwrap_or_default();
    assert!(error.starts_with("HTTP 400: 8105"), "{error}");
    assert_eq!(
        s.cf.records(&s.fwd, "vm1.puqcloud.com").await,
        ["A 192.0.2.1"]
    );
    assert_eq!(
        s.cf.records(&s.fwd, "vm3.puqcloud.com").await,
        ["A 192.0.2.3"]
    );
    assert_eq!(
        s.cf.records(&s.rev, "2.2.0.192.in-addr.arpa").await,
        ["PTR vm2.puqcloud.com"]
    );
}

#[tokio::test]
async fn a_wrong_token_fails_its_zone_alone_and_a_429_storm_ends_in_success() {
    let s = setup().await;
    let mut bad = s.cf.row(2, "2.0.192.in-addr.arpa", &s.rev);
    if let Value::Array(row) = &mut bad {
        row.insert("api_token", "not-a-token");
    }
    let zones = zones(vec![s.cf.row(1, "puqcloud.com", &s.fwd), bad]);
    let report = sync(&zones, &vm1(&["192.0.2.7"]), JobKind::Create).await;
    assert_eq!(report.operations[0].error, None);
    assert_eq!(
        report.operations[1].error.as_deref(),
        Some("HTTP 403: 9109 Invalid access token")
    );
    assert!(!format!("{:?}", report.to_value()).contains(TOKEN));

    s.cf.control(
        "/faults",
        json!({ "rate_limit_next": { "count": 3, "retry_after": 0 } }),
    )
    .await;
    let options = SyncOptions {
        retries: 5,
        ..support::options()
    };
    let storm = support::sync_with(&s.zones, &vm1(&["192.0.2.8"]), JobKind::Resync, &options).await;
    assert!(storm.ok(), "{:?}", summary(&storm));
    assert!(storm.operations.iter().any(|op| op.attempts > 1));
    assert_eq!(s.cf.records(&s.fwd, FQDN).await, ["A 192.0.2.8"]);
}

#[tokio::test]
async fn test_checks_token_and_zone_name() {
    let s = setup().await;
    let zone = |name: &str, token: &str| {
        let mut row = s.cf.row(1, name, &s.fwd);
        if let Value::Array(r) = &mut row {
            r.insert("api_token", token);
        }
        Zone::from_row(&row, None).unwrap()
    };
    let ok = test_zone(&zone("puqcloud.com", TOKEN), &support::options()).await;
    assert_eq!(ok.get("ok"), Some(&Value::Bool(true)));
    assert_eq!(
        ok.get("message"),
        Some(&Value::from(
            "zone puqcloud.com found on Cloudflare (active)"
        ))
    );
    let wrong = test_zone(&zone("example.org", TOKEN), &support::options()).await;
    assert_eq!(
        wrong.get("message"),
        Some(&Value::from(format!(
            "zone id {} is puqcloud.com, not example.org",
            s.fwd
        )))
    );
    let bad = test_zone(&zone("puqcloud.com", "nope"), &support::options()).await;
    assert_eq!(
        bad.get("message"),
        Some(&Value::from("HTTP 403: 9109 Invalid access token"))
    );
}

#[tokio::test]
async fn update_plan_and_resync_many_merge_writes_per_zone() {
    let s = setup().await;
    let rev6 = s.cf.zone("8.b.d.0.1.0.0.2.ip6.arpa").await;
    let zones = zones(vec![
        s.cf.row(1, "puqcloud.com", &s.fwd),
        s.cf.row(2, "2.0.192.in-addr.arpa", &s.rev),
        s.cf.row(3, "8.b.d.0.1.0.0.2.ip6.arpa", &rev6),
    ]);
    let old = vm1(&["192.0.2.7", "2001:db8::7"]);
    assert!(sync(&zones, &old, JobKind::Create).await.ok());
    let ptr6 = "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
    assert_eq!(s.cf.records(&rev6, ptr6).await, ["PTR vm1.puqcloud.com"]);

    let new = vm1(&["192.0.2.9"]);
    let plan = sync(
        &zones,
        &new,
        JobKind::Plan(puq_dns_core::sync::Action::Resync),
    )
    .await;
    assert_eq!(plan.action, "plan");
    assert_eq!(
        s.cf.records(&s.fwd, FQDN).await,
        ["A 192.0.2.7", "AAAA 2001:db8::7"],
        "plan changes nothing"
    );

    let update = sync(&zones, &new, JobKind::Update { old: &old }).await;
    assert!(update.ok(), "{:?}", summary(&update));
    assert_eq!(s.cf.records(&s.fwd, FQDN).await, ["A 192.0.2.9"]);
    assert!(s
        .cf
        .records(&s.rev, "7.2.0.192.in-addr.arpa")
        .await
        .is_empty());
    assert!(s.cf.records(&rev6, ptr6).await.is_empty());
    assert_eq!(
        s.cf.records(&s.rev, "9.2.0.192.in-addr.arpa").await,
        ["PTR vm1.puqcloud.com"]
    );

    s.cf.control("/stats/reset", json!({})).await;
    let vms: Vec<_> = (10..20)
        .map(|i| {
            vm(
                i,
                &format!("vm{i}"),
                vec![Value::from(format!("192.0.2.{i}"))],
            )
        })
        .collect();
    let reports = support::resync_all(&zones, &vms, &support::options()).await;
    assert!(reports.iter().all(|r| r.ok()));
    let stats = s.cf.stats().await;
    assert_eq!(
        stats["by_route"]["POST /zones/{id}/dns_records/batch"], 2,
        "one batch per zone for 10 VMs: {stats}"
    );
}

#[tokio::test]
async fn a_token_budget_slows_a_run_down_instead_of_hitting_the_rate_limit() {
    let s = setup().await;
    // The fake refuses a 7th request within 2.5 s, and no retry is
    // allowed: only the budget (6 in 3 s, with room for a loaded test
    // machine's delays) keeps the run clear of 429s.
    s.cf.control(
        "/faults",
        json!({ "rate_limit": { "limit": 6, "window_s": 2.5, "retry_after": 3 } }),
    )
    .await;
    let options = SyncOptions {
        retries: 0,
        cloudflare_rate_limit: 6,
        cloudflare_rate_window: std::time::Duration::from_secs(3),
        ..support::options()
    };
    let vms: Vec<_> = (1..=4)
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
        .map(|vm| Job {
            vm,
            kind: JobKind::Resync,
        })
        .collect();
    let started = std::time::Instant::now();
    let reports = run(&s.zones, &jobs, &options, &mut |_, _| {}).await;
    let took = started.elapsed();
    for report in &reports {
        assert!(report.ok(), "{:#?}", report.operations);
    }
    // 8 filtered reads and 2 batches: 10 requests, so the last 4 waited for
    // the window to pass.
    assert_eq!(s.cf.stats().await["requests"], 10);
    assert!(took >= std::time::Duration::from_millis(2900), "{took:?}");
    assert_eq!(
        s.cf.records(&s.fwd, "vm4.puqcloud.com").await,
        ["A 192.0.2.4"]
    );
}
