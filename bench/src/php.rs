//! A whole `php` process with the release extension loaded, timed from
//! spawn to exit: bench/php/sync.php makes one `PuqDns\DnsSync` call and
//! prints what its result says (ok, counts, `stats` per zone) as JSON.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value as Json};

use crate::scenario::{BenchVm, DOMAIN};
use crate::stats::ZoneCount;
use crate::{repo, Res};

/// A VM as PHP takes it (the `vms` of a job).
pub fn vm_json(vm: &BenchVm) -> Json {
    let ips: Vec<String> = vm
        .v4
        .iter()
        .map(|ip| ip.to_string())
        .chain(vm.v6.iter().map(|ip| ip.to_string()))
        .collect();
    json!({ "id": vm.id, "name": vm.name, "domain": DOMAIN, "ips": ips })
}

/// The PHP CLI and the extension it loads.
pub struct Php {
    /// target/release/libpuq_dns.so (in `CARGO_TARGET_DIR` when set).
    pub extension: PathBuf,
    pub script: PathBuf,
    pub version: String,
    /// When the extension was built.
    pub built: Option<SystemTime>,
}

/// What one process said and took.
#[derive(Clone, Debug)]
pub struct PhpRun {
    /// Spawn to exit.
    pub wall: Duration,
    /// The DnsSync call alone, as the script timed it.
    pub call: Duration,
    /// `stats`, once per zone.
    pub counts: Vec<ZoneCount>,
    pub created: u64,
    pub deleted: u64,
    pub unchanged: u64,
    /// The process's peak resident memory (VmHWM, as the script read it
    /// last), in KiB.
    pub peak_kib: u64,
}

impl Php {
    /// Finds the extension and checks that `php` loads it.
    pub fn new() -> Res<Php> {
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join("target"));
        let extension = target.join("release/libpuq_dns.so");
        let built = std::fs::metadata(&extension)
            .map_err(|e| {
                format!(
                    "{}: {e} (build it with `cargo build --release` at the repository root)",
                    extension.display()
                )
            })?
            .modified()
            .ok();
        let php = Php {
            extension,
            script: repo().join("bench/php/sync.php"),
            version: String::new(),
            built,
        };
        let out = php
            .command()
            .args([
                "-r",
                "echo PHP_VERSION, ' ', extension_loaded('puq_dns') ? 'loaded' : 'missing';",
            ])
            .output()
            .map_err(|e| format!("cannot run php: {e}"))?;
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        let Some(version) = said.strip_suffix(" loaded") else {
            return Err(format!(
                "php does not load {}: {said} {}",
                php.extension.display(),
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        };
        Ok(Php {
            version: version.to_owned(),
            ..php
        })
    }

    /// `php -d extension=…/libpuq_dns.so`.
    fn command(&self) -> Command {
        let mut command = Command::new("php");
        command
            .arg("-d")
            .arg(format!("extension={}", self.extension.display()))
            .stdin(Stdio::null());
        command
    }

    /// Prints which PHP and which build of the extension a benchmark runs.
    pub fn announce(&self) {
        println!(
            "PHP {} with {} (built {})",
            self.version,
            self.extension.display(),
            self.built
                .map_or("at an unknown time".to_owned(), httpdate::fmt_http_date)
        );
        if let Some(age) = self
            .built
            .and_then(|b| SystemTime::now().duration_since(b).ok())
        {
            println!("  the extension is {:.0} min old", age.as_secs_f64() / 60.0);
        }
    }

    /// `php -d extension=… -r ''`, spawn to exit.
    pub fn empty_start(&self) -> Res<Duration> {
        Ok(self.empty_start_measured()?.0)
    }

    /// `php -d extension=… -r ''`, spawn to exit, and an idle `php`'s peak
    /// resident memory in KiB (VmHWM, from a second start that prints it).
    pub fn empty_start_measured(&self) -> Res<(Duration, u64)> {
        let mut command = self.command();
        command.args(["-r", ""]);
        let started = Instant::now();
        let out = command.output()?;
        let wall = started.elapsed();
        if !out.status.success() {
            return Err(format!(
                "empty php start failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        let mut command = self.command();
        command.args([
            "-r",
            r#"preg_match('/^VmHWM:\s+(\d+) kB$/m', file_get_contents('/proc/self/status'), $m); echo $m[1];"#,
        ]);
        let out = command.output()?;
        let peak_kib = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|e| format!("idle php printed no VmHWM: {e}"))?;
        Ok((wall, peak_kib))
    }

    /// Runs bench/php/sync.php on `job` (written to a file first, outside
    /// the timed part) and checks what it printed: every result ok, no
    /// failed operation or unmatched name, each zone's stats the same for
    /// every VM.
    pub fn run(&self, what: &str, job: &Json) -> Res<PhpRun> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "puq-dns-bench-job-{}-{}.json",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, serde_json::to_vec(job)?)?;
        let mut command = self.command();
        command.arg(&self.script).arg(&path);
        let started = Instant::now();
        let out = command.output();
        let wall = started.elapsed();
        // The job file is ours; a left-over one in /tmp is no harm.
        let _ = std::fs::remove_file(&path);
        let out = out.map_err(|e| format!("{what}: cannot run php: {e}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            return Err(format!(
                "{what}: php exited with {}: {stdout}{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        let said: Json = serde_json::from_str(stdout.trim())
            .map_err(|e| format!("{what}: php printed no JSON ({e}): {stdout}"))?;
        let count = |key: &str| said["counts"][key].as_u64().unwrap_or(u64::MAX);
        if said["ok"] != Json::Bool(true) || count("failed") != 0 {
            return Err(format!(
                "{what}: {} failed operations: {}",
                count("failed"),
                said["errors"]
            )
            .into());
        }
        if said["unmatched"].as_array().is_none_or(|u| !u.is_empty()) {
            return Err(format!("{what}: unmatched names {}", said["unmatched"]).into());
        }
        if said["stats_conflicts"]
            .as_array()
            .is_none_or(|c| !c.is_empty())
        {
            return Err(format!(
                "{what}: VMs report a zone differently: {}",
                said["stats_conflicts"]
            )
            .into());
        }
        let counts = said["stats"]
            .as_array()
            .ok_or_else(|| format!("{what}: no stats in {stdout}"))?
            .iter()
            .map(ZoneCount::of_json)
            .collect::<Res<Vec<_>>>()?;
        Ok(PhpRun {
            wall,
            call: Duration::from_secs_f64(said["call_ms"].as_f64().unwrap_or(0.0) / 1000.0),
            counts,
            created: count("created"),
            deleted: count("deleted"),
            unchanged: count("unchanged"),
            peak_kib: said["vm_hwm_kib"].as_u64().unwrap_or(0),
        })
    }
}
