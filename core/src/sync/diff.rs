//! The pure half of a sync: from what a zone holds at the VM's names and
//! what the VM should have there, the record-level steps to report and the
//! set-level changes to send. No I/O, so every rule is a plain unit test.

use std::collections::HashMap;

use crate::name::DnsName;
use crate::plan::{Direction, OwnedSet, RecordType};
use crate::provider::{Change, Record, RecordSet};

/// What a call does to the VM's records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Deploy: the VM's A/AAAA are added at the FQDN; each of its PTRs
    /// replaces whatever the reverse name held.
    Create,
    /// Terminate: no A/AAAA at the FQDN; no PTR at its reverse names that
    /// points at the VM.
    Delete,
    /// Set DNS records: exactly what `Create` makes, stale records gone.
    Resync,
}

/// What one record-level step does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    Create,
    Delete,
    /// Already right: not touched.
    Keep,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Create => "create",
            StepKind::Delete => "delete",
            StepKind::Keep => "keep",
        }
    }
}

/// One record that one set needs created, deleted or kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    pub content: String,
}

/// The steps of one set and the contents it leaves.
fn diff_set(set: &OwnedSet, current: &[String], action: Action) -> (Vec<Step>, Vec<String>) {
    let step = |kind, content: &String| Step {
        kind,
        content: content.clone(),
    };
    let mut steps = Vec::new();
    let mut after: Vec<String> = Vec::new();
    match (action, set.direction) {
        (Action::Delete, Direction::Forward) => {
            steps.extend(current.iter().map(|c| step(StepKind::Delete, c)));
        }
        (Action::Delete, Direction::Reverse) => {
            for content in current {
                if set.vm_targets.contains(content) {
                    steps.push(step(StepKind::Delete, content));
                } else {
                    after.push(content.clone());
                }
            }
        }
        (Action::Create, Direction::Forward) => {
            after.extend(current.iter().cloned());
            for content in &set.wanted {
                if current.contains(content) {
                    steps.push(step(StepKind::Keep, content));
                } else {
                    steps.push(step(StepKind::Create, content));
                    after.push(content.clone());
                }
            }
        }
        // A PTR names one host: the VM's replaces whatever was there, in
        // every action that writes.
        (Action::Create | Action::Resync, Direction::Reverse)
        | (Action::Resync, Direction::Forward) => {
            for content in &set.wanted {
                let kind = if current.contains(content) {
                    StepKind::Keep
                } else {
                    StepKind::Create
                };
                steps.push(step(kind, content));
                after.push(content.clone());
            }
            steps.extend(
                current
                    .iter()
                    .filter(|c| !set.wanted.contains(c))
                    .map(|c| step(StepKind::Delete, c)),
            );
        }
    }
    (steps, after)
}

/// One owned set to bring into shape, from one VM job.
#[derive(Clone, Debug)]
pub struct Item<'a> {
    pub job: usize,
    pub set: &'a OwnedSet,
    pub action: Action,
}

type Key = (DnsName, RecordType);

/// Everything to do in one zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneDiff {
    /// Steps per item, in item order.
    pub steps: Vec<Vec<Step>>,
    /// The changes to send, at most one per name and type.
    pub changes: Vec<Change>,
    /// For each item, the index of the change that carries its steps.
    pub change_of_item: Vec<Option<usize>>,
}

impl ZoneDiff {
    /// Diffs items against what the zone holds. Items are applied in order
    /// to one running state, so two VMs that touch the same name (an
    /// address moved between them in one cron run) end as the last one says.
    pub fn build(items: &[Item<'_>], existing: &[RecordSet]) -> ZoneDiff {
        let mut original: HashMap<Key, &RecordSet> = HashMap::new();
        for set in existing {
            original.insert((set.name.clone(), set.rrtype), set);
        }
        let mut state: HashMap<Key, Vec<String>> = HashMap::new();
        let mut order: Vec<Key> = Vec::new();
        let mut ttl: HashMap<Key, u32> = HashMap::new();
        let mut steps = Vec::with_capacity(items.len());

        for item in items {
            let key = (item.set.name.clone(), item.set.rrtype);
            let current = state.entry(key.clone()).or_insert_with(|| {
                order.push(key.clone());
                original
                    .get(&key)
                    .map(|s| s.records.iter().map(|r| r.content.clone()).collect())
                    .unwrap_or_default()
            });
            let (item_steps, after) = diff_set(item.set, current, item.action);
            *current = after;
            ttl.insert(key, item.set.ttl);
            steps.push(item_steps);
        }

        let mut changes = Vec::new();
        let mut change_of_key: HashMap<Key, usize> = HashMap::new();
        for key in order {
            let after = state.remove(&key).unwrap_or_default();
            let before: Vec<Record> = original
                .get(&key)
                .map(|s| s.records.clone())
                .unwrap_or_default();
            let add: Vec<String> = after
                .iter()
                .filter(|c| !before.iter().any(|r| &r.content == *c))
                .cloned()
                .collect();
            let remove: Vec<Record> = before
                .iter()
                .filter(|r| !after.contains(&r.content))
                .cloned()
                .collect();
            if add.is_empty() && remove.is_empty() {
                continue;
            }
            change_of_key.insert(key.clone(), changes.len());
            let ttl = ttl.get(&key).copied().unwrap_or(crate::zone::DEFAULT_TTL);
            changes.push(Change {
                name: key.0,
                rrtype: key.1,
                ttl,
                add,
                remove,
                after,
            });
        }

        let change_of_item = items
            .iter()
            .map(|item| {
                change_of_key
                    .get(&(item.set.name.clone(), item.set.rrtype))
                    .copied()
            })
            .collect();
        ZoneDiff {
            steps,
            changes,
            change_of_item,
        }
    }

    /// The steps to report when the zone could not be read: what the item
    /// would do to a zone that holds nothing of the VM's, or for a delete,
    /// the VM's own records it came to remove. A set that wants nothing
    /// (no IPv6 address, so no AAAA) has no step here; the engine makes
    /// sure every job still hears that the zone failed.
    pub fn unread_steps(item: &Item<'_>) -> Vec<Step> {
        let kind = match item.action {
            Action::Delete => StepKind::Delete,
            Action::Create | Action::Resync => StepKind::Create,
        };
        item.set
            .wanted
            .iter()
            .map(|content| Step {
                kind,
                content: content.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> DnsName {
        DnsName::parse(s).unwrap()
    }

    fn fwd(rrtype: RecordType, wanted: &[&str]) -> OwnedSet {
        OwnedSet {
            direction: Direction::Forward,
            name: name("vm.example.com"),
            rrtype,
            wanted: wanted.iter().map(|s| (*s).to_owned()).collect(),
            vm_targets: Vec::new(),
            ttl: 300,
        }
    }

    fn ptr(at: &str, target: &str) -> OwnedSet {
        OwnedSet {
            direction: Direction::Reverse,
            name: name(at),
            rrtype: RecordType::Ptr,
            wanted: vec![target.to_owned()],
            vm_targets: vec![target.to_owned(), "vm.example.com".to_owned()],
            ttl: 300,
        }
    }

    fn held(set: &OwnedSet, contents: &[&str]) -> RecordSet {
        RecordSet {
            name: set.name.clone(),
            rrtype: set.rrtype,
            ttl: 3600,
            records: contents
                .iter()
                .enumerate()
                .map(|(i, c)| Record {
                    content: (*c).to_owned(),
                    id: Some(format!("r{i}")),
                })
                .collect(),
        }
    }

    fn steps(diff: &ZoneDiff, item: usize) -> Vec<String> {
        diff.steps[item]
            .iter()
            .map(|s| format!("{} {}", s.kind.as_str(), s.content))
            .collect()
    }

    fn one(set: &OwnedSet, action: Action, existing: &[RecordSet]) -> ZoneDiff {
        ZoneDiff::build(
            &[Item {
                job: 0,
                set,
                action,
            }],
            existing,
        )
    }

    #[test]
    fn create_adds_missing_addresses_and_leaves_the_others() {
        let set = fwd(RecordType::A, &["192.0.2.7", "192.0.2.8"]);
        let diff = one(
            &set,
            Action::Create,
            &[held(&set, &["192.0.2.7", "198.51.100.1"])],
        );
        assert_eq!(steps(&diff, 0), ["keep 192.0.2.7", "create 192.0.2.8"]);
        assert_eq!(diff.changes.len(), 1);
        let change = &diff.changes[0];
        assert_eq!(change.add, ["192.0.2.8"]);
        assert!(change.remove.is_empty());
        assert_eq!(change.after, ["192.0.2.7", "198.51.100.1", "192.0.2.8"]);
        assert_eq!(change.ttl, 300);
    }

    #[test]
    fn resync_removes_stale_addresses_and_keeps_what_is_right() {
        let set = fwd(RecordType::A, &["192.0.2.7"]);
        let diff = one(
            &set,
            Action::Resync,
            &[held(&set, &["192.0.2.7", "198.51.100.1"])],
        );
        assert_eq!(steps(&diff, 0), ["keep 192.0.2.7", "delete 198.51.100.1"]);
        let change = &diff.changes[0];
        assert!(change.add.is_empty());
        assert_eq!(
            change.remove,
            [Record {
                content: "198.51.100.1".into(),
                id: Some("r1".into())
            }]
        );
        assert_eq!(change.after, ["192.0.2.7"]);
    }

    #[test]
    fn nothing_to_change_means_no_change_at_all() {
        let set = fwd(RecordType::A, &["192.0.2.7"]);
        let diff = one(&set, Action::Resync, &[held(&set, &["192.0.2.7"])]);
        assert_eq!(steps(&diff, 0), ["keep 192.0.2.7"]);
        assert!(diff.changes.is_empty());
        assert_eq!(diff.change_of_item, [None]);
    }

    #[test]
    fn a_missing_set_is_created() {
        let set = fwd(RecordType::Aaaa, &["2001:db8::7"]);
        let diff = one(&set, Action::Create, &[]);
        assert_eq!(steps(&diff, 0), ["create 2001:db8::7"]);
        assert_eq!(diff.changes[0].after, ["2001:db8::7"]);
        assert_eq!(diff.change_of_item, [Some(0)]);
    }

    #[test]
    fn delete_removes_every_address_at_the_fqdn() {
        let set = fwd(RecordType::A, &["192.0.2.7"]);
        let diff = one(
            &set,
            Action::Delete,
            &[held(&set, &["192.0.2.7", "198.51.100.1"])],
        );
        assert_eq!(steps(&diff, 0), ["delete 192.0.2.7", "delete 198.51.100.1"]);
        assert!(diff.changes[0].after.is_empty());
    }

    #[test]
    fn a_ptr_pointing_elsewhere_is_replaced_by_create_and_resync() {
        let set = ptr("7.2.0.192.in-addr.arpa", "vm.example.com");
        for action in [Action::Create, Action::Resync] {
            let diff = one(&set, action, &[held(&set, &["old.example.net"])]);
            assert_eq!(
                steps(&diff, 0),
                ["create vm.example.com", "delete old.example.net"]
            );
            assert_eq!(diff.changes[0].after, ["vm.example.com"]);
        }
    }

    #[test]
    fn delete_leaves_a_ptr_that_points_elsewhere() {
        let set = ptr("7.2.0.192.in-addr.arpa", "mail.example.com");
        let diff = one(
            &set,
            Action::Delete,
            &[held(
                &set,
                &["mail.example.com", "vm.example.com", "other.example.net"],
            )],
        );
        assert_eq!(
            steps(&diff, 0),
            ["delete mail.example.com", "delete vm.example.com"]
        );
        assert_eq!(diff.changes[0].after, ["other.example.net"]);
        let untouched = one(&set, Action::Delete, &[held(&set, &["other.example.net"])]);
        assert!(untouched.steps[0].is_empty());
        assert!(untouched.changes.is_empty());
    }

    #[test]
    fn two_vms_on_one_name_end_as_the_last_one_says() {
        let first = ptr("7.2.0.192.in-addr.arpa", "a.example.com");
        let second = ptr("7.2.0.192.in-addr.arpa", "b.example.com");
        let diff = ZoneDiff::build(
            &[
                Item {
                    job: 0,
                    set: &first,
                    action: Action::Resync,
                },
                Item {
                    job: 1,
                    set: &second,
                    action: Action::Resync,
                },
            ],
            &[held(&first, &["a.example.com"])],
        );
        assert_eq!(steps(&diff, 0), ["keep a.example.com"]);
        assert_eq!(
            steps(&diff, 1),
            ["create b.example.com", "delete a.example.com"]
        );
        assert_eq!(diff.changes.len(), 1);
        assert_eq!(diff.changes[0].after, ["b.example.com"]);
        assert_eq!(diff.change_of_item, [Some(0), Some(0)]);
    }

    #[test]
    fn unread_zones_report_what_the_vm_came_to_do() {
        let set = fwd(RecordType::A, &["192.0.2.7"]);
        let kinds = |action| {
            ZoneDiff::unread_steps(&Item {
                job: 0,
                set: &set,
                action,
            })
            .iter()
            .map(|s| format!("{} {}", s.kind.as_str(), s.content))
            .collect::<Vec<_>>()
        };
        assert_eq!(kinds(Action::Create), ["create 192.0.2.7"]);
        assert_eq!(kinds(Action::Resync), ["create 192.0.2.7"]);
        assert_eq!(kinds(Action::Delete), ["delete 192.0.2.7"]);
    }
}
