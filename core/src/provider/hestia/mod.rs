//! HestiaCP over its API (`POST {server_url}api/`), logged in as the admin
//! with a password and acting for the zone's user.
//!
//! Hestia has no filtered read: one `v-list-dns-records` per zone, and only
//! the records at the VM's names are kept. Writes are one command per
//! record, one at a time per domain (Hestia gives a new record the highest
//! ID plus one, so two adds at once could collide), each with RESTART `no`,
//! and one `v-restart-dns` per zone once the changes are in.
//!
//! A command Hestia runs answers HTTP 200 whatever happens: with
//! `returncode=yes` the body is its exit code, with `no` its output (`OK`
//! when there is none) or `Error: …`. Every command asks for the output
//! first, so success costs one request; a failure is asked again for its
//! code, so the admin sees both, as in `E_NOTEXIST (3): Error: dns domain
//! example.com doesn't exist`. A refused login comes with its code in a
//! header and is not tried twice.

pub mod spec;

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Client;
use serde::Deserialize;
use tokio::sync::Mutex;

use futures::future::BoxFuture;

use crate::http::{readable_body, Http, Transport};
use crate::name::DnsName;
use crate::provider::{
    normalize_content, Applied, Attempted, Backend, Change, ProviderError, Reads, Record,
    RecordFailure, RecordSet, Registration, Target,
};
use crate::retry::Try;
use crate::rr::RecordType;
use crate::secret::Secret;

/// HestiaCP in the registry.
pub const PROVIDER: Registration = Registration {
    spec: &spec::SPEC,
    connect,
};

/// One zone's client; changes to one domain go one at a time (Hestia would
/// give two new records the same ID).
fn connect(target: &Target<'_>, transport: &Transport) -> Result<Box<dyn Backend>, ProviderError> {
    let http = transport.client_for(&target.tls)?;
    let lock = transport.write_lock(&format!(
        "hestiacp {} {} {}",
        target.row.text("server_url"),
        target.row.text("user"),
        target.name
    ));
    Ok(Box::new(HestiaClient::new(http, target, lock)))
}

impl Backend for HestiaClient {
    fn read<'a>(
        &'a self,
        keys: &'a [(DnsName, RecordType)],
    ) -> BoxFuture<'a, Attempted<Vec<RecordSet>>> {
        Box::pin(HestiaClient::read(self, keys))
    }

    fn apply<'a>(&'a self, changes: &'a [Change]) -> BoxFuture<'a, Vec<Applied>> {
        Box::pin(HestiaClient::apply(self, changes))
    }

    fn test(&self) -> BoxFuture<'_, Attempted<String>> {
        Box::pin(HestiaClient::test(self))
    }

    fn url(&self) -> &str {
        &self.described
    }

    fn requests(&self) -> u32 {
        self.http.requests()
    }

    // Its only listing is the whole domain's.
    fn reads(&self) -> Reads {
        Reads {
            by_name: false,
            zone: None,
            budgeted: false,
        }
    }
}

/// Hestia's exit codes (func/main.sh), by number.
const CODE_NAMES: [&str; 21] = [
    "OK",
    "E_ARGS",
    "E_INVALID",
    "E_NOTEXIST",
    "E_EXISTS",
    "E_SUSPENDED",
    "E_UNSUSPENDED",
    "E_INUSE",
    "E_LIMIT",
    "E_PASSWORD",
    "E_FORBIDDEN",
    "E_DISABLED",
    "E_PARSING",
    "E_DISK",
    "E_LA",
    "E_CONNECT",
    "E_FTP",
    "E_DB",
    "E_RRD",
    "E_UPDATE",
    "E_RESTART",
];
const E_NOTEXIST: u32 = 3;
/// The server's load average is over its limit: worth another try later.
const E_LA: u32 = 14;

/// A command's failure: `E_NOTEXIST (3): Error: …`.
fn exit(code: u32, message: String) -> ProviderError {
    ProviderError::Exit {
        code,
        described: describe(code, &message),
        message,
    }
}

/// `E_NOTEXIST (3): Error: …`, the way Hestia names its exit codes.
pub fn describe(code: u32, message: &str) -> String {
    let name = usize::try_from(code)
        .ok()
        .and_then(|i| CODE_NAMES.get(i))
        .map_or_else(|| "exit code".to_owned(), |name| (*name).to_owned());
    match message.trim() {
        "" => format!("{name} ({code})"),
        text => format!("{name} ({code}): {text}"),
    }
}

pub struct HestiaClient {
    http: Http,
    zone: DnsName,
    /// `{server_url}api/ user@domain`.
    described: String,
    /// `{server_url}api/`.
    api_url: String,
    admin_user: String,
    admin_password: Secret,
    user: String,
    /// Held for all of a zone's writes, shared with every client of the
    /// same domain in this sync.
    write_lock: Arc<Mutex<()>>,
}

/// One record as `v-list-dns-records … json` lists it; every value a string.
#[derive(Deserialize)]
#[serde(rename_all = "UPPERCASE")]
struct RecordDoc {
    record: String,
    #[serde(rename = "TYPE")]
    rrtype: String,
    value: String,
    id: String,
    #[serde(default)]
    suspended: Option<String>,
    #[serde(default)]
    ttl: Option<String>,
}

/// Hestia's answer to one POST.
struct Reply {
    body: String,
    /// The `Hestia-Exit-Code` header, sent with errors found before the
    /// command ran (a refused login).
    code: Option<u32>,
}

/// Whether a command's output is wanted, or only whether it went through.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Wanted,
    Ignored,
}

impl HestiaClient {
    pub fn new(http: Http, target: &Target<'_>, write_lock: Arc<Mutex<()>>) -> Self {
        let row = target.row;
        let api_url = format!("{}api/", row.text("server_url"));
        Self {
            http,
            zone: target.name.clone(),
            described: format!("{api_url} {}@{}", row.text("user"), target.name),
            api_url,
            admin_user: row.text("admin_user").to_owned(),
            admin_password: row.secret().clone(),
            user: row.text("user").to_owned(),
            write_lock,
        }
    }

    /// `{server_url}api/ user@domain`, for debug output.
    pub fn zone_url(&self) -> &str {
        &self.described
    }

    /// One POST of one command. Arguments are sent in full, empty ones
    /// included: Hestia passes on only the `argN` that are present, so a
    /// missing one would shift the rest left.
    async fn post(
        &self,
        cmd: &str,
        args: &[&str],
        returncode: bool,
    ) -> (Result<Reply, ProviderError>, u32) {
        let mut form: Vec<(String, &str)> = vec![
            ("user".to_owned(), self.admin_user.as_str()),
            ("password".to_owned(), self.admin_password.expose()),
            (
                "returncode".to_owned(),
                if returncode { "yes" } else { "no" },
            ),
            ("cmd".to_owned(), cmd),
        ];
        form.extend(
            args.iter()
                .enumerate()
                .map(|(i, arg)| (format!("arg{}", i + 1), *arg)),
        );
        let (answer, attempts) = self
            .http
            .send(|client: &Client| client.post(&self.api_url).form(&form))
            .await;
        let reply = answer.and_then(|answer| {
            // Errors found before the command runs (a refused login, a bad
            // command name) come with an HTTP error status and the exit code
            // in a header, but the body is still Hestia's answer.
            let code = answer
                .headers
                .get("hestia-exit-code")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u32>().ok());
            if answer.status.is_success() || code.is_some() {
                Ok(Reply {
                    body: answer.body.trim().to_owned(),
                    code,
                })
            } else {
                Err(ProviderError::Status {
                    status: answer.status.as_u16(),
                    message: first_line(&readable_body(&answer.body)),
                })
            }
        });
        (reply, attempts)
    }

    /// Runs a command and returns its output. The output comes first (`OK`
    /// when there was none); only when it reads as a failure is the command
    /// asked again, for its exit code, unless the answer carried the code
    /// already (a refused login, which is then not tried twice). A command
    /// that failed fails again the same way, so asking again is safe; one
    /// that went through the second time (the load went down) went through
    /// once. A loaded server (E_LA) is asked again after a pause.
    async fn run(
        &self,
        cmd: &str,
        args: &[&str],
        output: Output,
    ) -> (Result<String, ProviderError>, u32) {
        let attempts = AtomicU32::new(0);
        let (outcome, _) = self
            .http
            .tries()
            .repeat(|| async {
                let (outcome, sent) = self.run_once(cmd, args, output).await;
                attempts.fetch_add(sent, Ordering::Relaxed);
                outcome
            })
            .await;
        (outcome, attempts.into_inner())
    }

    /// One try of [`Self::run`], with the requests it sent.
    async fn run_once(&self, cmd: &str, args: &[&str], output: Output) -> (Try<String>, u32) {
        let (reply, mut sent) = self.post(cmd, args, false).await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(e) => return (Try::Done(Err(e)), sent),
        };
        if let Some(code) = reply.code.filter(|&code| code != 0) {
            let message = first_line(&reply.body);
            return (Try::Done(Err(exit(code, message))), sent);
        }
        if !reads_as_failure(&reply.body) {
            return (Try::Done(Ok(reply.body)), sent);
        }
        let (code, more) = self.post(cmd, args, true).await;
        sent += more;
        let code = match code.and_then(|reply| exit_code(cmd, &reply.body)) {
            Ok(code) => code,
            Err(e) => return (Try::Done(Err(e)), sent),
        };
        let message = first_line(&reply.body);
        let outcome = match code {
            0 if output == Output::Ignored => Try::Done(Ok(String::new())),
            // A read that failed, then worked: read once more, at once.
            0 => Try::Again {
                last: Err(ProviderError::InvalidResponse(format!("{cmd}: {message}"))),
                wait: Some(Duration::ZERO),
                answered: true,
            },
            E_LA => Try::Again {
                last: Err(exit(code, message)),
                wait: None,
                answered: true,
            },
            code => Try::Done(Err(exit(code, message))),
        };
        (outcome, sent)
    }

    /// A command that only reads, with its outcome and tries.
    async fn query(&self, cmd: &str, args: &[&str]) -> Attempted<String> {
        let (outcome, attempts) = self.run(cmd, args, Output::Wanted).await;
        Attempted { outcome, attempts }
    }

    /// The record sets at the given names: one listing of the domain,
    /// kept to those names.
    pub async fn read(&self, keys: &[(DnsName, RecordType)]) -> Attempted<Vec<RecordSet>> {
        let listed = self
            .query(
                "v-list-dns-records",
                &[&self.user, self.zone.as_str(), "json"],
            )
            .await;
        Attempted {
            outcome: listed
                .outcome
                .and_then(|text| sets_in_listing(&text, &self.zone, keys)),
            attempts: listed.attempts,
        }
    }

    /// Adds before it deletes, so a name never goes without records and a
    /// replaced A is never the domain's last. Then one restart for the zone.
    pub async fn apply(&self, changes: &[Change]) -> Vec<Applied> {
        let _one_writer_per_domain = self.write_lock.lock().await;
        let mut failures: Vec<Vec<RecordFailure>> = vec![Vec::new(); changes.len()];
        let mut attempts: Vec<u32> = vec![0; changes.len()];
        let mut written = false;
        let records: Vec<Result<String, ProviderError>> =
            changes.iter().map(|c| self.relative_name(c)).collect();
        for (at, (change, record)) in changes.iter().zip(&records).enumerate() {
            if let Err(error) = record {
                failures[at].extend(change.add.iter().map(|content| RecordFailure {
                    content: content.clone(),
                    error: error.clone(),
                }));
                failures[at].extend(change.remove.iter().map(|record| RecordFailure {
                    content: record.content.clone(),
                    error: error.clone(),
                }));
            }
        }
        // Every add of the zone before any delete: HestiaCP refuses to
        // delete a zone's last A record, so a VM that moves to a new name
        // in an otherwise empty zone needs its new A first; and a name is
        // never left without its address in between.
        for (at, (change, record)) in changes.iter().zip(&records).enumerate() {
            let Ok(record) = record else { continue };
            for content in &change.add {
                let (outcome, sent) = self.add(record, change, content).await;
                attempts[at] += sent;
                match outcome {
                    Ok(()) => written = true,
                    Err(error) => failures[at].push(RecordFailure {
                        content: content.clone(),
                        error,
                    }),
                }
            }
        }
        for (at, (change, record)) in changes.iter().zip(&records).enumerate() {
            if record.is_err() {
                continue;
            }
            for removed in &change.remove {
                let (outcome, sent) = self.delete(removed).await;
                attempts[at] += sent;
                match outcome {
                    Ok(()) => written = true,
                    Err(error) => failures[at].push(RecordFailure {
                        content: removed.content.clone(),
                        error,
                    }),
                }
            }
        }
        let mut outcomes: Vec<Applied> = failures
            .into_iter()
            .zip(attempts)
            .map(|(failures, attempts)| Attempted {
                outcome: Ok(failures),
                attempts,
            })
            .collect();
        if written {
            self.restart(changes, &mut outcomes).await;
        }
        outcomes
    }

    /// The change's name relative to the domain, checked to hold only what
    /// a DNS name can: Hestia hands its arguments to shell scripts.
    fn relative_name(&self, change: &Change) -> Result<String, ProviderError> {
        let relative = change.name.relative_to(&self.zone).ok_or_else(|| {
            ProviderError::Refused(format!(
                "{} is not in HestiaCP domain {}; not sent",
                change.name, self.zone
            ))
        })?;
        if relative == "@" || is_hostname(relative) {
            Ok(relative.to_owned())
        } else {
            Err(ProviderError::Refused(format!(
                "HestiaCP cannot hold the record name {relative:?}: only letters, digits, '-', '_' and '.' are allowed, and no label may start with '-'; not sent"
            )))
        }
    }

    async fn add(
        &self,
        record: &str,
        change: &Change,
        content: &str,
    ) -> (Result<(), ProviderError>, u32) {
        let value = match value_for(change.rrtype, content) {
            Ok(value) => value,
            Err(e) => return (Err(e), 0),
        };
        let ttl = change.ttl.to_string();
        // PRIORITY and ID empty: Hestia picks the next ID.
        let args = [
            self.user.as_str(),
            self.zone.as_str(),
            record,
            change.rrtype.as_str(),
            value.as_str(),
            "",
            "",
            "no",
            ttl.as_str(),
        ];
        let (ran, attempts) = self.run("v-add-dns-record", &args, Output::Ignored).await;
        (settle(ran, false), attempts)
    }

    async fn delete(&self, record: &Record) -> (Result<(), ProviderError>, u32) {
        let Some(id) = record.id.as_deref() else {
            return (
                Err(ProviderError::InvalidResponse(format!(
                    "HestiaCP listed {} without an ID",
                    record.content
                ))),
                0,
            );
        };
        if !id.bytes().all(|b| b.is_ascii_digit()) || id.is_empty() {
            return (
                Err(ProviderError::InvalidResponse(format!(
                    "HestiaCP listed {} with the ID {id:?}, which is not a number",
                    record.content
                ))),
                0,
            );
        }
        let args = [self.user.as_str(), self.zone.as_str(), id, "no"];
        let (ran, attempts) = self
            .run("v-delete-dns-record", &args, Output::Ignored)
            .await;
        // Already gone is what a delete wants.
        (settle(ran, true), attempts)
    }

    /// One reload for the whole zone. If it fails, the records are saved
    /// but not served yet: every record written says so.
    async fn restart(&self, changes: &[Change], outcomes: &mut [Applied]) {
        let (ran, attempts) = self.run("v-restart-dns", &[], Output::Ignored).await;
        let Err(error) = settle(ran, false) else {
            return;
        };
        let error = ProviderError::Refused(format!(
            "saved in HestiaCP, but the DNS service did not reload: {error}"
        ));
        for (change, applied) in changes.iter().zip(outcomes.iter_mut()) {
            applied.attempts += attempts;
            let Ok(failures) = &mut applied.outcome else {
                continue;
            };
            let contents = change
                .add
                .iter()
                .chain(change.remove.iter().map(|r| &r.content));
            let done: Vec<String> = contents
                .filter(|c| !failures.iter().any(|f| &f.content == *c))
                .cloned()
                .collect();
            failures.extend(done.into_iter().map(|content| RecordFailure {
                content,
                error: error.clone(),
            }));
        }
    }

    /// Lists the user's DNS domain: proves the panel answers, the admin's
    /// password is accepted and the domain belongs to that user.
    pub async fn test(&self) -> Attempted<String> {
        let answer = self
            .query(
                "v-list-dns-domain",
                &[&self.user, self.zone.as_str(), "json"],
            )
            .await;
        let outcome = answer.outcome.and_then(|text| {
            let domains: BTreeMap<String, serde_json::Value> = serde_json::from_str(&text)
                .map_err(|e| {
                    ProviderError::InvalidResponse(format!(
                        "v-list-dns-domain did not answer the JSON Hestia sends: {e}"
                    ))
                })?;
            let found = domains
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(self.zone.as_str()));
            match found {
                Some((_, domain)) => Ok(format!(
                    "dns domain {} of user {} found on HestiaCP ({} records)",
                    self.zone,
                    self.user,
                    domain
                        .get("RECORDS")
                        .and_then(|r| r.as_str())
                        .unwrap_or("?")
                )),
                None => Err(ProviderError::InvalidResponse(format!(
                    "HestiaCP listed {}, not {}",
                    domains.keys().cloned().collect::<Vec<_>>().join(", "),
                    self.zone
                ))),
            }
        });
        Attempted {
            outcome,
            attempts: answer.attempts,
        }
    }
}

/// The sets at `keys` in the output of `v-list-dns-records … json`.
#[doc(hidden)]
pub fn sets_in_listing(
    text: &str,
    zone: &DnsName,
    keys: &[(DnsName, RecordType)],
) -> Result<Vec<RecordSet>, ProviderError> {
    // A domain without records lists nothing, which the API answers as OK.
    let records: Vec<RecordDoc> = if text.is_empty() || text == "OK" {
        Vec::new()
    } else {
        serde_json::from_str::<BTreeMap<String, RecordDoc>>(text)
            .map(|records| records.into_values().collect())
            .map_err(|e| {
                ProviderError::InvalidResponse(format!(
                    "v-list-dns-records did not answer the JSON Hestia sends: {e}"
                ))
            })?
    };
    let named: Vec<(Option<DnsName>, &RecordDoc)> = records
        .iter()
        .map(|doc| (absolute(zone, &doc.record), doc))
        .collect();
    Ok(keys
        .iter()
        .map(|(name, rrtype)| {
            let mut set = RecordSet::empty(name.clone(), *rrtype, 0);
            for (_, doc) in named.iter().filter(|(at, doc)| {
                at.as_ref() == Some(name)
                    && doc.rrtype.eq_ignore_ascii_case(rrtype.as_str())
                    && doc.suspended.as_deref() != Some("yes")
            }) {
                if let Some(ttl) = doc.ttl.as_deref().and_then(|t| t.parse().ok()) {
                    set.ttl = ttl;
                }
                set.records.push(Record {
                    content: normalize_content(*rrtype, &doc.value),
                    id: Some(doc.id.clone()),
                });
            }
            set
        })
        .collect())
}

/// The absolute name of a record as Hestia lists it: relative to the
/// domain, `@` for the apex, or absolute with a trailing dot.
fn absolute(zone: &DnsName, record: &str) -> Option<DnsName> {
    match record.trim() {
        "@" | "" => Some(zone.clone()),
        name if name.ends_with('.') => DnsName::parse(name).ok(),
        name => zone.child(name).ok(),
    }
}

/// A write's outcome. With `missing_is_done`, E_NOTEXIST is success (a
/// delete of a record that is already gone).
fn settle(ran: Result<String, ProviderError>, missing_is_done: bool) -> Result<(), ProviderError> {
    match ran {
        Ok(_) => Ok(()),
        Err(ProviderError::Exit { code, .. }) if missing_is_done && code == E_NOTEXIST => Ok(()),
        Err(e) => Err(e),
    }
}

/// The exit code a `returncode=yes` answer holds.
fn exit_code(cmd: &str, body: &str) -> Result<u32, ProviderError> {
    body.trim().parse::<u32>().map_err(|_| {
        ProviderError::InvalidResponse(format!(
            "{cmd}: expected an exit code, got {:?}",
            first_line(&readable_body(body))
        ))
    })
}

/// Output that means the command did not do its job: `Error: …` from
/// check_result, `Usage: …` from check_args.
fn reads_as_failure(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with("Error") || text.starts_with("Usage")
}

/// The first line of an answer, cut short: error pages can be long HTML.
fn first_line(text: &str) -> String {
    let line = text.trim().lines().next().unwrap_or("").trim();
    match line.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_owned(),
    }
}

/// Letters, digits, `-`, `_` in dot-separated labels, none starting with
/// `-`: what a DNS name holds, and nothing a shell or Hestia's own parsing
/// could take apart or read as an option.
fn is_hostname(text: &str) -> bool {
    !text.is_empty()
        && text.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The value Hestia stores: an address as it is, a PTR target absolute.
fn value_for(rrtype: RecordType, content: &str) -> Result<String, ProviderError> {
    let valid = match rrtype {
        RecordType::A => content.parse::<Ipv4Addr>().is_ok(),
        RecordType::Aaaa => content.parse::<Ipv6Addr>().is_ok(),
        RecordType::Ptr => is_hostname(content),
    };
    if !valid {
        return Err(ProviderError::Refused(format!(
            "{content:?} is not a valid {} value for HestiaCP; not sent",
            rrtype.as_str()
        )));
    }
    Ok(match rrtype {
        RecordType::Ptr => format!("{content}."),
        RecordType::A | RecordType::Aaaa => content.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_named_as_hestia_names_them() {
        assert_eq!(
            describe(3, "Error: dns domain example.com doesn't exist\n"),
            "E_NOTEXIST (3): Error: dns domain example.com doesn't exist"
        );
        assert_eq!(describe(14, ""), "E_LA (14)");
        assert_eq!(describe(20, "x"), "E_RESTART (20): x");
        assert_eq!(describe(42, "odd"), "exit code (42): odd");
    }

    #[test]
    fn values_are_checked_before_they_are_sent() {
        assert_eq!(
            value_for(RecordType::Ptr, "vm.example.com").as_deref(),
            Ok("vm.example.com.")
        );
        assert_eq!(
            value_for(RecordType::A, "192.0.2.1").as_deref(),
            Ok("192.0.2.1")
        );
        assert_eq!(
            value_for(RecordType::Aaaa, "2001:db8::1").as_deref(),
            Ok("2001:db8::1")
        );
        assert_eq!(
            value_for(RecordType::Ptr, "vm.example.com; reboot").map_err(|e| e.to_string()),
            Err(
                "\"vm.example.com; reboot\" is not a valid PTR value for HestiaCP; not sent"
                    .to_owned()
            )
        );
        assert!(value_for(RecordType::A, "2001:db8::1").is_err());
        assert!(value_for(RecordType::Aaaa, "192.0.2.1").is_err());
        assert!(value_for(RecordType::Ptr, "a..b").is_err());
        assert!(value_for(RecordType::Ptr, "").is_err());
    }

    #[test]
    fn exit_codes_and_error_texts_are_read_strictly() {
        assert_eq!(exit_code("v-x", "3\n"), Ok(3));
        assert_eq!(
            exit_code("v-x", "<html>Bad gateway</html>").map_err(|e| e.to_string()),
            Err("unexpected answer: v-x: expected an exit code, got \"Bad gateway\"".to_owned())
        );
        assert!(reads_as_failure(
            "Error: dns domain example.com doesn't exist"
        ));
        assert!(reads_as_failure("Usage: v-add-dns-record USER DOMAIN"));
        assert!(!reads_as_failure("OK"));
        assert!(!reads_as_failure("{\n}"));
        assert_eq!(first_line("\n Error: a\nsecond"), "Error: a");
        assert_eq!(first_line(&"x".repeat(400)).chars().count(), 301);
    }
}
