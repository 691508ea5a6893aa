//! One page of a whole-zone `dns_records` listing parsed as it streams in:
//! only the records at the wanted names are kept, every record is counted,
//! so a big zone costs the memory of the VM's records, not the listing.

use std::collections::HashSet;
use std::fmt;
use std::io::{BufReader, Read};

use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::Deserialize;

use super::{ApiError, DnsRecord, ResultInfo};

/// What a page's answer holds once read: the envelope's verdict, its
/// paging, the records at the wanted names and how many it listed.
pub(super) struct Page {
    pub success: bool,
    pub errors: Vec<ApiError>,
    pub info: Option<ResultInfo>,
    /// `result` was a list (not absent or null).
    pub listing: bool,
    pub kept: Vec<DnsRecord>,
    /// Records on this page, at any name.
    pub listed: u64,
}

/// Reads one listing page from `reader`, keeping the records whose name
/// (fully qualified, no trailing dot, any case) is in `wanted`, which
/// holds lower case.
pub(super) fn parse(reader: &mut dyn Read, wanted: &HashSet<String>) -> Result<Page, String> {
    let not_envelope =
        |e: serde_json::Error| format!("not the JSON envelope Cloudflare sends ({e})");
    // serde_json reads a byte at a time from an unbuffered reader.
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(64 * 1024, reader));
    let page = PageSeed { wanted }
        .deserialize(&mut de)
        .map_err(not_envelope)?;
    de.end().map_err(not_envelope)?;
    Ok(page)
}

/// A record as listed; only a kept one must have all of its fields, so
/// that a record of a type this crate never reads (one without `content`)
/// elsewhere in the zone does not fail the read.
#[derive(Deserialize)]
struct Listed {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "type")]
    rrtype: Option<String>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    ttl: Option<u32>,
}

struct PageSeed<'w> {
    wanted: &'w HashSet<String>,
}

impl<'de> DeserializeSeed<'de> for PageSeed<'_> {
    type Value = Page;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Page, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PageSeed<'_> {
    type Value = Page;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Cloudflare envelope")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page, A::Error> {
        let mut page = Page {
            success: false,
            errors: Vec::new(),
            info: None,
            listing: false,
            kept: Vec::new(),
            listed: 0,
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "success" => page.success = map.next_value::<Option<bool>>()?.unwrap_or(false),
                "errors" => {
                    page.errors = map
                        .next_value::<Option<Vec<ApiError>>>()?
                        .unwrap_or_default()
                }
                "result_info" => page.info = map.next_value()?,
                "result" => {
                    page.listing = map.next_value_seed(ResultSeed {
                        wanted: self.wanted,
                        kept: &mut page.kept,
                        listed: &mut page.listed,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(page)
    }
}

/// `result`: a list of records, or null (an error's answer).
struct ResultSeed<'a> {
    wanted: &'a HashSet<String>,
    kept: &'a mut Vec<DnsRecord>,
    listed: &'a mut u64,
}

impl<'de> DeserializeSeed<'de> for ResultSeed<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ResultSeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of DNS records")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while let Some(record) = seq.next_element::<Listed>()? {
            *self.listed += 1;
            let Some(name) = record.name else { continue };
            if !self.wanted.contains(&name.to_ascii_lowercase()) {
                continue;
            }
            let field = |value: Option<String>, field: &'static str| {
                value.ok_or_else(|| A::Error::custom(format!("a record at {name} has no {field}")))
            };
            let id = field(record.id, "id")?;
            let rrtype = field(record.rrtype, "type")?;
            let content = field(record.content, "content")?;
            self.kept.push(DnsRecord {
                id,
                rrtype,
                content,
                ttl: record.ttl.unwrap_or(0),
                name,
            });
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(names: &[&str]) -> HashSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn only_the_wanted_records_are_kept_and_every_record_is_counted() {
        let body = r#"{"result":[
            {"id":"a1","name":"other.example.com","type":"A","content":"192.0.2.1","ttl":1,"meta":{}},
            {"id":"v1","name":"VM.example.com","type":"A","content":"192.0.2.7","ttl":300,"proxied":false},
            {"id":"v2","name":"vm.example.com","type":"TXT","content":"\"hi\"","ttl":1},
            {"id":"s1","name":"_sip._tcp.example.com","type":"SRV","data":{"port":5060}}
        ],"success":true,"errors":[],"messages":[],
        "result_info":{"page":1,"per_page":5000000,"count":4,"total_count":4,"total_pages":1}}"#;
        let page = parse(&mut body.as_bytes(), &wanted(&["vm.example.com"])).unwrap();
        assert!(page.success && page.listing);
        assert_eq!(page.listed, 4);
        let info = page.info.unwrap();
        assert_eq!(
            (info.page, info.per_page, info.total_count, info.total_pages),
            (1, 5_000_000, Some(4), 1)
        );
        let kept: Vec<(&str, &str, &str, u32)> = page
            .kept
            .iter()
            .map(|r| (r.id.as_str(), r.name.as_str(), r.rrtype.as_str(), r.ttl))
            .collect();
        assert_eq!(
            kept,
            [
                ("v1", "VM.example.com", "A", 300),
                ("v2", "vm.example.com", "TXT", 1)
            ]
        );
    }

    #[test]
    fn an_error_answer_keeps_its_errors() {
        let body = r#"{"success":false,"errors":[{"code":9109,"message":"Invalid access token"}],"messages":[],"result":null}"#;
        let page = parse(&mut body.as_bytes(), &wanted(&[])).unwrap();
        assert!(!page.success && !page.listing);
        assert_eq!(page.errors.len(), 1);
        assert_eq!(page.errors[0].code, 9109);
    }

    #[test]
    fn a_broken_answer_is_named_as_such() {
        for (body, message) in [
            (
                r#"{"success":true,"result":[{"id":"x","name":"vm.example.com","type":"A"}]}"#,
                "not the JSON envelope Cloudflare sends (a record at vm.example.com has no content at line 1 column 72)",
            ),
            (
                r#"{"success":true,"result":{"id":"x"}}"#,
                "not the JSON envelope Cloudflare sends (invalid type: map, expected a list of DNS records at line 1 column 26)",
            ),
            (
                r#"{"success":true,"result":[]} trailing"#,
                "not the JSON envelope Cloudflare sends (trailing characters at line 1 column 30)",
            ),
            (
                "<html>",
                "not the JSON envelope Cloudflare sends (expected value at line 1 column 1)",
            ),
        ] {
            assert_eq!(
                parse(&mut body.as_bytes(), &wanted(&["vm.example.com"]))
                    .err()
                    .as_deref(),
                Some(message),
                "{body}"
            );
        }
    }
}
