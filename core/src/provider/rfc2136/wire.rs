//! The DNS messages of this provider, built and read with hickory-proto:
//! a query for one set, one UPDATE for a zone's changes, the
//! prerequisite-only UPDATE of a zone test, the AXFR query of a zone read
//! (whose answer [`super::axfr`] reads); TSIG signing and checking of the
//! answers, the clock included (the crate leaves that to its caller); and
//! what an answer's RCODE and TSIG error mean, in the server's terms.
//!
//! No I/O here: every rule is a unit test.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode, UpdateMessage};
use hickory_proto::rr::rdata::tsig::{TsigAlgorithm, TsigError};
use hickory_proto::rr::rdata::{A, AAAA, PTR};
use hickory_proto::rr::{
    DNSClass, Label, Name, RData, Record as WireRecord, RecordType as WireType, TSigner,
};

use crate::fault::ProviderError;
use crate::name::DnsName;
use crate::rr::{normalize_content, Change, Record, RecordSet, RecordType};

/// How far apart two clocks may be for a signature to count (RFC 8945
/// recommends 300 seconds).
pub const FUDGE: u16 = 300;

/// A TSIG key: its name as the server knows it, algorithm and secret.
#[derive(Clone)]
pub struct Key {
    pub(super) signer: TSigner,
    /// The length of a whole MAC of the algorithm: a shorter one is
    /// truncated (RFC 8945 §5.2.2.1), which hickory refuses and so do we.
    pub(super) mac_len: usize,
    /// `puq-dns. (hmac-sha256)`, for messages.
    pub described: String,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({})", self.described)
    }
}

impl Key {
    /// A key from a zone row's checked fields.
    pub fn new(name: &str, algorithm: &str, secret: Vec<u8>) -> Result<Key, ProviderError> {
        let (algorithm_of, mac_len) = match algorithm {
            "hmac-sha256" => (TsigAlgorithm::HmacSha256, 32),
            "hmac-sha384" => (TsigAlgorithm::HmacSha384, 48),
            "hmac-sha512" => (TsigAlgorithm::HmacSha512, 64),
            other => {
                return Err(ProviderError::Refused(format!(
                    "TSIG algorithm {other} is not supported"
                )))
            }
        };
        let key_name = wire_name(name.trim_end_matches('.'))
            .map_err(|e| ProviderError::Refused(format!("tsig_name {e}")))?;
        let signer = TSigner::new(secret, algorithm_of, key_name.clone(), FUDGE)
            .map_err(|e| ProviderError::Refused(format!("cannot use the TSIG key: {e}")))?;
        Ok(Key {
            signer,
            mac_len,
            described: format!("{} ({algorithm})", key_name.to_ascii()),
        })
    }
}

/// The clock that signs requests and checks answers, as seconds since the
/// epoch. Tests move it to make a server refuse the time.
#[derive(Clone, Copy, Debug, Default)]
pub struct Clock {
    /// Added to the system's clock.
    pub skew_seconds: i64,
}

impl Clock {
    pub fn now(self) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs();
        now.saturating_add_signed(self.skew_seconds)
    }
}

/// A message ready to send, and what is needed to check its answer.
#[derive(Debug)]
pub struct Request {
    pub id: u16,
    pub bytes: Vec<u8>,
    /// The MAC of the request, which the answer's signature covers.
    pub(super) mac: Option<Vec<u8>>,
}

/// A name in wire form. Labels are taken as they are, byte for byte: a
/// classless reverse zone's `0/26` is a valid label on the wire (RFC 2317)
/// though not a host name, which hickory's text parser insists on.
pub fn wire_name(text: &str) -> Result<Name, String> {
    let labels = text
        .trim_end_matches('.')
        .split('.')
        .map(|label| Label::from_raw_bytes(label.as_bytes()))
        .collect::<Result<Vec<Label>, _>>()
        .map_err(|e| format!("{text:?} is not a DNS name ({e})"))?;
    Name::from_labels(labels).map_err(|e| format!("{text:?} is not a DNS name ({e})"))
}

pub(super) fn name_of(name: &DnsName) -> Result<Name, ProviderError> {
    wire_name(name.as_str()).map_err(ProviderError::Refused)
}

pub(super) fn wire_type(rrtype: RecordType) -> WireType {
    match rrtype {
        RecordType::A => WireType::A,
        RecordType::Aaaa => WireType::AAAA,
        RecordType::Ptr => WireType::PTR,
    }
}

/// The record data of one content, as the engine holds it.
fn rdata(rrtype: RecordType, content: &str) -> Result<RData, ProviderError> {
    let refused = |what: &str| {
        ProviderError::Refused(format!("{content:?} is not {what} for a {rrtype} record"))
    };
    Ok(match rrtype {
        RecordType::A => RData::A(A(content
            .parse()
            .map_err(|_| refused("an IPv4 address"))?)),
        RecordType::Aaaa => RData::AAAA(AAAA(
            content.parse().map_err(|_| refused("an IPv6 address"))?,
        )),
        RecordType::Ptr => RData::PTR(PTR(wire_name(content).map_err(|_| refused("a host name"))?)),
    })
}

/// Signs a message when there is a key, and encodes it.
fn finish(mut message: Message, key: Option<&Key>, clock: Clock) -> Result<Request, ProviderError> {
    let encoding = |e: &dyn std::fmt::Display| {
        ProviderError::Refused(format!("cannot encode the DNS message: {e}"))
    };
    let mut mac = None;
    if let Some(key) = key {
        message
            .finalize(&key.signer, clock.now())
            .map_err(|e| encoding(&e))?;
        mac = message.signature().map(|s| s.data.mac.clone());
    }
    let bytes = message.to_vec().map_err(|e| encoding(&e))?;
    Ok(Request {
        id: message.metadata.id,
        bytes,
        mac,
    })
}

/// A query for the set at one name and type.
pub fn query(
    name: &DnsName,
    rrtype: RecordType,
    key: Option<&Key>,
    clock: Clock,
) -> Result<Request, ProviderError> {
    let mut message = Message::query();
    message.metadata.recursion_desired = false;
    message.add_query(Query::query(name_of(name)?, wire_type(rrtype)));
    finish(message, key, clock)
}

/// A query for the zone's SOA.
pub fn soa_query(
    zone: &DnsName,
    key: Option<&Key>,
    clock: Clock,
) -> Result<Request, ProviderError> {
    let mut message = Message::query();
    message.metadata.recursion_desired = false;
    message.add_query(Query::query(name_of(zone)?, WireType::SOA));
    finish(message, key, clock)
}

/// The AXFR query of a whole zone (RFC 5936 §2.1.1): class IN, no
/// recursion, signed when there is a key.
pub fn axfr_query(
    zone: &DnsName,
    key: Option<&Key>,
    clock: Clock,
) -> Result<Request, ProviderError> {
    let mut question = Query::query(name_of(zone)?, WireType::AXFR);
    question.set_query_class(DNSClass::IN);
    let mut message = Message::query();
    message.metadata.recursion_desired = false;
    message.add_query(question);
    finish(message, key, clock)
}

/// An UPDATE of `zone` without changes yet.
fn update_of(zone: &DnsName) -> Result<Message, ProviderError> {
    let mut zone_section = Query::query(name_of(zone)?, WireType::SOA);
    zone_section.set_query_class(DNSClass::IN);
    let mut message = Message::query();
    message.metadata.op_code = OpCode::Update;
    message.metadata.recursion_desired = false;
    message.add_zone(zone_section);
    Ok(message)
}

/// One UPDATE with every change of a zone, which the server applies as a
/// whole or not at all (RFC 2136 §3.4): each record removed by its content
/// (class NONE, so nothing else at the name goes), each added with the
/// change's TTL, which BIND and Knot then give the whole set.
pub fn update(
    zone: &DnsName,
    changes: &[Change],
    key: Option<&Key>,
    clock: Clock,
) -> Result<Request, ProviderError> {
    let mut message = update_of(zone)?;
    for change in changes {
        let owner = name_of(&change.name)?;
        for record in &change.remove {
            let mut rr =
                WireRecord::from_rdata(owner.clone(), 0, rdata(change.rrtype, &record.content)?);
            rr.dns_class = DNSClass::NONE;
            message.add_update(rr);
        }
        for content in &change.add {
            message.add_update(WireRecord::from_rdata(
                owner.clone(),
                change.ttl,
                rdata(change.rrtype, content)?,
            ));
        }
    }
    finish(message, key, clock)
}

/// An UPDATE that changes nothing: its one prerequisite is that the zone
/// has an SOA (RFC 2136 §2.4.1). The server still checks the key and its
/// update policy, so a zone test learns whether updates would go through.
pub fn probe(zone: &DnsName, key: Option<&Key>, clock: Clock) -> Result<Request, ProviderError> {
    let mut message = update_of(zone)?;
    let mut soa_exists = WireRecord::update0(name_of(zone)?, 0, WireType::SOA);
    soa_exists.dns_class = DNSClass::ANY;
    message.add_pre_requisite(soa_exists);
    finish(message, key, clock)
}

/// What an answer says, checked: the right id, a valid signature at a
/// time within [`FUDGE`] of ours, and no error RCODE.
#[derive(Debug)]
pub struct Answer {
    pub message: Message,
}

/// Why an answer is not one to use.
#[derive(Debug, PartialEq, Eq)]
pub enum Bad {
    /// Worth another try: SERVFAIL.
    Transient(ProviderError),
    /// Anything else.
    Final(ProviderError),
}

impl Bad {
    pub fn error(&self) -> &ProviderError {
        match self {
            Bad::Transient(e) | Bad::Final(e) => e,
        }
    }
}

pub(super) fn invalid(text: String) -> Bad {
    Bad::Final(ProviderError::InvalidResponse(text))
}

/// Reads the answer to `request`.
pub fn answer(
    request: &Request,
    bytes: &[u8],
    key: Option<&Key>,
    clock: Clock,
    zone: &DnsName,
) -> Result<Answer, Bad> {
    let message = Message::from_vec(bytes)
        .map_err(|e| invalid(format!("the server's answer is not a DNS message: {e}")))?;
    if message.metadata.id != request.id || message.metadata.message_type != MessageType::Response {
        return Err(invalid(format!(
            "the server answered message {} to message {}",
            message.metadata.id, request.id
        )));
    }
    let asked = if message.metadata.op_code == OpCode::Update {
        Asked::Update
    } else {
        Asked::Query
    };
    if let Some(bad) = refusal(&message, key, clock, zone, asked) {
        return Err(bad);
    }
    if let (Some(key), Some(mac)) = (key, &request.mac) {
        if message.signature().is_none() {
            return Err(invalid(
                "the server's answer is not signed, though the request was (RFC 8945 §5.3)"
                    .to_owned(),
            ));
        }
        let (_, signed_at, _) = key
            .signer
            .verify_message_byte(bytes, Some(mac), true)
            .map_err(|e| invalid(format!("the server's signature does not verify: {e}")))?;
        in_time(signed_at, clock, "its answer")?;
    }
    Ok(Answer { message })
}

/// What a request asked of the server, for the words of its refusal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Asked {
    Query,
    Update,
    /// A zone transfer (AXFR).
    Transfer,
}

/// The refusal an answer holds, if any: a TSIG error, or an error RCODE
/// (NXDOMAIN is none but for a transfer). An error needs no signature to
/// be believed: it changes nothing, and an unsigned one is what RFC 8945
/// §5.2.1 and §5.2.2 have the server send for an unknown key or a bad MAC.
pub(super) fn refusal(
    message: &Message,
    key: Option<&Key>,
    clock: Clock,
    zone: &DnsName,
    asked: Asked,
) -> Option<Bad> {
    let code = message.metadata.response_code;
    if let Some(signature) = message.signature() {
        if let Some(error) = signature.data.error {
            let server_time = Some((signature.data.time, signature.data.other.clone()));
            return Some(Bad::Final(tsig_refusal(
                code,
                error,
                key,
                clock,
                server_time,
                asked,
            )));
        }
    }
    let fine = code == ResponseCode::NoError
        || (code == ResponseCode::NXDomain && asked != Asked::Transfer);
    if fine {
        return None;
    }
    let error = rcode_refusal(code, asked, zone);
    Some(if code == ResponseCode::ServFail {
        Bad::Transient(error)
    } else {
        Bad::Final(error)
    })
}

/// A signature made at `signed_at` by the server's clock counts only
/// within [`FUDGE`] of this machine's (RFC 8945 §5.2.3): hickory checks
/// the MAC and leaves the time to its caller.
pub(super) fn in_time(signed_at: u64, clock: Clock, what: &str) -> Result<(), Bad> {
    let skew = clock.now().abs_diff(signed_at);
    if skew > u64::from(FUDGE) {
        return Err(invalid(format!(
            "the server signed {what} {skew} seconds from this machine's clock; more than {FUDGE} seconds apart, a signature is not trusted: set both clocks right (NTP)"
        )));
    }
    Ok(())
}

impl Answer {
    /// The set at `name` and `rrtype` in a query's answer: its records of
    /// that type at that owner (a CNAME chain's other records are not the
    /// set's), empty for NXDOMAIN or no data.
    pub fn set(&self, name: &DnsName, rrtype: RecordType) -> RecordSet {
        let owner = name_of(name).ok();
        let mut set = RecordSet::empty(name.clone(), rrtype, 0);
        for record in self.message.answers.iter().filter(|r| {
            r.record_type() == wire_type(rrtype) && owner.as_ref().is_some_and(|o| *o == r.name)
        }) {
            let Some(content) = content_of(record, rrtype) else {
                continue;
            };
            set.ttl = record.ttl;
            set.records.push(Record { content, id: None });
        }
        set
    }

    /// Whether the server answered as the zone's own server (AA set).
    pub fn is_authoritative(&self) -> bool {
        self.message.metadata.authoritative
    }

    /// The zone's SOA serial in the answer, with its owner.
    pub fn soa(&self) -> Option<(String, u32)> {
        self.message.answers.iter().find_map(|r| match &r.data {
            RData::SOA(soa) => Some((r.name.to_ascii(), soa.serial)),
            _ => None,
        })
    }
}

/// A record's content as the engine holds it, when it is of `rrtype`.
pub(super) fn content_of(record: &WireRecord, rrtype: RecordType) -> Option<String> {
    let content = match (&record.data, rrtype) {
        (RData::A(a), RecordType::A) => a.0.to_string(),
        (RData::AAAA(aaaa), RecordType::Aaaa) => aaaa.0.to_string(),
        (RData::PTR(ptr), RecordType::Ptr) => ptr.0.to_ascii(),
        _ => return None,
    };
    Some(normalize_content(rrtype, &content))
}

/// The mnemonic of an RCODE, as dig and the RFCs write it.
fn mnemonic(code: ResponseCode) -> String {
    match code {
        ResponseCode::NoError => "NOERROR".to_owned(),
        ResponseCode::FormErr => "FORMERR".to_owned(),
        ResponseCode::ServFail => "SERVFAIL".to_owned(),
        ResponseCode::NXDomain => "NXDOMAIN".to_owned(),
        ResponseCode::NotImp => "NOTIMP".to_owned(),
        ResponseCode::Refused => "REFUSED".to_owned(),
        ResponseCode::YXDomain => "YXDOMAIN".to_owned(),
        ResponseCode::YXRRSet => "YXRRSET".to_owned(),
        ResponseCode::NXRRSet => "NXRRSET".to_owned(),
        ResponseCode::NotAuth => "NOTAUTH".to_owned(),
        ResponseCode::NotZone => "NOTZONE".to_owned(),
        other => format!("RCODE {}", u16::from(other)),
    }
}

/// An error RCODE in words an admin can act on.
fn rcode_refusal(code: ResponseCode, asked: Asked, zone: &DnsName) -> ProviderError {
    let zone = zone.to_absolute();
    let updating = asked == Asked::Update;
    let message = match code {
        ResponseCode::Refused if asked == Asked::Transfer => format!(
            "the server refuses a zone transfer of {zone} to this key or address (allow-transfer, or the zone's ACL)"
        ),
        ResponseCode::NotImp if asked == Asked::Transfer => {
            "the server does not implement zone transfers".to_owned()
        }
        ResponseCode::NXDomain if asked == Asked::Transfer => {
            format!("the server has no zone {zone}")
        }
        ResponseCode::Refused if updating => format!(
            "the server does not take updates of {zone} from this key or address (allow-update, update-policy or the zone's ACL)"
        ),
        ResponseCode::Refused => format!("the server refuses to answer for {zone}"),
        ResponseCode::NotAuth => format!(
            "the server is not authoritative for {zone}: it is not a zone of that server, or not its primary"
        ),
        ResponseCode::NotZone => format!("a record of the update is not inside {zone}"),
        ResponseCode::ServFail => "the server failed to process the request".to_owned(),
        ResponseCode::FormErr => "the server could not read the request".to_owned(),
        ResponseCode::NotImp if updating => "the server does not implement dynamic updates".to_owned(),
        ResponseCode::NXRRSet if updating => format!("{zone} has no SOA on the server"),
        other => other.to_str().to_owned(),
    };
    ProviderError::Dns {
        rcode: mnemonic(code),
        message,
    }
}

/// A TSIG error (RFC 8945 §5.2) in words an admin can act on.
fn tsig_refusal(
    code: ResponseCode,
    error: TsigError,
    key: Option<&Key>,
    clock: Clock,
    server_time: Option<(u64, Vec<u8>)>,
    asked: Asked,
) -> ProviderError {
    let key = key.map_or("the key", |k| k.described.as_str());
    let may = match asked {
        Asked::Transfer => "transfer this zone (allow-transfer, or the zone's ACL)",
        Asked::Query | Asked::Update => "update this zone",
    };
    let (name, message) = match error {
        TsigError::BadKey => (
            "BADKEY",
            format!(
                "the server does not accept {key} here: check tsig_name and tsig_algorithm, and that the key may {may}"
            ),
        ),
        TsigError::BadSig => (
            "BADSIG",
            format!("the signature does not verify with the server's secret of {key}: check tsig_secret"),
        ),
        TsigError::BadTime => {
            // The server's own time is the six bytes of Other Data.
            let theirs = server_time.and_then(|(_, other)| {
                <[u8; 6]>::try_from(other.as_slice()).ok().map(|b| {
                    b.iter().fold(0u64, |t, byte| (t << 8) | u64::from(*byte))
                })
            });
            let apart = match theirs {
                Some(theirs) => {
                    let ours = clock.now();
                    let ahead = if theirs > ours { "ahead of" } else { "behind" };
                    format!(
                        "the server's clock is {} seconds {ahead} this machine's",
                        theirs.abs_diff(ours)
                    )
                }
                None => "this machine's clock and the server's differ".to_owned(),
            };
            (
                "BADTIME",
                format!("{apart}, more than the {FUDGE} seconds TSIG allows: set both clocks right (NTP)"),
            )
        }
        TsigError::BadTrunc => ("BADTRUNC", "the server refused the MAC's length".to_owned()),
        TsigError::Unknown(n) => {
            return ProviderError::Dns {
                rcode: format!("{} (TSIG error {n})", mnemonic(code)),
                message: format!("the server refused {key}"),
            }
        }
    };
    ProviderError::Dns {
        rcode: format!("{} ({name})", mnemonic(code)),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::rr::rdata::tsig::TSIG;
    use hickory_proto::rr::rdata::SOA;

    fn name(text: &str) -> DnsName {
        DnsName::parse(text).unwrap()
    }

    fn key() -> Key {
        Key::new("puq-dns.", "hmac-sha256", b"0123456789abcdef".to_vec()).unwrap()
    }

    fn change(add: &[&str], remove: &[&str]) -> Change {
        Change {
            name: name("h.example.com"),
            rrtype: RecordType::A,
            ttl: 600,
            add: add.iter().map(|s| (*s).to_owned()).collect(),
            remove: remove
                .iter()
                .map(|s| Record {
                    content: (*s).to_owned(),
                    id: None,
                })
                .collect(),
            after: add.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn an_update_removes_by_content_and_adds_with_the_ttl() {
        let request = update(
            &name("example.com"),
            &[change(&["192.0.2.2"], &["192.0.2.1"])],
            None,
            Clock::default(),
        )
        .unwrap();
        let message = Message::from_vec(&request.bytes).unwrap();
        assert_eq!(message.metadata.op_code, OpCode::Update);
        assert_eq!(message.queries[0].name().to_ascii(), "example.com.");
        assert_eq!(message.queries[0].query_type(), WireType::SOA);
        let updates: Vec<String> = message
            .authorities
            .iter()
            .map(|r| format!("{} {} {:?} {}", r.name, r.ttl, r.dns_class, r.data))
            .collect();
        assert_eq!(
            updates,
            [
                "h.example.com. 0 NONE 192.0.2.1",
                "h.example.com. 600 IN 192.0.2.2"
            ]
        );
        assert!(message.signature().is_none());
    }

    #[test]
    fn classless_names_and_ptr_targets_encode() {
        let zone = name("0/26.2.0.192.in-addr.arpa");
        let ptr = Change {
            name: name("7.0/26.2.0.192.in-addr.arpa"),
            rrtype: RecordType::Ptr,
            ttl: 3600,
            add: vec!["vm.example.com".to_owned()],
            remove: Vec::new(),
            after: vec!["vm.example.com".to_owned()],
        };
        let request = update(&zone, &[ptr], Some(&key()), Clock::default()).unwrap();
        let message = Message::from_vec(&request.bytes).unwrap();
        // The label's bytes are `0/26`; hickory's text form escapes the '/'.
        assert_eq!(
            message.authorities[0].name.to_ascii(),
            "7.0\\/26.2.0.192.in-addr.arpa."
        );
        assert_eq!(
            message.authorities[0].name.iter().nth(1),
            Some(&b"0/26"[..])
        );
        assert_eq!(message.authorities[0].data.to_string(), "vm.example.com.");
        assert_eq!(
            message.signature().map(|s| s.name.to_ascii()),
            Some("puq-dns.".to_owned())
        );
    }

    #[test]
    fn a_probe_has_one_prerequisite_and_no_update() {
        let request = probe(&name("example.com"), None, Clock::default()).unwrap();
        let message = Message::from_vec(&request.bytes).unwrap();
        assert_eq!(message.answers.len(), 1);
        assert_eq!(message.answers[0].dns_class, DNSClass::ANY);
        assert_eq!(message.answers[0].record_type(), WireType::SOA);
        assert!(message.authorities.is_empty());
    }

    /// A response to `request` as a server would sign it, at `time`.
    fn signed_response(request: &Request, code: ResponseCode, time: u64) -> Vec<u8> {
        let mut response = Message::response(request.id, OpCode::Query);
        response.metadata.response_code = code;
        response.metadata.authoritative = true;
        response.add_answer(WireRecord::from_rdata(
            wire_name("h.example.com").unwrap(),
            600,
            RData::A(A("192.0.2.7".parse().unwrap())),
        ));
        let signer = key().signer;
        let stub = TSIG::new(
            TsigAlgorithm::HmacSha256,
            time,
            FUDGE,
            Vec::new(),
            request.id,
            None,
            Vec::new(),
        );
        let unsigned = response.to_vec().unwrap();
        let tbs = signer
            .encode_response_tbs(request.mac.as_deref().unwrap(), &unsigned, &stub)
            .unwrap();
        let mac = signer.sign(&tbs).unwrap();
        response.set_signature(Box::new(hickory_proto::rr::rdata::tsig::make_tsig_record(
            signer.signer_name().clone(),
            stub.set_mac(mac),
        )));
        response.to_vec().unwrap()
    }

    #[test]
    fn a_signed_answer_is_read_and_checked() {
        let clock = Clock::default();
        let k = key();
        let request = query(&name("h.example.com"), RecordType::A, Some(&k), clock).unwrap();
        let bytes = signed_response(&request, ResponseCode::NoError, clock.now());
        let answer = answer(&request, &bytes, Some(&k), clock, &name("example.com")).unwrap();
        let set = answer.set(&name("h.example.com"), RecordType::A);
        assert_eq!(set.ttl, 600);
        assert_eq!(set.records[0].content, "192.0.2.7");
        assert!(answer
            .set(&name("h.example.com"), RecordType::Aaaa)
            .records
            .is_empty());

        // A byte changed: the MAC no longer matches.
        let mut forged = bytes.clone();
        let at = forged.len() - 60;
        forged[at] ^= 1;
        assert!(super::answer(&request, &forged, Some(&k), clock, &name("example.com")).is_err());
    }

    #[test]
    fn an_answer_signed_too_far_from_our_clock_is_not_trusted() {
        let clock = Clock::default();
        let k = key();
        let request = query(&name("h.example.com"), RecordType::A, Some(&k), clock).unwrap();
        let bytes = signed_response(&request, ResponseCode::NoError, clock.now() - 3600);
        let bad = answer(&request, &bytes, Some(&k), clock, &name("example.com")).unwrap_err();
        let text = bad.error().to_string();
        assert!(text.starts_with("unexpected answer: the server signed its answer 3600 seconds from this machine's clock"), "{text}");
    }

    #[test]
    fn an_unsigned_answer_to_a_signed_request_is_not_trusted() {
        let k = key();
        let request = query(
            &name("h.example.com"),
            RecordType::A,
            Some(&k),
            Clock::default(),
        )
        .unwrap();
        let mut response = Message::response(request.id, OpCode::Query);
        response.metadata.authoritative = true;
        let bytes = response.to_vec().unwrap();
        assert_eq!(
            answer(&request, &bytes, Some(&k), Clock::default(), &name("example.com"))
                .unwrap_err()
                .error()
                .to_string(),
            "unexpected answer: the server's answer is not signed, though the request was (RFC 8945 §5.3)"
        );
    }

    #[test]
    fn rcodes_and_tsig_errors_are_named() {
        let zone = name("example.com");
        assert_eq!(
            rcode_refusal(ResponseCode::Refused, Asked::Update, &zone).to_string(),
            "REFUSED: the server does not take updates of example.com. from this key or address (allow-update, update-policy or the zone's ACL)"
        );
        assert_eq!(
            rcode_refusal(ResponseCode::NotAuth, Asked::Update, &zone).to_string(),
            "NOTAUTH: the server is not authoritative for example.com.: it is not a zone of that server, or not its primary"
        );
        let k = key();
        assert_eq!(
            tsig_refusal(ResponseCode::NotAuth, TsigError::BadSig, Some(&k), Clock::default(), None, Asked::Query).to_string(),
            "NOTAUTH (BADSIG): the signature does not verify with the server's secret of puq-dns. (hmac-sha256): check tsig_secret"
        );
        let clock = Clock::default();
        let theirs = clock.now() + 7200;
        let other = theirs.to_be_bytes()[2..].to_vec();
        assert_eq!(
            tsig_refusal(ResponseCode::NotAuth, TsigError::BadTime, Some(&k), clock, Some((0, other)), Asked::Update).to_string(),
            "NOTAUTH (BADTIME): the server's clock is 7200 seconds ahead of this machine's, more than the 300 seconds TSIG allows: set both clocks right (NTP)"
        );
    }

    #[test]
    fn soa_and_authority_are_read() {
        let mut response = Message::response(1, OpCode::Query);
        response.metadata.authoritative = true;
        response.add_answer(WireRecord::from_rdata(
            wire_name("example.com").unwrap(),
            3600,
            RData::SOA(SOA::new(
                wire_name("ns1.example.com").unwrap(),
                wire_name("hostmaster.example.com").unwrap(),
                42,
                3600,
                600,
                86400,
                300,
            )),
        ));
        let answer = Answer { message: response };
        assert!(answer.is_authoritative());
        assert_eq!(answer.soa(), Some(("example.com.".to_owned(), 42)));
    }
}
