//! Every provider's answer parser, fed arbitrary and almost-right answers:
//! PowerDNS zone documents, Cloudflare listing pages, HestiaCP listings.
//! Never a panic; a read gives exactly one set per name and type asked
//! for, holding only that name and type, with contents in canonical form;
//! a failure has something to say.

#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use puq_dns_core::http::Answer;
use puq_dns_core::plan::RecordType;
use puq_dns_core::provider::{cloudflare, hestia, powerdns, ProviderError, RecordSet};
use puq_dns_core::DnsName;
use serde_json::{json, Map, Value as Json};

const TYPES: [RecordType; 3] = [RecordType::A, RecordType::Aaaa, RecordType::Ptr];

/// A name near the ones asked for: the same, another case, with or
/// without the trailing dot, relative, or anything at all.
fn name_like(
    u: &mut Unstructured<'_>,
    keys: &[(DnsName, RecordType)],
    zone: &DnsName,
) -> Result<String> {
    let base = if keys.is_empty() {
        zone.as_str().to_owned()
    } else {
        keys[u.choose_index(keys.len())?].0.as_str().to_owned()
    };
    Ok(match u.int_in_range(0u8..=6)? {
        0 => base,
        1 => format!("{base}."),
        2 => base.to_ascii_uppercase(),
        3 => base
            .strip_suffix(&format!(".{}", zone.as_str()))
            .unwrap_or("@")
            .to_owned(),
        4 => "@".to_owned(),
        5 => puq_dns_fuzz::dns_name(u)?,
        _ => String::arbitrary(u)?,
    })
}

fn content(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0u8..=4)? {
        0 | 1 => puq_dns_fuzz::ip_text(u)?,
        2 => format!("{}.", puq_dns_fuzz::dns_name(u)?),
        3 => puq_dns_fuzz::dns_name(u)?,
        _ => String::arbitrary(u)?,
    })
}

fn rrtype(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0u8..=5)? {
        0 => "A".to_owned(),
        1 => "AAAA".to_owned(),
        2 => "PTR".to_owned(),
        3 => "a".to_owned(),
        4 => "TXT".to_owned(),
        _ => String::arbitrary(u)?,
    })
}

/// A JSON value of no particular shape.
fn any_json(u: &mut Unstructured<'_>, depth: usize) -> Result<Json> {
    Ok(match u.int_in_range(0u8..=6)? {
        0 => Json::Null,
        1 => json!(bool::arbitrary(u)?),
        2 => json!(i64::arbitrary(u)?),
        3 => json!(String::arbitrary(u)?),
        4 if depth < 3 => Json::Array(
            (0..u.int_in_range(0..=3)?)
                .map(|_| any_json(u, depth + 1))
                .collect::<Result<_>>()?,
        ),
        5 if depth < 3 => {
            let mut map = Map::new();
            for _ in 0..u.int_in_range(0..=3)? {
                map.insert(puq_dns_fuzz::word(u)?.to_owned(), any_json(u, depth + 1)?);
            }
            Json::Object(map)
        }
        _ => json!(u32::arbitrary(u)?),
    })
}

/// Usually `right`, sometimes a value of another shape.
fn or_wrong(u: &mut Unstructured<'_>, right: Json) -> Result<Json> {
    Ok(if puq_dns_fuzz::rarely(u, 8)? {
        any_json(u, 1)?
    } else {
        right
    })
}

/// `or_wrong` with the right value built first (it draws on `u` too).
macro_rules! or_wrong {
    ($u:expr, $right:expr $(,)?) => {{
        let right = $right;
        or_wrong($u, right)
    }};
}

fn powerdns_body(
    u: &mut Unstructured<'_>,
    keys: &[(DnsName, RecordType)],
    zone: &DnsName,
) -> Result<Json> {
    let mut rrsets = Vec::new();
    for _ in 0..u.int_in_range(0..=4)? {
        let mut records = Vec::new();
        for _ in 0..u.int_in_range(0..=3)? {
            records.push(or_wrong!(
                u,
                json!({ "content": content(u)?, "disabled": bool::arbitrary(u)? })
            )?);
        }
        rrsets.push(or_wrong!(
            u,
            json!({
                "name": name_like(u, keys, zone)?,
                "type": rrtype(u)?,
                "ttl": u32::arbitrary(u)?,
                "records": records,
            }),
        )?);
    }
    or_wrong!(
        u,
        json!({ "name": format!("{}.", zone.as_str()), "kind": "Native", "rrsets": rrsets })
    )
}

fn cloudflare_body(
    u: &mut Unstructured<'_>,
    keys: &[(DnsName, RecordType)],
    zone: &DnsName,
) -> Result<Json> {
    let mut result = Vec::new();
    for _ in 0..u.int_in_range(0..=4)? {
        result.push(or_wrong!(
            u,
            json!({
                "id": String::arbitrary(u)?,
                "name": name_like(u, keys, zone)?,
                "type": rrtype(u)?,
                "content": content(u)?,
                "ttl": u32::arbitrary(u)?,
            }),
        )?);
    }
    let success = !puq_dns_fuzz::rarely(u, 6)?;
    or_wrong!(
        u,
        json!({
            "success": success,
            "errors": if success { json!([]) } else { json!([{ "code": i64::arbitrary(u)?, "message": String::arbitrary(u)? }]) },
            "messages": [],
            "result": result,
            "result_info": { "page": u8::arbitrary(u)?, "total_pages": u8::arbitrary(u)? },
        }),
    )
}

fn hestia_body(
    u: &mut Unstructured<'_>,
    keys: &[(DnsName, RecordType)],
    zone: &DnsName,
) -> Result<Json> {
    let mut listing = Map::new();
    for id in 1..=u.int_in_range(0..=4)? {
        listing.insert(
            id.to_string(),
            or_wrong!(u,
                json!({
                    "RECORD": name_like(u, keys, zone)?,
                    "TYPE": rrtype(u)?,
                    "PRIORITY": "",
                    "VALUE": content(u)?,
                    "ID": id.to_string(),
                    "SUSPENDED": if bool::arbitrary(u)? { "no" } else { "yes" },
                    "TTL": if bool::arbitrary(u)? { u32::arbitrary(u)?.to_string() } else { String::arbitrary(u)? },
                }),
            )?,
        );
    }
    Ok(Json::Object(listing))
}

fn check(outcome: Result<Vec<RecordSet>, ProviderError>, keys: &[(DnsName, RecordType)]) {
    match outcome {
        Ok(sets) => {
            assert_eq!(sets.len(), keys.len());
            for (set, (name, rrtype)) in sets.iter().zip(keys) {
                assert_eq!((&set.name, set.rrtype), (name, *rrtype));
                for record in &set.records {
                    let c = &record.content;
                    assert_eq!(c.trim(), c, "content not trimmed: {c:?}");
                    if *rrtype == RecordType::Ptr {
                        assert!(
                            !c.ends_with('.') || c.ends_with(".."),
                            "PTR keeps its dot: {c:?}"
                        );
                        assert_eq!(c.to_ascii_lowercase(), *c);
                    } else if let Ok(ip) = c.parse::<std::net::IpAddr>() {
                        assert_eq!(ip.to_string(), *c, "address not canonical");
                    }
                }
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(zone) = puq_dns_fuzz::dns_name(&mut u).map(|n| DnsName::parse(&n)) else {
        return;
    };
    let zone =
        zone.unwrap_or_else(|_| DnsName::parse("example.com").unwrap_or_else(|_| unreachable!()));
    let mut keys = Vec::new();
    for _ in 0..u.int_in_range(0..=4).unwrap_or(0) {
        let label = puq_dns_fuzz::dns_name(&mut u).unwrap_or_default();
        let name =
            DnsName::parse(&format!("{label}.{}", zone.as_str())).unwrap_or_else(|_| zone.clone());
        let Ok(i) = u.choose_index(TYPES.len()) else {
            break;
        };
        keys.push((name, TYPES[i]));
    }
    let provider = u.int_in_range(0u8..=2).unwrap_or(0);
    let status = match u.int_in_range(0u8..=4).unwrap_or(0) {
        0 | 1 | 2 => 200,
        3 => *u
            .choose(&[400u16, 401, 403, 404, 422, 429, 500, 503])
            .unwrap_or(&500),
        _ => u.int_in_range(100..=999).unwrap_or(200),
    };
    let body = if u.ratio(1, 6).unwrap_or(false) {
        String::arbitrary(&mut u).unwrap_or_default()
    } else {
        let json = match provider {
            0 => powerdns_body(&mut u, &keys, &zone),
            1 => cloudflare_body(&mut u, &keys, &zone),
            _ => hestia_body(&mut u, &keys, &zone),
        };
        json.map(|j| j.to_string()).unwrap_or_default()
    };
    let Some(answer) = Answer::made_up(status, &body) else {
        return;
    };
    let outcome = match provider {
        0 => powerdns::read_answer(&answer, &zone, &keys),
        1 => cloudflare::read_answer(&answer, &keys),
        _ => hestia::sets_in_listing(&body, &zone, &keys),
    };
    check(outcome, &keys);
});
