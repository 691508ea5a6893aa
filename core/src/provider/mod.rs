//! What the sync engine needs from a DNS provider, and nothing more: read
//! the record sets at given names, apply a set of changes, test the zone.
//!
//! Providers keep no planning logic: the engine decides what to change and
//! hands each provider only the sets at the VM's own names.

use std::fmt;

use thiserror::Error;

use crate::name::DnsName;
use crate::plan::RecordType;
use crate::zone::{ProviderType, Zone};

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

/// A failure talking to a provider, with the provider's own words.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ProviderError {
    #[error("{0} zones are not supported by this build of puq_dns")]
    Unsupported(ProviderType),
    /// The provider answered with an error.
    #[error("HTTP {status}: {message}")]
    Status { status: u16, message: String },
    /// No answer: connection refused, TLS failure, timeout.
    #[error("{0}")]
    Transport(String),
    /// An answer that is not what the API documents.
    #[error("unexpected answer: {0}")]
    InvalidResponse(String),
    /// Refused before sending, e.g. a name the provider cannot take.
    #[error("{0}")]
    Refused(String),
}

/// A provider call's outcome with the number of HTTP attempts it took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempted<T> {
    pub outcome: Result<T, ProviderError>,
    pub attempts: u32,
}

impl<T> Attempted<T> {
    pub fn once(outcome: Result<T, ProviderError>) -> Self {
        Self {
            outcome,
            attempts: 1,
        }
    }
}

/// A connected provider for one zone.
pub enum Client {
    /// A provider this build cannot talk to yet; every call fails with
    /// [`ProviderError::Unsupported`] and makes no request.
    Unsupported(ProviderType),
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Client::Unsupported(t) => write!(f, "Client::Unsupported({t})"),
        }
    }
}

impl Client {
    pub fn for_zone(zone: &Zone, _options: &crate::sync::SyncOptions) -> Client {
        Client::Unsupported(zone.provider_type())
    }

    /// Reads the sets at the given names and types. A set that does not
    /// exist comes back empty.
    pub async fn read(&self, _keys: &[(DnsName, RecordType)]) -> Attempted<Vec<RecordSet>> {
        match self {
            Client::Unsupported(t) => Attempted {
                outcome: Err(ProviderError::Unsupported(*t)),
                attempts: 0,
            },
        }
    }

    /// Applies changes; one outcome per change, in order.
    pub async fn apply(&self, changes: &[Change]) -> Vec<Attempted<()>> {
        match self {
            Client::Unsupported(t) => changes
                .iter()
                .map(|_| Attempted {
                    outcome: Err(ProviderError::Unsupported(*t)),
                    attempts: 0,
                })
                .collect(),
        }
    }

    /// Checks that the zone is reachable, the credentials are accepted and
    /// the provider's zone has the configured name; `Ok` holds a short
    /// description of what was found.
    pub async fn test(&self) -> Attempted<String> {
        match self {
            Client::Unsupported(t) => Attempted {
                outcome: Err(ProviderError::Unsupported(*t)),
                attempts: 0,
            },
        }
    }
}
