//! The configured zones as one validated set, and matching names to them.

use crate::error::ConfigError;
use crate::id::Id;
use crate::name::DnsName;
use crate::reverse::{parse_any_ip, parse_ip, reverse_name};
use crate::value::{Array, Value};
use crate::zone::{Zone, ZoneRowError};

/// Every configured zone, validated together.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZoneSet {
    zones: Vec<Zone>,
}

impl ZoneSet {
    /// Validates every row and reports the problems of all rows at once.
    /// Ids must be unique, since `test($id)` and results name zones by id.
    pub fn from_rows(rows: &Value) -> Result<ZoneSet, ConfigError> {
        let Value::Array(rows) = rows else {
            return Err(ConfigError::ZonesNotArray(rows.type_name()));
        };
        let mut zones: Vec<Zone> = Vec::with_capacity(rows.len());
        let mut errors: Vec<ZoneRowError> = Vec::new();
        for (index, row) in rows.values().enumerate() {
            match Zone::from_row(row, Some(index)) {
                Ok(zone) => match zones.iter().find(|z| z.id == zone.id) {
                    Some(first) => errors.push(ZoneRowError {
                        zone: zone.label(),
                        problems: vec![format!(
                            "id {} is already used by {}",
                            zone.id,
                            first.label()
                        )],
                    }),
                    None => zones.push(zone),
                },
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(ZoneSet { zones })
        } else {
            Err(ConfigError::Zones(errors))
        }
    }

    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    pub fn find(&self, id: &Id) -> Option<&Zone> {
        self.zones.iter().find(|z| &z.id == id)
    }

    /// Every zone the name falls in. An IP address stands for its reverse name.
    pub fn matching(&self, name: &str) -> Result<Vec<&Zone>, ConfigError> {
        let trimmed = name.trim();
        if let Ok(ip) = parse_ip(trimmed) {
            return Ok(self
                .zones
                .iter()
                .filter(|z| z.ptr_name(ip).is_some())
                .collect());
        }
        let name = DnsName::parse(trimmed).map_err(ConfigError::Name)?;
        Ok(self.zones.iter().filter(|z| z.holds_name(&name)).collect())
    }

    /// The rows as the zones page shows them: normalised, masked, with kind.
    pub fn listed(&self) -> Array {
        Array::list(self.zones.iter().map(Zone::to_listed_row))
    }
}

/// `DnsZoneManager::reverseName()`: the reverse name of any address. Which
/// addresses a VM may have is the VM's rule ([`parse_ip`]), not the name's:
/// `127.0.0.1` has a reverse name like any other.
pub fn reverse_name_of(ip: &str) -> Result<DnsName, ConfigError> {
    parse_any_ip(ip).map(reverse_name).map_err(ConfigError::Ip)
}
