//! HTTP for every provider: one client per zone with that zone's TLS
//! settings, a shared bound on requests in flight, and retries of transient
//! failures with backoff. Providers build requests; this module sends them.

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Client, RequestBuilder, StatusCode};
use tokio::sync::Mutex;

use crate::budget::RequestBudget;
use crate::fault::ProviderError;
use crate::options::SyncOptions;
use crate::retry::{Tries, Try};
pub use crate::tls::Tls;
use crate::write_turns::{WriteTurns, Writing};

/// Largest answer read from a provider. Reads are filtered to the VM's
/// names, so a real answer is a few kilobytes; this only stops a
/// misbehaving server from filling memory.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// Largest answer parsed as it streams (a whole zone): memory stays at a
/// few chunks and what the parser keeps, so this only bounds the time a
/// server can keep a read busy.
const MAX_STREAMED: u64 = 1024 * 1024 * 1024;

/// Chunks of a streamed answer waiting for the parser; the sender waits
/// when the parser falls behind, so memory stays bounded.
const STREAM_CHUNKS: usize = 8;

/// Locks that make writes to one backend go one at a time, by a key the
/// provider chooses (a HestiaCP domain).
type WriteLocks = Arc<StdMutex<HashMap<String, Arc<Mutex<()>>>>>;

/// HTTP clients by the TLS settings they were built with: zones with the
/// same settings share one client, and so its pool of connections.
type Clients = Arc<StdMutex<HashMap<(bool, Option<String>), Client>>>;

/// What every zone of one sync shares: the options, the bound on requests
/// in flight and the servers given up on (its [`Tries`]), the write locks,
/// and the HTTP clients, so that zones on one server reuse its kept-alive
/// connections.
#[derive(Clone, Debug)]
pub struct Transport {
    pub options: SyncOptions,
    tries: Tries,
    write_locks: WriteLocks,
    clients: Clients,
}

impl Transport {
    pub fn new(options: &SyncOptions) -> Self {
        Self {
            options: options.clone(),
            tries: Tries::new(options.concurrency, options.retries),
            write_locks: WriteLocks::default(),
            clients: Clients::default(),
        }
    }

    /// How requests of this sync are tried, whatever carries them.
    pub fn tries(&self) -> Tries {
        self.tries.clone()
    }

    /// The lock shared by every client of this sync that writes to `key`,
    /// for a backend that takes two writes at once without an error but
    /// wrongly: HestiaCP gives two new records the same ID. (A server that
    /// refuses the second with an error is learned: [`crate::write_turns`].)
    pub fn write_lock(&self, key: &str) -> Arc<Mutex<()>> {
        // A poisoned map still holds valid locks: nothing panics while
        // holding it but HashMap itself.
        let mut locks = self
            .write_locks
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(locks.entry(key.to_owned()).or_default())
    }

    /// A client with the zone's TLS settings: verification on unless the
    /// zone turns it off; with `ca_cert`, that certificate and nothing else
    /// is trusted (see `tls`). Never a proxy from the environment: DNS credentials go
    /// to the configured server and nowhere else.
    pub fn client_for(&self, tls: &Tls<'_>) -> Result<Http, ProviderError> {
        let key = (tls.verify, tls.ca_cert.map(str::to_owned));
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let client = match clients.get(&key) {
            Some(client) => client.clone(),
            None => {
                let client = self.build_client(tls)?;
                clients.insert(key, client.clone());
                client
            }
        };
        Ok(Http {
            client,
            tries: self.tries(),
            sent: Arc::default(),
            turns: None,
        })
    }

    fn build_client(&self, tls: &Tls<'_>) -> Result<Client, ProviderError> {
        let mut builder = Client::builder()
            .user_agent(concat!("puq_dns/", env!("CARGO_PKG_VERSION")))
            .timeout(self.options.timeout)
            .connect_timeout(self.options.connect_timeout)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .https_only(false);
        if !tls.verify {
            builder = builder.danger_accept_invalid_certs(true);
        } else if let Some(pem) = tls.ca_cert {
            let tls = crate::tls::config_trusting(pem).map_err(ProviderError::Refused)?;
            builder = builder.use_preconfigured_tls(tls);
        }
        builder
            .build()
            .map_err(|e| ProviderError::Transport(format!("cannot set up HTTPS: {e}")))
    }
}

/// A provider's answer: status, headers and the body as text.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    /// An answer made up from parts, for the fuzz targets; `None` for a
    /// status HTTP does not have.
    #[doc(hidden)]
    pub fn made_up(status: u16, body: &str) -> Option<Answer> {
        Some(Answer {
            status: StatusCode::from_u16(status).ok()?,
            headers: HeaderMap::new(),
            body: body.to_owned(),
        })
    }
}

/// The client of one zone.
#[derive(Clone, Debug)]
pub struct Http {
    client: Client,
    tries: Tries,
    /// Requests this zone's client has sent, retries included.
    sent: Arc<AtomicU32>,
    /// Set for writes: whether its server takes them at once.
    turns: Option<Arc<WriteTurns>>,
}

/// A streamed request's outcome: what the parser made of a successful
/// answer, or any other answer whole, for its error.
#[derive(Debug)]
pub enum Streamed<T> {
    Parsed(T),
    Refused(Answer),
}

impl Http {
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The requests sent so far, retries included.
    pub fn requests(&self) -> u32 {
        self.sent.load(Ordering::Relaxed)
    }

    /// The same client, its requests counted against `budget`.
    pub fn with_budget(self, budget: Arc<RequestBudget>) -> Self {
        Self {
            tries: self.tries.with_budget(budget),
            ..self
        }
    }

    /// The same client, for writes to a server that may take only one at
    /// a time ([`crate::write_turns`]); its requests still count as this
    /// client's.
    pub fn with_write_turns(&self, turns: Arc<WriteTurns>) -> Self {
        Self {
            turns: Some(turns),
            ..self.clone()
        }
    }

    /// How its requests are tried again; for providers that signal a
    /// transient failure inside a successful answer (HestiaCP's E_LA), to
    /// ask again the same way ([`Tries::repeat`]).
    pub fn tries(&self) -> &Tries {
        &self.tries
    }

    /// Sends a request, trying again after transient failures (no answer,
    /// 408, 429, 5xx). Returns the last answer, whatever its status, or the
    /// transport error, with the number of tries made: none when the server
    /// already failed to answer earlier in this sync.
    pub async fn send(
        &self,
        build: impl Fn(&Client) -> RequestBuilder,
    ) -> (Result<Answer, ProviderError>, u32) {
        self.with_tries(build, |request| self.send_once(request))
            .await
    }

    /// Sends a request like [`Http::send`], and a successful answer goes
    /// to `parse` as it arrives, on a blocking thread, instead of into
    /// memory: a whole zone is read at the cost of what `parse` keeps.
    /// Another status comes back whole, for its error. A body that breaks
    /// off is tried again like a failed request.
    pub async fn send_streamed<T, P>(
        &self,
        build: impl Fn(&Client) -> RequestBuilder,
        parse: P,
    ) -> (Result<Streamed<T>, ProviderError>, u32)
    where
        T: Send + 'static,
        P: Fn(&mut dyn Read) -> Result<T, String> + Clone + Send + 'static,
    {
        self.with_tries(build, |request| self.stream_once(request, parse.clone()))
            .await
    }

    /// Every try of a request: counted, bounded and repeated by
    /// [`Tries`] after no answer, 408, 429 or 5xx (after the wait the
    /// server asks for).
    async fn with_tries<R, Fut>(
        &self,
        build: impl Fn(&Client) -> RequestBuilder,
        once: impl Fn(RequestBuilder) -> Fut,
    ) -> (Result<R, ProviderError>, u32)
    where
        R: Reply,
        Fut: std::future::Future<Output = Result<R, SendError>>,
    {
        let origin = build(&self.client)
            .build()
            .map(|request| request.url().origin().ascii_serialization())
            .unwrap_or_default();
        let turns = self.turns.as_deref();
        self.tries
            .run(&origin, || {
                let attempt = once(build(&self.client));
                async move {
                    let writing = match turns {
                        Some(turns) => Some(turns.start().await),
                        None => None,
                    };
                    self.sent.fetch_add(1, Ordering::Relaxed);
                    match attempt.await {
                        Ok(reply) => match reply.transient().map(retry_after) {
                            _ if reply.server_error()
                                && writing.as_ref().is_some_and(Writing::failed) =>
                            {
                                Try::InTurn { last: Ok(reply) }
                            }
                            Some(wait) => Try::Again {
                                wait,
                                last: Ok(reply),
                                answered: true,
                            },
                            None => Try::Done(Ok(reply)),
                        },
                        Err(SendError::Transient(e)) => Try::Again {
                            last: Err(e),
                            wait: None,
                            answered: false,
                        },
                        Err(SendError::Final(e)) => Try::Done(Err(e)),
                    }
                }
            })
            .await
    }

    async fn stream_once<T, P>(
        &self,
        request: RequestBuilder,
        parse: P,
    ) -> Result<Streamed<T>, SendError>
    where
        T: Send + 'static,
        P: FnOnce(&mut dyn Read) -> Result<T, String> + Send + 'static,
    {
        let mut response = request.send().await.map_err(classify)?;
        let status = response.status();
        if !status.is_success() {
            let headers = response.headers().clone();
            let body = read_body(&mut response, status).await?;
            return Ok(Streamed::Refused(Answer {
                status,
                headers,
                body,
            }));
        }
        let (chunks, receiver) = tokio::sync::mpsc::channel::<bytes::Bytes>(STREAM_CHUNKS);
        let parser = tokio::task::spawn_blocking(move || {
            let mut reader = ChunkReader {
                receiver,
                chunk: bytes::Bytes::new(),
            };
            parse(&mut reader)
        });
        let mut total: u64 = 0;
        let mut fed = Ok(());
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    total += chunk.len() as u64;
                    if total > MAX_STREAMED {
                        fed = Err(SendError::Final(ProviderError::InvalidResponse(format!(
                            "HTTP {}: answer larger than {} MB",
                            status.as_u16(),
                            MAX_STREAMED / (1024 * 1024)
                        ))));
                        break;
                    }
                    // The parser stopped early (it found the answer
                    // malformed): its error says why.
                    if chunks.send(chunk).await.is_err() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    fed = Err(classify(e));
                    break;
                }
            }
        }
        drop(chunks);
        let parsed = parser.await.map_err(|e| {
            SendError::Final(ProviderError::InvalidResponse(format!(
                "the answer's parser stopped: {e}"
            )))
        })?;
        // A broken-off body explains a parse error better than the error.
        fed?;
        parsed
            .map(Streamed::Parsed)
            .map_err(|e| SendError::Final(ProviderError::InvalidResponse(e)))
    }

    async fn send_once(&self, request: RequestBuilder) -> Result<Answer, SendError> {
        let mut response = request.send().await.map_err(classify)?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_body(&mut response, status).await?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

/// The whole body as text, up to [`MAX_BODY`].
async fn read_body(
    response: &mut reqwest::Response,
    status: StatusCode,
) -> Result<String, SendError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(SendError::Final(ProviderError::InvalidResponse(format!(
                "HTTP {}: answer larger than {} MB",
                status.as_u16(),
                MAX_BODY / (1024 * 1024)
            ))));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// The parser's side of a streamed answer: a `Read` over the chunks the
/// request's task sends; the end of the answer when the sender is gone.
struct ChunkReader {
    receiver: tokio::sync::mpsc::Receiver<bytes::Bytes>,
    chunk: bytes::Bytes,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            match self.receiver.blocking_recv() {
                Some(chunk) => self.chunk = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

/// An answer that another try may change: its headers when its status is
/// transient (for `Retry-After`).
trait Reply {
    fn transient(&self) -> Option<&HeaderMap>;
    /// A 5xx: the server failed, not the request.
    fn server_error(&self) -> bool;
}

impl Reply for Answer {
    fn transient(&self) -> Option<&HeaderMap> {
        is_transient(self.status).then_some(&self.headers)
    }

    fn server_error(&self) -> bool {
        self.status.is_server_error()
    }
}

impl<T> Reply for Streamed<T> {
    fn transient(&self) -> Option<&HeaderMap> {
        match self {
            Streamed::Refused(answer) => answer.transient(),
            Streamed::Parsed(_) => None,
        }
    }

    fn server_error(&self) -> bool {
        matches!(self, Streamed::Refused(answer) if answer.server_error())
    }
}

enum SendError {
    Transient(ProviderError),
    Final(ProviderError),
}

const CERTIFICATE_REFUSED: &str = "cannot connect: the server's certificate ";

/// What is wrong with the server's certificate, in words an admin can act
/// on, from rustls's error names.
fn certificate_problem(causes: &[String]) -> Option<String> {
    let cause = causes
        .iter()
        .find(|c| c.contains("certificate") || c.contains(crate::tls::NOT_PINNED))?;
    let problem = if cause.contains(crate::tls::NOT_PINNED) {
        "is neither the one in the zone's ca_cert nor signed by it"
    } else if cause.contains("CaUsedAsEndEntity") {
        "is self-signed (a CA certificate): put it in the zone's ca_cert, or turn verify_tls off"
    } else if cause.contains("UnknownIssuer") {
        "is not signed by a trusted authority: put the CA that signed it in the zone's ca_cert"
    } else if cause.contains("NotValidForName") {
        "is not valid for this host name"
    } else if cause.contains("NotValidYet") {
        "is not valid yet"
    } else if cause.contains("Expired") {
        "has expired"
    } else if cause.contains("Revoked") {
        "has been revoked"
    } else {
        return Some(format!("was refused: {cause}"));
    };
    Some(problem.to_owned())
}

/// Connection problems and timeouts are worth another try; a request that
/// could not even be built is not.
fn classify(error: reqwest::Error) -> SendError {
    let text = describe(&error);
    // A refused certificate stays refused: trying again only delays the
    // answer the admin needs.
    if error.is_builder() || error.is_redirect() || text.starts_with(CERTIFICATE_REFUSED) {
        SendError::Final(ProviderError::Transport(text))
    } else {
        SendError::Transient(ProviderError::Transport(text))
    }
}

/// A short account of a failed request: `cannot connect: Connection
/// refused (os error 111)`, `timed out`, or reqwest's message with its
/// causes. The URL is left out: it is in the zone row already.
fn describe(error: &reqwest::Error) -> String {
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    if error.is_timeout() {
        return "timed out".to_owned();
    }
    // hyper's words for a server that hung up: say it plainly.
    if causes
        .iter()
        .any(|c| c.contains("connection closed before message completed"))
    {
        return "the server closed the connection without an answer".to_owned();
    }
    if error.is_body() || error.is_decode() {
        return match causes.last() {
            Some(root) => format!("the answer broke off: {root}"),
            None => "the answer broke off".to_owned(),
        };
    }
    if let Some(problem) = certificate_problem(&causes) {
        return format!("{CERTIFICATE_REFUSED}{problem}");
    }
    if error.is_connect() {
        // The innermost cause is the one that names the problem (refused,
        // unreachable); the outer ones only say "connect".
        return match causes.last() {
            Some(root) => format!("cannot connect: {root}"),
            None => "cannot connect".to_owned(),
        };
    }
    let mut text = error.to_string();
    if let Some(url) = error.url() {
        text = text.replace(&format!(" for url ({url})"), "");
    }
    for cause in causes {
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// An error body as a line of text: an HTML error page (a proxy's 502, a
/// panel's login page) becomes its visible text, so the admin reads
/// `503 Service Temporarily Unavailable`, not markup.
pub fn readable_body(body: &str) -> String {
    let body = body.trim();
    if !body.starts_with('<') {
        return body.to_owned();
    }
    let mut text = String::with_capacity(body.len());
    let mut rest = body;
    let mut hidden = false;
    while let Some(open) = rest.find('<') {
        if !hidden {
            text.push_str(&rest[..open]);
        }
        text.push(' ');
        let tag_end = rest[open..].find('>').map_or(rest.len(), |e| open + e + 1);
        let tag = rest[open..tag_end].to_ascii_lowercase();
        if tag.starts_with("<script") || tag.starts_with("<style") {
            hidden = true;
        } else if tag.starts_with("</script") || tag.starts_with("</style") {
            hidden = false;
        }
        rest = &rest[tag_end..];
    }
    if !hidden {
        text.push_str(rest);
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    // A page's title and heading often say the same: say it once.
    let repeated = (1..=words.len() / 2)
        .rev()
        .find(|&k| words[..k] == words[k..2 * k])
        .unwrap_or(0);
    words[repeated..].join(" ")
}

pub fn is_transient(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
}

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn html_error_pages_become_their_text() {
        assert_eq!(
            readable_body("<html><head><title>502 Bad Gateway</title><style>h1{}</style></head><body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>"),
            "502 Bad Gateway nginx"
        );
        assert_eq!(
            readable_body("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"),
            "503 Service Temporarily Unavailable"
        );
        assert_eq!(readable_body(" Not Found \n"), "Not Found");
        assert_eq!(
            readable_body("<p>a <b>b</b> <script>x()</script>c"),
            "a b c"
        );
        assert_eq!(readable_body("<unclosed"), "");
    }

    #[test]
    fn transient_statuses() {
        for code in [408u16, 429, 500, 502, 503, 504] {
            assert!(is_transient(StatusCode::from_u16(code).unwrap()), "{code}");
        }
        for code in [200u16, 204, 400, 401, 403, 404, 409, 422] {
            assert!(!is_transient(StatusCode::from_u16(code).unwrap()), "{code}");
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        let soon = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(120));
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&soon).unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(
            wait > Duration::from_secs(100) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
    }
}
