//! Deterministic fault injection: the `--fault SPEC` grammar ([`Fault`], documented on the
//! flag in `config.rs`), and [`FaultBook`], which counts matching requests server-side so that
//! each one-shot fault fires exactly on the requests it names and never again. Content faults
//! (an invalid line, a line of the wrong type, a huge line) are not counted: they change the
//! planned files for the server's whole life.

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use axum::http::{HeaderValue, StatusCode, header};

use super::file_body::Tamper;
use super::outcome::MockError;

/// One `--fault`: which requests, what goes wrong, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    target: Target,
    kind: Kind,
    times: Times,
    skip: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Kickoff,
    Status,
    /// A file; with a resource type or a fragment of the file name to match.
    File(Option<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Status {
        code: StatusCode,
        outcome: Option<String>,
        retry_after: Option<RetryAfter>,
    },
    Drop(u64),
    GzipCut(u64),
    Slow(u64),
    /// A range request answered with the bytes from the start, labelled as such.
    WrongRange,
    /// A range request answered with at most this many bytes (a server that caps ranges).
    RangeCap(u64),
    Content(Tamper),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RetryAfter {
    Seconds(u64),
    Date(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Times {
    Count(u32),
    Always,
}

/// The default `huge-line` length: 50 MiB.
const HUGE_LINE: u64 = 50 * 1024 * 1024;

/// The default `gzip-cut`: more than the gzip trailer (8 bytes), so decoding must fail.
const GZIP_CUT: u64 = 16;

/// `1000`, `4K` (×1024) or `50M` (×1024²).
fn parse_bytes(text: &str) -> Result<u64, String> {
    let (digits, unit) = match text.strip_suffix(['K', 'k']) {
        Some(digits) => (digits, 1024),
        None => match text.strip_suffix('M') {
            Some(digits) => (digits, 1024 * 1024),
            None => (text, 1),
        },
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("'{text}' is not a byte count such as 1000, 4K or 50M"))
}

fn parse_number<T: FromStr>(name: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{name} takes a number, not '{text}'"))
}

fn parse_target(text: &str) -> Result<Target, String> {
    match text {
        "kickoff" => Ok(Target::Kickoff),
        "status" => Ok(Target::Status),
        "file" => Ok(Target::File(None)),
        _ => text
            .strip_prefix("file[")
            .and_then(|rest| rest.strip_suffix(']'))
            .filter(|m| !m.is_empty())
            .map(|m| Target::File(Some(m.to_string())))
            .ok_or_else(|| {
                format!("unknown target '{text}': use kickoff, status, file or file[MATCH]")
            }),
    }
}

fn parse_kind(text: &str) -> Result<Kind, String> {
    let (name, value) = match text.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (text, None),
    };
    let bytes = |default: Option<u64>| match (value, default) {
        (Some(value), _) => parse_bytes(value),
        (None, Some(default)) => Ok(default),
        (None, None) => Err(format!("{name} needs =BYTES")),
    };
    match name {
        "drop" => Ok(Kind::Drop(bytes(None)?)),
        "gzip-cut" => Ok(Kind::GzipCut(bytes(Some(GZIP_CUT))?)),
        "slow" => Ok(Kind::Slow(bytes(None)?)),
        "huge-line" => Ok(Kind::Content(Tamper::HugeLine(bytes(Some(HUGE_LINE))?))),
        "invalid-json" | "wrong-type" | "wrong-range" if value.is_some() => {
            Err(format!("{name} takes no value"))
        }
        "wrong-range" => Ok(Kind::WrongRange),
        "range-cap" => Ok(Kind::RangeCap(bytes(None)?)),
        "invalid-json" => Ok(Kind::Content(Tamper::InvalidJson)),
        "wrong-type" => Ok(Kind::Content(Tamper::WrongType)),
        _ => {
            let code = name
                .parse::<u16>()
                .ok()
                .filter(|c| (400..=599).contains(c) && value.is_none())
                .and_then(|c| StatusCode::from_u16(c).ok())
                .ok_or_else(|| {
                    format!(
                        "unknown fault '{text}': use an HTTP status 400-599, drop=, gzip-cut, \
                         slow=, wrong-range, range-cap=, invalid-json, wrong-type or huge-line"
                    )
                })?;
            Ok(Kind::Status {
                code,
                outcome: None,
                retry_after: None,
            })
        }
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(spec: &str) -> Result<Fault, String> {
        let (target, rest) = spec
            .split_once(':')
            .ok_or_else(|| format!("'{spec}' is not TARGET:KIND[,OPTION…]"))?;
        let target = parse_target(target)?;
        let mut parts = rest.split(',');
        let mut kind = parse_kind(parts.next().unwrap_or_default())?;
        let mut times = None;
        let mut skip = None;
        for option in parts {
            let (name, value) = option
                .split_once('=')
                .ok_or_else(|| format!("option '{option}' is not NAME=VALUE"))?;
            let misfit = || format!("option {name} does not fit this fault");
            match name {
                "times" | "skip" if matches!(kind, Kind::Content(_)) => return Err(misfit()),
                "times" if value == "always" => times = Some(Times::Always),
                "times" => match parse_number(name, value)? {
                    0 => return Err("times must be at least 1".into()),
                    n => times = Some(Times::Count(n)),
                },
                "skip" => skip = Some(parse_number(name, value)?),
                "retry-after" | "retry-after-date" | "outcome" => {
                    let Kind::Status {
                        outcome,
                        retry_after,
                        ..
                    } = &mut kind
                    else {
                        return Err(misfit());
                    };
                    match name {
                        "retry-after" => {
                            *retry_after = Some(RetryAfter::Seconds(parse_number(name, value)?));
                        }
                        "retry-after-date" => {
                            *retry_after = Some(RetryAfter::Date(parse_number(name, value)?));
                        }
                        _ if value.is_empty() => return Err("outcome needs an issue code".into()),
                        _ => *outcome = Some(value.to_string()),
                    }
                }
                _ => return Err(format!("unknown option '{name}'")),
            }
        }
        match (&target, &kind) {
            (Target::File(_), _) | (_, Kind::Status { .. }) => {}
            _ => {
                return Err(
                    "only file faults can drop, cut, slow down, misplace or change content".into(),
                );
            }
        }
        Ok(Fault {
            target,
            kind,
            times: times.unwrap_or(Times::Count(1)),
            skip: skip.unwrap_or(0),
        })
    }
}

/// A request as faults see it.
pub enum Request<'a> {
    Kickoff,
    Status,
    /// A file download: its name, resource type, whether the body will be gzipped, and
    /// whether it asks for a byte range.
    File {
        name: &'a str,
        type_name: &'a str,
        gzip: bool,
        ranged: bool,
    },
}

/// What the fired body faults do to a file response (on the bytes as sent).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Shaping {
    /// Break the connection after this many bytes.
    pub drop_after: Option<u64>,
    /// End cleanly this many bytes short.
    pub cut_tail: Option<u64>,
    /// Bytes per second.
    pub rate: Option<u64>,
    /// Answer a range request from byte 0.
    pub wrong_range: bool,
    /// Answer a range request with at most this many bytes.
    pub range_cap: Option<u64>,
}

impl Shaping {
    pub fn is_none(&self) -> bool {
        *self == Shaping::default()
    }
}

/// The faults of one server with their counters of matching requests.
pub struct FaultBook {
    faults: Vec<(Fault, AtomicU32)>,
}

impl Target {
    fn matches(&self, request: &Request<'_>) -> bool {
        match (self, request) {
            (Target::Kickoff, Request::Kickoff) | (Target::Status, Request::Status) => true,
            (
                Target::File(pattern),
                Request::File {
                    name, type_name, ..
                },
            ) => pattern
                .as_deref()
                .is_none_or(|p| p == *type_name || name.contains(p)),
            _ => false,
        }
    }
}

impl FaultBook {
    pub fn new(faults: &[Fault]) -> FaultBook {
        FaultBook {
            faults: faults
                .iter()
                .map(|f| (f.clone(), AtomicU32::new(0)))
                .collect(),
        }
    }

    /// Counts `request` against every one-shot fault that applies to it: each fault counts
    /// its matching requests on its own. When status faults fire, the first in flag order
    /// answers the request; otherwise the fired body faults are returned.
    pub fn fire(&self, request: &Request<'_>) -> Result<Shaping, MockError> {
        let gzip = matches!(request, Request::File { gzip: true, .. });
        let ranged = matches!(request, Request::File { ranged: true, .. });
        let mut shaping = Shaping::default();
        let mut answer = None;
        for (fault, seen) in &self.faults {
            let applies = match fault.kind {
                Kind::Content(_) => false,
                Kind::GzipCut(_) => gzip,
                Kind::WrongRange | Kind::RangeCap(_) => ranged,
                _ => true,
            };
            if !applies || !fault.target.matches(request) {
                continue;
            }
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let fires = n >= fault.skip
                && match fault.times {
                    Times::Always => true,
                    Times::Count(times) => n - fault.skip < times,
                };
            if !fires {
                continue;
            }
            match &fault.kind {
                Kind::Status {
                    code,
                    outcome,
                    retry_after,
                } => {
                    answer.get_or_insert_with(|| {
                        status_error(*code, outcome.as_deref(), *retry_after)
                    });
                }
                Kind::Drop(bytes) => shaping.drop_after = Some(*bytes),
                Kind::GzipCut(bytes) => shaping.cut_tail = Some(*bytes),
                Kind::Slow(rate) => shaping.rate = Some(*rate),
                Kind::WrongRange => shaping.wrong_range = true,
                Kind::RangeCap(bytes) => shaping.range_cap = Some(*bytes),
                Kind::Content(_) => {}
            }
        }
        match answer {
            Some(error) => Err(error),
            None => Ok(shaping),
        }
    }
}

/// The content faults of `faults` for the file `name` of type `type_name`, in flag order.
pub fn tampering(faults: &[Fault], name: &str, type_name: &str) -> Vec<Tamper> {
    let request = Request::File {
        name,
        type_name,
        gzip: false,
        ranged: false,
    };
    faults
        .iter()
        .filter_map(|fault| match fault.kind {
            Kind::Content(tamper) if fault.target.matches(&request) => Some(tamper),
            _ => None,
        })
        .collect()
}

/// The OperationOutcome answer of a status fault.
fn status_error(
    code: StatusCode,
    outcome: Option<&str>,
    retry_after: Option<RetryAfter>,
) -> MockError {
    let issue: Cow<'static, str> = match (outcome, code.as_u16()) {
        (Some(outcome), _) => outcome.to_string().into(),
        (None, 404) => "not-found".into(),
        (None, 410) => "deleted".into(),
        (None, 429) => "throttled".into(),
        (None, 500) => "exception".into(),
        (None, 502..=504) => "transient".into(),
        (None, _) => "processing".into(),
    };
    let error = MockError::new(code, issue, format!("injected fault: HTTP {code}"));
    let value = match retry_after {
        None => return error,
        Some(RetryAfter::Seconds(secs)) => secs.to_string(),
        Some(RetryAfter::Date(secs)) => {
            httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(secs))
        }
    };
    match HeaderValue::from_str(&value) {
        Ok(value) => error.with_header(header::RETRY_AFTER, value),
        Err(_) => error,
    }
}

#[cfg(test)]
mod tests {
    use axum::response::IntoResponse;

    use super::*;

    fn parse(spec: &str) -> Fault {
        spec.parse().unwrap_or_else(|e| panic!("{spec}: {e}"))
    }

    #[test]
    fn specs_parse_with_defaults() {
        assert_eq!(
            parse("status:503,retry-after=2,times=3"),
            Fault {
                target: Target::Status,
                kind: Kind::Status {
                    code: StatusCode::SERVICE_UNAVAILABLE,
                    outcome: None,
                    retry_after: Some(RetryAfter::Seconds(2)),
                },
                times: Times::Count(3),
                skip: 0,
            }
        );
        let file = parse("file[Patient-2]:drop=4K,skip=1,times=always");
        assert_eq!(file.target, Target::File(Some("Patient-2".into())));
        assert_eq!(
            (file.kind, file.times, file.skip),
            (Kind::Drop(4096), Times::Always, 1)
        );
        assert_eq!(parse("file:gzip-cut").kind, Kind::GzipCut(16));
        assert_eq!(
            parse("file:huge-line").kind,
            Kind::Content(Tamper::HugeLine(50 * 1024 * 1024))
        );
        assert_eq!(parse("file:slow=1k").kind, Kind::Slow(1024));
        assert_eq!(
            parse("kickoff:500,outcome=processing,retry-after-date=5").kind,
            Kind::Status {
                code: StatusCode::INTERNAL_SERVER_ERROR,
                outcome: Some("processing".into()),
                retry_after: Some(RetryAfter::Date(5)),
            }
        );
    }

    #[test]
    fn bad_specs_say_why() {
        for (spec, why) in [
            ("status", "TARGET:KIND"),
            ("job:503", "unknown target"),
            ("file[]:503", "unknown target"),
            ("status:200", "unknown fault"),
            ("status:drop=10", "only file faults"),
            ("file:drop", "needs =BYTES"),
            ("file:drop=0", "byte count"),
            ("file:invalid-json,times=2", "does not fit"),
            ("file:drop=1,retry-after=1", "does not fit"),
            ("status:503,times=0", "at least 1"),
            ("status:503,when=1", "unknown option"),
            ("status:503,times", "NAME=VALUE"),
        ] {
            let error = spec.parse::<Fault>().expect_err(spec);
            assert!(error.contains(why), "{spec}: {error}");
        }
    }

    #[test]
    fn faults_fire_after_skip_for_times_then_never() {
        let book = FaultBook::new(&[parse("status:503,skip=1,times=2")]);
        let fired: Vec<bool> = (0..5)
            .map(|_| book.fire(&Request::Status).is_err())
            .collect();
        assert_eq!(fired, [false, true, true, false, false]);
        assert!(book.fire(&Request::Kickoff).is_ok(), "other targets pass");
    }

    #[test]
    fn each_fault_counts_on_its_own_and_the_first_answers() {
        let book = FaultBook::new(&[parse("kickoff:429"), parse("kickoff:503,times=2")]);
        let statuses: Vec<Option<u16>> = (0..3)
            .map(|_| {
                let answer = book.fire(&Request::Kickoff).err()?;
                Some(answer.into_response().status().as_u16())
            })
            .collect();
        assert_eq!(
            statuses,
            [Some(429), Some(503), None],
            "429, then the second 503 (its first one was hidden), then nothing"
        );
    }

    #[test]
    fn file_faults_match_by_type_or_name_and_gzip() {
        let book = FaultBook::new(&[
            parse("file[Observation]:slow=100,times=always"),
            parse("file[-2]:gzip-cut"),
            parse("file:wrong-type"),
        ]);
        let file = |name, gzip| Request::File {
            name,
            type_name: "Observation",
            gzip,
            ranged: false,
        };
        let plain = book
            .fire(&file("export-j-Observation-2", false))
            .expect("no status");
        assert_eq!((plain.rate, plain.cut_tail), (Some(100), None));
        let gzip = book
            .fire(&file("export-j-Observation-2", true))
            .expect("no status");
        assert_eq!(gzip.cut_tail, Some(16));
        let faults: Vec<Fault> = book.faults.iter().map(|(f, _)| f.clone()).collect();
        assert_eq!(
            tampering(&faults, "export-j-Patient-1", "Patient"),
            [Tamper::WrongType]
        );
        let patient = Request::File {
            name: "export-j-Patient-1",
            type_name: "Patient",
            gzip: true,
            ranged: false,
        };
        assert!(book.fire(&patient).expect("no status").is_none());
    }
}
