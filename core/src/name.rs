//! DNS names: validation, normalisation and label arithmetic.

use std::fmt;

use thiserror::Error;

/// Longest name in presentation form without the trailing dot (RFC 1035 §3.1:
/// 255 octets on the wire).
pub const MAX_NAME_LEN: usize = 253;
/// Longest label (RFC 1035 §2.3.4).
pub const MAX_LABEL_LEN: usize = 63;

/// A validated DNS name: lower case, no trailing dot, labels of 1–63 bytes.
///
/// Labels hold letters, digits, `-` and `_`, and never start with `-`
/// (RFC 952: a provider that hands names to a shell, as HestiaCP does, would
/// read `-x` as an option); `/` is allowed only under `in-addr.arpa`, where
/// RFC 2317 classless delegation uses it (`0/26`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DnsName(String);

/// Why text is not a DNS name. Messages start with the offending text so that
/// callers can put the field name in front.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum NameError {
    #[error("is empty")]
    Empty,
    #[error("{name:?} has an empty label")]
    EmptyLabel { name: String },
    #[error("{name:?} has a label of {len} bytes ({label:?}); a label holds at most 63")]
    LabelTooLong {
        name: String,
        label: String,
        len: usize,
    },
    #[error("{name:?} is {len} bytes long; a DNS name holds at most 253")]
    TooLong { name: String, len: usize },
    #[error("{name:?} contains {ch:?}, which a DNS name cannot hold")]
    BadChar { name: String, ch: char },
    #[error("{name:?} is not ASCII; write an internationalised name in its punycode (xn--) form")]
    NotAscii { name: String },
    #[error(
        "{name:?} contains '/', which only RFC 2317 reverse zones under in-addr.arpa may hold"
    )]
    SlashOutsideReverse { name: String },
    #[error("{name:?} has a label that starts with '-' ({label:?}), which no host name may have")]
    LeadingHyphen { name: String, label: String },
}

impl DnsName {
    /// Parses a name, lower-casing it and dropping one trailing dot.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        let shown = shorten(input);
        let bare = input.strip_suffix('.').unwrap_or(input);
        if bare.is_empty() {
            return Err(NameError::Empty);
        }
        if !bare.is_ascii() {
            return Err(NameError::NotAscii { name: shown });
        }
        if let Some(ch) = bare
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.')))
        {
            return Err(NameError::BadChar { name: shown, ch });
        }
        if bare.len() > MAX_NAME_LEN {
            return Err(NameError::TooLong {
                name: shown,
                len: bare.len(),
            });
        }
        for label in bare.split('.') {
            if label.is_empty() {
                return Err(NameError::EmptyLabel { name: shown });
            }
            if label.len() > MAX_LABEL_LEN {
                return Err(NameError::LabelTooLong {
                    name: shown,
                    label: shorten(label),
                    len: label.len(),
                });
            }
            if label.starts_with('-') {
                return Err(NameError::LeadingHyphen {
                    name: shown,
                    label: shorten(label),
                });
            }
        }
        let name = bare.to_ascii_lowercase();
        if name.contains('/') && !name.ends_with(".in-addr.arpa") {
            return Err(NameError::SlashOutsideReverse { name: shown });
        }
        Ok(Self(name))
    }

    /// For names the crate builds from parts that are valid by construction
    /// (reverse names are digits and nibbles under a fixed suffix).
    pub(crate) fn from_valid(name: String) -> Self {
        debug_assert!(Self::parse(&name).is_ok(), "{name}");
        Self(name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name with its trailing dot, as PowerDNS wants it.
    pub fn to_absolute(&self) -> String {
        format!("{}.", self.0)
    }

    /// Labels from the left (`vm`, `example`, `com`).
    pub fn labels(&self) -> impl DoubleEndedIterator<Item = &str> {
        self.0.split('.')
    }

    pub fn label_count(&self) -> usize {
        self.labels().count()
    }

    /// True when `self` is `zone` or lies below it, on label boundaries:
    /// `vm.puqcloud.com` is in `puqcloud.com`, not in `uq.com` or `cloud.com`.
    pub fn is_in(&self, zone: &DnsName) -> bool {
        self.0 == zone.0 || self.is_below(zone)
    }

    /// True when `self` lies strictly below `zone`.
    pub fn is_below(&self, zone: &DnsName) -> bool {
        self.0.len() > zone.0.len()
            && self.0.ends_with(zone.as_str())
            && self.0.as_bytes()[self.0.len() - zone.0.len() - 1] == b'.'
    }

    /// The part of `self` left of `zone`, `@` for the apex; `None` outside it.
    pub fn relative_to(&self, zone: &DnsName) -> Option<&str> {
        if self.0 == zone.0 {
            Some("@")
        } else if self.is_below(zone) {
            Some(&self.0[..self.0.len() - zone.0.len() - 1])
        } else {
            None
        }
    }

    /// `label.self`, validated like any other name.
    pub fn child(&self, label: &str) -> Result<DnsName, NameError> {
        DnsName::parse(&format!("{label}.{}", self.0))
    }
}

impl fmt::Display for DnsName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Caps text quoted in an error so that a megabyte of garbage stays readable.
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> DnsName {
        match DnsName::parse(s) {
            Ok(n) => n,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn case_and_one_trailing_dot_are_normalised() {
        assert_eq!(name("VM-1.PuqCloud.COM.").as_str(), "vm-1.puqcloud.com");
        assert_eq!(name("example.com").to_absolute(), "example.com.");
        assert_eq!(
            DnsName::parse("example.com.."),
            Err(NameError::EmptyLabel {
                name: "example.com..".into()
            })
        );
    }

    #[test]
    fn empty_and_root_names_are_refused() {
        assert_eq!(DnsName::parse(""), Err(NameError::Empty));
        assert_eq!(DnsName::parse("."), Err(NameError::Empty));
        assert_eq!(
            DnsName::parse("a..b").map_err(|e| e.to_string()),
            Err("\"a..b\" has an empty label".to_owned())
        );
        assert!(DnsName::parse(".example.com").is_err());
    }

    #[test]
    fn labels_over_63_bytes_and_names_over_253_are_refused() {
        let long = "a".repeat(64);
        let err = DnsName::parse(&format!("{long}.com")).map_err(|e| e.to_string());
        assert_eq!(
            err,
            Err(format!(
                "\"{long}.com\" has a label of 64 bytes (\"{long}\"); a label holds at most 63"
            ))
        );
        assert!(DnsName::parse(&format!("{}.com", "a".repeat(63))).is_ok());

        let label = "a".repeat(63);
        let just_fits = [label.as_str(); 4].join(".")[..253].to_owned();
        assert!(DnsName::parse(&just_fits).is_ok());
        let too_long = format!("b{just_fits}");
        assert!(matches!(
            DnsName::parse(&too_long),
            Err(NameError::TooLong { len: 254, .. })
        ));
    }

    #[test]
    fn spaces_and_other_characters_are_refused_by_name() {
        assert_eq!(
            DnsName::parse("my zone.com").map_err(|e| e.to_string()),
            Err("\"my zone.com\" contains ' ', which a DNS name cannot hold".to_owned())
        );
        assert!(matches!(
            DnsName::parse("a;rm -rf.com"),
            Err(NameError::BadChar { ch: ';', .. })
        ));
        assert!(matches!(
            DnsName::parse("bücher.de"),
            Err(NameError::NotAscii { .. })
        ));
        assert!(DnsName::parse("xn--bcher-kva.de").is_ok());
        assert!(DnsName::parse("_dmarc.example.com").is_ok());
    }

    #[test]
    fn a_label_may_not_start_with_a_hyphen() {
        assert_eq!(
            DnsName::parse("-rf.example.com").map_err(|e| e.to_string()),
            Err("\"-rf.example.com\" has a label that starts with '-' (\"-rf\"), which no host name may have".to_owned())
        );
        assert!(matches!(
            DnsName::parse("web.--x.example.com"),
            Err(NameError::LeadingHyphen { .. })
        ));
        // Inside or at the end of a label a hyphen is fine (xn--, vm-1).
        assert!(DnsName::parse("vm-1.xn--bcher-kva.example-.com").is_ok());
    }

    #[test]
    fn slash_only_under_in_addr_arpa() {
        assert!(DnsName::parse("0/26.2.0.192.in-addr.arpa").is_ok());
        assert!(matches!(
            DnsName::parse("a/b.example.com"),
            Err(NameError::SlashOutsideReverse { .. })
        ));
    }

    #[test]
    fn zone_membership_is_on_label_boundaries() {
        let vm = name("vm.puqcloud.com");
        assert!(vm.is_in(&name("puqcloud.com")));
        assert!(vm.is_in(&name("com")));
        assert!(vm.is_in(&name("vm.puqcloud.com")));
        assert!(!vm.is_below(&name("vm.puqcloud.com")));
        assert!(!vm.is_in(&name("uq.com")));
        assert!(!vm.is_in(&name("cloud.com")));
        assert!(!vm.is_in(&name("example.com")));
        assert!(!name("puqcloud.com").is_in(&vm));
    }

    #[test]
    fn relative_names() {
        let zone = name("example.com");
        assert_eq!(name("example.com").relative_to(&zone), Some("@"));
        assert_eq!(name("a.b.example.com").relative_to(&zone), Some("a.b"));
        assert_eq!(name("a.example.org").relative_to(&zone), None);
    }

    #[test]
    fn long_garbage_is_shortened_in_messages() {
        let garbage = format!("{} x", "y".repeat(500));
        let message = DnsName::parse(&garbage)
            .map_err(|e| e.to_string())
            .err()
            .unwrap_or_default();
        assert!(message.len() < 150, "{message}");
        assert!(message.contains('…'));
    }
}
