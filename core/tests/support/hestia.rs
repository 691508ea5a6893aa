//! The fake HestiaCP (tests/fakes/hestia.py), one per test.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use puq_dns_core::{Array, Value};
use serde_json::{json, Value as Json};

pub const PASSWORD: &str = "hestia-admin-pw-9c1e";
pub const USER: &str = "alice";

pub struct FakeHestia {
    child: Child,
    pub base: String,
    /// PEM text of the server's self-signed certificate (with `--tls`).
    pub cert: Option<String>,
    http: reqwest::Client,
}

impl FakeHestia {
    pub async fn start() -> FakeHestia {
        Self::launch(false).await
    }

    pub async fn start_tls() -> FakeHestia {
        Self::launch(true).await
    }

    async fn launch(tls: bool) -> FakeHestia {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fakes/hestia.py");
        let mut command = Command::new("python3");
        command.arg(script);
        if tls {
            command.arg("--tls");
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the fake HestiaCP (python3)");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("PORT line");
        let port = line.trim().strip_prefix("PORT=").expect("PORT=").to_owned();
        let cert = if tls {
            let mut line = String::new();
            out.read_line(&mut line).expect("CERT line");
            let path = line.trim().strip_prefix("CERT=").expect("CERT=").to_owned();
            Some(std::fs::read_to_string(path).expect("read the fake's certificate"))
        } else {
            None
        };
        let scheme = if tls { "https" } else { "http" };
        let hestia = FakeHestia {
            child,
            base: format!("{scheme}://127.0.0.1:{port}/"),
            cert,
            http: reqwest::Client::builder()
                .no_proxy()
                .danger_accept_invalid_certs(true)
                .build()
                .expect("client"),
        };
        hestia
            .control("/admin", json!({ "user": "admin", "password": PASSWORD }))
            .await;
        hestia
    }

    pub async fn control(&self, path: &str, body: Json) -> Json {
        super::control_post(&self.http, format!("{}__control{path}", self.base), body).await
    }

    pub async fn get(&self, path: &str) -> Json {
        super::control_get(&self.http, format!("{}__control{path}", self.base)).await
    }

    /// A DNS domain of USER with no records.
    pub async fn domain(&self, name: &str) {
        self.control(
            "/domains",
            json!({ "user": USER, "domain": name, "ttl": 3600 }),
        )
        .await;
    }

    /// A record as an admin would have made it, relative name and all.
    pub async fn seed(&self, domain: &str, record: &str, rrtype: &str, value: &str) {
        self.control(
            &format!("/domains/{USER}/{domain}/records"),
            json!({ "record": record, "type": rrtype, "value": value }),
        )
        .await;
    }

    /// `RECORD TYPE VALUE` of every record in the domain, in ID order.
    pub async fn records(&self, domain: &str) -> Vec<String> {
        self.get(&format!("/domains/{USER}/{domain}/records"))
            .await
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                format!(
                    "{} {} {}",
                    r["RECORD"].as_str().unwrap_or("?"),
                    r["TYPE"].as_str().unwrap_or("?"),
                    r["VALUE"].as_str().unwrap_or("?")
                )
            })
            .collect()
    }

    pub async fn stats(&self) -> Json {
        self.get("/stats").await
    }

    pub fn row(&self, id: i64, zone: &str) -> Value {
        Value::Array(
            Array::new()
                .with("id", id)
                .with("zone", zone)
                .with("type", "HestiaCP")
                .with("server_url", self.base.as_str())
                .with("admin_user", "admin")
                .with("admin_password", PASSWORD)
                .with("user", USER),
        )
    }
}

impl Drop for FakeHestia {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
