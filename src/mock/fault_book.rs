//! Firing faults deterministically: [`FaultBook`] counts the requests that each fault applies
//! to, server-side, so that each one-shot fault fires exactly on the requests it names and
//! never again; [`Shaping`] is what the fired faults do to an answer; a `changed` fault picks
//! the version of a file by its own count. Permanent faults (content, gzip storage, escaped
//! URLs) are not counted: they shape a file for the server's whole life ([`FileTraits`]).

use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use axum::http::{HeaderValue, StatusCode, header};

use super::faults::{Fault, Kind, Pace, Permanent, RetryAfter, Target, Times};
use super::file_body::Tamper;
use super::outcome::MockError;

/// A request as faults see it.
pub enum Request<'a> {
    Kickoff,
    /// A GET of a status URL (a manifest page included); `complete`: it is answered with a
    /// manifest, not a 202.
    Status {
        complete: bool,
    },
    /// A file download: its name, resource type, whether the body will be gzipped by the
    /// server, and whether it asks for a byte range that will be honoured.
    File {
        name: &'a str,
        type_name: &'a str,
        gzip: bool,
        ranged: bool,
    },
    /// A FHIR search or read of this resource type (`[base]/Observation?…`, `Group/{id}`).
    Search {
        type_name: &'a str,
    },
}

/// What the fired one-shot faults do to an answer. The wire faults (delay, gate, pace,
/// drop, cut) are applied by the `shaping` middleware; the others by the handler.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Shaping {
    /// Hold the response headers back this long.
    pub delay: Option<Duration>,
    /// Hold the response headers until this many file downloads are in flight.
    pub gate: Option<usize>,
    /// Send the body in paced pieces.
    pub pace: Option<Pace>,
    /// Break the connection after this many bytes.
    pub drop_after: Option<u64>,
    /// Break the connection at the last line end within this many bytes (the file handler
    /// turns it into `drop_after`).
    pub drop_at_line: Option<u64>,
    /// End cleanly this many bytes short.
    pub cut_tail: Option<u64>,
    /// An `X-Progress` of this many bytes.
    pub progress: Option<u64>,
    /// Answer a range request from byte 0.
    pub wrong_range: bool,
    /// Answer a range request with at most this many bytes.
    pub range_cap: Option<u64>,
    /// Answer a range request 416 as if the file ended where the range starts.
    pub false_416: bool,
    /// Answer a request without Range with 206 and the lines within the first bytes
    /// (`Some(None)`: half the file).
    pub unasked_range: Option<Option<u64>>,
}

impl Shaping {
    pub fn is_none(&self) -> bool {
        *self == Shaping::default()
    }
}

/// The version of a file that a `changed` fault serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// `ETag: "v1"`, the file as planned.
    First,
    /// `ETag: "v2"`, other ids and values; with `ignore_if_range`, a Range request gets its
    /// bytes whatever `If-Range` says.
    Second { ignore_if_range: bool },
}

/// The permanent faults that apply to one file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileTraits {
    /// Spliced lines, in flag order.
    pub tampers: Vec<Tamper>,
    /// Stored gzip-compressed, always sent with `Content-Encoding: gzip`.
    pub gzip_stored: bool,
    /// Terminal escapes in the manifest's URL.
    pub escape_url: bool,
}

/// The faults of one server with their counters of matching requests.
pub struct FaultBook {
    faults: Vec<(Fault, AtomicU32)>,
}

impl Target {
    fn matches(&self, request: &Request<'_>) -> bool {
        match (self, request) {
            (Target::Kickoff, Request::Kickoff) | (Target::Status, Request::Status { .. }) => true,
            (
                Target::File(pattern),
                Request::File {
                    name, type_name, ..
                },
            ) => pattern
                .as_deref()
                .is_none_or(|p| p == *type_name || name.contains(p)),
            (Target::Search(wanted), Request::Search { type_name }) => {
                wanted.as_deref().is_none_or(|w| w == *type_name)
            }
            _ => false,
        }
    }
}

impl Kind {
    /// Whether a one-shot fault of this kind counts (and may fire on) `request`.
    fn applies(&self, request: &Request<'_>) -> bool {
        let (gzip, ranged, complete) = match *request {
            Request::File { gzip, ranged, .. } => (gzip, ranged, None),
            Request::Status { complete } => (false, false, Some(complete)),
            Request::Kickoff | Request::Search { .. } => (false, false, None),
        };
        match self {
            Kind::Permanent(_) | Kind::Changed { .. } => false,
            Kind::GzipCut(_) => gzip,
            Kind::WrongRange | Kind::RangeCap(_) | Kind::False416 => ranged,
            Kind::UnaskedRange(_) => !ranged,
            // A 202 has no X-Progress to enlarge once complete, and no body to pace before.
            Kind::Progress(_) => complete == Some(false),
            Kind::Pace(_) => complete != Some(false),
            _ => true,
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
    /// answers the request; otherwise the fired faults are returned.
    pub fn fire(&self, request: &Request<'_>) -> Result<Shaping, MockError> {
        let mut shaping = Shaping::default();
        let mut answer = None;
        for (fault, seen) in &self.faults {
            if !fault.kind.applies(request) || !fault.target.matches(request) {
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
                Kind::Delay(delay) => shaping.delay = Some(*delay),
                Kind::Pace(pace) => shaping.pace = Some(*pace),
                Kind::Progress(bytes) => shaping.progress = Some(*bytes),
                Kind::Drop(bytes) => shaping.drop_after = Some(*bytes),
                Kind::DropLine(bytes) => shaping.drop_at_line = Some(*bytes),
                Kind::GzipCut(bytes) => shaping.cut_tail = Some(*bytes),
                Kind::Gate(wanted) => shaping.gate = Some(*wanted),
                Kind::WrongRange => shaping.wrong_range = true,
                Kind::RangeCap(bytes) => shaping.range_cap = Some(*bytes),
                Kind::False416 => shaping.false_416 = true,
                Kind::UnaskedRange(bytes) => shaping.unasked_range = Some(*bytes),
                Kind::Changed { .. } | Kind::Permanent(_) => {}
            }
        }
        match answer {
            Some(error) => Err(error),
            None => Ok(shaping),
        }
    }

    /// The version of a file that the first matching `changed` fault serves to `request`
    /// (counted: its first `answers` requests get the first version), or `None` when no
    /// such fault matches.
    pub fn version(&self, request: &Request<'_>) -> Option<Version> {
        self.faults
            .iter()
            .find_map(|(fault, seen)| match fault.kind {
                Kind::Changed {
                    answers,
                    ignore_if_range,
                } if fault.target.matches(request) => {
                    let n = seen.fetch_add(1, Ordering::SeqCst);
                    Some(if n < answers {
                        Version::First
                    } else {
                        Version::Second { ignore_if_range }
                    })
                }
                _ => None,
            })
    }
}

/// The permanent faults of `faults` for the file `name` of type `type_name`.
pub fn file_traits(faults: &[Fault], name: &str, type_name: &str) -> FileTraits {
    let request = Request::File {
        name,
        type_name,
        gzip: false,
        ranged: false,
    };
    let mut traits = FileTraits::default();
    for fault in faults.iter().filter(|f| f.target.matches(&request)) {
        match fault.kind {
            Kind::Permanent(Permanent::Tamper(tamper)) => traits.tampers.push(tamper),
            Kind::Permanent(Permanent::GzipStored) => traits.gzip_stored = true,
            Kind::Permanent(Permanent::EscapeUrl) => traits.escape_url = true,
            _ => {}
        }
    }
    traits
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

    const RUNNING: Request<'static> = Request::Status { complete: false };
    const DONE: Request<'static> = Request::Status { complete: true };

    #[test]
    fn faults_fire_after_skip_for_times_then_never() {
        let book = FaultBook::new(&[parse("status:503,skip=1,times=2")]);
        let fired: Vec<bool> = (0..5).map(|_| book.fire(&RUNNING).is_err()).collect();
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
    fn search_faults_match_their_type_only() {
        let book = FaultBook::new(&[
            parse("search[Coverage]:400,times=always"),
            parse("search:503,skip=1"),
        ]);
        let search = |type_name| Request::Search { type_name };
        assert!(book.fire(&search("Coverage")).is_err());
        assert!(
            book.fire(&search("Observation")).is_err(),
            "skip=1 spent by Coverage"
        );
        assert!(book.fire(&search("Observation")).is_ok(), "503 fired once");
        assert!(book.fire(&search("Coverage")).is_err(), "always");
        assert!(book.fire(&Request::Kickoff).is_ok());
    }

    #[test]
    fn file_faults_match_by_type_or_name_and_gzip() {
        let faults = [
            parse("file[Observation]:slow=100,times=always"),
            parse("file[-2]:gzip-cut"),
            parse("file:wrong-type"),
            parse("file[Patient]:gzip-stored"),
        ];
        let book = FaultBook::new(&faults);
        let file = |name, gzip| Request::File {
            name,
            type_name: "Observation",
            gzip,
            ranged: false,
        };
        let plain = book
            .fire(&file("export-j-Observation-2", false))
            .expect("no status");
        assert_eq!(plain.pace.map(|p| p.bytes), Some(25));
        assert_eq!(plain.cut_tail, None);
        let gzip = book
            .fire(&file("export-j-Observation-2", true))
            .expect("no status");
        assert_eq!(gzip.cut_tail, Some(16));
        assert_eq!(
            file_traits(&faults, "export-j-Patient-1", "Patient"),
            FileTraits {
                tampers: vec![Tamper::WrongType],
                gzip_stored: true,
                escape_url: false,
            }
        );
        let patient = Request::File {
            name: "export-j-Patient-1",
            type_name: "Patient",
            gzip: true,
            ranged: false,
        };
        assert!(book.fire(&patient).expect("no status").is_none());
    }

    #[test]
    fn status_faults_count_only_the_answers_they_can_change() {
        let book = FaultBook::new(&[
            parse("status:progress=1K"),
            parse("status:trickle=1B/1s"),
            parse("status:delay=1s"),
        ]);
        let first = book.fire(&RUNNING).expect("no status");
        assert_eq!(
            (first.progress, first.pace.is_some(), first.delay.is_some()),
            (Some(1024), false, true),
            "a 202: X-Progress and delay, no body to pace"
        );
        let second = book.fire(&RUNNING).expect("no status");
        assert!(second.is_none(), "progress spent, delay spent");
        let manifest = book.fire(&DONE).expect("no status");
        assert!(manifest.pace.is_some() && manifest.progress.is_none());
    }

    #[test]
    fn range_faults_count_ranged_requests_and_unasked_ranges_the_others() {
        let book = FaultBook::new(&[parse("file:false-416"), parse("file:unasked-range")]);
        let request = |ranged| Request::File {
            name: "export-j-Patient-1",
            type_name: "Patient",
            gzip: false,
            ranged,
        };
        let plain = book.fire(&request(false)).expect("no status");
        assert_eq!((plain.false_416, plain.unasked_range), (false, Some(None)));
        let ranged = book.fire(&request(true)).expect("no status");
        assert_eq!((ranged.false_416, ranged.unasked_range), (true, None));
        assert!(book.fire(&request(true)).expect("no status").is_none());
    }

    #[test]
    fn changed_files_switch_version_after_their_answers() {
        let book = FaultBook::new(&[parse("file[Patient]:changed=2,if-range=ignore")]);
        let request = |type_name| Request::File {
            name: "export-j-x-1",
            type_name,
            gzip: false,
            ranged: false,
        };
        let versions: Vec<Option<Version>> =
            (0..3).map(|_| book.version(&request("Patient"))).collect();
        let second = Version::Second {
            ignore_if_range: true,
        };
        assert_eq!(
            versions,
            [Some(Version::First), Some(Version::First), Some(second)]
        );
        assert_eq!(book.version(&request("Condition")), None);
        assert!(book.fire(&request("Patient")).expect("no status").is_none());
    }
}
