//! Trying a provider request again, the same way whatever carries it (HTTP
//! for the web APIs, DNS over TCP for RFC 2136): a shared bound on
//! requests in flight and a bound per server that adapts to what the server
//! takes, the request budget of the credential, backoff or the server's own
//! wait between tries, and a server that never answered is not asked again
//! in the same sync, so a dead server costs one round of tries.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::budget::RequestBudget;
use crate::fault::ProviderError;

/// The longest wait between two tries, whatever the server asks for.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Servers that did not answer at all after every try, by where they are
/// (`https://host:port`, `dns://127.0.0.1:53`), with the error they gave.
type GaveUp = Arc<StdMutex<HashMap<String, String>>>;

/// Where a request goes, as [`Tries`] keys its servers: the origin of an
/// HTTP URL (`https://host:port`), or `scheme://host:port` of another
/// (`dns://127.0.0.1:53`); the text itself when it is no URL.
pub fn origin_of(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(parsed) if parsed.origin().is_tuple() => parsed.origin().ascii_serialization(),
        Ok(parsed) => match (parsed.host_str(), parsed.port()) {
            (Some(host), Some(port)) => format!("{}://{host}:{port}", parsed.scheme()),
            (Some(host), None) => format!("{}://{host}", parsed.scheme()),
            _ => url.to_owned(),
        },
        Err(_) => url.to_owned(),
    }
}

/// The requests in flight to one server. It starts at what the sync allows
/// or what the server is known to take, whichever is less, and halves when
/// a try gets no answer at all: a server whose listen queue overflows
/// drops connections (PowerDNS's API listens with a backlog of 10), and
/// fewer at once get through sooner than retries of many.
#[derive(Debug)]
struct Lane {
    permits: Semaphore,
    limit: AtomicUsize,
    /// Permits taken out of the limit while tries held them: each leaves
    /// for good when it comes back.
    owed: AtomicUsize,
}

impl Lane {
    fn new(limit: usize) -> Self {
        let limit = limit.max(1);
        Self {
            permits: Semaphore::new(limit),
            limit: AtomicUsize::new(limit),
            owed: AtomicUsize::new(0),
        }
    }

    fn limit(&self) -> usize {
        self.limit.load(Ordering::Acquire)
    }

    /// Waits for a place; `None` only if the lane were closed, which it
    /// never is.
    async fn enter(&self) -> Option<SemaphorePermit<'_>> {
        loop {
            let permit = self.permits.acquire().await.ok()?;
            let repaid = self
                .owed
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |owed| {
                    owed.checked_sub(1)
                })
                .is_ok();
            if !repaid {
                return Some(permit);
            }
            permit.forget();
        }
    }

    /// Lowers the limit from `from` to `to`; nothing when another try has
    /// lowered it since `from` was seen, so one overflow halves it once.
    fn lower(&self, from: usize, to: usize) {
        let to = to.max(1);
        if to >= from
            || self
                .limit
                .compare_exchange(from, to, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            return;
        }
        let cut = from - to;
        let gone = self.permits.forget_permits(cut);
        self.owed.fetch_add(cut - gone, Ordering::AcqRel);
    }
}

type Lanes = Arc<StdMutex<HashMap<String, Arc<Lane>>>>;

/// How one try went.
pub enum Try<T> {
    /// An answer, or a failure another try cannot change.
    Done(Result<T, ProviderError>),
    /// Another try may help; `last` is the outcome if none is left.
    Again {
        last: Result<T, ProviderError>,
        /// How long the server asked to be left alone (`Retry-After`).
        wait: Option<Duration>,
        /// The server said something (a 503, a SERVFAIL): it is there, so
        /// later requests of this sync still go to it.
        answered: bool,
    },
    /// A write refused because another went to the server beside it
    /// ([`crate::write_turns`]): tried again at once, in its turn, the
    /// first time without counting as a retry.
    InTurn { last: Result<T, ProviderError> },
}

/// What the requests of one sync share to be tried again the same way.
#[derive(Clone, Debug)]
pub struct Tries {
    limiter: Arc<Semaphore>,
    concurrency: usize,
    lanes: Lanes,
    retries: u32,
    /// Drawn on by every try, retries included, before it takes a place
    /// among the requests in flight.
    budget: Option<Arc<RequestBudget>>,
    gave_up: GaveUp,
}

impl Tries {
    /// Up to `concurrency` tries in flight at once, each failed one tried
    /// again up to `retries` times.
    pub fn new(concurrency: usize, retries: u32) -> Self {
        Self {
            limiter: Arc::new(Semaphore::new(concurrency.max(1))),
            concurrency: concurrency.max(1),
            lanes: Lanes::default(),
            retries,
            budget: None,
            gave_up: GaveUp::default(),
        }
    }

    /// The same, every try counted against `budget`.
    pub fn with_budget(self, budget: Arc<RequestBudget>) -> Self {
        Self {
            budget: Some(budget),
            ..self
        }
    }

    /// How many times a failed try is repeated.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The server at `origin` ([`origin_of`]) takes at most `most` requests
    /// at once: no more go to it in this sync.
    pub fn limit_server(&self, origin: &str, most: usize) {
        let lane = self.lane(origin);
        let limit = lane.limit();
        lane.lower(limit, most);
    }

    /// How many requests go to the server at `origin` at once now.
    pub fn in_flight(&self, origin: &str) -> usize {
        self.lane(origin).limit()
    }

    fn lane(&self, origin: &str) -> Arc<Lane> {
        let mut lanes = self
            .lanes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(
            lanes
                .entry(origin.to_owned())
                .or_insert_with(|| Arc::new(Lane::new(self.concurrency))),
        )
    }

    /// Runs `once` until it is done or out of tries; the outcome and the
    /// number of tries made: none when the server at `origin` already
    /// failed to answer earlier in this sync.
    pub async fn run<T, F, Fut>(&self, origin: &str, mut once: F) -> (Result<T, ProviderError>, u32)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Try<T>>,
    {
        if let Some(error) = self.gave_up_on(origin) {
            return (
                Err(ProviderError::Transport(format!(
                    "{error} (not tried again in this run)"
                ))),
                0,
            );
        }
        let budget = self.budget.as_deref();
        let limiter = &self.limiter;
        let lane = self.lane(origin);
        let lane = &*lane;
        let (outcome, attempts, answered) = repeat(self.retries, || {
            // A future does nothing until polled: the try starts once it
            // has its places, first the server's, so that a try waiting for
            // a busy server holds no place another server could use.
            let attempt = once();
            async move {
                if let Some(budget) = budget {
                    budget.take().await;
                }
                let _at_server = lane.enter().await;
                let limit = lane.limit();
                let _permit = limiter.acquire().await;
                let tried = attempt.await;
                if matches!(
                    tried,
                    Try::Again {
                        answered: false,
                        ..
                    }
                ) {
                    lane.lower(limit, limit / 2);
                }
                tried
            }
        })
        .await;
        if let (Err(e), false) = (&outcome, answered) {
            self.give_up(origin, e);
        }
        (outcome, attempts)
    }

    /// Runs `once` until it is done or out of tries, with the same pauses
    /// as [`Tries::run`] but without taking a place among the requests in
    /// flight: for a provider's own reason to ask again (HestiaCP's "load
    /// average too high") around requests that each went through `run`.
    /// The outcome and the number of times `once` ran.
    pub async fn repeat<T, F, Fut>(&self, once: F) -> (Result<T, ProviderError>, u32)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Try<T>>,
    {
        let (outcome, runs, _) = repeat(self.retries, once).await;
        (outcome, runs)
    }

    fn gave_up_on(&self, origin: &str) -> Option<String> {
        self.gave_up
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(origin)
            .cloned()
    }

    fn give_up(&self, origin: &str, error: &ProviderError) {
        if origin.is_empty() {
            return;
        }
        self.gave_up
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(origin.to_owned())
            .or_insert_with(|| error.to_string());
    }
}

/// The one loop of tries: `once` until it is done or `retries` more tries
/// were made, pausing as the server asked or by [`backoff`]. The outcome,
/// the number of tries, and whether the last one got an answer.
async fn repeat<T, F, Fut>(retries: u32, mut once: F) -> (Result<T, ProviderError>, u32, bool)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Try<T>>,
{
    let mut attempt: u32 = 0;
    let mut retried: u32 = 0;
    let mut turned = false;
    loop {
        attempt += 1;
        let (last, wait, answered) = match once().await {
            Try::Done(outcome) => return (outcome, attempt, true),
            // Its failure was another write's doing, not the server's
            // trouble: the first time, it costs no retry and no wait.
            Try::InTurn { .. } if !turned => {
                turned = true;
                continue;
            }
            Try::InTurn { last } => (last, None, true),
            Try::Again {
                last,
                wait,
                answered,
            } => (last, wait, answered),
        };
        if retried >= retries {
            return (last, attempt, answered);
        }
        drop(last);
        retried += 1;
        tokio::time::sleep(wait.unwrap_or_else(|| backoff(retried)).min(MAX_BACKOFF)).await;
    }
}

/// 200 ms, 400 ms, 800 ms … with up to half again of jitter, so that
/// retries from parallel zones do not arrive together.
fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(200).saturating_mul(1 << attempt.saturating_sub(1).min(8));
    let jitter = base.mul_f64(jitter_fraction() * 0.5);
    base + jitter
}

/// A number in [0, 1) that differs between calls; good enough for jitter.
fn jitter_fraction() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    (hasher.finish() % 10_000) as f64 / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn failure(text: &str) -> Result<(), ProviderError> {
        Err(ProviderError::Transport(text.to_owned()))
    }

    #[tokio::test(start_paused = true)]
    async fn a_transient_failure_is_tried_again_until_the_tries_run_out() {
        let tries = Tries::new(1, 2);
        let calls = AtomicU32::new(0);
        let (outcome, attempts) = tries
            .run("dns://127.0.0.1:1", || {
                calls.fetch_add(1, Ordering::Relaxed);
                async {
                    Try::Again {
                        last: failure("cannot connect"),
                        wait: None,
                        answered: false,
                    }
                }
            })
            .await;
        assert_eq!(outcome, failure("cannot connect"));
        assert_eq!((attempts, calls.load(Ordering::Relaxed)), (3, 3));

        // Given up on: the next request of the sync is not sent.
        let (outcome, attempts) = tries
            .run("dns://127.0.0.1:1", || async { Try::Done(Ok(())) })
            .await;
        assert_eq!(
            outcome,
            failure("cannot connect (not tried again in this run)")
        );
        assert_eq!(attempts, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_that_answered_is_asked_again_later() {
        let tries = Tries::new(1, 0);
        let (outcome, _) = tries
            .run("dns://127.0.0.1:2", || async {
                Try::Again {
                    last: failure("SERVFAIL"),
                    wait: None,
                    answered: true,
                }
            })
            .await;
        assert_eq!(outcome, failure("SERVFAIL"));
        let (outcome, attempts) = tries
            .run("dns://127.0.0.1:2", || async { Try::Done(Ok(())) })
            .await;
        assert_eq!((outcome, attempts), (Ok(()), 1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_final_answer_is_not_tried_again() {
        let tries = Tries::new(1, 5);
        let (outcome, attempts) = tries
            .run("x", || async { Try::Done(failure("refused")) })
            .await;
        assert_eq!((outcome, attempts), (failure("refused"), 1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_refused_beside_another_is_tried_again_once_without_a_retry() {
        let tries = Tries::new(1, 0);
        let calls = AtomicU32::new(0);
        let (outcome, attempts) = tries
            .run("http://127.0.0.1:6", || {
                let call = calls.fetch_add(1, Ordering::Relaxed);
                async move {
                    if call == 0 {
                        Try::InTurn {
                            last: failure("HTTP 500"),
                        }
                    } else {
                        Try::Done(Ok(()))
                    }
                }
            })
            .await;
        assert_eq!((outcome, attempts), (Ok(()), 2));
        // Refused again in its turn: that is the server's own failure.
        let (outcome, attempts) = tries
            .run("http://127.0.0.1:6", || async {
                Try::<()>::InTurn {
                    last: failure("HTTP 500"),
                }
            })
            .await;
        assert_eq!((outcome, attempts), (failure("HTTP 500"), 2));
    }

    #[test]
    fn origins_key_servers_by_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://pdns.example:8081/api/v1/servers/localhost/zones/a."),
            "https://pdns.example:8081"
        );
        assert_eq!(
            origin_of("https://api.cloudflare.com/client/v4/zones/x"),
            "https://api.cloudflare.com"
        );
        assert_eq!(origin_of("dns://127.0.0.1:5353"), "dns://127.0.0.1:5353");
        assert_eq!(origin_of("not a url"), "not a url");
    }

    /// Runs `n` tries to `origin` at once, each holding its place for
    /// 10 ms; the most that were in flight together.
    async fn most_at_once(tries: &Tries, origin: &str, n: usize) -> usize {
        let now = Arc::new(AtomicU32::new(0));
        let most = Arc::new(AtomicU32::new(0));
        let runs = (0..n).map(|_| {
            let (now, most) = (Arc::clone(&now), Arc::clone(&most));
            async move {
                tries
                    .run(origin, || {
                        let (now, most) = (Arc::clone(&now), Arc::clone(&most));
                        async move {
                            let in_flight = now.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(in_flight, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            now.fetch_sub(1, Ordering::SeqCst);
                            Try::Done(Ok(()))
                        }
                    })
                    .await
            }
        });
        futures::future::join_all(runs).await;
        most.load(Ordering::SeqCst) as usize
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_known_to_take_fewer_gets_no_more_at_once() {
        let tries = Tries::new(8, 0);
        tries.limit_server("http://127.0.0.1:1", 3);
        assert_eq!(tries.in_flight("http://127.0.0.1:1"), 3);
        assert_eq!(most_at_once(&tries, "http://127.0.0.1:1", 20).await, 3);
        // Another server still gets what the sync allows.
        assert_eq!(tries.in_flight("http://127.0.0.1:2"), 8);
        assert_eq!(most_at_once(&tries, "http://127.0.0.1:2", 20).await, 8);
        // A limit above the sync's changes nothing.
        tries.limit_server("http://127.0.0.1:2", 64);
        assert_eq!(tries.in_flight("http://127.0.0.1:2"), 8);
    }

    /// Eight tries to `origin` at once that get no answer, as connections
    /// a full listen queue dropped.
    async fn dropped_together(tries: &Tries, origin: &str) {
        let failing = (0..8).map(|_| {
            tries.run(origin, || async {
                tokio::time::sleep(Duration::from_millis(10)).await;
                Try::<()>::Again {
                    last: failure("connection reset"),
                    wait: None,
                    answered: false,
                }
            })
        });
        futures::future::join_all(failing).await;
    }

    #[tokio::test(start_paused = true)]
    async fn tries_without_an_answer_halve_what_the_server_gets_once_per_overflow() {
        let tries = Tries::new(8, 0);
        dropped_together(&tries, "http://127.0.0.1:3").await;
        assert_eq!(tries.in_flight("http://127.0.0.1:3"), 4);
        // Only that server.
        assert_eq!(tries.in_flight("http://127.0.0.1:4"), 8);
    }

    #[tokio::test(start_paused = true)]
    async fn places_held_while_the_limit_falls_leave_for_good() {
        let tries = Tries::new(8, 1);
        let origin = "http://127.0.0.1:5";
        let dropped = std::sync::atomic::AtomicBool::new(false);
        // Eight tries hold every place; the first try of one gets no
        // answer (its retry does).
        let held = (0..8).map(|i| {
            let dropped = &dropped;
            tries.run(origin, move || async move {
                tokio::time::sleep(Duration::from_millis(10)).await;
                if i == 0 && !dropped.swap(true, Ordering::SeqCst) {
                    Try::Again {
                        last: failure("connection refused"),
                        wait: None,
                        answered: false,
                    }
                } else {
                    Try::Done(Ok(()))
                }
            })
        });
        let outcomes = futures::future::join_all(held).await;
        assert!(outcomes.iter().all(|(outcome, _)| outcome.is_ok()));
        assert_eq!(tries.in_flight(origin), 4);
        assert_eq!(most_at_once(&tries, origin, 20).await, 4);
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        assert!(
            backoff(1) >= Duration::from_millis(200) && backoff(1) < Duration::from_millis(300)
        );
        assert!(
            backoff(3) >= Duration::from_millis(800) && backoff(3) < Duration::from_millis(1200)
        );
        assert!(backoff(40) <= Duration::from_millis(200 * 256 * 3 / 2));
    }
}
