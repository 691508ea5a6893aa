//! Figures and the report: medians, the table every benchmark prints, the
//! command and run lines of its section, and the writer of that section
//! in BENCHMARKS.md.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::{repo, Res};

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

/// The run whose wall time is the median of `runs`.
pub fn median_run<T>(runs: &[T], wall: impl Fn(&T) -> Duration) -> Option<&T> {
    let mut order: Vec<&T> = runs.iter().collect();
    order.sort_by_key(|r| wall(r));
    order.get(order.len() / 2).copied()
}

/// `median of 3: 401, 394, 410 ms`: every run, in the order they ran.
pub fn walls_note(walls: impl IntoIterator<Item = Duration>) -> String {
    let walls: Vec<String> = walls.into_iter().map(|w| format!("{:.0}", ms(w))).collect();
    format!("median of {}: {} ms", walls.len(), walls.join(", "))
}

/// /proc/loadavg, the first three figures: others' work on the machine
/// shows in the times, so the report says how busy it was.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// `2 CPUs (AMD EPYC)`.
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("{cpus} CPUs ({model})")
}

/// The load at the start of a benchmark; `run_line` adds the end's.
pub struct Started {
    load: String,
}

impl Started {
    pub fn now() -> Started {
        Started {
            load: load_average(),
        }
    }

    /// `Run: <date>; <machine>, load average … at the start and … at the
    /// end; <servers>.` and a blank line.
    pub fn run_line(&self, servers: &str) -> String {
        format!(
            "Run: {}; {}, load average {} at the start and {} at the end; {servers}.\n\n",
            httpdate::fmt_http_date(SystemTime::now()),
            machine(),
            self.load,
            load_average()
        )
    }
}

/// A section's heading and command line.
pub fn head(heading: &str, command: &str, long: &str) -> String {
    format!("{heading}\n\nCommand: `{command}` (runs `build/deps.sh`, then `{long}`).  \n")
}

/// `cargo run --release -p puq_dns_bench --bin <bin>`.
pub fn cargo_command(bin: &str) -> String {
    format!("cargo run --release -p puq_dns_bench --bin {bin}")
}

/// One line of a benchmark's main table.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub scenario: &'static str,
    pub method: String,
    pub wall: Duration,
    /// `38 (35 GET + 3 PATCH)`: the total first.
    pub requests: String,
    /// How each zone was read (`fwd names (1) · ip6 zone (1)`); the table
    /// has a Read column when any row says.
    pub read: String,
    pub note: String,
}

impl Row {
    /// The row as the run prints it while it goes: `engine create,
    /// concurrency 8: 224 ms, 7 (4 GET + 3 PATCH); fwd names (1) · …; notes`.
    pub fn progress(&self) -> String {
        format!(
            "{}: {:.0} ms, {}; {}; {}",
            self.method,
            ms(self.wall),
            self.requests,
            self.read,
            self.note
        )
    }
}

/// `| Scenario | Method | Wall (ms) | <counted> | [Read |] Notes |`.
pub fn table(rows: &[Row], counted: &str) -> String {
    let read = rows.iter().any(|r| !r.read.is_empty());
    let mut out = if read {
        format!("| Scenario | Method | Wall (ms) | {counted} | Read | Notes |\n|---|---|---:|---|---|---|\n")
    } else {
        format!("| Scenario | Method | Wall (ms) | {counted} | Notes |\n|---|---|---:|---|---|\n")
    };
    for r in rows {
        let read = if read {
            format!(" {} |", r.read)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "| {} | {} | {:.0} | {} |{read} {} |\n",
            r.scenario,
            r.method,
            ms(r.wall),
            r.requests,
            r.note
        ));
    }
    out
}

pub fn find<'a>(rows: &'a [Row], scenario: &str, method: &str) -> Option<&'a Row> {
    rows.iter()
        .find(|r| r.scenario == scenario && r.method.starts_with(method))
}

/// The wall time in ms of the first row of `scenario` whose method starts
/// with `method`; NaN when there is none, which shows in the text.
pub fn wall(rows: &[Row], scenario: &str, method: &str) -> f64 {
    find(rows, scenario, method).map_or(f64::NAN, |r| ms(r.wall))
}

/// The total of the requests column of that row.
pub fn total(rows: &[Row], scenario: &str, method: &str) -> String {
    find(rows, scenario, method)
        .map(|r| r.requests.split(' ').next().unwrap_or("").to_owned())
        .unwrap_or_default()
}

/// Prints the table, writes the section to BENCHMARKS.md and says where.
pub fn publish(table: &str, heading: &str, section: &str) -> Res<()> {
    println!("\n{table}");
    let path = repo().join("BENCHMARKS.md");
    write_section(&path, heading, section)?;
    println!("written to {}", path.display());
    Ok(())
}

/// Replaces the section in BENCHMARKS.md, or adds it, leaving the rest.
pub fn write_section(path: &PathBuf, heading: &str, section: &str) -> Res<()> {
    let old = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    let new = match old.find(heading) {
        Some(start) => {
            let rest = &old[start + heading.len()..];
            let end = rest
                .find("\n## ")
                .map(|i| start + heading.len() + i + 1)
                .unwrap_or(old.len());
            // A following section stays apart by a blank line.
            let gap = if end < old.len() { "\n" } else { "" };
            format!("{}{section}{gap}{}", &old[..start], &old[end..])
        }
        None => format!(
            "{}\n{section}",
            old.trim_end_matches('\n').to_owned() + "\n"
        ),
    };
    std::fs::write(path, new)?;
    Ok(())
}
