//! Which records a VM owns in which zones: the offline half of every sync.
//!
//! The plan says, for each zone that matches the VM, the record sets at the
//! VM's own names (A and AAAA at the FQDN, PTR at each address's reverse
//! name) and what they should hold. The sync engine reads those sets from the
//! providers and changes only what differs; nothing else is ever touched.

use crate::name::DnsName;
use crate::reverse::reverse_name;
pub use crate::rr::RecordType;
use crate::vm::{Vm, VmAddress};
use crate::zone::Zone;
use crate::zone_set::ZoneSet;

/// Forward (A/AAAA at the FQDN) or reverse (PTR), the `fwd`/`rev` of the
/// cron lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Forward,
    Reverse,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Forward => "fwd",
            Direction::Reverse => "rev",
        }
    }
}

/// One record set at one of the VM's names in one zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedSet {
    pub direction: Direction,
    pub name: DnsName,
    pub rrtype: RecordType,
    /// The contents `create` and `resync` leave there: addresses in their
    /// canonical text, PTR targets without the trailing dot.
    pub wanted: Vec<String>,
    /// For PTRs, the targets that are the VM's (its FQDN and its custom rDNS
    /// name): `delete` removes only PTRs that point at one of them.
    pub vm_targets: Vec<String>,
    pub ttl: u32,
}

/// The sets a VM owns in one zone.
#[derive(Clone, Debug)]
pub struct ZonePlan<'z> {
    pub zone: &'z Zone,
    pub sets: Vec<OwnedSet>,
}

/// An operation that cannot be attempted because its input is bad.
#[derive(Clone, Debug, PartialEq)]
pub struct Rejected<'z> {
    /// The zone it would have gone to; `None` for an unusable address.
    pub zone: Option<&'z Zone>,
    pub direction: Direction,
    pub rrtype: RecordType,
    pub name: String,
    pub content: String,
    /// The TTL the record would have had (the VM's, else the zone's).
    pub ttl: Option<u32>,
    pub error: String,
}

/// Everything a VM owns, zone by zone.
#[derive(Clone, Debug)]
pub struct VmPlan<'z> {
    pub zones: Vec<ZonePlan<'z>>,
    /// The VM's names that no zone takes (an address with no reverse zone).
    pub unmatched: Vec<DnsName>,
    pub rejected: Vec<Rejected<'z>>,
}

/// Plans the records of one VM across every matching zone.
pub fn plan_vm<'z>(zones: &'z ZoneSet, vm: &Vm) -> VmPlan<'z> {
    let ttl_for = |zone: &Zone| vm.ttl.unwrap_or(zone.ttl);
    let mut plan = VmPlan {
        zones: Vec::new(),
        unmatched: Vec::new(),
        rejected: Vec::new(),
    };

    let addresses_of = |rrtype: RecordType| -> Vec<String> {
        vm.valid_addresses()
            .filter(|(ip, _)| RecordType::for_address(*ip) == rrtype)
            .map(|(ip, _)| ip.to_string())
            .collect()
    };
    let mut forward_matched = false;

    for zone in zones.zones() {
        let mut sets = Vec::new();
        if zone.holds_forward(&vm.fqdn) {
            forward_matched = true;
            // Both types always: a resync must see and remove a stale AAAA
            // even when the VM has no IPv6 address any more.
            for rrtype in [RecordType::A, RecordType::Aaaa] {
                sets.push(OwnedSet {
                    direction: Direction::Forward,
                    name: vm.fqdn.clone(),
                    rrtype,
                    wanted: addresses_of(rrtype),
                    vm_targets: Vec::new(),
                    ttl: ttl_for(zone),
                });
            }
        }
        for address in &vm.addresses {
            let VmAddress::Valid { ip, ptr_target, .. } = address else {
                continue;
            };
            let Some(name) = zone.ptr_name(*ip) else {
                continue;
            };
            match ptr_target {
                Ok(target) => {
                    let mut vm_targets = vec![target.to_string()];
                    if *target != vm.fqdn {
                        vm_targets.push(vm.fqdn.to_string());
                    }
                    sets.push(OwnedSet {
                        direction: Direction::Reverse,
                        name,
                        rrtype: RecordType::Ptr,
                        wanted: vec![target.to_string()],
                        vm_targets,
                        ttl: ttl_for(zone),
                    });
                }
                Err(error) => plan.rejected.push(Rejected {
                    zone: Some(zone),
                    direction: Direction::Reverse,
                    rrtype: RecordType::Ptr,
                    name: name.to_string(),
                    content: String::new(),
                    ttl: Some(ttl_for(zone)),
                    error: error.clone(),
                }),
            }
        }
        if !sets.is_empty() {
            plan.zones.push(ZonePlan { zone, sets });
        }
    }

    if !forward_matched {
        plan.unmatched.push(vm.fqdn.clone());
    }
    for address in &vm.addresses {
        match address {
            VmAddress::Valid { ip, .. } => {
                if !zones.zones().iter().any(|z| z.ptr_name(*ip).is_some()) {
                    plan.unmatched.push(reverse_name(*ip));
                }
            }
            VmAddress::Invalid { given, error } => plan.rejected.push(Rejected {
                zone: None,
                direction: Direction::Forward,
                rrtype: if given.contains(':') {
                    RecordType::Aaaa
                } else {
                    RecordType::A
                },
                name: vm.fqdn.to_string(),
                content: given.clone(),
                ttl: vm.ttl,
                error: error.clone(),
            }),
        }
    }
    plan
}

#[cfg(test)]
mod tests;
