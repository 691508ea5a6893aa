//! HestiaCP's zone-row fields.

use crate::name::DnsName;
use crate::provider::spec::{
    is_user_char, takes_any_row, without_api_path, FieldSpec, ProviderSpec, ANY_TTL,
};

pub const SPEC: ProviderSpec = ProviderSpec {
    name: "hestiacp",
    label: "HestiaCP",
    fields: &[
        FieldSpec::url("server_url", "Server URL", server_url)
            .help("The panel's base, e.g. https://hestia.example.com:8083/")
            .endpoint(),
        FieldSpec::token("admin_user", "Admin User", is_user_char, USER_CHARS),
        // A password may hold spaces; it travels in a form field.
        FieldSpec::secret("admin_password", "Admin Password", false),
        FieldSpec::token("user", "User", is_user_char, USER_CHARS)
            .help("The HestiaCP user that owns the DNS domain."),
    ],
    ttl: ANY_TTL,
    refuses_zone,
    refuses_row: takes_any_row,
    tls: true,
};

const USER_CHARS: &str =
    "a HestiaCP user name is letters, digits, '.', '_' and '-', and does not start with '-'";

/// The panel's base with a trailing slash; the API is `{server_url}api/`.
/// An admin may paste the API address itself.
fn server_url(url: &str) -> String {
    format!("{}/", without_api_path(url, "/api"))
}

/// Hestia keeps a domain in a file named after it.
fn refuses_zone(name: &DnsName) -> Option<String> {
    name.as_str().contains('/').then(|| {
        format!(
            "zone {:?}: HestiaCP cannot hold a domain with '/'; use the 0-63 form of the RFC 2317 name",
            name.as_str()
        )
    })
}
