//! HestiaCP's zone-row fields.

use crate::provider::spec::{FieldSpec, ProviderSpec};

pub const SPEC: ProviderSpec = ProviderSpec {
    name: "hestiacp",
    label: "HestiaCP",
    fields: &[
        FieldSpec::url("server_url", "Server URL")
            .help("The panel's base, e.g. https://hestia.example.com:8083/")
            .endpoint(),
        FieldSpec::text("admin_user", "Admin User"),
        FieldSpec::secret("admin_password", "Admin Password"),
        FieldSpec::text("user", "User").help("The HestiaCP user that owns the DNS domain."),
    ],
};
