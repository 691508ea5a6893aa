//! A private BIND 9 (tests/bind/server.sh) with the zones asked for, each
//! updatable with its three TSIG keys; set up with Debian's nsupdate and
//! read back with dig, never with the code under test.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use puq_dns_core::{Array, Value};

use crate::scenario::Record;
use crate::{repo, Res};

fn script() -> PathBuf {
    repo().join("tests/bind/server.sh")
}

/// A TSIG key the server knows.
#[derive(Clone, Debug)]
pub struct Key {
    pub name: String,
    /// `hmac-sha256`, as zone rows and nsupdate spell it.
    pub algorithm: &'static str,
    pub secret: String,
}

/// The server; stopped when dropped.
pub struct Bind {
    dir: PathBuf,
    pub port: u16,
    /// hmac-sha256, hmac-sha384, hmac-sha512.
    pub keys: Vec<Key>,
}

impl Bind {
    /// Starts named with `zones`, each holding its SOA and NS only.
    pub fn start(zones: &[&str]) -> Res<Bind> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "puq-dns-bench-bind-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let out = Command::new(script())
            .arg("start")
            .arg(&dir)
            .args(zones)
            .output()
            .map_err(|e| format!("cannot run tests/bind/server.sh: {e}"))?;
        // Stopped when dropped, whatever fails below.
        let mut bind = Bind {
            dir,
            port: 0,
            keys: Vec::new(),
        };
        if !out.status.success() {
            return Err(format!(
                "named did not start (is bind9 installed? run build/deps.sh):\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        let vars = String::from_utf8_lossy(&out.stdout).into_owned();
        let var = |name: &str| -> Res<String> {
            let key = format!("BIND_{name}=");
            Ok(vars
                .lines()
                .find_map(|l| l.strip_prefix(&key))
                .ok_or_else(|| format!("{key} missing in {vars}"))?
                .to_owned())
        };
        bind.port = var("PORT")?.parse()?;
        for (bits, algorithm) in [
            ("256", "hmac-sha256"),
            ("384", "hmac-sha384"),
            ("512", "hmac-sha512"),
        ] {
            bind.keys.push(Key {
                name: var(&format!("KEY_{bits}_NAME"))?,
                algorithm,
                secret: var(&format!("KEY_{bits}_SECRET"))?,
            });
        }
        Ok(bind)
    }

    /// Where named listens.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    fn key(&self) -> Res<&Key> {
        Ok(self.keys.first().ok_or("the server has no key")?)
    }

    /// A zone row signed with the hmac-sha256 key, sent to `server` (the
    /// proxy's address, or the server's own).
    pub fn row(&self, id: i64, zone: &str, server: SocketAddr) -> Res<Value> {
        let key = self.key()?;
        Ok(Value::Array(
            Array::new()
                .with("id", id)
                .with("zone", zone)
                .with("type", "rfc2136")
                .with("server", server.to_string())
                .with("tsig_name", key.name.as_str())
                .with("tsig_algorithm", key.algorithm)
                .with("tsig_secret", key.secret.as_str()),
        ))
    }

    /// One nsupdate run over TCP with the hmac-sha256 key, straight to the
    /// server: per zone, its `update …` lines, sent as one UPDATE.
    pub fn nsupdate(&self, updates: &[(&str, Vec<String>)]) -> Res<()> {
        let mut script = format!("server 127.0.0.1 {}\n", self.port);
        for (zone, lines) in updates.iter().filter(|(_, lines)| !lines.is_empty()) {
            script.push_str(&format!("zone {zone}\n"));
            for line in lines {
                script.push_str(line);
                script.push('\n');
            }
            script.push_str("send\n");
        }
        self.nsupdate_script(&script)
    }

    /// nsupdate over TCP with the hmac-sha256 key, reading `script`, which
    /// names its servers (by IP: nsupdate would resolve a name).
    pub fn nsupdate_script(&self, script: &str) -> Res<()> {
        let key = self.key()?;
        let mut child = Command::new("nsupdate")
            .args([
                "-v",
                "-y",
                &format!("{}:{}:{}", key.algorithm, key.name, key.secret),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run nsupdate (bind9-dnsutils): {e}"))?;
        child
            .stdin
            .take()
            .ok_or("no stdin pipe to nsupdate")?
            .write_all(script.as_bytes())?;
        let out = child.wait_with_output()?;
        if !out.status.success() {
            return Err(
                format!("nsupdate failed:\n{}", String::from_utf8_lossy(&out.stderr)).into(),
            );
        }
        Ok(())
    }

    /// dig at the server, direct, with `args`.
    pub fn dig(&self, args: &[&str]) -> Res<String> {
        let out = Command::new("dig")
            .args([
                "@127.0.0.1",
                "-p",
                &self.port.to_string(),
                "+norecurse",
                "+time=5",
                "+tries=1",
            ])
            .args(args)
            .output()
            .map_err(|e| format!("cannot run dig (bind9-dnsutils): {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "dig {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Every record of the zone but its SOA, by a signed zone transfer, as
    /// `name ttl type content` (names with their final dot), sorted.
    pub fn zone(&self, zone: &str) -> Res<Vec<String>> {
        let key = self.key()?;
        let text = self.dig(&[
            "+noall",
            "+answer",
            "-y",
            &format!("{}:{}:{}", key.algorithm, key.name, key.secret),
            zone,
            "AXFR",
        ])?;
        let mut records: Vec<String> = text
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|f| f.len() >= 5 && f[3] != "SOA")
            .map(|f| format!("{} {} {} {}", f[0], f[1], f[3], f[4..].join(" ")))
            .collect();
        if !text
            .lines()
            .any(|l| l.split_whitespace().nth(3) == Some("SOA"))
        {
            return Err(format!("the transfer of {zone} has no SOA: {text}").into());
        }
        records.sort();
        Ok(records)
    }

    /// The zone's SOA serial: it moves once per UPDATE that changed it.
    pub fn serial(&self, zone: &str) -> Res<u64> {
        let soa = self.dig(&["+short", zone, "SOA"])?;
        Ok(soa
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("no SOA serial for {zone}: {soa:?}"))?)
    }
}

impl Drop for Bind {
    fn drop(&mut self) {
        // Nothing to report on the way out: the server is ours and its
        // directory goes with it.
        let _ = Command::new(script()).arg("stop").arg(&self.dir).status();
    }
}

/// `update add NAME. TTL TYPE CONTENT`, PTR targets with their final dot.
pub fn add(rec: &Record) -> String {
    format!(
        "update add {}. {} {} {}",
        rec.name,
        rec.ttl,
        rec.rrtype,
        content(rec)
    )
}

/// `update delete NAME. TYPE`: the whole set.
pub fn delete_set(name: &str, rrtype: &str) -> String {
    format!("update delete {name}. {rrtype}")
}

/// A record as dig prints its content.
pub fn content(rec: &Record) -> String {
    if rec.rrtype == "PTR" {
        format!("{}.", rec.content)
    } else {
        rec.content.clone()
    }
}

/// A record as `Bind::zone` lists it.
pub fn line(rec: &Record) -> String {
    format!("{}. {} {} {}", rec.name, rec.ttl, rec.rrtype, content(rec))
}

/// `BIND 9.18.49-1~deb12u3-Debian`.
pub fn version() -> String {
    Command::new("/usr/sbin/named")
        .arg("-v")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .and_then(|v| v.split(" (").next().map(str::to_owned))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "BIND 9".to_owned())
}
