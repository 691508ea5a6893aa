//! The VM array the module passes: id, names, addresses and custom rDNS.

use std::net::IpAddr;

use thiserror::Error;

use crate::id::Id;
use crate::name::{shorten, DnsName};
use crate::reverse::{parse_ip, reverse_name};
use crate::row::{describe, RowReader};
use crate::value::{Array, Value};

/// A VM's addresses and names, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Vm {
    pub id: Id,
    /// `name.domain`, or the `fqdn` the module gave.
    pub fqdn: DnsName,
    pub addresses: Vec<VmAddress>,
    /// Overrides the zones' TTL when set.
    pub ttl: Option<u32>,
}

/// One entry of the VM's `ips`. A bad entry does not make the VM malformed:
/// it becomes one failed operation and the VM's other records go on.
#[derive(Clone, Debug, PartialEq)]
pub enum VmAddress {
    Valid {
        ip: IpAddr,
        /// The PTR target: the client's own rDNS name if set, else the FQDN;
        /// an unusable rDNS name fails that PTR only.
        ptr_target: Result<DnsName, String>,
        /// Whether the target is the client's own rDNS name.
        custom_reverse: bool,
    },
    Invalid {
        /// What was given, shortened, for the operation's `content`.
        given: String,
        error: String,
    },
}

/// Why a VM array cannot be used at all.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("{vm}: {}", problems.join("; "))]
pub struct VmError {
    /// `VM 42`, or `VM` when it has no usable id.
    pub vm: String,
    pub problems: Vec<String>,
}

const MAX_TTL: i64 = 2_147_483_647;

impl Vm {
    pub fn from_value(value: &Value) -> Result<Vm, VmError> {
        let Value::Array(row) = value else {
            return Err(VmError {
                vm: "VM".to_owned(),
                problems: vec![format!("a VM must be an array, not {}", value.type_name())],
            });
        };
        let mut r = RowReader::new(row);

        let id = match r.present("id") {
            None => {
                r.problem("id is required");
                None
            }
            Some(v) => {
                let id = Id::from_value(v);
                if id.is_none() {
                    r.problem(format!(
                        "id must be an int or a string, not {}",
                        describe(v)
                    ));
                }
                id
            }
        };

        let fqdn = match r.text("fqdn", false) {
            Some(text) => parse_name(&mut r, "fqdn", &text),
            None => {
                let name = r.text("name", true);
                let domain = r.text("domain", true);
                let name = name.and_then(|n| parse_name(&mut r, "name", &n));
                let domain = domain.and_then(|d| parse_name(&mut r, "domain", &d));
                match (name, domain) {
                    (Some(name), Some(domain)) => {
                        match DnsName::parse(&format!("{name}.{domain}")) {
                            Ok(fqdn) => Some(fqdn),
                            Err(e) => {
                                r.problem(format!("the FQDN {e}"));
                                None
                            }
                        }
                    }
                    _ => None,
                }
            }
        };

        let ttl = r
            .number("ttl", 1, MAX_TTL)
            .and_then(|t| u32::try_from(t).ok());

        let addresses = match row.get("ips") {
            None | Some(Value::Null) => {
                r.problem("ips is required (a list of addresses; [] for none)");
                None
            }
            Some(Value::Array(list)) => Some(
                list.values()
                    .map(|entry| read_address(entry, fqdn.as_ref()))
                    .fold(Vec::new(), dedupe),
            ),
            Some(other) => {
                r.problem(format!(
                    "ips must be a list of addresses, not {}",
                    describe(other)
                ));
                None
            }
        };

        let label = match &id {
            Some(id) => format!("VM {id}"),
            None => "VM".to_owned(),
        };
        let problems = r.into_problems();
        match (id, fqdn, addresses) {
            (Some(id), Some(fqdn), Some(addresses)) if problems.is_empty() => Ok(Vm {
                id,
                fqdn,
                addresses,
                ttl,
            }),
            _ => Err(VmError {
                vm: label,
                problems,
            }),
        }
    }

    /// Reads a VM as [`Vm::from_value`] does, and refuses it also for every
    /// `ips` entry that would only become a failed operation: an entry that
    /// is not a usable address, or whose client-set `reverse` is not a host
    /// name. What the module remembers must be a VM whose every record can
    /// be written, and client-set rDNS is free text that reaches zone files
    /// through `dns.php`.
    pub fn checked(value: &Value) -> Result<Vm, VmError> {
        let vm = Vm::from_value(value)?;
        let entries = value
            .as_array()
            .and_then(|row| row.get("ips"))
            .and_then(Value::as_array);
        let problems: Vec<String> = entries
            .into_iter()
            .flat_map(|list| list.values().enumerate())
            .filter_map(|(i, entry)| match read_address(entry, Some(&vm.fqdn)) {
                VmAddress::Invalid { error, .. } => Some(format!("ips[{i}]: {error}")),
                VmAddress::Valid {
                    ptr_target: Err(error),
                    ..
                } => Some(format!("ips[{i}].reverse: {error}")),
                VmAddress::Valid { .. } => None,
            })
            .collect();
        if problems.is_empty() {
            Ok(vm)
        } else {
            Err(VmError {
                vm: format!("VM {}", vm.id),
                problems,
            })
        }
    }

    /// The VM as `DnsSync::normalizeVm()` shows it: `id`, `fqdn`, `ttl`
    /// (null for the zones' own) and one `addresses` entry per usable
    /// address with its `reverse_name` and the `ptr` target.
    pub fn to_array(&self) -> Array {
        let addresses = Array::list(self.addresses.iter().filter_map(|a| {
            match a {
                VmAddress::Valid {
                    ip,
                    ptr_target: Ok(ptr),
                    ..
                } => Some(Value::from(
                    Array::new()
                        .with("ip", ip.to_string())
                        .with("reverse_name", reverse_name(*ip).as_str())
                        .with("ptr", ptr.as_str()),
                )),
                _ => None,
            }
        }));
        Array::new()
            .with("id", self.id.to_value())
            .with("fqdn", self.fqdn.as_str())
            .with("ttl", self.ttl)
            .with("addresses", addresses)
    }

    /// The valid addresses with their PTR targets.
    pub fn valid_addresses(&self) -> impl Iterator<Item = (IpAddr, &Result<DnsName, String>)> {
        self.addresses.iter().filter_map(|a| match a {
            VmAddress::Valid { ip, ptr_target, .. } => Some((*ip, ptr_target)),
            VmAddress::Invalid { .. } => None,
        })
    }
}

fn parse_name(r: &mut RowReader<'_>, field: &str, text: &str) -> Option<DnsName> {
    match DnsName::parse(text) {
        Ok(name) => Some(name),
        Err(e) => {
            r.problem(format!("{field} {e}"));
            None
        }
    }
}

fn read_address(entry: &Value, fqdn: Option<&DnsName>) -> VmAddress {
    let (ip_value, reverse) = match entry {
        Value::Array(a) => (a.get("ip"), a.get("reverse")),
        other => (Some(other), None),
    };
    let ip = match ip_value {
        Some(Value::Str(text)) => parse_ip(text).map_err(|e| e.to_string()),
        Some(Value::Null) | None => {
            return VmAddress::Invalid {
                given: describe(entry),
                error: "an ips entry has no ip".to_owned(),
            }
        }
        Some(other) => Err(format!("{} is not an IP address", describe(other))),
    };
    let ip = match ip {
        Ok(ip) => ip,
        Err(error) => {
            let given = match ip_value {
                Some(Value::Str(s)) => shorten(s.trim()),
                Some(other) => describe(other),
                None => String::new(),
            };
            return VmAddress::Invalid { given, error };
        }
    };
    let custom = match reverse {
        Some(Value::Str(s)) if !s.trim().is_empty() => {
            Some(DnsName::parse(s.trim()).map_err(|e| format!("the reverse name for {ip} {e}")))
        }
        None | Some(Value::Null) | Some(Value::Str(_)) => None,
        Some(other) => Some(Err(format!(
            "the reverse name for {ip} must be a string, not {}",
            other.type_name()
        ))),
    };
    let custom_reverse = custom.is_some();
    let ptr_target = match custom {
        Some(target) => target,
        // The FQDN is always known when the VM is valid; without it the VM
        // is rejected anyway, so this value is never used.
        None => fqdn.cloned().ok_or_else(|| "the VM has no FQDN".to_owned()),
    };
    VmAddress::Valid {
        ip,
        ptr_target,
        custom_reverse,
    }
}

/// Keeps the first entry for an address that is listed twice.
fn dedupe(mut list: Vec<VmAddress>, next: VmAddress) -> Vec<VmAddress> {
    let duplicate = match &next {
        VmAddress::Valid { ip, .. } => list
            .iter()
            .any(|a| matches!(a, VmAddress::Valid { ip: seen, .. } if seen == ip)),
        VmAddress::Invalid { .. } => false,
    };
    if !duplicate {
        list.push(next);
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Array;

    fn vm(row: Array) -> Result<Vm, String> {
        Vm::from_value(&Value::Array(row)).map_err(|e| e.to_string())
    }

    fn base() -> Array {
        Array::new()
            .with("id", 42i64)
            .with("name", "5551-1776530141")
            .with("domain", "PuqCloud.com.")
            .with("ips", Array::list(["192.0.2.7", "2001:db8::7"]))
    }

    #[test]
    fn fqdn_is_name_dot_domain_normalised() {
        let vm = vm(base()).unwrap();
        assert_eq!(vm.fqdn.as_str(), "5551-1776530141.puqcloud.com");
        assert_eq!(vm.id, Id::Int(42));
        assert_eq!(vm.addresses.len(), 2);
        assert_eq!(vm.ttl, None);
    }

    #[test]
    fn explicit_fqdn_wins_and_ttl_is_read() {
        let vm = vm(base().with("fqdn", "web.example.org").with("ttl", "300")).unwrap();
        assert_eq!(vm.fqdn.as_str(), "web.example.org");
        assert_eq!(vm.ttl, Some(300));
    }

    #[test]
    fn custom_reverse_becomes_the_ptr_target() {
        let ips = Array::list([
            Value::from(
                Array::new()
                    .with("ip", "192.0.2.8")
                    .with("reverse", "Mail.Example.com"),
            ),
            Value::from(Array::new().with("ip", "192.0.2.9").with("reverse", "")),
        ]);
        let vm = vm(base().with("ips", ips)).unwrap();
        let targets: Vec<String> = vm
            .valid_addresses()
            .map(|(ip, t)| format!("{ip} {}", t.as_ref().unwrap()))
            .collect();
        assert_eq!(
            targets,
            [
                "192.0.2.8 mail.example.com",
                "192.0.2.9 5551-1776530141.puqcloud.com"
            ]
        );
    }

    #[test]
    fn a_bad_address_is_kept_as_invalid_not_an_error() {
        let ips = Array::list([
            Value::from("192.0.2.7"),
            Value::from("not-an-ip"),
            Value::from("::ffff:192.0.2.1"),
            Value::from(7i64),
            Value::from(Array::new().with("reverse", "x.example.com")),
            Value::from(
                Array::new()
                    .with("ip", "192.0.2.10")
                    .with("reverse", "bad name"),
            ),
            Value::from("192.0.2.7"),
        ]);
        let vm = vm(base().with("ips", ips)).unwrap();
        assert_eq!(vm.addresses.len(), 6, "the duplicate 192.0.2.7 is dropped");
        let invalid: Vec<String> = vm
            .addresses
            .iter()
            .filter_map(|a| match a {
                VmAddress::Invalid { given, error } => Some(format!("{given}: {error}")),
                VmAddress::Valid { .. } => None,
            })
            .collect();
        assert_eq!(
            invalid,
            [
                "not-an-ip: \"not-an-ip\" is not an IP address",
                "::ffff:192.0.2.1: \"::ffff:192.0.2.1\" is an IPv4-mapped IPv6 address; give the IPv4 address 192.0.2.1 instead",
                "7: 7 is not an IP address",
                "an array: an ips entry has no ip",
            ]
        );
        let bad_reverse = vm.addresses.iter().find_map(|a| match a {
            VmAddress::Valid {
                ip,
                ptr_target: Err(e),
                ..
            } => Some(format!("{ip}: {e}")),
            _ => None,
        });
        assert_eq!(
            bad_reverse.as_deref(),
            Some("192.0.2.10: the reverse name for 192.0.2.10 \"bad name\" contains ' ', which a DNS name cannot hold")
        );
    }

    #[test]
    fn a_malformed_vm_names_every_problem() {
        let err = vm(Array::new()
            .with("name", "bad name")
            .with("domain", "")
            .with("ips", "192.0.2.1")
            .with("ttl", "soon"))
        .unwrap_err();
        assert_eq!(
            err,
            "VM: id is required; domain is required; name \"bad name\" contains ' ', which a DNS name cannot hold; \
             ttl must be a whole number, not \"soon\"; ips must be a list of addresses, not \"192.0.2.1\""
        );
        assert_eq!(
            Vm::from_value(&Value::from("vm")).unwrap_err().to_string(),
            "VM: a VM must be an array, not string"
        );
        let err = vm(base().with("id", 1.5)).unwrap_err();
        assert_eq!(err, "VM: id must be an int or a string, not 1.5");
        let err = vm(Array::new().with("id", 3i64).with("fqdn", "x.example.com")).unwrap_err();
        assert_eq!(
            err,
            "VM 3: ips is required (a list of addresses; [] for none)"
        );
    }

    #[test]
    fn a_checked_vm_refuses_each_entry_that_could_not_be_written() {
        let ips = Array::list([
            Value::from("192.0.2.7"),
            Value::from("not-an-ip"),
            Value::from(
                Array::new()
                    .with("ip", "192.0.2.10")
                    .with("reverse", "a.example.com.\n@ IN NS ns.evil."),
            ),
            Value::from("127.0.0.1"),
            Value::from(
                Array::new()
                    .with("ip", "192.0.2.11")
                    .with("reverse", "-x.example.com"),
            ),
        ]);
        let err = Vm::checked(&Value::Array(base().with("ips", ips)))
            .map_err(|e| e.to_string())
            .unwrap_err();
        assert_eq!(
            err,
            "VM 42: ips[1]: \"not-an-ip\" is not an IP address; \
             ips[2].reverse: the reverse name for 192.0.2.10 \"a.example.com.\\n@ IN NS ns.evil.\" contains '\\n', which a DNS name cannot hold; \
             ips[3]: \"127.0.0.1\" is a loopback address and cannot be a VM's address; \
             ips[4].reverse: the reverse name for 192.0.2.11 \"-x.example.com\" has a label that starts with '-' (\"-x\"), which no host name may have"
        );
        // What from_value refuses, checked refuses with the same words.
        let err = Vm::checked(&Value::Array(base().with("ttl", 0i64))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "VM 42: ttl 0 is out of range (1 to 2147483647)"
        );
    }

    #[test]
    fn a_checked_vm_shows_its_addresses_with_their_ptr() {
        let ips = Array::list([
            Value::from(" 192.0.2.7 "),
            Value::from(
                Array::new()
                    .with("ip", "2001:DB8::7")
                    .with("reverse", "Mail.Example.com."),
            ),
            Value::from("192.0.2.7"),
        ]);
        let vm = Vm::checked(&Value::Array(base().with("ips", ips).with("ttl", 300i64))).unwrap();
        let ptr6 = format!("7.{}8.b.d.0.1.0.0.2.ip6.arpa", "0.".repeat(23));
        assert_eq!(
            vm.to_array(),
            Array::new()
                .with("id", 42i64)
                .with("fqdn", "5551-1776530141.puqcloud.com")
                .with("ttl", 300u32)
                .with(
                    "addresses",
                    Array::list([
                        Value::from(
                            Array::new()
                                .with("ip", "192.0.2.7")
                                .with("reverse_name", "7.2.0.192.in-addr.arpa")
                                .with("ptr", "5551-1776530141.puqcloud.com"),
                        ),
                        Value::from(
                            Array::new()
                                .with("ip", "2001:db8::7")
                                .with("reverse_name", ptr6.as_str())
                                .with("ptr", "mail.example.com"),
                        ),
                    ])
                )
        );
    }

    #[test]
    fn labels_over_63_bytes_in_the_name_are_refused() {
        let err = vm(base().with("name", "a".repeat(64))).unwrap_err();
        assert!(err.starts_with("VM 42: name \""), "{err}");
        assert!(err.contains("a label holds at most 63"), "{err}");
    }
}
