use super::*;
use crate::error::ConfigError;
use crate::zone_set::{reverse_name_of, ZoneSet};

fn pdns(id: i64, zone: &str) -> Array {
    Array::new()
        .with("id", id)
        .with("zone", zone)
        .with("type", "PowerDNS")
        .with("server_url", "https://pdns.example.com:8081/")
        .with("api_key", "pdns-secret-1")
}

fn cloudflare(id: i64, zone: &str) -> Array {
    Array::new()
        .with("id", id)
        .with("zone", zone)
        .with("type", "Cloudflare")
        .with("account_id", "acc123")
        .with("zone_id", "zone456")
        .with("api_token", "cf-secret-2")
}

fn hestia(id: i64, zone: &str) -> Array {
    Array::new()
        .with("id", id)
        .with("zone", zone)
        .with("type", "HestiaCP")
        .with("server_url", "https://hestia.example.com:8083")
        .with("admin_user", "admin")
        .with("admin_password", "hestia secret 3")
        .with("user", "bob")
}

fn zone(row: Array) -> Zone {
    Zone::from_row(&Value::Array(row), None).unwrap()
}

fn error(row: Array) -> String {
    Zone::from_row(&Value::Array(row), None)
        .unwrap_err()
        .to_string()
}

fn keys(row: &Array) -> Vec<String> {
    row.iter().map(|(k, _)| k.to_string()).collect()
}

#[test]
fn powerdns_rows_are_normalised_exactly() {
    let row = zone(
        pdns(1, "PuqCloud.COM.")
            .with("server_url", "https://PDNS.example.com:8081/api/v1/")
            .with("ttl", "300")
            .with("verify_tls", "0")
            .with("created_at", "2026-01-01"),
    )
    .to_row();
    assert_eq!(
        row,
        Array::new()
            .with("id", 1i64)
            .with("zone", "puqcloud.com")
            .with("type", "powerdns")
            .with("server_url", "https://pdns.example.com:8081")
            .with("api_key", "pdns-secret-1")
            .with("server_id", "localhost")
            .with("ttl", 300u32)
            .with("verify_tls", false)
            .with("ca_cert", Value::Null)
            .with("created_at", "2026-01-01")
    );
}

#[test]
fn cloudflare_and_hestia_defaults() {
    let cf = zone(cloudflare(2, "2.0.192.in-addr.arpa")).to_row();
    assert_eq!(
        cf.get("api_url"),
        Some(&Value::from(DEFAULT_CLOUDFLARE_API))
    );
    assert_eq!(cf.get("type"), Some(&Value::from("cloudflare")));
    assert_eq!(
        keys(&cf),
        [
            "id",
            "zone",
            "type",
            "account_id",
            "zone_id",
            "api_token",
            "api_url",
            "ttl",
            "verify_tls",
            "ca_cert"
        ]
    );
    let h = zone(hestia(3, "example.com")).to_row();
    assert_eq!(
        h.get("server_url"),
        Some(&Value::from("https://hestia.example.com:8083/"))
    );
    let pasted_api =
        zone(hestia(3, "example.com").with("server_url", "https://h.example.com:8083/api/"))
            .to_row();
    assert_eq!(
        pasted_api.get("server_url"),
        Some(&Value::from("https://h.example.com:8083/"))
    );
}

#[test]
fn every_problem_of_a_row_is_named_at_once() {
    let err = error(
        Array::new()
            .with("id", 7i64)
            .with("zone", "my zone.com")
            .with("type", "bind"),
    );
    assert_eq!(
        err,
        "zone 7: zone \"my zone.com\" contains ' ', which a DNS name cannot hold; type \"bind\" is not one of cloudflare, hestiacp, powerdns"
    );
    let err = error(
        Array::new()
            .with("zone", "example.com")
            .with("type", "powerdns"),
    );
    assert_eq!(
        err,
        "zone row (example.com): id is required; server_url is required; api_key is required"
    );
}

#[test]
fn secrets_must_be_strings_and_are_never_echoed() {
    let err = error(pdns(1, "example.com").with("api_key", 12345i64));
    assert_eq!(
        err,
        "zone 1 (example.com): api_key must be a string, not int"
    );
    let err = error(cloudflare(1, "example.com").with("api_token", Array::list(["x"])));
    assert_eq!(
        err,
        "zone 1 (example.com): api_token must be a string, not array"
    );
    let err = error(cloudflare(1, "example.com").with("api_token", "has space-cf-secret"));
    assert_eq!(
        err,
        "zone 1 (example.com): api_token may hold only visible ASCII characters (no spaces)"
    );
    assert!(!err.contains("cf-secret"));
    let err = error(pdns(1, "example.com").with("api_key", KEEP));
    assert!(err.contains("api_key is the __KEEP__ placeholder"), "{err}");
    let debug = format!("{:?}", zone(pdns(1, "example.com")));
    assert!(!debug.contains("pdns-secret-1"), "{debug}");
}

#[test]
fn urls_are_checked_without_echoing_credentials() {
    let err = error(
        pdns(1, "example.com").with("server_url", "https://admin:pw-secret@pdns.example.com"),
    );
    assert_eq!(
        err,
        "zone 1 (example.com): server_url must not hold a user name or password; put the credential in its own field"
    );
    assert_eq!(
        error(pdns(1, "example.com").with("server_url", "ftp://pdns.example.com")),
        "zone 1 (example.com): server_url \"ftp://pdns.example.com\" must start with http:// or https://"
    );
    assert!(error(pdns(1, "example.com").with("server_url", "not a url")).contains("is not a URL"));
}

#[test]
fn provider_specific_rules() {
    assert_eq!(
        error(hestia(3, "0/26.2.0.192.in-addr.arpa")),
        "zone 3 (0/26.2.0.192.in-addr.arpa): zone \"0/26.2.0.192.in-addr.arpa\": HestiaCP cannot hold a domain with '/'; use the 0-63 form of the RFC 2317 name"
    );
    assert_eq!(
        error(cloudflare(2, "example.com").with("ttl", 30i64)),
        "zone 2 (example.com): ttl 30 is not accepted by Cloudflare (1 for automatic, or 60 to 86400)"
    );
    assert_eq!(zone(cloudflare(2, "example.com").with("ttl", 1i64)).ttl, 1);
    assert_eq!(
        error(pdns(1, "example.com").with("ttl", "soon")),
        "zone 1 (example.com): ttl must be a whole number, not \"soon\""
    );
    assert_eq!(
        error(pdns(1, "example.com").with("ca_cert", "/etc/ssl/ca.pem")),
        "zone 1 (example.com): ca_cert must be the PEM text of a certificate, not a file path"
    );
    assert_eq!(
        error(pdns(1, "example.com").with("verify_tls", "maybe")),
        "zone 1 (example.com): verify_tls must be true or false, not \"maybe\""
    );
}

#[test]
fn fields_of_another_provider_are_dropped_and_output_keys_ignored() {
    let row = zone(
        pdns(1, "example.com")
            .with("api_token", "stale")
            .with("kind", "forward")
            .with("range", "x"),
    )
    .to_row();
    assert_eq!(row.get("api_token"), None);
    assert_eq!(row.get("kind"), None);
    assert_eq!(row.get("range"), None);
}

#[test]
fn mask_list_and_merge() {
    let z = zone(pdns(1, "2.0.192.in-addr.arpa"));
    let listed = z.to_listed_row();
    assert_eq!(listed.get("api_key"), Some(&Value::from(KEEP)));
    assert_eq!(listed.get("kind"), Some(&Value::from("reverse4")));
    assert_eq!(listed.get("range"), Some(&Value::from("192.0.2.0/24")));

    // mask works on broken rows too, and leaves absent secrets absent.
    let broken = Array::new()
        .with("api_token", "t")
        .with("admin_password", "")
        .with("zone", "??");
    assert_eq!(
        mask(&broken),
        Array::new()
            .with("api_token", KEEP)
            .with("admin_password", "")
            .with("zone", "??")
    );

    let stored = Value::Array(pdns(1, "example.com"));
    for kept in [Value::Null, Value::from(""), Value::from(KEEP)] {
        let submitted = Value::Array(
            Array::new()
                .with("id", "1")
                .with("api_key", kept)
                .with("ttl", 60i64),
        );
        let merged = merge(&stored, &submitted).unwrap();
        assert_eq!(
            merged.to_row().get("api_key"),
            Some(&Value::from("pdns-secret-1"))
        );
        assert_eq!(merged.ttl, 60);
        assert_eq!(
            merged.name.as_str(),
            "example.com",
            "missing fields keep stored values"
        );
    }
    let replaced = merge(
        &stored,
        &Value::Array(Array::new().with("api_key", "new-key")),
    )
    .unwrap();
    assert_eq!(
        replaced.to_row().get("api_key"),
        Some(&Value::from("new-key"))
    );
    assert_eq!(
        merge(&stored, &Value::Array(Array::new().with("id", 2i64)))
            .unwrap_err()
            .to_string(),
        "zone 1: the submitted id 2 is not the stored zone's id 1"
    );
    let to_cf = merge(
        &stored,
        &Value::Array(
            Array::new()
                .with("type", "cloudflare")
                .with("account_id", "a")
                .with("zone_id", "z"),
        ),
    );
    assert_eq!(
        to_cf.unwrap_err().to_string(),
        "zone 1 (example.com): api_token is required"
    );
}

#[test]
fn zone_sets_report_all_rows_and_refuse_duplicate_ids() {
    let rows = Value::Array(Array::list([
        Value::Array(pdns(5, "a.example")),
        Value::Array(pdns(5, "b.example")),
        Value::Array(Array::new().with("zone", "c.example")),
    ]));
    assert_eq!(
        ZoneSet::from_rows(&rows).unwrap_err().to_string(),
        "zone 5 (b.example): id 5 is already used by zone 5 (a.example); zone at index 2 (c.example): id is required; type is required"
    );
    let same = Value::Array(Array::list([
        Value::Array(pdns(5, "a.example")),
        Value::Array(pdns(6, "b.example").with("id", "5")),
    ]));
    assert!(
        matches!(ZoneSet::from_rows(&same), Err(ConfigError::Zones(_))),
        "\"5\" and 5 are one id"
    );
}

#[test]
fn matching_on_label_boundaries_and_reverse_levels() {
    let set = ZoneSet::from_rows(&Value::Array(Array::list([
        Value::Array(pdns(1, "puqcloud.com")),
        Value::Array(pdns(2, "uq.com")),
        Value::Array(pdns(3, "2.0.192.in-addr.arpa")),
        Value::Array(pdns(4, "192.in-addr.arpa")),
        Value::Array(pdns(5, "0/26.2.0.192.in-addr.arpa")),
        Value::Array(pdns(6, "8.b.d.0.1.0.0.2.ip6.arpa")),
    ])))
    .unwrap();
    let ids = |name: &str| -> Vec<String> {
        set.matching(name)
            .unwrap()
            .iter()
            .map(|z| z.id.to_string())
            .collect()
    };
    assert_eq!(ids("VM.PuqCloud.com."), ["1"]);
    assert_eq!(ids("cloud.com"), Vec::<String>::new());
    assert_eq!(ids("192.0.2.5"), ["3", "4", "5"]);
    assert_eq!(ids("192.0.2.100"), ["3", "4"]);
    assert_eq!(ids("5.2.0.192.in-addr.arpa"), ["3", "4", "5"]);
    assert_eq!(ids("5.0/26.2.0.192.in-addr.arpa"), ["3", "4", "5"]);
    assert_eq!(ids("2001:db8::1"), ["6"]);
    assert_eq!(
        set.matching("bad name").unwrap_err().to_string(),
        "name \"bad name\" contains ' ', which a DNS name cannot hold"
    );
    assert_eq!(
        reverse_name_of("192.0.2.1").unwrap().as_str(),
        "1.2.0.192.in-addr.arpa"
    );
    assert!(reverse_name_of("::ffff:192.0.2.1").is_err());
}
