//! The one adaptive limiter: how many transfers (file downloads, later attachment fetches
//! and crawl searches) run at once against a server that may ask us to slow down.
//!
//! It starts at `--parallel`. A 429 answer to a request made under a permit cuts the limit
//! by half (at least to one), once per *throttle epoch*: every permit remembers the epoch
//! it was taken in, and only a 429 to a request of the current epoch cuts again, so eight
//! downloads that all see the same burst of 429s cut the limit once, not eight times. After
//! a run of successes as long as the current limit, the limit grows by one, back up to
//! `--parallel` (additive increase, multiplicative decrease, as TCP does).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

/// A limit on the transfers that run at once.
#[derive(Debug)]
pub struct Limiter {
    max: usize,
    state: Mutex<State>,
    freed: Notify,
}

#[derive(Debug)]
struct State {
    limit: usize,
    in_use: usize,
    epoch: u64,
    /// Successes in a row since the last change of the limit.
    successes: usize,
}

/// The right to run one transfer; given back when dropped.
#[derive(Debug)]
pub struct Permit {
    limiter: Arc<Limiter>,
    epoch: u64,
    released: bool,
}

/// What a request made under a permit carries, to report a 429.
#[derive(Debug, Clone)]
pub struct Throttle {
    limiter: Arc<Limiter>,
    epoch: u64,
}

impl Limiter {
    pub fn new(max: usize) -> Arc<Limiter> {
        let max = max.max(1);
        Arc::new(Limiter {
            max,
            state: Mutex::new(State {
                limit: max,
                in_use: 0,
                epoch: 0,
                successes: 0,
            }),
            freed: Notify::new(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The number of transfers allowed at once now.
    pub fn limit(&self) -> usize {
        self.state().limit
    }

    /// Waits until a transfer may start.
    pub async fn acquire(self: &Arc<Self>) -> Permit {
        loop {
            // Registered before the check, so a release in between is not missed.
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            {
                let mut state = self.state();
                if state.in_use < state.limit {
                    state.in_use += 1;
                    return Permit {
                        limiter: Arc::clone(self),
                        epoch: state.epoch,
                        released: false,
                    };
                }
            }
            freed.await;
        }
    }

    fn release(&self, succeeded: bool) {
        let mut state = self.state();
        state.in_use -= 1;
        if succeeded {
            state.successes += 1;
            if state.limit < self.max && state.successes >= state.limit {
                state.limit += 1;
                state.successes = 0;
                tracing::debug!("{} transfers at once again", state.limit);
            }
        } else {
            state.successes = 0;
        }
        drop(state);
        self.freed.notify_waiters();
    }

    fn throttled(&self, epoch: u64) {
        let mut state = self.state();
        if epoch != state.epoch {
            // This burst of 429s has cut the limit already.
            return;
        }
        state.epoch += 1;
        state.successes = 0;
        let cut = (state.limit / 2).max(1);
        if cut < state.limit {
            state.limit = cut;
            tracing::warn!(
                "the server is throttling requests (429): down to {cut} at once for now"
            );
        }
    }
}

impl Permit {
    /// The handle a request of this transfer carries.
    pub fn throttle(&self) -> Throttle {
        Throttle {
            limiter: Arc::clone(&self.limiter),
            epoch: self.epoch,
        }
    }

    /// The transfer ended well: counts towards growing the limit again.
    pub fn succeeded(mut self) {
        self.released = true;
        self.limiter.release(true);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.released {
            self.limiter.release(false);
        }
    }
}

impl Throttle {
    /// The server answered 429 to a request of this transfer.
    pub fn throttled(&self) {
        self.limiter.throttled(self.epoch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_burst_of_429s_cuts_once_and_successes_win_the_limit_back() {
        let limiter = Limiter::new(8);
        let mut permits = Vec::new();
        for _ in 0..8 {
            permits.push(limiter.acquire().await);
        }
        // All eight in-flight transfers see the same 429 burst.
        for permit in &permits {
            permit.throttle().throttled();
        }
        assert_eq!(limiter.limit(), 4, "cut once, by half");
        drop(permits);
        // A permit of the new epoch that is throttled cuts again.
        let next = limiter.acquire().await;
        next.throttle().throttled();
        assert_eq!(limiter.limit(), 2);
        drop(next);
        for _ in 0..2 {
            limiter.acquire().await.succeeded();
        }
        assert_eq!(limiter.limit(), 3);
        for _ in 0..(3 + 4 + 5 + 6 + 7) {
            limiter.acquire().await.succeeded();
        }
        assert_eq!(limiter.limit(), 8, "back to --parallel, never above");
    }

    #[tokio::test]
    async fn no_more_than_the_limit_run_at_once() {
        let limiter = Limiter::new(2);
        let a = limiter.acquire().await;
        let _b = limiter.acquire().await;
        let waiting = tokio::spawn({
            let limiter = Arc::clone(&limiter);
            async move { limiter.acquire().await.epoch }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        drop(a);
        assert_eq!(waiting.await.unwrap(), 0);
    }
}
