//! Names and records: what a record type is, what a provider holds at a
//! name, and one change to one set. The bottom layer: it knows no zone row,
//! no provider and no sync.

use std::fmt;
use std::net::IpAddr;

use crate::name::DnsName;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordType {
    A,
    Aaaa,
    Ptr,
}

impl RecordType {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Ptr => "PTR",
        }
    }

    pub fn for_address(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(_) => RecordType::A,
            IpAddr::V6(_) => RecordType::Aaaa,
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A record as a provider holds it. `content` is normalised by the provider
/// (addresses in canonical text, names lower case without the trailing dot)
/// so the engine can compare it with what the VM wants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub content: String,
    /// The provider's own id for the record, where it has one (Cloudflare,
    /// HestiaCP); needed to delete that one record.
    pub id: Option<String>,
}

/// The records at one name and type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordSet {
    pub name: DnsName,
    pub rrtype: RecordType,
    pub ttl: u32,
    pub records: Vec<Record>,
}

impl RecordSet {
    pub fn empty(name: DnsName, rrtype: RecordType, ttl: u32) -> Self {
        Self {
            name,
            rrtype,
            ttl,
            records: Vec::new(),
        }
    }

    pub fn contains(&self, content: &str) -> bool {
        self.records.iter().any(|r| r.content == content)
    }
}

/// One change to one set: the records to add and remove, and the whole set
/// as it should be afterwards, so that set-based providers (PowerDNS
/// REPLACE) and record-based ones (Cloudflare, HestiaCP) both have what they
/// need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub name: DnsName,
    pub rrtype: RecordType,
    pub ttl: u32,
    pub add: Vec<String>,
    pub remove: Vec<Record>,
    /// Every content of the set after the change; empty means no set.
    pub after: Vec<String>,
}

/// Canonical text of a record's content, so that what a provider holds
/// compares equal to what the VM wants: addresses as Rust prints them
/// (`2001:db8::1`), names in lower case without the trailing dot.
pub fn normalize_content(rrtype: RecordType, content: &str) -> String {
    let content = content.trim();
    match rrtype {
        RecordType::A | RecordType::Aaaa => content
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.to_string())
            .unwrap_or_else(|_| content.to_owned()),
        RecordType::Ptr => content.trim_end_matches('.').to_ascii_lowercase(),
    }
}
