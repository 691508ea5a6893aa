//! What a provider's zone row holds: each field's name, label, kind,
//! whether it is required, its default, its help and how it is checked, and
//! the provider's own rules for the zone name and TTL. Every provider writes
//! its own in its folder (`cloudflare/spec.rs`, …) and registers it once in
//! [`super::REGISTRY`]; zone rows are read by these specs, and PHP reads
//! them through `DnsZoneManager::providers()`.
//!
//! Nothing here knows a provider: it is the vocabulary the specs are
//! written in, and the reader of a provider's part of a row.

use std::fmt;

use reqwest::Url;

use crate::name::{shorten, DnsName};
use crate::row::RowReader;
use crate::secret::Secret;
use crate::value::{Array, Value};

/// How a field is entered and kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// Plain text: an id, a user name.
    Text,
    /// An http(s) base URL.
    Url,
    /// A credential: sealed at rest, masked as KEEP, scrubbed from output.
    Secret,
    /// One of a fixed list of values (`options`).
    Choice,
    /// On or off.
    Flag,
}

impl FieldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Url => "url",
            FieldKind::Secret => "secret",
            FieldKind::Choice => "choice",
            FieldKind::Flag => "flag",
        }
    }
}

/// How a field's value is checked and normalised when a row is read.
#[derive(Clone, Copy)]
pub enum Check {
    /// Text of `allowed` characters, never starting with `-`; `what` says
    /// which characters, for the message.
    Token {
        allowed: fn(char) -> bool,
        what: &'static str,
    },
    /// An http(s) base URL without credentials, query or fragment, in the
    /// provider's own normal form.
    BaseUrl { normalise: fn(&str) -> String },
    /// A credential; `header_safe` when it travels in an HTTP header
    /// (visible ASCII only), else any text without control characters.
    Secret { header_safe: bool },
    /// One of `options`, in any case.
    Choice { options: &'static [&'static str] },
    /// True or false, as forms and databases send them.
    Flag,
    /// The provider's own check: the normal form, or why the text is not
    /// usable (said after the field's name).
    Custom {
        check: fn(&str) -> Result<String, String>,
    },
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Check::Token { what, .. } => write!(f, "Token({what})"),
            Check::BaseUrl { .. } => f.write_str("BaseUrl"),
            Check::Secret { header_safe } => write!(f, "Secret(header_safe: {header_safe})"),
            Check::Choice { options } => write!(f, "Choice({options:?})"),
            Check::Flag => f.write_str("Flag"),
            Check::Custom { .. } => f.write_str("Custom"),
        }
    }
}

/// One field of a provider's zone rows.
#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub check: Check,
    pub required: bool,
    /// What an empty field stands for.
    pub default: Option<&'static str>,
    pub help: Option<&'static str>,
    /// Shown under "Advanced" on the zones page: rarely changed.
    pub advanced: bool,
    /// The URL the credential is sent to: changing it needs the secret again.
    pub endpoint: bool,
}

impl FieldSpec {
    /// A required text field of `allowed` characters.
    pub const fn token(
        name: &'static str,
        label: &'static str,
        allowed: fn(char) -> bool,
        what: &'static str,
    ) -> Self {
        Self {
            name,
            label,
            kind: FieldKind::Text,
            check: Check::Token { allowed, what },
            required: true,
            default: None,
            help: None,
            advanced: false,
            endpoint: false,
        }
    }

    /// A required base URL, normalised by `normalise`.
    pub const fn url(
        name: &'static str,
        label: &'static str,
        normalise: fn(&str) -> String,
    ) -> Self {
        Self {
            kind: FieldKind::Url,
            check: Check::BaseUrl { normalise },
            ..Self::token(name, label, any_char, "")
        }
    }

    /// The zone's credential.
    pub const fn secret(name: &'static str, label: &'static str, header_safe: bool) -> Self {
        Self {
            kind: FieldKind::Secret,
            check: Check::Secret { header_safe },
            ..Self::token(name, label, any_char, "")
        }
    }

    /// One of `options`.
    pub const fn choice(
        name: &'static str,
        label: &'static str,
        options: &'static [&'static str],
    ) -> Self {
        Self {
            kind: FieldKind::Choice,
            check: Check::Choice { options },
            ..Self::token(name, label, any_char, "")
        }
    }

    /// On or off; off unless given.
    pub const fn flag(name: &'static str, label: &'static str) -> Self {
        Self {
            kind: FieldKind::Flag,
            check: Check::Flag,
            required: false,
            default: Some("0"),
            ..Self::token(name, label, any_char, "")
        }
    }

    /// Text the provider checks itself.
    pub const fn custom(
        name: &'static str,
        label: &'static str,
        check: fn(&str) -> Result<String, String>,
    ) -> Self {
        Self {
            check: Check::Custom { check },
            ..Self::token(name, label, any_char, "")
        }
    }

    pub const fn help(self, help: &'static str) -> Self {
        Self {
            help: Some(help),
            ..self
        }
    }

    /// Optional, standing for `default` when empty.
    pub const fn optional(self, default: &'static str) -> Self {
        Self {
            required: false,
            default: Some(default),
            ..self
        }
    }

    /// Under "Advanced" on the zones page: rarely changed.
    pub const fn advanced(self) -> Self {
        Self {
            advanced: true,
            ..self
        }
    }

    /// The URL the zone's credential is sent to.
    pub const fn endpoint(self) -> Self {
        Self {
            endpoint: true,
            ..self
        }
    }

    pub fn to_value(&self) -> Value {
        Value::from(
            Array::new()
                .with("name", self.name)
                .with("label", self.label)
                .with("kind", self.kind.as_str())
                .with("secret", self.kind == FieldKind::Secret)
                .with("required", self.required)
                .with("default", self.default)
                .with("help", self.help)
                .with("advanced", self.advanced)
                .with("endpoint", self.endpoint)
                .with(
                    "options",
                    match self.check {
                        Check::Choice { options } => {
                            Value::from(Array::list(options.iter().copied()))
                        }
                        _ => Value::Null,
                    },
                ),
        )
    }

    /// The field's value read from a row: checked, normalised, its default
    /// when an optional field is empty; `None` (with the problem said) when
    /// it is not usable.
    fn read(&self, r: &mut RowReader<'_>) -> Option<FieldValue> {
        if !self.required && r.present(self.name).is_none() {
            let default = self.default.unwrap_or_default();
            return Some(match self.check {
                Check::Flag => FieldValue::Flag(matches!(default, "1" | "true")),
                _ => FieldValue::Text(default.to_owned()),
            });
        }
        match self.check {
            Check::Flag => r.flag(self.name).map(FieldValue::Flag),
            Check::Choice { options } => {
                let text = r.text(self.name, true)?;
                match options.iter().find(|o| o.eq_ignore_ascii_case(&text)) {
                    Some(option) => Some(FieldValue::Text((*option).to_owned())),
                    None => {
                        r.problem(format!(
                            "{} {:?} is not one of {}",
                            self.name,
                            shorten(&text),
                            options.join(", ")
                        ));
                        None
                    }
                }
            }
            Check::Custom { check } => {
                let text = r.text(self.name, true)?;
                match check(&text) {
                    Ok(normal) => Some(FieldValue::Text(normal)),
                    Err(why) => {
                        r.problem(format!("{} {why}", self.name));
                        None
                    }
                }
            }
            Check::Token { allowed, what } => r
                .token(self.name, true, allowed, what)
                .map(FieldValue::Text),
            Check::BaseUrl { normalise } => r
                .text(self.name, true)
                .and_then(|text| base_url(r, self.name, &text))
                .map(|url| FieldValue::Text(normalise(&url))),
            Check::Secret { header_safe } => {
                r.secret(self.name, header_safe).map(FieldValue::Secret)
            }
        }
    }
}

/// A provider as a zone row names it, with its fields in row order and
/// its own rules for a zone's name and TTL.
#[derive(Clone, Copy, Debug)]
pub struct ProviderSpec {
    /// The row's `type`, in lower case.
    pub name: &'static str,
    pub label: &'static str,
    pub fields: &'static [FieldSpec],
    /// TTLs the provider takes, with the message for one it does not.
    pub ttl: TtlRule,
    /// Why the provider cannot hold a zone of this name, if it cannot.
    pub refuses_zone: fn(&DnsName) -> Option<String>,
    /// What is wrong with the fields together, each read well on its own.
    pub refuses_row: fn(&ProviderRow) -> Vec<String>,
    /// Whether it talks over TLS, so that the row's `verify_tls` and
    /// `ca_cert` mean something (the zones page shows them only then).
    pub tls: bool,
}

/// The TTLs a provider takes: `min..=max`, and `also` besides.
#[derive(Clone, Copy, Debug)]
pub struct TtlRule {
    pub min: i64,
    pub max: i64,
    pub also: Option<i64>,
    /// Said for a number in the range the provider still refuses.
    pub refusal: &'static str,
}

/// RFC 2181 §8: TTLs are 31-bit.
pub const ANY_TTL: TtlRule = TtlRule {
    min: 1,
    max: 2_147_483_647,
    also: None,
    refusal: "",
};

/// A provider that can hold any zone name.
pub fn takes_any_zone(_: &DnsName) -> Option<String> {
    None
}

/// A provider whose fields need nothing of each other.
pub fn takes_any_row(_: &ProviderRow) -> Vec<String> {
    Vec::new()
}

impl PartialEq for ProviderSpec {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for ProviderSpec {}

impl ProviderSpec {
    /// The field holding the credential.
    pub fn secret_field(&self) -> &'static str {
        self.fields
            .iter()
            .find(|f| f.kind == FieldKind::Secret)
            .map_or("", |f| f.name)
    }

    /// The field holding the URL the credential goes to.
    pub fn endpoint_field(&self) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.endpoint)
    }

    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// An endpoint URL as this provider normalises it, or the text as it
    /// is when it is not a URL (a stored row may hold anything).
    pub fn normal_endpoint(&self, text: &str) -> String {
        match self.endpoint_field().map(|f| f.check) {
            Some(Check::BaseUrl { normalise }) => match Url::parse(text) {
                Ok(url) => normalise(url.as_str()),
                Err(_) => text.to_owned(),
            },
            Some(Check::Custom { check }) => check(text.trim()).unwrap_or_else(|_| text.to_owned()),
            _ => text.to_owned(),
        }
    }

    /// `DnsZoneManager::providers()`'s entry: type, label, fields.
    pub fn to_value(&self) -> Value {
        Value::from(
            Array::new()
                .with("type", self.name)
                .with("label", self.label)
                .with("tls", self.tls)
                .with(
                    "fields",
                    Array::list(self.fields.iter().map(FieldSpec::to_value)),
                ),
        )
    }

    /// The provider's part of a row, every field checked; `None` when any
    /// is not usable (each problem said to `r`).
    pub(crate) fn read(&'static self, r: &mut RowReader<'_>) -> Option<ProviderRow> {
        let values: Vec<Option<FieldValue>> = self.fields.iter().map(|f| f.read(r)).collect();
        let values = values.into_iter().collect::<Option<Vec<FieldValue>>>()?;
        let row = ProviderRow { spec: self, values };
        let problems = (self.refuses_row)(&row);
        if problems.is_empty() {
            Some(row)
        } else {
            problems.into_iter().for_each(|p| r.problem(p));
            None
        }
    }

    /// A zone TTL read by the provider's rule.
    pub(crate) fn read_ttl(&self, r: &mut RowReader<'_>) -> Option<i64> {
        let rule = self.ttl;
        let low = rule.also.map_or(rule.min, |also| also.min(rule.min));
        let ttl = r.number("ttl", low, rule.max)?;
        if ttl < rule.min && Some(ttl) != rule.also {
            r.problem(format!("ttl {ttl} {}", rule.refusal));
            return None;
        }
        Some(ttl)
    }
}

/// A checked value of a provider field.
#[derive(Clone, PartialEq, Eq)]
pub enum FieldValue {
    Text(String),
    Secret(Secret),
    Flag(bool),
}

impl fmt::Debug for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Text(t) => write!(f, "{t:?}"),
            FieldValue::Secret(s) => write!(f, "{s:?}"),
            FieldValue::Flag(b) => write!(f, "{b}"),
        }
    }
}

/// A zone's provider and its fields, checked and normalised, in the
/// spec's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderRow {
    spec: &'static ProviderSpec,
    values: Vec<FieldValue>,
}

impl ProviderRow {
    pub fn spec(&self) -> &'static ProviderSpec {
        self.spec
    }

    /// A text field's value; empty for a field the provider does not have
    /// (a provider asks only for its own).
    pub fn text(&self, name: &str) -> &str {
        self.value(name)
            .and_then(|v| match v {
                FieldValue::Text(t) => Some(t.as_str()),
                FieldValue::Secret(_) | FieldValue::Flag(_) => None,
            })
            .unwrap_or_default()
    }

    /// A flag field's value; off for a field the provider does not have.
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.value(name), Some(FieldValue::Flag(true)))
    }

    /// The zone's credential, to send and to scrub from anything echoed.
    pub fn secret(&self) -> &Secret {
        static NONE: std::sync::OnceLock<Secret> = std::sync::OnceLock::new();
        self.values
            .iter()
            .find_map(|v| match v {
                FieldValue::Secret(s) => Some(s),
                FieldValue::Text(_) | FieldValue::Flag(_) => None,
            })
            .unwrap_or_else(|| NONE.get_or_init(|| Secret::new("")))
    }

    fn value(&self, name: &str) -> Option<&FieldValue> {
        let at = self.spec.fields.iter().position(|f| f.name == name)?;
        self.values.get(at)
    }

    /// Writes the fields into a normalised row, secrets included.
    pub fn write(&self, row: &mut Array) {
        for (field, value) in self.spec.fields.iter().zip(&self.values) {
            match value {
                FieldValue::Text(t) => row.insert(field.name, t.as_str()),
                FieldValue::Secret(s) => row.insert(field.name, s.expose()),
                FieldValue::Flag(b) => row.insert(field.name, *b),
            }
        }
    }
}

/// A URL from [`base_url`] without trailing slashes and without the API path
/// (`/api`, `/api/v1`) an admin may paste along, however often they repeat,
/// so that a normalised URL normalises to itself. Only the path is looked
/// at: a host named `api` (`http://api/v1`) stays.
pub fn without_api_path(url: &str, api: &str) -> String {
    let host_at = url.find("://").map_or(0, |i| i + 3);
    let path_at = url[host_at..].find('/').map_or(url.len(), |i| host_at + i);
    let (origin, mut path) = url.split_at(path_at);
    loop {
        path = path.trim_end_matches('/');
        match path.strip_suffix(api) {
            Some(rest) => path = rest,
            None => break,
        }
    }
    format!("{origin}{path}")
}

fn any_char(_: char) -> bool {
    true
}

/// Letters, digits, `.`, `_` and `-`: user names and server ids.
pub fn is_user_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// An http(s) base URL without credentials, query or fragment, serialised
/// the way the URL parser normalises it (lower-case host, default port gone).
fn base_url(r: &mut RowReader<'_>, field: &str, text: &str) -> Option<String> {
    let shown = shorten(text);
    let url = match Url::parse(text) {
        Ok(url) => url,
        // Never echo text with an '@': its user part may hold a password.
        Err(e) if text.contains('@') => {
            r.problem(format!("{field} is not a URL ({e})"));
            return None;
        }
        Err(e) => {
            r.problem(format!("{field} {shown:?} is not a URL ({e})"));
            return None;
        }
    };
    let problem = if !url.username().is_empty() || url.password().is_some() {
        // Never echo it: the user part may hold a password.
        r.problem(format!(
            "{field} must not hold a user name or password; put the credential in its own field"
        ));
        return None;
    } else if !matches!(url.scheme(), "http" | "https") {
        Some("must start with http:// or https://")
    } else if url.host_str().is_none_or(str::is_empty) {
        Some("has no host")
    } else if url.query().is_some() || url.fragment().is_some() {
        Some("must not have a query or fragment")
    } else {
        None
    };
    match problem {
        Some(p) => {
            r.problem(format!("{field} {shown:?} {p}"));
            None
        }
        None => Some(url.to_string()),
    }
}
