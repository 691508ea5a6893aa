//! Any server that takes RFC 2136 dynamic updates signed with TSIG
//! (RFC 8945): BIND 9, Knot DNS, PowerDNS with DNS UPDATE, Windows DNS.
//!
//! Everything goes over one TCP connection per call, to the address in the
//! row and nowhere else: reads are one signed query per name and type, all
//! sent at once, or one signed AXFR of the zone when the engine finds that
//! cheaper (read as it streams in, see [`axfr`]); writes are one UPDATE per
//! zone, which the server applies as a whole; a zone test asks for the SOA
//! and sends an UPDATE that only has a prerequisite, so the key and the
//! update policy are both checked without changing anything.

pub mod axfr;
pub mod spec;
pub mod wire;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::http::Transport;
use crate::name::DnsName;
use crate::provider::{
    Applied, Attempted, Backend, Change, ProviderError, Reads, RecordSet, Registration, Target,
    ZoneRead, ZoneSets,
};
use crate::retry::{Tries, Try};
use crate::rr::RecordType;

pub use wire::Clock;
use wire::{Answer, Bad, Key, Request};

/// RFC 2136 in the registry.
pub const PROVIDER: Registration = Registration {
    spec: &spec::SPEC,
    connect,
};

fn connect(target: &Target<'_>, transport: &Transport) -> Result<Box<dyn Backend>, ProviderError> {
    Ok(Box::new(Rfc2136Client::new(
        target,
        transport,
        Clock::default(),
    )?))
}

/// One zone on one server.
#[derive(Debug)]
pub struct Rfc2136Client {
    zone: DnsName,
    server: SocketAddr,
    /// `None`: unsigned, which the row allows only with `allow_unsigned`.
    key: Option<Key>,
    clock: Clock,
    tries: Tries,
    timeout: Duration,
    connect_timeout: Duration,
    /// `dns://192.0.2.53:53`: where it talks to, for messages and retries.
    origin: String,
    /// DNS messages sent, retries included.
    sent: AtomicU32,
}

impl Backend for Rfc2136Client {
    fn read<'a>(
        &'a self,
        keys: &'a [(DnsName, RecordType)],
    ) -> BoxFuture<'a, Attempted<Vec<RecordSet>>> {
        Box::pin(Rfc2136Client::read(self, keys))
    }

    fn apply<'a>(&'a self, changes: &'a [Change]) -> BoxFuture<'a, Vec<Applied>> {
        Box::pin(async move {
            let outcome = Rfc2136Client::apply(self, changes).await;
            changes.iter().map(|_| outcome.clone().whole()).collect()
        })
    }

    fn test(&self) -> BoxFuture<'_, Attempted<String>> {
        Box::pin(Rfc2136Client::test(self))
    }

    fn url(&self) -> &str {
        &self.origin
    }

    fn requests(&self) -> u32 {
        self.sent.load(Ordering::Relaxed)
    }

    // One AXFR returns the whole zone, unless this server refused this
    // zone's transfer to this key before.
    fn reads(&self) -> Reads {
        Reads {
            by_name: true,
            zone: (!self.transfer_refused()).then_some(ZoneRead { page: None }),
            budgeted: false,
        }
    }

    fn read_zone<'a>(
        &'a self,
        keys: &'a [(DnsName, RecordType)],
    ) -> BoxFuture<'a, Attempted<ZoneSets>> {
        Box::pin(Rfc2136Client::read_zone(self, keys))
    }
}

/// Zones whose transfer their server refused in this process, by server,
/// zone and key ([`Rfc2136Client::transfer_key`]): each refused AXFR costs
/// a round trip before the engine falls back to the names, so it is asked
/// once. A policy changed since is seen when the process starts again.
static REFUSED_TRANSFERS: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Mutex::default);

/// How a zone transfer failed.
enum TransferFault {
    /// The connection: nothing, or not all, came.
    Transport {
        error: ProviderError,
        answered: bool,
    },
    /// What the server sent.
    Answer(axfr::Stop),
}

impl Rfc2136Client {
    /// The client of a zone, its requests signed and checked by `clock`
    /// (tests move it to see a server refuse the time).
    pub fn new(
        target: &Target<'_>,
        transport: &Transport,
        clock: Clock,
    ) -> Result<Self, ProviderError> {
        let row = target.row;
        let server = spec::server_address(row.text("server"))
            .map_err(|e| ProviderError::Refused(format!("server {e}")))?;
        let secret = row.secret().expose();
        let key = if row.text("tsig_name").is_empty() || secret.is_empty() {
            None
        } else {
            let bytes = spec::key_bytes(secret)
                .ok_or_else(|| ProviderError::Refused("tsig_secret is not base64".to_owned()))?;
            Some(Key::new(
                row.text("tsig_name"),
                row.text("tsig_algorithm"),
                bytes,
            )?)
        };
        if key.is_none() && !row.flag("allow_unsigned") {
            return Err(ProviderError::Refused(
                "no TSIG key, and allow_unsigned is off".to_owned(),
            ));
        }
        let timeout = row
            .text("timeout")
            .parse::<u64>()
            .map(Duration::from_secs)
            .unwrap_or(transport.options.timeout);
        Ok(Self {
            zone: target.name.clone(),
            server,
            key,
            clock,
            tries: transport.tries(),
            timeout,
            connect_timeout: transport.options.connect_timeout.min(timeout),
            origin: format!("dns://{server}"),
            sent: AtomicU32::new(0),
        })
    }

    /// Sends `requests` on one connection and reads their answers, tried
    /// again when the server cannot be reached or says SERVFAIL.
    async fn exchange(
        &self,
        build: impl Fn() -> Result<Vec<Request>, ProviderError>,
    ) -> Attempted<Vec<Answer>> {
        let requests = match build() {
            Ok(requests) => requests,
            Err(e) => return Attempted::unsent(Some(e)),
        };
        let (outcome, attempts) = self
            .tries
            .run(&self.origin, || async {
                let replies = match self.send(&requests).await {
                    Ok(replies) => replies,
                    Err(e) => {
                        return Try::Again {
                            last: Err(e),
                            wait: None,
                            answered: false,
                        }
                    }
                };
                let mut answers = Vec::with_capacity(replies.len());
                for (request, reply) in requests.iter().zip(&replies) {
                    match wire::answer(request, reply, self.key.as_ref(), self.clock, &self.zone) {
                        Ok(answer) => answers.push(answer),
                        Err(Bad::Transient(e)) => {
                            return Try::Again {
                                last: Err(e),
                                wait: None,
                                answered: true,
                            }
                        }
                        Err(Bad::Final(e)) => return Try::Done(Err(e)),
                    }
                }
                Try::Done(Ok(answers))
            })
            .await;
        Attempted { outcome, attempts }
    }

    /// A connection to the server, within the connect timeout.
    async fn connect(&self) -> Result<TcpStream, ProviderError> {
        tokio::time::timeout(self.connect_timeout, TcpStream::connect(self.server))
            .await
            .map_err(|_| ProviderError::Transport("cannot connect: timed out".to_owned()))?
            .map_err(|e| ProviderError::Transport(format!("cannot connect: {e}")))
    }

    /// One try: connect, write every request, read an answer to each (by
    /// id, in whatever order they come), all within the timeout.
    async fn send(&self, requests: &[Request]) -> Result<Vec<Vec<u8>>, ProviderError> {
        let count = u32::try_from(requests.len()).unwrap_or(u32::MAX);
        self.sent.fetch_add(count, Ordering::Relaxed);
        let transport = |text: String| ProviderError::Transport(text);
        let talk = async {
            let mut stream = self.connect().await?;
            let out = framed(requests)?;
            let broke_off = |e: std::io::Error| {
                if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    transport("the server closed the connection without an answer".to_owned())
                } else {
                    transport(format!("the connection broke off: {e}"))
                }
            };
            stream.write_all(&out).await.map_err(broke_off)?;
            let mut replies: Vec<Option<Vec<u8>>> = vec![None; requests.len()];
            while replies.iter().any(Option::is_none) {
                let mut length = [0u8; 2];
                stream.read_exact(&mut length).await.map_err(broke_off)?;
                let mut reply = vec![0u8; usize::from(u16::from_be_bytes(length))];
                stream.read_exact(&mut reply).await.map_err(broke_off)?;
                let id = reply.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]]));
                // An answer to nothing asked is dropped, as a resolver would.
                if let Some(slot) = requests
                    .iter()
                    .zip(replies.iter_mut())
                    .find(|(request, slot)| Some(request.id) == id && slot.is_none())
                    .map(|(_, slot)| slot)
                {
                    *slot = Some(reply);
                }
            }
            Ok(replies.into_iter().flatten().collect())
        };
        tokio::time::timeout(self.timeout, talk)
            .await
            .map_err(|_| transport("timed out".to_owned()))?
    }

    /// Queries for every set asked, over one connection; a name the zone
    /// does not have comes back as an empty set.
    pub async fn read(&self, keys: &[(DnsName, RecordType)]) -> Attempted<Vec<RecordSet>> {
        let mut asked: Vec<&(DnsName, RecordType)> = Vec::new();
        for key in keys {
            if !asked.contains(&key) {
                asked.push(key);
            }
        }
        let answers = self
            .exchange(|| {
                let mut requests: Vec<Request> = Vec::with_capacity(asked.len());
                for (name, rrtype) in &asked {
                    // Ids tell the answers apart: no two alike on one connection.
                    let mut request = wire::query(name, *rrtype, self.key.as_ref(), self.clock)?;
                    while requests.iter().any(|r| r.id == request.id) {
                        request = wire::query(name, *rrtype, self.key.as_ref(), self.clock)?;
                    }
                    requests.push(request);
                }
                Ok(requests)
            })
            .await;
        let outcome = answers.outcome.and_then(|answers| {
            if let Some((at, _)) = asked
                .iter()
                .zip(&answers)
                .find(|(_, answer)| !answer.is_authoritative())
            {
                return Err(ProviderError::InvalidResponse(format!(
                    "the server's answer for {} is not authoritative: {} is not a zone it serves",
                    at.0.to_absolute(),
                    self.zone.to_absolute()
                )));
            }
            Ok(keys
                .iter()
                .map(|key| {
                    let at = asked.iter().position(|k| *k == key);
                    match at.and_then(|i| answers.get(i)) {
                        Some(answer) => answer.set(&key.0, key.1),
                        None => RecordSet::empty(key.0.clone(), key.1, 0),
                    }
                })
                .collect())
        });
        Attempted {
            outcome,
            attempts: answers.attempts,
        }
    }

    /// Where a refused transfer is remembered: the server, the zone and the
    /// key (another key may be allowed what this one is not).
    fn transfer_key(&self) -> String {
        let key = self
            .key
            .as_ref()
            .map_or("unsigned", |k| k.described.as_str());
        format!("{} {} {key}", self.origin, self.zone.to_absolute())
    }

    /// Whether this zone's server refused this key a transfer before.
    fn transfer_refused(&self) -> bool {
        REFUSED_TRANSFERS
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .contains(&self.transfer_key())
    }

    /// One signed AXFR of the zone (RFC 5936), read message by message as
    /// it arrives, keeping the sets at `keys` and counting every record
    /// (the closing SOA, the opening one again, is not counted). Tried
    /// again, from the start, when the server cannot be reached, breaks
    /// off or says SERVFAIL; a transfer the server refuses is an error the
    /// engine falls back from to the names, and is not asked again.
    pub async fn read_zone(&self, keys: &[(DnsName, RecordType)]) -> Attempted<ZoneSets> {
        let request = match wire::axfr_query(&self.zone, self.key.as_ref(), self.clock) {
            Ok(request) => request,
            Err(e) => return Attempted::unsent(Some(e)),
        };
        let (outcome, attempts) = self
            .tries
            .run(&self.origin, || async {
                match self.transfer(&request, keys).await {
                    Ok(sets) => Try::Done(Ok(sets)),
                    Err(TransferFault::Transport { error, answered }) => Try::Again {
                        last: Err(error),
                        wait: None,
                        answered,
                    },
                    Err(TransferFault::Answer(axfr::Stop {
                        bad: Bad::Transient(e),
                        ..
                    })) => Try::Again {
                        last: Err(e),
                        wait: None,
                        answered: true,
                    },
                    Err(TransferFault::Answer(axfr::Stop {
                        bad: Bad::Final(e),
                        refused,
                    })) => {
                        if refused {
                            REFUSED_TRANSFERS
                                .lock()
                                .unwrap_or_else(|poisoned| poisoned.into_inner())
                                .insert(self.transfer_key());
                        }
                        Try::Done(Err(e))
                    }
                }
            })
            .await;
        Attempted { outcome, attempts }
    }

    /// One try of a transfer: connect, send the AXFR, read its messages
    /// until the closing SOA, all within the timeout.
    async fn transfer(
        &self,
        request: &Request,
        keys: &[(DnsName, RecordType)],
    ) -> Result<ZoneSets, TransferFault> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let mut transfer =
            axfr::Transfer::new(request, self.key.as_ref(), self.clock, &self.zone, keys).map_err(
                |e| {
                    TransferFault::Answer(axfr::Stop {
                        bad: Bad::Final(e),
                        refused: false,
                    })
                },
            )?;
        let zone = self.zone.to_absolute();
        let talk = async {
            let transport =
                |error: ProviderError, transfer: &axfr::Transfer<'_>| TransferFault::Transport {
                    error,
                    answered: transfer.messages() > 0,
                };
            let mut stream = self.connect().await.map_err(|e| transport(e, &transfer))?;
            let broke_off = |e: std::io::Error, transfer: &axfr::Transfer<'_>| {
                let closed = matches!(
                    e.kind(),
                    std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset
                );
                if closed && transfer.messages() == 0 {
                    // The server took the connection and the query, and
                    // hung up without a word: some refuse a transfer so.
                    // Asking again would cost the same each time, and a
                    // server given up on would not be asked for the names
                    // either: it counts as refused, and the names are read.
                    return TransferFault::Answer(axfr::Stop {
                        bad: Bad::Final(ProviderError::Transport(format!(
                            "the server closed the connection without answering the zone transfer, as a server may when it does not allow transfers of {zone} to this key or address"
                        ))),
                        refused: true,
                    });
                }
                transport(
                    ProviderError::Transport(if closed {
                        "the server closed the connection before the end of the zone transfer"
                            .to_owned()
                    } else {
                        format!("the connection broke off: {e}")
                    }),
                    transfer,
                )
            };
            let out = framed(std::slice::from_ref(request)).map_err(|e| transport(e, &transfer))?;
            stream
                .write_all(&out)
                .await
                .map_err(|e| broke_off(e, &transfer))?;
            loop {
                let mut length = [0u8; 2];
                stream
                    .read_exact(&mut length)
                    .await
                    .map_err(|e| broke_off(e, &transfer))?;
                let mut message = vec![0u8; usize::from(u16::from_be_bytes(length))];
                stream
                    .read_exact(&mut message)
                    .await
                    .map_err(|e| broke_off(e, &transfer))?;
                match transfer.feed(message).map_err(TransferFault::Answer)? {
                    axfr::Progress::More => {}
                    axfr::Progress::Done => return Ok(()),
                }
            }
        };
        match tokio::time::timeout(self.timeout, talk).await {
            Ok(Ok(())) => Ok(transfer.finish(keys)),
            Ok(Err(fault)) => Err(fault),
            Err(_) => Err(TransferFault::Transport {
                error: ProviderError::Transport("timed out".to_owned()),
                answered: transfer.messages() > 0,
            }),
        }
    }

    /// All changes in one UPDATE: they go through together or not at all.
    pub async fn apply(&self, changes: &[Change]) -> Attempted<()> {
        if changes.is_empty() {
            return Attempted {
                outcome: Ok(()),
                attempts: 0,
            };
        }
        let answer = self
            .exchange(|| {
                wire::update(&self.zone, changes, self.key.as_ref(), self.clock).map(|r| vec![r])
            })
            .await;
        Attempted {
            outcome: answer.outcome.map(|_| ()),
            attempts: answer.attempts,
        }
    }

    /// The zone's SOA from the server, then an UPDATE that changes nothing:
    /// the zone is there, served with authority, and takes this key's
    /// updates.
    pub async fn test(&self) -> Attempted<String> {
        let zone = self.zone.to_absolute();
        let answers = self
            .exchange(|| {
                let soa = wire::soa_query(&self.zone, self.key.as_ref(), self.clock)?;
                let mut probe = wire::probe(&self.zone, self.key.as_ref(), self.clock)?;
                while probe.id == soa.id {
                    probe = wire::probe(&self.zone, self.key.as_ref(), self.clock)?;
                }
                Ok(vec![soa, probe])
            })
            .await;
        let outcome = answers.outcome.and_then(|answers| {
            let soa = answers
                .first()
                .filter(|a| a.is_authoritative())
                .and_then(Answer::soa);
            match soa {
                Some((owner, serial)) if owner.eq_ignore_ascii_case(&zone) => {
                    let signed = match &self.key {
                        Some(key) => format!("signed with {}", key.described),
                        None => "unsigned".to_owned(),
                    };
                    Ok(format!(
                        "zone {zone} (serial {serial}) found on {}, which takes updates {signed}",
                        self.server
                    ))
                }
                _ => Err(ProviderError::InvalidResponse(format!(
                    "the server does not serve {zone} with authority: no SOA of it in the answer"
                ))),
            }
        });
        Attempted {
            outcome,
            attempts: answers.attempts,
        }
    }
}

/// Messages as DNS over TCP frames them: each after its length in two
/// bytes (RFC 1035 §4.2.2).
fn framed(requests: &[Request]) -> Result<Vec<u8>, ProviderError> {
    let mut out = Vec::new();
    for request in requests {
        let length = u16::try_from(request.bytes.len()).map_err(|_| {
            ProviderError::Refused("the DNS message is larger than 64 KiB".to_owned())
        })?;
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(&request.bytes);
    }
    Ok(out)
}
