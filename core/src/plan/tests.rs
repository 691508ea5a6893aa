use super::*;
use crate::value::{Array, Value};

const FQDN: &str = "vm.puqcloud.com";
const V6_NAME: &str = "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";

// ----------------------------------------------------------------- helpers

/// A PowerDNS zone row; the provider does not matter to the plan.
fn row(id: i64, zone: &str) -> Array {
    Array::new()
        .with("id", id)
        .with("zone", zone)
        .with("type", "powerdns")
        .with("server_url", "https://pdns.example.com:8081")
        .with("api_key", "pdns-key")
}

fn zones(rows: Vec<Array>) -> ZoneSet {
    match ZoneSet::from_rows(&Array::list(rows).into()) {
        Ok(set) => set,
        Err(e) => panic!("{e}"),
    }
}

/// The VM `vm.puqcloud.com` (id 42) with these `ips` and further fields.
fn vm_with(ips: Array, more: Array) -> Vm {
    let mut row = Array::new()
        .with("id", 42i64)
        .with("name", "VM")
        .with("domain", "PuqCloud.com.")
        .with("ips", ips);
    for (k, v) in more {
        row.insert(k, v);
    }
    match Vm::from_value(&row.into()) {
        Ok(vm) => vm,
        Err(e) => panic!("{e}"),
    }
}

fn vm(ips: &[&str]) -> Vm {
    vm_with(Array::list(ips.iter().copied()), Array::new())
}

fn custom(ip: &str, reverse: &str) -> Value {
    Array::new().with("ip", ip).with("reverse", reverse).into()
}

/// One line per planned set: `zone dir type name wanted vm_targets ttl`.
fn sets(plan: &VmPlan<'_>) -> Vec<String> {
    plan.zones
        .iter()
        .flat_map(|zp| {
            zp.sets.iter().map(move |s| {
                format!(
                    "{} {} {} {} {:?} {:?} {}",
                    zp.zone.id,
                    s.direction.as_str(),
                    s.rrtype,
                    s.name,
                    s.wanted,
                    s.vm_targets,
                    s.ttl
                )
            })
        })
        .collect()
}

fn unmatched(plan: &VmPlan<'_>) -> Vec<String> {
    plan.unmatched.iter().map(ToString::to_string).collect()
}

/// One line per rejected operation: `zone dir type name content ttl: error`.
fn rejected(plan: &VmPlan<'_>) -> Vec<String> {
    plan.rejected
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} {:?} {:?}: {}",
                r.zone.map_or("-".to_owned(), |z| z.id.to_string()),
                r.direction.as_str(),
                r.rrtype,
                r.name,
                r.content,
                r.ttl,
                r.error
            )
        })
        .collect()
}

fn zone_ids(plan: &VmPlan<'_>) -> Vec<String> {
    plan.zones.iter().map(|zp| zp.zone.id.to_string()).collect()
}

// ---------------------------------------------------------------- forward

#[test]
fn forward_zones_match_on_label_boundaries() {
    let set = zones(vec![
        row(1, "uq.com"),
        row(2, "puqcloud.com"),
        row(3, "cloud.com"),
        row(4, "qcloud.com"),
        row(5, "example.com"),
    ]);
    let plan = plan_vm(&set, &vm(&["192.0.2.7", "2001:db8::7"]));
    assert_eq!(
        sets(&plan),
        [
            r#"2 fwd A vm.puqcloud.com ["192.0.2.7"] [] 3600"#,
            r#"2 fwd AAAA vm.puqcloud.com ["2001:db8::7"] [] 3600"#,
        ]
    );
    assert_eq!(unmatched(&plan), ["7.2.0.192.in-addr.arpa", V6_NAME]);
    assert!(plan.rejected.is_empty());
}

#[test]
fn every_matching_forward_zone_gets_the_records() {
    let set = zones(vec![
        row(1, "puqcloud.com"),
        row(2, "example.org"),
        row(3, "vm.puqcloud.com"),
        row(4, "com"),
    ]);
    let plan = plan_vm(&set, &vm(&["192.0.2.7"]));
    assert_eq!(zone_ids(&plan), ["1", "3", "4"]);
    assert_eq!(
        sets(&plan),
        [
            r#"1 fwd A vm.puqcloud.com ["192.0.2.7"] [] 3600"#,
            r#"1 fwd AAAA vm.puqcloud.com [] [] 3600"#,
            r#"3 fwd A vm.puqcloud.com ["192.0.2.7"] [] 3600"#,
            r#"3 fwd AAAA vm.puqcloud.com [] [] 3600"#,
            r#"4 fwd A vm.puqcloud.com ["192.0.2.7"] [] 3600"#,
            r#"4 fwd AAAA vm.puqcloud.com [] [] 3600"#,
        ]
    );
    assert_eq!(unmatched(&plan), ["7.2.0.192.in-addr.arpa"]);
}

#[test]
fn a_and_aaaa_are_both_planned_even_for_an_ipv4_only_vm() {
    let set = zones(vec![row(1, "puqcloud.com")]);
    let plan = plan_vm(&set, &vm(&["192.0.2.7", "192.0.2.8"]));
    let forward = &plan.zones[0].sets;
    assert_eq!(
        forward,
        &[
            OwnedSet {
                direction: Direction::Forward,
                name: DnsName::parse(FQDN).unwrap(),
                rrtype: RecordType::A,
                wanted: vec!["192.0.2.7".to_owned(), "192.0.2.8".to_owned()],
                vm_targets: Vec::new(),
                ttl: 3600,
            },
            OwnedSet {
                direction: Direction::Forward,
                name: DnsName::parse(FQDN).unwrap(),
                rrtype: RecordType::Aaaa,
                wanted: Vec::new(),
                vm_targets: Vec::new(),
                ttl: 3600,
            },
        ]
    );
    // And an IPv6-only VM still has its (empty) A set, a VM with no
    // addresses both.
    let plan = plan_vm(&set, &vm(&["2001:db8::7"]));
    assert_eq!(
        sets(&plan),
        [
            r#"1 fwd A vm.puqcloud.com [] [] 3600"#,
            r#"1 fwd AAAA vm.puqcloud.com ["2001:db8::7"] [] 3600"#,
        ]
    );
    let plan = plan_vm(&set, &vm(&[]));
    assert_eq!(
        sets(&plan),
        [
            r#"1 fwd A vm.puqcloud.com [] [] 3600"#,
            r#"1 fwd AAAA vm.puqcloud.com [] [] 3600"#,
        ]
    );
    assert!(plan.unmatched.is_empty());
}

#[test]
fn addresses_are_wanted_in_canonical_text_once() {
    let set = zones(vec![row(1, "puqcloud.com")]);
    let plan = plan_vm(
        &set,
        &vm(&[
            " 192.0.2.7 ",
            "2001:DB8:0:0:0:0:0:7",
            "192.0.2.7",
            "2001:db8::7",
        ]),
    );
    assert_eq!(
        sets(&plan),
        [
            r#"1 fwd A vm.puqcloud.com ["192.0.2.7"] [] 3600"#,
            r#"1 fwd AAAA vm.puqcloud.com ["2001:db8::7"] [] 3600"#,
        ]
    );
}

#[test]
fn an_explicit_fqdn_is_the_forward_name() {
    let set = zones(vec![row(1, "puqcloud.com"), row(2, "example.org")]);
    let plan = plan_vm(
        &set,
        &vm_with(
            Array::list(["192.0.2.7"]),
            Array::new().with("fqdn", "Web.Example.ORG."),
        ),
    );
    assert_eq!(
        sets(&plan),
        [
            r#"2 fwd A web.example.org ["192.0.2.7"] [] 3600"#,
            r#"2 fwd AAAA web.example.org [] [] 3600"#,
        ]
    );
}

// ---------------------------------------------------------------- reverse

#[test]
fn ipv4_reverse_zones_at_every_delegation_level_take_the_ptr() {
    for zone in [
        "7.2.0.192.in-addr.arpa",
        "2.0.192.in-addr.arpa",
        "0.192.in-addr.arpa",
        "192.in-addr.arpa",
        "in-addr.arpa",
    ] {
        let set = zones(vec![row(1, zone)]);
        let plan = plan_vm(&set, &vm(&["192.0.2.7"]));
        assert_eq!(
            sets(&plan),
            [r#"1 rev PTR 7.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#],
            "{zone}"
        );
        assert_eq!(unmatched(&plan), [FQDN], "{zone}");
    }
    for zone in [
        "8.2.0.192.in-addr.arpa",
        "3.0.192.in-addr.arpa",
        "1.192.in-addr.arpa",
        "193.in-addr.arpa",
    ] {
        let set = zones(vec![row(1, zone)]);
        let plan = plan_vm(&set, &vm(&["192.0.2.7"]));
        assert!(plan.zones.is_empty(), "{zone}");
        assert_eq!(unmatched(&plan), [FQDN, "7.2.0.192.in-addr.arpa"], "{zone}");
    }
}

#[test]
fn every_matching_reverse_zone_gets_the_ptr() {
    let set = zones(vec![
        row(1, "2.0.192.in-addr.arpa"),
        row(2, "192.in-addr.arpa"),
        row(3, "0/26.2.0.192.in-addr.arpa"),
        row(4, "puqcloud.com"),
    ]);
    let plan = plan_vm(&set, &vm(&["192.0.2.5"]));
    assert_eq!(
        sets(&plan),
        [
            r#"1 rev PTR 5.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#,
            r#"2 rev PTR 5.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#,
            r#"3 rev PTR 5.0/26.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#,
            r#"4 fwd A vm.puqcloud.com ["192.0.2.5"] [] 3600"#,
            r#"4 fwd AAAA vm.puqcloud.com [] [] 3600"#,
        ]
    );
    assert!(plan.unmatched.is_empty());
}

#[test]
fn classless_zones_take_their_range_and_name_the_ptr_inside_the_zone() {
    for zone in ["0/26.2.0.192.in-addr.arpa", "0-63.2.0.192.in-addr.arpa"] {
        let set = zones(vec![row(1, zone)]);
        let plan = plan_vm(
            &set,
            &vm(&[
                "192.0.2.0",
                "192.0.2.5",
                "192.0.2.63",
                "192.0.2.64",
                "192.0.3.5",
            ]),
        );
        let target = r#"["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#;
        assert_eq!(
            sets(&plan),
            [
                format!("1 rev PTR 0.{zone} {target}"),
                format!("1 rev PTR 5.{zone} {target}"),
                format!("1 rev PTR 63.{zone} {target}"),
            ],
            "{zone}"
        );
        assert_eq!(
            unmatched(&plan),
            [FQDN, "64.2.0.192.in-addr.arpa", "5.3.0.192.in-addr.arpa"],
            "{zone}"
        );
    }
    let set = zones(vec![row(1, "0/26.2.0.192.in-addr.arpa")]);
    let plan = plan_vm(&set, &vm(&["192.0.2.5"]));
    assert_eq!(
        plan.zones[0].sets[0].name.as_str(),
        "5.0/26.2.0.192.in-addr.arpa"
    );
    // The upper block takes the upper addresses.
    let set = zones(vec![row(1, "64/26.2.0.192.in-addr.arpa")]);
    let plan = plan_vm(&set, &vm(&["192.0.2.5", "192.0.2.100"]));
    assert_eq!(
        sets(&plan),
        [
            r#"1 rev PTR 100.64/26.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#
        ]
    );
    assert_eq!(unmatched(&plan), [FQDN, "5.2.0.192.in-addr.arpa"]);
}

#[test]
fn ipv6_zones_take_the_ptr_when_they_are_a_suffix_of_the_nibble_name() {
    for zone in [
        "8.b.d.0.1.0.0.2.ip6.arpa",
        "0.1.0.0.2.ip6.arpa",
        "ip6.arpa",
        // 31 nibbles: the longest zone that can hold a PTR.
        &V6_NAME[2..],
    ] {
        let set = zones(vec![row(1, zone)]);
        let plan = plan_vm(&set, &vm(&["2001:db8::7", "192.0.2.7"]));
        assert_eq!(
            sets(&plan),
            [format!(
                r#"1 rev PTR {V6_NAME} ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#
            )],
            "{zone}"
        );
        assert_eq!(unmatched(&plan), [FQDN, "7.2.0.192.in-addr.arpa"], "{zone}");
    }
    let other_31 = format!("1.{}", &V6_NAME[4..]);
    for zone in [
        "9.b.d.0.1.0.0.2.ip6.arpa",
        "1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
        &other_31,
    ] {
        let set = zones(vec![row(1, zone)]);
        let plan = plan_vm(&set, &vm(&["2001:db8::7"]));
        assert!(plan.zones.is_empty(), "{zone}");
        assert_eq!(unmatched(&plan), [FQDN, V6_NAME], "{zone}");
    }
    // IPv4 zones never take an IPv6 address, nor the other way round.
    let set = zones(vec![row(1, "in-addr.arpa"), row(2, "ip6.arpa")]);
    let plan = plan_vm(&set, &vm(&["2001:db8::7", "192.0.2.7"]));
    assert_eq!(
        sets(&plan),
        [
            r#"1 rev PTR 7.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#
                .to_owned(),
            format!(r#"2 rev PTR {V6_NAME} ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#),
        ]
    );
}

#[test]
fn a_custom_reverse_name_is_the_ptr_target_and_the_fqdn_stays_a_vm_target() {
    let set = zones(vec![row(1, "2.0.192.in-addr.arpa")]);
    let ips = Array::list([
        custom("192.0.2.7", "Mail.Example.COM."),
        custom("192.0.2.8", "VM.PuqCloud.com"),
        custom("192.0.2.9", ""),
        Value::from("192.0.2.10"),
    ]);
    let plan = plan_vm(&set, &vm_with(ips, Array::new()));
    assert_eq!(
        sets(&plan),
        [
            r#"1 rev PTR 7.2.0.192.in-addr.arpa ["mail.example.com"] ["mail.example.com", "vm.puqcloud.com"] 3600"#,
            r#"1 rev PTR 8.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#,
            r#"1 rev PTR 9.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#,
            r#"1 rev PTR 10.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#,
        ]
    );
}

// --------------------------------------------------------------- unmatched

#[test]
fn names_no_zone_takes_are_unmatched_in_order() {
    let none = zones(vec![]);
    let plan = plan_vm(&none, &vm(&["2001:db8::7", "192.0.2.7", "198.51.100.1"]));
    assert!(plan.zones.is_empty());
    assert!(plan.rejected.is_empty());
    assert_eq!(
        unmatched(&plan),
        [
            FQDN,
            V6_NAME,
            "7.2.0.192.in-addr.arpa",
            "1.100.51.198.in-addr.arpa"
        ]
    );
    // Matched names are not listed; a reverse zone does not take the FQDN.
    let set = zones(vec![row(1, "in-addr.arpa"), row(2, "example.org")]);
    let plan = plan_vm(&set, &vm(&["2001:db8::7", "192.0.2.7"]));
    assert_eq!(zone_ids(&plan), ["1"]);
    assert_eq!(unmatched(&plan), [FQDN, V6_NAME]);
}

// ---------------------------------------------------------------- rejected

#[test]
fn a_bad_address_is_rejected_and_the_rest_is_planned() {
    let set = zones(vec![row(1, "puqcloud.com"), row(2, "in-addr.arpa")]);
    let ips = Array::list([
        Value::from("192.0.2.7"),
        Value::from("not-an-ip"),
        Value::from("fe80::1%eth0"),
        Value::from("192.0.2.0/24"),
        Value::Int(7),
        Value::from(Array::new().with("reverse", "x.example.com")),
    ]);
    let plan = plan_vm(&set, &vm_with(ips, Array::new()));
    assert_eq!(
        sets(&plan),
        [
            r#"1 fwd A vm.puqcloud.com ["192.0.2.7"] [] 3600"#,
            r#"1 fwd AAAA vm.puqcloud.com [] [] 3600"#,
            r#"2 rev PTR 7.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#,
        ]
    );
    assert_eq!(
        rejected(&plan),
        [
            r#"- fwd A vm.puqcloud.com "not-an-ip" None: "not-an-ip" is not an IP address"#,
            r#"- fwd AAAA vm.puqcloud.com "fe80::1%eth0" None: "fe80::1%eth0" is not an IP address"#,
            r#"- fwd A vm.puqcloud.com "192.0.2.0/24" None: "192.0.2.0/24" is a network in CIDR notation, not one address"#,
            r#"- fwd A vm.puqcloud.com "7" None: 7 is not an IP address"#,
            r#"- fwd A vm.puqcloud.com "an array" None: an ips entry has no ip"#,
        ]
    );
    assert!(plan.unmatched.is_empty());
    assert_eq!(
        plan.rejected[0],
        Rejected {
            zone: None,
            direction: Direction::Forward,
            rrtype: RecordType::A,
            name: FQDN.to_owned(),
            content: "not-an-ip".to_owned(),
            ttl: None,
            error: "\"not-an-ip\" is not an IP address".to_owned(),
        }
    );
}

#[test]
fn a_bad_custom_reverse_rejects_that_ptr_in_every_zone_that_takes_it() {
    let set = zones(vec![
        row(1, "puqcloud.com"),
        row(2, "2.0.192.in-addr.arpa").with("ttl", 600i64),
        row(3, "0-63.2.0.192.in-addr.arpa"),
    ]);
    let ips = Array::list([custom("192.0.2.10", "bad name"), Value::from("192.0.2.11")]);
    let plan = plan_vm(&set, &vm_with(ips, Array::new()));
    assert_eq!(
        sets(&plan),
        [
            r#"1 fwd A vm.puqcloud.com ["192.0.2.10", "192.0.2.11"] [] 3600"#,
            r#"1 fwd AAAA vm.puqcloud.com [] [] 3600"#,
            r#"2 rev PTR 11.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 600"#,
            r#"3 rev PTR 11.0-63.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#,
        ]
    );
    let error =
        "the reverse name for 192.0.2.10 \"bad name\" contains ' ', which a DNS name cannot hold";
    assert_eq!(
        plan.rejected,
        [
            Rejected {
                zone: Some(&set.zones()[1]),
                direction: Direction::Reverse,
                rrtype: RecordType::Ptr,
                name: "10.2.0.192.in-addr.arpa".to_owned(),
                content: String::new(),
                ttl: Some(600),
                error: error.to_owned(),
            },
            Rejected {
                zone: Some(&set.zones()[2]),
                direction: Direction::Reverse,
                rrtype: RecordType::Ptr,
                name: "10.0-63.2.0.192.in-addr.arpa".to_owned(),
                content: String::new(),
                ttl: Some(3600),
                error: error.to_owned(),
            },
        ]
    );
    assert!(plan.unmatched.is_empty());
}

#[test]
fn a_bad_custom_reverse_without_a_reverse_zone_is_only_unmatched() {
    let set = zones(vec![row(1, "puqcloud.com")]);
    let ips = Array::list([custom("192.0.2.10", "bad name")]);
    let plan = plan_vm(&set, &vm_with(ips, Array::new()));
    assert!(plan.rejected.is_empty());
    assert_eq!(unmatched(&plan), ["10.2.0.192.in-addr.arpa"]);
    let ips = Array::list([Value::from(
        Array::new().with("ip", "192.0.2.10").with("reverse", 5i64),
    )]);
    let set = zones(vec![row(2, "in-addr.arpa")]);
    let plan = plan_vm(&set, &vm_with(ips, Array::new()));
    assert_eq!(
        rejected(&plan),
        [
            r#"2 rev PTR 10.2.0.192.in-addr.arpa "" Some(3600): the reverse name for 192.0.2.10 must be a string, not int"#
        ]
    );
    assert!(plan.zones.is_empty());
}

// -------------------------------------------------------------------- ttl

#[test]
fn each_zone_gives_its_ttl_unless_the_vm_has_one() {
    let set = zones(vec![
        row(1, "puqcloud.com").with("ttl", "300"),
        row(2, "2.0.192.in-addr.arpa"),
        row(3, "in-addr.arpa").with("ttl", 86_400i64),
    ]);
    let plan = plan_vm(&set, &vm(&["192.0.2.7"]));
    assert_eq!(
        sets(&plan),
        [
            r#"1 fwd A vm.puqcloud.com ["192.0.2.7"] [] 300"#,
            r#"1 fwd AAAA vm.puqcloud.com [] [] 300"#,
            r#"2 rev PTR 7.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#,
            r#"3 rev PTR 7.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 86400"#,
        ]
    );
}

#[test]
fn the_vms_ttl_wins_over_every_zones_ttl() {
    let set = zones(vec![
        row(1, "puqcloud.com").with("ttl", "300"),
        row(2, "2.0.192.in-addr.arpa"),
    ]);
    let ips = Array::list([
        Value::from("192.0.2.7"),
        custom("192.0.2.8", "bad name"),
        Value::from("nonsense"),
    ]);
    let plan = plan_vm(&set, &vm_with(ips, Array::new().with("ttl", "120")));
    assert_eq!(
        sets(&plan),
        [
            r#"1 fwd A vm.puqcloud.com ["192.0.2.7", "192.0.2.8"] [] 120"#,
            r#"1 fwd AAAA vm.puqcloud.com [] [] 120"#,
            r#"2 rev PTR 7.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 120"#,
        ]
    );
    assert_eq!(
        rejected(&plan),
        [
            r#"2 rev PTR 8.2.0.192.in-addr.arpa "" Some(120): the reverse name for 192.0.2.8 "bad name" contains ' ', which a DNS name cannot hold"#,
            r#"- fwd A vm.puqcloud.com "nonsense" Some(120): "nonsense" is not an IP address"#,
        ]
    );
}

// ------------------------------------------------------------------ order

#[test]
fn zones_come_in_set_order_and_sets_forward_first_then_ptrs_by_address() {
    let set = zones(vec![
        row(1, "ip6.arpa"),
        row(2, "example.org"),
        row(3, "puqcloud.com"),
        row(4, "2.0.192.in-addr.arpa"),
    ]);
    let plan = plan_vm(
        &set,
        &vm(&["192.0.2.9", "2001:db8::7", "192.0.2.3", "2001:db8::1"]),
    );
    assert_eq!(zone_ids(&plan), ["1", "3", "4"]);
    let v6_one = V6_NAME.replacen('7', "1", 1);
    assert_eq!(
        sets(&plan),
        [
            format!(r#"1 rev PTR {V6_NAME} ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#),
            format!(r#"1 rev PTR {v6_one} ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#),
            r#"3 fwd A vm.puqcloud.com ["192.0.2.9", "192.0.2.3"] [] 3600"#.to_owned(),
            r#"3 fwd AAAA vm.puqcloud.com ["2001:db8::7", "2001:db8::1"] [] 3600"#.to_owned(),
            r#"4 rev PTR 9.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#
                .to_owned(),
            r#"4 rev PTR 3.2.0.192.in-addr.arpa ["vm.puqcloud.com"] ["vm.puqcloud.com"] 3600"#
                .to_owned(),
        ]
    );
    assert!(plan.unmatched.is_empty());
}

#[test]
fn record_types_and_directions_print_as_the_results_do() {
    assert_eq!(
        [RecordType::A, RecordType::Aaaa, RecordType::Ptr].map(|t| t.to_string()),
        ["A", "AAAA", "PTR"]
    );
    assert_eq!(
        [Direction::Forward, Direction::Reverse].map(Direction::as_str),
        ["fwd", "rev"]
    );
    assert_eq!(
        RecordType::for_address("2001:db8::1".parse().unwrap()),
        RecordType::Aaaa
    );
    assert_eq!(
        RecordType::for_address("192.0.2.1".parse().unwrap()),
        RecordType::A
    );
}
