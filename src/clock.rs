//! Waiting. Every wait of group-export (retry backoff, `Retry-After`, polling, deadlines)
//! goes through here, so that the test suite can run with a time scale: the hidden,
//! test-only variable `GROUP_EXPORT_TEST_TIME_SCALE=0.01` makes a 10 s wait take 100 ms
//! (messages still say 10 s). Like xh's test mode, it exists so that tests of backoff and
//! polling do not spend real seconds; it is not a user setting and is not documented as one.
//!
//! The waits a server asks for (`Retry-After`, seconds or an HTTP-date) are read here too.

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

const SCALE_ENV: &str = "GROUP_EXPORT_TEST_TIME_SCALE";

/// The factor applied to every wait (1 unless a test set one between 0.0001 and 1).
fn scale() -> f64 {
    static SCALE: OnceLock<f64> = OnceLock::new();
    *SCALE.get_or_init(|| {
        std::env::var(SCALE_ENV)
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|s| (0.0001..=1.0).contains(s))
            .unwrap_or(1.0)
    })
}

/// `wait` as it is really waited.
pub fn real(wait: Duration) -> Duration {
    wait.mul_f64(scale())
}

/// Sleeps for `wait` (scaled).
pub async fn sleep(wait: Duration) {
    tokio::time::sleep(real(wait)).await;
}

/// The instant `limit` from now (scaled); `None` when it is too far to represent (a
/// `--timeout` of years is no deadline).
pub fn deadline(limit: Duration) -> Option<Instant> {
    Instant::now().checked_add(real(limit))
}

/// How much of `limit` is left at `deadline`, in unscaled time (for messages and the
/// countdown).
pub fn left(deadline: Option<Instant>) -> Duration {
    match deadline {
        Some(deadline) => deadline
            .saturating_duration_since(Instant::now())
            .div_f64(scale()),
        None => Duration::MAX,
    }
}

/// Parses a `Retry-After` value, either delta-seconds or an HTTP-date, into a wait from
/// `now`. A date in the past means "now" (zero), never a negative or a busy loop.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Digits beyond u64 are a wait of forever: capped by the caller like any other.
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The `Retry-After` of an answer as a wait from now.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
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
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
    }
}
