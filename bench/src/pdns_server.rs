//! The PowerDNS benchmarks' server (`powerdns` and `scale`): a private
//! PowerDNS with its zones filled, the delaying proxy in front of its API,
//! and what each zone costs the server itself, measured directly.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use puq_dns_core::{Array, Value, ZoneSet};

use crate::pdns::{self, replace, Backend, PowerDns};
use crate::proxy::{Protocol, Proxy};
use crate::report::{median, ms};
use crate::scenario::{fillers, FILLER, FILLER_16_FULL, REV4_16};
use crate::Res;

/// Rrsets per PATCH when filling zones.
pub const FILL_CHUNK: usize = 4096;

/// Fillers per zone: the /16 has every address.
pub fn filler_count(zone: &str) -> usize {
    if zone == REV4_16 {
        FILLER_16_FULL
    } else {
        FILLER
    }
}

/// What PowerDNS itself takes in a zone, measured without the proxy.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cost {
    /// One filtered GET (one name), median of 7.
    pub get: Duration,
    /// One PATCH replacing one rrset, median of 6.
    pub patch: Duration,
    /// One unfiltered GET of the whole zone, read to its end, median of 3.
    pub full_get: Duration,
    /// Its size in bytes.
    pub full_bytes: usize,
}

/// A private PowerDNS with its zones filled, the proxy in front of it, and
/// what its zones cost the server.
pub struct Server {
    pub pdns: PowerDns,
    pub proxy: Proxy,
    /// Per zone, in the order they were filled.
    pub costs: Vec<(&'static str, Cost)>,
    /// Per zone, the fillers and how long filling them took.
    pub fills: HashMap<&'static str, (usize, Duration)>,
    pub version: String,
    /// The listen backlog of PowerDNS's API socket, as `ss` shows it.
    pub backlog: Option<u32>,
}

impl Server {
    /// Starts PowerDNS (sqlite backend), puts the proxy in front of it with
    /// `delay`, fills `zones` and measures them; `label` prefixes what it
    /// prints.
    pub async fn start(label: &str, zones: &[&'static str], delay: Duration) -> Res<Server> {
        Server::start_with(label, zones, delay, Backend::Sqlite).await
    }

    /// [`Server::start`] with `backend`: [`Backend::Mysql`] for a server
    /// that takes concurrent PATCHes to different zones.
    pub async fn start_with(
        label: &str,
        zones: &[&'static str],
        delay: Duration,
        backend: Backend,
    ) -> Res<Server> {
        match backend {
            Backend::Sqlite => println!("{label}: starting PowerDNS"),
            Backend::Mysql => println!("{label}: starting PowerDNS (gmysql on a private MariaDB)"),
        }
        let pdns = PowerDns::start_with(backend)?;
        let upstream = pdns.upstream()?;
        let proxy = Proxy::start(upstream, delay, Protocol::Http).await?;
        let version = pdns.version().await?;
        let backlog = pdns::listen_backlog(upstream.port());
        let mut fills = HashMap::new();
        for zone in zones {
            let fill = fillers(zone, filler_count(zone));
            let took = pdns.fill(zone, &fill, FILL_CHUNK).await?;
            println!(
                "  zone {zone}: {} filler records in {} ms",
                fill.len(),
                took.as_millis()
            );
            fills.insert(*zone, (fill.len(), took));
        }
        let mut costs = Vec::new();
        for zone in zones {
            let cost = server_cost(&pdns, zone).await?;
            println!(
                "  server cost in {zone}: filtered GET {:.1} ms, PATCH {:.1} ms, whole-zone GET {:.1} ms ({:.2} MB)",
                ms(cost.get),
                ms(cost.patch),
                ms(cost.full_get),
                cost.full_bytes as f64 / 1e6
            );
            costs.push((*zone, cost));
        }
        Ok(Server {
            pdns,
            proxy,
            costs,
            fills,
            version,
            backlog,
        })
    }

    pub fn cost(&self, zone: &str) -> Cost {
        self.costs
            .iter()
            .find(|(z, _)| *z == zone)
            .map(|(_, c)| *c)
            .unwrap_or_default()
    }

    /// Zone rows for the zones, pointing at the proxy.
    pub fn rows(&self, zones: &[&str]) -> Vec<Value> {
        zones
            .iter()
            .zip(1..)
            .map(|(zone, id)| self.pdns.row(id, zone, &self.proxy.url()))
            .collect()
    }

    /// The same rows as the engine takes them.
    pub fn zone_set(&self, zones: &[&str]) -> Res<ZoneSet> {
        Ok(
            ZoneSet::from_rows(&Value::Array(Array::list(self.rows(zones))))
                .map_err(|e| format!("zone rows: {e}"))?,
        )
    }
}

async fn server_cost(pdns: &PowerDns, zone: &'static str) -> Res<Cost> {
    let probe = fillers(zone, 1)
        .into_iter()
        .next()
        .ok_or_else(|| format!("no filler in {zone}"))?;
    let other = if probe.rrtype == "A" {
        "198.51.100.254".to_owned()
    } else {
        "probe.filler.example".to_owned()
    };
    let mut gets = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        pdns.at(zone, &probe.name).await?;
        gets.push(started.elapsed());
    }
    // Alternate between two contents so that each PATCH changes something,
    // and end with the original.
    let mut patches = Vec::new();
    for i in 0..6 {
        let content = if i % 2 == 0 { &other } else { &probe.content };
        let rrset = replace(
            &probe.name,
            probe.rrtype,
            probe.ttl,
            std::slice::from_ref(content),
        );
        patches.push(pdns.patch(zone, vec![rrset]).await?);
    }
    let mut full = Vec::new();
    let mut full_bytes = 0;
    for _ in 0..3 {
        let (took, bytes) = pdns.full_get(zone).await?;
        full.push(took);
        full_bytes = bytes;
    }
    Ok(Cost {
        get: median(gets),
        patch: median(patches),
        full_get: median(full),
        full_bytes,
    })
}
