use super::*;
use crate::error::ConfigError;
use crate::zone_set::{reverse_name_of, ZoneSet};

const CF_TOKEN: &str = "cfTok_Q7x9_SeCrEt_4411";
const HESTIA_PASSWORD: &str = "hestiaPw-Z3k8-SeCrEt 9023";
const PDNS_KEY: &str = "pdnsKey-M4n2-SeCrEt-7788";
const SECRETS: [&str; 3] = [CF_TOKEN, HESTIA_PASSWORD, PDNS_KEY];
const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----";

// ----------------------------------------------------------------- helpers

fn provider(name: &str) -> ProviderType {
    ProviderType::parse(name).unwrap()
}

fn cloudflare(id: i64, zone: &str) -> Array {
    Array::new()
        .with("id", id)
        .with("zone", zone)
        .with("type", "Cloudflare")
        .with("account_id", "acc0123")
        .with("zone_id", "zone0456")
        .with("api_token", CF_TOKEN)
}

fn hestiacp(id: i64, zone: &str) -> Array {
    Array::new()
        .with("id", id)
        .with("zone", zone)
        .with("type", "HestiaCP")
        .with("server_url", "https://hestia.example.com:8083")
        .with("admin_user", "admin")
        .with("admin_password", HESTIA_PASSWORD)
        .with("user", "dnsuser")
}

fn powerdns(id: i64, zone: &str) -> Array {
    Array::new()
        .with("id", id)
        .with("zone", zone)
        .with("type", "PowerDNS")
        .with("server_url", "https://pdns.example.com:8081")
        .with("api_key", PDNS_KEY)
}

fn assert_no_secret(text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "secret leaked: {text}");
    }
}

fn zone(row: Array) -> Zone {
    match Zone::from_row(&Value::Array(row), None) {
        Ok(zone) => zone,
        Err(e) => panic!("{e}"),
    }
}

/// The message of a refused row; it must never hold a secret.
fn refused(row: impl Into<Value>) -> String {
    let err = Zone::from_row(&row.into(), None).expect_err("the row should be refused");
    let message = err.to_string();
    assert_no_secret(&message);
    assert_no_secret(&format!("{err:?}"));
    message
}

fn refused_merge(stored: Array, submitted: Array) -> String {
    let err = merge(&stored.into(), &submitted.into()).expect_err("the merge should be refused");
    let message = err.to_string();
    assert_no_secret(&message);
    message
}

fn merged(stored: Array, submitted: Array) -> Array {
    match merge(&stored.into(), &submitted.into()) {
        Ok(zone) => zone.to_row(),
        Err(e) => panic!("{e}"),
    }
}

fn name(text: &str) -> DnsName {
    DnsName::parse(text).unwrap()
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// What `to_row` gives for [`cloudflare`] with every default.
fn cloudflare_row(id: i64, zone: &str) -> Array {
    Array::new()
        .with("id", id)
        .with("zone", zone)
        .with("type", "cloudflare")
        .with("account_id", "acc0123")
        .with("zone_id", "zone0456")
        .with("api_token", CF_TOKEN)
        .with("api_url", "https://api.cloudflare.com/client/v4")
        .with("ttl", 3600i64)
        .with("verify_tls", true)
        .with("ca_cert", Value::Null)
}

fn hestiacp_row(id: i64, zone: &str) -> Array {
    Array::new()
        .with("id", id)
        .with("zone", zone)
        .with("type", "hestiacp")
        .with("server_url", "https://hestia.example.com:8083/")
        .with("admin_user", "admin")
        .with("admin_password", HESTIA_PASSWORD)
        .with("user", "dnsuser")
        .with("ttl", 3600i64)
        .with("verify_tls", true)
        .with("ca_cert", Value::Null)
}

fn powerdns_row(id: i64, zone: &str) -> Array {
    Array::new()
        .with("id", id)
        .with("zone", zone)
        .with("type", "powerdns")
        .with("server_url", "https://pdns.example.com:8081")
        .with("api_key", PDNS_KEY)
        .with("server_id", "localhost")
        .with("ttl", 3600i64)
        .with("verify_tls", true)
        .with("ca_cert", Value::Null)
}

fn set(rows: Vec<Array>) -> ZoneSet {
    match ZoneSet::from_rows(&Array::list(rows).into()) {
        Ok(set) => set,
        Err(e) => panic!("{e}"),
    }
}

fn matching(set: &ZoneSet, name: &str) -> Vec<Value> {
    match set.matching(name) {
        Ok(zones) => zones.iter().map(|z| z.id.to_value()).collect(),
        Err(e) => panic!("{name}: {e}"),
    }
}

// ------------------------------------------------------- rows, normalised

#[test]
fn cloudflare_row_is_normalised_with_defaults() {
    let zone = zone(cloudflare(1, "PuqCloud.COM."));
    assert_eq!(zone.to_row(), cloudflare_row(1, "puqcloud.com"));
    assert_eq!(zone.kind, ZoneKind::Forward);
    assert_eq!(zone.provider_type(), provider("cloudflare"));
    assert_eq!(zone.label(), "zone 1 (puqcloud.com)");
}

#[test]
fn cloudflare_api_url_is_normalised() {
    for (given, stored) in [
        (
            "https://api.example.com/client/v4/",
            "https://api.example.com/client/v4",
        ),
        (
            "HTTPS://API.Example.com:443/client/v4",
            "https://api.example.com/client/v4",
        ),
        (
            "http://127.0.0.1:1/client/v4",
            "http://127.0.0.1:1/client/v4",
        ),
        ("  ", "https://api.cloudflare.com/client/v4"),
    ] {
        let row = zone(cloudflare(1, "example.com").with("api_url", given)).to_row();
        assert_eq!(row.get("api_url"), Some(&Value::from(stored)), "{given}");
    }
}

#[test]
fn hestiacp_row_is_normalised_and_server_url_gets_a_trailing_slash() {
    assert_eq!(
        zone(hestiacp(2, "2.0.192.IN-ADDR.ARPA.")).to_row(),
        hestiacp_row(2, "2.0.192.in-addr.arpa")
    );
    for given in [
        "https://hestia.example.com:8083",
        "https://hestia.example.com:8083/",
        "https://Hestia.Example.com:8083/api/",
        "https://hestia.example.com:8083/api",
        " https://hestia.example.com:8083// ",
    ] {
        let row = zone(hestiacp(2, "example.com").with("server_url", given)).to_row();
        assert_eq!(
            row.get("server_url"),
            Some(&Value::from("https://hestia.example.com:8083/")),
            "{given}"
        );
    }
    let row =
        zone(hestiacp(2, "example.com").with("server_url", "https://example.com/panel")).to_row();
    assert_eq!(
        row.get("server_url"),
        Some(&Value::from("https://example.com/panel/"))
    );
}

#[test]
fn hestiacp_password_may_hold_spaces_but_not_control_characters() {
    let zone = zone(hestiacp(2, "example.com").with("admin_password", " pass with spaces "));
    assert_eq!(zone.secret().expose(), "pass with spaces");
    assert_eq!(
        refused(hestiacp(2, "example.com").with("admin_password", "pass\nword")),
        "zone 2 (example.com): admin_password contains control characters"
    );
}

#[test]
fn powerdns_row_is_normalised_and_server_url_loses_slash_and_api_v1() {
    assert_eq!(
        zone(powerdns(3, "8.B.D.0.1.0.0.2.ip6.arpa")).to_row(),
        powerdns_row(3, "8.b.d.0.1.0.0.2.ip6.arpa")
    );
    for given in [
        "https://pdns.example.com:8081",
        "https://pdns.example.com:8081/",
        "https://pdns.example.com:8081/api/v1",
        "https://pdns.example.com:8081/api/v1/",
        "https://PDNS.example.com:8081//",
    ] {
        let row = zone(powerdns(3, "example.com").with("server_url", given)).to_row();
        assert_eq!(
            row.get("server_url"),
            Some(&Value::from("https://pdns.example.com:8081")),
            "{given}"
        );
    }
    let row = zone(powerdns(3, "example.com").with("server_id", "ns1.example_2-b")).to_row();
    assert_eq!(row.get("server_id"), Some(&Value::from("ns1.example_2-b")));
}

#[test]
fn type_is_read_in_any_case() {
    for (given, stored) in [
        ("PowerDNS", "powerdns"),
        ("powerdns", "powerdns"),
        (" POWERDNS ", "powerdns"),
    ] {
        let row = zone(powerdns(1, "example.com").with("type", given)).to_row();
        assert_eq!(row.get("type"), Some(&Value::from(stored)));
    }
    for given in ["HestiaCP", "hestiacp", "HESTIACP"] {
        let zone = zone(hestiacp(1, "example.com").with("type", given));
        assert_eq!(zone.provider_type(), provider("hestiacp"));
    }
    for given in ["Cloudflare", "cloudflare", "CloudFlare"] {
        let zone = zone(cloudflare(1, "example.com").with("type", given));
        assert_eq!(zone.provider_type(), provider("cloudflare"));
    }
}

#[test]
fn numeric_strings_as_pdo_returns_them_are_accepted() {
    let row = powerdns(1, "example.com")
        .with("id", "5")
        .with("ttl", "300")
        .with("verify_tls", "0");
    let zone = zone(row);
    assert_eq!(zone.id, Id::Int(5));
    assert_eq!(zone.ttl, 300);
    assert!(!zone.verify_tls);
    assert_eq!(
        zone.to_row(),
        powerdns_row(1, "example.com")
            .with("id", "5")
            .with("ttl", 300i64)
            .with("verify_tls", false)
    );
    let zone = self::zone(
        powerdns(1, "example.com")
            .with("ttl", "3600")
            .with("verify_tls", "1"),
    );
    assert_eq!((zone.ttl, zone.verify_tls), (3600, true));
}

#[test]
fn verify_tls_takes_bools_ints_and_the_usual_words() {
    for (given, expected) in [
        (Value::Bool(false), false),
        (Value::Bool(true), true),
        (Value::Int(0), false),
        (Value::Int(1), true),
        (Value::from("off"), false),
        (Value::from(" No "), false),
        (Value::from("false"), false),
        (Value::from("yes"), true),
        (Value::from("ON"), true),
        (Value::from("true"), true),
        (Value::from(""), true),
        (Value::Null, true),
    ] {
        let zone = zone(powerdns(1, "example.com").with("verify_tls", given.clone()));
        assert_eq!(zone.verify_tls, expected, "{given:?}");
    }
    assert_eq!(
        refused(powerdns(1, "example.com").with("verify_tls", "maybe")),
        "zone 1 (example.com): verify_tls must be true or false, not \"maybe\""
    );
    assert_eq!(
        refused(powerdns(1, "example.com").with("verify_tls", 2i64)),
        "zone 1 (example.com): verify_tls must be true or false, not 2"
    );
}

#[test]
fn ttl_is_a_whole_number_in_range() {
    for (given, expected) in [
        (Value::Int(1), 1),
        (Value::from(" 60 "), 60),
        (Value::Float(300.0), 300),
        (Value::Int(2_147_483_647), 2_147_483_647),
        (Value::from(""), 3600),
        (Value::Null, 3600),
    ] {
        let zone = zone(powerdns(1, "example.com").with("ttl", given.clone()));
        assert_eq!(zone.ttl, expected, "{given:?}");
    }
    for (given, message) in [
        (Value::Int(0), "ttl 0 is out of range (1 to 2147483647)"),
        (
            Value::from("-5"),
            "ttl -5 is out of range (1 to 2147483647)",
        ),
        (
            Value::Int(2_147_483_648),
            "ttl 2147483648 is out of range (1 to 2147483647)",
        ),
        (
            Value::from("soon"),
            "ttl must be a whole number, not \"soon\"",
        ),
        (
            Value::from("1e3"),
            "ttl must be a whole number, not \"1e3\"",
        ),
        (Value::Float(300.5), "ttl must be a whole number, not 300.5"),
        (Value::Bool(true), "ttl must be a whole number, not true"),
        (
            Value::from(Array::list([60i64])),
            "ttl must be a whole number, not an array",
        ),
    ] {
        assert_eq!(
            refused(powerdns(1, "example.com").with("ttl", given)),
            format!("zone 1 (example.com): {message}")
        );
    }
}

#[test]
fn cloudflare_ttl_is_1_or_60_to_86400() {
    for ttl in [1i64, 60, 300, 86_400] {
        let zone = zone(cloudflare(1, "example.com").with("ttl", ttl));
        assert_eq!(i64::from(zone.ttl), ttl);
    }
    assert_eq!(zone(cloudflare(1, "example.com").with("ttl", "1")).ttl, 1);
    for (ttl, message) in [
        (
            59i64,
            "ttl 59 is not accepted by Cloudflare (1 for automatic, or 60 to 86400)",
        ),
        (
            2,
            "ttl 2 is not accepted by Cloudflare (1 for automatic, or 60 to 86400)",
        ),
        (0, "ttl 0 is out of range (1 to 86400)"),
        (86_401, "ttl 86401 is out of range (1 to 86400)"),
    ] {
        assert_eq!(
            refused(cloudflare(1, "example.com").with("ttl", ttl)),
            format!("zone 1 (example.com): {message}")
        );
    }
    // Only Cloudflare has these limits.
    assert_eq!(zone(powerdns(1, "example.com").with("ttl", 30i64)).ttl, 30);
    assert_eq!(
        zone(hestiacp(1, "example.com").with("ttl", 86_401i64)).ttl,
        86_401
    );
}

#[test]
fn ca_cert_is_pem_text_not_a_path() {
    let zone = zone(hestiacp(2, "example.com").with("ca_cert", format!("\n{PEM}\n")));
    assert_eq!(zone.ca_cert.as_deref(), Some(PEM));
    assert_eq!(
        zone.to_row(),
        hestiacp_row(2, "example.com").with("ca_cert", PEM)
    );
    for path in ["/etc/ssl/certs/hestia.pem", "hestia.crt", "ca.pem"] {
        assert_eq!(
            refused(hestiacp(2, "example.com").with("ca_cert", path)),
            "zone 2 (example.com): ca_cert must be the PEM text of a certificate, not a file path",
            "{path}"
        );
    }
    for garbage in [
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\nMIIB",
        "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----",
    ] {
        assert_eq!(
            refused(hestiacp(2, "example.com").with("ca_cert", garbage)),
            "zone 2 (example.com): ca_cert must be PEM text with a -----BEGIN CERTIFICATE----- block",
            "{garbage}"
        );
    }
    assert_eq!(
        self::zone(hestiacp(2, "example.com").with("ca_cert", "")).ca_cert,
        None
    );
}

#[test]
fn unknown_columns_pass_through_unchanged_after_the_known_ones() {
    let row = Array::new()
        .with("notes", "primary zone")
        .with("id", 4i64)
        .with(7i64, "seven")
        .with("zone", "example.com")
        .with("status", Value::Null)
        .with("type", "powerdns")
        .with("server_url", "https://pdns.example.com:8081")
        .with("api_key", PDNS_KEY)
        .with("created_at", Array::new().with("date", "2026-01-01"));
    let zone = zone(row);
    assert_eq!(
        zone.extra,
        Array::new()
            .with("notes", "primary zone")
            .with(7i64, "seven")
            .with("status", Value::Null)
            .with("created_at", Array::new().with("date", "2026-01-01"))
    );
    let mut expected = powerdns_row(4, "example.com");
    for (k, v) in zone.extra.iter() {
        expected.insert(k.clone(), v.clone());
    }
    assert_eq!(zone.to_row(), expected);
    let keys: Vec<String> = zone.to_row().iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(
        keys,
        [
            "id",
            "zone",
            "type",
            "server_url",
            "api_key",
            "server_id",
            "ttl",
            "verify_tls",
            "ca_cert",
            "notes",
            "7",
            "status",
            "created_at"
        ]
    );
}

#[test]
fn fields_of_another_provider_are_dropped() {
    let row = powerdns(3, "example.com")
        .with("account_id", "acc0123")
        .with("zone_id", "zone0456")
        .with("api_token", CF_TOKEN)
        .with("api_url", "https://api.cloudflare.com/client/v4")
        .with("admin_user", "admin")
        .with("admin_password", HESTIA_PASSWORD)
        .with("user", "dnsuser");
    let zone = zone(row);
    assert_eq!(zone.to_row(), powerdns_row(3, "example.com"));
    assert!(zone.extra.is_empty());
    let debug = format!("{zone:?}");
    assert_no_secret(&debug);
    // Even a bad value in another provider's field does not matter.
    let zone = self::zone(cloudflare(1, "example.com").with("server_url", "not a url"));
    assert_eq!(zone.to_row(), cloudflare_row(1, "example.com"));
}

#[test]
fn kind_and_range_are_accepted_and_ignored_on_input() {
    let plain = zone(powerdns(3, "2.0.192.in-addr.arpa"));
    let listed_back = zone(
        plain
            .to_row()
            .with("kind", "forward")
            .with("range", "10.0.0.0/8"),
    );
    assert_eq!(listed_back, plain);
    assert_eq!(
        listed_back.to_row(),
        powerdns_row(3, "2.0.192.in-addr.arpa")
    );
}

#[test]
fn a_normalised_row_reads_back_to_the_same_zone() {
    for row in [
        cloudflare(1, "Example.com.")
            .with("ttl", "1")
            .with("note", "x"),
        hestiacp(2, "0-63.2.0.192.in-addr.arpa").with("ca_cert", PEM),
        powerdns(3, "ip6.arpa").with("verify_tls", "no"),
    ] {
        let zone = zone(row);
        assert_eq!(self::zone(zone.to_row()), zone);
        assert_eq!(self::zone(zone.to_row()).to_row(), zone.to_row());
    }
}

// --------------------------------------------------------------- ids, names

#[test]
fn ids_are_ints_or_non_blank_strings_echoed_as_given() {
    assert_eq!(
        zone(powerdns(5, "example.com")).id.to_value(),
        Value::Int(5)
    );
    let zone = zone(powerdns(0, "example.com").with("id", " 5 "));
    assert_eq!(zone.id.to_value(), Value::from("5"));
    assert_eq!(zone.id, Id::Int(5));
    assert_eq!(
        self::zone(powerdns(0, "example.com").with("id", "zone-a")).label(),
        "zone zone-a (example.com)"
    );
    for (id, message) in [
        (Value::Null, "id is required"),
        (Value::from("  "), "id is required"),
        (Value::Float(1.5), "id must be an int or a string, not 1.5"),
        (Value::Bool(true), "id must be an int or a string, not true"),
        (
            Value::from(Array::new()),
            "id must be an int or a string, not an array",
        ),
    ] {
        assert_eq!(
            refused(powerdns(0, "example.com").with("id", id.clone())),
            format!("zone row (example.com): {message}"),
            "{id:?}"
        );
    }
    let mut row = powerdns(0, "example.com");
    row.remove("id");
    assert_eq!(
        Zone::from_row(&row.into(), Some(4))
            .unwrap_err()
            .to_string(),
        "zone at index 4 (example.com): id is required"
    );
}

#[test]
fn a_row_that_is_not_an_array_is_named_by_index() {
    assert_eq!(
        Zone::from_row(&Value::from("example.com"), Some(2))
            .unwrap_err()
            .to_string(),
        "zone at index 2: a zone row must be an array, not string"
    );
    assert_eq!(
        Zone::from_row(&Value::Null, None).unwrap_err(),
        ZoneRowError {
            zone: "zone row".to_owned(),
            problems: vec!["a zone row must be an array, not null".to_owned()],
        }
    );
}

#[test]
fn zone_names_lose_case_one_trailing_dot_and_surrounding_space() {
    for given in ["Example.COM.", " example.com ", "EXAMPLE.com"] {
        let zone = zone(powerdns(1, given));
        assert_eq!(zone.name.as_str(), "example.com", "{given}");
    }
    let zone = zone(hestiacp(1, "0-63.2.0.192.In-Addr.Arpa."));
    assert_eq!(zone.name.as_str(), "0-63.2.0.192.in-addr.arpa");
}

#[test]
fn bad_zone_names_are_refused_with_the_reason() {
    let long = "a".repeat(64);
    for (given, message) in [
        (Value::from(""), "zone is required".to_owned()),
        (Value::from("   "), "zone is required".to_owned()),
        (Value::Null, "zone is required".to_owned()),
        (Value::from("."), "zone is empty".to_owned()),
        (
            Value::from("my zone.com"),
            "zone \"my zone.com\" contains ' ', which a DNS name cannot hold".to_owned(),
        ),
        (
            Value::from("example..com"),
            "zone \"example..com\" has an empty label".to_owned(),
        ),
        (
            Value::from("example.com.."),
            "zone \"example.com..\" has an empty label".to_owned(),
        ),
        (
            Value::from(format!("{long}.com")),
            format!(
                "zone \"{long}.com\" has a label of 64 bytes (\"{long}\"); a label holds at most 63"
            ),
        ),
        (
            Value::from("a/b.example.com"),
            "zone \"a/b.example.com\" contains '/', which only RFC 2317 reverse zones under in-addr.arpa may hold"
                .to_owned(),
        ),
        (
            Value::from(Array::list(["example.com"])),
            "zone must be a string, not array".to_owned(),
        ),
        (Value::Bool(true), "zone must be a string, not bool".to_owned()),
    ] {
        assert_eq!(
            refused(powerdns(1, "").with("zone", given.clone())),
            format!("zone 1: {message}"),
            "{given:?}"
        );
    }
    // A well-formed name that is a malformed reverse zone is named in the label.
    for (given, message) in [
        (
            "256.0.192.in-addr.arpa",
            "\"256.0.192.in-addr.arpa\" is under in-addr.arpa but \"256\" is not an octet (0-255)",
        ),
        (
            "5/26.2.0.192.in-addr.arpa",
            "\"5/26.2.0.192.in-addr.arpa\": 5 is not the start of a /26 block",
        ),
        (
            "x.8.b.d.0.1.0.0.2.ip6.arpa",
            "\"x.8.b.d.0.1.0.0.2.ip6.arpa\" is under ip6.arpa but \"x\" is not one hex nibble",
        ),
    ] {
        assert_eq!(
            refused(powerdns(1, given)),
            format!("zone 1 ({given}): zone {message}")
        );
    }
    assert!(zone(powerdns(1, &format!("{}.com", "a".repeat(63))))
        .name
        .as_str()
        .starts_with("aaa"));
}

#[test]
fn unknown_or_missing_types_are_refused() {
    for (given, message) in [
        (
            Value::from("bind"),
            "type \"bind\" is not one of cloudflare, hestiacp, powerdns, rfc2136",
        ),
        (
            Value::from("power dns"),
            "type \"power dns\" is not one of cloudflare, hestiacp, powerdns, rfc2136",
        ),
        (
            Value::Int(3),
            "type \"3\" is not one of cloudflare, hestiacp, powerdns, rfc2136",
        ),
        (Value::from(""), "type is required"),
        (Value::Null, "type is required"),
        (
            Value::from(Array::new()),
            "type must be a string, not array",
        ),
    ] {
        assert_eq!(
            refused(powerdns(1, "example.com").with("type", given.clone())),
            format!("zone 1 (example.com): {message}"),
            "{given:?}"
        );
    }
}

// ------------------------------------------------------ provider fields

#[test]
fn missing_provider_fields_are_each_named() {
    let bare = |t: &str| {
        Array::new()
            .with("id", 9i64)
            .with("zone", "example.com")
            .with("type", t)
    };
    assert_eq!(
        refused(bare("cloudflare")),
        "zone 9 (example.com): account_id is required; zone_id is required; api_token is required"
    );
    assert_eq!(
        refused(bare("hestiacp")),
        "zone 9 (example.com): server_url is required; admin_user is required; admin_password is required; user is required"
    );
    assert_eq!(
        refused(bare("powerdns")),
        "zone 9 (example.com): server_url is required; api_key is required"
    );
}

#[test]
fn name_like_fields_refuse_characters_that_do_not_belong() {
    assert_eq!(
        refused(cloudflare(1, "example.com").with("account_id", "acc-1")),
        "zone 1 (example.com): account_id \"acc-1\" contains '-'; a Cloudflare id is letters and digits"
    );
    assert_eq!(
        refused(cloudflare(1, "example.com").with("zone_id", "zone/../x")),
        "zone 1 (example.com): zone_id \"zone/../x\" contains '/'; a Cloudflare id is letters and digits"
    );
    assert_eq!(
        refused(hestiacp(2, "example.com").with("user", "dns user")),
        "zone 2 (example.com): user \"dns user\" contains ' '; a HestiaCP user name is letters, digits, '.', '_' and '-', and does not start with '-'"
    );
    assert_eq!(
        refused(hestiacp(2, "example.com").with("admin_user", "admin;id")),
        "zone 2 (example.com): admin_user \"admin;id\" contains ';'; a HestiaCP user name is letters, digits, '.', '_' and '-', and does not start with '-'"
    );
    assert_eq!(
        refused(powerdns(3, "example.com").with("server_id", "local/host")),
        "zone 3 (example.com): server_id \"local/host\" contains '/'; a PowerDNS server id is letters, digits, '.', '_' and '-', and does not start with '-'"
    );
    // HestiaCP passes its user names to shell scripts as arguments.
    assert_eq!(
        refused(hestiacp(2, "example.com").with("user", "-rf")),
        "zone 2 (example.com): user \"-rf\" starts with '-'; a HestiaCP user name is letters, digits, '.', '_' and '-', and does not start with '-'"
    );
    assert_eq!(
        refused(hestiacp(2, "-x.example.com")),
        "zone 2: zone \"-x.example.com\" has a label that starts with '-' (\"-x\"), which no host name may have"
    );
    // Ints are text for these fields.
    let zone = zone(cloudflare(1, "example.com").with("account_id", 12345i64));
    assert_eq!(zone.to_row().get("account_id"), Some(&Value::from("12345")));
}

#[test]
fn secrets_must_be_strings_and_the_message_names_only_the_field() {
    for (field, row) in [
        ("api_token", cloudflare(1, "example.com")),
        ("admin_password", hestiacp(1, "example.com")),
        ("api_key", powerdns(1, "example.com")),
    ] {
        for (value, what) in [
            (Value::Int(918_273_645), "int"),
            (Value::Float(3.25), "float"),
            (Value::Bool(true), "bool"),
            (Value::from(Array::list([CF_TOKEN, PDNS_KEY])), "array"),
        ] {
            let message = refused(row.clone().with(field, value));
            assert_eq!(
                message,
                format!("zone 1 (example.com): {field} must be a string, not {what}")
            );
            assert!(!message.contains("918273645"), "{message}");
            assert!(!message.contains("3.25"), "{message}");
        }
        for missing in [Value::Null, Value::from(""), Value::from(" \t ")] {
            assert_eq!(
                refused(row.clone().with(field, missing)),
                format!("zone 1 (example.com): {field} is required")
            );
        }
        assert_eq!(
            refused(row.clone().with(field, KEEP)),
            format!(
                "zone 1 (example.com): {field} is the __KEEP__ placeholder, not a credential; pass the stored row through merge() first"
            )
        );
        assert_eq!(
            refused(row.clone().with(field, format!(" {KEEP} "))),
            format!(
                "zone 1 (example.com): {field} is the __KEEP__ placeholder, not a credential; pass the stored row through merge() first"
            )
        );
    }
}

#[test]
fn header_secrets_hold_only_visible_ascii() {
    for (field, row) in [
        ("api_token", cloudflare(1, "example.com")),
        ("api_key", powerdns(1, "example.com")),
    ] {
        for bad in ["tok en-SeCrEt", "tok\r\nX-Evil: 1", "tökenSeCrEt"] {
            let message = refused(row.clone().with(field, bad));
            assert_eq!(
                message,
                format!(
                    "zone 1 (example.com): {field} may hold only visible ASCII characters (no spaces)"
                )
            );
        }
        let zone = zone(row.clone().with(field, "  trimmed-SeCrEt  "));
        assert_eq!(
            zone.to_row().get(field),
            Some(&Value::from("trimmed-SeCrEt"))
        );
    }
}

#[test]
fn no_secret_in_debug_or_display() {
    for row in [
        cloudflare(1, "example.com"),
        hestiacp(2, "example.com"),
        powerdns(3, "example.com"),
    ] {
        let zone = zone(row);
        let debug = format!("{zone:?} {:?} {zone:#?}", zone.provider);
        assert_no_secret(&debug);
        assert!(debug.contains("***"), "{debug}");
        assert_no_secret(&format!("{:?}", zone.to_masked_row()));
        assert_no_secret(&format!("{:?}", zone.to_listed_row()));
    }
}

#[test]
fn urls_with_credentials_are_refused_without_echoing_them() {
    let password = "pw-Hunter2-SeCrEt";
    let credential = "must not hold a user name or password; put the credential in its own field";
    for (row, field) in [
        (cloudflare(1, "example.com"), "api_url"),
        (hestiacp(1, "example.com"), "server_url"),
        (powerdns(1, "example.com"), "server_url"),
    ] {
        for (url, reason) in [
            (
                format!("https://admin:{password}@host.example.com:8083/"),
                credential,
            ),
            (format!("https://{password}@host.example.com/"), credential),
            (
                format!("ftp://admin:{password}@host.example.com/"),
                credential,
            ),
            (
                format!("https://admin:{password}@host.example.com/?x=1"),
                credential,
            ),
            (
                format!("https://admin:{password}@host.example.com:99999/"),
                "is not a URL (invalid port number)",
            ),
            (
                format!("https://admin:{password}@/"),
                "is not a URL (empty host)",
            ),
        ] {
            let message = refused(row.clone().with(field, url.as_str()));
            assert_eq!(
                message,
                format!("zone 1 (example.com): {field} {reason}"),
                "{url}"
            );
        }
    }
}

#[test]
fn bad_urls_are_refused_with_the_reason() {
    for (url, reason) in [
        (
            "pdns.example.com:8081",
            "\"pdns.example.com:8081\" must start with http:// or https://",
        ),
        (
            "pdns.example.com",
            "\"pdns.example.com\" is not a URL (relative URL without a base)",
        ),
        (
            "ftp://pdns.example.com",
            "\"ftp://pdns.example.com\" must start with http:// or https://",
        ),
        (
            "https://pdns.example.com/?x=1",
            "\"https://pdns.example.com/?x=1\" must not have a query or fragment",
        ),
        (
            "https://pdns.example.com/#top",
            "\"https://pdns.example.com/#top\" must not have a query or fragment",
        ),
        (
            "https://pdns.example.com:99999",
            "\"https://pdns.example.com:99999\" is not a URL (invalid port number)",
        ),
    ] {
        assert_eq!(
            refused(powerdns(1, "example.com").with("server_url", url)),
            format!("zone 1 (example.com): server_url {reason}"),
            "{url}"
        );
    }
    assert_eq!(
        refused(powerdns(1, "example.com").with("server_url", Array::new())),
        "zone 1 (example.com): server_url must be a string, not array"
    );
}

#[test]
fn hestiacp_refuses_an_rfc2317_zone_with_a_slash() {
    assert_eq!(
        refused(hestiacp(2, "0/26.2.0.192.in-addr.arpa")),
        "zone 2 (0/26.2.0.192.in-addr.arpa): zone \"0/26.2.0.192.in-addr.arpa\": HestiaCP cannot hold a domain with '/'; use the 0-63 form of the RFC 2317 name"
    );
    assert_eq!(
        zone(hestiacp(2, "0-63.2.0.192.in-addr.arpa")).name.as_str(),
        "0-63.2.0.192.in-addr.arpa"
    );
    for row in [
        powerdns(3, "0/26.2.0.192.in-addr.arpa"),
        cloudflare(1, "0/26.2.0.192.in-addr.arpa"),
    ] {
        assert_eq!(zone(row).name.as_str(), "0/26.2.0.192.in-addr.arpa");
    }
}

#[test]
fn every_problem_of_a_row_is_listed_at_once() {
    let row = Array::new()
        .with("id", 7i64)
        .with("zone", "bad zone")
        .with("type", "cloudflare")
        .with("account_id", "acc-1")
        .with("api_token", 42i64)
        .with("api_url", "ftp://api.example.com")
        .with("ttl", "30")
        .with("verify_tls", "perhaps")
        .with("ca_cert", "/etc/ca.pem");
    let err = Zone::from_row(&row.into(), Some(0)).unwrap_err();
    assert_eq!(err.zone, "zone 7");
    assert_eq!(
        err.problems,
        [
            "zone \"bad zone\" contains ' ', which a DNS name cannot hold",
            "account_id \"acc-1\" contains '-'; a Cloudflare id is letters and digits",
            "zone_id is required",
            "api_token must be a string, not int",
            "api_url \"ftp://api.example.com\" must start with http:// or https://",
            "ttl 30 is not accepted by Cloudflare (1 for automatic, or 60 to 86400)",
            "verify_tls must be true or false, not \"perhaps\"",
            "ca_cert must be the PEM text of a certificate, not a file path",
        ]
    );
    assert!(err.to_string().starts_with(
        "zone 7: zone \"bad zone\" contains ' ', which a DNS name cannot hold; account_id"
    ));
}

// --------------------------------------------------------------- masking

#[test]
fn masked_rows_replace_every_secret_by_keep() {
    assert_eq!(
        zone(cloudflare(1, "example.com")).to_masked_row(),
        cloudflare_row(1, "example.com").with("api_token", KEEP)
    );
    assert_eq!(
        zone(hestiacp(2, "example.com")).to_masked_row(),
        hestiacp_row(2, "example.com").with("admin_password", KEEP)
    );
    assert_eq!(
        zone(powerdns(3, "example.com")).to_masked_row(),
        powerdns_row(3, "example.com").with("api_key", KEEP)
    );
}

#[test]
fn mask_works_on_any_row_valid_or_not() {
    let row = Array::new()
        .with("id", "x")
        .with("api_token", 12345i64)
        .with("admin_password", "")
        .with("api_key", Value::Null)
        .with("server_url", "https://admin:pw@host/")
        .with("other", CF_TOKEN)
        .with(0i64, "zero");
    assert_eq!(
        mask(&row),
        Array::new()
            .with("id", "x")
            .with("api_token", KEEP)
            .with("admin_password", "")
            .with("api_key", Value::Null)
            .with("server_url", "https://admin:pw@host/")
            .with("other", CF_TOKEN)
            .with(0i64, "zero")
    );
    let secrets_as_arrays = Array::new()
        .with("api_key", Array::list([PDNS_KEY]))
        .with("admin_password", false);
    assert_eq!(
        mask(&secrets_as_arrays),
        Array::new()
            .with("api_key", KEEP)
            .with("admin_password", KEEP)
    );
    assert_eq!(mask(&Array::new()), Array::new());
    assert_eq!(
        mask(&mask(&powerdns(3, "x.com"))),
        mask(&powerdns(3, "x.com"))
    );
}

#[test]
fn listed_rows_are_masked_and_say_kind_and_range() {
    let listed = |row: Array| zone(row).to_listed_row();
    assert_eq!(
        listed(cloudflare(1, "example.com")),
        cloudflare_row(1, "example.com")
            .with("api_token", KEEP)
            .with("kind", "forward")
            .with("range", Value::Null)
    );
    for (zone_name, kind, range) in [
        ("2.0.192.in-addr.arpa", "reverse4", "192.0.2.0/24"),
        ("in-addr.arpa", "reverse4", "0.0.0.0/0"),
        ("0/26.2.0.192.in-addr.arpa", "reverse4", "192.0.2.0/26"),
        ("64-127.2.0.192.in-addr.arpa", "reverse4", "192.0.2.64/26"),
        (
            "10-20.2.0.192.in-addr.arpa",
            "reverse4",
            "192.0.2.10-192.0.2.20",
        ),
        ("8.b.d.0.1.0.0.2.ip6.arpa", "reverse6", "2001:db8::/32"),
    ] {
        assert_eq!(
            listed(powerdns(3, zone_name)),
            powerdns_row(3, zone_name)
                .with("api_key", KEEP)
                .with("kind", kind)
                .with("range", range),
            "{zone_name}"
        );
    }
    // Extra columns stay before kind and range.
    let keys: Vec<String> = listed(powerdns(3, "example.com").with("note", "n"))
        .iter()
        .map(|(k, _)| k.to_string())
        .collect();
    assert_eq!(keys[9..], ["note", "kind", "range"]);
}

// ----------------------------------------------------------------- merge

#[test]
fn merge_keeps_the_stored_secret_when_the_form_sends_none_or_keep() {
    for (provider, stored) in [
        ("api_token", cloudflare(1, "example.com")),
        ("admin_password", hestiacp(1, "example.com")),
        ("api_key", powerdns(1, "example.com")),
    ] {
        let expected = zone(stored.clone()).to_row();
        let form = zone(stored.clone()).to_masked_row();
        assert_eq!(merged(stored.clone(), form.clone()), expected, "{provider}");
        for kept in [
            Value::from(""),
            Value::from("  "),
            Value::from(KEEP),
            Value::from(format!(" {KEEP} ")),
            Value::Null,
        ] {
            let submitted = form.clone().with(provider, kept.clone());
            assert_eq!(
                merged(stored.clone(), submitted),
                expected,
                "{provider} {kept:?}"
            );
        }
        let mut without = form.clone();
        without.remove(provider);
        assert_eq!(merged(stored.clone(), without), expected, "{provider}");
    }
}

#[test]
fn merge_replaces_the_secret_with_a_new_value() {
    let row = merged(
        powerdns(3, "example.com"),
        Array::new().with("api_key", "brand-new-key"),
    );
    assert_eq!(
        row,
        powerdns_row(3, "example.com").with("api_key", "brand-new-key")
    );
    let row = merged(
        hestiacp(2, "example.com"),
        Array::new().with("admin_password", " other pw "),
    );
    assert_eq!(
        row,
        hestiacp_row(2, "example.com").with("admin_password", "other pw")
    );
    assert_eq!(
        refused_merge(
            cloudflare(1, "example.com"),
            Array::new().with("api_token", 1234i64)
        ),
        "zone 1 (example.com): api_token must be a string, not int"
    );
}

#[test]
fn merge_keeps_stored_fields_the_form_did_not_send() {
    let stored = powerdns(3, "example.com")
        .with("ttl", "600")
        .with("verify_tls", false)
        .with("server_id", "ns1")
        .with("ca_cert", PEM)
        .with("note", "kept");
    let row = merged(
        stored,
        Array::new()
            .with("zone", "Example.NET.")
            .with("ttl", 120i64),
    );
    assert_eq!(
        row,
        powerdns_row(3, "example.net")
            .with("server_id", "ns1")
            .with("ttl", 120i64)
            .with("verify_tls", false)
            .with("ca_cert", PEM)
            .with("note", "kept")
    );
}

#[test]
fn merge_takes_the_id_as_submitted_when_it_is_the_same_id() {
    let row = merged(powerdns(3, "example.com"), Array::new().with("id", "3"));
    assert_eq!(row, powerdns_row(3, "example.com").with("id", "3"));
    let row = merged(powerdns(3, "example.com"), Array::new().with("id", " 3 "));
    assert_eq!(row.get("id"), Some(&Value::from("3")));
}

#[test]
fn merge_refuses_another_id_and_non_arrays() {
    assert_eq!(
        refused_merge(
            cloudflare(7, "example.com"),
            Array::new().with("id", 8i64).with("api_token", "x")
        ),
        "zone 7: the submitted id 8 is not the stored zone's id 7"
    );
    assert_eq!(
        refused_merge(cloudflare(7, "example.com"), Array::new().with("id", "07")),
        "zone 7: the submitted id 07 is not the stored zone's id 7"
    );
    let err = merge(&Value::from("row"), &Array::new().into()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "zone row: the stored zone must be an array"
    );
    let err = merge(&powerdns(3, "x.com").into(), &Value::Int(3)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "zone row: the submitted zone must be an array"
    );
}

#[test]
fn merge_validates_the_result() {
    assert_eq!(
        refused_merge(
            cloudflare(7, "example.com"),
            Array::new().with("zone", "bad zone")
        ),
        "zone 7: zone \"bad zone\" contains ' ', which a DNS name cannot hold"
    );
    // A stored row without a secret cannot be saved with KEEP.
    let mut stored = cloudflare(7, "example.com");
    stored.remove("api_token");
    assert_eq!(
        refused_merge(stored, Array::new().with("api_token", KEEP)),
        "zone 7 (example.com): api_token is required"
    );
}

#[test]
fn merge_to_another_type_needs_the_new_providers_secret() {
    let stored = cloudflare(1, "example.com");
    let to_pdns = Array::new()
        .with("type", "PowerDNS")
        .with("server_url", "https://pdns.example.com:8081/api/v1")
        .with("api_token", KEEP);
    assert_eq!(
        refused_merge(stored.clone(), to_pdns.clone()),
        "zone 1 (example.com): api_key is required"
    );
    assert_eq!(
        refused_merge(stored.clone(), to_pdns.clone().with("api_key", KEEP)),
        "zone 1 (example.com): api_key is required"
    );
    assert_eq!(
        merged(stored, to_pdns.with("api_key", PDNS_KEY)),
        powerdns_row(1, "example.com")
    );
}

#[test]
fn a_kept_secret_is_refused_for_another_server() {
    let again = |field: &str, changed: &str| {
        format!(
            "{field} must be entered again because {changed} changed; a stored credential is only sent to the server it was saved for"
        )
    };
    // The URL the credential is sent to, for each provider.
    assert_eq!(
        refused_merge(
            powerdns(3, "example.com"),
            Array::new()
                .with("server_url", "https://evil.example:8081")
                .with("api_key", KEEP)
        ),
        format!("zone 3 (example.com): {}", again("api_key", "server_url"))
    );
    assert_eq!(
        refused_merge(
            hestiacp(4, "example.com"),
            Array::new().with("server_url", "https://evil.example:8083/")
        ),
        format!(
            "zone 4 (example.com): {}",
            again("admin_password", "server_url")
        )
    );
    assert_eq!(
        refused_merge(
            cloudflare(5, "example.com"),
            Array::new()
                .with("api_url", "https://evil.example/client/v4")
                .with("api_token", "")
        ),
        format!("zone 5 (example.com): {}", again("api_token", "api_url"))
    );
    // Turning the certificate check off, or trusting another certificate,
    // is a new server as far as the credential is concerned.
    assert_eq!(
        refused_merge(
            powerdns(3, "example.com"),
            Array::new().with("verify_tls", "0")
        ),
        format!("zone 3 (example.com): {}", again("api_key", "verify_tls"))
    );
    assert_eq!(
        refused_merge(
            hestiacp(4, "example.com"),
            Array::new().with("ca_cert", PEM)
        ),
        format!(
            "zone 4 (example.com): {}",
            again("admin_password", "ca_cert")
        )
    );
    assert_eq!(
        refused_merge(
            powerdns(3, "example.com").with("ca_cert", PEM),
            Array::new()
                .with("ca_cert", Value::Null)
                .with("server_url", "http://10.0.0.9:8081")
        ),
        format!(
            "zone 3 (example.com): {}",
            again("api_key", "server_url and ca_cert")
        )
    );
    // A type change that keeps a secret the new provider also calls its own.
    let stored = powerdns(3, "example.com")
        .with("admin_password", HESTIA_PASSWORD)
        .with("admin_user", "admin")
        .with("user", "dnsuser");
    assert_eq!(
        refused_merge(stored, Array::new().with("type", "hestiacp")),
        format!("zone 3 (example.com): {}", again("admin_password", "type"))
    );
}

#[test]
fn a_kept_secret_is_judged_by_the_form_not_by_comparing_values() {
    // A stored secret with a trailing newline (a row written by hand or by
    // an older module) normalises to another value; the form still kept it.
    let stored = powerdns(3, "example.com").with("api_key", format!("{PDNS_KEY}\n"));
    assert_eq!(
        refused_merge(stored.clone(), Array::new().with("server_url", "https://evil.example")),
        "zone 3 (example.com): api_key must be entered again because server_url changed; a stored credential is only sent to the server it was saved for"
    );
    // Typed again, even as the same value, it may go anywhere.
    let row = merged(
        stored,
        Array::new()
            .with("server_url", "https://pdns2.example.com")
            .with("api_key", PDNS_KEY),
    );
    assert_eq!(
        row.get("server_url"),
        Some(&Value::from("https://pdns2.example.com"))
    );
}

#[test]
fn a_kept_secret_may_stay_with_the_same_server_in_another_spelling() {
    // The same server, written as the parser would not: no change.
    let row = merged(
        hestiacp(4, "example.com"),
        Array::new()
            .with("server_url", "HTTPS://Hestia.Example.com:8083/api/")
            .with("admin_password", KEEP)
            .with("user", "other"),
    );
    assert_eq!(row.get("user"), Some(&Value::from("other")));
    let row = merged(
        powerdns(3, "example.com"),
        Array::new()
            .with("server_url", "https://pdns.example.com:8081/api/v1/")
            .with("ttl", 60i64),
    );
    assert_eq!(row.get("ttl"), Some(&Value::from(60i64)));
    // Cloudflare's default API URL is the same as leaving it out.
    merged(
        cloudflare(5, "example.com"),
        Array::new().with("api_url", "https://api.cloudflare.com/client/v4/"),
    );
    // Turning the check on, or changing fields that do not say where the
    // secret goes, keeps it.
    let row = merged(
        powerdns(3, "example.com").with("verify_tls", false),
        Array::new()
            .with("verify_tls", true)
            .with("server_id", "ns2"),
    );
    assert_eq!(row.get("verify_tls"), Some(&Value::Bool(true)));
    merged(
        powerdns(3, "example.com").with("ca_cert", PEM),
        Array::new().with("ca_cert", format!("  {PEM}\n")),
    );
}

// --------------------------------------------------------------- matching

#[test]
fn forward_zones_hold_names_on_label_boundaries() {
    let zone = zone(powerdns(1, "puqcloud.com"));
    for inside in ["vm.puqcloud.com", "puqcloud.com", "a.b.puqcloud.com"] {
        assert!(zone.holds_name(&name(inside)), "{inside}");
        assert!(zone.holds_forward(&name(inside)), "{inside}");
    }
    for outside in ["uqcloud.com", "xpuqcloud.com", "com", "puqcloud.com.au"] {
        assert!(!zone.holds_name(&name(outside)), "{outside}");
        assert!(!zone.holds_forward(&name(outside)), "{outside}");
    }
    assert!(!self::zone(powerdns(1, "uq.com")).holds_forward(&name("vm.puqcloud.com")));
    assert!(!self::zone(powerdns(1, "cloud.com")).holds_forward(&name("vm.puqcloud.com")));
    assert_eq!(zone.ptr_name(ip("192.0.2.5")), None);
    assert_eq!(zone.ptr_name(ip("2001:db8::5")), None);
}

#[test]
fn reverse_zones_never_hold_forward_records() {
    let zone = zone(powerdns(1, "in-addr.arpa"));
    assert!(!zone.holds_forward(&name("5.2.0.192.in-addr.arpa")));
    assert!(zone.holds_name(&name("5.2.0.192.in-addr.arpa")));
    let zone = self::zone(powerdns(1, "ip6.arpa"));
    assert!(!zone.holds_forward(&name("1.ip6.arpa")));
}

#[test]
fn ipv4_reverse_zones_take_addresses_at_every_delegation_level() {
    for zone_name in [
        "5.2.0.192.in-addr.arpa",
        "2.0.192.in-addr.arpa",
        "0.192.in-addr.arpa",
        "192.in-addr.arpa",
        "in-addr.arpa",
    ] {
        let zone = zone(powerdns(1, zone_name));
        assert_eq!(
            zone.ptr_name(ip("192.0.2.5")),
            Some(name("5.2.0.192.in-addr.arpa")),
            "{zone_name}"
        );
        assert!(zone.holds_name(&name("5.2.0.192.in-addr.arpa")));
        assert_eq!(zone.ptr_name(ip("2001:db8::5")), None);
    }
    let zone = zone(powerdns(1, "2.0.192.in-addr.arpa"));
    assert_eq!(zone.ptr_name(ip("192.0.3.5")), None);
    assert_eq!(zone.ptr_name(ip("193.0.2.5")), None);
    assert!(!zone.holds_name(&name("5.3.0.192.in-addr.arpa")));
    assert!(!zone.holds_name(&name("12.0.192.in-addr.arpa")));
}

#[test]
fn classless_zones_take_their_range_and_name_the_ptr_inside_the_zone() {
    for zone_name in ["0/26.2.0.192.in-addr.arpa", "0-63.2.0.192.in-addr.arpa"] {
        let zone = zone(powerdns(1, zone_name));
        for (address, ptr) in [("192.0.2.0", "0"), ("192.0.2.5", "5"), ("192.0.2.63", "63")] {
            assert_eq!(
                zone.ptr_name(ip(address)),
                Some(name(&format!("{ptr}.{zone_name}"))),
                "{zone_name} {address}"
            );
        }
        for address in ["192.0.2.64", "192.0.2.255", "192.0.3.5", "2001:db8::5"] {
            assert_eq!(zone.ptr_name(ip(address)), None, "{zone_name} {address}");
        }
        assert!(zone.holds_name(&name(&format!("5.{zone_name}"))));
        assert!(zone.holds_name(&name("5.2.0.192.in-addr.arpa")));
        assert!(!zone.holds_name(&name("64.2.0.192.in-addr.arpa")));
        assert!(!zone.holds_name(&name("5.3.0.192.in-addr.arpa")));
        assert!(!zone.holds_name(&name("2.0.192.in-addr.arpa")));
        // Four octet-like labels under another suffix are not a reverse name.
        assert!(!zone.holds_name(&name("5.2.0.192.example.com")));
        assert!(!zone.holds_name(&name("5.2.0.192.ip6.arpa")));
    }
}

#[test]
fn ipv6_zones_take_addresses_whose_nibble_name_they_end() {
    let zone = zone(powerdns(1, "8.b.d.0.1.0.0.2.ip6.arpa"));
    let full = "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
    assert_eq!(zone.ptr_name(ip("2001:db8::7")), Some(name(full)));
    assert_eq!(zone.ptr_name(ip("2001:DB8::7")), Some(name(full)));
    assert_eq!(zone.ptr_name(ip("2001:db9::7")), None);
    assert_eq!(zone.ptr_name(ip("192.0.2.7")), None);
    assert!(zone.holds_name(&name(full)));
    assert!(!zone.holds_name(&name("8.b.d.0.1.0.0.3.ip6.arpa")));
    let root = self::zone(powerdns(1, "ip6.arpa"));
    assert_eq!(root.ptr_name(ip("2001:db8::7")), Some(name(full)));
    // A zone of all 32 nibbles is refused: it is not a proper suffix.
    assert_eq!(
        refused(powerdns(1, full)),
        format!(
            "zone 1 ({full}): zone \"{full}\" has all 32 nibbles: a zone of one address cannot hold a PTR below it"
        )
    );
}

// --------------------------------------------------------------- zone sets

#[test]
fn a_zone_set_keeps_the_rows_in_order() {
    let set = set(vec![
        cloudflare(1, "puqcloud.com"),
        hestiacp(2, "2.0.192.in-addr.arpa"),
        powerdns(3, "8.b.d.0.1.0.0.2.ip6.arpa"),
    ]);
    let ids: Vec<String> = set.zones().iter().map(|z| z.label()).collect();
    assert_eq!(
        ids,
        [
            "zone 1 (puqcloud.com)",
            "zone 2 (2.0.192.in-addr.arpa)",
            "zone 3 (8.b.d.0.1.0.0.2.ip6.arpa)"
        ]
    );
    assert_eq!(
        set.find(&Id::Str("2".into())).map(Zone::label),
        Some("zone 2 (2.0.192.in-addr.arpa)".to_owned())
    );
    assert_eq!(set.find(&Id::Int(4)), None);
    let empty = ZoneSet::from_rows(&Array::new().into()).unwrap();
    assert!(empty.zones().is_empty());
    assert_eq!(empty.listed(), Array::new());
}

#[test]
fn rows_keyed_by_id_are_read_in_order() {
    let rows = Array::new()
        .with(10i64, powerdns(10, "a.example"))
        .with("x", powerdns(11, "b.example"));
    let set = ZoneSet::from_rows(&rows.into()).unwrap();
    let ids: Vec<Value> = set.zones().iter().map(|z| z.id.to_value()).collect();
    assert_eq!(ids, [Value::Int(10), Value::Int(11)]);
}

#[test]
fn duplicate_ids_are_refused_even_as_int_and_string() {
    let err = ZoneSet::from_rows(
        &Array::list([
            powerdns(5, "a.example"),
            powerdns(0, "b.example").with("id", "5"),
            powerdns(6, "c.example"),
            powerdns(0, "d.example").with("id", " 6 "),
        ])
        .into(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "zone 5 (b.example): id 5 is already used by zone 5 (a.example); \
         zone 6 (d.example): id 6 is already used by zone 6 (c.example)"
    );
    // The same zone name under two ids is allowed.
    let set = set(vec![powerdns(1, "a.example"), cloudflare(2, "a.example")]);
    assert_eq!(set.zones().len(), 2);
}

#[test]
fn the_errors_of_every_row_are_reported_together() {
    let rows = Array::list([
        Value::from(powerdns(1, "good.example")),
        Value::from(powerdns(2, "bad zone").with("api_key", 99i64)),
        Value::from("not a row"),
        Value::from(Array::new().with("zone", "x.example").with("type", "bind")),
        Value::from(cloudflare(5, "c.example").with("api_token", KEEP)),
    ]);
    let err = ZoneSet::from_rows(&rows.into()).unwrap_err();
    let ConfigError::Zones(errors) = &err else {
        panic!("{err:?}")
    };
    let labels: Vec<&str> = errors.iter().map(|e| e.zone.as_str()).collect();
    assert_eq!(
        labels,
        [
            "zone 2",
            "zone at index 2",
            "zone at index 3 (x.example)",
            "zone 5 (c.example)"
        ]
    );
    assert_eq!(
        err.to_string(),
        "zone 2: zone \"bad zone\" contains ' ', which a DNS name cannot hold; api_key must be a string, not int; \
         zone at index 2: a zone row must be an array, not string; \
         zone at index 3 (x.example): id is required; type \"bind\" is not one of cloudflare, hestiacp, powerdns, rfc2136; \
         zone 5 (c.example): api_token is the __KEEP__ placeholder, not a credential; pass the stored row through merge() first"
    );
    assert_no_secret(&err.to_string());
    assert_no_secret(&format!("{err:?}"));
}

#[test]
fn zones_must_be_an_array() {
    for (value, what) in [
        (Value::from("zones"), "string"),
        (Value::Null, "null"),
        (Value::Int(1), "int"),
    ] {
        assert_eq!(
            ZoneSet::from_rows(&value).unwrap_err(),
            ConfigError::ZonesNotArray(what)
        );
    }
    assert_eq!(
        ZoneSet::from_rows(&Value::Null).unwrap_err().to_string(),
        "zones must be an array of zone rows, not null"
    );
}

fn matching_set() -> ZoneSet {
    set(vec![
        powerdns(1, "puqcloud.com"),
        powerdns(0, "vm.puqcloud.com").with("id", "2"),
        powerdns(3, "uq.com"),
        powerdns(4, "cloud.com"),
        powerdns(5, "2.0.192.in-addr.arpa"),
        powerdns(6, "0/26.2.0.192.in-addr.arpa"),
        hestiacp(7, "64-127.2.0.192.in-addr.arpa"),
        powerdns(8, "192.in-addr.arpa"),
        powerdns(9, "8.b.d.0.1.0.0.2.ip6.arpa"),
        powerdns(0, "ip6.arpa").with("id", "v6-root"),
    ])
}

#[test]
fn matching_names_returns_every_zone_with_ids_as_given() {
    let set = matching_set();
    assert_eq!(
        matching(&set, "web.vm.puqcloud.com"),
        [Value::Int(1), Value::from("2")]
    );
    assert_eq!(
        matching(&set, " VM.PuqCloud.COM. "),
        [Value::Int(1), Value::from("2")]
    );
    assert_eq!(matching(&set, "x.puqcloud.com"), [Value::Int(1)]);
    assert_eq!(matching(&set, "x.uq.com"), [Value::Int(3)]);
    assert_eq!(matching(&set, "example.org"), Vec::<Value>::new());
    assert_eq!(
        matching(&set, "5.2.0.192.in-addr.arpa"),
        [Value::Int(5), Value::Int(6), Value::Int(8)]
    );
    assert_eq!(
        matching(&set, "5.0/26.2.0.192.in-addr.arpa"),
        [Value::Int(5), Value::Int(6), Value::Int(8)]
    );
    assert_eq!(
        matching(&set, "100.2.0.192.in-addr.arpa"),
        [Value::Int(5), Value::Int(7), Value::Int(8)]
    );
    assert_eq!(matching(&set, "1.0.0.2.ip6.arpa"), [Value::from("v6-root")]);
}

#[test]
fn matching_an_address_uses_its_reverse_zones() {
    let set = matching_set();
    assert_eq!(
        matching(&set, "192.0.2.5"),
        [Value::Int(5), Value::Int(6), Value::Int(8)]
    );
    assert_eq!(
        matching(&set, " 192.0.2.100 "),
        [Value::Int(5), Value::Int(7), Value::Int(8)]
    );
    assert_eq!(
        matching(&set, "192.0.2.200"),
        [Value::Int(5), Value::Int(8)]
    );
    assert_eq!(matching(&set, "192.1.0.1"), [Value::Int(8)]);
    assert_eq!(matching(&set, "198.51.100.1"), Vec::<Value>::new());
    assert_eq!(
        matching(&set, "2001:DB8::1"),
        [Value::Int(9), Value::from("v6-root")]
    );
    assert_eq!(matching(&set, "2001:db9::1"), [Value::from("v6-root")]);
}

#[test]
fn matching_refuses_what_is_not_a_name() {
    let set = matching_set();
    let message = |name: &str| set.matching(name).map(|_| ()).unwrap_err().to_string();
    assert_eq!(message(""), "name is empty");
    assert_eq!(
        message("bad name.com"),
        "name \"bad name.com\" contains ' ', which a DNS name cannot hold"
    );
    assert_eq!(
        message("192.0.2.0/24"),
        "name \"192.0.2.0/24\" contains '/', which only RFC 2317 reverse zones under in-addr.arpa may hold"
    );
    assert_eq!(message("a..b"), "name \"a..b\" has an empty label");
}

#[test]
fn listed_rows_are_a_masked_list() {
    let set = set(vec![
        cloudflare(1, "puqcloud.com"),
        hestiacp(2, "0-63.2.0.192.in-addr.arpa").with("note", "n"),
    ]);
    let listed = set.listed();
    assert!(listed.is_list());
    assert_eq!(
        listed,
        Array::list([
            cloudflare_row(1, "puqcloud.com")
                .with("api_token", KEEP)
                .with("kind", "forward")
                .with("range", Value::Null),
            hestiacp_row(2, "0-63.2.0.192.in-addr.arpa")
                .with("admin_password", KEEP)
                .with("note", "n")
                .with("kind", "reverse4")
                .with("range", "192.0.2.0/26"),
        ])
    );
    assert_no_secret(&format!("{listed:?}"));
}

#[test]
fn reverse_names_of_addresses() {
    let text = |ip: &str| {
        reverse_name_of(ip)
            .map(|n| n.to_string())
            .map_err(|e| e.to_string())
    };
    assert_eq!(text("192.0.2.5"), Ok("5.2.0.192.in-addr.arpa".to_owned()));
    assert_eq!(text(" 10.0.0.1 "), Ok("1.0.0.10.in-addr.arpa".to_owned()));
    assert_eq!(
        text("2001:DB8::567:89ab"),
        Ok("b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa".to_owned())
    );
    assert_eq!(
        text("example.com"),
        Err("\"example.com\" is not an IP address".to_owned())
    );
    assert_eq!(text(""), Err("\"\" is not an IP address".to_owned()));
    assert_eq!(
        text("192.0.2.0/24"),
        Err("\"192.0.2.0/24\" is a network in CIDR notation, not one address".to_owned())
    );
    // Any valid address has a reverse name, also those a VM cannot have.
    assert_eq!(text("127.0.0.1"), Ok("1.0.0.127.in-addr.arpa".to_owned()));
    assert_eq!(text("::1"), Ok(format!("1.{}ip6.arpa", "0.".repeat(31))));
    assert_eq!(
        text("255.255.255.255"),
        Ok("255.255.255.255.in-addr.arpa".to_owned())
    );
    assert_eq!(
        text("::ffff:192.0.2.1"),
        Ok("1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa".to_owned())
    );
}

#[test]
fn provider_types_parse_in_any_case() {
    assert_eq!(
        ProviderType::parse(" PowerDNS "),
        ProviderType::all().find(|t| t.as_str() == "powerdns")
    );
    assert_eq!(
        ProviderType::parse("HestiaCP"),
        ProviderType::all().find(|t| t.as_str() == "hestiacp")
    );
    assert_eq!(
        ProviderType::parse("CLOUDFLARE"),
        ProviderType::all().find(|t| t.as_str() == "cloudflare")
    );
    assert_eq!(ProviderType::parse("bind"), None);
    assert_eq!(ProviderType::parse(""), None);
    let secrets: Vec<&str> = ProviderType::all().map(|t| t.secret_field()).collect();
    assert_eq!(
        secrets,
        ["api_token", "admin_password", "api_key", "tsig_secret"]
    );
    assert!(secrets.iter().all(|s| is_secret_field(s)));
    assert!(!is_secret_field("server_url"));
}

#[test]
fn the_registry_lists_each_provider_once_in_the_order_its_rows_are_written() {
    use crate::provider::REGISTRY;
    let names: Vec<&str> = REGISTRY.iter().map(|r| r.spec.name).collect();
    assert_eq!(names, ["cloudflare", "hestiacp", "powerdns", "rfc2136"]);
    for t in ProviderType::all() {
        assert_eq!(ProviderType::parse(&t.as_str().to_uppercase()), Some(t));
    }
    // A normalised row holds exactly its provider's fields, in the spec's order.
    for row in [
        cloudflare(1, "example.com"),
        hestiacp(2, "example.com"),
        powerdns(3, "example.com"),
    ] {
        let zone = zone(row);
        let keys: Vec<String> = zone.to_row().iter().map(|(k, _)| k.to_string()).collect();
        let spec: Vec<&str> = zone
            .provider_type()
            .spec()
            .fields
            .iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(
            &keys[3..3 + spec.len()],
            spec.as_slice(),
            "{}",
            zone.provider_type()
        );
    }
    // Each optional field's default is what a row without it gets.
    let cf = zone(cloudflare(1, "example.com")).to_row();
    assert_eq!(
        cf.get("api_url"),
        Some(&Value::from(DEFAULT_CLOUDFLARE_API))
    );
    let pdns = zone(powerdns(1, "example.com")).to_row();
    assert_eq!(
        pdns.get("server_id"),
        Some(&Value::from(DEFAULT_POWERDNS_SERVER_ID))
    );
    for spec in REGISTRY.iter().map(|r| r.spec) {
        assert_eq!(
            spec.fields.iter().filter(|f| f.endpoint).count(),
            1,
            "{}",
            spec.name
        );
        assert_eq!(
            spec.fields
                .iter()
                .filter(|f| f.kind == crate::provider::FieldKind::Secret)
                .count(),
            1,
            "{}",
            spec.name
        );
        for f in spec.fields {
            assert_eq!(f.required, f.default.is_none(), "{}.{}", spec.name, f.name);
        }
    }
}
