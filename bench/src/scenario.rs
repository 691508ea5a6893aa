//! The zones and VMs the benchmarks sync: a forward zone, reverse zones
//! for a /24, a /16 and an IPv6 /32, each with foreign filler records
//! (never at a VM's names, unless a zone is filled completely); the VM of
//! 2 IPv4 and 32 IPv6, and the 100 small VMs of the resyncMany scenarios.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use puq_dns_core::reverse::reverse_name;
use puq_dns_core::{Array, Value, Vm};

use crate::Res;

pub const DOMAIN: &str = "bench.example";
/// 192.0.2.0/24 (TEST-NET-1).
pub const REV4_24: &str = "2.0.192.in-addr.arpa";
/// 198.18.0.0/16 (the benchmarking range of RFC 2544).
pub const REV4_16: &str = "18.198.in-addr.arpa";
/// 2001:db8::/32.
pub const REV6: &str = "8.b.d.0.1.0.0.2.ip6.arpa";

/// Filler records in each "200-record" zone.
pub const FILLER: usize = 200;
/// Every address of the /16.
pub const FILLER_16_FULL: usize = 1 << 16;
/// The TTL the engine writes when the zone row sets none.
pub const TTL: u32 = 3600;
/// The TTL of the filler records, distinct from the engine's, so that a
/// filler the engine rewrote shows.
pub const FILLER_TTL: u32 = 300;

/// One record: names without the final dot, PTR targets too (each server
/// module writes them as its API wants them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub zone: &'static str,
    pub name: String,
    pub rrtype: &'static str,
    pub content: String,
    pub ttl: u32,
}

pub fn reverse(ip: IpAddr) -> String {
    reverse_name(ip).to_string()
}

/// `n` records in a zone before any VM: none at the VMs' names unless `n`
/// fills the /16, whose every address then has a filler PTR.
pub fn fillers(zone: &'static str, n: usize) -> Vec<Record> {
    let ptr = |ip: IpAddr, i: usize| Record {
        zone,
        name: reverse(ip),
        rrtype: "PTR",
        content: format!("host-{i}.filler.example"),
        ttl: FILLER_TTL,
    };
    match zone {
        DOMAIN => (0..n)
            .map(|i| Record {
                zone,
                name: format!("filler-{i}.{DOMAIN}"),
                rrtype: "A",
                content: format!("198.51.100.{}", i % 250 + 1),
                ttl: FILLER_TTL,
            })
            .collect(),
        // Every address of 192.0.2.0/24 but the VM's .10 and .11.
        REV4_24 => (0..=u8::MAX)
            .filter(|d| ![10, 11].contains(d))
            .take(n)
            .enumerate()
            .map(|(i, d)| ptr(Ipv4Addr::new(192, 0, 2, d).into(), i))
            .collect(),
        // 198.18.0.0 and on; the small VMs are in 198.18.101.0/24, the big
        // one at 198.18.0.10 and .11, which only a full /16 reaches.
        REV4_16 => (0..n.min(FILLER_16_FULL))
            .map(|i| {
                let [c, d] = u16::try_from(i).unwrap_or(u16::MAX).to_be_bytes();
                ptr(Ipv4Addr::new(198, 18, c, d).into(), i)
            })
            .collect(),
        // 2001:db8:0:2::1 and on; the VM's addresses are in 2001:db8:0:1::/64.
        REV6 => (0..n)
            .map(|i| {
                let low = u16::try_from(i + 1).unwrap_or(u16::MAX);
                ptr(Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, low).into(), i)
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A VM as the benchmarks describe it, before it is a `Vm`.
#[derive(Clone, Debug)]
pub struct BenchVm {
    pub id: i64,
    pub name: String,
    pub v4: Vec<Ipv4Addr>,
    pub v6: Vec<Ipv6Addr>,
}

impl BenchVm {
    /// The VM of the single-VM scenarios: 2 IPv4 and 32 IPv6
    /// (2001:db8:0:1::1 to ::20): 2 A + 32 AAAA + 34 PTR = 68 records at
    /// 35 names.
    pub fn big(v4: [Ipv4Addr; 2]) -> BenchVm {
        BenchVm {
            id: 1,
            name: "vm-big".to_owned(),
            v4: v4.to_vec(),
            v6: (1..=32)
                .map(|i| Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, i))
                .collect(),
        }
    }

    /// VM `i` of 1..=100 in resyncMany: 198.18.101.(2i-1) and .(2i).
    pub fn small(i: u8) -> BenchVm {
        BenchVm {
            id: 100 + i64::from(i),
            name: format!("vm-{i:03}"),
            v4: vec![
                Ipv4Addr::new(198, 18, 101, 2 * i - 1),
                Ipv4Addr::new(198, 18, 101, 2 * i),
            ],
            v6: Vec::new(),
        }
    }

    /// The 100 VMs of resyncMany.
    pub fn hundred() -> Vec<BenchVm> {
        (1..=100).map(BenchVm::small).collect()
    }

    /// `n` VMs of 2 IPv4 each, `vm-0001` and on, at consecutive addresses
    /// of the /16 from 198.18.101.1: the first 100 have the addresses of
    /// [`BenchVm::small`], 1,000 reach 198.18.108.208.
    pub fn many(n: u16) -> Vec<BenchVm> {
        let base = u32::from(Ipv4Addr::new(198, 18, 101, 1));
        (1..=n)
            .map(|i| {
                let first = base + 2 * (u32::from(i) - 1);
                BenchVm {
                    id: 1000 + i64::from(i),
                    name: format!("vm-{i:04}"),
                    v4: vec![Ipv4Addr::from(first), Ipv4Addr::from(first + 1)],
                    v6: Vec::new(),
                }
            })
            .collect()
    }

    pub fn fqdn(&self) -> String {
        format!("{}.{DOMAIN}", self.name)
    }

    /// The VM as the engine takes it.
    pub fn vm(&self) -> Res<Vm> {
        let ips = self
            .v4
            .iter()
            .map(|ip| ip.to_string())
            .chain(self.v6.iter().map(|ip| ip.to_string()));
        let row = Array::new()
            .with("id", self.id)
            .with("name", self.name.as_str())
            .with("domain", DOMAIN)
            .with("ips", Array::list(ips));
        Ok(Vm::from_value(&Value::Array(row)).map_err(|e| format!("VM {}: {e}", self.name))?)
    }

    /// What the VM should have, in the order a per-record client writes
    /// them: A, AAAA, then PTRs (IPv4 ones in `rev4`).
    pub fn records(&self, rev4: &'static str) -> Vec<Record> {
        let fqdn = self.fqdn();
        let rec = |zone, name: String, rrtype, content: String| Record {
            zone,
            name,
            rrtype,
            content,
            ttl: TTL,
        };
        let mut recs: Vec<Record> = self
            .v4
            .iter()
            .map(|ip| rec(DOMAIN, fqdn.clone(), "A", ip.to_string()))
            .chain(
                self.v6
                    .iter()
                    .map(|ip| rec(DOMAIN, fqdn.clone(), "AAAA", ip.to_string())),
            )
            .collect();
        recs.extend(
            self.v4
                .iter()
                .map(|ip| rec(rev4, reverse((*ip).into()), "PTR", fqdn.clone())),
        );
        recs.extend(
            self.v6
                .iter()
                .map(|ip| rec(REV6, reverse((*ip).into()), "PTR", fqdn.clone())),
        );
        recs
    }
}

/// The records of the big VM ([`BenchVm::big`] at 192.0.2.10 and .11)
/// with some gone, some wrong and foreign ones at its names, in every
/// zone: what a resync after a lost update or a hand edit finds. One A and
/// one AAAA are missing and a foreign A and AAAA are at the FQDN; the PTR
/// of 192.0.2.10 names another host; one IPv6 PTR is missing and another
/// names another host.
pub fn stale(recs: &[Record]) -> Vec<Record> {
    let fqdn = recs
        .iter()
        .find(|r| r.zone == DOMAIN)
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let old_name = format!("old-name.{DOMAIN}");
    let v4_10 = reverse(Ipv4Addr::new(192, 0, 2, 10).into());
    let v6_1 = reverse(Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, 1).into());
    let v6_2 = reverse(Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, 2).into());
    let mut out: Vec<Record> = recs
        .iter()
        .filter(|r| !(r.rrtype == "A" && r.content == "192.0.2.11"))
        .filter(|r| !(r.rrtype == "AAAA" && r.content == "2001:db8:0:1::20"))
        .filter(|r| r.name != v6_1)
        .cloned()
        .map(|mut r| {
            if r.name == v4_10 || r.name == v6_2 {
                r.content.clone_from(&old_name);
            }
            r
        })
        .collect();
    let extra = |rrtype, content: &str| Record {
        zone: DOMAIN,
        name: fqdn.clone(),
        rrtype,
        content: content.to_owned(),
        ttl: TTL,
    };
    out.push(extra("A", "192.0.2.99"));
    out.push(extra("AAAA", "2001:db8:0:1::99"));
    out
}

pub fn vms(vms: &[BenchVm]) -> Res<Vec<Vm>> {
    vms.iter().map(BenchVm::vm).collect()
}

pub fn records(vms: &[BenchVm], rev4: &'static str) -> Vec<Record> {
    vms.iter().flat_map(|vm| vm.records(rev4)).collect()
}

/// Each (zone, name, type) with its contents, in first-seen order.
pub fn sets(recs: &[Record]) -> Vec<(&Record, Vec<String>)> {
    let mut out: Vec<(&Record, Vec<String>)> = Vec::new();
    // Indexed: the full /16 is 65,536 sets.
    let mut at: HashMap<(&str, &str, &str), usize> = HashMap::new();
    for rec in recs {
        let key = (rec.zone, rec.name.as_str(), rec.rrtype);
        match at.get(&key).and_then(|&i| out.get_mut(i)) {
            Some((_, contents)) => contents.push(rec.content.clone()),
            None => {
                at.insert(key, out.len());
                out.push((rec, vec![rec.content.clone()]));
            }
        }
    }
    out
}

/// Distinct names by zone: the reads of a provider that reads a name's
/// every type at once (PowerDNS, Cloudflare).
pub fn names_by_zone(recs: &[Record]) -> BTreeMap<&'static str, usize> {
    let mut names: BTreeMap<&'static str, Vec<&str>> = BTreeMap::new();
    for rec in recs {
        let list = names.entry(rec.zone).or_default();
        if !list.contains(&rec.name.as_str()) {
            list.push(&rec.name);
        }
    }
    names.into_iter().map(|(z, n)| (z, n.len())).collect()
}

/// Distinct (name, type) by zone: the reads of a provider that asks for
/// one type at a time (RFC 2136: one query per set).
pub fn sets_by_zone(recs: &[Record]) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for (rec, _) in sets(recs) {
        *out.entry(rec.zone).or_default() += 1;
    }
    out
}

/// Records by zone.
pub fn records_by_zone(recs: &[Record]) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for rec in recs {
        *out.entry(rec.zone).or_default() += 1;
    }
    out
}
