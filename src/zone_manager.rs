//! `PuqDns\DnsZoneManager`: the zones page's and the module's view of zones.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
use puq_dns_core::check::test_zone;
use puq_dns_core::sync::SyncOptions;
use puq_dns_core::zone::{mask, merge};
use puq_dns_core::{zone_set, ConfigError, Id, Value, Zone, ZoneSet, KEEP};

use crate::convert::{array_from_php, array_to_php, value_from_php};
use crate::exceptions::config_exception;
use crate::runtime::block_on;

/// Validates, normalises, masks, matches and tests DNS zone rows.
#[php_class]
#[php(name = "PuqDns\\DnsZoneManager")]
pub struct DnsZoneManager {
    zones: ZoneSet,
}

fn read_zone(zone: &ZendHashTable, what: &str) -> PhpResult<Zone> {
    let row = array_from_php(zone, what).map_err(config_exception)?;
    Zone::from_row(&Value::Array(row), None).map_err(|e| config_exception(e.into()))
}

/// `timeout`, `connect_timeout` and `retries` as DnsSync takes them, over
/// the test's own defaults (10 s, 5 s, one retry).
fn test_options(options: Option<&ZendHashTable>) -> PhpResult<SyncOptions> {
    let Some(options) = options else {
        return Ok(SyncOptions::for_zone_test());
    };
    let options = array_from_php(options, "options").map_err(config_exception)?;
    SyncOptions::for_zone_test()
        .with_array(&options)
        .map_err(|e| config_exception(e.into()))
}

#[php_impl]
impl DnsZoneManager {
    /// The sentinel that stands in for a stored secret in anything sent to a browser.
    const KEEP: &'static str = KEEP;

    /// Validates and normalises every zone row.
    ///
    /// @throws ConfigException listing every problem of every row
    pub fn __construct(zones: &ZendHashTable) -> PhpResult<Self> {
        let rows = array_from_php(zones, "zones").map_err(config_exception)?;
        let zones = ZoneSet::from_rows(&Value::Array(rows)).map_err(config_exception)?;
        Ok(Self { zones })
    }

    /// One row, validated and normalised.
    ///
    /// @throws ConfigException naming the zone, every bad field and why
    pub fn normalize(zone: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
        Ok(array_to_php(read_zone(zone, "zone")?.to_row()))
    }

    /// Every zone, normalised, with secrets replaced by KEEP, plus its `kind`
    /// (`forward`, `reverse4`, `reverse6`) and, for reverse zones, the `range`
    /// of addresses it covers.
    pub fn list(&self) -> ZBox<ZendHashTable> {
        array_to_php(self.zones.listed())
    }

    /// One row with its secrets replaced by KEEP. Does not validate, so even a
    /// broken stored row can be shown without its secrets.
    pub fn mask(zone: &ZendHashTable) -> PhpResult<ZBox<ZendHashTable>> {
        let row = array_from_php(zone, "zone").map_err(config_exception)?;
        Ok(array_to_php(mask(&row)))
    }

    /// The row to save after an edit form: a secret that is missing, empty or
    /// KEEP keeps its stored value, any other value replaces it; then normalised.
    ///
    /// @throws ConfigException when the merged row is not valid
    pub fn merge(
        stored: &ZendHashTable,
        submitted: &ZendHashTable,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let stored = array_from_php(stored, "stored").map_err(config_exception)?;
        let submitted = array_from_php(submitted, "submitted").map_err(config_exception)?;
        let zone = merge(&Value::Array(stored), &Value::Array(submitted))
            .map_err(|e| config_exception(e.into()))?;
        Ok(array_to_php(zone.to_row()))
    }

    /// Live check of the configured zone with this id (int or string):
    /// `['ok' => bool, 'id', 'zone', 'type', 'message' => string, 'ms' => int]`.
    /// `$options` takes `timeout` (10 s), `connect_timeout` (5 s) and
    /// `retries` (1) as DnsSync does.
    ///
    /// @throws ConfigException when no zone has that id, or for a bad option
    #[php(optional = options)]
    pub fn test(
        &self,
        id: &Zval,
        options: Option<&ZendHashTable>,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let id = value_from_php(id, "id")
            .ok()
            .as_ref()
            .and_then(Id::from_value)
            .ok_or_else(|| {
                config_exception(ConfigError::Input(
                    "id must be an int or a non-empty string".into(),
                ))
            })?;
        let options = test_options(options)?;
        let zone = self
            .zones
            .find(&id)
            .ok_or_else(|| config_exception(ConfigError::UnknownZone(id.to_string())))?;
        Ok(array_to_php(block_on(test_zone(zone, &options))?))
    }

    /// The same live check for a row that is not saved yet.
    ///
    /// @throws ConfigException when the row or an option is not valid
    #[php(optional = options)]
    pub fn test_zone(
        zone: &ZendHashTable,
        options: Option<&ZendHashTable>,
    ) -> PhpResult<ZBox<ZendHashTable>> {
        let zone = read_zone(zone, "zone")?;
        let options = test_options(options)?;
        Ok(array_to_php(block_on(test_zone(&zone, &options))?))
    }

    /// Ids of every zone the DNS name falls in, as given in the rows. Case and
    /// a trailing dot are ignored; an IP address stands for its reverse name.
    ///
    /// @throws ConfigException when the name is not a DNS name
    #[php(name = "match")]
    pub fn match_name(&self, name: &str) -> PhpResult<ZBox<ZendHashTable>> {
        let matching = self.zones.matching(name).map_err(config_exception)?;
        Ok(array_to_php(puq_dns_core::Array::list(
            matching.into_iter().map(|z| z.id.to_value()),
        )))
    }

    /// Every provider a zone row may name, as the zones page, the module's
    /// schema and its admin API render it: `[['type', 'label', 'tls' (whether
    /// verify_tls and ca_cert apply), 'fields' => [['name', 'label', 'kind'
    /// (text, url, secret, choice, flag), 'secret', 'required', 'default',
    /// 'help', 'advanced', 'endpoint', 'options' (a choice's values, else
    /// null)], …]], …]`, in the order the zones page offers them.
    pub fn providers() -> ZBox<ZendHashTable> {
        array_to_php(puq_dns_core::Array::list(
            puq_dns_core::provider::REGISTRY
                .iter()
                .map(|r| r.spec.to_value()),
        ))
    }

    /// `2.0.168.192.in-addr.arpa`, or the 32-nibble `ip6.arpa` name.
    ///
    /// @throws ConfigException when the text is not a usable address
    pub fn reverse_name(ip: &str) -> PhpResult<String> {
        zone_set::reverse_name_of(ip)
            .map(|n| n.to_string())
            .map_err(config_exception)
    }
}
