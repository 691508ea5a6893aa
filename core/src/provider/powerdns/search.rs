//! Several names in one request: PowerDNS's `search-data`, which lists the
//! records whose name or content matches a pattern (`?` one character,
//! `*` any run of them), in every zone of the server, up to `max`.
//!
//! The pattern covers the wanted names and as little else as it can: names
//! of one length keep every character they share and have `?` where they
//! differ (a VM's IPv6 PTRs differ in a few nibbles), others share a
//! suffix after `*`. A listing is trusted only when it is whole and
//! filtered: as many hits as `max` may have been cut off, and a hit the
//! pattern does not match means the server ignored it; either way the
//! engine reads the names instead.

use serde::Deserialize;

use crate::name::DnsName;
use crate::provider::{normalize_content, ProviderError, Record, RecordSet};
use crate::rr::RecordType;

/// Hits asked for at least: a listing this long is a few hundred
/// kilobytes, and one that reaches what was asked for counts as cut off.
pub const MAX_HITS: usize = 1_000;

/// Hits asked for per wanted set: room for the sets' records and for
/// foreign records the pattern also matches.
const HITS_PER_SET: usize = 8;

/// Hits to ask for `sets` wanted sets.
pub fn max_hits(sets: usize) -> usize {
    MAX_HITS.max(sets.saturating_mul(HITS_PER_SET))
}

/// The pattern for `names` (absolute or not) of `zone`, or `None` when it
/// would match little less than the whole zone: reading that is the zone
/// read's job, which knows the zone's size.
pub fn pattern(zone: &DnsName, names: &[&DnsName]) -> Option<String> {
    let names: Vec<String> = names
        .iter()
        .map(|name| name.to_string().trim_end_matches('.').to_ascii_lowercase())
        .collect();
    let first = names.first()?;
    let zone_len = zone.to_string().trim_end_matches('.').len();
    if names.iter().all(|name| name.len() == first.len()) {
        let pattern: String = first
            .bytes()
            .enumerate()
            .map(|(i, byte)| {
                if names
                    .iter()
                    .all(|name| name.as_bytes().get(i) == Some(&byte))
                {
                    char::from(byte)
                } else {
                    '?'
                }
            })
            .collect();
        // Every character before the zone's own free: the whole zone's
        // names of that length.
        let fixed = pattern.chars().filter(|&c| c != '?').count();
        return (fixed > zone_len + 1).then_some(pattern);
    }
    let suffix_len = names
        .iter()
        .map(|name| common_suffix(first, name))
        .min()
        .unwrap_or(0);
    let suffix = first.get(first.len() - suffix_len..)?;
    (suffix_len > zone_len + 1).then(|| format!("*{suffix}"))
}

fn common_suffix(a: &str, b: &str) -> usize {
    a.bytes()
        .rev()
        .zip(b.bytes().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// Whether `text` matches `pattern` as PowerDNS matches it: `?` one
/// character, `*` any run, the rest without regard to case.
pub fn matches(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == b'?' || c.eq_ignore_ascii_case(&t[ti]) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((star_pi, star_ti)) => {
                    pi = star_pi + 1;
                    ti = star_ti + 1;
                    star = Some((star_pi, star_ti + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// One hit of a `search-data` listing.
#[derive(Debug, Deserialize)]
struct Hit {
    object_type: String,
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    rrtype: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    ttl: Option<u32>,
    #[serde(default)]
    disabled: bool,
    #[serde(default)]
    zone: String,
}

/// The sets at `keys` in `zone` from a listing for `pattern`: an error
/// when the body is no listing, or the listing was cut off or unfiltered.
pub fn sets_of(
    body: &str,
    pattern: &str,
    zone: &DnsName,
    keys: &[(DnsName, RecordType)],
) -> Result<Vec<RecordSet>, ProviderError> {
    let max = max_hits(keys.len());
    let hits: Vec<Hit> = serde_json::from_str(body).map_err(|e| {
        ProviderError::InvalidResponse(format!("the search answer is not a listing: {e}"))
    })?;
    if hits.len() >= max {
        return Err(ProviderError::InvalidResponse(format!(
            "the search for {pattern} listed {} records, as many as asked for: it may be cut off",
            hits.len()
        )));
    }
    let unasked = hits.iter().find(|hit| {
        hit.object_type == "record"
            && !matches(pattern, hit.name.trim_end_matches('.'))
            && !matches(pattern, hit.content.trim_end_matches('.'))
    });
    if let Some(hit) = unasked {
        return Err(ProviderError::InvalidResponse(format!(
            "the search for {pattern} listed {} {}, which it does not match: the server ignored the filter",
            hit.name, hit.rrtype
        )));
    }
    let zone = zone.to_absolute();
    Ok(keys
        .iter()
        .map(|(name, rrtype)| {
            let absolute = name.to_absolute();
            let mut set = RecordSet {
                name: name.clone(),
                rrtype: *rrtype,
                ttl: 0,
                records: Vec::new(),
            };
            for hit in hits.iter().filter(|hit| {
                hit.object_type == "record"
                    && !hit.disabled
                    && hit.zone.eq_ignore_ascii_case(&zone)
                    && hit.name.eq_ignore_ascii_case(&absolute)
                    && hit.rrtype == rrtype.as_str()
            }) {
                set.ttl = hit.ttl.unwrap_or(0);
                set.records.push(Record {
                    content: normalize_content(*rrtype, &hit.content),
                    id: None,
                });
            }
            set
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> DnsName {
        DnsName::parse(s).unwrap()
    }

    fn pattern_of(zone: &str, names: &[&str]) -> Option<String> {
        let names: Vec<DnsName> = names.iter().map(|n| name(n)).collect();
        let refs: Vec<&DnsName> = names.iter().collect();
        pattern(&name(zone), &refs)
    }

    #[test]
    fn names_of_one_length_differ_only_where_they_differ() {
        assert_eq!(
            pattern_of(
                "2.0.192.in-addr.arpa",
                &["10.2.0.192.in-addr.arpa", "11.2.0.192.in-addr.arpa"]
            )
            .as_deref(),
            Some("1?.2.0.192.in-addr.arpa")
        );
        assert_eq!(
            pattern_of("example.com", &["vm1.example.com"]).as_deref(),
            Some("vm1.example.com")
        );
    }

    #[test]
    fn names_of_several_lengths_share_a_suffix() {
        assert_eq!(
            pattern_of(
                "18.198.in-addr.arpa",
                &["1.101.18.198.in-addr.arpa", "21.101.18.198.in-addr.arpa"]
            )
            .as_deref(),
            Some("*1.101.18.198.in-addr.arpa")
        );
    }

    #[test]
    fn a_pattern_as_wide_as_the_zone_is_none() {
        assert_eq!(
            pattern_of("example.com", &["a.example.com", "bb.example.com"]),
            None
        );
        assert_eq!(
            pattern_of("example.com", &["a.example.com", "b.example.com"]),
            None
        );
        assert_eq!(pattern_of("example.com", &[]), None);
    }

    #[test]
    fn matching_is_powerdns_globbing() {
        assert!(matches(
            "1?.2.0.192.in-addr.arpa",
            "10.2.0.192.in-addr.arpa"
        ));
        assert!(matches(
            "1?.2.0.192.in-addr.arpa",
            "1X.2.0.192.IN-ADDR.arpa"
        ));
        assert!(!matches(
            "1?.2.0.192.in-addr.arpa",
            "100.2.0.192.in-addr.arpa"
        ));
        assert!(matches(
            "*1.101.18.198.in-addr.arpa",
            "201.101.18.198.in-addr.arpa"
        ));
        assert!(!matches(
            "*1.101.18.198.in-addr.arpa",
            "2.101.18.198.in-addr.arpa"
        ));
        assert!(matches("a*b*c", "aXXbYc"));
        assert!(!matches("a*b*c", "aXXbY"));
    }

    const ZONE: &str = "2.0.192.in-addr.arpa";

    fn hit(name: &str, content: &str, disabled: bool, zone: &str) -> String {
        format!(
            r#"{{"content":"{content}","disabled":{disabled},"name":"{name}","object_type":"record","ttl":60,"type":"PTR","zone":"{zone}","zone_id":"{zone}"}}"#
        )
    }

    fn keys() -> Vec<(DnsName, RecordType)> {
        vec![
            (name("10.2.0.192.in-addr.arpa"), RecordType::Ptr),
            (name("11.2.0.192.in-addr.arpa"), RecordType::Ptr),
        ]
    }

    #[test]
    fn a_listing_gives_the_enabled_records_at_the_names_in_the_zone() {
        let body = format!(
            "[{},{},{},{}]",
            hit(
                "10.2.0.192.in-addr.arpa.",
                "vm.example.com.",
                false,
                "2.0.192.in-addr.arpa."
            ),
            hit(
                "11.2.0.192.in-addr.arpa.",
                "off.example.com.",
                true,
                "2.0.192.in-addr.arpa."
            ),
            hit(
                "12.2.0.192.in-addr.arpa.",
                "other.example.com.",
                false,
                "2.0.192.in-addr.arpa."
            ),
            // The same name in another zone of the server (a delegation).
            hit(
                "10.2.0.192.in-addr.arpa.",
                "else.example.com.",
                false,
                "0.192.in-addr.arpa."
            ),
        );
        let sets = sets_of(&body, "1?.2.0.192.in-addr.arpa", &name(ZONE), &keys()).unwrap();
        let contents: Vec<Vec<&str>> = sets
            .iter()
            .map(|s| s.records.iter().map(|r| r.content.as_str()).collect())
            .collect();
        assert_eq!(contents, [vec!["vm.example.com"], vec![]]);
        assert_eq!(sets[0].ttl, 60);
    }

    #[test]
    fn a_listing_as_long_as_asked_for_is_cut_off() {
        let one = hit(
            "10.2.0.192.in-addr.arpa.",
            "vm.example.com.",
            false,
            "2.0.192.in-addr.arpa.",
        );
        let body = format!("[{}]", vec![one; MAX_HITS].join(","));
        let error = sets_of(&body, "1?.2.0.192.in-addr.arpa", &name(ZONE), &keys()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unexpected answer: the search for 1?.2.0.192.in-addr.arpa listed 1000 records, as many as asked for: it may be cut off"
        );
    }

    #[test]
    fn more_sets_ask_for_more_hits() {
        assert_eq!(max_hits(2), MAX_HITS);
        assert_eq!(max_hits(3_000), 24_000);
    }

    #[test]
    fn a_hit_the_pattern_does_not_match_means_the_filter_was_ignored() {
        let body = format!(
            "[{}]",
            hit(
                "99.2.0.192.in-addr.arpa.",
                "x.example.com.",
                false,
                "2.0.192.in-addr.arpa."
            )
        );
        let error = sets_of(&body, "1?.2.0.192.in-addr.arpa", &name(ZONE), &keys()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unexpected answer: the search for 1?.2.0.192.in-addr.arpa listed 99.2.0.192.in-addr.arpa. PTR, which it does not match: the server ignored the filter"
        );
        let garbage = sets_of("{\"error\":1}", "x", &name(ZONE), &keys()).unwrap_err();
        assert!(garbage
            .to_string()
            .starts_with("unexpected answer: the search answer is not a listing"));
    }
}
