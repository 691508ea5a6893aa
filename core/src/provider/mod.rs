//! What the sync engine needs from a DNS provider, and nothing more: read
//! the record sets at given names, apply a set of changes, test the zone.
//!
//! Providers keep no planning logic: the engine decides what to change and
//! hands each provider only the sets at the VM's own names.

pub mod cloudflare;
pub mod hestia;
pub mod per_name;
pub mod powerdns;
pub mod rfc2136;
pub mod spec;

pub use crate::fault::ProviderError;
pub use crate::rr::{normalize_content, Change, Record, RecordSet};

pub use spec::{FieldKind, FieldSpec, ProviderRow, ProviderSpec};

use std::fmt;

use futures::future::BoxFuture;

use crate::http::{Tls, Transport};
use crate::name::DnsName;
use crate::rr::RecordType;

/// Every provider a zone row may name, in the order the zones page offers
/// them. Adding a provider is its folder and one line here.
pub const REGISTRY: [Registration; 4] = [
    cloudflare::PROVIDER,
    hestia::PROVIDER,
    powerdns::PROVIDER,
    rfc2136::PROVIDER,
];

/// A provider as the registry holds it: what its rows hold, and how to
/// talk to one of its zones.
pub struct Registration {
    pub spec: &'static ProviderSpec,
    /// A backend for one zone; an error when it cannot be set up (a bad
    /// `ca_cert`).
    pub connect: Connect,
}

/// How a provider sets up its backend for one zone.
pub type Connect = fn(&Target<'_>, &Transport) -> Result<Box<dyn Backend>, ProviderError>;

/// What a provider does for the engine, and nothing more: read the sets at
/// given names, apply changes, test the zone. Providers keep no planning
/// logic: the engine decides what to change and hands each provider only
/// the sets at the VM's own names.
pub trait Backend: Send + Sync {
    /// Reads the sets at the given names and types; a set that does not
    /// exist comes back empty.
    fn read<'a>(
        &'a self,
        keys: &'a [(DnsName, RecordType)],
    ) -> BoxFuture<'a, Attempted<Vec<RecordSet>>>;

    /// Applies changes; one outcome per change, in order.
    fn apply<'a>(&'a self, changes: &'a [Change]) -> BoxFuture<'a, Vec<Applied>>;

    /// Checks that the zone is reachable, the credentials are accepted and
    /// the provider's zone has the configured name; `Ok` holds a short
    /// description of what was found.
    fn test(&self) -> BoxFuture<'_, Attempted<String>>;

    /// Where it talks to, for messages and `Debug`; never a credential.
    fn url(&self) -> &str;

    /// The requests (or DNS messages) this backend has sent, retries
    /// included: what the engine reports per zone.
    fn requests(&self) -> u32;

    /// How else it can read than by names; the engine chooses.
    fn reads(&self) -> Reads {
        Reads::BY_NAME
    }

    /// The most requests its server takes at once, when that is known to
    /// be fewer than a sync may send: the engine sends no more, and
    /// chooses how to read with that many in flight.
    fn at_once(&self) -> Option<usize> {
        None
    }

    /// Whether one filtered listing can read the sets at `keys`, fewer
    /// records than the zone: [`Backend::read_filtered`].
    fn lists_filtered(&self, keys: &[(DnsName, RecordType)]) -> bool {
        let _ = keys;
        false
    }

    /// Reads the sets at `keys` with one filtered listing; an error when
    /// the listing cannot be trusted (cut off, or the server ignored the
    /// filter), and the engine reads by names instead.
    fn read_filtered<'a>(
        &'a self,
        keys: &'a [(DnsName, RecordType)],
    ) -> BoxFuture<'a, Attempted<Vec<RecordSet>>> {
        let _ = keys;
        Box::pin(async { Attempted::unsent(None) })
    }

    /// Reads the whole zone and keeps the sets at `keys` (empty where the
    /// zone has none), with how many records the zone holds. Only called
    /// when [`Backend::reads`] offers it.
    fn read_zone<'a>(
        &'a self,
        keys: &'a [(DnsName, RecordType)],
    ) -> BoxFuture<'a, Attempted<ZoneSets>> {
        let _ = keys;
        Box::pin(async { Attempted::unsent(None) })
    }
}

/// The ways a backend can read a zone's sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reads {
    /// [`Backend::read`] asks for the names themselves; `false` when it
    /// reads the whole zone anyway (HestiaCP's only listing).
    pub by_name: bool,
    /// [`Backend::read_zone`], and how many records one of its requests
    /// returns (`None`: the whole zone in one).
    pub zone: Option<ZoneRead>,
    /// Its requests are counted against a budget (Cloudflare's 1,200 per
    /// 5 minutes per token): of two reads that take as long, the one with
    /// fewer requests wins.
    pub budgeted: bool,
}

impl Reads {
    pub const BY_NAME: Reads = Reads {
        by_name: true,
        zone: None,
        budgeted: false,
    };
}

/// What a whole-zone read costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZoneRead {
    /// Records per request (a page); `None` when one request returns all.
    pub page: Option<u32>,
}

/// The sets a whole-zone read kept, and the zone's size it saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneSets {
    pub sets: Vec<RecordSet>,
    /// Records in the zone, of every type.
    pub records: u64,
}

/// One zone as its provider's backend sees it.
#[derive(Clone, Copy, Debug)]
pub struct Target<'z> {
    pub name: &'z DnsName,
    pub row: &'z ProviderRow,
    pub tls: Tls<'z>,
}

/// The DNS hosting behind a zone: a provider of the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderType(&'static ProviderSpec);

impl ProviderType {
    /// Reads a type in any case (`PowerDNS`, `powerdns`).
    pub fn parse(text: &str) -> Option<Self> {
        Self::all().find(|t| t.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// Every provider, in the registry's order.
    pub fn all() -> impl Iterator<Item = ProviderType> {
        REGISTRY.iter().map(|r| ProviderType(r.spec))
    }

    pub fn of(spec: &'static ProviderSpec) -> Self {
        Self(spec)
    }

    /// The provider's own description of its rows.
    pub fn spec(self) -> &'static ProviderSpec {
        self.0
    }

    pub fn as_str(self) -> &'static str {
        self.0.name
    }

    pub fn secret_field(self) -> &'static str {
        self.0.secret_field()
    }

    /// The field holding the URL the credential is sent to.
    pub fn url_field(self) -> &'static str {
        self.0.endpoint_field().map_or("", |f| f.name)
    }
}

impl fmt::Display for ProviderType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a field holds a credential, whatever the provider.
pub fn is_secret_field(name: &str) -> bool {
    REGISTRY.iter().any(|r| {
        r.spec
            .fields
            .iter()
            .any(|f| f.name == name && f.kind == FieldKind::Secret)
    })
}

/// Every field any provider's rows have.
pub fn is_provider_field(name: &str) -> bool {
    REGISTRY.iter().any(|r| r.spec.field(name).is_some())
}

/// A provider call's outcome with the number of HTTP attempts it took.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempted<T> {
    pub outcome: Result<T, ProviderError>,
    pub attempts: u32,
}

/// A record of a change that failed while the rest of the change went
/// through (record-based providers apply a change record by record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordFailure {
    /// The record's content, as in the change's `add` or `remove`.
    pub content: String,
    pub error: ProviderError,
}

/// How one change went: `Err` when none of it is known to have gone
/// through; `Ok` with the records that failed on their own (none: all of
/// it went through).
pub type Applied = Attempted<Vec<RecordFailure>>;

impl Attempted<()> {
    /// A change that went through or failed as a whole.
    pub fn whole(self) -> Applied {
        Attempted {
            outcome: self.outcome.map(|()| Vec::new()),
            attempts: self.attempts,
        }
    }
}

impl<T> Attempted<T> {
    /// A call that failed before any request was made.
    pub fn unsent(error: Option<ProviderError>) -> Self {
        Self {
            outcome: Err(
                error.unwrap_or_else(|| ProviderError::Refused("no request was made".into()))
            ),
            attempts: 0,
        }
    }
}

/// A connected provider for one zone, or why it could not be set up (every
/// call then fails with that error and makes no request).
pub struct Client(Result<Box<dyn Backend>, ProviderError>);

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Ok(backend) => write!(f, "Client({})", backend.url()),
            Err(e) => write!(f, "Client::Broken({e})"),
        }
    }
}

impl Client {
    /// The backend of the zone's provider.
    pub fn connect(target: &Target<'_>, transport: &Transport) -> Client {
        let spec = target.row.spec();
        let backend = REGISTRY
            .iter()
            .find(|r| std::ptr::eq(r.spec, spec) || r.spec.name == spec.name)
            .ok_or_else(|| {
                ProviderError::Refused(format!("no provider {} is registered", spec.name))
            })
            .and_then(|r| (r.connect)(target, transport));
        Client(backend)
    }

    /// Reads the sets at the given names and types. A set that does not
    /// exist comes back empty.
    pub async fn read(&self, keys: &[(DnsName, RecordType)]) -> Attempted<Vec<RecordSet>> {
        match &self.0 {
            Ok(backend) => backend.read(keys).await,
            Err(e) => Attempted::unsent(Some(e.clone())),
        }
    }

    /// Reads the whole zone, keeping the sets at the given names and types.
    pub async fn read_zone(&self, keys: &[(DnsName, RecordType)]) -> Attempted<ZoneSets> {
        match &self.0 {
            Ok(backend) => backend.read_zone(keys).await,
            Err(e) => Attempted::unsent(Some(e.clone())),
        }
    }

    /// How the backend can read; by name only when it could not be set up.
    pub fn reads(&self) -> Reads {
        self.0.as_ref().map_or(Reads::BY_NAME, |b| b.reads())
    }

    /// Whether one filtered listing can read the sets at `keys`.
    pub fn lists_filtered(&self, keys: &[(DnsName, RecordType)]) -> bool {
        self.0.as_ref().is_ok_and(|b| b.lists_filtered(keys))
    }

    /// Reads the sets at `keys` with one filtered listing.
    pub async fn read_filtered(&self, keys: &[(DnsName, RecordType)]) -> Attempted<Vec<RecordSet>> {
        match &self.0 {
            Ok(backend) => backend.read_filtered(keys).await,
            Err(e) => Attempted::unsent(Some(e.clone())),
        }
    }

    /// The most requests its server takes at once, when known.
    pub fn at_once(&self) -> Option<usize> {
        self.0.as_ref().ok().and_then(|b| b.at_once())
    }

    /// Where it talks to; empty when it could not be set up.
    pub fn url(&self) -> &str {
        self.0.as_ref().map_or("", |b| b.url())
    }

    /// Requests sent so far.
    pub fn requests(&self) -> u32 {
        self.0.as_ref().map_or(0, |b| b.requests())
    }

    /// Applies changes; one outcome per change, in order.
    pub async fn apply(&self, changes: &[Change]) -> Vec<Applied> {
        match &self.0 {
            Ok(backend) => backend.apply(changes).await,
            Err(e) => changes
                .iter()
                .map(|_| Attempted::unsent(Some(e.clone())))
                .collect(),
        }
    }

    /// Checks that the zone is reachable, the credentials are accepted and
    /// the provider's zone has the configured name.
    pub async fn test(&self) -> Attempted<String> {
        match &self.0 {
            Ok(backend) => backend.test().await,
            Err(e) => Attempted::unsent(Some(e.clone())),
        }
    }
}
