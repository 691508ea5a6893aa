use super::*;
use crate::value::{Array, Value};

fn zones(names: &[&str]) -> ZoneSet {
    let rows = names.iter().enumerate().map(|(i, zone)| {
        Value::Array(
            Array::new()
                .with("id", i64::try_from(i).unwrap() + 1)
                .with("zone", *zone)
                .with("type", "powerdns")
                .with("server_url", "http://127.0.0.1:1")
                .with("api_key", "k")
                .with("ttl", 600i64),
        )
    });
    ZoneSet::from_rows(&Value::Array(Array::list(rows))).unwrap()
}

fn vm(ips: Vec<Value>, ttl: Option<i64>) -> Vm {
    let mut row = Array::new()
        .with("id", 1i64)
        .with("name", "vm")
        .with("domain", "puqcloud.com")
        .with("ips", Array::list(ips));
    if let Some(ttl) = ttl {
        row.insert("ttl", ttl);
    }
    Vm::from_value(&Value::Array(row)).unwrap()
}

/// `zone: type name -> wanted [targets] ttl` per planned set.
fn sets(plan: &VmPlan<'_>) -> Vec<String> {
    plan.zones
        .iter()
        .flat_map(|zp| {
            zp.sets.iter().map(move |s| {
                format!(
                    "{}: {} {} -> {:?} {:?} {}",
                    zp.zone.name, s.rrtype, s.name, s.wanted, s.vm_targets, s.ttl
                )
            })
        })
        .collect()
}

#[test]
fn forward_zones_on_label_boundaries_get_a_and_aaaa() {
    let z = zones(&["puqcloud.com", "uq.com", "cloud.com", "com"]);
    let plan = plan_vm(&z, &vm(vec![Value::from("192.0.2.7")], None));
    assert_eq!(
        sets(&plan),
        [
            "puqcloud.com: A vm.puqcloud.com -> [\"192.0.2.7\"] [] 600",
            "puqcloud.com: AAAA vm.puqcloud.com -> [] [] 600",
            "com: A vm.puqcloud.com -> [\"192.0.2.7\"] [] 600",
            "com: AAAA vm.puqcloud.com -> [] [] 600",
        ]
    );
    assert_eq!(
        plan.unmatched,
        [DnsName::parse("7.2.0.192.in-addr.arpa").unwrap()]
    );
}

#[test]
fn reverse_zones_at_every_level_classless_and_ipv6() {
    let z = zones(&[
        "2.0.192.in-addr.arpa",
        "192.in-addr.arpa",
        "0-63.2.0.192.in-addr.arpa",
        "8.b.d.0.1.0.0.2.ip6.arpa",
    ]);
    let custom = Value::from(
        Array::new()
            .with("ip", "192.0.2.5")
            .with("reverse", "mail.example.com"),
    );
    let plan = plan_vm(&z, &vm(vec![custom, Value::from("2001:db8::1")], Some(120)));
    assert_eq!(
        sets(&plan),
        [
            "2.0.192.in-addr.arpa: PTR 5.2.0.192.in-addr.arpa -> [\"mail.example.com\"] [\"mail.example.com\", \"vm.puqcloud.com\"] 120",
            "192.in-addr.arpa: PTR 5.2.0.192.in-addr.arpa -> [\"mail.example.com\"] [\"mail.example.com\", \"vm.puqcloud.com\"] 120",
            "0-63.2.0.192.in-addr.arpa: PTR 5.0-63.2.0.192.in-addr.arpa -> [\"mail.example.com\"] [\"mail.example.com\", \"vm.puqcloud.com\"] 120",
            "8.b.d.0.1.0.0.2.ip6.arpa: PTR 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa -> [\"vm.puqcloud.com\"] [\"vm.puqcloud.com\"] 120",
        ]
    );
    assert_eq!(plan.unmatched, [DnsName::parse("vm.puqcloud.com").unwrap()]);
}

#[test]
fn bad_input_is_rejected_not_planned() {
    let z = zones(&["puqcloud.com", "2.0.192.in-addr.arpa"]);
    let bad_reverse = Value::from(
        Array::new()
            .with("ip", "192.0.2.9")
            .with("reverse", "no good"),
    );
    let plan = plan_vm(
        &z,
        &vm(
            vec![Value::from("nope"), Value::from("2001:db8::x"), bad_reverse],
            Some(90),
        ),
    );
    let rejected: Vec<String> = plan
        .rejected
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {:?} {:?} {}",
                r.direction.as_str(),
                r.rrtype,
                r.name,
                r.content,
                r.ttl,
                r.zone.is_some()
            )
        })
        .collect();
    assert_eq!(
        rejected,
        [
            "rev PTR 9.2.0.192.in-addr.arpa \"\" Some(90) true",
            "fwd A vm.puqcloud.com \"nope\" Some(90) false",
            "fwd AAAA vm.puqcloud.com \"2001:db8::x\" Some(90) false",
        ]
    );
    // The forward sets still hold the valid address.
    assert_eq!(plan.zones[0].sets[0].wanted, ["192.0.2.9"]);
}
