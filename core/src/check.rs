//! `DnsZoneManager::test()`: a live check of one zone.

use std::time::Instant;

use crate::http::Transport;
use crate::options::SyncOptions;
use crate::provider::Client;
use crate::redact::clean_error;
use crate::value::Array;
use crate::zone::Zone;

/// Checks that the zone's provider is reachable, accepts the credentials and
/// holds a zone of the configured name. Never fails: the outcome is the
/// array `['ok', 'id', 'zone', 'type', 'message', 'ms']`.
pub async fn test_zone(zone: &Zone, options: &SyncOptions) -> Array {
    let started = Instant::now();
    let client = Client::connect(&zone.target(), &Transport::new(options));
    let outcome = client.test().await.outcome;
    let secret = zone.secret().expose();
    let (ok, message) = match outcome {
        Ok(found) => (true, found),
        Err(e) => (false, clean_error(&e.to_string(), &[secret])),
    };
    Array::new()
        .with("ok", ok)
        .with("id", zone.id.to_value())
        .with("zone", zone.name.as_str())
        .with("type", zone.provider_type().as_str())
        .with("message", message)
        .with(
            "ms",
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        )
}
