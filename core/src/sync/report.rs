//! Operations and results, in the array shapes of API.md.

use crate::id::Id;
use crate::plan::{Direction, RecordType};
pub use crate::redact::{clean_error, printable};
use crate::sync::diff::StepKind;
use crate::sync::read_way::ReadWay;
use crate::value::{Array, Value};
use crate::zone::{ProviderType, Zone};

/// Which zone an operation went to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneRef {
    pub id: Id,
    pub name: String,
    pub provider: ProviderType,
}

impl ZoneRef {
    pub fn of(zone: &Zone) -> Self {
        Self {
            id: zone.id.clone(),
            name: zone.name.to_string(),
            provider: zone.provider_type(),
        }
    }
}

/// One record-level operation and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    pub direction: Direction,
    pub step: StepKind,
    /// `None` for input that never reached a zone (an unusable address).
    pub zone: Option<ZoneRef>,
    pub name: String,
    pub rrtype: RecordType,
    pub content: String,
    pub ttl: Option<u32>,
    /// The failure, already cleaned of control characters, cut to length
    /// and stripped of the zone's credential.
    pub error: Option<String>,
    pub attempts: u32,
    pub ms: u64,
}

impl Operation {
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }

    pub fn to_value(&self) -> Value {
        let zone = self.zone.as_ref();
        Value::Array(
            Array::new()
                .with("kind", self.direction.as_str())
                .with("op", self.step.as_str())
                .with("status", if self.ok() { "ok" } else { "error" })
                .with(
                    "zone_id",
                    zone.map(|z| z.id.to_value()).unwrap_or(Value::Null),
                )
                .with("zone", zone.map(|z| z.name.as_str()))
                .with("type", zone.map(|z| z.provider.as_str()))
                .with("name", self.name.as_str())
                .with("rrtype", self.rrtype.as_str())
                .with("content", self.content.as_str())
                .with("ttl", self.ttl)
                .with("error", self.error.as_deref())
                .with("attempts", self.attempts)
                .with("ms", self.ms),
        )
    }

    /// The cron line: `fwd OK create A vm.example.com 192.0.2.7 zone
    /// example.com (#1, powerdns)`, with `: <error>` on failure.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{} {} {} {} {} {}",
            self.direction.as_str(),
            if self.ok() { "OK" } else { "ERR" },
            self.step.as_str(),
            self.rrtype.as_str(),
            if self.name.is_empty() {
                "-"
            } else {
                &self.name
            },
            if self.content.is_empty() {
                "-"
            } else {
                &self.content
            },
        );
        if let Some(zone) = &self.zone {
            line.push_str(&format!(
                " zone {} (#{}, {})",
                zone.name, zone.id, zone.provider
            ));
        }
        if let Some(error) = &self.error {
            line.push_str(": ");
            line.push_str(error);
        }
        printable(&line)
    }
}

/// How one zone was read and written in a call: the same for every VM the
/// call synced in that zone, since they share the zone's read and write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneStats {
    pub zone: ZoneRef,
    pub read: ReadWay,
    /// Requests (DNS messages for RFC 2136) of the read, retries included.
    pub read_requests: u32,
    pub write_requests: u32,
    /// The zone's records, when the read saw the whole zone.
    pub zone_records: Option<u64>,
}

impl ZoneStats {
    pub fn to_value(&self) -> Value {
        Value::Array(
            Array::new()
                .with("zone_id", self.zone.id.to_value())
                .with("zone", self.zone.name.as_str())
                .with("type", self.zone.provider.as_str())
                .with("read", self.read.as_str())
                .with("read_requests", self.read_requests)
                .with("write_requests", self.write_requests)
                .with("zone_records", self.zone_records),
        )
    }
}

/// The outcome of one `DnsSync` call for one VM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncReport {
    /// `create`, `delete`, `resync`, `update` or `plan`.
    pub action: &'static str,
    pub vm: Id,
    pub fqdn: String,
    pub operations: Vec<Operation>,
    pub unmatched: Vec<String>,
    /// Per zone the VM had sets in, in zone order.
    pub zones: Vec<ZoneStats>,
}

impl SyncReport {
    /// The result for a VM array that could not be read (in `resyncMany`,
    /// where one bad VM must not fail the others): one failed operation
    /// that carries the reason.
    pub fn invalid_vm(action: &'static str, vm: Id, error: &str) -> Self {
        Self {
            action,
            vm,
            fqdn: String::new(),
            operations: vec![Operation {
                direction: Direction::Forward,
                step: StepKind::Create,
                zone: None,
                name: String::new(),
                rrtype: RecordType::A,
                content: String::new(),
                ttl: None,
                error: Some(error.to_owned()),
                attempts: 0,
                ms: 0,
            }],
            unmatched: Vec::new(),
            zones: Vec::new(),
        }
    }

    pub fn ok(&self) -> bool {
        self.operations.iter().all(Operation::ok)
    }

    pub fn to_value(&self) -> Array {
        let count = |pred: &dyn Fn(&Operation) -> bool| {
            self.operations.iter().filter(|op| pred(op)).count()
        };
        let counts = Array::new()
            .with(
                "created",
                count(&|op| op.ok() && op.step == StepKind::Create),
            )
            .with(
                "deleted",
                count(&|op| op.ok() && op.step == StepKind::Delete),
            )
            .with(
                "unchanged",
                count(&|op| op.ok() && op.step == StepKind::Keep),
            )
            .with("failed", count(&|op| !op.ok()));
        Array::new()
            .with("ok", self.ok())
            .with("action", self.action)
            .with("vm", self.vm.to_value())
            .with("fqdn", self.fqdn.as_str())
            .with(
                "operations",
                Array::list(self.operations.iter().map(Operation::to_value)),
            )
            .with(
                "errors",
                Array::list(
                    self.operations
                        .iter()
                        .filter(|op| !op.ok())
                        .map(Operation::to_value),
                ),
            )
            .with(
                "unmatched",
                Array::list(self.unmatched.iter().map(String::as_str)),
            )
            .with("counts", counts)
            .with(
                "lines",
                Array::list(self.operations.iter().map(Operation::line)),
            )
            .with(
                "stats",
                Array::list(self.zones.iter().map(ZoneStats::to_value)),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(error: Option<&str>) -> Operation {
        Operation {
            direction: Direction::Reverse,
            step: StepKind::Create,
            zone: Some(ZoneRef {
                id: Id::Int(3),
                name: "2.0.192.in-addr.arpa".into(),
                provider: ProviderType::parse("powerdns").unwrap(),
            }),
            name: "7.2.0.192.in-addr.arpa".into(),
            rrtype: RecordType::Ptr,
            content: "vm.example.com".into(),
            ttl: Some(3600),
            error: error.map(str::to_owned),
            attempts: 1,
            ms: 12,
        }
    }

    #[test]
    fn lines_name_operation_record_zone_and_error() {
        assert_eq!(
            op(None).line(),
            "rev OK create PTR 7.2.0.192.in-addr.arpa vm.example.com zone 2.0.192.in-addr.arpa (#3, powerdns)"
        );
        assert_eq!(
            op(Some("HTTP 422: Name is out of zone")).line(),
            "rev ERR create PTR 7.2.0.192.in-addr.arpa vm.example.com zone 2.0.192.in-addr.arpa (#3, powerdns): HTTP 422: Name is out of zone"
        );
    }

    #[test]
    fn lines_hold_no_control_characters() {
        let mut bad = op(Some("HTTP 500: line one\nline two \u{1b}[31mred\u{9b}"));
        bad.content = "a.example.com.\n@ IN NS ns.evil.".to_owned();
        assert_eq!(
            bad.line(),
            "rev ERR create PTR 7.2.0.192.in-addr.arpa a.example.com.\\n@ IN NS ns.evil. zone 2.0.192.in-addr.arpa (#3, powerdns): \
             HTTP 500: line one\\nline two \\u{1b}[31mred\\u{9b}"
        );
        assert_eq!(printable("plain ünïcode"), "plain ünïcode");
    }

    #[test]
    fn an_operation_has_every_key_of_the_contract() {
        let Value::Array(a) = op(None).to_value() else {
            panic!()
        };
        let keys: Vec<String> = a.iter().map(|(k, _)| k.to_string()).collect();
        assert_eq!(
            keys,
            [
                "kind", "op", "status", "zone_id", "zone", "type", "name", "rrtype", "content",
                "ttl", "error", "attempts", "ms"
            ]
        );
        assert_eq!(a.get("status"), Some(&Value::from("ok")));
        assert_eq!(a.get("error"), Some(&Value::Null));
        assert_eq!(a.get("zone_id"), Some(&Value::Int(3)));
    }

    #[test]
    fn counts_and_errors_follow_the_operations() {
        let mut keep = op(None);
        keep.step = StepKind::Keep;
        let report = SyncReport {
            action: "create",
            vm: Id::Str("vm-1".into()),
            fqdn: "vm.example.com".into(),
            operations: vec![op(None), keep, op(Some("boom"))],
            unmatched: vec!["7.2.0.198.in-addr.arpa".into()],
            zones: vec![ZoneStats {
                zone: ZoneRef {
                    id: Id::Int(3),
                    name: "2.0.192.in-addr.arpa".into(),
                    provider: ProviderType::parse("powerdns").unwrap(),
                },
                read: ReadWay::Zone,
                read_requests: 1,
                write_requests: 1,
                zone_records: Some(202),
            }],
        };
        let v = report.to_value();
        assert_eq!(v.get("ok"), Some(&Value::Bool(false)));
        assert_eq!(
            v.get("counts"),
            Some(&Value::Array(
                Array::new()
                    .with("created", 1usize)
                    .with("deleted", 0usize)
                    .with("unchanged", 1usize)
                    .with("failed", 1usize)
            ))
        );
        assert_eq!(
            v.get("errors").and_then(Value::as_array).map(Array::len),
            Some(1)
        );
        assert_eq!(
            v.get("lines").and_then(Value::as_array).map(Array::len),
            Some(3)
        );
        assert_eq!(
            v.get("stats"),
            Some(&Value::Array(Array::list([Value::Array(
                Array::new()
                    .with("zone_id", 3i64)
                    .with("zone", "2.0.192.in-addr.arpa")
                    .with("type", "powerdns")
                    .with("read", "zone")
                    .with("read_requests", 1u32)
                    .with("write_requests", 1u32)
                    .with("zone_records", Some(202u64))
            )])))
        );
    }
}
