//! PowerDNS's zone-row fields.

use crate::provider::spec::{
    is_user_char, takes_any_row, takes_any_zone, without_api_path, FieldSpec, ProviderSpec, ANY_TTL,
};

/// The server id when a row gives none.
pub const DEFAULT_SERVER_ID: &str = "localhost";

pub const SPEC: ProviderSpec = ProviderSpec {
    name: "powerdns",
    label: "PowerDNS",
    fields: &[
        FieldSpec::url("server_url", "Server URL", server_url)
            .help("The API webserver, e.g. https://pdns.example.com:8081")
            .endpoint(),
        FieldSpec::secret("api_key", "API Key", true).help("The api-key of pdns.conf, sent as X-API-Key."),
        FieldSpec::token(
            "server_id",
            "Server ID",
            is_user_char,
            "a PowerDNS server id is letters, digits, '.', '_' and '-', and does not start with '-'",
        )
        .help("Leave empty for localhost")
        .optional(DEFAULT_SERVER_ID)
        .advanced(),
    ],
    ttl: ANY_TTL,
    refuses_zone: takes_any_zone,
    refuses_row: takes_any_row,
    tls: true,
};

/// The webserver's base, without a pasted `/api/v1`.
fn server_url(url: &str) -> String {
    without_api_path(url, "/api/v1")
}
