//! `DnsSync` options.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::row::describe;
use crate::value::{Array, Value};

/// Everything wrong with an options array, each problem named; the
/// caller's `ConfigError::Option`.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct OptionsError(pub String);

/// How hard to try and how much to do at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncOptions {
    /// Bound on one provider request.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Further tries of a request that failed transiently.
    pub retries: u32,
    /// Provider requests in flight at once.
    pub concurrency: usize,
    /// Requests per Cloudflare token in any `cloudflare_rate_window`,
    /// counted across every sync of the process.
    pub cloudflare_rate_limit: usize,
    pub cloudflare_rate_window: Duration,
    /// How often the binding's `heartbeat` callable is called while a call
    /// runs (a cron renews its hold on the VMs with it).
    pub heartbeat_interval: Duration,
    /// Zone sizes the caller kept from earlier results (`stats`'
    /// `zone_records`), by zone id: a new process chooses how to read a
    /// zone as one that has read it before.
    pub zone_records: BTreeMap<String, u64>,
    /// How the engine may read zones.
    pub reads: ReadChoice,
}

/// The `reads` option.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReadChoice {
    /// Per zone, whichever way costs least (`auto`).
    #[default]
    Auto,
    /// Always the sets at the wanted names, one request per name
    /// (`names`): for a server whose searches or whole-zone answers are
    /// not to be relied on, and to compare against.
    Names,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
            retries: 3,
            concurrency: 8,
            // Cloudflare's documented limit: 1200 requests per 5 minutes.
            cloudflare_rate_limit: 1200,
            cloudflare_rate_window: Duration::from_secs(300),
            heartbeat_interval: Duration::from_secs(30),
            zone_records: BTreeMap::new(),
            reads: ReadChoice::Auto,
        }
    }
}

/// Option names, with the callables `on_progress` and `heartbeat` handled
/// by the binding.
pub const OPTION_NAMES: [&str; 11] = [
    "timeout",
    "connect_timeout",
    "retries",
    "concurrency",
    "cloudflare_rate_limit",
    "cloudflare_rate_window",
    "on_progress",
    "heartbeat",
    "heartbeat_interval",
    "zone_records",
    "reads",
];

/// The options whose values are PHP callables: the binding's business.
const CALLABLE_OPTIONS: [&str; 2] = ["on_progress", "heartbeat"];

impl SyncOptions {
    /// The defaults of a zone test (the admin's Test button): an admin is
    /// waiting for the answer, so one retry and a shorter timeout, enough to
    /// ride out a blip but not to keep a page spinning for a minute.
    pub fn for_zone_test() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            retries: 1,
            ..Self::default()
        }
    }

    /// Reads the options array over the defaults.
    pub fn from_array(options: &Array) -> Result<Self, OptionsError> {
        Self::default().with_array(options)
    }

    /// Reads the options array over these options. `on_progress` and
    /// `heartbeat` are the binding's business and are skipped here; any other unknown key is
    /// refused, so a typo such as `timout` does not silently fall back to
    /// the default.
    pub fn with_array(self, options: &Array) -> Result<Self, OptionsError> {
        let mut parsed = self;
        let mut problems = Vec::new();
        for (key, value) in options.iter() {
            let key = key.to_string();
            match key.as_str() {
                "timeout" => match seconds(value, 0.001, 3600.0) {
                    Ok(d) => parsed.timeout = d,
                    Err(e) => problems.push(format!("timeout {e}")),
                },
                "connect_timeout" => match seconds(value, 0.001, 3600.0) {
                    Ok(d) => parsed.connect_timeout = d,
                    Err(e) => problems.push(format!("connect_timeout {e}")),
                },
                "retries" => match whole(value, 0, 10) {
                    Ok(n) => parsed.retries = u32::try_from(n).unwrap_or(0),
                    Err(e) => problems.push(format!("retries {e}")),
                },
                "concurrency" => match whole(value, 1, 64) {
                    Ok(n) => parsed.concurrency = usize::try_from(n).unwrap_or(1),
                    Err(e) => problems.push(format!("concurrency {e}")),
                },
                "cloudflare_rate_limit" => match whole(value, 1, 100_000) {
                    Ok(n) => parsed.cloudflare_rate_limit = usize::try_from(n).unwrap_or(1),
                    Err(e) => problems.push(format!("cloudflare_rate_limit {e}")),
                },
                "cloudflare_rate_window" => match seconds(value, 1.0, 3600.0) {
                    Ok(d) => parsed.cloudflare_rate_window = d,
                    Err(e) => problems.push(format!("cloudflare_rate_window {e}")),
                },
                "heartbeat_interval" => match seconds(value, 0.05, 3600.0) {
                    Ok(d) => parsed.heartbeat_interval = d,
                    Err(e) => problems.push(format!("heartbeat_interval {e}")),
                },
                "zone_records" => match zone_records(value) {
                    Ok(sizes) => parsed.zone_records = sizes,
                    Err(e) => problems.push(e),
                },
                "reads" => match value {
                    Value::Str(s) if s == "auto" => parsed.reads = ReadChoice::Auto,
                    Value::Str(s) if s == "names" => parsed.reads = ReadChoice::Names,
                    other => problems.push(format!(
                        "reads must be \"auto\" or \"names\", not {}",
                        describe(other)
                    )),
                },
                callable if CALLABLE_OPTIONS.contains(&callable) => {}
                other => problems.push(format!(
                    "{other:?} is not known (use {})",
                    OPTION_NAMES.join(", ")
                )),
            }
        }
        if problems.is_empty() {
            Ok(parsed)
        } else {
            Err(OptionsError(problems.join("; ")))
        }
    }
}

fn seconds(value: &Value, min: f64, max: f64) -> Result<Duration, String> {
    let secs = match value {
        Value::Int(n) => *n as f64,
        Value::Float(x) => *x,
        Value::Str(s) => s
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("must be a number of seconds, not {}", describe(value)))?,
        other => {
            return Err(format!(
                "must be a number of seconds, not {}",
                describe(other)
            ))
        }
    };
    if secs.is_finite() && (min..=max).contains(&secs) {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(format!(
            "must be between {min} and {max} seconds, not {}",
            describe(value)
        ))
    }
}

/// `[zone id => records]`, each problem named by its zone.
fn zone_records(value: &Value) -> Result<BTreeMap<String, u64>, String> {
    let Value::Array(sizes) = value else {
        return Err(format!(
            "zone_records must be an array of zone id => records, not {}",
            describe(value)
        ));
    };
    let mut parsed = BTreeMap::new();
    let mut problems = Vec::new();
    for (id, records) in sizes.iter() {
        match whole(records, 0, i64::from(u32::MAX)) {
            Ok(n) => {
                parsed.insert(id.to_string(), u64::try_from(n).unwrap_or(0));
            }
            Err(e) => problems.push(format!("zone_records[{id}] {e}")),
        }
    }
    if problems.is_empty() {
        Ok(parsed)
    } else {
        Err(problems.join("; "))
    }
}

fn whole(value: &Value, min: i64, max: i64) -> Result<i64, String> {
    let n = match value {
        Value::Int(n) => Some(*n),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    };
    match n {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        Some(n) => Err(format!("must be {min} to {max}, not {n}")),
        None => Err(format!("must be a whole number, not {}", describe(value))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_api() {
        let o = SyncOptions::from_array(&Array::new()).unwrap();
        assert_eq!(o, SyncOptions::default());
        assert_eq!(o.timeout, Duration::from_secs(15));
        assert_eq!(o.connect_timeout, Duration::from_secs(5));
        assert_eq!((o.retries, o.concurrency), (3, 8));
        assert_eq!(
            (o.cloudflare_rate_limit, o.cloudflare_rate_window),
            (1200, Duration::from_secs(300))
        );
    }

    #[test]
    fn values_are_read_from_ints_floats_and_strings() {
        let o = SyncOptions::from_array(
            &Array::new()
                .with("timeout", 2.5)
                .with("connect_timeout", "1")
                .with("retries", 0i64)
                .with("concurrency", "4")
                .with("cloudflare_rate_limit", 100i64)
                .with("cloudflare_rate_window", 10i64)
                .with("on_progress", "ignored here")
                .with("heartbeat", "ignored here")
                .with("heartbeat_interval", 0.5),
        )
        .unwrap();
        assert_eq!(o.heartbeat_interval, Duration::from_millis(500));
        assert_eq!(o.cloudflare_rate_limit, 100);
        assert_eq!(o.cloudflare_rate_window, Duration::from_secs(10));
        assert_eq!(o.timeout, Duration::from_millis(2500));
        assert_eq!(o.connect_timeout, Duration::from_secs(1));
        assert_eq!((o.retries, o.concurrency), (0, 4));
    }

    #[test]
    fn zone_records_are_sizes_by_zone_id() {
        let o = SyncOptions::from_array(&Array::new().with(
            "zone_records",
            Array::new().with(3i64, 202i64).with("7", "65538"),
        ))
        .unwrap();
        assert_eq!(
            o.zone_records,
            BTreeMap::from([("3".to_owned(), 202), ("7".to_owned(), 65_538)])
        );
        let err = SyncOptions::from_array(&Array::new().with(
            "zone_records",
            Array::new().with(3i64, -1i64).with(4i64, "many"),
        ))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "zone_records[3] must be 0 to 4294967295, not -1; zone_records[4] must be a whole number, not \"many\""
        );
        let err = SyncOptions::from_array(&Array::new().with("zone_records", 5i64)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "zone_records must be an array of zone id => records, not 5"
        );
    }

    #[test]
    fn reads_are_auto_or_by_names() {
        let read = |v: Value| SyncOptions::from_array(&Array::new().with("reads", v));
        assert_eq!(SyncOptions::default().reads, ReadChoice::Auto);
        assert_eq!(read(Value::from("names")).unwrap().reads, ReadChoice::Names);
        assert_eq!(read(Value::from("auto")).unwrap().reads, ReadChoice::Auto);
        assert_eq!(
            read(Value::from("zone")).unwrap_err().to_string(),
            "reads must be \"auto\" or \"names\", not \"zone\""
        );
    }

    #[test]
    fn every_bad_option_is_named() {
        let err = SyncOptions::from_array(
            &Array::new()
                .with("timout", 3i64)
                .with("retries", -1i64)
                .with("concurrency", "many")
                .with("timeout", 0i64),
        )
        .unwrap_err();
        // The caller's ConfigError says which option, as PHP shows it.
        let err = crate::error::ConfigError::from(err).to_string();
        assert_eq!(
            err,
            "option \"timout\" is not known (use timeout, connect_timeout, retries, concurrency, cloudflare_rate_limit, cloudflare_rate_window, on_progress, heartbeat, heartbeat_interval, zone_records, reads); \
             retries must be 0 to 10, not -1; concurrency must be a whole number, not \"many\"; \
             timeout must be between 0.001 and 3600 seconds, not 0"
        );
    }
}
