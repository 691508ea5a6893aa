//! Cloudflare's zone-row fields.

use crate::provider::spec::{takes_any_row, takes_any_zone, FieldSpec, ProviderSpec, TtlRule};

/// The API base when a row gives none.
pub const DEFAULT_API: &str = "https://api.cloudflare.com/client/v4";

pub const SPEC: ProviderSpec = ProviderSpec {
    name: "cloudflare",
    label: "Cloudflare",
    fields: &[
        FieldSpec::token("account_id", "Account ID", is_id_char, ID_CHARS)
            .help("The Account ID on the Cloudflare dashboard."),
        FieldSpec::token("zone_id", "Zone ID", is_id_char, ID_CHARS)
            .help("The 32-character id on the zone's Overview page."),
        FieldSpec::secret("api_token", "API Token", true)
            .help("A token with Zone:DNS:Edit on this zone."),
        FieldSpec::url("api_url", "API URL", api_url)
            .help("Leave empty for https://api.cloudflare.com/client/v4")
            .optional(DEFAULT_API)
            .advanced()
            .endpoint(),
    ],
    // 1 means automatic.
    ttl: TtlRule {
        min: 60,
        max: 86_400,
        also: Some(1),
        refusal: "is not accepted by Cloudflare (1 for automatic, or 60 to 86400)",
    },
    refuses_zone: takes_any_zone,
    refuses_row: takes_any_row,
    tls: true,
};

const ID_CHARS: &str = "a Cloudflare id is letters and digits";

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// The API base without a trailing slash.
fn api_url(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}
