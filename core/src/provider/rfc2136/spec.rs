//! The zone-row fields of a server that takes RFC 2136 dynamic updates
//! signed with TSIG (RFC 8945): BIND 9, Knot DNS and the like.

use std::net::{IpAddr, SocketAddr};

use data_encoding::BASE64;

use crate::name::shorten;
use crate::provider::spec::{
    is_user_char, takes_any_zone, FieldSpec, ProviderRow, ProviderSpec, ANY_TTL,
};

/// The port of a `server` that names none.
pub const DNS_PORT: u16 = 53;

/// The TSIG algorithms offered, the first the default: the HMAC-SHA2 ones
/// RFC 8945 asks every implementation to have (MD5 and SHA-1 are refused).
pub const ALGORITHMS: [&str; 3] = ["hmac-sha256", "hmac-sha384", "hmac-sha512"];

/// The longest `timeout` a zone may ask for, in seconds.
const MAX_TIMEOUT: u64 = 300;

pub const SPEC: ProviderSpec = ProviderSpec {
    name: "rfc2136",
    label: "RFC 2136 (BIND, Knot)",
    fields: &[
        FieldSpec::custom("server", "Server", server)
            .help("The primary server's IP address, and port if not 53: 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:53")
            .endpoint(),
        FieldSpec::token(
            "tsig_name",
            "TSIG Key Name",
            is_user_char,
            "a key name is letters, digits, '.', '_' and '-', and does not start with '-'",
        )
        .help("The key's name as the server knows it, e.g. puq-dns.")
        .optional(""),
        FieldSpec::secret("tsig_secret", "TSIG Secret", true)
            .help("The key's secret, in base64 as in the server's key file.")
            .optional(""),
        FieldSpec::choice("tsig_algorithm", "TSIG Algorithm", &ALGORITHMS)
            .help("Leave as hmac-sha256 unless the key was made with another.")
            .optional(ALGORITHMS[0])
            .advanced(),
        FieldSpec::custom("timeout", "Timeout (seconds)", timeout)
            .help("How long to wait for the server's answer; leave empty for the sync's timeout.")
            .optional("")
            .advanced(),
        FieldSpec::flag("allow_unsigned", "Send unsigned updates")
            .help("Only for a server that takes updates by address alone: without a key, anyone who can reach it can change the zone.")
            .advanced(),
    ],
    ttl: ANY_TTL,
    refuses_zone: takes_any_zone,
    refuses_row,
    // DNS over TCP; TSIG signs the messages instead.
    tls: false,
};

/// `server` as an address and port; DNS names are refused, so that the
/// credential never goes where a resolver says.
pub fn server_address(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, DNS_PORT));
    }
    if let Ok(address) = text.parse::<SocketAddr>() {
        if address.port() == 0 {
            return Err(format!("{:?} has port 0", shorten(text)));
        }
        return Ok(address);
    }
    Err(format!(
        "{:?} is not an IP address with an optional port (192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:53); a host name is not taken, so that the key goes only to the server meant",
        shorten(text)
    ))
}

/// The normal form: `192.0.2.53:53`, `[2001:db8::53]:53`.
fn server(text: &str) -> Result<String, String> {
    server_address(text).map(|address| address.to_string())
}

/// Whole seconds, 1 to [`MAX_TIMEOUT`].
fn timeout(text: &str) -> Result<String, String> {
    match text.trim().parse::<u64>() {
        Ok(seconds) if (1..=MAX_TIMEOUT).contains(&seconds) => Ok(seconds.to_string()),
        _ => Err(format!(
            "{:?} is not a whole number of seconds from 1 to {MAX_TIMEOUT}",
            shorten(text)
        )),
    }
}

/// The key's parts belong together, and are needed unless the zone says
/// unsigned updates are fine. The secret is never echoed.
fn refuses_row(row: &ProviderRow) -> Vec<String> {
    let mut problems = Vec::new();
    let name = row.text("tsig_name");
    let secret = row.secret().expose();
    let unsigned = row.flag("allow_unsigned");
    if name.is_empty() && secret.is_empty() {
        if !unsigned {
            problems.push(
                "tsig_name and tsig_secret are required, unless allow_unsigned is on".to_owned(),
            );
        }
        return problems;
    }
    if name.is_empty() {
        problems.push("tsig_name is required with a tsig_secret".to_owned());
    }
    if secret.is_empty() {
        problems.push("tsig_secret is required with a tsig_name".to_owned());
    } else if key_bytes(secret).is_none() {
        problems.push(
            "tsig_secret is not base64 (copy the secret of the server's key file)".to_owned(),
        );
    }
    problems
}

/// The key's bytes from its base64 text; `None` when it is not base64 or
/// holds nothing.
pub fn key_bytes(secret: &str) -> Option<Vec<u8>> {
    let compact: String = secret.chars().filter(|c| !c.is_whitespace()).collect();
    BASE64
        .decode(compact.as_bytes())
        .ok()
        .filter(|bytes| !bytes.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Array, Value};
    use crate::zone::{mask, Zone};

    const SECRET: &str = "c2VjcmV0LW9mLXRoZS1rZXk=";

    fn row() -> Array {
        Array::new()
            .with("id", 9i64)
            .with("zone", "example.com")
            .with("type", "RFC2136")
            .with("server", "127.0.0.1:5353")
            .with("tsig_name", "puq-dns.")
            .with("tsig_secret", SECRET)
    }

    fn normal(row: Array) -> Array {
        match Zone::from_row(&Value::Array(row), None) {
            Ok(zone) => zone.to_row(),
            Err(e) => panic!("{e}"),
        }
    }

    fn refused(row: Array) -> String {
        let e = Zone::from_row(&Value::Array(row), None).expect_err("refused");
        let text = e.to_string();
        assert!(!text.contains(SECRET), "{text}");
        text
    }

    #[test]
    fn a_row_is_normalised_with_its_defaults() {
        let row = normal(row());
        let fields: Vec<String> = row
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.as_str().map_or_else(|| format!("{v:?}"), str::to_owned)
                )
            })
            .collect();
        assert_eq!(
            &fields[..9],
            [
                "id=9",
                "zone=example.com",
                "type=rfc2136",
                "server=127.0.0.1:5353",
                "tsig_name=puq-dns.",
                &format!("tsig_secret={SECRET}"),
                "tsig_algorithm=hmac-sha256",
                "timeout=",
                "allow_unsigned=false",
            ]
        );
        assert_eq!(
            mask(&row).get("tsig_secret").and_then(Value::as_str),
            Some(crate::KEEP)
        );
    }

    #[test]
    fn algorithms_are_the_three_hmac_sha2_ones() {
        let row = normal(row().with("tsig_algorithm", "HMAC-SHA512"));
        assert_eq!(
            row.get("tsig_algorithm").and_then(Value::as_str),
            Some("hmac-sha512")
        );
        assert_eq!(
            refused(self::row().with("tsig_algorithm", "hmac-md5")),
            "zone 9 (example.com): tsig_algorithm \"hmac-md5\" is not one of hmac-sha256, hmac-sha384, hmac-sha512"
        );
    }

    #[test]
    fn a_key_is_required_unless_unsigned_updates_are_allowed() {
        let bare = row().with("tsig_name", "").with("tsig_secret", "");
        assert_eq!(
            refused(bare.clone()),
            "zone 9 (example.com): tsig_name and tsig_secret are required, unless allow_unsigned is on"
        );
        let unsigned = normal(bare.with("allow_unsigned", "1"));
        assert_eq!(unsigned.get("allow_unsigned"), Some(&Value::Bool(true)));
        assert_eq!(
            refused(row().with("tsig_secret", "")),
            "zone 9 (example.com): tsig_secret is required with a tsig_name"
        );
        assert_eq!(
            refused(row().with("tsig_name", "")),
            "zone 9 (example.com): tsig_name is required with a tsig_secret"
        );
        assert_eq!(
            refused(row().with("tsig_secret", "not*base64")),
            "zone 9 (example.com): tsig_secret is not base64 (copy the secret of the server's key file)"
        );
    }

    #[test]
    fn host_names_and_bad_timeouts_are_refused_by_name() {
        assert!(refused(row().with("server", "ns1.example.com"))
            .starts_with("zone 9 (example.com): server \"ns1.example.com\" is not an IP address"));
        assert_eq!(
            refused(row().with("timeout", "0")),
            "zone 9 (example.com): timeout \"0\" is not a whole number of seconds from 1 to 300"
        );
        assert_eq!(
            normal(row().with("timeout", " 7 "))
                .get("timeout")
                .and_then(Value::as_str),
            Some("7")
        );
    }

    #[test]
    fn servers_are_ip_literals_with_a_port() {
        assert_eq!(server("192.0.2.53").as_deref(), Ok("192.0.2.53:53"));
        assert_eq!(
            server(" 192.0.2.53:5353 ").as_deref(),
            Ok("192.0.2.53:5353")
        );
        assert_eq!(server("2001:db8::53").as_deref(), Ok("[2001:db8::53]:53"));
        assert_eq!(
            server("[2001:DB8::53]:53").as_deref(),
            Ok("[2001:db8::53]:53")
        );
        assert_eq!(
            server("192.0.2.53:0"),
            Err("\"192.0.2.53:0\" has port 0".to_owned())
        );
        assert!(server("ns1.example.com").is_err_and(|e| e.contains("a host name is not taken")));
        assert!(server("192.0.2.53:99999").is_err());
    }

    #[test]
    fn timeouts_are_whole_seconds_in_range() {
        assert_eq!(timeout("5").as_deref(), Ok("5"));
        assert_eq!(timeout("300").as_deref(), Ok("300"));
        for bad in ["0", "301", "1.5", "-1", "soon"] {
            assert!(timeout(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_are_base64() {
        assert_eq!(key_bytes("c2VjcmV0"), Some(b"secret".to_vec()));
        assert_eq!(key_bytes("c2Vj cmV0\n"), Some(b"secret".to_vec()));
        assert_eq!(key_bytes("not base64!"), None);
        assert_eq!(key_bytes(""), None);
    }
}
