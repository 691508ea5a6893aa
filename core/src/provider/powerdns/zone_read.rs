//! A whole zone document parsed as it streams in: only the rrsets at the
//! wanted names are kept, so reading a 65,536-record zone costs the memory
//! of the VM's sets, not the 10 MB document.

use std::collections::HashSet;
use std::fmt;
use std::io::{BufReader, Read};

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{RrsetDoc, ZoneDoc};

/// What a zone read keeps: the document with the wanted rrsets only, and
/// how many records the whole zone has.
pub(super) struct Kept {
    pub doc: ZoneDoc,
    pub records: u64,
}

/// Reads a zone document from `reader`, keeping the rrsets whose name (with
/// its trailing dot, any case) is in `wanted`, which holds lower case.
pub(super) fn parse(reader: &mut dyn Read, wanted: &HashSet<String>) -> Result<Kept, String> {
    let not_json =
        |e: serde_json::Error| format!("zone document is not the JSON PowerDNS sends: {e}");
    // serde_json reads a byte at a time from an unbuffered reader.
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(64 * 1024, reader));
    let kept = ZoneSeed { wanted }.deserialize(&mut de).map_err(not_json)?;
    de.end().map_err(not_json)?;
    Ok(kept)
}

struct ZoneSeed<'w> {
    wanted: &'w HashSet<String>,
}

impl<'de> DeserializeSeed<'de> for ZoneSeed<'_> {
    type Value = Kept;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Kept, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ZoneSeed<'_> {
    type Value = Kept;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a PowerDNS zone object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kept, A::Error> {
        let mut name: Option<String> = None;
        let mut kind: Option<String> = None;
        let mut rrsets = Vec::new();
        let mut records: u64 = 0;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => name = Some(map.next_value()?),
                "kind" => kind = map.next_value()?,
                "rrsets" => map.next_value_seed(RrsetsSeed {
                    wanted: self.wanted,
                    kept: &mut rrsets,
                    records: &mut records,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let name = name.ok_or_else(|| serde::de::Error::missing_field("name"))?;
        Ok(Kept {
            doc: ZoneDoc { name, kind, rrsets },
            records,
        })
    }
}

struct RrsetsSeed<'a> {
    wanted: &'a HashSet<String>,
    kept: &'a mut Vec<RrsetDoc>,
    records: &'a mut u64,
}

impl<'de> DeserializeSeed<'de> for RrsetsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RrsetsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of rrsets")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(rrset) = seq.next_element::<RrsetDoc>()? {
            *self.records += rrset.records.len() as u64;
            if self.wanted.contains(&rrset.name.to_ascii_lowercase()) {
                self.kept.push(rrset);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(names: &[&str]) -> HashSet<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn only_the_wanted_rrsets_are_kept_and_every_record_is_counted() {
        let body = r#"{"account":"","rrsets":[
            {"name":"a.example.com.","type":"A","ttl":60,"records":[{"content":"192.0.2.1","disabled":false}],"comments":[]},
            {"name":"VM.example.com.","type":"A","ttl":300,"records":[{"content":"192.0.2.7","disabled":false},{"content":"192.0.2.8","disabled":true}],"comments":[]},
            {"name":"example.com.","type":"SOA","ttl":3600,"records":[{"content":"ns1. h. 1 2 3 4 5","disabled":false}],"comments":[{"content":"x"}]}
        ],"name":"example.com.","kind":"Native","serial":1}"#;
        let kept = parse(&mut body.as_bytes(), &wanted(&["vm.example.com."])).unwrap();
        assert_eq!(kept.records, 4);
        assert_eq!(kept.doc.name, "example.com.");
        assert_eq!(kept.doc.kind.as_deref(), Some("Native"));
        let names: Vec<(&str, usize)> = kept
            .doc
            .rrsets
            .iter()
            .map(|r| (r.name.as_str(), r.records.len()))
            .collect();
        assert_eq!(names, [("VM.example.com.", 2)]);
    }

    #[test]
    fn a_broken_document_is_named_as_such() {
        for (body, message) in [
            (
                r#"{"name":"example.com.","rrsets":[{"name":"x."}]}"#,
                "zone document is not the JSON PowerDNS sends: missing field `type` at line 1 column 46",
            ),
            (
                r#"{"rrsets":[]}"#,
                "zone document is not the JSON PowerDNS sends: missing field `name` at line 1 column 13",
            ),
            (
                r#"{"name":"example.com.","rrsets":[]} trailing"#,
                "zone document is not the JSON PowerDNS sends: trailing characters at line 1 column 37",
            ),
            (
                "<html>",
                "zone document is not the JSON PowerDNS sends: expected value at line 1 column 1",
            ),
        ] {
            assert_eq!(
                parse(&mut body.as_bytes(), &wanted(&[])).err().as_deref(),
                Some(message),
                "{body}"
            );
        }
    }
}
