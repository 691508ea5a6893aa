//! The read of providers whose API answers by name: one request per
//! distinct name, all at once, each key's set picked out of its name's
//! answer. PowerDNS and Cloudflare read this way; the engine's request
//! bound (`retry::Tries`) keeps "all at once" within `concurrency`.

use std::future::Future;

use futures::future::join_all;

use crate::name::DnsName;
use crate::provider::{Attempted, RecordSet};
use crate::rr::RecordType;

/// Asks `fetch` once per distinct name in `keys`, then gives each key the
/// set `pick` finds in its name's answer, in the order of `keys`.
///
/// The A and AAAA at an FQDN come back in one answer, so a VM costs one
/// request per name, not per record. The first failed name fails the read
/// as a whole: the engine cannot plan a zone from half of its sets. The
/// attempts are those of the slowest name, because the names go in
/// parallel.
pub async fn read_per_name<'k, Answer, Fut>(
    keys: &'k [(DnsName, RecordType)],
    fetch: impl Fn(&'k DnsName) -> Fut,
    pick: impl Fn(&Answer, &DnsName, RecordType) -> RecordSet,
) -> Attempted<Vec<RecordSet>>
where
    Fut: Future<Output = Attempted<Answer>>,
{
    let mut names: Vec<&DnsName> = Vec::new();
    for (name, _) in keys {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let answers = join_all(names.iter().map(|name| fetch(name))).await;
    let attempts = answers.iter().map(|a| a.attempts).max().unwrap_or(0);
    let mut by_name = Vec::with_capacity(answers.len());
    for answer in answers {
        match answer.outcome {
            Ok(answer) => by_name.push(answer),
            Err(error) => {
                return Attempted {
                    outcome: Err(error),
                    attempts,
                }
            }
        }
    }
    let sets = keys
        .iter()
        .map(|(name, rrtype)| {
            match names
                .iter()
                .position(|n| *n == name)
                .and_then(|i| by_name.get(i))
            {
                Some(answer) => pick(answer, name, *rrtype),
                // Every key's name was asked for above.
                None => RecordSet::empty(name.clone(), *rrtype, 0),
            }
        })
        .collect();
    Attempted {
        outcome: Ok(sets),
        attempts,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::provider::{ProviderError, Record};

    fn name(text: &str) -> DnsName {
        DnsName::parse(text).unwrap()
    }

    #[tokio::test]
    async fn each_name_is_asked_once_and_each_key_gets_its_own_set() {
        let asked = Mutex::new(Vec::new());
        let keys = [
            (name("vm.example.com"), RecordType::A),
            (name("7.2.0.192.in-addr.arpa"), RecordType::Ptr),
            (name("vm.example.com"), RecordType::Aaaa),
        ];
        let read = read_per_name(
            &keys,
            |n| {
                asked.lock().unwrap().push(n.as_str().to_owned());
                let attempts = if n.as_str().starts_with('7') { 3 } else { 1 };
                async move {
                    Attempted {
                        outcome: Ok(format!("answer for {}", n.as_str())),
                        attempts,
                    }
                }
            },
            |answer: &String, n, t| {
                let mut set = RecordSet::empty(n.clone(), t, 60);
                set.records.push(Record {
                    content: format!("{answer} {}", t.as_str()),
                    id: None,
                });
                set
            },
        )
        .await;
        assert_eq!(
            asked.into_inner().unwrap(),
            ["vm.example.com", "7.2.0.192.in-addr.arpa"]
        );
        assert_eq!(read.attempts, 3);
        let contents: Vec<String> = read
            .outcome
            .unwrap()
            .into_iter()
            .flat_map(|s| s.records.into_iter().map(|r| r.content))
            .collect();
        assert_eq!(
            contents,
            [
                "answer for vm.example.com A",
                "answer for 7.2.0.192.in-addr.arpa PTR",
                "answer for vm.example.com AAAA"
            ]
        );
    }

    #[tokio::test]
    async fn one_failed_name_fails_the_read() {
        let keys = [
            (name("a.example.com"), RecordType::A),
            (name("b.example.com"), RecordType::A),
        ];
        let read = read_per_name(
            &keys,
            |n| async move {
                Attempted {
                    outcome: if n.as_str() == "b.example.com" {
                        Err(ProviderError::Refused("HTTP 403: denied".to_owned()))
                    } else {
                        Ok(())
                    },
                    attempts: 2,
                }
            },
            |_: &(), n, t| RecordSet::empty(n.clone(), t, 0),
        )
        .await;
        assert_eq!(
            read.outcome,
            Err(ProviderError::Refused("HTTP 403: denied".to_owned()))
        );
        assert_eq!(read.attempts, 2);
    }
}
