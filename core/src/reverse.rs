//! Addresses and reverse DNS: `in-addr.arpa`, 32-nibble `ip6.arpa` names and
//! the reverse zones (including RFC 2317 classless ones) that hold them.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};
use thiserror::Error;

use crate::name::{shorten, DnsName};

const IN_ADDR_ARPA: &str = "in-addr.arpa";
const IP6_ARPA: &str = "ip6.arpa";

/// Why text is not an address a VM can have a record for.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum IpError {
    #[error("{0:?} is not an IP address")]
    Invalid(String),
    #[error("{given:?} is an IPv4-mapped IPv6 address; give the IPv4 address {v4} instead")]
    V4Mapped { given: String, v4: Ipv4Addr },
    #[error("{0:?} is a network in CIDR notation, not one address")]
    Cidr(String),
    #[error("{given:?} is {what} and cannot be a VM's address")]
    NotUnicast { given: String, what: &'static str },
}

/// Parses any one address as a PHP caller would write it (surrounding
/// spaces allowed), whatever kind of address it is.
pub fn parse_any_ip(text: &str) -> Result<IpAddr, IpError> {
    let trimmed = text.trim();
    if trimmed.contains('/') {
        return Err(IpError::Cidr(shorten(trimmed)));
    }
    trimmed
        .parse()
        .map_err(|_| IpError::Invalid(shorten(trimmed)))
}

/// Parses one address as a PHP caller would write it, refusing forms that
/// cannot be a VM's own address: they would put records in the wrong zones.
pub fn parse_ip(text: &str) -> Result<IpAddr, IpError> {
    let ip = parse_any_ip(text)?;
    let given = shorten(text.trim());
    if let IpAddr::V6(v6) = ip {
        if let Some(v4) = v6.to_ipv4_mapped() {
            return Err(IpError::V4Mapped { given, v4 });
        }
    }
    let what = match ip {
        _ if ip.is_unspecified() => Some("the unspecified address"),
        _ if ip.is_loopback() => Some("a loopback address"),
        _ if ip.is_multicast() => Some("a multicast address"),
        IpAddr::V4(v4) if v4.is_broadcast() => Some("the broadcast address"),
        _ => None,
    };
    match what {
        Some(what) => Err(IpError::NotUnicast { given, what }),
        None => Ok(ip),
    }
}

/// The reverse name of an address: `7.2.0.192.in-addr.arpa`, or the 32
/// nibbles of an IPv6 address under `ip6.arpa`.
pub fn reverse_name(ip: IpAddr) -> DnsName {
    let text = match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}.{IN_ADDR_ARPA}")
        }
        IpAddr::V6(v6) => {
            let mut text = String::with_capacity(73);
            for nibble in nibbles(v6).iter().rev() {
                text.push(char::from(b"0123456789abcdef"[usize::from(*nibble)]));
                text.push('.');
            }
            text.push_str(IP6_ARPA);
            text
        }
    };
    DnsName::from_valid(text)
}

fn nibbles(v6: Ipv6Addr) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, byte) in v6.octets().iter().enumerate() {
        out[2 * i] = byte >> 4;
        out[2 * i + 1] = byte & 0x0f;
    }
    out
}

/// What a zone holds, read from its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZoneKind {
    Forward,
    Reverse4(Reverse4Zone),
    Reverse6(Reverse6Zone),
}

/// An IPv4 reverse zone: whole octets (`2.0.192.in-addr.arpa`) or an RFC 2317
/// range inside the last octet (`0/26.2.0.192.in-addr.arpa`, `0-63.…`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reverse4Zone {
    /// The address's leading octets that the zone fixes, most significant first.
    octets: Vec<u8>,
    /// For a classless zone, the last octets it takes.
    classless: Option<(u8, u8)>,
}

/// An IPv6 reverse zone: the leading nibbles it fixes, most significant first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reverse6Zone {
    nibbles: Vec<u8>,
}

/// Why a name under `in-addr.arpa` or `ip6.arpa` is not a usable reverse zone.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ReverseZoneError {
    #[error("{zone:?} is under in-addr.arpa but {label:?} is not an octet (0-255)")]
    BadOctet { zone: String, label: String },
    #[error("{zone:?} has more than four octets")]
    TooManyOctets { zone: String },
    #[error("{zone:?}: {reason}")]
    BadClassless { zone: String, reason: String },
    #[error("{zone:?} is under ip6.arpa but {label:?} is not one hex nibble")]
    BadNibble { zone: String, label: String },
    #[error("{zone:?} has all 32 nibbles: a zone of one address cannot hold a PTR below it")]
    FullNibbles { zone: String },
}

impl ZoneKind {
    /// Classifies a zone name; reverse zones must be well formed.
    pub fn of(zone: &DnsName) -> Result<ZoneKind, ReverseZoneError> {
        let name = zone.as_str();
        if name == IN_ADDR_ARPA || name.ends_with(".in-addr.arpa") {
            Reverse4Zone::parse(zone).map(ZoneKind::Reverse4)
        } else if name == IP6_ARPA || name.ends_with(".ip6.arpa") {
            Reverse6Zone::parse(zone).map(ZoneKind::Reverse6)
        } else {
            Ok(ZoneKind::Forward)
        }
    }

    /// `forward`, `reverse4` or `reverse6`, as `DnsZoneManager::list()` shows it.
    pub fn as_str(&self) -> &'static str {
        match self {
            ZoneKind::Forward => "forward",
            ZoneKind::Reverse4(_) => "reverse4",
            ZoneKind::Reverse6(_) => "reverse6",
        }
    }

    /// The addresses a reverse zone covers; `None` for a forward zone.
    pub fn range(&self) -> Option<IpRange> {
        match self {
            ZoneKind::Forward => None,
            ZoneKind::Reverse4(z) => Some(z.range()),
            ZoneKind::Reverse6(z) => Some(z.range()),
        }
    }
}

/// Labels of a reverse zone below the given suffix, most significant first.
fn labels_below(zone: &DnsName, suffix_labels: usize) -> Vec<&str> {
    let mut labels: Vec<&str> = zone.labels().collect();
    labels.truncate(labels.len().saturating_sub(suffix_labels));
    labels.reverse();
    labels
}

fn parse_octet(label: &str) -> Option<u8> {
    let canonical = label == "0" || !label.starts_with('0');
    if canonical
        && !label.is_empty()
        && label.len() <= 3
        && label.bytes().all(|b| b.is_ascii_digit())
    {
        label.parse().ok()
    } else {
        None
    }
}

impl Reverse4Zone {
    fn parse(zone: &DnsName) -> Result<Self, ReverseZoneError> {
        let labels = labels_below(zone, 2);
        let shown = zone.to_string();
        if labels.len() > 4 {
            return Err(ReverseZoneError::TooManyOctets { zone: shown });
        }
        let mut octets = Vec::with_capacity(4);
        let mut classless = None;
        for (i, label) in labels.iter().enumerate() {
            if let Some(octet) = parse_octet(label) {
                octets.push(octet);
                continue;
            }
            if i == 3 && (label.contains('/') || label.contains('-')) {
                classless = Some(parse_classless(label).map_err(|reason| {
                    ReverseZoneError::BadClassless {
                        zone: shown.clone(),
                        reason,
                    }
                })?);
                continue;
            }
            if label.contains('/') {
                return Err(ReverseZoneError::BadClassless {
                    zone: shown,
                    reason: format!(
                        "the RFC 2317 range {label:?} must be the first label, followed by three octets"
                    ),
                });
            }
            return Err(ReverseZoneError::BadOctet {
                zone: shown,
                label: (*label).to_owned(),
            });
        }
        Ok(Self { octets, classless })
    }

    /// True when the zone holds this address's PTR.
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let o = ip.octets();
        o.starts_with(&self.octets)
            && self
                .classless
                .is_none_or(|(first, last)| (first..=last).contains(&o[3]))
    }

    /// The name of an address's PTR in this zone: the usual reverse name, or
    /// in a classless zone the last octet in front of the zone
    /// (`5.0/26.2.0.192.in-addr.arpa`). `None` when the zone does not take it.
    pub fn record_name(&self, zone: &DnsName, ip: Ipv4Addr) -> Option<DnsName> {
        if !self.contains(ip) {
            return None;
        }
        match self.classless {
            None => Some(reverse_name(IpAddr::V4(ip))),
            Some(_) => zone.child(&ip.octets()[3].to_string()).ok(),
        }
    }

    /// Whether a name lies in the zone. A classless zone also takes the
    /// address's ordinary reverse name, which a CNAME in the parent points in.
    pub fn holds_name(&self, zone: &DnsName, name: &DnsName) -> bool {
        if name.is_in(zone) {
            return true;
        }
        let Some((first, last)) = self.classless else {
            return false;
        };
        if !name.as_str().ends_with(".in-addr.arpa") {
            return false;
        }
        let labels: Vec<&str> = labels_below(name, 2);
        match labels.as_slice() {
            [a, b, c, d] => {
                let address: Option<Vec<u8>> =
                    [a, b, c, d].iter().map(|l| parse_octet(l)).collect();
                matches!(address.as_deref(), Some([a, b, c, d])
                    if [*a, *b, *c] == self.octets[..] && (first..=last).contains(d))
            }
            _ => false,
        }
    }

    pub fn range(&self) -> IpRange {
        let mut low = [0u8; 4];
        low[..self.octets.len()].copy_from_slice(&self.octets);
        let mut high = [255u8; 4];
        high[..self.octets.len()].copy_from_slice(&self.octets);
        if let Some((first, last)) = self.classless {
            low[3] = first;
            high[3] = last;
        }
        IpRange::new(IpAddr::V4(low.into()), IpAddr::V4(high.into()))
    }
}

/// Reads `0/26` (start and prefix length) or `0-63` (first and last octet).
fn parse_classless(label: &str) -> Result<(u8, u8), String> {
    if let Some((start, prefix)) = label.split_once('/') {
        let start =
            parse_octet(start).ok_or_else(|| format!("{start:?} in {label:?} is not an octet"))?;
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| (24..=32).contains(p))
            .ok_or_else(|| format!("the prefix length in {label:?} must be 24 to 32"))?;
        let size = 1u16 << (32 - prefix);
        if u16::from(start) % size != 0 {
            return Err(format!("{start} is not the start of a /{prefix} block"));
        }
        let last = u16::from(start) + size - 1;
        Ok((
            start,
            u8::try_from(last).map_err(|_| format!("{label:?} runs past 255"))?,
        ))
    } else if let Some((first, last)) = label.split_once('-') {
        let first =
            parse_octet(first).ok_or_else(|| format!("{first:?} in {label:?} is not an octet"))?;
        let last =
            parse_octet(last).ok_or_else(|| format!("{last:?} in {label:?} is not an octet"))?;
        if first > last {
            return Err(format!("the range {label:?} ends before it starts"));
        }
        Ok((first, last))
    } else {
        Err(format!("{label:?} is not an RFC 2317 range"))
    }
}

impl Reverse6Zone {
    fn parse(zone: &DnsName) -> Result<Self, ReverseZoneError> {
        let labels = labels_below(zone, 2);
        let shown = zone.to_string();
        if labels.len() >= 32 {
            return Err(ReverseZoneError::FullNibbles { zone: shown });
        }
        let nibbles = labels
            .iter()
            .map(|label| match label.as_bytes() {
                [b] if b.is_ascii_hexdigit() => char::from(*b)
                    .to_digit(16)
                    .and_then(|d| u8::try_from(d).ok()),
                _ => None,
            })
            .zip(&labels)
            .map(|(nibble, label)| {
                nibble.ok_or_else(|| ReverseZoneError::BadNibble {
                    zone: shown.clone(),
                    label: (*label).to_owned(),
                })
            })
            .collect::<Result<Vec<u8>, _>>()?;
        Ok(Self { nibbles })
    }

    /// True when the zone is a proper suffix of the address's 32-nibble name.
    pub fn contains(&self, ip: Ipv6Addr) -> bool {
        nibbles(ip).starts_with(&self.nibbles)
    }

    pub fn range(&self) -> IpRange {
        let mut low = [0u8; 32];
        let mut high = [0xfu8; 32];
        low[..self.nibbles.len()].copy_from_slice(&self.nibbles);
        high[..self.nibbles.len()].copy_from_slice(&self.nibbles);
        IpRange::new(
            IpAddr::V6(from_nibbles(low)),
            IpAddr::V6(from_nibbles(high)),
        )
    }
}

fn from_nibbles(n: [u8; 32]) -> Ipv6Addr {
    let mut octets = [0u8; 16];
    for (i, octet) in octets.iter_mut().enumerate() {
        *octet = (n[2 * i] << 4) | n[2 * i + 1];
    }
    Ipv6Addr::from(octets)
}

/// The addresses of a reverse zone, first to last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpRange {
    pub first: IpAddr,
    pub last: IpAddr,
}

impl IpRange {
    fn new(first: IpAddr, last: IpAddr) -> Self {
        Self { first, last }
    }
}

/// CIDR when the range is one aligned block (`192.0.2.0/26`, `2001:db8::/32`),
/// else `first-last` (`192.0.2.10-192.0.2.20`).
impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let block = match (self.first, self.last) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                let span = u32::from(a) ^ u32::from(b);
                let prefix = u8::try_from(span.leading_zeros()).unwrap_or(0);
                let aligned = span.count_ones() == 32 - u32::from(prefix)
                    && u32::from(a) & span == 0
                    && u32::from(b) & span == span;
                Ipv4Net::new(a, prefix)
                    .ok()
                    .filter(|_| aligned)
                    .map(|n| n.to_string())
            }
            (IpAddr::V6(a), IpAddr::V6(b)) => {
                let span = u128::from(a) ^ u128::from(b);
                let prefix = u8::try_from(span.leading_zeros()).unwrap_or(0);
                let aligned = span.count_ones() == 128 - u32::from(prefix)
                    && u128::from(a) & span == 0
                    && u128::from(b) & span == span;
                Ipv6Net::new(a, prefix)
                    .ok()
                    .filter(|_| aligned)
                    .map(|n| n.to_string())
            }
            _ => None,
        };
        match block {
            Some(cidr) => f.write_str(&cidr),
            None => write!(f, "{}-{}", self.first, self.last),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> DnsName {
        DnsName::parse(s).unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn kind(zone: &str) -> ZoneKind {
        ZoneKind::of(&name(zone)).unwrap()
    }

    fn v4zone(zone: &str) -> Reverse4Zone {
        match kind(zone) {
            ZoneKind::Reverse4(z) => z,
            other => panic!("{zone} is {other:?}"),
        }
    }

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name(ip("192.168.0.2")).as_str(),
            "2.0.168.192.in-addr.arpa"
        );
        assert_eq!(
            reverse_name(ip("2001:db8::567:89ab")).as_str(),
            "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"
        );
        assert_eq!(reverse_name(ip("2001:db8::1")).label_count(), 34);
    }

    #[test]
    fn parse_ip_refuses_what_cannot_be_a_vm_address() {
        assert_eq!(parse_ip(" 192.0.2.7 "), Ok(ip("192.0.2.7")));
        assert_eq!(parse_ip("2001:DB8::1"), Ok(ip("2001:db8::1")));
        assert_eq!(
            parse_ip("::ffff:192.0.2.1").map_err(|e| e.to_string()),
            Err("\"::ffff:192.0.2.1\" is an IPv4-mapped IPv6 address; give the IPv4 address 192.0.2.1 instead".to_owned())
        );
        assert_eq!(
            parse_ip("192.0.2.0/24").map_err(|e| e.to_string()),
            Err("\"192.0.2.0/24\" is a network in CIDR notation, not one address".to_owned())
        );
        assert_eq!(
            parse_ip("300.1.1.1").map_err(|e| e.to_string()),
            Err("\"300.1.1.1\" is not an IP address".to_owned())
        );
        assert_eq!(
            parse_ip("0.0.0.0").map_err(|e| e.to_string()),
            Err("\"0.0.0.0\" is the unspecified address and cannot be a VM's address".to_owned())
        );
        assert!(matches!(parse_ip("::1"), Err(IpError::NotUnicast { .. })));
        assert!(matches!(
            parse_ip("ff02::1"),
            Err(IpError::NotUnicast { .. })
        ));
        assert!(matches!(
            parse_ip("255.255.255.255"),
            Err(IpError::NotUnicast { .. })
        ));
        assert!(matches!(parse_ip(""), Err(IpError::Invalid(_))));
        assert!(matches!(parse_ip("fe80::1%eth0"), Err(IpError::Invalid(_))));
    }

    #[test]
    fn zone_kinds() {
        assert_eq!(kind("example.com"), ZoneKind::Forward);
        assert_eq!(kind("arpa").as_str(), "forward");
        assert_eq!(kind("168.192.in-addr.arpa").as_str(), "reverse4");
        assert_eq!(kind("in-addr.arpa").as_str(), "reverse4");
        assert_eq!(kind("8.b.d.0.1.0.0.2.ip6.arpa").as_str(), "reverse6");
        assert_eq!(kind("0/26.2.0.192.in-addr.arpa").as_str(), "reverse4");
    }

    #[test]
    fn malformed_reverse_zones_are_named() {
        let err = |z: &str| {
            ZoneKind::of(&name(z))
                .map_err(|e| e.to_string())
                .unwrap_err()
        };
        assert_eq!(
            err("foo.2.0.192.in-addr.arpa"),
            "\"foo.2.0.192.in-addr.arpa\" is under in-addr.arpa but \"foo\" is not an octet (0-255)"
        );
        assert_eq!(
            err("256.0.192.in-addr.arpa"),
            "\"256.0.192.in-addr.arpa\" is under in-addr.arpa but \"256\" is not an octet (0-255)"
        );
        assert!(err("01.0.192.in-addr.arpa").contains("\"01\""));
        assert!(err("1.1.1.1.1.in-addr.arpa").contains("more than four octets"));
        assert_eq!(
            err("5/26.2.0.192.in-addr.arpa"),
            "\"5/26.2.0.192.in-addr.arpa\": 5 is not the start of a /26 block"
        );
        assert!(err("0/20.2.0.192.in-addr.arpa").contains("must be 24 to 32"));
        assert!(err("63-0.2.0.192.in-addr.arpa").contains("ends before it starts"));
        assert!(err("0/26.0.192.in-addr.arpa").contains("must be the first label"));
        assert!(err("xx.8.b.d.0.ip6.arpa").contains("\"xx\" is not one hex nibble"));
        let full = format!("{}ip6.arpa", "0.".repeat(32));
        assert!(err(&full).contains("all 32 nibbles"));
    }

    #[test]
    fn ipv4_reverse_at_any_level_of_delegation() {
        for zone in [
            "2.0.192.in-addr.arpa",
            "0.192.in-addr.arpa",
            "192.in-addr.arpa",
            "in-addr.arpa",
        ] {
            let z = v4zone(zone);
            assert!(z.contains("192.0.2.10".parse().unwrap()), "{zone}");
            assert_eq!(
                z.record_name(&name(zone), "192.0.2.10".parse().unwrap()),
                Some(name("10.2.0.192.in-addr.arpa"))
            );
        }
        assert!(!v4zone("3.0.192.in-addr.arpa").contains("192.0.2.10".parse().unwrap()));
        assert!(!v4zone("2.0.193.in-addr.arpa").contains("192.0.2.10".parse().unwrap()));
    }

    #[test]
    fn classless_zones_take_their_range_and_name_records_inside_the_zone() {
        for zone in ["0/26.2.0.192.in-addr.arpa", "0-63.2.0.192.in-addr.arpa"] {
            let z = v4zone(zone);
            let zn = name(zone);
            assert!(z.contains("192.0.2.0".parse().unwrap()));
            assert!(z.contains("192.0.2.63".parse().unwrap()));
            assert!(!z.contains("192.0.2.64".parse().unwrap()));
            assert!(!z.contains("192.0.3.5".parse().unwrap()));
            assert_eq!(
                z.record_name(&zn, "192.0.2.5".parse().unwrap())
                    .unwrap()
                    .as_str(),
                format!("5.{zone}")
            );
            assert!(z.holds_name(&zn, &name(&format!("5.{zone}"))));
            assert!(z.holds_name(&zn, &name("5.2.0.192.in-addr.arpa")));
            assert!(!z.holds_name(&zn, &name("64.2.0.192.in-addr.arpa")));
            assert!(!z.holds_name(&zn, &name("2.0.192.in-addr.arpa")));
        }
        let upper = v4zone("64/26.2.0.192.in-addr.arpa");
        assert!(upper.contains("192.0.2.100".parse().unwrap()));
        assert!(!upper.contains("192.0.2.5".parse().unwrap()));
    }

    #[test]
    fn ipv6_zone_must_be_a_proper_suffix_of_the_nibble_name() {
        let ZoneKind::Reverse6(z) = kind("8.b.d.0.1.0.0.2.ip6.arpa") else {
            panic!()
        };
        assert!(z.contains("2001:db8::1".parse().unwrap()));
        assert!(!z.contains("2001:db9::1".parse().unwrap()));
        let ZoneKind::Reverse6(root) = kind("ip6.arpa") else {
            panic!()
        };
        assert!(root.contains("2001:db9::1".parse().unwrap()));
    }

    #[test]
    fn ranges_print_as_cidr_or_first_last() {
        let range = |z: &str| kind(z).range().unwrap().to_string();
        assert_eq!(range("130.168.192.in-addr.arpa"), "192.168.130.0/24");
        assert_eq!(range("168.192.in-addr.arpa"), "192.168.0.0/16");
        assert_eq!(range("in-addr.arpa"), "0.0.0.0/0");
        assert_eq!(range("4.3.2.1.in-addr.arpa"), "1.2.3.4/32");
        assert_eq!(range("0/26.2.0.192.in-addr.arpa"), "192.0.2.0/26");
        assert_eq!(range("64-127.2.0.192.in-addr.arpa"), "192.0.2.64/26");
        assert_eq!(range("10-20.2.0.192.in-addr.arpa"), "192.0.2.10-192.0.2.20");
        assert_eq!(range("8.b.d.0.1.0.0.2.ip6.arpa"), "2001:db8::/32");
        assert_eq!(range("ip6.arpa"), "::/0");
        assert_eq!(kind("example.com").range(), None);
    }
}
