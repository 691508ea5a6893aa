//! What the sync engine needs from a DNS provider, and nothing more: read
//! the record sets at given names, apply a set of changes, test the zone.
//!
//! Providers keep no planning logic: the engine decides what to change and
//! hands each provider only the sets at the VM's own names.

pub mod cloudflare;
pub mod hestia;
pub mod powerdns;
pub mod spec;

pub use spec::{FieldKind, FieldSpec, ProviderSpec};

/// Every provider a zone row may name, in the order the zones page offers
/// them. Adding a provider is one line here and its own folder.
pub const PROVIDERS: [&ProviderSpec; 3] = [
    &cloudflare::spec::SPEC,
    &hestia::spec::SPEC,
    &powerdns::spec::SPEC,
];

/// The provider a zone row's `type` names, in any case.
pub fn spec_named(name: &str) -> Option<&'static ProviderSpec> {
    PROVIDERS
        .into_iter()
        .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
}

/// Whether a field holds a credential, whatever the provider.
pub fn is_secret_field(name: &str) -> bool {
    PROVIDERS.iter().any(|p| {
        p.fields
            .iter()
            .any(|f| f.name == name && f.kind == FieldKind::Secret)
    })
}

/// Every field any provider's rows have.
pub fn is_provider_field(name: &str) -> bool {
    PROVIDERS.iter().any(|p| p.field(name).is_some())
}

use std::fmt;

use thiserror::Error;

use crate::http::Transport;
use crate::name::DnsName;
use crate::plan::RecordType;
use crate::zone::{Provider, Zone};

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
    /// The provider answered with an error.
    #[error("HTTP {status}: {message}")]
    Status { status: u16, message: String },
    /// No answer: connection refused, TLS failure, timeout.
    #[error("{0}")]
    Transport(String),
    /// An answer that is not what the API documents.
    #[error("unexpected answer: {0}")]
    InvalidResponse(String),
    /// A HestiaCP command ended with a non-zero exit code; `message` is
    /// Hestia's own text (`Error: …`), when it gave one.
    #[error("{}", hestia::describe(*code, message))]
    Hestia { code: u32, message: String },
    /// Refused before sending, e.g. a name the provider cannot take.
    #[error("{0}")]
    Refused(String),
}

impl ProviderError {
    /// The provider understood the request and said no (4xx other than 408
    /// and 429): trying the same thing again cannot help, but a smaller
    /// request without the offending record can.
    pub fn is_refusal(&self) -> bool {
        matches!(self, ProviderError::Status { status, .. }
            if (400..500).contains(status) && *status != 408 && *status != 429)
    }
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
    fn whole(self) -> Applied {
        Attempted {
            outcome: self.outcome.map(|()| Vec::new()),
            attempts: self.attempts,
        }
    }
}

impl<T> Attempted<T> {
    /// A call that failed before any request was made.
    fn unsent(error: Option<ProviderError>) -> Self {
        Self {
            outcome: Err(
                error.unwrap_or_else(|| ProviderError::Refused("no request was made".into()))
            ),
            attempts: 0,
        }
    }
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

/// A connected provider for one zone.
pub enum Client {
    Cloudflare(cloudflare::CloudflareClient),
    HestiaCp(hestia::HestiaClient),
    PowerDns(powerdns::PowerDnsClient),
    /// The zone's client could not be set up (a bad `ca_cert`); every call
    /// fails with that error and makes no request.
    Broken(ProviderError),
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Client::Cloudflare(c) => write!(f, "Client::Cloudflare({})", c.zone_url()),
            Client::HestiaCp(c) => write!(f, "Client::HestiaCp({})", c.zone_url()),
            Client::PowerDns(c) => write!(f, "Client::PowerDns({})", c.zone_url()),
            Client::Broken(e) => write!(f, "Client::Broken({e})"),
        }
    }
}

impl Client {
    pub fn for_zone(zone: &Zone, transport: &Transport) -> Client {
        let http = match transport.client_for(zone) {
            Ok(http) => http,
            Err(e) => return Client::Broken(e),
        };
        match &zone.provider {
            Provider::PowerDns(config) => {
                let lock = transport.write_lock(&format!("powerdns {}", config.server_url));
                Client::PowerDns(powerdns::PowerDnsClient::new(http, zone, config, lock))
            }
            Provider::Cloudflare(config) => {
                let options = &transport.options;
                let budget = crate::budget::shared(
                    &config.api_url,
                    config.api_token.expose(),
                    options.cloudflare_rate_limit,
                    options.cloudflare_rate_window,
                );
                let http = http.with_budget(budget);
                Client::Cloudflare(cloudflare::CloudflareClient::new(http, zone, config))
            }
            Provider::HestiaCp(config) => {
                let lock = transport.write_lock(&format!(
                    "hestiacp {} {} {}",
                    config.server_url, config.user, zone.name
                ));
                Client::HestiaCp(hestia::HestiaClient::new(http, zone, config, lock))
            }
        }
    }

    fn unusable(&self) -> Option<ProviderError> {
        match self {
            Client::Broken(e) => Some(e.clone()),
            Client::PowerDns(_) | Client::Cloudflare(_) | Client::HestiaCp(_) => None,
        }
    }

    /// Reads the sets at the given names and types. A set that does not
    /// exist comes back empty.
    pub async fn read(&self, keys: &[(DnsName, RecordType)]) -> Attempted<Vec<RecordSet>> {
        match self {
            Client::PowerDns(c) => c.read(keys).await,
            Client::Cloudflare(c) => c.read(keys).await,
            Client::HestiaCp(c) => c.read(keys).await,
            _ => Attempted::unsent(self.unusable()),
        }
    }

    /// Applies changes; one outcome per change, in order.
    pub async fn apply(&self, changes: &[Change]) -> Vec<Applied> {
        let whole = |outcomes: Vec<Attempted<()>>| -> Vec<Applied> {
            outcomes.into_iter().map(Attempted::whole).collect()
        };
        match self {
            Client::PowerDns(c) => whole(c.apply(changes).await),
            Client::Cloudflare(c) => whole(c.apply(changes).await),
            Client::HestiaCp(c) => c.apply(changes).await,
            _ => changes
                .iter()
                .map(|_| Attempted::unsent(self.unusable()))
                .collect(),
        }
    }

    /// Checks that the zone is reachable, the credentials are accepted and
    /// the provider's zone has the configured name; `Ok` holds a short
    /// description of what was found.
    pub async fn test(&self) -> Attempted<String> {
        match self {
            Client::PowerDns(c) => c.test().await,
            Client::Cloudflare(c) => c.test().await,
            Client::HestiaCp(c) => c.test().await,
            _ => Attempted::unsent(self.unusable()),
        }
    }
}
