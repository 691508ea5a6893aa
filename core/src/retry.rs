//! Trying a provider request again, the same way whatever carries it (HTTP
//! for the web APIs, DNS over TCP for RFC 2136): a shared bound on
//! requests in flight, the request budget of the credential, backoff or the
//! server's own wait between tries, and a server that never answered is not
//! asked again in the same sync, so a dead server costs one round of tries.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::budget::RequestBudget;
use crate::fault::ProviderError;

/// The longest wait between two tries, whatever the server asks for.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Servers that did not answer at all after every try, by where they are
/// (`https://host:port`, `dns://127.0.0.1:53`), with the error they gave.
type GaveUp = Arc<StdMutex<HashMap<String, String>>>;

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
}

/// What the requests of one sync share to be tried again the same way.
#[derive(Clone, Debug)]
pub struct Tries {
    limiter: Arc<Semaphore>,
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
        let (outcome, attempts, answered) = repeat(self.retries, || {
            // A future does nothing until polled: the try starts once it
            // has its place.
            let attempt = once();
            async move {
                if let Some(budget) = budget {
                    budget.take().await;
                }
                let _permit = limiter.acquire().await;
                attempt.await
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
    loop {
        attempt += 1;
        match once().await {
            Try::Done(outcome) => return (outcome, attempt, true),
            Try::Again { last, wait, .. } if attempt <= retries => {
                drop(last);
                tokio::time::sleep(wait.unwrap_or_else(|| backoff(attempt)).min(MAX_BACKOFF)).await;
            }
            Try::Again { last, answered, .. } => return (last, attempt, answered),
        }
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
