//! What a provider's zone row holds, as the zones page, the module's schema
//! and its admin API need to know it: each field's name, label, kind,
//! whether it is required, its default and help. Every provider writes its
//! own in its folder (`cloudflare/spec.rs`, …); [`super::PROVIDERS`] lists
//! them, and PHP reads them through `DnsZoneManager::providers()`.

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
}

impl FieldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Url => "url",
            FieldKind::Secret => "secret",
        }
    }
}

/// One field of a provider's zone rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
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
    /// A required text field.
    pub const fn text(name: &'static str, label: &'static str) -> Self {
        Self {
            name,
            label,
            kind: FieldKind::Text,
            required: true,
            default: None,
            help: None,
            advanced: false,
            endpoint: false,
        }
    }

    pub const fn url(name: &'static str, label: &'static str) -> Self {
        Self {
            kind: FieldKind::Url,
            ..Self::text(name, label)
        }
    }

    pub const fn secret(name: &'static str, label: &'static str) -> Self {
        Self {
            kind: FieldKind::Secret,
            ..Self::text(name, label)
        }
    }

    pub const fn help(self, help: &'static str) -> Self {
        Self {
            help: Some(help),
            ..self
        }
    }

    /// Optional, standing for `default` when empty, and under "Advanced".
    pub const fn optional(self, default: &'static str) -> Self {
        Self {
            required: false,
            default: Some(default),
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
                .with("endpoint", self.endpoint),
        )
    }
}

/// A provider as a zone row names it, with its fields in row order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderSpec {
    /// The row's `type`, in lower case.
    pub name: &'static str,
    pub label: &'static str,
    pub fields: &'static [FieldSpec],
}

impl ProviderSpec {
    /// The field holding the credential.
    pub fn secret_field(&self) -> &'static str {
        self.fields
            .iter()
            .find(|f| f.kind == FieldKind::Secret)
            .map_or("", |f| f.name)
    }

    /// The field holding the URL the credential goes to.
    pub fn endpoint_field(&self) -> &'static str {
        self.fields
            .iter()
            .find(|f| f.endpoint)
            .map_or("", |f| f.name)
    }

    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// `DnsZoneManager::providers()`'s entry: type, label, fields.
    pub fn to_value(&self) -> Value {
        Value::from(
            Array::new()
                .with("type", self.name)
                .with("label", self.label)
                .with(
                    "fields",
                    Array::list(self.fields.iter().map(FieldSpec::to_value)),
                ),
        )
    }
}
