//! The fake Cloudflare (tests/fakes/cloudflare.py), one per test.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use puq_dns_core::{Array, Value};
use serde_json::{json, Value as Json};

pub const TOKEN: &str = "cf-token-7f3a-secret";

pub struct FakeCloudflare {
    child: Child,
    pub base: String,
    http: reqwest::Client,
}

impl FakeCloudflare {
    pub fn start() -> FakeCloudflare {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fakes/cloudflare.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the fake Cloudflare (python3)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("PORT line");
        let port = line.trim().strip_prefix("PORT=").expect("PORT=").to_owned();
        FakeCloudflare {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
        }
    }

    pub async fn control(&self, path: &str, body: Json) -> Json {
        super::control_post(&self.http, format!("{}/__control{path}", self.base), body).await
    }

    pub async fn get(&self, path: &str) -> Json {
        super::control_get(&self.http, format!("{}/__control{path}", self.base)).await
    }

    /// A zone with a 32-hex id derived from its name, open to TOKEN.
    pub async fn zone(&self, name: &str) -> String {
        let id = format!(
            "{:0>32}",
            name.bytes().map(|b| format!("{b:02x}")).collect::<String>()
        )
        .chars()
        .rev()
        .take(32)
        .collect::<String>();
        self.control(
            "/zones",
            json!({ "id": id, "name": name, "account_id": "acc1" }),
        )
        .await;
        self.control("/tokens", json!({ "token": TOKEN, "zones": "*" }))
            .await;
        id
    }

    pub async fn seed(&self, zone_id: &str, rrtype: &str, name: &str, content: &str) {
        self.control(
            &format!("/zones/{zone_id}/records"),
            json!({ "type": rrtype, "name": name, "content": content, "ttl": 1 }),
        )
        .await;
    }

    /// `type name content` of every record at a name, sorted.
    pub async fn records(&self, zone_id: &str, name: &str) -> Vec<String> {
        let all = self.get(&format!("/zones/{zone_id}/records")).await;
        let mut found: Vec<String> = all
            .as_array()
            .or_else(|| all["result"].as_array())
            .into_iter()
            .flatten()
            .filter(|r| r["name"] == name)
            .map(|r| {
                format!(
                    "{} {}",
                    r["type"].as_str().unwrap_or(""),
                    r["content"].as_str().unwrap_or("")
                )
            })
            .collect();
        found.sort();
        found
    }

    /// Every record of a zone as the fake holds it, ids included.
    pub async fn all(&self, zone_id: &str) -> Vec<Json> {
        match self.get(&format!("/zones/{zone_id}/records")).await {
            Json::Array(all) => all,
            other => panic!("records of {zone_id}: {other}"),
        }
    }

    /// Deletes a record through the API, as another client of the zone
    /// would.
    pub async fn delete(&self, zone_id: &str, record_id: &str) {
        let answer = self
            .http
            .delete(format!(
                "{}/client/v4/zones/{zone_id}/dns_records/{record_id}",
                self.base
            ))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("delete a record");
        assert!(answer.status().is_success(), "{}", answer.status());
    }

    pub async fn stats(&self) -> Json {
        self.get("/stats").await
    }

    pub fn row(&self, id: i64, zone: &str, zone_id: &str) -> Value {
        Value::Array(
            Array::new()
                .with("id", id)
                .with("zone", zone)
                .with("type", "Cloudflare")
                .with("account_id", "acc1")
                .with("zone_id", zone_id)
                .with("api_token", TOKEN)
                .with("api_url", format!("{}/client/v4", self.base)),
        )
    }
}

impl Drop for FakeCloudflare {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
