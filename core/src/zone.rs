//! Zone rows: validation, normalisation, secret masking and the edit-form merge.

use std::net::IpAddr;

use thiserror::Error;

use crate::id::Id;
use crate::name::{shorten, DnsName};
use crate::provider::spec::ANY_TTL;
use crate::provider::{ProviderRow, Target};
use crate::reverse::ZoneKind;
use crate::row::{describe, RowReader, KEEP};
use crate::secret::Secret;
use crate::tls::Tls;
use crate::value::{Array, Value};

pub const DEFAULT_TTL: u32 = 3600;
pub use crate::provider::cloudflare::spec::DEFAULT_API as DEFAULT_CLOUDFLARE_API;
pub use crate::provider::powerdns::spec::DEFAULT_SERVER_ID as DEFAULT_POWERDNS_SERVER_ID;
pub use crate::provider::{is_secret_field, ProviderType};

/// Keys that `list()` adds; accepted back on input and ignored.
const OUTPUT_ONLY_FIELDS: [&str; 2] = ["kind", "range"];
const COMMON_FIELDS: [&str; 6] = ["id", "zone", "type", "ttl", "verify_tls", "ca_cert"];

/// One validated, normalised zone.
#[derive(Clone, Debug, PartialEq)]
pub struct Zone {
    pub id: Id,
    pub name: DnsName,
    pub kind: ZoneKind,
    /// The provider and its fields, as its spec reads them.
    pub provider: ProviderRow,
    pub ttl: u32,
    pub verify_tls: bool,
    /// PEM text of the CA (or the self-signed certificate) to trust.
    pub ca_cert: Option<String>,
    /// Columns the module stores that puq_dns does not know, kept as they
    /// came so that saving a normalised row loses nothing.
    pub extra: Array,
}

/// Everything wrong with one zone row.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("{zone}: {}", problems.join("; "))]
pub struct ZoneRowError {
    /// Which row: `zone 7 (example.com)`, or `zone at index 2` without an id.
    pub zone: String,
    pub problems: Vec<String>,
}

impl Zone {
    /// Validates and normalises one row. `index` is the row's place in the
    /// list it came from, used to name a row that has no usable id.
    pub fn from_row(row: &Value, index: Option<usize>) -> Result<Zone, ZoneRowError> {
        let Value::Array(row) = row else {
            return Err(ZoneRowError {
                zone: row_label(None, None, index),
                problems: vec![format!(
                    "a zone row must be an array, not {}",
                    row.type_name()
                )],
            });
        };
        let mut r = RowReader::new(row);

        let id = match r.present("id") {
            None => {
                r.problem("id is required");
                None
            }
            Some(v) => {
                let id = Id::from_value(v);
                if id.is_none() {
                    r.problem(format!(
                        "id must be an int or a string, not {}",
                        describe(v)
                    ));
                }
                id
            }
        };

        let zone_text = r.text("zone", true);
        let name = zone_text
            .as_deref()
            .and_then(|text| match DnsName::parse(text) {
                Ok(name) => Some(name),
                Err(e) => {
                    r.problem(format!("zone {e}"));
                    None
                }
            });
        let kind = name.as_ref().and_then(|name| match ZoneKind::of(name) {
            Ok(kind) => Some(kind),
            Err(e) => {
                r.problem(format!("zone {e}"));
                None
            }
        });

        let provider_type = match r.text("type", true) {
            None => None,
            Some(text) => {
                let parsed = ProviderType::parse(&text);
                if parsed.is_none() {
                    let known: Vec<&str> = ProviderType::all().map(ProviderType::as_str).collect();
                    r.problem(format!(
                        "type {:?} is not one of {}",
                        shorten(&text),
                        known.join(", ")
                    ));
                }
                parsed
            }
        };

        let spec = provider_type.map(ProviderType::spec);
        let provider = spec.and_then(|spec| spec.read(&mut r));
        if let (Some(spec), Some(name)) = (spec, &name) {
            if let Some(refusal) = (spec.refuses_zone)(name) {
                r.problem(refusal);
            }
        }
        let ttl = match spec {
            Some(spec) => spec.read_ttl(&mut r),
            None => r.number("ttl", ANY_TTL.min, ANY_TTL.max),
        };
        let verify_tls = r.flag("verify_tls").unwrap_or(true);
        let ca_cert = read_ca_cert(&mut r);

        let extra: Array = row
            .iter()
            .filter(|(k, _)| !is_known_field(&k.to_string()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();

        let label = row_label(id.as_ref(), name.as_ref(), index);
        let problems = r.into_problems();
        match (id, name, kind, provider) {
            (Some(id), Some(name), Some(kind), Some(provider)) if problems.is_empty() => Ok(Zone {
                id,
                name,
                kind,
                provider,
                ttl: ttl
                    .and_then(|t| u32::try_from(t).ok())
                    .unwrap_or(DEFAULT_TTL),
                verify_tls,
                ca_cert,
                extra,
            }),
            _ => Err(ZoneRowError {
                zone: label,
                problems,
            }),
        }
    }

    pub fn provider_type(&self) -> ProviderType {
        ProviderType::of(self.provider.spec())
    }

    /// The zone's credential, to scrub from anything a provider echoes.
    pub fn secret(&self) -> &Secret {
        self.provider.secret()
    }

    /// The zone as its provider's backend sees it.
    pub fn target(&self) -> Target<'_> {
        Target {
            name: &self.name,
            row: &self.provider,
            tls: Tls {
                verify: self.verify_tls,
                ca_cert: self.ca_cert.as_deref(),
            },
        }
    }

    /// The normalised row, secrets included, ready to be stored.
    pub fn to_row(&self) -> Array {
        let mut row = Array::new()
            .with("id", self.id.to_value())
            .with("zone", self.name.as_str())
            .with("type", self.provider_type().as_str());
        self.provider.write(&mut row);
        row.insert("ttl", self.ttl);
        row.insert("verify_tls", self.verify_tls);
        row.insert("ca_cert", self.ca_cert.as_deref());
        for (k, v) in self.extra.iter() {
            row.insert(k.clone(), v.clone());
        }
        row
    }

    /// The normalised row with every secret replaced by [`KEEP`].
    pub fn to_masked_row(&self) -> Array {
        mask(&self.to_row())
    }

    /// The row as `DnsZoneManager::list()` shows it: masked, with the zone's
    /// kind and, for reverse zones, the addresses it covers.
    pub fn to_listed_row(&self) -> Array {
        self.to_masked_row()
            .with("kind", self.kind.as_str())
            .with("range", self.kind.range().map(|r| r.to_string()))
    }

    /// Whether a DNS name falls in this zone, on label boundaries; a
    /// classless zone also takes the ordinary reverse names of its range.
    pub fn holds_name(&self, name: &DnsName) -> bool {
        match &self.kind {
            ZoneKind::Reverse4(z) => z.holds_name(&self.name, name),
            ZoneKind::Forward | ZoneKind::Reverse6(_) => name.is_in(&self.name),
        }
    }

    /// The name of an address's PTR in this zone, `None` if it does not take it.
    pub fn ptr_name(&self, ip: IpAddr) -> Option<DnsName> {
        match (&self.kind, ip) {
            (ZoneKind::Reverse4(z), IpAddr::V4(v4)) => z.record_name(&self.name, v4),
            (ZoneKind::Reverse6(z), IpAddr::V6(v6)) if z.contains(v6) => {
                Some(crate::reverse::reverse_name(ip))
            }
            _ => None,
        }
    }

    /// Whether the zone takes the VM's A/AAAA records at `fqdn`.
    pub fn holds_forward(&self, fqdn: &DnsName) -> bool {
        matches!(self.kind, ZoneKind::Forward) && fqdn.is_in(&self.name)
    }

    /// `zone 7 (example.com)`, for messages.
    pub fn label(&self) -> String {
        row_label(Some(&self.id), Some(&self.name), None)
    }
}

fn row_label(id: Option<&Id>, name: Option<&DnsName>, index: Option<usize>) -> String {
    let head = match (id, index) {
        (Some(id), _) => format!("zone {id}"),
        (None, Some(i)) => format!("zone at index {i}"),
        (None, None) => "zone row".to_owned(),
    };
    match name {
        Some(name) => format!("{head} ({name})"),
        None => head,
    }
}

fn is_known_field(key: &str) -> bool {
    COMMON_FIELDS.contains(&key)
        || OUTPUT_ONLY_FIELDS.contains(&key)
        || crate::provider::is_provider_field(key)
}

fn read_ca_cert(r: &mut RowReader<'_>) -> Option<String> {
    let text = r.text("ca_cert", false)?;
    if !text.contains("-----BEGIN CERTIFICATE-----") || !text.contains("-----END CERTIFICATE-----")
    {
        let looks_like_path = !text.contains('\n')
            && (text.starts_with('/') || text.ends_with(".pem") || text.ends_with(".crt"));
        r.problem(if looks_like_path {
            "ca_cert must be the PEM text of a certificate, not a file path".to_owned()
        } else {
            "ca_cert must be PEM text with a -----BEGIN CERTIFICATE----- block".to_owned()
        });
        return None;
    }
    Some(text)
}

/// A row with every secret replaced by [`KEEP`]. Works on any row, valid or
/// not, so that even a broken stored row can be shown without its secrets.
pub fn mask(row: &Array) -> Array {
    row.iter()
        .map(|(k, v)| {
            let secret = matches!(k, crate::value::Key::Str(s) if is_secret_field(s));
            let stored = !matches!(v, Value::Null) && !matches!(v, Value::Str(s) if s.is_empty());
            let v = if secret && stored {
                Value::from(KEEP)
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}

/// The row to save after an edit form. Fields the form did not send keep
/// their stored values; a secret that is missing, empty or [`KEEP`] keeps
/// its stored value, any other value replaces it. The result is validated.
pub fn merge(stored: &Value, submitted: &Value) -> Result<Zone, ZoneRowError> {
    let (Value::Array(stored_row), Value::Array(submitted_row)) = (stored, submitted) else {
        let which = if stored.as_array().is_none() {
            "stored"
        } else {
            "submitted"
        };
        return Err(ZoneRowError {
            zone: "zone row".to_owned(),
            problems: vec![format!("the {which} zone must be an array")],
        });
    };
    let stored_id = stored_row.get("id").and_then(Id::from_value);
    let submitted_id = submitted_row.get("id").and_then(Id::from_value);
    if let (Some(a), Some(b)) = (&stored_id, &submitted_id) {
        if a != b {
            return Err(ZoneRowError {
                zone: format!("zone {a}"),
                problems: vec![format!(
                    "the submitted id {b} is not the stored zone's id {a}"
                )],
            });
        }
    }

    let mut merged = stored_row.clone();
    for (key, value) in submitted_row.iter() {
        let is_secret = matches!(key, crate::value::Key::Str(s) if is_secret_field(s));
        if is_secret && keeps_stored(Some(value)) {
            continue;
        }
        merged.insert(key.clone(), value.clone());
    }
    let zone = Zone::from_row(&Value::Array(merged), None)?;

    // A credential kept from storage is only ever sent where it was saved
    // for. Otherwise whoever can submit the form (a stolen admin session, a
    // compromised browser) could point the zone at a host of theirs, or
    // drop the certificate check, press Test and receive the key that
    // masking exists to hide. Whether the form kept it decides, never a
    // comparison of values: a stored secret with a stray newline must not
    // slip past.
    let secret_field = zone.provider_type().secret_field();
    let stored_secret = stored_row
        .get(secret_field)
        .is_some_and(|v| !keeps_stored(Some(v)));
    if stored_secret && keeps_stored(submitted_row.get(secret_field)) {
        let changed = Endpoint::of_row(stored_row).changes_to(&Endpoint::of_row(&zone.to_row()));
        if !changed.is_empty() {
            return Err(ZoneRowError {
                zone: zone.label(),
                problems: vec![format!(
                    "{secret_field} must be entered again because {} changed; a stored credential is only sent to the server it was saved for",
                    changed.join(" and ")
                )],
            });
        }
    }
    Ok(zone)
}

/// Whether a submitted secret field means "keep the stored one": missing,
/// null, blank or [`KEEP`].
fn keeps_stored(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::Str(s)) => s.trim().is_empty() || s.trim() == KEEP,
        Some(_) => false,
    }
}

/// Where a zone's credential goes and how that server is trusted: what an
/// edit may not change while it keeps the stored credential.
#[derive(Debug, PartialEq, Eq)]
struct Endpoint {
    provider: String,
    url: String,
    verify_tls: bool,
    ca_cert: Option<String>,
}

impl Endpoint {
    /// Read field by field, without validating the row: a stored row may be
    /// one the extension would refuse today, and it still has an endpoint.
    fn of_row(row: &Array) -> Self {
        let mut r = RowReader::new(row);
        let type_text = r.text("type", false).unwrap_or_default();
        let provider = ProviderType::parse(&type_text);
        let url = match provider.and_then(|p| p.spec().endpoint_field()) {
            None => String::new(),
            Some(field) => match r.text(field.name, false) {
                None => field.default.unwrap_or_default().to_owned(),
                Some(text) => provider.map_or(text.clone(), |p| p.spec().normal_endpoint(&text)),
            },
        };
        Self {
            provider: provider.map_or(type_text.to_ascii_lowercase(), |p| p.as_str().to_owned()),
            url,
            verify_tls: r.flag("verify_tls").unwrap_or(true),
            ca_cert: r.text("ca_cert", false),
        }
    }

    /// The fields whose change sends the credential somewhere new: another
    /// provider or URL, the certificate check turned off, another trusted
    /// certificate. Turning the check on is no such change.
    fn changes_to(&self, new: &Endpoint) -> Vec<&'static str> {
        let url_field =
            ProviderType::parse(&new.provider).map_or("server_url", ProviderType::url_field);
        [
            (self.provider != new.provider, "type"),
            (
                self.provider == new.provider && self.url != new.url,
                url_field,
            ),
            (self.verify_tls && !new.verify_tls, "verify_tls"),
            (self.ca_cert != new.ca_cert, "ca_cert"),
        ]
        .into_iter()
        .filter_map(|(changed, field)| changed.then_some(field))
        .collect()
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fuzz_regressions {
    use super::*;

    fn server_url(provider: &str, url: &str) -> String {
        let row = Array::new()
            .with("id", 1i64)
            .with("zone", "example.com")
            .with("type", provider)
            .with("server_url", url)
            .with("api_key", "key-1")
            .with("admin_user", "admin")
            .with("admin_password", "pw-1")
            .with("user", "admin");
        let zone = Zone::from_row(&Value::Array(row), None).unwrap();
        let normal = zone.to_row();
        let again = Zone::from_row(&Value::Array(normal.clone()), None).unwrap();
        assert_eq!(again.to_row(), normal, "normalising {url:?} twice");
        normal
            .get("server_url")
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned()
    }

    // Found by fuzz/fuzz_targets/zone_row.rs: the API suffix was stripped
    // from the URL text, once, so a host named `api` lost its host and a
    // repeated suffix changed the URL each time the row was saved.
    #[test]
    fn api_paths_are_stripped_from_the_path_only_and_to_a_fixed_point() {
        assert_eq!(server_url("hestiacp", "https://api"), "https://api/");
        assert_eq!(server_url("hestiacp", "http://api:80"), "http://api/");
        assert_eq!(
            server_url("hestiacp", "https://api:8083/api/"),
            "https://api:8083/"
        );
        assert_eq!(
            server_url("hestiacp", "http://PANEL.Example.com:80/api/api/./"),
            "http://panel.example.com/"
        );
        assert_eq!(
            server_url("hestiacp", "https://x/hestia/api"),
            "https://x/hestia/"
        );
        assert_eq!(server_url("powerdns", "http://api/v1"), "http://api/v1");
        assert_eq!(server_url("powerdns", "http://api/api/v1/"), "http://api");
        assert_eq!(
            server_url("powerdns", "https://[::1]:8081/api/v1//api/v1"),
            "https://[::1]:8081"
        );
        assert_eq!(
            server_url("powerdns", "https://x/pdns/api/v1"),
            "https://x/pdns"
        );
    }
}
