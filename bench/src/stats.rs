//! How a run read and wrote each zone, as the engine reports it
//! (`SyncReport::zones` in Rust, `stats` in a PHP result): which way it
//! read (`names` or `zone`), the read's requests and the write's. The
//! benchmarks hold these against the requests their proxy saw, and
//! against what the read way has to cost, so that a report that
//! under-counts fails as surely as a run that sends too much.

use std::collections::BTreeMap;

use puq_dns_core::sync::ZoneStats;
use serde_json::Value as Json;

use crate::scenario::{DOMAIN, REV4_16, REV4_24, REV6};
use crate::Res;

/// One zone's read and write in one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneCount {
    pub zone: String,
    /// `names` (one request per name) or `zone` (the whole zone).
    pub read: String,
    /// Requests of the read, retries included.
    pub read_requests: u64,
    pub write_requests: u64,
    /// The zone's records, when the read saw the whole zone.
    pub zone_records: Option<u64>,
}

impl ZoneCount {
    pub fn of_stats(stats: &ZoneStats) -> ZoneCount {
        ZoneCount {
            zone: stats.zone.name.clone(),
            read: stats.read.as_str().to_owned(),
            read_requests: u64::from(stats.read_requests),
            write_requests: u64::from(stats.write_requests),
            zone_records: stats.zone_records,
        }
    }

    /// One entry of a PHP result's `stats`.
    pub fn of_json(stats: &Json) -> Res<ZoneCount> {
        let count = |key: &str| {
            stats[key]
                .as_u64()
                .ok_or_else(|| format!("stats entry without a count `{key}`: {stats}"))
        };
        Ok(ZoneCount {
            zone: stats["zone"]
                .as_str()
                .ok_or_else(|| format!("stats entry without `zone`: {stats}"))?
                .to_owned(),
            read: stats["read"]
                .as_str()
                .ok_or_else(|| format!("stats entry without `read`: {stats}"))?
                .to_owned(),
            read_requests: count("read_requests")?,
            write_requests: count("write_requests")?,
            zone_records: stats["zone_records"].as_u64(),
        })
    }

    /// Each zone once, in first-seen order. Every VM of a call reports the
    /// zones it had sets in, and the engine says they share the zone's
    /// read and write: copies that differ are an error.
    pub fn merge(what: &str, all: impl IntoIterator<Item = ZoneCount>) -> Res<Vec<ZoneCount>> {
        let mut out: Vec<ZoneCount> = Vec::new();
        for count in all {
            match out.iter().find(|c| c.zone == count.zone) {
                Some(seen) if *seen != count => {
                    return Err(format!(
                        "{what}: two VMs report zone {} differently: {seen:?} and {count:?}",
                        count.zone
                    )
                    .into())
                }
                Some(_) => {}
                None => out.push(count),
            }
        }
        Ok(out)
    }

    /// `zone (1)`, `names (2)`.
    fn read_label(&self) -> String {
        format!("{} ({})", self.read, self.read_requests)
    }
}

pub fn reads(counts: &[ZoneCount]) -> u64 {
    counts.iter().map(|c| c.read_requests).sum()
}

pub fn writes(counts: &[ZoneCount]) -> u64 {
    counts.iter().map(|c| c.write_requests).sum()
}

/// Zones the engine read whole.
pub fn zone_reads(counts: &[ZoneCount]) -> usize {
    counts.iter().filter(|c| c.read == "zone").count()
}

/// The benchmarks' zones as the tables name them.
pub fn short(zone: &str) -> &str {
    match zone {
        DOMAIN => "fwd",
        REV4_24 => "/24",
        REV4_16 => "/16",
        REV6 => "ip6",
        other => other,
    }
}

/// `fwd names (1) · /24 names (2) · ip6 zone (1)`: each zone's read way
/// and its requests.
pub fn read_column(counts: &[ZoneCount]) -> String {
    counts
        .iter()
        .map(|c| format!("{} {}", short(&c.zone), c.read_label()))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// `fwd 2 (1 zone GET + 1 PATCH) · /24 3 (2 GET by name + 1 PATCH)`:
/// each zone's requests.
pub fn per_zone(counts: &[ZoneCount]) -> String {
    counts
        .iter()
        .map(|c| {
            let read = match (c.read.as_str(), c.read_requests) {
                ("zone", 1) => "1 zone GET".to_owned(),
                ("zone", n) => format!("{n} zone GETs"),
                ("filtered", 1) => "1 search GET".to_owned(),
                ("filtered", n) => format!("{n} search GETs"),
                (_, 1) => "1 GET by name".to_owned(),
                (_, n) => format!("{n} GETs by name"),
            };
            let write = match c.write_requests {
                1 => "1 PATCH".to_owned(),
                n => format!("{n} PATCH"),
            };
            format!(
                "{} {} ({read} + {write})",
                short(&c.zone),
                c.read_requests + c.write_requests
            )
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The most requests any zone took.
pub fn most_per_zone(counts: &[ZoneCount]) -> u64 {
    counts
        .iter()
        .map(|c| c.read_requests + c.write_requests)
        .max()
        .unwrap_or(0)
}

/// What one zone's read and write have to cost, for the read way the
/// engine reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cost {
    pub read: u64,
    pub write: u64,
}

/// Checks that the reported counts are what the read ways cost: per zone
/// one request per distinct name (`names`) or one (`zone`), and one write
/// when `changes` says the zone has something to change; beyond that
/// exactly `retries` (reads, writes) more, the HTTP 5xx answers the engine
/// sent again. `names` holds every zone the VMs have sets in, and no
/// other zone may be reported.
pub fn check_expected(
    what: &str,
    counts: &[ZoneCount],
    names: &BTreeMap<&'static str, usize>,
    changes: &dyn Fn(&str) -> bool,
    retries: (usize, usize),
) -> Res<()> {
    let zones: Vec<&str> = names.keys().copied().collect();
    let cost = |c: &ZoneCount| -> Result<Cost, String> {
        let n = names.get(c.zone.as_str()).copied().unwrap_or(0);
        let read = match c.read.as_str() {
            "names" => n as u64,
            // One request for every name, whatever the way: a zone GET, a
            // search (PowerDNS search-data).
            "zone" | "filtered" => 1,
            other => return Err(format!("zone {} read `{other}`", c.zone)),
        };
        Ok(Cost {
            read,
            write: u64::from(changes(&c.zone)),
        })
    };
    check_costs(what, counts, &zones, &cost, retries)
}

/// Checks that the reported counts are what `cost` says the reported read
/// way and the write take in each zone (an error when the way itself is
/// wrong there), beyond that exactly `retries` (reads, writes) more, the
/// answers the engine had to send again; `zones` are every zone the VMs
/// have sets in, and no other zone may be reported.
pub fn check_costs(
    what: &str,
    counts: &[ZoneCount],
    zones: &[&str],
    cost: &dyn Fn(&ZoneCount) -> Result<Cost, String>,
    (read_retries, write_retries): (usize, usize),
) -> Res<()> {
    let mut problems = Vec::new();
    let (mut read_extra, mut write_extra) = (0u64, 0u64);
    for zone in zones {
        let Some(c) = counts.iter().find(|c| c.zone == *zone) else {
            problems.push(format!("no stats for zone {zone}"));
            continue;
        };
        let want = match cost(c) {
            Ok(want) => want,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        match (
            c.read_requests.checked_sub(want.read),
            c.write_requests.checked_sub(want.write),
        ) {
            (Some(r), Some(w)) => {
                read_extra += r;
                write_extra += w;
            }
            _ => problems.push(format!(
                "zone {zone}: reported {} read and {} write requests, fewer than a {} read ({}) and its write ({}) take",
                c.read_requests, c.write_requests, c.read, want.read, want.write
            )),
        }
    }
    for c in counts {
        if !zones.contains(&c.zone.as_str()) {
            problems.push(format!("stats for zone {} the VMs have no sets in", c.zone));
        }
    }
    if read_extra != read_retries as u64 || write_extra != write_retries as u64 {
        problems.push(format!(
            "{read_extra} read and {write_extra} write requests beyond what the read ways and writes need, \
             against {read_retries} and {write_retries} answers sent again: {}",
            read_column(counts)
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{what}: {}", problems.join("; ")).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(zone: &str, read: &str, reads: u64, writes: u64) -> ZoneCount {
        ZoneCount {
            zone: zone.to_owned(),
            read: read.to_owned(),
            read_requests: reads,
            write_requests: writes,
            zone_records: None,
        }
    }

    fn names() -> BTreeMap<&'static str, usize> {
        BTreeMap::from([(DOMAIN, 1), (REV4_24, 2), (REV6, 32)])
    }

    #[test]
    fn counts_are_what_the_read_ways_and_writes_cost() {
        let counts = [
            count(DOMAIN, "names", 1, 1),
            count(REV4_24, "names", 2, 1),
            count(REV6, "zone", 1, 1),
        ];
        assert!(check_expected("t", &counts, &names(), &|_| true, (0, 0)).is_ok());
        // Writes reported where nothing was to change.
        assert!(check_expected("t", &counts, &names(), &|_| false, (0, 0)).is_err());
        assert_eq!(
            read_column(&counts),
            "fwd names (1) · /24 names (2) · ip6 zone (1)"
        );
        assert_eq!(most_per_zone(&counts), 3);
    }

    #[test]
    fn extra_requests_must_be_the_retried_5xx_and_a_missing_zone_fails() {
        let retried = [
            count(DOMAIN, "names", 1, 2),
            count(REV4_24, "names", 3, 1),
            count(REV6, "zone", 1, 1),
        ];
        assert!(check_expected("t", &retried, &names(), &|_| true, (1, 1)).is_ok());
        assert!(check_expected("t", &retried, &names(), &|_| true, (0, 0)).is_err());
        let fewer = [count(DOMAIN, "names", 1, 1), count(REV6, "names", 1, 1)];
        assert!(check_expected("t", &fewer, &names(), &|_| true, (0, 0)).is_err());
    }

    #[test]
    fn copies_of_a_zone_must_agree() {
        let a = count(DOMAIN, "zone", 1, 1);
        let merged = ZoneCount::merge("t", [a.clone(), a.clone()]).unwrap();
        assert_eq!(merged, std::slice::from_ref(&a));
        assert!(ZoneCount::merge("t", [a, count(DOMAIN, "zone", 1, 0)]).is_err());
    }
}
