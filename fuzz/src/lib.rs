//! Shared generators for the fuzz targets: PHP-like values, zone rows and VM
//! arrays, biased toward the field names and values the core looks for so
//! that most inputs get past the first validation step.

use arbitrary::{Arbitrary, Result, Unstructured};
use puq_dns_core::{Array, Key, Value};

/// How deep generated arrays nest.
const MAX_DEPTH: usize = 3;

/// A PHP-like value, mirroring [`puq_dns_core::Value`].
#[derive(Clone, Debug)]
pub enum FValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<(FKey, FValue)>),
}

/// A PHP array key.
#[derive(Clone, Debug)]
pub enum FKey {
    Int(i64),
    Str(String),
}

impl FKey {
    pub fn to_key(&self) -> Key {
        match self {
            FKey::Int(n) => Key::Int(*n),
            FKey::Str(s) => Key::Str(s.clone()),
        }
    }
}

impl FValue {
    pub fn to_value(&self) -> Value {
        match self {
            FValue::Null => Value::Null,
            FValue::Bool(b) => Value::Bool(*b),
            FValue::Int(n) => Value::Int(*n),
            FValue::Float(x) => Value::Float(*x),
            FValue::Str(s) => Value::Str(s.clone()),
            FValue::Array(entries) => Value::Array(
                entries
                    .iter()
                    .map(|(k, v)| (k.to_key(), v.to_value()))
                    .collect::<Array>(),
            ),
        }
    }
}

impl<'a> Arbitrary<'a> for FValue {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        value(u, 0)
    }
}

impl<'a> Arbitrary<'a> for FKey {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        key(u)
    }
}

/// Field names of zone rows and VM arrays.
pub const FIELDS: &[&str] = &[
    "id",
    "zone",
    "type",
    "api_token",
    "admin_password",
    "api_key",
    "server_url",
    "ttl",
    "verify_tls",
    "ca_cert",
    "account_id",
    "zone_id",
    "api_url",
    "admin_user",
    "user",
    "server_id",
    "kind",
    "range",
    "fqdn",
    "name",
    "domain",
    "ips",
    "ip",
    "reverse",
    "note",
];

/// Values that mean something somewhere in the core.
pub const WORDS: &[&str] = &[
    "example.com",
    "powerdns",
    "PowerDNS",
    "cloudflare",
    "hestiacp",
    " HestiaCP ",
    "__KEEP__",
    " __KEEP__ ",
    "",
    " ",
    "0",
    "1",
    "-1",
    "true",
    "off",
    "yes",
    "localhost",
    "admin",
    "example.com",
    "Example.COM.",
    "puqcloud.com",
    "vm.puqcloud.com",
    "5551-1776530141",
    "in-addr.arpa",
    "ip6.arpa",
    "arpa",
    "2.0.192.in-addr.arpa",
    "0.192.in-addr.arpa",
    "0/26.2.0.192.in-addr.arpa",
    "64/26.2.0.192.in-addr.arpa",
    "0-63.2.0.192.in-addr.arpa",
    "10-20.2.0.192.in-addr.arpa",
    "0/24.2.0.192.in-addr.arpa",
    "5.0/26.2.0.192.in-addr.arpa",
    "5.2.0.192.in-addr.arpa",
    "8.b.d.0.1.0.0.2.ip6.arpa",
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
    "192.0.2.7",
    "192.0.2.5",
    "192.0.2.100",
    "10.0.0.1",
    "2001:db8::7",
    "2001:DB8::1",
    "::ffff:192.0.2.1",
    "192.0.2.0/24",
    "0.0.0.0",
    "::1",
    "255.255.255.255",
    "fe80::1%eth0",
    "https://pdns.example.com:8081",
    "http://127.0.0.1:8081/api/v1",
    "https://panel.example.com:8083/api/",
    "https://api.cloudflare.com/client/v4/",
    "https://user:pw@example.com/",
    "https://example.com/?q=1",
    "ftp://example.com/",
    "/api",
    "/api/v1",
    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    "/etc/ssl/ca.pem",
    "tok-1234567890",
    "s3cr3t-key",
    "pass word",
    "023e105f4ecef8ad9ca31a8372d0c353",
];

/// True one time in `n`; false when the input has run out, so that short
/// inputs take the usual (valid) branches.
pub fn rarely(u: &mut Unstructured<'_>, n: u8) -> Result<bool> {
    Ok(u.int_in_range(1..=n)? == n)
}

pub fn word(u: &mut Unstructured<'_>) -> Result<&'static str> {
    Ok(*u.choose(WORDS)?)
}

pub fn field(u: &mut Unstructured<'_>) -> Result<&'static str> {
    Ok(*u.choose(FIELDS)?)
}

/// A string: a known word, raw bytes, a mix of both, or a variation.
pub fn string(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0u8..=11)? {
        0..=3 => word(u)?.to_owned(),
        4 | 5 => String::arbitrary(u)?,
        6 => field(u)?.to_owned(),
        7 => {
            let n = u.int_in_range(1u8..=3)?;
            let mut s = String::new();
            for _ in 0..n {
                let piece = if u.arbitrary()? {
                    word(u)?.to_owned()
                } else {
                    String::arbitrary(u)?
                };
                s.push_str(&piece);
            }
            s
        }
        8 => {
            let w = word(u)?;
            vary(u, w)?
        }
        9 => ip_text(u)?,
        10 => url(u)?,
        _ => dns_name(u)?,
    })
}

/// A word changed the ways admins and databases change them.
pub fn vary(u: &mut Unstructured<'_>, base: &str) -> Result<String> {
    Ok(match u.int_in_range(0u8..=5)? {
        0 => base.to_ascii_uppercase(),
        1 => format!(" {base}\t"),
        2 => format!("{base}."),
        3 => format!("{}.{base}", label(u)?),
        4 => format!("{base}{}", String::arbitrary(u)?),
        _ => base.repeat(usize::from(u.int_in_range(2u8..=4)?)),
    })
}

fn label(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0u8..=5)? {
        0 => u.int_in_range(0u16..=300)?.to_string(),
        1 => format!("{:x}", u.int_in_range(0u8..=15)?),
        2 => {
            (*u.choose(&["vm", "www", "a", "_dmarc", "xn--bcher-kva", "0/26", "0-63"])?).to_owned()
        }
        3 => "a".repeat(usize::from(u.int_in_range(60u8..=64)?)),
        _ => {
            let len = u.int_in_range(1u8..=8)?;
            (0..len)
                .map(|_| {
                    u.choose(b"abcdefghijklmnopqrstuvwxyz0123456789-_/.")
                        .map(|b| char::from(*b))
                })
                .collect::<Result<String>>()?
        }
    })
}

/// A name built from labels, often under one of the reverse trees.
pub fn dns_name(u: &mut Unstructured<'_>) -> Result<String> {
    if rarely(u, 4)? {
        // Octets in reverse order under any suffix: the shape of a reverse
        // name, in or out of in-addr.arpa.
        let o: [u8; 4] = if u.arbitrary()? {
            [192, 0, 2, u.arbitrary()?]
        } else {
            u.arbitrary()?
        };
        let suffix = *u.choose(&["in-addr.arpa", "example.com", "ip6.arpa", "arpa", "com"])?;
        return Ok(format!("{}.{}.{}.{}.{suffix}", o[3], o[2], o[1], o[0]));
    }
    let n = u.int_in_range(0u8..=5)?;
    let mut labels = Vec::new();
    for _ in 0..n {
        labels.push(label(u)?);
    }
    let suffix = *u.choose(&[
        "in-addr.arpa",
        "ip6.arpa",
        "2.0.192.in-addr.arpa",
        "0/26.2.0.192.in-addr.arpa",
        "0-63.2.0.192.in-addr.arpa",
        "8.b.d.0.1.0.0.2.ip6.arpa",
        "example.com",
        "arpa",
        "com",
        "",
    ])?;
    if !suffix.is_empty() {
        labels.push(suffix.to_owned());
    }
    let mut name = labels.join(".");
    if rarely(u, 8)? {
        name.push('.');
    }
    Ok(name)
}

/// An address in text, mostly in the documentation ranges the zones cover.
pub fn ip_text(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0u8..=4)? {
        0 => format!("192.0.2.{}", u.arbitrary::<u8>()?),
        1 => {
            let o: [u8; 4] = u.arbitrary()?;
            format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3])
        }
        2 => format!("2001:db8::{:x}", u.arbitrary::<u16>()?),
        3 => std::net::Ipv6Addr::from(u.arbitrary::<u128>()?).to_string(),
        _ => format!(" {} ", word(u)?),
    })
}

/// A URL from pieces, with the suffixes the parsers strip.
pub fn url(u: &mut Unstructured<'_>) -> Result<String> {
    let scheme = *u.choose(&["https://", "http://", "HTTPS://", "ftp://", ""])?;
    let userinfo = *u.choose(&["", "", "", "", "user:pw@", "@"])?;
    let host = *u.choose(&[
        "pdns.example.com",
        "127.0.0.1",
        "[::1]",
        "PANEL.Example.com",
        "",
        "0x7f.1",
        "xn--bcher-kva.example",
        "api",
    ])?;
    let port = *u.choose(&["", ":8081", ":443", ":80", ":99999", ":"])?;
    let mut path = String::new();
    for _ in 0..u.int_in_range(0u8..=3)? {
        path.push_str(u.choose(&[
            "/",
            "/api",
            "/api/v1",
            "//",
            "/v1",
            "/client/v4",
            "/./",
            "/../",
            "/%2e",
            "/%41",
            "/ ",
        ])?);
    }
    let tail = *u.choose(&["", "", "", "?q=1", "#f", "?"])?;
    Ok(format!("{scheme}{userinfo}{host}{port}{path}{tail}"))
}

fn int(u: &mut Unstructured<'_>) -> Result<i64> {
    Ok(match u.int_in_range(0u8..=3)? {
        0 => *u.choose(&[
            3600,
            0,
            1,
            -1,
            59,
            60,
            300,
            3600,
            86_400,
            86_401,
            2_147_483_647,
            2_147_483_648,
            i64::MIN,
            i64::MAX,
        ])?,
        1 => i64::from(u.int_in_range(0u16..=1000)?),
        _ => u.arbitrary()?,
    })
}

fn float(u: &mut Unstructured<'_>) -> Result<f64> {
    Ok(match u.int_in_range(0u8..=2)? {
        0 => *u.choose(&[
            0.0,
            -0.0,
            1.0,
            300.0,
            1.5,
            1e15,
            -1e15,
            f64::NAN,
            f64::INFINITY,
            9.9e14,
        ])?,
        _ => u.arbitrary()?,
    })
}

pub fn key(u: &mut Unstructured<'_>) -> Result<FKey> {
    Ok(match u.int_in_range(0u8..=5)? {
        0..=2 => FKey::Str(field(u)?.to_owned()),
        3 => FKey::Int(i64::from(u.int_in_range(0u8..=5)?)),
        4 => FKey::Int(u.arbitrary()?),
        _ => FKey::Str(string(u)?),
    })
}

pub fn scalar(u: &mut Unstructured<'_>) -> Result<FValue> {
    Ok(match u.int_in_range(0u8..=9)? {
        0 => FValue::Null,
        1 => FValue::Bool(u.arbitrary()?),
        2 | 3 => FValue::Int(int(u)?),
        4 => FValue::Float(float(u)?),
        _ => FValue::Str(string(u)?),
    })
}

/// Any value, arrays at most [`MAX_DEPTH`] deep.
pub fn value(u: &mut Unstructured<'_>, depth: usize) -> Result<FValue> {
    if depth < MAX_DEPTH && rarely(u, 6)? {
        let n = u.int_in_range(0u8..=6)?;
        let mut entries = Vec::new();
        for _ in 0..n {
            entries.push((key(u)?, value(u, depth + 1)?));
        }
        Ok(FValue::Array(entries))
    } else {
        scalar(u)
    }
}

/// A value for a named field: usually one the field could hold, sometimes
/// anything at all.
pub fn field_value(u: &mut Unstructured<'_>, name: &str) -> Result<FValue> {
    if rarely(u, 10)? {
        return value(u, 1);
    }
    let s = |s: &str| FValue::Str(s.to_owned());
    Ok(match name {
        "id" => match u.int_in_range(0u8..=3)? {
            0 => FValue::Int(int(u)?),
            1 => FValue::Str(format!(" {} ", u.int_in_range(0u8..=20)?)),
            2 => FValue::Str(u.int_in_range(0u8..=20)?.to_string()),
            _ => FValue::Str(string(u)?),
        },
        "zone" | "fqdn" | "domain" | "reverse" => match u.int_in_range(0u8..=3)? {
            0 => s(word(u)?),
            1 => FValue::Str({
                let w = word(u)?;
                vary(u, w)?
            }),
            _ => FValue::Str(dns_name(u)?),
        },
        "name" => FValue::Str(label(u)?),
        "type" => {
            let t = *u.choose(&["powerdns", "cloudflare", "hestiacp"])?;
            if rarely(u, 4)? {
                FValue::Str(vary(u, t)?)
            } else {
                s(t)
            }
        }
        "server_url" | "api_url" => FValue::Str(url(u)?),
        "api_token" | "api_key" | "admin_password" => match u.int_in_range(0u8..=4)? {
            0 => s(*u.choose(&["tok-1234567890", "__KEEP__", "", " ", "pass word"])?),
            1 => FValue::Str({
                let w = word(u)?;
                vary(u, w)?
            }),
            _ => FValue::Str(String::arbitrary(u)?),
        },
        "account_id" | "zone_id" => match u.int_in_range(0u8..=2)? {
            0 => s("023e105f4ecef8ad9ca31a8372d0c353"),
            1 => FValue::Str(format!("{:x}", u.arbitrary::<u64>()?)),
            _ => FValue::Str(string(u)?),
        },
        "admin_user" | "user" | "server_id" => match u.int_in_range(0u8..=2)? {
            0 => s(*u.choose(&["admin", "localhost", "web-1.x_y"])?),
            _ => FValue::Str(string(u)?),
        },
        "ttl" => match u.int_in_range(0u8..=3)? {
            0 => FValue::Int(int(u)?),
            1 => FValue::Str(format!("{}", int(u)?)),
            2 => FValue::Float(float(u)?),
            _ => FValue::Str(string(u)?),
        },
        "verify_tls" => match u.int_in_range(0u8..=2)? {
            0 => FValue::Bool(u.arbitrary()?),
            1 => FValue::Int(i64::from(u.int_in_range(0u8..=2)?)),
            _ => s(*u.choose(&["yes", " OFF ", "1", "0", "maybe"])?),
        },
        "ca_cert" => match u.int_in_range(0u8..=3)? {
            0 => FValue::Null,
            3 => s("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
            1 => s(*u.choose(&["/etc/ssl/ca.pem", "ca.crt", "-----BEGIN CERTIFICATE-----"])?),
            _ => FValue::Str(string(u)?),
        },
        "ips" => {
            let n = u.int_in_range(0u8..=4)?;
            let mut list = Vec::new();
            for i in 0..n {
                let entry = match u.int_in_range(0u8..=3)? {
                    0 | 1 => FValue::Str(ip_text(u)?),
                    2 => {
                        let mut e = vec![(FKey::Str("ip".into()), FValue::Str(ip_text(u)?))];
                        if u.arbitrary()? {
                            e.push((FKey::Str("reverse".into()), field_value(u, "reverse")?));
                        }
                        FValue::Array(e)
                    }
                    _ => value(u, 2)?,
                };
                list.push((FKey::Int(i64::from(i)), entry));
            }
            FValue::Array(list)
        }
        _ => scalar(u)?,
    })
}

/// An array with some of the given fields (in a random order) and a few
/// others.
pub fn row(u: &mut Unstructured<'_>, fields: &[&str]) -> Result<FValue> {
    if rarely(u, 40)? {
        return scalar(u);
    }
    let mut entries = Vec::new();
    for name in fields {
        if !rarely(u, 8)? {
            entries.push((FKey::Str((*name).to_owned()), field_value(u, name)?));
        }
    }
    for _ in 0..u.int_in_range(0u8..=2)? {
        let k = key(u)?;
        let v = match &k {
            FKey::Str(name) => field_value(u, name)?,
            FKey::Int(_) => value(u, 1)?,
        };
        entries.push((k, v));
    }
    // Shuffle a little: the order of keys must not matter.
    if entries.len() > 1 {
        for _ in 0..u.int_in_range(0u8..=3)? {
            let a = u.choose_index(entries.len())?;
            let b = u.choose_index(entries.len())?;
            entries.swap(a, b);
        }
    }
    Ok(FValue::Array(entries))
}

/// The fields of a zone row, for one provider chosen at random.
pub fn zone_row(u: &mut Unstructured<'_>) -> Result<FValue> {
    let (kind, provider): (&str, &[&str]) = match u.int_in_range(0u8..=3)? {
        0 => (
            "cloudflare",
            &["account_id", "zone_id", "api_token", "api_url"],
        ),
        1 => (
            "hestiacp",
            &["server_url", "admin_user", "admin_password", "user"],
        ),
        2 => ("powerdns", &["server_url", "api_key", "server_id"]),
        _ => (
            "powerdns",
            &["api_token", "server_url", "api_key", "admin_password"],
        ),
    };
    let mut fields = vec!["id", "zone", "type"];
    fields.extend_from_slice(provider);
    fields.extend_from_slice(&["ttl", "verify_tls", "ca_cert"]);
    let mut row = row(u, &fields)?;
    // Mostly the type that goes with the fields, so that rows get through.
    if let FValue::Array(entries) = &mut row {
        if !rarely(u, 5)? {
            for (k, v) in entries.iter_mut() {
                if matches!(k, FKey::Str(s) if s == "type") {
                    *v = FValue::Str(kind.to_owned());
                }
            }
        }
    }
    Ok(row)
}

/// A VM array.
pub fn vm(u: &mut Unstructured<'_>) -> Result<FValue> {
    row(u, &["id", "name", "domain", "fqdn", "ttl", "ips"])
}

/// The string values of a value, nested arrays and keys included.
pub fn texts(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Str(s) => out.push(s.clone()),
        Value::Array(a) => {
            for (k, v) in a.iter() {
                out.push(k.to_string());
                texts(v, out);
            }
        }
        other => out.push(format!("{other:?}")),
    }
}

/// The secret a valid zone holds.
pub fn zone_secret(zone: &puq_dns_core::Zone) -> &str {
    zone.secret().expose()
}

/// Shifts every letter and digit by one within its class (`a`→`b`, `z`→`a`,
/// `9`→`0`), which keeps whatever the secret checks look at (length,
/// spaces, visible ASCII, control characters) and changes the text.
pub fn rotate(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='y' | 'A'..='Y' | '0'..='8' => char::from(c as u8 + 1),
            'z' => 'a',
            'Z' => 'A',
            '9' => '0',
            other => other,
        })
        .collect()
}

/// The row with every top-level secret field's string rotated.
pub fn rotate_secrets(row: &Value) -> Value {
    let Value::Array(a) = row else {
        return row.clone();
    };
    Value::Array(
        a.iter()
            .map(|(k, v)| {
                let secret = matches!(k, Key::Str(s)
                    if puq_dns_core::zone::is_secret_field(s));
                let v = match v {
                    Value::Str(s) if secret => Value::Str(rotate(s)),
                    other => other.clone(),
                };
                (k.clone(), v)
            })
            .collect(),
    )
}

/// The top-level secret-field strings of a row, trimmed as the parser does,
/// that are long enough to look for and are not part of any other field
/// (case-insensitively) or of the placeholder.
pub fn secrets_to_look_for(row: &Value) -> Vec<String> {
    let Value::Array(a) = row else {
        return Vec::new();
    };
    let mut others = Vec::new();
    for (k, v) in a.iter() {
        let secret =
            matches!(k, Key::Str(s) if puq_dns_core::zone::is_secret_field(s));
        others.push(k.to_string());
        if !secret {
            texts(v, &mut others);
        }
    }
    let others: Vec<String> = others.iter().map(|s| s.to_ascii_lowercase()).collect();
    a.iter()
        .filter(|(k, _)| {
            matches!(k, Key::Str(s) if puq_dns_core::zone::is_secret_field(s))
        })
        .filter_map(|(_, v)| v.as_str())
        .map(|s| s.trim().to_owned())
        .filter(|s| s.len() >= 4 && rotate(s) != *s)
        .filter(|s| !puq_dns_core::KEEP.contains(s.as_str()))
        .filter(|s| {
            let lower = s.to_ascii_lowercase();
            !others.iter().any(|o| o.contains(&lower))
        })
        .collect()
}
