//! What both sync benchmarks share: timing helpers, the small VMs of the
//! resyncMany scenarios and the writer of their BENCHMARKS.md sections.
//! Included by each example with `#[path]`; not an example itself.

use std::error::Error;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::time::Duration;

use puq_dns_core::reverse::reverse_name;

pub type Res<T> = Result<T, Box<dyn Error>>;

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

pub fn reverse(ip: IpAddr) -> String {
    reverse_name(ip).to_string()
}

pub struct BenchVm {
    pub id: i64,
    pub name: String,
    pub v4: Vec<Ipv4Addr>,
    pub v6: Vec<Ipv6Addr>,
}

/// VM `i` of 1..=100 in resyncMany: 198.18.101.(2i-1) and .(2i).
pub fn small_vm(i: u8) -> BenchVm {
    BenchVm {
        id: 100 + i64::from(i),
        name: format!("vm-{i:03}"),
        v4: vec![
            Ipv4Addr::new(198, 18, 101, 2 * i - 1),
            Ipv4Addr::new(198, 18, 101, 2 * i),
        ],
        v6: Vec::new(),
    }
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
