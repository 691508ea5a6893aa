//! Cloudflare API v4.
//!
//! Reads are one filtered listing per name (`?name=`), following
//! `result_info` to the last page; writes are the batch endpoint, which
//! Cloudflare runs deletes-first and all-or-nothing. When a batch is
//! refused, its changes are sent again one record at a time so that one
//! bad record does not sink the others.

pub mod spec;

use futures::future::BoxFuture;
use reqwest::header::{ACCEPT, AUTHORIZATION};
use reqwest::{Client, Method, RequestBuilder};
use serde::Deserialize;
use serde_json::{json, Value as Json};

use crate::http::{readable_body, Answer, Http, Transport};
use crate::name::DnsName;
use crate::provider::per_name::read_per_name;
use crate::provider::{
    normalize_content, Applied, Attempted, Backend, Change, ProviderError, Record, RecordSet,
    Registration, Target,
};
use crate::rr::RecordType;
use crate::secret::Secret;

/// Cloudflare in the registry.
pub const PROVIDER: Registration = Registration {
    spec: &spec::SPEC,
    connect,
};

/// One zone's client; every request of a token counts against its share
/// of Cloudflare's rate limit, across all syncs of the process.
fn connect(target: &Target<'_>, transport: &Transport) -> Result<Box<dyn Backend>, ProviderError> {
    let options = &transport.options;
    let budget = crate::budget::shared(
        target.row.text("api_url"),
        target.row.secret().expose(),
        options.cloudflare_rate_limit,
        options.cloudflare_rate_window,
    );
    let http = transport.client_for(&target.tls)?.with_budget(budget);
    Ok(Box::new(CloudflareClient::new(http, target)))
}

impl Backend for CloudflareClient {
    fn read<'a>(
        &'a self,
        keys: &'a [(DnsName, RecordType)],
    ) -> BoxFuture<'a, Attempted<Vec<RecordSet>>> {
        Box::pin(CloudflareClient::read(self, keys))
    }

    fn apply<'a>(&'a self, changes: &'a [Change]) -> BoxFuture<'a, Vec<Applied>> {
        Box::pin(async move {
            CloudflareClient::apply(self, changes)
                .await
                .into_iter()
                .map(Attempted::whole)
                .collect()
        })
    }

    fn test(&self) -> BoxFuture<'_, Attempted<String>> {
        Box::pin(CloudflareClient::test(self))
    }

    fn url(&self) -> &str {
        &self.zone_url
    }

    fn requests(&self) -> u32 {
        self.http.requests()
    }
}

/// Cloudflare's limit per action list of one batch (Free plan).
const BATCH_LIMIT: usize = 200;
/// Records per page when listing a name; one page in practice.
const PER_PAGE: u32 = 100;
/// Never follow more pages than this for one name: a name holds a
/// handful of records, so more means a server that ignores the filter.
const MAX_PAGES: u32 = 50;

/// Codes that mean the wanted state is already there.
const IDENTICAL_RECORD: [i64; 2] = [81057, 81058];
const RECORD_DOES_NOT_EXIST: i64 = 81044;

pub struct CloudflareClient {
    http: Http,
    zone: DnsName,
    /// `{api_url}/zones/{zone_id}`.
    zone_url: String,
    zone_id: String,
    api_token: Secret,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    success: bool,
    #[serde(default)]
    errors: Vec<ApiError>,
    #[serde(default)]
    result: Json,
    #[serde(default)]
    result_info: Option<ResultInfo>,
}

#[derive(Deserialize)]
struct ApiError {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    error_chain: Vec<ApiError>,
}

#[derive(Deserialize)]
struct ResultInfo {
    #[serde(default)]
    page: u32,
    #[serde(default)]
    total_pages: u32,
}

#[derive(Deserialize)]
struct DnsRecord {
    id: String,
    name: String,
    #[serde(rename = "type")]
    rrtype: String,
    content: String,
    #[serde(default)]
    ttl: u32,
}

/// An answer read as Cloudflare's envelope; an error names every code
/// and message Cloudflare gave (older answers wrap the real code in
/// `error_chain`), with the HTTP status.
fn envelope(answer: &Answer) -> Result<Envelope, ProviderError> {
    let parsed: Result<Envelope, _> = serde_json::from_str(&answer.body);
    match parsed {
        Ok(env) if env.success && answer.status.is_success() => Ok(env),
        Ok(env) => Err(ProviderError::Status {
            status: answer.status.as_u16(),
            message: describe_errors(&env.errors),
        }),
        Err(_) if !answer.status.is_success() => Err(ProviderError::Status {
            status: answer.status.as_u16(),
            message: readable_body(&answer.body),
        }),
        Err(e) => Err(ProviderError::InvalidResponse(format!(
            "HTTP {}: not the JSON envelope Cloudflare sends ({e})",
            answer.status.as_u16()
        ))),
    }
}

fn describe_errors(errors: &[ApiError]) -> String {
    if errors.is_empty() {
        return "success is false and no error was given".to_owned();
    }
    errors
        .iter()
        .map(|e| {
            let mut text = format!("{} {}", e.code, e.message);
            if !e.error_chain.is_empty() {
                text.push_str(&format!(" ({})", describe_errors(&e.error_chain)));
            }
            text
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Whether a refused request's errors all carry one of these codes.
fn only_codes(error: &ProviderError, answer_codes: &[i64], codes: &[i64]) -> bool {
    matches!(error, ProviderError::Status { .. })
        && !answer_codes.is_empty()
        && answer_codes.iter().all(|c| codes.contains(c))
}

fn codes_of(answer: &Answer) -> Vec<i64> {
    fn walk(errors: &[ApiError], into: &mut Vec<i64>) {
        for e in errors {
            if e.error_chain.is_empty() {
                into.push(e.code);
            } else {
                walk(&e.error_chain, into);
            }
        }
    }
    let mut codes = Vec::new();
    if let Ok(env) = serde_json::from_str::<Envelope>(&answer.body) {
        walk(&env.errors, &mut codes);
    }
    codes
}

/// One page of a `dns_records` listing, and whether it was the last.
fn listing_page(answer: &Answer) -> Result<(Vec<DnsRecord>, bool), ProviderError> {
    let env = envelope(answer)?;
    let records = serde_json::from_value::<Vec<DnsRecord>>(env.result).map_err(|e| {
        ProviderError::InvalidResponse(format!("dns_records is not a list of records: {e}"))
    })?;
    let last = env.result_info.is_none_or(|i| i.page >= i.total_pages);
    Ok((records, last))
}

/// The records of one name and type among those listed at that name;
/// names come back fully qualified without the trailing dot.
fn set_in(listed: &[DnsRecord], name: &DnsName, rrtype: RecordType) -> RecordSet {
    let mut set = RecordSet::empty(name.clone(), rrtype, 0);
    for record in listed
        .iter()
        .filter(|r| r.rrtype == rrtype.as_str() && r.name.eq_ignore_ascii_case(name.as_str()))
    {
        set.ttl = record.ttl;
        set.records.push(Record {
            content: normalize_content(rrtype, &record.content),
            id: Some(record.id.clone()),
        });
    }
    set
}

/// What a read makes of one listing page that stands for every name: for
/// the fuzz targets, which feed the parser arbitrary answers.
#[doc(hidden)]
pub fn read_answer(
    answer: &Answer,
    keys: &[(DnsName, RecordType)],
) -> Result<Vec<RecordSet>, ProviderError> {
    let (listed, _) = listing_page(answer)?;
    Ok(keys
        .iter()
        .map(|(name, rrtype)| set_in(&listed, name, *rrtype))
        .collect())
}

impl CloudflareClient {
    pub fn new(http: Http, target: &Target<'_>) -> Self {
        let row = target.row;
        Self {
            http,
            zone: target.name.clone(),
            zone_url: format!("{}/zones/{}", row.text("api_url"), row.text("zone_id")),
            zone_id: row.text("zone_id").to_owned(),
            api_token: row.secret().clone(),
        }
    }

    pub fn zone_url(&self) -> &str {
        &self.zone_url
    }

    fn request(&self, client: &Client, method: Method, path: &str) -> RequestBuilder {
        client
            .request(method, format!("{}{path}", self.zone_url))
            .header(AUTHORIZATION, format!("Bearer {}", self.api_token.expose()))
            .header(ACCEPT, "application/json")
    }

    /// Every record at one name, all pages.
    async fn list(&self, name: &DnsName) -> Attempted<Vec<DnsRecord>> {
        let mut records = Vec::new();
        let mut attempts = 0;
        let mut page = 1;
        loop {
            let query = [
                ("name", name.to_string()),
                ("per_page", PER_PAGE.to_string()),
                ("page", page.to_string()),
            ];
            let (outcome, tries) = self
                .http
                .send(|c| self.request(c, Method::GET, "/dns_records").query(&query))
                .await;
            attempts += tries;
            match outcome.and_then(|answer| listing_page(&answer)) {
                Ok((found, last)) => {
                    records.extend(found);
                    if last || page >= MAX_PAGES {
                        return Attempted {
                            outcome: Ok(records),
                            attempts,
                        };
                    }
                }
                Err(e) => {
                    return Attempted {
                        outcome: Err(e),
                        attempts,
                    }
                }
            }
            page += 1;
        }
    }

    /// One listing per name, all in parallel (`per_name`).
    pub async fn read(&self, keys: &[(DnsName, RecordType)]) -> Attempted<Vec<RecordSet>> {
        read_per_name(
            keys,
            |name| self.list(name),
            |listed: &Vec<DnsRecord>, name, rrtype| set_in(listed, name, rrtype),
        )
        .await
    }

    fn post_body(change: &Change, content: &str) -> Json {
        let mut body = json!({
            "type": change.rrtype.as_str(),
            "name": change.name.as_str(),
            "content": content,
            "ttl": change.ttl,
        });
        if matches!(change.rrtype, RecordType::A | RecordType::Aaaa) {
            body["proxied"] = json!(false);
        }
        body
    }

    /// Applies changes through the batch endpoint, at most 200 deletes and
    /// 200 posts a batch; a refused batch is retried record by record.
    pub async fn apply(&self, changes: &[Change]) -> Vec<Attempted<()>> {
        let mut outcomes: Vec<Attempted<()>> = changes
            .iter()
            .map(|_| Attempted {
                outcome: Ok(()),
                attempts: 0,
            })
            .collect();
        let mut retried = vec![false; changes.len()];
        for batch in batches(changes) {
            let members: Vec<usize> = {
                let mut m: Vec<usize> = batch.iter().map(BatchItem::change).collect();
                m.dedup();
                m
            };
            let deletes: Vec<Json> = batch
                .iter()
                .filter_map(|item| match item {
                    BatchItem::Delete(_, id) => Some(json!({ "id": id })),
                    BatchItem::Post(..) => None,
                })
                .collect();
            let posts: Vec<Json> = batch
                .iter()
                .filter_map(|item| match item {
                    BatchItem::Post(c, content) => Some(Self::post_body(&changes[*c], content)),
                    BatchItem::Delete(..) => None,
                })
                .collect();
            let body = json!({ "deletes": deletes, "posts": posts });
            let (outcome, attempts) = self
                .http
                .send(|c| {
                    self.request(c, Method::POST, "/dns_records/batch")
                        .json(&body)
                })
                .await;
            let result = outcome.and_then(|a| envelope(&a).map(|_| ()));
            for &c in &members {
                if retried[c] {
                    continue;
                }
                outcomes[c].attempts += attempts;
                match &result {
                    Ok(()) => {}
                    // One bad record refuses the whole batch: send each of
                    // its changes alone, so only the bad one fails. A change
                    // sent alone is whole; already-done parts count as done.
                    Err(e) if e.is_refusal() => {
                        let single = self.apply_one(&changes[c]).await;
                        outcomes[c].attempts += single.attempts;
                        outcomes[c].outcome = single.outcome;
                        retried[c] = true;
                    }
                    Err(e) => {
                        if outcomes[c].outcome.is_ok() {
                            outcomes[c].outcome = Err(e.clone());
                        }
                    }
                }
            }
        }
        outcomes
    }

    /// One change without the batch endpoint: deletes first, then posts. A
    /// record that is already there, or already gone, counts as done.
    async fn apply_one(&self, change: &Change) -> Attempted<()> {
        let mut attempts = 0;
        for record in &change.remove {
            let Some(id) = &record.id else { continue };
            let path = format!("/dns_records/{id}");
            let (outcome, tries) = self
                .http
                .send(|c| self.request(c, Method::DELETE, &path))
                .await;
            attempts += tries;
            if let Err(e) = self.settle(outcome, &[RECORD_DOES_NOT_EXIST]) {
                return Attempted {
                    outcome: Err(e),
                    attempts,
                };
            }
        }
        for content in &change.add {
            let body = Self::post_body(change, content);
            let (outcome, tries) = self
                .http
                .send(|c| self.request(c, Method::POST, "/dns_records").json(&body))
                .await;
            attempts += tries;
            if let Err(e) = self.settle(outcome, &IDENTICAL_RECORD) {
                return Attempted {
                    outcome: Err(e),
                    attempts,
                };
            }
        }
        Attempted {
            outcome: Ok(()),
            attempts,
        }
    }

    /// A single-record answer: success, or an error whose codes all mean
    /// the record is already as wanted.
    fn settle(
        &self,
        outcome: Result<Answer, ProviderError>,
        done_codes: &[i64],
    ) -> Result<(), ProviderError> {
        let answer = outcome?;
        match envelope(&answer) {
            Ok(_) => Ok(()),
            Err(e) if only_codes(&e, &codes_of(&answer), done_codes) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Reads the zone: the token is accepted and the zone has the
    /// configured name.
    pub async fn test(&self) -> Attempted<String> {
        let (outcome, attempts) = self.http.send(|c| self.request(c, Method::GET, "")).await;
        let outcome = outcome.and_then(|a| envelope(&a)).and_then(|env| {
            let name = env.result.get("name").and_then(Json::as_str).unwrap_or("");
            let status = env
                .result
                .get("status")
                .and_then(Json::as_str)
                .unwrap_or("unknown");
            if name
                .trim_end_matches('.')
                .eq_ignore_ascii_case(self.zone.as_str())
            {
                Ok(format!("zone {} found on Cloudflare ({status})", self.zone))
            } else {
                Err(ProviderError::Refused(format!(
                    "zone id {} is {}, not {}",
                    self.zone_id,
                    if name.is_empty() { "unnamed" } else { name },
                    self.zone
                )))
            }
        });
        Attempted { outcome, attempts }
    }
}

/// One record of one change in a batch.
enum BatchItem<'a> {
    Delete(usize, &'a str),
    Post(usize, &'a str),
}

impl BatchItem<'_> {
    fn change(&self) -> usize {
        match self {
            BatchItem::Delete(c, _) | BatchItem::Post(c, _) => *c,
        }
    }
}

/// Packs every delete, then every post, into batches of at most 200 of
/// each. Deletes come first so that a post never lands in a batch before
/// a delete it may depend on (a replaced record at the same name).
fn batches(changes: &[Change]) -> Vec<Vec<BatchItem<'_>>> {
    let deletes = changes.iter().enumerate().flat_map(|(c, change)| {
        change
            .remove
            .iter()
            .filter_map(move |r| r.id.as_deref().map(|id| BatchItem::Delete(c, id)))
    });
    let posts = changes.iter().enumerate().flat_map(|(c, change)| {
        change
            .add
            .iter()
            .map(move |content| BatchItem::Post(c, content.as_str()))
    });
    let mut out: Vec<Vec<BatchItem<'_>>> = vec![Vec::new()];
    let (mut d, mut p) = (0, 0);
    for item in deletes.chain(posts) {
        let full = match item {
            BatchItem::Delete(..) => d == BATCH_LIMIT,
            BatchItem::Post(..) => p == BATCH_LIMIT,
        };
        if full {
            out.push(Vec::new());
            d = 0;
            p = 0;
        }
        match item {
            BatchItem::Delete(..) => d += 1,
            BatchItem::Post(..) => p += 1,
        }
        if let Some(last) = out.last_mut() {
            last.push(item);
        }
    }
    out.retain(|b| !b.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(adds: usize, removes: usize) -> Change {
        Change {
            name: DnsName::parse("vm.example.com").unwrap(),
            rrtype: RecordType::A,
            ttl: 1,
            add: (0..adds).map(|i| format!("192.0.2.{i}")).collect(),
            remove: (0..removes)
                .map(|i| Record {
                    content: format!("198.51.100.{i}"),
                    id: Some(format!("r{i}")),
                })
                .collect(),
            after: Vec::new(),
        }
    }

    fn shape(changes: &[Change]) -> Vec<(usize, usize)> {
        batches(changes)
            .iter()
            .map(|b| {
                let d = b
                    .iter()
                    .filter(|i| matches!(i, BatchItem::Delete(..)))
                    .count();
                (d, b.len() - d)
            })
            .collect()
    }

    #[test]
    fn batches_hold_at_most_200_deletes_and_200_posts() {
        assert_eq!(shape(&[change(1, 1), change(2, 0)]), [(1, 3)]);
        let many: Vec<Change> = (0..250).map(|_| change(1, 1)).collect();
        assert_eq!(shape(&many), [(200, 0), (50, 200), (0, 50)]);
        assert_eq!(shape(&[change(0, 450)]), [(200, 0), (200, 0), (50, 0)]);
        assert!(batches(&[]).is_empty());
    }

    #[test]
    fn errors_name_codes_messages_and_chains() {
        let errors: Vec<ApiError> = serde_json::from_str(
            r#"[{"code":1004,"message":"DNS Validation Error","error_chain":[{"code":9005,"message":"Content for A record must be a valid IPv4 address."}]}]"#,
        )
        .unwrap();
        assert_eq!(
            describe_errors(&errors),
            "1004 DNS Validation Error (9005 Content for A record must be a valid IPv4 address.)"
        );
    }
}
