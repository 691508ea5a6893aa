//! Request budgets that outlive one sync: Cloudflare allows a user 1200
//! requests per 5 minutes and then refuses everything for 5 minutes more.
//! A cron run over many VMs, or several `DnsSync` calls in one PHP worker,
//! must slow down before that point rather than be locked out, so every
//! zone of one token, in every sync of the process, draws on one budget.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// At most `limit` requests in any `window`: each request gets a slot, the
/// moment it may go, at least `window` after the slot `limit` places
/// before it. Slots are handed out in order, so waiting requests are served
/// first come, first served.
#[derive(Debug)]
pub struct RequestBudget {
    limit: usize,
    window: Duration,
    /// Added to the window: the provider counts a request when it arrives,
    /// and an early request that travelled slowly must not share its
    /// window with a late one that travelled fast.
    margin: Duration,
    /// The last `limit` slots given, oldest first (some may lie ahead).
    slots: Mutex<VecDeque<Instant>>,
}

impl RequestBudget {
    pub fn new(limit: usize, window: Duration) -> Self {
        let limit = limit.max(1);
        Self {
            limit,
            window,
            margin: (window / 100).max(Duration::from_millis(100)),
            slots: Mutex::new(VecDeque::with_capacity(limit)),
        }
    }

    /// Waits until one more request fits in the budget, and counts it.
    pub async fn take(&self) {
        let slot = {
            // A poisoned lock still holds valid instants.
            let mut slots = self
                .slots
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let now = Instant::now();
            let slot = if slots.len() < self.limit {
                now
            } else {
                slots
                    .front()
                    .map_or(now, |oldest| (*oldest + self.window + self.margin).max(now))
            };
            slots.push_back(slot);
            while slots.len() > self.limit {
                slots.pop_front();
            }
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

type Budgets = Mutex<HashMap<u64, Arc<RequestBudget>>>;

/// Every budget of the process. Keys are hashes, so the map holds no
/// credential; a forked child inherits the counts, which only makes it
/// more careful.
static BUDGETS: LazyLock<Budgets> = LazyLock::new(Budgets::default);

/// The budget shared by every request made with one credential at one API.
pub fn shared(api: &str, credential: &str, limit: usize, window: Duration) -> Arc<RequestBudget> {
    let mut hasher = DefaultHasher::new();
    (api, credential, limit, window).hash(&mut hasher);
    let key = hasher.finish();
    let mut budgets = BUDGETS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Arc::clone(
        budgets
            .entry(key)
            .or_insert_with(|| Arc::new(RequestBudget::new(limit, window))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn no_more_than_the_limit_in_any_window() {
        let budget = RequestBudget::new(3, Duration::from_secs(10));
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..7 {
            budget.take().await;
            times.push(start.elapsed().as_millis());
        }
        let expected: Vec<u128> = vec![0, 0, 0, 10_100, 10_100, 10_100, 20_200];
        assert_eq!(times, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_requests_are_served_in_order() {
        let budget = Arc::new(RequestBudget::new(2, Duration::from_secs(5)));
        let start = Instant::now();
        let runs: Vec<_> = (0..5)
            .map(|_| {
                let budget = Arc::clone(&budget);
                tokio::spawn(async move {
                    budget.take().await;
                    start.elapsed().as_millis()
                })
            })
            .collect();
        let mut done = Vec::new();
        for run in runs {
            done.push(run.await.unwrap_or(u128::MAX));
        }
        done.sort_unstable();
        assert_eq!(done, [0, 0, 5_100, 5_100, 10_200]);
    }

    #[test]
    fn one_budget_per_credential_and_api() {
        let window = Duration::from_secs(300);
        let a = shared("https://api.example/v4", "token-a", 1200, window);
        let again = shared("https://api.example/v4", "token-a", 1200, window);
        let b = shared("https://api.example/v4", "token-b", 1200, window);
        assert!(Arc::ptr_eq(&a, &again));
        assert!(!Arc::ptr_eq(&a, &b));
    }
}
