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
    publish_after(table, heading, section, None)
}

/// [`publish`], a new section placed right after the section `after`
/// (when BENCHMARKS.md has it) instead of at the end.
pub fn publish_after(table: &str, heading: &str, section: &str, after: Option<&str>) -> Res<()> {
    println!("\n{table}");
    let path = repo().join("BENCHMARKS.md");
    write_section_after(&path, heading, section, after)?;
    println!("written to {}", path.display());
    Ok(())
}

/// Replaces the section in BENCHMARKS.md, or adds it, leaving the rest.
pub fn write_section(path: &PathBuf, heading: &str, section: &str) -> Res<()> {
    write_section_after(path, heading, section, None)
}

/// Where the section under `heading` ends in `text`, from its start: at
/// the next `## ` heading, or at the end.
fn section_end(text: &str, start: usize, heading: &str) -> usize {
    let from = start + heading.len();
    text.get(from..)
        .and_then(|rest| rest.find("\n## "))
        .map_or(text.len(), |i| from + i + 1)
}

/// [`write_section`]; a section not there yet goes right after the section
/// `after` when the file has it, else at the end.
pub fn write_section_after(
    path: &PathBuf,
    heading: &str,
    section: &str,
    after: Option<&str>,
) -> Res<()> {
    let old = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n".to_owned());
    std::fs::write(path, with_section(&old, heading, section, after))?;
    Ok(())
}

/// `text` with the section under `heading` replaced by `section`, or added
/// after the section `after` (at the end when there is none).
fn with_section(old: &str, heading: &str, section: &str, after: Option<&str>) -> String {
    // A heading is found at a line's start only, whole.
    let find = |heading: &str| {
        old.match_indices(heading).map(|(i, _)| i).find(|&i| {
            let line_start = i == 0 || old[..i].ends_with('\n');
            let rest = &old[i + heading.len()..];
            line_start && (rest.is_empty() || rest.starts_with(['\n', '\r']))
        })
    };
    // A following section stays apart by a blank line.
    let splice = |start: usize, end: usize| {
        let gap = if end < old.len() { "\n" } else { "" };
        let head = &old[..start];
        let head = if head.is_empty() || head.ends_with("\n\n") {
            head.to_owned()
        } else {
            head.trim_end_matches('\n').to_owned() + "\n\n"
        };
        format!("{head}{section}{gap}{}", &old[end..])
    };
    if let Some(start) = find(heading) {
        return splice(start, section_end(old, start, heading));
    }
    if let Some(before) = after.and_then(|a| find(a).map(|s| section_end(old, s, a))) {
        if before < old.len() {
            return splice(before, before);
        }
    }
    format!(
        "{}\n{section}",
        old.trim_end_matches('\n').to_owned() + "\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "# Benchmarks\n\n## A\n\na text\n\n## B\n\nb text\n";

    #[test]
    fn a_section_is_replaced_in_place() {
        let new = with_section(OLD, "## A", "## A\n\nnew\n", None);
        assert_eq!(new, "# Benchmarks\n\n## A\n\nnew\n\n## B\n\nb text\n");
        let new = with_section(OLD, "## B", "## B\n\nnew\n", Some("## A"));
        assert_eq!(new, "# Benchmarks\n\n## A\n\na text\n\n## B\n\nnew\n");
    }

    #[test]
    fn a_new_section_goes_after_its_neighbour_or_at_the_end() {
        let new = with_section(OLD, "## A2", "## A2\n\nnew\n", Some("## A"));
        assert_eq!(
            new,
            "# Benchmarks\n\n## A\n\na text\n\n## A2\n\nnew\n\n## B\n\nb text\n"
        );
        let end = "# Benchmarks\n\n## A\n\na text\n\n## B\n\nb text\n\n## C\n\nnew\n";
        assert_eq!(
            with_section(OLD, "## C", "## C\n\nnew\n", Some("## B")),
            end
        );
        assert_eq!(with_section(OLD, "## C", "## C\n\nnew\n", None), end);
        assert_eq!(
            with_section(OLD, "## C", "## C\n\nnew\n", Some("## Z")),
            end
        );
    }

    #[test]
    fn a_heading_that_starts_another_is_not_it() {
        // "## A" is not "## A2" nor "## A (issue 16)".
        let old = "# Benchmarks\n\n## A (issue 16)\n\nx\n";
        let new = with_section(old, "## A", "## A\n\nnew\n", None);
        assert_eq!(new, "# Benchmarks\n\n## A (issue 16)\n\nx\n\n## A\n\nnew\n");
    }
}
