//! A TCP proxy on 127.0.0.1 that stands in for a WAN: it waits a fixed
//! delay after accepting a connection before it connects to the server,
//! and notes what goes through, so that a benchmark can check that the
//! engine sent exactly what it has to.
//!
//! It understands just enough of two protocols to count requests: HTTP/1.1
//! (each connection's request method and response status, for servers
//! that answer `Connection: close`) and DNS over TCP (each message the
//! client sends, by the 2-byte length framing of RFC 1035 4.2.2, by
//! opcode, and a query for a zone transfer apart).

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

use crate::Res;

/// What the proxy reads of the bytes it relays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// One request per connection: its method, the response's status and
    /// whether it said `Connection: close`.
    Http,
    /// Every DNS message from the client, by opcode.
    Dns,
}

/// What the proxy saw on one HTTP connection.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub method: String,
    pub status: Option<u16>,
    /// The response said `Connection: close`: the client cannot have sent
    /// a second request on this connection, so connections count requests.
    pub close: bool,
    /// The start of the body of a 5xx answer.
    pub error: Option<String>,
}

/// DNS messages from clients, by the opcode in their header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DnsCount {
    /// Opcode 0, QUERY, but for a zone transfer.
    pub queries: usize,
    /// Opcode 0 with the question's type AXFR (252): a zone transfer.
    pub transfers: usize,
    /// Opcode 5, UPDATE.
    pub updates: usize,
    /// Any other opcode, or a message too short to have one.
    pub other: usize,
}

impl DnsCount {
    pub fn total(&self) -> usize {
        self.queries + self.transfers + self.updates + self.other
    }

    fn minus(self, earlier: DnsCount) -> DnsCount {
        DnsCount {
            queries: self.queries - earlier.queries,
            transfers: self.transfers - earlier.transfers,
            updates: self.updates - earlier.updates,
            other: self.other - earlier.other,
        }
    }
}

#[derive(Default)]
struct Shared {
    accepted: AtomicUsize,
    exchanges: Mutex<Vec<Exchange>>,
    dns: Mutex<DnsCount>,
}

impl Shared {
    fn dns(&self) -> std::sync::MutexGuard<'_, DnsCount> {
        self.dns.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn exchanges(&self) -> std::sync::MutexGuard<'_, Vec<Exchange>> {
        self.exchanges
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// A proxy in front of one server; it runs until the process ends.
pub struct Proxy {
    /// Where clients connect: 127.0.0.1 and a free port.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
}

/// A point in the proxy's history, to count what one run sent.
#[derive(Clone, Copy, Debug)]
pub struct Mark {
    accepted: usize,
    logged: usize,
    dns: DnsCount,
}

/// What went through the proxy between a mark and now.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    pub connections: usize,
    /// HTTP: one per connection that got a response, in order.
    pub exchanges: Vec<Exchange>,
    pub dns: DnsCount,
}

impl Proxy {
    /// Listens on a free port of 127.0.0.1 and relays every connection to
    /// `upstream` after `delay`.
    pub async fn start(upstream: SocketAddr, delay: Duration, protocol: Protocol) -> Res<Proxy> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let state = Arc::clone(&shared);
        tokio::spawn(async move {
            loop {
                let client = match listener.accept().await {
                    Ok((client, _)) => client,
                    Err(e) => {
                        eprintln!("proxy: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                state.accepted.fetch_add(1, Ordering::SeqCst);
                let state = Arc::clone(&state);
                tokio::spawn(async move {
                    // A broken relay shows up as a failed request (and a
                    // connection without a response) in the run that sent it.
                    if let Err(e) = relay(client, upstream, delay, protocol, state).await {
                        eprintln!("proxy: relay failed: {e}");
                    }
                });
            }
        });
        Ok(Proxy { addr, shared })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn mark(&self) -> Mark {
        Mark {
            accepted: self.shared.accepted.load(Ordering::SeqCst),
            logged: self.shared.exchanges().len(),
            dns: *self.shared.dns(),
        }
    }

    /// What went through since `mark`. Called once the run has its
    /// answers: the relay notes a request before the server can answer
    /// it, and a response before passing it on, so it is all here.
    pub fn since(&self, mark: Mark) -> Seen {
        Seen {
            connections: self.shared.accepted.load(Ordering::SeqCst) - mark.accepted,
            exchanges: self
                .shared
                .exchanges()
                .get(mark.logged..)
                .unwrap_or_default()
                .to_vec(),
            dns: self.shared.dns().minus(mark.dns),
        }
    }
}

async fn relay(
    client: TcpStream,
    upstream: SocketAddr,
    delay: Duration,
    protocol: Protocol,
    shared: Arc<Shared>,
) -> std::io::Result<()> {
    tokio::time::sleep(delay).await;
    let server = TcpStream::connect(upstream).await?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let (from_client, to_client) = client.into_split();
    let (from_server, to_server) = server.into_split();
    match protocol {
        Protocol::Http => http(from_client, to_client, from_server, to_server, &shared).await,
        Protocol::Dns => dns(from_client, to_client, from_server, to_server, &shared).await,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn http(
    mut from_client: OwnedReadHalf,
    mut to_client: OwnedWriteHalf,
    mut from_server: OwnedReadHalf,
    mut to_server: OwnedWriteHalf,
    shared: &Shared,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];

    // The request line names the method.
    let mut head = Vec::new();
    while find(&head, b"\r\n").is_none() {
        let n = from_client.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let method = head
        .split(|b| *b == b' ')
        .next()
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .unwrap_or_default();
    to_server.write_all(&head).await?;

    let requests = async move {
        // Errors end the pipe; the response side reports what matters.
        let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
        let _ = to_server.shutdown().await;
    };
    let responses = async move {
        let mut head = Vec::new();
        while find(&head, b"\r\n\r\n").is_none() {
            let n = from_server.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        let end = find(&head, b"\r\n\r\n").unwrap_or(head.len());
        let text = String::from_utf8_lossy(&head[..end]);
        let status = text
            .lines()
            .next()
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|code| code.parse().ok());
        let close = text.lines().skip(1).any(|line| {
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            name.trim().eq_ignore_ascii_case("connection")
                && value.trim().eq_ignore_ascii_case("close")
        });
        // A 5xx answer is read to its end (PowerDNS closes the connection
        // after it) to keep the server's words.
        let mut error = None;
        if status.is_some_and(|s: u16| s >= 500) {
            from_server.read_to_end(&mut head).await?;
            let body = String::from_utf8_lossy(head.get(end + 4..).unwrap_or_default());
            error = Some(body.trim().chars().take(200).collect());
        }
        // Logged before the client can see the answer: once a run has its
        // answers, its traffic is in the log.
        shared.exchanges().push(Exchange {
            method,
            status,
            close,
            error,
        });
        to_client.write_all(&head).await?;
        tokio::io::copy(&mut from_server, &mut to_client).await?;
        to_client.shutdown().await
    };
    let ((), answered) = tokio::join!(requests, responses);
    answered
}

/// Where the client's byte stream is in its framing: a 2-byte length,
/// then that many bytes of message.
#[derive(Debug, Default)]
struct Framing {
    /// Bytes of the current length prefix read so far.
    length: Vec<u8>,
    /// Bytes of the current message still to come; 0 between messages.
    left: usize,
    /// The start of the current message, up to `HEAD` bytes: its header
    /// and its question.
    head: Vec<u8>,
}

/// The byte of a DNS header that holds QR, the opcode, AA, TC and RD.
const FLAGS_BYTE: usize = 2;
const OPCODE_QUERY: u8 = 0;
const OPCODE_UPDATE: u8 = 5;
/// The header (12 bytes) and a question of the longest name (255) with
/// its type and class: all that tells a zone transfer.
const HEAD: usize = 12 + 255 + 4;
/// QTYPE AXFR (RFC 1035 3.2.3).
const AXFR: u16 = 252;

/// The type of a message's first question, when it has one with an
/// uncompressed name (a client's query always has).
fn question_type(head: &[u8]) -> Option<u16> {
    let questions = u16::from_be_bytes([*head.get(4)?, *head.get(5)?]);
    if questions == 0 {
        return None;
    }
    let mut at = 12;
    loop {
        let label = usize::from(*head.get(at)?);
        if label == 0 {
            break;
        }
        if label >= 0x40 {
            return None;
        }
        at += 1 + label;
    }
    Some(u16::from_be_bytes([*head.get(at + 1)?, *head.get(at + 2)?]))
}

impl Framing {
    /// Counts each message in `data` by its opcode (and a query by whether
    /// it asks for a zone transfer), once its last byte goes by.
    fn feed(&mut self, mut data: &[u8], count: &mut DnsCount) {
        while let Some((&first, rest)) = data.split_first() {
            if self.left == 0 {
                self.length.push(first);
                data = rest;
                if let [high, low] = self.length[..] {
                    self.left = usize::from(u16::from_be_bytes([high, low]));
                    self.head.clear();
                    self.length.clear();
                    if self.left == 0 {
                        count.other += 1;
                    }
                }
                continue;
            }
            let take = self.left.min(data.len());
            let (chunk, rest) = data.split_at(take);
            let room = HEAD.saturating_sub(self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..room]);
            self.left -= take;
            if self.left == 0 {
                match self.head.get(FLAGS_BYTE).map(|flags| (flags >> 3) & 0x0f) {
                    Some(OPCODE_QUERY) if question_type(&self.head) == Some(AXFR) => {
                        count.transfers += 1;
                    }
                    Some(OPCODE_QUERY) => count.queries += 1,
                    Some(OPCODE_UPDATE) => count.updates += 1,
                    _ => count.other += 1,
                }
            }
            data = rest;
        }
    }
}

async fn dns(
    mut from_client: OwnedReadHalf,
    mut to_client: OwnedWriteHalf,
    mut from_server: OwnedReadHalf,
    mut to_server: OwnedWriteHalf,
    shared: &Shared,
) -> std::io::Result<()> {
    let requests = async move {
        let mut framing = Framing::default();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = from_client.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            // Counted before the server has it, so before any answer.
            framing.feed(&buf[..n], &mut shared.dns());
            to_server.write_all(&buf[..n]).await?;
        }
        to_server.shutdown().await
    };
    let responses = async move {
        tokio::io::copy(&mut from_server, &mut to_client).await?;
        to_client.shutdown().await
    };
    let (sent, answered) = tokio::join!(requests, responses);
    sent.and(answered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(opcode: u8, len: usize) -> Vec<u8> {
        let mut m = vec![0u8; len];
        if let Some(flags) = m.get_mut(FLAGS_BYTE) {
            *flags = opcode << 3 | 0x01;
        }
        let mut framed = u16::try_from(len).unwrap_or(0).to_be_bytes().to_vec();
        framed.extend(m);
        framed
    }

    /// A query for `qtype` at `test.example.`.
    fn query(qtype: u16) -> Vec<u8> {
        let mut m = vec![0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        m.extend(b"\x04test\x07example\x00");
        m.extend(qtype.to_be_bytes());
        m.extend(1u16.to_be_bytes());
        let mut framed = u16::try_from(m.len()).unwrap_or(0).to_be_bytes().to_vec();
        framed.extend(m);
        framed
    }

    #[test]
    fn messages_are_counted_by_opcode_however_the_stream_is_cut() {
        let mut stream = Vec::new();
        for _ in 0..3 {
            stream.extend(message(OPCODE_QUERY, 40));
        }
        stream.extend(query(28));
        stream.extend(query(AXFR));
        stream.extend(message(OPCODE_UPDATE, 300));
        stream.extend(message(4, 12));
        stream.extend(message(OPCODE_QUERY, 2));
        let want = DnsCount {
            queries: 4,
            transfers: 1,
            updates: 1,
            other: 2,
        };
        for cut in [1, 2, 3, 7, 64, stream.len()] {
            let mut framing = Framing::default();
            let mut count = DnsCount::default();
            for chunk in stream.chunks(cut) {
                framing.feed(chunk, &mut count);
            }
            assert_eq!(count, want, "chunks of {cut}");
        }
    }
}
