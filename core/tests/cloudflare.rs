//! The sync engine and zone test against the fake Cloudflare
//! (tests/fakes/cloudflare.py), one fake per test.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::{Duration, Instant};

use puq_dns_core::check::test_zone;
use puq_dns_core::sync::{run, Job, JobKind, SyncOptions, SyncReport};
use puq_dns_core::{Value, Zone};
use serde_json::{json, Value as Json};
use support::cloudflare::{FakeCloudflare, TOKEN};
use support::{ptr6_of, summary, sync, vm, zone_stats, zones};

const FQDN: &str = "vm1.puqcloud.com";
const REV6: &str = "8.b.d.0.1.0.0.2.ip6.arpa";
const LIST: &str = "GET /zones/{id}/dns_records";
const BATCH: &str = "POST /zones/{id}/dns_records/batch";

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

/// 2001:db8::100 to ::11f and 192.0.2.7: 32 names in the IPv6 reverse
/// zone, four rounds of name reads at 8 in flight.
fn big_vm() -> puq_dns_core::Vm {
    let ips: Vec<Value> = (0x100..0x120u16)
        .map(|s| Value::from(format!("2001:db8::{s:x}")))
        .chain([Value::from("192.0.2.7")])
        .collect();
    vm(42, "big", ips)
}

/// The listings the fake answered for one zone: `page` and `per_page` of
/// the unfiltered ones, `name=…` for the others.
async fn listings(cf: &FakeCloudflare, zone_id: &str) -> Vec<String> {
    let stats = cf.stats().await;
    stats["lists"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["zone"] == zone_id)
        .map(|l| match l["name"].as_str() {
            Some(name) => format!("name={name}"),
            None => format!(
                "page={} per_page={}",
                l["page"].as_str().unwrap_or("-"),
                l["per_page"].as_str().unwrap_or("-")
            ),
        })
        .collect()
}

/// Whole-zone listings of `rounds[i]` pages each, page 1 first in each
/// and the others in order (they go at once, so the fake may see them in
/// any order).
fn zone_pages(rounds: &[u32]) -> Vec<String> {
    rounds
        .iter()
        .flat_map(|&pages| (1..=pages).map(|p| format!("page={p} per_page=5000000")))
        .collect()
}

/// `listings` with the pages after each page 1 put in order.
fn in_order(mut lists: Vec<String>) -> Vec<String> {
    let page = |l: &String| {
        l.strip_prefix("page=")
            .and_then(|l| l.split(' ').next())
            .and_then(|p| p.parse::<u32>().ok())
    };
    let mut start = 0;
    while start < lists.len() {
        let end = (start + 1..lists.len())
            .find(|&i| page(&lists[i]) == Some(1))
            .unwrap_or(lists.len());
        lists[start + 1..end].sort_by_key(|l| page(l));
        start = end;
    }
    lists
}

/// Waits until the fake holds `waiting` requests.
async fn wait_held(cf: &FakeCloudflare, waiting: u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while cf.get("/held").await["waiting"] != waiting {
        assert!(Instant::now() < deadline, "{}", cf.get("/held").await);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The records of a zone that are not at `name`, as the fake holds them.
async fn others(cf: &FakeCloudflare, zone_id: &str, names: &[String]) -> Vec<Json> {
    let mut all: Vec<Json> = cf
        .all(zone_id)
        .await
        .into_iter()
        .filter(|r| !names.iter().any(|n| r["name"] == n.as_str()))
        .collect();
    all.sort_by_key(|r| r["id"].as_str().unwrap_or("").to_owned());
    all
}

#[tokio::test]
async fn a_zone_with_more_names_than_one_round_is_read_whole_page_by_page() {
    let s = setup().await;
    let rev6 = s.cf.zone(REV6).await;
    // The fake serves 20 records a page, whatever per_page asks.
    s.cf.control("/faults", json!({ "page_cap": 20 })).await;
    // Another tool's PTRs beside the VM's, a stale PTR at one of the VM's
    // names and a TXT at another.
    for suffix in 0x1000..0x1030 {
        s.cf.seed(&rev6, "PTR", &ptr6_of(suffix), "other.example.net")
            .await;
    }
    s.cf.seed(&rev6, "PTR", &ptr6_of(0x100), "old.example.net")
        .await;
    s.cf.seed(&rev6, "TXT", &ptr6_of(0x101), "keep me").await;
    let vm_names: Vec<String> = (0x100..0x120).map(ptr6_of).collect();
    let foreign = others(&s.cf, &rev6, &vm_names).await;
    assert_eq!(foreign.len(), 48);
    let zones = zones(vec![
        s.cf.row(1, "puqcloud.com", &s.fwd),
        s.cf.row(2, "2.0.192.in-addr.arpa", &s.rev),
        s.cf.row(3, REV6, &rev6),
    ]);
    s.cf.control("/stats/reset", json!({})).await;

    let report = sync(&zones, &big_vm(), JobKind::Resync).await;
    assert!(report.ok(), "{:#?}", report.operations);
    // 32 names at 8 in flight would be 4 rounds: the zone's 50 records are
    // one page of 20, then two more at once.
    assert_eq!(
        zone_stats(&report),
        [
            ("puqcloud.com".to_owned(), "names", 1, 1, None),
            ("2.0.192.in-addr.arpa".to_owned(), "names", 1, 1, None),
            (REV6.to_owned(), "zone", 3, 1, Some(50)),
        ]
    );
    assert_eq!(in_order(listings(&s.cf, &rev6).await), zone_pages(&[3]));
    let stats = s.cf.stats().await;
    assert_eq!(
        (stats["requests"].clone(), stats["by_route"][LIST].clone()),
        (json!(8), json!(5)),
        "{stats}"
    );
    assert_eq!(stats["by_route"][BATCH], 3, "{stats}");

    for name in &vm_names[2..] {
        assert_eq!(s.cf.records(&rev6, name).await, ["PTR big.puqcloud.com"]);
    }
    assert_eq!(
        s.cf.records(&rev6, &vm_names[0]).await,
        ["PTR big.puqcloud.com"],
        "the stale PTR is gone"
    );
    assert_eq!(
        s.cf.records(&rev6, &vm_names[1]).await,
        ["PTR big.puqcloud.com", "TXT keep me"]
    );
    assert_eq!(others(&s.cf, &rev6, &vm_names).await, foreign);

    // Again: nothing to write, and the zone's size is known now, 81
    // records in 5 pages.
    s.cf.control("/stats/reset", json!({})).await;
    let again = sync(&zones, &big_vm(), JobKind::Resync).await;
    assert!(again.ok(), "{:#?}", again.operations);
    assert!(again.operations.iter().all(|op| op.step.as_str() == "keep"));
    assert_eq!(
        zone_stats(&again)[2],
        (REV6.to_owned(), "zone", 5, 0, Some(81))
    );
    assert_eq!(in_order(listings(&s.cf, &rev6).await), zone_pages(&[5]));
    // The forward name's 33 records are two pages of 20 now.
    let stats = s.cf.stats().await;
    assert_eq!(
        (stats["requests"].clone(), stats["by_route"][LIST].clone()),
        (json!(8), json!(8)),
        "{stats}"
    );
}

#[tokio::test]
async fn records_added_while_the_pages_are_read_are_not_missed() {
    let s = setup().await;
    let rev6 = s.cf.zone(REV6).await;
    s.cf.control("/faults", json!({ "page_cap": 10 })).await;
    // 25 foreign PTRs (0.0.0.2… to f.0.0.2…, 0.1.0.2… to 8.1.0.2…), then
    // a stale PTR at the VM's f.1.1.0… listed last, on page 3 of 3.
    for suffix in 0x2000..0x2019 {
        s.cf.seed(&rev6, "PTR", &ptr6_of(suffix), "other.example.net")
            .await;
    }
    s.cf.seed(&rev6, "PTR", &ptr6_of(0x11f), "old.example.net")
        .await;
    // Pages 2 and 3 wait while 10 records that list first are added: the
    // stale PTR moves to a 4th page that page 1 did not count.
    s.cf.control(
        "/faults",
        json!({ "hold": { "route": LIST, "zone": rev6, "skip": 1, "count": 2, "timeout_s": 10 } }),
    )
    .await;
    let zones = zones(vec![
        s.cf.row(1, "puqcloud.com", &s.fwd),
        s.cf.row(3, REV6, &rev6),
    ]);
    s.cf.control("/stats/reset", json!({})).await;
    let meddle = async {
        wait_held(&s.cf, 2).await;
        for suffix in 0x3000..0x300a {
            s.cf.seed(&rev6, "PTR", &ptr6_of(suffix), "new.example.net")
                .await;
        }
        s.cf.control("/release", json!({})).await;
    };
    let vm = big_vm();
    let (report, ()) = tokio::join!(sync(&zones, &vm, JobKind::Resync), meddle);
    assert!(report.ok(), "{:#?}", report.operations);
    assert_eq!(
        s.cf.records(&rev6, &ptr6_of(0x11f)).await,
        ["PTR big.puqcloud.com"],
        "the stale PTR on the page added meanwhile is gone"
    );
    assert_eq!(
        zone_stats(&report)[1],
        (REV6.to_owned(), "zone", 4, 1, Some(36))
    );
    assert_eq!(in_order(listings(&s.cf, &rev6).await), zone_pages(&[4]));
    let vm_names: Vec<String> = (0x100..0x120).map(ptr6_of).collect();
    assert_eq!(others(&s.cf, &rev6, &vm_names).await.len(), 35);
}

#[tokio::test]
async fn records_removed_while_the_pages_are_read_make_the_zone_read_again() {
    let s = setup().await;
    let rev6 = s.cf.zone(REV6).await;
    s.cf.control("/faults", json!({ "page_cap": 10 })).await;
    // Listed in this order: 0.0.0.2…, 0.1.0.2…, … 4.1.0.2… (page 1),
    // 5.0.0.2…, then the VM's stale 5.0.1.0… (page 2).
    for suffix in 0x2000..0x2019 {
        s.cf.seed(&rev6, "PTR", &ptr6_of(suffix), "other.example.net")
            .await;
    }
    s.cf.seed(&rev6, "PTR", &ptr6_of(0x105), "old.example.net")
        .await;
    let gone: Vec<String> =
        s.cf.all(&rev6)
            .await
            .iter()
            .filter(|r| (0x2000..0x2005).any(|s| r["name"] == ptr6_of(s).as_str()))
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect();
    assert_eq!(gone.len(), 5);
    // While pages 2 and 3 wait, five records of page 1 are deleted: the
    // stale PTR moves onto page 1, already read.
    s.cf.control(
        "/faults",
        json!({ "hold": { "route": LIST, "zone": rev6, "skip": 1, "count": 2, "timeout_s": 10 } }),
    )
    .await;
    let zones = zones(vec![s.cf.row(3, REV6, &rev6)]);
    s.cf.control("/stats/reset", json!({})).await;
    let meddle = async {
        wait_held(&s.cf, 2).await;
        for id in &gone {
            s.cf.delete(&rev6, id).await;
        }
        s.cf.control("/release", json!({})).await;
    };
    let vm = big_vm();
    let (report, ()) = tokio::join!(sync(&zones, &vm, JobKind::Resync), meddle);
    assert!(report.ok(), "{:#?}", report.operations);
    assert_eq!(
        s.cf.records(&rev6, &ptr6_of(0x105)).await,
        ["PTR big.puqcloud.com"],
        "the stale PTR that moved onto page 1 is gone"
    );
    // Page 3 counted 21 records where page 1 counted 26: read again, 3 pages.
    assert_eq!(
        zone_stats(&report),
        [(REV6.to_owned(), "zone", 6, 1, Some(21))]
    );
    assert_eq!(in_order(listings(&s.cf, &rev6).await), zone_pages(&[3, 3]));
}

#[tokio::test]
async fn a_refused_zone_read_says_what_a_names_read_says() {
    let s = setup().await;
    let rev6 = s.cf.zone(REV6).await;
    let mut bad = s.cf.row(3, REV6, &rev6);
    if let Value::Array(row) = &mut bad {
        row.insert("api_token", "not-a-token");
    }
    let zones = zones(vec![bad]);
    let errors = |report: &SyncReport| {
        let mut errors: Vec<String> = report
            .operations
            .iter()
            .filter_map(|op| op.error.clone())
            .collect();
        errors.dedup();
        errors
    };

    let whole = sync(&zones, &big_vm(), JobKind::Resync).await;
    let lists = listings(&s.cf, &rev6).await;
    assert_eq!(lists[0], "page=1 per_page=5000000", "{lists:?}");
    assert!(
        lists[1..].iter().all(|l| l.starts_with("name=")),
        "{lists:?}"
    );
    s.cf.control("/stats/reset", json!({})).await;
    let by_name = sync(&zones, &vm1(&["2001:db8::7"]), JobKind::Resync).await;
    let lists = listings(&s.cf, &rev6).await;
    assert_eq!(lists.len(), 1, "{lists:?}");
    assert!(lists[0].starts_with("name="), "{lists:?}");

    assert_eq!(errors(&whole), ["HTTP 403: 9109 Invalid access token"]);
    assert_eq!(errors(&whole), errors(&by_name));
    for report in [&whole, &by_name] {
        let shown = format!("{:?}", report.to_value());
        assert!(
            !shown.contains(TOKEN) && !shown.contains("not-a-token"),
            "{shown}"
        );
    }
}
