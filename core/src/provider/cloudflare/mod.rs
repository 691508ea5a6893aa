//! Cloudflare API v4.
//!
//! Reads are one filtered listing per name (`?name=`), following
//! `result_info` to the last page, or, when the engine chooses, the whole
//! zone's listing in pages of the largest size Cloudflare documents, parsed
//! as they stream in; writes are the batch endpoint, which Cloudflare runs
//! deletes-first and all-or-nothing. When a batch is refused, its changes
//! are sent again one record at a time so that one bad record does not
//! sink the others.

pub mod spec;
mod zone_read;

use std::collections::HashSet;
use std::sync::Arc;

use futures::future::{join_all, BoxFuture};
use reqwest::header::{ACCEPT, AUTHORIZATION};
use reqwest::{Client, Method, RequestBuilder};
use serde::Deserialize;
use serde_json::{json, Value as Json};

use crate::http::{readable_body, Answer, Http, Streamed, Transport};
use crate::name::DnsName;
use crate::provider::per_name::read_per_name;
use crate::provider::{
    normalize_content, Applied, Attempted, Backend, Change, ProviderError, Reads, Record,
    RecordSet, Registration, Target, ZoneRead, ZoneSets,
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

    // The whole zone, in pages of ZONE_PER_PAGE records.
    fn reads(&self) -> Reads {
        Reads {
            by_name: true,
            zone: Some(ZoneRead {
                page: Some(ZONE_PER_PAGE),
            }),
            budgeted: true,
        }
    }

    fn read_zone<'a>(
        &'a self,
        keys: &'a [(DnsName, RecordType)],
    ) -> BoxFuture<'a, Attempted<ZoneSets>> {
        Box::pin(CloudflareClient::read_zone(self, keys))
    }
}

/// Cloudflare's limit per action list of one batch (Free plan).
const BATCH_LIMIT: usize = 200;
/// Records per page when listing a name; one page in practice.
pub const PER_PAGE: u32 = 100;
/// Never follow more pages than this for one name: a name holds a
/// handful of records, so more means a server that ignores the filter.
const MAX_PAGES: u32 = 50;

/// Records per page of a whole-zone listing: the largest `per_page` that
/// `GET /zones/{zone_id}/dns_records` takes, "Number of DNS records per
/// page", minimum 1, maximum 5000000 (developers.cloudflare.com, API
/// reference, DNS › Records › List DNS Records,
/// /api/resources/dns/subresources/records/methods/list/). Any zone a plan
/// allows is one page; a server that serves fewer says so in
/// `result_info.per_page`, and the rest of the pages follow.
pub const ZONE_PER_PAGE: u32 = 5_000_000;
/// A whole-zone listing of more pages than this is not read (the engine
/// then reads by name): a server paging that small costs more requests
/// than the names would, against a rate limit of 1200 per 5 minutes.
const MAX_ZONE_PAGES: u64 = 200;
/// Listings of the whole zone before giving up when records disappear
/// from it while its pages are read.
const ZONE_LISTINGS: u32 = 2;

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

#[derive(Clone, Copy, Debug, Deserialize)]
struct ResultInfo {
    #[serde(default)]
    page: u32,
    /// Records a page holds, as served (it may be fewer than asked).
    #[serde(default)]
    per_page: u64,
    /// Records in the whole listing when the page was answered.
    #[serde(default)]
    total_count: Option<u64>,
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

/// The error of a listing page answered with another status than 2xx, in
/// Cloudflare's words, as [`envelope`] gives it.
fn refused(answer: &Answer) -> ProviderError {
    match envelope(answer) {
        Err(e) => e,
        // Not reached: `send_streamed` parses every 2xx answer.
        Ok(_) => ProviderError::Status {
            status: answer.status.as_u16(),
            message: readable_body(&answer.body),
        },
    }
}

/// A streamed page as [`envelope`] would judge it: Cloudflare's errors
/// when it says it failed, and a list of records when it did not.
fn checked(page: zone_read::Page) -> Result<zone_read::Page, ProviderError> {
    if !page.success {
        return Err(ProviderError::Status {
            status: 200,
            message: describe_errors(&page.errors),
        });
    }
    if !page.listing {
        return Err(ProviderError::InvalidResponse(
            "dns_records is not a list of records: the answer has no result".to_owned(),
        ));
    }
    Ok(page)
}

/// Every page of a whole-zone listing, read once.
struct Listing {
    /// The records at the wanted names, each once.
    kept: Vec<DnsRecord>,
    /// The zone's records: the largest total a page reported.
    records: u64,
    /// Some page counted fewer records than the first: `(first, fewest)`.
    /// A record removed meanwhile moves the later ones a place forward, so
    /// one may have slipped onto a page already read.
    shrank: Option<(u64, u64)>,
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

    /// One page of the unfiltered listing, parsed as it streams in.
    async fn zone_page(
        &self,
        page: u64,
        wanted: &Arc<HashSet<String>>,
    ) -> Attempted<zone_read::Page> {
        let query = [
            ("per_page", ZONE_PER_PAGE.to_string()),
            ("page", page.to_string()),
        ];
        let wanted = Arc::clone(wanted);
        let (outcome, attempts) = self
            .http
            .send_streamed(
                |c| self.request(c, Method::GET, "/dns_records").query(&query),
                move |body| zone_read::parse(body, &wanted),
            )
            .await;
        let outcome = outcome.and_then(|streamed| match streamed {
            Streamed::Parsed(page) => checked(page),
            Streamed::Refused(answer) => Err(refused(&answer)),
        });
        Attempted { outcome, attempts }
    }

    /// The whole listing once: page 1, which says how many pages there
    /// are, then all the others at once (the engine's bound on requests in
    /// flight holds them), then, one at a time, any page that records added
    /// meanwhile pushed the last ones onto. Records seen twice, moved across
    /// a page boundary by an addition, are kept once.
    async fn list_zone(&self, wanted: &Arc<HashSet<String>>) -> Attempted<Listing> {
        let first = self.zone_page(1, wanted).await;
        let mut attempts = first.attempts;
        let first = match first.outcome {
            Ok(page) => page,
            Err(e) => {
                return Attempted {
                    outcome: Err(e),
                    attempts,
                }
            }
        };
        let fail = |e: ProviderError, attempts: u32| Attempted {
            outcome: Err(e),
            attempts,
        };
        // No paging said: the page is the whole zone.
        let Some(info) = first.info else {
            return Attempted {
                outcome: Ok(Listing {
                    records: first.listed,
                    kept: first.kept,
                    shrank: None,
                }),
                attempts,
            };
        };
        let per_page = if info.per_page > 0 {
            info.per_page
        } else {
            first.listed
        };
        let total = info.total_count.unwrap_or(first.listed);
        let pages = match (info.total_pages, per_page) {
            (0, 0) => 1,
            (0, per_page) => total.div_ceil(per_page).max(1),
            (pages, _) => u64::from(pages),
        };
        if pages > MAX_ZONE_PAGES {
            return fail(
                ProviderError::InvalidResponse(format!(
                    "the zone's listing has {pages} pages of {per_page} records, more than the {MAX_ZONE_PAGES} read at most"
                )),
                attempts,
            );
        }
        let rest = join_all((2..=pages).map(|page| self.zone_page(page, wanted))).await;
        attempts += rest.iter().map(|a| a.attempts).max().unwrap_or(0);
        let mut read = vec![first];
        for page in rest {
            match page.outcome {
                Ok(page) => read.push(page),
                Err(e) => return fail(e, attempts),
            }
        }
        let reported = |read: &[zone_read::Page]| {
            read.iter()
                .filter_map(|p| p.info.and_then(|i| i.total_count))
                .max()
                .unwrap_or(total)
        };
        // Records added while the pages were read push the last ones past
        // the pages counted at first: read on while a page says there are
        // more than the pages read hold and the last one came back full.
        let mut next = pages + 1;
        while per_page > 0
            && next <= MAX_ZONE_PAGES
            && reported(&read) > (next - 1).saturating_mul(per_page)
            && read.last().is_some_and(|last| last.listed >= per_page)
        {
            let page = self.zone_page(next, wanted).await;
            attempts += page.attempts;
            match page.outcome {
                Ok(page) => read.push(page),
                Err(e) => return fail(e, attempts),
            }
            next += 1;
        }
        let fewest = read
            .iter()
            .filter_map(|p| p.info.and_then(|i| i.total_count))
            .min()
            .unwrap_or(total);
        let records = reported(&read);
        let mut seen = HashSet::new();
        let kept: Vec<DnsRecord> = read
            .into_iter()
            .flat_map(|p| p.kept)
            .filter(|r| seen.insert(r.id.clone()))
            .collect();
        Attempted {
            outcome: Ok(Listing {
                kept,
                records,
                shrank: (fewest < total).then_some((total, fewest)),
            }),
            attempts,
        }
    }

    /// Reads the whole zone and keeps the sets at `keys`. A listing during
    /// which records disappeared may have missed one, so it is read again;
    /// when they disappear again, the read fails and the engine reads the
    /// names instead.
    pub async fn read_zone(&self, keys: &[(DnsName, RecordType)]) -> Attempted<ZoneSets> {
        let wanted: Arc<HashSet<String>> = Arc::new(
            keys.iter()
                .map(|(name, _)| name.as_str().to_ascii_lowercase())
                .collect(),
        );
        let mut attempts = 0;
        let mut shrank = (0, 0);
        for _ in 0..ZONE_LISTINGS {
            let listing = self.list_zone(&wanted).await;
            attempts += listing.attempts;
            match listing.outcome {
                Ok(Listing {
                    kept,
                    records,
                    shrank: None,
                }) => {
                    return Attempted {
                        outcome: Ok(ZoneSets {
                            sets: keys
                                .iter()
                                .map(|(name, rrtype)| set_in(&kept, name, *rrtype))
                                .collect(),
                            records,
                        }),
                        attempts,
                    }
                }
                Ok(Listing {
                    shrank: Some(counts),
                    ..
                }) => shrank = counts,
                Err(e) => {
                    return Attempted {
                        outcome: Err(e),
                        attempts,
                    }
                }
            }
        }
        let (before, after) = shrank;
        Attempted {
            outcome: Err(ProviderError::InvalidResponse(format!(
                "records kept disappearing from the zone while its pages were read ({before}, then {after})"
            ))),
            attempts,
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
