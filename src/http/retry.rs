//! The one retry policy of group-export: which failures are tried again, how long to wait
//! (jittered exponential backoff that honours `Retry-After`, read by `crate::clock`), and for
//! how long. Requests, the status polling loop and the resume loop of file downloads all
//! use it; only their budgets differ:
//!
//! - a request: `--retries` attempts after the first;
//! - polling: until `--timeout` (an export runs for hours: a blip is no reason to stop);
//! - a file: `--retries` failures, counted afresh after every MiB that arrived.
//!
//! What may be sent again comes from the error's type ([`Transience`]): a request that
//! creates something on the server (a kick-off) is sent again only when it provably did not
//! take effect (no connection was made, or the server answered 429/503), never after a
//! read timeout, which could start a second export.

use std::time::{Duration, Instant};

use crate::error::{Error, Transience};

/// The longest single wait a server's `Retry-After` or the backoff gets by default (a
/// kick-off answered 429 because another export runs may ask for minutes).
pub const MAX_WAIT: Duration = Duration::from_secs(5 * 60);

/// Jittered exponential backoff: base·2ⁿ, capped, then a random 50–100 % of that.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    pub fn new(first: Duration, max: Duration) -> Self {
        Backoff { next: first, max }
    }

    /// The next wait; each call doubles the one after it, up to the cap.
    pub fn next_wait(&mut self) -> Duration {
        let full = self.next.min(self.max);
        self.next = (self.next * 2).min(self.max);
        full.mul_f64(0.5 + fastrand::f64() * 0.5)
    }

    /// The wait after an answer: the server's `Retry-After` when it gave one (capped), else
    /// the next backoff step.
    pub fn wait(&mut self, retry_after: Option<Duration>) -> Duration {
        // Always advance, so that a server that stops sending Retry-After is not then
        // hammered from the first step again.
        let step = self.next_wait();
        match retry_after {
            Some(wait) => wait.min(self.max),
            None => step,
        }
    }
}

/// Whether a request may be sent again after a failure that may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resend {
    /// Sending it twice does no harm (reads, searches, status requests, DELETE).
    Idempotent,
    /// It creates something (a kick-off): only when it provably did not take effect.
    OnlyIfNotTaken,
}

/// How transient failures are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt (`--retries`).
    pub retries: u32,
    /// The first backoff step.
    pub first_wait: Duration,
    /// The longest single wait.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 3,
            first_wait: Duration::from_secs(1),
            max_wait: MAX_WAIT,
        }
    }
}

/// How long a [`Retrier`] keeps trying.
#[derive(Debug, Clone, Copy)]
pub enum Budget {
    /// This many failures are retried (the next one is returned).
    Failures(u32),
    /// Failures are retried until this instant (scaled by [`crate::clock`]); `None`: no end.
    Until(Option<Instant>),
}

impl RetryPolicy {
    /// A retrier for one request: `--retries` retries.
    pub fn for_request(&self) -> Retrier {
        self.retrier(Budget::Failures(self.retries))
    }

    pub fn retrier(&self, budget: Budget) -> Retrier {
        Retrier {
            backoff: Backoff::new(self.first_wait, self.max_wait),
            budget,
            failures: 0,
            min_wait: Duration::ZERO,
        }
    }
}

/// The retry state of one operation.
#[derive(Debug, Clone)]
pub struct Retrier {
    backoff: Backoff,
    budget: Budget,
    failures: u32,
    min_wait: Duration,
}

impl Retrier {
    /// Never waits less than `min_wait` (status polling: at most one request a second,
    /// whatever `Retry-After` says).
    pub fn with_min_wait(mut self, min_wait: Duration) -> Self {
        self.min_wait = min_wait;
        self
    }

    /// After a failure: the wait before trying again, or `None` when `error` must be
    /// returned (not transient, not safe to resend, or the budget is spent).
    pub fn next(&mut self, error: &Error, resend: Resend) -> Option<Duration> {
        let retry = match (error.transience(), resend) {
            (Transience::Fatal, _) => false,
            (Transience::NotTaken, _) => true,
            (Transience::MaySucceed, Resend::Idempotent) => true,
            (Transience::MaySucceed, Resend::OnlyIfNotTaken) => false,
        };
        if !retry {
            return None;
        }
        self.failures += 1;
        let wait = self.backoff.wait(error.retry_after()).max(self.min_wait);
        match self.budget {
            Budget::Failures(allowed) if self.failures > allowed => None,
            Budget::Failures(_) => Some(wait),
            Budget::Until(deadline) => {
                let left = crate::clock::left(deadline);
                (!left.is_zero()).then(|| wait.min(left))
            }
        }
    }

    /// Failures so far (for messages: "attempt 3/4").
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The attempts this budget allows, when it is a count.
    pub fn attempts(&self) -> Option<u32> {
        match self.budget {
            Budget::Failures(allowed) => Some(allowed + 1),
            Budget::Until(_) => None,
        }
    }

    /// Progress was made (a broken download got far): count failures afresh.
    pub fn progressed(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{NetworkKind, Op};

    #[test]
    fn backoff_grows_to_its_cap_with_jitter() {
        let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(4));
        let waits: Vec<Duration> = (0..5).map(|_| backoff.next_wait()).collect();
        let caps = [1, 2, 4, 4, 4];
        for (wait, cap) in waits.iter().zip(caps) {
            let cap = Duration::from_secs(cap);
            assert!(*wait <= cap && *wait >= cap / 2, "{wait:?} vs {cap:?}");
        }
        assert_eq!(
            backoff.wait(Some(Duration::from_secs(60))),
            Duration::from_secs(4)
        );
    }

    fn network(kind: NetworkKind) -> Error {
        Error::Network {
            op: Op::Status,
            url: "http://h/".into(),
            kind,
            detail: String::new(),
            source: None,
        }
    }

    fn server(status: u16, retry_after: Option<u64>) -> Error {
        Error::Server {
            op: Op::Status,
            status,
            detail: String::new(),
            outcome: None,
            answer: Box::new(crate::error::ErrorAnswer {
                retry_after: retry_after.map(Duration::from_secs),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn a_kick_off_is_sent_again_only_when_it_did_not_take_effect() {
        let policy = RetryPolicy::default();
        let mut retrier = policy.for_request();
        let once = Resend::OnlyIfNotTaken;
        assert!(retrier.next(&network(NetworkKind::Timeout), once).is_none());
        assert!(retrier.next(&server(502, None), once).is_none());
        assert!(retrier.next(&network(NetworkKind::Connect), once).is_some());
        assert!(retrier.next(&server(429, Some(2)), once).is_some());
        assert!(retrier.next(&server(503, None), once).is_some());
        let mut reads = policy.for_request();
        assert!(
            reads
                .next(&network(NetworkKind::Timeout), Resend::Idempotent)
                .is_some()
        );
        assert!(
            reads
                .next(&network(NetworkKind::UnknownHost), Resend::Idempotent)
                .is_none()
        );
    }

    #[test]
    fn budgets_end_after_the_count_or_at_the_deadline() {
        let policy = RetryPolicy {
            retries: 2,
            ..RetryPolicy::default()
        };
        let mut counted = policy.for_request();
        let error = server(503, Some(0));
        assert!(counted.next(&error, Resend::Idempotent).is_some());
        assert!(counted.next(&error, Resend::Idempotent).is_some());
        assert!(counted.next(&error, Resend::Idempotent).is_none());

        let mut until = policy.retrier(Budget::Until(Some(Instant::now())));
        assert!(until.next(&error, Resend::Idempotent).is_none());
        let far = policy.retrier(Budget::Until(crate::clock::deadline(Duration::from_secs(
            3600,
        ))));
        let mut far = far.with_min_wait(Duration::from_secs(1));
        for _ in 0..100 {
            let wait = far
                .next(&error, Resend::Idempotent)
                .expect("before the deadline");
            assert!(wait >= Duration::from_secs(1), "{wait:?}");
        }
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let mut retrier = RetryPolicy::default().for_request();
        assert_eq!(
            retrier.next(&server(429, Some(7)), Resend::Idempotent),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retrier.next(&server(429, Some(100_000)), Resend::Idempotent),
            Some(MAX_WAIT)
        );
    }
}
