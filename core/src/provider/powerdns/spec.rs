//! PowerDNS's zone-row fields.

use crate::provider::spec::{FieldSpec, ProviderSpec};

/// The server id when a row gives none.
pub const DEFAULT_SERVER_ID: &str = "localhost";

pub const SPEC: ProviderSpec = ProviderSpec {
    name: "powerdns",
    label: "PowerDNS",
    fields: &[
        FieldSpec::url("server_url", "Server URL")
            .help("The API webserver, e.g. https://pdns.example.com:8081")
            .endpoint(),
        FieldSpec::secret("api_key", "API Key")
            .help("The api-key of pdns.conf, sent as X-API-Key."),
        FieldSpec::text("server_id", "Server ID")
            .help("Leave empty for localhost")
            .optional(DEFAULT_SERVER_ID),
    ],
};
