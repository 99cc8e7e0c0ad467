//! When to try a request again and how long to wait: `Retry-After` (seconds or HTTP-date),
//! jittered exponential backoff, and which failures are transient.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;

use crate::fhir::OperationOutcome;

/// Parses a `Retry-After` value, either delta-seconds or an HTTP-date, into a wait from
/// `now`. A date in the past means "now" (zero), never a negative or a busy loop.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse().ok().map(Duration::from_secs);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Whether an error answer may go away if the same request is sent again: 408, 429,
/// 502–504, a server error whose body is not FHIR (a proxy's page), or any 4xx/5xx whose
/// OperationOutcome has only transient issues (Bulk Data IG, status request).
pub fn is_transient_failure(status: StatusCode, outcome: Option<&OperationOutcome>) -> bool {
    matches!(status.as_u16(), 408 | 429 | 502..=504)
        || (status.is_server_error() && outcome.is_none_or(OperationOutcome::is_transient))
        || (status.is_client_error() && outcome.is_some_and(OperationOutcome::is_transient))
}

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

    /// The wait to use after a failure: the server's `Retry-After` when it gave one (capped
    /// by `max`), else the next backoff step.
    pub fn wait(&mut self, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(wait) => {
                // Still advance, so that a server that stops sending Retry-After is not
                // then hammered from the first step again.
                self.next_wait();
                wait.min(self.max)
            }
            None => self.next_wait(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn transient_failures_are_gateway_errors_and_transient_outcomes() {
        let transient = OperationOutcome::single("error", "transient", "busy");
        let fatal = OperationOutcome::single("error", "processing", "bad group");
        assert!(is_transient_failure(
            StatusCode::SERVICE_UNAVAILABLE,
            Some(&fatal)
        ));
        assert!(is_transient_failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(&transient)
        ));
        assert!(is_transient_failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            None
        ));
        assert!(!is_transient_failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(&fatal)
        ));
        assert!(!is_transient_failure(StatusCode::NOT_FOUND, None));
        assert!(is_transient_failure(
            StatusCode::BAD_REQUEST,
            Some(&transient)
        ));
        assert!(!is_transient_failure(StatusCode::BAD_REQUEST, Some(&fatal)));
    }

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
}
