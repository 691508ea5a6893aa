//! DNS names, zone kinds, addresses and reverse names.

#![no_main]

use std::net::{IpAddr, Ipv4Addr};

use arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use puq_dns_core::reverse::{self, ZoneKind};
use puq_dns_core::zone_set::reverse_name_of;
use puq_dns_core::DnsName;

/// Raw text or text built from name-like pieces.
fn text(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0u8..=4)? {
        0 => String::arbitrary(u)?,
        1 => puq_dns_fuzz::ip_text(u)?,
        2 => puq_dns_fuzz::string(u)?,
        _ => puq_dns_fuzz::dns_name(u)?,
    })
}

/// The address whose ordinary reverse name this is, if it is one.
fn v4_of_reverse_name(name: &DnsName) -> Option<Ipv4Addr> {
    let head = name.as_str().strip_suffix(".in-addr.arpa")?;
    let labels: Vec<&str> = head.split('.').collect();
    let [d, c, b, a] = labels.as_slice() else {
        return None;
    };
    let ip = Ipv4Addr::new(
        a.parse().ok()?,
        b.parse().ok()?,
        c.parse().ok()?,
        d.parse().ok()?,
    );
    (reverse::reverse_name(IpAddr::V4(ip)) == *name).then_some(ip)
}

fn in_range(range: &reverse::IpRange, ip: IpAddr) -> bool {
    match (range.first, range.last, ip) {
        (IpAddr::V4(a), IpAddr::V4(b), IpAddr::V4(x)) => a <= x && x <= b,
        (IpAddr::V6(a), IpAddr::V6(b), IpAddr::V6(x)) => a <= x && x <= b,
        _ => false,
    }
}

fn check_name(text: &str) -> Option<(DnsName, Option<ZoneKind>)> {
    let name = DnsName::parse(text).ok()?;
    assert_eq!(
        DnsName::parse(name.as_str()).as_ref(),
        Ok(&name),
        "{text:?}"
    );
    assert_eq!(DnsName::parse(&name.to_absolute()).as_ref(), Ok(&name));
    assert!(name.as_str().len() <= 253);
    assert!(name.labels().all(|l| !l.is_empty() && l.len() <= 63));
    let kind = match ZoneKind::of(&name) {
        Ok(kind) => {
            let _ = kind.as_str();
            if let Some(range) = kind.range() {
                let shown = range.to_string();
                assert!(!shown.is_empty());
            }
            Some(kind)
        }
        Err(e) => {
            let _ = e.to_string();
            None
        }
    };
    Some((name, kind))
}

fn check_ip(text: &str) -> Option<IpAddr> {
    let ip = match reverse::parse_ip(text) {
        Ok(ip) => ip,
        Err(e) => {
            let _ = e.to_string();
            return None;
        }
    };
    let rev = reverse::reverse_name(ip);
    assert_eq!(DnsName::parse(rev.as_str()).as_ref(), Ok(&rev));
    assert_eq!(reverse_name_of(text).as_ref(), Ok(&rev));
    assert_eq!(reverse::parse_ip(&ip.to_string()), Ok(ip));
    Some(ip)
}

/// A zone and a name (and an address) together.
fn check_pair(zone: &DnsName, kind: &ZoneKind, name: &DnsName) {
    match name.relative_to(zone) {
        Some("@") => assert_eq!(name, zone),
        Some(rel) => {
            assert!(name.is_below(zone));
            assert_eq!(zone.child(rel).as_ref(), Ok(name));
        }
        None => assert!(!name.is_in(zone)),
    }
    if let ZoneKind::Reverse4(z) = kind {
        if z.holds_name(zone, name) && !name.is_in(zone) {
            // Only the ordinary reverse name of an address in the zone.
            let ip = v4_of_reverse_name(name).unwrap_or_else(|| {
                panic!("{zone} holds {name}, which is neither in it nor a reverse name")
            });
            assert!(z.contains(ip), "{zone} holds {name} but not {ip}");
        }
    }
}

fn check_zone_ip(zone: &DnsName, kind: &ZoneKind, ip: IpAddr) {
    let rev = reverse::reverse_name(ip);
    match (kind, ip) {
        (ZoneKind::Reverse4(z), IpAddr::V4(v4)) => {
            let range = z.range();
            assert_eq!(z.contains(v4), in_range(&range, ip), "{zone} {range} {ip}");
            match z.record_name(zone, v4) {
                Some(record) => {
                    assert!(z.contains(v4));
                    assert!(record.is_in(zone), "{record} outside {zone}");
                    assert!(z.holds_name(zone, &record));
                    assert!(z.holds_name(zone, &rev), "{zone} does not hold {rev}");
                }
                None => {
                    assert!(!z.contains(v4));
                    assert!(!z.holds_name(zone, &rev), "{zone} holds {rev} but not {ip}");
                }
            }
        }
        (ZoneKind::Reverse6(z), IpAddr::V6(v6)) => {
            let range = z.range();
            assert_eq!(z.contains(v6), in_range(&range, ip), "{zone} {range} {ip}");
            assert_eq!(z.contains(v6), rev.is_below(zone), "{zone} {ip}");
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let (Ok(a), Ok(b)) = (text(&mut u), text(&mut u)) else {
        return;
    };
    let ips = [check_ip(&a), check_ip(&b)];
    let names = [check_name(&a), check_name(&b)];
    for (zone, kind) in names.iter().flatten() {
        let Some(kind) = kind else { continue };
        for (name, _) in names.iter().flatten() {
            check_pair(zone, kind, name);
        }
        for ip in ips.iter().flatten() {
            check_zone_ip(zone, kind, *ip);
            check_pair(zone, kind, &reverse::reverse_name(*ip));
        }
    }
});
