//! PowerDNS Authoritative over its HTTP API (`/api/v1`).
//!
//! Reads are one filtered GET per name and type (`rrset_name`/`rrset_type`),
//! so a /16 reverse zone costs the same as an empty one; writes are one
//! PATCH per zone, which PowerDNS applies as one transaction.

mod search;
pub mod spec;
mod zone_read;

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use futures::future::BoxFuture;
use reqwest::header::ACCEPT;
use reqwest::{Client, Method, RequestBuilder};
use serde::Deserialize;
use serde_json::json;

use crate::http::{readable_body, Answer, Http, Streamed, Transport};
use crate::name::DnsName;
use crate::provider::per_name::read_per_name;
use crate::provider::{
    normalize_content, Applied, Attempted, Backend, Change, ProviderError, Reads, Record,
    RecordSet, Registration, Target, ZoneRead, ZoneSets,
};
use crate::rr::RecordType;
use crate::secret::Secret;
use crate::write_turns::{self, WriteTurns};

/// Requests one PowerDNS server is sent at once. Its API listens with a
/// backlog of 10 and accepts one connection at a time: more at once
/// overflow the queue, and a dropped connection waits a second for its
/// SYN to be sent again.
pub const AT_ONCE: usize = 8;

/// PowerDNS in the registry.
pub const PROVIDER: Registration = Registration {
    spec: &spec::SPEC,
    connect,
};

/// One zone's client; writes to one server go at once until the server
/// shows it takes one at a time (the sqlite backend).
fn connect(target: &Target<'_>, transport: &Transport) -> Result<Box<dyn Backend>, ProviderError> {
    let http = transport.client_for(&target.tls)?;
    let turns = server_write_turns(target.row.text("server_url"));
    Ok(Box::new(PowerDnsClient::new(http, target, turns)))
}

/// Whether the PowerDNS server at `server_url` takes PATCHes at once, as
/// this process has learned it.
pub fn server_write_turns(server_url: &str) -> Arc<WriteTurns> {
    write_turns::of_server(&format!("powerdns {server_url}"))
}

impl Backend for PowerDnsClient {
    fn read<'a>(
        &'a self,
        keys: &'a [(DnsName, RecordType)],
    ) -> BoxFuture<'a, Attempted<Vec<RecordSet>>> {
        Box::pin(PowerDnsClient::read(self, keys))
    }

    fn apply<'a>(&'a self, changes: &'a [Change]) -> BoxFuture<'a, Vec<Applied>> {
        Box::pin(async move {
            PowerDnsClient::apply(self, changes)
                .await
                .into_iter()
                .map(Attempted::whole)
                .collect()
        })
    }

    fn test(&self) -> BoxFuture<'_, Attempted<String>> {
        Box::pin(PowerDnsClient::test(self))
    }

    fn url(&self) -> &str {
        &self.zone_url
    }

    fn requests(&self) -> u32 {
        self.http.requests()
    }

    // One GET returns the whole zone.
    fn reads(&self) -> Reads {
        Reads {
            by_name: true,
            zone: Some(ZoneRead { page: None }),
            budgeted: false,
        }
    }

    fn read_zone<'a>(
        &'a self,
        keys: &'a [(DnsName, RecordType)],
    ) -> BoxFuture<'a, Attempted<ZoneSets>> {
        Box::pin(PowerDnsClient::read_zone(self, keys))
    }

    fn at_once(&self) -> Option<usize> {
        Some(AT_ONCE)
    }

    fn lists_filtered(&self, keys: &[(DnsName, RecordType)]) -> bool {
        self.search_pattern(keys).is_some()
    }

    fn read_filtered<'a>(
        &'a self,
        keys: &'a [(DnsName, RecordType)],
    ) -> BoxFuture<'a, Attempted<Vec<RecordSet>>> {
        Box::pin(PowerDnsClient::read_filtered(self, keys))
    }
}

pub struct PowerDnsClient {
    http: Http,
    zone: DnsName,
    /// `{server_url}/api/v1/servers/{server_id}/zones/{zone id}`.
    zone_url: String,
    /// `{server_url}/api/v1/servers/{server_id}`.
    server_url: String,
    server_id: String,
    api_key: Secret,
    /// Whether the server takes PATCHes at once, shared with every zone on
    /// the same server.
    write_turns: Arc<WriteTurns>,
}

#[derive(Deserialize)]
struct ZoneDoc {
    name: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    rrsets: Vec<RrsetDoc>,
}

#[derive(Deserialize)]
struct RrsetDoc {
    name: String,
    #[serde(rename = "type")]
    rrtype: String,
    #[serde(default)]
    ttl: Option<u32>,
    #[serde(default)]
    records: Vec<RecordDoc>,
}

#[derive(Deserialize)]
struct RecordDoc {
    content: String,
    #[serde(default)]
    disabled: bool,
}

/// The zone id PowerDNS uses in URLs: the name with its trailing dot, every
/// byte outside `[A-Za-z0-9.-]` written as `=XX` (`0/26.…` → `0=2F26.…`).
pub fn zone_id(zone: &DnsName) -> String {
    let mut id = String::new();
    for byte in zone.to_absolute().bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'.' || byte == b'-' {
            id.push(char::from(byte));
        } else {
            id.push_str(&format!("={byte:02X}"));
        }
    }
    id
}

/// The text of a PowerDNS error: `{"error": …}` for 422 and most others,
/// plain text for 401/404/409/400.
fn error_of(answer: &Answer) -> ProviderError {
    #[derive(Deserialize)]
    struct ErrorDoc {
        error: String,
    }
    let body = answer.body.trim();
    let message = match serde_json::from_str::<ErrorDoc>(body) {
        Ok(doc) => doc.error,
        Err(_) if !body.is_empty() => readable_body(body),
        Err(_) => answer
            .status
            .canonical_reason()
            .unwrap_or("no message")
            .to_owned(),
    };
    ProviderError::Status {
        status: answer.status.as_u16(),
        message,
    }
}

/// The zone document of a filtered GET, or the error the server gave.
fn zone_doc(answer: &Answer, zone: &DnsName, server_id: &str) -> Result<ZoneDoc, ProviderError> {
    if !answer.status.is_success() {
        return Err(refused(answer, zone, server_id));
    }
    serde_json::from_str::<ZoneDoc>(&answer.body).map_err(|e| {
        ProviderError::InvalidResponse(format!("zone document is not the JSON PowerDNS sends: {e}"))
    })
}

/// The error of an answer that is not a zone document.
fn refused(answer: &Answer, zone: &DnsName, server_id: &str) -> ProviderError {
    match error_of(answer) {
        // PowerDNS says only "Not Found"; say what was not found.
        ProviderError::Status {
            status: 404,
            message,
        } => ProviderError::Status {
            status: 404,
            message: format!(
                "{message} (no zone {} on PowerDNS server {server_id})",
                zone.to_absolute()
            ),
        },
        other => other,
    }
}

/// The enabled records of one name and type in a zone document. Filtered
/// by name already; checked again in case a server ignores the filter and
/// sends the whole zone.
fn set_in(doc: Option<&ZoneDoc>, name: &DnsName, rrtype: RecordType) -> RecordSet {
    let absolute = name.to_absolute();
    let mut set = RecordSet::empty(name.clone(), rrtype, 0);
    for rrset in doc
        .into_iter()
        .flat_map(|doc| &doc.rrsets)
        .filter(|r| r.name.eq_ignore_ascii_case(&absolute) && r.rrtype == rrtype.as_str())
    {
        set.ttl = rrset.ttl.unwrap_or(0);
        set.records.extend(
            rrset
                .records
                .iter()
                .filter(|r| !r.disabled)
                .map(|r| Record {
                    content: normalize_content(rrtype, &r.content),
                    id: None,
                }),
        );
    }
    set
}

/// What a read makes of one answer that stands for every name: for the
/// fuzz targets, which feed the parser arbitrary answers.
#[doc(hidden)]
pub fn read_answer(
    answer: &Answer,
    zone: &DnsName,
    keys: &[(DnsName, RecordType)],
) -> Result<Vec<RecordSet>, ProviderError> {
    let doc = zone_doc(answer, zone, "localhost")?;
    Ok(keys
        .iter()
        .map(|(name, rrtype)| set_in(Some(&doc), name, *rrtype))
        .collect())
}

impl PowerDnsClient {
    /// `write_turns` is shared by all zones on the server: with the sqlite
    /// backend a second PATCH at once fails with "database is locked".
    pub fn new(http: Http, target: &Target<'_>, write_turns: Arc<WriteTurns>) -> Self {
        let row = target.row;
        Self {
            http,
            zone: target.name.clone(),
            zone_url: format!(
                "{}/api/v1/servers/{}/zones/{}",
                row.text("server_url"),
                row.text("server_id"),
                zone_id(target.name)
            ),
            server_url: format!(
                "{}/api/v1/servers/{}",
                row.text("server_url"),
                row.text("server_id")
            ),
            server_id: row.text("server_id").to_owned(),
            api_key: row.secret().clone(),
            write_turns,
        }
    }

    pub fn zone_url(&self) -> &str {
        &self.zone_url
    }

    fn request(&self, client: &Client, method: Method) -> RequestBuilder {
        client
            .request(method, &self.zone_url)
            .header("X-API-Key", self.api_key.expose())
            .header(ACCEPT, "application/json")
    }

    /// One filtered GET: the zone document with just the rrsets at `name`
    /// (of one type, if given).
    async fn get(&self, name: &DnsName, rrtype: Option<&str>) -> Attempted<ZoneDoc> {
        let mut query = vec![("rrset_name", name.to_absolute())];
        if let Some(rrtype) = rrtype {
            query.push(("rrset_type", rrtype.to_owned()));
        }
        let (outcome, attempts) = self
            .http
            .send(|client| self.request(client, Method::GET).query(&query))
            .await;
        let outcome = outcome.and_then(|answer| zone_doc(&answer, &self.zone, &self.server_id));
        Attempted { outcome, attempts }
    }

    /// One GET per name, all in parallel (`per_name`).
    pub async fn read(&self, keys: &[(DnsName, RecordType)]) -> Attempted<Vec<RecordSet>> {
        read_per_name(
            keys,
            |name| self.get(name, None),
            |doc, name, rrtype| set_in(Some(doc), name, rrtype),
        )
        .await
    }

    /// The `search-data` pattern for the names of `keys`, when one is
    /// narrower than the zone.
    fn search_pattern(&self, keys: &[(DnsName, RecordType)]) -> Option<String> {
        let names: Vec<&DnsName> = keys
            .iter()
            .map(|(name, _)| name)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        (names.len() >= 2)
            .then(|| search::pattern(&self.zone, &names))
            .flatten()
    }

    /// One `search-data` GET for every name ([`search`]); an error when
    /// the listing cannot be trusted, and the engine reads the names.
    pub async fn read_filtered(&self, keys: &[(DnsName, RecordType)]) -> Attempted<Vec<RecordSet>> {
        let Some(pattern) = self.search_pattern(keys) else {
            return Attempted::unsent(Some(ProviderError::Refused(
                "no search narrower than the zone covers these names".to_owned(),
            )));
        };
        let url = format!("{}/search-data", self.server_url);
        let max = search::max_hits(keys.len()).to_string();
        let query = [
            ("q", pattern.as_str()),
            ("max", max.as_str()),
            ("object_type", "record"),
        ];
        let (outcome, attempts) = self
            .http
            .send(|client| {
                client
                    .get(&url)
                    .query(&query)
                    .header("X-API-Key", self.api_key.expose())
                    .header(ACCEPT, "application/json")
            })
            .await;
        let outcome = outcome.and_then(|answer| {
            if answer.status.is_success() {
                search::sets_of(&answer.body, &pattern, &self.zone, keys)
            } else {
                Err(error_of(&answer))
            }
        });
        Attempted { outcome, attempts }
    }

    /// One unfiltered GET of the zone, parsed as it streams in, keeping the
    /// sets at the wanted names.
    pub async fn read_zone(&self, keys: &[(DnsName, RecordType)]) -> Attempted<ZoneSets> {
        let wanted: Arc<HashSet<String>> = Arc::new(
            keys.iter()
                .map(|(name, _)| name.to_absolute().to_ascii_lowercase())
                .collect(),
        );
        let (outcome, attempts) = self
            .http
            .send_streamed(
                |client| self.request(client, Method::GET),
                move |body| zone_read::parse(body, &wanted),
            )
            .await;
        let outcome = outcome.and_then(|streamed| match streamed {
            Streamed::Parsed(kept) => Ok(ZoneSets {
                sets: keys
                    .iter()
                    .map(|(name, rrtype)| set_in(Some(&kept.doc), name, *rrtype))
                    .collect(),
                records: kept.records,
            }),
            Streamed::Refused(answer) => Err(refused(&answer, &self.zone, &self.server_id)),
        });
        Attempted { outcome, attempts }
    }

    /// One PATCH for every change: REPLACE with the whole set after the
    /// change, DELETE where nothing is left. All changes share its outcome.
    pub async fn apply(&self, changes: &[Change]) -> Vec<Attempted<()>> {
        let rrsets: Vec<serde_json::Value> = changes
            .iter()
            .map(|change| {
                let name = change.name.to_absolute();
                let rrtype = change.rrtype.as_str();
                if change.after.is_empty() {
                    json!({ "name": name, "type": rrtype, "changetype": "DELETE" })
                } else {
                    let records: Vec<serde_json::Value> = change
                        .after
                        .iter()
                        .map(|content| {
                            let content = match change.rrtype {
                                RecordType::Ptr => format!("{content}."),
                                RecordType::A | RecordType::Aaaa => content.clone(),
                            };
                            json!({ "content": content, "disabled": false })
                        })
                        .collect();
                    json!({ "name": name, "type": rrtype, "ttl": change.ttl, "changetype": "REPLACE", "records": records })
                }
            })
            .collect();
        let body = json!({ "rrsets": rrsets });
        let (outcome, attempts) = self
            .http
            .with_write_turns(Arc::clone(&self.write_turns))
            .send(|client| self.request(client, Method::PATCH).json(&body))
            .await;
        let outcome = outcome.and_then(|answer| {
            if answer.status.is_success() {
                Ok(())
            } else {
                Err(error_of(&answer))
            }
        });
        changes
            .iter()
            .map(|_| Attempted {
                outcome: outcome.clone(),
                attempts,
            })
            .collect()
    }

    /// Reads the zone's SOA: proves the server answers, the key is accepted
    /// and the zone exists under that name.
    pub async fn test(&self) -> Attempted<String> {
        let answer = self.get(&self.zone, Some("SOA")).await;
        let outcome = answer.outcome.and_then(|doc| {
            let expected = self.zone.to_absolute();
            if doc.name.eq_ignore_ascii_case(&expected) {
                Ok(format!(
                    "zone {expected} found on PowerDNS server {} ({})",
                    self.server_id,
                    doc.kind.as_deref().unwrap_or("unknown kind")
                ))
            } else {
                Err(ProviderError::InvalidResponse(format!(
                    "the server's zone is {}, not {expected}",
                    doc.name
                )))
            }
        });
        Attempted {
            outcome,
            attempts: answer.attempts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_ids_are_encoded_as_powerdns_does() {
        let id = |s: &str| zone_id(&DnsName::parse(s).unwrap());
        assert_eq!(id("example.com"), "example.com.");
        assert_eq!(
            id("0/26.2.0.192.in-addr.arpa"),
            "0=2F26.2.0.192.in-addr.arpa."
        );
        assert_eq!(id("_x.example.com"), "=5Fx.example.com.");
    }
}
