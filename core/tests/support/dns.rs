//! A private BIND 9 or Knot DNS per test (tests/bind/server.sh,
//! tests/knot/server.sh), changed and read with Debian's nsupdate and dig,
//! never with the code under test.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use puq_dns_core::{Array, Value};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Which server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Daemon {
    Bind,
    Knot,
}

impl Daemon {
    fn name(self) -> &'static str {
        match self {
            Daemon::Bind => "bind",
            Daemon::Knot => "knot",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Daemon::Bind => "BIND",
            Daemon::Knot => "KNOT",
        }
    }
}

/// A TSIG key the server knows.
#[derive(Clone, Debug)]
pub struct TsigKey {
    pub name: String,
    pub algorithm: &'static str,
    pub secret: String,
}

pub struct DnsServer {
    daemon: Daemon,
    dir: PathBuf,
    pub port: u16,
    /// hmac-sha256, hmac-sha384, hmac-sha512.
    pub keys: Vec<TsigKey>,
}

fn script(daemon: Daemon) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../tests/{}/server.sh", daemon.name()))
}

impl DnsServer {
    /// Starts the server with `zones` (a `:noupdate` suffix: no key may
    /// update it; `:unsigned`: 127.0.0.1 may, without a key; `:noxfr`: no
    /// key may transfer it), each holding its SOA and NS only; stopped when
    /// dropped.
    pub fn start(daemon: Daemon, zones: &[&str]) -> DnsServer {
        let dir = std::env::temp_dir().join(format!(
            "puq-dns-{}-{}-{}",
            daemon.name(),
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let out = Command::new(script(daemon))
            .arg("start")
            .arg(&dir)
            .args(zones)
            .output()
            .expect("run the server script");
        assert!(
            out.status.success(),
            "{} did not start (are bind9 and knot installed? run build/deps.sh):\n{}",
            daemon.name(),
            String::from_utf8_lossy(&out.stderr)
        );
        let vars = String::from_utf8_lossy(&out.stdout).into_owned();
        let var = |name: &str| {
            let key = format!("{}_{name}=", daemon.prefix());
            vars.lines()
                .find_map(|l| l.strip_prefix(&key))
                .unwrap_or_else(|| panic!("{key} missing in {vars}"))
                .to_owned()
        };
        let keys = [
            ("256", "hmac-sha256"),
            ("384", "hmac-sha384"),
            ("512", "hmac-sha512"),
        ]
        .into_iter()
        .map(|(bits, algorithm)| TsigKey {
            name: var(&format!("KEY_{bits}_NAME")),
            algorithm,
            secret: var(&format!("KEY_{bits}_SECRET")),
        })
        .collect();
        DnsServer {
            daemon,
            dir,
            port: var("PORT").parse().expect("port"),
            keys,
        }
    }

    pub fn daemon(&self) -> Daemon {
        self.daemon
    }

    pub fn server(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// A zone row signed with the hmac-sha256 key.
    pub fn row(&self, id: i64, zone: &str) -> Array {
        self.row_with_key(id, zone, &self.keys[0])
    }

    pub fn row_with_key(&self, id: i64, zone: &str, key: &TsigKey) -> Array {
        Array::new()
            .with("id", id)
            .with("zone", zone)
            .with("type", "rfc2136")
            .with("server", self.server())
            .with("tsig_name", key.name.as_str())
            .with("tsig_algorithm", key.algorithm)
            .with("tsig_secret", key.secret.as_str())
    }

    pub fn value_row(&self, id: i64, zone: &str) -> Value {
        Value::Array(self.row(id, zone))
    }

    /// Runs nsupdate with the hmac-sha256 key: `commands` are its lines
    /// between `zone` and `send`.
    pub fn nsupdate(&self, zone: &str, commands: &[String]) {
        let key = &self.keys[0];
        let mut child = Command::new("nsupdate")
            .args([
                "-y",
                &format!("{}:{}:{}", key.algorithm, key.name, key.secret),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run nsupdate (bind9-dnsutils)");
        let script = format!(
            "server 127.0.0.1 {}\nzone {zone}\n{}\nsend\n",
            self.port,
            commands.join("\n")
        );
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(script.as_bytes())
            .expect("write to nsupdate");
        let out = child.wait_with_output().expect("nsupdate");
        assert!(
            out.status.success(),
            "nsupdate failed:\n{script}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Adds records as another tool would: `lines` are `name ttl type
    /// content`, sent in UPDATEs of `per_update` records each.
    pub fn put_many(&self, zone: &str, lines: &[String], per_update: usize) {
        let mut commands = Vec::new();
        for (i, chunk) in lines.chunks(per_update.max(1)).enumerate() {
            if i > 0 {
                commands.push("send".to_owned());
            }
            commands.extend(chunk.iter().map(|line| format!("update add {line}")));
        }
        self.nsupdate(zone, &commands);
    }

    /// Adds a record as another tool would.
    pub fn put(&self, zone: &str, name: &str, ttl: u32, rrtype: &str, content: &str) {
        self.nsupdate(
            zone,
            &[format!("update add {name}. {ttl} {rrtype} {content}")],
        );
    }

    fn dig(&self, args: &[&str]) -> String {
        let out = Command::new("dig")
            .args([
                "@127.0.0.1",
                "-p",
                &self.port.to_string(),
                "+norecurse",
                "+time=2",
                "+tries=1",
            ])
            .args(args)
            .output()
            .expect("run dig (bind9-dnsutils)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// What the server answers for a name and type, sorted.
    pub fn answer(&self, name: &str, rrtype: &str) -> Vec<String> {
        let mut lines: Vec<String> = self
            .dig(&["+short", name, rrtype])
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        lines.sort();
        lines
    }

    /// `name ttl type content` of the sets at `names` and `rrtype`, asked
    /// by one dig, sorted.
    pub fn records_at(&self, names: &[String], rrtype: &str) -> Vec<String> {
        let mut args = vec!["+noall", "+answer"];
        for name in names {
            args.push(name);
            args.push(rrtype);
        }
        let mut records: Vec<String> = self
            .dig(&args)
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|f| f.len() >= 5)
            .map(|f| format!("{} {} {} {}", f[0], f[1], f[3], f[4..].join(" ")))
            .collect();
        records.sort();
        records
    }

    /// The TTL of the set at a name and type.
    pub fn ttl(&self, name: &str, rrtype: &str) -> Option<u32> {
        self.dig(&["+noall", "+answer", name, rrtype])
            .lines()
            .find_map(|l| l.split_whitespace().nth(1)?.parse().ok())
    }

    /// `name ttl type content` of every record in the zone but its SOA, by
    /// a signed zone transfer, sorted.
    pub fn all(&self, zone: &str) -> Vec<String> {
        let key = &self.keys[0];
        let text = self.dig(&[
            "+noall",
            "+answer",
            "-y",
            &format!("{}:{}:{}", key.algorithm, key.name, key.secret),
            zone,
            "AXFR",
        ]);
        let mut records: Vec<String> = text
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|f| f.len() >= 5 && f[3] != "SOA")
            .map(|f| format!("{} {} {} {}", f[0], f[1], f[3], f[4..].join(" ")))
            .collect();
        records.sort();
        records
    }

    /// How many messages a signed zone transfer of `zone` takes, as dig
    /// counts them (`;; XFR size: N records (messages M, bytes B)`).
    pub fn transfer_messages(&self, zone: &str) -> u32 {
        let key = &self.keys[0];
        let text = self.dig(&[
            "-y",
            &format!("{}:{}:{}", key.algorithm, key.name, key.secret),
            zone,
            "AXFR",
        ]);
        text.lines()
            .find_map(|l| {
                let rest = l.split("(messages ").nth(1)?;
                rest.split(',').next()?.trim().parse().ok()
            })
            .unwrap_or_else(|| panic!("no XFR size in {text}"))
    }

    /// The zone's SOA serial: it moves with every change that went through.
    pub fn serial(&self, zone: &str) -> u64 {
        self.answer(zone, "SOA")
            .first()
            .and_then(|soa| soa.split_whitespace().nth(2)?.parse().ok())
            .expect("an SOA serial")
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        let _ = Command::new(script(self.daemon))
            .arg("stop")
            .arg(&self.dir)
            .status();
    }
}
