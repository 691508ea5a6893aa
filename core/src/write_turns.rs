//! Whether one server takes writes at once, learned from the server.
//!
//! Writes to a server go at once until a write fails with a server error
//! while another was in flight: PowerDNS with its sqlite backend answers
//! the second of two PATCHes at once with 500 ("database is locked"),
//! with gmysql or gpgsql it takes them all. From then on, for the rest of
//! the process, that server's writes take turns, and the failed write is
//! tried again at once in its turn: its failure said why, so it waits for
//! no backoff. A write that failed alone is retried as any other request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex as StdMutex};

use tokio::sync::{Mutex, MutexGuard, Notify};

/// Every server's turns, by a key its provider chooses: kept for the
/// process, so that the next sync of a server that takes one write at a
/// time does not fail first.
static SERVERS: LazyLock<StdMutex<HashMap<String, Arc<WriteTurns>>>> =
    LazyLock::new(StdMutex::default);

/// The turns of the server at `key`, shared by every sync of the process.
pub fn of_server(key: &str) -> Arc<WriteTurns> {
    let mut servers = SERVERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Arc::clone(servers.entry(key.to_owned()).or_default())
}

/// One server's writes: at once, or in turns once it showed it needs them.
#[derive(Debug, Default)]
pub struct WriteTurns {
    in_turns: AtomicBool,
    turn: Mutex<()>,
    writing: AtomicUsize,
    /// Told when a write ends, for a turn that waits for writes started
    /// before the server's writes took turns.
    ended: Notify,
    /// Writes started so far: a write that sees it change while in flight
    /// was not alone.
    started: AtomicU64,
}

/// One write in flight; its turn, if writes take turns.
#[derive(Debug)]
pub struct Writing<'a> {
    turns: &'a WriteTurns,
    _turn: Option<MutexGuard<'a, ()>>,
    started: u64,
    alone_at_start: bool,
}

impl WriteTurns {
    /// Whether this server's writes take turns.
    pub fn in_turns(&self) -> bool {
        self.in_turns.load(Ordering::Acquire)
    }

    /// From now on this server's writes take turns: for a server known to
    /// take one at a time, so that not even its first writes fail.
    pub fn take_turns(&self) {
        self.in_turns.store(true, Ordering::Release);
    }

    /// Starts a write: in its turn if writes take turns, at once if not.
    pub async fn start(&self) -> Writing<'_> {
        let turn = if self.in_turns() {
            let turn = self.turn.lock().await;
            // Writes that started at once before turns were learned hold
            // no turn: this one waits for them too.
            loop {
                let ended = self.ended.notified();
                if self.writing.load(Ordering::Acquire) == 0 {
                    break;
                }
                ended.await;
            }
            Some(turn)
        } else {
            None
        };
        let others = self.writing.fetch_add(1, Ordering::AcqRel);
        let started = self.started.fetch_add(1, Ordering::AcqRel) + 1;
        Writing {
            turns: self,
            _turn: turn,
            started,
            alone_at_start: others == 0,
        }
    }
}

impl Writing<'_> {
    /// This write failed with a server error. When another write was in
    /// flight with it, the server's writes take turns from now on, and
    /// `true`: it is worth trying again at once, in its turn.
    pub fn failed(&self) -> bool {
        let overlapped =
            !self.alone_at_start || self.turns.started.load(Ordering::Acquire) != self.started;
        if overlapped {
            self.turns.in_turns.store(true, Ordering::Release);
        }
        overlapped
    }
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        self.turns.writing.fetch_sub(1, Ordering::AcqRel);
        self.turns.ended.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_go_at_once_until_one_fails_beside_another() {
        let turns = WriteTurns::default();
        let first = turns.start().await;
        let second = turns.start().await;
        assert!(!turns.in_turns());
        // The second failed while the first was in flight.
        assert!(second.failed());
        assert!(turns.in_turns());
        drop((first, second));
    }

    #[tokio::test]
    async fn a_write_that_fails_alone_changes_nothing() {
        let turns = WriteTurns::default();
        let only = turns.start().await;
        assert!(!only.failed());
        assert!(!turns.in_turns());
        drop(only);
        // Nor does one that started after another ended.
        let later = turns.start().await;
        assert!(!later.failed());
        assert!(!turns.in_turns());
    }

    #[tokio::test]
    async fn a_write_another_started_beside_counts_as_overlapped() {
        let turns = WriteTurns::default();
        let first = turns.start().await;
        let second = turns.start().await;
        drop(second);
        // The first started alone, but the second ran beside it.
        assert!(first.failed());
    }

    #[tokio::test(start_paused = true)]
    async fn writes_in_turns_wait_for_each_other() {
        let turns = WriteTurns::default();
        let (a, b) = (turns.start().await, turns.start().await);
        assert!(b.failed());
        drop((a, b));
        let one = turns.start().await;
        let next = tokio::time::timeout(std::time::Duration::from_millis(10), turns.start()).await;
        assert!(next.is_err(), "a second write started beside the first");
        drop(one);
        let next = turns.start().await;
        // Alone in its turn: its failure is its own.
        assert!(!next.failed());
    }

    #[tokio::test(start_paused = true)]
    async fn a_turn_waits_for_writes_that_started_at_once_before() {
        let turns = WriteTurns::default();
        let (a, b) = (turns.start().await, turns.start().await);
        assert!(b.failed());
        drop(b);
        // `a` is still in flight, without a turn.
        let waiting =
            tokio::time::timeout(std::time::Duration::from_millis(10), turns.start()).await;
        assert!(waiting.is_err(), "a turn began beside a write in flight");
        drop(a);
        let alone = turns.start().await;
        assert!(!alone.failed());
    }

    #[test]
    fn servers_are_kept_by_key() {
        let a = of_server("powerdns http://127.0.0.1:1");
        assert!(Arc::ptr_eq(&a, &of_server("powerdns http://127.0.0.1:1")));
        assert!(!Arc::ptr_eq(&a, &of_server("powerdns http://127.0.0.1:2")));
    }
}
