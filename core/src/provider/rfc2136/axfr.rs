//! A zone transfer (AXFR, RFC 5936) read as it arrives, one message at a
//! time: each message's TSIG checked in the chain RFC 8945 §5.3.1 sets
//! for a stream of answers, the records counted, and only the sets at the
//! wanted names and types kept, so a zone of any size costs the memory of
//! one message and the VM's own sets (and, from a server that leaves
//! messages unsigned, of those since its last signature: 99 at most).
//!
//! No I/O here: [`super::Rfc2136Client::read_zone`] feeds the messages.
//!
//! The chain (RFC 8945 §5.3.1): the server signs the first message and at
//! least every 100th; each signature covers the MAC of the last signed
//! message (the request's, for the first), every unsigned message since,
//! as sent, and the message itself without its TSIG; the first also
//! covers all TSIG variables, later ones only the timers. hickory-proto's
//! `verify_message_byte` checks one signed message after a signed one
//! (what BIND and Knot send: every message is signed); it has no place for
//! unsigned messages in between, so after those the same bytes hickory
//! would check are built with its `signed_bitmessage_to_buf`, the unsigned
//! messages put between the prior MAC and them, and the MAC checked with
//! the key's `TSigner::verify` (constant time). The clock is ours to
//! check: every signed message's time must be within [`FUDGE`] of this
//! machine's.
//!
//! [`FUDGE`]: super::wire::FUDGE

use std::collections::{HashMap, HashSet};

use hickory_proto::op::{Message, MessageType};
use hickory_proto::rr::rdata::tsig::{signed_bitmessage_to_buf, TsigError};
use hickory_proto::rr::{Name, RecordType as WireType};

use super::wire::{
    self, content_of, in_time, invalid, name_of, wire_type, Asked, Bad, Clock, Key, Request,
};
use crate::fault::ProviderError;
use crate::name::DnsName;
use crate::provider::{Record, RecordSet, ZoneSets};
use crate::rr::RecordType;

/// The most messages in a row a server may leave unsigned (RFC 8945
/// §5.3.1: it signs at least every 100th). Their bytes are held until the
/// next signature covers them, so this also bounds what a transfer holds:
/// 99 messages of at most 64 KiB.
pub const MOST_UNSIGNED: usize = 99;

/// Why a transfer stopped short.
#[derive(Debug, PartialEq, Eq)]
pub struct Stop {
    pub bad: Bad,
    /// The server refused the transfer itself, by policy (REFUSED, NOTAUTH
    /// with or without BADKEY, NOTIMP, FORMERR in answer to the AXFR, or
    /// a hang-up without a word, see `Rfc2136Client::transfer`): its names
    /// may still be read, and asking again will not help.
    pub refused: bool,
}

impl From<Bad> for Stop {
    fn from(bad: Bad) -> Self {
        Stop {
            bad,
            refused: false,
        }
    }
}

/// What a message left to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Progress {
    /// More messages are to come.
    More,
    /// The closing SOA came, in a message whose signature (with a key)
    /// covers every message before it.
    Done,
}

/// One transfer under way.
pub struct Transfer<'a> {
    request: &'a Request,
    key: Option<&'a Key>,
    clock: Clock,
    zone: &'a DnsName,
    apex: Name,
    /// The types asked for, by owner.
    wanted: HashMap<Name, HashSet<RecordType>>,
    /// Their records so far: TTL and contents.
    kept: HashMap<(Name, RecordType), (u32, Vec<String>)>,
    /// Records seen, of every type: the opening SOA counts, the closing
    /// one (the same SOA again, RFC 5936 §2.2) does not.
    records: u64,
    /// Messages read.
    messages: u32,
    /// The MAC the next signature covers first: the request's, then the
    /// last signed message's.
    prior_mac: Vec<u8>,
    /// Messages since the last signed one, as they came.
    unsigned: Vec<Vec<u8>>,
    opened: bool,
    closed: bool,
}

impl<'a> Transfer<'a> {
    /// A transfer of `zone` asked with `request`, keeping the sets at
    /// `keys`.
    pub fn new(
        request: &'a Request,
        key: Option<&'a Key>,
        clock: Clock,
        zone: &'a DnsName,
        keys: &[(DnsName, RecordType)],
    ) -> Result<Self, ProviderError> {
        let mut wanted: HashMap<Name, HashSet<RecordType>> = HashMap::new();
        for (name, rrtype) in keys {
            wanted.entry(name_of(name)?).or_default().insert(*rrtype);
        }
        Ok(Transfer {
            request,
            key,
            clock,
            zone,
            apex: name_of(zone)?,
            wanted,
            kept: HashMap::new(),
            records: 0,
            messages: 0,
            prior_mac: request.mac.clone().unwrap_or_default(),
            unsigned: Vec::new(),
            opened: false,
            closed: false,
        })
    }

    /// Messages read so far: none means the server said nothing.
    pub fn messages(&self) -> u32 {
        self.messages
    }

    /// Reads the next message of the transfer.
    pub fn feed(&mut self, bytes: Vec<u8>) -> Result<Progress, Stop> {
        let which = self.messages + 1;
        let message = Message::from_vec(&bytes).map_err(|e| {
            invalid(format!(
                "message {which} of the zone transfer is not a DNS message: {e}"
            ))
        })?;
        // One transfer on the connection: every message answers it.
        if message.metadata.id != self.request.id
            || message.metadata.message_type != MessageType::Response
        {
            return Err(invalid(format!(
                "the server answered message {} to message {} (the zone transfer)",
                message.metadata.id, self.request.id
            ))
            .into());
        }
        if let Some(bad) = wire::refusal(&message, self.key, self.clock, self.zone, Asked::Transfer)
        {
            // Only the first answer says whether the transfer is allowed;
            // a bad secret or clock (BADSIG, BADTIME) is no policy, and
            // would fail the names too until it is set right.
            let tsig = message.signature().and_then(|s| s.data.error);
            let refused = self.messages == 0
                && matches!(bad, Bad::Final(ProviderError::Dns { .. }))
                && matches!(tsig, None | Some(TsigError::BadKey));
            return Err(Stop { bad, refused });
        }
        let signed = message.signature().is_some();
        if let Some(key) = self.key {
            if signed {
                let signed_at = self.verify(key, &bytes, which)?;
                in_time(
                    signed_at,
                    self.clock,
                    &format!("message {which} of the zone transfer"),
                )?;
            } else if self.messages == 0 {
                return Err(invalid(
                    "the server's first message of the zone transfer is not signed, though the request was (RFC 8945 §5.3.1)".to_owned(),
                )
                .into());
            } else if self.unsigned.len() >= MOST_UNSIGNED {
                return Err(invalid(format!(
                    "the server left {} messages of the zone transfer in a row unsigned; RFC 8945 §5.3.1 allows {MOST_UNSIGNED}",
                    MOST_UNSIGNED + 1
                ))
                .into());
            } else {
                self.unsigned.push(bytes);
            }
        }
        self.messages = which;
        self.records_of(&message)?;
        if !self.closed {
            return Ok(Progress::More);
        }
        if self.key.is_some() && !signed {
            return Err(invalid(
                "the last message of the zone transfer is not signed (RFC 8945 §5.3.1)".to_owned(),
            )
            .into());
        }
        Ok(Progress::Done)
    }

    /// Checks the signature of message `which` in the chain, and returns
    /// when the server made it.
    fn verify(&mut self, key: &Key, bytes: &[u8], which: u32) -> Result<u64, Bad> {
        let bad = |e: &dyn std::fmt::Display| {
            invalid(format!(
                "the server's signature of message {which} of the zone transfer does not verify: {e}"
            ))
        };
        let first = which == 1;
        let (mac, signed_at) = if self.unsigned.is_empty() {
            let (mac, signed_at, _) = key
                .signer
                .verify_message_byte(bytes, Some(&self.prior_mac), first)
                .map_err(|e| bad(&e))?;
            (mac, signed_at)
        } else {
            // Unsigned messages came since the last signature: hickory
            // has no place for them, so the bytes it would check are
            // built here, with them between the prior MAC and this
            // message (RFC 8945 §5.3.1). The first message is never
            // here: it must be signed.
            let (own, record) =
                signed_bitmessage_to_buf(bytes, None, false).map_err(|e| bad(&e))?;
            if record.name != *key.signer.signer_name()
                || record.data.algorithm != *key.signer.algorithm()
            {
                return Err(bad(&"it is signed with another key"));
            }
            if record.data.mac.len() < key.mac_len {
                return Err(bad(&"its MAC is truncated"));
            }
            let prior_len =
                u16::try_from(self.prior_mac.len()).map_err(|_| bad(&"MAC too long"))?;
            let unsigned_len: usize = self.unsigned.iter().map(Vec::len).sum();
            let mut covered =
                Vec::with_capacity(2 + self.prior_mac.len() + unsigned_len + own.len());
            covered.extend_from_slice(&prior_len.to_be_bytes());
            covered.extend_from_slice(&self.prior_mac);
            for message in &self.unsigned {
                covered.extend_from_slice(message);
            }
            covered.extend_from_slice(&own);
            key.signer
                .verify(&covered, &record.data.mac)
                .map_err(|e| bad(&e))?;
            (record.data.mac.clone(), record.data.time)
        };
        self.prior_mac = mac;
        self.unsigned.clear();
        Ok(signed_at)
    }

    /// Counts the records of a message and keeps the wanted ones; the
    /// transfer opens with the zone's SOA and closes with it again.
    fn records_of(&mut self, message: &Message) -> Result<(), Bad> {
        for record in &message.answers {
            if self.closed {
                return Err(invalid(
                    "the server sent records after the closing SOA of the zone transfer".to_owned(),
                ));
            }
            let is_soa = record.record_type() == WireType::SOA && record.name == self.apex;
            if !self.opened {
                if !is_soa {
                    return Err(invalid(format!(
                        "the zone transfer does not begin with the SOA of {} (RFC 5936 §2.2)",
                        self.zone.to_absolute()
                    )));
                }
                self.opened = true;
                self.records += 1;
                continue;
            }
            if is_soa {
                self.closed = true;
                continue;
            }
            self.records += 1;
            let Some(rrtype) = engine_type(record.record_type()) else {
                continue;
            };
            // Most records are not wanted: their names are not copied.
            let asked = self
                .wanted
                .get(&record.name)
                .is_some_and(|types| types.contains(&rrtype));
            if !asked {
                continue;
            }
            if let Some(content) = content_of(record, rrtype) {
                let set = self
                    .kept
                    .entry((record.name.clone(), rrtype))
                    .or_insert((record.ttl, Vec::new()));
                set.0 = record.ttl;
                set.1.push(content);
            }
        }
        if self.opened {
            Ok(())
        } else {
            Err(invalid(format!(
                "the zone transfer does not begin with the SOA of {} (RFC 5936 §2.2)",
                self.zone.to_absolute()
            )))
        }
    }

    /// The sets at `keys` (empty where the zone has none) and the zone's
    /// record count, once [`Progress::Done`].
    pub fn finish(self, keys: &[(DnsName, RecordType)]) -> ZoneSets {
        let sets = keys
            .iter()
            .map(|(name, rrtype)| {
                let mut set = RecordSet::empty(name.clone(), *rrtype, 0);
                let found = name_of(name)
                    .ok()
                    .and_then(|owner| self.kept.get(&(owner, *rrtype)));
                if let Some((ttl, contents)) = found {
                    set.ttl = *ttl;
                    set.records = contents
                        .iter()
                        .map(|content| Record {
                            content: content.clone(),
                            id: None,
                        })
                        .collect();
                }
                set
            })
            .collect();
        ZoneSets {
            sets,
            records: self.records,
        }
    }
}

/// The engine's type of a wire type it keeps.
fn engine_type(rrtype: WireType) -> Option<RecordType> {
    [RecordType::A, RecordType::Aaaa, RecordType::Ptr]
        .into_iter()
        .find(|t| wire_type(*t) == rrtype)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::{OpCode, Query, ResponseCode};
    use hickory_proto::rr::rdata::tsig::{make_tsig_record, TsigAlgorithm, TSIG};
    use hickory_proto::rr::rdata::{A, SOA};
    use hickory_proto::rr::{RData, Record as WireRecord, TSigner};

    use super::super::wire::{axfr_query, wire_name, FUDGE};

    fn name(text: &str) -> DnsName {
        DnsName::parse(text).unwrap()
    }

    fn key() -> Key {
        Key::new("puq-dns.", "hmac-sha256", b"0123456789abcdef".to_vec()).unwrap()
    }

    fn soa() -> WireRecord {
        WireRecord::from_rdata(
            wire_name("example.com").unwrap(),
            3600,
            RData::SOA(SOA::new(
                wire_name("ns1.example.com").unwrap(),
                wire_name("hostmaster.example.com").unwrap(),
                7,
                3600,
                600,
                86400,
                300,
            )),
        )
    }

    fn a(owner: &str, ip: &str) -> WireRecord {
        WireRecord::from_rdata(
            wire_name(owner).unwrap(),
            600,
            RData::A(A(ip.parse().unwrap())),
        )
    }

    /// The hosts h0 … h{n-1}, one A each.
    fn hosts(from: u32, to: u32) -> Vec<WireRecord> {
        (from..to)
            .map(|i| {
                a(
                    &format!("h{i}.example.com"),
                    &format!("192.0.2.{}", i % 250),
                )
            })
            .collect()
    }

    /// A server's side of a transfer: it signs as RFC 8945 §5.3.1 says,
    /// each signature covering the prior MAC, the messages it left
    /// unsigned since, and the message.
    struct Server {
        signer: TSigner,
        id: u16,
        prior_mac: Vec<u8>,
        unsigned: Vec<Vec<u8>>,
        first: bool,
    }

    impl Server {
        fn answering(request: &Request) -> Server {
            Server {
                signer: key().signer,
                id: request.id,
                prior_mac: request.mac.clone().unwrap(),
                unsigned: Vec::new(),
                first: true,
            }
        }

        fn bare(&self, records: Vec<WireRecord>) -> Message {
            let mut message = Message::response(self.id, OpCode::Query);
            message.metadata.authoritative = true;
            if self.first {
                let mut question = Query::query(wire_name("example.com").unwrap(), WireType::AXFR);
                question.set_query_class(hickory_proto::rr::DNSClass::IN);
                message.add_query(question);
            }
            for record in records {
                message.add_answer(record);
            }
            message
        }

        /// The next message, signed at `time` or left unsigned.
        fn message(&mut self, records: Vec<WireRecord>, signed_at: Option<u64>) -> Vec<u8> {
            let mut message = self.bare(records);
            let unsigned = message.to_vec().unwrap();
            let Some(time) = signed_at else {
                self.unsigned.push(unsigned.clone());
                self.first = false;
                return unsigned;
            };
            let stub = TSIG::new(
                TsigAlgorithm::HmacSha256,
                time,
                FUDGE,
                Vec::new(),
                self.id,
                None,
                Vec::new(),
            );
            let tbs = if self.first {
                self.signer
                    .encode_response_tbs(&self.prior_mac, &unsigned, &stub)
                    .unwrap()
            } else {
                let mut tbs = (self.prior_mac.len() as u16).to_be_bytes().to_vec();
                tbs.extend_from_slice(&self.prior_mac);
                for earlier in self.unsigned.drain(..) {
                    tbs.extend_from_slice(&earlier);
                }
                tbs.extend_from_slice(&unsigned);
                tbs.extend_from_slice(&((time >> 32) as u16).to_be_bytes());
                tbs.extend_from_slice(&(time as u32).to_be_bytes());
                tbs.extend_from_slice(&FUDGE.to_be_bytes());
                tbs
            };
            let mac = self.signer.sign(&tbs).unwrap();
            message.set_signature(Box::new(make_tsig_record(
                self.signer.signer_name().clone(),
                stub.set_mac(mac.clone()),
            )));
            self.prior_mac = mac;
            self.first = false;
            message.to_vec().unwrap()
        }

        /// An error answer, signed or not, with a TSIG error or none.
        fn refusal(&self, code: ResponseCode, tsig: Option<TsigError>) -> Vec<u8> {
            let mut message = self.bare(Vec::new());
            message.metadata.response_code = code;
            if let Some(error) = tsig {
                let stub = TSIG::new(
                    TsigAlgorithm::HmacSha256,
                    Clock::default().now(),
                    FUDGE,
                    Vec::new(),
                    self.id,
                    Some(error),
                    Vec::new(),
                );
                message.set_signature(Box::new(make_tsig_record(
                    self.signer.signer_name().clone(),
                    stub,
                )));
            }
            message.to_vec().unwrap()
        }
    }

    fn keys() -> Vec<(DnsName, RecordType)> {
        vec![
            (name("h3.example.com"), RecordType::A),
            (name("h250.example.com"), RecordType::A),
            (name("h3.example.com"), RecordType::Aaaa),
            (name("nowhere.example.com"), RecordType::A),
        ]
    }

    /// Feeds every message; the outcome of the last, or the first error.
    fn run(request: &Request, key: Option<&Key>, messages: Vec<Vec<u8>>) -> Result<ZoneSets, Stop> {
        let zone = name("example.com");
        let keys = keys();
        let mut transfer = Transfer::new(request, key, Clock::default(), &zone, &keys).unwrap();
        let count = messages.len();
        for (i, message) in messages.into_iter().enumerate() {
            let progress = transfer.feed(message)?;
            let last = i + 1 == count;
            assert_eq!(progress == Progress::Done, last, "message {}", i + 1);
        }
        Ok(transfer.finish(&keys))
    }

    fn text(stop: Stop) -> String {
        stop.bad.error().to_string()
    }

    fn request(key: Option<&Key>) -> Request {
        axfr_query(&name("example.com"), key, Clock::default()).unwrap()
    }

    #[test]
    fn the_query_asks_for_the_zone_signed() {
        let k = key();
        let request = request(Some(&k));
        let message = Message::from_vec(&request.bytes).unwrap();
        assert_eq!(message.queries[0].query_type(), WireType::AXFR);
        assert_eq!(message.queries[0].name().to_ascii(), "example.com.");
        assert!(!message.metadata.recursion_desired);
        assert!(message.signature().is_some());
    }

    #[test]
    fn a_transfer_signed_in_every_message_keeps_the_wanted_sets_and_counts_the_rest() {
        let k = key();
        let request = request(Some(&k));
        let mut server = Server::answering(&request);
        let now = Clock::default().now();
        let mut first = vec![soa()];
        first.extend(hosts(0, 200));
        let mut last = hosts(200, 300);
        last.push(a("h3.example.com", "198.51.100.3"));
        last.push(soa());
        let messages = vec![
            server.message(first, Some(now)),
            server.message(hosts(1000, 1100), Some(now)),
            server.message(last, Some(now + 1)),
        ];
        let zone = run(&request, Some(&k), messages).unwrap();
        // The SOA once, 400 hosts and the second A at h3; not the closing SOA.
        assert_eq!(zone.records, 1 + 400 + 1);
        let sets: Vec<(String, RecordType, Vec<&str>)> = zone
            .sets
            .iter()
            .map(|s| {
                (
                    s.name.as_str().to_owned(),
                    s.rrtype,
                    s.records.iter().map(|r| r.content.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            sets,
            [
                (
                    "h3.example.com".to_owned(),
                    RecordType::A,
                    vec!["192.0.2.3", "198.51.100.3"]
                ),
                (
                    "h250.example.com".to_owned(),
                    RecordType::A,
                    vec!["192.0.2.0"]
                ),
                ("h3.example.com".to_owned(), RecordType::Aaaa, vec![]),
                ("nowhere.example.com".to_owned(), RecordType::A, vec![]),
            ]
        );
        assert_eq!(zone.sets[0].ttl, 600);
    }

    #[test]
    fn unsigned_messages_between_signed_ones_are_covered_by_the_next_signature() {
        let k = key();
        let request = request(Some(&k));
        let now = Clock::default().now();
        let stream = |tamper: Option<usize>| {
            let mut server = Server::answering(&request);
            let mut first = vec![soa()];
            first.extend(hosts(0, 10));
            let mut last = hosts(40, 50);
            last.push(soa());
            let mut messages = vec![
                server.message(first, Some(now)),
                server.message(hosts(10, 20), None),
                server.message(hosts(20, 30), None),
                server.message(hosts(30, 40), Some(now)),
                server.message(hosts(250, 251), None),
                server.message(last, Some(now)),
            ];
            if let Some(at) = tamper {
                // The last byte of the message: an A record's address.
                let message = &mut messages[at];
                let end = message.len() - 1;
                message[end] ^= 1;
            }
            messages
        };
        let zone = run(&request, Some(&k), stream(None)).unwrap();
        assert_eq!(zone.records, 1 + 51);
        assert_eq!(zone.sets[1].records[0].content, "192.0.2.0");

        // A changed byte in an unsigned message fails the signature after it.
        let forged = text(run(&request, Some(&k), stream(Some(2))).unwrap_err());
        assert!(
            forged.starts_with(
                "unexpected answer: the server's signature of message 4 of the zone transfer does not verify"
            ),
            "{forged}"
        );
        let forged = text(run(&request, Some(&k), stream(Some(4))).unwrap_err());
        assert!(
            forged.contains("message 6 of the zone transfer does not verify"),
            "{forged}"
        );
    }

    #[test]
    fn a_message_changed_dropped_or_left_unsigned_at_the_ends_is_refused() {
        let k = key();
        let request = request(Some(&k));
        let now = Clock::default().now();
        let mut server = Server::answering(&request);
        let mut first = vec![soa()];
        first.extend(hosts(0, 10));
        let mut last = hosts(20, 30);
        last.push(soa());
        let opening = server.message(first.clone(), Some(now));
        let middle = server.message(hosts(10, 20), Some(now));
        let closing = server.message(last.clone(), Some(now));

        // A signed message changed: its own signature fails.
        let mut changed = middle.clone();
        changed[40] ^= 1;
        let text1 = text(
            run(
                &request,
                Some(&k),
                vec![opening.clone(), changed, closing.clone()],
            )
            .unwrap_err(),
        );
        assert!(
            text1.contains("message 2 of the zone transfer does not verify"),
            "{text1}"
        );

        // A message left out: the next signature covers another chain.
        let text2 =
            text(run(&request, Some(&k), vec![opening.clone(), closing.clone()]).unwrap_err());
        assert!(
            text2.contains("message 2 of the zone transfer does not verify"),
            "{text2}"
        );

        // The closing message unsigned.
        let mut server = Server::answering(&request);
        let messages = vec![
            server.message(first.clone(), Some(now)),
            server.message(last.clone(), None),
        ];
        assert_eq!(
            text(run(&request, Some(&k), messages).unwrap_err()),
            "unexpected answer: the last message of the zone transfer is not signed (RFC 8945 §5.3.1)"
        );

        // The opening message unsigned.
        let mut server = Server::answering(&request);
        let messages = vec![server.message(first.clone(), None)];
        assert_eq!(
            text(run(&request, Some(&k), messages).unwrap_err()),
            "unexpected answer: the server's first message of the zone transfer is not signed, though the request was (RFC 8945 §5.3.1)"
        );

        // A hundred unsigned in a row.
        let mut server = Server::answering(&request);
        let mut messages = vec![server.message(first.clone(), Some(now))];
        for i in 0..100 {
            messages.push(server.message(hosts(100 + i, 101 + i), None));
        }
        assert_eq!(
            text(run(&request, Some(&k), messages).unwrap_err()),
            "unexpected answer: the server left 100 messages of the zone transfer in a row unsigned; RFC 8945 §5.3.1 allows 99"
        );
    }

    #[test]
    fn every_signature_is_checked_against_this_machines_clock() {
        let k = key();
        let request = request(Some(&k));
        let now = Clock::default().now();
        let mut server = Server::answering(&request);
        let mut first = vec![soa()];
        first.extend(hosts(0, 10));
        let mut last = hosts(10, 20);
        last.push(soa());
        let messages = vec![
            server.message(first, Some(now)),
            server.message(last, Some(now - 3600)),
        ];
        let late = text(run(&request, Some(&k), messages).unwrap_err());
        assert!(
            late.starts_with("unexpected answer: the server signed message 2 of the zone transfer 3600 seconds from this machine's clock"),
            "{late}"
        );
    }

    #[test]
    fn a_refused_transfer_is_named_and_marked_as_policy() {
        let k = key();
        let request = request(Some(&k));
        let server = Server::answering(&request);
        let stop = |bytes: Vec<u8>| run(&request, Some(&k), vec![bytes]).unwrap_err();

        let refused = stop(server.refusal(ResponseCode::Refused, None));
        assert!(refused.refused);
        assert_eq!(
            text(refused),
            "REFUSED: the server refuses a zone transfer of example.com. to this key or address (allow-transfer, or the zone's ACL)"
        );
        let bad_key = stop(server.refusal(ResponseCode::NotAuth, Some(TsigError::BadKey)));
        assert!(bad_key.refused);
        assert_eq!(
            text(bad_key),
            "NOTAUTH (BADKEY): the server does not accept puq-dns. (hmac-sha256) here: check tsig_name and tsig_algorithm, and that the key may transfer this zone (allow-transfer, or the zone's ACL)"
        );
        // A wrong secret or clock is no policy: the names would fail too.
        let bad_sig = stop(server.refusal(ResponseCode::NotAuth, Some(TsigError::BadSig)));
        assert!(!bad_sig.refused);
        assert!(text(bad_sig).starts_with("NOTAUTH (BADSIG): "));
        let servfail = stop(server.refusal(ResponseCode::ServFail, None));
        assert!(!servfail.refused);
        assert!(matches!(servfail.bad, Bad::Transient(_)));
    }

    #[test]
    fn a_transfer_must_open_and_close_with_the_soa() {
        let k = key();
        let request = request(Some(&k));
        let now = Clock::default().now();
        let mut server = Server::answering(&request);
        let messages = vec![server.message(hosts(0, 3), Some(now))];
        assert_eq!(
            text(run(&request, Some(&k), messages).unwrap_err()),
            "unexpected answer: the zone transfer does not begin with the SOA of example.com. (RFC 5936 §2.2)"
        );
        let mut server = Server::answering(&request);
        let messages = vec![server.message(
            vec![soa(), soa(), a("h1.example.com", "192.0.2.1")],
            Some(now),
        )];
        assert_eq!(
            text(run(&request, Some(&k), messages).unwrap_err()),
            "unexpected answer: the server sent records after the closing SOA of the zone transfer"
        );
        // Another id: not an answer to this transfer.
        let mut server = Server::answering(&request);
        server.id = request.id.wrapping_add(1);
        let messages = vec![server.message(vec![soa(), soa()], Some(now))];
        assert!(text(run(&request, Some(&k), messages).unwrap_err())
            .starts_with("unexpected answer: the server answered message "));
    }

    #[test]
    fn an_unsigned_transfer_needs_no_signature() {
        let request = request(None);
        let mut server = Server {
            signer: key().signer,
            id: request.id,
            prior_mac: Vec::new(),
            unsigned: Vec::new(),
            first: true,
        };
        let mut only = vec![soa()];
        only.extend(hosts(0, 5));
        only.push(soa());
        let zone = run(&request, None, vec![server.message(only, None)]).unwrap();
        assert_eq!(zone.records, 6);
        assert_eq!(zone.sets[0].records[0].content, "192.0.2.3");
    }
}
