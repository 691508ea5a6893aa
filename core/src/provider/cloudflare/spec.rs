//! Cloudflare's zone-row fields.

use crate::provider::spec::{FieldSpec, ProviderSpec};

/// The API base when a row gives none.
pub const DEFAULT_API: &str = "https://api.cloudflare.com/client/v4";

pub const SPEC: ProviderSpec = ProviderSpec {
    name: "cloudflare",
    label: "Cloudflare",
    fields: &[
        FieldSpec::text("account_id", "Account ID")
            .help("The Account ID on the Cloudflare dashboard."),
        FieldSpec::text("zone_id", "Zone ID")
            .help("The 32-character id on the zone's Overview page."),
        FieldSpec::secret("api_token", "API Token")
            .help("A token with Zone:DNS:Edit on this zone."),
        FieldSpec::url("api_url", "API URL")
            .help("Leave empty for https://api.cloudflare.com/client/v4")
            .optional(DEFAULT_API)
            .endpoint(),
    ],
};
