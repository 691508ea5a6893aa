//! Zone sets, VM arrays and the plan of the records a VM owns.

#![no_main]

use std::net::IpAddr;

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use puq_dns_core::plan::{plan_vm, Direction, RecordType};
use puq_dns_core::reverse::{self, ZoneKind};
use puq_dns_core::vm::VmAddress;
use puq_dns_core::{Array, DnsName, Value, Vm, Zone, ZoneSet};

fn input(u: &mut Unstructured<'_>) -> Result<(Value, Value)> {
    let rows = if puq_dns_fuzz::rarely(u, 30)? {
        puq_dns_fuzz::scalar(u)?.to_value()
    } else {
        let mut rows = Array::new();
        for _ in 0..u.int_in_range(0u8..=4)? {
            rows.push(puq_dns_fuzz::zone_row(u)?.to_value());
        }
        Value::Array(rows)
    };
    Ok((rows, puq_dns_fuzz::vm(u)?.to_value()))
}

/// The rows that are valid on their own, first of each id.
fn valid_rows(rows: &Value) -> Value {
    let mut kept = Array::new();
    let mut ids = Vec::new();
    if let Value::Array(a) = rows {
        for row in a.values() {
            if let Ok(zone) = Zone::from_row(row, None) {
                if !ids.contains(&zone.id) {
                    ids.push(zone.id);
                    kept.push(row.clone());
                }
            }
        }
    }
    Value::Array(kept)
}

fn is_classless(zone: &Zone) -> bool {
    matches!(zone.kind, ZoneKind::Reverse4(_)) && zone.name.as_str().contains(['/', '-'])
}

fn check(zones: &ZoneSet, vm: &Vm) {
    let plan = plan_vm(zones, vm);
    for zp in &plan.zones {
        let zone = zp.zone;
        assert!(!zp.sets.is_empty());
        for set in &zp.sets {
            let inside = set.name.is_in(&zone.name)
                || (is_classless(zone)
                    && zone.holds_name(&set.name)
                    && set
                        .name
                        .is_in(&DnsName::parse("in-addr.arpa").expect("valid")));
            assert!(inside, "{} is planned in {}", set.name, zone.label());
            assert!(set.ttl >= 1);
            assert_eq!(set.ttl, vm.ttl.unwrap_or(zone.ttl));
            match set.direction {
                Direction::Forward => {
                    assert_eq!(set.name, vm.fqdn);
                    assert!(matches!(zone.kind, ZoneKind::Forward));
                    for content in &set.wanted {
                        let ip: IpAddr = content.parse().expect("an address");
                        assert_eq!(RecordType::for_address(ip), set.rrtype);
                    }
                }
                Direction::Reverse => {
                    assert_eq!(set.rrtype, RecordType::Ptr);
                    assert_eq!(set.wanted.len(), 1);
                    assert!(set.vm_targets.contains(&set.wanted[0]));
                    assert!(set.vm_targets.contains(&vm.fqdn.to_string()));
                    assert!(!matches!(zone.kind, ZoneKind::Forward));
                    // The zone that gets a PTR is one that matching() names.
                    let ip = vm
                        .valid_addresses()
                        .map(|(ip, _)| ip)
                        .find(|ip| zone.ptr_name(*ip).as_ref() == Some(&set.name))
                        .expect("the PTR is for one of the VM's addresses");
                    let matching = zones.matching(&ip.to_string()).expect("an address");
                    assert!(matching.iter().any(|z| z.id == zone.id));
                }
            }
        }
        // Forward zones in the plan are the ones matching() names for the
        // FQDN, unless the FQDN reads as an address (`192.0.2.7` is a valid
        // name), which matching() takes for its reverse name.
        let fqdn_is_ip = reverse::parse_ip(vm.fqdn.as_str()).is_ok();
        if !fqdn_is_ip && zp.sets.iter().any(|s| s.direction == Direction::Forward) {
            let matching = zones.matching(vm.fqdn.as_str()).expect("a name");
            assert!(matching.iter().any(|z| z.id == zone.id));
        }
    }
    for rejected in &plan.rejected {
        let _ = (&rejected.name, &rejected.content, &rejected.error);
    }
    let invalid = vm
        .addresses
        .iter()
        .filter(|a| matches!(a, VmAddress::Invalid { .. }))
        .count();
    assert!(plan.rejected.len() >= invalid);
    let _ = zones.listed();
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok((rows, vm)) = input(&mut u) else {
        return;
    };
    let zones = match ZoneSet::from_rows(&rows) {
        Ok(zones) => zones,
        Err(e) => {
            let _ = e.to_string();
            // The rows that are fine on their own make a valid set.
            ZoneSet::from_rows(&valid_rows(&rows)).expect("valid rows with unique ids")
        }
    };
    let vm = match Vm::from_value(&vm) {
        Ok(vm) => vm,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    check(&zones, &vm);
});
