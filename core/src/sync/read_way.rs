//! How the engine reads a zone, chosen per zone and per call: the sets at
//! the wanted names (small answers, but one request per name), one
//! filtered listing of them all (one request, when the provider has a
//! filter narrower than the zone), or the whole zone (one request, or one
//! per page, that costs more the bigger the zone), whichever takes fewer
//! round trips and requests for what is known.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use crate::provider::Reads;

/// How a zone was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadWay {
    /// The sets at the wanted names, one request per name.
    Names,
    /// One filtered listing of every wanted name.
    Filtered,
    /// The whole zone, keeping the wanted sets.
    Zone,
}

impl ReadWay {
    pub fn as_str(self) -> &'static str {
        match self {
            ReadWay::Names => "names",
            ReadWay::Filtered => "filtered",
            ReadWay::Zone => "zone",
        }
    }
}

/// How many records take about one round trip of the server's and the
/// wire's time: PowerDNS 4.7 serves a 65,536-record zone (10 MB) in about
/// 0.42 s, eight round trips of 50 ms (PROVIDERS.md).
const RECORDS_PER_ROUND_TRIP: u64 = 8_000;

/// A zone this small comes back in one request well within a round trip
/// (about 150 KB): when its names fit one round too, the zone read is
/// fewer requests for the same wait.
const SMALL_ZONE: u64 = 1_000;

/// Chooses how to read `names` distinct names of a zone with `in_flight`
/// requests at a time, given what the backend `reads`, whether one
/// filtered listing covers the names (`filtered`), and the zone's size
/// when known.
///
/// One name is one request whatever the way. For more, a zone known to
/// be small is one request of a few kilobytes, and so is a filtered
/// listing, in one round trip either way: fewer requests than by name
/// for the same wait. Beyond one round by name, a filtered listing is
/// still one round; without one, a whole-zone read wins when its
/// requests, pages and transfer take fewer round trips; a zone of unknown
/// size is taken to be read in two, so a read that would need three
/// rounds by name reads the zone and learns its size.
pub fn choose(
    names: usize,
    in_flight: usize,
    reads: Reads,
    filtered: bool,
    known_records: Option<u64>,
) -> ReadWay {
    if !reads.by_name {
        return ReadWay::Zone;
    }
    if names < 2 {
        return ReadWay::Names;
    }
    let small = reads.zone.is_some_and(|zone| {
        known_records.is_some_and(|records| {
            records <= SMALL_ZONE && zone.page.is_none_or(|page| records <= u64::from(page))
        })
    });
    if small {
        return ReadWay::Zone;
    }
    if filtered {
        return ReadWay::Filtered;
    }
    let Some(zone) = reads.zone else {
        return ReadWay::Names;
    };
    let in_flight = in_flight.max(1) as u64;
    let name_rounds = (names as u64).div_ceil(in_flight);
    if name_rounds <= 1 {
        return ReadWay::Names;
    }
    let zone_rounds = match known_records {
        None => 2,
        Some(records) => {
            // The first page says how many there are; the rest go in parallel.
            let pages = zone
                .page
                .map_or(1, |page| records.div_ceil(u64::from(page.max(1))).max(1));
            1 + (pages - 1).div_ceil(in_flight) + records / RECORDS_PER_ROUND_TRIP
        }
    };
    // A request of a budgeted provider is worth a round trip's wait: its
    // budget, spent, stops every sync of the token for minutes.
    if zone_rounds < name_rounds || (reads.budgeted && zone_rounds == name_rounds) {
        ReadWay::Zone
    } else {
        ReadWay::Names
    }
}

/// Zone sizes seen by whole-zone reads in this process, by where the zone
/// is (its backend's URL and name): a later sync chooses with them.
static KNOWN_SIZES: LazyLock<Mutex<HashMap<String, u64>>> = LazyLock::new(Mutex::default);

/// The size a whole-zone read of this zone last saw.
pub fn known_size(zone_key: &str) -> Option<u64> {
    KNOWN_SIZES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(zone_key)
        .copied()
}

pub fn remember_size(zone_key: &str, records: u64) {
    KNOWN_SIZES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(zone_key.to_owned(), records);
}

/// A whole-zone read of this zone failed (it timed out, or its answer was
/// refused as too big): later syncs of the process read it by names, as
/// if it were too big to read whole, instead of failing first each time.
pub fn remember_failed(zone_key: &str) {
    remember_size(zone_key, u64::MAX);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ZoneRead;

    const WHOLE: Reads = Reads {
        by_name: true,
        zone: Some(ZoneRead { page: None }),
        budgeted: false,
    };
    const PAGED: Reads = Reads {
        by_name: true,
        zone: Some(ZoneRead { page: Some(5_000) }),
        budgeted: false,
    };

    #[test]
    fn one_round_of_names_gives_way_only_to_a_zone_known_to_be_small() {
        assert_eq!(choose(1, 8, WHOLE, false, Some(10)), ReadWay::Names);
        assert_eq!(choose(8, 8, WHOLE, false, None), ReadWay::Names);
        assert_eq!(choose(2, 8, WHOLE, false, Some(202)), ReadWay::Zone);
        assert_eq!(choose(35, 64, WHOLE, false, Some(200)), ReadWay::Zone);
        assert_eq!(choose(2, 8, WHOLE, false, Some(5_000)), ReadWay::Names);
        // Two pages would be two requests in two rounds.
        let tiny_pages = Reads {
            by_name: true,
            zone: Some(ZoneRead { page: Some(100) }),
            budgeted: false,
        };
        assert_eq!(choose(2, 8, tiny_pages, false, Some(202)), ReadWay::Names);
    }

    #[test]
    fn a_small_or_unknown_zone_is_read_whole_when_names_take_rounds() {
        // 35 names at 8 in flight: 5 rounds; a 200-record zone: 1.
        assert_eq!(choose(35, 8, WHOLE, false, Some(200)), ReadWay::Zone);
        assert_eq!(choose(24, 8, WHOLE, false, None), ReadWay::Zone);
        // Two rounds by name are no worse than an unknown zone.
        assert_eq!(choose(16, 8, WHOLE, false, None), ReadWay::Names);
    }

    #[test]
    fn a_big_zone_is_read_whole_only_for_many_names() {
        // The /16 of 65,536 PTRs: 1 + 8 rounds.
        assert_eq!(choose(35, 8, WHOLE, false, Some(65_536)), ReadWay::Names);
        assert_eq!(choose(300, 8, WHOLE, false, Some(65_536)), ReadWay::Zone);
    }

    #[test]
    fn pages_count_as_requests_in_parallel() {
        // 65,536 records in pages of 5,000: 14 pages, 1 + 2 rounds + 8.
        assert_eq!(choose(80, 8, PAGED, false, Some(65_536)), ReadWay::Names);
        assert_eq!(choose(100, 8, PAGED, false, Some(65_536)), ReadWay::Zone);
    }

    #[test]
    fn a_budgeted_provider_takes_the_zone_read_when_it_is_as_quick() {
        let budgeted = Reads {
            budgeted: true,
            ..PAGED
        };
        // 100 names at 64 in flight: two rounds, as an unknown zone.
        assert_eq!(choose(100, 64, PAGED, false, None), ReadWay::Names);
        assert_eq!(choose(100, 64, budgeted, false, None), ReadWay::Zone);
        // Still never for a zone that takes longer.
        assert_eq!(
            choose(100, 64, budgeted, false, Some(65_536)),
            ReadWay::Names
        );
    }

    #[test]
    fn a_filtered_listing_serves_several_names_unless_the_zone_is_known_small() {
        assert_eq!(choose(2, 8, WHOLE, true, None), ReadWay::Filtered);
        assert_eq!(choose(32, 8, WHOLE, true, Some(65_536)), ReadWay::Filtered);
        assert_eq!(
            choose(300, 8, Reads::BY_NAME, true, None),
            ReadWay::Filtered
        );
        // One name is one request either way.
        assert_eq!(choose(1, 8, WHOLE, true, None), ReadWay::Names);
        // A small zone is as quick, as few requests, and its size is learned.
        assert_eq!(choose(2, 8, WHOLE, true, Some(202)), ReadWay::Zone);
    }

    #[test]
    fn a_backend_without_name_reads_reads_the_zone_and_one_without_zone_reads_by_name() {
        let listing = Reads {
            by_name: false,
            zone: None,
            budgeted: false,
        };
        assert_eq!(choose(1, 8, listing, false, None), ReadWay::Zone);
        assert_eq!(choose(300, 8, Reads::BY_NAME, false, None), ReadWay::Names);
    }

    #[test]
    fn a_zone_whose_read_failed_is_read_by_names() {
        let key = "https://pdns.test/api/v1/servers/localhost/zones/failed.test.";
        assert_eq!(choose(300, 8, WHOLE, false, known_size(key)), ReadWay::Zone);
        remember_failed(key);
        assert_eq!(
            choose(300, 8, WHOLE, false, known_size(key)),
            ReadWay::Names
        );
        assert_eq!(
            choose(300, 8, PAGED, false, known_size(key)),
            ReadWay::Names
        );
    }

    #[test]
    fn sizes_are_remembered_by_zone() {
        let key = "https://pdns.test/api/v1/servers/localhost/zones/remembered.test.";
        assert_eq!(known_size(key), None);
        remember_size(key, 42);
        assert_eq!(known_size(key), Some(42));
        assert_eq!(known_size("another"), None);
    }
}
