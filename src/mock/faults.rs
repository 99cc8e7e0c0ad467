//! The `--fault SPEC` grammar: [`Fault`] and its parser (documented on the flag in
//! `config.rs`). What a fault is: a target (which requests), a kind (what goes wrong) and how
//! often. Firing them, counted server-side, is `fault_book.rs`.

use std::str::FromStr;
use std::time::Duration;

use axum::http::StatusCode;

use super::file_body::Tamper;

/// One `--fault`: which requests, what goes wrong, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub(super) target: Target,
    pub(super) kind: Kind,
    pub(super) times: Times,
    pub(super) skip: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    Kickoff,
    Status,
    /// A file; with a resource type or a fragment of the file name to match.
    File(Option<String>),
    /// A FHIR search or read (`[base]/{Type}…`); with a resource type to match.
    Search(Option<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    Status {
        code: StatusCode,
        outcome: Option<String>,
        retry_after: Option<RetryAfter>,
    },
    /// The response headers are held back this long.
    Delay(Duration),
    /// The body is sent in pieces, one per interval.
    Pace(Pace),
    /// An `X-Progress` header of this many bytes on a 202.
    Progress(u64),
    Drop(u64),
    /// A drop at the last line end within this many bytes.
    DropLine(u64),
    GzipCut(u64),
    /// The answer waits until this many file downloads are in flight.
    Gate(usize),
    /// A range request answered with the bytes from the start, labelled as such.
    WrongRange,
    /// A range request answered with at most this many bytes (a server that caps ranges).
    RangeCap(u64),
    /// A range request answered 416 as if the file ended where the range starts.
    False416,
    /// A request without Range answered 206 with the lines within the first bytes (half
    /// the file when `None`).
    UnaskedRange(Option<u64>),
    /// The file is replaced by a second version after this many answers.
    Changed {
        answers: u32,
        ignore_if_range: bool,
    },
    /// A change to the file for the server's whole life, not counted.
    Permanent(Permanent),
}

/// A fault that changes a file for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Permanent {
    Tamper(Tamper),
    /// Stored gzip-compressed and always sent with `Content-Encoding: gzip`.
    GzipStored,
    /// Terminal escape sequences in the manifest's URL of the file.
    EscapeUrl,
}

/// A body sent `bytes` at a time, one piece per `every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    pub bytes: u64,
    pub every: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RetryAfter {
    Seconds(u64),
    Date(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Times {
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

/// `500ms`, `2s`, `1m`: more than zero.
fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("'{text}' is not a duration such as 500ms, 2s or 1m"))
}

/// `BYTES[B]/DURATION`, e.g. `1B/2s` or `4K/1s`.
fn parse_pace(text: &str) -> Result<Pace, String> {
    let (bytes, every) = text
        .split_once('/')
        .ok_or_else(|| format!("'{text}' is not BYTES/DURATION such as 1B/2s"))?;
    let bytes = bytes.strip_suffix('B').unwrap_or(bytes);
    Ok(Pace {
        bytes: parse_bytes(bytes)?,
        every: parse_duration(every)?,
    })
}

impl Pace {
    /// `slow=RATE`: a quarter second's worth at a time.
    fn per_second(rate: u64) -> Pace {
        let bytes = (rate / 4).max(1);
        Pace {
            bytes,
            every: Duration::from_secs_f64(bytes as f64 / rate as f64),
        }
    }
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
        "search" => Ok(Target::Search(None)),
        _ => {
            let bracketed = |prefix: &str| {
                text.strip_prefix(prefix)
                    .and_then(|rest| rest.strip_suffix(']'))
                    .filter(|m| !m.is_empty())
                    .map(String::from)
            };
            bracketed("file[")
                .map(|m| Target::File(Some(m)))
                .or_else(|| bracketed("search[").map(|t| Target::Search(Some(t))))
                .ok_or_else(|| {
                    format!(
                        "unknown target '{text}': use kickoff, status, file, file[MATCH], \
                         search or search[TYPE]"
                    )
                })
        }
    }
}

const KINDS: &str = "an HTTP status 400-599, delay=, trickle=, progress=, drop=, drop-line=, \
                     gzip-cut, slow=, gate=, wrong-range, range-cap=, false-416, \
                     unasked-range, changed, invalid-json, wrong-type, huge-line, gzip-stored \
                     or escape-url";

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
    let needs = |what: &str| value.ok_or_else(|| format!("{name} needs ={what}"));
    let bare = |kind: Kind| match value {
        Some(_) => Err(format!("{name} takes no value")),
        None => Ok(kind),
    };
    match name {
        "delay" => Ok(Kind::Delay(parse_duration(needs("DURATION")?)?)),
        "trickle" => Ok(Kind::Pace(parse_pace(needs("BYTES/DURATION")?)?)),
        "progress" => Ok(Kind::Progress(bytes(None)?)),
        "drop" => Ok(Kind::Drop(bytes(None)?)),
        "drop-line" => Ok(Kind::DropLine(bytes(None)?)),
        "gzip-cut" => Ok(Kind::GzipCut(bytes(Some(GZIP_CUT))?)),
        "slow" => Ok(Kind::Pace(Pace::per_second(bytes(None)?))),
        "gate" => match parse_number::<usize>(name, needs("N")?)? {
            0 => Err("gate needs at least 1 download".into()),
            n => Ok(Kind::Gate(n)),
        },
        "wrong-range" => bare(Kind::WrongRange),
        "range-cap" => Ok(Kind::RangeCap(bytes(None)?)),
        "false-416" => bare(Kind::False416),
        "unasked-range" => Ok(Kind::UnaskedRange(value.map(parse_bytes).transpose()?)),
        "changed" => Ok(Kind::Changed {
            answers: value.map_or(Ok(1), |v| parse_number(name, v))?,
            ignore_if_range: false,
        }),
        "huge-line" => Ok(Kind::Permanent(Permanent::Tamper(Tamper::HugeLine(bytes(
            Some(HUGE_LINE),
        )?)))),
        "invalid-json" => bare(Kind::Permanent(Permanent::Tamper(Tamper::InvalidJson))),
        "wrong-type" => bare(Kind::Permanent(Permanent::Tamper(Tamper::WrongType))),
        "gzip-stored" => bare(Kind::Permanent(Permanent::GzipStored)),
        "escape-url" => bare(Kind::Permanent(Permanent::EscapeUrl)),
        _ => {
            let code = name
                .parse::<u16>()
                .ok()
                .filter(|c| (400..=599).contains(c) && value.is_none())
                .and_then(|c| StatusCode::from_u16(c).ok())
                .ok_or_else(|| format!("unknown fault '{text}': use {KINDS}"))?;
            Ok(Kind::Status {
                code,
                outcome: None,
                retry_after: None,
            })
        }
    }
}

impl Kind {
    /// Whether this kind of fault makes sense for the target.
    fn fits(&self, target: &Target) -> bool {
        match self {
            Kind::Status { .. } | Kind::Delay(_) | Kind::Pace(_) => true,
            Kind::Progress(_) => *target == Target::Status,
            _ => matches!(target, Target::File(_)),
        }
    }

    /// Whether `times` and `skip` count its firing (permanent and version faults have their
    /// own rule).
    fn is_one_shot(&self) -> bool {
        !matches!(self, Kind::Permanent(_) | Kind::Changed { .. })
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
            match (name, &mut kind) {
                ("times" | "skip", kind) if !kind.is_one_shot() => return Err(misfit()),
                ("times", _) if value == "always" => times = Some(Times::Always),
                ("times", _) => match parse_number(name, value)? {
                    0 => return Err("times must be at least 1".into()),
                    n => times = Some(Times::Count(n)),
                },
                ("skip", _) => skip = Some(parse_number(name, value)?),
                ("retry-after", Kind::Status { retry_after, .. }) => {
                    *retry_after = Some(RetryAfter::Seconds(parse_number(name, value)?));
                }
                ("retry-after-date", Kind::Status { retry_after, .. }) => {
                    *retry_after = Some(RetryAfter::Date(parse_number(name, value)?));
                }
                ("outcome", Kind::Status { .. }) if value.is_empty() => {
                    return Err("outcome needs an issue code".into());
                }
                ("outcome", Kind::Status { outcome, .. }) => *outcome = Some(value.to_string()),
                (
                    "if-range",
                    Kind::Changed {
                        ignore_if_range, ..
                    },
                ) => match value {
                    "ignore" => *ignore_if_range = true,
                    "honour" | "honor" => *ignore_if_range = false,
                    _ => return Err(format!("if-range takes ignore or honour, not '{value}'")),
                },
                ("retry-after" | "retry-after-date" | "outcome" | "if-range", _) => {
                    return Err(misfit());
                }
                _ => return Err(format!("unknown option '{name}'")),
            }
        }
        if !kind.fits(&target) {
            let what = match kind {
                Kind::Progress(_) => "only status faults send X-Progress",
                _ => "only file faults can drop, cut, slow down, hold, misplace or change content",
            };
            return Err(what.into());
        }
        Ok(Fault {
            target,
            kind,
            times: times.unwrap_or(Times::Count(1)),
            skip: skip.unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
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
            Kind::Permanent(Permanent::Tamper(Tamper::HugeLine(50 * 1024 * 1024)))
        );
        assert_eq!(
            parse("file:slow=1k").kind,
            Kind::Pace(Pace {
                bytes: 256,
                every: Duration::from_millis(250)
            })
        );
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
    fn new_kinds_parse_with_their_values() {
        let pace = |bytes, secs| {
            Kind::Pace(Pace {
                bytes,
                every: Duration::from_secs(secs),
            })
        };
        for (spec, kind) in [
            ("status:trickle=1B/2s", pace(1, 2)),
            ("kickoff:trickle=4K/1s", pace(4096, 1)),
            ("file:trickle=10/3s", pace(10, 3)),
            ("kickoff:delay=5s", Kind::Delay(Duration::from_secs(5))),
            ("file:delay=250ms", Kind::Delay(Duration::from_millis(250))),
            ("status:progress=390K", Kind::Progress(390 * 1024)),
            ("file:drop-line=2690", Kind::DropLine(2690)),
            ("file:gate=8", Kind::Gate(8)),
            ("file:false-416", Kind::False416),
            ("file:unasked-range", Kind::UnaskedRange(None)),
            ("file:unasked-range=2K", Kind::UnaskedRange(Some(2048))),
            ("file:gzip-stored", Kind::Permanent(Permanent::GzipStored)),
            (
                "file[Patient]:escape-url",
                Kind::Permanent(Permanent::EscapeUrl),
            ),
        ] {
            assert_eq!(parse(spec).kind, kind, "{spec}");
        }
        assert_eq!(
            parse("file[Patient]:changed").kind,
            Kind::Changed {
                answers: 1,
                ignore_if_range: false
            }
        );
        assert_eq!(
            parse("file:changed=2,if-range=ignore").kind,
            Kind::Changed {
                answers: 2,
                ignore_if_range: true
            }
        );
        assert_eq!(
            parse("search[Coverage]:400,times=always").target,
            Target::Search(Some("Coverage".into()))
        );
        assert_eq!(
            parse("search:delay=50ms").kind,
            Kind::Delay(Duration::from_millis(50))
        );
        let gate = parse("file:gate=3,skip=9,times=3");
        assert_eq!((gate.skip, gate.times), (9, Times::Count(3)));
    }

    #[test]
    fn bad_specs_say_why() {
        for (spec, why) in [
            ("status", "TARGET:KIND"),
            ("job:503", "unknown target"),
            ("file[]:503", "unknown target"),
            ("search[]:503", "unknown target"),
            ("search:drop=10", "only file faults"),
            ("search[Observation]:progress=1K", "only status faults"),
            ("status:200", "unknown fault"),
            ("status:drop=10", "only file faults"),
            ("kickoff:gate=2", "only file faults"),
            ("status:gzip-stored", "only file faults"),
            ("file:progress=1K", "only status faults"),
            ("kickoff:progress=1K", "only status faults"),
            ("file:drop", "needs =BYTES"),
            ("file:drop=0", "byte count"),
            ("file:delay", "needs =DURATION"),
            ("file:delay=0s", "duration"),
            ("file:delay=5", "duration"),
            ("file:trickle=1B", "BYTES/DURATION"),
            ("file:trickle=0B/1s", "byte count"),
            ("file:trickle=1B/0s", "duration"),
            ("file:gate=0", "at least 1"),
            ("file:gate=x", "takes a number"),
            ("file:false-416=3", "takes no value"),
            ("file:gzip-stored=1", "takes no value"),
            ("file:changed=x", "takes a number"),
            ("file:invalid-json,times=2", "does not fit"),
            ("file:gzip-stored,skip=1", "does not fit"),
            ("file:changed,times=2", "does not fit"),
            ("file:drop=1,retry-after=1", "does not fit"),
            ("file:drop=1,if-range=ignore", "does not fit"),
            ("file:changed,if-range=maybe", "ignore or honour"),
            ("status:503,times=0", "at least 1"),
            ("status:503,when=1", "unknown option"),
            ("status:503,times", "NAME=VALUE"),
        ] {
            let error = spec.parse::<Fault>().expect_err(spec);
            assert!(error.contains(why), "{spec}: {error}");
        }
    }
}
